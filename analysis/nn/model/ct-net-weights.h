/* SPDX-License-Identifier: MIT */
/* ct-net-weights.h: a network's weights as loaded (model/ct-model.c), with
 * BatchNorm folded, and the forms the optimized pass's kernels read, packed
 * when a call first needs them. Which form each convolution takes
 * (direct or Winograd, tile size) is decided at load from CtNnOptions. */
#pragma once

#include "ct-nn-types.h"
#include "ct-net-structure.h"
#include "ct-nn-blocked.h"
#include "ct-nn-blocked-winograd.h"
#include "ct-nn-channel-major-conv.h"
#include "ct-nn-channel-major-winograd.h"

G_BEGIN_DECLS

/* BatchNorm with running statistics; scale/shift are the folded form
 * y = x * scale + shift (scale = weight / sqrt(var + eps)). All [n]. */
typedef struct
{
  int n;
  float *weight, *bias, *mean, *var;
  float *scale, *shift;
} CtBatchNorm;

/* Pre-activation ResBlock in -> out (docs/networks.md). */
typedef struct
{
  int in, out;
  CtBatchNorm bn1; /* [in] */
  float *conv1;    /* [out][in][3][3] */
  CtBatchNorm bn2; /* [out] */
  float *conv2;    /* [out][out][3][3] */
  float *shortcut; /* [out][in] 1x1, NULL when in == out */
  /* optimized path: a conv whose input has at least the Winograd threshold
   * of channels runs by Winograd, any other by the packed GEMM (only the
   * form used is packed) */
  gboolean winograd1, winograd2;
  gboolean channel_major_packed; /* the four forms below exist */
  CtConvWeights packed_conv1;    /* K = 9 * in, epilogue bn2 + relu */
  CtConvWeights packed_conv2;    /* K = 9 * out (+ in with the shortcut) */
  CtWinogradWeights wino_conv1;
  CtWinogradWeights wino_conv2;  /* 3x3 part only ... */
  CtConvWeights packed_shortcut; /* ... and then the 1x1 shortcut (K = in) */
  /* blocks of up to CT_BLOCKED_MAX_CHANNELS channels in multiples of 8: also
   * packed for the blocked layout (ct-nn-blocked.h); conv2 with the
   * shortcut; each conv either direct or by Winograd (ct-nn-blocked-winograd.h),
   * the other form left empty. Both layouts' forms are packed when a call
   * first needs them (ct_net_weights_ensure_forms). */
  gboolean blockable; /* channels allow the blocked layout */
  gboolean blocked_winograd1, blocked_winograd2;
  int blocked_tile;        /* Winograd output tile, 2 or 4 */
  gboolean blocked_packed; /* the forms below exist */
  CtBlockedConvWeights blocked_conv1, blocked_conv2;
  CtBlockedWinogradWeights blocked_wino1, blocked_wino2;
} CtResBlock;

typedef struct
{
  int n_blocks;
  CtResBlock *blocks;
} CtResPath;

struct _CtNetWeights
{
  float *init_weight; /* [init][1][3][3] */
  float *init_bias;   /* [init] */
  CtConvWeights packed_init;
  CtResPath down[CT_NET_MAX_LEVELS];
  CtResPath bridge;
  CtResPath up[CT_NET_MAX_LEVELS];
  /* lungs: head; multitask: seg_head (block + bn + conv) */
  CtResBlock seg_block; /* multitask only */
  CtBatchNorm head_bn;  /* [top] */
  float *head_conv;     /* [top] (1 x top x 1 x 1) */
  /* multitask classifier */
  float *fc1_weight; /* [hidden][features] */
  float *fc1_bias;   /* [hidden] */
  float *fc2_weight; /* [hidden] */
  GMutex forms_lock; /* packing the forms on demand */
};

/* Zeroed weights (the loader fills them in) with their lock. */
void ct_net_weights_init (CtNetWeights *w);
/* Frees the packed forms and the lock (the float arrays belong to the
 * model's allocations). */
void ct_net_weights_clear (CtNetWeights *w);

/* Packs the forms of every block a call with this many blocked levels runs
 * (the bridge counts as level n_levels): the blocked forms above, the
 * channel-major ones below; a form no call has needed takes no memory. Call
 * before running the network; thread-safe. */
void ct_net_weights_ensure_forms (CtNetWeights *w, const CtNetStructure *s, int blocked_levels);

G_END_DECLS
