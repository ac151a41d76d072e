/* SPDX-License-Identifier: MIT */
/* ct-arrival-service.c: see ct-arrival-service.h. */
#include "config.h"

#include "ct-arrival-service.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "ct-arrival-watch.h"
#include "ct-dicom-receiver.h"
#include "ct-error.h"
#include "ct-study-scan.h"

/* How often the folders are polled (as ct-triage-cli serve). */
#define POLL_INTERVAL_MS 500
/* Settings changes closer together than this are applied once (typing an
 * AE title restarts the receiver once, not per key). */
#define SETTINGS_SETTLE_MS 500
/* Header readers per quiet folder: light work beside an analysis. */
#define SCAN_THREADS 2
#define MAX_AE_TITLE 16

/* A deep copy of CtArrivalOptions. */
typedef struct
{
  gboolean receive;
  char *ae_title;
  int port;
  char *allowed_aets;
  char *storage_dir;
  char *watch_dir;
  double quiet_seconds;
} Options;

static Options *
options_copy (const CtArrivalOptions *o)
{
  Options *copy = g_new0 (Options, 1);

  copy->receive = o->receive;
  copy->ae_title = g_strdup (o->ae_title);
  copy->port = o->port;
  copy->allowed_aets = g_strdup (o->allowed_aets);
  copy->storage_dir = g_strdup (o->storage_dir);
  copy->watch_dir = o->watch_dir != NULL && *o->watch_dir != '\0' ? g_strdup (o->watch_dir) : NULL;
  copy->quiet_seconds = o->quiet_seconds;
  return copy;
}

static void
options_free (Options *o)
{
  if (o == NULL)
    return;
  g_free (o->ae_title);
  g_free (o->allowed_aets);
  g_free (o->storage_dir);
  g_free (o->watch_dir);
  g_free (o);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Options, options_free)

/* What the poll workers share with the service: the watch (used by one
 * poll at a time) and the cancellable of this configuration.
 * Reference-counted: a poll in flight keeps it after a reconfiguration. */
typedef struct
{
  CtArrivalWatch *watch;
  GCancellable *cancellable;
} Session;

static void
session_clear (gpointer data)
{
  Session *s = data;

  ct_arrival_watch_free (s->watch);
  g_object_unref (s->cancellable);
}

static void
session_unref (Session *s)
{
  g_atomic_rc_box_release_full (s, session_clear);
}

struct _CtArrivalService
{
  GObject parent_instance;

  GMainContext *context; /* where signals are emitted */
  CtDicomReceiver *receiver;
  Session *session; /* NULL while off or changing */
  guint poll_source;
  gboolean polling;

  Options *applied; /* the configuration running, or NULL */
  Options *wanted;  /* the configuration asked for, or NULL (off) */
  guint wanted_serial;
  gboolean reconfiguring;

  GSettings *settings;
  guint settle_source;

  GHashTable *known; /* series identities emitted */
  guint n_repeated;
  CtArrivalState state;
  char *error;
  char *description;
};

G_DEFINE_FINAL_TYPE (CtArrivalService, ct_arrival_service, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  PROP_DESCRIPTION,
  PROP_N_REPEATED,
  N_PROPS
};

enum
{
  SIGNAL_STUDY_ARRIVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

gboolean
ct_arrival_check_ae_title (const char *ae_title, GError **error)
{
  size_t n = ae_title != NULL ? strlen (ae_title) : 0;
  gboolean only_spaces = TRUE;

  if (n == 0 || n > MAX_AE_TITLE)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, _ ("The AE title “%s” must have 1 to 16 characters"),
                   ae_title != NULL ? ae_title : "");
      return FALSE;
    }
  for (size_t i = 0; i < n; i++)
    {
      unsigned char c = (unsigned char) ae_title[i];

      if (c < 0x20 || c > 0x7e || c == '\\')
        {
          g_set_error (error, CT_ERROR, CT_ERROR_FAILED,
                       _ ("The AE title “%s” may hold only letters, digits, spaces and ASCII punctuation other "
                          "than backslash"),
                       ae_title);
          return FALSE;
        }
      only_spaces &= c == ' ';
    }
  if (only_spaces)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, _ ("An AE title cannot be only spaces"));
      return FALSE;
    }
  return TRUE;
}

gboolean
ct_arrival_check_port (int port, GError **error)
{
  if (port >= 1 && port <= 65535)
    return TRUE;
  g_set_error (error, CT_ERROR, CT_ERROR_FAILED, _ ("The port %d is not 1 to 65535"), port);
  return FALSE;
}

GStrv
ct_arrival_parse_ae_titles (const char *text, GError **error)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) parts = g_strsplit (text != NULL ? text : "", ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *title = g_strstrip (parts[i]);

      if (*title == '\0')
        continue;
      if (!ct_arrival_check_ae_title (title, error))
        return NULL;
      g_strv_builder_add (builder, title);
    }
  return g_strv_builder_end (builder);
}

static void
ct_arrival_service_set_state (CtArrivalService *self, CtArrivalState state, const char *error)
{
  g_autofree char *description = NULL;
  const Options *o = state == CT_ARRIVAL_STATE_RUNNING ? self->applied : self->wanted;

  switch (state)
    {
    case CT_ARRIVAL_STATE_OFF:
      description = g_strdup (_ ("Not receiving studies"));
      break;
    case CT_ARRIVAL_STATE_CHANGING:
      description = g_strdup (o != NULL && o->receive ? _ ("Starting the receiver…") : _ ("Stopping the receiver…"));
      break;
    case CT_ARRIVAL_STATE_RUNNING:
      if (o->receive && o->watch_dir != NULL)
        description = g_strdup_printf (_ ("Receiving as %s on port %d, watching %s"), o->ae_title, o->port,
                                       o->watch_dir);
      else if (o->receive)
        description = g_strdup_printf (_ ("Receiving as %s on port %d"), o->ae_title, o->port);
      else
        description = g_strdup_printf (_ ("Watching %s"), o->watch_dir);
      break;
    case CT_ARRIVAL_STATE_FAILED:
    default:
      description = g_strdup_printf (_ ("Not receiving: %s"), error);
      break;
    }
  g_free (self->error);
  self->error = g_strdup (error);
  self->state = state;
  g_free (self->description);
  self->description = g_steal_pointer (&description);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

/* The receiver's events, on its thread. */
static void
receiver_log (const char *message, gpointer user_data)
{
  g_debug ("receiver: %s", message);
}

/* The series of one quiet folder, read on a poll worker. */
typedef struct
{
  char *folder;
  CtStudyScan *scan;
} Arrival;

static void
arrival_free (gpointer data)
{
  Arrival *a = data;

  g_free (a->folder);
  g_clear_pointer (&a->scan, ct_study_scan_free);
  g_free (a);
}

static void
poll_in_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  Session *session = task_data;
  g_autoptr (GPtrArray) ready = ct_arrival_watch_poll (session->watch, g_get_real_time ());
  GPtrArray *arrivals = g_ptr_array_new_with_free_func (arrival_free);

  for (guint i = 0; i < ready->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      const char *one[] = { g_ptr_array_index (ready, i), NULL };
      g_autoptr (GError) error = NULL;
      Arrival *a = g_new0 (Arrival, 1);

      a->folder = g_strdup (one[0]);
      a->scan = ct_study_scan_paths (one, SCAN_THREADS, NULL, NULL, cancellable, &error);
      if (a->scan == NULL)
        g_debug ("%s: %s", a->folder, error->message);
      g_ptr_array_add (arrivals, a);
    }
  g_task_return_pointer (task, arrivals, (GDestroyNotify) g_ptr_array_unref);
}

/* Each new series of the quiet folders becomes a study; known ones are
 * counted. */
static void
poll_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  CtArrivalService *self = CT_ARRIVAL_SERVICE (source_object);
  Session *session = g_task_get_task_data (G_TASK (result));
  g_autoptr (GPtrArray) arrivals = g_task_propagate_pointer (G_TASK (result), NULL);

  self->polling = FALSE;
  if (arrivals == NULL || session != self->session || g_cancellable_is_cancelled (session->cancellable))
    return;
  for (guint i = 0; i < arrivals->len; i++)
    {
      Arrival *a = g_ptr_array_index (arrivals, i);

      while (a->scan != NULL && a->scan->series->len > 0)
        {
          g_autoptr (CtSeriesInfo) series = g_ptr_array_steal_index (a->scan->series, 0);
          g_autofree char *identity = ct_series_info_dup_identity (series);
          g_autoptr (CtStudy) study = NULL;

          if (g_hash_table_contains (self->known, identity))
            {
              g_debug ("%s: series %s arrived again, not added", a->folder, identity);
              self->n_repeated++;
              g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_REPEATED]);
              continue;
            }
          g_hash_table_add (self->known, g_steal_pointer (&identity));
          study = ct_study_new_for_series (g_steal_pointer (&series));
          g_signal_emit (self, signals[SIGNAL_STUDY_ARRIVED], 0, study);
        }
    }
}

static gboolean
on_poll_timeout (gpointer data)
{
  CtArrivalService *self = data;
  g_autoptr (GTask) task = NULL;

  if (self->polling || self->session == NULL)
    return G_SOURCE_CONTINUE;
  self->polling = TRUE;
  task = g_task_new (self, self->session->cancellable, poll_done, NULL);
  g_task_set_source_tag (task, on_poll_timeout);
  g_task_set_name (task, "[ct-triage] poll arrivals");
  g_task_set_task_data (task, g_atomic_rc_box_acquire (self->session), (GDestroyNotify) session_unref);
  g_task_run_in_thread (task, poll_in_thread);
  return G_SOURCE_CONTINUE;
}

static void
ct_arrival_service_stop_polling (CtArrivalService *self)
{
  if (self->poll_source != 0)
    {
      GSource *source = g_main_context_find_source_by_id (self->context, self->poll_source);

      if (source != NULL)
        g_source_destroy (source);
      self->poll_source = 0;
    }
  if (self->session != NULL)
    {
      g_cancellable_cancel (self->session->cancellable);
      g_clear_pointer (&self->session, session_unref);
    }
}

static void
ct_arrival_service_start_polling (CtArrivalService *self)
{
  g_autoptr (GSource) source = g_timeout_source_new (POLL_INTERVAL_MS);

  self->session = g_atomic_rc_box_new0 (Session);
  self->session->watch = ct_arrival_watch_new (self->applied->quiet_seconds);
  self->session->cancellable = g_cancellable_new ();
  if (self->applied->receive)
    ct_arrival_watch_add_root (self->session->watch, self->applied->storage_dir);
  if (self->applied->watch_dir != NULL)
    ct_arrival_watch_add_root (self->session->watch, self->applied->watch_dir);
  /* The source holds no reference: it is destroyed before the service is. */
  g_source_set_callback (source, on_poll_timeout, self, NULL);
  self->poll_source = g_source_attach (source, self->context);
}

/* A folder the receiver can write: a file made and removed (the receiver
 * makes its folders itself, so an existing but read-only folder would
 * otherwise show only at the first instance received). */
static gboolean
check_writable (const char *dir, GError **error)
{
  g_autofree char *probe = g_build_filename (dir, ".ct-triage-write-XXXXXX", NULL);
  int fd;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int e = errno;
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("The storage folder %s cannot be created: %s"), dir,
                   g_strerror (e));
      return FALSE;
    }
  fd = g_mkstemp (probe);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("The storage folder %s cannot be written: %s"), dir,
                   g_strerror (e));
      return FALSE;
    }
  close (fd);
  g_unlink (probe);
  return TRUE;
}

/* A reconfiguration: the receiver running before (stopped first) and
 * the options wanted (NULL: off). */
typedef struct
{
  CtDicomReceiver *old_receiver;
  Options *options;
  guint serial;
} Change;

static void
change_free (Change *c)
{
  g_clear_pointer (&c->old_receiver, ct_dicom_receiver_stop);
  options_free (c->options);
  g_free (c);
}

static CtDicomReceiver *
start_receiver (const Options *o, GError **error)
{
  g_auto (GStrv) allowed = NULL;
  CtDicomReceiverOptions options = { 0 };

  if (!ct_arrival_check_ae_title (o->ae_title, error) || !ct_arrival_check_port (o->port, error))
    return NULL;
  allowed = ct_arrival_parse_ae_titles (o->allowed_aets, error);
  if (allowed == NULL)
    return NULL;
  if (o->storage_dir == NULL || *o->storage_dir == '\0')
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, _ ("No storage folder is set"));
      return NULL;
    }
  if (!check_writable (o->storage_dir, error))
    return NULL;
  options.ae_title = o->ae_title;
  options.port = (guint16) o->port;
  options.allowed_aets = (const char *const *) allowed;
  options.storage_dir = o->storage_dir;
  return ct_dicom_receiver_start (&options, receiver_log, NULL, error);
}

/* Stops the old receiver (waiting for its association in progress), then
 * starts what the options ask for. Returns the new receiver, or NULL when
 * none is wanted (with a NULL error). */
static void
change_in_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  Change *c = task_data;
  const Options *o = c->options;
  GError *error = NULL;
  CtDicomReceiver *receiver = NULL;

  g_clear_pointer (&c->old_receiver, ct_dicom_receiver_stop);
  if (o != NULL && o->watch_dir != NULL && !g_file_test (o->watch_dir, G_FILE_TEST_IS_DIR))
    {
      g_task_return_new_error (task, CT_ERROR, CT_ERROR_IO, _ ("The watched folder %s does not exist"), o->watch_dir);
      return;
    }
  if (o != NULL && o->receive && (receiver = start_receiver (o, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, receiver, (GDestroyNotify) ct_dicom_receiver_stop);
}

static void ct_arrival_service_apply (CtArrivalService *self);

static void
change_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  CtArrivalService *self = CT_ARRIVAL_SERVICE (source_object);
  Change *c = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  CtDicomReceiver *receiver = g_task_propagate_pointer (G_TASK (result), &error);

  self->reconfiguring = FALSE;
  self->receiver = receiver;
  if (c->serial != self->wanted_serial)
    {
      /* Asked for something else meanwhile. */
      ct_arrival_service_apply (self);
      return;
    }
  options_free (self->applied);
  self->applied = NULL;
  if (error != NULL)
    {
      ct_arrival_service_set_state (self, CT_ARRIVAL_STATE_FAILED, error->message);
      return;
    }
  if (c->options == NULL)
    {
      ct_arrival_service_set_state (self, CT_ARRIVAL_STATE_OFF, NULL);
      return;
    }
  self->applied = options_copy (&(CtArrivalOptions){ c->options->receive, c->options->ae_title, c->options->port,
                                                     c->options->allowed_aets, c->options->storage_dir,
                                                     c->options->watch_dir, c->options->quiet_seconds });
  ct_arrival_service_start_polling (self);
  ct_arrival_service_set_state (self, CT_ARRIVAL_STATE_RUNNING, NULL);
}

/* Starts bringing the service to self->wanted (one change at a time). */
static void
ct_arrival_service_apply (CtArrivalService *self)
{
  g_autoptr (GTask) task = NULL;
  Change *c;

  if (self->reconfiguring)
    return;
  ct_arrival_service_stop_polling (self);
  if (self->wanted != NULL && !self->wanted->receive && self->wanted->watch_dir == NULL)
    g_clear_pointer (&self->wanted, options_free);
  c = g_new0 (Change, 1);
  c->old_receiver = g_steal_pointer (&self->receiver);
  c->serial = self->wanted_serial;
  if (self->wanted != NULL)
    c->options = options_copy (&(CtArrivalOptions){ self->wanted->receive, self->wanted->ae_title, self->wanted->port,
                                                    self->wanted->allowed_aets, self->wanted->storage_dir,
                                                    self->wanted->watch_dir, self->wanted->quiet_seconds });
  if (c->old_receiver == NULL && c->options == NULL)
    {
      change_free (c);
      g_clear_pointer (&self->applied, options_free);
      ct_arrival_service_set_state (self, CT_ARRIVAL_STATE_OFF, NULL);
      return;
    }
  self->reconfiguring = TRUE;
  ct_arrival_service_set_state (self, CT_ARRIVAL_STATE_CHANGING, NULL);
  task = g_task_new (self, NULL, change_done, NULL);
  g_task_set_source_tag (task, ct_arrival_service_apply);
  g_task_set_name (task, "[ct-triage] start or stop the receiver");
  g_task_set_task_data (task, c, (GDestroyNotify) change_free);
  g_task_run_in_thread (task, change_in_thread);
}

void
ct_arrival_service_configure (CtArrivalService *self, const CtArrivalOptions *options)
{
  g_return_if_fail (CT_IS_ARRIVAL_SERVICE (self));

  g_clear_pointer (&self->wanted, options_free);
  if (options != NULL)
    self->wanted = options_copy (options);
  self->wanted_serial++;
  ct_arrival_service_apply (self);
}

static void
ct_arrival_service_configure_from_settings (CtArrivalService *self)
{
  g_autofree char *ae_title = g_settings_get_string (self->settings, "receiver-ae-title");
  g_autofree char *allowed = g_settings_get_string (self->settings, "receiver-allowed-aets");
  g_autofree char *storage = g_settings_get_string (self->settings, "receiver-storage-folder");
  g_autofree char *watch = g_settings_get_string (self->settings, "watch-folder");
  CtArrivalOptions options = { 0 };

  /* Empty: the user's data folder, e.g. ~/.local/share/ct-triage/incoming. */
  if (*storage == '\0')
    {
      g_free (storage);
      storage = g_build_filename (g_get_user_data_dir (), "ct-triage", "incoming", NULL);
    }
  options.receive = g_settings_get_boolean (self->settings, "receiver-enabled");
  options.ae_title = ae_title;
  options.port = g_settings_get_int (self->settings, "receiver-port");
  options.allowed_aets = allowed;
  options.storage_dir = storage;
  options.watch_dir = watch;
  options.quiet_seconds = g_settings_get_double (self->settings, "arrival-quiet-seconds");
  ct_arrival_service_configure (self, options.receive || *watch != '\0' ? &options : NULL);
}

static gboolean
on_settings_settled (gpointer data)
{
  CtArrivalService *self = data;

  self->settle_source = 0;
  ct_arrival_service_configure_from_settings (self);
  return G_SOURCE_REMOVE;
}

static gboolean
is_arrival_key (const char *key)
{
  return g_str_has_prefix (key, "receiver-") || g_str_equal (key, "watch-folder") ||
         g_str_equal (key, "arrival-quiet-seconds");
}

static void
on_settings_changed (GSettings *settings, const char *key, CtArrivalService *self)
{
  g_autoptr (GSource) source = NULL;

  if (!is_arrival_key (key))
    return;
  if (self->settle_source != 0)
    g_source_destroy (g_main_context_find_source_by_id (self->context, self->settle_source));
  source = g_timeout_source_new (SETTINGS_SETTLE_MS);
  g_source_set_callback (source, on_settings_settled, self, NULL);
  self->settle_source = g_source_attach (source, self->context);
  /* Pending already: whoever waits for "running" waits for these values. */
  if (self->state != CT_ARRIVAL_STATE_CHANGING)
    ct_arrival_service_set_state (self, CT_ARRIVAL_STATE_CHANGING, NULL);
}

void
ct_arrival_service_follow_settings (CtArrivalService *self, GSettings *settings)
{
  g_autoptr (GSettingsSchema) schema = NULL;

  g_return_if_fail (CT_IS_ARRIVAL_SERVICE (self));
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (self->settings == NULL);

  /* A schema installed by an older version lacks the keys: nothing to follow. */
  g_object_get (settings, "settings-schema", &schema, NULL);
  if (!g_settings_schema_has_key (schema, "receiver-enabled"))
    return;
  self->settings = g_object_ref (settings);
  g_signal_connect (settings, "changed", G_CALLBACK (on_settings_changed), self);
  ct_arrival_service_configure_from_settings (self);
}

void
ct_arrival_service_shutdown (CtArrivalService *self)
{
  g_return_if_fail (CT_IS_ARRIVAL_SERVICE (self));

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  if (self->settle_source != 0)
    g_source_destroy (g_main_context_find_source_by_id (self->context, self->settle_source));
  self->settle_source = 0;
  ct_arrival_service_stop_polling (self);
  g_clear_pointer (&self->wanted, options_free);
  self->wanted_serial++;
  /* A change in flight stops its own receiver when it returns (change_done
   * applies "off"); one running now is stopped here. */
  g_clear_pointer (&self->receiver, ct_dicom_receiver_stop);
}

static void
ct_arrival_service_dispose (GObject *object)
{
  CtArrivalService *self = CT_ARRIVAL_SERVICE (object);

  ct_arrival_service_shutdown (self);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ct_arrival_service_parent_class)->dispose (object);
}

static void
ct_arrival_service_finalize (GObject *object)
{
  CtArrivalService *self = CT_ARRIVAL_SERVICE (object);

  options_free (self->applied);
  g_hash_table_unref (self->known);
  g_free (self->error);
  g_free (self->description);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (ct_arrival_service_parent_class)->finalize (object);
}

static void
ct_arrival_service_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CtArrivalService *self = CT_ARRIVAL_SERVICE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_uint (value, self->state);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    case PROP_N_REPEATED:
      g_value_set_uint (value, self->n_repeated);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ct_arrival_service_class_init (CtArrivalServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ct_arrival_service_dispose;
  object_class->finalize = ct_arrival_service_finalize;
  object_class->get_property = ct_arrival_service_get_property;

  /* A CtArrivalState. */
  properties[PROP_STATE] = g_param_spec_uint ("state", NULL, NULL, 0, CT_ARRIVAL_STATE_FAILED, CT_ARRIVAL_STATE_OFF,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_DESCRIPTION] = g_param_spec_string (
      "description", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_REPEATED] = g_param_spec_uint ("n-repeated", NULL, NULL, 0, G_MAXUINT, 0,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A new CtStudy for a series that has just arrived (complete for the
   * quiet time, not seen before); the handler keeps a reference. */
  signals[SIGNAL_STUDY_ARRIVED] = g_signal_new ("study-arrived", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                                NULL, NULL, G_TYPE_NONE, 1, CT_TYPE_STUDY);
}

static void
ct_arrival_service_init (CtArrivalService *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->state = CT_ARRIVAL_STATE_OFF;
  self->description = g_strdup (_ ("Not receiving studies"));
}

CtArrivalService *
ct_arrival_service_new (void)
{
  return g_object_new (CT_TYPE_ARRIVAL_SERVICE, NULL);
}

CtArrivalState
ct_arrival_service_get_state (CtArrivalService *self)
{
  g_return_val_if_fail (CT_IS_ARRIVAL_SERVICE (self), CT_ARRIVAL_STATE_OFF);
  return self->state;
}

const char *
ct_arrival_service_get_error (CtArrivalService *self)
{
  g_return_val_if_fail (CT_IS_ARRIVAL_SERVICE (self), NULL);
  return self->error;
}

const char *
ct_arrival_service_get_description (CtArrivalService *self)
{
  g_return_val_if_fail (CT_IS_ARRIVAL_SERVICE (self), NULL);
  return self->description;
}

guint
ct_arrival_service_get_n_repeated (CtArrivalService *self)
{
  g_return_val_if_fail (CT_IS_ARRIVAL_SERVICE (self), 0);
  return self->n_repeated;
}
