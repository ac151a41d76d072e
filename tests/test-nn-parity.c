/* SPDX-License-Identifier: MIT */
/* test-nn-parity.c: the C engine against PyTorch on the committed fixtures
 * (tests/fixtures/README.md): reduced-width lung (float16 weights) and
 * multitask (float32) models on 3 x 37 x 53 and 9 x 64 x 48 inputs, both the
 * naive reference path and the optimized path. Required agreement (issue 3):
 * probabilities max abs error <= 1e-4, study probability <= 1e-5; and the
 * shipped trained weights on an 8 x 96 x 80 phantom crop. */
#include <math.h>
#include <string.h>

#include "ct-engine-run.h"
#include "ct-error.h"
#include "ct-model-private.h"
#include "ct-safetensors.h"

#define PROB_TOLERANCE 1e-4
#define STUDY_TOLERANCE 1e-5

typedef struct
{
  GMappedFile *mapped;
  CtSafetensors *tensors;
} IoFile;

static char *
fixture_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", name, NULL);
}

static gboolean
io_open_named (IoFile *io, const char *name)
{
  g_autofree char *path = fixture_path (name);
  g_autoptr (GError) error = NULL;

  io->mapped = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  io->tensors = ct_safetensors_parse ((const guint8 *) g_mapped_file_get_contents (io->mapped),
                                      g_mapped_file_get_length (io->mapped), &error);
  g_assert_no_error (error);
  return TRUE;
}

static gboolean
io_open (IoFile *io)
{
  return io_open_named (io, "reduced-io.safetensors");
}

static void
io_close (IoFile *io)
{
  ct_safetensors_free (io->tensors);
  g_mapped_file_unref (io->mapped);
}

/* A new float array of the tensor; checks it has the given 3-D shape. */
static float *
io_read (IoFile *io, const char *name, int n, int h, int w)
{
  const CtSafetensorsTensor *t = ct_safetensors_lookup (io->tensors, name);
  float *data;

  g_assert_nonnull (t);
  if (n > 0)
    {
      g_assert_cmpint (t->n_dims, ==, 3);
      g_assert_cmpint (t->shape[0], ==, n);
      g_assert_cmpint (t->shape[1], ==, h);
      g_assert_cmpint (t->shape[2], ==, w);
    }
  data = g_new (float, t->n_elements);
  for (gint64 i = 0; i < t->n_elements; i++)
    data[i] = ct_safetensors_read_float (t, i);
  return data;
}

static double
max_abs_diff (const float *a, const float *b, size_t n, size_t *where)
{
  double worst = 0;
  *where = 0;
  for (size_t i = 0; i < n; i++)
    {
      double d = fabs ((double) a[i] - (double) b[i]);
      if (!(d <= worst))
        {
          worst = d;
          *where = i;
        }
    }
  return worst;
}

static CtModel *
load_fixture_model (const char *name)
{
  g_autofree char *path = fixture_path (name);
  g_autoptr (GError) error = NULL;
  CtModel *model = ct_model_load (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (model);
  return model;
}

static void
check_case (CtModel *model, gboolean reference, IoFile *io, const char *size, int n, int h, int w)
{
  gboolean lungs = ct_model_get_architecture (model) == CT_MODEL_LUNGS;
  g_autofree char *input_name = g_strdup_printf ("input_%s", size);
  g_autofree char *expected_name = g_strdup_printf ("%s_prob_%s", lungs ? "lungs" : "lesion", size);
  g_autofree char *study_name = g_strdup_printf ("study_prob_%s", size);
  g_autofree float *input = io_read (io, input_name, n, h, w);
  g_autofree float *expected = io_read (io, expected_name, n, h, w);
  g_autofree float *got = g_new (float, (size_t) n * h * w);
  g_autoptr (GError) error = NULL;
  double study = NAN;
  gboolean has_study = FALSE;
  size_t where;
  double err;

  g_assert_true (ct_engine_run (model, reference, input, n, h, w, got, lungs ? NULL : &study, lungs ? NULL : &has_study,
                                2, NULL, NULL, &error));
  g_assert_no_error (error);
  err = max_abs_diff (got, expected, (size_t) n * h * w, &where);
  g_test_message ("%s %s %s: max abs error %.3g at slice %zu row %zu col %zu (got %.7f, PyTorch %.7f)",
                  lungs ? "lungs" : "multitask", reference ? "reference" : "optimized", size, err,
                  where / ((size_t) h * w), where / w % h, where % w, got[where], expected[where]);
  g_assert_cmpfloat (err, <=, PROB_TOLERANCE);

  if (!lungs)
    {
      const CtSafetensorsTensor *t = ct_safetensors_lookup (io->tensors, study_name);
      if (t == NULL)
        {
          g_assert_false (has_study);
          g_assert_true (isnan (study));
        }
      else
        {
          double want = ct_safetensors_read_float (t, 0);
          g_assert_true (has_study);
          g_test_message ("study probability %.8f, PyTorch %.8f, error %.3g", study, want, fabs (study - want));
          g_assert_cmpfloat (fabs (study - want), <=, STUDY_TOLERANCE);
        }
    }
}

static void
test_parity (gconstpointer data)
{
  const char *which = data;
  gboolean lungs = g_str_equal (which, "lungs");
  g_autoptr (CtModel)
      model = load_fixture_model (lungs ? "reduced-lungs.safetensors" : "reduced-multitask.safetensors");
  IoFile io;

  io_open (&io);
  for (int e = 0; e < 2; e++)
    {
      gboolean reference = e == 0;
      check_case (model, reference, &io, "37x53", 3, 37, 53);
      check_case (model, reference, &io, "64x48", 9, 64, 48);
    }
  io_close (&io);
}

/* The public entry points give the optimized path's answer. */
static void
test_public_api (void)
{
  g_autoptr (CtModel) lungs = load_fixture_model ("reduced-lungs.safetensors");
  g_autoptr (CtModel) multitask = load_fixture_model ("reduced-multitask.safetensors");
  g_autoptr (GError) error = NULL;
  IoFile io;
  g_autofree float *input = NULL;
  g_autofree float *expected = NULL;
  g_autofree float *got = g_new (float, 9 * 64 * 48);
  double study = 0;
  gboolean has = FALSE;
  size_t where;

  io_open (&io);
  input = io_read (&io, "input_64x48", 9, 64, 48);
  g_assert_cmpint (ct_model_get_architecture (lungs), ==, CT_MODEL_LUNGS);
  g_assert_cmpstr (ct_model_get_metadata (lungs, "architecture"), ==, "lungs");
  g_assert_cmpstr (ct_model_get_name (lungs), ==, "reduced-lungs.safetensors");
  g_assert_cmpint (strlen (ct_model_get_sha256 (lungs)), ==, 64);

  g_assert_true (ct_model_run_lungs (lungs, input, 9, 64, 48, got, 0, NULL, NULL, &error));
  g_assert_no_error (error);
  expected = io_read (&io, "lungs_prob_64x48", 9, 64, 48);
  g_assert_cmpfloat (max_abs_diff (got, expected, 9 * 64 * 48, &where), <=, PROB_TOLERANCE);
  g_clear_pointer (&expected, g_free);

  g_assert_true (ct_model_run_multitask (multitask, input, 9, 64, 48, got, &study, &has, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (has);
  expected = io_read (&io, "lesion_prob_64x48", 9, 64, 48);
  g_assert_cmpfloat (max_abs_diff (got, expected, 9 * 64 * 48, &where), <=, PROB_TOLERANCE);

  /* the wrong network for the call is a GError, not a crash */
  g_assert_false (ct_model_run_lungs (multitask, input, 9, 64, 48, got, 1, NULL, NULL, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS);
  io_close (&io);
}

/* The shipped, trained float16 weights of resources/models/ on one 8 x 96 x 80
 * phantom crop (tests/fixtures/trained-io.safetensors), both paths. Trained
 * weights have saturated, far-from-random activations that the random
 * fixtures do not reach. */
static void
test_trained (void)
{
  const char *source_dir = g_getenv ("CT_TRIAGE_SOURCE_DIR");
  g_autofree char *lungs_path = NULL;
  g_autofree char *multitask_path = NULL;
  g_autoptr (CtModel) lungs = NULL;
  g_autoptr (CtModel) multitask = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *input = NULL;
  g_autofree float *want_lungs = NULL;
  g_autofree float *want_lesions = NULL;
  g_autofree float *got = g_new (float, 8 * 96 * 80);
  const CtSafetensorsTensor *study_tensor;
  IoFile io;

  if (source_dir == NULL)
    {
      g_test_skip ("CT_TRIAGE_SOURCE_DIR is not set");
      return;
    }
  lungs_path = g_build_filename (source_dir, "resources", "models", "lungs.safetensors", NULL);
  multitask_path = g_build_filename (source_dir, "resources", "models", "multitask-spatial.safetensors", NULL);
  if (!g_file_test (lungs_path, G_FILE_TEST_EXISTS) || !g_file_test (multitask_path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the shipped weights are not in resources/models/");
      return;
    }
  lungs = ct_model_load (lungs_path, &error);
  g_assert_no_error (error);
  multitask = ct_model_load (multitask_path, &error);
  g_assert_no_error (error);

  io_open_named (&io, "trained-io.safetensors");
  input = io_read (&io, "input_8x96x80", 8, 96, 80);
  want_lungs = io_read (&io, "lungs_prob", 8, 96, 80);
  want_lesions = io_read (&io, "lesion_prob", 8, 96, 80);
  study_tensor = ct_safetensors_lookup (io.tensors, "study_prob");
  g_assert_nonnull (study_tensor);

  for (int e = 0; e < 2; e++)
    {
      gboolean reference = e == 0;
      double study = NAN;
      gboolean has_study = FALSE;
      double want_study = ct_safetensors_read_float (study_tensor, 0);
      size_t where;
      double err;

      g_assert_true (ct_engine_run (lungs, reference, input, 8, 96, 80, got, NULL, NULL, 2, NULL, NULL, &error));
      g_assert_no_error (error);
      err = max_abs_diff (got, want_lungs, 8 * 96 * 80, &where);
      g_test_message ("trained lungs, engine %d: max abs error %.3g", e, err);
      g_assert_cmpfloat (err, <=, PROB_TOLERANCE);

      g_assert_true (
          ct_engine_run (multitask, reference, input, 8, 96, 80, got, &study, &has_study, 2, NULL, NULL, &error));
      g_assert_no_error (error);
      err = max_abs_diff (got, want_lesions, 8 * 96 * 80, &where);
      g_test_message ("trained lesions, engine %d: max abs error %.3g; study %.8f, PyTorch %.8f", e, err, study,
                      want_study);
      g_assert_cmpfloat (err, <=, PROB_TOLERANCE);
      g_assert_true (has_study);
      g_assert_cmpfloat (fabs (study - want_study), <=, STUDY_TOLERANCE);
    }
  io_close (&io);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/nn/parity/lungs", "lungs", test_parity);
  g_test_add_data_func ("/nn/parity/multitask", "multitask", test_parity);
  g_test_add_func ("/nn/parity/public-api", test_public_api);
  g_test_add_func ("/nn/parity/trained", test_trained);
  return g_test_run ();
}
