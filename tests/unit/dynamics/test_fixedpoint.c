/* Tests for the fixed-point finder, on maps whose fixed points are known in
 * closed form: a linear map (one point, A's eigenvalues), a 2-D map with a
 * saddle between two attractors, an ideal 3-bit flip-flop (27 points,
 * 8/12/6/1 by unstable dimension), a ghost (a slow point), bad inputs,
 * determinism across thread counts, the graph distance, and out of memory
 * at every allocation. */
#include "base/ll_common.h"
#include "base/ll_rng.h"
#include "dynamics/ll_fixedpoint.h"
#include "ll_failalloc.h"
#include "ll_test.h"

#include <lapacke.h>
#include <stdint.h>

static int one_line(const char *s)
{
	return s && *s && !strchr(s, '\n');
}

static double *uniform_starts(size_t n, size_t S, double lo, double hi, uint64_t seed)
{
	double *x = malloc(n * S * sizeof *x);
	ll_rng r;
	ll_rng_init(&r, seed);
	for (size_t i = 0; i < n * S; i++)
		x[i] = lo + (hi - lo) * ll_rng_uniform(&r);
	return x;
}

/* ---- (a) a linear map F(s) = A s + b ------------------------------------------ */

typedef struct lin {
	size_t S;
	double A[16], b[4];
} lin;

static void lin_F(void *ud, const double *s, double *out)
{
	const lin *m = ud;
	for (size_t i = 0; i < m->S; i++) {
		out[i] = m->b[i];
		for (size_t j = 0; j < m->S; j++)
			out[i] += m->A[i * m->S + j] * s[j];
	}
}

static void lin_J(void *ud, const double *s, double *out)
{
	const lin *m = ud;
	memcpy(out, m->A, m->S * m->S * sizeof *out);
}

/* A = H B H with H a Householder reflection and B block upper triangular
 * with eigenvalues 1.5, -0.3 and 0.2 +- 0.4i */
static void lin_make(lin *m)
{
	static const double B[16] = {1.5, 0.7, 0.2, -0.1, 0, -0.3, 0.5, 0.3,
				     0, 0, 0.2, 0.4, 0, 0, -0.4, 0.2};
	static const double u[4] = {1, 2, -1, 0.5}, b[4] = {1, -2, 0.5, 3};
	double H[16], T[16], uu = 0.0;
	m->S = 4;
	for (int i = 0; i < 4; i++)
		uu += u[i] * u[i];
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			H[i * 4 + j] = (i == j) - 2.0 * u[i] * u[j] / uu;
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++) {
			T[i * 4 + j] = 0.0;
			for (int k = 0; k < 4; k++)
				T[i * 4 + j] += H[i * 4 + k] * B[k * 4 + j];
		}
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++) {
			m->A[i * 4 + j] = 0.0;
			for (int k = 0; k < 4; k++)
				m->A[i * 4 + j] += T[i * 4 + k] * H[k * 4 + j];
		}
	memcpy(m->b, b, sizeof b);
}

static void test_linear(void)
{
	lin m;
	lin_make(&m);
	/* the known answer: (I - A) x = b */
	double IA[16], x[4];
	for (int i = 0; i < 16; i++)
		IA[i] = (i % 5 == 0) - m.A[i];
	memcpy(x, m.b, sizeof x);
	lapack_int ipiv[4];
	LL_CHECK_INT(LAPACKE_dgesv(LAPACK_ROW_MAJOR, 4, 1, IA, 4, ipiv, x, 1), 0);

	ll_fp_map map = {4, lin_F, lin_J, &m};
	double *s0 = uniform_starts(20, 4, -3.0, 3.0, 5);
	ll_fp_result r;
	ll_err e;
	LL_REQUIRE_OK(ll_fp_find(&map, s0, 20, NULL, &r, &e), e);
	LL_CHECK_INT(r.n, 1);
	LL_CHECK_INT(r.n_fixed, 1);
	LL_CHECK_INT(r.n_duplicates, 19);
	LL_CHECK_INT(r.n_nonfinite + r.n_discarded + r.n_outliers, 0);
	for (int i = 0; i < 4; i++)
		LL_CHECK_NEAR(r.points[i], x[i], 1e-10);
	LL_CHECK(r.q[0] < 1e-24);
	for (int i = 0; i < 16; i++)
		LL_CHECK(r.jac[i] == m.A[i]);
	/* |lambda| descending: 1.5; 0.2 + 0.4i, 0.2 - 0.4i; -0.3 */
	static const double want[8] = {1.5, 0, 0.2, 0.4, 0.2, -0.4, -0.3, 0};
	for (int i = 0; i < 8; i++)
		LL_CHECK_NEAR(r.eig[i], want[i], 1e-12);
	LL_CHECK_INT(r.n_unstable[0], 1);
	LL_CHECK_INT(ll_fp_classify(r.n_unstable[0], 4), LL_FP_SADDLE);
	LL_CHECK_STR(ll_fp_class_name(LL_FP_SADDLE), "saddle");
	/* A v = lambda v for the real vectors, and for the pair (v = re + i im) */
	const double *V = r.evec;
	for (int i = 0; i < 4; i++) {
		double av0 = 0, av1 = 0, av2 = 0, av3 = 0;
		for (int k = 0; k < 4; k++) {
			av0 += m.A[i * 4 + k] * V[k * 4 + 0];
			av1 += m.A[i * 4 + k] * V[k * 4 + 1];
			av2 += m.A[i * 4 + k] * V[k * 4 + 2];
			av3 += m.A[i * 4 + k] * V[k * 4 + 3];
		}
		LL_CHECK_NEAR(av0, 1.5 * V[i * 4 + 0], 1e-12);
		LL_CHECK_NEAR(av1, 0.2 * V[i * 4 + 1] - 0.4 * V[i * 4 + 2], 1e-12);
		LL_CHECK_NEAR(av2, 0.4 * V[i * 4 + 1] + 0.2 * V[i * 4 + 2], 1e-12);
		LL_CHECK_NEAR(av3, -0.3 * V[i * 4 + 3], 1e-12);
	}
	/* the unstable manifold leaves: two edges to nowhere */
	LL_CHECK_INT(r.n_edges, 2);
	for (size_t k = 0; k < r.n_edges; k++) {
		LL_CHECK_INT(r.edges[k].from, 0);
		LL_CHECK(r.edges[k].to == LL_FP_NONE);
		LL_CHECK_INT(r.edges[k].eig, 0);
		LL_CHECK(r.edges[k].steps < 100);
	}
	/* a linear residual: Levenberg-Marquardt needs very few iterations */
	for (size_t i = 0; i < 20; i++)
		LL_CHECK(r.start_iters[i] <= 8);
	ll_fp_result_free(&r);
	ll_fp_result_free(&r); /* a no-op */
	free(s0);
}

/* ---- (b) a saddle between two attractors ---------------------------------------
 * x' = x + dt (x - x^3), y' = y + dt (x^2 - y), dt = 0.1: fixed points
 * (0, 0) with eigenvalues 1.1, 0.9 (a saddle) and (+-1, 1) with 0.9, 0.8. */

#define DT 0.1

static void bi_F(void *ud, const double *s, double *out)
{
	double x = s[0], y = s[1];
	out[0] = x + DT * (x - x * x * x);
	out[1] = y + DT * (x * x - y);
}

static void bi_J(void *ud, const double *s, double *out)
{
	double x = s[0];
	out[0] = 1.0 + DT * (1.0 - 3.0 * x * x);
	out[1] = 0.0;
	out[2] = 2.0 * DT * x;
	out[3] = 1.0 - DT;
}

static void test_bistable(void)
{
	ll_fp_map map = {2, bi_F, bi_J, NULL};
	double *s0 = uniform_starts(200, 2, -2.0, 2.0, 9);
	ll_fp_result r;
	ll_err e;
	LL_REQUIRE_OK(ll_fp_find(&map, s0, 200, NULL, &r, &e), e);
	LL_CHECK_INT(r.n, 3);
	LL_CHECK_INT(r.n_fixed, 3);
	LL_CHECK_INT(r.n_slow, 0);
	if (r.n != 3)
		goto out;
	/* stable first, by coordinates: (-1, 1), (1, 1); then the saddle */
	static const double want[6] = {-1, 1, 1, 1, 0, 0};
	for (int i = 0; i < 6; i++)
		LL_CHECK_NEAR(r.points[i], want[i], 1e-12);
	LL_CHECK_INT(r.n_unstable[0], 0);
	LL_CHECK_INT(r.n_unstable[1], 0);
	LL_CHECK_INT(r.n_unstable[2], 1);
	static const double ev[3][2] = {{0.9, 0.8}, {0.9, 0.8}, {1.1, 0.9}};
	for (int p = 0; p < 3; p++)
		for (int j = 0; j < 2; j++) {
			LL_CHECK_NEAR(r.eig[(p * 2 + j) * 2], ev[p][j], 1e-12);
			LL_CHECK(r.eig[(p * 2 + j) * 2 + 1] == 0.0);
		}
	/* the saddle's unstable manifold: + x to (1, 1), - x to (-1, 1) */
	LL_CHECK_INT(r.n_edges, 2);
	if (r.n_edges == 2) {
		LL_CHECK_INT(r.edges[0].from, 2);
		LL_CHECK_INT(r.edges[0].sign, 1);
		LL_CHECK_INT(r.edges[0].to, 1);
		LL_CHECK_INT(r.edges[1].from, 2);
		LL_CHECK_INT(r.edges[1].sign, -1);
		LL_CHECK_INT(r.edges[1].to, 0);
	}
	size_t counts[3];
	ll_fp_counts(&r, counts);
	LL_CHECK_INT(counts[0], 2);
	LL_CHECK_INT(counts[1], 1);
	LL_CHECK_INT(counts[2], 0);
out:
	ll_fp_result_free(&r);
	free(s0);
}

/* ---- (c) an ideal 3-bit flip-flop: s_i' = tanh(3 s_i) ---------------------------
 * 1-D: 0 (slope 3, unstable) and +-x* (slope 3 (1 - x*^2) ~ 0.03); the
 * product has 3^3 = 27 points, k unstable directions where k coordinates
 * are 0: 8, 12, 6 and 1 points with 0, 1, 2, 3. */

#define FF_W 3.0

static void ff_F(void *ud, const double *s, double *out)
{
	for (int i = 0; i < 3; i++)
		out[i] = tanh(FF_W * s[i]);
}

static void ff_J(void *ud, const double *s, double *out)
{
	memset(out, 0, 9 * sizeof *out);
	for (int i = 0; i < 3; i++) {
		double t = tanh(FF_W * s[i]);
		out[i * 3 + i] = FF_W * (1.0 - t * t);
	}
}

static double ff_xstar(void)
{
	double x = 1.0;
	for (int k = 0; k < 50; k++) {
		double t = tanh(FF_W * x);
		x -= (t - x) / (FF_W * (1.0 - t * t) - 1.0);
	}
	return x;
}

static int ff_find(int threads, int manifolds, ll_fp_result *r, ll_err *e)
{
	ll_fp_map map = {3, ff_F, ff_J, NULL};
	double *s0 = uniform_starts(1000, 3, -1.2, 1.2, 3);
	ll_fp_opts o;
	ll_fp_opts_default(&o);
	o.threads = threads;
	o.manifolds = manifolds;
	int rc = ll_fp_find(&map, s0, 1000, &o, r, e);
	free(s0);
	return rc;
}

static void test_flipflop(void)
{
	ll_fp_result r;
	ll_err e;
	LL_REQUIRE_OK(ff_find(0, 1, &r, &e), e);
	double xs = ff_xstar();
	LL_CHECK_INT(r.n, 27);
	LL_CHECK_INT(r.n_fixed, 27);
	size_t counts[4];
	ll_fp_counts(&r, counts);
	LL_CHECK_INT(counts[0], 8);
	LL_CHECK_INT(counts[1], 12);
	LL_CHECK_INT(counts[2], 6);
	LL_CHECK_INT(counts[3], 1);
	/* every point is in {0, +-x*}^3, once, with its own unstable count */
	int seen[27] = {0};
	for (size_t p = 0; p < r.n; p++) {
		int code = 0;
		size_t zeros = 0;
		for (int i = 0; i < 3; i++) {
			double v = r.points[p * 3 + i];
			int d = fabs(v) < 1e-9 ? 0 : fabs(v - xs) < 1e-9 ? 1 : fabs(v + xs) < 1e-9 ? 2 : 9;
			LL_CHECK_MSG(d != 9, "point %zu coordinate %d is %.17g", p, i, v);
			code = code * 3 + (d % 3);
			zeros += d == 0;
		}
		seen[code]++;
		LL_CHECK_INT(r.n_unstable[p], zeros);
		LL_CHECK(r.q[p] < 1e-24);
		/* the leading eigenvalue: 3 where a coordinate is 0 */
		LL_CHECK_NEAR(r.eig[p * 6], zeros ? 3.0 : FF_W * (1.0 - xs * xs), 1e-9);
	}
	for (int c = 0; c < 27; c++)
		LL_CHECK_INT(seen[c], 1);
	LL_CHECK_INT(ll_fp_classify(r.n_unstable[0], 3), LL_FP_STABLE);
	LL_CHECK_INT(ll_fp_classify(r.n_unstable[26], 3), LL_FP_REPELLER);
	/* each 1-saddle's two trajectories reach the two corners next to it.
	 * A higher saddle's start along e_i reaches a point with x_i = sign
	 * x* and the saddle's other nonzero coordinates: a lower saddle if
	 * its zero coordinates stay exactly 0 (an invariant subspace), else
	 * the corner a rounding-size perturbation grows towards */
	size_t one_saddle_edges = 0;
	for (size_t k = 0; k < r.n_edges; k++) {
		const ll_fp_edge *x = &r.edges[k];
		LL_CHECK(x->to != LL_FP_NONE);
		if (x->to == LL_FP_NONE)
			continue;
		const double *from = r.points + x->from * 3, *to = r.points + x->to * 3;
		LL_CHECK(r.n_unstable[x->to] < r.n_unstable[x->from]);
		/* the direction: e_i, the largest entry of eigenvector x->eig */
		const double *V = r.evec + x->from * 9;
		int dir = 0;
		for (int i = 1; i < 3; i++)
			if (fabs(V[i * 3 + x->eig]) > fabs(V[dir * 3 + x->eig]))
				dir = i;
		LL_CHECK_NEAR(V[dir * 3 + x->eig], 1.0, 1e-12);
		LL_CHECK_NEAR(from[dir], 0.0, 1e-9);
		LL_CHECK_NEAR(to[dir], x->sign * xs, 1e-9);
		for (int i = 0; i < 3; i++)
			if (fabs(from[i]) > 0.5)
				LL_CHECK_NEAR(to[i], from[i], 1e-9);
		if (r.n_unstable[x->from] == 1) {
			one_saddle_edges++;
			LL_CHECK_INT(r.n_unstable[x->to], 0);
		}
	}
	/* 12 one-saddles x 2 + 6 two-saddles x 4 + the origin x 6 */
	LL_CHECK_INT(r.n_edges, 12 * 2 + 6 * 4 + 6);
	LL_CHECK_INT(one_saddle_edges, 24);

	/* the same bits with 1 and 2 threads */
	ll_fp_result r1, r2;
	LL_REQUIRE_OK(ff_find(1, 1, &r1, &e), e);
	LL_REQUIRE_OK(ff_find(2, 1, &r2, &e), e);
	LL_CHECK_INT(r1.n, r.n);
	LL_CHECK_INT(r2.n, r.n);
	if (r1.n == r.n && r2.n == r.n) {
		LL_CHECK(memcmp(r1.points, r.points, r.n * 3 * sizeof(double)) == 0);
		LL_CHECK(memcmp(r2.points, r.points, r.n * 3 * sizeof(double)) == 0);
		LL_CHECK(memcmp(r2.eig, r1.eig, r.n * 6 * sizeof(double)) == 0);
		LL_CHECK(memcmp(r2.start_q, r1.start_q, 1000 * sizeof(double)) == 0);
		LL_CHECK_INT(r2.n_edges, r1.n_edges);
		if (r2.n_edges == r1.n_edges)
			LL_CHECK(memcmp(r2.edges, r1.edges, r1.n_edges * sizeof *r1.edges) == 0);
	}
	LL_CHECK_INT(r1.n_map_evals, r2.n_map_evals);
	ll_fp_result_free(&r);
	ll_fp_result_free(&r1);
	ll_fp_result_free(&r2);
}

/* ---- a ghost: x' = x + dt (mu + x^2) has no fixed point; q is smallest,
 * 1/2 (dt mu)^2 = 5e-9, at x = 0: a slow point ------------------------------------ */

static void ghost_F(void *ud, const double *s, double *out)
{
	out[0] = s[0] + 0.1 * (1e-3 + s[0] * s[0]);
}

static void ghost_J(void *ud, const double *s, double *out)
{
	out[0] = 1.0 + 0.2 * s[0];
}

static void test_slow(void)
{
	ll_fp_map map = {1, ghost_F, ghost_J, NULL};
	double *s0 = uniform_starts(30, 1, -0.5, 0.5, 1);
	ll_fp_result r;
	ll_err e;
	LL_REQUIRE_OK(ll_fp_find(&map, s0, 30, NULL, &r, &e), e);
	LL_CHECK_INT(r.n, 1);
	LL_CHECK_INT(r.n_fixed, 0);
	LL_CHECK_INT(r.n_slow, 1);
	if (r.n == 1) {
		LL_CHECK_INT(r.kind[0], LL_FP_SLOW);
		LL_CHECK_NEAR(r.points[0], 0.0, 1e-4);
		LL_CHECK_NEAR(r.q[0], 5e-9, 1e-12);
	}
	LL_CHECK_INT(r.n_edges, 0); /* no manifolds from slow points */
	ll_fp_result_free(&r);
	/* with a slow tolerance below it: nothing kept, every start discarded */
	ll_fp_opts o;
	ll_fp_opts_default(&o);
	o.tol_q_slow = 1e-9;
	LL_REQUIRE_OK(ll_fp_find(&map, s0, 30, &o, &r, &e), e);
	LL_CHECK_INT(r.n, 0);
	LL_CHECK_INT(r.n_discarded, 30);
	ll_fp_result_free(&r);
	free(s0);
}

/* ---- (e) bad inputs ---------------------------------------------------------------- */

/* NaN beyond s = 1.5 */
static void nan_F(void *ud, const double *s, double *out)
{
	out[0] = s[0] > 1.5 ? NAN : tanh(2.0 * s[0]);
}

static void nan_J(void *ud, const double *s, double *out)
{
	double t = tanh(2.0 * s[0]);
	out[0] = 2.0 * (1.0 - t * t);
}

static int stop_after_5(void *ud, const ll_progress *p)
{
	int *calls = ud;
	return ++*calls >= 5;
}

static void test_errors(void)
{
	ll_fp_map map = {2, bi_F, bi_J, NULL};
	double s0[6] = {0.5, 0.5, -0.5, 0.25, 1, 1};
	ll_fp_result r;
	ll_err e;
	map.dim = 0;
	LL_CHECK_INT(ll_fp_find(&map, s0, 3, NULL, &r, &e), LL_ESHAPE);
	LL_CHECK_STR(e.msg, "fixed points: the map has dimension 0");
	LL_CHECK(r.points == NULL && r.n == 0);
	map.dim = 2;
	LL_CHECK_INT(ll_fp_find(&map, s0, 0, NULL, &r, &e), LL_EINVAL);
	LL_CHECK_STR(e.msg, "fixed points: no initial states (n = 0)");
	s0[3] = NAN;
	LL_CHECK_INT(ll_fp_find(&map, s0, 3, NULL, &r, &e), LL_ENUMERIC);
	LL_CHECK_STR(e.msg, "fixed points: initial state 1 has nan at coordinate 1");
	LL_CHECK(r.start_q == NULL);
	s0[3] = 0.25;
	map.J = NULL;
	LL_CHECK_INT(ll_fp_find(&map, s0, 3, NULL, &r, &e), LL_EINVAL);
	LL_CHECK(one_line(e.msg));
	map.J = bi_J;
	ll_fp_opts o;
	ll_fp_opts_default(&o);
	o.tol_q_slow = 1e-14;
	LL_CHECK_INT(ll_fp_find(&map, s0, 3, &o, &r, &e), LL_EINVAL);
	LL_CHECK_STR(e.msg, "fixed points: tol_q_slow = 1e-14 (must be finite and >= tol_q)");
	ll_fp_opts_default(&o);
	o.max_iters = 0;
	LL_CHECK_INT(ll_fp_find(&map, s0, 3, &o, &r, &e), LL_EINVAL);
	LL_CHECK(one_line(e.msg));

	/* a map that gives NaN: starts beyond 1.5 are dropped and counted, or fail */
	ll_fp_map nm = {1, nan_F, nan_J, NULL};
	double ns[4] = {0.3, 2.0, -0.8, 3.0};
	LL_REQUIRE_OK(ll_fp_find(&nm, ns, 4, NULL, &r, &e), e);
	LL_CHECK_INT(r.n_nonfinite, 2);
	LL_CHECK(isnan(r.start_q[1]) && isnan(r.start_q[3]));
	LL_CHECK_INT(r.n + r.n_duplicates + r.n_discarded + r.n_outliers + r.n_nonfinite, 4);
	ll_fp_result_free(&r);
	ll_fp_opts_default(&o);
	o.on_nonfinite = LL_FP_NONFINITE_ERROR;
	o.threads = 2;
	LL_CHECK_INT(ll_fp_find(&nm, ns, 4, &o, &r, &e), LL_ENUMERIC);
	LL_CHECK_STR(e.msg, "fixed points: the map gave NaN/Inf from start 1 at iteration 0");
	LL_CHECK(r.points == NULL);

	/* the progress callback stops the search */
	int calls = 0;
	double *many = uniform_starts(50, 2, -2.0, 2.0, 2);
	ll_fp_opts_default(&o);
	o.progress = stop_after_5;
	o.progress_ud = &calls;
	o.threads = 1;
	LL_CHECK_INT(ll_fp_find(&map, many, 50, &o, &r, &e), LL_ECANCELED);
	LL_CHECK(one_line(e.msg));
	LL_CHECK_INT(calls, 5);
	LL_CHECK(r.points == NULL);
	free(many);
}

/* ---- starts sampled from a trajectory ------------------------------------------------ */

static void test_sample(void)
{
	double states[6] = {1, 2, 3, -1, -2, -3};
	float fstates[6] = {1, 2, 3, -1, -2, -3};
	double out[300], out2[300];
	ll_err e;
	LL_REQUIRE_OK(ll_fp_sample_starts(states, 2, 3, 100, 0.0, 4, out, &e), e);
	size_t first = 0;
	for (int i = 0; i < 100; i++) {
		int a = out[i * 3] == 1 && out[i * 3 + 1] == 2 && out[i * 3 + 2] == 3;
		int b = out[i * 3] == -1 && out[i * 3 + 1] == -2 && out[i * 3 + 2] == -3;
		LL_CHECK(a || b);
		first += a;
	}
	LL_CHECK(first > 20 && first < 80);
	/* float states, same seed: the same draws */
	LL_REQUIRE_OK(ll_fp_sample_starts_f(fstates, 2, 3, 100, 0.5, 4, out2, &e), e);
	LL_REQUIRE_OK(ll_fp_sample_starts(states, 2, 3, 100, 0.5, 4, out, &e), e);
	LL_CHECK(memcmp(out, out2, sizeof out) == 0);
	double m = 0.0, v = 0.0;
	for (int i = 0; i < 100; i++) {
		double base = out[i * 3] > 0 ? 1 : -1; /* noise 0.5 never flips 1 to -1 at 4 sd */
		double d = out[i * 3] - base;
		m += d;
		v += d * d;
	}
	m /= 100;
	v = v / 100 - m * m;
	LL_CHECK_NEAR(m, 0.0, 0.15);
	LL_CHECK_NEAR(sqrt(v), 0.5, 0.12);
	states[4] = NAN;
	LL_CHECK_INT(ll_fp_sample_starts(states, 2, 3, 100, 0.0, 4, out, &e), LL_ENUMERIC);
	LL_CHECK(one_line(e.msg));
	LL_CHECK_INT(ll_fp_sample_starts(states, 0, 3, 100, 0.0, 4, out, &e), LL_EINVAL);
	LL_CHECK_INT(ll_fp_sample_starts(states, 2, 3, 100, -1.0, 4, out, &e), LL_EINVAL);
	LL_CHECK(one_line(e.msg));
}

/* ---- (f) the graph distance ----------------------------------------------------------- */

static void test_graph_distance(void)
{
	ll_fp_result ff, ff2, ffn, bi;
	ll_err e;
	ll_fp_graph_dist d, d2;
	LL_REQUIRE_OK(ff_find(0, 1, &ff, &e), e);
	LL_REQUIRE_OK(ff_find(0, 1, &ff2, &e), e);
	LL_REQUIRE_OK(ff_find(0, 0, &ffn, &e), e);
	ll_fp_map map = {2, bi_F, bi_J, NULL};
	double *s0 = uniform_starts(200, 2, -2.0, 2.0, 9);
	LL_REQUIRE_OK(ll_fp_find(&map, s0, 200, NULL, &bi, &e), e);
	free(s0);

	LL_REQUIRE_OK(ll_fp_graph_distance(&ff, &ff, &d, &e), e);
	LL_CHECK(d.total == 0.0);
	LL_REQUIRE_OK(ll_fp_graph_distance(&ff, &ff2, &d, &e), e);
	LL_CHECK(d.total == 0.0);
	/* flip-flop vs bistable: counts 8/12/6/1 vs 2/1/0/0 -> 6 + 11 + 6 + 1 = 24 */
	LL_REQUIRE_OK(ll_fp_graph_distance(&ff, &bi, &d, &e), e);
	LL_CHECK_NEAR(d.counts, 24.0, 0);
	LL_CHECK(d.out_degree > 0.0 && d.in_degree > 0.0);
	LL_CHECK_NEAR(d.total, d.counts + d.out_degree + d.in_degree, 0);
	LL_REQUIRE_OK(ll_fp_graph_distance(&bi, &ff, &d2, &e), e);
	LL_CHECK(d2.total == d.total && d2.counts == d.counts && d2.out_degree == d.out_degree &&
		 d2.in_degree == d.in_degree);
	/* the same points without manifolds: only the graph terms differ */
	LL_REQUIRE_OK(ll_fp_graph_distance(&ff, &ffn, &d, &e), e);
	LL_CHECK(d.counts == 0.0);
	LL_CHECK(d.out_degree > 0.0 && d.in_degree > 0.0);
	LL_CHECK_INT(ll_fp_graph_distance(NULL, &ff, &d, &e), LL_EINVAL);
	LL_CHECK(one_line(e.msg));

	/* by hand: a bistable graph (2 attractors, a saddle between them) and a
	 * chain of three (saddle A -> 0, 1; saddle B -> 1, 2, and B -> 1 twice) */
	ll_fp_kind fx[5] = {LL_FP_FIXED, LL_FP_FIXED, LL_FP_FIXED, LL_FP_FIXED, LL_FP_FIXED};
	size_t nu1[3] = {0, 0, 1}, nu2[5] = {0, 0, 0, 1, 1};
	ll_fp_edge e1[2] = {{2, 0, 0, 1, 5}, {2, 1, 0, -1, 5}};
	ll_fp_edge e2[5] = {{3, 0, 0, 1, 5}, {3, 1, 0, -1, 5}, {4, 1, 0, 1, 5}, {4, 2, 0, -1, 5},
			    {4, 1, 1, 1, 5}};
	ll_fp_result g1 = {0}, g2 = {0};
	g1.dim = g2.dim = 2;
	g1.n = 3;
	g1.kind = fx;
	g1.n_unstable = nu1;
	g1.edges = e1;
	g1.n_edges = 2;
	g2.n = 5;
	g2.kind = fx;
	g2.n_unstable = nu2;
	g2.edges = e2;
	g2.n_edges = 5;
	/* counts [2 1 0] vs [3 2 0]: 2; out-degree {2: 1} vs {2: 2}: 1;
	 * in-degree {1: 2} vs {1: 2, 2: 1}: 1 */
	LL_REQUIRE_OK(ll_fp_graph_distance(&g1, &g2, &d, &e), e);
	LL_CHECK_NEAR(d.counts, 2.0, 0);
	LL_CHECK_NEAR(d.out_degree, 1.0, 0);
	LL_CHECK_NEAR(d.in_degree, 1.0, 0);
	LL_CHECK_NEAR(d.total, 4.0, 0);
	LL_REQUIRE_OK(ll_fp_graph_distance(&g2, &g1, &d2, &e), e);
	LL_CHECK(d2.total == 4.0);
	LL_REQUIRE_OK(ll_fp_graph_distance(&g2, &g2, &d2, &e), e);
	LL_CHECK(d2.total == 0.0);
	LL_CHECK(one_line(e.msg));
	ll_fp_result_free(&ff);
	ll_fp_result_free(&ff2);
	ll_fp_result_free(&ffn);
	ll_fp_result_free(&bi);
}

/* ---- out of memory at every allocation: LL_ENOMEM, nothing left live ------------- */

typedef struct oom_ctx {
	double *starts;
	ll_err err;
} oom_ctx;

static int oom_run(void *ud)
{
	oom_ctx *c = ud;
	ll_fp_map map = {2, bi_F, bi_J, NULL};
	ll_fp_opts o;
	ll_fp_opts_default(&o);
	o.threads = 1; /* the k-th allocation is the same call every run */
	ll_fp_result r, r2;
	int rc = ll_fp_find(&map, c->starts, 40, &o, &r, &c->err);
	if (rc != LL_OK)
		return rc;
	/* the linear map too: complex eigenvalues, a trace that leaves */
	lin m;
	lin_make(&m);
	ll_fp_map lm = {4, lin_F, lin_J, &m};
	rc = ll_fp_find(&lm, c->starts, 10, &o, &r2, &c->err);
	if (rc == LL_OK) {
		ll_fp_graph_dist d;
		rc = ll_fp_graph_distance(&r, &r2, &d, &c->err);
		if (rc == LL_OK && r.n != 3)
			rc = LL_ENUMERIC;
	}
	ll_fp_result_free(&r);
	ll_fp_result_free(&r2);
	return rc;
}

static const char *oom_message(void *ud)
{
	return ((oom_ctx *)ud)->err.msg;
}

static void test_oom(void)
{
	oom_ctx c;
	c.starts = uniform_starts(40, 2, -2.0, 2.0, 9);
	ll_failalloc_sweep sw = {.name = "fixed points", .run = oom_run, .message = oom_message, .ud = &c};
	int ok = ll_failalloc_sweep_run(&sw);
	printf("# %s: %zu allocations, %zu failing runs, %.2f s\n", sw.name, sw.n, sw.runs, sw.seconds);
	LL_CHECK_INT(sw.clean_rc, 0);
	LL_CHECK(sw.n > 50);
	LL_CHECK_INT(ok, 0);
	free(c.starts);
}

int main(void)
{
	LL_RUN(test_linear);
	LL_RUN(test_bistable);
	LL_RUN(test_flipflop);
	LL_RUN(test_slow);
	LL_RUN(test_errors);
	LL_RUN(test_sample);
	LL_RUN(test_graph_distance);
	LL_RUN(test_oom);
	return ll_test_done();
}
