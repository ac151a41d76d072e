/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "ct-install-paths.h"

/* The model every analysis needs: a folder without it holds no models. */
#define LUNGS_MODEL_FILE "lungs.safetensors"

char *
ct_install_paths_get_exe_dir (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);

  return exe != NULL ? g_path_get_dirname (exe) : NULL;
}

/* <exe dir>/@relative/@child, or NULL when the layout has no relative path
 * (an absolute bindir, see meson.build) or the executable is unknown. */
static char *
beside_exe (const char *relative, const char *child)
{
  g_autofree char *exe_dir = NULL;
  g_autofree char *joined = NULL;

  if (relative == NULL || *relative == '\0')
    return NULL;
  exe_dir = ct_install_paths_get_exe_dir ();
  if (exe_dir == NULL)
    return NULL;
  joined = g_build_filename (exe_dir, relative, child, NULL);
  /* Without the "bin/../" so that messages and comparisons see the plain
   * folder. */
  return g_canonicalize_filename (joined, NULL);
}

static char *
installed_dir (const char *relative, const char *configured)
{
  g_autofree char *relocated = beside_exe (relative, NULL);

  if (relocated != NULL && g_file_test (relocated, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&relocated);
  return g_strdup (configured);
}

char *
ct_install_paths_get_data_dir (void)
{
  return installed_dir (CT_TRIAGE_BINDIR_TO_DATADIR, CT_TRIAGE_DATADIR);
}

char *
ct_install_paths_get_locale_dir (void)
{
  return installed_dir (CT_TRIAGE_BINDIR_TO_LOCALEDIR, LOCALEDIR);
}

static gboolean
has_models (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, LUNGS_MODEL_FILE, NULL);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

char *
ct_install_paths_find_model_dir (const char *override_dir)
{
  g_autofree char *relocated = NULL;
  g_autofree char *configured = NULL;

  if (override_dir != NULL && *override_dir != '\0')
    return g_strdup (override_dir);

  /* The copy beside the running program first: a staged or moved install
   * must not use an older one at the configured prefix. */
  relocated = beside_exe (CT_TRIAGE_BINDIR_TO_DATADIR, "ct-triage" G_DIR_SEPARATOR_S "models");
  if (relocated != NULL && has_models (relocated))
    return g_steal_pointer (&relocated);
  /* The configured folder, with or without models: when it has none the
   * error the user sees names the folder an install would use. */
  configured = g_build_filename (CT_TRIAGE_PKGDATADIR, "models", NULL);
  return g_steal_pointer (&configured);
}

char *
ct_install_paths_find_decoder (const char *override_path)
{
  g_autofree char *relocated = NULL;
  g_autofree char *configured = NULL;

  if (override_path != NULL && *override_path != '\0')
    return g_strdup (override_path);
  relocated = beside_exe (CT_TRIAGE_BINDIR_TO_LIBEXECDIR, "ct-triage-decoder");
  if (relocated != NULL && g_file_test (relocated, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&relocated);
  configured = g_build_filename (CT_TRIAGE_LIBEXECDIR, "ct-triage-decoder", NULL);
  if (g_file_test (configured, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&configured);
  return NULL;
}
