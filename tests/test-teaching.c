/* SPDX-License-Identifier: MIT */
/* The teaching core (docs/teaching-session.md): the session file's round
 * trip, relative paths and lock, references from a phantom truth.json,
 * the scoring math against hand-computed values (Bland-Altman limits,
 * Cohen's kappa unweighted and linearly weighted), the results CSV with
 * two writers appending at once, the PDF, the two CLI subcommands, and the
 * teacher's editor's model (CtTeachingDraft: its checks before saving). */
#include "config.h"

#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ct-nifti.h"
#include "ct-study.h"
#include "ct-teaching-answer.h"
#include "ct-teaching-draft.h"
#include "ct-teaching-report.h"
#include "ct-teaching-score.h"
#include "ct-teaching-session.h"
#include "test-util.h"

static void
test_session_round_trip (void)
{
  g_autofree char *tmp = test_util_make_tmp_dir ("ct-teaching-XXXXXX");
  g_autofree char *room = g_build_filename (tmp, "room", NULL);
  g_autofree char *copied = g_build_filename (tmp, "copied", NULL);
  g_autofree char *file = g_build_filename (room, "session.json", NULL);
  g_autofree char *a = g_build_filename (room, "study-a", NULL);
  g_autofree char *b = g_build_filename (room, "sub", "study-b", NULL);
  g_autofree char *copied_file = g_build_filename (copied, "session.json", NULL);
  g_autofree char *copied_b = g_build_filename (copied, "sub", "study-b", NULL);
  g_autoptr (CtTeachingSession) s = ct_teaching_session_new ("Chest week 3");
  g_autoptr (CtTeachingSession) loaded = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  const CtTeachingCase *c;
  JsonArray *cases;

  g_assert_cmpint (g_mkdir_with_parents (a, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (b, 0755), ==, 0);
  g_assert_cmpint (ct_teaching_session_add_case (s, a, NULL, &error), ==, 0);
  g_assert_cmpint (ct_teaching_session_add_case (s, b, "1.2.3", &error), ==, 1);
  g_assert_true (ct_teaching_session_set_reference (s, 1, 1, 37.5, 2, "Peripheral GGO, lower lobes", &error));
  g_assert_true (ct_teaching_session_set_ask (s, CT_TEACHING_ASK_COVID | CT_TEACHING_ASK_SEVERITY, &error));
  g_assert_true (ct_teaching_session_save (s, file, &error));
  g_assert_no_error (error);

  /* Versioned, and the paths written relative to the file's folder. */
  g_assert_true (json_parser_load_from_file (parser, file, &error));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (json_parser_get_root (parser)), "schema_version"),
                   ==, CT_TEACHING_SESSION_SCHEMA_VERSION);
  cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "cases");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (cases, 0), "path"), ==, "study-a");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (cases, 1), "path"), ==, "sub/study-b");

  /* The folder copied elsewhere: the paths follow it. */
  g_assert_cmpint (g_rename (room, copied), ==, 0);
  loaded = ct_teaching_session_load (copied_file, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ct_teaching_session_get_title (loaded), ==, "Chest week 3");
  g_assert_cmpint (ct_teaching_session_get_ask (loaded), ==, CT_TEACHING_ASK_COVID | CT_TEACHING_ASK_SEVERITY);
  g_assert_cmpuint (ct_teaching_session_get_n_cases (loaded), ==, 2);
  c = ct_teaching_session_get_case (loaded, 0);
  g_assert_cmpstr (c->id, ==, "case-01");
  g_assert_cmpint (c->ref_covid, ==, -1);
  g_assert_true (isnan (c->ref_severity));
  g_assert_cmpint (c->ref_category, ==, -1);
  c = ct_teaching_session_get_case (loaded, 1);
  g_assert_cmpstr (c->path, ==, copied_b);
  g_assert_cmpstr (c->series_uid, ==, "1.2.3");
  g_assert_cmpint (c->ref_covid, ==, 1);
  g_assert_cmpfloat_with_epsilon (c->ref_severity, 37.5, 1e-9);
  g_assert_cmpint (c->ref_category, ==, 2);
  g_assert_cmpstr (c->teaching_point, ==, "Peripheral GGO, lower lobes");
  test_util_remove_tree (tmp);
}

static void
test_session_invalid (void)
{
  g_autofree char *tmp = test_util_make_tmp_dir ("ct-teaching-XXXXXX");
  g_autofree char *file = g_build_filename (tmp, "bad.json", NULL);
  const char *bad[] = {
    "not json",
    "{\"format\": \"something else\", \"schema_version\": 1, \"cases\": []}",
    "{\"format\": \"ct-triage-teaching-session\", \"schema_version\": 99, \"cases\": []}",
    "{\"format\": \"ct-triage-teaching-session\", \"schema_version\": 1, \"cases\": [{\"id\": \"x\"}]}",
    "{\"format\": \"ct-triage-teaching-session\", \"schema_version\": 1, \"cases\": [{\"path\": \"a\", "
    "\"reference\": {\"category\": \"CT-9\"}}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CtTeachingSession) s = NULL;

      g_assert_true (g_file_set_contents (file, bad[i], -1, NULL));
      s = ct_teaching_session_load (file, &error);
      g_assert_null (s);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, file));
    }
  test_util_remove_tree (tmp);
}

static void
test_session_lock (void)
{
  g_autofree char *tmp = test_util_make_tmp_dir ("ct-teaching-XXXXXX");
  g_autofree char *file = g_build_filename (tmp, "session.json", NULL);
  g_autoptr (CtTeachingSession) s = ct_teaching_session_new ("Locked");
  g_autoptr (CtTeachingSession) loaded = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_cmpint (ct_teaching_session_add_case (s, tmp, NULL, &error), ==, 0);
  g_assert_true (ct_teaching_session_lock (s, "teacher-secret", &error));
  g_assert_true (ct_teaching_session_save (s, file, &error));
  g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
  g_assert_null (strstr (text, "teacher-secret"));

  loaded = ct_teaching_session_load (file, &error);
  g_assert_no_error (error);
  g_assert_true (ct_teaching_session_get_locked (loaded));
  g_assert_cmpint (ct_teaching_session_add_case (loaded, tmp, NULL, &error), ==, -1);
  g_assert_error (error, CT_TEACHING_SESSION_ERROR, CT_TEACHING_SESSION_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_false (ct_teaching_session_set_reference (loaded, 0, 1, 10, 1, NULL, &error));
  g_assert_error (error, CT_TEACHING_SESSION_ERROR, CT_TEACHING_SESSION_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_false (ct_teaching_session_set_title (loaded, "x", &error));
  g_clear_error (&error);
  g_assert_false (ct_teaching_session_set_ask (loaded, CT_TEACHING_ASK_COVID, &error));
  g_clear_error (&error);
  g_assert_cmpint (ct_teaching_session_get_case (loaded, 0)->ref_covid, ==, -1);

  g_assert_false (ct_teaching_session_unlock (loaded, "guess", &error));
  g_assert_error (error, CT_TEACHING_SESSION_ERROR, CT_TEACHING_SESSION_ERROR_PASSPHRASE);
  g_clear_error (&error);
  g_assert_true (ct_teaching_session_get_locked (loaded));
  g_assert_true (ct_teaching_session_unlock (loaded, "teacher-secret", &error));
  g_assert_true (ct_teaching_session_set_reference (loaded, 0, 1, 10, 1, NULL, &error));
  g_assert_no_error (error);
  test_util_remove_tree (tmp);
}

static void
test_session_truth (void)
{
  g_autofree char *tmp = test_util_make_tmp_dir ("ct-teaching-XXXXXX");
  g_autofree char *own = g_build_filename (tmp, "own", NULL);
  g_autofree char *own_truth = g_build_filename (own, "truth.json", NULL);
  g_autofree char *demo = g_build_filename (tmp, "demo", NULL);
  g_autofree char *demo_a = g_build_filename (demo, "study-a1", NULL);
  g_autofree char *demo_b = g_build_filename (demo, "study-b2", NULL);
  g_autofree char *demo_truth = g_build_filename (demo, "truth.json", NULL);
  g_autoptr (CtTeachingSession) s = ct_teaching_session_new ("Phantoms");
  g_autoptr (GError) error = NULL;
  const CtTeachingCase *c;

  g_assert_cmpint (g_mkdir_with_parents (own, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (demo_a, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (demo_b, 0755), ==, 0);
  g_assert_true (g_file_set_contents (own_truth, "{\"class\": \"covid\", \"severity_percent\": 62.5}", -1, NULL));
  g_assert_true (g_file_set_contents (demo_truth,
                                      "[{\"folder\": \"study-b2\", \"class\": \"bacterial\", \"severity_percent\": 20},"
                                      " {\"folder\": \"study-a1\", \"class\": \"covid\", \"severity_percent\": 12}]",
                                      -1, NULL));
  ct_teaching_session_add_case (s, own, NULL, NULL);
  ct_teaching_session_add_case (s, demo_a, NULL, NULL);
  ct_teaching_session_add_case (s, demo_b, NULL, NULL);
  ct_teaching_session_add_case (s, tmp, NULL, NULL);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (ct_teaching_session_reference_from_truth (s, i, &error));
      g_assert_no_error (error);
    }
  c = ct_teaching_session_get_case (s, 0);
  g_assert_cmpint (c->ref_covid, ==, 1);
  g_assert_cmpfloat_with_epsilon (c->ref_severity, 62.5, 1e-9);
  g_assert_cmpint (c->ref_category, ==, 3);
  c = ct_teaching_session_get_case (s, 1);
  g_assert_cmpint (c->ref_covid, ==, 1);
  g_assert_cmpfloat_with_epsilon (c->ref_severity, 12, 1e-9);
  g_assert_cmpint (c->ref_category, ==, 1);
  c = ct_teaching_session_get_case (s, 2);
  g_assert_cmpint (c->ref_covid, ==, 0);
  g_assert_cmpint (c->ref_category, ==, 0);
  g_assert_false (ct_teaching_session_reference_from_truth (s, 3, &error));
  g_assert_error (error, CT_TEACHING_SESSION_ERROR, CT_TEACHING_SESSION_ERROR_NO_TRUTH);
  test_util_remove_tree (tmp);
}

/* The work list into a session: failed studies left out, the studies
 * without a truth named. */
static void
test_session_add_studies (void)
{
  g_autofree char *tmp = test_util_make_tmp_dir ("ct-teaching-XXXXXX");
  g_autofree char *own = g_build_filename (tmp, "own", NULL);
  g_autofree char *own_truth = g_build_filename (own, "truth.json", NULL);
  g_autofree char *bare = g_build_filename (tmp, "bare", NULL);
  g_autoptr (GListStore) store = g_list_store_new (CT_TYPE_STUDY);
  g_autoptr (CtStudy) with_truth = NULL;
  g_autoptr (CtStudy) without = NULL;
  g_autoptr (CtStudy) failed = NULL;
  g_autoptr (CtTeachingSession) s = ct_teaching_session_new ("List");
  g_autoptr (GPtrArray) notes = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (own, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (bare, 0755), ==, 0);
  g_assert_true (g_file_set_contents (own_truth, "{\"class\": \"normal\", \"severity_percent\": 0}", -1, NULL));
  with_truth = ct_study_new (own, "1.2.3.4");
  without = ct_study_new (bare, NULL);
  failed = ct_study_new_failed (tmp, "no CT series");
  g_list_store_append (store, with_truth);
  g_list_store_append (store, failed);
  g_list_store_append (store, without);
  g_assert_cmpint (ct_teaching_session_add_studies (s, G_LIST_MODEL (store), TRUE, &notes, &error), ==, 2);
  g_assert_no_error (error);
  g_assert_cmpuint (ct_teaching_session_get_n_cases (s), ==, 2);
  g_assert_cmpstr (ct_teaching_session_get_case (s, 0)->series_uid, ==, "1.2.3.4");
  g_assert_cmpint (ct_teaching_session_get_case (s, 0)->ref_covid, ==, 0);
  g_assert_cmpint (ct_teaching_session_get_case (s, 1)->ref_covid, ==, -1);
  g_assert_cmpuint (notes->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (notes, 0), bare));

  g_assert_true (ct_teaching_session_lock (s, "x", NULL));
  g_assert_cmpint (ct_teaching_session_add_studies (s, G_LIST_MODEL (store), FALSE, NULL, &error), ==, -1);
  g_assert_error (error, CT_TEACHING_SESSION_ERROR, CT_TEACHING_SESSION_ERROR_LOCKED);
  test_util_remove_tree (tmp);
}

/* Case ids survive an edit: kept ids stay with their studies, new cases
 * get ids after them, a taken id is not given twice. */
static void
test_session_case_ids (void)
{
  g_autoptr (CtTeachingSession) s = ct_teaching_session_new ("Ids");

  g_assert_cmpint (ct_teaching_session_add_case_with_id (s, "/a", NULL, "case-03", NULL), ==, 0);
  g_assert_cmpint (ct_teaching_session_add_case_with_id (s, "/b", NULL, NULL, NULL), ==, 1);
  g_assert_cmpint (ct_teaching_session_add_case_with_id (s, "/c", NULL, "case-03", NULL), ==, 2);
  g_assert_cmpint (ct_teaching_session_add_case_with_id (s, "/d", NULL, "teacher-x", NULL), ==, 3);
  g_assert_cmpstr (ct_teaching_session_get_case (s, 0)->id, ==, "case-03");
  g_assert_cmpstr (ct_teaching_session_get_case (s, 1)->id, ==, "case-04");
  g_assert_cmpstr (ct_teaching_session_get_case (s, 2)->id, ==, "case-05");
  g_assert_cmpstr (ct_teaching_session_get_case (s, 3)->id, ==, "teacher-x");
}

/* The editor's model: studies offered with their phantom truth, the
 * checks before saving (nothing chosen, nothing asked, passphrases that
 * differ, a study outside the session file's folder), the common folder,
 * and the session it makes. */
static void
test_draft_validate (void)
{
  g_autofree char *tmp = test_util_make_tmp_dir ("ct-teaching-XXXXXX");
  g_autofree char *room = g_build_filename (tmp, "room", NULL);
  g_autofree char *a = g_build_filename (room, "a", NULL);
  g_autofree char *b = g_build_filename (room, "sub", "b", NULL);
  g_autofree char *elsewhere = g_build_filename (tmp, "elsewhere", NULL);
  g_autofree char *truth = g_build_filename (a, "truth.json", NULL);
  g_autofree char *file = g_build_filename (room, "session.json", NULL);
  g_autofree char *inner_file = g_build_filename (room, "sub", "session.json", NULL);
  g_autofree char *common = NULL;
  g_autoptr (CtTeachingDraft) d = ct_teaching_draft_new ("Week 4");
  g_autoptr (CtTeachingSession) session = NULL;
  g_autoptr (GError) error = NULL;
  CtTeachingDraftStudy *sa, *sb, *se;
  const CtTeachingCase *c;

  g_assert_cmpint (g_mkdir_with_parents (a, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (b, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (elsewhere, 0755), ==, 0);
  g_assert_true (g_file_set_contents (truth, "{\"class\": \"covid\", \"severity_percent\": 62.5}", -1, NULL));
  g_assert_cmpint (ct_teaching_draft_add_study (d, a, NULL, NULL, NULL), ==, 0);
  g_assert_cmpint (ct_teaching_draft_add_study (d, b, "1.2.3", "b — chest", NULL), ==, 1);
  g_assert_cmpint (ct_teaching_draft_add_study (d, elsewhere, NULL, NULL, NULL), ==, 2);
  /* The same study again is not offered twice. */
  g_assert_cmpint (ct_teaching_draft_add_study (d, b, "1.2.3", NULL, NULL), ==, 1);
  g_assert_cmpuint (d->studies->len, ==, 3);
  sa = g_ptr_array_index (d->studies, 0);
  sb = g_ptr_array_index (d->studies, 1);
  se = g_ptr_array_index (d->studies, 2);
  /* Prefilled from the phantom's truth; the other has no reference. */
  g_assert_cmpint (sa->ref_covid, ==, 1);
  g_assert_cmpfloat_with_epsilon (sa->ref_severity, 62.5, 1e-9);
  g_assert_cmpint (sa->ref_category, ==, 3);
  g_assert_cmpstr (sa->label, ==, "a");
  g_assert_cmpint (sb->ref_covid, ==, -1);
  g_assert_true (isnan (sb->ref_severity));
  g_assert_false (sa->chosen);

  g_assert_null (ct_teaching_draft_common_folder (d));
  g_assert_false (ct_teaching_draft_validate (d, file, NULL, NULL, &error));
  g_assert_error (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_NO_CASES);
  g_clear_error (&error);

  sa->chosen = sb->chosen = TRUE;
  common = ct_teaching_draft_common_folder (d);
  g_assert_cmpstr (common, ==, room);
  g_clear_pointer (&common, g_free);
  d->ask = 0;
  g_assert_false (ct_teaching_draft_validate (d, file, NULL, NULL, &error));
  g_assert_error (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_NO_ASK);
  g_clear_error (&error);
  d->ask = CT_TEACHING_ASK_SEVERITY;
  g_assert_false (ct_teaching_draft_validate (d, file, "secret", "secrets", &error));
  g_assert_error (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_PASSPHRASE);
  g_clear_error (&error);
  g_assert_false (ct_teaching_draft_validate (d, file, "secret", NULL, &error));
  g_assert_error (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_PASSPHRASE);
  g_clear_error (&error);
  /* A session file below a study's folder: that study is outside it. */
  g_assert_false (ct_teaching_draft_validate (d, inner_file, NULL, NULL, &error));
  g_assert_error (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_OUTSIDE);
  g_assert_nonnull (strstr (error->message, a));
  g_clear_error (&error);
  se->chosen = TRUE;
  common = ct_teaching_draft_common_folder (d);
  g_assert_cmpstr (common, ==, tmp);
  g_assert_false (ct_teaching_draft_validate (d, file, NULL, NULL, &error));
  g_assert_error (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_OUTSIDE);
  g_assert_nonnull (strstr (error->message, elsewhere));
  g_clear_error (&error);
  se->chosen = FALSE;

  sb->ref_covid = 0;
  sb->ref_severity = 0;
  sb->ref_category = 0;
  sb->teaching_point = g_strdup ("Normal lungs\nno ground glass");
  session = ct_teaching_draft_build (d, file, "secret", "secret", &error);
  g_assert_no_error (error);
  g_assert_nonnull (session);
  g_assert_cmpstr (ct_teaching_session_get_title (session), ==, "Week 4");
  g_assert_cmpint (ct_teaching_session_get_ask (session), ==, CT_TEACHING_ASK_SEVERITY);
  g_assert_true (ct_teaching_session_get_locked (session));
  g_assert_cmpuint (ct_teaching_session_get_n_cases (session), ==, 2);
  c = ct_teaching_session_get_case (session, 1);
  g_assert_cmpstr (c->path, ==, b);
  g_assert_cmpstr (c->series_uid, ==, "1.2.3");
  g_assert_cmpint (c->ref_covid, ==, 0);
  g_assert_cmpstr (c->teaching_point, ==, "Normal lungs\nno ground glass");
  test_util_remove_tree (tmp);
}

/* A draft from a session keeps its cases, references and ids; one from a
 * locked session is read-only until unlocked with the passphrase. */
static void
test_draft_from_session (void)
{
  g_autofree char *tmp = test_util_make_tmp_dir ("ct-teaching-XXXXXX");
  g_autofree char *file = g_build_filename (tmp, "session.json", NULL);
  g_autofree char *a = g_build_filename (tmp, "a", NULL);
  g_autofree char *b = g_build_filename (tmp, "b", NULL);
  g_autoptr (CtTeachingSession) s = ct_teaching_session_new ("Edited");
  g_autoptr (CtTeachingSession) locked = NULL;
  g_autoptr (CtTeachingSession) rebuilt = NULL;
  g_autoptr (CtTeachingDraft) d = NULL;
  g_autoptr (GError) error = NULL;
  CtTeachingDraftStudy *first;

  ct_teaching_session_add_case (s, a, NULL, NULL);
  ct_teaching_session_add_case (s, b, NULL, NULL);
  ct_teaching_session_set_reference (s, 1, 1, 20, 1, "Look here", NULL);
  ct_teaching_session_set_ask (s, CT_TEACHING_ASK_CATEGORY, NULL);
  ct_teaching_session_lock (s, "pass", NULL);
  g_assert_true (ct_teaching_session_save (s, file, &error));
  locked = ct_teaching_session_load (file, &error);
  g_assert_no_error (error);

  d = ct_teaching_draft_new_from_session (locked);
  g_assert_true (ct_teaching_draft_get_read_only (d));
  g_assert_cmpstr (d->title, ==, "Edited");
  g_assert_cmpint (d->ask, ==, CT_TEACHING_ASK_CATEGORY);
  g_assert_cmpuint (ct_teaching_draft_get_n_chosen (d), ==, 2);
  g_assert_cmpint (ct_teaching_draft_add_study (d, tmp, NULL, NULL, NULL), ==, -1);
  g_assert_false (ct_teaching_draft_validate (d, file, NULL, NULL, &error));
  g_assert_error (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_assert_null (ct_teaching_draft_build (d, file, NULL, NULL, &error));
  g_clear_error (&error);
  g_assert_false (ct_teaching_draft_unlock (d, "wrong", &error));
  g_assert_error (error, CT_TEACHING_SESSION_ERROR, CT_TEACHING_SESSION_ERROR_PASSPHRASE);
  g_clear_error (&error);
  g_assert_true (ct_teaching_draft_get_read_only (d));
  g_assert_true (ct_teaching_draft_unlock (d, "pass", &error));
  g_assert_false (ct_teaching_draft_get_read_only (d));

  /* The first case dropped, one added: case-02 keeps its id, the new one
   * comes after it. */
  first = g_ptr_array_index (d->studies, 0);
  first->chosen = FALSE;
  g_assert_cmpint (ct_teaching_draft_add_study (d, tmp, NULL, NULL, NULL), ==, 2);
  ((CtTeachingDraftStudy *) g_ptr_array_index (d->studies, 2))->chosen = TRUE;
  rebuilt = ct_teaching_draft_build (d, file, "", "", &error);
  g_assert_no_error (error);
  g_assert_false (ct_teaching_session_get_locked (rebuilt));
  g_assert_cmpuint (ct_teaching_session_get_n_cases (rebuilt), ==, 2);
  g_assert_cmpstr (ct_teaching_session_get_case (rebuilt, 0)->id, ==, "case-02");
  g_assert_cmpstr (ct_teaching_session_get_case (rebuilt, 0)->teaching_point, ==, "Look here");
  g_assert_cmpfloat_with_epsilon (ct_teaching_session_get_case (rebuilt, 0)->ref_severity, 20, 1e-9);
  g_assert_cmpstr (ct_teaching_session_get_case (rebuilt, 1)->id, ==, "case-03");
  test_util_remove_tree (tmp);
}

static void
test_shuffle (void)
{
  g_autoptr (CtTeachingSession) s = ct_teaching_session_new ("x");
  g_autoptr (GArray) one = NULL;
  g_autoptr (GArray) again = NULL;
  gboolean seen[20] = { FALSE };

  for (int i = 0; i < 20; i++)
    ct_teaching_session_add_case (s, "/tmp", NULL, NULL);
  one = ct_teaching_session_shuffle (s, 7);
  again = ct_teaching_session_shuffle (s, 7);
  g_assert_cmpuint (one->len, ==, 20);
  g_assert_cmpmem (one->data, 20 * sizeof (guint), again->data, 20 * sizeof (guint));
  for (guint i = 0; i < 20; i++)
    seen[g_array_index (one, guint, i)] = TRUE;
  for (guint i = 0; i < 20; i++)
    g_assert_true (seen[i]);
}

static void
test_bland_altman (void)
{
  /* d = -2, 2, -3, 0 (the NAN pair left out): mean -0.75, squared
   * deviations 1.5625 + 7.5625 + 5.0625 + 0.5625 = 14.75, sd = sqrt (14.75
   * / 3) = 2.2173558, limits -0.75 -/+ 1.96 sd = -5.0960174, 3.5960174. */
  const double a[] = { 10, 20, 30, 40, NAN };
  const double b[] = { 12, 18, 33, 40, 5 };
  CtBlandAltman ba;

  ct_teaching_bland_altman (a, b, 5, &ba);
  g_assert_cmpint (ba.n, ==, 4);
  g_assert_cmpfloat_with_epsilon (ba.bias, -0.75, 1e-9);
  g_assert_cmpfloat_with_epsilon (ba.sd, 2.2173558, 1e-6);
  g_assert_cmpfloat_with_epsilon (ba.lower, -5.0960174, 1e-6);
  g_assert_cmpfloat_with_epsilon (ba.upper, 3.5960174, 1e-6);
  ct_teaching_bland_altman (a, b, 1, &ba);
  g_assert_cmpint (ba.n, ==, 1);
  g_assert_true (isnan (ba.lower));
}

static void
test_kappa (void)
{
  /* 3 categories. Counts (a, b): (0,0) 1, (0,1) 1, (1,1) 2, (2,2) 1, (2,0) 1.
   * Margins a: 2 2 2, b: 2 3 1.
   * Unweighted: po = 4/6, pe = (4 + 6 + 2) / 36 = 1/3, kappa = 0.5.
   * Linear (w = 1, 0.5, 0): po = (1 + 0.5 + 2 + 1 + 0) / 6 = 0.75,
   * pe = 2 (1.5 x 2 + 2 x 3 + 1.5 x 1) / 36 = 21/36, kappa = 0.4. */
  const int a[] = { 0, 0, 1, 1, 2, 2, -1 };
  const int b[] = { 0, 1, 1, 1, 2, 0, 2 };

  g_assert_cmpfloat_with_epsilon (ct_teaching_kappa (a, b, 7, 3, FALSE), 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (ct_teaching_kappa (a, b, 7, 3, TRUE), 0.4, 1e-12);
  /* Perfect agreement on one category only: chance agreement 1, undefined. */
  g_assert_true (isnan (ct_teaching_kappa (a, a, 2, 3, FALSE)));
  g_assert_cmpfloat_with_epsilon (ct_teaching_kappa (a, a, 6, 3, FALSE), 1.0, 1e-12);
}

static CtTeachingAnswer *
answer (const char *resident, const char *case_id, int covid, double severity, int category, double seconds,
        int ref_covid, double ref_severity, int ref_category, double ai_p, double ai_severity)
{
  CtTeachingAnswer *a = ct_teaching_answer_new ();

  a->session = g_strdup ("Week, \"3\"");
  a->resident = g_strdup (resident);
  a->case_id = g_strdup (case_id);
  a->position = 1;
  a->covid = covid;
  a->confidence = 80;
  a->severity = severity;
  a->category = category;
  a->seconds = seconds;
  a->ref_covid = ref_covid;
  a->ref_severity = ref_severity;
  a->ref_category = ref_category;
  a->ai_probability = ai_p;
  a->ai_severity = ai_severity;
  a->ai_category = isfinite (ai_severity) ? (ai_severity < 25 ? 1 : 2) : -1;
  return a;
}

static GPtrArray *
sample_answers (void)
{
  GPtrArray *answers = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_teaching_answer_free);

  /* Ana: right, right, wrong against the reference; the AI says yes, no,
   * no (0.9, 0.2, 0.4), as she does. Boris: right, wrong, right. */
  g_ptr_array_add (answers, answer ("Ana", "case-01", 1, 30, 2, 40, 1, 35, 2, 0.9, 33));
  g_ptr_array_add (answers, answer ("Ana", "case-02", 0, 0, 0, 20, 0, 0, 0, 0.2, 1));
  g_ptr_array_add (answers, answer ("Ana", "case-03", 0, 10, 1, 60, 1, 20, 1, 0.4, 18));
  g_ptr_array_add (answers, answer ("Boris", "case-01", 1, 40, 2, 10, 1, 35, 2, 0.9, 33));
  g_ptr_array_add (answers, answer ("Boris", "case-02", 1, 5, 1, 15, 0, 0, 0, 0.2, 1));
  g_ptr_array_add (answers, answer ("Boris", "case-03", 1, 20, 1, 30, 1, 20, 1, 0.4, 18));
  return answers;
}

static void
test_score (void)
{
  g_autoptr (GPtrArray) answers = sample_answers ();
  g_autoptr (CtTeachingScore) ana = ct_teaching_score_new (answers, "Ana");
  CtTeachingAgreement ag;

  g_assert_null (ct_teaching_score_new (answers, "Nobody"));
  g_assert_cmpint (ana->n_cases, ==, 3);
  g_assert_cmpint (ana->covid_n_ref, ==, 3);
  g_assert_cmpint (ana->covid_correct_ref, ==, 2);
  g_assert_cmpint (ana->covid_n_ai, ==, 3);
  g_assert_cmpint (ana->covid_agree_ai, ==, 3);
  /* |30-35| + |0-0| + |10-20| = 15 over 3; AI: 3 + 1 + 8 = 12 over 3. */
  g_assert_cmpfloat_with_epsilon (ana->severity_mae_ref, 5.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (ana->severity_mae_ai, 4.0, 1e-9);
  /* d = -5, 0, -10: bias -5, sd 5. */
  g_assert_cmpfloat_with_epsilon (ana->severity_vs_ref.bias, -5.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (ana->severity_vs_ref.upper, -5.0 + 1.96 * 5.0, 1e-9);
  g_assert_cmpint (ana->confusion[2][2], ==, 1);
  g_assert_cmpint (ana->confusion[0][0], ==, 1);
  g_assert_cmpint (ana->confusion[1][1], ==, 1);
  g_assert_cmpfloat_with_epsilon (ana->seconds_total, 120.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (ana->seconds_median, 40.0, 1e-9);

  /* Ana against Boris: categories (2,2) (0,1) (1,1); severity d = -10,
   * -5, -10. Margins a: 1 1 1 on 0 1 2, b: 0 2 1. po = 2/3, pe =
   * (0 + 2 + 1)/9 = 1/3, kappa = 0.5. */
  ct_teaching_agreement (answers, "Ana", "Boris", &ag);
  g_assert_cmpint (ag.n_cases, ==, 3);
  g_assert_cmpfloat_with_epsilon (ag.kappa, 0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (ag.severity.bias, -25.0 / 3.0, 1e-9);
}

static void
test_csv_round_trip (void)
{
  g_autofree char *tmp = test_util_make_tmp_dir ("ct-teaching-XXXXXX");
  g_autofree char *csv = g_build_filename (tmp, "results.csv", NULL);
  g_autoptr (GPtrArray) answers = sample_answers ();
  g_autoptr (GPtrArray) read = NULL;
  g_autoptr (GError) error = NULL;
  const CtTeachingAnswer *a;

  g_assert_true (ct_teaching_csv_append (csv, answers, &error));
  g_assert_no_error (error);
  read = ct_teaching_csv_read (csv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (read->len, ==, answers->len);
  a = g_ptr_array_index (read, 2);
  g_assert_cmpstr (a->session, ==, "Week, \"3\"");
  g_assert_cmpstr (a->resident, ==, "Ana");
  g_assert_cmpstr (a->case_id, ==, "case-03");
  g_assert_cmpint (a->covid, ==, 0);
  g_assert_cmpfloat_with_epsilon (a->severity, 10, 1e-9);
  g_assert_cmpint (a->category, ==, 1);
  g_assert_cmpint (a->ref_covid, ==, 1);
  g_assert_cmpfloat_with_epsilon (a->ai_probability, 0.4, 1e-9);
  g_assert_cmpint (a->ai_category, ==, 1);

  /* A broken line is named. */
  {
    g_autoptr (GPtrArray) none = NULL;
    g_autofree char *text = NULL;
    g_autofree char *broken = NULL;

    g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
    broken = g_strconcat (text, "s,r,c,1,maybe,,,,,,,,,,,\n", NULL);
    g_assert_true (g_file_set_contents (csv, broken, -1, NULL));
    none = ct_teaching_csv_read (csv, &error);
    g_assert_null (none);
    g_assert_nonnull (strstr (error->message, "line 8"));
    g_assert_nonnull (strstr (error->message, csv));
  }
  test_util_remove_tree (tmp);
}

/* Two processes append 300 rows each, one call per row, at the same time:
 * one header, 600 whole rows. */
static void
test_csv_two_writers (void)
{
  g_autofree char *tmp = test_util_make_tmp_dir ("ct-teaching-XXXXXX");
  g_autofree char *csv = g_build_filename (tmp, "results.csv", NULL);
  g_autoptr (GPtrArray) read = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  pid_t pids[2];
  int n_ana = 0;

  for (int w = 0; w < 2; w++)
    {
      pids[w] = fork ();
      g_assert_cmpint (pids[w], >=, 0);
      if (pids[w] == 0)
        {
          for (int i = 0; i < 300; i++)
            {
              g_autoptr (GPtrArray) one = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_teaching_answer_free);
              g_autofree char *id = g_strdup_printf ("case-%03d", i);

              g_ptr_array_add (one, answer (w == 0 ? "Ana" : "Boris", id, 1, 12.5, 1, i, 1, 10, 1, 0.7, 11));
              if (!ct_teaching_csv_append (csv, one, NULL))
                _exit (1);
            }
          _exit (0);
        }
    }
  for (int w = 0; w < 2; w++)
    {
      int status = 0;
      g_assert_cmpint (waitpid (pids[w], &status, 0), ==, pids[w]);
      g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    }
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, ct_teaching_csv_header ()));
  g_assert_null (strstr (text + 1, "session,resident"));
  read = ct_teaching_csv_read (csv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (read->len, ==, 600);
  for (guint i = 0; i < read->len; i++)
    n_ana += strcmp (((CtTeachingAnswer *) g_ptr_array_index (read, i))->resident, "Ana") == 0;
  g_assert_cmpint (n_ana, ==, 300);
  test_util_remove_tree (tmp);
}

static gboolean
contains_bytes (const char *bytes, gsize size, const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= size; i++)
    if (memcmp (bytes + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static void
test_pdf (void)
{
  g_autofree char *tmp = test_util_make_tmp_dir ("ct-teaching-XXXXXX");
  g_autofree char *pdf = g_build_filename (tmp, "summary.pdf", NULL);
  g_autofree char *bad = g_build_filename (tmp, "no-such-folder", "summary.pdf", NULL);
  g_autoptr (GPtrArray) answers = sample_answers ();
  g_autoptr (GError) error = NULL;
  g_autofree char *bytes = NULL;
  gsize size = 0;

  g_assert_true (ct_teaching_report_write_pdf (answers, pdf, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (pdf, &bytes, &size, NULL));
  g_assert_cmpuint (size, >, 1000);
  g_assert_true (g_str_has_prefix (bytes, "%PDF-"));
  /* The text page and two pages of plots (four plots, two a page). */
  g_assert_true (contains_bytes (bytes, size, "/Count 3"));
  g_assert_false (ct_teaching_report_write_pdf (answers, bad, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, bad));
  test_util_remove_tree (tmp);
}

static char *
cli_path (void)
{
  return g_build_filename (g_getenv ("CT_TRIAGE_BUILD_DIR"), "app", "ct-triage-cli", NULL);
}

static void
test_cli_summary (void)
{
  g_autofree char *cli = cli_path ();
  g_autofree char *tmp = test_util_make_tmp_dir ("ct-teaching-XXXXXX");
  g_autofree char *csv = g_build_filename (tmp, "results.csv", NULL);
  g_autofree char *pdf = g_build_filename (tmp, "summary.pdf", NULL);
  g_autoptr (GPtrArray) answers = sample_answers ();
  g_autofree char *expected = ct_teaching_summary_text (answers);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = -1;

  if (g_getenv ("CT_TRIAGE_BUILD_DIR") == NULL)
    {
      g_test_skip ("CT_TRIAGE_BUILD_DIR is not set");
      return;
    }
  g_assert_true (ct_teaching_csv_append (csv, answers, &error));
  {
    const char *argv[] = { cli, "teaching-summary", csv, "--pdf", pdf, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
  }
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (out, ==, expected);
  /* What the hand-computed test above found, as printed. */
  g_assert_nonnull (strstr (out, "Ana and Boris: 3 common cases, kappa 0.50"));
  g_assert_nonnull (strstr (out, "COVID-19 call right against the reference: 2/3 (67 %)"));
  g_assert_true (g_file_test (pdf, G_FILE_TEST_IS_REGULAR));

  /* A file that is not a results CSV: exit 1, the file named. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (g_file_set_contents (csv, "hello\n", -1, NULL));
  {
    const char *argv[] = { cli, "teaching-summary", csv, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
  }
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (err, csv));
  test_util_remove_tree (tmp);
}

static void
test_cli_create (void)
{
  g_autofree char *cli = cli_path ();
  g_autofree char *tmp = test_util_make_tmp_dir ("ct-teaching-XXXXXX");
  g_autofree char *a = g_build_filename (tmp, "study-a", NULL);
  g_autofree char *b = g_build_filename (tmp, "study-b", NULL);
  g_autofree char *a_nii = g_build_filename (a, "chest.nii.gz", NULL);
  g_autofree char *b_nii = g_build_filename (b, "chest.nii.gz", NULL);
  g_autofree char *a_truth = g_build_filename (a, "truth.json", NULL);
  g_autofree char *pass = g_build_filename (tmp, "pass.txt", NULL);
  g_autofree char *session_file = g_build_filename (tmp, "session.json", NULL);
  g_autoptr (CtVolume) v = test_util_make_chest_volume (32, 30, 6, "TEACH-ME");
  g_autoptr (CtTeachingSession) session = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *json = NULL;
  int status = -1;
  const CtTeachingCase *c;

  if (g_getenv ("CT_TRIAGE_BUILD_DIR") == NULL)
    {
      g_test_skip ("CT_TRIAGE_BUILD_DIR is not set");
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (a, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (b, 0755), ==, 0);
  g_assert_true (ct_nifti_write_volume (v, a_nii, &error));
  g_assert_true (ct_nifti_write_volume (v, b_nii, &error));
  g_assert_true (g_file_set_contents (a_truth, "{\"class\": \"covid\", \"severity_percent\": 30}", -1, NULL));
  g_assert_true (g_file_set_contents (pass, "open sesame\n", -1, NULL));
  {
    const char *argv[] = { cli,
                           "teaching-create",
                           "--out",
                           session_file,
                           "--title",
                           "Week 1",
                           "--reference-from-truth",
                           "--lock-passphrase-file",
                           pass,
                           a,
                           b,
                           NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
  }
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "2 cases"));
  /* study-b has no truth: a note, not a failure. */
  g_assert_nonnull (strstr (err, "truth.json"));
  g_assert_true (g_file_get_contents (session_file, &json, NULL, NULL));
  g_assert_nonnull (strstr (json, "\"study-a/chest.nii.gz\""));
  g_assert_null (strstr (json, tmp));
  g_assert_null (strstr (json, "TEACH-ME"));
  session = ct_teaching_session_load (session_file, &error);
  g_assert_no_error (error);
  g_assert_true (ct_teaching_session_get_locked (session));
  g_assert_cmpuint (ct_teaching_session_get_n_cases (session), ==, 2);
  c = ct_teaching_session_get_case (session, 0);
  g_assert_cmpint (c->ref_covid, ==, 1);
  g_assert_cmpint (c->ref_category, ==, 2);
  g_assert_cmpint (ct_teaching_session_get_case (session, 1)->ref_covid, ==, -1);
  g_assert_true (ct_teaching_session_unlock (session, "open sesame", &error));

  /* No --out: usage error. */
  {
    const char *argv[] = { cli, "teaching-create", a, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                 NULL, NULL, NULL, NULL, &status, &error));
  }
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 2);
  test_util_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/teaching/session/round-trip", test_session_round_trip);
  g_test_add_func ("/teaching/session/invalid", test_session_invalid);
  g_test_add_func ("/teaching/session/lock", test_session_lock);
  g_test_add_func ("/teaching/session/truth", test_session_truth);
  g_test_add_func ("/teaching/session/add-studies", test_session_add_studies);
  g_test_add_func ("/teaching/session/shuffle", test_shuffle);
  g_test_add_func ("/teaching/session/case-ids", test_session_case_ids);
  g_test_add_func ("/teaching/draft/validate", test_draft_validate);
  g_test_add_func ("/teaching/draft/from-session", test_draft_from_session);
  g_test_add_func ("/teaching/score/bland-altman", test_bland_altman);
  g_test_add_func ("/teaching/score/kappa", test_kappa);
  g_test_add_func ("/teaching/score/resident", test_score);
  g_test_add_func ("/teaching/csv/round-trip", test_csv_round_trip);
  g_test_add_func ("/teaching/csv/two-writers", test_csv_two_writers);
  g_test_add_func ("/teaching/pdf", test_pdf);
  g_test_add_func ("/teaching/cli/summary", test_cli_summary);
  g_test_add_func ("/teaching/cli/create", test_cli_create);
  return g_test_run ();
}
