/* SPDX-License-Identifier: MIT */
/* ct-triage-cli as a user runs it: exit codes, the JSON contract of
 * docs/architecture.md (parsed with json-glib), CSV, info, and with the reduced
 * fixture networks the analysis fields, --masks-out, --report and the results
 * cache (a second run is cached with identical numbers; --no-cache, a changed
 * file and a damaged cache file analyse again). */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <utime.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ct-dicom-writer.h"
#include "ct-nifti.h"
#include "test-util.h"

static const char *const contract_fields[] = {
  "path",
  "study_uid",
  "series_uid",
  "patient_id",
  "modality",
  "slices",
  "rows",
  "columns",
  "spacing_mm",
  "status",
  "error",
  "covid_probability",
  "severity_percent",
  "severity_total_percent",
  "ct_category",
  "lung_volume_ml",
  "lesion_volume_ml",
  "priority_rank",
  "model",
  "timing_ms",
  "warnings",
  "disclaimer",
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
  g_assert_true (
      g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, &err, &status, &error));
  g_assert_no_error (error);
  if (err != NULL && *err != '\0')
    g_test_message ("stderr: %s", err);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
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
  g_autoptr (CtVolume) v = test_util_make_chest_volume (64, 48, 9, "CLI-TEST");
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
  test_util_remove_tree (tmp);
}

static void
test_csv_and_info (void)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (32, 30, 5, "CLI-TEST");
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
  g_assert_nonnull (strstr (lines[1], ",32,")); /* columns */
  g_assert_nonnull (strstr (lines[1], "Not a certified medical device"));
  g_assert_cmpstr (lines[2], ==, "");

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (info_args, &out), ==, 0);
  g_assert_nonnull (strstr (out, "32 x 30 x 5 voxels, spacing 1.5 x 1.5 x 2.5 mm"));
  g_assert_nonnull (strstr (out, "notes.txt: not a DICOM file"));
  test_util_remove_tree (tmp);
}

/* With the reduced fixture networks (random weights: the numbers mean
 * nothing, the plumbing is what is tested). */
static void
test_analysis_and_masks (void)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (96, 80, 12, "CLI-TEST");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *series = NULL, *models = NULL, *masks = NULL;
  g_autofree char *out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *array;
  JsonObject *o;
  const char *series_uid;

  tmp = g_dir_make_tmp ("ct-cli-XXXXXX", &error);
  if ((models = test_util_link_fixture_models (tmp)) == NULL)
    {
      test_util_remove_tree (tmp);
      return;
    }
  series = g_build_filename (tmp, "series", NULL);
  masks = g_build_filename (tmp, "masks", NULL);
  g_assert_true (ct_dicom_write_series (v, series, NULL, &error));

  {
    const char *args[] = {
      "analyze", series, "--json", "--model", models, "--masks-out", masks, "--threads", "2", NULL
    };
    g_assert_cmpint (run_cli (args, &out), ==, 0);
  }
  array = parse_array (out, parser);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  o = json_array_get_object_element (array, 0);
  check_contract_fields (o);
  for (guint f = 0; f < G_N_ELEMENTS (analysis_fields); f++)
    g_assert_false (json_object_get_null_member (o, analysis_fields[f]));
  g_assert_false (json_object_get_null_member (o, "model"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "model"), "name"), ==,
                   "multitask-spatial.safetensors");
  g_assert_cmpuint (strlen (json_object_get_string_member (json_object_get_object_member (o, "model"), "sha256")), ==,
                    64);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (o, "ct_category"), "CT-"));
  g_assert_true (json_object_get_boolean_member (o, "assessable"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "not_assessable_reasons")), ==, 0);

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
  test_util_remove_tree (tmp);
}

/* A three-slice study is analysed but not assessable: its grades are null
 * in JSON and empty in CSV, it says why, and it sorts after the assessable
 * study, whatever the order asked for. */
static void
test_not_assessable (void)
{
  g_autoptr (CtVolume) full = test_util_make_chest_volume (96, 80, 12, "CLI-TEST");
  g_autoptr (CtVolume) thin = test_util_make_chest_volume (96, 80, 3, "CLI-THIN");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-cli-XXXXXX", NULL);
  g_autofree char *studies = g_build_filename (tmp, "studies", NULL);
  g_autofree char *full_dir = g_build_filename (studies, "full", NULL);
  g_autofree char *thin_dir = g_build_filename (studies, "thin", NULL);
  g_autofree char *models = test_util_link_fixture_models (tmp);
  static const char *const grades[] = { "covid_probability",
                                        "severity_percent",
                                        "severity_total_percent",
                                        "severity_right_percent",
                                        "severity_left_percent",
                                        "ct_category",
                                        "triage_score" };

  if (models == NULL)
    {
      test_util_remove_tree (tmp);
      return;
    }
  g_assert_true (ct_dicom_write_series (full, full_dir, NULL, &error));
  g_assert_true (ct_dicom_write_series (thin, thin_dir, NULL, &error));

  for (guint s = 0; s < 3; s++)
    {
      const char *sort = (const char *[]){ "triage", "probability", "severity" }[s];
      const char *args[] = { "analyze", studies, "--json", "--no-cache", "--model", models, "--sort", sort, NULL };
      g_autofree char *out = NULL;
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonArray *array;
      JsonObject *first, *second;

      g_assert_cmpint (run_cli (args, &out), ==, 0);
      array = parse_array (out, parser);
      g_assert_cmpuint (json_array_get_length (array), ==, 2);
      first = json_array_get_object_element (array, 0);
      second = json_array_get_object_element (array, 1);
      g_assert_cmpstr (json_object_get_string_member (first, "patient_id"), ==, "CLI-TEST");
      g_assert_true (json_object_get_boolean_member (first, "assessable"));
      g_assert_cmpstr (json_object_get_string_member (second, "patient_id"), ==, "CLI-THIN");
      g_assert_cmpstr (json_object_get_string_member (second, "status"), ==, "ok");
      g_assert_false (json_object_get_boolean_member (second, "assessable"));
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (second, "not_assessable_reasons")), >, 0);
      for (guint g = 0; g < G_N_ELEMENTS (grades); g++)
        g_assert_true (json_object_get_null_member (second, grades[g]));
      /* What was measured stays. */
      g_assert_false (json_object_get_null_member (second, "lung_volume_ml"));
    }
  {
    const char *args[] = { "analyze", studies, "--csv", "--no-cache", "--model", models, NULL };
    g_autofree char *out = NULL;
    g_auto (GStrv) lines = NULL;

    g_assert_cmpint (run_cli (args, &out), ==, 0);
    lines = g_strsplit (out, "\n", -1);
    g_assert_true (g_str_has_suffix (lines[0], ",assessable,not_assessable_reasons"));
    g_assert_nonnull (strstr (lines[1], "CLI-TEST"));
    g_assert_nonnull (strstr (lines[1], ",true,"));
    g_assert_nonnull (strstr (lines[2], "CLI-THIN"));
    g_assert_nonnull (strstr (lines[2], ",false,"));
    g_assert_null (strstr (lines[2], ",CT-"));
  }
  test_util_remove_tree (tmp);
}

/* The fields that must not change between a run and its cached repeat. */
static const char *const result_fields[] = {
  "series_uid",
  "covid_probability",
  "severity_percent",
  "severity_total_percent",
  "ct_category",
  "lung_volume_ml",
  "lesion_volume_ml",
  "severity_right_percent",
  "severity_left_percent",
  "triage_score",
  "probability_note",
  "quality_flags",
  "model",
};

/* Runs analyze on @studies with the fixture models; the objects by series
 * UID in @by_uid (borrowed from @parser). */
static void
run_cached_analysis (const char *studies, const char *models, const char *extra, JsonParser *parser, GHashTable *by_uid)
{
  g_autofree char *out = NULL;
  const char *args[] = { "analyze", studies, "--json", "--model", models, "--threads", "2", extra, NULL };
  JsonArray *array;

  g_assert_cmpint (run_cli (args, &out), ==, 0);
  array = parse_array (out, parser);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_hash_table_remove_all (by_uid);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      check_contract_fields (o);
      g_assert_true (json_object_has_member (o, "cached"));
      g_assert_false (json_object_get_null_member (o, "severity_percent"));
      g_hash_table_insert (by_uid, (gpointer) json_object_get_string_member (o, "series_uid"), o);
    }
}

static gboolean
is_cached (GHashTable *by_uid, const char *uid)
{
  JsonObject *o = g_hash_table_lookup (by_uid, uid);

  g_assert_nonnull (o);
  return json_object_get_boolean_member (o, "cached");
}

static void
assert_same_results (JsonObject *a, JsonObject *b)
{
  JsonObject *ta = json_object_get_object_member (a, "timing_ms");
  JsonObject *tb = json_object_get_object_member (b, "timing_ms");

  for (guint f = 0; f < G_N_ELEMENTS (result_fields); f++)
    if (!json_node_equal (json_object_get_member (a, result_fields[f]), json_object_get_member (b, result_fields[f])))
      g_error ("%s differs between the analysis and its cached repeat", result_fields[f]);
  /* The cached result keeps the original analysis' timing. */
  for (guint f = 0; f < 3; f++)
    {
      const char *name = (const char *[]){ "lungs", "lesions", "analysis" }[f];
      g_assert_cmpfloat (json_object_get_double_member (ta, name), ==, json_object_get_double_member (tb, name));
    }
}

static void
test_cache_and_report (void)
{
  g_autofree char *saved_cache_dir = g_strdup (g_getenv ("CT_TRIAGE_CACHE_DIR"));
  g_autoptr (CtVolume) va = test_util_make_chest_volume (96, 80, 12, "CLI-TEST");
  /* Big enough for a chest (100 ml of lung) once the lung clean-up drops
   * what the random fixture weights mark outside the body. */
  g_autoptr (CtVolume) vb = test_util_make_chest_volume (88, 80, 12, "CLI-TEST");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL, *studies = NULL, *dir_a = NULL, *dir_b = NULL, *models = NULL;
  g_autofree char *cache = NULL, *reports = NULL, *cache_file = NULL;
  g_autoptr (JsonParser) first_parser = json_parser_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GHashTable) first = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) later = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *uid_a = NULL, *uid_b = NULL;
  GHashTableIter iter;
  gpointer key, value;

  tmp = g_dir_make_tmp ("ct-cli-XXXXXX", &error);
  if ((models = test_util_link_fixture_models (tmp)) == NULL)
    {
      test_util_remove_tree (tmp);
      return;
    }
  studies = g_build_filename (tmp, "studies", NULL);
  dir_a = g_build_filename (studies, "a", NULL);
  dir_b = g_build_filename (studies, "b", NULL);
  cache = g_build_filename (tmp, "cache", NULL);
  cache_file = g_build_filename (cache, "results.sqlite", NULL);
  reports = g_build_filename (tmp, "reports", NULL);
  g_assert_true (ct_dicom_write_series (va, dir_a, NULL, &error));
  g_assert_true (ct_dicom_write_series (vb, dir_b, NULL, &error));
  g_assert_no_error (error);
  g_setenv ("CT_TRIAGE_CACHE_DIR", cache, TRUE);

  /* First run: analysed, stored, one report per study. */
  {
    g_autofree char *report_option = g_strconcat ("--report=", reports, NULL);
    run_cached_analysis (studies, models, report_option, first_parser, first);
  }
  g_assert_true (g_file_test (cache_file, G_FILE_TEST_IS_REGULAR));
  g_hash_table_iter_init (&iter, first);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *name = g_strconcat (key, ".pdf", NULL);
      g_autofree char *path = g_build_filename (reports, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      g_assert_false (is_cached (first, key));
      g_assert_true (json_object_get_null_member (json_object_get_object_member (value, "timing_ms"), "cache"));
      g_assert_true (g_file_get_contents (path, &contents, &length, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (length, >, 1000);
      g_assert_true (g_str_has_prefix (contents, "%PDF"));
      if (uid_a == NULL)
        uid_a = g_strdup (key);
      else
        uid_b = g_strdup (key);
    }
  g_assert_nonnull (uid_b);

  /* Second run: both from the cache, the same numbers, the original timing. */
  run_cached_analysis (studies, models, NULL, parser, later);
  g_hash_table_iter_init (&iter, later);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_assert_true (is_cached (later, key));
      g_assert_false (json_object_get_null_member (json_object_get_object_member (value, "timing_ms"), "cache"));
      assert_same_results (g_hash_table_lookup (first, key), value);
    }

  /* The table says so too. */
  {
    g_autofree char *out = NULL;
    const char *args[] = { "analyze", studies, "--model", models, "--threads", "2", NULL };

    g_assert_cmpint (run_cli (args, &out), ==, 0);
    g_assert_nonnull (strstr (out, "2 of 2 from the results cache"));
  }

  /* --no-cache: analysed again. */
  run_cached_analysis (studies, models, "--no-cache", parser, later);
  g_assert_false (is_cached (later, uid_a));
  g_assert_false (is_cached (later, uid_b));

  /* One file of one series rewritten: only that series is analysed again. */
  {
    const char *dir = json_object_get_string_member (g_hash_table_lookup (first, uid_a), "path");
    g_autofree char *slice = g_build_filename (dir, "IM00003.dcm", NULL);
    struct utimbuf times = { .actime = time (NULL), .modtime = time (NULL) + 120 };

    g_assert_cmpint (g_utime (slice, &times), ==, 0);
    run_cached_analysis (studies, models, NULL, parser, later);
    g_assert_false (is_cached (later, uid_a));
    g_assert_true (is_cached (later, uid_b));
  }

  /* A damaged cache file: a warning, the analysis goes on, a new cache. */
  {
    g_autofree char *garbage = g_strnfill (4096, '#');
    g_autofree char *wal = g_strconcat (cache_file, "-wal", NULL);
    g_autofree char *shm = g_strconcat (cache_file, "-shm", NULL);
    g_autofree char *aside = g_strconcat (cache_file, ".corrupt", NULL);

    g_remove (wal);
    g_remove (shm);
    g_assert_true (g_file_set_contents (cache_file, garbage, -1, &error));
    run_cached_analysis (studies, models, NULL, parser, later);
    g_assert_false (is_cached (later, uid_a));
    g_assert_false (is_cached (later, uid_b));
    g_assert_true (g_file_test (aside, G_FILE_TEST_IS_REGULAR));
    run_cached_analysis (studies, models, NULL, parser, later);
    g_assert_true (is_cached (later, uid_a));
    g_assert_true (is_cached (later, uid_b));
  }

  /* Locked by another process for longer than the busy timeout (5 s): a
   * warning, and both studies are analysed anyway. */
  {
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (cache_file, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db,
                                   "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE;"
                                   " DELETE FROM results WHERE 0;",
                                   NULL, NULL, NULL),
                     ==, SQLITE_OK);
    run_cached_analysis (studies, models, NULL, parser, later);
    g_assert_false (is_cached (later, uid_a));
    g_assert_false (is_cached (later, uid_b));
    sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close (db);
  }

  if (saved_cache_dir != NULL)
    g_setenv ("CT_TRIAGE_CACHE_DIR", saved_cache_dir, TRUE);
  else
    g_unsetenv ("CT_TRIAGE_CACHE_DIR");
  test_util_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/usage", test_usage);
  g_test_add_func ("/cli/no-analysis-json", test_no_analysis_json);
  g_test_add_func ("/cli/csv-and-info", test_csv_and_info);
  g_test_add_func ("/cli/analysis-and-masks", test_analysis_and_masks);
  g_test_add_func ("/cli/not-assessable", test_not_assessable);
  g_test_add_func ("/cli/cache-and-report", test_cache_and_report);
  return g_test_run ();
}
