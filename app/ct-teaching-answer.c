/* SPDX-License-Identifier: MIT */
/* ct-teaching-answer.c: answers and the results CSV (ct-teaching-answer.h). */
#include "config.h"

#include "ct-teaching-answer.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "ct-analysis.h"

enum
{
  COL_SESSION,
  COL_RESIDENT,
  COL_CASE,
  COL_POSITION,
  COL_COVID,
  COL_CONFIDENCE,
  COL_SEVERITY,
  COL_CATEGORY,
  COL_SECONDS,
  COL_REF_COVID,
  COL_REF_SEVERITY,
  COL_REF_CATEGORY,
  COL_AI_PROBABILITY,
  COL_AI_COVID,
  COL_AI_SEVERITY,
  COL_AI_CATEGORY,
  N_COLUMNS
};

static const char header[] = "session,resident,case_id,position,covid,confidence_percent,severity_percent,category,"
                             "seconds,ref_covid,ref_severity_percent,ref_category,ai_probability,ai_covid,"
                             "ai_severity_percent,ai_category\n";

const char *
ct_teaching_csv_header (void)
{
  return header;
}

CtTeachingAnswer *
ct_teaching_answer_new (void)
{
  CtTeachingAnswer *a = g_new0 (CtTeachingAnswer, 1);

  a->covid = a->category = a->ref_covid = a->ref_category = a->ai_category = -1;
  a->confidence = a->severity = a->seconds = a->ref_severity = a->ai_probability = a->ai_severity = NAN;
  return a;
}

CtTeachingAnswer *
ct_teaching_answer_copy (const CtTeachingAnswer *answer)
{
  CtTeachingAnswer *a = g_memdup2 (answer, sizeof *answer);

  a->session = g_strdup (answer->session);
  a->resident = g_strdup (answer->resident);
  a->case_id = g_strdup (answer->case_id);
  return a;
}

void
ct_teaching_answer_free (CtTeachingAnswer *answer)
{
  if (answer == NULL)
    return;
  g_free (answer->session);
  g_free (answer->resident);
  g_free (answer->case_id);
  g_free (answer);
}

int
ct_teaching_answer_ai_covid (const CtTeachingAnswer *answer)
{
  if (!isfinite (answer->ai_probability))
    return -1;
  return answer->ai_probability >= CT_TEACHING_AI_THRESHOLD;
}

/* A text field: quoted when it holds a comma, quote or line break (line
 * breaks become spaces: one answer, one line). */
static void
append_text (GString *out, const char *text)
{
  if (text == NULL)
    text = "";
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append (out, "\"\"");
      else if (*p == '\r' || *p == '\n')
        g_string_append_c (out, ' ');
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
append_number (GString *out, double value, const char *format)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (isfinite (value))
    g_string_append (out, g_ascii_formatd (buffer, sizeof buffer, format, value));
}

static void
append_yes_no (GString *out, int value)
{
  if (value >= 0)
    g_string_append (out, value ? "yes" : "no");
}

static void
append_category (GString *out, int value)
{
  if (value >= 0)
    g_string_append (out, ct_category_to_string ((CtCategory) value));
}

static void
append_row (GString *out, const CtTeachingAnswer *a)
{
  append_text (out, a->session);
  g_string_append_c (out, ',');
  append_text (out, a->resident);
  g_string_append_c (out, ',');
  append_text (out, a->case_id);
  g_string_append_printf (out, ",%d,", a->position);
  append_yes_no (out, a->covid);
  g_string_append_c (out, ',');
  append_number (out, a->confidence, "%.0f");
  g_string_append_c (out, ',');
  append_number (out, a->severity, "%.2f");
  g_string_append_c (out, ',');
  append_category (out, a->category);
  g_string_append_c (out, ',');
  append_number (out, a->seconds, "%.2f");
  g_string_append_c (out, ',');
  append_yes_no (out, a->ref_covid);
  g_string_append_c (out, ',');
  append_number (out, a->ref_severity, "%.2f");
  g_string_append_c (out, ',');
  append_category (out, a->ref_category);
  g_string_append_c (out, ',');
  append_number (out, a->ai_probability, "%.4f");
  g_string_append_c (out, ',');
  append_yes_no (out, ct_teaching_answer_ai_covid (a));
  g_string_append_c (out, ',');
  append_number (out, a->ai_severity, "%.2f");
  g_string_append_c (out, ',');
  append_category (out, a->ai_category);
  g_string_append_c (out, '\n');
}

gboolean
ct_teaching_csv_append (const char *file, GPtrArray *answers, GError **error)
{
  g_autoptr (GString) rows = g_string_new (NULL);
  struct stat st;
  int fd, saved;
  gssize written;

  g_return_val_if_fail (file != NULL && answers != NULL, FALSE);
  fd = g_open (file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _ ("Cannot open the results file %s: %s"), file,
                   g_strerror (saved));
      return FALSE;
    }
  /* The lock covers "is it empty? then the header" and the rows: two
   * residents finishing together get one header and whole rows each. */
  while (flock (fd, LOCK_EX) != 0 && errno == EINTR)
    ;
  if (fstat (fd, &st) == 0 && st.st_size == 0)
    g_string_append (rows, header);
  for (guint i = 0; i < answers->len; i++)
    append_row (rows, g_ptr_array_index (answers, i));
  do
    written = write (fd, rows->str, rows->len);
  while (written < 0 && errno == EINTR);
  saved = errno;
  flock (fd, LOCK_UN);
  close (fd);
  if (written != (gssize) rows->len)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("Cannot write the results file %s: %s"), file,
                   written < 0 ? g_strerror (saved) : _ ("short write"));
      return FALSE;
    }
  return TRUE;
}

/* Splits one CSV line into fields ("" quoting); NULL on an unclosed quote. */
static GPtrArray *
split_line (const char *line)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);
  const char *p = line;
  gboolean quoted = FALSE;

  for (;; p++)
    {
      if (quoted)
        {
          if (*p == '\0')
            {
              g_string_free (field, TRUE);
              g_ptr_array_unref (fields);
              return NULL;
            }
          if (*p == '"' && p[1] == '"')
            {
              g_string_append_c (field, '"');
              p++;
            }
          else if (*p == '"')
            quoted = FALSE;
          else
            g_string_append_c (field, *p);
          continue;
        }
      if (*p == '"')
        quoted = TRUE;
      else if (*p == ',' || *p == '\0' || *p == '\r')
        {
          g_ptr_array_add (fields, g_string_free (field, FALSE));
          if (*p != ',')
            return fields;
          field = g_string_new (NULL);
        }
      else
        g_string_append_c (field, *p);
    }
}

static gboolean
parse_number (const char *text, double *out)
{
  char *end = NULL;

  if (*text == '\0')
    {
      *out = NAN;
      return TRUE;
    }
  *out = g_ascii_strtod (text, &end);
  return end != text && *end == '\0' && isfinite (*out);
}

static gboolean
parse_yes_no (const char *text, int *out)
{
  *out = *text == '\0' ? -1 : strcmp (text, "yes") == 0 ? 1 : strcmp (text, "no") == 0 ? 0 : -2;
  return *out != -2;
}

static gboolean
parse_category (const char *text, int *out)
{
  *out = -1;
  if (*text == '\0')
    return TRUE;
  for (int k = CT_CATEGORY_0; k <= CT_CATEGORY_4; k++)
    if (strcmp (text, ct_category_to_string ((CtCategory) k)) == 0)
      {
        *out = k;
        return TRUE;
      }
  return FALSE;
}

GPtrArray *
ct_teaching_csv_read (const char *file, GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) answers = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_teaching_answer_free);
  g_autoptr (GError) local = NULL;

  if (!g_file_get_contents (file, &text, NULL, &local))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("Cannot read the results file %s: %s"), file,
                   local->message);
      return NULL;
    }
  lines = g_strsplit (text, "\n", -1);
  if (lines[0] == NULL || !g_str_has_prefix (header, lines[0]) || strlen (lines[0]) + 1 != strlen (header))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _ ("%s: line 1 is not the teaching results header (docs/teaching-session.md)"), file);
      return NULL;
    }
  for (guint n = 1; lines[n] != NULL; n++)
    {
      g_autoptr (GPtrArray) f = NULL;
      g_autoptr (CtTeachingAnswer) a = NULL;
      char **v;
      double position;
      int ai_covid;

      if (lines[n][0] == '\0' || strcmp (lines[n], "\r") == 0)
        continue;
      f = split_line (lines[n]);
      a = ct_teaching_answer_new ();
      v = f != NULL ? (char **) f->pdata : NULL;
      if (f == NULL || f->len != N_COLUMNS || !parse_number (v[COL_POSITION], &position) ||
          !parse_yes_no (v[COL_COVID], &a->covid) || !parse_number (v[COL_CONFIDENCE], &a->confidence) ||
          !parse_number (v[COL_SEVERITY], &a->severity) || !parse_category (v[COL_CATEGORY], &a->category) ||
          !parse_number (v[COL_SECONDS], &a->seconds) || !parse_yes_no (v[COL_REF_COVID], &a->ref_covid) ||
          !parse_number (v[COL_REF_SEVERITY], &a->ref_severity) ||
          !parse_category (v[COL_REF_CATEGORY], &a->ref_category) ||
          !parse_number (v[COL_AI_PROBABILITY], &a->ai_probability) || !parse_yes_no (v[COL_AI_COVID], &ai_covid) ||
          !parse_number (v[COL_AI_SEVERITY], &a->ai_severity) ||
          !parse_category (v[COL_AI_CATEGORY], &a->ai_category) || *v[COL_RESIDENT] == '\0')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _ ("%s: line %u is not a valid teaching result (%u columns expected)"), file, n + 1,
                       (guint) N_COLUMNS);
          return NULL;
        }
      a->session = g_strdup (v[COL_SESSION]);
      a->resident = g_strdup (v[COL_RESIDENT]);
      a->case_id = g_strdup (v[COL_CASE]);
      a->position = isfinite (position) ? (int) position : 0;
      g_ptr_array_add (answers, g_steal_pointer (&a));
    }
  return g_steal_pointer (&answers);
}
