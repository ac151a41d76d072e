/* SPDX-License-Identifier: MIT */
/* ct-teaching-draft.h: what the teacher's editor (ui/ct-teaching-editor.c)
 * edits before it becomes a session file: the studies on offer, each chosen
 * or not, with its reference; the title, what is asked, and whether the
 * draft came from a locked session (then it is read-only). GTK-free, so
 * that its checks are tested without a display (tests/test-teaching.c).
 *
 * ct_teaching_draft_build () checks the draft against the file it is to be
 * saved as and makes the CtTeachingSession: at least one study chosen, at
 * least one thing asked, the passphrase given twice alike, and every chosen
 * study in the session file's folder or below it, so that the folder can be
 * copied to the teaching room as a whole. */
#pragma once

#include <gio/gio.h>

#include "ct-teaching-session.h"

G_BEGIN_DECLS

#define CT_TEACHING_DRAFT_ERROR (ct_teaching_draft_error_quark ())
GQuark ct_teaching_draft_error_quark (void);

typedef enum
{
  CT_TEACHING_DRAFT_ERROR_READ_ONLY,  /* the draft of a locked session */
  CT_TEACHING_DRAFT_ERROR_NO_CASES,   /* no study chosen */
  CT_TEACHING_DRAFT_ERROR_NO_ASK,     /* nothing for the resident to estimate */
  CT_TEACHING_DRAFT_ERROR_PASSPHRASE, /* the two passphrases differ */
  CT_TEACHING_DRAFT_ERROR_OUTSIDE,    /* a chosen study outside the session file's folder */
} CtTeachingDraftError;

/* One study on offer. Reference members as in CtTeachingCase: -1 / NAN /
 * NULL for unknown. */
typedef struct
{
  char *path;       /* absolute, canonical */
  char *series_uid; /* NULL: the only (first) CT series at @path */
  char *id;         /* the case id of a loaded session, else NULL (a new one on saving) */
  char *label;      /* what the editor lists: folder or file name, series */
  char *details;    /* the second line: patient, date, full path (teacher only) */
  gboolean chosen;
  int ref_covid;
  double ref_severity;
  int ref_category;
  char *teaching_point;
} CtTeachingDraftStudy;

typedef struct
{
  char *title;
  CtTeachingAsk ask;
  GPtrArray *studies;           /* CtTeachingDraftStudy* */
  CtTeachingSession *locked_by; /* the locked session it shows, or NULL: editable */
} CtTeachingDraft;

CtTeachingDraft *ct_teaching_draft_new (const char *title);
/* Every case of @session, chosen, with its reference and id; read-only
 * when @session is locked. */
CtTeachingDraft *ct_teaching_draft_new_from_session (CtTeachingSession *session);
void ct_teaching_draft_free (CtTeachingDraft *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtTeachingDraft, ct_teaching_draft_free)

gboolean ct_teaching_draft_get_read_only (CtTeachingDraft *self);
/* Makes the draft of a locked session editable with its passphrase. */
gboolean ct_teaching_draft_unlock (CtTeachingDraft *self, const char *passphrase, GError **error);

/* Offers the study at @path (made absolute) with @series_uid, not chosen,
 * its reference from the phantom generator's truth.json when there is one
 * (ct_teaching_reference_from_truth ()). @label / @details NULL: made from
 * the path. Returns the study's index; a study already on offer (same path
 * and series) is not added again, its index is returned. -1 when read-only. */
int ct_teaching_draft_add_study (CtTeachingDraft *self, const char *path, const char *series_uid, const char *label,
                                 const char *details);
guint ct_teaching_draft_get_n_chosen (CtTeachingDraft *self);

/* The deepest folder holding every chosen study (a study folder's parent
 * when only one is chosen), where the editor proposes to save; NULL when
 * none is chosen. */
char *ct_teaching_draft_common_folder (CtTeachingDraft *self);

/* The checks above, against @session_file (the file to be written; NULL:
 * its folder is not checked); @passphrase and @passphrase_again (NULL or
 * "": not locked). */
gboolean ct_teaching_draft_validate (CtTeachingDraft *self, const char *session_file, const char *passphrase,
                                     const char *passphrase_again, GError **error);
/* Validates, then makes the session of the chosen studies, in the order on
 * offer, locked with @passphrase when one is given. */
CtTeachingSession *ct_teaching_draft_build (CtTeachingDraft *self, const char *session_file, const char *passphrase,
                                            const char *passphrase_again, GError **error);

G_END_DECLS
