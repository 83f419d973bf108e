/* PCA and trajectory sets: known singular values, planted geometry,
 * identical models, condition means, TCA-factor paths, every error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/ll_linalg.h"
#include "base/ll_rng.h"
#include "ll_test.h"
#include "pca/ll_pca.h"
#include "pca/ll_traj.h"

/* m x k (row-major) with orthonormal columns, each orthogonal to the
 * all-ones vector when centred != 0 (so centring leaves U S V^T alone). */
static void rand_orth(ll_rng *g, double *Q, size_t m, size_t k, int centred)
{
	for (size_t i = 0; i < m * k; i++)
		Q[i] = ll_rng_normal(g);
	if (centred)
		for (size_t c = 0; c < k; c++) {
			double mu = 0.0;
			for (size_t i = 0; i < m; i++)
				mu += Q[i * k + c];
			mu /= (double)m;
			for (size_t i = 0; i < m; i++)
				Q[i * k + c] -= mu;
		}
	ll_err e;
	int rc = ll_linalg_orth(Q, m, k, &e);
	LL_CHECK_INT(rc, LL_OK);
}

/* X = U diag(S) V^T + offset, U n x r centred, V d x r. */
static void planted_matrix(ll_rng *g, size_t n, size_t d, size_t r, const double *S, double *X,
			   double *U, double *V)
{
	rand_orth(g, U, n, r, 1);
	rand_orth(g, V, d, r, 0);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			double acc = 3.0 + 0.5 * (double)j; /* column offsets */
			for (size_t c = 0; c < r; c++)
				acc += U[i * r + c] * S[c] * V[j * r + c];
			X[i * d + j] = acc;
		}
}

static void test_pca_known_singular_values(void)
{
	enum { n = 40, d = 12 };
	const double S[d] = {10, 7, 5, 3, 2, 1, 0.5, 0.25, 0.2, 0.1, 0.05, 0.01};
	double X[n * d], U[n * d], V[d * d], ss = 0.0;
	ll_rng g;
	ll_pca p;
	ll_err e;

	ll_rng_init(&g, 11);
	planted_matrix(&g, n, d, d, S, X, U, V);
	for (size_t c = 0; c < d; c++)
		ss += S[c] * S[c];
	LL_CHECK_INT(ll_pca_fit(&p, X, n, d, 5, &e), LL_OK);
	LL_CHECK_INT(p.k_valid, 5);
	LL_CHECK_NEAR(p.total_ss, ss, 1e-10 * ss);
	LL_CHECK_NEAR(p.total_var, ss / (n - 1), 1e-10 * ss);
	double sumexp = 0.0;
	for (size_t c = 0; c < 5; c++) {
		LL_CHECK_NEAR(p.sv[c], S[c], 1e-12 * S[0]);
		LL_CHECK_NEAR(p.explained[c], S[c] * S[c] / ss, 1e-13);
		sumexp += p.explained[c];
		/* loading = +-V[:, c], largest-|.| entry positive */
		double dot = 0.0, best = 0.0;
		for (size_t j = 0; j < d; j++) {
			dot += p.comp[c * d + j] * V[j * d + c];
			if (fabs(p.comp[c * d + j]) > fabs(best))
				best = p.comp[c * d + j];
		}
		LL_CHECK_NEAR(fabs(dot), 1.0, 1e-12);
		LL_CHECK(best > 0.0);
		/* scores = U[:, c] S[c] with the same sign */
		double sgn = dot > 0 ? 1.0 : -1.0;
		for (size_t i = 0; i < n; i++)
			LL_CHECK_NEAR(p.scores[i * 5 + c], sgn * U[i * d + c] * S[c], 1e-11);
	}
	LL_CHECK(sumexp <= 1.0);
	for (size_t j = 0; j < d; j++)
		LL_CHECK_NEAR(p.mean[j], 3.0 + 0.5 * (double)j, 1e-12);
	LL_CHECK_INT(p.used_fallback, 0);
	ll_pca_free(&p);

	/* all components: ratios sum to 1; more than min(n, d) asked -> padded */
	LL_CHECK_INT(ll_pca_fit(&p, X, n, d, d + 3, &e), LL_OK);
	LL_CHECK_INT(p.k_valid, d);
	sumexp = 0.0;
	for (size_t c = 0; c < d; c++)
		sumexp += p.explained[c];
	LL_CHECK_NEAR(sumexp, 1.0, 1e-13);
	for (size_t c = d; c < d + 3; c++) {
		LL_CHECK(p.sv[c] == 0.0 && p.explained[c] == 0.0);
		for (size_t j = 0; j < d; j++)
			LL_CHECK(p.comp[c * d + j] == 0.0);
		for (size_t i = 0; i < n; i++)
			LL_CHECK(p.scores[i * (d + 3) + c] == 0.0);
	}
	ll_pca_free(&p);
}

static void test_pca_rank_deficient_pads(void)
{
	/* 6 samples in 5 features spanning a 2-D affine plane */
	enum { n = 6, d = 5 };
	const double S[2] = {4, 1};
	double X[n * d], U[n * 2], V[d * 2];
	ll_rng g;
	ll_pca p;

	ll_rng_init(&g, 5);
	planted_matrix(&g, n, d, 2, S, X, U, V);
	LL_CHECK_INT(ll_pca_fit(&p, X, n, d, 3, NULL), LL_OK);
	LL_CHECK_INT(p.k_valid, 2);
	LL_CHECK_NEAR(p.sv[0], 4.0, 1e-12);
	LL_CHECK_NEAR(p.sv[1], 1.0, 1e-12);
	LL_CHECK(p.sv[2] == 0.0 && p.explained[2] == 0.0);
	for (size_t i = 0; i < n; i++)
		LL_CHECK(p.scores[i * 3 + 2] == 0.0);
	LL_CHECK_NEAR(p.explained[0] + p.explained[1], 1.0, 1e-12);
	ll_pca_free(&p);

	/* constant data: nothing to explain, every component padded */
	double C[4 * 2] = {1, 2, 1, 2, 1, 2, 1, 2};
	LL_CHECK_INT(ll_pca_fit(&p, C, 4, 2, 3, NULL), LL_OK);
	LL_CHECK_INT(p.k_valid, 0);
	LL_CHECK(p.total_ss == 0.0 && p.explained[0] == 0.0);
	ll_pca_free(&p);
}

static void test_pca_errors(void)
{
	double X[6] = {1, 2, 3, 4, 5, 6};
	ll_pca p;
	ll_err e;

	LL_CHECK_INT(ll_pca_fit(&p, X, 1, 6, 3, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "at least 2 samples, got 1");
	LL_CHECK(p.comp == NULL);
	LL_CHECK_INT(ll_pca_fit(&p, X, 0, 6, 3, &e), LL_ESHAPE);
	LL_CHECK_INT(ll_pca_fit(&p, X, 6, 0, 3, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "at least 1 feature");
	LL_CHECK_INT(ll_pca_fit(&p, X, 3, 2, 0, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "0 components");
	LL_CHECK_INT(ll_pca_fit(&p, NULL, 3, 2, 1, &e), LL_EINVAL);
	X[3] = NAN;
	LL_CHECK_INT(ll_pca_fit(&p, X, 3, 2, 2, &e), LL_ENUMERIC);
	LL_CHECK_CONTAINS(e.msg, "entry [1, 1] is NaN");
	X[3] = INFINITY;
	LL_CHECK_INT(ll_pca_fit(&p, X, 3, 2, 2, &e), LL_ENUMERIC);
	LL_CHECK_CONTAINS(e.msg, "infinite");
	ll_pca_free(&p); /* no-op on the cleared struct */
}

/* models x digits x units x snapshots, smooth random paths */
static int mnist_like(ll_tensor *X, size_t M, size_t D, size_t Un, size_t T, uint64_t seed)
{
	size_t dim[4] = {M, D, Un, T};
	ll_rng g;
	if (ll_tensor_init(X, 4, dim, NULL) != LL_OK)
		return 0;
	ll_rng_init(&g, seed);
	for (size_t m = 0; m < M; m++)
		for (size_t a = 0; a < D * Un; a++) {
			double start = ll_rng_normal(&g), drift = ll_rng_normal(&g), w = ll_rng_uniform(&g);
			for (size_t t = 0; t < T; t++)
				X->data[(m * D * Un + a) * T + t] =
					start + drift * sqrt((double)t) + 0.3 * sin(w * (double)t);
		}
	return 1;
}

static void test_traj_identical_models_coincide(void)
{
	enum { M = 5, D = 10, Un = 8, T = 12 };
	ll_tensor X;
	ll_traj_set ts;
	ll_err e;

	LL_CHECK(mnist_like(&X, M, D, Un, T, 3));
	/* model 3 is model 1 again */
	memcpy(X.data + 3 * D * Un * T, X.data + 1 * D * Un * T, D * Un * T * sizeof(double));
	LL_CHECK_INT(ll_traj_from_tensor_snapshots(&X, 0, 3, "model", &ts, &e), LL_OK);
	LL_CHECK_INT(ts.n_paths, M);
	LL_CHECK_INT(ts.n_points, T);
	LL_CHECK_INT(ts.n_axes, 3);
	LL_CHECK_STR(ts.labels[3], "model 3");
	LL_CHECK_STR(ts.axis_name[0], "PC1");
	LL_CHECK_STR(ts.source, "pca");
	LL_CHECK(memcmp(ts.xyz + 1 * T * 3, ts.xyz + 3 * T * 3, T * 3 * sizeof(double)) == 0);
	/* and the paths are not trivially equal */
	LL_CHECK(memcmp(ts.xyz, ts.xyz + 1 * T * 3, T * 3 * sizeof(double)) != 0);

	/* the same as a PCA of the states built by hand: row (m, t) holds
	 * the digits*units vector of model m at snapshot t */
	double *S = malloc(M * T * D * Un * sizeof(double));
	for (size_t m = 0; m < M; m++)
		for (size_t t = 0; t < T; t++)
			for (size_t a = 0; a < D * Un; a++)
				S[(m * T + t) * D * Un + a] = X.data[(m * D * Un + a) * T + t];
	ll_pca p;
	LL_CHECK_INT(ll_pca_fit(&p, S, M * T, D * Un, 3, &e), LL_OK);
	for (size_t r = 0; r < M * T; r++)
		for (size_t a = 0; a < 3; a++)
			LL_CHECK(ts.xyz[r * 3 + a] == p.scores[r * 3 + a]);
	for (size_t a = 0; a < 3; a++)
		LL_CHECK(ts.explained[a] == p.explained[a]);
	ll_pca_free(&p);
	free(S);
	ll_traj_set_free(&ts);

	/* path and time may be any two modes: snapshots as paths, models as time */
	LL_CHECK_INT(ll_traj_from_tensor_snapshots(&X, 3, 0, NULL, &ts, &e), LL_OK);
	LL_CHECK_INT(ts.n_paths, T);
	LL_CHECK_INT(ts.n_points, M);
	LL_CHECK_STR(ts.labels[0], "path 0");
	/* time points 1 and 3 of every path coincide now */
	for (size_t q = 0; q < T; q++)
		LL_CHECK(memcmp(ts.xyz + (q * M + 1) * 3, ts.xyz + (q * M + 3) * 3, 3 * sizeof(double)) == 0);
	ll_traj_set_free(&ts);
	ll_tensor_free(&X);
}

static double dist3(const double *a, const double *b)
{
	return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
		    (a[2] - b[2]) * (a[2] - b[2]));
}

static void test_traj_planted_3d_recovered(void)
{
	/* 4 paths x 15 points of a 3-D curve family, embedded in 50 dims by an
	 * orthonormal map plus an offset: PCA must give the same geometry */
	enum { P = 4, T = 15, F = 50 };
	double Y[P * T * 3], Q[F * 3];
	size_t dim[3] = {P, T, F};
	ll_tensor X;
	ll_traj_set ts;
	ll_rng g;

	ll_rng_init(&g, 21);
	for (size_t p = 0; p < P; p++)
		for (size_t t = 0; t < T; t++) {
			double s = (double)t / (T - 1);
			double *y = Y + (p * T + t) * 3;
			y[0] = 4.0 * s + 0.5 * (double)p;      /* a line per path ... */
			y[1] = 2.0 * s * (double)(p + 1) - 1.0; /* ... with its own slope */
			y[2] = 0.7 * (double)p * s * s;
		}
	rand_orth(&g, Q, F, 3, 0);
	LL_CHECK_INT(ll_tensor_init(&X, 3, dim, NULL), LL_OK);
	for (size_t r = 0; r < P * T; r++)
		for (size_t f = 0; f < F; f++)
			X.data[r * F + f] = 10.0 - 0.1 * (double)f + Y[r * 3] * Q[f * 3] +
					    Y[r * 3 + 1] * Q[f * 3 + 1] + Y[r * 3 + 2] * Q[f * 3 + 2];
	LL_CHECK_INT(ll_traj_from_tensor_snapshots(&X, 0, 1, "path", &ts, NULL), LL_OK);
	LL_CHECK_INT(ts.n_axes, 3);
	LL_CHECK_NEAR(ts.explained[0] + ts.explained[1] + ts.explained[2], 1.0, 1e-12);
	double worst = 0.0;
	for (size_t a = 0; a < P * T; a++)
		for (size_t b = a + 1; b < P * T; b++) {
			double d0 = dist3(Y + a * 3, Y + b * 3), d1 = dist3(ts.xyz + a * 3, ts.xyz + b * 3);
			if (fabs(d0 - d1) > worst)
				worst = fabs(d0 - d1);
		}
	LL_CHECK_MSG(worst <= 1e-9, "largest distance error %g", worst);
	printf("# planted 3-D paths in 50 dims: largest pairwise-distance error %.2g\n", worst);
	ll_traj_set_free(&ts);
	ll_tensor_free(&X);
}

static void test_traj_padding_two_features(void)
{
	/* path x time x 2 features: only 2 axes exist */
	size_t dim[3] = {3, 6, 2};
	ll_tensor X;
	ll_traj_set ts;
	ll_rng g;

	ll_rng_init(&g, 2);
	LL_CHECK_INT(ll_tensor_init(&X, 3, dim, NULL), LL_OK);
	for (size_t i = 0; i < X.size; i++)
		X.data[i] = ll_rng_normal(&g);
	LL_CHECK_INT(ll_traj_from_tensor_snapshots(&X, 0, 1, NULL, &ts, NULL), LL_OK);
	LL_CHECK_INT(ts.n_axes, 2);
	LL_CHECK(ts.explained[2] == 0.0);
	LL_CHECK_NEAR(ts.explained[0] + ts.explained[1], 1.0, 1e-12);
	LL_CHECK_STR(ts.axis_name[2], "-");
	for (size_t r = 0; r < 3 * 6; r++)
		LL_CHECK(ts.xyz[r * 3 + 2] == 0.0);
	ll_traj_set_free(&ts);
	ll_tensor_free(&X);
}

static void test_traj_condition_means(void)
{
	/* neurons x time x trials; trials of condition 7 and 3 alternate, and
	 * within a condition trial pairs deviate by +-e, so the condition mean
	 * is known exactly */
	enum { N = 9, T = 8, K = 12 };
	size_t dim[3] = {N, T, K};
	int labels[K];
	double mean[2][N * T];
	ll_tensor X;
	ll_traj_set ts;
	ll_rng g;
	ll_err e;

	ll_rng_init(&g, 8);
	for (size_t k = 0; k < K; k++)
		labels[k] = k % 2 ? 3 : 7;
	for (int c = 0; c < 2; c++)
		for (size_t i = 0; i < N * T; i++)
			mean[c][i] = ll_rng_normal(&g) + (double)c;
	LL_CHECK_INT(ll_tensor_init(&X, 3, dim, NULL), LL_OK);
	for (size_t n = 0; n < N; n++)
		for (size_t t = 0; t < T; t++)
			for (size_t k = 0; k < K; k += 4) {
				/* trials k, k+2 are one condition, k+1, k+3 the other */
				double e1 = 0.25 * ll_rng_normal(&g), e2 = 0.25 * ll_rng_normal(&g);
				int c7 = 1, c3 = 0; /* mean[] index: 3 -> 0, 7 -> 1 */
				X.data[(n * T + t) * K + k] = mean[c7][n * T + t] + e1;
				X.data[(n * T + t) * K + k + 2] = mean[c7][n * T + t] - e1;
				X.data[(n * T + t) * K + k + 1] = mean[c3][n * T + t] + e2;
				X.data[(n * T + t) * K + k + 3] = mean[c3][n * T + t] - e2;
			}
	/* expected: PCA of rows (condition 3 then 7) x time, neurons as features */
	double S[2 * T * N];
	for (int c = 0; c < 2; c++)
		for (size_t t = 0; t < T; t++)
			for (size_t n = 0; n < N; n++)
				S[(c * T + t) * N + n] = mean[c][n * T + t];
	ll_pca p;
	LL_CHECK_INT(ll_pca_fit(&p, S, 2 * T, N, 3, NULL), LL_OK);
	LL_CHECK_INT(ll_traj_from_condition_means(&X, labels, K, &ts, &e), LL_OK);
	LL_CHECK_INT(ts.n_paths, 2);
	LL_CHECK_INT(ts.n_points, T);
	LL_CHECK_INT(ts.key[0], 3);
	LL_CHECK_INT(ts.key[1], 7);
	LL_CHECK_STR(ts.labels[1], "condition 7");
	for (size_t r = 0; r < 2 * T; r++)
		for (size_t a = 0; a < 3; a++)
			LL_CHECK_NEAR(ts.xyz[r * 3 + a], p.scores[r * 3 + a], 1e-10);
	ll_traj_set_free(&ts);

	/* missing trials are skipped: drop a +e/-e pair, the mean stays */
	X.data[(2 * T + 5) * K + 4] = NAN;
	X.data[(2 * T + 5) * K + 6] = NAN;
	LL_CHECK_INT(ll_traj_from_condition_means(&X, labels, K, &ts, &e), LL_OK);
	for (size_t r = 0; r < 2 * T; r++)
		for (size_t a = 0; a < 3; a++)
			LL_CHECK_NEAR(ts.xyz[r * 3 + a], p.scores[r * 3 + a], 1e-10);
	ll_traj_set_free(&ts);
	ll_pca_free(&p);

	/* no labels: one path of the grand mean */
	LL_CHECK_INT(ll_traj_from_condition_means(&X, NULL, 0, &ts, &e), LL_OK);
	LL_CHECK_INT(ts.n_paths, 1);
	LL_CHECK_STR(ts.labels[0], "all trials");
	ll_traj_set_free(&ts);

	/* errors */
	LL_CHECK_INT(ll_traj_from_condition_means(&X, labels, K - 1, &ts, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "11 condition labels for 12 trials");
	for (size_t k = 0; k < K; k += 2)
		X.data[(4 * T + 2) * K + k] = NAN; /* neuron 4, time 2: every condition-7 trial */
	LL_CHECK_INT(ll_traj_from_condition_means(&X, labels, K, &ts, &e), LL_ENUMERIC);
	LL_CHECK_CONTAINS(e.msg, "neuron 4 at time 2 has no observed trial in condition 7");
	LL_CHECK(ts.xyz == NULL);
	size_t d2[2] = {4, 4};
	ll_tensor Y;
	LL_CHECK_INT(ll_tensor_init(&Y, 2, d2, NULL), LL_OK);
	LL_CHECK_INT(ll_traj_from_condition_means(&Y, NULL, 0, &ts, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "neurons x time x trials");
	ll_tensor_free(&Y);
	ll_tensor_free(&X);
}

static void test_traj_from_factors(void)
{
	/* models x digits x units x snapshots, rank 4, lambda 1, 5, 3, 2 */
	size_t dim[4] = {6, 3, 4, 7};
	const double lam[4] = {1, 5, 3, 2};
	ll_ktensor K;
	ll_traj_set ts;
	ll_rng g;
	ll_err e;

	ll_rng_init(&g, 4);
	LL_CHECK_INT(ll_ktensor_init(&K, 4, dim, 4, NULL), LL_OK);
	for (int n = 0; n < 4; n++)
		for (size_t i = 0; i < dim[n] * 4; i++)
			K.U[n][i] = ll_rng_uniform(&g);
	ll_ktensor_normalize(&K);
	for (size_t r = 0; r < 4; r++)
		K.lambda[r] = lam[r];
	/* unnormalised input must give the same: scale a column, shrink lambda */
	ll_ktensor K2;
	LL_CHECK_INT(ll_ktensor_copy(&K2, &K, NULL), LL_OK);
	for (size_t i = 0; i < dim[3]; i++)
		K2.U[3][i * 4 + 2] *= 4.0;
	K2.lambda[2] /= 4.0;

	LL_CHECK_INT(ll_traj_from_factors(&K2, 0, 3, NULL, 0, "model", &ts, &e), LL_OK);
	const size_t top[3] = {1, 2, 3};
	double l2 = 1 + 25 + 9 + 4;
	LL_CHECK_INT(ts.n_paths, 6);
	LL_CHECK_INT(ts.n_points, 7);
	LL_CHECK_INT(ts.n_axes, 3);
	LL_CHECK_STR(ts.axis_name[0], "C2");
	LL_CHECK_STR(ts.axis_name[2], "C4");
	LL_CHECK_STR(ts.source, "tca");
	LL_CHECK_STR(ts.labels[5], "model 5");
	for (int a = 0; a < 3; a++)
		LL_CHECK_NEAR(ts.explained[a], lam[top[a]] * lam[top[a]] / l2, 1e-14);
	for (size_t p = 0; p < 6; p++)
		for (size_t t = 0; t < 7; t++)
			for (int a = 0; a < 3; a++)
				LL_CHECK_NEAR(ts.xyz[(p * 7 + t) * 3 + a],
					      lam[top[a]] * K.U[0][p * 4 + top[a]] * K.U[3][t * 4 + top[a]], 1e-13);
	ll_traj_set_free(&ts);

	/* paths grouped by label: the mean model loading per group */
	int lab[6] = {2, 0, 2, 0, 2, 9};
	LL_CHECK_INT(ll_traj_from_factors(&K, 0, 3, lab, 6, NULL, &ts, &e), LL_OK);
	LL_CHECK_INT(ts.n_paths, 3);
	LL_CHECK_INT(ts.key[2], 9);
	LL_CHECK_STR(ts.labels[1], "condition 2");
	for (size_t t = 0; t < 7; t++) {
		double m2 = (K.U[0][0 * 4 + 1] + K.U[0][2 * 4 + 1] + K.U[0][4 * 4 + 1]) / 3.0;
		LL_CHECK_NEAR(ts.xyz[(1 * 7 + t) * 3 + 0], 5.0 * m2 * K.U[3][t * 4 + 1], 1e-13);
	}
	ll_traj_set_free(&ts);

	/* errors */
	LL_CHECK_INT(ll_traj_from_factors(&K, 1, 1, NULL, 0, NULL, &ts, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "both 1");
	LL_CHECK_INT(ll_traj_from_factors(&K, 0, 4, NULL, 0, NULL, &ts, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "outside 0..3");
	LL_CHECK_INT(ll_traj_from_factors(&K, 0, 3, lab, 5, NULL, &ts, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "5 path labels for a path mode of 6");
	K.lambda[0] = NAN;
	LL_CHECK_INT(ll_traj_from_factors(&K, 0, 3, NULL, 0, NULL, &ts, &e), LL_ENUMERIC);
	LL_CHECK_CONTAINS(e.msg, "component 1");
	ll_ktensor_free(&K);
	ll_ktensor_free(&K2);

	/* rank 2: the third axis is padded */
	size_t d3[3] = {4, 5, 6};
	LL_CHECK_INT(ll_ktensor_init(&K, 3, d3, 2, NULL), LL_OK);
	for (int n = 0; n < 3; n++)
		for (size_t i = 0; i < d3[n] * 2; i++)
			K.U[n][i] = ll_rng_uniform(&g);
	LL_CHECK_INT(ll_traj_from_factors(&K, 2, 1, NULL, 0, "trial", &ts, &e), LL_OK);
	LL_CHECK_INT(ts.n_paths, 6);
	LL_CHECK_INT(ts.n_points, 5);
	LL_CHECK_INT(ts.n_axes, 2);
	LL_CHECK_STR(ts.axis_name[2], "-");
	LL_CHECK(ts.explained[2] == 0.0);
	for (size_t r = 0; r < 30; r++)
		LL_CHECK(ts.xyz[r * 3 + 2] == 0.0);
	ll_traj_set_free(&ts);
	ll_ktensor_free(&K);
}

static void test_traj_errors(void)
{
	size_t dim[3] = {2, 3, 4};
	ll_tensor X;
	ll_traj_set ts;
	ll_err e;

	LL_CHECK_INT(ll_tensor_init(&X, 3, dim, NULL), LL_OK);
	for (size_t i = 0; i < X.size; i++)
		X.data[i] = (double)(i * i % 7);
	LL_CHECK_INT(ll_traj_from_tensor_snapshots(&X, 0, 0, NULL, &ts, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "both 0");
	LL_CHECK_INT(ll_traj_from_tensor_snapshots(&X, -1, 1, NULL, &ts, &e), LL_EINVAL);
	LL_CHECK_INT(ll_traj_from_tensor_snapshots(NULL, 0, 1, NULL, &ts, &e), LL_EINVAL);
	X.data[5] = NAN;
	LL_CHECK_INT(ll_traj_from_tensor_snapshots(&X, 0, 1, NULL, &ts, &e), LL_ENUMERIC);
	LL_CHECK_CONTAINS(e.msg, "1 NaN");
	LL_CHECK(ts.xyz == NULL);
	ll_tensor_free(&X);

	/* one path of one time point: a single state */
	size_t d1[3] = {1, 1, 5};
	LL_CHECK_INT(ll_tensor_init(&X, 3, d1, NULL), LL_OK);
	LL_CHECK_INT(ll_traj_from_tensor_snapshots(&X, 0, 1, NULL, &ts, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "single state");
	ll_tensor_free(&X);
	size_t d0[1] = {5};
	LL_CHECK_INT(ll_tensor_init(&X, 1, d0, NULL), LL_OK);
	LL_CHECK_INT(ll_traj_from_tensor_snapshots(&X, 0, 1, NULL, &ts, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "at least 2 modes");
	ll_tensor_free(&X);

	LL_CHECK_INT(ll_traj_set_init(&ts, 0, 3, &e), LL_ESHAPE);
	LL_CHECK_INT(ll_traj_set_init(&ts, 2, 3, &e), LL_OK);
	LL_CHECK_STR(ts.labels[1], "path 1");
	LL_CHECK_INT(ts.key[1], 1);
	ll_traj_set_free(&ts);
	ll_traj_set_free(&ts); /* twice is fine */
}

int main(void)
{
	LL_RUN(test_pca_known_singular_values);
	LL_RUN(test_pca_rank_deficient_pads);
	LL_RUN(test_pca_errors);
	LL_RUN(test_traj_identical_models_coincide);
	LL_RUN(test_traj_planted_3d_recovered);
	LL_RUN(test_traj_padding_two_features);
	LL_RUN(test_traj_condition_means);
	LL_RUN(test_traj_from_factors);
	LL_RUN(test_traj_errors);
	return ll_test_done();
}
