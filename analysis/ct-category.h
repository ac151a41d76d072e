/* SPDX-License-Identifier: MIT */
/* ct-category.h: the Moscow CT-0..CT-4 scale used by MosMedData (PAPER.md,
 * step 6). The band limits come from a secondary source and live in ONE
 * table, in ct-category.c. ct_category_from_severity () and
 * ct_category_to_string () are declared in ct-analysis.h. */
#pragma once

#include "ct-analysis.h"

G_BEGIN_DECLS

/* "No findings": a more-affected-lung share below this many percent counts as
 * CT-0. At threshold 0.2 a segmentation network leaves isolated false-positive
 * voxels; 0.1 % of a 1.5 l lung is 1.5 ml, about one 14 mm focus, so a single
 * speck does not turn a normal study into CT-1 while any real ground glass
 * does. */
#define CT_CATEGORY_NOISE_FLOOR_PERCENT 0.1

/* The band of a category: lower <= severity < upper, in percent. */
void ct_category_get_band (CtCategory category, double *lower_percent, double *upper_percent);

G_END_DECLS
