/* SPDX-License-Identifier: MIT */
/* ct-severity.h: lung separation and lesion shares (docs/architecture.md, "The method", step 6).
 *
 * The two lungs are told apart by 2-cluster k-means on the patient (LPS, mm)
 * coordinates of the lung-mask voxels, as the official evaluation does. The
 * clusters start as the voxels right and left of the mean x, so the split
 * found is the left/right one, and are labelled by their mean patient x:
 * right lung (smaller x in LPS) = 1, left lung = 2.
 */
#pragma once

#include <glib.h>

#include "ct-volume.h"

G_BEGIN_DECLS

#define CT_LUNG_RIGHT 1
#define CT_LUNG_LEFT 2

typedef struct
{
  gsize lung_voxels[3];          /* [0] both lungs, [1] right, [2] left */
  gsize lesion_voxels[3];        /* lesion voxels inside each of those */
  double severity_percent;       /* max of the right and left shares */
  double severity_total_percent; /* lesions / both lungs */
  double severity_right_percent;
  double severity_left_percent;
  double lung_volume_ml;
  double lesion_volume_ml; /* lesions inside the lungs */
} CtSeverity;

/* Volume of one voxel of the grid in ml (spacing and the direction cosines'
 * determinant, so sheared gantry-tilt grids are measured right). */
double ct_severity_voxel_volume_ml (const CtVolume *geometry);
/* lung_mask [nz][ny][nx] of geometry's grid: non-zero = lung on entry,
 * CT_LUNG_RIGHT / CT_LUNG_LEFT on return. Returns the k-means iterations run.
 * n_threads 0 = all cores. */
int ct_severity_split_lungs (const CtVolume *geometry, guint8 *lung_mask, int n_threads);
/* Shares from a labelled lung mask and a 0/1 lesion mask on the same grid;
 * lesion voxels outside the lungs are not counted. */
void ct_severity_compute (const CtVolume *geometry, const guint8 *lung_mask, const guint8 *lesion_mask,
                          CtSeverity *out);

G_END_DECLS
