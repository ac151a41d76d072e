/* SPDX-License-Identifier: MIT */
/* ct-analyzer.h: the one orchestration of a study's analysis
 * (docs/architecture.md, "From files to pixels"), used by the command line and the
 * window alike:
 *
 *   load the volume (from the series the scan found; no second scan)
 *   -> look the results cache up (same files, same weights)
 *   -> otherwise ct_analysis_run () with both models, and store the result
 *   -> set volume, analysis, status and progress on the CtStudy.
 *
 * The analyzer owns the two models (loaded once, on first use, from its
 * model folder) and the results cache connection. ct_analyzer_analyze () is
 * the blocking call for the command line; the _async / _finish pair runs the
 * same steps on a GTask worker thread for the window, posts progress to the
 * study's main context and touches the study only there. Cache trouble is a
 * warning (through the warning function), never a failure. */
#pragma once

#include <gio/gio.h>

#include "ct-model.h"
#include "ct-study.h"

G_BEGIN_DECLS

#define CT_ANALYZER_LUNGS_MODEL_FILE "lungs.safetensors"
#define CT_ANALYZER_MULTITASK_MODEL_FILE "multitask-spatial.safetensors"

/* Loads a study's volume instead of the series loader (tests, tools); runs
 * on the worker thread. */
typedef CtVolume *(*CtAnalyzerLoadFunc) (const char *path, const char *series_uid, GCancellable *cancellable,
                                         GError **error);
/* One line for the user (a damaged cache, a result not on its grid ...).
 * May be called from a worker thread. */
typedef void (*CtAnalyzerWarningFunc) (const char *message, gpointer user_data);

#define CT_TYPE_ANALYZER (ct_analyzer_get_type ())
G_DECLARE_FINAL_TYPE (CtAnalyzer, ct_analyzer, CT, ANALYZER, GObject)

/* @model_dir holds CT_ANALYZER_LUNGS_MODEL_FILE and
 * CT_ANALYZER_MULTITASK_MODEL_FILE; NULL when there is none (then every
 * analysis fails with a clear message, unless models are set). */
CtAnalyzer *ct_analyzer_new (const char *model_dir);
const char *ct_analyzer_get_model_dir (CtAnalyzer *self);
/* Loads both models now, when not loaded yet; safe from any thread. */
gboolean ct_analyzer_load_models (CtAnalyzer *self, GError **error);
/* Or give loaded models (both; references taken). */
void ct_analyzer_set_models (CtAnalyzer *self, CtModel *lungs, CtModel *multitask);
gboolean ct_analyzer_has_models (CtAnalyzer *self);
/* Threads of the analysis and of loading; 0 = all cores. */
void ct_analyzer_set_n_threads (CtAnalyzer *self, int n_threads);
/* Whether analyses come from and go to the results cache (default TRUE);
 * @cache_dir NULL is the cache's default folder. */
void ct_analyzer_set_cache (CtAnalyzer *self, gboolean use_cache, const char *cache_dir);
void ct_analyzer_set_load_func (CtAnalyzer *self, CtAnalyzerLoadFunc load_func);
/* Default: g_message (). */
void ct_analyzer_set_warning_func (CtAnalyzer *self, CtAnalyzerWarningFunc func, gpointer user_data);

/* Blocking: loads @study (unless it holds its volume) and analyses it, on
 * the calling thread, which must own @study. On failure the study holds the
 * error too (status FAILED or CANCELLED). */
gboolean ct_analyzer_analyze (CtAnalyzer *self, CtStudy *study, GCancellable *cancellable, GError **error);
void ct_analyzer_analyze_async (CtAnalyzer *self, CtStudy *study, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean ct_analyzer_analyze_finish (CtAnalyzer *self, GAsyncResult *result, GError **error);

/* Only loads @study's volume (to look at it before its analysis, or after
 * it was dropped); its status and analysis stay as they are. A failure is
 * returned, not recorded in the study: its analysis will report it. */
gboolean ct_analyzer_load (CtAnalyzer *self, CtStudy *study, GCancellable *cancellable, GError **error);
void ct_analyzer_load_async (CtAnalyzer *self, CtStudy *study, GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
gboolean ct_analyzer_load_finish (CtAnalyzer *self, GAsyncResult *result, GError **error);

G_END_DECLS
