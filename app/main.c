/* SPDX-License-Identifier: MIT */
/* main.c: the entry point of the ct-triage workstation. Every folder, DICOM,
 * DICOMDIR or NIfTI path given on the command line is opened at start. */
#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "ct-application.h"

/* Run from the build folder (uninstalled), use the schema and the
 * translations compiled there. */
static void
use_build_folder_when_uninstalled (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *exe_dir = exe != NULL ? g_path_get_dirname (exe) : NULL;
  g_autofree char *schema_dir = g_build_filename (CT_TRIAGE_BUILD_DIR, "resources", NULL);
  g_autofree char *locale_dir = g_build_filename (CT_TRIAGE_BUILD_DIR, "po", NULL);

  if (exe_dir == NULL || !g_str_equal (exe_dir, CT_TRIAGE_BUILD_DIR))
    {
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      return;
    }
  if (g_getenv ("GSETTINGS_SCHEMA_DIR") == NULL)
    g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CtApplication) application = NULL;

  setlocale (LC_ALL, "");
  use_build_folder_when_uninstalled ();
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("CT Triage"));
  application = ct_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
