/* SPDX-License-Identifier: MIT */
/* ct-nn-types.h: the engine's shared types, declared once (as GNOME Text
 * Editor's editor-types.h does), so that a layer's header names the types of
 * another without including it: graph/ takes model/'s structure and weights
 * by pointer, model/ calls graph/, and no header includes its caller's. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CtModel CtModel;               /* model/ct-model.h: a loaded network */
typedef struct _CtNnOptions CtNnOptions;       /* ct-nn-options.h: how the engine runs */
typedef struct _CtNetStructure CtNetStructure; /* model/ct-net-structure.h: its shape */
typedef struct _CtNetWeights CtNetWeights;     /* model/ct-net-weights.h: its weights */

typedef enum
{
  CT_MODEL_LUNGS,
  CT_MODEL_MULTITASK_SPATIAL,
} CtModelArchitecture;

/* Per-slice progress, from the calling thread between slices or layers:
 * done slices out of total. Return FALSE to cancel (-> CT_ERROR_CANCELLED). */
typedef gboolean (*CtModelProgressFunc) (int slices_done, int slices_total, gpointer user_data);

G_END_DECLS
