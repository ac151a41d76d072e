/* SPDX-License-Identifier: MIT */
/* ct-engine-run.h: one forward pass of a model with its own options, by
 * the naive reference path or the optimized one, for the tests that
 * compare the two. */
#pragma once

#include "ct-model-private.h"

G_BEGIN_DECLS

gboolean ct_engine_run (CtModel *model, gboolean reference, const float *input, int n, int h, int w, float *out,
                        double *study, gboolean *has, int n_threads, CtModelProgressFunc progress, gpointer user_data,
                        GError **error);

G_END_DECLS
