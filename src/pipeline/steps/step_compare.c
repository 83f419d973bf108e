/*
 * [compare]: how alike the trained models' hidden layers are.  Every pair
 * of models at every snapshot by one tracked metric (does the population
 * of networks converge, and when?), each model against its own start,
 * every asked-for metric at the last snapshot with an MDS map of the
 * models, and, with `with = FILE`, each model against a recorded
 * population on the conditions the two share (matched by label), with
 * permutation p-values and bootstrap intervals.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/ll_blas.h"
#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "base/ll_rng.h"
#include "io/ll_array.h"
#include "pipeline/ll_step.h"
#include "pipeline/steps/step_compare.h"
#include "pipeline/steps/step_train.h"

#define METRIC_CHOICE_(id, name, kind, inv, fn, desc) "|" name
#define METRIC_CHOICES (LL_METRICS(METRIC_CHOICE_) + 1)

static const ll_param_def params[] = {
	P_ENUM("conditions", "classes", LL_ENUM_CHOICES(LL_COMPARE_CONDITIONS),
	       "compare the ten digit means (classes) or every logged probe image (probe: needs "
	       "[train] probe_activity)"),
	P_STR("metrics", "cka,rsa,angular,match",
	      "metrics at the last snapshot, a list or all (cka, cka-rbf, cka-debiased, cca, svcca, "
	      "pwcca, rsa, procrustes, angular, match)"),
	P_ENUM("track", "cka", METRIC_CHOICES,
	       "the metric for every pair at every snapshot, the self-similarity and the MDS map"),
	P_REAL("alpha", "1", 0, 1, "shape metrics' partial whitening: 1 Procrustes, 0 CCA-like"),
	P_ENUM("rdm", "correlation", LL_ENUM_CHOICES(LL_RDM_KINDS), "RSA's dissimilarity matrices"),
	P_ENUM("rsa_by", "spearman", LL_ENUM_CHOICES(LL_RSA_COMPARATORS), "how RSA compares two RDMs"),
	P_PATH("with", "", "a recorded population to compare each model with (.npy/.npz/.csv; "
			    "2-D samples x neurons, or 3-D as with_layout says)"),
	P_PATH("with_labels", "",
	       "its samples' condition labels (digits); empty: labels.npy beside it, if there, "
	       "else its rows are the models' conditions in order"),
	P_ENUM("with_layout", "neurons-time-trials", "neurons-time-trials|trials-time-neurons",
	       "how a 3-D population is laid out (latentlab synth writes neurons-time-trials)"),
	P_ENUM("with_time", "mean", "mean|concat",
	       "a 3-D population's time bins: averaged, or each neuron's time course as features"),
	P_INT("permutations", "100", 0, 100000,
	      "permutations of conditions for the population scores' p-values (0 = none; the smallest p is 1/(N+1))"),
	P_INT("bootstrap", "100", 0, 100000,
	      "resamples of conditions for the population scores' intervals (0 = none)"),
	P_REAL("ci", "0.95", 0.5, 0.999, "bootstrap interval level"),
};

/* CCA, SVCCA and PWCCA say nothing when a system has as many units as
 * conditions - 1: every canonical correlation is 1 (ll_cca.h). */
#define CCA_FAMILY (LL_METRIC_BIT(LL_M_CCA) | LL_METRIC_BIT(LL_M_SVCCA) | LL_METRIC_BIT(LL_M_PWCCA))

static void drop(ll_session *s)
{
	struct ll_res_compare *r = s->res.compare;
	if (!r)
		return;
	ll_free(r->step);
	for (int m = 0; m < LL_NMETRICS; m++)
		ll_free(r->final[m]);
	ll_free(r->over);
	ll_free(r->self);
	ll_free(r->pair_mean);
	ll_free(r->pair_lo);
	ll_free(r->pair_hi);
	ll_mds_free(&r->mds);
	ll_free(r->group);
	ll_free(r->group_lr);
	ll_free(r->pop.path);
	ll_free(r->pop.labels_path);
	ll_free(r->pop.labels);
	ll_free(r->pop.score);
	ll_free(r->pop.over);
	ll_free(r);
	s->res.compare = NULL;
}

/* ---- the systems ---------------------------------------------------------------- */

/* Model m's hidden layer at snapshot j as conditions x units into out. */
static void system_at(const struct ll_res_train *t, ll_cmp_conditions cond, size_t m, size_t j,
		      double *out)
{
	size_t U = t->log.units, S = t->log.snapshots;
	if (cond == LL_CMP_PROBE) {
		const float *p = ll_res_train_probe(t, m, j);
		for (size_t i = 0; i < t->probe_n * U; i++)
			out[i] = p[i];
		return;
	}
	size_t D = t->activity.dim[1];
	const double *A = t->activity.data;
	for (size_t d = 0; d < D; d++)
		for (size_t u = 0; u < U; u++)
			out[d * U + u] = A[((m * D + d) * U + u) * S + j];
}

/* The label of each of the models' conditions. */
static void condition_labels(const struct ll_res_train *t, ll_cmp_conditions cond, int *lab)
{
	if (cond == LL_CMP_PROBE) {
		memcpy(lab, t->probe_labels, t->probe_n * sizeof *lab);
		return;
	}
	for (size_t d = 0; d < t->activity.dim[1]; d++)
		lab[d] = (int)d;
}

/* ---- the population ------------------------------------------------------------- */

typedef struct population {
	ll_tensor T;      /* as read */
	double *X;        /* rows x units, after the layout rule (owned) */
	size_t rows, units;
	int *lab;         /* rows labels, or NULL (owned) */
	/* matched: n conditions */
	double *P;        /* n x units (owned) */
	size_t *mrow;     /* n rows of the models' conditions (owned) */
	size_t n;
} population;

static void population_free(population *p)
{
	ll_tensor_free(&p->T);
	ll_free(p->X);
	ll_free(p->lab);
	ll_free(p->P);
	ll_free(p->mrow);
	memset(p, 0, sizeof *p);
}

/* Read the population and shape it samples x units. */
static int population_read(const ll_session *s, const char *path, population *p, ll_err *err)
{
	int rc = ll_array_read_table(path, &p->T, err);
	if (rc != LL_OK)
		return rc;
	const ll_tensor *T = &p->T;
	char shape[128];
	if (T->nmodes == 2) {
		p->rows = T->dim[0];
		p->units = T->dim[1];
		p->X = ll_malloc_array(T->size, sizeof *p->X);
		if (!p->X)
			return ll_err_oom(err);
		memcpy(p->X, T->data, T->size * sizeof *p->X);
	} else if (T->nmodes == 3) {
		int ntt = ll_session_is(s, LL_STEP_COMPARE, "with_layout", "neurons-time-trials");
		int concat = ll_session_is(s, LL_STEP_COMPARE, "with_time", "concat");
		size_t N = ntt ? T->dim[0] : T->dim[2], Tm = T->dim[1], R = ntt ? T->dim[2] : T->dim[0];
		p->rows = R;
		p->units = concat ? N * Tm : N;
		p->X = ll_calloc_array(p->rows * p->units, sizeof *p->X);
		if (!p->X)
			return ll_err_oom(err);
		for (size_t r = 0; r < R; r++)
			for (size_t t = 0; t < Tm; t++)
				for (size_t k = 0; k < N; k++) {
					double v = ntt ? T->data[(k * Tm + t) * R + r] : T->data[(r * Tm + t) * N + k];
					if (concat)
						p->X[r * p->units + k * Tm + t] = v;
					else
						p->X[r * p->units + k] += v / (double)Tm;
				}
	} else {
		return ll_err_set(err, LL_ESHAPE,
				  "%s: a %d-D array (%s); [compare] with = needs samples x neurons, or a "
				  "3-D recording (with_layout)",
				  path, T->nmodes, ll_tensor_shape_str(T, shape, sizeof shape));
	}
	if (p->rows < 3)
		return ll_err_set(err, LL_ESHAPE, "%s: %zu samples; [compare] needs at least 3", path, p->rows);
	for (size_t i = 0; i < p->rows * p->units; i++)
		if (!isfinite(p->X[i]))
			return ll_err_set(err, LL_ENUMERIC, "%s: sample %zu, neuron %zu is %s", path,
					  i / p->units, i % p->units, isnan(p->X[i]) ? "NaN" : "infinite");
	return LL_OK;
}

static int population_labels(const char *path, population *p, ll_err *err)
{
	ll_tensor L = {0};
	int rc = ll_array_read_table(path, &L, err);
	if (rc != LL_OK)
		return rc;
	size_t len = L.nmodes == 1 ? L.dim[0] : L.nmodes == 2 && (L.dim[0] == 1 || L.dim[1] == 1) ? L.size : 0;
	if (len != p->rows) {
		char shape[128];
		rc = ll_err_set(err, LL_ESHAPE, "%s: %s labels for %zu samples; expected a vector of %zu", path,
				ll_tensor_shape_str(&L, shape, sizeof shape), p->rows, p->rows);
		ll_tensor_free(&L);
		return rc;
	}
	p->lab = ll_malloc_array(len, sizeof *p->lab);
	if (!p->lab) {
		ll_tensor_free(&L);
		return ll_err_oom(err);
	}
	for (size_t i = 0; i < len; i++) {
		double v = L.data[i];
		if (!isfinite(v) || v != floor(v) || fabs(v) > 1e9) {
			rc = ll_err_set(err, LL_EINVAL, "%s: label %zu is %g; labels are whole numbers (digits)",
					path, i, v);
			break;
		}
		p->lab[i] = (int)v;
	}
	ll_tensor_free(&L);
	return rc;
}

/* Pair the population's samples with the models' conditions: by label
 * when it has labels (classes: the mean of its samples of each digit;
 * probe: the k-th sample of a digit with the k-th probe image of it), else
 * row for row.  Fills p->P, p->mrow, p->n and the shared labels. */
static int population_match(const char *path, population *p, ll_cmp_conditions cond, const int *mlab,
			    size_t mn, ll_cmp_population *out, ll_err *err)
{
	size_t U = p->units;
	if (!p->lab) {
		if (p->rows != mn)
			return ll_err_set(err, LL_ESHAPE,
					  "%s: %zu samples and no labels; its rows must be the models' %zu "
					  "conditions in order, or give with_labels",
					  path, p->rows, mn);
		p->P = ll_malloc_array(mn * U, sizeof *p->P);
		p->mrow = ll_malloc_array(mn, sizeof *p->mrow);
		if (!p->P || !p->mrow)
			return ll_err_oom(err);
		memcpy(p->P, p->X, mn * U * sizeof *p->P);
		for (size_t i = 0; i < mn; i++)
			p->mrow[i] = i;
		p->n = mn;
		return LL_OK;
	}
	/* the labels both have, ascending (the models' are digits) */
	int lo = mlab[0], hi = mlab[0];
	for (size_t i = 0; i < mn; i++) {
		lo = mlab[i] < lo ? mlab[i] : lo;
		hi = mlab[i] > hi ? mlab[i] : hi;
	}
	size_t span = (size_t)(hi - lo) + 1;
	size_t *cm = ll_calloc_array(span, sizeof *cm), *cp = ll_calloc_array(span, sizeof *cp);
	size_t *seen_m = ll_calloc_array(span, sizeof *seen_m), *seen_p = ll_calloc_array(span, sizeof *seen_p);
	int rc = LL_OK;
	if (!cm || !cp || !seen_m || !seen_p) {
		rc = ll_err_oom(err);
		goto out;
	}
	for (size_t i = 0; i < mn; i++)
		cm[mlab[i] - lo]++;
	for (size_t i = 0; i < p->rows; i++)
		if (p->lab[i] >= lo && p->lab[i] <= hi)
			cp[p->lab[i] - lo]++;
	size_t nl = 0, n = 0;
	for (size_t l = 0; l < span; l++)
		if (cm[l] && cp[l]) {
			nl++;
			n += cond == LL_CMP_CLASSES ? 1 : (cm[l] < cp[l] ? cm[l] : cp[l]);
		}
	if (n < 3) {
		rc = ll_err_set(err, LL_ESHAPE,
				"%s: its labels share %zu condition%s with the models' (%zu label%s in common); "
				"[compare] needs at least 3%s",
				path, n, n == 1 ? "" : "s", nl, nl == 1 ? "" : "s",
				cond == LL_CMP_CLASSES ? ": with fewer than 3 digits in common try conditions = probe" : "");
		goto out;
	}
	out->labels = ll_malloc_array(nl, sizeof *out->labels);
	p->P = ll_calloc_array(n * U, sizeof *p->P);
	p->mrow = ll_malloc_array(n, sizeof *p->mrow);
	if (!out->labels || !p->P || !p->mrow) {
		rc = ll_err_oom(err);
		goto out;
	}
	out->nlabels = 0;
	for (size_t l = 0; l < span; l++)
		if (cm[l] && cp[l])
			out->labels[out->nlabels++] = lo + (int)l;
	p->n = n;
	if (cond == LL_CMP_CLASSES) {
		/* conditions in label order; the population's mean per label */
		size_t k = 0;
		for (size_t l = 0; l < span; l++) {
			if (!(cm[l] && cp[l]))
				continue;
			for (size_t i = 0; i < mn; i++)
				if (mlab[i] - lo == (int)l) {
					p->mrow[k] = i;
					break;
				}
			for (size_t i = 0; i < p->rows; i++)
				if (p->lab[i] - lo == (int)l)
					for (size_t u = 0; u < U; u++)
						p->P[k * U + u] += p->X[i * U + u] / (double)cp[l];
			k++;
		}
	} else {
		/* the k-th image of a digit with the k-th sample of it, in order */
		size_t k = 0;
		for (size_t i = 0; i < mn; i++) {
			size_t l = (size_t)(mlab[i] - lo);
			if (!cp[l] || seen_m[l] >= cp[l])
				continue;
			size_t want = seen_m[l]++, got = 0;
			for (size_t r = 0; r < p->rows; r++)
				if (p->lab[r] - lo == (int)l && got++ == want) {
					memcpy(p->P + k * U, p->X + r * U, U * sizeof *p->P);
					break;
				}
			p->mrow[k++] = i;
		}
	}
out:
	ll_free(cm);
	ll_free(cp);
	ll_free(seen_m);
	ll_free(seen_p);
	return rc;
}

/* ---- the comparisons ------------------------------------------------------------ */

/* The pair mean and band over snapshots, and when the mean settled. */
static int pair_band(struct ll_res_compare *r, ll_err *err)
{
	size_t M = r->models, S = r->snapshots, np = M * (M - 1) / 2;
	r->pair_mean = ll_malloc_array(S, sizeof(double));
	r->pair_lo = ll_malloc_array(S, sizeof(double));
	r->pair_hi = ll_malloc_array(S, sizeof(double));
	double *v = ll_malloc_array(np ? np : 1, sizeof *v);
	if (!r->pair_mean || !r->pair_lo || !r->pair_hi || !v) {
		ll_free(v);
		return ll_err_oom(err);
	}
	for (size_t j = 0; j < S; j++) {
		size_t k = 0;
		double sum = 0;
		for (size_t a = 0; a < M; a++)
			for (size_t b = a + 1; b < M; b++) {
				v[k] = ll_res_compare_over(r, a, b, j);
				sum += v[k++];
			}
		if (!np) {
			r->pair_mean[j] = r->pair_lo[j] = r->pair_hi[j] = NAN;
			continue;
		}
		qsort(v, np, sizeof *v, ll_cmp_double);
		r->pair_mean[j] = sum / (double)np;
		r->pair_lo[j] = ll_quantile_sorted(v, np, 0.10);
		r->pair_hi[j] = ll_quantile_sorted(v, np, 0.90);
	}
	ll_free(v);
	r->converged = -1;
	if (np && S > 1) {
		double fin = r->pair_mean[S - 1], lo = fin, hi = fin;
		for (size_t j = 0; j < S; j++) {
			lo = fmin(lo, r->pair_mean[j]);
			hi = fmax(hi, r->pair_mean[j]);
		}
		double range = hi - lo;
		if (range > 1e-12) {
			size_t j = S - 1;
			while (j > 0 && fabs(r->pair_mean[j - 1] - fin) <= 0.10 * range)
				j--;
			r->converged = (int)j;
		}
	}
	return LL_OK;
}

static int compute_groups(const ll_session *s, struct ll_res_compare *r, ll_err *err)
{
	size_t M = r->models, nlr = 0;
	r->group = ll_malloc_array(M, sizeof *r->group);
	r->group_lr = ll_malloc_array(M, sizeof *r->group_lr);
	if (!r->group || !r->group_lr)
		return ll_err_oom(err);
	for (size_t m = 0; m < M; m++) {
		double lr = ll_train_model_lr(s, m, NULL);
		size_t g = 0;
		while (g < nlr && r->group_lr[g] != lr)
			g++;
		if (g == nlr)
			r->group_lr[nlr++] = lr;
		r->group[m] = g;
	}
	r->ngroups = nlr;
	return LL_OK;
}

/* CCA's family on as many units as conditions - 1 gives 1 for any pair. */
static int check_conditions(const ll_session *s, unsigned metrics, ll_err *err)
{
	unsigned bad = metrics & CCA_FAMILY;
	if (!bad)
		return LL_OK;
	size_t n = ll_session_is(s, LL_STEP_COMPARE, "conditions", "probe")
			   ? 10 * (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "probe_activity")
			   : 10;
	size_t units = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "hidden");
	if (n > units + 1)
		return LL_OK;
	const char *name = ll_metric_name(bad & LL_METRIC_BIT(LL_M_CCA) ? LL_M_CCA
					  : bad & LL_METRIC_BIT(LL_M_SVCCA) ? LL_M_SVCCA : LL_M_PWCCA);
	return ll_err_set(err, LL_EINVAL,
			  "[compare] %s on %zu conditions and %zu units is 1 for any two models: it needs more "
			  "conditions than units + 1 (conditions = probe with [train] probe_activity > %zu)",
			  name, n, units, (units + 1) / 10 + 1);
}

/* Model m against the population at every snapshot; with p-values and
 * intervals (o's) at the last.  Thread-safe: touches only row m. */
static int population_one(struct ll_res_compare *r, const struct ll_res_train *t, const population *pop,
			  size_t m, unsigned pm, const ll_compare_opts *o, double *Xm, double *Xa, ll_err *err)
{
	size_t S = r->snapshots, U = r->units, n = pop->n;
	char name[48];
	snprintf(name, sizeof name, "model %zu", m);
	ll_compare_opts oo = *o;
	oo.name_x = name;
	oo.name_y = r->pop.path;
	for (size_t j = 0; j < S; j++) {
		int last = j == S - 1;
		system_at(t, r->conditions, m, j, Xa);
		for (size_t k = 0; k < n; k++)
			memcpy(Xm + k * U, Xa + pop->mrow[k] * U, U * sizeof *Xm);
		ll_compare_result cr, *res = last ? &r->pop.score[m] : &cr;
		oo.permutations = last ? o->permutations : 0;
		oo.bootstrap = last ? o->bootstrap : 0;
		int rc = ll_compare_pair(Xm, n, U, pop->P, n, pop->units,
					 (last ? pm : 0) | LL_METRIC_BIT(r->track), &oo, res, NULL, NULL, err);
		if (rc != LL_OK) {
			ll_err_prefix(err, "[compare] %s vs the population, step %d", name, r->step[j]);
			return rc;
		}
		r->pop.over[m * S + j] = res->v[r->track].value;
	}
	return LL_OK;
}

/* Every model against the population, models in parallel (OpenBLAS on one
 * thread meanwhile); progress and cancel between rounds of models. */
static int population_scores(ll_session *s, struct ll_res_compare *r, const struct ll_res_train *t,
			     const population *pop, ll_step_prog *g, ll_err *err)
{
	size_t M = r->models, U = r->units;
	unsigned pm = r->metrics;
	if (pop->n <= pop->units + 1 || pop->n <= U + 1) {
		r->pop.skipped = pm & CCA_FAMILY;
		pm &= ~CCA_FAMILY;
	}
	ll_compare_opts o = r->opts;
	o.permutations = (size_t)ll_session_get_int(s, LL_STEP_COMPARE, "permutations");
	o.bootstrap = (size_t)ll_session_get_int(s, LL_STEP_COMPARE, "bootstrap");
	int nth = ll_step_threads(s);
	if (nth < 1)
		nth = 1;
	double *buf = ll_malloc_array((size_t)nth * (pop->n + r->n) * U, sizeof *buf);
	if (!buf)
		return ll_err_oom(err);
	int blas = openblas_get_num_threads(), rc = LL_OK;
	openblas_set_num_threads(1);
	for (size_t m0 = 0; m0 < M && rc == LL_OK; m0 += (size_t)nth) {
		if (ll_step_prog_at(g, (double)m0 / (double)M)) {
			rc = ll_err_set(err, LL_ECANCELED, "canceled");
			break;
		}
		size_t end = m0 + (size_t)nth < M ? m0 + (size_t)nth : M;
		size_t first_at = SIZE_MAX;
		ll_err first_err;
		ll_err_clear(&first_err);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth)
		for (size_t m = m0; m < end; m++) {
			double *Xm = buf + (m - m0) * (pop->n + r->n) * U, *Xa = Xm + pop->n * U;
			ll_err e;
			ll_err_clear(&e);
			if (population_one(r, t, pop, m, pm, &o, Xm, Xa, &e) != LL_OK) {
#pragma omp critical(ll_compare_pop_err)
				if (m < first_at) {
					first_at = m;
					first_err = e;
				}
			}
		}
		if (first_at != SIZE_MAX) {
			rc = first_err.code ? first_err.code : LL_EINVAL;
			if (err)
				*err = first_err;
		}
	}
	openblas_set_num_threads(blas);
	ll_free(buf);
	return rc;
}

static int write_compare(ll_step_ctx *c, const struct ll_res_compare *r, ll_err *err);

static int run(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	const struct ll_res_train *t = s->res.train;
	int rc;

	if (!t || !t->activity.data)
		return ll_err_set(err, LL_EINVAL, "[compare] has no trained models: run the train step first");
	ll_cmp_conditions cond = (ll_cmp_conditions)ll_session_get_enum(s, LL_STEP_COMPARE, "conditions");
	if (cond == LL_CMP_PROBE && !t->probe)
		return ll_err_set(err, LL_EINVAL,
				  "[compare] conditions = probe needs [train] probe_activity = N (images per digit)");
	unsigned metrics;
	if ((rc = ll_metric_parse_list(ll_session_get(s, LL_STEP_COMPARE, "metrics"), &metrics, err)) != LL_OK) {
		ll_err_prefix(err, "[compare] metrics");
		return rc;
	}
	if ((rc = check_conditions(s, metrics, err)) != LL_OK)
		return rc;
	ll_metric track = (ll_metric)ll_session_get_enum(s, LL_STEP_COMPARE, "track");

	size_t M = t->log.models, S = t->log.snapshots, U = t->log.units;
	size_t n = cond == LL_CMP_PROBE ? t->probe_n : t->activity.dim[1];
	if (M < 2)
		return ll_err_set(err, LL_EINVAL, "[compare] compares models with each other: [train] models = %zu; set 2 or more", M);

	struct ll_res_compare *r = ll_calloc(1, sizeof *r);
	if (!r)
		return ll_err_oom(err);
	s->res.compare = r;
	r->models = M;
	r->snapshots = S;
	r->conditions = cond;
	r->n = n;
	r->units = U;
	r->metrics = metrics | LL_METRIC_BIT(track);
	r->track = track;
	r->mds_metric = track;
	ll_compare_opts *o = &r->opts;
	ll_compare_opts_default(o);
	o->alpha = ll_session_get_real(s, LL_STEP_COMPARE, "alpha");
	o->rdm = (ll_rdm_kind)ll_session_get_enum(s, LL_STEP_COMPARE, "rdm");
	o->rsa_by = (ll_rsa_by)ll_session_get_enum(s, LL_STEP_COMPARE, "rsa_by");
	o->ci_level = ll_session_get_real(s, LL_STEP_COMPARE, "ci");
	o->seed = ll_seed_derive((uint64_t)ll_session_get_int(s, LL_STEP_SESSION, "seed"), 0x636d70, 0);
	/* a ReLU unit silent on every condition is no evidence either way */
	o->drop_constant = 1;

	r->step = ll_malloc_array(S, sizeof *r->step);
	r->over = ll_malloc_array(M * M * S, sizeof *r->over);
	r->self = ll_malloc_array(M * S, sizeof *r->self);
	double *sysbuf = ll_malloc_array(M * n * U, sizeof *sysbuf);
	double *start = ll_malloc_array(M * n * U, sizeof *start);
	double *Mj = ll_malloc_array(M * M, sizeof *Mj);
	ll_system *sys = ll_calloc_array(M, sizeof *sys);
	char (*names)[48] = ll_calloc_array(M, sizeof *names);
	population pop = {0};
	if (!r->step || !r->over || !r->self || !sysbuf || !start || !Mj || !sys || !names) {
		rc = ll_err_oom(err);
		goto out;
	}
	memcpy(r->step, t->log.step, S * sizeof *r->step);
	if ((rc = compute_groups(s, r, err)) != LL_OK)
		goto out;

	/* the population, read and matched before the long work */
	char *with = ll_session_get_path(s, LL_STEP_COMPARE, "with");
	if (!with) {
		rc = ll_err_oom(err);
		goto out;
	}
	if (*with) {
		r->has_population = 1;
		r->pop.path = with;
		with = NULL;
		if ((rc = population_read(s, r->pop.path, &pop, err)) != LL_OK)
			goto out;
		char *lp = ll_session_get_path(s, LL_STEP_COMPARE, "with_labels");
		if (!lp) {
			rc = ll_err_oom(err);
			goto out;
		}
		if (!*lp) {
			/* labels.npy beside the population, as latentlab synth writes */
			ll_free(lp);
			char *d = ll_strdup(r->pop.path);
			if (!d) {
				rc = ll_err_oom(err);
				goto out;
			}
			char *slash = strrchr(d, '/');
			if (slash)
				slash[1] = '\0';
			lp = slash ? ll_path_join(d, "labels.npy") : ll_strdup("labels.npy");
			ll_free(d);
			if (!lp) {
				rc = ll_err_oom(err);
				goto out;
			}
			struct stat st;
			if (stat(lp, &st) != 0 || !S_ISREG(st.st_mode) || strcmp(lp, r->pop.path) == 0) {
				ll_free(lp);
				lp = NULL;
			}
		}
		r->pop.labels_path = lp;
		if (lp && (rc = population_labels(lp, &pop, err)) != LL_OK)
			goto out;
		int *mlab = ll_malloc_array(n, sizeof *mlab);
		if (!mlab) {
			rc = ll_err_oom(err);
			goto out;
		}
		condition_labels(t, cond, mlab);
		rc = population_match(r->pop.path, &pop, cond, mlab, n, &r->pop, err);
		ll_free(mlab);
		if (rc != LL_OK)
			goto out;
		r->pop.rows = pop.rows;
		r->pop.units = pop.units;
		r->pop.n = pop.n;
		r->pop.score = ll_calloc_array(M, sizeof *r->pop.score);
		r->pop.over = ll_malloc_array(M * S, sizeof *r->pop.over);
		if (!r->pop.score || !r->pop.over) {
			rc = ll_err_oom(err);
			goto out;
		}
	}
	ll_free(with);

	for (size_t m = 0; m < M; m++) {
		snprintf(names[m], sizeof names[m], "model %zu", m);
		sys[m] = (ll_system){names[m], sysbuf + m * n * U, n, U};
		system_at(t, cond, m, 0, start + m * n * U);
	}

	/* every pair at every snapshot, and each model against its start */
	double share_pop = r->has_population ? 0.25 : 0;
	double share_over = (1 - share_pop) * 0.7, share_final = (1 - share_pop) - share_over;
	ll_step_prog g = {.c = c, .span = share_over / (double)S, .stage = "compare: pairs over training"};
	for (size_t j = 0; j < S; j++) {
		g.lo = share_over * (double)j / (double)S;
		for (size_t m = 0; m < M; m++)
			system_at(t, cond, m, j, sysbuf + m * n * U);
		if ((rc = ll_compare_all(sys, M, track, o, Mj, ll_step_prog_fwd, &g, err)) != LL_OK) {
			if (rc != LL_ECANCELED)
				ll_err_prefix(err, "[compare] snapshot %zu (step %d)", j, r->step[j]);
			goto out;
		}
		for (size_t a = 0; a < M; a++)
			for (size_t b = 0; b < M; b++)
				r->over[(a * M + b) * S + j] = Mj[a * M + b];
		for (size_t m = 0; m < M; m++) {
			if (j == 0) {
				r->self[m * S] = ll_metric_kind_of(track) == LL_SIMILARITY ? 1.0 : 0.0;
				continue;
			}
			ll_compare_result cr;
			o->name_x = names[m];
			o->name_y = "its start";
			rc = ll_compare_pair(sysbuf + m * n * U, n, U, start + m * n * U, n, U, LL_METRIC_BIT(track), o,
					     &cr, NULL, NULL, err);
			o->name_x = o->name_y = NULL;
			if (rc != LL_OK) {
				ll_err_prefix(err, "[compare] snapshot %zu (step %d)", j, r->step[j]);
				goto out;
			}
			r->self[m * S + j] = cr.v[track].value;
		}
	}
	if ((rc = pair_band(r, err)) != LL_OK)
		goto out;

	/* the last snapshot by every metric (sysbuf holds it) */
	unsigned rest = r->metrics & ~LL_METRIC_BIT(track);
	size_t nrest = 0, done = 0;
	for (int m = 0; m < LL_NMETRICS; m++)
		nrest += (rest >> m) & 1u;
	for (int m = 0; m < LL_NMETRICS; m++) {
		if (!(r->metrics & LL_METRIC_BIT(m)))
			continue;
		double *F = ll_malloc_array(M * M, sizeof *F);
		if (!F) {
			rc = ll_err_oom(err);
			goto out;
		}
		r->final[m] = F;
		if ((ll_metric)m == track) {
			for (size_t a = 0; a < M; a++)
				for (size_t b = 0; b < M; b++)
					F[a * M + b] = ll_res_compare_over(r, a, b, S - 1);
			continue;
		}
		ll_step_prog gf = {.c = c,
				   .lo = share_over + share_final * (double)done / (double)(nrest ? nrest : 1),
				   .span = share_final / (double)(nrest ? nrest : 1),
				   .stage = "compare: last snapshot"};
		if ((rc = ll_compare_all(sys, M, (ll_metric)m, o, F, ll_step_prog_fwd, &gf, err)) != LL_OK) {
			if (rc != LL_ECANCELED)
				ll_err_prefix(err, "[compare] %s at the last snapshot", ll_metric_name((ll_metric)m));
			goto out;
		}
		done++;
	}
	for (size_t m = 0; m < M; m++) {
		/* the units left out at the last snapshot, for the report */
		for (size_t u = 0; u < U; u++) {
			const double *X = sysbuf + m * n * U;
			size_t i = 1;
			while (i < n && X[i * U + u] == X[u])
				i++;
			r->dropped_units += i == n;
		}
	}

	/* the MDS map of the tracked metric at the last snapshot */
	{
		double *D = ll_malloc_array(M * M, sizeof *D);
		if (!D) {
			rc = ll_err_oom(err);
			goto out;
		}
		ll_compare_dissimilarity(track, r->final[track], M, D);
		rc = ll_mds(D, M, NULL, &r->mds, err);
		ll_free(D);
		if (rc != LL_OK) {
			ll_err_prefix(err, "[compare] MDS of %s", ll_metric_name(track));
			goto out;
		}
	}

	/* each model against the population */
	if (r->has_population) {
		ll_step_prog gp = {.c = c, .lo = share_over + share_final, .span = share_pop,
				   .stage = "compare: against the population"};
		if ((rc = population_scores(s, r, t, &pop, &gp, err)) != LL_OK)
			goto out;
	}
	o->name_x = o->name_y = NULL;

	{
		char conv[64] = "";
		if (r->converged >= 0)
			snprintf(conv, sizeof conv, "; settled by step %d", r->step[r->converged]);
		char popv[96] = "";
		if (r->has_population) {
			double mu = 0;
			for (size_t m = 0; m < M; m++)
				mu += r->pop.score[m].v[track].value / (double)M;
			snprintf(popv, sizeof popv, "; vs population %.3f over %zu conditions", mu, r->pop.n);
		}
		ll_step_status(c, "%zu models x %zu snapshots on %zu %s: mean pairwise %s %.3f (10-90%%: %.3f-%.3f)%s%s",
			       M, S, n, cond == LL_CMP_PROBE ? "probe images" : "digit means", ll_metric_name(track),
			       r->pair_mean[S - 1], r->pair_lo[S - 1], r->pair_hi[S - 1], conv, popv);
	}
	rc = LL_OK;
out:
	ll_free(sysbuf);
	ll_free(start);
	ll_free(Mj);
	ll_free(sys);
	ll_free(names);
	population_free(&pop);
	if (rc != LL_OK)
		return rc;
	return c->outdir ? write_compare(c, r, err) : LL_OK;
}

/* The invariances, scores and options the step's files are read with. */
static void json_value(ll_json *j, const ll_metric_value *v)
{
	ll_json_obj_begin(j);
	ll_json_kv_num(j, "value", v->value);
	ll_json_kv_num(j, "p", v->pvalue);
	ll_json_kv_int(j, "permutations", (long long)v->nperm);
	ll_json_key(j, "ci");
	ll_json_arr_begin(j);
	ll_json_num(j, v->ci_lo);
	ll_json_num(j, v->ci_hi);
	ll_json_arr_end(j);
	ll_json_kv_int(j, "resamples", (long long)v->nboot);
	if (v->note[0])
		ll_json_kv_str(j, "note", v->note);
	ll_json_obj_end(j);
}

static void json_metrics(ll_json *j, unsigned set)
{
	ll_json_arr_begin(j);
	for (int m = 0; m < LL_NMETRICS; m++)
		if (set & LL_METRIC_BIT(m))
			ll_json_str(j, ll_metric_name((ll_metric)m));
	ll_json_arr_end(j);
}

/* ud: the session */
static void write_json(ll_json *j, const void *ud)
{
	const ll_session *s = ud;
	const struct ll_res_compare *r = s->res.compare;
	size_t M = r->models, S = r->snapshots;
	ll_json_obj_begin(j);
	ll_json_kv_str(j, "conditions", ll_session_get(s, LL_STEP_COMPARE, "conditions"));
	ll_json_kv_int(j, "n", (long long)r->n);
	ll_json_kv_int(j, "units", (long long)r->units);
	ll_json_kv_int(j, "models", (long long)M);
	ll_json_kv_int(j, "snapshots", (long long)S);
	ll_json_key(j, "steps");
	ll_json_arr_begin(j);
	for (size_t k = 0; k < S; k++)
		ll_json_int(j, r->step[k]);
	ll_json_arr_end(j);
	ll_json_key(j, "metrics");
	json_metrics(j, r->metrics);
	ll_json_kv_str(j, "track", ll_metric_name(r->track));
	ll_json_kv_str(j, "kind", ll_metric_kind_of(r->track) == LL_SIMILARITY ? "similarity" : "distance");
	ll_json_kv_num(j, "alpha", r->opts.alpha);
	ll_json_kv_str(j, "rdm", ll_session_get(s, LL_STEP_COMPARE, "rdm"));
	ll_json_kv_str(j, "rsa_by", ll_session_get(s, LL_STEP_COMPARE, "rsa_by"));
	ll_json_kv_int(j, "dropped_units", (long long)r->dropped_units);
	ll_json_key(j, "pairs");
	ll_json_obj_begin(j);
	ll_json_key(j, "mean");
	ll_json_num_array(j, r->pair_mean, S);
	ll_json_key(j, "p10");
	ll_json_num_array(j, r->pair_lo, S);
	ll_json_key(j, "p90");
	ll_json_num_array(j, r->pair_hi, S);
	ll_json_key(j, "settled_step");
	if (r->converged >= 0)
		ll_json_int(j, r->step[r->converged]);
	else
		ll_json_null(j);
	ll_json_obj_end(j);
	ll_json_key(j, "final_mean");
	ll_json_obj_begin(j);
	for (int m = 0; m < LL_NMETRICS; m++) {
		if (!r->final[m])
			continue;
		double sum = 0;
		for (size_t a = 0; a < M; a++)
			for (size_t b = a + 1; b < M; b++)
				sum += r->final[m][a * M + b];
		ll_json_kv_num(j, ll_metric_name((ll_metric)m), sum / (double)(M * (M - 1) / 2));
	}
	ll_json_obj_end(j);
	ll_json_key(j, "mds");
	ll_json_obj_begin(j);
	ll_json_kv_str(j, "metric", ll_metric_name(r->mds_metric));
	ll_json_kv_str(j, "method", ll_mds_method_name(r->mds.used));
	ll_json_kv_num(j, "stress", r->mds.stress);
	ll_json_kv_str(j, "file", "mds.npy");
	ll_json_obj_end(j);
	ll_json_key(j, "groups");
	ll_json_obj_begin(j);
	ll_json_key(j, "lr");
	ll_json_num_array(j, r->group_lr, r->ngroups);
	ll_json_key(j, "group");
	ll_json_size_array(j, r->group, M);
	ll_json_obj_end(j);
	if (r->has_population) {
		const ll_cmp_population *p = &r->pop;
		ll_json_key(j, "population");
		ll_json_obj_begin(j);
		ll_json_kv_str(j, "file", p->path);
		if (p->labels_path)
			ll_json_kv_str(j, "labels_file", p->labels_path);
		else
			ll_json_kv_str(j, "matched", "row for row");
		ll_json_kv_int(j, "samples", (long long)p->rows);
		ll_json_kv_int(j, "units", (long long)p->units);
		ll_json_kv_int(j, "n", (long long)p->n);
		ll_json_key(j, "labels");
		ll_json_arr_begin(j);
		for (size_t k = 0; k < p->nlabels; k++)
			ll_json_int(j, p->labels[k]);
		ll_json_arr_end(j);
		ll_json_key(j, "skipped");
		json_metrics(j, p->skipped);
		ll_json_kv_str(j, "over_file", "population_over.npy");
		ll_json_key(j, "scores");
		ll_json_arr_begin(j);
		for (size_t m = 0; m < M; m++) {
			const ll_compare_result *cr = &p->score[m];
			ll_json_obj_begin(j);
			ll_json_kv_int(j, "model", (long long)m);
			for (int k = 0; k < LL_NMETRICS; k++)
				if (cr->metrics & LL_METRIC_BIT(k)) {
					ll_json_key(j, ll_metric_name((ll_metric)k));
					json_value(j, &cr->v[k]);
				}
			ll_json_obj_end(j);
		}
		ll_json_arr_end(j);
		ll_json_obj_end(j);
	}
	ll_json_obj_end(j);
}

static int write_compare(ll_step_ctx *c, const struct ll_res_compare *r, ll_err *err)
{
	char *dir;
	int rc = ll_step_outdir(c, &dir, err);
	if (rc != LL_OK)
		return rc;
	size_t M = r->models, S = r->snapshots;
	size_t sh2[2] = {M, M}, sh3[3] = {M, M, S}, shs[2] = {M, S}, shm[2] = {M, r->mds.k};
	char name[64];
	for (int m = 0; m < LL_NMETRICS && rc == LL_OK; m++)
		if (r->final[m]) {
			snprintf(name, sizeof name, "%s.npy", ll_metric_name((ll_metric)m));
			rc = ll_step_write_vec(dir, name, r->final[m], 2, sh2, err);
		}
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "over.npy", r->over, 3, sh3, err);
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "self.npy", r->self, 2, shs, err);
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "mds.npy", r->mds.coords, 2, shm, err);
	if (rc == LL_OK && r->has_population)
		rc = ll_step_write_vec(dir, "population_over.npy", r->pop.over, 2, shs, err);
	if (rc == LL_OK)
		rc = ll_step_write_json(dir, "compare.json", write_json, c->s, err);
	ll_free(dir);
	return rc;
}

static int check(const ll_session *s, ll_err *err)
{
	if (s->state[LL_STEP_COMPARE] == LL_STATE_ABSENT)
		return LL_OK;
	if (s->state[LL_STEP_TRAIN] == LL_STATE_ABSENT)
		return ll_err_set(err, LL_EINVAL,
				  "[compare] compares trained models: the session needs a [train] step "
				  "([data] kind = mnist)");
	if (ll_session_is(s, LL_STEP_COMPARE, "conditions", "probe") &&
	    ll_session_get_int(s, LL_STEP_TRAIN, "probe_activity") == 0)
		return ll_err_set(err, LL_EINVAL,
				  "[compare] conditions = probe needs [train] probe_activity = N (images per digit)");
	unsigned set;
	int rc = ll_metric_parse_list(ll_session_get(s, LL_STEP_COMPARE, "metrics"), &set, err);
	if (rc != LL_OK) {
		ll_err_prefix(err, "[compare] metrics");
		return rc;
	}
	return check_conditions(s, set | LL_METRIC_BIT(ll_session_get_enum(s, LL_STEP_COMPARE, "track")), err);
}

/* Resuming: the comparisons are computed again in memory from train's
 * results (as read back), OUTDIR/compare/ left as the run wrote it: about
 * a second for the demo, against reading back every matrix and the MDS
 * map.  Deterministic (the seeded parts take the session seed), so the
 * results are the run's. */
static int load(ll_step_ctx *c, ll_err *err)
{
	ll_step_ctx m = *c;
	m.outdir = NULL;
	return run(&m, err);
}

const ll_step_def ll_step_compare = {
	.name = "compare",
	.summary = "compare the models' hidden layers pair by pair, over training and with a population",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.needs = LL_STEP_BIT(LL_STEP_TRAIN),
	.check = check,
	.run = run,
	.drop = drop,
	.load = load,
	.outputs = "every metric's models x models matrix, the tracked metric over training, the MDS map, `compare.json`",
};
