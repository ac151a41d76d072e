/* SPDX-License-Identifier: MIT */
/* ct-study-scan.h: study discovery. Walks folders (recursively), DICOM
 * files, DICOMDIRs and NIfTI files; groups DICOM files by StudyInstanceUID
 * and SeriesInstanceUID; keeps CT image series and says, for every file it
 * does not use, why (not DICOM, SR/SEG/RT object, no pixel data, another
 * modality, localizer, colour ...). Headers are read in parallel; no pixel
 * data is decoded here. */
#pragma once

#include <gio/gio.h>

#include "ct-series-info.h"
#include "ct-series-workers.h"

G_BEGIN_DECLS

typedef struct
{
  char *path;
  char *reason; /* one line, e.g. "MR is not a CT series" */
  int code;     /* a CtError: NOT_DICOM, NOT_CT, NO_PIXEL_DATA, CORRUPT, IO ... */
} CtSkippedFile;

CtSkippedFile *ct_skipped_file_new (const char *path, int code, const char *reason);
void ct_skipped_file_free (CtSkippedFile *self);

typedef struct
{
  GPtrArray *series;  /* CtSeriesInfo*, sorted by path, then description */
  GPtrArray *skipped; /* CtSkippedFile*, sorted by path */
  guint n_files;      /* files looked at */
} CtStudyScan;

/* Scans every path of the NULL-terminated @paths. A path that does not exist
 * is reported as skipped, not as an error; the only errors are
 * CT_ERROR_CANCELLED and an empty @paths. @n_threads 0 = all processors.
 * @progress (may be NULL) gets the fraction of headers read. */
CtStudyScan *ct_study_scan_paths (const char *const *paths, int n_threads, CtSeriesProgressFunc progress,
                                  gpointer progress_data, GCancellable *cancellable, GError **error);
CtStudyScan *ct_study_scan (const char *path, GCancellable *cancellable, GError **error);
void ct_study_scan_free (CtStudyScan *self);

/* The series of @self whose SeriesInstanceUID is @series_uid (or whose path
 * is @series_uid, for NIfTI), the only series when @series_uid is NULL and
 * there is one; else NULL. Borrowed. */
CtSeriesInfo *ct_study_scan_find (CtStudyScan *self, const char *series_uid);

/* ct_study_scan_find, or NULL with an error saying why, naming @path (the
 * folder or file that was scanned): why its one file is not a CT series, no
 * series @series_uid, or several series when @series_uid is NULL. */
CtSeriesInfo *ct_study_scan_find_or_explain (CtStudyScan *self, const char *path, const char *series_uid,
                                             GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtStudyScan, ct_study_scan_free)

G_END_DECLS
