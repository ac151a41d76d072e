/* SPDX-License-Identifier: MIT */
/* ct-reorient.h: the mapping between a volume's voxel grid and the network
 * orientation (docs/architecture.md, "The method", step 1), by axis permutation and flips only.
 *
 * Network grid [n][h][w]: slices run superior -> inferior, rows anterior ->
 * posterior, columns patient right -> patient left. In LPS that is slice
 * direction -z, row direction +y, column direction +x. Each network axis is
 * assigned the volume axis (i, j or k) whose direction cosine is closest to
 * it (the permutation maximising the summed |cosines|), flipped when it
 * points the other way. No voxel value is interpolated: the mapping is exact
 * both ways, so a head-first, feet-first or mirrored stack gives the same
 * network input.
 */
#pragma once

#include <glib.h>

#include "ct-volume.h"

G_BEGIN_DECLS

/* Network axes, in array order [slice][row][column]. */
typedef enum
{
  CT_NET_AXIS_SLICE,
  CT_NET_AXIS_ROW,
  CT_NET_AXIS_COLUMN,
} CtNetAxis;

typedef struct
{
  int volume_dims[3];    /* nx, ny, nz of the volume (axes i, j, k) */
  int volume_axis[3];    /* for network axis a: 0 = i, 1 = j, 2 = k */
  gboolean flip[3];      /* for network axis a: runs against the volume axis */
  int net_dims[3];       /* n, h, w: network slices, rows, columns */
  double net_spacing[3]; /* mm between voxel centres along slice, row, column */
  gsize base;            /* volume voxel index of network voxel (0, 0, 0) */
  gssize step[3];        /* volume voxel-index change per step along network axis a */
} CtReorient;

void ct_reorient_init_from_direction (CtReorient *self, const double direction[9], const double spacing[3], int nx,
                                      int ny, int nz);
void ct_reorient_init_from_volume (CtReorient *self, const CtVolume *volume);
/* Volume voxel index [nz][ny][nx] of network voxel (s, r, c). */
gsize ct_reorient_volume_index (const CtReorient *self, int s, int r, int c);
/* The inverse: network coordinates (s, r, c) of volume voxel (i, j, k). */
void ct_reorient_net_coords (const CtReorient *self, int i, int j, int k, int out_src[3]);
/* Copies network slice s at native in-plane resolution into out [h][w]. */
void ct_reorient_extract_slice (const CtReorient *self, const float *volume_data, int s, float *out);
/* Whole-volume copies both ways, for tests and mask export: [n][h][w] <-> [nz][ny][nx]. */
void ct_reorient_to_net_u8 (const CtReorient *self, const guint8 *volume_data, guint8 *net_data);
void ct_reorient_from_net_u8 (const CtReorient *self, const guint8 *net_data, guint8 *volume_data);
void ct_reorient_to_net_f32 (const CtReorient *self, const float *volume_data, float *net_data);
void ct_reorient_from_net_f32 (const CtReorient *self, const float *net_data, float *volume_data);

G_END_DECLS
