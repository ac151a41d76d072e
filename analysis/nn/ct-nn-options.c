/* SPDX-License-Identifier: MIT */
/* ct-nn-options.c: the engine's default options and their ranges. */
#include "ct-nn-options.h"

#include "ct-error.h"
#include "ct-net-structure.h"

void
ct_nn_options_init_default (CtNnOptions *options)
{
  g_return_if_fail (options != NULL);

  *options = (CtNnOptions){ 0 };
  /* Channel-major Winograd F(2x2, 3x3): with scalar transforms it pays
   * only where the transforms are cheap against the GEMM, at 128 and 256
   * channels (levels 4-5: -18 to -40 % there; measured slower at 16-64
   * channels and in the bridge). */
  options->winograd_min_channels = 128;
  /* Blocked Winograd: at 8 channels the direct row kernel is as fast or
   * faster (tools/bench-nn/bench-conv: Winograd 1.03-1.30x its time), from
   * 16 channels Winograd (0.37-0.80x). 4 x 4 output tiles up to 128
   * channels, 2 x 2 above (level 5's 5 x 4 / 6 x 6 planes would leave 4 x 4
   * tiles half empty, and F(4x4) weights take 4x the direct weights'
   * memory). */
  options->blocked_winograd_min_channels = 16;
  options->blocked_winograd_f4_max_channels = 128;
  /* Every level whose channels allow it runs blocked. */
  options->blocked_levels = CT_NET_MAX_LEVELS;
  /* Batches of 16 slices bound memory; the levels from 3 down run on the
   * whole batch (their low resolution still gives the GEMM enough columns,
   * their weights are read once per batch), the levels above by sub-batches
   * of 4 (their tensors, up to 1 MB per slice and channel group, stay
   * small). */
  options->batch_slices = 16;
  options->top_batch_slices = 4;
  options->deep_from_level = 3;
}

static gboolean
check_range (const char *field, int value, int lo, int hi, GError **error)
{
  if (value >= lo && value <= hi)
    return TRUE;
  g_set_error (error, CT_ERROR, CT_ERROR_FAILED, "Engine option %s is %d, outside %d..%d", field, value, lo, hi);
  return FALSE;
}

gboolean
ct_nn_options_validate (const CtNnOptions *options, GError **error)
{
  g_return_val_if_fail (options != NULL, FALSE);

  return check_range ("winograd_min_channels", options->winograd_min_channels, 1, G_MAXINT, error) &&
         check_range ("blocked_winograd_min_channels", options->blocked_winograd_min_channels, 1, G_MAXINT, error) &&
         check_range ("blocked_winograd_f4_max_channels", options->blocked_winograd_f4_max_channels, 1, G_MAXINT,
                      error) &&
         check_range ("blocked_levels", options->blocked_levels, 0, G_MAXINT, error) &&
         check_range ("batch_slices", options->batch_slices, 1, 64, error) &&
         check_range ("top_batch_slices", options->top_batch_slices, 1, 64, error) &&
         check_range ("deep_from_level", options->deep_from_level, 0, CT_NET_MAX_LEVELS, error);
}
