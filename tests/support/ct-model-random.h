/* SPDX-License-Identifier: MIT */
/* ct-model-random.h: seeded random weights for any structure, written as a
 * .safetensors file image. Used by the tests (full paper width, which is not
 * committed as a file) and by tools/bench-nn; never by the application.
 * BatchNorm statistics are non-trivial (weight 0.6..1.4, bias, mean +-0.2,
 * variance 0.5..1.5) so that folding and fusion are exercised. */
#pragma once

#include <glib.h>

#include "ct-net-structure.h"

G_BEGIN_DECLS

/* A complete .safetensors image of random weights for structure s, with its
 * structure in __metadata__. half: store float16 instead of float32. */
GBytes *ct_model_random_safetensors (const CtNetStructure *s, guint32 seed, gboolean half);

/* float -> IEEE half, round to nearest even. */
guint16 ct_float_to_half (float value);

G_END_DECLS
