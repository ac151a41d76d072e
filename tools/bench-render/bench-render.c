/* SPDX-License-Identifier: MIT */
/* bench-render: milliseconds per frame of CtSliceRenderer on a synthetic
 * 512 x 512 chest with lung and lesion masks, for the axial, coronal and
 * sagittal views:
 *   raster  - the next slice (scrolling): grey LUT + lesion fill + lung outline
 *   jump    - a slice far away (crosshair click in another view); for the
 *             sagittal view this refills the 16-slice slab cache
 *   frame   - a new slice drawn into a widget-sized image surface, with the
 *             scaled paint, crosshair, orientation letters and scale bar
 *   redraw  - the same slice drawn again (pan, crosshair, pointer moves)
 *   wl-drag - a new window/level (right-drag): LUT rebuild + raster + frame
 * Prints min, median, 95th percentile and max over --frames frames.
 *
 *   bench-render [--slices N] [--frames N] [--size PIXELS] [--no-overlays]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ct-slice-renderer.h"

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static void
print_stats (const char *plane, const char *what, double *ms, int n)
{
  qsort (ms, n, sizeof *ms, compare_doubles);
  /* min: the cost without preemption on a shared machine. */
  printf ("%-9s %-7s min %6.3f   median %6.3f   p95 %6.3f   max %6.3f ms\n", plane, what, ms[0], ms[n / 2],
          ms[(int) (0.95 * (n - 1))], ms[n - 1]);
}

/* Chest-like phantom with noise so the LUT sees realistic spread. 0.7 mm in
 * plane, 1 mm slices, head-first. Lesion blobs in both lungs. */
static CtVolume *
make_phantom (int nz, guint8 **out_lung, guint8 **out_lesion)
{
  const int nx = 512, ny = 512;
  CtVolume *v = ct_volume_new (nx, ny, nz);
  guint8 *lung = g_malloc0 ((gsize) nx * ny * nz);
  guint8 *lesion = g_malloc0 ((gsize) nx * ny * nz);
  guint32 seed = 12345;

  ct_volume_set_identity_geometry (v, 0.7, 0.7, 1.0);
  for (int k = 0; k < nz; k++)
    for (int j = 0; j < ny; j++)
      for (int i = 0; i < nx; i++)
        {
          gsize n = ((gsize) k * ny + j) * nx + i;
          double dx = i - 255.5, dy = j - 255.5, dz = k - nz / 2.0;
          double lung_x = fabs (dx) - 110.0, lung_y = dy + 10.0;
          gboolean body = dx * dx / (240.0 * 240.0) + dy * dy / (180.0 * 180.0) < 1.0;
          gboolean in_lung = body && lung_x * lung_x / (80.0 * 80.0) + lung_y * lung_y / (140.0 * 140.0) +
                                             dz * dz / (nz * nz / 4.5) <
                                         1.0;
          double blob = MIN (pow (dx + 120.0, 2) + pow (dy - 30.0, 2) + pow (dz * 1.4, 2),
                             pow (dx - 100.0, 2) + pow (dy + 50.0, 2) + pow (dz * 1.4 - 20.0, 2));
          gboolean in_lesion = in_lung && blob < 35.0 * 35.0;
          float noise;

          seed = seed * 1664525u + 1013904223u;
          noise = ((seed >> 8) & 0xff) / 255.0f * 60.0f - 30.0f;
          v->hu[n] = (in_lesion ? -350.0f : in_lung ? -860.0f : body ? 40.0f : -1000.0f) + noise;
          lung[n] = in_lung ? (dx < 0 ? 1 : 2) : 0;
          lesion[n] = in_lesion;
        }
  *out_lung = lung;
  *out_lesion = lesion;
  return v;
}

int
main (int argc, char **argv)
{
  int n_slices = 300, n_frames = 200, size = 800;
  gboolean no_overlays = FALSE;
  GOptionEntry entries[] = {
    { "slices", 0, 0, G_OPTION_ARG_INT, &n_slices, "Slices of the phantom (512 x 512 each)", "N" },
    { "frames", 0, 0, G_OPTION_ARG_INT, &n_frames, "Frames per measurement", "N" },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Widget width and height in pixels", "PIXELS" },
    { "no-overlays", 0, 0, G_OPTION_ARG_NONE, &no_overlays, "Grey only", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- frame times of the slice renderer");
  g_autoptr (GError) error = NULL;
  g_autoptr (CtVolume) volume = NULL;
  g_autofree guint8 *lung = NULL;
  g_autofree guint8 *lesion = NULL;
  g_autofree double *ms = NULL;
  cairo_surface_t *target;
  cairo_t *cr;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  n_slices = MAX (n_slices, 2);
  n_frames = MAX (n_frames, 10);
  size = MAX (size, 64);

  volume = make_phantom (n_slices, &lung, &lesion);
  ms = g_new (double, n_frames);
  target = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, size, size);
  cr = cairo_create (target);
  printf ("phantom 512 x 512 x %d (0.7 x 0.7 x 1.0 mm), overlays %s, widget %d x %d, %d frames\n", n_slices,
          no_overlays ? "off" : "on (lesion fill 40 %, lung outline)", size, size, n_frames);

  for (int plane = 0; plane < CT_N_VIEW_PLANES; plane++)
    {
      g_autoptr (CtSliceRenderer) r = ct_slice_renderer_new (volume, plane);
      const CtSliceGeometry *g = ct_slice_renderer_get_geometry (r);
      const char *name = ct_view_plane_get_name (plane);
      double centre[3] = { 255.5, 255.5, n_slices / 2.0 };
      CtSliceLayout layout;
      int first = g->n_slices / 4, span = MAX (g->n_slices / 2, 1);

      if (!no_overlays)
        ct_slice_renderer_set_masks (r, lung, lesion, volume->nx, volume->ny, volume->nz);
      ct_slice_renderer_set_crosshair (r, centre);
      ct_slice_layout_fit (&layout, g, size, size, 1.0, 0, 0);
      printf ("%s: %d x %d pixels, %.1f x %.1f mm each, drawn at %.2f x %.2f widget px per pixel\n", name, g->width,
              g->height, g->pixel_width_mm, g->pixel_height_mm, layout.scale_x, layout.scale_y);

      /* Warm up caches and the font. */
      ct_slice_renderer_draw (r, cr, size, size, &layout);

      for (int f = 0; f < n_frames; f++)
        {
          gint64 start;

          ct_slice_renderer_set_slice (r, first + f % span);
          start = g_get_monotonic_time ();
          ct_slice_renderer_get_slice_surface (r);
          ms[f] = (g_get_monotonic_time () - start) / 1000.0;
        }
      print_stats (name, "raster", ms, n_frames);

      for (int f = 0; f < n_frames; f++)
        {
          gint64 start;

          /* Steps of 37 slices (mod the range) never stay in one slab. */
          ct_slice_renderer_set_slice (r, (f * 37) % g->n_slices);
          start = g_get_monotonic_time ();
          ct_slice_renderer_get_slice_surface (r);
          ms[f] = (g_get_monotonic_time () - start) / 1000.0;
        }
      print_stats (name, "jump", ms, n_frames);

      for (int f = 0; f < n_frames; f++)
        {
          gint64 start;

          ct_slice_renderer_set_slice (r, first + (f + 1) % span);
          start = g_get_monotonic_time ();
          ct_slice_renderer_draw (r, cr, size, size, &layout);
          cairo_surface_flush (target);
          ms[f] = (g_get_monotonic_time () - start) / 1000.0;
        }
      print_stats (name, "frame", ms, n_frames);

      for (int f = 0; f < n_frames; f++)
        {
          gint64 start = g_get_monotonic_time ();

          ct_slice_renderer_draw (r, cr, size, size, &layout);
          cairo_surface_flush (target);
          ms[f] = (g_get_monotonic_time () - start) / 1000.0;
        }
      print_stats (name, "redraw", ms, n_frames);

      for (int f = 0; f < n_frames; f++)
        {
          gint64 start = g_get_monotonic_time ();

          ct_slice_renderer_set_window (r, 1500.0 + f, -600.0 + f % 50);
          ct_slice_renderer_draw (r, cr, size, size, &layout);
          cairo_surface_flush (target);
          ms[f] = (g_get_monotonic_time () - start) / 1000.0;
        }
      print_stats (name, "wl-drag", ms, n_frames);
    }

  cairo_destroy (cr);
  cairo_surface_destroy (target);
  return 0;
}
