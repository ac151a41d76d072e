/* SPDX-License-Identifier: MIT */
/* Faults (issue 11, item 6): every output of the release command line
 * meeting a full disk in turn (a small tmpfs in a mount namespace of this
 * test's own; root only), the command line killed (SIGKILL) at 20 points
 * of its run, and 100 cancellations at random points of analyses, series
 * loads, discoveries and export jobs through the core objects. What must
 * hold: no crash, an error naming the file and the system's reason, no
 * truncated, half-written or temporary file left (the next run removes
 * what a killed one left, see docs/bad-input.md "Faults"), earlier outputs
 * and cache entries intact, and the next run giving the normal result. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <zlib.h>

#include "ct-analyzer.h"
#include "ct-dicom-output.h"
#include "ct-dicom-writer.h"
#include "ct-error.h"
#include "ct-export-job.h"
#include "ct-job-queue.h"
#include "ct-dicom-receiver.h"
#include "ct-results-cache.h"
#include "ct-study-library.h"
#include "test-util.h"

/* The outputs of one study, in the order the command line writes them. */
static const char *const output_suffixes[] = { "_lungs.nii.gz", "_lesions.nii.gz", ".pdf",
                                               "_seg.dcm",      "_sr.dcm",         "_pdf.dcm" };
#define N_OUTPUTS G_N_ELEMENTS (output_suffixes)

static char *
cli_path (void)
{
  return g_build_filename (g_getenv ("CT_TRIAGE_BUILD_DIR"), "app", "ct-triage-cli", NULL);
}

/* ---- checking outputs ------------------------------------------------------- */

/* NULL when @path is a whole .nii.gz: the gzip stream ends where it must
 * (CRC and length checked by zlib) and holds the header and every voxel. */
static char *
check_nifti_gz (const char *path)
{
  gzFile f = gzopen (path, "rb");
  g_autoptr (GByteArray) data = g_byte_array_new ();
  guint8 buffer[65536];
  int n, code;
  gint32 sizeof_hdr;
  gint16 dim[8], bitpix;
  float vox_offset;
  gsize expected;

  if (f == NULL)
    return g_strdup_printf ("%s: cannot open", path);
  while ((n = gzread (f, buffer, sizeof buffer)) > 0)
    g_byte_array_append (data, buffer, n);
  code = gzclose_r (f);
  if (n < 0 || code != Z_OK)
    return g_strdup_printf ("%s: the gzip stream is damaged or truncated (%d, %d)", path, n, code);
  if (data->len < 352)
    return g_strdup_printf ("%s: %u bytes, shorter than a NIfTI-1 header", path, data->len);
  memcpy (&sizeof_hdr, data->data, 4);
  memcpy (dim, data->data + 40, sizeof dim);
  memcpy (&bitpix, data->data + 72, 2);
  memcpy (&vox_offset, data->data + 108, 4);
  if (sizeof_hdr != 348 || dim[0] != 3 || dim[1] <= 0 || dim[2] <= 0 || dim[3] <= 0 || bitpix != 8)
    return g_strdup_printf ("%s: not the NIfTI-1 mask header", path);
  expected = (gsize) vox_offset + (gsize) dim[1] * dim[2] * dim[3];
  if (data->len != expected)
    return g_strdup_printf ("%s: %u bytes once inflated, the header needs %" G_GSIZE_FORMAT, path, data->len, expected);
  return NULL;
}

static char *
check_pdf (const char *path)
{
  g_autofree char *text = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &text, &length, NULL))
    return g_strdup_printf ("%s: cannot read", path);
  while (length > 0 && g_ascii_isspace (text[length - 1]))
    length--;
  if (length < 16 || strncmp (text, "%PDF-", 5) != 0 || strncmp (text + length - 5, "%%EOF", 5) != 0)
    return g_strdup_printf ("%s: not a whole PDF (%" G_GSIZE_FORMAT " bytes, no %%%%EOF at the end)", path, length);
  return NULL;
}

/* dcmdump reads the whole data set (exit 1 on a truncated file); a SEG is
 * also read back frame by frame. */
static char *
check_dicom (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dcmdump = g_find_program_in_path ("dcmdump");
  int status = 0;

  if (dcmdump != NULL)
    {
      const char *argv[] = { dcmdump, "-q", path, NULL };

      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                         NULL, NULL, NULL, &status, &error) ||
          !g_spawn_check_wait_status (status, NULL))
        return g_strdup_printf ("%s: dcmdump cannot read it", path);
    }
  if (g_str_has_suffix (path, "_seg.dcm"))
    {
      g_autoptr (CtDicomSeg) seg = ct_dicom_seg_read (path, &error);
      if (seg == NULL)
        return g_strdup_printf ("%s: %s", path, error->message);
    }
  return NULL;
}

static char *
check_json (const char *path)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  if (!json_parser_load_from_file (parser, path, &error))
    return g_strdup_printf ("%s: %s", path, error->message);
  return NULL;
}

static char *
check_csv (const char *path)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup_printf ("%s: cannot read", path);
  /* The header line, then one line per study, each ended. */
  if (!g_str_has_prefix (text, "priority_rank,") || !g_str_has_suffix (text, "\n"))
    return g_strdup_printf ("%s: not a whole work list", path);
  return NULL;
}

/* NULL when @path is a complete output of its kind, else why not. */
static char *
check_output (const char *path)
{
  if (g_str_has_suffix (path, ".nii.gz"))
    return check_nifti_gz (path);
  if (g_str_has_suffix (path, ".pdf"))
    return check_pdf (path);
  if (g_str_has_suffix (path, ".dcm"))
    return check_dicom (path);
  if (g_str_has_suffix (path, ".json"))
    return check_json (path);
  if (g_str_has_suffix (path, ".csv"))
    return check_csv (path);
  return g_strdup_printf ("%s: not an output of ct-triage", path);
}

static gboolean
is_temp_name (const char *name)
{
  return g_str_has_prefix (name, ".tmp-");
}

/* Every file of @dir a complete output; the number of temporary files in
 * @out_temps (NULL: there must be none). */
static void
assert_outputs_whole (const char *dir, guint *out_temps)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n_temps = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *problem = NULL;

      if (is_temp_name (name))
        {
          if (out_temps == NULL)
            g_error ("%s: a temporary file was left behind", path);
          n_temps++;
          continue;
        }
      problem = check_output (path);
      if (problem != NULL)
        g_error ("%s", problem);
    }
  if (out_temps != NULL)
    *out_temps = n_temps;
}

static goffset
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? st.st_size : -1;
}

/* ---- running the command line ------------------------------------------------ */

typedef struct
{
  const char *cache_dir;   /* CT_TRIAGE_CACHE_DIR */
  const char *stdout_path; /* NULL: captured */
} Run;

static GSubprocess *
spawn_cli (const char *const *args, const Run *run, gboolean under_timeout)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  GSubprocess *process;

  /* A hang fails the test; killed runs are the CLI itself, so that the
   * signal reaches it. */
  if (under_timeout)
    {
      g_ptr_array_add (argv, g_strdup ("timeout"));
      g_ptr_array_add (argv, g_strdup ("300"));
    }
  g_ptr_array_add (argv, cli_path ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                        (run->stdout_path != NULL ? 0 : G_SUBPROCESS_FLAGS_STDOUT_PIPE));
  if (run->stdout_path != NULL)
    g_subprocess_launcher_set_stdout_file_path (launcher, run->stdout_path);
  g_subprocess_launcher_setenv (launcher, "CT_TRIAGE_CACHE_DIR", run->cache_dir, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

/* Runs the CLI to its end: its exit status, standard output and error. */
static int
run_cli (const char *const *args, const Run *run, char **out, char **err)
{
  g_autoptr (GSubprocess) process = spawn_cli (args, run, TRUE);
  g_autoptr (GError) error = NULL;
  g_autofree char *stdout_text = NULL, *stderr_text = NULL;

  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), !=, 124);
  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);
  return g_subprocess_get_exit_status (process);
}

/* The first study of a --json array. */
static JsonObject *
parse_first_study (const char *json, JsonParser *parser)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  return json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
}

/* The result's numbers of two --json outputs are the same. */
static void
assert_same_result (const char *json, const char *reference)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (JsonParser) q = json_parser_new ();
  JsonObject *a = parse_first_study (json, p);
  JsonObject *b = parse_first_study (reference, q);
  static const char *const numbers[] = { "covid_probability", "severity_percent", "severity_total_percent",
                                         "lung_volume_ml",    "lesion_volume_ml", "triage_score" };

  g_assert_cmpstr (json_object_get_string_member (a, "status"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (a, "ct_category"), ==,
                   json_object_get_string_member (b, "ct_category"));
  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      JsonNode *x = json_object_get_member (a, numbers[i]), *y = json_object_get_member (b, numbers[i]);

      g_assert_cmpint (JSON_NODE_HOLDS_NULL (x), ==, JSON_NODE_HOLDS_NULL (y));
      if (!JSON_NODE_HOLDS_NULL (x))
        g_assert_cmpfloat_with_epsilon (json_node_get_double (x), json_node_get_double (y), 1e-9);
    }
}

static gboolean
result_cached (const char *json)
{
  g_autoptr (JsonParser) p = json_parser_new ();

  return json_object_get_boolean_member (parse_first_study (json, p), "cached");
}

/* A small chest phantom as a DICOM series in @dir, its series UID @uid. */
static void
write_series (const char *dir, int nx, int ny, int nz, const char *uid, const char *patient)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (nx, ny, nz, patient);
  g_autoptr (GError) error = NULL;

  v->series_uid = g_strdup (uid);
  g_assert_true (ct_dicom_write_series (v, dir, NULL, &error));
  g_assert_no_error (error);
}

/* sqlite's own check of the cache file, and its number of entries. */
static int
cache_entries (const char *cache_dir)
{
  g_autofree char *path = g_build_filename (cache_dir, "results.sqlite", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int n = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  /* A run killed before it made the table leaves none: no entry. */
  if (sqlite3_prepare_v2 (db, "SELECT count(*) FROM results", -1, &stmt, NULL) != SQLITE_OK)
    {
      g_assert_nonnull (strstr (sqlite3_errmsg (db), "no such table"));
      sqlite3_close (db);
      return 0;
    }
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* ---- full disk ----------------------------------------------------------------- */

#define PAGE 4096

static guint64
pages (goffset size)
{
  return ((guint64) size + PAGE - 1) / PAGE;
}

/* Fills the tmpfs at @mount so that @free_bytes are left (tmpfs counts
 * whole pages per file). */
static void
leave_free (const char *mount, guint64 free_bytes)
{
  g_autofree char *filler = g_build_filename (mount, "filler", NULL);
  struct statvfs st;
  guint64 avail, want;
  int fd;

  g_unlink (filler);
  g_assert_cmpint (statvfs (mount, &st), ==, 0);
  avail = (guint64) st.f_bavail * st.f_frsize;
  g_assert_cmpuint (avail, >=, free_bytes);
  want = avail - free_bytes;
  fd = open (filler, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  g_assert_cmpint (fd, >=, 0);
  if (want > 0)
    g_assert_cmpint (posix_fallocate (fd, 0, (off_t) want), ==, 0);
  close (fd);
  g_assert_cmpint (statvfs (mount, &st), ==, 0);
  g_assert_cmpuint ((guint64) st.f_bavail * st.f_frsize, ==, free_bytes);
}

/* The filler gone: all of the tmpfs free again. */
static void
unfill (const char *mount)
{
  g_autofree char *filler = g_build_filename (mount, "filler", NULL);

  g_unlink (filler);
}

static void
copy_file (const char *from, const char *to)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_get_contents (from, &data, &length, &error));
  g_assert_true (g_file_set_contents (to, data, (gssize) length, &error));
  g_assert_no_error (error);
}

static gboolean
same_contents (const char *a, const char *b)
{
  g_autofree char *x = NULL, *y = NULL;
  gsize nx = 0, ny = 0;

  return g_file_get_contents (a, &x, &nx, NULL) && g_file_get_contents (b, &y, &ny, NULL) && nx == ny &&
         memcmp (x, y, nx) == 0;
}

/* A private mount namespace (nothing mounted here is seen outside this
 * process, and it all goes when the process ends), then a tmpfs of @size
 * bytes at @dir; FALSE after g_test_skip () where that is not allowed. */
static gboolean
mount_small_tmpfs (const char *dir, guint64 size)
{
  g_autofree char *options = g_strdup_printf ("size=%" G_GUINT64_FORMAT, size);
  static gboolean unshared;

  if (geteuid () != 0)
    {
      g_test_skip ("not root: cannot mount a tmpfs to fill (run as root to test full disks)");
      return FALSE;
    }
  if (!unshared)
    {
      if (unshare (CLONE_NEWNS) != 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        {
          g_autofree char *message = g_strdup_printf ("no mount namespace (%s): full disks not tested",
                                                      g_strerror (errno));
          g_test_skip (message);
          return FALSE;
        }
      unshared = TRUE;
    }
  if (mount ("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, options) != 0)
    {
      g_autofree char *message = g_strdup_printf ("cannot mount a tmpfs (%s): full disks not tested",
                                                  g_strerror (errno));
      g_test_skip (message);
      return FALSE;
    }
  return TRUE;
}

/* The series @series with every output option into @reference: each
 * output's size in @sizes (logged), all of them whole; the bytes they take
 * on a tmpfs (whole pages) in all. */
static guint64
write_reference_outputs (const char *series, const char *models, const char *reference, const char *stem,
                         const Run *run, goffset sizes[N_OUTPUTS])
{
  const char *args[] = { "analyze",  series,    "--json",    "--model", models,     "--masks-out", reference,
                         "--report", reference, "--seg-out", reference, "--sr-out", reference,     "--pdf-dicom-out",
                         reference,  NULL };
  guint64 total = 0;

  g_assert_cmpint (run_cli (args, run, NULL, NULL), ==, 0);
  for (guint i = 0; i < N_OUTPUTS; i++)
    {
      g_autofree char *name = g_strconcat (stem, output_suffixes[i], NULL);
      g_autofree char *path = g_build_filename (reference, name, NULL);

      sizes[i] = file_size (path);
      g_assert_cmpint (sizes[i], >, 0);
      total += pages (sizes[i]) * PAGE;
      g_test_message ("%s: %" G_GOFFSET_FORMAT " bytes", name, sizes[i]);
    }
  assert_outputs_whole (reference, NULL);
  return total;
}

/* Each output in turn meets a full disk: the run fails (exit 1) with an
 * error naming that file and "No space left", the outputs before it are
 * whole, an earlier complete file of that name is left as it was, nothing
 * else is there (no temporary file). Then standard output on a full disk,
 * and the results cache on one. */
static void
test_full_disk (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-faults-XXXXXX", &error);
  g_autofree char *models = test_util_link_fixture_models (tmp);
  g_autofree char *series = g_build_filename (tmp, "series", NULL);
  g_autofree char *series_b = g_build_filename (tmp, "series-b", NULL);
  g_autofree char *reference = g_build_filename (tmp, "reference", NULL);
  g_autofree char *cache = g_build_filename (tmp, "cache", NULL);
  g_autofree char *disk = g_build_filename (tmp, "disk", NULL);
  g_autofree char *out = g_build_filename (disk, "out", NULL);
  const char *stem = "1.2.826.0.1.3680043.2.1125.77.1";
  goffset sizes[N_OUTPUTS];
  guint64 total = 0;
  Run run = { cache, NULL };
  gboolean mounted = FALSE;

  if (models == NULL)
    goto done;
  if (geteuid () != 0)
    {
      g_test_skip ("not root: cannot mount a tmpfs to fill (run as root to test full disks)");
      goto done;
    }
  write_series (series, 96, 80, 12, stem, "FAULTS-A");
  write_series (series_b, 112, 96, 16, "1.2.826.0.1.3680043.2.1125.77.2", "FAULTS-B");
  total = write_reference_outputs (series, models, reference, stem, &run, sizes);

  g_assert_cmpint (g_mkdir (disk, 0755), ==, 0);
  if (!mount_small_tmpfs (disk, 2 * total + 2 * 1024 * 1024))
    goto done;
  mounted = TRUE;

  for (guint i = 0; i < N_OUTPUTS; i++)
    {
      g_autofree char *name = g_strconcat (stem, output_suffixes[i], NULL);
      g_autofree char *earlier = g_build_filename (reference, name, NULL);
      g_autofree char *target = g_build_filename (out, name, NULL);
      g_autofree char *stdout_text = NULL;
      g_autoptr (JsonParser) parser = json_parser_new ();
      const char *message;
      guint64 free_pages = 0;
      const char *args[] = { "analyze", series,      "--json", "--model",  models, "--masks-out",     out, "--report",
                             out,       "--seg-out", out,      "--sr-out", out,    "--pdf-dicom-out", out, NULL };

      /* Room for the outputs before it (and the encapsulated PDF's
       * intermediate report), half of this one; the sizes of this run may
       * differ a little from the reference's (UIDs, timings), so the room
       * is moved a page at a time until this output is the one that fails. */
      for (guint j = 0; j < i; j++)
        free_pages += pages (sizes[j]);
      if (i == N_OUTPUTS - 1)
        free_pages += pages (sizes[2]);
      free_pages += pages (sizes[i]) / 2;
      for (int attempt = 0;; attempt++)
        {
          guint failed = N_OUTPUTS;
          int status;

          g_assert_cmpint (attempt, <, 16);
          test_util_empty_folder (disk);
          g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
          /* A complete file of that name from an earlier run. */
          copy_file (earlier, target);
          leave_free (disk, free_pages * PAGE);
          g_clear_pointer (&stdout_text, g_free);
          g_clear_object (&parser);
          parser = json_parser_new ();
          status = run_cli (args, &run, &stdout_text, NULL);
          message = json_object_get_string_member (parse_first_study (stdout_text, parser), "error");
          for (guint j = 0; j < N_OUTPUTS && message != NULL; j++)
            {
              g_autofree char *other_name = g_strconcat (stem, output_suffixes[j], NULL);
              g_autofree char *other = g_build_filename (out, other_name, NULL);

              if (strstr (message, other) != NULL)
                failed = j;
            }
          g_assert_cmpint (status, ==, failed < N_OUTPUTS ? 1 : 0);
          if (failed == i)
            break;
          g_test_message ("%s with %" G_GUINT64_FORMAT " free pages: %s", name, free_pages,
                          message != NULL ? message : "no error");
          if (failed > i && free_pages == 0)
            g_error ("%s fits where there is no room", name);
          free_pages = failed > i ? free_pages - 1 : free_pages + 1;
        }
      g_test_message ("%s on a full disk (%" G_GUINT64_FORMAT " free pages): %s", name, free_pages, message);
      g_assert_nonnull (strstr (message, "No space left"));
      g_assert_null (strstr (message, ".tmp-"));
      /* The earlier file as it was, the ones before whole, none after, no
       * temporary file. */
      g_assert_true (same_contents (target, earlier));
      assert_outputs_whole (out, NULL);
      for (guint j = 0; j < N_OUTPUTS; j++)
        {
          g_autofree char *other_name = g_strconcat (stem, output_suffixes[j], NULL);
          g_autofree char *other = g_build_filename (out, other_name, NULL);

          g_assert_cmpint (g_file_test (other, G_FILE_TEST_EXISTS), ==, j <= i);
        }
    }

  /* Standard output on a full disk (and /dev/full): exit 1, with the reason. */
  {
    g_autofree char *listing = g_build_filename (disk, "list.json", NULL);
    g_autofree char *err = NULL;
    const char *args[] = { "analyze", series, "--json", "--model", models, NULL };
    Run to_file = { cache, listing };
    Run to_full = { cache, "/dev/full" };

    test_util_empty_folder (disk);
    leave_free (disk, 0);
    g_assert_cmpint (run_cli (args, &to_file, NULL, &err), ==, 1);
    g_assert_nonnull (strstr (err, "cannot write the output"));
    g_assert_nonnull (strstr (err, "No space left"));
    g_clear_pointer (&err, g_free);
    if (g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
      {
        g_assert_cmpint (run_cli (args, &to_full, NULL, &err), ==, 1);
        g_assert_nonnull (strstr (err, "No space left"));
      }
  }

  /* The results cache on a full disk: study A stored first; then study B
   * with less and less room, each time: B's result printed all the same
   * (the cache is only a cache: exit 0) with a warning naming the cache
   * file and "No space left" whenever B was not stored, the file intact
   * and A still in it. */
  {
    g_autofree char *disk_cache = g_build_filename (disk, "cache", NULL);
    g_autofree char *a_json = NULL, *b_reference = NULL, *cache_file = NULL;
    const char *args_a[] = { "analyze", series, "--json", "--model", models, NULL };
    const char *args_b[] = { "analyze", series_b, "--json", "--model", models, NULL };
    Run on_disk = { disk_cache, NULL };
    Run elsewhere = { cache, NULL };
    guint n_refused = 0;
    gboolean stored = FALSE;

    test_util_empty_folder (disk);
    cache_file = g_build_filename (disk_cache, "results.sqlite", NULL);
    g_assert_cmpint (run_cli (args_b, &elsewhere, &b_reference, NULL), ==, 0);
    g_assert_cmpint (run_cli (args_a, &on_disk, &a_json, NULL), ==, 0);
    g_assert_false (result_cached (a_json));
    g_assert_cmpint (cache_entries (disk_cache), ==, 1);
    for (guint free_pages = 0; free_pages <= 256 && !stored; free_pages += free_pages < 16 ? 1 : 8)
      {
        g_autofree char *b_json = NULL, *err = NULL;
        int entries;

        leave_free (disk, (guint64) free_pages * PAGE);
        g_assert_cmpint (run_cli (args_b, &on_disk, &b_json, &err), ==, 0);
        assert_same_result (b_json, b_reference);
        g_assert_false (result_cached (b_json));
        unfill (disk);
        entries = cache_entries (disk_cache);
        g_assert_cmpint (entries, >=, 1);
        g_assert_cmpint (entries, <=, 2);
        stored = entries == 2;
        if (!stored)
          {
            g_test_message ("cache with %u free pages: %s", free_pages, err);
            g_assert_nonnull (strstr (err, cache_file));
            g_assert_nonnull (strstr (err, "No space left"));
            n_refused++;
          }
      }
    g_assert_true (stored);
    g_assert_cmpuint (n_refused, >, 0);
    {
      g_autofree char *again_a = NULL, *again_b = NULL;

      g_assert_cmpint (run_cli (args_a, &on_disk, &again_a, NULL), ==, 0);
      g_assert_true (result_cached (again_a));
      assert_same_result (again_a, a_json);
      g_assert_cmpint (run_cli (args_b, &on_disk, &again_b, NULL), ==, 0);
      g_assert_true (result_cached (again_b));
      assert_same_result (again_b, b_reference);
    }
  }

done:
  if (mounted)
    g_assert_cmpint (umount2 (disk, MNT_DETACH), ==, 0);
  test_util_remove_tree (tmp);
}

/* Each kind of output alone, with every amount of room from none to a page
 * more than it needs, a page at a time: either the run fails (exit 1, "No
 * space left", nothing but whole files and no temporary file left) or the
 * output is there and whole. A writer that loses the last buffered part of
 * its file when it is closed (a library that ignores fclose's result) gives
 * a short file and exit 0 at one of these amounts. */
static void
test_full_disk_every_page (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-faults-XXXXXX", &error);
  g_autofree char *models = test_util_link_fixture_models (tmp);
  g_autofree char *series = g_build_filename (tmp, "series", NULL);
  g_autofree char *reference = g_build_filename (tmp, "reference", NULL);
  g_autofree char *cache = g_build_filename (tmp, "cache", NULL);
  g_autofree char *disk = g_build_filename (tmp, "disk", NULL);
  g_autofree char *out = g_build_filename (disk, "out", NULL);
  const char *stem = "1.2.826.0.1.3680043.2.1125.79.1";
  /* The option, the outputs it writes and those it needs room for (bits of
   * output_suffixes' indices): --sr-out also writes the SEG its measurements
   * refer to, --pdf-dicom-out makes the PDF report first. */
  static const struct
  {
    const char *option;
    guint written, room;
  } kinds[] = { { "--masks-out", 0x03, 0x03 },
                { "--report", 0x04, 0x04 },
                { "--seg-out", 0x08, 0x08 },
                { "--sr-out", 0x18, 0x18 },
                { "--pdf-dicom-out", 0x20, 0x24 } };
  goffset sizes[N_OUTPUTS];
  Run run = { cache, NULL };
  gboolean mounted = FALSE;
  guint64 total;

  /* (mount_small_tmpfs () skips the test where it cannot mount.) */
  if (models == NULL)
    goto done;
  write_series (series, 96, 80, 12, stem, "FAULTS-C");
  total = write_reference_outputs (series, models, reference, stem, &run, sizes);
  g_assert_cmpint (g_mkdir (disk, 0755), ==, 0);
  if (!mount_small_tmpfs (disk, 2 * total + 2 * 1024 * 1024))
    goto done;
  mounted = TRUE;

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      const char *args[] = { "analyze", series, "--json", "--model", models, kinds[k].option, out, NULL };
      guint64 needed = 0;
      guint n_failed = 0, n_written = 0;

      for (guint i = 0; i < N_OUTPUTS; i++)
        if (kinds[k].room & (1u << i))
          needed += pages (sizes[i]);
      for (guint64 free_pages = 0; free_pages <= needed + 1; free_pages++)
        {
          g_autofree char *stdout_text = NULL;
          g_autoptr (JsonParser) parser = json_parser_new ();
          const char *message;
          int status;

          test_util_empty_folder (disk);
          g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
          leave_free (disk, free_pages * PAGE);
          status = run_cli (args, &run, &stdout_text, NULL);
          message = json_object_get_string_member (parse_first_study (stdout_text, parser), "error");
          /* Whatever is there is whole, and no temporary file is left. */
          assert_outputs_whole (out, NULL);
          if (status == 0)
            {
              g_assert_null (message);
              for (guint i = 0; i < N_OUTPUTS; i++)
                {
                  g_autofree char *name = g_strconcat (stem, output_suffixes[i], NULL);
                  g_autofree char *path = g_build_filename (out, name, NULL);

                  g_assert_cmpint (g_file_test (path, G_FILE_TEST_IS_REGULAR), ==, (kinds[k].written >> i) & 1);
                }
              n_written++;
            }
          else
            {
              g_assert_cmpint (status, ==, 1);
              g_assert_nonnull (message);
              g_test_message ("%s with %" G_GUINT64_FORMAT " free pages: %s", kinds[k].option, free_pages, message);
              g_assert_nonnull (strstr (message, "No space left"));
              n_failed++;
            }
        }
      g_test_message ("%s: refused with 0-%u free pages, written with %u more", kinds[k].option, n_failed - 1,
                      n_written);
      /* No room at all must fail; a page more than the outputs take must do. */
      g_assert_cmpuint (n_failed, >, 0);
      g_assert_cmpuint (n_written, >, 0);
    }

done:
  if (mounted)
    g_assert_cmpint (umount2 (disk, MNT_DETACH), ==, 0);
  test_util_remove_tree (tmp);
}

/* A stored instance is a whole DICOM file. */
static void
assert_whole_dicom (const char *path)
{
  g_autofree char *problem = check_dicom (path);

  if (problem != NULL)
    g_error ("%s", problem);
}

/* The DICOM receiver with its storage folder on a full disk, with every
 * amount of room from none to a few pages more than the instance takes: the
 * sender is told the instance is stored only when it is there, whole, under
 * its final name; otherwise the send fails and nothing is stored. */
static void
test_receiver_full_disk (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-faults-XXXXXX", &error);
  g_autofree char *series = g_build_filename (tmp, "series", NULL);
  g_autofree char *disk = g_build_filename (tmp, "disk", NULL);
  g_autofree char *storage = g_build_filename (disk, "storage", NULL);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) d = NULL;
  const char *name;
  guint64 needed = 0;
  guint n_stored = 0, n_refused = 0;
  gboolean mounted = FALSE;

  write_series (series, 96, 80, 1, "1.2.826.0.1.3680043.2.1125.80.1", "FAULTS-R");
  d = g_dir_open (series, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_ptr_array_add (paths, g_build_filename (series, name, NULL));
      needed += pages (file_size (g_ptr_array_index (paths, paths->len - 1)));
    }
  g_ptr_array_add (paths, NULL);
  g_assert_cmpuint (paths->len, ==, 2);
  g_assert_cmpint (g_mkdir (disk, 0755), ==, 0);
  if (!mount_small_tmpfs (disk, 4 * needed * PAGE + 2 * 1024 * 1024))
    goto done;
  mounted = TRUE;

  for (guint64 free_pages = 0; free_pages <= needed + 3; free_pages++)
    {
      g_autoptr (GError) send_error = NULL;
      g_autoptr (CtDicomReceiver) receiver = NULL;
      CtDicomReceiverOptions options = { "CTTRIAGE", test_util_free_port (), NULL, storage };
      gboolean sent;
      guint stored;

      test_util_empty_folder (disk);
      receiver = ct_dicom_receiver_start (&options, NULL, NULL, &error);
      g_assert_no_error (error);
      leave_free (disk, free_pages * PAGE);
      sent = ct_dicom_send_files ("FAULTS", "CTTRIAGE", "127.0.0.1", options.port, (const char *const *) paths->pdata,
                                  &send_error);
      g_clear_pointer (&receiver, ct_dicom_receiver_stop);
      unfill (disk);
      stored = test_util_count_stored (storage, assert_whole_dicom);
      g_test_message ("%" G_GUINT64_FORMAT " free pages: %s", free_pages, sent ? "stored" : send_error->message);
      g_assert_cmpuint (stored, ==, sent ? 1 : 0);
      if (sent)
        n_stored++;
      else
        n_refused++;
    }
  g_assert_cmpuint (n_refused, >, 0);
  g_assert_cmpuint (n_stored, >, 0);

done:
  if (mounted)
    g_assert_cmpint (umount2 (disk, MNT_DETACH), ==, 0);
  test_util_remove_tree (tmp);
}

/* ---- SIGKILL during writes ----------------------------------------------------------- */

#define N_KILLS 20

/* The command line with every output, killed at 20 points spread over a
 * run (the first a little after the start, the last just before its end),
 * twice: with a fresh cache for each run (the kills hit loading, the
 * analysis, the cache write and the files) and with the cache holding the
 * result (the run is mostly writing files). Every file present is whole;
 * temporary files may be left (a killed process cannot clean up) and the
 * next run into the folder removes them; the next run with the same cache
 * gives the same result, from the cache when the entry was stored whole,
 * and the cache holds one entry. */
static void
test_kill_during_writes (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-faults-XXXXXX", &error);
  g_autofree char *models = test_util_link_fixture_models (tmp);
  g_autofree char *series = g_build_filename (tmp, "series", NULL);
  g_autofree char *out = g_build_filename (tmp, "out", NULL);
  g_autofree char *first_cache = g_build_filename (tmp, "cache-first", NULL);
  g_autofree char *reference = NULL;
  const char *args[] = { "analyze", series,      "--json", "--model",  models, "--masks-out",     out, "--report",
                         out,       "--seg-out", out,      "--sr-out", out,    "--pdf-dicom-out", out, NULL };
  Run first = { first_cache, NULL };

  if (models == NULL)
    goto done;
  write_series (series, 192, 160, 48, "1.2.826.0.1.3680043.2.1125.78.1", "FAULTS-KILL");
  g_assert_cmpint (run_cli (args, &first, &reference, NULL), ==, 0);
  assert_outputs_whole (out, NULL);

  for (int pass = 0; pass < 2; pass++)
    {
      gboolean fresh_cache = pass == 0;
      guint n_with_temps = 0, n_cached = 0, n_finished = 0;
      double duration_us;
      gint64 start;

      /* How long a run of this kind takes (a fresh cache or a hit). */
      {
        g_autofree char *timing_cache = g_build_filename (tmp, "cache-timing", NULL);
        g_autofree char *json = NULL;
        Run timing = { fresh_cache ? timing_cache : first_cache, NULL };

        test_util_remove_tree (timing_cache);
        start = g_get_monotonic_time ();
        g_assert_cmpint (run_cli (args, &timing, &json, NULL), ==, 0);
        duration_us = (double) (g_get_monotonic_time () - start);
        g_assert_cmpint (result_cached (json), ==, !fresh_cache);
        g_test_message ("a run with every output, %s: %.0f ms", fresh_cache ? "analysing" : "from the cache",
                        duration_us / 1000);
      }

      for (int k = 0; k < N_KILLS; k++)
        {
          g_autofree char *cache_name = g_strdup_printf ("cache-%02d", k);
          g_autofree char *cache = fresh_cache ? g_build_filename (tmp, cache_name, NULL) : g_strdup (first_cache);
          g_autofree char *killed_out = NULL, *again = NULL;
          g_autoptr (GSubprocess) process = NULL;
          Run run = { cache, NULL };
          guint n_temps = 0;
          gulong delay = (gulong) (duration_us * (k + 0.5) / N_KILLS);

          process = spawn_cli (args, &run, FALSE);
          g_usleep (delay);
          g_subprocess_force_exit (process);
          g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &killed_out, NULL, &error));
          g_assert_no_error (error);
          if (g_subprocess_get_if_exited (process))
            {
              /* Finished before the signal. */
              g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
              n_finished++;
            }
          else
            g_assert_cmpint (g_subprocess_get_term_sig (process), ==, SIGKILL);
          /* Standard output: nothing, or the whole array. */
          if (killed_out != NULL && *killed_out != '\0')
            assert_same_result (killed_out, reference);

          assert_outputs_whole (out, &n_temps);
          n_with_temps += n_temps > 0;
          {
            g_autofree char *file = g_build_filename (cache, "results.sqlite", NULL);
            if (g_file_test (file, G_FILE_TEST_EXISTS))
              g_assert_cmpint (cache_entries (cache), <=, 1);
          }

          /* The next run: the same result, every output whole, no
           * temporary file left. */
          g_assert_cmpint (run_cli (args, &run, &again, NULL), ==, 0);
          assert_same_result (again, reference);
          assert_outputs_whole (out, NULL);
          if (result_cached (again))
            n_cached++;
          else
            {
              g_autofree char *third = NULL;

              g_assert_true (fresh_cache);
              g_assert_cmpint (run_cli (args, &run, &third, NULL), ==, 0);
              g_assert_true (result_cached (third));
              assert_same_result (third, reference);
            }
          g_assert_cmpint (cache_entries (cache), ==, 1);
          g_test_message ("killed after %.0f ms: %u temporary files left (removed by the next run), next run %s",
                          delay / 1000.0, n_temps, result_cached (again) ? "from the cache" : "analysed again");
        }
      g_test_message ("%d kills (%s): %u left temporary files, %u next runs used the cache, %u runs ended first",
                      N_KILLS, fresh_cache ? "fresh cache" : "cache hit", n_with_temps, n_cached, n_finished);
      /* The kills hit the run, not only its end. */
      g_assert_cmpuint (n_finished, <=, N_KILLS / 2);
    }

done:
  test_util_remove_tree (tmp);
}

/* ---- 100 cancellations at random points ------------------------------------------ */

#define N_CANCELS 100
#define N_SERIES 3

typedef enum
{
  OP_ANALYSE,  /* a study through CtJobQueue (load, cache, analysis, store) */
  OP_LOAD,     /* ct_analyzer_load_async: the series decoded for viewing */
  OP_DISCOVER, /* ct_study_library_add_paths_async over the three folders */
  OP_EXPORT,   /* CtExportJob: reports, masks, DICOM SEG/SR and work lists */
  N_OPS
} Op;

static const char *const op_names[] = { "analysis", "series load", "discovery", "export job" };
static const char *const series_names[] = { " of series 0", " of series 1", " of series 2" };

typedef struct
{
  char *dirs[N_SERIES + 1]; /* NULL-terminated */
  CtAnalyzer *analyzer;
  CtAnalysis *reference[N_SERIES]; /* uncancelled, uncached */
  CtVolume *volume[N_SERIES];      /* as loaded uncancelled */
  guint n_progress[N_SERIES];      /* progress notifications of an uncancelled analysis */
  double duration_us[N_OPS];       /* of an uncancelled operation */
  char *tmp;
} Fixture;

/* A fresh study record of series @i, from a scan. */
static CtStudy *
scan_study (Fixture *f, int i)
{
  g_autoptr (CtStudyLibrary) library = ct_study_library_new ();
  g_autoptr (GError) error = NULL;
  const char *paths[] = { f->dirs[i], NULL };
  g_autoptr (GPtrArray) studies = ct_study_library_add_paths (library, paths, 1, FALSE, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (studies->len, ==, 1);
  return g_object_ref (g_ptr_array_index (studies, 0));
}

static void
assert_same_analysis (const CtAnalysis *a, const CtAnalysis *b)
{
  gsize n = (gsize) b->nx * b->ny * b->nz;

  g_assert_nonnull (a);
  g_assert_cmpint (a->nx, ==, b->nx);
  g_assert_cmpint (a->ny, ==, b->ny);
  g_assert_cmpint (a->nz, ==, b->nz);
  g_assert_cmpint (a->category, ==, b->category);
  g_assert_cmpint (a->has_probability, ==, b->has_probability);
  if (b->has_probability)
    g_assert_cmpfloat (a->covid_probability, ==, b->covid_probability);
  g_assert_cmpfloat_with_epsilon (a->severity_percent, b->severity_percent, 1e-9);
  g_assert_cmpfloat_with_epsilon (a->lung_volume_ml, b->lung_volume_ml, 1e-9);
  g_assert_cmpmem (a->lung_mask, n, b->lung_mask, n);
  g_assert_cmpmem (a->lesion_mask, n, b->lesion_mask, n);
}

static void
assert_same_volume (const CtVolume *a, const CtVolume *b)
{
  g_assert_nonnull (a);
  g_assert_cmpint (a->nx, ==, b->nx);
  g_assert_cmpint (a->ny, ==, b->ny);
  g_assert_cmpint (a->nz, ==, b->nz);
  g_assert_cmpmem (a->hu, ct_volume_n_voxels (a) * sizeof (float), b->hu, ct_volume_n_voxels (b) * sizeof (float));
}

/* The cache entry of @study in @cache_dir, or NULL when there is none. */
static CtAnalysis *
lookup_cached (Fixture *f, CtStudy *study, const char *cache_dir)
{
  g_autoptr (GError) error = NULL;
  CtResultsCache *cache = ct_results_cache_open (cache_dir, &error);
  g_autofree char *fingerprint = ct_results_cache_fingerprint_series (ct_study_get_series (study), &error);
  CtAnalysis *analysis;

  g_assert_no_error (error);
  analysis = ct_results_cache_lookup (cache, fingerprint, f->reference[0]->lungs_model.sha256,
                                      f->reference[0]->multitask_model.sha256, &error);
  g_assert_no_error (error);
  ct_results_cache_close (cache);
  return analysis;
}

typedef struct
{
  CtJobQueue *queue;
  CtStudy *study;
  GCancellable *cancellable;
  guint countdown; /* progress notifications left before cancelling; 0: not by progress */
  guint source;    /* the timeout that cancels, or 0 */
  gboolean fired;
} Cancel;

static void
cancel_now (Cancel *c)
{
  if (c->fired)
    return;
  c->fired = TRUE;
  if (c->queue != NULL)
    ct_job_queue_cancel (c->queue, c->study);
  else
    g_cancellable_cancel (c->cancellable);
}

static gboolean
on_cancel_timeout (gpointer data)
{
  Cancel *c = data;

  c->source = 0;
  cancel_now (c);
  return G_SOURCE_REMOVE;
}

static void
on_cancel_progress (GObject *object, GParamSpec *pspec, Cancel *c)
{
  if (c->countdown > 0 && --c->countdown == 0)
    cancel_now (c);
}

/* Cancels after @delay_us (0: at once; G_MAXINT64: never), on the main
 * context. */
static void
cancel_after (Cancel *c, gint64 delay_us)
{
  if (delay_us == G_MAXINT64)
    return;
  if (delay_us <= 0)
    cancel_now (c);
  else
    c->source = g_timeout_add_full (G_PRIORITY_HIGH, (guint) MAX (delay_us / 1000, 1), on_cancel_timeout, c, NULL);
}

static void
cancel_clear (Cancel *c)
{
  if (c->source != 0)
    g_source_remove (c->source);
  c->source = 0;
}

static void
queue_wait_idle (CtJobQueue *queue)
{
  while (ct_job_queue_get_busy (queue))
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
on_async_done (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return *result;
}

/* One analysis through the queue, cancelled after @delay_us or at the
 * @at_progress-th progress notification (when not 0); then again
 * uncancelled. TRUE when the cancellation took effect. */
static gboolean
cancel_analysis (Fixture *f, int i, const char *cache_dir, gint64 delay_us, guint at_progress)
{
  g_autoptr (CtStudy) study = scan_study (f, i);
  g_autoptr (CtJobQueue) queue = ct_job_queue_new (f->analyzer);
  g_autoptr (CtAnalysis) cached = NULL;
  Cancel c = { queue, study, NULL, at_progress, 0, FALSE };
  gulong handler;
  gboolean cancelled;

  ct_analyzer_set_cache (f->analyzer, TRUE, cache_dir);
  handler = g_signal_connect (study, "notify::progress", G_CALLBACK (on_cancel_progress), &c);
  ct_job_queue_add (queue, study);
  if (at_progress == 0)
    cancel_after (&c, delay_us);
  queue_wait_idle (queue);
  cancel_clear (&c);
  g_signal_handler_disconnect (study, handler);

  cancelled = ct_study_get_status (study) == CT_STUDY_STATUS_CANCELLED;
  cached = lookup_cached (f, study, cache_dir);
  if (cancelled)
    {
      /* Not analysed, and nothing in the cache. */
      g_assert_null (ct_study_get_analysis (study));
      g_assert_null (cached);
    }
  else
    {
      /* Too late: done, stored whole. */
      g_assert_cmpint (ct_study_get_status (study), ==, CT_STUDY_STATUS_DONE);
      assert_same_analysis (ct_study_get_analysis (study), f->reference[i]);
      assert_same_analysis (cached, f->reference[i]);
    }

  /* Again, to its end: the normal result, and in the cache. */
  g_clear_pointer (&cached, ct_analysis_unref);
  ct_job_queue_add (queue, study);
  queue_wait_idle (queue);
  g_assert_cmpint (ct_study_get_status (study), ==, CT_STUDY_STATUS_DONE);
  g_assert_cmpint (ct_study_get_cached (study), ==, !cancelled);
  assert_same_analysis (ct_study_get_analysis (study), f->reference[i]);
  cached = lookup_cached (f, study, cache_dir);
  assert_same_analysis (cached, f->reference[i]);
  return cancelled;
}

static gboolean
cancel_load (Fixture *f, int i, gint64 delay_us)
{
  g_autoptr (CtStudy) study = scan_study (f, i);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) again = NULL;
  g_autoptr (GError) error = NULL;
  Cancel c = { NULL, NULL, cancellable, 0, 0, FALSE };
  gboolean ok;

  ct_analyzer_load_async (f->analyzer, study, cancellable, on_async_done, &result);
  cancel_after (&c, delay_us);
  ok = ct_analyzer_load_finish (f->analyzer, wait_result (&result), &error);
  cancel_clear (&c);
  if (!ok)
    {
      /* Nothing loaded, nothing half-set. */
      g_assert_true (g_error_matches (error, CT_ERROR, CT_ERROR_CANCELLED) ||
                     g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
      g_assert_null (ct_study_get_volume (study));
      g_assert_false (ct_study_get_loaded (study));
      g_clear_error (&error);
    }
  else
    assert_same_volume (ct_study_get_volume (study), f->volume[i]);

  ct_study_set_volume (study, NULL, -1.0);
  ct_analyzer_load_async (f->analyzer, study, NULL, on_async_done, &again);
  g_assert_true (ct_analyzer_load_finish (f->analyzer, wait_result (&again), &error));
  g_assert_no_error (error);
  assert_same_volume (ct_study_get_volume (study), f->volume[i]);
  return !ok;
}

static gboolean
cancel_discovery (Fixture *f, gint64 delay_us)
{
  g_autoptr (CtStudyLibrary) library = ct_study_library_new ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) again = NULL;
  g_autoptr (GPtrArray) added = NULL;
  g_autoptr (GPtrArray) added_again = NULL;
  g_autoptr (GError) error = NULL;
  Cancel c = { NULL, NULL, cancellable, 0, 0, FALSE };
  gboolean cancelled;

  ct_study_library_add_paths_async (library, (const char *const *) f->dirs, cancellable, on_async_done, &result);
  cancel_after (&c, delay_us);
  added = ct_study_library_add_paths_finish (library, wait_result (&result), NULL, &error);
  cancel_clear (&c);
  cancelled = added == NULL;
  /* All or nothing: no half list. */
  if (cancelled)
    {
      g_assert_true (g_error_matches (error, CT_ERROR, CT_ERROR_CANCELLED) ||
                     g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (library)), ==, 0);
      g_clear_error (&error);
      ct_study_library_add_paths_async (library, (const char *const *) f->dirs, NULL, on_async_done, &again);
      added_again = ct_study_library_add_paths_finish (library, wait_result (&again), NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (added_again->len, ==, N_SERIES);
    }
  else
    g_assert_cmpuint (added->len, ==, N_SERIES);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (library)), ==, N_SERIES);
  return cancelled;
}

#define EXPORT_WHAT                                                                                                    \
  (CT_EXPORT_REPORT | CT_EXPORT_MASKS | CT_EXPORT_WORKLIST_CSV | CT_EXPORT_WORKLIST_JSON | CT_EXPORT_DICOM)
/* Per study: the report, two masks, SEG and SR; then the two work lists. */
#define EXPORT_FILES (N_SERIES * 5 + 2)

static gboolean
cancel_export (Fixture *f, GPtrArray *studies, int k, gint64 delay_us)
{
  g_autofree char *name = g_strdup_printf ("export-%03d", k);
  g_autofree char *again_name = g_strdup_printf ("export-%03d-again", k);
  g_autofree char *dir = g_build_filename (f->tmp, name, NULL);
  g_autofree char *again_dir = g_build_filename (f->tmp, again_name, NULL);
  g_autoptr (CtExportJob) job = ct_export_job_new (studies, EXPORT_WHAT, dir);
  g_autoptr (CtExportJob) again = ct_export_job_new (studies, EXPORT_WHAT, again_dir);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) again_result = NULL;
  g_autoptr (GError) error = NULL;
  Cancel c = { NULL, NULL, cancellable, 0, 0, FALSE };
  GPtrArray *written;
  gboolean ok;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  ct_export_job_run_async (job, cancellable, on_async_done, &result);
  cancel_after (&c, delay_us);
  ok = ct_export_job_run_finish (job, wait_result (&result), &error);
  cancel_clear (&c);
  if (!ok)
    {
      g_assert_true (g_error_matches (error, CT_ERROR, CT_ERROR_CANCELLED) ||
                     g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
      g_clear_error (&error);
    }
  /* What was written is whole, and listed; no temporary file. */
  written = ct_export_job_get_written (job);
  assert_outputs_whole (dir, NULL);
  for (guint n = 0; n < written->len; n++)
    g_assert_true (g_file_test (g_ptr_array_index (written, n), G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (written->len, ==, ok ? EXPORT_FILES : written->len);
  test_util_remove_tree (dir);

  g_assert_cmpint (g_mkdir (again_dir, 0755), ==, 0);
  ct_export_job_run_async (again, NULL, on_async_done, &again_result);
  g_assert_true (ct_export_job_run_finish (again, wait_result (&again_result), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ct_export_job_get_written (again)->len, ==, EXPORT_FILES);
  assert_outputs_whole (again_dir, NULL);
  test_util_remove_tree (again_dir);
  return !ok;
}

/* 100 cancellations at random points (the seed is GTest's: rerun with the
 * --seed printed at the top of the log) of analyses, series loads,
 * discoveries and export jobs; each operation then runs again to its end
 * with the normal result. The points are times spread over the
 * operation's uncancelled duration, and for analyses also the n-th
 * progress notification. */
static void
test_random_cancellations (void)
{
  g_autoptr (GError) error = NULL;
  Fixture f = { 0 };
  g_autofree char *models = NULL;
  g_autoptr (GPtrArray) done_studies = g_ptr_array_new_with_free_func (g_object_unref);
  guint32 seed = g_test_rand_int ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  guint n_tried[N_OPS] = { 0 }, n_effective[N_OPS] = { 0 }, n_total = 0;

  f.tmp = g_dir_make_tmp ("ct-faults-XXXXXX", &error);
  models = test_util_link_fixture_models (f.tmp);
  if (models == NULL)
    goto done;
  g_test_message ("seed %" G_GUINT32_FORMAT, seed);
  f.analyzer = ct_analyzer_new (models);
  g_assert_true (ct_analyzer_load_models (f.analyzer, &error));
  g_assert_no_error (error);
  ct_analyzer_set_n_threads (f.analyzer, 2);

  /* The uncancelled results and how long each operation takes. */
  for (int i = 0; i < N_SERIES; i++)
    {
      g_autofree char *name = g_strdup_printf ("series-%d", i);
      g_autofree char *uid = g_strdup_printf ("1.2.826.0.1.3680043.2.1125.79.%d", i + 1);
      g_autofree char *patient = g_strdup_printf ("FAULTS-C%d", i);
      g_autoptr (CtStudy) study = NULL;
      g_autoptr (CtJobQueue) queue = ct_job_queue_new (f.analyzer);
      Cancel counter = { NULL, NULL, NULL, G_MAXUINT, 0, TRUE };
      gint64 start;

      f.dirs[i] = g_build_filename (f.tmp, name, NULL);
      write_series (f.dirs[i], 64 + 16 * i, 56 + 8 * i, 10 + 2 * i, uid, patient);
      study = scan_study (&f, i);
      ct_analyzer_set_cache (f.analyzer, FALSE, NULL);
      g_signal_connect (study, "notify::progress", G_CALLBACK (on_cancel_progress), &counter);
      ct_job_queue_add (queue, study);
      queue_wait_idle (queue);
      g_assert_cmpint (ct_study_get_status (study), ==, CT_STUDY_STATUS_DONE);
      /* Timed the second time: the first packs the weights. */
      {
        g_autoptr (CtStudy) second = scan_study (&f, i);

        start = g_get_monotonic_time ();
        ct_job_queue_add (queue, second);
        queue_wait_idle (queue);
        f.duration_us[OP_ANALYSE] = MAX (f.duration_us[OP_ANALYSE], (double) (g_get_monotonic_time () - start));
      }
      f.reference[i] = ct_analysis_ref (ct_study_get_analysis (study));
      f.volume[i] = ct_volume_ref ((CtVolume *) ct_study_get_volume (study));
      f.n_progress[i] = G_MAXUINT - counter.countdown;
      g_assert_cmpuint (f.n_progress[i], >, 3);
      g_ptr_array_add (done_studies, g_object_ref (study));
      {
        g_autoptr (CtStudy) loaded = scan_study (&f, i);
        g_autoptr (GAsyncResult) result = NULL;

        start = g_get_monotonic_time ();
        ct_analyzer_load_async (f.analyzer, loaded, NULL, on_async_done, &result);
        g_assert_true (ct_analyzer_load_finish (f.analyzer, wait_result (&result), &error));
        f.duration_us[OP_LOAD] = MAX (f.duration_us[OP_LOAD], (double) (g_get_monotonic_time () - start));
      }
    }
  {
    gint64 start = g_get_monotonic_time ();
    cancel_discovery (&f, G_MAXINT64);
    f.duration_us[OP_DISCOVER] = (double) (g_get_monotonic_time () - start) / 2;
    start = g_get_monotonic_time ();
    cancel_export (&f, done_studies, 999, G_MAXINT64);
    f.duration_us[OP_EXPORT] = (double) (g_get_monotonic_time () - start) / 2;
  }
  for (int op = 0; op < N_OPS; op++)
    g_test_message ("%s: %.0f ms uncancelled", op_names[op], f.duration_us[op] / 1000);

  for (int k = 0; k < N_CANCELS; k++)
    {
      /* Analyses most often: they have the most steps to hit. */
      int draw = g_rand_int_range (rand, 0, 20);
      Op op = draw < 9 ? OP_ANALYSE : draw < 13 ? OP_LOAD : draw < 15 ? OP_DISCOVER : OP_EXPORT;
      int i = g_rand_int_range (rand, 0, N_SERIES);
      /* At once (one in eight), else up to 1.1 times the uncancelled
       * duration. */
      gint64 delay_us = g_rand_int_range (rand, 0, 8) == 0
                            ? 0
                            : (gint64) g_rand_double_range (rand, 1, 1.1 * f.duration_us[op]);
      guint at_progress = 0;
      gboolean effective = FALSE;

      if (op == OP_ANALYSE && g_rand_boolean (rand))
        at_progress = (guint) g_rand_int_range (rand, 1, (gint32) f.n_progress[i] + 1);
      switch (op)
        {
        case OP_ANALYSE:
          {
            g_autofree char *cache_name = g_strdup_printf ("cache-%03d", k);
            g_autofree char *cache_dir = g_build_filename (f.tmp, cache_name, NULL);

            effective = cancel_analysis (&f, i, cache_dir, delay_us, at_progress);
            ct_analyzer_set_cache (f.analyzer, FALSE, NULL);
            test_util_remove_tree (cache_dir);
          }
          break;
        case OP_LOAD:
          effective = cancel_load (&f, i, delay_us);
          break;
        case OP_DISCOVER:
          effective = cancel_discovery (&f, delay_us);
          break;
        case OP_EXPORT:
          effective = cancel_export (&f, done_studies, k, delay_us);
          break;
        default:
          g_assert_not_reached ();
        }
      n_tried[op]++;
      n_effective[op] += effective;
      if (at_progress > 0)
        g_test_message ("%3d: %s%s cancelled at progress notification %u of %u: %s", k, op_names[op], series_names[i],
                        at_progress, f.n_progress[i], effective ? "cancelled" : "had finished");
      else
        g_test_message ("%3d: %s%s cancelled after %.1f ms: %s", k, op_names[op],
                        op == OP_ANALYSE || op == OP_LOAD ? series_names[i] : "", delay_us / 1000.0,
                        effective ? "cancelled" : "had finished");
    }
  for (int op = 0; op < N_OPS; op++)
    {
      g_test_message ("%s: %u cancellations, %u took effect", op_names[op], n_tried[op], n_effective[op]);
      n_total += n_effective[op];
    }
  /* The points fall inside the operations, not only after them (the
   * analyses alone take most of them). */
  g_assert_cmpuint (n_total, >=, N_CANCELS / 4);

done:
  for (int i = 0; i < N_SERIES; i++)
    {
      g_free (f.dirs[i]);
      g_clear_pointer (&f.reference[i], ct_analysis_unref);
      g_clear_pointer (&f.volume[i], ct_volume_unref);
    }
  g_clear_object (&f.analyzer);
  test_util_remove_tree (f.tmp);
  g_free (f.tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/faults/full-disk", test_full_disk);
  g_test_add_func ("/faults/full-disk-every-page", test_full_disk_every_page);
  g_test_add_func ("/faults/receiver-full-disk", test_receiver_full_disk);
  g_test_add_func ("/faults/kill-during-writes", test_kill_during_writes);
  g_test_add_func ("/faults/random-cancellations", test_random_cancellations);
  return g_test_run ();
}
