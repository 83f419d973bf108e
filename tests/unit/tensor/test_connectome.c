/* Functional-connectome tensors: the affinity tensor's symmetry, diagonal
 * and values against a naive loop, constant traces, bad options, and the
 * planted switching communities recovered by a non-negative CP fit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_rng.h"
#include "linalg/ll_hungarian.h"
#include "sim/ll_coupled.h"
#include "tensor/ll_connectome.h"
#include "tensor/ll_cp.h"
#include "ll_failalloc.h"
#include "ll_test.h"

static double at(const ll_tensor *A, size_t i, size_t j, size_t w, size_t k)
{
	return A->data[((i * A->dim[1] + j) * A->dim[2] + w) * A->dim[3] + k];
}

/* neurons x time x trials of random walks with some shared drive */
static int make_rec(ll_tensor *X, size_t N, size_t T, size_t K, uint64_t seed)
{
	size_t dim[3] = {N, T, K};
	if (ll_tensor_init(X, 3, dim, NULL) != LL_OK)
		return 0;
	ll_rng r;
	ll_rng_init(&r, seed);
	for (size_t k = 0; k < K; k++)
		for (size_t t = 0; t < T; t++) {
			double s = ll_rng_normal(&r);
			for (size_t i = 0; i < N; i++)
				X->data[(i * T + t) * K + k] = (i % 2 ? s : -s) * 0.5 * (double)(i % 3) + ll_rng_normal(&r);
		}
	return 1;
}

/* the definitions, written out: z-scores with the population s.d., the
 * Pearson correlation from raw sums, the distance between z-scores */
static double naive(const double *xi, const double *xj, size_t L, const ll_conn_opts *o)
{
	double mi = 0, mj = 0, vi = 0, vj = 0;
	for (size_t t = 0; t < L; t++) {
		mi += xi[t] / (double)L;
		mj += xj[t] / (double)L;
	}
	for (size_t t = 0; t < L; t++) {
		vi += (xi[t] - mi) * (xi[t] - mi) / (double)L;
		vj += (xj[t] - mj) * (xj[t] - mj) / (double)L;
	}
	if (vi == 0 || vj == 0)
		return 0;
	if (o->affinity == LL_AFF_CORRELATION) {
		double sxy = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
		for (size_t t = 0; t < L; t++) {
			sx += xi[t];
			sy += xj[t];
			sxy += xi[t] * xj[t];
			sxx += xi[t] * xi[t];
			syy += xj[t] * xj[t];
		}
		double n = (double)L;
		double r = (n * sxy - sx * sy) / sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
		return r > 0 ? r : 0;
	}
	double d2 = 0;
	for (size_t t = 0; t < L; t++) {
		double d = (xi[t] - mi) / sqrt(vi) - (xj[t] - mj) / sqrt(vj);
		d2 += d * d;
	}
	return exp(-d2 / (2 * o->bandwidth * o->bandwidth * (double)L));
}

static void check_against_naive(ll_affinity aff, double bw)
{
	const size_t N = 7, T = 53, K = 3;
	ll_tensor X, A;
	ll_err e;
	ll_conn_opts o;
	ll_conn_stats st;
	LL_CHECK(make_rec(&X, N, T, K, 11));
	ll_conn_opts_default(&o);
	o.window = 12;
	o.step = 5;
	o.affinity = aff;
	o.bandwidth = bw;
	LL_REQUIRE_OK(ll_conn_affinity(&X, 0, 1, &o, &A, &st, &e), e);
	size_t W = (T - 12) / 5 + 1;
	LL_CHECK_INT(ll_conn_windows(T, &o), W);
	LL_CHECK_INT(A.nmodes, 4);
	LL_CHECK_INT(A.dim[0], N);
	LL_CHECK_INT(A.dim[1], N);
	LL_CHECK_INT(A.dim[2], W);
	LL_CHECK_INT(A.dim[3], K);
	LL_CHECK_INT(st.pairs, N * (N - 1) / 2 * W * K);
	LL_CHECK_INT(st.constant, 0);
	double xi[12], xj[12], maxdiff = 0;
	size_t neg = 0;
	for (size_t k = 0; k < K; k++)
		for (size_t w = 0; w < W; w++)
			for (size_t i = 0; i < N; i++)
				for (size_t j = 0; j < N; j++) {
					double a = at(&A, i, j, w, k);
					LL_CHECK(a >= 0 && a <= 1);
					LL_CHECK(a == at(&A, j, i, w, k)); /* exactly symmetric */
					if (i == j) {
						LL_CHECK(a == 1.0);
						continue;
					}
					for (size_t t = 0; t < 12; t++) {
						xi[t] = X.data[(i * T + w * 5 + t) * K + k];
						xj[t] = X.data[(j * T + w * 5 + t) * K + k];
					}
					double ref = naive(xi, xj, 12, &o);
					maxdiff = fmax(maxdiff, fabs(a - ref));
					if (aff == LL_AFF_CORRELATION && ref == 0 && i < j)
						neg++;
				}
	printf("# %s: max |affinity - naive| = %.3g over %zu entries, %zu clipped\n", ll_affinity_name(aff),
	       maxdiff, A.size, st.clipped);
	LL_CHECK(maxdiff <= 1e-12);
	if (aff == LL_AFF_CORRELATION) {
		LL_CHECK_INT(st.clipped, neg);
		LL_CHECK(st.clipped > 0);
	} else {
		LL_CHECK_INT(st.clipped, 0);
	}
	ll_tensor_free(&A);
	ll_tensor_free(&X);
}

static void test_correlation_naive(void)
{
	check_against_naive(LL_AFF_CORRELATION, 1.0);
}

static void test_gaussian_naive(void)
{
	check_against_naive(LL_AFF_GAUSSIAN, 1.0);
	check_against_naive(LL_AFF_GAUSSIAN, 0.6);
}

/* the trials may be several modes, and the modes in any order: a
 * trials x time x neurons x animals array gives the same affinities as
 * its neurons x time x (trials animals) rearrangement */
static void test_mode_order(void)
{
	const size_t N = 5, T = 30, K = 4;
	ll_tensor X, Y, A, B;
	ll_err e;
	ll_conn_opts o;
	LL_CHECK(make_rec(&X, N, T, K, 3));
	size_t dim[4] = {2, T, N, 2};
	LL_REQUIRE_OK(ll_tensor_init(&Y, 4, dim, &e), e);
	for (size_t a = 0; a < 2; a++)
		for (size_t t = 0; t < T; t++)
			for (size_t i = 0; i < N; i++)
				for (size_t b = 0; b < 2; b++)
					Y.data[((a * T + t) * N + i) * 2 + b] = X.data[(i * T + t) * K + a * 2 + b];
	ll_conn_opts_default(&o);
	o.window = 10;
	o.step = 4;
	LL_REQUIRE_OK(ll_conn_affinity(&X, 0, 1, &o, &A, NULL, &e), e);
	LL_REQUIRE_OK(ll_conn_affinity(&Y, 2, 1, &o, &B, NULL, &e), e);
	LL_CHECK(ll_tensor_same_shape(&A, &B));
	double md = 0;
	for (size_t q = 0; q < A.size; q++)
		md = fmax(md, fabs(A.data[q] - B.data[q]));
	LL_CHECK(md <= 1e-14);
	/* a neurons x time array: one trial */
	ll_tensor Z, C;
	size_t d2[2] = {N, T};
	LL_REQUIRE_OK(ll_tensor_init(&Z, 2, d2, &e), e);
	for (size_t i = 0; i < N; i++)
		for (size_t t = 0; t < T; t++)
			Z.data[i * T + t] = X.data[(i * T + t) * K + 1];
	LL_REQUIRE_OK(ll_conn_affinity(&Z, 0, 1, &o, &C, NULL, &e), e);
	LL_CHECK_INT(C.dim[3], 1);
	md = 0;
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < N; j++)
			for (size_t w = 0; w < C.dim[2]; w++)
				md = fmax(md, fabs(at(&C, i, j, w, 0) - at(&A, i, j, w, 1)));
	LL_CHECK(md <= 1e-14);
	ll_tensor_free(&A);
	ll_tensor_free(&B);
	ll_tensor_free(&C);
	ll_tensor_free(&X);
	ll_tensor_free(&Y);
	ll_tensor_free(&Z);
}

/* a neuron silent (constant) in a window: 0 to the others, 1 to itself */
static void test_constant_trace(void)
{
	const size_t N = 4, T = 40, K = 1;
	ll_tensor X, A;
	ll_err e;
	ll_conn_opts o;
	ll_conn_stats st;
	for (int aff = 0; aff < 2; aff++) {
		LL_CHECK(make_rec(&X, N, T, K, 5));
		for (size_t t = 0; t < 20; t++)
			X.data[2 * T + t] = 3.25; /* neuron 2 constant in windows 0 and 1 */
		ll_conn_opts_default(&o);
		o.window = 10;
		o.step = 10;
		o.affinity = (ll_affinity)aff;
		LL_REQUIRE_OK(ll_conn_affinity(&X, 0, 1, &o, &A, &st, &e), e);
		LL_CHECK_INT(st.constant, 2);
		for (size_t w = 0; w < 4; w++)
			for (size_t j = 0; j < N; j++) {
				double a = at(&A, 2, j, w, 0);
				if (j == 2)
					LL_CHECK(a == 1.0);
				else if (w < 2)
					LL_CHECK(a == 0.0);
				else if (aff == LL_AFF_GAUSSIAN)
					LL_CHECK(a > 0.0);
				LL_CHECK(a == at(&A, j, 2, w, 0));
			}
		ll_tensor_free(&A);
		ll_tensor_free(&X);
	}
}

static void expect_einval(const ll_tensor *X, size_t window, size_t step, const char *needle)
{
	ll_conn_opts o;
	ll_tensor A;
	ll_err e = {0};
	ll_conn_opts_default(&o);
	o.window = window;
	o.step = step;
	LL_CHECK_INT(ll_conn_affinity(X, 0, 1, &o, &A, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, needle);
	LL_CHECK(!strchr(e.msg, '\n'));
	LL_CHECK(A.data == NULL);
	printf("# window %zu step %zu: %s\n", window, step, e.msg);
}

static void test_bad_inputs(void)
{
	ll_tensor X, A;
	ll_err e;
	ll_conn_opts o;
	LL_CHECK(make_rec(&X, 4, 30, 2, 1));
	expect_einval(&X, 31, 5, "longer than the recording (30 samples)");
	expect_einval(&X, 10, 0, "step = 0");
	expect_einval(&X, 1, 1, "at least 2 samples");
	ll_conn_opts_default(&o);
	o.window = 10;
	o.affinity = LL_AFF_GAUSSIAN;
	o.bandwidth = 0;
	LL_CHECK_INT(ll_conn_affinity(&X, 0, 1, &o, &A, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "bandwidth");
	o.bandwidth = 1;
	LL_CHECK_INT(ll_conn_affinity(&X, 1, 1, &o, &A, NULL, &e), LL_EINVAL);
	X.data[17] = NAN;
	LL_CHECK_INT(ll_conn_affinity(&X, 0, 1, &o, &A, NULL, &e), LL_ENUMERIC);
	LL_CHECK_CONTAINS(e.msg, "1 missing");
	/* a window exactly as long as the recording is one window */
	X.data[17] = 0;
	o.window = 30;
	LL_CHECK_INT(ll_conn_windows(30, &o), 1);
	LL_REQUIRE_OK(ll_conn_affinity(&X, 0, 1, &o, &A, NULL, &e), e);
	LL_CHECK_INT(A.dim[2], 1);
	ll_tensor_free(&A);
	ll_tensor_free(&X);
}

/* The summary of a hand-made model: congruence, members, active windows. */
static void test_summary(void)
{
	ll_ktensor K;
	ll_err e;
	ll_conn_summary s;
	size_t dim[4] = {4, 4, 5, 1};
	LL_REQUIRE_OK(ll_ktensor_init(&K, 4, dim, 2, &e), e);
	/* component 0: neurons 0, 1 in both modes, windows 1-2 */
	double u0[4][2] = {{1, 0}, {1, 0}, {0.1, 1}, {0, 0}}, u1[4][2] = {{1, 1}, {1, 0}, {0.1, 0}, {0, 1}};
	double v[5][2] = {{0, 1}, {1, 0}, {0.9, 1}, {0.2, 0}, {0.1, 1}};
	for (size_t i = 0; i < 4; i++)
		for (size_t r = 0; r < 2; r++) {
			K.U[0][i * 2 + r] = u0[i][r];
			K.U[1][i * 2 + r] = u1[i][r];
		}
	for (size_t w = 0; w < 5; w++)
		for (size_t r = 0; r < 2; r++)
			K.U[2][w * 2 + r] = v[w][r];
	K.U[3][0] = K.U[3][1] = 1;
	LL_REQUIRE_OK(ll_conn_summarize(&K, 0.5, &s, &e), e);
	LL_CHECK_NEAR(s.threshold, 0.5, 1e-15);
	LL_CHECK_NEAR(s.comp[0].congruence, 1.0, 1e-15);
	LL_CHECK_INT(s.comp[0].nmembers, 2);
	LL_CHECK_INT(s.comp[0].first, 1);
	LL_CHECK_INT(s.comp[0].last, 2);
	LL_CHECK_INT(s.comp[0].nruns, 1);
	/* component 1: neuron 2 in one mode, 0 and 3 in the other: cos 0 */
	LL_CHECK_NEAR(s.comp[1].congruence, 0.0, 1e-15);
	LL_CHECK_INT(s.n_incongruent, 1);
	LL_CHECK_INT(s.comp[1].nactive, 3);
	LL_CHECK_INT(s.comp[1].nruns, 3);
	ll_conn_summary_free(&s);
	ll_conn_summary_free(&s);
	LL_CHECK_INT(ll_conn_summarize(&K, 0, &s, &e), LL_EINVAL);
	ll_ktensor_free(&K);
}

/* Planted switching communities: 3 epochs x 3 groups of 30 neurons, 4
 * trials; a rank-9 non-negative fit of the affinity tensor must find each
 * planted community (cosine with its indicator >= 0.9), with the two
 * neuron factors agreeing (congruence >= 0.9), active in the windows of its
 * epoch (first and last active window within one window of the planted
 * ones). */
static void test_planted_switches(void)
{
	ll_coupled_opts co;
	ll_coupled c;
	ll_conn_opts o;
	ll_tensor A;
	ll_err e;
	ll_coupled_opts_default(&co);
	LL_REQUIRE_OK(ll_coupled_make(&co, &c, &e), e);
	ll_conn_opts_default(&o);
	o.window = 40;
	o.step = 20;
	LL_REQUIRE_OK(ll_conn_affinity(&c.data, 0, 1, &o, &A, NULL, &e), e);
	size_t N = co.neurons, G = co.groups, E = co.epochs, R = G * E, W = A.dim[2];
	ll_cp_opts cp;
	ll_cp_opts_default(&cp);
	cp.method = LL_CP_NCP_HALS;
	cp.rank = R;
	cp.max_iter = 500;
	ll_cp_result best = {0};
	for (uint64_t seed = 1; seed <= 5; seed++) {
		ll_cp_result r;
		LL_REQUIRE_OK(ll_cp_fit(&A, &cp, seed, &r, &e), e);
		if (!best.K.rank || r.obj < best.obj) {
			ll_cp_result_free(&best);
			best = r;
		} else {
			ll_cp_result_free(&r);
		}
	}
	printf("# planted: affinity %s, rank %zu, best objective %.4f\n",
	       ll_tensor_shape_str(&A, (char[64]){0}, 64), R, best.obj);
	ll_conn_summary s;
	LL_REQUIRE_OK(ll_conn_summarize(&best.K, 0.5, &s, &e), e);
	/* match planted communities (epoch e, group g) to components by the
	 * cosine of the indicator with the loading */
	double *cost = malloc(R * R * sizeof *cost), *cosm = malloc(R * R * sizeof *cosm);
	size_t *as = malloc(R * sizeof *as);
	LL_CHECK(cost && cosm && as);
	if (!cost || !cosm || !as)
		goto out;
	for (size_t p = 0; p < R; p++) {
		size_t ep = p / G, g = p % G, cnt = 0;
		for (size_t i = 0; i < N; i++)
			cnt += (size_t)c.group[ep * N + i] == g;
		for (size_t r = 0; r < R; r++) {
			double d = 0;
			for (size_t i = 0; i < N; i++)
				if ((size_t)c.group[ep * N + i] == g)
					d += s.comp[r].loading[i];
			cosm[p * R + r] = d / sqrt((double)cnt);
			cost[p * R + r] = -cosm[p * R + r];
		}
	}
	LL_REQUIRE_OK(ll_hungarian(cost, R, R, as, &e), e);
	double min_cos = 1, min_cong = 1;
	size_t max_err = 0, members_ok = 0;
	for (size_t p = 0; p < R; p++) {
		size_t ep = p / G, g = p % G, r = as[p];
		const ll_conn_comp *cc = &s.comp[r];
		size_t L = co.epoch_len;
		size_t pf = (ep * L + o.step - 1) / o.step, pl = ((ep + 1) * L - o.window) / o.step;
		size_t ef = cc->first > pf ? cc->first - pf : pf - cc->first;
		size_t el = cc->last > pl ? cc->last - pl : pl - cc->last;
		min_cos = fmin(min_cos, cosm[p * R + r]);
		min_cong = fmin(min_cong, cc->congruence);
		max_err = ef > max_err ? ef : max_err;
		max_err = el > max_err ? el : max_err;
		/* the community is exactly the planted group */
		int same = 1;
		for (size_t i = 0; i < N; i++) {
			int in = 0;
			for (size_t m = 0; m < cc->nmembers; m++)
				in |= cc->members[m] == i;
			same &= in == ((size_t)c.group[ep * N + i] == g);
		}
		members_ok += (size_t)same;
		printf("# epoch %zu group %zu: component %zu, cos %.3f, congruence %.3f, %zu members, windows "
		       "%zu-%zu (planted %zu-%zu of %zu)\n",
		       ep, g, r, cosm[p * R + r], cc->congruence, cc->nmembers, cc->first, cc->last, pf, pl, W);
	}
	printf("# planted: min cos to the planted group %.3f, min neuron congruence %.3f, max switch error %zu "
	       "window(s), %zu/%zu communities exact\n",
	       min_cos, min_cong, max_err, members_ok, R);
	LL_CHECK(min_cos >= 0.9);
	LL_CHECK(min_cong >= 0.9);
	LL_CHECK(max_err <= 1);
	LL_CHECK_INT(members_ok, R);
out:
	free(cost);
	free(cosm);
	free(as);
	ll_conn_summary_free(&s);
	ll_cp_result_free(&best);
	ll_tensor_free(&A);
	ll_coupled_free(&c);
}

/* Out of memory at every allocation of the simulation, the affinities
 * and the summary: LL_ENOMEM, outputs zeroed, nothing leaked. */
static int oom_work(void *ud)
{
	(void)ud;
	ll_coupled_opts co;
	ll_coupled c;
	ll_conn_opts o;
	ll_tensor A;
	ll_ktensor K;
	ll_conn_summary s;
	int rc;
	ll_coupled_opts_default(&co);
	co.neurons = 6;
	co.epoch_len = 20;
	co.trials = 2;
	if ((rc = ll_coupled_make(&co, &c, NULL)) != LL_OK)
		return c.data.data || c.group ? LL_EINVAL : rc;
	ll_conn_opts_default(&o);
	o.window = 10;
	o.step = 5;
	rc = ll_conn_affinity(&c.data, 0, 1, &o, &A, NULL, NULL);
	ll_coupled_free(&c);
	if (rc != LL_OK)
		return A.data ? LL_EINVAL : rc;
	size_t dim[4] = {6, 6, A.dim[2], 2};
	ll_tensor_free(&A);
	if ((rc = ll_ktensor_init(&K, 4, dim, 3, NULL)) != LL_OK)
		return rc;
	for (int n = 0; n < 4; n++)
		for (size_t i = 0; i < dim[n] * 3; i++)
			K.U[n][i] = (double)((i * 7 + (size_t)n) % 5);
	rc = ll_conn_summarize(&K, 0.5, &s, NULL);
	ll_ktensor_free(&K);
	if (rc != LL_OK)
		return s.comp ? LL_EINVAL : rc;
	ll_conn_summary_free(&s);
	return LL_OK;
}

static void test_oom(void)
{
	ll_failalloc_sweep sw = {.name = "connectome", .run = oom_work};
	int ok = ll_failalloc_sweep_run(&sw);
	printf("# %s: %zu allocations, %zu failing runs\n", sw.name, sw.n, sw.runs);
	LL_CHECK_INT(sw.clean_rc, LL_OK);
	LL_CHECK(sw.n > 0);
	LL_CHECK_INT(sw.runs, sw.n);
	LL_CHECK_INT(sw.wrong_rc, 0);
	LL_CHECK_INT(sw.leaked, 0);
	LL_CHECK_INT(sw.unreached, 0);
	LL_CHECK_INT(ok, 0);
}

int main(void)
{
	LL_RUN(test_correlation_naive);
	LL_RUN(test_gaussian_naive);
	LL_RUN(test_mode_order);
	LL_RUN(test_constant_trace);
	LL_RUN(test_bad_inputs);
	LL_RUN(test_summary);
	LL_RUN(test_planted_switches);
	LL_RUN(test_oom);
	return ll_test_done();
}
