/* SPDX-License-Identifier: MIT */
/* ct-results-panel.h: the numbers of one study's analysis (probability,
 * severity of the more-affected lung and of both lungs, CT category, lung and
 * lesion volumes, input-quality flags), the model that produced them, what it
 * was trained on, and that this is not a certified medical device. */
#pragma once

#include <gtk/gtk.h>

#include "ct-study.h"

G_BEGIN_DECLS

#define CT_TYPE_RESULTS_PANEL (ct_results_panel_get_type ())
G_DECLARE_FINAL_TYPE (CtResultsPanel, ct_results_panel, CT, RESULTS_PANEL, GtkWidget)

GtkWidget *ct_results_panel_new (void);
/* Follows the study as its results arrive, with the model that produced
 * them (from the analysis itself); NULL shows nothing. */
void ct_results_panel_set_study (CtResultsPanel *self, CtStudy *study);

G_END_DECLS
