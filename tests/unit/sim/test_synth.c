/* The synthetic population: shape, labels, determinism, the planted model
 * against the data, noise statistics, files, and recovery by TCA. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tensor/ll_cp.h"
#include "base/ll_fs.h"
#include "io/ll_npy.h"
#include "sim/ll_synth.h"
#include "ll_test.h"

static void test_synth_shape_and_labels(void)
{
	ll_synth_opts o;
	ll_synth s;
	ll_err e;

	ll_synth_opts_default(&o);
	LL_CHECK_INT(ll_synth_make(&o, &s, &e), LL_OK);
	LL_CHECK_INT(s.data.nmodes, 3);
	LL_CHECK_INT(s.data.dim[0], 50);
	LL_CHECK_INT(s.data.dim[1], 60);
	LL_CHECK_INT(s.data.dim[2], 80);
	LL_CHECK_INT(s.truth.rank, 3);
	LL_CHECK_INT(s.truth.nmodes, 3);
	LL_CHECK_INT(s.ntrials, 80);
	LL_CHECK_STR(s.names[0], "learning");
	LL_CHECK_STR(s.names[1], "oscillation");
	LL_CHECK_STR(s.names[2], "condition");
	size_t n1 = 0;
	for (size_t k = 0; k < 80; k++) {
		LL_CHECK_INT(s.labels[k], (int)(k % 2));
		n1 += (size_t)s.labels[k];
	}
	LL_CHECK_INT(n1, 40);
	/* normalised, non-negative, every component used by some neuron */
	for (int n = 0; n < 3; n++)
		for (size_t r = 0; r < 3; r++) {
			double ss = 0.0, mn = 0.0;
			for (size_t i = 0; i < s.truth.dim[n]; i++) {
				double v = s.truth.U[n][i * 3 + r];
				ss += v * v;
				mn = v < mn ? v : mn;
			}
			LL_CHECK_NEAR(ss, 1.0, 1e-12);
			LL_CHECK(mn >= 0.0);
		}
	/* counts are non-negative integers */
	double total = 0.0;
	for (size_t i = 0; i < s.data.size; i++) {
		LL_CHECK(s.data.data[i] >= 0.0 && s.data.data[i] == floor(s.data.data[i]));
		total += s.data.data[i];
	}
	printf("# default population: %.0f spikes, %.3f per bin\n", total, total / (double)s.data.size);
	ll_synth_free(&s);
	ll_synth_free(&s); /* twice is fine */

	/* odd trial counts: the labels still alternate */
	o.trials = 7;
	o.rank = 5;
	LL_CHECK_INT(ll_synth_make(&o, &s, &e), LL_OK);
	LL_CHECK_INT(s.labels[6], 0);
	LL_CHECK_STR(s.names[3], "learning-2");
	LL_CHECK_STR(s.names[4], "oscillation-2");
	ll_synth_free(&s);
}

/* --conditions 10: labels cycle 0..9 and the condition component is
 * cosine-tuned to condition 1: 1 there, 0 opposite (6), cos(2 pi / 10)
 * halfway up beside it (0 and 2), the same on both sides. */
static void test_synth_conditions(void)
{
	ll_synth_opts o;
	ll_synth s;
	ll_synth_opts_default(&o);
	o.conditions = 10;
	o.trials = 40;
	o.noise = LL_SYNTH_NONE;
	LL_CHECK_INT(ll_synth_make(&o, &s, NULL), LL_OK);
	for (size_t k = 0; k < 40; k++)
		LL_CHECK_INT(s.labels[k], (int)(k % 10));
	LL_CHECK_INT(s.opts.conditions, 10);
	const double *tr = s.truth.U[2]; /* trials x rank, component 2 = condition */
	double peak = tr[1 * 3 + 2], side = 0.5 * (1.0 + cos(2.0 * M_PI / 10.0));
	LL_CHECK(peak > 0.0);
	LL_CHECK_NEAR(tr[6 * 3 + 2] / peak, 0.0, 1e-12);
	LL_CHECK_NEAR(tr[0 * 3 + 2] / peak, side, 1e-12);
	LL_CHECK_NEAR(tr[2 * 3 + 2] / peak, side, 1e-12);
	LL_CHECK_NEAR(tr[11 * 3 + 2] / peak, 1.0, 1e-12); /* the next cycle, same condition */
	ll_synth_free(&s);
	/* 0 is the default, two conditions */
	o.conditions = 0;
	LL_CHECK_INT(ll_synth_make(&o, &s, NULL), LL_OK);
	LL_CHECK_INT(s.labels[3], 1);
	LL_CHECK_INT(s.opts.conditions, 2);
	ll_synth_free(&s);
}

static void test_synth_deterministic(void)
{
	ll_synth_opts o;
	ll_synth a, b;

	ll_synth_opts_default(&o);
	o.seed = 42;
	LL_CHECK_INT(ll_synth_make(&o, &a, NULL), LL_OK);
	LL_CHECK_INT(ll_synth_make(&o, &b, NULL), LL_OK);
	LL_CHECK(memcmp(a.data.data, b.data.data, a.data.size * sizeof(double)) == 0);
	for (int n = 0; n < 3; n++)
		LL_CHECK(memcmp(a.truth.U[n], b.truth.U[n], a.truth.dim[n] * 3 * sizeof(double)) == 0);
	ll_synth_free(&b);

	/* another seed: other neurons, other counts */
	o.seed = 43;
	LL_CHECK_INT(ll_synth_make(&o, &b, NULL), LL_OK);
	LL_CHECK(memcmp(a.data.data, b.data.data, a.data.size * sizeof(double)) != 0);
	LL_CHECK(memcmp(a.truth.U[0], b.truth.U[0], 50 * 3 * sizeof(double)) != 0);
	/* time and trial profiles do not depend on the seed */
	LL_CHECK(memcmp(a.truth.U[1], b.truth.U[1], 60 * 3 * sizeof(double)) == 0);
	ll_synth_free(&b);

	/* another noise model: the same planted model */
	o.seed = 42;
	o.noise = LL_SYNTH_GAUSSIAN;
	LL_CHECK_INT(ll_synth_make(&o, &b, NULL), LL_OK);
	LL_CHECK(memcmp(a.truth.U[0], b.truth.U[0], 50 * 3 * sizeof(double)) == 0);
	LL_CHECK(memcmp(a.truth.lambda, b.truth.lambda, 3 * sizeof(double)) == 0);
	ll_synth_free(&a);
	ll_synth_free(&b);
}

/* sum_r lambda_r a_r o b_r o c_r by plain loops */
static double naive_full(const ll_ktensor *K, size_t i, size_t j, size_t k)
{
	double acc = 0.0;
	size_t R = K->rank;
	for (size_t r = 0; r < R; r++)
		acc += K->lambda[r] * K->U[0][i * R + r] * K->U[1][j * R + r] * K->U[2][k * R + r];
	return acc;
}

static void test_synth_noiseless_is_truth(void)
{
	ll_synth_opts o;
	ll_synth s;
	ll_tensor F;

	ll_synth_opts_default(&o);
	o.noise = LL_SYNTH_NONE;
	o.neurons = 20;
	o.time = 30;
	o.trials = 16;
	LL_CHECK_INT(ll_synth_make(&o, &s, NULL), LL_OK);
	LL_CHECK_INT(ll_ktensor_full(&s.truth, &F, NULL), LL_OK);
	LL_CHECK(memcmp(F.data, s.data.data, F.size * sizeof(double)) == 0);
	double peak = 0.0;
	for (size_t i = 0; i < 20; i++)
		for (size_t j = 0; j < 30; j++)
			for (size_t k = 0; k < 16; k++) {
				double v = s.data.data[(i * 30 + j) * 16 + k];
				LL_CHECK_NEAR(v, naive_full(&s.truth, i, j, k), 1e-12);
				peak = v > peak ? v : peak;
			}
	/* the rate is peak * dt = 2 counts per bin per unit weight: the largest
	 * bin lies between 0.5 * 2 * (most of one bump) and 1.5 * 2 * 3 */
	LL_CHECK_MSG(peak > 0.9 && peak < 9.0, "peak expected count %g", peak);
	/* the planted profiles: condition factor off in condition-0 trials,
	 * oscillation constant across trials, learning rising */
	const double *Tr = s.truth.U[2];
	for (size_t k = 0; k < 16; k++) {
		if (s.labels[k] == 0)
			LL_CHECK(Tr[k * 3 + 2] == 0.0);
		LL_CHECK_NEAR(Tr[k * 3 + 1], Tr[1], 1e-15);
		if (k > 0)
			LL_CHECK(Tr[k * 3 + 0] > Tr[(k - 1) * 3 + 0]);
	}
	ll_tensor_free(&F);
	ll_synth_free(&s);

	/* a baseline is a 4th planted component, last, and exactly additive */
	ll_synth b;
	o.baseline = 5.0; /* spikes/s -> 0.25 counts per bin */
	LL_CHECK_INT(ll_synth_make(&o, &b, NULL), LL_OK);
	LL_CHECK_INT(b.truth.rank, 4);
	LL_CHECK_STR(b.names[3], "baseline");
	LL_CHECK_INT(ll_synth_make(&(ll_synth_opts){.neurons = 20, .time = 30, .trials = 16, .rank = 3,
						   .peak = 40, .dt = 0.05, .noise = LL_SYNTH_NONE, .seed = 1},
				   &s, NULL), LL_OK);
	LL_CHECK_INT(ll_ktensor_full(&b.truth, &F, NULL), LL_OK);
	LL_CHECK(memcmp(F.data, b.data.data, F.size * sizeof(double)) == 0);
	for (size_t i = 0; i < F.size; i++)
		LL_CHECK_NEAR(b.data.data[i] - s.data.data[i], 0.25, 1e-12);
	ll_tensor_free(&F);
	ll_synth_free(&b);
	ll_synth_free(&s);
}

static void test_synth_noise_statistics(void)
{
	/* many trials of a small population: per (neuron, time) cell the sum
	 * of counts over trials is Poisson with mean = the summed rate, so
	 * z = (sum - mean) / sqrt(mean) is ~N(0,1); |z| < 5 for all 24 cells
	 * fails by chance with probability ~1e-5 */
	ll_synth_opts o;
	ll_synth s, r;
	enum { N = 4, T = 6, K = 20000 };

	ll_synth_opts_default(&o);
	o.neurons = N;
	o.time = T;
	o.trials = K;
	o.seed = 9;
	o.baseline = 2.0;
	LL_CHECK_INT(ll_synth_make(&o, &s, NULL), LL_OK);
	o.noise = LL_SYNTH_NONE;
	LL_CHECK_INT(ll_synth_make(&o, &r, NULL), LL_OK);
	double zmax = 0.0;
	for (size_t c = 0; c < N * T; c++) {
		double sc = 0.0, sr = 0.0;
		for (size_t k = 0; k < K; k++) {
			sc += s.data.data[c * K + k];
			sr += r.data.data[c * K + k];
		}
		double z = (sc - sr) / sqrt(sr);
		zmax = fabs(z) > zmax ? fabs(z) : zmax;
	}
	LL_CHECK_MSG(zmax < 5.0, "largest |z| %g", zmax);
	printf("# poisson: largest |z| over %d cells = %.2f\n", N * T, zmax);
	ll_synth_free(&s);

	/* gaussian: residuals have mean 0 and s.d. sigma */
	o.noise = LL_SYNTH_GAUSSIAN;
	o.sigma = 0.7;
	LL_CHECK_INT(ll_synth_make(&o, &s, NULL), LL_OK);
	double m = 0.0, m2 = 0.0, n = (double)s.data.size;
	for (size_t i = 0; i < s.data.size; i++) {
		double d = s.data.data[i] - r.data.data[i];
		m += d;
		m2 += d * d;
	}
	m /= n;
	double sd = sqrt(m2 / n - m * m);
	LL_CHECK_MSG(fabs(m) < 5.0 * 0.7 / sqrt(n), "mean residual %g", m);
	LL_CHECK_MSG(fabs(sd - 0.7) < 5.0 * 0.7 / sqrt(2.0 * n), "residual s.d. %g", sd);
	ll_synth_free(&s);
	ll_synth_free(&r);
}

static void test_synth_errors(void)
{
	ll_synth_opts o;
	ll_synth s;
	ll_err e;
	ll_synth_noise nz;

#define BAD(field, val, code, text) do { ll_synth_opts_default(&o); o.field = val; \
	LL_CHECK_INT(ll_synth_make(&o, &s, &e), code); LL_CHECK_CONTAINS(e.msg, text); \
	LL_CHECK(s.data.data == NULL); } while (0)
	BAD(neurons, 0, LL_EINVAL, "neurons must be at least 1");
	BAD(time, 1, LL_EINVAL, "time must be at least 2 bins, got 1");
	BAD(trials, 1, LL_EINVAL, "trials must be at least 2, got 1");
	BAD(rank, 0, LL_EINVAL, "rank 0 outside 1..64");
	BAD(rank, 65, LL_EINVAL, "rank 65 outside 1..64");
	BAD(peak, 0.0, LL_EINVAL, "peak rate must be positive");
	BAD(peak, NAN, LL_EINVAL, "peak rate");
	BAD(baseline, -1.0, LL_EINVAL, "baseline must be >= 0");
	BAD(dt, 0.0, LL_EINVAL, "dt must be positive");
	BAD(dt, INFINITY, LL_EINVAL, "dt must be positive");
	BAD(noise, (ll_synth_noise)7, LL_EINVAL, "unknown noise model 7");
	BAD(conditions, 1, LL_EINVAL, "conditions must be 2 to the 80 trials, got 1");
	BAD(conditions, 81, LL_EINVAL, "conditions must be 2 to the 80 trials, got 81");
#undef BAD
	ll_synth_opts_default(&o);
	o.noise = LL_SYNTH_GAUSSIAN;
	o.sigma = -1.0;
	LL_CHECK_INT(ll_synth_make(&o, &s, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "sigma must be >= 0");
	LL_CHECK_INT(ll_synth_make(NULL, &s, &e), LL_EINVAL);

	LL_CHECK_INT(ll_synth_noise_parse("Gaussian", &nz), LL_OK);
	LL_CHECK_INT(nz, LL_SYNTH_GAUSSIAN);
	LL_CHECK_INT(ll_synth_noise_parse("none", &nz), LL_OK);
	LL_CHECK_INT(nz, LL_SYNTH_NONE);
	LL_CHECK_INT(ll_synth_noise_parse("poison", &nz), LL_EINVAL);
	LL_CHECK_INT(ll_synth_noise_parse(NULL, &nz), LL_EINVAL);
	LL_CHECK_STR(ll_synth_noise_name(LL_SYNTH_POISSON), "poisson");
	LL_CHECK_STR(ll_synth_noise_name((ll_synth_noise)9), "?");
	LL_CHECK_INT(ll_synth_write(NULL, "/tmp", &e), LL_EINVAL);
}

static void test_synth_write(void)
{
	char dir[] = "/tmp/ll_test_synth.XXXXXX";
	ll_synth_opts o;
	ll_synth s;
	ll_tensor t;
	ll_err e;

	LL_CHECK(mkdtemp(dir) != NULL);
	ll_synth_opts_default(&o);
	o.neurons = 6;
	o.time = 5;
	o.trials = 4;
	o.baseline = 1.0;
	LL_CHECK_INT(ll_synth_make(&o, &s, &e), LL_OK);
	char *out = ll_path_join(dir, "sub");
	LL_CHECK_INT(ll_synth_write(&s, out, &e), LL_OK);

	static const char *const files[] = {"data.npy", "labels.npy", "truth_factor_0.npy",
					    "truth_factor_1.npy", "truth_factor_2.npy", "truth_lambda.npy"};
	for (size_t f = 0; f < 6; f++) {
		char *p = ll_path_join(out, files[f]);
		int rc = ll_npy_read(p, &t, NULL, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s: %s", files[f], e.msg);
		if (rc == LL_OK) {
			if (f == 0) {
				LL_CHECK(ll_tensor_same_shape(&t, &s.data));
				LL_CHECK(memcmp(t.data, s.data.data, t.size * sizeof(double)) == 0);
			} else if (f == 1) {
				LL_CHECK_INT(t.size, 4);
				LL_CHECK(t.data[3] == 1.0 && t.data[2] == 0.0);
			} else if (f < 5) {
				LL_CHECK_INT(t.nmodes, 2);
				LL_CHECK_INT(t.dim[0], s.truth.dim[f - 2]);
				LL_CHECK_INT(t.dim[1], 4); /* 3 + baseline */
				LL_CHECK(memcmp(t.data, s.truth.U[f - 2], t.size * sizeof(double)) == 0);
			} else {
				LL_CHECK_INT(t.size, 4);
				LL_CHECK(memcmp(t.data, s.truth.lambda, 4 * sizeof(double)) == 0);
			}
			ll_tensor_free(&t);
		}
		unlink(p);
		ll_free(p);
	}
	rmdir(out);

	/* a directory that cannot be made */
	char *bad = ll_path_join(dir, "file");
	FILE *fp = fopen(bad, "w");
	LL_CHECK(fp != NULL);
	if (fp)
		fclose(fp);
	char *under = ll_path_join(bad, "x");
	LL_CHECK(ll_synth_write(&s, under, &e) != LL_OK);
	LL_CHECK(strlen(e.msg) > 0);
	unlink(bad);
	ll_free(under);
	ll_free(bad);
	ll_free(out);
	rmdir(dir);
	ll_synth_free(&s);
}

/* Best over component permutations of the mean over components of the
 * product over modes of |cos| (unit columns); with_lambda multiplies by
 * the Tomasi-Bro weight penalty 1 - |la - lb| / max(la, lb). */
static double fms3(const ll_ktensor *A, const ll_ktensor *B, int with_lambda)
{
	static const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
	double best = 0.0;
	for (int p = 0; p < 6; p++) {
		double sum = 0.0;
		for (size_t r = 0; r < 3; r++) {
			size_t q = (size_t)perm[p][r];
			double sc = 1.0;
			for (int n = 0; n < 3; n++) {
				double dot = 0.0;
				for (size_t i = 0; i < A->dim[n]; i++)
					dot += A->U[n][i * A->rank + r] * B->U[n][i * B->rank + q];
				sc *= fabs(dot);
			}
			if (with_lambda) {
				double la = A->lambda[r], lb = B->lambda[q];
				sc *= 1.0 - fabs(la - lb) / fmax(la, lb);
			}
			sum += sc;
		}
		best = fmax(best, sum / 3.0);
	}
	return best;
}

static void test_synth_tca_recovers_truth(void)
{
	/* the requirement: non-negative rank-3 TCA of the default population
	 * (Poisson counts, ~0.5 spikes per bin) finds the planted neuron,
	 * time and trial factors, FMS >= 0.95; best of 3 fits by objective */
	ll_synth_opts o;
	ll_synth s;
	ll_cp_opts co;
	ll_cp_result res[3];
	uint64_t seeds[3] = {1, 2, 3};
	ll_err e;

	ll_synth_opts_default(&o);
	LL_CHECK_INT(ll_synth_make(&o, &s, &e), LL_OK);
	ll_cp_opts_default(&co);
	co.method = LL_CP_NCP_HALS;
	co.rank = 3;
	co.max_iter = 300;
	co.tol = 1e-7;
	double t0 = ll_now();
	int rc = ll_cp_fit_batch(&s.data, &co, 3, seeds, res, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (rc == LL_OK) {
		size_t b = 0;
		for (size_t i = 1; i < 3; i++)
			if (res[i].obj < res[b].obj)
				b = i;
		double f = fms3(&s.truth, &res[b].K, 0), fl = fms3(&s.truth, &res[b].K, 1);
		printf("# ncp-hals rank 3: obj %.4f, %d iterations, FMS %.4f (with lambda %.4f), %.2f s\n",
		       res[b].obj, res[b].iters, f, fl, ll_now() - t0);
		LL_CHECK_MSG(f >= 0.95, "FMS %g", f);
		LL_CHECK_MSG(fl >= 0.90, "FMS with lambda %g", fl);
		for (size_t i = 0; i < 3; i++)
			printf("#   replicate %zu: obj %.5f FMS %.4f\n", i, res[i].obj,
			       fms3(&s.truth, &res[i].K, 0));
	}
	for (size_t i = 0; i < 3; i++)
		ll_cp_result_free(&res[i]);
	ll_synth_free(&s);
}

int main(void)
{
	LL_RUN(test_synth_shape_and_labels);
	LL_RUN(test_synth_conditions);
	LL_RUN(test_synth_deterministic);
	LL_RUN(test_synth_noiseless_is_truth);
	LL_RUN(test_synth_noise_statistics);
	LL_RUN(test_synth_errors);
	LL_RUN(test_synth_write);
	LL_RUN(test_synth_tca_recovers_truth);
	return ll_test_done();
}
