/*
 * ll_mttkrp_kern.h - the MTTKRP kernels as a template over the tensor's
 * element type, included by ll_mttkrp.c once per type with
 *   XT      the element type (double or float),
 *   KS(n)   the name of kernel n for that type,
 *   XBC(p)  an AVX vector of four doubles, each equal to *p.
 * The factors, the Khatri-Rao blocks and every accumulator are double
 * whatever XT is: a float entry is widened in a register as it is read,
 * so single precision halves the bytes streamed, not the arithmetic's
 * precision.  Not a public header; no include guard by design.
 */
/* y[q, :] = x_q . K for nr (<= 4) rows x_q = x + q*ldx of length B;
 * K is B x Rp.  Plain C; the 4-wide column groups let the compiler use
 * whatever vectors the target has (Rp is a multiple of 4). */
static void KS(p1_generic)(const void *xp, size_t ldx, size_t nr, size_t B,
		       const double *K, size_t Rp, double *y)
{
	const XT *x = xp;
	for (size_t q = 0; q < nr; q++) {
		const XT *xq = x + q * ldx;
		double *yq = y + q * Rp;
		for (size_t c = 0; c < Rp; c += 4) {
			double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
			const double *k = K + c;
			for (size_t b = 0; b < B; b++, k += Rp) {
				double xb = (double)xq[b];
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
static void KS(p2_generic)(const void *xp, size_t ldx, size_t nr, const double *KL,
		       size_t Rp, double *T, size_t nj)
{
	const XT *x = xp;
	for (size_t j = 0; j < nj; j++) {
		double *t = T + j * Rp;
		for (size_t c = 0; c < Rp; c += 4) {
			double a0 = t[c], a1 = t[c + 1], a2 = t[c + 2], a3 = t[c + 3];
			for (size_t q = 0; q < nr; q++) {
				double xv = (double)x[q * ldx + j];
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

/* One register tile of pass 1: NR rows x NV vectors of columns.  NR and NV
 * are literals at every call, so the loops unroll into registers. */
LL_INLINE LL_AVX2 void KS(p1_tile)(const XT *x, size_t ldx, size_t B,
			       const double *K, size_t Rp, double *y,
			       const XT *pf, const int NR, const int NV)
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
			__m256d xb = XBC(x + (size_t)q * ldx + b);
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

LL_INLINE LL_AVX2 void KS(p1_body)(const XT *x, size_t ldx, size_t nr, size_t B,
			       const double *K, size_t Rp, double *y)
{
	/* the rows are short, too short for the hardware prefetcher to
	 * catch on: fetch the block after next (rows are contiguous) while
	 * the first column chunk works on this one */
	const XT *pf = x + 4 * P1_PF_BLOCKS * ldx;
	if (nr == 4) {
		size_t c = 0;
		for (; c + 12 <= Rp; c += 12, pf = x)
			KS(p1_tile)(x, ldx, B, K + c, Rp, y + c, pf, 4, 3);
		if (c + 8 <= Rp) {
			KS(p1_tile)(x, ldx, B, K + c, Rp, y + c, pf, 4, 2);
			c += 8;
			pf = x;
		}
		if (c < Rp)
			KS(p1_tile)(x, ldx, B, K + c, Rp, y + c, pf, 4, 1);
		return;
	}
	for (size_t q = 0; q < nr; q++) {
		const XT *xq = x + q * ldx;
		size_t c = 0;
		for (; c + 12 <= Rp; c += 12)
			KS(p1_tile)(xq, ldx, B, K + c, Rp, y + q * Rp + c, xq, 1, 3);
		if (c + 8 <= Rp) {
			KS(p1_tile)(xq, ldx, B, K + c, Rp, y + q * Rp + c, xq, 1, 2);
			c += 8;
		}
		if (c < Rp)
			KS(p1_tile)(xq, ldx, B, K + c, Rp, y + q * Rp + c, xq, 1, 1);
	}
}

/* Pass-2 tile: NR rows of KL x NV vectors of columns held in registers,
 * streamed against nj entries of each of the NR rows of x.  pf points at
 * the rows to prefetch: one cache line per row every 8 entries. */
LL_INLINE LL_AVX2 void KS(p2_tile)(const XT *x, size_t ldx, const double *KL,
			       size_t Rp, double *T, size_t nj, const XT *pf,
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
			__m256d xb = XBC(x + (size_t)q * ldx + j);
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
LL_INLINE LL_AVX2 void KS(p2_rows)(const XT *x, size_t ldx, const double *KL,
			       size_t Rp, double *T, size_t nj, const int NR)
{
	/* the first column chunk prefetches the next NR rows' stretch */
	const XT *pf = x + (size_t)NR * ldx;
	size_t c = 0;
	for (; c + 12 <= Rp; c += 12, pf = x)
		KS(p2_tile)(x, ldx, KL + c, Rp, T + c, nj, pf, NR, 3);
	if (c + 8 <= Rp) {
		KS(p2_tile)(x, ldx, KL + c, Rp, T + c, nj, pf, NR, 2);
		c += 8;
		pf = x;
	}
	if (c < Rp)
		KS(p2_tile)(x, ldx, KL + c, Rp, T + c, nj, pf, NR, 1);
}

LL_INLINE LL_AVX2 void KS(p2_body)(const XT *x, size_t ldx, size_t nr, const double *KL,
			       size_t Rp, double *T, size_t nj, const int MAXNR)
{
	if (MAXNR == 8 && nr == 8) {
		KS(p2_rows)(x, ldx, KL, Rp, T, nj, 8);
		return;
	}
	for (; nr >= 4; nr -= 4, x += 4 * ldx, KL += 4 * Rp)
		KS(p2_rows)(x, ldx, KL, Rp, T, nj, 4);
	for (size_t q = 0; q < nr; q++) {
		const XT *xq = x + q * ldx;
		size_t c = 0;
		for (; c + 12 <= Rp; c += 12)
			KS(p2_tile)(xq, ldx, KL + q * Rp + c, Rp, T + c, nj, xq, 1, 3);
		if (c + 8 <= Rp) {
			KS(p2_tile)(xq, ldx, KL + q * Rp + c, Rp, T + c, nj, xq, 1, 2);
			c += 8;
		}
		if (c < Rp)
			KS(p2_tile)(xq, ldx, KL + q * Rp + c, Rp, T + c, nj, xq, 1, 1);
	}
}

static LL_AVX2 void KS(p1_avx2)(const void *xp, size_t ldx, size_t nr, size_t B,
			    const double *K, size_t Rp, double *y)
{
	const XT *x = xp;
	KS(p1_body)(x, ldx, nr, B, K, Rp, y);
}

static LL_AVX2 void KS(p2_avx2)(const void *xp, size_t ldx, size_t nr, const double *KL,
			    size_t Rp, double *T, size_t nj)
{
	const XT *x = xp;
	KS(p2_body)(x, ldx, nr, KL, Rp, T, nj, 4);
}

/* The same code with EVEX encoding: 32 vector registers, no spills. */
static LL_AVX512VL void KS(p1_avx512vl)(const void *xp, size_t ldx, size_t nr, size_t B,
				    const double *K, size_t Rp, double *y)
{
	const XT *x = xp;
	KS(p1_body)(x, ldx, nr, B, K, Rp, y);
}

static LL_AVX512VL void KS(p2_avx512vl)(const void *xp, size_t ldx, size_t nr, const double *KL,
				    size_t Rp, double *T, size_t nj)
{
	const XT *x = xp;
	KS(p2_body)(x, ldx, nr, KL, Rp, T, nj, 8);
}
#endif

