/* SPDX-License-Identifier: MIT */
/* ct-serve-cli.h: the headless triage node of ct-triage-cli:
 *
 *   ct-triage-cli serve --storage DIR [--aet CTTRIAGE] [--port 11112]
 *       [--allow-aet A,B] [--watch DIR]... [--json-out DIR] [--seg-out DIR]
 *       [--sr-out DIR] [--quiet-seconds 5] [--send-to AET@HOST:PORT]
 *       [--model DIR] [--threads N] [--delete-after-analysis]
 *       [--keep-days N]
 *
 * A DICOM receiver (ct-dicom-receiver.h) stores into --storage; that folder
 * and every --watch folder are polled (ct-arrival-watch.h); a folder quiet
 * for --quiet-seconds is scanned, and each CT series in it not analysed
 * before (same SeriesInstanceUID and same set of SOPInstanceUIDs) is
 * analysed once, its JSON, SEG and SR written and, with --send-to, the SEG
 * and SR sent on by C-STORE. The keys of the series analysed are kept in
 * <storage>/.analysed, so that a restarted node does not analyse them
 * again (with --watch only, in memory). The main loop polls and queues; one
 * folder at a time is scanned and analysed on a worker thread (GTask) with
 * a GCancellable, which SIGINT and SIGTERM cancel: the node stops within
 * about a second, writing nothing of the series it was analysing and
 * keeping no key of it. A series analysed again with other instances (a
 * copy that paused) replaces its earlier result, and the log says so.
 * --delete-after-analysis and --keep-days remove analysed series from the
 * storage folder (never outside it; the keys stay). One line per event on
 * standard output. Takes argv with the command in argv[0]; returns the
 * exit status. */
#pragma once

int ct_serve_cli_run (int argc, char **argv);
