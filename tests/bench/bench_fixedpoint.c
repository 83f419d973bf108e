/*
 * bench_fixedpoint - the fixed-point finder on a 64-unit random tanh map.
 *
 *   map       s' = tanh(W s), W = 1.2 / sqrt(64) x N(0, 1) (spectral
 *             radius ~1.2: the origin is unstable and there are other
 *             fixed points), seed 1
 *   starts    1024, sampled from 32 trajectories of 200 steps (from
 *             N(0, 1) states; the first 50 steps dropped) plus N(0, 0.1^2)
 *             noise, as fixed-point-finder does
 *   search    ll_fp_find without manifolds, 1 thread and all threads
 *   baseline  the callbacks alone: as many plain map (and Jacobian)
 *             evaluations as the search made, in one thread, so the ratio
 *             is what the search costs over the map it searches
 *   full      with the manifold traces, all threads
 *
 * Each figure is the best of 3 runs (the machine is shared).
 * Usage: bench_fixedpoint [-q]  (-q: 256 starts, one run).
 */
#include "base/ll_common.h"
#include "base/ll_rng.h"
#include "dynamics/ll_fixedpoint.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S 64

typedef struct tanh_map {
	double W[S * S];
} tanh_map;

static void map_F(void *ud, const double *s, double *out)
{
	const tanh_map *m = ud;
	cblas_dgemv(CblasRowMajor, CblasNoTrans, S, S, 1.0, m->W, S, s, 1, 0.0, out, 1);
	for (int i = 0; i < S; i++)
		out[i] = tanh(out[i]);
}

/* dF_i/ds_j = (1 - tanh(W s)_i^2) W_ij */
static void map_J(void *ud, const double *s, double *out)
{
	const tanh_map *m = ud;
	double h[S];
	cblas_dgemv(CblasRowMajor, CblasNoTrans, S, S, 1.0, m->W, S, s, 1, 0.0, h, 1);
	for (int i = 0; i < S; i++) {
		double t = tanh(h[i]), d = 1.0 - t * t;
		for (int j = 0; j < S; j++)
			out[i * S + j] = d * m->W[i * S + j];
	}
}

static int die(const ll_err *e)
{
	fprintf(stderr, "bench_fixedpoint: %s\n", e->msg);
	return 1;
}

/* best-of-reps seconds of ll_fp_find; the last result is kept in r */
static double find_secs(const ll_fp_map *map, const double *x0, size_t n, int threads,
			int manifolds, int reps, ll_fp_result *r)
{
	ll_fp_opts o;
	ll_fp_opts_default(&o);
	o.threads = threads;
	o.manifolds = manifolds;
	double best = INFINITY;
	for (int k = 0; k < reps; k++) {
		ll_err e;
		ll_fp_result_free(r);
		double t = ll_now();
		if (ll_fp_find(map, x0, n, &o, r, &e) != LL_OK)
			exit(die(&e));
		t = ll_now() - t;
		if (t < best)
			best = t;
	}
	return best;
}

/* best-of-reps seconds of nF map and nJ Jacobian calls, cycling over the starts */
static double callback_secs(const ll_fp_map *map, const double *x0, size_t n, size_t nF,
			    size_t nJ, int reps)
{
	double *out = malloc(S * S * sizeof *out), sink = 0.0, best = INFINITY;
	for (int k = 0; k < reps; k++) {
		double t = ll_now();
		for (size_t i = 0; i < nF; i++) {
			map->F(map->ud, x0 + (i % n) * S, out);
			sink += out[0];
		}
		for (size_t i = 0; i < nJ; i++) {
			map->J(map->ud, x0 + (i % n) * S, out);
			sink += out[0];
		}
		t = ll_now() - t;
		if (t < best)
			best = t;
	}
	free(out);
	if (sink == 12345.678)
		printf("#\n"); /* keep the calls */
	return best;
}

int main(int argc, char **argv)
{
	int quick = argc > 1 && strcmp(argv[1], "-q") == 0;
	size_t n = quick ? 256 : 1024;
	int reps = quick ? 1 : 3;
	tanh_map *m = malloc(sizeof *m);
	ll_rng rng;
	ll_rng_init(&rng, 1);
	for (int i = 0; i < S * S; i++)
		m->W[i] = 1.2 / sqrt((double)S) * ll_rng_normal(&rng);
	ll_fp_map map = {S, map_F, map_J, m};

	/* starts from trajectories */
	size_t B = 32, T = 200, burn = 50, ns = B * (T - burn);
	double *states = malloc(ns * S * sizeof *states), s[S], sn[S];
	for (size_t b = 0; b < B; b++) {
		for (int i = 0; i < S; i++)
			s[i] = ll_rng_normal(&rng);
		for (size_t t = 0; t < T; t++) {
			map_F(m, s, sn);
			memcpy(s, sn, sizeof s);
			if (t >= burn)
				memcpy(states + (b * (T - burn) + t - burn) * S, s, sizeof s);
		}
	}
	double *x0 = malloc(n * S * sizeof *x0);
	ll_err e;
	if (ll_fp_sample_starts(states, ns, S, n, 0.1, 2, x0, &e) != LL_OK)
		return die(&e);

	ll_fp_result r;
	memset(&r, 0, sizeof r);
	double t1 = find_secs(&map, x0, n, 1, 0, reps, &r);
	size_t iters = 0, imax = 0;
	for (size_t i = 0; i < n; i++) {
		iters += r.start_iters[i];
		if (r.start_iters[i] > imax)
			imax = r.start_iters[i];
	}
	printf("map: s' = tanh(W s), S = %d, spectral radius ~1.2; %zu starts\n", S, n);
	printf("found: %zu fixed, %zu slow; %zu duplicates, %zu discarded (q >= tol_q_slow), %zu outliers, %zu non-finite\n",
	       r.n_fixed, r.n_slow, r.n_duplicates, r.n_discarded, r.n_outliers, r.n_nonfinite);
	size_t counts[S + 1];
	ll_fp_counts(&r, counts);
	printf("fixed points by unstable directions:");
	for (int k = 0; k <= S; k++)
		if (counts[k])
			printf(" %d: %zu", k, counts[k]);
	printf("\n");
	printf("LM iterations per start: mean %.1f, max %zu; %zu map and %zu Jacobian calls\n",
	       (double)iters / (double)n, imax, r.n_map_evals, r.n_jac_evals);
	double tb = callback_secs(&map, x0, n, r.n_map_evals, r.n_jac_evals, reps);
	double tf = callback_secs(&map, x0, n, r.n_map_evals, 0, reps);
	double tall = find_secs(&map, x0, n, 0, 0, reps, &r);
	printf("search, 1 thread:     %8.3f s  (%.1f us per start-iteration)\n", t1,
	       1e6 * t1 / (double)(iters ? iters : 1));
	printf("search, all threads:  %8.3f s\n", tall);
	printf("baseline: the same %zu map + %zu Jacobian calls alone, 1 thread: %8.3f s -> search / baseline = %.1fx\n",
	       r.n_map_evals, r.n_jac_evals, tb, t1 / tb);
	printf("baseline: %zu plain map calls (the starts x the iterations used), 1 thread: %8.3f s -> search / baseline = %.1fx\n",
	       r.n_map_evals, tf, t1 / tf);
	double tm = find_secs(&map, x0, n, 0, 1, reps, &r);
	size_t arrived = 0;
	for (size_t k = 0; k < r.n_edges; k++)
		arrived += r.edges[k].to != LL_FP_NONE && r.n_unstable[r.edges[k].to] == 0;
	printf("full (search + manifolds), all threads: %8.3f s; %zu edges, %zu reach an attractor, %zu map calls in the traces\n",
	       tm, r.n_edges, arrived, r.n_manifold_evals);
	ll_fp_result_free(&r);
	free(x0);
	free(states);
	free(m);
	return 0;
}
