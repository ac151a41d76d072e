/* SPDX-License-Identifier: MIT */
/* ct-study-item.h: one study (one CT series) in the study list, with its
 * analysis state and results. A GTK-free GObject so that the GUI's list model
 * and the tests share it. Properties change on the main thread only: the job
 * queue posts worker results back to the main loop before setting them. */
#pragma once

#include <gio/gio.h>

#include "ct-volume.h"
#include "ct-analysis.h"

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

/* How the list ranks studies; mirrors the command line's --sort. */
typedef enum
{
  CT_STUDY_SORT_PROBABILITY,
  CT_STUDY_SORT_SEVERITY,
} CtStudySortKey;

#define CT_TYPE_STUDY_STATUS (ct_study_status_get_type ())
#define CT_TYPE_STUDY_SORT_KEY (ct_study_sort_key_get_type ())
GType ct_study_status_get_type (void);
GType ct_study_sort_key_get_type (void);

#define CT_TYPE_STUDY_ITEM (ct_study_item_get_type ())
G_DECLARE_FINAL_TYPE (CtStudyItem, ct_study_item, CT, STUDY_ITEM, GObject)

CtStudyItem      *ct_study_item_new               (const char *path,
                                                   const char *series_uid);
const char       *ct_study_item_get_path          (CtStudyItem *self);
const char       *ct_study_item_get_series_uid    (CtStudyItem *self);
const char       *ct_study_item_get_patient       (CtStudyItem *self);
const char       *ct_study_item_get_date          (CtStudyItem *self);
const char       *ct_study_item_get_description   (CtStudyItem *self);
int               ct_study_item_get_slices        (CtStudyItem *self);
CtStudyStatus     ct_study_item_get_status        (CtStudyItem *self);
double            ct_study_item_get_progress      (CtStudyItem *self);
const char       *ct_study_item_get_stage         (CtStudyItem *self);
double            ct_study_item_get_probability   (CtStudyItem *self); /* 0..1 or NAN */
double            ct_study_item_get_severity      (CtStudyItem *self); /* % or NAN */
const char       *ct_study_item_get_category      (CtStudyItem *self); /* "CT-0".. or NULL */
const char       *ct_study_item_get_error         (CtStudyItem *self);
CtVolume         *ct_study_item_get_volume        (CtStudyItem *self); /* borrowed, may be NULL */
const CtAnalysis *ct_study_item_get_analysis      (CtStudyItem *self); /* borrowed, may be NULL */
gboolean          ct_study_item_is_finished       (CtStudyItem *self);

/* Set by the loader's description of the series before loading, or from the
 * loaded volume. */
void              ct_study_item_set_info          (CtStudyItem *self,
                                                   const char  *patient,
                                                   const char  *date,
                                                   const char  *description,
                                                   int          slices);
void              ct_study_item_set_status        (CtStudyItem  *self,
                                                   CtStudyStatus status);
void              ct_study_item_set_progress      (CtStudyItem *self,
                                                   double       fraction,
                                                   const char  *stage);
/* Takes a reference; fills patient, date, description, slices from it.
 * NULL drops the volume (to save memory; the analysis stays). */
void              ct_study_item_set_volume        (CtStudyItem *self,
                                                   CtVolume    *volume);
/* Takes ownership; status becomes DONE. */
void              ct_study_item_take_analysis     (CtStudyItem *self,
                                                   CtAnalysis  *analysis);
/* status becomes FAILED (or CANCELLED for CT_ERROR_CANCELLED). */
void              ct_study_item_set_error         (CtStudyItem  *self,
                                                   const GError *error);

/* Triage order: finished studies first, by key (highest first), then the
 * other key, then path; then studies still waiting, in their given order
 * (equal); failed and cancelled ones last. A GCompareDataFunc-shaped
 * comparison: negative when a comes first. */
int               ct_study_item_compare_priority  (CtStudyItem   *a,
                                                   CtStudyItem   *b,
                                                   CtStudySortKey key);

G_END_DECLS
