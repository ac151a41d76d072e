/* SPDX-License-Identifier: MIT */
/* ct-teaching-cli.h: the teaching subcommands of ct-triage-cli
 * (docs/teaching-session.md):
 *
 *   ct-triage-cli teaching-create --out SESSION.json [--title T]
 *       [--reference-from-truth] [--lock-passphrase-file FILE] PATH...
 *   ct-triage-cli teaching-summary RESULTS.csv [--pdf FILE]
 *
 * Each takes argv with the command in argv[0]; returns the exit status. */
#pragma once

int ct_teaching_cli_create (int argc, char **argv);
int ct_teaching_cli_summary (int argc, char **argv);
