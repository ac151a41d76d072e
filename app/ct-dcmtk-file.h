/* SPDX-License-Identifier: MIT */
/* ct-dcmtk-file.h: a DICOM file written by DCMTK with every write error
 * seen, for the C++ files over DCMTK (ct-dicom-output.cpp, the receiver's
 * ct-dicom-receiver.cpp). Not a C API.
 *
 * DcmFileFormat::saveFile () cannot be used: its stream writes through
 * stdio and closes the file in its destructor without looking at the
 * result, so on a full disk the last buffered part of the file is lost
 * while saveFile () still returns EC_Normal (a short SEG or SR with a page
 * of room too few; tests/test-faults.c, /faults/full-disk-every-page).
 * ct_dcmtk_save_file () writes the same bytes with the stream in its hands
 * and compares what the stream was given (tell ()) with the file's size once
 * it is closed. */
#pragma once

#include <glib.h>

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dcfilefo.h>

/* Writes @ff to @path in @xfer (EXS_Unknown: the data set's own transfer
 * syntax). False with a GError (CT_ERROR_IO) naming @path and the system's
 * reason when any byte did not reach the file; @path is then left for the
 * caller to remove. */
bool ct_dcmtk_save_file (DcmFileFormat &ff, const char *path, E_TransferSyntax xfer, GError **error);
