/* SPDX-License-Identifier: MIT */
/* ct-study-source.h: the GUI's and the job queue's door to the loader:
 * turns a path into study items, and a study item's path back into a volume.
 * Both run on worker threads (they read files); neither touches GTK. */
#pragma once

#include <gio/gio.h>

#include "ct-study-item.h"

G_BEGIN_DECLS

/* Every study under path (folder scanned recursively, DICOM file, DICOMDIR
 * or NIfTI file), as new CtStudyItems (status QUEUED, info filled from the
 * headers where known). Returns NULL with an error when nothing loadable is
 * there. */
GPtrArray *ct_study_source_discover (const char   *path,
                                     GCancellable *cancellable,
                                     GError      **error);

/* A CtJobLoadFunc: the volume of one study found by ct_study_source_discover. */
CtVolume  *ct_study_source_load     (const char   *path,
                                     const char   *series_uid,
                                     GCancellable *cancellable,
                                     GError      **error);

G_END_DECLS
