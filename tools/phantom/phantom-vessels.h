/* SPDX-License-Identifier: MIT */
/* phantom-vessels.h: branching pulmonary vessel and bronchial trees for the
 * phantom generator, grown into a lung by recursive territory splitting and
 * rasterised plane by plane with partial-volume coverage. C11 + libm. */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef enum
{
  PHANTOM_SEGMENT_ARTERY = 0,
  PHANTOM_SEGMENT_VEIN = 1,
  PHANTOM_SEGMENT_BRONCHUS = 2,
} PhantomSegmentKind;

typedef struct
{
  float a[3], b[3]; /* LPS mm end points */
  float radius;     /* mm; for a bronchus the lumen radius */
  float wall;       /* mm; bronchial wall thickness, 0 for vessels */
  uint8_t kind;     /* PhantomSegmentKind */
} PhantomSegment;

typedef struct
{
  PhantomSegment *segments;
  size_t n_segments, capacity;

  /* Segments bucketed by the slab of z they touch, for rasterising planes. */
  double bucket_z0, bucket_mm;
  int n_buckets;
  uint32_t *bucket_start; /* [n_buckets + 1] offsets into bucket_items */
  uint32_t *bucket_items; /* segment indices */
} PhantomVessels;

void phantom_vessels_init (PhantomVessels *vessels);
void phantom_vessels_clear (PhantomVessels *vessels);

/* Grows one tree from root (LPS mm) to the n_points targets (xyz triplets,
 * LPS mm, reordered in place): each branch heads half-way to the centroid
 * of its territory, which then splits in two along its longest axis.
 * Radii follow Murray's law from leaf_radius_mm at the targets. Artery
 * segments at least bronchus_min_radius_mm thick get a companion bronchus.
 * Returns 0 when out of memory. */
int phantom_vessels_grow (PhantomVessels *vessels, const double root[3], float *points, size_t n_points,
                          double leaf_radius_mm, PhantomSegmentKind kind, double bronchus_min_radius_mm, uint64_t key);

/* Builds the z buckets; call once after the last grow. */
int phantom_vessels_index (PhantomVessels *vessels, double bucket_mm);

/* Coverage (0..1) of the plane at z (mm) sampled on a grid of nx x ny
 * pixels, pixel (i, j) at (x0 + i * pixel_mm, y0 + j * pixel_mm). Each
 * output holds the maximum over segments: vessel lumen, bronchial lumen,
 * bronchial wall (outer radius), and the outer coverage of segments at
 * least hilar_radius_mm thick (the hilar vessels and bronchi that lung
 * masks leave out). Outputs must be zeroed by the caller. */
void phantom_vessels_rasterize (const PhantomVessels *vessels, double z, double x0, double y0, double pixel_mm, int nx,
                                int ny, float *vessel, float *airway, float *airway_wall, double hilar_radius_mm,
                                float *hilar);
