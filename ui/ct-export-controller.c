/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ct-export-controller.h"
#include "ct-export-job.h"
#include "ct-study-report.h"
#include "ct-study.h"

struct _CtExportController
{
  GObject parent_instance;

  GtkApplicationWindow *window; /* not owned: it owns us */
  CtStudyList *list;            /* not owned */
  GListModel *studies;          /* owned */
  char *folder;                 /* test hook, or NULL */

  CtExportJob *job; /* the running one */
  GCancellable *cancellable;
  GtkWindow *progress_window;
  GtkProgressBar *progress_bar;
  char *last_error;
  GPtrArray *last_written;
  gboolean busy;
};

G_DEFINE_FINAL_TYPE (CtExportController, ct_export_controller, G_TYPE_OBJECT)

#define CONTROLLER_KEY "ct-export-controller"

static void
ct_export_controller_dispose (GObject *object)
{
  CtExportController *self = CT_EXPORT_CONTROLLER (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->studies);
  if (self->window != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
  self->window = NULL;
  if (self->progress_window != NULL)
    gtk_window_destroy (self->progress_window);
  self->progress_window = NULL;
  G_OBJECT_CLASS (ct_export_controller_parent_class)->dispose (object);
}

static void
ct_export_controller_finalize (GObject *object)
{
  CtExportController *self = CT_EXPORT_CONTROLLER (object);

  g_free (self->folder);
  g_free (self->last_error);
  g_clear_pointer (&self->last_written, g_ptr_array_unref);
  g_clear_object (&self->job);
  G_OBJECT_CLASS (ct_export_controller_parent_class)->finalize (object);
}

static void
ct_export_controller_class_init (CtExportControllerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ct_export_controller_dispose;
  G_OBJECT_CLASS (klass)->finalize = ct_export_controller_finalize;
}

static void
ct_export_controller_init (CtExportController *self)
{
}

/* The studies to export, in work-list order: the selected one, or all. */
static GPtrArray *
dup_studies (CtExportController *self, gboolean all)
{
  GPtrArray *studies = g_ptr_array_new_with_free_func (g_object_unref);

  if (!all)
    {
      CtStudy *selected = ct_study_list_get_selected (self->list);
      if (selected != NULL)
        g_ptr_array_add (studies, g_object_ref (selected));
      return studies;
    }
  for (guint i = 0; i < g_list_model_get_n_items (self->studies); i++)
    g_ptr_array_add (studies, g_list_model_get_item (self->studies, i));
  ct_study_report_rank (studies, CT_STUDY_SORT_TRIAGE);
  return studies;
}

static void
show_message (CtExportController *self, GtkMessageType type, const char *primary, const char *secondary)
{
  GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self->window),
                                              GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT, type,
                                              GTK_BUTTONS_CLOSE, "%s", primary);

  if (secondary != NULL)
    gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", secondary);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_fraction (CtExportJob *job, GParamSpec *pspec, CtExportController *self)
{
  if (self->progress_bar != NULL)
    gtk_progress_bar_set_fraction (self->progress_bar, ct_export_job_get_fraction (job));
}

static void
on_cancel_clicked (GtkButton *button, CtExportController *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

static void
show_progress (CtExportController *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *label = gtk_label_new (_ ("Exporting…"));
  GtkWidget *bar = gtk_progress_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_ ("_Cancel"));

  self->progress_window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (self->progress_window, _ ("Export"));
  gtk_window_set_transient_for (self->progress_window, GTK_WINDOW (self->window));
  gtk_window_set_modal (self->progress_window, TRUE);
  gtk_window_set_deletable (self->progress_window, FALSE);
  gtk_window_set_default_size (self->progress_window, 360, -1);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_halign (cancel, GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), bar);
  gtk_box_append (GTK_BOX (box), cancel);
  gtk_window_set_child (self->progress_window, box);
  self->progress_bar = GTK_PROGRESS_BAR (bar);
  g_signal_connect (cancel, "clicked", G_CALLBACK (on_cancel_clicked), self);
  gtk_window_present (self->progress_window);
}

static void
on_export_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CtExportController) self = user_data;
  CtExportJob *job = CT_EXPORT_JOB (source);
  g_autoptr (GError) error = NULL;
  gboolean ok = ct_export_job_run_finish (job, result, &error);

  self->busy = FALSE;
  g_signal_handlers_disconnect_by_func (job, on_fraction, self);
  if (self->progress_window != NULL)
    gtk_window_destroy (self->progress_window);
  self->progress_window = NULL;
  self->progress_bar = NULL;
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->last_written, g_ptr_array_unref);
  self->last_written = g_ptr_array_ref (ct_export_job_get_written (job));
  g_clear_pointer (&self->last_error, g_free);
  if (self->window == NULL)
    return;
  if (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      self->last_error = g_strdup (error->message);
      return;
    }
  if (!ok)
    {
      self->last_error = g_strdup (error->message);
      show_message (self, GTK_MESSAGE_ERROR, _ ("Export failed"), error->message);
      return;
    }
  if (ct_export_job_get_skipped (job) > 0)
    {
      g_autofree char *text = g_strdup_printf (
          g_dngettext (GETTEXT_PACKAGE,
                       "%d study was left out: not analysed, or, for DICOM SEG and SR, not a DICOM series.",
                       "%d studies were left out: not analysed, or, for DICOM SEG and SR, not DICOM series.",
                       ct_export_job_get_skipped (job)),
          ct_export_job_get_skipped (job));
      show_message (self, GTK_MESSAGE_INFO, _ ("Export finished"), text);
    }
}

static void
start_export (CtExportController *self, GPtrArray *studies, CtExportWhat what, const char *folder)
{
  g_clear_object (&self->job);
  self->job = ct_export_job_new (studies, what, folder);
  self->cancellable = g_cancellable_new ();
  self->busy = TRUE;
  g_signal_connect (self->job, "notify::fraction", G_CALLBACK (on_fraction), self);
  show_progress (self);
  ct_export_job_run_async (self->job, self->cancellable, on_export_done, g_object_ref (self));
}

typedef struct
{
  CtExportController *self;
  GPtrArray *studies;
  CtExportWhat what;
} Pending;

static void
pending_free (Pending *pending)
{
  g_object_unref (pending->self);
  g_ptr_array_unref (pending->studies);
  g_free (pending);
}

static void
on_chooser_response (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  Pending *pending = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        start_export (pending->self, pending->studies, pending->what, path);
    }
  pending_free (pending);
  g_object_unref (chooser);
}

static void export(CtExportController *self, CtExportWhat what, gboolean all)
{
  g_autoptr (GPtrArray) studies = dup_studies (self, all);
  GtkFileChooserNative *chooser;
  Pending *pending;

  if (self->busy)
    return;
  if (studies->len == 0)
    {
      show_message (self, GTK_MESSAGE_INFO, _ ("Nothing to export"), _ ("Select a study first."));
      return;
    }
  if (self->folder != NULL)
    {
      start_export (self, studies, what, self->folder);
      return;
    }
  chooser = gtk_file_chooser_native_new (_ ("Export to Folder"), GTK_WINDOW (self->window),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _ ("_Export"), _ ("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  pending = g_new0 (Pending, 1);
  pending->self = g_object_ref (self);
  pending->studies = g_ptr_array_ref (studies);
  pending->what = what;
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), pending);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
action_export_report (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  export(user_data, CT_EXPORT_REPORT, g_strcmp0 (g_variant_get_string (parameter, NULL), "all") == 0);
}

static void
action_export_masks (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  export(user_data, CT_EXPORT_MASKS, g_strcmp0 (g_variant_get_string (parameter, NULL), "all") == 0);
}

static void
action_export_dicom (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  export(user_data, CT_EXPORT_DICOM, g_strcmp0 (g_variant_get_string (parameter, NULL), "all") == 0);
}

static void
action_export_worklist (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  export(user_data, CT_EXPORT_WORKLIST_CSV | CT_EXPORT_WORKLIST_JSON, TRUE);
}

static const GActionEntry export_actions[] = {
  { "export-report", action_export_report, "s", NULL, NULL, { 0 } },
  { "export-masks", action_export_masks, "s", NULL, NULL, { 0 } },
  { "export-dicom", action_export_dicom, "s", NULL, NULL, { 0 } },
  { "export-worklist", action_export_worklist, NULL, NULL, NULL, { 0 } },
};

CtExportController *
ct_export_controller_install (GtkApplicationWindow *window, CtStudyList *list, GListModel *studies)
{
  CtExportController *self = g_object_new (CT_TYPE_EXPORT_CONTROLLER, NULL);

  self->window = window;
  self->list = list;
  self->studies = g_object_ref (studies);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &self->window);
  g_action_map_add_action_entries (G_ACTION_MAP (window), export_actions, G_N_ELEMENTS (export_actions), self);
  g_object_set_data_full (G_OBJECT (window), CONTROLLER_KEY, self, g_object_unref);
  return self;
}

CtExportController *
ct_export_controller_get_for_window (GtkWindow *window)
{
  return g_object_get_data (G_OBJECT (window), CONTROLLER_KEY);
}

void
ct_export_controller_set_folder (CtExportController *self, const char *folder)
{
  g_return_if_fail (CT_IS_EXPORT_CONTROLLER (self));
  g_free (self->folder);
  self->folder = g_strdup (folder);
}

gboolean
ct_export_controller_get_busy (CtExportController *self)
{
  g_return_val_if_fail (CT_IS_EXPORT_CONTROLLER (self), FALSE);
  return self->busy;
}

const char *
ct_export_controller_get_last_error (CtExportController *self)
{
  g_return_val_if_fail (CT_IS_EXPORT_CONTROLLER (self), NULL);
  return self->last_error;
}

GPtrArray *
ct_export_controller_get_last_written (CtExportController *self)
{
  g_return_val_if_fail (CT_IS_EXPORT_CONTROLLER (self), NULL);
  return self->last_written;
}
