/* SPDX-License-Identifier: MIT */
/* ct-category.h: the Moscow CT-0..CT-4 scale used by MosMedData (docs/architecture.md, "The method",
 * step 6). The band limits come from a secondary source and live in ONE
 * table, in ct-category.c. ct_category_from_severity () and
 * ct_category_to_string () are declared in ct-analysis.h. */
#pragma once

#include "ct-analysis.h"

G_BEGIN_DECLS

/* "No findings": a more-affected-lung share below this many percent counts as
 * CT-0. It is the false-positive floor of the shipped weights, measured, not
 * chosen: on 24 NORMAL phantoms of the validation distribution (tools/train
 * seeds 500000-500011 and 500016-500027, 176 x 176 x 60 voxels of 2 x 2 x
 * 5 mm, the whole pipeline through ct-triage-cli analyze) the lesion
 * network's share of the more affected lung was 0.01-0.51 % (median 0.10 %)
 * with the 0.5.0 weights (4 Dec 2026; 0.12-0.79 %, median 0.33 %, with those
 * of 0.4.0, when the floor was 0.85 %; 0.13-1.19 % with 0.3.0, floor 1.25 %):
 * confident blobs at vessels and the dependent lung, not specks. 0.55 % is
 * just above the largest. The price: on COVID-19 phantoms of the same
 * distribution (seed 500002, target severity 1, 2 and 3 %), 1.03 % true
 * involvement measured 0.34 % (CT-0), 2.23 % measured 0.91 % (CT-1) and
 * 3.20 % measured 1.60 % (CT-1): the lesion head under-segments faint small
 * lesions, so involvement below about 2 % cannot be told from a normal lung.
 * Re-measure when the weights change (docs/model-card.md, "CT-0 floor"). */
#define CT_CATEGORY_NOISE_FLOOR_PERCENT 0.55

/* The band of a category: lower <= severity < upper, in percent. */
void ct_category_get_band (CtCategory category, double *lower_percent, double *upper_percent);

G_END_DECLS
