/* SPDX-License-Identifier: MIT */
/* ct-teaching-session.c: the teaching session file (ct-teaching-session.h,
 * docs/teaching-session.md). */
#include "config.h"

#include "ct-teaching-session.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "ct-analysis.h"
#include "ct-study.h"

struct _CtTeachingSession
{
  GObject parent_instance;

  char *title;
  CtTeachingAsk ask;
  GPtrArray *cases; /* CtTeachingCase* */
  char *lock_salt;  /* hex, or NULL when unlocked */
  char *lock_sha256;
  guint next_id;
};

G_DEFINE_FINAL_TYPE (CtTeachingSession, ct_teaching_session, G_TYPE_OBJECT)
G_DEFINE_QUARK (ct - teaching - session - error - quark, ct_teaching_session_error)

static void
case_free (gpointer data)
{
  CtTeachingCase *c = data;

  g_free (c->id);
  g_free (c->path);
  g_free (c->series_uid);
  g_free (c->teaching_point);
  g_free (c);
}

static void
ct_teaching_session_finalize (GObject *object)
{
  CtTeachingSession *self = CT_TEACHING_SESSION (object);

  g_free (self->title);
  g_ptr_array_unref (self->cases);
  g_free (self->lock_salt);
  g_free (self->lock_sha256);
  G_OBJECT_CLASS (ct_teaching_session_parent_class)->finalize (object);
}

static void
ct_teaching_session_class_init (CtTeachingSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ct_teaching_session_finalize;
}

static void
ct_teaching_session_init (CtTeachingSession *self)
{
  self->cases = g_ptr_array_new_with_free_func (case_free);
  self->ask = CT_TEACHING_ASK_ALL;
  self->next_id = 1;
}

CtTeachingSession *
ct_teaching_session_new (const char *title)
{
  CtTeachingSession *self = g_object_new (CT_TYPE_TEACHING_SESSION, NULL);

  self->title = g_strdup (title != NULL ? title : "");
  return self;
}

static gboolean
check_unlocked (CtTeachingSession *self, GError **error)
{
  if (self->lock_sha256 == NULL)
    return TRUE;
  g_set_error_literal (error, CT_TEACHING_SESSION_ERROR, CT_TEACHING_SESSION_ERROR_LOCKED,
                       _ ("The teaching session is locked by the teacher; it cannot be changed"));
  return FALSE;
}

const char *
ct_teaching_session_get_title (CtTeachingSession *self)
{
  g_return_val_if_fail (CT_IS_TEACHING_SESSION (self), NULL);
  return self->title;
}

gboolean
ct_teaching_session_set_title (CtTeachingSession *self, const char *title, GError **error)
{
  g_return_val_if_fail (CT_IS_TEACHING_SESSION (self), FALSE);
  if (!check_unlocked (self, error))
    return FALSE;
  g_free (self->title);
  self->title = g_strdup (title != NULL ? title : "");
  return TRUE;
}

CtTeachingAsk
ct_teaching_session_get_ask (CtTeachingSession *self)
{
  g_return_val_if_fail (CT_IS_TEACHING_SESSION (self), 0);
  return self->ask;
}

gboolean
ct_teaching_session_set_ask (CtTeachingSession *self, CtTeachingAsk ask, GError **error)
{
  g_return_val_if_fail (CT_IS_TEACHING_SESSION (self), FALSE);
  if (!check_unlocked (self, error))
    return FALSE;
  self->ask = ask & CT_TEACHING_ASK_ALL;
  return TRUE;
}

guint
ct_teaching_session_get_n_cases (CtTeachingSession *self)
{
  g_return_val_if_fail (CT_IS_TEACHING_SESSION (self), 0);
  return self->cases->len;
}

const CtTeachingCase *
ct_teaching_session_get_case (CtTeachingSession *self, guint index)
{
  g_return_val_if_fail (CT_IS_TEACHING_SESSION (self), NULL);
  g_return_val_if_fail (index < self->cases->len, NULL);
  return g_ptr_array_index (self->cases, index);
}

static char *
absolute_path (const char *path, const char *base)
{
  g_autofree char *joined = NULL;

  if (g_path_is_absolute (path))
    return g_canonicalize_filename (path, NULL);
  joined = base != NULL ? g_build_filename (base, path, NULL) : NULL;
  return g_canonicalize_filename (joined != NULL ? joined : path, NULL);
}

static gboolean
id_taken (CtTeachingSession *self, const char *id)
{
  for (guint i = 0; i < self->cases->len; i++)
    if (strcmp (((CtTeachingCase *) g_ptr_array_index (self->cases, i))->id, id) == 0)
      return TRUE;
  return FALSE;
}

static CtTeachingCase *
append_case (CtTeachingSession *self, const char *id, const char *abs_path, const char *series_uid)
{
  CtTeachingCase *c = g_new0 (CtTeachingCase, 1);
  guint number;

  if (id != NULL && *id != '\0' && !id_taken (self, id))
    {
      c->id = g_strdup (id);
      /* New ids come after the kept ones: "case-03" kept, the next is "case-04". */
      if (sscanf (id, "case-%u", &number) == 1 && number >= self->next_id)
        self->next_id = number + 1;
    }
  else
    {
      do
        {
          g_free (c->id);
          c->id = g_strdup_printf ("case-%02u", self->next_id++);
        }
      while (id_taken (self, c->id));
    }
  c->path = g_strdup (abs_path);
  c->series_uid = series_uid != NULL && *series_uid != '\0' ? g_strdup (series_uid) : NULL;
  c->ref_covid = -1;
  c->ref_severity = NAN;
  c->ref_category = -1;
  g_ptr_array_add (self->cases, c);
  return c;
}

int
ct_teaching_session_add_case (CtTeachingSession *self, const char *path, const char *series_uid, GError **error)
{
  return ct_teaching_session_add_case_with_id (self, path, series_uid, NULL, error);
}

int
ct_teaching_session_add_case_with_id (CtTeachingSession *self, const char *path, const char *series_uid, const char *id,
                                      GError **error)
{
  g_autofree char *abs = NULL;

  g_return_val_if_fail (CT_IS_TEACHING_SESSION (self), -1);
  g_return_val_if_fail (path != NULL, -1);
  if (!check_unlocked (self, error))
    return -1;
  abs = absolute_path (path, NULL);
  append_case (self, id, abs, series_uid);
  return (int) self->cases->len - 1;
}

gboolean
ct_teaching_session_set_reference (CtTeachingSession *self, guint index, int covid, double severity_percent,
                                   int category, const char *teaching_point, GError **error)
{
  CtTeachingCase *c;

  g_return_val_if_fail (CT_IS_TEACHING_SESSION (self), FALSE);
  g_return_val_if_fail (index < self->cases->len, FALSE);
  if (!check_unlocked (self, error))
    return FALSE;
  c = g_ptr_array_index (self->cases, index);
  c->ref_covid = covid < 0 ? -1 : covid != 0;
  c->ref_severity = isfinite (severity_percent) ? CLAMP (severity_percent, 0.0, 100.0) : NAN;
  c->ref_category = category >= 0 && category <= CT_CATEGORY_4 ? category : -1;
  g_free (c->teaching_point);
  c->teaching_point = teaching_point != NULL && *teaching_point != '\0' ? g_strdup (teaching_point) : NULL;
  return TRUE;
}

/* The truth object of the case: @dir/truth.json (one object), or the
 * array in the parent's truth.json whose "folder" is @dir's name or whose
 * "series_uid" is @series_uid. */
static JsonObject *
find_truth (JsonParser *parser, const char *dir, const char *series_uid, char **out_file)
{
  g_autofree char *own = g_build_filename (dir, "truth.json", NULL);
  g_autofree char *parent = g_path_get_dirname (dir);
  g_autofree char *beside = g_build_filename (parent, "truth.json", NULL);
  g_autofree char *base = g_path_get_basename (dir);
  const char *files[] = { own, beside };

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      JsonNode *root;

      if (!g_file_test (files[f], G_FILE_TEST_IS_REGULAR) || !json_parser_load_from_file (parser, files[f], NULL))
        continue;
      root = json_parser_get_root (parser);
      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root) && f == 0)
        {
          *out_file = g_strdup (files[f]);
          return json_node_get_object (root);
        }
      if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
        {
          JsonArray *array = json_node_get_array (root);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *node = json_array_get_element (array, i);
              JsonObject *o;
              const char *folder, *uid;

              if (!JSON_NODE_HOLDS_OBJECT (node))
                continue;
              o = json_node_get_object (node);
              folder = json_object_get_string_member_with_default (o, "folder", NULL);
              uid = json_object_get_string_member_with_default (o, "series_uid", NULL);
              if ((f == 1 && folder != NULL && strcmp (folder, base) == 0) ||
                  (series_uid != NULL && uid != NULL && strcmp (uid, series_uid) == 0))
                {
                  *out_file = g_strdup (files[f]);
                  return o;
                }
            }
        }
    }
  return NULL;
}

gboolean
ct_teaching_reference_from_truth (const char *path, const char *series_uid, int *out_covid, double *out_severity,
                                  int *out_category, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  JsonObject *truth;
  const char *klass;
  double severity;
  gboolean covid;

  g_return_val_if_fail (path != NULL, FALSE);
  dir = g_file_test (path, G_FILE_TEST_IS_DIR) ? g_strdup (path) : g_path_get_dirname (path);
  truth = find_truth (parser, dir, series_uid, &file);
  if (truth == NULL)
    {
      g_set_error (error, CT_TEACHING_SESSION_ERROR, CT_TEACHING_SESSION_ERROR_NO_TRUTH,
                   _ ("%s: no phantom truth.json describes this study"), path);
      return FALSE;
    }
  klass = json_object_get_string_member_with_default (truth, "class", NULL);
  severity = json_object_get_double_member_with_default (truth, "severity_percent", NAN);
  if (klass == NULL || !isfinite (severity))
    {
      g_set_error (error, CT_TEACHING_SESSION_ERROR, CT_TEACHING_SESSION_ERROR_NO_TRUTH,
                   _ ("%s: the truth has no \"class\" or \"severity_percent\""), file);
      return FALSE;
    }
  covid = strcmp (klass, "covid") == 0;
  /* Only COVID-19 lesions count for the CT category: a bacterial
   * pneumonia's consolidation is CT-0 on this scale. */
  *out_covid = covid;
  *out_severity = covid ? severity : 0.0;
  *out_category = covid ? (int) ct_category_from_severity (severity) : CT_CATEGORY_0;
  return TRUE;
}

gboolean
ct_teaching_session_reference_from_truth (CtTeachingSession *self, guint index, GError **error)
{
  const CtTeachingCase *c;
  int covid, category;
  double severity;

  g_return_val_if_fail (CT_IS_TEACHING_SESSION (self), FALSE);
  g_return_val_if_fail (index < self->cases->len, FALSE);
  if (!check_unlocked (self, error))
    return FALSE;
  c = g_ptr_array_index (self->cases, index);
  if (!ct_teaching_reference_from_truth (c->path, c->series_uid, &covid, &severity, &category, error))
    return FALSE;
  return ct_teaching_session_set_reference (self, index, covid, severity, category, c->teaching_point, error);
}

int
ct_teaching_session_add_studies (CtTeachingSession *self, GListModel *studies, gboolean from_truth,
                                 GPtrArray **out_notes, GError **error)
{
  int added = 0;

  g_return_val_if_fail (CT_IS_TEACHING_SESSION (self), -1);
  g_return_val_if_fail (G_IS_LIST_MODEL (studies), -1);
  if (!check_unlocked (self, error))
    return -1;
  if (out_notes != NULL)
    *out_notes = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < g_list_model_get_n_items (studies); i++)
    {
      g_autoptr (CtStudy) study = g_list_model_get_item (studies, i);
      g_autoptr (GError) local = NULL;
      int index;

      if (ct_study_get_status (study) == CT_STUDY_STATUS_FAILED)
        continue;
      index = ct_teaching_session_add_case (self, ct_study_get_path (study), ct_study_get_series_uid (study), NULL);
      added++;
      if (from_truth && !ct_teaching_session_reference_from_truth (self, (guint) index, &local) && out_notes != NULL)
        g_ptr_array_add (*out_notes, g_strdup (local->message));
    }
  return added;
}

gboolean
ct_teaching_session_get_locked (CtTeachingSession *self)
{
  g_return_val_if_fail (CT_IS_TEACHING_SESSION (self), FALSE);
  return self->lock_sha256 != NULL;
}

static char *
hash_passphrase (const char *salt, const char *passphrase)
{
  g_autofree char *salted = g_strconcat (salt, ":", passphrase, NULL);

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, salted, -1);
}

gboolean
ct_teaching_session_lock (CtTeachingSession *self, const char *passphrase, GError **error)
{
  g_return_val_if_fail (CT_IS_TEACHING_SESSION (self), FALSE);
  g_return_val_if_fail (passphrase != NULL, FALSE);
  if (!check_unlocked (self, error))
    return FALSE;
  self->lock_salt = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
  self->lock_sha256 = hash_passphrase (self->lock_salt, passphrase);
  return TRUE;
}

gboolean
ct_teaching_session_unlock (CtTeachingSession *self, const char *passphrase, GError **error)
{
  g_autofree char *hash = NULL;

  g_return_val_if_fail (CT_IS_TEACHING_SESSION (self), FALSE);
  if (self->lock_sha256 == NULL)
    return TRUE;
  hash = hash_passphrase (self->lock_salt, passphrase != NULL ? passphrase : "");
  if (strcmp (hash, self->lock_sha256) != 0)
    {
      g_set_error_literal (error, CT_TEACHING_SESSION_ERROR, CT_TEACHING_SESSION_ERROR_PASSPHRASE,
                           _ ("Wrong passphrase: the teaching session stays locked"));
      return FALSE;
    }
  g_clear_pointer (&self->lock_salt, g_free);
  g_clear_pointer (&self->lock_sha256, g_free);
  return TRUE;
}

GArray *
ct_teaching_session_shuffle (CtTeachingSession *self, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  GArray *order = g_array_sized_new (FALSE, FALSE, sizeof (guint), self->cases->len);

  for (guint i = 0; i < self->cases->len; i++)
    g_array_append_val (order, i);
  /* Fisher-Yates. */
  for (guint i = order->len; i > 1; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) i);
      guint t = g_array_index (order, guint, i - 1);

      g_array_index (order, guint, i - 1) = g_array_index (order, guint, j);
      g_array_index (order, guint, j) = t;
    }
  return order;
}

static const char *const ask_names[] = { "covid", "severity", "category" };

char *
ct_teaching_path_relative_to (const char *path, const char *dir)
{
  gsize n;

  g_return_val_if_fail (path != NULL && dir != NULL, NULL);
  n = strlen (dir);
  if (strcmp (path, dir) == 0)
    return g_strdup (".");
  if (strncmp (path, dir, n) == 0 && (path[n] == G_DIR_SEPARATOR || (n > 0 && dir[n - 1] == G_DIR_SEPARATOR)))
    return g_strdup (path + n + (path[n] == G_DIR_SEPARATOR ? 1 : 0));
  return NULL;
}

/* @path relative to @dir when below it, else as it is. */
static char *
relative_to (const char *path, const char *dir)
{
  char *rel = ct_teaching_path_relative_to (path, dir);

  return rel != NULL ? rel : g_strdup (path);
}

gboolean
ct_teaching_session_save (CtTeachingSession *self, const char *file, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *abs_file = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (CT_IS_TEACHING_SESSION (self), FALSE);
  abs_file = absolute_path (file, NULL);
  dir = g_path_get_dirname (abs_file);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, CT_TEACHING_SESSION_FORMAT);
  json_builder_set_member_name (b, "schema_version");
  json_builder_add_int_value (b, CT_TEACHING_SESSION_SCHEMA_VERSION);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, self->title);
  json_builder_set_member_name (b, "ask");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (ask_names); i++)
    if (self->ask & (1u << i))
      json_builder_add_string_value (b, ask_names[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "locked");
  json_builder_add_boolean_value (b, self->lock_sha256 != NULL);
  if (self->lock_sha256 != NULL)
    {
      json_builder_set_member_name (b, "lock_salt");
      json_builder_add_string_value (b, self->lock_salt);
      json_builder_set_member_name (b, "lock_sha256");
      json_builder_add_string_value (b, self->lock_sha256);
    }
  json_builder_set_member_name (b, "cases");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->cases->len; i++)
    {
      const CtTeachingCase *c = g_ptr_array_index (self->cases, i);
      g_autofree char *rel = relative_to (c->path, dir);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, c->id);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, rel);
      if (c->series_uid != NULL)
        {
          json_builder_set_member_name (b, "series_uid");
          json_builder_add_string_value (b, c->series_uid);
        }
      if (c->ref_covid >= 0 || isfinite (c->ref_severity) || c->ref_category >= 0 || c->teaching_point != NULL)
        {
          json_builder_set_member_name (b, "reference");
          json_builder_begin_object (b);
          if (c->ref_covid >= 0)
            {
              json_builder_set_member_name (b, "covid");
              json_builder_add_boolean_value (b, c->ref_covid);
            }
          if (isfinite (c->ref_severity))
            {
              json_builder_set_member_name (b, "severity_percent");
              json_builder_add_double_value (b, c->ref_severity);
            }
          if (c->ref_category >= 0)
            {
              json_builder_set_member_name (b, "category");
              json_builder_add_string_value (b, ct_category_to_string ((CtCategory) c->ref_category));
            }
          if (c->teaching_point != NULL)
            {
              json_builder_set_member_name (b, "teaching_point");
              json_builder_add_string_value (b, c->teaching_point);
            }
          json_builder_end_object (b);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  if (!g_file_set_contents (abs_file, text, -1, &local))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("Cannot write the teaching session %s: %s"), file,
                   local->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
invalid (GError **error, const char *file, const char *problem)
{
  g_set_error (error, CT_TEACHING_SESSION_ERROR, CT_TEACHING_SESSION_ERROR_INVALID,
               _ ("%s is not a valid teaching session: %s"), file, problem);
  return FALSE;
}

/* -1 for an unknown name. */
static int
category_from_string (const char *name)
{
  for (int k = CT_CATEGORY_0; k <= CT_CATEGORY_4; k++)
    if (name != NULL && strcmp (name, ct_category_to_string ((CtCategory) k)) == 0)
      return k;
  return -1;
}

static gboolean
read_case (CtTeachingSession *self, JsonNode *node, const char *dir, const char *file, GError **error)
{
  JsonObject *o, *ref;
  const char *path, *id;
  g_autofree char *abs = NULL;
  CtTeachingCase *c;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, file, _ ("a case is not an object"));
  o = json_node_get_object (node);
  path = json_object_get_string_member_with_default (o, "path", NULL);
  id = json_object_get_string_member_with_default (o, "id", NULL);
  if (path == NULL || *path == '\0')
    return invalid (error, file, _ ("a case has no \"path\""));
  abs = absolute_path (path, dir);
  c = append_case (self, id, abs, json_object_get_string_member_with_default (o, "series_uid", NULL));
  if (!json_object_has_member (o, "reference"))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "reference")))
    return invalid (error, file, _ ("a case's \"reference\" is not an object"));
  ref = json_object_get_object_member (o, "reference");
  if (json_object_has_member (ref, "covid"))
    c->ref_covid = json_object_get_boolean_member (ref, "covid") ? 1 : 0;
  c->ref_severity = json_object_get_double_member_with_default (ref, "severity_percent", NAN);
  if (json_object_has_member (ref, "category"))
    {
      c->ref_category = category_from_string (json_object_get_string_member_with_default (ref, "category", NULL));
      if (c->ref_category < 0)
        return invalid (error, file, _ ("a reference category is not one of CT-0..CT-4"));
    }
  c->teaching_point = g_strdup (json_object_get_string_member_with_default (ref, "teaching_point", NULL));
  return TRUE;
}

CtTeachingSession *
ct_teaching_session_load (const char *file, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (CtTeachingSession) self = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *abs_file = NULL;
  g_autofree char *dir = NULL;
  JsonNode *root;
  JsonObject *o;
  const char *format;
  gint64 version;

  g_return_val_if_fail (file != NULL, NULL);
  if (!json_parser_load_from_file (parser, file, &local))
    {
      g_set_error (error, CT_TEACHING_SESSION_ERROR, CT_TEACHING_SESSION_ERROR_INVALID,
                   _ ("Cannot read the teaching session %s: %s"), file, local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return invalid (error, file, _ ("not a JSON object")), NULL;
  o = json_node_get_object (root);
  format = json_object_get_string_member_with_default (o, "format", NULL);
  if (format == NULL || strcmp (format, CT_TEACHING_SESSION_FORMAT) != 0)
    return invalid (error, file, _ ("no \"format\": \"ct-triage-teaching-session\"")), NULL;
  version = json_object_get_int_member_with_default (o, "schema_version", 0);
  if (version < 1 || version > CT_TEACHING_SESSION_SCHEMA_VERSION)
    {
      g_set_error (error, CT_TEACHING_SESSION_ERROR, CT_TEACHING_SESSION_ERROR_INVALID,
                   _ ("%s has schema version %lld; this program reads versions 1 to %d"), file, (long long) version,
                   CT_TEACHING_SESSION_SCHEMA_VERSION);
      return NULL;
    }
  abs_file = absolute_path (file, NULL);
  dir = g_path_get_dirname (abs_file);
  self = ct_teaching_session_new (json_object_get_string_member_with_default (o, "title", ""));
  if (json_object_has_member (o, "ask") && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "ask")))
    {
      JsonArray *ask = json_object_get_array_member (o, "ask");

      self->ask = 0;
      for (guint i = 0; i < json_array_get_length (ask); i++)
        for (guint k = 0; k < G_N_ELEMENTS (ask_names); k++)
          if (g_strcmp0 (json_array_get_string_element (ask, i), ask_names[k]) == 0)
            self->ask |= 1u << k;
    }
  if (!json_object_has_member (o, "cases") || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "cases")))
    return invalid (error, file, _ ("no \"cases\" array")), NULL;
  {
    JsonArray *cases = json_object_get_array_member (o, "cases");

    for (guint i = 0; i < json_array_get_length (cases); i++)
      if (!read_case (self, json_array_get_element (cases, i), dir, file, error))
        return NULL;
  }
  /* Locked last: the cases above were read, not edited. */
  if (json_object_get_boolean_member_with_default (o, "locked", FALSE))
    {
      const char *salt = json_object_get_string_member_with_default (o, "lock_salt", NULL);
      const char *hash = json_object_get_string_member_with_default (o, "lock_sha256", NULL);

      if (salt == NULL || hash == NULL)
        return invalid (error, file, _ ("locked without \"lock_salt\" and \"lock_sha256\"")), NULL;
      self->lock_salt = g_strdup (salt);
      self->lock_sha256 = g_strdup (hash);
    }
  return g_steal_pointer (&self);
}
