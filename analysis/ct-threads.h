/* SPDX-License-Identifier: MIT */
/* ct-threads.h: the one rule for thread counts. A request of 0 means all
 * cores; a request above the number of cores is capped to it (thousands of
 * OpenMP threads exhaust the stacks and crash libgomp). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The number of cores (g_get_num_processors, at least 1). */
int ct_threads_available (void);

/* @requested if 1..cores, else the number of cores (0, negative or too many). */
int ct_threads_cap (int requested);

G_END_DECLS
