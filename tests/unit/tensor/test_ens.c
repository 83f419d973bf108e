/* Unit tests for the ens module: the Hungarian algorithm against brute
 * force, the three similarity scores on hand-computed cases, alignment
 * (permutation, sign flips, different ranks), and ensembles on a planted
 * rank-3 tensor (elbow, stability, reproducibility, thread and fusion
 * invariance, errors). */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/ll_common.h"
#include "tensor/ll_cp.h"
#include "tensor/ll_ens.h"
#include "io/ll_ens_io.h"
#include "io/ll_ens_shard.h"
#include "tensor/ll_ktensor.h"
#include "io/ll_npy.h"
#include "linalg/ll_hungarian.h"
#include "base/ll_rng.h"
#include "tensor/ll_tensor.h"
#include "ll_test.h"

/* ---- Hungarian ------------------------------------------------------------ */

/* Minimum total cost over all injective row->column maps (n <= m), by
 * exhaustive search. */
static double brute_tall(const double *c, size_t n, size_t m, size_t row, unsigned used)
{
	if (row == n)
		return 0.0;
	double best = HUGE_VAL;
	for (size_t j = 0; j < m; j++) {
		if (used & (1u << j))
			continue;
		double v = c[row * m + j] + brute_tall(c, n, m, row + 1, used | (1u << j));
		if (v < best)
			best = v;
	}
	return best;
}

static double brute(const double *c, size_t n, size_t m)
{
	if (n <= m)
		return brute_tall(c, n, m, 0, 0);
	double t[64];
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < m; j++)
			t[j * n + i] = c[i * m + j];
	return brute_tall(t, m, n, 0, 0);
}

/* Checks assign is a valid matching of min(n, m) pairs; returns its cost. */
static double assign_cost(const double *c, size_t n, size_t m, const size_t *a, int *valid)
{
	unsigned used = 0;
	size_t pairs = 0;
	double s = 0.0;
	*valid = 1;
	for (size_t i = 0; i < n; i++) {
		if (a[i] == SIZE_MAX)
			continue;
		if (a[i] >= m || (used & (1u << a[i])))
			*valid = 0;
		else
			used |= 1u << a[i];
		pairs++;
		s += c[i * m + (a[i] < m ? a[i] : 0)];
	}
	if (pairs != (n < m ? n : m))
		*valid = 0;
	return s;
}

static void test_hungarian_brute(void)
{
	ll_rng rng;
	ll_rng_init(&rng, 42);
	double c[64];
	size_t a[8];
	int bad = 0;
	for (int trial = 0; trial < 400; trial++) {
		size_t n = 1 + ll_rng_below(&rng, 7), m = 1 + ll_rng_below(&rng, 7);
		/* every third trial: small integers, so ties are common */
		for (size_t k = 0; k < n * m; k++)
			c[k] = trial % 3 == 0 ? (double)ll_rng_below(&rng, 4)
					      : ll_rng_normal(&rng) * 10.0;
		int rc = ll_hungarian(c, n, m, a, NULL), valid;
		double got = assign_cost(c, n, m, a, &valid), want = brute(c, n, m);
		if (rc != LL_OK || !valid || fabs(got - want) > 1e-9 * (1.0 + fabs(want))) {
			if (bad++ < 3)
				printf("# %zu x %zu: rc %d valid %d cost %.17g, brute force %.17g\n", n,
				       m, rc, valid, got, want);
		}
	}
	LL_CHECK_INT(bad, 0);
}

static void test_hungarian_known(void)
{
	/* textbook 3x3: the optimum 1 + 2 + 2 = 5 is rows -> (1, 0, 2) */
	const double c[9] = {4, 1, 3, 2, 0, 5, 3, 2, 2};
	size_t a[3];
	LL_CHECK_INT(ll_hungarian(c, 3, 3, a, NULL), LL_OK);
	LL_CHECK_INT(a[0], 1);
	LL_CHECK_INT(a[1], 0);
	LL_CHECK_INT(a[2], 2);
	/* 3 rows, 2 columns: row 1 is left out */
	const double r[6] = {1, 9, 5, 5, 9, 1};
	LL_CHECK_INT(ll_hungarian(r, 3, 2, a, NULL), LL_OK);
	LL_CHECK_INT(a[0], 0);
	LL_CHECK_INT(a[1], SIZE_MAX);
	LL_CHECK_INT(a[2], 1);
	/* 2 rows, 4 columns */
	const double w[8] = {7, 3, 1, 8, 2, 9, 0.5, 4};
	LL_CHECK_INT(ll_hungarian(w, 2, 4, a, NULL), LL_OK);
	LL_CHECK_INT(a[0], 2); /* 1 + 2 beats 3 + 0.5 */
	LL_CHECK_INT(a[1], 0);
	/* no columns: nothing assigned; no rows: nothing to do */
	a[0] = 0;
	LL_CHECK_INT(ll_hungarian(c, 1, 0, a, NULL), LL_OK);
	LL_CHECK_INT(a[0], SIZE_MAX);
	LL_CHECK_INT(ll_hungarian(NULL, 0, 3, NULL, NULL), LL_OK);
}

static void test_hungarian_errors(void)
{
	double c[4] = {1, 2, NAN, 4};
	size_t a[2];
	ll_err e;
	ll_err_clear(&e);
	LL_CHECK_INT(ll_hungarian(c, 2, 2, a, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "cost[1][0] is not finite");
	c[2] = INFINITY;
	LL_CHECK_INT(ll_hungarian(c, 2, 2, a, NULL), LL_EINVAL);
	LL_CHECK_INT(ll_hungarian(NULL, 2, 2, a, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "hungarian");
}

/* ---- similarity and alignment --------------------------------------------- */

static void test_sim_names(void)
{
	ll_sim_kind k = LL_SIM_CONGRUENCE;
	LL_CHECK_STR(ll_sim_name(LL_SIM_MEANCOS), "mean-cos");
	LL_CHECK_STR(ll_sim_name(LL_SIM_TOMASI_BRO), "tomasi-bro");
	LL_CHECK_STR(ll_sim_name(LL_SIM_CONGRUENCE), "congruence");
	LL_CHECK_STR(ll_sim_name((ll_sim_kind)7), "unknown");
	LL_CHECK_INT(ll_sim_parse("mean-cos", &k), LL_OK);
	LL_CHECK_INT(k, LL_SIM_MEANCOS);
	LL_CHECK_INT(ll_sim_parse("Tomasi_Bro", &k), LL_OK);
	LL_CHECK_INT(k, LL_SIM_TOMASI_BRO);
	LL_CHECK_INT(ll_sim_parse("congruence", &k), LL_OK);
	LL_CHECK_INT(k, LL_SIM_CONGRUENCE);
	LL_CHECK_INT(ll_sim_parse("cos", &k), LL_EINVAL);
	LL_CHECK_INT(ll_sim_parse("mean-cosx", &k), LL_EINVAL);
	LL_CHECK_INT(ll_sim_parse("", &k), LL_EINVAL);
	LL_CHECK_INT(ll_sim_parse(NULL, &k), LL_EINVAL);
}

static void random_kt(ll_ktensor *K, int N, const size_t *dim, size_t R, uint64_t seed)
{
	ll_rng rng;
	ll_rng_init(&rng, seed);
	ll_ktensor_init(K, N, dim, R, NULL);
	for (int n = 0; n < N; n++)
		for (size_t i = 0; i < dim[n] * R; i++)
			K->U[n][i] = ll_rng_normal(&rng);
	for (size_t r = 0; r < R; r++)
		K->lambda[r] = 1.0 + (double)r;
}

static double max_abs_diff(const ll_tensor *a, const ll_tensor *b)
{
	double m = 0.0;
	for (size_t i = 0; i < a->size; i++)
		if (fabs(a->data[i] - b->data[i]) > m)
			m = fabs(a->data[i] - b->data[i]);
	return m;
}

/* B = A with components permuted, an even number of sign flips per
 * component, and columns rescaled with lambda compensating. */
static void test_sim_self(void)
{
	const size_t dim[3] = {6, 5, 4}, R = 4, P[4] = {2, 0, 3, 1};
	ll_ktensor A, B;
	random_kt(&A, 3, dim, R, 7);
	ll_ktensor_copy(&B, &A, NULL);
	ll_ktensor_permute(&B, P, NULL); /* B[r] = A[P[r]] */
	for (size_t r = 0; r < R; r++) {
		double s = 0.5 + (double)r; /* column scale in mode 1, undone in lambda */
		for (size_t i = 0; i < dim[1]; i++)
			B.U[1][i * R + r] *= s;
		B.lambda[r] /= s;
		if (r % 2 == 0) /* flip modes 0 and 2 */
			for (int n = 0; n < 3; n += 2)
				for (size_t i = 0; i < dim[n]; i++)
					B.U[n][i * R + r] = -B.U[n][i * R + r];
	}
	for (int kind = 0; kind < 3; kind++) {
		double sim = -1;
		size_t perm[4];
		LL_CHECK_INT(ll_kt_similarity(&A, &B, (ll_sim_kind)kind, &sim, perm, NULL), LL_OK);
		LL_CHECK_NEAR(sim, 1.0, 1e-12);
		for (size_t r = 0; r < R; r++)
			LL_CHECK_INT(P[perm[r]], r); /* A's r is B's perm[r] */
		/* symmetric */
		LL_CHECK_INT(ll_kt_similarity(&B, &A, (ll_sim_kind)kind, &sim, NULL, NULL), LL_OK);
		LL_CHECK_NEAR(sim, 1.0, 1e-12);
	}
	/* align: the model is unchanged, and B's columns now equal A's
	 * (up to the scale of mode 1 and lambda) with the same signs */
	ll_tensor fa, fb, fb2;
	ll_ktensor_full(&A, &fa, NULL);
	ll_ktensor_full(&B, &fb, NULL);
	LL_CHECK_INT(ll_kt_align(&A, &B, LL_SIM_MEANCOS, NULL), LL_OK);
	ll_ktensor_full(&B, &fb2, NULL);
	LL_CHECK(max_abs_diff(&fb, &fb2) < 1e-12);
	LL_CHECK(max_abs_diff(&fa, &fb2) < 1e-12);
	ll_ktensor_normalize(&A);
	ll_ktensor_normalize(&B);
	double md = 0.0;
	for (int n = 0; n < 3; n++)
		for (size_t i = 0; i < dim[n] * R; i++)
			md = fmax(md, fabs(A.U[n][i] - B.U[n][i]));
	for (size_t r = 0; r < R; r++)
		md = fmax(md, fabs(A.lambda[r] - B.lambda[r]));
	LL_CHECK_MSG(md < 1e-12, "aligned B differs from A by %g", md);
	ll_tensor_free(&fa);
	ll_tensor_free(&fb);
	ll_tensor_free(&fb2);
	ll_ktensor_free(&A);
	ll_ktensor_free(&B);
}

/* Two 2x2 (two-mode) models with known cosines:
 *   A: mode 0 columns e1, e2; mode 1 columns e1, e2; lambda (1, 1)
 *   B: mode 0 columns (cos 60, sin 60), e2; mode 1 columns e1, (1,1)/sqrt2;
 *      lambda (2, 1)
 * |cos| per mode (A comp, B comp):
 *   mode 0: (0,0) 1/2, (0,1) 0, (1,0) sqrt3/2, (1,1) 1
 *   mode 1: (0,0) 1,   (0,1) 1/sqrt2, (1,0) 0, (1,1) 1/sqrt2
 * mean-cos pairs: (0,0) 3/4, (1,1) (1 + 1/sqrt2)/2, crossed pairs sum to
 * (1/sqrt2 + sqrt3/2)/2 < the straight ones, so the match is straight:
 *   mean-cos   = (3/4 + (1 + 1/sqrt2)/2) / 2 = (5/2 + 1/sqrt2) / 4
 *   congruence = (1/2 + 1/sqrt2) / 2
 *   tomasi-bro = (1/2 x 1/2 + 1 x 1/sqrt2) / 2   (weights 1 vs 2: penalty 1/2) */
static void textbook(ll_ktensor *A, ll_ktensor *B, int swap)
{
	const size_t dim[2] = {2, 2};
	ll_ktensor_init(A, 2, dim, 2, NULL);
	ll_ktensor_init(B, 2, dim, 2, NULL);
	const double a[4] = {1, 0, 0, 1}; /* row-major 2x2, column r = component r */
	memcpy(A->U[0], a, sizeof a);
	memcpy(A->U[1], a, sizeof a);
	double c = 0.5, s = sqrt(3.0) / 2, h = 1.0 / sqrt(2.0);
	const double b0[4] = {c, 0, s, 1}, b1[4] = {1, h, 0, h};
	memcpy(B->U[0], b0, sizeof b0);
	memcpy(B->U[1], b1, sizeof b1);
	B->lambda[0] = 2.0;
	B->lambda[1] = 1.0;
	if (swap) {
		const size_t p[2] = {1, 0};
		ll_ktensor_permute(B, p, NULL);
	}
}

static void test_sim_textbook(void)
{
	double h = 1.0 / sqrt(2.0);
	const double want[3] = {(2.5 + h) / 4, (0.25 + h) / 2, (0.5 + h) / 2};
	for (int swap = 0; swap < 2; swap++) {
		ll_ktensor A, B;
		textbook(&A, &B, swap);
		for (int kind = 0; kind < 3; kind++) {
			double sim = -1;
			size_t perm[2] = {9, 9};
			LL_CHECK_INT(ll_kt_similarity(&A, &B, (ll_sim_kind)kind, &sim, perm, NULL), LL_OK);
			LL_CHECK_NEAR(sim, want[kind], 1e-14);
			LL_CHECK_INT(perm[0], swap ? 1 : 0);
			LL_CHECK_INT(perm[1], swap ? 0 : 1);
		}
		ll_ktensor_free(&A);
		ll_ktensor_free(&B);
	}
	/* a zero lambda: Tomasi-Bro penalises it fully, the others ignore lambda */
	ll_ktensor A, B;
	textbook(&A, &B, 0);
	B.lambda[1] = 0.0;
	double sim;
	LL_CHECK_INT(ll_kt_similarity(&A, &B, LL_SIM_TOMASI_BRO, &sim, NULL, NULL), LL_OK);
	LL_CHECK_NEAR(sim, 0.25 / 2, 1e-14);
	LL_CHECK_INT(ll_kt_similarity(&A, &B, LL_SIM_CONGRUENCE, &sim, NULL, NULL), LL_OK);
	LL_CHECK_NEAR(sim, (0.5 + h) / 2, 1e-14);
	ll_ktensor_free(&A);
	ll_ktensor_free(&B);
}

/* Different ranks: unmatched components score 0, the mean is over the
 * larger rank. */
static void test_sim_ranks(void)
{
	double h = 1.0 / sqrt(2.0);
	ll_ktensor A, B, B1;
	textbook(&A, &B, 0);
	/* B1 = B's component 0 only: it matches A's component 0 (3/4 > sqrt3/4) */
	const size_t dim[2] = {2, 2};
	ll_ktensor_init(&B1, 2, dim, 1, NULL);
	B1.U[0][0] = 0.5;
	B1.U[0][1] = sqrt(3.0) / 2;
	B1.U[1][0] = 1;
	B1.U[1][1] = 0;
	double sim;
	size_t perm[2];
	LL_CHECK_INT(ll_kt_similarity(&A, &B1, LL_SIM_MEANCOS, &sim, perm, NULL), LL_OK);
	LL_CHECK_NEAR(sim, 0.75 / 2, 1e-14);
	LL_CHECK_INT(perm[0], 0);
	LL_CHECK_INT(perm[1], SIZE_MAX);
	LL_CHECK_INT(ll_kt_similarity(&B1, &A, LL_SIM_MEANCOS, &sim, perm, NULL), LL_OK);
	LL_CHECK_NEAR(sim, 0.75 / 2, 1e-14);
	LL_CHECK_INT(perm[0], 0);
	LL_CHECK_INT(ll_kt_similarity(&B1, &A, LL_SIM_CONGRUENCE, &sim, NULL, NULL), LL_OK);
	LL_CHECK_NEAR(sim, 0.5 / 2, 1e-14);
	(void)h;
	ll_ktensor_free(&A);
	ll_ktensor_free(&B);
	ll_ktensor_free(&B1);
}

/* Aligning a larger model: A's components go first, in A's order, the
 * extra ones follow by weight; aligning a smaller one orders it by the
 * component of A each matches. */
static void test_align_ranks(void)
{
	const size_t dim[3] = {7, 6, 5};
	ll_ktensor A, B, Bc;
	random_kt(&A, 3, dim, 5, 11);
	ll_ktensor_normalize(&A);
	/* B: rank 3 made of A's components 4, 1, 3 (lambda 5, 2, 4) */
	ll_ktensor_init(&B, 3, dim, 3, NULL);
	const size_t pick[3] = {4, 1, 3};
	for (size_t r = 0; r < 3; r++) {
		B.lambda[r] = A.lambda[pick[r]];
		for (int n = 0; n < 3; n++)
			for (size_t i = 0; i < dim[n]; i++)
				B.U[n][i * 3 + r] = A.U[n][i * 5 + pick[r]] * (n == 0 ? -1 : 1) *
						    (n == 1 ? -1 : 1);
	}
	ll_ktensor_copy(&Bc, &B, NULL);
	/* smaller B against A: order by A's index (1, 3, 4) */
	LL_CHECK_INT(ll_kt_align(&A, &B, LL_SIM_CONGRUENCE, NULL), LL_OK);
	const size_t want[3] = {1, 3, 4};
	for (size_t r = 0; r < 3; r++) {
		LL_CHECK_NEAR(B.lambda[r], A.lambda[want[r]], 1e-15);
		for (int n = 0; n < 3; n++) /* signs restored */
			LL_CHECK_NEAR(B.U[n][r], A.U[n][want[r]], 1e-15);
	}
	/* larger A against the small one: the matched three first in B's
	 * order, then A's others (0 and 2) by weight */
	ll_ktensor A2;
	ll_ktensor_copy(&A2, &A, NULL);
	LL_CHECK_INT(ll_kt_align(&Bc, &A2, LL_SIM_MEANCOS, NULL), LL_OK);
	int heavy2 = A.lambda[2] >= A.lambda[0];
	const size_t want2[5] = {4, 1, 3, heavy2 ? 2 : 0, heavy2 ? 0 : 2};
	for (size_t r = 0; r < 5; r++)
		LL_CHECK_NEAR(A2.lambda[r], A.lambda[want2[r]], 1e-15);
	/* each matched component now agrees in sign with Bc in an even
	 * number of modes flipped, i.e. modes 0 and 1 flipped */
	for (size_t r = 0; r < 3; r++) {
		LL_CHECK_NEAR(A2.U[0][r], -A.U[0][want2[r]], 1e-15);
		LL_CHECK_NEAR(A2.U[1][r], -A.U[1][want2[r]], 1e-15);
		LL_CHECK_NEAR(A2.U[2][r], A.U[2][want2[r]], 1e-15);
	}
	ll_ktensor_free(&A);
	ll_ktensor_free(&A2);
	ll_ktensor_free(&B);
	ll_ktensor_free(&Bc);
}

/* An odd number of negative cosines: the weakest mode keeps its sign. */
static void test_align_odd_flips(void)
{
	const size_t dim[3] = {3, 3, 3};
	ll_ktensor A, B;
	ll_ktensor_init(&A, 3, dim, 1, NULL);
	ll_ktensor_init(&B, 3, dim, 1, NULL);
	const double a[3] = {1, 0, 0};
	const double b0[3] = {-1, 0, 0}, b1[3] = {-0.6, 0.8, 0}, b2[3] = {-1, 0.1, 0};
	for (int n = 0; n < 3; n++)
		memcpy(A.U[n], a, sizeof a);
	memcpy(B.U[0], b0, sizeof b0);
	memcpy(B.U[1], b1, sizeof b1);
	memcpy(B.U[2], b2, sizeof b2);
	LL_CHECK_INT(ll_kt_align(&A, &B, LL_SIM_MEANCOS, NULL), LL_OK);
	/* all three cosines negative; mode 1 (|cos| 0.6) stays negative */
	LL_CHECK_NEAR(B.U[0][0], 1.0, 0);
	LL_CHECK_NEAR(B.U[1][0], -0.6, 0);
	LL_CHECK_NEAR(B.U[2][0], 1.0, 0);
	ll_ktensor_free(&A);
	ll_ktensor_free(&B);
}

static void test_sim_errors(void)
{
	const size_t d1[3] = {3, 4, 5}, d2[3] = {3, 4, 6};
	ll_ktensor A, B;
	random_kt(&A, 3, d1, 2, 1);
	random_kt(&B, 3, d2, 2, 2);
	ll_err e;
	ll_err_clear(&e);
	double sim;
	LL_CHECK_INT(ll_kt_similarity(&A, &B, LL_SIM_MEANCOS, &sim, NULL, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "3x4x5 and 3x4x6");
	LL_CHECK_INT(ll_kt_align(&A, &B, LL_SIM_MEANCOS, &e), LL_ESHAPE);
	LL_CHECK_INT(ll_kt_similarity(&A, &A, (ll_sim_kind)9, &sim, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "unknown score");
	A.U[1][0] = NAN;
	LL_CHECK_INT(ll_kt_similarity(&A, &A, LL_SIM_MEANCOS, &sim, NULL, &e), LL_ENUMERIC);
	LL_CHECK_CONTAINS(e.msg, "non-finite entry in mode 1");
	ll_ktensor_free(&A);
	ll_ktensor_free(&B);
}

/* ---- ensembles ------------------------------------------------------------ */

/* 12 x 10 x 8, rank 3 planted (normal factors, lambda 1), plus Gaussian
 * noise of relative norm `noise`. */
static void planted(ll_tensor *X, double noise, uint64_t seed)
{
	const size_t dim[3] = {12, 10, 8};
	ll_ktensor K;
	random_kt(&K, 3, dim, 3, seed);
	for (size_t r = 0; r < 3; r++)
		K.lambda[r] = 1.0;
	ll_ktensor_full(&K, X, NULL);
	ll_ktensor_free(&K);
	ll_rng rng;
	ll_rng_init(&rng, seed + 1000);
	double ne = 0.0, nx = ll_tensor_norm(X);
	double *e = malloc(X->size * sizeof *e);
	for (size_t i = 0; i < X->size; i++) {
		e[i] = ll_rng_normal(&rng);
		ne += e[i] * e[i];
	}
	for (size_t i = 0; i < X->size; i++)
		X->data[i] += noise * nx / sqrt(ne) * e[i];
	free(e);
}

static void ens_opts(ll_ens_opts *o)
{
	ll_ens_opts_default(o);
	o->rank_lo = 1;
	o->rank_hi = 5;
	o->replicates = 4;
	o->seed = 2024;
	o->cp.tol = 1e-9;
	o->cp.max_iter = 300;
}

static int same_fit(const ll_cp_result *a, const ll_cp_result *b)
{
	if (a->obj != b->obj || a->iters != b->iters || a->seed != b->seed ||
	    a->K.rank != b->K.rank)
		return 0;
	if (memcmp(a->K.lambda, b->K.lambda, a->K.rank * sizeof(double)))
		return 0;
	for (int n = 0; n < a->K.nmodes; n++)
		if (memcmp(a->K.U[n], b->K.U[n], a->K.dim[n] * a->K.rank * sizeof(double)))
			return 0;
	return 1;
}

static int same_ens(const ll_ensemble *a, const ll_ensemble *b)
{
	if (a->nranks != b->nranks)
		return 0;
	for (size_t ri = 0; ri < a->nranks; ri++)
		for (size_t k = 0; k < a->ranks[ri].nrep; k++)
			if (!same_fit(&a->ranks[ri].fits[k], &b->ranks[ri].fits[k]) ||
			    a->ranks[ri].sim[k] != b->ranks[ri].sim[k])
				return 0;
	return 1;
}

typedef struct prog_log {
	int calls, bad_stage, decreasing;
	double last;
} prog_log;

static int prog_cb(void *ud, const ll_progress *p)
{
	prog_log *l = ud;
	size_t r;
	if (!p->stage || sscanf(p->stage, "rank %zu", &r) != 1 || r < 1 || r > 5)
		l->bad_stage++;
	if (p->frac < l->last - 1e-12 || p->frac > 1.0 + 1e-12)
		l->decreasing++;
	l->last = p->frac;
	l->calls++;
	return 0;
}

static void test_ens_planted(void)
{
	ll_tensor X;
	planted(&X, 0.05, 5);
	ll_ens_opts o;
	ens_opts(&o);
	prog_log pl = {0, 0, 0, 0.0};
	o.progress = prog_cb;
	o.progress_ud = &pl;
	ll_ensemble e;
	ll_err err;
	ll_err_clear(&err);
	int rc = ll_ens_fit(&X, &o, &e, &err);
	LL_CHECK_MSG(rc == LL_OK, "%s", err.msg);
	if (rc != LL_OK) {
		ll_tensor_free(&X);
		return;
	}
	LL_CHECK_INT(e.nranks, 5);
	LL_CHECK_INT(e.sim, LL_SIM_MEANCOS);
	LL_CHECK_INT(e.method, LL_CP_ALS);
	LL_CHECK(e.seconds > 0);
	double best[6];
	for (size_t r = 1; r <= 5; r++) {
		const ll_ens_rank *er = ll_ens_get(&e, r);
		LL_CHECK(er != NULL);
		if (!er)
			continue;
		LL_CHECK_INT(er->rank, r);
		LL_CHECK_INT(er->nrep, 4);
		best[r] = er->fits[0].obj;
		LL_CHECK_NEAR(er->sim[0], 1.0, 0);
		for (size_t k = 0; k < 4; k++) {
			const ll_cp_result *f = &er->fits[k];
			LL_CHECK_INT(f->K.rank, r);
			if (k > 0)
				LL_CHECK(f->obj >= er->fits[k - 1].obj);
			/* the seed is one of this rank's derived seeds */
			int found = 0;
			for (uint64_t j = 0; j < 4; j++)
				found += f->seed == ll_seed_derive(2024, r, j);
			LL_CHECK_INT(found, 1);
			LL_CHECK(er->sim[k] >= 0.0 && er->sim[k] <= 1.0 + 1e-12);
		}
		printf("# rank %zu: best %.6f worst %.6f min sim %.4f, %.3f s\n", r, best[r],
		       er->fits[3].obj, fmin(fmin(er->sim[1], er->sim[2]), er->sim[3]), er->seconds);
	}
	LL_CHECK(ll_ens_get(&e, 0) == NULL);
	LL_CHECK(ll_ens_get(&e, 6) == NULL);
	/* the elbow: the noise level is 0.05 relative */
	LL_CHECK(best[1] > best[2] && best[2] > best[3]);
	LL_CHECK_MSG(best[2] > 3 * best[3], "rank 2 %g vs rank 3 %g", best[2], best[3]);
	LL_CHECK(best[3] < 0.06);
	LL_CHECK(best[3] - best[5] < 0.01);
	/* rank 3 is stable */
	const ll_ens_rank *r3 = ll_ens_get(&e, 3), *r4 = ll_ens_get(&e, 4);
	for (size_t k = 0; r3 && k < 4; k++)
		LL_CHECK_MSG(r3->sim[k] >= 0.99, "replicate %zu similarity %g", k, r3->sim[k]);
	/* component order and signs carry over from rank 3 to rank 4 (rank
	 * 4's component c is the one closest to rank 3's component c, with
	 * the same sign: rank 4's best fit splits the planted components
	 * differently, so closest is all that can be asked), and every
	 * replicate is aligned to its best */
	for (size_t c = 0; r3 && r4 && c < 3; c++) {
		const ll_ktensor *a = &r3->fits[0].K, *b = &r4->fits[0].K;
		double mc[4] = {0};
		for (size_t q = 0; q < 4; q++)
			for (int n = 0; n < 3; n++) {
				double ab = 0;
				for (size_t i = 0; i < a->dim[n]; i++)
					ab += a->U[n][i * 3 + c] * b->U[n][i * 4 + q];
				mc[q] += fabs(ab) / 3;
				if (q == c)
					LL_CHECK_MSG(ab > 0, "rank 3 vs 4, component %zu mode %d: cos %g", c, n, ab);
			}
		for (size_t q = 0; q < 4; q++)
			LL_CHECK_MSG(q == c || mc[q] < mc[c], "rank 3 vs 4, component %zu: %zu is closer (%g vs %g)",
				     c, q, mc[q], mc[c]);
	}
	for (size_t c = 0; r3 && r4 && c < 3; c++)
		for (int n = 0; n < 3; n++) {
			const ll_ktensor *a = &r3->fits[0].K;
			for (size_t k = 1; k < 4; k++) {
				const ll_ktensor *q = &r3->fits[k].K;
				double aq = 0;
				for (size_t i = 0; i < a->dim[n]; i++)
					aq += a->U[n][i * 3 + c] * q->U[n][i * 3 + c];
				LL_CHECK_MSG(aq > 0.99, "replicate %zu component %zu mode %d: cos %g",
					     k, c, n, aq);
			}
		}
	/* progress: stages name a rank, the fraction only grows, ends at 1 */
	LL_CHECK(pl.calls > 5);
	LL_CHECK_INT(pl.bad_stage, 0);
	LL_CHECK_INT(pl.decreasing, 0);
	LL_CHECK_NEAR(pl.last, 1.0, 1e-9);
	ll_ens_free(&e);
	ll_ens_free(&e); /* twice is fine */
	ll_tensor_free(&X);
}

/* Same seed twice: identical; threads 1 vs 2: identical; a different seed:
 * different seeds recorded. */
static void test_ens_reproducible(void)
{
	ll_tensor X;
	planted(&X, 0.05, 6);
	ll_ens_opts o;
	ens_opts(&o);
	ll_ensemble a, b, c;
	o.threads = 1;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &a, NULL), LL_OK);
	o.threads = 2;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &b, NULL), LL_OK);
	LL_CHECK_MSG(same_ens(&a, &b), "threads 1 and 2 differ");
	ll_ens_free(&b);
	o.threads = 0;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &b, NULL), LL_OK);
	LL_CHECK_MSG(same_ens(&a, &b), "a second run differs");
	ll_ens_free(&b);
	o.seed = 2025;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &c, NULL), LL_OK);
	LL_CHECK(c.ranks[2].fits[0].seed != a.ranks[2].fits[0].seed);
	ll_ens_free(&a);
	ll_ens_free(&c);
	ll_tensor_free(&X);
}

/* A matrix with 3 rows makes a multi-threaded MTTKRP sum private partial
 * results, whose rounding depends on the thread count: the ensemble must
 * still give identical results for 1 and 2 threads. */
static void test_ens_threads_flat(void)
{
	const size_t dim[2] = {3, 1000};
	ll_ktensor K;
	ll_tensor X;
	random_kt(&K, 2, dim, 2, 77);
	ll_ktensor_full(&K, &X, NULL);
	ll_ktensor_free(&K);
	ll_rng rng;
	ll_rng_init(&rng, 78);
	for (size_t i = 0; i < X.size; i++)
		X.data[i] += 0.3 * ll_rng_normal(&rng);
	ll_ens_opts o;
	ens_opts(&o);
	o.rank_lo = 2;
	o.rank_hi = 3;
	o.replicates = 3;
	ll_ensemble a, b;
	o.threads = 1;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &a, NULL), LL_OK);
	o.threads = 2;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &b, NULL), LL_OK);
	LL_CHECK_MSG(same_ens(&a, &b), "threads 1 and 2 differ");
	ll_ens_free(&a);
	ll_ens_free(&b);
	ll_tensor_free(&X);
}

/* The test seam of ll_cp_opts: replicate 3 of rank 2 solves its last
 * mode for the data scaled 1000-fold from iteration 4, a step that
 * overshoots. */
static void overshoot(void *ud, size_t rep, int iter, int mode, double *P, size_t d, size_t R)
{
	const size_t *rank = ud;
	if (*rank == R && rep == 2 && iter >= 4 && mode == 2)
		for (size_t i = 0; i < d * R; i++)
			P[i] *= 1e3;
}

/* A diverging replicate fails the whole ensemble with one line naming
 * its rank, replicate and iteration, fused or fitted one at a time, and
 * leaves nothing behind that could be mistaken for a result. */
static void test_ens_divergence(void)
{
	ll_tensor X;
	planted(&X, 0.05, 9);
	size_t rank = 2;
	for (int fused = 1; fused >= 0; fused--) {
		ll_ens_opts o;
		ens_opts(&o);
		o.rank_hi = 3;
		o.replicates = 4;
		o.fused = fused;
		o.cp.tol = 1e-300;
		o.cp.max_iter = 40;
		o.cp.tamper = overshoot;
		o.cp.tamper_ud = &rank;
		ll_ensemble e;
		ll_err err;
		ll_err_clear(&err);
		LL_CHECK_INT(ll_ens_fit(&X, &o, &e, &err), LL_ENUMERIC);
		LL_CHECK_CONTAINS(err.msg, "cp-als rank 2 replicate 3 (seed ");
		LL_CHECK_CONTAINS(err.msg, "the fit diverged at iteration 4: the objective rose to");
		LL_CHECK_MSG(e.ranks == NULL && e.nranks == 0, "fused %d: the failed ensemble holds %zu ranks",
			     fused, e.nranks);
		printf("# fused %d: %s\n", fused, err.msg);
	}
	ll_tensor_free(&X);
}

/* Fused (one batch per rank) and separate fits agree to rounding; the
 * separate path is also thread-count invariant. */
static void test_ens_fused(void)
{
	ll_tensor X;
	planted(&X, 0.05, 8);
	ll_ens_opts o;
	ens_opts(&o);
	o.rank_hi = 4;
	ll_ensemble a, b, c;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &a, NULL), LL_OK);
	o.fused = 0;
	o.threads = 2;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &b, NULL), LL_OK);
	o.threads = 1;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &c, NULL), LL_OK);
	LL_CHECK(same_ens(&b, &c));
	double md = 0.0;
	for (size_t ri = 0; ri < a.nranks; ri++)
		for (size_t k = 0; k < a.ranks[ri].nrep; k++) {
			const ll_cp_result *fa = &a.ranks[ri].fits[k];
			/* match by seed: ties in objective could reorder */
			for (size_t j = 0; j < b.ranks[ri].nrep; j++)
				if (b.ranks[ri].fits[j].seed == fa->seed)
					md = fmax(md, fabs(fa->obj - b.ranks[ri].fits[j].obj));
		}
	printf("# fused vs separate: max objective difference %.3g\n", md);
	LL_CHECK(md <= 1e-8);
	ll_ens_free(&a);
	ll_ens_free(&b);
	ll_ens_free(&c);
	ll_tensor_free(&X);
}

static int cancel_cb(void *ud, const ll_progress *p)
{
	(void)p;
	return ++*(int *)ud >= 3;
}

static void test_ens_errors(void)
{
	ll_tensor X;
	planted(&X, 0.05, 9);
	ll_ens_opts o;
	ll_ensemble e;
	ll_err err;
	ll_err_clear(&err);

	ens_opts(&o);
	o.rank_lo = 0;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &e, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "at least 1");
	LL_CHECK(e.ranks == NULL && e.nranks == 0);
	ens_opts(&o);
	o.rank_lo = 4;
	o.rank_hi = 3;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &e, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "4-3 is empty");
	ens_opts(&o);
	o.replicates = 0;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &e, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "replicates");
	ens_opts(&o);
	o.threads = -1;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &e, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "threads");
	ens_opts(&o);
	o.sim = (ll_sim_kind)5;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &e, &err), LL_EINVAL);
	ens_opts(&o);
	o.rank_hi = 81; /* 12 x 10 x 8: at most 10 x 8 = 80 */
	LL_CHECK_INT(ll_ens_fit(&X, &o, &e, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "rank 81 exceeds 80");
	LL_CHECK_INT(ll_ens_fit(&X, NULL, &e, &err), LL_EINVAL);

	/* NaN-only data */
	ens_opts(&o);
	ll_tensor Y;
	ll_tensor_copy(&Y, &X, NULL);
	for (size_t i = 0; i < Y.size; i++)
		Y.data[i] = NAN;
	LL_CHECK_INT(ll_ens_fit(&Y, &o, &e, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "no observed entries");
	ll_tensor_free(&Y);

	/* canceled from the progress callback, fused and not */
	for (int fused = 0; fused < 2; fused++) {
		int calls = 0;
		ens_opts(&o);
		o.fused = fused;
		o.progress = cancel_cb;
		o.progress_ud = &calls;
		LL_CHECK_INT(ll_ens_fit(&X, &o, &e, &err), LL_ECANCELED);
		LL_CHECK_CONTAINS(err.msg, "canceled");
		LL_CHECK(e.ranks == NULL);
	}
	ll_tensor_free(&X);
}

/* Rank statistics on a hand-made rank: objectives 0.1 0.2 0.4 0.8 (sorted),
 * iterations 10 30 20 50, similarities 1 0.9 0.5 0.7. */
static void test_ens_stats(void)
{
	ll_cp_result f[4];
	double sim[4] = {1, 0.9, 0.5, 0.7};
	const double obj[4] = {0.1, 0.2, 0.4, 0.8};
	const int it[4] = {10, 30, 20, 50};
	memset(f, 0, sizeof f);
	for (int k = 0; k < 4; k++) {
		f[k].obj = obj[k];
		f[k].iters = it[k];
	}
	ll_ens_rank r = {.rank = 2, .nrep = 4, .fits = f, .sim = sim, .seconds = 0.0};
	ll_ens_stats st;
	LL_CHECK_INT(ll_ens_rank_stats(&r, &st, NULL), LL_OK);
	LL_CHECK_NEAR(st.best, 0.1, 0);
	LL_CHECK_NEAR(st.worst, 0.8, 0);
	LL_CHECK_NEAR(st.median, 0.3, 1e-15);
	LL_CHECK_NEAR(st.median_iters, 25, 0);
	LL_CHECK_NEAR(st.mean_sim, 0.7, 1e-15);
	LL_CHECK_NEAR(st.min_sim, 0.5, 0);
	r.nrep = 3; /* odd count; similarities of 0.9 and 0.5 */
	LL_CHECK_INT(ll_ens_rank_stats(&r, &st, NULL), LL_OK);
	LL_CHECK_NEAR(st.median, 0.2, 0);
	LL_CHECK_NEAR(st.median_iters, 20, 0);
	LL_CHECK_NEAR(st.mean_sim, 0.7, 1e-15);
	LL_CHECK_INT(st.at_best, 1);
	/* fits at the best optimum: within LL_ENS_AT_BEST_TOL (1e-4) of the
	 * best objective, the best itself included */
	double near[4] = {0.1, 0.1 + 0.5e-4, 0.1 + 1.5e-4, 0.1 + 0.99e-4};
	for (int k = 0; k < 4; k++)
		f[k].obj = near[k];
	r.nrep = 4;
	LL_CHECK_INT(ll_ens_rank_stats(&r, &st, NULL), LL_OK);
	LL_CHECK_INT(st.at_best, 3);
	LL_CHECK_NEAR(st.frac_at_best, 0.75, 0);
	LL_CHECK(ll_ens_at_best(&r, 0) && ll_ens_at_best(&r, 1) && !ll_ens_at_best(&r, 2) &&
		 ll_ens_at_best(&r, 3) && !ll_ens_at_best(&r, 4));
	for (int k = 0; k < 4; k++)
		f[k].obj = obj[k];
	r.nrep = 1;
	LL_CHECK_INT(ll_ens_rank_stats(&r, &st, NULL), LL_OK);
	LL_CHECK(isnan(st.mean_sim) && isnan(st.min_sim));
	LL_CHECK_INT(st.at_best, 1);
	r.nrep = 0;
	LL_CHECK_INT(ll_ens_rank_stats(&r, &st, NULL), LL_EINVAL);
	LL_CHECK(strstr(ll_sim_describe(LL_SIM_TOMASI_BRO), "max(la,lb)") != NULL);
}

static int file_has(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return 0;
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* Provenance recorded by the fit, and the files ll_ens_write makes: read
 * back, they equal the ensemble. */
static void test_ens_write(void)
{
	ll_tensor X, W;
	planted(&X, 0.05, 10);
	X.data[5] = NAN;
	ll_tensor_copy(&W, &X, NULL);
	for (size_t i = 0; i < W.size; i++)
		W.data[i] = i % 10 == 9 ? 0.0 : 1.0; /* 96 masked, plus the NaN */
	ll_ens_opts o;
	ens_opts(&o);
	o.rank_lo = 2;
	o.rank_hi = 3;
	o.replicates = 2;
	o.seed = 18446744073709551615ULL;
	o.cp.mask = &W;
	ll_ensemble e;
	ll_err err;
	ll_err_clear(&err);
	int rc = ll_ens_fit(&X, &o, &e, &err);
	LL_CHECK_MSG(rc == LL_OK, "%s", err.msg);
	if (rc != LL_OK)
		goto done;
	LL_CHECK_INT(e.nmissing, 97);
	LL_CHECK_INT(e.nmodes, 3);
	LL_CHECK_INT(e.dim[2], 8);
	LL_CHECK(e.opts.threads >= 1);
	LL_CHECK(e.opts.cp.mask == NULL && e.opts.progress == NULL);
	LL_CHECK(e.opts.seed == o.seed);
	double nx2 = 0;
	for (size_t i = 0; i < X.size; i++)
		if (!isnan(X.data[i]) && W.data[i] == 1.0)
			nx2 += X.data[i] * X.data[i];
	LL_CHECK_NEAR(e.data_norm, sqrt(nx2), 1e-12);

	char dir[] = "/tmp/ll_test_ens.XXXXXX";
	LL_CHECK(mkdtemp(dir) != NULL);
	char out[256], path[512];
	snprintf(out, sizeof out, "%s/a/b", dir); /* parents are created */
	char *argv[] = {"prog", "--flag", "x \"quoted\""};
	ll_ens_meta meta = {.tool = "test", .argc = 3, .argv = argv, .data_file = "data.npy", .data_dtype = "<f8",
			    .mask_file = "mask.npy"};
	rc = ll_ens_write(&e, out, &X, &meta, &err);
	LL_CHECK_MSG(rc == LL_OK, "%s", err.msg);
	for (size_t ri = 0; rc == LL_OK && ri < 2; ri++)
		for (size_t k = 0; k < 2; k++) {
			const ll_cp_result *f = &e.ranks[ri].fits[k];
			size_t R = ri + 2;
			ll_tensor t;
			for (int n = -2; n < 3; n++) {
				if (n == -2)
					snprintf(path, sizeof path, "%s/rank_%02zu/rep_%02zu/lambda.npy", out, R, k);
				else if (n == -1)
					snprintf(path, sizeof path, "%s/rank_%02zu/rep_%02zu/hist.npy", out, R, k);
				else
					snprintf(path, sizeof path, "%s/rank_%02zu/rep_%02zu/factor_%d.npy", out,
						 R, k, n);
				LL_CHECK_MSG(ll_npy_read(path, &t, NULL, &err) == LL_OK, "%s", err.msg);
				const double *want = n == -2 ? f->K.lambda : n == -1 ? f->hist : f->K.U[n];
				size_t cnt = n == -2 ? R : n == -1 ? (size_t)f->iters : f->K.dim[n] * R;
				LL_CHECK_INT(t.size, cnt);
				LL_CHECK_INT(t.nmodes, n < 0 ? 1 : 2);
				if (t.size == cnt)
					LL_CHECK(memcmp(t.data, want, cnt * sizeof(double)) == 0);
				ll_tensor_free(&t);
			}
		}
	snprintf(path, sizeof path, "%s/summary.json", out);
	LL_CHECK(file_has(path, "\"seed\": \"18446744073709551615\""));
	LL_CHECK(file_has(path, "\"missing\": 97"));
	LL_CHECK(file_has(path, "\"mask\": \"mask.npy\""));
	LL_CHECK(file_has(path, "\"x \\\"quoted\\\"\""));
	LL_CHECK(file_has(path, "\"dir\": \"rank_03/rep_01\""));
	LL_CHECK(file_has(path, "\"kind\": \"mean-cos\""));
	char seedstr[32];
	snprintf(seedstr, sizeof seedstr, "\"%llu\"",
		 (unsigned long long)e.ranks[1].fits[1].seed);
	LL_CHECK(file_has(path, seedstr));
	/* no meta: still a summary, with a null file */
	snprintf(out, sizeof out, "%s/c", dir);
	LL_CHECK_INT(ll_ens_write(&e, out, NULL, NULL, &err), LL_OK);
	snprintf(path, sizeof path, "%s/summary.json", out);
	LL_CHECK(file_has(path, "\"file\": null"));
	/* errors: another shape, an unwritable place, nothing fitted */
	ll_tensor Y;
	const size_t d2[3] = {12, 10, 9};
	ll_tensor_init(&Y, 3, d2, NULL);
	LL_CHECK_INT(ll_ens_write(&e, out, &Y, NULL, &err), LL_ESHAPE);
	LL_CHECK_CONTAINS(err.msg, "12x10x9 is not the ensemble's 12x10x8");
	ll_tensor_free(&Y);
	snprintf(out, sizeof out, "%s/summary.json/x", dir);
	snprintf(path, sizeof path, "%s/summary.json", dir);
	FILE *fp = fopen(path, "w");
	if (fp)
		fclose(fp);
	LL_CHECK_INT(ll_ens_write(&e, out, NULL, NULL, &err), LL_EIO);
	LL_CHECK_CONTAINS(err.msg, "summary.json");
	ll_ensemble none;
	memset(&none, 0, sizeof none);
	LL_CHECK_INT(ll_ens_write(&none, dir, NULL, NULL, &err), LL_EINVAL);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	LL_CHECK(system(cmd) == 0);
	ll_ens_free(&e);
done:
	ll_tensor_free(&X);
	ll_tensor_free(&W);
}

static void test_ens_defaults(void)
{
	ll_ens_opts o;
	ll_ens_opts_default(&o);
	LL_CHECK_INT(o.rank_lo, 1);
	LL_CHECK_INT(o.rank_hi, 8);
	LL_CHECK_INT(o.replicates, 4);
	LL_CHECK_INT(o.sim, LL_SIM_MEANCOS);
	LL_CHECK_INT(o.fused, 1);
	LL_CHECK_INT(o.threads, 0);
	LL_CHECK_INT(o.cp.method, LL_CP_ALS);
	LL_CHECK(o.progress == NULL);
}

/* Cross-validation finds the planted rank: 3-way tensors of rank 3 with
 * 5%, 10% and 20% Gaussian noise (12x10x8, cp-als, ranks 1-5), and a
 * non-negative rank-3 tensor with 10% noise (ncp-hals); 5 speckled folds.
 * The held-out error falls to the planted rank and rises after it while
 * the training error keeps falling; select = cv names the planted rank.
 * Fails if the held-out entries leak into the fits (every rank above 3
 * would then score better) or if folds are mis-scored. */
static void test_ens_cv(void)
{
	const struct {
		double noise;
		uint64_t seed;
		ll_cp_method m;
	} cases[] = {
		{0.05, 5, LL_CP_ALS}, {0.10, 6, LL_CP_ALS}, {0.20, 7, LL_CP_ALS}, {0.10, 8, LL_CP_NCP_HALS},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		ll_tensor X;
		planted(&X, cases[c].noise, cases[c].seed);
		if (cases[c].m == LL_CP_NCP_HALS) {
			/* the same shape with non-negative factors */
			ll_tensor_free(&X);
			const size_t dim[3] = {12, 10, 8};
			ll_ktensor K;
			ll_rng g;
			ll_rng_init(&g, cases[c].seed);
			ll_ktensor_init(&K, 3, dim, 3, NULL);
			for (int n = 0; n < 3; n++)
				for (size_t i = 0; i < dim[n] * 3; i++)
					K.U[n][i] = ll_rng_uniform(&g);
			ll_ktensor_full(&K, &X, NULL);
			double nx = ll_tensor_norm(&X);
			for (size_t i = 0; i < X.size; i++)
				X.data[i] += cases[c].noise * nx / sqrt((double)X.size) * ll_rng_normal(&g);
			ll_ktensor_free(&K);
		}
		ll_ens_opts o;
		ens_opts(&o);
		o.replicates = 3;
		o.cp.tol = 1e-7;
		o.cp.method = cases[c].m;
		o.cv_folds = 5;
		ll_ensemble e;
		ll_err err;
		int rc = ll_ens_fit(&X, &o, &e, &err);
		LL_CHECK_MSG(rc == LL_OK, "%s", err.msg);
		if (rc != LL_OK) {
			ll_tensor_free(&X);
			continue;
		}
		LL_CHECK_INT(e.cv_folds, 5);
		char line[512];
		size_t off = 0;
		for (size_t ri = 0; ri < e.nranks; ri++) {
			const ll_ens_rank *r = &e.ranks[ri];
			LL_CHECK(isfinite(r->cv_test_mean) && isfinite(r->cv_test_se) && isfinite(r->cv_train_mean));
			LL_CHECK(r->cv_test && r->cv_train);
			off += (size_t)snprintf(line + off, sizeof line - off, " %zu: %.4f/%.4f", r->rank,
						r->cv_test_mean, r->cv_train_mean);
		}
		printf("# %s, %.0f%% noise: held-out/training error by rank:%s\n", ll_cp_method_name(cases[c].m),
		       100 * cases[c].noise, line);
		const ll_ens_rank *r2 = ll_ens_get(&e, 2), *r3 = ll_ens_get(&e, 3), *r5 = ll_ens_get(&e, 5);
		LL_CHECK(r2->cv_test_mean > r3->cv_test_mean);
		LL_CHECK(r5->cv_test_mean > r3->cv_test_mean);
		LL_CHECK(r5->cv_train_mean < r3->cv_train_mean);
		size_t rank = 0;
		char why[320];
		LL_CHECK_INT(ll_ens_select_rank(&e, LL_RANK_CV, &rank, why, sizeof why, &err), LL_OK);
		LL_CHECK_MSG(rank == 3, "%.0f%% noise: cv chose rank %zu: %s", 100 * cases[c].noise, rank, why);
		LL_CHECK_CONTAINS(why, "cross-validation");
		ll_ens_free(&e);
		ll_tensor_free(&X);
	}
}

/* Cross-validation is a function of the seed; bad folds are refused;
 * the cv rule needs cross-validation. */
static void test_ens_cv_seeds_errors(void)
{
	ll_tensor X;
	planted(&X, 0.1, 5);
	ll_ens_opts o;
	ens_opts(&o);
	o.rank_hi = 3;
	o.replicates = 2;
	o.cv_folds = 3;
	ll_ensemble a, b;
	ll_err err;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &a, &err), LL_OK);
	o.threads = 1;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &b, &err), LL_OK);
	for (size_t ri = 0; ri < 3; ri++)
		for (size_t k = 0; k < 3; k++)
			LL_CHECK(a.ranks[ri].cv_test[k] == b.ranks[ri].cv_test[k]);
	LL_CHECK(a.cv_seed == b.cv_seed);
	ll_ens_free(&b);
	o.seed++;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &b, &err), LL_OK);
	LL_CHECK(a.cv_seed != b.cv_seed && a.ranks[2].cv_test[0] != b.ranks[2].cv_test[0]);
	ll_ens_free(&b);
	size_t rank;
	LL_CHECK_INT(ll_ens_select_rank(&a, LL_RANK_ELBOW, &rank, NULL, 0, &err), LL_OK);
	ll_ens_free(&a);
	o.cv_folds = 1;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &a, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "2 to 100 folds");
	o.cv_folds = 0;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &a, &err), LL_OK);
	LL_CHECK(isnan(a.ranks[0].cv_test_mean) && a.ranks[0].cv_test == NULL);
	LL_CHECK_INT(ll_ens_select_rank(&a, LL_RANK_CV, &rank, NULL, 0, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "without cross-validation");
	ll_rank_rule rr;
	LL_CHECK_INT(ll_rank_rule_parse("CV", &rr), LL_OK);
	LL_CHECK_INT(rr, LL_RANK_CV);
	LL_CHECK_INT(ll_rank_rule_parse("knee", &rr), LL_EINVAL);
	LL_CHECK_STR(ll_rank_rule_name(LL_RANK_ELBOW), "elbow");
	ll_ens_free(&a);
	ll_tensor_free(&X);
}

static int want_nothing(void *ud, size_t u)
{
	(void)ud;
	(void)u;
	return 0;
}

static int want_unit(void *ud, size_t u)
{
	return u == *(const size_t *)ud;
}

/* An ensemble fitted unit by unit (each alone, as a cluster job or an
 * MPI worker does), each unit's results carried as a message (pack,
 * unpack) into an empty skeleton and finished, equals the one fit: every
 * factor, objective, similarity and held-out error bit for bit, fused or
 * not, on 2 threads.  A unit missing makes ll_ens_finish say which. */
static void test_ens_units(void)
{
	ll_tensor X;
	planted(&X, 0.05, 12);
	for (int fused = 0; fused <= 1; fused++) {
		ll_ens_opts o;
		ens_opts(&o);
		o.rank_lo = 2;
		o.rank_hi = 4;
		o.replicates = 3;
		o.cv_folds = 2;
		o.cv_replicates = 2;
		o.fused = fused;
		o.threads = 2;
		ll_ensemble a, sk;
		ll_err err;
		LL_REQUIRE_OK(ll_ens_fit(&X, &o, &a, &err), err);
		size_t nu = ll_ens_nunits(&o);
		LL_CHECK_INT(nu, (fused ? 3 : 9) + 2);
		LL_CHECK_INT(ll_ens_nmain(&o), fused ? 3 : 9);
		ll_ens_opts so = o;
		so.want = want_nothing;
		LL_REQUIRE_OK(ll_ens_fit(&X, &so, &sk, &err), err);
		LL_CHECK(sk.partial && sk.ranks[0].fits[0].K.U[0] == NULL && isnan(sk.ranks[0].cv_test[1]));
		for (size_t u = 0; u < nu; u++) {
			ll_ens_opts uo = o;
			size_t uu = u;
			uo.want = want_unit;
			uo.want_ud = &uu;
			ll_ensemble p;
			double *buf;
			size_t n;
			LL_REQUIRE_OK(ll_ens_fit(&X, &uo, &p, &err), err);
			LL_REQUIRE_OK(ll_shard_pack(&p, u, &buf, &n, &err), err);
			LL_CHECK_INT(ll_shard_unpack(&sk, u, buf, n - 1, &err), LL_EFORMAT); /* short */
			LL_REQUIRE_OK(ll_shard_unpack(&sk, u, buf, n, &err), err);
			if (u == 0)
				LL_CHECK_INT(ll_shard_unpack(&sk, u, buf, n, &err), LL_EFORMAT); /* twice */
			ll_free(buf);
			ll_ens_free(&p);
		}
		LL_REQUIRE_OK(ll_ens_finish(&sk, &err), err);
		LL_CHECK_MSG(same_ens(&a, &sk), "fused %d: the units put together differ from one fit", fused);
		for (size_t ri = 0; ri < a.nranks; ri++) {
			LL_CHECK(a.ranks[ri].cv_test_mean == sk.ranks[ri].cv_test_mean);
			LL_CHECK(a.ranks[ri].cv_test_se == sk.ranks[ri].cv_test_se);
			for (size_t f = 0; f < 2; f++)
				LL_CHECK(a.ranks[ri].cv_test[f] == sk.ranks[ri].cv_test[f]);
		}
		ll_ens_free(&sk);
		/* one main unit never arrives */
		LL_REQUIRE_OK(ll_ens_fit(&X, &so, &sk, &err), err);
		LL_CHECK_INT(ll_ens_finish(&sk, &err), LL_EINVAL);
		LL_CHECK_CONTAINS(err.msg, "rank 2 replicate 0 was not fitted");
		ll_ens_free(&sk);
		ll_ens_free(&a);
	}
	ll_tensor_free(&X);
}

int main(void)
{
	LL_RUN(test_hungarian_brute);
	LL_RUN(test_hungarian_known);
	LL_RUN(test_hungarian_errors);
	LL_RUN(test_sim_names);
	LL_RUN(test_sim_self);
	LL_RUN(test_sim_textbook);
	LL_RUN(test_sim_ranks);
	LL_RUN(test_align_ranks);
	LL_RUN(test_align_odd_flips);
	LL_RUN(test_sim_errors);
	LL_RUN(test_ens_defaults);
	LL_RUN(test_ens_stats);
	LL_RUN(test_ens_write);
	LL_RUN(test_ens_planted);
	LL_RUN(test_ens_reproducible);
	LL_RUN(test_ens_threads_flat);
	LL_RUN(test_ens_fused);
	LL_RUN(test_ens_divergence);
	LL_RUN(test_ens_errors);
	LL_RUN(test_ens_units);
	LL_RUN(test_ens_cv);
	LL_RUN(test_ens_cv_seeds_errors);
	return ll_test_done();
}
