/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ct-error.h"
#include "ct-job-queue.h"

struct _CtJobQueue
{
  GObject parent_instance;

  CtAnalyzer *analyzer;
  GQueue pending;       /* CtStudy*, owned */
  GHashTable *previews; /* CtStudy* (owned) -> GCancellable* of its preview load */
  CtStudy *running;     /* owned, NULL when idle */
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

static void ct_job_queue_start_next (CtJobQueue *self);

/* The analyzer has set the study's result or error. The queue is held
 * weakly: a disposed queue has cancelled the job and starts nothing. */
static void
job_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  GWeakRef *queue_ref = user_data;
  g_autoptr (CtJobQueue) self = g_weak_ref_get (queue_ref);
  g_autoptr (GError) error = NULL;
  g_autoptr (CtStudy) study = NULL;

  ct_analyzer_analyze_finish (CT_ANALYZER (source_object), result, &error);
  g_weak_ref_clear (queue_ref);
  g_free (queue_ref);
  if (self == NULL)
    return;

  study = g_steal_pointer (&self->running);
  g_clear_object (&self->running_cancellable);
  g_signal_emit (self, signals[STUDY_FINISHED], 0, study);
  ct_job_queue_start_next (self);
}

static void
ct_job_queue_start_next (CtJobQueue *self)
{
  GWeakRef *queue_ref;

  if (self->running != NULL)
    return;
  self->running = g_queue_pop_head (&self->pending);
  if (self->running == NULL)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
      return;
    }
  self->running_cancellable = g_cancellable_new ();
  ct_study_set_status (self->running, CT_STUDY_STATUS_LOADING);
  queue_ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (queue_ref, self);
  ct_analyzer_analyze_async (self->analyzer, self->running, self->running_cancellable, job_done, queue_ref);
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
  g_clear_object (&self->running);
  g_clear_object (&self->running_cancellable);
  g_clear_object (&self->analyzer);

  G_OBJECT_CLASS (ct_job_queue_parent_class)->dispose (object);
}

static void
ct_job_queue_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
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
  object_class->get_property = ct_job_queue_get_property;

  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted on the main thread once a study's result or error is set,
   * also for a waiting study that was cancelled. */
  signals[STUDY_FINISHED] = g_signal_new ("study-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 1, CT_TYPE_STUDY);
}

static void
ct_job_queue_init (CtJobQueue *self)
{
  g_queue_init (&self->pending);
  self->previews = g_hash_table_new_full (NULL, NULL, g_object_unref, g_object_unref);
}

CtJobQueue *
ct_job_queue_new (CtAnalyzer *analyzer)
{
  CtJobQueue *self;

  g_return_val_if_fail (CT_IS_ANALYZER (analyzer), NULL);

  self = g_object_new (CT_TYPE_JOB_QUEUE, NULL);
  self->analyzer = g_object_ref (analyzer);
  return self;
}

CtAnalyzer *
ct_job_queue_get_analyzer (CtJobQueue *self)
{
  g_return_val_if_fail (CT_IS_JOB_QUEUE (self), NULL);
  return self->analyzer;
}

void
ct_job_queue_add (CtJobQueue *self, CtStudy *study)
{
  gboolean was_busy;

  g_return_if_fail (CT_IS_JOB_QUEUE (self));
  g_return_if_fail (CT_IS_STUDY (study));

  if (study == self->running || g_queue_find (&self->pending, study) != NULL)
    return;
  was_busy = ct_job_queue_get_busy (self);
  ct_study_set_status (study, CT_STUDY_STATUS_QUEUED);
  ct_study_set_progress (study, 0.0, NULL);
  g_queue_push_tail (&self->pending, g_object_ref (study));
  if (!was_busy)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  ct_job_queue_start_next (self);
}

void
ct_job_queue_cancel (CtJobQueue *self, CtStudy *study)
{
  GList *link;

  g_return_if_fail (CT_IS_JOB_QUEUE (self));
  g_return_if_fail (CT_IS_STUDY (study));

  if (study == self->running)
    {
      /* The worker notices between slices; the analyzer sets the status. */
      g_cancellable_cancel (self->running_cancellable);
      return;
    }

  link = g_queue_find (&self->pending, study);
  if (link != NULL)
    {
      g_autoptr (GError) error = g_error_new_literal (CT_ERROR, CT_ERROR_CANCELLED, _ ("Cancelled"));

      g_queue_delete_link (&self->pending, link);
      ct_study_set_error (study, error);
      g_signal_emit (self, signals[STUDY_FINISHED], 0, study);
      g_object_unref (study);
      if (!ct_job_queue_get_busy (self))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
}

void
ct_job_queue_cancel_all (CtJobQueue *self)
{
  CtStudy *study;

  g_return_if_fail (CT_IS_JOB_QUEUE (self));

  while ((study = g_queue_peek_head (&self->pending)) != NULL)
    ct_job_queue_cancel (self, study);
  if (self->running_cancellable != NULL)
    g_cancellable_cancel (self->running_cancellable);
}

gboolean
ct_job_queue_get_busy (CtJobQueue *self)
{
  g_return_val_if_fail (CT_IS_JOB_QUEUE (self), FALSE);
  return self->running != NULL || !g_queue_is_empty (&self->pending);
}

guint
ct_job_queue_get_n_pending (CtJobQueue *self)
{
  g_return_val_if_fail (CT_IS_JOB_QUEUE (self), 0);
  return g_queue_get_length (&self->pending) + (self->running != NULL ? 1 : 0);
}

/* A load for viewing: the queue is held weakly, as for jobs. */
typedef struct
{
  GWeakRef queue;
  CtStudy *study;
} Preview;

static void
preview_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  Preview *preview = user_data;
  g_autoptr (CtJobQueue) self = g_weak_ref_get (&preview->queue);
  g_autoptr (GError) error = NULL;

  /* The analyzer has set the volume; a failed preview says nothing: the
   * study's own job reports why. */
  ct_analyzer_load_finish (CT_ANALYZER (source_object), result, &error);
  if (self != NULL && self->previews != NULL)
    g_hash_table_remove (self->previews, preview->study);
  g_weak_ref_clear (&preview->queue);
  g_object_unref (preview->study);
  g_free (preview);
}

void
ct_job_queue_preview (CtJobQueue *self, CtStudy *study)
{
  GCancellable *cancellable;
  Preview *preview;

  g_return_if_fail (CT_IS_JOB_QUEUE (self));
  g_return_if_fail (CT_IS_STUDY (study));

  /* Loaded, being loaded for viewing, or being loaded by its own job. */
  if (ct_study_get_volume (study) != NULL || g_hash_table_contains (self->previews, study) ||
      (study == self->running && ct_study_get_status (study) == CT_STUDY_STATUS_LOADING))
    return;

  cancellable = g_cancellable_new ();
  g_hash_table_insert (self->previews, g_object_ref (study), cancellable);
  preview = g_new0 (Preview, 1);
  g_weak_ref_init (&preview->queue, self);
  preview->study = g_object_ref (study);
  ct_analyzer_load_async (self->analyzer, study, cancellable, preview_done, preview);
}
