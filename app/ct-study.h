/* SPDX-License-Identifier: MIT */
/* ct-study.h: one study of the work list: one CT series, from discovery to
 * its analysis (docs/architecture.md, "Core types"). The command line and the
 * window use the same record:
 *
 *   - what the scan found (CtSeriesInfo: files, headers, identifiers), kept
 *     so that the series is scanned once, for loading and for the results
 *     cache's fingerprint alike;
 *   - what the load found (size, spacing, the loader's notes), kept after the
 *     volume itself is dropped to save memory;
 *   - the volume while it is needed, and the analysis (an immutable,
 *     reference-counted CtAnalysis that names the models that made it);
 *   - status, progress and the error, if any.
 *
 * A GTK-free GObject: the window's list binds to its properties. Setters are
 * called on the thread that owns the study (the main thread in the window):
 * the analyzer's workers never touch a study, they post to its owner. */
#pragma once

#include <gio/gio.h>

#include "ct-analysis.h"
#include "ct-series-info.h"
#include "ct-volume.h"

G_BEGIN_DECLS

typedef enum
{
  CT_STUDY_STATUS_QUEUED,
  CT_STUDY_STATUS_LOADING,
  CT_STUDY_STATUS_ANALYSING,
  CT_STUDY_STATUS_DONE,
  CT_STUDY_STATUS_FAILED,
  CT_STUDY_STATUS_CANCELLED,
} CtStudyStatus;

/* The work-list order (ct_study_compare_priority): the triage score
 * (analysis/ct-triage-score.h) by default, or one of its two inputs alone.
 * The values are those of the GSettings enum "sort-key". */
typedef enum
{
  CT_STUDY_SORT_PROBABILITY = 0,
  CT_STUDY_SORT_SEVERITY = 1,
  CT_STUDY_SORT_TRIAGE = 2,
} CtStudySortKey;

#define CT_TYPE_STUDY_STATUS (ct_study_status_get_type ())
#define CT_TYPE_STUDY_SORT_KEY (ct_study_sort_key_get_type ())
GType ct_study_status_get_type (void);
GType ct_study_sort_key_get_type (void);

/* "triage", "probability", "severity" (the command line's --sort) and back;
 * FALSE for an unknown name. */
gboolean ct_study_sort_key_from_string (const char *name, CtStudySortKey *out_key);
const char *ct_study_sort_key_to_string (CtStudySortKey key);

#define CT_TYPE_STUDY (ct_study_get_type ())
G_DECLARE_FINAL_TYPE (CtStudy, ct_study, CT, STUDY, GObject)

/* A study of a scanned series; takes ownership of @series. */
CtStudy *ct_study_new_for_series (CtSeriesInfo *series);
/* A study known only by path (and series UID, NULL for the only one):
 * loaded by scanning @path again. For tests and callers without a scan. */
CtStudy *ct_study_new (const char *path, const char *series_uid);
/* A path that yielded no usable series: status FAILED with @message. */
CtStudy *ct_study_new_failed (const char *path, const char *message);

/* What the scan found, or NULL when the study was made from a path. */
const CtSeriesInfo *ct_study_get_series (CtStudy *self);
const char *ct_study_get_path (CtStudy *self);
const char *ct_study_get_series_uid (CtStudy *self);
const char *ct_study_get_study_uid (CtStudy *self);
const char *ct_study_get_patient_id (CtStudy *self);
/* The patient's name where known, else the ID: for display. */
const char *ct_study_get_patient (CtStudy *self);
const char *ct_study_get_modality (CtStudy *self);
const char *ct_study_get_date (CtStudy *self); /* YYYY-MM-DD */
const char *ct_study_get_description (CtStudy *self);
int ct_study_get_slices (CtStudy *self);

/* Geometry of the loaded volume, kept after the volume is dropped: FALSE
 * while it was never loaded. */
gboolean ct_study_get_loaded (CtStudy *self);
int ct_study_get_rows (CtStudy *self);
int ct_study_get_columns (CtStudy *self);
/* mm: x (columns), y (rows), z (slices); zeros until loaded. */
const double *ct_study_get_spacing (CtStudy *self);
/* char*: the loader's notes (gantry tilt, duplicate slices ...). */
GPtrArray *ct_study_get_warnings (CtStudy *self);
double ct_study_get_load_ms (CtStudy *self);

CtStudyStatus ct_study_get_status (CtStudy *self);
double ct_study_get_progress (CtStudy *self);
const char *ct_study_get_stage (CtStudy *self);
const char *ct_study_get_error (CtStudy *self);
gboolean ct_study_is_finished (CtStudy *self);
CtVolume *ct_study_get_volume (CtStudy *self);           /* borrowed, may be NULL */
const CtAnalysis *ct_study_get_analysis (CtStudy *self); /* borrowed, may be NULL */
/* Take a reference to keep it beyond the study's next change. */
CtAnalysis *ct_study_dup_analysis (CtStudy *self);
double ct_study_get_probability (CtStudy *self);   /* 0..1 or NAN */
double ct_study_get_severity (CtStudy *self);      /* % or NAN */
double ct_study_get_triage_score (CtStudy *self);  /* 0..1 or NAN */
const char *ct_study_get_category (CtStudy *self); /* "CT-0".. or NULL */
/* TRUE when the study has an analysis and it is assessable
 * (ct_analysis_is_assessable): only then do probability, severity, triage
 * score and category have a value. */
gboolean ct_study_get_assessable (CtStudy *self);
/* Whether the analysis came from the results cache, and the lookup's time. */
gboolean ct_study_get_cached (CtStudy *self);
double ct_study_get_cache_ms (CtStudy *self);
/* Why a loaded study has no analysis (e.g. "--no-analysis"), or NULL. */
const char *ct_study_get_analysis_note (CtStudy *self);

void ct_study_set_status (CtStudy *self, CtStudyStatus status);
void ct_study_set_progress (CtStudy *self, double fraction, const char *stage);
/* Takes a reference; records identifiers, size, spacing and notes of
 * @volume, and @load_ms when >= 0. NULL drops the volume (to save memory;
 * what was recorded and the analysis stay). */
void ct_study_set_volume (CtStudy *self, CtVolume *volume, double load_ms);
/* Takes a reference; status becomes DONE. */
void ct_study_set_analysis (CtStudy *self, CtAnalysis *analysis, gboolean cached, double cache_ms);
void ct_study_set_analysis_note (CtStudy *self, const char *note);
/* Status becomes FAILED (or CANCELLED for a cancellation); the analysis,
 * if any, is dropped. */
void ct_study_set_error (CtStudy *self, const GError *error);

/* Writing the study's results (masks, report) failed: the study reports
 * @error (status FAILED) and keeps its analysis, which is still valid. */
void ct_study_set_export_error (CtStudy *self, const GError *error);

/* The one work-list order, used by the window, the command line and the
 * reports: assessed studies first, by @key (highest first; a study without
 * a probability counts as below every probability), then by the other
 * keys, then path and series UID; then studies analysed but not
 * assessable, by path; then studies not analysed yet (or loaded only),
 * equal among themselves, so that a stable sort keeps their order; failed
 * and cancelled studies last, by path. A GCompareDataFunc
 * shape: negative when @a comes first. */
int ct_study_compare_priority (CtStudy *a, CtStudy *b, CtStudySortKey key);
/* Sorts @studies (CtStudy*) stably by ct_study_compare_priority (). */
void ct_study_sort_by_priority (GPtrArray *studies, CtStudySortKey key);

G_END_DECLS
