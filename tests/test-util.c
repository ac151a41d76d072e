/* SPDX-License-Identifier: MIT */
#include "test-util.h"

#include <glib/gstdio.h>

void
test_util_remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        test_util_remove_tree (path);
      else
        g_remove (path);
    }
  g_rmdir (dir);
}
