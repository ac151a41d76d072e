/* SPDX-License-Identifier: MIT */
/* ct-results-panel.h: the numbers of one study's analysis (probability,
 * severity of the more-affected lung and of both lungs, CT category, lung and
 * lesion volumes, input-quality flags), the model that produced them, what it
 * was trained on, and that this is not a certified medical device. */
#pragma once

#include <gtk/gtk.h>

#include "ct-study-item.h"
#include "ct-model.h"

G_BEGIN_DECLS

#define CT_TYPE_RESULTS_PANEL (ct_results_panel_get_type ())
G_DECLARE_FINAL_TYPE (CtResultsPanel, ct_results_panel, CT, RESULTS_PANEL, GtkWidget)

GtkWidget *ct_results_panel_new       (void);
/* Follows the item as its results arrive; NULL shows nothing. */
void       ct_results_panel_set_study (CtResultsPanel *self,
                                       CtStudyItem    *item);
/* The multitask model whose name and training data to show (NULL: none
 * loaded yet). */
void       ct_results_panel_set_model (CtResultsPanel *self,
                                       CtModel        *model);

G_END_DECLS
