/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the file-name sanitiser every output name goes through
 * (ct_study_export_sanitize_name: masks, reports, exports, named after a
 * series UID or a patient's name from the file; issue 11's path traversal).
 * Checked on any bytes: the name is never empty, at most 128 bytes, only
 * [A-Za-z0-9._-], never ".", ".." or hidden, so that a file made of it lies
 * directly in its folder; a DICOM UID comes out unchanged. (The DICOMDIR
 * confinement is checked by fuzz-dicom, which follows fuzzed file IDs.) */
#include <glib.h>
#include <string.h>

#include "ct-study-export.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static gboolean
is_uid (const char *s)
{
  /* Digits and dots, a dot only after a digit: what a DICOM UID is. */
  if (s[0] == '\0')
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (!(g_ascii_isdigit (*p) || (*p == '.' && p > s && g_ascii_isdigit (p[-1]))))
      return FALSE;
  return strlen (s) <= 64;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *raw = g_strndup ((const char *) data, size);
  g_autofree char *name = ct_study_export_sanitize_name (raw);
  gsize n = strlen (name);

  g_assert (n > 0 && n <= 128);
  g_assert (name[0] != '.');
  for (gsize i = 0; i < n; i++)
    g_assert (g_ascii_isalnum (name[i]) || name[i] == '.' || name[i] == '-' || name[i] == '_');
  {
    g_autofree char *file = g_build_filename ("/out", name, NULL);
    g_autofree char *canonical = g_canonicalize_filename (file, NULL);
    g_autofree char *dir = g_path_get_dirname (canonical);
    g_assert_cmpstr (dir, ==, "/out");
  }
  if (is_uid (raw))
    g_assert_cmpstr (name, ==, raw);
  return 0;
}
