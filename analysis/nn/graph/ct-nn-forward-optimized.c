/* SPDX-License-Identifier: MIT */
/* ct-nn-forward-optimized.c: the optimized forward pass. Slices are processed in
 * batches of at most CtNnOptions.batch_slices; the deep levels (from
 * deep_from_level) run on the whole batch in channel-major layout
 * [C][slices][H][W], so that their low resolution still gives the GEMM
 * enough columns, the levels above by sub-batches of top_batch_slices
 * (see run_batch). With at least two slices per thread, each thread runs
 * whole batches with a plan of its own ("teams"; no synchronisation inside a
 * batch); otherwise the threads share every layer. Every buffer is planned
 * and allocated once per call (per input size), before the first batch
 * (ct-nn-plan.h); peak memory does not grow with the number of slices (one
 * plan per thread). Fusions (see ct-nn-channel-major-conv.h):
 *  - BN1 + ReLU of a block input: applied while writing the zero-bordered
 *    copy conv1 reads (padding after the activation, as in PyTorch);
 *  - BN2 + ReLU after conv1: conv1's epilogue;
 *  - the 1x1 shortcut: extra K rows of conv2's GEMM; the identity residual:
 *    conv2's epilogue.
 * Every level whose tensors allow it (multiples of 8 channels, at most
 * CT_BLOCKED_MAX_CHANNELS: levels 0-5 of the paper's structure) runs in the
 * blocked layout of ct-nn-blocked.h, its 3x3 convolutions direct at
 * 8 input channels and by Winograd F(4x4, 3x3) or F(2x2, 3x3) from 16
 * (ct-nn-blocked-winograd.h); the bridge (512 channels) too where its plane
 * fills 2 x 2 tiles at least 3/4 (3 x 2: the multitask network at 150 x 120),
 * otherwise channel-major on the GEMM (3 x 3: the lungs at 180 x 180). The
 * weights' forms for each layout are packed when a call first needs them
 * (ct_net_weights_ensure_forms). Moving a level between a sub-batch and the
 * whole batch is the same copy in either layout (per channel block of 8
 * instead of per channel). CtNnOptions.blocked_levels = N limits the
 * blocked levels to the top N (0: all channel-major, the path for planes
 * wider than CT_BLOCKED_MAX_WIDTH; side-by-side measurements, tests). */
#include "ct-nn-forward.h"
#include "ct-nn-plan.h"

#include "ct-net-structure.h"
#include "ct-net-weights.h"
#include "ct-nn-options.h"

#include "ct-error.h"
#include "ct-nn-channel-major-ops.h"
#include "ct-nn-ref.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Per-step timing (CtNnOptions.profile): every step of a batch is timed
 * with the process CPU clock and handed to the hook with its position in
 * the batch's sequence of steps (the same sequence for every batch). Only
 * with a single team (one thread, or threads sharing each layer); costs a
 * NULL test per step when off. */
static double
profile_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Closes the step that began at the previous mark (or at batch start);
 * macs per slice. The hook's own time is left out of the next step. */
static void
profile_mark (CtNnPlan *plan, const char *what, int level, int c_in, int c_out, int h, int w, double macs)
{
  char name[48];

  if (plan->profile == NULL)
    return;
  snprintf (name, sizeof name, "L%d %-18s %4d->%-4d %3dx%-3d", level, what, c_in, c_out, h, w);
  plan->profile (plan->profile_step++, name, profile_now () - plan->profile_t_last, macs * plan->nimg,
                 plan->profile_data);
  plan->profile_t_last = profile_now ();
}

static void
profile_begin_batch (CtNnPlan *plan)
{
  if (plan->profile != NULL)
    {
      plan->profile_step = 0;
      plan->profile_t_last = profile_now ();
    }
}

/* x [in][N] -> out [out][N] at level resolution h x w; out != x.
 * act(x) -> padded; conv1 (+BN2+ReLU) -> padded2 (bordered); conv2 (+ 1x1
 * shortcut or + identity residual) -> out. */
static int
level_of (const CtNnPlan *plan, int h)
{
  for (int l = 0; l <= plan->s->n_levels; l++)
    if (plan->hs[l] == h)
      return l;
  return -1;
}

static void
resblock (CtNnPlan *plan, const CtResBlock *b, const float *x, float *out, int h, int w)
{
  CtConvInput input1 = { plan->padded, NULL, plan->nimg, h, w };
  CtConvInput input2 = { plan->padded2, NULL, plan->nimg, h, w };
  CtConvEpilogue ep1 = { b->bn2.scale, b->bn2.shift, NULL, NULL, TRUE, TRUE };
  CtConvEpilogue ep2 = { NULL, NULL, NULL, NULL, FALSE, FALSE };

  /* out != x: conv2 reads x (residual or shortcut) while writing out */
  int level = plan->profile != NULL ? level_of (plan, h) : 0;

  g_assert (b->channel_major_packed); /* ct_net_weights_ensure_forms */
  double plane = (double) h * w;

  ct_nn_act_pad (x, b->in, plan->nimg, h, w, b->bn1.scale, b->bn1.shift, TRUE, plan->padded, plan->n_threads);
  profile_mark (plan, "bn-relu-pad", level, b->in, b->in, h, w, 0.0);
  if (b->winograd1)
    {
      ct_winograd_run (&b->wino_conv1, &input1, &ep1, plan->padded2, plan->scratch, plan->n_threads, plan->kernel);
    }
  else if (ct_conv_reads_rows_in_place (w))
    {
      ct_conv_run (&b->packed_conv1, &input1, &ep1, plan->padded2, plan->scratch, plan->n_threads, plan->kernel);
    }
  else
    {
      /* narrow rows (deep levels): a plain output and a cheap copy beat a scatter */
      ep1.padded_output = FALSE;
      ct_conv_run (&b->packed_conv1, &input1, &ep1, plan->hidden, plan->scratch, plan->n_threads, plan->kernel);
      ct_nn_act_pad (plan->hidden, b->out, plan->nimg, h, w, NULL, NULL, FALSE, plan->padded2, plan->n_threads);
    }
  profile_mark (plan, "conv1", level, b->in, b->out, h, w, 9.0 * b->in * b->out * plane);

  if (b->winograd2)
    {
      if (b->shortcut != NULL)
        {
          CtConvInput raw = { NULL, x, plan->nimg, h, w };
          CtConvEpilogue plain = { NULL, NULL, NULL, NULL, FALSE, FALSE };
          ct_conv_run (&b->packed_shortcut, &raw, &plain, out, plan->scratch, plan->n_threads, plan->kernel);
          ep2.residual = out; /* read before written, element by element */
        }
      else
        {
          ep2.residual = x;
        }
      ct_winograd_run (&b->wino_conv2, &input2, &ep2, out, plan->scratch, plan->n_threads, plan->kernel);
      profile_mark (plan, "conv2 (wino)", level, b->out, b->out, h, w,
                    (9.0 * b->out + (b->shortcut != NULL ? b->in : 0)) * b->out * plane);
      return;
    }
  if (b->shortcut != NULL)
    input2.raw = x;
  else
    ep2.residual = x;
  ct_conv_run (&b->packed_conv2, &input2, &ep2, out, plan->scratch, plan->n_threads, plan->kernel);
  profile_mark (plan, b->shortcut != NULL ? "conv2+1x1" : "conv2+res", level, b->out, b->out, h, w,
                (9.0 * b->out + (b->shortcut != NULL ? b->in : 0)) * b->out * plane);
}

/* The same block in the blocked layout: act(x) -> padded,
 * conv1 (+BN2+ReLU) -> padded2, conv2 + (1x1 shortcut of x, or identity
 * residual x) -> out. */
static void
resblock_blocked (CtNnPlan *plan, const CtResBlock *b, const float *x, float *out, int level, int h, int w)
{
  CtConvEpilogue ep1 = { b->bn2.scale, b->bn2.shift, NULL, NULL, TRUE, TRUE };
  CtConvEpilogue ep2 = { NULL, NULL, NULL, b->shortcut != NULL ? NULL : x, FALSE, FALSE };
  double plane = (double) h * w;

  g_assert (b->blocked_packed); /* ct_net_weights_ensure_forms */
  ct_blocked_act_pad (x, b->in / CT_BLOCK, plan->nimg, h, w, b->bn1.scale, b->bn1.shift, TRUE, plan->padded,
                      plan->n_threads);
  profile_mark (plan, "bn-relu-pad blocked", level, b->in, b->in, h, w, 0.0);
  if (b->blocked_wino1.u != NULL)
    ct_blocked_winograd_conv3x3 (&b->blocked_wino1, plan->padded, NULL, plan->nimg, h, w, &ep1, plan->padded2,
                                 plan->blocked_avx2, plan->scratch, plan->n_threads);
  else
    ct_blocked_conv3x3 (&b->blocked_conv1, plan->padded, NULL, plan->nimg, h, w, &ep1, plan->padded2,
                        plan->blocked_avx2, plan->n_threads);
  profile_mark (plan, b->blocked_wino1.u != NULL ? "conv1 blocked wino" : "conv1 blocked", level, b->in, b->out, h, w,
                9.0 * b->in * b->out * plane);
  if (b->blocked_wino2.u != NULL)
    ct_blocked_winograd_conv3x3 (&b->blocked_wino2, plan->padded2, b->shortcut != NULL ? x : NULL, plan->nimg, h, w,
                                 &ep2, out, plan->blocked_avx2, plan->scratch, plan->n_threads);
  else
    ct_blocked_conv3x3 (&b->blocked_conv2, plan->padded2, b->shortcut != NULL ? x : NULL, plan->nimg, h, w, &ep2, out,
                        plan->blocked_avx2, plan->n_threads);
  profile_mark (plan, b->shortcut != NULL ? "conv2+1x1 blocked" : "conv2+res blocked", level, b->out, b->out, h, w,
                (9.0 * b->out + (b->shortcut != NULL ? b->in : 0)) * b->out * plane);
}

static float *
other_work (CtNnPlan *plan, const float *a, const float *b)
{
  /* three buffers, at most two excluded: never NULL */
  for (int i = 0; i < 3; i++)
    if (plan->work[i] != a && plan->work[i] != b)
      return plan->work[i];
  return NULL;
}

/* Runs the path on x; the last block writes `final` (which must differ from
 * x unless the path is empty, then x is copied). */
static void
run_path (CtNnPlan *plan, const CtResPath *path, const CtChannelPath *channels, const float *x, float *final, int level,
          int h, int w)
{
  const float *cur = x;

  if (path->n_blocks == 0)
    {
      if (final != x)
        memcpy (final, x, sizeof (float) * channels->channels[0] * plan->nimg * h * w);
      return;
    }
  for (int i = 0; i < path->n_blocks; i++)
    {
      float *dst = i == path->n_blocks - 1 ? final : other_work (plan, cur, final);
      if (level < plan->blocked_levels)
        resblock_blocked (plan, &path->blocks[i], cur, dst, level, h, w);
      else
        resblock (plan, &path->blocks[i], cur, dst, h, w);
      cur = dst;
    }
}

/* Sub-batch sb's part of skips[l] above deep_from ([c][sub][h][w] each);
 * the whole buffer below. */
static float *
skip_of (CtNnPlan *plan, int l, int sb)
{
  if (l >= plan->deep_from)
    return plan->skips[l];
  return plan->skips[l] +
         (size_t) sb * plan->sub * plan->s->down[l].channels[plan->s->down[l].n - 1] * plan->hs[l] * plan->ws[l];
}

/* src [c][count][plane] -> slices [first, first + count) of dst [c][total][plane],
 * or back (to_slices FALSE). */
static void
move_slices (float *packed, int c, int count, size_t plane, float *whole, int first, int total, gboolean to_whole)
{
  for (int ch = 0; ch < c; ch++)
    {
      float *a = packed + (size_t) ch * count * plane;
      float *b = whole + ((size_t) ch * total + first) * plane;
      if (to_whole)
        memcpy (b, a, sizeof (float) * count * plane);
      else
        memcpy (a, b, sizeof (float) * count * plane);
    }
}

/* move_slices for a tensor of level l with c channels, in its layout
 * (blocked [c / 8][slices][h][w][8]: the same moves by blocks of 8 x plane) */
static void
move_level_slices (CtNnPlan *plan, int l, int c, float *packed, float *whole, int first, gboolean to_whole)
{
  size_t plane = (size_t) plan->hs[l] * plan->ws[l];

  if (l < plan->blocked_levels)
    move_slices (packed, c / CT_BLOCK, plan->nimg, plane * CT_BLOCK, whole, first, plan->n_batch, to_whole);
  else
    move_slices (packed, c, plan->nimg, plane, whole, first, plan->n_batch, to_whole);
}

static void
pool (CtNnPlan *plan, int l, const float *skip, int c, float *x)
{
  if (l + 1 < plan->blocked_levels)
    ct_blocked_maxpool (skip, c / CT_BLOCK, plan->nimg, plan->hs[l], plan->ws[l], x, plan->n_threads);
  else if (l < plan->blocked_levels)
    ct_blocked_maxpool_to_channel_major (skip, c / CT_BLOCK, plan->nimg, plan->hs[l], plan->ws[l], x, plan->n_threads);
  else
    ct_nn_maxpool2x2_ceil (skip, c * plan->nimg, plan->hs[l], plan->ws[l], x, plan->n_threads);
  profile_mark (plan, "maxpool", l, c, c, plan->hs[l], plan->ws[l], 0.0);
}

/* x (level l + 1, c channels) upsampled + skip -> u (level l) */
static void
upsample_add (CtNnPlan *plan, int l, const float *x, int c, const float *skip, float *u)
{
  if (l + 1 < plan->blocked_levels)
    ct_blocked_bilinear_add_from_blocked (x, c / CT_BLOCK, plan->nimg, plan->hs[l + 1], plan->ws[l + 1], skip, u,
                                          plan->hs[l], plan->ws[l], plan->n_threads);
  else if (l < plan->blocked_levels)
    ct_blocked_bilinear_add (x, c / CT_BLOCK, plan->nimg, plan->hs[l + 1], plan->ws[l + 1], skip, u, plan->hs[l],
                             plan->ws[l], plan->n_threads);
  else
    ct_nn_bilinear_add (x, c * plan->nimg, plan->hs[l + 1], plan->ws[l + 1], skip, u, plan->hs[l], plan->ws[l],
                        plan->n_threads);
  profile_mark (plan, "upsample+add", l, c, c, plan->hs[l], plan->ws[l], 0.0);
}

/* The levels above deep_from for sub-batch sb (plan->nimg slices [nimg][h][w]):
 * init conv and down paths; the input of level deep_from is scattered into
 * plan->deep_in at the sub-batch's slices. */
static void
encode_top (CtNnPlan *plan, const float *slices, int sb)
{
  const CtNetStructure *s = plan->s;
  const CtNetWeights *wt = plan->wt;
  int h = plan->hs[0], w = plan->ws[0], T = plan->deep_from;
  CtConvInput input = { plan->padded, NULL, plan->nimg, h, w };
  CtConvEpilogue ep = { NULL, NULL, wt->init_bias, NULL, FALSE, FALSE };
  float *x = plan->work[0];

  ct_nn_act_pad (slices, 1, plan->nimg, h, w, NULL, NULL, FALSE, plan->padded, plan->n_threads);
  if (plan->blocked_levels > 0)
    ct_blocked_init_conv (plan->padded, plan->nimg, h, w, wt->init_weight, wt->init_bias, x, plan->n_threads);
  else
    ct_conv_run (&wt->packed_init, &input, &ep, x, plan->scratch, plan->n_threads, plan->kernel);
  profile_mark (plan, "init conv", 0, 1, s->init_channels, h, w, 9.0 * s->init_channels * h * w);

  for (int l = 0; l < T; l++)
    {
      int c = s->down[l].channels[s->down[l].n - 1];
      float *skip = skip_of (plan, l, sb);

      run_path (plan, &wt->down[l], &s->down[l], x, skip, l, plan->hs[l], plan->ws[l]);
      pool (plan, l, skip, c, x);
    }
  move_level_slices (plan, T, s->down[T - 1].channels[s->down[T - 1].n - 1], x, plan->deep_in, sb * plan->sub, TRUE);
}

/* Levels deep_from and below on the whole batch (plan->nimg = n_batch), from
 * plan->deep_in; the decoder output of level deep_from goes to plan->deep_out. */
static void
run_deep (CtNnPlan *plan)
{
  const CtNetStructure *s = plan->s;
  const CtNetWeights *wt = plan->wt;
  int L = s->n_levels, T = plan->deep_from, c;
  float *x = plan->deep_in;

  for (int l = T; l < L; l++)
    {
      float *next = other_work (plan, NULL, NULL);
      c = s->down[l].channels[s->down[l].n - 1];
      run_path (plan, &wt->down[l], &s->down[l], x, plan->skips[l], l, plan->hs[l], plan->ws[l]);
      pool (plan, l, plan->skips[l], c, next);
      x = next;
    }
  {
    float *y = other_work (plan, x, NULL);
    run_path (plan, &wt->bridge, &s->bridge, x, y, L, plan->hs[L], plan->ws[L]);
    x = y;
  }
  c = s->bridge.channels[s->bridge.n - 1];
  for (int l = L - 1; l >= T; l--)
    {
      float *u = other_work (plan, x, NULL);
      float *y;

      upsample_add (plan, l, x, c, plan->skips[l], u);
      y = other_work (plan, u, NULL);
      run_path (plan, &wt->up[l], &s->up[l], u, y, l, plan->hs[l], plan->ws[l]);
      x = y;
      c = s->up[l].channels[s->up[l].n - 1];
    }
  memcpy (plan->deep_out, x, sizeof (float) * c * plan->nimg * plan->hs[T] * plan->ws[T]);
}

/* The decoder above deep_from for sub-batch sb; returns the buffer holding
 * the top features (one of plan->work). */
static float *
decode_top (CtNnPlan *plan, int sb)
{
  const CtNetStructure *s = plan->s;
  const CtNetWeights *wt = plan->wt;
  int L = s->n_levels, T = plan->deep_from;
  int c = T < L ? s->up[T].channels[s->up[T].n - 1] : s->bridge.channels[s->bridge.n - 1];
  float *x = plan->work[0];

  move_level_slices (plan, T, c, x, plan->deep_out, sb * plan->sub, FALSE);
  for (int l = T - 1; l >= 0; l--)
    {
      float *u = other_work (plan, x, NULL);
      float *y;

      upsample_add (plan, l, x, c, skip_of (plan, l, sb), u);
      y = other_work (plan, u, NULL);
      run_path (plan, &wt->up[l], &s->up[l], u, y, l, plan->hs[l], plan->ws[l]);
      x = y;
      c = s->up[l].channels[s->up[l].n - 1];
    }
  return x;
}

/* Heads for the plan->nimg slices of a sub-batch starting at slice d0 */
static void
finish (CtNnPlan *plan, float *f, int d0, int n, float *out_probability, float *pyramid)
{
  const CtNetStructure *s = plan->s;
  const CtNetWeights *wt = plan->wt;
  int h = plan->hs[0], w = plan->ws[0];
  size_t plane = (size_t) h * w;

  if (s->architecture == CT_MODEL_MULTITASK_SPATIAL)
    {
      float *g = other_work (plan, f, NULL);

      if (pyramid != NULL)
        for (int i = 0; i < plan->nimg; i++)
          {
            if (plan->blocked_levels > 0)
              ct_blocked_pyramid_accumulate (pyramid, s->pyramid_levels, s->n_pyramid_levels,
                                             f + (size_t) i * plane * CT_BLOCK, h, w, d0 + i, n);
            else
              ct_nn_ref_pyramid_accumulate (pyramid, s->pyramid_levels, s->n_pyramid_levels, f + (size_t) i * plane,
                                            s->top_channels, plane * plan->nimg, h, w, d0 + i, n);
          }
      profile_mark (plan, "pyramid pool", 0, s->top_channels, s->top_channels, h, w, 0.0);
      if (plan->blocked_levels > 0)
        resblock_blocked (plan, &wt->seg_block, f, g, 0, h, w);
      else
        resblock (plan, &wt->seg_block, f, g, h, w);
      f = g;
    }
  if (plan->blocked_levels > 0)
    ct_blocked_head_sigmoid (f, plane * plan->nimg, wt->head_bn.scale, wt->head_bn.shift, wt->head_conv,
                             out_probability + (size_t) d0 * plane, plan->n_threads);
  else
    ct_nn_head_sigmoid (f, s->top_channels, plane * plan->nimg, wt->head_bn.scale, wt->head_bn.shift, wt->head_conv,
                        out_probability + (size_t) d0 * plane, plan->n_threads);
  profile_mark (plan, "head+sigmoid", 0, s->top_channels, 1, h, w, 0.0);
}

/* One batch of plan->n_batch slices starting at slice d0: the levels above
 * deep_from by sub-batches of plan->sub slices (their large tensors stay
 * small), the deep levels on the whole batch (their weights, up to 9.4 MB
 * per convolution in the bridge, are read once per batch), then the top
 * decoder and heads by sub-batches again. Outputs, and the pyramid
 * accumulated when non-NULL. No GLib calls: may run inside an OpenMP region
 * (slice-parallel mode). */
static void
run_batch (CtNnPlan *plan, const float *input, int d0, int n, float *out_probability, float *pyramid)
{
  size_t plane = (size_t) plan->hs[0] * plan->ws[0];
  int n_sub = (plan->n_batch + plan->sub - 1) / plan->sub;

  profile_begin_batch (plan);
  for (int sb = 0; sb < n_sub; sb++)
    {
      plan->nimg = MIN (plan->sub, plan->n_batch - sb * plan->sub);
      encode_top (plan, input + (size_t) (d0 + sb * plan->sub) * plane, sb);
    }
  plan->nimg = plan->n_batch;
  run_deep (plan);
  for (int sb = 0; sb < n_sub; sb++)
    {
      float *f;

      plan->nimg = MIN (plan->sub, plan->n_batch - sb * plan->sub);
      f = decode_top (plan, sb);
      finish (plan, f, d0 + sb * plan->sub, n, out_probability, pyramid);
    }
}

gboolean
ct_nn_forward_optimized (const CtNetStructure *s, CtNetWeights *wt, const CtNnOptions *options, const float *input,
                         int n, int h, int w, float *out_probability, double *out_study_probability,
                         gboolean *out_has_probability, int n_threads, CtModelProgressFunc progress, gpointer user_data,
                         GError **error)
{
  gboolean classify = s->architecture == CT_MODEL_MULTITASK_SPATIAL && n >= 8 && h >= 8 && w >= 8;
  /* With enough slices every thread runs whole batches of its own (no
   * synchronisation inside a batch, which also tolerates a busy machine);
   * otherwise, or with options->shared_layers (measurements), all threads
   * share each layer; also when profiling (the steps of one batch follow
   * each other on one clock). */
  int teams = n >= 2 * n_threads && !options->shared_layers && options->profile == NULL ? n_threads : 1;
  int batch;
  g_autofree CtNnPlan *plans = NULL;
  g_autofree float *pyramids = NULL;
  gboolean ok = TRUE;

  if (n == 0)
    return TRUE;
  batch = MIN (options->batch_slices, (n + teams - 1) / teams);
  plans = g_new0 (CtNnPlan, teams);
  for (int t = 0; t < teams; t++)
    ct_nn_plan_init (&plans[t], s, wt, options, batch, h, w, teams > 1 ? 1 : n_threads);
  plans[0].profile = options->profile;
  plans[0].profile_data = options->profile_user_data;
  ct_net_weights_ensure_forms (wt, s, plans[0].blocked_levels);
  if (classify)
    {
      pyramids = g_new (float, (size_t) s->n_features * teams);
      ct_nn_ref_pyramid_init (pyramids, (size_t) s->n_features * teams);
    }

  /* rounds of `teams` batches; progress and cancellation between rounds,
   * from the calling thread */
  for (int d0 = 0; d0 < n && ok; d0 += teams * batch)
    {
      int done = MIN (n, d0 + teams * batch);

#pragma omp parallel for num_threads(teams) schedule(static, 1) if (teams > 1)
      for (int t = 0; t < teams; t++)
        {
          int start = d0 + t * batch;
          if (start < n)
            {
              plans[t].n_batch = MIN (batch, n - start);
              run_batch (&plans[t], input, start, n, out_probability,
                         classify ? pyramids + (size_t) t * s->n_features : NULL);
            }
        }
      if (progress != NULL && !progress (done, n, user_data))
        {
          g_set_error (error, CT_ERROR, CT_ERROR_CANCELLED, "Cancelled");
          ok = FALSE;
        }
    }
  for (int t = 0; t < teams; t++)
    ct_nn_plan_clear (&plans[t]);

  if (ok && classify)
    {
      g_autofree float *hidden = g_new (float, s->fc_hidden);
      float logit;

      /* max is exact and associative: merge the teams' pyramids */
      for (int t = 1; t < teams; t++)
        for (int i = 0; i < s->n_features; i++)
          pyramids[i] = MAX (pyramids[i], pyramids[(size_t) t * s->n_features + i]);
      ct_nn_ref_linear (pyramids, s->n_features, wt->fc1_weight, wt->fc1_bias, s->fc_hidden, hidden);
      ct_nn_ref_relu (hidden, s->fc_hidden);
      ct_nn_ref_linear (hidden, s->fc_hidden, wt->fc2_weight, NULL, 1, &logit);
      *out_study_probability = 1.0 / (1.0 + exp (-(double) logit));
      *out_has_probability = TRUE;
    }
  return ok;
}
