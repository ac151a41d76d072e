/* SPDX-License-Identifier: MIT */
/* ct-nifti.h: NIfTI-1 reading and writing of CT volumes and masks.
 *
 * NIfTI's world space is RAS (x to patient right->left is negative), ours is
 * DICOM LPS: x and y change sign on the way in and out. Voxel order is the
 * same in both (i fastest), so no voxel is moved. A ".gz" suffix means gzip.
 */
#pragma once

#include <glib.h>

#include "ct-volume.h"

G_BEGIN_DECLS

/* Loads a 3-D (or the first volume of a 4-D) NIfTI-1 image of any scalar
 * type as HU floats (scl_slope/scl_inter applied). Geometry from the sform
 * when its code is set, else the qform, else pixdim alone. */
CtVolume *ct_nifti_load (const char *path, GError **error);

/* Writes @volume with its geometry in both sform and qform (code 1,
 * scanner). Voxels are written as int16 when every value is an integer in
 * int16 range (exact, half the size), else as float32. */
gboolean ct_nifti_write_volume (const CtVolume *volume, const char *path, GError **error);

/* Writes @mask ([nz][ny][nx] values, uint8) on @geometry's grid and geometry. */
gboolean ct_nifti_write_mask (const CtVolume *geometry, const guint8 *mask, const char *path, GError **error);

/* Reads only the header: the image size (columns, rows, slices). */
gboolean ct_nifti_read_size (const char *path, int size[3], GError **error);

/* TRUE when @path ends with ".nii" or ".nii.gz" (any case). */
gboolean ct_nifti_is_nifti_path (const char *path);

G_END_DECLS
