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

typedef struct
{
  CtAnalyzer *analyzer;
  CtArrivalWatch *watch;
  GHashTable *analysed; /* series keys (series_key ()) */
  char *analysed_path;  /* <storage>/.analysed: the keys, one a line, kept across runs; or NULL */
  GMainLoop *loop;
  int n_threads;
  const char *json_out, *seg_out, *sr_out;
  const char *calling_aet;
  char *send_aet, *send_host;
  guint16 send_port;
} Serve;

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

  if (serve->analysed_path == NULL)
    return;
  f = fopen (serve->analysed_path, "a");
  if (f == NULL || fprintf (f, "%s\n", key) < 0 || fclose (f) != 0)
    log_line ("warning: cannot write %s: %s", serve->analysed_path, g_strerror (errno));
}

static void
load_keys (Serve *serve)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (serve->analysed_path, &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_hash_table_add (serve->analysed, g_strdup (lines[i]));
  log_line ("%u series analysed by earlier runs (%s)", g_hash_table_size (serve->analysed), serve->analysed_path);
}

static void
analyse_study (Serve *serve, CtStudy *study)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *key = series_key (study);
  g_autofree char *json_path = NULL;
  const char *uid = ct_study_get_series_uid (study) ? ct_study_get_series_uid (study) : ct_study_get_path (study);

  if (ct_study_get_error (study) != NULL)
    {
      log_line ("error: %s: %s", ct_study_get_path (study), ct_study_get_error (study));
      return;
    }
  if (g_hash_table_contains (serve->analysed, key))
    {
      log_line ("already analysed: series %s (%d images), not again", uid, ct_study_get_slices (study));
      return;
    }
  /* Once per key, also when it fails: the same files fail the same way. */
  remember_key (serve, key);
  g_hash_table_add (serve->analysed, g_steal_pointer (&key));
  if (!ct_analyzer_analyze (serve->analyzer, study, NULL, &error))
    {
      log_line ("error: series %s: %s", uid, error->message);
      ct_study_set_volume (study, NULL, -1.0);
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
}

static void
process_folder (Serve *serve, const char *dir)
{
  g_autoptr (CtStudyLibrary) library = ct_study_library_new ();
  g_autoptr (GError) error = NULL;
  const char *one[] = { dir, NULL };
  g_autoptr (GPtrArray) studies = ct_study_library_add_paths (library, one, serve->n_threads, FALSE, NULL, &error);

  log_line ("quiet: %s", dir);
  if (studies == NULL)
    {
      log_line ("no CT series in %s: %s", dir, error->message);
      return;
    }
  for (guint i = 0; i < studies->len; i++)
    analyse_study (serve, g_ptr_array_index (studies, i));
}

static gboolean
poll_folders (gpointer data)
{
  Serve *serve = data;
  g_autoptr (GPtrArray) ready = ct_arrival_watch_poll (serve->watch, g_get_real_time ());

  for (guint i = 0; i < ready->len; i++)
    process_folder (serve, g_ptr_array_index (ready, i));
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer data)
{
  Serve *serve = data;

  log_line ("stopping");
  g_main_loop_quit (serve->loop);
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
  double quiet_seconds = 5.0;
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
  guint sig_int, sig_term, poll_id;

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
  if (storage != NULL)
    {
      serve.analysed_path = g_build_filename (storage, ".analysed", NULL);
      load_keys (&serve);
    }
  sig_int = g_unix_signal_add (SIGINT, on_signal, &serve);
  sig_term = g_unix_signal_add (SIGTERM, on_signal, &serve);
  poll_id = g_timeout_add (POLL_INTERVAL_MS, poll_folders, &serve);
  log_line ("ready");
  g_main_loop_run (loop);
  g_source_remove (poll_id);
  g_source_remove (sig_int);
  g_source_remove (sig_term);
  g_clear_pointer (&receiver, ct_dicom_receiver_stop);
  log_line ("stopped");
  g_free (serve.analysed_path);
  g_free (serve.send_aet);
  g_free (serve.send_host);
  return 0;
}
