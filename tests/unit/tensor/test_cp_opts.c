/* Unit tests for the options of a CP fit users bring from Tensor Toolbox
 * and TensorLy: warm starts, fixed modes, ridge and L1 penalties, and
 * reading a model back from disk. */
#include <unistd.h>

#include "base/ll_common.h"
#include "base/ll_fs.h"
#include "base/ll_rng.h"
#include "io/ll_ens_io.h"
#include "io/ll_npz.h"
#include "tensor/ll_cp.h"
#include "tensor/ll_ens.h"
#include "tensor/ll_ktensor.h"
#include "tensor/ll_mttkrp.h"
#include "tensor/ll_tensor.h"
#include "ll_test.h"

/* factors uniform in [lo, lo + 1), lambda 1; X = full(K) (+ noise of
 * relative size noise) */
static void planted(int N, const size_t *dim, size_t R, uint64_t seed, double lo, double noise,
		    ll_tensor *X, ll_ktensor *K)
{
	ll_rng rng;
	ll_rng_init(&rng, seed);
	ll_ktensor_init(K, N, dim, R, NULL);
	for (int n = 0; n < N; n++)
		for (size_t i = 0; i < dim[n] * R; i++)
			K->U[n][i] = lo + ll_rng_uniform(&rng);
	ll_ktensor_full(K, X, NULL);
	if (noise > 0) {
		double nx = ll_tensor_norm(X), ne = 0;
		double *e = malloc(X->size * sizeof *e);
		for (size_t i = 0; i < X->size; i++) {
			e[i] = ll_rng_normal(&rng);
			ne += e[i] * e[i];
		}
		for (size_t i = 0; i < X->size; i++)
			X->data[i] += noise * nx / sqrt(ne) * e[i];
		free(e);
	}
}

static const ll_cp_method methods[] = {LL_CP_ALS, LL_CP_NCP_HALS, LL_CP_NCP_BCD};

/* Started from the planted model of an exact tensor, every method stops at
 * once (the first iteration changes nothing, the second confirms it);
 * from a random start the same fits take many more. */
static void test_warm_start_from_truth(void)
{
	size_t dim[3] = {20, 15, 12};
	ll_tensor X;
	ll_ktensor T;
	planted(3, dim, 4, 11, 0.1, 0.0, &X, &T);
	for (size_t m = 0; m < 3; m++) {
		ll_cp_opts o;
		ll_cp_opts_default(&o);
		o.method = methods[m];
		o.rank = 4;
		o.tol = 1e-8;
		ll_cp_result warm, cold;
		ll_err err;
		o.init_model = &T;
		LL_REQUIRE_OK(ll_cp_fit(&X, &o, 1, &warm, &err), err);
		o.init_model = NULL;
		LL_REQUIRE_OK(ll_cp_fit(&X, &o, 1, &cold, &err), err);
		LL_CHECK_MSG(warm.iters <= 2 && warm.converged, "%s: warm start took %d iterations",
			     ll_cp_method_name(o.method), warm.iters);
		LL_CHECK_MSG(warm.obj < 1e-6, "%s: warm start error %g", ll_cp_method_name(o.method), warm.obj);
		LL_CHECK_MSG(cold.iters > 5, "%s: a random start took only %d iterations (the test would "
			     "not tell a warm start from a cold one)", ll_cp_method_name(o.method), cold.iters);
		ll_cp_result_free(&warm);
		ll_cp_result_free(&cold);
	}
	/* a weighted model (lambda != 1, factors normalised) starts as well */
	ll_ktensor K;
	LL_REQUIRE_OK(ll_ktensor_copy(&K, &T, NULL), (ll_err){0});
	ll_ktensor_normalize(&K);
	ll_cp_opts o;
	ll_cp_opts_default(&o);
	o.method = LL_CP_NCP_HALS;
	o.rank = 4;
	o.init_model = &K;
	ll_cp_result r;
	ll_err err;
	LL_REQUIRE_OK(ll_cp_fit(&X, &o, 1, &r, &err), err);
	LL_CHECK(r.iters <= 2 && r.obj < 1e-6);
	ll_cp_result_free(&r);
	ll_ktensor_free(&K);
	ll_tensor_free(&X);
	ll_ktensor_free(&T);
}

/* Fixed factors come back byte for byte; the free ones move and the fit
 * improves on the start. */
static void test_fixed_modes_identical(void)
{
	size_t dim[3] = {15, 12, 10};
	ll_tensor X;
	ll_ktensor T, S;
	planted(3, dim, 3, 21, 0.1, 0.05, &X, &T);
	ll_tensor Y;
	planted(3, dim, 3, 22, 0.1, 0.0, &Y, &S); /* another model: the start */
	ll_tensor_free(&Y);
	unsigned sets[] = {1u << 0 | 1u << 2, 1u << 1, 1u << 2};
	double start_err = 0;
	{
		ll_tensor M;
		ll_ktensor_full(&S, &M, NULL);
		double d2 = 0, x2 = 0;
		for (size_t i = 0; i < X.size; i++) {
			d2 += (X.data[i] - M.data[i]) * (X.data[i] - M.data[i]);
			x2 += X.data[i] * X.data[i];
		}
		start_err = sqrt(d2 / x2);
		ll_tensor_free(&M);
	}
	for (size_t m = 0; m < 3; m++)
		for (size_t k = 0; k < 3; k++) {
			ll_cp_opts o;
			ll_cp_opts_default(&o);
			o.method = methods[m];
			o.rank = 3;
			o.init_model = &S;
			o.fixed_modes = sets[k];
			ll_cp_result r;
			ll_err err;
			LL_REQUIRE_OK(ll_cp_fit(&X, &o, 5, &r, &err), err);
			for (int n = 0; n < 3; n++) {
				int same = !memcmp(r.K.U[n], S.U[n], dim[n] * 3 * sizeof(double));
				if (sets[k] >> n & 1u)
					LL_CHECK_MSG(same, "%s fixed %u: mode %d changed", ll_cp_method_name(o.method),
						     sets[k], n);
				else
					LL_CHECK_MSG(!same, "%s fixed %u: free mode %d did not move",
						     ll_cp_method_name(o.method), sets[k], n);
			}
			LL_CHECK_MSG(r.obj < start_err - 0.01, "%s fixed %u: error %g from a start at %g",
				     ll_cp_method_name(o.method), sets[k], r.obj, start_err);
			/* the returned model is the fitted one: its error is obj */
			ll_tensor M;
			LL_REQUIRE_OK(ll_ktensor_full(&r.K, &M, &err), err);
			double d2 = 0, x2 = 0;
			for (size_t i = 0; i < X.size; i++) {
				d2 += (X.data[i] - M.data[i]) * (X.data[i] - M.data[i]);
				x2 += X.data[i] * X.data[i];
			}
			LL_CHECK_NEAR(sqrt(d2 / x2), r.obj, 1e-9);
			ll_tensor_free(&M);
			ll_cp_result_free(&r);
		}
	ll_tensor_free(&X);
	ll_ktensor_free(&T);
	ll_ktensor_free(&S);
}

/* Solve (G + rho I) x = b for one row, naive Gaussian elimination with
 * partial pivoting (R <= 8). */
static void solve_row(const double *G, double rho, size_t R, const double *b, double *x)
{
	double A[8][9];
	for (size_t i = 0; i < R; i++) {
		for (size_t j = 0; j < R; j++)
			A[i][j] = G[i * R + j] + (i == j ? rho : 0.0);
		A[i][R] = b[i];
	}
	for (size_t c = 0; c < R; c++) {
		size_t p = c;
		for (size_t i = c + 1; i < R; i++)
			if (fabs(A[i][c]) > fabs(A[p][c]))
				p = i;
		for (size_t j = 0; j <= R; j++) {
			double t = A[c][j];
			A[c][j] = A[p][j];
			A[p][j] = t;
		}
		for (size_t i = c + 1; i < R; i++) {
			double f = A[i][c] / A[c][c];
			for (size_t j = c; j <= R; j++)
				A[i][j] -= f * A[c][j];
		}
	}
	for (size_t i = R; i-- > 0;) {
		double v = A[i][R];
		for (size_t j = i + 1; j < R; j++)
			v -= A[i][j] * x[j];
		x[i] = v / A[i][i];
	}
}

/* Ridge against a naive reference: with modes 1 and 2 fixed, mode 0 solves
 * min 1/2 ||X_(0) - U (C (.) B)^T||^2 + rho/2 ||U||^2, whose solution (all
 * positive here, so the constraint is idle) is U = P (G + rho I)^-1 with P
 * the naive MTTKRP and G the Hadamard product of the fixed Grams. */
static void test_ridge_naive(void)
{
	size_t dim[3] = {12, 9, 8}, R = 3;
	ll_tensor X;
	ll_ktensor T;
	planted(3, dim, R, 31, 0.5, 0.02, &X, &T);
	double nx = ll_tensor_norm(&X);
	double rhos[] = {0.0, 0.05 * nx, 0.5 * nx};
	for (size_t m = 1; m < 3; m++)
		for (size_t q = 0; q < 3; q++) {
			double rho = rhos[q];
			ll_cp_opts o;
			ll_cp_opts_default(&o);
			o.method = methods[m];
			o.rank = R;
			o.init_model = &T;
			o.fixed_modes = 1u << 1 | 1u << 2;
			o.ridge = rho;
			o.tol = 1e-15;
			o.max_iter = 20000;
			ll_cp_result r;
			ll_err err;
			LL_REQUIRE_OK(ll_cp_fit(&X, &o, 1, &r, &err), err);
			double P[12 * 3], G[9], ref[12 * 3];
			ll_mttkrp_naive(&X, T.U, R, 0, P);
			for (size_t a = 0; a < R; a++)
				for (size_t b = 0; b < R; b++) {
					double g1 = 0, g2 = 0;
					for (size_t i = 0; i < dim[1]; i++)
						g1 += T.U[1][i * R + a] * T.U[1][i * R + b];
					for (size_t i = 0; i < dim[2]; i++)
						g2 += T.U[2][i * R + a] * T.U[2][i * R + b];
					G[a * R + b] = g1 * g2;
				}
			double worst = 0, scale = 0, minref = INFINITY;
			for (size_t i = 0; i < dim[0]; i++) {
				solve_row(G, rho, R, P + i * R, ref + i * R);
				for (size_t c = 0; c < R; c++) {
					double fit = r.K.U[0][i * R + c] * r.K.lambda[c];
					worst = fmax(worst, fabs(fit - ref[i * R + c]));
					scale = fmax(scale, fabs(ref[i * R + c]));
					minref = fmin(minref, ref[i * R + c]);
				}
			}
			LL_CHECK_MSG(minref > 0, "the reference has a non-positive entry %g: the test's premise fails",
				     minref);
			/* HALS solves the one free mode exactly each sweep; BCD
			 * creeps up by gradient steps until tol stops it */
			double tolr = o.method == LL_CP_NCP_HALS ? 1e-9 : 2e-6;
			LL_CHECK_MSG(worst <= tolr * scale, "%s ridge %g: largest difference %g of %g",
				     ll_cp_method_name(o.method), rho, worst, scale);
			/* the penalty reported is the model's: rho/2 (||U0||^2 + fixed) */
			double pen = 0;
			for (int n = 0; n < 3; n++)
				for (size_t i = 0; i < dim[n] * R; i++) {
					double u = n == 0 ? ref[i] : T.U[n][i];
					pen += 0.5 * rho * u * u;
				}
			LL_CHECK_NEAR(r.penalty, pen, 1e-6 * (pen + 1));
			ll_cp_result_free(&r);
		}
	ll_tensor_free(&X);
	ll_ktensor_free(&T);
}

/* A regularised fit never lets its penalised objective rise; and with
 * modes 1 and 2 fixed (so the returned mode 0 times lambda is the fit's
 * own scaling) mode 0 satisfies the optimality (KKT) conditions of the
 * penalised loss, checked with the naive MTTKRP: the gradient
 * U G - P + ridge U + l1 vanishes where U > 0 and is >= 0 where U = 0. */
static void test_penalised_kkt(void)
{
	size_t dim[3] = {14, 10, 9}, R = 3;
	ll_tensor X;
	ll_ktensor T;
	planted(3, dim, R, 41, 0.0, 0.05, &X, &T);
	double nx = ll_tensor_norm(&X);
	for (size_t m = 1; m < 3; m++)
		for (int fixed = 0; fixed < 2; fixed++) {
			ll_cp_opts o;
			ll_cp_opts_default(&o);
			o.method = methods[m];
			o.rank = R;
			o.ridge = 0.01 * nx;
			o.l1 = 0.5 * nx;
			o.l1_modes = 1u << 0;
			o.tol = 1e-14;
			o.max_iter = 20000;
			if (fixed) {
				o.init_model = &T;
				o.fixed_modes = 1u << 1 | 1u << 2;
			}
			ll_cp_result r;
			ll_err err;
			LL_REQUIRE_OK(ll_cp_fit(&X, &o, 3, &r, &err), err);
			int rises = 0;
			for (int k = 1; k < r.iters; k++)
				rises += r.hist[k] > r.hist[k - 1] * (1 + 1e-12);
			LL_CHECK_MSG(!rises, "%s: the penalised objective rose %d times", ll_cp_method_name(o.method),
				     rises);
			LL_CHECK(r.obj_pen > r.obj && r.penalty > 0);
			if (!fixed) {
				ll_cp_result_free(&r);
				continue;
			}
			double P[14 * 3], G[9], U[14 * 3];
			ll_mttkrp_naive(&X, T.U, R, 0, P);
			for (size_t a = 0; a < R; a++)
				for (size_t b = 0; b < R; b++) {
					double g1 = 0, g2 = 0;
					for (size_t i = 0; i < dim[1]; i++)
						g1 += T.U[1][i * R + a] * T.U[1][i * R + b];
					for (size_t i = 0; i < dim[2]; i++)
						g2 += T.U[2][i * R + a] * T.U[2][i * R + b];
					G[a * R + b] = g1 * g2;
				}
			for (size_t i = 0; i < dim[0] * R; i++)
				U[i] = r.K.U[0][i] * r.K.lambda[i % R];
			double scale = 0, worst_pos = 0, worst_zero = 0;
			size_t nzero = 0;
			for (size_t i = 0; i < dim[0] * R; i++)
				scale = fmax(scale, fabs(P[i]));
			for (size_t i = 0; i < dim[0]; i++)
				for (size_t c = 0; c < R; c++) {
					double g = -P[i * R + c] + o.ridge * U[i * R + c] + o.l1;
					for (size_t b = 0; b < R; b++)
						g += U[i * R + b] * G[b * R + c];
					if (U[i * R + c] > 0)
						worst_pos = fmax(worst_pos, fabs(g));
					else {
						nzero++;
						worst_zero = fmax(worst_zero, -g);
					}
				}
			LL_CHECK_MSG(worst_pos <= 1e-6 * scale && worst_zero <= 1e-6 * scale,
				     "%s: KKT violated: |grad| %g where U > 0, -grad %g where U = 0 (scale %g)",
				     ll_cp_method_name(o.method), worst_pos, worst_zero, scale);
			LL_CHECK_MSG(nzero > 0, "%s: l1 made no zero: the test does not test the l1 branch",
				     ll_cp_method_name(o.method));
			ll_cp_result_free(&r);
		}
	ll_tensor_free(&X);
	ll_ktensor_free(&T);
}

static size_t zeros_of(const ll_cp_result *r, int n)
{
	size_t z = 0;
	for (size_t i = 0; i < r->K.dim[n] * r->K.rank; i++)
		z += r->K.U[n][i] == 0.0;
	return z;
}

/* L1 on the neuron mode of a planted sparse tensor: the number of exact
 * zeros there grows with the penalty (never falls), from none without it. */
static void test_l1_zeros_monotone(void)
{
	size_t dim[3] = {40, 25, 20}, R = 3;
	ll_tensor X;
	ll_ktensor T;
	planted(3, dim, R, 51, 0.0, 0.0, &X, &T);
	/* sparse neurons: each neuron loads on one component only */
	for (size_t i = 0; i < dim[0]; i++)
		for (size_t c = 0; c < R; c++)
			T.U[0][i * R + c] = c == i % R ? 0.5 + T.U[0][i * R + c] : 0.0;
	ll_tensor_free(&X);
	ll_ktensor_full(&T, &X, NULL);
	ll_rng rng;
	ll_rng_init(&rng, 52);
	double nx = ll_tensor_norm(&X);
	for (size_t i = 0; i < X.size; i++)
		X.data[i] += 0.1 * nx / sqrt((double)X.size) * ll_rng_normal(&rng);
	double l1s[] = {0.0, 0.003, 0.01, 0.03, 0.1};
	size_t nl = sizeof l1s / sizeof l1s[0];
	for (size_t m = 1; m < 3; m++) {
		size_t prev = 0, first = 0;
		for (size_t q = 0; q < nl; q++) {
			ll_cp_opts o;
			ll_cp_opts_default(&o);
			o.method = methods[m];
			o.rank = R;
			o.ridge = 0.001 * nx;
			o.l1 = l1s[q] * nx;
			o.l1_modes = 1u << 0;
			o.tol = 1e-10;
			o.max_iter = 3000;
			ll_cp_result r;
			ll_err err;
			LL_REQUIRE_OK(ll_cp_fit(&X, &o, 7, &r, &err), err);
			size_t z = zeros_of(&r, 0);
			if (q == 0)
				first = z;
			LL_CHECK_MSG(q == 0 || z >= prev, "%s: l1 %g gave %zu zeros, fewer than %zu before",
				     ll_cp_method_name(o.method), o.l1, z, prev);
			prev = z;
			if (q == nl - 1) {
				/* toward the 80 planted zeros, from 27 (59 measured) */
				LL_CHECK_MSG(z >= first + 25, "%s: l1 made only %zu zeros (from %zu)",
					     ll_cp_method_name(o.method), z, first);
				/* and the right ones: components matched by their
				 * neurons (each planted component owns i % R) */
				size_t wrong = 0;
				for (size_t c = 0; c < R; c++) {
					size_t owner = 0, best = 0;
					for (size_t k = 0; k < R; k++) {
						size_t cnt = 0;
						for (size_t i = k; i < dim[0]; i += R)
							cnt += r.K.U[0][i * R + c] > 0.0;
						if (cnt > best) {
							best = cnt;
							owner = k;
						}
					}
					for (size_t i = owner; i < dim[0]; i += R)
						wrong += r.K.U[0][i * R + c] == 0.0;
				}
				LL_CHECK_MSG(wrong <= 2, "%s: %zu planted loadings were zeroed", ll_cp_method_name(o.method),
					     wrong);
				/* the other modes are not penalised: no more zeros there */
				LL_CHECK(zeros_of(&r, 1) <= 2);
			}
			ll_cp_result_free(&r);
		}
	}
	ll_tensor_free(&X);
	ll_ktensor_free(&T);
}

static void test_option_errors(void)
{
	size_t dim[3] = {6, 5, 4};
	ll_tensor X;
	ll_ktensor T;
	planted(3, dim, 2, 61, 0.1, 0.0, &X, &T);
	ll_err err;
	ll_cp_opts o;
#define EXPECT(setup, what) do { ll_cp_opts_default(&o); o.rank = 2; o.method = LL_CP_NCP_HALS; setup; \
		ll_err_clear(&err); LL_CHECK_INT(ll_cp_check(&X, &o, &err), LL_EINVAL); \
		LL_CHECK_CONTAINS(err.msg, what); } while (0)
	EXPECT(o.method = LL_CP_ALS; o.ridge = 1, "non-negative methods");
	EXPECT(o.l1 = 1; o.l1_modes = 1, "needs ridge > 0");
	EXPECT(o.ridge = -1, "ridge must be");
	EXPECT(o.l1 = NAN, "l1 must be");
	EXPECT(o.fixed_modes = 1, "need a starting model");
	EXPECT(o.init_model = &T; o.fixed_modes = 7, "every mode is fixed");
	EXPECT(o.init_model = &T; o.fixed_modes = 8, "past the data");
	EXPECT(o.init_model = &T; o.rank = 3, "has rank 2");
	T.U[1][3] = -0.5;
	EXPECT(o.init_model = &T, "non-negative start");
	T.U[1][3] = 0.5;
#undef EXPECT
	/* L1 on every mode needs no ridge: the scale cannot escape it */
	ll_cp_opts_default(&o);
	o.rank = 2;
	o.method = LL_CP_NCP_BCD;
	o.l1 = 0.1;
	LL_CHECK_INT(ll_cp_check(&X, &o, &err), LL_OK);
	/* ALS takes a start with negative entries */
	T.U[0][0] = -1;
	ll_cp_opts_default(&o);
	o.rank = 2;
	o.init_model = &T;
	LL_CHECK_INT(ll_cp_check(&X, &o, &err), LL_OK);
	ll_tensor_free(&X);
	ll_ktensor_free(&T);
}

static void test_modes_parse(void)
{
	unsigned b = 99;
	char buf[64];
	LL_CHECK_INT(ll_cp_modes_parse("0,2", &b), LL_OK);
	LL_CHECK_INT(b, 5);
	LL_CHECK_STR(ll_cp_modes_str(b, buf, sizeof buf), "0,2");
	LL_CHECK_INT(ll_cp_modes_parse(" 1 , 3 ", &b), LL_OK);
	LL_CHECK_INT(b, 10);
	LL_CHECK_INT(ll_cp_modes_parse("", &b), LL_OK);
	LL_CHECK_INT(b, 0);
	LL_CHECK_STR(ll_cp_modes_str(0, buf, sizeof buf), "none");
	LL_CHECK_INT(ll_cp_modes_parse("none", &b), LL_OK);
	const char *bad[] = {"a", "1,", ",1", "-1", "1;2", "99", "1 2"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		LL_CHECK_MSG(ll_cp_modes_parse(bad[i], &b) == LL_EINVAL, "'%s' was accepted", bad[i]);
}

/* A model written by ll_ens_write reads back equal, from a fit's folder,
 * a rank's folder, and an .npz; bad paths say what is wrong. */
static void test_read_model(void)
{
	char tmpl[] = "/tmp/ll_test_cpopts_XXXXXX";
	char *dir = mkdtemp(tmpl);
	LL_CHECK(dir != NULL);
	if (!dir)
		return;
	size_t dim[3] = {8, 6, 5};
	ll_tensor X;
	ll_ktensor T;
	planted(3, dim, 2, 71, 0.1, 0.01, &X, &T);
	ll_ens_opts eo;
	ll_ens_opts_default(&eo);
	eo.rank_lo = eo.rank_hi = 2;
	eo.replicates = 2;
	eo.cp.method = LL_CP_NCP_HALS;
	ll_ensemble e;
	ll_err err;
	LL_REQUIRE_OK(ll_ens_fit(&X, &eo, &e, &err), err);
	char *out = ll_path_join(dir, "ens");
	LL_REQUIRE_OK(ll_ens_write(&e, out, &X, NULL, &err), err);
	const ll_ktensor *best = &e.ranks[0].fits[0].K;
	char path[512];
	ll_ktensor K;
	snprintf(path, sizeof path, "%s/rank_02", out);
	LL_REQUIRE_OK(ll_ens_read_model(path, &K, &err), err);
	LL_CHECK(K.rank == 2 && K.nmodes == 3);
	for (int n = 0; n < 3; n++)
		LL_CHECK(!memcmp(K.U[n], best->U[n], dim[n] * 2 * sizeof(double)));
	LL_CHECK(!memcmp(K.lambda, best->lambda, 2 * sizeof(double)));
	ll_ktensor_free(&K);
	snprintf(path, sizeof path, "%s/rank_02/rep_01", out);
	LL_REQUIRE_OK(ll_ens_read_model(path, &K, &err), err);
	LL_CHECK(!memcmp(K.U[0], e.ranks[0].fits[1].K.U[0], dim[0] * 2 * sizeof(double)));
	ll_ktensor_free(&K);
	/* an .npz without lambda: weights 1 */
	ll_npz_member mem[3] = {
		{.name = "factor_0", .f64 = T.U[0], .ndim = 2, .shape = {8, 2}},
		{.name = "factor_1", .f64 = T.U[1], .ndim = 2, .shape = {6, 2}},
		{.name = "factor_2", .f64 = T.U[2], .ndim = 2, .shape = {5, 2}},
	};
	snprintf(path, sizeof path, "%s/m.npz", dir);
	LL_REQUIRE_OK(ll_npz_write(path, mem, 3, &err), err);
	LL_REQUIRE_OK(ll_ens_read_model(path, &K, &err), err);
	LL_CHECK(K.lambda[0] == 1.0 && K.lambda[1] == 1.0 && !memcmp(K.U[2], T.U[2], 10 * sizeof(double)));
	ll_ktensor_free(&K);
	/* errors */
	LL_CHECK(ll_ens_read_model(out, &K, &err) != LL_OK);
	LL_CHECK_CONTAINS(err.msg, "rank_04");
	LL_CHECK(ll_ens_read_model(dir, &K, &err) != LL_OK); /* no model, no rep_00 */
	LL_CHECK_CONTAINS(err.msg, "no model here");
	snprintf(path, sizeof path, "%s/missing.npz", dir);
	LL_CHECK(ll_ens_read_model(path, &K, &err) != LL_OK);
	LL_CHECK_CONTAINS(err.msg, "missing.npz");
	mem[1].shape[1] = 3; /* factor_1 with the wrong column count */
	mem[1].shape[0] = 4;
	snprintf(path, sizeof path, "%s/bad.npz", dir);
	LL_REQUIRE_OK(ll_npz_write(path, mem, 3, &err), err);
	LL_CHECK(ll_ens_read_model(path, &K, &err) != LL_OK);
	LL_CHECK_CONTAINS(err.msg, "factor_1 has 3 columns");
	snprintf(path, sizeof path, "%s/gap.npz", dir);
	mem[1] = mem[2];
	LL_REQUIRE_OK(ll_npz_write(path, mem, 2, &err), err);
	LL_CHECK(ll_ens_read_model(path, &K, &err) != LL_OK);
	LL_CHECK_CONTAINS(err.msg, "factor_1 is missing");
	ll_ens_free(&e);
	ll_tensor_free(&X);
	ll_ktensor_free(&T);
	ll_rmtree(dir, NULL);
	ll_free(out);
}

int main(void)
{
	LL_RUN(test_warm_start_from_truth);
	LL_RUN(test_fixed_modes_identical);
	LL_RUN(test_ridge_naive);
	LL_RUN(test_penalised_kkt);
	LL_RUN(test_l1_zeros_monotone);
	LL_RUN(test_option_errors);
	LL_RUN(test_modes_parse);
	LL_RUN(test_read_model);
	return ll_test_done();
}
