/* SPDX-License-Identifier: MIT */
/* ct-teaching-summary.h: the teaching summary drawn with Cairo
 * (docs/teaching-session.md, "Scores"): a Bland-Altman plot, and a PDF of
 * the summary text followed by its plots. The numbers come computed
 * (app/ct-teaching-score.h); this file only draws. GTK-free. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* One Bland-Altman plot of @a against @b (n pairs, NAN = left out): x the
 * mean (a + b) / 2, y the difference a - b, both in %; lines at @bias and
 * the limits @lower and @upper (NAN: not drawn). */
typedef struct
{
  const char *title;
  const double *a;
  const double *b;
  int n;
  double bias;
  double lower;
  double upper;
  const char *x_label; /* e.g. "mean of the two, %" (translated by the caller) */
  const char *y_label;
} CtBlandAltmanPlot;

/* Draws @plot into the rectangle (@x, @y, @width, @height), user units. */
void ct_teaching_summary_draw_bland_altman (cairo_t *cr, double x, double y, double width, double height,
                                            const CtBlandAltmanPlot *plot);

/* A4 PDF: @title, @text (lines in a monospaced face, continued on further
 * pages), then the plots, two per page. FALSE with an error naming @file
 * when Cairo cannot write it. */
gboolean ct_teaching_summary_write_pdf (const char *file, const char *title, const char *text,
                                        const CtBlandAltmanPlot *plots, int n_plots, GError **error);

G_END_DECLS
