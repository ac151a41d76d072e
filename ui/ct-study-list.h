/* SPDX-License-Identifier: MIT */
/* ct-study-list.h: the study list, a GtkColumnView over a GListModel of
 * CtStudy sorted by triage priority (ct_study_compare_priority ()),
 * with a progress bar while a study is analysed, the reason when it failed,
 * the CT category as a coloured badge and a cancel button (run again, once
 * failed or cancelled), a right-click menu, "study-activated" on Enter or a
 * double click. Re-sorting keeps the selected study selected; a narrowed
 * list hides the date, slices, status and stop columns first. */
#pragma once

#include <gtk/gtk.h>

#include "ct-study.h"

G_BEGIN_DECLS

#define CT_TYPE_STUDY_LIST (ct_study_list_get_type ())
G_DECLARE_FINAL_TYPE (CtStudyList, ct_study_list, CT, STUDY_LIST, GtkWidget)

/* studies: a GListModel of CtStudy, in the order they were found. */
GtkWidget *ct_study_list_new (GListModel *studies);
/* The sorted model the list shows (borrowed). */
GListModel *ct_study_list_get_sorted_model (CtStudyList *self);
void ct_study_list_set_sort_key (CtStudyList *self, CtStudySortKey key);
CtStudySortKey ct_study_list_get_sort_key (CtStudyList *self);
/* Call when a study's results changed: sorts again, keeping the selection. */
void ct_study_list_resort (CtStudyList *self);
CtStudy *ct_study_list_get_selected (CtStudyList *self); /* borrowed, may be NULL */
void ct_study_list_select (CtStudyList *self, CtStudy *item);
/* Selects the row @delta rows below (above, < 0) the selected one, clamped. */
void ct_study_list_select_relative (CtStudyList *self, int delta);
/* The right-click menu of a row (borrowed). */
GMenuModel *ct_study_list_get_context_menu (CtStudyList *self);
/* Whether the column titled @title is shown (narrow lists hide some). */
gboolean ct_study_list_get_column_visible (CtStudyList *self, const char *title);

G_END_DECLS
