/* SPDX-License-Identifier: MIT */
/* ct-teaching-draft.c: the teacher's editor's model (ct-teaching-draft.h). */
#include "config.h"

#include "ct-teaching-draft.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

G_DEFINE_QUARK (ct - teaching - draft - error - quark, ct_teaching_draft_error)

static void
draft_study_free (gpointer data)
{
  CtTeachingDraftStudy *s = data;

  g_free (s->path);
  g_free (s->series_uid);
  g_free (s->id);
  g_free (s->label);
  g_free (s->details);
  g_free (s->teaching_point);
  g_free (s);
}

CtTeachingDraft *
ct_teaching_draft_new (const char *title)
{
  CtTeachingDraft *self = g_new0 (CtTeachingDraft, 1);

  self->title = g_strdup (title != NULL ? title : "");
  self->ask = CT_TEACHING_ASK_ALL;
  self->studies = g_ptr_array_new_with_free_func (draft_study_free);
  return self;
}

void
ct_teaching_draft_free (CtTeachingDraft *self)
{
  if (self == NULL)
    return;
  g_free (self->title);
  g_ptr_array_unref (self->studies);
  g_clear_object (&self->locked_by);
  g_free (self);
}

static CtTeachingDraftStudy *
append_study (CtTeachingDraft *self, const char *path, const char *series_uid, const char *label, const char *details)
{
  CtTeachingDraftStudy *s = g_new0 (CtTeachingDraftStudy, 1);

  s->path = g_canonicalize_filename (path, NULL);
  s->series_uid = series_uid != NULL && *series_uid != '\0' ? g_strdup (series_uid) : NULL;
  s->label = label != NULL ? g_strdup (label) : g_path_get_basename (s->path);
  s->details = details != NULL ? g_strdup (details) : g_strdup (s->path);
  s->ref_covid = -1;
  s->ref_severity = NAN;
  s->ref_category = -1;
  g_ptr_array_add (self->studies, s);
  return s;
}

CtTeachingDraft *
ct_teaching_draft_new_from_session (CtTeachingSession *session)
{
  CtTeachingDraft *self;

  g_return_val_if_fail (CT_IS_TEACHING_SESSION (session), NULL);
  self = ct_teaching_draft_new (ct_teaching_session_get_title (session));
  self->ask = ct_teaching_session_get_ask (session);
  for (guint i = 0; i < ct_teaching_session_get_n_cases (session); i++)
    {
      const CtTeachingCase *c = ct_teaching_session_get_case (session, i);
      g_autofree char *base = g_path_get_basename (c->path);
      /* TRANSLATORS: a case of a session in the editor: its id, then its folder or file name. */
      g_autofree char *label = g_strdup_printf (_ ("%s: %s"), c->id, base);
      CtTeachingDraftStudy *s = append_study (self, c->path, c->series_uid, label, NULL);

      s->id = g_strdup (c->id);
      s->chosen = TRUE;
      s->ref_covid = c->ref_covid;
      s->ref_severity = c->ref_severity;
      s->ref_category = c->ref_category;
      s->teaching_point = g_strdup (c->teaching_point);
    }
  if (ct_teaching_session_get_locked (session))
    self->locked_by = g_object_ref (session);
  return self;
}

gboolean
ct_teaching_draft_get_read_only (CtTeachingDraft *self)
{
  g_return_val_if_fail (self != NULL, TRUE);
  return self->locked_by != NULL;
}

gboolean
ct_teaching_draft_unlock (CtTeachingDraft *self, const char *passphrase, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (self->locked_by == NULL)
    return TRUE;
  if (!ct_teaching_session_unlock (self->locked_by, passphrase, error))
    return FALSE;
  g_clear_object (&self->locked_by);
  return TRUE;
}

int
ct_teaching_draft_add_study (CtTeachingDraft *self, const char *path, const char *series_uid, const char *label,
                             const char *details)
{
  g_autofree char *abs = NULL;
  CtTeachingDraftStudy *s;
  int covid, category;
  double severity;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (path != NULL, -1);
  if (self->locked_by != NULL)
    return -1;
  abs = g_canonicalize_filename (path, NULL);
  for (guint i = 0; i < self->studies->len; i++)
    {
      CtTeachingDraftStudy *other = g_ptr_array_index (self->studies, i);

      /* A case without a series UID is the first series at its path. */
      if (strcmp (other->path, abs) == 0 &&
          (other->series_uid == NULL || series_uid == NULL || g_strcmp0 (other->series_uid, series_uid) == 0))
        return (int) i;
    }
  s = append_study (self, abs, series_uid, label, details);
  if (ct_teaching_reference_from_truth (abs, series_uid, &covid, &severity, &category, NULL))
    {
      s->ref_covid = covid;
      s->ref_severity = severity;
      s->ref_category = category;
    }
  return (int) self->studies->len - 1;
}

guint
ct_teaching_draft_get_n_chosen (CtTeachingDraft *self)
{
  guint n = 0;

  g_return_val_if_fail (self != NULL, 0);
  for (guint i = 0; i < self->studies->len; i++)
    n += ((CtTeachingDraftStudy *) g_ptr_array_index (self->studies, i))->chosen;
  return n;
}

static gboolean
is_within (const char *path, const char *dir)
{
  g_autofree char *rel = ct_teaching_path_relative_to (path, dir);

  return rel != NULL;
}

/* The folder a study sits in: the parent of a study folder or of a file. */
static char *
study_parent (const CtTeachingDraftStudy *s)
{
  return g_path_get_dirname (s->path);
}

char *
ct_teaching_draft_common_folder (CtTeachingDraft *self)
{
  char *common = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  for (guint i = 0; i < self->studies->len; i++)
    {
      const CtTeachingDraftStudy *s = g_ptr_array_index (self->studies, i);
      g_autofree char *parent = NULL;

      if (!s->chosen)
        continue;
      parent = study_parent (s);
      if (common == NULL)
        {
          common = g_steal_pointer (&parent);
          continue;
        }
      /* Up from @common until @parent is in it. */
      while (!is_within (parent, common))
        {
          char *up = g_path_get_dirname (common);

          if (strcmp (up, common) == 0)
            {
              g_free (up);
              break;
            }
          g_free (common);
          common = up;
        }
    }
  return common;
}

gboolean
ct_teaching_draft_validate (CtTeachingDraft *self, const char *session_file, const char *passphrase,
                            const char *passphrase_again, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (self->locked_by != NULL)
    {
      g_set_error_literal (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_READ_ONLY,
                           _ ("The teaching session is locked by the teacher; it cannot be changed"));
      return FALSE;
    }
  if (ct_teaching_draft_get_n_chosen (self) == 0)
    {
      g_set_error_literal (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_NO_CASES,
                           _ ("Choose at least one study for the session"));
      return FALSE;
    }
  if ((self->ask & CT_TEACHING_ASK_ALL) == 0)
    {
      g_set_error_literal (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_NO_ASK,
                           _ ("Choose at least one thing the residents must estimate"));
      return FALSE;
    }
  if (g_strcmp0 (passphrase != NULL ? passphrase : "", passphrase_again != NULL ? passphrase_again : "") != 0)
    {
      g_set_error_literal (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_PASSPHRASE,
                           _ ("The two lock passphrases differ"));
      return FALSE;
    }
  if (session_file != NULL)
    {
      g_autofree char *abs = g_canonicalize_filename (session_file, NULL);
      g_autofree char *dir = g_path_get_dirname (abs);

      for (guint i = 0; i < self->studies->len; i++)
        {
          const CtTeachingDraftStudy *s = g_ptr_array_index (self->studies, i);
          if (s->chosen && !is_within (s->path, dir))
            {
              g_set_error (error, CT_TEACHING_DRAFT_ERROR, CT_TEACHING_DRAFT_ERROR_OUTSIDE,
                           _ ("%s is not in the session file's folder %s or below it: save the session in a folder "
                              "that holds every study, so that the folder can be copied as a whole"),
                           s->path, dir);
              return FALSE;
            }
        }
    }
  return TRUE;
}

CtTeachingSession *
ct_teaching_draft_build (CtTeachingDraft *self, const char *session_file, const char *passphrase,
                         const char *passphrase_again, GError **error)
{
  g_autoptr (CtTeachingSession) session = NULL;

  if (!ct_teaching_draft_validate (self, session_file, passphrase, passphrase_again, error))
    return NULL;
  session = ct_teaching_session_new (self->title);
  ct_teaching_session_set_ask (session, self->ask, NULL);
  for (guint i = 0; i < self->studies->len; i++)
    {
      const CtTeachingDraftStudy *s = g_ptr_array_index (self->studies, i);
      int index;

      if (!s->chosen)
        continue;
      index = ct_teaching_session_add_case_with_id (session, s->path, s->series_uid, s->id, NULL);
      ct_teaching_session_set_reference (session, (guint) index, s->ref_covid, s->ref_severity, s->ref_category,
                                         s->teaching_point, NULL);
    }
  if (passphrase != NULL && *passphrase != '\0')
    ct_teaching_session_lock (session, passphrase, NULL);
  return g_steal_pointer (&session);
}
