/* SPDX-License-Identifier: MIT */
/* ct-teaching-score.h: the scores of a teaching session
 * (docs/teaching-session.md, "Scores"): per resident, accuracy of the
 * COVID-19 call against the reference and against the AI, severity mean
 * absolute error, Bland-Altman agreement, a confusion table of CT
 * categories and the time per case; between residents, Cohen's kappa of
 * the categories (unweighted and linearly weighted) and Bland-Altman
 * agreement of severity. GTK-free. */
#pragma once

#include <gio/gio.h>

#include "ct-teaching-answer.h"

G_BEGIN_DECLS

#define CT_TEACHING_N_CATEGORIES 5

/* Bland-Altman agreement of a against b over the pairs where both are
 * known: d = a - b, bias = mean d, sd = sample SD of d (n - 1), limits of
 * agreement bias -/+ 1.96 sd. With n < 2 the SD and limits are NAN. */
typedef struct
{
  int n;
  double bias;
  double sd;
  double lower;
  double upper;
} CtBlandAltman;

void ct_teaching_bland_altman (const double *a, const double *b, int n, CtBlandAltman *out);

/* Cohen's kappa of two raters over @n items (categories 0..k-1; pairs with
 * a negative category are left out). Weights: 1 on the diagonal, 0 off it
 * (unweighted) or 1 - |i - j| / (k - 1) (linear). NAN when undefined
 * (no pairs, or chance agreement of 1). */
double ct_teaching_kappa (const int *a, const int *b, int n, int k, gboolean linear);

typedef struct
{
  char *resident;
  int n_cases;
  int covid_n_ref, covid_correct_ref; /* calls with a reference, and right ones */
  int covid_n_ai, covid_agree_ai;     /* calls where the AI called, and agreeing */
  double severity_mae_ref;            /* %, NAN without pairs */
  double severity_mae_ai;
  CtBlandAltman severity_vs_ref; /* resident - reference */
  CtBlandAltman severity_vs_ai;  /* resident - AI */
  /* [reference][resident]: cases with both categories. */
  int confusion[CT_TEACHING_N_CATEGORIES][CT_TEACHING_N_CATEGORIES];
  double category_kappa_ref; /* unweighted, against the reference */
  double seconds_total;
  double seconds_mean;
  double seconds_median;
  /* The pairs behind the Bland-Altman figures, for plots: resident, reference
   * and AI severity per case, in the order of the answers (NAN unknown). */
  GArray *severity; /* double */
  GArray *ref_severity;
  GArray *ai_severity;
} CtTeachingScore;

/* The score of @resident over @answers (CtTeachingAnswer*), or NULL when
 * @resident answered none. */
CtTeachingScore *ct_teaching_score_new (GPtrArray *answers, const char *resident);
void ct_teaching_score_free (CtTeachingScore *score);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtTeachingScore, ct_teaching_score_free)

/* The residents of @answers, in order of first appearance (char*). */
GPtrArray *ct_teaching_residents (GPtrArray *answers);

/* The agreement of residents @a and @b over the cases both answered
 * (matched by session and case id). */
typedef struct
{
  int n_cases;
  double kappa;           /* categories, unweighted */
  double kappa_weighted;  /* linear weights */
  CtBlandAltman severity; /* a - b */
} CtTeachingAgreement;

void ct_teaching_agreement (GPtrArray *answers, const char *a, const char *b, CtTeachingAgreement *out);

/* The summary as text: each resident's score, then the residents
 * compared pairwise. What `ct-triage-cli teaching-summary` prints and the
 * teaching window shows. */
char *ct_teaching_summary_text (GPtrArray *answers);

G_END_DECLS
