/* SPDX-License-Identifier: MIT */
/* ct-teaching-editor.c: the teacher's session editor (ct-teaching-editor.h). */
#include "config.h"

#include "ct-teaching-editor.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "ct-study-library.h"
#include "ct-study.h"

/* The severity spin button's "unset" value: below its 0..100 range of %. */
#define SEVERITY_UNSET (-1.0)

struct _CtTeachingEditor
{
  GtkWindow parent_instance;

  CtTeachingDraft *draft;
  GListModel *work_list; /* CtStudy, or NULL */
  CtStudyLibrary *library;
  GCancellable *cancellable;
  char *file;       /* the session file opened or saved last, or NULL */
  gboolean syncing; /* widgets being set from the draft: no write back */
  int current;      /* the study whose reference the form shows, or -1 */

  GtkWidget *banner; /* shown for a locked session */
  GtkWidget *banner_label;
  GtkWidget *unlock_entry;
  GtkWidget *status;
  GtkWidget *settings; /* title, ask, passphrases */
  GtkWidget *title_entry;
  GtkWidget *ask_covid, *ask_severity, *ask_category;
  GtkWidget *passphrase, *passphrase_again;
  GtkWidget *list;
  GtkWidget *count;
  GtkWidget *add_folder, *add_files;
  GtkWidget *form;
  GtkWidget *study_label, *study_details;
  GtkWidget *covid, *severity, *category, *teaching_point;
  GtkWidget *save_button, *open_button;
};

G_DEFINE_FINAL_TYPE (CtTeachingEditor, ct_teaching_editor, GTK_TYPE_WINDOW)

static CtTeachingDraftStudy *
current_study (CtTeachingEditor *self)
{
  return self->current >= 0 && (guint) self->current < self->draft->studies->len
             ? g_ptr_array_index (self->draft->studies, self->current)
             : NULL;
}

static void
set_status (CtTeachingEditor *self, const char *text)
{
  gtk_label_set_text (GTK_LABEL (self->status), text != NULL ? text : "");
  gtk_widget_set_visible (self->status, text != NULL && *text != '\0');
}

static void
update_count (CtTeachingEditor *self)
{
  guint chosen = ct_teaching_draft_get_n_chosen (self->draft);
  g_autofree char *text = g_strdup_printf (
      ngettext ("%u of %u study chosen", "%u of %u studies chosen", self->draft->studies->len), chosen,
      self->draft->studies->len);

  gtk_label_set_text (GTK_LABEL (self->count), text);
}

/* The form from the current study. */
static void
show_reference (CtTeachingEditor *self)
{
  CtTeachingDraftStudy *s = current_study (self);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->teaching_point));
  gboolean was_syncing = self->syncing;

  self->syncing = TRUE;
  gtk_widget_set_sensitive (self->form, s != NULL && !ct_teaching_draft_get_read_only (self->draft));
  gtk_label_set_text (GTK_LABEL (self->study_label), s != NULL ? s->label : _ ("No study selected"));
  gtk_label_set_text (GTK_LABEL (self->study_details), s != NULL ? s->details : "");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->covid), s == NULL || s->ref_covid < 0 ? 0 : s->ref_covid ? 1 : 2);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->severity),
                             s != NULL && isfinite (s->ref_severity) ? s->ref_severity : SEVERITY_UNSET);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->category),
                              s != NULL && s->ref_category >= 0 ? (guint) s->ref_category + 1 : 0);
  gtk_text_buffer_set_text (buffer, s != NULL && s->teaching_point != NULL ? s->teaching_point : "", -1);
  gtk_text_view_set_editable (GTK_TEXT_VIEW (self->teaching_point),
                              s != NULL && !ct_teaching_draft_get_read_only (self->draft));
  self->syncing = was_syncing;
}

/* The current study's reference from the form. */
static void
on_reference_changed (CtTeachingEditor *self)
{
  CtTeachingDraftStudy *s = current_study (self);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->teaching_point));
  GtkTextIter start, end;
  guint covid, category;
  double severity;

  if (self->syncing || s == NULL || ct_teaching_draft_get_read_only (self->draft))
    return;
  covid = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->covid));
  category = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->category));
  severity = gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->severity));
  s->ref_covid = covid == 1 ? 1 : covid == 2 ? 0 : -1;
  s->ref_category = category >= 1 && category <= 5 ? (int) category - 1 : -1;
  s->ref_severity = severity >= 0 ? severity : NAN;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  g_free (s->teaching_point);
  s->teaching_point = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  if (*g_strstrip (s->teaching_point) == '\0')
    g_clear_pointer (&s->teaching_point, g_free);
}

static void
on_row_selected (GtkListBox *list, GtkListBoxRow *row, CtTeachingEditor *self)
{
  self->current = row != NULL ? gtk_list_box_row_get_index (row) : -1;
  show_reference (self);
}

static void
on_chosen_toggled (GtkCheckButton *check, CtTeachingEditor *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (check), GTK_TYPE_LIST_BOX_ROW);
  CtTeachingDraftStudy *s;
  int index;

  if (self->syncing || row == NULL || ct_teaching_draft_get_read_only (self->draft))
    return;
  index = gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row));
  s = g_ptr_array_index (self->draft->studies, index);
  s->chosen = gtk_check_button_get_active (check);
  update_count (self);
  /* Choosing a study is the moment to give its reference. */
  gtk_list_box_select_row (GTK_LIST_BOX (self->list), GTK_LIST_BOX_ROW (row));
}

static GtkWidget *
make_row (CtTeachingEditor *self, const CtTeachingDraftStudy *s)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *label = gtk_label_new (s->label);
  GtkWidget *details = gtk_label_new (s->details);

  gtk_widget_set_name (check, "chosen");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), s->chosen);
  gtk_widget_set_sensitive (check, !ct_teaching_draft_get_read_only (self->draft));
  /* TRANSLATORS: accessible name of a study's check box in the editor. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("In the session"), -1);
  g_signal_connect (check, "toggled", G_CALLBACK (on_chosen_toggled), self);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (details), 0);
  gtk_label_set_ellipsize (GTK_LABEL (details), PANGO_ELLIPSIZE_START);
  gtk_widget_add_css_class (details, "dim-label");
  gtk_widget_add_css_class (details, "caption");
  gtk_box_append (GTK_BOX (texts), label);
  gtk_box_append (GTK_BOX (texts), details);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (box), check);
  gtk_box_append (GTK_BOX (box), texts);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  return box;
}

/* Every widget from the draft: after opening, unlocking or adding. */
static void
sync_from_draft (CtTeachingEditor *self, int select)
{
  gboolean read_only = ct_teaching_draft_get_read_only (self->draft);
  GtkWidget *child;
  GtkListBoxRow *row;

  self->syncing = TRUE;
  while ((child = gtk_widget_get_first_child (self->list)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->list), child);
  for (guint i = 0; i < self->draft->studies->len; i++)
    gtk_list_box_append (GTK_LIST_BOX (self->list), make_row (self, g_ptr_array_index (self->draft->studies, i)));
  gtk_editable_set_text (GTK_EDITABLE (self->title_entry), self->draft->title);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->ask_covid), (self->draft->ask & CT_TEACHING_ASK_COVID) != 0);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->ask_severity),
                               (self->draft->ask & CT_TEACHING_ASK_SEVERITY) != 0);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->ask_category),
                               (self->draft->ask & CT_TEACHING_ASK_CATEGORY) != 0);
  gtk_editable_set_text (GTK_EDITABLE (self->passphrase), "");
  gtk_editable_set_text (GTK_EDITABLE (self->passphrase_again), "");
  self->syncing = FALSE;

  gtk_widget_set_visible (self->banner, read_only);
  /* Away from an entry about to turn insensitive: a locked session's
   * passphrase is what can be typed then. */
  gtk_widget_grab_focus (read_only ? self->unlock_entry : self->list);
  gtk_widget_set_sensitive (self->settings, !read_only);
  gtk_widget_set_sensitive (self->add_folder, !read_only);
  gtk_widget_set_sensitive (self->add_files, !read_only);
  gtk_widget_set_sensitive (self->save_button, !read_only);
  update_count (self);
  row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->list), MAX (select, 0));
  self->current = -1;
  if (row != NULL)
    gtk_list_box_select_row (GTK_LIST_BOX (self->list), row);
  else
    show_reference (self);
}

static void
on_title_changed (CtTeachingEditor *self)
{
  if (self->syncing || ct_teaching_draft_get_read_only (self->draft))
    return;
  g_free (self->draft->title);
  self->draft->title = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->title_entry)));
}

static void
on_ask_toggled (CtTeachingEditor *self)
{
  if (self->syncing || ct_teaching_draft_get_read_only (self->draft))
    return;
  self->draft->ask = (gtk_check_button_get_active (GTK_CHECK_BUTTON (self->ask_covid)) ? CT_TEACHING_ASK_COVID : 0) |
                     (gtk_check_button_get_active (GTK_CHECK_BUTTON (self->ask_severity)) ? CT_TEACHING_ASK_SEVERITY
                                                                                          : 0) |
                     (gtk_check_button_get_active (GTK_CHECK_BUTTON (self->ask_category)) ? CT_TEACHING_ASK_CATEGORY
                                                                                          : 0);
}

/* Offers @study as the editor lists it: folder or file name and series
 * description; patient, date and path beneath (the teacher's view only). */
static int
offer_study (CtTeachingEditor *self, CtStudy *study)
{
  const char *description = ct_study_get_description (study);
  const char *patient = ct_study_get_patient (study);
  const char *date = ct_study_get_date (study);
  g_autofree char *base = g_path_get_basename (ct_study_get_path (study));
  g_autofree char *label = description != NULL && *description != '\0' ? g_strdup_printf ("%s — %s", base, description)
                                                                       : g_strdup (base);
  g_autofree char *details = g_strjoin (" · ", patient != NULL && *patient != '\0' ? patient : "—",
                                        date != NULL && *date != '\0' ? date : "—", ct_study_get_path (study), NULL);

  return ct_teaching_draft_add_study (self->draft, ct_study_get_path (study), ct_study_get_series_uid (study), label,
                                      details);
}

/* The work list's studies that did not fail, offered unchosen. */
static void
offer_work_list (CtTeachingEditor *self)
{
  if (self->work_list == NULL)
    return;
  for (guint i = 0; i < g_list_model_get_n_items (self->work_list); i++)
    {
      g_autoptr (CtStudy) study = g_list_model_get_item (self->work_list, i);

      if (ct_study_get_status (study) != CT_STUDY_STATUS_FAILED)
        offer_study (self, study);
    }
}

gboolean
ct_teaching_editor_open (CtTeachingEditor *self, const char *file, GError **error)
{
  g_autoptr (CtTeachingSession) session = NULL;

  g_return_val_if_fail (CT_IS_TEACHING_EDITOR (self), FALSE);
  session = ct_teaching_session_load (file, error);
  if (session == NULL)
    return FALSE;
  g_clear_pointer (&self->draft, ct_teaching_draft_free);
  self->draft = ct_teaching_draft_new_from_session (session);
  offer_work_list (self);
  g_free (self->file);
  self->file = g_canonicalize_filename (file, NULL);
  sync_from_draft (self, 0);
  if (ct_teaching_draft_get_read_only (self->draft))
    {
      g_autofree char *text = g_strdup_printf (
          _ ("%s is locked by the teacher: it can be read here, not changed. Give its passphrase to edit it."), file);
      gtk_label_set_text (GTK_LABEL (self->banner_label), text);
    }
  set_status (self, NULL);
  return TRUE;
}

static void
on_unlock (CtTeachingEditor *self)
{
  g_autoptr (GError) error = NULL;

  if (!ct_teaching_draft_unlock (self->draft, gtk_editable_get_text (GTK_EDITABLE (self->unlock_entry)), &error))
    {
      set_status (self, error->message);
      gtk_widget_error_bell (self->unlock_entry);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->unlock_entry), "");
  offer_work_list (self);
  sync_from_draft (self, 0);
  set_status (self, _ ("Unlocked: the session is saved unlocked unless a passphrase is given again"));
}

gboolean
ct_teaching_editor_save_to (CtTeachingEditor *self, const char *file, GError **error)
{
  g_autoptr (CtTeachingSession) session = NULL;
  g_autofree char *text = NULL;
  guint n;

  g_return_val_if_fail (CT_IS_TEACHING_EDITOR (self), FALSE);
  g_return_val_if_fail (file != NULL, FALSE);
  on_reference_changed (self);
  session = ct_teaching_draft_build (self->draft, file, gtk_editable_get_text (GTK_EDITABLE (self->passphrase)),
                                     gtk_editable_get_text (GTK_EDITABLE (self->passphrase_again)), error);
  if (session == NULL || !ct_teaching_session_save (session, file, error))
    return FALSE;
  n = ct_teaching_session_get_n_cases (session);
  g_free (self->file);
  self->file = g_canonicalize_filename (file, NULL);
  /* A locked session is what residents get: shown as they cannot change it. */
  if (ct_teaching_session_get_locked (session) && !ct_teaching_editor_open (self, file, error))
    return FALSE;
  text = g_strdup_printf (ngettext ("Saved %u case to %s", "Saved %u cases to %s", n), n, file);
  set_status (self, text);
  return TRUE;
}

gboolean
ct_teaching_editor_get_read_only (CtTeachingEditor *self)
{
  g_return_val_if_fail (CT_IS_TEACHING_EDITOR (self), TRUE);
  return ct_teaching_draft_get_read_only (self->draft);
}

CtTeachingDraft *
ct_teaching_editor_get_draft (CtTeachingEditor *self)
{
  g_return_val_if_fail (CT_IS_TEACHING_EDITOR (self), NULL);
  return self->draft;
}

static void
on_paths_added (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  CtTeachingEditor *self = g_task_get_source_object (task);
  g_autoptr (GPtrArray) failed = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray)
      studies = ct_study_library_add_paths_finish (CT_STUDY_LIBRARY (source), result, &failed, &error);
  int first = -1;

  /* A closed editor: its widgets are gone. */
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (studies == NULL)
    {
      set_status (self, error->message);
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  for (guint i = 0; i < studies->len; i++)
    {
      int index = offer_study (self, g_ptr_array_index (studies, i));

      if (index >= 0)
        {
          CtTeachingDraftStudy *s = g_ptr_array_index (self->draft->studies, index);

          /* Added on purpose: chosen. */
          s->chosen = TRUE;
          first = first < 0 ? index : first;
        }
    }
  sync_from_draft (self, first);
  {
    g_autofree char *text = g_strdup_printf (
        ngettext ("%u study found and chosen", "%u studies found and chosen", studies->len), studies->len);
    set_status (self, text);
  }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
ct_teaching_editor_add_paths (CtTeachingEditor *self, const char *const *paths, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CT_IS_TEACHING_EDITOR (self));
  task = g_task_new (self, self->cancellable, callback, user_data);
  g_task_set_source_tag (task, ct_teaching_editor_add_paths);
  if (ct_teaching_draft_get_read_only (self->draft))
    {
      g_task_return_error (task, g_error_new_literal (CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_READ_ONLY,
                                                      _ ("The teaching session is locked by the teacher; it cannot "
                                                         "be changed")));
      g_object_unref (task);
      return;
    }
  set_status (self, _ ("Looking for studies…"));
  ct_study_library_add_paths_async (self->library, paths, self->cancellable, on_paths_added, task);
}

gboolean
ct_teaching_editor_add_paths_finish (CtTeachingEditor *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_add_response (GtkNativeDialog *dialog, int response, CtTeachingEditor *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr (GFile) file = g_list_model_get_item (files, i);
          char *path = g_file_get_path (file);

          if (path != NULL)
            g_ptr_array_add (paths, path);
        }
      g_ptr_array_add (paths, NULL);
      if (paths->len > 1)
        ct_teaching_editor_add_paths (self, (const char *const *) paths->pdata, NULL, NULL);
    }
  g_object_unref (dialog);
}

static void
choose_to_add (CtTeachingEditor *self, GtkFileChooserAction action)
{
  gboolean folders = action == GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER;
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (folders ? _ ("Add the studies of a folder")
                                                                      : _ ("Add study files"),
                                                              GTK_WINDOW (self), action, _ ("_Add"), _ ("_Cancel"));

  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_add_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_add_folder (CtTeachingEditor *self)
{
  choose_to_add (self, GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);
}

static void
on_add_files (CtTeachingEditor *self)
{
  choose_to_add (self, GTK_FILE_CHOOSER_ACTION_OPEN);
}

static void
on_save_response (GtkNativeDialog *dialog, int response, CtTeachingEditor *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;

      if (path != NULL && !ct_teaching_editor_save_to (self, path, &error))
        set_status (self, error->message);
    }
  g_object_unref (dialog);
}

static void
on_save (CtTeachingEditor *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *name = NULL;
  GtkFileChooserNative *dialog;

  on_reference_changed (self);
  /* What can be said before a file is chosen is said now. */
  if (!ct_teaching_draft_validate (self->draft, NULL, gtk_editable_get_text (GTK_EDITABLE (self->passphrase)),
                                   gtk_editable_get_text (GTK_EDITABLE (self->passphrase_again)), &error))
    {
      set_status (self, error->message);
      return;
    }
  dialog = gtk_file_chooser_native_new (_ ("Save the teaching session"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _ ("_Save"), _ ("_Cancel"));
  /* The studies' common folder: the session file belongs there. */
  folder = self->file != NULL ? g_path_get_dirname (self->file) : ct_teaching_draft_common_folder (self->draft);
  name = self->file != NULL ? g_path_get_basename (self->file) : g_strdup ("session.json");
  if (folder != NULL)
    {
      g_autoptr (GFile) dir = g_file_new_for_path (folder);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), dir, NULL);
    }
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_open_response (GtkNativeDialog *dialog, int response, CtTeachingEditor *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;

      if (path != NULL && !ct_teaching_editor_open (self, path, &error))
        set_status (self, error->message);
    }
  g_object_unref (dialog);
}

static void
on_open (CtTeachingEditor *self)
{
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (_ ("Open a teaching session"), GTK_WINDOW (self),
                                                              GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Open"), _ ("_Cancel"));
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _ ("Teaching sessions (JSON)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* The severity spin button shows "unset" below 0 and takes it, or an
 * empty text, back as unset; a decimal comma is taken too. */
static gboolean
on_severity_output (GtkSpinButton *spin, gpointer user_data)
{
  double value = gtk_spin_button_get_value (spin);
  g_autofree char *text = value < 0 ? g_strdup (_ ("unset")) : g_strdup_printf ("%.1f", value);

  if (strcmp (text, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static int
on_severity_input (GtkSpinButton *spin, double *new_value, gpointer user_data)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (spin))));
  char *end = NULL;

  if (*text == '\0' || g_strcmp0 (text, _ ("unset")) == 0 || strcmp (text, "-") == 0)
    {
      *new_value = SEVERITY_UNSET;
      return TRUE;
    }
  g_strdelimit (text, ",", '.');
  *new_value = g_ascii_strtod (text, &end);
  if (end == text || *g_strchug (end) != '\0' || !isfinite (*new_value))
    return GTK_INPUT_ERROR;
  *new_value = *new_value < 0 ? SEVERITY_UNSET : MIN (*new_value, 100.0);
  return TRUE;
}

static GtkWidget *
form_label (GtkWidget *grid, int row, const char *text, GtkWidget *widget)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), widget);
  gtk_grid_attach (GTK_GRID (grid), label, 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), widget, 1, row, 1, 1);
  return label;
}

static GtkWidget *
build_settings (CtTeachingEditor *self)
{
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *asks = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *hint = gtk_label_new (_ ("Leave the passphrase empty for a session anyone may edit"));

  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  self->title_entry = gtk_entry_new ();
  gtk_widget_set_name (self->title_entry, "title");
  gtk_widget_set_hexpand (self->title_entry, TRUE);
  g_signal_connect_swapped (self->title_entry, "changed", G_CALLBACK (on_title_changed), self);
  form_label (grid, 0, _ ("_Title"), self->title_entry);
  self->ask_covid = gtk_check_button_new_with_mnemonic (_ ("_COVID-19 yes/no"));
  /* xgettext:no-c-format */
  self->ask_severity = gtk_check_button_new_with_mnemonic (_ ("Se_verity %"));
  self->ask_category = gtk_check_button_new_with_mnemonic (_ ("CT cate_gory"));
  gtk_widget_set_name (self->ask_covid, "ask-covid");
  gtk_widget_set_name (self->ask_severity, "ask-severity");
  gtk_widget_set_name (self->ask_category, "ask-category");
  gtk_box_append (GTK_BOX (asks), self->ask_covid);
  gtk_box_append (GTK_BOX (asks), self->ask_severity);
  gtk_box_append (GTK_BOX (asks), self->ask_category);
  g_signal_connect_swapped (self->ask_covid, "toggled", G_CALLBACK (on_ask_toggled), self);
  g_signal_connect_swapped (self->ask_severity, "toggled", G_CALLBACK (on_ask_toggled), self);
  g_signal_connect_swapped (self->ask_category, "toggled", G_CALLBACK (on_ask_toggled), self);
  form_label (grid, 1, _ ("Residents estimate"), asks);
  self->passphrase = gtk_password_entry_new ();
  self->passphrase_again = gtk_password_entry_new ();
  gtk_widget_set_name (self->passphrase, "passphrase");
  gtk_widget_set_name (self->passphrase_again, "passphrase-again");
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (self->passphrase), TRUE);
  form_label (grid, 2, _ ("_Lock passphrase"), self->passphrase);
  form_label (grid, 3, _ ("Passphrase _again"), self->passphrase_again);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_grid_attach (GTK_GRID (grid), hint, 1, 4, 1, 1);
  self->settings = grid;
  return grid;
}

static GtkWidget *
build_list (CtTeachingEditor *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *heading = gtk_label_new (_ ("Studies: tick those of the session"));
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  self->list = gtk_list_box_new ();
  gtk_widget_set_name (self->list, "studies");
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (self->list), GTK_SELECTION_BROWSE);
  g_signal_connect (self->list, "row-selected", G_CALLBACK (on_row_selected), self);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), self->list);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_widget_add_css_class (scroller, "frame");
  self->add_folder = gtk_button_new_with_mnemonic (_ ("Add _Folder…"));
  self->add_files = gtk_button_new_with_mnemonic (_ ("Add F_iles…"));
  g_signal_connect_swapped (self->add_folder, "clicked", G_CALLBACK (on_add_folder), self);
  g_signal_connect_swapped (self->add_files, "clicked", G_CALLBACK (on_add_files), self);
  self->count = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->count, "dim-label");
  gtk_widget_set_hexpand (self->count, TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->count), 1);
  gtk_box_append (GTK_BOX (buttons), self->add_folder);
  gtk_box_append (GTK_BOX (buttons), self->add_files);
  gtk_box_append (GTK_BOX (buttons), self->count);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), scroller);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_widget_set_size_request (box, 380, -1);
  return box;
}

static GtkWidget *
build_form (CtTeachingEditor *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *point_label;
  const char *covid[] = { _ ("Unknown"), _ ("Yes"), _ ("No"), NULL };
  const char *categories[] = { _ ("Unset"), "CT-0", "CT-1", "CT-2", "CT-3", "CT-4", NULL };
  GtkTextBuffer *buffer;

  self->study_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->study_label, "title-4");
  gtk_label_set_xalign (GTK_LABEL (self->study_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->study_label), PANGO_ELLIPSIZE_MIDDLE);
  self->study_details = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->study_details, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (self->study_details), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->study_details), PANGO_ELLIPSIZE_START);
  gtk_box_append (GTK_BOX (box), self->study_label);
  gtk_box_append (GTK_BOX (box), self->study_details);

  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  self->covid = gtk_drop_down_new_from_strings (covid);
  gtk_widget_set_name (self->covid, "covid");
  g_signal_connect_swapped (self->covid, "notify::selected", G_CALLBACK (on_reference_changed), self);
  form_label (grid, 0, _ ("Reference: COVID-_19"), self->covid);
  self->severity = gtk_spin_button_new_with_range (SEVERITY_UNSET, 100, 1);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (self->severity), 1);
  /* new_with_range () makes it numeric: letters, "unset" too, refused. */
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (self->severity), FALSE);
  gtk_widget_set_name (self->severity, "severity");
  g_signal_connect (self->severity, "output", G_CALLBACK (on_severity_output), NULL);
  g_signal_connect (self->severity, "input", G_CALLBACK (on_severity_input), NULL);
  g_signal_connect_swapped (self->severity, "value-changed", G_CALLBACK (on_reference_changed), self);
  gtk_widget_set_tooltip_text (self->severity, _ ("Empty, or below 0: no reference severity"));
  /* xgettext:no-c-format */
  form_label (grid, 1, _ ("Reference _severity, %"), self->severity);
  self->category = gtk_drop_down_new_from_strings (categories);
  gtk_widget_set_name (self->category, "category");
  g_signal_connect_swapped (self->category, "notify::selected", G_CALLBACK (on_reference_changed), self);
  form_label (grid, 2, _ ("Reference CT _category"), self->category);
  gtk_box_append (GTK_BOX (box), grid);

  self->teaching_point = gtk_text_view_new ();
  gtk_widget_set_name (self->teaching_point, "teaching-point");
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (self->teaching_point), GTK_WRAP_WORD_CHAR);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->teaching_point));
  g_signal_connect_swapped (buffer, "changed", G_CALLBACK (on_reference_changed), self);
  point_label = gtk_label_new_with_mnemonic (_ ("_Teaching point (shown to the resident after the answer)"));
  gtk_label_set_xalign (GTK_LABEL (point_label), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (point_label), self->teaching_point);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), self->teaching_point);
  gtk_widget_add_css_class (scroller, "frame");
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (box), point_label);
  gtk_box_append (GTK_BOX (box), scroller);
  {
    GtkWidget *note = gtk_label_new (_ ("Phantom studies come with their reference from the generator's truth.json"));
    gtk_label_set_xalign (GTK_LABEL (note), 0);
    gtk_label_set_wrap (GTK_LABEL (note), TRUE);
    gtk_widget_add_css_class (note, "dim-label");
    gtk_box_append (GTK_BOX (box), note);
  }
  self->form = grid;
  return box;
}

static GtkWidget *
build_banner (CtTeachingEditor *self)
{
  /* The message above the unlock row: a wrapped label beside other
   * widgets in a horizontal box confuses GTK 4.8's height-for-width. */
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *unlock = gtk_button_new_with_mnemonic (_ ("_Unlock"));

  self->banner_label = gtk_label_new (NULL);
  gtk_widget_set_name (self->banner_label, "locked-message");
  gtk_label_set_wrap (GTK_LABEL (self->banner_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->banner_label), 0);
  self->unlock_entry = gtk_password_entry_new ();
  gtk_widget_set_name (self->unlock_entry, "unlock-passphrase");
  gtk_widget_set_size_request (self->unlock_entry, 240, -1);
  g_signal_connect_swapped (self->unlock_entry, "activate", G_CALLBACK (on_unlock), self);
  g_signal_connect_swapped (unlock, "clicked", G_CALLBACK (on_unlock), self);
  gtk_box_append (GTK_BOX (row), self->unlock_entry);
  gtk_box_append (GTK_BOX (row), unlock);
  gtk_box_append (GTK_BOX (box), self->banner_label);
  gtk_box_append (GTK_BOX (box), row);
  gtk_widget_add_css_class (box, "card");
  gtk_widget_set_visible (box, FALSE);
  self->banner = box;
  return box;
}

static void
build (CtTeachingEditor *self)
{
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  GtkWidget *form = build_form (self);

  self->open_button = gtk_button_new_with_mnemonic (_ ("_Open Session…"));
  self->save_button = gtk_button_new_with_mnemonic (_ ("_Save…"));
  gtk_widget_add_css_class (self->save_button, "suggested-action");
  g_signal_connect_swapped (self->open_button, "clicked", G_CALLBACK (on_open), self);
  g_signal_connect_swapped (self->save_button, "clicked", G_CALLBACK (on_save), self);
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), self->open_button);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), self->save_button);
  gtk_window_set_titlebar (GTK_WINDOW (self), header);

  gtk_widget_set_margin_top (content, 12);
  gtk_widget_set_margin_bottom (content, 12);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  gtk_box_append (GTK_BOX (content), build_banner (self));
  gtk_box_append (GTK_BOX (content), build_settings (self));
  gtk_paned_set_start_child (GTK_PANED (paned), build_list (self));
  gtk_paned_set_end_child (GTK_PANED (paned), form);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (paned), FALSE);
  gtk_widget_set_margin_start (form, 12);
  gtk_widget_set_vexpand (paned, TRUE);
  gtk_box_append (GTK_BOX (content), paned);
  self->status = gtk_label_new (NULL);
  gtk_widget_set_name (self->status, "status");
  gtk_label_set_wrap (GTK_LABEL (self->status), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->status), 0);
  gtk_label_set_selectable (GTK_LABEL (self->status), TRUE);
  gtk_widget_set_visible (self->status, FALSE);
  gtk_box_append (GTK_BOX (content), self->status);
  gtk_window_set_child (GTK_WINDOW (self), content);
}

static void
ct_teaching_editor_dispose (GObject *object)
{
  CtTeachingEditor *self = CT_TEACHING_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->work_list);
  G_OBJECT_CLASS (ct_teaching_editor_parent_class)->dispose (object);
}

static void
ct_teaching_editor_finalize (GObject *object)
{
  CtTeachingEditor *self = CT_TEACHING_EDITOR (object);

  g_clear_pointer (&self->draft, ct_teaching_draft_free);
  g_clear_object (&self->library);
  g_clear_object (&self->cancellable);
  g_free (self->file);
  G_OBJECT_CLASS (ct_teaching_editor_parent_class)->finalize (object);
}

static void
ct_teaching_editor_class_init (CtTeachingEditorClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ct_teaching_editor_dispose;
  G_OBJECT_CLASS (klass)->finalize = ct_teaching_editor_finalize;
}

static void
ct_teaching_editor_init (CtTeachingEditor *self)
{
  self->library = ct_study_library_new ();
  self->cancellable = g_cancellable_new ();
  self->current = -1;
}

CtTeachingEditor *
ct_teaching_editor_new (GtkWindow *parent, GListModel *studies)
{
  CtTeachingEditor *self = g_object_new (CT_TYPE_TEACHING_EDITOR, "transient-for", parent, "destroy-with-parent", TRUE,
                                         NULL);

  self->work_list = studies != NULL ? g_object_ref (studies) : NULL;
  /* TRANSLATORS: the default title of a new teaching session. */
  self->draft = ct_teaching_draft_new (_ ("Teaching session"));
  offer_work_list (self);
  build (self);
  gtk_window_set_title (GTK_WINDOW (self), _ ("Prepare Teaching Session"));
  gtk_window_set_default_size (GTK_WINDOW (self), 1100, 760);
  sync_from_draft (self, 0);
  return self;
}
