/*
 * MTTKRP for dense C-order tensors, two passes over X per CP sweep.
 *
 * The modes are split into a left group {0..m} and a right group
 * {m+1..N-1}, with m chosen to make L = prod(left dims) + Rt = prod(right
 * dims) small.  Viewing X as an L x Rt row-major matrix:
 *
 *   pass 1 (at mode 0):   TL = X . KR(right factors)        L x R
 *   pass 2 (at mode m+1): TR = X^T . KR(left factors)       Rt x R
 *
 * Every mode of a group is then a small MTTKRP of TL or TR with the other
 * factors of that group.  TL depends only on the right factors, so it stays
 * valid while a sweep updates modes 0..m; TR likewise for modes m+1..N-1.
 *
 * Neither pass forms a permuted unfolding or the full right-side
 * Khatri-Rao product: pass 1 contracts each contiguous row of the trailing
 * ("inner") modes with their Khatri-Rao block, which stays in L1/L2, and
 * folds the remaining right modes in with a Hadamard product per row.
 * Pass 2 streams X once and accumulates TR in cache-sized column chunks.
 * Both kernels keep tiles of R (padded to a multiple of 4) in registers
 * and prefetch X by software (the rows they walk are too short for the
 * hardware prefetcher).  The kernel is picked at run time: AVX2/FMA, the
 * same with AVX-512VL's 32 registers (8-row tiles in pass 2), or plain C;
 * LL_MTTKRP_KERNEL=generic|avx2 in the environment forces one (tests).
 *
 * Float tensors (single precision, issue 15): the same kernels, on rows
 * widened to double a short stretch at a time into a per-thread stage
 * that stays in L1 (p1_staged, p2_staged).  Each pass reads half the
 * bytes; the arithmetic, the factors and the partial products are the
 * double path's, and the widening costs ~10-15 % more instructions, so a
 * sweep gets faster only where it was waiting on memory.
 *
 * Threads: OpenMP over dynamic chunks of rows (pass 1) or columns (pass 2),
 * so a thread preempted on a shared machine delays one chunk, not half a
 * pass.  No BLAS is called, so nothing here competes with OpenBLAS's own
 * threads.  On the 2-core dev VM a 30x10x100x100 sweep at R = 8 runs at
 * about 75 GFLOP/s (tests/bench/bench_cp): compute-bound, as the tensor
 * sits in L3.
 */
#include "tensor/ll_mttkrp.h"

#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/ll_threads.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define LL_X86_KERNELS 1
#include <immintrin.h>
#endif

#define VW 4                  /* column padding: one AVX2 vector */
#define KIN_BUDGET 32768      /* doubles of inner Khatri-Rao block (256 KiB) */
#define TRC_BUDGET 4096       /* doubles of a pass-2 accumulator chunk (32 KiB) */
#define PAR_MIN_WORK 32768    /* below this many flops, stay serial */
#define GROUP_PAR_WORK 2097152 /* the same for the small per-mode products */
#define CHUNKS_PER_THREAD 8   /* dynamic chunks per thread in a pass */
#define P1_PF_BLOCKS 2        /* pass-1 software prefetch distance, in blocks */
#define STAGE_B 512           /* float path: entries of a pass-1 row staged at a time */
#define STAGE_J 128           /* float path: entries of a pass-2 row staged at a time */

typedef void (*p1_fn)(const double *x, size_t ldx, size_t nr, size_t B,
		      const double *K, size_t Rp, double *y);
typedef void (*p2_fn)(const double *x, size_t ldx, size_t nr, const double *KL,
		      size_t Rp, double *T, size_t nj);

struct ll_mttkrp_ws {
	int nmodes;
	size_t dim[LL_MAX_MODES];
	size_t size;
	int single;      /* the tensor is float (fdata), not double */
	size_t Rmax, Rpmax;
	int split;       /* left group is modes 0..split */
	size_t L, Rt;
	int nthr;
	double *TL;      /* L x Rp */
	double *TR;      /* Rt x Rp */
	double *K1, *K2; /* Khatri-Rao scratch, max(L, Rt) x Rp each */
	double *scr;     /* per thread: 4 x Rpmax */
	double *priv;    /* per thread: private partial sums, privsz each */
	size_t privsz;
	p1_fn p1;
	p2_fn p2;
	/* the float path (issue 15): rows are widened into a per-thread stage
	 * (L1-sized) and the double kernels run on it */
	void (*cvt)(const float *src, size_t n, double *dst, const float *pf);
	double *stage;   /* per thread: stagesz doubles */
	size_t stagesz;

	/* sweep state: what the last call computed from */
	int last_mode;
	int tl_ok, tr_ok;
	const void *st_X;
	const double *st_U[LL_MAX_MODES];
	size_t st_R;
};

/* ---- kernels ------------------------------------------------------------ */

/* y[q, :] = x_q . K for nr (<= 4) rows x_q = x + q*ldx of length B;
 * K is B x Rp.  Plain C; the 4-wide column groups let the compiler use
 * whatever vectors the target has (Rp is a multiple of 4). */
static void p1_generic(const double *x, size_t ldx, size_t nr, size_t B,
		       const double *K, size_t Rp, double *y)
{
	for (size_t q = 0; q < nr; q++) {
		const double *xq = x + q * ldx;
		double *yq = y + q * Rp;
		for (size_t c = 0; c < Rp; c += 4) {
			double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
			const double *k = K + c;
			for (size_t b = 0; b < B; b++, k += Rp) {
				double xb = xq[b];
				a0 += xb * k[0];
				a1 += xb * k[1];
				a2 += xb * k[2];
				a3 += xb * k[3];
			}
			yq[c] = a0;
			yq[c + 1] = a1;
			yq[c + 2] = a2;
			yq[c + 3] = a3;
		}
	}
}

/* T[j, :] += sum_q x[q*ldx + j] * KL[q, :] for j < nj, nr (<= 8) rows. */
static void p2_generic(const double *x, size_t ldx, size_t nr, const double *KL,
		       size_t Rp, double *T, size_t nj)
{
	for (size_t j = 0; j < nj; j++) {
		double *t = T + j * Rp;
		for (size_t c = 0; c < Rp; c += 4) {
			double a0 = t[c], a1 = t[c + 1], a2 = t[c + 2], a3 = t[c + 3];
			for (size_t q = 0; q < nr; q++) {
				double xv = x[q * ldx + j];
				const double *k = KL + q * Rp + c;
				a0 += xv * k[0];
				a1 += xv * k[1];
				a2 += xv * k[2];
				a3 += xv * k[3];
			}
			t[c] = a0;
			t[c + 1] = a1;
			t[c + 2] = a2;
			t[c + 3] = a3;
		}
	}
}

#ifdef LL_X86_KERNELS
#define LL_AVX2 __attribute__((target("avx2,fma")))
#define LL_AVX512VL __attribute__((target("avx2,fma,avx512f,avx512vl")))
#define LL_INLINE static inline __attribute__((always_inline))

/* One register tile of pass 1: NR rows x NV vectors of columns.  NR and NV
 * are literals at every call, so the loops unroll into registers. */
LL_INLINE LL_AVX2 void p1_tile(const double *x, size_t ldx, size_t B,
			       const double *K, size_t Rp, double *y,
			       const double *pf, const int NR, const int NV)
{
	__m256d acc[4][3];
#pragma GCC unroll 4
	for (int q = 0; q < NR; q++)
#pragma GCC unroll 3
		for (int v = 0; v < NV; v++)
			acc[q][v] = _mm256_setzero_pd();
	for (size_t b = 0; b < B; b++) {
		__m256d k[3];
		const double *kb = K + b * Rp;
#pragma GCC unroll 3
		for (int v = 0; v < NV; v++)
			k[v] = _mm256_loadu_pd(kb + 4 * v);
		_mm_prefetch((const char *)(pf + 4 * b), _MM_HINT_T0);
#pragma GCC unroll 4
		for (int q = 0; q < NR; q++) {
			__m256d xb = _mm256_broadcast_sd(x + (size_t)q * ldx + b);
#pragma GCC unroll 3
			for (int v = 0; v < NV; v++)
				acc[q][v] = _mm256_fmadd_pd(xb, k[v], acc[q][v]);
		}
	}
#pragma GCC unroll 4
	for (int q = 0; q < NR; q++)
#pragma GCC unroll 3
		for (int v = 0; v < NV; v++)
			_mm256_storeu_pd(y + (size_t)q * Rp + 4 * v, acc[q][v]);
}

LL_INLINE LL_AVX2 void p1_body(const double *x, size_t ldx, size_t nr, size_t B,
			       const double *K, size_t Rp, double *y)
{
	/* the rows are short, too short for the hardware prefetcher to
	 * catch on: fetch the block after next (rows are contiguous) while
	 * the first column chunk works on this one */
	const double *pf = x + 4 * P1_PF_BLOCKS * ldx;
	if (nr == 4) {
		size_t c = 0;
		for (; c + 12 <= Rp; c += 12, pf = x)
			p1_tile(x, ldx, B, K + c, Rp, y + c, pf, 4, 3);
		if (c + 8 <= Rp) {
			p1_tile(x, ldx, B, K + c, Rp, y + c, pf, 4, 2);
			c += 8;
			pf = x;
		}
		if (c < Rp)
			p1_tile(x, ldx, B, K + c, Rp, y + c, pf, 4, 1);
		return;
	}
	for (size_t q = 0; q < nr; q++) {
		const double *xq = x + q * ldx;
		size_t c = 0;
		for (; c + 12 <= Rp; c += 12)
			p1_tile(xq, ldx, B, K + c, Rp, y + q * Rp + c, xq, 1, 3);
		if (c + 8 <= Rp) {
			p1_tile(xq, ldx, B, K + c, Rp, y + q * Rp + c, xq, 1, 2);
			c += 8;
		}
		if (c < Rp)
			p1_tile(xq, ldx, B, K + c, Rp, y + q * Rp + c, xq, 1, 1);
	}
}

/* Pass-2 tile: NR rows of KL x NV vectors of columns held in registers,
 * streamed against nj entries of each of the NR rows of x.  pf points at
 * the rows to prefetch: one cache line per row every 8 entries. */
LL_INLINE LL_AVX2 void p2_tile(const double *x, size_t ldx, const double *KL,
			       size_t Rp, double *T, size_t nj, const double *pf,
			       const int NR, const int NV)
{
	__m256d k[8][3];
#pragma GCC unroll 8
	for (int q = 0; q < NR; q++)
#pragma GCC unroll 3
		for (int v = 0; v < NV; v++)
			k[q][v] = _mm256_loadu_pd(KL + (size_t)q * Rp + 4 * v);
	for (size_t j = 0; j < nj; j++) {
		double *t = T + j * Rp;
		__m256d a[3];
		if (NR == 8)
			_mm_prefetch((const char *)(pf + (j & 7) * ldx + (j >> 3) * 8),
				     _MM_HINT_T0);
		else if (!(j & 1))
			_mm_prefetch((const char *)(pf + ((j >> 1) & 3) * ldx + (j >> 3) * 8),
				     _MM_HINT_T0);
#pragma GCC unroll 3
		for (int v = 0; v < NV; v++)
			a[v] = _mm256_loadu_pd(t + 4 * v);
#pragma GCC unroll 8
		for (int q = 0; q < NR; q++) {
			__m256d xb = _mm256_broadcast_sd(x + (size_t)q * ldx + j);
#pragma GCC unroll 3
			for (int v = 0; v < NV; v++)
				a[v] = _mm256_fmadd_pd(xb, k[q][v], a[v]);
		}
#pragma GCC unroll 3
		for (int v = 0; v < NV; v++)
			_mm256_storeu_pd(t + 4 * v, a[v]);
	}
}

/* NR = 4 or 8 rows (8 only where 32 vector registers hold the tile) */
LL_INLINE LL_AVX2 void p2_rows(const double *x, size_t ldx, const double *KL,
			       size_t Rp, double *T, size_t nj, const int NR)
{
	/* the first column chunk prefetches the next NR rows' stretch */
	const double *pf = x + (size_t)NR * ldx;
	size_t c = 0;
	for (; c + 12 <= Rp; c += 12, pf = x)
		p2_tile(x, ldx, KL + c, Rp, T + c, nj, pf, NR, 3);
	if (c + 8 <= Rp) {
		p2_tile(x, ldx, KL + c, Rp, T + c, nj, pf, NR, 2);
		c += 8;
		pf = x;
	}
	if (c < Rp)
		p2_tile(x, ldx, KL + c, Rp, T + c, nj, pf, NR, 1);
}

LL_INLINE LL_AVX2 void p2_body(const double *x, size_t ldx, size_t nr, const double *KL,
			       size_t Rp, double *T, size_t nj, const int MAXNR)
{
	if (MAXNR == 8 && nr == 8) {
		p2_rows(x, ldx, KL, Rp, T, nj, 8);
		return;
	}
	for (; nr >= 4; nr -= 4, x += 4 * ldx, KL += 4 * Rp)
		p2_rows(x, ldx, KL, Rp, T, nj, 4);
	for (size_t q = 0; q < nr; q++) {
		const double *xq = x + q * ldx;
		size_t c = 0;
		for (; c + 12 <= Rp; c += 12)
			p2_tile(xq, ldx, KL + q * Rp + c, Rp, T + c, nj, xq, 1, 3);
		if (c + 8 <= Rp) {
			p2_tile(xq, ldx, KL + q * Rp + c, Rp, T + c, nj, xq, 1, 2);
			c += 8;
		}
		if (c < Rp)
			p2_tile(xq, ldx, KL + q * Rp + c, Rp, T + c, nj, xq, 1, 1);
	}
}

static LL_AVX2 void p1_avx2(const double *x, size_t ldx, size_t nr, size_t B,
			    const double *K, size_t Rp, double *y)
{
	p1_body(x, ldx, nr, B, K, Rp, y);
}

static LL_AVX2 void p2_avx2(const double *x, size_t ldx, size_t nr, const double *KL,
			    size_t Rp, double *T, size_t nj)
{
	p2_body(x, ldx, nr, KL, Rp, T, nj, 4);
}

/* The same code with EVEX encoding: 32 vector registers, no spills. */
static LL_AVX512VL void p1_avx512vl(const double *x, size_t ldx, size_t nr, size_t B,
				    const double *K, size_t Rp, double *y)
{
	p1_body(x, ldx, nr, B, K, Rp, y);
}

static LL_AVX512VL void p2_avx512vl(const double *x, size_t ldx, size_t nr, const double *KL,
				    size_t Rp, double *T, size_t nj)
{
	p2_body(x, ldx, nr, KL, Rp, T, nj, 8);
}
#endif

/* Widen n floats to doubles, prefetching the stretch at pf (NULL: none)
 * one cache line per 16 entries. */
static void cvt_generic(const float *src, size_t n, double *dst, const float *pf)
{
#ifdef __GNUC__
	if (pf)
		for (size_t k = 0; k < n; k += 16)
			__builtin_prefetch(pf + k);
#else
	(void)pf;
#endif
	for (size_t k = 0; k < n; k++)
		dst[k] = (double)src[k];
}

#ifdef LL_X86_KERNELS
static LL_AVX2 void cvt_avx2(const float *src, size_t n, double *dst, const float *pf)
{
	size_t k = 0;
	for (; k + 8 <= n; k += 8) {
		if (pf && !(k & 15))
			_mm_prefetch((const char *)(pf + k), _MM_HINT_T0);
		_mm256_storeu_pd(dst + k, _mm256_cvtps_pd(_mm_loadu_ps(src + k)));
		_mm256_storeu_pd(dst + k + 4, _mm256_cvtps_pd(_mm_loadu_ps(src + k + 4)));
	}
	if (pf && k < n && !(k & 15))
		_mm_prefetch((const char *)(pf + k), _MM_HINT_T0);
	for (; k < n; k++)
		dst[k] = (double)src[k];
}
#endif

/* Kernel choice: the best the CPU has; LL_MTTKRP_KERNEL=generic|avx2
 * forces one (tests use it to cover the fallback). */
static void pick_kernels(ll_mttkrp_ws *ws)
{
	const char *force = getenv("LL_MTTKRP_KERNEL");
	ws->cvt = cvt_generic;
	ws->p1 = p1_generic;
	ws->p2 = p2_generic;
	if (force && strcmp(force, "generic") == 0)
		return;
#ifdef LL_X86_KERNELS
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
		return;
	ws->cvt = cvt_avx2;
	ws->p1 = p1_avx2;
	ws->p2 = p2_avx2;
	if (force && strcmp(force, "avx2") == 0)
		return;
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) {
		ws->p1 = p1_avx512vl;
		ws->p2 = p2_avx512vl;
	}
#endif
}

/* ---- helpers ------------------------------------------------------------ */

static size_t prod_dims(const size_t *dim, int a, int b)
{
	size_t p = 1;
	for (int k = a; k <= b; k++)
		p *= dim[k];
	return p;
}

/* K (rows x Rp, padding columns zero) = Khatri-Rao product of U[a..b] in C
 * order (mode a slowest): K[(i_a ... i_b), r] = prod_k U[k][i_k, r].
 * a > b gives one row of ones.  Built in place, mode by mode, back to
 * front so no row is overwritten before it is read. */
static void kr_build(double *K, double *const *U, const size_t *dim, int a, int b,
		     size_t R, size_t Rp)
{
	if (a > b) {
		for (size_t c = 0; c < Rp; c++)
			K[c] = c < R ? 1.0 : 0.0;
		return;
	}
	for (size_t i = 0; i < dim[a]; i++) {
		memcpy(K + i * Rp, U[a] + i * R, R * sizeof *K);
		memset(K + i * Rp + R, 0, (Rp - R) * sizeof *K);
	}
	size_t rows = dim[a];
	for (int k = a + 1; k <= b; k++) {
		size_t d = dim[k];
		for (size_t p = rows; p-- > 0;)
			for (size_t i = d; i-- > 0;) {
				double *dst = K + (p * d + i) * Rp;
				const double *src = K + p * Rp, *u = U[k] + i * R;
				for (size_t c = 0; c < R; c++)
					dst[c] = src[c] * u[c];
				for (size_t c = R; c < Rp; c++)
					dst[c] = 0.0;
			}
		rows *= d;
	}
}

/* y[c] += a[c] * b[c] for c < n, n a multiple of 4 */
static void mul_add4(double *restrict y, const double *restrict a,
		     const double *restrict b, size_t n)
{
	for (size_t c = 0; c < n; c += 4) {
		y[c] += a[c] * b[c];
		y[c + 1] += a[c + 1] * b[c + 1];
		y[c + 2] += a[c + 2] * b[c + 2];
		y[c + 3] += a[c + 3] * b[c + 3];
	}
}

static int thread_id(void)
{
#ifdef _OPENMP
	return omp_get_thread_num();
#else
	return 0;
#endif
}

static int nthreads_for(const ll_mttkrp_ws *ws, double work)
{
	return work < PAR_MIN_WORK ? 1 : ws->nthr;
}

/* ---- the two passes ----------------------------------------------------- */

/* Thread t's stage.  Callers pass stages down as they pass ws->scr:
 * outside a parallel region of ours, thread_id() is that of a caller's
 * region (ensemble units fitted side by side), not 0. */
static double *stage_of(const ll_mttkrp_ws *ws, int t)
{
	return ws->single ? ws->stage + (size_t)t * ws->stagesz : NULL;
}

/* ws->p1 on nr (<= 4) float rows: STAGE_B entries of each at a time are
 * widened into the stage and the double kernel runs there; the partial
 * products of later stretches are added up in y. */
static void p1_staged(const ll_mttkrp_ws *ws, const float *x, size_t ldx, size_t nr, size_t B,
		      const double *K, size_t Rp, double *y, double *buf)
{
	double *yt = buf + 4 * STAGE_B;
	/* rows are contiguous: fetch the block after next while this one is
	 * widened, as the double kernel does */
	const float *pf = x + 4 * P1_PF_BLOCKS * ldx;
	for (size_t b0 = 0; b0 < B; b0 += STAGE_B) {
		size_t nb = B - b0 < STAGE_B ? B - b0 : STAGE_B;
		for (size_t q = 0; q < nr; q++)
			ws->cvt(x + q * ldx + b0, nb, buf + q * nb, pf + q * ldx + b0);
		if (b0 == 0) {
			ws->p1(buf, nb, nr, nb, K, Rp, y);
			continue;
		}
		ws->p1(buf, nb, nr, nb, K + b0 * Rp, Rp, yt);
		for (size_t i = 0; i < nr * Rp; i++)
			y[i] += yt[i];
	}
}

/* ws->p2 on nr (<= 8) float rows, STAGE_J columns at a time, fetching
 * the next nr rows' stretch meanwhile (the rows are far apart: too many
 * short streams for the hardware prefetcher). */
static void p2_staged(const ll_mttkrp_ws *ws, const float *x, size_t ldx, size_t nr,
		      const double *KL, size_t Rp, double *T, size_t nj, double *buf)
{
	for (size_t j0 = 0; j0 < nj; j0 += STAGE_J) {
		size_t n = nj - j0 < STAGE_J ? nj - j0 : STAGE_J;
		for (size_t q = 0; q < nr; q++)
			ws->cvt(x + q * ldx + j0, n, buf + q * n, x + (q + nr) * ldx + j0);
		ws->p2(buf, n, nr, KL, Rp, T + j0 * Rp, n);
	}
}

/* Sub-rows s0..s1 of pass 1 into T (rows l = s / Bout, L x Rp); Kout NULL
 * when there are no outer modes. */
static void pass1_range(const ll_mttkrp_ws *ws, const char *X, size_t s0, size_t s1,
			size_t Bin, size_t Bout, const double *Kin, const double *Kout,
			size_t Rp, double *T, double *y, double *stg)
{
	size_t l = s0 / Bout, o = s0 % Bout; /* sub-row s0 = (l, o) */
	for (size_t s = s0; s < s1; s += 4) {
		size_t nr = s1 - s < 4 ? s1 - s : 4;
		if (ws->single)
			p1_staged(ws, (const float *)(const void *)X + s * Bin, Bin, nr, Bin, Kin, Rp, y, stg);
		else
			ws->p1((const double *)(const void *)X + s * Bin, Bin, nr, Bin, Kin, Rp, y);
		for (size_t q = 0; q < nr; q++, o++) {
			if (o == Bout) {
				o = 0;
				l++;
			}
			double *t = T + l * Rp;
			const double *yq = y + q * Rp;
			if (!Kout) {
				for (size_t c = 0; c < Rp; c++)
					t[c] += yq[c];
			} else {
				mul_add4(t, Kout + o * Rp, yq, Rp);
			}
		}
	}
}

/* TL = X (L x Rt) . KR(U[m+1..N-1]). */
static void pass1(ll_mttkrp_ws *ws, const char *X, double *const *U, size_t R, size_t Rp)
{
	int N = ws->nmodes, m = ws->split;
	size_t L = ws->L, Rt = ws->Rt;
	/* inner modes: trailing right modes whose Khatri-Rao block fits the
	 * cache budget (at least the last mode) */
	int k0 = N - 1;
	size_t Bin = ws->dim[N - 1];
	while (k0 - 1 > m && Bin * ws->dim[k0 - 1] * Rp <= KIN_BUDGET) {
		k0--;
		Bin *= ws->dim[k0];
	}
	size_t Bout = Rt / Bin, S = L * Bout;
	const double *Kin = ws->K1, *Kout = NULL;
	kr_build(ws->K1, U, ws->dim, k0, N - 1, R, Rp);
	if (k0 > m + 1) { /* outer modes, possibly all of size 1 */
		kr_build(ws->K2, U, ws->dim, m + 1, k0 - 1, R, Rp);
		Kout = ws->K2;
	}

	int nt = nthreads_for(ws, 2.0 * (double)ws->size * (double)Rp);
	double *TL = ws->TL;
	if (nt == 1) {
		memset(TL, 0, L * Rp * sizeof *TL);
		pass1_range(ws, X, 0, S, Bin, Bout, Kin, Kout, Rp, TL, ws->scr, stage_of(ws, 0));
		return;
	}
	/* Dynamic chunks: on a shared machine a preempted thread then holds
	 * up one chunk, not half the pass. */
	size_t nch = (size_t)nt * CHUNKS_PER_THREAD;
	if (L >= 2 * (size_t)nt) {
		/* chunks of whole rows: each TL row is written by one thread */
		if (nch > L)
			nch = L;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
		for (size_t c = 0; c < nch; c++) {
			size_t l0 = L * c / nch, l1 = L * (c + 1) / nch;
			memset(TL + l0 * Rp, 0, (l1 - l0) * Rp * sizeof *TL);
			pass1_range(ws, X, l0 * Bout, l1 * Bout, Bin, Bout, Kin, Kout, Rp, TL,
				    ws->scr + (size_t)thread_id() * 4 * ws->Rpmax, stage_of(ws, thread_id()));
		}
		return;
	}
	/* few rows: chunks of sub-rows into private copies of TL, summed */
	if (nch > S)
		nch = S;
#pragma omp parallel num_threads(nt)
	{
		int t = thread_id();
		double *mine = ws->priv + (size_t)t * ws->privsz;
		memset(mine, 0, L * Rp * sizeof *mine);
#pragma omp for schedule(dynamic, 1)
		for (size_t c = 0; c < nch; c++)
			pass1_range(ws, X, S * c / nch, S * (c + 1) / nch, Bin, Bout, Kin, Kout,
				    Rp, mine, ws->scr + (size_t)t * 4 * ws->Rpmax, stage_of(ws, t));
	}
	memset(TL, 0, L * Rp * sizeof *TL);
	for (int t = 0; t < nt; t++) {
		const double *p = ws->priv + (size_t)t * ws->privsz;
		for (size_t i = 0; i < L * Rp; i++)
			TL[i] += p[i];
	}
}

/* Rows l0..l1 of X against columns j0..j0+nj into T (nj x Rp). */
static void pass2_range(const ll_mttkrp_ws *ws, const char *X, const double *KL,
			size_t l0, size_t l1, size_t j0, size_t nj, size_t Rp, double *T, double *stg)
{
	size_t Rt = ws->Rt;
	for (size_t l = l0; l < l1; l += 8) {
		size_t nr = l1 - l < 8 ? l1 - l : 8;
		if (ws->single)
			p2_staged(ws, (const float *)(const void *)X + l * Rt + j0, Rt, nr, KL + l * Rp, Rp, T,
				  nj, stg);
		else
			ws->p2((const double *)(const void *)X + l * Rt + j0, Rt, nr, KL + l * Rp, Rp, T, nj);
	}
}

/* TR = X^T (Rt x L) . KR(U[0..m]). */
static void pass2(ll_mttkrp_ws *ws, const char *X, double *const *U, size_t R, size_t Rp)
{
	size_t L = ws->L, Rt = ws->Rt;
	double *TR = ws->TR;
	const double *KL = ws->K1;
	kr_build(ws->K1, U, ws->dim, 0, ws->split, R, Rp);

	int nt = nthreads_for(ws, 2.0 * (double)ws->size * (double)Rp);
	size_t jc = TRC_BUDGET / Rp;
	if (jc < 16)
		jc = 16;
	if (nt == 1 || Rt >= 8 * (size_t)nt) {
		/* chunks of columns: each TR row is written by one thread */
		size_t per = (Rt + (size_t)nt * CHUNKS_PER_THREAD - 1) /
			     ((size_t)nt * CHUNKS_PER_THREAD);
		if (nt > 1 && jc > per)
			jc = per < 16 ? 16 : per;
		size_t nchunk = (Rt + jc - 1) / jc;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
		for (size_t ch = 0; ch < nchunk; ch++) {
			size_t j0 = ch * jc, nj = Rt - j0 < jc ? Rt - j0 : jc;
			memset(TR + j0 * Rp, 0, nj * Rp * sizeof *TR);
			pass2_range(ws, X, KL, 0, L, j0, nj, Rp, TR + j0 * Rp,
				    stage_of(ws, nt > 1 ? thread_id() : 0));
		}
		return;
	}
	/* few columns: chunks of rows into private copies of TR, summed */
	size_t nch = (size_t)nt * CHUNKS_PER_THREAD;
	if (nch > (L + 7) / 8)
		nch = (L + 7) / 8;
#pragma omp parallel num_threads(nt)
	{
		int t = thread_id();
		double *mine = ws->priv + (size_t)t * ws->privsz;
		memset(mine, 0, Rt * Rp * sizeof *mine);
#pragma omp for schedule(dynamic, 1)
		for (size_t c = 0; c < nch; c++)
			pass2_range(ws, X, KL, L * c / nch, L * (c + 1) / nch, 0, Rt, Rp, mine,
				    stage_of(ws, t));
	}
	memset(TR, 0, Rt * Rp * sizeof *TR);
	for (int t = 0; t < nt; t++) {
		const double *p = ws->priv + (size_t)t * ws->privsz;
		for (size_t i = 0; i < Rt * Rp; i++)
			TR[i] += p[i];
	}
}

/* out (dim[n] x R) = MTTKRP of the partial product T over the group of
 * modes lo..hi (T is prod(dim[lo..hi]) x Rp, C order), for mode n of the
 * group, using the group's other factors. */
static void group_mttkrp(ll_mttkrp_ws *ws, const double *T, double *const *U, int lo,
			 int hi, int n, size_t R, size_t Rp, double *out)
{
	size_t A = prod_dims(ws->dim, lo, n - 1), D = ws->dim[n];
	size_t B = prod_dims(ws->dim, n + 1, hi);
	/* size-1 modes still carry factor values: test for modes, not sizes */
	const double *KA = n > lo ? ws->K1 : NULL, *KB = n < hi ? ws->K2 : NULL;
	if (KA)
		kr_build(ws->K1, U, ws->dim, lo, n - 1, R, Rp);
	if (KB)
		kr_build(ws->K2, U, ws->dim, n + 1, hi, R, Rp);
	double work = 2.0 * (double)(A * D * B) * (double)Rp;
	int nt = work < GROUP_PAR_WORK ? 1 : ws->nthr;
	if ((size_t)nt > D)
		nt = (int)D;
	if (!KA && !KB) { /* a one-mode group: T is the answer */
		for (size_t i = 0; i < D; i++)
			memcpy(out + i * R, T + i * Rp, R * sizeof *out);
		return;
	}
	if (!KB) {
		/* the group's last mode: T rows (a, i) are contiguous in i, so
		 * sweep a outside and keep all D accumulators (in K2, unused
		 * here; D <= its rows since the group has another mode) */
		double *acc = ws->K2;
		memset(acc, 0, D * Rp * sizeof *acc);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
		for (size_t i0 = 0; i0 < D; i0 += 16) {
			size_t i1 = D - i0 < 16 ? D : i0 + 16;
			for (size_t a = 0; a < A; a++)
				for (size_t i = i0; i < i1; i++) {
					const double *t = T + (a * D + i) * Rp;
					if (KA)
						mul_add4(acc + i * Rp, KA + a * Rp, t, Rp);
					else
						for (size_t c = 0; c < Rp; c++)
							acc[i * Rp + c] += t[c];
				}
		}
		for (size_t i = 0; i < D; i++)
			memcpy(out + i * R, acc + i * Rp, R * sizeof *acc);
		return;
	}
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
	for (size_t i = 0; i < D; i++) {
		/* accumulate over the padded width in 4-wide groups (the
		 * compiler vectorises them), then copy R columns out */
		double *acc = ws->scr + (size_t)thread_id() * 4 * ws->Rpmax;
		double *tmp = acc + Rp;
		memset(acc, 0, Rp * sizeof *acc);
		for (size_t a = 0; a < A; a++) {
			const double *t = T + (a * D + i) * B * Rp;
			const double *row = t;
			if (KB) {
				memset(tmp, 0, Rp * sizeof *tmp);
				for (size_t b = 0; b < B; b++)
					mul_add4(tmp, t + b * Rp, KB + b * Rp, Rp);
				row = tmp;
			}
			if (KA)
				mul_add4(acc, KA + a * Rp, row, Rp);
			else
				for (size_t c = 0; c < Rp; c++)
					acc[c] += row[c];
		}
		memcpy(out + i * R, acc, R * sizeof *acc);
	}
}

/* ---- public API --------------------------------------------------------- */

ll_mttkrp_ws *ll_mttkrp_ws_new(const ll_tensor *X, size_t R, ll_err *err)
{
	if (!ll_tensor_has_data(X) || X->nmodes < 1 || X->nmodes > LL_MAX_MODES) {
		ll_err_set(err, LL_EINVAL, "mttkrp workspace: no tensor given");
		return NULL;
	}
	if (R == 0) {
		ll_err_set(err, LL_EINVAL, "mttkrp workspace: R must be at least 1");
		return NULL;
	}
	ll_mttkrp_ws *ws = ll_calloc(1, sizeof *ws);
	if (!ws) {
		ll_err_set(err, LL_ENOMEM, "mttkrp workspace: out of memory");
		return NULL;
	}
	int N = X->nmodes;
	ws->nmodes = N;
	memcpy(ws->dim, X->dim, (size_t)N * sizeof X->dim[0]);
	ws->size = X->size;
	ws->single = X->data == NULL;
	ws->Rmax = R;
	ws->Rpmax = (R + VW - 1) / VW * VW;
	if (ws->Rpmax < R) /* wrapped */
		goto oom;
	ws->last_mode = -1;
	ws->nthr = ll_threads_resolve(0); /* what the caller pushed */
	pick_kernels(ws);
	if (N == 1)
		return ws; /* MTTKRP of a vector is the vector itself */

	/* split minimising L + Rt, i.e. the partial products' size */
	size_t best = SIZE_MAX;
	for (int m = 0; m + 1 < N; m++) {
		size_t L = prod_dims(ws->dim, 0, m), Rt = prod_dims(ws->dim, m + 1, N - 1);
		if (L + Rt < best) {
			best = L + Rt;
			ws->split = m;
			ws->L = L;
			ws->Rt = Rt;
		}
	}
	size_t Rp = ws->Rpmax, nt = (size_t)ws->nthr, L = ws->L, Rt = ws->Rt;
	size_t dl = ws->dim[N - 1], n1, n2, n3, n4, n5, n6;
	/* Khatri-Rao scratch, in rows of Rp: K1 holds KL (L), the inner block
	 * (the last mode, or up to KIN_BUDGET doubles) and a group's leading
	 * modes (<= L or Rt / dim[N-1]); K2 the outer block and a group's
	 * trailing modes (<= Rt / dim[N-1], L / dim[0], Rt / dim[m+1]). */
	size_t k1 = L, k2 = Rt / dl;
	if (Rt / dl > k1)
		k1 = Rt / dl;
	if (dl > k1)
		k1 = dl;
	if (L / ws->dim[0] > k2)
		k2 = L / ws->dim[0];
	if (Rt / ws->dim[ws->split + 1] > k2)
		k2 = Rt / ws->dim[ws->split + 1];
	/* private partial sums are used only when L < 2 nt or Rt < 8 nt */
	ws->privsz = 8 * nt * Rp;
	if (!ll_mul_ok(k1, Rp, &n1) || n1 > SIZE_MAX - KIN_BUDGET || !ll_mul_ok(k2, Rp, &n5) ||
	    !ll_mul_ok(nt, 4 * Rp, &n2) || !ll_mul_ok(nt, ws->privsz, &n3) ||
	    !ll_mul_ok(L, Rp, &n4) || !ll_mul_ok(Rt, Rp, &n6))
		goto oom;
	ws->TL = ll_malloc_array(n4, sizeof(double));
	ws->TR = ll_malloc_array(n6, sizeof(double));
	ws->K1 = ll_malloc_array(n1 + KIN_BUDGET, sizeof(double));
	ws->K2 = ll_malloc_array(n5, sizeof(double));
	ws->scr = ll_malloc_array(n2, sizeof(double));
	ws->priv = ll_malloc_array(n3, sizeof(double));
	if (!ws->TL || !ws->TR || !ws->K1 || !ws->K2 || !ws->scr || !ws->priv)
		goto oom;
	if (ws->single) {
		size_t a = 4 * STAGE_B, b = 8 * STAGE_J, n7;
		if (!ll_mul_ok(4, Rp, &n6) || n6 > SIZE_MAX - a)
			goto oom;
		ws->stagesz = a + n6 > b ? a + n6 : b;
		if (!ll_mul_ok(nt, ws->stagesz, &n7) || !(ws->stage = ll_malloc_array(n7, sizeof(double))))
			goto oom;
	}
	return ws;
oom:
	ll_mttkrp_ws_free(ws);
	ll_err_set(err, LL_ENOMEM, "mttkrp workspace: out of memory for R = %zu", R);
	return NULL;
}

void ll_mttkrp_ws_free(ll_mttkrp_ws *ws)
{
	if (!ws)
		return;
	ll_free(ws->TL);
	ll_free(ws->TR);
	ll_free(ws->K1);
	ll_free(ws->K2);
	ll_free(ws->scr);
	ll_free(ws->priv);
	ll_free(ws->stage);
	ll_free(ws);
}

void ll_mttkrp_ws_reset(ll_mttkrp_ws *ws)
{
	if (!ws)
		return;
	ws->last_mode = -1;
	ws->tl_ok = ws->tr_ok = 0;
}

int ll_mttkrp(ll_mttkrp_ws *ws, const ll_tensor *X, double *const *U,
	      size_t R, int mode, double *out, ll_err *err)
{
	if (!ws || !ll_tensor_has_data(X) || !U || !out)
		return ll_err_set(err, LL_EINVAL, "mttkrp: missing workspace, tensor, factors or output");
	if (X->nmodes != ws->nmodes || X->size != ws->size ||
	    memcmp(X->dim, ws->dim, (size_t)ws->nmodes * sizeof X->dim[0]) != 0)
		return ll_err_set(err, LL_ESHAPE, "mttkrp: tensor shape differs from the workspace's");
	if ((X->data == NULL) != ws->single)
		return ll_err_set(err, LL_EINVAL, "mttkrp: the tensor is %s but the workspace was made for %s",
				  ws->single ? "double" : "float", ws->single ? "float" : "double");
	if (mode < 0 || mode >= X->nmodes)
		return ll_err_set(err, LL_EINVAL, "mttkrp: mode %d out of range 0..%d", mode,
				  X->nmodes - 1);
	if (R == 0 || R > ws->Rmax)
		return ll_err_set(err, LL_EINVAL, "mttkrp: R = %zu outside 1..%zu (the workspace's R)",
				  R, ws->Rmax);
	for (int k = 0; k < X->nmodes; k++)
		if (k != mode && !U[k])
			return ll_err_set(err, LL_EINVAL, "mttkrp: factor of mode %d is NULL", k);

	int N = X->nmodes;
	if (N == 1) {
		for (size_t i = 0; i < X->dim[0]; i++)
			for (size_t r = 0; r < R; r++)
				out[i * R + r] = ll_tensor_at(X, i);
		ws->last_mode = -1;
		return LL_OK;
	}
	size_t Rp = (R + VW - 1) / VW * VW;
	int m = ws->split;
	const char *xd = X->data ? (const char *)X->data : (const char *)X->fdata;
	int same = (const void *)xd == ws->st_X && R == ws->st_R && ws->last_mode == mode - 1;
	for (int k = 0; same && k < N; k++)
		same = U[k] == ws->st_U[k];
	if (mode <= m) {
		if (!(same && mode > 0 && ws->tl_ok)) {
			pass1(ws, xd, U, R, Rp);
			ws->tl_ok = 1;
		}
		group_mttkrp(ws, ws->TL, U, 0, m, mode, R, Rp, out);
	} else {
		if (!(same && mode > m + 1 && ws->tr_ok)) {
			pass2(ws, xd, U, R, Rp);
			ws->tr_ok = 1;
		}
		group_mttkrp(ws, ws->TR, U, m + 1, N - 1, mode, R, Rp, out);
	}
	ws->last_mode = mode;
	ws->st_X = xd;
	ws->st_R = R;
	for (int k = 0; k < N; k++)
		ws->st_U[k] = U[k];
	return LL_OK;
}

void ll_mttkrp_naive(const ll_tensor *X, double *const *U, size_t R, int mode,
		     double *out)
{
	/* one column at a time, so nothing is allocated (a failed malloc used
	 * to leave out zero) */
	size_t N = (size_t)X->nmodes;
	size_t idx[LL_MAX_MODES] = {0};
	memset(out, 0, X->dim[mode] * R * sizeof *out);
	for (size_t lin = 0; lin < X->size; lin++) {
		double x = ll_tensor_at(X, lin);
		double *o = out + idx[mode] * R;
		for (size_t r = 0; r < R; r++) {
			double w = x;
			for (size_t n = 0; n < N; n++)
				if ((int)n != mode)
					w *= U[n][idx[n] * R + r];
			o[r] += w;
		}
		for (int n = (int)N - 1; n >= 0; n--) {
			if (++idx[n] < X->dim[n])
				break;
			idx[n] = 0;
		}
	}
}
