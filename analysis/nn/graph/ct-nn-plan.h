/* SPDX-License-Identifier: MIT */
/* ct-nn-plan.h: the memory plan of the optimized forward pass
 * (ct-nn-forward-optimized.c) for one team of threads: every buffer a batch
 * of up to `batch` slices of h x w needs, sized once per call from the
 * structure, the layout of each level and the batching options, so that
 * peak memory does not grow with the number of slices; and the per-batch
 * state the pass's steps share (current slice counts, profiling). */
#pragma once

#include "ct-nn-types.h"
#include "ct-net-structure.h"
#include "ct-nn-gemm.h"
#include "ct-nn-options.h"

G_BEGIN_DECLS

typedef struct _CtNnPlan CtNnPlan;

struct _CtNnPlan
{
  const CtNetStructure *s;
  const CtNetWeights *wt;
  int batch;     /* slices per batch (capacity) */
  int sub;       /* slices per sub-batch above deep_from */
  int deep_from; /* first level that runs on the whole batch */
  int n_batch;   /* slices in the current batch */
  int nimg;      /* slices in the current (sub-)batch */
  int hs[CT_NET_MAX_LEVELS + 1], ws[CT_NET_MAX_LEVELS + 1];
  float *skips[CT_NET_MAX_LEVELS]; /* whole batch; above deep_from by sub-batch */
  float *deep_in;                  /* level deep_from's input, whole batch */
  float *deep_out;                 /* level deep_from's decoder output, whole batch */
  float *work[3];                  /* ping-pong block outputs, max size */
  float *hidden;                   /* conv1 outputs at narrow channel-major levels */
  float *padded;                   /* zero-bordered conv1 inputs */
  float *padded2;                  /* zero-bordered conv1 outputs = conv2 inputs */
  float *scratch;                  /* per-thread GEMM packing */
  int n_threads;
  CtGemmMicroKernel kernel;
  int blocked_levels;      /* levels 0.. in the layout of ct-nn-blocked.h */
  gboolean blocked_avx2;   /* its AVX2 row and tile kernels */
  CtNnProfileFunc profile; /* CtNnOptions.profile: NULL, or plans[0] of one team */
  gpointer profile_data;
  int profile_step;      /* position in the current batch */
  double profile_t_last; /* CPU seconds at the end of the previous step */
};

/* Plans a call on slices of h x w in batches of up to `batch` slices
 * (options: the sub-batch, the deep levels, the blocked levels, the
 * kernels) with n_threads threads sharing each layer. */
void ct_nn_plan_init (CtNnPlan *plan, const CtNetStructure *s, const CtNetWeights *wt, const CtNnOptions *options,
                      int batch, int h, int w, int n_threads);
void ct_nn_plan_clear (CtNnPlan *plan);

G_END_DECLS
