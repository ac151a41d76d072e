/* SPDX-License-Identifier: MIT */
/* ct-slice-geometry.h: how an axial, coronal or sagittal view samples a
 * CtVolume, derived from its direction cosines.
 *
 * Display convention (radiological):
 *   axial:    screen right = patient left,  screen down = posterior
 *   coronal:  screen right = patient left,  screen down = inferior
 *   sagittal: screen right = posterior,     screen down = inferior
 * Slice index order along the view normal:
 *   axial: superior -> inferior, coronal: anterior -> posterior,
 *   sagittal: right -> left.
 *
 * Each voxel axis (i, j, k) is matched to the patient axis (L, P, S) it is
 * closest to (the permutation maximising the summed |cosines|), then every
 * view axis is the voxel axis matched to the wanted patient axis, read forward
 * or backward. So head-first, feet-first, mirrored and axis-permuted volumes
 * all display the same way; no orientation is assumed. Sampling is nearest
 * voxel along the voxel grid (no oblique resampling): for a tilted series the
 * labels say what the screen axes really are (e.g. "PI").
 *
 * Coordinates:
 *   view (x, y): continuous, in slice pixels; pixel (px, py) covers
 *     [px, px + 1) x [py, py + 1), its centre is (px + 0.5, py + 0.5).
 *     One slice pixel is one voxel, pixel_width_mm x pixel_height_mm.
 *   voxel (i, j, k): continuous, voxel centres at integers (CtVolume's).
 */
#pragma once

#include <glib.h>

#include "ct-volume.h"

G_BEGIN_DECLS

typedef enum
{
  CT_VIEW_AXIAL,
  CT_VIEW_CORONAL,
  CT_VIEW_SAGITTAL,
  CT_N_VIEW_PLANES,
} CtViewPlane;

typedef struct
{
  CtViewPlane plane;
  int width;               /* slice pixels along screen x */
  int height;              /* slice pixels along screen y */
  int n_slices;            /* positions along the view normal */
  double pixel_width_mm;   /* physical size of one slice pixel along x */
  double pixel_height_mm;  /* ... along y (5 mm on the coronal of a 5 mm series) */
  double slice_spacing_mm; /* between consecutive slices of this view */

  /* Which voxel axis (0 = i, 1 = j, 2 = k) feeds screen x, screen y and the
   * slice index, and whether it is read backwards (index n - 1 - t). */
  int axis_x, axis_y, axis_slice;
  gboolean flip_x, flip_y, flip_slice;

  /* Patient-direction letters of the four edges, from the actual direction
   * cosines: "R", "L", "A", "P", "S", "I", or up to three letters for an
   * oblique axis, strongest first ("PI"). label_right names where screen +x
   * points, label_bottom where screen +y points. */
  char label_left[4];
  char label_right[4];
  char label_top[4];
  char label_bottom[4];
} CtSliceGeometry;

void ct_slice_geometry_init (CtSliceGeometry *self, const CtVolume *volume, CtViewPlane plane);

/* View (x, y) on slice `slice` -> continuous voxel (i, j, k). Never fails;
 * the result may lie outside the volume when (x, y) does. */
void ct_slice_geometry_view_to_voxel (const CtSliceGeometry *self, int slice, double x, double y, double out_ijk[3]);

/* Continuous voxel -> view (x, y) and the slice that contains it (nearest).
 * Returns TRUE when the voxel lies inside the volume. Any out pointer may be
 * NULL. */
gboolean ct_slice_geometry_voxel_to_view (const CtSliceGeometry *self, const double ijk[3], double *out_x,
                                          double *out_y, int *out_slice);

/* Integer pixel (px, py) on slice -> voxel indices. FALSE when outside. */
gboolean ct_slice_geometry_pixel_to_voxel (const CtSliceGeometry *self, int slice, int px, int py, int out_ijk[3]);

/* The letters of an LPS unit vector ("L", "PI", ...), NUL-terminated in
 * out_letters (at least 4 bytes). Components below 0.3 are left out. */
void ct_patient_direction_letters (const double lps[3], char out_letters[4]);

const char *ct_view_plane_get_name (CtViewPlane plane); /* "axial", ... untranslated */

G_END_DECLS
