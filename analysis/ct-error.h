/* SPDX-License-Identifier: MIT */
/* ct-error.h: the project's error domain for everything a user can cause. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CT_ERROR (ct_error_quark ())

typedef enum
{
  CT_ERROR_FAILED,              /* anything without a better code */
  CT_ERROR_IO,                  /* a file could not be opened or read */
  CT_ERROR_NOT_DICOM,           /* not a DICOM file (and not NIfTI) */
  CT_ERROR_NOT_CT,              /* a valid image, but not CT (MR, US, XA ...) */
  CT_ERROR_NO_PIXEL_DATA,       /* SR, SEG, RT or another object without an image */
  CT_ERROR_UNSUPPORTED_SYNTAX,  /* GDCM cannot decode this transfer syntax */
  CT_ERROR_CORRUPT,             /* header or pixel data inconsistent or truncated */
  CT_ERROR_INCONSISTENT_SERIES, /* mixed sizes or orientations, duplicates ... */
  CT_ERROR_BAD_WEIGHTS,         /* a weights file that does not fit the architecture */
  CT_ERROR_TOO_SMALL,           /* a study too small for a step (e.g. the classifier) */
  CT_ERROR_NO_STUDIES,          /* nothing loadable under a path */
  CT_ERROR_CANCELLED,           /* the user cancelled (analysis has no GIO) */
} CtError;

GQuark ct_error_quark (void);

G_END_DECLS
