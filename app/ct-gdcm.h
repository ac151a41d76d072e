/* SPDX-License-Identifier: MIT */
/* ct-gdcm.h: the project's only door to GDCM, a small C API over the C++
 * library. Every function catches every C++ exception and turns failures into
 * a GError in the CT_ERROR domain; nothing here aborts on a bad file.
 *
 * Thread safety: every call creates its own GDCM reader or writer, so calls
 * may run in parallel on different files (GDCM's dictionaries are initialised
 * once, by ct_gdcm_init(), before any thread starts).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a DICOM file says about itself, read without decoding pixel data.
 * Strings are owned by the header, trimmed of DICOM padding, NULL when the
 * attribute is absent or empty. */
typedef struct
{
  char *path;
  char *transfer_syntax_uid;  /* (0002,0010) */
  char *transfer_syntax_name; /* e.g. "JPEG-LS Lossless (1.2.840.10008.1.2.4.80)" */
  char *sop_class_uid;        /* (0008,0016), else (0002,0002) */
  char *sop_instance_uid;
  char *modality;
  char *image_type; /* backslash separated, e.g. "ORIGINAL\PRIMARY\AXIAL" */
  char *study_uid;
  char *series_uid;
  char *patient_id;
  char *patient_name;
  char *study_date;
  char *series_description;
  char *accession_number; /* (0008,0050) */
  char *patient_age;      /* (0010,1010), DICOM AS: "045Y" */
  char *patient_sex;      /* (0010,0040): M, F, O */
  char *series_number;    /* (0020,0011) */
  char *frame_of_reference_uid;

  gboolean is_dicomdir;    /* Media Storage Directory Storage */
  gboolean has_pixel_data; /* (7fe0,0010) present */
  int rows, columns;       /* 0 when absent */
  int n_frames;            /* 1 for single-frame images */
  int samples_per_pixel;
  int bits_allocated, bits_stored, high_bit;
  int pixel_representation; /* 0 unsigned, 1 two's complement */
  gint64 pixel_data_offset; /* file offset of the (7fe0,0010) tag, or -1 */
  char *photometric;

  gboolean has_position;
  double position[3]; /* ImagePositionPatient of the first frame, LPS mm */
  gboolean has_orientation;
  double orientation[6]; /* ImageOrientationPatient: row then column direction */
  gboolean has_pixel_spacing;
  double pixel_spacing[2];       /* DICOM order: [between rows, between columns] in mm */
  double slice_thickness;        /* mm, 0 when absent */
  double spacing_between_slices; /* mm, 0 when absent */
  double rescale_slope;          /* 1 when absent */
  double rescale_intercept;      /* 0 when absent */
  gboolean has_instance_number;
  int instance_number;

  /* Multi-frame images with per-frame functional groups (Enhanced CT):
   * n_frames * 3 positions, LPS mm, or NULL when the file has none. */
  double *frame_positions;
} CtGdcmHeader;

void ct_gdcm_init (void);

/* Runs header reading and GDCM decoding in the helper program at
 * @helper_path (ct-triage-decoder, see ct-decoder.h), so that a crash inside
 * GDCM costs only the file concerned; NULL: in this process (the default).
 * Set once, before any reading; the entry points find the helper with
 * ct_install_paths_find_decoder. */
void ct_gdcm_set_decoder (const char *helper_path);
const char *ct_gdcm_get_decoder (void);
CtGdcmHeader *ct_gdcm_read_header (const char *path, GError **error);
void ct_gdcm_header_free (CtGdcmHeader *header);

/* Decodes the whole pixel data of @path and writes the stored values (before
 * rescale, after masking to BitsStored and sign extension) as floats into
 * @out, frame after frame, each frame row after row. @n_values must equal
 * frames * rows * columns of the decoded image, else CT_ERROR_CORRUPT.
 * Undecodable data gives CT_ERROR_UNSUPPORTED_SYNTAX naming the file and the
 * transfer syntax. Only one sample per pixel is accepted. */
gboolean ct_gdcm_read_pixels (const char *path, float *out, gsize n_values, GError **error);

/* As ct_gdcm_read_pixels (), for the file @header was read from. Native
 * (uncompressed little endian) 16-bit single-frame files are read straight
 * from the file at the recorded pixel data offset, without GDCM's copies;
 * everything else goes through GDCM. */
gboolean ct_gdcm_read_header_pixels (const CtGdcmHeader *header, float *out, gsize n_values, GError **error);

/* Paths (absolute) of every image a DICOMDIR references; a NULL-terminated
 * array, empty when it references none. */
char **ct_gdcm_read_dicomdir (const char *path, GError **error);

/* A fresh DICOM UID (GDCM's generator, "2.25." style root). */
char *ct_gdcm_generate_uid (void);

typedef enum
{
  CT_GDCM_SYNTAX_EXPLICIT_LITTLE,   /* 1.2.840.10008.1.2.1 */
  CT_GDCM_SYNTAX_JPEG_LS_LOSSLESS,  /* 1.2.840.10008.1.2.4.80 */
  CT_GDCM_SYNTAX_JPEG2000_LOSSLESS, /* 1.2.840.10008.1.2.4.90 */
  CT_GDCM_SYNTAX_RLE_LOSSLESS,      /* 1.2.840.10008.1.2.5 */
} CtGdcmSyntax;

/* One CT Image Storage slice to write. Strings may be NULL (then left out),
 * except the UIDs, which must be set. */
typedef struct
{
  const char *path;
  int rows, columns;
  const gint16 *pixels;          /* [frames][rows][columns] stored values, signed */
  int n_frames;                  /* 0 or 1: a single-frame image; more: a legacy
                                  * multi-frame CT image (NumberOfFrames, frames
                                  * spacing_between_slices apart along the normal) */
  double spacing_between_slices; /* mm, written for multi-frame images */
  double position[3];            /* LPS mm of the first pixel's centre */
  double orientation[6];         /* row direction, column direction */
  double pixel_spacing[2];       /* [between rows, between columns] mm */
  double slice_thickness;        /* mm */
  double rescale_slope, rescale_intercept;
  int instance_number;
  const char *study_uid, *series_uid, *sop_instance_uid, *frame_of_reference_uid;
  const char *patient_id, *patient_name, *study_date, *series_description;
  const char *accession_number, *patient_age, *patient_sex, *series_number; /* optional */
  CtGdcmSyntax syntax;
} CtGdcmSliceSpec;

gboolean ct_gdcm_write_ct_slice (const CtGdcmSliceSpec *spec, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtGdcmHeader, ct_gdcm_header_free)

G_END_DECLS
