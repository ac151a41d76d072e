/* SPDX-License-Identifier: MIT */
/* bench-nn: speed of the C engine on the paper's two networks (full width,
 * seeded random weights unless --lungs/--multitask name files), with 1 and 2
 * threads: ms per slice, effective GFLOPS (2 x MACs counted from the
 * structure) and the share of this machine's sgemm peak measured in the same
 * run with OpenBLAS. Not a test: it prints figures (docs/performance.md).
 *
 *   bench-nn [--threads 1,2] [--slices N] [--write-models DIR]
 *            [--io-out DIR] [--lungs FILE] [--multitask FILE] [--study 300]
 *            [engine options: --blocked-levels N --batch N --top-batch N
 *             --deep-from N --winograd-min-channels N
 *             --blocked-winograd-min-channels N --blocked-winograd-f4-max-channels N
 *             --shared-layers --portable --profile]
 *
 * The engine options set the fields of CtNnOptions (ct-nn-options.h) of
 * the same names, for side-by-side measurements; unset, the defaults.
 * --profile prints, per network and thread count, the CPU time of every
 * step of a batch summed over the timed runs (the threads then share each
 * layer: one team).
 *
 * --write-models DIR writes the random weights it uses (DIR/lungs.safetensors,
 * DIR/multitask.safetensors) so that ONNX Runtime can run the same weights;
 * --io-out DIR writes each network's input and our outputs as raw float32
 * (DIR/<net>-input.f32, DIR/<net>-output.f32, DIR/multitask-study.txt) and
 * the timings (DIR/ours.tsv: network, threads, ms and CPU ms per slice). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ct-model-private.h"
#include "ct-model-random.h"
#include "ct-nn-gemm.h"

#ifdef HAVE_OPENBLAS
#include <cblas.h>
void openblas_set_num_threads (int num_threads);
#endif

static int opt_slices = 16;
static char *opt_threads = NULL;
static char *opt_write_models = NULL;
static char *opt_io_out = NULL;
static char *opt_lungs = NULL;
static char *opt_multitask = NULL;
static int opt_study = 300;
static gboolean opt_reference = FALSE;
static gboolean opt_no_peak = FALSE;
/* engine options; -1: the default */
static int opt_blocked_levels = -1;
static int opt_batch = -1;
static int opt_top_batch = -1;
static int opt_deep_from = -1;
static int opt_winograd_min = -1;
static int opt_blocked_winograd_min = -1;
static int opt_blocked_winograd_f4_max = -1;
static gboolean opt_shared_layers = FALSE;
static gboolean opt_portable = FALSE;
static gboolean opt_profile = FALSE;

static GOptionEntry entries[] = {
  { "slices", 0, 0, G_OPTION_ARG_INT, &opt_slices, "Slices per timed run (default 16)", "N" },
  { "threads", 0, 0, G_OPTION_ARG_STRING, &opt_threads, "Thread counts (default 1,2)", "LIST" },
  { "write-models", 0, 0, G_OPTION_ARG_FILENAME, &opt_write_models, "Write the weights used", "DIR" },
  { "io-out", 0, 0, G_OPTION_ARG_FILENAME, &opt_io_out, "Write inputs and outputs", "DIR" },
  { "lungs", 0, 0, G_OPTION_ARG_FILENAME, &opt_lungs, "Lung weights (default: random)", "FILE" },
  { "multitask", 0, 0, G_OPTION_ARG_FILENAME, &opt_multitask, "Multitask weights", "FILE" },
  { "study", 0, 0, G_OPTION_ARG_INT, &opt_study, "Slices of the study estimate (300)", "N" },
  { "reference", 0, 0, G_OPTION_ARG_NONE, &opt_reference, "Also time the naive path (slow)", NULL },
  { "no-peak", 0, 0, G_OPTION_ARG_NONE, &opt_no_peak, "Skip the OpenBLAS peak", NULL },
  { "blocked-levels", 0, 0, G_OPTION_ARG_INT, &opt_blocked_levels,
    "Levels from the top in the blocked layout (0: all channel-major)", "N" },
  { "batch", 0, 0, G_OPTION_ARG_INT, &opt_batch, "Slices per batch (1..64, default 16)", "N" },
  { "top-batch", 0, 0, G_OPTION_ARG_INT, &opt_top_batch, "Slices per sub-batch above --deep-from (1..64, default 4)",
    "N" },
  { "deep-from", 0, 0, G_OPTION_ARG_INT, &opt_deep_from, "First level run on the whole batch (default 3)", "N" },
  { "winograd-min-channels", 0, 0, G_OPTION_ARG_INT, &opt_winograd_min,
    "Channel-major Winograd from N channels (default 128)", "N" },
  { "blocked-winograd-min-channels", 0, 0, G_OPTION_ARG_INT, &opt_blocked_winograd_min,
    "Blocked Winograd from N input channels (default 16)", "N" },
  { "blocked-winograd-f4-max-channels", 0, 0, G_OPTION_ARG_INT, &opt_blocked_winograd_f4_max,
    "Blocked Winograd F(4x4) up to N channels (default 128)", "N" },
  { "shared-layers", 0, 0, G_OPTION_ARG_NONE, &opt_shared_layers, "All threads share every layer (no teams)", NULL },
  { "portable", 0, 0, G_OPTION_ARG_NONE, &opt_portable, "Portable kernels only (no AVX2)", NULL },
  { "profile", 0, 0, G_OPTION_ARG_NONE, &opt_profile, "Per-step CPU time table", NULL },
  { NULL }
};

/* The CtNnOptions of the command line. */
static CtNnOptions engine_options;

/* Per-step profile (--profile): CPU seconds and MACs summed by the step's
 * position in a batch (every batch runs the same sequence). */
#define PROFILE_MAX_STEPS 1024

typedef struct
{
  char name[48];
  double seconds;
  double macs;
} ProfileStep;

static ProfileStep profile_steps[PROFILE_MAX_STEPS];
static int profile_n_steps;

static void
profile_step (int step, const char *name, double cpu_seconds, double macs, gpointer user_data)
{
  ProfileStep *st;

  if (step >= PROFILE_MAX_STEPS)
    return;
  st = &profile_steps[step];
  if (step >= profile_n_steps)
    {
      g_strlcpy (st->name, name, sizeof st->name);
      profile_n_steps = step + 1;
    }
  st->seconds += cpu_seconds;
  st->macs += macs;
}

static void
profile_reset (void)
{
  memset (profile_steps, 0, sizeof profile_steps);
  profile_n_steps = 0;
}

/* The table of the steps summed since profile_reset, over n slices. */
static void
profile_print (const char *net, int n, int h, int w, int n_threads)
{
  double total = 0.0;

  for (int i = 0; i < profile_n_steps; i++)
    total += profile_steps[i].seconds;
  printf ("per-layer profile (%s, %d slices of %d x %d, %d thread(s)): %.2f CPU ms/slice\n", net, n, h, w, n_threads,
          1000.0 * total / n);
  printf ("  %-44s %9s %6s %7s\n", "step", "CPU ms", "share", "GFLOPS");
  for (int i = 0; i < profile_n_steps; i++)
    {
      const ProfileStep *st = &profile_steps[i];
      printf ("  %-44s %9.3f %5.1f%% ", st->name, 1000.0 * st->seconds / n, 100.0 * st->seconds / total);
      if (st->macs > 0.0)
        printf ("%7.1f\n", 2.0 * st->macs / st->seconds / 1e9);
      else
        printf ("%7s\n", "-");
    }
}

static void
engine_options_from_command_line (CtNnOptions *o)
{
  ct_nn_options_init_default (o);
  if (opt_blocked_levels >= 0)
    o->blocked_levels = opt_blocked_levels;
  if (opt_batch >= 0)
    o->batch_slices = opt_batch;
  if (opt_top_batch >= 0)
    o->top_batch_slices = opt_top_batch;
  if (opt_deep_from >= 0)
    o->deep_from_level = opt_deep_from;
  if (opt_winograd_min >= 0)
    o->winograd_min_channels = opt_winograd_min;
  if (opt_blocked_winograd_min >= 0)
    o->blocked_winograd_min_channels = opt_blocked_winograd_min;
  if (opt_blocked_winograd_f4_max >= 0)
    o->blocked_winograd_f4_max_channels = opt_blocked_winograd_f4_max;
  o->shared_layers = opt_shared_layers;
  o->portable_kernels = opt_portable;
  if (opt_profile)
    o->profile = profile_step;
}

/* A smooth, deterministic input in [0, 1] with some structure. */
static float *
make_input (int n, int h, int w)
{
  float *x = g_new (float, (size_t) n * h * w);
  for (int d = 0; d < n; d++)
    for (int y = 0; y < h; y++)
      for (int i = 0; i < w; i++)
        {
          double v = 0.5 + 0.25 * sin (0.11 * i + 0.07 * d) * cos (0.09 * y) + 0.2 * sin (0.031 * (i + 2 * y) + d);
          x[((size_t) d * h + y) * w + i] = (float) CLAMP (v, 0.0, 1.0);
        }
  return x;
}

static CtModel *
get_model (CtModelArchitecture arch, const char *path, const char *file_name)
{
  g_autoptr (GError) error = NULL;
  CtModel *model;

  if (path != NULL)
    {
      model = ct_model_load_with_options (path, &engine_options, &error);
    }
  else
    {
      CtNetStructure s;
      g_autoptr (GBytes) bytes = NULL;

      ct_net_structure_init_default (&s, arch);
      bytes = ct_model_random_safetensors (&s, arch == CT_MODEL_LUNGS ? 1234 : 5678, FALSE);
      if (opt_write_models != NULL)
        {
          g_autofree char *out = g_build_filename (opt_write_models, file_name, NULL);
          g_mkdir_with_parents (opt_write_models, 0755);
          if (!g_file_set_contents (out, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes), &error))
            g_error ("%s", error->message);
        }
      model = ct_model_load_from_bytes (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), file_name,
                                        &engine_options, &error);
    }
  if (model == NULL)
    g_error ("%s", error->message);
  return model;
}

static double last_cpu_ms;

static double
cpu_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Wall-clock ms of one run; last_cpu_ms gets the process CPU time it used. */
static double
time_run (CtModel *model, gboolean reference, const float *input, int n, int h, int w, float *out, double *study,
          int threads)
{
  g_autoptr (GError) error = NULL;
  gboolean has = FALSE;
  CtNnOptions options = engine_options;
  double c0;
  gint64 t0;

  options.use_reference = reference;
  c0 = cpu_seconds ();
  t0 = g_get_monotonic_time ();
  if (!ct_model_run_with_options (model, &options, input, n, h, w, out, study, &has, threads, NULL, NULL, &error))
    g_error ("%s", error->message);
  last_cpu_ms = (cpu_seconds () - c0) * 1000.0;
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static double
measure_sgemm_peak (int threads)
{
#ifdef HAVE_OPENBLAS
  int n = 1536;
  g_autofree float *a = g_new (float, (size_t) n * n);
  g_autofree float *b = g_new (float, (size_t) n * n);
  g_autofree float *c = g_new (float, (size_t) n * n);
  double best = 1e30;

  for (size_t i = 0; i < (size_t) n * n; i++)
    {
      a[i] = (float) ((i * 7 % 13) - 6) * 0.1f;
      b[i] = (float) ((i * 5 % 11) - 5) * 0.1f;
    }
  openblas_set_num_threads (threads);
  for (int rep = 0; rep < 4; rep++)
    {
      gint64 t0 = g_get_monotonic_time ();
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
      best = MIN (best, (g_get_monotonic_time () - t0) / 1e6);
    }
  return 2.0 * n * n * (double) n / best / 1e9;
#else
  return NAN;
#endif
}

static void
write_raw (const char *name, const float *data, size_t n)
{
  g_autofree char *path = g_build_filename (opt_io_out, name, NULL);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (opt_io_out, 0755);
  if (!g_file_set_contents (path, (const char *) data, (gssize) (n * sizeof (float)), &error))
    g_error ("%s", error->message);
}

typedef struct
{
  const char *label;
  CtModelArchitecture arch;
  int h, w;
  CtModel *model;
  double ms_per_slice[8];
  double cpu_ms_per_slice[8];
} Case;

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("- benchmark the network engine");
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) thread_list = NULL;
  Case cases[2] = {
    { "lungs", CT_MODEL_LUNGS, 180, 180, NULL, { 0 } },
    { "multitask", CT_MODEL_MULTITASK_SPATIAL, 150, 120, NULL, { 0 } },
  };
  int n_threads_list = 0;
  int threads[8];
  double peak[8];

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  engine_options_from_command_line (&engine_options);
  if (!ct_nn_options_validate (&engine_options, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  thread_list = g_strsplit (opt_threads ? opt_threads : "1,2", ",", 8);
  for (int i = 0; thread_list[i] != NULL && i < 8; i++)
    threads[n_threads_list++] = MAX (1, atoi (thread_list[i]));

  cases[0].model = get_model (CT_MODEL_LUNGS, opt_lungs, "lungs.safetensors");
  cases[1].model = get_model (CT_MODEL_MULTITASK_SPATIAL, opt_multitask, "multitask.safetensors");

  g_print ("micro-kernel: %s; CPUs: %u; slices per run: %d\n",
           ct_gemm_best_kernel_name (engine_options.portable_kernels), g_get_num_processors (), opt_slices);
  for (int t = 0; t < n_threads_list; t++)
    {
      peak[t] = opt_no_peak ? NAN : measure_sgemm_peak (threads[t]);
      g_print ("OpenBLAS sgemm 1536^3, %d thread(s): %.1f GFLOPS\n", threads[t], peak[t]);
    }

  for (int c = 0; c < 2; c++)
    {
      Case *k = &cases[c];
      int n = opt_slices;
      g_autofree float *input = make_input (n, k->h, k->w);
      g_autofree float *out = g_new (float, (size_t) n * k->h * k->w);
      double macs = ct_net_structure_count_macs (&k->model->structure, k->h, k->w);
      double study = NAN;

      g_print ("\n%s network, %d x %d slices: %.3f GMAC per slice\n", k->label, k->h, k->w, macs / 1e9);
      for (int t = 0; t < n_threads_list; t++)
        {
          double best = 1e30, best_cpu = 1e30;
          time_run (k->model, FALSE, input, n, k->h, k->w, out, &study, threads[t]);
          profile_reset ();
          for (int rep = 0; rep < 3; rep++)
            {
              best = MIN (best, time_run (k->model, FALSE, input, n, k->h, k->w, out, &study, threads[t]));
              best_cpu = MIN (best_cpu, last_cpu_ms);
            }
          if (opt_profile)
            profile_print (k->label, 3 * n, k->h, k->w, threads[t]);
          k->ms_per_slice[t] = best / n;
          k->cpu_ms_per_slice[t] = best_cpu / n;
          g_print ("  %d thread(s): %7.2f ms/slice  %6.1f GFLOPS  %5.1f %% of sgemm peak"
                   "  (CPU time %.2f ms/slice)\n",
                   threads[t], best / n, 2.0 * macs * n / (best / 1000.0) / 1e9,
                   100.0 * (2.0 * macs * n / (best / 1000.0) / 1e9) / peak[t], best_cpu / n);
        }
      if (opt_reference)
        {
          double ms = time_run (k->model, TRUE, input, 1, k->h, k->w, out, NULL, 1);
          g_print ("  naive reference, 1 thread: %.1f ms/slice\n", ms);
        }
      if (opt_io_out != NULL)
        {
          g_autofree char *in_name = g_strdup_printf ("%s-input.f32", k->label);
          g_autofree char *out_name = g_strdup_printf ("%s-output.f32", k->label);
          size_t count = (size_t) n * k->h * k->w;

          time_run (k->model, FALSE, input, n, k->h, k->w, out, &study, threads[n_threads_list - 1]);
          write_raw (in_name, input, count);
          write_raw (out_name, out, count);
          if (k->arch == CT_MODEL_MULTITASK_SPATIAL)
            {
              g_autofree char *path = g_build_filename (opt_io_out, "multitask-study.txt", NULL);
              g_autofree char *text = g_strdup_printf ("%.9f\n", study);
              g_file_set_contents (path, text, -1, NULL);
            }
        }
    }

  if (opt_io_out != NULL)
    {
      g_autoptr (GString) tsv = g_string_new (NULL);
      g_autofree char *path = g_build_filename (opt_io_out, "ours.tsv", NULL);
      for (int c = 0; c < 2; c++)
        for (int t = 0; t < n_threads_list; t++)
          g_string_append_printf (tsv, "%s\t%d\t%.4f\t%.4f\n", cases[c].label, threads[t], cases[c].ms_per_slice[t],
                                  cases[c].cpu_ms_per_slice[t]);
      g_file_set_contents (path, tsv->str, -1, NULL);
    }

  g_print ("\n%d-slice study estimate (lungs at 180x180 + multitask at 150x120):\n", opt_study);
  for (int t = 0; t < n_threads_list; t++)
    g_print ("  %d thread(s): %.1f s\n", threads[t],
             opt_study * (cases[0].ms_per_slice[t] + cases[1].ms_per_slice[t]) / 1000.0);

  ct_model_unref (cases[0].model);
  ct_model_unref (cases[1].model);
  return 0;
}
