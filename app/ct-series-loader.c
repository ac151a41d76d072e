/* SPDX-License-Identifier: MIT */
#include "ct-series-loader.h"

#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "ct-error.h"
#include "ct-nifti.h"
#include "ct-study-scan.h"

/* Sanity limits on what a header may claim, checked before anything is
 * allocated: a CT pixel is 0.05-20 mm wide (micro-CT to a scout), a slab
 * holds at most this many planes. */
#define PIXEL_SPACING_MIN_MM 0.05
#define PIXEL_SPACING_MAX_MM 20.0
#define MAX_PLANES 20000

typedef struct
{
  const CtSeriesInfo *series;
  CtVolume *volume;
  int *first_plane;    /* [files]: index of the file's first plane */
  int *slice_of_plane; /* [planes]: k in the volume, or -1 when left out */
} DecodeJob;

/* The voxel buffer is fresh, untouched memory: first writes fault in one
 * page each, which for a 300-slice 512x512 volume (300 MB) costs more than
 * decoding. Transparent huge pages cut the faults 512-fold where the kernel
 * offers them (Debian's default: on madvise). */
static void
advise_huge_pages (float *data, gsize n_bytes)
{
#ifdef MADV_HUGEPAGE
  const guintptr huge = 2 * 1024 * 1024;
  guintptr start = ((guintptr) data + huge - 1) & ~(huge - 1);
  guintptr end = ((guintptr) data + n_bytes) & ~(huge - 1);

  if (end > start)
    madvise ((void *) start, end - start, MADV_HUGEPAGE);
#endif
}

static void
rescale (float *values, gsize n, double slope, double intercept)
{
  if (slope == 1.0 && intercept == 0.0)
    return;
  for (gsize i = 0; i < n; i++)
    values[i] = (float) (values[i] * slope + intercept);
}

static gboolean
decode_file (guint index, gpointer data, GError **error)
{
  DecodeJob *job = data;
  const CtGdcmHeader *h = g_ptr_array_index (job->series->headers, index);
  CtVolume *v = job->volume;
  const gsize frame_values = (gsize) v->nx * v->ny;
  const int first = job->first_plane[index];
  gboolean used = FALSE;

  for (int f = 0; f < h->n_frames; f++)
    used = used || job->slice_of_plane[first + f] >= 0;
  if (!used)
    return TRUE;

  if (h->n_frames == 1)
    {
      float *slice = v->hu + (gsize) job->slice_of_plane[first] * frame_values;
      if (!ct_gdcm_read_header_pixels (h, slice, frame_values, error))
        return FALSE;
      rescale (slice, frame_values, h->rescale_slope, h->rescale_intercept);
      return TRUE;
    }

  {
    g_autofree float *frames = g_try_new (float, frame_values * h->n_frames);
    if (frames == NULL)
      {
        g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: %d frames do not fit in memory"), h->path, h->n_frames);
        return FALSE;
      }
    if (!ct_gdcm_read_header_pixels (h, frames, frame_values * h->n_frames, error))
      return FALSE;
    for (int f = 0; f < h->n_frames; f++)
      {
        int k = job->slice_of_plane[first + f];
        if (k < 0)
          continue;
        memcpy (v->hu + (gsize) k * frame_values, frames + (gsize) f * frame_values, frame_values * sizeof (float));
        rescale (v->hu + (gsize) k * frame_values, frame_values, h->rescale_slope, h->rescale_intercept);
      }
  }
  return TRUE;
}

/* One CtSlicePlane per frame of every file of @series, [*n_planes];
 * @first_plane[f] gets file f's first plane. */
static CtSlicePlane *
build_planes (const CtSeriesInfo *series, guint *out_n_planes, int *first_plane, gboolean *guessed_frame_step)
{
  GPtrArray *headers = series->headers;
  CtSlicePlane *planes;
  guint n_planes = 0;

  for (guint f = 0; f < headers->len; f++)
    n_planes += (guint) ((const CtGdcmHeader *) g_ptr_array_index (headers, f))->n_frames;
  planes = g_new0 (CtSlicePlane, MAX (n_planes, 1));
  *guessed_frame_step = FALSE;

  {
    guint p = 0;
    for (guint f = 0; f < headers->len; f++)
      {
        const CtGdcmHeader *h = g_ptr_array_index (headers, f);
        double normal[3] = { 0, 0, 1 };
        double step = h->spacing_between_slices > 0 ? h->spacing_between_slices
                      : h->slice_thickness > 0      ? h->slice_thickness
                                                    : 1.0;

        if (h->has_orientation)
          {
            const double *o = h->orientation;
            normal[0] = o[1] * o[5] - o[2] * o[4];
            normal[1] = o[2] * o[3] - o[0] * o[5];
            normal[2] = o[0] * o[4] - o[1] * o[3];
            /* A unit normal: frames step by the slice gap, however long the
             * stored direction cosines (1e300 put frames anywhere; found by
             * fuzz-series). The geometry refuses a degenerate plane. */
            {
              double length = sqrt (normal[0] * normal[0] + normal[1] * normal[1] + normal[2] * normal[2]);
              for (int a = 0; a < 3; a++)
                normal[a] = length > 1e-6 && isfinite (length) ? normal[a] / length : 0.0;
            }
          }
        if (h->n_frames > 1 && h->frame_positions == NULL && h->spacing_between_slices <= 0)
          *guessed_frame_step = TRUE;

        first_plane[f] = (int) p;
        for (int fr = 0; fr < h->n_frames; fr++, p++)
          {
            CtSlicePlane *s = &planes[p];
            s->rows = h->rows;
            s->columns = h->columns;
            s->has_orientation = h->has_orientation;
            memcpy (s->orientation, h->orientation, sizeof s->orientation);
            s->has_pixel_spacing = h->has_pixel_spacing;
            memcpy (s->pixel_spacing, h->pixel_spacing, sizeof s->pixel_spacing);
            s->slice_thickness = h->slice_thickness;
            s->spacing_between_slices = h->spacing_between_slices;
            /* The file's number; its frames tie on it and keep their order
             * by plane index (the geometry's last tie-breaker). The former
             * number * 100000 + frame overflowed an int from InstanceNumber
             * 21475 on (found by fuzz-series). */
            s->instance_number = h->instance_number;
            s->has_position = h->has_position;
            if (h->frame_positions != NULL)
              memcpy (s->position, h->frame_positions + 3 * fr, sizeof s->position);
            else
              /* The first frame at the stored position as it is: 0 x an
               * infinite SpacingBetweenSlices made it NaN (found by
               * fuzz-series); further frames of such a file are refused by
               * the geometry's gap limits. */
              for (int a = 0; a < 3; a++)
                s->position[a] = fr == 0 ? h->position[a] : h->position[a] + fr * step * normal[a];
          }
      }
  }
  *out_n_planes = n_planes;
  return planes;
}

/* What one header claims, against the sanity limits: FALSE with an error
 * naming the file and the value. */
static gboolean
check_header (const CtGdcmHeader *h, GError **error)
{
  if (h->rows <= 0 || h->columns <= 0)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: an image of %dx%d pixels"), h->path, h->columns, h->rows);
      return FALSE;
    }
  if (!isfinite (h->rescale_slope) || h->rescale_slope == 0.0 || !isfinite (h->rescale_intercept))
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                   _ ("%s: RescaleSlope %g, RescaleIntercept %g cannot map stored values to Hounsfield units"), h->path,
                   h->rescale_slope, h->rescale_intercept);
      return FALSE;
    }
  if (h->has_pixel_spacing)
    for (int a = 0; a < 2; a++)
      if (!(h->pixel_spacing[a] >= PIXEL_SPACING_MIN_MM && h->pixel_spacing[a] <= PIXEL_SPACING_MAX_MM))
        {
          g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("PixelSpacing %g mm in %s is outside %g-%g mm"),
                       h->pixel_spacing[a], h->path, PIXEL_SPACING_MIN_MM, PIXEL_SPACING_MAX_MM);
          return FALSE;
        }
  if (h->has_position)
    for (int a = 0; a < 3; a++)
      if (!(fabs (h->position[a]) < 1e5))
        {
          g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("ImagePositionPatient %g mm in %s is not a position"),
                       h->position[a], h->path);
          return FALSE;
        }
  /* An Enhanced CT image's per-frame positions are positions too (they
   * went unchecked into the volume's origin; found by fuzz-series). */
  if (h->frame_positions != NULL)
    for (gsize i = 0; i < (gsize) h->n_frames * 3; i++)
      if (!(fabs (h->frame_positions[i]) < 1e5))
        {
          g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("ImagePositionPatient %g mm in %s is not a position"),
                       h->frame_positions[i], h->path);
          return FALSE;
        }
  return TRUE;
}

/* Bytes of memory this process may still take: MemAvailable, else the
 * physical memory; G_MAXUINT64 when unknown. */
guint64
ct_series_available_memory (void)
{
  g_autofree char *meminfo = NULL;
  long pages = sysconf (_SC_PHYS_PAGES), page_size = sysconf (_SC_PAGESIZE);

  if (g_file_get_contents ("/proc/meminfo", &meminfo, NULL, NULL))
    {
      const char *line = strstr (meminfo, "MemAvailable:");
      if (line != NULL)
        return g_ascii_strtoull (line + strlen ("MemAvailable:"), NULL, 10) * 1024;
    }
  if (pages > 0 && page_size > 0)
    return (guint64) pages * (guint64) page_size;
  return G_MAXUINT64;
}

/* The headers of @series against the limits, and the number of planes. */
static gboolean
check_series (const CtSeriesInfo *series, GError **error)
{
  guint64 n_planes = 0;

  for (guint f = 0; f < series->headers->len; f++)
    {
      const CtGdcmHeader *h = g_ptr_array_index (series->headers, f);
      if (!check_header (h, error))
        return FALSE;
      n_planes += (guint64) MAX (h->n_frames, 1);
      if (h->n_frames > MAX_PLANES || n_planes > MAX_PLANES)
        {
          g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                       _ ("%s: NumberOfFrames %d makes more than %d planes, more than a CT series holds"), h->path,
                       h->n_frames, MAX_PLANES);
          return FALSE;
        }
    }
  return TRUE;
}

CtSeriesGeometry *
ct_series_compute_geometry (const CtSeriesInfo *series, GError **error)
{
  g_autofree int *first_plane = NULL;
  g_autofree CtSlicePlane *planes = NULL;
  g_autoptr (GError) local = NULL;
  CtSeriesGeometry *geometry;
  gboolean guessed;
  guint n_planes;

  g_return_val_if_fail (series != NULL && series->kind == CT_SERIES_KIND_DICOM, NULL);

  if (!check_series (series, error))
    return NULL;
  first_plane = g_new0 (int, MAX (series->headers->len, 1));
  planes = build_planes (series, &n_planes, first_plane, &guessed);
  geometry = ct_series_geometry_compute (planes, n_planes, &local);
  if (geometry == NULL)
    g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", series->path);
  return geometry;
}

static CtVolume *
load_dicom (const CtSeriesInfo *series, int n_threads, CtSeriesProgressFunc progress, gpointer progress_data,
            GCancellable *cancellable, GError **error)
{
  GPtrArray *headers = series->headers;
  g_autofree CtSlicePlane *planes = NULL;
  g_autofree int *first_plane = NULL;
  g_autofree int *slice_of_plane = NULL;
  g_autoptr (CtSeriesGeometry) geometry = NULL;
  g_autoptr (CtVolume) volume = NULL;
  g_autoptr (GError) local = NULL;
  guint n_planes = 0;
  gboolean guessed_frame_step = FALSE;
  DecodeJob job;
  guint64 needed, available;

  if (!check_series (series, error))
    return NULL;
  first_plane = g_new0 (int, MAX (headers->len, 1));
  planes = build_planes (series, &n_planes, first_plane, &guessed_frame_step);
  slice_of_plane = g_new (int, MAX (n_planes, 1));

  geometry = ct_series_geometry_compute (planes, n_planes, &local);
  if (geometry == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", series->path);
      return NULL;
    }

  needed = (guint64) geometry->columns * geometry->rows * geometry->n_slices * sizeof (float);
  available = ct_series_available_memory ();
  if (needed > available)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                   _ ("%s: a %dx%dx%u volume needs %lu MB, more than the %lu MB of memory available"), series->path,
                   geometry->columns, geometry->rows, geometry->n_slices, (unsigned long) (needed >> 20),
                   (unsigned long) (available >> 20));
      return NULL;
    }
  volume = ct_volume_new (geometry->columns, geometry->rows, (int) geometry->n_slices);
  if (volume == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: a %dx%dx%u volume does not fit in memory"), series->path,
                   geometry->columns, geometry->rows, geometry->n_slices);
      return NULL;
    }
  advise_huge_pages (volume->hu, ct_volume_n_voxels (volume) * sizeof (float));
  memcpy (volume->origin, geometry->origin, sizeof volume->origin);
  memcpy (volume->spacing, geometry->spacing, sizeof volume->spacing);
  memcpy (volume->direction, geometry->direction, sizeof volume->direction);
  for (guint i = 0; i < geometry->warnings->len; i++)
    ct_volume_add_warning (volume, "%s", (const char *) g_ptr_array_index (geometry->warnings, i));
  if (guessed_frame_step)
    ct_volume_add_warning (volume, _ ("Multi-frame image without frame positions: frames stacked at "
                                      "the slice thickness"));

  for (guint p = 0; p < n_planes; p++)
    slice_of_plane[p] = -1;
  for (guint k = 0; k < geometry->n_slices; k++)
    slice_of_plane[geometry->order[k]] = (int) k;

  job.series = series;
  job.volume = volume;
  job.first_plane = first_plane;
  job.slice_of_plane = slice_of_plane;
  if (!ct_series_workers_run (headers->len, n_threads, decode_file, &job, progress, progress_data, cancellable, error))
    return NULL;

  volume->path = g_strdup (series->path);
  volume->patient_id = g_strdup (series->patient_id);
  volume->patient_name = g_strdup (series->patient_name);
  volume->study_uid = g_strdup (series->study_uid);
  volume->series_uid = g_strdup (series->series_uid);
  volume->study_date = g_strdup (series->study_date);
  volume->series_description = g_strdup (series->series_description);
  volume->accession_number = g_strdup (series->accession_number);
  volume->patient_age = g_strdup (series->patient_age);
  volume->patient_sex = g_strdup (series->patient_sex);
  volume->series_number = g_strdup (series->series_number);
  volume->modality = g_strdup ("CT");
  return g_steal_pointer (&volume);
}

CtVolume *
ct_series_load (const CtSeriesInfo *series, int n_threads, CtSeriesProgressFunc progress, gpointer progress_data,
                GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (series != NULL, NULL);

  if (series->kind == CT_SERIES_KIND_NIFTI)
    {
      CtVolume *volume = ct_nifti_load (series->path, error);
      if (volume != NULL && progress != NULL)
        progress (1.0, progress_data);
      return volume;
    }
  g_return_val_if_fail (series->headers != NULL && series->headers->len > 0, NULL);
  return load_dicom (series, n_threads, progress, progress_data, cancellable, error);
}

CtVolume *
ct_series_load_path (const char *path, const char *series_uid, GCancellable *cancellable, GError **error)
{
  g_autoptr (CtStudyScan) scan = NULL;
  CtSeriesInfo *series;

  g_return_val_if_fail (path != NULL, NULL);

  scan = ct_study_scan (path, cancellable, error);
  if (scan == NULL)
    return NULL;
  series = ct_study_scan_find_or_explain (scan, path, series_uid, error);
  if (series == NULL)
    return NULL;
  return ct_series_load (series, 0, NULL, NULL, cancellable, error);
}
