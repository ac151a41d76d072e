/* SPDX-License-Identifier: MIT */
/* phantom-noise.h: seeded random numbers and smooth noise fields for the
 * phantom generator. Plain C11 + libm.
 *
 * Everything is counter based (a hash of seed, stream and index), so a
 * value never depends on the order in which threads ask for it: the same
 * seed gives the same volume with any number of threads.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define PHANTOM_PI 3.14159265358979323846

/* A sequential stream, for drawing the parameters of one study. */
typedef struct
{
  uint64_t state;
} PhantomRng;

uint64_t phantom_hash (uint64_t a, uint64_t b);
double phantom_hash_uniform (uint64_t key, uint64_t index); /* [0, 1) */
double phantom_hash_normal (uint64_t key, uint64_t index);  /* N(0, 1) */

void phantom_rng_init (PhantomRng *rng, uint64_t seed, uint64_t stream);
uint64_t phantom_rng_next (PhantomRng *rng);
double phantom_rng_uniform (PhantomRng *rng); /* [0, 1) */
double phantom_rng_range (PhantomRng *rng, double lo, double hi);
double phantom_rng_normal (PhantomRng *rng);
int phantom_rng_int (PhantomRng *rng, int lo, int hi); /* lo..hi inclusive */

/* A band-limited Gaussian field over a box, unit standard deviation,
 * correlation length about 1.5 x step_mm: random values on a lattice with
 * spacing step_mm, smoothed by [1 2 1] along each axis, sampled with
 * trilinear interpolation. Outside the box the border values repeat. */
typedef struct
{
  int nx, ny, nz;
  double origin[3]; /* mm of lattice point (0, 0, 0) */
  double step;      /* mm between lattice points */
  float *values;    /* [nz][ny][nx] */
} PhantomLattice;

int phantom_lattice_init (PhantomLattice *lattice, uint64_t key, const double box_min[3], const double box_max[3],
                          double step_mm);
double phantom_lattice_sample (const PhantomLattice *lattice, double x, double y, double z);
void phantom_lattice_clear (PhantomLattice *lattice);

/* Cellular (Worley) noise with one jittered feature point per cube of
 * cell_mm: returns F2 - F1 in mm, the distance to the nearest cell border
 * times about two. Small values trace a polygonal network of lines, which
 * is what interlobular septa look like in crazy paving. */
double phantom_worley_border (uint64_t key, double x, double y, double z, double cell_mm);
