/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "ct-results-panel.h"

struct _CtResultsPanel
{
  GtkWidget parent_instance;

  CtStudy *item;
  gulong item_handler;

  GtkWidget *scrolled;
  GtkLabel *title_label;
  GtkLabel *status_label;
  GtkWidget *numbers_grid;
  GtkLabel *probability_label;
  GtkLabel *severity_label;
  GtkLabel *severity_total_label;
  GtkLabel *severity_sides_label;
  GtkLabel *category_badge;
  GtkLabel *lung_volume_label;
  GtkLabel *lesion_volume_label;
  GtkLabel *timing_label;
  GtkLabel *quality_label;
  GtkLabel *model_label;
  GtkLabel *disclaimer_label;
};

G_DEFINE_FINAL_TYPE (CtResultsPanel, ct_results_panel, GTK_TYPE_WIDGET)

static void set_label_printf (GtkLabel *label, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
set_label_printf (GtkLabel *label, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  gtk_label_set_text (label, text);
}

/* The model is the one that produced the result shown: the analysis names
 * it, so a result from the cache or from other weights is never labelled
 * with the weights loaded now. */
static void
ct_results_panel_update_model (CtResultsPanel *self, const CtAnalysis *analysis)
{
  const CtModelIdentity *model = analysis != NULL ? &analysis->multitask_model : NULL;
  g_autofree char *text = NULL;

  if (model == NULL || model->name == NULL)
    text = g_strdup (_ ("Model: named with each result"));
  else
    text = g_strdup_printf (_ ("Model: %s (SHA-256 %.12s…)\nTrained on: %s"), model->name,
                            model->sha256 != NULL ? model->sha256 : "?",
                            model->training_data != NULL ? model->training_data : _ ("not stated in the model file"));
  gtk_label_set_text (self->model_label, text);
}

static void
ct_results_panel_update (CtResultsPanel *self)
{
  CtStudy *item = self->item;
  const CtAnalysis *analysis = item != NULL ? ct_study_get_analysis (item) : NULL;
  CtVolume *volume = item != NULL ? ct_study_get_volume (item) : NULL;
  static const char *const badge_classes[] = { "ct-0", "ct-1", "ct-2", "ct-3", "ct-4", "not-assessable" };
  g_autoptr (GString) notes = g_string_new (NULL);

  ct_results_panel_update_model (self, analysis);
  if (item == NULL)
    {
      gtk_label_set_text (self->title_label, _ ("No study selected"));
      gtk_label_set_text (self->status_label, "");
      gtk_widget_set_visible (self->numbers_grid, FALSE);
      gtk_label_set_text (self->quality_label, "");
      return;
    }

  {
    g_autofree char *basename = g_path_get_basename (ct_study_get_path (item));

    gtk_label_set_text (self->title_label,
                        ct_study_get_description (item) != NULL ? ct_study_get_description (item) : basename);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label), ct_study_get_path (item));
  }
  switch (ct_study_get_status (item))
    {
    case CT_STUDY_STATUS_QUEUED:
      gtk_label_set_text (self->status_label, _ ("Waiting for analysis"));
      break;
    case CT_STUDY_STATUS_LOADING:
      gtk_label_set_text (self->status_label, _ ("Loading…"));
      break;
    case CT_STUDY_STATUS_ANALYSING:
      set_label_printf (self->status_label, _ ("Analysing: %.0f %%"), 100.0 * ct_study_get_progress (item));
      break;
    case CT_STUDY_STATUS_DONE:
      gtk_label_set_text (self->status_label, "");
      break;
    case CT_STUDY_STATUS_FAILED:
      set_label_printf (self->status_label, _ ("The analysis failed: %s"),
                        ct_study_get_error (item) != NULL ? ct_study_get_error (item) : "");
      break;
    case CT_STUDY_STATUS_CANCELLED:
      gtk_label_set_text (self->status_label, _ ("The analysis was cancelled"));
      break;
    default:
      break;
    }

  gtk_widget_set_visible (self->numbers_grid, analysis != NULL);
  if (analysis != NULL && !ct_analysis_is_assessable (analysis))
    {
      /* No grades without grounds: the notes below say why. */
      gtk_label_set_text (self->status_label,
                          _ ("Not assessable: no COVID-19 probability, severity or CT category for this study."));
      gtk_label_set_text (self->probability_label, "—");
      gtk_label_set_text (self->severity_label, "—");
      gtk_label_set_text (self->severity_total_label, "—");
      gtk_label_set_text (self->severity_sides_label, "—");
      gtk_label_set_text (self->category_badge, _ ("not assessable"));
      for (guint i = 0; i < G_N_ELEMENTS (badge_classes); i++)
        gtk_widget_remove_css_class (GTK_WIDGET (self->category_badge), badge_classes[i]);
      gtk_widget_add_css_class (GTK_WIDGET (self->category_badge), "not-assessable");
    }
  else if (analysis != NULL)
    {
      if (analysis->has_probability)
        set_label_printf (self->probability_label, "%.1f %%", 100.0 * analysis->covid_probability);
      else
        gtk_label_set_text (self->probability_label, analysis->probability_note != NULL ? analysis->probability_note
                                                                                        : C_ ("probability", "n/a"));
      set_label_printf (self->severity_label, "%.1f %%", analysis->severity_percent);
      set_label_printf (self->severity_total_label, "%.1f %%", analysis->severity_total_percent);
      set_label_printf (self->severity_sides_label, "%.1f %% / %.1f %%", analysis->severity_right_percent,
                        analysis->severity_left_percent);
      gtk_label_set_text (self->category_badge, _ (ct_category_to_string (analysis->category)));
      for (guint i = 0; i < G_N_ELEMENTS (badge_classes); i++)
        gtk_widget_remove_css_class (GTK_WIDGET (self->category_badge), badge_classes[i]);
      if ((guint) analysis->category < G_N_ELEMENTS (badge_classes))
        gtk_widget_add_css_class (GTK_WIDGET (self->category_badge), badge_classes[analysis->category]);
    }
  if (analysis != NULL)
    {
      set_label_printf (self->lung_volume_label, "%.0f ml", analysis->lung_volume_ml);
      set_label_printf (self->lesion_volume_label, "%.1f ml", analysis->lesion_volume_ml);
      set_label_printf (self->timing_label, "%.1f s", analysis->timing_total_ms / 1000.0);

      for (guint i = 0; analysis->quality_notes != NULL && i < analysis->quality_notes->len; i++)
        g_string_append_printf (notes, "⚠ %s\n", (const char *) g_ptr_array_index (analysis->quality_notes, i));
    }
  for (guint i = 0; volume != NULL && volume->warnings != NULL && i < volume->warnings->len; i++)
    g_string_append_printf (notes, "⚠ %s\n", (const char *) g_ptr_array_index (volume->warnings, i));
  if (notes->len == 0 && analysis != NULL)
    g_string_append (notes, _ ("No input-quality flags."));
  while (notes->len > 0 && notes->str[notes->len - 1] == '\n')
    g_string_truncate (notes, notes->len - 1);
  gtk_label_set_text (self->quality_label, notes->str);
}

static void
on_item_notify (CtStudy *item, GParamSpec *pspec, CtResultsPanel *self)
{
  ct_results_panel_update (self);
}

static void
ct_results_panel_dispose (GObject *object)
{
  CtResultsPanel *self = CT_RESULTS_PANEL (object);

  ct_results_panel_set_study (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CT_TYPE_RESULTS_PANEL);

  G_OBJECT_CLASS (ct_results_panel_parent_class)->dispose (object);
}

static void
ct_results_panel_class_init (CtResultsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ct_results_panel_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/cttriage/CtTriage/ct-results-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, scrolled);
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, title_label);
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, numbers_grid);
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, probability_label);
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, severity_label);
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, severity_total_label);
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, severity_sides_label);
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, category_badge);
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, lung_volume_label);
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, lesion_volume_label);
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, timing_label);
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, quality_label);
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, model_label);
  gtk_widget_class_bind_template_child (widget_class, CtResultsPanel, disclaimer_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "ctresultspanel");
}

static void
ct_results_panel_init (CtResultsPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_label_set_text (self->disclaimer_label,
                      _ ("CT Triage is not a certified medical device and must not be used for "
                         "diagnosis or treatment. Its COVID-19 probability comes from a classifier "
                         "trained on synthetic phantom studies only and never measured on real "
                         "patients; every number can be wrong."));
  ct_results_panel_update (self);
  ct_results_panel_update_model (self, NULL);
}

GtkWidget *
ct_results_panel_new (void)
{
  return g_object_new (CT_TYPE_RESULTS_PANEL, NULL);
}

void
ct_results_panel_set_study (CtResultsPanel *self, CtStudy *item)
{
  g_return_if_fail (CT_IS_RESULTS_PANEL (self));
  g_return_if_fail (item == NULL || CT_IS_STUDY (item));

  if (self->item == item)
    return;
  if (self->item != NULL)
    {
      g_clear_signal_handler (&self->item_handler, self->item);
      g_clear_object (&self->item);
    }
  if (item != NULL)
    {
      self->item = g_object_ref (item);
      self->item_handler = g_signal_connect (item, "notify", G_CALLBACK (on_item_notify), self);
    }
  ct_results_panel_update (self);
}
