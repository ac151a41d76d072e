/* SPDX-License-Identifier: MIT */
/* ct-triage-score.h: the default priority of a study in the work list.
 *
 * score = 0.5 * p + 0.5 * min (severity / 50 %, 1), in [0, 1]; higher is more
 * urgent. p is the COVID-19 probability; when the study has none (too small
 * for the classifier) p counts as 0.5, "unknown", so such a study is neither
 * buried nor put first on a guess. The severity term saturates at 50 % (CT-3):
 * from there on every study is as urgent as the scale can say, and among
 * them the probability decides. A likely COVID-19 study with little lesion
 * (isolation matters) and a severe study of uncertain cause (treatment
 * matters) both rank above a clear normal study. The command line can sort
 * by probability or by severity alone instead.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CT_TRIAGE_SEVERITY_SATURATION_PERCENT 50.0

double ct_triage_score (double covid_probability, gboolean has_probability, double severity_percent);

G_END_DECLS
