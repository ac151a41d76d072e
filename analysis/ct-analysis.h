/* SPDX-License-Identifier: MIT */
/* ct-analysis.h: the one analysis entry point (docs/architecture.md,
 * "The method" and "Core types") and its result: immutable once published, reference-counted,
 * carrying the identity of the two models that produced it, so that views,
 * panels, reports and the results cache read everything from the result and
 * never from the engine.
 *
 * The pipeline: reorient to the network orientation (rows anterior->posterior,
 * columns right->left, slices superior->inferior) from the volume geometry,
 * resample in plane to 2 mm, window [-1000, 300] HU -> [0, 1], lung network,
 * lung bounding box, multitask network, paste back, resample to the original
 * grid, thresholds, severity, volumes, CT category, triage score, quality flags.
 */
#pragma once

#include <glib.h>

#include "ct-volume.h"
#include "ct-model.h"

G_BEGIN_DECLS

/* Called from the analysing thread (never from inside an OpenMP region) with
 * the overall fraction done in [0, 1] and a short stage name ("lungs",
 * "lesions", ...). Return FALSE to cancel: the pipeline then stops between
 * slices or layers and fails with CT_ERROR_CANCELLED. */
typedef gboolean (*CtProgressFunc) (double fraction, const char *stage, gpointer user_data);

typedef enum
{
  CT_QUALITY_NOT_CHEST = 1 << 0,        /* too little lung found for a chest CT */
  CT_QUALITY_LUNGS_CUT_TOP = 1 << 1,    /* lung reaches the first (most superior) slice */
  CT_QUALITY_LUNGS_CUT_BOTTOM = 1 << 2, /* lung reaches the last (most inferior) slice */
  CT_QUALITY_THICK_SLICES = 1 << 3,     /* slice spacing > 5 mm */
  CT_QUALITY_NOISY = 1 << 4,            /* noise in air/soft tissue far above usual */
  CT_QUALITY_NOT_HU = 1 << 5,           /* almost no air: values do not look like HU */
  CT_QUALITY_NOT_AXIAL = 1 << 6,        /* a few coronal or sagittal images, not an axial-sliceable volume */
  CT_QUALITY_TOO_SMALL = 1 << 7,        /* too few slices or too small a lung region for the classifier */
} CtQualityFlags;

/* A study with any of these gets no COVID-19 probability, no severity and
 * no CT category (docs/architecture.md, "Not assessable"): what the
 * networks would say of it has no grounds. Its masks and volumes are kept,
 * to show what was found. */
#define CT_QUALITY_NOT_ASSESSABLE                                                                                      \
  (CT_QUALITY_NOT_CHEST | CT_QUALITY_NOT_HU | CT_QUALITY_NOT_AXIAL | CT_QUALITY_TOO_SMALL)

typedef enum
{
  CT_CATEGORY_0, /* no findings */
  CT_CATEGORY_1, /* < 25 % */
  CT_CATEGORY_2, /* 25-50 % */
  CT_CATEGORY_3, /* 50-75 % */
  CT_CATEGORY_4, /* >= 75 % */
} CtCategory;

/* Which weights produced a result: enough to show and to check it. */
typedef struct
{
  char *name;          /* weights file basename */
  char *sha256;        /* of the whole file, hex */
  char *training_data; /* the file's "training_data" metadata, or NULL */
} CtModelIdentity;

/* Created by ct_analysis_run () (or by the results cache), then shared as
 * `const CtAnalysis *` with a reference each: nobody writes to a published
 * result, so threads, views and reports may hold it as long as they like. */
typedef struct
{
  /* Masks on the ORIGINAL voxel grid of the input volume, [nz][ny][nx],
   * values 0/1. lung_mask is 1 for the right lung, 2 for the left (k-means
   * split), 0 elsewhere. Owned by the result. */
  int nx, ny, nz;
  guint8 *lung_mask;
  guint8 *lesion_mask;

  double covid_probability; /* 0..1; NAN when has_probability is FALSE */
  gboolean has_probability;
  char *probability_note; /* why there is no probability, or NULL */

  double severity_percent;       /* more-affected lung, lesion share in % */
  double severity_total_percent; /* both lungs, in % */
  double severity_right_percent;
  double severity_left_percent;
  CtCategory category;
  double lung_volume_ml;
  double lesion_volume_ml;
  double triage_score; /* higher = more urgent */

  CtQualityFlags quality;
  GPtrArray *quality_notes; /* char*: human readable, one per flag */

  double timing_lungs_ms;
  double timing_lesions_ms;
  double timing_total_ms;

  /* Extensions (after the fields above, which callers already use). */
  double right_lung_volume_ml;
  double left_lung_volume_ml;
  double noise_hu; /* robust soft-tissue noise estimate; NAN if unknown */

  CtModelIdentity lungs_model;     /* the lung network's weights */
  CtModelIdentity multitask_model; /* the multitask network's weights */
} CtAnalysis;

typedef struct
{
  CtModel *lungs;     /* borrowed */
  CtModel *multitask; /* borrowed */
  int n_threads;      /* 0 = all cores */
  CtProgressFunc progress;
  gpointer progress_data;
  /* TRUE skips the thorax clean-up of the lung mask (ct-lung-cleanup.h);
   * for before/after measurements (tools/lung-cleanup). */
  gboolean lung_cleanup_off;
} CtAnalysisOptions;

CtAnalysis *ct_analysis_run (const CtVolume *volume, const CtAnalysisOptions *options, GError **error);

/* An empty result (no masks, probability NAN) with one reference, for
 * whoever builds one from elsewhere (the results cache, tests). */
CtAnalysis *ct_analysis_new (void);
CtAnalysis *ct_analysis_ref (const CtAnalysis *self);
void ct_analysis_unref (const CtAnalysis *self);
/* While the result is being built (one reference, not yet shared): record
 * which models produced it. */
void ct_analysis_set_models (CtAnalysis *self, CtModel *lungs, CtModel *multitask);
/* FALSE when a flag of CT_QUALITY_NOT_ASSESSABLE is set. */
gboolean ct_analysis_is_assessable (const CtAnalysis *self);
const char *ct_category_to_string (CtCategory category); /* "CT-0".."CT-4" */
CtCategory ct_category_from_severity (double severity_percent);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtAnalysis, ct_analysis_unref)

G_END_DECLS
