/* SPDX-License-Identifier: MIT */
#include "ct-slice-geometry.h"

#include <math.h>

/* The patient axis (0 = x/L, 1 = y/P, 2 = z/S) and sign each view axis wants:
 * screen x, screen y, slice index. See the header for the convention. */
static const struct
{
  int axis[3];
  int sign[3];
} view_axes[CT_N_VIEW_PLANES] = {
  [CT_VIEW_AXIAL] = { { 0, 1, 2 }, { +1, +1, -1 } },
  [CT_VIEW_CORONAL] = { { 0, 2, 1 }, { +1, -1, +1 } },
  [CT_VIEW_SAGITTAL] = { { 1, 2, 0 }, { +1, -1, +1 } },
};

static const int permutations[6][3] = {
  { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
};

/* voxel_of_patient[p]: the voxel axis closest to patient axis p, chosen as
 * the one-to-one matching with the largest summed |cosine|, so an oblique
 * series still gets each voxel axis exactly once. */
static void
match_voxel_axes (const CtVolume *volume, int voxel_of_patient[3])
{
  double best_score = -1.0;
  int best = 0;

  for (int n = 0; n < 6; n++)
    {
      double score = 0.0;

      for (int a = 0; a < 3; a++)
        score += fabs (volume->direction[3 * a + permutations[n][a]]);
      if (score > best_score + 1e-9)
        {
          best_score = score;
          best = n;
        }
    }
  for (int a = 0; a < 3; a++)
    voxel_of_patient[permutations[best][a]] = a;
}

void
ct_patient_direction_letters (const double lps[3], char out_letters[4])
{
  static const char positive[3] = { 'L', 'P', 'S' };
  static const char negative[3] = { 'R', 'A', 'I' };
  int order[3] = { 0, 1, 2 };
  int n_letters = 0;

  /* Sort the three components by magnitude, largest first. */
  for (int a = 0; a < 3; a++)
    for (int b = a + 1; b < 3; b++)
      if (fabs (lps[order[b]]) > fabs (lps[order[a]]))
        {
          int t = order[a];
          order[a] = order[b];
          order[b] = t;
        }
  for (int n = 0; n < 3; n++)
    {
      double c = lps[order[n]];

      if (fabs (c) < 0.3)
        break;
      out_letters[n_letters++] = c > 0 ? positive[order[n]] : negative[order[n]];
    }
  out_letters[n_letters] = '\0';
}

static void
direction_of (const CtVolume *volume, int voxel_axis, gboolean flip, double out[3])
{
  for (int c = 0; c < 3; c++)
    out[c] = (flip ? -1.0 : 1.0) * volume->direction[3 * voxel_axis + c];
}

void
ct_slice_geometry_init (CtSliceGeometry *self, const CtVolume *volume, CtViewPlane plane)
{
  int voxel_of_patient[3];
  int axis[3];
  gboolean flip[3];
  const int dims[3] = { volume->nx, volume->ny, volume->nz };
  double screen_x[3], screen_y[3], minus[3];

  g_return_if_fail (self != NULL && volume != NULL);
  g_return_if_fail ((unsigned) plane < CT_N_VIEW_PLANES);

  match_voxel_axes (volume, voxel_of_patient);
  for (int v = 0; v < 3; v++)
    {
      int patient_axis = view_axes[plane].axis[v];
      int a = voxel_of_patient[patient_axis];
      double cosine = volume->direction[3 * a + patient_axis];

      axis[v] = a;
      flip[v] = (cosine >= 0 ? +1 : -1) != view_axes[plane].sign[v];
    }

  self->plane = plane;
  self->axis_x = axis[0];
  self->axis_y = axis[1];
  self->axis_slice = axis[2];
  self->flip_x = flip[0];
  self->flip_y = flip[1];
  self->flip_slice = flip[2];
  self->width = dims[axis[0]];
  self->height = dims[axis[1]];
  self->n_slices = dims[axis[2]];
  self->pixel_width_mm = volume->spacing[axis[0]];
  self->pixel_height_mm = volume->spacing[axis[1]];
  self->slice_spacing_mm = volume->spacing[axis[2]];

  direction_of (volume, axis[0], flip[0], screen_x);
  direction_of (volume, axis[1], flip[1], screen_y);
  ct_patient_direction_letters (screen_x, self->label_right);
  ct_patient_direction_letters (screen_y, self->label_bottom);
  for (int c = 0; c < 3; c++)
    minus[c] = -screen_x[c];
  ct_patient_direction_letters (minus, self->label_left);
  for (int c = 0; c < 3; c++)
    minus[c] = -screen_y[c];
  ct_patient_direction_letters (minus, self->label_top);
}

void
ct_slice_geometry_view_to_voxel (const CtSliceGeometry *self, int slice, double x, double y, double out_ijk[3])
{
  double along_x = x - 0.5; /* voxel-centre based */
  double along_y = y - 0.5;
  double along_slice = slice;

  g_return_if_fail (self != NULL && out_ijk != NULL);

  out_ijk[self->axis_x] = self->flip_x ? self->width - 1 - along_x : along_x;
  out_ijk[self->axis_y] = self->flip_y ? self->height - 1 - along_y : along_y;
  out_ijk[self->axis_slice] = self->flip_slice ? self->n_slices - 1 - along_slice : along_slice;
}

gboolean
ct_slice_geometry_voxel_to_view (const CtSliceGeometry *self, const double ijk[3], double *out_x, double *out_y,
                                 int *out_slice)
{
  double vx, vy, vs, along_x, along_y, along_slice;

  g_return_val_if_fail (self != NULL && ijk != NULL, FALSE);

  vx = ijk[self->axis_x];
  vy = ijk[self->axis_y];
  vs = ijk[self->axis_slice];
  along_x = self->flip_x ? self->width - 1 - vx : vx;
  along_y = self->flip_y ? self->height - 1 - vy : vy;
  along_slice = self->flip_slice ? self->n_slices - 1 - vs : vs;
  if (out_x)
    *out_x = along_x + 0.5;
  if (out_y)
    *out_y = along_y + 0.5;
  if (out_slice)
    *out_slice = (int) floor (along_slice + 0.5);

  return along_x >= -0.5 && along_x < self->width - 0.5 && along_y >= -0.5 && along_y < self->height - 0.5 &&
         along_slice >= -0.5 && along_slice < self->n_slices - 0.5;
}

gboolean
ct_slice_geometry_pixel_to_voxel (const CtSliceGeometry *self, int slice, int px, int py, int out_ijk[3])
{
  g_return_val_if_fail (self != NULL && out_ijk != NULL, FALSE);

  if (px < 0 || px >= self->width || py < 0 || py >= self->height || slice < 0 || slice >= self->n_slices)
    return FALSE;
  out_ijk[self->axis_x] = self->flip_x ? self->width - 1 - px : px;
  out_ijk[self->axis_y] = self->flip_y ? self->height - 1 - py : py;
  out_ijk[self->axis_slice] = self->flip_slice ? self->n_slices - 1 - slice : slice;
  return TRUE;
}

const char *
ct_view_plane_get_name (CtViewPlane plane)
{
  static const char *const names[CT_N_VIEW_PLANES] = { "axial", "coronal", "sagittal" };

  g_return_val_if_fail ((unsigned) plane < CT_N_VIEW_PLANES, NULL);
  return names[plane];
}
