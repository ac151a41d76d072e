/* SPDX-License-Identifier: MIT */
/* ct-quality.h: input-quality flags a radiologist wants beside the numbers
 * (CtQualityFlags in ct-analysis.h), each with a human-readable note.
 *
 * Limits (one place, here):
 * - not chest: lung volume under 100 ml, or no axial slice with 20 cm2 of
 *   lung (an adult chest CT has slices with 200-300 cm2);
 * - lungs cut off: the most superior (or inferior) scanned slice holds at
 *   least 20 mm2 of lung and at least 0.1 % of the largest slice's lung area.
 *   The mask has already lost its small components (ct-lung-box.h), so what
 *   remains on an end slice is lung running on past the scanned range; even
 *   the tip of a costophrenic recess (a few cm2 above the cut) counts, as
 *   basal, posterior disease is what COVID-19 pneumonia looks like. A
 *   partial-volume fringe of a few voxels does not;
 * - thick slices: spacing along the slice axis over 5 mm;
 * - not HU: under 0.5 % of the voxels below -800 HU. Every chest CT holds
 *   air (lungs, around the body); a volume without any was most likely
 *   stored without its rescale slope and intercept applied, the classic
 *   cause of empty lung masks;
 * - noisy: robust noise estimate in homogeneous soft tissue over 80 HU
 *   (routine chest CT with a soft-tissue kernel: 10-30 HU, 33 HU measured on
 *   ../shared/data/ct-series-20/chest_crop_1.5mm; low dose: 30-50; thin
 *   sharp lung-kernel reconstructions can reach 60-80, which is their
 *   nature, not a fault worth a flag).
 */
#pragma once

#include <glib.h>

#include "ct-analysis.h"
#include "ct-reorient.h"

G_BEGIN_DECLS

#define CT_QUALITY_MIN_LUNG_ML 100.0
#define CT_QUALITY_MIN_MAX_AREA_MM2 2000.0
#define CT_QUALITY_CUT_MIN_AREA_MM2 20.0
#define CT_QUALITY_CUT_MIN_AREA_SHARE 0.001
#define CT_QUALITY_MAX_SLICE_SPACING_MM 5.0
#define CT_QUALITY_NOISE_LIMIT_HU 80.0
#define CT_QUALITY_AIR_HU (-800.0)
#define CT_QUALITY_MIN_AIR_SHARE 0.005
/* A coronal or sagittal stack must span at least this much across its
 * slices (mm) to be re-sliced into axial images (CT_QUALITY_NOT_AXIAL). */
#define CT_QUALITY_MIN_SLAB_MM 100.0

typedef struct
{
  double max_slice_area_mm2;   /* largest lung area of one network slice */
  double first_slice_area_mm2; /* most superior slice */
  double last_slice_area_mm2;  /* most inferior slice */
  double noise_hu;             /* NAN when too little soft tissue to tell */
  double air_share;            /* share of voxels below CT_QUALITY_AIR_HU */
} CtQualityMeasures;

/* Robust noise: per-voxel residual from the 3x3 in-plane mean, over voxels
 * whose 3x3 mean lies in [-80, 120] HU (muscle, organs, blood), on up to 16
 * slices; sigma = 1.4826 * MAD * sqrt (9/8) for white noise. Correlated
 * noise reads lower, edges are outliers the median ignores. */
double ct_quality_estimate_noise_hu (const CtVolume *volume);
/* Share of voxels below CT_QUALITY_AIR_HU (every 7th voxel sampled). */
double ct_quality_air_share (const CtVolume *volume);
/* Lung areas per network slice from a lung mask on the volume grid. */
void ct_quality_measure_lungs (const CtReorient *reorient, const guint8 *lung_mask, CtQualityMeasures *out);
/* Flags from the measures; appends one note per raised flag to notes (char*). */
CtQualityFlags ct_quality_assess (const CtReorient *reorient, const CtQualityMeasures *measures, double lung_volume_ml,
                                  GPtrArray *notes);

G_END_DECLS
