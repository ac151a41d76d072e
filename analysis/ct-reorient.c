/* SPDX-License-Identifier: MIT */
#include "ct-reorient.h"

#include <math.h>

/* Network axis directions in LPS: slices superior -> inferior (-z), rows
 * anterior -> posterior (+y), columns right -> left (+x). */
static const double net_axis_lps[3][3] = {
  { 0, 0, -1 },
  { 0, 1, 0 },
  { 1, 0, 0 },
};

static const int permutations[6][3] = {
  { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
};

void
ct_reorient_init_from_direction (CtReorient *self, const double direction[9], const double spacing[3], int nx, int ny,
                                 int nz)
{
  double cosine[3][3]; /* [network axis][volume axis] */
  gsize volume_strides[3];
  double best_score = -1;
  int best = 0;

  g_return_if_fail (self != NULL && direction != NULL && spacing != NULL);

  self->volume_dims[0] = nx;
  self->volume_dims[1] = ny;
  self->volume_dims[2] = nz;
  volume_strides[0] = 1;
  volume_strides[1] = (gsize) nx;
  volume_strides[2] = (gsize) nx * (gsize) ny;

  for (int a = 0; a < 3; a++)
    for (int v = 0; v < 3; v++)
      cosine[a][v] = net_axis_lps[a][0] * direction[3 * v] + net_axis_lps[a][1] * direction[3 * v + 1] +
                     net_axis_lps[a][2] * direction[3 * v + 2];

  /* The permutation with the largest summed |cosine|; ties (oblique 45
   * degree stacks) resolve to the first, which keeps the result stable. */
  for (int p = 0; p < 6; p++)
    {
      double score = 0;
      for (int a = 0; a < 3; a++)
        score += fabs (cosine[a][permutations[p][a]]);
      if (score > best_score + 1e-9)
        {
          best_score = score;
          best = p;
        }
    }

  self->base = 0;
  for (int a = 0; a < 3; a++)
    {
      int v = permutations[best][a];
      self->volume_axis[a] = v;
      self->flip[a] = cosine[a][v] < 0;
      self->net_dims[a] = self->volume_dims[v];
      self->net_spacing[a] = spacing[v];
      if (self->flip[a])
        {
          self->step[a] = -(gssize) volume_strides[v];
          self->base += (gsize) (self->volume_dims[v] - 1) * volume_strides[v];
        }
      else
        self->step[a] = (gssize) volume_strides[v];
    }
}

void
ct_reorient_init_from_volume (CtReorient *self, const CtVolume *volume)
{
  g_return_if_fail (volume != NULL);
  ct_reorient_init_from_direction (self, volume->direction, volume->spacing, volume->nx, volume->ny, volume->nz);
}

gsize
ct_reorient_volume_index (const CtReorient *self, int s, int r, int c)
{
  return (gsize) ((gssize) self->base + s * self->step[0] + r * self->step[1] + c * self->step[2]);
}

void
ct_reorient_net_coords (const CtReorient *self, int i, int j, int k, int out_src[3])
{
  int volume_index[3] = { i, j, k };

  for (int a = 0; a < 3; a++)
    {
      int v = self->volume_axis[a];
      out_src[a] = self->flip[a] ? self->volume_dims[v] - 1 - volume_index[v] : volume_index[v];
    }
}

void
ct_reorient_extract_slice (const CtReorient *self, const float *volume_data, int s, float *out)
{
  int h = self->net_dims[1], w = self->net_dims[2];

  for (int r = 0; r < h; r++)
    {
      gssize index = (gssize) ct_reorient_volume_index (self, s, r, 0);
      float *row = out + (gsize) r * w;
      for (int c = 0; c < w; c++, index += self->step[2])
        row[c] = volume_data[index];
    }
}

/* The four whole-volume copies share one loop shape; to_net reads through
 * the mapping, from_net writes through it. */
#define REORIENT_COPY(self, src, dst, TO_NET)                                                                          \
  G_STMT_START                                                                                                         \
  {                                                                                                                    \
    int n_ = (self)->net_dims[0], h_ = (self)->net_dims[1], w_ = (self)->net_dims[2];                                  \
    _Pragma ("omp parallel for schedule(static)") for (int s_ = 0; s_ < n_; s_++) for (int r_ = 0; r_ < h_; r_++)      \
    {                                                                                                                  \
      gsize net_ = ((gsize) s_ * h_ + r_) * w_;                                                                        \
      gssize vol_ = (gssize) ct_reorient_volume_index ((self), s_, r_, 0);                                             \
      for (int c_ = 0; c_ < w_; c_++, net_++, vol_ += (self)->step[2])                                                 \
        {                                                                                                              \
          if (TO_NET)                                                                                                  \
            (dst)[net_] = (src)[vol_];                                                                                 \
          else                                                                                                         \
            (dst)[vol_] = (src)[net_];                                                                                 \
        }                                                                                                              \
    }                                                                                                                  \
  }                                                                                                                    \
  G_STMT_END

void
ct_reorient_to_net_u8 (const CtReorient *self, const guint8 *volume_data, guint8 *net_data)
{
  REORIENT_COPY (self, volume_data, net_data, TRUE);
}

void
ct_reorient_from_net_u8 (const CtReorient *self, const guint8 *net_data, guint8 *volume_data)
{
  REORIENT_COPY (self, net_data, volume_data, FALSE);
}

void
ct_reorient_to_net_f32 (const CtReorient *self, const float *volume_data, float *net_data)
{
  REORIENT_COPY (self, volume_data, net_data, TRUE);
}

void
ct_reorient_from_net_f32 (const CtReorient *self, const float *net_data, float *volume_data)
{
  REORIENT_COPY (self, net_data, volume_data, FALSE);
}
