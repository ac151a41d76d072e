/* SPDX-License-Identifier: MIT */
#include "ct-grey-lut.h"

#include <math.h>
#include <string.h>

void
ct_grey_lut_init (CtGreyLut *self, double width, double level)
{
  double low;
  int ramp_first, ramp_last;

  g_return_if_fail (self != NULL);

  if (!isfinite (level))
    level = 0.0;
  if (!isfinite (width))
    width = 0.0;
  low = level - width / 2.0;

  self->width = width;
  self->level = level;

  /* Only the ramp needs arithmetic; below it is black, above it white. A
   * right-drag rebuilds the table on every pointer motion. */
  if (width <= 1.0)
    {
      ramp_first = ramp_last = (int) CLAMP (ceil (level), CT_GREY_LUT_HU_MIN, CT_GREY_LUT_HU_MAX + 1.0);
    }
  else
    {
      ramp_first = (int) CLAMP (floor (low), CT_GREY_LUT_HU_MIN, CT_GREY_LUT_HU_MAX + 1.0);
      ramp_last = (int) CLAMP (ceil (low + width) + 1.0, CT_GREY_LUT_HU_MIN, CT_GREY_LUT_HU_MAX + 1.0);
    }
  memset (self->grey, 0, ramp_first - CT_GREY_LUT_HU_MIN);
  memset (self->grey + (ramp_last - CT_GREY_LUT_HU_MIN), 255, CT_GREY_LUT_HU_MAX + 1 - ramp_last);
  for (int hu = ramp_first; hu < ramp_last; hu++)
    {
      double grey = width <= 1.0 ? (hu >= level ? 255.0 : 0.0) : round ((hu - low) / width * 255.0);

      self->grey[hu - CT_GREY_LUT_HU_MIN] = (guint8) CLAMP (grey, 0.0, 255.0);
    }
}

CtGreyLut *
ct_grey_lut_new (double width, double level)
{
  CtGreyLut *self = g_new (CtGreyLut, 1);

  ct_grey_lut_init (self, width, level);
  return self;
}

static const struct
{
  const char *name;
  double width, level;
} window_presets[CT_N_WINDOW_PRESETS] = {
  [CT_WINDOW_PRESET_LUNG] = { "lung", 1500.0, -600.0 },
  [CT_WINDOW_PRESET_MEDIASTINUM] = { "mediastinum", 400.0, 40.0 },
  [CT_WINDOW_PRESET_BONE] = { "bone", 2000.0, 400.0 },
};

void
ct_window_preset_get (CtWindowPreset preset, double *out_width, double *out_level)
{
  g_return_if_fail ((unsigned) preset < CT_N_WINDOW_PRESETS);

  if (out_width)
    *out_width = window_presets[preset].width;
  if (out_level)
    *out_level = window_presets[preset].level;
}

const char *
ct_window_preset_get_name (CtWindowPreset preset)
{
  g_return_val_if_fail ((unsigned) preset < CT_N_WINDOW_PRESETS, NULL);

  return window_presets[preset].name;
}
