/* SPDX-License-Identifier: MIT */
#include "test-util.h"

#include <math.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

CtVolume *
test_util_make_chest_volume (int nx, int ny, int nz, const char *patient_id)
{
  CtVolume *v = ct_volume_new (nx, ny, nz);

  ct_volume_set_identity_geometry (v, 1.5, 1.5, 2.5);
  v->origin[0] = -96;
  v->origin[1] = -80;
  v->origin[2] = -300;
  for (int k = 0; k < nz; k++)
    for (int j = 0; j < ny; j++)
      for (int i = 0; i < nx; i++)
        {
          double x = (i - nx / 2.0) / (nx * 0.45), y = (j - ny / 2.0) / (ny * 0.35);
          double lx = fabs (x) - 0.45, ly = y / 0.7;
          float hu = -1000;
          if (x * x + y * y < 1)
            hu = 40;
          if (lx * lx / 0.09 + ly * ly < 1 && k > 1 && k < nz - 2)
            hu = -850;
          v->hu[((gsize) k * ny + j) * nx + i] = hu;
        }
  v->patient_id = g_strdup (patient_id);
  return v;
}

char *
test_util_link_fixture_models (const char *dir)
{
  g_autofree char *fixtures = g_build_filename (g_getenv ("CT_TRIAGE_SOURCE_DIR"), "tests", "fixtures", NULL);
  g_autofree char *lungs_src = g_build_filename (fixtures, "reduced-lungs.safetensors", NULL);
  g_autofree char *multitask_src = g_build_filename (fixtures, "reduced-multitask.safetensors", NULL);
  g_autofree char *models = g_build_filename (dir, "models", NULL);
  g_autofree char *lungs = g_build_filename (models, "lungs.safetensors", NULL);
  g_autofree char *multitask = g_build_filename (models, "multitask-spatial.safetensors", NULL);

  if (!g_file_test (lungs_src, G_FILE_TEST_EXISTS) || !g_file_test (multitask_src, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("tests/fixtures/reduced-*.safetensors are not there");
      return NULL;
    }
  g_assert_cmpint (g_mkdir (models, 0755), ==, 0);
  g_assert_cmpint (symlink (lungs_src, lungs), ==, 0);
  g_assert_cmpint (symlink (multitask_src, multitask), ==, 0);
  return g_steal_pointer (&models);
}

char *
test_util_make_tmp_dir (const char *pattern)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp (pattern, &error);

  g_assert_no_error (error);
  return dir;
}

void
test_util_empty_folder (const char *dir)
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
}

void
test_util_remove_tree (const char *dir)
{
  test_util_empty_folder (dir);
  g_rmdir (dir);
}

guint16
test_util_free_port (void)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr (GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (any, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, address, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

guint
test_util_count_stored (const char *dir, void (*each) (const char *path))
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (name[0] == '.')
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        n += test_util_count_stored (path, each);
      else if (g_str_has_suffix (name, ".dcm"))
        {
          if (each != NULL)
            each (path);
          n++;
        }
    }
  return n;
}
