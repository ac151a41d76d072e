/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the safetensors parser (weights files) on arbitrary
 * bytes; every tensor it accepts is looked up again by name. */
#include <glib.h>

#include "ct-safetensors.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  GError *error = NULL;
  CtSafetensors *st = ct_safetensors_parse (data, size, &error);

  if (st != NULL)
    {
      GPtrArray *names = ct_safetensors_get_names (st);
      for (guint i = 0; names != NULL && i < names->len; i++)
        (void) ct_safetensors_lookup (st, g_ptr_array_index (names, i));
      g_clear_pointer (&names, g_ptr_array_unref);
      ct_safetensors_free (st);
    }
  g_clear_error (&error);
  return 0;
}
