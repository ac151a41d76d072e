/* SPDX-License-Identifier: MIT */
/* ct-series-loader.h: a discovered series (ct-series-info.h) -> CtVolume in
 * HU with its exact LPS geometry.
 *
 * DICOM: slices sorted and checked by ct_series_geometry_compute () (sorted
 * along the slice normal, spacing from positions, duplicates, gaps, mixed
 * sizes and gantry tilt reported as volume warnings), multi-frame files read
 * frame by frame, pixels decoded in parallel (one GDCM reader per file and
 * thread), each file's RescaleSlope/Intercept applied. Voxel rows and
 * columns keep DICOM's stored order: direction[0..2] is the first
 * ImageOrientationPatient triple, direction[3..5] the second, direction[6..8]
 * the step between consecutive sorted slices.
 */
#pragma once

#include <gio/gio.h>

#include "ct-series-geometry.h"
#include "ct-series-info.h"
#include "ct-series-workers.h"
#include "ct-volume.h"

G_BEGIN_DECLS

/* @n_threads 0 = all processors; @progress (may be NULL) gets the fraction
 * of files decoded, on the calling thread. */
CtVolume *ct_series_load (const CtSeriesInfo *series, int n_threads, CtSeriesProgressFunc progress,
                          gpointer progress_data, GCancellable *cancellable, GError **error);

/* The geometry @series will have, from its headers alone (DICOM only). */
CtSeriesGeometry *ct_series_compute_geometry (const CtSeriesInfo *series, GError **error);

/* Scans @path and loads the series @series_uid there (the only one when
 * NULL; for NIfTI files the file's path also names it). Shaped as the job
 * queue's CtJobLoadFunc. When nothing under @path is a CT series, the error
 * says why (e.g. CT_ERROR_NOT_CT "MR is not a CT series"). */
CtVolume *ct_series_load_path (const char *path, const char *series_uid, GCancellable *cancellable, GError **error);

/* Bytes of memory a load may still take (MemAvailable, else physical
 * memory): volumes that need more are refused before allocating. */
guint64 ct_series_available_memory (void);

G_END_DECLS
