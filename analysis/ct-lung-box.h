/* SPDX-License-Identifier: MIT */
/* ct-lung-box.h: cleaning the lung network's mask and its 3-D bounding box
 * (docs/architecture.md, "The method", step 4), on the 2 mm network grid [n][h][w].
 *
 * Which connected components count as lung (26-connectivity): the largest,
 * and every other component of at least 10 % of its voxels whose slice range
 * overlaps the largest one's. Two lungs (each roughly 40-60 % of the pair) and
 * a lung split by a missed consolidation survive; small specks, a stomach
 * bubble or bowel gas under the diaphragm (typically a few % of the lung
 * volume) and gas in a separate, non-overlapping stack range are dropped, so
 * neither the crop nor the lung volume counts them as lung.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CT_LUNG_BOX_MIN_COMPONENT_SHARE 0.10

typedef struct
{
  int lower[3]; /* first voxel inside, along slice, row, column */
  int upper[3]; /* one past the last voxel inside */
} CtBox;

/* Zeroes the components of mask [n][h][w] (values 0/1) that are not lung by
 * the rule above; returns the number of voxels kept. */
gsize ct_lung_box_keep_lungs (guint8 *mask, int n, int h, int w);
/* Adds to lungs [n][h][w] (0/1) every 26-connected component of lesions
 * [n][h][w] (0/1) that lies mostly in the lungs: at least min_inside_share
 * (0..1) of its voxels, and at least one, are lung. Returns the number of
 * voxels added. Used for consolidated lung that the lung network leaves out
 * (see ct-pipeline.c). */
gsize ct_lung_box_add_attached_lesions (guint8 *lungs, const guint8 *lesions, int n, int h, int w,
                                        double min_inside_share);
/* Zeroes the 26-connected components of mask [n][h][w] (0/1) with fewer than
 * min_voxels voxels; returns the number of voxels zeroed. */
gsize ct_lung_box_drop_small_components (guint8 *mask, int n, int h, int w, gsize min_voxels);
/* Bounding box of the non-zero voxels; FALSE (box zeroed) when there are none. */
gboolean ct_lung_box_compute (const guint8 *mask, int n, int h, int w, CtBox *out);
int ct_box_size (const CtBox *box, int axis);

G_END_DECLS
