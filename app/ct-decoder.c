/* SPDX-License-Identifier: MIT */
/* ct-decoder.c: the public GDCM reading calls, routed to the decoder helper
 * when one is set (ct-decoder.h), and the helper's side of the pipe. */
#include "ct-decoder.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "ct-error.h"

#define REQUEST_TYPE "(yst)"
#define REPLY_TYPE "(bisa{sv}as)"
/* No message is larger than this (the pixel values follow separately). */
#define MAX_MESSAGE (16u << 20)

/* ---- Headers as GVariant dictionaries ------------------------------------ */

#define FOR_STRINGS(X)                                                                                                 \
  X (transfer_syntax_uid)                                                                                              \
  X (transfer_syntax_name)                                                                                             \
  X (sop_class_uid)                                                                                                    \
  X (sop_instance_uid)                                                                                                 \
  X (modality)                                                                                                         \
  X (image_type)                                                                                                       \
  X (study_uid)                                                                                                        \
  X (series_uid)                                                                                                       \
  X (patient_id)                                                                                                       \
  X (patient_name)                                                                                                     \
  X (study_date)                                                                                                       \
  X (series_description)                                                                                               \
  X (accession_number)                                                                                                 \
  X (patient_age)                                                                                                      \
  X (patient_sex)                                                                                                      \
  X (series_number)                                                                                                    \
  X (frame_of_reference_uid)                                                                                           \
  X (photometric)

#define FOR_INTS(X)                                                                                                    \
  X (is_dicomdir)                                                                                                      \
  X (has_pixel_data)                                                                                                   \
  X (rows)                                                                                                             \
  X (columns)                                                                                                          \
  X (n_frames)                                                                                                         \
  X (samples_per_pixel)                                                                                                \
  X (bits_allocated)                                                                                                   \
  X (bits_stored)                                                                                                      \
  X (high_bit)                                                                                                         \
  X (pixel_representation)                                                                                             \
  X (has_position)                                                                                                     \
  X (has_orientation)                                                                                                  \
  X (has_pixel_spacing)                                                                                                \
  X (has_instance_number)                                                                                              \
  X (instance_number)

#define FOR_DOUBLES(X)                                                                                                 \
  X (slice_thickness)                                                                                                  \
  X (spacing_between_slices)                                                                                           \
  X (rescale_slope)                                                                                                    \
  X (rescale_intercept)

static GVariant *
doubles_variant (const double *values, gsize n)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_DOUBLE, values, n, sizeof (double));
}

static GVariant *
header_to_variant (const CtGdcmHeader *h)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  if (h == NULL)
    return g_variant_builder_end (&b);
#define ADD_STRING(name)                                                                                               \
  if (h->name != NULL)                                                                                                 \
    g_variant_builder_add (&b, "{sv}", #name, g_variant_new_string (h->name));
#define ADD_INT(name) g_variant_builder_add (&b, "{sv}", #name, g_variant_new_int32 (h->name));
#define ADD_DOUBLE(name) g_variant_builder_add (&b, "{sv}", #name, g_variant_new_double (h->name));
  FOR_STRINGS (ADD_STRING)
  FOR_INTS (ADD_INT)
  FOR_DOUBLES (ADD_DOUBLE)
  g_variant_builder_add (&b, "{sv}", "pixel_data_offset", g_variant_new_int64 (h->pixel_data_offset));
  g_variant_builder_add (&b, "{sv}", "position", doubles_variant (h->position, 3));
  g_variant_builder_add (&b, "{sv}", "orientation", doubles_variant (h->orientation, 6));
  g_variant_builder_add (&b, "{sv}", "pixel_spacing", doubles_variant (h->pixel_spacing, 2));
  if (h->frame_positions != NULL && h->n_frames > 0)
    g_variant_builder_add (&b, "{sv}", "frame_positions",
                           doubles_variant (h->frame_positions, (gsize) h->n_frames * 3));
  return g_variant_builder_end (&b);
}

static void
lookup_doubles (GVariant *dict, const char *key, double *out, gsize n)
{
  g_autoptr (GVariant) v = g_variant_lookup_value (dict, key, G_VARIANT_TYPE ("ad"));
  gsize got = 0;
  const double *values = v != NULL ? g_variant_get_fixed_array (v, &got, sizeof (double)) : NULL;

  for (gsize i = 0; i < n; i++)
    out[i] = values != NULL && i < got ? values[i] : 0.0;
}

static CtGdcmHeader *
header_from_variant (const char *path, GVariant *dict)
{
  CtGdcmHeader *h = g_new0 (CtGdcmHeader, 1);
  g_autoptr (GVariant) frames = NULL;

  h->path = g_strdup (path);
#define GET_STRING(name) g_variant_lookup (dict, #name, "s", &h->name);
#define GET_INT(name) g_variant_lookup (dict, #name, "i", &h->name);
#define GET_DOUBLE(name) g_variant_lookup (dict, #name, "d", &h->name);
  FOR_STRINGS (GET_STRING)
  FOR_INTS (GET_INT)
  FOR_DOUBLES (GET_DOUBLE)
  g_variant_lookup (dict, "pixel_data_offset", "x", &h->pixel_data_offset);
  lookup_doubles (dict, "position", h->position, 3);
  lookup_doubles (dict, "orientation", h->orientation, 6);
  lookup_doubles (dict, "pixel_spacing", h->pixel_spacing, 2);
  frames = g_variant_lookup_value (dict, "frame_positions", G_VARIANT_TYPE ("ad"));
  if (frames != NULL && h->n_frames > 0 && g_variant_n_children (frames) == (gsize) h->n_frames * 3)
    {
      h->frame_positions = g_new (double, (gsize) h->n_frames * 3);
      lookup_doubles (dict, "frame_positions", h->frame_positions, (gsize) h->n_frames * 3);
    }
  return h;
}

/* ---- Framing ------------------------------------------------------------- */

static gboolean
write_fd (int fd, const void *data, gsize n)
{
  const char *p = data;

  while (n > 0)
    {
      ssize_t done = write (fd, p, n);
      if (done < 0 && errno == EINTR)
        continue;
      if (done <= 0)
        return FALSE;
      p += done;
      n -= (gsize) done;
    }
  return TRUE;
}

/* TRUE when all @n bytes were read; FALSE at end of input, on an error or,
 * with a @deadline (monotonic microseconds, 0: none), when it passes first
 * (then *@timed_out is set). */
static gboolean
read_fd_until (int fd, void *data, gsize n, gint64 deadline, gboolean *timed_out)
{
  char *p = data;

  while (n > 0)
    {
      ssize_t done;
      if (deadline > 0)
        {
          struct pollfd pfd = { fd, POLLIN, 0 };
          gint64 left = deadline - g_get_monotonic_time ();
          int ready = left > 0 ? poll (&pfd, 1, (int) MIN (left / 1000 + 1, G_MAXINT)) : 0;
          if (ready < 0 && errno == EINTR)
            continue;
          if (ready == 0)
            {
              if (timed_out != NULL)
                *timed_out = TRUE;
              return FALSE;
            }
        }
      done = read (fd, p, n);
      if (done < 0 && errno == EINTR)
        continue;
      if (done <= 0)
        return FALSE;
      p += done;
      n -= (gsize) done;
    }
  return TRUE;
}

static gboolean
write_message (int fd, GVariant *message)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (message);
  guint32 length = GUINT32_TO_LE ((guint32) g_variant_get_size (owned));

  return write_fd (fd, &length, sizeof length) && write_fd (fd, g_variant_get_data (owned), g_variant_get_size (owned));
}

static GVariant *
read_message_until (int fd, const char *type, gint64 deadline, gboolean *timed_out)
{
  guint32 length;
  g_autofree char *data = NULL;
  GVariant *message;

  if (!read_fd_until (fd, &length, sizeof length, deadline, timed_out))
    return NULL;
  length = GUINT32_FROM_LE (length);
  if (length > MAX_MESSAGE)
    return NULL;
  data = g_malloc (MAX (length, 1));
  if (!read_fd_until (fd, data, length, deadline, timed_out))
    return NULL;
  /* GLib calls the notify with its user data, not with the data: both are
   * the buffer (a NULL here leaked every message, 1.4 KB per header). */
  message = g_variant_new_from_data (G_VARIANT_TYPE (type), data, length, FALSE, g_free, data);
  data = NULL;
  /* Normal form: a damaged message cannot be read past its end. */
  if (!g_variant_is_normal_form (message))
    {
      g_variant_unref (g_variant_ref_sink (message));
      return NULL;
    }
  return g_variant_ref_sink (message);
}

static GVariant *
read_message (int fd, const char *type)
{
  return read_message_until (fd, type, 0, NULL);
}

/* ---- The helper's side --------------------------------------------------- */

int
ct_decoder_serve (int in_fd, int out_fd)
{
  signal (SIGPIPE, SIG_IGN);
  ct_gdcm_init ();
  for (;;)
    {
      g_autoptr (GVariant) request = read_message (in_fd, REQUEST_TYPE);
      g_autoptr (GError) error = NULL;
      g_autoptr (CtGdcmHeader) header = NULL;
      g_autofree float *values = NULL;
      g_auto (GStrv) files = NULL;
      const char *path;
      guint8 op;
      guint64 n_values;
      gboolean ok = FALSE;
      const char *const no_files[] = { NULL };

      if (request == NULL)
        return 0;
      g_variant_get (request, "(y&st)", &op, &path, &n_values);
      switch (op)
        {
        case 'H':
          header = ct_gdcm_direct_read_header (path, &error);
          ok = header != NULL;
          break;
        case 'P':
          values = n_values <= G_MAXSIZE / sizeof (float) ? g_try_new (float, MAX (n_values, 1)) : NULL;
          if (values == NULL)
            g_set_error (&error, CT_ERROR, CT_ERROR_CORRUPT,
                         "%s: %" G_GUINT64_FORMAT " pixel values do not fit in memory", path, n_values);
          else
            ok = ct_gdcm_direct_read_pixels (path, values, (gsize) n_values, &error);
          break;
        case 'D':
          files = ct_gdcm_direct_read_dicomdir (path, &error);
          ok = files != NULL;
          break;
        default:
          g_set_error (&error, CT_ERROR, CT_ERROR_FAILED, "unknown decoder request %u", op);
          break;
        }
      if (!write_message (out_fd, g_variant_new ("(bis@a{sv}^as)", ok, error != NULL ? error->code : 0,
                                                 error != NULL ? error->message : "", header_to_variant (header),
                                                 files != NULL ? (const char *const *) files : no_files)))
        return 1;
      if (ok && op == 'P' && !write_fd (out_fd, values, (gsize) n_values * sizeof (float)))
        return 1;
    }
}

/* ---- The caller's side --------------------------------------------------- */

typedef struct
{
  GSubprocess *process;
  int in_fd, out_fd; /* its standard output, its standard input */
} Decoder;

/* A helper that has not answered a request within this time is stopped:
 * a hang inside GDCM costs the file, not the run. Generous, for a large
 * JPEG 2000 multi-frame image. */
#define DEFAULT_TIMEOUT_S 120
/* After this many helper failures (crash, hang) in a row, without a single
 * answered request between them, no new helper is started: something is
 * wrong with the helper itself, not with one file. */
#define MAX_FAILURES_IN_A_ROW 32

static GMutex pool_lock;
static GPtrArray *idle_decoders; /* Decoder*, under pool_lock */
static char *decoder_path;
static guint timeout_s = DEFAULT_TIMEOUT_S; /* under pool_lock */
static guint failures_in_a_row;             /* under pool_lock */

void
ct_gdcm_set_decoder_timeout (guint seconds)
{
  g_mutex_lock (&pool_lock);
  timeout_s = seconds > 0 ? seconds : DEFAULT_TIMEOUT_S;
  g_mutex_unlock (&pool_lock);
}

static void
count_outcome (gboolean failed)
{
  g_mutex_lock (&pool_lock);
  failures_in_a_row = failed ? failures_in_a_row + 1 : 0;
  g_mutex_unlock (&pool_lock);
}

static void decoder_free (gpointer data);

void
ct_gdcm_set_decoder (const char *helper_path)
{
  g_autoptr (GPtrArray) old = NULL;

  g_mutex_lock (&pool_lock);
  g_free (decoder_path);
  decoder_path = g_strdup (helper_path);
  failures_in_a_row = 0;
  /* Helpers of the previous path are not reused. */
  old = g_steal_pointer (&idle_decoders);
  g_mutex_unlock (&pool_lock);
  for (guint i = 0; old != NULL && i < old->len; i++)
    decoder_free (g_ptr_array_index (old, i));
  /* A helper that died makes writes to its pipe fail with EPIPE: an error
   * for the file, not a signal that ends this process. */
  if (helper_path != NULL)
    signal (SIGPIPE, SIG_IGN);
}

const char *
ct_gdcm_get_decoder (void)
{
  return decoder_path;
}

static void
decoder_free (gpointer data)
{
  Decoder *d = data;

  if (d == NULL)
    return;
  /* Closing its input ends the helper's loop. */
  g_clear_object (&d->process);
  g_free (d);
}

static Decoder *
acquire_decoder (GError **error)
{
  Decoder *d = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *path = NULL;
  guint failures;

  g_mutex_lock (&pool_lock);
  if (idle_decoders != NULL && idle_decoders->len > 0)
    d = g_ptr_array_steal_index_fast (idle_decoders, idle_decoders->len - 1);
  path = g_strdup (decoder_path);
  failures = failures_in_a_row;
  g_mutex_unlock (&pool_lock);
  if (d != NULL)
    return d;
  if (failures >= MAX_FAILURES_IN_A_ROW)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED,
                   "The DICOM decoder %s failed %u times in a row: it is not started again", path, failures);
      return NULL;
    }

  d = g_new0 (Decoder, 1);
  /* posix_spawn where GLib can (no child set-up): never a fork of this
   * multithreaded process that runs code before exec. GDCM's assertion
   * message would only confuse: the error says what happened. */
  d->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                     G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                 &local, path, NULL);
  if (d->process == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, _ ("Cannot start the DICOM decoder %s: %s"), path, local->message);
      g_free (d);
      return NULL;
    }
  d->in_fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (d->process)));
  d->out_fd = g_unix_output_stream_get_fd (G_UNIX_OUTPUT_STREAM (g_subprocess_get_stdin_pipe (d->process)));
  return d;
}

static void
release_decoder (Decoder *d)
{
  g_mutex_lock (&pool_lock);
  if (idle_decoders == NULL)
    idle_decoders = g_ptr_array_new ();
  g_ptr_array_add (idle_decoders, d);
  g_mutex_unlock (&pool_lock);
}

/* The helper died (or hung, @timed_out) on @path: the error names the file
 * and how it ended. */
static void
set_crash_error (Decoder *d, const char *path, gboolean timed_out, GError **error)
{
  g_autofree char *how = NULL;

  /* Its output is at its end (the process has exited or is exiting), or it
   * hung: stopped either way. */
  g_subprocess_force_exit (d->process);
  g_subprocess_wait (d->process, NULL, NULL);
  count_outcome (TRUE);
  if (timed_out)
    {
      guint seconds;
      g_mutex_lock (&pool_lock);
      seconds = timeout_s;
      g_mutex_unlock (&pool_lock);
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                   "%s: the DICOM decoder (GDCM) did not answer within %u s on this file and was stopped", path,
                   seconds);
      return;
    }
  if (g_subprocess_get_if_signaled (d->process) && g_subprocess_get_term_sig (d->process) != SIGKILL)
    how = g_strdup_printf (_ ("signal %d, %s"), g_subprocess_get_term_sig (d->process),
                           g_strsignal (g_subprocess_get_term_sig (d->process)));
  else if (g_subprocess_get_if_exited (d->process))
    how = g_strdup_printf (_ ("exit status %d"), g_subprocess_get_exit_status (d->process));
  else
    how = g_strdup (_ ("it stopped answering"));
  g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, _ ("%s: the DICOM decoder (GDCM) crashed on this file (%s)"), path,
               how);
}

/* One request; the reply in @out_reply, pixel values into @out. */
static gboolean
call_decoder (guint8 op, const char *path, float *out, gsize n_values, GVariant **out_reply, GError **error)
{
  Decoder *d = acquire_decoder (error);
  g_autoptr (GVariant) reply = NULL;
  gboolean ok, timed_out = FALSE;
  int code;
  const char *message;
  gint64 deadline;

  if (d == NULL)
    return FALSE;
  g_mutex_lock (&pool_lock);
  deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  g_mutex_unlock (&pool_lock);
  if (!write_message (d->out_fd, g_variant_new (REQUEST_TYPE, op, path, (guint64) n_values)) ||
      (reply = read_message_until (d->in_fd, REPLY_TYPE, deadline, &timed_out)) == NULL)
    {
      set_crash_error (d, path, timed_out, error);
      decoder_free (d);
      return FALSE;
    }
  g_variant_get (reply, "(bi&s@a{sv}@as)", &ok, &code, &message, NULL, NULL);
  if (ok && op == 'P' && !read_fd_until (d->in_fd, out, n_values * sizeof (float), deadline, &timed_out))
    {
      set_crash_error (d, path, timed_out, error);
      decoder_free (d);
      return FALSE;
    }
  count_outcome (FALSE);
  release_decoder (d);
  if (!ok)
    {
      g_set_error_literal (error, CT_ERROR, code, message);
      return FALSE;
    }
  *out_reply = g_steal_pointer (&reply);
  return TRUE;
}

CtGdcmHeader *
ct_gdcm_read_header (const char *path, GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) dict = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  if (decoder_path == NULL)
    return ct_gdcm_direct_read_header (path, error);
  if (!call_decoder ('H', path, NULL, 0, &reply, error))
    return NULL;
  dict = g_variant_get_child_value (reply, 3);
  return header_from_variant (path, dict);
}

gboolean
ct_gdcm_read_pixels (const char *path, float *out, gsize n_values, GError **error)
{
  g_autoptr (GVariant) reply = NULL;

  g_return_val_if_fail (path != NULL && out != NULL, FALSE);
  if (decoder_path == NULL)
    return ct_gdcm_direct_read_pixels (path, out, n_values, error);
  return call_decoder ('P', path, out, n_values, &reply, error);
}

char **
ct_gdcm_read_dicomdir (const char *path, GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) files = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  if (decoder_path == NULL)
    return ct_gdcm_direct_read_dicomdir (path, error);
  if (!call_decoder ('D', path, NULL, 0, &reply, error))
    return NULL;
  files = g_variant_get_child_value (reply, 4);
  return g_variant_dup_strv (files, NULL);
}
