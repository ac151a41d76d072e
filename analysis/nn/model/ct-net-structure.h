/* SPDX-License-Identifier: MIT */
/* ct-net-structure.h: the shape of a network (level channel lists, heads) as
 * read from a weights file's __metadata__, with the paper's structure as the
 * default (docs/networks.md). */
#pragma once

#include <glib.h>

#include "ct-nn-types.h"

G_BEGIN_DECLS

#define CT_NET_MAX_LEVELS 8
#define CT_NET_MAX_PATH 8
#define CT_NET_MAX_PYRAMID 8
#define CT_NET_BN_EPS 1e-5f

/* "a,b,c": ResBlock(a->b) then ResBlock(b->c); n_blocks = n - 1. */
typedef struct
{
  int n;
  int channels[CT_NET_MAX_PATH];
} CtChannelPath;

struct _CtNetStructure
{
  CtModelArchitecture architecture;
  int init_channels; /* output of the init conv */
  int n_levels;      /* level 0 = full resolution */
  CtChannelPath down[CT_NET_MAX_LEVELS];
  CtChannelPath up[CT_NET_MAX_LEVELS];
  CtChannelPath bridge;
  int n_pyramid_levels; /* multitask only */
  int pyramid_levels[CT_NET_MAX_PYRAMID];
  int fc_hidden;    /* multitask only */
  int top_channels; /* channels of the backbone output */
  int n_features;   /* top_channels * sum(l^3) */
};

/* Fills *out from metadata (string -> string; NULL = paper defaults for
 * `architecture` which must then be given). Checks that the channel lists
 * chain up. CT_ERROR_BAD_WEIGHTS naming the key on error. */
gboolean ct_net_structure_parse (GHashTable *metadata, CtNetStructure *out, GError **error);

/* The paper's structure for an architecture. */
void ct_net_structure_init_default (CtNetStructure *out, CtModelArchitecture architecture);

/* Multiply-accumulates per slice of h x w for the backbone + heads (the
 * classifier's pyramid/fc excluded: they run once per study). */
double ct_net_structure_count_macs (const CtNetStructure *s, int h, int w);

/* Whole-study MACs of the classifier (fc1 + fc2). */
double ct_net_structure_count_classifier_macs (const CtNetStructure *s);

G_END_DECLS
