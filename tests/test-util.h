/* SPDX-License-Identifier: MIT */
/* test-util.h: small helpers shared by the test programs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Removes dir and everything under it (symbolic links are removed, never
 * followed). Errors are ignored: this cleans up temporary test folders. */
void test_util_remove_tree (const char *dir);

G_END_DECLS
