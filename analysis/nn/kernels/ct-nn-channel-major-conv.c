/* SPDX-License-Identifier: MIT */
/* ct-nn-channel-major-conv.c: packed-GEMM convolution driver (see ct-nn-channel-major-conv.h).
 * Blocking: K in chunks of KC rows, N in tiles of NC columns (a B tile of
 * KC x NC floats stays in L2), M in panels of MR rows (an A panel chunk stays
 * in L1). OpenMP tasks are (N tile, M block) pairs; each thread packs its own
 * B tile into its slice of the caller's scratch: nothing is allocated here. */
#include "ct-nn-channel-major-conv.h"

#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define KC 256
#define NC (CT_GEMM_NR * 8)

void
ct_conv_weights_pack (CtConvWeights *self, int m, const float *w3x3, int cin3, const float *w1x1, int cin_raw)
{
  int panels = (m + CT_GEMM_MR - 1) / CT_GEMM_MR;

  self->m = m;
  self->cin3 = cin3;
  self->cin_raw = cin_raw;
  self->k = 9 * cin3 + cin_raw;
  self->packed = g_new0 (float, (size_t) panels * self->k * CT_GEMM_MR);
  for (int row = 0; row < m; row++)
    {
      float *panel = self->packed + (size_t) (row / CT_GEMM_MR) * self->k * CT_GEMM_MR;
      int r = row % CT_GEMM_MR;
      for (int kk = 0; kk < 9 * cin3; kk++)
        panel[(size_t) kk * CT_GEMM_MR + r] = w3x3[(size_t) row * 9 * cin3 + kk];
      for (int c = 0; c < cin_raw; c++)
        panel[(size_t) (9 * cin3 + c) * CT_GEMM_MR + r] = w1x1[(size_t) row * cin_raw + c];
    }
}

void
ct_conv_weights_clear (CtConvWeights *self)
{
  g_clear_pointer (&self->packed, g_free);
}

/* Per-thread scratch, in floats (every slot 8-byte aligned): B strips
 * [NC/NR][KC][NR], tap offsets [KC] and identity offsets [KC] (ptrdiff_t, 2
 * floats each), column offsets [NC], run tables [NC/NR][NR + 1], one C tile. */
#define STRIPS (NC / CT_GEMM_NR)
#define BPACK_FLOATS ((size_t) KC * NC)
#define OFFSETS_FLOATS ((size_t) KC * 2)
#define COLBASE_FLOATS ((size_t) NC)
#define RUNS_FLOATS ((size_t) STRIPS * (CT_GEMM_NR + 2))
#define TILE_FLOATS ((size_t) CT_GEMM_MR * CT_GEMM_NR)
G_STATIC_ASSERT (sizeof (ptrdiff_t) <= 2 * sizeof (float));

size_t
ct_conv_scratch_floats_per_thread (void)
{
  return BPACK_FLOATS + 2 * OFFSETS_FLOATS + COLBASE_FLOATS + RUNS_FLOATS + TILE_FLOATS + 16;
}

typedef struct
{
  float *bpack;     /* [STRIPS][KC][NR] */
  ptrdiff_t *koff;  /* [KC] offsets of the chunk's B rows from a strip's first column */
  ptrdiff_t *ident; /* [KC] p * NR: rows of a packed strip */
  int *colbase;     /* [NC] column -> offset in a zero-bordered channel plane set */
  int *runs;        /* [STRIPS][NR + 2]: n_runs, run starts..., ns */
  float *tile;      /* [MR][NR] */
} ThreadScratch;

static void
thread_scratch (float *scratch, int tid, ThreadScratch *ts)
{
  float *base = scratch + (size_t) tid * ct_conv_scratch_floats_per_thread ();

  ts->bpack = base;
  base += BPACK_FLOATS;
  ts->koff = (ptrdiff_t *) (gpointer) base;
  base += OFFSETS_FLOATS;
  ts->ident = (ptrdiff_t *) (gpointer) base;
  base += OFFSETS_FLOATS;
  ts->colbase = (int *) (gpointer) base;
  base += COLBASE_FLOATS;
  ts->runs = (int *) (gpointer) base;
  base += RUNS_FLOATS;
  ts->tile = base;
  for (int p = 0; p < KC; p++)
    ts->ident[p] = (ptrdiff_t) p * CT_GEMM_NR;
}

static inline void
copy_floats (float *restrict dst, const float *restrict src, int n)
{
  for (int i = 0; i < n; i++)
    dst[i] = src[i];
}

/* Geometry of the zero-bordered layout [c][nimg][h+2][w+2]. */
typedef struct
{
  size_t n_total; /* nimg * h * w */
  size_t wp;      /* w + 2 */
  size_t cstride; /* nimg * (h + 2) * (w + 2) */
} Geometry;

/* Splits each strip of the tile into runs of columns that are contiguous in
 * the bordered layout (one image row each). runs[s] = { n_runs, start_0, ...,
 * start_{n-1}, ns }; one run of 24 = read in place. */
static void
find_runs (const int *colbase, int nc, int *runs_all)
{
  int strips = (nc + CT_GEMM_NR - 1) / CT_GEMM_NR;

  for (int s = 0; s < strips; s++)
    {
      int first = s * CT_GEMM_NR;
      int ns = MIN (CT_GEMM_NR, nc - first);
      int *runs = runs_all + s * (CT_GEMM_NR + 2);
      int n_runs = 0;

      runs[1 + n_runs++] = 0;
      for (int jj = 1; jj < ns; jj++)
        if (colbase[first + jj] != colbase[first + jj - 1] + 1)
          runs[1 + n_runs++] = jj;
      runs[1 + n_runs] = ns;
      runs[0] = n_runs;
    }
}

/* Offsets, from a strip's first column, of B rows k0..k0+kc (all 3x3 taps
 * or all raw rows: chunks never straddle the boundary). */
static void
chunk_offsets (const CtConvWeights *wt, const Geometry *g, int k0, int kc, ptrdiff_t *koff)
{
  int k3 = 9 * wt->cin3;

  for (int kk = k0; kk < k0 + kc; kk++)
    {
      if (kk < k3)
        {
          int ci = kk / 9, t = kk % 9;
          koff[kk - k0] = (ptrdiff_t) (ci * g->cstride + (size_t) (t / 3) * g->wp + (size_t) (t % 3));
        }
      else
        {
          koff[kk - k0] = (ptrdiff_t) ((size_t) (kk - k3) * g->n_total);
        }
    }
}

/* Packs strip s (rows k0..k0+kc) run by run into dst [kc][NR], zero-filled
 * past ns. */
static void
pack_strip (const CtConvInput *in, gboolean taps, const ptrdiff_t *koff, int kc, const int *colbase, const int *runs,
            size_t j_first, float *dst)
{
  int n_runs = runs[0];
  int ns = runs[1 + n_runs];

  for (int kk = 0; kk < kc; kk++, dst += CT_GEMM_NR)
    {
      if (taps)
        {
          const float *src = in->padded + koff[kk];
          for (int r = 0; r < n_runs; r++)
            copy_floats (dst + runs[1 + r], src + colbase[runs[1 + r]], runs[2 + r] - runs[1 + r]);
        }
      else
        {
          copy_floats (dst, in->raw + koff[kk] + j_first, ns);
        }
      for (int jj = ns; jj < CT_GEMM_NR; jj++)
        dst[jj] = 0.0f;
    }
}

/* Where output element (m, column jj of the tile) lives. */
static inline float *
out_at (float *out, const CtConvEpilogue *ep, const Geometry *g, int m, size_t j, const int *colbase, int jj)
{
  if (ep->padded_output)
    return out + (size_t) m * g->cstride + (size_t) colbase[jj] + g->wp + 1;
  return out + (size_t) m * g->n_total + j;
}

/* A tile that is partial (fewer than MR rows, fewer than NR columns, or
 * columns spread over image rows of a bordered output) goes through ts->tile. */
static void
run_partial_tile (CtGemmMicroKernel kernel, int kc, const float *a, const float *b, const ptrdiff_t *offsets, int row0,
                  int mr, size_t j, int first, int ns, const Geometry *g, gboolean accumulate, const CtConvEpilogue *ep,
                  gboolean final, float *out, const int *colbase, float *tile)
{
  if (accumulate)
    for (int r = 0; r < mr; r++)
      for (int jj = 0; jj < ns; jj++)
        tile[r * CT_GEMM_NR + jj] = *out_at (out, ep, g, row0 + r, j + (size_t) jj, colbase, first + jj);
  kernel (kc, a, b, offsets, tile, CT_GEMM_NR, accumulate, NULL);
  for (int r = 0; r < mr; r++)
    {
      int m = row0 + r;
      const float *t = tile + r * CT_GEMM_NR;
      float scale = 1.0f, shift = 0.0f;
      const float *res = NULL;

      if (final)
        {
          scale = ep->scale != NULL ? ep->scale[m] : 1.0f;
          shift = ep->scale != NULL ? ep->shift[m] : (ep->bias != NULL ? ep->bias[m] : 0.0f);
          res = ep->residual != NULL ? ep->residual + (size_t) m * g->n_total + j : NULL;
        }
      for (int jj = 0; jj < ns; jj++)
        {
          float v = t[jj];
          if (final)
            {
              v = v * scale + shift;
              if (res != NULL)
                v += res[jj];
              if (ep->relu)
                v = v > 0.0f ? v : 0.0f;
            }
          *out_at (out, ep, g, m, j + (size_t) jj, colbase, first + jj) = v;
        }
    }
}

void
ct_conv_zero_borders (float *out, int planes, int h, int w, int n_threads)
{
  size_t wp = (size_t) w + 2;

#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (int p = 0; p < planes; p++)
    {
      float *o = out + (size_t) p * (h + 2) * wp;
      memset (o, 0, wp * sizeof (float));
      memset (o + (size_t) (h + 1) * wp, 0, wp * sizeof (float));
      for (int y = 1; y <= h; y++)
        {
          o[(size_t) y * wp] = 0.0f;
          o[(size_t) y * wp + wp - 1] = 0.0f;
        }
    }
}

static inline void
fill_epilogue (CtGemmEpilogue *gep, const CtConvEpilogue *ep, int row0, size_t j, size_t n_total)
{
  gep->scale = ep->scale != NULL ? ep->scale + row0 : NULL;
  gep->shift = ep->scale != NULL ? ep->shift + row0 : (ep->bias != NULL ? ep->bias + row0 : NULL);
  gep->residual = ep->residual != NULL ? ep->residual + (size_t) row0 * n_total + j : NULL;
  gep->ld_residual = n_total;
  gep->relu = ep->relu;
}

/* Strips lie within image rows ("row mode", read in place: no copy, the
 * last strip of a row is narrower) when rows are wide enough for that to
 * waste at most a quarter of the tile; otherwise strips run over the flat
 * column index and those crossing rows are packed. */
gboolean
ct_conv_reads_rows_in_place (int w)
{
  int per_row = (w + CT_GEMM_NR - 1) / CT_GEMM_NR;
  return 4 * w >= 3 * per_row * CT_GEMM_NR;
}

/* Row-mode strip narrower than NR, read in place: the kernel computes a full
 * tile (its extra columns read the slack past the row) into ts_tile with
 * scale/shift (and ReLU when there is no residual); the ns real columns are
 * then stored, adding the residual and ReLU. */
static void
run_narrow_strip (CtGemmMicroKernel kernel, int kc, const float *a, const float *b, const ptrdiff_t *offsets, int row0,
                  int mr, size_t j, int ns, float *first_out, size_t ldc, size_t n_total, gboolean accumulate,
                  const CtConvEpilogue *ep, gboolean final, float *tile)
{
  CtGemmEpilogue gep = { NULL, NULL, NULL, 0, FALSE };
  /* the vector epilogue reads MR scale/shift values: only with MR real rows */
  gboolean fused = final && mr == CT_GEMM_MR;

  if (fused)
    {
      gep.scale = ep->scale != NULL ? ep->scale + row0 : NULL;
      gep.shift = ep->scale != NULL ? ep->shift + row0 : (ep->bias != NULL ? ep->bias + row0 : NULL);
      gep.relu = ep->relu && ep->residual == NULL;
    }
  if (accumulate)
    for (int r = 0; r < mr; r++)
      memcpy (tile + r * CT_GEMM_NR, first_out + r * ldc, (size_t) ns * sizeof (float));
  kernel (kc, a, b, offsets, tile, CT_GEMM_NR, accumulate, fused ? &gep : NULL);
  for (int r = 0; r < mr; r++)
    {
      int m = row0 + r;
      float *o = first_out + r * ldc;
      const float *t = tile + r * CT_GEMM_NR;
      const float *res = final && ep->residual != NULL ? ep->residual + (size_t) m * n_total + j : NULL;

      if (final && !fused)
        {
          float scale = ep->scale != NULL ? ep->scale[m] : 1.0f;
          float shift = ep->scale != NULL ? ep->shift[m] : (ep->bias != NULL ? ep->bias[m] : 0.0f);
          for (int jj = 0; jj < ns; jj++)
            {
              float v = t[jj] * scale + shift + (res != NULL ? res[jj] : 0.0f);
              o[jj] = ep->relu && v < 0.0f ? 0.0f : v;
            }
        }
      else if (res != NULL)
        {
          for (int jj = 0; jj < ns; jj++)
            {
              float v = t[jj] + res[jj];
              o[jj] = ep->relu && v < 0.0f ? 0.0f : v;
            }
        }
      else
        {
          memcpy (o, t, (size_t) ns * sizeof (float));
        }
    }
}

void
ct_conv_run (const CtConvWeights *wt, const CtConvInput *in, const CtConvEpilogue *ep, float *out, float *scratch,
             int n_threads, CtGemmMicroKernel kernel)
{
  Geometry g;
  int k3 = 9 * wt->cin3;
  gboolean row_mode = ct_conv_reads_rows_in_place (in->w);
  int strips_per_row = (in->w + CT_GEMM_NR - 1) / CT_GEMM_NR;
  gint64 n_strips;
  int n_tiles, panels, m_blocks = 1, tasks;
  size_t plane = (size_t) (in->h + 2) * ((size_t) in->w + 2);

  g.n_total = (size_t) in->nimg * in->h * in->w;
  g.wp = (size_t) in->w + 2;
  g.cstride = (size_t) in->nimg * plane;
  n_strips = row_mode ? (gint64) in->nimg * in->h * strips_per_row
                      : (gint64) ((g.n_total + CT_GEMM_NR - 1) / CT_GEMM_NR);
  n_tiles = (int) ((n_strips + STRIPS - 1) / STRIPS);
  panels = (wt->m + CT_GEMM_MR - 1) / CT_GEMM_MR;
  g_assert (!(ep->padded_output && ep->residual != NULL));

  if (n_threads < 1)
    n_threads = 1;
  if (ep->padded_output)
    ct_conv_zero_borders (out, wt->m * in->nimg, in->h, in->w, n_threads);
  if (n_tiles < 2 * n_threads)
    m_blocks = MIN (panels, (2 * n_threads + n_tiles - 1) / n_tiles);
  tasks = n_tiles * m_blocks;

#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 1) if (tasks > 1 && n_threads > 1)
  for (int task = 0; task < tasks; task++)
    {
      int tid = 0;
      int tile_index = task / m_blocks, mb = task % m_blocks;
      gint64 s0 = (gint64) tile_index * STRIPS;
      int strips = (int) MIN ((gint64) STRIPS, n_strips - s0);
      int p0 = (int) ((gint64) panels * mb / m_blocks);
      int p1 = (int) ((gint64) panels * (mb + 1) / m_blocks);
      size_t strip_j[STRIPS];
      int strip_ns[STRIPS];
      ThreadScratch ts;

#ifdef _OPENMP
      tid = omp_get_thread_num ();
#endif
      thread_scratch (scratch, tid, &ts);

      /* columns of each strip; colbase: bordered offset of each strip's
       * first column (row mode) or of every column of the tile (flat mode) */
      if (row_mode)
        {
          for (int s = 0; s < strips; s++)
            {
              gint64 gs = s0 + s;
              size_t row = (size_t) (gs / strips_per_row);
              int x0 = (int) (gs % strips_per_row) * CT_GEMM_NR;
              size_t img = row / (size_t) in->h, y = row % (size_t) in->h;

              strip_j[s] = row * (size_t) in->w + (size_t) x0;
              strip_ns[s] = MIN (CT_GEMM_NR, in->w - x0);
              ts.colbase[s] = (int) (img * plane + y * g.wp + (size_t) x0);
            }
        }
      else
        {
          size_t j0 = (size_t) s0 * CT_GEMM_NR;
          int nc = (int) MIN ((size_t) STRIPS * CT_GEMM_NR, g.n_total - j0);
          size_t hw = (size_t) in->h * in->w;
          size_t img = j0 / hw, rem = j0 % hw;
          size_t y = rem / (size_t) in->w, x = rem % (size_t) in->w;

          for (int s = 0; s < strips; s++)
            {
              strip_j[s] = j0 + (size_t) s * CT_GEMM_NR;
              strip_ns[s] = MIN (CT_GEMM_NR, nc - s * CT_GEMM_NR);
            }
          for (int jj = 0; jj < nc; jj++)
            {
              ts.colbase[jj] = (int) (img * plane + y * g.wp + x);
              if (++x == (size_t) in->w)
                {
                  x = 0;
                  if (++y == (size_t) in->h)
                    {
                      y = 0;
                      img++;
                    }
                }
            }
          find_runs (ts.colbase, nc, ts.runs);
        }

      for (int k0 = 0; k0 < wt->k;)
        {
          gboolean taps = k0 < k3;
          int kc = MIN (KC, (taps ? k3 : wt->k) - k0);
          gboolean final = k0 + kc >= wt->k;

          chunk_offsets (wt, &g, k0, kc, ts.koff);
          for (int s = 0; s < strips; s++)
            {
              size_t j = strip_j[s];
              int ns = strip_ns[s];
              const int *runs = row_mode ? NULL : ts.runs + s * (CT_GEMM_NR + 2);
              int first = s * CT_GEMM_NR; /* flat mode: the strip's first column in the tile */
              gboolean in_place = row_mode || (runs[0] == 1 && ns == CT_GEMM_NR);
              int base = row_mode ? ts.colbase[s] : ts.colbase[first];
              const float *b;
              const ptrdiff_t *offsets;

              if (in_place)
                {
                  b = taps ? in->padded + base : in->raw + j;
                  offsets = ts.koff;
                }
              else
                {
                  float *dst = ts.bpack + (size_t) s * KC * CT_GEMM_NR;
                  pack_strip (in, taps, ts.koff, kc, ts.colbase + first, runs, j, dst);
                  b = dst;
                  offsets = ts.ident;
                }

              for (int p = p0; p < p1; p++)
                {
                  const float *a = wt->packed + ((size_t) p * wt->k + (size_t) k0) * CT_GEMM_MR;
                  int row0 = p * CT_GEMM_MR;
                  int mr = MIN (CT_GEMM_MR, wt->m - row0);
                  size_t ldc = ep->padded_output ? g.cstride : g.n_total;
                  float *c = ep->padded_output ? out + (size_t) row0 * g.cstride + (size_t) base + g.wp + 1
                                               : out + (size_t) row0 * g.n_total + j;

                  if (in_place && mr == CT_GEMM_MR && ns == CT_GEMM_NR)
                    {
                      CtGemmEpilogue gep;
                      fill_epilogue (&gep, ep, row0, j, g.n_total);
                      kernel (kc, a, b, offsets, c, ldc, k0 > 0, final ? &gep : NULL);
                    }
                  else if (row_mode)
                    {
                      run_narrow_strip (kernel, kc, a, b, offsets, row0, mr, j, ns, c, ldc, g.n_total, k0 > 0, ep,
                                        final, ts.tile);
                    }
                  else if (mr == CT_GEMM_MR && ns == CT_GEMM_NR && ep->padded_output)
                    {
                      /* bordered output, columns over several image rows: tile, then runs */
                      CtGemmEpilogue gep;
                      int n_runs = runs[0];

                      fill_epilogue (&gep, ep, row0, j, g.n_total);
                      if (k0 > 0)
                        for (int r = 0; r < CT_GEMM_MR; r++)
                          for (int q = 0; q < n_runs; q++)
                            copy_floats (ts.tile + r * CT_GEMM_NR + runs[1 + q],
                                         out_at (out, ep, &g, row0 + r, j, ts.colbase, first + runs[1 + q]),
                                         runs[2 + q] - runs[1 + q]);
                      kernel (kc, a, b, offsets, ts.tile, CT_GEMM_NR, k0 > 0, final ? &gep : NULL);
                      for (int r = 0; r < CT_GEMM_MR; r++)
                        for (int q = 0; q < n_runs; q++)
                          copy_floats (out_at (out, ep, &g, row0 + r, j, ts.colbase, first + runs[1 + q]),
                                       ts.tile + r * CT_GEMM_NR + runs[1 + q], runs[2 + q] - runs[1 + q]);
                    }
                  else if (mr == CT_GEMM_MR && ns == CT_GEMM_NR)
                    {
                      /* packed input, plain output: columns contiguous, fused store */
                      CtGemmEpilogue gep;
                      fill_epilogue (&gep, ep, row0, j, g.n_total);
                      kernel (kc, a, b, offsets, c, ldc, k0 > 0, final ? &gep : NULL);
                    }
                  else
                    {
                      run_partial_tile (kernel, kc, a, b, offsets, row0, mr, j, first, ns, &g, k0 > 0, ep, final, out,
                                        ts.colbase, ts.tile);
                    }
                }
            }
          k0 += kc;
        }
    }
}
