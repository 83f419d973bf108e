/*
 * test_spectrum - eigenspectra, cvPCA, power-law fits, PR and the
 * bootstrap (src/pca/ll_spectrum.h).
 *
 * Known answers: PR of 1/n over N = 1000 is H_N^2 / sum 1/n^2 = 34.084;
 * a fit over ranks 12-500 of 1/n gives alpha = 1 (to rounding); a flat
 * spectrum gives PR = N; dim90 by hand.  A naive reference: cvPCA from an
 * explicit neurons x neurons covariance, its eigenvectors by cyclic
 * Jacobi (no LAPACK), and the projections summed by loops, within 1e-10,
 * on both of the code's paths (s > N: neurons side; s <= N: Gram side).
 * Planted populations (tests/tools/planted_spectrum.h, exact = 1: the
 * sample signal spectrum is exactly n^-alpha): alpha 1.0 (600 stimuli x
 * 300 neurons, noise sd 0.06, seed 11) and 1.5 (300 x 600, sd 0.015, seed
 * 12), fit over ranks 5-60, recovered by cvPCA within 0.05 (20 and 10
 * other seeds gave worst errors 0.012 and 0.014 while the design was
 * tuned), while the covariance spectrum of repeat 1 is biased low by more
 * than 0.08 (0.14 and 0.13 measured).  Bootstrap (200 x 120, alpha 1, sd
 * 0.03, 60 resamples, seed 5; fit ranks 3-40): the 95 % interval holds
 * the truth (it did for 10 seeds of 10; ll_spectrum.h says where it does
 * not), and the alphas are bit-identical at 1 and 2 threads.  Bad inputs,
 * and every allocation failing in turn.
 */
#include "base/ll_common.h"
#include "ll_failalloc.h"
#include "ll_test.h"
#include "pca/ll_spectrum.h"
#include "tools/planted_spectrum.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------------------- */

static double *harmonic(size_t n, double alpha, double scale)
{
	double *v = malloc(n * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = scale * pow((double)(i + 1), -alpha);
	return v;
}

/* Eigen-decomposition of the symmetric n x n A (row-major, destroyed)
 * by cyclic Jacobi rotations: eigenvalues on A's diagonal, eigenvectors
 * in V's columns.  Slow and independent of LAPACK: the reference. */
static void jacobi(double *A, double *V, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			V[i * n + j] = i == j;
	for (int sweep = 0; sweep < 100; sweep++) {
		double off = 0.0, tot = 0.0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				tot += A[i * n + j] * A[i * n + j];
				if (i != j)
					off += A[i * n + j] * A[i * n + j];
			}
		if (off <= 1e-30 * tot)
			return;
		for (size_t p = 0; p < n; p++)
			for (size_t q = p + 1; q < n; q++) {
				double apq = A[p * n + q];
				if (apq == 0.0)
					continue;
				double theta = (A[q * n + q] - A[p * n + p]) / (2.0 * apq);
				double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
				double c = 1.0 / sqrt(t * t + 1.0), sn = t * c;
				for (size_t k = 0; k < n; k++) { /* A = A J */
					double akp = A[k * n + p], akq = A[k * n + q];
					A[k * n + p] = c * akp - sn * akq;
					A[k * n + q] = sn * akp + c * akq;
				}
				for (size_t k = 0; k < n; k++) { /* A = J^T A */
					double apk = A[p * n + k], aqk = A[q * n + k];
					A[p * n + k] = c * apk - sn * aqk;
					A[q * n + k] = sn * apk + c * aqk;
				}
				for (size_t k = 0; k < n; k++) {
					double vkp = V[k * n + p], vkq = V[k * n + q];
					V[k * n + p] = c * vkp - sn * vkq;
					V[k * n + q] = sn * vkp + c * vkq;
				}
			}
	}
}

/* cvPCA by the definition: centre, C = X1c^T X1c / s (N x N), its
 * eigenvectors u_n by variance descending, lambda_n = (1/s) sum_i
 * (X1c u_n)_i (X2c u_n)_i; with X2 = NULL the covariance eigenvalues.
 * The top min(s - 1, N) into out. */
static void naive_spectrum(const double *X1, const double *X2, size_t s, size_t N, double *out)
{
	double *X1c = malloc(s * N * sizeof *X1c), *X2c = malloc(s * N * sizeof *X2c);
	double *C = calloc(N * N, sizeof *C), *V = malloc(N * N * sizeof *V);
	size_t *ord = malloc(N * sizeof *ord);
	for (int r = 0; r < 2; r++) {
		const double *X = r ? (X2 ? X2 : X1) : X1;
		double *Xc = r ? X2c : X1c;
		for (size_t j = 0; j < N; j++) {
			double m = 0.0;
			for (size_t i = 0; i < s; i++)
				m += X[i * N + j];
			m /= (double)s;
			for (size_t i = 0; i < s; i++)
				Xc[i * N + j] = X[i * N + j] - m;
		}
	}
	for (size_t a = 0; a < N; a++)
		for (size_t b = 0; b < N; b++)
			for (size_t i = 0; i < s; i++)
				C[a * N + b] += X1c[i * N + a] * X1c[i * N + b] / (double)s;
	jacobi(C, V, N);
	for (size_t j = 0; j < N; j++)
		ord[j] = j;
	for (size_t a = 0; a < N; a++) /* selection sort by eigenvalue, descending */
		for (size_t b = a + 1; b < N; b++)
			if (C[ord[b] * N + ord[b]] > C[ord[a] * N + ord[a]]) {
				size_t t = ord[a];
				ord[a] = ord[b];
				ord[b] = t;
			}
	size_t k = s - 1 < N ? s - 1 : N;
	for (size_t n = 0; n < k; n++) {
		size_t c = ord[n];
		if (!X2) {
			out[n] = C[c * N + c];
			continue;
		}
		double acc = 0.0;
		for (size_t i = 0; i < s; i++) {
			double p1 = 0.0, p2 = 0.0;
			for (size_t j = 0; j < N; j++) {
				p1 += X1c[i * N + j] * V[j * N + c];
				p2 += X2c[i * N + j] * V[j * N + c];
			}
			acc += p1 * p2;
		}
		out[n] = acc / (double)s;
	}
	free(X1c);
	free(X2c);
	free(C);
	free(V);
	free(ord);
}

static double *gaussian(size_t n, uint64_t seed)
{
	ll_rng g;
	ll_rng_init(&g, seed);
	double *v = malloc(n * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = ll_rng_normal(&g) + 3.0; /* an offset: centring must matter */
	return v;
}

/* ---- known answers ---------------------------------------------------------------- */

static void test_pr_harmonic(void)
{
	double *v = harmonic(1000, 1.0, 1.0), h = 0.0, z = 0.0;
	for (size_t n = 1; n <= 1000; n++) {
		h += 1.0 / (double)n;
		z += 1.0 / ((double)n * (double)n);
	}
	double pr = ll_spectrum_pr(v, 1000);
	printf("# PR of 1/n, N = 1000: %.6f (H^2 / sum 1/n^2 = %.6f)\n", pr, h * h / z);
	LL_CHECK_NEAR(pr, 34.084, 5e-4);
	LL_CHECK_NEAR(pr, h * h / z, 1e-10);
	/* scale does not matter */
	for (size_t n = 0; n < 1000; n++)
		v[n] *= 1e-200;
	LL_CHECK_NEAR(ll_spectrum_pr(v, 1000), h * h / z, 1e-10);
	free(v);
}

static void test_pr_flat(void)
{
	double v[50], w[3] = {1.0, 1.0, -1.0}, z[3] = {0.0, -1.0, 0.0};
	for (size_t n = 0; n < 50; n++)
		v[n] = 2.5;
	LL_CHECK_NEAR(ll_spectrum_pr(v, 50), 50.0, 1e-12);
	LL_CHECK_NEAR(ll_spectrum_pr(w, 3), 2.0, 1e-12); /* the negative one counts as 0 */
	LL_CHECK_NEAR(ll_spectrum_pr(z, 3), 0.0, 0.0);
}

static void test_dim90(void)
{
	double a[4] = {5, 3, 1, 1};                /* cumulative .5 .8 .9 1 */
	double b[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
	double c[3] = {9, 0.5, 0.5};               /* exactly 0.9 at the first */
	double d[5] = {4, -1, 4, 1, 1};            /* positives 10: 4 4 8 9 -> 4 */
	double e[3] = {-1, 0, -2};
	double f[4] = {1, 1, 1, 7};                /* order as given: .1 .2 .3 1 */
	LL_CHECK_INT(ll_spectrum_dim(a, 4, 0.9), 3);
	LL_CHECK_INT(ll_spectrum_dim(a, 4, 0.5), 1);
	LL_CHECK_INT(ll_spectrum_dim(a, 4, 0.81), 3);
	LL_CHECK_INT(ll_spectrum_dim(b, 10, 0.9), 9);
	LL_CHECK_INT(ll_spectrum_dim(b, 10, 1.0), 10);
	LL_CHECK_INT(ll_spectrum_dim(c, 3, 0.9), 1);
	LL_CHECK_INT(ll_spectrum_dim(d, 5, 0.9), 4);
	LL_CHECK_INT(ll_spectrum_dim(e, 3, 0.9), 0);
	LL_CHECK_INT(ll_spectrum_dim(f, 4, 0.9), 4);
	/* 0.27 of 0.30 is 0.9, though rounding makes it 0.27000000000000002 of
	 * 0.9 x 0.30000000000000004: the slack counts it */
	double g[3] = {0.01, 0.26, 0.03};
	LL_CHECK_INT(ll_spectrum_dim(g, 3, 0.9), 2);
	double *h = harmonic(1000, 1.0, 1.0), tot = 0.0, cum = 0.0;
	size_t want = 0;
	for (size_t n = 0; n < 1000; n++)
		tot += h[n];
	for (size_t n = 0; n < 1000 && !want; n++)
		if ((cum += h[n]) >= 0.9 * tot)
			want = n + 1;
	printf("# dim90 of 1/n, N = 1000: %zu\n", ll_spectrum_dim(h, 1000, 0.9));
	LL_CHECK_INT(ll_spectrum_dim(h, 1000, 0.9), want);
	LL_CHECK_INT(want, 473); /* H_473 >= 0.9 H_1000 > H_472 (awk) */
	free(h);
}

static void test_fit_exact(void)
{
	ll_err err;
	ll_spectrum_fit f;
	ll_spectrum_fit_opts o = {12, 500, LL_SPECTRUM_FIT_UNIFORM};
	double *v = harmonic(1000, 1.0, 1.0);
	LL_REQUIRE_OK(ll_spectrum_powerlaw(v, 1000, &o, &f, &err), err);
	LL_CHECK_NEAR(f.alpha, 1.0, 1e-12);
	LL_CHECK_NEAR(f.intercept, 0.0, 1e-10);
	LL_CHECK_INT(f.rank_lo, 12);
	LL_CHECK_INT(f.rank_hi, 500);
	LL_CHECK_INT(f.n_used, 489);
	LL_CHECK_INT(f.n_excluded, 0);
	o.weights = LL_SPECTRUM_FIT_INVRANK;
	LL_REQUIRE_OK(ll_spectrum_powerlaw(v, 1000, &o, &f, &err), err);
	LL_CHECK_NEAR(f.alpha, 1.0, 1e-12);
	free(v);
	/* 3 n^-1.5: alpha 1.5, intercept log 3; hi clipped to k */
	v = harmonic(200, 1.5, 3.0);
	o.weights = LL_SPECTRUM_FIT_UNIFORM;
	LL_REQUIRE_OK(ll_spectrum_powerlaw(v, 200, &o, &f, &err), err);
	LL_CHECK_NEAR(f.alpha, 1.5, 1e-12);
	LL_CHECK_NEAR(f.intercept, log(3.0), 1e-10);
	LL_CHECK_INT(f.rank_hi, 200);
	/* defaults: ranks 11-500 */
	LL_REQUIRE_OK(ll_spectrum_powerlaw(v, 200, NULL, &f, &err), err);
	LL_CHECK_INT(f.rank_lo, 11);
	LL_CHECK_NEAR(f.alpha, 1.5, 1e-12);
	/* a kink outside the range does not matter, inside it does */
	v[5] = 100.0;
	LL_REQUIRE_OK(ll_spectrum_powerlaw(v, 200, &o, &f, &err), err);
	LL_CHECK_NEAR(f.alpha, 1.5, 1e-12);
	v[50] *= 10.0;
	LL_REQUIRE_OK(ll_spectrum_powerlaw(v, 200, &o, &f, &err), err);
	LL_CHECK(fabs(f.alpha - 1.5) > 1e-4);
	free(v);
}

static void test_fit_nonpositive(void)
{
	ll_err err;
	ll_spectrum_fit f;
	ll_spectrum_fit_opts o = {2, 8, LL_SPECTRUM_FIT_UNIFORM};
	double v[10];
	for (size_t n = 0; n < 10; n++)
		v[n] = pow((double)(n + 1), -2.0);
	v[3] = -0.01; /* rank 4 */
	v[6] = 0.0;   /* rank 7 */
	LL_REQUIRE_OK(ll_spectrum_powerlaw(v, 10, &o, &f, &err), err);
	LL_CHECK_NEAR(f.alpha, 2.0, 1e-12); /* the rest still lie on the line */
	LL_CHECK_INT(f.n_used, 5);
	LL_CHECK_INT(f.n_excluded, 2);
	/* one positive left: an error that says how many were left out */
	double w[5] = {1.0, -1.0, 0.5, -0.2, 0.0};
	o.rank_lo = 2;
	o.rank_hi = 5;
	LL_CHECK_INT(ll_spectrum_powerlaw(w, 5, &o, &f, &err), LL_ENUMERIC);
	LL_CHECK_CONTAINS(err.msg, "only 1 positive eigenvalue in ranks 2-5 (3 non-positive left out)");
	LL_CHECK_INT(f.n_used, 1);
	LL_CHECK_INT(f.n_excluded, 3);
	/* ranges */
	o.rank_lo = 0;
	LL_CHECK_INT(ll_spectrum_powerlaw(v, 10, &o, &f, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "empty fit range");
	o.rank_lo = 6;
	o.rank_hi = 5;
	LL_CHECK_INT(ll_spectrum_powerlaw(v, 10, &o, &f, &err), LL_EINVAL);
	o.rank_lo = 11;
	o.rank_hi = 20;
	LL_CHECK_INT(ll_spectrum_powerlaw(v, 10, &o, &f, &err), LL_ESHAPE);
	LL_CHECK_CONTAINS(err.msg, "starts at rank 11 but there are only 10 eigenvalues");
	o.rank_lo = 10; /* one point: too few */
	LL_CHECK_INT(ll_spectrum_powerlaw(v, 10, &o, &f, &err), LL_ENUMERIC);
	o.rank_lo = 1;
	o.weights = (ll_spectrum_fit_weights)7;
	LL_CHECK_INT(ll_spectrum_powerlaw(v, 10, &o, &f, &err), LL_EINVAL);
	o.weights = LL_SPECTRUM_FIT_UNIFORM;
	v[8] = NAN;
	LL_CHECK_INT(ll_spectrum_powerlaw(v, 10, &o, &f, &err), LL_ENUMERIC);
	LL_CHECK_CONTAINS(err.msg, "eigenvalue 9 is NaN");
}

/* ---- against the naive reference ------------------------------------------------------ */

static void check_naive(size_t s, size_t N, uint64_t seed, int expect_gram)
{
	ll_err err;
	ll_spectrum a, b;
	double *X1 = gaussian(s * N, seed), *X2 = gaussian(s * N, seed + 1);
	size_t k = s - 1 < N ? s - 1 : N;
	double *ref = malloc(k * sizeof *ref), *cref = malloc(k * sizeof *cref);
	/* correlated repeats, as real ones: X2 = X1 + noise */
	for (size_t i = 0; i < s * N; i++)
		X2[i] = X1[i] + 0.7 * (X2[i] - 3.0);
	naive_spectrum(X1, X2, s, N, ref);
	naive_spectrum(X1, NULL, s, N, cref);
	LL_REQUIRE_OK(ll_spectrum_cvpca(X1, X2, s, N, &a, &err), err);
	LL_REQUIRE_OK(ll_spectrum_cov(X1, s, N, &b, &err), err);
	LL_CHECK_INT(a.k, k);
	LL_CHECK_INT(b.k, k);
	LL_CHECK_INT(a.gram_side, expect_gram);
	LL_CHECK_INT(a.method, LL_SPECTRUM_CVPCA);
	LL_CHECK_INT(b.method, LL_SPECTRUM_COVARIANCE);
	double worst = 0.0, cworst = 0.0;
	for (size_t n = 0; n < k; n++) {
		worst = fmax(worst, fabs(a.eig[n] - ref[n]));
		cworst = fmax(cworst, fabs(b.eig[n] - cref[n]));
		LL_CHECK_NEAR(a.eig[n], ref[n], 1e-10);
		LL_CHECK_NEAR(b.eig[n], cref[n], 1e-10);
		if (n > 0)
			LL_CHECK(b.eig[n] <= b.eig[n - 1]);
	}
	printf("# %zu x %zu (%s side): max |cvPCA - naive| %.2e, |covariance - naive| %.2e\n", s, N,
	       expect_gram ? "Gram" : "neurons", worst, cworst);
	ll_spectrum_free(&a);
	ll_spectrum_free(&b);
	free(X1);
	free(X2);
	free(ref);
	free(cref);
}

static void test_naive_neuron_side(void) { check_naive(9, 5, 31, 0); }
static void test_naive_gram_side(void) { check_naive(6, 11, 41, 1); }
static void test_naive_square(void) { check_naive(7, 7, 51, 1); }

/* identical repeats: cvPCA is the covariance spectrum */
static void test_identical_repeats(void)
{
	ll_err err;
	ll_spectrum a, b;
	double *X = gaussian(30 * 12, 7);
	LL_REQUIRE_OK(ll_spectrum_cvpca(X, X, 30, 12, &a, &err), err);
	LL_REQUIRE_OK(ll_spectrum_cov(X, 30, 12, &b, &err), err);
	for (size_t n = 0; n < a.k; n++)
		LL_CHECK_NEAR(a.eig[n], b.eig[n], 1e-12 * b.eig[0]);
	ll_spectrum_free(&a);
	ll_spectrum_free(&b);
	free(X);
}

/* rank r < k: the eigenvalues past r are exactly 0, on both sides */
static void test_rank_deficient(void)
{
	ll_err err;
	for (int side = 0; side < 2; side++) {
		size_t s = side ? 8 : 20, N = side ? 20 : 8, r = 3;
		double *Z = gaussian(s * r, 3), *W = gaussian(r * N, 4), *X = calloc(s * N, sizeof *X);
		for (size_t i = 0; i < s; i++)
			for (size_t j = 0; j < N; j++)
				for (size_t q = 0; q < r; q++)
					X[i * N + j] += Z[i * r + q] * W[q * N + j];
		ll_spectrum a, b;
		LL_REQUIRE_OK(ll_spectrum_cov(X, s, N, &a, &err), err);
		LL_REQUIRE_OK(ll_spectrum_cvpca(X, X, s, N, &b, &err), err);
		for (size_t n = 0; n < a.k; n++) {
			LL_CHECK(n < r ? a.eig[n] > 0.0 : a.eig[n] == 0.0);
			LL_CHECK(n < r ? b.eig[n] > 0.0 : b.eig[n] == 0.0);
		}
		/* a constant population: no variance at all */
		for (size_t q = 0; q < s * N; q++)
			X[q] = 2.0;
		ll_spectrum_free(&a);
		LL_REQUIRE_OK(ll_spectrum_cov(X, s, N, &a, &err), err);
		for (size_t n = 0; n < a.k; n++)
			LL_CHECK(a.eig[n] == 0.0);
		LL_CHECK_NEAR(ll_spectrum_pr(a.eig, a.k), 0.0, 0.0);
		ll_spectrum_free(&a);
		ll_spectrum_free(&b);
		free(Z);
		free(W);
		free(X);
	}
}

/* ---- planted power laws ------------------------------------------------------------------ */

static void planted(size_t s, size_t N, double alpha, double sigma, uint64_t seed, int expect_gram)
{
	ll_err err;
	planted_opts po = {s, N, s - 1 < N ? s - 1 : N, alpha, sigma, seed, 1};
	double *X1 = malloc(s * N * sizeof *X1), *X2 = malloc(s * N * sizeof *X2);
	LL_REQUIRE_OK(planted_repeats(&po, X1, X2, &err), err);
	ll_spectrum_fit_opts fo = {5, 60, LL_SPECTRUM_FIT_UNIFORM};
	ll_spectrum_result cv, cov;
	double t0 = ll_now();
	LL_REQUIRE_OK(ll_spectrum_analyse(X1, X2, s, N, &fo, NULL, &cv, &err), err);
	double t = ll_now() - t0;
	LL_REQUIRE_OK(ll_spectrum_analyse(X1, NULL, s, N, &fo, NULL, &cov, &err), err);
	printf("# planted alpha %.2f, %zu stimuli x %zu neurons, noise sd %g: cvPCA %.4f, covariance %.4f "
	       "(%.3f s; lambda_5 %.4g vs 5^-alpha %.4g, lambda_60 %.4g vs %.4g)\n",
	       alpha, s, N, sigma, cv.fit.alpha, cov.fit.alpha, t, cv.spec.eig[4], pow(5.0, -alpha),
	       cv.spec.eig[59], pow(60.0, -alpha));
	LL_CHECK_INT(cv.spec.gram_side, expect_gram);
	LL_CHECK_NEAR(cv.fit.alpha, alpha, 0.05);
	LL_CHECK(alpha - cov.fit.alpha > 0.08); /* noise flattens the plain spectrum */
	LL_CHECK_INT(cv.fit.n_excluded, 0);
	/* the top eigenvalue is the planted 1 */
	LL_CHECK_NEAR(cv.spec.eig[0], 1.0, 0.05);
	/* PR and dim90 of what came out, as the functions give them */
	LL_CHECK_NEAR(cv.pr, ll_spectrum_pr(cv.spec.eig, cv.spec.k), 0.0);
	LL_CHECK_INT(cv.dim90, ll_spectrum_dim(cv.spec.eig, cv.spec.k, 0.9));
	ll_spectrum_result_free(&cv);
	ll_spectrum_result_free(&cov);
	free(X1);
	free(X2);
}

static void test_planted_alpha_1(void) { planted(600, 300, 1.0, 0.06, 11, 0); }
static void test_planted_alpha_15(void) { planted(300, 600, 1.5, 0.015, 12, 1); }

/* ---- bootstrap ------------------------------------------------------------------------------- */

static void test_bootstrap(void)
{
	ll_err err;
	size_t s = 200, N = 120;
	planted_opts po = {s, N, N, 1.0, 0.03, 5, 1};
	double *X1 = malloc(s * N * sizeof *X1), *X2 = malloc(s * N * sizeof *X2);
	LL_REQUIRE_OK(planted_repeats(&po, X1, X2, &err), err);
	ll_spectrum_fit_opts fo = {3, 40, LL_SPECTRUM_FIT_UNIFORM};
	ll_spectrum_boot_opts bo;
	ll_spectrum_boot_opts_default(&bo);
	bo.resamples = 60;
	bo.seed = 5;
	bo.threads = 1;
	ll_spectrum_boot b1, b2, b3;
	double t0 = ll_now();
	LL_REQUIRE_OK(ll_spectrum_bootstrap(X1, X2, s, N, &fo, &bo, &b1, &err), err);
	double t = ll_now() - t0;
	bo.threads = 2;
	LL_REQUIRE_OK(ll_spectrum_bootstrap(X1, X2, s, N, &fo, &bo, &b2, &err), err);
	printf("# bootstrap of alpha 1 (%zu x %zu, %zu resamples): 95%% [%.4f, %.4f], %zu failed, %.3f s\n", s,
	       N, bo.resamples, b1.lo, b1.hi, b1.failed, t);
	LL_CHECK(b1.lo <= 1.0 && 1.0 <= b1.hi);
	LL_CHECK(b1.lo < b1.hi);
	LL_CHECK(b1.hi - b1.lo < 0.3);
	LL_CHECK_INT(b1.resamples, 60);
	LL_CHECK_INT(b1.failed, 0);
	LL_CHECK_NEAR(b1.level, 0.95, 0.0);
	LL_CHECK(memcmp(b1.alpha, b2.alpha, 60 * sizeof(double)) == 0);
	LL_CHECK(b1.lo == b2.lo && b1.hi == b2.hi);
	/* the interval is the percentiles of the alphas */
	double *srt = malloc(60 * sizeof *srt);
	memcpy(srt, b1.alpha, 60 * sizeof *srt);
	qsort(srt, 60, sizeof *srt, ll_cmp_double);
	LL_CHECK_NEAR(b1.lo, ll_quantile_sorted(srt, 60, 0.025), 0.0);
	LL_CHECK_NEAR(b1.hi, ll_quantile_sorted(srt, 60, 0.975), 0.0);
	free(srt);
	/* another seed, other resamples */
	bo.seed = 6;
	LL_REQUIRE_OK(ll_spectrum_bootstrap(X1, X2, s, N, &fo, &bo, &b3, &err), err);
	LL_CHECK(memcmp(b1.alpha, b3.alpha, 60 * sizeof(double)) != 0);
	ll_spectrum_boot_free(&b3);
	/* a narrower level, a narrower interval */
	bo.seed = 5;
	bo.level = 0.5;
	LL_REQUIRE_OK(ll_spectrum_bootstrap(X1, X2, s, N, &fo, &bo, &b3, &err), err);
	LL_CHECK(b3.lo >= b1.lo && b3.hi <= b1.hi && b3.hi - b3.lo < b1.hi - b1.lo);
	ll_spectrum_boot_free(&b3);
	/* analyse gives the same bootstrap as the function alone */
	ll_spectrum_result r;
	bo.level = 0.95;
	LL_REQUIRE_OK(ll_spectrum_analyse(X1, X2, s, N, &fo, &bo, &r, &err), err);
	LL_CHECK(memcmp(r.boot.alpha, b1.alpha, 60 * sizeof(double)) == 0);
	ll_spectrum_result_free(&r);
	ll_spectrum_boot_free(&b1);
	ll_spectrum_boot_free(&b2);
	free(X1);
	free(X2);
}

/* the Gram side's resamples (gathered from the data's Gram) against the
 * neuron side's (rows re-weighted): the same data transposed in size only
 * is not the same problem, so compare each with a brute resample */
static void test_bootstrap_sides(void)
{
	ll_err err;
	for (int side = 0; side < 2; side++) {
		size_t s = side ? 12 : 30, N = side ? 30 : 12;
		double *X1 = gaussian(s * N, 61 + side), *X2 = gaussian(s * N, 71 + side);
		for (size_t i = 0; i < s * N; i++)
			X2[i] = X1[i] + 0.5 * (X2[i] - 3.0);
		ll_spectrum_fit_opts fo = {1, 4, LL_SPECTRUM_FIT_UNIFORM};
		ll_spectrum_boot_opts bo;
		ll_spectrum_boot_opts_default(&bo);
		bo.resamples = 3;
		bo.seed = 9;
		bo.threads = 1;
		ll_spectrum_boot b;
		LL_REQUIRE_OK(ll_spectrum_bootstrap(X1, X2, s, N, &fo, &bo, &b, &err), err);
		/* redo resample r by hand: the same draws, rows copied, cvPCA */
		double *Y1 = malloc(s * N * sizeof *Y1), *Y2 = malloc(s * N * sizeof *Y2);
		for (size_t r = 0; r < 3; r++) {
			ll_rng g;
			ll_rng_init(&g, ll_seed_derive(9, r, 0));
			for (size_t i = 0; i < s; i++) {
				size_t src = (size_t)ll_rng_below(&g, s);
				memcpy(Y1 + i * N, X1 + src * N, N * sizeof *Y1);
				memcpy(Y2 + i * N, X2 + src * N, N * sizeof *Y2);
			}
			ll_spectrum sp;
			ll_spectrum_fit f;
			LL_REQUIRE_OK(ll_spectrum_cvpca(Y1, Y2, s, N, &sp, &err), err);
			LL_REQUIRE_OK(ll_spectrum_powerlaw(sp.eig, sp.k, &fo, &f, &err), err);
			LL_CHECK_NEAR(b.alpha[r], f.alpha, 1e-9);
			ll_spectrum_free(&sp);
		}
		free(Y1);
		free(Y2);
		ll_spectrum_boot_free(&b);
		/* and the covariance bootstrap (X2 NULL) the same way */
		LL_REQUIRE_OK(ll_spectrum_bootstrap(X1, NULL, s, N, &fo, &bo, &b, &err), err);
		LL_CHECK(isfinite(b.lo) && b.lo <= b.hi);
		ll_spectrum_boot_free(&b);
		free(X1);
		free(X2);
	}
}

static int cancel_at_first(void *ud, const ll_progress *p)
{
	(*(int *)ud)++;
	return 1;
}

static void test_bootstrap_cancel(void)
{
	ll_err err;
	double *X1 = gaussian(20 * 8, 1), *X2 = gaussian(20 * 8, 2);
	ll_spectrum_fit_opts fo = {1, 5, LL_SPECTRUM_FIT_UNIFORM};
	ll_spectrum_boot_opts bo;
	ll_spectrum_boot b;
	int calls = 0;
	ll_spectrum_boot_opts_default(&bo);
	bo.resamples = 50;
	bo.threads = 1;
	bo.progress = cancel_at_first;
	bo.progress_ud = &calls;
	LL_CHECK_INT(ll_spectrum_bootstrap(X1, X2, 20, 8, &fo, &bo, &b, &err), LL_ECANCELED);
	LL_CHECK_INT(calls, 1);
	LL_CHECK(b.alpha == NULL);
	free(X1);
	free(X2);
}

/* ---- bad input --------------------------------------------------------------------------------- */

static void test_bad_inputs(void)
{
	ll_err err;
	ll_spectrum sp;
	ll_spectrum_result r;
	ll_spectrum_boot b;
	size_t s = 10, N = 6;
	double *X1 = gaussian(s * N, 1), *X2 = gaussian(s * N, 2);
	X2[3 * N + 4] = NAN;
	LL_CHECK_INT(ll_spectrum_cvpca(X1, X2, s, N, &sp, &err), LL_ENUMERIC);
	LL_CHECK_CONTAINS(err.msg, "repeat 2: entry [3, 4] (stimulus 3, neuron 4) is NaN");
	LL_CHECK(sp.eig == NULL);
	X2[3 * N + 4] = 0.0;
	X1[9 * N + 0] = -INFINITY;
	LL_CHECK_INT(ll_spectrum_cov(X1, s, N, &sp, &err), LL_ENUMERIC);
	LL_CHECK_CONTAINS(err.msg, "data: entry [9, 0] (stimulus 9, neuron 0) is infinite");
	LL_CHECK_INT(ll_spectrum_analyse(X1, X2, s, N, NULL, NULL, &r, &err), LL_ENUMERIC);
	LL_CHECK_CONTAINS(err.msg, "repeat 1: entry [9, 0]");
	X1[9 * N + 0] = 1.0;
	LL_CHECK_INT(ll_spectrum_cov(X1, 1, N, &sp, &err), LL_ESHAPE);
	LL_CHECK_CONTAINS(err.msg, "at least 2 stimuli");
	LL_CHECK_INT(ll_spectrum_cov(X1, s, 0, &sp, &err), LL_ESHAPE);
	LL_CHECK_INT(ll_spectrum_cvpca(X1, NULL, s, N, &sp, &err), LL_EINVAL);
	LL_CHECK_INT(ll_spectrum_cov(NULL, s, N, &sp, &err), LL_EINVAL);
	/* fewer components than the fit range's start: k = min(9, 6) = 6 */
	ll_spectrum_fit_opts fo = {7, 20, LL_SPECTRUM_FIT_UNIFORM};
	LL_CHECK_INT(ll_spectrum_analyse(X1, X2, s, N, &fo, NULL, &r, &err), LL_ESHAPE);
	LL_CHECK_CONTAINS(err.msg, "starts at rank 7, beyond the 6 components of 10 stimuli x 6 neurons");
	LL_CHECK(r.spec.eig == NULL);
	fo.rank_lo = 11; /* fewer stimuli than the start */
	double *W = gaussian(s * 30, 3);
	LL_CHECK_INT(ll_spectrum_analyse(W, W, s, 30, &fo, NULL, &r, &err), LL_ESHAPE);
	free(W);
	LL_CHECK_CONTAINS(err.msg, "beyond the 9 components of 10 stimuli x 30 neurons");
	LL_CHECK_INT(ll_spectrum_bootstrap(X1, X2, s, N, &fo, NULL, &b, &err), LL_ESHAPE);
	fo.rank_lo = 3;
	fo.rank_hi = 2;
	LL_CHECK_INT(ll_spectrum_analyse(X1, X2, s, N, &fo, NULL, &r, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "empty fit range 3-2");
	fo.rank_hi = 5;
	ll_spectrum_boot_opts bo;
	ll_spectrum_boot_opts_default(&bo);
	bo.level = 1.0;
	LL_CHECK_INT(ll_spectrum_analyse(X1, X2, s, N, &fo, &bo, &r, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "level 1 is not in (0, 1)");
	bo.level = 0.9;
	bo.resamples = 0;
	LL_CHECK_INT(ll_spectrum_bootstrap(X1, X2, s, N, &fo, &bo, &b, &err), LL_EINVAL);
	LL_CHECK(b.alpha == NULL);
	/* no variance to fit: the full fit fails, the bootstrap's too */
	for (size_t q = 0; q < s * N; q++)
		X1[q] = X2[q] = 1.0;
	LL_CHECK_INT(ll_spectrum_analyse(X1, X2, s, N, &fo, NULL, &r, &err), LL_ENUMERIC);
	LL_CHECK_CONTAINS(err.msg, "only 0 positive eigenvalues in ranks 3-5");
	bo.resamples = 4;
	LL_CHECK_INT(ll_spectrum_bootstrap(X1, X2, s, N, &fo, &bo, &b, &err), LL_ENUMERIC);
	LL_CHECK_CONTAINS(err.msg, "failed on all 4 bootstrap resamples");
	/* names */
	LL_CHECK_STR(ll_spectrum_method_name(LL_SPECTRUM_CVPCA), "cvpca");
	LL_CHECK_STR(ll_spectrum_method_name(LL_SPECTRUM_COVARIANCE), "covariance");
	LL_CHECK_STR(ll_spectrum_fit_weights_name(LL_SPECTRUM_FIT_INVRANK), "inverse-rank");
	free(X1);
	free(X2);
}

/* ---- out of memory --------------------------------------------------------------------------- */

typedef struct oom_ctx {
	const double *X1, *X2;
	size_t s, N;
	ll_err err;
} oom_ctx;

static int oom_run(void *ud)
{
	oom_ctx *c = ud;
	ll_spectrum_fit_opts fo = {1, 4, LL_SPECTRUM_FIT_UNIFORM};
	ll_spectrum_boot_opts bo;
	ll_spectrum_result r;
	ll_spectrum_boot_opts_default(&bo);
	bo.resamples = 3;
	bo.threads = 1;
	int rc = ll_spectrum_analyse(c->X1, c->X2, c->s, c->N, &fo, &bo, &r, &c->err);
	ll_spectrum_result_free(&r);
	return rc;
}

static const char *oom_message(void *ud) { return ((oom_ctx *)ud)->err.msg; }

static void test_oom(void)
{
	for (int side = 0; side < 2; side++) {
		size_t s = side ? 6 : 14, N = side ? 14 : 6;
		double *X1 = gaussian(s * N, 81), *X2 = gaussian(s * N, 82);
		for (size_t i = 0; i < s * N; i++)
			X2[i] = X1[i] + 0.3 * (X2[i] - 3.0);
		oom_ctx c = {X1, X2, s, N, {0, ""}};
		ll_failalloc_sweep sw = {.name = side ? "spectrum gram" : "spectrum neurons", .run = oom_run,
					 .message = oom_message, .ud = &c};
		LL_CHECK(ll_failalloc_sweep_run(&sw) == 0);
		printf("# %s: %zu allocations, each failed in turn\n", sw.name, sw.n);
		c.X2 = NULL; /* the covariance path */
		sw.clean_rc = 0;
		LL_CHECK(ll_failalloc_sweep_run(&sw) == 0);
		free(X1);
		free(X2);
	}
}

int main(void)
{
	LL_RUN(test_pr_harmonic);
	LL_RUN(test_pr_flat);
	LL_RUN(test_dim90);
	LL_RUN(test_fit_exact);
	LL_RUN(test_fit_nonpositive);
	LL_RUN(test_naive_neuron_side);
	LL_RUN(test_naive_gram_side);
	LL_RUN(test_naive_square);
	LL_RUN(test_identical_repeats);
	LL_RUN(test_rank_deficient);
	LL_RUN(test_planted_alpha_1);
	LL_RUN(test_planted_alpha_15);
	LL_RUN(test_bootstrap);
	LL_RUN(test_bootstrap_sides);
	LL_RUN(test_bootstrap_cancel);
	LL_RUN(test_bad_inputs);
	LL_RUN(test_oom);
	return ll_test_done();
}
