/* SPDX-License-Identifier: MIT */
/* ct-window.h: the network's intensity window (docs/architecture.md, "The method", step 3): HU clipped
 * to [low, high] and scaled linearly to [0, 1]. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double low_hu, high_hu; /* -1000, 300 for the paper's networks */
} CtWindow;

/* Parses "low,high" (the `hu_window` metadata); FALSE unless low < high. */
gboolean ct_window_parse (const char *text, CtWindow *out);
void ct_window_apply (const CtWindow *window, float *data, gsize n);

G_END_DECLS
