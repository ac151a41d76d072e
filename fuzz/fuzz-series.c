/* SPDX-License-Identifier: MIT */
/* libFuzzer target: series assembly (issue 11) on header records made from
 * the input, no file read. Two ways in, by the first byte:
 *  - even: CtGdcmHeader records as ct_gdcm_read_header () can give them
 *    (NumberOfFrames 1..1e7, frame positions only for multi-frame records,
 *    any double DS can spell, inf and nan included: g_ascii_strtod reads
 *    them), grouped by series UID as the scanner groups them, each group
 *    through ct_series_info_new_dicom () and ct_series_compute_geometry ()
 *    (the loader's limits, plane building, then the geometry);
 *  - odd: CtSlicePlane records straight into ct_series_geometry_compute ().
 * Checked: no crash or sanitizer report; a NULL result comes with a GError
 * (naming the series folder on the loader's path); a geometry keeps its
 * promises (every kept slice once, a size, a slice step within the gap
 * limits; on the loader's path also finite directions and spacings within
 * the loader's limits). */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "ct-error.h"
#include "ct-series-loader.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

typedef struct
{
  const guint8 *p, *end;
} Bytes;

static guint
take (Bytes *b)
{
  return b->p < b->end ? *b->p++ : 0;
}

static guint
take16 (Bytes *b)
{
  guint hi = take (b);
  return hi << 8 | take (b);
}

/* Values a header holds: mostly small typical ones, some absurd, some raw. */
static double
take_double (Bytes *b)
{
  static const double special[] = {
    0.0,
    1.0,
    -1.0,
    0.5,
    2.0,
    1e-4,
    0.05,
    20.0,
    50.0,
    3000.0,
    1e5,
    -1e5,
    1e15,
    -1e15,
    1e300,
    5e-324,
    0.7071067811865476,
    -0.7071067811865476,
    1e-7,
    99999.9,
    0.049,
    20.01,
    0.02,
    400.0,
  };
  guint kind = take (b);
  double v;

  if (kind < 96)
    return ((double) (gint8) take (b)) * (kind % 8 == 0 ? 0.25 : 1.0 + (kind % 8) * 0.5);
  if (kind < 96 + G_N_ELEMENTS (special))
    return special[kind - 96];
  if (kind == 250)
    return INFINITY;
  if (kind == 251)
    return -INFINITY;
  if (kind == 252)
    return NAN;
  {
    guint8 raw[8];
    for (int i = 0; i < 8; i++)
      raw[i] = (guint8) take (b);
    memcpy (&v, raw, sizeof v);
  }
  return v;
}

static int
take_size (Bytes *b)
{
  static const int sizes[] = { 1, 2, 4, 16, 32, 64, 512, 0, 65535, 3, 8, 7 };
  guint k = take (b);
  return k < 200 ? sizes[k % 8] : k < 250 ? sizes[8 + k % 4] : (int) take16 (b);
}

static void
take_orientation (Bytes *b, double *o)
{
  static const double standard[][6] = {
    { 1, 0, 0, 0, 1, 0 },   { 1, 0, 0, 0, 0, -1 },           { 0, 1, 0, 0, 0, -1 },
    { -1, 0, 0, 0, -1, 0 }, { 1, 0, 0, 0, 0.9848, -0.1736 },
  };
  guint k = take (b);
  if (k < 200)
    memcpy (o, standard[k % G_N_ELEMENTS (standard)], 6 * sizeof (double));
  else
    for (int i = 0; i < 6; i++)
      o[i] = take_double (b);
}

static void
take_plane (Bytes *b, CtSlicePlane *s, int index)
{
  guint flags = take (b);
  s->rows = take_size (b);
  s->columns = take_size (b);
  s->has_position = (flags & 1) != 0 || flags > 128;
  s->has_orientation = (flags & 2) != 0 || flags > 128;
  s->has_pixel_spacing = (flags & 4) != 0 || flags > 128;
  /* A position mostly along z, one step per record, with noise. */
  s->position[0] = (flags & 8) ? take_double (b) : -100.0;
  s->position[1] = (flags & 16) ? take_double (b) : -100.0;
  s->position[2] = (flags & 32) ? take_double (b) : index * (1.0 + (flags >> 6));
  if (s->has_orientation)
    take_orientation (b, s->orientation);
  s->pixel_spacing[0] = (flags & 64) ? take_double (b) : 0.7;
  s->pixel_spacing[1] = (flags & 64) ? take_double (b) : 0.7;
  s->slice_thickness = take (b) < 128 ? 1.0 : take_double (b);
  s->spacing_between_slices = take (b) < 192 ? 0.0 : take_double (b);
  s->instance_number = take (b) < 128 ? index + 1 : (gint32) (take16 (b) << 16 | take16 (b));
}

static void
check_geometry (const CtSeriesGeometry *g, guint n, gboolean limits)
{
  g_autofree gboolean *seen = g_new0 (gboolean, n);

  g_assert (g->n_slices >= 1 && g->n_slices <= n);
  g_assert (g->rows > 0 && g->columns > 0);
  for (guint k = 0; k < g->n_slices; k++)
    {
      g_assert (g->order[k] < n);
      g_assert (!seen[g->order[k]]);
      seen[g->order[k]] = TRUE;
    }
  g_assert (g->warnings != NULL);
  /* The geometry alone takes pixel spacings and positions as given (the
   * loader's check_header limits them first): its own promise is a slice
   * step within the gap limits. */
  g_assert (g->spacing[2] >= 0.05 && g->spacing[2] <= 1000.0);
  if (limits)
    {
      for (int a = 0; a < 3; a++)
        g_assert (isfinite (g->spacing[a]) && g->spacing[a] > 0);
      for (int a = 0; a < 9; a++)
        g_assert (isfinite (g->direction[a]));
      /* What the loader lets through: pixels 0.05-20 mm, positions within
       * 1e5 mm; the step between slices is what a CT slab can be. */
      for (int a = 0; a < 2; a++)
        g_assert (g->spacing[a] >= 0.05 && g->spacing[a] <= 20.0);
      for (int a = 0; a < 3; a++)
        g_assert (isfinite (g->origin[a]) && fabs (g->origin[a]) < 1e5);
      if (g->n_slices > 1 && !(g->spacing[2] >= 0.05 && g->spacing[2] <= 1000.0))
        g_error ("fuzz-series: a slice step of %g mm (tilt %g degrees) accepted", g->spacing[2], g->tilt_degrees);
    }
}

static void
planes_case (Bytes *b)
{
  guint n = take (b) % 80;
  g_autofree CtSlicePlane *planes = g_new0 (CtSlicePlane, MAX (n, 1));
  g_autoptr (GError) error = NULL;
  g_autoptr (CtSeriesGeometry) g = NULL;

  for (guint i = 0; i < n; i++)
    take_plane (b, &planes[i], (int) i);
  g = ct_series_geometry_compute (planes, n, &error);
  if (g == NULL)
    g_assert (error != NULL && error->domain == CT_ERROR && error->message[0] != '\0');
  else
    {
      g_assert (error == NULL);
      check_geometry (g, n, FALSE);
    }
}

static CtGdcmHeader *
take_header (Bytes *b, int index)
{
  static const char *const uids[] = { "1.2.3", "1.2.3.4", "../../escaped", NULL };
  CtGdcmHeader *h = g_new0 (CtGdcmHeader, 1);
  CtSlicePlane s = { 0 };
  guint frames = take (b);

  take_plane (b, &s, index);
  h->path = g_strdup_printf ("/fuzz/series/IM%05d", index);
  h->series_uid = g_strdup (uids[take (b) % G_N_ELEMENTS (uids)]);
  h->study_uid = g_strdup ("1.2");
  h->modality = g_strdup ("CT");
  h->has_pixel_data = TRUE;
  h->rows = s.rows;
  h->columns = s.columns;
  h->n_frames = frames < 224 ? 1 : frames < 248 ? (int) (frames - 222) : frames == 248 ? 20001 : (int) 1e7;
  h->samples_per_pixel = 1;
  h->bits_allocated = h->bits_stored = 16;
  h->high_bit = 15;
  h->has_position = s.has_position;
  memcpy (h->position, s.position, sizeof h->position);
  h->has_orientation = s.has_orientation;
  memcpy (h->orientation, s.orientation, sizeof h->orientation);
  h->has_pixel_spacing = s.has_pixel_spacing;
  memcpy (h->pixel_spacing, s.pixel_spacing, sizeof h->pixel_spacing);
  h->slice_thickness = s.slice_thickness;
  h->spacing_between_slices = s.spacing_between_slices;
  h->rescale_slope = take (b) < 240 ? 1.0 : take_double (b);
  h->rescale_intercept = take (b) < 240 ? -1024.0 : take_double (b);
  h->has_instance_number = TRUE;
  h->instance_number = s.instance_number;
  h->pixel_data_offset = -1;
  if (h->n_frames > 1 && h->n_frames <= 64 && take (b) < 128)
    {
      /* Enhanced CT: one position per frame (the reader keeps them only
       * when every frame has one). */
      h->frame_positions = g_new (double, (gsize) h->n_frames * 3);
      for (int f = 0; f < h->n_frames; f++)
        for (int a = 0; a < 3; a++)
          h->frame_positions[f * 3 + a] = take (b) < 200 ? h->position[a] + (a == 2 ? f : 0) : take_double (b);
    }
  return h;
}

static void
headers_case (Bytes *b)
{
  guint n = 1 + take (b) % 48;
  g_autoptr (GHashTable) groups = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) order = g_ptr_array_new ();

  for (guint i = 0; i < n; i++)
    {
      CtGdcmHeader *h = take_header (b, (int) i);
      const char *key = h->series_uid != NULL ? h->series_uid : "(none)";
      GPtrArray *group = g_hash_table_lookup (groups, key);
      if (group == NULL)
        {
          group = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_gdcm_header_free);
          g_hash_table_insert (groups, (gpointer) key, group);
          g_ptr_array_add (order, group);
        }
      g_ptr_array_add (group, h);
    }
  for (guint i = 0; i < order->len; i++)
    {
      GPtrArray *headers = g_ptr_array_index (order, i);
      guint n_planes = 0;
      CtSeriesInfo *series;
      g_autoptr (GError) error = NULL;
      g_autoptr (CtSeriesGeometry) g = NULL;

      for (guint f = 0; f < headers->len; f++)
        n_planes += (guint) MIN (((CtGdcmHeader *) g_ptr_array_index (headers, f))->n_frames, 1 << 24);
      series = ct_series_info_new_dicom (headers); /* takes @headers */
      g = ct_series_compute_geometry (series, &error);
      if (g == NULL)
        {
          g_assert (error != NULL && error->domain == CT_ERROR);
          g_assert (strstr (error->message, "/fuzz/series") != NULL);
        }
      else
        {
          g_assert (error == NULL);
          check_geometry (g, n_planes, TRUE);
        }
      ct_series_info_free (series);
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  Bytes b = { data, data + size };

  if (size < 1)
    return 0;
  if (take (&b) & 1)
    planes_case (&b);
  else
    headers_case (&b);
  return 0;
}
