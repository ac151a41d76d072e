/* SPDX-License-Identifier: MIT */
/* ct-teaching-summary.c: Bland-Altman plots and the summary PDF
 * (ct-teaching-summary.h). */
#include "ct-teaching-summary.h"

#include <math.h>

#include <cairo-pdf.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>

/* A4 in points. */
#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN 48.0

static void
show_text (cairo_t *cr, double x, double y, const char *text)
{
  cairo_move_to (cr, x, y);
  cairo_show_text (cr, text);
}

void
ct_teaching_summary_draw_bland_altman (cairo_t *cr, double x, double y, double width, double height,
                                       const CtBlandAltmanPlot *plot)
{
  /* Axes: x 0..100 % (the mean), y symmetric around 0 wide enough for
   * every difference and limit, at least +/- 10 %. */
  double ymax = 10.0;
  double px = x + 44.0, py = y + 34.0, pw = width - 56.0, ph = height - 64.0;
  const double lines[3] = { plot->bias, plot->lower, plot->upper };
  char label[64];

  for (int i = 0; i < plot->n; i++)
    if (isfinite (plot->a[i]) && isfinite (plot->b[i]))
      ymax = fmax (ymax, fabs (plot->a[i] - plot->b[i]) * 1.1);
  for (int i = 0; i < 3; i++)
    if (isfinite (lines[i]))
      ymax = fmax (ymax, fabs (lines[i]) * 1.1);
  ymax = ceil (ymax / 5.0) * 5.0;

  cairo_save (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, 10.0);
  cairo_set_source_rgb (cr, 0, 0, 0);
  show_text (cr, x, y + 12.0, plot->title != NULL ? plot->title : "");
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 8.0);

  /* Frame, zero line and ticks. */
  cairo_set_line_width (cr, 0.8);
  cairo_rectangle (cr, px, py, pw, ph);
  cairo_stroke (cr);
  for (int t = 0; t <= 100; t += 25)
    {
      double tx = px + pw * t / 100.0;
      g_snprintf (label, sizeof label, "%d", t);
      show_text (cr, tx - 6.0, py + ph + 11.0, label);
    }
  for (int k = -2; k <= 2; k++)
    {
      double v = ymax * k / 2.0;
      double ty = py + ph * (0.5 - v / (2.0 * ymax));
      g_snprintf (label, sizeof label, "%+.0f", v);
      show_text (cr, px - 30.0, ty + 3.0, label);
    }
  if (plot->x_label != NULL)
    show_text (cr, px + pw / 2.0 - 40.0, py + ph + 24.0, plot->x_label);
  if (plot->y_label != NULL)
    show_text (cr, x, py - 4.0, plot->y_label);

  /* Bias (solid) and limits of agreement (dashed). */
  for (int i = 0; i < 3; i++)
    {
      double ly;
      const double dash[] = { 4.0, 3.0 };

      if (!isfinite (lines[i]))
        continue;
      ly = py + ph * (0.5 - lines[i] / (2.0 * ymax));
      cairo_set_source_rgb (cr, i == 0 ? 0.1 : 0.75, i == 0 ? 0.3 : 0.2, i == 0 ? 0.75 : 0.2);
      cairo_set_dash (cr, dash, i == 0 ? 0 : 2, 0.0);
      cairo_move_to (cr, px, ly);
      cairo_line_to (cr, px + pw, ly);
      cairo_stroke (cr);
      g_snprintf (label, sizeof label, "%+.1f", lines[i]);
      show_text (cr, px + pw - 30.0, ly - 2.0, label);
    }
  cairo_set_dash (cr, NULL, 0, 0.0);

  /* The pairs. */
  cairo_set_source_rgb (cr, 0, 0, 0);
  for (int i = 0; i < plot->n; i++)
    {
      double mean, diff;

      if (!isfinite (plot->a[i]) || !isfinite (plot->b[i]))
        continue;
      mean = CLAMP ((plot->a[i] + plot->b[i]) / 2.0, 0.0, 100.0);
      diff = plot->a[i] - plot->b[i];
      cairo_arc (cr, px + pw * mean / 100.0, py + ph * (0.5 - diff / (2.0 * ymax)), 2.5, 0, 2 * G_PI);
      cairo_fill (cr);
    }
  cairo_restore (cr);
}

gboolean
ct_teaching_summary_write_pdf (const char *file, const char *title, const char *text, const CtBlandAltmanPlot *plots,
                               int n_plots, GError **error)
{
  cairo_surface_t *surface = cairo_pdf_surface_create (file, PAGE_W, PAGE_H);
  cairo_t *cr = cairo_create (surface);
  g_auto (GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  double y;
  cairo_status_t status;

  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, 14.0);
  show_text (cr, MARGIN, MARGIN, title != NULL ? title : "");
  cairo_select_font_face (cr, "Monospace", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 8.0);
  y = MARGIN + 22.0;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (y > PAGE_H - MARGIN)
        {
          cairo_show_page (cr);
          y = MARGIN;
        }
      show_text (cr, MARGIN, y, lines[i]);
      y += 10.5;
    }
  for (int p = 0; p < n_plots; p++)
    {
      if (p % 2 == 0)
        cairo_show_page (cr);
      ct_teaching_summary_draw_bland_altman (cr, MARGIN, MARGIN + (p % 2) * 370.0, PAGE_W - 2 * MARGIN, 330.0,
                                             &plots[p]);
    }
  cairo_show_page (cr);
  status = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("Cannot write the PDF %s: %s"), file,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}
