/* SPDX-License-Identifier: MIT */
/* The main window in Russian (po/README.md): the window is built under
 * LANGUAGE=ru with the catalogues of the build folder, as meson devenv runs
 * the program, and its header bar and menu show the Russian of po/ru.po. A
 * template or menu label that is not translatable="yes", or a catalogue that
 * does not reach GtkBuilder, leaves the English there and fails. */

#include "test-gui-util.h"
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <gtk/gtk.h>

#include "ct-application.h"
#include "ct-window.h"

/* Expected texts, from po/ru.po (msgids in ui/ct-window.ui). */
#define RU_STUDY_LIST_TOOLTIP "Показать или скрыть список исследований (F9)"
#define RU_LAYOUT_SUBMENU "_Расположение"

static CtWindow *window;

/* Depth-first: the first widget whose tooltip is @text. */
static GtkWidget *
find_tooltip (GtkWidget *widget, const char *text)
{
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), text) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_tooltip (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Whether a menu, its sections or submenus hold an item labelled @label. */
static gboolean
menu_has_label (GMenuModel *menu, const char *label)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *text = NULL;
      g_autoptr (GMenuLinkIter) links = NULL;

      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &text) && strcmp (text, label) == 0)
        return TRUE;
      links = g_menu_model_iterate_item_links (menu, i);
      while (g_menu_link_iter_next (links))
        {
          g_autoptr (GMenuModel) link = g_menu_link_iter_get_value (links);

          if (menu_has_label (link, label))
            return TRUE;
        }
    }
  return FALSE;
}

static GMenuModel *
find_menu_model (GtkWidget *widget)
{
  if (GTK_IS_MENU_BUTTON (widget) && gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget)) != NULL)
    return gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GMenuModel *found = find_menu_model (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_header_bar_in_russian (void)
{
  GtkWidget *titlebar = gtk_window_get_titlebar (GTK_WINDOW (window));
  GtkWidget *root = titlebar != NULL ? titlebar : GTK_WIDGET (window);
  GMenuModel *menu;

  g_assert_nonnull (find_tooltip (GTK_WIDGET (window), RU_STUDY_LIST_TOOLTIP));
  g_assert_null (find_tooltip (GTK_WIDGET (window), "Show or hide the study list (F9)"));
  menu = find_menu_model (root);
  if (menu == NULL)
    menu = find_menu_model (GTK_WIDGET (window));
  g_assert_nonnull (menu);
  g_assert_true (menu_has_label (menu, RU_LAYOUT_SUBMENU));
  g_assert_false (menu_has_label (menu, "_Layout"));
}

static void
skip (gconstpointer why)
{
  g_test_skip (why);
}

int
main (int argc, char *argv[])
{
  const char *build = test_gui_env_dir ("CT_TRIAGE_BUILD_DIR");
  g_autofree char *schema_dir = g_build_filename (build, "resources", NULL);
  g_autofree char *locale_dir = g_build_filename (build, "po", NULL);
  g_autofree char *mo = g_build_filename (locale_dir, "ru", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  g_autoptr (GSettings) settings = NULL;
  CtApplication *application;
  GTestDBus *bus;
  g_autofree char *display = NULL;
  int status;

  g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  test_gui_use_cairo_renderer ();
  /* gettext ignores LANGUAGE in the C locale: C.UTF-8 (po/README.md). */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "ru", TRUE);
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_add_data_func ("/gui-i18n/header-bar-in-russian", "no display: run under xvfb-run", skip);
      return g_test_run ();
    }
  if (setlocale (LC_ALL, "") == NULL)
    {
      g_test_add_data_func ("/gui-i18n/header-bar-in-russian", "no C.UTF-8 locale", skip);
      return g_test_run ();
    }
  if (!g_file_test (mo, G_FILE_TEST_EXISTS))
    g_error ("%s was not built (meson compile builds the catalogues)", mo);
  /* As app/main.c does with CT_TRIAGE_LOCALE_DIR. */
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  display = g_strdup (g_getenv ("DISPLAY"));
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);
  gtk_init ();

  settings = g_settings_new (APPLICATION_ID);
  application = ct_application_new (NULL, g_getenv ("CT_TRIAGE_CACHE_DIR"), settings);
  g_assert_true (g_application_register (G_APPLICATION (application), NULL, NULL));
  window = ct_window_new (GTK_APPLICATION (application), ct_application_get_queue (application), settings);

  g_test_add_func ("/gui-i18n/header-bar-in-russian", test_header_bar_in_russian);
  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_object_unref (application);
  /* Not g_test_dbus_down (): it waits for GTK's bus connection, which GTK
   * keeps until exit (as in test-gui.c). */
  g_test_dbus_stop (bus);
  return status;
}
