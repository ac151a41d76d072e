/* SPDX-License-Identifier: MIT */
/* test-gui-util.h: widget-tree helpers shared by the GUI tests. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The first widget of @type under @widget (depth first, @widget included),
 * shown or not; NULL when there is none. */
GtkWidget *test_gui_find_widget (GtkWidget *widget, GType type);

/* A folder the test environment names (tests/meson.build sets
 * CT_TRIAGE_SOURCE_DIR, CT_TRIAGE_BUILD_DIR...: the programs themselves know
 * neither); a fatal error naming @variable when it is unset. */
const char *test_gui_env_dir (const char *variable);

/* Runs the default main context until @done (@data) or @timeout_s seconds. */
void test_gui_iterate_until (gboolean (*done) (gpointer), gpointer data, double timeout_s);

G_END_DECLS
