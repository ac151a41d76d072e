/* SPDX-License-Identifier: MIT */
/* ct-teaching-score.c: teaching scores (ct-teaching-score.h). */
#include "config.h"

#include "ct-teaching-score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "ct-analysis.h"

void
ct_teaching_bland_altman (const double *a, const double *b, int n, CtBlandAltman *out)
{
  double sum = 0.0, sum2 = 0.0;
  int used = 0;

  for (int i = 0; i < n; i++)
    if (isfinite (a[i]) && isfinite (b[i]))
      {
        sum += a[i] - b[i];
        used++;
      }
  out->n = used;
  out->bias = used > 0 ? sum / used : NAN;
  out->sd = out->lower = out->upper = NAN;
  if (used < 2)
    return;
  for (int i = 0; i < n; i++)
    if (isfinite (a[i]) && isfinite (b[i]))
      {
        double d = a[i] - b[i] - out->bias;
        sum2 += d * d;
      }
  out->sd = sqrt (sum2 / (used - 1));
  out->lower = out->bias - 1.96 * out->sd;
  out->upper = out->bias + 1.96 * out->sd;
}

double
ct_teaching_kappa (const int *a, const int *b, int n, int k, gboolean linear)
{
  g_autofree double *table = g_new0 (double, (gsize) k * k);
  g_autofree double *rows = g_new0 (double, k);
  g_autofree double *cols = g_new0 (double, k);
  double po = 0.0, pe = 0.0;
  int used = 0;

  if (k < 2)
    return NAN;
  for (int i = 0; i < n; i++)
    if (a[i] >= 0 && a[i] < k && b[i] >= 0 && b[i] < k)
      {
        table[a[i] * k + b[i]] += 1.0;
        rows[a[i]] += 1.0;
        cols[b[i]] += 1.0;
        used++;
      }
  if (used == 0)
    return NAN;
  for (int i = 0; i < k; i++)
    for (int j = 0; j < k; j++)
      {
        double w = linear ? 1.0 - fabs ((double) (i - j)) / (k - 1) : (i == j ? 1.0 : 0.0);
        po += w * table[i * k + j] / used;
        pe += w * (rows[i] / used) * (cols[j] / used);
      }
  if (fabs (1.0 - pe) < 1e-12)
    return NAN;
  return (po - pe) / (1.0 - pe);
}

void
ct_teaching_score_free (CtTeachingScore *score)
{
  if (score == NULL)
    return;
  g_free (score->resident);
  g_array_unref (score->severity);
  g_array_unref (score->ref_severity);
  g_array_unref (score->ai_severity);
  g_free (score);
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
mean_abs_diff (GArray *a, GArray *b)
{
  double sum = 0.0;
  int n = 0;

  for (guint i = 0; i < a->len; i++)
    {
      double x = g_array_index (a, double, i), y = g_array_index (b, double, i);
      if (isfinite (x) && isfinite (y))
        {
          sum += fabs (x - y);
          n++;
        }
    }
  return n > 0 ? sum / n : NAN;
}

CtTeachingScore *
ct_teaching_score_new (GPtrArray *answers, const char *resident)
{
  g_autoptr (GArray) seconds = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) cat_ref = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GArray) cat_res = g_array_new (FALSE, FALSE, sizeof (int));
  CtTeachingScore *s = g_new0 (CtTeachingScore, 1);

  s->resident = g_strdup (resident);
  s->severity = g_array_new (FALSE, FALSE, sizeof (double));
  s->ref_severity = g_array_new (FALSE, FALSE, sizeof (double));
  s->ai_severity = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < answers->len; i++)
    {
      const CtTeachingAnswer *a = g_ptr_array_index (answers, i);
      int ai = ct_teaching_answer_ai_covid (a);

      if (g_strcmp0 (a->resident, resident) != 0)
        continue;
      s->n_cases++;
      if (a->covid >= 0 && a->ref_covid >= 0)
        {
          s->covid_n_ref++;
          s->covid_correct_ref += a->covid == a->ref_covid;
        }
      if (a->covid >= 0 && ai >= 0)
        {
          s->covid_n_ai++;
          s->covid_agree_ai += a->covid == ai;
        }
      g_array_append_val (s->severity, a->severity);
      g_array_append_val (s->ref_severity, a->ref_severity);
      g_array_append_val (s->ai_severity, a->ai_severity);
      if (a->category >= 0 && a->ref_category >= 0)
        {
          s->confusion[a->ref_category][a->category]++;
          g_array_append_val (cat_ref, a->ref_category);
          g_array_append_val (cat_res, a->category);
        }
      if (isfinite (a->seconds))
        {
          g_array_append_val (seconds, a->seconds);
          s->seconds_total += a->seconds;
        }
    }
  if (s->n_cases == 0)
    {
      ct_teaching_score_free (s);
      return NULL;
    }
  s->severity_mae_ref = mean_abs_diff (s->severity, s->ref_severity);
  s->severity_mae_ai = mean_abs_diff (s->severity, s->ai_severity);
  ct_teaching_bland_altman ((double *) s->severity->data, (double *) s->ref_severity->data, (int) s->severity->len,
                            &s->severity_vs_ref);
  ct_teaching_bland_altman ((double *) s->severity->data, (double *) s->ai_severity->data, (int) s->severity->len,
                            &s->severity_vs_ai);
  s->category_kappa_ref = ct_teaching_kappa ((int *) cat_ref->data, (int *) cat_res->data, (int) cat_ref->len,
                                             CT_TEACHING_N_CATEGORIES, FALSE);
  if (seconds->len > 0)
    {
      guint m = seconds->len;

      qsort (seconds->data, m, sizeof (double), compare_double);
      s->seconds_mean = s->seconds_total / m;
      s->seconds_median = m % 2 == 1 ? g_array_index (seconds, double, m / 2)
                                     : 0.5 * (g_array_index (seconds, double, m / 2 - 1) +
                                              g_array_index (seconds, double, m / 2));
    }
  else
    s->seconds_mean = s->seconds_median = NAN;
  return s;
}

GPtrArray *
ct_teaching_residents (GPtrArray *answers)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < answers->len; i++)
    {
      const CtTeachingAnswer *a = g_ptr_array_index (answers, i);

      if (!g_ptr_array_find_with_equal_func (names, a->resident, g_str_equal, NULL))
        g_ptr_array_add (names, g_strdup (a->resident));
    }
  return names;
}

/* The last answer of @resident to @like's case at index >= @from, or @like
 * itself when @resident is @like's and there is none later. */
static const CtTeachingAnswer *
latest_answer (GPtrArray *answers, const char *resident, const CtTeachingAnswer *like, guint from)
{
  const CtTeachingAnswer *found = g_strcmp0 (like->resident, resident) == 0 ? like : NULL;

  for (guint j = from; j < answers->len; j++)
    {
      const CtTeachingAnswer *other = g_ptr_array_index (answers, j);
      if (g_strcmp0 (other->resident, resident) == 0 && g_strcmp0 (other->case_id, like->case_id) == 0 &&
          g_strcmp0 (other->session, like->session) == 0)
        found = other;
    }
  return found;
}

void
ct_teaching_agreement (GPtrArray *answers, const char *ra, const char *rb, CtTeachingAgreement *out)
{
  g_autoptr (GArray) cat_a = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GArray) cat_b = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GArray) sev_a = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) sev_b = g_array_new (FALSE, FALSE, sizeof (double));

  out->n_cases = 0;
  /* A resident who answered a case twice (two sittings) counts with the
   * last answer. */
  for (guint i = 0; i < answers->len; i++)
    {
      const CtTeachingAnswer *a = g_ptr_array_index (answers, i);
      const CtTeachingAnswer *b = NULL;

      if (g_strcmp0 (a->resident, ra) != 0 || latest_answer (answers, ra, a, i + 1) != a)
        continue;
      b = latest_answer (answers, rb, a, 0);
      if (b == NULL)
        continue;
      out->n_cases++;
      g_array_append_val (cat_a, a->category);
      g_array_append_val (cat_b, b->category);
      g_array_append_val (sev_a, a->severity);
      g_array_append_val (sev_b, b->severity);
    }
  out->kappa = ct_teaching_kappa ((int *) cat_a->data, (int *) cat_b->data, (int) cat_a->len, CT_TEACHING_N_CATEGORIES,
                                  FALSE);
  out->kappa_weighted = ct_teaching_kappa ((int *) cat_a->data, (int *) cat_b->data, (int) cat_a->len,
                                           CT_TEACHING_N_CATEGORIES, TRUE);
  ct_teaching_bland_altman ((double *) sev_a->data, (double *) sev_b->data, (int) sev_a->len, &out->severity);
}

/* "12.3" or "-" */
static char *
number (double value, int digits)
{
  return isfinite (value) ? g_strdup_printf ("%.*f", digits, value) : g_strdup ("-");
}

static char *
fraction (int k, int n)
{
  return n > 0 ? g_strdup_printf ("%d/%d (%.0f %%)", k, n, 100.0 * k / n) : g_strdup ("-");
}

static void
append_agreement (GString *out, const char *label, const CtBlandAltman *ba)
{
  g_autofree char *bias = number (ba->bias, 1);
  g_autofree char *lower = number (ba->lower, 1);
  g_autofree char *upper = number (ba->upper, 1);

  /* TRANSLATORS: Bland-Altman agreement: mean difference and the 95 % limits of agreement, in percent points. */
  g_string_append_printf (out, _ ("  %s: mean difference %s, 95 %% limits of agreement %s to %s (n = %d)\n"), label,
                          bias, lower, upper, ba->n);
}

char *
ct_teaching_summary_text (GPtrArray *answers)
{
  g_autoptr (GPtrArray) residents = ct_teaching_residents (answers);
  GString *out = g_string_new (NULL);

  g_string_append_printf (
      out, ngettext ("Teaching results: %u answer, ", "Teaching results: %u answers, ", answers->len), answers->len);
  g_string_append_printf (out, ngettext ("%u resident\n", "%u residents\n", residents->len), residents->len);
  for (guint r = 0; r < residents->len; r++)
    {
      g_autoptr (CtTeachingScore) s = ct_teaching_score_new (answers, g_ptr_array_index (residents, r));
      g_autofree char *acc_ref = fraction (s->covid_correct_ref, s->covid_n_ref);
      g_autofree char *acc_ai = fraction (s->covid_agree_ai, s->covid_n_ai);
      g_autofree char *mae_ref = number (s->severity_mae_ref, 1);
      g_autofree char *mae_ai = number (s->severity_mae_ai, 1);
      g_autofree char *kappa = number (s->category_kappa_ref, 2);
      g_autofree char *mean = number (s->seconds_mean, 1);
      g_autofree char *median = number (s->seconds_median, 1);

      g_string_append_printf (out, "\n");
      g_string_append_printf (out, ngettext ("Resident %s: %d case\n", "Resident %s: %d cases\n", s->n_cases),
                              s->resident, s->n_cases);
      g_string_append_printf (out, _ ("  COVID-19 call right against the reference: %s\n"), acc_ref);
      g_string_append_printf (out, _ ("  COVID-19 call agreeing with the AI: %s\n"), acc_ai);
      g_string_append_printf (out,
                              _ ("  Severity mean absolute error: %s %% against the reference, %s %% against the AI\n"),
                              mae_ref, mae_ai);
      append_agreement (out, _ ("Severity, resident - reference"), &s->severity_vs_ref);
      append_agreement (out, _ ("Severity, resident - AI"), &s->severity_vs_ai);
      g_string_append_printf (out, _ ("  CT category kappa against the reference: %s\n"), kappa);
      g_string_append_printf (out, _ ("  CT categories (rows reference, columns resident):\n"));
      g_string_append (out, "          CT-0  CT-1  CT-2  CT-3  CT-4\n");
      for (int i = 0; i < CT_TEACHING_N_CATEGORIES; i++)
        {
          g_string_append_printf (out, "    CT-%d", i);
          for (int j = 0; j < CT_TEACHING_N_CATEGORIES; j++)
            g_string_append_printf (out, " %5d", s->confusion[i][j]);
          g_string_append_c (out, '\n');
        }
      g_string_append_printf (out, _ ("  Time per case: mean %s s, median %s s\n"), mean, median);
    }
  if (residents->len >= 2)
    {
      g_string_append_printf (out, "\n%s\n",
                              _ ("Residents compared (categories: Cohen's kappa; severity: Bland-Altman)"));
      for (guint i = 0; i < residents->len; i++)
        for (guint j = i + 1; j < residents->len; j++)
          {
            CtTeachingAgreement ag;
            const char *ra = g_ptr_array_index (residents, i), *rb = g_ptr_array_index (residents, j);
            g_autofree char *k = NULL;
            g_autofree char *kw = NULL;
            g_autofree char *label = NULL;

            ct_teaching_agreement (answers, ra, rb, &ag);
            k = number (ag.kappa, 2);
            kw = number (ag.kappa_weighted, 2);
            g_string_append_printf (out,
                                    ngettext ("%s and %s: %d common case, kappa %s, linearly weighted kappa %s\n",
                                              "%s and %s: %d common cases, kappa %s, linearly weighted kappa %s\n",
                                              ag.n_cases),
                                    ra, rb, ag.n_cases, k, kw);
            label = g_strdup_printf (_ ("Severity, %s - %s"), ra, rb);
            append_agreement (out, label, &ag.severity);
          }
    }
  return g_string_free (out, FALSE);
}
