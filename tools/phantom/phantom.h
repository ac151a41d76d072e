/* SPDX-License-Identifier: MIT */
/* phantom.h: synthetic chest CT volumes in Hounsfield units with exact
 * ground truth (lung masks, lesion masks, class, severity).
 *
 * Plain C11 + libm, no GLib: training data can be generated on a machine
 * with only a compiler (cc -O2 -std=c11 tools/phantom/phantom*.c -lm).
 * DICOM and NIfTI writing live in a separate layer (ct-phantom).
 *
 * Geometry is DICOM's patient LPS frame (mm), as in CtVolume:
 *   P(i, j, k) = origin + i * spacing[0] * direction[0..2]
 *                       + j * spacing[1] * direction[3..5]
 *                       + k * spacing[2] * direction[6..8]
 * By default columns run patient right -> left (+x), rows anterior ->
 * posterior (+y), slices head -> feet (-z). feet_first reverses the slice
 * order (direction[8] = +1), mirror_columns the column order
 * (direction[0] = -1); the voxels, the masks and the geometry change
 * together, so every option describes the same patient.
 *
 * Not a medical device: the anatomy is a plausible caricature for testing
 * and training software, not a model of any real patient.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum
{
  PHANTOM_CLASS_NORMAL = 0,
  PHANTOM_CLASS_COVID = 1,
  PHANTOM_CLASS_BACTERIAL = 2,
  PHANTOM_CLASS_NODULES = 3,
} PhantomClass;

#define PHANTOM_N_CLASSES 4

/* Values of the lung mask. */
enum
{
  PHANTOM_LUNG_NONE = 0,
  PHANTOM_LUNG_RIGHT = 1,
  PHANTOM_LUNG_LEFT = 2,
};

/* Values of the lesion mask (any non-zero value is a lesion voxel). */
enum
{
  PHANTOM_LESION_NONE = 0,
  PHANTOM_LESION_GROUND_GLASS = 1,
  PHANTOM_LESION_CONSOLIDATION = 2,
  PHANTOM_LESION_NODULE = 3,
};

/* Bits of PhantomParams.cut: let the lungs run past the scanned range. */
enum
{
  PHANTOM_CUT_TOP = 1,    /* apices above the first (most superior) slice */
  PHANTOM_CUT_BOTTOM = 2, /* bases below the last (most inferior) slice */
};

typedef struct
{
  uint64_t seed;
  int klass;               /* PhantomClass, or -1 for one drawn from the seed */
  int nx, ny, nz;          /* columns, rows, slices */
  double pixel_spacing_mm; /* rows and columns */
  double slice_spacing_mm;
  double slice_thickness_mm; /* <= 0: equal to the slice spacing */
  double severity_percent;   /* COVID/bacterial target in the more-affected
                              * lung, 0..100; < 0: drawn from the seed */
  int feet_first;            /* slice 0 is the most inferior one */
  int mirror_columns;        /* columns run patient left -> right */
  int cut;                   /* PHANTOM_CUT_* bits; 0: lungs wholly inside */
  double noise_hu;           /* SD in HU of the image noise; < 0: drawn (8-32) */
  int contrast;              /* intravenous contrast: 1 yes, 0 no, -1 drawn */
  int threads;               /* OpenMP threads when built with OpenMP; 0: default */
} PhantomParams;

typedef struct
{
  int nx, ny, nz;
  double spacing[3];   /* mm between voxel centres along i, j, k */
  double origin[3];    /* LPS mm of voxel (0, 0, 0) */
  double direction[9]; /* as in CtVolume: column, row, slice unit vectors */
  double slice_thickness_mm;

  float *hu;        /* [nz][ny][nx] Hounsfield units */
  uint8_t *lungs;   /* [nz][ny][nx] PHANTOM_LUNG_* */
  uint8_t *lesions; /* [nz][ny][nx] PHANTOM_LESION_* */

  PhantomClass klass;
  uint64_t seed;
  int feet_first, mirror_columns;

  /* Truth measured on the masks (see phantom_study_measure). */
  double severity_percent;       /* lesion voxels / voxels of the more-affected lung */
  double severity_total_percent; /* lesion voxels in lungs / lung voxels */
  double severity_right_percent, severity_left_percent;
  double lung_volume_ml, right_lung_ml, left_lung_ml;
  double lesion_volume_ml;
  int lungs_touch_first_slice, lungs_touch_last_slice;

  /* What was drawn. */
  double target_severity_percent; /* COVID/bacterial; -1 otherwise */
  int n_nodules;
  int contrast;
  int crazy_paving;
  double noise_hu;          /* SD in HU of the added noise in this volume */
  double rescale_intercept; /* a scanner-like choice for storage */
  double rescale_slope;
  double padding_hu;             /* value outside the reconstruction circle, or
                                  * 0 when there is none */
  double patient_position_mm[3]; /* LPS centre of the body at the carina */
} PhantomStudy;

/* Fills params with defaults: random class, 256 x 256 x 100, 1.5 mm pixels,
 * 3 mm slices, everything else drawn from the seed. */
void phantom_params_init (PhantomParams *params);

/* Generates a study. Returns NULL and writes a message into error (when
 * not NULL) for invalid parameters or when out of memory. */
PhantomStudy *phantom_generate (const PhantomParams *params, char *error, size_t error_size);
void phantom_study_free (PhantomStudy *study);

/* Recomputes the truth fields (severities, volumes, touch flags) from the
 * masks. phantom_generate already calls it. */
void phantom_study_measure (PhantomStudy *study);

/* Writes the study's description and truth as one JSON object;
 * extra_members (may be NULL) is copied verbatim after the opening brace,
 * e.g. "  \"hu_file\": \"a.hu.f32\",\n". Returns 0 on a write error. */
int phantom_study_write_json (const PhantomStudy *study, const char *extra_members, FILE *out);

const char *phantom_class_name (PhantomClass klass);        /* "normal", "covid", ... */
int phantom_class_from_name (const char *name, int *klass); /* "random" gives -1 */
