/* SPDX-License-Identifier: MIT */
/* A whole teaching session under a display (Xvfb). The teacher prepares it
 * in the editor (ui/ct-teaching-editor.c) through its widgets: three of four
 * DICOM studies with distinctive patient names chosen (one added as "Add
 * Folder" does), references and teaching points given (one prefilled from a
 * phantom truth.json), what is asked chosen, locked, saved; the saves that
 * must be refused are (nothing asked, passphrases that differ, the file
 * outside the studies' folder). Then a resident takes it in the quiz window:
 * the analysis is let finish in the background first; then, before each
 * commit, no label, button, entry or the window title holds the AI's
 * probability or severity, an "AI:" line, a CT category (outside the
 * answer's own drop-down), the reference or a teaching point, and the
 * overlay is off in the widget and in the rendered pixels; after the commit
 * (Enter) they are shown. No patient name or ID ever appears, nor in the
 * results CSV, the session file or the summary PDF. N and P move; the
 * summary comes after the last case. The locked session opened in the
 * editor again is read-only and refuses to be saved. */
#include "test-gui-util.h"
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "ct-dicom-writer.h"
#include "ct-slice-view.h"
#include "ct-study-library.h"
#include "ct-teaching-answer.h"
#include "ct-teaching-editor.h"
#include "ct-teaching-window.h"
#include "test-util.h"

#define N_STUDIES 4

/* Distinctive names and IDs, so that a search for them finds only them. */
static const char *const patient_names[N_STUDIES] = {
  "Quuxworth^Zebediah",
  "Fenwhistle^Ottoline",
  "Brackenbury^Ignatius",
  "Wolstenholme^Perpetua",
};
static const char *const patient_ids[N_STUDIES] = { "PID-77341", "PID-77342", "PID-77343", "PID-77344" };
/* The teacher's teaching points of studies 1, 3 and 4 (2 is left out). */
static const char *const teaching_points[N_STUDIES] = {
  "Subpleural ground glass in both lower lobes",
  NULL,
  "Clear lungs: nothing of COVID-19 here",
  "A single small patch of ground glass,\nright upper lobe",
};

static struct
{
  char *tmp;
  char *room;
  char *studies[N_STUDIES];
  char *models;
  CtJobQueue *queue;
  CtStudyLibrary *work_list;
  CtTeachingSession *session;
  CtTeachingWindow *window;
  char *session_file;
  char *csv;
  int n_assessable; /* cases whose AI answer was there to hide */
} fx;

static void
settle (void)
{
  gint64 end = g_get_monotonic_time () + 150 * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static gboolean
press_key (guint keyval)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (fx.window));
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller) &&
          gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE)
        {
          g_signal_emit_by_name (controller, "key-pressed", keyval, 0, (GdkModifierType) 0, &handled);
          break;
        }
    }
  settle ();
  return handled;
}

/* Every text of @widget's tree, shown or not: labels (buttons' too) and
 * entries, one a line; the answer drop-down's into @dropdown. */
static void
collect_texts (GtkWidget *widget, gboolean in_dropdown, GString *out, GString *dropdown)
{
  const char *text = NULL;

  /* Hidden and unmapped widgets too: what is not shown must not be there. */
  in_dropdown = in_dropdown || GTK_IS_DROP_DOWN (widget);
  if (GTK_IS_LABEL (widget))
    text = gtk_label_get_text (GTK_LABEL (widget));
  else if (GTK_IS_EDITABLE (widget))
    text = gtk_editable_get_text (GTK_EDITABLE (widget));
  if (text != NULL)
    {
      g_string_append (in_dropdown ? dropdown : out, text);
      g_string_append_c (in_dropdown ? dropdown : out, '\n');
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_texts (child, in_dropdown, out, dropdown);
}

static char *
visible_text (void)
{
  GString *out = g_string_new (gtk_window_get_title (GTK_WINDOW (fx.window)));
  g_autoptr (GString) dropdown = g_string_new (NULL);

  g_string_append_c (out, '\n');
  collect_texts (GTK_WIDGET (fx.window), FALSE, out, dropdown);
  /* The drop-down lists the choices, never the AI's answer. */
  g_assert_null (strstr (dropdown->str, "AI"));
  return g_string_free (out, FALSE);
}

static void
assert_no_identity (const char *text)
{
  for (guint i = 0; i < N_STUDIES; i++)
    {
      g_auto (GStrv) parts = g_strsplit (patient_names[i], "^", -1);

      for (guint k = 0; parts[k] != NULL; k++)
        g_assert_null (strstr (text, parts[k]));
      g_assert_null (strstr (text, patient_ids[i]));
    }
}

/* The first widget named @name under @widget (gtk_widget_set_name). */
static GtkWidget *
find_named (GtkWidget *widget, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_named_or_fail (GtkWidget *widget, const char *name)
{
  GtkWidget *found = find_named (widget, name);

  if (found == NULL)
    g_error ("no widget named %s", name);
  return found;
}

/* The index of the study at @path, or -1. */
static int
study_index (const char *path)
{
  for (int i = 0; i < N_STUDIES; i++)
    if (strcmp (fx.studies[i], path) == 0)
      return i;
  return -1;
}

/* Until @widget is mapped, sized and has drawn a frame. */
static void
wait_drawn (GtkWidget *widget)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while ((!gtk_widget_get_mapped (widget) || gtk_widget_get_width (widget) <= 0) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  settle ();
}

/* The widget as drawn through the window's renderer; saved as
 * $G_TEST_BUILDDIR/screenshots/@save_as when given. Returns the number of
 * pixels tinted like the lesion overlay (red far above green and blue;
 * grey CT has R = G = B, the yellow orientation letters have G high). */
static int
render_and_count_tinted (GtkWidget *widget, const char *save_as)
{
  g_autoptr (GdkPaintable) paintable = NULL;
  GtkSnapshot *snapshot = NULL;
  int width, height;
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree guint8 *bgra = NULL;
  int tinted = 0;

  wait_drawn (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  g_assert_true (gtk_widget_get_mapped (widget));
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  bgra = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, bgra, (gsize) width * 4);
  for (gsize i = 0; i < (gsize) width * height; i++)
    tinted += bgra[i * 4 + 2] > bgra[i * 4 + 1] + 50 && bgra[i * 4 + 2] > bgra[i * 4] + 50;
  if (save_as != NULL)
    {
      g_autofree char *dir = g_build_filename (
          g_getenv ("G_TEST_BUILDDIR") != NULL ? g_getenv ("G_TEST_BUILDDIR") : ".", "screenshots", NULL);
      g_autofree char *path = g_build_filename (dir, save_as, NULL);

      g_mkdir_with_parents (dir, 0755);
      g_assert_true (gdk_texture_save_to_png (texture, path));
      g_test_message ("screenshot: %s", path);
    }
  return tinted;
}

static gboolean
current_finished (gpointer data)
{
  CtStudy *study = ct_teaching_window_get_study (fx.window);
  return study != NULL && ct_study_is_finished (study);
}

static void
wait_current (void)
{
  gint64 deadline = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;

  while (!current_finished (NULL) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (current_finished (NULL));
  settle ();
}

/* The AI's probability as the reveal writes it, or NULL. */
static char *
ai_probability_text (void)
{
  CtStudy *study = ct_teaching_window_get_study (fx.window);

  if (!ct_study_get_assessable (study))
    return NULL;
  return g_strdup_printf ("probability %.2f", ct_study_get_probability (study));
}

static void
answer_and_check (gboolean covid, double severity, guint category_item, const char *shot_before, const char *shot_after)
{
  GtkWidget *view = test_gui_find_widget (GTK_WIDGET (fx.window), CT_TYPE_SLICE_VIEW);
  GtkWidget *dropdown = test_gui_find_widget (GTK_WIDGET (fx.window), GTK_TYPE_DROP_DOWN);
  GtkWidget *spin = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *probability = NULL;
  GtkWidget *yes, *no;

  wait_current ();
  probability = ai_probability_text ();
  g_test_message ("AI of this case: %s (%s)", probability != NULL ? probability : "not assessable",
                  ct_study_get_error (ct_teaching_window_get_study (fx.window)) != NULL
                      ? ct_study_get_error (ct_teaching_window_get_study (fx.window))
                      : "no error");
  before = visible_text ();
  assert_no_identity (before);
  g_assert_null (strstr (before, "AI:"));
  g_assert_null (strstr (before, "CT-"));
  g_assert_null (strstr (before, "Teaching point"));
  g_assert_null (strstr (before, "Reference:"));
  /* No case's teaching point, this one's or another's. */
  for (guint i = 0; i < N_STUDIES; i++)
    if (teaching_points[i] != NULL)
      g_assert_null (strstr (before, teaching_points[i]));
  if (probability != NULL)
    {
      g_autofree char *ai_severity = g_strdup_printf ("%.0f %%",
                                                      ct_study_get_severity (ct_teaching_window_get_study (fx.window)));

      fx.n_assessable++;
      g_assert_null (strstr (before, probability));
      g_assert_null (strstr (before, ai_severity));
    }
  g_assert_false (ct_slice_view_get_show_overlays (CT_SLICE_VIEW (view)));
  /* ... and in the pixels: no overlay colour in the view. */
  g_assert_cmpint (render_and_count_tinted (view, NULL), ==, 0);
  if (shot_before != NULL)
    render_and_count_tinted (GTK_WIDGET (fx.window), shot_before);

  /* Enter without an answer commits nothing. */
  g_assert_true (press_key (GDK_KEY_Return));
  g_clear_pointer (&after, g_free);
  after = visible_text ();
  g_assert_null (strstr (after, "AI:"));

  /* Answer: the yes/no toggles are the two toggle buttons after the view. */
  {
    GtkWidget *form = gtk_widget_get_parent (gtk_widget_get_parent (dropdown));
    yes = test_gui_find_widget (form, GTK_TYPE_TOGGLE_BUTTON);
    no = gtk_widget_get_next_sibling (yes);
    for (GtkWidget *row = gtk_widget_get_first_child (form); row != NULL; row = gtk_widget_get_next_sibling (row))
      if (spin == NULL && test_gui_find_widget (row, GTK_TYPE_SPIN_BUTTON) != NULL &&
          strstr (gtk_label_get_text (GTK_LABEL (gtk_widget_get_first_child (row))), "everity") != NULL)
        spin = test_gui_find_widget (row, GTK_TYPE_SPIN_BUTTON);
  }
  g_assert_nonnull (spin);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (covid ? yes : no), TRUE);
  /* Typed, not set: Enter must take the typed text. */
  {
    g_autofree char *typed = g_strdup_printf ("%.0f", severity);
    gtk_editable_set_text (GTK_EDITABLE (spin), typed);
  }
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), category_item);
  g_assert_true (press_key (GDK_KEY_Return));

  g_clear_pointer (&after, g_free);
  after = visible_text ();
  assert_no_identity (after);
  g_assert_nonnull (strstr (after, "You: COVID-19"));
  g_assert_nonnull (strstr (after, "Reference: COVID-19"));
  g_assert_nonnull (strstr (after, "AI:"));
  g_assert_nonnull (strstr (after, "CT-"));
  if (probability != NULL)
    g_assert_nonnull (strstr (after, probability));
  /* The teacher's teaching point of this case, as the editor saved it. */
  {
    int study = study_index (ct_study_get_path (ct_teaching_window_get_study (fx.window)));

    g_assert_cmpint (study, >=, 0);
    g_assert_nonnull (teaching_points[study]);
    g_assert_nonnull (strstr (after, teaching_points[study]));
  }
  g_assert_true (ct_slice_view_get_show_overlays (CT_SLICE_VIEW (view)));
  /* The fixture networks find lesions in these chests: the overlay hidden
   * before was there to hide. */
  g_assert_cmpint (render_and_count_tinted (view, NULL), >, 0);
  if (shot_after != NULL)
    render_and_count_tinted (GTK_WIDGET (fx.window), shot_after);
}

/* Runs the main loop until *@flag or a minute has passed. */
static void
wait_flag (const gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!*flag && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (*flag);
  settle ();
}

static void
on_added (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (ct_teaching_editor_add_paths_finish (CT_TEACHING_EDITOR (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static GtkWidget *
editor_row (CtTeachingEditor *editor, int index)
{
  GtkWidget *list = find_named_or_fail (GTK_WIDGET (editor), "studies");
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), index);

  g_assert_nonnull (row);
  return GTK_WIDGET (row);
}

/* The row of study @study (0..N_STUDIES-1) in the editor's list. */
static int
editor_row_of (CtTeachingEditor *editor, int study)
{
  CtTeachingDraft *draft = ct_teaching_editor_get_draft (editor);

  for (guint i = 0; i < draft->studies->len; i++)
    if (strcmp (((CtTeachingDraftStudy *) g_ptr_array_index (draft->studies, i))->path, fx.studies[study]) == 0)
      return (int) i;
  g_error ("study %d is not in the editor", study);
  return -1;
}

/* Selects study @study's row and gives its reference through the form:
 * covid_item 0 unknown, 1 yes, 2 no; severity < 0 unset; category_item 0
 * unset, 1 CT-0 ... 5 CT-4. */
static void
edit_reference (CtTeachingEditor *editor, int study, guint covid_item, double severity, guint category_item)
{
  GtkWidget *root = GTK_WIDGET (editor);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (find_named_or_fail (root, "teaching-point")));

  gtk_list_box_select_row (GTK_LIST_BOX (find_named_or_fail (root, "studies")),
                           GTK_LIST_BOX_ROW (editor_row (editor, editor_row_of (editor, study))));
  settle ();
  gtk_drop_down_set_selected (GTK_DROP_DOWN (find_named_or_fail (root, "covid")), covid_item);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_named_or_fail (root, "severity")), severity);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (find_named_or_fail (root, "category")), category_item);
  gtk_text_buffer_set_text (buffer, teaching_points[study] != NULL ? teaching_points[study] : "", -1);
  settle ();
}

static void
choose (CtTeachingEditor *editor, int study, gboolean chosen)
{
  GtkWidget *check = find_named_or_fail (editor_row (editor, editor_row_of (editor, study)), "chosen");

  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), chosen);
  settle ();
}

static char *
read_file (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* The teacher's part: the session prepared, locked and saved through the
 * editor's widgets. */
static void
prepare_session (void)
{
  CtTeachingEditor *editor = ct_teaching_editor_new (NULL, G_LIST_MODEL (fx.work_list));
  GtkWidget *root = GTK_WIDGET (editor);
  const char *add[] = { fx.studies[3], NULL };
  g_autofree char *outside = g_build_filename (fx.tmp, "elsewhere", "session.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *text = NULL;
  gboolean added = FALSE;
  CtTeachingDraft *draft;
  JsonObject *root_object;
  JsonArray *cases;

  gtk_window_present (GTK_WINDOW (editor));
  wait_drawn (root);
  draft = ct_teaching_editor_get_draft (editor);
  /* The work list's three studies offered, none chosen; the fourth as
   * "Add Folder…" adds it: chosen. */
  g_assert_cmpuint (draft->studies->len, ==, 3);
  g_assert_cmpuint (ct_teaching_draft_get_n_chosen (draft), ==, 0);
  ct_teaching_editor_add_paths (editor, add, on_added, &added);
  wait_flag (&added);
  draft = ct_teaching_editor_get_draft (editor);
  g_assert_cmpuint (draft->studies->len, ==, 4);
  g_assert_true (gtk_check_button_get_active (
      GTK_CHECK_BUTTON (find_named_or_fail (editor_row (editor, editor_row_of (editor, 3)), "chosen"))));
  /* Three of four: 1 and 3 ticked, 2 left out. */
  choose (editor, 0, TRUE);
  choose (editor, 2, TRUE);
  g_assert_cmpuint (ct_teaching_draft_get_n_chosen (draft), ==, 3);

  /* Study 1 is a "phantom": its reference is prefilled from truth.json. */
  gtk_list_box_select_row (GTK_LIST_BOX (find_named_or_fail (root, "studies")),
                           GTK_LIST_BOX_ROW (editor_row (editor, editor_row_of (editor, 0))));
  settle ();
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (find_named_or_fail (root, "covid"))), ==, 1);
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (GTK_SPIN_BUTTON (find_named_or_fail (root, "severity"))),
                                  62.5, 1e-9);
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (find_named_or_fail (root, "category"))), ==, 4);
  edit_reference (editor, 0, 1, 40, 3); /* yes, 40 %, CT-2 */
  edit_reference (editor, 2, 2, 0, 1);  /* no, 0 %, CT-0 */
  edit_reference (editor, 3, 1, -1, 2); /* yes, severity unset, CT-1 */
  {
    GtkWidget *severity = find_named_or_fail (root, "severity");
    CtTeachingDraftStudy *s4 = g_ptr_array_index (draft->studies, editor_row_of (editor, 3));

    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (severity)), ==, "unset");
    g_assert_true (isnan (s4->ref_severity));
    /* Typed: a decimal comma is taken, an empty text is unset again. */
    gtk_editable_set_text (GTK_EDITABLE (severity), "12,5");
    gtk_spin_button_update (GTK_SPIN_BUTTON (severity));
    g_assert_cmpfloat_with_epsilon (s4->ref_severity, 12.5, 1e-9);
    gtk_editable_set_text (GTK_EDITABLE (severity), "");
    gtk_spin_button_update (GTK_SPIN_BUTTON (severity));
    g_assert_true (isnan (s4->ref_severity));
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (severity)), ==, "unset");
  }

  gtk_editable_set_text (GTK_EDITABLE (find_named_or_fail (root, "title")), "Week 5 chest CT");
  /* Nothing asked is refused; then all three. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find_named_or_fail (root, "ask-covid")), FALSE);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find_named_or_fail (root, "ask-severity")), FALSE);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find_named_or_fail (root, "ask-category")), FALSE);
  g_assert_cmpint (draft->ask, ==, 0);
  g_assert_false (ct_teaching_editor_save_to (editor, fx.session_file, &error));
  g_assert_error (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_NO_ASK);
  g_clear_error (&error);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find_named_or_fail (root, "ask-covid")), TRUE);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find_named_or_fail (root, "ask-severity")), TRUE);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find_named_or_fail (root, "ask-category")), TRUE);
  g_assert_cmpint (draft->ask, ==, CT_TEACHING_ASK_ALL);
  /* The lock's passphrase twice: differing is refused. */
  gtk_editable_set_text (GTK_EDITABLE (find_named_or_fail (root, "passphrase")), "teacher-pass");
  gtk_editable_set_text (GTK_EDITABLE (find_named_or_fail (root, "passphrase-again")), "teacher-pas");
  g_assert_false (ct_teaching_editor_save_to (editor, fx.session_file, &error));
  g_assert_error (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_PASSPHRASE);
  g_clear_error (&error);
  gtk_editable_set_text (GTK_EDITABLE (find_named_or_fail (root, "passphrase-again")), "teacher-pass");
  /* Outside the studies' folder: refused, nothing written. */
  g_assert_false (ct_teaching_editor_save_to (editor, outside, &error));
  g_assert_error (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_OUTSIDE);
  g_clear_error (&error);
  g_assert_false (g_file_test (outside, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (fx.session_file, G_FILE_TEST_EXISTS));
  /* The editor as the teacher sees it, with study 1 selected. */
  gtk_list_box_select_row (GTK_LIST_BOX (find_named_or_fail (root, "studies")),
                           GTK_LIST_BOX_ROW (editor_row (editor, editor_row_of (editor, 0))));
  render_and_count_tinted (root, "teaching-editor.png");

  g_assert_true (ct_teaching_editor_save_to (editor, fx.session_file, &error));
  g_assert_no_error (error);
  /* Locked: shown read-only from now on. */
  g_assert_true (ct_teaching_editor_get_read_only (editor));
  gtk_window_destroy (GTK_WINDOW (editor));
  settle ();

  /* The file: documented, relative paths, three cases, locked, no
   * passphrase and no patient identity in it. */
  text = read_file (fx.session_file);
  assert_no_identity (text);
  g_assert_null (strstr (text, "teacher-pass"));
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  root_object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root_object, "format"), ==, CT_TEACHING_SESSION_FORMAT);
  g_assert_cmpstr (json_object_get_string_member (root_object, "title"), ==, "Week 5 chest CT");
  g_assert_true (json_object_get_boolean_member (root_object, "locked"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root_object, "ask")), ==, 3);
  cases = json_object_get_array_member (root_object, "cases");
  g_assert_cmpuint (json_array_get_length (cases), ==, 3);
  {
    const char *paths[] = { "s1", "s3", "s4" };
    const int studies[] = { 0, 2, 3 };

    for (guint i = 0; i < 3; i++)
      {
        JsonObject *c = json_array_get_object_element (cases, i);
        JsonObject *ref = json_object_get_object_member (c, "reference");

        g_assert_cmpstr (json_object_get_string_member (c, "path"), ==, paths[i]);
        g_assert_cmpstr (json_object_get_string_member (ref, "teaching_point"), ==, teaching_points[studies[i]]);
      }
    g_assert_cmpfloat_with_epsilon (
        json_object_get_double_member (
            json_object_get_object_member (json_array_get_object_element (cases, 0), "reference"), "severity_percent"),
        40, 1e-9);
    g_assert_cmpstr (
        json_object_get_string_member (
            json_object_get_object_member (json_array_get_object_element (cases, 1), "reference"), "category"),
        ==, "CT-0");
    g_assert_false (json_object_has_member (
        json_object_get_object_member (json_array_get_object_element (cases, 2), "reference"), "severity_percent"));
  }
}

/* The locked session opened in the editor: read-only, says so, refuses. */
static void
test_locked_in_editor (void)
{
  CtTeachingEditor *editor = ct_teaching_editor_new (NULL, G_LIST_MODEL (fx.work_list));
  GtkWidget *root = GTK_WIDGET (editor);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr (GError) error = NULL;
  CtTeachingDraft *draft;

  if (fx.session_file == NULL || !g_file_test (fx.session_file, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the whole-session test wrote no session");
      gtk_window_destroy (GTK_WINDOW (editor));
      return;
    }
  before = read_file (fx.session_file);
  gtk_window_present (GTK_WINDOW (editor));
  wait_drawn (root);
  g_assert_true (ct_teaching_editor_open (editor, fx.session_file, &error));
  g_assert_no_error (error);
  settle ();
  g_assert_true (ct_teaching_editor_get_read_only (editor));
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (find_named_or_fail (root, "locked-message"))));
  g_assert_nonnull (
      strstr (gtk_label_get_text (GTK_LABEL (find_named_or_fail (root, "locked-message"))), "locked by the teacher"));
  g_assert_false (gtk_widget_is_sensitive (find_named_or_fail (root, "title")));
  g_assert_false (gtk_widget_is_sensitive (find_named_or_fail (root, "covid")));
  g_assert_false (gtk_widget_is_sensitive (find_named_or_fail (editor_row (editor, 0), "chosen")));
  g_assert_false (gtk_text_view_get_editable (GTK_TEXT_VIEW (find_named_or_fail (root, "teaching-point"))));
  /* Edits that reach the widgets anyway change nothing. */
  draft = ct_teaching_editor_get_draft (editor);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find_named_or_fail (editor_row (editor, 0), "chosen")), FALSE);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (find_named_or_fail (root, "covid")), 2);
  gtk_editable_set_text (GTK_EDITABLE (find_named_or_fail (root, "title")), "Changed");
  settle ();
  g_assert_true (((CtTeachingDraftStudy *) g_ptr_array_index (draft->studies, 0))->chosen);
  g_assert_cmpint (((CtTeachingDraftStudy *) g_ptr_array_index (draft->studies, 0))->ref_covid, ==, 1);
  g_assert_cmpstr (draft->title, ==, "Week 5 chest CT");
  g_assert_false (ct_teaching_editor_save_to (editor, fx.session_file, &error));
  g_assert_error (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_READ_ONLY);
  g_clear_error (&error);
  after = read_file (fx.session_file);
  g_assert_cmpstr (before, ==, after);

  /* The teacher's passphrase unlocks it; a wrong one does not. */
  gtk_editable_set_text (GTK_EDITABLE (find_named_or_fail (root, "unlock-passphrase")), "teacher-pas");
  g_signal_emit_by_name (gtk_widget_get_first_child (find_named_or_fail (root, "unlock-passphrase")), "activate");
  settle ();
  g_assert_true (ct_teaching_editor_get_read_only (editor));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (find_named_or_fail (root, "status"))), "Wrong passphrase"));
  gtk_editable_set_text (GTK_EDITABLE (find_named_or_fail (root, "unlock-passphrase")), "teacher-pass");
  g_signal_emit_by_name (gtk_widget_get_first_child (find_named_or_fail (root, "unlock-passphrase")), "activate");
  settle ();
  g_assert_false (ct_teaching_editor_get_read_only (editor));
  g_assert_true (gtk_widget_is_sensitive (find_named_or_fail (root, "title")));
  /* Edited and saved elsewhere in the room, unlocked: the kept cases keep
   * their ids, the study ticked now gets the next one. */
  {
    g_autofree char *edited = g_build_filename (fx.room, "edited.json", NULL);
    g_autoptr (CtTeachingSession) reread = NULL;

    choose (editor, 1, TRUE);
    g_assert_true (ct_teaching_editor_save_to (editor, edited, &error));
    g_assert_no_error (error);
    g_assert_false (ct_teaching_editor_get_read_only (editor));
    reread = ct_teaching_session_load (edited, &error);
    g_assert_no_error (error);
    g_assert_false (ct_teaching_session_get_locked (reread));
    g_assert_cmpuint (ct_teaching_session_get_n_cases (reread), ==, 4);
    for (guint i = 0; i < 4; i++)
      {
        const CtTeachingCase *c = ct_teaching_session_get_case (reread, i);
        const char *expected[] = { "case-01", "case-02", "case-03" };

        if (strcmp (c->path, fx.studies[1]) == 0)
          g_assert_cmpstr (c->id, ==, "case-04");
        else
          g_assert_cmpstr (c->id, ==, expected[i]);
      }
  }
  g_clear_pointer (&after, g_free);
  after = read_file (fx.session_file);
  g_assert_cmpstr (before, ==, after);
  gtk_window_destroy (GTK_WINDOW (editor));
  settle ();
}

/* The resident's part, on the session the teacher saved. */
static void
take_quiz (void)
{
  g_autofree char *title = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  GtkWidget *entry;

  fx.session = ct_teaching_session_load (fx.session_file, &error);
  g_assert_no_error (error);
  g_assert_true (ct_teaching_session_get_locked (fx.session));
  fx.csv = ct_teaching_window_default_results_path (fx.session_file);
  fx.window = ct_teaching_window_new (NULL, fx.queue, fx.session, fx.csv);
  ct_teaching_window_set_seed (fx.window, 3);
  gtk_window_present (GTK_WINDOW (fx.window));
  wait_drawn (GTK_WIDGET (fx.window));
  entry = test_gui_find_widget (GTK_WIDGET (fx.window), GTK_TYPE_ENTRY);

  /* The name page: keys do nothing there; an empty name does not start. */
  g_assert_false (press_key (GDK_KEY_n));
  g_assert_false (ct_teaching_window_start (fx.window, "  "));
  gtk_editable_set_text (GTK_EDITABLE (entry), "Dr Resident");
  g_signal_emit_by_name (entry, "activate");
  settle ();
  g_assert_cmpint (ct_teaching_window_get_position (fx.window), ==, 0);
  title = g_strdup (gtk_window_get_title (GTK_WINDOW (fx.window)));
  g_assert_nonnull (strstr (title, "Case 1 of 3"));
  g_assert_nonnull (ct_teaching_window_get_study (fx.window));

  answer_and_check (TRUE, 30, 3, "teaching-before-commit.png", "teaching-after-commit.png"); /* CT-2 */
  /* N, then P back to the revealed first case, then N again. */
  g_assert_true (press_key (GDK_KEY_n));
  g_assert_cmpint (ct_teaching_window_get_position (fx.window), ==, 1);
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (fx.window)), "Case 2 of 3"));
  g_assert_true (press_key (GDK_KEY_p));
  g_assert_cmpint (ct_teaching_window_get_position (fx.window), ==, 0);
  text = visible_text ();
  g_assert_nonnull (strstr (text, "AI:"));
  g_clear_pointer (&text, g_free);
  g_assert_true (press_key (GDK_KEY_N));
  /* The second case is not answered: N after the last one stays. */
  answer_and_check (FALSE, 0, 1, NULL, NULL); /* CT-0 */
  g_assert_true (press_key (GDK_KEY_n));
  g_assert_cmpint (ct_teaching_window_get_position (fx.window), ==, 2);
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (fx.window)), "Case 3 of 3"));
  answer_and_check (TRUE, 10, 2, NULL, NULL); /* CT-1 */
  g_assert_true (press_key (GDK_KEY_n));
  g_assert_cmpint (ct_teaching_window_get_position (fx.window), ==, -1);
  text = visible_text ();
  assert_no_identity (text);
  g_assert_nonnull (strstr (text, "Resident Dr Resident: 3 cases"));
  g_assert_nonnull (strstr (text, "Severity mean absolute error"));
  g_assert_true (gtk_widget_get_mapped (test_gui_find_widget (GTK_WIDGET (fx.window), GTK_TYPE_DRAWING_AREA)));
  render_and_count_tinted (GTK_WIDGET (fx.window), "teaching-summary.png");

  /* The fixture networks give an answer for these chests: the hiding was
   * tested with something to hide. */
  g_assert_cmpint (fx.n_assessable, >=, 1);
  rows = ct_teaching_csv_read (fx.csv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);
  for (guint i = 0; i < rows->len; i++)
    {
      const CtTeachingAnswer *a = g_ptr_array_index (rows, i);
      g_assert_cmpstr (a->resident, ==, "Dr Resident");
      g_assert_cmpstr (a->session, ==, "Week 5 chest CT");
      g_assert_cmpfloat (a->seconds, >, 0.0);
      if (a->position == 1)
        {
          g_assert_cmpint (a->covid, ==, 1);
          g_assert_cmpfloat_with_epsilon (a->severity, 30, 1e-9);
          g_assert_cmpint (a->category, ==, 2);
        }
      else if (a->position == 2)
        g_assert_cmpint (a->covid, ==, 0);
      else
        g_assert_cmpint (a->category, ==, 1);
    }
  {
    g_autofree char *csv_text = read_file (fx.csv);
    g_autofree char *pdf = g_build_filename (fx.tmp, "summary.pdf", NULL);
    g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
    g_autofree char *pdf_bytes = NULL;

    assert_no_identity (csv_text);
    g_assert_true (ct_teaching_window_save_pdf (fx.window, pdf, &error));
    g_assert_no_error (error);
    pdf_bytes = read_file (pdf);
    g_assert_true (g_str_has_prefix (pdf_bytes, "%PDF"));
    if (pdftotext != NULL)
      {
        const char *argv[] = { pdftotext, pdf, "-", NULL };
        g_autofree char *pdf_text = NULL;
        int status = 0;

        g_assert_true (
            g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &pdf_text, NULL, &status, &error));
        g_assert_no_error (error);
        g_assert_true (g_spawn_check_wait_status (status, NULL));
        g_assert_nonnull (strstr (pdf_text, "Dr Resident"));
        assert_no_identity (pdf_text);
      }
    else
      g_test_message ("pdftotext not found: the PDF's text not searched for patient identity");
  }
}

static void
test_whole_session (void)
{
  prepare_session ();
  take_quiz ();
}

static void
skip_without_display (void)
{
  g_test_skip ("no display: run under xvfb-run");
}

static void
write_study (const char *dir, guint index)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (96, 80, 12, patient_ids[index]);
  g_autoptr (GError) error = NULL;

  g_free (v->patient_name);
  v->patient_name = g_strdup (patient_names[index]);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (ct_dicom_write_series (v, dir, NULL, &error));
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  g_autoptr (CtAnalyzer) analyzer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = NULL;
  const char *work_list[N_STUDIES];
  int status;

  g_setenv ("GTK_A11Y", "none", TRUE);
  test_gui_use_cairo_renderer ();
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_add_func ("/teaching-gui/needs-display", skip_without_display);
      return g_test_run ();
    }
  gtk_init ();

  fx.tmp = g_dir_make_tmp ("ct-teaching-gui-XXXXXX", NULL);
  fx.models = test_util_link_fixture_models (fx.tmp);
  if (fx.models == NULL)
    {
      g_test_add_func ("/teaching-gui/needs-fixtures", skip_without_display);
      return g_test_run ();
    }
  /* The teaching room: four studies, the session file beside them. */
  fx.room = g_build_filename (fx.tmp, "room", NULL);
  for (guint i = 0; i < N_STUDIES; i++)
    {
      g_autofree char *name = g_strdup_printf ("s%u", i + 1);

      fx.studies[i] = g_build_filename (fx.room, name, NULL);
      write_study (fx.studies[i], i);
      work_list[i] = fx.studies[i];
    }
  {
    g_autofree char *truth = g_build_filename (fx.studies[0], "truth.json", NULL);
    g_assert_true (g_file_set_contents (truth, "{\"class\": \"covid\", \"severity_percent\": 62.5}", -1, NULL));
  }
  fx.session_file = g_build_filename (fx.room, "session.json", NULL);
  /* The work list holds the first three; the fourth is added in the editor. */
  work_list[3] = NULL;
  fx.work_list = ct_study_library_new ();
  found = ct_study_library_add_paths (fx.work_list, work_list, 1, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 3);

  analyzer = ct_analyzer_new (fx.models);
  ct_analyzer_set_cache (analyzer, FALSE, NULL);
  g_assert_true (ct_analyzer_load_models (analyzer, &error));
  fx.queue = ct_job_queue_new (analyzer);

  g_test_add_func ("/teaching-gui/whole-session", test_whole_session);
  g_test_add_func ("/teaching-gui/locked-in-editor", test_locked_in_editor);
  status = g_test_run ();
  if (fx.window != NULL)
    gtk_window_destroy (GTK_WINDOW (fx.window));
  settle ();
  g_clear_object (&fx.session);
  g_clear_object (&fx.work_list);
  test_util_remove_tree (fx.tmp);
  return status;
}
