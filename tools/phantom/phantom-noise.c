/* SPDX-License-Identifier: MIT */
#include "phantom-noise.h"

#include <math.h>
#include <stdlib.h>

/* splitmix64's finaliser: a good 64-bit mixer. */
static uint64_t
mix64 (uint64_t z)
{
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t
phantom_hash (uint64_t a, uint64_t b)
{
  return mix64 (mix64 (a) ^ (b * 0xd6e8feb86659fd93ULL + 0x2545f4914f6cdd1dULL));
}

double
phantom_hash_uniform (uint64_t key, uint64_t index)
{
  return (phantom_hash (key, index) >> 11) * (1.0 / 9007199254740992.0);
}

double
phantom_hash_normal (uint64_t key, uint64_t index)
{
  uint64_t h = phantom_hash (key, index);
  double u1 = ((h >> 40) + 0.5) * (1.0 / 16777216.0); /* 24 bits, (0, 1) */
  double u2 = ((h & 0xffffffULL) + 0.5) * (1.0 / 16777216.0);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * PHANTOM_PI * u2);
}

void
phantom_rng_init (PhantomRng *rng, uint64_t seed, uint64_t stream)
{
  rng->state = phantom_hash (seed, stream ^ 0x5851f42d4c957f2dULL);
}

uint64_t
phantom_rng_next (PhantomRng *rng)
{
  rng->state += 0x9e3779b97f4a7c15ULL;
  return mix64 (rng->state);
}

double
phantom_rng_uniform (PhantomRng *rng)
{
  return (phantom_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

double
phantom_rng_range (PhantomRng *rng, double lo, double hi)
{
  return lo + (hi - lo) * phantom_rng_uniform (rng);
}

double
phantom_rng_normal (PhantomRng *rng)
{
  double u1 = 1.0 - phantom_rng_uniform (rng);
  double u2 = phantom_rng_uniform (rng);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * PHANTOM_PI * u2);
}

int
phantom_rng_int (PhantomRng *rng, int lo, int hi)
{
  return lo + (int) floor (phantom_rng_uniform (rng) * (hi - lo + 1));
}

static void
smooth_121 (float *v, float *tmp, int n, size_t stride, size_t count, size_t outer_stride, size_t n_outer)
{
  /* Smooths n values spaced by stride, for count inner and n_outer outer lines. */
  for (size_t o = 0; o < n_outer; o++)
    for (size_t c = 0; c < count; c++)
      {
        float *line = v + o * outer_stride + c;
        for (int i = 0; i < n; i++)
          {
            float a = line[(size_t) (i > 0 ? i - 1 : i) * stride];
            float b = line[(size_t) i * stride];
            float d = line[(size_t) (i < n - 1 ? i + 1 : i) * stride];
            tmp[i] = 0.25f * a + 0.5f * b + 0.25f * d;
          }
        for (int i = 0; i < n; i++)
          line[(size_t) i * stride] = tmp[i];
      }
}

int
phantom_lattice_init (PhantomLattice *lattice, uint64_t key, const double box_min[3], const double box_max[3],
                      double step_mm)
{
  int n[3];
  size_t total;
  float *tmp;
  int nmax;

  lattice->values = NULL;
  lattice->step = step_mm;
  for (int a = 0; a < 3; a++)
    {
      double extent = box_max[a] - box_min[a];
      n[a] = (int) ceil ((extent > 0 ? extent : 0) / step_mm) + 3;
      lattice->origin[a] = box_min[a] - step_mm;
    }
  lattice->nx = n[0];
  lattice->ny = n[1];
  lattice->nz = n[2];
  total = (size_t) n[0] * n[1] * n[2];
  lattice->values = malloc (total * sizeof (float));
  nmax = n[0] > n[1] ? n[0] : n[1];
  nmax = nmax > n[2] ? nmax : n[2];
  tmp = malloc ((size_t) nmax * sizeof (float));
  if (lattice->values == NULL || tmp == NULL)
    {
      free (tmp);
      free (lattice->values);
      lattice->values = NULL;
      return 0;
    }
  for (size_t i = 0; i < total; i++)
    lattice->values[i] = (float) phantom_hash_normal (key, i);

  /* x lines, then y lines, then z lines. */
  smooth_121 (lattice->values, tmp, n[0], 1, 1, (size_t) n[0], (size_t) n[1] * n[2]);
  for (int k = 0; k < n[2]; k++)
    smooth_121 (lattice->values + (size_t) k * n[0] * n[1], tmp, n[1], (size_t) n[0], (size_t) n[0], 0, 1);
  smooth_121 (lattice->values, tmp, n[2], (size_t) n[0] * n[1], (size_t) n[0] * n[1], 0, 1);

  /* Each [1 2 1]/4 pass keeps 6/16 of the variance: restore unit variance. */
  {
    float gain = (float) (1.0 / sqrt (6.0 / 16.0 * 6.0 / 16.0 * 6.0 / 16.0));
    for (size_t i = 0; i < total; i++)
      lattice->values[i] *= gain;
  }
  free (tmp);
  return 1;
}

double
phantom_lattice_sample (const PhantomLattice *lattice, double x, double y, double z)
{
  double p[3] = { (x - lattice->origin[0]) / lattice->step, (y - lattice->origin[1]) / lattice->step,
                  (z - lattice->origin[2]) / lattice->step };
  int n[3] = { lattice->nx, lattice->ny, lattice->nz };
  int i0[3];
  double f[3];
  const float *v = lattice->values;
  size_t sx = 1, sy = (size_t) n[0], sz = (size_t) n[0] * n[1];
  size_t base;

  for (int a = 0; a < 3; a++)
    {
      double c = p[a];
      if (c < 0)
        c = 0;
      if (c > n[a] - 1.001)
        c = n[a] - 1.001;
      i0[a] = (int) c;
      f[a] = c - i0[a];
      /* Smoothstep weights hide the lattice's facets. */
      f[a] = f[a] * f[a] * (3.0 - 2.0 * f[a]);
    }
  base = (size_t) i0[2] * sz + (size_t) i0[1] * sy + (size_t) i0[0];
  {
    double c00 = v[base] + f[0] * (v[base + sx] - v[base]);
    double c10 = v[base + sy] + f[0] * (v[base + sy + sx] - v[base + sy]);
    double c01 = v[base + sz] + f[0] * (v[base + sz + sx] - v[base + sz]);
    double c11 = v[base + sz + sy] + f[0] * (v[base + sz + sy + sx] - v[base + sz + sy]);
    double c0 = c00 + f[1] * (c10 - c00);
    double c1 = c01 + f[1] * (c11 - c01);
    return c0 + f[2] * (c1 - c0);
  }
}

void
phantom_lattice_clear (PhantomLattice *lattice)
{
  free (lattice->values);
  lattice->values = NULL;
}

double
phantom_worley_border (uint64_t key, double x, double y, double z, double cell_mm)
{
  double px = x / cell_mm, py = y / cell_mm, pz = z / cell_mm;
  int cx = (int) floor (px), cy = (int) floor (py), cz = (int) floor (pz);
  double f1 = 1e30, f2 = 1e30;

  for (int dz = -1; dz <= 1; dz++)
    for (int dy = -1; dy <= 1; dy++)
      for (int dx = -1; dx <= 1; dx++)
        {
          int gx = cx + dx, gy = cy + dy, gz = cz + dz;
          uint64_t cell = ((uint64_t) (uint32_t) gx * 73856093ULL) ^ ((uint64_t) (uint32_t) gy * 19349663ULL << 20) ^
                          ((uint64_t) (uint32_t) gz * 83492791ULL << 40);
          uint64_t h = phantom_hash (key, cell);
          double fx = gx + ((h & 0xfffff) / 1048576.0);
          double fy = gy + (((h >> 20) & 0xfffff) / 1048576.0);
          double fz = gz + (((h >> 40) & 0xfffff) / 1048576.0);
          double d2 = (fx - px) * (fx - px) + (fy - py) * (fy - py) + (fz - pz) * (fz - pz);
          if (d2 < f1)
            {
              f2 = f1;
              f1 = d2;
            }
          else if (d2 < f2)
            f2 = d2;
        }
  return (sqrt (f2) - sqrt (f1)) * cell_mm;
}
