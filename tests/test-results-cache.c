/* SPDX-License-Identifier: MIT */
/* The results cache (app/ct-results-cache.h): a stored analysis comes back
 * field for field with identical masks; another file state or other weights
 * miss; a damaged cache file is moved aside with a warning and a damaged
 * entry is dropped; the job queue takes a stored analysis instead of running
 * one. The command line's use of it is in test-cli.c. */
#include <math.h>
#include <string.h>
#include <utime.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ct-dicom-writer.h"
#include "ct-error.h"
#include "ct-job-queue.h"
#include "ct-results-cache.h"
#include "ct-series-loader.h"
#include "ct-study-scan.h"
#include "ct-study-library.h"
#include "test-util.h"

#define LUNGS_SHA "1111111111111111111111111111111111111111111111111111111111111111"
#define MULTITASK_SHA "2222222222222222222222222222222222222222222222222222222222222222"
#define OTHER_SHA "3333333333333333333333333333333333333333333333333333333333333333"

/* An analysis with every field set to something recognisable and seeded
 * random masks (lung labels 0/1/2, lesions 0/1). */
static CtAnalysis *
make_analysis (int nx, int ny, int nz, gboolean with_probability, guint32 seed)
{
  CtAnalysis *a = ct_analysis_new ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  gsize n = (gsize) nx * ny * nz;

  a->nx = nx;
  a->ny = ny;
  a->nz = nz;
  a->lung_mask = g_malloc (n);
  a->lesion_mask = g_malloc (n);
  for (gsize i = 0; i < n; i++)
    {
      a->lung_mask[i] = (guint8) g_rand_int_range (rand, 0, 3);
      a->lesion_mask[i] = a->lung_mask[i] != 0 && g_rand_int_range (rand, 0, 4) == 0;
    }
  a->has_probability = with_probability;
  a->covid_probability = with_probability ? 0.8125 + g_rand_double (rand) * 1e-3 : NAN;
  a->probability_note = with_probability ? NULL : g_strdup ("too few slices for the classifier");
  a->severity_percent = 37.25 + g_rand_double (rand);
  a->severity_total_percent = 21.5 + g_rand_double (rand);
  a->severity_right_percent = 37.25;
  a->severity_left_percent = 5.0625;
  a->category = CT_CATEGORY_2;
  a->lung_volume_ml = 4321.123456789;
  a->lesion_volume_ml = 901.0 / 3.0;
  a->triage_score = -1.0 / 7.0;
  a->quality = CT_QUALITY_LUNGS_CUT_TOP | CT_QUALITY_NOISY;
  g_ptr_array_add (a->quality_notes, g_strdup ("Lung reaches the first slice"));
  g_ptr_array_add (a->quality_notes, g_strdup ("Noisy: 61 HU (ünïcode, tab\there)"));
  a->timing_lungs_ms = 1234.5;
  a->timing_lesions_ms = 2345.25;
  a->timing_total_ms = 3999.75;
  a->right_lung_volume_ml = 2200.5;
  a->left_lung_volume_ml = 2120.623456789;
  a->noise_hu = with_probability ? 17.75 : NAN;
  return a;
}

static void
assert_same_double (double a, double b)
{
  if (isnan (a))
    g_assert_true (isnan (b));
  else
    g_assert_cmpfloat (a, ==, b);
}

static void
assert_same_analysis (const CtAnalysis *a, const CtAnalysis *b)
{
  gsize n = (gsize) a->nx * a->ny * a->nz;

  g_assert_cmpint (a->nx, ==, b->nx);
  g_assert_cmpint (a->ny, ==, b->ny);
  g_assert_cmpint (a->nz, ==, b->nz);
  g_assert_cmpmem (a->lung_mask, n, b->lung_mask, n);
  g_assert_cmpmem (a->lesion_mask, n, b->lesion_mask, n);
  g_assert_cmpint (a->has_probability, ==, b->has_probability);
  assert_same_double (a->covid_probability, b->covid_probability);
  g_assert_cmpstr (a->probability_note, ==, b->probability_note);
  assert_same_double (a->severity_percent, b->severity_percent);
  assert_same_double (a->severity_total_percent, b->severity_total_percent);
  assert_same_double (a->severity_right_percent, b->severity_right_percent);
  assert_same_double (a->severity_left_percent, b->severity_left_percent);
  g_assert_cmpint (a->category, ==, b->category);
  assert_same_double (a->lung_volume_ml, b->lung_volume_ml);
  assert_same_double (a->lesion_volume_ml, b->lesion_volume_ml);
  assert_same_double (a->triage_score, b->triage_score);
  g_assert_cmpint (a->quality, ==, b->quality);
  g_assert_cmpuint (a->quality_notes->len, ==, b->quality_notes->len);
  for (guint i = 0; i < a->quality_notes->len; i++)
    g_assert_cmpstr (g_ptr_array_index (a->quality_notes, i), ==, g_ptr_array_index (b->quality_notes, i));
  assert_same_double (a->timing_lungs_ms, b->timing_lungs_ms);
  assert_same_double (a->timing_lesions_ms, b->timing_lesions_ms);
  assert_same_double (a->timing_total_ms, b->timing_total_ms);
  assert_same_double (a->right_lung_volume_ml, b->right_lung_volume_ml);
  assert_same_double (a->left_lung_volume_ml, b->left_lung_volume_ml);
  assert_same_double (a->noise_hu, b->noise_hu);
}

static void
test_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-cache-XXXXXX", &error);
  g_autoptr (CtAnalysis) with_probability = make_analysis (37, 29, 11, TRUE, 7);
  g_autoptr (CtAnalysis) without_probability = make_analysis (16, 8, 3, FALSE, 8);
  g_autoptr (CtAnalysis) got = NULL;
  g_autoptr (CtAnalysis) other = NULL;
  g_autofree char *file = NULL;

  /* A study without quality notes (the usual case): the empty list must
   * store and come back empty, not fail a NOT NULL constraint. */
  g_ptr_array_set_size (without_probability->quality_notes, 0);
  without_probability->quality = 0;

  {
    g_autoptr (CtResultsCache) cache = ct_results_cache_open (tmp, &error);
    g_assert_no_error (error);
    g_assert_null (ct_results_cache_get_recovery_note (cache));
    file = g_strdup (ct_results_cache_get_path (cache));
    g_assert_true (g_str_has_prefix (file, tmp));

    /* Empty: a miss, and no error. */
    g_assert_null (ct_results_cache_lookup (cache, "fp-a", LUNGS_SHA, MULTITASK_SHA, &error));
    g_assert_no_error (error);

    g_assert_true (ct_results_cache_store (cache, "fp-a", LUNGS_SHA, MULTITASK_SHA, with_probability, &error));
    g_assert_no_error (error);
    g_assert_true (ct_results_cache_store (cache, "fp-b", LUNGS_SHA, MULTITASK_SHA, without_probability, &error));
    g_assert_no_error (error);
  }

  /* Reopened (as another process would): every field back. */
  {
    g_autoptr (CtResultsCache) cache = ct_results_cache_open (tmp, &error);
    g_assert_no_error (error);
    got = ct_results_cache_lookup (cache, "fp-a", LUNGS_SHA, MULTITASK_SHA, &error);
    g_assert_no_error (error);
    g_assert_nonnull (got);
    assert_same_analysis (with_probability, got);
    g_clear_pointer (&got, ct_analysis_unref);
    got = ct_results_cache_lookup (cache, "fp-b", LUNGS_SHA, MULTITASK_SHA, &error);
    g_assert_no_error (error);
    g_assert_nonnull (got);
    assert_same_analysis (without_probability, got);

    /* Another model on either side: a miss. */
    g_assert_null (ct_results_cache_lookup (cache, "fp-a", OTHER_SHA, MULTITASK_SHA, &error));
    g_assert_no_error (error);
    g_assert_null (ct_results_cache_lookup (cache, "fp-a", LUNGS_SHA, OTHER_SHA, &error));
    g_assert_no_error (error);

    /* Storing again replaces. */
    other = make_analysis (5, 4, 3, TRUE, 99);
    g_assert_true (ct_results_cache_store (cache, "fp-a", LUNGS_SHA, MULTITASK_SHA, other, &error));
    g_clear_pointer (&got, ct_analysis_unref);
    got = ct_results_cache_lookup (cache, "fp-a", LUNGS_SHA, MULTITASK_SHA, &error);
    g_assert_no_error (error);
    assert_same_analysis (other, got);
  }
  test_util_remove_tree (tmp);
}

static char *
fingerprint_of (const char *folder)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CtStudyScan) scan = ct_study_scan (folder, NULL, &error);
  char *fingerprint;

  g_assert_no_error (error);
  g_assert_cmpuint (scan->series->len, ==, 1);
  fingerprint = ct_results_cache_fingerprint_series (g_ptr_array_index (scan->series, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (fingerprint), ==, 64);
  return fingerprint;
}

/* The fingerprint follows the files: the same files give the same one (also
 * through ct_results_cache_fingerprint_path ()), a new mtime, size or an
 * extra slice another. */
static void
test_fingerprint (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-cache-XXXXXX", &error);
  g_autofree char *series = g_build_filename (tmp, "series", NULL);
  g_autofree char *slice = g_build_filename (series, "IM00002.dcm", NULL);
  g_autoptr (CtVolume) v = ct_volume_new (24, 20, 6);
  g_autofree char *first = NULL, *again = NULL, *by_path = NULL, *touched = NULL;
  g_autoptr (CtAnalysis) analysis = make_analysis (24, 20, 6, TRUE, 3);
  g_autoptr (CtResultsCache) cache = NULL;
  g_autoptr (CtAnalysis) got = NULL;
  GStatBuf st;
  struct utimbuf times;

  ct_volume_set_identity_geometry (v, 1.0, 1.0, 2.0);
  for (gsize i = 0; i < (gsize) 24 * 20 * 6; i++)
    v->hu[i] = (float) (i % 300) - 1000;
  g_assert_true (ct_dicom_write_series (v, series, NULL, &error));
  g_assert_no_error (error);

  first = fingerprint_of (series);
  again = fingerprint_of (series);
  g_assert_cmpstr (first, ==, again);
  by_path = ct_results_cache_fingerprint_path (series, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, ==, by_path);

  cache = ct_results_cache_open (tmp, &error);
  g_assert_no_error (error);
  g_assert_true (ct_results_cache_store (cache, first, LUNGS_SHA, MULTITASK_SHA, analysis, &error));
  got = ct_results_cache_lookup (cache, again, LUNGS_SHA, MULTITASK_SHA, &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);

  /* One slice rewritten later (same size): another fingerprint, a miss. */
  g_assert_cmpint (g_stat (slice, &st), ==, 0);
  times.actime = st.st_atime;
  times.modtime = st.st_mtime + 60;
  g_assert_cmpint (g_utime (slice, &times), ==, 0);
  touched = fingerprint_of (series);
  g_assert_cmpstr (touched, !=, first);
  g_clear_pointer (&got, ct_analysis_unref);
  got = ct_results_cache_lookup (cache, touched, LUNGS_SHA, MULTITASK_SHA, &error);
  g_assert_no_error (error);
  g_assert_null (got);

  /* A missing series under the path is an error, not a fingerprint. */
  g_assert_null (ct_results_cache_fingerprint_path (series, "1.2.3.no.such.series", NULL, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_NO_STUDIES);
  test_util_remove_tree (tmp);
}

/* A file that is not a database is moved aside with a note; the new
 * cache works. A damaged entry is an error once, then a miss. */
static void
test_damaged (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-cache-XXXXXX", &error);
  g_autofree char *file = g_build_filename (tmp, "results.sqlite", NULL);
  g_autofree char *aside = g_build_filename (tmp, "results.sqlite.corrupt", NULL);
  g_autofree char *garbage = g_strnfill (8192, 'x');
  g_autoptr (CtAnalysis) analysis = make_analysis (9, 7, 5, TRUE, 11);
  g_autoptr (CtAnalysis) got = NULL;
  g_autoptr (CtResultsCache) cache = NULL;
  sqlite3 *db = NULL;

  g_assert_true (g_file_set_contents (file, garbage, -1, &error));
  cache = ct_results_cache_open (tmp, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cache);
  g_assert_nonnull (strstr (ct_results_cache_get_recovery_note (cache), "moved aside"));
  g_assert_true (g_file_test (aside, G_FILE_TEST_EXISTS));
  g_assert_true (ct_results_cache_store (cache, "fp", LUNGS_SHA, MULTITASK_SHA, analysis, &error));
  g_assert_no_error (error);
  got = ct_results_cache_lookup (cache, "fp", LUNGS_SHA, MULTITASK_SHA, &error);
  g_assert_no_error (error);
  assert_same_analysis (analysis, got);
  g_clear_pointer (&got, ct_analysis_unref);

  /* Another connection (as a second process) damages the stored mask. */
  g_assert_cmpint (sqlite3_open (file, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE results SET lesion_mask = x'0102030405'", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (db);
  got = ct_results_cache_lookup (cache, "fp", LUNGS_SHA, MULTITASK_SHA, &error);
  g_assert_null (got);
  g_assert_error (error, CT_ERROR, CT_ERROR_CORRUPT);
  g_clear_error (&error);
  got = ct_results_cache_lookup (cache, "fp", LUNGS_SHA, MULTITASK_SHA, &error);
  g_assert_no_error (error);
  g_assert_null (got);

  /* A folder that cannot be created: an error for the caller to report. */
  {
    g_autofree char *blocked = g_build_filename (file, "sub", NULL);
    g_autoptr (CtResultsCache) none = ct_results_cache_open (blocked, &error);
    g_assert_null (none);
    g_assert_error (error, CT_ERROR, CT_ERROR_IO);
  }
  test_util_remove_tree (tmp);
}

/* The default folder is the user cache folder; the library reads no
 * environment (the test environment sets CT_TRIAGE_CACHE_DIR, for the
 * programs to pass in). */
static void
test_default_dir (void)
{
  g_autofree char *dir = ct_results_cache_dup_default_dir ();
  g_autofree char *expected = g_build_filename (g_get_user_cache_dir (), "ct-triage", NULL);

  g_assert_nonnull (g_getenv ("CT_TRIAGE_CACHE_DIR"));
  g_assert_cmpstr (dir, ==, expected);
}

/* Runs one study of @series through @queue: found by the study library's
 * scan (the same series record then serves loading and the cache's
 * fingerprint); its analysis, owned by the returned study. */
static CtStudy *
analyse_in_queue (CtJobQueue *queue, const char *series)
{
  g_autoptr (CtStudyLibrary) library = ct_study_library_new ();
  const char *paths[] = { series, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = ct_study_library_add_paths (library, paths, 1, FALSE, NULL, &error);
  gint64 deadline = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;
  CtStudy *study;

  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  study = g_object_ref (g_ptr_array_index (found, 0));
  g_assert_nonnull (ct_study_get_series (study));
  ct_job_queue_add (queue, study);
  while (ct_job_queue_get_busy (queue) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpstr (ct_study_get_error (study), ==, NULL);
  g_assert_cmpint (ct_study_get_status (study), ==, CT_STUDY_STATUS_DONE);
  g_assert_nonnull (ct_study_get_analysis (study));
  /* Loaded for viewing also when the analysis came from the cache. */
  g_assert_nonnull (ct_study_get_volume (study));
  return study;
}

/* The analyzer stores what it analyses and takes it back the next time:
 * the same analysis, with the original run's timing and the identity of
 * the models; not so when told not to use the cache. */
static void
test_job_queue (void)
{
  g_autofree char *fixtures = g_build_filename (g_getenv ("CT_TRIAGE_SOURCE_DIR"), "tests", "fixtures", NULL);
  g_autofree char *lungs_path = g_build_filename (fixtures, "reduced-lungs.safetensors", NULL);
  g_autofree char *multitask_path = g_build_filename (fixtures, "reduced-multitask.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL, *series = NULL, *cache_dir = NULL, *fingerprint = NULL;
  g_autoptr (CtModel) lungs = NULL;
  g_autoptr (CtModel) multitask = NULL;
  g_autoptr (CtVolume) v = ct_volume_new (72, 64, 10);
  g_autoptr (CtAnalyzer) analyzer = NULL;
  g_autoptr (CtJobQueue) queue = NULL;
  g_autoptr (CtStudy) first = NULL;
  g_autoptr (CtStudy) again = NULL;
  g_autoptr (CtStudy) uncached = NULL;
  g_autoptr (CtResultsCache) cache = NULL;
  g_autoptr (CtAnalysis) stored = NULL;
  const CtAnalysis *cached;

  if (!g_file_test (lungs_path, G_FILE_TEST_EXISTS) || !g_file_test (multitask_path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("tests/fixtures/reduced-*.safetensors are not there");
      return;
    }
  lungs = ct_model_load (lungs_path, &error);
  g_assert_no_error (error);
  multitask = ct_model_load (multitask_path, &error);
  g_assert_no_error (error);
  tmp = g_dir_make_tmp ("ct-cache-XXXXXX", &error);
  series = g_build_filename (tmp, "series", NULL);
  cache_dir = g_build_filename (tmp, "cache", NULL);

  /* Body of water, two air "lungs", air around. */
  ct_volume_set_identity_geometry (v, 2.0, 2.0, 3.0);
  for (int k = 0; k < v->nz; k++)
    for (int j = 0; j < v->ny; j++)
      for (int i = 0; i < v->nx; i++)
        {
          double x = (i - v->nx / 2.0) / (v->nx * 0.45), y = (j - v->ny / 2.0) / (v->ny * 0.35);
          double lx = fabs (x) - 0.45;
          float hu = x * x + y * y < 1 ? 40 : -1000;
          if (lx * lx / 0.09 + y * y / 0.49 < 1 && k > 0 && k < v->nz - 1)
            hu = -850 + (float) ((i * 7 + j * 3 + k) % 50);
          v->hu[((gsize) k * v->ny + j) * v->nx + i] = hu;
        }
  g_assert_true (ct_dicom_write_series (v, series, NULL, &error));
  g_assert_no_error (error);

  /* The cache folder is an option of the analyzer, not the environment. */
  analyzer = ct_analyzer_new (NULL);
  ct_analyzer_set_models (analyzer, lungs, multitask);
  ct_analyzer_set_cache (analyzer, TRUE, cache_dir);
  queue = ct_job_queue_new (analyzer);
  first = analyse_in_queue (queue, series);
  g_assert_false (ct_study_get_cached (first));
  g_assert_cmpstr (ct_study_get_analysis (first)->multitask_model.sha256, ==, ct_model_get_sha256 (multitask));

  /* Stored under the files' fingerprint and both models. */
  fingerprint = ct_results_cache_fingerprint_path (series, NULL, NULL, &error);
  g_assert_no_error (error);
  cache = ct_results_cache_open (cache_dir, &error);
  g_assert_no_error (error);
  stored = ct_results_cache_lookup (cache, fingerprint, ct_model_get_sha256 (lungs), ct_model_get_sha256 (multitask),
                                    &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored);
  assert_same_analysis (ct_study_get_analysis (first), stored);

  /* A second time: from the cache (the first run's timing, to the bit),
   * naming the models that made it. */
  again = analyse_in_queue (queue, series);
  g_assert_true (ct_study_get_cached (again));
  assert_same_analysis (ct_study_get_analysis (first), ct_study_get_analysis (again));
  cached = ct_study_get_analysis (again);
  g_assert_cmpstr (cached->multitask_model.sha256, ==, ct_model_get_sha256 (multitask));
  g_assert_cmpstr (cached->lungs_model.sha256, ==, ct_model_get_sha256 (lungs));
  g_assert_cmpstr (cached->multitask_model.name, ==, ct_model_get_name (multitask));

  /* Without the cache: analysed again (the same numbers, its own timing). */
  ct_analyzer_set_cache (analyzer, FALSE, NULL);
  uncached = analyse_in_queue (queue, series);
  g_assert_false (ct_study_get_cached (uncached));
  g_assert_cmpfloat (ct_study_get_analysis (uncached)->severity_percent, ==,
                     ct_study_get_analysis (first)->severity_percent);
  g_assert_cmpfloat (ct_study_get_analysis (uncached)->timing_total_ms, !=,
                     ct_study_get_analysis (first)->timing_total_ms);

  g_clear_object (&queue);
  test_util_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* First: it sets the environment, before any thread exists. */
  g_test_add_func ("/results-cache/default-dir", test_default_dir);
  g_test_add_func ("/results-cache/round-trip", test_round_trip);
  g_test_add_func ("/results-cache/fingerprint", test_fingerprint);
  g_test_add_func ("/results-cache/damaged", test_damaged);
  g_test_add_func ("/results-cache/job-queue", test_job_queue);
  return g_test_run ();
}
