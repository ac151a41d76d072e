/* SPDX-License-Identifier: MIT */
/* ct-model.h: a loaded network (weights + structure) and its forward passes.
 * Contract: docs/networks.md. Implemented in analysis/nn/. */
#pragma once

#include <glib.h>

#include "ct-nn-options.h"
#include "ct-nn-types.h" /* CtModel, CtModelArchitecture, CtModelProgressFunc */

G_BEGIN_DECLS

/* ct_model_load: with the default engine options. _with_options: the
 * model keeps a copy of options (NULL: the defaults); the forms its
 * weights take are decided from it here, the rest is read on every call.
 * Invalid options: NULL with CT_ERROR_FAILED. */
CtModel *ct_model_load (const char *path, GError **error);
CtModel *ct_model_load_with_options (const char *path, const CtNnOptions *options, GError **error);
const CtNnOptions *ct_model_get_options (CtModel *self); /* the model's copy */
CtModel *ct_model_ref (CtModel *self);
void ct_model_unref (CtModel *self);
CtModelArchitecture ct_model_get_architecture (CtModel *self);
const char *ct_model_get_name (CtModel *self);                      /* file basename */
const char *ct_model_get_sha256 (CtModel *self);                    /* of the whole file, hex */
const char *ct_model_get_metadata (CtModel *self, const char *key); /* NULL if absent */

/* Both run as the model's options say (ct-nn-options.h; use_reference: the
 * naive path).
 * Lung network. input: [n][h][w] windowed slices in [0,1]; out_probability:
 * [n][h][w] sigmoid outputs. n_threads 0 = all cores. Slices run in batches
 * (CtNnOptions.batch_slices; with >= 2 slices per thread, one batch per
 * thread at a time); working memory is planned once per call and does not
 * grow with n: about 35 MB per thread at 180 x 180. Progress is reported after each round of
 * batches, from the calling thread; returning FALSE cancels there. Safe to
 * call from several threads on one model (weights are read-only). */
gboolean ct_model_run_lungs (CtModel *self, const float *input, int n, int h, int w, float *out_probability,
                             int n_threads, CtModelProgressFunc progress, gpointer user_data, GError **error);

/* Multitask network on the lung-cropped stack. input [n][h][w];
 * out_lesion_probability [n][h][w]; *out_study_probability the COVID-19
 * probability, or NAN with CT_ERROR_TOO_SMALL left unset when any axis is < 8
 * (then *out_has_probability = FALSE; lesions are still computed). */
gboolean ct_model_run_multitask (CtModel *self, const float *input, int n, int h, int w, float *out_lesion_probability,
                                 double *out_study_probability, gboolean *out_has_probability, int n_threads,
                                 CtModelProgressFunc progress, gpointer user_data, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtModel, ct_model_unref)

G_END_DECLS
