/* SPDX-License-Identifier: MIT */
/* CtArrivalService without a display: the AE title, port and allow-list
 * checks; a series copied into a watched folder arrives once, the same
 * instances copied again (another folder) are counted as a repeat, not
 * emitted; a storage folder that cannot be made and a port in use fail
 * with a message naming them, and switching off after a failure is clean.
 * (tests/test-gui-receiver.c sends studies over the network to the
 * window.) */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ct-arrival-service.h"
#include "ct-dicom-writer.h"
#include "test-util.h"

/* A bound for a broken build, not a measurement. */
#define WAIT_LIMIT_S 60

static void
test_validation (void)
{
  static const char *const good[] = { "CTTRIAGE", "A", "CT TRIAGE", "ABCDEFGHIJKLMNOP", "ct-triage_1", " X " };
  static const char *const bad[] = { "", "ABCDEFGHIJKLMNOPQ", "A\\B", "   ", "CT\tX", "\xc3\x84RZT" };
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) titles = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_assert_true (ct_arrival_check_ae_title (good[i], &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (ct_arrival_check_ae_title (bad[i], &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  g_assert_false (ct_arrival_check_ae_title (NULL, NULL));

  g_assert_true (ct_arrival_check_port (1, NULL));
  g_assert_true (ct_arrival_check_port (11112, NULL));
  g_assert_true (ct_arrival_check_port (65535, NULL));
  g_assert_false (ct_arrival_check_port (0, NULL));
  g_assert_false (ct_arrival_check_port (-1, NULL));
  g_assert_false (ct_arrival_check_port (65536, &error));
  g_assert_nonnull (strstr (error->message, "65536"));
  g_clear_error (&error);

  titles = ct_arrival_parse_ae_titles ("PACS, CT1,,MERCURE ", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (titles), ==, 3);
  g_assert_cmpstr (titles[0], ==, "PACS");
  g_assert_cmpstr (titles[1], ==, "CT1");
  g_assert_cmpstr (titles[2], ==, "MERCURE");
  g_clear_pointer (&titles, g_strfreev);
  titles = ct_arrival_parse_ae_titles ("", NULL);
  g_assert_nonnull (titles);
  g_assert_cmpuint (g_strv_length (titles), ==, 0);
  g_clear_pointer (&titles, g_strfreev);
  g_assert_null (ct_arrival_parse_ae_titles ("PACS,BAD\\ONE", &error));
  g_assert_nonnull (strstr (error->message, "BAD\\ONE"));
}

typedef struct
{
  CtArrivalService *service;
  GPtrArray *arrived; /* CtStudy* */
} Fixture;

static void
on_arrived (CtArrivalService *service, CtStudy *study, Fixture *f)
{
  g_ptr_array_add (f->arrived, g_object_ref (study));
}

static void
fixture_init (Fixture *f)
{
  f->service = ct_arrival_service_new ();
  f->arrived = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (f->service, "study-arrived", G_CALLBACK (on_arrived), f);
}

static void
note_finalized (gpointer data, GObject *where_the_object_was)
{
  (void) where_the_object_was;
  g_atomic_int_set ((gint *) data, 1);
}

/* The service is finalized once a task still in flight has returned: on
 * the task's worker thread maybe, which does not wake the main context.
 * So its end is noted atomically (a weak pointer would be cleared on that
 * thread and read here unsynchronised: TSan reported it). */
static void
fixture_clear (Fixture *f)
{
  gint finalized = 0;
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_S * G_USEC_PER_SEC;

  g_object_weak_ref (G_OBJECT (f->service), note_finalized, &finalized);
  g_object_unref (f->service);
  while (!g_atomic_int_get (&finalized) && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10 * 1000);
  g_assert_true (g_atomic_int_get (&finalized));
  g_ptr_array_unref (f->arrived);
}

/* Runs the main context until @done or the bound. */
static gboolean
wait_for (gboolean (*done) (Fixture *), Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_S * G_USEC_PER_SEC;

  while (!done (f) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return done (f);
}

static gboolean
settled (Fixture *f)
{
  return ct_arrival_service_get_state (f->service) != CT_ARRIVAL_STATE_CHANGING;
}

static gboolean
one_arrived (Fixture *f)
{
  return f->arrived->len >= 1;
}

static gboolean
one_repeated (Fixture *f)
{
  return ct_arrival_service_get_n_repeated (f->service) >= 1;
}

static void
copy_folder (const char *from, const char *to)
{
  g_autoptr (GDir) dir = g_dir_open (from, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir_with_parents (to, 0755), ==, 0);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      g_assert_true (g_file_get_contents (src, &contents, &length, NULL));
      g_assert_true (g_file_set_contents (dst, contents, length, NULL));
    }
}

static void
test_watch_folder (void)
{
  g_autoptr (CtVolume) volume = test_util_make_chest_volume (48, 40, 9, "ARRIVAL-1");
  g_autofree char *tmp = g_dir_make_tmp ("ct-arrival-XXXXXX", NULL);
  g_autofree char *source = g_build_filename (tmp, "source", NULL);
  g_autofree char *watch = g_build_filename (tmp, "watch", NULL);
  g_autofree char *first = g_build_filename (watch, "first", NULL);
  g_autofree char *again = g_build_filename (watch, "again", NULL);
  g_autoptr (GError) error = NULL;
  CtArrivalOptions options = { 0 };
  Fixture f;

  g_assert_true (ct_dicom_write_series (volume, source, NULL, &error));
  g_assert_cmpint (g_mkdir_with_parents (watch, 0755), ==, 0);
  fixture_init (&f);
  options.watch_dir = watch;
  options.quiet_seconds = 0.5;
  ct_arrival_service_configure (f.service, &options);
  g_assert_cmpuint (ct_arrival_service_get_state (f.service), ==, CT_ARRIVAL_STATE_CHANGING);
  g_assert_true (wait_for (settled, &f));
  g_assert_cmpuint (ct_arrival_service_get_state (f.service), ==, CT_ARRIVAL_STATE_RUNNING);
  g_assert_nonnull (strstr (ct_arrival_service_get_description (f.service), watch));

  copy_folder (source, first);
  g_assert_true (wait_for (one_arrived, &f));
  g_assert_cmpuint (f.arrived->len, ==, 1);
  g_assert_cmpint (ct_study_get_slices (g_ptr_array_index (f.arrived, 0)), ==, 9);
  g_assert_cmpstr (ct_study_get_patient_id (g_ptr_array_index (f.arrived, 0)), ==, "ARRIVAL-1");

  /* The same instances in another folder: the same series, not again. */
  copy_folder (source, again);
  g_assert_true (wait_for (one_repeated, &f));
  g_assert_cmpuint (f.arrived->len, ==, 1);
  g_assert_cmpuint (ct_arrival_service_get_n_repeated (f.service), ==, 1);

  ct_arrival_service_configure (f.service, NULL);
  g_assert_true (wait_for (settled, &f));
  g_assert_cmpuint (ct_arrival_service_get_state (f.service), ==, CT_ARRIVAL_STATE_OFF);
  fixture_clear (&f);
  test_util_remove_tree (tmp);
}

static void
test_errors (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("ct-arrival-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (tmp, "a-file", NULL);
  g_autofree char *under_file = g_build_filename (file, "storage", NULL);
  g_autofree char *storage = g_build_filename (tmp, "storage", NULL);
  g_autoptr (GSocket) holder = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr (GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = NULL;
  g_autofree char *port_text = NULL;
  CtArrivalOptions options = { 0 };
  guint16 port = test_util_free_port ();
  Fixture f;

  g_assert_true (g_file_set_contents (file, "not a folder", -1, NULL));
  fixture_init (&f);
  options.receive = TRUE;
  options.ae_title = "CTTRIAGE";
  options.port = port;
  options.storage_dir = under_file;
  options.quiet_seconds = 1;
  ct_arrival_service_configure (f.service, &options);
  g_assert_true (wait_for (settled, &f));
  g_assert_cmpuint (ct_arrival_service_get_state (f.service), ==, CT_ARRIVAL_STATE_FAILED);
  g_assert_nonnull (strstr (ct_arrival_service_get_error (f.service), under_file));
  g_assert_nonnull (strstr (ct_arrival_service_get_description (f.service), under_file));

  /* Another program holds the port. */
  address = g_inet_socket_address_new (any, port);
  g_assert_true (g_socket_bind (holder, address, TRUE, NULL));
  g_assert_true (g_socket_listen (holder, NULL));
  options.storage_dir = storage;
  ct_arrival_service_configure (f.service, &options);
  g_assert_true (wait_for (settled, &f));
  g_assert_cmpuint (ct_arrival_service_get_state (f.service), ==, CT_ARRIVAL_STATE_FAILED);
  port_text = g_strdup_printf ("port %u", port);
  g_assert_nonnull (strstr (ct_arrival_service_get_error (f.service), port_text));

  /* A bad AE title (set behind the preferences' back). */
  options.ae_title = "BACK\\SLASH";
  g_socket_close (holder, NULL);
  ct_arrival_service_configure (f.service, &options);
  g_assert_true (wait_for (settled, &f));
  g_assert_cmpuint (ct_arrival_service_get_state (f.service), ==, CT_ARRIVAL_STATE_FAILED);
  g_assert_nonnull (strstr (ct_arrival_service_get_error (f.service), "BACK\\SLASH"));

  ct_arrival_service_configure (f.service, NULL);
  g_assert_true (wait_for (settled, &f));
  g_assert_cmpuint (ct_arrival_service_get_state (f.service), ==, CT_ARRIVAL_STATE_OFF);
  g_assert_cmpuint (f.arrived->len, ==, 0);
  fixture_clear (&f);
  test_util_remove_tree (tmp);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arrival-service/validation", test_validation);
  g_test_add_func ("/arrival-service/watch-folder", test_watch_folder);
  g_test_add_func ("/arrival-service/errors", test_errors);
  return g_test_run ();
}
