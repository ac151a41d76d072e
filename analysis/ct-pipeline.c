/* SPDX-License-Identifier: MIT */
/* ct-pipeline.c: ct_analysis_run (), docs/architecture.md, "The method".
 *
 * Grids: the volume's own grid V [nz][ny][nx] (caller's HU floats); the
 * network grid N [n][h][w] = V permuted and flipped (ct-reorient.h), never
 * materialised at native resolution; the 2 mm grid M [n][h2][w2] = N resampled
 * in plane (slice axis kept).
 *
 * Peak buffers, besides the caller's volume (4 bytes per voxel of V) and the
 * engine's own activations:
 *   windowed input on M (4 bytes/voxel of M, freed once cropped),
 *   lung probability on M (4 bytes/voxel of M, until the masks are written),
 *   cropped input and cropped lesion probability (4 + 4 bytes per voxel of the
 *     lung box, at most M each),
 *   pasted lesion probability on M (4 bytes/voxel of M, allocated after the
 *     cropped input is freed),
 *   the two result masks on V (1 byte per voxel each),
 *   the lung mask on M (1 byte/voxel of M, until the masks are written) and,
 *     briefly in attach_lesions (), a lesion mask and component labels on M
 *     (1 + 4 bytes/voxel of M); before it, in the lung clean-up, a body mask,
 *     component labels and a search queue (1 + 4 + 8 bytes/voxel of M, one
 *     byte more than ct_lung_box_keep_lungs () right after it).
 * With 0.7 mm pixels M has about 1/8 of V's voxels, so the pipeline adds
 * roughly 0.5 x the volume's float size for the masks and about 0.25 x for
 * the 2 mm buffers: never a second full-size float copy of the volume.
 */
#include "ct-analysis.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "ct-category.h"
#include "ct-error.h"
#include "ct-lung-box.h"
#include "ct-lung-cleanup.h"
#include "ct-quality.h"
#include "ct-reorient.h"
#include "ct-resample.h"
#include "ct-threads.h"
#include "ct-severity.h"
#include "ct-triage-score.h"
#include "ct-window.h"

/* The classifier's pyramid pooling needs 8 voxels along every axis. */
#define CLASSIFIER_MIN_SIZE 8

#define DEFAULT_SPACING_MM 2.0
#define DEFAULT_LUNG_THRESHOLD 0.5
#define DEFAULT_LESION_THRESHOLD 0.2

/* The body outline of the lung clean-up (ct-lung-cleanup.h): soft tissue and
 * bone, not fat-free air nor lung. */
#define CT_BODY_THRESHOLD_HU (-500.0)
/* Air outside the body: darker than any aerated lung but emphysema. */
#define CT_OUTSIDE_AIR_HU (-950.0)

/* Lesion clean-up (see attach_lesions ()): the smallest lesion reported, in
 * ml, and the share of a lesion region that must lie in the lung mask for
 * the rest of it to be counted as (consolidated) lung. */
#define CT_MIN_LESION_ML 0.1
#define CT_MIN_LESION_SHARE_IN_LUNG 0.5

/* Overall progress: the share of the work each stage ends at. */
#define PROGRESS_PREPROCESSED 0.03
#define PROGRESS_LUNGS 0.40
#define PROGRESS_LESIONS 0.92

typedef struct
{
  const CtAnalysisOptions *options;
  const char *stage;
  double from, to;
} StageProgress;

static gboolean
report (const CtAnalysisOptions *options, double fraction, const char *stage, GError **error)
{
  if (options->progress != NULL && !options->progress (fraction, stage, options->progress_data))
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_CANCELLED, _ ("The analysis was cancelled"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
forward_model_progress (int slices_done, int slices_total, gpointer user_data)
{
  StageProgress *stage = user_data;
  double part = slices_total > 0 ? (double) slices_done / slices_total : 1.0;

  if (stage->options->progress == NULL)
    return TRUE;
  return stage->options->progress (stage->from + (stage->to - stage->from) * part, stage->stage,
                                   stage->options->progress_data);
}

/* Network settings read from the models' metadata (docs/networks.md). */
typedef struct
{
  double spacing_mm[2]; /* rows, columns of the 2 mm grid */
  CtWindow window;
  double lung_threshold;
  double lesion_threshold;
} NetworkSettings;

static gboolean
parse_spacing (const char *text, double out[2])
{
  char *end;

  if (text == NULL)
    {
      out[0] = out[1] = DEFAULT_SPACING_MM;
      return TRUE;
    }
  out[0] = g_ascii_strtod (text, &end);
  if (end == text || *end != ',')
    return FALSE;
  text = end + 1;
  out[1] = g_ascii_strtod (text, &end);
  return end != text && out[0] > 0.1 && out[0] < 100 && out[1] > 0.1 && out[1] < 100;
}

static gboolean
parse_threshold (const char *text, double fallback, double *out)
{
  char *end;

  if (text == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  *out = g_ascii_strtod (text, &end);
  return end != text && *out > 0 && *out < 1;
}

static gboolean
read_settings (CtModel *lungs, CtModel *multitask, NetworkSettings *out, GError **error)
{
  CtModel *models[2] = { lungs, multitask };
  double spacing[2][2];
  CtWindow window[2];

  for (int m = 0; m < 2; m++)
    {
      const char *window_text = ct_model_get_metadata (models[m], "hu_window");

      if (!parse_spacing (ct_model_get_metadata (models[m], "pixel_spacing_mm"), spacing[m]))
        {
          g_set_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS, _ ("Model %s has an unusable pixel_spacing_mm"),
                       ct_model_get_name (models[m]));
          return FALSE;
        }
      if (window_text == NULL)
        {
          window[m].low_hu = -1000;
          window[m].high_hu = 300;
        }
      else if (!ct_window_parse (window_text, &window[m]))
        {
          g_set_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS, _ ("Model %s has an unusable hu_window"),
                       ct_model_get_name (models[m]));
          return FALSE;
        }
    }
  /* Both networks read the same input stack. */
  if (spacing[0][0] != spacing[1][0] || spacing[0][1] != spacing[1][1] || window[0].low_hu != window[1].low_hu ||
      window[0].high_hu != window[1].high_hu)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS,
                   _ ("The lung model %s and the lesion model %s expect different input spacing or HU window"),
                   ct_model_get_name (lungs), ct_model_get_name (multitask));
      return FALSE;
    }
  double fallback[2] = { DEFAULT_LUNG_THRESHOLD, DEFAULT_LESION_THRESHOLD };
  double *threshold[2] = { &out->lung_threshold, &out->lesion_threshold };
  for (int m = 0; m < 2; m++)
    {
      const char *text = ct_model_get_metadata (models[m], "threshold");

      if (!parse_threshold (text, fallback[m], threshold[m]))
        {
          g_set_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS,
                       _ ("Model %s has threshold \"%s\", which is not a number between 0 and 1"),
                       ct_model_get_name (models[m]), text);
          return FALSE;
        }
    }
  memcpy (out->spacing_mm, spacing[0], sizeof out->spacing_mm);
  out->window = window[0];
  return TRUE;
}

/* A float stack [n][h][w] of the network grid, or NULL with an error that
 * says how large it was and of what volume, so the user sees the cause (the
 * loader refuses absurd spacing before this; what is left is a real, large
 * volume on a small machine). */
static float *
try_alloc_floats (int n, int h, int w, gboolean zero, const CtVolume *volume, GError **error)
{
  gsize count = (gsize) n * h * w;
  float *p = zero ? g_try_malloc0_n (count, sizeof (float)) : g_try_malloc_n (count, sizeof (float));

  if (p == NULL)
    g_set_error (error, CT_ERROR, CT_ERROR_FAILED,
                 _ ("Not enough memory for the analysis: %lu MB for a %d x %d x %d network stack "
                    "of a %d x %d x %d volume"),
                 (unsigned long) (count * sizeof (float) >> 20), w, h, n, volume->nx, volume->ny, volume->nz);
  return p;
}

/* Volume -> windowed 2 mm stack [n][h2][w2], bilinear in plane straight from
 * the volume through the reorientation (no native-resolution copy). */
static void
build_input (const CtVolume *volume, const CtReorient *r, const CtResampleAxis *rows, const CtResampleAxis *cols,
             const CtWindow *window, int n_threads, float *out)
{
  int n = r->net_dims[0], h2 = rows->n_out, w2 = cols->n_out;

#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (int s = 0; s < n; s++)
    for (int y = 0; y < h2; y++)
      {
        int r0 = rows->lower[y], r1 = MIN (r0 + 1, rows->n_in - 1);
        float wr = rows->weight[y];
        gssize row0 = (gssize) ct_reorient_volume_index (r, s, r0, 0);
        gssize row1 = (gssize) ct_reorient_volume_index (r, s, r1, 0);
        float *dst = out + ((gsize) s * h2 + y) * w2;

        for (int x = 0; x < w2; x++)
          {
            int c0 = cols->lower[x], c1 = MIN (c0 + 1, cols->n_in - 1);
            float wc = cols->weight[x];
            float a = volume->hu[row0 + c0 * r->step[2]], b = volume->hu[row0 + c1 * r->step[2]];
            float c = volume->hu[row1 + c0 * r->step[2]], d = volume->hu[row1 + c1 * r->step[2]];
            float top = a + wc * (b - a), bottom = c + wc * (d - c);
            dst[x] = top + wr * (bottom - top);
          }
      }
  ct_window_apply (window, out, (gsize) n * h2 * w2);
}

/* Lung and lesion probabilities on the 2 mm grid -> 0/1 masks on the volume
 * grid, bilinear in plane, then thresholded. Lesions are kept only inside the
 * lung mask: severity is a share of lung, a "lesion" outside the predicted
 * lungs (chest wall, mediastinum, bowel inside the crop) is not lung
 * involvement and would let shares exceed 100 %. Consolidation the lung
 * network missed has already been added to the lungs by attach_lesions (). */
static void
write_masks (const CtReorient *r, const CtResampleAxis *rows, const CtResampleAxis *cols, const float *lung_probability,
             const float *lesion_probability, const NetworkSettings *settings, int n_threads, guint8 *lung_mask,
             guint8 *lesion_mask)
{
  int n = r->net_dims[0], h = rows->n_out, w = cols->n_out, h2 = rows->n_in, w2 = cols->n_in;
  float lung_threshold = (float) settings->lung_threshold, lesion_threshold = (float) settings->lesion_threshold;

#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (int s = 0; s < n; s++)
    {
      const float *lung_plane = lung_probability + (gsize) s * h2 * w2;
      const float *lesion_plane = lesion_probability != NULL ? lesion_probability + (gsize) s * h2 * w2 : NULL;

      for (int y = 0; y < h; y++)
        {
          gssize index = (gssize) ct_reorient_volume_index (r, s, y, 0);
          for (int x = 0; x < w; x++, index += r->step[2])
            {
              gboolean lung = ct_resample_sample (lung_plane, w2, rows, cols, y, x) > lung_threshold;
              gboolean lesion = lung && lesion_plane != NULL &&
                                ct_resample_sample (lesion_plane, w2, rows, cols, y, x) > lesion_threshold;
              lung_mask[index] = lung;
              lesion_mask[index] = lesion;
            }
        }
    }
}

/* Lesion clean-up on the 2 mm grid, before the masks go to the volume grid.
 *
 * Consolidated lung: the lung network leaves dense consolidation out of the
 * lung mask (lung Dice 0.934 on a 50 % phantom), and lesions outside the lung
 * mask are discarded, so both the numerator and the denominator of the share
 * lost the diseased lung: severity 41.2 % for a true 49.8 %. A lesion region
 * (26-connected component of the thresholded lesion map) that lies mostly in
 * the lung mask is lung disease whose dense part the lung network missed, so
 * the whole region is added to the lungs (radiologists count consolidated
 * lung as lung; the exported lung mask includes it). A region that lies
 * mostly outside the lungs is not added: on normal phantoms the lesion
 * network also fires on soft tissue touching the lungs (hilum, chest wall,
 * diaphragm), and adding every region that merely touches the lung raised
 * one normal phantom's false share from 0.55 % to 2.64 %; with the
 * majority rule it is 0.57 %, while the COVID-19 phantoms gain all the
 * missed consolidation (50 % phantom: 47.9 %). Lesion probabilities exist only
 * inside the lungs' bounding box, so bowel below it is never reached.
 *
 * Specks: lesion components under CT_MIN_LESION_ML (5 voxels of 2 x 2 x 5 mm)
 * are a few noisy voxels, not reportable findings, and are dropped. The
 * larger false positives of normal lungs are set against the CT-0 floor
 * (ct-category.h). */
static void
attach_lesions (guint8 *lungs_small, float *lung_probability, float *lesion_probability, int n, int h2, int w2,
                const NetworkSettings *settings, double voxel_ml)
{
  gsize n_small = (gsize) n * h2 * w2;
  g_autofree guint8 *lesions_small = g_malloc (n_small);
  gsize min_voxels = (gsize) ceil (CT_MIN_LESION_ML / voxel_ml);

  for (gsize v = 0; v < n_small; v++)
    lesions_small[v] = lesion_probability[v] > settings->lesion_threshold;
  ct_lung_box_add_attached_lesions (lungs_small, lesions_small, n, h2, w2, CT_MIN_LESION_SHARE_IN_LUNG);
  for (gsize v = 0; v < n_small; v++)
    {
      if (lungs_small[v] != 0 && lung_probability[v] <= settings->lung_threshold)
        lung_probability[v] = 1.0f;
      lesions_small[v] = lesions_small[v] && lungs_small[v];
    }
  ct_lung_box_drop_small_components (lesions_small, n, h2, w2, min_voxels);
  for (gsize v = 0; v < n_small; v++)
    if (lesions_small[v] == 0 && lesion_probability[v] > settings->lesion_threshold)
      lesion_probability[v] = 0.0f;
}

static char *
classifier_size_note (int n_slices, const CtBox *box)
{
  if (n_slices < CLASSIFIER_MIN_SIZE)
    return g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE, "The study has %d slice; the COVID-19 classifier needs at least %d.",
                     "The study has %d slices; the COVID-19 classifier needs at least %d.", n_slices),
        n_slices, CLASSIFIER_MIN_SIZE);
  for (int a = 0; a < 3; a++)
    if (ct_box_size (box, a) < CLASSIFIER_MIN_SIZE)
      return g_strdup_printf (_ ("The lung region is %d x %d x %d voxels (slices x 2 mm rows x 2 mm columns); "
                                 "the COVID-19 classifier needs at least %d along every axis."),
                              ct_box_size (box, 0), ct_box_size (box, 1), ct_box_size (box, 2), CLASSIFIER_MIN_SIZE);
  return NULL;
}

static void
copy_box (const float *from, int from_h, int from_w, const CtBox *box, float *to, gboolean into_box)
{
  int bh = ct_box_size (box, 1), bw = ct_box_size (box, 2);

  for (int s = box->lower[0]; s < box->upper[0]; s++)
    for (int y = box->lower[1]; y < box->upper[1]; y++)
      {
        gsize full = ((gsize) s * from_h + y) * from_w + box->lower[2];
        gsize cropped = ((gsize) (s - box->lower[0]) * bh + (y - box->lower[1])) * bw;
        if (into_box)
          memcpy (to + full, from + cropped, bw * sizeof (float));
        else
          memcpy (to + cropped, from + full, bw * sizeof (float));
      }
}

static double
elapsed_ms (gint64 since)
{
  return (g_get_monotonic_time () - since) / 1000.0;
}

CtAnalysis *
ct_analysis_run (const CtVolume *volume, const CtAnalysisOptions *options, GError **error)
{
  g_autoptr (CtAnalysis) result = NULL;
  g_autoptr (CtResampleAxis) rows_down = NULL, cols_down = NULL, rows_up = NULL, cols_up = NULL;
  g_autofree float *input = NULL, *lung_probability = NULL, *lesion_probability = NULL;
  g_autofree guint8 *lungs_small = NULL;
  g_autofree char *too_small_note = NULL;
  NetworkSettings settings;
  CtReorient r;
  CtBox box;
  CtSeverity severity;
  CtQualityMeasures measures;
  gint64 start = g_get_monotonic_time (), stage_start;
  int n, h, w, h2, w2, n_threads;
  gsize n_voxels, n_small;
  gboolean has_lungs;

  g_return_val_if_fail (volume != NULL && volume->hu != NULL, NULL);
  g_return_val_if_fail (options != NULL && options->lungs != NULL && options->multitask != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (ct_model_get_architecture (options->lungs) != CT_MODEL_LUNGS ||
      ct_model_get_architecture (options->multitask) != CT_MODEL_MULTITASK_SPATIAL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS,
                   _ ("Wrong models: %s must be a lung network and %s a multitask network"),
                   ct_model_get_name (options->lungs), ct_model_get_name (options->multitask));
      return NULL;
    }
  if (volume->nx < 1 || volume->ny < 1 || volume->nz < 1 ||
      !(volume->spacing[0] > 0 && volume->spacing[1] > 0 && volume->spacing[2] > 0))
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("The volume has no voxels or no valid spacing"));
      return NULL;
    }
  if (!read_settings (options->lungs, options->multitask, &settings, error))
    return NULL;
  n_threads = ct_threads_cap (options->n_threads);

  /* 1-3: reorient, resample to 2 mm, window. */
  stage_start = start;
  if (!report (options, 0.0, "preprocessing", error))
    return NULL;
  ct_reorient_init_from_volume (&r, volume);
  n = r.net_dims[0];
  h = r.net_dims[1];
  w = r.net_dims[2];
  h2 = ct_resample_output_size (h, r.net_spacing[1], settings.spacing_mm[0]);
  w2 = ct_resample_output_size (w, r.net_spacing[2], settings.spacing_mm[1]);
  rows_down = ct_resample_axis_new (h, h2);
  cols_down = ct_resample_axis_new (w, w2);
  rows_up = ct_resample_axis_new (h2, h);
  cols_up = ct_resample_axis_new (w2, w);
  n_voxels = ct_volume_n_voxels (volume);
  n_small = (gsize) n * h2 * w2;

  result = ct_analysis_new ();
  result->nx = volume->nx;
  result->ny = volume->ny;
  result->nz = volume->nz;
  ct_analysis_set_models (result, options->lungs, options->multitask);

  if ((input = try_alloc_floats (n, h2, w2, FALSE, volume, error)) == NULL ||
      (lung_probability = try_alloc_floats (n, h2, w2, FALSE, volume, error)) == NULL)
    return NULL;
  build_input (volume, &r, rows_down, cols_down, &settings.window, n_threads, input);
  if (!report (options, PROGRESS_PREPROCESSED, "lungs", error))
    return NULL;

  /* 4: lung network, threshold, clean-up, bounding box. */
  {
    StageProgress stage = { options, "lungs", PROGRESS_PREPROCESSED, PROGRESS_LUNGS };

    if (!ct_model_run_lungs (options->lungs, input, n, h2, w2, lung_probability, n_threads, forward_model_progress,
                             &stage, error))
      return NULL;
    lungs_small = g_malloc (n_small);
    for (gsize v = 0; v < n_small; v++)
      lungs_small[v] = lung_probability[v] > settings.lung_threshold;
    if (!options->lung_cleanup_off)
      {
        /* Outside the body, below the diaphragm: not lung. */
        g_autofree guint8 *body = g_malloc (n_small);
        double spacing[3] = { r.net_spacing[0], settings.spacing_mm[0], settings.spacing_mm[1] };
        double range = settings.window.high_hu - settings.window.low_hu;
        double threshold = (CT_BODY_THRESHOLD_HU - settings.window.low_hu) / range;
        double air = (CT_OUTSIDE_AIR_HU - settings.window.low_hu) / range;
        CtLungCleanupStats cleanup;

        ct_lung_cleanup_body (input, n, h2, w2, spacing + 1, (float) threshold, (float) air, body);
        ct_lung_cleanup_apply (lungs_small, body, n, h2, w2, spacing, &cleanup);
        g_debug ("lung clean-up: %" G_GSIZE_FORMAT " voxels outside the body (%.1f ml), %u components, %u below the "
                 "diaphragm (%.1f ml), "
                 "%u gas in front (%.1f ml)",
                 cleanup.removed_outside, cleanup.removed_outside_ml, cleanup.components, cleanup.removed_below,
                 cleanup.removed_below_ml, cleanup.removed_anterior, cleanup.removed_anterior_ml);
      }
    ct_lung_box_keep_lungs (lungs_small, n, h2, w2);
    /* Dropped components (gas outside the lungs) must not come back when
     * the probabilities are resampled to the volume grid. */
    for (gsize v = 0; v < n_small; v++)
      if (lungs_small[v] == 0 && lung_probability[v] > settings.lung_threshold)
        lung_probability[v] = 0.0f;
    has_lungs = ct_lung_box_compute (lungs_small, n, h2, w2, &box);
  }
  result->timing_lungs_ms = elapsed_ms (stage_start);
  if (!report (options, PROGRESS_LUNGS, "lesions", error))
    return NULL;

  /* 5: multitask network on the lung box, paste back. */
  stage_start = g_get_monotonic_time ();
  if (!has_lungs)
    {
      result->has_probability = FALSE;
      result->probability_note = g_strdup (_ ("No lung was found, so there is no COVID-19 probability."));
      g_clear_pointer (&input, g_free);
    }
  else
    {
      StageProgress stage = { options, "lesions", PROGRESS_LUNGS, PROGRESS_LESIONS };
      int bn = ct_box_size (&box, 0), bh = ct_box_size (&box, 1), bw = ct_box_size (&box, 2);
      g_autofree float *box_input = NULL, *box_lesions = NULL;
      g_autofree char *size_note = classifier_size_note (n, &box);
      double probability = NAN;
      gboolean has_probability = FALSE;

      if ((box_input = try_alloc_floats (bn, bh, bw, FALSE, volume, error)) == NULL)
        return NULL;
      copy_box (input, h2, w2, &box, box_input, FALSE);
      g_clear_pointer (&input, g_free);
      if ((box_lesions = try_alloc_floats (bn, bh, bw, FALSE, volume, error)) == NULL)
        return NULL;
      if (!ct_model_run_multitask (options->multitask, box_input, bn, bh, bw, box_lesions, &probability,
                                   &has_probability, n_threads, forward_model_progress, &stage, error))
        return NULL;
      g_clear_pointer (&box_input, g_free);
      if ((lesion_probability = try_alloc_floats (n, h2, w2, TRUE, volume, error)) == NULL)
        return NULL;
      copy_box (box_lesions, h2, w2, &box, lesion_probability, TRUE);
      attach_lesions (lungs_small, lung_probability, lesion_probability, n, h2, w2, &settings,
                      r.net_spacing[0] * settings.spacing_mm[0] * settings.spacing_mm[1] / 1000.0);

      result->has_probability = has_probability && isfinite (probability);
      if (size_note != NULL)
        too_small_note = g_strdup (size_note);
      if (result->has_probability)
        result->covid_probability = probability;
      else
        result->probability_note = size_note != NULL
                                       ? g_steal_pointer (&size_note)
                                       : g_strdup (_ ("The classifier gave no probability for this study."));
    }

  /* Back to the volume grid. */
  result->lung_mask = g_try_malloc (n_voxels);
  result->lesion_mask = g_try_malloc (n_voxels);
  if (result->lung_mask == NULL || result->lesion_mask == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, _ ("Not enough memory for the masks (%lu MB)"),
                   (unsigned long) ((2 * n_voxels) >> 20));
      return NULL;
    }
  write_masks (&r, rows_up, cols_up, lung_probability, lesion_probability, &settings, n_threads, result->lung_mask,
               result->lesion_mask);
  g_clear_pointer (&lung_probability, g_free);
  g_clear_pointer (&lesion_probability, g_free);
  result->timing_lesions_ms = elapsed_ms (stage_start);
  if (!report (options, PROGRESS_LESIONS, "severity", error))
    return NULL;

  /* 6: lungs apart, shares, category, priority, quality. */
  ct_severity_split_lungs (volume, result->lung_mask, n_threads);
  ct_severity_compute (volume, result->lung_mask, result->lesion_mask, &severity);
  result->severity_percent = severity.severity_percent;
  result->severity_total_percent = severity.severity_total_percent;
  result->severity_right_percent = severity.severity_right_percent;
  result->severity_left_percent = severity.severity_left_percent;
  result->lung_volume_ml = severity.lung_volume_ml;
  result->lesion_volume_ml = severity.lesion_volume_ml;
  result->right_lung_volume_ml = severity.lung_voxels[CT_LUNG_RIGHT] * ct_severity_voxel_volume_ml (volume);
  result->left_lung_volume_ml = severity.lung_voxels[CT_LUNG_LEFT] * ct_severity_voxel_volume_ml (volume);
  result->category = ct_category_from_severity (severity.severity_percent);
  result->triage_score = ct_triage_score (result->covid_probability, result->has_probability,
                                          severity.severity_percent);

  ct_quality_measure_lungs (&r, result->lung_mask, &measures);
  measures.noise_hu = ct_quality_estimate_noise_hu (volume);
  measures.air_share = ct_quality_air_share (volume);
  result->noise_hu = measures.noise_hu;
  result->quality = ct_quality_assess (&r, &measures, severity.lung_volume_ml, result->quality_notes);
  if (too_small_note != NULL)
    {
      /* The classifier refused the stack's size: neither its probability
       * nor a severity from so few voxels has grounds. */
      result->quality |= CT_QUALITY_TOO_SMALL;
      g_ptr_array_add (result->quality_notes, g_steal_pointer (&too_small_note));
    }

  result->timing_total_ms = elapsed_ms (start);
  if (!report (options, 1.0, "done", error))
    return NULL;
  return g_steal_pointer (&result);
}

CtAnalysis *
ct_analysis_new (void)
{
  CtAnalysis *self = g_rc_box_new0 (CtAnalysis);

  self->covid_probability = NAN;
  self->noise_hu = NAN;
  self->quality_notes = g_ptr_array_new_with_free_func (g_free);
  return self;
}

CtAnalysis *
ct_analysis_ref (const CtAnalysis *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_rc_box_acquire ((CtAnalysis *) self);
}

static void
model_identity_clear (CtModelIdentity *identity)
{
  g_clear_pointer (&identity->name, g_free);
  g_clear_pointer (&identity->sha256, g_free);
  g_clear_pointer (&identity->training_data, g_free);
}

static void
analysis_clear (gpointer data)
{
  CtAnalysis *self = data;

  g_free (self->lung_mask);
  g_free (self->lesion_mask);
  g_free (self->probability_note);
  g_clear_pointer (&self->quality_notes, g_ptr_array_unref);
  model_identity_clear (&self->lungs_model);
  model_identity_clear (&self->multitask_model);
}

void
ct_analysis_unref (const CtAnalysis *self)
{
  if (self != NULL)
    g_rc_box_release_full ((CtAnalysis *) self, analysis_clear);
}

static void
model_identity_set (CtModelIdentity *identity, CtModel *model)
{
  model_identity_clear (identity);
  if (model == NULL)
    return;
  identity->name = g_strdup (ct_model_get_name (model));
  identity->sha256 = g_strdup (ct_model_get_sha256 (model));
  identity->training_data = g_strdup (ct_model_get_metadata (model, "training_data"));
}

gboolean
ct_analysis_is_assessable (const CtAnalysis *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return (self->quality & CT_QUALITY_NOT_ASSESSABLE) == 0;
}

void
ct_analysis_set_models (CtAnalysis *self, CtModel *lungs, CtModel *multitask)
{
  g_return_if_fail (self != NULL);
  model_identity_set (&self->lungs_model, lungs);
  model_identity_set (&self->multitask_model, multitask);
}
