/* SPDX-License-Identifier: MIT */
/* Report page: PDF and PNG written without a display, with content. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ct-error.h"
#include "ct-report.h"
#include "ct-slice-geometry.h"

#define NX 64
#define NY 64
#define NZ 20

typedef struct
{
  CtVolume *volume;
  CtAnalysis analysis;
  char *dir;
} Fixture;

/* A chest-like phantom: air outside, soft tissue body, two lungs at -850 HU
 * and a ground-glass lesion (-300 HU) in the right lung on slices 12..15. */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  CtVolume *v = ct_volume_new (NX, NY, NZ);
  CtAnalysis *a = &f->analysis;

  ct_volume_set_identity_geometry (v, 0.7, 0.7, 5.0);
  v->patient_id = g_strdup ("PHANTOM-1");
  v->study_date = g_strdup ("20200412");
  v->series_description = g_strdup ("synthetic chest");
  memset (a, 0, sizeof *a);
  a->nx = NX;
  a->ny = NY;
  a->nz = NZ;
  a->lung_mask = g_malloc0 ((gsize) NX * NY * NZ);
  a->lesion_mask = g_malloc0 ((gsize) NX * NY * NZ);
  for (int k = 0; k < NZ; k++)
    for (int j = 0; j < NY; j++)
      for (int i = 0; i < NX; i++)
        {
          gsize n = ((gsize) k * NY + j) * NX + i;
          double dx = i - 31.5, dy = j - 31.5;
          gboolean body = dx * dx / (30.0 * 30.0) + dy * dy / (24.0 * 24.0) < 1.0;
          gboolean lung = body && k >= 2 && k <= 17 && j >= 14 && j <= 48 &&
                          ((i >= 8 && i <= 27) || (i >= 36 && i <= 55));
          gboolean lesion = lung && i >= 12 && i <= 20 && j >= 24 && j <= 34 && k >= 12 && k <= 15;

          v->hu[n] = lesion ? -300.0f : lung ? -850.0f : body ? 40.0f : -1000.0f;
          a->lung_mask[n] = lung ? (i < 32 ? 1 : 2) : 0;
          a->lesion_mask[n] = lesion;
        }
  a->covid_probability = 0.87;
  a->has_probability = TRUE;
  a->severity_percent = 12.5;
  a->severity_total_percent = 6.1;
  a->severity_right_percent = 12.5;
  a->severity_left_percent = 0.0;
  a->category = CT_CATEGORY_1;
  a->lung_volume_ml = 3450.0;
  a->lesion_volume_ml = 210.4;
  a->triage_score = 0.87;
  a->quality = CT_QUALITY_THICK_SLICES;
  f->volume = v;
  f->dir = g_dir_make_tmp ("test-render-report-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autoptr (GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->analysis.lung_mask);
  g_free (f->analysis.lesion_mask);
  ct_volume_unref (f->volume);
}

static CtReportInfo
fixture_info (Fixture *f)
{
  /* The report names the models the analysis itself carries. */
  f->analysis.multitask_model.name = (char *) "multitask-spatial.safetensors";
  f->analysis.multitask_model.sha256 = (char *) "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  f->analysis.multitask_model.training_data = (char *) "synthetic phantoms";
  return (CtReportInfo){
    .volume = f->volume,
    .analysis = &f->analysis,
  };
}

static void
test_report_key_slices (Fixture *f, gconstpointer data)
{
  CtSliceGeometry axial, coronal;
  int axial_slice, coronal_slice, ijk[3];

  ct_report_pick_key_slices (f->volume, &f->analysis, &axial_slice, &coronal_slice);
  ct_slice_geometry_init (&axial, f->volume, CT_VIEW_AXIAL);
  ct_slice_geometry_init (&coronal, f->volume, CT_VIEW_CORONAL);
  /* The chosen axial slice holds lesion voxels (k in 12..15). */
  g_assert_true (ct_slice_geometry_pixel_to_voxel (&axial, axial_slice, 0, 0, ijk));
  g_assert_cmpint (ijk[2], >=, 12);
  g_assert_cmpint (ijk[2], <=, 15);
  /* The coronal slice holds lesion voxels too (j in 24..34). */
  g_assert_true (ct_slice_geometry_pixel_to_voxel (&coronal, coronal_slice, 0, 0, ijk));
  g_assert_cmpint (ijk[1], >=, 24);
  g_assert_cmpint (ijk[1], <=, 34);

  /* Without an analysis: the middle slices. */
  ct_report_pick_key_slices (f->volume, NULL, &axial_slice, &coronal_slice);
  g_assert_cmpint (axial_slice, ==, NZ / 2);
  g_assert_cmpint (coronal_slice, ==, NY / 2);
}

static void
assert_has_row (char **rows, const char *row)
{
  if (!g_strv_contains ((const char *const *) rows, row))
    {
      g_autofree char *all = g_strjoinv ("\n", rows);
      g_error ("row \"%s\" missing from:\n%s", row, all);
    }
}

static void
test_report_rows (Fixture *f, gconstpointer data)
{
  CtReportInfo info = fixture_info (f);
  g_auto (GStrv) rows = NULL;
  g_auto (GStrv) bare = NULL;

  f->analysis.right_lung_volume_ml = 1800.0;
  f->analysis.left_lung_volume_ml = 1650.0;
  rows = ct_report_dup_result_rows (&info);
  assert_has_row (rows, "COVID-19 probability\t87.0 %");
  assert_has_row (rows, "Severity\t12.5 % of the more affected lung");
  assert_has_row (rows, "Severity, both lungs\t6.1 % (right 12.5 %, left 0.0 %)");
  assert_has_row (rows, "CT category\tCT-1");
  assert_has_row (rows, "Lung volume\t3450 ml (right 1800 ml, left 1650 ml)");
  assert_has_row (rows, "Lesion volume\t210.4 ml");
  assert_has_row (rows, "Input quality\tslices thicker than 5 mm");
  assert_has_row (rows, "Model\tmultitask-spatial.safetensors");
  assert_has_row (rows, "Weights SHA-256\t0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  assert_has_row (rows, "Trained on\tsynthetic phantoms");

  /* No probability for a small study: the note instead of a number. */
  f->analysis.has_probability = FALSE;
  f->analysis.covid_probability = NAN;
  f->analysis.probability_note = (char *) "study too small for the classifier";
  g_strfreev (rows);
  rows = ct_report_dup_result_rows (&info);
  assert_has_row (rows, "COVID-19 probability\tnot available: study too small for the classifier");
  f->analysis.probability_note = NULL;

  ct_volume_add_warning (f->volume, "gantry tilt of %.1f degrees", 12.0);
  ct_volume_add_warning (f->volume, "%d duplicate slices removed", 2);
  g_strfreev (rows);
  rows = ct_report_dup_result_rows (&info);
  assert_has_row (rows, "Loader notes\tgantry tilt of 12.0 degrees; 2 duplicate slices removed");

  info.analysis = NULL;
  bare = ct_report_dup_result_rows (&info);
  assert_has_row (bare, "Analysis\tnot analysed");
  assert_has_row (bare, "Model\tunknown");
}

static void
test_report_person_name (void)
{
  static const struct
  {
    const char *dicom, *expected;
  } cases[] = {
    { "Doe^John", "John Doe" },
    { "Doe^John^Quincy", "John Quincy Doe" },
    { "Doe^John^Quincy^Dr^Jr", "Dr John Quincy Doe Jr" },
    { "Doe^^^^MD", "Doe MD" },
    { "Yamada^Tarou=\xe5\xb1\xb1\xe7\x94\xb0^\xe5\xa4\xaa\xe9\x83\x8e", "Tarou Yamada" },
    { "ANONYMOUS", "ANONYMOUS" },
    { " Doe ^ John ", "John Doe" },
  };

  for (guint n = 0; n < G_N_ELEMENTS (cases); n++)
    {
      g_autofree char *name = ct_report_format_person_name (cases[n].dicom);
      g_assert_cmpstr (name, ==, cases[n].expected);
    }
  g_assert_null (ct_report_format_person_name (""));
  g_assert_null (ct_report_format_person_name ("^^^^"));
  g_assert_null (ct_report_format_person_name (NULL));
}

static void
test_report_patient_rows (Fixture *f, gconstpointer data)
{
  CtReportInfo info = fixture_info (f);
  g_auto (GStrv) rows = NULL;
  g_auto (GStrv) bare = NULL;

  f->volume->patient_name = g_strdup ("Doe^Jane^Q");
  info.accession_number = "ACC-4711";
  info.patient_age = "045Y";
  info.patient_sex = "F";
  rows = ct_report_dup_patient_rows (&info);
  assert_has_row (rows, "Patient\tJane Q Doe");
  assert_has_row (rows, "Patient ID\tPHANTOM-1");
  assert_has_row (rows, "Accession number\tACC-4711");
  assert_has_row (rows, "Age, sex\t45 years, female");
  assert_has_row (rows, "Study date\t2020-04-12");
  assert_has_row (rows, "Series\tsynthetic chest");
  assert_has_row (rows, "Status\tNot reviewed by a radiologist");

  info.accession_number = info.patient_age = info.patient_sex = NULL;
  g_clear_pointer (&f->volume->patient_name, g_free);
  bare = ct_report_dup_patient_rows (&info);
  assert_has_row (bare, "Patient\tanonymised");
  assert_has_row (bare, "Accession number\tnot recorded");
  assert_has_row (bare, "Age, sex\tnot recorded, not recorded");
}

/* The page's text as pdftotext reads it (poppler-utils), words joined by
 * single spaces; NULL when pdftotext is not installed. */
static char *
dup_pdf_text (const char *path)
{
  g_autofree char *program = g_find_program_in_path ("pdftotext");
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GRegex) spaces = NULL;
  int status = 0;
  const char *argv[] = { program, "-layout", path, "-", NULL };

  if (program == NULL)
    return NULL;
  g_assert_true (
      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  spaces = g_regex_new ("\\s+", 0, 0, NULL);
  return g_regex_replace_literal (spaces, out, -1, 0, " ", 0, NULL);
}

/* The text a radiologist reads on the page, from the PDF itself. */
static void
test_report_pdf_text (Fixture *f, gconstpointer data)
{
  CtReportInfo info = fixture_info (f);
  g_autofree char *path = g_build_filename (f->dir, "report.pdf", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  static const char *const expected[] = {
    "Status: Not reviewed by a radiologist",
    "Jane Q Doe",
    "PHANTOM-1",
    "ACC-4711",
    "45 years, female",
    "2020-04-12",
    "synthetic chest",
    "CT-0 no findings: below 0.55 %",
    "CT-1 mild: 0.55 % to below 25 %",
    "CT-2 moderate: 25 % to below 50 %",
    "CT-3 severe: 50 % to below 75 %",
    "CT-4 critical: 75 % or more",
    "Lesion share per lung",
    "12.5 %",
    "half the COVID-19 probability plus half the severity",
    "Not a certified medical device",
    "synthetic phantoms",
  };

  f->volume->patient_name = g_strdup ("Doe^Jane^Q");
  info.accession_number = "ACC-4711";
  info.patient_age = "045Y";
  info.patient_sex = "F";
  g_assert_true (ct_report_write (&info, path, CT_REPORT_FORMAT_PDF, &error));
  g_assert_no_error (error);
  text = dup_pdf_text (path);
  if (text == NULL)
    {
      g_test_skip ("pdftotext (poppler-utils) is not installed");
      return;
    }
  for (guint n = 0; n < G_N_ELEMENTS (expected); n++)
    if (strstr (text, expected[n]) == NULL)
      g_error ("\"%s\" not on the page:\n%s", expected[n], text);
  if (g_getenv ("CT_TRIAGE_REPORT_SNAPSHOT") != NULL)
    ct_report_write (&info, g_getenv ("CT_TRIAGE_REPORT_SNAPSHOT"), CT_REPORT_FORMAT_PNG, NULL);
  /* Every row fits: nothing left out for lack of space. */
  g_assert_null (strstr (text, "left out for lack of space"));
}

static gboolean
contains_bytes (const char *data, gsize length, const char *needle)
{
  gsize needle_length = strlen (needle);

  for (gsize n = 0; n + needle_length <= length; n++)
    if (memcmp (data + n, needle, needle_length) == 0)
      return TRUE;
  return FALSE;
}

static void
test_report_pdf (Fixture *f, gconstpointer data)
{
  CtReportInfo info = fixture_info (f);
  g_autofree char *path = g_build_filename (f->dir, "report.pdf", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (ct_report_write (&info, path, CT_REPORT_FORMAT_PDF, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 2000);
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));
  /* One page, with an embedded slice image (a binary file: NULs stop strstr). */
  g_assert_true (contains_bytes (contents, length, "/Type /Page"));
  g_assert_true (contains_bytes (contents, length, "/Subtype /Image"));
}

/* Counts pixels of the page that are the lesion overlay's orange-red, and
 * those that are not white. */
static void
count_png_pixels (const char *path, gsize *out_lesion, gsize *out_ink, gsize *out_statement_box, int *out_width,
                  int *out_height)
{
  cairo_surface_t *png = cairo_image_surface_create_from_png (path);
  const guint8 *data;
  int stride;

  g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_flush (png);
  data = cairo_image_surface_get_data (png);
  stride = cairo_image_surface_get_stride (png);
  *out_width = cairo_image_surface_get_width (png);
  *out_height = cairo_image_surface_get_height (png);
  *out_lesion = *out_ink = *out_statement_box = 0;
  for (int y = 0; y < *out_height; y++)
    for (int x = 0; x < *out_width; x++)
      {
        guint32 pixel = ((const guint32 *) (data + (gsize) y * stride))[x];
        int r = (pixel >> 16) & 0xff, g = (pixel >> 8) & 0xff, b = pixel & 0xff;

        if ((pixel & 0xffffff) != 0xffffff)
          (*out_ink)++;
        if (r > g + 60 && r > b + 60 && g < 150)
          (*out_lesion)++;
        /* The pale red fill behind the "not a medical device" statement. */
        if (r == 255 && ABS (g - 237) <= 1 && ABS (b - 230) <= 1)
          (*out_statement_box)++;
      }
  cairo_surface_destroy (png);
}

static void
test_report_png (Fixture *f, gconstpointer data)
{
  CtReportInfo info = fixture_info (f);
  g_autofree char *path = g_build_filename (f->dir, "report.png", NULL);
  g_autofree char *bare_path = g_build_filename (f->dir, "bare.png", NULL);
  g_autoptr (GError) error = NULL;
  gsize lesion, ink, box, bare_lesion, bare_ink, bare_box;
  int width, height;

  g_assert_true (ct_report_write (&info, path, CT_REPORT_FORMAT_PNG, &error));
  g_assert_no_error (error);
  count_png_pixels (path, &lesion, &ink, &box, &width, &height);
  g_assert_cmpint (width, ==, 1240);
  g_assert_cmpint (height, ==, 1754);
  g_assert_cmpuint (ink, >, (gsize) width * height / 20);
  /* 515 x 42 pt at 150 dpi, less the text in it. */
  g_assert_cmpuint (box, >, 50000);

  /* The same study without an analysis: no overlay colour on the page
   * other than the red frame of the statement, so far fewer orange pixels. */
  info.analysis = NULL;
  g_assert_true (ct_report_write (&info, bare_path, CT_REPORT_FORMAT_PNG, &error));
  g_assert_no_error (error);
  count_png_pixels (bare_path, &bare_lesion, &bare_ink, &bare_box, &width, &height);
  g_assert_cmpuint (lesion, >, bare_lesion + 500);
  g_assert_cmpuint (bare_box, >, 50000);
}

static void
test_report_unwritable (Fixture *f, gconstpointer data)
{
  CtReportInfo info = fixture_info (f);
  g_autofree char *path = g_build_filename (f->dir, "missing-folder", "report.pdf", NULL);
  g_autofree char *png_path = g_build_filename (f->dir, "missing-folder", "report.png", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_false (ct_report_write (&info, path, CT_REPORT_FORMAT_PDF, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_IO);
  g_clear_error (&error);
  g_assert_false (ct_report_write (&info, png_path, CT_REPORT_FORMAT_PNG, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_IO);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/render/report/key-slices", Fixture, NULL, fixture_set_up, test_report_key_slices, fixture_tear_down);
  g_test_add ("/render/report/rows", Fixture, NULL, fixture_set_up, test_report_rows, fixture_tear_down);
  g_test_add_func ("/render/report/person-name", test_report_person_name);
  g_test_add ("/render/report/patient-rows", Fixture, NULL, fixture_set_up, test_report_patient_rows,
              fixture_tear_down);
  g_test_add ("/render/report/pdf-text", Fixture, NULL, fixture_set_up, test_report_pdf_text, fixture_tear_down);
  g_test_add ("/render/report/pdf", Fixture, NULL, fixture_set_up, test_report_pdf, fixture_tear_down);
  g_test_add ("/render/report/png", Fixture, NULL, fixture_set_up, test_report_png, fixture_tear_down);
  g_test_add ("/render/report/unwritable", Fixture, NULL, fixture_set_up, test_report_unwritable, fixture_tear_down);
  return g_test_run ();
}
