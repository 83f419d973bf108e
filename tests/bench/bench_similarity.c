/*
 * bench_similarity - linear CKA between all pairs of 30 models at each of
 * 41 training snapshots (30 x 29 / 2 x 41 = 17835 pairs), 500 probe
 * conditions x 64 units per model, the [compare] step's workload:
 *
 *   ours    ll_cka_allpairs once per snapshot (every model centred once,
 *           one DSYRK per block; feature or Gram space by cost), and both
 *           spaces forced, for the record
 *   naive   per pair, the textbook Gram form: K = X X^T and L = Y Y^T
 *           (n x n, DGEMM), centred, HSIC = <K~, L~>_F, as Kornblith et
 *           al.'s cka(gram_linear(X), gram_linear(Y)); timed on one
 *           snapshot (435 pairs) and extrapolated to 41
 *
 * The data are synthetic and seeded: at snapshot s every model is a shared
 * latent (500 x 16, drifting with s) through its own 16 x 64 map, plus
 * noise.  The two methods' values are compared (max |difference|).
 * Usage: bench_similarity [-q] (-q: 8 snapshots, for a quick check).
 * Target: ours under 10 s on 2 cores.
 */
#include "base/ll_common.h"
#include "base/ll_rng.h"
#include "similarity/ll_cka.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NMODELS 30
#define NSNAP 41
#define NPROBE 500
#define NUNITS 64
#define NLATENT 16

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fprintf(stderr, "bench_similarity: out of memory\n");
		exit(1);
	}
	return p;
}

int main(int argc, char **argv)
{
	int quick = argc > 1 && !strcmp(argv[1], "-q");
	size_t nsnap = quick ? 8 : NSNAP, N = NMODELS, n = NPROBE, p = NUNITS, r = NLATENT;
	size_t per = n * p;
	double *data = xmalloc(nsnap * N * per * sizeof *data);
	double *Z = xmalloc(n * r * sizeof *Z), *W = xmalloc(N * r * p * sizeof *W);
	ll_rng g;
	ll_rng_init(&g, 20240611);
	for (size_t i = 0; i < n * r; i++)
		Z[i] = ll_rng_normal(&g);
	for (size_t i = 0; i < N * r * p; i++)
		W[i] = ll_rng_normal(&g);
	for (size_t s = 0; s < nsnap; s++) {
		for (size_t i = 0; i < n * r; i++)
			Z[i] += 0.1 * ll_rng_normal(&g); /* the shared latent drifts */
		for (size_t m = 0; m < N; m++) {
			double *X = data + (s * N + m) * per;
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)p, (int)r, 1.0,
				    Z, (int)r, W + m * r * p, (int)p, 0.0, X, (int)p);
			for (size_t i = 0; i < per; i++)
				X[i] += (0.5 + 0.05 * (double)m) * ll_rng_normal(&g);
		}
	}
	const double *sys[NMODELS];
	size_t widths[NMODELS];
	for (size_t m = 0; m < N; m++)
		widths[m] = p;
	double *S = xmalloc(nsnap * N * N * sizeof *S), *T = xmalloc(N * N * sizeof *T);
	ll_err err;
	size_t npairs = nsnap * N * (N - 1) / 2;
	printf("linear CKA, %zu models x %zu snapshots, %zu probes x %zu units: %zu pairs\n", N, nsnap,
	       n, p, npairs);

	/* warm up (page faults, OpenBLAS' thread start) outside the timing */
	for (size_t m = 0; m < N; m++)
		sys[m] = data + m * per;
	if (ll_cka_allpairs(sys, widths, N, n, 0, LL_CKA_AUTO, T, NULL, NULL, &err) != LL_OK) {
		fprintf(stderr, "bench_similarity: %s\n", err.msg);
		return 1;
	}
	static const char *const space_name[] = {"auto", "feature", "gram"};
	double t_auto = 0;
	for (int sp = 0; sp < 3; sp++) {
		double t0 = ll_now();
		for (size_t s = 0; s < nsnap; s++) {
			for (size_t m = 0; m < N; m++)
				sys[m] = data + (s * N + m) * per;
			if (ll_cka_allpairs(sys, widths, N, n, 0, (ll_cka_space)sp, sp == 0 ? S + s * N * N : T,
					    NULL, NULL, &err) != LL_OK) {
				fprintf(stderr, "bench_similarity: %s\n", err.msg);
				return 1;
			}
		}
		double t = ll_now() - t0;
		if (sp == 0)
			t_auto = t;
		printf("  ours (%-7s) %8.3f s  %8.1f us/pair\n", space_name[sp], t, 1e6 * t / (double)npairs);
	}

	/* naive, on snapshot 0 */
	double *K = xmalloc(n * n * sizeof *K), *L = xmalloc(n * n * sizeof *L);
	double maxdiff = 0;
	size_t nn = 0;
	double t0 = ll_now();
	for (size_t a = 0; a < N; a++)
		for (size_t b = a + 1; b < N; b++) {
			const double *X = data + a * per, *Y = data + b * per;
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)p, 1.0, X,
				    (int)p, X, (int)p, 0.0, K, (int)n);
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)p, 1.0, Y,
				    (int)p, Y, (int)p, 0.0, L, (int)n);
			double v;
			if (ll_cka_from_grams(K, L, n, 0, &v, &err) != LL_OK) {
				fprintf(stderr, "bench_similarity: %s\n", err.msg);
				return 1;
			}
			double d = fabs(v - S[a * N + b]);
			if (d > maxdiff)
				maxdiff = d;
			nn++;
		}
	double t_naive = ll_now() - t0;
	double t_naive_all = t_naive * (double)npairs / (double)nn;
	printf("  naive (Gram per pair) %8.3f s for %zu pairs (one snapshot), %8.1f us/pair;\n"
	       "    extrapolated to all %zu pairs: %.1f s\n",
	       t_naive, nn, 1e6 * t_naive / (double)nn, npairs, t_naive_all);
	printf("  speed-up ours/naive: %.1fx; max |CKA difference| %.2e\n", t_naive_all / t_auto, maxdiff);
	printf("  target: ours under 10 s on 2 cores: %s\n", t_auto < 10.0 ? "met" : "MISSED");
	free(data), free(Z), free(W), free(S), free(T), free(K), free(L);
	return maxdiff < 1e-10 ? 0 : 1;
}
