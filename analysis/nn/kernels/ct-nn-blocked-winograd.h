/* SPDX-License-Identifier: MIT */
/* ct-nn-blocked-winograd.h: 3x3 convolution (stride 1, zero padding 1) by
 * Winograd F(2x2, 3x3) in the blocked layout of ct-nn-blocked.h.
 *
 * Same inputs, outputs and epilogue as ct_blocked_conv3x3, 16 multiplies per
 * 2 x 2 output tile and channel pair instead of 36. The 8 channels of a
 * block are the 8 lanes of a vector, so every transform is vector adds over
 * whole pixels, with no gather (the reason the channel-major Winograd of
 * ct-nn-channel-major-winograd.h needed wide channels to pay):
 *
 *   V[xi][ib][tile][8 ci] = (B^T d B)[xi]   per tile of 4 x 4 bordered pixels
 *   M[xi][tile][8 co]     = sum over ib, ci of V[xi][ib][tile][ci] * U[xi][ob][ib][ci][co]
 *   y (2 x 2 pixels)      = A^T M A, then the epilogue (scale/shift or bias,
 *                           + residual, ReLU) into plain or bordered output
 *
 * with U = G g G^T packed once per layer. Tiles are a flat list over
 * (image, tile row, tile column), so narrow planes (rows of 19, 10, 5
 * pixels) lose nothing to short rows: the GEMM's 12-tile groups run across
 * rows and images. Per thread, blocks of tiles sized so that V stays in L2.
 * A fused 1x1 shortcut (conv2 of a block that changes width) runs first, as
 * a direct 1x1 into the output, which the Winograd stage then reads as its
 * residual. Exact in real arithmetic; float32 rounding differs from the
 * direct path by ~1e-6. */
#pragma once

#include "ct-nn-blocked.h"

G_BEGIN_DECLS

typedef struct
{
  int m; /* output tile m x m: F(2x2, 3x3) or F(4x4, 3x3) */
  int cin_blocks, cout_blocks;
  float *u;                      /* [(m+2)^2][cout_blocks][cin_blocks][8 ci][8 co] */
  CtBlockedConvWeights shortcut; /* 1x1 only (cin_blocks 0), packed1 NULL without */
} CtBlockedWinogradWeights;

/* m: 2 for F(2x2, 3x3) (16 positions), 4 for F(4x4, 3x3) (36 positions
 * per 16 outputs: 2.25 multiplies per output against 4, for larger
 * transforms and 4x the weights' size); w3x3 [cout][cin][3][3], w1x1
 * [cout][cin_raw] or NULL (PyTorch layouts); channel counts multiples of 8. */
void ct_blocked_winograd_weights_pack (CtBlockedWinogradWeights *self, int m, int cout, const float *w3x3, int cin,
                                       const float *w1x1, int cin_raw);
void ct_blocked_winograd_weights_clear (CtBlockedWinogradWeights *self);

/* Floats of scratch one thread needs for layers of up to max_cin input
 * channels; ct_blocked_winograd_conv3x3 takes n_threads of them. */
size_t ct_blocked_winograd_scratch_floats_per_thread (int max_cin);

/* As ct_blocked_conv3x3 (ct-nn-blocked.h), plus scratch. */
void ct_blocked_winograd_conv3x3 (const CtBlockedWinogradWeights *weights, const float *padded, const float *raw,
                                  int nimg, int h, int w, const CtConvEpilogue *ep, float *out, gboolean avx2,
                                  float *scratch, int n_threads);

/* The tile-block kernels behind it, exposed for the kernel tests. */
typedef struct
{
  size_t in_at;              /* the tile's top-left bordered input pixel, in input block 0 */
  size_t out_at;             /* its top-left output pixel, in output block 0 */
  guint8 in_rows, in_cols;   /* of its (m+2)^2 input pixels, those inside the bordered plane */
  guint8 out_rows, out_cols; /* of its m x m output pixels, those inside the plane */
} CtBlockedTile;

typedef struct
{
  int m;           /* output tile size, 2 or 4 */
  const float *in; /* bordered input, block 0 */
  size_t in_block_stride, in_row_stride;
  int cin_blocks;
  const float *u; /* CtBlockedWinogradWeights.u */
  int cout_blocks;
  float *out; /* block 0 */
  size_t out_block_stride, out_row_stride;
  const float *residual;      /* geometry of out (plain), or NULL */
  const float *scale, *shift; /* [8 * cout_blocks] or NULL */
  int relu;
} CtBlockedWinogradJob;

/* v: [(m+2)^2][cin_blocks][n_tiles][8], m: CT_BLOCKED_WINOGRAD_M_BLOCKS x [(m+2)^2][n_tiles][8]
 * scratch (the AVX2 kernel computes two output blocks at once). */
#define CT_BLOCKED_WINOGRAD_M_BLOCKS 2
typedef void (*CtBlockedWinogradKernel) (const CtBlockedWinogradJob *job, const CtBlockedTile *tiles, int n_tiles,
                                         float *v, float *m);
void ct_blocked_winograd_tiles_portable (const CtBlockedWinogradJob *job, const CtBlockedTile *tiles, int n_tiles,
                                         float *v, float *m);
#if defined(__x86_64__) || defined(__i386__)
void ct_blocked_winograd_tiles_avx2 (const CtBlockedWinogradJob *job, const CtBlockedTile *tiles, int n_tiles, float *v,
                                     float *m);
#endif

G_END_DECLS
