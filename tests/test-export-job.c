/* SPDX-License-Identifier: MIT */
/* The export job (app/ct-export-job.h): the files of the window's Export,
 * written complete under readable names, never over an existing file,
 * and a clear error that leaves no partial file when the folder is not
 * writable or the disk fills up. */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ct-error.h"
#include "ct-export-job.h"
#include "ct-dicom-writer.h"
#include "ct-nifti.h"
#include "ct-series-loader.h"
#include "ct-study-scan.h"
#include "test-util.h"
#include "ct-study-export.h"
#include "ct-study.h"

#define NX 24
#define NY 20
#define NZ 6

/* An analysis of an NX x NY x NZ volume with non-empty masks, so that the
 * written NIfTI can be compared; the volume's voxels set to -800 HU. */
static CtAnalysis *
make_analysis (CtVolume *v)
{
  CtAnalysis *a = ct_analysis_new ();

  a->nx = NX;
  a->ny = NY;
  a->nz = NZ;
  a->lung_mask = g_malloc0 ((gsize) NX * NY * NZ);
  a->lesion_mask = g_malloc0 ((gsize) NX * NY * NZ);
  for (gsize n = 0; n < (gsize) NX * NY * NZ; n++)
    {
      v->hu[n] = -800.0f;
      a->lung_mask[n] = n % 3 == 0 ? 1 : n % 3 == 1 ? 2 : 0;
      a->lesion_mask[n] = n % 7 == 0;
    }
  a->covid_probability = 0.7;
  a->has_probability = TRUE;
  a->severity_percent = 14.0;
  a->category = ct_category_from_severity (14.0);
  return a;
}

/* A loaded and analysed study of a small box volume: patient @name. */
static CtStudy *
make_study (const char *name, const char *id, const char *date, const char *uid)
{
  g_autoptr (CtVolume) v = ct_volume_new (NX, NY, NZ);
  g_autoptr (CtAnalysis) a = NULL;
  CtStudy *study = ct_study_new ("/nonexistent/study", uid);

  ct_volume_set_identity_geometry (v, 0.8, 0.8, 2.5);
  v->patient_name = g_strdup (name);
  v->patient_id = g_strdup (id);
  v->study_date = g_strdup (date);
  v->series_uid = g_strdup (uid);
  a = make_analysis (v);
  ct_study_set_volume (study, v, 1.0);
  ct_study_set_analysis (study, a, FALSE, 0);
  return study;
}

static GPtrArray *
make_studies (void)
{
  GPtrArray *studies = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (studies, make_study ("DOE^JOHN", "P-17", "20200314", "1.2.840.99.1.2.3.456789"));
  g_ptr_array_add (studies, make_study ("ROE^JANE^Q", "P-18", "20200315", "1.2.840.99.1.2.3.111222"));
  return studies;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The names in @dir, sorted, space-separated. */
static char *
dup_listing (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, (char *) name);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* The report written for a study carries the DICOM accession number, age
 * and sex of its volume (read by the loader, test-dicom-loader's
 * /patient-attributes) into its patient block. */
static void
test_report_patient_block (void)
{
  g_autoptr (CtStudy) study = make_study ("DOE^JOHN", "P-17", "20200314", "1.2.3.4");
  g_autofree char *dir = test_util_make_tmp_dir ("ct-export-XXXXXX");
  g_autofree char *pdf = g_build_filename (dir, "r.pdf", NULL);
  g_autofree char *program = g_find_program_in_path ("pdftotext");
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  CtVolume *v = ct_study_get_volume (study);
  const char *argv[] = { program, "-layout", pdf, "-", NULL };
  int status = 0;

  if (program == NULL)
    {
      g_test_skip ("pdftotext (poppler-utils) is not installed");
      return;
    }
  v->accession_number = g_strdup ("ACC-777");
  v->patient_age = g_strdup ("061Y");
  v->patient_sex = g_strdup ("M");
  g_assert_true (ct_study_export_write_report (v, ct_study_get_analysis (study), dir, "r", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (
      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &text, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, "ACC-777"));
  g_assert_nonnull (strstr (text, "61 years, male"));
  test_util_remove_tree (dir);
}

/* DICOM SEG and SR from the window's export: a DICOM study (scanned, so it
 * has its series' headers) gets both, named like its report; a study
 * without DICOM source images is left out and counted, not an error. */
static void
test_dicom_seg_and_sr (void)
{
  g_autofree char *dir = test_util_make_tmp_dir ("ct-export-XXXXXX");
  g_autofree char *src = g_build_filename (dir, "src", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autoptr (CtVolume) v = ct_volume_new (NX, NY, NZ);
  g_autoptr (CtVolume) loaded = NULL;
  g_autoptr (CtAnalysis) a = NULL;
  g_autoptr (CtStudyScan) scan = NULL;
  g_autoptr (GPtrArray) studies = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (CtExportJob) job = NULL;
  g_autoptr (GError) error = NULL;
  CtStudy *dicom;
  GPtrArray *written;

  ct_volume_set_identity_geometry (v, 0.8, 0.8, 2.5);
  v->patient_name = g_strdup ("DOE^JOHN");
  v->patient_id = g_strdup ("P-17");
  v->study_date = g_strdup ("20200314");
  for (gsize n = 0; n < (gsize) NX * NY * NZ; n++)
    v->hu[n] = -800.0f;
  g_assert_true (ct_dicom_write_series (v, src, NULL, &error));
  g_assert_no_error (error);
  scan = ct_study_scan (src, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (scan->series->len, ==, 1);
  dicom = ct_study_new_for_series (g_ptr_array_steal_index (scan->series, 0));
  loaded = ct_series_load_path (src, NULL, NULL, &error);
  g_assert_no_error (error);
  a = make_analysis (loaded);
  ct_study_set_volume (dicom, loaded, 1.0);
  ct_study_set_analysis (dicom, a, FALSE, 0);
  g_ptr_array_add (studies, dicom);
  g_ptr_array_add (studies, make_study ("ROE^JANE", "P-18", "20200315", "1.2.3.4"));

  job = ct_export_job_new (studies, CT_EXPORT_DICOM, out);
  g_assert_true (ct_export_job_run (job, NULL, &error));
  g_assert_no_error (error);
  written = ct_export_job_get_written (job);
  g_assert_cmpuint (written->len, ==, 2);
  g_assert_cmpint (ct_export_job_get_skipped (job), ==, 1);
  for (guint i = 0; i < written->len; i++)
    {
      const char *path = g_ptr_array_index (written, i);
      g_autofree char *name = g_path_get_basename (path);
      g_autofree char *contents = NULL;
      gsize length = 0;

      g_assert_true (g_str_has_prefix (name, "DOE_JOHN_P-17_2020-03-14_"));
      g_assert_true (g_str_has_suffix (name, i == 0 ? "_seg.dcm" : "_sr.dcm"));
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      g_assert_cmpuint (length, >, 132);
      g_assert_cmpmem (contents + 128, 4, "DICM", 4);
    }
  test_util_remove_tree (dir);
}

static void
test_readable_stem (void)
{
  g_autofree char *a = ct_export_job_dup_readable_stem ("DOE^JOHN", "P-17", "2020-03-14", "3", "1.2.3.456789", "x");
  g_autofree char *b = ct_export_job_dup_readable_stem ("../../etc/passwd", NULL, NULL, "../1", NULL, "x");
  g_autofree char *c = ct_export_job_dup_readable_stem (NULL, NULL, NULL, NULL, NULL, "fallback.uid");
  g_autofree char *d = ct_export_job_dup_readable_stem ("M\xc3\xbcller^Hans", "P-17", NULL, NULL, "9", "x");

  g_assert_cmpstr (a, ==, "DOE_JOHN_P-17_2020-03-14_S3_456789");
  g_assert_null (strchr (b, '/'));
  g_assert_false (g_str_has_prefix (b, "."));
  g_assert_cmpstr (c, ==, "fallback.uid");
  g_assert_cmpstr (d, ==, "M_ller_Hans_P-17_9");
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  gboolean *done = data;

  g_assert_true (ct_export_job_run_finish (CT_EXPORT_JOB (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
on_fraction (GObject *object, GParamSpec *pspec, gpointer data)
{
  double *last = data;
  double fraction = ct_export_job_get_fraction (CT_EXPORT_JOB (object));

  g_assert_cmpfloat (fraction, >=, *last);
  *last = fraction;
}

static void
test_export_all (void)
{
  g_autoptr (GPtrArray) studies = make_studies ();
  g_autofree char *dir = test_util_make_tmp_dir ("ct-export-XXXXXX");
  g_autoptr (CtExportJob) job = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *csv = NULL, *json = NULL, *pdf = NULL;
  g_autofree char *lesions_path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CtVolume) lesions = NULL;
  gsize pdf_len = 0;
  gboolean done = FALSE;
  double last = 0;
  const CtAnalysis *analysis = ct_study_get_analysis (g_ptr_array_index (studies, 0));

  job = ct_export_job_new (studies,
                           CT_EXPORT_REPORT | CT_EXPORT_MASKS | CT_EXPORT_WORKLIST_CSV | CT_EXPORT_WORKLIST_JSON, dir);
  g_signal_connect (job, "notify::fraction", G_CALLBACK (on_fraction), &last);
  ct_export_job_run_async (job, NULL, on_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpfloat (last, ==, 1.0);

  listing = dup_listing (dir);
  g_assert_cmpstr (listing, ==,
                   "DOE_JOHN_P-17_2020-03-14_456789.pdf DOE_JOHN_P-17_2020-03-14_456789_lesions.nii.gz "
                   "DOE_JOHN_P-17_2020-03-14_456789_lungs.nii.gz ROE_JANE_Q_P-18_2020-03-15_111222.pdf "
                   "ROE_JANE_Q_P-18_2020-03-15_111222_lesions.nii.gz ROE_JANE_Q_P-18_2020-03-15_111222_lungs.nii.gz "
                   "worklist.csv worklist.json");
  g_assert_cmpuint (ct_export_job_get_written (job)->len, ==, 8);

  /* Complete: the PDF ends with its trailer, the masks read back voxel
   * for voxel, the lists hold both studies. */
  {
    g_autofree char *path = g_build_filename (dir, "DOE_JOHN_P-17_2020-03-14_456789.pdf", NULL);
    g_assert_true (g_file_get_contents (path, &pdf, &pdf_len, NULL));
    g_assert_true (g_str_has_prefix (pdf, "%PDF-"));
    g_assert_cmpuint (pdf_len, >, 16);
    g_assert_nonnull (g_strstr_len (pdf + pdf_len - 16, 16, "%%EOF"));
  }
  lesions_path = g_build_filename (dir, "DOE_JOHN_P-17_2020-03-14_456789_lesions.nii.gz", NULL);
  lesions = ct_nifti_load (lesions_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (lesions->nx * lesions->ny * lesions->nz, ==, NX * NY * NZ);
  for (gsize n = 0; n < (gsize) NX * NY * NZ; n++)
    g_assert_cmpfloat (lesions->hu[n], ==, analysis->lesion_mask[n]);
  {
    g_autofree char *path = g_build_filename (dir, "worklist.csv", NULL);
    g_assert_true (g_file_get_contents (path, &csv, NULL, NULL));
    g_assert_nonnull (strstr (csv, "1.2.840.99.1.2.3.456789"));
    g_assert_nonnull (strstr (csv, "1.2.840.99.1.2.3.111222"));
  }
  {
    g_autofree char *path = g_build_filename (dir, "worklist.json", NULL);
    g_assert_true (g_file_get_contents (path, &json, NULL, NULL));
    g_assert_true (g_str_has_prefix (json, "["));
    g_assert_nonnull (strstr (json, "1.2.840.99.1.2.3.111222"));
  }
  test_util_remove_tree (dir);
}

/* A second export into the same folder keeps the first one's files. */
static void
test_never_overwrites (void)
{
  g_autoptr (GPtrArray) studies = make_studies ();
  g_autofree char *dir = test_util_make_tmp_dir ("ct-export-XXXXXX");
  g_autofree char *listing = NULL;
  g_autofree char *first = g_build_filename (dir, "worklist.csv", NULL);
  g_autofree char *contents = NULL;

  g_assert_true (g_file_set_contents (first, "mine", -1, NULL));
  for (int round = 0; round < 2; round++)
    {
      g_autoptr (CtExportJob) job = NULL;
      g_autoptr (GPtrArray) one = g_ptr_array_new ();
      g_autoptr (GError) error = NULL;

      g_ptr_array_add (one, g_ptr_array_index (studies, 0));
      job = ct_export_job_new (one, CT_EXPORT_REPORT | CT_EXPORT_WORKLIST_CSV, dir);
      g_assert_true (ct_export_job_run (job, NULL, &error));
      g_assert_no_error (error);
    }
  listing = dup_listing (dir);
  g_assert_cmpstr (listing, ==,
                   "DOE_JOHN_P-17_2020-03-14_456789-2.pdf DOE_JOHN_P-17_2020-03-14_456789.pdf worklist-2.csv "
                   "worklist-3.csv worklist.csv");
  g_assert_true (g_file_get_contents (first, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "mine");
  test_util_remove_tree (dir);
}

/* A full disk at the 2nd file: the error names it, the first file is
 * there and complete, no temporary or partial file is left. */
static void
test_full_disk_leaves_no_partial_file (void)
{
  g_autoptr (GPtrArray) studies = make_studies ();
  g_autofree char *dir = test_util_make_tmp_dir ("ct-export-XXXXXX");
  g_autoptr (CtExportJob) job = ct_export_job_new (studies, CT_EXPORT_REPORT, dir);
  g_autoptr (GError) error = NULL;
  g_autofree char *listing = NULL;

  ct_export_job_set_fail_at_file (job, 2);
  g_assert_false (ct_export_job_run (job, NULL, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "ROE_JANE_Q_P-18_2020-03-15_111222.pdf"));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOSPC)));
  g_assert_null (strstr (error->message, ".tmp-"));
  listing = dup_listing (dir);
  g_assert_cmpstr (listing, ==, "DOE_JOHN_P-17_2020-03-14_456789.pdf");
  test_util_remove_tree (dir);
}

/* A folder that cannot be written: the error names the file. As root a
 * mode of 0555 does not stop writes; /proc stops everyone. */
static void
test_read_only_folder (void)
{
  g_autoptr (GPtrArray) studies = make_studies ();
  g_autofree char *dir = test_util_make_tmp_dir ("ct-export-XXXXXX");
  g_autoptr (CtExportJob) job = NULL;
  g_autoptr (GError) error = NULL;
  const char *target = dir;

  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
  if (access (dir, W_OK) == 0)
    {
      g_test_message ("running as root: mode 0555 does not stop writes; using /proc instead");
      target = "/proc";
    }
  job = ct_export_job_new (studies, CT_EXPORT_WORKLIST_JSON, target);
  g_assert_false (ct_export_job_run (job, NULL, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "worklist.json"));
  g_assert_nonnull (strstr (error->message, target));
  g_assert_cmpuint (ct_export_job_get_written (job)->len, ==, 0);
  g_chmod (dir, 0755);
  test_util_remove_tree (dir);
}

/* The window keeps only the volumes of the last studies viewed: an
 * analysed study whose volume was dropped is loaded again for its report
 * and masks. */
static void
test_dropped_volume_is_loaded_again (void)
{
  g_autofree char *dir = test_util_make_tmp_dir ("ct-export-XXXXXX");
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *nifti = g_build_filename (dir, "chest.nii.gz", NULL);
  g_autoptr (CtStudy) source = make_study ("DOE^JOHN", "P-17", "20200314", "1.2.3.4");
  g_autoptr (CtStudy) study = ct_study_new (nifti, NULL);
  g_autoptr (CtVolume) volume = NULL;
  g_autoptr (GPtrArray) studies = g_ptr_array_new ();
  g_autoptr (CtExportJob) job = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (ct_nifti_write_volume (ct_study_get_volume (source), nifti, &error));
  g_assert_no_error (error);
  volume = ct_nifti_load (nifti, &error);
  g_assert_no_error (error);
  ct_study_set_volume (study, volume, 1.0);
  ct_study_set_analysis (study, ct_study_dup_analysis (source), FALSE, 0);
  ct_analysis_unref (ct_study_get_analysis (study));
  ct_study_set_volume (study, NULL, -1.0);
  g_assert_null (ct_study_get_volume (study));

  g_ptr_array_add (studies, study);
  job = ct_export_job_new (studies, CT_EXPORT_REPORT | CT_EXPORT_MASKS, out);
  g_assert_true (ct_export_job_run (job, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ct_export_job_get_skipped (job), ==, 0);
  g_assert_cmpuint (ct_export_job_get_written (job)->len, ==, 3);
  g_assert_true (g_str_has_suffix (g_ptr_array_index (ct_export_job_get_written (job), 0), "chest.pdf"));
  for (guint i = 0; i < 3; i++)
    g_assert_true (g_file_test (g_ptr_array_index (ct_export_job_get_written (job), i), G_FILE_TEST_IS_REGULAR));
  test_util_remove_tree (out);
  g_unlink (nifti);
  test_util_remove_tree (dir);
}

static void
test_cancelled (void)
{
  g_autoptr (GPtrArray) studies = make_studies ();
  g_autofree char *dir = test_util_make_tmp_dir ("ct-export-XXXXXX");
  g_autoptr (CtExportJob) job = ct_export_job_new (studies, CT_EXPORT_REPORT | CT_EXPORT_WORKLIST_CSV, dir);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *listing = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (ct_export_job_run (job, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  listing = dup_listing (dir);
  g_assert_cmpstr (listing, ==, "");
  test_util_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/export-job/readable-stem", test_readable_stem);
  g_test_add_func ("/export-job/dicom-seg-and-sr", test_dicom_seg_and_sr);
  g_test_add_func ("/export-job/report-patient-block", test_report_patient_block);
  g_test_add_func ("/export-job/all", test_export_all);
  g_test_add_func ("/export-job/never-overwrites", test_never_overwrites);
  g_test_add_func ("/export-job/full-disk", test_full_disk_leaves_no_partial_file);
  g_test_add_func ("/export-job/read-only-folder", test_read_only_folder);
  g_test_add_func ("/export-job/dropped-volume", test_dropped_volume_is_loaded_again);
  g_test_add_func ("/export-job/cancelled", test_cancelled);
  return g_test_run ();
}
