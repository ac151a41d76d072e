/* SPDX-License-Identifier: MIT */
/* phantom-raw: writes one phantom as raw little-endian arrays plus a JSON
 * description, for training on machines without GLib, GDCM or GTK.
 *
 *   phantom-raw --seed S --class covid|bacterial|nodules|normal|random
 *               --slices N --pixel-spacing MM --slice-spacing MM
 *               --size 512 --out PREFIX [options]
 *
 * writes PREFIX.hu.f32 (or PREFIX.hu.i16 with --int16), PREFIX.lungs.u8,
 * PREFIX.lesions.u8 and PREFIX.json. Arrays are [slices][rows][columns],
 * C order. See tools/phantom/README.md. */
#include "phantom.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
usage (FILE *out)
{
  fprintf (out, "usage: phantom-raw --out PREFIX [--seed S] [--class covid|bacterial|nodules|normal|random]\n"
                "                   [--slices N] [--size N | --columns N --rows N] [--pixel-spacing MM]\n"
                "                   [--slice-spacing MM] [--slice-thickness MM] [--severity PERCENT]\n"
                "                   [--noise HU] [--contrast yes|no] [--feet-first] [--mirror]\n"
                "                   [--cut top|bottom|both] [--int16] [--threads N]\n"
                "Writes PREFIX.hu.f32 (float32 HU; int16 HU with --int16), PREFIX.lungs.u8\n"
                "(0 none, 1 right, 2 left), PREFIX.lesions.u8 (0 none, 1 ground glass,\n"
                "2 consolidation, 3 nodule) and PREFIX.json; arrays are [slices][rows][columns].\n");
}

static int
parse_double (const char *text, double *out)
{
  char *end;
  errno = 0;
  *out = strtod (text, &end);
  return errno == 0 && end != text && *end == '\0' && isfinite (*out);
}

static int
parse_int (const char *text, int *out)
{
  char *end;
  long v;
  errno = 0;
  v = strtol (text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < -1000000000L || v > 1000000000L)
    return 0;
  *out = (int) v;
  return 1;
}

static int
write_file (const char *path, const void *data, size_t bytes)
{
  FILE *f = fopen (path, "wb");
  size_t written;
  if (f == NULL)
    {
      fprintf (stderr, "phantom-raw: cannot write %s: %s\n", path, strerror (errno));
      return 0;
    }
  written = fwrite (data, 1, bytes, f);
  if (fclose (f) != 0 || written != bytes)
    {
      fprintf (stderr, "phantom-raw: error writing %s\n", path);
      return 0;
    }
  return 1;
}

static int
is_little_endian (void)
{
  uint16_t probe = 1;
  return *(uint8_t *) &probe == 1;
}

static const char *
base_name (const char *path)
{
  const char *slash = strrchr (path, '/');
  return slash ? slash + 1 : path;
}

int
main (int argc, char **argv)
{
  PhantomParams params;
  const char *prefix = NULL;
  int int16 = 0;
  char error[256];
  PhantomStudy *study;
  size_t n, len;
  char *path;
  int ok = 1;

  phantom_params_init (&params);
  params.nx = params.ny = 512;
  params.pixel_spacing_mm = 0.7;
  params.nz = 120;
  params.slice_spacing_mm = 2.5;

  for (int a = 1; a < argc; a++)
    {
      const char *opt = argv[a];
      const char *val = a + 1 < argc ? argv[a + 1] : NULL;
      int need = 1;
      int good = 1;

      if (strcmp (opt, "--help") == 0 || strcmp (opt, "-h") == 0)
        {
          usage (stdout);
          return 0;
        }
      else if (strcmp (opt, "--feet-first") == 0)
        params.feet_first = 1, need = 0;
      else if (strcmp (opt, "--mirror") == 0)
        params.mirror_columns = 1, need = 0;
      else if (strcmp (opt, "--int16") == 0)
        int16 = 1, need = 0;
      else if (val == NULL)
        good = 0;
      else if (strcmp (opt, "--out") == 0)
        prefix = val;
      else if (strcmp (opt, "--seed") == 0)
        {
          char *end;
          errno = 0;
          params.seed = strtoull (val, &end, 10);
          good = errno == 0 && end != val && *end == '\0';
        }
      else if (strcmp (opt, "--class") == 0)
        good = phantom_class_from_name (val, &params.klass);
      else if (strcmp (opt, "--slices") == 0)
        good = parse_int (val, &params.nz);
      else if (strcmp (opt, "--size") == 0)
        {
          good = parse_int (val, &params.nx);
          params.ny = params.nx;
        }
      else if (strcmp (opt, "--columns") == 0)
        good = parse_int (val, &params.nx);
      else if (strcmp (opt, "--rows") == 0)
        good = parse_int (val, &params.ny);
      else if (strcmp (opt, "--pixel-spacing") == 0)
        good = parse_double (val, &params.pixel_spacing_mm);
      else if (strcmp (opt, "--slice-spacing") == 0)
        good = parse_double (val, &params.slice_spacing_mm);
      else if (strcmp (opt, "--slice-thickness") == 0)
        good = parse_double (val, &params.slice_thickness_mm);
      else if (strcmp (opt, "--severity") == 0)
        good = parse_double (val, &params.severity_percent) && params.severity_percent >= 0;
      else if (strcmp (opt, "--noise") == 0)
        good = parse_double (val, &params.noise_hu) && params.noise_hu >= 0;
      else if (strcmp (opt, "--threads") == 0)
        good = parse_int (val, &params.threads);
      else if (strcmp (opt, "--contrast") == 0)
        {
          params.contrast = strcmp (val, "yes") == 0 ? 1 : strcmp (val, "no") == 0 ? 0 : -2;
          good = params.contrast >= 0;
        }
      else if (strcmp (opt, "--cut") == 0)
        {
          params.cut = strcmp (val, "top") == 0      ? PHANTOM_CUT_TOP
                       : strcmp (val, "bottom") == 0 ? PHANTOM_CUT_BOTTOM
                       : strcmp (val, "both") == 0   ? PHANTOM_CUT_TOP | PHANTOM_CUT_BOTTOM
                                                     : -1;
          good = params.cut >= 0;
        }
      else
        {
          fprintf (stderr, "phantom-raw: unknown option %s\n", opt);
          usage (stderr);
          return 2;
        }
      if (!good)
        {
          fprintf (stderr, "phantom-raw: bad or missing value for %s\n", opt);
          return 2;
        }
      a += need;
    }
  if (prefix == NULL)
    {
      usage (stderr);
      return 2;
    }

  study = phantom_generate (&params, error, sizeof error);
  if (study == NULL)
    {
      fprintf (stderr, "phantom-raw: %s\n", error);
      return 1;
    }

  n = (size_t) study->nx * study->ny * study->nz;
  len = strlen (prefix);
  path = malloc (len + 32);
  if (path == NULL)
    return 1;

  if (int16)
    {
      int16_t *v = malloc (n * sizeof *v);
      if (v == NULL)
        return 1;
      for (size_t i = 0; i < n; i++)
        {
          double h = floor (study->hu[i] + 0.5);
          v[i] = (int16_t) (h < -32768 ? -32768 : h > 32767 ? 32767 : h);
          if (!is_little_endian ())
            v[i] = (int16_t) (((uint16_t) v[i] >> 8) | ((uint16_t) v[i] << 8));
        }
      snprintf (path, len + 32, "%s.hu.i16", prefix);
      ok = write_file (path, v, n * sizeof *v);
      free (v);
    }
  else
    {
      if (!is_little_endian ())
        for (size_t i = 0; i < n; i++)
          {
            uint32_t w;
            memcpy (&w, &study->hu[i], 4);
            w = (w >> 24) | ((w >> 8) & 0xff00) | ((w << 8) & 0xff0000) | (w << 24);
            memcpy (&study->hu[i], &w, 4);
          }
      snprintf (path, len + 32, "%s.hu.f32", prefix);
      ok = write_file (path, study->hu, n * sizeof (float));
    }
  snprintf (path, len + 32, "%s.lungs.u8", prefix);
  ok = ok && write_file (path, study->lungs, n);
  snprintf (path, len + 32, "%s.lesions.u8", prefix);
  ok = ok && write_file (path, study->lesions, n);

  if (ok)
    {
      const char *base = base_name (prefix);
      size_t extra_len = 3 * strlen (base) + 256;
      char *extra = malloc (extra_len);
      FILE *f;
      snprintf (path, len + 32, "%s.json", prefix);
      f = fopen (path, "w");
      if (f == NULL || extra == NULL)
        {
          fprintf (stderr, "phantom-raw: cannot write %s\n", path);
          ok = 0;
        }
      else
        {
          snprintf (extra, extra_len,
                    "  \"hu_file\": \"%s.hu.%s\",\n  \"hu_dtype\": \"%s\",\n"
                    "  \"lungs_file\": \"%s.lungs.u8\",\n  \"lesions_file\": \"%s.lesions.u8\",\n"
                    "  \"layout\": \"[slices][rows][columns], little endian\",\n",
                    base, int16 ? "i16" : "f32", int16 ? "int16" : "float32", base, base);
          ok = phantom_study_write_json (study, extra, f);
          ok = (fclose (f) == 0) && ok;
        }
      free (extra);
    }
  free (path);
  phantom_study_free (study);
  return ok ? 0 : 1;
}
