/* SPDX-License-Identifier: MIT */
/* ct-model-private.h: the loaded weights of a CtModel and the two forward
 * paths (naive reference and optimized). Shared by analysis/nn/ and tests. */
#pragma once

#include "ct-model.h"
#include "ct-net-structure.h"
#include "ct-nn-c8.h"
#include "ct-nn-conv.h"
#include "ct-nn-winograd.h"
#include "ct-nn-c8-winograd.h"

G_BEGIN_DECLS

/* BatchNorm with running statistics; scale/shift are the folded form
 * y = x * scale + shift (scale = weight / sqrt(var + eps)). All [n]. */
typedef struct
{
  int    n;
  float *weight, *bias, *mean, *var;
  float *scale, *shift;
} CtBatchNorm;

/* Pre-activation ResBlock in -> out (docs/networks.md). */
typedef struct
{
  int         in, out;
  CtBatchNorm bn1;          /* [in] */
  float      *conv1;        /* [out][in][3][3] */
  CtBatchNorm bn2;          /* [out] */
  float      *conv2;        /* [out][out][3][3] */
  float      *shortcut;     /* [out][in] 1x1, NULL when in == out */
  /* optimized path: a conv whose input has at least the Winograd threshold
   * of channels runs by Winograd, any other by the packed GEMM (only the
   * form used is packed) */
  gboolean          winograd1, winograd2;
  gboolean          planes_packed;    /* the four forms below exist */
  CtConvWeights     packed_conv1;     /* K = 9 * in, epilogue bn2 + relu */
  CtConvWeights     packed_conv2;     /* K = 9 * out (+ in with the shortcut) */
  CtWinogradWeights wino_conv1;
  CtWinogradWeights wino_conv2;       /* 3x3 part only ... */
  CtConvWeights     packed_shortcut;  /* ... and then the 1x1 shortcut (K = in) */
  /* blocks of up to CT_C8_MAX_CHANNELS channels in multiples of 8: also
   * packed for the blocked pixel-major layout (ct-nn-c8.h); conv2 with the
   * shortcut; each conv either direct or by Winograd (ct-nn-c8-winograd.h),
   * the other form left empty. Both layouts' forms are packed when a call
   * first needs them (ct_model_ensure_forms). */
  gboolean            blockable;        /* channels allow the blocked layout */
  gboolean            c8_winograd1, c8_winograd2;
  int                 c8_tile;          /* Winograd output tile, 2 or 4 */
  gboolean            blocked_packed;   /* the forms below exist */
  CtC8ConvWeights     c8_conv1, c8_conv2;
  CtC8WinogradWeights c8_wino1, c8_wino2;
} CtResBlock;

typedef struct
{
  int         n_blocks;
  CtResBlock *blocks;
} CtResPath;

typedef struct
{
  float        *init_weight;       /* [init][1][3][3] */
  float        *init_bias;         /* [init] */
  CtConvWeights packed_init;
  CtResPath     down[CT_NET_MAX_LEVELS];
  CtResPath     bridge;
  CtResPath     up[CT_NET_MAX_LEVELS];
  /* lungs: head; multitask: seg_head (block + bn + conv) */
  CtResBlock    seg_block;         /* multitask only */
  CtBatchNorm   head_bn;           /* [top] */
  float        *head_conv;         /* [top] (1 x top x 1 x 1) */
  /* multitask classifier */
  float        *fc1_weight;        /* [hidden][features] */
  float        *fc1_bias;          /* [hidden] */
  float        *fc2_weight;        /* [hidden] */
} CtNetWeights;

struct _CtModel
{
  gatomicrefcount ref_count;
  char           *name;
  char           *sha256;
  GHashTable     *metadata;         /* char* -> char* */
  CtNetStructure  structure;
  CtNetWeights    weights;
  GPtrArray      *allocations;      /* every float array above, freed with the model */
  GMutex          planes_lock;      /* packing weight forms on demand */
  CtNnOptions     options;          /* loaded with (ct_model_load_with_options) */
};

/* Packs the forms of every block a call with this many blocked levels runs
 * (the bridge counts as level n_levels): the blocked forms above, the
 * channel-major ones below; a form no call has needed takes no memory. Call
 * before running the network; thread-safe. */
void ct_model_ensure_forms (CtModel *self, int blocked_levels);

/* Loads from bytes already in memory (the test's seeded full-width models);
 * options NULL: the defaults. */
CtModel *ct_model_load_from_bytes (const guint8 *bytes, gsize n_bytes, const char *name,
                                   const CtNnOptions *options, GError **error);

/* The forward passes behind ct_model_run_lungs/_multitask with the
 * options of this call (NULL: the model's), so that one loaded model runs
 * every path (tests, benchmarks): options->use_reference picks the naive
 * pass; the fields read at load (the Winograd thresholds) are ignored here,
 * the model's forms were decided by its own copy. For the lungs network
 * out_study/out_has may be NULL. Invalid options: FALSE with
 * CT_ERROR_FAILED. */
gboolean ct_model_run_with_options (CtModel *self, const CtNnOptions *options,
                                    const float *input, int n, int h, int w,
                                    float *out_probability, double *out_study_probability,
                                    gboolean *out_has_probability, int n_threads,
                                    CtModelProgressFunc progress, gpointer user_data,
                                    GError **error);

gboolean ct_nn_forward_reference (CtModel *self, const float *input, int n, int h, int w,
                                  float *out_probability, double *out_study_probability,
                                  gboolean *out_has_probability, int n_threads,
                                  CtModelProgressFunc progress, gpointer user_data,
                                  GError **error);
gboolean ct_nn_forward_optimized (CtModel *self, const CtNnOptions *options,
                                  const float *input, int n, int h, int w,
                                  float *out_probability, double *out_study_probability,
                                  gboolean *out_has_probability, int n_threads,
                                  CtModelProgressFunc progress, gpointer user_data,
                                  GError **error);

G_END_DECLS
