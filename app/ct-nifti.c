/* SPDX-License-Identifier: MIT */
#include "ct-nifti.h"

#include <math.h>
#include <string.h>

#include <nifti1_io.h>
#include <zlib.h>
#include <glib/gi18n-lib.h>

#include "ct-error.h"

gboolean
ct_nifti_is_nifti_path (const char *path)
{
  g_autofree char *lower = NULL;

  if (path == NULL)
    return FALSE;
  lower = g_ascii_strdown (path, -1);
  return g_str_has_suffix (lower, ".nii") || g_str_has_suffix (lower, ".nii.gz");
}

/* ---- Reading ------------------------------------------------------------ */

gboolean
ct_nifti_read_size (const char *path, int size[3], GError **error)
{
  nifti_image *nim;

  g_return_val_if_fail (path != NULL && size != NULL, FALSE);

  nifti_set_debug_level (0);
  nim = g_file_test (path, G_FILE_TEST_IS_REGULAR) ? nifti_image_read (path, 0) : NULL;
  if (nim == NULL || nim->nx < 1 || nim->ny < 1 || nim->nz < 1)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: not a readable NIfTI-1 image"), path);
      if (nim != NULL)
        nifti_image_free (nim);
      return FALSE;
    }
  size[0] = nim->nx;
  size[1] = nim->ny;
  size[2] = nim->nz;
  nifti_image_free (nim);
  return TRUE;
}

static gboolean
convert_to_float (const nifti_image *nim, gsize n, float *out)
{
  const void *d = nim->data;

  switch (nim->datatype)
    {
#define CONVERT(ctype)                                                                                                 \
  for (gsize i = 0; i < n; i++)                                                                                        \
    out[i] = (float) ((const ctype *) d)[i];                                                                           \
  return TRUE
    case DT_UINT8:
      CONVERT (guint8);
    case DT_INT8:
      CONVERT (gint8);
    case DT_INT16:
      CONVERT (gint16);
    case DT_UINT16:
      CONVERT (guint16);
    case DT_INT32:
      CONVERT (gint32);
    case DT_UINT32:
      CONVERT (guint32);
    case DT_INT64:
      CONVERT (gint64);
    case DT_UINT64:
      CONVERT (guint64);
    case DT_FLOAT32:
      CONVERT (float);
    case DT_FLOAT64:
      CONVERT (double);
#undef CONVERT
    default:
      return FALSE;
    }
}

CtVolume *
ct_nifti_load (const char *path, GError **error)
{
  nifti_image *nim;
  g_autoptr (CtVolume) volume = NULL;
  double affine[3][4];
  gsize n;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("%s: no such file"), path);
      return NULL;
    }

  nifti_set_debug_level (0);
  nim = nifti_image_read (path, 1);
  if (nim == NULL || nim->data == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: not a readable NIfTI-1 image"), path);
      if (nim != NULL)
        nifti_image_free (nim);
      return NULL;
    }

  if (nim->nx < 1 || nim->ny < 1 || nim->nz < 1 || nim->ndim < 2 || nim->ndim > 7 || nim->nu > 1 || nim->nv > 1 ||
      nim->nw > 1)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: a %d-D image of %dx%dx%d is not a CT volume"), path,
                   nim->ndim, nim->nx, nim->ny, nim->nz);
      nifti_image_free (nim);
      return NULL;
    }

  volume = ct_volume_new (nim->nx, nim->ny, nim->nz);
  if (volume == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: image too large"), path);
      nifti_image_free (nim);
      return NULL;
    }
  n = ct_volume_n_voxels (volume);
  /* Only the first time point of a 4-D image: it is the first n voxels. */
  if (!convert_to_float (nim, n, volume->hu))
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: NIfTI datatype %d is not supported"), path,
                   nim->datatype);
      nifti_image_free (nim);
      return NULL;
    }
  if (nim->scl_slope != 0.0f && isfinite (nim->scl_slope) && isfinite (nim->scl_inter) &&
      (nim->scl_slope != 1.0f || nim->scl_inter != 0.0f))
    {
      for (gsize i = 0; i < n; i++)
        volume->hu[i] = volume->hu[i] * nim->scl_slope + nim->scl_inter;
    }

  if (nim->sform_code > 0)
    {
      for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++)
          affine[r][c] = nim->sto_xyz.m[r][c];
    }
  else if (nim->qform_code > 0)
    {
      for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++)
          affine[r][c] = nim->qto_xyz.m[r][c];
    }
  else
    {
      memset (affine, 0, sizeof affine);
      affine[0][0] = fabs (nim->dx) > 0 ? fabs (nim->dx) : 1.0;
      affine[1][1] = fabs (nim->dy) > 0 ? fabs (nim->dy) : 1.0;
      affine[2][2] = fabs (nim->dz) > 0 ? fabs (nim->dz) : 1.0;
      ct_volume_add_warning (volume, _ ("The NIfTI file has no orientation: axes assumed RAS"));
    }

  for (int c = 0; c < 3; c++)
    {
      /* RAS column -> LPS column. */
      double col[3] = { -affine[0][c], -affine[1][c], affine[2][c] };
      double length = sqrt (col[0] * col[0] + col[1] * col[1] + col[2] * col[2]);

      if (!(length > 0) || !isfinite (length))
        {
          g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: degenerate orientation matrix"), path);
          nifti_image_free (nim);
          return NULL;
        }
      volume->spacing[c] = length;
      for (int r = 0; r < 3; r++)
        volume->direction[c * 3 + r] = col[r] / length;
    }
  volume->origin[0] = -affine[0][3];
  volume->origin[1] = -affine[1][3];
  volume->origin[2] = affine[2][3];

  volume->path = g_strdup (path);
  nifti_image_free (nim);
  return g_steal_pointer (&volume);
}

/* ---- Writing ------------------------------------------------------------ */

/* Fills the geometry fields of @hdr from @geometry (LPS -> RAS). */
static void
fill_geometry (nifti_1_header *hdr, const CtVolume *geometry)
{
  mat44 m;
  float qb, qc, qd, qx, qy, qz, dx, dy, dz, qfac;

  memset (&m, 0, sizeof m);
  for (int c = 0; c < 3; c++)
    {
      double step[3];
      for (int r = 0; r < 3; r++)
        step[r] = geometry->spacing[c] * geometry->direction[c * 3 + r];
      m.m[0][c] = (float) -step[0];
      m.m[1][c] = (float) -step[1];
      m.m[2][c] = (float) step[2];
    }
  m.m[0][3] = (float) -geometry->origin[0];
  m.m[1][3] = (float) -geometry->origin[1];
  m.m[2][3] = (float) geometry->origin[2];
  m.m[3][3] = 1.0f;

  for (int c = 0; c < 4; c++)
    {
      hdr->srow_x[c] = m.m[0][c];
      hdr->srow_y[c] = m.m[1][c];
      hdr->srow_z[c] = m.m[2][c];
    }
  hdr->sform_code = NIFTI_XFORM_SCANNER_ANAT;

  /* The qform can only hold a rotation: for a sheared (gantry tilt) grid it
   * is the nearest one, and readers should prefer the exact sform. */
  nifti_mat44_to_quatern (m, &qb, &qc, &qd, &qx, &qy, &qz, &dx, &dy, &dz, &qfac);
  hdr->quatern_b = qb;
  hdr->quatern_c = qc;
  hdr->quatern_d = qd;
  hdr->qoffset_x = qx;
  hdr->qoffset_y = qy;
  hdr->qoffset_z = qz;
  hdr->qform_code = NIFTI_XFORM_SCANNER_ANAT;
  hdr->pixdim[0] = qfac < 0 ? -1.0f : 1.0f;
  hdr->pixdim[1] = (float) geometry->spacing[0];
  hdr->pixdim[2] = (float) geometry->spacing[1];
  hdr->pixdim[3] = (float) geometry->spacing[2];
  hdr->xyzt_units = NIFTI_UNITS_MM;
}

static gboolean
write_nifti (const CtVolume *geometry, int datatype, int bitpix, const void *data, gsize n_bytes, const char *path,
             GError **error)
{
  nifti_1_header hdr;
  char extension[4] = { 0, 0, 0, 0 };
  g_autofree char *lower = g_ascii_strdown (path, -1);
  gboolean compress = g_str_has_suffix (lower, ".gz");
  gzFile out;
  gboolean ok = TRUE;
  gsize done = 0;

  memset (&hdr, 0, sizeof hdr);
  hdr.sizeof_hdr = 348;
  hdr.dim[0] = 3;
  hdr.dim[1] = (short) geometry->nx;
  hdr.dim[2] = (short) geometry->ny;
  hdr.dim[3] = (short) geometry->nz;
  for (int d = 4; d < 8; d++)
    hdr.dim[d] = 1;
  hdr.datatype = (short) datatype;
  hdr.bitpix = (short) bitpix;
  hdr.vox_offset = 352.0f;
  hdr.scl_slope = 1.0f;
  hdr.scl_inter = 0.0f;
  fill_geometry (&hdr, geometry);
  memcpy (hdr.magic, "n+1", 4);
  g_strlcpy (hdr.descrip, "ct-triage", sizeof hdr.descrip);

  if (geometry->nx > G_MAXINT16 || geometry->ny > G_MAXINT16 || geometry->nz > G_MAXINT16)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, _ ("%s: too large for NIfTI-1"), path);
      return FALSE;
    }

  out = gzopen (path, compress ? "wb1" : "wbT");
  if (out == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("Cannot create %s"), path);
      return FALSE;
    }
  ok = gzwrite (out, &hdr, sizeof hdr) == (int) sizeof hdr &&
       gzwrite (out, extension, sizeof extension) == (int) sizeof extension;
  /* gzwrite takes an unsigned int length: write in chunks. */
  while (ok && done < n_bytes)
    {
      unsigned chunk = (unsigned) MIN (n_bytes - done, (gsize) 1 << 28);
      ok = gzwrite (out, (const char *) data + done, chunk) == (int) chunk;
      done += chunk;
    }
  if (gzclose (out) != Z_OK)
    ok = FALSE;
  if (!ok)
    g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("Cannot write %s"), path);
  return ok;
}

gboolean
ct_nifti_write_volume (const CtVolume *volume, const char *path, GError **error)
{
  gsize n;
  gboolean integral = TRUE;

  g_return_val_if_fail (volume != NULL && volume->hu != NULL && path != NULL, FALSE);

  n = ct_volume_n_voxels (volume);
  for (gsize i = 0; i < n && integral; i++)
    {
      float v = volume->hu[i];
      integral = v == rintf (v) && v >= G_MININT16 && v <= G_MAXINT16;
    }

  if (integral)
    {
      g_autofree gint16 *values = g_try_new (gint16, n);
      if (values == NULL)
        {
          g_set_error (error, CT_ERROR, CT_ERROR_FAILED, _ ("%s: out of memory"), path);
          return FALSE;
        }
      for (gsize i = 0; i < n; i++)
        values[i] = (gint16) volume->hu[i];
      return write_nifti (volume, DT_INT16, 16, values, n * sizeof (gint16), path, error);
    }
  return write_nifti (volume, DT_FLOAT32, 32, volume->hu, n * sizeof (float), path, error);
}

gboolean
ct_nifti_write_mask (const CtVolume *geometry, const guint8 *mask, const char *path, GError **error)
{
  g_return_val_if_fail (geometry != NULL && mask != NULL && path != NULL, FALSE);

  return write_nifti (geometry, DT_UINT8, 8, mask, ct_volume_n_voxels (geometry), path, error);
}
