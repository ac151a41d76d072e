/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include <glib/gi18n-lib.h>

#include "ct-error.h"
#include "ct-export-job.h"
#include "ct-series-loader.h"
#include "ct-study-export.h"
#include "ct-study-report.h"
#include "ct-study.h"

/* What one study contributes, taken on the studies' thread. */
typedef struct
{
  char *stem;           /* readable, sanitised, not yet made unique */
  CtVolume *volume;     /* owned reference or NULL */
  CtAnalysis *analysis; /* owned reference or NULL */
  /* Where to load the volume again when the study dropped it to save
   * memory (the window keeps only the last few viewed). */
  char *path;
  char *series_uid;
  /* The scan's record of the series (immutable: its headers name the source
   * images a DICOM SEG references), kept alive by the study's reference;
   * the worker reads only this, never the study. */
  CtStudy *study;
  const CtSeriesInfo *series;
} Item;

struct _CtExportJob
{
  GObject parent_instance;

  CtExportWhat what;
  char *folder;
  GPtrArray *items; /* Item* */
  char *csv, *json; /* the work list, or NULL when not asked for */
  int fail_at_file;

  /* Written by the worker, read after it ends or under the lock. */
  GMutex lock;
  GPtrArray *written; /* char* */
  int skipped;
  double fraction;
  GMainContext *context; /* of the thread that started the job */
};

G_DEFINE_FINAL_TYPE (CtExportJob, ct_export_job, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_FRACTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
item_free (gpointer data)
{
  Item *item = data;

  g_free (item->stem);
  g_free (item->path);
  g_free (item->series_uid);
  g_clear_pointer (&item->volume, ct_volume_unref);
  g_clear_pointer (&item->analysis, ct_analysis_unref);
  g_clear_object (&item->study);
  g_free (item);
}

static void
ct_export_job_finalize (GObject *object)
{
  CtExportJob *self = CT_EXPORT_JOB (object);

  g_free (self->folder);
  g_ptr_array_unref (self->items);
  g_free (self->csv);
  g_free (self->json);
  g_ptr_array_unref (self->written);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ct_export_job_parent_class)->finalize (object);
}

static void
ct_export_job_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CtExportJob *self = CT_EXPORT_JOB (object);

  switch (prop_id)
    {
    case PROP_FRACTION:
      g_value_set_double (value, ct_export_job_get_fraction (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ct_export_job_class_init (CtExportJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ct_export_job_finalize;
  object_class->get_property = ct_export_job_get_property;
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ct_export_job_init (CtExportJob *self)
{
  g_mutex_init (&self->lock);
  self->items = g_ptr_array_new_with_free_func (item_free);
  self->written = g_ptr_array_new_with_free_func (g_free);
}

static const char *
nonempty (const char *s)
{
  return s != NULL && *s != '\0' ? s : NULL;
}

char *
ct_export_job_dup_readable_stem (const char *patient_name, const char *patient_id, const char *date,
                                 const char *series_number, const char *series_uid, const char *fallback)
{
  GString *raw = g_string_new (NULL);
  g_autofree char *stem = NULL;

  if (nonempty (patient_name) != NULL)
    g_string_append (raw, patient_name);
  if (nonempty (patient_id) != NULL && g_strcmp0 (patient_id, patient_name) != 0)
    g_string_append_printf (raw, "%s%s", raw->len > 0 ? "_" : "", patient_id);
  if (nonempty (date) != NULL)
    g_string_append_printf (raw, "%s%s", raw->len > 0 ? "_" : "", date);
  if (nonempty (series_number) != NULL)
    g_string_append_printf (raw, "%sS%s", raw->len > 0 ? "_" : "", series_number);
  if (nonempty (series_uid) != NULL)
    {
      /* The last 6 digits of the UID tell apart two series of one day. */
      g_autoptr (GString) digits = g_string_new (NULL);
      for (const char *p = series_uid; *p != '\0'; p++)
        if (g_ascii_isdigit (*p))
          g_string_append_c (digits, *p);
      if (digits->len > 0)
        g_string_append_printf (raw, "%s%s", raw->len > 0 ? "_" : "",
                                digits->str + (digits->len > 6 ? digits->len - 6 : 0));
    }
  if (raw->len == 0 && nonempty (fallback) != NULL)
    g_string_append (raw, fallback);
  stem = ct_study_export_sanitize_name (raw->str);
  g_string_free (raw, TRUE);
  /* "DOE^JOHN" and "Doe, John" become DOE_JOHN, Doe__John: squeeze runs of '_'. */
  {
    char *w = stem;
    for (const char *r = stem; *r != '\0'; r++)
      if (!(*r == '_' && w > stem && w[-1] == '_'))
        *w++ = *r;
    *w = '\0';
  }
  return g_steal_pointer (&stem);
}

CtExportJob *
ct_export_job_new (GPtrArray *studies, CtExportWhat what, const char *folder)
{
  CtExportJob *self = g_object_new (CT_TYPE_EXPORT_JOB, NULL);

  g_return_val_if_fail (studies != NULL && folder != NULL, self);

  self->what = what;
  self->folder = g_strdup (folder);
  for (guint i = 0; i < studies->len; i++)
    {
      CtStudy *study = g_ptr_array_index (studies, i);
      Item *item = g_new0 (Item, 1);
      g_autofree char *uid_stem = ct_study_export_dup_stem (study);
      CtVolume *volume = ct_study_get_volume (study);

      const CtSeriesInfo *series = ct_study_get_series (study);

      item->stem = ct_export_job_dup_readable_stem (
          ct_study_get_patient (study), ct_study_get_patient_id (study), ct_study_get_date (study),
          series != NULL ? series->series_number : NULL, ct_study_get_series_uid (study), uid_stem);
      if (ct_study_get_analysis (study) != NULL)
        {
          item->volume = volume != NULL ? ct_volume_ref (volume) : NULL;
          item->analysis = ct_study_dup_analysis (study);
          item->path = g_strdup (ct_study_get_path (study));
          item->series_uid = g_strdup (ct_study_get_series_uid (study));
          item->study = g_object_ref (study);
          item->series = series;
        }
      g_ptr_array_add (self->items, item);
    }
  if (what & CT_EXPORT_WORKLIST_CSV)
    self->csv = ct_study_report_to_csv (studies);
  if (what & CT_EXPORT_WORKLIST_JSON)
    self->json = ct_study_report_to_json (studies);
  return self;
}

void
ct_export_job_set_fail_at_file (CtExportJob *self, int n)
{
  g_return_if_fail (CT_IS_EXPORT_JOB (self));
  self->fail_at_file = n;
}

const char *
ct_export_job_get_folder (CtExportJob *self)
{
  g_return_val_if_fail (CT_IS_EXPORT_JOB (self), NULL);
  return self->folder;
}

double
ct_export_job_get_fraction (CtExportJob *self)
{
  double fraction;

  g_return_val_if_fail (CT_IS_EXPORT_JOB (self), 0);
  g_mutex_lock (&self->lock);
  fraction = self->fraction;
  g_mutex_unlock (&self->lock);
  return fraction;
}

GPtrArray *
ct_export_job_get_written (CtExportJob *self)
{
  g_return_val_if_fail (CT_IS_EXPORT_JOB (self), NULL);
  return self->written;
}

int
ct_export_job_get_skipped (CtExportJob *self)
{
  g_return_val_if_fail (CT_IS_EXPORT_JOB (self), 0);
  return self->skipped;
}

static gboolean
notify_fraction (gpointer data)
{
  g_object_notify_by_pspec (data, properties[PROP_FRACTION]);
  return G_SOURCE_REMOVE;
}

static void
set_fraction (CtExportJob *self, double fraction)
{
  g_mutex_lock (&self->lock);
  self->fraction = fraction;
  g_mutex_unlock (&self->lock);
  if (self->context != NULL)
    g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, notify_fraction, g_object_ref (self),
                                g_object_unref);
}

static gboolean
exists_in (const char *folder, const char *name)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* @stem, or @stem-2, -3 ... so that none of @suffixes with it names an
 * existing file or one this job already wrote. */
static char *
dup_free_stem (CtExportJob *self, const char *stem, const char *const *suffixes)
{
  for (int n = 1;; n++)
    {
      g_autofree char *candidate = n == 1 ? g_strdup (stem) : g_strdup_printf ("%s-%d", stem, n);
      gboolean taken = FALSE;

      for (int i = 0; suffixes[i] != NULL && !taken; i++)
        {
          g_autofree char *name = g_strconcat (candidate, suffixes[i], NULL);
          g_autofree char *path = g_build_filename (self->folder, name, NULL);

          taken = exists_in (self->folder, name) ||
                  g_ptr_array_find_with_equal_func (self->written, path, g_str_equal, NULL);
        }
      if (!taken)
        return g_steal_pointer (&candidate);
    }
}

static void
add_written (CtExportJob *self, const char *stem, const char *const *suffixes)
{
  g_mutex_lock (&self->lock);
  for (int i = 0; suffixes[i] != NULL; i++)
    {
      g_autofree char *name = g_strconcat (stem, suffixes[i], NULL);
      g_ptr_array_add (self->written, g_build_filename (self->folder, name, NULL));
    }
  g_mutex_unlock (&self->lock);
}

/* The error for a folder that cannot be used, naming it. */
static gboolean
check_folder (const char *folder, GError **error)
{
  if (g_mkdir_with_parents (folder, 0755) != 0 || !g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("Cannot create the folder %s"), folder);
      return FALSE;
    }
  return TRUE;
}

/* A SEG and SR join the source study and reference its images: a NIfTI
 * study, or a DICOM series without its UIDs, is left out (counted), not an
 * error that stops the export of the others. */
static gboolean
dicom_eligible (const Item *item)
{
  return item->series != NULL && item->series->kind == CT_SERIES_KIND_DICOM && item->series->study_uid != NULL &&
         item->series->series_uid != NULL && *item->series->study_uid != '\0' && *item->series->series_uid != '\0';
}

static gboolean
run_job (CtExportJob *self, GCancellable *cancellable, GError **error)
{
  static const char *const report_suffixes[] = { ".pdf", NULL };
  static const char *const mask_suffixes[] = { "_lungs.nii.gz", "_lesions.nii.gz", NULL };
  static const char *const dicom_suffixes[] = { "_seg.dcm", "_sr.dcm", NULL };
  const CtExportWhat per_study = CT_EXPORT_REPORT | CT_EXPORT_MASKS | CT_EXPORT_DICOM;
  int n_steps = 0, step = 0, n_files = 0;
  CtStudyExportOptions options = { .no_clobber = TRUE };

  if (!check_folder (self->folder, error))
    return FALSE;
  n_steps += (self->what & per_study) ? (int) self->items->len : 0;
  n_steps += (self->csv != NULL) + (self->json != NULL);

  for (guint i = 0; i < self->items->len && (self->what & per_study); i++)
    {
      Item *item = g_ptr_array_index (self->items, i);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (item->volume == NULL && item->analysis != NULL && item->path != NULL)
        {
          g_autoptr (GError) local = NULL;

          item->volume = ct_series_load_path (item->path, item->series_uid, cancellable, &local);
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          if (local != NULL)
            g_debug ("export: %s not loaded again: %s", item->path, local->message);
        }
      if (item->volume == NULL || item->analysis == NULL || ((self->what & CT_EXPORT_DICOM) && !dicom_eligible (item)))
        self->skipped++;
      if (item->volume != NULL && item->analysis != NULL && (self->what & CT_EXPORT_REPORT))
        {
          g_autofree char *stem = dup_free_stem (self, item->stem, report_suffixes);

          options.fail_write = ++n_files == self->fail_at_file;
          if (!ct_study_export_write_report (item->volume, item->analysis, self->folder, stem, &options, error))
            return FALSE;
          add_written (self, stem, report_suffixes);
        }
      if (item->volume != NULL && item->analysis != NULL && (self->what & CT_EXPORT_MASKS))
        {
          g_autofree char *stem = dup_free_stem (self, item->stem, mask_suffixes);

          options.fail_write = ++n_files == self->fail_at_file;
          if (!ct_study_export_write_masks (item->volume, item->analysis, self->folder, stem, &options, error))
            return FALSE;
          add_written (self, stem, mask_suffixes);
        }
      if (item->volume != NULL && item->analysis != NULL && (self->what & CT_EXPORT_DICOM) && dicom_eligible (item))
        {
          g_autofree char *stem = dup_free_stem (self, item->stem, dicom_suffixes);

          options.fail_write = ++n_files == self->fail_at_file;
          if (!ct_study_export_write_dicom (item->volume, item->analysis, item->series, self->folder, self->folder,
                                            NULL, stem, &options, error))
            return FALSE;
          add_written (self, stem, dicom_suffixes);
        }
      /* A volume loaded again only for this export is not kept. */
      g_clear_pointer (&item->volume, ct_volume_unref);
      set_fraction (self, (double) ++step / MAX (n_steps, 1));
    }
  for (int k = 0; k < 2; k++)
    {
      const char *text = k == 0 ? self->csv : self->json;
      const char *const suffixes[] = { k == 0 ? ".csv" : ".json", NULL };
      g_autofree char *stem = NULL;
      g_autofree char *name = NULL;

      if (text == NULL)
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      stem = dup_free_stem (self, "worklist", suffixes);
      name = g_strconcat (stem, suffixes[0], NULL);
      options.fail_write = ++n_files == self->fail_at_file;
      if (!ct_study_export_write_text (text, self->folder, name, &options, error))
        return FALSE;
      add_written (self, stem, suffixes);
      set_fraction (self, (double) ++step / MAX (n_steps, 1));
    }
  set_fraction (self, 1.0);
  return TRUE;
}

static void
run_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (run_job (source, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
ct_export_job_run_async (CtExportJob *self, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (CT_IS_EXPORT_JOB (self));

  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ct_export_job_run_async);
  g_task_run_in_thread (task, run_thread);
}

gboolean
ct_export_job_run_finish (CtExportJob *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
ct_export_job_run (CtExportJob *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (CT_IS_EXPORT_JOB (self), FALSE);
  return run_job (self, cancellable, error);
}
