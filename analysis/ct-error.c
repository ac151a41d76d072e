/* SPDX-License-Identifier: MIT */
#include "ct-error.h"

G_DEFINE_QUARK (ct - error - quark, ct_error)
