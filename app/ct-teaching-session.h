/* SPDX-License-Identifier: MIT */
/* ct-teaching-session.h: a teaching session that a teacher prepares
 * (docs/teaching-session.md): the studies ("cases"), optionally a reference
 * answer for each, what the resident must estimate, and a lock. Saved as a
 * versioned JSON file whose study paths are relative to the file's folder,
 * so that a folder with its session file can be copied to another machine.
 *
 * GTK-free. A locked session refuses every edit (adding cases, changing a
 * reference, the title, what is asked) with CT_TEACHING_SESSION_ERROR_LOCKED
 * until it is unlocked with the teacher's passphrase. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The "schema_version" written; files with a higher version are refused. */
#define CT_TEACHING_SESSION_SCHEMA_VERSION 1
/* The "format" member: what the file is. */
#define CT_TEACHING_SESSION_FORMAT "ct-triage-teaching-session"

#define CT_TEACHING_SESSION_ERROR (ct_teaching_session_error_quark ())
GQuark ct_teaching_session_error_quark (void);

typedef enum
{
  CT_TEACHING_SESSION_ERROR_LOCKED,     /* an edit of a locked session */
  CT_TEACHING_SESSION_ERROR_PASSPHRASE, /* unlocking with a wrong passphrase */
  CT_TEACHING_SESSION_ERROR_INVALID,    /* a file that is not a valid session */
  CT_TEACHING_SESSION_ERROR_NO_TRUTH,   /* no truth.json for a case */
} CtTeachingSessionError;

/* What the resident must estimate (the "ask" member). */
typedef enum
{
  CT_TEACHING_ASK_COVID = 1 << 0,    /* COVID-19 yes/no with a confidence */
  CT_TEACHING_ASK_SEVERITY = 1 << 1, /* severity of the more-affected lung, % */
  CT_TEACHING_ASK_CATEGORY = 1 << 2, /* CT-0..CT-4 */
} CtTeachingAsk;
#define CT_TEACHING_ASK_ALL (CT_TEACHING_ASK_COVID | CT_TEACHING_ASK_SEVERITY | CT_TEACHING_ASK_CATEGORY)

/* One case. A reference member is "unknown" when -1 (covid, category) or NAN
 * (severity); the case has a reference when any member is known. */
typedef struct
{
  char *id;             /* "case-01"..: stable within the session, no patient data */
  char *path;           /* absolute, resolved against the session file's folder */
  char *series_uid;     /* NULL: the only (first) CT series at @path */
  int ref_covid;        /* 1 yes, 0 no, -1 unknown */
  double ref_severity;  /* % of the more-affected lung, or NAN */
  int ref_category;     /* 0..4 (CtCategory), or -1 */
  char *teaching_point; /* free text, or NULL */
} CtTeachingCase;

#define CT_TYPE_TEACHING_SESSION (ct_teaching_session_get_type ())
G_DECLARE_FINAL_TYPE (CtTeachingSession, ct_teaching_session, CT, TEACHING_SESSION, GObject)

CtTeachingSession *ct_teaching_session_new (const char *title);
/* Reads a session file; relative study paths are resolved against the
 * file's folder. The error names the file and the problem. */
CtTeachingSession *ct_teaching_session_load (const char *file, GError **error);
/* Writes @file atomically; study paths below @file's folder are written
 * relative to it (others absolute). Allowed for a locked session too (it
 * cannot have been edited). */
gboolean ct_teaching_session_save (CtTeachingSession *self, const char *file, GError **error);

const char *ct_teaching_session_get_title (CtTeachingSession *self);
gboolean ct_teaching_session_set_title (CtTeachingSession *self, const char *title, GError **error);
CtTeachingAsk ct_teaching_session_get_ask (CtTeachingSession *self);
gboolean ct_teaching_session_set_ask (CtTeachingSession *self, CtTeachingAsk ask, GError **error);

guint ct_teaching_session_get_n_cases (CtTeachingSession *self);
/* Borrowed; valid until the next edit. */
const CtTeachingCase *ct_teaching_session_get_case (CtTeachingSession *self, guint index);
/* Appends a case for @path (made absolute) with no reference; returns its
 * index, or -1 with an error when locked. */
int ct_teaching_session_add_case (CtTeachingSession *self, const char *path, const char *series_uid, GError **error);
/* The same with the case's @id (kept when a session is edited, so that the
 * results CSV's case ids stay those of the same studies); NULL or an id
 * already taken: a new "case-NN" after every id so far. */
int ct_teaching_session_add_case_with_id (CtTeachingSession *self, const char *path, const char *series_uid,
                                          const char *id, GError **error);
/* Sets the reference of case @index (-1 / NAN / NULL for unknown). */
gboolean ct_teaching_session_set_reference (CtTeachingSession *self, guint index, int covid, double severity_percent,
                                            int category, const char *teaching_point, GError **error);
/* Reads the reference of case @index from the phantom generator's
 * truth.json (tools/phantom/README.md): in the case's folder (one object),
 * or beside it (the demo set's array, matched by "folder" or "series_uid").
 * COVID-19 is class "covid"; severity "severity_percent"; the category from
 * it (ct_category_from_severity) for COVID-19, CT-0 otherwise. */
gboolean ct_teaching_session_reference_from_truth (CtTeachingSession *self, guint index, GError **error);
/* The same lookup for a study at @path (folder or file) with @series_uid
 * (may be NULL), outside a session: the reference into @out_covid (1/0),
 * @out_severity (%) and @out_category (CtCategory). */
gboolean ct_teaching_reference_from_truth (const char *path, const char *series_uid, int *out_covid,
                                           double *out_severity, int *out_category, GError **error);
/* @path relative to @dir (both absolute, canonical) when it is @dir or
 * below it ("." for @dir itself), else NULL: what the session file writes. */
char *ct_teaching_path_relative_to (const char *path, const char *dir);
/* Appends a case for every study of @studies (a GListModel of CtStudy:
 * the work list, or what a scan found) that did not fail, with its
 * reference from truth.json when @from_truth and one is found; the studies
 * without one are named in @out_notes (char*, may be NULL). Returns the
 * number added, or -1 with an error when locked. */
int ct_teaching_session_add_studies (CtTeachingSession *self, GListModel *studies, gboolean from_truth,
                                     GPtrArray **out_notes, GError **error);

gboolean ct_teaching_session_get_locked (CtTeachingSession *self);
/* Locks with @passphrase (stored as a salted SHA-256, never in clear). */
gboolean ct_teaching_session_lock (CtTeachingSession *self, const char *passphrase, GError **error);
gboolean ct_teaching_session_unlock (CtTeachingSession *self, const char *passphrase, GError **error);

/* The order in which a resident sees the cases: a permutation of
 * 0..n_cases-1 drawn from @seed (the same seed, the same order). */
GArray *ct_teaching_session_shuffle (CtTeachingSession *self, guint32 seed);

G_END_DECLS
