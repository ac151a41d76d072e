/* SPDX-License-Identifier: MIT */
/* ct-arrival-service.h: studies that arrive by themselves, for the window
 * (docs/architecture.md, "Studies that arrive by themselves"). GTK-free.
 *
 * The service owns a DICOM storage receiver (ct-dicom-receiver.h) when
 * asked to receive, and a quiet-time watch (ct-arrival-watch.h) over the
 * receiver's storage folder and the watched folder. Starting and stopping
 * the receiver (which waits for the association in progress), polling the
 * folders and reading the headers of a quiet folder all run on worker
 * threads: the main context only gets their results, so the service never
 * blocks it. Each CT series of a quiet folder is emitted once as
 * "study-arrived" (a new CtStudy, on the context that created the service);
 * the same series again (ct_series_info_dup_identity (), the rule of
 * ct-triage-cli serve) is counted in "n-repeated" and not emitted. */
#pragma once

#include <gio/gio.h>

#include "ct-study.h"

G_BEGIN_DECLS

typedef enum
{
  CT_ARRIVAL_STATE_OFF,      /* neither receiving nor watching */
  CT_ARRIVAL_STATE_CHANGING, /* a new configuration is being applied */
  CT_ARRIVAL_STATE_RUNNING,  /* receiving and/or watching */
  CT_ARRIVAL_STATE_FAILED,   /* the last configuration could not be applied (ct_arrival_service_get_error ()) */
} CtArrivalState;

typedef struct
{
  gboolean receive;         /* run the DICOM receiver */
  const char *ae_title;     /* the called AE title answered to */
  int port;                 /* TCP port, 1-65535 */
  const char *allowed_aets; /* calling AE titles let in, comma separated; NULL or "": any */
  const char *storage_dir;  /* where the receiver stores (created when missing) */
  const char *watch_dir;    /* a folder watched as well; NULL or "": none */
  double quiet_seconds;     /* a folder is complete after this long without a new file */
} CtArrivalOptions;

/* An AE title: 1-16 characters of the DICOM default repertoire (printable
 * ASCII without backslash), not only spaces (PS3.5 6.2, AE). */
gboolean ct_arrival_check_ae_title (const char *ae_title, GError **error);
gboolean ct_arrival_check_port (int port, GError **error);
/* "A, B,C" -> { "A", "B", "C" } (spaces around titles dropped); "" or NULL
 * -> an empty vector (any); NULL with an error naming the bad title. */
GStrv ct_arrival_parse_ae_titles (const char *text, GError **error);

#define CT_TYPE_ARRIVAL_SERVICE (ct_arrival_service_get_type ())
G_DECLARE_FINAL_TYPE (CtArrivalService, ct_arrival_service, CT, ARRIVAL_SERVICE, GObject)

CtArrivalService *ct_arrival_service_new (void);
/* Asks for @options (copied; NULL: off) and returns at once: the old
 * receiver is stopped and the new one started on a worker; "state" and
 * "description" follow. */
void ct_arrival_service_configure (CtArrivalService *self, const CtArrivalOptions *options);
/* Configures from the receiver-* keys of @settings (the schema's
 * "Studies that arrive by themselves"), now and after each change (changes
 * within half a second count as one). */
void ct_arrival_service_follow_settings (CtArrivalService *self, GSettings *settings);
/* For the end of the program: stops the receiver and waits for its thread
 * (at most the association in progress). */
void ct_arrival_service_shutdown (CtArrivalService *self);

CtArrivalState ct_arrival_service_get_state (CtArrivalService *self);
/* Why the last configuration failed (the port in use, a folder that cannot
 * be written, a bad AE title ...), or NULL. */
const char *ct_arrival_service_get_error (CtArrivalService *self);
/* One line for people: "Receiving as CTTRIAGE on port 11112", the error ... */
const char *ct_arrival_service_get_description (CtArrivalService *self);
/* Series that arrived again (the same instances) and were not emitted. */
guint ct_arrival_service_get_n_repeated (CtArrivalService *self);

G_END_DECLS
