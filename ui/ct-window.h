/* SPDX-License-Identifier: MIT */
/* ct-window.h: the main window: study list (left), axial and coronal views
 * with an optional sagittal one (middle), results panel (right). Opening a
 * folder finds its studies on a worker thread and queues every one on the
 * application's CtJobQueue. */
#pragma once

#include <gtk/gtk.h>

#include "ct-arrival-service.h"
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
/* One view alone in the view area (a CtViewPlane), or -1 for the layout. */
void ct_window_set_maximised_view (CtWindow *self, int plane);
int ct_window_get_maximised_view (CtWindow *self);
GtkWidget *ct_window_get_results_panel (CtWindow *self);
/* The study list's pane (hidden by F9). */
GtkWidget *ct_window_get_list_pane (CtWindow *self);
/* The window/level drop-down's entry: "Lung", ..., "Custom". */
const char *ct_window_get_preset_name (CtWindow *self);

/* Studies that arrive by themselves join the list and are queued; the
 * status bar shows @arrivals' description while it is not off. */
void ct_window_set_arrival_service (CtWindow *self, CtArrivalService *arrivals);
/* The status bar's receiver line, or NULL while hidden. */
const char *ct_window_get_arrival_status (CtWindow *self);

G_END_DECLS
