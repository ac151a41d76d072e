/* SPDX-License-Identifier: MIT */
#include "ct-lung-box.h"

#include <string.h>

typedef struct
{
  gsize voxels;
  int first_slice, last_slice;
} Component;

/* Labels 26-connected components of mask by breadth-first search; labels[v]
 * is 0 for background, else the 1-based component number. */
static GArray *
label_components (const guint8 *mask, int n, int h, int w, guint32 *labels)
{
  GArray *components = g_array_new (FALSE, FALSE, sizeof (Component));
  gsize total = (gsize) n * h * w;
  gsize *queue = g_new (gsize, total);

  memset (labels, 0, total * sizeof *labels);
  for (gsize seed = 0; seed < total; seed++)
    {
      Component component;
      gsize head = 0, tail = 0;
      guint32 label;

      if (mask[seed] == 0 || labels[seed] != 0)
        continue;
      label = components->len + 1;
      component.voxels = 0;
      component.first_slice = n;
      component.last_slice = -1;
      labels[seed] = label;
      queue[tail++] = seed;
      while (head < tail)
        {
          gsize v = queue[head++];
          int s = (int) (v / ((gsize) h * w));
          int r = (int) ((v / w) % h);
          int c = (int) (v % w);

          component.voxels++;
          component.first_slice = MIN (component.first_slice, s);
          component.last_slice = MAX (component.last_slice, s);
          for (int ds = -1; ds <= 1; ds++)
            for (int dr = -1; dr <= 1; dr++)
              for (int dc = -1; dc <= 1; dc++)
                {
                  int s2 = s + ds, r2 = r + dr, c2 = c + dc;
                  gsize u;

                  if (s2 < 0 || s2 >= n || r2 < 0 || r2 >= h || c2 < 0 || c2 >= w)
                    continue;
                  u = ((gsize) s2 * h + r2) * w + c2;
                  if (mask[u] != 0 && labels[u] == 0)
                    {
                      labels[u] = label;
                      queue[tail++] = u;
                    }
                }
        }
      g_array_append_val (components, component);
    }
  g_free (queue);
  return components;
}

gsize
ct_lung_box_keep_lungs (guint8 *mask, int n, int h, int w)
{
  gsize total = (gsize) n * h * w, kept = 0;
  g_autofree guint32 *labels = g_new (guint32, total);
  g_autoptr (GArray) components = label_components (mask, n, h, w, labels);
  g_autofree gboolean *keep = NULL;
  const Component *largest = NULL;

  if (components->len == 0)
    return 0;
  for (guint i = 0; i < components->len; i++)
    {
      const Component *c = &g_array_index (components, Component, i);
      if (largest == NULL || c->voxels > largest->voxels)
        largest = c;
    }
  keep = g_new0 (gboolean, components->len + 1);
  for (guint i = 0; i < components->len; i++)
    {
      const Component *c = &g_array_index (components, Component, i);
      gboolean overlaps = c->first_slice <= largest->last_slice && c->last_slice >= largest->first_slice;

      keep[i + 1] = c == largest || (overlaps && c->voxels >= CT_LUNG_BOX_MIN_COMPONENT_SHARE * largest->voxels);
    }
  for (gsize v = 0; v < total; v++)
    {
      if (labels[v] != 0 && keep[labels[v]])
        kept++;
      else
        mask[v] = 0;
    }
  return kept;
}

gsize
ct_lung_box_add_attached_lesions (guint8 *lungs, const guint8 *lesions, int n, int h, int w, double min_inside_share)
{
  gsize total = (gsize) n * h * w, added = 0;
  g_autofree guint32 *labels = g_new (guint32, total);
  g_autoptr (GArray) components = label_components (lesions, n, h, w, labels);
  g_autofree gsize *inside = NULL;

  if (components->len == 0)
    return 0;
  inside = g_new0 (gsize, components->len + 1);
  for (gsize v = 0; v < total; v++)
    if (labels[v] != 0 && lungs[v] != 0)
      inside[labels[v]]++;
  for (gsize v = 0; v < total; v++)
    if (labels[v] != 0 && lungs[v] == 0 && inside[labels[v]] > 0 &&
        inside[labels[v]] >= min_inside_share * g_array_index (components, Component, labels[v] - 1).voxels)
      {
        lungs[v] = 1;
        added++;
      }
  return added;
}

gsize
ct_lung_box_drop_small_components (guint8 *mask, int n, int h, int w, gsize min_voxels)
{
  gsize total = (gsize) n * h * w, dropped = 0;
  g_autofree guint32 *labels = g_new (guint32, total);
  g_autoptr (GArray) components = label_components (mask, n, h, w, labels);

  for (gsize v = 0; v < total; v++)
    if (labels[v] != 0 && g_array_index (components, Component, labels[v] - 1).voxels < min_voxels)
      {
        mask[v] = 0;
        dropped++;
      }
  return dropped;
}

gboolean
ct_lung_box_compute (const guint8 *mask, int n, int h, int w, CtBox *out)
{
  int lower[3] = { n, h, w }, upper[3] = { 0, 0, 0 };
  gsize v = 0;

  for (int s = 0; s < n; s++)
    for (int r = 0; r < h; r++)
      for (int c = 0; c < w; c++, v++)
        if (mask[v] != 0)
          {
            int at[3] = { s, r, c };
            for (int a = 0; a < 3; a++)
              {
                lower[a] = MIN (lower[a], at[a]);
                upper[a] = MAX (upper[a], at[a] + 1);
              }
          }
  if (upper[0] == 0)
    {
      memset (out, 0, sizeof *out);
      return FALSE;
    }
  memcpy (out->lower, lower, sizeof lower);
  memcpy (out->upper, upper, sizeof upper);
  return TRUE;
}

int
ct_box_size (const CtBox *box, int axis)
{
  return box->upper[axis] - box->lower[axis];
}
