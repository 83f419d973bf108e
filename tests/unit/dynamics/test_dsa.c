/*
 * test_dsa.c - Dynamical Similarity Analysis (src/dynamics/ll_dsa.h):
 * the analytic answers for 2-D rotations (angular, euclidean, eigenvalue
 * W2^2), DMD of a noiseless rotation, invariance under an orthogonal
 * change of coordinates, the reference's Q A Q^T test with det Q = -1,
 * the delay embedding, DMD's Gram route against the SVD, bad inputs; and
 * the paper's point (issue 13): damped vs undamped oscillator and line
 * vs point attractor told apart by DSA where Procrustes on the states is
 * not.
 */
#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "base/ll_common.h"
#include "base/ll_rng.h"
#include "dynamics/ll_dsa.h"
#include "similarity/ll_compare.h"
#include "ll_failalloc.h"
#include "ll_test.h"

static void rot(double t, double *R)
{
	R[0] = cos(t);
	R[1] = -sin(t);
	R[2] = sin(t);
	R[3] = cos(t);
}

/* angular min(|t1 - t2|, |t1 + t2|) over O(2), euclidean 2 sin(D/2) */
static void test_rotations(void)
{
	ll_err err = {0, ""};
	double A[4], B[4];
	static const double pairs[][2] = {{0.3, -0.3}, {0.3, 0.9}, {0.2, -0.5}, {1.0, 0.4}, {0.1, 2.0}};
	for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
		double t1 = pairs[p][0], t2 = pairs[p][1];
		rot(t1, A);
		rot(t2, B);
		ll_dsa_dist d;
		LL_REQUIRE_OK(ll_dsa_compare(A, B, 2, NULL, &d, NULL, &err), err);
		double D = fmin(fabs(t1 - t2), fabs(t1 + t2));
		LL_CHECK_NEAR(d.angular, D, 1e-3);
		LL_CHECK_NEAR(d.euclidean, 2 * sin(D / 2), 1e-3);
	}
	/* +-0.3: 0 over O(2), reached by the reflection component */
	rot(0.3, A);
	rot(-0.3, B);
	ll_dsa_dist d;
	LL_REQUIRE_OK(ll_dsa_compare(A, B, 2, NULL, &d, NULL, &err), err);
	LL_CHECK_NEAR(d.angular, 0, 1e-3);
	LL_CHECK_INT(d.det, -1);
	/* 0.3 vs 0.9: 0.6 and 0.59104 */
	rot(0.9, B);
	LL_REQUIRE_OK(ll_dsa_compare(A, B, 2, NULL, &d, NULL, &err), err);
	LL_CHECK_NEAR(d.angular, 0.6, 1e-3);
	LL_CHECK_NEAR(d.euclidean, 0.59104, 1e-4);
	/* the scale of an operator does not matter */
	double B3[4];
	for (int i = 0; i < 4; i++)
		B3[i] = 3 * B[i];
	ll_dsa_dist d3;
	LL_REQUIRE_OK(ll_dsa_compare(A, B3, 2, NULL, &d3, NULL, &err), err);
	LL_CHECK_NEAR(d3.angular, d.angular, 1e-9);
}

static void test_wasserstein(void)
{
	ll_err err = {0, ""};
	double ea[4] = {cos(0.3), sin(0.3), cos(0.3), -sin(0.3)};
	double eb[4] = {cos(0.9), sin(0.9), cos(0.9), -sin(0.9)};
	double w;
	LL_REQUIRE_OK(ll_dsa_wasserstein(ea, 2, eb, 2, &w, &err), err);
	LL_CHECK_NEAR(w, 2 - 2 * cos(0.6), 1e-12);
	LL_CHECK_NEAR(w, 0.349329, 1e-6);
	/* through the eigenvalues of the rotations */
	double A[4], B[4], xa[4], xb[4];
	rot(0.3, A);
	rot(0.9, B);
	LL_REQUIRE_OK(ll_dsa_eigs(A, 2, xa, &err), err);
	LL_REQUIRE_OK(ll_dsa_eigs(B, 2, xb, &err), err);
	LL_CHECK_NEAR(xa[1], sin(0.3), 1e-12); /* +imag first */
	LL_REQUIRE_OK(ll_dsa_wasserstein(xa, 2, xb, 2, &w, &err), err);
	LL_CHECK_NEAR(w, 0.349329, 1e-6);
	/* zero-padding: {1} vs {1, 0.5}: pad 0 matches 0.5 -> (0 + 0.25) / 2 */
	double one[2] = {1, 0}, two[4] = {1, 0, 0.5, 0};
	LL_REQUIRE_OK(ll_dsa_wasserstein(one, 1, two, 2, &w, &err), err);
	LL_CHECK_NEAR(w, 0.125, 1e-12);
	LL_REQUIRE_OK(ll_dsa_wasserstein(ea, 2, ea, 2, &w, &err), err);
	LL_CHECK_NEAR(w, 0, 1e-15);
	double bad[2] = {NAN, 0};
	LL_CHECK_INT(ll_dsa_wasserstein(bad, 1, ea, 2, &w, &err), LL_ENUMERIC);
}

/* trials x T x 2 of x_{t+1} = R(w) x_t from varied starts */
static void rotation_data(double w, size_t trials, size_t T, double *x)
{
	double R[4];
	rot(w, R);
	for (size_t b = 0; b < trials; b++) {
		double *p = x + b * T * 2;
		p[0] = cos(0.7 * (double)b) * (1 + 0.1 * (double)b);
		p[1] = sin(0.7 * (double)b) * (1 + 0.1 * (double)b);
		for (size_t t = 1; t < T; t++) {
			p[2 * t] = R[0] * p[2 * t - 2] + R[1] * p[2 * t - 1];
			p[2 * t + 1] = R[2] * p[2 * t - 2] + R[3] * p[2 * t - 1];
		}
	}
}

static void test_dmd_rotation(void)
{
	ll_err err = {0, ""};
	double x[3 * 50 * 2];
	rotation_data(0.25, 3, 50, x);
	ll_dsa_dmd m;
	LL_REQUIRE_OK(ll_dsa_dmd_fit(x, 3, 50, 2, NULL, &m, &err), err);
	LL_CHECK_INT(m.rank, 2);
	LL_CHECK_NEAR(m.eig[0], cos(0.25), 1e-6);
	LL_CHECK_NEAR(m.eig[1], sin(0.25), 1e-6);
	LL_CHECK_NEAR(m.eig[2], cos(0.25), 1e-6);
	LL_CHECK_NEAR(m.eig[3], -sin(0.25), 1e-6);
	ll_dsa_dmd_free(&m);
	/* with delays: still e^{+-iw} among the eigenvalues (rank 2 of 8 dims) */
	ll_dsa_dmd_opts o;
	ll_dsa_dmd_opts_default(&o);
	o.delays = 4;
	o.delay_interval = 2;
	o.rank = 2;
	LL_REQUIRE_OK(ll_dsa_dmd_fit(x, 3, 50, 2, &o, &m, &err), err);
	LL_CHECK_INT(m.embed_dim, 8);
	LL_CHECK_INT(m.rows, 3 * (50 - 6));
	LL_CHECK_NEAR(m.eig[0], cos(0.25), 1e-6);
	LL_CHECK_NEAR(fabs(m.eig[1]), sin(0.25), 1e-6);
	ll_dsa_dmd_free(&m);
	/* explained variance: the 2-D rotation needs both dimensions */
	o.rank = 0;
	o.explained_variance = 0.999;
	LL_REQUIRE_OK(ll_dsa_dmd_fit(x, 3, 50, 2, &o, &m, &err), err);
	LL_CHECK(m.rank >= 2 && m.rank <= 8);
	ll_dsa_dmd_free(&m);
}

/* The fit's basis comes from the Gram matrix H^T H when the embedding is
 * tall and the rank well-conditioned: its singular values and operator
 * eigenvalues must match the SVD of the embedding (the definition),
 * computed here directly, for several trials, delays at interval 2 and a
 * rank below full; and a rank-deficient embedding (a unit that is a sum of
 * two others, full rank) must still fit (the SVD fallback). */
static void test_dmd_gram(void)
{
	ll_err err = {0, ""};
	enum { TR = 3, T = 40, N = 4, D = 4, K = 2, R = 6 };
	enum { TP = T - (D - 1) * K, M = TR * TP, E = D * N };
	static double x[TR * T * N], H[M * E], U[M * E], VT[E * E], s[E];
	static double Vm[TR * (TP - 1) * R], Vp[TR * (TP - 1) * R];
	double G[R * R], X[R * R], A[R * R], eig[2 * R];
	ll_rng rng;
	ll_rng_init(&rng, 11);
	for (size_t b = 0; b < TR; b++) {
		double z[N] = {1, 0, 0.5, -0.5};
		for (size_t t = 0; t < T; t++) {
			double zn[N] = {0.9 * z[0] - 0.3 * z[1], 0.3 * z[0] + 0.9 * z[1], 0.8 * z[2], 0.6 * z[3] + 0.2 * z[2]};
			for (size_t u = 0; u < N; u++) {
				x[(b * T + t) * N + u] = z[u] + 0.1 * ll_rng_normal(&rng);
				z[u] = zn[u] + 0.05 * ll_rng_normal(&rng);
			}
		}
	}
	ll_dsa_dmd_opts o;
	ll_dsa_dmd_opts_default(&o);
	o.delays = D;
	o.delay_interval = K;
	o.rank = R;
	ll_dsa_dmd m;
	LL_REQUIRE_OK(ll_dsa_dmd_fit(x, TR, T, N, &o, &m, &err), err);
	/* the definition: SVD of H, regression on its left singular vectors */
	LL_REQUIRE_OK(ll_dsa_embed(x, TR, T, N, D, K, H, &err), err);
	LL_CHECK_INT(LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', M, E, H, E, s, U, E, VT, E), 0);
	for (size_t i = 0; i < E; i++)
		LL_CHECK_NEAR(m.sv[i], s[i], 1e-12 * s[0]);
	for (size_t b = 0, q = 0; b < TR; b++)
		for (size_t t = 0; t + 1 < TP; t++, q++)
			for (size_t c = 0; c < R; c++) {
				Vm[q * R + c] = U[(b * TP + t) * E + c];
				Vp[q * R + c] = U[(b * TP + t + 1) * E + c];
			}
	int P = TR * (TP - 1);
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, R, R, P, 1.0, Vm, R, Vm, R, 0.0, G, R);
	for (size_t i = 0; i < R; i++)
		G[i * R + i] += o.lambda;
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, R, R, P, 1.0, Vm, R, Vp, R, 0.0, X, R);
	LL_CHECK_INT(LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', R, R, G, R, X, R), 0);
	for (size_t i = 0; i < R; i++)
		for (size_t j = 0; j < R; j++)
			A[i * R + j] = X[j * R + i];
	LL_REQUIRE_OK(ll_dsa_eigs(A, R, eig, &err), err);
	for (size_t i = 0; i < 2 * R; i++)
		LL_CHECK_NEAR(m.eig[i], eig[i], 1e-10);
	/* the bases differ at most in their columns' signs (distinct singular
	 * values), so the operators in the entries' signs: A' = D A D */
	for (size_t i = 0; i < R * R; i++)
		LL_CHECK_NEAR(fabs(m.A[i]), fabs(A[i]), 1e-10);
	ll_dsa_dmd_free(&m);

	/* unit 3 = unit 0 + unit 1: H has a zero singular value at full rank */
	for (size_t q = 0; q < TR * T; q++)
		x[q * N + 3] = x[q * N + 0] + x[q * N + 1];
	o.delays = 1;
	o.rank = 0;
	LL_REQUIRE_OK(ll_dsa_dmd_fit(x, TR, T, N, &o, &m, &err), err);
	LL_CHECK_INT(m.rank, N);
	LL_CHECK(m.sv[N - 1] < 1e-12 * m.sv[0]);
	ll_dsa_dmd_free(&m);
}

static void test_embed(void)
{
	ll_err err = {0, ""};
	/* 2 trials x 5 time x 1 unit: x = 10 b + t */
	double x[10], H[2 * 3 * 2];
	for (int b = 0; b < 2; b++)
		for (int t = 0; t < 5; t++)
			x[b * 5 + t] = 10 * b + t;
	LL_REQUIRE_OK(ll_dsa_embed(x, 2, 5, 1, 2, 2, H, &err), err);
	/* rows t = 2, 3, 4: [x_t, x_{t-2}] */
	static const double want[] = {2, 0, 3, 1, 4, 2, 12, 10, 13, 11, 14, 12};
	for (int i = 0; i < 12; i++)
		LL_CHECK_NEAR(H[i], want[i], 0);
	LL_CHECK_INT(ll_dsa_embed_rows(5, 3, 2), 1);
	LL_CHECK_INT(ll_dsa_embed(x, 2, 5, 1, 3, 2, H, &err), LL_ESHAPE);
	LL_CHECK_CONTAINS(err.msg, "too few");
}

/* the system against itself, and against an orthogonally rotated copy
 * of its data (with a reflection): ~0 */
static void test_invariance(void)
{
	ll_err err = {0, ""};
	enum { TR = 4, T = 60, N = 3 };
	double x[TR * T * N], y[TR * T * N];
	/* a damped 3-D linear system: rotation in (0,1), decay in 2 */
	ll_rng rng;
	ll_rng_init(&rng, 7);
	for (size_t b = 0; b < TR; b++) {
		double *p = x + b * T * N;
		for (int i = 0; i < N; i++)
			p[i] = ll_rng_normal(&rng);
		for (size_t t = 1; t < T; t++) {
			double *q = p + t * N, *o = p + (t - 1) * N;
			q[0] = 0.98 * (cos(0.2) * o[0] - sin(0.2) * o[1]);
			q[1] = 0.98 * (sin(0.2) * o[0] + cos(0.2) * o[1]);
			q[2] = 0.9 * o[2] + 0.1 * o[0];
		}
	}
	/* y = x Q with Q a reflection composed with a rotation */
	double c = cos(1.1), s = sin(1.1);
	double Q[9] = {c, -s, 0, s, c, 0, 0, 0, -1};
	for (size_t r = 0; r < TR * T; r++)
		for (int j = 0; j < N; j++) {
			double v = 0;
			for (int k = 0; k < N; k++)
				v += x[r * N + k] * Q[k * N + j];
			y[r * N + j] = v;
		}
	ll_dsa_dmd_opts o;
	ll_dsa_dmd_opts_default(&o);
	o.delays = 3;
	o.rank = 3;
	ll_dsa_dmd mx, my;
	LL_REQUIRE_OK(ll_dsa_dmd_fit(x, TR, T, N, &o, &mx, &err), err);
	LL_REQUIRE_OK(ll_dsa_dmd_fit(y, TR, T, N, &o, &my, &err), err);
	ll_dsa_dist d;
	LL_REQUIRE_OK(ll_dsa_compare(mx.A, mx.A, mx.rank, NULL, &d, NULL, &err), err);
	LL_CHECK_NEAR(d.angular, 0, 1e-6);
	LL_CHECK_NEAR(d.euclidean, 0, 1e-6);
	LL_REQUIRE_OK(ll_dsa_compare(mx.A, my.A, mx.rank, NULL, &d, NULL, &err), err);
	LL_CHECK_NEAR(d.angular, 0, 1e-3);
	double w;
	LL_REQUIRE_OK(ll_dsa_wasserstein(mx.eig, mx.rank, my.eig, my.rank, &w, &err), err);
	LL_CHECK_NEAR(w, 0, 1e-8);
	ll_dsa_dmd_free(&mx);
	ll_dsa_dmd_free(&my);
}

/* the reference's test: random 10 x 10 A vs Q A Q^T, det Q = -1: < 0.02 */
static void test_repo_qaqt(void)
{
	ll_err err = {0, ""};
	enum { n = 10 };
	double A[n * n], Q[n * n], B[n * n], T1[n * n], C[n * n];
	ll_rng rng;
	ll_rng_init(&rng, 2023);
	for (int i = 0; i < n * n; i++)
		A[i] = ll_rng_normal(&rng);
	/* Q: Gram-Schmidt of a Gaussian, then one column negated if needed */
	for (int i = 0; i < n * n; i++)
		Q[i] = ll_rng_normal(&rng);
	for (int j = 0; j < n; j++) {
		for (int k = 0; k < j; k++) {
			double dot = 0;
			for (int i = 0; i < n; i++)
				dot += Q[i * n + j] * Q[i * n + k];
			for (int i = 0; i < n; i++)
				Q[i * n + j] -= dot * Q[i * n + k];
		}
		double nr = 0;
		for (int i = 0; i < n; i++)
			nr += Q[i * n + j] * Q[i * n + j];
		for (int i = 0; i < n; i++)
			Q[i * n + j] /= sqrt(nr);
	}
	/* det by elimination on a copy */
	double M[n * n], det = 1;
	memcpy(M, Q, sizeof M);
	for (int k = 0; k < n; k++) {
		int piv = k;
		for (int i = k + 1; i < n; i++)
			if (fabs(M[i * n + k]) > fabs(M[piv * n + k]))
				piv = i;
		if (piv != k) {
			for (int j = 0; j < n; j++) {
				double t = M[k * n + j];
				M[k * n + j] = M[piv * n + j];
				M[piv * n + j] = t;
			}
			det = -det;
		}
		det *= M[k * n + k];
		for (int i = k + 1; i < n; i++) {
			double f = M[i * n + k] / M[k * n + k];
			for (int j = k; j < n; j++)
				M[i * n + j] -= f * M[k * n + j];
		}
	}
	if (det > 0)
		for (int i = 0; i < n; i++)
			Q[i * n] = -Q[i * n];
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double v = 0;
			for (int k = 0; k < n; k++)
				v += Q[i * n + k] * A[k * n + j];
			T1[i * n + j] = v;
		}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double v = 0;
			for (int k = 0; k < n; k++)
				v += T1[i * n + k] * Q[j * n + k];
			B[i * n + j] = v;
		}
	ll_dsa_dist d;
	LL_REQUIRE_OK(ll_dsa_compare(A, B, n, NULL, &d, C, &err), err);
	printf("# Q A Q^T: angular %.3g, euclidean %.3g, det %d, %zu iterations (%zu in all)\n", d.angular,
	       d.euclidean, d.det, d.iterations, d.total_iterations);
	LL_CHECK(d.angular < 0.02);
	LL_CHECK_INT(d.det, -1);
	/* C is orthogonal */
	double err_o = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double v = 0;
			for (int k = 0; k < n; k++)
				v += C[k * n + i] * C[k * n + j];
			err_o = fmax(err_o, fabs(v - (i == j)));
		}
	LL_CHECK(err_o < 1e-10);
	/* same seed, same answer */
	ll_dsa_dist d2;
	LL_REQUIRE_OK(ll_dsa_compare(A, B, n, NULL, &d2, NULL, &err), err);
	LL_CHECK(d2.angular == d.angular && d2.iterations == d.iterations);
	/* with a little noise on B the spectral start is not exact and the
	 * descent must finish the job: still well under 0.02 */
	for (int i = 0; i < n * n; i++)
		B[i] += 1e-3 * ll_rng_normal(&rng);
	LL_REQUIRE_OK(ll_dsa_compare(A, B, n, NULL, &d, NULL, &err), err);
	printf("# Q A Q^T + noise 1e-3: angular %.3g, det %d, %zu iterations\n", d.angular, d.det, d.iterations);
	LL_CHECK(d.angular < 0.02);
	LL_CHECK(d.iterations > 0);
}

static void test_bad_inputs(void)
{
	ll_err err = {0, ""};
	double x[20 * 2];
	rotation_data(0.3, 1, 20, x);
	ll_dsa_dmd m;
	ll_dsa_dmd_opts o;
	ll_dsa_dmd_opts_default(&o);
	o.delays = 10;
	o.delay_interval = 3;
	LL_CHECK_INT(ll_dsa_dmd_fit(x, 1, 20, 2, &o, &m, &err), LL_ESHAPE);
	LL_CHECK_CONTAINS(err.msg, "too few");
	LL_CHECK(m.A == NULL);
	ll_dsa_dmd_opts_default(&o);
	o.rank = 3;
	LL_CHECK_INT(ll_dsa_dmd_fit(x, 1, 20, 2, &o, &m, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "rank 3");
	o.rank = 0;
	o.delays = 0;
	LL_CHECK_INT(ll_dsa_dmd_fit(x, 1, 20, 2, &o, &m, &err), LL_EINVAL);
	ll_dsa_dmd_opts_default(&o);
	x[7] = NAN;
	LL_CHECK_INT(ll_dsa_dmd_fit(x, 1, 20, 2, &o, &m, &err), LL_ENUMERIC);
	LL_CHECK(strchr(err.msg, '\n') == NULL);
	x[7] = INFINITY;
	LL_CHECK_INT(ll_dsa_dmd_fit(x, 1, 20, 2, &o, &m, &err), LL_ENUMERIC);
	LL_CHECK_INT(ll_dsa_dmd_fit(x, 0, 20, 2, &o, &m, &err), LL_ESHAPE);
	/* all zero: the singular directions are arbitrary, so no operator */
	memset(x, 0, sizeof x);
	LL_CHECK_INT(ll_dsa_dmd_fit(x, 1, 20, 2, &o, &m, &err), LL_ENUMERIC);
	LL_CHECK_CONTAINS(err.msg, "all zero");
	LL_CHECK(m.A == NULL);
	double A[4] = {1, 0, 0, 1}, Z[4] = {0, 0, 0, 0}, Nn[4] = {1, NAN, 0, 1};
	ll_dsa_dist d;
	LL_CHECK_INT(ll_dsa_compare(A, Z, 2, NULL, &d, NULL, &err), LL_EINVAL);
	LL_CHECK_INT(ll_dsa_compare(A, Nn, 2, NULL, &d, NULL, &err), LL_ENUMERIC);
	LL_CHECK_INT(ll_dsa_compare(A, A, 0, NULL, &d, NULL, &err), LL_EINVAL);
	double big[4] = {DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX};
	LL_CHECK_INT(ll_dsa_compare(A, big, 2, NULL, &d, NULL, &err), LL_EINVAL);
	/* 1 x 1 operators: both components give the same, distance by sign */
	double a1 = 0.5, b1 = -0.5;
	LL_REQUIRE_OK(ll_dsa_compare(&a1, &b1, 1, NULL, &d, NULL, &err), err);
	LL_CHECK_NEAR(d.angular, M_PI, 1e-12);
}

/* all pairs: R(0.3), R(0.9), R(-0.3): 0.6, 0 and 0.6, the same at 1 and 2 threads */
static void test_all_pairs(void)
{
	ll_err err = {0, ""};
	static const double th[3] = {0.3, 0.9, -0.3};
	double A[3][4], E[3][4];
	ll_dsa_dmd m[3];
	memset(m, 0, sizeof m);
	for (int a = 0; a < 3; a++) {
		rot(th[a], A[a]);
		LL_REQUIRE_OK(ll_dsa_eigs(A[a], 2, E[a], &err), err);
		m[a].rank = 2;
		m[a].A = A[a];
		m[a].eig = E[a];
	}
	double D1[9], W1[9], D2[9], W2[9];
	LL_REQUIRE_OK(ll_dsa_all(m, 3, NULL, 1, D1, W1, &err), err);
	LL_REQUIRE_OK(ll_dsa_all(m, 3, NULL, 2, D2, W2, &err), err);
	static const double want[9] = {0, 0.6, 0, 0.6, 0, 0.6, 0, 0.6, 0};
	for (int i = 0; i < 9; i++) {
		LL_CHECK_NEAR(D1[i], want[i], 1e-3);
		LL_CHECK(D1[i] == D2[i] && W1[i] == W2[i]);
	}
	LL_CHECK_NEAR(W1[1], 0.349329, 1e-6);
	LL_CHECK_NEAR(W1[2], 0, 1e-15);
	m[2].rank = 1;
	LL_CHECK_INT(ll_dsa_all(m, 3, NULL, 1, D1, W1, &err), LL_ESHAPE);
	LL_CHECK_CONTAINS(err.msg, "system 2 has rank 1");
	LL_CHECK_INT(ll_dsa_all(m, 1, NULL, 1, D1, W1, &err), LL_EINVAL);
}

/* ---- the paper's point: dynamics told apart where geometry is not -----------
 *
 * Why the systems look like this.  Procrustes compares the states row by
 * row (trial b, time t of one system against trial b, time t of the
 * other).  For two noiseless autonomous linear systems, states that match
 * row by row up to a rotation force the same operator on the span they
 * visit, so no such pair can differ in dynamics and not in geometry.  The
 * difference has to live in how fluctuations evolve: the residual
 * dynamics of Galgali et al. (2023) that the paper's Fig. 3 uses, where
 * the condition averages are matched and single trials differ.  Here each
 * system is x_{t+1} = A x_t + sigma eps (eps ~ N(0, I), seeded), and
 *   - a task mode, the last unit, decays at 0.95 in both systems; condition
 *     c (4 of them, 40 trials each, 30 steps) starts at s_c in {-1, -1/3,
 *     1/3, 1} on it and 0 elsewhere, so the condition averages are the
 *     same in both;
 *   - the other units start at 0 and are driven by the noise only; their
 *     dynamics are what differ:
 *       oscillators (3 units): R(0.5) (undamped, |lambda| = 1) vs 0.5 R(0.5)
 *       attractors (2 units): 1 (a line of fixed points) vs 0.2 (a point)
 * With sigma = 0.005 the states are the task mode plus a thin noise cloud:
 * Procrustes weighs directions by their variance and sees the shared
 * task mode, so two systems are no further apart than two runs of one.
 * DMD's least-squares operator does not depend on how much variance a
 * mode carries (rescaling a coordinate is a similarity of the operator,
 * and here the modes lie along the principal axes, so the fit is the
 * system's own A up to sampling error): DSA weighs the noise-driven modes
 * as fully as the task mode.  Truncate the rank below them (rank 1 for
 * the attractors) and DSA is blind too.  The analytic distances of the
 * operators themselves: blockdiag(R, 0.95) vs blockdiag(0.5 R, 0.95),
 * arccos(1.9025 / (sqrt(2.9025) sqrt(1.4025))) = 0.3396;
 * diag(1, 0.95) vs diag(0.95, 0.2) (C pairs 1 with 0.95 and 0.95 with
 * 0.2), arccos(1.14 / (sqrt(1.9025) sqrt(0.9425))) = 0.5522.
 *
 * Measured on the states flattened to (160 trials x 30 steps) x units
 * (shape angular: ll_compare's angular shape metric at alpha 1, radians;
 * procrustes: its Procrustes distance, in the data's units; S' is S with
 * another seed; the test prints these as "#" lines):
 *                           dsa     shape angular  procrustes
 *   undamped vs undamped'   0.0047  0.0976         2.878
 *   damped vs damped'       0.0043  0.0526         1.556
 *   undamped vs damped      0.3403  0.0783         2.312
 *   undamped' vs damped'    0.3426  0.0803         2.373
 *   line vs line'           0.0030  0.0718         2.124
 *   point vs point'         0.0122  0.0452         1.332
 *   line vs point           0.5446  0.0602         1.782
 *   line' vs point'         0.5587  0.0597         1.764
 * DSA between the systems is 70 (oscillators) and 45 (attractors) times
 * its same-system value, and 4 and 9 times the shape distance; the shape
 * distance between the systems is smaller than between two runs of the
 * undamped oscillator or of the line attractor (whose noise-driven mode
 * wanders furthest).  The margins asserted below are looser (k = 4 and
 * 10, thresholds 0.25 and 0.4 rad). */
enum { SEP_C = 4, SEP_TR = 40, SEP_T = 30, SEP_NMAX = 3 };

static void noisy_linear(const double *A, size_t N, double sigma, uint64_t seed, double *x)
{
	ll_rng rng;
	ll_rng_init(&rng, seed);
	for (size_t c = 0; c < SEP_C; c++)
		for (size_t b = 0; b < SEP_TR; b++) {
			double *p = x + (c * SEP_TR + b) * SEP_T * N;
			for (size_t i = 0; i < N; i++)
				p[i] = 0;
			p[N - 1] = -1 + 2.0 * (double)c / (SEP_C - 1);
			for (size_t t = 1; t < SEP_T; t++)
				for (size_t i = 0; i < N; i++) {
					double v = 0;
					for (size_t k = 0; k < N; k++)
						v += A[i * N + k] * p[(t - 1) * N + k];
					p[t * N + i] = v + sigma * ll_rng_normal(&rng);
				}
		}
}

/* DSA (angular), the angular shape metric and Procrustes on the states for
 * S1 vs S1', S2 vs S2', S1 vs S2, S1' vs S2' (S1, S1' of A1 with seeds
 * seed, seed + 1; S2, S2' of A2 with seed + 2, seed + 3); full rank, no
 * delays (the systems are linear and fully observed). */
typedef struct sep {
	double dsa[4], shape[4], procrustes[4];
} sep;

static int separation(const double *A1, const double *A2, size_t N, uint64_t seed, sep *out, ll_err *err)
{
	enum { ROWS = SEP_C * SEP_TR * SEP_T };
	static double x[4][ROWS * SEP_NMAX];
	const double *A[4] = {A1, A1, A2, A2};
	ll_dsa_dmd m[4];
	memset(m, 0, sizeof m);
	int rc = LL_OK;
	for (int i = 0; i < 4 && rc == LL_OK; i++) {
		noisy_linear(A[i], N, 0.005, seed + (uint64_t)i, x[i]);
		rc = ll_dsa_dmd_fit(x[i], SEP_C * SEP_TR, SEP_T, N, NULL, &m[i], err);
	}
	static const int pr[4][2] = {{0, 1}, {2, 3}, {0, 2}, {1, 3}};
	ll_compare_opts co;
	ll_compare_opts_default(&co);
	for (int k = 0; k < 4 && rc == LL_OK; k++) {
		const int a = pr[k][0], b = pr[k][1];
		ll_dsa_dist d;
		ll_compare_result res;
		if (m[a].rank != m[b].rank)
			rc = ll_err_set(err, LL_ESHAPE, "ranks %zu and %zu differ", m[a].rank, m[b].rank);
		else
			rc = ll_dsa_compare(m[a].A, m[b].A, m[a].rank, NULL, &d, NULL, err);
		if (rc == LL_OK)
			rc = ll_compare_pair(x[a], ROWS, N, x[b], ROWS, N,
					     LL_METRIC_BIT(LL_M_ANGULAR) | LL_METRIC_BIT(LL_M_PROCRUSTES), &co, &res,
					     NULL, NULL, err);
		if (rc == LL_OK) {
			out->dsa[k] = d.angular;
			out->shape[k] = res.v[LL_M_ANGULAR].value;
			out->procrustes[k] = res.v[LL_M_PROCRUSTES].value;
		}
	}
	for (int i = 0; i < 4; i++)
		ll_dsa_dmd_free(&m[i]);
	return rc;
}

static void sep_print(const char *n1, const char *n2, const sep *s)
{
	char a[4][64];
	snprintf(a[0], sizeof a[0], "%s vs %s'", n1, n1);
	snprintf(a[1], sizeof a[1], "%s vs %s'", n2, n2);
	snprintf(a[2], sizeof a[2], "%s vs %s", n1, n2);
	snprintf(a[3], sizeof a[3], "%s' vs %s'", n1, n2);
	for (int k = 0; k < 4; k++)
		printf("# %-24s dsa %.4f  shape angular %.4f  procrustes %.3f\n", a[k], s->dsa[k], s->shape[k],
		       s->procrustes[k]);
}

/* told apart: DSA between the systems above min_dsa and k times its
 * largest same-system value (the control), and at least twice the shape
 * distance between them; Procrustes not: the shape distance between the
 * systems within 1.25 times its largest same-system value */
static int dsa_tells(const sep *s, double min_dsa, double k)
{
	double same = fmax(s->dsa[0], s->dsa[1]), between = fmin(s->dsa[2], s->dsa[3]);
	double sh_between = fmax(s->shape[2], s->shape[3]);
	return between > min_dsa && between > k * same && between > 2 * sh_between;
}

static int shape_blind(const sep *s)
{
	return fmax(s->shape[2], s->shape[3]) <= 1.25 * fmax(s->shape[0], s->shape[1]);
}

static void test_dynamics_not_geometry(void)
{
	ll_err err = {0, ""};
	sep s;
	/* damped vs undamped oscillator (3 units: the plane, then the task mode) */
	const double w = 0.5, c = cos(w), sn = sin(w);
	const double U[9] = {c, -sn, 0, sn, c, 0, 0, 0, 0.95};
	const double D[9] = {0.5 * c, -0.5 * sn, 0, 0.5 * sn, 0.5 * c, 0, 0, 0, 0.95};
	LL_REQUIRE_OK(separation(U, D, 3, 1, &s, &err), err);
	sep_print("undamped", "damped", &s);
	LL_CHECK(fmax(s.dsa[0], s.dsa[1]) < 0.05);        /* control: one system, two seeds */
	LL_CHECK(dsa_tells(&s, 0.25, 4));
	LL_CHECK(shape_blind(&s));
	LL_CHECK(fmax(s.shape[2], s.shape[3]) < 0.15);    /* the states nearly coincide */
	LL_CHECK_NEAR(s.dsa[2], 0.3396, 0.05);             /* the operators' own distance */
	/* line vs point attractor (2 units: the attractor axis, then the task mode) */
	const double L[4] = {1, 0, 0, 0.95}, P[4] = {0.2, 0, 0, 0.95};
	LL_REQUIRE_OK(separation(L, P, 2, 11, &s, &err), err);
	sep_print("line", "point", &s);
	LL_CHECK(fmax(s.dsa[0], s.dsa[1]) < 0.05);
	LL_CHECK(dsa_tells(&s, 0.4, 10));
	LL_CHECK(shape_blind(&s));
	LL_CHECK(fmax(s.shape[2], s.shape[3]) < 0.15);
	LL_CHECK_NEAR(s.dsa[2], 0.5522, 0.05);
	/* the criterion can fail: the same dynamics twice (the undamped
	 * oscillator against itself, four seeds) is not told apart */
	LL_REQUIRE_OK(separation(U, U, 3, 21, &s, &err), err);
	sep_print("undamped", "undamped2", &s);
	LL_CHECK(!dsa_tells(&s, 0.25, 4));
	LL_CHECK(fmax(s.dsa[2], s.dsa[3]) < 0.05);
}

/* out of memory anywhere: LL_ENOMEM, nothing leaked */
typedef struct oom_ctx {
	double x[2 * 40 * 2];
	ll_err err;
} oom_ctx;

static int oom_run(void *ud)
{
	oom_ctx *c = ud;
	ll_dsa_dmd_opts o;
	ll_dsa_dmd_opts_default(&o);
	o.delays = 2;
	ll_dsa_dmd m[2];
	memset(m, 0, sizeof m);
	int rc = ll_dsa_dmd_fit(c->x, 2, 40, 2, &o, &m[0], &c->err);
	if (rc == LL_OK)
		rc = ll_dsa_dmd_fit(c->x, 1, 40, 2, &o, &m[1], &c->err);
	ll_dsa_dist d;
	double w, D[4], W[4];
	if (rc == LL_OK)
		rc = ll_dsa_compare(m[0].A, m[1].A, m[0].rank, NULL, &d, NULL, &c->err);
	if (rc == LL_OK)
		rc = ll_dsa_wasserstein(m[0].eig, m[0].rank, m[1].eig, m[1].rank, &w, &c->err);
	if (rc == LL_OK)
		rc = ll_dsa_all(m, 2, NULL, 1, D, W, &c->err);
	ll_dsa_dmd_free(&m[0]);
	ll_dsa_dmd_free(&m[1]);
	return rc;
}

static const char *oom_message(void *ud)
{
	return ((oom_ctx *)ud)->err.msg;
}

static void test_oom(void)
{
	static oom_ctx c;
	rotation_data(0.4, 2, 40, c.x);
	ll_failalloc_sweep sw = {.name = "dsa", .run = oom_run, .message = oom_message, .ud = &c};
	LL_CHECK(ll_failalloc_sweep_run(&sw) == 0);
	LL_CHECK(sw.n > 10);
}

int main(void)
{
	LL_RUN(test_rotations);
	LL_RUN(test_wasserstein);
	LL_RUN(test_embed);
	LL_RUN(test_dmd_gram);
	LL_RUN(test_dmd_rotation);
	LL_RUN(test_invariance);
	LL_RUN(test_repo_qaqt);
	LL_RUN(test_bad_inputs);
	LL_RUN(test_all_pairs);
	LL_RUN(test_dynamics_not_geometry);
	LL_RUN(test_oom);
	return ll_test_done();
}
