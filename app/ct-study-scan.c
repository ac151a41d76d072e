/* SPDX-License-Identifier: MIT */
#include "ct-study-scan.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "ct-error.h"
#include "ct-nifti.h"

/* Deeper folder trees than this are not followed (symbolic link loops). */
#define MAX_FOLDER_DEPTH 32

CtSkippedFile *
ct_skipped_file_new (const char *path, int code, const char *reason)
{
  CtSkippedFile *s = g_new0 (CtSkippedFile, 1);

  s->path = g_strdup (path);
  s->code = code;
  s->reason = g_strdup (reason);
  return s;
}

void
ct_skipped_file_free (CtSkippedFile *s)
{
  if (s == NULL)
    return;
  g_free (s->path);
  g_free (s->reason);
  g_free (s);
}

void
ct_study_scan_free (CtStudyScan *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->series, g_ptr_array_unref);
  g_clear_pointer (&self->skipped, g_ptr_array_unref);
  g_free (self);
}

static void add_skipped (CtStudyScan *scan, const char *path, int code, const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
add_skipped (CtStudyScan *scan, const char *path, int code, const char *format, ...)
{
  CtSkippedFile *s = g_new0 (CtSkippedFile, 1);
  va_list args;

  va_start (args, format);
  s->path = g_strdup (path);
  s->code = code;
  s->reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (scan->skipped, s);
}

/* A cheap test before handing a file to GDCM: the "DICM" magic after the
 * 128-byte preamble, or (old files without it) a first element in group
 * 0x0002 or 0x0008 in little endian. Keeps PNG/JPEG/text out of the parser.
 * Opened without blocking and only if it is a regular file (a FIFO would
 * hang the scan). NULL when it looks like DICOM, else why not. */
static const char *
why_not_dicom (const char *path, int *out_code)
{
  guint8 head[132];
  ssize_t n = 0, got;
  struct stat st;
  int fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);

  *out_code = CT_ERROR_IO;
  if (fd < 0)
    return errno == EACCES || errno == EPERM ? _ ("permission denied") : _ ("cannot be opened");
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return _ ("not a regular file");
    }
  while (n < (ssize_t) sizeof head && (got = read (fd, head + n, sizeof head - (size_t) n)) > 0)
    n += got;
  close (fd);
  *out_code = CT_ERROR_NOT_DICOM;
  if (n == sizeof head && memcmp (head + 128, "DICM", 4) == 0)
    return NULL;
  if (n >= 8)
    {
      guint group = head[0] | (head[1] << 8);
      if (group == 0x0002 || group == 0x0008)
        return NULL;
    }
  return _ ("not a DICOM file");
}

/* Only regular files are opened at all (FIFOs, sockets and devices are
 * skipped); NULL when @path is one, else why not. */
static const char *
why_not_regular (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return errno == EACCES || errno == EPERM ? _ ("permission denied") : _ ("no such file or folder");
  if (!S_ISREG (st.st_mode))
    return _ ("not a regular file");
  if (g_access (path, R_OK) != 0 && (errno == EACCES || errno == EPERM))
    return _ ("permission denied");
  return NULL;
}

/* TRUE when @path, with "." and ".." resolved, lies inside @folder. */
static gboolean
path_is_inside (const char *path, const char *folder)
{
  g_autofree char *p = g_canonicalize_filename (path, NULL);
  g_autofree char *f = g_canonicalize_filename (folder, NULL);
  gsize n = strlen (f);

  return strncmp (p, f, n) == 0 && (p[n] == G_DIR_SEPARATOR || (n > 0 && f[n - 1] == G_DIR_SEPARATOR));
}

/* Whether the file PATH, with every symbolic link on its way resolved, is
 * still inside FOLDER (its links resolved too). FALSE when either cannot be
 * resolved. */
static gboolean
resolved_path_is_inside (const char *path, const char *folder)
{
  g_autofree char *p = realpath (path, NULL);
  g_autofree char *f = realpath (folder, NULL);

  return p != NULL && f != NULL && path_is_inside (p, f);
}

typedef struct
{
  GPtrArray *dicom_paths; /* char*: candidates for header reading */
  GPtrArray *nifti_paths; /* char* */
  GHashTable *seen;       /* canonical path -> TRUE, no file twice */
} Candidates;

static void add_candidate (Candidates *c, CtStudyScan *scan, const char *path, gboolean from_folder);

static int
compare_names (gconstpointer pa, gconstpointer pb)
{
  return strcmp (*(const char *const *) pa, *(const char *const *) pb);
}

static void
walk_folder (Candidates *c, CtStudyScan *scan, const char *folder, int depth, GCancellable *cancellable)
{
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = NULL;
  const char *name;

  if (depth > MAX_FOLDER_DEPTH || g_cancellable_is_cancelled (cancellable))
    return;
  dir = g_dir_open (folder, 0, NULL);
  if (dir == NULL)
    {
      add_skipped (scan, folder, CT_ERROR_IO, _ ("folder cannot be read"));
      return;
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (folder, (const char *) g_ptr_array_index (names, i), NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          if (!g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            walk_folder (c, scan, child, depth + 1, cancellable);
        }
      else
        add_candidate (c, scan, child, TRUE);
    }
}

static void
add_candidate (Candidates *c, CtStudyScan *scan, const char *path, gboolean from_folder)
{
  g_autofree char *canonical = g_canonicalize_filename (path, NULL);
  g_autofree char *base = g_path_get_basename (path);

  if (g_hash_table_contains (c->seen, canonical))
    return;
  g_hash_table_add (c->seen, g_strdup (canonical));
  scan->n_files++;

  {
    const char *why = why_not_regular (path);
    if (why != NULL)
      {
        add_skipped (scan, path, CT_ERROR_IO, "%s", why);
        return;
      }
  }

  if (ct_nifti_is_nifti_path (path))
    {
      g_ptr_array_add (c->nifti_paths, g_strdup (path));
      return;
    }
  if (g_ascii_strcasecmp (base, "DICOMDIR") == 0)
    {
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) files = NULL;

      if (from_folder)
        {
          /* Its images are in the same tree and found by the walk. */
          add_skipped (scan, path, CT_ERROR_NO_PIXEL_DATA,
                       _ ("DICOMDIR index (the images it lists are scanned with the folder)"));
          return;
        }
      files = ct_gdcm_read_dicomdir (path, &error);
      if (files == NULL)
        {
          add_skipped (scan, path, CT_ERROR_CORRUPT, _ ("unreadable DICOMDIR: %s"), error->message);
          return;
        }
      if (files[0] == NULL)
        add_skipped (scan, path, CT_ERROR_NO_PIXEL_DATA, _ ("DICOMDIR lists no images"));
      for (guint i = 0; files[i] != NULL; i++)
        {
          g_autofree char *media = g_path_get_dirname (path);
          g_auto (GStrv) parts = g_strsplit (files[i], G_DIR_SEPARATOR_S, -1);
          gboolean up = g_strv_contains ((const char *const *) parts, "..");

          /* A file ID reaches only files of its own medium, by its name
           * and by where its symbolic links lead. */
          if (up || !path_is_inside (files[i], media))
            add_skipped (scan, files[i], CT_ERROR_CORRUPT,
                         _ ("listed in the DICOMDIR %s but outside its folder (a '..' in the file ID): refused"), path);
          else if (!g_file_test (files[i], G_FILE_TEST_EXISTS))
            add_skipped (scan, files[i], CT_ERROR_IO, _ ("listed in the DICOMDIR but missing"));
          else if (!resolved_path_is_inside (files[i], media))
            add_skipped (scan, files[i], CT_ERROR_CORRUPT,
                         _ ("listed in the DICOMDIR %s but a symbolic link leads outside its folder: refused"), path);
          else
            add_candidate (c, scan, files[i], FALSE);
        }
      return;
    }
  {
    int code;
    const char *why = why_not_dicom (path, &code);
    if (why != NULL)
      {
        add_skipped (scan, path, code, "%s", why);
        return;
      }
  }
  g_ptr_array_add (c->dicom_paths, g_strdup (path));
}

typedef struct
{
  GPtrArray *paths;       /* char* */
  CtGdcmHeader **headers; /* [paths->len], NULL where reading failed */
  char **errors;          /* [paths->len] */
  int *codes;             /* [paths->len] */
} HeaderJob;

/* The skipped list names the file beside its reason: a reader's message
 * that starts with "PATH: " is kept without that prefix, so the path is not
 * printed twice. */
static const char *
reason_without_path (const char *message, const char *path)
{
  gsize n = strlen (path);
  gboolean named = strncmp (message, path, n) == 0 && strncmp (message + n, ": ", 2) == 0;
  return named ? message + n + 2 : message;
}

static gboolean
read_one_header (guint index, gpointer data, GError **error)
{
  HeaderJob *job = data;
  GError *local = NULL;

  const char *path = g_ptr_array_index (job->paths, index);

  job->headers[index] = ct_gdcm_read_header (path, &local);
  if (local != NULL)
    {
      job->errors[index] = g_strdup (reason_without_path (local->message, path));
      job->codes[index] = local->code;
      g_error_free (local);
    }
  return TRUE;
}

static gboolean
has_word (const char *backslash_list, const char *word)
{
  g_auto (GStrv) words = NULL;

  if (backslash_list == NULL)
    return FALSE;
  words = g_strsplit (backslash_list, "\\", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      g_strstrip (words[i]);
      if (g_ascii_strcasecmp (words[i], word) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_ct_sop_class (const char *uid)
{
  return g_strcmp0 (uid, "1.2.840.10008.5.1.4.1.1.2") == 0 ||   /* CT Image Storage */
         g_strcmp0 (uid, "1.2.840.10008.5.1.4.1.1.2.1") == 0 || /* Enhanced CT */
         g_strcmp0 (uid, "1.2.840.10008.5.1.4.1.1.2.2") == 0;   /* Legacy Converted Enhanced CT */
}

/* Records @value in @code and passes @reason on: one line per refusal below. */
static char *
skip (int *code, int value, char *reason)
{
  *code = value;
  return reason;
}

/* NULL when @h is a CT image this loader uses, else why not (owned), with
 * the matching CtError in @code. */
static char *
reason_to_skip (const CtGdcmHeader *h, int *code)
{
  const char *sop = h->sop_class_uid ? h->sop_class_uid : "";
  const char *modality = h->modality;

  if (h->is_dicomdir)
    return skip (code, CT_ERROR_NO_PIXEL_DATA, g_strdup (_ ("DICOMDIR index")));
  if (g_str_has_prefix (sop, "1.2.840.10008.5.1.4.1.1.88."))
    return skip (code, CT_ERROR_NO_PIXEL_DATA, g_strdup (_ ("structured report (SR), not an image")));
  if (g_strcmp0 (sop, "1.2.840.10008.5.1.4.1.1.66.4") == 0 || g_strcmp0 (modality, "SEG") == 0)
    return skip (code, CT_ERROR_NO_PIXEL_DATA, g_strdup (_ ("segmentation object (SEG), not a CT image")));
  if (g_str_has_prefix (sop, "1.2.840.10008.5.1.4.1.1.481.") || (modality && g_str_has_prefix (modality, "RT")))
    return skip (code, CT_ERROR_NO_PIXEL_DATA,
                 g_strdup_printf (_ ("radiotherapy object (%s), not a CT image"), modality ? modality : "RT"));
  if (modality != NULL && (strcmp (modality, "SR") == 0 || strcmp (modality, "KO") == 0 ||
                           strcmp (modality, "PR") == 0 || strcmp (modality, "DOC") == 0))
    return skip (code, CT_ERROR_NO_PIXEL_DATA, g_strdup_printf (_ ("%s object, not an image"), modality));
  if (!h->has_pixel_data)
    return skip (code, CT_ERROR_NO_PIXEL_DATA,
                 g_strdup_printf (_ ("no pixel data (%s)"), modality ? modality : _ ("unknown object")));
  if (modality == NULL && !is_ct_sop_class (h->sop_class_uid))
    return skip (code, CT_ERROR_NOT_CT, g_strdup (_ ("no Modality and not a CT SOP class: not a CT series")));
  if (modality != NULL && strcmp (modality, "CT") != 0)
    return skip (code, CT_ERROR_NOT_CT, g_strdup_printf (_ ("%s is not a CT series"), modality));
  if (has_word (h->image_type, "LOCALIZER"))
    return skip (code, CT_ERROR_NOT_CT, g_strdup (_ ("localizer (scout) image")));
  if (h->samples_per_pixel != 1)
    return skip (code, CT_ERROR_NOT_CT,
                 g_strdup_printf (_ ("colour image (%d samples per pixel), not a CT image"), h->samples_per_pixel));
  if (h->rows <= 0 || h->columns <= 0)
    return skip (code, CT_ERROR_CORRUPT, g_strdup (_ ("no image size (Rows/Columns)")));
  /* GDCM asserts on BitsAllocated 12 or 1 instead of failing. */
  if (h->bits_allocated != 8 && h->bits_allocated != 16 && h->bits_allocated != 32)
    return skip (code, CT_ERROR_CORRUPT,
                 g_strdup_printf (_ ("BitsAllocated %d (a CT image has 8, 16 or 32)"), h->bits_allocated));
  if (h->bits_stored < 1 || h->bits_stored > h->bits_allocated || h->high_bit < h->bits_stored - 1 ||
      h->high_bit >= h->bits_allocated)
    return skip (code, CT_ERROR_CORRUPT,
                 g_strdup_printf (_ ("BitsStored %d and HighBit %d do not fit BitsAllocated %d"), h->bits_stored,
                                  h->high_bit, h->bits_allocated));
  return NULL;
}

static int
compare_series (gconstpointer pa, gconstpointer pb)
{
  const CtSeriesInfo *a = *(CtSeriesInfo *const *) pa;
  const CtSeriesInfo *b = *(CtSeriesInfo *const *) pb;
  int c = g_strcmp0 (a->path, b->path);

  if (c != 0)
    return c;
  c = g_strcmp0 (a->series_description, b->series_description);
  return c != 0 ? c : g_strcmp0 (a->series_uid, b->series_uid);
}

static int
compare_skipped (gconstpointer pa, gconstpointer pb)
{
  const CtSkippedFile *a = *(CtSkippedFile *const *) pa;
  const CtSkippedFile *b = *(CtSkippedFile *const *) pb;

  return g_strcmp0 (a->path, b->path);
}

static int
compare_header_paths (gconstpointer pa, gconstpointer pb)
{
  const CtGdcmHeader *a = *(CtGdcmHeader *const *) pa;
  const CtGdcmHeader *b = *(CtGdcmHeader *const *) pb;

  return g_strcmp0 (a->path, b->path);
}

static gboolean
same_orientation (const CtGdcmHeader *a, const CtGdcmHeader *b)
{
  if (!a->has_orientation || !b->has_orientation)
    return a->has_orientation == b->has_orientation;
  for (int i = 0; i < 6; i++)
    if (fabs (a->orientation[i] - b->orientation[i]) > 1e-3)
      return FALSE;
  return TRUE;
}

/* A series of one image whose plane differs from a multi-image series of the
 * same study is a scout that was not marked LOCALIZER. */
static gboolean
is_unmarked_scout (const CtSeriesInfo *candidate, GPtrArray *series)
{
  const CtGdcmHeader *h;

  if (candidate->kind != CT_SERIES_KIND_DICOM || candidate->n_images != 1)
    return FALSE;
  h = g_ptr_array_index (candidate->headers, 0);
  for (guint i = 0; i < series->len; i++)
    {
      const CtSeriesInfo *other = g_ptr_array_index (series, i);
      if (other == candidate || other->kind != CT_SERIES_KIND_DICOM || other->n_images < 2 ||
          g_strcmp0 (other->study_uid, candidate->study_uid) != 0)
        continue;
      if (!same_orientation (h, g_ptr_array_index (other->headers, 0)))
        return TRUE;
    }
  return FALSE;
}

CtStudyScan *
ct_study_scan_paths (const char *const *paths, int n_threads, CtSeriesProgressFunc progress, gpointer progress_data,
                     GCancellable *cancellable, GError **error)
{
  g_autoptr (CtStudyScan) scan = NULL;
  g_autoptr (GHashTable) groups = NULL; /* key -> GPtrArray of CtGdcmHeader* */
  g_autoptr (GPtrArray) group_order = NULL;
  g_autoptr (GHashTable) instances = NULL; /* SOPInstanceUID -> first path */
  Candidates c;
  HeaderJob job = { 0 };
  gboolean ok;

  g_return_val_if_fail (paths != NULL, NULL);

  if (paths[0] == NULL)
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_NO_STUDIES, _ ("No path to scan"));
      return NULL;
    }

  ct_gdcm_init ();
  scan = g_new0 (CtStudyScan, 1);
  scan->series = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_series_info_free);
  scan->skipped = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_skipped_file_free);

  c.dicom_paths = g_ptr_array_new_with_free_func (g_free);
  c.nifti_paths = g_ptr_array_new_with_free_func (g_free);
  c.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint p = 0; paths[p] != NULL; p++)
    {
      if (g_file_test (paths[p], G_FILE_TEST_IS_DIR))
        walk_folder (&c, scan, paths[p], 0, cancellable);
      else if (g_file_test (paths[p], G_FILE_TEST_EXISTS))
        add_candidate (&c, scan, paths[p], FALSE);
      else
        add_skipped (scan, paths[p], CT_ERROR_IO, _ ("no such file or folder"));
    }

  for (guint i = 0; i < c.nifti_paths->len; i++)
    {
      const char *path = g_ptr_array_index (c.nifti_paths, i);
      g_autoptr (GError) local = NULL;
      int size[3];

      if (ct_nifti_read_size (path, size, &local))
        g_ptr_array_add (scan->series, ct_series_info_new_nifti (path, size[0], size[1], size[2]));
      else
        add_skipped (scan, path, local->code, "%s", reason_without_path (local->message, path));
    }

  job.paths = c.dicom_paths;
  job.headers = g_new0 (CtGdcmHeader *, MAX (c.dicom_paths->len, 1));
  job.errors = g_new0 (char *, MAX (c.dicom_paths->len, 1));
  job.codes = g_new0 (int, MAX (c.dicom_paths->len, 1));
  ok = ct_series_workers_run (c.dicom_paths->len, n_threads, read_one_header, &job, progress, progress_data,
                              cancellable, error);

  groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  group_order = g_ptr_array_new_with_free_func (g_free);
  instances = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < c.dicom_paths->len; i++)
    {
      CtGdcmHeader *h = job.headers[i];
      const char *path = g_ptr_array_index (c.dicom_paths, i);
      g_autofree char *reason = NULL;
      g_autofree char *key = NULL;
      GPtrArray *group;
      int code = CT_ERROR_FAILED;

      if (!ok)
        {
          ct_gdcm_header_free (h);
          g_free (job.errors[i]);
          continue;
        }
      if (h == NULL)
        {
          add_skipped (scan, path, job.codes[i], "%s", job.errors[i] ? job.errors[i] : _ ("unreadable"));
          g_free (job.errors[i]);
          continue;
        }
      reason = reason_to_skip (h, &code);
      if (reason != NULL)
        {
          add_skipped (scan, path, code, "%s", reason);
          ct_gdcm_header_free (h);
          continue;
        }
      if (h->sop_instance_uid != NULL)
        {
          /* The same image copied twice (the shared data has such copies, and
           * the transfer syntax variants are one image): use it once. */
          const char *first = g_hash_table_lookup (instances, h->sop_instance_uid);
          if (first != NULL)
            {
              add_skipped (scan, path, CT_ERROR_INCONSISTENT_SERIES, _ ("the same image (SOPInstanceUID) as %s"),
                           first);
              ct_gdcm_header_free (h);
              continue;
            }
          g_hash_table_insert (instances, g_strdup (h->sop_instance_uid), g_strdup (path));
        }
      if (h->series_uid != NULL)
        key = g_strdup_printf ("%s\n%s", h->study_uid ? h->study_uid : "", h->series_uid);
      else
        {
          /* No SeriesInstanceUID: one series per folder at best. */
          g_autofree char *dir = g_path_get_dirname (h->path);
          key = g_strdup_printf ("%s\n(no series UID)\n%s", h->study_uid ? h->study_uid : "", dir);
        }
      group = g_hash_table_lookup (groups, key);
      if (group == NULL)
        {
          group = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_gdcm_header_free);
          g_ptr_array_add (group_order, g_strdup (key));
          g_hash_table_insert (groups, g_steal_pointer (&key), group);
        }
      g_ptr_array_add (group, h);
    }
  g_free (job.headers);
  g_free (job.errors);
  g_free (job.codes);
  g_ptr_array_unref (c.dicom_paths);
  g_ptr_array_unref (c.nifti_paths);
  g_hash_table_unref (c.seen);

  if (!ok)
    {
      for (guint i = 0; i < group_order->len; i++)
        g_ptr_array_unref (g_hash_table_lookup (groups, g_ptr_array_index (group_order, i)));
      return NULL;
    }

  {
    g_autoptr (GPtrArray) dicom_series = g_ptr_array_new ();
    for (guint i = 0; i < group_order->len; i++)
      {
        GPtrArray *group = g_hash_table_lookup (groups, g_ptr_array_index (group_order, i));
        g_ptr_array_sort (group, compare_header_paths);
        g_ptr_array_add (dicom_series, ct_series_info_new_dicom (group));
      }
    g_autofree gboolean *scout = g_new0 (gboolean, MAX (dicom_series->len, 1));

    /* Decide against the full list first, then remove. */
    for (guint i = 0; i < dicom_series->len; i++)
      scout[i] = is_unmarked_scout (g_ptr_array_index (dicom_series, i), dicom_series);
    for (guint i = 0; i < dicom_series->len; i++)
      {
        CtSeriesInfo *s = g_ptr_array_index (dicom_series, i);
        if (scout[i])
          {
            const CtGdcmHeader *h = g_ptr_array_index (s->headers, 0);
            add_skipped (scan, h->path, CT_ERROR_NOT_CT,
                         _ ("single image in another orientation than the study's "
                            "series (a localizer)"));
            ct_series_info_free (s);
          }
        else
          g_ptr_array_add (scan->series, s);
      }
  }

  g_ptr_array_sort (scan->series, compare_series);
  g_ptr_array_sort (scan->skipped, compare_skipped);
  return g_steal_pointer (&scan);
}

CtStudyScan *
ct_study_scan (const char *path, GCancellable *cancellable, GError **error)
{
  const char *paths[] = { path, NULL };

  g_return_val_if_fail (path != NULL, NULL);
  return ct_study_scan_paths (paths, 0, NULL, NULL, cancellable, error);
}

CtSeriesInfo *
ct_study_scan_find (CtStudyScan *self, const char *series_uid)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (series_uid == NULL)
    return self->series->len == 1 ? g_ptr_array_index (self->series, 0) : NULL;
  for (guint i = 0; i < self->series->len; i++)
    {
      CtSeriesInfo *s = g_ptr_array_index (self->series, i);
      if (g_strcmp0 (s->series_uid, series_uid) == 0 ||
          (s->kind == CT_SERIES_KIND_NIFTI && g_strcmp0 (s->path, series_uid) == 0))
        return s;
    }
  return NULL;
}

CtSeriesInfo *
ct_study_scan_find_or_explain (CtStudyScan *self, const char *path, const char *series_uid, GError **error)
{
  CtSeriesInfo *series = ct_study_scan_find (self, series_uid);

  if (series != NULL)
    return series;
  if (self->series->len == 0 && self->skipped->len > 0)
    {
      /* Say why the one file (or the first of them) is not a CT series. */
      const CtSkippedFile *first = g_ptr_array_index (self->skipped, 0);
      g_set_error (error, CT_ERROR, first->code, "%s: %s", first->path, first->reason);
    }
  else if (series_uid != NULL)
    g_set_error (error, CT_ERROR, CT_ERROR_NO_STUDIES, _ ("%s: no CT series %s"), path, series_uid);
  else if (self->series->len > 1)
    g_set_error (error, CT_ERROR, CT_ERROR_NO_STUDIES, _ ("%s holds %u CT series: say which"), path, self->series->len);
  else
    g_set_error (error, CT_ERROR, CT_ERROR_NO_STUDIES, _ ("%s: no CT series found"), path);
  return NULL;
}
