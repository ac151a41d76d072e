/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the DICOM path as the core runs it (issue 11), header
 * reading, series grouping, geometry and pixel decoding, through the decoder
 * helper (ct-triage-decoder, app/ct-decoder.h).
 *
 * Why through the helper: Debian's GDCM keeps its assert()s, so an
 * in-process target of ct_gdcm_direct_* would stop at the first abort inside
 * GDCM, which is no bug of ours and which the core is built to survive by
 * running GDCM in a helper process. The property checked here is the one the
 * program promises: whatever the bytes, the core never crashes, leaks or
 * trips a sanitizer, and every refusal is a GError that names the file or
 * folder concerned. A crash of the helper is an expected, contained outcome
 * (the file's error says "crashed on this file"); fuzz/run points the
 * helper's own sanitizer reports at a folder and lists them after the run,
 * so a memory error inside the helper (in ct-gdcm.cpp or in GDCM) is seen,
 * not lost. Coverage guidance comes from the core's side only (the helper is
 * another process): the caller's protocol code, the native pixel reader
 * (ct_gdcm_read_header_pixels reads uncompressed slices in process), the
 * scanner's checks and grouping, the loader's limits and the geometry.
 *
 * Input: the first byte chooses the layout, the rest is split at "\nCTFUZZ\n"
 * into at most four files:
 *  - even: a folder of slices IM0..IM3, scanned as a folder;
 *  - odd: a medium, media/DICOMDIR (the first part) and media/IM0.. (the
 *    others), with outside/IM0 (a copy of the second part) next to the
 *    medium; the DICOMDIR is scanned by its path, so its file IDs are
 *    followed, and no image outside media/ may ever be read.
 * Every series the scan finds is loaded (one thread). */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct-decoder.h"
#include "ct-series-loader.h"
#include "ct-study-scan.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define SEPARATOR "\nCTFUZZ\n"
#define MAX_PARTS 4

static char *root;
static char *decoder;
/* Figures printed at exit: inputs, inputs on which the helper crashed or
 * hung (contained), series loaded, refused. */
static guint n_inputs, n_helper_failures, n_loaded, n_refused, failures_since_reset;

static void
print_figures (void)
{
  g_printerr ("fuzz-dicom: %u inputs, the helper crashed or hung on %u (contained), %u series loaded, %u refused\n",
              n_inputs, n_helper_failures, n_loaded, n_refused);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const char *env = g_getenv ("CT_FUZZ_DECODER");
  g_autofree char *here = g_path_get_dirname ((*argv)[0]);

  (void) argc;
  decoder = env != NULL ? g_strdup (env) : g_build_filename (here, "..", "app", "ct-triage-decoder", NULL);
  if (!g_file_test (decoder, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("fuzz-dicom: no decoder helper at %s (set CT_FUZZ_DECODER)\n", decoder);
      return 1;
    }
  /* The helper's own sanitizer reports go to files that fuzz/run lists
   * (this process read its options at its start; the helper inherits
   * these). */
  if (g_getenv ("CT_FUZZ_HELPER_LOGS") != NULL)
    {
      g_autofree char *asan = g_strdup_printf ("log_path=%s:detect_leaks=1", g_getenv ("CT_FUZZ_HELPER_LOGS"));
      g_autofree char *ubsan = g_strdup_printf ("log_path=%s:print_stacktrace=1", g_getenv ("CT_FUZZ_HELPER_LOGS"));
      g_setenv ("ASAN_OPTIONS", asan, TRUE);
      g_setenv ("UBSAN_OPTIONS", ubsan, TRUE);
    }
  root = g_dir_make_tmp ("ct-fuzz-dicom-XXXXXX", NULL);
  g_assert (root != NULL);
  ct_gdcm_init ();
  ct_gdcm_set_decoder (decoder);
  /* Well under libFuzzer's -timeout, so that a hang inside GDCM is the
   * contained outcome it is in the program (a stopped helper), not a
   * timeout of the target; short, for the fuzzer's pace: GDCM takes 18 s on
   * some damaged lengths (it zeroes gigabytes, then aborts). */
  ct_gdcm_set_decoder_timeout (2);
  atexit (print_figures);
  return 0;
}

/* Fails (a finding) unless @message names something under @folder. */
static void
check_names_file (const char *message, const char *folder, const char *what)
{
  if (message == NULL || strstr (message, folder) == NULL)
    {
      g_printerr ("fuzz-dicom: %s without the file's name: %s\n", what, message ? message : "(no message)");
      g_error ("a refusal that does not name its file");
    }
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *media = NULL, *outside = NULL, *scan_path = NULL;
  g_autoptr (CtStudyScan) scan = NULL;
  g_autoptr (GError) error = NULL;
  const char *parts[MAX_PARTS];
  gsize lengths[MAX_PARTS];
  guint n_parts = 0;
  gboolean medium;
  gboolean helper_failed = FALSE;

  if (size < 1)
    return 0;
  n_inputs++;
  medium = data[0] & 1;
  {
    const char *p = (const char *) data + 1, *end = (const char *) data + size;
    while (n_parts < MAX_PARTS)
      {
        const char *next = n_parts + 1 < MAX_PARTS ? g_strstr_len (p, end - p, SEPARATOR) : NULL;
        parts[n_parts] = p;
        lengths[n_parts] = (gsize) ((next != NULL ? next : end) - p);
        n_parts++;
        if (next == NULL)
          break;
        p = next + strlen (SEPARATOR);
      }
  }

  media = g_build_filename (root, "media", NULL);
  outside = g_build_filename (root, "outside", NULL);
  g_mkdir (media, 0700);
  for (guint i = 0; i < n_parts; i++)
    {
      g_autofree char *name = medium && i == 0 ? g_strdup ("DICOMDIR") : g_strdup_printf ("IM%u", medium ? i - 1 : i);
      g_autofree char *file = g_build_filename (media, name, NULL);
      g_file_set_contents (file, parts[i], (gssize) lengths[i], NULL);
    }
  if (medium && n_parts > 1)
    {
      g_autofree char *file = g_build_filename (outside, "IM0", NULL);
      g_mkdir (outside, 0700);
      g_file_set_contents (file, parts[1], (gssize) lengths[1], NULL);
    }

  scan_path = medium ? g_build_filename (media, "DICOMDIR", NULL) : g_strdup (media);
  {
    const char *paths[] = { scan_path, NULL };
    scan = ct_study_scan_paths (paths, 1, NULL, NULL, NULL, &error);
  }
  if (scan == NULL)
    {
      g_assert (error != NULL);
      check_names_file (error->message, root, "a failed scan");
    }
  for (guint i = 0; scan != NULL && i < scan->skipped->len; i++)
    {
      const CtSkippedFile *s = g_ptr_array_index (scan->skipped, i);
      g_assert (s->path != NULL && s->reason != NULL);
      check_names_file (s->path, root, "a skipped file");
      helper_failed = helper_failed || strstr (s->reason, "DICOM decoder") != NULL;
    }
  for (guint i = 0; scan != NULL && i < scan->series->len; i++)
    {
      const CtSeriesInfo *series = g_ptr_array_index (scan->series, i);
      g_autoptr (GError) local = NULL;
      CtVolume *volume;

      if (series->headers != NULL)
        for (guint f = 0; f < series->headers->len; f++)
          {
            const CtGdcmHeader *h = g_ptr_array_index (series->headers, f);
            /* DICOMDIR confinement: nothing outside the medium is read. */
            if (!g_str_has_prefix (h->path, media) || h->path[strlen (media)] != G_DIR_SEPARATOR)
              g_error ("fuzz-dicom: %s read from outside the medium %s", h->path, media);
          }
      volume = ct_series_load (series, 1, NULL, NULL, NULL, &local);
      if (volume == NULL)
        {
          g_assert (local != NULL);
          check_names_file (local->message, root, "a failed load");
          n_refused++;
          helper_failed = helper_failed || strstr (local->message, "DICOM decoder") != NULL;
        }
      else
        {
          g_assert (local == NULL);
          g_assert (volume->nx > 0 && volume->ny > 0 && volume->nz > 0);
          ct_volume_unref (volume);
          n_loaded++;
        }
    }
  /* A crashed helper counts against the "32 failures in a row" guard, which
   * would, after enough crashing inputs, stop starting helpers: setting the
   * decoder again clears it (and stops the idle helper, so only now and
   * then: each helper start costs more than an input). */
  if (helper_failed)
    {
      n_helper_failures++;
      if (++failures_since_reset >= 4)
        {
          ct_gdcm_set_decoder (decoder);
          failures_since_reset = 0;
        }
    }
  remove_tree (media);
  remove_tree (outside);
  return 0;
}
