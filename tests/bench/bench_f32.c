/*
 * bench_f32 - single against double precision (issue 15) on a large
 * planted tensor, every figure beside a floor measured in the same run:
 *
 *   floor   the time to stream the tensor once (a sum over every entry,
 *           best of several), double and float; a fast-ALS sweep reads the
 *           tensor twice, so 2 x floor is the bandwidth limit of one
 *           iteration
 *   fits    ll_cp_fit_batch, cp-als, rank R, NREP replicates fused into one
 *           MTTKRP (R x NREP columns), then one replicate alone (R columns),
 *           each capped at a fixed number of iterations (tol 1e-14, so
 *           none stops early); time per iteration from the progress
 *           callback's timestamps (first to last iteration, so the
 *           validation scans and the start are not counted)
 *   accuracy  the same seeds in both precisions: the largest difference in
 *           objective and the factor match (mean |cos|) of the best fits
 *
 * Usage: bench_f32 [-s] [-d I,J,K] [-r R] [-n NREP] [-i ITERS] [-o DIR]
 * (defaults 2000,300,400, 10, 10, 8; -s: the floor and the sweeps only).  With -o it also writes DIR/x32.npy
 * ('<f4') and DIR/x64.npy ('<f8') of the same tensor, for the peak-memory
 * runs of tests/bench/bench_f32.sh.  Not part of `make check` or CI: the
 * default tensor is 1.9 GB in double (minutes, about 3.5 GB of memory).
 */
#include "base/ll_common.h"
#include "base/ll_rng.h"
#include "base/ll_threads.h"
#include "io/ll_npy.h"
#include "tensor/ll_cp.h"
#include "tensor/ll_ens.h"
#include "tensor/ll_ktensor.h"
#include "tensor/ll_mttkrp.h"
#include "tensor/ll_tensor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Sum of all entries with 8 independent partial sums per thread, so the
 * loop is limited by memory, not by one chain of adds. */
static double stream_once(const ll_tensor *X)
{
	double s = 0.0;
	size_t n8 = X->size / 8;
	if (X->data) {
		const double *d = X->data;
#pragma omp parallel for reduction(+ : s) schedule(static)
		for (size_t b = 0; b < n8; b++) {
			const double *p = d + 8 * b;
			s += ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
		}
	} else {
		/* eight float chains per thread, summed in double at the end:
		 * widening every entry would make the loop compute-bound and
		 * flatter the float path's ratio to its floor */
		const float *d = X->fdata;
#pragma omp parallel reduction(+ : s)
		{
			float a[8] = {0};
#pragma omp for schedule(static)
			for (size_t b = 0; b < n8; b++) {
				const float *p = d + 8 * b;
				for (int k = 0; k < 8; k++)
					a[k] += p[k];
			}
			for (int k = 0; k < 8; k++)
				s += a[k];
		}
	}
	for (size_t i = 8 * n8; i < X->size; i++)
		s += ll_tensor_at(X, i);
	return s;
}

/* best of reps, in seconds: the least disturbed by other jobs */
static double floor_s(const ll_tensor *X, int reps)
{
	double best = INFINITY, sink = 0;
	for (int i = 0; i < reps; i++) {
		double t = ll_now();
		sink += stream_once(X);
		t = ll_now() - t;
		if (t < best)
			best = t;
	}
	if (sink == 1.2345) /* keep the sums alive */
		printf("#\n");
	return best;
}

/* One MTTKRP sweep (modes 0..N-1 in order, as a fit asks) at R columns,
 * best of reps, in seconds: the kernel without the fit around it. */
static double sweep_s(const ll_tensor *X, size_t R, int reps, double *mode_s)
{
	double *U[3] = {0}, *out = NULL, best = INFINITY;
	size_t maxd = 0;
	ll_rng g;
	ll_rng_init(&g, 5);
	for (int n = 0; n < 3; n++) {
		U[n] = ll_malloc_array(X->dim[n] * R, sizeof(double));
		if (!U[n])
			goto out;
		for (size_t i = 0; i < X->dim[n] * R; i++)
			U[n][i] = ll_rng_normal(&g);
		if (X->dim[n] > maxd)
			maxd = X->dim[n];
	}
	out = ll_malloc_array(maxd * R, sizeof(double));
	ll_mttkrp_ws *ws = out ? ll_mttkrp_ws_new(X, R, NULL) : NULL;
	for (int k = 0; ws && k < reps; k++) {
		ll_mttkrp_ws_reset(ws);
		double t = ll_now(), tm[3];
		for (int n = 0; n < 3; n++) {
			double t1 = ll_now();
			ll_mttkrp(ws, X, U, R, n, out, NULL);
			tm[n] = ll_now() - t1;
		}
		t = ll_now() - t;
		if (t < best) {
			best = t;
			if (mode_s)
				memcpy(mode_s, tm, sizeof tm);
		}
	}
	ll_mttkrp_ws_free(ws);
out:
	for (int n = 0; n < 3; n++)
		ll_free(U[n]);
	ll_free(out);
	return best;
}

typedef struct stamps {
	double t[4096];
	int n;
} stamps;

static int on_iter(void *ud, const ll_progress *p)
{
	(void)p;
	stamps *s = ud;
	if (s->n < 4096)
		s->t[s->n++] = ll_now();
	return 0;
}

typedef struct fit_out {
	double per_iter; /* seconds */
	double obj[64];
	ll_cp_result *res;
	size_t nrep;
} fit_out;

static int fit(const ll_tensor *X, size_t R, size_t nrep, int iters, fit_out *f)
{
	ll_cp_opts o;
	ll_cp_opts_default(&o);
	o.method = LL_CP_ALS;
	o.rank = R;
	o.tol = 1e-14;
	o.max_iter = iters;
	o.min_iter = iters;
	stamps st = {.n = 0};
	o.progress = on_iter;
	o.progress_ud = &st;
	uint64_t seeds[64];
	for (size_t k = 0; k < nrep; k++)
		seeds[k] = ll_seed_derive(42, R, k);
	f->res = ll_calloc_array(nrep, sizeof *f->res);
	f->nrep = nrep;
	ll_err err;
	ll_err_clear(&err);
	if (!f->res || ll_cp_fit_batch(X, &o, nrep, seeds, f->res, &err) != LL_OK) {
		fprintf(stderr, "bench_f32: fit failed: %s\n", err.msg);
		return 0;
	}
	f->per_iter = st.n > 1 ? (st.t[st.n - 1] - st.t[0]) / (st.n - 1) : NAN;
	for (size_t k = 0; k < nrep; k++)
		f->obj[k] = f->res[k].obj;
	return 1;
}

static void fit_free(fit_out *f)
{
	for (size_t k = 0; f->res && k < f->nrep; k++)
		ll_cp_result_free(&f->res[k]);
	ll_free(f->res);
	f->res = NULL;
}

/* double vs single at one layout, printed as one block */
static int compare(const ll_tensor *X, const ll_tensor *F, size_t R, size_t nrep, int iters,
		   double fl64, double fl32)
{
	fit_out d = {0}, s = {0};
	if (!fit(X, R, nrep, iters, &d) || !fit(F, R, nrep, iters, &s))
		return 0;
	double dobj = 0.0, sim = NAN;
	size_t bd = 0, bs = 0;
	for (size_t k = 0; k < nrep; k++) {
		dobj = fmax(dobj, fabs(d.obj[k] - s.obj[k]));
		if (d.obj[k] < d.obj[bd])
			bd = k;
		if (s.obj[k] < s.obj[bs])
			bs = k;
	}
	ll_kt_similarity(&d.res[bd].K, &s.res[bs].K, LL_SIM_MEANCOS, &sim, NULL, NULL);
	double P = (double)X->size, cols = (double)(R * nrep);
	printf("rank %zu x %zu replicate%s (%g columns), %d iterations:\n", R, nrep, nrep == 1 ? "" : "s",
	       cols, iters);
	printf("  double  %8.3f s/iteration = %5.2fx its 2-pass floor (%.3f s); %5.1f GFLOP/s\n", d.per_iter,
	       d.per_iter / (2 * fl64), 2 * fl64, 4 * P * cols / d.per_iter / 1e9);
	printf("  single  %8.3f s/iteration = %5.2fx its 2-pass floor (%.3f s); %5.1f GFLOP/s\n", s.per_iter,
	       s.per_iter / (2 * fl32), 2 * fl32, 4 * P * cols / s.per_iter / 1e9);
	printf("  single / double time %.3f (floor ratio %.3f)\n", s.per_iter / d.per_iter, fl32 / fl64);
	printf("  accuracy: max |objective difference| %.2e over %zu replicates (best: %.9f vs %.9f); "
	       "factor match of the best fits %.9f\n",
	       dobj, nrep, d.obj[bd], s.obj[bs], sim);
	fflush(stdout);
	fit_free(&d);
	fit_free(&s);
	return 1;
}

int main(int argc, char **argv)
{
	size_t dim[3] = {2000, 300, 400}, R = 10, nrep = 10;
	int iters = 8;
	const char *outdir = NULL;
	int sweeps_only = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s")) {
			sweeps_only = 1;
		} else if (!strcmp(argv[i], "-d") && i + 1 < argc) {
			if (sscanf(argv[++i], "%zu,%zu,%zu", &dim[0], &dim[1], &dim[2]) != 3)
				return 2;
		} else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
			R = (size_t)atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			nrep = (size_t)atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-i") && i + 1 < argc) {
			iters = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			outdir = argv[++i];
		} else {
			fprintf(stderr, "usage: bench_f32 [-s] [-d I,J,K] [-r R] [-n NREP] [-i ITERS] [-o DIR]\n");
			return 2;
		}
	}
	if (R < 1 || nrep < 1 || nrep > 64 || iters < 2)
		return 2;
	ll_threads_push(ll_threads_default(), NULL);

	/* planted rank R plus 10 % noise: a fit with something to find */
	ll_ktensor K;
	ll_tensor X, F;
	ll_rng g;
	ll_rng_init(&g, 2026);
	if (ll_ktensor_init(&K, 3, dim, R, NULL) != LL_OK)
		return 1;
	for (size_t r = 0; r < R; r++)
		K.lambda[r] = 1.0;
	for (int n = 0; n < 3; n++)
		for (size_t i = 0; i < dim[n] * R; i++)
			K.U[n][i] = fabs(ll_rng_normal(&g));
	double t0 = ll_now();
	if (ll_ktensor_full(&K, &X, NULL) != LL_OK)
		return 1;
	double s = 0.1 * ll_tensor_norm(&X) / sqrt((double)X.size);
	for (size_t i = 0; i < X.size; i++)
		X.data[i] += s * ll_rng_normal(&g);
	if (ll_tensor_copy_f32(&F, &X, NULL) != LL_OK)
		return 1;
	char shape[64];
	int nthr = 1;
#ifdef _OPENMP
	nthr = omp_get_max_threads();
#endif
	printf("tensor %s: %.1f MB double, %.1f MB float (made in %.1f s); %d threads\n",
	       ll_tensor_shape_str(&X, shape, sizeof shape), ll_tensor_bytes(&X) / 1e6,
	       ll_tensor_bytes(&F) / 1e6, ll_now() - t0, nthr);
	if (outdir) {
		char p[4096];
		ll_err err;
		ll_err_clear(&err);
		snprintf(p, sizeof p, "%s/x32.npy", outdir);
		int rc = ll_npy_write(p, &X, 1, &err);
		snprintf(p, sizeof p, "%s/x64.npy", outdir);
		if (rc == LL_OK)
			rc = ll_npy_write(p, &X, 0, &err);
		if (rc != LL_OK) {
			fprintf(stderr, "bench_f32: %s\n", err.msg);
			return 1;
		}
	}
	fflush(stdout);

	/* the floor before and after the fits: the smaller is the machine's */
	double fl64 = floor_s(&X, 5), fl32 = floor_s(&F, 5);
	printf("floor: stream once: double %.3f s (%.1f GB/s), float %.3f s (%.1f GB/s)\n", fl64,
	       ll_tensor_bytes(&X) / fl64 / 1e9, fl32, ll_tensor_bytes(&F) / fl32 / 1e9);
	fflush(stdout);
	static const size_t cols[2] = {10, 100};
	for (int k = 0; k < 2; k++) {
		double ma[3], mb[3];
		double a = sweep_s(&X, cols[k], 5, ma), b = sweep_s(&F, cols[k], 5, mb);
		printf("MTTKRP sweep alone, %zu columns: double %.3f s = %.2fx the 2-pass floor, single %.3f s = "
		       "%.2fx its floor; single / double %.3f\n",
		       cols[k], a, a / (2 * fl64), b, b / (2 * fl32), b / a);
		printf("  per mode (double / single, s): %.3f/%.3f %.3f/%.3f %.3f/%.3f\n", ma[0], mb[0], ma[1],
		       mb[1], ma[2], mb[2]);
	}
	fflush(stdout);
	if (sweeps_only) {
		ll_tensor_free(&X);
		ll_tensor_free(&F);
		ll_ktensor_free(&K);
		return 0;
	}
	int ok = compare(&X, &F, R, nrep, iters, fl64, fl32);
	if (ok && nrep > 1)
		ok = compare(&X, &F, R, 1, 2 * iters, fl64, fl32);
	double a64 = floor_s(&X, 5), a32 = floor_s(&F, 5);
	printf("floor after the fits: double %.3f s, float %.3f s (the ratios above use the first)\n", a64,
	       a32);
	ll_tensor_free(&X);
	ll_tensor_free(&F);
	ll_ktensor_free(&K);
	return ok ? 0 : 1;
}
