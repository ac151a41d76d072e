/* SPDX-License-Identifier: MIT */
#include "ct-severity.h"
#include "ct-threads.h"

#include <math.h>
#include <string.h>

#define KMEANS_MAX_ITERATIONS 100
#define KMEANS_TOLERANCE_MM 1e-3

double
ct_severity_voxel_volume_ml (const CtVolume *g)
{
  const double *d = g->direction;
  double det = d[0] * (d[4] * d[8] - d[5] * d[7]) - d[1] * (d[3] * d[8] - d[5] * d[6]) +
               d[2] * (d[3] * d[7] - d[4] * d[6]);

  return fabs (det) * g->spacing[0] * g->spacing[1] * g->spacing[2] / 1000.0;
}

/* Voxel (i, j, k) lies at origin + i a + j b + k c (LPS mm). */
typedef struct
{
  double origin[3], a[3], b[3], c[3];
} Grid;

/* Both ways of splitting the voxels in two, the first cut at the mean x and
 * each Lloyd assignment (closer to centroid 0 than to centroid 1), are half
 * spaces p . normal <= offset, with normal = c1 - c0 and offset =
 * (|c1|^2 - |c0|^2) / 2 for the latter. The test is then linear in the voxel
 * index along a row, and the sums can be kept as voxel-index sums: integers,
 * exact in double below 2^53, so the result does not depend on the order of
 * the threads' partial sums. */
typedef struct
{
  double count[2];
  double index_sum[2][3]; /* sums of i, j, k per cluster */
} ClusterSums;

static double
dot3 (const double x[3], const double y[3])
{
  return x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
}

static void
accumulate (const CtVolume *g, const guint8 *mask, const Grid *grid, const double normal[3], double offset, int stride,
            int n_threads, ClusterSums *out)
{
  double step_i = dot3 (grid->a, normal), step_j = dot3 (grid->b, normal), step_k = dot3 (grid->c, normal);
  double start = dot3 (grid->origin, normal) - offset;
  double n0 = 0, n1 = 0, i0 = 0, j0 = 0, k0 = 0, i1 = 0, j1 = 0, k1 = 0;
  int nx = g->nx, ny = g->ny, nz = g->nz;

#pragma omp parallel for num_threads(n_threads) schedule(static) reduction(+ : n0, n1, i0, j0, k0, i1, j1, k1)
  for (int k = 0; k < nz; k += stride)
    for (int j = 0; j < ny; j += stride)
      {
        const guint8 *row = mask + ((gsize) k * ny + j) * nx;
        double row_start = start + j * step_j + k * step_k;
        double row_count0 = 0, row_count1 = 0, row_i0 = 0, row_i1 = 0;

        for (int i = 0; i < nx; i += stride)
          {
            if (row[i] == 0)
              continue;
            if (row_start + i * step_i <= 0)
              {
                row_count0 += 1;
                row_i0 += i;
              }
            else
              {
                row_count1 += 1;
                row_i1 += i;
              }
          }
        n0 += row_count0;
        n1 += row_count1;
        i0 += row_i0;
        i1 += row_i1;
        j0 += row_count0 * j;
        j1 += row_count1 * j;
        k0 += row_count0 * k;
        k1 += row_count1 * k;
      }
  out->count[0] = n0;
  out->count[1] = n1;
  out->index_sum[0][0] = i0;
  out->index_sum[0][1] = j0;
  out->index_sum[0][2] = k0;
  out->index_sum[1][0] = i1;
  out->index_sum[1][1] = j1;
  out->index_sum[1][2] = k1;
}

static void
update_centroids (const Grid *grid, const ClusterSums *sums, double centroid[2][3])
{
  for (int q = 0; q < 2; q++)
    if (sums->count[q] > 0)
      {
        double mi = sums->index_sum[q][0] / sums->count[q];
        double mj = sums->index_sum[q][1] / sums->count[q];
        double mk = sums->index_sum[q][2] / sums->count[q];

        for (int e = 0; e < 3; e++)
          centroid[q][e] = grid->origin[e] + mi * grid->a[e] + mj * grid->b[e] + mk * grid->c[e];
      }
}

/* The half space of voxels closer to centroid 0. */
static double
bisector (const double centroid[2][3], double normal[3])
{
  for (int e = 0; e < 3; e++)
    normal[e] = centroid[1][e] - centroid[0][e];
  return 0.5 * (dot3 (centroid[1], centroid[1]) - dot3 (centroid[0], centroid[0]));
}

int
ct_severity_split_lungs (const CtVolume *g, guint8 *mask, int n_threads)
{
  static const double no_split[3] = { 0, 0, 0 }, along_x[3] = { 1, 0, 0 };
  double centroid[2][3] = { { 0 } };
  double normal[3], offset;
  ClusterSums sums;
  Grid grid;
  int iterations = 0, right;
  /* The centroids are found on every second voxel along each axis of large
   * grids (1/8 of the voxels, centroids within a fraction of a mm); the
   * final assignment labels every voxel. */
  int stride = ct_volume_n_voxels (g) > 8 * 1024 * 1024 ? 2 : 1;

  g_return_val_if_fail (g != NULL && mask != NULL, 0);
  n_threads = ct_threads_cap (n_threads);
  memcpy (grid.origin, g->origin, sizeof grid.origin);
  for (int e = 0; e < 3; e++)
    {
      grid.a[e] = g->spacing[0] * g->direction[e];
      grid.b[e] = g->spacing[1] * g->direction[3 + e];
      grid.c[e] = g->spacing[2] * g->direction[6 + e];
    }

  /* Start: the plane x = mean x splits the voxels in two. */
  accumulate (g, mask, &grid, no_split, 0, stride, n_threads, &sums);
  if (sums.count[0] == 0 && stride > 1)
    {
      stride = 1; /* a lung too small for the subsample */
      accumulate (g, mask, &grid, no_split, 0, stride, n_threads, &sums);
    }
  if (sums.count[0] == 0)
    return 0;
  update_centroids (&grid, &sums, centroid);
  accumulate (g, mask, &grid, along_x, centroid[0][0], stride, n_threads, &sums);
  update_centroids (&grid, &sums, centroid);
  if (sums.count[1] == 0)
    memcpy (centroid[1], centroid[0], sizeof centroid[0]);

  /* Lloyd iterations. */
  while (iterations < KMEANS_MAX_ITERATIONS)
    {
      double before[2][3], moved = 0;

      memcpy (before, centroid, sizeof before);
      offset = bisector (centroid, normal);
      accumulate (g, mask, &grid, normal, offset, stride, n_threads, &sums);
      update_centroids (&grid, &sums, centroid);
      iterations++;
      for (int q = 0; q < 2; q++)
        for (int e = 0; e < 3; e++)
          moved = MAX (moved, fabs (centroid[q][e] - before[q][e]));
      if (moved < KMEANS_TOLERANCE_MM)
        break;
    }

  /* Label: the cluster with the smaller patient x is the right lung. */
  right = centroid[0][0] <= centroid[1][0] ? 0 : 1;
  offset = bisector (centroid, normal);
  {
    double step_i = dot3 (grid.a, normal), step_j = dot3 (grid.b, normal), step_k = dot3 (grid.c, normal);
    double start = dot3 (grid.origin, normal) - offset;
    guint8 label[2] = { right == 0 ? CT_LUNG_RIGHT : CT_LUNG_LEFT, right == 0 ? CT_LUNG_LEFT : CT_LUNG_RIGHT };

#pragma omp parallel for num_threads(n_threads) schedule(static)
    for (int k = 0; k < g->nz; k++)
      for (int j = 0; j < g->ny; j++)
        {
          guint8 *row = mask + ((gsize) k * g->ny + j) * g->nx;
          double row_start = start + j * step_j + k * step_k;

          for (int i = 0; i < g->nx; i++)
            if (row[i] != 0)
              row[i] = label[row_start + i * step_i <= 0 ? 0 : 1];
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
#pragma omp parallel for schedule(static) reduction(+ : lung_right, lung_left, lesion_right, lesion_left)
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
