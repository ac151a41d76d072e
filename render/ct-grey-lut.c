/* SPDX-License-Identifier: MIT */
#include "ct-grey-lut.h"

#include <math.h>

void
ct_grey_lut_init (CtGreyLut *self, double width, double level)
{
  double low = level - width / 2.0;

  g_return_if_fail (self != NULL);

  self->width = width;
  self->level = level;
  for (int n = 0; n < CT_GREY_LUT_SIZE; n++)
    {
      double hu = (double) (n + CT_GREY_LUT_HU_MIN);
      double grey;

      if (width <= 1.0)
        grey = hu >= level ? 255.0 : 0.0;
      else
        grey = round ((hu - low) / width * 255.0);
      self->grey[n] = (guint8) CLAMP (grey, 0.0, 255.0);
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
