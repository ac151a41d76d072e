/* SPDX-License-Identifier: MIT */
/* test-tsan-canary.c: proves that the ThreadSanitizer stage of build-aux/test
 * can see what it is there to see (docs/bad-input.md, "Sanitizers").
 *
 * A clean TSan run of the job queue and the engine means something only if
 * (a) a real race is reported, in GLib threads and in OpenMP regions, and
 * (b) the hand-overs the code relies on are understood, not reported: GMutex,
 * GAsyncQueue and GTask (needs the GLib of build-aux/build-tsan-glib; the
 * system's GLib is not instrumented and its locks read as races) and the
 * OpenMP barrier (needs LLVM's Archer tool, OMP_TOOL_LIBRARIES, and the
 * case checks that it was loaded).
 * Each case runs in a subprocess whose standard error is searched for TSan's
 * report. Built only when -Db_sanitize=thread. */

#include <gio/gio.h>
#include <omp.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CANARY_UNDER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define CANARY_UNDER_TSAN 1
#endif

#define ROUNDS 1000

/* Deliberately unsynchronised in the racy cases. */
static int shared_counter;
static GMutex counter_lock;

static gpointer
increment_unlocked (gpointer data)
{
  (void) data;
  for (int i = 0; i < ROUNDS; i++)
    shared_counter++;
  return NULL;
}

static gpointer
increment_locked (gpointer data)
{
  (void) data;
  for (int i = 0; i < ROUNDS; i++)
    {
      g_mutex_lock (&counter_lock);
      shared_counter++;
      g_mutex_unlock (&counter_lock);
    }
  return NULL;
}

static void
run_two_threads (GThreadFunc func)
{
  GThread *a = g_thread_new ("canary-a", func, NULL);
  GThread *b = g_thread_new ("canary-b", func, NULL);
  g_thread_join (a);
  g_thread_join (b);
}

static void
child_gthread_race (void)
{
  run_two_threads (increment_unlocked);
}

static void
child_gmutex (void)
{
  run_two_threads (increment_locked);
  g_assert_cmpint (shared_counter, ==, 2 * ROUNDS);
}

/* A buffer filled on one thread and read on another after it went through a
 * GAsyncQueue, as the decoder's and the loader's workers hand slices over. */
static gpointer
fill_and_push (gpointer data)
{
  GAsyncQueue *queue = data;
  for (int k = 0; k < 64; k++)
    {
      int *block = g_new (int, 256);
      for (int i = 0; i < 256; i++)
        block[i] = k;
      g_async_queue_push (queue, block);
    }
  return NULL;
}

static void
child_async_queue (void)
{
  g_autoptr (GAsyncQueue) queue = g_async_queue_new ();
  GThread *producer = g_thread_new ("canary-producer", fill_and_push, queue);
  for (int k = 0; k < 64; k++)
    {
      g_autofree int *block = g_async_queue_pop (queue);
      g_assert_cmpint (block[255], ==, k);
    }
  g_thread_join (producer);
}

/* A result made in g_task_run_in_thread () and read in the callback on the
 * main thread, as CtAnalyzer and CtExportJob return theirs. */
static void
make_result (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  (void) source;
  (void) data;
  (void) cancellable;
  int *values = g_new (int, 1024);
  for (int i = 0; i < 1024; i++)
    values[i] = i;
  g_task_return_pointer (task, values, g_free);
}

static void
result_ready (GObject *source, GAsyncResult *result, gpointer data)
{
  (void) source;
  g_autofree int *values = g_task_propagate_pointer (G_TASK (result), NULL);
  g_assert_cmpint (values[1023], ==, 1023);
  g_main_loop_quit (data);
}

static void
child_gtask (void)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  for (int k = 0; k < 8; k++)
    {
      g_autoptr (GTask) task = g_task_new (NULL, NULL, result_ready, loop);
      g_task_run_in_thread (task, make_result);
      g_main_loop_run (loop);
    }
}

static void
child_openmp_race (void)
{
  int sum = 0;
#pragma omp parallel for num_threads(2)
  for (int i = 0; i < 2 * ROUNDS; i++)
    sum += i; /* no reduction: a race on purpose */
  g_assert_cmpint (sum, >=, 0);
}

/* Disjoint writes in a parallel loop, read by the master after the loop's
 * implicit barrier, as every kernel of analysis/nn/ does. */
static void
child_openmp_barrier (void)
{
  enum
  {
    N = 4096
  };
  g_autofree float *values = g_new (float, N);
#pragma omp parallel for num_threads(2) schedule(static)
  for (int i = 0; i < N; i++)
    values[i] = (float) i * 0.5f;
  double total = 0.0;
  for (int i = 0; i < N; i++)
    total += values[i];
  g_assert_cmpfloat (total, ==, 0.5 * (double) N * (N - 1) / 2.0);
}

/* Runs CHILD in a subprocess of this test, which must end with a race
 * reported (TSan's report goes to its standard error, and its exit status
 * is 66 when it reported) or pass with no report at all; and, when
 * STDOUT_PATTERN is given, print that on its standard output. */
static void
run_child (void (*child) (void), gboolean race_expected, const char *stdout_pattern)
{
  if (g_test_subprocess ())
    {
      child ();
      return;
    }
  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  if (stdout_pattern != NULL)
    g_test_trap_assert_stdout (stdout_pattern);
  if (race_expected)
    {
      g_test_trap_assert_stderr ("*WARNING: ThreadSanitizer: data race*");
      return;
    }
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("*ThreadSanitizer*");
}

static void
expect_race (void (*child) (void))
{
  run_child (child, TRUE, NULL);
}

static void
expect_clean (void (*child) (void))
{
  run_child (child, FALSE, NULL);
}

static void
test_gthread_race_reported (void)
{
  expect_race (child_gthread_race);
}

static void
test_gmutex_clean (void)
{
  expect_clean (child_gmutex);
}

static void
test_async_queue_clean (void)
{
  expect_clean (child_async_queue);
}

static void
test_gtask_clean (void)
{
  expect_clean (child_gtask);
}

static void
test_openmp_race_reported (void)
{
  expect_race (child_openmp_race);
}

/* Without Archer (OMP_TOOL=disabled) this case is reported: libomp's
 * barrier is made of atomics in a module TSan did not instrument. libomp 14
 * loads libarcher.so by itself when it can find it, and build-aux/test names
 * it in OMP_TOOL_LIBRARIES; Archer's verbose line on standard output shows
 * that it was loaded. */
static void
test_openmp_barrier_clean (void)
{
  /* Inherited by the subprocess; in the subprocess itself, too late to matter. */
  g_setenv ("ARCHER_OPTIONS", "verbose=1", TRUE);
  run_child (child_openmp_barrier, FALSE, "*Archer detected OpenMP application with TSan*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#ifndef CANARY_UNDER_TSAN
  g_printerr ("test-tsan-canary: built without -fsanitize=thread; it proves nothing here\n");
  return 1;
#endif
  g_test_add_func ("/tsan-canary/gthread-race-reported", test_gthread_race_reported);
  g_test_add_func ("/tsan-canary/gmutex-clean", test_gmutex_clean);
  g_test_add_func ("/tsan-canary/async-queue-clean", test_async_queue_clean);
  g_test_add_func ("/tsan-canary/gtask-clean", test_gtask_clean);
  g_test_add_func ("/tsan-canary/openmp-race-reported", test_openmp_race_reported);
  g_test_add_func ("/tsan-canary/openmp-barrier-clean", test_openmp_barrier_clean);
  return g_test_run ();
}
