/* SPDX-License-Identifier: MIT */
/* Real CT through the loader and the renderer: the views come out in
 * radiological orientation on a real Siemens series (upper abdomen with lung
 * bases), judged by anatomy rather than by the geometry code itself.
 * Needs CT_TRIAGE_TEST_DATA; set CT_TRIAGE_RENDER_PNG_DIR to keep PNGs of
 * the three views for a look. */
#include "ct-series-loader.h"
#include "ct-slice-renderer.h"

static CtVolume *
load_series_or_skip (void)
{
  const char *data = g_getenv ("CT_TRIAGE_TEST_DATA");
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  CtVolume *volume;

  if (data == NULL)
    {
      g_test_skip ("CT_TRIAGE_TEST_DATA is not set");
      return NULL;
    }
  path = g_build_filename (data, "ct-series-20", "dicom", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_test_skip_printf ("no real series at %s", path);
      return NULL;
    }
  volume = ct_series_load_path (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (volume);
  return volume;
}

static void
maybe_save_view (CtSliceRenderer *renderer, const char *name)
{
  const char *dir = g_getenv ("CT_TRIAGE_RENDER_PNG_DIR");
  g_autofree char *path = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  CtSliceLayout layout;

  if (dir == NULL)
    return;
  path = g_strdup_printf ("%s/%s.png", dir, name);
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 512, 512);
  cr = cairo_create (surface);
  ct_slice_layout_fit (&layout, ct_slice_renderer_get_geometry (renderer), 512, 512, 1, 0, 0);
  ct_slice_renderer_draw (renderer, cr, 512, 512, &layout);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* HU of view pixel (px, py) on the renderer's current slice. */
static float
hu_at (CtSliceRenderer *renderer, int px, int py)
{
  const CtSliceGeometry *g = ct_slice_renderer_get_geometry (renderer);
  CtVolume *v = ct_slice_renderer_get_volume (renderer);
  int ijk[3];

  g_assert_true (ct_slice_geometry_pixel_to_voxel (g, ct_slice_renderer_get_slice (renderer), px, py, ijk));
  return ct_volume_get (v, ijk[0], ijk[1], ijk[2]);
}

static void
test_real_axial_anatomy (void)
{
  g_autoptr (CtVolume) volume = load_series_or_skip ();
  g_autoptr (CtSliceRenderer) axial = NULL;
  const CtSliceGeometry *g;
  double bone_y = 0, bone_n = 0;
  gsize liver_left = 0, liver_right = 0;

  if (volume == NULL)
    return;
  axial = ct_slice_renderer_new (volume, CT_VIEW_AXIAL);
  g = ct_slice_renderer_get_geometry (axial);
  g_assert_cmpstr (g->label_left, ==, "R");
  g_assert_cmpstr (g->label_right, ==, "L");
  g_assert_cmpstr (g->label_top, ==, "A");
  g_assert_cmpstr (g->label_bottom, ==, "P");
  ct_slice_renderer_set_window_preset (axial, CT_WINDOW_PRESET_MEDIASTINUM);
  maybe_save_view (axial, "real-axial");

  for (int py = 0; py < g->height; py++)
    for (int px = 0; px < g->width; px++)
      {
        float hu = hu_at (axial, px, py);

        /* Vertebral body: dense bone in the middle third, left to right. */
        if (hu > 250.0f && px > g->width / 3 && px < 2 * g->width / 3)
          {
            bone_y += py;
            bone_n++;
          }
        /* Enhanced soft tissue inside the trunk (arms left out): at this
         * level the liver fills the patient's right, which radiological
         * display puts on screen left (about 21000 against 12000 pixels). */
        if (hu > 60.0f && hu < 200.0f && px > g->width / 5 && px < 4 * g->width / 5)
          {
            if (px < g->width / 2)
              liver_left++;
            else
              liver_right++;
          }
      }
  g_assert_cmpfloat (bone_n, >, 100);
  /* The spine is posterior: the lower half of the screen. */
  g_assert_cmpfloat (bone_y / bone_n, >, g->height / 2.0);
  g_assert_cmpuint (liver_left, >, liver_right);
}

static void
test_real_coronal_and_sagittal (void)
{
  g_autoptr (CtVolume) volume = load_series_or_skip ();
  g_autoptr (CtSliceRenderer) coronal = NULL;
  g_autoptr (CtSliceRenderer) sagittal = NULL;
  const CtSliceGeometry *g;
  CtSliceLayout layout;

  if (volume == NULL)
    return;
  coronal = ct_slice_renderer_new (volume, CT_VIEW_CORONAL);
  sagittal = ct_slice_renderer_new (volume, CT_VIEW_SAGITTAL);
  ct_slice_renderer_set_window_preset (coronal, CT_WINDOW_PRESET_LUNG);
  ct_slice_renderer_set_window_preset (sagittal, CT_WINDOW_PRESET_LUNG);
  maybe_save_view (coronal, "real-coronal");
  maybe_save_view (sagittal, "real-sagittal");

  g = ct_slice_renderer_get_geometry (coronal);
  g_assert_cmpstr (g->label_top, ==, "S");
  g_assert_cmpstr (g->label_bottom, ==, "I");
  g_assert_cmpint (g->height, ==, volume->nz);
  /* Physical aspect: the slab is drawn as tall as its slices are thick. */
  ct_slice_layout_fit (&layout, g, 1000, 1000, 1, 0, 0);
  g_assert_cmpfloat_with_epsilon (g->height * layout.scale_y / (g->width * layout.scale_x),
                                  volume->nz * volume->spacing[2] / (volume->nx * volume->spacing[0]), 1e-9);

  g = ct_slice_renderer_get_geometry (sagittal);
  g_assert_cmpstr (g->label_left, ==, "A");
  g_assert_cmpstr (g->label_right, ==, "P");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/real/axial-anatomy", test_real_axial_anatomy);
  g_test_add_func ("/render/real/coronal-and-sagittal", test_real_coronal_and_sagittal);
  return g_test_run ();
}
