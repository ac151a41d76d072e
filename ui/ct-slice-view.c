/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "ct-slice-renderer.h"
#include "ct-slice-view.h"

/* A left press that moves less than this (widget pixels) is a click. */
#define CLICK_SLOP 4.0
#define ZOOM_MIN 0.5
#define ZOOM_MAX 16.0

struct _CtSliceView
{
  GtkWidget parent_instance;

  CtViewPlane plane;
  CtStudy *item;
  gulong item_status_handler;
  CtVolume *shown_volume; /* borrowed from item, only compared */
  const CtAnalysis *shown_analysis;
  CtSliceRenderer *renderer; /* NULL until a volume is loaded */

  double window_width, window_level;
  gboolean show_overlays;
  double lesion_opacity;
  gboolean has_crosshair;
  double crosshair[3];
  /* Where the other views are: the reference lines, drawn as the crosshair
   * (a click moves both; scrolling another view moves the reference). */
  gboolean has_reference;
  double reference[3];

  double zoom;                 /* 1 = fit */
  double pan_x, pan_y;         /* widget pixels */
  double pointer_x, pointer_y; /* last pointer position, widget pixels */
  gboolean has_pointer;
  CtSliceLayout layout; /* of the last snapshot */

  /* Left drag (pan) and right drag (window/level) state. */
  double drag_start_pan_x, drag_start_pan_y;
  double drag_start_width, drag_start_level;
  gboolean drag_moved;
};

G_DEFINE_FINAL_TYPE (CtSliceView, ct_slice_view, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_PLANE,
  PROP_SLICE,
  N_PROPS
};

enum
{
  VOXEL_ACTIVATED,
  WINDOW_CHANGED,
  HOVER,
  ZOOM_CHANGED,
  MAXIMISE_REQUESTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
ct_slice_view_sync_renderer (CtSliceView *self)
{
  CtVolume *volume = self->item != NULL ? ct_study_get_volume (self->item) : NULL;
  const CtAnalysis *analysis = self->item != NULL ? ct_study_get_analysis (self->item) : NULL;
  gboolean changed = FALSE;

  if (volume != self->shown_volume)
    {
      g_clear_pointer (&self->renderer, ct_slice_renderer_free);
      self->shown_volume = volume;
      self->shown_analysis = NULL;
      self->has_crosshair = FALSE;
      self->has_reference = FALSE;
      if (volume != NULL)
        {
          self->renderer = ct_slice_renderer_new (volume, self->plane);
          ct_slice_renderer_set_window (self->renderer, self->window_width, self->window_level);
          ct_slice_renderer_set_show_overlays (self->renderer, self->show_overlays);
          ct_slice_renderer_set_lesion_opacity (self->renderer, self->lesion_opacity);
        }
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SLICE]);
      changed = TRUE;
    }
  if (self->renderer != NULL && analysis != self->shown_analysis)
    {
      /* The renderer holds a reference to the analysis it draws: the study
       * may replace or drop its own at any time. */
      if (!ct_slice_renderer_set_analysis (self->renderer, analysis))
        g_warning ("Masks of %s do not match its volume", ct_study_get_path (self->item));
      self->shown_analysis = analysis;
      changed = TRUE;
    }
  if (changed)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_item_changed (CtStudy *item, GParamSpec *pspec, CtSliceView *self)
{
  ct_slice_view_sync_renderer (self);
}

static void
ct_slice_view_update_layout (CtSliceView *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->renderer != NULL)
    ct_slice_layout_fit (&self->layout, ct_slice_renderer_get_geometry (self->renderer), width, height, self->zoom,
                         self->pan_x, self->pan_y);
}

static void
ct_slice_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  CtSliceView *self = CT_SLICE_VIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->renderer == NULL)
    {
      cairo_set_source_rgb (cr, 0, 0, 0);
      cairo_paint (cr);
      cairo_destroy (cr);
      return;
    }

  ct_slice_view_update_layout (self);
  ct_slice_renderer_draw (self->renderer, cr, width, height, &self->layout);
  cairo_destroy (cr);
}

static void
ct_slice_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                       int *minimum_baseline, int *natural_baseline)
{
  /* Small enough for three views beside the list and the results panel
   * in an 800 px wide window. */
  *minimum = 80;
  *natural = 420;
}

static void
ct_slice_view_emit_hover (CtSliceView *self, double x, double y)
{
  int ijk[3];
  float hu;

  if (self->renderer == NULL)
    return;
  ct_slice_view_update_layout (self);
  if (ct_slice_renderer_pick (self->renderer, &self->layout, x, y, ijk, &hu))
    g_signal_emit (self, signals[HOVER], 0, TRUE, ijk[0], ijk[1], ijk[2], (double) hu);
  else
    g_signal_emit (self, signals[HOVER], 0, FALSE, 0, 0, 0, 0.0);
}

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, CtSliceView *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
  self->has_pointer = TRUE;
  ct_slice_view_emit_hover (self, x, y);
}

static void
on_leave (GtkEventControllerMotion *controller, CtSliceView *self)
{
  self->has_pointer = FALSE;
  g_signal_emit (self, signals[HOVER], 0, FALSE, 0, 0, 0, 0.0);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, CtSliceView *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if (state & GDK_CONTROL_MASK)
    {
      if (self->has_pointer)
        ct_slice_view_zoom_at (self, self->zoom * pow (1.15, -dy), self->pointer_x, self->pointer_y);
      else
        ct_slice_view_zoom_at (self, self->zoom * pow (1.15, -dy), gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
                               gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
      g_signal_emit (self, signals[ZOOM_CHANGED], 0);
      return TRUE;
    }
  /* Smooth scrolling delivers fractions: step once per sign. */
  if (dy != 0)
    ct_slice_view_step (self, dy > 0 ? 1 : -1);
  return TRUE;
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state,
                CtSliceView *self)
{
  /* Ctrl+arrows and the like are the window's (next study). */
  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
    case GDK_KEY_Left:
      ct_slice_view_step (self, -1);
      return TRUE;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
    case GDK_KEY_Right:
      ct_slice_view_step (self, 1);
      return TRUE;
    case GDK_KEY_Page_Up:
      ct_slice_view_step (self, -10);
      return TRUE;
    case GDK_KEY_Page_Down:
      ct_slice_view_step (self, 10);
      return TRUE;
    case GDK_KEY_Home:
      ct_slice_view_set_slice (self, 0);
      return TRUE;
    case GDK_KEY_End:
      ct_slice_view_set_slice (self, G_MAXINT);
      return TRUE;
    case GDK_KEY_r:
      ct_slice_view_reset_zoom (self);
      g_signal_emit (self, signals[ZOOM_CHANGED], 0);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
on_pan_begin (GtkGestureDrag *gesture, double x, double y, CtSliceView *self)
{
  self->drag_start_pan_x = self->pan_x;
  self->drag_start_pan_y = self->pan_y;
  self->drag_moved = FALSE;
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
on_pan_update (GtkGestureDrag *gesture, double dx, double dy, CtSliceView *self)
{
  if (!self->drag_moved && hypot (dx, dy) < CLICK_SLOP)
    return;
  self->drag_moved = TRUE;
  self->pan_x = self->drag_start_pan_x + dx;
  self->pan_y = self->drag_start_pan_y + dy;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[ZOOM_CHANGED], 0);
}

static void
on_double_click (GtkGestureClick *gesture, int n_press, double x, double y, CtSliceView *self)
{
  if (n_press == 2)
    g_signal_emit (self, signals[MAXIMISE_REQUESTED], 0);
}

static void
on_pan_end (GtkGestureDrag *gesture, double dx, double dy, CtSliceView *self)
{
  double x, y;
  int ijk[3];

  if (self->drag_moved || self->renderer == NULL)
    return;
  /* A click: link the other views to this voxel. */
  gtk_gesture_drag_get_start_point (gesture, &x, &y);
  ct_slice_view_update_layout (self);
  if (ct_slice_renderer_pick (self->renderer, &self->layout, x, y, ijk, NULL))
    {
      double voxel[3] = { ijk[0], ijk[1], ijk[2] };

      ct_slice_view_focus_voxel (self, voxel);
      g_signal_emit (self, signals[VOXEL_ACTIVATED], 0, voxel[0], voxel[1], voxel[2]);
    }
}

static void
on_window_drag_begin (GtkGestureDrag *gesture, double x, double y, CtSliceView *self)
{
  self->drag_start_width = self->window_width;
  self->drag_start_level = self->window_level;
}

static void
on_window_drag_update (GtkGestureDrag *gesture, double dx, double dy, CtSliceView *self)
{
  /* 4 HU per pixel: a drag across a view spans a usual window. Right widens,
   * down raises the level (the picture gets darker), as in most viewers. */
  double width = MAX (1.0, self->drag_start_width + 4.0 * dx);
  double level = self->drag_start_level + 4.0 * dy;

  ct_slice_view_set_window (self, width, level);
  g_signal_emit (self, signals[WINDOW_CHANGED], 0, width, level);
}

static void
ct_slice_view_dispose (GObject *object)
{
  CtSliceView *self = CT_SLICE_VIEW (object);

  ct_slice_view_set_study (self, NULL);
  g_clear_pointer (&self->renderer, ct_slice_renderer_free);

  G_OBJECT_CLASS (ct_slice_view_parent_class)->dispose (object);
}

static void
ct_slice_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CtSliceView *self = CT_SLICE_VIEW (object);

  switch (prop_id)
    {
    case PROP_PLANE:
      g_value_set_int (value, self->plane);
      break;
    case PROP_SLICE:
      g_value_set_int (value, ct_slice_view_get_slice (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ct_slice_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CtSliceView *self = CT_SLICE_VIEW (object);

  switch (prop_id)
    {
    case PROP_PLANE:
      self->plane = g_value_get_int (value);
      break;
    case PROP_SLICE:
      ct_slice_view_set_slice (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ct_slice_view_class_init (CtSliceViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ct_slice_view_dispose;
  object_class->get_property = ct_slice_view_get_property;
  object_class->set_property = ct_slice_view_set_property;
  widget_class->snapshot = ct_slice_view_snapshot;
  widget_class->measure = ct_slice_view_measure;

  properties[PROP_PLANE] = g_param_spec_int ("plane", NULL, NULL, 0, CT_N_VIEW_PLANES - 1, CT_VIEW_AXIAL,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SLICE] = g_param_spec_int ("slice", NULL, NULL, 0, G_MAXINT, 0,
                                             G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (i, j, k) continuous voxel the user clicked. */
  signals[VOXEL_ACTIVATED] = g_signal_new ("voxel-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                           NULL, NULL, G_TYPE_NONE, 3, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  /* (width, level) in HU after a right drag. */
  signals[WINDOW_CHANGED] = g_signal_new ("window-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  /* (inside, i, j, k, hu) under the pointer. */
  signals[HOVER] = g_signal_new ("hover", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 5, G_TYPE_BOOLEAN, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT, G_TYPE_DOUBLE);
  /* The user zoomed or panned (Ctrl+scroll, left drag, r). */
  signals[ZOOM_CHANGED] = g_signal_new ("zoom-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                        NULL, G_TYPE_NONE, 0);
  /* A double click: show this view alone, or the layout again. */
  signals[MAXIMISE_REQUESTED] = g_signal_new ("maximise-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                              NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "ctsliceview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ct_slice_view_init (CtSliceView *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;

  self->zoom = 1.0;
  self->show_overlays = TRUE;
  self->lesion_opacity = 0.4;
  ct_window_preset_get (CT_WINDOW_PRESET_LUNG, &self->window_width, &self->window_level);

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self), "slice-view");

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL |
                                                GTK_EVENT_CONTROLLER_SCROLL_DISCRETE);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_pan_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_pan_update), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (on_pan_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_double_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_SECONDARY);
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_window_drag_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_window_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));
}

GtkWidget *
ct_slice_view_new (CtViewPlane plane)
{
  return g_object_new (CT_TYPE_SLICE_VIEW, "plane", plane, NULL);
}

CtViewPlane
ct_slice_view_get_plane (CtSliceView *self)
{
  g_return_val_if_fail (CT_IS_SLICE_VIEW (self), CT_VIEW_AXIAL);
  return self->plane;
}

void
ct_slice_view_set_study (CtSliceView *self, CtStudy *item)
{
  g_return_if_fail (CT_IS_SLICE_VIEW (self));
  g_return_if_fail (item == NULL || CT_IS_STUDY (item));

  if (self->item == item)
    return;
  if (self->item != NULL)
    {
      g_clear_signal_handler (&self->item_status_handler, self->item);
      if (self->renderer != NULL)
        ct_slice_renderer_set_analysis (self->renderer, NULL);
      self->shown_analysis = NULL;
      g_clear_object (&self->item);
    }
  if (item != NULL)
    {
      self->item = g_object_ref (item);
      /* A new volume or analysis always comes with a notification (status,
       * slices or results); progress ones cost a pointer comparison. */
      self->item_status_handler = g_signal_connect (item, "notify", G_CALLBACK (on_item_changed), self);
    }
  self->zoom = 1.0;
  self->pan_x = self->pan_y = 0;
  ct_slice_view_sync_renderer (self);
}

CtStudy *
ct_slice_view_get_study (CtSliceView *self)
{
  g_return_val_if_fail (CT_IS_SLICE_VIEW (self), NULL);
  return self->item;
}

void
ct_slice_view_set_window (CtSliceView *self, double width, double level)
{
  g_return_if_fail (CT_IS_SLICE_VIEW (self));

  self->window_width = width;
  self->window_level = level;
  if (self->renderer != NULL)
    ct_slice_renderer_set_window (self->renderer, width, level);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ct_slice_view_get_window (CtSliceView *self, double *out_width, double *out_level)
{
  g_return_if_fail (CT_IS_SLICE_VIEW (self));

  if (out_width != NULL)
    *out_width = self->window_width;
  if (out_level != NULL)
    *out_level = self->window_level;
}

void
ct_slice_view_set_show_overlays (CtSliceView *self, gboolean show)
{
  g_return_if_fail (CT_IS_SLICE_VIEW (self));

  self->show_overlays = !!show;
  if (self->renderer != NULL)
    ct_slice_renderer_set_show_overlays (self->renderer, show);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ct_slice_view_set_lesion_opacity (CtSliceView *self, double opacity)
{
  g_return_if_fail (CT_IS_SLICE_VIEW (self));

  self->lesion_opacity = CLAMP (opacity, 0.0, 1.0);
  if (self->renderer != NULL)
    ct_slice_renderer_set_lesion_opacity (self->renderer, self->lesion_opacity);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
ct_slice_view_get_show_overlays (CtSliceView *self)
{
  g_return_val_if_fail (CT_IS_SLICE_VIEW (self), FALSE);
  return self->show_overlays;
}

double
ct_slice_view_get_lesion_opacity (CtSliceView *self)
{
  g_return_val_if_fail (CT_IS_SLICE_VIEW (self), 0.0);
  return self->lesion_opacity;
}

void
ct_slice_view_focus_voxel (CtSliceView *self, const double ijk[3])
{
  g_return_if_fail (CT_IS_SLICE_VIEW (self));

  if (self->renderer == NULL)
    return;
  self->has_crosshair = TRUE;
  memcpy (self->crosshair, ijk, sizeof self->crosshair);
  ct_slice_renderer_focus_voxel (self->renderer, ijk);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SLICE]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ct_slice_view_set_slice (CtSliceView *self, int slice)
{
  g_return_if_fail (CT_IS_SLICE_VIEW (self));

  if (self->renderer == NULL || slice == ct_slice_renderer_get_slice (self->renderer))
    return;
  ct_slice_renderer_set_slice (self->renderer, slice);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SLICE]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
ct_slice_view_get_slice (CtSliceView *self)
{
  g_return_val_if_fail (CT_IS_SLICE_VIEW (self), 0);
  return self->renderer != NULL ? ct_slice_renderer_get_slice (self->renderer) : 0;
}

int
ct_slice_view_get_n_slices (CtSliceView *self)
{
  g_return_val_if_fail (CT_IS_SLICE_VIEW (self), 0);
  return self->renderer != NULL ? ct_slice_renderer_get_n_slices (self->renderer) : 0;
}

void
ct_slice_view_step (CtSliceView *self, int delta)
{
  int n;

  g_return_if_fail (CT_IS_SLICE_VIEW (self));

  n = ct_slice_view_get_n_slices (self);
  if (n > 0)
    ct_slice_view_set_slice (self, CLAMP (ct_slice_view_get_slice (self) + delta, 0, n - 1));
}

void
ct_slice_view_zoom_at (CtSliceView *self, double zoom, double x, double y)
{
  double centre_x, centre_y, ratio;

  g_return_if_fail (CT_IS_SLICE_VIEW (self));

  zoom = CLAMP (zoom, ZOOM_MIN, ZOOM_MAX);
  ratio = zoom / self->zoom;
  /* ct_slice_layout_fit () centres the slice and adds the pan: keeping
   * widget x fixed for the point under it gives
   * pan' = (x - W / 2) - (x - W / 2 - pan) * zoom' / zoom. */
  centre_x = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
  centre_y = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
  self->pan_x = (x - centre_x) - (x - centre_x - self->pan_x) * ratio;
  self->pan_y = (y - centre_y) - (y - centre_y - self->pan_y) * ratio;
  self->zoom = zoom;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
ct_slice_view_get_zoom (CtSliceView *self)
{
  g_return_val_if_fail (CT_IS_SLICE_VIEW (self), 1.0);
  return self->zoom;
}

gboolean
ct_slice_view_get_layout (CtSliceView *self, CtSliceLayout *out_layout)
{
  g_return_val_if_fail (CT_IS_SLICE_VIEW (self), FALSE);
  g_return_val_if_fail (out_layout != NULL, FALSE);

  if (self->renderer == NULL)
    return FALSE;
  ct_slice_view_update_layout (self);
  *out_layout = self->layout;
  return TRUE;
}

void
ct_slice_view_reset_zoom (CtSliceView *self)
{
  g_return_if_fail (CT_IS_SLICE_VIEW (self));

  self->zoom = 1.0;
  self->pan_x = self->pan_y = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ct_slice_view_set_reference (CtSliceView *self, const double ijk[3])
{
  g_return_if_fail (CT_IS_SLICE_VIEW (self));

  if (self->renderer == NULL)
    return;
  if (self->has_reference && memcmp (self->reference, ijk, sizeof self->reference) == 0)
    return;
  self->has_reference = TRUE;
  memcpy (self->reference, ijk, sizeof self->reference);
  ct_slice_renderer_set_crosshair (self->renderer, ijk);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
ct_slice_view_get_reference (CtSliceView *self, double *out_x, double *out_y)
{
  g_return_val_if_fail (CT_IS_SLICE_VIEW (self), FALSE);

  if (self->renderer == NULL || !self->has_reference)
    return FALSE;
  ct_slice_geometry_voxel_to_view (ct_slice_renderer_get_geometry (self->renderer), self->reference, out_x, out_y,
                                   NULL);
  return TRUE;
}

gboolean
ct_slice_view_get_geometry (CtSliceView *self, CtSliceGeometry *out_geometry)
{
  g_return_val_if_fail (CT_IS_SLICE_VIEW (self), FALSE);

  if (self->renderer == NULL)
    return FALSE;
  *out_geometry = *ct_slice_renderer_get_geometry (self->renderer);
  return TRUE;
}

void
ct_slice_view_get_zoom_pan (CtSliceView *self, double *out_zoom, double *out_pan_x, double *out_pan_y)
{
  g_return_if_fail (CT_IS_SLICE_VIEW (self));

  *out_zoom = self->zoom;
  *out_pan_x = self->pan_x;
  *out_pan_y = self->pan_y;
}

void
ct_slice_view_set_zoom_pan (CtSliceView *self, double zoom, double pan_x, double pan_y)
{
  g_return_if_fail (CT_IS_SLICE_VIEW (self));

  self->zoom = CLAMP (zoom, ZOOM_MIN, ZOOM_MAX);
  self->pan_x = pan_x;
  self->pan_y = pan_y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
