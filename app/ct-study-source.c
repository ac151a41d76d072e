/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ct-error.h"
#include "ct-series-loader.h"
#include "ct-study-scan.h"
#include "ct-study-source.h"

GPtrArray *
ct_study_source_discover (const char   *path,
                          GCancellable *cancellable,
                          GError      **error)
{
  g_autoptr(CtStudyScan) scan = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (path != NULL, NULL);

  scan = ct_study_scan (path, cancellable, error);
  if (scan == NULL)
    return NULL;

  for (guint i = 0; i < scan->series->len; i++)
    {
      const CtSeriesInfo *series = g_ptr_array_index (scan->series, i);
      /* The same (path, series) pair the command line reports and that
       * ct_series_load_path () loads again on the worker. */
      CtStudyItem *item = ct_study_item_new (series->path, series->series_uid);

      ct_study_item_set_info (item,
                              series->patient_name != NULL ? series->patient_name : series->patient_id,
                              series->study_date, series->series_description, series->n_images);
      g_ptr_array_add (items, item);
    }

  if (items->len == 0)
    {
      if (scan->skipped->len > 0)
        {
          const CtSkippedFile *first = g_ptr_array_index (scan->skipped, 0);

          g_set_error (error, CT_ERROR, CT_ERROR_NO_STUDIES,
                       g_dngettext (GETTEXT_PACKAGE, "No CT series in %s (%u file looked at; %s: %s)",
                                    "No CT series in %s (%u files looked at; %s: %s)", scan->n_files),
                       path, scan->n_files, first->path, first->reason);
        }
      else
        g_set_error (error, CT_ERROR, CT_ERROR_NO_STUDIES, _("No CT series in %s"), path);
      return NULL;
    }
  return g_steal_pointer (&items);
}

CtVolume *
ct_study_source_load (const char   *path,
                      const char   *series_uid,
                      GCancellable *cancellable,
                      GError      **error)
{
  return ct_series_load_path (path, series_uid, cancellable, error);
}
