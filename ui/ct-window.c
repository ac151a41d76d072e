/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ct-arrival-service.h"
#include "ct-error.h"
#include "ct-report.h"
#include "ct-results-panel.h"
#include "ct-export-controller.h"
#include "ct-study-library.h"
#include "ct-window.h"

#define MAX_RECENT_FOLDERS 8
#define OPACITY_STEP 0.1
/* The window/level drop-down's entry after a right drag. */
#define PRESET_CUSTOM 3
/* The smallest window the layout is made for, logical px. */
#define MIN_WINDOW_WIDTH 800
#define MIN_WINDOW_HEIGHT 600

/* How the views share the grid. */
typedef enum
{
  VIEW_LAYOUT_1X2, /* axial | coronal */
  VIEW_LAYOUT_1X3, /* axial | coronal | sagittal */
  VIEW_LAYOUT_2X2, /* axial on the left, two rows high; coronal over sagittal */
  N_VIEW_LAYOUTS
} ViewLayout;

static const char *const view_layout_names[N_VIEW_LAYOUTS] = { "1x2", "1x3", "2x2" };

struct _CtWindow
{
  GtkApplicationWindow parent_instance;

  CtJobQueue *queue;
  GSettings *settings;
  CtStudyLibrary *library;
  GCancellable *discovery_cancellable;
  CtArrivalService *arrivals; /* or NULL */

  /* Template children. */
  GtkWidget *list_box;
  GtkWidget *empty_label;
  GtkSpinner *discovery_spinner;
  guint n_discoveries; /* folder scans running */
  GtkWidget *views_grid;
  GtkWidget *outer_paned;
  GtkWidget *inner_paned;
  GtkLabel *pointer_label;
  GtkLabel *progress_label;
  GtkLabel *arrival_label;
  CtResultsPanel *results_panel;
  GtkAdjustment *opacity_adjustment;
  GtkDropDown *preset_dropdown;
  GMenu *recent_submenu;
  GtkInfoBar *skipped_bar;
  GtkLabel *skipped_label;
  GtkLabel *skipped_details;

  CtStudyList *study_list;
  CtSliceView *views[CT_N_VIEW_PLANES];
  GtkLabel *view_captions[CT_N_VIEW_PLANES];
  GtkWidget *view_frames[CT_N_VIEW_PLANES];

  double window_width, window_level;
  gboolean show_overlays;
  GStrv recent_folders;

  ViewLayout view_layout;
  int maximised; /* CtViewPlane shown alone, or -1 */
  /* The voxel (i, j, k) every view's reference lines go through: each
   * view's own slice sets its component along that view's normal. */
  double cursor[3];
  gboolean link_zoom;
  gboolean syncing_zoom;

  /* The selected study is put at its most-affected slices once, when its
   * volume (and later, if still untouched, its analysis) is there. */
  CtStudy *watched; /* owned */
  gulong watched_handler;
  gboolean placed_volume, placed_analysis, slices_touched;
  gboolean placing;

  /* Overall progress: analyses finished since the queue last went idle. */
  gint64 batch_start_us;
  guint batch_finished;
};

G_DEFINE_FINAL_TYPE (CtWindow, ct_window, GTK_TYPE_APPLICATION_WINDOW)

static const char *
preset_settings_key (int preset)
{
  static const char *const keys[] = { "lung-window", "mediastinum-window", "bone-window" };

  return keys[CLAMP (preset, 0, 2)];
}

static void
ct_window_apply_window (CtWindow *self, double width, double level)
{
  self->window_width = width;
  self->window_level = level;
  for (int p = 0; p < CT_N_VIEW_PLANES; p++)
    ct_slice_view_set_window (self->views[p], width, level);
}

static void
ct_window_apply_preset (CtWindow *self, int preset)
{
  double width, level;

  g_settings_get (self->settings, preset_settings_key (preset), "(dd)", &width, &level);
  ct_window_apply_window (self, width, level);
  if ((int) gtk_drop_down_get_selected (self->preset_dropdown) != preset)
    gtk_drop_down_set_selected (self->preset_dropdown, preset);
}

static void
ct_window_update_captions (CtWindow *self)
{
  static const char *plane_titles[] = { N_ ("Axial"), N_ ("Coronal"), N_ ("Sagittal") };

  for (int p = 0; p < CT_N_VIEW_PLANES; p++)
    {
      int n = ct_slice_view_get_n_slices (self->views[p]);
      g_autofree char *text = n > 0 ? g_strdup_printf ("%s  %d / %d", _ (plane_titles[p]),
                                                       ct_slice_view_get_slice (self->views[p]) + 1, n)
                                    : g_strdup (_ (plane_titles[p]));

      gtk_label_set_text (self->view_captions[p], text);
    }
}

/* Every view draws its reference lines through the cursor. */
static void
ct_window_push_cursor (CtWindow *self)
{
  for (int p = 0; p < CT_N_VIEW_PLANES; p++)
    ct_slice_view_set_reference (self->views[p], self->cursor);
}

static void
on_view_slice_changed (CtSliceView *view, GParamSpec *pspec, CtWindow *self)
{
  CtSliceGeometry geometry;

  if (ct_slice_view_get_geometry (view, &geometry))
    {
      int slice = ct_slice_view_get_slice (view);

      /* The voxel index along this view's normal (geometry: flip_slice
       * reads the axis backwards). */
      self->cursor[geometry.axis_slice] = geometry.flip_slice ? geometry.n_slices - 1 - slice : slice;
      ct_window_push_cursor (self);
      if (!self->placing && ct_slice_view_get_study (view) == self->watched && self->placed_volume)
        self->slices_touched = TRUE;
    }
  ct_window_update_captions (self);
}

static void
on_view_voxel_activated (CtSliceView *view, double i, double j, double k, CtWindow *self)
{
  double ijk[3] = { i, j, k };

  memcpy (self->cursor, ijk, sizeof self->cursor);
  for (int p = 0; p < CT_N_VIEW_PLANES; p++)
    if (self->views[p] != view)
      ct_slice_view_focus_voxel (self->views[p], ijk);
  ct_window_push_cursor (self);
}

static void
on_view_window_changed (CtSliceView *view, double width, double level, CtWindow *self)
{
  ct_window_apply_window (self, width, level);
  /* A manual window/level is none of the presets. */
  if (gtk_drop_down_get_selected (self->preset_dropdown) != PRESET_CUSTOM)
    gtk_drop_down_set_selected (self->preset_dropdown, PRESET_CUSTOM);
}

/* Linked zoom and pan: the other views follow the one changed. */
static void
on_view_zoom_changed (CtSliceView *view, CtWindow *self)
{
  double zoom, pan_x, pan_y;

  if (!self->link_zoom || self->syncing_zoom)
    return;
  self->syncing_zoom = TRUE;
  ct_slice_view_get_zoom_pan (view, &zoom, &pan_x, &pan_y);
  for (int p = 0; p < CT_N_VIEW_PLANES; p++)
    if (self->views[p] != view)
      ct_slice_view_set_zoom_pan (self->views[p], zoom, pan_x, pan_y);
  self->syncing_zoom = FALSE;
}

static void ct_window_toggle_maximised (CtWindow *self, CtSliceView *view);

static void
on_view_maximise_requested (CtSliceView *view, CtWindow *self)
{
  ct_window_toggle_maximised (self, view);
}

/* Places the views in the grid for the layout; a maximised view alone. */
static void
ct_window_arrange_views (CtWindow *self)
{
  static const struct
  {
    int column, row, width, height;
  } cells[N_VIEW_LAYOUTS][CT_N_VIEW_PLANES] = {
    [VIEW_LAYOUT_1X2] = { { 0, 0, 1, 1 }, { 1, 0, 1, 1 }, { -1, 0, 0, 0 } },
    [VIEW_LAYOUT_1X3] = { { 0, 0, 1, 1 }, { 1, 0, 1, 1 }, { 2, 0, 1, 1 } },
    [VIEW_LAYOUT_2X2] = { { 0, 0, 1, 2 }, { 1, 0, 1, 1 }, { 1, 1, 1, 1 } },
  };
  GtkGrid *grid = GTK_GRID (self->views_grid);

  for (int p = 0; p < CT_N_VIEW_PLANES; p++)
    if (gtk_widget_get_parent (self->view_frames[p]) != NULL)
      gtk_grid_remove (grid, self->view_frames[p]);
  for (int p = 0; p < CT_N_VIEW_PLANES; p++)
    {
      if (self->maximised >= 0)
        {
          if (p == self->maximised)
            gtk_grid_attach (grid, self->view_frames[p], 0, 0, 1, 1);
          continue;
        }
      if (cells[self->view_layout][p].column >= 0)
        gtk_grid_attach (grid, self->view_frames[p], cells[self->view_layout][p].column,
                         cells[self->view_layout][p].row, cells[self->view_layout][p].width,
                         cells[self->view_layout][p].height);
    }
}

static void
ct_window_toggle_maximised (CtWindow *self, CtSliceView *view)
{
  int plane = ct_slice_view_get_plane (view);

  ct_window_set_maximised_view (self, self->maximised == plane ? -1 : plane);
  gtk_widget_grab_focus (GTK_WIDGET (view));
}

static void
on_view_hover (CtSliceView *view, gboolean inside, int i, int j, int k, double hu, CtWindow *self)
{
  g_autofree char *text = NULL;

  if (!inside)
    text = g_strdup_printf (_ ("W %.0f  L %.0f"), self->window_width, self->window_level);
  else
    /* Counted from 1, as the slice counter in the captions. */
    text = g_strdup_printf (_ ("Voxel (%d, %d, %d)   %.0f HU   W %.0f  L %.0f"), i + 1, j + 1, k + 1, hu,
                            self->window_width, self->window_level);
  gtk_label_set_text (self->pointer_label, text);
}

/* Opens the watched study at the slices the PDF report shows (the most
 * lesion, else the most lung): once its volume is there, and once more
 * when its analysis arrives, unless the user moved a slice meanwhile. */
static void
ct_window_place_key_slices (CtWindow *self)
{
  CtStudy *item = self->watched;
  CtVolume *volume = item != NULL ? ct_study_get_volume (item) : NULL;
  const CtAnalysis *analysis = item != NULL ? ct_study_get_analysis (item) : NULL;
  int axial, coronal;

  if (volume == NULL || ct_slice_view_get_n_slices (self->views[CT_VIEW_AXIAL]) == 0)
    return;
  if (self->placed_volume && (self->placed_analysis || analysis == NULL || self->slices_touched))
    return;
  ct_report_pick_key_slices (volume, analysis, &axial, &coronal);
  self->placing = TRUE;
  ct_slice_view_set_slice (self->views[CT_VIEW_AXIAL], axial);
  ct_slice_view_set_slice (self->views[CT_VIEW_CORONAL], coronal);
  self->placing = FALSE;
  self->placed_volume = TRUE;
  self->placed_analysis = analysis != NULL;
}

static void
on_watched_notify (CtStudy *item, GParamSpec *pspec, CtWindow *self)
{
  ct_window_place_key_slices (self);
}

static void
ct_window_watch (CtWindow *self, CtStudy *item)
{
  if (self->watched != NULL)
    g_clear_signal_handler (&self->watched_handler, self->watched);
  g_set_object (&self->watched, item);
  self->placed_volume = self->placed_analysis = self->slices_touched = FALSE;
  if (item != NULL)
    {
      /* Connected after the views' own handlers: they have the volume by
       * the time this runs. */
      self->watched_handler = g_signal_connect (item, "notify", G_CALLBACK (on_watched_notify), self);
      ct_window_place_key_slices (self);
    }
}

static void
on_selected_study_changed (CtStudyList *list, GParamSpec *pspec, CtWindow *self)
{
  CtStudy *item = ct_study_list_get_selected (list);

  if (item != NULL)
    {
      ct_study_library_mark_viewed (self->library, item);
      /* Look at any study at once, not only after its turn came. */
      ct_job_queue_preview (self->queue, item);
    }

  for (int p = 0; p < CT_N_VIEW_PLANES; p++)
    ct_slice_view_set_study (self->views[p], item);
  ct_window_watch (self, item);
  ct_results_panel_set_study (self->results_panel, item);
  ct_window_update_captions (self);
}

/* "4 of 6 analysed, about 30 s left": the studies finished and left of
 * this batch (since the queue was last idle), the time left from the mean
 * time per finished study. Hidden when nothing runs. */
static void
ct_window_update_progress (CtWindow *self)
{
  GListModel *studies = G_LIST_MODEL (self->library);
  guint n = g_list_model_get_n_items (studies), n_finished = 0;
  g_autofree char *text = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (CtStudy) item = g_list_model_get_item (studies, i);

      n_finished += ct_study_is_finished (item);
    }
  if (n == 0 || n_finished == n)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->progress_label), FALSE);
      self->batch_start_us = 0;
      self->batch_finished = 0;
      return;
    }
  if (self->batch_start_us == 0)
    self->batch_start_us = g_get_monotonic_time ();
  if (self->batch_finished > 0)
    {
      double per_study_s = (g_get_monotonic_time () - self->batch_start_us) / 1e6 / self->batch_finished;
      double left_s = per_study_s * (n - n_finished);

      text = left_s < 90 ? g_strdup_printf (_ ("%u of %u analysed, about %.0f s left"), n_finished, n, left_s)
                         : g_strdup_printf (_ ("%u of %u analysed, about %.0f min left"), n_finished, n, left_s / 60);
    }
  else
    text = g_strdup_printf (_ ("%u of %u analysed"), n_finished, n);
  gtk_label_set_text (self->progress_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_label), TRUE);
}

static void
on_study_finished (CtJobQueue *queue, CtStudy *item, CtWindow *self)
{
  ct_study_list_resort (self->study_list);
  ct_study_library_trim_volumes (self->library);
  if (self->batch_start_us != 0)
    self->batch_finished++;
  ct_window_update_progress (self);
  /* A study selected before its volume arrived shows it now. */
  ct_window_update_captions (self);
}

static void
on_study_status (CtStudy *item, GParamSpec *pspec, CtWindow *self)
{
  if (item == ct_study_list_get_selected (self->study_list))
    ct_window_update_captions (self);
  ct_window_update_progress (self);
}

static void
on_cancel_requested (CtStudyList *list, CtStudy *item, CtWindow *self)
{
  ct_job_queue_cancel (self->queue, item);
}

static void
on_rerun_requested (CtStudyList *list, CtStudy *item, CtWindow *self)
{
  ct_job_queue_add (self->queue, item);
}

/* Enter or a double click on a row: the study is shown (it is selected
 * already) and the keys go to its views. */
static void
on_study_activated (CtStudyList *list, CtStudy *item, CtWindow *self)
{
  ct_study_list_select (list, item);
  gtk_widget_grab_focus (GTK_WIDGET (self->views[self->maximised >= 0 ? self->maximised : CT_VIEW_AXIAL]));
}

static void
on_studies_changed (GListModel *studies, guint position, guint removed, guint added, CtWindow *self)
{
  gtk_widget_set_visible (self->empty_label, g_list_model_get_n_items (studies) == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->study_list), g_list_model_get_n_items (studies) > 0);
}

static void
ct_window_update_recent_menu (CtWindow *self)
{
  g_menu_remove_all (self->recent_submenu);
  for (guint i = 0; self->recent_folders != NULL && self->recent_folders[i] != NULL; i++)
    {
      g_autoptr (GMenuItem) menu_item = g_menu_item_new (self->recent_folders[i], NULL);

      g_menu_item_set_action_and_target (menu_item, "win.open-recent", "s", self->recent_folders[i]);
      g_menu_append_item (self->recent_submenu, menu_item);
    }
}

static gboolean ct_window_can_save (CtWindow *self, const char *key);

static void
ct_window_remember_folder (CtWindow *self, const char *path)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  guint n = 1;

  g_strv_builder_add (builder, path);
  for (guint i = 0; self->recent_folders != NULL && self->recent_folders[i] != NULL && n < MAX_RECENT_FOLDERS; i++)
    if (g_strcmp0 (self->recent_folders[i], path) != 0)
      {
        g_strv_builder_add (builder, self->recent_folders[i]);
        n++;
      }
  g_strfreev (self->recent_folders);
  self->recent_folders = g_strv_builder_end (builder);
  ct_window_update_recent_menu (self);
  if (ct_window_can_save (self, "recent-folders"))
    g_settings_set_strv (self->settings, "recent-folders", (const char *const *) self->recent_folders);
}

/* Another window remembered a folder. */
static void
on_recent_changed (GSettings *settings, const char *key, CtWindow *self)
{
  g_strfreev (self->recent_folders);
  self->recent_folders = g_settings_get_strv (settings, "recent-folders");
  ct_window_update_recent_menu (self);
}

static void
ct_window_show_error (CtWindow *self, const char *primary, const char *secondary)
{
  GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s", primary);

  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", secondary);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* One ct_window_open (): the window and the paths asked for. */
typedef struct
{
  CtWindow *window;
  GStrv paths;
} Opening;

static void
opening_free (Opening *opening)
{
  g_clear_object (&opening->window);
  g_strfreev (opening->paths);
  g_free (opening);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Opening, opening_free)

static gboolean
path_failed (GPtrArray *failed, const char *path)
{
  for (guint i = 0; failed != NULL && i < failed->len; i++)
    if (g_strcmp0 (((CtSkippedFile *) g_ptr_array_index (failed, i))->path, path) == 0)
      return TRUE;
  return FALSE;
}

/* Some of the opened paths held no usable series (others did): say which
 * and why, once, in the info bar. */
static void
ct_window_show_skipped (CtWindow *self, GPtrArray *failed)
{
  g_autoptr (GString) details = g_string_new (NULL);
  g_autofree char *summary = NULL;

  for (guint i = 0; i < failed->len; i++)
    {
      const CtSkippedFile *f = g_ptr_array_index (failed, i);

      g_string_append_printf (details, "%s%s: %s", i > 0 ? "\n" : "", f->path, f->reason);
    }
  summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of the opened paths held no CT series that can be read.",
                                          "%u of the opened paths held no CT series that can be read.", failed->len),
                             failed->len);
  gtk_label_set_text (self->skipped_label, summary);
  gtk_label_set_text (self->skipped_details, details->str);
  gtk_info_bar_set_revealed (self->skipped_bar, TRUE);
}

static void
on_skipped_bar_response (GtkInfoBar *bar, int response, CtWindow *self)
{
  gtk_info_bar_set_revealed (bar, FALSE);
}

/* Studies just appended to the library: queued for analysis, the first
 * selected when none is. */
static void
ct_window_queue_studies (CtWindow *self, GPtrArray *items)
{
  for (guint i = 0; i < items->len; i++)
    {
      CtStudy *item = g_ptr_array_index (items, i);

      g_signal_connect_object (item, "notify::status", G_CALLBACK (on_study_status), self, 0);
      ct_job_queue_add (self->queue, item);
    }
  if (items->len > 0 && ct_study_list_get_selected (self->study_list) == NULL)
    ct_study_list_select (self->study_list, g_ptr_array_index (items, 0));
}

static void
discover_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Opening) opening = user_data;
  CtWindow *self = opening->window;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) failed = NULL;
  g_autoptr (GPtrArray)
      items = ct_study_library_add_paths_finish (CT_STUDY_LIBRARY (source_object), result, &failed, &error);

  if (--self->n_discoveries == 0)
    {
      gtk_spinner_stop (self->discovery_spinner);
      gtk_widget_set_visible (GTK_WIDGET (self->discovery_spinner), FALSE);
    }

  if (items == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, CT_ERROR, CT_ERROR_CANCELLED))
        ct_window_show_error (self, _ ("No studies could be opened"), error->message);
      return;
    }
  /* Recent Folders keeps only folders that yielded studies. */
  for (guint i = 0; opening->paths[i] != NULL; i++)
    if (g_file_test (opening->paths[i], G_FILE_TEST_IS_DIR) && !path_failed (failed, opening->paths[i]))
      ct_window_remember_folder (self, opening->paths[i]);
  if (failed != NULL && failed->len > 0)
    ct_window_show_skipped (self, failed);
  ct_window_queue_studies (self, items);
}

void
ct_window_open (CtWindow *self, GFile **files, int n_files)
{
  GPtrArray *paths = g_ptr_array_new ();
  Opening *opening;

  g_return_if_fail (CT_IS_WINDOW (self));

  for (int i = 0; i < n_files; i++)
    {
      char *path = g_file_get_path (files[i]);

      if (path != NULL)
        g_ptr_array_add (paths, path);
    }
  g_ptr_array_add (paths, NULL);
  opening = g_new0 (Opening, 1);
  opening->window = g_object_ref (self);
  opening->paths = (GStrv) g_ptr_array_free (paths, FALSE);
  self->n_discoveries++;
  gtk_spinner_start (self->discovery_spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->discovery_spinner), TRUE);
  gtk_info_bar_set_revealed (self->skipped_bar, FALSE);
  ct_study_library_add_paths_async (self->library, (const char *const *) opening->paths, self->discovery_cancellable,
                                    discover_done, opening);
}

static void
on_file_chooser_response (GtkNativeDialog *chooser, int response, CtWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (folder != NULL)
        ct_window_open (self, &folder, 1);
    }
  g_object_unref (chooser);
}

static void
action_open (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtWindow *self = user_data;
  /* GtkFileDialog needs GTK 4.10; Debian 12 has 4.8. */
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_ ("Open a Folder of Studies"), GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _ ("_Open"),
                                                               _ ("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
action_open_recent (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtWindow *self = user_data;
  g_autoptr (GFile) folder = g_file_new_for_path (g_variant_get_string (parameter, NULL));

  ct_window_open (self, &folder, 1);
}

static void
action_window_preset (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ct_window_apply_preset (CT_WINDOW (user_data), g_variant_get_int32 (parameter) - 1);
}

static void
action_opacity (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtWindow *self = user_data;
  double step = g_str_equal (g_action_get_name (G_ACTION (action)), "opacity-up") ? OPACITY_STEP : -OPACITY_STEP;

  gtk_adjustment_set_value (self->opacity_adjustment, gtk_adjustment_get_value (self->opacity_adjustment) + step);
}

static void
action_cancel_selected (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtWindow *self = user_data;
  CtStudy *item = ct_study_list_get_selected (self->study_list);

  if (item != NULL)
    ct_job_queue_cancel (self->queue, item);
}

static void
action_toggle_sort (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtWindow *self = user_data;

  /* Triage score -> probability -> severity -> triage score. */
  static const CtStudySortKey next[] = {
    [CT_STUDY_SORT_TRIAGE] = CT_STUDY_SORT_PROBABILITY,
    [CT_STUDY_SORT_PROBABILITY] = CT_STUDY_SORT_SEVERITY,
    [CT_STUDY_SORT_SEVERITY] = CT_STUDY_SORT_TRIAGE,
  };
  CtStudySortKey key = ct_study_list_get_sort_key (self->study_list);
  CtStudySortKey to = next[(guint) key < G_N_ELEMENTS (next) ? key : 0];

  g_action_group_change_action_state (G_ACTION_GROUP (self), "sort-key",
                                      g_variant_new_string (ct_study_sort_key_to_string (to)));
}

static void
action_show_sagittal (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtWindow *self = user_data;

  ct_window_set_show_sagittal (self, self->view_layout == VIEW_LAYOUT_1X2);
}

static void
action_maximise_view (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtWindow *self = user_data;
  CtSliceView *view = self->views[CT_VIEW_AXIAL];

  /* The view with the focus, else the axial one. */
  for (int p = 0; p < CT_N_VIEW_PLANES; p++)
    if (gtk_widget_has_focus (GTK_WIDGET (self->views[p])))
      view = self->views[p];
  if (self->maximised >= 0)
    view = self->views[self->maximised];
  ct_window_toggle_maximised (self, view);
}

static void
action_step_study (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtWindow *self = user_data;

  ct_study_list_select_relative (self->study_list,
                                 g_str_equal (g_action_get_name (G_ACTION (action)), "next-study") ? 1 : -1);
}

static void
action_reanalyse_selected (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtWindow *self = user_data;
  CtStudy *item = ct_study_list_get_selected (self->study_list);

  if (item != NULL)
    ct_job_queue_add (self->queue, item);
}

static void
reveal_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CtWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    ct_window_show_error (self, _ ("The folder could not be shown"), error->message);
}

/* The study's folder in the file manager (GtkFileLauncher needs GTK 4.10;
 * Debian 12 has 4.8). */
static void
action_reveal_selected (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtWindow *self = user_data;
  CtStudy *item = ct_study_list_get_selected (self->study_list);
  g_autofree char *folder = NULL;
  g_autofree char *uri = NULL;

  if (item == NULL)
    return;
  folder = g_file_test (ct_study_get_path (item), G_FILE_TEST_IS_DIR) ? g_strdup (ct_study_get_path (item))
                                                                      : g_path_get_dirname (ct_study_get_path (item));
  uri = g_filename_to_uri (folder, NULL, NULL);
  if (uri != NULL)
    g_app_info_launch_default_for_uri_async (uri, NULL, NULL, reveal_done, g_object_ref (self));
}

/* The view state lives in the window; settings only remember it, where
 * they can: a settings backend that cannot write (no D-Bus session, a
 * locked-down key) costs the memory of it, never the control. */
static gboolean
ct_window_can_save (CtWindow *self, const char *key)
{
  g_autoptr (GSettingsSchema) schema = NULL;

  if (self->settings == NULL)
    return FALSE;
  /* A schema installed by an older version may lack a newer key. */
  g_object_get (self->settings, "settings-schema", &schema, NULL);
  return g_settings_schema_has_key (schema, key) && g_settings_is_writable (self->settings, key);
}

static void
action_sort_key_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CtWindow *self = user_data;
  CtStudySortKey key;

  if (!ct_study_sort_key_from_string (g_variant_get_string (value, NULL), &key))
    return;
  g_simple_action_set_state (action, value);
  ct_study_list_set_sort_key (self->study_list, key);
  if (ct_window_can_save (self, "sort-key"))
    g_settings_set_enum (self->settings, "sort-key", key);
}

static void
action_layout_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CtWindow *self = user_data;
  const char *name = g_variant_get_string (value, NULL);

  for (int l = 0; l < N_VIEW_LAYOUTS; l++)
    if (g_str_equal (name, view_layout_names[l]))
      {
        g_simple_action_set_state (action, value);
        self->view_layout = l;
        self->maximised = -1;
        ct_window_arrange_views (self);
        if (ct_window_can_save (self, "view-layout"))
          g_settings_set_string (self->settings, "view-layout", name);
        return;
      }
}

static void
action_show_list_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CtWindow *self = user_data;

  g_simple_action_set_state (action, value);
  gtk_widget_set_visible (self->list_box, g_variant_get_boolean (value));
}

static void
action_link_zoom_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  CtWindow *self = user_data;

  g_simple_action_set_state (action, value);
  self->link_zoom = g_variant_get_boolean (value);
  if (self->link_zoom)
    on_view_zoom_changed (self->views[CT_VIEW_AXIAL], self);
}

static void
ct_window_set_show_overlays (CtWindow *self, gboolean show)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "show-overlays");

  self->show_overlays = show;
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (show));
  for (int p = 0; p < CT_N_VIEW_PLANES; p++)
    ct_slice_view_set_show_overlays (self->views[p], show);
  if (ct_window_can_save (self, "show-overlays"))
    g_settings_set_boolean (self->settings, "show-overlays", show);
}

static void
action_show_overlays_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  ct_window_set_show_overlays (CT_WINDOW (user_data), g_variant_get_boolean (value));
}

static void
on_opacity_changed (GtkAdjustment *adjustment, CtWindow *self)
{
  double opacity = gtk_adjustment_get_value (adjustment);

  for (int p = 0; p < CT_N_VIEW_PLANES; p++)
    ct_slice_view_set_lesion_opacity (self->views[p], opacity);
  if (ct_window_can_save (self, "lesion-opacity"))
    g_settings_set_double (self->settings, "lesion-opacity", opacity);
}

static void
on_preset_selected (GtkDropDown *dropdown, GParamSpec *pspec, CtWindow *self)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  /* "Custom" names the window a right drag set; it has no values. */
  if (selected != GTK_INVALID_LIST_POSITION && selected != PRESET_CUSTOM)
    ct_window_apply_preset (self, selected);
}

/* Keys that act on every view, wherever the focus is (the views handle the
 * slice keys themselves). */
static gboolean
on_window_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state,
                       CtWindow *self)
{
  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_1:
    case GDK_KEY_2:
    case GDK_KEY_3:
      ct_window_apply_preset (self, keyval - GDK_KEY_1);
      return TRUE;
    case GDK_KEY_s:
      ct_window_set_show_overlays (self, !self->show_overlays);
      return TRUE;
    case GDK_KEY_a:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.opacity-down", NULL);
      return TRUE;
    case GDK_KEY_d:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.opacity-up", NULL);
      return TRUE;
    case GDK_KEY_m:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.maximise-view", NULL);
      return TRUE;
    case GDK_KEY_Escape:
      if (self->maximised < 0)
        return FALSE;
      ct_window_set_maximised_view (self, -1);
      return TRUE;
    default:
      return FALSE;
    }
}

/* Keys that work before the focused widget sees them (capture phase): the
 * study steps, also while a view (which uses the bare arrows and Page
 * keys for slices) has the focus, and F9. */
static gboolean
on_window_key_captured (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state,
                        CtWindow *self)
{
  gboolean control = (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) == GDK_CONTROL_MASK;

  switch (keyval)
    {
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
    case GDK_KEY_Page_Down:
    case GDK_KEY_KP_Page_Down:
      if (!control)
        return FALSE;
      gtk_widget_activate_action (GTK_WIDGET (self), "win.next-study", NULL);
      return TRUE;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
    case GDK_KEY_Page_Up:
    case GDK_KEY_KP_Page_Up:
      if (!control)
        return FALSE;
      gtk_widget_activate_action (GTK_WIDGET (self), "win.previous-study", NULL);
      return TRUE;
    case GDK_KEY_F9:
      if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK))
        return FALSE;
      g_action_group_change_action_state (G_ACTION_GROUP (self), "show-list",
                                          g_variant_new_boolean (!gtk_widget_get_visible (self->list_box)));
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, CtWindow *self)
{
  GSList *list;
  g_autoptr (GPtrArray) files = g_ptr_array_new ();

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  list = g_value_get_boxed (value);
  for (GSList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (files, l->data);
  if (files->len == 0)
    return FALSE;
  ct_window_open (self, (GFile **) files->pdata, files->len);
  return TRUE;
}

/* A saved size larger than the screen would put the results panel off it:
 * the window fits its monitor (and never goes below 800 x 600). */
static void
ct_window_realize (GtkWidget *widget)
{
  GtkWindow *window = GTK_WINDOW (widget);
  int width, height;
  GdkMonitor *monitor;

  GTK_WIDGET_CLASS (ct_window_parent_class)->realize (widget);
  gtk_window_get_default_size (window, &width, &height);
  monitor = gdk_display_get_monitor_at_surface (gtk_widget_get_display (widget),
                                                gtk_native_get_surface (GTK_NATIVE (widget)));
  if (monitor != NULL)
    {
      GdkRectangle area;

      gdk_monitor_get_geometry (monitor, &area);
      width = MIN (width, area.width);
      height = MIN (height, area.height);
    }
  gtk_window_set_default_size (window, MAX (width, MIN_WINDOW_WIDTH), MAX (height, MIN_WINDOW_HEIGHT));
}

static gboolean
ct_window_close_request (GtkWindow *window)
{
  CtWindow *self = CT_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  if (width > 0 && height > 0 && !gtk_window_is_maximized (window) && ct_window_can_save (self, "window-width") &&
      ct_window_can_save (self, "window-height"))
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  /* The application keeps running (held by the queue) until the cancelled
   * job has returned. */
  g_cancellable_cancel (self->discovery_cancellable);
  ct_job_queue_cancel_all (self->queue);
  return GTK_WINDOW_CLASS (ct_window_parent_class)->close_request (window);
}

static void
ct_window_dispose (GObject *object)
{
  CtWindow *self = CT_WINDOW (object);

  if (self->discovery_cancellable != NULL)
    g_cancellable_cancel (self->discovery_cancellable);
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  if (self->arrivals != NULL)
    g_signal_handlers_disconnect_by_data (self->arrivals, self);
  g_clear_object (&self->arrivals);
  ct_window_watch (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CT_TYPE_WINDOW);

  G_OBJECT_CLASS (ct_window_parent_class)->dispose (object);
}

static void
ct_window_finalize (GObject *object)
{
  CtWindow *self = CT_WINDOW (object);

  g_clear_object (&self->queue);
  for (int p = 0; p < CT_N_VIEW_PLANES; p++)
    g_clear_object (&self->view_frames[p]);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->recent_folders, g_strfreev);
  g_clear_object (&self->library);
  g_clear_object (&self->discovery_cancellable);

  G_OBJECT_CLASS (ct_window_parent_class)->finalize (object);
}

static void
ct_window_class_init (CtWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ct_window_dispose;
  object_class->finalize = ct_window_finalize;
  window_class->close_request = ct_window_close_request;
  widget_class->realize = ct_window_realize;

  g_type_ensure (CT_TYPE_RESULTS_PANEL);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/cttriage/CtTriage/ct-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CtWindow, list_box);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, empty_label);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, discovery_spinner);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, views_grid);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, outer_paned);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, inner_paned);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, pointer_label);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, arrival_label);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, results_panel);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, opacity_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, preset_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, recent_submenu);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, skipped_bar);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, skipped_label);
  gtk_widget_class_bind_template_child (widget_class, CtWindow, skipped_details);
  gtk_widget_class_bind_template_callback (widget_class, on_skipped_bar_response);
}

static const GActionEntry window_actions[] = {
  { "open", action_open, NULL, NULL, NULL, { 0 } },
  { "open-recent", action_open_recent, "s", NULL, NULL, { 0 } },
  { "window-preset", action_window_preset, "i", NULL, NULL, { 0 } },
  { "opacity-up", action_opacity, NULL, NULL, NULL, { 0 } },
  { "opacity-down", action_opacity, NULL, NULL, NULL, { 0 } },
  { "cancel-selected", action_cancel_selected, NULL, NULL, NULL, { 0 } },
  { "toggle-sort", action_toggle_sort, NULL, NULL, NULL, { 0 } },
  { "show-sagittal", action_show_sagittal, NULL, NULL, NULL, { 0 } },
  { "maximise-view", action_maximise_view, NULL, NULL, NULL, { 0 } },
  { "next-study", action_step_study, NULL, NULL, NULL, { 0 } },
  { "previous-study", action_step_study, NULL, NULL, NULL, { 0 } },
  { "reanalyse-selected", action_reanalyse_selected, NULL, NULL, NULL, { 0 } },
  { "reveal-selected", action_reveal_selected, NULL, NULL, NULL, { 0 } },
  /* Stateful: the state is the window's; settings remember it. */
  { "sort-key", NULL, "s", "'triage'", action_sort_key_change_state, { 0 } },
  { "show-overlays", NULL, NULL, "true", action_show_overlays_change_state, { 0 } },
  { "layout", NULL, "s", "'1x2'", action_layout_change_state, { 0 } },
  { "show-list", NULL, NULL, "true", action_show_list_change_state, { 0 } },
  { "link-zoom", NULL, NULL, "false", action_link_zoom_change_state, { 0 } },
};

static void
ct_window_init (CtWindow *self)
{
  GtkEventController *controller;
  GtkDropTarget *drop_target;

  gtk_widget_init_template (GTK_WIDGET (self));
  /* Set here, not in the template: GTK 4.8's GtkPaned resets them when
   * the builder adds its children. No pane shrinks below its minimum; the
   * views take what the window gains or loses. */
  gtk_paned_set_shrink_start_child (GTK_PANED (self->outer_paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (self->outer_paned), FALSE);
  gtk_paned_set_resize_start_child (GTK_PANED (self->outer_paned), FALSE);
  gtk_paned_set_resize_end_child (GTK_PANED (self->outer_paned), TRUE);
  gtk_paned_set_shrink_start_child (GTK_PANED (self->inner_paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (self->inner_paned), FALSE);
  gtk_paned_set_resize_start_child (GTK_PANED (self->inner_paned), TRUE);
  gtk_paned_set_resize_end_child (GTK_PANED (self->inner_paned), FALSE);

  self->library = ct_study_library_new ();
  self->discovery_cancellable = g_cancellable_new ();

  self->study_list = CT_STUDY_LIST (ct_study_list_new (G_LIST_MODEL (self->library)));
  gtk_widget_set_vexpand (GTK_WIDGET (self->study_list), TRUE);
  gtk_box_append (GTK_BOX (self->list_box), GTK_WIDGET (self->study_list));
  g_signal_connect (self->study_list, "notify::selected-item", G_CALLBACK (on_selected_study_changed), self);
  g_signal_connect (self->study_list, "cancel-requested", G_CALLBACK (on_cancel_requested), self);
  g_signal_connect (self->study_list, "rerun-requested", G_CALLBACK (on_rerun_requested), self);
  g_signal_connect (self->study_list, "study-activated", G_CALLBACK (on_study_activated), self);
  g_signal_connect (self->library, "items-changed", G_CALLBACK (on_studies_changed), self);
  on_studies_changed (G_LIST_MODEL (self->library), 0, 0, 0, self);

  for (int p = 0; p < CT_N_VIEW_PLANES; p++)
    {
      GtkWidget *frame = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      GtkWidget *caption = gtk_label_new (NULL);

      gtk_label_set_xalign (GTK_LABEL (caption), 0);
      gtk_label_set_ellipsize (GTK_LABEL (caption), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (caption, "view-caption");
      self->views[p] = CT_SLICE_VIEW (ct_slice_view_new (p));
      self->view_captions[p] = GTK_LABEL (caption);
      /* Held: the layouts take frames out of the grid and put them back. */
      self->view_frames[p] = g_object_ref_sink (frame);
      gtk_box_append (GTK_BOX (frame), caption);
      gtk_box_append (GTK_BOX (frame), GTK_WIDGET (self->views[p]));
      g_signal_connect (self->views[p], "notify::slice", G_CALLBACK (on_view_slice_changed), self);
      g_signal_connect (self->views[p], "voxel-activated", G_CALLBACK (on_view_voxel_activated), self);
      g_signal_connect (self->views[p], "window-changed", G_CALLBACK (on_view_window_changed), self);
      g_signal_connect (self->views[p], "hover", G_CALLBACK (on_view_hover), self);
      g_signal_connect (self->views[p], "zoom-changed", G_CALLBACK (on_view_zoom_changed), self);
      g_signal_connect (self->views[p], "maximise-requested", G_CALLBACK (on_view_maximise_requested), self);
    }
  self->maximised = -1;
  ct_window_arrange_views (self);
  ct_window_update_captions (self);

  g_action_map_add_action_entries (G_ACTION_MAP (self), window_actions, G_N_ELEMENTS (window_actions), self);
  /* Export: actions and their logic in ct-export-controller.c. */
  ct_export_controller_install (GTK_APPLICATION_WINDOW (self), self->study_list, G_LIST_MODEL (self->library));
  g_signal_connect (self->opacity_adjustment, "value-changed", G_CALLBACK (on_opacity_changed), self);
  g_signal_connect (self->preset_dropdown, "notify::selected", G_CALLBACK (on_preset_selected), self);

  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_window_key_captured), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_window_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop_target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));
}

/* The remembered view state, read once: from here on the window's own. */
static void
ct_window_load_settings (CtWindow *self)
{
  g_autofree char *sort_key = NULL;

  g_autoptr (GSettingsSchema) schema = NULL;
  int width = MAX (g_settings_get_int (self->settings, "window-width"), MIN_WINDOW_WIDTH);
  int height = MAX (g_settings_get_int (self->settings, "window-height"), MIN_WINDOW_HEIGHT);

  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  /* The list a third of the width; the rest to the views, the results
   * panel at its width (the panes never go below their minimum). */
  gtk_paned_set_position (GTK_PANED (self->outer_paned), width * 36 / 100);
  gtk_paned_set_position (GTK_PANED (self->inner_paned), width * 64 / 100 - 300);
  g_object_get (self->settings, "settings-schema", &schema, NULL);
  if (g_settings_schema_has_key (schema, "view-layout"))
    {
      g_autofree char *layout = g_settings_get_string (self->settings, "view-layout");

      g_action_group_change_action_state (G_ACTION_GROUP (self), "layout", g_variant_new_string (layout));
    }
  sort_key = g_settings_get_string (self->settings, "sort-key");
  g_action_group_change_action_state (G_ACTION_GROUP (self), "sort-key", g_variant_new_string (sort_key));
  ct_window_set_show_overlays (self, g_settings_get_boolean (self->settings, "show-overlays"));
  gtk_adjustment_set_value (self->opacity_adjustment, g_settings_get_double (self->settings, "lesion-opacity"));
  on_opacity_changed (self->opacity_adjustment, self);
  self->recent_folders = g_settings_get_strv (self->settings, "recent-folders");
  ct_window_update_recent_menu (self);
  g_signal_connect (self->settings, "changed::recent-folders", G_CALLBACK (on_recent_changed), self);
  ct_window_apply_preset (self, 0);
}

CtWindow *
ct_window_new (GtkApplication *application, CtJobQueue *queue, GSettings *settings)
{
  CtWindow *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (CT_IS_JOB_QUEUE (queue), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (CT_TYPE_WINDOW, "application", application, NULL);
  self->settings = g_object_ref (settings);
  ct_window_load_settings (self);
  self->queue = g_object_ref (queue);
  g_signal_connect (queue, "study-finished", G_CALLBACK (on_study_finished), self);
  return self;
}

CtStudyList *
ct_window_get_study_list (CtWindow *self)
{
  g_return_val_if_fail (CT_IS_WINDOW (self), NULL);
  return self->study_list;
}

CtSliceView *
ct_window_get_view (CtWindow *self, CtViewPlane plane)
{
  g_return_val_if_fail (CT_IS_WINDOW (self), NULL);
  g_return_val_if_fail (plane < CT_N_VIEW_PLANES, NULL);
  return self->views[plane];
}

GListModel *
ct_window_get_studies (CtWindow *self)
{
  g_return_val_if_fail (CT_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->library);
}

void
ct_window_set_show_sagittal (CtWindow *self, gboolean show)
{
  g_return_if_fail (CT_IS_WINDOW (self));

  if (show == (self->view_layout != VIEW_LAYOUT_1X2))
    return;
  g_action_group_change_action_state (
      G_ACTION_GROUP (self), "layout",
      g_variant_new_string (view_layout_names[show ? VIEW_LAYOUT_1X3 : VIEW_LAYOUT_1X2]));
}

void
ct_window_set_maximised_view (CtWindow *self, int plane)
{
  g_return_if_fail (CT_IS_WINDOW (self));
  g_return_if_fail (plane >= -1 && plane < CT_N_VIEW_PLANES);

  self->maximised = plane;
  ct_window_arrange_views (self);
}

int
ct_window_get_maximised_view (CtWindow *self)
{
  g_return_val_if_fail (CT_IS_WINDOW (self), -1);
  return self->maximised;
}

GtkWidget *
ct_window_get_results_panel (CtWindow *self)
{
  g_return_val_if_fail (CT_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->results_panel);
}

GtkWidget *
ct_window_get_list_pane (CtWindow *self)
{
  g_return_val_if_fail (CT_IS_WINDOW (self), NULL);
  return self->list_box;
}

const char *
ct_window_get_preset_name (CtWindow *self)
{
  GtkStringObject *item;

  g_return_val_if_fail (CT_IS_WINDOW (self), NULL);
  item = gtk_drop_down_get_selected_item (self->preset_dropdown);
  return item != NULL ? gtk_string_object_get_string (item) : NULL;
}

/* Studies that arrive by themselves (ct-arrival-service.h): each one joins
 * the list as an opened study does; the status bar says what the receiver
 * does. */
static void
on_study_arrived (CtArrivalService *arrivals, CtStudy *item, CtWindow *self)
{
  g_autoptr (GPtrArray) one = g_ptr_array_new ();

  g_ptr_array_add (one, item);
  ct_study_library_append (self->library, item);
  ct_window_queue_studies (self, one);
}

static void
on_arrivals_state (CtArrivalService *arrivals, GParamSpec *pspec, CtWindow *self)
{
  CtArrivalState state = ct_arrival_service_get_state (arrivals);

  gtk_label_set_text (self->arrival_label, ct_arrival_service_get_description (arrivals));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->arrival_label), ct_arrival_service_get_description (arrivals));
  gtk_widget_set_visible (GTK_WIDGET (self->arrival_label), state != CT_ARRIVAL_STATE_OFF);
  if (state == CT_ARRIVAL_STATE_FAILED)
    gtk_widget_add_css_class (GTK_WIDGET (self->arrival_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->arrival_label), "error");
}

void
ct_window_set_arrival_service (CtWindow *self, CtArrivalService *arrivals)
{
  g_return_if_fail (CT_IS_WINDOW (self));
  g_return_if_fail (CT_IS_ARRIVAL_SERVICE (arrivals));
  g_return_if_fail (self->arrivals == NULL);

  self->arrivals = g_object_ref (arrivals);
  g_signal_connect (arrivals, "study-arrived", G_CALLBACK (on_study_arrived), self);
  g_signal_connect (arrivals, "notify::description", G_CALLBACK (on_arrivals_state), self);
  on_arrivals_state (arrivals, NULL, self);
}

const char *
ct_window_get_arrival_status (CtWindow *self)
{
  g_return_val_if_fail (CT_IS_WINDOW (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->arrival_label)) ? gtk_label_get_text (self->arrival_label) : NULL;
}
