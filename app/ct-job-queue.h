/* SPDX-License-Identifier: MIT */
/* ct-job-queue.h: the window's work list in the background: studies are
 * analysed one at a time (each with every core) by the CtAnalyzer, in the
 * order they were added; studies can be looked at (loaded) before their
 * turn. Every job has its own GCancellable. Disposing the queue cancels the
 * running job. The queue only schedules: loading, the cache and the analysis
 * are the analyzer's (ct-analyzer.h), the same steps as the command line's. */
#pragma once

#include <gio/gio.h>

#include "ct-analyzer.h"
#include "ct-study.h"

G_BEGIN_DECLS

#define CT_TYPE_JOB_QUEUE (ct_job_queue_get_type ())
G_DECLARE_FINAL_TYPE (CtJobQueue, ct_job_queue, CT, JOB_QUEUE, GObject)

/* Takes a reference on @analyzer. */
CtJobQueue *ct_job_queue_new (CtAnalyzer *analyzer);
CtAnalyzer *ct_job_queue_get_analyzer (CtJobQueue *self);
/* Queues @study (again, when it failed, was cancelled or is done). */
void ct_job_queue_add (CtJobQueue *self, CtStudy *study);
/* Loads a study's volume now, on its own worker thread and without
 * analysing it, so that it can be looked at before its turn or after its
 * volume was dropped to save memory. Its job later reuses the volume. */
void ct_job_queue_preview (CtJobQueue *self, CtStudy *study);
/* Cancels a queued or running study (no-op for finished ones). */
void ct_job_queue_cancel (CtJobQueue *self, CtStudy *study);
void ct_job_queue_cancel_all (CtJobQueue *self);
/* TRUE while a job runs or waits. */
gboolean ct_job_queue_get_busy (CtJobQueue *self);
guint ct_job_queue_get_n_pending (CtJobQueue *self);

G_END_DECLS
