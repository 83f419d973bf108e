/* Out of memory at every allocation of the similarity code (tests/
 * ll_failalloc.h): a pair by every metric with permutations and resamples,
 * all pairs (CKA in both spaces, RSA, match) and MDS with SMACOF.  Each
 * failing run must return LL_ENOMEM and free everything. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/ll_rng.h"
#include "ll_failalloc.h"
#include "ll_test.h"
#include "similarity/ll_cka.h"
#include "similarity/ll_compare.h"
#include "similarity/ll_mds.h"

#define N_COND 12
#define NSYS 4

typedef struct ctx {
	double X[N_COND * 4], Y[N_COND * 5], Z[N_COND * 3];
	ll_err err;
} ctx;

static const char *message(void *ud)
{
	return ((ctx *)ud)->err.msg;
}

static int pair_run(void *ud)
{
	ctx *c = ud;
	ll_compare_opts o;
	ll_compare_opts_default(&o);
	o.permutations = 3;
	o.bootstrap = 3;
	o.drop_constant = 1;
	ll_compare_result r;
	int rc = ll_compare_pair(c->X, N_COND, 4, c->Y, N_COND, 5, LL_METRICS_ALL, &o, &r, NULL, NULL, &c->err);
	if (rc == LL_OK && !isfinite(r.v[LL_M_CKA].value))
		return LL_ENUMERIC;
	return rc;
}

static int all_run(void *ud)
{
	ctx *c = ud;
	ll_system s[3] = {{"x", c->X, N_COND, 4}, {"y", c->Y, N_COND, 5}, {"z", c->Z, N_COND, 3}};
	double M[9], D[9];
	static const ll_metric ms[] = {LL_M_CKA, LL_M_CKA_DEBIASED, LL_M_RSA, LL_M_MATCH};
	ll_compare_opts o;
	ll_compare_opts_default(&o);
	o.drop_constant = 1;
	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		int rc = ll_compare_all(s, 3, ms[i], &o, M, NULL, NULL, &c->err);
		if (rc != LL_OK)
			return rc;
	}
	const double *d[3] = {c->X, c->Y, c->Z};
	size_t p[3] = {4, 5, 3};
	int rc = ll_cka_allpairs(d, p, 3, N_COND, 0, LL_CKA_GRAM, M, NULL, NULL, &c->err);
	if (rc != LL_OK)
		return rc;
	ll_compare_dissimilarity(LL_M_RSA, M, 3, D);
	ll_mds_opts mo;
	ll_mds_opts_default(&mo);
	mo.method = LL_MDS_SMACOF;
	ll_mds_result mr;
	rc = ll_mds(D, 3, &mo, &mr, &c->err);
	ll_mds_free(&mr);
	return rc;
}

static void sweep(const char *name, int (*run)(void *))
{
	ctx c;
	ll_rng g;
	ll_rng_init(&g, 99);
	for (size_t i = 0; i < N_COND * 4; i++)
		c.X[i] = ll_rng_normal(&g);
	for (size_t i = 0; i < N_COND * 5; i++)
		c.Y[i] = ll_rng_normal(&g) + (i % 5 < 4 ? c.X[(i / 5) * 4 + i % 5] : 0.0);
	for (size_t i = 0; i < N_COND * 3; i++)
		c.Z[i] = ll_rng_normal(&g);
	c.X[2] = c.X[6] = 0; /* a column left constant: the drop path */
	for (size_t i = 0; i < N_COND; i++)
		c.X[i * 4 + 2] = 0.5;
	ll_failalloc_sweep s = {.name = name, .run = run, .message = message, .ud = &c};
	int ok = ll_failalloc_sweep_run(&s);
	printf("# %s: %zu allocations, %zu failing runs, %.2f s\n", name, s.n, s.runs, s.seconds);
	LL_CHECK_INT(s.clean_rc, 0);
	LL_CHECK(s.n > 20);
	LL_CHECK_INT(ok, 0);
}

static void test_oom_pair(void)
{
	sweep("compare pair, all metrics, permutations and bootstrap", pair_run);
}

static void test_oom_all(void)
{
	sweep("compare all pairs, cka both spaces, rsa, match, mds", all_run);
}

int main(void)
{
#ifdef _OPENMP
	omp_set_num_threads(1); /* the k-th allocation must be the same call every run */
#endif
	LL_RUN(test_oom_pair);
	LL_RUN(test_oom_all);
	return ll_test_done();
}
