/* SPDX-License-Identifier: MIT */
#include "ct-window.h"

#include <math.h>
#include <stdlib.h>

gboolean
ct_window_parse (const char *text, CtWindow *out)
{
  char *end;
  double low, high;

  g_return_val_if_fail (out != NULL, FALSE);
  if (text == NULL)
    return FALSE;
  low = g_ascii_strtod (text, &end);
  if (end == text)
    return FALSE;
  while (*end == ' ')
    end++;
  if (*end != ',')
    return FALSE;
  text = end + 1;
  high = g_ascii_strtod (text, &end);
  if (end == text || !isfinite (low) || !isfinite (high) || !(low < high))
    return FALSE;
  out->low_hu = low;
  out->high_hu = high;
  return TRUE;
}

void
ct_window_apply (const CtWindow *window, float *data, gsize n)
{
  float low = (float) window->low_hu, scale = (float) (1.0 / (window->high_hu - window->low_hu));

  for (gsize i = 0; i < n; i++)
    {
      float v = (data[i] - low) * scale;
      data[i] = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f; /* NaN -> 0 */
    }
}
