/* The [compare] step on small MNIST sessions, against known answers:
 * models that share their initial weights are identical at snapshot 0
 * (every pair's CKA is 1, every angular distance 0); each matrix agrees
 * with ll_compare_pair on the systems rebuilt from the train step's
 * tensors; a "population" that is one model's own activity, rotated by a
 * unit permutation, scaled and shifted, scores CKA 1 against that model,
 * matched row for row, by label with shuffled rows, and through class
 * means; and bad sessions or populations fail with one-line errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/ll_npy.h"
#include "ll_test.h"
#include "pipeline/ll_session.h"
#include "pipeline/steps/step_compare.h"
#include "pipeline/steps/step_train.h"
#include "similarity/ll_compare.h"

#ifndef LL_MNIST_DIR
#define LL_MNIST_DIR "examples/data"
#endif

static char g_dir[64];

/* models share their start; lr alternates so there are two groups */
#define TRAIN_SECTION                                                                              \
	"[train]\nmodels = 4\nhidden = 12\nepochs = 1\ntrain_images = 600\nlog_every = 6\n"         \
	"probe_per_class = 6\nprobe_activity = 6\ninit = shared\nmatch_units = no\nlr = 0.02,0.1\n"

static int run_session(ll_session *s, const char *compare, ll_err *e)
{
	char text[2048];
	snprintf(text, sizeof text,
		 "[session]\nseed = 4\nthreads = 2\n[data]\nkind = mnist\npath = " LL_MNIST_DIR "\n" TRAIN_SECTION
		 "[compare]\n%s",
		 compare);
	int rc = ll_session_load_text(s, text, "cmp.lab", e);
	if (rc != LL_OK)
		return rc;
	rc = ll_session_run_all(s, NULL, NULL, NULL, e);
	return rc;
}

/* Model m at snapshot j as conditions x units, rebuilt from the tensors. */
static void rebuild(const struct ll_res_train *t, int probe, size_t m, size_t j, double *out, size_t *n)
{
	size_t U = t->log.units, S = t->log.snapshots;
	if (probe) {
		const float *p = ll_res_train_probe(t, m, j);
		for (size_t i = 0; i < t->probe_n * U; i++)
			out[i] = p[i];
		*n = t->probe_n;
		return;
	}
	for (size_t d = 0; d < 10; d++)
		for (size_t u = 0; u < U; u++)
			out[d * U + u] = t->activity.data[((m * 10 + d) * U + u) * S + j];
	*n = 10;
}

static void test_matrices(void)
{
	ll_session s;
	ll_err e = {0, ""};
	int rc = run_session(&s, "metrics = cka,rsa,angular,match,procrustes\ntrack = cka\n", &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	const struct ll_res_compare *r = s.res.compare;
	if (rc != LL_OK || !r) {
		ll_session_free(&s);
		return;
	}
	const struct ll_res_train *t = s.res.train;
	size_t M = r->models, S = r->snapshots, U = r->units;
	LL_CHECK_INT(M, 4);
	LL_CHECK_INT(r->n, 10);
	LL_CHECK(S >= 3);
	LL_CHECK_INT(r->track, LL_M_CKA);
	/* a shared start: identical systems at snapshot 0 */
	for (size_t a = 0; a < M; a++)
		for (size_t b = 0; b < M; b++) {
			LL_CHECK_NEAR(ll_res_compare_over(r, a, b, 0), 1.0, 1e-12);
			for (size_t j = 0; j < S; j++)
				LL_CHECK(ll_res_compare_over(r, a, b, j) == ll_res_compare_over(r, b, a, j));
		}
	for (size_t m = 0; m < M; m++)
		LL_CHECK(r->self[m * S] == 1.0);
	/* training moves them apart: the last snapshot is below 1 */
	LL_CHECK(r->pair_mean[S - 1] < 0.999);
	LL_CHECK(r->pair_lo[S - 1] <= r->pair_mean[S - 1] + 1e-12 &&
		 r->pair_mean[S - 1] <= r->pair_hi[S - 1] + 1e-12);
	/* every matrix against ll_compare_pair on the rebuilt systems */
	double *X = malloc(10 * U * sizeof *X), *Y = malloc(10 * U * sizeof *Y);
	ll_compare_opts o;
	ll_compare_opts_default(&o);
	o.drop_constant = 1;
	double worst = 0;
	for (int m = 0; m < LL_NMETRICS; m++) {
		LL_CHECK((r->final[m] != NULL) == ((r->metrics & LL_METRIC_BIT(m)) != 0));
		if (!r->final[m])
			continue;
		for (size_t a = 0; a < M; a++)
			for (size_t b = 0; b < M; b++) {
				size_t n;
				ll_compare_result cr;
				rebuild(t, 0, a, S - 1, X, &n);
				rebuild(t, 0, b, S - 1, Y, &n);
				if (a == b) {
					LL_CHECK(r->final[m][a * M + b] ==
						 (ll_metric_kind_of((ll_metric)m) == LL_SIMILARITY ? 1.0 : 0.0));
					continue;
				}
				LL_CHECK_INT(ll_compare_pair(X, n, U, Y, n, U, LL_METRIC_BIT(m), &o, &cr, NULL, NULL, &e), LL_OK);
				double d = fabs(cr.v[m].value - r->final[m][a * M + b]);
				worst = d > worst ? d : worst;
			}
	}
	LL_CHECK_MSG(worst < 1e-9, "final matrices differ from pair by pair by %g", worst);
	/* self: model 1 at snapshot 2 against its snapshot 0 */
	{
		size_t n;
		ll_compare_result cr;
		rebuild(t, 0, 1, 2, X, &n);
		rebuild(t, 0, 1, 0, Y, &n);
		LL_CHECK_INT(ll_compare_pair(X, n, U, Y, n, U, LL_METRIC_BIT(LL_M_CKA), &o, &cr, NULL, NULL, &e), LL_OK);
		LL_CHECK_NEAR(r->self[1 * S + 2], cr.v[LL_M_CKA].value, 1e-12);
	}
	/* the pair mean is the mean of the pairs */
	double sum = 0;
	for (size_t a = 0; a < M; a++)
		for (size_t b = a + 1; b < M; b++)
			sum += ll_res_compare_over(r, a, b, 1);
	LL_CHECK_NEAR(r->pair_mean[1], sum / 6.0, 1e-12);
	/* settled: the documented rule, by brute force over candidate snapshots */
	{
		double lo = r->pair_mean[0], hi = lo, fin = r->pair_mean[S - 1];
		for (size_t j = 0; j < S; j++) {
			lo = fmin(lo, r->pair_mean[j]);
			hi = fmax(hi, r->pair_mean[j]);
		}
		int want = -1;
		for (size_t j = 0; j < S && want < 0 && hi > lo; j++) {
			int stays = 1;
			for (size_t k = j; k < S; k++)
				stays &= fabs(r->pair_mean[k] - fin) <= 0.10 * (hi - lo);
			if (stays)
				want = (int)j;
		}
		LL_CHECK_INT(r->converged, want);
		LL_CHECK(want > 0); /* they start identical and move apart */
	}
	/* lr = 0.02,0.1 in turn: two groups */
	LL_CHECK_INT(r->ngroups, 2);
	LL_CHECK(r->group[0] == 0 && r->group[1] == 1 && r->group[2] == 0 && r->group[3] == 1);
	LL_CHECK(r->group_lr[0] == 0.02 && r->group_lr[1] == 0.1);
	LL_CHECK(r->mds.coords && r->mds.n == 4 && r->mds.k == 2 && isfinite(r->mds.stress));
	LL_CHECK(!r->has_population);
	free(X);
	free(Y);
	ll_session_free(&s);
}

/* Write model m's last-snapshot system, its units permuted, scaled by 3
 * and shifted, rows in `order` (NULL: as is), to path; labels (NULL:
 * none) to lpath. */
static void write_population(const struct ll_res_train *t, int probe, size_t m, const size_t *order,
			     const char *path, const char *lpath, int *lab_out)
{
	size_t U = t->log.units, S = t->log.snapshots, n;
	double *X = malloc(t->probe_n * U * sizeof *X + 10 * U * sizeof *X);
	double *P = malloc(t->probe_n * U * sizeof *P + 10 * U * sizeof *P);
	rebuild(t, probe, m, S - 1, X, &n);
	for (size_t i = 0; i < n; i++) {
		size_t src = order ? order[i] : i;
		for (size_t u = 0; u < U; u++)
			P[i * U + u] = 3.0 * X[src * U + (u * 5 + 1) % U] + 0.25 * (double)u;
	}
	size_t sh[2] = {n, U};
	ll_err e;
	LL_CHECK_INT(ll_npy_write_array(path, P, 2, sh, 0, &e), LL_OK);
	if (lpath) {
		double *L = malloc(n * sizeof *L);
		for (size_t i = 0; i < n; i++) {
			size_t src = order ? order[i] : i;
			L[i] = probe ? t->probe_labels[src] : (double)src;
			if (lab_out)
				lab_out[i] = (int)L[i];
		}
		LL_CHECK_INT(ll_npy_write_array(lpath, L, 1, &n, 0, &e), LL_OK);
		free(L);
	}
	free(X);
	free(P);
}

static void test_population(void)
{
	ll_session s;
	ll_err e = {0, ""};
	char pop[128], lab[128], text[512];
	/* train once, without [compare], to make the populations from */
	int rc = run_session(&s, "metrics = cka\n", &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (rc != LL_OK) {
		ll_session_free(&s);
		return;
	}
	const struct ll_res_train *t = s.res.train;
	size_t U = t->log.units;

	/* 1. classes, rows in order, no labels: model 2 itself (U is 12: 5 is coprime, a permutation) */
	snprintf(pop, sizeof pop, "%s/rows.npy", g_dir);
	write_population(t, 0, 2, NULL, pop, NULL, NULL);
	ll_session s1;
	snprintf(text, sizeof text, "metrics = cka,angular,match\nwith = %s\npermutations = 30\nbootstrap = 20\n", pop);
	rc = run_session(&s1, text, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	const struct ll_res_compare *r = rc == LL_OK ? s1.res.compare : NULL;
	if (r) {
		LL_CHECK(r->has_population && r->pop.n == 10 && r->pop.units == U && !r->pop.labels_path);
		const ll_compare_result *c2 = &r->pop.score[2];
		LL_CHECK_NEAR(c2->v[LL_M_CKA].value, 1.0, 1e-10);
		/* (RSA's correlation RDM moves with a per-unit shift: not checked here) */
		LL_CHECK_NEAR(c2->v[LL_M_ANGULAR].value, 0.0, 1e-6);
		LL_CHECK_NEAR(c2->v[LL_M_MATCH].value, 1.0, 1e-10);
		/* nothing beats a perfect match: the smallest p-value there is */
		LL_CHECK_NEAR(c2->v[LL_M_CKA].pvalue, 1.0 / 31.0, 1e-12);
		LL_CHECK(isfinite(c2->v[LL_M_CKA].ci_lo) && c2->v[LL_M_CKA].ci_hi <= 1.0 + 1e-12);
		/* another model is less alike; the tracked metric over training ends at the score */
		LL_CHECK(r->pop.score[0].v[LL_M_CKA].value < 0.9999);
		LL_CHECK(r->pop.over[2 * r->snapshots + r->snapshots - 1] == c2->v[LL_M_CKA].value);
	}
	ll_session_free(&s1);

	/* 2. probe, labels beside it (labels.npy), rows grouped by digit from 9 down,
	 * each digit's images still in order: matched by label, model 1 itself */
	size_t n = t->probe_n, *order = malloc(n * sizeof *order), k = 0;
	for (int d = 9; d >= 0; d--)
		for (size_t i = 0; i < n; i++)
			if (t->probe_labels[i] == d)
				order[k++] = i;
	snprintf(pop, sizeof pop, "%s/probe/data.npy", g_dir);
	snprintf(lab, sizeof lab, "%s/probe/labels.npy", g_dir);
	snprintf(text, sizeof text, "mkdir -p %s/probe", g_dir);
	LL_CHECK(system(text) == 0);
	write_population(t, 1, 1, order, pop, lab, NULL);
	ll_session s2;
	snprintf(text, sizeof text, "conditions = probe\nmetrics = cka,match\nwith = %s\npermutations = 0\nbootstrap = 0\n", pop);
	rc = run_session(&s2, text, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	r = rc == LL_OK ? s2.res.compare : NULL;
	if (r) {
		LL_CHECK(r->pop.labels_path && strstr(r->pop.labels_path, "probe/labels.npy"));
		LL_CHECK_INT(r->pop.n, n);
		LL_CHECK_INT(r->pop.nlabels, 10);
		LL_CHECK_NEAR(r->pop.score[1].v[LL_M_CKA].value, 1.0, 1e-10);
		LL_CHECK_NEAR(r->pop.score[1].v[LL_M_MATCH].value, 1.0, 1e-10);
		LL_CHECK(isnan(r->pop.score[1].v[LL_M_CKA].pvalue)); /* none asked for */
	}
	ll_session_free(&s2);

	/* 3. classes from the same labelled samples: the population's mean per
	 * digit is the model's class mean (probe_activity = probe_per_class),
	 * up to float rounding of the logged activity */
	ll_session s3;
	snprintf(text, sizeof text, "conditions = classes\nmetrics = cka\nwith = %s\nwith_labels = %s\npermutations = 0\nbootstrap = 0\n", pop, lab);
	rc = run_session(&s3, text, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	r = rc == LL_OK ? s3.res.compare : NULL;
	if (r) {
		LL_CHECK_INT(r->pop.n, 10);
		LL_CHECK_NEAR(r->pop.score[1].v[LL_M_CKA].value, 1.0, 1e-6);
	}
	ll_session_free(&s3);

	free(order);
	ll_session_free(&s);
}

/* Sessions and populations that cannot work say so in one line. */
static void expect_fail(const char *compare, const char *train_extra, const char *want)
{
	ll_session s;
	ll_err e = {0, ""};
	char text[2048];
	snprintf(text, sizeof text,
		 "[session]\nseed = 4\nthreads = 1\n[data]\nkind = mnist\npath = " LL_MNIST_DIR "\n"
		 "[train]\nmodels = 2\nhidden = 12\nepochs = 1\ntrain_images = 200\nlog_every = 20\n"
		 "probe_per_class = 4\n%s[compare]\n%s",
		 train_extra, compare);
	int rc = ll_session_load_text(&s, text, "bad.lab", &e);
	if (rc == LL_OK) {
		rc = ll_session_run_all(&s, NULL, NULL, NULL, &e);
		ll_session_free(&s);
	}
	LL_CHECK_MSG(rc != LL_OK, "expected a failure with '%s'", want);
	LL_CHECK_CONTAINS(e.msg, want);
	LL_CHECK(!strchr(e.msg, '\n'));
}

static void test_errors(void)
{
	char path[160], cmd[400];
	ll_err e;
	expect_fail("conditions = probe\n", "", "conditions = probe needs [train] probe_activity");
	expect_fail("metrics = cka,cca\n", "", "cca on 10 conditions and 12 units is 1 for any two models");
	expect_fail("metrics = svcca\n", "probe_activity = 1\n", "svcca on 10 conditions");
	expect_fail("metrics = cka,frob\n", "", "frob");
	expect_fail("with = /nonexistent/pop.npy\n", "", "/nonexistent/pop.npy");
	/* a NaN in the population */
	double P[10 * 3];
	for (int i = 0; i < 30; i++)
		P[i] = i % 7;
	P[17] = NAN;
	size_t sh[2] = {10, 3};
	snprintf(path, sizeof path, "%s/nan.npy", g_dir);
	LL_CHECK_INT(ll_npy_write_array(path, P, 2, sh, 0, &e), LL_OK);
	snprintf(cmd, sizeof cmd, "with = %s\n", path);
	expect_fail(cmd, "", "sample 5, neuron 2 is NaN");
	/* rows that are not the models' conditions, and no labels */
	P[17] = 1;
	size_t sh8[2] = {8, 3};
	snprintf(path, sizeof path, "%s/eight.npy", g_dir);
	LL_CHECK_INT(ll_npy_write_array(path, P, 2, sh8, 0, &e), LL_OK);
	snprintf(cmd, sizeof cmd, "with = %s\n", path);
	expect_fail(cmd, "", "8 samples and no labels");
	/* labels of the wrong length */
	char lp[160];
	snprintf(lp, sizeof lp, "%s/lab9.npy", g_dir);
	double L[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	size_t n9 = 9;
	LL_CHECK_INT(ll_npy_write_array(lp, L, 1, &n9, 0, &e), LL_OK);
	snprintf(path, sizeof path, "%s/ten.npy", g_dir);
	LL_CHECK_INT(ll_npy_write_array(path, P, 2, sh, 0, &e), LL_OK);
	snprintf(cmd, sizeof cmd, "with = %s\nwith_labels = %s\n", path, lp);
	expect_fail(cmd, "", "labels for 10 samples");
	/* two digits in common: too few for class means */
	double L2[10] = {0, 1, 0, 1, 20, 21, 22, 23, 24, 25};
	size_t n10 = 10;
	LL_CHECK_INT(ll_npy_write_array(lp, L2, 1, &n10, 0, &e), LL_OK);
	expect_fail(cmd, "", "share 2 conditions");
	/* labels that are not whole numbers */
	L2[3] = 0.5;
	LL_CHECK_INT(ll_npy_write_array(lp, L2, 1, &n10, 0, &e), LL_OK);
	expect_fail(cmd, "", "label 3 is 0.5");
	/* a 4-D array */
	size_t sh4[4] = {2, 3, 1, 5};
	LL_CHECK_INT(ll_npy_write_array(path, P, 4, sh4, 0, &e), LL_OK);
	snprintf(cmd, sizeof cmd, "with = %s\n", path);
	expect_fail(cmd, "", "a 4-D array");
	/* [compare] without training */
	ll_session s;
	ll_err e2 = {0, ""};
	LL_CHECK(ll_session_load_text(&s, "[data]\nkind = synth\n[compare]\n", "x.lab", &e2) != LL_OK);
	LL_CHECK_CONTAINS(e2.msg, "needs a [train] step");
}

int main(void)
{
	snprintf(g_dir, sizeof g_dir, "/tmp/ll_cmpstep_XXXXXX");
	if (!mkdtemp(g_dir))
		return 1;
	LL_RUN(test_matrices);
	LL_RUN(test_population);
	LL_RUN(test_errors);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
	if (system(cmd) != 0)
		return 1;
	return ll_test_done();
}
