/* SPDX-License-Identifier: MIT */
#include "ct-series-geometry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "ct-error.h"

/* Two orientations are the same plane when every cosine agrees this well. */
#define ORIENTATION_TOLERANCE 1e-3
/* Two slices are at the same position when this close along the normal (mm). */
#define DUPLICATE_TOLERANCE_MM 0.01
/* A slice step is tilted when it leaves the normal by more than this. */
#define TILT_TOLERANCE_DEGREES 0.1
/* ...and is refused beyond this (real gantries tilt up to about 30). */
#define TILT_MAX_DEGREES 60.0
/* Sanity limits: the usual slice gap and the whole slab extent (mm). */
#define SLICE_GAP_MIN_MM 0.05
#define SLICE_GAP_MAX_MM 50.0
#define SLAB_EXTENT_MAX_MM 3000.0
/* At most this many kinds of plane (size + orientation) in one series. */
#define MAX_PLANE_KINDS 64

void
ct_series_geometry_free (CtSeriesGeometry *self)
{
  if (self == NULL)
    return;
  g_free (self->order);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_free (self);
}

static void add_warning (CtSeriesGeometry *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
add_warning (CtSeriesGeometry *self, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (self->warnings, g_strdup_vprintf (format, args));
  va_end (args);
}

static double
dot3 (const double *a, const double *b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void
cross3 (const double *a, const double *b, double *out)
{
  out[0] = a[1] * b[2] - a[2] * b[1];
  out[1] = a[2] * b[0] - a[0] * b[2];
  out[2] = a[0] * b[1] - a[1] * b[0];
}

static gboolean
normalise3 (double *v)
{
  double length = sqrt (dot3 (v, v));

  if (!(length > 1e-6) || !isfinite (length))
    return FALSE;
  v[0] /= length;
  v[1] /= length;
  v[2] /= length;
  return TRUE;
}

static const double identity_orientation[6] = { 1, 0, 0, 0, 1, 0 };

static const double *
plane_orientation (const CtSlicePlane *s)
{
  return s->has_orientation ? s->orientation : identity_orientation;
}

static gboolean
same_plane_kind (const CtSlicePlane *a, const CtSlicePlane *b)
{
  const double *oa = plane_orientation (a);
  const double *ob = plane_orientation (b);

  if (a->rows != b->rows || a->columns != b->columns)
    return FALSE;
  for (int i = 0; i < 6; i++)
    if (fabs (oa[i] - ob[i]) > ORIENTATION_TOLERANCE)
      return FALSE;
  return TRUE;
}

typedef struct
{
  guint index;
  double distance; /* position along the normal, mm */
  int instance_number;
} SortEntry;

static int
compare_entries (const void *pa, const void *pb)
{
  const SortEntry *a = pa, *b = pb;

  if (a->distance < b->distance)
    return -1;
  if (a->distance > b->distance)
    return 1;
  if (a->instance_number != b->instance_number)
    return a->instance_number < b->instance_number ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

static int
compare_doubles (const void *pa, const void *pb)
{
  double a = *(const double *) pa, b = *(const double *) pb;

  return (a > b) - (a < b);
}

/* FALSE, with the error, when @gap (mm) is no slice gap of a CT series. */
static gboolean
slice_step_in_limits (double gap, GError **error)
{
  if (gap >= SLICE_GAP_MIN_MM && gap <= SLICE_GAP_MAX_MM)
    return TRUE;
  g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("The slice gap %g mm is outside %g-%g mm"), gap, SLICE_GAP_MIN_MM,
               SLICE_GAP_MAX_MM);
  return FALSE;
}

CtSeriesGeometry *
ct_series_geometry_compute (const CtSlicePlane *slices, guint n, GError **error)
{
  g_autoptr (CtSeriesGeometry) self = NULL;
  g_autofree guint *group_size = NULL;
  g_autofree SortEntry *entries = NULL;
  guint reference = 0, n_kept = 0, n_ties = 0;
  const CtSlicePlane *ref;
  double row[3], col[3], normal[3];
  gboolean all_positions = TRUE;

  g_return_val_if_fail (slices != NULL || n == 0, NULL);

  if (n == 0)
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_NO_STUDIES, _ ("A series without slices"));
      return NULL;
    }

  self = g_new0 (CtSeriesGeometry, 1);
  self->warnings = g_ptr_array_new_with_free_func (g_free);

  /* The slices sharing the most common size and orientation are the series;
   * others (a stray reconstruction, a scout with the series' UID) go. */
  /* Linear in the slices: each joins the first kind (representative plane)
   * it matches; a series has one or a few kinds. */
  {
    guint kinds[MAX_PLANE_KINDS], kind_size[MAX_PLANE_KINDS], n_kinds = 0, best = 0;

    group_size = g_new0 (guint, n);
    for (guint a = 0; a < n; a++)
      {
        guint k = 0;
        while (k < n_kinds && !same_plane_kind (&slices[a], &slices[kinds[k]]))
          k++;
        if (k == n_kinds)
          {
            if (n_kinds == MAX_PLANE_KINDS)
              {
                g_set_error (error, CT_ERROR, CT_ERROR_INCONSISTENT_SERIES,
                             _ ("The series mixes more than %d image sizes or orientations"), MAX_PLANE_KINDS);
                return NULL;
              }
            kinds[n_kinds] = a;
            kind_size[n_kinds++] = 0;
          }
        kind_size[k]++;
      }
    for (guint k = 1; k < n_kinds; k++)
      if (kind_size[k] > kind_size[best])
        best = k;
    for (guint k = 0; k < n_kinds; k++)
      if (k != best && kind_size[k] == kind_size[best])
        n_ties++;
    reference = kinds[best];
    group_size[reference] = kind_size[best];
  }
  if (n_ties > 0)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_INCONSISTENT_SERIES,
                   _ ("The series mixes image sizes or orientations (%u slices of %dx%d, "
                      "as many of another kind)"),
                   group_size[reference], slices[reference].columns, slices[reference].rows);
      return NULL;
    }
  ref = &slices[reference];
  self->n_mismatched = n - group_size[reference];
  if (self->n_mismatched > 0)
    add_warning (self,
                 g_dngettext (GETTEXT_PACKAGE, "%u slice of another size or orientation was left out",
                              "%u slices of another size or orientation were left out", self->n_mismatched),
                 self->n_mismatched);

  if (ref->rows <= 0 || ref->columns <= 0)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("Slices of %dx%d pixels"), ref->columns, ref->rows);
      return NULL;
    }
  self->rows = ref->rows;
  self->columns = ref->columns;

  memcpy (row, plane_orientation (ref), sizeof row);
  memcpy (col, plane_orientation (ref) + 3, sizeof col);
  if (!ref->has_orientation)
    add_warning (self, _ ("No ImageOrientationPatient: axial orientation assumed"));
  cross3 (row, col, normal);
  if (!normalise3 (row) || !normalise3 (col) || !normalise3 (normal))
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("ImageOrientationPatient does not describe a plane"));
      return NULL;
    }
  if (fabs (dot3 (row, col)) > 0.01)
    add_warning (self, _ ("ImageOrientationPatient rows and columns are not perpendicular"));

  if (ref->has_pixel_spacing && ref->pixel_spacing[0] > 0 && ref->pixel_spacing[1] > 0)
    {
      self->spacing[0] = ref->pixel_spacing[1];
      self->spacing[1] = ref->pixel_spacing[0];
    }
  else
    {
      self->spacing[0] = self->spacing[1] = 1.0;
      add_warning (self, _ ("No PixelSpacing: 1 mm pixels assumed, volumes and sizes are not real"));
    }

  entries = g_new0 (SortEntry, n);
  for (guint a = 0; a < n; a++)
    {
      if (!same_plane_kind (&slices[a], ref))
        continue;
      entries[n_kept].index = a;
      entries[n_kept].instance_number = slices[a].instance_number;
      entries[n_kept].distance = slices[a].has_position ? dot3 (slices[a].position, normal) : 0.0;
      all_positions = all_positions && slices[a].has_position;
      n_kept++;
    }

  if (!all_positions)
    {
      /* Nothing better than the scanner's numbering is left. */
      for (guint e = 0; e < n_kept; e++)
        entries[e].distance = entries[e].instance_number;
      qsort (entries, n_kept, sizeof *entries, compare_entries);
      add_warning (self, _ ("No ImagePositionPatient: slices ordered by InstanceNumber"));
      self->n_slices = n_kept;
      self->order = g_new (guint, n_kept);
      for (guint e = 0; e < n_kept; e++)
        self->order[e] = entries[e].index;
      self->spacing[2] = ref->spacing_between_slices > 0 ? ref->spacing_between_slices
                         : ref->slice_thickness > 0      ? ref->slice_thickness
                                                         : 1.0;
      /* The gap comes from the header here, not from positions: the same
       * limits (a SpacingBetweenSlices of 1e-309 mm or inf was taken as it
       * was; found by fuzz-series). */
      if (!slice_step_in_limits (self->spacing[2], error))
        return NULL;
      memcpy (self->direction, row, sizeof row);
      memcpy (self->direction + 3, col, sizeof col);
      memcpy (self->direction + 6, normal, sizeof normal);
      if (ref->has_position)
        memcpy (self->origin, ref->position, sizeof self->origin);
      return g_steal_pointer (&self);
    }

  qsort (entries, n_kept, sizeof *entries, compare_entries);

  /* Repeated positions: keep the first (lowest InstanceNumber). */
  {
    guint out = 0;
    for (guint e = 0; e < n_kept; e++)
      {
        if (out > 0 && entries[e].distance - entries[out - 1].distance < DUPLICATE_TOLERANCE_MM)
          {
            self->n_duplicates++;
            continue;
          }
        entries[out++] = entries[e];
      }
    n_kept = out;
  }
  if (self->n_duplicates > 0)
    add_warning (self,
                 g_dngettext (GETTEXT_PACKAGE, "%u slice repeating another slice's position was left out",
                              "%u slices repeating another slice's position were left out", self->n_duplicates),
                 self->n_duplicates);

  self->n_slices = n_kept;
  self->order = g_new (guint, n_kept);
  for (guint e = 0; e < n_kept; e++)
    self->order[e] = entries[e].index;
  memcpy (self->origin, slices[entries[0].index].position, sizeof self->origin);
  memcpy (self->direction, row, sizeof row);
  memcpy (self->direction + 3, col, sizeof col);

  if (n_kept == 1)
    {
      memcpy (self->direction + 6, normal, sizeof normal);
      self->spacing[2] = ref->slice_thickness > 0          ? ref->slice_thickness
                         : ref->spacing_between_slices > 0 ? ref->spacing_between_slices
                                                           : 1.0;
      if (!slice_step_in_limits (self->spacing[2], error))
        return NULL;
      return g_steal_pointer (&self);
    }

  {
    g_autofree double *gaps = g_new (double, n_kept - 1);
    const double *first = slices[entries[0].index].position;
    const double *last = slices[entries[n_kept - 1].index].position;
    double step[3], along, median, largest = 0;

    for (guint e = 0; e + 1 < n_kept; e++)
      {
        gaps[e] = entries[e + 1].distance - entries[e].distance;
        largest = MAX (largest, gaps[e]);
      }
    qsort (gaps, n_kept - 1, sizeof *gaps, compare_doubles);
    median = gaps[(n_kept - 1) / 2];
    if (!slice_step_in_limits (median, error))
      return NULL;
    if (!(entries[n_kept - 1].distance - entries[0].distance <= SLAB_EXTENT_MAX_MM))
      {
        g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                     _ ("The slices span %g mm (largest gap %g mm), more than the %g mm a body holds"),
                     entries[n_kept - 1].distance - entries[0].distance, largest, SLAB_EXTENT_MAX_MM);
        return NULL;
      }

    for (guint e = 0; e + 1 < n_kept; e++)
      {
        double gap = entries[e + 1].distance - entries[e].distance;
        if (fabs (gap - median) > 0.05 * median + 0.01)
          {
            self->uneven = TRUE;
            if (gap > 1.5 * median)
              self->n_missing += (guint) MAX (1.0, rint (gap / median) - 1);
          }
      }

    for (int a = 0; a < 3; a++)
      step[a] = last[a] - first[a];
    if (!normalise3 (step))
      {
        g_set_error_literal (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("Slice positions do not advance"));
        return NULL;
      }
    along = dot3 (step, normal);
    memcpy (self->direction + 6, step, sizeof step);
    /* The step length along its own direction: the median gap measured along
     * the normal, stretched by the tilt. */
    self->spacing[2] = median / along;
    self->tilt_degrees = acos (CLAMP (along, -1.0, 1.0)) * 180.0 / G_PI;
    /* A gantry tilts by 30 degrees at most; a stack whose positions run
     * mostly within the plane is no volume (its step would be the gap
     * stretched without bound, 1e5 mm and more; found by fuzz-series). */
    if (!(self->tilt_degrees <= TILT_MAX_DEGREES))
      {
        g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                     _ ("The slices advance %.1f degrees away from their normal, more than the %g degrees of a "
                        "gantry tilt"),
                     self->tilt_degrees, TILT_MAX_DEGREES);
        return NULL;
      }

    if (self->uneven)
      {
        if (self->n_missing > 0)
          add_warning (self,
                       /* TRANSLATORS: the plural follows the number of missing slices. */
                       g_dngettext (GETTEXT_PACKAGE,
                                    "Uneven slice gaps (usual %.3g mm, largest %.3g mm): about %u slice "
                                    "missing; spacing taken as %.3g mm",
                                    "Uneven slice gaps (usual %.3g mm, largest %.3g mm): about %u slices "
                                    "missing; spacing taken as %.3g mm",
                                    self->n_missing),
                       median, largest, self->n_missing, median);
        else
          add_warning (self, _ ("Uneven slice gaps (usual %.3g mm, largest %.3g mm); spacing taken as %.3g mm"), median,
                       largest, median);
      }
    if (self->tilt_degrees > TILT_TOLERANCE_DEGREES)
      add_warning (self, _ ("Gantry tilt of %.1f degrees: the slice stack is sheared (kept in the geometry)"),
                   self->tilt_degrees);
  }
  return g_steal_pointer (&self);
}
