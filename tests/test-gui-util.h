/* SPDX-License-Identifier: MIT */
/* test-gui-util.h: widget-tree helpers shared by the GUI tests. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The first widget of @type under @widget (depth first, @widget included),
 * shown or not; NULL when there is none. */
GtkWidget *test_gui_find_widget (GtkWidget *widget, GType type);

G_END_DECLS
