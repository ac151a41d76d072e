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
#include "ct-error.h"
#include "ct-install-paths.h"
#include "ct-job-queue.h"
#include "ct-results-cache.h"

#define LUNGS_MODEL_FILE "lungs.safetensors"
#define MULTITASK_MODEL_FILE "multitask-spatial.safetensors"

/* Progress is posted to the main loop only when it moved by this much (or the
 * stage changed): per slice for studies up to 500 slices. */
#define PROGRESS_STEP 0.002

/* Scheduling niceness of the analysing thread and its OpenMP team. */
#define JOB_NICENESS 10

struct _CtJobQueue
{
  GObject parent_instance;

  char *model_dir;
  CtJobLoadFunc load_func;
  CtModel *lungs;
  CtModel *multitask;
  int n_threads;
  gboolean use_cache;
  GMainContext *main_context;

  GQueue pending;            /* CtStudyItem*, owned */
  GHashTable *previews;      /* CtStudyItem* (owned) -> GCancellable* of its preview load */
  CtStudyItem *running_item; /* owned, NULL when idle */
  GCancellable *running_cancellable;
};

G_DEFINE_FINAL_TYPE (CtJobQueue, ct_job_queue, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

enum
{
  STUDY_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Everything the worker needs, copied or referenced when the job starts, so
 * that the worker never touches the queue or the item's properties. */
typedef struct
{
  GWeakRef queue;
  CtStudyItem *item;          /* referenced; only touched on the main thread */
  char *path;
  char *series_uid;
  char *model_dir;
  CtJobLoadFunc load_func;
  CtVolume *volume;           /* already loaded for viewing, or NULL */
  CtModel *lungs;             /* referenced, or NULL: the worker loads them */
  CtModel *multitask;
  gboolean models_loaded_here;
  int n_threads;
  gboolean use_cache;
  GCancellable *cancellable;
  GMainContext *main_context;
  double last_posted;
  char last_stage[32];
} Job;

static void
job_free (Job *job)
{
  g_weak_ref_clear (&job->queue);
  g_clear_object (&job->item);
  g_free (job->path);
  g_free (job->series_uid);
  g_free (job->model_dir);
  g_clear_pointer (&job->volume, ct_volume_unref);
  g_clear_pointer (&job->lungs, ct_model_unref);
  g_clear_pointer (&job->multitask, ct_model_unref);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->main_context, g_main_context_unref);
  g_free (job);
}

/* One update for the main loop. */
typedef struct
{
  CtStudyItem *item;
  CtVolume *volume;          /* set once loaded, else NULL */
  CtStudyStatus status;
  double fraction;
  char *stage;
} JobUpdate;

static void
job_update_free (gpointer data)
{
  JobUpdate *update = data;

  g_clear_object (&update->item);
  g_clear_pointer (&update->volume, ct_volume_unref);
  g_free (update->stage);
  g_free (update);
}

static gboolean
job_update_apply (gpointer data)
{
  JobUpdate *update = data;

  /* A late update of a job that has finished meanwhile must not undo it. */
  if (ct_study_item_is_finished (update->item))
    return G_SOURCE_REMOVE;
  if (update->volume != NULL)
    ct_study_item_set_volume (update->item, update->volume);
  ct_study_item_set_status (update->item, update->status);
  ct_study_item_set_progress (update->item, update->fraction, update->stage);
  return G_SOURCE_REMOVE;
}

static void
job_post (Job          *job,
          CtStudyStatus status,
          CtVolume     *volume,
          double        fraction,
          const char   *stage)
{
  JobUpdate *update = g_new0 (JobUpdate, 1);

  update->item = g_object_ref (job->item);
  update->volume = volume != NULL ? ct_volume_ref (volume) : NULL;
  update->status = status;
  update->fraction = fraction;
  update->stage = g_strdup (stage);
  g_main_context_invoke_full (job->main_context, G_PRIORITY_DEFAULT,
                              job_update_apply, update, job_update_free);
}

/* CtProgressFunc: called by the pipeline between slices or layers. */
static gboolean
job_progress (double      fraction,
              const char *stage,
              gpointer    user_data)
{
  Job *job = user_data;
  const char *stage_name = stage != NULL ? stage : "";

  if (g_cancellable_is_cancelled (job->cancellable))
    return FALSE;
  if (fabs (fraction - job->last_posted) >= PROGRESS_STEP
      || strcmp (stage_name, job->last_stage) != 0
      || fraction >= 1.0)
    {
      job->last_posted = fraction;
      g_strlcpy (job->last_stage, stage_name, sizeof job->last_stage);
      job_post (job, CT_STUDY_STATUS_ANALYSING, NULL, fraction, stage);
    }
  return TRUE;
}

static gboolean
job_load_models (Job     *job,
                 GError **error)
{
  g_autofree char *lungs_path = NULL;
  g_autofree char *multitask_path = NULL;

  if (job->lungs != NULL && job->multitask != NULL)
    return TRUE;
  if (job->model_dir == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _("No model folder was found"));
      return FALSE;
    }

  lungs_path = g_build_filename (job->model_dir, LUNGS_MODEL_FILE, NULL);
  multitask_path = g_build_filename (job->model_dir, MULTITASK_MODEL_FILE, NULL);
  job->lungs = ct_model_load (lungs_path, error);
  if (job->lungs == NULL)
    return FALSE;
  job->multitask = ct_model_load (multitask_path, error);
  if (job->multitask == NULL)
    return FALSE;
  job->models_loaded_here = TRUE;
  return TRUE;
}

/* The analysis from the results cache, or NULL (then *out_cache and
 * *out_fingerprint, when set, are where to store the new one). Cache trouble
 * is logged and never fails the job. */
static CtAnalysis *
job_cache_lookup (Job             *job,
                  const CtVolume  *volume,
                  GCancellable    *cancellable,
                  CtResultsCache **out_cache,
                  char           **out_fingerprint)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CtResultsCache) cache = NULL;
  g_autofree char *fingerprint = NULL;
  CtAnalysis *analysis;

  if (job->path == NULL || !g_file_test (job->path, G_FILE_TEST_EXISTS))
    return NULL;
  fingerprint = ct_results_cache_fingerprint_path (job->path, job->series_uid, cancellable, &error);
  if (fingerprint != NULL)
    cache = ct_results_cache_open (NULL, &error);
  if (cache == NULL)
    {
      if (!g_error_matches (error, CT_ERROR, CT_ERROR_CANCELLED))
        g_message ("%s; analysing without it", error->message);
      return NULL;
    }
  if (ct_results_cache_get_recovery_note (cache) != NULL)
    g_message ("%s", ct_results_cache_get_recovery_note (cache));
  analysis = ct_results_cache_lookup (cache, fingerprint, ct_model_get_sha256 (job->lungs),
                                      ct_model_get_sha256 (job->multitask), &error);
  if (error != NULL)
    g_message ("%s; analysing anyway", error->message);
  if (analysis != NULL && (analysis->nx != volume->nx || analysis->ny != volume->ny || analysis->nz != volume->nz))
    g_clear_pointer (&analysis, ct_analysis_free);
  *out_cache = g_steal_pointer (&cache);
  *out_fingerprint = g_steal_pointer (&fingerprint);
  return analysis;
}

static void
job_run (GTask        *task,
         gpointer      source_object,
         gpointer      task_data,
         GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(CtVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CtResultsCache) cache = NULL;
  g_autofree char *fingerprint = NULL;
  CtAnalysisOptions options = { 0 };
  CtAnalysis *analysis;

#ifdef __linux__
  /* Below the GUI thread: the OpenMP team this thread starts inherits the
   * niceness, so scrolling stays smooth while every core analyses. Linux
   * applies it to this thread only. Failure only costs smoothness. */
  (void) setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), JOB_NICENESS);
#endif
  if (job->volume != NULL)
    volume = ct_volume_ref (job->volume);
  else
    {
      job_post (job, CT_STUDY_STATUS_LOADING, NULL, 0.0, "loading");
      volume = job->load_func (job->path, job->series_uid, cancellable, &error);
      if (volume == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  job_post (job, CT_STUDY_STATUS_ANALYSING, volume, 0.0, "models");

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_new_error (task, CT_ERROR, CT_ERROR_CANCELLED, _("Cancelled"));
      return;
    }
  if (!job_load_models (job, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The volume is loaded for viewing either way; the cache saves the
   * analysis. */
  if (job->use_cache)
    {
      analysis = job_cache_lookup (job, volume, cancellable, &cache, &fingerprint);
      if (analysis != NULL)
        {
          g_task_return_pointer (task, analysis, (GDestroyNotify) ct_analysis_free);
          return;
        }
    }

  options.lungs = job->lungs;
  options.multitask = job->multitask;
  options.n_threads = job->n_threads;
  options.progress = job_progress;
  options.progress_data = job;
  analysis = ct_analysis_run (volume, &options, &error);
  if (analysis == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (cache != NULL
      && !ct_results_cache_store (cache, fingerprint, ct_model_get_sha256 (job->lungs),
                                  ct_model_get_sha256 (job->multitask), analysis, &error))
    g_message ("%s", error->message);
  g_task_return_pointer (task, analysis, (GDestroyNotify) ct_analysis_free);
}

static void ct_job_queue_start_next (CtJobQueue *self);

static void
job_done (GObject      *source_object,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = G_TASK (result);
  Job *job = g_task_get_task_data (task);
  g_autoptr(CtJobQueue) self = g_weak_ref_get (&job->queue);
  g_autoptr(GError) error = NULL;
  CtAnalysis *analysis;

  analysis = g_task_propagate_pointer (task, &error);
  if (analysis != NULL)
    ct_study_item_take_analysis (job->item, analysis);
  else
    ct_study_item_set_error (job->item, error);

  if (self == NULL)
    return;

  if (job->models_loaded_here && self->lungs == NULL)
    ct_job_queue_set_models (self, job->lungs, job->multitask);
  if (self->running_item == job->item)
    {
      g_clear_object (&self->running_item);
      g_clear_object (&self->running_cancellable);
    }
  g_signal_emit (self, signals[STUDY_FINISHED], 0, job->item);
  ct_job_queue_start_next (self);
}

static void
ct_job_queue_start_next (CtJobQueue *self)
{
  g_autoptr(GTask) task = NULL;
  CtStudyItem *item;
  Job *job;

  if (self->running_item != NULL)
    return;

  item = g_queue_pop_head (&self->pending);
  if (item == NULL)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
      return;
    }

  self->running_item = item;
  self->running_cancellable = g_cancellable_new ();

  job = g_new0 (Job, 1);
  g_weak_ref_init (&job->queue, self);
  job->item = g_object_ref (item);
  job->path = g_strdup (ct_study_item_get_path (item));
  job->series_uid = g_strdup (ct_study_item_get_series_uid (item));
  job->model_dir = g_strdup (self->model_dir);
  job->load_func = self->load_func;
  if (ct_study_item_get_volume (item) != NULL)
    job->volume = ct_volume_ref (ct_study_item_get_volume (item));
  job->lungs = self->lungs != NULL ? ct_model_ref (self->lungs) : NULL;
  job->multitask = self->multitask != NULL ? ct_model_ref (self->multitask) : NULL;
  job->n_threads = self->n_threads;
  job->use_cache = self->use_cache;
  job->cancellable = g_object_ref (self->running_cancellable);
  job->main_context = g_main_context_ref (self->main_context);
  job->last_posted = -1.0;

  ct_study_item_set_status (item, CT_STUDY_STATUS_LOADING);

  /* No source object: the worker must not keep the queue alive, so that
   * disposing it cancels the job. */
  task = g_task_new (NULL, job->cancellable, job_done, NULL);
  g_task_set_source_tag (task, ct_job_queue_start_next);
  g_task_set_name (task, "[ct-triage] analyse study");
  g_task_set_return_on_cancel (task, FALSE);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, job_run);
}

static void
ct_job_queue_dispose (GObject *object)
{
  CtJobQueue *self = CT_JOB_QUEUE (object);

  ct_job_queue_cancel_all (self);
  if (self->previews != NULL)
    {
      GHashTableIter iter;
      gpointer cancellable;

      g_hash_table_iter_init (&iter, self->previews);
      while (g_hash_table_iter_next (&iter, NULL, &cancellable))
        g_cancellable_cancel (cancellable);
      g_clear_pointer (&self->previews, g_hash_table_unref);
    }
  g_clear_object (&self->running_item);
  g_clear_object (&self->running_cancellable);

  G_OBJECT_CLASS (ct_job_queue_parent_class)->dispose (object);
}

static void
ct_job_queue_finalize (GObject *object)
{
  CtJobQueue *self = CT_JOB_QUEUE (object);

  g_free (self->model_dir);
  g_clear_pointer (&self->lungs, ct_model_unref);
  g_clear_pointer (&self->multitask, ct_model_unref);
  g_clear_pointer (&self->main_context, g_main_context_unref);

  G_OBJECT_CLASS (ct_job_queue_parent_class)->finalize (object);
}

static void
ct_job_queue_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  CtJobQueue *self = CT_JOB_QUEUE (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, ct_job_queue_get_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ct_job_queue_class_init (CtJobQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ct_job_queue_dispose;
  object_class->finalize = ct_job_queue_finalize;
  object_class->get_property = ct_job_queue_get_property;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted on the main thread once a study's result or error is set,
   * also for a waiting study that was cancelled. */
  signals[STUDY_FINISHED] =
    g_signal_new ("study-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CT_TYPE_STUDY_ITEM);
}

static void
ct_job_queue_init (CtJobQueue *self)
{
  g_queue_init (&self->pending);
  self->previews = g_hash_table_new_full (NULL, NULL, g_object_unref, g_object_unref);
  self->main_context = g_main_context_ref_thread_default ();
  self->use_cache = TRUE;
}

CtJobQueue *
ct_job_queue_new (const char   *model_dir,
                  CtJobLoadFunc load_func)
{
  CtJobQueue *self;

  g_return_val_if_fail (load_func != NULL, NULL);

  self = g_object_new (CT_TYPE_JOB_QUEUE, NULL);
  self->model_dir = g_strdup (model_dir);
  self->load_func = load_func;
  return self;
}

void
ct_job_queue_set_models (CtJobQueue *self,
                         CtModel    *lungs,
                         CtModel    *multitask)
{
  g_return_if_fail (CT_IS_JOB_QUEUE (self));
  g_return_if_fail (lungs != NULL && multitask != NULL);

  ct_model_ref (lungs);
  ct_model_ref (multitask);
  g_clear_pointer (&self->lungs, ct_model_unref);
  g_clear_pointer (&self->multitask, ct_model_unref);
  self->lungs = lungs;
  self->multitask = multitask;
}

CtModel *
ct_job_queue_get_multitask (CtJobQueue *self)
{
  g_return_val_if_fail (CT_IS_JOB_QUEUE (self), NULL);
  return self->multitask;
}

void
ct_job_queue_set_n_threads (CtJobQueue *self,
                            int         n_threads)
{
  g_return_if_fail (CT_IS_JOB_QUEUE (self));
  self->n_threads = MAX (n_threads, 0);
}

void
ct_job_queue_set_use_cache (CtJobQueue *self,
                            gboolean    use_cache)
{
  g_return_if_fail (CT_IS_JOB_QUEUE (self));
  self->use_cache = use_cache;
}

void
ct_job_queue_add (CtJobQueue  *self,
                  CtStudyItem *item)
{
  gboolean was_busy;

  g_return_if_fail (CT_IS_JOB_QUEUE (self));
  g_return_if_fail (CT_IS_STUDY_ITEM (item));

  was_busy = ct_job_queue_get_busy (self);
  ct_study_item_set_status (item, CT_STUDY_STATUS_QUEUED);
  ct_study_item_set_progress (item, 0.0, NULL);
  g_queue_push_tail (&self->pending, g_object_ref (item));
  if (!was_busy)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  ct_job_queue_start_next (self);
}

void
ct_job_queue_cancel (CtJobQueue  *self,
                     CtStudyItem *item)
{
  GList *link;

  g_return_if_fail (CT_IS_JOB_QUEUE (self));
  g_return_if_fail (CT_IS_STUDY_ITEM (item));

  if (item == self->running_item)
    {
      /* The worker notices between slices; job_done () sets the status. */
      g_cancellable_cancel (self->running_cancellable);
      return;
    }

  link = g_queue_find (&self->pending, item);
  if (link != NULL)
    {
      g_autoptr(GError) error =
        g_error_new_literal (CT_ERROR, CT_ERROR_CANCELLED, _("Cancelled"));

      g_queue_delete_link (&self->pending, link);
      ct_study_item_set_error (item, error);
      g_signal_emit (self, signals[STUDY_FINISHED], 0, item);
      g_object_unref (item);
      if (!ct_job_queue_get_busy (self))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
}

void
ct_job_queue_cancel_all (CtJobQueue *self)
{
  CtStudyItem *item;

  g_return_if_fail (CT_IS_JOB_QUEUE (self));

  while ((item = g_queue_peek_head (&self->pending)) != NULL)
    ct_job_queue_cancel (self, item);
  if (self->running_cancellable != NULL)
    g_cancellable_cancel (self->running_cancellable);
}

gboolean
ct_job_queue_get_busy (CtJobQueue *self)
{
  g_return_val_if_fail (CT_IS_JOB_QUEUE (self), FALSE);
  return self->running_item != NULL || !g_queue_is_empty (&self->pending);
}

guint
ct_job_queue_get_n_pending (CtJobQueue *self)
{
  g_return_val_if_fail (CT_IS_JOB_QUEUE (self), 0);
  return g_queue_get_length (&self->pending) + (self->running_item != NULL ? 1 : 0);
}

/* A load for viewing only: what the worker needs, copied. */
typedef struct
{
  GWeakRef queue;
  CtStudyItem *item;
  char *path;
  char *series_uid;
  CtJobLoadFunc load_func;
} Preview;

static void
preview_free (Preview *preview)
{
  g_weak_ref_clear (&preview->queue);
  g_clear_object (&preview->item);
  g_free (preview->path);
  g_free (preview->series_uid);
  g_free (preview);
}

static void
preview_run (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Preview *preview = task_data;
  GError *error = NULL;
  CtVolume *volume = preview->load_func (preview->path, preview->series_uid, cancellable, &error);

  if (volume == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, volume, (GDestroyNotify) ct_volume_unref);
}

static void
preview_done (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Preview *preview = g_task_get_task_data (G_TASK (result));
  g_autoptr(CtJobQueue) self = g_weak_ref_get (&preview->queue);
  g_autoptr(CtVolume) volume = g_task_propagate_pointer (G_TASK (result), NULL);

  /* A failed preview says nothing: the study's own job reports why. */
  if (volume != NULL && ct_study_item_get_volume (preview->item) == NULL)
    ct_study_item_set_volume (preview->item, volume);
  if (self != NULL && self->previews != NULL)
    g_hash_table_remove (self->previews, preview->item);
}

void
ct_job_queue_preview (CtJobQueue  *self,
                      CtStudyItem *item)
{
  g_autoptr(GTask) task = NULL;
  GCancellable *cancellable;
  Preview *preview;

  g_return_if_fail (CT_IS_JOB_QUEUE (self));
  g_return_if_fail (CT_IS_STUDY_ITEM (item));

  /* Loaded, being loaded for viewing, or being loaded by its own job. */
  if (ct_study_item_get_volume (item) != NULL
      || g_hash_table_contains (self->previews, item)
      || (item == self->running_item && ct_study_item_get_status (item) == CT_STUDY_STATUS_LOADING))
    return;

  cancellable = g_cancellable_new ();
  g_hash_table_insert (self->previews, g_object_ref (item), cancellable);
  preview = g_new0 (Preview, 1);
  g_weak_ref_init (&preview->queue, self);
  preview->item = g_object_ref (item);
  preview->path = g_strdup (ct_study_item_get_path (item));
  preview->series_uid = g_strdup (ct_study_item_get_series_uid (item));
  preview->load_func = self->load_func;

  task = g_task_new (NULL, cancellable, preview_done, NULL);
  g_task_set_source_tag (task, ct_job_queue_preview);
  g_task_set_name (task, "[ct-triage] load study for viewing");
  g_task_set_task_data (task, preview, (GDestroyNotify) preview_free);
  g_task_run_in_thread (task, preview_run);
}

char *
ct_job_queue_find_model_dir (void)
{
  return ct_install_paths_find_model_dir (g_getenv ("CT_TRIAGE_MODEL_DIR"));
}
