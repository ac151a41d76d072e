/* SPDX-License-Identifier: MIT */
/* The teaching window under a display (Xvfb): a two-case quiz over DICOM
 * studies with distinctive patient names. The analysis is let finish in
 * the background first; then, before the commit, no label, button, entry
 * or the window title holds the AI's probability, an "AI:" line, a CT
 * category (outside the answer's own drop-down) or the teaching point, and
 * the overlay is off; after the commit (Enter) they are shown. The patient
 * name and ID never appear. N and P move; the summary comes after the last
 * case and the answers land in the results CSV. */
#include "test-gui-util.h"
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "ct-dicom-writer.h"
#include "ct-slice-view.h"
#include "ct-teaching-answer.h"
#include "ct-teaching-window.h"
#include "test-util.h"

#define PATIENT_NAME "Quuxworth^Zebediah"
#define PATIENT_ID "PID-77341"

static struct
{
  char *tmp;
  char *models;
  CtJobQueue *queue;
  CtTeachingSession *session;
  CtTeachingWindow *window;
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
  g_assert_null (strstr (text, "Quuxworth"));
  g_assert_null (strstr (text, "Zebediah"));
  g_assert_null (strstr (text, PATIENT_ID));
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
  if (probability != NULL)
    {
      fx.n_assessable++;
      g_assert_null (strstr (before, probability));
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
  g_assert_true (ct_slice_view_get_show_overlays (CT_SLICE_VIEW (view)));
  /* The fixture networks find lesions in these chests: the overlay hidden
   * before was there to hide. */
  g_assert_cmpint (render_and_count_tinted (view, NULL), >, 0);
  if (shot_after != NULL)
    render_and_count_tinted (GTK_WIDGET (fx.window), shot_after);
}

static void
test_quiz (void)
{
  g_autofree char *title = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  GtkWidget *entry = test_gui_find_widget (GTK_WIDGET (fx.window), GTK_TYPE_ENTRY);
  int first_case;

  /* The name page: keys do nothing there; an empty name does not start. */
  g_assert_false (press_key (GDK_KEY_n));
  g_assert_false (ct_teaching_window_start (fx.window, "  "));
  gtk_editable_set_text (GTK_EDITABLE (entry), "Dr Resident");
  g_signal_emit_by_name (entry, "activate");
  settle ();
  g_assert_cmpint (ct_teaching_window_get_position (fx.window), ==, 0);
  title = g_strdup (gtk_window_get_title (GTK_WINDOW (fx.window)));
  g_assert_nonnull (strstr (title, "Case 1 of 2"));
  first_case = ct_teaching_window_get_study (fx.window) != NULL;
  g_assert_true (first_case);

  answer_and_check (TRUE, 30, 3, "teaching-before-commit.png", "teaching-after-commit.png"); /* CT-2 */
  /* N, then P back to the revealed first case, then N again. */
  g_assert_true (press_key (GDK_KEY_n));
  g_assert_cmpint (ct_teaching_window_get_position (fx.window), ==, 1);
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (fx.window)), "Case 2 of 2"));
  g_assert_true (press_key (GDK_KEY_p));
  g_assert_cmpint (ct_teaching_window_get_position (fx.window), ==, 0);
  text = visible_text ();
  g_assert_nonnull (strstr (text, "AI:"));
  g_clear_pointer (&text, g_free);
  g_assert_true (press_key (GDK_KEY_N));
  /* The second case is not answered: N stays. */
  answer_and_check (FALSE, 0, 1, NULL, NULL); /* CT-0 */
  g_assert_true (press_key (GDK_KEY_n));
  g_assert_cmpint (ct_teaching_window_get_position (fx.window), ==, -1);
  text = visible_text ();
  assert_no_identity (text);
  g_assert_nonnull (strstr (text, "Resident Dr Resident: 2 cases"));
  g_assert_nonnull (strstr (text, "Severity mean absolute error"));
  render_and_count_tinted (GTK_WIDGET (fx.window), "teaching-summary.png");

  /* The fixture networks give an answer for these chests: the hiding was
   * tested with something to hide. */
  g_assert_cmpint (fx.n_assessable, >=, 1);
  rows = ct_teaching_csv_read (fx.csv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  for (guint i = 0; i < rows->len; i++)
    {
      const CtTeachingAnswer *a = g_ptr_array_index (rows, i);
      g_assert_cmpstr (a->resident, ==, "Dr Resident");
      g_assert_cmpfloat (a->seconds, >, 0.0);
      if (a->position == 1)
        {
          g_assert_cmpint (a->covid, ==, 1);
          g_assert_cmpfloat_with_epsilon (a->severity, 30, 1e-9);
          g_assert_cmpint (a->category, ==, 2);
        }
      else
        g_assert_cmpint (a->covid, ==, 0);
    }
  {
    g_autofree char *csv_text = NULL;
    g_autofree char *pdf = g_build_filename (fx.tmp, "summary.pdf", NULL);

    g_assert_true (g_file_get_contents (fx.csv, &csv_text, NULL, NULL));
    assert_no_identity (csv_text);
    g_assert_true (ct_teaching_window_save_pdf (fx.window, pdf, &error));
    g_assert_no_error (error);
  }
}

static void
skip_without_display (void)
{
  g_test_skip ("no display: run under xvfb-run");
}

static void
write_study (const char *dir)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (96, 80, 12, PATIENT_ID);
  g_autoptr (GError) error = NULL;

  g_free (v->patient_name);
  v->patient_name = g_strdup (PATIENT_NAME);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (ct_dicom_write_series (v, dir, NULL, &error));
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  g_autoptr (CtAnalyzer) analyzer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  int status;

  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
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
  a = g_build_filename (fx.tmp, "s1", NULL);
  b = g_build_filename (fx.tmp, "s2", NULL);
  write_study (a);
  write_study (b);
  fx.session = ct_teaching_session_new ("Week 1");
  ct_teaching_session_add_case (fx.session, a, NULL, NULL);
  ct_teaching_session_add_case (fx.session, b, NULL, NULL);
  ct_teaching_session_set_reference (fx.session, 0, 1, 35, 2, "Look at the periphery", NULL);
  ct_teaching_session_set_reference (fx.session, 1, 0, 0, 0, NULL, NULL);
  fx.csv = g_build_filename (fx.tmp, "session.results.csv", NULL);

  analyzer = ct_analyzer_new (fx.models);
  ct_analyzer_set_cache (analyzer, FALSE, NULL);
  g_assert_true (ct_analyzer_load_models (analyzer, &error));
  fx.queue = ct_job_queue_new (analyzer);
  fx.window = ct_teaching_window_new (NULL, fx.queue, fx.session, fx.csv);
  ct_teaching_window_set_seed (fx.window, 3);
  gtk_window_present (GTK_WINDOW (fx.window));
  /* Mapped and sized: on a loaded machine that takes a while. */
  {
    gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

    while ((!gtk_widget_get_mapped (GTK_WIDGET (fx.window)) || gtk_widget_get_width (GTK_WIDGET (fx.window)) <= 0) &&
           g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
  }
  settle ();

  g_test_add_func ("/teaching-gui/quiz", test_quiz);
  status = g_test_run ();
  gtk_window_destroy (GTK_WINDOW (fx.window));
  settle ();
  test_util_remove_tree (fx.tmp);
  return status;
}
