/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <zlib.h>

#include "ct-error.h"
#include "ct-results-cache.h"
#include "ct-study-scan.h"

#define CACHE_FILE_NAME "results.sqlite"
/* Bumped whenever the table or the meaning of a column changes: an older
 * table is dropped (it is only a cache). */
#define SCHEMA_VERSION 1
/* How long a writer of another process may hold the lock before we give
 * up on the cache for this call (and analyse anyway). */
#define BUSY_TIMEOUT_MS 5000
/* Masks are mostly zero: the fastest level already shrinks them ~100x. */
#define MASK_COMPRESSION_LEVEL 1

struct _CtResultsCache
{
  sqlite3 *db;
  char *path;
  char *recovery_note; /* what open () did about a damaged file, or NULL */
};

/* Column order of the results table; SELECT and INSERT use it. */
#define RESULT_COLUMNS                                                                                                 \
  "nx, ny, nz, covid_probability, has_probability, probability_note, "                                                 \
  "severity_percent, severity_total_percent, severity_right_percent, severity_left_percent, "                          \
  "category, lung_volume_ml, lesion_volume_ml, triage_score, quality, quality_notes, "                                 \
  "timing_lungs_ms, timing_lesions_ms, timing_total_ms, right_lung_volume_ml, "                                        \
  "left_lung_volume_ml, noise_hu, lung_mask, lesion_mask"
#define N_RESULT_COLUMNS 24

static const char create_sql[] =
    "CREATE TABLE IF NOT EXISTS results ("
    " input_fingerprint TEXT NOT NULL,"
    " lungs_sha256 TEXT NOT NULL,"
    " multitask_sha256 TEXT NOT NULL,"
    " created INTEGER NOT NULL," /* Unix seconds */
    " nx INTEGER NOT NULL, ny INTEGER NOT NULL, nz INTEGER NOT NULL,"
    " covid_probability REAL, has_probability INTEGER NOT NULL, probability_note TEXT,"
    " severity_percent REAL, severity_total_percent REAL,"
    " severity_right_percent REAL, severity_left_percent REAL,"
    " category INTEGER NOT NULL, lung_volume_ml REAL, lesion_volume_ml REAL, triage_score REAL,"
    " quality INTEGER NOT NULL,"
    " quality_notes BLOB NOT NULL," /* GVariant "as" */
    " timing_lungs_ms REAL, timing_lesions_ms REAL, timing_total_ms REAL,"
    " right_lung_volume_ml REAL, left_lung_volume_ml REAL, noise_hu REAL,"
    " lung_mask BLOB NOT NULL," /* zlib, nz*ny*nx bytes once inflated */
    " lesion_mask BLOB NOT NULL,"
    " PRIMARY KEY (input_fingerprint, lungs_sha256, multitask_sha256))";

static void
set_sqlite_error (GError **error, sqlite3 *db, const char *what)
{
  /* SQLite's "database or disk is full" says neither which file nor why:
   * the file and the system's reason (ENOSPC: "No space left on device"). */
  const char *file = sqlite3_db_filename (db, "main");
  int code = sqlite3_extended_errcode (db);
  int system_errno = sqlite3_system_errno (db);

  if ((code & 0xff) == SQLITE_FULL && system_errno == 0)
    system_errno = ENOSPC;
  if (system_errno != 0 && ((code & 0xff) == SQLITE_FULL || (code & 0xff) == SQLITE_IOERR))
    g_set_error (error, CT_ERROR, CT_ERROR_IO, "Results cache %s: %s: %s (%s)", file != NULL ? file : "", what,
                 sqlite3_errmsg (db), g_strerror (system_errno));
  else
    g_set_error (error, CT_ERROR, CT_ERROR_IO, "Results cache: %s: %s", what, sqlite3_errmsg (db));
}

static gboolean
exec_sql (sqlite3 *db, const char *sql, int *out_code, GError **error)
{
  int code = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (out_code != NULL)
    *out_code = code;
  if (code != SQLITE_OK)
    {
      set_sqlite_error (error, db, sql);
      return FALSE;
    }
  return TRUE;
}

static int
read_user_version (sqlite3 *db, int *out_code)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  *out_code = sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL);
  if (*out_code == SQLITE_OK)
    {
      *out_code = sqlite3_step (stmt);
      if (*out_code == SQLITE_ROW)
        {
          version = sqlite3_column_int (stmt, 0);
          *out_code = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);
  return version;
}

/* Opens @path and makes sure the table is there. On failure *out_code is
 * the SQLite result code (SQLITE_NOTADB / SQLITE_CORRUPT for a damaged
 * file). */
static sqlite3 *
open_database (const char *path, int *out_code, GError **error)
{
  sqlite3 *db = NULL;
  int version;
  char sql[64];

  *out_code = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (*out_code != SQLITE_OK)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, "Results cache: cannot open %s: %s", path,
                   db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (*out_code));
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);
  /* The first statement reads the file header: a file that is not a
   * database fails here. */
  if (!exec_sql (db, "PRAGMA journal_mode=WAL", out_code, error) ||
      !exec_sql (db, "PRAGMA synchronous=NORMAL", out_code, error))
    goto fail;
  version = read_user_version (db, out_code);
  if (*out_code != SQLITE_OK)
    {
      set_sqlite_error (error, db, "PRAGMA user_version");
      goto fail;
    }
  if (version != SCHEMA_VERSION)
    {
      g_snprintf (sql, sizeof sql, "PRAGMA user_version=%d", SCHEMA_VERSION);
      if (!exec_sql (db, "BEGIN IMMEDIATE", out_code, error))
        goto fail;
      if ((version != 0 && !exec_sql (db, "DROP TABLE IF EXISTS results", out_code, error)) ||
          !exec_sql (db, create_sql, out_code, error) || !exec_sql (db, sql, out_code, error) ||
          !exec_sql (db, "COMMIT", out_code, error))
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          goto fail;
        }
    }
  return db;

fail:
  sqlite3_close (db);
  return NULL;
}

static gboolean
is_damaged_code (int code)
{
  return (code & 0xff) == SQLITE_NOTADB || (code & 0xff) == SQLITE_CORRUPT;
}

char *
ct_results_cache_dup_default_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "ct-triage", NULL);
}

CtResultsCache *
ct_results_cache_open (const char *dir, GError **error)
{
  g_autofree char *default_dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *recovery_note = NULL;
  CtResultsCache *self;
  sqlite3 *db;
  int code = SQLITE_OK;

  if (dir == NULL)
    dir = default_dir = ct_results_cache_dup_default_dir ();
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, CT_ERROR, CT_ERROR_IO, "Results cache: cannot create %s: %s", dir, g_strerror (saved_errno));
      return NULL;
    }
  path = g_build_filename (dir, CACHE_FILE_NAME, NULL);

  db = open_database (path, &code, &local_error);
  if (db == NULL && is_damaged_code (code))
    {
      /* Only a cache: keep the damaged file for a post-mortem, start anew. */
      g_autofree char *aside = g_strconcat (path, ".corrupt", NULL);
      g_autofree char *wal = g_strconcat (path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (path, "-shm", NULL);

      recovery_note = g_strdup_printf ("%s; moved aside to %s, starting an empty cache", local_error->message, aside);
      if (g_rename (path, aside) != 0)
        g_remove (path);
      g_remove (wal);
      g_remove (shm);
      g_clear_error (&local_error);
      db = open_database (path, &code, &local_error);
    }
  if (db == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  self = g_new0 (CtResultsCache, 1);
  self->db = db;
  self->path = g_steal_pointer (&path);
  self->recovery_note = g_steal_pointer (&recovery_note);
  return self;
}

void
ct_results_cache_close (CtResultsCache *self)
{
  if (self == NULL)
    return;
  sqlite3_close (self->db);
  g_free (self->path);
  g_free (self->recovery_note);
  g_free (self);
}

const char *
ct_results_cache_get_path (CtResultsCache *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

const char *
ct_results_cache_get_recovery_note (CtResultsCache *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->recovery_note;
}

/* ---- input fingerprint ---------------------------------------------------- */

/* Appends "path\tsize\tmtime_ns\n" of @path (made absolute) to @checksum. */
static gboolean
add_file_stamp (GChecksum *checksum, const char *path, GError **error)
{
  g_autofree char *absolute = g_canonicalize_filename (path, NULL);
  g_autofree char *line = NULL;
  struct stat st;

  if (stat (absolute, &st) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, CT_ERROR, CT_ERROR_IO, "Results cache: %s: %s", absolute, g_strerror (saved_errno));
      return FALSE;
    }
  line = g_strdup_printf ("%s\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT ".%09ld\n", absolute, (gint64) st.st_size,
                          (gint64) st.st_mtim.tv_sec, (long) st.st_mtim.tv_nsec);
  g_checksum_update (checksum, (const guchar *) line, -1);
  return TRUE;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

char *
ct_results_cache_fingerprint_series (const CtSeriesInfo *series, GError **error)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GPtrArray) paths = NULL;

  g_return_val_if_fail (series != NULL, NULL);

  /* Another release may load or analyse differently with the same weights. */
  g_checksum_update (checksum, (const guchar *) "ct-triage " PACKAGE_VERSION "\n", -1);

  if (series->kind == CT_SERIES_KIND_NIFTI)
    {
      g_checksum_update (checksum, (const guchar *) "nifti\n", -1);
      if (!add_file_stamp (checksum, series->path, error))
        return NULL;
      return g_strdup (g_checksum_get_string (checksum));
    }

  g_checksum_update (checksum, (const guchar *) "dicom\n", -1);
  g_checksum_update (checksum, (const guchar *) (series->series_uid ? series->series_uid : ""), -1);
  g_checksum_update (checksum, (const guchar *) "\n", 1);
  paths = g_ptr_array_new ();
  for (guint i = 0; series->headers != NULL && i < series->headers->len; i++)
    g_ptr_array_add (paths, ((CtGdcmHeader *) g_ptr_array_index (series->headers, i))->path);
  if (paths->len == 0)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_NO_STUDIES, "Results cache: %s has no files", series->path);
      return NULL;
    }
  g_ptr_array_sort (paths, compare_strings);
  for (guint i = 0; i < paths->len; i++)
    if (!add_file_stamp (checksum, g_ptr_array_index (paths, i), error))
      return NULL;
  return g_strdup (g_checksum_get_string (checksum));
}

char *
ct_results_cache_fingerprint_path (const char *path, const char *series_uid, GCancellable *cancellable, GError **error)
{
  g_autoptr (CtStudyScan) scan = NULL;
  CtSeriesInfo *series;

  g_return_val_if_fail (path != NULL, NULL);

  scan = ct_study_scan (path, cancellable, error);
  if (scan == NULL)
    return NULL;
  series = ct_study_scan_find_or_explain (scan, path, series_uid, error);
  if (series == NULL)
    {
      g_prefix_error (error, "Results cache: ");
      return NULL;
    }
  return ct_results_cache_fingerprint_series (series, error);
}

/* ---- rows ------------------------------------------------------------------ */

/* SQLite stores NaN as NULL; NULL reads back as NaN. */
static void
bind_double (sqlite3_stmt *stmt, int index, double value)
{
  if (isnan (value))
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_double (stmt, index, value);
}

static double
column_double (sqlite3_stmt *stmt, int column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return NAN;
  return sqlite3_column_double (stmt, column);
}

static GBytes *
compress_mask (const guint8 *mask, gsize n_voxels, GError **error)
{
  uLongf size = compressBound (n_voxels);
  guint8 *out = g_try_malloc (size);

  if (out == NULL || compress2 (out, &size, mask, n_voxels, MASK_COMPRESSION_LEVEL) != Z_OK)
    {
      g_free (out);
      g_set_error_literal (error, CT_ERROR, CT_ERROR_FAILED, "Results cache: cannot compress a mask");
      return NULL;
    }
  return g_bytes_new_take (g_realloc (out, size), size);
}

static guint8 *
inflate_mask (sqlite3_stmt *stmt, int column, gsize n_voxels, GError **error)
{
  const void *data = sqlite3_column_blob (stmt, column);
  uLongf size = n_voxels;
  guint8 *mask = g_try_malloc (MAX (n_voxels, 1));

  if (mask == NULL || data == NULL ||
      uncompress (mask, &size, data, (uLong) sqlite3_column_bytes (stmt, column)) != Z_OK || size != n_voxels)
    {
      g_free (mask);
      g_set_error_literal (error, CT_ERROR, CT_ERROR_CORRUPT, "Results cache: a stored mask is damaged");
      return NULL;
    }
  return mask;
}

static CtAnalysis *
analysis_from_row (sqlite3_stmt *stmt, GError **error)
{
  g_autoptr (CtAnalysis) a = ct_analysis_new ();
  g_autoptr (GVariant) notes = NULL;
  g_autoptr (GBytes) notes_bytes = NULL;
  gsize n_voxels;
  int c = 0;

  a->nx = sqlite3_column_int (stmt, c++);
  a->ny = sqlite3_column_int (stmt, c++);
  a->nz = sqlite3_column_int (stmt, c++);
  a->covid_probability = column_double (stmt, c++);
  a->has_probability = sqlite3_column_int (stmt, c++) != 0;
  if (sqlite3_column_type (stmt, c) != SQLITE_NULL)
    a->probability_note = g_strdup ((const char *) sqlite3_column_text (stmt, c));
  c++;
  a->severity_percent = column_double (stmt, c++);
  a->severity_total_percent = column_double (stmt, c++);
  a->severity_right_percent = column_double (stmt, c++);
  a->severity_left_percent = column_double (stmt, c++);
  a->category = (CtCategory) sqlite3_column_int (stmt, c++);
  a->lung_volume_ml = column_double (stmt, c++);
  a->lesion_volume_ml = column_double (stmt, c++);
  a->triage_score = column_double (stmt, c++);
  a->quality = (CtQualityFlags) sqlite3_column_int (stmt, c++);

  notes_bytes = g_bytes_new (sqlite3_column_blob (stmt, c), sqlite3_column_bytes (stmt, c));
  c++;
  notes = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_STRING_ARRAY, notes_bytes, FALSE));
  g_ptr_array_set_size (a->quality_notes, 0);
  if (!g_variant_is_normal_form (notes))
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_CORRUPT, "Results cache: stored quality notes are damaged");
      return NULL;
    }
  {
    gsize n_notes = 0;
    g_autofree const char **strv = g_variant_get_strv (notes, &n_notes);
    for (gsize i = 0; i < n_notes; i++)
      g_ptr_array_add (a->quality_notes, g_strdup (strv[i]));
  }

  a->timing_lungs_ms = column_double (stmt, c++);
  a->timing_lesions_ms = column_double (stmt, c++);
  a->timing_total_ms = column_double (stmt, c++);
  a->right_lung_volume_ml = column_double (stmt, c++);
  a->left_lung_volume_ml = column_double (stmt, c++);
  a->noise_hu = column_double (stmt, c++);

  if (a->nx <= 0 || a->ny <= 0 || a->nz <= 0)
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_CORRUPT, "Results cache: stored grid size is damaged");
      return NULL;
    }
  /* A tampered row must not reach the outputs ("CT-?", a probability of 7):
   * damaged, so analysed again. */
  if ((int) a->category < CT_CATEGORY_0 || (int) a->category > CT_CATEGORY_4 ||
      (a->has_probability && !(a->covid_probability >= 0 && a->covid_probability <= 1)) ||
      !(isnan (a->severity_percent) || (a->severity_percent >= 0 && a->severity_percent <= 100)))
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                   "Results cache: a stored result is damaged (category %d, probability %g, severity %g %%)",
                   (int) a->category, a->covid_probability, a->severity_percent);
      return NULL;
    }
  n_voxels = (gsize) a->nx * a->ny * a->nz;
  a->lung_mask = inflate_mask (stmt, c++, n_voxels, error);
  if (a->lung_mask == NULL)
    return NULL;
  a->lesion_mask = inflate_mask (stmt, c++, n_voxels, error);
  if (a->lesion_mask == NULL)
    return NULL;
  g_assert (c == N_RESULT_COLUMNS);
  return g_steal_pointer (&a);
}

static void
delete_entry (CtResultsCache *self, const char *fingerprint, const char *lungs_sha256, const char *multitask_sha256)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db,
                          "DELETE FROM results WHERE input_fingerprint = ?1 AND lungs_sha256 = ?2"
                          " AND multitask_sha256 = ?3",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, fingerprint, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, lungs_sha256, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, multitask_sha256, -1, SQLITE_TRANSIENT);
      sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
}

CtAnalysis *
ct_results_cache_lookup (CtResultsCache *self, const char *input_fingerprint, const char *lungs_sha256,
                         const char *multitask_sha256, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  CtAnalysis *analysis = NULL;
  int code;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (input_fingerprint != NULL && lungs_sha256 != NULL && multitask_sha256 != NULL, NULL);

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT " RESULT_COLUMNS " FROM results WHERE input_fingerprint = ?1"
                          " AND lungs_sha256 = ?2 AND multitask_sha256 = ?3",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, "lookup");
      sqlite3_finalize (stmt);
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, input_fingerprint, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, lungs_sha256, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, multitask_sha256, -1, SQLITE_TRANSIENT);
  code = sqlite3_step (stmt);
  if (code == SQLITE_ROW)
    {
      g_autoptr (GError) row_error = NULL;

      analysis = analysis_from_row (stmt, &row_error);
      if (analysis == NULL)
        {
          sqlite3_finalize (stmt);
          stmt = NULL;
          delete_entry (self, input_fingerprint, lungs_sha256, multitask_sha256);
          g_propagate_error (error, g_steal_pointer (&row_error));
        }
    }
  else if (code != SQLITE_DONE)
    set_sqlite_error (error, self->db, "lookup");
  sqlite3_finalize (stmt);
  return analysis;
}

gboolean
ct_results_cache_store (CtResultsCache *self, const char *input_fingerprint, const char *lungs_sha256,
                        const char *multitask_sha256, const CtAnalysis *a, GError **error)
{
  g_autoptr (GBytes) lungs = NULL;
  g_autoptr (GBytes) lesions = NULL;
  g_autoptr (GVariant) notes = NULL;
  g_autoptr (GPtrArray) note_strings = g_ptr_array_new ();
  sqlite3_stmt *stmt = NULL;
  gsize n_voxels;
  int i = 1;
  gboolean ok;

  g_return_val_if_fail (self != NULL && a != NULL, FALSE);
  g_return_val_if_fail (input_fingerprint != NULL && lungs_sha256 != NULL && multitask_sha256 != NULL, FALSE);

  if (a->nx <= 0 || a->ny <= 0 || a->nz <= 0 || a->lung_mask == NULL || a->lesion_mask == NULL)
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_FAILED, "Results cache: the analysis has no masks");
      return FALSE;
    }
  n_voxels = (gsize) a->nx * a->ny * a->nz;
  lungs = compress_mask (a->lung_mask, n_voxels, error);
  if (lungs == NULL)
    return FALSE;
  lesions = compress_mask (a->lesion_mask, n_voxels, error);
  if (lesions == NULL)
    return FALSE;
  for (guint n = 0; a->quality_notes != NULL && n < a->quality_notes->len; n++)
    g_ptr_array_add (note_strings, g_ptr_array_index (a->quality_notes, n));
  notes = g_variant_ref_sink (g_variant_new_strv ((const char *const *) note_strings->pdata, note_strings->len));

  if (sqlite3_prepare_v2 (self->db,
                          "INSERT OR REPLACE INTO results (input_fingerprint, lungs_sha256,"
                          " multitask_sha256, created, " RESULT_COLUMNS ") VALUES (?,?,?,?,"
                          "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, "store");
      sqlite3_finalize (stmt);
      return FALSE;
    }
  sqlite3_bind_text (stmt, i++, input_fingerprint, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, i++, lungs_sha256, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, i++, multitask_sha256, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, i++, g_get_real_time () / G_USEC_PER_SEC);
  sqlite3_bind_int (stmt, i++, a->nx);
  sqlite3_bind_int (stmt, i++, a->ny);
  sqlite3_bind_int (stmt, i++, a->nz);
  bind_double (stmt, i++, a->covid_probability);
  sqlite3_bind_int (stmt, i++, a->has_probability ? 1 : 0);
  if (a->probability_note != NULL)
    sqlite3_bind_text (stmt, i++, a->probability_note, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, i++);
  bind_double (stmt, i++, a->severity_percent);
  bind_double (stmt, i++, a->severity_total_percent);
  bind_double (stmt, i++, a->severity_right_percent);
  bind_double (stmt, i++, a->severity_left_percent);
  sqlite3_bind_int (stmt, i++, (int) a->category);
  bind_double (stmt, i++, a->lung_volume_ml);
  bind_double (stmt, i++, a->lesion_volume_ml);
  bind_double (stmt, i++, a->triage_score);
  sqlite3_bind_int (stmt, i++, (int) a->quality);
  /* An empty list serialises to zero bytes with a NULL data pointer, which
   * sqlite3_bind_blob stores as SQL NULL: bind an empty blob instead. */
  if (g_variant_get_size (notes) == 0)
    sqlite3_bind_zeroblob (stmt, i++, 0);
  else
    sqlite3_bind_blob (stmt, i++, g_variant_get_data (notes), (int) g_variant_get_size (notes), SQLITE_TRANSIENT);
  bind_double (stmt, i++, a->timing_lungs_ms);
  bind_double (stmt, i++, a->timing_lesions_ms);
  bind_double (stmt, i++, a->timing_total_ms);
  bind_double (stmt, i++, a->right_lung_volume_ml);
  bind_double (stmt, i++, a->left_lung_volume_ml);
  bind_double (stmt, i++, a->noise_hu);
  sqlite3_bind_blob64 (stmt, i++, g_bytes_get_data (lungs, NULL), g_bytes_get_size (lungs), SQLITE_STATIC);
  sqlite3_bind_blob64 (stmt, i++, g_bytes_get_data (lesions, NULL), g_bytes_get_size (lesions), SQLITE_STATIC);
  g_assert (i == N_RESULT_COLUMNS + 5);

  ok = sqlite3_step (stmt) == SQLITE_DONE;
  if (!ok)
    set_sqlite_error (error, self->db, "store");
  sqlite3_finalize (stmt);
  return ok;
}
