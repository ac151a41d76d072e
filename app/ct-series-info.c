/* SPDX-License-Identifier: MIT */
#include "ct-series-info.h"

#include <string.h>

/* The longest folder containing every one of @headers' files. */
static char *
common_folder (GPtrArray *headers)
{
  g_autofree char *folder = NULL;

  for (guint i = 0; i < headers->len; i++)
    {
      const CtGdcmHeader *h = g_ptr_array_index (headers, i);
      g_autofree char *dir = g_path_get_dirname (h->path);

      if (folder == NULL)
        {
          folder = g_steal_pointer (&dir);
          continue;
        }
      while (strcmp (folder, dir) != 0)
        {
          /* Shorten the longer of the two until they meet. */
          if (strlen (folder) >= strlen (dir))
            {
              char *up = g_path_get_dirname (folder);
              if (strcmp (up, folder) == 0)
                {
                  g_free (up);
                  break;
                }
              g_free (folder);
              folder = up;
            }
          else
            {
              char *up = g_path_get_dirname (dir);
              g_free (dir);
              dir = up;
            }
        }
    }
  return g_steal_pointer (&folder);
}

CtSeriesInfo *
ct_series_info_new_dicom (GPtrArray *headers)
{
  CtSeriesInfo *self;
  const CtGdcmHeader *first;

  g_return_val_if_fail (headers != NULL && headers->len > 0, NULL);

  first = g_ptr_array_index (headers, 0);
  self = g_new0 (CtSeriesInfo, 1);
  self->kind = CT_SERIES_KIND_DICOM;
  self->headers = headers;
  self->path = common_folder (headers);
  self->study_uid = g_strdup (first->study_uid);
  self->series_uid = g_strdup (first->series_uid);
  self->patient_id = g_strdup (first->patient_id);
  self->patient_name = g_strdup (first->patient_name);
  self->study_date = g_strdup (first->study_date);
  self->series_description = g_strdup (first->series_description);
  self->accession_number = g_strdup (first->accession_number);
  self->patient_age = g_strdup (first->patient_age);
  self->patient_sex = g_strdup (first->patient_sex);
  self->series_number = g_strdup (first->series_number);
  self->modality = g_strdup (first->modality ? first->modality : "CT");
  self->rows = first->rows;
  self->columns = first->columns;
  for (guint i = 0; i < headers->len; i++)
    self->n_images += ((const CtGdcmHeader *) g_ptr_array_index (headers, i))->n_frames;
  return self;
}

CtSeriesInfo *
ct_series_info_new_nifti (const char *path, int columns, int rows, int slices)
{
  CtSeriesInfo *self = g_new0 (CtSeriesInfo, 1);

  self->kind = CT_SERIES_KIND_NIFTI;
  self->path = g_strdup (path);
  self->series_description = g_path_get_basename (path);
  self->columns = columns;
  self->rows = rows;
  self->n_images = slices;
  return self;
}

void
ct_series_info_free (CtSeriesInfo *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_free (self->study_uid);
  g_free (self->series_uid);
  g_free (self->patient_id);
  g_free (self->patient_name);
  g_free (self->study_date);
  g_free (self->series_description);
  g_free (self->accession_number);
  g_free (self->patient_age);
  g_free (self->patient_sex);
  g_free (self->series_number);
  g_free (self->modality);
  g_clear_pointer (&self->headers, g_ptr_array_unref);
  g_free (self);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

char *
ct_series_info_dup_identity (const CtSeriesInfo *self)
{
  g_autoptr (GChecksum) sum = NULL;
  g_autoptr (GPtrArray) uids = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->headers == NULL)
    return g_strconcat ("path:", self->path, NULL);
  sum = g_checksum_new (G_CHECKSUM_SHA256);
  uids = g_ptr_array_new ();
  for (guint i = 0; i < self->headers->len; i++)
    {
      const CtGdcmHeader *h = g_ptr_array_index (self->headers, i);
      g_ptr_array_add (uids, h->sop_instance_uid != NULL ? h->sop_instance_uid : h->path);
    }
  g_ptr_array_sort (uids, compare_strings);
  for (guint i = 0; i < uids->len; i++)
    {
      g_checksum_update (sum, (const guchar *) g_ptr_array_index (uids, i), -1);
      g_checksum_update (sum, (const guchar *) "\n", 1);
    }
  return g_strdup_printf ("%s:%u:%s", self->series_uid != NULL ? self->series_uid : "-", uids->len,
                          g_checksum_get_string (sum));
}
