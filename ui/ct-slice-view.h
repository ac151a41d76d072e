/* SPDX-License-Identifier: MIT */
/* ct-slice-view.h: one axial, coronal or sagittal view of a study, drawn by
 * render/'s CtSliceRenderer. Scroll or Up/Down/Page keys step slices,
 * Ctrl+scroll zooms, left drag pans, a left click emits "voxel-activated"
 * (crosshair linking), right drag changes window/level ("window-changed"),
 * the pointer emits "hover" with the voxel and HU under it, a double click
 * "maximise-requested", a zoom or pan "zoom-changed". Keys with Ctrl or
 * Alt are left to the window. */
#pragma once

#include <gtk/gtk.h>

#include "ct-study.h"
#include "ct-slice-geometry.h"
#include "ct-slice-layout.h"

G_BEGIN_DECLS

#define CT_TYPE_SLICE_VIEW (ct_slice_view_get_type ())
G_DECLARE_FINAL_TYPE (CtSliceView, ct_slice_view, CT, SLICE_VIEW, GtkWidget)

GtkWidget *ct_slice_view_new (CtViewPlane plane);
CtViewPlane ct_slice_view_get_plane (CtSliceView *self);
/* Shows the item's volume (when loaded) and its masks (when analysed);
 * follows the item as its results arrive. NULL clears. */
void ct_slice_view_set_study (CtSliceView *self, CtStudy *item);
CtStudy *ct_slice_view_get_study (CtSliceView *self);

void ct_slice_view_set_window (CtSliceView *self, double width, double level);
void ct_slice_view_get_window (CtSliceView *self, double *out_width, double *out_level);
void ct_slice_view_set_show_overlays (CtSliceView *self, gboolean show);
void ct_slice_view_set_lesion_opacity (CtSliceView *self, double opacity);
gboolean ct_slice_view_get_show_overlays (CtSliceView *self);
double ct_slice_view_get_lesion_opacity (CtSliceView *self);
/* Moves to the slice through ijk (continuous voxel) and puts the crosshair
 * there. */
void ct_slice_view_focus_voxel (CtSliceView *self, const double ijk[3]);
void ct_slice_view_set_slice (CtSliceView *self, int slice);
int ct_slice_view_get_slice (CtSliceView *self);
int ct_slice_view_get_n_slices (CtSliceView *self);
void ct_slice_view_step (CtSliceView *self, int delta);
/* Zooms to zoom (1 = fit; clamped to 0.5..16) keeping the point under
 * widget (x, y) in place, as Ctrl+scroll does at the pointer. */
void ct_slice_view_zoom_at (CtSliceView *self, double zoom, double x, double y);
double ct_slice_view_get_zoom (CtSliceView *self);
/* Where the slice is drawn at the current size, zoom and pan; FALSE when
 * no volume is shown. */
gboolean ct_slice_view_get_layout (CtSliceView *self, CtSliceLayout *out_layout);
void ct_slice_view_reset_zoom (CtSliceView *self);
/* Zoom and pan as they are, and set together (linked views). */
void ct_slice_view_get_zoom_pan (CtSliceView *self, double *out_zoom, double *out_pan_x, double *out_pan_y);
void ct_slice_view_set_zoom_pan (CtSliceView *self, double zoom, double pan_x, double pan_y);

/* Reference lines through the continuous voxel ijk (where the other views
 * are), without moving this view's slice. */
void ct_slice_view_set_reference (CtSliceView *self, const double ijk[3]);
/* Where the reference lines cross, in this view's slice pixels (x: the
 * vertical line, y: the horizontal one); FALSE when none is shown. */
gboolean ct_slice_view_get_reference (CtSliceView *self, double *out_x, double *out_y);
/* How the view samples its volume; FALSE when none is shown. */
gboolean ct_slice_view_get_geometry (CtSliceView *self, CtSliceGeometry *out_geometry);

G_END_DECLS
