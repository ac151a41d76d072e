/* SPDX-License-Identifier: MIT */
/* The study record, the analyzer and the job queue: the work-list order,
 * the blocking and background analyses equal to a direct ct_analysis_run ()
 * call and naming their models, progress, load errors, cancellation of
 * queued and running studies, disposal cancelling the running one, and the
 * study library (failed paths, trimming volumes). Uses the
 * reduced-width random-weights fixtures (tests/fixtures/) and synthetic
 * volumes made in memory, so it needs no data. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include "ct-analysis.h"
#include "ct-error.h"
#include "ct-job-queue.h"
#include "ct-study-library.h"
#include "ct-triage-score.h"

typedef struct
{
  CtModel *lungs;
  CtModel *multitask;
} Models;

static gboolean
load_fixture_models (Models *m)
{
  const char *source_dir = g_getenv ("CT_TRIAGE_SOURCE_DIR");
  g_autofree char *lungs = NULL;
  g_autofree char *multitask = NULL;
  g_autoptr (GError) error = NULL;

  memset (m, 0, sizeof *m);
  lungs = g_build_filename (source_dir, "tests", "fixtures", "reduced-lungs.safetensors", NULL);
  multitask = g_build_filename (source_dir, "tests", "fixtures", "reduced-multitask.safetensors", NULL);
  if (!g_file_test (lungs, G_FILE_TEST_EXISTS) || !g_file_test (multitask, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("tests/fixtures/reduced-*.safetensors are missing");
      return FALSE;
    }
  m->lungs = ct_model_load (lungs, &error);
  g_assert_no_error (error);
  m->multitask = ct_model_load (multitask, &error);
  g_assert_no_error (error);
  return TRUE;
}

static void
models_clear (Models *m)
{
  g_clear_pointer (&m->lungs, ct_model_unref);
  g_clear_pointer (&m->multitask, ct_model_unref);
}

/* A chest-like volume: air outside, soft tissue body, two dark lungs with a
 * denser blob whose size depends on the seed in the path ("study-N"). */
static CtVolume *
make_volume (int seed)
{
  CtVolume *volume = ct_volume_new (48, 40, 10);

  ct_volume_set_identity_geometry (volume, 4.0, 4.0, 5.0);
  for (int k = 0; k < volume->nz; k++)
    for (int j = 0; j < volume->ny; j++)
      for (int i = 0; i < volume->nx; i++)
        {
          double bx = (i - 24) / 21.0, by = (j - 20) / 16.0;
          double lx = abs (i - 24) - 10, ly = (j - 20) / 10.0;
          float hu = -1000;

          if (bx * bx + by * by < 1)
            hu = 40;
          if ((lx / 7.0) * (lx / 7.0) + ly * ly < 1)
            hu = -850;
          if (hypot (i - 14, j - 20) < 1 + seed)
            hu = -300;
          volume->hu[((gsize) k * volume->ny + j) * volume->nx + i] = hu;
        }
  volume->series_description = g_strdup_printf ("synthetic %d", seed);
  volume->study_date = g_strdup ("20201231");
  return volume;
}

static gint n_loads;

/* CtJobLoadFunc. "study-N": a synthetic volume; "broken": an error; "slow":
 * waits until cancelled (at most 20 s). */
static CtVolume *
load_test_volume (const char *path, const char *series_uid, GCancellable *cancellable, GError **error)
{
  g_atomic_int_inc (&n_loads);
  if (g_str_has_prefix (path, "study-"))
    return make_volume (atoi (path + strlen ("study-")));
  if (g_str_equal (path, "slow"))
    {
      for (int i = 0; i < 2000 && !g_cancellable_is_cancelled (cancellable); i++)
        g_usleep (10000);
      g_set_error (error, CT_ERROR, CT_ERROR_CANCELLED, "cancelled while loading");
      return NULL;
    }
  g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, "%s is not a CT", path);
  return NULL;
}

/* A queue over an analyzer that loads with load_test_volume, with @m's
 * models when given, else from @model_dir. */
static CtJobQueue *
new_queue (Models *m, const char *model_dir)
{
  g_autoptr (CtAnalyzer) analyzer = ct_analyzer_new (model_dir);

  ct_analyzer_set_load_func (analyzer, load_test_volume);
  ct_analyzer_set_cache (analyzer, FALSE, NULL);
  if (m != NULL)
    ct_analyzer_set_models (analyzer, m->lungs, m->multitask);
  return ct_job_queue_new (analyzer);
}

static void
on_finished (CtJobQueue *queue, CtStudy *item, GPtrArray *finished)
{
  g_ptr_array_add (finished, g_object_ref (item));
}

static void
on_progress (CtStudy *item, GParamSpec *pspec, guint *n_updates)
{
  (*n_updates)++;
}

static void
wait_until_idle (CtJobQueue *queue)
{
  gint64 deadline = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;

  while (ct_job_queue_get_busy (queue) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (ct_job_queue_get_busy (queue));
  /* Late progress updates still queued on the main context. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_analyse_in_order (void)
{
  Models m;
  g_autoptr (CtJobQueue) queue = NULL;
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) finished = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_progress = 0;

  if (!load_fixture_models (&m))
    return;
  queue = new_queue (&m, NULL);
  g_signal_connect (queue, "study-finished", G_CALLBACK (on_finished), finished);

  for (int s = 0; s < 3; s++)
    {
      g_autofree char *path = g_strdup_printf ("study-%d", s * 3);
      CtStudy *item = ct_study_new (path, NULL);

      g_ptr_array_add (items, item);
      g_signal_connect (item, "notify::progress", G_CALLBACK (on_progress), &n_progress);
      ct_job_queue_add (queue, item);
    }
  g_assert_true (ct_job_queue_get_busy (queue));
  g_assert_cmpuint (ct_job_queue_get_n_pending (queue), ==, 3);
  /* One at a time: only the first has started. */
  g_assert_cmpint (ct_study_get_status (items->pdata[1]), ==, CT_STUDY_STATUS_QUEUED);

  wait_until_idle (queue);
  g_assert_cmpuint (finished->len, ==, 3);
  g_assert_cmpuint (n_progress, >, 3);
  for (guint s = 0; s < 3; s++)
    {
      CtStudy *item = items->pdata[s];
      const CtAnalysis *analysis = ct_study_get_analysis (item);
      g_autoptr (CtVolume) volume = make_volume (s * 3);
      CtAnalysisOptions options = { .lungs = m.lungs, .multitask = m.multitask };
      g_autoptr (CtAnalysis) direct = NULL;
      g_autoptr (GError) error = NULL;

      g_assert_true (finished->pdata[s] == item);
      g_assert_cmpint (ct_study_get_status (item), ==, CT_STUDY_STATUS_DONE);
      g_assert_cmpfloat (ct_study_get_progress (item), ==, 1.0);
      g_assert_nonnull (analysis);
      g_assert_nonnull (ct_study_get_volume (item));
      g_assert_cmpint (ct_study_get_slices (item), ==, 10);
      g_assert_cmpstr (ct_study_get_date (item), ==, "2020-12-31");
      g_assert_cmpstr (ct_study_get_category (item), ==, ct_category_to_string (analysis->category));

      /* The same entry point as the command line: identical numbers. */
      direct = ct_analysis_run (volume, &options, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (direct->severity_percent, ==, analysis->severity_percent);
      g_assert_cmpfloat (direct->lesion_volume_ml, ==, analysis->lesion_volume_ml);
      g_assert_cmpint (direct->has_probability, ==, analysis->has_probability);
      if (direct->has_probability)
        g_assert_cmpfloat (direct->covid_probability, ==, analysis->covid_probability);
      g_assert_cmpmem (direct->lesion_mask, (gsize) 48 * 40 * 10, analysis->lesion_mask, (gsize) 48 * 40 * 10);
      /* The result names the models that made it. */
      g_assert_cmpstr (analysis->multitask_model.sha256, ==, ct_model_get_sha256 (m.multitask));
      g_assert_cmpstr (analysis->lungs_model.name, ==, ct_model_get_name (m.lungs));
    }
  models_clear (&m);
}

/* The command line's blocking call runs the same steps on the calling
 * thread: the same numbers as the direct call, the study updated as it
 * goes, the load time recorded. */
static void
test_analyze_blocking (void)
{
  Models m;
  g_autoptr (CtAnalyzer) analyzer = NULL;
  g_autoptr (CtStudy) study = ct_study_new ("study-4", NULL);
  g_autoptr (CtStudy) broken = ct_study_new ("broken", NULL);
  g_autoptr (CtVolume) volume = make_volume (4);
  g_autoptr (CtAnalysis) direct = NULL;
  g_autoptr (GError) error = NULL;
  CtAnalysisOptions options = { 0 };
  const CtAnalysis *analysis;
  guint n_progress = 0;

  if (!load_fixture_models (&m))
    return;
  analyzer = ct_analyzer_new (NULL);
  ct_analyzer_set_load_func (analyzer, load_test_volume);
  ct_analyzer_set_models (analyzer, m.lungs, m.multitask);
  g_signal_connect (study, "notify::progress", G_CALLBACK (on_progress), &n_progress);
  g_assert_true (ct_analyzer_analyze (analyzer, study, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ct_study_get_status (study), ==, CT_STUDY_STATUS_DONE);
  g_assert_cmpuint (n_progress, >, 3);
  g_assert_true (ct_study_get_loaded (study));
  g_assert_cmpint (ct_study_get_columns (study), ==, 48);
  g_assert_cmpint (ct_study_get_rows (study), ==, 40);
  g_assert_cmpfloat (ct_study_get_spacing (study)[2], ==, 5.0);
  g_assert_cmpfloat (ct_study_get_load_ms (study), >, 0.0);
  analysis = ct_study_get_analysis (study);
  options.lungs = m.lungs;
  options.multitask = m.multitask;
  direct = ct_analysis_run (volume, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (direct->severity_percent, ==, analysis->severity_percent);
  g_assert_cmpfloat (direct->triage_score, ==, analysis->triage_score);
  g_assert_cmpstr (analysis->multitask_model.sha256, ==, ct_model_get_sha256 (m.multitask));

  /* What was recorded stays when the volume is dropped. */
  ct_study_set_volume (study, NULL, -1.0);
  g_assert_null (ct_study_get_volume (study));
  g_assert_cmpint (ct_study_get_columns (study), ==, 48);
  g_assert_nonnull (ct_study_get_analysis (study));

  g_assert_false (ct_analyzer_analyze (analyzer, broken, NULL, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_CORRUPT);
  g_assert_cmpint (ct_study_get_status (broken), ==, CT_STUDY_STATUS_FAILED);
  g_assert_cmpstr (ct_study_get_error (broken), ==, "broken is not a CT");
  models_clear (&m);
}

static void
test_load_error (void)
{
  g_autoptr (CtJobQueue) queue = new_queue (NULL, "/nonexistent");
  g_autoptr (CtStudy) broken = ct_study_new ("broken", NULL);
  g_autoptr (CtStudy) no_models = ct_study_new ("study-1", NULL);

  ct_job_queue_add (queue, broken);
  ct_job_queue_add (queue, no_models);
  wait_until_idle (queue);

  g_assert_cmpint (ct_study_get_status (broken), ==, CT_STUDY_STATUS_FAILED);
  g_assert_cmpstr (ct_study_get_error (broken), ==, "broken is not a CT");
  g_assert_true (isnan (ct_study_get_probability (broken)));
  /* Loaded, but the models are missing: the volume is there to look at and
   * the error says which file. */
  g_assert_cmpint (ct_study_get_status (no_models), ==, CT_STUDY_STATUS_FAILED);
  g_assert_nonnull (ct_study_get_volume (no_models));
  g_assert_nonnull (strstr (ct_study_get_error (no_models), "/nonexistent"));
}

static void
test_cancel (void)
{
  Models m;
  g_autoptr (CtJobQueue) queue = NULL;
  g_autoptr (CtStudy) slow = ct_study_new ("slow", NULL);
  g_autoptr (CtStudy) queued = ct_study_new ("study-2", NULL);
  g_autoptr (CtStudy) last = ct_study_new ("study-4", NULL);
  g_autoptr (GPtrArray) finished = g_ptr_array_new_with_free_func (g_object_unref);

  if (!load_fixture_models (&m))
    return;
  queue = new_queue (&m, NULL);
  ct_job_queue_add (queue, slow);
  ct_job_queue_add (queue, queued);
  ct_job_queue_add (queue, last);

  g_signal_connect (queue, "study-finished", G_CALLBACK (on_finished), finished);
  ct_job_queue_cancel (queue, queued);
  g_assert_cmpint (ct_study_get_status (queued), ==, CT_STUDY_STATUS_CANCELLED);
  /* The list re-sorts on this signal: it comes for waiting studies too. */
  g_assert_cmpuint (finished->len, ==, 1);
  g_assert_true (finished->pdata[0] == queued);
  g_assert_cmpuint (ct_job_queue_get_n_pending (queue), ==, 2);
  ct_job_queue_cancel (queue, slow);
  wait_until_idle (queue);

  g_assert_cmpint (ct_study_get_status (slow), ==, CT_STUDY_STATUS_CANCELLED);
  g_assert_cmpint (ct_study_get_status (last), ==, CT_STUDY_STATUS_DONE);
  /* Cancelled and failed studies sort last. */
  g_assert_cmpint (ct_study_compare_priority (last, slow, CT_STUDY_SORT_PROBABILITY), <, 0);
  models_clear (&m);
}

static void
test_dispose_cancels (void)
{
  CtJobQueue *queue = new_queue (NULL, NULL);
  g_autoptr (CtStudy) slow = ct_study_new ("slow", NULL);
  gint64 start = g_get_monotonic_time ();

  ct_job_queue_add (queue, slow);
  while (ct_study_get_status (slow) == CT_STUDY_STATUS_QUEUED)
    g_main_context_iteration (NULL, TRUE);
  g_assert_finalize_object (queue);
  while (!ct_study_is_finished (slow))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (ct_study_get_status (slow), ==, CT_STUDY_STATUS_CANCELLED);
  /* Well before the 20 s the slow loader would take uncancelled. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static gboolean
has_volume (CtStudy *item)
{
  return ct_study_get_volume (item) != NULL;
}

static void
test_preview (void)
{
  Models m;
  g_autoptr (CtJobQueue) queue = NULL;
  g_autoptr (CtStudy) slow = ct_study_new ("slow", NULL);
  g_autoptr (CtStudy) later = ct_study_new ("study-5", NULL);
  guint n_volume_notifies = 0;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  if (!load_fixture_models (&m))
    return;
  queue = new_queue (&m, NULL);
  g_signal_connect (later, "notify::has-volume", G_CALLBACK (on_progress), &n_volume_notifies);
  g_atomic_int_set (&n_loads, 0);

  /* The queue is stuck on the slow study; the later one can be looked at
   * all the same. */
  ct_job_queue_add (queue, slow);
  ct_job_queue_add (queue, later);
  ct_job_queue_preview (queue, later);
  ct_job_queue_preview (queue, later);
  while (!has_volume (later) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (has_volume (later));
  g_assert_cmpuint (n_volume_notifies, ==, 1);
  g_assert_cmpint (ct_study_get_status (later), ==, CT_STUDY_STATUS_QUEUED);
  g_assert_cmpint (ct_study_get_slices (later), ==, 10);

  /* Its job uses the volume already there: two loads in all (slow, later). */
  ct_job_queue_cancel (queue, slow);
  wait_until_idle (queue);
  g_assert_cmpint (ct_study_get_status (later), ==, CT_STUDY_STATUS_DONE);
  g_assert_cmpint (g_atomic_int_get (&n_loads), ==, 2);

  /* Dropped to save memory, the analysis stays and a preview reloads it. */
  ct_study_set_volume (later, NULL, -1.0);
  g_assert_false (has_volume (later));
  g_assert_nonnull (ct_study_get_analysis (later));
  ct_job_queue_preview (queue, later);
  while (!has_volume (later) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (has_volume (later));
  g_assert_cmpint (ct_study_get_status (later), ==, CT_STUDY_STATUS_DONE);
  models_clear (&m);
}

static CtAnalysis *
fake_analysis (double probability, double severity)
{
  CtAnalysis *analysis = ct_analysis_new ();

  analysis->has_probability = !isnan (probability);
  analysis->covid_probability = probability;
  analysis->severity_percent = severity;
  analysis->category = ct_category_from_severity (severity);
  analysis->triage_score = ct_triage_score (probability, analysis->has_probability, severity);
  return analysis;
}

static void
test_priority_order (void)
{
  g_autoptr (CtStudy) a = ct_study_new ("a", NULL);
  g_autoptr (CtStudy) b = ct_study_new ("b", NULL);
  g_autoptr (CtStudy) c = ct_study_new ("c", NULL);
  g_autoptr (CtStudy) waiting = ct_study_new ("d", NULL);
  g_autoptr (GError) error = g_error_new_literal (CT_ERROR, CT_ERROR_CORRUPT, "bad");
  g_autoptr (CtStudy) failed = ct_study_new ("e", NULL);

  g_autoptr (CtStudy) severe_unsure = ct_study_new ("f", NULL);
  g_autoptr (CtStudy) normal = ct_study_new ("g", NULL);
  g_autoptr (CtStudy) waiting_too = ct_study_new ("h", NULL);
  g_autoptr (CtStudy) failed_early = ct_study_new_failed ("0-path", "no CT series found");
  g_autoptr (GPtrArray) list = g_ptr_array_new ();
  CtStudy *expected[] = { NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
  CtAnalysis *fake;

  fake = fake_analysis (0.9, 10.0);
  ct_study_set_analysis (a, fake, FALSE, 0.0);
  ct_analysis_unref (fake);
  fake = fake_analysis (0.2, 60.0);
  ct_study_set_analysis (b, fake, FALSE, 0.0);
  ct_analysis_unref (fake);
  fake = fake_analysis (NAN, 28.0);
  ct_study_set_analysis (c, fake, FALSE, 0.0);
  ct_analysis_unref (fake);
  fake = fake_analysis (0.5, 55.0);
  ct_study_set_analysis (severe_unsure, fake, FALSE, 0.0);
  ct_analysis_unref (fake);
  fake = fake_analysis (0.05, 0.5);
  ct_study_set_analysis (normal, fake, FALSE, 0.0);
  ct_analysis_unref (fake);
  ct_study_set_error (failed, error);

  g_assert_cmpint (ct_study_compare_priority (a, b, CT_STUDY_SORT_PROBABILITY), <, 0);
  g_assert_cmpint (ct_study_compare_priority (b, a, CT_STUDY_SORT_SEVERITY), <, 0);
  /* No probability ranks below any probability, but by severity it counts. */
  g_assert_cmpint (ct_study_compare_priority (b, c, CT_STUDY_SORT_PROBABILITY), <, 0);
  g_assert_cmpint (ct_study_compare_priority (c, a, CT_STUDY_SORT_SEVERITY), <, 0);
  /* Done, then waiting, then failed. */
  g_assert_cmpint (ct_study_compare_priority (c, waiting, CT_STUDY_SORT_PROBABILITY), <, 0);
  g_assert_cmpint (ct_study_compare_priority (waiting, failed, CT_STUDY_SORT_SEVERITY), <, 0);
  g_assert_cmpint (ct_study_compare_priority (a, a, CT_STUDY_SORT_SEVERITY), ==, 0);
  g_assert_cmpstr (ct_study_get_category (b), ==, "CT-3");
  g_assert_cmpint (ct_study_get_status (failed), ==, CT_STUDY_STATUS_FAILED);
  g_assert_cmpstr (ct_study_get_error (failed), ==, "bad");

  /* The default order is the triage score (ct-triage-score.h): severe of
   * uncertain cause (0.5 * 0.5 + 0.5 = 0.75) and likely COVID-19 with
   * little lesion (0.45 + 0.1 = 0.55) both above the clear normal study;
   * a study without a probability counts p as 0.5. Waiting studies keep their order, failed
   * ones come last by path. One comparison serves every caller. */
  g_ptr_array_add (list, waiting);
  g_ptr_array_add (list, failed);
  g_ptr_array_add (list, normal);
  g_ptr_array_add (list, c);
  g_ptr_array_add (list, waiting_too);
  g_ptr_array_add (list, a);
  g_ptr_array_add (list, failed_early);
  g_ptr_array_add (list, severe_unsure);
  g_ptr_array_add (list, b);
  ct_study_sort_by_priority (list, CT_STUDY_SORT_TRIAGE);
  expected[0] = severe_unsure; /* 0.25 + 0.5 = 0.75 */
  expected[1] = b;             /* 0.1 + 0.5 = 0.6 */
  expected[2] = a;             /* 0.45 + 0.1 = 0.55 */
  expected[3] = c;             /* no p: 0.25 + 0.28 = 0.53 */
  expected[4] = normal;        /* 0.025 + 0.005 */
  expected[5] = waiting;
  expected[6] = waiting_too;
  expected[7] = failed_early; /* "0-path" < "e" */
  expected[8] = failed;
  for (guint i = 0; i < list->len; i++)
    g_assert_true (g_ptr_array_index (list, i) == expected[i]);
  /* A study that is not assessable (a single slice that scored 82 %, no
   * lung) has no grades and sorts after every assessable one, by any key,
   * but before those still waiting. */
  {
    g_autoptr (CtStudy) single = ct_study_new ("0-single-slice", NULL);
    g_autoptr (CtAnalysis) not_assessable = fake_analysis (0.95, 82.0);

    not_assessable->quality = CT_QUALITY_NOT_CHEST | CT_QUALITY_TOO_SMALL;
    ct_study_set_analysis (single, not_assessable, FALSE, 0.0);
    g_assert_false (ct_study_get_assessable (single));
    g_assert_true (isnan (ct_study_get_probability (single)));
    g_assert_true (isnan (ct_study_get_severity (single)));
    g_assert_null (ct_study_get_category (single));
    for (CtStudySortKey key = CT_STUDY_SORT_PROBABILITY; key <= CT_STUDY_SORT_TRIAGE; key++)
      {
        g_assert_cmpint (ct_study_compare_priority (normal, single, key), <, 0);
        g_assert_cmpint (ct_study_compare_priority (single, waiting, key), <, 0);
      }
  }
  g_assert_true (ct_study_sort_key_from_string ("triage", &(CtStudySortKey){ 0 }));
  g_assert_false (ct_study_sort_key_from_string ("age", &(CtStudySortKey){ 0 }));
}

/* The library makes one study per series, and a failed study naming the
 * path when asked; trimming drops volumes of studies not looked at, never
 * their analysis. */
static void
test_library (void)
{
  g_autoptr (CtStudyLibrary) library = ct_study_library_new ();
  g_autofree char *tmp = g_dir_make_tmp ("ct-library-XXXXXX", NULL);
  g_autofree char *empty = g_build_filename (tmp, "empty", NULL);
  g_autofree char *text = g_build_filename (tmp, "empty", "notes.txt", NULL);
  const char *paths[] = { empty, NULL };
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CtStudy) a = ct_study_new ("study-1", NULL);
  g_autoptr (CtVolume) volume = make_volume (1);

  g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);
  g_assert_true (g_file_set_contents (text, "not a DICOM file", -1, NULL));
  found = ct_study_library_add_paths (library, paths, 1, FALSE, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, CT_ERROR, CT_ERROR_NO_STUDIES);
  g_assert_nonnull (strstr (error->message, "notes.txt"));
  g_clear_error (&error);
  g_assert_cmpuint (ct_study_library_get_skipped (library)->len, ==, 1);

  found = ct_study_library_add_paths (library, paths, 1, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpint (ct_study_get_status (found->pdata[0]), ==, CT_STUDY_STATUS_FAILED);
  g_assert_nonnull (strstr (ct_study_get_error (found->pdata[0]), "notes.txt"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (library)), ==, 1);

  ct_study_set_volume (a, volume, 12.5);
  g_assert_cmpfloat (ct_study_get_load_ms (a), ==, 12.5);
  ct_study_library_mark_viewed (library, a);
  ct_study_library_trim_volumes (library);
  g_assert_nonnull (ct_study_get_volume (a));

  g_unlink (text);
  g_rmdir (empty);
  g_rmdir (tmp);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/study/priority-order", test_priority_order);
  g_test_add_func ("/study-library/add-and-trim", test_library);
  g_test_add_func ("/analyzer/blocking", test_analyze_blocking);
  g_test_add_func ("/job-queue/analyse-in-order", test_analyse_in_order);
  g_test_add_func ("/job-queue/load-error", test_load_error);
  g_test_add_func ("/job-queue/cancel", test_cancel);
  g_test_add_func ("/job-queue/dispose-cancels", test_dispose_cancels);
  g_test_add_func ("/job-queue/preview", test_preview);
  return g_test_run ();
}
