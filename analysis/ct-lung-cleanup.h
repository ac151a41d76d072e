/* SPDX-License-Identifier: MIT */
/* ct-lung-cleanup.h: keeping the lung network's mask inside the thorax
 * (docs/architecture.md, "The method", step 4), on the 2 mm network grid
 * [n][h][w]: slices from head to feet, rows anterior to posterior, columns
 * from the patient's right to left.
 *
 * The lung network marks, on real CT, bowel gas and the stomach under the
 * diaphragm, parts of an arm at the edge of the field of view and air outside
 * the body. ct_lung_cleanup_apply () removes:
 *
 * 1. the 26-connected components lying mostly (more than
 *    CT_LUNG_CLEANUP_MAX_OUTSIDE_SHARE) outside the body: in an arm, on the
 *    table, in the air around the body or between an arm and the chest wall.
 *    One whose part inside the body is as large as a lung's
 *    (CT_LUNG_CLEANUP_MIN_INSIDE_ML) loses only its outside part: lung that
 *    the network joined to the air around the body. The torso of a
 *    slice is its largest 8-connected region above the body threshold
 *    (-500 HU), its envelope every pixel lying between two torso pixels of
 *    the same row or of the same column. Outside the body are the tissue
 *    outside the envelope (an arm beside the torso, the table) and the air
 *    reached from the image border through pixels under the body threshold,
 *    starting at border pixels outside the envelope as dark as outside air
 *    (-950 HU): that flood also reaches the gap between an arm and the chest
 *    wall that a blanket joins to the torso. The lungs of a tight field of
 *    view that touch the image border are neither: they are not tissue, and
 *    lung is brighter than outside air, so no flood starts in them (lung at
 *    the border of a cropped image darker than -950 HU, as in a bulla, would
 *    be lost);
 *
 * then, per 26-connected component of what is left:
 *
 * 2. in a volume, components lying mostly below the diaphragm: below the main
 *    lungs' lowest slice, or under their floor (deeper than the lowest lung
 *    voxel of the same row and column, so separated from the lung by the
 *    diaphragm). The main lungs are the first lung, the largest lung
 *    candidate (rule 3) among those starting within CT_LUNG_CLEANUP_APEX_MM
 *    of the most cranial large one (nothing in the torso lies above the
 *    lungs, while bowel gas can outweigh the lung bases of an abdominal
 *    scan), and the largest other candidate not below the diaphragm of the
 *    first with at least CT_LUNG_CLEANUP_SECOND_LUNG_SHARE of its voxels (a
 *    single lung after a pneumonectomy is kept alone: the bowel gas under it
 *    is below its floor). A component as large as a lobe
 *    (CT_LUNG_CLEANUP_LOBE_SHARE of a first lung of CT_LUNG_CLEANUP_LUNG_ML
 *    or more) stays even below: a lower lobe split off by consolidation;
 * 3. when no component reaches behind the body's centre row (at least
 *    CT_LUNG_CLEANUP_MIN_POSTERIOR_SHARE of its voxels), all of them: every
 *    lung reaches the back of the chest (its lowest part, the posterior
 *    recess, included), while gas in the stomach and colon of a supine
 *    patient floats to the front. Only components that do are lung
 *    candidates. This rule removes the bowel gas of an abdominal slice or
 *    volume without lung.
 *
 * Every other component is left to ct_lung_box_keep_lungs (). On a single
 * slice (n == 1) rule 2 has nothing to measure against; rules 1 and 3 still
 * apply.
 *
 * 26-connectivity, as ct-lung-box.c: at 2 mm pixels and 1-5 mm slices the
 * airways and the lung tips run obliquely through a few voxels, which are
 * linked only through edges and corners; the diaphragm and the chest wall
 * that separate lung from gas are several voxels thick, so the wider
 * neighbourhood does not merge them.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A component more than this share outside the body is removed, but for its
 * inside part when that holds at least CT_LUNG_CLEANUP_MIN_INSIDE_ML. */
#define CT_LUNG_CLEANUP_MAX_OUTSIDE_SHARE 0.5
#define CT_LUNG_CLEANUP_MIN_INSIDE_ML 50.0
/* A component with at least this share of its voxels below the diaphragm
 * is removed. */
#define CT_LUNG_CLEANUP_MIN_BELOW_SHARE 0.5
/* Rule 2 keeps a component of at least this share of the first lung's
 * voxels when that lung has at least CT_LUNG_CLEANUP_LUNG_ML: a lobe that
 * disease or a fissure split off lies under the rest of its lung, and a
 * stomach or colon holds far less gas than a lung holds air. */
#define CT_LUNG_CLEANUP_LOBE_SHARE 0.25
#define CT_LUNG_CLEANUP_LUNG_ML 300.0
/* The second lung has at least this share of the first one's voxels. */
#define CT_LUNG_CLEANUP_SECOND_LUNG_SHARE 0.10
/* A lung candidate has at least this share of its voxels behind the centre
 * row of the body on their slices. */
#define CT_LUNG_CLEANUP_MIN_POSTERIOR_SHARE 0.05
/* The first lung starts within this distance (mm) of the most cranial large
 * component. */
#define CT_LUNG_CLEANUP_APEX_MM 30.0
/* A torso smaller than this on a slice is no torso (cm^2): the slice is
 * outside the body (head end beyond the scan, the table alone). */
#define CT_LUNG_CLEANUP_MIN_TORSO_CM2 20.0

typedef struct
{
  guint components;          /* 26-connected components once rule 1 is applied */
  gsize removed_outside;     /* voxels removed as outside the body */
  guint removed_below;       /* components removed as below the diaphragm */
  guint removed_anterior;    /* components removed as gas in front (rule 3) */
  double removed_outside_ml; /* their volumes */
  double removed_below_ml;
  double removed_anterior_ml;
} CtLungCleanupStats;

/* Labels the 26-connected components of mask [n][h][w] (non-zero =
 * foreground): labels[v] = 0 for background, else 1 + the component's
 * number, components numbered in the order of their first voxel in memory.
 * Breadth-first, O(n h w). Returns the number of components. */
guint ct_lung_cleanup_label (const guint8 *mask, int n, int h, int w, guint32 *labels);

/* What ct_lung_cleanup_body () says of a voxel. */
enum
{
  CT_LUNG_CLEANUP_OUTSIDE_AIR = 0,    /* air reached from the image border */
  CT_LUNG_CLEANUP_OUTSIDE_TISSUE = 1, /* tissue outside the torso's envelope */
  CT_LUNG_CLEANUP_INSIDE_TISSUE = 2,
  CT_LUNG_CLEANUP_INSIDE_AIR = 3, /* under the body threshold: lung, gas */
};

/* The body of rule 1 for every slice of image [n][h][w] (any units: tissue
 * above body_threshold, outside air under air_threshold): body[v] one of
 * the values above. spacing_mm: row and column spacing. */
void ct_lung_cleanup_body (const float *image, int n, int h, int w, const double spacing_mm[2], float body_threshold,
                           float air_threshold, guint8 *body);

/* Applies rules 1 to 3 to mask [n][h][w] (0/1) with body from
 * ct_lung_cleanup_body (); spacing_mm: slice, row, column spacing (for the
 * volumes in stats, which may be NULL). Returns the number of voxels
 * removed. */
gsize ct_lung_cleanup_apply (guint8 *mask, const guint8 *body, int n, int h, int w, const double spacing_mm[3],
                             CtLungCleanupStats *stats);

G_END_DECLS
