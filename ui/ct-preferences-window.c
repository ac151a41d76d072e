/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ct-preferences-window.h"

struct _CtPreferencesWindow
{
  GtkWindow parent_instance;

  GSettings *settings;
  CtArrivalService *arrivals;

  /* Template children. */
  GtkSwitch *receive_switch;
  GtkEntry *ae_title_entry;
  GtkAdjustment *port_adjustment;
  GtkEntry *allowed_entry;
  GtkLabel *storage_label;
  GtkLabel *watch_label;
  GtkWidget *watch_clear_button;
  GtkAdjustment *quiet_adjustment;
  GtkLabel *message_label;
  GtkLabel *status_label;

  char *ae_title_error; /* why the entry's AE title is not saved, or NULL */
  char *allowed_error;
};

G_DEFINE_FINAL_TYPE (CtPreferencesWindow, ct_preferences_window, GTK_TYPE_WINDOW)

static void
ct_preferences_window_show_message (CtPreferencesWindow *self)
{
  const char *message = self->ae_title_error != NULL ? self->ae_title_error : self->allowed_error;

  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

static void
set_error (GtkWidget *entry, char **slot, GError *error)
{
  g_free (*slot);
  *slot = error != NULL ? g_strdup (error->message) : NULL;
  if (error != NULL)
    gtk_widget_add_css_class (entry, "error");
  else
    gtk_widget_remove_css_class (entry, "error");
}

/* A valid AE title is saved (the service restarts the receiver with it);
 * one that is not stays in the entry, in red, with the reason. */
static void
on_ae_title_changed (GtkEditable *editable, CtPreferencesWindow *self)
{
  g_autoptr (GError) error = NULL;
  const char *text = gtk_editable_get_text (editable);

  if (ct_arrival_check_ae_title (text, &error))
    {
      g_autofree char *saved = g_settings_get_string (self->settings, "receiver-ae-title");

      if (g_strcmp0 (saved, text) != 0)
        g_settings_set_string (self->settings, "receiver-ae-title", text);
    }
  set_error (GTK_WIDGET (editable), &self->ae_title_error, error);
  ct_preferences_window_show_message (self);
}

static void
on_allowed_changed (GtkEditable *editable, CtPreferencesWindow *self)
{
  g_autoptr (GError) error = NULL;
  const char *text = gtk_editable_get_text (editable);
  g_auto (GStrv) titles = ct_arrival_parse_ae_titles (text, &error);

  if (titles != NULL)
    {
      g_autofree char *joined = g_strjoinv (",", titles);
      g_autofree char *saved = g_settings_get_string (self->settings, "receiver-allowed-aets");

      if (g_strcmp0 (saved, joined) != 0)
        g_settings_set_string (self->settings, "receiver-allowed-aets", joined);
    }
  set_error (GTK_WIDGET (editable), &self->allowed_error, error);
  ct_preferences_window_show_message (self);
}

static void
ct_preferences_window_update_folders (CtPreferencesWindow *self)
{
  g_autofree char *storage = g_settings_get_string (self->settings, "receiver-storage-folder");
  g_autofree char *watch = g_settings_get_string (self->settings, "watch-folder");
  g_autofree char *default_storage = g_build_filename (g_get_user_data_dir (), "ct-triage", "incoming", NULL);

  gtk_label_set_text (self->storage_label, *storage != '\0' ? storage : default_storage);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->storage_label), *storage != '\0' ? storage : default_storage);
  gtk_label_set_text (self->watch_label, *watch != '\0' ? watch : _ ("None"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->watch_label), *watch != '\0' ? watch : NULL);
  gtk_widget_set_sensitive (self->watch_clear_button, *watch != '\0');
}

static void
on_folder_setting_changed (GSettings *settings, const char *key, CtPreferencesWindow *self)
{
  ct_preferences_window_update_folders (self);
}

static void
on_arrivals_notify (CtArrivalService *arrivals, GParamSpec *pspec, CtPreferencesWindow *self)
{
  gtk_label_set_text (self->status_label, ct_arrival_service_get_description (arrivals));
  if (ct_arrival_service_get_state (arrivals) == CT_ARRIVAL_STATE_FAILED)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

typedef struct
{
  CtPreferencesWindow *window; /* owned */
  const char *key;
} FolderChoice;

static void
on_folder_chosen (GtkNativeDialog *chooser, int response, FolderChoice *choice)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

      if (path != NULL)
        g_settings_set_string (choice->window->settings, choice->key, path);
    }
  g_object_unref (choice->window);
  g_free (choice);
  g_object_unref (chooser);
}

/* GtkFileDialog needs GTK 4.10; Debian 12 has 4.8. */
static void
ct_preferences_window_choose_folder (CtPreferencesWindow *self, const char *title, const char *key)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (
      title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _ ("_Select"), _ ("_Cancel"));
  FolderChoice *choice = g_new0 (FolderChoice, 1);
  g_autofree char *current = g_settings_get_string (self->settings, key);

  if (*current != '\0')
    {
      g_autoptr (GFile) file = g_file_new_for_path (current);
      gtk_file_chooser_set_file (GTK_FILE_CHOOSER (chooser), file, NULL);
    }
  choice->window = g_object_ref (self);
  choice->key = key;
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_folder_chosen), choice);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_storage_clicked (CtPreferencesWindow *self)
{
  ct_preferences_window_choose_folder (self, _ ("Storage Folder for Received Studies"), "receiver-storage-folder");
}

static void
on_watch_clicked (CtPreferencesWindow *self)
{
  ct_preferences_window_choose_folder (self, _ ("Folder to Watch for New Studies"), "watch-folder");
}

static void
on_watch_clear_clicked (CtPreferencesWindow *self)
{
  g_settings_set_string (self->settings, "watch-folder", "");
}

static void
ct_preferences_window_dispose (GObject *object)
{
  CtPreferencesWindow *self = CT_PREFERENCES_WINDOW (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  if (self->arrivals != NULL)
    g_signal_handlers_disconnect_by_data (self->arrivals, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CT_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (ct_preferences_window_parent_class)->dispose (object);
}

static void
ct_preferences_window_finalize (GObject *object)
{
  CtPreferencesWindow *self = CT_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->arrivals);
  g_free (self->ae_title_error);
  g_free (self->allowed_error);

  G_OBJECT_CLASS (ct_preferences_window_parent_class)->finalize (object);
}

static void
ct_preferences_window_class_init (CtPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ct_preferences_window_dispose;
  object_class->finalize = ct_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/cttriage/CtTriage/ct-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CtPreferencesWindow, receive_switch);
  gtk_widget_class_bind_template_child (widget_class, CtPreferencesWindow, ae_title_entry);
  gtk_widget_class_bind_template_child (widget_class, CtPreferencesWindow, port_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CtPreferencesWindow, allowed_entry);
  gtk_widget_class_bind_template_child (widget_class, CtPreferencesWindow, storage_label);
  gtk_widget_class_bind_template_child (widget_class, CtPreferencesWindow, watch_label);
  gtk_widget_class_bind_template_child (widget_class, CtPreferencesWindow, watch_clear_button);
  gtk_widget_class_bind_template_child (widget_class, CtPreferencesWindow, quiet_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CtPreferencesWindow, message_label);
  gtk_widget_class_bind_template_child (widget_class, CtPreferencesWindow, status_label);
  gtk_widget_class_bind_template_callback (widget_class, on_storage_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_watch_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_watch_clear_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ct_preferences_window_init (CtPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CtPreferencesWindow *
ct_preferences_window_new (GtkWindow *parent, GSettings *settings, CtArrivalService *arrivals)
{
  CtPreferencesWindow *self;
  g_autofree char *ae_title = NULL;
  g_autofree char *allowed = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (CT_IS_ARRIVAL_SERVICE (arrivals), NULL);

  self = g_object_new (CT_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);
  self->arrivals = g_object_ref (arrivals);

  g_settings_bind (settings, "receiver-enabled", self->receive_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "receiver-port", self->port_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "arrival-quiet-seconds", self->quiet_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  ae_title = g_settings_get_string (settings, "receiver-ae-title");
  allowed = g_settings_get_string (settings, "receiver-allowed-aets");
  gtk_editable_set_text (GTK_EDITABLE (self->ae_title_entry), ae_title);
  gtk_editable_set_text (GTK_EDITABLE (self->allowed_entry), allowed);
  g_signal_connect (self->ae_title_entry, "changed", G_CALLBACK (on_ae_title_changed), self);
  g_signal_connect (self->allowed_entry, "changed", G_CALLBACK (on_allowed_changed), self);
  g_signal_connect (settings, "changed::receiver-storage-folder", G_CALLBACK (on_folder_setting_changed), self);
  g_signal_connect (settings, "changed::watch-folder", G_CALLBACK (on_folder_setting_changed), self);
  ct_preferences_window_update_folders (self);
  g_signal_connect (arrivals, "notify::description", G_CALLBACK (on_arrivals_notify), self);
  on_arrivals_notify (arrivals, NULL, self);
  return self;
}

GtkEditable *
ct_preferences_window_get_ae_title_entry (CtPreferencesWindow *self)
{
  g_return_val_if_fail (CT_IS_PREFERENCES_WINDOW (self), NULL);
  return GTK_EDITABLE (self->ae_title_entry);
}

GtkEditable *
ct_preferences_window_get_allowed_entry (CtPreferencesWindow *self)
{
  g_return_val_if_fail (CT_IS_PREFERENCES_WINDOW (self), NULL);
  return GTK_EDITABLE (self->allowed_entry);
}

const char *
ct_preferences_window_get_message (CtPreferencesWindow *self)
{
  g_return_val_if_fail (CT_IS_PREFERENCES_WINDOW (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->message_label)) ? gtk_label_get_text (self->message_label) : NULL;
}

const char *
ct_preferences_window_get_status (CtPreferencesWindow *self)
{
  g_return_val_if_fail (CT_IS_PREFERENCES_WINDOW (self), NULL);
  return gtk_label_get_text (self->status_label);
}
