/* SPDX-License-Identifier: MIT */
#include "ct-slice-renderer.h"

#include <math.h>
#include <string.h>

#include "ct-view-annotations.h"

struct _CtSliceRenderer
{
  CtVolume *volume;
  CtSliceGeometry geometry;
  /* Voxel offsets: pixel (px, py) of slice s reads
   * hu[slice_base (s) + px * stride_x + py * stride_y]; strides are signed. */
  gssize stride_x, stride_y;
  int slice;

  CtGreyLut *lut;

  const guint8 *lung_mask;   /* borrowed, [nz][ny][nx], 1 right / 2 left */
  const guint8 *lesion_mask; /* borrowed, [nz][ny][nx] */
  CtAnalysis *analysis;      /* referenced when the masks are its own */
  gboolean show_overlays;    /* master switch for both overlays */
  gboolean show_lung_outline;
  gboolean show_annotations;
  double lesion_opacity;
  guint8 lesion_rgb[3];
  guint8 lung_rgb[2][3]; /* [0] right lung, [1] left lung */

  gboolean has_crosshair;
  double crosshair_ijk[3];

  cairo_surface_t *surface; /* width x height RGB24 */
  guint8 *lung_labels;      /* width x height scratch for the outline */
  gboolean stale;           /* surface no longer shows the settings */

  /* Slab cache, used only when the slice axis is the voxel column axis i
   * (the sagittal view of an axial series). There every voxel of a slice
   * lies in its own cache line, and that line also holds the next 15
   * columns; so SLAB_DEPTH slices are gathered in one sweep into planes
   * [t][py][px] for column slab_first + t, and drawing a slice from the
   * slab reads contiguous memory. The slab is filled only when the user
   * scrolls into a neighbouring column outside it; other slices are read
   * from the volume directly. */
  gboolean use_slab;
  int slab_first;   /* first voxel column held, -1 = none */
  int last_column;  /* column of the previous raster, -2 = none */
  gsize slab_plane; /* elements from one column's plane to the
                     * next: width * height + 64, so the planes
                     * do not all start in the same cache sets */
  float *slab_hu;
  guint8 *slab_lesion; /* filled only when there is a lesion mask */
  guint8 *slab_lung;   /* filled only when there is a lung mask */
};

#define SLAB_DEPTH 16

static gssize
axis_stride (const CtVolume *volume, int axis)
{
  return axis == 0 ? 1 : axis == 1 ? (gssize) volume->nx : (gssize) volume->nx * volume->ny;
}

static guint8
colour_component (double value)
{
  return (guint8) CLAMP (lround (value * 255.0), 0, 255);
}

CtSliceRenderer *
ct_slice_renderer_new (CtVolume *volume, CtViewPlane plane)
{
  CtSliceRenderer *self;
  const CtSliceGeometry *g;
  double width, level;

  g_return_val_if_fail (volume != NULL, NULL);
  g_return_val_if_fail ((unsigned) plane < CT_N_VIEW_PLANES, NULL);

  self = g_new0 (CtSliceRenderer, 1);
  self->volume = ct_volume_ref (volume);
  ct_slice_geometry_init (&self->geometry, volume, plane);
  g = &self->geometry;
  self->stride_x = (g->flip_x ? -1 : 1) * axis_stride (volume, g->axis_x);
  self->stride_y = (g->flip_y ? -1 : 1) * axis_stride (volume, g->axis_y);
  self->slice = g->n_slices / 2;

  ct_window_preset_get (CT_WINDOW_PRESET_LUNG, &width, &level);
  self->lut = ct_grey_lut_new (width, level);

  self->show_overlays = TRUE;
  self->show_lung_outline = TRUE;
  self->show_annotations = TRUE;
  self->lesion_opacity = 0.4;
  self->lesion_rgb[0] = 255; /* red-orange: stands out on lung grey */
  self->lesion_rgb[1] = 64;
  self->lesion_rgb[2] = 32;
  self->lung_rgb[0][0] = 64; /* right lung: cyan-green */
  self->lung_rgb[0][1] = 220;
  self->lung_rgb[0][2] = 160;
  self->lung_rgb[1][0] = 80; /* left lung: blue */
  self->lung_rgb[1][1] = 150;
  self->lung_rgb[1][2] = 255;

  self->surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, MAX (g->width, 1), MAX (g->height, 1));
  self->lung_labels = g_malloc0 ((gsize) MAX (g->width, 1) * MAX (g->height, 1));
  self->use_slab = g->axis_slice == 0 && g->n_slices > 1;
  self->slab_first = -1;
  self->last_column = -2;
  self->slab_plane = (gsize) g->width * g->height + 64;
  self->stale = TRUE;
  return self;
}

void
ct_slice_renderer_free (CtSliceRenderer *self)
{
  if (self == NULL)
    return;
  cairo_surface_destroy (self->surface);
  g_free (self->lung_labels);
  g_free (self->slab_hu);
  g_free (self->slab_lesion);
  g_free (self->slab_lung);
  g_free (self->lut);
  ct_analysis_unref (self->analysis);
  ct_volume_unref (self->volume);
  g_free (self);
}

CtVolume *
ct_slice_renderer_get_volume (CtSliceRenderer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->volume;
}

const CtSliceGeometry *
ct_slice_renderer_get_geometry (CtSliceRenderer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->geometry;
}

void
ct_slice_renderer_set_slice (CtSliceRenderer *self, int slice)
{
  g_return_if_fail (self != NULL);

  slice = CLAMP (slice, 0, MAX (self->geometry.n_slices - 1, 0));
  if (slice != self->slice)
    {
      self->slice = slice;
      self->stale = TRUE;
    }
}

int
ct_slice_renderer_get_slice (CtSliceRenderer *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->slice;
}

int
ct_slice_renderer_get_n_slices (CtSliceRenderer *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->geometry.n_slices;
}

void
ct_slice_renderer_set_window (CtSliceRenderer *self, double width, double level)
{
  g_return_if_fail (self != NULL);

  if (width == self->lut->width && level == self->lut->level)
    return;
  ct_grey_lut_init (self->lut, width, level);
  self->stale = TRUE;
}

void
ct_slice_renderer_set_window_preset (CtSliceRenderer *self, CtWindowPreset preset)
{
  double width, level;

  g_return_if_fail (self != NULL);
  g_return_if_fail ((unsigned) preset < CT_N_WINDOW_PRESETS);

  ct_window_preset_get (preset, &width, &level);
  ct_slice_renderer_set_window (self, width, level);
}

void
ct_slice_renderer_get_window (CtSliceRenderer *self, double *out_width, double *out_level)
{
  g_return_if_fail (self != NULL);

  if (out_width)
    *out_width = self->lut->width;
  if (out_level)
    *out_level = self->lut->level;
}

gboolean
ct_slice_renderer_set_masks (CtSliceRenderer *self, const guint8 *lung_mask, const guint8 *lesion_mask, int nx, int ny,
                             int nz)
{
  g_return_val_if_fail (self != NULL, FALSE);

  self->stale = TRUE;
  self->slab_first = -1;
  g_clear_pointer (&self->analysis, ct_analysis_unref);
  if ((lung_mask != NULL || lesion_mask != NULL) &&
      (nx != self->volume->nx || ny != self->volume->ny || nz != self->volume->nz))
    {
      self->lung_mask = NULL;
      self->lesion_mask = NULL;
      return FALSE;
    }
  self->lung_mask = lung_mask;
  self->lesion_mask = lesion_mask;
  return TRUE;
}

gboolean
ct_slice_renderer_set_analysis (CtSliceRenderer *self, const CtAnalysis *analysis)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (analysis == NULL)
    return ct_slice_renderer_set_masks (self, NULL, NULL, 0, 0, 0);
  if (!ct_slice_renderer_set_masks (self, analysis->lung_mask, analysis->lesion_mask, analysis->nx, analysis->ny,
                                    analysis->nz))
    return FALSE;
  /* A reference keeps the masks alive for as long as they are drawn,
   * whatever happens to the study that showed them. */
  self->analysis = ct_analysis_ref (analysis);
  return TRUE;
}

void
ct_slice_renderer_set_show_overlays (CtSliceRenderer *self, gboolean show)
{
  g_return_if_fail (self != NULL);

  show = !!show;
  if (show != self->show_overlays)
    {
      self->show_overlays = show;
      self->stale = TRUE;
    }
}

gboolean
ct_slice_renderer_get_show_overlays (CtSliceRenderer *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->show_overlays;
}

void
ct_slice_renderer_set_show_lung_outline (CtSliceRenderer *self, gboolean show)
{
  g_return_if_fail (self != NULL);

  show = !!show;
  if (show != self->show_lung_outline)
    {
      self->show_lung_outline = show;
      self->stale = TRUE;
    }
}

void
ct_slice_renderer_set_lesion_opacity (CtSliceRenderer *self, double opacity)
{
  g_return_if_fail (self != NULL);

  opacity = isnan (opacity) ? 0.0 : CLAMP (opacity, 0.0, 1.0);
  if (opacity != self->lesion_opacity)
    {
      self->lesion_opacity = opacity;
      self->stale = TRUE;
    }
}

double
ct_slice_renderer_get_lesion_opacity (CtSliceRenderer *self)
{
  g_return_val_if_fail (self != NULL, 0.0);
  return self->lesion_opacity;
}

void
ct_slice_renderer_set_lesion_colour (CtSliceRenderer *self, double red, double green, double blue)
{
  g_return_if_fail (self != NULL);

  self->lesion_rgb[0] = colour_component (red);
  self->lesion_rgb[1] = colour_component (green);
  self->lesion_rgb[2] = colour_component (blue);
  self->stale = TRUE;
}

void
ct_slice_renderer_set_lung_colours (CtSliceRenderer *self, const double right_rgb[3], const double left_rgb[3])
{
  g_return_if_fail (self != NULL && right_rgb != NULL && left_rgb != NULL);

  for (int c = 0; c < 3; c++)
    {
      self->lung_rgb[0][c] = colour_component (right_rgb[c]);
      self->lung_rgb[1][c] = colour_component (left_rgb[c]);
    }
  self->stale = TRUE;
}

void
ct_slice_renderer_set_show_annotations (CtSliceRenderer *self, gboolean show)
{
  g_return_if_fail (self != NULL);
  self->show_annotations = !!show;
}

void
ct_slice_renderer_set_crosshair (CtSliceRenderer *self, const double ijk[3])
{
  g_return_if_fail (self != NULL);

  self->has_crosshair = ijk != NULL;
  if (ijk != NULL)
    for (int c = 0; c < 3; c++)
      self->crosshair_ijk[c] = ijk[c];
}

void
ct_slice_renderer_focus_voxel (CtSliceRenderer *self, const double ijk[3])
{
  int slice;

  g_return_if_fail (self != NULL && ijk != NULL);

  ct_slice_geometry_voxel_to_view (&self->geometry, ijk, NULL, NULL, &slice);
  ct_slice_renderer_set_slice (self, slice);
  ct_slice_renderer_set_crosshair (self, ijk);
}

static inline guint32
pack_rgb (guint r, guint g, guint b)
{
  return (r << 16) | (g << 8) | b;
}

/* One row of the slice: grey from the LUT, lesion pixels blended towards the
 * lesion colour, lung labels copied out for the outline pass. Reads every
 * voxel array once, in one strided sweep (the sagittal view touches a new
 * cache line per voxel, so a second sweep would double its cost). The flags
 * are constants at each call site, so the compiler emits four loops without
 * branches on them. */
static inline void __attribute__ ((always_inline))
render_row (const float *restrict hu, const guint8 *restrict lesion, const guint8 *restrict lung,
            const CtGreyLut *restrict lut, gssize offset, gssize stride, int width, const guint lesion_premul[3],
            guint alpha, gboolean with_lesions, gboolean with_lungs, guint32 *restrict out, guint8 *restrict labels)
{
  for (int px = 0; px < width; px++, offset += stride)
    {
      guint grey = ct_grey_lut_lookup (lut, hu[offset]);

      if (with_lesions && lesion[offset])
        {
          guint keep = (256 - alpha) * grey;
          out[px] = pack_rgb ((keep + lesion_premul[0]) >> 8, (keep + lesion_premul[1]) >> 8,
                              (keep + lesion_premul[2]) >> 8);
        }
      else
        out[px] = grey * 0x010101u;
      if (with_lungs)
        labels[px] = lung[offset];
    }
}

/* Lung outline: lung pixels with a 4-neighbour of another label, or on the
 * slice border, found in slice space where they are seen. */
static void
draw_lung_outline (CtSliceRenderer *self, guint8 *data, int row_stride)
{
  const int width = self->geometry.width, height = self->geometry.height;
  const guint32 colours[3] = {
    0,
    pack_rgb (self->lung_rgb[0][0], self->lung_rgb[0][1], self->lung_rgb[0][2]),
    pack_rgb (self->lung_rgb[1][0], self->lung_rgb[1][1], self->lung_rgb[1][2]),
  };

  for (int py = 0; py < height; py++)
    {
      const guint8 *row = self->lung_labels + (gsize) py * width;
      const guint8 *above = py > 0 ? row - width : NULL;
      const guint8 *below = py + 1 < height ? row + width : NULL;
      guint32 *out = (guint32 *) (data + (gsize) py * row_stride);

      for (int px = 0; px < width; px++)
        {
          guint8 label = row[px];

          if (label == 0)
            continue;
          if (px == 0 || row[px - 1] != label || px + 1 == width || row[px + 1] != label || above == NULL ||
              above[px] != label || below == NULL || below[px] != label)
            out[px] = colours[MIN (label, 2)];
        }
    }
}

/* Gathers columns [first, first + SLAB_DEPTH) of the view's voxels into the
 * slab, one plane per column in view order. Works on blocks of SLAB_BLOCK
 * pixels of a row: the first column's pass pulls the block's cache lines
 * into L1, the other columns' passes read them from there, and every pass
 * writes SLAB_BLOCK contiguous values. */
#define SLAB_BLOCK 64

static void
fill_slab (CtSliceRenderer *self, int first)
{
  const CtSliceGeometry *g = &self->geometry;
  const CtVolume *v = self->volume;
  const gsize plane = self->slab_plane;
  const int depth = MIN (SLAB_DEPTH, v->nx - first);
  const gssize stride_x = self->stride_x;
  const float *restrict hu = v->hu;
  const guint8 *restrict lesion = self->lesion_mask;
  const guint8 *restrict lung = self->lung_mask;
  int corner[3];
  gssize base;

  /* Allocated once, on first use: about 15 MB for a 512 x 300 sagittal. */
  if (self->slab_hu == NULL)
    {
      self->slab_hu = g_new (float, plane * SLAB_DEPTH);
      self->slab_lesion = g_new (guint8, plane * SLAB_DEPTH);
      self->slab_lung = g_new (guint8, plane * SLAB_DEPTH);
    }

  /* Voxel offset of view pixel (0, 0) in column 0. */
  ct_slice_geometry_pixel_to_voxel (g, 0, 0, 0, corner);
  base = ((gssize) corner[2] * v->ny + corner[1]) * v->nx;

  for (int py = 0; py < g->height; py++)
    {
      gssize row = base + py * self->stride_y + first;

      /* The next row's lines, requested ahead as in render_slice. */
      if (py + 1 < g->height)
        for (int px = 0; px < g->width; px++)
          {
            gssize next = row + self->stride_y + px * stride_x;

            /* SLAB_DEPTH floats usually straddle two cache lines. */
            __builtin_prefetch (hu + next);
            __builtin_prefetch (hu + next + depth - 1);
            if (lesion != NULL)
              __builtin_prefetch (lesion + next);
            if (lung != NULL)
              __builtin_prefetch (lung + next);
          }

      for (int block = 0; block < g->width; block += SLAB_BLOCK)
        {
          const int n = MIN (SLAB_BLOCK, g->width - block);
          const gssize source = row + block * stride_x;
          const gsize target = (gsize) py * g->width + block;

          for (int t = 0; t < depth; t++)
            {
              float *restrict out = self->slab_hu + t * plane + target;

              for (int b = 0; b < n; b++)
                out[b] = hu[source + b * stride_x + t];
            }
          if (lesion != NULL)
            for (int t = 0; t < depth; t++)
              {
                guint8 *restrict out = self->slab_lesion + t * plane + target;

                for (int b = 0; b < n; b++)
                  out[b] = lesion[source + b * stride_x + t];
              }
          if (lung != NULL)
            for (int t = 0; t < depth; t++)
              {
                guint8 *restrict out = self->slab_lung + t * plane + target;

                for (int b = 0; b < n; b++)
                  out[b] = lung[source + b * stride_x + t];
              }
        }
    }
  self->slab_first = first;
}

/* Grey, lesion fill and lung outline of the current slice into the surface. */
static void
render_slice (CtSliceRenderer *self)
{
  const CtSliceGeometry *g = &self->geometry;
  const int width = g->width, height = g->height;
  const gboolean with_lesions = self->show_overlays && self->lesion_mask != NULL && self->lesion_opacity > 0.0;
  const gboolean with_lungs = self->show_overlays && self->show_lung_outline && self->lung_mask != NULL;
  const guint alpha = (guint) lround (self->lesion_opacity * 256.0); /* 0..256 */
  guint lesion_premul[3];
  int pixel_ijk[3];
  gssize base, stride_x, stride_y;
  const float *hu;
  const guint8 *lesion, *lung;
  guint8 *data;
  int row_stride;

  cairo_surface_flush (self->surface);
  data = cairo_image_surface_get_data (self->surface);
  row_stride = cairo_image_surface_get_stride (self->surface);
  if (width <= 0 || height <= 0 || !ct_slice_geometry_pixel_to_voxel (g, self->slice, 0, 0, pixel_ijk))
    {
      memset (data, 0, (gsize) row_stride * cairo_image_surface_get_height (self->surface));
      cairo_surface_mark_dirty (self->surface);
      self->stale = FALSE;
      return;
    }
  base = ((gssize) pixel_ijk[2] * self->volume->ny + pixel_ijk[1]) * self->volume->nx + pixel_ijk[0];
  hu = self->volume->hu;
  lesion = self->lesion_mask;
  lung = self->lung_mask;
  stride_x = self->stride_x;
  stride_y = self->stride_y;
  for (int c = 0; c < 3; c++)
    lesion_premul[c] = self->lesion_rgb[c] * alpha;

  if (self->use_slab)
    {
      int column = pixel_ijk[0];
      gboolean in_slab = self->slab_first >= 0 && column >= self->slab_first && column < self->slab_first + SLAB_DEPTH;

      /* Filling costs about two direct sweeps, so it pays only while the
       * user scrolls; a jump (crosshair click) reads the volume directly. */
      if (!in_slab && ABS (column - self->last_column) == 1)
        {
          fill_slab (self, column - column % SLAB_DEPTH);
          in_slab = TRUE;
        }
      self->last_column = column;
      if (in_slab)
        {
          base = (gssize) (column - self->slab_first) * (gssize) self->slab_plane;
          hu = self->slab_hu;
          lesion = self->lesion_mask != NULL ? self->slab_lesion : NULL;
          lung = self->lung_mask != NULL ? self->slab_lung : NULL;
          stride_x = 1;
          stride_y = width;
        }
    }

  for (int py = 0; py < height; py++)
    {
      guint32 *out = (guint32 *) (data + (gsize) py * row_stride);
      guint8 *labels = self->lung_labels + (gsize) py * width;
      gssize offset = base + py * stride_y;

      /* A strided sweep is bound by memory latency; asking for the next row
       * up front lets those misses overlap with the work on this one. */
      if (py + 1 < height && (stride_x > 16 || stride_x < -16))
        {
          gssize next = offset + stride_y;

          for (int px = 0; px < width; px++, next += stride_x)
            {
              __builtin_prefetch (hu + next);
              if (with_lesions)
                __builtin_prefetch (lesion + next);
              if (with_lungs)
                __builtin_prefetch (lung + next);
            }
        }

      if (with_lesions && with_lungs)
        render_row (hu, lesion, lung, self->lut, offset, stride_x, width, lesion_premul, alpha, TRUE, TRUE, out,
                    labels);
      else if (with_lesions)
        render_row (hu, lesion, NULL, self->lut, offset, stride_x, width, lesion_premul, alpha, TRUE, FALSE, out,
                    labels);
      else if (with_lungs)
        render_row (hu, NULL, lung, self->lut, offset, stride_x, width, lesion_premul, alpha, FALSE, TRUE, out, labels);
      else
        render_row (hu, NULL, NULL, self->lut, offset, stride_x, width, lesion_premul, alpha, FALSE, FALSE, out,
                    labels);
    }

  if (with_lungs)
    draw_lung_outline (self, data, row_stride);

  cairo_surface_mark_dirty (self->surface);
  self->stale = FALSE;
}

cairo_surface_t *
ct_slice_renderer_get_slice_surface (CtSliceRenderer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->stale)
    render_slice (self);
  return self->surface;
}

static void
draw_crosshair (CtSliceRenderer *self, cairo_t *cr, double widget_width, double widget_height,
                const CtSliceLayout *layout)
{
  double x, y, wx, wy, gap = 8.0;

  ct_slice_geometry_voxel_to_view (&self->geometry, self->crosshair_ijk, &x, &y, NULL);
  ct_slice_layout_view_to_widget (layout, x, y, &wx, &wy);

  cairo_save (cr);
  cairo_set_source_rgba (cr, 1.0, 1.0, 0.0, 0.75);
  cairo_set_line_width (cr, 1.0);
  /* Half-pixel positions give crisp one-pixel lines. */
  wx = floor (wx) + 0.5;
  wy = floor (wy) + 0.5;
  cairo_move_to (cr, 0, wy);
  cairo_line_to (cr, wx - gap, wy);
  cairo_move_to (cr, wx + gap, wy);
  cairo_line_to (cr, widget_width, wy);
  cairo_move_to (cr, wx, 0);
  cairo_line_to (cr, wx, wy - gap);
  cairo_move_to (cr, wx, wy + gap);
  cairo_line_to (cr, wx, widget_height);
  cairo_stroke (cr);
  cairo_restore (cr);
}

void
ct_slice_renderer_draw (CtSliceRenderer *self, cairo_t *cr, double widget_width, double widget_height,
                        const CtSliceLayout *layout)
{
  cairo_surface_t *surface;
  cairo_pattern_t *pattern;
  const CtSliceGeometry *g;

  g_return_if_fail (self != NULL && cr != NULL && layout != NULL);

  g = &self->geometry;
  surface = ct_slice_renderer_get_slice_surface (self);

  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, widget_width, widget_height);
  cairo_clip (cr);
  cairo_set_source_rgb (cr, 0.0, 0.0, 0.0);
  cairo_paint (cr);

  cairo_save (cr);
  cairo_translate (cr, layout->offset_x, layout->offset_y);
  cairo_scale (cr, layout->scale_x, layout->scale_y);
  cairo_set_source_surface (cr, surface, 0, 0);
  pattern = cairo_get_source (cr);
  /* Bilinear down to half size: cheap (about 1 ms for 512 x 512) and each
   * source pixel still reaches the screen. Below that pixman's box filter
   * (CAIRO_FILTER_GOOD, about 10x slower) keeps one-pixel outlines from
   * dropping out. */
  cairo_pattern_set_filter (pattern,
                            layout->scale_x < 0.5 || layout->scale_y < 0.5 ? CAIRO_FILTER_GOOD : CAIRO_FILTER_BILINEAR);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
  cairo_rectangle (cr, 0, 0, g->width, g->height);
  cairo_fill (cr);
  cairo_restore (cr);

  if (self->has_crosshair)
    draw_crosshair (self, cr, widget_width, widget_height, layout);

  if (self->show_annotations)
    {
      ct_draw_orientation_labels (cr, g, widget_width, widget_height);
      ct_draw_scale_bar (cr, ct_slice_layout_mm_per_widget_pixel (layout, g), widget_width, widget_height);
    }
  cairo_restore (cr);
}

gboolean
ct_slice_renderer_pick (CtSliceRenderer *self, const CtSliceLayout *layout, double widget_x, double widget_y,
                        int out_ijk[3], float *out_hu)
{
  double x, y;
  int ijk[3];

  g_return_val_if_fail (self != NULL && layout != NULL, FALSE);

  ct_slice_layout_widget_to_view (layout, widget_x, widget_y, &x, &y);
  if (!(x >= 0.0 && y >= 0.0))
    return FALSE;
  if (!ct_slice_geometry_pixel_to_voxel (&self->geometry, self->slice, (int) x, (int) y, ijk))
    return FALSE;
  if (out_ijk)
    for (int c = 0; c < 3; c++)
      out_ijk[c] = ijk[c];
  if (out_hu)
    *out_hu = ct_volume_get (self->volume, ijk[0], ijk[1], ijk[2]);
  return TRUE;
}
