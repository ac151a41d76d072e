/* SPDX-License-Identifier: MIT */
/* ct-teaching-editor.h: the teacher's "Prepare Teaching Session" window
 * (docs/teaching-session.md, "Preparing a session in the window"). It lists
 * the work list's studies, each with a check box (the session's subset),
 * takes more from "Add Folder…" / "Add Files…", and edits per study the
 * reference (COVID-19 unknown/yes/no, severity % or unset, CT category or
 * unset, a multi-line teaching point; prefilled from a phantom's
 * truth.json), and per session the title, what the residents estimate and
 * an optional lock passphrase (twice). Saving writes the session file
 * through ct-teaching-session with paths relative to its folder, and refuses
 * a study outside that folder. An existing session opens for editing; a
 * locked one read-only ("locked by the teacher") until unlocked with its
 * passphrase. The model is a CtTeachingDraft (app/ct-teaching-draft.h). */
#pragma once

#include <gtk/gtk.h>

#include "ct-teaching-draft.h"

G_BEGIN_DECLS

#define CT_TYPE_TEACHING_EDITOR (ct_teaching_editor_get_type ())
G_DECLARE_FINAL_TYPE (CtTeachingEditor, ct_teaching_editor, CT, TEACHING_EDITOR, GtkWindow)

/* @studies: the work list (GListModel of CtStudy, may be NULL); its studies
 * that did not fail are offered, none chosen. */
CtTeachingEditor *ct_teaching_editor_new (GtkWindow *parent, GListModel *studies);
/* Opens an existing session file (as "Open Session…"): its cases chosen,
 * then the work list's other studies; read-only when it is locked. */
gboolean ct_teaching_editor_open (CtTeachingEditor *self, const char *file, GError **error);
/* Scans @paths (folders, files) on a worker thread and offers the studies
 * found, as "Add Folder…" and "Add Files…" do; @callback (may be NULL) runs
 * when they are in the list. */
void ct_teaching_editor_add_paths (CtTeachingEditor *self, const char *const *paths, GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean ct_teaching_editor_add_paths_finish (CtTeachingEditor *self, GAsyncResult *result, GError **error);
/* Writes the session as the file chooser's Save does; a locked session
 * written is shown read-only afterwards. The error says what to change. */
gboolean ct_teaching_editor_save_to (CtTeachingEditor *self, const char *file, GError **error);
gboolean ct_teaching_editor_get_read_only (CtTeachingEditor *self);
/* Borrowed, for tests: what the widgets have edited. */
CtTeachingDraft *ct_teaching_editor_get_draft (CtTeachingEditor *self);

G_END_DECLS
