/* SPDX-License-Identifier: MIT */
/* ct-phantom-volume.h: a generated phantom as a CtVolume (GLib layer over the
 * libm-only phantom core; the core itself must not depend on GLib). */
#pragma once

#include "ct-volume.h"
#include "phantom.h"

G_BEGIN_DECLS

/* A new volume holding a copy of the study's voxels (HU) and its exact
 * geometry; no provenance strings are set. NULL when out of memory. */
CtVolume *ct_phantom_volume_new (const PhantomStudy *study);

G_END_DECLS
