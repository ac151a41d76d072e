/* SPDX-License-Identifier: MIT */
/* ct-study-report.h: the work list as text, for a list of CtStudy in
 * triage order: the JSON array of docs/architecture.md ("Contracts"),
 * CSV and a readable table. priority_rank is the position in the list.
 * Fields that need an analysis are null when there is none; the shape never
 * changes. */
#pragma once

#include <glib.h>

#include <glib/gi18n-lib.h>

#include "ct-study.h"

G_BEGIN_DECLS

/* N_ () so that xgettext finds it; JSON and CSV keep it in English, the
 * messages translate it with _ (CT_DISCLAIMER). */
#define CT_DISCLAIMER                                                                                                  \
  N_ ("Not a certified medical device: research software, not for diagnosis or "                                       \
      "treatment decisions. Every result must be checked by a radiologist.")

/* Sorts @studies (CtStudy*) in the work-list order,
 * ct_study_compare_priority (). */
void ct_study_report_rank (GPtrArray *studies, CtStudySortKey key);

char *ct_study_report_to_json (GPtrArray *results);
char *ct_study_report_to_csv (GPtrArray *results);
char *ct_study_report_to_table (GPtrArray *results);

/* Short names of the quality flags set in @flags ("not_chest", ...), a
 * NULL-terminated array. */
GStrv ct_study_report_quality_names (int flags);

G_END_DECLS
