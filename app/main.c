/* SPDX-License-Identifier: MIT */
/* main.c: the entry point of the ct-triage workstation. Every folder, DICOM,
 * DICOMDIR or NIfTI path given on the command line is opened at start. */
#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "ct-application.h"
#include "ct-gdcm.h"
#include "ct-install-paths.h"

/* Translations and the settings schema. Installed, they are beside the
 * program (a DESTDIR-staged or moved install) or at the configured prefix;
 * uninstalled runs (meson devenv, build-aux/run, the tests) point
 * CT_TRIAGE_LOCALE_DIR and GSETTINGS_SCHEMA_DIR at the build folder, so the
 * program itself never knows that folder. */
static void
find_data_folders (void)
{
  const char *locale_env = g_getenv ("CT_TRIAGE_LOCALE_DIR");
  g_autofree char *locale_dir = NULL;
  g_autofree char *data_dir = ct_install_paths_get_data_dir ();

  if (locale_env != NULL && *locale_env != '\0')
    locale_dir = g_strdup (locale_env);
  else
    locale_dir = ct_install_paths_get_locale_dir ();
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);

  /* GSettings looks in $XDG_DATA_DIRS only, which knows the configured
   * prefix at best: a moved install has to name its own schemas. */
  if (g_getenv ("GSETTINGS_SCHEMA_DIR") == NULL && !g_str_equal (data_dir, CT_TRIAGE_DATADIR))
    {
      g_autofree char *schema_dir = g_build_filename (data_dir, "glib-2.0", "schemas", NULL);
      g_autofree char *compiled = g_build_filename (schema_dir, "gschemas.compiled", NULL);

      if (g_file_test (compiled, G_FILE_TEST_IS_REGULAR))
        g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
    }
}

/* dconf writes through the session bus: without one (ssh -X, a kiosk)
 * every change fails with a warning. A backend chosen by the user
 * (GSETTINGS_BACKEND) is left alone. */
static GSettings *
new_settings (void)
{
  const char *runtime_dir = g_get_user_runtime_dir ();
  g_autofree char *bus_socket = g_build_filename (runtime_dir, "bus", NULL);
  gboolean has_session_bus = g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL ||
                             g_file_test (bus_socket, G_FILE_TEST_EXISTS);

  if (g_getenv ("GSETTINGS_BACKEND") == NULL && !has_session_bus)
    {
      g_autoptr (GSettingsBackend) memory = g_memory_settings_backend_new ();

      g_message ("No D-Bus session bus: settings are kept for this run only");
      return g_settings_new_with_backend (APPLICATION_ID, memory);
    }
  return g_settings_new (APPLICATION_ID);
}

/* g_settings_new () aborts when the schema is missing (an install whose
 * post-install step did not run, an uninstalled run outside meson devenv):
 * say what is missing instead of crashing. */
static gboolean
check_settings_schema (GError **error)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;
  g_autofree char *data_dir = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  if (schema != NULL)
    return TRUE;
  data_dir = ct_install_paths_get_data_dir ();
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               /* ASCII only: this is printed before any window, often in
                * the C locale, where curly quotes become "?". */
               _ ("The settings schema %s is not installed. Compile it with: "
                  "glib-compile-schemas %s/glib-2.0/schemas (or run an "
                  "uninstalled build through meson devenv)"),
               APPLICATION_ID, data_dir);
  return FALSE;
}

int
main (int argc, char *argv[])
{
  g_autoptr (CtApplication) application = NULL;
  g_autoptr (GError) error = NULL;

  setlocale (LC_ALL, "");
  find_data_folders ();
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* GDCM in the decoder helper (app/ct-decoder.h): a crash in GDCM costs one
   * file, not the window. */
  {
    g_autofree char *decoder = ct_install_paths_find_decoder (g_getenv ("CT_TRIAGE_DECODER"));
    if (decoder != NULL)
      ct_gdcm_set_decoder (decoder);
  }

  g_set_application_name (_ ("CT Triage"));
  if (!check_settings_schema (&error))
    {
      g_printerr ("ct-triage: %s\n", error->message);
      return 1;
    }
  {
    /* The documented variables (README): CT_TRIAGE_MODEL_DIR overrides the
     * installed models, CT_TRIAGE_CACHE_DIR the results cache's folder. */
    const char *cache_env = g_getenv ("CT_TRIAGE_CACHE_DIR");
    g_autofree char *model_dir = ct_install_paths_find_model_dir (g_getenv ("CT_TRIAGE_MODEL_DIR"));

    g_autoptr (GSettings) settings = new_settings ();

    application = ct_application_new (model_dir, cache_env != NULL && *cache_env != '\0' ? cache_env : NULL, settings);
  }
  return g_application_run (G_APPLICATION (application), argc, argv);
}
