/* SPDX-License-Identifier: MIT */
/* ct-slice-renderer.h: one view (axial, coronal or sagittal) of a CtVolume,
 * drawn with Cairo: window/level grey, lesion fill, lung outline, crosshair,
 * orientation letters and scale bar. GTK-free; main-thread use only.
 *
 * Per frame the GUI calls, from its draw function:
 *   ct_slice_layout_fit (&layout, ct_slice_renderer_get_geometry (r), w, h, zoom, pan_x, pan_y);
 *   ct_slice_renderer_draw (r, cr, w, h, &layout);
 * The slice raster (one pixel per voxel) is rebuilt only when the slice, the
 * window, the masks or the overlay settings changed since the last draw;
 * otherwise drawing is one scaled paint plus the annotations.
 *
 * Pointer and crosshair:
 *   ct_slice_renderer_pick (r, &layout, x, y, ijk, &hu)   -> voxel + HU under the pointer
 *   ct_slice_renderer_focus_voxel (other, ijk)            -> other view jumps there
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "ct-analysis.h"
#include "ct-grey-lut.h"
#include "ct-slice-geometry.h"
#include "ct-slice-layout.h"
#include "ct-volume.h"

G_BEGIN_DECLS

typedef struct _CtSliceRenderer CtSliceRenderer;

/* Takes a reference on volume. Starts on the middle slice, lung window,
 * overlays shown, lesion opacity 0.4, annotations shown, no crosshair. */
CtSliceRenderer *ct_slice_renderer_new (CtVolume *volume, CtViewPlane plane);
void ct_slice_renderer_free (CtSliceRenderer *self);

CtVolume *ct_slice_renderer_get_volume (CtSliceRenderer *self); /* borrowed */
const CtSliceGeometry *ct_slice_renderer_get_geometry (CtSliceRenderer *self);

void ct_slice_renderer_set_slice (CtSliceRenderer *self, int slice); /* clamped */
int ct_slice_renderer_get_slice (CtSliceRenderer *self);
int ct_slice_renderer_get_n_slices (CtSliceRenderer *self);

void ct_slice_renderer_set_window (CtSliceRenderer *self, double width, double level);
void ct_slice_renderer_set_window_preset (CtSliceRenderer *self, CtWindowPreset preset);
void ct_slice_renderer_get_window (CtSliceRenderer *self, double *out_width, double *out_level);

/* Masks on the volume's voxel grid, [nz][ny][nx] (CtAnalysis layout): lung
 * 1 = right lung, 2 = left lung, 0 = none; lesion nonzero = lesion. BORROWED:
 * the caller keeps them alive until they are replaced or cleared (NULL).
 * Returns FALSE (and keeps none) when the dimensions differ from the volume's. */
gboolean ct_slice_renderer_set_masks (CtSliceRenderer *self, const guint8 *lung_mask, const guint8 *lesion_mask, int nx,
                                      int ny, int nz);
/* The masks of an analysis result; the renderer keeps a reference to
 * @analysis while it shows them. NULL clears. */
gboolean ct_slice_renderer_set_analysis (CtSliceRenderer *self, const CtAnalysis *analysis);

/* Master switch of both overlays (the `s` key). */
void ct_slice_renderer_set_show_overlays (CtSliceRenderer *self, gboolean show);
gboolean ct_slice_renderer_get_show_overlays (CtSliceRenderer *self);
/* The lung outline alone (on by default); lesions stay as they are. */
void ct_slice_renderer_set_show_lung_outline (CtSliceRenderer *self, gboolean show);
void ct_slice_renderer_set_lesion_opacity (CtSliceRenderer *self, double opacity); /* clamped to 0..1 */
double ct_slice_renderer_get_lesion_opacity (CtSliceRenderer *self);
void ct_slice_renderer_set_lesion_colour (CtSliceRenderer *self, double red, double green, double blue);
/* Outline colours of the right and left lung, components 0..1. */
void ct_slice_renderer_set_lung_colours (CtSliceRenderer *self, const double right_rgb[3], const double left_rgb[3]);
void ct_slice_renderer_set_show_annotations (CtSliceRenderer *self, gboolean show);

/* Crosshair at a continuous voxel position, drawn where it projects into
 * this view; NULL hides it. */
void ct_slice_renderer_set_crosshair (CtSliceRenderer *self, const double ijk[3]);
/* Moves to the slice containing ijk and puts the crosshair there. */
void ct_slice_renderer_focus_voxel (CtSliceRenderer *self, const double ijk[3]);

/* The raster of the current slice, geometry->width x geometry->height,
 * CAIRO_FORMAT_RGB24, overlays included when shown; rebuilt if stale.
 * Borrowed: valid until the next call on self. */
cairo_surface_t *ct_slice_renderer_get_slice_surface (CtSliceRenderer *self);

/* Paints background, slice, crosshair and annotations into a
 * widget_width x widget_height area of cr, placed by layout. */
void ct_slice_renderer_draw (CtSliceRenderer *self, cairo_t *cr, double widget_width, double widget_height,
                             const CtSliceLayout *layout);

/* Widget point -> integer voxel on the current slice and its HU. FALSE when
 * the point is outside the slice. out_hu may be NULL. */
gboolean ct_slice_renderer_pick (CtSliceRenderer *self, const CtSliceLayout *layout, double widget_x, double widget_y,
                                 int out_ijk[3], float *out_hu);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtSliceRenderer, ct_slice_renderer_free)

G_END_DECLS
