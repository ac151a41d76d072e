/* SPDX-License-Identifier: MIT */
/* ct-study-report.h: the command line's outputs for a list of
 * CtStudyResult: triage ranking, the JSON array of ARCHITECTURE.md, CSV and
 * a readable table. Fields that need an analysis are null when there is
 * none; the shape never changes. */
#pragma once

#include <glib.h>

#include "ct-study-result.h"

G_BEGIN_DECLS

#define CT_DISCLAIMER "Not a certified medical device: research software, not for diagnosis or " \
                      "treatment decisions. Every result must be checked by a radiologist."

typedef enum
{
  CT_REPORT_SORT_PROBABILITY,
  CT_REPORT_SORT_SEVERITY,
} CtReportSort;

/* Sorts @results (CtStudyResult*) in triage order and numbers them:
 * analysed studies by the key (highest first; a study without a
 * probability after those with one), then the other key, then path; then
 * studies loaded but not analysed, in the given order; then failed ones. */
void  ct_study_report_rank     (GPtrArray *results, CtReportSort sort);

char *ct_study_report_to_json  (GPtrArray *results);
char *ct_study_report_to_csv   (GPtrArray *results);
char *ct_study_report_to_table (GPtrArray *results);

/* Short names of the quality flags set in @flags ("not_chest", ...), a
 * NULL-terminated array. */
GStrv ct_study_report_quality_names (int flags);

G_END_DECLS
