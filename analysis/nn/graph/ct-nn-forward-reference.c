/* SPDX-License-Identifier: MIT */
/* ct-nn-forward-reference.c: the naive reference forward pass, one slice at a
 * time, written to mirror the PyTorch modules line by line (BatchNorm in its
 * unfolded form, every operation a separate kernel call). It is the baseline
 * the optimized path is tested against; buffers are allocated per slice. */
#include "ct-nn-forward.h"

#include "ct-net-structure.h"
#include "ct-net-weights.h"

#include "ct-error.h"
#include "ct-nn-ref.h"

#include <math.h>
#include <string.h>

static void
batch_norm (float *x, const CtBatchNorm *bn, size_t plane)
{
  ct_nn_ref_batch_norm (x, bn->n, plane, bn->weight, bn->bias, bn->mean, bn->var, CT_NET_BN_EPS);
}

/* Pre-activation ResBlock on x [in][h][w]; returns a new [out][h][w]. */
static float *
resblock (const CtResBlock *b, const float *x, int h, int w)
{
  size_t plane = (size_t) h * w;
  g_autofree float *t = g_memdup2 (x, sizeof (float) * b->in * plane);
  g_autofree float *h1 = g_new (float, (size_t) b->out * plane);
  float *out = g_new (float, (size_t) b->out * plane);

  batch_norm (t, &b->bn1, plane);
  ct_nn_ref_relu (t, (size_t) b->in * plane);
  ct_nn_ref_conv2d (t, b->in, h, w, b->conv1, NULL, b->out, 3, h1);
  batch_norm (h1, &b->bn2, plane);
  ct_nn_ref_relu (h1, (size_t) b->out * plane);
  ct_nn_ref_conv2d (h1, b->out, h, w, b->conv2, NULL, b->out, 3, out);
  if (b->shortcut != NULL)
    {
      g_autofree float *s = g_new (float, (size_t) b->out * plane);
      ct_nn_ref_conv2d (x, b->in, h, w, b->shortcut, NULL, b->out, 1, s);
      ct_nn_ref_add (out, s, (size_t) b->out * plane);
    }
  else
    {
      ct_nn_ref_add (out, x, (size_t) b->out * plane);
    }
  return out;
}

/* Runs a path of ResBlocks; takes ownership of x. */
static float *
run_path (const CtResPath *path, float *x, int h, int w)
{
  for (int i = 0; i < path->n_blocks; i++)
    {
      float *y = resblock (&path->blocks[i], x, h, w);
      g_free (x);
      x = y;
    }
  return x;
}

/* Backbone on one slice [h][w] -> new [top][h][w]. */
static float *
backbone (const CtNetStructure *s, const CtNetWeights *wt, const float *slice, int h, int w)
{
  float *skips[CT_NET_MAX_LEVELS] = { NULL };
  int hs[CT_NET_MAX_LEVELS + 1], ws[CT_NET_MAX_LEVELS + 1];
  float *x = g_new (float, (size_t) s->init_channels * h * w);
  int c;

  ct_nn_ref_conv2d (slice, 1, h, w, wt->init_weight, wt->init_bias, s->init_channels, 3, x);
  hs[0] = h;
  ws[0] = w;
  for (int l = 0; l < s->n_levels; l++)
    {
      float *pooled;

      x = run_path (&wt->down[l], x, hs[l], ws[l]);
      c = s->down[l].channels[s->down[l].n - 1];
      skips[l] = x;
      hs[l + 1] = (hs[l] + 1) / 2;
      ws[l + 1] = (ws[l] + 1) / 2;
      pooled = g_new (float, (size_t) c * hs[l + 1] * ws[l + 1]);
      ct_nn_ref_maxpool2x2_ceil (x, c, hs[l], ws[l], pooled);
      x = pooled;
    }
  x = run_path (&wt->bridge, x, hs[s->n_levels], ws[s->n_levels]);
  c = s->bridge.channels[s->bridge.n - 1];
  for (int l = s->n_levels - 1; l >= 0; l--)
    {
      float *up = g_new (float, (size_t) c * hs[l] * ws[l]);

      ct_nn_ref_bilinear (x, c, hs[l + 1], ws[l + 1], up, hs[l], ws[l]);
      g_free (x);
      ct_nn_ref_add (up, skips[l], (size_t) c * hs[l] * ws[l]);
      g_clear_pointer (&skips[l], g_free);
      x = run_path (&wt->up[l], up, hs[l], ws[l]);
      c = s->up[l].channels[s->up[l].n - 1];
    }
  return x;
}

/* bn -> relu -> conv 1x1 (top -> 1) -> sigmoid, into out [h][w]. */
static void
logit_head (const CtNetStructure *s, const CtNetWeights *wt, const float *f, int h, int w, float *out)
{
  size_t plane = (size_t) h * w;
  g_autofree float *t = g_memdup2 (f, sizeof (float) * s->top_channels * plane);

  batch_norm (t, &wt->head_bn, plane);
  ct_nn_ref_relu (t, (size_t) s->top_channels * plane);
  ct_nn_ref_conv2d (t, s->top_channels, h, w, wt->head_conv, NULL, 1, 1, out);
  ct_nn_ref_sigmoid (out, plane);
}

gboolean
ct_nn_forward_reference (const CtNetStructure *s, const CtNetWeights *wt, const float *input, int n, int h, int w,
                         float *out_probability, double *out_study_probability, gboolean *out_has_probability,
                         int n_threads, CtModelProgressFunc progress, gpointer user_data, GError **error)
{
  gboolean multitask = s->architecture == CT_MODEL_MULTITASK_SPATIAL;
  gboolean classify = multitask && n >= 8 && h >= 8 && w >= 8;
  size_t plane = (size_t) h * w;
  g_autofree float *pyramid = NULL;

  if (classify)
    {
      pyramid = g_new (float, s->n_features);
      ct_nn_ref_pyramid_init (pyramid, s->n_features);
    }

  for (int d = 0; d < n; d++)
    {
      g_autofree float *f = backbone (s, wt, input + (size_t) d * plane, h, w);

      if (multitask)
        {
          g_autofree float *g = resblock (&wt->seg_block, f, h, w);
          logit_head (s, wt, g, h, w, out_probability + (size_t) d * plane);
          if (classify)
            ct_nn_ref_pyramid_accumulate (pyramid, s->pyramid_levels, s->n_pyramid_levels, f, s->top_channels, plane, h,
                                          w, d, n);
        }
      else
        {
          logit_head (s, wt, f, h, w, out_probability + (size_t) d * plane);
        }
      if (progress != NULL && !progress (d + 1, n, user_data))
        {
          g_set_error (error, CT_ERROR, CT_ERROR_CANCELLED, "Cancelled");
          return FALSE;
        }
    }

  if (classify)
    {
      g_autofree float *hidden = g_new (float, s->fc_hidden);
      float logit;

      ct_nn_ref_linear (pyramid, s->n_features, wt->fc1_weight, wt->fc1_bias, s->fc_hidden, hidden);
      ct_nn_ref_relu (hidden, s->fc_hidden);
      ct_nn_ref_linear (hidden, s->fc_hidden, wt->fc2_weight, NULL, 1, &logit);
      *out_study_probability = 1.0 / (1.0 + exp (-(double) logit));
      *out_has_probability = TRUE;
    }
  return TRUE;
}
