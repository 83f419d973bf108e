/* Unit tests for CP-APR (Poisson CP, Chi & Kolda 2012): planted Poisson
 * tensors recovered, the deviance never rising, the engine against a naive
 * re-implementation of the same multiplicative updates, CP-APR beating
 * ncp-hals on sparse counts, masks, and bad input. */
#include "base/ll_common.h"
#include "base/ll_rng.h"
#include "sim/ll_synth.h"
#include "tensor/ll_cp.h"
#include "tensor/ll_ens.h"
#include "tensor/ll_ktensor.h"
#include "tensor/ll_mttkrp.h"
#include "tensor/ll_tensor.h"
#include "ll_test.h"

/* Poisson(lam) by inversion (small lam) */
static double poisson(ll_rng *g, double lam)
{
	double l = exp(-lam), p = 1.0;
	int k = 0;
	do {
		k++;
		p *= ll_rng_uniform(g);
	} while (p > l && k < 10000);
	return k - 1;
}

/* A planted non-negative model with sparse-ish factors (a third of each
 * column near zero) scaled so the mean rate is `rate`, and Poisson counts
 * drawn from it. */
static void planted(const size_t *dim, size_t R, double rate, uint64_t seed, ll_tensor *X, ll_ktensor *K)
{
	ll_rng g;
	ll_rng_init(&g, seed);
	ll_ktensor_init(K, 3, dim, R, NULL);
	for (int n = 0; n < 3; n++)
		for (size_t i = 0; i < dim[n] * R; i++) {
			double u = ll_rng_uniform(&g);
			K->U[n][i] = u < 0.33 ? 0.02 * u : u;
		}
	ll_ktensor_full(K, X, NULL);
	double s = 0;
	for (size_t i = 0; i < X->size; i++)
		s += X->data[i];
	double f = rate * (double)X->size / s;
	for (size_t r = 0; r < R; r++)
		K->lambda[r] *= f;
	for (size_t i = 0; i < X->size; i++)
		X->data[i] = poisson(&g, X->data[i] * f);
}

static double col_cos(const double *A, const double *B, size_t d, size_t R, size_t a, size_t b)
{
	double ab = 0, aa = 0, bb = 0;
	for (size_t i = 0; i < d; i++) {
		ab += A[i * R + a] * B[i * R + b];
		aa += A[i * R + a] * A[i * R + a];
		bb += B[i * R + b] * B[i * R + b];
	}
	return aa > 0 && bb > 0 ? fabs(ab) / sqrt(aa * bb) : 0.0;
}

/* factor match: mean over components of prod_n |cos|, best permutation
 * (R <= 4, brute force) */
static double fms(const ll_ktensor *A, const ll_ktensor *B)
{
	size_t R = A->rank, p[4] = {0, 1, 2, 3};
	double best = 0;
	size_t perms[24][4], np = 0;
	/* all permutations of 0..R-1 (Heap's algorithm would do; R is tiny) */
	for (size_t a = 0; a < R; a++)
		for (size_t b = 0; b < R; b++)
			for (size_t c = 0; c < R; c++)
				for (size_t d = 0; d < R; d++) {
					size_t q[4] = {a, b, c, d};
					int ok = 1;
					for (size_t i = 0; i < R && ok; i++)
						for (size_t j = i + 1; j < R; j++)
							ok &= q[i] != q[j];
					if (ok && np < 24 && (R > 3 || d == 0) && (R > 2 || c == 0) && (R > 1 || b == 0)) {
						memcpy(perms[np++], q, sizeof q);
					}
				}
	(void)p;
	for (size_t k = 0; k < np; k++) {
		double s = 0;
		for (size_t r = 0; r < R; r++) {
			double v = 1;
			for (int n = 0; n < A->nmodes; n++)
				v *= col_cos(A->U[n], B->U[n], A->dim[n], R, r, perms[k][r]);
			s += v;
		}
		if (s / (double)R > best)
			best = s / (double)R;
	}
	return best;
}

/* Planted Poisson tensors at mean rate 1: the best of 5 fits matches the
 * planted factors with FMS >= 0.95; every fit's deviance never rises. */
static void test_recovery_rate1(void)
{
	size_t dim[3] = {30, 25, 20};
	for (uint64_t seed = 1; seed <= 2; seed++) {
		ll_tensor X;
		ll_ktensor T;
		planted(dim, 3, 1.0, seed, &X, &T);
		ll_cp_opts o;
		ll_cp_opts_default(&o);
		o.method = LL_CP_APR;
		o.rank = 3;
		o.max_iter = 300;
		uint64_t seeds[5] = {11, 12, 13, 14, 15};
		ll_cp_result r[5];
		ll_err err;
		LL_REQUIRE_OK(ll_cp_fit_batch(&X, &o, 5, seeds, r, &err), err);
		size_t best = 0;
		for (size_t k = 0; k < 5; k++) {
			if (r[k].obj_pen < r[best].obj_pen)
				best = k;
			int rises = 0;
			for (int i = 1; i < r[k].iters; i++)
				rises += r[k].hist[i] > r[k].hist[i - 1] + 1e-12;
			LL_CHECK_MSG(!rises, "seed %llu fit %zu: the deviance rose %d times", (unsigned long long)seed, k,
				     rises);
			LL_CHECK(r[k].deviance > 0 && r[k].obj > 0 && r[k].obj < 1 && r[k].obj_pen < 1);
		}
		double f = fms(&T, &r[best].K);
		LL_CHECK_MSG(f >= 0.95, "planted seed %llu: FMS %.4f", (unsigned long long)seed, f);
		for (size_t k = 0; k < 5; k++)
			ll_cp_result_free(&r[k]);
		ll_tensor_free(&X);
		ll_ktensor_free(&T);
	}
}

/* The engine against a naive re-implementation of Chi & Kolda's
 * multiplicative updates (full reconstruction and MTTKRP by plain loops,
 * the same inner-iteration rule and scooch), from the same start, over 6
 * outer iterations: the same model to 1e-9. */
static void naive_apr(const ll_tensor *X, ll_ktensor *K, int iters)
{
	size_t R = K->rank, N = 3;
	double *Phin[3];
	for (size_t n = 0; n < N; n++)
		Phin[n] = calloc(K->dim[n] * R, sizeof(double));
	/* unit column sums */
	for (size_t n = 0; n < N; n++)
		for (size_t r = 0; r < R; r++) {
			double s = 0;
			for (size_t i = 0; i < K->dim[n]; i++)
				s += K->U[n][i * R + r];
			K->lambda[r] *= s;
			for (size_t i = 0; i < K->dim[n]; i++)
				K->U[n][i * R + r] /= s;
		}
	ll_tensor M, Y;
	for (int k = 1; k <= iters; k++)
		for (size_t n = 0; n < N; n++) {
			size_t dn = K->dim[n];
			double *B = malloc(dn * R * sizeof *B), *Phi = malloc(dn * R * sizeof *Phi);
			for (size_t i = 0; i < dn * R; i++) {
				double a = K->U[n][i];
				if (k > 1 && a < 1e-10 && Phin[n][i] > 1.0)
					a += 100.0;
				B[i] = a * K->lambda[i % R];
			}
			double *save = K->U[n];
			double lam[8];
			memcpy(lam, K->lambda, R * sizeof *lam);
			for (int l = 0; l < 10; l++) {
				/* model with B in mode n, no lambda */
				K->U[n] = B;
				for (size_t r = 0; r < R; r++)
					K->lambda[r] = 1.0;
				ll_ktensor_full(K, &M, NULL);
				K->U[n] = save;
				memcpy(K->lambda, lam, R * sizeof *lam);
				ll_tensor_copy(&Y, X, NULL);
				for (size_t i = 0; i < X->size; i++)
					Y.data[i] = X->data[i] == 0 ? 0 : X->data[i] / fmax(M.data[i], 1e-10);
				ll_mttkrp_naive(&Y, K->U, R, (int)n, Phi);
				ll_tensor_free(&M);
				ll_tensor_free(&Y);
				/* D = product of the other modes' column sums (= 1) */
				double kkt = 0;
				for (size_t i = 0; i < dn * R; i++) {
					Phin[n][i] = Phi[i];
					kkt = fmax(kkt, fabs(fmin(B[i], 1.0 - Phi[i])));
				}
				if (kkt < 1e-4)
					break;
				for (size_t i = 0; i < dn * R; i++)
					B[i] *= Phi[i];
			}
			for (size_t r = 0; r < R; r++) {
				double s = 0;
				for (size_t i = 0; i < dn; i++)
					s += B[i * R + r];
				K->lambda[r] = s;
				for (size_t i = 0; i < dn; i++)
					K->U[n][i * R + r] = s > 0 ? B[i * R + r] / s : 0;
			}
			free(B);
			free(Phi);
		}
	for (size_t n = 0; n < N; n++)
		free(Phin[n]);
}

static void test_against_naive(void)
{
	size_t dim[3] = {7, 6, 5}, R = 2;
	ll_tensor X;
	ll_ktensor T, S, K;
	planted(dim, R, 2.0, 31, &X, &T);
	/* a start away from the truth */
	ll_ktensor_copy(&S, &T, NULL);
	ll_rng g;
	ll_rng_init(&g, 32);
	for (int n = 0; n < 3; n++)
		for (size_t i = 0; i < dim[n] * R; i++)
			S.U[n][i] = 0.1 + ll_rng_uniform(&g);
	ll_ktensor_copy(&K, &S, NULL);
	naive_apr(&X, &K, 6);
	ll_cp_opts o;
	ll_cp_opts_default(&o);
	o.method = LL_CP_APR;
	o.rank = R;
	o.init_model = &S;
	o.max_iter = 6;
	o.tol = 1e-300;
	ll_cp_result r;
	ll_err err;
	LL_REQUIRE_OK(ll_cp_fit(&X, &o, 1, &r, &err), err);
	LL_CHECK_INT(r.iters, 6);
	ll_tensor A, Bt;
	ll_ktensor_full(&K, &A, NULL);
	ll_ktensor_full(&r.K, &Bt, NULL);
	double worst = 0, scale = 0;
	for (size_t i = 0; i < A.size; i++) {
		worst = fmax(worst, fabs(A.data[i] - Bt.data[i]));
		scale = fmax(scale, fabs(A.data[i]));
	}
	LL_CHECK_MSG(worst <= 1e-9 * scale, "largest model difference %g of %g", worst, scale);
	/* and the deviance it reports is the model's */
	double dev = 0;
	for (size_t i = 0; i < X.size; i++) {
		double x = X.data[i], m = Bt.data[i];
		dev += 2 * ((x > 0 ? x * log(x / m) : 0) - (x - m));
	}
	LL_CHECK_NEAR(r.deviance, dev, 1e-8 * dev);
	ll_tensor_free(&A);
	ll_tensor_free(&Bt);
	ll_cp_result_free(&r);
	ll_ktensor_free(&K);
	ll_ktensor_free(&S);
	ll_ktensor_free(&T);
	ll_tensor_free(&X);
}

/* latentlab synth's population at low rates (40 neurons x 40 bins x 50
 * trials, peak 4 spikes/s, 50 ms bins: mostly zeros): the best of 4 CP-APR fits matches the planted factors
 * better than the best of 4 ncp-hals fits, on each of 3 seeds. */
static void test_beats_hals_at_low_rates(void)
{
	for (uint64_t seed = 1; seed <= 3; seed++) {
		ll_synth_opts so;
		ll_synth_opts_default(&so);
		so.peak = 4.0;
		so.neurons = 40;
		so.time = 40;
		so.trials = 50;
		so.seed = seed;
		ll_synth sy;
		ll_err err;
		LL_REQUIRE_OK(ll_synth_make(&so, &sy, &err), err);
		double f[2];
		ll_cp_method m[2] = {LL_CP_APR, LL_CP_NCP_HALS};
		for (int k = 0; k < 2; k++) {
			ll_cp_opts o;
			ll_cp_opts_default(&o);
			o.method = m[k];
			o.rank = 3;
			o.max_iter = 300;
			uint64_t seeds[4] = {1, 2, 3, 4};
			ll_cp_result r[4];
			LL_REQUIRE_OK(ll_cp_fit_batch(&sy.data, &o, 4, seeds, r, &err), err);
			size_t best = 0;
			for (size_t q = 1; q < 4; q++)
				if (r[q].obj_pen < r[best].obj_pen)
					best = q;
			f[k] = fms(&sy.truth, &r[best].K);
			for (size_t q = 0; q < 4; q++)
				ll_cp_result_free(&r[q]);
		}
		LL_CHECK_MSG(f[0] > f[1], "seed %llu: cp-apr FMS %.4f, ncp-hals %.4f", (unsigned long long)seed, f[0],
			     f[1]);
		fprintf(stderr, "# low rates, seed %llu: FMS cp-apr %.4f, ncp-hals %.4f\n", (unsigned long long)seed,
			f[0], f[1]);
		ll_synth_free(&sy);
	}
}

/* Masked entries are ignored: corrupting them changes nothing. */
static void test_mask(void)
{
	size_t dim[3] = {12, 10, 8};
	ll_tensor X, W;
	ll_ktensor T;
	planted(dim, 2, 1.5, 41, &X, &T);
	ll_tensor_init(&W, 3, dim, NULL);
	ll_rng g;
	ll_rng_init(&g, 42);
	for (size_t i = 0; i < W.size; i++)
		W.data[i] = ll_rng_uniform(&g) < 0.2 ? 0.0 : 1.0;
	ll_cp_opts o;
	ll_cp_opts_default(&o);
	o.method = LL_CP_APR;
	o.rank = 2;
	o.mask = &W;
	o.tol = 1e-12;
	o.max_iter = 2000;
	ll_cp_result a, b;
	ll_err err;
	LL_REQUIRE_OK(ll_cp_fit(&X, &o, 3, &a, &err), err);
	for (size_t i = 0; i < X.size; i++)
		if (W.data[i] == 0.0)
			X.data[i] = i % 2 ? 1e6 : NAN;
	LL_REQUIRE_OK(ll_cp_fit(&X, &o, 3, &b, &err), err);
	LL_CHECK(a.iters == b.iters && a.obj == b.obj && a.deviance == b.deviance);
	LL_CHECK(!memcmp(a.K.U[0], b.K.U[0], 12 * 2 * sizeof(double)));
	LL_CHECK(fms(&T, &a.K) > 0.8);
	/* the fit is stationary for the masked loss: where a factor entry is
	 * positive, Phi = MTTKRP(W.X ./ M) equals D = MTTKRP(W) (naive loops,
	 * on the original data) */
	{
		ll_tensor X0, M, Y;
		ll_ktensor T2; /* the same draw again: the uncorrupted data */
		planted(dim, 2, 1.5, 41, &X0, &T2);
		ll_ktensor_free(&T2);
		ll_ktensor_full(&a.K, &M, NULL);
		ll_tensor_copy(&Y, &X0, NULL);
		for (size_t i = 0; i < Y.size; i++)
			Y.data[i] = W.data[i] * X0.data[i] / M.data[i];
		double worst = 0;
		for (int n = 0; n < 3; n++) {
			double Phi[24], D[24];
			ll_mttkrp_naive(&Y, a.K.U, 2, n, Phi);
			ll_mttkrp_naive(&W, a.K.U, 2, n, D);
			for (size_t i = 0; i < dim[n] * 2; i++)
				if (a.K.U[n][i] > 1e-3)
					worst = fmax(worst, fabs(1 - Phi[i] / D[i]));
		}
		LL_CHECK_MSG(worst < 2e-3, "masked fit not stationary: |1 - Phi/D| up to %g", worst);
		ll_tensor_free(&X0);
		ll_tensor_free(&M);
		ll_tensor_free(&Y);
	}
	ll_cp_result_free(&a);
	ll_cp_result_free(&b);
	ll_tensor_free(&X);
	ll_tensor_free(&W);
	ll_ktensor_free(&T);
}

static void test_errors(void)
{
	size_t dim[3] = {5, 4, 3};
	ll_tensor X;
	ll_ktensor T;
	planted(dim, 2, 1.0, 51, &X, &T);
	ll_cp_opts o;
	ll_cp_opts_default(&o);
	o.method = LL_CP_APR;
	o.rank = 2;
	ll_cp_result r;
	ll_err err;
	X.data[7] = -1;
	LL_CHECK_INT(ll_cp_fit(&X, &o, 1, &r, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "needs counts");
	X.data[7] = 1;
	o.ridge = 1;
	LL_CHECK_INT(ll_cp_fit(&X, &o, 1, &r, &err), LL_EINVAL);
	o.ridge = 0;
	o.rank = 99;
	LL_CHECK_INT(ll_cp_fit(&X, &o, 1, &r, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "exceeds");
	ll_cp_method m;
	LL_CHECK_INT(ll_cp_method_parse("cp-apr", &m), LL_OK);
	LL_CHECK_INT(m, LL_CP_APR);
	ll_tensor_free(&X);
	ll_ktensor_free(&T);
}

/* An ensemble of CP-APR fits ranks by the deviance and aligns as usual. */
static void test_ensemble(void)
{
	size_t dim[3] = {15, 12, 10};
	ll_tensor X;
	ll_ktensor T;
	planted(dim, 2, 2.0, 61, &X, &T);
	ll_ens_opts eo;
	ll_ens_opts_default(&eo);
	eo.rank_lo = 1;
	eo.rank_hi = 3;
	eo.replicates = 3;
	eo.cp.method = LL_CP_APR;
	ll_ensemble e;
	ll_err err;
	LL_REQUIRE_OK(ll_ens_fit(&X, &eo, &e, &err), err);
	for (size_t k = 0; k < e.nranks; k++)
		for (size_t q = 1; q < e.ranks[k].nrep; q++)
			LL_CHECK(e.ranks[k].fits[q].obj_pen >= e.ranks[k].fits[q - 1].obj_pen);
	LL_CHECK(e.ranks[1].fits[0].obj_pen < e.ranks[0].fits[0].obj_pen);
	ll_ens_free(&e);
	ll_tensor_free(&X);
	ll_ktensor_free(&T);
}

int main(void)
{
	LL_RUN(test_recovery_rate1);
	LL_RUN(test_against_naive);
	LL_RUN(test_beats_hals_at_low_rates);
	LL_RUN(test_mask);
	LL_RUN(test_errors);
	LL_RUN(test_ensemble);
	return ll_test_done();
}
