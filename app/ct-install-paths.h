/* SPDX-License-Identifier: MIT */
/* ct-install-paths.h: where an installed ct-triage finds its data.
 *
 * Every folder is found relative to the running program first
 * (/proc/self/exe: <bindir>/../share/...), so that an install staged with
 * DESTDIR or moved to another prefix uses its own data, then at the folder
 * compiled in at configure time. Nothing here knows the source or build
 * folder, and nothing reads the environment: the entry points (main.c,
 * cli.c) read their variables and pass overrides in, so that library users
 * such as the tests decide for themselves. GTK-free. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The folder holding the running executable, or NULL where /proc/self/exe
 * cannot be read. */
char *ct_install_paths_get_exe_dir (void);

/* The installed data folder (<prefix>/share): beside the program when it
 * exists there, else the configured one. */
char *ct_install_paths_get_data_dir (void);

/* The installed message catalogues (<prefix>/share/locale), found the same
 * way. */
char *ct_install_paths_get_locale_dir (void);

/* The folder of the shipped models: @override_dir when it is non-NULL and
 * non-empty (--model, $CT_TRIAGE_MODEL_DIR; returned even when it holds no
 * models, so that the error names what the user asked for), else the first
 * of <exe dir>/../share/ct-triage/models and the configured
 * <pkgdatadir>/models that holds lungs.safetensors, else the configured one
 * (for the error message). */
char *ct_install_paths_find_model_dir (const char *override_dir);

/* The decoder helper (ct-triage-decoder, app/ct-decoder.h): @override_path
 * when non-NULL and non-empty ($CT_TRIAGE_DECODER), else
 * <exe dir>/../libexec/ct-triage-decoder when it exists, else the configured
 * <libexecdir>/ct-triage-decoder when it exists, else NULL. */
char *ct_install_paths_find_decoder (const char *override_path);

G_END_DECLS
