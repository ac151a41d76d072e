/* SPDX-License-Identifier: MIT */
/* ct-slice-layout.h: where a reformatted slice lands in a widget.
 *
 *   widget_x = offset_x + view_x * scale_x
 *   widget_y = offset_y + view_y * scale_y
 *
 * scale_x / scale_y equals pixel_width_mm / pixel_height_mm, so the picture
 * keeps its physical aspect ratio (a coronal of 5 mm slices is tall enough).
 */
#pragma once

#include <glib.h>

#include "ct-slice-geometry.h"

G_BEGIN_DECLS

typedef struct
{
  double scale_x;  /* widget pixels per slice pixel along x */
  double scale_y;  /* ... along y */
  double offset_x; /* widget position of the slice's top-left corner */
  double offset_y;
} CtSliceLayout;

/* zoom 1 fits the whole slice into the widget, centred; pan_x / pan_y shift
 * it by that many widget pixels. */
void ct_slice_layout_fit (CtSliceLayout *self, const CtSliceGeometry *geometry, double widget_width,
                          double widget_height, double zoom, double pan_x, double pan_y);
void ct_slice_layout_widget_to_view (const CtSliceLayout *self, double widget_x, double widget_y, double *out_x,
                                     double *out_y);
void ct_slice_layout_view_to_widget (const CtSliceLayout *self, double x, double y, double *out_widget_x,
                                     double *out_widget_y);
/* Millimetres covered by one widget pixel horizontally (for the scale bar). */
double ct_slice_layout_mm_per_widget_pixel (const CtSliceLayout *self, const CtSliceGeometry *geometry);

G_END_DECLS
