/* SPDX-License-Identifier: MIT */
#include "ct-nifti.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nifti1_io.h>
#include <zlib.h>
#include <glib/gi18n-lib.h>

#include "ct-error.h"
#include "ct-series-loader.h"

/* Sanity limits on voxel sizes (mm): in plane, and between slices. */
#define VOXEL_MIN_MM 0.05
#define VOXEL_MAX_MM 20.0
#define SLICE_MAX_MM 50.0

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

/* nifti_image_read (@path, 0), but only for a header that looks like
 * NIfTI-1: nifti1_io prints "** ERROR" lines on standard error for bad
 * ones whatever its debug level, which would only confuse users of the
 * command line (the GError says what is wrong). */
static nifti_image *
read_header_quietly (const char *path)
{
  int swapped = 0;
  nifti_1_header *hdr;
  gboolean good;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  hdr = nifti_read_header (path, &swapped, 0);
  good = hdr != NULL && nifti_hdr_looks_good (hdr);
  free (hdr);
  return good ? nifti_image_read (path, 0) : NULL;
}

/* TRUE when @path is gzip data whose stream is damaged or cut short: then
 * that, not "not NIfTI", is what the user needs to hear. */
static gboolean
is_damaged_gzip (const char *path)
{
  gzFile in = gzopen (path, "rb");
  char buffer[65536];
  int errnum = Z_OK;

  if (in == NULL)
    return FALSE;
  if (gzdirect (in))
    {
      gzclose (in);
      return FALSE;
    }
  while (gzread (in, buffer, sizeof buffer) > 0)
    ;
  gzerror (in, &errnum);
  gzclose (in);
  return errnum != Z_OK && errnum != Z_STREAM_END;
}

gboolean
ct_nifti_read_size (const char *path, int size[3], GError **error)
{
  nifti_image *nim;

  g_return_val_if_fail (path != NULL && size != NULL, FALSE);

  nifti_set_debug_level (0);
  nim = read_header_quietly (path);
  if (nim == NULL || nim->nx < 1 || nim->ny < 1 || nim->nz < 1)
    {
      if (nim == NULL && is_damaged_gzip (path))
        g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: the compressed data is damaged or truncated"), path);
      else
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

/* Reads the first @n_bytes of image data of @nim into a fresh buffer
 * (g_free), checking that the file holds all of them and, for .nii.gz, that
 * the compressed stream is whole and its checksum right: nifti1_io would
 * zero-fill a short read. The buffer grows with the data actually read, so a
 * small file claiming a huge image never allocates it. */
static void *
read_image_data (const char *path, const nifti_image *nim, gsize n_bytes, GError **error)
{
  gzFile in = gzopen (nim->iname != NULL ? nim->iname : path, "rb");
  g_autofree char *data = NULL;
  gsize done = 0, allocated = 0;
  int errnum = Z_OK;

  if (in == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("%s: cannot be opened"), path);
      return NULL;
    }
  if (gzseek (in, (z_off_t) nim->iname_offset, SEEK_SET) != (z_off_t) nim->iname_offset)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: the file ends before its image data (offset %d)"), path,
                   nim->iname_offset);
      gzclose (in);
      return NULL;
    }
  while (done < n_bytes)
    {
      unsigned chunk = (unsigned) MIN (n_bytes - done, (gsize) 1 << 26);
      int got;
      if (done + chunk > allocated)
        {
          gsize grown = MIN (MAX (allocated * 2, done + chunk), n_bytes);
          char *bigger = g_try_realloc (data, grown);
          if (bigger == NULL)
            {
              g_set_error (error, CT_ERROR, CT_ERROR_FAILED, _ ("%s: not enough memory for %lu MB of image data"), path,
                           (unsigned long) (n_bytes >> 20));
              gzclose (in);
              return NULL;
            }
          data = bigger;
          allocated = grown;
        }
      got = gzread (in, data + done, chunk);
      if (got <= 0)
        break;
      done += (gsize) got;
    }
  gzerror (in, &errnum);
  if (done == n_bytes && errnum == Z_OK)
    {
      /* The rest of the stream, so that a damaged end or checksum shows. */
      char rest[65536];
      while (gzread (in, rest, sizeof rest) > 0)
        ;
      gzerror (in, &errnum);
    }
  gzclose (in);
  if (errnum != Z_OK && errnum != Z_STREAM_END)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                   _ ("%s: the compressed data is damaged or truncated (after %lu of %lu image bytes)"), path,
                   (unsigned long) done, (unsigned long) n_bytes);
      return NULL;
    }
  if (done < n_bytes)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: truncated: %lu of the %lu image bytes the header needs"),
                   path, (unsigned long) done, (unsigned long) n_bytes);
      return NULL;
    }
  return g_steal_pointer (&data);
}

static void
nifti_image_unref (nifti_image *nim)
{
  nifti_image_free (nim);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (nifti_image, nifti_image_unref)

CtVolume *
ct_nifti_load (const char *path, GError **error)
{
  g_autoptr (nifti_image) nim = NULL;
  g_autoptr (CtVolume) volume = NULL;
  g_autofree void *data = NULL;
  const char *transform;
  double affine[3][4];
  guint64 n, n_bytes, needed, available;
  double det;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("%s: no such file"), path);
      return NULL;
    }

  /* The header only: everything it claims is checked before the image
   * data is read or any memory for it allocated. */
  nifti_set_debug_level (0);
  nim = read_header_quietly (path);
  if (nim == NULL)
    {
      if (is_damaged_gzip (path))
        g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: the compressed data is damaged or truncated"), path);
      else
        g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: not a readable NIfTI-1 image"), path);
      return NULL;
    }

  if (nim->nx < 1 || nim->ny < 1 || nim->nz < 1 || nim->ndim < 2 || nim->ndim > 7 || nim->nt > 1 || nim->nu > 1 ||
      nim->nv > 1 || nim->nw > 1)
    {
      /* 4-D (a time series) and higher: refused, not cut to its first
       * volume, which would hide what the file holds. */
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                   _ ("%s: a %d-D image of %dx%dx%dx%d is not a CT volume (only 3-D NIfTI files are read)"), path,
                   nim->ndim, nim->nx, nim->ny, nim->nz, nim->nt);
      return NULL;
    }
  {
    /* The stored pixdim: nifti1_io replaces a 0 with 1 mm on reading. */
    int swapped = 0;
    nifti_1_header *hdr = nifti_read_header (path, &swapped, 0);
    float pixdim[3] = { nim->dx, nim->dy, nim->dz };
    if (hdr != NULL)
      {
        for (int a = 0; a < 3; a++)
          pixdim[a] = hdr->pixdim[a + 1];
        free (hdr);
      }
    if (!(pixdim[0] > 0 && isfinite (pixdim[0]) && pixdim[1] > 0 && isfinite (pixdim[1]) && pixdim[2] > 0 &&
          isfinite (pixdim[2])))
      {
        g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: pixdim %g x %g x %g mm is not a voxel size"), path,
                     pixdim[0], pixdim[1], pixdim[2]);
        return NULL;
      }
  }

  n = (guint64) nim->nx * nim->ny * nim->nz;
  n_bytes = n * (guint64) nim->nbyper;
  needed = n_bytes + n * sizeof (float);
  available = ct_series_available_memory ();
  if (nim->nbyper <= 0 || needed > available || n > G_MAXINT32 * (guint64) 4)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                   _ ("%s: %dx%dx%d voxels of %d bytes need %lu MB, more than the %lu MB of memory available"), path,
                   nim->nx, nim->ny, nim->nz, nim->nbyper, (unsigned long) (needed >> 20),
                   (unsigned long) (available >> 20));
      return NULL;
    }

  if (nim->sform_code > 0)
    {
      transform = "sform";
      for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++)
          affine[r][c] = nim->sto_xyz.m[r][c];
    }
  else if (nim->qform_code > 0)
    {
      transform = "qform";
      for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++)
          affine[r][c] = nim->qto_xyz.m[r][c];
    }
  else
    {
      transform = "pixdim";
      memset (affine, 0, sizeof affine);
      affine[0][0] = fabs (nim->dx);
      affine[1][1] = fabs (nim->dy);
      affine[2][2] = fabs (nim->dz);
    }
  det = affine[0][0] * (affine[1][1] * affine[2][2] - affine[1][2] * affine[2][1]) -
        affine[0][1] * (affine[1][0] * affine[2][2] - affine[1][2] * affine[2][0]) +
        affine[0][2] * (affine[1][0] * affine[2][1] - affine[1][1] * affine[2][0]);

  /* The image data first: only a file that holds it gets its volume
   * allocated (a small file may claim gigabytes). */
  data = read_image_data (path, nim, (gsize) n_bytes, error);
  if (data == NULL)
    return NULL;
  volume = ct_volume_new (nim->nx, nim->ny, nim->nz);
  if (volume == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: not enough memory for %dx%dx%d voxels"), path, nim->nx,
                   nim->ny, nim->nz);
      return NULL;
    }
  if (nim->sform_code <= 0 && nim->qform_code <= 0)
    ct_volume_add_warning (volume, _ ("The NIfTI file has no orientation: axes assumed RAS"));

  for (int c = 0; c < 3; c++)
    {
      /* RAS column -> LPS column. */
      double col[3] = { -affine[0][c], -affine[1][c], affine[2][c] };
      double length = sqrt (col[0] * col[0] + col[1] * col[1] + col[2] * col[2]);
      double most = c < 2 ? VOXEL_MAX_MM : SLICE_MAX_MM;

      if (!(length >= VOXEL_MIN_MM && length <= most) || !isfinite (affine[c][3]))
        {
          g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                       _ ("%s: the %s gives voxels of %g mm along axis %d, outside %g-%g mm"), path, transform, length,
                       c + 1, VOXEL_MIN_MM, most);
          return NULL;
        }
      volume->spacing[c] = length;
      for (int r = 0; r < 3; r++)
        volume->direction[c * 3 + r] = col[r] / length;
    }
  if (!(fabs (det) > 1e-3 * volume->spacing[0] * volume->spacing[1] * volume->spacing[2]) || !isfinite (det))
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                   _ ("%s: the %s is singular (determinant %g): its axes do not span a volume"), path, transform, det);
      return NULL;
    }
  volume->origin[0] = -affine[0][3];
  volume->origin[1] = -affine[1][3];
  volume->origin[2] = affine[2][3];

  if (nim->byteorder != nifti_short_order () && nim->swapsize > 1)
    nifti_swap_Nbytes ((size_t) n, nim->swapsize, data);
  nim->data = data;
  if (!convert_to_float (nim, (gsize) n, volume->hu))
    {
      nim->data = NULL;
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: NIfTI datatype %d is not supported"), path,
                   nim->datatype);
      return NULL;
    }
  nim->data = NULL;
  if (nim->scl_slope != 0.0f && isfinite (nim->scl_slope) && isfinite (nim->scl_inter) &&
      (nim->scl_slope != 1.0f || nim->scl_inter != 0.0f))
    {
      for (gsize i = 0; i < (gsize) n; i++)
        volume->hu[i] = volume->hu[i] * nim->scl_slope + nim->scl_inter;
    }

  volume->path = g_strdup (path);
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
  int saved_errno;

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
  errno = 0;
  ok = gzwrite (out, &hdr, sizeof hdr) == (int) sizeof hdr &&
       gzwrite (out, extension, sizeof extension) == (int) sizeof extension;
  /* gzwrite takes an unsigned int length: write in chunks. */
  while (ok && done < n_bytes)
    {
      unsigned chunk = (unsigned) MIN (n_bytes - done, (gsize) 1 << 28);
      ok = gzwrite (out, (const char *) data + done, chunk) == (int) chunk;
      done += chunk;
    }
  /* The system's reason (a full disk: ENOSPC), from the first failed write
   * or from the flush in gzclose (). */
  saved_errno = ok ? 0 : errno;
  errno = 0;
  if (gzclose (out) != Z_OK)
    {
      if (ok)
        saved_errno = errno;
      ok = FALSE;
    }
  if (!ok && saved_errno != 0)
    g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("Cannot write %s: %s"), path, g_strerror (saved_errno));
  else if (!ok)
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
