/* SPDX-License-Identifier: MIT */
/* test-nn-model.c: loading and running whole models. Seeded random weights
 * at the paper's FULL width (built in C: no large file is committed) check the
 * optimized path against the naive reference end to end; small reduced-width
 * models check the loader's refusals (each naming the tensor), float16
 * storage, batching, progress and cancellation. */
#include <math.h>
#include <string.h>

#include "ct-engine-run.h"
#include "ct-error.h"
#include "ct-model-private.h"
#include "ct-model-random.h"
#include "ct-safetensors.h"

static CtModel *
model_from_bytes_with (GBytes *bytes, const CtNnOptions *options, GError **error)
{
  return ct_model_load_from_bytes (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "test.safetensors",
                                   options, error);
}

static CtModel *
model_from_bytes (GBytes *bytes, GError **error)
{
  return model_from_bytes_with (bytes, NULL, error);
}

static void
reduced_structure (CtNetStructure *s, CtModelArchitecture arch)
{
  g_autoptr (GHashTable) md = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;

  g_hash_table_insert (md, (char *) "architecture", (char *) (arch == CT_MODEL_LUNGS ? "lungs" : "multitask-spatial"));
  g_hash_table_insert (md, (char *) "init_channels", (char *) "4");
  g_hash_table_insert (md, (char *) "down_channels", (char *) "4,4,4;4,8,8;8,12");
  g_hash_table_insert (md, (char *) "bridge_channels", (char *) "12,16,12");
  g_hash_table_insert (md, (char *) "up_channels", (char *) "4,4;8,8,4;12,8");
  g_hash_table_insert (md, (char *) "fc_hidden", (char *) "16");
  g_assert_true (ct_net_structure_parse (md, s, &error));
  g_assert_no_error (error);
}

static float *
smooth_input (int n, int h, int w, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  float *x = g_new (float, (size_t) n * h * w);
  double fx = g_rand_double_range (rand, 0.1, 0.4), fy = g_rand_double_range (rand, 0.1, 0.4);

  for (int d = 0; d < n; d++)
    for (int y = 0; y < h; y++)
      for (int i = 0; i < w; i++)
        x[((size_t) d * h + y) * w + i] = (float) CLAMP (
            0.5 + 0.3 * sin (fx * i + d) * cos (fy * y) + 0.1 * g_rand_double (rand), 0, 1);
  return x;
}

static void
compare (const char *what, const float *got, const float *want, size_t n, double tol)
{
  double worst = 0, lo = 1, hi = 0;
  size_t at = 0;

  for (size_t i = 0; i < n; i++)
    {
      double d = fabs ((double) got[i] - want[i]);
      if (!(d <= worst))
        {
          worst = d;
          at = i;
        }
      lo = MIN (lo, want[i]);
      hi = MAX (hi, want[i]);
    }
  g_test_message ("%s: max abs difference %.3g at %zu (%.7f vs %.7f); reference range %.4f..%.4f", what, worst, at,
                  got[at], want[at], lo, hi);
  /* the outputs must not be saturated, or the comparison would prove little */
  g_assert_cmpfloat (hi - lo, >, 0.05);
  g_assert_cmpfloat (worst, <=, tol);
}

/* Engine configurations the full-width tests run (all against the naive
 * reference path): the default (blocked layout at every level but the
 * bridge, Winograd there from 16 channels, direct at 8), the blocked layout
 * with direct convolutions only, the channel-major layout everywhere with
 * and without its Winograd (the fallback for planes too wide to block), and
 * levels 0-1 blocked, the rest channel-major (the layout changes inside the
 * sub-batched levels, and channel-major forms are packed on demand for
 * levels 2-5 only), the default with the portable kernels only (what a
 * CPU without AVX2/FMA runs), and the default on planes large enough for
 * the bridge to run blocked (its plane 2 x 2; the smaller inputs of the
 * other configurations end at 1 x 1, which stays channel-major). */
typedef enum
{
  ENGINE_DEFAULT,
  ENGINE_BLOCKED_DIRECT,
  ENGINE_CHANNEL_MAJOR,
  ENGINE_CHANNEL_MAJOR_WINOGRAD,
  ENGINE_MIXED,
  ENGINE_PORTABLE,
  ENGINE_BLOCKED_BRIDGE,
} EngineConfig;

static void
test_full_width (gconstpointer data)
{
  CtModelArchitecture arch = GPOINTER_TO_INT (data) & 0xff;
  EngineConfig config = GPOINTER_TO_INT (data) >> 8;
  gboolean lungs = arch == CT_MODEL_LUNGS;
  CtNetStructure s;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (CtModel) model = NULL;
  g_autoptr (GError) error = NULL;
  /* odd sizes; 9 slices so that the classifier runs (every axis >= 8) and the
   * optimized path splits them into two batches */
  gboolean large = config == ENGINE_BLOCKED_BRIDGE;
  /* large: 65 x 67 -> 33 x 34 -> 17 x 17 -> 9 x 9 -> 5 x 5 -> 3 x 3 -> bridge 2 x 2 */
  int n = lungs ? 3 : 9, h = large ? 65 : lungs ? 33 : 17, w = large ? 67 : lungs ? 29 : 21;
  size_t count = (size_t) n * h * w;
  g_autofree float *input = smooth_input (n, h, w, 42);
  g_autofree float *ref = g_new (float, count);
  g_autofree float *optimized = g_new (float, count);
  double study_ref = NAN, study_optimized = NAN;
  gboolean has_ref = FALSE, has_optimized = FALSE;
  CtNnOptions options;
  static const char *const names[] = {
    "default",          "blocked direct", "channel-major", "channel-major winograd", "levels 0-1 blocked",
    "portable kernels", "blocked bridge"
  };
  g_autofree char *what = g_strdup_printf ("full-width %s, %s", lungs ? "lungs" : "lesions", names[config]);

  ct_net_structure_init_default (&s, arch);
  g_assert_cmpint (s.n_levels, ==, 6);
  bytes = ct_model_random_safetensors (&s, 2026, FALSE);
  /* the Winograd thresholds are read when the model is loaded, the layout
   * and kernels on every call */
  ct_nn_options_init_default (&options);
  options.winograd_min_channels = config == ENGINE_CHANNEL_MAJOR_WINOGRAD ? 16 : 1000000;
  if (config == ENGINE_BLOCKED_DIRECT)
    options.blocked_winograd_min_channels = 1000000;
  model = model_from_bytes_with (bytes, &options, &error);
  g_assert_no_error (error);

  g_assert_true (ct_engine_run (model, TRUE, input, n, h, w, ref, &study_ref, &has_ref, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  if (config == ENGINE_CHANNEL_MAJOR || config == ENGINE_CHANNEL_MAJOR_WINOGRAD)
    options.blocked_levels = 0;
  else if (config == ENGINE_MIXED)
    options.blocked_levels = 2;
  else if (config == ENGINE_PORTABLE)
    options.portable_kernels = TRUE;
  g_assert_true (ct_model_run_with_options (model, &options, input, n, h, w, optimized, &study_optimized,
                                            &has_optimized, 2, NULL, NULL, &error));
  g_assert_no_error (error);
  compare (what, optimized, ref, count, 1e-4);
  if (!lungs)
    {
      g_assert_true (has_ref);
      g_assert_true (has_optimized);
      g_test_message ("study probability: optimized %.8f, reference %.8f", study_optimized, study_ref);
      g_assert_cmpfloat (fabs (study_optimized - study_ref), <=, 1e-5);
    }
}

/* What the profiling hook saw of one call. */
typedef struct
{
  int steps;
  int blocked_steps; /* named "blocked": a step of the blocked layout */
  double macs;
} ProfileSeen;

static void
profile_seen (int step, const char *name, double cpu_seconds, double macs, gpointer user_data)
{
  ProfileSeen *seen = user_data;

  g_assert_cmpint (step, >=, 0);
  g_assert_cmpfloat (cpu_seconds, >=, 0.0);
  seen->steps++;
  seen->blocked_steps += strstr (name, " blocked") != NULL;
  seen->macs += macs;
}

/* Engine options reach the engine: invalid ones are refused at load and
 * per call; the profiling hook sees the blocked layout by default and none
 * of it with blocked_levels 0, and MACs close to the structure's count
 * (which also counts the head); a model loaded with use_reference runs the
 * naive path through the public API (the hook, optimized path only, stays
 * silent) with the reference's outputs. */
static void
test_options (void)
{
  CtNetStructure s;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (CtModel) model = NULL;
  g_autoptr (CtModel) reference = NULL;
  g_autoptr (GError) error = NULL;
  int n = 2, h = 33, w = 29;
  g_autofree float *input = smooth_input (n, h, w, 5);
  g_autofree float *out = g_new (float, (size_t) n * h * w);
  g_autofree float *ref = g_new (float, (size_t) n * h * w);
  CtNnOptions options, bad;
  ProfileSeen seen = { 0 };
  double macs = 0.0;

  ct_net_structure_init_default (&s, CT_MODEL_LUNGS);
  bytes = ct_model_random_safetensors (&s, 11, FALSE);
  ct_nn_options_init_default (&options);

  bad = options;
  bad.batch_slices = 0;
  g_assert_null (model_from_bytes_with (bytes, &bad, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "batch_slices"));
  g_clear_error (&error);

  model = model_from_bytes_with (bytes, &options, &error);
  g_assert_no_error (error);
  bad = options;
  bad.top_batch_slices = 65;
  g_assert_false (ct_model_run_with_options (model, &bad, input, n, h, w, out, NULL, NULL, 1, NULL, NULL, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_FAILED);
  g_clear_error (&error);

  options.profile = profile_seen;
  options.profile_user_data = &seen;
  g_assert_true (ct_model_run_with_options (model, &options, input, n, h, w, out, NULL, NULL, 2, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (seen.steps, >, 50);
  g_assert_cmpint (seen.blocked_steps, >, 0);
  macs = ct_net_structure_count_macs (&s, h, w) * n;
  g_test_message ("profile: %d steps, %.4g MACs, structure %.4g", seen.steps, seen.macs, macs);
  g_assert_cmpfloat (fabs (seen.macs - macs), <=, 0.01 * macs);

  seen = (ProfileSeen){ 0 };
  options.blocked_levels = 0;
  g_assert_true (ct_model_run_with_options (model, &options, input, n, h, w, out, NULL, NULL, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (seen.steps, >, 50);
  g_assert_cmpint (seen.blocked_steps, ==, 0);

  seen = (ProfileSeen){ 0 };
  options.blocked_levels = ct_model_get_options (model)->blocked_levels;
  options.use_reference = TRUE;
  reference = model_from_bytes_with (bytes, &options, &error);
  g_assert_no_error (error);
  g_assert_true (ct_model_get_options (reference)->use_reference);
  g_assert_true (ct_model_run_lungs (reference, input, n, h, w, ref, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (seen.steps, ==, 0);
  compare ("use_reference through ct_model_run_lungs", out, ref, (size_t) n * h * w, 1e-4);
}

/* float16 storage: the loader widens, both paths agree; conversions exact. */
static void
test_half (void)
{
  CtNetStructure s;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (CtModel) model = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *input = smooth_input (2, 13, 11, 1);
  float ref[2 * 13 * 11], optimized[2 * 13 * 11];

  g_assert_cmphex (ct_float_to_half (1.0f), ==, 0x3c00);
  g_assert_cmphex (ct_float_to_half (-2.0f), ==, 0xc000);
  g_assert_cmphex (ct_float_to_half (65504.0f), ==, 0x7bff);
  g_assert_cmphex (ct_float_to_half (0.1f), ==, 0x2e66);
  g_assert_cmphex (ct_float_to_half (5.9604645e-8f), ==, 0x0001);
  g_assert_cmpfloat (ct_half_to_float (0x2e66), ==, 0.0999755859375f);
  g_assert_cmpfloat (ct_half_to_float (0x0001), ==, 5.9604645e-8f);
  g_assert_cmpfloat (ct_half_to_float (0xfbff), ==, -65504.0f);
  g_assert_true (isinf (ct_half_to_float (0x7c00)));

  reduced_structure (&s, CT_MODEL_LUNGS);
  bytes = ct_model_random_safetensors (&s, 77, TRUE);
  model = model_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_true (ct_engine_run (model, TRUE, input, 2, 13, 11, ref, NULL, NULL, 1, NULL, NULL, &error));
  g_assert_true (ct_engine_run (model, FALSE, input, 2, 13, 11, optimized, NULL, NULL, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  compare ("float16 lungs", optimized, ref, G_N_ELEMENTS (ref), 1e-5);
}

/* Batching must not change results: 11 slices at once (batches of 4, 4, 3
 * over two threads) equal 11 single runs. */
static void
test_batching (void)
{
  CtNetStructure s;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (CtModel) model = NULL;
  g_autoptr (GError) error = NULL;
  int n = 11, h = 10, w = 14;
  size_t plane = (size_t) h * w;
  g_autofree float *input = smooth_input (n, h, w, 3);
  g_autofree float *all = g_new (float, n * plane);
  g_autofree float *one = g_new (float, n * plane);

  reduced_structure (&s, CT_MODEL_LUNGS);
  bytes = ct_model_random_safetensors (&s, 5, FALSE);
  model = model_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_true (ct_model_run_lungs (model, input, n, h, w, all, 2, NULL, NULL, &error));
  for (int d = 0; d < n; d++)
    g_assert_true (ct_model_run_lungs (model, input + d * plane, 1, h, w, one + d * plane, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  compare ("batched vs single", all, one, n * plane, 1e-6);
}

typedef struct
{
  int calls;
  int last_done;
  int cancel_after;
} Progress;

static gboolean
on_progress (int done, int total, gpointer user_data)
{
  Progress *p = user_data;

  g_assert_cmpint (done, >, p->last_done);
  g_assert_cmpint (done, <=, total);
  p->last_done = done;
  p->calls++;
  return p->calls < p->cancel_after;
}

static void
test_progress_and_cancel (void)
{
  CtNetStructure s;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (CtModel) model = NULL;
  g_autoptr (GError) error = NULL;
  /* enough slices for several batches of the optimized path (progress and
   * cancellation come between batches) */
  int n = 40, h = 9, w = 9;
  g_autofree float *input = smooth_input (n, h, w, 8);
  g_autofree float *out = g_new (float, n * h * w);
  double study = 0;
  gboolean has = TRUE;

  reduced_structure (&s, CT_MODEL_MULTITASK_SPATIAL);
  bytes = ct_model_random_safetensors (&s, 6, FALSE);
  model = model_from_bytes (bytes, &error);
  g_assert_no_error (error);

  for (int e = 0; e < 2; e++)
    {
      gboolean reference = e == 0;
      Progress all = { 0, 0, G_MAXINT }, stop = { 0, 0, 1 };

      g_assert_true (ct_engine_run (model, reference, input, n, h, w, out, &study, &has, 1, on_progress, &all, &error));
      g_assert_no_error (error);
      g_assert_cmpint (all.last_done, ==, n);
      g_assert_true (has);
      g_assert_false (
          ct_engine_run (model, reference, input, n, h, w, out, &study, &has, 1, on_progress, &stop, &error));
      g_assert_error (error, CT_ERROR, CT_ERROR_CANCELLED);
      g_assert_cmpint (stop.last_done, <, n);
      g_clear_error (&error);
    }

  /* fewer than 8 slices: lesions, but no study probability, and no error */
  g_assert_true (ct_model_run_multitask (model, input, 3, h, w, out, &study, &has, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (has);
  g_assert_true (isnan (study));
}

/* ---- the loader's refusals ---------------------------------------------- */

/* A copy of the image with the first occurrence of `from` in the header
 * replaced by `to` (same length, so offsets stay valid). */
static GBytes *
patch_header (GBytes *bytes, const char *from, const char *to)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  guint8 *copy = g_memdup2 (data, size);
  guint64 header_len = GUINT64_FROM_LE (*(guint64 *) (gpointer) copy);
  char *header = g_strndup ((const char *) copy + 8, header_len);
  char *at = strstr (header, from);

  g_assert_cmpuint (strlen (from), ==, strlen (to));
  g_assert_nonnull (at);
  memcpy (copy + 8 + (at - header), to, strlen (to));
  g_free (header);
  return g_bytes_new_take (copy, size);
}

static void
expect_bad (GBytes *bytes, const char *must_mention)
{
  g_autoptr (GError) error = NULL;
  CtModel *model = model_from_bytes (bytes, &error);

  g_assert_null (model);
  g_assert_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS);
  g_test_message ("refused: %s", error->message);
  if (must_mention != NULL && strstr (error->message, must_mention) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, must_mention);
}

static void
test_bad_weights (void)
{
  CtNetStructure s;
  g_autoptr (GBytes) good = NULL;
  g_autoptr (GError) error = NULL;
  gsize size;
  const guint8 *data;

  reduced_structure (&s, CT_MODEL_LUNGS);
  good = ct_model_random_safetensors (&s, 9, FALSE);
  data = g_bytes_get_data (good, &size);
  {
    g_autoptr (CtModel) model = model_from_bytes (good, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (ct_model_get_metadata (model, "threshold"), ==, "0.5");
    g_assert_null (ct_model_get_metadata (model, "no-such-key"));
  }

  /* truncated data, truncated header, empty */
  {
    g_autoptr (GBytes) cut = g_bytes_new (data, size - 5);
    g_autoptr (GBytes) tiny = g_bytes_new (data, 40);
    g_autoptr (GBytes) empty = g_bytes_new (data, 0);
    expect_bad (cut, "outside the file");
    expect_bad (tiny, "header length");
    expect_bad (empty, NULL);
  }
  /* a missing tensor, named */
  {
    g_autoptr (GBytes) b = patch_header (good, "\"head.conv.weight\"", "\"head.conv.weighs\"");
    expect_bad (b, "head.conv.weight");
  }
  /* a wrong dtype, named */
  {
    g_autoptr (GBytes) b = patch_header (good, "\"F32\"", "\"I32\"");
    expect_bad (b, "backbone.init.weight");
  }
  /* a shape that does not fit the architecture, named */
  {
    g_autoptr (GBytes) b = patch_header (good, "\"shape\":[4,1,3,3]", "\"shape\":[4,3,1,3]");
    expect_bad (b, "backbone.init.weight");
  }
  /* metadata describing another structure: shapes no longer fit */
  {
    g_autoptr (GBytes) b = patch_header (good, "\"init_channels\":\"4\"", "\"init_channels\":\"5\"");
    expect_bad (b, "init_channels");
  }
  /* an unknown architecture */
  {
    g_autoptr (GBytes) b = patch_header (good, "\"lungs\"", "\"lunge\"");
    expect_bad (b, "architecture");
  }
  /* malformed JSON */
  {
    g_autoptr (GBytes) b = patch_header (good, "{\"__metadata__\"", "[\"__metadata__\"");
    expect_bad (b, "Malformed");
  }
  /* a missing file */
  {
    CtModel *model = ct_model_load ("/nonexistent/weights.safetensors", &error);
    g_assert_null (model);
    g_assert_error (error, CT_ERROR, CT_ERROR_IO);
    g_clear_error (&error);
  }
}

/* An extra tensor that the architecture does not have is refused by name;
 * num_batches_tracked (I64) is ignored. */
static void
test_extra_tensors (void)
{
  CtNetStructure s;
  g_autoptr (GBytes) good = NULL;
  g_autoptr (GError) error = NULL;
  gsize size;
  const guint8 *data;
  guint64 header_len;
  g_autofree char *header = NULL;

  reduced_structure (&s, CT_MODEL_LUNGS);
  good = ct_model_random_safetensors (&s, 10, FALSE);
  data = g_bytes_get_data (good, &size);
  header_len = GUINT64_FROM_LE (*(const guint64 *) (gconstpointer) data);
  header = g_strndup ((const char *) data + 8, header_len);
  g_strchomp (header);

  for (int variant = 0; variant < 2; variant++)
    {
      /* append a tensor entry pointing at the first 8 bytes of data */
      const char *entry =
          variant == 0
              ? ",\"backbone.init.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}"
              : ",\"backbone.extra.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
      g_autoptr (GString) file = g_string_new (NULL);
      g_autofree char *h = g_strndup (header, strlen (header) - 1); /* drop the final '}' */
      g_autofree char *new_header = g_strconcat (h, entry, NULL);
      guint64 len = GUINT64_TO_LE (strlen (new_header));
      g_autoptr (GBytes) b = NULL;

      g_string_append_len (file, (const char *) &len, 8);
      g_string_append (file, new_header);
      g_string_append_len (file, (const char *) data + 8 + header_len, (gssize) (size - 8 - header_len));
      b = g_bytes_new (file->str, file->len);
      if (variant == 0)
        {
          g_autoptr (CtModel) model = model_from_bytes (b, &error);
          g_assert_no_error (error);
          g_assert_nonnull (model);
        }
      else
        {
          expect_bad (b, "backbone.extra.weight");
        }
    }
}

/* The MAC count the benchmark reports, checked by hand on a tiny structure:
 * init 2, down "2,3", bridge "3,3", up "3,2", lungs head, 3 x 5 slice.
 *   init conv      15 px x 9 x 1 x 2                        =  270
 *   down 2->3      15 x (9*2*3 + 9*3*3 + 2*3 shortcut)      = 2115
 *   bridge 3->3    (2 x 3 px after ceil pooling) x (81 + 81) =  972
 *   up 3->2        15 x (9*3*2 + 9*2*2 + 3*2)               = 1440
 *   head 1x1       15 x 2                                   =   30 */
static void
test_mac_count (void)
{
  g_autoptr (GHashTable) md = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  CtNetStructure s;

  g_hash_table_insert (md, (char *) "architecture", (char *) "lungs");
  g_hash_table_insert (md, (char *) "init_channels", (char *) "2");
  g_hash_table_insert (md, (char *) "down_channels", (char *) "2,3");
  g_hash_table_insert (md, (char *) "bridge_channels", (char *) "3,3");
  g_hash_table_insert (md, (char *) "up_channels", (char *) "3,2");
  g_assert_true (ct_net_structure_parse (md, &s, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (ct_net_structure_count_macs (&s, 3, 5), ==, 4827.0);

  /* the paper's multitask network at a 150 x 120 crop: ~0.45 GMAC per slice (docs/networks.md) */
  ct_net_structure_init_default (&s, CT_MODEL_MULTITASK_SPATIAL);
  g_assert_cmpfloat (ct_net_structure_count_macs (&s, 150, 120) / 1e9, >, 0.44);
  g_assert_cmpfloat (ct_net_structure_count_macs (&s, 150, 120) / 1e9, <, 0.48);
  g_assert_cmpint (s.n_features, ==, 4680);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  {
    static const char *const configs[] = { "",       "-blocked-direct", "-channel-major", "-channel-major-winograd",
                                           "-mixed", "-portable",       "-blocked-bridge" };
    for (int c = ENGINE_DEFAULT; c <= ENGINE_BLOCKED_BRIDGE; c++)
      for (int a = 0; a < 2; a++)
        {
          CtModelArchitecture arch = a == 0 ? CT_MODEL_LUNGS : CT_MODEL_MULTITASK_SPATIAL;
          g_autofree char *path = g_strdup_printf ("/nn/model/full-width/%s%s", a == 0 ? "lungs" : "multitask",
                                                   configs[c]);
          g_test_add_data_func (path, GINT_TO_POINTER (arch | (c << 8)), test_full_width);
        }
  }
  g_test_add_func ("/nn/model/float16", test_half);
  g_test_add_func ("/nn/model/mac-count", test_mac_count);
  g_test_add_func ("/nn/model/options", test_options);
  g_test_add_func ("/nn/model/batching", test_batching);
  g_test_add_func ("/nn/model/progress-and-cancel", test_progress_and_cancel);
  g_test_add_func ("/nn/model/bad-weights", test_bad_weights);
  g_test_add_func ("/nn/model/extra-tensors", test_extra_tensors);
  return g_test_run ();
}
