/* SPDX-License-Identifier: MIT */
#include "ct-study-result.h"

CtStudyResult *
ct_study_result_new (const char *path)
{
  CtStudyResult *self = g_new0 (CtStudyResult, 1);

  self->path = g_strdup (path);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
ct_study_result_set_volume (CtStudyResult *self, const CtVolume *volume)
{
  g_return_if_fail (self != NULL && volume != NULL);

  if (volume->path != NULL)
    {
      g_free (self->path);
      self->path = g_strdup (volume->path);
    }
  g_free (self->study_uid);
  self->study_uid = g_strdup (volume->study_uid);
  g_free (self->series_uid);
  self->series_uid = g_strdup (volume->series_uid);
  g_free (self->patient_id);
  self->patient_id = g_strdup (volume->patient_id);
  g_free (self->modality);
  self->modality = g_strdup (volume->modality);
  g_free (self->description);
  self->description = g_strdup (volume->series_description);
  self->columns = volume->nx;
  self->rows = volume->ny;
  self->slices = volume->nz;
  for (int a = 0; a < 3; a++)
    self->spacing[a] = volume->spacing[a];
  for (guint i = 0; volume->warnings != NULL && i < volume->warnings->len; i++)
    g_ptr_array_add (self->warnings, g_strdup (g_ptr_array_index (volume->warnings, i)));
}

void
ct_study_result_set_error (CtStudyResult *self, const char *message)
{
  g_return_if_fail (self != NULL);

  g_free (self->error);
  self->error = g_strdup (message);
}

void
ct_study_result_free (CtStudyResult *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_free (self->study_uid);
  g_free (self->series_uid);
  g_free (self->patient_id);
  g_free (self->modality);
  g_free (self->description);
  g_free (self->error);
  g_clear_pointer (&self->analysis, ct_analysis_free);
  g_free (self->analysis_note);
  g_free (self->model_name);
  g_free (self->model_sha256);
  g_free (self->lungs_model_name);
  g_free (self->lungs_model_sha256);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_free (self);
}
