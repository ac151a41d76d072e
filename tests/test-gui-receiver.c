/* SPDX-License-Identifier: MIT */
/* Studies that arrive by themselves, in the window (under Xvfb): with the
 * memory settings backend, the receiver is switched on through the
 * receiver-* keys with a free port and a temporary storage folder; dcmtk's
 * echoscu is answered and a generated phantom series sent by storescu
 * becomes exactly one row of the study list, which is analysed; the same
 * series sent again is still one row; a calling AE title outside the
 * allow-list (storescu -aet EVIL) stores nothing and adds no row; the
 * preferences window shows the receiver's state, refuses an AE title with
 * a backslash, and shows the errors of a port in use and of a storage
 * folder that cannot be made, as the status bar does; switched off, the
 * receiver's thread is gone and the port is free (bind succeeds, echoscu
 * fails). Skips when storescu or echoscu is missing. */
#include "test-gui-util.h"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "ct-application.h"
#include "ct-dicom-writer.h"
#include "ct-phantom-volume.h"
#include "ct-preferences-window.h"
#include "ct-window.h"
#include "phantom.h"
#include "test-util.h"

/* Bounds for a broken build, not measurements. */
#define WAIT_LIMIT_S 60
#define ANALYSIS_LIMIT_S 540
#define N_SLICES 40

static struct
{
  char *tmp;
  char *series_dir; /* the phantom series sent */
  char *storage;
  CtApplication *application;
  CtWindow *window;
  CtArrivalService *arrivals;
  GSettings *settings;
  guint16 port;
} fixture;

static gboolean
state_is (gpointer data)
{
  return ct_arrival_service_get_state (fixture.arrivals) == GPOINTER_TO_UINT (data);
}

static void
wait_for_state (CtArrivalState state)
{
  test_gui_iterate_until (state_is, GUINT_TO_POINTER (state), WAIT_LIMIT_S);
  if (ct_arrival_service_get_state (fixture.arrivals) != state)
    g_error ("the receiver did not reach state %u: %s", state, ct_arrival_service_get_description (fixture.arrivals));
}

static gboolean
subprocess_done (gpointer data)
{
  return g_subprocess_get_if_exited (data) || g_subprocess_get_if_signaled (data);
}

static void
on_wait_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

/* Runs @argv while the main loop goes on (the window stays live, as the
 * receiver must let it); TRUE when it exited with 0. */
static gboolean
run_tool (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess)
      process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  gboolean done = FALSE;

  g_assert_no_error (error);
  g_subprocess_wait_async (process, NULL, on_wait_done, &done);
  test_gui_iterate_until (flag_set, &done, WAIT_LIMIT_S);
  g_assert_true (subprocess_done (process));
  return g_subprocess_get_successful (process);
}

/* storescu of every file of the phantom series, calling as @calling_aet. */
static gboolean
send_series (const char *calling_aet)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) dir = g_dir_open (fixture.series_dir, 0, NULL);
  const char *name;

  g_ptr_array_add (argv, g_strdup ("storescu"));
  g_ptr_array_add (argv, g_strdup ("-aet"));
  g_ptr_array_add (argv, g_strdup (calling_aet));
  g_ptr_array_add (argv, g_strdup ("-aec"));
  g_ptr_array_add (argv, g_strdup ("CTTRIAGE"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", fixture.port));
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (argv, g_build_filename (fixture.series_dir, name, NULL));
  g_ptr_array_add (argv, NULL);
  return run_tool ((const char *const *) argv->pdata);
}

static gboolean
echo (void)
{
  g_autofree char *port = g_strdup_printf ("%u", fixture.port);
  const char *argv[] = { "echoscu", "-aec", "CTTRIAGE", "127.0.0.1", port, NULL };

  return run_tool (argv);
}

/* The receiver moves an association's files into place once it has
 * answered the release: just after storescu exits. */
static gboolean
all_stored (gpointer data)
{
  return test_util_count_stored (fixture.storage, NULL) >= N_SLICES;
}

static guint
n_rows (void)
{
  return g_list_model_get_n_items (ct_study_list_get_sorted_model (ct_window_get_study_list (fixture.window)));
}

static gboolean
one_row_finished (gpointer data)
{
  GListModel *studies = ct_window_get_studies (fixture.window);
  g_autoptr (CtStudy) study = NULL;

  if (g_list_model_get_n_items (studies) == 0)
    return FALSE;
  study = g_list_model_get_item (studies, 0);
  return ct_study_is_finished (study);
}

static gboolean
repeated (gpointer data)
{
  return ct_arrival_service_get_n_repeated (fixture.arrivals) >= GPOINTER_TO_UINT (data);
}

/* A socket listening on every address at @port, as another program that
 * holds the port; NULL when the port is taken. */
static GSocket *
hold_port (guint16 port)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr (GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (any, port);

  if (!g_socket_bind (socket, address, TRUE, NULL) || !g_socket_listen (socket, NULL))
    return NULL;
  return g_steal_pointer (&socket);
}

/* The receiver threads of this process (ct-dicom-receiver.cpp names them
 * "ct-dicom-recv"). */
static guint
count_receiver_threads (void)
{
  g_autoptr (GDir) tasks = g_dir_open ("/proc/self/task", 0, NULL);
  const char *name;
  guint n = 0;

  while (tasks != NULL && (name = g_dir_read_name (tasks)) != NULL)
    {
      g_autofree char *comm_path = g_build_filename ("/proc/self/task", name, "comm", NULL);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (comm_path, &comm, NULL, NULL) && g_str_has_prefix (comm, "ct-dicom-recv"))
        n++;
    }
  return n;
}

/* The receiver's thread names itself (GLib's g_thread_new sets the name from
 * inside the new thread), so right after the service reports RUNNING the
 * name may not be there yet on a loaded machine. */
static gboolean
one_receiver_thread (gpointer data)
{
  (void) data;
  return count_receiver_threads () == 1;
}

static CtPreferencesWindow *
open_preferences (void)
{
  g_action_group_activate_action (G_ACTION_GROUP (fixture.application), "preferences", NULL);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (fixture.application)); l != NULL; l = l->next)
    if (CT_IS_PREFERENCES_WINDOW (l->data))
      return l->data;
  g_assert_not_reached ();
  return NULL;
}

static void
write_series (void)
{
  PhantomParams params;
  char message[256] = "";
  PhantomStudy *phantom;
  g_autoptr (CtVolume) volume = NULL;
  g_autoptr (GError) error = NULL;

  phantom_params_init (&params);
  params.seed = 77;
  params.klass = PHANTOM_CLASS_COVID;
  params.severity_percent = 30.0;
  params.nx = params.ny = 128;
  params.nz = N_SLICES;
  params.pixel_spacing_mm = 2.5;
  params.slice_spacing_mm = 5.0;
  phantom = phantom_generate (&params, message, sizeof message);
  g_assert_nonnull (phantom);
  volume = ct_phantom_volume_new (phantom);
  phantom_study_free (phantom);
  fixture.series_dir = g_build_filename (fixture.tmp, "send", NULL);
  g_assert_true (ct_dicom_write_series (volume, fixture.series_dir, NULL, &error));
}

static void
test_receive (void)
{
  g_autofree char *expected = NULL;
  g_autofree char *a_file = g_build_filename (fixture.tmp, "a-file", NULL);
  g_autofree char *under_file = g_build_filename (a_file, "storage", NULL);
  g_autoptr (GSocket) holder = NULL;
  g_autoptr (CtStudy) study = NULL;
  CtPreferencesWindow *preferences;
  g_autofree char *saved = NULL;
  guint16 busy_port;

  g_assert_null (ct_window_get_arrival_status (fixture.window));
  g_settings_set_string (fixture.settings, "receiver-storage-folder", fixture.storage);
  g_settings_set_int (fixture.settings, "receiver-port", fixture.port);
  g_settings_set_string (fixture.settings, "receiver-allowed-aets", "STORESCU, ECHOSCU");
  g_settings_set_double (fixture.settings, "arrival-quiet-seconds", 1.0);
  g_settings_set_boolean (fixture.settings, "receiver-enabled", TRUE);
  wait_for_state (CT_ARRIVAL_STATE_RUNNING);
  expected = g_strdup_printf ("Receiving as CTTRIAGE on port %u", fixture.port);
  g_assert_cmpstr (ct_window_get_arrival_status (fixture.window), ==, expected);
  test_gui_iterate_until (one_receiver_thread, NULL, WAIT_LIMIT_S);
  g_assert_cmpuint (count_receiver_threads (), ==, 1);
  g_assert_true (echo ());

  /* One series: one row, analysed. */
  g_assert_true (send_series ("STORESCU"));
  test_gui_iterate_until (all_stored, NULL, WAIT_LIMIT_S);
  g_assert_cmpuint (test_util_count_stored (fixture.storage, NULL), ==, N_SLICES);
  test_gui_iterate_until (one_row_finished, NULL, ANALYSIS_LIMIT_S);
  g_assert_true (one_row_finished (NULL));
  g_assert_cmpuint (n_rows (), ==, 1);
  study = g_list_model_get_item (ct_window_get_studies (fixture.window), 0);
  g_assert_cmpint (ct_study_get_status (study), ==, CT_STUDY_STATUS_DONE);
  g_assert_nonnull (ct_study_get_analysis (study));
  g_assert_cmpint (ct_study_get_slices (study), ==, N_SLICES);
  g_assert_true (g_str_has_prefix (ct_study_get_path (study), fixture.storage));
  g_assert_true (ct_study_list_get_selected (ct_window_get_study_list (fixture.window)) == study);

  /* The same series again: received, still one row. */
  g_assert_true (send_series ("STORESCU"));
  test_gui_iterate_until (repeated, GUINT_TO_POINTER (1), WAIT_LIMIT_S);
  g_assert_cmpuint (ct_arrival_service_get_n_repeated (fixture.arrivals), ==, 1);
  g_assert_cmpuint (n_rows (), ==, 1);
  g_assert_cmpuint (test_util_count_stored (fixture.storage, NULL), ==, N_SLICES);

  /* Not in the allow-list: refused, nothing stored, no row. */
  g_assert_false (send_series ("EVIL"));
  g_assert_cmpuint (test_util_count_stored (fixture.storage, NULL), ==, N_SLICES);
  g_assert_cmpuint (n_rows (), ==, 1);

  /* The preferences: the same state; an AE title with a backslash is
   * refused with the reason and not saved. */
  preferences = open_preferences ();
  g_assert_cmpstr (ct_preferences_window_get_status (preferences), ==, expected);
  g_assert_null (ct_preferences_window_get_message (preferences));
  gtk_editable_set_text (ct_preferences_window_get_ae_title_entry (preferences), "CT\\X");
  g_assert_nonnull (ct_preferences_window_get_message (preferences));
  g_assert_nonnull (strstr (ct_preferences_window_get_message (preferences), "CT\\X"));
  saved = g_settings_get_string (fixture.settings, "receiver-ae-title");
  g_assert_cmpstr (saved, ==, "CTTRIAGE");
  gtk_editable_set_text (ct_preferences_window_get_ae_title_entry (preferences), "CTTRIAGE");
  g_assert_null (ct_preferences_window_get_message (preferences));
  gtk_editable_set_text (ct_preferences_window_get_allowed_entry (preferences), " STORESCU,,ECHOSCU");
  g_assert_null (ct_preferences_window_get_message (preferences));
  g_clear_pointer (&saved, g_free);
  saved = g_settings_get_string (fixture.settings, "receiver-allowed-aets");
  g_assert_cmpstr (saved, ==, "STORESCU,ECHOSCU");

  /* A port another program holds: the error names it, in both places. */
  busy_port = test_util_free_port ();
  holder = hold_port (busy_port);
  g_assert_nonnull (holder);
  g_settings_set_int (fixture.settings, "receiver-port", busy_port);
  wait_for_state (CT_ARRIVAL_STATE_FAILED);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("port %u", busy_port);
  g_assert_nonnull (strstr (ct_window_get_arrival_status (fixture.window), expected));
  g_assert_nonnull (strstr (ct_preferences_window_get_status (preferences), expected));
  g_assert_cmpuint (count_receiver_threads (), ==, 0);
  g_socket_close (holder, NULL);

  /* A storage folder that cannot be made (below a file). */
  g_assert_true (g_file_set_contents (a_file, "not a folder", -1, NULL));
  g_settings_set_int (fixture.settings, "receiver-port", fixture.port);
  g_settings_set_string (fixture.settings, "receiver-storage-folder", under_file);
  wait_for_state (CT_ARRIVAL_STATE_FAILED);
  g_assert_nonnull (strstr (ct_window_get_arrival_status (fixture.window), under_file));
  g_assert_nonnull (strstr (ct_preferences_window_get_status (preferences), under_file));

  /* Back on, then off: no thread left, the port free. */
  g_settings_set_string (fixture.settings, "receiver-storage-folder", fixture.storage);
  wait_for_state (CT_ARRIVAL_STATE_RUNNING);
  g_assert_true (echo ());
  g_settings_set_boolean (fixture.settings, "receiver-enabled", FALSE);
  wait_for_state (CT_ARRIVAL_STATE_OFF);
  g_assert_null (ct_window_get_arrival_status (fixture.window));
  g_assert_cmpuint (count_receiver_threads (), ==, 0);
  g_assert_false (echo ());
  g_clear_object (&holder);
  holder = hold_port (fixture.port);
  g_assert_nonnull (holder);
  g_socket_close (holder, NULL);
  g_assert_cmpuint (n_rows (), ==, 1);
  gtk_window_destroy (GTK_WINDOW (preferences));
}

static void
skip (gconstpointer why)
{
  g_test_skip (why);
}

int
main (int argc, char *argv[])
{
  const char *build = test_gui_env_dir ("CT_TRIAGE_BUILD_DIR");
  g_autofree char *schema_dir = g_build_filename (build, "resources", NULL);
  g_autofree char *storescu = g_find_program_in_path ("storescu");
  g_autofree char *echoscu = g_find_program_in_path ("echoscu");
  g_autofree char *cache_dir = NULL;
  g_autofree char *display = NULL;
  GTestDBus *bus;
  int status;

  g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  test_gui_use_cairo_renderer ();
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_add_data_func ("/gui-receiver/receive", "no display: run under xvfb-run", skip);
      return g_test_run ();
    }
  if (storescu == NULL || echoscu == NULL)
    {
      g_test_add_data_func ("/gui-receiver/receive", "storescu or echoscu is missing (Debian dcmtk)", skip);
      return g_test_run ();
    }

  fixture.tmp = g_dir_make_tmp ("ct-triage-gui-receiver-XXXXXX", NULL);
  fixture.storage = g_build_filename (fixture.tmp, "storage", NULL);
  /* A cache of its own: the series is analysed, not looked up. */
  cache_dir = g_build_filename (fixture.tmp, "cache", NULL);
  fixture.port = test_util_free_port ();
  write_series ();

  display = g_strdup (g_getenv ("DISPLAY"));
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);
  gtk_init ();

  fixture.settings = g_settings_new (APPLICATION_ID);
  fixture.application = ct_application_new (g_getenv ("CT_TRIAGE_MODEL_DIR"), cache_dir, fixture.settings);
  g_assert_true (g_application_register (G_APPLICATION (fixture.application), NULL, NULL));
  fixture.arrivals = ct_application_get_arrival_service (fixture.application);
  g_assert_nonnull (fixture.arrivals);
  fixture.window = ct_window_new (GTK_APPLICATION (fixture.application), ct_application_get_queue (fixture.application),
                                  fixture.settings);
  ct_window_set_arrival_service (fixture.window, fixture.arrivals);
  gtk_window_present (GTK_WINDOW (fixture.window));

  g_test_add_func ("/gui-receiver/receive", test_receive);
  status = g_test_run ();

  ct_arrival_service_shutdown (fixture.arrivals);
  gtk_window_destroy (GTK_WINDOW (fixture.window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_object_unref (fixture.application);
  g_object_unref (fixture.settings);
  /* Not g_test_dbus_down (): it waits for GTK's bus connection, which GTK
   * keeps until exit (as in test-gui.c). */
  g_test_dbus_stop (bus);
  test_util_remove_tree (fixture.tmp);
  return status;
}
