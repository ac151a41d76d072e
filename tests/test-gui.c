/* SPDX-License-Identifier: MIT */
/* The workstation under a display (Xvfb in build-aux/test): opens a folder
 * of generated phantom studies through the real window, waits for the
 * background analysis, checks the triage order (against ct-triage-cli when
 * it is built and the shipped models are present, else against the numbers
 * shown), steps slices with key events, toggles overlays with key events,
 * renders the views and the window to PNG files and checks their pixels:
 * not blank, lesion colour exactly where the lesion mask is.
 *
 * Frame times while scrolling with overlays are printed, not checked. */
#include "test-gui-util.h"
#include "config.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "ct-application.h"
#include "ct-export-controller.h"
#include "ct-nifti.h"
#include "ct-report.h"
#include "ct-slice-renderer.h"
#include "ct-window.h"
#include "phantom.h"
#include "ct-phantom-volume.h"

#define N_STUDIES 4
#define ANALYSIS_TIMEOUT_S 540

typedef struct
{
  char *path;
  PhantomStudy *phantom;
} Study;

static struct
{
  char *folder;
  Study studies[N_STUDIES];
  CtApplication *application;
  CtWindow *window;
  gboolean shipped_models;
  char *model_dir; /* the models of both the window and the command line */
  char *screenshot_dir;
  GSettings *settings;
} fixture;

/* Lets pending layout and drawing happen. */
static void
settle (void)
{
  gint64 end = g_get_monotonic_time () + 150 * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static CtVolume *
volume_from_phantom (const PhantomStudy *p, int index)
{
  CtVolume *volume = ct_phantom_volume_new (p);

  volume->series_description = g_strdup_printf ("Phantom %d (%s)", index, phantom_class_name (p->klass));
  return volume;
}

static void
write_studies (void)
{
  /* Distinct classes and severities, so both orders are informative. */
  /* The first, analysed first, has full 512 x 512 slices: it is the one
   * scrolled while the others wait or are analysed. */
  static const struct
  {
    int klass;
    double severity;
    int feet_first, n, nz;
    double pixel_mm, slice_mm;
  } specs[N_STUDIES] = {
    { PHANTOM_CLASS_COVID, 25.0, 0, 512, 40, 0.68, 8.0 },
    { PHANTOM_CLASS_COVID, 12.0, 0, 128, 32, 2.6, 8.0 },
    { PHANTOM_CLASS_NORMAL, 0.0, 1, 128, 32, 2.6, 8.0 },
    { PHANTOM_CLASS_COVID, 45.0, 0, 128, 32, 2.6, 8.0 },
  };

  fixture.folder = g_dir_make_tmp ("ct-triage-gui-XXXXXX", NULL);
  g_assert_nonnull (fixture.folder);
  for (int s = 0; s < N_STUDIES; s++)
    {
      PhantomParams params;
      char message[256] = "";
      g_autoptr (CtVolume) volume = NULL;
      g_autoptr (GError) error = NULL;

      phantom_params_init (&params);
      params.seed = 1000 + s;
      params.klass = specs[s].klass;
      params.severity_percent = specs[s].severity;
      params.feet_first = specs[s].feet_first;
      params.nx = params.ny = specs[s].n;
      params.nz = specs[s].nz;
      params.pixel_spacing_mm = specs[s].pixel_mm;
      params.slice_spacing_mm = specs[s].slice_mm;
      fixture.studies[s].phantom = phantom_generate (&params, message, sizeof message);
      g_assert_nonnull (fixture.studies[s].phantom);
      fixture.studies[s].path = g_strdup_printf ("%s/study-%d.nii.gz", fixture.folder, s);
      volume = volume_from_phantom (fixture.studies[s].phantom, s);
      ct_nifti_write_volume (volume, fixture.studies[s].path, &error);
      g_assert_no_error (error);
    }
}

static const Study *
study_for_item (CtStudy *item)
{
  for (int s = 0; s < N_STUDIES; s++)
    if (g_str_equal (fixture.studies[s].path, ct_study_get_path (item)))
      return &fixture.studies[s];
  g_assert_not_reached ();
  return NULL;
}

static gboolean
item_has_volume (gpointer data)
{
  return ct_study_get_volume (data) != NULL;
}

static gboolean
all_finished (gpointer data)
{
  GListModel *studies = ct_window_get_studies (fixture.window);
  guint n = g_list_model_get_n_items (studies);

  if (n < N_STUDIES)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (CtStudy) item = g_list_model_get_item (studies, i);

      if (!ct_study_is_finished (item))
        return FALSE;
    }
  return TRUE;
}

static gboolean
has_volume_shown (gpointer data)
{
  CtSliceView *view = data;

  return ct_slice_view_get_n_slices (view) > 0 && gtk_widget_get_mapped (GTK_WIDGET (view));
}

/* Sends a key press to the first key controller of widget, as GTK does for
 * a real key event that reaches it. */
static gboolean
press_key (GtkWidget *widget, guint keyval)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        {
          g_signal_emit_by_name (controller, "key-pressed", keyval, 0, (GdkModifierType) 0, &handled);
          break;
        }
    }
  settle ();
  return handled;
}

/* The widget as it is drawn on screen, through the window's renderer. */
static GdkTexture *
render_widget (GtkWidget *widget)
{
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr (GskRenderNode) node = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  g_assert_cmpint (width, >, 0);
  /* A widget waiting for its next allocation (a label that just changed,
   * such as the overall progress) draws nothing until the next frame. */
  for (int attempt = 0; attempt < 20 && node == NULL; attempt++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      if (attempt > 0)
        settle ();
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

typedef struct
{
  int width, height;
  guint8 *bgra; /* cairo ARGB32 byte order on little endian: B G R A */
} Pixels;

static Pixels
download (GdkTexture *texture, const char *save_as)
{
  Pixels pixels = { gdk_texture_get_width (texture), gdk_texture_get_height (texture), NULL };
  g_autofree char *path = g_build_filename (fixture.screenshot_dir, save_as, NULL);

  pixels.bgra = g_malloc ((gsize) pixels.width * pixels.height * 4);
  gdk_texture_download (texture, pixels.bgra, (gsize) pixels.width * 4);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  return pixels;
}

static const guint8 *
pixel_at (const Pixels *p, int x, int y)
{
  return p->bgra + ((gsize) y * p->width + x) * 4;
}

static gboolean
is_tinted (const guint8 *bgra)
{
  /* Grey CT pixels have B = G = R; the lesion fill (255, 64, 32) blended
   * over grey keeps red far above green and blue, unlike the yellow
   * orientation letters (255, 217, 51). */
  return bgra[2] > bgra[1] + 50 && bgra[2] > bgra[0] + 50;
}

/* Frames further apart than this are not part of one continuous scroll. */
#define FRAME_GAP_US 250000

/* Frame statistics measured from outside the widgets, on the window's frame
 * clock: frames painted, the time from "before-paint" to "after-paint" (the
 * frame's update, layout, snapshot of every widget that changed and render),
 * and the interval between frames while the slice kept changing. */
typedef struct
{
  guint n_frames;
  gint64 paint_start_us;
  double paint_sum_ms, paint_max_ms;
  gint64 last_frame_time_us;
  guint n_intervals;
  double interval_sum_ms, interval_max_ms;
} FrameStats;

static void
frame_before_paint (GdkFrameClock *clock, FrameStats *stats)
{
  stats->paint_start_us = g_get_monotonic_time ();
}

static void
frame_after_paint (GdkFrameClock *clock, FrameStats *stats)
{
  gint64 frame_time = gdk_frame_clock_get_frame_time (clock);

  if (stats->paint_start_us != 0)
    {
      double paint_ms = (g_get_monotonic_time () - stats->paint_start_us) / 1000.0;

      stats->paint_sum_ms += paint_ms;
      stats->paint_max_ms = MAX (stats->paint_max_ms, paint_ms);
    }
  stats->paint_start_us = 0;
  stats->n_frames++;
  if (stats->last_frame_time_us != 0 && frame_time - stats->last_frame_time_us < FRAME_GAP_US)
    {
      double interval_ms = (frame_time - stats->last_frame_time_us) / 1000.0;

      stats->n_intervals++;
      stats->interval_sum_ms += interval_ms;
      stats->interval_max_ms = MAX (stats->interval_max_ms, interval_ms);
    }
  stats->last_frame_time_us = frame_time;
}

/* Steps the view through every slice and back, waiting for a frame to be
 * painted after each step, and prints the frame statistics. */
static void
scroll_and_measure (CtSliceView *view, const char *situation)
{
  CtJobQueue *queue = ct_application_get_queue (fixture.application);
  CtStudy *item = ct_slice_view_get_study (view);
  int n_slices = ct_slice_view_get_n_slices (view);
  gboolean busy = ct_job_queue_get_busy (queue);
  GdkFrameClock *clock;
  FrameStats stats = { 0 };
  gulong before_id, after_id;
  gint64 start;
  int n_steps = 0;

  gtk_widget_grab_focus (GTK_WIDGET (view));
  settle ();
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (view));
  g_assert_nonnull (clock);
  before_id = g_signal_connect (clock, "before-paint", G_CALLBACK (frame_before_paint), &stats);
  after_id = g_signal_connect (clock, "after-paint", G_CALLBACK (frame_after_paint), &stats);
  start = g_get_monotonic_time ();
  for (int pass = 0; pass < 2; pass++)
    for (int s = 0; s < n_slices; s++)
      {
        int target = pass == 0 ? s : n_slices - 1 - s;
        gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
        guint frames_before;

        if (target == ct_slice_view_get_slice (view))
          continue;
        frames_before = stats.n_frames;
        /* Queues a redraw of the view: the next frame painted has it. */
        ct_slice_view_set_slice (view, target);
        n_steps++;
        while (stats.n_frames == frames_before && g_get_monotonic_time () < deadline)
          g_main_context_iteration (NULL, TRUE);
        g_assert_cmpuint (stats.n_frames, >, frames_before);
      }
  g_signal_handler_disconnect (clock, before_id);
  g_signal_handler_disconnect (clock, after_id);
  g_test_message ("frame times, %s: %d steps over %dx%d slices in a %dx%d view (%s renderer, queue %s, "
                  "overlays %s): paint %.2f ms mean, %.2f ms worst over %u frames; frame interval "
                  "%.1f ms mean, %.1f ms worst over %u intervals; %.1f slices/s",
                  situation, n_steps, ct_study_get_volume (item)->nx, ct_study_get_volume (item)->ny,
                  gtk_widget_get_width (GTK_WIDGET (view)), gtk_widget_get_height (GTK_WIDGET (view)),
                  g_getenv ("GSK_RENDERER") != NULL ? g_getenv ("GSK_RENDERER") : "default",
                  busy ? "analysing" : "idle", ct_study_get_analysis (item) != NULL ? "on" : "none yet",
                  stats.n_frames > 0 ? stats.paint_sum_ms / stats.n_frames : 0, stats.paint_max_ms, stats.n_frames,
                  stats.n_intervals > 0 ? stats.interval_sum_ms / stats.n_intervals : 0, stats.interval_max_ms,
                  stats.n_intervals, n_steps / ((g_get_monotonic_time () - start) / 1e6));
  g_assert_cmpuint (stats.n_frames, >=, (guint) n_steps);
}

static gboolean
study_finished (gpointer data)
{
  return ct_study_is_finished (data);
}

static void
test_open_and_scroll (void)
{
  CtSliceView *axial = ct_window_get_view (fixture.window, CT_VIEW_AXIAL);
  g_autoptr (GFile) folder = g_file_new_for_path (fixture.folder);
  CtStudy *first;

  /* Before anything is open, the list says how to open studies. */
  settle ();
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (ct_window_get_study_list (fixture.window))));
  {
    g_autoptr (GdkTexture) texture = render_widget (GTK_WIDGET (fixture.window));
    Pixels pixels = download (texture, "empty-window.png");

    g_free (pixels.bgra);
  }

  ct_window_open (fixture.window, &folder, 1);
  test_gui_iterate_until (has_volume_shown, axial, 120);
  g_assert_cmpint (g_list_model_get_n_items (ct_window_get_studies (fixture.window)), ==, N_STUDIES);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (ct_window_get_study_list (fixture.window))));
  first = ct_slice_view_get_study (axial);
  {
    g_auto (GStrv) recent = g_settings_get_strv (fixture.settings, "recent-folders");

    g_assert_cmpstr (recent[0], ==, fixture.folder);
  }
  g_assert_cmpint (ct_slice_view_get_n_slices (axial), ==, 40);
  g_assert_cmpint (ct_study_get_slices (first), ==, 40);

  /* While this study itself is analysed, then with its overlays while the
   * others are. */
  scroll_and_measure (axial, "512x512 study being analysed");
  test_gui_iterate_until (study_finished, first, ANALYSIS_TIMEOUT_S);
  g_assert_true (ct_slice_view_get_study (axial) == first);
  scroll_and_measure (axial, "512x512 study analysed, next ones running");
}

/* The command line's JSON for the same folder and models, in its order
 * (JsonObject*). */
static GPtrArray *
cli_order (const char *sort_key)
{
  g_autofree char *cli = g_build_filename (test_gui_env_dir ("CT_TRIAGE_BUILD_DIR"), "app", "ct-triage-cli", NULL);
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  const char *argv[] = { cli,      "analyze", fixture.folder,    "--json", "--sort",
                         sort_key, "--model", fixture.model_dir, NULL };
  GPtrArray *paths;
  JsonArray *array;
  int status;

  if (!g_file_test (cli, G_FILE_TEST_IS_EXECUTABLE))
    return NULL;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  paths = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (paths, json_object_ref (json_array_get_object_element (array, i)));
  return paths;
}

static void
check_order (CtStudySortKey key)
{
  CtStudyList *list = ct_window_get_study_list (fixture.window);
  GListModel *sorted = ct_study_list_get_sorted_model (list);
  g_autoptr (GPtrArray) expected = NULL;
  double previous = INFINITY;

  for (guint i = 0; i < g_list_model_get_n_items (sorted); i++)
    {
      g_autoptr (CtStudy) item = g_list_model_get_item (sorted, i);
      double value = key == CT_STUDY_SORT_PROBABILITY ? ct_study_get_probability (item)
                     : key == CT_STUDY_SORT_SEVERITY  ? ct_study_get_severity (item)
                                                      : ct_study_get_triage_score (item);

      g_test_message ("%u: %s status %d probability %.4f severity %.2f %s", i, ct_study_get_path (item),
                      ct_study_get_status (item), ct_study_get_probability (item), ct_study_get_severity (item),
                      ct_study_get_error (item) != NULL ? ct_study_get_error (item) : "");
      if (ct_study_get_status (item) != CT_STUDY_STATUS_DONE)
        {
          /* Failed studies say why. */
          g_assert_nonnull (ct_study_get_error (item));
          g_assert_cmpstr (ct_study_get_error (item), !=, "");
          previous = -INFINITY;
          continue;
        }
      if (!isnan (value))
        {
          g_assert_cmpfloat (value, <=, previous);
          previous = value;
        }
    }

  expected = cli_order (ct_study_sort_key_to_string (key));
  if (expected == NULL)
    {
      g_test_message ("app/ct-triage-cli is not built: order checked against the numbers shown only");
      return;
    }
  g_assert_cmpuint (expected->len, ==, g_list_model_get_n_items (sorted));
  for (guint i = 0; i < expected->len; i++)
    {
      g_autoptr (CtStudy) item = g_list_model_get_item (sorted, i);

      JsonObject *cli = g_ptr_array_index (expected, i);

      g_assert_cmpstr (ct_study_get_path (item), ==, json_object_get_string_member (cli, "path"));
      /* The same entry point: the same numbers (up to the JSON's digits). */
      if (!json_object_get_null_member (cli, "severity_percent"))
        g_assert_cmpfloat_with_epsilon (ct_study_get_severity (item),
                                        json_object_get_double_member (cli, "severity_percent"), 1e-6);
      if (!json_object_get_null_member (cli, "covid_probability"))
        g_assert_cmpfloat_with_epsilon (ct_study_get_probability (item),
                                        json_object_get_double_member (cli, "covid_probability"), 1e-6);
    }
  g_test_message ("the list order and numbers equal ct-triage-cli analyze --sort %s",
                  ct_study_sort_key_to_string (key));
}

static void
test_analysis_order (void)
{
  CtStudyList *list = ct_window_get_study_list (fixture.window);
  g_autoptr (CtStudy) selected = NULL;

  test_gui_iterate_until (all_finished, NULL, ANALYSIS_TIMEOUT_S);
  g_assert_true (all_finished (NULL));
  settle ();

  selected = g_object_ref (ct_study_list_get_selected (list));
  /* The default order is the triage score, as on the command line. */
  g_assert_cmpint (ct_study_list_get_sort_key (list), ==, CT_STUDY_SORT_TRIAGE);
  check_order (CT_STUDY_SORT_TRIAGE);
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.sort-key", "s", "probability");
  settle ();
  check_order (CT_STUDY_SORT_PROBABILITY);
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.sort-key", "s", "severity");
  settle ();
  g_assert_cmpint (ct_study_list_get_sort_key (list), ==, CT_STUDY_SORT_SEVERITY);
  check_order (CT_STUDY_SORT_SEVERITY);
  /* Re-sorting kept the selection on the same study. */
  g_assert_true (ct_study_list_get_selected (list) == selected);

  /* The window as the analysis left it (models' own masks), for the README
   * when the shipped models are present. */
  {
    g_autoptr (CtStudy) first = g_list_model_get_item (ct_study_list_get_sorted_model (list), 0);
    g_autoptr (GdkTexture) texture = NULL;
    Pixels pixels;

    ct_study_list_select (list, first);
    test_gui_iterate_until (item_has_volume, first, 60);
    settle ();
    texture = render_widget (GTK_WIDGET (fixture.window));
    pixels = download (texture,
                       fixture.shipped_models ? "main-window-analysed.png" : "main-window-analysed-test-weights.png");
    g_free (pixels.bgra);
    ct_study_list_select (list, selected);
    settle ();
  }
}

static void
test_slice_keys (void)
{
  CtSliceView *axial = ct_window_get_view (fixture.window, CT_VIEW_AXIAL);
  CtSliceView *coronal = ct_window_get_view (fixture.window, CT_VIEW_CORONAL);
  int before_coronal = ct_slice_view_get_slice (coronal);
  int start;

  ct_slice_view_set_slice (axial, 10);
  start = ct_slice_view_get_slice (axial);
  g_assert_true (press_key (GTK_WIDGET (axial), GDK_KEY_Down));
  g_assert_true (press_key (GTK_WIDGET (axial), GDK_KEY_Down));
  g_assert_true (press_key (GTK_WIDGET (axial), GDK_KEY_Down));
  g_assert_cmpint (ct_slice_view_get_slice (axial), ==, start + 3);
  g_assert_true (press_key (GTK_WIDGET (axial), GDK_KEY_Up));
  g_assert_cmpint (ct_slice_view_get_slice (axial), ==, start + 2);
  g_assert_true (press_key (GTK_WIDGET (axial), GDK_KEY_Page_Down));
  g_assert_cmpint (ct_slice_view_get_slice (axial), ==, start + 12);
  g_assert_true (press_key (GTK_WIDGET (axial), GDK_KEY_Home));
  g_assert_cmpint (ct_slice_view_get_slice (axial), ==, 0);
  /* Keys for slices do not move the other views. */
  g_assert_cmpint (ct_slice_view_get_slice (coronal), ==, before_coronal);
  /* A letter the view does not use reaches the window. */
  g_assert_false (press_key (GTK_WIDGET (axial), GDK_KEY_x));

  /* A click in one view (its voxel-activated signal) moves the others to
   * the slices through that voxel. */
  {
    CtVolume *volume = ct_study_get_volume (ct_slice_view_get_study (axial));
    CtSliceGeometry coronal_geometry;
    double ijk[3] = { volume->nx / 2, volume->ny / 3, volume->nz / 2 };
    int expected;

    ct_slice_geometry_init (&coronal_geometry, volume, CT_VIEW_CORONAL);
    g_assert_true (ct_slice_geometry_voxel_to_view (&coronal_geometry, ijk, NULL, NULL, &expected));
    g_signal_emit_by_name (axial, "voxel-activated", ijk[0], ijk[1], ijk[2]);
    settle ();
    g_assert_cmpint (ct_slice_view_get_slice (coronal), ==, expected);
  }
}

/* The most lesioned axial slice of the phantom, in the view's slice order. */
static int
most_lesioned_slice (CtSliceView *view, const CtVolume *volume, const guint8 *lesion, CtSliceGeometry *geometry)
{
  int best = 0, best_count = -1;

  ct_slice_geometry_init (geometry, volume, CT_VIEW_AXIAL);
  for (int s = 0; s < geometry->n_slices; s++)
    {
      int count = 0, ijk[3];

      for (int y = 0; y < geometry->height; y++)
        for (int x = 0; x < geometry->width; x++)
          if (ct_slice_geometry_pixel_to_voxel (geometry, s, x, y, ijk) &&
              lesion[((gsize) ijk[2] * volume->ny + ijk[1]) * volume->nx + ijk[0]])
            count++;
      if (count > best_count)
        {
          best = s;
          best_count = count;
        }
    }
  return best;
}

static void
test_overlays_screenshot (void)
{
  CtStudyList *list = ct_window_get_study_list (fixture.window);
  CtSliceView *axial = ct_window_get_view (fixture.window, CT_VIEW_AXIAL);
  CtStudy *item = NULL;
  GListModel *studies = ct_window_get_studies (fixture.window);
  const Study *study = NULL;
  CtAnalysis *truth;
  CtSliceGeometry geometry;
  CtSliceLayout layout;
  CtVolume *volume;
  g_autoptr (GdkTexture) with_overlays = NULL;
  g_autoptr (GdkTexture) without_overlays = NULL;
  g_autoptr (GdkTexture) whole_window = NULL;
  Pixels on, off, window_pixels;
  int slice, lesion_pixels = 0, lesion_tinted = 0, far_pixels = 0, far_tinted = 0;
  double reference_x = -100, reference_y = -100;
  double grey_sum = 0, grey_sq = 0;
  gsize n_voxels;

  /* The phantom with the most severe lesions. */
  for (guint i = 0; i < g_list_model_get_n_items (studies); i++)
    {
      g_autoptr (CtStudy) candidate = g_list_model_get_item (studies, i);

      if (study == NULL || study_for_item (candidate)->phantom->severity_percent > study->phantom->severity_percent)
        {
          study = study_for_item (candidate);
          item = candidate;
        }
    }
  g_assert_nonnull (item);
  ct_study_list_select (list, item);
  /* Volumes of studies not looked at lately were dropped: it loads again. */
  test_gui_iterate_until (item_has_volume, item, 60);
  settle ();
  volume = ct_study_get_volume (item);
  g_assert_nonnull (volume);
  g_assert_true (ct_slice_view_get_study (axial) == item);

  /* Show the phantom's true masks through the item, as an analysis result
   * would be shown: then the expected pixels are known exactly. */
  n_voxels = ct_volume_n_voxels (volume);
  truth = ct_analysis_new ();
  truth->nx = volume->nx;
  truth->ny = volume->ny;
  truth->nz = volume->nz;
  truth->lung_mask = g_memdup2 (study->phantom->lungs, n_voxels);
  truth->lesion_mask = g_memdup2 (study->phantom->lesions, n_voxels);
  truth->severity_percent = study->phantom->severity_percent;
  truth->category = ct_category_from_severity (truth->severity_percent);
  truth->has_probability = FALSE;
  truth->covid_probability = NAN;
  ct_study_set_analysis (item, truth, FALSE, 0.0);
  ct_analysis_unref (truth);
  settle ();

  slice = most_lesioned_slice (axial, volume, study->phantom->lesions, &geometry);
  ct_slice_view_set_slice (axial, slice);

  /* a/d change the opacity by 0.1 (through the slider); the window's
   * state, which the settings remember. */
  g_action_group_change_action_state (G_ACTION_GROUP (fixture.window), "show-overlays", g_variant_new_boolean (TRUE));
  {
    double start = ct_slice_view_get_lesion_opacity (axial);

    g_assert_cmpfloat (start, <=, 0.8);
    g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_d));
    g_assert_cmpfloat_with_epsilon (ct_slice_view_get_lesion_opacity (axial), start + 0.1, 1e-9);
    g_assert_cmpfloat_with_epsilon (g_settings_get_double (fixture.settings, "lesion-opacity"), start + 0.1, 1e-9);
    g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_a));
    g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_a));
    g_assert_cmpfloat_with_epsilon (ct_slice_view_get_lesion_opacity (axial), start - 0.1, 1e-9);
    g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_d));
    g_assert_cmpfloat_with_epsilon (ct_slice_view_get_lesion_opacity (axial), start, 1e-9);
  }
  settle ();

  with_overlays = render_widget (GTK_WIDGET (axial));
  on = download (with_overlays, "axial-overlays.png");
  /* s hides the overlays. */
  g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_s));
  g_assert_false (ct_slice_view_get_show_overlays (axial));
  g_assert_false (g_settings_get_boolean (fixture.settings, "show-overlays"));
  without_overlays = render_widget (GTK_WIDGET (axial));
  off = download (without_overlays, "axial-plain.png");
  g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_s));
  g_assert_true (ct_slice_view_get_show_overlays (axial));
  g_assert_true (g_settings_get_boolean (fixture.settings, "show-overlays"));

  g_assert_cmpint (on.width, ==, gtk_widget_get_width (GTK_WIDGET (axial)));
  ct_slice_layout_fit (&layout, &geometry, on.width, on.height, 1.0, 0.0, 0.0);
  /* The reference lines (where the other views are) cross the slice. */
  {
    double rx, ry;

    if (ct_slice_view_get_reference (axial, &rx, &ry))
      ct_slice_layout_view_to_widget (&layout, rx, ry, &reference_x, &reference_y);
  }
  for (int y = 0; y < geometry.height; y++)
    for (int x = 0; x < geometry.width; x++)
      {
        int ijk[3], neighbour[3];
        double wx, wy;
        gboolean near_mask = FALSE;
        gsize n;

        if (!ct_slice_geometry_pixel_to_voxel (&geometry, slice, x, y, ijk))
          continue;
        ct_slice_layout_view_to_widget (&layout, x + 0.5, y + 0.5, &wx, &wy);
        if (wx < 0 || wy < 0 || wx >= on.width || wy >= on.height)
          continue;
        if (fabs (wx - floor (reference_x) - 0.5) < 2.5 || fabs (wy - floor (reference_y) - 0.5) < 2.5)
          continue;
        n = ((gsize) ijk[2] * volume->ny + ijk[1]) * volume->nx + ijk[0];
        grey_sum += pixel_at (&off, wx, wy)[1];
        grey_sq += pixel_at (&off, wx, wy)[1] * (double) pixel_at (&off, wx, wy)[1];
        g_assert_false (is_tinted (pixel_at (&off, wx, wy)));
        if (study->phantom->lesions[n])
          {
            gboolean interior = TRUE;

            /* The lung outline is drawn over the lung's edge voxels. */
            for (int dy = -1; dy <= 1 && interior; dy++)
              for (int dx = -1; dx <= 1 && interior; dx++)
                interior = ct_slice_geometry_pixel_to_voxel (&geometry, slice, x + dx, y + dy, neighbour) &&
                           study->phantom
                               ->lungs[((gsize) neighbour[2] * volume->ny + neighbour[1]) * volume->nx + neighbour[0]];
            if (interior)
              {
                lesion_pixels++;
                lesion_tinted += is_tinted (pixel_at (&on, wx, wy));
              }
            continue;
          }
        for (int dy = -2; dy <= 2 && !near_mask; dy++)
          for (int dx = -2; dx <= 2 && !near_mask; dx++)
            if (ct_slice_geometry_pixel_to_voxel (&geometry, slice, x + dx, y + dy, neighbour))
              {
                gsize m = ((gsize) neighbour[2] * volume->ny + neighbour[1]) * volume->nx + neighbour[0];

                near_mask = study->phantom->lungs[m] || study->phantom->lesions[m];
              }
        if (!near_mask)
          {
            far_pixels++;
            far_tinted += is_tinted (pixel_at (&on, wx, wy));
          }
      }
  g_test_message ("slice %d: %d lesion voxels inside the lungs, %d tinted; %d voxels away from the masks, %d tinted",
                  slice, lesion_pixels, lesion_tinted, far_pixels, far_tinted);
  g_assert_cmpint (lesion_pixels, >, 20);
  g_assert_cmpint (lesion_tinted, >=, lesion_pixels * 95 / 100);
  g_assert_cmpint (far_pixels, >, 1000);
  g_assert_cmpint (far_tinted, <=, far_pixels / 100);
  /* Not blank: the slice has real contrast (air, tissue, lungs). */
  {
    int count = geometry.width * geometry.height;
    double mean = grey_sum / count;
    double sd = sqrt (MAX (0.0, grey_sq / count - mean * mean));

    g_test_message ("grey mean %.1f, SD %.1f", mean, sd);
    g_assert_cmpfloat (sd, >, 20.0);
  }

  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.show-sagittal", NULL);
  settle ();
  whole_window = render_widget (GTK_WIDGET (fixture.window));
  window_pixels = download (whole_window, "main-window.png");
  g_assert_cmpint (window_pixels.width, >, 800);
  g_free (on.bgra);
  g_free (off.bgra);
  g_free (window_pixels.bgra);
}

static void
test_window_keys (void)
{
  CtSliceView *coronal = ct_window_get_view (fixture.window, CT_VIEW_CORONAL);
  double width, level;

  g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_2));
  ct_slice_view_get_window (coronal, &width, &level);
  g_assert_cmpfloat (width, ==, 400);
  g_assert_cmpfloat (level, ==, 40);
  g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_3));
  ct_slice_view_get_window (coronal, &width, &level);
  g_assert_cmpfloat (width, ==, 2000);
  g_assert_cmpfloat (level, ==, 400);
  g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_1));
  ct_slice_view_get_window (coronal, &width, &level);
  g_assert_cmpfloat (width, ==, 1500);
  g_assert_cmpfloat (level, ==, -600);
}

/* Emits a drag on the widget's drag gesture for mouse button. */
static void
drag (GtkWidget *widget, guint button, double dx, double dy)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_DRAG (controller) && gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (controller)) == button)
        {
          g_signal_emit_by_name (controller, "drag-begin", 100.0, 100.0);
          g_signal_emit_by_name (controller, "drag-update", dx, dy);
          settle ();
          return;
        }
    }
  g_assert_not_reached ();
}

static void
test_right_drag_window (void)
{
  CtSliceView *axial = ct_window_get_view (fixture.window, CT_VIEW_AXIAL);
  CtSliceView *coronal = ct_window_get_view (fixture.window, CT_VIEW_CORONAL);
  double width, level;

  g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_1));
  /* 4 HU per pixel: right widens, down raises the level; every view follows. */
  drag (GTK_WIDGET (axial), GDK_BUTTON_SECONDARY, 50, -25);
  ct_slice_view_get_window (coronal, &width, &level);
  g_assert_cmpfloat (width, ==, 1500 + 200);
  g_assert_cmpfloat (level, ==, -600 - 100);
  g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_1));
  ct_slice_view_get_window (coronal, &width, &level);
  g_assert_cmpfloat (width, ==, 1500);
}

typedef struct
{
  gboolean inside;
  int ijk[3];
  double hu;
  guint n;
} Hover;

static void
on_hover (CtSliceView *view, gboolean inside, int i, int j, int k, double hu, Hover *hover)
{
  *hover = (Hover){ inside, { i, j, k }, hu, hover->n + 1 };
}

static void
move_pointer (GtkWidget *widget, double x, double y)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_MOTION (controller))
        {
          g_signal_emit_by_name (controller, "motion", x, y);
          return;
        }
    }
  g_assert_not_reached ();
}

static void
test_hu_under_pointer (void)
{
  CtSliceView *axial = ct_window_get_view (fixture.window, CT_VIEW_AXIAL);
  CtVolume *volume = ct_study_get_volume (ct_slice_view_get_study (axial));
  Hover hover = { 0 };
  gulong handler = g_signal_connect (axial, "hover", G_CALLBACK (on_hover), &hover);
  CtSliceLayout layout;
  CtSliceGeometry geometry;
  double x, y;
  int expected[3];

  /* The centre of slice pixel (40, 60): the HU shown is that voxel's. */
  ct_slice_geometry_init (&geometry, volume, CT_VIEW_AXIAL);
  g_assert_true (ct_slice_view_get_layout (axial, &layout));
  ct_slice_layout_view_to_widget (&layout, 40.5, 60.5, &x, &y);
  move_pointer (GTK_WIDGET (axial), x, y);
  g_assert_cmpuint (hover.n, ==, 1);
  g_assert_true (hover.inside);
  g_assert_true (ct_slice_geometry_pixel_to_voxel (&geometry, ct_slice_view_get_slice (axial), 40, 60, expected));
  g_assert_cmpint (hover.ijk[0], ==, expected[0]);
  g_assert_cmpint (hover.ijk[1], ==, expected[1]);
  g_assert_cmpint (hover.ijk[2], ==, expected[2]);
  g_assert_cmpfloat (hover.hu, ==, ct_volume_get (volume, expected[0], expected[1], expected[2]));

  /* Outside the slice (above it in a tall view): nothing to show. */
  move_pointer (GTK_WIDGET (axial), 2, 2);
  g_assert_false (hover.inside);
  g_signal_handler_disconnect (axial, handler);
}

static void
test_zoom_at_pointer (void)
{
  CtSliceView *axial = ct_window_get_view (fixture.window, CT_VIEW_AXIAL);
  int width = gtk_widget_get_width (GTK_WIDGET (axial));
  int height = gtk_widget_get_height (GTK_WIDGET (axial));
  double x = width * 0.3, y = height * 0.55;
  double before[2], after[2], centre_before[2], centre_after[2];
  CtSliceLayout layout;

  ct_slice_view_reset_zoom (axial);
  g_assert_true (ct_slice_view_get_layout (axial, &layout));
  ct_slice_layout_widget_to_view (&layout, x, y, &before[0], &before[1]);
  ct_slice_layout_widget_to_view (&layout, width / 2.0, height / 2.0, &centre_before[0], &centre_before[1]);

  /* The slice point under the pointer stays there; the rest moves. */
  ct_slice_view_zoom_at (axial, 2.5, x, y);
  g_assert_cmpfloat (ct_slice_view_get_zoom (axial), ==, 2.5);
  g_assert_true (ct_slice_view_get_layout (axial, &layout));
  ct_slice_layout_widget_to_view (&layout, x, y, &after[0], &after[1]);
  ct_slice_layout_widget_to_view (&layout, width / 2.0, height / 2.0, &centre_after[0], &centre_after[1]);
  g_assert_cmpfloat_with_epsilon (after[0], before[0], 1e-6);
  g_assert_cmpfloat_with_epsilon (after[1], before[1], 1e-6);
  g_assert_cmpfloat (fabs (centre_after[0] - centre_before[0]), >, 1.0);

  ct_slice_view_zoom_at (axial, 100, x, y);
  g_assert_cmpfloat (ct_slice_view_get_zoom (axial), ==, 16);
  g_assert_true (press_key (GTK_WIDGET (axial), GDK_KEY_r));
  g_assert_cmpfloat (ct_slice_view_get_zoom (axial), ==, 1.0);
}

static void
test_shortcuts_and_about (void)
{
  GtkShortcutsWindow *shortcuts = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (fixture.window));
  GtkWindow *about = NULL;
  GListModel *toplevels = gtk_window_get_toplevels ();

  /* GtkApplication loaded resources/gtk/help-overlay.ui. */
  g_assert_nonnull (shortcuts);
  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (shortcuts));

  g_action_group_activate_action (G_ACTION_GROUP (fixture.application), "about", NULL);
  settle ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_ABOUT_DIALOG (window))
        about = window;
    }
  g_assert_nonnull (about);
  g_assert_nonnull (strstr (gtk_about_dialog_get_comments (GTK_ABOUT_DIALOG (about)), "certified medical device"));
  gtk_window_destroy (about);
  settle ();
}

/* With settings that cannot be written (no D-Bus session, a locked-down
 * key), every control still works: the state is the window's. */
static void
test_settings_cannot_write (void)
{
  g_autoptr (GSettingsBackend) null_backend = g_null_settings_backend_new ();
  g_autoptr (GSettings) readonly = g_settings_new_with_backend (APPLICATION_ID, null_backend);
  CtWindow *window = ct_window_new (GTK_APPLICATION (fixture.application),
                                    ct_application_get_queue (fixture.application), readonly);
  CtSliceView *axial = ct_window_get_view (window, CT_VIEW_AXIAL);
  CtStudyList *list = ct_window_get_study_list (window);
  gboolean shown;
  double opacity;
  CtStudySortKey key;

  gtk_window_present (GTK_WINDOW (window));
  settle ();
  g_assert_false (g_settings_is_writable (readonly, "show-overlays"));
  g_assert_false (g_settings_is_writable (readonly, "lesion-opacity"));
  g_assert_false (g_settings_is_writable (readonly, "sort-key"));

  shown = ct_slice_view_get_show_overlays (axial);
  g_assert_true (press_key (GTK_WIDGET (window), GDK_KEY_s));
  g_assert_cmpint (ct_slice_view_get_show_overlays (axial), ==, !shown);
  opacity = ct_slice_view_get_lesion_opacity (axial);
  g_assert_cmpfloat (opacity, >=, 0.1);
  g_assert_true (press_key (GTK_WIDGET (window), GDK_KEY_a));
  g_assert_cmpfloat_with_epsilon (ct_slice_view_get_lesion_opacity (axial), opacity - 0.1, 1e-9);
  key = ct_study_list_get_sort_key (list);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-sort", NULL);
  g_assert_cmpint (ct_study_list_get_sort_key (list), !=, key);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.sort-key", "s", "severity");
  g_assert_cmpint (ct_study_list_get_sort_key (list), ==, CT_STUDY_SORT_SEVERITY);
  gtk_window_destroy (GTK_WINDOW (window));
  settle ();
}

/* Visible labels under @widget whose text is @text. */
static guint
count_visible_labels (GtkWidget *widget, const char *text)
{
  guint n = 0;

  if (!gtk_widget_get_visible (widget))
    return 0;
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    n++;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_visible_labels (child, text);
  return n;
}

static void
test_real_dicom (void)
{
  const char *data = g_getenv ("CT_TRIAGE_TEST_DATA");
  g_autofree char *folder_path = data != NULL ? g_build_filename (data, "ct-series-20", "dicom", NULL) : NULL;
  g_autoptr (GFile) folder = NULL;
  GListModel *studies = ct_window_get_studies (fixture.window);
  CtSliceView *axial = ct_window_get_view (fixture.window, CT_VIEW_AXIAL);
  guint n_before = g_list_model_get_n_items (studies);
  g_autoptr (CtStudy) item = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  Pixels pixels;

  if (folder_path == NULL || !g_file_test (folder_path, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("CT_TRIAGE_TEST_DATA/ct-series-20/dicom is absent");
      return;
    }
  folder = g_file_new_for_path (folder_path);
  ct_window_open (fixture.window, &folder, 1);
  while (g_list_model_get_n_items (studies) == n_before)
    g_main_context_iteration (NULL, TRUE);
  item = g_list_model_get_item (studies, n_before);
  ct_study_list_select (ct_window_get_study_list (fixture.window), item);
  test_gui_iterate_until (item_has_volume, item, 120);
  settle ();
  /* The real 20-slice Siemens series through discovery, GDCM and the views. */
  g_assert_cmpint (ct_study_get_slices (item), ==, 20);
  g_assert_cmpint (ct_study_get_volume (item)->nx, ==, 512);
  g_assert_true (ct_slice_view_get_study (axial) == item);
  g_assert_cmpint (ct_slice_view_get_n_slices (axial), ==, 20);
  texture = render_widget (GTK_WIDGET (fixture.window));
  pixels = download (texture, "real-dicom.png");
  g_free (pixels.bgra);
  test_gui_iterate_until (study_finished, item, ANALYSIS_TIMEOUT_S);
  g_test_message ("ct-series-20: %s %s", ct_study_get_category (item) != NULL ? ct_study_get_category (item) : "",
                  ct_study_get_error (item) != NULL ? ct_study_get_error (item) : "");
  g_assert_true (ct_study_is_finished (item));

  /* 20 slices of lung bases, 74 ml of lung: analysed, but not assessable.
   * No grade anywhere; a grey badge in the list and the panel; after every
   * assessable study in every order. */
  if (ct_study_get_analysis (item) != NULL)
    {
      CtStudyList *list = ct_window_get_study_list (fixture.window);
      GListModel *sorted = ct_study_list_get_sorted_model (list);

      g_assert_false (ct_study_get_assessable (item));
      g_assert_null (ct_study_get_category (item));
      g_assert_true (isnan (ct_study_get_probability (item)));
      g_assert_true (isnan (ct_study_get_severity (item)));
      settle ();
      /* The panel's badge and the list's. */
      g_assert_cmpuint (count_visible_labels (GTK_WIDGET (fixture.window), "not assessable"), ==, 2);

      for (CtStudySortKey key = CT_STUDY_SORT_PROBABILITY; key <= CT_STUDY_SORT_TRIAGE; key++)
        {
          gboolean seen = FALSE;

          ct_study_list_set_sort_key (list, key);
          settle ();
          for (guint i = 0; i < g_list_model_get_n_items (sorted); i++)
            {
              g_autoptr (CtStudy) other = g_list_model_get_item (sorted, i);

              seen = seen || other == item;
              if (seen && other != item)
                g_assert_false (ct_study_get_assessable (other));
            }
          g_assert_true (seen);
        }
      texture = render_widget (GTK_WIDGET (fixture.window));
      pixels = download (texture, "not-assessable.png");
      g_free (pixels.bgra);
    }
}

/* Whether a label under @widget (shown or not) contains @text. */
static gboolean
has_label_containing (GtkWidget *widget, const char *text)
{
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label_containing (child, text))
      return TRUE;
  return FALSE;
}

/* A good folder and a folder without CT opened together: the good one's
 * study arrives, the info bar names the other and why, and only the good
 * folder enters Recent Folders. */
static void
test_skipped_paths (void)
{
  GListModel *studies = ct_window_get_studies (fixture.window);
  guint n_before = g_list_model_get_n_items (studies);
  g_autofree char *tmp = g_dir_make_tmp ("ct-triage-gui-open-XXXXXX", NULL);
  g_autofree char *good = g_build_filename (tmp, "good", NULL);
  g_autofree char *bad = g_build_filename (tmp, "no-ct-here", NULL);
  g_autofree char *good_file = g_build_filename (good, "study.nii.gz", NULL);
  g_autofree char *bad_file = g_build_filename (bad, "notes.txt", NULL);
  GFile *files[2];
  GtkInfoBar *bar = GTK_INFO_BAR (test_gui_find_widget (GTK_WIDGET (fixture.window), GTK_TYPE_INFO_BAR));
  g_auto (GStrv) recent = NULL;

  g_assert_nonnull (bar);
  g_assert_cmpint (g_mkdir (good, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (bad, 0755), ==, 0);
  g_assert_cmpint (symlink (fixture.studies[1].path, good_file), ==, 0);
  g_assert_true (g_file_set_contents (bad_file, "not a CT", -1, NULL));
  files[0] = g_file_new_for_path (good);
  files[1] = g_file_new_for_path (bad);
  ct_window_open (fixture.window, files, 2);
  while (g_list_model_get_n_items (studies) == n_before)
    g_main_context_iteration (NULL, TRUE);
  settle ();
  g_assert_cmpuint (g_list_model_get_n_items (studies), ==, n_before + 1);
  g_assert_true (gtk_info_bar_get_revealed (bar));
  /* "Details" lists each path with its reason. */
  gtk_expander_set_expanded (GTK_EXPANDER (test_gui_find_widget (GTK_WIDGET (bar), GTK_TYPE_EXPANDER)), TRUE);
  settle ();
  g_assert_true (has_label_containing (GTK_WIDGET (bar), bad_file));
  g_assert_false (has_label_containing (GTK_WIDGET (bar), good_file));
  recent = g_settings_get_strv (fixture.settings, "recent-folders");
  g_assert_cmpstr (recent[0], ==, good);
  g_assert_false (g_strv_contains ((const char *const *) recent, bad));
  {
    g_autoptr (GdkTexture) texture = render_widget (GTK_WIDGET (fixture.window));
    Pixels pixels = download (texture, "skipped-paths.png");

    g_free (pixels.bgra);
  }
  test_gui_iterate_until (all_finished, NULL, ANALYSIS_TIMEOUT_S);
  g_object_unref (files[0]);
  g_object_unref (files[1]);
  g_unlink (good_file);
  g_unlink (bad_file);
  g_rmdir (good);
  g_rmdir (bad);
  g_rmdir (tmp);
}

static gboolean
export_idle (gpointer data)
{
  return !ct_export_controller_get_busy (data);
}

/* Export from the window: the actions write the selected study's report
 * and the whole work list into a folder given through the test hook (no
 * file chooser), complete and under readable names; an unwritable folder
 * gives an error naming the file. */
static void
test_export_from_window (void)
{
  CtExportController *export = ct_export_controller_get_for_window (GTK_WINDOW (fixture.window));
  CtStudyList *list = ct_window_get_study_list (fixture.window);
  GListModel *studies = ct_window_get_studies (fixture.window);
  g_autofree char *dir = g_dir_make_tmp ("ct-triage-gui-export-XXXXXX", NULL);
  g_autoptr (CtStudy) item = NULL;
  GPtrArray *written;
  g_autofree char *pdf_path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *csv_path = g_build_filename (dir, "worklist.csv", NULL);
  gsize length = 0;
  int lines = 0;

  g_assert_nonnull (export);
  test_gui_iterate_until (all_finished, NULL, ANALYSIS_TIMEOUT_S);
  for (guint i = 0; i < g_list_model_get_n_items (studies) && item == NULL; i++)
    {
      g_autoptr (CtStudy) candidate = g_list_model_get_item (studies, i);
      if (ct_study_get_analysis (candidate) != NULL)
        item = g_object_ref (candidate);
    }
  g_assert_nonnull (item);
  ct_study_list_select (list, item);
  test_gui_iterate_until (item_has_volume, item, 60);

  ct_export_controller_set_folder (export, dir);
  g_action_group_activate_action (G_ACTION_GROUP (fixture.window), "export-report", g_variant_new_string ("selected"));
  test_gui_iterate_until (export_idle, export, 60);
  g_assert_null (ct_export_controller_get_last_error (export));
  written = ct_export_controller_get_last_written (export);
  g_assert_cmpuint (written->len, ==, 1);
  g_assert_true (g_str_has_suffix (g_ptr_array_index (written, 0), ".pdf"));
  pdf_path = g_strdup (g_ptr_array_index (written, 0));
  g_assert_true (g_file_get_contents (g_ptr_array_index (written, 0), &contents, &length, NULL));
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));
  g_assert_nonnull (g_strstr_len (contents + length - 16, 16, "%%EOF"));
  g_clear_pointer (&contents, g_free);

  /* DICOM SEG and SR need DICOM source images: the NIfTI study is left out
   * with a message, not an error (the files themselves: test-export-job's
   * /export-job/dicom-seg-and-sr). */
  g_action_group_activate_action (G_ACTION_GROUP (fixture.window), "export-dicom", g_variant_new_string ("selected"));
  test_gui_iterate_until (export_idle, export, 60);
  g_assert_null (ct_export_controller_get_last_error (export));
  g_assert_cmpuint (ct_export_controller_get_last_written (export)->len, ==, 0);
  settle ();
  {
    GListModel *toplevels = gtk_window_get_toplevels ();
    gboolean told = FALSE;

    for (guint i = g_list_model_get_n_items (toplevels); i > 0; i--)
      {
        g_autoptr (GtkWindow) w = g_list_model_get_item (toplevels, i - 1);
        if (GTK_IS_MESSAGE_DIALOG (w))
          {
            told = TRUE;
            gtk_window_destroy (w);
          }
      }
    g_assert_true (told);
  }

  g_action_group_activate_action (G_ACTION_GROUP (fixture.window), "export-worklist", NULL);
  test_gui_iterate_until (export_idle, export, 60);
  g_assert_null (ct_export_controller_get_last_error (export));
  g_assert_true (g_file_get_contents (csv_path, &contents, NULL, NULL));
  for (const char *p = contents; *p != '\0'; p++)
    lines += *p == '\n';
  /* A header and one row per study of the list. */
  g_assert_cmpint (lines, ==, 1 + (int) g_list_model_get_n_items (studies));
  g_unlink (csv_path);
  g_clear_pointer (&contents, g_free);
  {
    g_autofree char *json_path = g_build_filename (dir, "worklist.json", NULL);
    g_assert_true (g_file_test (json_path, G_FILE_TEST_IS_REGULAR));
    g_unlink (json_path);
  }
  g_unlink (pdf_path);

  /* /proc takes no files, even from root. */
  ct_export_controller_set_folder (export, "/proc");
  g_action_group_activate_action (G_ACTION_GROUP (fixture.window), "export-worklist", NULL);
  test_gui_iterate_until (export_idle, export, 60);
  g_assert_nonnull (ct_export_controller_get_last_error (export));
  g_assert_nonnull (strstr (ct_export_controller_get_last_error (export), "/proc/worklist.csv"));
  settle ();
  /* Close the error dialog. */
  {
    GListModel *toplevels = gtk_window_get_toplevels ();
    for (guint i = g_list_model_get_n_items (toplevels); i > 0; i--)
      {
        g_autoptr (GtkWindow) w = g_list_model_get_item (toplevels, i - 1);
        if (GTK_IS_MESSAGE_DIALOG (w))
          gtk_window_destroy (w);
      }
  }
  ct_export_controller_set_folder (export, NULL);
  settle ();
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static gboolean
queue_idle (gpointer data)
{
  return !ct_job_queue_get_busy (ct_application_get_queue (fixture.application));
}

static void
test_close_cancels (void)
{
  g_autoptr (GFile) folder = g_file_new_for_path (fixture.folder);
  GListModel *studies = ct_window_get_studies (fixture.window);
  g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_before = g_list_model_get_n_items (studies);
  gint64 start;

  /* Open the folder again: three more studies queued. */
  ct_window_open (fixture.window, &folder, 1);
  while (g_list_model_get_n_items (studies) < n_before + N_STUDIES)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = n_before; i < n_before + N_STUDIES; i++)
    g_ptr_array_add (added, g_list_model_get_item (studies, i));
  g_assert_false (queue_idle (NULL));

  start = g_get_monotonic_time ();
  gtk_window_close (GTK_WINDOW (fixture.window));
  fixture.window = NULL;
  test_gui_iterate_until (queue_idle, NULL, 60);
  g_assert_true (queue_idle (NULL));
  g_test_message ("queue stopped %.0f ms after the window closed", (g_get_monotonic_time () - start) / 1000.0);
  for (guint i = 0; i < added->len; i++)
    g_assert_true (ct_study_is_finished (added->pdata[i]));
  /* At least the waiting ones were cancelled, not analysed. */
  g_assert_cmpint (ct_study_get_status (added->pdata[added->len - 1]), ==, CT_STUDY_STATUS_CANCELLED);
}

static void
skip_without_display (void)
{
  g_test_skip ("no display: run under xvfb-run (build-aux/test does)");
}

/* ---- Layout, linked views and triage navigation (issue 13, items 2-4) ---- */

/* A key press given to the key controllers of @widget that run in @phase,
 * until one handles it, as GTK does for a key event in that phase. */
static gboolean
send_key (GtkWidget *widget, GtkPropagationPhase phase, guint keyval, GdkModifierType state)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++)
    {
      g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller) && gtk_event_controller_get_propagation_phase (controller) == phase)
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, state, &handled);
    }
  settle ();
  return handled;
}

static gboolean
allocated (gpointer data)
{
  return gtk_widget_get_width (GTK_WIDGET (fixture.window)) <= GPOINTER_TO_INT (data) &&
         gtk_widget_get_width (ct_window_get_results_panel (fixture.window)) > 0;
}

/* Widget's bounds in the window's coordinates. */
static graphene_rect_t
bounds_in_window (GtkWidget *widget)
{
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_compute_bounds (widget, GTK_WIDGET (fixture.window), &bounds));
  return bounds;
}

/* What makes a window too wide: the minimum widths below @widget. */
static void
report_min_widths (GtkWidget *widget, int depth)
{
  int minimum;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_test_message ("%*s%s: at least %d px wide", 2 * depth, "", G_OBJECT_TYPE_NAME (widget), minimum);
  if (depth < 8 && minimum > 200)
    for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
         child = gtk_widget_get_next_sibling (child))
      report_min_widths (child, depth + 1);
}

/* At 800 x 600 logical px (also at GDK_SCALE=2: the gui-scale-2 test runs
 * this one alone): the window stays that wide, every pane is in it, the
 * views get most of the height, a narrowed list keeps patient, probability
 * and category. */
static void
test_layout_800x600 (void)
{
  GtkWidget *window = GTK_WIDGET (fixture.window);
  CtSliceView *axial = ct_window_get_view (fixture.window, CT_VIEW_AXIAL);
  CtStudyList *list = ct_window_get_study_list (fixture.window);
  GtkWidget *panel = ct_window_get_results_panel (fixture.window);
  int old_width, old_height;
  graphene_rect_t panel_bounds, list_bounds, view_bounds;

  gtk_window_get_default_size (GTK_WINDOW (window), &old_width, &old_height);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  /* Not test_gui_iterate_until (): with nothing left to draw it would block. */
  for (int i = 0; i < 20 && !allocated (GINT_TO_POINTER (800)); i++)
    settle ();
  settle ();
  g_test_message ("window %d x %d at scale %d", gtk_widget_get_width (window), gtk_widget_get_height (window),
                  gtk_widget_get_scale_factor (window));
  if (gtk_widget_get_width (window) > 800)
    report_min_widths (window, 0);
  g_assert_cmpint (gtk_widget_get_width (window), <=, 800);
  g_assert_cmpint (gtk_widget_get_height (window), <=, 600);
  panel_bounds = bounds_in_window (panel);
  list_bounds = bounds_in_window (ct_window_get_list_pane (fixture.window));
  view_bounds = bounds_in_window (GTK_WIDGET (axial));
  g_test_message ("list %.0f px, views %.0f x %.0f px, results %.0f px wide", list_bounds.size.width,
                  view_bounds.size.width, view_bounds.size.height, panel_bounds.size.width);
  g_assert_cmpfloat (panel_bounds.size.width, >=, 200);
  g_assert_cmpfloat (panel_bounds.origin.x + panel_bounds.size.width, <=, gtk_widget_get_width (window) + 0.5);
  g_assert_cmpfloat (list_bounds.size.width, >=, 200);
  g_assert_cmpfloat (view_bounds.size.width, >=, 80);
  g_assert_cmpfloat (view_bounds.size.height, >=, 0.7 * gtk_widget_get_height (window));
  if (gtk_widget_get_mapped (GTK_WIDGET (list)))
    {
      g_assert_true (ct_study_list_get_column_visible (list, "Patient / series"));
      g_assert_true (ct_study_list_get_column_visible (list, "COVID-19"));
      g_assert_true (ct_study_list_get_column_visible (list, "Severity"));
      g_assert_false (ct_study_list_get_column_visible (list, "Date"));
    }
  {
    g_autoptr (GdkTexture) texture = render_widget (window);
    Pixels pixels = download (texture, gtk_widget_get_scale_factor (window) > 1 ? "window-800x600-scale2.png"
                                                                                : "window-800x600.png");

    g_free (pixels.bgra);
  }

  /* F9 hides the list: the views get its room. */
  {
    double before = view_bounds.size.width;

    g_assert_true (send_key (GTK_WIDGET (window), GTK_PHASE_CAPTURE, GDK_KEY_F9, 0));
    settle ();
    g_assert_false (gtk_widget_get_visible (ct_window_get_list_pane (fixture.window)));
    g_assert_cmpfloat (gtk_widget_get_width (GTK_WIDGET (axial)), >, before + 50);
    g_assert_true (send_key (GTK_WIDGET (window), GTK_PHASE_CAPTURE, GDK_KEY_F9, 0));
    g_assert_true (gtk_widget_get_visible (ct_window_get_list_pane (fixture.window)));
  }

  if (old_width > 800)
    {
      gtk_window_set_default_size (GTK_WINDOW (window), old_width, old_height);
      settle ();
      settle ();
    }
}

/* A saved size larger than the screen is not restored as it is. */
static void
test_saved_size_clamped (void)
{
  CtWindow *window;
  GdkMonitor *monitor;
  GdkRectangle area;
  int width, height;

  g_settings_set_int (fixture.settings, "window-width", 9000);
  g_settings_set_int (fixture.settings, "window-height", 7000);
  window = ct_window_new (GTK_APPLICATION (fixture.application), ct_application_get_queue (fixture.application),
                          fixture.settings);
  gtk_window_present (GTK_WINDOW (window));
  settle ();
  monitor = gdk_display_get_monitor_at_surface (gtk_widget_get_display (GTK_WIDGET (window)),
                                                gtk_native_get_surface (GTK_NATIVE (window)));
  g_assert_nonnull (monitor);
  gdk_monitor_get_geometry (monitor, &area);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_test_message ("saved 9000 x 7000, restored %d x %d on a %d x %d monitor", width, height, area.width, area.height);
  g_assert_cmpint (width, <=, MAX (area.width, 800));
  g_assert_cmpint (height, <=, MAX (area.height, 600));
  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_reset (fixture.settings, "window-width");
  g_settings_reset (fixture.settings, "window-height");
  settle ();
}

/* Double click (the view's "maximise-requested") and m show one view alone
 * and back; the layouts place the views. */
static void
test_maximise_and_layouts (void)
{
  CtSliceView *axial = ct_window_get_view (fixture.window, CT_VIEW_AXIAL);
  CtSliceView *coronal = ct_window_get_view (fixture.window, CT_VIEW_CORONAL);
  CtSliceView *sagittal = ct_window_get_view (fixture.window, CT_VIEW_SAGITTAL);

  g_action_group_change_action_state (G_ACTION_GROUP (fixture.window), "layout", g_variant_new_string ("1x2"));
  settle ();
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (coronal)));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (sagittal)));
  g_signal_emit_by_name (coronal, "maximise-requested");
  settle ();
  g_assert_cmpint (ct_window_get_maximised_view (fixture.window), ==, CT_VIEW_CORONAL);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (axial)));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (coronal)), >,
                   gtk_widget_get_width (gtk_widget_get_parent (gtk_widget_get_parent (GTK_WIDGET (coronal)))) - 4);
  g_signal_emit_by_name (coronal, "maximise-requested");
  settle ();
  g_assert_cmpint (ct_window_get_maximised_view (fixture.window), ==, -1);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (axial)));

  /* m: the focused view (else the axial one); m again or Escape: back. */
  gtk_widget_grab_focus (GTK_WIDGET (axial));
  g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_m));
  g_assert_cmpint (ct_window_get_maximised_view (fixture.window), ==, CT_VIEW_AXIAL);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (coronal)));
  g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_Escape));
  g_assert_cmpint (ct_window_get_maximised_view (fixture.window), ==, -1);

  /* 2 x 2: the axial view two rows high beside coronal over sagittal. */
  g_action_group_change_action_state (G_ACTION_GROUP (fixture.window), "layout", g_variant_new_string ("2x2"));
  settle ();
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (sagittal)));
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (axial)), >, 1.8 * gtk_widget_get_height (GTK_WIDGET (coronal)));
  {
    g_autofree char *layout = g_settings_get_string (fixture.settings, "view-layout");
    g_assert_cmpstr (layout, ==, "2x2");
  }
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.show-sagittal", NULL);
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.show-sagittal", NULL);
  settle ();
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (sagittal)));
  g_action_group_change_action_state (G_ACTION_GROUP (fixture.window), "layout", g_variant_new_string ("1x2"));
  settle ();
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (sagittal)));
}

/* Stepping the axial slice (arrow keys, as the scroll wheel) moves the
 * coronal view's horizontal reference line to that slice. */
static void
test_reference_follows_scroll (void)
{
  CtSliceView *axial = ct_window_get_view (fixture.window, CT_VIEW_AXIAL);
  CtSliceView *coronal = ct_window_get_view (fixture.window, CT_VIEW_CORONAL);
  CtSliceGeometry axial_geometry, coronal_geometry;
  double x, y, before_y, ijk[3], expected_y;

  test_gui_iterate_until (has_volume_shown, axial, 60);
  g_assert_true (ct_slice_view_get_geometry (axial, &axial_geometry));
  g_assert_true (ct_slice_view_get_geometry (coronal, &coronal_geometry));
  ct_slice_view_set_slice (axial, axial_geometry.n_slices / 2);
  g_assert_true (ct_slice_view_get_reference (coronal, &x, &before_y));
  for (int n = 0; n < 5; n++)
    g_assert_true (press_key (GTK_WIDGET (axial), GDK_KEY_Down));
  g_assert_true (ct_slice_view_get_reference (coronal, &x, &y));
  ct_slice_geometry_view_to_voxel (&axial_geometry, ct_slice_view_get_slice (axial), 0.5, 0.5, ijk);
  ct_slice_geometry_voxel_to_view (&coronal_geometry, ijk, NULL, &expected_y, NULL);
  g_test_message ("coronal reference line y %.1f -> %.1f (axial slice %d, expected %.1f)", before_y, y,
                  ct_slice_view_get_slice (axial), expected_y);
  g_assert_cmpfloat (fabs (y - expected_y), <, 0.51);
  g_assert_cmpfloat (fabs (y - before_y), >=, 4.5);
  /* And the axial view's vertical line follows the coronal slice. */
  g_assert_true (press_key (GTK_WIDGET (coronal), GDK_KEY_Page_Down));
  {
    double ax, ay;

    g_assert_true (ct_slice_view_get_reference (axial, &ax, &ay));
    ct_slice_geometry_view_to_voxel (&coronal_geometry, ct_slice_view_get_slice (coronal), 0.5, 0.5, ijk);
    ct_slice_geometry_voxel_to_view (&axial_geometry, ijk, NULL, &expected_y, NULL);
    g_assert_cmpfloat (fabs (ay - expected_y), <, 0.51);
  }
}

/* A right drag makes the drop-down say "Custom"; a preset key names it again. */
static void
test_custom_window_label (void)
{
  CtSliceView *axial = ct_window_get_view (fixture.window, CT_VIEW_AXIAL);
  double width, level;

  g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_1));
  g_assert_cmpstr (ct_window_get_preset_name (fixture.window), ==, "Lung");
  drag (GTK_WIDGET (axial), GDK_BUTTON_SECONDARY, 30, 10);
  g_assert_cmpstr (ct_window_get_preset_name (fixture.window), ==, "Custom");
  /* Custom keeps the dragged window: it is no preset of its own. */
  ct_slice_view_get_window (axial, &width, &level);
  g_assert_cmpfloat (width, ==, 1500 + 120);
  g_assert_true (press_key (GTK_WIDGET (fixture.window), GDK_KEY_1));
  g_assert_cmpstr (ct_window_get_preset_name (fixture.window), ==, "Lung");
}

/* Linked zoom: the other views follow a zoom. */
static void
test_linked_zoom (void)
{
  CtSliceView *axial = ct_window_get_view (fixture.window, CT_VIEW_AXIAL);
  CtSliceView *coronal = ct_window_get_view (fixture.window, CT_VIEW_CORONAL);

  ct_slice_view_reset_zoom (coronal);
  ct_slice_view_zoom_at (axial, 2.0, 50, 50);
  g_signal_emit_by_name (axial, "zoom-changed");
  g_assert_cmpfloat (ct_slice_view_get_zoom (coronal), ==, 1.0);
  g_action_group_change_action_state (G_ACTION_GROUP (fixture.window), "link-zoom", g_variant_new_boolean (TRUE));
  g_assert_cmpfloat (ct_slice_view_get_zoom (coronal), ==, 2.0);
  ct_slice_view_zoom_at (axial, 3.0, 50, 50);
  g_signal_emit_by_name (axial, "zoom-changed");
  g_assert_cmpfloat (ct_slice_view_get_zoom (coronal), ==, 3.0);
  g_action_group_change_action_state (G_ACTION_GROUP (fixture.window), "link-zoom", g_variant_new_boolean (FALSE));
  ct_slice_view_reset_zoom (axial);
  ct_slice_view_reset_zoom (coronal);
}

static gboolean
axial_shows (gpointer data)
{
  CtSliceView *axial = ct_window_get_view (fixture.window, CT_VIEW_AXIAL);

  return ct_slice_view_get_study (axial) == data && ct_study_get_volume (data) != NULL &&
         ct_slice_view_get_n_slices (axial) > 0;
}

/* Ctrl+Down / Ctrl+Up step through the list also while a view has the
 * focus (the window sees them first); a selected study opens at the slices
 * the report picks; Enter on a row puts the keys into its views. */
static void
test_next_study_and_key_slice (void)
{
  CtStudyList *list = ct_window_get_study_list (fixture.window);
  CtSliceView *axial = ct_window_get_view (fixture.window, CT_VIEW_AXIAL);
  CtSliceView *coronal = ct_window_get_view (fixture.window, CT_VIEW_CORONAL);
  GListModel *sorted = ct_study_list_get_sorted_model (list);
  GtkWidget *window = GTK_WIDGET (fixture.window);
  g_autoptr (CtStudy) first = g_list_model_get_item (sorted, 0);
  g_autoptr (CtStudy) second = g_list_model_get_item (sorted, 1);

  ct_study_list_select (list, first);
  settle ();
  gtk_widget_grab_focus (GTK_WIDGET (axial));
  /* The view leaves Ctrl+Down alone (no slice step) ... */
  g_assert_false (send_key (GTK_WIDGET (axial), GTK_PHASE_BUBBLE, GDK_KEY_Down, GDK_CONTROL_MASK));
  /* ... the window takes it. */
  g_assert_true (send_key (window, GTK_PHASE_CAPTURE, GDK_KEY_Down, GDK_CONTROL_MASK));
  g_assert_true (ct_study_list_get_selected (list) == second);
  g_assert_true (send_key (window, GTK_PHASE_CAPTURE, GDK_KEY_Up, GDK_CONTROL_MASK));
  g_assert_true (ct_study_list_get_selected (list) == first);
  g_assert_true (send_key (window, GTK_PHASE_CAPTURE, GDK_KEY_Up, GDK_CONTROL_MASK));
  g_assert_true (ct_study_list_get_selected (list) == first);
  g_assert_true (send_key (window, GTK_PHASE_CAPTURE, GDK_KEY_Page_Down, GDK_CONTROL_MASK));
  g_assert_true (ct_study_list_get_selected (list) == second);
  /* Bare keys are the view's. */
  g_assert_false (send_key (window, GTK_PHASE_CAPTURE, GDK_KEY_Down, 0));

  /* Back to the first study (its volume still in memory): it opens at its
   * most-affected slices. Waited for without blocking. */
  g_assert_true (send_key (window, GTK_PHASE_CAPTURE, GDK_KEY_Up, GDK_CONTROL_MASK));
  g_assert_true (ct_study_list_get_selected (list) == first);
  for (int i = 0; i < 400 && !axial_shows (first); i++)
    settle ();
  g_assert_true (axial_shows (first));
  {
    int expected_axial, expected_coronal;

    g_assert_nonnull (ct_study_get_analysis (first));
    ct_report_pick_key_slices (ct_study_get_volume (first), ct_study_get_analysis (first), &expected_axial,
                               &expected_coronal);
    g_test_message ("opened at axial %d, coronal %d (report: %d, %d)", ct_slice_view_get_slice (axial),
                    ct_slice_view_get_slice (coronal), expected_axial, expected_coronal);
    g_assert_cmpint (ct_slice_view_get_slice (axial), ==, expected_axial);
    g_assert_cmpint (ct_slice_view_get_slice (coronal), ==, expected_coronal);
  }

  /* Enter (the column view's "activate") opens the row's study. */
  {
    GtkWidget *column_view = test_gui_find_widget (GTK_WIDGET (list), GTK_TYPE_COLUMN_VIEW);

    gtk_widget_grab_focus (column_view);
    g_signal_emit_by_name (column_view, "activate", 1u);
    settle ();
    g_assert_true (ct_study_list_get_selected (list) == second);
    g_assert_true (gtk_root_get_focus (GTK_ROOT (fixture.window)) == GTK_WIDGET (axial));
  }
}

/* Every stop / run-again button under @widget: no tooltip text set, a
 * tooltip on query, an accessible label that says what it does; counts the
 * run-again ones in @rerun_buttons. */
static void
check_row_buttons (GtkWidget *widget, guint *rerun_buttons)
{
  if (GTK_IS_BUTTON (widget))
    {
      const char *icon = gtk_button_get_icon_name (GTK_BUTTON (widget));
      gboolean rerun = g_strcmp0 (icon, "view-refresh-symbolic") == 0;

      if (rerun || g_strcmp0 (icon, "process-stop-symbolic") == 0)
        {
          g_autofree char *mismatch = gtk_test_accessible_check_property (
              GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL,
              rerun ? "Analyse this study again" : "Cancel the analysis of this study");

          g_assert_null (gtk_widget_get_tooltip_text (widget));
          g_assert_true (gtk_widget_get_has_tooltip (widget));
          g_assert_null (mismatch);
          *rerun_buttons += rerun;
        }
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    check_row_buttons (child, rerun_buttons);
}

/* A cancelled study runs again (the row's menu, the window action); the
 * overall progress says how far the batch is. */
static void
test_rerun_cancelled (void)
{
  CtStudyList *list = ct_window_get_study_list (fixture.window);
  GListModel *sorted = ct_study_list_get_sorted_model (list);
  CtJobQueue *queue = ct_application_get_queue (fixture.application);
  g_autoptr (CtStudy) a = NULL;
  g_autoptr (CtStudy) b = NULL;
  GMenuModel *menu = ct_study_list_get_context_menu (list);
  gboolean has_export = FALSE;

  test_gui_iterate_until (all_finished, NULL, ANALYSIS_TIMEOUT_S);
  /* Two of the phantom studies (the skipped-paths test's file is gone). */
  for (guint i = 0; i < g_list_model_get_n_items (sorted) && b == NULL; i++)
    {
      g_autoptr (CtStudy) item = g_list_model_get_item (sorted, i);

      if (!g_str_has_prefix (ct_study_get_path (item), fixture.folder))
        continue;
      if (a == NULL)
        a = g_steal_pointer (&item);
      else
        b = g_steal_pointer (&item);
    }
  g_assert_nonnull (b);
  /* One running, one waiting: cancelling the waiting one is immediate. */
  ct_job_queue_add (queue, a);
  ct_job_queue_add (queue, b);
  ct_job_queue_cancel (queue, b);
  g_assert_cmpint (ct_study_get_status (b), ==, CT_STUDY_STATUS_CANCELLED);
  g_assert_true (has_label_containing (GTK_WIDGET (fixture.window), " analysed"));
  /* The cancelled row's button offers to run it again. Its tooltip comes
   * from query-tooltip, never set on refresh (ui/ct-study-list.c says why);
   * screen readers get the same words as its label. In a list of its own,
   * wide enough to show the button column. */
  {
    g_autoptr (GListStore) two = g_list_store_new (CT_TYPE_STUDY);
    GtkWidget *window = gtk_window_new ();
    guint rerun_buttons = 0;

    g_list_store_append (two, a);
    g_list_store_append (two, b);
    gtk_window_set_child (GTK_WINDOW (window), ct_study_list_new (G_LIST_MODEL (two)));
    gtk_window_set_default_size (GTK_WINDOW (window), 900, 300);
    gtk_window_present (GTK_WINDOW (window));
    settle ();
    check_row_buttons (window, &rerun_buttons);
    g_assert_cmpuint (rerun_buttons, ==, 1);
    gtk_window_destroy (GTK_WINDOW (window));
    settle ();
  }
  ct_study_list_select (list, b);
  gtk_widget_activate_action (GTK_WIDGET (fixture.window), "win.reanalyse-selected", NULL);
  g_assert_cmpint (ct_study_get_status (b), !=, CT_STUDY_STATUS_CANCELLED);
  test_gui_iterate_until (study_finished, b, ANALYSIS_TIMEOUT_S);
  g_test_message ("run again: status %d, %s", ct_study_get_status (b),
                  ct_study_get_error (b) != NULL ? ct_study_get_error (b) : "no error");
  g_assert_cmpint (ct_study_get_status (b), ==, CT_STUDY_STATUS_DONE);
  test_gui_iterate_until (all_finished, NULL, ANALYSIS_TIMEOUT_S);

  /* The row's menu: analyse again, show in files, export (the window's
   * export action when it has one; insensitive otherwise). */
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *action = NULL;

      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &action))
        has_export |= g_str_equal (action, "win.export-report");
    }
  g_assert_true (has_export);
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 3);
}

/* The new controls with settings that cannot be written. */
static void
test_layout_controls_without_settings (void)
{
  g_autoptr (GSettingsBackend) null_backend = g_null_settings_backend_new ();
  g_autoptr (GSettings) readonly = g_settings_new_with_backend (APPLICATION_ID, null_backend);
  CtWindow *window = ct_window_new (GTK_APPLICATION (fixture.application),
                                    ct_application_get_queue (fixture.application), readonly);
  CtSliceView *sagittal = ct_window_get_view (window, CT_VIEW_SAGITTAL);

  gtk_window_present (GTK_WINDOW (window));
  settle ();
  g_assert_false (g_settings_is_writable (readonly, "view-layout"));
  g_action_group_change_action_state (G_ACTION_GROUP (window), "layout", g_variant_new_string ("1x3"));
  settle ();
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (sagittal)));
  g_assert_true (send_key (GTK_WIDGET (window), GTK_PHASE_CAPTURE, GDK_KEY_F9, 0));
  g_assert_false (gtk_widget_get_visible (ct_window_get_list_pane (window)));
  g_assert_true (press_key (GTK_WIDGET (window), GDK_KEY_m));
  g_assert_cmpint (ct_window_get_maximised_view (window), ==, CT_VIEW_AXIAL);
  gtk_window_destroy (GTK_WINDOW (window));
  settle ();
}

static gboolean
window_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (fixture.window)) && gtk_widget_get_width (GTK_WIDGET (fixture.window)) > 0;
}

int
main (int argc, char *argv[])
{
  g_autofree char *schema_dir = g_build_filename (test_gui_env_dir ("CT_TRIAGE_BUILD_DIR"), "resources", NULL);
  g_autofree char *shipped = g_build_filename (test_gui_env_dir ("CT_TRIAGE_SOURCE_DIR"), "resources", "models",
                                               "multitask-spatial.safetensors", NULL);
  GTestDBus *bus;
  g_autofree char *display = NULL;
  int status;

  g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* GTK's own test backend for accessibility: no AT-SPI bus, and
   * gtk_test_accessible_check_property () can read what screen readers get. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  test_gui_use_cairo_renderer ();
  /* --gdk-scale=N: the HiDPI run of tests/meson.build (read before GTK). */
  for (int a = 1; a < argc; a++)
    if (g_str_has_prefix (argv[a], "--gdk-scale="))
      {
        g_setenv ("GDK_SCALE", argv[a] + strlen ("--gdk-scale="), TRUE);
        memmove (&argv[a], &argv[a + 1], (argc - a) * sizeof *argv);
        argc--;
        break;
      }
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_message ("no display: run under xvfb-run (build-aux/test does)");
      g_test_add_func ("/gui/needs-display", skip_without_display);
      return g_test_run ();
    }

  /* GtkApplication wants a session bus: a private one. */
  display = g_strdup (g_getenv ("DISPLAY"));
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  /* g_test_dbus_up () unsets DISPLAY so that no X11 bus is autolaunched. */
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);
  gtk_init ();

  fixture.screenshot_dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR") != NULL ? g_getenv ("G_TEST_BUILDDIR") : ".",
                                             "screenshots", NULL);
  g_mkdir_with_parents (fixture.screenshot_dir, 0755);
  fixture.settings = g_settings_new (APPLICATION_ID);
  fixture.shipped_models = g_file_test (shipped, G_FILE_TEST_EXISTS);
  write_studies ();

  /* The test environment's cache folder, never the user's. */
  fixture.application = ct_application_new (NULL, g_getenv ("CT_TRIAGE_CACHE_DIR"), fixture.settings);
  g_assert_true (g_application_register (G_APPLICATION (fixture.application), NULL, NULL));
  {
    g_autofree char *lungs_path = NULL;
    g_autofree char *multitask_path = NULL;
    g_autoptr (CtModel) lungs = NULL;
    g_autoptr (CtModel) multitask = NULL;
    g_autoptr (GError) error = NULL;

    if (fixture.shipped_models)
      fixture.model_dir = g_build_filename (test_gui_env_dir ("CT_TRIAGE_SOURCE_DIR"), "resources", "models", NULL);
    else
      {
        /* The reduced random-weights fixtures under the shipped names, so
         * that the command line (--model DIR) uses them too: the plumbing
         * and the order are checked, not accuracy. */
        g_autofree char *fixtures = g_build_filename (test_gui_env_dir ("CT_TRIAGE_SOURCE_DIR"), "tests", "fixtures",
                                                      NULL);
        g_autofree char *lungs_target = g_build_filename (fixtures, "reduced-lungs.safetensors", NULL);
        g_autofree char *multitask_target = g_build_filename (fixtures, "reduced-multitask.safetensors", NULL);

        fixture.model_dir = g_dir_make_tmp ("ct-triage-gui-models-XXXXXX", NULL);
        lungs_path = g_build_filename (fixture.model_dir, "lungs.safetensors", NULL);
        multitask_path = g_build_filename (fixture.model_dir, "multitask-spatial.safetensors", NULL);
        g_assert_cmpint (symlink (lungs_target, lungs_path), ==, 0);
        g_assert_cmpint (symlink (multitask_target, multitask_path), ==, 0);
        g_clear_pointer (&lungs_path, g_free);
        g_clear_pointer (&multitask_path, g_free);
      }
    lungs_path = g_build_filename (fixture.model_dir, "lungs.safetensors", NULL);
    multitask_path = g_build_filename (fixture.model_dir, "multitask-spatial.safetensors", NULL);
    lungs = ct_model_load (lungs_path, &error);
    g_assert_no_error (error);
    multitask = ct_model_load (multitask_path, &error);
    g_assert_no_error (error);
    ct_analyzer_set_models (ct_job_queue_get_analyzer (ct_application_get_queue (fixture.application)), lungs,
                            multitask);
    g_test_message ("models: %s (%s)", fixture.model_dir,
                    fixture.shipped_models ? "shipped" : "reduced random-weight test fixtures");
  }
  fixture.window = ct_window_new (GTK_APPLICATION (fixture.application), ct_application_get_queue (fixture.application),
                                  fixture.settings);
  gtk_window_set_default_size (GTK_WINDOW (fixture.window), 1600, 960);
  gtk_window_present (GTK_WINDOW (fixture.window));
  test_gui_iterate_until (window_mapped, NULL, 30);

  g_test_add_func ("/gui/open-and-scroll", test_open_and_scroll);
  g_test_add_func ("/gui/analysis-order", test_analysis_order);
  g_test_add_func ("/gui/slice-keys", test_slice_keys);
  g_test_add_func ("/gui/overlays-screenshot", test_overlays_screenshot);
  g_test_add_func ("/gui/window-keys", test_window_keys);
  g_test_add_func ("/gui/right-drag-window", test_right_drag_window);
  g_test_add_func ("/gui/hu-under-pointer", test_hu_under_pointer);
  g_test_add_func ("/gui/zoom-at-pointer", test_zoom_at_pointer);
  g_test_add_func ("/gui/shortcuts-and-about", test_shortcuts_and_about);
  g_test_add_func ("/gui/real-dicom", test_real_dicom);
  g_test_add_func ("/gui/skipped-paths", test_skipped_paths);
  g_test_add_func ("/gui/export-from-window", test_export_from_window);
  g_test_add_func ("/gui/settings-cannot-write", test_settings_cannot_write);
  /* Layout, linked views, triage navigation. */
  g_test_add_func ("/gui/layout-800x600", test_layout_800x600);
  g_test_add_func ("/gui/saved-size-clamped", test_saved_size_clamped);
  g_test_add_func ("/gui/maximise-and-layouts", test_maximise_and_layouts);
  g_test_add_func ("/gui/reference-follows-scroll", test_reference_follows_scroll);
  g_test_add_func ("/gui/custom-window-label", test_custom_window_label);
  g_test_add_func ("/gui/linked-zoom", test_linked_zoom);
  g_test_add_func ("/gui/next-study-and-key-slice", test_next_study_and_key_slice);
  g_test_add_func ("/gui/rerun-cancelled", test_rerun_cancelled);
  g_test_add_func ("/gui/layout-controls-without-settings", test_layout_controls_without_settings);
  g_test_add_func ("/gui/close-cancels", test_close_cancels);
  status = g_test_run ();

  for (int s = 0; s < N_STUDIES; s++)
    {
      g_unlink (fixture.studies[s].path);
      g_free (fixture.studies[s].path);
      phantom_study_free (fixture.studies[s].phantom);
    }
  g_rmdir (fixture.folder);
  g_free (fixture.folder);
  if (!fixture.shipped_models)
    {
      g_autofree char *lungs_link = g_build_filename (fixture.model_dir, "lungs.safetensors", NULL);
      g_autofree char *multitask_link = g_build_filename (fixture.model_dir, "multitask-spatial.safetensors", NULL);

      g_unlink (lungs_link);
      g_unlink (multitask_link);
      g_rmdir (fixture.model_dir);
    }
  g_free (fixture.model_dir);
  g_clear_object (&fixture.settings);
  g_clear_object (&fixture.application);
  /* Neither g_test_dbus_down () nor an unref (which calls it): both wait
   * for GTK's bus connection to go, and GTK keeps it until exit. */
  g_test_dbus_stop (bus);
  return status;
}
