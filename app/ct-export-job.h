/* SPDX-License-Identifier: MIT */
/* ct-export-job.h: the window's "Export": the PDF reports, the NIfTI masks
 * and the work list (CSV, JSON: the command line's writers) of some
 * studies, into one folder, on a worker thread (GTask, cancellable).
 *
 * What it needs is taken from the studies when the job is made, on the
 * studies' thread: the worker never touches a CtStudy. File names are
 * readable: patient name (or ID), study date, then a short suffix of the
 * series UID ("DOE_JOHN_2020-03-14_4a7c2e"), sanitised
 * (ct_study_export_sanitize_name) so that nothing leaves the folder. An
 * existing file is never replaced: the name gets "-2", "-3" ... Each file
 * is written to a temporary name and renamed when complete; an error (a
 * folder that is not writable, a full disk) stops the job and names the
 * file. GTK-free. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  CT_EXPORT_REPORT = 1 << 0,        /* <name>.pdf per study */
  CT_EXPORT_MASKS = 1 << 1,         /* <name>_lungs.nii.gz, <name>_lesions.nii.gz */
  CT_EXPORT_WORKLIST_CSV = 1 << 2,  /* worklist.csv for the whole job */
  CT_EXPORT_WORKLIST_JSON = 1 << 3, /* worklist.json */
  CT_EXPORT_DICOM = 1 << 4,         /* <name>_seg.dcm and <name>_sr.dcm (ct-dicom-output.h), DICOM studies only */
} CtExportWhat;

#define CT_TYPE_EXPORT_JOB (ct_export_job_get_type ())
G_DECLARE_FINAL_TYPE (CtExportJob, ct_export_job, CT, EXPORT_JOB, GObject)

/* @studies: CtStudy*, in work-list order. An analysed study whose volume
 * was dropped is loaded again on the worker (and dropped after). Studies
 * without an analysis, or whose volume cannot be loaded again, get no
 * report or masks (counted by ct_export_job_get_skipped ()), but are in
 * the work list; so do NIfTI studies in a DICOM SEG/SR export (they have
 * no source images to reference). */
CtExportJob *ct_export_job_new (GPtrArray *studies, CtExportWhat what, const char *folder);

/* Test hook: the @n-th file written (from 1) fails as on a full disk. */
void ct_export_job_set_fail_at_file (CtExportJob *self, int n);

const char *ct_export_job_get_folder (CtExportJob *self);
/* 0..1, notified ("fraction") on the thread that started the job. */
double ct_export_job_get_fraction (CtExportJob *self);
/* The paths written so far (char*), in order. */
GPtrArray *ct_export_job_get_written (CtExportJob *self);
int ct_export_job_get_skipped (CtExportJob *self);

/* The readable file stem of a study (without suffix or "-2"): patient name,
 * ID, study date, "S" + series number, the last 6 digits of the series UID;
 * any may be NULL, @fallback when all are. */
char *ct_export_job_dup_readable_stem (const char *patient_name, const char *patient_id, const char *date,
                                       const char *series_number, const char *series_uid, const char *fallback);

void ct_export_job_run_async (CtExportJob *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
gboolean ct_export_job_run_finish (CtExportJob *self, GAsyncResult *result, GError **error);
/* The same on the calling thread. */
gboolean ct_export_job_run (CtExportJob *self, GCancellable *cancellable, GError **error);

G_END_DECLS
