/* SPDX-License-Identifier: MIT */
#include "test-gui-util.h"

GtkWidget *
test_gui_find_widget (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = test_gui_find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

const char *
test_gui_env_dir (const char *variable)
{
  const char *dir = g_getenv (variable);

  if (dir == NULL || *dir == '\0')
    g_error ("%s is not set: run the GUI test through meson test", variable);
  return dir;
}

void
test_gui_iterate_until (gboolean (*done) (gpointer), gpointer data, double timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);

  while (!done (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
}

void
test_gui_use_cairo_renderer (void)
{
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  if (g_str_equal (g_getenv ("GSK_RENDERER"), "cairo"))
    g_setenv ("GDK_DEBUG", "gl-disable", FALSE);
}
