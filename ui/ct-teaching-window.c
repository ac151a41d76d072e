/* SPDX-License-Identifier: MIT */
/* ct-teaching-window.c: the resident's quiz (ct-teaching-window.h). */
#include "config.h"

#include "ct-teaching-window.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "ct-analysis.h"
#include "ct-slice-view.h"
#include "ct-teaching-answer.h"
#include "ct-teaching-editor.h"
#include "ct-teaching-report.h"
#include "ct-teaching-score.h"
#include "ct-teaching-summary.h"

typedef struct
{
  guint case_index; /* into the session */
  CtStudy *study;
  CtTeachingAnswer *answer;
  gboolean committed;
  double seconds;
} Item;

struct _CtTeachingWindow
{
  GtkApplicationWindow parent_instance;

  CtJobQueue *queue;
  CtTeachingSession *session;
  char *results_csv;
  guint32 seed;
  gboolean seed_set;
  char *resident;

  GArray *items; /* Item, in the order shown */
  int position;  /* -1: name or summary page */
  gint64 shown_since;

  GtkWidget *stack;
  GtkWidget *name_entry;
  GtkWidget *start_button;
  GtkWidget *case_title;
  GtkWidget *view;
  GtkWidget *covid_yes, *covid_no, *covid_box;
  GtkWidget *confidence, *confidence_box;
  GtkWidget *severity, *severity_box;
  GtkWidget *category, *category_box;
  GtkWidget *commit_button;
  GtkWidget *hint;
  GtkWidget *reveal;
  GtkWidget *summary_label;
  GtkWidget *plot;
  GtkWidget *summary_status;
  GtkWidget *save_button;
  GPtrArray *all_answers; /* of the CSV after appending, or ours */
  CtTeachingScore *score; /* ours, for the plot */
};

G_DEFINE_FINAL_TYPE (CtTeachingWindow, ct_teaching_window, GTK_TYPE_APPLICATION_WINDOW)

static void show_case (CtTeachingWindow *self, int position);
static void on_study_changed (CtStudy *study, GParamSpec *pspec, CtTeachingWindow *self);
static void message (GtkWindow *parent, GtkMessageType type, const char *text);

static Item *
item_at (CtTeachingWindow *self, int position)
{
  return position >= 0 && (guint) position < self->items->len ? &g_array_index (self->items, Item, position) : NULL;
}

static void
clear_item (gpointer data)
{
  Item *item = data;

  if (item->study != NULL)
    g_signal_handlers_disconnect_matched (item->study, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, (gpointer) on_study_changed,
                                          NULL);
  g_clear_object (&item->study);
  g_clear_pointer (&item->answer, ct_teaching_answer_free);
}

char *
ct_teaching_window_default_results_path (const char *session_file)
{
  g_autofree char *base = g_str_has_suffix (session_file, ".json")
                              ? g_strndup (session_file, strlen (session_file) - strlen (".json"))
                              : g_strdup (session_file);

  return g_strconcat (base, ".results.csv", NULL);
}

void
ct_teaching_window_set_seed (CtTeachingWindow *self, guint32 seed)
{
  g_return_if_fail (CT_IS_TEACHING_WINDOW (self));
  self->seed = seed;
  self->seed_set = TRUE;
}

/* The AI's answer, from the study's analysis, into @a. */
static void
take_ai (Item *item)
{
  CtTeachingAnswer *a = item->answer;

  if (ct_study_get_assessable (item->study))
    {
      a->ai_probability = ct_study_get_probability (item->study);
      a->ai_severity = ct_study_get_severity (item->study);
      a->ai_category = (int) ct_category_from_severity (a->ai_severity);
    }
}

static void
stop_clock (CtTeachingWindow *self)
{
  Item *item = item_at (self, self->position);

  if (item != NULL && !item->committed && self->shown_since > 0)
    item->seconds += (g_get_monotonic_time () - self->shown_since) / (double) G_USEC_PER_SEC;
  self->shown_since = 0;
}

static char *
yes_no (int value)
{
  return g_strdup (value < 0 ? "—" : value ? _ ("yes") : _ ("no"));
}

static char *
percent (double value)
{
  return isfinite (value) ? g_strdup_printf (_ ("%.0f %%"), value) : g_strdup ("—");
}

static const char *
category_name (int value)
{
  return value >= 0 ? ct_category_to_string ((CtCategory) value) : "—";
}

static char *
difference (double mine, double other)
{
  if (!isfinite (mine) || !isfinite (other))
    return g_strdup ("");
  /* TRANSLATORS: the resident's severity minus another's, in percent points. */
  return g_strdup_printf (_ (" (your estimate %+.0f points)"), mine - other);
}

/* What the reveal shows; only called for a committed case. */
static void
update_reveal (CtTeachingWindow *self)
{
  Item *item = item_at (self, self->position);
  const CtTeachingCase *c;
  CtTeachingAnswer *a;
  GString *text;
  g_autofree char *mine_covid = NULL, *mine_conf = NULL, *mine_sev = NULL;
  g_autofree char *ref_covid = NULL, *ref_sev = NULL, *ref_diff = NULL;

  if (item == NULL || !item->committed)
    {
      gtk_label_set_text (GTK_LABEL (self->reveal), "");
      gtk_widget_set_visible (self->reveal, FALSE);
      return;
    }
  c = ct_teaching_session_get_case (self->session, item->case_index);
  a = item->answer;
  take_ai (item);
  text = g_string_new (NULL);
  mine_covid = yes_no (a->covid);
  mine_conf = percent (a->confidence);
  mine_sev = percent (a->severity);
  g_string_append_printf (text, _ ("You: COVID-19 %s (confidence %s), severity %s, %s\n"), mine_covid, mine_conf,
                          mine_sev, category_name (a->category));
  ref_covid = yes_no (a->ref_covid);
  ref_sev = percent (a->ref_severity);
  ref_diff = difference (a->severity, a->ref_severity);
  if (a->ref_covid >= 0 || isfinite (a->ref_severity) || a->ref_category >= 0)
    g_string_append_printf (text, _ ("Reference: COVID-19 %s, severity %s%s, %s\n"), ref_covid, ref_sev, ref_diff,
                            category_name (a->ref_category));
  else
    g_string_append_printf (text, "%s\n", _ ("Reference: none given for this case"));
  if (ct_study_get_assessable (item->study))
    {
      g_autofree char *ai_sev = percent (a->ai_severity);
      g_autofree char *ai_diff = difference (a->severity, a->ai_severity);
      g_autofree char *ai_call = yes_no (ct_teaching_answer_ai_covid (a));

      g_string_append_printf (text, _ ("AI: COVID-19 probability %.2f (%s), severity %s%s, %s\n"), a->ai_probability,
                              ai_call, ai_sev, ai_diff, category_name (a->ai_category));
    }
  else if (ct_study_is_finished (item->study))
    g_string_append_printf (text, _ ("AI: no answer for this study (%s)\n"),
                            ct_study_get_error (item->study) != NULL ? ct_study_get_error (item->study)
                                                                     : _ ("not assessable"));
  else
    g_string_append_printf (text, "%s\n", _ ("AI: still analysing…"));
  if (c->teaching_point != NULL)
    g_string_append_printf (text, _ ("Teaching point: %s"), c->teaching_point);
  gtk_label_set_text (GTK_LABEL (self->reveal), text->str);
  gtk_widget_set_visible (self->reveal, TRUE);
  g_string_free (text, TRUE);
}

static void
on_study_changed (CtStudy *study, GParamSpec *pspec, CtTeachingWindow *self)
{
  Item *item = item_at (self, self->position);

  if (item != NULL && item->study == study && item->committed)
    update_reveal (self);
}

static void
update_form (CtTeachingWindow *self)
{
  Item *item = item_at (self, self->position);
  CtTeachingAsk ask = ct_teaching_session_get_ask (self->session);
  gboolean open = item != NULL && !item->committed;

  gtk_widget_set_visible (self->covid_box, (ask & CT_TEACHING_ASK_COVID) != 0);
  gtk_widget_set_visible (self->confidence_box, (ask & CT_TEACHING_ASK_COVID) != 0);
  gtk_widget_set_visible (self->severity_box, (ask & CT_TEACHING_ASK_SEVERITY) != 0);
  gtk_widget_set_visible (self->category_box, (ask & CT_TEACHING_ASK_CATEGORY) != 0);
  for (GtkWidget *w = gtk_widget_get_first_child (gtk_widget_get_parent (self->covid_box)); w != NULL;
       w = gtk_widget_get_next_sibling (w))
    gtk_widget_set_sensitive (w, open);
  gtk_widget_set_sensitive (self->commit_button, open);
  if (item == NULL)
    return;
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->covid_yes), item->answer->covid == 1);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->covid_no), item->answer->covid == 0);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->confidence),
                             isfinite (item->answer->confidence) ? item->answer->confidence : 50);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->severity),
                             isfinite (item->answer->severity) ? item->answer->severity : 0);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->category),
                              item->answer->category >= 0 ? (guint) item->answer->category + 1 : 0);
}

static void
show_case (CtTeachingWindow *self, int position)
{
  Item *item;
  g_autofree char *title = NULL;
  g_autofree char *window_title = NULL;

  stop_clock (self);
  self->position = position;
  item = item_at (self, position);
  g_return_if_fail (item != NULL);
  title = g_strdup_printf (_ ("Case %d of %u"), position + 1, self->items->len);
  /* TRANSLATORS: window title: the session's title, then "Case 2 of 5". */
  window_title = g_strdup_printf (_ ("Teaching: %s — %s"), ct_teaching_session_get_title (self->session), title);
  gtk_label_set_text (GTK_LABEL (self->case_title), title);
  gtk_window_set_title (GTK_WINDOW (self), window_title);
  ct_slice_view_set_study (CT_SLICE_VIEW (self->view), item->study);
  /* The AI's overlay only after the commit. */
  ct_slice_view_set_show_overlays (CT_SLICE_VIEW (self->view), item->committed);
  ct_job_queue_preview (self->queue, item->study);
  update_form (self);
  update_reveal (self);
  gtk_label_set_text (GTK_LABEL (self->hint), item->committed ? _ ("N: next case, P: previous case")
                                                              : _ ("Enter: commit your answer, N: next, P: previous"));
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "case");
  if (!item->committed)
    self->shown_since = g_get_monotonic_time ();
  gtk_widget_grab_focus (self->view);
}

gboolean
ct_teaching_window_start (CtTeachingWindow *self, const char *resident)
{
  g_autofree char *name = g_strstrip (g_strdup (resident != NULL ? resident : ""));
  g_autoptr (GArray) order = NULL;

  g_return_val_if_fail (CT_IS_TEACHING_WINDOW (self), FALSE);
  if (*name == '\0' || self->items->len > 0 || ct_teaching_session_get_n_cases (self->session) == 0)
    return FALSE;
  self->resident = g_steal_pointer (&name);
  order = ct_teaching_session_shuffle (self->session, self->seed_set ? self->seed : g_random_int ());
  for (guint i = 0; i < order->len; i++)
    {
      guint index = g_array_index (order, guint, i);
      const CtTeachingCase *c = ct_teaching_session_get_case (self->session, index);
      Item item = { .case_index = index };

      item.study = ct_study_new (c->path, c->series_uid);
      item.answer = ct_teaching_answer_new ();
      item.answer->session = g_strdup (ct_teaching_session_get_title (self->session));
      item.answer->resident = g_strdup (self->resident);
      item.answer->case_id = g_strdup (c->id);
      item.answer->position = (int) i + 1;
      item.answer->ref_covid = c->ref_covid;
      item.answer->ref_severity = c->ref_severity;
      item.answer->ref_category = c->ref_category;
      g_signal_connect (item.study, "notify::status", G_CALLBACK (on_study_changed), self);
      g_array_append_val (self->items, item);
      /* Analysed in the background while the resident looks. */
      ct_job_queue_add (self->queue, item.study);
    }
  show_case (self, 0);
  return TRUE;
}

gboolean
ct_teaching_window_commit (CtTeachingWindow *self)
{
  Item *item = item_at (self, self->position);
  CtTeachingAsk ask = ct_teaching_session_get_ask (self->session);
  CtTeachingAnswer *a;
  gboolean yes, no;
  guint category;

  g_return_val_if_fail (CT_IS_TEACHING_WINDOW (self), FALSE);
  if (item == NULL || item->committed)
    return FALSE;
  /* Enter is taken before the spin buttons see it: their typed text first. */
  gtk_spin_button_update (GTK_SPIN_BUTTON (self->confidence));
  gtk_spin_button_update (GTK_SPIN_BUTTON (self->severity));
  yes = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->covid_yes));
  no = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->covid_no));
  category = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->category));
  if (((ask & CT_TEACHING_ASK_COVID) && !yes && !no) ||
      ((ask & CT_TEACHING_ASK_CATEGORY) && (category == 0 || category == GTK_INVALID_LIST_POSITION)))
    {
      gtk_label_set_text (GTK_LABEL (self->hint), _ ("Answer every question before committing"));
      return FALSE;
    }
  a = item->answer;
  if (ask & CT_TEACHING_ASK_COVID)
    {
      a->covid = yes ? 1 : 0;
      a->confidence = gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->confidence));
    }
  if (ask & CT_TEACHING_ASK_SEVERITY)
    a->severity = gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->severity));
  if (ask & CT_TEACHING_ASK_CATEGORY)
    a->category = (int) category - 1;
  stop_clock (self);
  item->committed = TRUE;
  a->seconds = item->seconds;
  show_case (self, self->position);
  return TRUE;
}

static void
draw_plot (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  CtTeachingWindow *self = user_data;
  CtBlandAltmanPlot plot = { 0 };

  if (self->score == NULL)
    return;
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  plot.title = _ ("Your severity against the reference (Bland-Altman)");
  plot.a = (const double *) self->score->severity->data;
  plot.b = (const double *) self->score->ref_severity->data;
  plot.n = (int) self->score->severity->len;
  plot.bias = self->score->severity_vs_ref.bias;
  plot.lower = self->score->severity_vs_ref.lower;
  plot.upper = self->score->severity_vs_ref.upper;
  plot.x_label = _ ("mean of the two, %");
  plot.y_label = _ ("difference, %");
  ct_teaching_summary_draw_bland_altman (cr, 8, 8, width - 16, height - 16, &plot);
}

static void
finish (CtTeachingWindow *self)
{
  g_autoptr (GPtrArray) mine = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_teaching_answer_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *own_text = NULL;
  g_autofree char *all_text = NULL;
  g_autofree char *text = NULL;

  stop_clock (self);
  self->position = -1;
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = &g_array_index (self->items, Item, i);

      take_ai (item);
      g_ptr_array_add (mine, ct_teaching_answer_copy (item->answer));
    }
  g_clear_pointer (&self->all_answers, g_ptr_array_unref);
  if (self->results_csv != NULL)
    {
      if (!ct_teaching_csv_append (self->results_csv, mine, &error) ||
          (self->all_answers = ct_teaching_csv_read (self->results_csv, &error)) == NULL)
        gtk_label_set_text (GTK_LABEL (self->summary_status), error->message);
      else
        {
          g_autofree char *saved = g_strdup_printf (_ ("Answers added to %s"), self->results_csv);
          gtk_label_set_text (GTK_LABEL (self->summary_status), saved);
        }
    }
  if (self->all_answers == NULL)
    self->all_answers = g_ptr_array_ref (mine);
  g_clear_pointer (&self->score, ct_teaching_score_free);
  self->score = ct_teaching_score_new (mine, self->resident);
  own_text = ct_teaching_summary_text (mine);
  all_text = ct_teaching_summary_text (self->all_answers);
  text = g_strdup_printf ("%s\n\n%s\n%s", own_text, _ ("Every resident of this session so far:"), all_text);
  gtk_label_set_text (GTK_LABEL (self->summary_label), text);
  gtk_window_set_title (GTK_WINDOW (self), _ ("Teaching: summary"));
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "summary");
  gtk_widget_queue_draw (self->plot);
  gtk_widget_grab_focus (self->save_button);
}

gboolean
ct_teaching_window_next (CtTeachingWindow *self)
{
  Item *item = item_at (self, self->position);
  gboolean all = TRUE;

  g_return_val_if_fail (CT_IS_TEACHING_WINDOW (self), FALSE);
  if (item == NULL)
    return FALSE;
  if ((guint) self->position + 1 < self->items->len)
    {
      show_case (self, self->position + 1);
      return TRUE;
    }
  for (guint i = 0; i < self->items->len; i++)
    all = all && g_array_index (self->items, Item, i).committed;
  if (!all)
    {
      gtk_label_set_text (GTK_LABEL (self->hint), _ ("Some cases are not answered yet: P goes back"));
      return FALSE;
    }
  finish (self);
  return TRUE;
}

gboolean
ct_teaching_window_previous (CtTeachingWindow *self)
{
  g_return_val_if_fail (CT_IS_TEACHING_WINDOW (self), FALSE);
  if (self->position <= 0)
    return FALSE;
  show_case (self, self->position - 1);
  return TRUE;
}

int
ct_teaching_window_get_position (CtTeachingWindow *self)
{
  g_return_val_if_fail (CT_IS_TEACHING_WINDOW (self), -1);
  return self->position;
}

CtStudy *
ct_teaching_window_get_study (CtTeachingWindow *self)
{
  Item *item;

  g_return_val_if_fail (CT_IS_TEACHING_WINDOW (self), NULL);
  item = item_at (self, self->position);
  return item != NULL ? item->study : NULL;
}

gboolean
ct_teaching_window_save_pdf (CtTeachingWindow *self, const char *file, GError **error)
{
  g_return_val_if_fail (CT_IS_TEACHING_WINDOW (self), FALSE);
  if (self->all_answers == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("The session is not finished yet"));
      return FALSE;
    }
  return ct_teaching_report_write_pdf (self->all_answers, file, error);
}

static gboolean
on_key (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state, CtTeachingWindow *self)
{
  if (self->position < 0 || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
      ct_teaching_window_commit (self);
      return TRUE;
    case GDK_KEY_n:
    case GDK_KEY_N:
      ct_teaching_window_next (self);
      return TRUE;
    case GDK_KEY_p:
    case GDK_KEY_P:
      ct_teaching_window_previous (self);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
on_start (CtTeachingWindow *self)
{
  if (!ct_teaching_window_start (self, gtk_editable_get_text (GTK_EDITABLE (self->name_entry))))
    gtk_widget_error_bell (self->name_entry);
}

static void
on_save_pdf_response (GtkNativeDialog *dialog, int response, CtTeachingWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;

      if (path != NULL && !ct_teaching_window_save_pdf (self, path, &error))
        gtk_label_set_text (GTK_LABEL (self->summary_status), error->message);
      else if (path != NULL)
        {
          g_autofree char *saved = g_strdup_printf (_ ("Summary saved as %s"), path);
          gtk_label_set_text (GTK_LABEL (self->summary_status), saved);
        }
    }
  g_object_unref (dialog);
}

static void
on_save_pdf (CtTeachingWindow *self)
{
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (_ ("Save the summary as PDF"), GTK_WINDOW (self),
                                                              GTK_FILE_CHOOSER_ACTION_SAVE, _ ("_Save"), _ ("_Cancel"));

  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "teaching-summary.pdf");
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_pdf_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static GtkWidget *
labelled (const char *text, GtkWidget *child)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new_with_mnemonic (text);

  gtk_label_set_mnemonic_widget (GTK_LABEL (label), child);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), child);
  return box;
}

static void
build (CtTeachingWindow *self)
{
  GtkWidget *name_page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *case_page = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *form = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *summary_page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *save = gtk_button_new_with_mnemonic (_ ("Save as _PDF…"));
  GtkWidget *heading = gtk_label_new (_ ("Teaching session"));
  GtkWidget *covid_buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  const char *categories[] = { "—", "CT-0", "CT-1", "CT-2", "CT-3", "CT-4", NULL };
  GtkEventController *keys = gtk_event_controller_key_new ();

  self->stack = gtk_stack_new ();
  gtk_window_set_child (GTK_WINDOW (self), self->stack);

  /* The name page. */
  gtk_widget_set_valign (name_page, GTK_ALIGN_CENTER);
  gtk_widget_set_halign (name_page, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (heading, "title-1");
  gtk_box_append (GTK_BOX (name_page), heading);
  gtk_box_append (GTK_BOX (name_page), gtk_label_new (ct_teaching_session_get_title (self->session)));
  self->name_entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->name_entry), _ ("Your name"));
  gtk_box_append (GTK_BOX (name_page), self->name_entry);
  self->start_button = gtk_button_new_with_mnemonic (_ ("_Start"));
  gtk_widget_add_css_class (self->start_button, "suggested-action");
  gtk_box_append (GTK_BOX (name_page), self->start_button);
  g_signal_connect_swapped (self->name_entry, "activate", G_CALLBACK (on_start), self);
  g_signal_connect_swapped (self->start_button, "clicked", G_CALLBACK (on_start), self);
  gtk_stack_add_named (GTK_STACK (self->stack), name_page, "name");

  /* The case page: the image, then the answer and the reveal. */
  self->view = ct_slice_view_new (CT_VIEW_AXIAL);
  gtk_widget_set_hexpand (self->view, TRUE);
  gtk_widget_set_vexpand (self->view, TRUE);
  gtk_widget_set_focusable (self->view, TRUE);
  gtk_box_append (GTK_BOX (case_page), self->view);
  gtk_widget_set_size_request (side, 360, -1);
  gtk_widget_set_margin_top (side, 12);
  gtk_widget_set_margin_end (side, 12);
  self->case_title = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->case_title, "title-2");
  gtk_box_append (GTK_BOX (side), self->case_title);

  self->covid_yes = gtk_toggle_button_new_with_mnemonic (_ ("_Yes"));
  self->covid_no = gtk_toggle_button_new_with_mnemonic (_ ("N_o"));
  gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (self->covid_no), GTK_TOGGLE_BUTTON (self->covid_yes));
  gtk_widget_add_css_class (covid_buttons, "linked");
  gtk_box_append (GTK_BOX (covid_buttons), self->covid_yes);
  gtk_box_append (GTK_BOX (covid_buttons), self->covid_no);
  self->covid_box = labelled (_ ("COVID-19?"), covid_buttons);
  self->confidence = gtk_spin_button_new_with_range (0, 100, 5);
  self->confidence_box = labelled (_ ("_Confidence, %"), self->confidence);
  self->severity = gtk_spin_button_new_with_range (0, 100, 1);
  /* xgettext:no-c-format */
  self->severity_box = labelled (_ ("_Severity, % of the more-affected lung"), self->severity);
  self->category = gtk_drop_down_new_from_strings (categories);
  self->category_box = labelled (_ ("CT c_ategory"), self->category);
  gtk_box_append (GTK_BOX (form), self->covid_box);
  gtk_box_append (GTK_BOX (form), self->confidence_box);
  gtk_box_append (GTK_BOX (form), self->severity_box);
  gtk_box_append (GTK_BOX (form), self->category_box);
  gtk_box_append (GTK_BOX (side), form);
  self->commit_button = gtk_button_new_with_mnemonic (_ ("_Commit answer"));
  gtk_widget_add_css_class (self->commit_button, "suggested-action");
  g_signal_connect_swapped (self->commit_button, "clicked", G_CALLBACK (ct_teaching_window_commit), self);
  gtk_box_append (GTK_BOX (side), self->commit_button);
  self->hint = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->hint), TRUE);
  gtk_widget_add_css_class (self->hint, "dim-label");
  gtk_box_append (GTK_BOX (side), self->hint);
  self->reveal = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->reveal), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->reveal), 0);
  gtk_label_set_selectable (GTK_LABEL (self->reveal), TRUE);
  gtk_widget_set_visible (self->reveal, FALSE);
  gtk_box_append (GTK_BOX (side), self->reveal);
  gtk_box_append (GTK_BOX (case_page), side);
  gtk_stack_add_named (GTK_STACK (self->stack), case_page, "case");

  /* The summary page. */
  self->summary_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->summary_label), 0);
  gtk_widget_add_css_class (self->summary_label, "monospace");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), self->summary_label);
  gtk_widget_set_vexpand (scroller, TRUE);
  self->plot = gtk_drawing_area_new ();
  gtk_widget_set_size_request (self->plot, -1, 280);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->plot), draw_plot, self, NULL);
  self->summary_status = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->summary_status), TRUE);
  g_signal_connect_swapped (save, "clicked", G_CALLBACK (on_save_pdf), self);
  self->save_button = save;
  gtk_widget_set_margin_start (summary_page, 12);
  gtk_widget_set_margin_end (summary_page, 12);
  gtk_box_append (GTK_BOX (summary_page), scroller);
  gtk_box_append (GTK_BOX (summary_page), self->plot);
  gtk_box_append (GTK_BOX (summary_page), self->summary_status);
  gtk_box_append (GTK_BOX (summary_page), save);
  gtk_stack_add_named (GTK_STACK (self->stack), summary_page, "summary");

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

static void
ct_teaching_window_dispose (GObject *object)
{
  CtTeachingWindow *self = CT_TEACHING_WINDOW (object);

  /* The studies of a closed quiz are not worth finishing. */
  if (self->items != NULL && self->queue != NULL)
    for (guint i = 0; i < self->items->len; i++)
      ct_job_queue_cancel (self->queue, g_array_index (self->items, Item, i).study);
  g_clear_pointer (&self->items, g_array_unref);
  g_clear_object (&self->queue);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (ct_teaching_window_parent_class)->dispose (object);
}

static void
ct_teaching_window_finalize (GObject *object)
{
  CtTeachingWindow *self = CT_TEACHING_WINDOW (object);

  g_free (self->results_csv);
  g_free (self->resident);
  g_clear_pointer (&self->all_answers, g_ptr_array_unref);
  g_clear_pointer (&self->score, ct_teaching_score_free);
  G_OBJECT_CLASS (ct_teaching_window_parent_class)->finalize (object);
}

static void
ct_teaching_window_class_init (CtTeachingWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ct_teaching_window_dispose;
  G_OBJECT_CLASS (klass)->finalize = ct_teaching_window_finalize;
}

static void
ct_teaching_window_init (CtTeachingWindow *self)
{
  self->items = g_array_new (FALSE, TRUE, sizeof (Item));
  g_array_set_clear_func (self->items, clear_item);
  self->position = -1;
}

CtTeachingWindow *
ct_teaching_window_new (GtkApplication *application, CtJobQueue *queue, CtTeachingSession *session,
                        const char *results_csv)
{
  CtTeachingWindow *self = g_object_new (CT_TYPE_TEACHING_WINDOW, "application", application, NULL);

  self->queue = g_object_ref (queue);
  self->session = g_object_ref (session);
  self->results_csv = g_strdup (results_csv);
  build (self);
  gtk_window_set_title (GTK_WINDOW (self), _ ("Teaching session"));
  gtk_window_set_default_size (GTK_WINDOW (self), 1200, 800);
  return self;
}

typedef struct
{
  GtkApplication *application;
  CtJobQueue *queue;
  GtkWindow *parent;
} ChooseData;

static void
on_session_chosen (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  ChooseData *data = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (CtTeachingSession) session = path != NULL ? ct_teaching_session_load (path, &error) : NULL;

      if (session != NULL)
        {
          g_autofree char *csv = ct_teaching_window_default_results_path (path);
          gtk_window_present (GTK_WINDOW (ct_teaching_window_new (data->application, data->queue, session, csv)));
        }
      else if (error != NULL)
        message (data->parent, GTK_MESSAGE_ERROR, error->message);
    }
  g_object_unref (data->queue);
  g_free (data);
  g_object_unref (dialog);
}

void
ct_teaching_window_choose_session (GtkApplication *application, CtJobQueue *queue, GtkWindow *parent)
{
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (_ ("Open a teaching session"), parent,
                                                              GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Open"), _ ("_Cancel"));
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  ChooseData *data = g_new0 (ChooseData, 1);

  gtk_file_filter_set_name (filter, _ ("Teaching sessions (JSON)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  data->application = application;
  data->queue = g_object_ref (queue);
  data->parent = parent;
  g_signal_connect (dialog, "response", G_CALLBACK (on_session_chosen), data);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
message (GtkWindow *parent, GtkMessageType type, const char *text)
{
  GtkWidget *alert = gtk_message_dialog_new (parent, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT, type,
                                             GTK_BUTTONS_CLOSE, "%s", text);

  g_signal_connect (alert, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (alert));
}

void
ct_teaching_window_prepare_session (GtkWindow *parent, GListModel *studies)
{
  gtk_window_present (GTK_WINDOW (ct_teaching_editor_new (parent, studies)));
}
