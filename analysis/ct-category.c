/* SPDX-License-Identifier: MIT */
#include "ct-category.h"

#include <math.h>

#include <glib/gi18n-lib.h>

/* The one table of the scale: each band holds lower <= severity < upper.
 * The names stay English in JSON and CSV; the window shows _ (name). */
static const struct
{
  CtCategory category;
  const char *name;
  double lower_percent, upper_percent;
} bands[] = {
  /* TRANSLATORS: the CT-0..CT-4 severity scale of the Moscow radiologists
   * (Russian: КТ-0..КТ-4). */
  { CT_CATEGORY_0, N_ ("CT-0"), -INFINITY, CT_CATEGORY_NOISE_FLOOR_PERCENT },
  { CT_CATEGORY_1, N_ ("CT-1"), CT_CATEGORY_NOISE_FLOOR_PERCENT, 25.0 },
  { CT_CATEGORY_2, N_ ("CT-2"), 25.0, 50.0 },
  { CT_CATEGORY_3, N_ ("CT-3"), 50.0, 75.0 },
  { CT_CATEGORY_4, N_ ("CT-4"), 75.0, INFINITY },
};

CtCategory
ct_category_from_severity (double severity_percent)
{
  if (isnan (severity_percent))
    return CT_CATEGORY_0;
  for (guint i = 0; i < G_N_ELEMENTS (bands); i++)
    if (severity_percent >= bands[i].lower_percent && severity_percent < bands[i].upper_percent)
      return bands[i].category;
  return CT_CATEGORY_4;
}

const char *
ct_category_to_string (CtCategory category)
{
  for (guint i = 0; i < G_N_ELEMENTS (bands); i++)
    if (bands[i].category == category)
      return bands[i].name;
  g_return_val_if_reached ("CT-?");
}

void
ct_category_get_band (CtCategory category, double *lower_percent, double *upper_percent)
{
  for (guint i = 0; i < G_N_ELEMENTS (bands); i++)
    if (bands[i].category == category)
      {
        if (lower_percent != NULL)
          *lower_percent = bands[i].lower_percent;
        if (upper_percent != NULL)
          *upper_percent = bands[i].upper_percent;
        return;
      }
  g_return_if_reached ();
}
