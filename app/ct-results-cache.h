/* SPDX-License-Identifier: MIT */
/* ct-results-cache.h: finished analyses kept on disk (SQLite), so that a
 * study analysed once with the same models is not analysed again.
 *
 * An entry is keyed by a fingerprint of the input and the SHA-256 of both
 * models' weights: a changed, added or removed file of the series, or other
 * weights, never return an old result. The input fingerprint (SHA-256, hex)
 * covers the program version, the SeriesInstanceUID and the sorted list of
 * the series' files with their absolute paths, sizes and modification times
 * (for NIfTI: the file's). A development build that changes the pipeline
 * without a new version must be run with the cache off.
 *
 * The file is <dir>/results.sqlite, the folder given to
 * ct_results_cache_open (), by default g_get_user_cache_dir ()/ct-triage
 * (the entry points let $CT_TRIAGE_CACHE_DIR override it). WAL journal and a busy
 * timeout let the GUI and command lines use it at once. A file that is not a
 * database (or is damaged) is moved aside to results.sqlite.corrupt and a
 * new one is started; ct_results_cache_get_recovery_note () then says so, for
 * the caller to show as a warning. Every failure is a GError that
 * callers report as a warning before analysing anyway: the cache never stops
 * an analysis.
 *
 * One CtResultsCache per thread (SQLite connection); several may be open on
 * the same file. */
#pragma once

#include <gio/gio.h>

#include "ct-analysis.h"
#include "ct-series-info.h"

G_BEGIN_DECLS

typedef struct _CtResultsCache CtResultsCache;

/* The folder the cache lives in by default (owned string). */
char *ct_results_cache_dup_default_dir (void);

/* Opens (creating it and its folder) @dir/results.sqlite; @dir NULL means
 * ct_results_cache_dup_default_dir (). */
CtResultsCache *ct_results_cache_open (const char *dir, GError **error);
void ct_results_cache_close (CtResultsCache *self);
const char *ct_results_cache_get_path (CtResultsCache *self);
/* Set when open () replaced a damaged file: one line for a warning. */
const char *ct_results_cache_get_recovery_note (CtResultsCache *self);

/* The input fingerprint of a discovered series (stat only, no reading). */
char *ct_results_cache_fingerprint_series (const CtSeriesInfo *series, GError **error);
/* The same for the series @series_uid under @path, as the job queue knows
 * a study (scans @path's headers again; no pixel data). */
char *ct_results_cache_fingerprint_path (const char *path, const char *series_uid, GCancellable *cancellable,
                                         GError **error);

/* The stored analysis, a new copy, or NULL: with @error unset on a miss, set
 * when the cache could not be read (a damaged entry is deleted). */
CtAnalysis *ct_results_cache_lookup (CtResultsCache *self, const char *input_fingerprint, const char *lungs_sha256,
                                     const char *multitask_sha256, GError **error);
/* Stores (replaces) @analysis with its masks zlib-compressed. */
gboolean ct_results_cache_store (CtResultsCache *self, const char *input_fingerprint, const char *lungs_sha256,
                                 const char *multitask_sha256, const CtAnalysis *analysis, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtResultsCache, ct_results_cache_close)

G_END_DECLS
