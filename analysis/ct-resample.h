/* SPDX-License-Identifier: MIT */
/* ct-resample.h: linear resampling along one axis and bilinear resampling of
 * 2-D slices between grids of different sizes (docs/architecture.md, "The method", step 2 and the way
 * back in step 5).
 *
 * Both grids cover the same physical extent: n_in voxels of spacing s_in and
 * n_out = round (n_in * s_in / 2 mm) voxels of spacing n_in * s_in / n_out
 * (2 mm up to the rounding, under 0.3 % for a 512 matrix). Output index o
 * reads the input at the fractional index (o + 0.5) * n_in / n_out - 0.5,
 * clamped to [0, n_in - 1] (edge voxels repeat): PyTorch's
 * F.interpolate (size=..., mode="bilinear", align_corners=False), which is
 * what tools/train/ resamples the training data with. The same convention
 * serves the way to 2 mm and the way back, so a round trip has no drift.
 * Inside the clamped range the interpolation is exact on linear ramps.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  int n_in, n_out;
  int *lower;    /* [n_out] input index of the lower neighbour */
  float *weight; /* [n_out] weight of the upper neighbour (lower + 1), 0..1 */
} CtResampleAxis;

/* Number of voxels of spacing spacing_out covering n_in voxels of spacing_in
 * (rounded, at least 1). */
int ct_resample_output_size (int n_in, double spacing_in, double spacing_out);
CtResampleAxis *ct_resample_axis_new (int n_in, int n_out);
void ct_resample_axis_free (CtResampleAxis *self);
/* in [rows->n_in][cols->n_in] -> out [rows->n_out][cols->n_out]. */
void ct_resample_slice (const float *in, const CtResampleAxis *rows, const CtResampleAxis *cols, float *out);
/* One output voxel, for callers that scatter through another mapping. */
static inline float
ct_resample_sample (const float *in, int w_in, const CtResampleAxis *rows, const CtResampleAxis *cols, int r, int c)
{
  int r0 = rows->lower[r], c0 = cols->lower[c];
  int r1 = r0 + 1 < rows->n_in ? r0 + 1 : r0;
  int c1 = c0 + 1 < cols->n_in ? c0 + 1 : c0;
  float wr = rows->weight[r], wc = cols->weight[c];
  const float *row0 = in + (gsize) r0 * w_in, *row1 = in + (gsize) r1 * w_in;
  float top = row0[c0] + wc * (row0[c1] - row0[c0]);
  float bottom = row1[c0] + wc * (row1[c1] - row1[c0]);

  return top + wr * (bottom - top);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtResampleAxis, ct_resample_axis_free)

G_END_DECLS
