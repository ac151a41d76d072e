/* SPDX-License-Identifier: MIT */
/* ct-dicom-output.h: results as DICOM objects, through DCMTK (dcmseg, dcmsr,
 * dcmiod, dcmfg): a binary Segmentation (SEG) of the lungs and the lesions
 * on the source series' grid, and a TID 1500 measurement report (SR) of the
 * analysis. A small C API over the one C++ file ct-dicom-output.cpp, in the
 * manner of ct-gdcm.h: every C++ exception and every DCMTK error becomes a
 * GError in the CT_ERROR domain. ct-study-export.c finds the source images
 * and writes the files confined to their folder (temporary name, rename).
 */
#pragma once

#include <glib.h>

#include "ct-analysis.h"
#include "ct-volume.h"

G_BEGIN_DECLS

/* The source image of one slice of the volume. */
typedef struct
{
  const char *sop_class_uid;
  const char *sop_instance_uid;
  int frame_number; /* 1-based frame of a multi-frame image; 0: a single-frame image */
  /* Where the image (frame) lies, LPS mm of its first pixel. The SEG's frame
   * of the slice goes there, not to the grid's position: they differ after a
   * gap in a series with missing slices or varying gaps. FALSE: the grid's. */
  gboolean has_position;
  double position[3];
} CtDicomSourceImage;

/* What both objects need of the source series and the analysis. */
typedef struct
{
  const CtVolume *volume;     /* the grid (nx, ny, nz, origin, spacing, direction) */
  const CtAnalysis *analysis; /* masks on that grid, the numbers, the models */
  /* One file of the source series: Patient, General Study and Frame of
   * Reference attributes are copied from it. */
  const char *source_path;
  const char *series_uid;             /* the source SeriesInstanceUID */
  const char *frame_of_reference_uid; /* may be NULL */
  const CtDicomSourceImage *slices;   /* [volume->nz]: slice k's source image */
  const char *software_version;       /* e.g. PACKAGE_VERSION */
} CtDicomOutputSource;

/* Identifiers of a written SEG, for the SR that references it. */
typedef struct
{
  char *sop_class_uid;
  char *sop_instance_uid;
  char *series_uid;
} CtDicomSegIds;

void ct_dicom_seg_ids_clear (CtDicomSegIds *ids);

/* Writes the SEG at @path: segment 1 right lung, 2 left lung, 3 lesions
 * (ground-glass opacity and consolidation), one frame per slice and segment
 * where that segment is present, each frame at its source image's plane
 * position with a derivation reference to that image. Every slice of the
 * volume is one source image (the loader interpolates none), so a series
 * with missing slices gets frames only where it has images. @out_ids: filled on success. */
gboolean ct_dicom_output_write_seg (const CtDicomOutputSource *source, const char *path, CtDicomSegIds *out_ids,
                                    GError **error);

/* Writes the TID 1500 Comprehensive SR at @path; its volumetric measurement
 * groups reference the segments of the SEG @seg. */
gboolean ct_dicom_output_write_sr (const CtDicomOutputSource *source, const CtDicomSegIds *seg, const char *path,
                                   GError **error);

/* Writes the PDF file @pdf_path as an Encapsulated PDF object at @path, in
 * the source study, in a series of its own. */
gboolean ct_dicom_output_write_pdf (const CtDicomOutputSource *source, const char *pdf_path, const char *path,
                                    GError **error);

/* One frame of a SEG file read back (for tests and a later viewer). */
typedef struct
{
  int segment_number;            /* 1-based */
  double position[3];            /* ImagePositionPatient of the frame, LPS mm */
  char *source_sop_instance_uid; /* the frame's first source image, or NULL */
  guint8 *pixels;                /* [rows][columns], 0/1 */
} CtDicomSegFrame;

typedef struct
{
  int rows, columns;
  double orientation[6];   /* shared Plane Orientation: row then column direction */
  double pixel_spacing[2]; /* shared Pixel Measures: [between rows, between columns] mm */
  char *study_uid, *series_uid, *frame_of_reference_uid, *referenced_series_uid;
  GPtrArray *segment_labels; /* char*, segment n at index n - 1 */
  GPtrArray *frames;         /* CtDicomSegFrame* */
} CtDicomSeg;

CtDicomSeg *ct_dicom_seg_read (const char *path, GError **error);
void ct_dicom_seg_free (CtDicomSeg *seg);

/* DCMTK's own log down to errors, once per process (its warnings would go
 * to standard error, which is the programs' own); every DCMTK user of the
 * core (these writers, the receiver) calls it first. */
void ct_dicom_quiet_logging (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtDicomSeg, ct_dicom_seg_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CtDicomSegIds, ct_dicom_seg_ids_clear)

G_END_DECLS
