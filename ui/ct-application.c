/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ct-application.h"
#include "ct-preferences-window.h"
#include "ct-teaching-window.h"
#include "ct-window.h"

struct _CtApplication
{
  GtkApplication parent_instance;

  CtJobQueue *queue;
  GSettings *settings;
  CtArrivalService *arrivals; /* studies that arrive by themselves */
  GtkWidget *preferences;     /* weak: the one preferences window */
  char *model_dir;
  char *cache_dir;
  gboolean held;
};

G_DEFINE_FINAL_TYPE (CtApplication, ct_application, GTK_TYPE_APPLICATION)

static void
on_queue_busy (CtJobQueue *queue, GParamSpec *pspec, CtApplication *self)
{
  gboolean busy = ct_job_queue_get_busy (queue);

  if (busy && !self->held)
    g_application_hold (G_APPLICATION (self));
  else if (!busy && self->held)
    g_application_release (G_APPLICATION (self));
  self->held = busy;
}

static CtWindow *
ct_application_get_window (CtApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  /* A teaching window may be the active one: the work-list window then. */
  if (window != NULL && !CT_IS_WINDOW (window))
    {
      window = NULL;
      for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL && window == NULL; l = l->next)
        window = CT_IS_WINDOW (l->data) ? l->data : NULL;
    }
  if (window == NULL)
    {
      window = GTK_WINDOW (ct_window_new (GTK_APPLICATION (self), self->queue, self->settings));
      ct_window_set_arrival_service (CT_WINDOW (window), self->arrivals);
    }
  return CT_WINDOW (window);
}

static void
ct_application_activate (GApplication *application)
{
  gtk_window_present (GTK_WINDOW (ct_application_get_window (CT_APPLICATION (application))));
}

static void
ct_application_open (GApplication *application, GFile **files, int n_files, const char *hint)
{
  CtWindow *window = ct_application_get_window (CT_APPLICATION (application));

  ct_window_open (window, files, n_files);
  gtk_window_present (GTK_WINDOW (window));
}

static void
action_about (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtApplication *self = user_data;
  static const char *authors[] = { "The ct-triage developers", NULL };
  GtkWidget *dialog = gtk_about_dialog_new ();

  gtk_about_dialog_set_program_name (GTK_ABOUT_DIALOG (dialog), _ ("CT Triage"));
  gtk_about_dialog_set_logo_icon_name (GTK_ABOUT_DIALOG (dialog), APPLICATION_ID);
  gtk_about_dialog_set_version (GTK_ABOUT_DIALOG (dialog), PACKAGE_VERSION);
  gtk_about_dialog_set_comments (
      GTK_ABOUT_DIALOG (dialog),
      _ ("Triage of chest CT studies for COVID-19: probability and severity from a multitask "
         "network, studies sorted by priority.\n\nNot a certified medical device; not for "
         "clinical use."));
  gtk_about_dialog_set_license_type (GTK_ABOUT_DIALOG (dialog), GTK_LICENSE_MIT_X11);
  gtk_about_dialog_set_authors (GTK_ABOUT_DIALOG (dialog), authors);
  gtk_about_dialog_set_translator_credits (GTK_ABOUT_DIALOG (dialog), _ ("translator-credits"));
  gtk_about_dialog_add_credit_section (
      GTK_ABOUT_DIALOG (dialog), _ ("Method"),
      (const char *[]){ "Goncharov M., Pisov M., Shevtsov A., Shirokikh B., Kurmukov A., Blokhin I., Chernina V., "
                        "Solovev A., Gombolevskiy V., Morozov S., Belyaev M.: CT-based COVID-19 triage: deep "
                        "multitask learning improves joint identification and severity quantification. Medical "
                        "Image Analysis 72 (2021) 102054 https://arxiv.org/abs/2006.01441",
                        NULL });
  gtk_about_dialog_add_credit_section (
      GTK_ABOUT_DIALOG (dialog), _ ("Data"),
      (const char *[]){
          _ ("Shipped model: trained on synthetic phantoms and a few real slices (see the model card)"),
          "TCIA COVID-19-NY-SBU, Saltz J. et al., Stony Brook University, The Cancer Imaging Archive (CC BY 4.0)",
          "MedSeg COVID-19 CT segmentation (non-commercial use)", "TotalSegmentator test files (Apache-2.0)",
          "lungmask test slices (Apache-2.0)", NULL });
  gtk_window_set_transient_for (GTK_WINDOW (dialog), gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
action_quit (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtApplication *self = user_data;
  g_autoptr (GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));

  /* Closing each window cancels its studies; the hold of a running job ends
   * the process once the job has returned. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
}

/* Teaching mode: a quiz window of its own (ui/ct-teaching-window.h). */
static void
action_teaching (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtApplication *self = user_data;

  ct_teaching_window_choose_session (GTK_APPLICATION (self), self->queue,
                                     gtk_application_get_active_window (GTK_APPLICATION (self)));
}

/* The teacher's side: a session of the active window's work list. */
static void
action_teaching_prepare (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtWindow *window = ct_application_get_window (CT_APPLICATION (user_data));

  ct_teaching_window_prepare_session (GTK_WINDOW (window), ct_window_get_studies (window));
}

static void
action_preferences (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CtApplication *self = user_data;

  if (self->preferences == NULL)
    {
      self->preferences = GTK_WIDGET (
          ct_preferences_window_new (GTK_WINDOW (ct_application_get_window (self)), self->settings, self->arrivals));
      g_object_add_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
      gtk_window_set_application (GTK_WINDOW (self->preferences), GTK_APPLICATION (self));
    }
  gtk_window_present (GTK_WINDOW (self->preferences));
}

static const GActionEntry app_actions[] = {
  { "preferences", action_preferences, NULL, NULL, NULL, { 0 } },
  { "teaching", action_teaching, NULL, NULL, NULL, { 0 } },
  { "teaching-prepare", action_teaching_prepare, NULL, NULL, NULL, { 0 } },
  { "about", action_about, NULL, NULL, NULL, { 0 } },
  { "quit", action_quit, NULL, NULL, NULL, { 0 } },
};

static void
ct_application_startup (GApplication *application)
{
  CtApplication *self = CT_APPLICATION (application);
  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();
  static const struct
  {
    const char *action;
    const char *accels[2];
  } accels[] = {
    { "win.open", { "<Primary>o", NULL } },
    { "app.quit", { "<Primary>q", NULL } },
    { "app.preferences", { "<Primary>comma", NULL } },
    { "win.cancel-selected", { "<Primary>period", NULL } },
    { "win.toggle-sort", { "<Primary>t", NULL } },
    { "win.show-sagittal", { "<Primary>3", NULL } },
    { "app.teaching", { "<Primary><Shift>e", NULL } },
    { "app.teaching-prepare", { "<Primary><Shift>s", NULL } },
  };

  G_APPLICATION_CLASS (ct_application_parent_class)->startup (application);

  gtk_css_provider_load_from_resource (css, "/org/cttriage/CtTriage/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/org/cttriage/CtTriage/icons");

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action, accels[i].accels);

  {
    g_autoptr (CtAnalyzer) analyzer = ct_analyzer_new (self->model_dir);

    ct_analyzer_set_cache (analyzer, TRUE, self->cache_dir);
    self->queue = ct_job_queue_new (analyzer);
  }
  g_signal_connect (self->queue, "notify::busy", G_CALLBACK (on_queue_busy), self);
  self->arrivals = ct_arrival_service_new ();
  ct_arrival_service_follow_settings (self->arrivals, self->settings);
}

static void
ct_application_shutdown (GApplication *application)
{
  CtApplication *self = CT_APPLICATION (application);

  if (self->queue != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->queue, self);
      ct_job_queue_cancel_all (self->queue);
    }
  if (self->arrivals != NULL)
    ct_arrival_service_shutdown (self->arrivals);
  G_APPLICATION_CLASS (ct_application_parent_class)->shutdown (application);
}

static void
ct_application_finalize (GObject *object)
{
  CtApplication *self = CT_APPLICATION (object);

  g_clear_object (&self->queue);
  g_clear_object (&self->arrivals);
  g_clear_object (&self->settings);
  g_free (self->model_dir);
  g_free (self->cache_dir);

  G_OBJECT_CLASS (ct_application_parent_class)->finalize (object);
}

static void
ct_application_class_init (CtApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = ct_application_finalize;
  application_class->startup = ct_application_startup;
  application_class->shutdown = ct_application_shutdown;
  application_class->activate = ct_application_activate;
  application_class->open = ct_application_open;
}

static void
ct_application_init (CtApplication *self)
{
}

CtApplication *
ct_application_new (const char *model_dir, const char *cache_dir, GSettings *settings)
{
  CtApplication *self = g_object_new (CT_TYPE_APPLICATION, "application-id", APPLICATION_ID, "flags",
                                      G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE, "resource-base-path",
                                      "/org/cttriage/CtTriage", NULL);

  self->model_dir = g_strdup (model_dir);
  self->cache_dir = g_strdup (cache_dir);
  self->settings = g_object_ref (settings);
  return self;
}

GSettings *
ct_application_get_settings (CtApplication *self)
{
  g_return_val_if_fail (CT_IS_APPLICATION (self), NULL);
  return self->settings;
}

CtJobQueue *
ct_application_get_queue (CtApplication *self)
{
  g_return_val_if_fail (CT_IS_APPLICATION (self), NULL);
  return self->queue;
}

CtArrivalService *
ct_application_get_arrival_service (CtApplication *self)
{
  g_return_val_if_fail (CT_IS_APPLICATION (self), NULL);
  return self->arrivals;
}
