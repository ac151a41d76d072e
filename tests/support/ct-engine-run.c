/* SPDX-License-Identifier: MIT */
#include "ct-engine-run.h"

gboolean
ct_engine_run (CtModel *model, gboolean reference, const float *input, int n, int h, int w, float *out, double *study,
               gboolean *has, int n_threads, CtModelProgressFunc progress, gpointer user_data, GError **error)
{
  CtNnOptions options = *ct_model_get_options (model);

  options.use_reference = reference;
  return ct_model_run_with_options (model, &options, input, n, h, w, out, study, has, n_threads, progress, user_data,
                                    error);
}
