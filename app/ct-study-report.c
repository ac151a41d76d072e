/* SPDX-License-Identifier: MIT */
#include "ct-study-report.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

static const struct
{
  int flag;
  const char *name;
} quality_names[] = {
  { CT_QUALITY_NOT_CHEST, "not_chest" },
  { CT_QUALITY_LUNGS_CUT_TOP, "lungs_cut_top" },
  { CT_QUALITY_LUNGS_CUT_BOTTOM, "lungs_cut_bottom" },
  { CT_QUALITY_THICK_SLICES, "thick_slices" },
  { CT_QUALITY_NOISY, "noisy" },
  { CT_QUALITY_NOT_HU, "not_hu" },
  { CT_QUALITY_NOT_AXIAL, "not_axial" },
  { CT_QUALITY_TOO_SMALL, "too_small" },
};

GStrv
ct_study_report_quality_names (int flags)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (quality_names); i++)
    if (flags & quality_names[i].flag)
      g_strv_builder_add (builder, quality_names[i].name);
  return g_strv_builder_end (builder);
}

/* ---- Ranking ------------------------------------------------------------ */

void
ct_study_report_rank (GPtrArray *studies, CtStudySortKey key)
{
  ct_study_sort_by_priority (studies, key);
}

/* ---- JSON --------------------------------------------------------------- */

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_double (JsonBuilder *b, const char *name, gboolean present, double value)
{
  json_builder_set_member_name (b, name);
  if (present && isfinite (value))
    json_builder_add_double_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_strings (JsonBuilder *b, const char *name, GPtrArray *values)
{
  if (name != NULL)
    json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; values != NULL && i < values->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (values, i));
  json_builder_end_array (b);
}

/* What the JSON and the CSV read of one study. */
typedef struct
{
  const CtAnalysis *analysis; /* may be NULL */
  gboolean graded;            /* an assessable analysis: grades are given */
  gboolean loaded;
  const double *spacing;
  gboolean cached;
  double load_ms, cache_ms;
  double total_ms; /* load, then the analysis (or the cache lookup instead) */
  GPtrArray *warnings;
} StudyFacts;

static StudyFacts
study_facts (CtStudy *study)
{
  StudyFacts f = { 0 };

  f.analysis = ct_study_get_analysis (study);
  f.graded = f.analysis != NULL && ct_analysis_is_assessable (f.analysis);
  f.loaded = ct_study_get_loaded (study);
  f.spacing = ct_study_get_spacing (study);
  f.cached = f.analysis != NULL && ct_study_get_cached (study);
  f.load_ms = ct_study_get_load_ms (study);
  f.cache_ms = ct_study_get_cache_ms (study);
  f.total_ms = f.load_ms + (f.analysis == NULL ? 0 : f.cached ? f.cache_ms : f.analysis->timing_total_ms);
  f.warnings = ct_study_get_warnings (study);
  return f;
}

static void
add_result (JsonBuilder *b, CtStudy *r, int priority_rank)
{
  StudyFacts f = study_facts (r);
  const CtAnalysis *a = f.analysis;
  gboolean loaded = f.loaded;
  const double *spacing = f.spacing;

  json_builder_begin_object (b);
  add_string (b, "path", ct_study_get_path (r));
  add_string (b, "study_uid", ct_study_get_study_uid (r));
  add_string (b, "series_uid", ct_study_get_series_uid (r));
  add_string (b, "patient_id", ct_study_get_patient_id (r));
  add_string (b, "modality", ct_study_get_modality (r));
  json_builder_set_member_name (b, "slices");
  if (loaded)
    json_builder_add_int_value (b, ct_study_get_slices (r));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "rows");
  if (loaded)
    json_builder_add_int_value (b, ct_study_get_rows (r));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "columns");
  if (loaded)
    json_builder_add_int_value (b, ct_study_get_columns (r));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "spacing_mm");
  if (loaded)
    {
      json_builder_begin_array (b);
      /* JSON has no inf or nan (json-glib would print "inf.0"): null. */
      for (int i = 0; i < 3; i++)
        if (isfinite (spacing[i]))
          json_builder_add_double_value (b, spacing[i]);
        else
          json_builder_add_null_value (b);
      json_builder_end_array (b);
    }
  else
    json_builder_add_null_value (b);
  add_string (b, "status", ct_study_get_error (r) == NULL ? "ok" : "error");
  add_string (b, "error", ct_study_get_error (r));

  /* A study that is not assessable gets no grades (docs/architecture.md,
   * "Not assessable"); its volumes stay, to show what was found. */
  add_double (b, "covid_probability", f.graded && a->has_probability, a ? a->covid_probability : 0);
  add_double (b, "severity_percent", f.graded, a ? a->severity_percent : 0);
  add_double (b, "severity_total_percent", f.graded, a ? a->severity_total_percent : 0);
  add_string (b, "ct_category", f.graded ? ct_category_to_string (a->category) : NULL);
  add_double (b, "lung_volume_ml", a != NULL, a ? a->lung_volume_ml : 0);
  add_double (b, "lesion_volume_ml", a != NULL, a ? a->lesion_volume_ml : 0);
  json_builder_set_member_name (b, "priority_rank");
  json_builder_add_int_value (b, priority_rank);

  json_builder_set_member_name (b, "model");
  if (a != NULL && a->multitask_model.name != NULL)
    {
      json_builder_begin_object (b);
      add_string (b, "name", a->multitask_model.name);
      add_string (b, "sha256", a->multitask_model.sha256);
      add_string (b, "lungs_name", a->lungs_model.name);
      add_string (b, "lungs_sha256", a->lungs_model.sha256);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);

  json_builder_set_member_name (b, "timing_ms");
  json_builder_begin_object (b);
  add_double (b, "load", loaded, f.load_ms);
  add_double (b, "lungs", a != NULL, a ? a->timing_lungs_ms : 0);
  add_double (b, "lesions", a != NULL, a ? a->timing_lesions_ms : 0);
  /* The analysis that produced the numbers (for a cached result: the
   * original run); "cache" is this run's lookup instead of it. */
  add_double (b, "analysis", a != NULL, a ? a->timing_total_ms : 0);
  add_double (b, "cache", f.cached, f.cache_ms);
  add_double (b, "total", loaded, f.total_ms);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "cached");
  json_builder_add_boolean_value (b, f.cached);

  /* Extensions beyond docs/architecture.md's JSON list; never removed or renamed. */
  add_double (b, "severity_right_percent", f.graded, a ? a->severity_right_percent : 0);
  add_double (b, "severity_left_percent", f.graded, a ? a->severity_left_percent : 0);
  add_double (b, "triage_score", f.graded, a ? a->triage_score : 0);
  add_string (b, "probability_note", a != NULL ? a->probability_note : NULL);
  json_builder_set_member_name (b, "quality_flags");
  if (a != NULL)
    {
      g_auto (GStrv) names = ct_study_report_quality_names (a->quality);
      json_builder_begin_array (b);
      for (guint i = 0; names[i] != NULL; i++)
        json_builder_add_string_value (b, names[i]);
      json_builder_end_array (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "quality_notes");
  if (a != NULL)
    add_strings (b, NULL, a->quality_notes);
  else
    json_builder_add_null_value (b);
  add_string (b, "analysis_note", ct_study_get_analysis_note (r));
  add_string (b, "series_description", ct_study_get_description (r));
  add_strings (b, "warnings", f.warnings);
  add_string (b, "disclaimer", CT_DISCLAIMER);
  json_builder_set_member_name (b, "assessable");
  if (a != NULL)
    json_builder_add_boolean_value (b, f.graded);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "not_assessable_reasons");
  if (a != NULL)
    {
      g_auto (GStrv) reasons = ct_study_report_quality_names (a->quality & CT_QUALITY_NOT_ASSESSABLE);
      json_builder_begin_array (b);
      for (guint i = 0; reasons[i] != NULL; i++)
        json_builder_add_string_value (b, reasons[i]);
      json_builder_end_array (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
}

char *
ct_study_report_to_json (GPtrArray *results)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_array (b);
  for (guint i = 0; i < results->len; i++)
    add_result (b, g_ptr_array_index (results, i), (int) i + 1);
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

/* ---- CSV ---------------------------------------------------------------- */

static void
csv_field (GString *out, const char *value, gboolean last)
{
  if (value != NULL)
    {
      if (strpbrk (value, ",\"\n\r") != NULL)
        {
          g_string_append_c (out, '"');
          for (const char *p = value; *p != '\0'; p++)
            {
              if (*p == '"')
                g_string_append_c (out, '"');
              g_string_append_c (out, *p);
            }
          g_string_append_c (out, '"');
        }
      else
        g_string_append (out, value);
    }
  g_string_append (out, last ? "\n" : ",");
}

static char *
format_number (gboolean present, double value, const char *format)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!present || !isfinite (value))
    return NULL;
  return g_strdup (g_ascii_formatd (buf, sizeof buf, format, value));
}

char *
ct_study_report_to_csv (GPtrArray *results)
{
  GString *out = g_string_new (
      "priority_rank,path,study_uid,series_uid,patient_id,modality,slices,rows,columns,"
      "spacing_x_mm,spacing_y_mm,spacing_z_mm,status,error,covid_probability,severity_percent,"
      "severity_total_percent,severity_right_percent,severity_left_percent,ct_category,"
      "lung_volume_ml,lesion_volume_ml,triage_score,quality_flags,model,model_sha256,"
      "load_ms,lungs_ms,lesions_ms,total_ms,warnings,disclaimer,assessable,not_assessable_reasons\n");

  for (guint i = 0; i < results->len; i++)
    {
      CtStudy *r = g_ptr_array_index (results, i);
      StudyFacts f = study_facts (r);
      const CtAnalysis *a = f.analysis;
      gboolean loaded = f.loaded;
      const double *spacing = f.spacing;
      GPtrArray *warnings = f.warnings;
      g_autofree char *rank = g_strdup_printf ("%u", i + 1);
      g_autofree char *slices = loaded ? g_strdup_printf ("%d", ct_study_get_slices (r)) : NULL;
      g_autofree char *rows = loaded ? g_strdup_printf ("%d", ct_study_get_rows (r)) : NULL;
      g_autofree char *columns = loaded ? g_strdup_printf ("%d", ct_study_get_columns (r)) : NULL;
      g_autofree char *sx = format_number (loaded, spacing[0], "%.6g");
      g_autofree char *sy = format_number (loaded, spacing[1], "%.6g");
      g_autofree char *sz = format_number (loaded, spacing[2], "%.6g");
      g_autofree char *prob = format_number (f.graded && a->has_probability, a ? a->covid_probability : 0, "%.4f");
      g_autofree char *sev = format_number (f.graded, a ? a->severity_percent : 0, "%.2f");
      g_autofree char *sev_total = format_number (f.graded, a ? a->severity_total_percent : 0, "%.2f");
      g_autofree char *sev_right = format_number (f.graded, a ? a->severity_right_percent : 0, "%.2f");
      g_autofree char *sev_left = format_number (f.graded, a ? a->severity_left_percent : 0, "%.2f");
      g_autofree char *lung = format_number (a != NULL, a ? a->lung_volume_ml : 0, "%.1f");
      g_autofree char *lesion = format_number (a != NULL, a ? a->lesion_volume_ml : 0, "%.1f");
      g_autofree char *score = format_number (f.graded, a ? a->triage_score : 0, "%.4f");
      g_auto (GStrv) reasons = a ? ct_study_report_quality_names (a->quality & CT_QUALITY_NOT_ASSESSABLE) : NULL;
      g_autofree char *reason_text = reasons ? g_strjoinv (";", reasons) : NULL;
      g_auto (GStrv) flags = a ? ct_study_report_quality_names (a->quality) : NULL;
      g_autofree char *flag_text = flags ? g_strjoinv (";", flags) : NULL;
      g_autofree char *load = format_number (loaded, f.load_ms, "%.1f");
      g_autofree char *lungs_ms = format_number (a != NULL, a ? a->timing_lungs_ms : 0, "%.1f");
      g_autofree char *lesions_ms = format_number (a != NULL, a ? a->timing_lesions_ms : 0, "%.1f");
      g_autofree char *total = format_number (loaded, f.total_ms, "%.1f");
      g_autofree char *warning_text = NULL;

      g_ptr_array_add (warnings, NULL);
      warning_text = g_strjoinv ("; ", (char **) warnings->pdata);
      g_ptr_array_remove_index (warnings, warnings->len - 1);

      csv_field (out, rank, FALSE);
      csv_field (out, ct_study_get_path (r), FALSE);
      csv_field (out, ct_study_get_study_uid (r), FALSE);
      csv_field (out, ct_study_get_series_uid (r), FALSE);
      csv_field (out, ct_study_get_patient_id (r), FALSE);
      csv_field (out, ct_study_get_modality (r), FALSE);
      csv_field (out, slices, FALSE);
      csv_field (out, rows, FALSE);
      csv_field (out, columns, FALSE);
      csv_field (out, sx, FALSE);
      csv_field (out, sy, FALSE);
      csv_field (out, sz, FALSE);
      csv_field (out, ct_study_get_error (r) == NULL ? "ok" : "error", FALSE);
      csv_field (out, ct_study_get_error (r), FALSE);
      csv_field (out, prob, FALSE);
      csv_field (out, sev, FALSE);
      csv_field (out, sev_total, FALSE);
      csv_field (out, sev_right, FALSE);
      csv_field (out, sev_left, FALSE);
      csv_field (out, f.graded ? ct_category_to_string (a->category) : NULL, FALSE);
      csv_field (out, lung, FALSE);
      csv_field (out, lesion, FALSE);
      csv_field (out, score, FALSE);
      csv_field (out, flag_text, FALSE);
      csv_field (out, a ? a->multitask_model.name : NULL, FALSE);
      csv_field (out, a ? a->multitask_model.sha256 : NULL, FALSE);
      csv_field (out, load, FALSE);
      csv_field (out, lungs_ms, FALSE);
      csv_field (out, lesions_ms, FALSE);
      csv_field (out, total, FALSE);
      csv_field (out, warning_text, FALSE);
      csv_field (out, CT_DISCLAIMER, FALSE);
      csv_field (out, a != NULL ? (f.graded ? "true" : "false") : NULL, FALSE);
      csv_field (out, reason_text, TRUE);
    }
  return g_string_free (out, FALSE);
}

/* ---- Table -------------------------------------------------------------- */

char *
ct_study_report_to_table (GPtrArray *results)
{
  GString *out = g_string_new (NULL);
  gboolean any_note = FALSE;

  g_string_append_printf (out, "%-4s %-16s %-15s %-20s %-8s %-8s %-5s %s\n", "rank", "patient", "size", "spacing mm",
                          "COVID p", "severity", "CT", "study");
  for (guint i = 0; i < results->len; i++)
    {
      CtStudy *r = g_ptr_array_index (results, i);
      const CtAnalysis *a = ct_study_get_analysis (r);
      const double *spacing = ct_study_get_spacing (r);
      GPtrArray *warnings = ct_study_get_warnings (r);
      g_autofree char *size = ct_study_get_loaded (r) ? g_strdup_printf ("%dx%dx%d", ct_study_get_columns (r),
                                                                         ct_study_get_rows (r), ct_study_get_slices (r))
                                                      : g_strdup ("-");
      g_autofree char *spacing_text = ct_study_get_loaded (r)
                                          ? g_strdup_printf ("%.3g x %.3g x %.3g", spacing[0], spacing[1], spacing[2])
                                          : g_strdup ("-");
      gboolean graded = a != NULL && ct_analysis_is_assessable (a);
      g_autofree char *prob = graded && a->has_probability ? g_strdup_printf ("%.2f", a->covid_probability)
                                                           : g_strdup ("-");
      g_autofree char *sev = graded ? g_strdup_printf ("%.1f %%", a->severity_percent) : g_strdup ("-");

      g_string_append_printf (out, "%-4u %-16.16s %-15s %-20s %-8s %-8s %-5s %s\n", i + 1,
                              ct_study_get_patient_id (r) ? ct_study_get_patient_id (r) : "-", size, spacing_text, prob,
                              sev,
                              graded      ? ct_category_to_string (a->category)
                              : a != NULL ? "n/a"
                                          : "-",
                              ct_study_get_path (r) ? ct_study_get_path (r) : "-");
      if (ct_study_get_error (r) != NULL)
        g_string_append_printf (out, "     error: %s\n", ct_study_get_error (r));
      if (a != NULL && !graded)
        g_string_append (out, _ ("     not assessable: no probability, severity or CT category (see quality)\n"));
      for (guint w = 0; w < warnings->len; w++)
        g_string_append_printf (out, "     note: %s\n", (const char *) g_ptr_array_index (warnings, w));
      for (guint q = 0; a != NULL && a->quality_notes != NULL && q < a->quality_notes->len; q++)
        g_string_append_printf (out, "     quality: %s\n", (const char *) g_ptr_array_index (a->quality_notes, q));
      if (a != NULL && a->probability_note != NULL)
        g_string_append_printf (out, "     probability: %s\n", a->probability_note);
      if (ct_study_get_analysis_note (r) != NULL && ct_study_get_error (r) == NULL)
        any_note = TRUE;
    }
  if (any_note)
    {
      CtStudy *first = NULL;
      for (guint i = 0; i < results->len && first == NULL; i++)
        if (ct_study_get_analysis_note (g_ptr_array_index (results, i)) != NULL)
          first = g_ptr_array_index (results, i);
      g_string_append_printf (out, _ ("\nNot analysed: %s\n"), ct_study_get_analysis_note (first));
    }
  {
    guint n_cached = 0;
    for (guint i = 0; i < results->len; i++)
      n_cached += ct_study_get_cached (g_ptr_array_index (results, i)) ? 1 : 0;
    if (n_cached > 0)
      g_string_append_printf (out,
                              _ ("\n%u of %u from the results cache (the same files and weights analysed "
                                 "before; --no-cache analyses again)\n"),
                              n_cached, results->len);
  }
  g_string_append_printf (out, "\n%s\n", _ (CT_DISCLAIMER));
  return g_string_free (out, FALSE);
}
