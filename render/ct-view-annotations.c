/* SPDX-License-Identifier: MIT */
#include "ct-view-annotations.h"

#include <math.h>

#include <glib/gi18n-lib.h>

double
ct_scale_bar_nice_length_mm (double max_mm)
{
  double decade, best = 0.0;
  static const double mantissas[] = { 1.0, 2.0, 5.0 };

  if (!(max_mm > 0.0) || !isfinite (max_mm))
    return 0.0;

  decade = pow (10.0, floor (log10 (max_mm)));
  for (guint n = 0; n < G_N_ELEMENTS (mantissas); n++)
    if (mantissas[n] * decade <= max_mm * (1.0 + 1e-9))
      best = mantissas[n] * decade;
  return best;
}

/* Font size in widget pixels that stays legible from a thumbnail to a full
 * screen view. */
static double
annotation_font_size (double widget_width, double widget_height)
{
  return CLAMP (MIN (widget_width, widget_height) / 28.0, 9.0, 16.0);
}

/* White text with a dark one-pixel halo, readable over lung and bone. */
static void
show_text_with_halo (cairo_t *cr, double x, double y, const char *text)
{
  static const double offsets[4][2] = { { -1, 0 }, { 1, 0 }, { 0, -1 }, { 0, 1 } };

  cairo_set_source_rgb (cr, 0.0, 0.0, 0.0);
  for (int n = 0; n < 4; n++)
    {
      cairo_move_to (cr, x + offsets[n][0], y + offsets[n][1]);
      cairo_show_text (cr, text);
    }
  cairo_set_source_rgb (cr, 1.0, 0.85, 0.2);
  cairo_move_to (cr, x, y);
  cairo_show_text (cr, text);
}

void
ct_draw_orientation_labels (cairo_t *cr, const CtSliceGeometry *geometry, double widget_width, double widget_height)
{
  cairo_text_extents_t extents;
  cairo_font_extents_t font;
  double margin;

  g_return_if_fail (cr != NULL && geometry != NULL);

  cairo_save (cr);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, annotation_font_size (widget_width, widget_height));
  cairo_font_extents (cr, &font);
  margin = font.height * 0.4;

  cairo_text_extents (cr, geometry->label_left, &extents);
  show_text_with_halo (cr, margin - extents.x_bearing, widget_height / 2.0 + font.ascent / 2.0, geometry->label_left);

  cairo_text_extents (cr, geometry->label_right, &extents);
  show_text_with_halo (cr, widget_width - margin - extents.x_advance, widget_height / 2.0 + font.ascent / 2.0,
                       geometry->label_right);

  cairo_text_extents (cr, geometry->label_top, &extents);
  show_text_with_halo (cr, (widget_width - extents.x_advance) / 2.0, margin + font.ascent, geometry->label_top);

  cairo_text_extents (cr, geometry->label_bottom, &extents);
  show_text_with_halo (cr, (widget_width - extents.x_advance) / 2.0, widget_height - margin - font.descent,
                       geometry->label_bottom);
  cairo_restore (cr);
}

void
ct_draw_scale_bar (cairo_t *cr, double mm_per_widget_pixel, double widget_width, double widget_height)
{
  double length_mm, length_px, font_size, x_right, y, tick;
  cairo_text_extents_t extents;
  char text[32];

  g_return_if_fail (cr != NULL);

  if (!(mm_per_widget_pixel > 0.0))
    return;
  length_mm = ct_scale_bar_nice_length_mm (widget_width / 5.0 * mm_per_widget_pixel);
  if (length_mm <= 0.0)
    return;
  length_px = length_mm / mm_per_widget_pixel;
  font_size = annotation_font_size (widget_width, widget_height);
  x_right = widget_width - font_size * 1.5;
  y = widget_height - font_size * 1.2;
  tick = font_size * 0.4;

  cairo_save (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_SQUARE);
  for (int pass = 0; pass < 2; pass++)
    {
      /* First a dark, wider stroke as halo, then the bar itself. */
      if (pass == 0)
        {
          cairo_set_source_rgb (cr, 0.0, 0.0, 0.0);
          cairo_set_line_width (cr, 4.0);
        }
      else
        {
          cairo_set_source_rgb (cr, 1.0, 0.85, 0.2);
          cairo_set_line_width (cr, 2.0);
        }
      cairo_move_to (cr, x_right - length_px, y - tick);
      cairo_line_to (cr, x_right - length_px, y);
      cairo_line_to (cr, x_right, y);
      cairo_line_to (cr, x_right, y - tick);
      cairo_stroke (cr);
    }

  /* TRANSLATORS: the scale bar's length. */
  g_snprintf (text, sizeof text, _ ("%g mm"), length_mm);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, font_size * 0.9);
  cairo_text_extents (cr, text, &extents);
  show_text_with_halo (cr, x_right - length_px / 2.0 - extents.x_advance / 2.0, y - tick - 5.0, text);
  cairo_restore (cr);
}
