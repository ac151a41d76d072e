/* SPDX-License-Identifier: MIT */
/* ct-job-queue.h: background analysis of studies, one at a time.
 *
 * Each study added runs, in order, on a GTask worker thread: load the volume,
 * then ct_analysis_run () with every core (the same entry point as the
 * command line, so the numbers are the command line's). Every job has its own
 * GCancellable. Progress is posted to the main loop per slice; results,
 * errors and the loaded volume are set on the CtStudyItem from the main loop
 * only. Disposing the queue cancels the running job; the worker holds its own
 * references (volume, models, item), never the queue's. */
#pragma once

#include <gio/gio.h>

#include "ct-study-item.h"
#include "ct-model.h"

G_BEGIN_DECLS

/* Loads the volume of one study; runs on the worker thread. */
typedef CtVolume *(*CtJobLoadFunc) (const char   *path,
                                    const char   *series_uid,
                                    GCancellable *cancellable,
                                    GError      **error);

#define CT_TYPE_JOB_QUEUE (ct_job_queue_get_type ())
G_DECLARE_FINAL_TYPE (CtJobQueue, ct_job_queue, CT, JOB_QUEUE, GObject)

/* model_dir holds lungs.safetensors and multitask-spatial.safetensors,
 * loaded on the worker thread by the first job. */
CtJobQueue *ct_job_queue_new             (const char   *model_dir,
                                          CtJobLoadFunc load_func);
/* Or give loaded models (both required; references taken). */
void        ct_job_queue_set_models      (CtJobQueue *self,
                                          CtModel    *lungs,
                                          CtModel    *multitask);
/* NULL until a job has loaded the models (borrowed). */
CtModel    *ct_job_queue_get_multitask   (CtJobQueue *self);
void        ct_job_queue_set_n_threads   (CtJobQueue *self,
                                          int         n_threads);
/* Whether jobs take a study's analysis from the results cache
 * (ct-results-cache.h) when it holds one for the same files and weights, and
 * store new ones there; default TRUE. For jobs started afterwards. */
void        ct_job_queue_set_use_cache   (CtJobQueue *self,
                                          gboolean    use_cache);
void        ct_job_queue_add             (CtJobQueue  *self,
                                          CtStudyItem *item);
/* Loads a study's volume now, on its own worker thread and without
 * analysing it, so that it can be looked at before its turn or after its
 * volume was dropped to save memory. Its job later reuses the volume. */
void        ct_job_queue_preview         (CtJobQueue  *self,
                                          CtStudyItem *item);
/* Cancels a queued or running study (no-op for finished ones). */
void        ct_job_queue_cancel          (CtJobQueue  *self,
                                          CtStudyItem *item);
void        ct_job_queue_cancel_all      (CtJobQueue *self);
/* TRUE while a job runs or waits. */
gboolean    ct_job_queue_get_busy        (CtJobQueue *self);
guint       ct_job_queue_get_n_pending   (CtJobQueue *self);

/* The default locations of the shipped models: $CT_TRIAGE_MODEL_DIR, the
 * source tree's resources/models when run uninstalled, else the installed
 * data folder. */
char       *ct_job_queue_find_model_dir  (void);

G_END_DECLS
