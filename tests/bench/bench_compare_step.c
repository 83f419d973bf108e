/*
 * bench_compare_step - the [compare] step on the demo's own models: the
 * demo session (examples/mnist.lab: 30 MLPs, 64 hidden units, 41
 * snapshots) with [train] probe_activity = 50 (500 probe images) and a
 * [compare] step tracking linear CKA, so every pair at every snapshot
 * (30 x 29 / 2 x 41 = 17835 pairs), each model against its start, and the
 * MDS map.
 *
 *   step    ll_session_run_step(compare), timed (training is not)
 *   naive   per pair, the textbook Gram form on the same activity (K = X
 *           X^T, L = Y Y^T, centred, HSIC), timed on the last snapshot's
 *           435 pairs and extrapolated to all snapshots; values compared
 *
 * Usage: bench_compare_step [-q] (-q: 6 models, for a quick check).
 * Target: the step under 10 s on 2 cores.
 */
#include "base/ll_common.h"
#include "pipeline/ll_session.h"
#include "pipeline/steps/step_compare.h"
#include "pipeline/steps/step_train.h"
#include "similarity/ll_cka.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *demo_with_compare(int quick)
{
	const char *d = ll_session_demo_text();
	const char *rep = strstr(d, "\n[report]");
	const char *tr = strstr(d, "[train]\n");
	if (!rep || !tr)
		return NULL;
	size_t len = strlen(d) + 512;
	char *t = malloc(len);
	if (!t)
		return NULL;
	size_t a = (size_t)(tr - d) + strlen("[train]\n"), b = (size_t)(rep - d) + 1;
	snprintf(t, len, "%.*s%sprobe_activity = 50\n%.*s[compare]\nconditions = probe\nmetrics = cka\ntrack = cka\n\n%s",
		 (int)a, d, quick ? "models = 6\n" : "", (int)(b - a), d + a, d + b);
	/* quick: drop the demo's own models line after ours (first wins is an error), so rename it */
	if (quick) {
		char *m = strstr(t + a + strlen("models = 6\n"), "\nmodels = ");
		if (m)
			memcpy(m + 1, "#odels", 6);
	}
	return t;
}

int main(int argc, char **argv)
{
	int quick = argc > 1 && !strcmp(argv[1], "-q");
	char *text = demo_with_compare(quick);
	ll_session s;
	ll_err err = {0, ""};
	if (!text || ll_session_load_text(&s, text, "bench.lab", &err) != LL_OK) {
		fprintf(stderr, "bench_compare_step: %s\n", text ? err.msg : "out of memory");
		return 1;
	}
	free(text);
	double t0 = ll_now();
	static const ll_step_kind before[] = {LL_STEP_DATA, LL_STEP_TRAIN};
	for (size_t k = 0; k < sizeof before / sizeof before[0]; k++)
		if (ll_session_run_step(&s, before[k], NULL, NULL, NULL, &err) != LL_OK) {
			fprintf(stderr, "bench_compare_step: %s\n", err.msg);
			return 1;
		}
	double t_train = ll_now() - t0;
	t0 = ll_now();
	if (ll_session_run_step(&s, LL_STEP_COMPARE, NULL, NULL, NULL, &err) != LL_OK) {
		fprintf(stderr, "bench_compare_step: %s\n", err.msg);
		return 1;
	}
	double t_step = ll_now() - t0;
	const struct ll_res_compare *r = s.res.compare;
	const struct ll_res_train *t = s.res.train;
	size_t M = r->models, S = r->snapshots, n = r->n, U = r->units;
	size_t npairs = S * M * (M - 1) / 2;
	printf("[compare] step, linear CKA: %zu models x %zu snapshots, %zu probe images x %zu units: %zu pairs"
	       " (training first: %.1f s, not counted)\n", M, S, n, U, npairs, t_train);
	printf("  step (all pairs, self, MDS) %8.3f s  %8.1f us/pair\n", t_step, 1e6 * t_step / (double)npairs);

	/* naive on the last snapshot, the same activity (dead units kept: the
	 * Gram form does not mind them, and CKA ignores them) */
	double *X = malloc(n * U * sizeof *X), *Y = malloc(n * U * sizeof *Y);
	double *K = malloc(n * n * sizeof *K), *L = malloc(n * n * sizeof *L);
	if (!X || !Y || !K || !L)
		return 1;
	double maxdiff = 0;
	size_t nn = 0;
	t0 = ll_now();
	for (size_t a = 0; a < M; a++)
		for (size_t b = a + 1; b < M; b++) {
			const float *pa = ll_res_train_probe(t, a, S - 1), *pb = ll_res_train_probe(t, b, S - 1);
			for (size_t i = 0; i < n * U; i++) {
				X[i] = pa[i];
				Y[i] = pb[i];
			}
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)U, 1.0, X, (int)U, X,
				    (int)U, 0.0, K, (int)n);
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)U, 1.0, Y, (int)U, Y,
				    (int)U, 0.0, L, (int)n);
			double v;
			if (ll_cka_from_grams(K, L, n, 0, &v, &err) != LL_OK) {
				fprintf(stderr, "bench_compare_step: %s\n", err.msg);
				return 1;
			}
			double d = fabs(v - ll_res_compare_over(r, a, b, S - 1));
			maxdiff = d > maxdiff ? d : maxdiff;
			nn++;
		}
	double t_naive = ll_now() - t0, t_naive_all = t_naive * (double)npairs / (double)nn;
	printf("  naive (Gram per pair)        %8.3f s for %zu pairs (last snapshot), %8.1f us/pair;\n"
	       "    extrapolated to all %zu pairs: %.1f s\n",
	       t_naive, nn, 1e6 * t_naive / (double)nn, npairs, t_naive_all);
	printf("  speed-up step/naive: %.1fx; max |CKA difference| %.2e\n", t_naive_all / t_step, maxdiff);
	printf("  target: the step under 10 s on 2 cores: %s\n", t_step < 10.0 ? "met" : "MISSED");
	free(X), free(Y), free(K), free(L);
	ll_session_free(&s);
	return maxdiff < 1e-9 ? 0 : 1;
}
