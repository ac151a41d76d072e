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

/* The cairo renderer unless GSK_RENDERER says otherwise (Xvfb has no GPU:
 * GL through llvmpipe paces frames at ~200 ms there, cairo at the display's
 * 60 Hz; GSK_RENDERER=gl measures GL). With cairo nothing draws with GL, so
 * GDK does not set GL up either (GDK_DEBUG=gl-disable): Mesa's driver, loaded
 * for it and unloaded again, leaves a one-time allocation that LeakSanitizer
 * reports at exit with no symbol to suppress it by. Call before gtk_init. */
void test_gui_use_cairo_renderer (void);

/* Runs the default main context until @done (@data) or @timeout_s seconds. */
void test_gui_iterate_until (gboolean (*done) (gpointer), gpointer data, double timeout_s);

G_END_DECLS
