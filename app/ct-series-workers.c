/* SPDX-License-Identifier: MIT */
#include "ct-series-workers.h"

#include <glib/gi18n-lib.h>

#include "ct-error.h"
#include "ct-threads.h"

typedef struct
{
  GMutex lock;
  GCond changed;
  guint n_done;
  GError *error; /* the first failure, owned */
  CtSeriesItemFunc func;
  gpointer user_data;
  GCancellable *cancellable;
} WorkerRun;

static void
worker (gpointer item, gpointer data)
{
  WorkerRun *run = data;
  guint index = GPOINTER_TO_UINT (item) - 1;
  GError *error = NULL;
  gboolean stop;

  g_mutex_lock (&run->lock);
  stop = run->error != NULL;
  g_mutex_unlock (&run->lock);

  if (!stop && !g_cancellable_is_cancelled (run->cancellable))
    run->func (index, run->user_data, &error);

  g_mutex_lock (&run->lock);
  if (error != NULL && run->error == NULL)
    run->error = g_steal_pointer (&error);
  run->n_done++;
  g_cond_signal (&run->changed);
  g_mutex_unlock (&run->lock);
  g_clear_error (&error);
}

gboolean
ct_series_workers_run (guint n_items, int n_threads, CtSeriesItemFunc func, gpointer user_data,
                       CtSeriesProgressFunc progress, gpointer progress_data, GCancellable *cancellable, GError **error)
{
  WorkerRun run = { 0 };
  GThreadPool *pool;
  gboolean ok;

  g_return_val_if_fail (func != NULL, FALSE);

  if (n_items == 0)
    return TRUE;
  n_threads = ct_threads_cap (n_threads);
  n_threads = (int) MIN ((guint) n_threads, n_items);

  g_mutex_init (&run.lock);
  g_cond_init (&run.changed);
  run.func = func;
  run.user_data = user_data;
  run.cancellable = cancellable;

  if (n_threads == 1)
    {
      /* No thread for a single worker: same code path, fewer surprises. */
      for (guint i = 0; i < n_items; i++)
        {
          worker (GUINT_TO_POINTER (i + 1), &run);
          if (progress != NULL)
            progress ((double) (i + 1) / n_items, progress_data);
        }
    }
  else
    {
      pool = g_thread_pool_new (worker, &run, n_threads, TRUE, NULL);
      for (guint i = 0; i < n_items; i++)
        g_thread_pool_push (pool, GUINT_TO_POINTER (i + 1), NULL);

      guint reported = 0;

      g_mutex_lock (&run.lock);
      while (run.n_done < n_items)
        {
          guint done;
          g_cond_wait (&run.changed, &run.lock);
          done = run.n_done;
          if (progress != NULL)
            {
              g_mutex_unlock (&run.lock);
              progress ((double) done / n_items, progress_data);
              reported = done;
              g_mutex_lock (&run.lock);
            }
        }
      g_mutex_unlock (&run.lock);
      /* The workers may all have finished before this thread first waited
       * (then the loop above never ran): the end is reported once anyway. */
      if (progress != NULL && reported < n_items)
        progress (1.0, progress_data);
      g_thread_pool_free (pool, FALSE, TRUE);
    }

  ok = run.error == NULL;
  if (!ok)
    g_propagate_error (error, run.error);
  else if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_CANCELLED, _ ("Loading was cancelled"));
      ok = FALSE;
    }
  g_mutex_clear (&run.lock);
  g_cond_clear (&run.changed);
  return ok;
}
