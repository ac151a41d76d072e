/* SPDX-License-Identifier: MIT */
/* phantom.c: drawing, rendering and measuring one synthetic chest CT. */
#include "phantom-private.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Streams of the seed, one per purpose, so that adding a draw to one part
 * does not change the others. */
enum
{
  STREAM_CLASS = 1,
  STREAM_ANATOMY,
  STREAM_IMAGE,
  STREAM_LESIONS,
  STREAM_VESSELS,
  STREAM_FIELDS,
  STREAM_NOISE,
};

static const char *const class_names[PHANTOM_N_CLASSES] = { "normal", "covid", "bacterial", "nodules" };

const char *
phantom_class_name (PhantomClass klass)
{
  return (unsigned) klass < PHANTOM_N_CLASSES ? class_names[klass] : "unknown";
}

int
phantom_class_from_name (const char *name, int *klass)
{
  if (name == NULL)
    return 0;
  if (strcmp (name, "random") == 0)
    {
      *klass = -1;
      return 1;
    }
  for (int c = 0; c < PHANTOM_N_CLASSES; c++)
    if (strcmp (name, class_names[c]) == 0)
      {
        *klass = c;
        return 1;
      }
  return 0;
}

void
phantom_params_init (PhantomParams *params)
{
  memset (params, 0, sizeof *params);
  params->seed = 1;
  params->klass = -1;
  params->nx = 256;
  params->ny = 256;
  params->nz = 100;
  params->pixel_spacing_mm = 1.5;
  params->slice_spacing_mm = 3.0;
  params->slice_thickness_mm = 0;
  params->severity_percent = -1;
  params->noise_hu = -1;
  params->contrast = -1;
}

static void
set_error (char *error, size_t size, const char *format, ...)
{
  va_list args;
  if (error == NULL || size == 0)
    return;
  va_start (args, format);
  vsnprintf (error, size, format, args);
  va_end (args);
}

void
phantom_study_free (PhantomStudy *study)
{
  if (study == NULL)
    return;
  free (study->hu);
  free (study->lungs);
  free (study->lesions);
  free (study);
}

static void
phantom_clear (Phantom *ph)
{
  phantom_lattice_clear (&ph->field_low);
  phantom_lattice_clear (&ph->field_mid);
  phantom_lattice_clear (&ph->field_fine);
  phantom_lattice_clear (&ph->field_texture);
  phantom_lattice_clear (&ph->field_micro[0]);
  phantom_lattice_clear (&ph->field_micro[1]);
  phantom_vessels_clear (&ph->vessels);
}

static int
init_fields (Phantom *ph)
{
  double box_min[3], box_max[3];
  double range = (ph->params.nz - 1) * ph->params.slice_spacing_mm;
  uint64_t key = phantom_hash (ph->params.seed, STREAM_FIELDS);

  box_min[0] = ph->bx - 1.2 * ph->body_a;
  box_max[0] = ph->bx + 1.2 * ph->body_a;
  box_min[1] = ph->by - 1.1 * ph->body_b;
  box_max[1] = ph->by + 1.1 * ph->body_b;
  box_min[2] = fmin (ph->z_top - range, ph->z_base) - 10;
  box_max[2] = fmax (ph->z_top, ph->z_base + ph->height) + 10;
  /* Detail finer than a pixel would only be averaged away: coarse grids
   * get coarser fields, which keeps small test volumes quick. */
  return phantom_lattice_init (&ph->field_low, key + 1, box_min, box_max, 22.0) &&
         phantom_lattice_init (&ph->field_mid, key + 2, box_min, box_max, 7.0) &&
         phantom_lattice_init (&ph->field_fine, key + 3, box_min, box_max,
                               fmax (2.5, 0.9 * ph->params.pixel_spacing_mm)) &&
         phantom_lattice_init (&ph->field_texture, key + 4, box_min, box_max,
                               fmax (1.6, 0.75 * ph->params.pixel_spacing_mm)) &&
         phantom_lattice_init (&ph->field_micro[0], key + 5, box_min, box_max, 7.0) &&
         phantom_lattice_init (&ph->field_micro[1], key + 6, box_min, box_max, 7.0);
}

/* Uniform random points in one lung (side 0: either) within the scanned
 * range, by rejection. Writes xyz triplets; returns how many were found. */
static size_t
sample_lung_points (const Phantom *ph, PhantomRng *rng, int side, size_t n, float *xyz, PhantomPoint *points)
{
  double range = (ph->params.nz - 1) * ph->params.slice_spacing_mm;
  double zlo = fmax (ph->z_top - range, ph->z_base), zhi = fmin (ph->z_top, ph->z_base + ph->height);
  size_t found = 0;
  size_t tries = 0, max_tries = n * 200 + 1000;

  while (found < n && tries++ < max_tries)
    {
      double x = ph->bx + phantom_rng_range (rng, -ph->ca, ph->ca) + ph->mid_x;
      double y = ph->by + ph->cv + phantom_rng_range (rng, -ph->cb, ph->cb);
      double z = phantom_rng_range (rng, zlo, zhi);
      PhantomPoint pt;
      phantom_anatomy_sample (ph, x, y, z, &pt);
      if (pt.lung == PHANTOM_LUNG_NONE || (side != 0 && pt.lung != side))
        continue;
      xyz[3 * found] = (float) x;
      xyz[3 * found + 1] = (float) y;
      xyz[3 * found + 2] = (float) z;
      if (points)
        points[found] = pt;
      found++;
    }
  return found;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Chooses the lesion threshold so that the more-affected lung has the
 * target share of lesion, then the consolidation threshold. */
static int
fit_lesion_thresholds (Phantom *ph, PhantomRng *rng, double consolidation_share)
{
  const size_t n = 60000;
  float *xyz = malloc (n * 3 * sizeof (float));
  PhantomPoint *points = malloc (n * sizeof (PhantomPoint));
  double *field = malloc (n * sizeof (double));
  size_t found, n_lesion = 0;
  double lo = -10, hi = 10;
  double target = ph->target_severity / 100.0;

  if (xyz == NULL || points == NULL || field == NULL)
    {
      free (xyz);
      free (points);
      free (field);
      return 0;
    }
  found = sample_lung_points (ph, rng, 0, n, xyz, points);
  for (size_t i = 0; i < found; i++)
    field[i] = phantom_lesion_field (ph, xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2], &points[i]);

  for (int it = 0; it < 60; it++)
    {
      double mid = 0.5 * (lo + hi);
      size_t count[3] = { 0 }, hit[3] = { 0 };
      double worst;
      for (size_t i = 0; i < found; i++)
        {
          count[points[i].lung]++;
          if (field[i] > mid)
            hit[points[i].lung]++;
        }
      worst = fmax (count[1] ? (double) hit[1] / count[1] : 0, count[2] ? (double) hit[2] / count[2] : 0);
      if (worst > target)
        lo = mid;
      else
        hi = mid;
    }
  ph->lesion_threshold = 0.5 * (lo + hi);

  /* Consolidation: the densest share of the lesion field. */
  for (size_t i = 0; i < found; i++)
    if (field[i] > ph->lesion_threshold)
      field[n_lesion++] = field[i];
  if (n_lesion > 0 && consolidation_share > 0)
    {
      size_t q;
      qsort (field, n_lesion, sizeof (double), compare_doubles);
      q = (size_t) ((1.0 - consolidation_share) * (n_lesion - 1));
      ph->consolidation_threshold = fmax (field[q], ph->lesion_threshold + 0.02);
    }
  else
    ph->consolidation_threshold = 1e9;

  free (xyz);
  free (points);
  free (field);
  return 1;
}

static void
place_nodules (Phantom *ph, PhantomRng *rng)
{
  int wanted = phantom_rng_int (rng, 1, 6);
  float xyz[3];
  PhantomPoint pt;

  ph->n_nodules = 0;
  for (int attempt = 0; attempt < 400 && ph->n_nodules < wanted; attempt++)
    {
      double r = phantom_rng_range (rng, 2.5, 12.5) * (0.6 + 0.4 * ph->scale);
      int ok = 1;
      if (sample_lung_points (ph, rng, 0, 1, xyz, &pt) != 1)
        break;
      if (pt.wall_mm < r + 2)
        continue;
      /* All of the nodule in the lung and away from the others. */
      for (int d = 0; d < 14 && ok; d++)
        {
          static const double dirs[14][3] = { { 1, 0, 0 },
                                              { -1, 0, 0 },
                                              { 0, 1, 0 },
                                              { 0, -1, 0 },
                                              { 0, 0, 1 },
                                              { 0, 0, -1 },
                                              { .577, .577, .577 },
                                              { -.577, .577, .577 },
                                              { .577, -.577, .577 },
                                              { .577, .577, -.577 },
                                              { -.577, -.577, .577 },
                                              { -.577, .577, -.577 },
                                              { .577, -.577, -.577 },
                                              { -.577, -.577, -.577 } };
          PhantomPoint probe;
          phantom_anatomy_sample (ph, xyz[0] + 1.3 * r * dirs[d][0], xyz[1] + 1.3 * r * dirs[d][1],
                                  xyz[2] + 1.3 * r * dirs[d][2], &probe);
          ok = probe.lung == pt.lung;
        }
      for (int m = 0; m < ph->n_nodules && ok; m++)
        {
          double dx = xyz[0] - ph->nodule_c[m][0], dy = xyz[1] - ph->nodule_c[m][1], dz = xyz[2] - ph->nodule_c[m][2];
          ok = sqrt (dx * dx + dy * dy + dz * dz) > r + ph->nodule_r[m] + 10;
        }
      if (!ok)
        continue;
      ph->nodule_c[ph->n_nodules][0] = xyz[0];
      ph->nodule_c[ph->n_nodules][1] = xyz[1];
      ph->nodule_c[ph->n_nodules][2] = xyz[2];
      ph->nodule_r[ph->n_nodules] = r;
      ph->nodule_hu[ph->n_nodules] = phantom_rng_range (rng, 15, 60) + (ph->contrast ? 25 : 0);
      ph->n_nodules++;
    }
}

static void
draw_lesions (Phantom *ph, PhantomRng *rng, char *error, size_t error_size, int *ok)
{
  double consolidation = 0;

  *ok = 1;
  ph->has_lesion_field = 0;
  ph->side_bias[0] = 0;
  ph->side_bias[1] = phantom_rng_range (rng, -0.25, 0.25);
  ph->side_bias[2] = -ph->side_bias[1];
  ph->lesion_edge = 0.1;
  ph->hu_ground_glass = phantom_rng_range (rng, -700, -500);
  ph->hu_consolidation = phantom_rng_range (rng, -20, 45) + (ph->contrast ? 20 : 0);
  ph->crazy_paving = phantom_rng_uniform (rng) < 0.6;
  ph->paving_cell_mm = phantom_rng_range (rng, 6, 11);
  ph->paving_hu = phantom_rng_range (rng, 120, 260);
  memset (ph->lobe_involved, 0, sizeof ph->lobe_involved);

  if (ph->klass == PHANTOM_CLASS_COVID)
    {
      double sev = ph->params.severity_percent;
      if (sev < 0)
        sev = 1.0 + 79.0 * pow (phantom_rng_uniform (rng), 1.5);
      ph->target_severity = sev;
      consolidation = sev < 12 ? 0 : 0.45 * fmin (1.0, (sev - 12) / 60.0);
      if (sev > 4 && phantom_rng_uniform (rng) < 0.3)
        consolidation += phantom_rng_range (rng, 0.03, 0.12);
      ph->has_lesion_field = sev > 0;
    }
  else if (ph->klass == PHANTOM_CLASS_BACTERIAL)
    {
      static const int lobes_by_chance[] = { LOBE_RIGHT_LOWER,  LOBE_RIGHT_LOWER, LOBE_LEFT_LOWER, LOBE_LEFT_LOWER,
                                             LOBE_RIGHT_MIDDLE, LOBE_RIGHT_UPPER, LOBE_LEFT_UPPER };
      int first = lobes_by_chance[phantom_rng_int (rng, 0, 6)];
      ph->lobe_involved[first] = 1;
      /* Usually one lobe; sometimes the neighbour or the other side too. */
      if (phantom_rng_uniform (rng) < 0.2)
        ph->lobe_involved[first <= LOBE_RIGHT_LOWER ? LOBE_LEFT_LOWER : LOBE_RIGHT_LOWER] = 1;
      ph->side_bias[1] = ph->side_bias[2] = 0;
      ph->target_severity = ph->params.severity_percent >= 0 ? ph->params.severity_percent
                                                             : phantom_rng_range (rng, 10, 40);
      consolidation = phantom_rng_range (rng, 0.6, 0.85);
      ph->crazy_paving = 0;
      ph->lesion_edge = 0.03;
      ph->has_lesion_field = ph->target_severity > 0;
    }
  else
    {
      ph->target_severity = -1;
      ph->crazy_paving = 0;
    }

  if (ph->has_lesion_field && !fit_lesion_thresholds (ph, rng, consolidation))
    {
      set_error (error, error_size, "out of memory while placing lesions");
      *ok = 0;
      return;
    }
  if (ph->klass == PHANTOM_CLASS_NODULES)
    place_nodules (ph, rng);
}

static int
grow_vessels (Phantom *ph)
{
  PhantomRng rng;
  size_t n = (size_t) (9000 * (0.4 + 0.6 * ph->scale));
  float *xyz = malloc (n * 3 * sizeof (float));
  double leaf = 0.35;
  int ok = 1;

  phantom_rng_init (&rng, ph->params.seed, STREAM_VESSELS);
  phantom_vessels_init (&ph->vessels);
  if (xyz == NULL)
    return 0;
  for (int side = PHANTOM_LUNG_RIGHT; side <= PHANTOM_LUNG_LEFT && ok; side++)
    {
      const PhantomTube *pa = &ph->tubes[side == PHANTOM_LUNG_RIGHT ? TUBE_PULMONARY_RIGHT : TUBE_PULMONARY_LEFT];
      double sign = side == PHANTOM_LUNG_RIGHT ? -1 : 1;
      double artery_root[3] = { pa->p[1][0] + ph->bx + sign * 6, pa->p[1][1] + ph->by, pa->p[1][2] };
      double vein_root[3] = { ph->bx + ph->heart_c[0] + sign * 0.35 * ph->heart_axes[0] + (sign < 0 ? -8 : 0),
                              ph->by + ph->heart_c[1] + 0.75 * ph->heart_axes[1],
                              ph->heart_c[2] + 0.2 * ph->heart_axes[2] };
      size_t got = sample_lung_points (ph, &rng, side, n, xyz, NULL);
      ok = phantom_vessels_grow (&ph->vessels, artery_root, xyz, got, leaf, PHANTOM_SEGMENT_ARTERY, 3.0,
                                 phantom_hash (ph->key, 100 + side));
      got = sample_lung_points (ph, &rng, side, n, xyz, NULL);
      ok = ok && phantom_vessels_grow (&ph->vessels, vein_root, xyz, got, leaf, PHANTOM_SEGMENT_VEIN, 1e9,
                                       phantom_hash (ph->key, 200 + side));
    }
  free (xyz);
  return ok && phantom_vessels_index (&ph->vessels, 4.0);
}

static inline double
clamp01 (double v)
{
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

static inline double
smooth01 (double v)
{
  v = clamp01 (v);
  return v * v * (3 - 2 * v);
}

/* HU of a lung point with its lesions; sets *lesion to the label. */
static double
lung_with_lesions (const Phantom *ph, double x, double y, double z, const PhantomPoint *pt, int *lesion)
{
  double hu = pt->hu;

  *lesion = PHANTOM_LESION_NONE;
  if (ph->has_lesion_field)
    {
      double f = phantom_lesion_field (ph, x, y, z, pt);
      double a = smooth01 ((f - ph->lesion_threshold) / (2 * ph->lesion_edge) + 0.5);
      if (a > 0)
        {
          double ggo = ph->hu_ground_glass + 70 * phantom_lattice_sample (&ph->field_fine, x, y, z + 300) +
                       60 * phantom_lattice_sample (&ph->field_mid, x, y, z + 300);
          double c = smooth01 ((f - ph->consolidation_threshold) / (2 * ph->lesion_edge) + 0.5);
          hu += a * (ggo - hu);
          if (ph->crazy_paving)
            {
              double border = phantom_worley_border (ph->key, x, y, z, ph->paving_cell_mm);
              double line = clamp01 (1.0 - border / 1.4);
              hu += a * (1 - c) * ph->paving_hu * line;
            }
          hu += c * (ph->hu_consolidation - hu);
          if (f > ph->lesion_threshold)
            *lesion = f > ph->consolidation_threshold ? PHANTOM_LESION_CONSOLIDATION : PHANTOM_LESION_GROUND_GLASS;
        }
    }
  for (int m = 0; m < ph->n_nodules; m++)
    {
      double dx = x - ph->nodule_c[m][0], dy = y - ph->nodule_c[m][1], dz = z - ph->nodule_c[m][2];
      double r = ph->nodule_r[m];
      double d2 = dx * dx + dy * dy + dz * dz;
      if (d2 < (1.3 * r + 2) * (1.3 * r + 2))
        {
          double lobulated = r * (1.0 + 0.12 * phantom_lattice_sample (&ph->field_fine, x * 0.5, y * 0.5, z * 0.5));
          double d = sqrt (d2);
          double m_cov = clamp01 ((lobulated - d) / ph->params.pixel_spacing_mm + 0.5);
          hu += m_cov * (ph->nodule_hu[m] - hu);
          if (d < lobulated)
            *lesion = PHANTOM_LESION_NODULE;
        }
    }
  return hu;
}

/* Small vessels: thin random tubes where both micro fields are near zero,
 * fading towards the pleura where real vessels get too thin to see. */
static double
add_microvessels (const Phantom *ph, double x, double y, double z, const PhantomPoint *pt, double hu)
{
  double a = phantom_lattice_sample (&ph->field_micro[0], x, y, z);
  double b, r2, cover;

  if (fabs (a) > 3.0 * ph->micro_width)
    return hu;
  b = phantom_lattice_sample (&ph->field_micro[1], x, y, z);
  r2 = (a * a + b * b) / (ph->micro_width * ph->micro_width);
  if (r2 > 9.0)
    return hu;
  cover = exp (-0.5 * r2) * clamp01 (pt->wall_mm / 12.0);
  return hu + cover * fmax (0.0, ph->micro_hu - hu) * 0.5;
}

static void
gaussian_kernel (double sigma_px, double *w, int *radius)
{
  double sum = 0;
  *radius = (int) ceil (3.0 * sigma_px);
  if (*radius > 8)
    *radius = 8;
  for (int i = -*radius; i <= *radius; i++)
    {
      w[i + *radius] = exp (-0.5 * i * i / (sigma_px * sigma_px));
      sum += w[i + *radius];
    }
  for (int i = 0; i <= 2 * *radius; i++)
    w[i] /= sum;
}

/* Separable in-plane blur of an nx x ny image; tmp has nx * ny floats. */
static void
blur_plane (float *img, float *tmp, int nx, int ny, double sigma_px)
{
  double w[17];
  int r;

  if (sigma_px < 0.2)
    return;
  gaussian_kernel (sigma_px, w, &r);
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++)
      {
        double acc = 0;
        for (int d = -r; d <= r; d++)
          {
            int ii = i + d < 0 ? 0 : i + d >= nx ? nx - 1 : i + d;
            acc += w[d + r] * img[(size_t) j * nx + ii];
          }
        tmp[(size_t) j * nx + i] = (float) acc;
      }
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++)
      {
        double acc = 0;
        for (int d = -r; d <= r; d++)
          {
            int jj = j + d < 0 ? 0 : j + d >= ny ? ny - 1 : j + d;
            acc += w[d + r] * tmp[(size_t) jj * nx + i];
          }
        img[(size_t) j * nx + i] = (float) acc;
      }
}

/* Renders canonical slice k (0 = most superior) into the output arrays. */
static void
render_slice (const Phantom *ph, PhantomStudy *study, int k, float *work)
{
  const PhantomParams *p = &ph->params;
  int nx = p->nx, ny = p->ny;
  size_t plane = (size_t) nx * ny;
  double ps = p->pixel_spacing_mm;
  /* Sub-slices 1.25 mm apart integrate the slice profile; at most 3 keep
   * thick slices affordable (small vessels then alias a little). */
  int n_sub = (int) ceil (ph->thickness / 1.25 - 1e-9);
  float *acc = work, *vessel = work + plane, *airway = work + 2 * plane, *wall = work + 3 * plane;
  float *hilar = work + 4 * plane;
  uint8_t *lung_votes = (uint8_t *) (work + 5 * plane); /* [plane][3] */
  uint8_t *lesion_votes = lung_votes + 3 * plane;       /* [plane][4] */
  int k_out = study->feet_first ? p->nz - 1 - k : k;
  double zc = ph->z_top - k * p->slice_spacing_mm;

  if (n_sub < 1)
    n_sub = 1;
  if (n_sub > 3)
    n_sub = 3;
  memset (acc, 0, plane * sizeof (float));
  memset (lung_votes, 0, plane * 7);

  for (int sub = 0; sub < n_sub; sub++)
    {
      double z = zc + ph->thickness * ((sub + 0.5) / n_sub - 0.5);
      memset (vessel, 0, 4 * plane * sizeof (float));
      /* Vessels and bronchi 4 mm or more in radius are hilar: in the
       * image, not in the lung mask. */
      phantom_vessels_rasterize (&ph->vessels, z, ph->x0, ph->y0, ps, nx, ny, vessel, airway, wall, 4.0 * ph->scale,
                                 hilar);
      for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++)
          {
            size_t idx = (size_t) j * nx + i;
            double x = ph->x0 + i * ps, y = ph->y0 + j * ps;
            PhantomPoint pt;
            double hu;
            int lesion = 0;

            phantom_anatomy_sample (ph, x, y, z, &pt);
            hu = pt.hu;
            if (pt.lung != PHANTOM_LUNG_NONE)
              {
                hu = lung_with_lesions (ph, x, y, z, &pt, &lesion);
                hu = add_microvessels (ph, x, y, z, &pt, hu);
                if (vessel[idx] > 0 && ph->hu_vessel > hu)
                  hu += vessel[idx] * (ph->hu_vessel - hu);
                if (wall[idx] > 0)
                  hu += wall[idx] * (fmax (hu, 40.0) - hu);
                if (airway[idx] > 0)
                  hu += airway[idx] * (-990.0 - hu);
                if (hilar[idx] >= 0.5)
                  {
                    pt.lung = PHANTOM_LUNG_NONE;
                    lesion = PHANTOM_LESION_NONE;
                  }
              }
            acc[idx] += (float) hu;
            lung_votes[3 * idx + pt.lung]++;
            lesion_votes[4 * idx + lesion]++;
          }
    }

  /* Masks by majority over the sub-slices; lesions only inside lungs. */
  for (size_t idx = 0; idx < plane; idx++)
    {
      const uint8_t *lv = &lung_votes[3 * idx], *sv = &lesion_votes[4 * idx];
      int j = (int) (idx / nx), i = (int) (idx % nx);
      int i_out = study->mirror_columns ? nx - 1 - i : i;
      size_t out = ((size_t) k_out * ny + j) * nx + i_out;
      int lung = 0, lesion = 0;

      if (2 * (lv[1] + lv[2]) > n_sub)
        lung = lv[2] > lv[1] ? PHANTOM_LUNG_LEFT : PHANTOM_LUNG_RIGHT;
      if (lung && 2 * (sv[1] + sv[2] + sv[3]) > n_sub)
        {
          lesion = 1;
          for (int l = 2; l <= 3; l++)
            if (sv[l] > sv[lesion])
              lesion = l;
        }
      study->lungs[out] = (uint8_t) lung;
      study->lesions[out] = (uint8_t) lesion;
      acc[idx] /= (float) n_sub;
    }

  /* Partial-volume blur, then correlated noise. */
  blur_plane (acc, vessel, nx, ny, ph->blur_mm / ps);
  {
    uint64_t key = phantom_hash (ph->key, STREAM_NOISE);
    double sigma = ph->noise_corr_px;
    double w[17], gain = 0;
    int r;
    float *noise = airway;
    gaussian_kernel (sigma, w, &r);
    for (int d = 0; d <= 2 * r; d++)
      gain += w[d] * w[d];
    gain = 1.0 / gain; /* 2-D variance factor of the separable filter is (sum w^2)^2 */
    for (size_t idx = 0; idx < plane; idx++)
      noise[idx] = (float) phantom_hash_normal (key, (uint64_t) k * plane + idx);
    blur_plane (noise, vessel, nx, ny, sigma);
    for (int j = 0; j < ny; j++)
      for (int i = 0; i < nx; i++)
        {
          size_t idx = (size_t) j * nx + i;
          int i_out = study->mirror_columns ? nx - 1 - i : i;
          size_t out = ((size_t) k_out * ny + j) * nx + i_out;
          double x = ph->x0 + i * ps - ph->fov_cx, y = ph->y0 + j * ps - ph->fov_cy;
          double v = acc[idx] + ph->noise_hu * gain * noise[idx];
          if (ph->padding_hu != 0 && x * x + y * y > ph->fov_radius * ph->fov_radius)
            v = ph->padding_hu;
          else if (v < -1300)
            v = -1300;
          study->hu[out] = (float) v;
        }
  }
}

void
phantom_study_measure (PhantomStudy *study)
{
  size_t plane = (size_t) study->nx * study->ny;
  size_t n = plane * study->nz;
  size_t lung[3] = { 0 }, lesion[3] = { 0 };
  double voxel_ml = study->spacing[0] * study->spacing[1] * study->spacing[2] / 1000.0;
  double sr, sl;

  study->lungs_touch_first_slice = 0;
  study->lungs_touch_last_slice = 0;
  for (size_t i = 0; i < n; i++)
    {
      int l = study->lungs[i];
      if (l > 2)
        l = 0;
      lung[l]++;
      if (l && study->lesions[i])
        lesion[l]++;
      if (l && i < plane)
        study->lungs_touch_first_slice = 1;
      if (l && i >= n - plane)
        study->lungs_touch_last_slice = 1;
    }
  sr = lung[1] ? 100.0 * lesion[1] / lung[1] : 0;
  sl = lung[2] ? 100.0 * lesion[2] / lung[2] : 0;
  study->severity_right_percent = sr;
  study->severity_left_percent = sl;
  study->severity_percent = sr > sl ? sr : sl;
  study->severity_total_percent = lung[1] + lung[2] ? 100.0 * (lesion[1] + lesion[2]) / (lung[1] + lung[2]) : 0;
  study->right_lung_ml = lung[1] * voxel_ml;
  study->left_lung_ml = lung[2] * voxel_ml;
  study->lung_volume_ml = (lung[1] + lung[2]) * voxel_ml;
  study->lesion_volume_ml = (lesion[1] + lesion[2]) * voxel_ml;
}

PhantomStudy *
phantom_generate (const PhantomParams *params, char *error, size_t error_size)
{
  Phantom *ph;
  PhantomStudy *study;
  PhantomRng rng;
  size_t n;
  int ok = 1;
  const PhantomParams *p = params;

  if (p->nx < 16 || p->ny < 16 || p->nx > 4096 || p->ny > 4096 || p->nz < 2 || p->nz > 8192)
    {
      set_error (error, error_size, "volume size %d x %d x %d is outside 16..4096 x 16..4096 x 2..8192", p->nx, p->ny,
                 p->nz);
      return NULL;
    }
  if (!(p->pixel_spacing_mm >= 0.1 && p->pixel_spacing_mm <= 10) ||
      !(p->slice_spacing_mm >= 0.1 && p->slice_spacing_mm <= 20) || !(p->slice_thickness_mm <= 20))
    {
      set_error (error, error_size, "spacing must be 0.1..10 mm in-plane and 0.1..20 mm between slices");
      return NULL;
    }
  if (p->severity_percent > 100 || p->klass >= PHANTOM_N_CLASSES || p->klass < -1)
    {
      set_error (error, error_size, "severity must be at most 100 %% and the class one of %d", PHANTOM_N_CLASSES);
      return NULL;
    }

  ph = calloc (1, sizeof *ph);
  study = calloc (1, sizeof *study);
  if (ph == NULL || study == NULL)
    {
      free (ph);
      free (study);
      set_error (error, error_size, "out of memory");
      return NULL;
    }
  ph->params = *p;
  ph->key = phantom_hash (p->seed, 0x7068616e746f6dULL);
  ph->thickness = p->slice_thickness_mm > 0 ? p->slice_thickness_mm : p->slice_spacing_mm;

  phantom_rng_init (&rng, p->seed, STREAM_CLASS);
  ph->klass = p->klass >= 0 ? (PhantomClass) p->klass : (PhantomClass) phantom_rng_int (&rng, 0, PHANTOM_N_CLASSES - 1);
  ph->contrast = p->contrast >= 0 ? p->contrast : phantom_rng_uniform (&rng) < 0.5;

  phantom_rng_init (&rng, p->seed, STREAM_ANATOMY);
  phantom_anatomy_draw (ph, &rng);
  if (ph->height < 20)
    {
      set_error (error, error_size, "the scanned range (%.0f mm) is too short for lungs",
                 (p->nz - 1) * p->slice_spacing_mm);
      phantom_clear (ph);
      free (ph);
      free (study);
      return NULL;
    }

  /* Image formation: resolution, noise, storage choices of a scanner. */
  phantom_rng_init (&rng, p->seed, STREAM_IMAGE);
  {
    static const double intercepts[] = { -1024, -1024, -1024, -1000, 0, -2048, -8192 };
    static const double paddings[] = { 0, -3024, -3024, -2048, -1024, -2000 };
    /* Scanners tune dose and reconstruction to similar noise at any
     * thickness. In the real covid-ny-sbu slices, flat soft-tissue patches
     * show 8-30 HU with a neighbour correlation of 0.3-0.7. */
    double noise = p->noise_hu >= 0 ? p->noise_hu : phantom_rng_range (&rng, 8, 32);
    ph->blur_mm = phantom_rng_range (&rng, 0.25, 0.5);
    ph->noise_corr_px = fmax (0.35, phantom_rng_range (&rng, 0.55, 0.85) / p->pixel_spacing_mm);
    ph->micro_width = phantom_rng_range (&rng, 0.04, 0.06);
    /* Sub-voxel vessels never reach blood density: partial volume. */
    ph->micro_hu = phantom_rng_range (&rng, -560, -380);
    ph->noise_hu = noise;
    ph->rescale_intercept = intercepts[phantom_rng_int (&rng, 0, 6)];
    ph->padding_hu = paddings[phantom_rng_int (&rng, 0, 5)];
  }

  ok = init_fields (ph);
  if (!ok)
    set_error (error, error_size, "out of memory for the noise fields");
  if (ok)
    {
      phantom_rng_init (&rng, p->seed, STREAM_LESIONS);
      draw_lesions (ph, &rng, error, error_size, &ok);
    }
  if (ok && !grow_vessels (ph))
    {
      ok = 0;
      set_error (error, error_size, "out of memory for the vessel trees");
    }

  n = (size_t) p->nx * p->ny * p->nz;
  if (ok)
    {
      study->hu = malloc (n * sizeof (float));
      study->lungs = malloc (n);
      study->lesions = malloc (n);
      if (study->hu == NULL || study->lungs == NULL || study->lesions == NULL)
        {
          ok = 0;
          set_error (error, error_size, "out of memory for a %d x %d x %d volume", p->nx, p->ny, p->nz);
        }
    }
  if (!ok)
    {
      phantom_clear (ph);
      free (ph);
      phantom_study_free (study);
      return NULL;
    }

  study->nx = p->nx;
  study->ny = p->ny;
  study->nz = p->nz;
  study->spacing[0] = study->spacing[1] = p->pixel_spacing_mm;
  study->spacing[2] = p->slice_spacing_mm;
  study->slice_thickness_mm = ph->thickness;
  study->klass = ph->klass;
  study->seed = p->seed;
  study->feet_first = p->feet_first != 0;
  study->mirror_columns = p->mirror_columns != 0;
  memset (study->direction, 0, sizeof study->direction);
  study->direction[0] = study->mirror_columns ? -1 : 1;
  study->direction[4] = 1;
  study->direction[8] = study->feet_first ? 1 : -1;
  study->origin[0] = study->mirror_columns ? ph->x0 + (p->nx - 1) * p->pixel_spacing_mm : ph->x0;
  study->origin[1] = ph->y0;
  study->origin[2] = study->feet_first ? ph->z_top - (p->nz - 1) * p->slice_spacing_mm : ph->z_top;
  study->target_severity_percent = ph->has_lesion_field
                                       ? ph->target_severity
                                       : (ph->klass == PHANTOM_CLASS_COVID || ph->klass == PHANTOM_CLASS_BACTERIAL
                                              ? 0
                                              : -1);
  study->n_nodules = ph->n_nodules;
  study->contrast = ph->contrast;
  study->crazy_paving = ph->klass == PHANTOM_CLASS_COVID && ph->crazy_paving;
  study->noise_hu = ph->noise_hu;
  study->rescale_intercept = ph->rescale_intercept;
  study->rescale_slope = 1.0;
  study->padding_hu = ph->padding_hu;
  study->patient_position_mm[0] = ph->bx;
  study->patient_position_mm[1] = ph->by;
  study->patient_position_mm[2] = ph->z_carina;

  {
    size_t plane = (size_t) p->nx * p->ny;
    size_t work_bytes = plane * (5 * sizeof (float) + 7);
    int n_threads = 1;
#ifdef _OPENMP
    n_threads = p->threads > 0 ? p->threads : omp_get_max_threads ();
#endif
    (void) n_threads; /* unused without OpenMP */
#pragma omp parallel num_threads(n_threads)
    {
      float *work = malloc (work_bytes);
#pragma omp for schedule(dynamic, 1)
      for (int k = 0; k < p->nz; k++)
        if (work != NULL)
          render_slice (ph, study, k, work);
      if (work == NULL)
        {
#pragma omp atomic write
          ok = 0;
        }
      free (work);
    }
  }
  phantom_clear (ph);
  free (ph);
  if (!ok)
    {
      set_error (error, error_size, "out of memory while rendering");
      phantom_study_free (study);
      return NULL;
    }
  phantom_study_measure (study);
  return study;
}

int
phantom_study_write_json (const PhantomStudy *s, const char *extra_members, FILE *out)
{
  fprintf (out, "{\n");
  if (extra_members != NULL)
    fputs (extra_members, out);
  fprintf (out, "  \"generator\": \"ct-triage phantom\",\n");
  fprintf (out, "  \"format_version\": 1,\n");
  fprintf (out, "  \"seed\": %llu,\n", (unsigned long long) s->seed);
  fprintf (out, "  \"class\": \"%s\",\n", phantom_class_name (s->klass));
  fprintf (out, "  \"dims\": [%d, %d, %d],\n", s->nx, s->ny, s->nz);
  fprintf (out, "  \"spacing_mm\": [%.6g, %.6g, %.6g],\n", s->spacing[0], s->spacing[1], s->spacing[2]);
  fprintf (out, "  \"slice_thickness_mm\": %.6g,\n", s->slice_thickness_mm);
  fprintf (out, "  \"origin_lps_mm\": [%.6f, %.6f, %.6f],\n", s->origin[0], s->origin[1], s->origin[2]);
  fprintf (out, "  \"direction\": [%g, %g, %g, %g, %g, %g, %g, %g, %g],\n", s->direction[0], s->direction[1],
           s->direction[2], s->direction[3], s->direction[4], s->direction[5], s->direction[6], s->direction[7],
           s->direction[8]);
  fprintf (out, "  \"feet_first\": %s,\n", s->feet_first ? "true" : "false");
  fprintf (out, "  \"mirror_columns\": %s,\n", s->mirror_columns ? "true" : "false");
  fprintf (out, "  \"severity_percent\": %.4f,\n", s->severity_percent);
  fprintf (out, "  \"severity_total_percent\": %.4f,\n", s->severity_total_percent);
  fprintf (out, "  \"severity_right_percent\": %.4f,\n", s->severity_right_percent);
  fprintf (out, "  \"severity_left_percent\": %.4f,\n", s->severity_left_percent);
  fprintf (out, "  \"target_severity_percent\": %.4f,\n", s->target_severity_percent);
  fprintf (out, "  \"lung_volume_ml\": %.3f,\n", s->lung_volume_ml);
  fprintf (out, "  \"right_lung_ml\": %.3f,\n", s->right_lung_ml);
  fprintf (out, "  \"left_lung_ml\": %.3f,\n", s->left_lung_ml);
  fprintf (out, "  \"lesion_volume_ml\": %.3f,\n", s->lesion_volume_ml);
  fprintf (out, "  \"lungs_touch_first_slice\": %s,\n", s->lungs_touch_first_slice ? "true" : "false");
  fprintf (out, "  \"lungs_touch_last_slice\": %s,\n", s->lungs_touch_last_slice ? "true" : "false");
  fprintf (out, "  \"n_nodules\": %d,\n", s->n_nodules);
  fprintf (out, "  \"contrast\": %s,\n", s->contrast ? "true" : "false");
  fprintf (out, "  \"crazy_paving\": %s,\n", s->crazy_paving ? "true" : "false");
  fprintf (out, "  \"noise_hu\": %.3f,\n", s->noise_hu);
  fprintf (out, "  \"rescale_intercept\": %g,\n", s->rescale_intercept);
  fprintf (out, "  \"rescale_slope\": %g,\n", s->rescale_slope);
  fprintf (out, "  \"padding_hu\": %g,\n", s->padding_hu);
  fprintf (out, "  \"lung_labels\": {\"right\": 1, \"left\": 2},\n");
  fprintf (out, "  \"lesion_labels\": {\"ground_glass\": 1, \"consolidation\": 2, \"nodule\": 3}\n");
  fprintf (out, "}\n");
  return ferror (out) ? 0 : 1;
}
