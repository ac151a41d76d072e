/* SPDX-License-Identifier: MIT */
/* ct-study-result.h: one row of the command line's report: what was loaded
 * (geometry, identifiers, loader warnings), the analysis when there is one,
 * or the error that stopped this study. */
#pragma once

#include <glib.h>

#include "ct-analysis.h"
#include "ct-volume.h"

G_BEGIN_DECLS

typedef struct
{
  char *path;
  char *study_uid, *series_uid, *patient_id, *modality;
  char *description;
  int slices, rows, columns;     /* 0 when never loaded */
  double spacing[3];             /* mm, x (columns), y (rows), z (slices) */
  char *error;                   /* NULL when the study is fine */
  CtAnalysis *analysis;          /* NULL when not analysed; owned */
  char *analysis_note;           /* why there is no analysis, or NULL */
  char *model_name, *model_sha256;           /* multitask network weights */
  char *lungs_model_name, *lungs_model_sha256;
  double load_ms;
  GPtrArray *warnings;           /* char*: the loader's notes */
  int priority_rank;             /* 1 = first; set by ct_study_report_rank () */
  gboolean cached;               /* the analysis came from the results cache */
  double cache_ms;               /* time to look it up (with the input fingerprint) */
} CtStudyResult;

CtStudyResult *ct_study_result_new             (const char *path);
/* Copies identifiers, size, spacing and warnings of @volume. */
void           ct_study_result_set_volume      (CtStudyResult *self, const CtVolume *volume);
void           ct_study_result_set_error       (CtStudyResult *self, const char *message);
void           ct_study_result_free            (CtStudyResult *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtStudyResult, ct_study_result_free)

G_END_DECLS
