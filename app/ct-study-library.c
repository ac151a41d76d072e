/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ct-error.h"
#include "ct-study-library.h"

struct _CtStudyLibrary
{
  GObject parent_instance;

  GPtrArray *studies; /* CtStudy*, owned */
  GPtrArray *skipped; /* CtSkippedFile*, owned */
  GQueue viewed;      /* CtStudy*, owned; most recent first */
};

static void ct_study_library_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CtStudyLibrary, ct_study_library, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, ct_study_library_list_model_init))

static GType
ct_study_library_get_item_type (GListModel *model)
{
  return CT_TYPE_STUDY;
}

static guint
ct_study_library_get_n_items (GListModel *model)
{
  return CT_STUDY_LIBRARY (model)->studies->len;
}

static gpointer
ct_study_library_get_item (GListModel *model, guint position)
{
  CtStudyLibrary *self = CT_STUDY_LIBRARY (model);

  if (position >= self->studies->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->studies, position));
}

static void
ct_study_library_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = ct_study_library_get_item_type;
  iface->get_n_items = ct_study_library_get_n_items;
  iface->get_item = ct_study_library_get_item;
}

static void
ct_study_library_finalize (GObject *object)
{
  CtStudyLibrary *self = CT_STUDY_LIBRARY (object);

  g_queue_clear_full (&self->viewed, g_object_unref);
  g_clear_pointer (&self->studies, g_ptr_array_unref);
  g_clear_pointer (&self->skipped, g_ptr_array_unref);

  G_OBJECT_CLASS (ct_study_library_parent_class)->finalize (object);
}

static void
ct_study_library_class_init (CtStudyLibraryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ct_study_library_finalize;
}

static void
ct_study_library_init (CtStudyLibrary *self)
{
  self->studies = g_ptr_array_new_with_free_func (g_object_unref);
  self->skipped = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_skipped_file_free);
  g_queue_init (&self->viewed);
}

CtStudyLibrary *
ct_study_library_new (void)
{
  return g_object_new (CT_TYPE_STUDY_LIBRARY, NULL);
}

GPtrArray *
ct_study_library_get_skipped (CtStudyLibrary *self)
{
  g_return_val_if_fail (CT_IS_STUDY_LIBRARY (self), NULL);
  return self->skipped;
}

/* One path's scan: what it found, or why it found nothing. */
typedef struct
{
  char *path;
  CtStudyScan *scan; /* NULL when the scan failed */
  GError *error;
} PathScan;

static void
path_scan_free (gpointer data)
{
  PathScan *p = data;

  g_free (p->path);
  g_clear_pointer (&p->scan, ct_study_scan_free);
  g_clear_error (&p->error);
  g_free (p);
}

/* Scans each path on its own, so that a path's failure names that path.
 * NULL only on cancellation. */
static GPtrArray *
scan_paths (const char *const *paths, int n_threads, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) scans = g_ptr_array_new_with_free_func (path_scan_free);

  for (guint i = 0; paths[i] != NULL; i++)
    {
      const char *one[] = { paths[i], NULL };
      PathScan *p = g_new0 (PathScan, 1);

      p->path = g_strdup (paths[i]);
      p->scan = ct_study_scan_paths (one, n_threads, NULL, NULL, cancellable, &p->error);
      g_ptr_array_add (scans, p);
      if (p->error != NULL && g_error_matches (p->error, CT_ERROR, CT_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&p->error));
          return NULL;
        }
    }
  return g_steal_pointer (&scans);
}

/* Why @p gave no study, in one line naming the path or file. */
static char *
explain_no_study (const PathScan *p)
{
  const CtSkippedFile *first;

  if (p->error != NULL)
    return g_strdup (p->error->message);
  if (p->scan->skipped->len == 0)
    return g_strdup (_ ("no CT series found"));
  first = g_ptr_array_index (p->scan->skipped, 0);
  if (p->scan->skipped->len == 1)
    return g_strdup_printf ("%s: %s", first->path, first->reason);
  /* TRANSLATORS: more than one file here, but the plural form follows the
   * number (Russian: 21 файл, 22 файла, 25 файлов). */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "no CT series (%u file skipped; first: %s: %s)",
                                       "no CT series (%u files skipped; first: %s: %s)", p->scan->skipped->len),
                          p->scan->skipped->len, first->path, first->reason);
}

/* Appends the studies of @scans (on the library's thread) and returns
 * them; see ct_study_library_add_paths (). @failed (may be NULL) gets a
 * CtSkippedFile for each path that gave no study. */
static GPtrArray *
add_scans (CtStudyLibrary *self, GPtrArray *scans, gboolean keep_failed, GPtrArray *failed, GError **error)
{
  g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GString) failures = g_string_new (NULL);
  guint position = self->studies->len;

  for (guint i = 0; i < scans->len; i++)
    {
      PathScan *p = g_ptr_array_index (scans, i);

      if (p->scan == NULL || p->scan->series->len == 0)
        {
          g_autofree char *why = explain_no_study (p);

          if (keep_failed)
            g_ptr_array_add (added, ct_study_new_failed (p->path, why));
          if (failed != NULL)
            g_ptr_array_add (
                failed, ct_skipped_file_new (p->path, p->error != NULL ? p->error->code : CT_ERROR_NO_STUDIES, why));
          g_string_append_printf (failures, "%s%s", failures->len > 0 ? "\n" : "", why);
        }
      /* The studies take the scan's series; the library keeps the skipped
       * files. */
      while (p->scan != NULL && p->scan->series->len > 0)
        g_ptr_array_add (added, ct_study_new_for_series (g_ptr_array_steal_index (p->scan->series, 0)));
      while (p->scan != NULL && p->scan->skipped->len > 0)
        g_ptr_array_add (self->skipped, g_ptr_array_steal_index (p->scan->skipped, 0));
    }
  if (added->len == 0)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_NO_STUDIES, "%s",
                   failures->len > 0 ? failures->str : _ ("no CT series found"));
      return NULL;
    }
  for (guint i = 0; i < added->len; i++)
    g_ptr_array_add (self->studies, g_object_ref (g_ptr_array_index (added, i)));
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, added->len);
  return g_steal_pointer (&added);
}

GPtrArray *
ct_study_library_add_paths (CtStudyLibrary *self, const char *const *paths, int n_threads, gboolean keep_failed,
                            GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) scans = NULL;

  g_return_val_if_fail (CT_IS_STUDY_LIBRARY (self), NULL);
  g_return_val_if_fail (paths != NULL, NULL);

  scans = scan_paths (paths, n_threads, cancellable, error);
  if (scans == NULL)
    return NULL;
  return add_scans (self, scans, keep_failed, NULL, error);
}

static void
scan_in_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *scans = scan_paths ((const char *const *) task_data, 0, cancellable, &error);

  if (scans == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, scans, (GDestroyNotify) g_ptr_array_unref);
}

void
ct_study_library_add_paths_async (CtStudyLibrary *self, const char *const *paths, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (CT_IS_STUDY_LIBRARY (self));
  g_return_if_fail (paths != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ct_study_library_add_paths_async);
  g_task_set_name (task, "[ct-triage] find studies");
  g_task_set_task_data (task, g_strdupv ((char **) paths), (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, scan_in_thread);
}

GPtrArray *
ct_study_library_add_paths_finish (CtStudyLibrary *self, GAsyncResult *result, GPtrArray **out_failed, GError **error)
{
  g_autoptr (GPtrArray) failed = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_skipped_file_free);
  GPtrArray *added;

  g_autoptr (GPtrArray) scans = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ct_study_library_add_paths_async, NULL);

  scans = g_task_propagate_pointer (G_TASK (result), error);
  if (scans == NULL)
    return NULL;
  added = add_scans (self, scans, FALSE, failed, error);
  if (out_failed != NULL)
    *out_failed = g_steal_pointer (&failed);
  return added;
}

void
ct_study_library_append (CtStudyLibrary *self, CtStudy *study)
{
  g_return_if_fail (CT_IS_STUDY_LIBRARY (self));
  g_return_if_fail (CT_IS_STUDY (study));

  g_ptr_array_add (self->studies, g_object_ref (study));
  g_list_model_items_changed (G_LIST_MODEL (self), self->studies->len - 1, 0, 1);
}

static gboolean
is_being_worked_on (CtStudy *study)
{
  CtStudyStatus status = ct_study_get_status (study);

  return status == CT_STUDY_STATUS_LOADING || status == CT_STUDY_STATUS_ANALYSING;
}

void
ct_study_library_trim_volumes (CtStudyLibrary *self)
{
  g_return_if_fail (CT_IS_STUDY_LIBRARY (self));

  for (guint i = 0; i < self->studies->len; i++)
    {
      CtStudy *study = g_ptr_array_index (self->studies, i);

      if (ct_study_get_volume (study) != NULL && !is_being_worked_on (study) &&
          g_queue_find (&self->viewed, study) == NULL)
        ct_study_set_volume (study, NULL, -1.0);
    }
}

void
ct_study_library_mark_viewed (CtStudyLibrary *self, CtStudy *study)
{
  GList *link;

  g_return_if_fail (CT_IS_STUDY_LIBRARY (self));
  g_return_if_fail (CT_IS_STUDY (study));

  link = g_queue_find (&self->viewed, study);
  if (link != NULL)
    {
      g_queue_unlink (&self->viewed, link);
      g_queue_push_head_link (&self->viewed, link);
    }
  else
    {
      g_queue_push_head (&self->viewed, g_object_ref (study));
      while (g_queue_get_length (&self->viewed) > CT_STUDY_LIBRARY_KEPT_VOLUMES)
        g_object_unref (g_queue_pop_tail (&self->viewed));
    }
  ct_study_library_trim_volumes (self);
}
