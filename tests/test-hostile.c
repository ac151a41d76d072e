/* SPDX-License-Identifier: MIT */
/* Hostile input and faults (issue 11): outputs confined to their folders,
 * written whole or not at all, JSON without non-finite numbers, standard
 * output write errors, thread counts capped, the scanner opening only
 * regular files, DICOMDIR references confined to the medium. Each test
 * fails without its fix. */
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ct-decoder.h"
#include "ct-dicom-writer.h"
#include "ct-error.h"
#include "ct-gdcm.h"
#include "ct-results-cache.h"
#include "ct-study-export.h"
#include "ct-study-report.h"
#include "ct-study-scan.h"
#include "ct-study.h"
#include "test-util.h"

static char *
cli_path (void)
{
  return g_build_filename (g_getenv ("CT_TRIAGE_BUILD_DIR"), "app", "ct-triage-cli", NULL);
}

typedef struct
{
  const char *stdout_path; /* NULL: captured */
  rlim_t file_size_limit;  /* 0: none */
} RunOptions;

static void
child_setup (gpointer data)
{
  const RunOptions *o = data;

  if (o != NULL && o->file_size_limit > 0)
    {
      struct rlimit limit = { o->file_size_limit, o->file_size_limit };
      /* EFBIG instead of SIGXFSZ: a write error, as on a full disk. */
      signal (SIGXFSZ, SIG_IGN);
      setrlimit (RLIMIT_FSIZE, &limit);
    }
}

/* Runs the CLI (under coreutils' timeout: a hang fails the test) with
 * @args; the exit status, standard output and error in @out and @err. */
static int
run_cli_full (const char *const *args, const RunOptions *options, char **out, char **err)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *stdout_text = NULL, *stderr_text = NULL;

  g_ptr_array_add (argv, g_strdup ("timeout"));
  g_ptr_array_add (argv, g_strdup ("120"));
  g_ptr_array_add (argv, cli_path ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDERR_PIPE |
      (options != NULL && options->stdout_path != NULL ? G_SUBPROCESS_FLAGS_NONE : G_SUBPROCESS_FLAGS_STDOUT_PIPE));
  if (options != NULL && options->stdout_path != NULL)
    g_subprocess_launcher_set_stdout_file_path (launcher, options->stdout_path);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, (gpointer) options, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error));
  g_assert_no_error (error);
  if (stderr_text != NULL && *stderr_text != '\0')
    g_test_message ("stderr: %s", stderr_text);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), !=, 124); /* timed out: a hang */
  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);
  return g_subprocess_get_exit_status (process);
}

static guint
count_entries (const char *dir, const char *containing)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (containing == NULL || strstr (name, containing) != NULL)
      n++;
  return n;
}

static void
test_sanitize_name (void)
{
  static const struct
  {
    const char *raw, *name;
  } cases[] = {
    { "1.2.840.113619.2.55.3", "1.2.840.113619.2.55.3" },
    { "../../escaped", "______escaped" },
    { "/etc/passwd", "_etc_passwd" },
    { "..", "__" },
    { ".", "_" },
    { "", "series" },
    { "a\\b", "a_b" },
    { "ok-name_1", "ok-name_1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = ct_study_export_sanitize_name (cases[i].raw);
      g_assert_cmpstr (name, ==, cases[i].name);
    }
  {
    g_autofree char *long_raw = g_strnfill (1000, 'x');
    g_autofree char *name = ct_study_export_sanitize_name (long_raw);
    g_assert_cmpuint (strlen (name), <=, 128);
  }
}

/* A SeriesInstanceUID of "../../escaped": the masks and the report stay in
 * their folders, under the sanitised name. */
static void
test_output_confined (void)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (96, 80, 12, "HOSTILE");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-hostile-XXXXXX", &error);
  g_autofree char *models = test_util_link_fixture_models (tmp);
  g_autofree char *series = g_build_filename (tmp, "series", NULL);
  g_autofree char *deep = g_build_filename (tmp, "a", "b", NULL);
  g_autofree char *masks = g_build_filename (deep, "masks", NULL);
  g_autofree char *reports = g_build_filename (deep, "reports", NULL);
  g_autofree char *a = g_build_filename (tmp, "a", NULL);
  g_autofree char *out = NULL;

  if (models == NULL)
    {
      test_util_remove_tree (tmp);
      return;
    }
  v->series_uid = g_strdup ("../../escaped");
  g_assert_true (ct_dicom_write_series (v, series, NULL, &error));
  g_assert_no_error (error);
  {
    const char *args[] = { "analyze",     series, "--json",   "--no-cache", "--model", models,
                           "--masks-out", masks,  "--report", reports,      NULL };
    g_assert_cmpint (run_cli_full (args, NULL, &out, NULL), ==, 0);
  }
  g_assert_cmpuint (count_entries (tmp, "escaped"), ==, 0);
  g_assert_cmpuint (count_entries (a, "escaped"), ==, 0);
  g_assert_cmpuint (count_entries (deep, "escaped"), ==, 0);
  g_assert_cmpuint (count_entries (masks, NULL), ==, 2);
  g_assert_cmpuint (count_entries (masks, "______escaped_l"), ==, 2);
  g_assert_cmpuint (count_entries (reports, NULL), ==, 1);
  g_assert_cmpuint (count_entries (reports, "______escaped.pdf"), ==, 1);
  test_util_remove_tree (tmp);
}

static goffset
file_size (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_size;
}

/* A write error (here the file size limit, as a full disk would) leaves no
 * truncated report and no temporary file, an earlier report as it was, and
 * fails the study. */
static void
test_output_whole_or_nothing (void)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (96, 80, 12, "HOSTILE");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-hostile-XXXXXX", &error);
  g_autofree char *models = test_util_link_fixture_models (tmp);
  g_autofree char *series = g_build_filename (tmp, "series", NULL);
  g_autofree char *reports = g_build_filename (tmp, "reports", NULL);
  g_autofree char *fresh = g_build_filename (tmp, "fresh", NULL);
  g_autofree char *out = NULL;
  g_autofree char *name = NULL, *pdf = NULL;
  RunOptions options = { NULL, 0 };
  goffset size;

  if (models == NULL)
    {
      test_util_remove_tree (tmp);
      return;
    }
  v->series_uid = g_strdup ("1.2.3.4");
  g_assert_true (ct_dicom_write_series (v, series, NULL, &error));
  {
    const char *args[] = { "analyze", series, "--json", "--no-cache", "--model", models, "--report", reports, NULL };
    g_assert_cmpint (run_cli_full (args, NULL, &out, NULL), ==, 0);
  }
  pdf = g_build_filename (reports, "1.2.3.4.pdf", NULL);
  size = file_size (pdf);
  g_assert_cmpint (size, >, 2048);
  g_assert_cmpuint (count_entries (reports, NULL), ==, 1);

  /* Half the report's size allowed: the write fails. */
  options.file_size_limit = (rlim_t) size / 2;
  for (int pass = 0; pass < 2; pass++)
    {
      const char *dir = pass == 0 ? fresh : reports;
      const char *args[] = { "analyze", series, "--json", "--no-cache", "--model", models, "--report", dir, NULL };

      g_clear_pointer (&out, g_free);
      g_assert_cmpint (run_cli_full (args, &options, &out, NULL), ==, 1);
      g_assert_nonnull (strstr (out, "\"status\" : \"error\""));
      g_assert_nonnull (strstr (out, "1.2.3.4.pdf"));
      g_assert_null (strstr (out, ".tmp-"));
    }
  /* Nothing new in either folder, the earlier report unchanged. */
  g_assert_cmpuint (count_entries (fresh, NULL), ==, 0);
  g_assert_cmpuint (count_entries (reports, NULL), ==, 1);
  g_assert_cmpint (file_size (pdf), ==, size);
  test_util_remove_tree (tmp);
}

/* inf/nan never reach the JSON (json-glib would print "inf.0") nor the CSV. */
static void
test_json_non_finite (void)
{
  g_autoptr (CtStudy) study = ct_study_new ("/nowhere/series", NULL);
  g_autoptr (GPtrArray) studies = g_ptr_array_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL, *csv = NULL;
  CtVolume *v = test_util_make_chest_volume (8, 8, 4, "HOSTILE");
  JsonArray *spacing;

  v->spacing[0] = INFINITY;
  v->spacing[2] = NAN;
  ct_study_set_volume (study, v, 1.0);
  ct_volume_unref (v);
  g_ptr_array_add (studies, study);

  json = ct_study_report_to_json (studies);
  g_assert_null (strstr (json, "inf"));
  g_assert_null (strstr (json, "nan"));
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  spacing = json_object_get_array_member (
      json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0), "spacing_mm");
  g_assert_true (JSON_NODE_HOLDS_NULL (json_array_get_element (spacing, 0)));
  g_assert_cmpfloat (json_array_get_double_element (spacing, 1), ==, 1.5);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_array_get_element (spacing, 2)));

  csv = ct_study_report_to_csv (studies);
  g_assert_null (strstr (csv, "inf"));
  g_assert_null (strstr (csv, "nan"));
}

/* --json > /dev/full: exit 1 with a message, never a silent 0. */
static void
test_stdout_full (void)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (32, 30, 5, "HOSTILE");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-hostile-XXXXXX", &error);
  g_autofree char *err = NULL;
  RunOptions options = { "/dev/full", 0 };
  const char *args[] = { "analyze", tmp, "--no-analysis", "--json", NULL };
  const char *info_args[] = { "info", tmp, NULL };

  if (!g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /dev/full");
      return;
    }
  g_assert_true (ct_dicom_write_series (v, tmp, NULL, &error));
  g_assert_cmpint (run_cli_full (args, NULL, NULL, NULL), ==, 0);
  g_assert_cmpint (run_cli_full (args, &options, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "cannot write the output"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli_full (info_args, &options, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "cannot write the output"));
  test_util_remove_tree (tmp);
}

/* --threads 100000 is capped to the cores with a note (it crashed libgomp). */
static void
test_threads_capped (void)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (96, 80, 12, "HOSTILE");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-hostile-XXXXXX", &error);
  g_autofree char *models = test_util_link_fixture_models (tmp);
  g_autofree char *series = g_build_filename (tmp, "series", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (models == NULL)
    {
      test_util_remove_tree (tmp);
      return;
    }
  g_assert_true (ct_dicom_write_series (v, series, NULL, &error));
  {
    const char *args[] = { "analyze", series, "--json", "--no-cache", "--model", models, "--threads", "100000", NULL };
    g_assert_cmpint (run_cli_full (args, NULL, &out, &err), ==, 0);
  }
  g_assert_nonnull (strstr (err, "--threads 100000 is more than the"));
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  g_clear_pointer (&err, g_free);
  {
    const char *args[] = { "info", series, "--threads", "100000", NULL };
    g_assert_cmpint (run_cli_full (args, NULL, NULL, &err), ==, 0);
  }
  g_assert_nonnull (strstr (err, "--threads 100000 is more than the"));
  test_util_remove_tree (tmp);
}

/* FIFOs in a scanned folder (one named like NIfTI) are skipped, not opened:
 * opening one blocked the scan for ever. */
static void
test_fifo_skipped (void)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (32, 30, 5, "HOSTILE");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-hostile-XXXXXX", &error);
  g_autofree char *fifo = g_build_filename (tmp, "pipe", NULL);
  g_autofree char *fifo_nifti = g_build_filename (tmp, "pipe.nii.gz", NULL);
  g_autofree char *out = NULL;
  g_autofree char *expected = g_strdup_printf ("%s: not a regular file", fifo);
  g_autofree char *expected_nifti = g_strdup_printf ("%s: not a regular file", fifo_nifti);
  const char *args[] = { "info", "--verbose", tmp, NULL };
  const char *direct[] = { "info", fifo, NULL };

  g_assert_true (ct_dicom_write_series (v, tmp, NULL, &error));
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  g_assert_cmpint (mkfifo (fifo_nifti, 0644), ==, 0);
  g_assert_cmpint (run_cli_full (args, NULL, &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "1 CT series"));
  g_assert_nonnull (strstr (out, expected));
  g_assert_nonnull (strstr (out, expected_nifti));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli_full (direct, NULL, &out, NULL), ==, 1);
  test_util_remove_tree (tmp);
}

/* A slice the user may not read: "permission denied", not "not a DICOM
 * file" (as root every file is readable: skipped). */
static void
test_unreadable_slice (void)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (32, 30, 5, "HOSTILE");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *slice = NULL;
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  const char *args[] = { "info", "--verbose", NULL, NULL };

  if (geteuid () == 0)
    {
      g_test_skip ("running as root: every file is readable");
      return;
    }
  tmp = g_dir_make_tmp ("ct-hostile-XXXXXX", &error);
  slice = g_build_filename (tmp, "IM00002.dcm", NULL);
  expected = g_strdup_printf ("%s: permission denied", slice);
  args[2] = tmp;
  g_assert_true (ct_dicom_write_series (v, tmp, NULL, &error));
  g_assert_true (g_file_test (slice, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (g_chmod (slice, 0), ==, 0);
  run_cli_full (args, NULL, &out, NULL);
  g_assert_nonnull (strstr (out, expected));
  g_chmod (slice, 0644);
  test_util_remove_tree (tmp);
}

/* A medium for the DICOMDIR tests: TMP/media/SR/IM0000k (k < v->nz, no
 * extension, as media carry them), the same slices again outside the medium
 * as TMP/IM0000k, and TMP/media/DICOMDIR made by gdcmgendir. FALSE (the test
 * skipped) without gdcmgendir. */
static gboolean
make_dicomdir_medium (const CtVolume *v, const char *tmp)
{
  g_autofree char *gendir = g_find_program_in_path ("gdcmgendir");
  g_autofree char *media = g_build_filename (tmp, "media", NULL);
  g_autofree char *series = g_build_filename (media, "SR", NULL);
  g_autoptr (GError) error = NULL;
  const char *argv[] = { NULL, "-i", ".", "-o", "DICOMDIR", "-r", NULL };
  int status = -1;

  if (gendir == NULL)
    {
      g_test_skip ("gdcmgendir (libgdcm-tools) is not installed");
      return FALSE;
    }
  g_assert_true (ct_dicom_write_series (v, series, NULL, &error));
  for (int k = 0; k < v->nz; k++)
    {
      g_autofree char *name = g_strdup_printf ("IM%05d.dcm", k);
      g_autofree char *short_name = g_strdup_printf ("IM%05d", k);
      g_autofree char *from = g_build_filename (series, name, NULL);
      g_autofree char *to = g_build_filename (series, short_name, NULL);
      g_autofree char *outside = g_build_filename (tmp, short_name, NULL);
      g_autofree char *data = NULL;
      gsize n;

      g_assert_cmpint (g_rename (from, to), ==, 0);
      g_assert_true (g_file_get_contents (to, &data, &n, &error));
      g_assert_true (g_file_set_contents (outside, data, (gssize) n, &error));
    }
  argv[0] = gendir;
  g_assert_true (g_spawn_sync (media, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  return TRUE;
}

/* How many skipped entries of SCAN name an IM0000k file and say REASON. */
static guint
count_refused (const CtStudyScan *scan, const char *reason)
{
  guint refused = 0;

  for (guint i = 0; i < scan->skipped->len; i++)
    {
      const CtSkippedFile *s = g_ptr_array_index (scan->skipped, i);
      g_test_message ("%s: %s", s->path, s->reason);
      if (strstr (s->reason, reason) != NULL && strstr (s->path, "IM0000") != NULL)
        refused++;
    }
  return refused;
}

/* A DICOMDIR whose file IDs climb out of its medium ("..\\IM00000"): the
 * files are refused, never read. Byte-edited after gdcmgendir. */
static void
test_dicomdir_confined (void)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (32, 30, 5, "HOSTILE");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-hostile-XXXXXX", NULL);
  g_autofree char *dicomdir = g_build_filename (tmp, "media", "DICOMDIR", NULL);
  g_autofree char *contents = NULL;
  gsize length;
  guint edits = 0;

  if (!make_dicomdir_medium (v, tmp))
    {
      test_util_remove_tree (tmp);
      return;
    }
  g_assert_true (g_file_get_contents (dicomdir, &contents, &length, &error));
  for (gsize i = 0; i + 5 <= length; i++)
    if (memcmp (contents + i, "SR\\IM", 5) == 0)
      {
        memcpy (contents + i, "..", 2);
        edits++;
      }
  g_assert_cmpuint (edits, ==, (guint) v->nz);
  g_assert_true (g_file_set_contents (dicomdir, contents, (gssize) length, &error));

  {
    const char *paths[] = { dicomdir, NULL };
    g_autoptr (CtStudyScan) scan = ct_study_scan_paths (paths, 1, NULL, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (scan->series->len, ==, 0);
    g_assert_cmpuint (count_refused (scan, "outside its folder"), ==, (guint) v->nz);
  }
  test_util_remove_tree (tmp);
}

/* A DICOMDIR whose file IDs stay inside the medium but name symbolic links
 * that lead out of it (SR/IM00000 -> ../../IM00000, a file outside; SR/SUB ->
 * the folder outside): those files are refused, never read. A link that
 * stays inside the medium (SR/IM00004 -> IM00004.KEEP) is followed. */
static void
test_dicomdir_symlink_confined (void)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (32, 30, 5, "HOSTILE");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-hostile-XXXXXX", NULL);
  g_autofree char *dicomdir = g_build_filename (tmp, "media", "DICOMDIR", NULL);
  g_autofree char *series = g_build_filename (tmp, "media", "SR", NULL);

  if (!make_dicomdir_medium (v, tmp))
    {
      test_util_remove_tree (tmp);
      return;
    }
  /* Four slices become links out of the medium: two to files, and two
   * through a link to the folder above the medium. */
  for (int k = 0; k < 4; k++)
    {
      g_autofree char *name = g_strdup_printf ("IM%05d", k);
      g_autofree char *in_medium = g_build_filename (series, name, NULL);
      g_autofree char *target = k < 2 ? g_build_filename ("..", "..", name, NULL) : g_build_filename ("UP", name, NULL);

      g_assert_cmpint (g_unlink (in_medium), ==, 0);
      g_assert_cmpint (symlink (target, in_medium), ==, 0);
    }
  {
    g_autofree char *up = g_build_filename (series, "UP", NULL);
    g_autofree char *last = g_build_filename (series, "IM00004", NULL);
    g_autofree char *kept = g_build_filename (series, "IM00004.KEEP", NULL);

    g_assert_cmpint (symlink (tmp, up), ==, 0);
    g_assert_cmpint (g_rename (last, kept), ==, 0);
    g_assert_cmpint (symlink ("IM00004.KEEP", last), ==, 0);
  }

  {
    const char *paths[] = { dicomdir, NULL };
    g_autoptr (CtStudyScan) scan = ct_study_scan_paths (paths, 1, NULL, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (count_refused (scan, "symbolic link"), ==, 4);
    /* The one slice left is read: a series of one image, found through the
     * link inside the medium. */
    g_assert_cmpuint (scan->series->len, ==, 1);
  }
  test_util_remove_tree (tmp);
}

/* CTImage.dcm of the real test data, or NULL (the test skipped). */
static char *
real_slice_contents (gsize *length)
{
  const char *data = g_getenv ("CT_TRIAGE_TEST_DATA");
  g_autofree char *path = NULL;
  char *contents = NULL;

  if (data == NULL)
    {
      g_test_skip ("CT_TRIAGE_TEST_DATA is not set");
      return NULL;
    }
  path = g_build_filename (data, "dicom-transfer-syntaxes", "CTImage.dcm", NULL);
  if (!g_file_get_contents (path, &contents, length, NULL))
    {
      g_test_skip ("../shared/data/dicom-transfer-syntaxes/CTImage.dcm is not there");
      return NULL;
    }
  return contents;
}

/* @contents with BitsAllocated (implicit VR, value 16) set to @bits. */
static char *
with_bits_allocated (const char *contents, gsize length, guint8 bits)
{
  static const char element[] = "\x28\x00\x00\x01\x02\x00\x00\x00\x10\x00";
  char *copy = g_memdup2 (contents, length);

  for (gsize i = 0; i + 10 <= length; i++)
    if (memcmp (copy + i, element, 10) == 0)
      {
        copy[i + 8] = (char) bits;
        return copy;
      }
  g_assert_not_reached ();
  return NULL;
}

/* A crash inside GDCM (its assert()s: a real slice cut to 132 or 200
 * bytes, BitsAllocated 12) costs that file only: the decoder helper dies,
 * the error names the file and the signal, the next file gets a fresh
 * helper, and a good series beside them is still reported. */
static void
test_gdcm_crash_contained (void)
{
  const char *decoder = g_getenv ("CT_TRIAGE_DECODER");
  gsize length;
  g_autofree char *contents = real_slice_contents (&length);
  g_autoptr (CtVolume) v = test_util_make_chest_volume (32, 30, 5, "HOSTILE");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL, *series = NULL, *bad = NULL, *cut132 = NULL, *cut200 = NULL, *bits12 = NULL;
  g_autofree char *bits12_contents = NULL, *good = NULL;
  g_autofree char *out = NULL, *info = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *array;
  float values[512 * 512];

  if (contents == NULL)
    return;
  g_assert_nonnull (decoder);
  tmp = g_dir_make_tmp ("ct-hostile-XXXXXX", &error);
  series = g_build_filename (tmp, "good", NULL);
  bad = g_build_filename (tmp, "bad", NULL);
  cut132 = g_build_filename (bad, "cut132.dcm", NULL);
  cut200 = g_build_filename (bad, "cut200.dcm", NULL);
  bits12 = g_build_filename (tmp, "bits12.dcm", NULL);
  good = g_build_filename (tmp, "CTImage.dcm", NULL);
  g_assert_true (ct_dicom_write_series (v, series, NULL, &error));
  g_assert_cmpint (g_mkdir (bad, 0755), ==, 0);
  g_assert_true (g_file_set_contents (cut132, contents, 132, &error));
  g_assert_true (g_file_set_contents (cut200, contents, 200, &error));
  bits12_contents = with_bits_allocated (contents, length, 12);
  g_assert_true (g_file_set_contents (bits12, bits12_contents, (gssize) length, &error));
  g_assert_true (g_file_set_contents (good, contents, (gssize) length, &error));

  /* Through the shim in this process: it survives, and goes on. */
  ct_gdcm_set_decoder (decoder);
  g_assert_null (ct_gdcm_read_header (cut132, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, cut132));
  g_assert_nonnull (strstr (error->message, "crashed on this file (signal 6"));
  g_clear_error (&error);
  g_assert_false (ct_gdcm_read_pixels (bits12, values, G_N_ELEMENTS (values), &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "crashed on this file"));
  g_clear_error (&error);
  {
    g_autoptr (CtGdcmHeader) h = ct_gdcm_read_header (good, &error);
    g_assert_no_error (error);
    g_assert_cmpint (h->rows, ==, 512);
    g_assert_cmpstr (h->modality, ==, "CT");
    g_assert_true (h->has_pixel_spacing);
    g_assert_true (ct_gdcm_read_pixels (good, values, G_N_ELEMENTS (values), &error));
    g_assert_no_error (error);
  }
  ct_gdcm_set_decoder (NULL);

  /* The command line: the good series and the good slice reported, the bad
   * files skipped with the reason. */
  {
    const char *args[] = { "analyze", tmp, "--no-analysis", "--json", NULL };
    g_assert_cmpint (run_cli_full (args, NULL, &out, NULL), ==, 0);
  }
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, i), "status"), ==, "ok");
  {
    const char *args[] = { "info", "--verbose", tmp, NULL };
    g_autofree char *line132 = g_strdup_printf ("%s: the DICOM decoder (GDCM) crashed on this file", cut132);
    g_autofree char *line200 = g_strdup_printf ("%s: the DICOM decoder (GDCM) crashed on this file", cut200);
    g_autofree char *line12 = g_strdup_printf ("%s: BitsAllocated 12", bits12);
    g_assert_cmpint (run_cli_full (args, NULL, &info, NULL), ==, 0);
    g_assert_nonnull (strstr (info, line132));
    g_assert_nonnull (strstr (info, line200));
    g_assert_nonnull (strstr (info, line12));
  }
  test_util_remove_tree (tmp);
}

/* A helper that never answers: the call fails after the timeout with the
 * file named, the helper is killed; one that always dies: after 32 failures
 * in a row no more are started. Stand-in helpers are shell scripts. */
static void
test_decoder_timeout_and_limit (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-hostile-XXXXXX", &error);
  g_autofree char *hang = g_build_filename (tmp, "hang.sh", NULL);
  g_autofree char *die = g_build_filename (tmp, "die.sh", NULL);
  g_autofree char *file = g_build_filename (tmp, "slice.dcm", NULL);
  gint64 start;
  guint i;

  g_assert_true (g_file_set_contents (hang, "#!/bin/sh\nexec sleep 600\n", -1, &error));
  g_assert_true (g_file_set_contents (die, "#!/bin/sh\nexit 3\n", -1, &error));
  g_assert_true (g_file_set_contents (file, "DICM", -1, &error));
  g_assert_cmpint (g_chmod (hang, 0755), ==, 0);
  g_assert_cmpint (g_chmod (die, 0755), ==, 0);

  ct_gdcm_set_decoder (hang);
  ct_gdcm_set_decoder_timeout (1);
  start = g_get_monotonic_time ();
  g_assert_null (ct_gdcm_read_header (file, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, file));
  g_assert_nonnull (strstr (error->message, "did not answer within 1 s"));
  /* Not a timing test: the call returned at all, well before the 600 s. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 300 * G_USEC_PER_SEC);
  g_clear_error (&error);

  ct_gdcm_set_decoder (die);
  for (i = 0; i < 32; i++)
    {
      g_assert_null (ct_gdcm_read_header (file, &error));
      g_assert_nonnull (strstr (error->message, "crashed on this file (exit status 3)"));
      g_clear_error (&error);
    }
  g_assert_null (ct_gdcm_read_header (file, &error));
  g_assert_nonnull (strstr (error->message, "failed 32 times in a row: it is not started again"));
  g_clear_error (&error);
  ct_gdcm_set_decoder_timeout (0);
  ct_gdcm_set_decoder (NULL);
  test_util_remove_tree (tmp);
}

/* A cache row whose category (or probability) was tampered with is damaged:
 * refused and dropped, never printed as "CT-?". */
static void
test_cache_tampered_row (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-hostile-XXXXXX", &error);
  g_autofree char *file = g_build_filename (tmp, "results.sqlite", NULL);
  g_autoptr (CtResultsCache) cache = ct_results_cache_open (tmp, &error);
  g_autoptr (CtAnalysis) a = ct_analysis_new ();
  g_autoptr (CtAnalysis) got = NULL;
  const char *sha = "0000000000000000000000000000000000000000000000000000000000000000";
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  a->nx = a->ny = a->nz = 2;
  a->lung_mask = g_malloc0 (8);
  a->lesion_mask = g_malloc0 (8);
  a->category = CT_CATEGORY_1;
  a->severity_percent = 10;
  g_assert_true (ct_results_cache_store (cache, "fp", sha, sha, a, &error));
  g_assert_no_error (error);
  got = ct_results_cache_lookup (cache, "fp", sha, sha, &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
  g_clear_pointer (&got, ct_analysis_unref);

  g_assert_cmpint (sqlite3_open (file, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE results SET category = 9", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  got = ct_results_cache_lookup (cache, "fp", sha, sha, &error);
  g_assert_null (got);
  g_assert_error (error, CT_ERROR, CT_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "category 9"));
  g_clear_error (&error);
  /* Dropped: the next lookup is a plain miss. */
  got = ct_results_cache_lookup (cache, "fp", sha, sha, &error);
  g_assert_no_error (error);
  g_assert_null (got);
  g_clear_pointer (&cache, ct_results_cache_close);
  test_util_remove_tree (tmp);
}

/* Reading through the decoder helper keeps no memory per file: every reply
 * was leaked before (the GVariant's buffer was given to g_free with a NULL
 * user data: 1.4 KB per header, found by fuzz-dicom under LeakSanitizer).
 * Measured here with glibc's heap figures; under AddressSanitizer (whose
 * allocator glibc does not see) LeakSanitizer checks the same at exit. */
static void
test_decoder_no_leak (void)
{
  const char *decoder = g_getenv ("CT_TRIAGE_DECODER");
  g_autoptr (CtVolume) v = test_util_make_chest_volume (16, 16, 2, "LEAK");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-hostile-XXXXXX", NULL);
  g_autofree char *series = g_build_filename (tmp, "series", NULL);
  g_autofree char *slice = NULL;
  g_autoptr (GDir) dir = NULL;
  float values[16 * 16];
  size_t before;

  g_assert_nonnull (decoder);
  g_assert_true (ct_dicom_write_series (v, series, NULL, &error));
  dir = g_dir_open (series, 0, &error);
  g_assert_no_error (error);
  slice = g_build_filename (series, g_dir_read_name (dir), NULL);
  ct_gdcm_set_decoder (decoder);
  /* Warm: the helper started, GLib's caches filled. */
  for (int i = 0; i < 20; i++)
    ct_gdcm_header_free (ct_gdcm_read_header (slice, NULL));
  before = mallinfo2 ().uordblks;
  for (int i = 0; i < 400; i++)
    {
      g_autoptr (CtGdcmHeader) h = ct_gdcm_read_header (slice, &error);
      g_assert_no_error (error);
      g_assert_cmpint (h->rows, ==, 16);
      g_assert_true (ct_gdcm_read_pixels (slice, values, G_N_ELEMENTS (values), &error));
      g_assert_no_error (error);
    }
  /* 400 leaked replies would be well over 400 KB. */
  g_assert_cmpuint (mallinfo2 ().uordblks, <, before + 64 * 1024);
  ct_gdcm_set_decoder (NULL);
  test_util_remove_tree (tmp);
}

/* An InstanceNumber no int holds (or "inf") is no number: its conversion to
 * an int was undefined (clang's UBSan in the decoder helper under
 * fuzz-dicom). Edited with DCMTK's dcmodify where installed. */
static void
test_instance_number_out_of_range (void)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (16, 16, 1, "INSTANCE");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-hostile-XXXXXX", NULL);
  g_autofree char *series = g_build_filename (tmp, "series", NULL);
  g_autofree char *slice = NULL;
  g_autofree char *dcmodify = g_find_program_in_path ("dcmodify");
  g_autoptr (GDir) dir = NULL;
  const char *const values[] = { "99999999999", "-3000000000", "inf", "nan" };

  if (dcmodify == NULL)
    {
      g_test_skip ("dcmodify (DCMTK) is not installed");
      return;
    }
  g_assert_true (ct_dicom_write_series (v, series, NULL, &error));
  dir = g_dir_open (series, 0, &error);
  g_assert_no_error (error);
  slice = g_build_filename (series, g_dir_read_name (dir), NULL);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *assignment = g_strdup_printf ("(0020,0013)=%s", values[i]);
      const char *argv[] = { dcmodify, "-nb", "-m", assignment, slice, NULL };
      int status;
      g_autoptr (CtGdcmHeader) h = NULL;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                   NULL, NULL, NULL, NULL, &status, &error));
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      h = ct_gdcm_read_header (slice, &error);
      g_assert_no_error (error);
      g_assert_false (h->has_instance_number);
      g_assert_cmpint (h->instance_number, ==, 0);
    }
  test_util_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hostile/sanitize-name", test_sanitize_name);
  g_test_add_func ("/hostile/output-confined", test_output_confined);
  g_test_add_func ("/hostile/output-whole-or-nothing", test_output_whole_or_nothing);
  g_test_add_func ("/hostile/json-non-finite", test_json_non_finite);
  g_test_add_func ("/hostile/stdout-full", test_stdout_full);
  g_test_add_func ("/hostile/threads-capped", test_threads_capped);
  g_test_add_func ("/hostile/fifo-skipped", test_fifo_skipped);
  g_test_add_func ("/hostile/unreadable-slice", test_unreadable_slice);
  g_test_add_func ("/hostile/dicomdir-confined", test_dicomdir_confined);
  g_test_add_func ("/hostile/dicomdir-symlink-confined", test_dicomdir_symlink_confined);
  g_test_add_func ("/hostile/gdcm-crash-contained", test_gdcm_crash_contained);
  g_test_add_func ("/hostile/decoder-timeout-and-limit", test_decoder_timeout_and_limit);
  g_test_add_func ("/hostile/cache-tampered-row", test_cache_tampered_row);
  g_test_add_func ("/hostile/decoder-no-leak", test_decoder_no_leak);
  g_test_add_func ("/hostile/instance-number-out-of-range", test_instance_number_out_of_range);
  return g_test_run ();
}
