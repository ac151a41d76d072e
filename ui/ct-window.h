/* SPDX-License-Identifier: MIT */
/* ct-window.h: the main window: study list (left), axial and coronal views
 * with an optional sagittal one (middle), results panel (right). Opening a
 * folder finds its studies on a worker thread and queues every one on the
 * application's CtJobQueue. */
#pragma once

#include <gtk/gtk.h>

#include "ct-job-queue.h"
#include "ct-slice-view.h"
#include "ct-study-list.h"

G_BEGIN_DECLS

#define CT_TYPE_WINDOW (ct_window_get_type ())
G_DECLARE_FINAL_TYPE (CtWindow, ct_window, CT, WINDOW, GtkApplicationWindow)

/* @settings remembers the view state where it can; the window works the
 * same when it cannot write (ct_application_get_settings ()). */
CtWindow *ct_window_new (GtkApplication *application, CtJobQueue *queue, GSettings *settings);
/* Finds the studies under each file (folder, DICOM, DICOMDIR, NIfTI) and
 * queues them. */
void ct_window_open (CtWindow *self, GFile **files, int n_files);
CtStudyList *ct_window_get_study_list (CtWindow *self);
CtSliceView *ct_window_get_view (CtWindow *self, CtViewPlane plane);
/* The studies in the order they were found (GListModel of CtStudy). */
GListModel *ct_window_get_studies (CtWindow *self);
/* The sagittal view is shown on demand. */
void ct_window_set_show_sagittal (CtWindow *self, gboolean show);

G_END_DECLS
