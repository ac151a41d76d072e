/* SPDX-License-Identifier: MIT */
/* ct-grey-lut.h: window/level as a lookup table from Hounsfield units to 8-bit
 * grey, and the window presets of the viewer.
 *
 * The table covers every integer HU a CT can store (int16 range), so a frame
 * costs one clamp and one load per pixel. Float HU are rounded to the nearest
 * integer first; NaN maps to black.
 *
 * Mapping (linear ramp, saturating):
 *   grey = clamp (round ((hu - (level - width / 2)) / width * 255), 0, 255)
 * A width <= 1 HU becomes a threshold at level (hu >= level -> 255); a
 * non-finite level counts as 0 HU and a non-finite width as 0.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CT_GREY_LUT_HU_MIN (-32768)
#define CT_GREY_LUT_HU_MAX 32767
#define CT_GREY_LUT_SIZE (CT_GREY_LUT_HU_MAX - CT_GREY_LUT_HU_MIN + 1)

typedef struct
{
  double width;                  /* HU */
  double level;                  /* HU, centre of the window */
  guint8 grey[CT_GREY_LUT_SIZE]; /* grey[hu - CT_GREY_LUT_HU_MIN] */
} CtGreyLut;

typedef enum
{
  CT_WINDOW_PRESET_LUNG,        /* width 1500, level -600 */
  CT_WINDOW_PRESET_MEDIASTINUM, /* width 400, level 40 */
  CT_WINDOW_PRESET_BONE,        /* width 2000, level 400 */
  CT_N_WINDOW_PRESETS,
} CtWindowPreset;

void ct_grey_lut_init (CtGreyLut *self, double width, double level);
CtGreyLut *ct_grey_lut_new (double width, double level); /* g_free () it */

void ct_window_preset_get (CtWindowPreset preset, double *out_width, double *out_level);
/* Untranslated key: "lung", "mediastinum", "bone". */
const char *ct_window_preset_get_name (CtWindowPreset preset);

static inline guint8
ct_grey_lut_lookup_int (const CtGreyLut *self, int hu)
{
  if (hu < CT_GREY_LUT_HU_MIN)
    hu = CT_GREY_LUT_HU_MIN;
  else if (hu > CT_GREY_LUT_HU_MAX)
    hu = CT_GREY_LUT_HU_MAX;
  return self->grey[hu - CT_GREY_LUT_HU_MIN];
}

static inline guint8
ct_grey_lut_lookup (const CtGreyLut *self, float hu)
{
  /* Written so that NaN fails the first test and lands on index 0. */
  if (!(hu > (float) CT_GREY_LUT_HU_MIN))
    return self->grey[0];
  if (hu >= (float) CT_GREY_LUT_HU_MAX)
    return self->grey[CT_GREY_LUT_SIZE - 1];
  /* hu - MIN + 0.5 is positive here, so truncation rounds to nearest. */
  return self->grey[(int) (hu - (float) CT_GREY_LUT_HU_MIN + 0.5f)];
}

G_END_DECLS
