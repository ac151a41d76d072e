/* SPDX-License-Identifier: MIT */
/* ct-teaching-window.h: the resident's quiz over a teaching session
 * (docs/teaching-session.md, "Quiz"), a window of its own so that nothing
 * of the work-list window (list, panel, recent folders, reports) is in
 * sight. The resident enters a name; the cases come shuffled as "Case
 * 1..N" and no patient name or ID is shown anywhere; the studies are
 * analysed in the background (the application's job queue) but the AI's
 * numbers, category and overlay stay hidden until the resident commits an
 * answer; then the AI, the reference, the differences and the teaching
 * point are shown. Enter commits, N next case, P previous. After the last
 * case the answers are appended to the results CSV and the summary page
 * shows this resident's scores and the comparison of every resident in
 * the CSV. */
#pragma once

#include <gtk/gtk.h>

#include "ct-job-queue.h"
#include "ct-teaching-session.h"

G_BEGIN_DECLS

#define CT_TYPE_TEACHING_WINDOW (ct_teaching_window_get_type ())
G_DECLARE_FINAL_TYPE (CtTeachingWindow, ct_teaching_window, CT, TEACHING_WINDOW, GtkApplicationWindow)

/* @results_csv: where the answers are appended (NULL: not saved). */
CtTeachingWindow *ct_teaching_window_new (GtkApplication *application, CtJobQueue *queue, CtTeachingSession *session,
                                          const char *results_csv);
/* The results CSV beside a session file: SESSION.results.csv. */
char *ct_teaching_window_default_results_path (const char *session_file);

/* The order's seed (tests); by default a random one. Before starting. */
void ct_teaching_window_set_seed (CtTeachingWindow *self, guint32 seed);
/* As the Start button: FALSE (and nothing starts) for an empty name. */
gboolean ct_teaching_window_start (CtTeachingWindow *self, const char *resident);
/* As the keys: Enter commits (FALSE when an asked answer is missing), N
 * and P move (FALSE at either end; N after the last committed case opens
 * the summary). */
gboolean ct_teaching_window_commit (CtTeachingWindow *self);
gboolean ct_teaching_window_next (CtTeachingWindow *self);
gboolean ct_teaching_window_previous (CtTeachingWindow *self);
/* 0-based position of the case shown, -1 on the name or summary page. */
int ct_teaching_window_get_position (CtTeachingWindow *self);
/* The study of the case shown (for tests waiting for its analysis). */
CtStudy *ct_teaching_window_get_study (CtTeachingWindow *self);
gboolean ct_teaching_window_save_pdf (CtTeachingWindow *self, const char *file, GError **error);

/* Asks for a session file, then opens a teaching window on it (the
 * results CSV beside it); a file that is not a session is reported in a
 * dialog naming it. */
void ct_teaching_window_choose_session (GtkApplication *application, CtJobQueue *queue, GtkWindow *parent);
/* The teacher's side: the "Prepare Teaching Session" editor
 * (ct-teaching-editor.h) over @studies (GListModel of CtStudy: the work
 * list), where the teacher chooses the cases and gives their references. */
void ct_teaching_window_prepare_session (GtkWindow *parent, GListModel *studies);

G_END_DECLS
