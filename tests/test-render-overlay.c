/* SPDX-License-Identifier: MIT */
/* CtSliceRenderer without a display: grey, lesion fill and lung outline
 * pixels exactly where the masks say, picking, focus and drawing. */
#include <math.h>

#include "ct-slice-renderer.h"

#define NX 24
#define NY 20
#define NZ 6

typedef struct
{
  CtVolume *volume;
  guint8 *lung;
  guint8 *lesion;
} Phantom;

static gsize
index_of (int i, int j, int k)
{
  return ((gsize) k * NY + j) * NX + i;
}

/* Lung window: all these HU map to grey 128, yet each voxel's value differs
 * so picking can be checked. */
static float
phantom_hu (int i, int j, int k)
{
  return -600.0f + 0.25f * ((i + 2 * j + 3 * k) % 4);
}

static void
phantom_init (Phantom *p, const double direction[9])
{
  p->volume = ct_volume_new (NX, NY, NZ);
  p->lung = g_malloc0 ((gsize) NX * NY * NZ);
  p->lesion = g_malloc0 ((gsize) NX * NY * NZ);
  p->volume->spacing[0] = 0.7;
  p->volume->spacing[1] = 0.7;
  p->volume->spacing[2] = 5.0;
  for (int c = 0; c < 9; c++)
    p->volume->direction[c] = direction[c];

  for (int k = 0; k < NZ; k++)
    for (int j = 0; j < NY; j++)
      for (int i = 0; i < NX; i++)
        {
          gsize n = index_of (i, j, k);

          p->volume->hu[n] = phantom_hu (i, j, k);
          /* The right lung touches the volume border (i = 0, k = NZ - 1), where
           * the outline must close. */
          if (i <= 10 && j >= 2 && j <= 16 && k >= 1)
            p->lung[n] = 1;
          else if (i >= 13 && i <= 21 && j >= 2 && j <= 16 && k >= 1 && k <= 4)
            p->lung[n] = 2;
          if ((i >= 5 && i <= 9 && j >= 4 && j <= 8 && k >= 2 && k <= 3) || (i == 15 && j == 12 && k == 3))
            p->lesion[n] = 1;
        }
}

static void
phantom_clear (Phantom *p)
{
  g_clear_pointer (&p->volume, ct_volume_unref);
  g_clear_pointer (&p->lung, g_free);
  g_clear_pointer (&p->lesion, g_free);
}

static guint32
pixel_at (cairo_surface_t *surface, int x, int y)
{
  const guint8 *data = cairo_image_surface_get_data (surface);

  return ((const guint32 *) (data + (gsize) y * cairo_image_surface_get_stride (surface)))[x] & 0xffffff;
}

static guint8
lung_label_at (const Phantom *p, const CtSliceGeometry *g, int slice, int px, int py)
{
  int ijk[3];

  if (!ct_slice_geometry_pixel_to_voxel (g, slice, px, py, ijk))
    return 0;
  return p->lung[index_of (ijk[0], ijk[1], ijk[2])];
}

static const double right_rgb[3] = { 0.0, 1.0, 0.0 };
static const double left_rgb[3] = { 0.0, 0.0, 1.0 };

/* The expected colour of one pixel, from the masks alone. */
static guint32
expected_pixel (const Phantom *p, const CtSliceGeometry *g, int slice, int px, int py, gboolean overlays,
                double opacity)
{
  int ijk[3];
  guint8 label;

  g_assert_true (ct_slice_geometry_pixel_to_voxel (g, slice, px, py, ijk));
  label = p->lung[index_of (ijk[0], ijk[1], ijk[2])];
  if (overlays && label != 0 &&
      (lung_label_at (p, g, slice, px - 1, py) != label || lung_label_at (p, g, slice, px + 1, py) != label ||
       lung_label_at (p, g, slice, px, py - 1) != label || lung_label_at (p, g, slice, px, py + 1) != label))
    return label == 1 ? 0x00ff00 : 0x0000ff;
  if (overlays && opacity > 0 && p->lesion[index_of (ijk[0], ijk[1], ijk[2])])
    {
      /* grey 128 blended towards pure red */
      guint red = (guint) lround (128.0 * (1.0 - opacity) + 255.0 * opacity);
      guint other = (guint) lround (128.0 * (1.0 - opacity));
      return (red << 16) | (other << 8) | other;
    }
  return 0x808080;
}

static gboolean
close_colour (guint32 a, guint32 b)
{
  for (int shift = 0; shift < 24; shift += 8)
    if (ABS ((int) ((a >> shift) & 0xff) - (int) ((b >> shift) & 0xff)) > 1)
      return FALSE;
  return TRUE;
}

static void
check_renderer_pixels (const double direction[9])
{
  Phantom p;
  static const double opacities[] = { 0.4, 1.0, 0.0 };

  phantom_init (&p, direction);
  for (int plane = 0; plane < CT_N_VIEW_PLANES; plane++)
    {
      g_autoptr (CtSliceRenderer) r = ct_slice_renderer_new (p.volume, plane);
      const CtSliceGeometry *g = ct_slice_renderer_get_geometry (r);
      gsize lesion_pixels_seen = 0, lesion_voxels = 0;

      ct_slice_renderer_set_lesion_colour (r, 1.0, 0.0, 0.0);
      ct_slice_renderer_set_lung_colours (r, right_rgb, left_rgb);
      g_assert_true (ct_slice_renderer_set_masks (r, p.lung, p.lesion, NX, NY, NZ));

      for (guint o = 0; o < G_N_ELEMENTS (opacities); o++)
        for (int show = 0; show < 2; show++)
          for (int s = 0; s < g->n_slices; s++)
            {
              cairo_surface_t *surface;

              ct_slice_renderer_set_lesion_opacity (r, opacities[o]);
              ct_slice_renderer_set_show_overlays (r, show);
              ct_slice_renderer_set_slice (r, s);
              g_assert_cmpint (ct_slice_renderer_get_slice (r), ==, s);
              surface = ct_slice_renderer_get_slice_surface (r);
              g_assert_cmpint (cairo_image_surface_get_width (surface), ==, g->width);
              g_assert_cmpint (cairo_image_surface_get_height (surface), ==, g->height);

              for (int py = 0; py < g->height; py++)
                for (int px = 0; px < g->width; px++)
                  {
                    guint32 want = expected_pixel (&p, g, s, px, py, show, opacities[o]);
                    guint32 got = pixel_at (surface, px, py);

                    if (!close_colour (got, want))
                      g_error ("%s slice %d pixel (%d, %d), opacity %.1f, overlays %d: got %06x, want %06x",
                               ct_view_plane_get_name (plane), s, px, py, opacities[o], show, got, want);
                    if (o == 0 && show && ((got >> 16) & 0xff) > 150 && ((got >> 8) & 0xff) < 100)
                      lesion_pixels_seen++;
                  }
            }

      /* The phantom's lesions lie inside the lungs but off their outline
       * except where they touch it; at least the inner ones must be seen. */
      for (gsize n = 0; n < (gsize) NX * NY * NZ; n++)
        lesion_voxels += p.lesion[n] != 0;
      g_assert_cmpuint (lesion_pixels_seen, >, 0);
      g_assert_cmpuint (lesion_pixels_seen, <=, lesion_voxels);
    }
  phantom_clear (&p);
}

static void
test_overlay_head_first (void)
{
  static const double head_first[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  check_renderer_pixels (head_first);
}

static void
test_overlay_feet_first_mirrored (void)
{
  static const double feet_first_mirrored[9] = { -1, 0, 0, 0, 1, 0, 0, 0, -1 };
  check_renderer_pixels (feet_first_mirrored);
}

static void
test_overlay_outline_toggle (void)
{
  static const double head_first[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  Phantom p;

  phantom_init (&p, head_first);
  {
    g_autoptr (CtSliceRenderer) r = ct_slice_renderer_new (p.volume, CT_VIEW_AXIAL);
    const CtSliceGeometry *g = ct_slice_renderer_get_geometry (r);

    ct_slice_renderer_set_lesion_colour (r, 1.0, 0.0, 0.0);
    ct_slice_renderer_set_lung_colours (r, right_rgb, left_rgb);
    ct_slice_renderer_set_masks (r, p.lung, p.lesion, NX, NY, NZ);
    ct_slice_renderer_set_show_lung_outline (r, FALSE);
    for (int s = 0; s < g->n_slices; s++)
      {
        cairo_surface_t *surface;

        ct_slice_renderer_set_slice (r, s);
        surface = ct_slice_renderer_get_slice_surface (r);
        for (int py = 0; py < g->height; py++)
          for (int px = 0; px < g->width; px++)
            {
              int ijk[3];
              guint32 got = pixel_at (surface, px, py);

              g_assert_true (ct_slice_geometry_pixel_to_voxel (g, s, px, py, ijk));
              if (p.lesion[index_of (ijk[0], ijk[1], ijk[2])])
                g_assert_true (close_colour (got, 0xb34d4d)); /* 40 % red over grey 128 */
              else
                g_assert_cmphex (got, ==, 0x808080);
            }
      }
  }
  phantom_clear (&p);
}

static void
test_overlay_rejects_wrong_size_masks (void)
{
  static const double head_first[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  Phantom p;
  g_autoptr (CtSliceRenderer) r = NULL;

  phantom_init (&p, head_first);
  r = ct_slice_renderer_new (p.volume, CT_VIEW_AXIAL);
  g_assert_false (ct_slice_renderer_set_masks (r, p.lung, p.lesion, NX, NY, NZ - 1));
  /* Nothing kept: the slice is plain grey. */
  g_assert_cmpuint (pixel_at (ct_slice_renderer_get_slice_surface (r), 2, 5), ==, 0x808080);
  g_clear_pointer (&r, ct_slice_renderer_free);
  phantom_clear (&p);
}

/* Masks set, cleared and set again between frames (results arriving while a
 * study is shown): every view, including the sagittal one with its slab
 * cache, follows at once. */
static void
test_overlay_masks_replaced (void)
{
  static const double head_first[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  Phantom p;

  phantom_init (&p, head_first);
  for (int plane = 0; plane < CT_N_VIEW_PLANES; plane++)
    {
      g_autoptr (CtSliceRenderer) r = ct_slice_renderer_new (p.volume, plane);
      const CtSliceGeometry *g = ct_slice_renderer_get_geometry (r);

      ct_slice_renderer_set_lesion_colour (r, 1.0, 0.0, 0.0);
      ct_slice_renderer_set_lung_colours (r, right_rgb, left_rgb);
      for (int round = 0; round < 3; round++)
        {
          gboolean with_masks = round != 1;

          if (with_masks)
            g_assert_true (ct_slice_renderer_set_masks (r, p.lung, p.lesion, NX, NY, NZ));
          else
            g_assert_true (ct_slice_renderer_set_masks (r, NULL, NULL, 0, 0, 0));
          for (int s = 0; s < g->n_slices; s++)
            {
              cairo_surface_t *surface;

              ct_slice_renderer_set_slice (r, s);
              surface = ct_slice_renderer_get_slice_surface (r);
              for (int py = 0; py < g->height; py++)
                for (int px = 0; px < g->width; px++)
                  g_assert_true (
                      close_colour (pixel_at (surface, px, py), expected_pixel (&p, g, s, px, py, with_masks, 0.4)));
            }
        }
    }
  phantom_clear (&p);
}

static void
test_overlay_pick_and_focus (void)
{
  static const double feet_first[9] = { 1, 0, 0, 0, 1, 0, 0, 0, -1 };
  Phantom p;
  CtSliceLayout layout;

  phantom_init (&p, feet_first);
  {
    g_autoptr (CtSliceRenderer) axial = ct_slice_renderer_new (p.volume, CT_VIEW_AXIAL);
    g_autoptr (CtSliceRenderer) coronal = ct_slice_renderer_new (p.volume, CT_VIEW_CORONAL);
    const CtSliceGeometry *g = ct_slice_renderer_get_geometry (coronal);
    int ijk[3], expected[3];
    double wx, wy, focus[3];
    float hu;

    ct_slice_layout_fit (&layout, g, 300, 300, 1.5, 10, -20);
    ct_slice_renderer_set_slice (coronal, 9);
    ct_slice_layout_view_to_widget (&layout, 7.5, 3.5, &wx, &wy);
    g_assert_true (ct_slice_renderer_pick (coronal, &layout, wx, wy, ijk, &hu));
    g_assert_true (ct_slice_geometry_pixel_to_voxel (g, 9, 7, 3, expected));
    for (int c = 0; c < 3; c++)
      g_assert_cmpint (ijk[c], ==, expected[c]);
    g_assert_cmpfloat (hu, ==, phantom_hu (ijk[0], ijk[1], ijk[2]));
    g_assert_false (ct_slice_renderer_pick (coronal, &layout, layout.offset_x - 1, wy, ijk, NULL));

    /* Click in the coronal view moves the axial view to that voxel's slice. */
    for (int c = 0; c < 3; c++)
      focus[c] = ijk[c];
    ct_slice_renderer_focus_voxel (axial, focus);
    {
      int axial_slice;
      double x, y;
      int picked[3];
      CtSliceLayout axial_layout;

      g_assert_true (
          ct_slice_geometry_voxel_to_view (ct_slice_renderer_get_geometry (axial), focus, &x, &y, &axial_slice));
      g_assert_cmpint (ct_slice_renderer_get_slice (axial), ==, axial_slice);
      ct_slice_layout_fit (&axial_layout, ct_slice_renderer_get_geometry (axial), 200, 200, 1, 0, 0);
      ct_slice_layout_view_to_widget (&axial_layout, x, y, &wx, &wy);
      g_assert_true (ct_slice_renderer_pick (axial, &axial_layout, wx, wy, picked, NULL));
      for (int c = 0; c < 3; c++)
        g_assert_cmpint (picked[c], ==, ijk[c]);
    }
  }
  phantom_clear (&p);
}

static void
test_overlay_draw_to_image (void)
{
  static const double head_first[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  Phantom p;
  cairo_surface_t *target = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 300, 300);
  cairo_t *cr = cairo_create (target);

  phantom_init (&p, head_first);
  {
    g_autoptr (CtSliceRenderer) r = ct_slice_renderer_new (p.volume, CT_VIEW_CORONAL);
    const CtSliceGeometry *g = ct_slice_renderer_get_geometry (r);
    CtSliceLayout layout;
    double ijk[3] = { 6, 5, 2 };
    gsize grey_pixels = 0;
    double left, right;

    /* 16.8 mm wide, 30 mm tall: the image fills the height, centred. */
    ct_slice_layout_fit (&layout, g, 300, 300, 1, 0, 0);
    ct_slice_renderer_set_show_overlays (r, FALSE);
    ct_slice_renderer_set_crosshair (r, ijk);
    ct_slice_renderer_draw (r, cr, 300, 300, &layout);
    cairo_surface_flush (target);
    g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);

    left = layout.offset_x;
    right = layout.offset_x + g->width * layout.scale_x;
    g_assert_cmpfloat_with_epsilon (right - left, 168.0, 1e-6);
    for (int y = 0; y < 300; y++)
      for (int x = 0; x < 300; x++)
        if (pixel_at (target, x, y) == 0x808080)
          {
            g_assert_cmpfloat (x, >=, floor (left));
            g_assert_cmpfloat (x, <, ceil (right));
            grey_pixels++;
          }
    /* Most of the image area is slice grey; crosshair and letters take some. */
    g_assert_cmpuint (grey_pixels, >, 0.8 * 168 * 300);
    /* Background outside the image stays black in the top-left corner. */
    g_assert_cmpuint (pixel_at (target, 30, 30), ==, 0x000000);
  }
  cairo_destroy (cr);
  cairo_surface_destroy (target);
  phantom_clear (&p);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/overlay/head-first", test_overlay_head_first);
  g_test_add_func ("/render/overlay/feet-first-mirrored", test_overlay_feet_first_mirrored);
  g_test_add_func ("/render/overlay/outline-toggle", test_overlay_outline_toggle);
  g_test_add_func ("/render/overlay/rejects-wrong-size-masks", test_overlay_rejects_wrong_size_masks);
  g_test_add_func ("/render/overlay/masks-replaced", test_overlay_masks_replaced);
  g_test_add_func ("/render/overlay/pick-and-focus", test_overlay_pick_and_focus);
  g_test_add_func ("/render/overlay/draw-to-image", test_overlay_draw_to_image);
  return g_test_run ();
}
