/* SPDX-License-Identifier: MIT */
/* ct-arrival-watch.h: "series complete" detection by quiet time. Watches
 * folders (the receiver's storage folder, any folder the user names) by
 * polling: each folder below a root that holds files is one candidate, its
 * state the number of files, their total size and the newest modification
 * time. A folder whose state has not changed for the quiet time (and whose
 * newest file is at least that old) is handed out once; it is handed out
 * again only when its state changes and settles again. Hidden entries
 * (".incoming", dot-files) and *.part files are ignored: the receiver and
 * other writers stage there. Polling needs no inotify and sees network
 * shares. A poll stats every file only of the folders still being written
 * (not yet handed out); a folder handed out, or holding only folders, costs
 * one stat of itself while its own modification time is unchanged (a file
 * created, renamed in or removed changes it), and is read in full again at
 * least once a minute (a file rewritten in place changes only itself).
 *
 * Whether a handed-out folder holds a series already analysed (a second
 * send of the same instances) is the caller's business: ct_arrival_watch
 * only says that writing has stopped. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CtArrivalWatch CtArrivalWatch;

CtArrivalWatch *ct_arrival_watch_new (double quiet_seconds);
void ct_arrival_watch_free (CtArrivalWatch *self);
void ct_arrival_watch_add_root (CtArrivalWatch *self, const char *dir);

/* Scans the roots at @now_us (g_get_real_time (), compared with file
 * modification times) and returns the folders (char*, owned array, in
 * path order) that have just become quiet. */
GPtrArray *ct_arrival_watch_poll (CtArrivalWatch *self, gint64 now_us);

/* The number of stat () calls of the polls so far (tests, benchmarks). */
guint64 ct_arrival_watch_get_stat_count (CtArrivalWatch *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtArrivalWatch, ct_arrival_watch_free)

G_END_DECLS
