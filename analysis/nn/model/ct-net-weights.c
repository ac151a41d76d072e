/* SPDX-License-Identifier: MIT */
/* ct-net-weights.c: packing a network's weights into the forms the
 * optimized pass's kernels read, on demand, and freeing them. */
#include "ct-net-weights.h"

#include <string.h>

/* The blocked forms of a block's convolutions (ct-nn-blocked.h,
 * ct-nn-blocked-winograd.h): each conv direct or by Winograd. */
static void
resblock_pack_blocked (CtResBlock *b)
{
  int in = b->in, out = b->out;

  if (b->blocked_packed)
    return;
  g_assert (b->blockable);
  b->blocked_packed = TRUE;
  if (b->blocked_winograd1)
    ct_blocked_winograd_weights_pack (&b->blocked_wino1, b->blocked_tile, out, b->conv1, in, NULL, 0);
  else
    ct_blocked_conv_weights_pack (&b->blocked_conv1, out, b->conv1, in, NULL, 0);
  if (b->blocked_winograd2)
    ct_blocked_winograd_weights_pack (&b->blocked_wino2, b->blocked_tile, out, b->conv2, out, b->shortcut, in);
  else
    ct_blocked_conv_weights_pack (&b->blocked_conv2, out, b->conv2, out, b->shortcut, in);
}

/* The channel-major forms of a block's convolutions (ct-nn-channel-major-conv.h,
 * ct-nn-channel-major-winograd.h), as chosen when its weights were taken. */
static void
resblock_pack_channel_major (CtResBlock *b)
{
  int in = b->in, out = b->out;

  if (b->channel_major_packed)
    return;
  b->channel_major_packed = TRUE;
  if (b->winograd1)
    ct_winograd_weights_pack (&b->wino_conv1, out, b->conv1, in);
  else
    ct_conv_weights_pack (&b->packed_conv1, out, b->conv1, in, NULL, 0);
  if (b->winograd2)
    {
      ct_winograd_weights_pack (&b->wino_conv2, out, b->conv2, out);
      if (b->shortcut != NULL)
        ct_conv_weights_pack (&b->packed_shortcut, out, NULL, 0, b->shortcut, in);
    }
  else
    {
      ct_conv_weights_pack (&b->packed_conv2, out, b->conv2, out, b->shortcut, b->shortcut != NULL ? in : 0);
    }
}

static void
resblock_clear (CtResBlock *b)
{
  ct_conv_weights_clear (&b->packed_conv1);
  ct_conv_weights_clear (&b->packed_conv2);
  ct_conv_weights_clear (&b->packed_shortcut);
  ct_winograd_weights_clear (&b->wino_conv1);
  ct_winograd_weights_clear (&b->wino_conv2);
  ct_blocked_conv_weights_clear (&b->blocked_conv1);
  ct_blocked_conv_weights_clear (&b->blocked_conv2);
  ct_blocked_winograd_weights_clear (&b->blocked_wino1);
  ct_blocked_winograd_weights_clear (&b->blocked_wino2);
}

static void
path_clear (CtResPath *path)
{
  for (int i = 0; i < path->n_blocks; i++)
    resblock_clear (&path->blocks[i]);
  g_clear_pointer (&path->blocks, g_free);
  path->n_blocks = 0;
}

void
ct_net_weights_init (CtNetWeights *w)
{
  memset (w, 0, sizeof *w);
  g_mutex_init (&w->forms_lock);
}

void
ct_net_weights_clear (CtNetWeights *w)
{
  ct_conv_weights_clear (&w->packed_init);
  for (int l = 0; l < CT_NET_MAX_LEVELS; l++)
    {
      path_clear (&w->down[l]);
      path_clear (&w->up[l]);
    }
  path_clear (&w->bridge);
  resblock_clear (&w->seg_block);
  g_mutex_clear (&w->forms_lock);
}

static void
path_pack (CtResPath *path, gboolean blocked)
{
  for (int i = 0; i < path->n_blocks; i++)
    if (blocked)
      resblock_pack_blocked (&path->blocks[i]);
    else
      resblock_pack_channel_major (&path->blocks[i]);
}

void
ct_net_weights_ensure_forms (CtNetWeights *w, const CtNetStructure *s, int blocked_levels)
{
  g_mutex_lock (&w->forms_lock);
  for (int l = 0; l < s->n_levels; l++)
    {
      path_pack (&w->down[l], l < blocked_levels);
      path_pack (&w->up[l], l < blocked_levels);
    }
  path_pack (&w->bridge, s->n_levels < blocked_levels);
  if (s->architecture == CT_MODEL_MULTITASK_SPATIAL)
    {
      if (blocked_levels > 0)
        resblock_pack_blocked (&w->seg_block);
      else
        resblock_pack_channel_major (&w->seg_block);
    }
  g_mutex_unlock (&w->forms_lock);
}
