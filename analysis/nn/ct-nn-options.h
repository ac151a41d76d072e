/* SPDX-License-Identifier: MIT */
/* ct-nn-options.h: how the network engine runs, passed in by the caller
 * (never read from the environment), in the manner of ncnn's Option and
 * ggml's ggml_cplan. A plain struct: fill it with ct_nn_options_init_default
 * and change fields. A model keeps a copy of the options it was loaded with
 * (ct_model_load_with_options); ct_model_load uses the defaults. No option
 * changes what the network computes, only how: every path is tested against
 * the naive reference (tests/test-nn-model.c), within float rounding. */
#pragma once

#include <glib.h>

#include "ct-nn-types.h"

G_BEGIN_DECLS

/* Called from the calling thread after each step of a batch of the
 * optimized path: step is the step's position in the batch (0 at the start
 * of every batch; every batch runs the same sequence), name describes it
 * (level, operation, channels in -> out, plane: "L2 conv1 blocked wino
 * 32->32 45x45" padded to columns), cpu_seconds is the process CPU time it
 * took (all threads, spinning included; a loaded machine distorts it far
 * less than wall time), macs its multiply-accumulates over the step's
 * slices. tools/bench-nn sums and prints them (--profile). */
typedef void (*CtNnProfileFunc) (int step, const char *name, double cpu_seconds, double macs, gpointer user_data);

struct _CtNnOptions
{
  /* Decided when the model is loaded (the forms its weights are packed in):
   * a call's options cannot change them. Channel counts, at least 1; a
   * value above every channel count turns that Winograd off. */
  int winograd_min_channels;            /* channel-major 3x3 convs by Winograd F(2x2) from this
                                         * many channels (not in the bridge); default 128 */
  int blocked_winograd_min_channels;    /* blocked 3x3 convs by Winograd from this many input
                                         * channels; default 16 (8: direct is as fast) */
  int blocked_winograd_f4_max_channels; /* blocked Winograd F(4x4) where both channel counts
                                         * are at most this, F(2x2) above; default 128 */

  /* Read on every call. */
  int blocked_levels;        /* levels from the top that run in the blocked layout where their
                              * channels allow (the bridge counts as level n_levels); 0: all
                              * channel-major; default CT_NET_MAX_LEVELS (every one that can) */
  int batch_slices;          /* slices per batch, 1..64; default 16 */
  int top_batch_slices;      /* slices per sub-batch above deep_from_level, 1..64; default 4 */
  int deep_from_level;       /* first level that runs on the whole batch, 0..8 (used clamped to
                              * 1..n_levels); default 3 */
  gboolean shared_layers;    /* all threads share every layer, even with enough slices for one
                              * batch per thread ("teams"); default FALSE */
  gboolean portable_kernels; /* portable C kernels only, never AVX2/FMA (which also needs the
                              * CPU to have them); default FALSE */
  gboolean use_reference;    /* the naive reference forward pass (slow; the baseline of the
                              * tests); default FALSE */
  CtNnProfileFunc profile;   /* per-step timing of the optimized path, or NULL (default); when
                              * set, the threads share every layer (one clock per step) */
  gpointer profile_user_data;
};

/* Today's measured defaults (docs/performance.md). */
void ct_nn_options_init_default (CtNnOptions *options);

/* FALSE with CT_ERROR_FAILED naming the field when a value is out of its
 * range. */
gboolean ct_nn_options_validate (const CtNnOptions *options, GError **error);

G_END_DECLS
