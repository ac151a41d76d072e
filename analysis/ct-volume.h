/* SPDX-License-Identifier: MIT */
/* ct-volume.h: a CT volume in Hounsfield units with its exact patient geometry.
 *
 * Immutable once loaded and shared between threads by reference counting
 * (g_atomic_rc_box), in the manner of GNOME Console's boxed types.
 *
 * Voxel layout: hu[(k * ny + j) * nx + i], i = column (fastest), j = row,
 * k = slice. Geometry follows DICOM (patient LPS coordinates, mm):
 *
 *   P(i, j, k) = origin + i * spacing[0] * direction[0..2]
 *                       + j * spacing[1] * direction[3..5]
 *                       + k * spacing[2] * direction[6..8]
 *
 * direction[0..2] is the unit vector along increasing column index (DICOM's
 * first ImageOrientationPatient triple), direction[3..5] along increasing row
 * index (the second triple), direction[6..8] along increasing slice index:
 * the normalised step between consecutive slice positions, which need not be
 * the cross product of the first two (feet-first stacks, gantry tilt).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  int nx, ny, nz;      /* columns, rows, slices */
  double spacing[3];   /* mm between voxel centres along i, j, k */
  double origin[3];    /* LPS mm of voxel (0, 0, 0)'s centre */
  double direction[9]; /* three LPS unit vectors, see above */
  float *hu;           /* [nz][ny][nx] Hounsfield units */

  /* Provenance; any may be NULL. Owned by the volume. */
  char *path; /* folder, file or DICOMDIR it came from */
  char *patient_id;
  char *patient_name;
  char *study_uid;
  char *series_uid;
  char *study_date; /* YYYYMMDD as in DICOM */
  char *series_description;
  char *accession_number; /* DICOM (0008,0050) */
  char *patient_age;      /* DICOM AS, e.g. "045Y" */
  char *patient_sex;      /* M, F, O */
  char *series_number;
  char *modality;      /* "CT" */
  GPtrArray *warnings; /* char*: loader notes a radiologist should see
                        * (uneven gaps, gantry tilt, duplicates removed) */
} CtVolume;

CtVolume *ct_volume_new (int nx, int ny, int nz);
CtVolume *ct_volume_ref (CtVolume *self);
void ct_volume_unref (CtVolume *self);
gsize ct_volume_n_voxels (const CtVolume *self);
void ct_volume_set_identity_geometry (CtVolume *self, double sx, double sy, double sz);
void ct_volume_voxel_to_patient (const CtVolume *self, double i, double j, double k, double out_lps[3]);
void ct_volume_add_warning (CtVolume *self, const char *format, ...) G_GNUC_PRINTF (2, 3);
void ct_volume_copy_metadata (CtVolume *dest, const CtVolume *src);

static inline float
ct_volume_get (const CtVolume *v, int i, int j, int k)
{
  return v->hu[((gsize) k * v->ny + j) * v->nx + i];
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtVolume, ct_volume_unref)

G_END_DECLS
