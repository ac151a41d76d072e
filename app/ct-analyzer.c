/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "ct-analysis.h"
#include "ct-analyzer.h"
#include "ct-error.h"
#include "ct-results-cache.h"
#include "ct-series-loader.h"
#include "ct-threads.h"

/* Progress is posted to the study's main context only when it moved by this
 * much (or the stage changed): per slice for studies up to 500 slices. */
#define PROGRESS_STEP 0.002

/* Scheduling niceness of a background analysis and of its OpenMP team. */
#define BACKGROUND_NICENESS 10

struct _CtAnalyzer
{
  GObject parent_instance;

  char *model_dir;
  GMutex models_lock; /* guards lungs, multitask */
  CtModel *lungs;
  CtModel *multitask;
  int n_threads;

  gboolean use_cache;
  char *cache_dir;
  GMutex cache_lock; /* guards cache, cache_opened: one connection, one user at a time */
  CtResultsCache *cache;
  gboolean cache_opened; /* tried (the cache may still be NULL: could not open) */

  CtAnalyzerLoadFunc load_func;
  CtAnalyzerWarningFunc warning_func;
  gpointer warning_data;
};

G_DEFINE_FINAL_TYPE (CtAnalyzer, ct_analyzer, G_TYPE_OBJECT)

static void
ct_analyzer_finalize (GObject *object)
{
  CtAnalyzer *self = CT_ANALYZER (object);

  g_free (self->model_dir);
  g_clear_pointer (&self->lungs, ct_model_unref);
  g_clear_pointer (&self->multitask, ct_model_unref);
  g_mutex_clear (&self->models_lock);
  g_free (self->cache_dir);
  g_clear_pointer (&self->cache, ct_results_cache_close);
  g_mutex_clear (&self->cache_lock);

  G_OBJECT_CLASS (ct_analyzer_parent_class)->finalize (object);
}

static void
ct_analyzer_class_init (CtAnalyzerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ct_analyzer_finalize;
}

static void
warn_by_message (const char *message, gpointer user_data)
{
  g_message ("%s", message);
}

static void
ct_analyzer_init (CtAnalyzer *self)
{
  g_mutex_init (&self->models_lock);
  g_mutex_init (&self->cache_lock);
  self->use_cache = TRUE;
  self->warning_func = warn_by_message;
}

CtAnalyzer *
ct_analyzer_new (const char *model_dir)
{
  CtAnalyzer *self = g_object_new (CT_TYPE_ANALYZER, NULL);

  self->model_dir = g_strdup (model_dir);
  return self;
}

const char *
ct_analyzer_get_model_dir (CtAnalyzer *self)
{
  g_return_val_if_fail (CT_IS_ANALYZER (self), NULL);
  return self->model_dir;
}

static void warn (CtAnalyzer *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
warn (CtAnalyzer *self, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  self->warning_func (message, self->warning_data);
}

gboolean
ct_analyzer_load_models (CtAnalyzer *self, GError **error)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autofree char *lungs_path = NULL;
  g_autofree char *multitask_path = NULL;
  g_autoptr (CtModel) lungs = NULL;
  g_autoptr (CtModel) multitask = NULL;

  g_return_val_if_fail (CT_IS_ANALYZER (self), FALSE);

  locker = g_mutex_locker_new (&self->models_lock);
  if (self->lungs != NULL && self->multitask != NULL)
    return TRUE;
  if (self->model_dir == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("No model folder was found"));
      return FALSE;
    }
  lungs_path = g_build_filename (self->model_dir, CT_ANALYZER_LUNGS_MODEL_FILE, NULL);
  multitask_path = g_build_filename (self->model_dir, CT_ANALYZER_MULTITASK_MODEL_FILE, NULL);
  if ((lungs = ct_model_load (lungs_path, error)) == NULL ||
      (multitask = ct_model_load (multitask_path, error)) == NULL)
    return FALSE;
  self->lungs = g_steal_pointer (&lungs);
  self->multitask = g_steal_pointer (&multitask);
  return TRUE;
}

void
ct_analyzer_set_models (CtAnalyzer *self, CtModel *lungs, CtModel *multitask)
{
  g_return_if_fail (CT_IS_ANALYZER (self));
  g_return_if_fail (lungs != NULL && multitask != NULL);

  g_mutex_lock (&self->models_lock);
  ct_model_ref (lungs);
  ct_model_ref (multitask);
  g_clear_pointer (&self->lungs, ct_model_unref);
  g_clear_pointer (&self->multitask, ct_model_unref);
  self->lungs = lungs;
  self->multitask = multitask;
  g_mutex_unlock (&self->models_lock);
}

gboolean
ct_analyzer_has_models (CtAnalyzer *self)
{
  gboolean has;

  g_return_val_if_fail (CT_IS_ANALYZER (self), FALSE);
  g_mutex_lock (&self->models_lock);
  has = self->lungs != NULL && self->multitask != NULL;
  g_mutex_unlock (&self->models_lock);
  return has;
}

/* References to both models, or FALSE with an error. */
static gboolean
dup_models (CtAnalyzer *self, CtModel **out_lungs, CtModel **out_multitask, GError **error)
{
  if (!ct_analyzer_load_models (self, error))
    return FALSE;
  g_mutex_lock (&self->models_lock);
  *out_lungs = ct_model_ref (self->lungs);
  *out_multitask = ct_model_ref (self->multitask);
  g_mutex_unlock (&self->models_lock);
  return TRUE;
}

void
ct_analyzer_set_n_threads (CtAnalyzer *self, int n_threads)
{
  g_return_if_fail (CT_IS_ANALYZER (self));
  self->n_threads = n_threads > 0 ? ct_threads_cap (n_threads) : 0;
}

void
ct_analyzer_set_cache (CtAnalyzer *self, gboolean use_cache, const char *cache_dir)
{
  g_return_if_fail (CT_IS_ANALYZER (self));

  g_mutex_lock (&self->cache_lock);
  self->use_cache = use_cache;
  g_free (self->cache_dir);
  self->cache_dir = g_strdup (cache_dir);
  g_clear_pointer (&self->cache, ct_results_cache_close);
  self->cache_opened = FALSE;
  g_mutex_unlock (&self->cache_lock);
}

void
ct_analyzer_set_load_func (CtAnalyzer *self, CtAnalyzerLoadFunc load_func)
{
  g_return_if_fail (CT_IS_ANALYZER (self));
  self->load_func = load_func;
}

void
ct_analyzer_set_warning_func (CtAnalyzer *self, CtAnalyzerWarningFunc func, gpointer user_data)
{
  g_return_if_fail (CT_IS_ANALYZER (self));
  self->warning_func = func != NULL ? func : warn_by_message;
  self->warning_data = func != NULL ? user_data : NULL;
}

/* ---- The results cache (called with cache_lock held) -------------------- */

static CtResultsCache *
cache_get (CtAnalyzer *self)
{
  g_autoptr (GError) error = NULL;

  if (!self->use_cache)
    return NULL;
  if (!self->cache_opened)
    {
      self->cache_opened = TRUE;
      self->cache = ct_results_cache_open (self->cache_dir, &error);
      if (self->cache == NULL)
        warn (self, _ ("%s; analysing without the cache"), error->message);
      else if (ct_results_cache_get_recovery_note (self->cache) != NULL)
        warn (self, "%s", ct_results_cache_get_recovery_note (self->cache));
    }
  return self->cache;
}

/* ---- One job: the steps, on whichever thread runs them ------------------ */

typedef struct
{
  CtAnalyzer *analyzer;       /* referenced */
  CtStudy *study;             /* referenced; touched on the owner's thread only */
  const CtSeriesInfo *series; /* the study's, which it never changes; may be NULL */
  char *path;
  char *series_uid;
  gboolean load_only;
  GMainContext *owner; /* NULL: the blocking call, on the owner's thread */

  CtVolume *volume; /* the study's, or loaded here */
  gboolean loaded_here;
  double load_ms;

  CtAnalysis *analysis; /* the result */
  gboolean cached;
  double cache_ms;

  GCancellable *cancellable;
  double last_posted;
  char last_stage[32];
} Job;

static Job *
job_new (CtAnalyzer *analyzer, CtStudy *study, gboolean load_only, gboolean in_background, GCancellable *cancellable)
{
  Job *job = g_new0 (Job, 1);

  job->analyzer = g_object_ref (analyzer);
  job->study = g_object_ref (study);
  job->series = ct_study_get_series (study);
  job->path = g_strdup (ct_study_get_path (study));
  job->series_uid = g_strdup (ct_study_get_series_uid (study));
  job->load_only = load_only;
  job->owner = in_background ? g_main_context_ref_thread_default () : NULL;
  if (ct_study_get_volume (study) != NULL)
    job->volume = ct_volume_ref (ct_study_get_volume (study));
  job->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  job->last_posted = -1.0;
  return job;
}

static void
job_free (Job *job)
{
  g_clear_object (&job->analyzer);
  g_clear_object (&job->study);
  g_free (job->path);
  g_free (job->series_uid);
  g_clear_pointer (&job->owner, g_main_context_unref);
  g_clear_pointer (&job->volume, ct_volume_unref);
  g_clear_pointer (&job->analysis, ct_analysis_unref);
  g_clear_object (&job->cancellable);
  g_free (job);
}

/* A change of the study's state, applied on the owner's thread. */
typedef struct
{
  CtStudy *study;
  CtVolume *volume; /* set once loaded, else NULL */
  double load_ms;
  CtStudyStatus status;
  double fraction;
  char *stage;
} Update;

static void
update_free (gpointer data)
{
  Update *update = data;

  g_clear_object (&update->study);
  g_clear_pointer (&update->volume, ct_volume_unref);
  g_free (update->stage);
  g_free (update);
}

static gboolean
update_apply (gpointer data)
{
  Update *update = data;

  /* A late update of a job that has finished meanwhile must not undo it. */
  if (ct_study_is_finished (update->study))
    return G_SOURCE_REMOVE;
  if (update->volume != NULL)
    ct_study_set_volume (update->study, update->volume, update->load_ms);
  ct_study_set_status (update->study, update->status);
  ct_study_set_progress (update->study, update->fraction, update->stage);
  return G_SOURCE_REMOVE;
}

static void
job_post (Job *job, CtStudyStatus status, gboolean with_volume, double fraction, const char *stage)
{
  Update *update = g_new0 (Update, 1);

  update->study = g_object_ref (job->study);
  update->volume = with_volume && job->volume != NULL ? ct_volume_ref (job->volume) : NULL;
  update->load_ms = job->loaded_here ? job->load_ms : -1.0;
  update->status = status;
  update->fraction = fraction;
  update->stage = g_strdup (stage);
  if (job->owner == NULL)
    {
      update_apply (update);
      update_free (update);
    }
  else
    g_main_context_invoke_full (job->owner, G_PRIORITY_DEFAULT, update_apply, update, update_free);
}

/* CtProgressFunc: called by the pipeline between slices or layers. */
static gboolean
job_progress (double fraction, const char *stage, gpointer user_data)
{
  Job *job = user_data;
  const char *stage_name = stage != NULL ? stage : "";

  if (g_cancellable_is_cancelled (job->cancellable))
    return FALSE;
  if (fabs (fraction - job->last_posted) >= PROGRESS_STEP || strcmp (stage_name, job->last_stage) != 0 ||
      fraction >= 1.0)
    {
      job->last_posted = fraction;
      g_strlcpy (job->last_stage, stage_name, sizeof job->last_stage);
      job_post (job, CT_STUDY_STATUS_ANALYSING, FALSE, fraction, stage);
    }
  return TRUE;
}

static gboolean
job_load (Job *job, GError **error)
{
  CtAnalyzer *self = job->analyzer;
  gint64 start = g_get_monotonic_time ();

  if (job->volume != NULL)
    return TRUE;
  if (!job->load_only)
    job_post (job, CT_STUDY_STATUS_LOADING, FALSE, 0.0, "loading");
  if (self->load_func != NULL)
    job->volume = self->load_func (job->path, job->series_uid, job->cancellable, error);
  else if (job->series != NULL)
    job->volume = ct_series_load (job->series, self->n_threads, NULL, NULL, job->cancellable, error);
  else
    job->volume = ct_series_load_path (job->path, job->series_uid, job->cancellable, error);
  if (job->volume == NULL)
    return FALSE;
  job->loaded_here = TRUE;
  job->load_ms = (g_get_monotonic_time () - start) / 1000.0;
  return TRUE;
}

/* The input fingerprint of the study's files, from the scan the study came
 * from; a study made from a path is scanned again for it. NULL when there
 * are no files (synthetic studies of tests) or they cannot be read. */
static char *
job_fingerprint (Job *job)
{
  g_autoptr (GError) error = NULL;
  char *fingerprint;

  if (job->series != NULL)
    fingerprint = ct_results_cache_fingerprint_series (job->series, &error);
  else if (job->path != NULL && g_file_test (job->path, G_FILE_TEST_EXISTS))
    fingerprint = ct_results_cache_fingerprint_path (job->path, job->series_uid, job->cancellable, &error);
  else
    return NULL;
  if (fingerprint == NULL && !g_error_matches (error, CT_ERROR, CT_ERROR_CANCELLED))
    warn (job->analyzer, _ ("%s; analysing without the cache"), error->message);
  return fingerprint;
}

/* The analysis from the cache, when it holds one for these files and these
 * weights on this volume's grid. */
static CtAnalysis *
job_cache_lookup (Job *job, const char *fingerprint, CtModel *lungs, CtModel *multitask)
{
  CtAnalyzer *self = job->analyzer;
  g_autoptr (GError) error = NULL;
  g_autoptr (CtAnalysis) analysis = NULL;
  CtResultsCache *cache;

  g_mutex_lock (&self->cache_lock);
  cache = cache_get (self);
  if (cache != NULL)
    analysis = ct_results_cache_lookup (cache, fingerprint, ct_model_get_sha256 (lungs),
                                        ct_model_get_sha256 (multitask), &error);
  g_mutex_unlock (&self->cache_lock);
  if (error != NULL)
    warn (self, _ ("%s; analysing anyway"), error->message);
  if (analysis == NULL)
    return NULL;
  if (analysis->nx != job->volume->nx || analysis->ny != job->volume->ny || analysis->nz != job->volume->nz)
    {
      warn (self, _ ("The cached result of %s is not on its grid; analysing again"), job->path);
      return NULL;
    }
  /* The cache keys entries by the weights' SHA-256: these are the models. */
  ct_analysis_set_models (analysis, lungs, multitask);
  return g_steal_pointer (&analysis);
}

static void
job_cache_store (Job *job, const char *fingerprint, CtModel *lungs, CtModel *multitask)
{
  CtAnalyzer *self = job->analyzer;
  g_autoptr (GError) error = NULL;
  CtResultsCache *cache;
  gboolean stored = TRUE;

  g_mutex_lock (&self->cache_lock);
  cache = cache_get (self);
  if (cache != NULL)
    stored = ct_results_cache_store (cache, fingerprint, ct_model_get_sha256 (lungs), ct_model_get_sha256 (multitask),
                                     job->analysis, &error);
  g_mutex_unlock (&self->cache_lock);
  if (!stored)
    warn (self, "%s", error->message);
}

/* Every step after loading. Touches no study: progress is posted. */
static gboolean
job_analyze (Job *job, GError **error)
{
  CtAnalyzer *self = job->analyzer;
  g_autoptr (CtModel) lungs = NULL;
  g_autoptr (CtModel) multitask = NULL;
  g_autofree char *fingerprint = NULL;
  CtAnalysisOptions options = { 0 };

  job_post (job, CT_STUDY_STATUS_ANALYSING, TRUE, 0.0, "models");
  if (g_cancellable_is_cancelled (job->cancellable))
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_CANCELLED, _ ("Cancelled"));
      return FALSE;
    }
  if (!dup_models (self, &lungs, &multitask, error))
    return FALSE;

  /* The volume is loaded for viewing either way; the cache saves the
   * analysis. */
  if (self->use_cache)
    {
      gint64 start = g_get_monotonic_time ();

      fingerprint = job_fingerprint (job);
      if (fingerprint != NULL)
        job->analysis = job_cache_lookup (job, fingerprint, lungs, multitask);
      if (job->analysis != NULL)
        {
          job->cached = TRUE;
          job->cache_ms = (g_get_monotonic_time () - start) / 1000.0;
          return TRUE;
        }
    }

  options.lungs = lungs;
  options.multitask = multitask;
  options.n_threads = self->n_threads;
  options.progress = job_progress;
  options.progress_data = job;
  job->analysis = ct_analysis_run (job->volume, &options, error);
  if (job->analysis == NULL)
    return FALSE;
  if (fingerprint != NULL)
    job_cache_store (job, fingerprint, lungs, multitask);
  return TRUE;
}

static gboolean
job_run (Job *job, GError **error)
{
  if (!job_load (job, error))
    return FALSE;
  return job->load_only || job_analyze (job, error);
}

/* On the owner's thread, once the steps are done: the study takes the
 * result or the error. */
static void
job_apply (Job *job, const GError *error)
{
  if (job->load_only)
    {
      /* A failed load for viewing says nothing: the analysis reports why. */
      if (error == NULL && ct_study_get_volume (job->study) == NULL)
        ct_study_set_volume (job->study, job->volume, job->load_ms);
      return;
    }
  if (error != NULL)
    {
      ct_study_set_error (job->study, error);
      return;
    }
  if (job->loaded_here)
    ct_study_set_volume (job->study, job->volume, job->load_ms);
  ct_study_set_analysis (job->study, job->analysis, job->cached, job->cache_ms);
}

/* ---- Blocking calls ------------------------------------------------------ */

static gboolean
run_blocking (CtAnalyzer *self, CtStudy *study, gboolean load_only, GCancellable *cancellable, GError **error)
{
  Job *job = job_new (self, study, load_only, FALSE, cancellable);
  GError *local_error = NULL;
  gboolean ok = job_run (job, &local_error);

  job_apply (job, local_error);
  job_free (job);
  if (!ok)
    g_propagate_error (error, local_error);
  return ok;
}

gboolean
ct_analyzer_analyze (CtAnalyzer *self, CtStudy *study, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (CT_IS_ANALYZER (self), FALSE);
  g_return_val_if_fail (CT_IS_STUDY (study), FALSE);
  return run_blocking (self, study, FALSE, cancellable, error);
}

gboolean
ct_analyzer_load (CtAnalyzer *self, CtStudy *study, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (CT_IS_ANALYZER (self), FALSE);
  g_return_val_if_fail (CT_IS_STUDY (study), FALSE);
  return run_blocking (self, study, TRUE, cancellable, error);
}

/* ---- Background calls ---------------------------------------------------- */

static void
job_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;

#ifdef __linux__
  /* Below the GUI thread: the OpenMP team this thread starts inherits the
   * niceness, so scrolling stays smooth while every core analyses. Linux
   * applies it to this thread only. Failure only costs smoothness. */
  (void) setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), BACKGROUND_NICENESS);
#endif
  if (job_run (job, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* The worker's task is done (on the owner's thread): apply, then answer the
 * caller's task. */
static void
job_thread_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) caller_task = user_data;
  Job *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      job_apply (job, NULL);
      g_task_return_boolean (caller_task, TRUE);
    }
  else
    {
      job_apply (job, error);
      g_task_return_error (caller_task, error);
    }
}

static void
run_in_background (CtAnalyzer *self, CtStudy *study, gboolean load_only, GCancellable *cancellable, gpointer source_tag,
                   GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *caller_task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GTask) worker_task = NULL;

  g_task_set_source_tag (caller_task, source_tag);
  /* The caller hears the study's outcome, not a late cancellation. */
  g_task_set_check_cancellable (caller_task, FALSE);
  worker_task = g_task_new (self, cancellable, job_thread_done, caller_task);
  g_task_set_name (worker_task, load_only ? "[ct-triage] load study" : "[ct-triage] analyse study");
  /* A result that arrives after a late cancel is kept, never thrown away. */
  g_task_set_check_cancellable (worker_task, FALSE);
  g_task_set_task_data (worker_task, job_new (self, study, load_only, TRUE, cancellable), (GDestroyNotify) job_free);
  g_task_run_in_thread (worker_task, job_thread);
}

void
ct_analyzer_analyze_async (CtAnalyzer *self, CtStudy *study, GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_return_if_fail (CT_IS_ANALYZER (self));
  g_return_if_fail (CT_IS_STUDY (study));
  run_in_background (self, study, FALSE, cancellable, ct_analyzer_analyze_async, callback, user_data);
}

static gboolean
finish_background (CtAnalyzer *self, GAsyncResult *result, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
ct_analyzer_analyze_finish (CtAnalyzer *self, GAsyncResult *result, GError **error)
{
  return finish_background (self, result, ct_analyzer_analyze_async, error);
}

void
ct_analyzer_load_async (CtAnalyzer *self, CtStudy *study, GCancellable *cancellable, GAsyncReadyCallback callback,
                        gpointer user_data)
{
  g_return_if_fail (CT_IS_ANALYZER (self));
  g_return_if_fail (CT_IS_STUDY (study));
  run_in_background (self, study, TRUE, cancellable, ct_analyzer_load_async, callback, user_data);
}

gboolean
ct_analyzer_load_finish (CtAnalyzer *self, GAsyncResult *result, GError **error)
{
  return finish_background (self, result, ct_analyzer_load_async, error);
}
