/* SPDX-License-Identifier: MIT */
/* ct-model-random.c: seeded random weights as a .safetensors image. */
#include "ct-model-random.h"

#include <math.h>
#include <string.h>

typedef struct
{
  GString *header; /* JSON being written */
  GString *data;   /* tensor bytes */
  GRand *rand;
  gboolean half;
  gboolean first;
} Writer;

guint16
ct_float_to_half (float value)
{
  guint32 bits, sign, mantissa;
  gint32 exponent;

  memcpy (&bits, &value, sizeof bits);
  sign = (bits >> 16) & 0x8000u;
  exponent = (gint32) ((bits >> 23) & 0xffu) - 127 + 15;
  mantissa = bits & 0x7fffffu;

  if (((bits >> 23) & 0xffu) == 0xffu)
    return (guint16) (sign | 0x7c00u | (mantissa ? 0x200u : 0));
  if (exponent >= 31)
    return (guint16) (sign | 0x7c00u);
  if (exponent <= 0)
    {
      /* subnormal half (or zero): shift the full mantissa into place */
      guint32 m, shift, half_m, rem, halfway;

      if (exponent < -10)
        return (guint16) sign;
      m = mantissa | 0x800000u;
      shift = (guint32) (14 - exponent);
      half_m = m >> shift;
      rem = m & ((1u << shift) - 1);
      halfway = 1u << (shift - 1);
      if (rem > halfway || (rem == halfway && (half_m & 1u)))
        half_m++;
      return (guint16) (sign | half_m);
    }
  {
    guint32 half_bits = sign | ((guint32) exponent << 10) | (mantissa >> 13);
    guint32 rem = mantissa & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (half_bits & 1u)))
      half_bits++; /* may carry into the exponent: still correct */
    return (guint16) half_bits;
  }
}

/* Appends a tensor; values[i] = generator output. */
static void
add_tensor (Writer *w, const char *name, int n_dims, const int *shape, const float *values)
{
  gsize begin = w->data->len;
  gint64 n = 1;

  for (int i = 0; i < n_dims; i++)
    n *= shape[i];
  for (gint64 i = 0; i < n; i++)
    {
      if (w->half)
        {
          guint16 h = GUINT16_TO_LE (ct_float_to_half (values[i]));
          g_string_append_len (w->data, (const char *) &h, 2);
        }
      else
        {
          guint32 b;
          memcpy (&b, &values[i], 4);
          b = GUINT32_TO_LE (b);
          g_string_append_len (w->data, (const char *) &b, 4);
        }
    }
  g_string_append_printf (w->header, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[", w->first ? "" : ",", name,
                          w->half ? "F16" : "F32");
  for (int i = 0; i < n_dims; i++)
    g_string_append_printf (w->header, "%s%d", i ? "," : "", shape[i]);
  g_string_append_printf (w->header, "],\"data_offsets\":[%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT "]}", begin,
                          w->data->len);
  w->first = FALSE;
}

static void
add_random (Writer *w, const char *name, int n_dims, const int *shape, double lo, double hi)
{
  gint64 n = 1;
  g_autofree float *v = NULL;

  for (int i = 0; i < n_dims; i++)
    n *= shape[i];
  v = g_new (float, n);
  for (gint64 i = 0; i < n; i++)
    v[i] = (float) g_rand_double_range (w->rand, lo, hi);
  add_tensor (w, name, n_dims, shape, v);
}

/* Uniform weights with variance gain / fan_in. */
static void
add_conv (Writer *w, const char *name, int cout, int cin, int k, double gain)
{
  int shape[4] = { cout, cin, k, k };
  double limit = sqrt (3.0 * gain / (cin * k * k));
  add_random (w, name, 4, shape, -limit, limit);
}

static void
add_bn (Writer *w, const char *prefix, int n)
{
  int shape[1] = { n };
  g_autofree char *a = g_strdup_printf ("%s.weight", prefix);
  g_autofree char *b = g_strdup_printf ("%s.bias", prefix);
  g_autofree char *m = g_strdup_printf ("%s.running_mean", prefix);
  g_autofree char *v = g_strdup_printf ("%s.running_var", prefix);

  add_random (w, a, 1, shape, 0.6, 1.4);
  add_random (w, b, 1, shape, -0.1, 0.1);
  add_random (w, m, 1, shape, -0.2, 0.2);
  add_random (w, v, 1, shape, 0.5, 1.5);
}

static void
add_block (Writer *w, const char *prefix, int in, int out)
{
  g_autofree char *bn1 = g_strdup_printf ("%s.bn1", prefix);
  g_autofree char *bn2 = g_strdup_printf ("%s.bn2", prefix);
  g_autofree char *c1 = g_strdup_printf ("%s.conv1.weight", prefix);
  g_autofree char *c2 = g_strdup_printf ("%s.conv2.weight", prefix);
  g_autofree char *sc = g_strdup_printf ("%s.shortcut.weight", prefix);

  add_bn (w, bn1, in);
  add_conv (w, c1, out, in, 3, 1.0);
  add_bn (w, bn2, out);
  /* a small residual branch keeps a 30-block random network's activations tame */
  add_conv (w, c2, out, out, 3, 0.25);
  if (in != out)
    add_conv (w, sc, out, in, 1, 1.0);
}

static void
add_path (Writer *w, const char *prefix, const CtChannelPath *p)
{
  for (int i = 0; i + 1 < p->n; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.%d", prefix, i);
      add_block (w, name, p->channels[i], p->channels[i + 1]);
    }
}

static void
append_path_text (GString *s, const CtChannelPath *p)
{
  for (int i = 0; i < p->n; i++)
    g_string_append_printf (s, "%s%d", i ? "," : "", p->channels[i]);
}

static char *
levels_text (const CtChannelPath *paths, int n_levels)
{
  GString *s = g_string_new (NULL);
  for (int l = 0; l < n_levels; l++)
    {
      if (l > 0)
        g_string_append_c (s, ';');
      append_path_text (s, &paths[l]);
    }
  return g_string_free (s, FALSE);
}

GBytes *
ct_model_random_safetensors (const CtNetStructure *s, guint32 seed, gboolean half)
{
  Writer w = { g_string_new ("{"), g_string_new (NULL), g_rand_new_with_seed (seed), half, TRUE };
  g_autofree char *down = levels_text (s->down, s->n_levels);
  g_autofree char *up = levels_text (s->up, s->n_levels);
  g_autoptr (GString) bridge = g_string_new (NULL);
  g_autoptr (GString) pyramid = g_string_new (NULL);
  GString *file;
  guint64 header_len;
  int top = s->top_channels;
  gboolean multitask = s->architecture == CT_MODEL_MULTITASK_SPATIAL;

  append_path_text (bridge, &s->bridge);
  for (int i = 0; i < s->n_pyramid_levels; i++)
    g_string_append_printf (pyramid, "%s%d", i ? "," : "", s->pyramid_levels[i]);

  g_string_append_printf (w.header,
                          "\"__metadata__\":{\"architecture\":\"%s\",\"format_version\":\"1\","
                          "\"init_channels\":\"%d\",\"down_channels\":\"%s\","
                          "\"bridge_channels\":\"%s\",\"up_channels\":\"%s\","
                          "\"pixel_spacing_mm\":\"2,2\",\"hu_window\":\"-1000,300\","
                          "\"threshold\":\"%s\",\"training_data\":\"none: seeded random weights (seed %u)\","
                          "\"license\":\"MIT\"",
                          multitask ? "multitask-spatial" : "lungs", s->init_channels, down, bridge->str, up,
                          multitask ? "0.2" : "0.5", seed);
  if (multitask)
    g_string_append_printf (w.header, ",\"pyramid_levels\":\"%s\",\"fc_hidden\":\"%d\"", pyramid->str, s->fc_hidden);
  g_string_append (w.header, "}");
  w.first = FALSE;

  {
    int bshape[1] = { s->init_channels };
    add_conv (&w, "backbone.init.weight", s->init_channels, 1, 3, 1.0);
    add_random (&w, "backbone.init.bias", 1, bshape, -0.1, 0.1);
  }
  for (int l = 0; l < s->n_levels; l++)
    {
      g_autofree char *d = g_strdup_printf ("backbone.down.%d", l);
      add_path (&w, d, &s->down[l]);
    }
  add_path (&w, "backbone.bridge", &s->bridge);
  for (int l = 0; l < s->n_levels; l++)
    {
      g_autofree char *u = g_strdup_printf ("backbone.up.%d", l);
      add_path (&w, u, &s->up[l]);
    }
  if (multitask)
    {
      int fc1[2] = { s->fc_hidden, s->n_features };
      int fc1b[1] = { s->fc_hidden };
      int fc2[2] = { 1, s->fc_hidden };
      double limit1 = sqrt (3.0 / s->n_features), limit2 = sqrt (3.0 / s->fc_hidden);

      add_block (&w, "seg_head.block", top, top);
      add_bn (&w, "seg_head.bn", top);
      add_conv (&w, "seg_head.conv.weight", 1, top, 1, 1.0);
      add_random (&w, "cls_head.fc1.weight", 2, fc1, -limit1, limit1);
      add_random (&w, "cls_head.fc1.bias", 1, fc1b, -0.1, 0.1);
      add_random (&w, "cls_head.fc2.weight", 2, fc2, -limit2, limit2);
    }
  else
    {
      add_bn (&w, "head.bn", top);
      add_conv (&w, "head.conv.weight", 1, top, 1, 1.0);
    }
  g_string_append (w.header, "}");
  while (w.header->len % 8 != 0)
    g_string_append_c (w.header, ' ');

  file = g_string_new (NULL);
  header_len = GUINT64_TO_LE ((guint64) w.header->len);
  g_string_append_len (file, (const char *) &header_len, 8);
  g_string_append_len (file, w.header->str, (gssize) w.header->len);
  g_string_append_len (file, w.data->str, (gssize) w.data->len);
  g_string_free (w.header, TRUE);
  g_string_free (w.data, TRUE);
  g_rand_free (w.rand);
  return g_string_free_to_bytes (file);
}
