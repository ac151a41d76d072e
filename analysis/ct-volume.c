/* SPDX-License-Identifier: MIT */
#include "ct-volume.h"

#include <string.h>

static void
ct_volume_clear (gpointer data)
{
  CtVolume *self = data;

  g_free (self->hu);
  g_free (self->path);
  g_free (self->patient_id);
  g_free (self->patient_name);
  g_free (self->study_uid);
  g_free (self->series_uid);
  g_free (self->study_date);
  g_free (self->series_description);
  g_free (self->accession_number);
  g_free (self->patient_age);
  g_free (self->patient_sex);
  g_free (self->series_number);
  g_free (self->modality);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
}

/* Allocates a zero-filled volume with identity geometry and 1 mm spacing.
 * Returns NULL when the size is not positive or would overflow. */
CtVolume *
ct_volume_new (int nx, int ny, int nz)
{
  CtVolume *self;
  gsize n;

  g_return_val_if_fail (nx > 0 && ny > 0 && nz > 0, NULL);

  if (!g_size_checked_mul (&n, (gsize) nx, (gsize) ny) || !g_size_checked_mul (&n, n, (gsize) nz) ||
      !g_size_checked_mul (&n, n, sizeof (float)))
    return NULL;

  self = g_atomic_rc_box_new0 (CtVolume);
  self->nx = nx;
  self->ny = ny;
  self->nz = nz;
  self->hu = g_try_malloc0 (n);
  if (self->hu == NULL)
    {
      g_atomic_rc_box_release_full (self, ct_volume_clear);
      return NULL;
    }
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  ct_volume_set_identity_geometry (self, 1.0, 1.0, 1.0);
  return self;
}

CtVolume *
ct_volume_ref (CtVolume *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

void
ct_volume_unref (CtVolume *self)
{
  if (self != NULL)
    g_atomic_rc_box_release_full (self, ct_volume_clear);
}

gsize
ct_volume_n_voxels (const CtVolume *self)
{
  return (gsize) self->nx * self->ny * self->nz;
}

/* Axis-aligned LPS geometry: columns run to patient left, rows to posterior,
 * slices to superior (the DICOM default for an axial head-first series
 * stacked by increasing z). */
void
ct_volume_set_identity_geometry (CtVolume *self, double sx, double sy, double sz)
{
  static const double identity[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };

  memcpy (self->direction, identity, sizeof identity);
  memset (self->origin, 0, sizeof self->origin);
  self->spacing[0] = sx;
  self->spacing[1] = sy;
  self->spacing[2] = sz;
}

void
ct_volume_voxel_to_patient (const CtVolume *self, double i, double j, double k, double out_lps[3])
{
  for (int a = 0; a < 3; a++)
    out_lps[a] = self->origin[a] + i * self->spacing[0] * self->direction[a] +
                 j * self->spacing[1] * self->direction[3 + a] + k * self->spacing[2] * self->direction[6 + a];
}

void
ct_volume_add_warning (CtVolume *self, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (self->warnings, g_strdup_vprintf (format, args));
  va_end (args);
}

/* Copies geometry and provenance (not voxels) from src; dest keeps its size. */
void
ct_volume_copy_metadata (CtVolume *dest, const CtVolume *src)
{
  memcpy (dest->spacing, src->spacing, sizeof dest->spacing);
  memcpy (dest->origin, src->origin, sizeof dest->origin);
  memcpy (dest->direction, src->direction, sizeof dest->direction);
#define COPY_STRING(field)                                                                                             \
  g_free (dest->field);                                                                                                \
  dest->field = g_strdup (src->field)
  COPY_STRING (path);
  COPY_STRING (patient_id);
  COPY_STRING (patient_name);
  COPY_STRING (study_uid);
  COPY_STRING (series_uid);
  COPY_STRING (study_date);
  COPY_STRING (series_description);
  COPY_STRING (accession_number);
  COPY_STRING (patient_age);
  COPY_STRING (patient_sex);
  COPY_STRING (series_number);
  COPY_STRING (modality);
#undef COPY_STRING
  for (guint n = 0; n < src->warnings->len; n++)
    g_ptr_array_add (dest->warnings, g_strdup (g_ptr_array_index (src->warnings, n)));
}
