/* SPDX-License-Identifier: MIT */
#include "ct-threads.h"

int
ct_threads_available (void)
{
  return (int) MAX (g_get_num_processors (), 1u);
}

int
ct_threads_cap (int requested)
{
  int cores = ct_threads_available ();

  return requested > 0 && requested <= cores ? requested : cores;
}
