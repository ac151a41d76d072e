/* SPDX-License-Identifier: MIT */
/* DICOM SEG and SR (app/ct-dicom-output.h) written by `ct-triage-cli analyze
 * --seg-out --sr-out`: every object passes dciodvfy without an "Error"
 * line; the SEG read back equals the NIfTI masks of --masks-out voxel for
 * voxel at the same patient coordinates; every frame references the source
 * image at its own position, also for a feet-first series with shuffled file
 * names and for a series whose columns run left to right (a flipped
 * ImageOrientationPatient), and the right lung lies on the patient's right;
 * a series with two slices removed or with an uneven gap gets frames only
 * at its images' own positions, each equal to the mask slice made of it;
 * the SR holds the numbers only when the study is assessable; the report
 * as Encapsulated PDF reads back as a PDF; NIfTI input
 * and a series without UIDs are refused with a clear message. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "ct-dicom-output.h"
#include "ct-dicom-writer.h"
#include "ct-gdcm.h"
#include "ct-nifti.h"
#include "ct-phantom-volume.h"
#include "phantom.h"
#include "test-util.h"

static const char *const segment_labels[] = { "Right lung", "Left lung", "Lesions" };

static gboolean
have_program (const char *name)
{
  g_autofree char *path = g_find_program_in_path (name);

  return path != NULL;
}

/* Runs @argv (NULL-terminated); standard output and error in @out and @err. */
static int
run (const char *const *argv, char **out, char **err)
{
  g_autoptr (GError) error = NULL;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static int
run_cli (const char *input, const char *out_dir, char **json, char **err)
{
  g_autofree char *cli = g_build_filename (g_getenv ("CT_TRIAGE_BUILD_DIR"), "app", "ct-triage-cli", NULL);
  const char *argv[] = { cli,         "analyze", input,      "--json", "--no-cache",      "--masks-out", out_dir,
                         "--seg-out", out_dir,   "--sr-out", out_dir,  "--pdf-dicom-out", out_dir,       NULL };
  return run (argv, json, err);
}

/* dciodvfy's verdict on @path: no line starting with "Error". Warnings are
 * shown as test messages. */
static void
assert_valid (const char *path)
{
  g_autofree char *out = NULL, *err = NULL;
  g_auto (GStrv) lines = NULL;
  const char *argv[] = { "dciodvfy", path, NULL };
  guint n_errors = 0, n_warnings = 0;

  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  if (!have_program ("dciodvfy"))
    {
      g_test_message ("dciodvfy not installed (build-aux/install-deps): %s not validated", path);
      return;
    }
  run (argv, &out, &err);
  lines = g_strsplit (err, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "Error") || g_str_has_prefix (lines[i], "Abort"))
      {
        g_test_message ("dciodvfy %s: %s", path, lines[i]);
        n_errors++;
      }
    else if (g_str_has_prefix (lines[i], "Warning"))
      n_warnings++;
  g_test_message ("dciodvfy %s: %u errors, %u warnings", path, n_errors, n_warnings);
  g_assert_cmpuint (n_errors, ==, 0);
}

/* The voxel of @v nearest to the LPS point @p, or FALSE off the grid. */
static gboolean
voxel_at (const CtVolume *v, const double p[3], gsize *index)
{
  int ijk[3], n[3] = { v->nx, v->ny, v->nz };

  for (int a = 0; a < 3; a++)
    {
      const double *d = &v->direction[3 * a];
      double t = ((p[0] - v->origin[0]) * d[0] + (p[1] - v->origin[1]) * d[1] + (p[2] - v->origin[2]) * d[2]) /
                 v->spacing[a];
      ijk[a] = (int) lround (t);
      if (fabs (t - ijk[a]) > 0.01 || ijk[a] < 0 || ijk[a] >= n[a])
        return FALSE;
    }
  *index = ((gsize) ijk[2] * v->ny + ijk[1]) * v->nx + ijk[0];
  return TRUE;
}

static gboolean
in_segment (const CtVolume *lungs, const CtVolume *lesions, int segment, gsize index)
{
  return segment == 3 ? lesions->hu[index] > 0.5f : lround (lungs->hu[index]) == segment;
}

/* Positions of every source image of @dir, by SOPInstanceUID. */
static GHashTable *
read_source_positions (const char *dir)
{
  GHashTable *positions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr (CtGdcmHeader) h = ct_gdcm_read_header (path, NULL);

      if (h != NULL && h->sop_instance_uid != NULL && h->has_position)
        g_hash_table_insert (positions, g_strdup (h->sop_instance_uid), g_memdup2 (h->position, sizeof h->position));
    }
  return positions;
}

typedef struct
{
  const char *uid;
  double distance;
} Ranked;

static int
compare_ranked (gconstpointer a, gconstpointer b)
{
  double da = ((const Ranked *) a)->distance, db = ((const Ranked *) b)->distance;

  return da < db ? -1 : da > db ? 1 : 0;
}

/* The slice of @v that holds each source image (by SOPInstanceUID): the
 * loader keeps one slice per image, in order along the slice normal. */
static GHashTable *
rank_sources (const CtVolume *v, GHashTable *sources)
{
  const double *d = v->direction;
  const double n[3] = { d[1] * d[5] - d[2] * d[4], d[2] * d[3] - d[0] * d[5], d[0] * d[4] - d[1] * d[3] };
  GHashTable *ranks = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GArray) ranked = g_array_new (FALSE, FALSE, sizeof (Ranked));
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, sources);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const double *q = value;
      Ranked r = { key, q[0] * n[0] + q[1] * n[1] + q[2] * n[2] };
      g_array_append_val (ranked, r);
    }
  g_array_sort (ranked, compare_ranked);
  g_assert_cmpuint (ranked->len, ==, (guint) v->nz);
  for (guint k = 0; k < ranked->len; k++)
    g_hash_table_insert (ranks, (gpointer) g_array_index (ranked, Ranked, k).uid, GUINT_TO_POINTER (k));
  return ranks;
}

/* The SEG at @seg_path against the NIfTI masks of @stem in @out_dir and the
 * source images of @source_dir. Each frame lies at its source image's own
 * position and is compared with the mask slice the loader made of that
 * image (for an evenly spaced series the two positions are the same; after
 * a gap of missing slices the grid's is not the image's). Frames: one per
 * segment and slice where the masks hold that segment (an empty segment
 * one empty frame), each source image at most once per segment. */
static void
compare_seg (const char *out_dir, const char *stem, const char *source_dir, const char *study_uid,
             const char *series_uid)
{
  g_autofree char *seg_path = g_strdup_printf ("%s/%s_seg.dcm", out_dir, stem);
  g_autofree char *lungs_path = g_strdup_printf ("%s/%s_lungs.nii.gz", out_dir, stem);
  g_autofree char *lesions_path = g_strdup_printf ("%s/%s_lesions.nii.gz", out_dir, stem);
  g_autoptr (GError) error = NULL;
  g_autoptr (CtDicomSeg) seg = ct_dicom_seg_read (seg_path, &error);
  g_autoptr (CtVolume) lungs = NULL, lesions = NULL;
  g_autoptr (GHashTable) sources = read_source_positions (source_dir);
  g_autoptr (GHashTable) ranks = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gsize nifti_count[4] = { 0 }, seg_count[4] = { 0 };
  guint nifti_frames[4] = { 0 }, seg_frames[4] = { 0 };
  double x_sum[4] = { 0 };

  g_assert_no_error (error);
  lungs = ct_nifti_load (lungs_path, &error);
  g_assert_no_error (error);
  lesions = ct_nifti_load (lesions_path, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (seg->segment_labels->len, ==, 3);
  for (guint s = 0; s < 3; s++)
    g_assert_cmpstr (g_ptr_array_index (seg->segment_labels, s), ==, segment_labels[s]);
  g_assert_cmpstr (seg->study_uid, ==, study_uid);
  g_assert_cmpstr (seg->referenced_series_uid, ==, series_uid);
  g_assert_cmpstr (seg->series_uid, !=, series_uid);
  g_assert_nonnull (seg->frame_of_reference_uid);
  g_assert_cmpint (seg->columns, ==, lungs->nx);
  g_assert_cmpint (seg->rows, ==, lungs->ny);

  ranks = rank_sources (lungs, sources);
  for (int k = 0; k < lungs->nz; k++)
    for (int s = 1; s <= 3; s++)
      {
        gsize plane = (gsize) lungs->nx * lungs->ny, in_slice = 0;

        for (gsize i = k * plane; i < (k + 1) * plane; i++)
          in_slice += in_segment (lungs, lesions, s, i);
        nifti_count[s] += in_slice;
        nifti_frames[s] += in_slice > 0;
      }

  for (guint f = 0; f < seg->frames->len; f++)
    {
      const CtDicomSegFrame *frame = g_ptr_array_index (seg->frames, f);
      const double *source_position;
      double grid[3];
      guint k;

      g_assert_cmpint (frame->segment_number, >=, 1);
      g_assert_cmpint (frame->segment_number, <=, 3);
      /* The frame's source image lies where the frame lies. */
      g_assert_nonnull (frame->source_sop_instance_uid);
      source_position = g_hash_table_lookup (sources, frame->source_sop_instance_uid);
      g_assert_nonnull (source_position);
      for (int a = 0; a < 3; a++)
        g_assert_cmpfloat_with_epsilon (source_position[a], frame->position[a], 1e-3);
      k = GPOINTER_TO_UINT (g_hash_table_lookup (ranks, frame->source_sop_instance_uid));
      ct_volume_voxel_to_patient (lungs, 0, 0, (int) k, grid);
      {
        g_autofree char *id = g_strdup_printf ("%d:%s", frame->segment_number, frame->source_sop_instance_uid);
        g_assert_false (g_hash_table_contains (seen, id));
        g_hash_table_add (seen, g_steal_pointer (&id));
      }
      seg_frames[frame->segment_number]++;

      for (int j = 0; j < seg->rows; j++)
        for (int i = 0; i < seg->columns; i++)
          {
            double p[3];
            gsize index = 0;
            gboolean set = frame->pixels[(gsize) j * seg->columns + i] != 0;

            for (int a = 0; a < 3; a++)
              p[a] = grid[a] + i * seg->pixel_spacing[1] * seg->orientation[a] +
                     j * seg->pixel_spacing[0] * seg->orientation[3 + a];
            g_assert_true (voxel_at (lungs, p, &index));
            if (set != in_segment (lungs, lesions, frame->segment_number, index))
              g_error ("frame %u (segment %d) pixel (%d, %d) at (%.1f, %.1f, %.1f): SEG %d, NIfTI %d", f + 1,
                       frame->segment_number, i, j, p[0], p[1], p[2], set, !set);
            seg_count[frame->segment_number] += set;
            x_sum[frame->segment_number] += set ? p[0] : 0.0;
          }
    }
  /* No voxel left out: every set voxel of the masks is in some frame. */
  for (int s = 1; s <= 3; s++)
    {
      g_assert_cmpuint (seg_count[s], ==, nifti_count[s]);
      g_assert_cmpuint (seg_frames[s], ==, MAX (nifti_frames[s], 1));
    }
  g_test_message ("%u frames, %u source images", seg->frames->len, g_hash_table_size (sources));
  /* LPS: x grows towards the patient's left. */
  if (seg_count[1] > 0 && seg_count[2] > 0)
    g_assert_cmpfloat (x_sum[1] / seg_count[1], <, x_sum[2] / seg_count[2]);
}

/* The SR's content tree as dsrdump prints it, or NULL without dsrdump. */
static char *
dump_sr (const char *path)
{
  const char *argv[] = { "dsrdump", path, NULL };
  char *out = NULL;
  g_autofree char *err = NULL;

  if (!have_program ("dsrdump"))
    return NULL;
  g_assert_cmpint (run (argv, &out, &err), ==, 0);
  return out;
}

static void
check_sr (const char *out_dir, const char *stem, gboolean assessable)
{
  g_autofree char *path = g_strdup_printf ("%s/%s_sr.dcm", out_dir, stem);
  g_autofree char *dump = NULL;

  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  assert_valid (path);
  if ((dump = dump_sr (path)) == NULL)
    {
      g_test_message ("dsrdump not installed: content of %s not checked", path);
      return;
    }
  g_assert_nonnull (strstr (dump, "Imaging Measurement Report"));
  g_assert_nonnull (strstr (dump, "Referenced Segment"));
  g_assert_nonnull (strstr (dump, "\"Volume\""));
  g_assert_nonnull (strstr (dump, "Multitask network weights"));
  g_assert_nonnull (strstr (dump, "Device Observer UID"));
  g_assert_true ((strstr (dump, "COVID-19 probability") != NULL) == assessable);
  g_assert_true ((strstr (dump, "CT severity category") != NULL) == assessable);
  g_assert_true ((strstr (dump, "Not assessable") != NULL) == !assessable);
}

/* The string value of @field in the CLI's JSON. */
static char *
json_string (const char *json, const char *field)
{
  g_autofree char *key = g_strdup_printf ("\"%s\" : \"", field);
  const char *p = strstr (json, key);
  const char *end;

  g_assert_nonnull (p);
  p += strlen (key);
  end = strchr (p, '"');
  return g_strndup (p, end - p);
}

/* The Encapsulated PDF is valid and holds a PDF (dcm2pdf, DCMTK). */
static void
check_pdf (const char *out_dir, const char *stem)
{
  g_autofree char *path = g_strdup_printf ("%s/%s_pdf.dcm", out_dir, stem);
  g_autofree char *pdf = g_strdup_printf ("%s/%s-back.pdf", out_dir, stem);
  g_autofree char *out = NULL, *err = NULL, *contents = NULL;
  const char *argv[] = { "dcm2pdf", path, pdf, NULL };
  gsize length;

  assert_valid (path);
  if (!have_program ("dcm2pdf"))
    {
      g_test_message ("dcm2pdf not installed: %s not read back", path);
      return;
    }
  if (run (argv, &out, &err) != 0)
    g_error ("dcm2pdf %s: %s", path, err);
  g_assert_true (g_file_get_contents (pdf, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 1000);
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));
}

/* @warning: a text the analysis must warn with (the series' oddity was
 * seen), or NULL. */
static void
check_series (const char *series_dir, const char *out_dir, const char *warning)
{
  g_autofree char *json = NULL, *err = NULL, *uid = NULL, *study = NULL, *seg_path = NULL;
  gboolean assessable;

  int status = run_cli (series_dir, out_dir, &json, &err);

  if (status != 0)
    g_test_message ("%s\n%s", json, err);
  g_assert_cmpint (status, ==, 0);
  if (warning != NULL)
    g_assert_nonnull (strstr (json, warning));
  uid = json_string (json, "series_uid");
  study = json_string (json, "study_uid");
  assessable = strstr (json, "\"assessable\" : true") != NULL;
  g_test_message ("%s: series %s, assessable %d", series_dir, uid, assessable);
  seg_path = g_strdup_printf ("%s/%s_seg.dcm", out_dir, uid);
  assert_valid (seg_path);
  compare_seg (out_dir, uid, series_dir, study, uid);
  check_sr (out_dir, uid, assessable);
  check_pdf (out_dir, uid);
}

/* Moves the slices IM<first>..IM<end - 1> of @dir by @mm along @step
 * (ImagePositionPatient rewritten by dcmodify): from @first on, the gap is
 * wider. */
static void
shift_slices (const char *dir, int first, int end, double mm, const double step[3])
{
  for (int k = first; k < end; k++)
    {
      g_autofree char *path = g_strdup_printf ("%s/IM%05d.dcm", dir, k);
      g_autoptr (CtGdcmHeader) h = ct_gdcm_read_header (path, NULL);
      g_autofree char *value = NULL, *out = NULL, *err = NULL;
      char x[G_ASCII_DTOSTR_BUF_SIZE], y[G_ASCII_DTOSTR_BUF_SIZE], z[G_ASCII_DTOSTR_BUF_SIZE];

      g_assert_nonnull (h);
      g_assert_true (h->has_position);
      g_ascii_formatd (x, sizeof x, "%.4f", h->position[0] + mm * step[0]);
      g_ascii_formatd (y, sizeof y, "%.4f", h->position[1] + mm * step[1]);
      g_ascii_formatd (z, sizeof z, "%.4f", h->position[2] + mm * step[2]);
      value = g_strdup_printf ("(0020,0032)=%s\\%s\\%s", x, y, z);
      g_assert_cmpint (run ((const char *const[]){ "dcmodify", "-nb", "-m", value, path, NULL }, &out, &err), ==, 0);
    }
}

/* Variants: 0 plain, 1 feet first with shuffled names, 2 columns running
 * left to right, 3 two slices removed (a gap of three slices' width at two
 * places), 4 slices 18.. moved 2 mm on (one gap 9 mm among 7 mm ones). */
static void
test_phantom (gconstpointer data)
{
  int variant = GPOINTER_TO_INT (data);
  g_autofree char *tmp = g_dir_make_tmp ("ct-dicom-output-XXXXXX", NULL);
  g_autofree char *series = g_build_filename (tmp, "series", NULL);
  g_autofree char *out = g_build_filename (tmp, "out", NULL);
  CtDicomWriteOptions options;
  PhantomParams p;
  char message[256] = "";
  PhantomStudy *s;
  g_autoptr (CtVolume) v = NULL;
  g_autoptr (GError) error = NULL;

  phantom_params_init (&p);
  p.seed = 11 + variant;
  p.klass = PHANTOM_CLASS_COVID;
  p.severity_percent = 30;
  p.nx = 128;
  p.ny = 112;
  p.nz = 36;
  p.pixel_spacing_mm = 3.0;
  p.slice_spacing_mm = 7.0;
  p.feet_first = variant == 1;
  p.mirror_columns = variant == 2;
  s = phantom_generate (&p, message, sizeof message);
  g_assert_nonnull (s);
  v = ct_phantom_volume_new (s);
  phantom_study_free (s);
  v->modality = g_strdup ("CT");
  ct_dicom_write_options_init (&options);
  options.shuffle_file_names = variant == 1;
  options.seed = 5;
  g_assert_true (ct_dicom_write_series (v, series, &options, &error));
  g_assert_no_error (error);
  if (variant == 3)
    for (const char *const *name = (const char *const[]){ "IM00010.dcm", "IM00020.dcm", NULL }; *name != NULL; name++)
      {
        g_autofree char *path = g_build_filename (series, *name, NULL);
        g_assert_cmpint (g_unlink (path), ==, 0);
      }
  if (variant == 4)
    {
      if (!have_program ("dcmodify"))
        {
          test_util_remove_tree (tmp);
          g_test_skip ("dcmodify (dcmtk) not installed");
          return;
        }
      shift_slices (series, 18, p.nz, 2.0, v->direction + 6);
    }

  check_series (series, out, variant == 3 ? "slices missing" : variant == 4 ? "Uneven slice gaps" : NULL);
  test_util_remove_tree (tmp);
}

/* A NIfTI study gets no SEG: the message says why. */
static void
test_nifti_refused (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("ct-dicom-output-XXXXXX", NULL);
  g_autofree char *nifti = g_build_filename (tmp, "chest.nii.gz", NULL);
  g_autofree char *out = g_build_filename (tmp, "out", NULL);
  g_autofree char *seg = g_build_filename (out, "chest_seg.dcm", NULL);
  g_autofree char *json = NULL, *err = NULL;
  g_autoptr (CtVolume) v = test_util_make_chest_volume (96, 80, 40, "NIFTI-1");
  g_autoptr (GError) error = NULL;

  g_assert_true (ct_nifti_write_volume (v, nifti, &error));
  g_assert_cmpint (run_cli (nifti, out, &json, &err), ==, 1);
  g_assert_nonnull (strstr (json, "DICOM SEG, SR and PDF need DICOM source images"));
  g_assert_false (g_file_test (seg, G_FILE_TEST_EXISTS));
  test_util_remove_tree (tmp);
}

static char *
real_series_dir (void)
{
  const char *data = g_getenv ("CT_TRIAGE_TEST_DATA");
  g_autofree char *dir = g_build_filename (data != NULL ? data : "", "ct-series-20", "dicom", NULL);

  if (data == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("ct-series-20 not in $CT_TRIAGE_TEST_DATA");
      return NULL;
    }
  return g_steal_pointer (&dir);
}

/* ct-series-20 as published has empty Study, Series and SOP Instance UIDs
 * (anonymised): refused with a message. With UIDs given by dcmodify (DCMTK)
 * it gives a valid SEG and SR over its real geometry. */
static void
test_real_series (void)
{
  g_autofree char *source = real_series_dir ();
  g_autofree char *tmp = NULL, *copy = NULL, *out = NULL, *json = NULL, *err = NULL;
  g_autoptr (GDir) d = NULL;
  g_autoptr (GPtrArray) argv = NULL;
  g_autofree char *study_arg = NULL, *series_arg = NULL, *mod_out = NULL, *mod_err = NULL;
  g_autofree char *study_uid = ct_gdcm_generate_uid (), *series_uid = ct_gdcm_generate_uid ();
  const char *name;

  if (source == NULL)
    return;
  tmp = g_dir_make_tmp ("ct-dicom-output-XXXXXX", NULL);
  out = g_build_filename (tmp, "refused", NULL);
  g_assert_cmpint (run_cli (source, out, &json, &err), ==, 1);
  g_assert_nonnull (strstr (json, "has no StudyInstanceUID or SeriesInstanceUID"));
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&err, g_free);

  if (!have_program ("dcmodify"))
    {
      test_util_remove_tree (tmp);
      g_test_skip ("dcmodify (dcmtk) not installed");
      return;
    }
  copy = g_build_filename (tmp, "series", NULL);
  g_assert_cmpint (g_mkdir (copy, 0755), ==, 0);
  study_arg = g_strdup_printf ("(0020,000d)=%s", study_uid);
  series_arg = g_strdup_printf ("(0020,000e)=%s", series_uid);
  argv = g_ptr_array_new_with_free_func (g_free);
  /* -gin: a new SOPInstanceUID per file (and in its meta header); the
   * SOPClassUID (empty too) CT Image Storage. */
  for (const char *const *a = (const char *const[]){ "dcmodify", "-nb", "-gin", "-i",
                                                     "(0008,0016)=1.2.840.10008.5.1.4.1.1.2", "-i", NULL };
       *a != NULL; a++)
    g_ptr_array_add (argv, g_strdup (*a));
  g_ptr_array_add (argv, g_strdup (study_arg));
  g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup (series_arg));
  d = g_dir_open (source, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *from = g_build_filename (source, name, NULL);
      g_autofree char *to = g_build_filename (copy, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
      g_assert_true (g_file_set_contents (to, contents, length, NULL));
      g_ptr_array_add (argv, g_steal_pointer (&to));
    }
  g_ptr_array_add (argv, NULL);
  g_assert_cmpint (run ((const char *const *) argv->pdata, &mod_out, &mod_err), ==, 0);

  out = (g_free (out), g_build_filename (tmp, "out", NULL));
  check_series (copy, out, NULL);
  test_util_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ct_gdcm_init ();
  g_test_add_data_func ("/dicom-output/phantom", GINT_TO_POINTER (0), test_phantom);
  g_test_add_data_func ("/dicom-output/phantom-feet-first-shuffled", GINT_TO_POINTER (1), test_phantom);
  g_test_add_data_func ("/dicom-output/phantom-mirrored-columns", GINT_TO_POINTER (2), test_phantom);
  g_test_add_data_func ("/dicom-output/phantom-2-slices-missing", GINT_TO_POINTER (3), test_phantom);
  g_test_add_data_func ("/dicom-output/phantom-uneven-gaps", GINT_TO_POINTER (4), test_phantom);
  g_test_add_func ("/dicom-output/nifti-refused", test_nifti_refused);
  g_test_add_func ("/dicom-output/real-series", test_real_series);
  return g_test_run ();
}
