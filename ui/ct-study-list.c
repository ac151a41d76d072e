/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "ct-study-list.h"

typedef enum
{
  COLUMN_PATIENT,
  COLUMN_DATE,
  COLUMN_DESCRIPTION,
  COLUMN_SLICES,
  COLUMN_STATUS,
  COLUMN_PROBABILITY,
  COLUMN_SEVERITY,
  COLUMN_CANCEL,
  N_COLUMNS
} Column;

struct _CtStudyList
{
  GtkWidget parent_instance;

  GtkWidget *scrolled;
  GtkWidget *column_view;
  GtkSortListModel *sorted;
  GtkCustomSorter *sorter;
  GtkSingleSelection *selection;
  CtStudySortKey sort_key;
  GtkColumnViewColumn *columns[N_COLUMNS];
  GtkWidget *context_menu; /* GtkPopoverMenu, a child of the list */
  guint columns_idle;
  int columns_for_width; /* the width the columns' visibility was set for */
};

G_DEFINE_FINAL_TYPE (CtStudyList, ct_study_list, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_SORT_KEY,
  PROP_SELECTED_ITEM,
  N_PROPS
};

enum
{
  CANCEL_REQUESTED,
  RERUN_REQUESTED,
  STUDY_ACTIVATED,
  N_SIGNALS
};

/* Narrowed, the list hides its columns from the least important on, so
 * that patient, probability and category stay in sight: a column is shown
 * from this list width on (logical px). */
static const int column_min_list_width[N_COLUMNS] = {
  [COLUMN_PATIENT] = 0,  [COLUMN_PROBABILITY] = 0, [COLUMN_SEVERITY] = 0, [COLUMN_CANCEL] = 340,
  [COLUMN_STATUS] = 440, [COLUMN_SLICES] = 500,    [COLUMN_DATE] = 590,   [COLUMN_DESCRIPTION] = G_MAXINT,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static int
compare_items (gconstpointer a, gconstpointer b, gpointer user_data)
{
  CtStudyList *self = user_data;

  return ct_study_compare_priority ((CtStudy *) a, (CtStudy *) b, self->sort_key);
}

static const char *
status_text (CtStudy *item)
{
  switch (ct_study_get_status (item))
    {
    case CT_STUDY_STATUS_QUEUED:
      return _ ("Waiting");
    case CT_STUDY_STATUS_LOADING:
      return _ ("Loading");
    case CT_STUDY_STATUS_ANALYSING:
      return _ ("Analysing");
    case CT_STUDY_STATUS_DONE:
      return ct_study_get_cached (item) ? _ ("Done (cached)") : _ ("Done");
    case CT_STUDY_STATUS_FAILED:
      return _ ("Failed");
    case CT_STUDY_STATUS_CANCELLED:
      return _ ("Cancelled");
    default:
      return "";
    }
}

/* The tooltips of cells that change while a study runs (path, status and
 * stage, the stop / run-again button) are computed when GTK asks for them,
 * never set from the progress updates. With GTK 4.8, a tooltip text
 * replaced while its tooltip is shown was read after being freed (a CI run
 * of the GUI tests failed on the "Failed to set text from markup" warning
 * with garbage text, with the pointer over a row that was being analysed),
 * and every gtk_widget_set_tooltip_text () runs a tooltip query as if the
 * pointer had moved, whose gtk_tooltip_start_delay () removed a timeout
 * source that no longer existed ("Source ID N was not found", caught under
 * gdb in test-gui with the button's tooltip set from refresh_cell ()). */
static const char *
cancel_button_text (CtStudy *item)
{
  CtStudyStatus status = ct_study_get_status (item);

  if (status == CT_STUDY_STATUS_FAILED || status == CT_STUDY_STATUS_CANCELLED)
    return _ ("Analyse this study again");
  return _ ("Cancel the analysis of this study");
}

static gboolean
on_query_tooltip (GtkWidget *cell, int x, int y, gboolean keyboard_mode, GtkTooltip *tooltip, gpointer user_data)
{
  CtStudy *item = g_object_get_data (G_OBJECT (cell), "item");
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (cell), "column"));
  g_autofree char *text = NULL;

  if (item == NULL)
    return FALSE;
  if (column == COLUMN_CANCEL)
    {
      text = g_strdup (cancel_button_text (item));
    }
  else if (column == COLUMN_STATUS)
    {
      const char *error = ct_study_get_error (item);
      CtStudyStatus status = ct_study_get_status (item);
      gboolean running = status == CT_STUDY_STATUS_LOADING || status == CT_STUDY_STATUS_ANALYSING;

      if (error != NULL && (status == CT_STUDY_STATUS_FAILED || status == CT_STUDY_STATUS_CANCELLED))
        text = g_strdup_printf (_ ("%s\nRight click or the button at the end of the row runs it again"), error);
      else if (status == CT_STUDY_STATUS_DONE && ct_study_get_cached (item))
        text = g_strdup_printf (_ ("Results from the cache (looked up in %.0f ms), not analysed again"),
                                ct_study_get_cache_ms (item));
      else if (running && ct_study_get_stage (item) != NULL)
        text = g_strdup_printf ("%s (%s)", status_text (item), ct_study_get_stage (item));
      else
        text = g_strdup (status_text (item));
    }
  else
    {
      text = g_strdup (ct_study_get_path (item));
    }
  if (text == NULL || *text == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* Fills one cell from its item. */
static void
refresh_cell (GtkWidget *cell, CtStudy *item)
{
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (cell), "column"));
  g_autofree char *text = NULL;

  switch (column)
    {
    case COLUMN_PATIENT:
      {
        GtkWidget *patient = gtk_widget_get_first_child (cell);
        GtkWidget *series = gtk_widget_get_next_sibling (patient);
        const char *description = ct_study_get_description (item);
        g_autofree char *basename = g_path_get_basename (ct_study_get_path (item));

        gtk_label_set_text (GTK_LABEL (patient),
                            ct_study_get_patient (item) != NULL ? ct_study_get_patient (item) : _ ("anonymised"));
        gtk_label_set_text (GTK_LABEL (series), description != NULL ? description : basename);
      }
      break;
    case COLUMN_DATE:
      gtk_label_set_text (GTK_LABEL (cell), ct_study_get_date (item) != NULL ? ct_study_get_date (item) : "");
      break;
    case COLUMN_DESCRIPTION:
      {
        const char *description = ct_study_get_description (item);
        g_autofree char *basename = g_path_get_basename (ct_study_get_path (item));

        gtk_label_set_text (GTK_LABEL (cell), description != NULL ? description : basename);
      }
      break;
    case COLUMN_SLICES:
      text = ct_study_get_slices (item) > 0 ? g_strdup_printf ("%d", ct_study_get_slices (item)) : g_strdup ("");
      gtk_label_set_text (GTK_LABEL (cell), text);
      break;
    case COLUMN_STATUS:
      {
        GtkWidget *label = gtk_widget_get_first_child (cell);
        GtkWidget *bar = gtk_widget_get_next_sibling (label);
        CtStudyStatus status = ct_study_get_status (item);
        const char *error = ct_study_get_error (item);
        gboolean running = status == CT_STUDY_STATUS_LOADING || status == CT_STUDY_STATUS_ANALYSING;

        if (status == CT_STUDY_STATUS_FAILED && error != NULL)
          text = g_strdup_printf ("%s: %s", _ ("Failed"), error);
        else if (status == CT_STUDY_STATUS_ANALYSING)
          text = g_strdup_printf ("%s %.0f %%", status_text (item), 100.0 * ct_study_get_progress (item));
        else
          text = g_strdup (status_text (item));
        gtk_label_set_text (GTK_LABEL (label), text);
        if (status == CT_STUDY_STATUS_FAILED)
          gtk_widget_add_css_class (label, "study-error");
        else
          gtk_widget_remove_css_class (label, "study-error");
        if (status == CT_STUDY_STATUS_DONE && ct_study_get_cached (item))
          gtk_widget_add_css_class (label, "study-cached");
        else
          gtk_widget_remove_css_class (label, "study-cached");
        gtk_widget_set_visible (bar, running);
        gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (bar), ct_study_get_progress (item));
      }
      break;
    case COLUMN_PROBABILITY:
      {
        double probability = ct_study_get_probability (item);

        if (!isnan (probability))
          text = g_strdup_printf ("%.0f %%", probability * 100.0);
        else if (ct_study_get_analysis (item) != NULL && !ct_study_get_assessable (item))
          text = g_strdup ("—");
        else if (ct_study_get_status (item) == CT_STUDY_STATUS_DONE)
          text = g_strdup (C_ ("probability", "n/a"));
        else
          text = g_strdup ("");
        gtk_label_set_text (GTK_LABEL (cell), text);
      }
      break;
    case COLUMN_SEVERITY:
      {
        GtkWidget *label = gtk_widget_get_first_child (cell);
        GtkWidget *badge = gtk_widget_get_next_sibling (label);
        double severity = ct_study_get_severity (item);
        const char *category = ct_study_get_category (item);
        gboolean not_assessable = ct_study_get_analysis (item) != NULL && !ct_study_get_assessable (item);
        static const char *const badge_classes[] = { "ct-0", "ct-1", "ct-2", "ct-3", "ct-4", "not-assessable" };

        text = !isnan (severity) ? g_strdup_printf ("%.1f %%", severity) : g_strdup ("");
        gtk_label_set_text (GTK_LABEL (label), text);
        /* No number to show: the badge takes the whole cell. */
        gtk_widget_set_visible (label, !not_assessable);
        for (guint i = 0; i < G_N_ELEMENTS (badge_classes); i++)
          gtk_widget_remove_css_class (badge, badge_classes[i]);
        gtk_widget_set_visible (badge, category != NULL || not_assessable);
        if (category != NULL)
          {
            g_autofree char *css_class = g_ascii_strdown (category, -1);

            gtk_label_set_text (GTK_LABEL (badge), _ (category));
            gtk_widget_add_css_class (badge, css_class);
          }
        else if (not_assessable)
          {
            /* Grey, no grade: what the networks would say has no grounds.
             * Two lines: the row is two lines high, the column narrow. */
            gtk_label_set_text (GTK_LABEL (badge), _ ("not assessable"));
            gtk_widget_add_css_class (badge, "not-assessable");
          }
      }
      break;
    case COLUMN_CANCEL:
      {
        CtStudyStatus status = ct_study_get_status (item);
        gboolean rerun = status == CT_STUDY_STATUS_FAILED || status == CT_STUDY_STATUS_CANCELLED;

        /* Stop while it runs; run again once it failed or was cancelled. */
        gtk_button_set_icon_name (GTK_BUTTON (cell), rerun ? "view-refresh-symbolic" : "process-stop-symbolic");
        /* What the tooltip says (on_query_tooltip), for screen readers. */
        gtk_accessible_update_property (GTK_ACCESSIBLE (cell), GTK_ACCESSIBLE_PROPERTY_LABEL, cancel_button_text (item),
                                        -1);
        gtk_widget_set_sensitive (cell, rerun || !ct_study_is_finished (item));
      }
      break;
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
}

static void
on_item_notify (CtStudy *item, GParamSpec *pspec, GtkWidget *cell)
{
  refresh_cell (cell, item);
}

static void
on_cancel_clicked (GtkButton *button, CtStudyList *self)
{
  CtStudy *item = g_object_get_data (G_OBJECT (button), "item");

  if (item == NULL)
    return;
  if (ct_study_get_status (item) == CT_STUDY_STATUS_FAILED || ct_study_get_status (item) == CT_STUDY_STATUS_CANCELLED)
    g_signal_emit (self, signals[RERUN_REQUESTED], 0, item);
  else
    g_signal_emit (self, signals[CANCEL_REQUESTED], 0, item);
}

/* Right click on a row: its study is selected, then the menu of what can
 * be done with it (the window's actions; an action the window lacks, such
 * as an export not built in, leaves its entry insensitive). */
static void
on_cell_right_click (GtkGestureClick *gesture, int n_press, double x, double y, CtStudyList *self)
{
  GtkWidget *cell = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  CtStudy *item = g_object_get_data (G_OBJECT (cell), "item");
  graphene_point_t point;

  if (item == NULL)
    return;
  ct_study_list_select (self, item);
  if (!gtk_widget_compute_point (cell, GTK_WIDGET (self), &GRAPHENE_POINT_INIT (x, y), &point))
    return;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu), &(GdkRectangle){ (int) point.x, (int) point.y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
setup_cell (GtkSignalListItemFactory *factory, GtkListItem *list_item, CtStudyList *self)
{
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "column"));
  GtkWidget *cell;

  switch (column)
    {
    case COLUMN_STATUS:
      cell = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      {
        GtkWidget *label = gtk_label_new (NULL);
        GtkWidget *bar = gtk_progress_bar_new ();

        /* The whole text, on two lines if need be ("Analysing 27 %"). */
        gtk_label_set_xalign (GTK_LABEL (label), 0);
        gtk_label_set_wrap (GTK_LABEL (label), TRUE);
        gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
        gtk_label_set_lines (GTK_LABEL (label), 2);
        gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
        gtk_box_append (GTK_BOX (cell), label);
        gtk_box_append (GTK_BOX (cell), bar);
      }
      break;
    case COLUMN_PATIENT:
      cell = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      {
        GtkWidget *patient = gtk_label_new (NULL);
        GtkWidget *series = gtk_label_new (NULL);

        gtk_label_set_xalign (GTK_LABEL (patient), 0);
        gtk_label_set_ellipsize (GTK_LABEL (patient), PANGO_ELLIPSIZE_END);
        gtk_label_set_xalign (GTK_LABEL (series), 0);
        gtk_label_set_ellipsize (GTK_LABEL (series), PANGO_ELLIPSIZE_MIDDLE);
        gtk_widget_add_css_class (series, "dim-label");
        gtk_widget_add_css_class (series, "caption");
        gtk_box_append (GTK_BOX (cell), patient);
        gtk_box_append (GTK_BOX (cell), series);
      }
      break;
    case COLUMN_SEVERITY:
      cell = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      {
        GtkWidget *label = gtk_label_new (NULL);
        GtkWidget *badge = gtk_label_new (NULL);

        gtk_label_set_xalign (GTK_LABEL (label), 1);
        gtk_label_set_width_chars (GTK_LABEL (label), 7);
        gtk_widget_add_css_class (badge, "category-badge");

        gtk_box_append (GTK_BOX (cell), label);
        gtk_box_append (GTK_BOX (cell), badge);
      }
      break;
    case COLUMN_CANCEL:
      cell = gtk_button_new_from_icon_name ("process-stop-symbolic");
      gtk_widget_add_css_class (cell, "flat");
      g_signal_connect (cell, "clicked", G_CALLBACK (on_cancel_clicked), self);
      break;
    case COLUMN_SLICES:
    case COLUMN_PROBABILITY:
      cell = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (cell), 1);
      break;
    case COLUMN_DATE:
    case COLUMN_DESCRIPTION:
    case N_COLUMNS:
    default:
      cell = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (cell), 0);
      gtk_label_set_ellipsize (GTK_LABEL (cell), PANGO_ELLIPSIZE_END);
      break;
    }
  g_object_set_data (G_OBJECT (cell), "column", GINT_TO_POINTER (column));
  {
    GtkGesture *right_click = gtk_gesture_click_new ();

    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (right_click), GDK_BUTTON_SECONDARY);
    g_signal_connect (right_click, "pressed", G_CALLBACK (on_cell_right_click), self);
    gtk_widget_add_controller (cell, GTK_EVENT_CONTROLLER (right_click));
  }
  if (column == COLUMN_STATUS || column == COLUMN_PATIENT || column == COLUMN_DESCRIPTION || column == COLUMN_CANCEL)
    {
      gtk_widget_set_has_tooltip (cell, TRUE);
      g_signal_connect (cell, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);
    }
  gtk_list_item_set_child (list_item, cell);
}

static void
bind_cell (GtkSignalListItemFactory *factory, GtkListItem *list_item, CtStudyList *self)
{
  GtkWidget *cell = gtk_list_item_get_child (list_item);
  CtStudy *item = gtk_list_item_get_item (list_item);
  gulong handler;

  g_object_set_data (G_OBJECT (cell), "item", item);
  handler = g_signal_connect_object (item, "notify", G_CALLBACK (on_item_notify), cell, 0);
  g_object_set_data (G_OBJECT (cell), "handler", GSIZE_TO_POINTER (handler));
  refresh_cell (cell, item);
}

static void
unbind_cell (GtkSignalListItemFactory *factory, GtkListItem *list_item, CtStudyList *self)
{
  GtkWidget *cell = gtk_list_item_get_child (list_item);
  CtStudy *item = gtk_list_item_get_item (list_item);
  gulong handler = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (cell), "handler"));

  if (item != NULL && handler != 0)
    g_signal_handler_disconnect (item, handler);
  g_object_set_data (G_OBJECT (cell), "handler", NULL);
  g_object_set_data (G_OBJECT (cell), "item", NULL);
}

static void
add_column (CtStudyList *self, Column column, const char *title, gboolean expand, int fixed_width)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *view_column;

  g_object_set_data (G_OBJECT (factory), "column", GINT_TO_POINTER (column));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), self);
  view_column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (view_column, expand);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (view_column, fixed_width);
  gtk_column_view_column_set_resizable (view_column, TRUE);
  gtk_column_view_append_column (GTK_COLUMN_VIEW (self->column_view), view_column);
  self->columns[column] = view_column;
  g_object_unref (view_column);
}

static gboolean
update_columns_idle (gpointer user_data)
{
  CtStudyList *self = user_data;

  self->columns_idle = 0;
  for (int c = 0; c < N_COLUMNS; c++)
    if (self->columns[c] != NULL)
      gtk_column_view_column_set_visible (self->columns[c], self->columns_for_width >= column_min_list_width[c]);
  return G_SOURCE_REMOVE;
}

static void
ct_study_list_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                       int *minimum_baseline, int *natural_baseline)
{
  CtStudyList *self = CT_STUDY_LIST (widget);

  gtk_widget_measure (self->scrolled, orientation, for_size, minimum, natural, NULL, NULL);
}

static void
ct_study_list_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  CtStudyList *self = CT_STUDY_LIST (widget);

  /* Columns change after this allocation, never inside it. */
  if (width != self->columns_for_width)
    {
      self->columns_for_width = width;
      if (self->columns_idle == 0)
        self->columns_idle = g_idle_add (update_columns_idle, self);
    }
  gtk_widget_allocate (self->scrolled, width, height, baseline, NULL);
  if (self->context_menu != NULL)
    gtk_popover_present (GTK_POPOVER (self->context_menu));
}

static void
on_activate (GtkColumnView *column_view, guint position, CtStudyList *self)
{
  g_autoptr (CtStudy) item = g_list_model_get_item (G_LIST_MODEL (self->sorted), position);

  if (item != NULL)
    g_signal_emit (self, signals[STUDY_ACTIVATED], 0, item);
}

static void
on_selection_changed (GObject *selection, GParamSpec *pspec, CtStudyList *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_ITEM]);
}

static void
ct_study_list_dispose (GObject *object)
{
  CtStudyList *self = CT_STUDY_LIST (object);

  g_clear_handle_id (&self->columns_idle, g_source_remove);
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  g_clear_pointer (&self->scrolled, gtk_widget_unparent);
  g_clear_object (&self->selection);

  G_OBJECT_CLASS (ct_study_list_parent_class)->dispose (object);
}

static void
ct_study_list_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CtStudyList *self = CT_STUDY_LIST (object);

  switch (prop_id)
    {
    case PROP_SORT_KEY:
      g_value_set_enum (value, self->sort_key);
      break;
    case PROP_SELECTED_ITEM:
      g_value_set_object (value, ct_study_list_get_selected (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ct_study_list_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CtStudyList *self = CT_STUDY_LIST (object);

  switch (prop_id)
    {
    case PROP_SORT_KEY:
      ct_study_list_set_sort_key (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ct_study_list_class_init (CtStudyListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ct_study_list_dispose;
  object_class->get_property = ct_study_list_get_property;
  object_class->set_property = ct_study_list_set_property;

  properties[PROP_SORT_KEY] = g_param_spec_enum ("sort-key", NULL, NULL, CT_TYPE_STUDY_SORT_KEY, CT_STUDY_SORT_TRIAGE,
                                                 G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SELECTED_ITEM] = g_param_spec_object (
      "selected-item", NULL, NULL, CT_TYPE_STUDY, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CANCEL_REQUESTED] = g_signal_new ("cancel-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                            NULL, NULL, G_TYPE_NONE, 1, CT_TYPE_STUDY);
  /* The row's button on a failed or cancelled study. */
  signals[RERUN_REQUESTED] = g_signal_new ("rerun-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                           NULL, NULL, G_TYPE_NONE, 1, CT_TYPE_STUDY);
  /* Enter or a double click on a row. */
  signals[STUDY_ACTIVATED] = g_signal_new ("study-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                           NULL, NULL, G_TYPE_NONE, 1, CT_TYPE_STUDY);

  widget_class->measure = ct_study_list_measure;
  widget_class->size_allocate = ct_study_list_size_allocate;
  gtk_widget_class_set_css_name (widget_class, "ctstudylist");
}

static void
ct_study_list_init (CtStudyList *self)
{
  self->scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scrolled), GTK_POLICY_AUTOMATIC, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_parent (self->scrolled, GTK_WIDGET (self));
  self->columns_for_width = -1;
  {
    g_autoptr (GMenu) menu = g_menu_new ();

    g_menu_append (menu, _ ("_Analyse Again"), "win.reanalyse-selected");
    g_menu_append (menu, _ ("_Show in Files"), "win.reveal-selected");
    g_menu_append (menu, _ ("_Export…"), "win.export-report");
    self->context_menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
    gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
    gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
    gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));
  }
}

GtkWidget *
ct_study_list_new (GListModel *studies)
{
  CtStudyList *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (studies), NULL);

  self = g_object_new (CT_TYPE_STUDY_LIST, NULL);
  self->sorter = gtk_custom_sorter_new (compare_items, self, NULL);
  self->sorted = gtk_sort_list_model_new (g_object_ref (studies), GTK_SORTER (self->sorter));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->sorted));
  gtk_single_selection_set_autoselect (self->selection, TRUE);
  g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (on_selection_changed), self);

  self->column_view = gtk_column_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)));
  gtk_column_view_set_show_column_separators (GTK_COLUMN_VIEW (self->column_view), FALSE);
  g_signal_connect (self->column_view, "activate", G_CALLBACK (on_activate), self);
  gtk_widget_add_css_class (self->column_view, "data-table");
  /* Fixed widths but the first, so that the CT badge and the stop button
   * stay in sight in a 560 px wide list; the patient column gives way. */
  add_column (self, COLUMN_PATIENT, _ ("Patient / series"), TRUE, -1);
  add_column (self, COLUMN_DATE, _ ("Date"), FALSE, 92);
  add_column (self, COLUMN_SLICES, _ ("Slices"), FALSE, 52);
  add_column (self, COLUMN_STATUS, _ ("Status"), FALSE, 104);
  add_column (self, COLUMN_PROBABILITY, _ ("COVID-19"), FALSE, 76);
  add_column (self, COLUMN_SEVERITY, _ ("Severity"), FALSE, 122);
  add_column (self, COLUMN_CANCEL, "", FALSE, -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scrolled), self->column_view);
  return GTK_WIDGET (self);
}

GListModel *
ct_study_list_get_sorted_model (CtStudyList *self)
{
  g_return_val_if_fail (CT_IS_STUDY_LIST (self), NULL);
  return G_LIST_MODEL (self->sorted);
}

void
ct_study_list_set_sort_key (CtStudyList *self, CtStudySortKey key)
{
  g_return_if_fail (CT_IS_STUDY_LIST (self));

  if (self->sort_key == key)
    return;
  self->sort_key = key;
  ct_study_list_resort (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT_KEY]);
}

CtStudySortKey
ct_study_list_get_sort_key (CtStudyList *self)
{
  g_return_val_if_fail (CT_IS_STUDY_LIST (self), CT_STUDY_SORT_TRIAGE);
  return self->sort_key;
}

void
ct_study_list_resort (CtStudyList *self)
{
  g_return_if_fail (CT_IS_STUDY_LIST (self));

  /* GtkSingleSelection finds its selected item again among the re-sorted
   * ones, so the selection follows the study to its new row. */
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
}

CtStudy *
ct_study_list_get_selected (CtStudyList *self)
{
  g_return_val_if_fail (CT_IS_STUDY_LIST (self), NULL);
  return self->selection != NULL ? gtk_single_selection_get_selected_item (self->selection) : NULL;
}

void
ct_study_list_select (CtStudyList *self, CtStudy *item)
{
  guint n;

  g_return_if_fail (CT_IS_STUDY_LIST (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->sorted));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (CtStudy) candidate = g_list_model_get_item (G_LIST_MODEL (self->sorted), i);

      if (candidate == item)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return;
        }
    }
}

void
ct_study_list_select_relative (CtStudyList *self, int delta)
{
  guint n, position;

  g_return_if_fail (CT_IS_STUDY_LIST (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->sorted));
  position = gtk_single_selection_get_selected (self->selection);
  if (n == 0)
    return;
  if (position == GTK_INVALID_LIST_POSITION)
    position = 0;
  else
    position = (guint) CLAMP ((gint64) position + delta, 0, (gint64) n - 1);
  gtk_single_selection_set_selected (self->selection, position);
}

GMenuModel *
ct_study_list_get_context_menu (CtStudyList *self)
{
  g_return_val_if_fail (CT_IS_STUDY_LIST (self), NULL);
  return gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (self->context_menu));
}

gboolean
ct_study_list_get_column_visible (CtStudyList *self, const char *title)
{
  g_return_val_if_fail (CT_IS_STUDY_LIST (self), FALSE);

  for (int c = 0; c < N_COLUMNS; c++)
    if (self->columns[c] != NULL && g_strcmp0 (gtk_column_view_column_get_title (self->columns[c]), title) == 0)
      return gtk_column_view_column_get_visible (self->columns[c]);
  return FALSE;
}
