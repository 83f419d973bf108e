/*
 * bench_spectrum - cvPCA at Stringer et al.'s scale: 2,800 stimuli x
 * 10,000 neurons, two repeats in float64 (448 MB of data), timed beside
 * the floor of any method, one pass over the data, measured in the same
 * run:
 *
 *   floor    the faster of: summing every entry of both repeats (one
 *            thread, a plain loop) and one DGEMV per repeat (X r, all
 *            of OpenBLAS' threads): each reads the 448 MB once
 *   cvpca    ll_spectrum_cvpca: centring, the 2,800 x 2,800 Gram (DSYRK)
 *            and cross product (DGEMM), dsyevr with vectors, the
 *            quadratic forms (DGEMM)
 *   cov      ll_spectrum_cov of repeat 1 (DSYRK, eigenvalues only), for
 *            the record
 *   boot     ll_spectrum_bootstrap at all threads, 6 resamples and 2:
 *            the difference over 4 is the cost per resample, what is left
 *            of the 2-resample run the set-up (the Gram products, once)
 *
 * The data: a population power law alpha 1 on the first 2,799 neuron axes
 * (tests/tools/planted_spectrum.h, exact = 0), noise sd 0.05, seed 1.
 * Usage: bench_spectrum [-q] (-q: 2,800 x 3,000 neurons).
 */
#include "base/ll_common.h"
#include "pca/ll_spectrum.h"
#include "tools/planted_spectrum.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* process CPU seconds (all threads): beside wall time, it shows when
 * other work shares the machine */
static double cpu(void) { return (double)clock() / CLOCKS_PER_SEC; }

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fprintf(stderr, "bench_spectrum: out of memory\n");
		exit(1);
	}
	return p;
}

static void die(const ll_err *e)
{
	fprintf(stderr, "bench_spectrum: %s\n", e->msg);
	exit(1);
}

int main(int argc, char **argv)
{
	int quick = argc > 1 && !strcmp(argv[1], "-q");
	size_t s = 2800, N = quick ? 3000 : 10000, B = quick ? 4 : 6;
	double *X1 = xmalloc(s * N * sizeof *X1), *X2 = xmalloc(s * N * sizeof *X2);
	double *r = xmalloc(N * sizeof *r), *y = xmalloc(s * sizeof *y);
	ll_err err = {0, ""};
	planted_opts po = {s, N, s - 1, 1.0, 0.05, 1, 0};
	double t0 = ll_now();
	if (planted_repeats(&po, X1, X2, &err) != LL_OK)
		die(&err);
	printf("cvPCA, %zu stimuli x %zu neurons, two repeats in float64 (%.0f MB); data made in %.1f s\n", s, N,
	       2.0 * (double)(s * N) * 8.0 / 1e6, ll_now() - t0);

	/* the floor: best of 3 of each one-pass read */
	double t_sum = 1e30, t_gemv = 1e30, acc = 0.0;
	for (size_t i = 0; i < N; i++)
		r[i] = 1.0 / (double)(i + 1);
	for (int rep = 0; rep < 3; rep++) {
		t0 = ll_now();
		double a = 0.0;
		for (size_t i = 0; i < s * N; i++)
			a += X1[i] + X2[i];
		t_sum = fmin(t_sum, ll_now() - t0);
		acc += a;
		t0 = ll_now();
		cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)s, (int)N, 1.0, X1, (int)N, r, 1, 0.0, y, 1);
		cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)s, (int)N, 1.0, X2, (int)N, r, 1, 1.0, y, 1);
		t_gemv = fmin(t_gemv, ll_now() - t0);
		acc += y[0];
	}
	double floor_t = fmin(t_sum, t_gemv);
	printf("  floor: one pass over both repeats   sum %.3f s (%.1f GB/s), DGEMV %.3f s (%.1f GB/s)%s\n", t_sum,
	       2.0 * (double)(s * N) * 8.0 / 1e9 / t_sum, t_gemv, 2.0 * (double)(s * N) * 8.0 / 1e9 / t_gemv,
	       acc == 0.12345 ? "!" : "");

	ll_spectrum cv, cov;
	double c0 = cpu();
	t0 = ll_now();
	if (ll_spectrum_cvpca(X1, X2, s, N, &cv, &err) != LL_OK)
		die(&err);
	double t_cv = ll_now() - t0, c_cv = cpu() - c0;
	t0 = ll_now();
	if (ll_spectrum_cov(X1, s, N, &cov, &err) != LL_OK)
		die(&err);
	double t_cov = ll_now() - t0;
	ll_spectrum_fit f, fc;
	ll_spectrum_fit_opts fo;
	ll_spectrum_fit_opts_default(&fo);
	if (ll_spectrum_powerlaw(cv.eig, cv.k, &fo, &f, &err) != LL_OK ||
	    ll_spectrum_powerlaw(cov.eig, cov.k, &fo, &fc, &err) != LL_OK)
		die(&err);
	printf("  cvpca %8.3f s  = %6.1f x the floor   (%.1f s of CPU; %zu eigenvalues, alpha %.3f over ranks\n"
	       "        %zu-%zu, PR %.1f)\n",
	       t_cv, t_cv / floor_t, c_cv, cv.k, f.alpha, f.rank_lo, f.rank_hi, ll_spectrum_pr(cv.eig, cv.k));
	printf("  cov   %8.3f s  = %6.1f x the floor   (alpha %.3f: noise flattens it)\n", t_cov, t_cov / floor_t,
	       fc.alpha);

	/* the marginal cost of a resample: B and 2 resamples, the difference;
	 * what is left of the 2-resample run is the set-up (centring and the
	 * two Gram products, once) */
	ll_spectrum_boot bt, b2;
	ll_spectrum_boot_opts bo;
	ll_spectrum_boot_opts_default(&bo);
	bo.seed = 1;
	bo.resamples = 2;
	t0 = ll_now();
	if (ll_spectrum_bootstrap(X1, X2, s, N, &fo, &bo, &b2, &err) != LL_OK)
		die(&err);
	double t_b2 = ll_now() - t0;
	bo.resamples = B;
	c0 = cpu();
	t0 = ll_now();
	if (ll_spectrum_bootstrap(X1, X2, s, N, &fo, &bo, &bt, &err) != LL_OK)
		die(&err);
	double t_boot = ll_now() - t0, c_boot = cpu() - c0, per = (t_boot - t_b2) / (double)(B - 2);
	printf("  boot  %8.3f s for %zu resamples (%.1f s of CPU), %.3f s for 2 (all threads):\n"
	       "        %.3f s per resample (= %.1f x the floor), set-up %.3f s;\n"
	       "        interval [%.3f, %.3f], resamples' mean %.3f\n",
	       t_boot, B, c_boot, t_b2, per, per / floor_t, t_b2 - 2.0 * per, bt.lo, bt.hi, bt.mean);
	ll_spectrum_boot_free(&b2);
	ll_spectrum_free(&cv);
	ll_spectrum_free(&cov);
	ll_spectrum_boot_free(&bt);
	free(X1);
	free(X2);
	free(r);
	free(y);
	return 0;
}
