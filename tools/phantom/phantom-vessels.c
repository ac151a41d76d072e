/* SPDX-License-Identifier: MIT */
#include "phantom-vessels.h"

#include "phantom-noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RADIUS_MM 7.5

void
phantom_vessels_init (PhantomVessels *vessels)
{
  memset (vessels, 0, sizeof *vessels);
}

void
phantom_vessels_clear (PhantomVessels *vessels)
{
  free (vessels->segments);
  free (vessels->bucket_start);
  free (vessels->bucket_items);
  memset (vessels, 0, sizeof *vessels);
}

static int
add_segment (PhantomVessels *vessels, const double a[3], const double b[3], double radius, double wall,
             PhantomSegmentKind kind)
{
  PhantomSegment *s;

  if (vessels->n_segments == vessels->capacity)
    {
      size_t capacity = vessels->capacity ? vessels->capacity * 2 : 1024;
      PhantomSegment *grown = realloc (vessels->segments, capacity * sizeof *grown);
      if (grown == NULL)
        return 0;
      vessels->segments = grown;
      vessels->capacity = capacity;
    }
  s = &vessels->segments[vessels->n_segments++];
  for (int c = 0; c < 3; c++)
    {
      s->a[c] = (float) a[c];
      s->b[c] = (float) b[c];
    }
  s->radius = (float) radius;
  s->wall = (float) wall;
  s->kind = (uint8_t) kind;
  return 1;
}

typedef struct
{
  float key;
  uint32_t index;
} KeyedIndex;

typedef struct
{
  PhantomVessels *vessels;
  double leaf_radius;
  double bronchus_min_radius;
  PhantomSegmentKind kind;
  uint64_t key;
  uint64_t counter;
  KeyedIndex *scratch; /* one per point */
  int ok;
} GrowState;

/* Adds the companion bronchus of an artery segment: parallel, touching it. */
static void
add_bronchus (GrowState *st, const double a[3], const double b[3], double radius)
{
  double d[3] = { b[0] - a[0], b[1] - a[1], b[2] - a[2] };
  double len = sqrt (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  double up[3] = { 0, 0, 1 };
  double side[3];
  double norm, lumen, wall, offset;
  double oa[3], ob[3];

  if (len < 1e-6)
    return;
  for (int c = 0; c < 3; c++)
    d[c] /= len;
  if (fabs (d[2]) > 0.9)
    {
      up[0] = 1;
      up[2] = 0;
    }
  side[0] = d[1] * up[2] - d[2] * up[1];
  side[1] = d[2] * up[0] - d[0] * up[2];
  side[2] = d[0] * up[1] - d[1] * up[0];
  norm = sqrt (side[0] * side[0] + side[1] * side[1] + side[2] * side[2]);
  lumen = 0.7 * radius;
  wall = fmax (0.3, 0.15 * lumen);
  offset = radius + lumen + wall + 0.3;
  for (int c = 0; c < 3; c++)
    {
      oa[c] = a[c] + side[c] / norm * offset;
      ob[c] = b[c] + side[c] / norm * offset;
    }
  if (!add_segment (st->vessels, oa, ob, lumen, wall, PHANTOM_SEGMENT_BRONCHUS))
    st->ok = 0;
}

static int
compare_keyed (const void *pa, const void *pb)
{
  /* By projection; ties broken by index so that the order is total. */
  const KeyedIndex *a = pa, *b = pb;
  if (a->key < b->key)
    return -1;
  if (a->key > b->key)
    return 1;
  return (a->index > b->index) - (a->index < b->index);
}

static void
grow (GrowState *st, const double start[3], float *points, uint32_t *order, size_t lo, size_t hi, int depth)
{
  size_t n = hi - lo;
  double c[3] = { 0, 0, 0 };
  double end[3];
  double radius;
  double frac;

  if (!st->ok || n == 0)
    return;

  for (size_t i = lo; i < hi; i++)
    for (int a = 0; a < 3; a++)
      c[a] += points[3 * order[i] + a];
  for (int a = 0; a < 3; a++)
    c[a] /= (double) n;

  /* Murray's law: radius^3 proportional to the territory. */
  radius = fmin (MAX_RADIUS_MM, st->leaf_radius * cbrt ((double) n));
  if (n == 1)
    {
      if (!add_segment (st->vessels, start, c, radius, 0, st->kind))
        st->ok = 0;
      return;
    }

  frac = 0.35 + 0.3 * phantom_hash_uniform (st->key, st->counter++);
  if (depth == 0)
    frac *= 0.6;
  for (int a = 0; a < 3; a++)
    end[a] = start[a] + frac * (c[a] - start[a]);
  if (!add_segment (st->vessels, start, end, radius, 0, st->kind))
    {
      st->ok = 0;
      return;
    }
  if (st->kind == PHANTOM_SEGMENT_ARTERY && radius >= st->bronchus_min_radius)
    add_bronchus (st, start, end, radius);

  /* Longest axis of the territory by power iteration on its covariance. */
  {
    double cov[9] = { 0 };
    double axis[3] = { 1, 0.7, 0.4 };
    size_t mid;

    for (size_t i = lo; i < hi; i++)
      {
        double d[3];
        for (int a = 0; a < 3; a++)
          d[a] = points[3 * order[i] + a] - c[a];
        for (int a = 0; a < 3; a++)
          for (int b = 0; b < 3; b++)
            cov[3 * a + b] += d[a] * d[b];
      }
    for (int it = 0; it < 12; it++)
      {
        double next[3], norm;
        for (int a = 0; a < 3; a++)
          next[a] = cov[3 * a] * axis[0] + cov[3 * a + 1] * axis[1] + cov[3 * a + 2] * axis[2];
        norm = sqrt (next[0] * next[0] + next[1] * next[1] + next[2] * next[2]);
        if (norm < 1e-12)
          break;
        for (int a = 0; a < 3; a++)
          axis[a] = next[a] / norm;
      }
    for (size_t i = lo; i < hi; i++)
      {
        const float *p = &points[3 * order[i]];
        st->scratch[i - lo].key = (float) ((p[0] - c[0]) * axis[0] + (p[1] - c[1]) * axis[1] + (p[2] - c[2]) * axis[2]);
        st->scratch[i - lo].index = order[i];
      }
    qsort (st->scratch, n, sizeof *st->scratch, compare_keyed);
    for (size_t i = lo; i < hi; i++)
      order[i] = st->scratch[i - lo].index;

    /* Uneven splits give the asymmetric branching of real trees. */
    mid = lo + (size_t) (n * (0.3 + 0.4 * phantom_hash_uniform (st->key, st->counter++)));
    if (mid <= lo)
      mid = lo + 1;
    if (mid >= hi)
      mid = hi - 1;
    grow (st, end, points, order, lo, mid, depth + 1);
    grow (st, end, points, order, mid, hi, depth + 1);
  }
}

int
phantom_vessels_grow (PhantomVessels *vessels, const double root[3], float *points, size_t n_points,
                      double leaf_radius_mm, PhantomSegmentKind kind, double bronchus_min_radius_mm, uint64_t key)
{
  GrowState st = { vessels, leaf_radius_mm, bronchus_min_radius_mm, kind, key, 0, NULL, 1 };
  uint32_t *order;

  if (n_points == 0)
    return 1;
  order = malloc (n_points * sizeof *order);
  st.scratch = malloc (n_points * sizeof *st.scratch);
  if (order == NULL || st.scratch == NULL)
    {
      free (order);
      free (st.scratch);
      return 0;
    }
  for (size_t i = 0; i < n_points; i++)
    order[i] = (uint32_t) i;
  grow (&st, root, points, order, 0, n_points, 0);
  free (order);
  free (st.scratch);
  return st.ok;
}

static void
segment_z_range (const PhantomSegment *s, double *zmin, double *zmax)
{
  double reach = s->radius + s->wall + 1.0;
  *zmin = fmin (s->a[2], s->b[2]) - reach;
  *zmax = fmax (s->a[2], s->b[2]) + reach;
}

int
phantom_vessels_index (PhantomVessels *vessels, double bucket_mm)
{
  double zmin = 1e30, zmax = -1e30;
  size_t total = 0;
  uint32_t *fill;

  free (vessels->bucket_start);
  free (vessels->bucket_items);
  vessels->bucket_start = NULL;
  vessels->bucket_items = NULL;
  vessels->n_buckets = 0;
  if (vessels->n_segments == 0)
    return 1;

  for (size_t s = 0; s < vessels->n_segments; s++)
    {
      double lo, hi;
      segment_z_range (&vessels->segments[s], &lo, &hi);
      zmin = fmin (zmin, lo);
      zmax = fmax (zmax, hi);
    }
  vessels->bucket_z0 = zmin;
  vessels->bucket_mm = bucket_mm;
  vessels->n_buckets = (int) ((zmax - zmin) / bucket_mm) + 1;
  vessels->bucket_start = calloc ((size_t) vessels->n_buckets + 1, sizeof (uint32_t));
  fill = calloc ((size_t) vessels->n_buckets, sizeof (uint32_t));
  if (vessels->bucket_start == NULL || fill == NULL)
    {
      free (fill);
      return 0;
    }
  for (size_t s = 0; s < vessels->n_segments; s++)
    {
      double lo, hi;
      segment_z_range (&vessels->segments[s], &lo, &hi);
      for (int b = (int) ((lo - zmin) / bucket_mm); b <= (int) ((hi - zmin) / bucket_mm); b++)
        vessels->bucket_start[b + 1]++;
    }
  for (int b = 0; b < vessels->n_buckets; b++)
    vessels->bucket_start[b + 1] += vessels->bucket_start[b];
  total = vessels->bucket_start[vessels->n_buckets];
  vessels->bucket_items = malloc ((total ? total : 1) * sizeof (uint32_t));
  if (vessels->bucket_items == NULL)
    {
      free (fill);
      return 0;
    }
  for (size_t s = 0; s < vessels->n_segments; s++)
    {
      double lo, hi;
      segment_z_range (&vessels->segments[s], &lo, &hi);
      for (int b = (int) ((lo - zmin) / bucket_mm); b <= (int) ((hi - zmin) / bucket_mm); b++)
        vessels->bucket_items[vessels->bucket_start[b] + fill[b]++] = (uint32_t) s;
    }
  free (fill);
  return 1;
}

/* Share of a pixel covered by a tube at this distance from its axis: a
 * ramp one pixel wide at the edge, and at most the tube's width over the
 * pixel's when the tube is thinner than a pixel. */
static inline float
coverage (double radius, double distance, double pixel_mm)
{
  double c = (radius - distance) / pixel_mm + 0.5;
  double peak = 2.0 * radius / pixel_mm;
  c = c < 0 ? 0 : c > 1 ? 1 : c;
  return (float) (peak < 1.0 ? c * peak : c);
}

void
phantom_vessels_rasterize (const PhantomVessels *vessels, double z, double x0, double y0, double pixel_mm, int nx,
                           int ny, float *vessel, float *airway, float *airway_wall, double hilar_radius_mm,
                           float *hilar)
{
  int b;

  if (vessels->n_buckets == 0)
    return;
  b = (int) floor ((z - vessels->bucket_z0) / vessels->bucket_mm);
  if (b < 0 || b >= vessels->n_buckets)
    return;

  for (uint32_t it = vessels->bucket_start[b]; it < vessels->bucket_start[b + 1]; it++)
    {
      const PhantomSegment *s = &vessels->segments[vessels->bucket_items[it]];
      double reach = s->radius + s->wall + pixel_mm;
      double a[3] = { s->a[0], s->a[1], s->a[2] };
      double d[3] = { s->b[0] - a[0], s->b[1] - a[1], s->b[2] - a[2] };
      double len2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      double t0 = 0, t1 = 1;
      double xmin, xmax, ymin, ymax;
      int i0, i1, j0, j1;

      if (z < fmin (a[2], s->b[2]) - reach || z > fmax (a[2], s->b[2]) + reach)
        continue;
      /* The part of the segment within reach of the plane. */
      if (fabs (d[2]) > 1e-6)
        {
          double ta = (z - reach - a[2]) / d[2], tb = (z + reach - a[2]) / d[2];
          t0 = fmax (0.0, fmin (ta, tb));
          t1 = fmin (1.0, fmax (ta, tb));
          if (t0 > t1)
            continue;
        }
      xmin = fmin (a[0] + t0 * d[0], a[0] + t1 * d[0]) - reach;
      xmax = fmax (a[0] + t0 * d[0], a[0] + t1 * d[0]) + reach;
      ymin = fmin (a[1] + t0 * d[1], a[1] + t1 * d[1]) - reach;
      ymax = fmax (a[1] + t0 * d[1], a[1] + t1 * d[1]) + reach;
      i0 = (int) ceil ((xmin - x0) / pixel_mm);
      i1 = (int) floor ((xmax - x0) / pixel_mm);
      j0 = (int) ceil ((ymin - y0) / pixel_mm);
      j1 = (int) floor ((ymax - y0) / pixel_mm);
      if (i0 < 0)
        i0 = 0;
      if (j0 < 0)
        j0 = 0;
      if (i1 > nx - 1)
        i1 = nx - 1;
      if (j1 > ny - 1)
        j1 = ny - 1;

      for (int j = j0; j <= j1; j++)
        for (int i = i0; i <= i1; i++)
          {
            double p[3] = { x0 + i * pixel_mm - a[0], y0 + j * pixel_mm - a[1], z - a[2] };
            double t = len2 > 0 ? (p[0] * d[0] + p[1] * d[1] + p[2] * d[2]) / len2 : 0;
            double q[3], dist;
            size_t idx = (size_t) j * nx + i;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            q[0] = p[0] - t * d[0];
            q[1] = p[1] - t * d[1];
            q[2] = p[2] - t * d[2];
            dist = sqrt (q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
            float outer;
            if (s->kind == PHANTOM_SEGMENT_BRONCHUS)
              {
                float lumen = coverage (s->radius, dist, pixel_mm);
                outer = coverage (s->radius + s->wall, dist, pixel_mm);
                if (lumen > airway[idx])
                  airway[idx] = lumen;
                if (outer > airway_wall[idx])
                  airway_wall[idx] = outer;
              }
            else
              {
                outer = coverage (s->radius, dist, pixel_mm);
                if (outer > vessel[idx])
                  vessel[idx] = outer;
              }
            if (hilar != NULL && s->radius + s->wall >= hilar_radius_mm && outer > hilar[idx])
              hilar[idx] = outer;
          }
    }
}
