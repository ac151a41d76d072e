/* SPDX-License-Identifier: MIT */
/* ct-model-private.h: what a CtModel holds, and the entry points the
 * engine's tests and benchmarks use beside the public ones. */
#pragma once

#include "ct-model.h"
#include "ct-net-structure.h"
#include "ct-net-weights.h"

G_BEGIN_DECLS

struct _CtModel
{
  gatomicrefcount ref_count;
  char *name;
  char *sha256;
  GHashTable *metadata; /* char* -> char* */
  CtNetStructure structure;
  CtNetWeights weights;
  GPtrArray *allocations; /* the weights' float arrays, freed with the model */
  CtNnOptions options;    /* loaded with (ct_model_load_with_options) */
};

/* Loads from bytes already in memory (the test's seeded full-width models);
 * options NULL: the defaults. */
CtModel *ct_model_load_from_bytes (const guint8 *bytes, gsize n_bytes, const char *name, const CtNnOptions *options,
                                   GError **error);

/* The forward passes behind ct_model_run_lungs/_multitask with the
 * options of this call (NULL: the model's), so that one loaded model runs
 * every path (tests, benchmarks): options->use_reference picks the naive
 * pass; the fields read at load (the Winograd thresholds) are ignored here,
 * the model's forms were decided by its own copy. For the lungs network
 * out_study/out_has may be NULL. Invalid options: FALSE with
 * CT_ERROR_FAILED. */
gboolean ct_model_run_with_options (CtModel *self, const CtNnOptions *options, const float *input, int n, int h, int w,
                                    float *out_probability, double *out_study_probability,
                                    gboolean *out_has_probability, int n_threads, CtModelProgressFunc progress,
                                    gpointer user_data, GError **error);

G_END_DECLS
