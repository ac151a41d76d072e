/* SPDX-License-Identifier: MIT */
/* Window/level lookup table and presets. */
#include <math.h>

#include "ct-grey-lut.h"

/* The ramp written out independently of the table's loop. */
static int
expected_grey (double hu, double width, double level)
{
  double grey = floor ((hu - (level - width / 2.0)) / width * 255.0 + 0.5);
  return (int) CLAMP (grey, 0.0, 255.0);
}

static void
test_lut_presets (void)
{
  static const struct
  {
    CtWindowPreset preset;
    double width, level;
    const char *name;
  } expected[] = {
    { CT_WINDOW_PRESET_LUNG, 1500, -600, "lung" },
    { CT_WINDOW_PRESET_MEDIASTINUM, 400, 40, "mediastinum" },
    { CT_WINDOW_PRESET_BONE, 2000, 400, "bone" },
  };

  for (guint n = 0; n < G_N_ELEMENTS (expected); n++)
    {
      double width = 0, level = 0;

      ct_window_preset_get (expected[n].preset, &width, &level);
      g_assert_cmpfloat (width, ==, expected[n].width);
      g_assert_cmpfloat (level, ==, expected[n].level);
      g_assert_cmpstr (ct_window_preset_get_name (expected[n].preset), ==, expected[n].name);
    }
}

static void
test_lut_lung_window_values (void)
{
  g_autofree CtGreyLut *lut = ct_grey_lut_new (1500, -600);

  /* Edges and centre of the window [-1350, 150]. */
  g_assert_cmpuint (ct_grey_lut_lookup_int (lut, -1350), ==, 0);
  g_assert_cmpuint (ct_grey_lut_lookup_int (lut, -2000), ==, 0);
  g_assert_cmpuint (ct_grey_lut_lookup_int (lut, -1000), ==, 60); /* 350/1500*255 = 59.5 */
  g_assert_cmpuint (ct_grey_lut_lookup_int (lut, -600), ==, 128); /* 127.5 rounds up */
  g_assert_cmpuint (ct_grey_lut_lookup_int (lut, 0), ==, 230);    /* 1350/1500*255 = 229.5 */
  g_assert_cmpuint (ct_grey_lut_lookup_int (lut, 150), ==, 255);
  g_assert_cmpuint (ct_grey_lut_lookup_int (lut, 3000), ==, 255);
  g_assert_cmpuint (ct_grey_lut_lookup_int (lut, G_MININT), ==, 0);
  g_assert_cmpuint (ct_grey_lut_lookup_int (lut, G_MAXINT), ==, 255);

  /* Every int16 HU against the formula, and monotonic. */
  for (int hu = CT_GREY_LUT_HU_MIN; hu <= CT_GREY_LUT_HU_MAX; hu++)
    {
      g_assert_cmpint (ct_grey_lut_lookup_int (lut, hu), ==, expected_grey (hu, 1500, -600));
      if (hu > CT_GREY_LUT_HU_MIN)
        g_assert_cmpuint (ct_grey_lut_lookup_int (lut, hu), >=, ct_grey_lut_lookup_int (lut, hu - 1));
    }
}

static void
test_lut_mediastinum_and_bone (void)
{
  CtGreyLut lut;

  ct_grey_lut_init (&lut, 400, 40);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, -160), ==, 0);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, 40), ==, 128);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, 240), ==, 255);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, -60), ==, expected_grey (-60, 400, 40));

  ct_grey_lut_init (&lut, 2000, 400);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, -600), ==, 0);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, 1400), ==, 255);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, 700), ==, expected_grey (700, 2000, 400));
}

static void
test_lut_float_input (void)
{
  CtGreyLut lut;

  ct_grey_lut_init (&lut, 400, 40);
  /* Float HU round to the nearest integer HU before the lookup. */
  g_assert_cmpuint (ct_grey_lut_lookup (&lut, -59.6f), ==, ct_grey_lut_lookup_int (&lut, -60));
  g_assert_cmpuint (ct_grey_lut_lookup (&lut, -60.4f), ==, ct_grey_lut_lookup_int (&lut, -60));
  g_assert_cmpuint (ct_grey_lut_lookup (&lut, 12.49f), ==, ct_grey_lut_lookup_int (&lut, 12));
  g_assert_cmpuint (ct_grey_lut_lookup (&lut, 12.51f), ==, ct_grey_lut_lookup_int (&lut, 13));
  for (int whole = -300; whole <= 300; whole++)
    {
      /* Fractions clear of the .5 tie, where float and double could differ. */
      static const double fractions[] = { 0.1, 0.3, 0.45, 0.55, 0.7, 0.9 };

      for (guint n = 0; n < G_N_ELEMENTS (fractions); n++)
        {
          double hu = whole + fractions[n];

          g_assert_cmpuint (ct_grey_lut_lookup (&lut, (float) hu), ==, expected_grey (floor (hu + 0.5), 400, 40));
        }
    }
  /* Out of the int16 range, infinities and NaN never index outside. */
  g_assert_cmpuint (ct_grey_lut_lookup (&lut, 1e9f), ==, 255);
  g_assert_cmpuint (ct_grey_lut_lookup (&lut, -1e9f), ==, 0);
  g_assert_cmpuint (ct_grey_lut_lookup (&lut, INFINITY), ==, 255);
  g_assert_cmpuint (ct_grey_lut_lookup (&lut, -INFINITY), ==, 0);
  g_assert_cmpuint (ct_grey_lut_lookup (&lut, NAN), ==, 0);
}

static void
test_lut_any_window (void)
{
  /* Narrow, wide, off the int16 range, fractional: every entry checked. */
  static const double windows[][2] = {
    { 2, 0 },        { 7.5, -3.25 },  { 100000, 0 },    { 400, 40000 },
    { 400, -40000 }, { 3000, 32000 }, { 3000, -32000 }, { 1500.5, -600.25 },
  };
  g_autofree CtGreyLut *lut = g_new (CtGreyLut, 1);

  for (guint n = 0; n < G_N_ELEMENTS (windows); n++)
    {
      ct_grey_lut_init (lut, windows[n][0], windows[n][1]);
      for (int hu = CT_GREY_LUT_HU_MIN; hu <= CT_GREY_LUT_HU_MAX; hu++)
        if (ct_grey_lut_lookup_int (lut, hu) != expected_grey (hu, windows[n][0], windows[n][1]))
          g_error ("window %g/%g, HU %d: %u, want %d", windows[n][0], windows[n][1], hu,
                   ct_grey_lut_lookup_int (lut, hu), expected_grey (hu, windows[n][0], windows[n][1]));
    }
}

static void
test_lut_threshold_window (void)
{
  CtGreyLut lut;

  ct_grey_lut_init (&lut, 0, -500);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, -501), ==, 0);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, -500), ==, 255);
  ct_grey_lut_init (&lut, 1, -499.5);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, -500), ==, 0);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, -499), ==, 255);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, CT_GREY_LUT_HU_MAX), ==, 255);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, CT_GREY_LUT_HU_MIN), ==, 0);
  /* Not a number: a defined table all the same (threshold at 0 HU). */
  ct_grey_lut_init (&lut, NAN, NAN);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, -1), ==, 0);
  g_assert_cmpuint (ct_grey_lut_lookup_int (&lut, 0), ==, 255);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/lut/presets", test_lut_presets);
  g_test_add_func ("/render/lut/lung-window-values", test_lut_lung_window_values);
  g_test_add_func ("/render/lut/mediastinum-and-bone", test_lut_mediastinum_and_bone);
  g_test_add_func ("/render/lut/float-input", test_lut_float_input);
  g_test_add_func ("/render/lut/any-window", test_lut_any_window);
  g_test_add_func ("/render/lut/threshold-window", test_lut_threshold_window);
  return g_test_run ();
}
