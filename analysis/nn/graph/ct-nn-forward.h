/* SPDX-License-Identifier: MIT */
/* ct-nn-forward.h: the two forward passes over a network's structure and
 * weights (model/ calls them; they know no CtModel). Both take
 * input [n][h][w] and write out_probability [n][h][w]; for the multitask
 * network with every axis >= 8 also *out_study_probability and
 * *out_has_probability = TRUE (left alone otherwise; may then be NULL).
 * n_threads >= 1. Progress and cancellation as in ct-model.h. */
#pragma once

#include "ct-nn-types.h"

G_BEGIN_DECLS

/* The naive reference: one slice at a time, mirroring the PyTorch modules
 * (graph/ct-nn-forward-reference.c). */
gboolean ct_nn_forward_reference (const CtNetStructure *s, const CtNetWeights *wt, const float *input, int n, int h,
                                  int w, float *out_probability, double *out_study_probability,
                                  gboolean *out_has_probability, int n_threads, CtModelProgressFunc progress,
                                  gpointer user_data, GError **error);

/* The optimized pass (graph/ct-nn-forward-optimized.c), as options say
 * (their per-call fields); packs the weights' forms it needs first
 * (ct_net_weights_ensure_forms: the only change to wt, thread-safe). */
gboolean ct_nn_forward_optimized (const CtNetStructure *s, CtNetWeights *wt, const CtNnOptions *options,
                                  const float *input, int n, int h, int w, float *out_probability,
                                  double *out_study_probability, gboolean *out_has_probability, int n_threads,
                                  CtModelProgressFunc progress, gpointer user_data, GError **error);

G_END_DECLS
