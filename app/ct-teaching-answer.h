/* SPDX-License-Identifier: MIT */
/* ct-teaching-answer.h: one resident's committed answer to one case, with
 * the reference and the AI's answer it is compared to, and the results CSV
 * that every resident of a session appends to (columns in
 * docs/teaching-session.md, "Results CSV"). GTK-free. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* "Unknown" is -1 for the yes/no and category members, NAN for numbers. */
typedef struct
{
  char *session; /* the session's title */
  char *resident;
  char *case_id;     /* CtTeachingCase.id: no patient data */
  int position;      /* 1..N: "Case N" as shown to this resident */
  int covid;         /* the resident's call: 1 yes, 0 no, -1 not asked */
  double confidence; /* of the call, 0..100 %, or NAN */
  double severity;   /* %, or NAN */
  int category;      /* 0..4, or -1 */
  double seconds;    /* from first showing to the commit (monotonic) */
  int ref_covid;     /* the session's reference */
  double ref_severity;
  int ref_category;
  double ai_probability; /* 0..1, or NAN when the AI gave none */
  double ai_severity;    /* %, or NAN */
  int ai_category;       /* 0..4, or -1 */
} CtTeachingAnswer;

/* The AI's COVID-19 call: probability >= 0.5; -1 without a probability. */
#define CT_TEACHING_AI_THRESHOLD 0.5
int ct_teaching_answer_ai_covid (const CtTeachingAnswer *answer);

CtTeachingAnswer *ct_teaching_answer_new (void); /* everything unknown */
CtTeachingAnswer *ct_teaching_answer_copy (const CtTeachingAnswer *answer);
void ct_teaching_answer_free (CtTeachingAnswer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtTeachingAnswer, ct_teaching_answer_free)

/* The CSV's header line (with "\n"). */
const char *ct_teaching_csv_header (void);
/* Appends @answers (CtTeachingAnswer*) to @file: the header first when
 * the file is new or empty; the rows in one write(2) on an O_APPEND
 * descriptor under an exclusive lock (flock), so that residents on
 * machines sharing the file never interleave rows. */
gboolean ct_teaching_csv_append (const char *file, GPtrArray *answers, GError **error);
/* Reads every row; a malformed line fails with its file and line number. */
GPtrArray *ct_teaching_csv_read (const char *file, GError **error);

G_END_DECLS
