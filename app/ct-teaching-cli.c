/* SPDX-License-Identifier: MIT */
/* ct-teaching-cli.c: teaching-create and teaching-summary
 * (ct-teaching-cli.h). */
#include "config.h"

#include "ct-teaching-cli.h"

#include <stdio.h>

#include <glib/gi18n-lib.h>

#include "ct-study-library.h"
#include "ct-teaching-answer.h"
#include "ct-teaching-report.h"
#include "ct-teaching-score.h"
#include "ct-teaching-session.h"

#define EXIT_USAGE 2

static int
usage_error (GOptionContext *context, const char *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("ct-triage-cli: %s\n\n%s", message, help);
  return EXIT_USAGE;
}

int
ct_teaching_cli_create (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("PATH... - prepare a teaching session"));
  g_autofree char *out = NULL;
  g_autofree char *title = NULL;
  g_autofree char *passphrase_file = NULL;
  g_auto (GStrv) paths = NULL;
  gboolean from_truth = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (CtStudyLibrary) library = NULL;
  g_autoptr (GPtrArray) studies = NULL;
  g_autoptr (CtTeachingSession) session = NULL;
  g_autoptr (GListStore) store = g_list_store_new (CT_TYPE_STUDY);
  g_autoptr (GPtrArray) notes = NULL;
  gboolean any_failed = FALSE;
  GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_ ("The session file to write"), "FILE" },
    { "title", 0, 0, G_OPTION_ARG_STRING, &title, N_ ("The session's title"), "TITLE" },
    { "reference-from-truth", 0, 0, G_OPTION_ARG_NONE, &from_truth,
      N_ ("Read each reference answer from the phantom generator's truth.json"), NULL },
    { "lock-passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &passphrase_file,
      N_ ("Lock the session with the passphrase in FILE (first line)"), "FILE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &paths, NULL, "PATH..." },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (out == NULL)
    return usage_error (context, _ ("--out is required"));
  if (paths == NULL || paths[0] == NULL)
    return usage_error (context, _ ("no PATH given"));

  library = ct_study_library_new ();
  studies = ct_study_library_add_paths (library, (const char *const *) paths, 0, TRUE, NULL, &error);
  if (studies == NULL)
    {
      g_printerr ("ct-triage-cli: %s\n", error->message);
      return 1;
    }
  session = ct_teaching_session_new (title != NULL ? title : _ ("Teaching session"));
  for (guint i = 0; i < studies->len; i++)
    {
      CtStudy *study = g_ptr_array_index (studies, i);

      if (ct_study_get_status (study) == CT_STUDY_STATUS_FAILED)
        {
          g_printerr ("ct-triage-cli: %s: %s\n", ct_study_get_path (study), ct_study_get_error (study));
          any_failed = TRUE;
        }
      g_list_store_append (store, study);
    }
  ct_teaching_session_add_studies (session, G_LIST_MODEL (store), from_truth, &notes, NULL);
  for (guint i = 0; i < notes->len; i++)
    g_printerr ("ct-triage-cli: note: %s\n", (const char *) g_ptr_array_index (notes, i));
  if (ct_teaching_session_get_n_cases (session) == 0)
    {
      g_printerr ("ct-triage-cli: %s\n", _ ("no study to put in the session"));
      return 1;
    }
  if (passphrase_file != NULL)
    {
      g_autofree char *text = NULL;
      g_auto (GStrv) lines = NULL;

      if (!g_file_get_contents (passphrase_file, &text, NULL, &error))
        {
          g_printerr ("ct-triage-cli: --lock-passphrase-file: %s\n", error->message);
          return EXIT_USAGE;
        }
      lines = g_strsplit (text, "\n", 2);
      if (lines[0] == NULL || *g_strstrip (lines[0]) == '\0')
        {
          g_printerr ("ct-triage-cli: --lock-passphrase-file %s: %s\n", passphrase_file, _ ("the first line is empty"));
          return EXIT_USAGE;
        }
      ct_teaching_session_lock (session, lines[0], NULL);
    }
  if (!ct_teaching_session_save (session, out, &error))
    {
      g_printerr ("ct-triage-cli: %s\n", error->message);
      return 1;
    }
  printf (ngettext ("%s: %u case\n", "%s: %u cases\n", ct_teaching_session_get_n_cases (session)), out,
          ct_teaching_session_get_n_cases (session));
  return any_failed ? 1 : 0;
}

int
ct_teaching_cli_summary (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("RESULTS.csv - summarise a teaching session"));
  g_autofree char *pdf = NULL;
  g_auto (GStrv) files = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) answers = NULL;
  g_autofree char *text = NULL;
  GOptionEntry entries[] = {
    { "pdf", 0, 0, G_OPTION_ARG_FILENAME, &pdf, N_ ("Also write the summary with its plots as a PDF"), "FILE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "RESULTS.csv" },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (files == NULL || files[0] == NULL || files[1] != NULL)
    return usage_error (context, _ ("give one results CSV"));
  answers = ct_teaching_csv_read (files[0], &error);
  if (answers == NULL)
    {
      g_printerr ("ct-triage-cli: %s\n", error->message);
      return 1;
    }
  text = ct_teaching_summary_text (answers);
  fputs (text, stdout);
  if (pdf != NULL && !ct_teaching_report_write_pdf (answers, pdf, &error))
    {
      g_printerr ("ct-triage-cli: %s\n", error->message);
      return 1;
    }
  return fflush (stdout) == 0 ? 0 : 1;
}
