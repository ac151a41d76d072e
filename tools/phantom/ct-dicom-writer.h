/* SPDX-License-Identifier: MIT */
/* ct-dicom-writer.h: writes a CtVolume as a CT Image Storage series, one
 * DICOM file per slice (through the GDCM shim). Used by the phantom generator,
 * the load benchmark and the round-trip tests. */
#pragma once

#include <glib.h>

#include "ct-volume.h"

G_BEGIN_DECLS

typedef enum
{
  CT_DICOM_SYNTAX_EXPLICIT_LITTLE,   /* uncompressed, 1.2.840.10008.1.2.1 */
  CT_DICOM_SYNTAX_JPEG_LS_LOSSLESS,  /* 1.2.840.10008.1.2.4.80 */
  CT_DICOM_SYNTAX_JPEG2000_LOSSLESS, /* 1.2.840.10008.1.2.4.90 */
  CT_DICOM_SYNTAX_RLE_LOSSLESS,      /* 1.2.840.10008.1.2.5 */
} CtDicomSyntax;

typedef struct
{
  /* Stored value = round (HU - rescale_intercept), signed int16 with
   * RescaleSlope 1, clamped to [-32768, 32767]. Typical: -1024, -1000, 0. */
  double rescale_intercept;
  CtDicomSyntax syntax;
  /* When TRUE, file names are a seeded random permutation of the slice
   * indices, so that the order on disk differs from the anatomical order. */
  gboolean shuffle_file_names;
  guint32 seed;
  const char *series_description; /* NULL: the volume's, else "ct-triage" */
} CtDicomWriteOptions;

void ct_dicom_write_options_init (CtDicomWriteOptions *options);

/* Writes @volume into @directory (created when missing) as files
 * "IM00000.dcm"... Slice k gets ImagePositionPatient = origin + k *
 * spacing[2] * direction[6..8], ImageOrientationPatient = direction[0..5],
 * PixelSpacing = [spacing[1], spacing[0]], SliceThickness = spacing[2],
 * InstanceNumber k + 1. Study/series UIDs and patient id come from the
 * volume or are generated. @options may be NULL for the defaults
 * (intercept -1024, explicit little endian, names in slice order). */
gboolean ct_dicom_write_series (const CtVolume *volume, const char *directory, const CtDicomWriteOptions *options,
                                GError **error);

/* Writes @volume as ONE legacy multi-frame CT image file at @path
 * (NumberOfFrames = nz, SpacingBetweenSlices = spacing[2], frames stacked
 * along the slice normal from ImagePositionPatient of frame 0). The slice
 * direction must be the normal of the rows and columns (no tilt); only
 * explicit little endian. For tests of multi-frame loading. */
gboolean ct_dicom_write_multiframe (const CtVolume *volume, const char *path, const CtDicomWriteOptions *options,
                                    GError **error);

G_END_DECLS
