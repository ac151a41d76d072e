/* SPDX-License-Identifier: MIT */
/* ct-nn-channel-major-conv.h: the optimized convolution, an implicit-im2col GEMM over a
 * batch of images in channel-major layout [C][nimg][H][W]:
 *   out[M = cout][N = nimg*H*W] = A[M][K] * B[K][N]
 * K stacks 9 * cin3 rows of 3x3 taps read from a zero-bordered, already
 * activated input [cin3][nimg][H+2][W+2] (so BatchNorm+ReLU of the block
 * input happen before the zero padding, as in PyTorch) and cin_raw rows read
 * from a raw input [cin_raw][N] (a fused 1x1 shortcut, or a plain 1x1 conv).
 * The epilogue applies, per output channel, scale/shift (folded BatchNorm)
 * or a bias, then adds a residual [M][N], then ReLU, while the tile is hot,
 * and stores either plainly [M][N] or into the zero-bordered layout the next
 * 3x3 convolution reads (so conv1 -> BN2 -> ReLU -> conv2 needs no copy). */
#pragma once

#include <glib.h>

#include "ct-nn-gemm.h"

G_BEGIN_DECLS

typedef struct
{
  int m;         /* output channels */
  int k;         /* 9 * cin3 + cin_raw */
  int cin3;      /* channels read through 3x3 taps */
  int cin_raw;   /* channels read 1x1 from the raw input */
  float *packed; /* [ceil(m / MR)][k][MR], zero rows past m */
} CtConvWeights;

typedef struct
{
  const float *scale;    /* [m] or NULL */
  const float *shift;    /* [m], with scale */
  const float *bias;     /* [m] or NULL; used when scale is NULL */
  const float *residual; /* [m][N] or NULL (not with padded_output) */
  gboolean relu;
  gboolean padded_output; /* out is [m][nimg][h+2][w+2]; its zero border is written too */
} CtConvEpilogue;

/* Inputs are read up to this many floats past their last element (a strip
 * narrower than the micro-kernel is computed full width, extra columns
 * discarded): allocate padded and raw inputs with this slack. */
#define CT_CONV_INPUT_SLACK 32

typedef struct
{
  const float *padded; /* [cin3][nimg][h+2][w+2] or NULL when cin3 = 0 */
  const float *raw;    /* [cin_raw][nimg*h*w] or NULL when cin_raw = 0 */
  int nimg, h, w;
} CtConvInput;

/* w3x3: [m][cin3][3][3] (may be NULL when cin3 = 0); w1x1: [m][cin_raw]. */
void ct_conv_weights_pack (CtConvWeights *self, int m, const float *w3x3, int cin3, const float *w1x1, int cin_raw);
void ct_conv_weights_clear (CtConvWeights *self);

/* Floats of scratch one thread needs; ct_conv_run takes n_threads of them. */
size_t ct_conv_scratch_floats_per_thread (void);

/* Whether rows of width w are read in place (strips within image rows);
 * otherwise strips cross rows and are packed, and a bordered output costs a
 * scatter: callers then prefer a plain output and a copy. */
gboolean ct_conv_reads_rows_in_place (int w);

/* Zeroes the one-pixel border of `planes` planes [h+2][w+2]. */
void ct_conv_zero_borders (float *out, int planes, int h, int w, int n_threads);

void ct_conv_run (const CtConvWeights *weights, const CtConvInput *input, const CtConvEpilogue *epilogue, float *out,
                  float *scratch, int n_threads, CtGemmMicroKernel kernel);

G_END_DECLS
