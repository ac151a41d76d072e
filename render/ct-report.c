/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "ct-report.h"

#include <cairo-pdf.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>

#include "ct-category.h"
#include "ct-error.h"
#include "ct-slice-renderer.h"

#define PAGE_MARGIN_PT 40.0
#define PANEL_SIZE_PT 252.0
#define PNG_DPI 150.0
#define STATEMENT_BOX_TOP_PT (CT_REPORT_PAGE_HEIGHT_PT - PAGE_MARGIN_PT - 62.0)
/* The bands and the chart: 6 lines above the statement. */
/* Where the values of the results rows start, from the margin. */
#define VALUE_COLUMN_PT 130.0
#define BANDS_TOP_PT (STATEMENT_BOX_TOP_PT - 76.0)

static const CtAnalysis *
usable_analysis (const CtVolume *volume, const CtAnalysis *analysis)
{
  if (analysis == NULL)
    return NULL;
  if (analysis->nx != volume->nx || analysis->ny != volume->ny || analysis->nz != volume->nz)
    return NULL;
  return analysis;
}

/* The index along `axis` (0 = i, 1 = j, 2 = k) with the most nonzero mask
 * voxels, or -1 for an empty mask. */
static int
busiest_index_along (const CtVolume *volume, const guint8 *mask, int axis)
{
  const int dims[3] = { volume->nx, volume->ny, volume->nz };
  g_autofree guint64 *counts = g_new0 (guint64, dims[axis]);
  guint64 best_count = 0;
  int best = -1;
  gsize n = 0;

  for (int k = 0; k < volume->nz; k++)
    for (int j = 0; j < volume->ny; j++)
      for (int i = 0; i < volume->nx; i++, n++)
        if (mask[n])
          counts[axis == 0 ? i : axis == 1 ? j : k]++;
  for (int t = 0; t < dims[axis]; t++)
    if (counts[t] > best_count)
      {
        best_count = counts[t];
        best = t;
      }
  return best;
}

static int
key_slice (const CtVolume *volume, const CtAnalysis *analysis, CtViewPlane plane)
{
  CtSliceGeometry g;
  int index = -1;

  ct_slice_geometry_init (&g, volume, plane);
  if (analysis != NULL && analysis->lesion_mask != NULL)
    index = busiest_index_along (volume, analysis->lesion_mask, g.axis_slice);
  if (index < 0 && analysis != NULL && analysis->lung_mask != NULL)
    index = busiest_index_along (volume, analysis->lung_mask, g.axis_slice);
  if (index < 0)
    return g.n_slices / 2;
  return g.flip_slice ? g.n_slices - 1 - index : index;
}

void
ct_report_pick_key_slices (const CtVolume *volume, const CtAnalysis *analysis, int *out_axial_slice,
                           int *out_coronal_slice)
{
  g_return_if_fail (volume != NULL);

  analysis = usable_analysis (volume, analysis);
  if (out_axial_slice)
    *out_axial_slice = key_slice (volume, analysis, CT_VIEW_AXIAL);
  if (out_coronal_slice)
    *out_coronal_slice = key_slice (volume, analysis, CT_VIEW_CORONAL);
}

/* Toy-API text wrapped at word boundaries into max_width; returns the
 * baseline after the last line. */
static double
show_wrapped_text (cairo_t *cr, double x, double y, double max_width, double line_height, const char *text)
{
  g_auto (GStrv) words = g_strsplit (text, " ", -1);
  g_autoptr (GString) line = g_string_new (NULL);

  for (guint n = 0; words[n] != NULL; n++)
    {
      g_autofree char *candidate = line->len > 0 ? g_strconcat (line->str, " ", words[n], NULL) : g_strdup (words[n]);
      cairo_text_extents_t extents;

      cairo_text_extents (cr, candidate, &extents);
      if (extents.x_advance > max_width && line->len > 0)
        {
          cairo_move_to (cr, x, y);
          cairo_show_text (cr, line->str);
          y += line_height;
          g_string_assign (line, words[n]);
        }
      else
        g_string_assign (line, candidate);
    }
  if (line->len > 0)
    {
      cairo_move_to (cr, x, y);
      cairo_show_text (cr, line->str);
      y += line_height;
    }
  return y;
}

static void
set_font (cairo_t *cr, const char *family, gboolean bold, double size)
{
  cairo_select_font_face (cr, family, CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
}

static void
draw_panel (cairo_t *cr, const CtReportInfo *info, const CtAnalysis *analysis, CtViewPlane plane, int slice, double x,
            double y)
{
  g_autoptr (CtSliceRenderer) renderer = ct_slice_renderer_new ((CtVolume *) info->volume, plane);
  CtSliceLayout layout;
  char caption[96];

  /* The renderer lives only for this drawing: borrowing the masks is
   * enough (and the info's analysis need not be reference-counted). */
  if (analysis != NULL)
    ct_slice_renderer_set_masks (renderer, analysis->lung_mask, analysis->lesion_mask, analysis->nx, analysis->ny,
                                 analysis->nz);
  ct_slice_renderer_set_slice (renderer, slice);
  ct_slice_renderer_set_window_preset (renderer, CT_WINDOW_PRESET_LUNG);

  /* TRANSLATORS: "Axial, slice 12 of 40, lung window". */
  g_snprintf (caption, sizeof caption, _ ("%s, slice %d of %d, lung window"),
              plane == CT_VIEW_AXIAL     ? _ ("Axial")
              : plane == CT_VIEW_CORONAL ? _ ("Coronal")
                                         : _ ("Sagittal"),
              ct_slice_renderer_get_slice (renderer) + 1, ct_slice_renderer_get_n_slices (renderer));
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  set_font (cr, "sans-serif", FALSE, 9.0);
  cairo_move_to (cr, x, y - 4.0);
  cairo_show_text (cr, caption);

  cairo_save (cr);
  cairo_translate (cr, x, y);
  ct_slice_layout_fit (&layout, ct_slice_renderer_get_geometry (renderer), PANEL_SIZE_PT, PANEL_SIZE_PT, 1.0, 0.0, 0.0);
  ct_slice_renderer_draw (renderer, cr, PANEL_SIZE_PT, PANEL_SIZE_PT, &layout);
  cairo_restore (cr);
}

/* A row label in bold 9 pt, or smaller where it is wider than @width pt (a
 * translation, say) so that it never runs into its value. */
static void
show_label (cairo_t *cr, double x, double y, double width, const char *label)
{
  cairo_text_extents_t extents;

  set_font (cr, "sans-serif", TRUE, 9.0);
  cairo_text_extents (cr, label, &extents);
  if (extents.x_advance > width)
    set_font (cr, "sans-serif", TRUE, MAX (6.0, 9.0 * width / extents.x_advance));
  cairo_set_source_rgb (cr, 0.15, 0.15, 0.15);
  cairo_move_to (cr, x, y);
  cairo_show_text (cr, label);
}

static double
show_row (cairo_t *cr, double y, const char *label, const char *value)
{
  const double value_x = PAGE_MARGIN_PT + VALUE_COLUMN_PT;

  show_label (cr, PAGE_MARGIN_PT, y, VALUE_COLUMN_PT - 4.0, label);
  set_font (cr, "sans-serif", FALSE, 9.0);
  return show_wrapped_text (cr, value_x, y, CT_REPORT_PAGE_WIDTH_PT - PAGE_MARGIN_PT - value_x, 11.0, value) + 1.5;
}

static char *
format_study_date (const char *dicom_date)
{
  if (dicom_date != NULL && strlen (dicom_date) == 8)
    return g_strdup_printf ("%.4s-%.2s-%.2s", dicom_date, dicom_date + 4, dicom_date + 6);
  return g_strdup (dicom_date != NULL && *dicom_date ? dicom_date : _ ("unknown"));
}

char *
ct_report_format_person_name (const char *dicom_name)
{
  g_auto (GStrv) groups = NULL;
  g_auto (GStrv) parts = NULL;
  g_autoptr (GString) name = g_string_new (NULL);
  /* Reading order of the components: prefix, given, middle, family, suffix. */
  static const int order[] = { 3, 1, 2, 0, 4 };
  int n_parts;

  if (dicom_name == NULL || *dicom_name == '\0')
    return NULL;
  groups = g_strsplit (dicom_name, "=", 2);
  parts = g_strsplit (groups[0], "^", 5);
  n_parts = (int) g_strv_length (parts);
  for (guint n = 0; n < G_N_ELEMENTS (order); n++)
    {
      g_autofree char *part = order[n] < n_parts ? g_strstrip (g_strdup (parts[order[n]])) : NULL;

      if (part != NULL && *part != '\0')
        g_string_append_printf (name, "%s%s", name->len > 0 ? " " : "", part);
    }
  if (name->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&name), FALSE);
}

static const char *
or_not_recorded (const char *value)
{
  return value != NULL && *value != '\0' ? value : _ ("not recorded");
}

/* "045Y" -> "45 years", "006M" -> "6 months"; anything else as it is. */
static char *
format_age (const char *age)
{
  if (age != NULL && strlen (age) == 4 && g_ascii_isdigit (age[0]) && g_ascii_isdigit (age[1]) &&
      g_ascii_isdigit (age[2]))
    {
      /* Whole plural messages: Russian needs the number to pick its form. */
      int value = atoi (age);

      switch (g_ascii_toupper (age[3]))
        {
        case 'Y':
          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d year", "%d years", value), value);
        case 'M':
          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d month", "%d months", value), value);
        case 'W':
          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d week", "%d weeks", value), value);
        case 'D':
          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d day", "%d days", value), value);
        default:
          break;
        }
    }
  return g_strdup (or_not_recorded (age));
}

static const char *
format_sex (const char *sex)
{
  if (g_strcmp0 (sex, "F") == 0)
    return _ ("female");
  if (g_strcmp0 (sex, "M") == 0)
    return _ ("male");
  if (g_strcmp0 (sex, "O") == 0)
    return _ ("other");
  return or_not_recorded (sex);
}

static void add_row (GPtrArray *rows, const char *label, const char *format, ...) G_GNUC_PRINTF (3, 4);

char **
ct_report_dup_patient_rows (const CtReportInfo *info)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  const CtVolume *v;
  g_autofree char *name = NULL;
  g_autofree char *age = NULL;
  g_autofree char *date = NULL;

  g_return_val_if_fail (info != NULL && info->volume != NULL, NULL);

  v = info->volume;
  name = ct_report_format_person_name (v->patient_name);
  age = format_age (info->patient_age);
  date = format_study_date (v->study_date);
  add_row (rows, _ ("Patient"), "%s", name != NULL ? name : _ ("anonymised"));
  add_row (rows, _ ("Patient ID"), "%s", or_not_recorded (v->patient_id));
  add_row (rows, _ ("Accession number"), "%s", or_not_recorded (info->accession_number));
  /* TRANSLATORS: the patient's age and sex, "45 years, female". */
  add_row (rows, _ ("Age, sex"), _ ("%s, %s"), age, format_sex (info->patient_sex));
  add_row (rows, _ ("Study date"), "%s", date);
  add_row (rows, _ ("Series"), "%s", v->series_description && *v->series_description ? v->series_description : "-");
  add_row (rows, _ ("Status"), "%s", _ (CT_REPORT_REVIEW_STATUS));
  g_ptr_array_add (rows, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&rows), FALSE);
}

static char *
describe_quality (const CtAnalysis *analysis)
{
  static const struct
  {
    CtQualityFlags flag;
    const char *text;
  } flags[] = {
    { CT_QUALITY_NOT_CHEST, N_ ("too little lung for a chest CT") },
    { CT_QUALITY_LUNGS_CUT_TOP, N_ ("lungs cut at the top") },
    { CT_QUALITY_LUNGS_CUT_BOTTOM, N_ ("lungs cut at the bottom") },
    { CT_QUALITY_THICK_SLICES, N_ ("slices thicker than 5 mm") },
    { CT_QUALITY_NOISY, N_ ("unusually noisy") },
    { CT_QUALITY_NOT_HU, N_ ("values do not look like Hounsfield units") },
    { CT_QUALITY_NOT_AXIAL, N_ ("not axial slices") },
    { CT_QUALITY_TOO_SMALL, N_ ("too small for the classifier") },
  };
  g_autoptr (GString) text = g_string_new (NULL);

  if (analysis->quality_notes != NULL && analysis->quality_notes->len > 0)
    {
      for (guint n = 0; n < analysis->quality_notes->len; n++)
        g_string_append_printf (text, "%s%s", n > 0 ? "; " : "",
                                (const char *) g_ptr_array_index (analysis->quality_notes, n));
    }
  else
    {
      for (guint n = 0; n < G_N_ELEMENTS (flags); n++)
        if (analysis->quality & flags[n].flag)
          g_string_append_printf (text, "%s%s", text->len > 0 ? "; " : "", _ (flags[n].text));
    }
  if (text->len == 0)
    g_string_assign (text, _ ("no flags"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
add_row (GPtrArray *rows, const char *label, const char *format, ...)
{
  g_autofree char *value = NULL;
  va_list args;

  va_start (args, format);
  value = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (rows, g_strconcat (label, "\t", value, NULL));
}

char **
ct_report_dup_result_rows (const CtReportInfo *info)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  const CtAnalysis *a;

  g_return_val_if_fail (info != NULL, NULL);

  a = info->analysis;
  if (a == NULL)
    add_row (rows, _ ("Analysis"), _ ("not analysed"));
  else
    {
      g_autofree char *quality = describe_quality (a);

      if (!ct_analysis_is_assessable (a))
        {
          /* No grades without grounds (docs/architecture.md, "Not
           * assessable"): the reasons are in "Input quality". */
          add_row (rows, _ ("Assessment"), _ ("not assessable: no COVID-19 probability, severity or CT category"));
        }
      else if (a->has_probability && !isnan (a->covid_probability))
        add_row (rows, _ ("COVID-19 probability"), "%.1f %%", a->covid_probability * 100.0);
      else
        add_row (rows, _ ("COVID-19 probability"), _ ("not available%s%s"), a->probability_note ? ": " : "",
                 a->probability_note ? a->probability_note : "");
      if (ct_analysis_is_assessable (a))
        {
          add_row (rows, _ ("Severity"), _ ("%.1f %% of the more affected lung"), a->severity_percent);
          add_row (rows, _ ("Severity, both lungs"), _ ("%.1f %% (right %.1f %%, left %.1f %%)"),
                   a->severity_total_percent, a->severity_right_percent, a->severity_left_percent);
          add_row (rows, _ ("CT category"), "%s", _ (ct_category_to_string (a->category)));
        }
      if (a->right_lung_volume_ml > 0 || a->left_lung_volume_ml > 0)
        add_row (rows, _ ("Lung volume"), _ ("%.0f ml (right %.0f ml, left %.0f ml)"), a->lung_volume_ml,
                 a->right_lung_volume_ml, a->left_lung_volume_ml);
      else
        add_row (rows, _ ("Lung volume"), _ ("%.0f ml"), a->lung_volume_ml);
      add_row (rows, _ ("Lesion volume"), _ ("%.1f ml"), a->lesion_volume_ml);
      if (ct_analysis_is_assessable (a))
        add_row (rows, _ ("Triage score"),
                 _ ("%.3f: the work-list order, half the COVID-19 probability plus half the severity "
                    "as a share of 50 %% (capped at 1); higher is read first"),
                 a->triage_score);
      add_row (rows, _ ("Input quality"), "%s", quality);
      add_row (rows, _ ("Analysis time"), _ ("%.0f ms (lungs %.0f ms, lesions %.0f ms)"), a->timing_total_ms,
               a->timing_lungs_ms, a->timing_lesions_ms);
    }
  if (info->volume != NULL && info->volume->warnings != NULL && info->volume->warnings->len > 0)
    {
      g_autoptr (GString) notes = g_string_new (NULL);

      for (guint n = 0; n < info->volume->warnings->len; n++)
        g_string_append_printf (notes, "%s%s", n > 0 ? "; " : "",
                                (const char *) g_ptr_array_index (info->volume->warnings, n));
      add_row (rows, _ ("Loader notes"), "%s", notes->str);
    }
  {
    const CtModelIdentity *model = info->analysis != NULL ? &info->analysis->multitask_model : NULL;

    add_row (rows, _ ("Model"), "%s", model != NULL && model->name ? model->name : _ ("unknown"));
    add_row (rows, _ ("Weights SHA-256"), "%s", model != NULL && model->sha256 ? model->sha256 : _ ("unknown"));
    if (model != NULL && model->training_data != NULL)
      add_row (rows, _ ("Trained on"), "%s", model->training_data);
  }
  g_ptr_array_add (rows, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&rows), FALSE);
}

static double
draw_numbers (cairo_t *cr, const CtReportInfo *info, double y, double y_limit)
{
  g_auto (GStrv) rows = ct_report_dup_result_rows (info);

  set_font (cr, "sans-serif", TRUE, 12.0);
  cairo_set_source_rgb (cr, 0.0, 0.0, 0.0);
  cairo_move_to (cr, PAGE_MARGIN_PT, y);
  cairo_show_text (cr, _ ("Results"));
  y += 15.0;

  for (guint n = 0; rows[n] != NULL; n++)
    {
      g_auto (GStrv) parts = NULL;

      /* Never run into the statement at the foot of the page. */
      if (y > y_limit)
        {
          set_font (cr, "sans-serif", FALSE, 10.0);
          cairo_move_to (cr, PAGE_MARGIN_PT, y);
          cairo_show_text (cr, _ ("(more rows left out for lack of space)"));
          break;
        }
      parts = g_strsplit (rows[n], "\t", 2);

      if (g_str_equal (parts[0], _ ("Weights SHA-256")))
        {
          /* 64 hex digits fit on one line only in a small monospace face. */
          set_font (cr, "sans-serif", TRUE, 9.0);
          cairo_move_to (cr, PAGE_MARGIN_PT, y);
          cairo_show_text (cr, parts[0]);
          set_font (cr, "monospace", FALSE, 7.5);
          cairo_move_to (cr, PAGE_MARGIN_PT + VALUE_COLUMN_PT, y);
          cairo_show_text (cr, parts[1]);
          y += 12.5;
        }
      else
        y = show_row (cr, y, parts[0], parts[1] ? parts[1] : "");
    }
  return y;
}

/* The patient rows in two columns; returns the baseline below them. */
static double
draw_patient_block (cairo_t *cr, const CtReportInfo *info, double y)
{
  g_auto (GStrv) rows = ct_report_dup_patient_rows (info);
  const double column_width = (CT_REPORT_PAGE_WIDTH_PT - 2 * PAGE_MARGIN_PT) / 2;
  double bottom = y;

  for (guint n = 0; rows[n] != NULL; n++)
    {
      g_auto (GStrv) parts = g_strsplit (rows[n], "\t", 2);
      const double x = PAGE_MARGIN_PT + (n % 2) * column_width;
      const double row_y = y + (n / 2) * 13.0;

      if (g_str_equal (parts[0], _ ("Status")))
        continue; /* shown under the title */
      show_label (cr, x, row_y, 98.0, parts[0]);
      set_font (cr, "sans-serif", FALSE, 9.0);
      bottom = MAX (bottom, show_wrapped_text (cr, x + 102.0, row_y, column_width - 106.0, 11.0, parts[1]));
    }
  return bottom + 2.0;
}

/* The CT-0..CT-4 bands with their definitions, the study's band marked. */
static void
draw_bands (cairo_t *cr, const CtAnalysis *analysis, double y)
{
  static const char *const names[] = { N_ ("no findings"), N_ ("mild"), N_ ("moderate"), N_ ("severe"),
                                       N_ ("critical") };
  gboolean graded = analysis != NULL && ct_analysis_is_assessable (analysis);

  set_font (cr, "sans-serif", TRUE, 9.5);
  cairo_set_source_rgb (cr, 0.0, 0.0, 0.0);
  cairo_move_to (cr, PAGE_MARGIN_PT, y);
  cairo_show_text (cr, _ ("CT categories (share of the more affected lung)"));
  for (int c = CT_CATEGORY_0; c <= CT_CATEGORY_4; c++)
    {
      double lower, upper;
      char text[128];
      gboolean mine = graded && (int) analysis->category == c;

      ct_category_get_band (c, &lower, &upper);
      if (c == CT_CATEGORY_0)
        g_snprintf (text, sizeof text, _ ("%s  %s: below %.2f %%"), _ (ct_category_to_string (c)), _ (names[c]), upper);
      else if (isinf (upper))
        g_snprintf (text, sizeof text, _ ("%s  %s: %.0f %% or more"), _ (ct_category_to_string (c)), _ (names[c]),
                    lower);
      else if (c == CT_CATEGORY_1)
        g_snprintf (text, sizeof text, _ ("%s  %s: %.2f %% to below %.0f %%"), _ (ct_category_to_string (c)),
                    _ (names[c]), lower, upper);
      else
        g_snprintf (text, sizeof text, _ ("%s  %s: %.0f %% to below %.0f %%"), _ (ct_category_to_string (c)),
                    _ (names[c]), lower, upper);
      set_font (cr, "sans-serif", mine, 8.5);
      cairo_set_source_rgb (cr, mine ? 0.7 : 0.2, mine ? 0.1 : 0.2, mine ? 0.05 : 0.2);
      cairo_move_to (cr, PAGE_MARGIN_PT + 8.0, y + 12.0 + c * 11.0);
      cairo_show_text (cr, mine ? "\xe2\x96\xb6 " : "   ");
      cairo_show_text (cr, text);
    }
}

/* The lesion share of each lung as a horizontal bar on a 0-100 % scale,
 * with the band limits marked. */
static void
draw_lung_chart (cairo_t *cr, const CtAnalysis *analysis, double y)
{
  const double x0 = PAGE_MARGIN_PT + 300.0, bar_x = x0 + 40.0, bar_w = 165.0, bar_h = 12.0;
  const char *labels[] = { N_ ("Right"), N_ ("Left") };
  double shares[2] = { NAN, NAN };
  gboolean graded = analysis != NULL && ct_analysis_is_assessable (analysis);

  if (graded)
    {
      shares[0] = analysis->severity_right_percent;
      shares[1] = analysis->severity_left_percent;
    }
  set_font (cr, "sans-serif", TRUE, 9.5);
  cairo_set_source_rgb (cr, 0.0, 0.0, 0.0);
  cairo_move_to (cr, x0, y);
  cairo_show_text (cr, _ ("Lesion share per lung"));
  for (int n = 0; n < 2; n++)
    {
      const double top = y + 8.0 + n * 20.0;
      char value[32];

      set_font (cr, "sans-serif", FALSE, 8.5);
      cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
      cairo_move_to (cr, x0, top + 9.5);
      cairo_show_text (cr, _ (labels[n]));
      cairo_set_source_rgb (cr, 0.93, 0.93, 0.93);
      cairo_rectangle (cr, bar_x, top, bar_w, bar_h);
      cairo_fill (cr);
      if (!isnan (shares[n]))
        {
          cairo_set_source_rgb (cr, 0.93, 0.45, 0.1);
          cairo_rectangle (cr, bar_x, top, bar_w * CLAMP (shares[n], 0.0, 100.0) / 100.0, bar_h);
          cairo_fill (cr);
          g_snprintf (value, sizeof value, "%.1f %%", shares[n]);
        }
      else
        g_strlcpy (value, graded ? "-" : _ ("not assessable"), sizeof value);
      /* The band limits, 25, 50 and 75 %. */
      cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
      cairo_set_line_width (cr, 0.5);
      for (int t = 1; t <= 3; t++)
        {
          cairo_move_to (cr, bar_x + bar_w * t / 4.0, top);
          cairo_line_to (cr, bar_x + bar_w * t / 4.0, top + bar_h);
        }
      cairo_stroke (cr);
      cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
      cairo_move_to (cr, bar_x + bar_w + 4.0, top + 9.5);
      cairo_show_text (cr, value);
    }
  set_font (cr, "sans-serif", FALSE, 7.0);
  cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
  for (int t = 0; t <= 4; t++)
    {
      char tick[8];
      cairo_text_extents_t extents;

      g_snprintf (tick, sizeof tick, "%d %%", t * 25);
      cairo_text_extents (cr, tick, &extents);
      cairo_move_to (cr, bar_x + bar_w * t / 4.0 - extents.x_advance / 2, y + 56.0);
      cairo_show_text (cr, tick);
    }
}

void
ct_report_draw_page (const CtReportInfo *info, cairo_t *cr)
{
  const CtVolume *v;
  const CtAnalysis *analysis;
  g_autofree char *line = NULL;
  g_autofree char *status = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d %H:%M UTC");
  const double content_width = CT_REPORT_PAGE_WIDTH_PT - 2 * PAGE_MARGIN_PT;
  int axial_slice, coronal_slice;
  double y;

  g_return_if_fail (info != NULL && info->volume != NULL && cr != NULL);

  v = info->volume;
  analysis = usable_analysis (v, info->analysis);

  cairo_save (cr);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_paint (cr);

  /* Title, review status, patient and study */
  cairo_set_source_rgb (cr, 0.0, 0.0, 0.0);
  set_font (cr, "sans-serif", TRUE, 18.0);
  cairo_move_to (cr, PAGE_MARGIN_PT, 58.0);
  cairo_show_text (cr, info->title ? info->title : _ ("COVID-19 CT triage report"));
  set_font (cr, "sans-serif", TRUE, 10.0);
  cairo_set_source_rgb (cr, 0.7, 0.1, 0.05);
  cairo_move_to (cr, PAGE_MARGIN_PT, 74.0);
  status = g_strdup_printf (_ ("Status: %s"), _ (CT_REPORT_REVIEW_STATUS));
  cairo_show_text (cr, status);
  y = draw_patient_block (cr, info, 90.0);
  line = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d slice of %d x %d, voxel %.2f x %.2f x %.2f mm",
                                       "%d slices of %d x %d, voxel %.2f x %.2f x %.2f mm", v->nz),
                          v->nz, v->nx, v->ny, v->spacing[0], v->spacing[1], v->spacing[2]);
  set_font (cr, "sans-serif", FALSE, 9.0);
  cairo_set_source_rgb (cr, 0.3, 0.3, 0.3);
  y = show_wrapped_text (cr, PAGE_MARGIN_PT, y, content_width, 11.0, line);

  /* Key slices */
  ct_report_pick_key_slices (v, analysis, &axial_slice, &coronal_slice);
  y += 16.0;
  draw_panel (cr, info, analysis, CT_VIEW_AXIAL, axial_slice, PAGE_MARGIN_PT, y);
  draw_panel (cr, info, analysis, CT_VIEW_CORONAL, coronal_slice,
              CT_REPORT_PAGE_WIDTH_PT - PAGE_MARGIN_PT - PANEL_SIZE_PT, y);
  y += PANEL_SIZE_PT + 14.0;
  set_font (cr, "sans-serif", FALSE, 8.0);
  cairo_set_source_rgb (cr, 0.3, 0.3, 0.3);
  y = show_wrapped_text (
      cr, PAGE_MARGIN_PT, y, content_width, 10.0,
      analysis != NULL ? _ ("Overlays: lesions filled in orange, right lung outlined in green, left lung in blue.")
                       : _ ("No analysis masks available for this study."));

  /* Numbers, then the bands and the share per lung above the statement */
  draw_numbers (cr, info, y + 16.0, BANDS_TOP_PT - 16.0);
  draw_bands (cr, analysis, BANDS_TOP_PT);
  draw_lung_chart (cr, analysis, BANDS_TOP_PT);

  /* The statement, boxed at the foot of the page */
  {
    const double box_top = STATEMENT_BOX_TOP_PT;

    cairo_set_source_rgb (cr, 1.0, 0.93, 0.9);
    cairo_rectangle (cr, PAGE_MARGIN_PT, box_top, content_width, 42.0);
    cairo_fill_preserve (cr);
    cairo_set_source_rgb (cr, 0.7, 0.1, 0.05);
    cairo_set_line_width (cr, 1.0);
    cairo_stroke (cr);
    set_font (cr, "sans-serif", TRUE, 10.0);
    show_wrapped_text (cr, PAGE_MARGIN_PT + 8.0, box_top + 17.0, content_width - 16.0, 13.0, _ (CT_REPORT_DISCLAIMER));
  }

  set_font (cr, "sans-serif", FALSE, 7.0);
  cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
  g_free (line);
  line = g_strdup_printf (_ ("ct-triage %s, generated %s"), PACKAGE_VERSION, stamp);
  cairo_move_to (cr, PAGE_MARGIN_PT, CT_REPORT_PAGE_HEIGHT_PT - PAGE_MARGIN_PT + 4.0);
  cairo_show_text (cr, line);
  cairo_restore (cr);
}

static gboolean
check_status (cairo_status_t status, const char *path, GError **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("Could not write the report “%s”: %s"), path,
               cairo_status_to_string (status));
  return FALSE;
}

/* The report's file, written through stdio with every error kept: cairo's
 * own file streams do not check fclose, so a full disk left a truncated
 * report that was reported as written. */
typedef struct
{
  FILE *file;
  int saved_errno;
} ReportFile;

static cairo_status_t
write_report_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  ReportFile *f = closure;

  if (f->saved_errno == 0 && fwrite (data, 1, length, f->file) != length)
    f->saved_errno = errno != 0 ? errno : EIO;
  return f->saved_errno == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* Flushes, syncs and closes; FALSE with an error naming @path on any failure. */
static gboolean
close_report_file (ReportFile *f, cairo_status_t status, const char *path, GError **error)
{
  if (fflush (f->file) != 0 && f->saved_errno == 0)
    f->saved_errno = errno;
  if (fsync (fileno (f->file)) != 0 && f->saved_errno == 0 && errno != EINVAL)
    f->saved_errno = errno;
  if (fclose (f->file) != 0 && f->saved_errno == 0)
    f->saved_errno = errno;
  if (f->saved_errno != 0)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("Could not write the report “%s”: %s"), path,
                   g_strerror (f->saved_errno));
      return FALSE;
    }
  return check_status (status, path, error);
}

gboolean
ct_report_write (const CtReportInfo *info, const char *path, CtReportFormat format, GError **error)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;
  ReportFile file = { NULL, 0 };

  g_return_val_if_fail (info != NULL && info->volume != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  file.file = g_fopen (path, "wb");
  if (file.file == NULL)
    {
      int saved = errno;
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("Could not write the report “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (format == CT_REPORT_FORMAT_PDF)
    {
      surface = cairo_pdf_surface_create_for_stream (write_report_bytes, &file, CT_REPORT_PAGE_WIDTH_PT,
                                                     CT_REPORT_PAGE_HEIGHT_PT);
      if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
        {
          status = cairo_surface_status (surface);
          cairo_surface_destroy (surface);
          return close_report_file (&file, status, path, error);
        }
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE,
                                      info->title ? info->title : _ ("COVID-19 CT triage report"));
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "ct-triage " PACKAGE_VERSION);
      cr = cairo_create (surface);
      ct_report_draw_page (info, cr);
      cairo_show_page (cr);
      status = cairo_status (cr);
      cairo_destroy (cr);
      cairo_surface_finish (surface);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status (surface);
      cairo_surface_destroy (surface);
      return close_report_file (&file, status, path, error);
    }
  else
    {
      const double scale = PNG_DPI / 72.0;

      surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) lround (CT_REPORT_PAGE_WIDTH_PT * scale),
                                            (int) lround (CT_REPORT_PAGE_HEIGHT_PT * scale));
      cr = cairo_create (surface);
      cairo_scale (cr, scale, scale);
      ct_report_draw_page (info, cr);
      status = cairo_status (cr);
      cairo_destroy (cr);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_write_to_png_stream (surface, write_report_bytes, &file);
      cairo_surface_destroy (surface);
      return close_report_file (&file, status, path, error);
    }
}
