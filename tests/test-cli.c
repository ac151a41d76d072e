/* SPDX-License-Identifier: MIT */
/* ct-triage-cli as a user runs it: exit codes, the JSON contract of
 * ARCHITECTURE.md (parsed with json-glib), CSV, info, and with the reduced
 * fixture networks the analysis fields and --masks-out. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ct-dicom-writer.h"
#include "ct-nifti.h"

static const char *const contract_fields[] = {
  "path", "study_uid", "series_uid", "patient_id", "modality", "slices", "rows", "columns",
  "spacing_mm", "status", "error", "covid_probability", "severity_percent",
  "severity_total_percent", "ct_category", "lung_volume_ml", "lesion_volume_ml", "priority_rank",
  "model", "timing_ms", "warnings", "disclaimer",
};

static const char *const analysis_fields[] = {
  "severity_percent", "severity_total_percent", "ct_category", "lung_volume_ml", "lesion_volume_ml",
};

static char *
cli_path (void)
{
  return g_build_filename (g_getenv ("CT_TRIAGE_BUILD_DIR"), "app", "ct-triage-cli", NULL);
}

/* Runs the CLI with @args (NULL-terminated, without argv[0]); returns the
 * exit status, standard output in @out. */
static int
run_cli (const char *const *args, char **out)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  int status = -1;

  g_ptr_array_add (argv, cli_path ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out, &err, &status, &error));
  g_assert_no_error (error);
  if (err != NULL && *err != '\0')
    g_test_message ("stderr: %s", err);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static CtVolume *
make_volume (int nx, int ny, int nz)
{
  CtVolume *v = ct_volume_new (nx, ny, nz);

  ct_volume_set_identity_geometry (v, 1.5, 1.5, 2.5);
  v->origin[0] = -96;
  v->origin[1] = -80;
  v->origin[2] = -300;
  /* A body of water with two air-filled "lungs" in air. */
  for (int k = 0; k < nz; k++)
    for (int j = 0; j < ny; j++)
      for (int i = 0; i < nx; i++)
        {
          double x = (i - nx / 2.0) / (nx * 0.45), y = (j - ny / 2.0) / (ny * 0.35);
          double lx = fabs (x) - 0.45, ly = y / 0.7;
          float hu = -1000;
          if (x * x + y * y < 1)
            hu = 40;
          if (lx * lx / 0.09 + ly * ly < 1 && k > 1 && k < nz - 2)
            hu = -850;
          v->hu[((gsize) k * ny + j) * nx + i] = hu;
        }
  v->patient_id = g_strdup ("CLI-TEST");
  return v;
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        remove_tree (path);
      else
        g_remove (path);
    }
  g_rmdir (dir);
}

static void
test_usage (void)
{
  const char *none[] = { NULL };
  const char *bad_sort[] = { "analyze", "--sort", "colour", "x", NULL };
  const char *no_path[] = { "analyze", "--json", NULL };
  const char *both[] = { "analyze", "--json", "--csv", "x", NULL };
  const char *unknown[] = { "frobnicate", NULL };

  g_assert_cmpint (run_cli (none, NULL), ==, 2);
  g_assert_cmpint (run_cli (bad_sort, NULL), ==, 2);
  g_assert_cmpint (run_cli (no_path, NULL), ==, 2);
  g_assert_cmpint (run_cli (both, NULL), ==, 2);
  g_assert_cmpint (run_cli (unknown, NULL), ==, 2);
}

static JsonArray *
parse_array (const char *text, JsonParser *parser)
{
  g_autoptr (GError) error = NULL;
  JsonNode *root;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  return json_node_get_array (root);
}

static void
check_contract_fields (JsonObject *o)
{
  for (guint f = 0; f < G_N_ELEMENTS (contract_fields); f++)
    {
      if (!json_object_has_member (o, contract_fields[f]))
        g_error ("field %s missing", contract_fields[f]);
    }
  g_assert_nonnull (strstr (json_object_get_string_member (o, "disclaimer"), "Not a certified medical device"));
}

static void
test_no_analysis_json (void)
{
  g_autoptr (CtVolume) v = make_volume (64, 48, 9);
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-cli-XXXXXX", &error);
  g_autofree char *series = g_build_filename (tmp, "series", NULL);
  g_autofree char *missing = g_build_filename (tmp, "no-such-study", NULL);
  g_autofree char *out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  const char *args_two[] = { "analyze", series, missing, "--no-analysis", "--json", NULL };
  const char *args_one[] = { "analyze", series, "--no-analysis", "--json", NULL };
  JsonArray *array;
  JsonObject *ok, *bad;
  JsonArray *spacing;

  g_assert_true (ct_dicom_write_series (v, series, NULL, &error));

  /* One good study and one bad path: both reported, exit 1. */
  g_assert_cmpint (run_cli (args_two, &out), ==, 1);
  array = parse_array (out, parser);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  ok = json_array_get_object_element (array, 0);
  bad = json_array_get_object_element (array, 1);
  check_contract_fields (ok);
  check_contract_fields (bad);

  g_assert_cmpstr (json_object_get_string_member (ok, "status"), ==, "ok");
  g_assert_true (json_object_get_null_member (ok, "error"));
  g_assert_cmpint (json_object_get_int_member (ok, "priority_rank"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (ok, "slices"), ==, 9);
  g_assert_cmpint (json_object_get_int_member (ok, "rows"), ==, 48);
  g_assert_cmpint (json_object_get_int_member (ok, "columns"), ==, 64);
  g_assert_cmpstr (json_object_get_string_member (ok, "patient_id"), ==, "CLI-TEST");
  g_assert_cmpstr (json_object_get_string_member (ok, "modality"), ==, "CT");
  spacing = json_object_get_array_member (ok, "spacing_mm");
  g_assert_cmpuint (json_array_get_length (spacing), ==, 3);
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (spacing, 0), 1.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (spacing, 1), 1.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (spacing, 2), 2.5, 1e-9);
  g_assert_true (json_object_get_null_member (ok, "covid_probability"));
  for (guint f = 0; f < G_N_ELEMENTS (analysis_fields); f++)
    g_assert_true (json_object_get_null_member (ok, analysis_fields[f]));
  g_assert_true (json_object_get_null_member (ok, "model"));

  g_assert_cmpstr (json_object_get_string_member (bad, "status"), ==, "error");
  g_assert_nonnull (strstr (json_object_get_string_member (bad, "error"), "no such file"));
  g_assert_cmpint (json_object_get_int_member (bad, "priority_rank"), ==, 2);

  /* Only the good study: exit 0. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (args_one, &out), ==, 0);
  array = parse_array (out, parser);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  remove_tree (tmp);
}

static void
test_csv_and_info (void)
{
  g_autoptr (CtVolume) v = make_volume (32, 30, 5);
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-cli-XXXXXX", &error);
  g_autofree char *out = NULL;
  g_autofree char *readme = g_build_filename (tmp, "notes.txt", NULL);
  const char *csv_args[] = { "analyze", tmp, "--no-analysis", "--csv", NULL };
  const char *info_args[] = { "info", "--verbose", tmp, NULL };
  g_auto (GStrv) lines = NULL;

  g_assert_true (ct_dicom_write_series (v, tmp, NULL, &error));
  g_assert_true (g_file_set_contents (readme, "not DICOM", -1, &error));

  g_assert_cmpint (run_cli (csv_args, &out), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "priority_rank,path,"));
  g_assert_true (g_str_has_prefix (lines[1], "1,"));
  g_assert_nonnull (strstr (lines[1], ",32,"));   /* columns */
  g_assert_nonnull (strstr (lines[1], "Not a certified medical device"));
  g_assert_cmpstr (lines[2], ==, "");

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (info_args, &out), ==, 0);
  g_assert_nonnull (strstr (out, "32 x 30 x 5 voxels, spacing 1.5 x 1.5 x 2.5 mm"));
  g_assert_nonnull (strstr (out, "notes.txt: not a DICOM file"));
  remove_tree (tmp);
}

/* With the reduced fixture networks (random weights: the numbers mean
 * nothing, the plumbing is what is tested). */
static void
test_analysis_and_masks (void)
{
  g_autofree char *fixtures = g_build_filename (g_getenv ("CT_TRIAGE_SOURCE_DIR"), "tests", "fixtures", NULL);
  g_autofree char *lungs_src = g_build_filename (fixtures, "reduced-lungs.safetensors", NULL);
  g_autofree char *multitask_src = g_build_filename (fixtures, "reduced-multitask.safetensors", NULL);
  g_autoptr (CtVolume) v = make_volume (96, 80, 12);
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *series = NULL, *models = NULL, *masks = NULL, *lungs = NULL, *multitask = NULL;
  g_autofree char *out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *array;
  JsonObject *o;
  const char *series_uid;

  if (!g_file_test (lungs_src, G_FILE_TEST_EXISTS) || !g_file_test (multitask_src, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("tests/fixtures/reduced-*.safetensors are not there");
      return;
    }
  tmp = g_dir_make_tmp ("ct-cli-XXXXXX", &error);
  series = g_build_filename (tmp, "series", NULL);
  models = g_build_filename (tmp, "models", NULL);
  masks = g_build_filename (tmp, "masks", NULL);
  lungs = g_build_filename (models, "lungs.safetensors", NULL);
  multitask = g_build_filename (models, "multitask-spatial.safetensors", NULL);
  g_assert_cmpint (g_mkdir (models, 0755), ==, 0);
  g_assert_cmpint (symlink (lungs_src, lungs), ==, 0);
  g_assert_cmpint (symlink (multitask_src, multitask), ==, 0);
  g_assert_true (ct_dicom_write_series (v, series, NULL, &error));

  {
    const char *args[] = { "analyze", series, "--json", "--model", models, "--masks-out", masks,
                           "--threads", "2", NULL };
    g_assert_cmpint (run_cli (args, &out), ==, 0);
  }
  array = parse_array (out, parser);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  o = json_array_get_object_element (array, 0);
  check_contract_fields (o);
  for (guint f = 0; f < G_N_ELEMENTS (analysis_fields); f++)
    g_assert_false (json_object_get_null_member (o, analysis_fields[f]));
  g_assert_false (json_object_get_null_member (o, "model"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "model"), "name"),
                   ==, "multitask-spatial.safetensors");
  g_assert_cmpuint (strlen (json_object_get_string_member (json_object_get_object_member (o, "model"),
                                                           "sha256")), ==, 64);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (o, "ct_category"), "CT-"));

  series_uid = json_object_get_string_member (o, "series_uid");
  {
    g_autofree char *name = g_strconcat (series_uid, "_lesions.nii.gz", NULL);
    g_autofree char *path = g_build_filename (masks, name, NULL);
    g_autofree char *lung_name = g_strconcat (series_uid, "_lungs.nii.gz", NULL);
    g_autofree char *lung_path = g_build_filename (masks, lung_name, NULL);
    g_autoptr (CtVolume) mask = ct_nifti_load (path, &error);

    g_assert_no_error (error);
    g_assert_true (g_file_test (lung_path, G_FILE_TEST_EXISTS));
    g_assert_cmpint (mask->nx, ==, v->nx);
    g_assert_cmpint (mask->ny, ==, v->ny);
    g_assert_cmpint (mask->nz, ==, v->nz);
    for (int a = 0; a < 3; a++)
      g_assert_cmpfloat_with_epsilon (mask->origin[a], v->origin[a], 1e-4);
  }
  remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/usage", test_usage);
  g_test_add_func ("/cli/no-analysis-json", test_no_analysis_json);
  g_test_add_func ("/cli/csv-and-info", test_csv_and_info);
  g_test_add_func ("/cli/analysis-and-masks", test_analysis_and_masks);
  return g_test_run ();
}
