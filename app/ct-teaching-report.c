/* SPDX-License-Identifier: MIT */
/* ct-teaching-report.c: the teaching summary PDF (ct-teaching-report.h). */
#include "config.h"

#include "ct-teaching-report.h"

#include <glib/gi18n-lib.h>

#include "ct-teaching-score.h"
#include "ct-teaching-summary.h"

gboolean
ct_teaching_report_write_pdf (GPtrArray *answers, const char *file, GError **error)
{
  g_autoptr (GPtrArray) residents = ct_teaching_residents (answers);
  g_autoptr (GPtrArray) scores = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_teaching_score_free);
  g_autoptr (GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);
  g_autofree CtBlandAltmanPlot *plots = g_new0 (CtBlandAltmanPlot, 2 * residents->len + 1);
  g_autofree char *text = ct_teaching_summary_text (answers);
  int n = 0;

  for (guint r = 0; r < residents->len; r++)
    {
      CtTeachingScore *s = ct_teaching_score_new (answers, g_ptr_array_index (residents, r));
      const CtBlandAltman *ba[2] = { &s->severity_vs_ref, &s->severity_vs_ai };
      GArray *other[2] = { s->ref_severity, s->ai_severity };

      g_ptr_array_add (scores, s);
      for (int k = 0; k < 2; k++)
        {
          char *title = k == 0 ? g_strdup_printf (_ ("%s: severity, resident - reference"), s->resident)
                               : g_strdup_printf (_ ("%s: severity, resident - AI"), s->resident);

          g_ptr_array_add (titles, title);
          plots[n] = (CtBlandAltmanPlot){ .title = title,
                                          .a = (const double *) s->severity->data,
                                          .b = (const double *) other[k]->data,
                                          .n = (int) s->severity->len,
                                          .bias = ba[k]->bias,
                                          .lower = ba[k]->lower,
                                          .upper = ba[k]->upper,
                                          .x_label = _ ("mean of the two, %"),
                                          .y_label = _ ("difference, %") };
          n++;
        }
    }
  return ct_teaching_summary_write_pdf (file, _ ("Teaching session summary"), text, plots, n, error);
}
