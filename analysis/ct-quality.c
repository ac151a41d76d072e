/* SPDX-License-Identifier: MIT */
#include "ct-quality.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>

#define NOISE_MAX_SLICES 16
#define NOISE_MIN_SAMPLES 2000
#define NOISE_TISSUE_LOW_HU (-80.0f)
#define NOISE_TISSUE_HIGH_HU 120.0f

static int
compare_floats (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

static float
median_in_place (float *values, gsize n)
{
  qsort (values, n, sizeof *values, compare_floats);
  return n % 2 ? values[n / 2] : 0.5f * (values[n / 2 - 1] + values[n / 2]);
}

double
ct_quality_estimate_noise_hu (const CtVolume *v)
{
  g_autoptr (GArray) residuals = g_array_new (FALSE, FALSE, sizeof (float));
  int n_slices = MIN (v->nz, NOISE_MAX_SLICES);
  int step = MAX (2, MAX (v->nx, v->ny) / 128);
  float centre;

  if (v->nx < 3 || v->ny < 3)
    return NAN;
  for (int t = 0; t < n_slices; t++)
    {
      int k = (int) (((gsize) t * 2 + 1) * v->nz / (2 * (gsize) n_slices));
      const float *plane = v->hu + (gsize) k * v->ny * v->nx;

      /* Sampling rows and columns keeps the count near 16 x 128 x 128. */
      for (int j = 1; j < v->ny - 1; j += step)
        for (int i = 1; i < v->nx - 1; i += step)
          {
            float sum = 0, mean, residual;
            for (int dj = -1; dj <= 1; dj++)
              for (int di = -1; di <= 1; di++)
                sum += plane[(gsize) (j + dj) * v->nx + i + di];
            mean = sum / 9.0f;
            if (!(mean >= NOISE_TISSUE_LOW_HU && mean <= NOISE_TISSUE_HIGH_HU))
              continue;
            residual = plane[(gsize) j * v->nx + i] - mean;
            g_array_append_val (residuals, residual);
          }
    }
  if (residuals->len < NOISE_MIN_SAMPLES)
    return NAN;
  centre = median_in_place ((float *) residuals->data, residuals->len);
  for (guint q = 0; q < residuals->len; q++)
    g_array_index (residuals, float, q) = fabsf (g_array_index (residuals, float, q) - centre);
  return 1.4826 * median_in_place ((float *) residuals->data, residuals->len) * sqrt (9.0 / 8.0);
}

double
ct_quality_air_share (const CtVolume *v)
{
  gsize n = ct_volume_n_voxels (v), air = 0, sampled = 0;

  /* A stride prime to the usual matrix sizes samples every row and slice. */
  for (gsize q = 0; q < n; q += 7, sampled++)
    air += v->hu[q] < CT_QUALITY_AIR_HU;
  return sampled > 0 ? (double) air / sampled : 0.0;
}

void
ct_quality_measure_lungs (const CtReorient *r, const guint8 *lung_mask, CtQualityMeasures *out)
{
  int n = r->net_dims[0];
  g_autofree gsize *counts = g_new0 (gsize, n);
  double pixel_mm2 = r->net_spacing[1] * r->net_spacing[2];
  gsize max_count = 0;

  /* The network slice index of a voxel depends on one volume axis only. */
  for (int s = 0; s < n; s++)
    for (int row = 0; row < r->net_dims[1]; row++)
      {
        gssize index = (gssize) ct_reorient_volume_index (r, s, row, 0);
        for (int c = 0; c < r->net_dims[2]; c++, index += r->step[2])
          counts[s] += lung_mask[index] != 0;
      }
  for (int s = 0; s < n; s++)
    max_count = MAX (max_count, counts[s]);
  out->max_slice_area_mm2 = max_count * pixel_mm2;
  out->first_slice_area_mm2 = n > 0 ? counts[0] * pixel_mm2 : 0;
  out->last_slice_area_mm2 = n > 0 ? counts[n - 1] * pixel_mm2 : 0;
}

static gboolean
is_cut (double area_mm2, double max_area_mm2)
{
  return area_mm2 >= CT_QUALITY_CUT_MIN_AREA_MM2 && area_mm2 >= CT_QUALITY_CUT_MIN_AREA_SHARE * max_area_mm2;
}

CtQualityFlags
ct_quality_assess (const CtReorient *r, const CtQualityMeasures *m, double lung_volume_ml, GPtrArray *notes)
{
  CtQualityFlags flags = 0;

  if (lung_volume_ml < CT_QUALITY_MIN_LUNG_ML || m->max_slice_area_mm2 < CT_QUALITY_MIN_MAX_AREA_MM2)
    {
      flags |= CT_QUALITY_NOT_CHEST;
      g_ptr_array_add (notes, g_strdup_printf (_ ("Little or no lung found (%.0f ml, largest slice %.0f cm²): "
                                                  "this may not be a chest CT, and its results mean little."),
                                               lung_volume_ml, m->max_slice_area_mm2 / 100.0));
    }
  else
    {
      /* Cut-off lungs only make sense once there is a chest. */
      if (is_cut (m->first_slice_area_mm2, m->max_slice_area_mm2))
        {
          flags |= CT_QUALITY_LUNGS_CUT_TOP;
          g_ptr_array_add (notes,
                           g_strdup_printf (_ ("The lungs reach the most superior slice (%.0f cm² of lung there): "
                                               "the apices may be cut off, and severity covers only the scanned part."),
                                            m->first_slice_area_mm2 / 100.0));
        }
      if (is_cut (m->last_slice_area_mm2, m->max_slice_area_mm2))
        {
          flags |= CT_QUALITY_LUNGS_CUT_BOTTOM;
          g_ptr_array_add (
              notes, g_strdup_printf (_ ("The lungs reach the most inferior slice (%.0f cm² of lung there): "
                                         "the lung bases may be cut off, and severity covers only the scanned part."),
                                      m->last_slice_area_mm2 / 100.0));
        }
    }
  if (m->air_share < CT_QUALITY_MIN_AIR_SHARE)
    {
      flags |= CT_QUALITY_NOT_HU;
      g_ptr_array_add (notes,
                       g_strdup_printf (_ ("Almost no voxel is below %.0f HU (%.2f %%), yet a chest CT holds air: "
                                           "the values may not be Hounsfield units (rescale slope and intercept "
                                           "not applied?)."),
                                        CT_QUALITY_AIR_HU, 100.0 * m->air_share));
    }
  /* The networks read axial slices. A coronal or sagittal volume is
   * re-sliced exactly (step 1), but a few such images (a slab) cover too
   * little of the chest across to make axial slices of. */
  if (r->volume_axis[CT_NET_AXIS_SLICE] != 2)
    {
      double coverage_mm = 0;

      for (int a = 0; a < 3; a++)
        if (r->volume_axis[a] == 2)
          coverage_mm = r->volume_dims[2] * r->net_spacing[a];
      if (coverage_mm < CT_QUALITY_MIN_SLAB_MM)
        {
          flags |= CT_QUALITY_NOT_AXIAL;
          g_ptr_array_add (notes, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                                "The study is %d coronal or sagittal image (%.0f mm "
                                                                "across): axial slices cannot be made of it, and the "
                                                                "networks read axial slices.",
                                                                "The study is %d coronal or sagittal images (%.0f mm "
                                                                "across): axial slices cannot be made of them, and the "
                                                                "networks read axial slices.",
                                                                r->volume_dims[2]),
                                                   r->volume_dims[2], coverage_mm));
        }
    }
  if (r->net_spacing[0] > CT_QUALITY_MAX_SLICE_SPACING_MM + 1e-6)
    {
      flags |= CT_QUALITY_THICK_SLICES;
      g_ptr_array_add (notes, g_strdup_printf (_ ("Slices are %.1f mm apart (more than %.0f mm): small lesions may be "
                                                  "missed and volumes are coarse."),
                                               r->net_spacing[0], CT_QUALITY_MAX_SLICE_SPACING_MM));
    }
  if (isfinite (m->noise_hu) && m->noise_hu > CT_QUALITY_NOISE_LIMIT_HU)
    {
      flags |= CT_QUALITY_NOISY;
      g_ptr_array_add (notes,
                       g_strdup_printf (_ ("The image is very noisy (about %.0f HU in soft tissue, more than %.0f HU): "
                                           "ground glass may be over- or under-called."),
                                        m->noise_hu, CT_QUALITY_NOISE_LIMIT_HU));
    }
  return flags;
}
