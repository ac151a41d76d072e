/* SPDX-License-Identifier: MIT */
/* ct-export-controller.h: the window's Export actions, on top of the
 * core's CtExportJob (app/ct-export-job.h). Installs on the window:
 *
 *   win.export-report   "s"  PDF report(s)      target "selected" or "all"
 *   win.export-masks    "s"  NIfTI masks        target "selected" or "all"
 *   win.export-worklist      CSV and JSON of the whole list
 *
 * Each asks for a folder (GtkFileChooserNative: Debian 12's GTK 4.8 has no
 * GtkFileDialog), then runs the job on a worker thread with a progress
 * bar and a Cancel button; a failure (folder not writable, disk full) is
 * shown in a dialog that names the file. */
#pragma once

#include <gtk/gtk.h>

#include "ct-study-list.h"

G_BEGIN_DECLS

#define CT_TYPE_EXPORT_CONTROLLER (ct_export_controller_get_type ())
G_DECLARE_FINAL_TYPE (CtExportController, ct_export_controller, CT, EXPORT_CONTROLLER, GObject)

/* Adds the actions to @window (a GActionMap); @window keeps the controller
 * (ct_export_controller_get_for_window ()). @studies: GListModel of CtStudy. */
CtExportController *ct_export_controller_install (GtkApplicationWindow *window, CtStudyList *list, GListModel *studies);
CtExportController *ct_export_controller_get_for_window (GtkWindow *window);

/* Test hook: export into @folder without asking (NULL: ask again). */
void ct_export_controller_set_folder (CtExportController *self, const char *folder);
/* TRUE while an export runs. */
gboolean ct_export_controller_get_busy (CtExportController *self);
/* The last export's error message, or NULL when it succeeded. */
const char *ct_export_controller_get_last_error (CtExportController *self);
/* The paths the last export wrote (char*), or NULL. */
GPtrArray *ct_export_controller_get_last_written (CtExportController *self);

G_END_DECLS
