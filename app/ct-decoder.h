/* SPDX-License-Identifier: MIT */
/* ct-decoder.h: crash containment for GDCM. Debian's GDCM keeps its
 * assert()s, so a truncated or odd file can abort the process; C++ catch
 * cannot stop that. With a decoder helper set (ct_gdcm_set_decoder), the
 * public ct_gdcm_read_header, ct_gdcm_read_pixels and ct_gdcm_read_dicomdir
 * run GDCM in ct-triage-decoder processes (one per calling thread at a
 * time, kept and reused for the following files), talking over pipes: a
 * crash costs the file it happened on, whose error names it and the signal;
 * the next call starts a fresh helper. Without a helper they run in process.
 *
 * Wire format, both ways: a 32-bit little-endian length, then a serialised
 * GVariant. Request "(yst)": 'H' header, 'P' pixels, 'D' DICOMDIR; the path;
 * the number of pixel values. Reply "(bisa{sv}as)": ok, error code, message,
 * the header's fields, the DICOMDIR's files; after an ok 'P' reply the
 * values follow as raw floats. */
#pragma once

#include "ct-gdcm.h"

G_BEGIN_DECLS

/* GDCM in this process (ct-gdcm.cpp): for the helper and ct-decoder.c. */
CtGdcmHeader *ct_gdcm_direct_read_header (const char *path, GError **error);
gboolean ct_gdcm_direct_read_pixels (const char *path, float *out, gsize n_values, GError **error);
char **ct_gdcm_direct_read_dicomdir (const char *path, GError **error);

/* A helper that does not answer one request within @seconds is killed and
 * the file gets an error naming it (0: the default, 120 s). After 32
 * failures in a row (crashes or hangs, no answer between them) no helper is
 * started again and calls fail at once. */
void ct_gdcm_set_decoder_timeout (guint seconds);

/* The helper's loop: requests from @in_fd, replies on @out_fd, until end of
 * input. Returns the exit status. */
int ct_decoder_serve (int in_fd, int out_fd);

G_END_DECLS
