/* SPDX-License-Identifier: MIT */
/* ct-lung-cleanup.c: the rules of ct-lung-cleanup.h. Every pass is linear in
 * the number of voxels: one breadth-first labelling, then counts per
 * component. */
#include "ct-lung-cleanup.h"

#include <math.h>
#include <string.h>

guint
ct_lung_cleanup_label (const guint8 *mask, int n, int h, int w, guint32 *labels)
{
  gsize total = (gsize) n * h * w, plane = (gsize) h * w;
  g_autofree gsize *queue = g_new (gsize, MAX (total, 1));
  guint32 count = 0;

  memset (labels, 0, total * sizeof *labels);
  for (gsize seed = 0; seed < total; seed++)
    {
      gsize head = 0, tail = 0;

      if (mask[seed] == 0 || labels[seed] != 0)
        continue;
      labels[seed] = ++count;
      queue[tail++] = seed;
      while (head < tail)
        {
          gsize v = queue[head++];
          int s = (int) (v / plane), r = (int) ((v / w) % h), c = (int) (v % w);

          for (int s2 = MAX (s - 1, 0); s2 <= MIN (s + 1, n - 1); s2++)
            for (int r2 = MAX (r - 1, 0); r2 <= MIN (r + 1, h - 1); r2++)
              for (int c2 = MAX (c - 1, 0); c2 <= MIN (c + 1, w - 1); c2++)
                {
                  gsize u = ((gsize) s2 * h + r2) * w + c2;

                  if (mask[u] != 0 && labels[u] == 0)
                    {
                      labels[u] = count;
                      queue[tail++] = u;
                    }
                }
        }
    }
  return count;
}

/* The largest 8-connected region of above[] on one slice [h][w]: its pixels
 * get 1 in torso[], the rest 0; returns its size. */
static gsize
largest_region (const guint8 *above, int h, int w, guint32 *labels, gsize *queue, guint8 *torso)
{
  gsize plane = (gsize) h * w, best_size = 0;
  guint32 count = 0, best = 0;

  memset (labels, 0, plane * sizeof *labels);
  for (gsize seed = 0; seed < plane; seed++)
    {
      gsize head = 0, tail = 0;

      if (above[seed] == 0 || labels[seed] != 0)
        continue;
      labels[seed] = ++count;
      queue[tail++] = seed;
      while (head < tail)
        {
          gsize v = queue[head++];
          int r = (int) (v / w), c = (int) (v % w);

          for (int r2 = MAX (r - 1, 0); r2 <= MIN (r + 1, h - 1); r2++)
            for (int c2 = MAX (c - 1, 0); c2 <= MIN (c + 1, w - 1); c2++)
              {
                gsize u = (gsize) r2 * w + c2;
                if (above[u] != 0 && labels[u] == 0)
                  {
                    labels[u] = count;
                    queue[tail++] = u;
                  }
              }
        }
      if (tail > best_size)
        {
          best_size = tail;
          best = count;
        }
    }
  for (gsize v = 0; v < plane; v++)
    torso[v] = best != 0 && labels[v] == best;
  return best_size;
}

/* The pixels of one slice that are outside the body: tissue outside the
 * envelope in[] (an arm, the table), and air reached by a 4-connected flood
 * through the pixels not above the body threshold, seeded at image border
 * pixels outside the envelope that are as dark as air outside the body
 * (air between an arm and the chest wall, joined to the torso by a blanket
 * or the skin, stays inside the envelope but is reached). The lungs of a
 * tight field of view touch the border too, but inside the envelope or, as
 * lung, above the air threshold, so no flood starts there. body[] gets 1
 * inside, 0 outside. */
static void
outside_body (const float *slice, const guint8 *above, int h, int w, float air_threshold, gsize *queue,
              const guint8 *envelope, guint8 *body)
{
  gsize plane = (gsize) h * w, head = 0, tail = 0;

  for (gsize v = 0; v < plane; v++)
    body[v] = above[v] == 0      ? CT_LUNG_CLEANUP_INSIDE_AIR
              : envelope[v] == 0 ? CT_LUNG_CLEANUP_OUTSIDE_TISSUE
                                 : CT_LUNG_CLEANUP_INSIDE_TISSUE;
  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++)
      {
        gsize v = (gsize) r * w + c;
        if ((r == 0 || c == 0 || r == h - 1 || c == w - 1) && envelope[v] == 0 && slice[v] < air_threshold)
          {
            body[v] = CT_LUNG_CLEANUP_OUTSIDE_AIR;
            queue[tail++] = v;
          }
      }
  while (head < tail)
    {
      gsize v = queue[head++];
      int r = (int) (v / w), c = (int) (v % w);
      int nr[4] = { r - 1, r + 1, r, r }, nc[4] = { c, c, c - 1, c + 1 };

      for (int k = 0; k < 4; k++)
        {
          gsize u;
          if (nr[k] < 0 || nr[k] >= h || nc[k] < 0 || nc[k] >= w)
            continue;
          u = (gsize) nr[k] * w + nc[k];
          if (above[u] == 0 && body[u] != CT_LUNG_CLEANUP_OUTSIDE_AIR)
            {
              body[u] = CT_LUNG_CLEANUP_OUTSIDE_AIR;
              queue[tail++] = u;
            }
        }
    }
}

void
ct_lung_cleanup_body (const float *image, int n, int h, int w, const double spacing_mm[2], float body_threshold,
                      float air_threshold, guint8 *body)
{
  gsize plane = (gsize) h * w;
  double pixel_cm2 = spacing_mm[0] * spacing_mm[1] / 100.0;
  g_autofree guint8 *above = g_new (guint8, plane);
  g_autofree guint8 *torso = g_new (guint8, plane);
  g_autofree guint8 *envelope = g_new (guint8, plane);
  g_autofree guint32 *labels = g_new (guint32, plane);
  g_autofree gsize *queue = g_new (gsize, plane);
  /* Per row the first and last torso column, per column the first and last
   * torso row (first > last: none). */
  g_autofree int *row_span = g_new (int, 2 * (gsize) h);
  g_autofree int *col_span = g_new (int, 2 * (gsize) w);

  for (int s = 0; s < n; s++)
    {
      const float *slice = image + s * plane;
      guint8 *out = body + s * plane;

      for (gsize v = 0; v < plane; v++)
        above[v] = slice[v] > body_threshold;
      if (largest_region (above, h, w, labels, queue, torso) * pixel_cm2 < CT_LUNG_CLEANUP_MIN_TORSO_CM2)
        {
          memset (out, 0, plane);
          continue;
        }
      for (int r = 0; r < h; r++)
        {
          row_span[2 * r] = w;
          row_span[2 * r + 1] = -1;
        }
      for (int c = 0; c < w; c++)
        {
          col_span[2 * c] = h;
          col_span[2 * c + 1] = -1;
        }
      for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++)
          if (torso[(gsize) r * w + c])
            {
              row_span[2 * r] = MIN (row_span[2 * r], c);
              row_span[2 * r + 1] = MAX (row_span[2 * r + 1], c);
              col_span[2 * c] = MIN (col_span[2 * c], r);
              col_span[2 * c + 1] = MAX (col_span[2 * c + 1], r);
            }
      for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++)
          envelope[(gsize) r * w + c] = (c >= row_span[2 * r] && c <= row_span[2 * r + 1]) ||
                                        (r >= col_span[2 * c] && r <= col_span[2 * c + 1]);
      outside_body (slice, above, h, w, air_threshold, queue, envelope, out);
    }
}

typedef enum
{
  KEEP,
  MAIN_LUNG,
  BELOW,
  ANTERIOR,
} Verdict;

typedef struct
{
  gsize voxels;
  gsize below;     /* voxels below the diaphragm of the main lungs so far */
  gsize posterior; /* voxels behind the body's centre row on their slice */
  int first_slice;
  Verdict verdict;
} Component;

/* Lung reaches the back of the chest; gas in the bowel of a supine patient
 * floats to the front. */
static gboolean
is_candidate (const Component *c)
{
  return c->verdict == KEEP && c->posterior >= CT_LUNG_CLEANUP_MIN_POSTERIOR_SHARE * c->voxels;
}

/* Adds the voxels of components marked MAIN_LUNG to floor ([h][w]: the
 * deepest main-lung slice of each row and column, -1 for none) and *last
 * (the deepest main-lung slice), then counts for every other component its
 * voxels below that diaphragm. */
static void
measure_below (const guint32 *labels, Component *components, int n, int h, int w, int *floor, int *last)
{
  gsize plane = (gsize) h * w, v = 0;

  for (int s = 0; s < n; s++)
    for (gsize p = 0; p < plane; p++, v++)
      if (labels[v] != 0 && components[labels[v] - 1].verdict == MAIN_LUNG)
        {
          floor[p] = MAX (floor[p], s);
          *last = MAX (*last, s);
        }
  v = 0;
  for (int s = 0; s < n; s++)
    for (gsize p = 0; p < plane; p++, v++)
      if (labels[v] != 0)
        {
          Component *c = &components[labels[v] - 1];
          if (c->verdict == KEEP && (s > *last || (floor[p] >= 0 && s > floor[p])))
            c->below++;
        }
}

static gboolean
is_below (const Component *c)
{
  return c->below >= CT_LUNG_CLEANUP_MIN_BELOW_SHARE * c->voxels;
}

/* The largest component still KEEP and not below the diaphragm, with at least
 * min_voxels voxels, or NULL. */
static Component *
largest_kept (Component *components, guint count, gsize min_voxels)
{
  Component *best = NULL;

  for (guint i = 0; i < count; i++)
    if (is_candidate (&components[i]) && !is_below (&components[i]) && components[i].voxels >= min_voxels &&
        (best == NULL || components[i].voxels > best->voxels))
      best = &components[i];
  return best;
}

/* The first main lung: the largest component inside the body that starts
 * within CT_LUNG_CLEANUP_APEX_MM of the most cranial one among the large
 * components (at least CT_LUNG_CLEANUP_SECOND_LUNG_SHARE of the largest):
 * in the torso nothing lies above the lungs, while gas in the bowel may
 * outweigh the lung bases of an abdominal scan. */
static Component *
first_lung (Component *components, guint count, double slice_mm)
{
  Component *largest = largest_kept (components, count, 1), *best = NULL;
  int top = G_MAXINT;

  if (largest == NULL)
    return NULL;
  for (guint i = 0; i < count; i++)
    if (is_candidate (&components[i]) && components[i].voxels >= CT_LUNG_CLEANUP_SECOND_LUNG_SHARE * largest->voxels)
      top = MIN (top, components[i].first_slice);
  for (guint i = 0; i < count; i++)
    if (is_candidate (&components[i]) && (components[i].first_slice - top) * slice_mm <= CT_LUNG_CLEANUP_APEX_MM &&
        (best == NULL || components[i].voxels > best->voxels))
      best = &components[i];
  return best;
}

gsize
ct_lung_cleanup_apply (guint8 *mask, const guint8 *body, int n, int h, int w, const double spacing_mm[3],
                       CtLungCleanupStats *stats)
{
  gsize total = (gsize) n * h * w, plane = (gsize) h * w, removed = 0;
  double voxel_ml = spacing_mm[0] * spacing_mm[1] * spacing_mm[2] / 1000.0;
  g_autofree guint32 *labels = g_new (guint32, MAX (total, 1));
  g_autofree Component *components = NULL;
  CtLungCleanupStats local = { 0 };
  guint count;

  /* 1: outside the body. */
  count = ct_lung_cleanup_label (mask, n, h, w, labels);
  {
    g_autofree gsize *outside = g_new0 (gsize, count + 1), *size = g_new0 (gsize, count + 1);
    g_autofree guint8 *cut = g_new0 (guint8, count + 1); /* 0 keep, 1 outside part, 2 all */
    gsize min_inside = (gsize) ceil (CT_LUNG_CLEANUP_MIN_INSIDE_ML / voxel_ml);

    for (gsize v = 0; v < total; v++)
      if (labels[v] != 0)
        {
          size[labels[v]]++;
          outside[labels[v]] += body[v] <= CT_LUNG_CLEANUP_OUTSIDE_TISSUE;
        }
    for (guint l = 1; l <= count; l++)
      if (outside[l] > CT_LUNG_CLEANUP_MAX_OUTSIDE_SHARE * size[l])
        cut[l] = size[l] - outside[l] >= min_inside ? 1 : 2;
    for (gsize v = 0; v < total; v++)
      if (labels[v] != 0 && (cut[labels[v]] == 2 || (cut[labels[v]] == 1 && body[v] <= CT_LUNG_CLEANUP_OUTSIDE_TISSUE)))
        {
          mask[v] = 0;
          local.removed_outside++;
        }
  }
  local.removed_outside_ml = local.removed_outside * voxel_ml;
  removed = local.removed_outside;
  if (removed > 0)
    count = ct_lung_cleanup_label (mask, n, h, w, labels);

  local.components = count;
  components = g_new0 (Component, MAX (count, 1));
  for (guint i = 0; i < count; i++)
    components[i].first_slice = n;
  for (int s = 0; s < n; s++)
    {
      const guint8 *slice_body = body + (gsize) s * plane;
      const guint32 *slice_labels = labels + (gsize) s * plane;
      double rows = 0, pixels = 0, centre;

      for (gsize p = 0; p < plane; p++)
        if (slice_body[p] >= CT_LUNG_CLEANUP_INSIDE_TISSUE)
          {
            rows += (double) (p / w);
            pixels++;
          }
      centre = pixels > 0 ? rows / pixels : h / 2.0;
      for (gsize p = 0; p < plane; p++)
        if (slice_labels[p] != 0)
          {
            Component *c = &components[slice_labels[p] - 1];
            c->voxels++;
            c->posterior += (double) (p / w) > centre;
            c->first_slice = MIN (c->first_slice, s);
          }
    }

  /* 3: nothing reaches the back of the chest: no lung, only gas. */
  {
    gboolean any = FALSE;

    for (guint i = 0; i < count; i++)
      any = any || is_candidate (&components[i]);
    for (guint i = 0; i < count && !any; i++)
      if (components[i].verdict == KEEP)
        components[i].verdict = ANTERIOR;
  }

  /* 2: below the diaphragm of the main lungs (volumes only). */
  if (n > 1)
    {
      g_autofree int *floor = g_new (int, plane);
      Component *first = first_lung (components, count, spacing_mm[0]), *second;
      int last = -1;

      for (gsize p = 0; p < plane; p++)
        floor[p] = -1;
      if (first != NULL)
        {
          first->verdict = MAIN_LUNG;
          measure_below (labels, components, n, h, w, floor, &last);
          second = largest_kept (components, count,
                                 (gsize) MAX (1.0, CT_LUNG_CLEANUP_SECOND_LUNG_SHARE * first->voxels));
          if (second != NULL)
            {
              for (guint i = 0; i < count; i++)
                components[i].below = 0;
              second->verdict = MAIN_LUNG;
              measure_below (labels, components, n, h, w, floor, &last);
            }
          /* A piece as large as a lobe, beside a first lung of a real
           * lung's size, is lung split by disease rather than gas. */
          gsize protect = first->voxels * voxel_ml >= CT_LUNG_CLEANUP_LUNG_ML
                              ? (gsize) ceil (CT_LUNG_CLEANUP_LOBE_SHARE * first->voxels)
                              : G_MAXSIZE;

          for (guint i = 0; i < count; i++)
            if (components[i].verdict == KEEP && is_below (&components[i]) && components[i].voxels < protect)
              components[i].verdict = BELOW;
        }
    }

  for (guint i = 0; i < count; i++)
    {
      if (components[i].verdict == BELOW)
        {
          local.removed_below++;
          local.removed_below_ml += components[i].voxels * voxel_ml;
        }
      else if (components[i].verdict == ANTERIOR)
        {
          local.removed_anterior++;
          local.removed_anterior_ml += components[i].voxels * voxel_ml;
        }
    }
  for (gsize v = 0; v < total; v++)
    if (labels[v] != 0 && components[labels[v] - 1].verdict >= BELOW)
      {
        mask[v] = 0;
        removed++;
      }
  if (stats != NULL)
    *stats = local;
  return removed;
}
