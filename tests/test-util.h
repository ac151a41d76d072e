/* SPDX-License-Identifier: MIT */
/* test-util.h: small helpers shared by the test programs. */
#pragma once

#include <glib.h>

#include "ct-volume.h"

G_BEGIN_DECLS

/* A small synthetic chest for the command-line tests: a body of water with
 * two air-filled "lungs" (-850 HU) in air, 1.5 x 1.5 x 2.5 mm, origin
 * (-96, -80, -300) mm LPS, the given PatientID. */
CtVolume *test_util_make_chest_volume (int nx, int ny, int nz, const char *patient_id);

/* @dir/models holding the reduced random-weight fixture networks under the
 * names the programs look for (symbolic links into tests/fixtures), or NULL
 * after g_test_skip () when the fixtures are not there. */
char *test_util_link_fixture_models (const char *dir);

/* A new folder under the system's temporary folder, named from @pattern
 * (g_dir_make_tmp (): "name-XXXXXX"); fails the test when it cannot be made. */
char *test_util_make_tmp_dir (const char *pattern);

/* Removes everything under @dir but not @dir itself (a mount point stays a
 * mount point); symbolic links are removed, never followed. Errors are
 * ignored: this cleans up temporary test folders. */
void test_util_empty_folder (const char *dir);

/* Removes dir and everything under it (test_util_empty_folder (), then the
 * folder). */
void test_util_remove_tree (const char *dir);

/* A TCP port nothing listens on now (bound to port 0 and released). */
guint16 test_util_free_port (void);

/* The instances (.dcm) below @dir, a receiver's storage folder, under their
 * final names: hidden entries (its .incoming staging area) are skipped.
 * @each, when not NULL, is called with each one's path. Their number. */
guint test_util_count_stored (const char *dir, void (*each) (const char *path));

G_END_DECLS
