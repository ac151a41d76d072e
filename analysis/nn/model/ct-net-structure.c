/* SPDX-License-Identifier: MIT */
/* ct-net-structure.c: parse and check the structure metadata. */
#include "ct-net-structure.h"

#include "ct-error.h"

#include <stdlib.h>
#include <string.h>

static const char *default_down = "8,8,8;8,16,16;16,32,32;32,64,64;64,128,128;128,256,256";
static const char *default_bridge = "256,512,256";
static const char *default_up_multitask = "8,8;16,16,8;32,32,16;64,64,32;128,128,64;256,256,128";
static const char *default_up_lungs = "8,8,8;16,16,8;32,32,16;64,64,32;128,128,64;256,256,128";

static gboolean
parse_int_list (const char *text, int *values, int max_values, int *n_out)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  int n = 0;

  for (int i = 0; parts[i] != NULL; i++)
    {
      char *end = NULL;
      gint64 v;
      g_strstrip (parts[i]);
      if (parts[i][0] == '\0' || n >= max_values)
        return FALSE;
      v = g_ascii_strtoll (parts[i], &end, 10);
      if (end == parts[i] || *end != '\0' || v < 1 || v > 65536)
        return FALSE;
      values[n++] = (int) v;
    }
  *n_out = n;
  return n > 0;
}

static gboolean
parse_path (const char *text, CtChannelPath *path)
{
  if (!parse_int_list (text, path->channels, CT_NET_MAX_PATH, &path->n))
    return FALSE;
  return path->n >= 2;
}

static gboolean
parse_levels (const char *text, CtChannelPath *paths, int *n_levels)
{
  g_auto (GStrv) groups = g_strsplit (text, ";", -1);
  int n = 0;

  for (int i = 0; groups[i] != NULL; i++)
    {
      if (n >= CT_NET_MAX_LEVELS || !parse_path (groups[i], &paths[n]))
        return FALSE;
      n++;
    }
  *n_levels = n;
  return n > 0;
}

static gboolean
bad_key (GError **error, const char *key, const char *value, const char *why)
{
  g_set_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS, "Weights metadata “%s” = “%s”: %s", key, value ? value : "", why);
  return FALSE;
}

static const char *
lookup (GHashTable *metadata, const char *key, const char *fallback)
{
  const char *v = metadata ? g_hash_table_lookup (metadata, key) : NULL;
  return v != NULL ? v : fallback;
}

gboolean
ct_net_structure_parse (GHashTable *metadata, CtNetStructure *s, GError **error)
{
  const char *arch = lookup (metadata, "architecture", NULL);
  const char *text;
  int n_up = 0, n;
  int init[1];

  memset (s, 0, sizeof *s);
  if (arch == NULL)
    return bad_key (error, "architecture", NULL, "missing");
  if (strcmp (arch, "lungs") == 0)
    s->architecture = CT_MODEL_LUNGS;
  else if (strcmp (arch, "multitask-spatial") == 0)
    s->architecture = CT_MODEL_MULTITASK_SPATIAL;
  else
    return bad_key (error, "architecture", arch, "expected “lungs” or “multitask-spatial”");

  text = lookup (metadata, "format_version", "1");
  if (strcmp (text, "1") != 0)
    return bad_key (error, "format_version", text, "this program reads version 1");

  text = lookup (metadata, "init_channels", "8");
  if (!parse_int_list (text, init, 1, &n) || n != 1)
    return bad_key (error, "init_channels", text, "not one positive integer");
  s->init_channels = init[0];

  text = lookup (metadata, "down_channels", default_down);
  if (!parse_levels (text, s->down, &s->n_levels))
    return bad_key (error, "down_channels", text, "not a ';'-separated list of channel lists");
  text = lookup (metadata, "bridge_channels", default_bridge);
  if (!parse_path (text, &s->bridge))
    return bad_key (error, "bridge_channels", text, "not a channel list");
  text = lookup (metadata, "up_channels", s->architecture == CT_MODEL_LUNGS ? default_up_lungs : default_up_multitask);
  if (!parse_levels (text, s->up, &n_up))
    return bad_key (error, "up_channels", text, "not a ';'-separated list of channel lists");
  if (n_up != s->n_levels)
    return bad_key (error, "up_channels", text, "not as many levels as down_channels");

  /* The lists must chain: init -> down[0] -> ... -> bridge -> up[L] (+ skip[L]) ... */
  if (s->down[0].channels[0] != s->init_channels)
    return bad_key (error, "down_channels", lookup (metadata, "down_channels", default_down),
                    "level 0 does not start with init_channels");
  for (int l = 1; l < s->n_levels; l++)
    if (s->down[l].channels[0] != s->down[l - 1].channels[s->down[l - 1].n - 1])
      return bad_key (error, "down_channels", lookup (metadata, "down_channels", default_down),
                      "a level does not start with the previous level's width");
  {
    int deepest = s->down[s->n_levels - 1].channels[s->down[s->n_levels - 1].n - 1];
    if (s->bridge.channels[0] != deepest || s->bridge.channels[s->bridge.n - 1] != deepest)
      return bad_key (error, "bridge_channels", lookup (metadata, "bridge_channels", default_bridge),
                      "must start and end with the deepest level's width");
  }
  for (int l = 0; l < s->n_levels; l++)
    {
      int skip = s->down[l].channels[s->down[l].n - 1];
      if (s->up[l].channels[0] != skip)
        return bad_key (error, "up_channels", text, "a level does not start with its skip's width");
      if (l > 0 && s->up[l].channels[s->up[l].n - 1] != s->down[l - 1].channels[s->down[l - 1].n - 1])
        return bad_key (error, "up_channels", text, "a level does not end with the next shallower skip's width");
    }
  s->top_channels = s->up[0].channels[s->up[0].n - 1];

  if (s->architecture == CT_MODEL_MULTITASK_SPATIAL)
    {
      int hidden[1];

      text = lookup (metadata, "pyramid_levels", "1,2,4,8");
      if (!parse_int_list (text, s->pyramid_levels, CT_NET_MAX_PYRAMID, &s->n_pyramid_levels))
        return bad_key (error, "pyramid_levels", text, "not a list of positive integers");
      for (int i = 0; i < s->n_pyramid_levels; i++)
        if (s->pyramid_levels[i] > 64)
          return bad_key (error, "pyramid_levels", text, "a level above 64 bins");
      text = lookup (metadata, "fc_hidden", "1024");
      if (!parse_int_list (text, hidden, 1, &n) || n != 1)
        return bad_key (error, "fc_hidden", text, "not one positive integer");
      s->fc_hidden = hidden[0];
      s->n_features = 0;
      for (int i = 0; i < s->n_pyramid_levels; i++)
        {
          int l = s->pyramid_levels[i];
          s->n_features += s->top_channels * l * l * l;
        }
    }
  return TRUE;
}

void
ct_net_structure_init_default (CtNetStructure *s, CtModelArchitecture architecture)
{
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ok;

  g_hash_table_insert (metadata, (char *) "architecture",
                       (char *) (architecture == CT_MODEL_LUNGS ? "lungs" : "multitask-spatial"));
  ok = ct_net_structure_parse (metadata, s, NULL);
  g_assert (ok);
}

static double
resblock_macs (int cin, int cout, double pixels)
{
  double macs = pixels * 9.0 * cin * cout + pixels * 9.0 * cout * cout;
  if (cin != cout)
    macs += pixels * cin * cout;
  return macs;
}

static double
path_macs (const CtChannelPath *p, double pixels)
{
  double macs = 0;
  for (int i = 0; i + 1 < p->n; i++)
    macs += resblock_macs (p->channels[i], p->channels[i + 1], pixels);
  return macs;
}

double
ct_net_structure_count_macs (const CtNetStructure *s, int h, int w)
{
  double macs = (double) h * w * 9.0 * s->init_channels;
  int lh = h, lw = w;

  for (int l = 0; l < s->n_levels; l++)
    {
      double pixels = (double) lh * lw;
      macs += path_macs (&s->down[l], pixels) + path_macs (&s->up[l], pixels);
      lh = (lh + 1) / 2;
      lw = (lw + 1) / 2;
    }
  macs += path_macs (&s->bridge, (double) lh * lw);
  if (s->architecture == CT_MODEL_LUNGS)
    {
      macs += (double) h * w * s->top_channels;
    }
  else
    {
      macs += resblock_macs (s->top_channels, s->top_channels, (double) h * w);
      macs += (double) h * w * s->top_channels;
    }
  return macs;
}

double
ct_net_structure_count_classifier_macs (const CtNetStructure *s)
{
  if (s->architecture != CT_MODEL_MULTITASK_SPATIAL)
    return 0;
  return (double) s->n_features * s->fc_hidden + s->fc_hidden;
}
