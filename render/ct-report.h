/* SPDX-License-Identifier: MIT */
/* ct-report.h: a one-page summary of one analysed study, as PDF or PNG:
 * key axial and coronal slices with overlays, the numbers of the analysis,
 * the model, and the statement that this is not a medical device. */
#pragma once

#include <glib/gi18n-lib.h>

#include <cairo.h>
#include <glib.h>

#include "ct-analysis.h"
#include "ct-volume.h"

G_BEGIN_DECLS

/* N_ () for xgettext; the page shows _ (CT_REPORT_DISCLAIMER). */
#define CT_REPORT_DISCLAIMER                                                                                           \
  N_ ("Not a certified medical device. The COVID-19 probability comes from a classifier trained on "                   \
      "synthetic phantom studies only; the lesion network also saw a few real slices. Not for "                        \
      "clinical use.")

typedef enum
{
  CT_REPORT_FORMAT_PDF,
  CT_REPORT_FORMAT_PNG,
} CtReportFormat;

typedef struct
{
  const CtVolume *volume;     /* required, borrowed */
  const CtAnalysis *analysis; /* borrowed; NULL prints "not analysed"; the
                               * models named are the analysis' own */
  const char *title;          /* NULL: "COVID-19 CT triage report" */
  /* Optional DICOM facts the volume does not carry (borrowed; NULL prints
   * "not recorded"): (0008,0050), (0010,1010) as "045Y", (0010,0040). */
  const char *accession_number;
  const char *patient_age;
  const char *patient_sex;
} CtReportInfo;

/* A DICOM person name (PN: Family^Given^Middle^Prefix^Suffix, only the
 * first, alphabetic, group of "="-separated groups) as it is read:
 * "Prefix Given Middle Family Suffix", empty parts left out; NULL or an
 * empty name gives NULL. */
char *ct_report_format_person_name (const char *dicom_name);

/* The patient and study block of the page, "label\tvalue" rows (name, ID,
 * accession, age and sex, study date, series, review status),
 * NULL-terminated; free with g_strfreev (). */
char **ct_report_dup_patient_rows (const CtReportInfo *info);

/* The status line of every report: no radiologist has reviewed it. */
#define CT_REPORT_REVIEW_STATUS N_ ("Not reviewed by a radiologist")

/* A4 portrait, 595 x 842 pt (PNG: 150 dpi, 1240 x 1754 pixels). */
#define CT_REPORT_PAGE_WIDTH_PT 595.0
#define CT_REPORT_PAGE_HEIGHT_PT 842.0

/* Draws the page into cr, page units in points (for print or preview). */
void ct_report_draw_page (const CtReportInfo *info, cairo_t *cr);

/* The results table of the page, one "label\tvalue" string per row
 * (probability, severity, category, volumes, quality, timing, the loader's
 * notes on the series, model and its SHA-256), NULL-terminated; free with
 * g_strfreev (). */
char **ct_report_dup_result_rows (const CtReportInfo *info);

/* Writes the page to path; fails with CT_ERROR_IO when it cannot. */
gboolean ct_report_write (const CtReportInfo *info, const char *path, CtReportFormat format, GError **error);

/* The slices the report shows: the axial and the coronal slice with the
 * most lesion voxels (else the most lung, else the middle slice). Indices in
 * CtSliceGeometry slice order. */
void ct_report_pick_key_slices (const CtVolume *volume, const CtAnalysis *analysis, int *out_axial_slice,
                                int *out_coronal_slice);

G_END_DECLS
