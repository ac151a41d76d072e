/* SPDX-License-Identifier: MIT */
/* ct-dicom-receiver.h: a DICOM storage receiver (C-STORE SCP with C-ECHO)
 * and a storage sender (C-STORE SCU), through DCMTK's dcmnet. A small C API
 * over the one C++ file ct-dicom-receiver.cpp, in the manner of
 * ct-dicom-output.h.
 *
 * The receiver listens on its own thread. An association whose calling AE
 * title is not in the allow-list (when one is given), or that calls another
 * AE title than the receiver's, is refused. Each
 * received instance is written to <storage>/.incoming/<association>/ first;
 * only when the peer releases the association normally are its files moved
 * (rename, same file system) to
 *   <storage>/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm
 * (UIDs sanitised to [0-9.], anything else '_'). An aborted association (a
 * killed sender, a broken network) leaves nothing under the final names: its
 * staged files are deleted. So whoever watches the storage folder never sees
 * half a transfer. Staged files a killed receiver left behind are removed
 * when the next one starts on the same storage folder (one receiver per
 * folder). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CtDicomReceiver CtDicomReceiver;

typedef struct
{
  const char *ae_title;            /* the called AE title answered to, e.g. "CTTRIAGE" */
  guint16 port;                    /* TCP port, e.g. 11112 */
  const char *const *allowed_aets; /* calling AE titles let in; NULL or empty: any */
  const char *storage_dir;         /* created when missing */
} CtDicomReceiverOptions;

/* One line per event (association accepted or refused, echo, instance
 * stored, association committed or discarded). Called on the receiver's
 * thread. */
typedef void (*CtDicomReceiverLogFunc) (const char *message, gpointer user_data);

/* Opens the port (fails with a GError when it cannot: in use, no right) and
 * starts the thread. */
CtDicomReceiver *ct_dicom_receiver_start (const CtDicomReceiverOptions *options, CtDicomReceiverLogFunc log_func,
                                          gpointer user_data, GError **error);
/* Stops after the current association (within about a second when idle),
 * joins the thread and frees. NULL is allowed. */
void ct_dicom_receiver_stop (CtDicomReceiver *self);

/* The final path of an instance, as the receiver writes it (owned string). */
char *ct_dicom_receiver_instance_path (const char *storage_dir, const char *study_uid, const char *series_uid,
                                       const char *sop_uid);

/* Sends @paths (DICOM files) by C-STORE to @peer_aet at @host:@port, calling
 * as @calling_aet, in one association. Fails when the association cannot be
 * made or any instance is not stored. */
gboolean ct_dicom_send_files (const char *calling_aet, const char *peer_aet, const char *host, guint16 port,
                              const char *const *paths, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtDicomReceiver, ct_dicom_receiver_stop)

G_END_DECLS
