/* SPDX-License-Identifier: MIT */
/* ct-series-info.h: one CT series found by discovery (ct-study-scan.h),
 * before its pixels are read: the DICOM headers of its files, or one NIfTI
 * file. ct_series_load () (ct-series-loader.h) turns it into a CtVolume. */
#pragma once

#include <glib.h>

#include "ct-gdcm.h"

G_BEGIN_DECLS

typedef enum
{
  CT_SERIES_KIND_DICOM,
  CT_SERIES_KIND_NIFTI,
} CtSeriesKind;

typedef struct
{
  CtSeriesKind kind;
  /* The folder holding the series' files (their common folder), or the
   * NIfTI file: what `path` means in reports and for ct_series_load_path (). */
  char *path;
  char *study_uid;  /* NULL for NIfTI */
  char *series_uid; /* NULL for NIfTI */
  char *patient_id;
  char *patient_name;
  char *study_date;
  char *series_description;
  char *accession_number; /* these four: NULL for NIfTI or when absent */
  char *patient_age;      /* DICOM AS, e.g. "045Y" */
  char *patient_sex;      /* M, F, O */
  char *series_number;
  char *modality;     /* "CT"; NULL for NIfTI */
  int rows, columns;  /* of the first image */
  int n_images;       /* slices before assembly (frames counted) */
  GPtrArray *headers; /* CtGdcmHeader*, one per file; NULL for NIfTI */
} CtSeriesInfo;

CtSeriesInfo *ct_series_info_new_dicom (GPtrArray *headers); /* takes @headers */
CtSeriesInfo *ct_series_info_new_nifti (const char *path, int columns, int rows, int slices);
void ct_series_info_free (CtSeriesInfo *self);
/* What makes a series "the same one again" (ct-triage-cli serve, the
 * window's receiver): its SeriesInstanceUID, the number of its files and the
 * SHA-256 of its sorted SOPInstanceUIDs, "UID:N:SHA256"; for NIfTI
 * "path:<file>". A resend of the same instances has the same identity; a
 * series completed later (more instances) has another. Owned string. */
char *ct_series_info_dup_identity (const CtSeriesInfo *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtSeriesInfo, ct_series_info_free)

G_END_DECLS
