/* SPDX-License-Identifier: MIT */
#include "ct-phantom-volume.h"

#include <string.h>

CtVolume *
ct_phantom_volume_new (const PhantomStudy *study)
{
  CtVolume *volume;

  g_return_val_if_fail (study != NULL, NULL);

  volume = ct_volume_new (study->nx, study->ny, study->nz);
  if (volume == NULL)
    return NULL;
  memcpy (volume->hu, study->hu, ct_volume_n_voxels (volume) * sizeof (float));
  memcpy (volume->spacing, study->spacing, sizeof volume->spacing);
  memcpy (volume->origin, study->origin, sizeof volume->origin);
  memcpy (volume->direction, study->direction, sizeof volume->direction);
  return volume;
}
