/* SPDX-License-Identifier: MIT */
#include "ct-severity.h"

#include <math.h>
#include <string.h>

#define KMEANS_MAX_ITERATIONS 100
#define KMEANS_TOLERANCE_MM   1e-3

double
ct_severity_voxel_volume_ml (const CtVolume *g)
{
  const double *d = g->direction;
  double det = d[0] * (d[4] * d[8] - d[5] * d[7])
               - d[1] * (d[3] * d[8] - d[5] * d[6])
               + d[2] * (d[3] * d[7] - d[4] * d[6]);

  return fabs (det) * g->spacing[0] * g->spacing[1] * g->spacing[2] / 1000.0;
}

/* Sums of the LPS positions of the lung voxels on either side of the plane
 * x = split_x (first pass) or closest to centroid 0 or 1 (later passes). */
typedef struct
{
  double sum[2][3];
  double count[2];
} ClusterSums;

static void
accumulate (const CtVolume *g, const guint8 *mask, const double centroid[2][3], double split_x,
            gboolean by_plane, int stride, int n_threads, ClusterSums *out)
{
  double a[3], b[3], c[3];
  double s00 = 0, s01 = 0, s02 = 0, s10 = 0, s11 = 0, s12 = 0, n0 = 0, n1 = 0;
  int nx = g->nx, ny = g->ny, nz = g->nz;

  for (int e = 0; e < 3; e++)
    {
      a[e] = g->spacing[0] * g->direction[e];
      b[e] = g->spacing[1] * g->direction[3 + e];
      c[e] = g->spacing[2] * g->direction[6 + e];
    }

#pragma omp parallel for num_threads(n_threads) schedule(static) \
  reduction(+: s00, s01, s02, s10, s11, s12, n0, n1)
  for (int k = 0; k < nz; k += stride)
    for (int j = 0; j < ny; j += stride)
      {
        const guint8 *row = mask + ((gsize) k * ny + j) * nx;
        for (int i = 0; i < nx; i += stride)
          {
            double p[3];
            gboolean first;

            if (row[i] == 0)
              continue;
            for (int e = 0; e < 3; e++)
              p[e] = g->origin[e] + i * a[e] + j * b[e] + k * c[e];
            if (by_plane)
              first = p[0] < split_x;
            else
              {
                double d0 = 0, d1 = 0;
                for (int e = 0; e < 3; e++)
                  {
                    d0 += (p[e] - centroid[0][e]) * (p[e] - centroid[0][e]);
                    d1 += (p[e] - centroid[1][e]) * (p[e] - centroid[1][e]);
                  }
                first = d0 <= d1;
              }
            if (first)
              {
                s00 += p[0]; s01 += p[1]; s02 += p[2]; n0 += 1;
              }
            else
              {
                s10 += p[0]; s11 += p[1]; s12 += p[2]; n1 += 1;
              }
          }
      }
  out->sum[0][0] = s00; out->sum[0][1] = s01; out->sum[0][2] = s02;
  out->sum[1][0] = s10; out->sum[1][1] = s11; out->sum[1][2] = s12;
  out->count[0] = n0;
  out->count[1] = n1;
}

static void
update_centroids (const ClusterSums *sums, double centroid[2][3])
{
  for (int q = 0; q < 2; q++)
    if (sums->count[q] > 0)
      for (int e = 0; e < 3; e++)
        centroid[q][e] = sums->sum[q][e] / sums->count[q];
}

int
ct_severity_split_lungs (const CtVolume *g, guint8 *mask, int n_threads)
{
  double centroid[2][3] = { { 0 } };
  double mean_x;
  ClusterSums sums;
  int iterations = 0, right;
  /* The centroids are found on every second voxel along each axis of large
   * grids (1/8 of the voxels, centroids within a fraction of a mm); the
   * final assignment labels every voxel. */
  int stride = ct_volume_n_voxels (g) > 8 * 1024 * 1024 ? 2 : 1;
  double a[3], b[3], c[3];

  g_return_val_if_fail (g != NULL && mask != NULL, 0);
  if (n_threads <= 0)
    n_threads = g_get_num_processors ();

  /* Start: the mean x splits the voxels into two halves. */
  accumulate (g, mask, centroid, G_MAXDOUBLE, TRUE, stride, n_threads, &sums);
  if (sums.count[0] == 0 && stride > 1)
    {
      stride = 1; /* a lung too small for the subsample */
      accumulate (g, mask, centroid, G_MAXDOUBLE, TRUE, stride, n_threads, &sums);
    }
  if (sums.count[0] == 0)
    return 0;
  mean_x = sums.sum[0][0] / sums.count[0];
  accumulate (g, mask, centroid, mean_x, TRUE, stride, n_threads, &sums);
  update_centroids (&sums, centroid);
  if (sums.count[1] == 0)
    memcpy (centroid[1], centroid[0], sizeof centroid[0]);

  /* Lloyd iterations. */
  while (iterations < KMEANS_MAX_ITERATIONS)
    {
      double before[2][3], moved = 0;

      memcpy (before, centroid, sizeof before);
      accumulate (g, mask, centroid, 0, FALSE, stride, n_threads, &sums);
      update_centroids (&sums, centroid);
      iterations++;
      for (int q = 0; q < 2; q++)
        for (int e = 0; e < 3; e++)
          moved = MAX (moved, fabs (centroid[q][e] - before[q][e]));
      if (moved < KMEANS_TOLERANCE_MM)
        break;
    }

  /* Label: the cluster with the smaller patient x is the right lung. */
  right = centroid[0][0] <= centroid[1][0] ? 0 : 1;
  for (int e = 0; e < 3; e++)
    {
      a[e] = g->spacing[0] * g->direction[e];
      b[e] = g->spacing[1] * g->direction[3 + e];
      c[e] = g->spacing[2] * g->direction[6 + e];
    }
#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (int k = 0; k < g->nz; k++)
    for (int j = 0; j < g->ny; j++)
      {
        guint8 *row = mask + ((gsize) k * g->ny + j) * g->nx;
        for (int i = 0; i < g->nx; i++)
          {
            double d0 = 0, d1 = 0;
            int q;

            if (row[i] == 0)
              continue;
            for (int e = 0; e < 3; e++)
              {
                double p = g->origin[e] + i * a[e] + j * b[e] + k * c[e];
                d0 += (p - centroid[0][e]) * (p - centroid[0][e]);
                d1 += (p - centroid[1][e]) * (p - centroid[1][e]);
              }
            q = d0 <= d1 ? 0 : 1;
            row[i] = q == right ? CT_LUNG_RIGHT : CT_LUNG_LEFT;
          }
      }
  return iterations;
}

void
ct_severity_compute (const CtVolume *g, const guint8 *lung_mask, const guint8 *lesion_mask, CtSeverity *out)
{
  gssize n = (gssize) ct_volume_n_voxels (g);
  gsize lung[3] = { 0 }, lesion[3] = { 0 };
  gsize lung_right = 0, lung_left = 0, lesion_right = 0, lesion_left = 0;
  double voxel_ml = ct_severity_voxel_volume_ml (g);

  memset (out, 0, sizeof *out);
#pragma omp parallel for schedule(static) reduction(+: lung_right, lung_left, lesion_right, lesion_left)
  for (gssize v = 0; v < n; v++)
    {
      int side = lung_mask[v];
      if (side == 0)
        continue;
      if (side == CT_LUNG_LEFT)
        {
          lung_left++;
          lesion_left += lesion_mask[v] != 0;
        }
      else
        {
          lung_right++;
          lesion_right += lesion_mask[v] != 0;
        }
    }
  lung[1] = lung_right;
  lung[2] = lung_left;
  lesion[1] = lesion_right;
  lesion[2] = lesion_left;
  lung[0] = lung[1] + lung[2];
  lesion[0] = lesion[1] + lesion[2];
  memcpy (out->lung_voxels, lung, sizeof lung);
  memcpy (out->lesion_voxels, lesion, sizeof lesion);
  out->severity_right_percent = lung[1] > 0 ? 100.0 * lesion[1] / lung[1] : 0.0;
  out->severity_left_percent = lung[2] > 0 ? 100.0 * lesion[2] / lung[2] : 0.0;
  out->severity_total_percent = lung[0] > 0 ? 100.0 * lesion[0] / lung[0] : 0.0;
  out->severity_percent = MAX (out->severity_right_percent, out->severity_left_percent);
  out->lung_volume_ml = lung[0] * voxel_ml;
  out->lesion_volume_ml = lesion[0] * voxel_ml;
}
