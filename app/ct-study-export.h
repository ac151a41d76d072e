/* SPDX-License-Identifier: MIT */
/* ct-study-export.h: a study's results as files, for the command line's
 * --masks-out and --report (and any later export): the lung and lesion
 * masks as NIfTI on the original grid, and the one-page PDF report
 * (render/ct-report.h). Both need the study's volume and analysis. File
 * names start with the study's stem: its SeriesInstanceUID, or for NIfTI
 * input the file name without .nii(.gz), made a safe file name
 * (ct_study_export_sanitize_name): no output leaves its folder. Files are
 * written to a temporary name in the folder and renamed when complete. */
#pragma once

#include <glib.h>

#include "ct-study.h"

G_BEGIN_DECLS

/* How a file is written. */
typedef struct
{
  /* Never replace an existing file: the write fails instead (the export
   * job picks a free name first). */
  gboolean no_clobber;
  /* Test hook: each write stops half-way with the error of a full disk. */
  gboolean fail_write;
} CtStudyExportOptions;

char *ct_study_export_sanitize_name (const char *raw);
char *ct_study_export_dup_stem (CtStudy *study);
/* <stem>_lungs.nii.gz and <stem>_lesions.nii.gz in @dir (created). */
gboolean ct_study_export_masks (CtStudy *study, const char *dir, GError **error);
/* <stem>.pdf in @dir (created). */
gboolean ct_study_export_report (CtStudy *study, const char *dir, GError **error);
/* DICOM outputs of a DICOM study (ct-dicom-output.h): <stem>_seg.dcm in
 * @seg_dir, <stem>_sr.dcm (TID 1500, referencing that SEG) in @sr_dir and
 * <stem>_pdf.dcm (the report as Encapsulated PDF) in @pdf_dir; any may be
 * NULL, and without @seg_dir the SR's SEG goes into @sr_dir. A NIfTI study
 * fails: these objects join the source study and reference its images. */
gboolean ct_study_export_dicom (CtStudy *study, const char *seg_dir, const char *sr_dir, const char *pdf_dir,
                                GError **error);

/* The same from a volume and analysis (borrowed; safe on any thread) under
 * @stem, a sanitised name; @options may be NULL. */
gboolean ct_study_export_write_masks (const CtVolume *volume, const CtAnalysis *analysis, const char *dir,
                                      const char *stem, const CtStudyExportOptions *options, GError **error);
gboolean ct_study_export_write_report (const CtVolume *volume, const CtAnalysis *analysis, const char *dir,
                                       const char *stem, const CtStudyExportOptions *options, GError **error);
/* ct_study_export_dicom () from a volume and analysis and the series the
 * volume was loaded from (all borrowed, not changed: safe on a worker while
 * the study keeps them alive) under @stem; @options may be NULL. */
gboolean ct_study_export_write_dicom (const CtVolume *volume, const CtAnalysis *analysis, const CtSeriesInfo *series,
                                      const char *seg_dir, const char *sr_dir, const char *pdf_dir, const char *stem,
                                      const CtStudyExportOptions *options, GError **error);
/* @text as the file @name (a plain file name) in @dir. */
gboolean ct_study_export_write_text (const char *text, const char *dir, const char *name,
                                     const CtStudyExportOptions *options, GError **error);

G_END_DECLS
