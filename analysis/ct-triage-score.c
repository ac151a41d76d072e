/* SPDX-License-Identifier: MIT */
#include "ct-triage-score.h"

#include <math.h>

double
ct_triage_score (double covid_probability, gboolean has_probability, double severity_percent)
{
  double p = has_probability && isfinite (covid_probability) ? CLAMP (covid_probability, 0.0, 1.0) : 0.5;
  double s = isfinite (severity_percent) ? severity_percent / CT_TRIAGE_SEVERITY_SATURATION_PERCENT : 0.0;

  return 0.5 * p + 0.5 * CLAMP (s, 0.0, 1.0);
}
