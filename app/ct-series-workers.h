/* SPDX-License-Identifier: MIT */
/* ct-series-workers.h: runs one function over N items (files) on a pool of
 * threads, the caller's thread waiting and reporting progress. Used for
 * header reading during discovery and for pixel decoding while loading
 * (GDCM readers are per-call objects, so files decode in parallel). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Handles item @index on a worker thread; returns FALSE with @error set to
 * stop the run (the first error wins, items not started are skipped). */
typedef gboolean (*CtSeriesItemFunc) (guint index, gpointer user_data, GError **error);

/* Called on the caller's thread with the fraction of items done. */
typedef void (*CtSeriesProgressFunc) (double fraction, gpointer user_data);

/* @n_threads: 0 = one per processor. Returns FALSE with the first item error,
 * or CT_ERROR_CANCELLED when @cancellable fired. */
gboolean ct_series_workers_run (guint n_items, int n_threads, CtSeriesItemFunc func, gpointer user_data,
                                CtSeriesProgressFunc progress, gpointer progress_data, GCancellable *cancellable,
                                GError **error);

G_END_DECLS
