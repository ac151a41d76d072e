/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <glib/gi18n-lib.h>

#include "ct-dicom-output.h"
#include "ct-error.h"
#include "ct-nifti.h"
#include "ct-report.h"
#include "ct-study-export.h"

/* A file name made of @raw: letters, digits, '.', '-' and '_' kept, any other
 * byte (a '/', a '\\', a control or non-ASCII byte) becomes '_', and so does
 * a '.' not after a letter or digit, so that no name is ".", ".." or hidden; at most 128 bytes; never
 * empty. A DICOM UID (digits and dots) is unchanged. */
char *
ct_study_export_sanitize_name (const char *raw)
{
  GString *name = g_string_new (NULL);

  for (const char *p = raw != NULL ? raw : ""; *p != '\0' && name->len < 128; p++)
    {
      char c = *p;
      gboolean safe = g_ascii_isalnum (c) || c == '-' || c == '_' ||
                      (c == '.' && name->len > 0 && g_ascii_isalnum (name->str[name->len - 1]));
      g_string_append_c (name, safe ? c : '_');
    }
  if (name->len == 0)
    g_string_append (name, "series");
  return g_string_free (name, FALSE);
}

static char *
dup_raw_stem (CtStudy *study)
{
  const CtVolume *volume = ct_study_get_volume (study);
  const char *series_uid = ct_study_get_series_uid (study);
  g_autofree char *base = NULL;

  if (volume != NULL && volume->series_uid != NULL)
    return g_strdup (volume->series_uid);
  if (series_uid != NULL)
    return g_strdup (series_uid);
  base = g_path_get_basename (volume != NULL && volume->path != NULL ? volume->path : ct_study_get_path (study));
  if (g_str_has_suffix (base, ".gz"))
    base[strlen (base) - 3] = '\0';
  if (g_str_has_suffix (base, ".nii"))
    base[strlen (base) - 4] = '\0';
  return g_steal_pointer (&base);
}

char *
ct_study_export_dup_stem (CtStudy *study)
{
  g_autofree char *raw = dup_raw_stem (study);

  return ct_study_export_sanitize_name (raw);
}

/* The volume and analysis an export needs, or FALSE with an error. */
static gboolean
get_results (CtStudy *study, const CtVolume **out_volume, const CtAnalysis **out_analysis, GError **error)
{
  *out_volume = ct_study_get_volume (study);
  *out_analysis = ct_study_get_analysis (study);
  if (*out_volume == NULL || *out_analysis == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, _ ("%s is not loaded and analysed"), ct_study_get_path (study));
      return FALSE;
    }
  return TRUE;
}

static gboolean
make_folder (const char *dir, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("Cannot create %s"), dir);
      return FALSE;
    }
  return TRUE;
}

typedef gboolean (*WriteFunc) (const char *path, gconstpointer data, GError **error);

/* Temporary files are ".tmp-XXXXXX-<name>" in the output's folder (hidden,
 * the final name's suffix last so that writers pick the same format). The
 * process writing one holds an exclusive flock () on it for as long as it
 * exists; a process killed half-way (SIGKILL, a power cut) leaves it
 * unlocked. */
#define TEMP_PREFIX ".tmp-"
#define TEMP_PREFIX_LEN 12 /* ".tmp-" + 6 random characters + "-" */

static gboolean
is_temp_name (const char *name)
{
  return g_str_has_prefix (name, TEMP_PREFIX) && strlen (name) > TEMP_PREFIX_LEN && name[TEMP_PREFIX_LEN - 1] == '-';
}

/* Removes the temporary files of @dir that no process holds locked: what
 * writers killed before they could rename or remove them left behind. Once
 * per folder and process (the first write into it), so that a folder of
 * many studies is not listed again for every file. */
static void
remove_stale_temps (const char *dir)
{
  static GMutex lock;
  static GHashTable *cleaned; /* char* (folder) set, for the process's life */
  g_autoptr (GDir) d = NULL;
  const char *name;

  g_mutex_lock (&lock);
  if (cleaned == NULL)
    cleaned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!g_hash_table_add (cleaned, g_canonicalize_filename (dir, NULL)))
    {
      g_mutex_unlock (&lock);
      return;
    }
  g_mutex_unlock (&lock);

  d = g_dir_open (dir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      struct stat held, now;
      int fd;

      if (!is_temp_name (name))
        continue;
      path = g_build_filename (dir, name, NULL);
      fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
      if (fd < 0)
        continue;
      /* Unlocked, a regular file, and still the file of that name: stale. */
      if (flock (fd, LOCK_EX | LOCK_NB) == 0 && fstat (fd, &held) == 0 && S_ISREG (held.st_mode) &&
          lstat (path, &now) == 0 && now.st_dev == held.st_dev && now.st_ino == held.st_ino)
        g_unlink (path);
      close (fd);
    }
}

/* A new, empty temporary file for @name in @dir, locked (see TEMP_PREFIX):
 * its descriptor (keep it open until the file is renamed or removed) and
 * its path in @out_path; -1 with errno set on failure. */
static int
create_locked_temp (const char *dir, const char *name, char **out_path)
{
  g_autofree char *tmp_name = g_strconcat (TEMP_PREFIX "XXXXXX-", name, NULL);
  char *tmp = g_build_filename (dir, tmp_name, NULL);
  int fd = -1;

  remove_stale_temps (dir);
  for (int attempt = 0; attempt < 8; attempt++)
    {
      struct stat held, now;

      strcpy (tmp + strlen (tmp) - strlen (tmp_name), tmp_name);
      fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0644);
      if (fd < 0)
        {
          g_free (tmp);
          return -1;
        }
      /* A file system without locks (some network or FUSE mounts): written
       * unlocked; no cleaner removes a file it cannot lock either. */
      if (flock (fd, LOCK_EX) != 0)
        break;
      /* Another process's clean-up may have taken the new file for a
       * leftover between mkstemp and flock: then make another. */
      if (fstat (fd, &held) == 0 && lstat (tmp, &now) == 0 && now.st_dev == held.st_dev && now.st_ino == held.st_ino)
        break;
      close (fd);
      fd = -1;
    }
  if (fd < 0)
    {
      g_free (tmp);
      errno = EEXIST;
      return -1;
    }
  *out_path = tmp;
  return fd;
}

/* The complete file @path on the disk before it gets its final name, so
 * that a crash of the machine cannot leave a short file under that name
 * (some file systems write the rename first); also where a full disk or a
 * network share reports a delayed write error. 0 or an errno. */
static int
sync_file (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  int saved = 0;

  if (fd < 0)
    return errno;
  if (fsync (fd) != 0 && errno != EINVAL)
    saved = errno;
  close (fd);
  return saved;
}

/* The rename itself made durable (best effort: not every file system can
 * sync a folder). */
static void
sync_folder (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

/* Writes @name (a sanitised file name) in @dir through @write: first to a
 * locked temporary name in the same folder (see TEMP_PREFIX), synced, then
 * renamed over the final name. A write error (a full disk) removes the
 * temporary file and leaves any earlier file as it was: never a truncated
 * result under the final name. */
static gboolean
write_confined (const char *dir, const char *name, WriteFunc write, gconstpointer data,
                const CtStudyExportOptions *options, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *tmp = NULL;
  g_autoptr (GError) local = NULL;
  int fd, saved;

  /* Every output path is a plain name inside its folder. */
  if (strchr (name, G_DIR_SEPARATOR) != NULL || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, _ ("Refusing to write %s outside %s"), name, dir);
      return FALSE;
    }
  fd = create_locked_temp (dir, name, &tmp);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("Cannot create %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (options != NULL && options->fail_write)
    {
      /* Test hook: the writer's output cut to half, then the error a full
       * disk gives, through the same clean-up as a real failure. */
      struct stat st;
      if (write (tmp, data, NULL) && g_stat (tmp, &st) == 0 && truncate (tmp, st.st_size / 2) == 0)
        g_set_error (&local, CT_ERROR, CT_ERROR_IO, _ ("Cannot write %s: %s"), tmp, g_strerror (ENOSPC));
      else
        g_set_error (&local, CT_ERROR, CT_ERROR_IO, _ ("Cannot write %s"), tmp);
    }
  if (local == NULL && write (tmp, data, &local) && (saved = sync_file (tmp)) != 0)
    g_set_error (&local, CT_ERROR, CT_ERROR_IO, _ ("Cannot write %s: %s"), tmp, g_strerror (saved));
  if (local != NULL)
    {
      /* The error names the final file, not the temporary one. */
      g_auto (GStrv) parts = g_strsplit (local->message, tmp, -1);
      g_autofree char *message = g_strjoinv (path, parts);

      g_unlink (tmp);
      close (fd);
      g_set_error_literal (error, local->domain, local->code, message);
      return FALSE;
    }
  if (options != NULL && options->no_clobber)
    {
      /* link () fails when the name exists: an earlier file is never
       * replaced, even one made after the caller chose the name. */
      if (link (tmp, path) == 0)
        {
          g_unlink (tmp);
          close (fd);
          sync_folder (dir);
          return TRUE;
        }
      saved = errno;
      /* No hard links (FAT on a USB stick, some network shares): check,
       * then rename; only a file made in between would be replaced. */
      if ((saved == EPERM || saved == ENOTSUP || saved == EXDEV) && !g_file_test (path, G_FILE_TEST_EXISTS))
        {
          if (g_rename (tmp, path) == 0)
            {
              close (fd);
              sync_folder (dir);
              return TRUE;
            }
          saved = errno;
        }
      g_unlink (tmp);
      close (fd);
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("Cannot write %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (g_rename (tmp, path) != 0)
    {
      saved = errno;
      g_unlink (tmp);
      close (fd);
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("Cannot write %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  sync_folder (dir);
  return TRUE;
}

typedef struct
{
  const CtVolume *volume;
  const guint8 *mask;
} MaskData;

static gboolean
write_mask (const char *path, gconstpointer data, GError **error)
{
  const MaskData *m = data;

  return ct_nifti_write_mask (m->volume, m->mask, path, error);
}

static gboolean
write_report (const char *path, gconstpointer data, GError **error)
{
  return ct_report_write (data, path, CT_REPORT_FORMAT_PDF, error);
}

gboolean
ct_study_export_write_masks (const CtVolume *volume, const CtAnalysis *analysis, const char *dir, const char *stem,
                             const CtStudyExportOptions *options, GError **error)
{
  g_autofree char *lungs_name = NULL, *lesions_name = NULL;
  MaskData lungs, lesions;

  if (analysis->nx != volume->nx || analysis->ny != volume->ny || analysis->nz != volume->nz)
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_FAILED, _ ("The masks are not on the volume's grid"));
      return FALSE;
    }
  if (!make_folder (dir, error))
    return FALSE;
  lungs_name = g_strconcat (stem, "_lungs.nii.gz", NULL);
  lesions_name = g_strconcat (stem, "_lesions.nii.gz", NULL);
  lungs = (MaskData){ volume, analysis->lung_mask };
  lesions = (MaskData){ volume, analysis->lesion_mask };
  return write_confined (dir, lungs_name, write_mask, &lungs, options, error) &&
         write_confined (dir, lesions_name, write_mask, &lesions, options, error);
}

gboolean
ct_study_export_write_report (const CtVolume *volume, const CtAnalysis *analysis, const char *dir, const char *stem,
                              const CtStudyExportOptions *options, GError **error)
{
  CtReportInfo info = { .volume = volume,
                        .analysis = analysis,
                        .accession_number = volume->accession_number,
                        .patient_age = volume->patient_age,
                        .patient_sex = volume->patient_sex };
  g_autofree char *name = g_strconcat (stem, ".pdf", NULL);

  if (!make_folder (dir, error))
    return FALSE;
  return write_confined (dir, name, write_report, &info, options, error);
}

static gboolean
write_text (const char *path, gconstpointer data, GError **error)
{
  g_autoptr (GError) local = NULL;

  /* In place: @path is write_confined ()'s temporary file, which it syncs
   * and renames (a second temporary file would not be the locked one). */
  if (!g_file_set_contents_full (path, data, -1, G_FILE_SET_CONTENTS_NONE, 0644, &local))
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("Cannot write %s: %s"), path, local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
ct_study_export_write_text (const char *text, const char *dir, const char *name, const CtStudyExportOptions *options,
                            GError **error)
{
  if (!make_folder (dir, error))
    return FALSE;
  return write_confined (dir, name, write_text, text, options, error);
}

typedef gboolean (*StudyWriter) (const CtVolume *volume, const CtAnalysis *analysis, const char *dir, const char *stem,
                                 const CtStudyExportOptions *options, GError **error);

/* @write with the study's volume and analysis under its UID stem. */
static gboolean
export_study (CtStudy *study, const char *dir, StudyWriter write, GError **error)
{
  const CtVolume *volume;
  const CtAnalysis *analysis;
  g_autofree char *stem = NULL;

  if (!get_results (study, &volume, &analysis, error))
    return FALSE;
  stem = ct_study_export_dup_stem (study);
  return write (volume, analysis, dir, stem, NULL, error);
}

gboolean
ct_study_export_masks (CtStudy *study, const char *dir, GError **error)
{
  g_return_val_if_fail (CT_IS_STUDY (study), FALSE);
  return export_study (study, dir, ct_study_export_write_masks, error);
}

gboolean
ct_study_export_report (CtStudy *study, const char *dir, GError **error)
{
  g_return_val_if_fail (CT_IS_STUDY (study), FALSE);
  return export_study (study, dir, ct_study_export_write_report, error);
}

/* ---- DICOM SEG and SR ---- */

/* Squared distance (mm^2) from @p to the image position @q. */
static double
distance2 (const double p[3], const double q[3])
{
  return (p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2]);
}

/* One source image (or frame) with a position, for the slice matching. */
typedef struct
{
  CtDicomSourceImage image;
  double distance; /* along the volume's slice normal, mm */
} SourceCandidate;

static int
compare_candidates (gconstpointer a, gconstpointer b)
{
  double da = ((const SourceCandidate *) a)->distance, db = ((const SourceCandidate *) b)->distance;

  return da < db ? -1 : da > db ? 1 : 0;
}

/* Fills @slices[k] with the source image of slice k. The loader keeps one
 * slice per source image, sorted along the slice normal, and lays them on
 * a regular grid with the usual gap: for an evenly spaced series slice k's
 * first voxel is its source image's position (feet first, shuffled names).
 * Where slices are missing or the gaps vary, the grid positions after a gap
 * are not the images' ones; slice k is then the k-th source image along the
 * normal (repeated positions counted once, as the loader does), and the
 * SEG places its frames at the images' own positions. */
static gboolean
match_source_images (const CtVolume *volume, GPtrArray *headers, CtDicomSourceImage *slices, GError **error)
{
  /* Half the gap between slices, or half a millimetre for one slice. */
  double tolerance = volume->nz > 1 ? 0.5 * volume->spacing[2] : 0.5;
  const double *d = volume->direction;
  const double normal[3] = { d[1] * d[5] - d[2] * d[4], d[2] * d[3] - d[0] * d[5], d[0] * d[4] - d[1] * d[3] };
  g_autoptr (GArray) candidates = g_array_new (FALSE, FALSE, sizeof (SourceCandidate));
  gboolean on_grid = TRUE;
  guint n_distinct = 0;

  for (guint h = 0; h < headers->len; h++)
    {
      const CtGdcmHeader *header = g_ptr_array_index (headers, h);
      int n = header->frame_positions != NULL ? header->n_frames : 1;

      if (header->sop_instance_uid == NULL || header->sop_class_uid == NULL || !header->has_position)
        continue;
      for (int f = 0; f < n; f++)
        {
          const double *q = header->frame_positions != NULL ? header->frame_positions + 3 * f : header->position;
          SourceCandidate c = { { header->sop_class_uid,
                                  header->sop_instance_uid,
                                  header->n_frames > 1 ? f + 1 : 0,
                                  TRUE,
                                  { q[0], q[1], q[2] } },
                                q[0] * normal[0] + q[1] * normal[1] + q[2] * normal[2] };

          g_array_append_val (candidates, c);
        }
    }

  for (int k = 0; k < volume->nz; k++)
    {
      double p[3], best = G_MAXDOUBLE;

      ct_volume_voxel_to_patient (volume, 0, 0, k, p);
      for (guint c = 0; c < candidates->len; c++)
        {
          const SourceCandidate *candidate = &g_array_index (candidates, SourceCandidate, c);
          double dist = distance2 (p, candidate->image.position);

          if (dist < best)
            {
              best = dist;
              slices[k] = candidate->image;
            }
        }
      if (best > tolerance * tolerance)
        {
          on_grid = FALSE;
          break;
        }
    }
  if (on_grid)
    return TRUE;

  /* Missing slices or varying gaps: by rank along the normal. */
  g_array_sort (candidates, compare_candidates);
  for (guint c = 0; c < candidates->len; c++)
    {
      const SourceCandidate *candidate = &g_array_index (candidates, SourceCandidate, c);

      if (n_distinct > 0 && candidate->distance - g_array_index (candidates, SourceCandidate, c - 1).distance < 0.01)
        continue;
      if (n_distinct < (guint) volume->nz)
        slices[n_distinct] = candidate->image;
      n_distinct++;
    }
  if (n_distinct == (guint) volume->nz)
    {
      double p[3];

      /* The first slice is the grid's origin. */
      ct_volume_voxel_to_patient (volume, 0, 0, 0, p);
      if (distance2 (p, slices[0].position) <= tolerance * tolerance)
        return TRUE;
    }
  g_set_error (error, CT_ERROR, CT_ERROR_FAILED,
               _ ("The %d slices of %s do not match its %u source images with a SOPInstanceUID and a position"),
               volume->nz, volume->path != NULL ? volume->path : _ ("the series"), n_distinct);
  return FALSE;
}

typedef struct
{
  const CtDicomOutputSource *source;
  CtDicomSegIds *ids;
} DicomData;

static gboolean
write_seg (const char *path, gconstpointer data, GError **error)
{
  const DicomData *d = data;

  ct_dicom_seg_ids_clear (d->ids);
  return ct_dicom_output_write_seg (d->source, path, d->ids, error);
}

static gboolean
write_sr (const char *path, gconstpointer data, GError **error)
{
  const DicomData *d = data;

  return ct_dicom_output_write_sr (d->source, d->ids, path, error);
}

/* The one-page report as PDF, in a temporary file beside @path, then
 * encapsulated. */
static gboolean
write_pdf (const char *path, gconstpointer data, GError **error)
{
  const DicomData *d = data;
  CtReportInfo info = { 0 };
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *pdf_name = g_strconcat (base, ".pdf", NULL);
  g_autofree char *pdf = NULL;
  g_autoptr (GError) local = NULL;
  int fd;
  gboolean ok;

  /* Locked as @path is, so that a killed run's leftover is removed later. */
  fd = create_locked_temp (dir, pdf_name, &pdf);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("Cannot write %s: %s"), path, g_strerror (saved));
      return FALSE;
    }

  info.volume = d->source->volume;
  info.analysis = d->source->analysis;
  info.accession_number = info.volume->accession_number;
  info.patient_age = info.volume->patient_age;
  info.patient_sex = info.volume->patient_sex;
  ok = ct_report_write (&info, pdf, CT_REPORT_FORMAT_PDF, &local) &&
       ct_dicom_output_write_pdf (d->source, pdf, path, &local);
  g_unlink (pdf);
  close (fd);
  if (!ok)
    {
      /* The error names the output, not the intermediate file. */
      g_auto (GStrv) parts = g_strsplit (local->message, pdf, -1);
      g_autofree char *message = g_strjoinv (path, parts);

      g_set_error_literal (error, local->domain, local->code, message);
    }
  return ok;
}

gboolean
ct_study_export_write_dicom (const CtVolume *volume, const CtAnalysis *analysis, const CtSeriesInfo *series,
                             const char *seg_dir, const char *sr_dir, const char *pdf_dir, const char *stem,
                             const CtStudyExportOptions *options, GError **error)
{
  const CtGdcmHeader *first;
  CtDicomOutputSource source = { 0 };
  g_autofree CtDicomSourceImage *slices = NULL;
  g_auto (CtDicomSegIds) ids = { 0 };
  g_autofree char *seg_name = NULL, *sr_name = NULL, *pdf_name = NULL;
  DicomData data = { &source, &ids };
  const char *path = series != NULL ? series->path : volume->path;

  g_return_val_if_fail (seg_dir != NULL || sr_dir != NULL || pdf_dir != NULL, FALSE);

  if (series == NULL || series->kind != CT_SERIES_KIND_DICOM || series->headers == NULL || series->headers->len == 0)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED,
                   _ ("%s is not a DICOM series: DICOM SEG, SR and PDF need DICOM source images"), path);
      return FALSE;
    }
  if (series->study_uid == NULL || series->series_uid == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED,
                   _ ("%s has no StudyInstanceUID or SeriesInstanceUID: a DICOM SEG or SR cannot reference it"), path);
      return FALSE;
    }
  if (analysis->nx != volume->nx || analysis->ny != volume->ny || analysis->nz != volume->nz)
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_FAILED, _ ("The masks are not on the volume's grid"));
      return FALSE;
    }
  slices = g_new0 (CtDicomSourceImage, volume->nz);
  if (!match_source_images (volume, series->headers, slices, error))
    return FALSE;
  first = g_ptr_array_index (series->headers, 0);
  source = (CtDicomOutputSource){
    volume, analysis, first->path, series->series_uid, first->frame_of_reference_uid, slices, PACKAGE_VERSION
  };
  seg_name = g_strconcat (stem, "_seg.dcm", NULL);
  sr_name = g_strconcat (stem, "_sr.dcm", NULL);
  pdf_name = g_strconcat (stem, "_pdf.dcm", NULL);
  /* The SR references the SEG's segments: without --seg-out the SEG goes
   * beside the SR. */
  if (seg_dir == NULL)
    seg_dir = sr_dir;
  if (seg_dir != NULL &&
      (!make_folder (seg_dir, error) || !write_confined (seg_dir, seg_name, write_seg, &data, options, error)))
    return FALSE;
  if (sr_dir != NULL &&
      (!make_folder (sr_dir, error) || !write_confined (sr_dir, sr_name, write_sr, &data, options, error)))
    return FALSE;
  return pdf_dir == NULL ||
         (make_folder (pdf_dir, error) && write_confined (pdf_dir, pdf_name, write_pdf, &data, options, error));
}

gboolean
ct_study_export_dicom (CtStudy *study, const char *seg_dir, const char *sr_dir, const char *pdf_dir, GError **error)
{
  const CtVolume *volume;
  const CtAnalysis *analysis;
  g_autofree char *stem = NULL;

  g_return_val_if_fail (CT_IS_STUDY (study), FALSE);
  g_return_val_if_fail (seg_dir != NULL || sr_dir != NULL || pdf_dir != NULL, FALSE);

  if (!get_results (study, &volume, &analysis, error))
    return FALSE;
  stem = ct_study_export_dup_stem (study);
  return ct_study_export_write_dicom (volume, analysis, ct_study_get_series (study), seg_dir, sr_dir, pdf_dir, stem,
                                      NULL, error);
}
