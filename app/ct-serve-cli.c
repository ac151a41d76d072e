/* SPDX-License-Identifier: MIT */
/* ct-serve-cli.c: `ct-triage-cli serve` (ct-serve-cli.h). */
#include "config.h"

#include "ct-serve-cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "ct-analyzer.h"
#include "ct-arrival-watch.h"
#include "ct-dicom-receiver.h"
#include "ct-install-paths.h"
#include "ct-study-export.h"
#include "ct-study-library.h"
#include "ct-study-report.h"
#include "ct-threads.h"

#define EXIT_USAGE 2
/* How often the folders are polled. */
#define POLL_INTERVAL_MS 500
/* How often --keep-days looks for old series (and once at the start). */
#define SWEEP_INTERVAL_S 3600

/* One piece of work for the worker: a quiet folder, or a sweep of the
 * storage folder for series older than --keep-days. */
typedef struct
{
  char *dir;           /* the quiet folder; NULL: a sweep */
  gboolean in_storage; /* under --storage (its series may be removed) */
  gint64 handed_us;    /* when it was found quiet (g_get_real_time ()) */
} Job;

typedef struct
{
  CtAnalyzer *analyzer;
  CtArrivalWatch *watch;
  /* Series keys (series_key ()) of series analysed, and "failed:<bytes>:"
   * keys of those that failed; guarded by lock: the worker adds, the main
   * thread only frees. */
  GHashTable *analysed;
  GMutex lock;
  char *analysed_path;  /* <storage>/.analysed: the keys, one a line, kept across runs; or NULL */
  char *analysing_path; /* <storage>/.analysing: the key being analysed now; or NULL */
  GMainLoop *loop;
  int n_threads;
  const char *json_out, *seg_out, *sr_out;
  const char *calling_aet;
  char *send_aet, *send_host;
  guint16 send_port;
  /* Housekeeping of the storage folder. */
  const char *storage;
  char *storage_real; /* its canonical path, for the confinement check */
  gboolean delete_after;
  double keep_days; /* < 0: keep forever */
  /* The work (main thread only): one job at a time on a worker thread. */
  GQueue queue; /* Job* waiting */
  Job *current;
  GCancellable *cancellable; /* of the current job */
  gboolean stopping;
} Serve;

static void
job_free (Job *job)
{
  g_free (job->dir);
  g_free (job);
}

static GMutex log_lock;

/* One event, one line on standard output, with the time; called from the
 * receiver's thread too. */
static void G_GNUC_PRINTF (1, 2) log_line (const char *format, ...)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_mutex_lock (&log_lock);
  fprintf (stdout, "%s %s\n", stamp, line);
  fflush (stdout);
  g_mutex_unlock (&log_lock);
}

static void
receiver_log (const char *message, gpointer user_data)
{
  log_line ("receiver: %s", message);
}

static void
analyzer_warning (const char *message, gpointer user_data)
{
  log_line ("warning: %s", message);
}

static int
usage_error (GOptionContext *context, const char *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("ct-triage-cli: %s\n\n%s", message, help);
  return EXIT_USAGE;
}

/* What makes a series "the same one again": ct_series_info_dup_identity ()
 * (the window's receiver uses the same rule); for a study made from a path,
 * the path. */
static char *
series_key (CtStudy *study)
{
  const CtSeriesInfo *series = ct_study_get_series (study);

  if (series == NULL || series->headers == NULL)
    return g_strconcat ("path:", ct_study_get_path (study), NULL);
  return ct_series_info_dup_identity (series);
}

/* <json_out>/<stem>.json: the `analyze --json` array of this one study,
 * written through a temporary name (g_file_set_contents renames). */
static gboolean
write_json (Serve *serve, CtStudy *study, char **out_path, GError **error)
{
  g_autoptr (GPtrArray) one = g_ptr_array_new ();
  g_autofree char *stem = ct_study_export_dup_stem (study);
  g_autofree char *name = g_strconcat (stem, ".json", NULL);
  g_autofree char *json = NULL;
  g_autofree char *path = g_build_filename (serve->json_out, name, NULL);

  g_ptr_array_add (one, study);
  json = ct_study_report_to_json (one);
  if (g_mkdir_with_parents (serve->json_out, 0755) != 0)
    {
      int e = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e), "Cannot create %s: %s", serve->json_out,
                   g_strerror (e));
      return FALSE;
    }
  if (!g_file_set_contents (path, json, -1, error))
    return FALSE;
  *out_path = g_steal_pointer (&path);
  return TRUE;
}

static void
send_results (Serve *serve, CtStudy *study)
{
  g_autofree char *stem = ct_study_export_dup_stem (study);
  g_autofree char *seg_name = g_strconcat (stem, "_seg.dcm", NULL);
  g_autofree char *sr_name = g_strconcat (stem, "_sr.dcm", NULL);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  const char *seg_dir = serve->seg_out != NULL ? serve->seg_out : serve->sr_out;

  if (seg_dir != NULL)
    g_ptr_array_add (paths, g_build_filename (seg_dir, seg_name, NULL));
  if (serve->sr_out != NULL)
    g_ptr_array_add (paths, g_build_filename (serve->sr_out, sr_name, NULL));
  g_ptr_array_add (paths, NULL);
  if (ct_dicom_send_files (serve->calling_aet, serve->send_aet, serve->send_host, serve->send_port,
                           (const char *const *) paths->pdata, &error))
    log_line ("sent %u objects of series %s to %s@%s:%u", paths->len - 1, ct_study_get_series_uid (study),
              serve->send_aet, serve->send_host, serve->send_port);
  else
    log_line ("error: sending series %s: %s", ct_study_get_series_uid (study), error->message);
}

/* Appends @key to the .analysed file, so that a restarted node does not
 * analyse the storage folder's series again. */
static void
remember_key (Serve *serve, const char *key)
{
  FILE *f;

  g_mutex_lock (&serve->lock);
  g_hash_table_add (serve->analysed, g_strdup (key));
  g_mutex_unlock (&serve->lock);
  if (serve->analysed_path == NULL)
    return;
  f = fopen (serve->analysed_path, "a");
  if (f == NULL || fprintf (f, "%s\n", key) < 0 || fclose (f) != 0)
    log_line ("warning: cannot write %s: %s", serve->analysed_path, g_strerror (errno));
}

static gboolean
known_key (Serve *serve, const char *key)
{
  gboolean known;

  g_mutex_lock (&serve->lock);
  known = g_hash_table_contains (serve->analysed, key);
  g_mutex_unlock (&serve->lock);
  return known;
}

/* The number of images of the latest key of series @uid analysed before
 * with another set of instances, or 0. Keys are "<uid>:<count>:<sha>". */
static guint
earlier_count (Serve *serve, const char *uid, const char *key)
{
  g_autofree char *prefix = g_strconcat (uid, ":", NULL);
  GHashTableIter iter;
  gpointer k;
  guint count = 0;

  g_mutex_lock (&serve->lock);
  g_hash_table_iter_init (&iter, serve->analysed);
  while (g_hash_table_iter_next (&iter, &k, NULL))
    if (g_str_has_prefix (k, prefix) && strcmp (k, key) != 0)
      count = MAX (count, (guint) g_ascii_strtoull ((const char *) k + strlen (prefix), NULL, 10));
  g_mutex_unlock (&serve->lock);
  return count;
}

static void
load_keys (Serve *serve)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (g_file_get_contents (serve->analysing_path, &text, NULL, NULL))
    {
      g_strchomp (text);
      /* Only a run that died during an analysis leaves it: the series may
       * be what killed it, so it is not analysed again by itself. */
      if (*text != '\0')
        {
          log_line ("warning: the previous run ended during the analysis of %s; not analysed again (send it "
                    "again with more or other instances, or remove its line from %s)",
                    text, serve->analysed_path);
          remember_key (serve, text);
        }
      g_unlink (serve->analysing_path);
      g_clear_pointer (&text, g_free);
    }
  if (!g_file_get_contents (serve->analysed_path, &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_hash_table_add (serve->analysed, g_strdup (lines[i]));
  log_line ("%u series analysed by earlier runs (%s)", g_hash_table_size (serve->analysed), serve->analysed_path);
}

/* The total size of the study's files: part of the key of a failure, so
 * that files completed later (a copy that paused mid-file) are tried
 * again while the same broken files are not. */
static guint64
study_bytes (CtStudy *study)
{
  const CtSeriesInfo *series = ct_study_get_series (study);
  guint64 total = 0;

  for (guint i = 0; series != NULL && series->headers != NULL && i < series->headers->len; i++)
    {
      const CtGdcmHeader *h = g_ptr_array_index (series->headers, i);
      GStatBuf st;

      if (h->path != NULL && g_stat (h->path, &st) == 0)
        total += (guint64) st.st_size;
    }
  return total;
}

/* ---- Housekeeping of the storage folder ---- */

/* Whether @dir is a series folder of the receiver's layout,
 * <storage>/<study>/<series>, no link leading out: the only folders ever
 * removed. */
static gboolean
is_storage_series (Serve *serve, const char *dir)
{
  g_autofree char *real = NULL;
  g_auto (GStrv) parts = NULL;
  char *r;

  if (serve->storage_real == NULL || (r = realpath (dir, NULL)) == NULL)
    return FALSE;
  real = g_strdup (r);
  free (r);
  if (!g_str_has_prefix (real, serve->storage_real) || real[strlen (serve->storage_real)] != '/')
    return FALSE;
  parts = g_strsplit (real + strlen (serve->storage_real) + 1, "/", -1);
  return g_strv_length (parts) == 2 && parts[0][0] != '.' && parts[1][0] != '.' && *parts[0] != '\0' &&
         *parts[1] != '\0';
}

/* Removes the files of @study (the series just analysed, or found
 * analysed) from its folder @dir under the storage folder, then @dir and
 * its study folder when empty. Only regular files directly in @dir, and
 * only when none of them changed since @before_us (when the folder was
 * found quiet): instances moved in since then (more of the series, a
 * resend) make the folder change, so it is scanned again, found analysed
 * with them, and removed then. Files that come after the scan are not the
 * study's: they stay, and so does the folder. */
static void
remove_series (Serve *serve, const char *dir, CtStudy *study, gint64 before_us, const char *why)
{
  const CtSeriesInfo *series = ct_study_get_series (study);
  g_autofree char *real_dir = NULL;
  g_autofree char *parent = NULL;
  g_autoptr (GPtrArray) files = g_ptr_array_new ();
  guint removed = 0, young = 0;
  char *r;

  if (series == NULL || series->headers == NULL || !is_storage_series (serve, dir) ||
      (r = realpath (dir, NULL)) == NULL)
    return;
  real_dir = g_strdup (r);
  free (r);
  for (guint i = 0; i < series->headers->len; i++)
    {
      const CtGdcmHeader *h = g_ptr_array_index (series->headers, i);
      g_autofree char *file_dir = h->path != NULL ? g_path_get_dirname (h->path) : NULL;
      g_autofree char *real_file_dir = NULL;
      GStatBuf st;

      if (file_dir == NULL || (r = realpath (file_dir, NULL)) == NULL)
        continue;
      real_file_dir = g_strdup (r);
      free (r);
      if (strcmp (real_file_dir, real_dir) != 0 || g_lstat (h->path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;
      if ((gint64) st.st_ctim.tv_sec * G_USEC_PER_SEC + st.st_ctim.tv_nsec / 1000 >= before_us)
        young++;
      g_ptr_array_add (files, h->path);
    }
  if (young > 0)
    {
      log_line ("kept series %s in the storage folder: %u of its files arrived after it was found complete "
                "(removed once found analysed with them)",
                ct_study_get_series_uid (study), young);
      return;
    }
  for (guint i = 0; i < files->len; i++)
    if (g_unlink (g_ptr_array_index (files, i)) == 0)
      removed++;
    else
      log_line ("warning: cannot remove %s: %s", (const char *) g_ptr_array_index (files, i), g_strerror (errno));
  parent = g_path_get_dirname (real_dir);
  if (g_rmdir (real_dir) == 0)
    g_rmdir (parent); /* fails while the study has other series: kept */
  log_line ("removed %u files of series %s from the storage folder (%s)", removed, ct_study_get_series_uid (study),
            why);
}

/* ---- The work, on the worker thread ---- */

static gboolean
cancelled (GCancellable *cancellable, const char *uid)
{
  if (!g_cancellable_is_cancelled (cancellable))
    return FALSE;
  log_line ("cancelled: series %s: not analysed, nothing written (analysed at the next start)", uid);
  return TRUE;
}

static void
set_analysing (Serve *serve, const char *key)
{
  if (serve->analysing_path == NULL)
    return;
  if (key == NULL)
    g_unlink (serve->analysing_path);
  else if (!g_file_set_contents (serve->analysing_path, key, -1, NULL))
    log_line ("warning: cannot write %s", serve->analysing_path);
}

static void
analyse_study (Serve *serve, Job *job, CtStudy *study, GCancellable *cancellable)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *key = series_key (study);
  g_autofree char *failed_key = NULL;
  g_autofree char *json_path = NULL;
  const char *uid = ct_study_get_series_uid (study) ? ct_study_get_series_uid (study) : ct_study_get_path (study);
  guint before;

  if (ct_study_get_error (study) != NULL)
    {
      log_line ("error: %s: %s", ct_study_get_path (study), ct_study_get_error (study));
      return;
    }
  if (known_key (serve, key))
    {
      log_line ("already analysed: series %s (%d images), not again", uid, ct_study_get_slices (study));
      if (serve->delete_after && job->in_storage)
        remove_series (serve, job->dir, study, job->handed_us, "analysed before");
      return;
    }
  failed_key = g_strdup_printf ("failed:%" G_GUINT64_FORMAT ":%s", study_bytes (study), key);
  if (known_key (serve, failed_key))
    {
      log_line ("failed before: series %s (%d images, the same files), not again", uid, ct_study_get_slices (study));
      return;
    }
  before = earlier_count (serve, uid, key);
  if (before > 0)
    log_line ("changed: series %s was analysed with %u images; its %d images now are analysed and their result "
              "replaces the earlier one",
              uid, before, ct_study_get_slices (study));
  log_line ("analysing: series %s (%d images)", uid, ct_study_get_slices (study));
  /* A crash of the node during the analysis leaves the key here: the next
   * run does not analyse the series by itself again. */
  set_analysing (serve, key);
  if (!ct_analyzer_analyze (serve->analyzer, study, cancellable, &error))
    {
      ct_study_set_volume (study, NULL, -1.0);
      set_analysing (serve, NULL);
      if (cancelled (cancellable, uid))
        return;
      log_line ("error: series %s: %s (tried again when its files change)", uid, error->message);
      /* Once per set of files: the same files fail the same way. */
      remember_key (serve, failed_key);
      return;
    }
  /* Cancelled after the analysis (kept in the results cache): no output is
   * begun, so none is half there. Once begun, the outputs are finished. */
  if (cancelled (cancellable, uid))
    {
      ct_study_set_volume (study, NULL, -1.0);
      set_analysing (serve, NULL);
      return;
    }
  log_line ("analysed: series %s (%d images) probability %.3f severity %.1f %% %s%s", uid, ct_study_get_slices (study),
            ct_study_get_probability (study), ct_study_get_severity (study),
            ct_study_get_category (study) ? ct_study_get_category (study) : "-",
            ct_study_get_cached (study) ? " (from the results cache)" : "");
  if (serve->json_out != NULL)
    {
      if (write_json (serve, study, &json_path, &error))
        log_line ("wrote %s", json_path);
      else
        {
          log_line ("error: series %s: %s", uid, error->message);
          g_clear_error (&error);
        }
    }
  if (serve->seg_out != NULL || serve->sr_out != NULL)
    {
      if (ct_study_export_dicom (study, serve->seg_out, serve->sr_out, NULL, &error))
        {
          log_line ("wrote the DICOM SEG%s of series %s", serve->sr_out != NULL ? " and SR" : "", uid);
          if (serve->send_aet != NULL)
            send_results (serve, study);
        }
      else
        log_line ("error: series %s: %s", uid, error->message);
    }
  ct_study_set_volume (study, NULL, -1.0);
  remember_key (serve, key);
  set_analysing (serve, NULL);
  if (serve->delete_after && job->in_storage)
    remove_series (serve, job->dir, study, job->handed_us, "analysed");
}

static void
process_folder (Serve *serve, Job *job, GCancellable *cancellable)
{
  g_autoptr (CtStudyLibrary) library = ct_study_library_new ();
  g_autoptr (GError) error = NULL;
  const char *one[] = { job->dir, NULL };
  g_autoptr (GPtrArray) studies = NULL;

  log_line ("quiet: %s", job->dir);
  studies = ct_study_library_add_paths (library, one, serve->n_threads, FALSE, cancellable, &error);
  if (studies == NULL)
    {
      if (!g_cancellable_is_cancelled (cancellable))
        log_line ("no CT series in %s: %s", job->dir, error->message);
      return;
    }
  for (guint i = 0; i < studies->len && !g_cancellable_is_cancelled (cancellable); i++)
    analyse_study (serve, job, g_ptr_array_index (studies, i), cancellable);
}

/* The newest modification time of the files of @dir (µs), or 0 when it
 * holds none. */
static gint64
newest_file_us (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  gint64 newest = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf st;

      if (g_lstat (path, &st) == 0 && S_ISREG (st.st_mode))
        newest = MAX (newest, (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000);
    }
  return newest;
}

/* --keep-days: every series folder of the storage folder whose files were
 * all modified longer ago than that and whose series was analysed is
 * removed. Runs as a job of the worker, so never beside an analysis; a
 * folder still arriving has younger files, and a file moved in during the
 * sweep is younger than its start (remove_series ()). */
static void
sweep_storage (Serve *serve, Job *job, GCancellable *cancellable)
{
  g_autoptr (GDir) studies = g_dir_open (serve->storage, 0, NULL);
  gint64 now = g_get_real_time ();
  gint64 limit = now - (gint64) (serve->keep_days * 86400.0 * G_USEC_PER_SEC);
  const char *study_name;

  while (studies != NULL && (study_name = g_dir_read_name (studies)) != NULL &&
         !g_cancellable_is_cancelled (cancellable))
    {
      g_autofree char *study_dir = g_build_filename (serve->storage, study_name, NULL);
      g_autoptr (GDir) series = NULL;
      const char *series_name;

      if (study_name[0] == '.' || (series = g_dir_open (study_dir, 0, NULL)) == NULL)
        continue;
      while ((series_name = g_dir_read_name (series)) != NULL && !g_cancellable_is_cancelled (cancellable))
        {
          g_autofree char *dir = g_build_filename (study_dir, series_name, NULL);
          g_autoptr (CtStudyLibrary) library = NULL;
          g_autoptr (GPtrArray) found = NULL;
          const char *one[] = { dir, NULL };
          gint64 newest;

          if (series_name[0] == '.' || !is_storage_series (serve, dir))
            continue;
          newest = newest_file_us (dir);
          if (newest == 0 || newest >= limit)
            continue;
          library = ct_study_library_new ();
          found = ct_study_library_add_paths (library, one, serve->n_threads, FALSE, cancellable, NULL);
          for (guint i = 0; found != NULL && i < found->len; i++)
            {
              CtStudy *study = g_ptr_array_index (found, i);
              g_autofree char *key = series_key (study);

              if (known_key (serve, key))
                remove_series (serve, dir, study, now, "older than --keep-days");
            }
        }
    }
}

static void
job_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  Serve *serve = g_object_get_data (G_OBJECT (task), "serve");
  Job *job = task_data;

  if (job->dir != NULL)
    process_folder (serve, job, cancellable);
  else
    sweep_storage (serve, job, cancellable);
  g_task_return_boolean (task, TRUE);
}

static void start_next (Serve *serve);

/* The worker's job is done (main thread). */
static void
job_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  Serve *serve = user_data;

  g_clear_pointer (&serve->current, job_free);
  g_clear_object (&serve->cancellable);
  if (serve->stopping)
    {
      g_main_loop_quit (serve->loop);
      return;
    }
  start_next (serve);
}

static void
start_next (Serve *serve)
{
  g_autoptr (GTask) task = NULL;

  if (serve->current != NULL || serve->stopping || g_queue_is_empty (&serve->queue))
    return;
  serve->current = g_queue_pop_head (&serve->queue);
  serve->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, serve->cancellable, job_done, serve);
  g_task_set_name (task, "[ct-triage] serve job");
  g_object_set_data (G_OBJECT (task), "serve", serve);
  /* The job is freed in job_done, not with the task. */
  g_task_set_task_data (task, serve->current, NULL);
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, job_thread);
}

static gboolean
job_queued (Serve *serve, const char *dir)
{
  for (GList *l = serve->queue.head; l != NULL; l = l->next)
    if (g_strcmp0 (((Job *) l->data)->dir, dir) == 0)
      return TRUE;
  return FALSE;
}

static void
queue_job (Serve *serve, const char *dir, gboolean in_storage)
{
  Job *job;

  if (job_queued (serve, dir))
    return;
  job = g_new0 (Job, 1);
  job->dir = g_strdup (dir);
  job->in_storage = in_storage;
  job->handed_us = g_get_real_time ();
  g_queue_push_tail (&serve->queue, job);
  if (dir != NULL && serve->current != NULL)
    log_line ("queued: %s (%u waiting; analysing %s)", dir, g_queue_get_length (&serve->queue),
              serve->current->dir != NULL ? serve->current->dir : "the storage sweep");
  start_next (serve);
}

static gboolean
in_storage (Serve *serve, const char *dir)
{
  return serve->storage != NULL && g_str_has_prefix (dir, serve->storage) &&
         (dir[strlen (serve->storage)] == '/' || dir[strlen (serve->storage)] == '\0');
}

static gboolean
poll_folders (gpointer data)
{
  Serve *serve = data;
  g_autoptr (GPtrArray) ready = ct_arrival_watch_poll (serve->watch, g_get_real_time ());

  for (guint i = 0; i < ready->len && !serve->stopping; i++)
    queue_job (serve, g_ptr_array_index (ready, i), in_storage (serve, g_ptr_array_index (ready, i)));
  return G_SOURCE_CONTINUE;
}

static gboolean
sweep_tick (gpointer data)
{
  Serve *serve = data;

  if (!job_queued (serve, NULL) && !serve->stopping)
    queue_job (serve, NULL, TRUE);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer data)
{
  Serve *serve = data;

  if (serve->stopping)
    return G_SOURCE_CONTINUE;
  serve->stopping = TRUE;
  if (serve->current == NULL)
    {
      log_line ("stopping");
      g_main_loop_quit (serve->loop);
      return G_SOURCE_CONTINUE;
    }
  log_line ("stopping: cancelling the work on %s%s", serve->current->dir ? serve->current->dir : "the storage sweep",
            g_queue_is_empty (&serve->queue) ? "" : " (the folders waiting are left for the next start)");
  g_cancellable_cancel (serve->cancellable);
  return G_SOURCE_CONTINUE;
}

/* AET@HOST:PORT. */
static gboolean
parse_destination (const char *text, char **aet, char **host, guint16 *port)
{
  const char *at = strchr (text, '@');
  const char *colon = strrchr (text, ':');
  guint64 p;

  if (at == NULL || colon == NULL || colon < at || at == text || colon == at + 1 || at - text > 16)
    return FALSE;
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &p, NULL))
    return FALSE;
  *aet = g_strndup (text, at - text);
  *host = g_strndup (at + 1, colon - at - 1);
  *port = (guint16) p;
  return TRUE;
}

int
ct_serve_cli_run (int argc, char **argv)
{
  g_autofree char *storage = NULL, *aet = NULL, *allow = NULL, *json_out = NULL, *seg_out = NULL, *sr_out = NULL;
  g_autofree char *send_to = NULL, *model_dir = NULL;
  g_auto (GStrv) watch_dirs = NULL;
  g_auto (GStrv) allowed = NULL;
  int port = 11112, n_threads = 0;
  double quiet_seconds = 5.0, keep_days = -1.0;
  gboolean delete_after = FALSE;
  const GOptionEntry entries[] = {
    { "storage", 0, 0, G_OPTION_ARG_FILENAME, &storage, N_ ("Receive DICOM into this folder"), "DIR" },
    { "aet", 0, 0, G_OPTION_ARG_STRING, &aet, N_ ("The receiver's AE title (default CTTRIAGE)"), "AET" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, N_ ("The receiver's TCP port (default 11112)"), "PORT" },
    { "allow-aet", 0, 0, G_OPTION_ARG_STRING, &allow, N_ ("Calling AE titles let in, comma separated (default: any)"),
      "A,B" },
    { "watch", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &watch_dirs, N_ ("Also analyse series that appear here"), "DIR" },
    { "json-out", 0, 0, G_OPTION_ARG_FILENAME, &json_out, N_ ("Write <series_uid>.json per series here"), "DIR" },
    { "seg-out", 0, 0, G_OPTION_ARG_FILENAME, &seg_out, N_ ("Write the DICOM SEG per series here"), "DIR" },
    { "sr-out", 0, 0, G_OPTION_ARG_FILENAME, &sr_out, N_ ("Write the DICOM SR per series here"), "DIR" },
    { "quiet-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &quiet_seconds,
      N_ ("A series is complete when no file came for this long (default 5)"), "S" },
    { "send-to", 0, 0, G_OPTION_ARG_STRING, &send_to, N_ ("Send the SEG and SR on by C-STORE"), "AET@HOST:PORT" },
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_dir,
      N_ ("Folder with lungs.safetensors and multitask-spatial.safetensors"), "DIR" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &n_threads, N_ ("Threads (0 = all cores)"), "N" },
    { "delete-after-analysis", 0, 0, G_OPTION_ARG_NONE, &delete_after,
      N_ ("Remove a series from --storage once analysed (its identity is kept)"), NULL },
    { "keep-days", 0, 0, G_OPTION_ARG_DOUBLE, &keep_days,
      N_ ("Remove analysed series from --storage when their files are older than this"), "DAYS" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("- a headless triage node"));
  g_autoptr (GError) error = NULL;
  g_autoptr (CtDicomReceiver) receiver = NULL;
  g_autoptr (CtArrivalWatch) watch = NULL;
  g_autoptr (CtAnalyzer) analyzer = NULL;
  g_autoptr (GHashTable) analysed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Serve serve = { 0 };
  guint sig_int, sig_term, poll_id, sweep_id = 0;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (argc > 1)
    return usage_error (context, _ ("serve takes no PATH (use --watch DIR)"));
  if (storage == NULL && (watch_dirs == NULL || watch_dirs[0] == NULL))
    return usage_error (context, _ ("--storage or --watch is required"));
  if (port < 1 || port > 65535)
    return usage_error (context, _ ("--port must be 1 to 65535"));
  if (!(quiet_seconds >= 0.0 && quiet_seconds <= 3600.0))
    return usage_error (context, _ ("--quiet-seconds must be 0 to 3600"));
  if (n_threads < 0)
    return usage_error (context, _ ("--threads must be 0 or more"));
  if ((delete_after || keep_days >= 0.0) && storage == NULL)
    return usage_error (context,
                        _ ("--delete-after-analysis and --keep-days need --storage (only its series are removed)"));
  if (keep_days != -1.0 && !(keep_days >= 0.0 && keep_days <= 36500.0))
    return usage_error (context, _ ("--keep-days must be 0 to 36500"));
  if (aet == NULL)
    aet = g_strdup ("CTTRIAGE");
  if (*aet == '\0' || strlen (aet) > 16)
    return usage_error (context, _ ("--aet must be 1 to 16 characters"));
  if (send_to != NULL && !parse_destination (send_to, &serve.send_aet, &serve.send_host, &serve.send_port))
    return usage_error (context, _ ("--send-to takes AET@HOST:PORT"));
  if (send_to != NULL && seg_out == NULL && sr_out == NULL)
    return usage_error (context, _ ("--send-to needs --seg-out or --sr-out (the objects it sends)"));
  n_threads = MIN (n_threads, ct_threads_cap (n_threads));

  /* Owned either way (the found folder leaked before: LeakSanitizer). */
  if (model_dir == NULL)
    model_dir = ct_install_paths_find_model_dir (g_getenv ("CT_TRIAGE_MODEL_DIR"));
  analyzer = ct_analyzer_new (model_dir);
  ct_analyzer_set_n_threads (analyzer, n_threads);
  {
    const char *cache_dir = g_getenv ("CT_TRIAGE_CACHE_DIR");
    ct_analyzer_set_cache (analyzer, TRUE, cache_dir != NULL && *cache_dir != '\0' ? cache_dir : NULL);
  }
  ct_analyzer_set_warning_func (analyzer, analyzer_warning, NULL);
  if (!ct_analyzer_load_models (analyzer, &error))
    {
      g_printerr ("ct-triage-cli: serve: no usable model weights in %s: %s\n", ct_analyzer_get_model_dir (analyzer),
                  error->message);
      g_free (serve.send_aet);
      g_free (serve.send_host);
      return 1;
    }

  watch = ct_arrival_watch_new (quiet_seconds);
  if (storage != NULL)
    {
      CtDicomReceiverOptions options = { 0 };

      if (allow != NULL)
        allowed = g_strsplit (allow, ",", -1);
      options.ae_title = aet;
      options.port = (guint16) port;
      options.allowed_aets = (const char *const *) allowed;
      options.storage_dir = storage;
      receiver = ct_dicom_receiver_start (&options, receiver_log, NULL, &error);
      if (receiver == NULL)
        {
          g_printerr ("ct-triage-cli: serve: %s\n", error->message);
          g_free (serve.send_aet);
          g_free (serve.send_host);
          return 1;
        }
      ct_arrival_watch_add_root (watch, storage);
      log_line ("listening as %s on port %d, storing into %s%s%s", aet, port, storage,
                allow != NULL ? ", calling AE titles allowed: " : "", allow != NULL ? allow : "");
    }
  for (guint i = 0; watch_dirs != NULL && watch_dirs[i] != NULL; i++)
    {
      ct_arrival_watch_add_root (watch, watch_dirs[i]);
      log_line ("watching %s", watch_dirs[i]);
    }

  serve.analyzer = analyzer;
  serve.watch = watch;
  serve.analysed = analysed;
  serve.loop = loop;
  serve.n_threads = n_threads;
  serve.json_out = json_out;
  serve.seg_out = seg_out;
  serve.sr_out = sr_out;
  serve.calling_aet = aet;
  serve.storage = storage;
  serve.delete_after = delete_after;
  serve.keep_days = keep_days;
  g_mutex_init (&serve.lock);
  g_queue_init (&serve.queue);
  if (storage != NULL)
    {
      char *real = realpath (storage, NULL);

      serve.storage_real = g_strdup (real);
      free (real);
      serve.analysed_path = g_build_filename (storage, ".analysed", NULL);
      serve.analysing_path = g_build_filename (storage, ".analysing", NULL);
      load_keys (&serve);
    }
  sig_int = g_unix_signal_add (SIGINT, on_signal, &serve);
  sig_term = g_unix_signal_add (SIGTERM, on_signal, &serve);
  poll_id = g_timeout_add (POLL_INTERVAL_MS, poll_folders, &serve);
  if (keep_days >= 0.0)
    {
      log_line ("series analysed are removed from %s when older than %g days", storage, keep_days);
      sweep_tick (&serve);
      sweep_id = g_timeout_add_seconds (SWEEP_INTERVAL_S, sweep_tick, &serve);
    }
  if (delete_after)
    log_line ("series analysed are removed from %s", storage);
  log_line ("ready");
  g_main_loop_run (loop);
  g_source_remove (poll_id);
  if (sweep_id != 0)
    g_source_remove (sweep_id);
  g_source_remove (sig_int);
  g_source_remove (sig_term);
  g_clear_pointer (&receiver, ct_dicom_receiver_stop);
  g_queue_clear_full (&serve.queue, (GDestroyNotify) job_free);
  log_line ("stopped");
  g_mutex_clear (&serve.lock);
  g_free (serve.storage_real);
  g_free (serve.analysing_path);
  g_free (serve.analysed_path);
  g_free (serve.send_aet);
  g_free (serve.send_host);
  return 0;
}
