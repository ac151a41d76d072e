/* SPDX-License-Identifier: MIT */
#include "ct-resample.h"

#include <math.h>

int
ct_resample_output_size (int n_in, double spacing_in, double spacing_out)
{
  double n = round (n_in * spacing_in / spacing_out);

  return n < 1 ? 1 : (int) n;
}

CtResampleAxis *
ct_resample_axis_new (int n_in, int n_out)
{
  CtResampleAxis *self;
  double scale = (double) n_in / n_out;

  g_return_val_if_fail (n_in > 0 && n_out > 0, NULL);

  self = g_new0 (CtResampleAxis, 1);
  self->n_in = n_in;
  self->n_out = n_out;
  self->lower = g_new (int, n_out);
  self->weight = g_new (float, n_out);
  for (int o = 0; o < n_out; o++)
    {
      double x = (o + 0.5) * scale - 0.5;
      int lower;

      x = CLAMP (x, 0.0, (double) (n_in - 1));
      lower = (int) floor (x);
      if (lower > n_in - 2)
        lower = MAX (n_in - 2, 0);
      self->lower[o] = lower;
      self->weight[o] = n_in > 1 ? (float) (x - lower) : 0.0f;
    }
  return self;
}

void
ct_resample_axis_free (CtResampleAxis *self)
{
  if (self == NULL)
    return;
  g_free (self->lower);
  g_free (self->weight);
  g_free (self);
}

void
ct_resample_slice (const float *in, const CtResampleAxis *rows, const CtResampleAxis *cols, float *out)
{
  for (int r = 0; r < rows->n_out; r++)
    for (int c = 0; c < cols->n_out; c++)
      out[(gsize) r * cols->n_out + c] = ct_resample_sample (in, cols->n_in, rows, cols, r, c);
}
