/* SPDX-License-Identifier: MIT */
/* ct-nn-plan.c: sizing and allocating the optimized pass's buffers. */
#include "ct-nn-plan.h"

#include "ct-nn-blocked.h"
#include "ct-nn-blocked-winograd.h"
#include "ct-nn-channel-major-conv.h"
#include "ct-nn-channel-major-winograd.h"

#include <string.h>

static int
path_max_channels (const CtChannelPath *p)
{
  int m = 0;
  for (int i = 0; i < p->n; i++)
    m = MAX (m, p->channels[i]);
  return m;
}

static gboolean
path_all (const CtChannelPath *p, int channels)
{
  for (int i = 0; i < p->n; i++)
    if (p->channels[i] != channels)
      return FALSE;
  return TRUE;
}

static gboolean
path_blockable (const CtChannelPath *p)
{
  for (int i = 0; i < p->n; i++)
    if (p->channels[i] % CT_BLOCK != 0 || p->channels[i] > CT_BLOCKED_MAX_CHANNELS)
      return FALSE;
  return TRUE;
}

/* How many levels from the top can run blocked: every tensor of the level
 * a multiple of 8 channels (at most CT_BLOCKED_MAX_CHANNELS), rows at most
 * CT_BLOCKED_MAX_WIDTH; level 0 exactly 8 channels everywhere (the init conv,
 * the head, the pyramid and the seg block are written for 8). */
static int
count_blocked_levels (const CtNetStructure *s, int h, int w)
{
  int n = 0;

  for (int l = 0; l < s->n_levels; l++, w = (w + 1) / 2)
    {
      int from_below = l + 1 < s->n_levels ? s->up[l + 1].channels[s->up[l + 1].n - 1]
                                           : s->bridge.channels[s->bridge.n - 1];
      gboolean ok = path_blockable (&s->down[l]) && path_blockable (&s->up[l]) && from_below % CT_BLOCK == 0 &&
                    w <= CT_BLOCKED_MAX_WIDTH;
      if (l == 0)
        ok = ok && s->init_channels == CT_BLOCK && path_all (&s->down[0], CT_BLOCK) && path_all (&s->up[0], CT_BLOCK) &&
             from_below == CT_BLOCK && s->top_channels == CT_BLOCK;
      if (!ok)
        break;
      n++;
      h = (h + 1) / 2;
    }
  /* the bridge (level n_levels) when every level is blocked and the 2 x 2
   * Winograd tiles of its plane are at least 3/4 full: the multitask
   * network's 3 x 2 plane (bridge 25 % faster blocked), not the lung
   * network's 3 x 3 (9 of 16, no faster; docs/performance.md) */
  if (n == s->n_levels && path_blockable (&s->bridge) && 4 * h * w >= 3 * (2 * ((h + 1) / 2)) * (2 * ((w + 1) / 2)))
    n++;
  return n;
}

void
ct_nn_plan_init (CtNnPlan *plan, const CtNetStructure *s, const CtNetWeights *wt, const CtNnOptions *options, int batch,
                 int h, int w, int n_threads)
{
  size_t max_tensor = 0, max_padded = 0, max_hidden = 0;

  memset (plan, 0, sizeof *plan);
  plan->s = s;
  plan->wt = wt;
  plan->batch = batch;
  plan->sub = MIN (batch, options->top_batch_slices);
  plan->n_threads = n_threads;
  plan->kernel = ct_gemm_best_kernel (options->portable_kernels);
  plan->blocked_levels = MIN (count_blocked_levels (s, h, w), options->blocked_levels);
#if defined(__x86_64__) || defined(__i386__)
  plan->blocked_avx2 = plan->kernel == ct_f32_gemm_4x24_avx2; /* honours portable_kernels */
#endif
  plan->deep_from = CLAMP (options->deep_from_level, 1, s->n_levels);
  plan->hs[0] = h;
  plan->ws[0] = w;
  for (int l = 0; l < s->n_levels; l++)
    {
      plan->hs[l + 1] = (plan->hs[l] + 1) / 2;
      plan->ws[l + 1] = (plan->ws[l] + 1) / 2;
    }
  for (int l = 0; l <= s->n_levels; l++)
    {
      int c = l < s->n_levels ? MAX (path_max_channels (&s->down[l]), path_max_channels (&s->up[l]))
                              : path_max_channels (&s->bridge);
      size_t plane = (size_t) plan->hs[l] * plan->ws[l];
      size_t padded_plane = (size_t) (plan->hs[l] + 2) * (plan->ws[l] + 2);

      int cap = l < plan->deep_from ? plan->sub : batch;

      if (l == 0)
        c = MAX (c, s->init_channels);
      max_tensor = MAX (max_tensor, (size_t) c * cap * plane);
      max_padded = MAX (max_padded, (size_t) c * cap * padded_plane);
      /* conv1's plain output exists only at channel-major levels with
       * narrow rows (resblock) */
      if (l >= plan->blocked_levels && !ct_conv_reads_rows_in_place (plan->ws[l]))
        max_hidden = MAX (max_hidden, (size_t) c * cap * plane);
      if (l < s->n_levels)
        plan->skips[l] = g_new (float, (size_t) s->down[l].channels[s->down[l].n - 1] * batch * plane);
    }
  /* conv inputs (work buffers feed the fused 1x1 shortcut, skips do not)
   * carry CT_CONV_INPUT_SLACK zeroed floats */
  for (int i = 0; i < 3; i++)
    plan->work[i] = g_new0 (float, max_tensor + CT_CONV_INPUT_SLACK);
  plan->hidden = g_new (float, MAX (max_hidden, 1));
  {
    int T = plan->deep_from;
    size_t plane = (size_t) plan->hs[T] * plan->ws[T];
    int c_in = T < s->n_levels ? s->down[T].channels[0] : s->bridge.channels[0];
    int c_out = T < s->n_levels ? s->up[T].channels[s->up[T].n - 1] : s->bridge.channels[s->bridge.n - 1];
    /* deep_in feeds a fused 1x1 shortcut: slack */
    plan->deep_in = g_new0 (float, (size_t) c_in * batch * plane + CT_CONV_INPUT_SLACK);
    plan->deep_out = g_new (float, (size_t) c_out * batch * plane);
  }
  plan->padded = g_new0 (float, max_padded + CT_CONV_INPUT_SLACK);
  plan->padded2 = g_new0 (float, max_padded + CT_CONV_INPUT_SLACK);
  {
    int widest = 0;
    for (int l = 0; l < s->n_levels; l++)
      widest = MAX (widest, MAX (path_max_channels (&s->down[l]), path_max_channels (&s->up[l])));
    widest = MAX (widest, path_max_channels (&s->bridge));
    size_t per_thread = MAX (ct_conv_scratch_floats_per_thread (), ct_winograd_scratch_floats_per_thread (widest));
    per_thread = MAX (per_thread,
                      ct_blocked_winograd_scratch_floats_per_thread (MIN (widest, CT_BLOCKED_MAX_CHANNELS)));
    plan->scratch = g_new (float, per_thread * n_threads);
  }
}

void
ct_nn_plan_clear (CtNnPlan *plan)
{
  for (int l = 0; l < CT_NET_MAX_LEVELS; l++)
    g_clear_pointer (&plan->skips[l], g_free);
  for (int i = 0; i < 3; i++)
    g_clear_pointer (&plan->work[i], g_free);
  g_clear_pointer (&plan->padded2, g_free);
  g_clear_pointer (&plan->hidden, g_free);
  g_clear_pointer (&plan->deep_in, g_free);
  g_clear_pointer (&plan->deep_out, g_free);
  g_clear_pointer (&plan->padded, g_free);
  g_clear_pointer (&plan->scratch, g_free);
}
