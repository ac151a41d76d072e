/* SPDX-License-Identifier: MIT */
/* ct-series-geometry.h: series assembly from slice headers alone, a pure
 * function with no I/O (unit tested on synthetic headers).
 *
 * Slices are sorted by their position along the slice normal
 * n = row direction x column direction (ImagePositionPatient projected on n),
 * never by InstanceNumber or file name, so the volume's k axis runs along +n
 * (superior for an axial series, head-first or feet-first alike). Slice
 * spacing comes from the positions, never from SliceThickness.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What one slice (a file, or one frame of a multi-frame file) says about its
 * plane. */
typedef struct
{
  int rows, columns;
  gboolean has_position;
  double position[3]; /* LPS mm of the first pixel's centre */
  gboolean has_orientation;
  double orientation[6]; /* row direction, column direction */
  gboolean has_pixel_spacing;
  double pixel_spacing[2];       /* [between rows, between columns] mm */
  double slice_thickness;        /* mm, 0 when unknown */
  double spacing_between_slices; /* mm, 0 when unknown */
  int instance_number;           /* tie-breaker only */
} CtSlicePlane;

typedef struct
{
  guint n_slices; /* slices kept */
  guint *order;   /* [n_slices]: input index of the slice at k */
  int rows, columns;
  double origin[3];    /* LPS mm of voxel (0, 0, 0) */
  double spacing[3];   /* mm along i (columns), j (rows), k */
  double direction[9]; /* as CtVolume: row dir, column dir, slice step */
  double tilt_degrees; /* angle between the slice step and the normal */
  guint n_duplicates;  /* slices left out for repeating a position */
  guint n_mismatched;  /* slices left out for another size/orientation */
  guint n_missing;     /* estimated slices missing in gaps */
  gboolean uneven;     /* gaps differ by more than 5 % + 0.01 mm */
  GPtrArray *warnings; /* char*: notes for the volume */
} CtSeriesGeometry;

/* Sorts and checks @n slices. Fails with CT_ERROR_INCONSISTENT_SERIES when
 * no clear majority of slices shares one size and orientation, and with
 * CT_ERROR_CORRUPT for impossible headers (zero size, degenerate
 * orientation). */
CtSeriesGeometry *ct_series_geometry_compute (const CtSlicePlane *slices, guint n, GError **error);
void ct_series_geometry_free (CtSeriesGeometry *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtSeriesGeometry, ct_series_geometry_free)

G_END_DECLS
