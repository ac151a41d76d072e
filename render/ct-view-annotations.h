/* SPDX-License-Identifier: MIT */
/* ct-view-annotations.h: orientation letters and the scale bar, drawn over a
 * view with Cairo's own text (no Pango), in widget coordinates. */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "ct-slice-geometry.h"

G_BEGIN_DECLS

/* The largest 1, 2 or 5 x 10^n mm that is <= max_mm (0 when max_mm <= 0). */
double ct_scale_bar_nice_length_mm (double max_mm);

/* Letters centred on the four edges of a widget_width x widget_height area. */
void ct_draw_orientation_labels (cairo_t *cr, const CtSliceGeometry *geometry, double widget_width,
                                 double widget_height);

/* A bar of a nice round length (about a fifth of the width) in the lower
 * right corner, labelled "50 mm" / "5 cm". */
void ct_draw_scale_bar (cairo_t *cr, double mm_per_widget_pixel, double widget_width, double widget_height);

G_END_DECLS
