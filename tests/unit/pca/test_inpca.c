/* InPCA: Bhattacharyya distances against their closed form on coins,
 * thread-count invariance, the embedding of Euclidean and non-Euclidean
 * distances (exact reconstruction in the Minkowski form, negative
 * eigenvalues reported), a one-parameter family on one dimension, and
 * every error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_rng.h"
#include "ll_test.h"
#include "pca/ll_inpca.h"

/* a coin with sqrt-probabilities (sin t, cos t): the Bhattacharyya
 * coefficient of two is cos(t1 - t2), so d = -log cos(t1 - t2) */
static void coin(float *p, double t)
{
	p[0] = (float)(sin(t) * sin(t));
	p[1] = 1.0f - p[0];
}

static void test_coins_closed_form(void)
{
	/* 5 points x 2 inputs: input 0 at angle a_i, input 1 at 2 a_i */
	enum { N = 5, K = 2 };
	double a[N] = {0.1, 0.3, 0.35, 0.7, 1.2};
	float P[N * K * 2];
	for (size_t i = 0; i < N; i++) {
		coin(P + (i * K + 0) * 2, a[i]);
		coin(P + (i * K + 1) * 2, 0.5 * a[i]);
	}
	double D[N * N];
	ll_err e;
	LL_REQUIRE_OK(ll_inpca_bhattacharyya(P, N, K, 2, 1, D, NULL, NULL, &e), e);
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < N; j++) {
			/* the coins are stored in float: ~1e-7 of rounding */
			double want = -0.5 * (log(cos(a[i] - a[j])) + log(cos(0.5 * (a[i] - a[j]))));
			LL_CHECK_NEAR(D[i * N + j], want, 1e-6);
			LL_CHECK(D[i * N + j] == D[j * N + i]);
		}
	for (size_t i = 0; i < N; i++)
		LL_CHECK(D[i * N + i] == 0.0);
}

/* random distributions over C classes, softmax of Gaussians */
static void random_points(float *P, size_t n, size_t K, size_t C, uint64_t seed)
{
	ll_rng g;
	ll_rng_init(&g, seed);
	for (size_t r = 0; r < n * K; r++) {
		double z[16], s = 0;
		for (size_t c = 0; c < C; c++)
			s += (z[c] = exp(2 * ll_rng_normal(&g)));
		for (size_t c = 0; c < C; c++)
			P[r * C + c] = (float)(z[c] / s);
	}
}

static void test_threads_and_progress(void)
{
	enum { N = 40, K = 30, C = 10 };
	float *P = malloc(sizeof(float) * N * K * C);
	double *D1 = malloc(sizeof(double) * N * N), *D2 = malloc(sizeof(double) * N * N);
	random_points(P, N, K, C, 7);
	ll_err e;
	int rc1 = ll_inpca_bhattacharyya(P, N, K, C, 1, D1, NULL, NULL, &e);
	int rc2 = ll_inpca_bhattacharyya(P, N, K, C, 2, D2, NULL, NULL, &e);
	LL_CHECK(rc1 == LL_OK && rc2 == LL_OK);
	LL_CHECK(memcmp(D1, D2, sizeof(double) * N * N) == 0);
	/* a naive reference for one pair */
	double want = 0;
	for (size_t k = 0; k < K; k++) {
		double bc = 0;
		for (size_t c = 0; c < C; c++)
			bc += sqrt((double)P[(3 * K + k) * C + c] * (double)P[(17 * K + k) * C + c]);
		want -= log(bc);
	}
	LL_CHECK_NEAR(D1[3 * N + 17], want / K, 1e-6 * want / K);
	free(P);
	free(D1);
	free(D2);
}

static int stop_at_half(void *ud, const ll_progress *p)
{
	int *calls = ud;
	++*calls;
	return p->frac >= 0.5;
}

static void test_cancel(void)
{
	enum { N = 200, K = 4, C = 3 };
	float *P = malloc(sizeof(float) * N * K * C);
	double *D = malloc(sizeof(double) * N * N);
	random_points(P, N, K, C, 3);
	ll_err e;
	int calls = 0;
	LL_CHECK_INT(ll_inpca_bhattacharyya(P, N, K, C, 2, D, stop_at_half, &calls, &e), LL_ECANCELED);
	LL_CHECK(calls >= 2);
	free(P);
	free(D);
}

/* squared Euclidean distances of known points: classical MDS exactly */
static void test_euclidean_recovered(void)
{
	enum { N = 8, R = 3 };
	ll_rng g;
	ll_rng_init(&g, 11);
	double X[N * R], D[N * N];
	for (size_t i = 0; i < N * R; i++)
		X[i] = ll_rng_normal(&g) * (double)(1 + i % R);
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < N; j++) {
			double s = 0;
			for (size_t c = 0; c < R; c++)
				s += (X[i * R + c] - X[j * R + c]) * (X[i * R + c] - X[j * R + c]);
			D[i * N + j] = s;
		}
	ll_inpca_result r;
	ll_err e;
	LL_REQUIRE_OK(ll_inpca(D, N, R, &r, &e), e);
	LL_CHECK_INT(r.n_negative, 0);
	LL_CHECK(r.neg_frac < 1e-12);
	double ex = 0;
	for (size_t j = 0; j < R; j++) {
		LL_CHECK_INT(r.sign[j], 1);
		ex += r.explained[j];
	}
	LL_CHECK_NEAR(ex, 1.0, 1e-10);
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < N; j++) {
			double s = 0;
			for (size_t c = 0; c < R; c++)
				s += (r.coords[i * R + c] - r.coords[j * R + c]) * (r.coords[i * R + c] - r.coords[j * R + c]);
			LL_CHECK_NEAR(s, D[i * N + j], 1e-9 * (1 + D[i * N + j]));
		}
	ll_inpca_free(&r);
	ll_inpca_free(&r); /* twice is fine */
}

/* three "points" 1, 1 and 5 apart (squared): no Euclidean embedding
 * (sqrt 5 > 1 + 1), so one eigenvalue is negative, and with every
 * dimension the signed form reproduces D exactly */
static void test_minkowski(void)
{
	enum { N = 3 };
	double D[N * N] = {0, 1, 5, 1, 0, 1, 5, 1, 0};
	ll_inpca_result r;
	ll_err e;
	LL_REQUIRE_OK(ll_inpca(D, N, N, &r, &e), e);
	LL_CHECK_INT(r.n_negative, 1);
	LL_CHECK(r.neg_frac > 0.01);
	int neg = 0;
	for (size_t j = 0; j < N; j++)
		neg += r.sign[j] < 0;
	LL_CHECK_INT(neg, 1);
	for (size_t j = 1; j < N; j++)
		LL_CHECK(fabs(r.eig[j]) <= fabs(r.eig[j - 1]));
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < N; j++) {
			double s = 0;
			for (size_t c = 0; c < N; c++)
				s += r.sign[c] * (r.coords[i * N + c] - r.coords[j * N + c]) *
				     (r.coords[i * N + c] - r.coords[j * N + c]);
			LL_CHECK_NEAR(s, D[i * N + j], 1e-10);
		}
	ll_inpca_free(&r);
}

/* a one-parameter family (coins along a path of angles, 20 inputs): the
 * top dimension carries most of the total and orders the points */
static void test_one_parameter_family(void)
{
	enum { N = 15, K = 20 };
	float P[N * K * 2];
	for (size_t i = 0; i < N; i++)
		for (size_t k = 0; k < K; k++)
			coin(P + (i * K + k) * 2, 0.2 + 0.05 * (double)i * (1 + 0.02 * (double)k));
	double D[N * N];
	ll_inpca_result r;
	ll_err e;
	LL_REQUIRE_OK(ll_inpca_bhattacharyya(P, N, K, 2, 0, D, NULL, NULL, &e), e);
	LL_REQUIRE_OK(ll_inpca(D, N, 3, &r, &e), e);
	LL_CHECK_MSG(r.explained[0] > 0.9, "top dimension explains %g", r.explained[0]);
	int up = 1, down = 1;
	for (size_t i = 1; i < N; i++) {
		up &= r.coords[i * 3] > r.coords[(i - 1) * 3];
		down &= r.coords[i * 3] < r.coords[(i - 1) * 3];
	}
	LL_CHECK_MSG(up || down, "the first coordinate is not monotone along the family");
	ll_inpca_free(&r);
}

static void test_errors(void)
{
	ll_err e;
	float P[2 * 1 * 2] = {0.5f, 0.5f, 0.7f, 0.7f};
	double D[4];
	LL_CHECK_INT(ll_inpca_bhattacharyya(P, 2, 1, 2, 1, D, NULL, NULL, &e), LL_ENUMERIC);
	LL_CHECK_CONTAINS(e.msg, "point 1, input 0: the probabilities sum to 1.4");
	P[2] = -0.1f;
	P[3] = 1.1f;
	LL_CHECK_INT(ll_inpca_bhattacharyya(P, 2, 1, 2, 1, D, NULL, NULL, &e), LL_ENUMERIC);
	LL_CHECK_CONTAINS(e.msg, "class 0");
	P[2] = NAN;
	LL_CHECK_INT(ll_inpca_bhattacharyya(P, 2, 1, 2, 1, D, NULL, NULL, &e), LL_ENUMERIC);
	LL_CHECK_INT(ll_inpca_bhattacharyya(P, 0, 1, 2, 1, D, NULL, NULL, &e), LL_ESHAPE);

	ll_inpca_result r;
	double Dn[4] = {0, NAN, NAN, 0};
	LL_CHECK_INT(ll_inpca(Dn, 2, 1, &r, &e), LL_ENUMERIC);
	LL_CHECK(r.coords == NULL);
	double Da[4] = {0, 1, 2, 0};
	LL_CHECK_INT(ll_inpca(Da, 2, 1, &r, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "not symmetric");
	double Dd[4] = {1, 1, 1, 0};
	LL_CHECK_INT(ll_inpca(Dd, 2, 1, &r, &e), LL_EINVAL);
	LL_CHECK_INT(ll_inpca(Dd, 1, 1, &r, &e), LL_ESHAPE);
	double Dok[4] = {0, 1, 1, 0};
	LL_CHECK_INT(ll_inpca(Dok, 2, 0, &r, &e), LL_EINVAL);
	/* k above n is capped */
	LL_REQUIRE_OK(ll_inpca(Dok, 2, 5, &r, &e), e);
	LL_CHECK_INT(r.k, 2);
	ll_inpca_free(&r);
}

int main(void)
{
	LL_RUN(test_coins_closed_form);
	LL_RUN(test_threads_and_progress);
	LL_RUN(test_cancel);
	LL_RUN(test_euclidean_recovered);
	LL_RUN(test_minkowski);
	LL_RUN(test_one_parameter_family);
	LL_RUN(test_errors);
	return ll_test_done();
}
