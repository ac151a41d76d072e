/* SPDX-License-Identifier: MIT */
/* ct-study-library.h: the studies that were opened, as a GListModel of
 * CtStudy in the order they were found (docs/architecture.md, "Core
 * types"). It discovers them (ct-study-scan.h: folders, files, DICOMDIRs,
 * NIfTI; one study per CT series, each keeping its scan), remembers every
 * file it skipped and why, and keeps memory bounded: only the volumes of
 * studies being worked on or looked at last stay loaded. The work-list
 * order is ct_study_compare_priority (); a view sorts this model by it. */
#pragma once

#include <gio/gio.h>

#include "ct-study-scan.h"
#include "ct-study.h"

G_BEGIN_DECLS

/* Volumes kept in memory besides those being loaded or analysed: the
 * studies looked at last (a 300-slice 512 x 512 study is 300 MB of HU). */
#define CT_STUDY_LIBRARY_KEPT_VOLUMES 3

#define CT_TYPE_STUDY_LIBRARY (ct_study_library_get_type ())
G_DECLARE_FINAL_TYPE (CtStudyLibrary, ct_study_library, CT, STUDY_LIBRARY, GObject)

CtStudyLibrary *ct_study_library_new (void);

/* Scans every path of the NULL-terminated @paths (blocking; @n_threads
 * header readers, 0 = all cores) and appends one study per CT series. A
 * path that holds none gives a failed study saying why when @keep_failed,
 * else it is only named in the error. Returns the new studies (a new
 * array, in the order appended), or NULL with an error when no path gave
 * a study, or on cancellation. */
GPtrArray *ct_study_library_add_paths (CtStudyLibrary *self, const char *const *paths, int n_threads,
                                       gboolean keep_failed, GCancellable *cancellable, GError **error);
/* The same, the scan on a worker thread (never keeping failed paths); the
 * studies are appended on the calling thread before @callback runs. */
void ct_study_library_add_paths_async (CtStudyLibrary *self, const char *const *paths, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
/* @out_failed (may be NULL) gets the opened paths that held no usable
 * series, as CtSkippedFile* (path and why), also when others did. */
GPtrArray *ct_study_library_add_paths_finish (CtStudyLibrary *self, GAsyncResult *result, GPtrArray **out_failed,
                                              GError **error);

/* Appends a study found elsewhere (the window's receiver,
 * ct-arrival-service.h), on the library's thread. */
void ct_study_library_append (CtStudyLibrary *self, CtStudy *study);

/* CtSkippedFile*: every file the scans did not use, with the reason. */
GPtrArray *ct_study_library_get_skipped (CtStudyLibrary *self);

/* @study is being looked at: keep its volume, and drop those of studies
 * neither worked on nor among the last CT_STUDY_LIBRARY_KEPT_VOLUMES looked
 * at (their analysis stays). */
void ct_study_library_mark_viewed (CtStudyLibrary *self, CtStudy *study);
void ct_study_library_trim_volumes (CtStudyLibrary *self);

G_END_DECLS
