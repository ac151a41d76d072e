/* SPDX-License-Identifier: MIT */
/* ct-nn-channel-major-winograd.h: 3x3 convolution (stride 1, zero padding 1) by Winograd
 * F(2x2, 3x3): 16 multiplies per 2x2 output tile and channel pair instead of
 * 36. Per block of CT_WINOGRAD_TILES output tiles, a thread transforms the
 * bordered input into V[16][cin][tiles], runs 16 GEMMs M = U V with the same
 * micro-kernel as the direct path, transforms M back and applies the
 * epilogue (scale/shift or bias, residual, ReLU) into a plain [m][N] or
 * bordered output. Used where channels are wide (cin >= 16); exact in real
 * arithmetic, float32 rounding differs from the direct path by ~1e-6. */
#pragma once

#include "ct-nn-channel-major-conv.h"

G_BEGIN_DECLS

#define CT_WINOGRAD_TILES 48

typedef struct
{
  int m;         /* output channels */
  int cin;       /* input channels */
  float *packed; /* [16][ceil(m / MR)][cin][MR]: U = G g G^T per position */
} CtWinogradWeights;

void ct_winograd_weights_pack (CtWinogradWeights *self, int m, const float *w3x3, int cin);
void ct_winograd_weights_clear (CtWinogradWeights *self);

/* Floats of scratch one thread needs for these channel counts. */
size_t ct_winograd_scratch_floats_per_thread (int max_channels);

/* input->padded is read; input->raw must be NULL (add a 1x1 shortcut
 * through the residual). epilogue->residual may equal out. */
void ct_winograd_run (const CtWinogradWeights *weights, const CtConvInput *input, const CtConvEpilogue *epilogue,
                      float *out, float *scratch, int n_threads, CtGemmMicroKernel kernel);

G_END_DECLS
