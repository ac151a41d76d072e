/* SPDX-License-Identifier: MIT */
/* ct-dicom-receiver.cpp: the C API of ct-dicom-receiver.h over DCMTK's
 * DcmStorageSCP and DcmStorageSCU. Every entry point catches every C++
 * exception; DCMTK conditions become GErrors in the CT_ERROR domain. */
#include "ct-dcmtk-file.h"
#include "ct-dicom-receiver.h"
#include "ct-dicom-output.h"
#include "ct-error.h"

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/dstorscp.h>
#include <dcmtk/dcmnet/dstorscu.h>
#include <dcmtk/oflog/oflog.h>

#include <glib/gstdio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <string>
#include <vector>

namespace {

/* A UID as a file name: [0-9.] kept, anything else '_'; never empty, never
 * "." or "..". */
std::string
sanitise_uid (const char *uid)
{
  std::string out;
  for (const char *p = uid != NULL ? uid : ""; *p != '\0' && out.size () < 64; p++)
    out += (g_ascii_isdigit (*p) || *p == '.') ? *p : '_';
  if (out.empty () || out.find_first_not_of ('.') == std::string::npos)
    out = "unknown";
  return out;
}

/* A file staged in the association's folder and its final name. */
struct Staged
{
  std::string tmp, final_path;
};

class Receiver : public DcmStorageSCP
{
public:
  std::string storage_dir;
  std::vector<std::string> allowed;
  CtDicomReceiverLogFunc log_func = NULL;
  gpointer user_data = NULL;
  std::atomic<bool> stop{ false };

  void
  log (const char *format, ...) G_GNUC_PRINTF (2, 3)
  {
    va_list args;
    va_start (args, format);
    g_autofree char *line = g_strdup_vprintf (format, args);
    va_end (args);
    if (log_func != NULL)
      log_func (line, user_data);
  }

  /* DcmSCP's listening switches dcmtk's process-wide input data
   * correction off ("see the real data"); then the SEG writer
   * (ct-dicom-output.cpp) reads the source's even-length padded UIDs with
   * their padding and refuses them. The received files are stored as they
   * came either way: switched back on whenever the loop passes here. */
  static void
  restore_input_correction (void)
  {
    dcmEnableAutomaticInputDataCorrection.set (OFTrue);
  }

protected:
  void
  notifyConnectionTimeout () override
  {
    restore_input_correction ();
  }

  void
  notifyAssociationRequest (const T_ASC_Parameters &params, DcmSCPActionType &action) override
  {
    restore_input_correction ();
    DcmStorageSCP::notifyAssociationRequest (params, action);
  }

  /* A sender that calls another AE title is misrouted: refused. */
  OFBool
  checkCalledAETitleAccepted (const OFString &called) override
  {
    if (called == getConfig ().getAETitle ())
      return OFTrue;
    log ("refused association calling AE title '%s' (this node is '%s')", called.c_str (),
         getConfig ().getAETitle ().c_str ());
    return OFFalse;
  }

  OFBool
  checkCallingAETitleAccepted (const OFString &calling) override
  {
    if (allowed.empty ())
      return OFTrue;
    for (const std::string &a : allowed)
      if (a == calling.c_str ())
        return OFTrue;
    log ("refused association from calling AE title '%s' (not in the allow-list)", calling.c_str ());
    return OFFalse;
  }

  void
  notifyAssociationAcknowledge () override
  {
    n_associations_++;
    released_ = false;
    staged_.clear ();
    g_autofree char *name = g_strdup_printf ("%lu-%lu", (unsigned long) getpid (), n_associations_);
    assoc_dir_ = std::string (storage_dir) + G_DIR_SEPARATOR_S ".incoming" G_DIR_SEPARATOR_S + name;
    g_mkdir_with_parents (assoc_dir_.c_str (), 0755);
    log ("association %lu accepted from '%s'", n_associations_, getPeerAETitle ().c_str ());
  }

  void
  notifyReleaseRequest () override
  {
    released_ = true;
    DcmStorageSCP::notifyReleaseRequest ();
  }

  void
  notifyAssociationTermination () override
  {
    if (assoc_dir_.empty ())
      return;
    if (released_)
      {
        guint moved = 0;
        for (const Staged &s : staged_)
          {
            g_autofree char *dir = g_path_get_dirname (s.final_path.c_str ());
            if (g_mkdir_with_parents (dir, 0755) == 0 && g_rename (s.tmp.c_str (), s.final_path.c_str ()) == 0)
              moved++;
            else
              log ("cannot move %s to %s: %s", s.tmp.c_str (), s.final_path.c_str (), g_strerror (errno));
          }
        log ("association %lu released: %u instances stored", n_associations_, moved);
      }
    else
      {
        for (const Staged &s : staged_)
          g_unlink (s.tmp.c_str ());
        log ("association %lu aborted: %zu received instances discarded", n_associations_, staged_.size ());
      }
    g_rmdir (assoc_dir_.c_str ());
    staged_.clear ();
    assoc_dir_.clear ();
  }

  Uint16
  checkAndProcessSTORERequest (const T_DIMSE_C_StoreRQ &req, DcmFileFormat &ff) override
  {
    DcmDataset *ds = ff.getDataset ();
    const char *study = NULL, *series = NULL, *sop = NULL;

    if (ds == NULL)
      return STATUS_STORE_Error_CannotUnderstand;
    ds->findAndGetString (DCM_StudyInstanceUID, study);
    ds->findAndGetString (DCM_SeriesInstanceUID, series);
    ds->findAndGetString (DCM_SOPInstanceUID, sop);
    if (sop == NULL || *sop == '\0')
      sop = req.AffectedSOPInstanceUID;
    if (study == NULL || series == NULL || *study == '\0' || *series == '\0')
      {
        log ("refused instance %s: no Study or Series Instance UID", sop);
        return STATUS_STORE_Error_DataSetDoesNotMatchSOPClass;
      }
    Staged s;
    g_autofree char *final_path = ct_dicom_receiver_instance_path (storage_dir.c_str (), study, series, sop);
    s.final_path = final_path; /* copied: the C string is freed here */
    s.tmp = assoc_dir_ + G_DIR_SEPARATOR_S + sanitise_uid (sop) + ".part";
    /* Not ff.saveFile (): on a full disk it can lose the file's tail and
     * say nothing, and the sender would be told the instance is stored. */
    g_autoptr (GError) error = NULL;
    if (!ct_dcmtk_save_file (ff, s.tmp.c_str (), EXS_Unknown, &error))
      {
        log ("refused instance %s: %s", sop, error->message);
        g_unlink (s.tmp.c_str ());
        return STATUS_STORE_Refused_OutOfResources;
      }
    /* The same instance twice in one association: the later copy wins. */
    for (const Staged &t : staged_)
      if (t.tmp == s.tmp)
        return STATUS_Success;
    staged_.push_back (s);
    return STATUS_Success;
  }

  OFBool
  stopAfterCurrentAssociation () override
  {
    return stop.load ();
  }

  OFBool
  stopAfterConnectionTimeout () override
  {
    return stop.load ();
  }

private:
  unsigned long n_associations_ = 0;
  bool released_ = false;
  std::string assoc_dir_;
  std::vector<Staged> staged_;
};

/* Counts the instances the peer did not store (a status that is not
 * success or warning). */
class Sender : public DcmStorageSCU
{
public:
  guint n_failed = 0;

protected:
  void
  notifySOPInstanceSent (const TransferEntry &entry) override
  {
    if (DICOM_WARNING_STATUS (entry.ResponseStatusCode) || entry.ResponseStatusCode == STATUS_Success)
      return;
    n_failed++;
  }
};

} // namespace

struct _CtDicomReceiver
{
  Receiver *scp;
  GThread *thread;
};

char *
ct_dicom_receiver_instance_path (const char *storage_dir, const char *study_uid, const char *series_uid,
                                 const char *sop_uid)
{
  std::string file = sanitise_uid (sop_uid) + ".dcm";
  return g_build_filename (storage_dir, sanitise_uid (study_uid).c_str (), sanitise_uid (series_uid).c_str (),
                           file.c_str (), NULL);
}

/* Staged files of a receiver that died mid-transfer (killed, power cut):
 * never complete, never moved; removed at the next start. One receiver per
 * storage folder. Returns how many files went. */
static guint
clear_stale_staging (const char *incoming)
{
  g_autoptr (GDir) dir = g_dir_open (incoming, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *sub = g_build_filename (incoming, name, NULL);
      g_autoptr (GDir) d = g_dir_open (sub, 0, NULL);
      const char *file;

      while (d != NULL && (file = g_dir_read_name (d)) != NULL)
        if (g_str_has_suffix (file, ".part"))
          {
            g_autofree char *path = g_build_filename (sub, file, NULL);
            if (g_unlink (path) == 0)
              n++;
          }
      g_rmdir (sub);
    }
  return n;
}

static gpointer
receiver_thread (gpointer data)
{
  Receiver *scp = static_cast<Receiver *> (data);
  try
    {
      Receiver::restore_input_correction ();
      OFCondition cond = scp->acceptAssociations ();
      if (cond.bad () && !scp->stop.load ())
        scp->log ("receiver stopped: %s", cond.text ());
    }
  catch (const std::exception &e)
    {
      scp->log ("receiver stopped: %s", e.what ());
    }
  return NULL;
}

/* The storage SOP classes below, in the usual
 * transfer syntaxes (the received data is stored as it came). */
static bool
add_contexts (Receiver *scp, GError **error)
{
  OFList<OFString> syntaxes;
  const char *const ts[] = {
    UID_LittleEndianExplicitTransferSyntax,
    UID_LittleEndianImplicitTransferSyntax,
    UID_BigEndianExplicitTransferSyntax,
    UID_DeflatedExplicitVRLittleEndianTransferSyntax,
    UID_JPEGProcess1TransferSyntax,
    UID_JPEGProcess2_4TransferSyntax,
    UID_JPEGProcess14SV1TransferSyntax,
    UID_JPEGLSLosslessTransferSyntax,
    UID_JPEGLSLossyTransferSyntax,
    UID_JPEG2000LosslessOnlyTransferSyntax,
    UID_JPEG2000TransferSyntax,
    UID_RLELosslessTransferSyntax,
  };
  for (const char *t : ts)
    syntaxes.push_back (t);

  /* DcmSCP itself answers C-ECHO (Verification is in its configuration
   * already: adding it again makes the profile invalid). */
  OFCondition cond = EC_Normal;
  /* An association holds at most 128 presentation contexts: the classes a
   * triage node needs first, then DCMTK's usual storage list. */
  std::vector<std::string> classes = {
    UID_CTImageStorage,    UID_EnhancedCTImageStorage, UID_SegmentationStorage,    UID_ComprehensiveSRStorage,
    UID_EnhancedSRStorage, UID_BasicTextSRStorage,     UID_EncapsulatedPDFStorage, UID_SecondaryCaptureImageStorage,
  };
  for (int i = 0; i < numberOfDcmLongSCUStorageSOPClassUIDs && classes.size () < 127 /* + Verification */; i++)
    if (std::find (classes.begin (), classes.end (), dcmLongSCUStorageSOPClassUIDs[i]) == classes.end ())
      classes.push_back (dcmLongSCUStorageSOPClassUIDs[i]);
  for (size_t i = 0; cond.good () && i < classes.size (); i++)
    cond = scp->addPresentationContext (classes[i].c_str (), syntaxes);
  if (cond.good ())
    return true;
  g_set_error (error, CT_ERROR, CT_ERROR_FAILED, "Cannot set up the receiver's presentation contexts: %s",
               cond.text ());
  return false;
}

CtDicomReceiver *
ct_dicom_receiver_start (const CtDicomReceiverOptions *options, CtDicomReceiverLogFunc log_func, gpointer user_data,
                         GError **error)
{
  ct_dicom_quiet_logging ();
  g_return_val_if_fail (options != NULL && options->storage_dir != NULL && options->ae_title != NULL, NULL);
  try
    {
      Receiver *scp = new Receiver ();
      g_autofree char *incoming = g_build_filename (options->storage_dir, ".incoming", NULL);

      if (g_mkdir_with_parents (incoming, 0755) != 0)
        {
          int e = errno;
          g_set_error (error, CT_ERROR, CT_ERROR_IO, "Cannot create the storage folder %s: %s", options->storage_dir,
                       g_strerror (e));
          delete scp;
          return NULL;
        }
      scp->storage_dir = options->storage_dir;
      scp->log_func = log_func;
      scp->user_data = user_data;
      if (guint n_stale = clear_stale_staging (incoming))
        scp->log ("removed %u instances of transfers a previous run did not finish", n_stale);
      for (guint i = 0; options->allowed_aets != NULL && options->allowed_aets[i] != NULL; i++)
        if (*options->allowed_aets[i] != '\0')
          scp->allowed.push_back (options->allowed_aets[i]);
      DcmSCPConfig &config = scp->getConfig ();
      config.setAETitle (options->ae_title);
      config.setPort (options->port);
      config.setRespondWithCalledAETitle (OFFalse);
      /* Idle accept loop and DIMSE waits wake every second to see the stop flag. */
      config.setConnectionBlockingMode (DUL_NOBLOCK);
      config.setConnectionTimeout (1);
      config.setDIMSEBlockingMode (DIMSE_NONBLOCKING);
      config.setDIMSETimeout (60);
      config.setHostLookupEnabled (OFFalse);
      if (!add_contexts (scp, error))
        {
          delete scp;
          return NULL;
        }
      OFCondition cond = scp->openListenPort ();
      if (cond.bad ())
        {
          g_set_error (error, CT_ERROR, CT_ERROR_IO, "Cannot listen on port %u: %s", options->port, cond.text ());
          delete scp;
          return NULL;
        }
      Receiver::restore_input_correction ();
      CtDicomReceiver *self = g_new0 (CtDicomReceiver, 1);
      self->scp = scp;
      /* At most 15 characters: the kernel refuses longer thread names. */
      self->thread = g_thread_new ("ct-dicom-recv", receiver_thread, scp);
      return self;
    }
  catch (const std::exception &e)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, "DICOM receiver: %s", e.what ());
      return NULL;
    }
}

void
ct_dicom_receiver_stop (CtDicomReceiver *self)
{
  if (self == NULL)
    return;
  self->scp->stop.store (true);
  g_thread_join (self->thread);
  delete self->scp;
  g_free (self);
}

gboolean
ct_dicom_send_files (const char *calling_aet, const char *peer_aet, const char *host, guint16 port,
                     const char *const *paths, GError **error)
{
  ct_dicom_quiet_logging ();
  try
    {
      Sender scu;
      OFCondition cond;
      guint n = 0;

      scu.setAETitle (calling_aet);
      scu.setPeerAETitle (peer_aet);
      scu.setPeerHostName (host);
      scu.setPeerPort (port);
      scu.setConnectionTimeout (10);
      scu.setACSETimeout (30);
      scu.setDIMSETimeout (60);
      for (guint i = 0; paths != NULL && paths[i] != NULL; i++, n++)
        if ((cond = scu.addDicomFile (paths[i], ERM_fileOnly, OFFalse)).bad ())
          {
            g_set_error (error, CT_ERROR, CT_ERROR_IO, "Cannot send %s: %s", paths[i], cond.text ());
            return FALSE;
          }
      if (n == 0)
        return TRUE;
      if ((cond = scu.addPresentationContexts ()).bad () || (cond = scu.initNetwork ()).bad () ||
          (cond = scu.negotiateAssociation ()).bad ())
        {
          g_set_error (error, CT_ERROR, CT_ERROR_IO, "No association with %s@%s:%u: %s", peer_aet, host, port,
                       cond.text ());
          return FALSE;
        }
      cond = scu.sendSOPInstances ();
      size_t left = scu.getNumberOfSOPInstancesToBeSent ();
      scu.releaseAssociation ();
      if (cond.bad () || left > 0)
        {
          g_set_error (error, CT_ERROR, CT_ERROR_IO, "Sending to %s@%s:%u failed: %s", peer_aet, host, port,
                       cond.bad () ? cond.text () : "instances not sent");
          return FALSE;
        }
      if (scu.n_failed > 0)
        {
          g_set_error (error, CT_ERROR, CT_ERROR_IO, "%s@%s:%u did not store every instance", peer_aet, host, port);
          return FALSE;
        }
      return TRUE;
    }
  catch (const std::exception &e)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, "DICOM send: %s", e.what ());
      return FALSE;
    }
}
