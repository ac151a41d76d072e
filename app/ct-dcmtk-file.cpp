/* SPDX-License-Identifier: MIT */
/* ct-dcmtk-file.cpp: see ct-dcmtk-file.h. */
#include "ct-dcmtk-file.h"
#include "ct-error.h"

#include <dcmtk/dcmdata/dcostrmf.h>
#include <dcmtk/dcmdata/dcwcache.h>

#include <glib/gstdio.h>

#include <cerrno>

bool
ct_dcmtk_save_file (DcmFileFormat &ff, const char *path, E_TransferSyntax xfer, GError **error)
{
  OFCondition cond;
  offile_off_t given = 0;
  int write_errno = 0, close_errno = 0;
  GStatBuf st;

  {
    DcmWriteCache cache;
    DcmOutputFileStream stream (path);

    cond = stream.status ();
    if (cond.good ())
      {
        /* saveFile ()'s defaults. */
        errno = 0;
        ff.transferInit ();
        cond = ff.write (stream, xfer, EET_UndefinedLength, &cache, EGL_recalcGL, EPD_noChange, 0, 0, 0,
                         EWM_fileformat);
        ff.transferEnd ();
        /* DCMTK's condition for a failed write is "I/O suspension or
         * premature end of stream": the system's reason is in errno. */
        write_errno = errno;
        given = stream.tell ();
      }
    errno = 0;
  } /* the stream flushes and closes the file here: its last buffer written, or not */
  close_errno = errno;

  if (cond.bad ())
    {
      if (write_errno != 0)
        g_set_error (error, CT_ERROR, CT_ERROR_IO, "Cannot write %s: %s (%s)", path, g_strerror (write_errno),
                     cond.text ());
      else
        g_set_error (error, CT_ERROR, CT_ERROR_IO, "Cannot write %s: %s", path, cond.text ());
      return false;
    }
  if (g_stat (path, &st) != 0)
    st.st_size = 0;
  if ((offile_off_t) st.st_size != given)
    {
      /* The reason the close failed, where the system gave one (a full disk
       * on every file system seen: ENOSPC or EDQUOT). */
      g_set_error (error, CT_ERROR, CT_ERROR_IO,
                   "Cannot write %s: %s (%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " bytes on the disk)", path,
                   g_strerror (close_errno != 0 ? close_errno : EIO), (gint64) st.st_size, (gint64) given);
      return false;
    }
  return true;
}
