/* SPDX-License-Identifier: MIT */
/* phantom-private.h: the drawn anatomy of one phantom, shared by the
 * sibling files of phantom.c. Lengths in mm, intensities in HU, positions
 * in patient LPS. */
#pragma once

#include "phantom.h"
#include "phantom-noise.h"
#include "phantom-vessels.h"

#define PHANTOM_TUBE_MAX_POINTS 8
#define PHANTOM_MAX_NODULES 8

/* A tube along a polyline, radius interpolated between its points. */
typedef struct
{
  int n;
  double p[PHANTOM_TUBE_MAX_POINTS][3];
  double r[PHANTOM_TUBE_MAX_POINTS];
  double box_min[3], box_max[3]; /* mm, for quick rejection */
} PhantomTube;

enum
{
  TUBE_TRACHEA,
  TUBE_BRONCHUS_RIGHT,
  TUBE_BRONCHUS_LEFT,
  TUBE_ESOPHAGUS,
  TUBE_AORTA,
  TUBE_SVC,
  TUBE_PULMONARY_TRUNK,
  TUBE_PULMONARY_RIGHT,
  TUBE_PULMONARY_LEFT,
  N_TUBES
};

/* Lobes, for lobar pneumonia. */
enum
{
  LOBE_NONE = 0,
  LOBE_RIGHT_UPPER,
  LOBE_RIGHT_MIDDLE,
  LOBE_RIGHT_LOWER,
  LOBE_LEFT_UPPER,
  LOBE_LEFT_LOWER,
  N_LOBES
};

typedef struct
{
  PhantomParams params;
  PhantomClass klass;
  uint64_t key;
  double thickness; /* slice thickness, mm */
  double x0, y0;    /* LPS x of canonical column 0, y of row 0 */
  double z_top;     /* LPS z of canonical slice 0 (most superior) */
  double fov_cx, fov_cy, fov_radius;

  /* Body: a superellipse around (bx, by). */
  double bx, by, body_a, body_b, body_square;
  double fat_mm, scale;
  /* Thoracic cavity: an ellipse around (bx, by + cv) inside the ribs. */
  double ca, cb, cv;
  /* Heights: lungs from z_base (posterior costophrenic recess) to z_base + height. */
  double z_base, height;
  double dome_right, dome_left; /* dome heights above z_base */
  double z_carina, z_arch;
  /* Ribs: oblique bands, higher at the back. */
  double rib_pitch, rib_slope, rib_height, rib_thickness, rib_phase;
  /* Spine: vertebral body ellipse centred on (bx, by + vb_v). */
  double vb_v, vb_a, vb_b, vert_pitch, vert_phase;
  /* Heart: rotated ellipsoid. */
  double heart_c[3], heart_axes[3], heart_cos, heart_sin;
  PhantomTube tubes[N_TUBES];
  /* Lungs: apex caps and the mediastinal midline. */
  double t_apex, apex_x, apex_y, apex_ra, apex_rb;
  double mid_x;
  double fissure_right, fissure_left, fissure_horizontal; /* heights, fraction of height */
  /* Tissue intensities. */
  int contrast;
  double hu_fat, hu_muscle, hu_blood, hu_myocardium, hu_liver, hu_spleen;
  double hu_cortex, hu_marrow, hu_lung, hu_vessel, dependent_gain, texture_hu;
  /* Smooth random fields. */
  PhantomLattice field_low, field_mid, field_fine, field_texture;
  /* Two fields whose common zero set is a web of random thin tubes: the
   * small vessels below the trees' resolution. */
  PhantomLattice field_micro[2];
  double micro_width, micro_hu;
  /* Lesions. */
  int has_lesion_field;
  double lesion_threshold, consolidation_threshold, lesion_edge;
  double side_bias[3];
  int lobe_involved[N_LOBES];
  double hu_ground_glass, hu_consolidation;
  int crazy_paving;
  double paving_cell_mm, paving_hu;
  double target_severity;
  int n_nodules;
  double nodule_c[PHANTOM_MAX_NODULES][3], nodule_r[PHANTOM_MAX_NODULES];
  double nodule_hu[PHANTOM_MAX_NODULES];
  /* Pulmonary vessels and airways. */
  PhantomVessels vessels;
  /* Image formation. */
  double blur_mm, noise_hu, noise_corr_px, padding_hu;
  double rescale_intercept;
  int has_table;
  /* Arms along the body (arms down), when drawn. */
  int has_arms;
  double arm_gap, arm_a, arm_b, arm_v;
  /* Scapulae: plates behind the upper ribs. */
  double scapula_t0;
  double table_y;
} Phantom;

/* What one point of the anatomy is. */
typedef struct
{
  double hu; /* tissue intensity before lungs, lesions and vessels */
  int lung;  /* PHANTOM_LUNG_* */
  int lobe;
  double wall_mm; /* lung: distance to the chest wall or diaphragm */
  double t;       /* height fraction: 0 lung base, 1 apex */
  double vn;      /* -1 anterior .. 1 posterior edge of the cavity */
} PhantomPoint;

void phantom_anatomy_draw (Phantom *ph, PhantomRng *rng);
void phantom_anatomy_sample (const Phantom *ph, double x, double y, double z, PhantomPoint *out);
double phantom_lesion_field (const Phantom *ph, double x, double y, double z, const PhantomPoint *pt);
