/* SPDX-License-Identifier: MIT */
/* Scale bar lengths and where the orientation letters and the bar land. */
#include <math.h>

#include "ct-view-annotations.h"

static void
test_annotations_nice_lengths (void)
{
  static const double cases[][2] = {
    { 37.0, 20.0 }, { 100.0, 100.0 }, { 99.9, 50.0 },   { 0.3, 0.2 }, { 7.0, 5.0 },
    { 1.0, 1.0 },   { 250.0, 200.0 }, { 19.999, 10.0 }, { 5.0, 5.0 }, { 1234.0, 1000.0 },
  };

  for (guint n = 0; n < G_N_ELEMENTS (cases); n++)
    g_assert_cmpfloat_with_epsilon (ct_scale_bar_nice_length_mm (cases[n][0]), cases[n][1], 1e-9);
  g_assert_cmpfloat (ct_scale_bar_nice_length_mm (0.0), ==, 0.0);
  g_assert_cmpfloat (ct_scale_bar_nice_length_mm (-5.0), ==, 0.0);
  g_assert_cmpfloat (ct_scale_bar_nice_length_mm (NAN), ==, 0.0);
  g_assert_cmpfloat (ct_scale_bar_nice_length_mm (INFINITY), ==, 0.0);
}

/* Non-black pixels inside a rectangle of a black RGB24 image. */
static int
count_ink (cairo_surface_t *surface, int x0, int y0, int x1, int y1)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface), ink = 0;

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      ink += (((const guint32 *) (data + (gsize) y * stride))[x] & 0xffffff) != 0;
  return ink;
}

static cairo_surface_t *
black_surface (int size, cairo_t **out_cr)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, size, size);

  *out_cr = cairo_create (surface);
  cairo_set_source_rgb (*out_cr, 0, 0, 0);
  cairo_paint (*out_cr);
  return surface;
}

static void
test_annotations_labels_on_edges (void)
{
  CtSliceGeometry g = { 0 };
  cairo_t *cr;
  cairo_surface_t *surface = black_surface (300, &cr);

  g_strlcpy (g.label_left, "R", sizeof g.label_left);
  g_strlcpy (g.label_right, "L", sizeof g.label_right);
  g_strlcpy (g.label_top, "A", sizeof g.label_top);
  g_strlcpy (g.label_bottom, "P", sizeof g.label_bottom);
  ct_draw_orientation_labels (cr, &g, 300, 300);
  cairo_surface_flush (surface);

  /* A letter in a 40-pixel band at the middle of each edge ... */
  g_assert_cmpint (count_ink (surface, 0, 130, 40, 170), >, 10);
  g_assert_cmpint (count_ink (surface, 260, 130, 300, 170), >, 10);
  g_assert_cmpint (count_ink (surface, 130, 0, 170, 40), >, 10);
  g_assert_cmpint (count_ink (surface, 130, 260, 170, 300), >, 10);
  /* ... and nothing over the image itself or in the corners. */
  g_assert_cmpint (count_ink (surface, 50, 50, 250, 250), ==, 0);
  g_assert_cmpint (count_ink (surface, 0, 0, 60, 60), ==, 0);
  g_assert_cmpint (count_ink (surface, 240, 0, 300, 60), ==, 0);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static void
test_annotations_scale_bar (void)
{
  cairo_t *cr;
  cairo_surface_t *surface = black_surface (400, &cr);
  const guint8 *data;
  int stride, first = -1, last = -1, row = -1;

  /* 0.5 mm per widget pixel: a fifth of 400 px is 40 mm, so a 20 mm bar
   * that is 40 px long. */
  ct_draw_scale_bar (cr, 0.5, 400, 400);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);

  /* The bar is the longest run of bright yellow in the lower fifth. */
  for (int y = 320; y < 400; y++)
    {
      int run_first = -1, run_last = -1;

      for (int x = 0; x < 400; x++)
        {
          guint32 pixel = ((const guint32 *) (data + (gsize) y * stride))[x];
          gboolean yellow = ((pixel >> 16) & 0xff) > 200 && ((pixel >> 8) & 0xff) > 150 && (pixel & 0xff) < 120;

          if (yellow)
            {
              if (run_first < 0)
                run_first = x;
              run_last = x;
            }
        }
      if (run_first >= 0 && run_last - run_first > last - first)
        {
          first = run_first;
          last = run_last;
          row = y;
        }
    }
  g_assert_cmpint (row, >=, 0);
  /* 40 px plus up to a line width of square caps. */
  g_assert_cmpint (last - first + 1, >=, 40);
  g_assert_cmpint (last - first + 1, <=, 43);
  g_assert_cmpint (first, >, 200); /* lower right corner */

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/annotations/nice-lengths", test_annotations_nice_lengths);
  g_test_add_func ("/render/annotations/labels-on-edges", test_annotations_labels_on_edges);
  g_test_add_func ("/render/annotations/scale-bar", test_annotations_scale_bar);
  return g_test_run ();
}
