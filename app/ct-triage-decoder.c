/* SPDX-License-Identifier: MIT */
/* ct-triage-decoder: reads DICOM headers and decodes pixel data through GDCM
 * for ct-triage, on its standard input and output (app/ct-decoder.h), so that
 * a crash inside GDCM ends this helper, not the program that asked. Not for
 * users: the core starts it. */
#include <unistd.h>

#include "ct-decoder.h"

int
main (int argc, char **argv)
{
  if (argc > 1 || isatty (STDIN_FILENO))
    {
      g_printerr ("ct-triage-decoder: a helper of ct-triage, started by it; not for use by hand\n");
      return 2;
    }
  return ct_decoder_serve (STDIN_FILENO, STDOUT_FILENO);
}
