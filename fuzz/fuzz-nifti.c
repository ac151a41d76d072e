/* SPDX-License-Identifier: MIT */
/* libFuzzer target: ct_nifti_load on arbitrary bytes, as .nii and as
 * .nii.gz (issue 11). The reader takes a path: the input goes to a file in
 * a private folder first. Any crash, leak-free abort or sanitizer report is
 * a finding; a refusal (GError) is the expected outcome for most inputs. */
#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <zlib.h>

#include "ct-nifti.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static char *folder;

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *plain = NULL, *packed = NULL;
  GError *error = NULL;
  CtVolume *v;
  gzFile out;

  if (folder == NULL)
    folder = g_dir_make_tmp ("ct-fuzz-nifti-XXXXXX", NULL);
  plain = g_build_filename (folder, "in.nii", NULL);
  packed = g_build_filename (folder, "in.nii.gz", NULL);

  if (g_file_set_contents (plain, (const char *) data, (gssize) size, NULL))
    {
      v = ct_nifti_load (plain, &error);
      g_clear_pointer (&v, ct_volume_unref);
      g_clear_error (&error);
    }
  out = gzopen (packed, "wb1");
  if (out != NULL)
    {
      if (size > 0)
        gzwrite (out, data, (unsigned) size);
      gzclose (out);
      v = ct_nifti_load (packed, &error);
      g_clear_pointer (&v, ct_volume_unref);
      g_clear_error (&error);
    }
  g_unlink (plain);
  g_unlink (packed);
  return 0;
}
