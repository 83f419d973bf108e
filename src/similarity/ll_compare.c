/* The metric registry, one pair with p-values and intervals, all pairs.
 * Contract: ll_compare.h. */
#include "similarity/ll_compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/ll_blas.h"
#include "base/ll_rng.h"
#include "similarity/ll_cca.h"
#include "similarity/ll_cka.h"
#include "similarity/ll_match.h"
#include "similarity/ll_shape.h"
#include "similarity/ll_simutil.h"

/* ---- the registry ------------------------------------------------------------ */

typedef struct metric_entry {
	const char *name;
	ll_metric_kind kind;
	unsigned inv;
	ll_metric_fn fn;
	const char *desc;
} metric_entry;

#define LL_METRIC_ROW_(id, name, kind, inv, fn, desc) {name, kind, inv, fn, desc},
static const metric_entry metrics[LL_NMETRICS] = {LL_METRICS(LL_METRIC_ROW_)};
#undef LL_METRIC_ROW_

#define LL_METRIC_NAME_(id, name, kind, inv, fn, desc) name,
static const char *const metric_names[LL_NMETRICS] = {LL_METRICS(LL_METRIC_NAME_)};
#undef LL_METRIC_NAME_

static int valid_metric(ll_metric m)
{
	return (unsigned)m < (unsigned)LL_NMETRICS;
}

const char *ll_metric_name(ll_metric m)
{
	return valid_metric(m) ? metrics[m].name : "?";
}

const char *ll_metric_describe(ll_metric m)
{
	return valid_metric(m) ? metrics[m].desc : "?";
}

ll_metric_kind ll_metric_kind_of(ll_metric m)
{
	return valid_metric(m) ? metrics[m].kind : LL_SIMILARITY;
}

ll_metric_fn ll_metric_compute_fn(ll_metric m)
{
	return valid_metric(m) ? metrics[m].fn : NULL;
}

const char *ll_invariance_name(unsigned flag)
{
#define LL_INV_CASE_(id, bit, name) \
	if (flag == (bit))          \
		return name;
	LL_INVARIANCES(LL_INV_CASE_)
#undef LL_INV_CASE_
	return NULL;
}

unsigned ll_metric_invariances(ll_metric m, const ll_compare_opts *o)
{
	if (!valid_metric(m))
		return 0;
	unsigned f = metrics[m].inv;
	if (!o)
		return f;
	switch (m) {
	case LL_M_RSA:
		/* correlation: per-pattern centring mixes units (no rotation)
		 * and moves with a common offset; cosine: rotation yes, offset
		 * no; euclidean: both */
		if (o->rdm == LL_RDM_EUCLIDEAN)
			f |= LL_INV_ROTATION | LL_INV_TRANSLATION;
		else if (o->rdm == LL_RDM_COSINE)
			f |= LL_INV_ROTATION;
		break;
	case LL_M_ANGULAR:
		/* partial whitening weighs alpha against lambda^-1/2, which
		 * changes with the scale: only the ends are scale-free */
		if (o->alpha == 0.0)
			f |= LL_INV_LINEAR;
		else if (o->alpha < 1.0)
			f &= ~(unsigned)LL_INV_SCALE;
		break;
	case LL_M_SVCCA:
		/* keeping everything is plain CCA */
		if (o->svcca_k == 0 && o->svcca_keep >= 1.0)
			f |= LL_INV_LINEAR;
		break;
	default:
		break;
	}
	return f;
}

int ll_metric_parse(const char *s)
{
	return ll_name_lookup(metric_names, LL_NMETRICS, s);
}

int ll_metric_parse_list(const char *list, unsigned *set, ll_err *err)
{
	*set = 0;
	if (!list || !*list)
		return ll_err_set(err, LL_EINVAL, "empty metric list");
	const char *s = list;
	while (1) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		char word[64];
		if (len == 0 || len >= sizeof word)
			return ll_err_set(err, LL_EINVAL, "bad metric list '%s'", list);
		memcpy(word, s, len);
		word[len] = '\0';
		if (!strcmp(word, "all")) {
			*set |= LL_METRICS_ALL;
		} else {
			int m = ll_metric_parse(word);
			if (m < 0) {
				*set = 0;
				return ll_err_set(err, LL_EINVAL, "unknown metric '%s' (one of: %s)", word,
						  "cka, cka-rbf, cka-debiased, cca, svcca, pwcca, rsa, procrustes, angular, match, all");
			}
			if (*set & LL_METRIC_BIT(m)) {
				*set = 0;
				return ll_err_set(err, LL_EINVAL, "metric '%s' is listed twice", word);
			}
			*set |= LL_METRIC_BIT(m);
		}
		if (!e)
			break;
		s = e + 1;
	}
	return LL_OK;
}

double ll_metric_to_distance(ll_metric m, double v)
{
	if (ll_metric_kind_of(m) == LL_DISTANCE)
		return v;
	if (m == LL_M_CKA || m == LL_M_CKA_RBF || m == LL_M_CKA_DEBIASED)
		return acos(v > 1.0 ? 1.0 : (v < -1.0 ? -1.0 : v));
	double d = 1.0 - v;
	return d > 0.0 ? d : 0.0;
}

void ll_compare_dissimilarity(ll_metric m, const double *M, size_t nsys, double *D)
{
	for (size_t a = 0; a < nsys; a++)
		for (size_t b = 0; b < nsys; b++)
			D[a * nsys + b] = a == b ? 0.0 : ll_metric_to_distance(m, M[a * nsys + b]);
}

double ll_compare_separation(const double *D, size_t n, const size_t *group)
{
	double wb = 0, ww = 0;
	size_t nb = 0, nw = 0;
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++) {
			double d = D[a * n + b];
			if (!isfinite(d))
				continue;
			if (group[a] == group[b]) {
				ww += d;
				nw++;
			} else {
				wb += d;
				nb++;
			}
		}
	if (!nb || !nw || !(ww > 0))
		return NAN;
	return (wb / (double)nb) / (ww / (double)nw);
}

void ll_compare_opts_default(ll_compare_opts *o)
{
	memset(o, 0, sizeof *o);
	o->alpha = LL_SHAPE_ALPHA;
	o->svcca_keep = LL_SVCCA_KEEP;
	o->rdm = LL_RDM_CORRELATION;
	o->rsa_by = LL_RSA_SPEARMAN;
	o->rbf_frac = LL_CKA_RBF_FRAC;
	o->ci_level = 0.95;
}

int ll_compare_opts_check(const ll_compare_opts *o, ll_err *err)
{
	if (!(o->alpha >= 0.0 && o->alpha <= 1.0))
		return ll_err_set(err, LL_EINVAL, "alpha %g is not in [0, 1]", o->alpha);
	if (!(o->svcca_keep > 0.0 && o->svcca_keep <= 1.0))
		return ll_err_set(err, LL_EINVAL, "svcca keep %g is not a fraction in (0, 1]", o->svcca_keep);
	if ((unsigned)o->rdm >= LL_ENUM_N(LL_RDM_KINDS))
		return ll_err_set(err, LL_EINVAL, "unknown RDM kind %d", (int)o->rdm);
	if ((unsigned)o->rsa_by >= LL_ENUM_N(LL_RSA_COMPARATORS))
		return ll_err_set(err, LL_EINVAL, "unknown RSA comparison %d", (int)o->rsa_by);
	if (!(o->rbf_frac > 0.0) || !isfinite(o->rbf_frac))
		return ll_err_set(err, LL_EINVAL, "RBF bandwidth fraction %g must be > 0", o->rbf_frac);
	if (!(o->ci_level > 0.0 && o->ci_level < 1.0))
		return ll_err_set(err, LL_EINVAL, "interval level %g is not in (0, 1)", o->ci_level);
	if (o->permutations > 10000000 || o->bootstrap > 10000000)
		return ll_err_set(err, LL_EINVAL, "more than 10000000 permutations or resamples");
	return LL_OK;
}

/* ---- compute functions --------------------------------------------------------- */

#define OPTS_OR_DEFAULT(o)                          \
	ll_compare_opts def_;                       \
	if (!(o)) {                                 \
		ll_compare_opts_default(&def_);     \
		(o) = &def_;                        \
	}

static const char *nx_(const ll_compare_opts *o)
{
	return o && o->name_x ? o->name_x : "X";
}

static const char *ny_(const ll_compare_opts *o)
{
	return o && o->name_y ? o->name_y : "Y";
}

int ll_metric_cka(const double *X, size_t n, size_t p, const double *Y, size_t q,
		  const ll_compare_opts *o, double *value, ll_err *err)
{
	(void)o;
	return ll_cka_linear(X, n, p, Y, q, 0, LL_CKA_AUTO, value, err);
}

int ll_metric_cka_debiased(const double *X, size_t n, size_t p, const double *Y, size_t q,
			   const ll_compare_opts *o, double *value, ll_err *err)
{
	(void)o;
	return ll_cka_linear(X, n, p, Y, q, 1, LL_CKA_AUTO, value, err);
}

int ll_metric_cka_rbf(const double *X, size_t n, size_t p, const double *Y, size_t q,
		      const ll_compare_opts *o, double *value, ll_err *err)
{
	OPTS_OR_DEFAULT(o);
	*value = NAN;
	int rc = ll_sim_check_shape(n, p, 3, nx_(o), err);
	if (rc == LL_OK)
		rc = ll_sim_check_shape(n, q, 3, ny_(o), err);
	if (rc != LL_OK)
		return rc;
	double *K = ll_malloc_array(n * n, sizeof *K), *L = ll_malloc_array(n * n, sizeof *L);
	if (!K || !L)
		rc = ll_err_oom(err);
	if (rc == LL_OK)
		rc = ll_cka_gram_rbf(X, n, p, o->rbf_frac, nx_(o), K, err);
	if (rc == LL_OK)
		rc = ll_cka_gram_rbf(Y, n, q, o->rbf_frac, ny_(o), L, err);
	if (rc == LL_OK)
		rc = ll_cka_from_grams(K, L, n, 0, value, err);
	ll_free(K);
	ll_free(L);
	return rc;
}

int ll_metric_cca(const double *X, size_t n, size_t p, const double *Y, size_t q,
		  const ll_compare_opts *o, double *value, ll_err *err)
{
	(void)o;
	return ll_cca_mean(X, n, p, Y, q, value, err);
}

int ll_metric_svcca(const double *X, size_t n, size_t p, const double *Y, size_t q,
		    const ll_compare_opts *o, double *value, ll_err *err)
{
	OPTS_OR_DEFAULT(o);
	return ll_svcca(X, n, p, Y, q, o->svcca_keep, o->svcca_k, value, NULL, NULL, err);
}

int ll_metric_pwcca(const double *X, size_t n, size_t p, const double *Y, size_t q,
		    const ll_compare_opts *o, double *value, ll_err *err)
{
	(void)o;
	return ll_pwcca(X, n, p, Y, q, value, err);
}

int ll_metric_rsa(const double *X, size_t n, size_t p, const double *Y, size_t q,
		  const ll_compare_opts *o, double *value, ll_err *err)
{
	OPTS_OR_DEFAULT(o);
	*value = NAN;
	int rc = ll_sim_check_shape(n, p, 3, nx_(o), err);
	if (rc == LL_OK)
		rc = ll_sim_check_shape(n, q, 3, ny_(o), err);
	if (rc != LL_OK)
		return rc;
	size_t m = n * (n - 1) / 2;
	double *a = ll_malloc_array(m, sizeof *a), *b = ll_malloc_array(m, sizeof *b);
	if (!a || !b)
		rc = ll_err_oom(err);
	if (rc == LL_OK)
		rc = ll_rdm(X, n, p, o->rdm, nx_(o), a, err);
	if (rc == LL_OK)
		rc = ll_rdm(Y, n, q, o->rdm, ny_(o), b, err);
	if (rc == LL_OK)
		rc = ll_rsa_compare(a, b, m, o->rsa_by, value, err);
	ll_free(a);
	ll_free(b);
	return rc;
}

int ll_metric_procrustes(const double *X, size_t n, size_t p, const double *Y, size_t q,
			 const ll_compare_opts *o, double *value, ll_err *err)
{
	OPTS_OR_DEFAULT(o);
	return ll_shape(X, n, p, Y, q, o->alpha, NULL, value, err);
}

int ll_metric_angular(const double *X, size_t n, size_t p, const double *Y, size_t q,
		      const ll_compare_opts *o, double *value, ll_err *err)
{
	OPTS_OR_DEFAULT(o);
	return ll_shape(X, n, p, Y, q, o->alpha, value, NULL, err);
}

int ll_metric_match(const double *X, size_t n, size_t p, const double *Y, size_t q,
		    const ll_compare_opts *o, double *value, ll_err *err)
{
	(void)o;
	return ll_match_mean(X, n, p, Y, q, value, err);
}

/* ---- checking inputs ------------------------------------------------------------ */

typedef struct prepared {
	double *own;        /* a copy without the constant units, or NULL */
	const double *data; /* what to compare */
	size_t n, p;
	size_t dropped;
} prepared;

static void prepared_free(prepared *s)
{
	ll_free(s->own);
	memset(s, 0, sizeof *s);
}

static int prepare(const double *X, size_t n, size_t p, const char *name, size_t min_n,
		   int drop, prepared *out, ll_err *err)
{
	memset(out, 0, sizeof *out);
	if (n >= 3 && n < min_n)
		return ll_err_set(err, LL_ESHAPE,
				  "%s: %zu conditions (rows); cka-debiased needs at least %zu (leave it out with --metrics)",
				  name, n, min_n);
	int rc = ll_sim_check_shape(n, p, min_n, name, err);
	if (rc == LL_OK)
		rc = ll_sim_check_finite(X, n, p, name, err);
	if (rc != LL_OK)
		return rc;
	out->data = X;
	out->n = n;
	out->p = p;
	size_t c = ll_sim_constant_column(X, n, p);
	if (c == SIZE_MAX)
		return LL_OK;
	if (!drop)
		return ll_err_set(err, LL_ENUMERIC,
				  "%s: unit %zu (column %zu) is constant over the %zu conditions "
				  "(remove it, or use --drop-constant)", name, c, c, n);
	/* keep the varying units */
	unsigned char *keep = ll_malloc_array(p, 1);
	if (!keep)
		return ll_err_oom(err);
	size_t w = 0;
	for (size_t j = 0; j < p; j++) {
		size_t i = 1;
		while (i < n && X[i * p + j] == X[j])
			i++;
		keep[j] = i < n;
		w += keep[j];
	}
	if (w == 0) {
		ll_free(keep);
		return ll_err_set(err, LL_ENUMERIC, "%s: every unit is constant over the %zu conditions",
				  name, n);
	}
	double *C = ll_malloc_array(n * w, sizeof *C);
	if (!C) {
		ll_free(keep);
		return ll_err_oom(err);
	}
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		for (size_t j = 0; j < p; j++)
			if (keep[j])
				C[i * w + k++] = X[i * p + j];
	}
	ll_free(keep);
	out->own = C;
	out->data = C;
	out->p = w;
	out->dropped = p - w;
	return LL_OK;
}

/* ---- one pair ------------------------------------------------------------------ */

typedef struct work {
	ll_progress_fn fn;
	void *ud;
	double done, total;
	const char *metric;
} work;

static int step(work *w, double units, ll_err *err)
{
	w->done += units;
	if (!w->fn)
		return LL_OK;
	ll_progress pr = {"compare", w->total > 0 ? w->done / w->total : -1.0, w->metric};
	if (w->fn(w->ud, &pr))
		return ll_err_set(err, LL_ECANCELED, "compare: canceled");
	return LL_OK;
}

/* RSA by Pearson or Spearman under permuted conditions.  Permuting Y's
 * conditions only rearranges the entries of its RDM (and so of their
 * ranks, ties and all), leaving their mean and spread alone: both RDMs are
 * built, ranked and centred once, and each permutation is one pass over
 * the pairs instead of a new RDM and two sorts (about 50x at n = 500).
 * Rank ordering of the RDM entries: see ll_rdm (i < j, row by row). */
typedef struct rsa_fast {
	double *a, *b; /* centred X and Y RDM triangles (or their ranks) */
	double norm;   /* sqrt(sum a^2 sum b^2) */
	size_t n, m;
} rsa_fast;

static void rsa_fast_free(rsa_fast *f)
{
	ll_free(f->a);
	ll_free(f->b);
	memset(f, 0, sizeof *f);
}

static int rsa_fast_init(rsa_fast *f, const prepared *x, const prepared *y, const ll_compare_opts *o,
			 ll_err *err)
{
	size_t n = x->n, m = n * (n - 1) / 2;
	memset(f, 0, sizeof *f);
	f->n = n;
	f->m = m;
	f->a = ll_malloc_array(m, sizeof *f->a);
	f->b = ll_malloc_array(m, sizeof *f->b);
	double *t = ll_malloc_array(m, sizeof *t);
	int rc = (!f->a || !f->b || !t) ? ll_err_oom(err) : LL_OK;
	for (int side = 0; side < 2 && rc == LL_OK; side++) {
		const prepared *z = side ? y : x;
		double *out = side ? f->b : f->a;
		rc = ll_rdm(z->data, n, z->p, o->rdm, side ? ny_(o) : nx_(o), o->rsa_by == LL_RSA_SPEARMAN ? t : out,
			    err);
		if (rc == LL_OK && o->rsa_by == LL_RSA_SPEARMAN)
			rc = ll_rank_average(t, m, out, err);
		if (rc != LL_OK)
			break;
		double mu = 0;
		for (size_t k = 0; k < m; k++)
			mu += out[k];
		mu /= (double)m;
		for (size_t k = 0; k < m; k++)
			out[k] -= mu;
	}
	ll_free(t);
	if (rc != LL_OK) {
		rsa_fast_free(f);
		return rc;
	}
	double saa = 0, sbb = 0;
	for (size_t k = 0; k < m; k++) {
		saa += f->a[k] * f->a[k];
		sbb += f->b[k] * f->b[k];
	}
	f->norm = sqrt(saa * sbb);
	return LL_OK;
}

/* The correlation with Y's conditions in order idx. */
static double rsa_fast_value(const rsa_fast *f, const size_t *idx)
{
	size_t n = f->n, k = 0;
	double s = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			size_t u = idx[i], w = idx[j];
			if (u > w) {
				size_t t = u;
				u = w;
				w = t;
			}
			s += f->a[k++] * f->b[u * n - u * (u + 1) / 2 + (w - u - 1)];
		}
	double r = s / f->norm;
	return r > 1.0 ? 1.0 : (r < -1.0 ? -1.0 : r);
}

static int permutation_test(ll_metric m, const prepared *x, const prepared *y,
			    const ll_compare_opts *o, ll_metric_value *v, work *w, ll_err *err)
{
	size_t n = x->n, q = y->p, B = o->permutations;
	size_t *idx = ll_malloc_array(n, sizeof *idx);
	double *Yp = ll_malloc_array(n * q, sizeof *Yp);
	rsa_fast fast = {0};
	int use_fast = m == LL_M_RSA && o->rsa_by != LL_RSA_KENDALL;
	int rc = LL_OK;
	if (!idx || !Yp) {
		rc = ll_err_oom(err);
		goto out;
	}
	if (use_fast && (rc = rsa_fast_init(&fast, x, y, o, err)) != LL_OK)
		goto out;
	ll_rng g;
	ll_rng_init(&g, ll_seed_derive(o->seed, (uint64_t)m, 1));
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	size_t hits = 0;
	double tol = 1e-12 * (1.0 + fabs(v->value));
	int sim = ll_metric_kind_of(m) == LL_SIMILARITY;
	for (size_t b = 0; b < B; b++) {
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = (size_t)ll_rng_below(&g, i + 1), t = idx[i];
			idx[i] = idx[j];
			idx[j] = t;
		}
		double s;
		if (use_fast) {
			s = rsa_fast_value(&fast, idx);
		} else {
			for (size_t i = 0; i < n; i++)
				memcpy(Yp + i * q, y->data + idx[i] * q, q * sizeof *Yp);
			rc = metrics[m].fn(x->data, n, x->p, Yp, q, o, &s, err);
		}
		if (rc != LL_OK) {
			ll_err_prefix(err, "permutation %zu", b);
			goto out;
		}
		if (sim ? s >= v->value - tol : s <= v->value + tol)
			hits++;
		if ((b & 15) == 15 && (rc = step(w, 16.0, err)) != LL_OK)
			goto out;
	}
	v->nperm = B;
	v->pvalue = (1.0 + (double)hits) / (1.0 + (double)B);
out:
	rsa_fast_free(&fast);
	ll_free(idx);
	ll_free(Yp);
	return rc;
}

static int bootstrap_ci(ll_metric m, const prepared *x, const prepared *y,
			const ll_compare_opts *o, ll_metric_value *v, work *w, ll_err *err)
{
	size_t n = x->n, p = x->p, q = y->p, B = o->bootstrap;
	double *Xb = ll_malloc_array(n * p, sizeof *Xb), *Yb = ll_malloc_array(n * q, sizeof *Yb);
	double *vals = ll_malloc_array(B, sizeof *vals);
	int rc = LL_OK;
	if (!Xb || !Yb || !vals) {
		rc = ll_err_oom(err);
		goto out;
	}
	ll_rng g;
	ll_rng_init(&g, ll_seed_derive(o->seed, (uint64_t)m, 2));
	size_t ok = 0, failed = 0;
	ll_err e1;
	ll_err_clear(&e1);
	for (size_t b = 0; b < B; b++) {
		for (size_t i = 0; i < n; i++) {
			size_t j = (size_t)ll_rng_below(&g, n);
			memcpy(Xb + i * p, x->data + j * p, p * sizeof *Xb);
			memcpy(Yb + i * q, y->data + j * q, q * sizeof *Yb);
		}
		double s;
		ll_err eb;
		ll_err_clear(&eb);
		int r = metrics[m].fn(Xb, n, p, Yb, q, o, &s, &eb);
		if (r == LL_ENOMEM) {
			rc = ll_err_oom(err);
			goto out;
		}
		if (r == LL_OK && isfinite(s)) {
			vals[ok++] = s;
		} else {
			if (failed == 0)
				e1 = eb;
			failed++;
		}
		if ((b & 15) == 15 && (rc = step(w, 16.0, err)) != LL_OK)
			goto out;
	}
	v->nboot = ok;
	v->boot_failed = failed;
	if (ok < 2) {
		snprintf(v->note, sizeof v->note, "no interval: %zu of %zu resamples failed (%.120s)",
			 failed, B, e1.msg);
	} else {
		qsort(vals, ok, sizeof *vals, ll_cmp_double);
		double a = (1.0 - o->ci_level) / 2.0;
		v->ci_lo = ll_quantile_sorted(vals, ok, a);
		v->ci_hi = ll_quantile_sorted(vals, ok, 1.0 - a);
		if (failed)
			snprintf(v->note, sizeof v->note,
				 "%zu of %zu resamples left out (%.120s)", failed, B, e1.msg);
	}
out:
	ll_free(Xb);
	ll_free(Yb);
	ll_free(vals);
	return rc;
}

static void result_blank(ll_compare_result *res)
{
	memset(res, 0, sizeof *res);
	for (int m = 0; m < LL_NMETRICS; m++) {
		res->v[m].value = res->v[m].pvalue = NAN;
		res->v[m].ci_lo = res->v[m].ci_hi = NAN;
	}
}

int ll_compare_pair(const double *X, size_t nx, size_t p, const double *Y, size_t ny, size_t q,
		    unsigned set, const ll_compare_opts *o, ll_compare_result *res,
		    ll_progress_fn progress, void *ud, ll_err *err)
{
	result_blank(res);
	OPTS_OR_DEFAULT(o);
	int rc = ll_compare_opts_check(o, err);
	if (rc != LL_OK)
		return rc;
	if (set == 0 || (set & ~LL_METRICS_ALL))
		return ll_err_set(err, LL_EINVAL, "compare: no metric, or an unknown one, asked for");
	const char *nxs = nx_(o), *nys = ny_(o);
	if (nx != ny)
		return ll_err_set(err, LL_ESHAPE,
				  "%s has %zu conditions (rows) but %s has %zu: both need the same conditions in the same order",
				  nxs, nx, nys, ny);
	size_t min_n = (set & LL_METRIC_BIT(LL_M_CKA_DEBIASED)) ? 4 : 3;
	prepared x, y;
	memset(&y, 0, sizeof y);
	rc = prepare(X, nx, p, nxs, min_n, o->drop_constant, &x, err);
	if (rc == LL_OK)
		rc = prepare(Y, ny, q, nys, min_n, o->drop_constant, &y, err);
	if (rc != LL_OK) {
		prepared_free(&x);
		return rc;
	}
	work w = {progress, ud, 0.0, 0.0, NULL};
	for (int m = 0; m < LL_NMETRICS; m++)
		if (set & LL_METRIC_BIT(m))
			w.total += 1.0 + (double)o->permutations + (double)o->bootstrap;
	for (int m = 0; m < LL_NMETRICS && rc == LL_OK; m++) {
		if (!(set & LL_METRIC_BIT(m)))
			continue;
		ll_metric_value *v = &res->v[m];
		w.metric = metrics[m].name;
		if (m == LL_M_SVCCA) /* the same, and the directions kept */
			rc = ll_svcca(x.data, x.n, x.p, y.data, y.p, o->svcca_keep, o->svcca_k, &v->value,
				      &res->svcca_kx, &res->svcca_ky, err);
		else
			rc = metrics[m].fn(x.data, x.n, x.p, y.data, y.p, o, &v->value, err);
		if (rc == LL_OK && !isfinite(v->value))
			rc = ll_err_set(err, LL_ENUMERIC, "the value is not finite");
		if (rc != LL_OK) {
			ll_err_prefix(err, "%s", metrics[m].name);
			break;
		}
		if ((rc = step(&w, 1.0, err)) != LL_OK)
			break;
		if (o->permutations) {
			rc = permutation_test((ll_metric)m, &x, &y, o, v, &w, err);
			if (rc != LL_OK) {
				ll_err_prefix(err, "%s", metrics[m].name);
				break;
			}
		}
		if (o->bootstrap) {
			rc = bootstrap_ci((ll_metric)m, &x, &y, o, v, &w, err);
			if (rc != LL_OK) {
				ll_err_prefix(err, "%s", metrics[m].name);
				break;
			}
		}
	}
	if (rc == LL_OK) {
		res->metrics = set;
		res->n = x.n;
		res->p = x.p;
		res->q = y.p;
		res->dropped_x = x.dropped;
		res->dropped_y = y.dropped;
	} else {
		result_blank(res);
	}
	prepared_free(&x);
	prepared_free(&y);
	return rc;
}

/* ---- all pairs ----------------------------------------------------------------- */

int ll_compare_all(const ll_system *sys, size_t N, ll_metric m, const ll_compare_opts *o,
		   double *M, ll_progress_fn progress, void *ud, ll_err *err)
{
	for (size_t i = 0; i < N * N; i++)
		M[i] = NAN;
	OPTS_OR_DEFAULT(o);
	int rc = ll_compare_opts_check(o, err);
	if (rc != LL_OK)
		return rc;
	if (!valid_metric(m))
		return ll_err_set(err, LL_EINVAL, "compare: unknown metric %d", (int)m);
	if (N == 0)
		return LL_OK;
	prepared *ps = ll_calloc_array(N, sizeof *ps);
	char (*names)[64] = ll_calloc_array(N, sizeof *names);
	if (!ps || !names) {
		ll_free(ps);
		ll_free(names);
		return ll_err_oom(err);
	}
	size_t min_n = m == LL_M_CKA_DEBIASED ? 4 : 3;
	for (size_t a = 0; a < N && rc == LL_OK; a++) {
		if (sys[a].name)
			snprintf(names[a], sizeof names[a], "%s", sys[a].name);
		else
			snprintf(names[a], sizeof names[a], "system %zu", a);
		if (sys[a].n != sys[0].n) {
			rc = ll_err_set(err, LL_ESHAPE,
					"%s has %zu conditions (rows) but %s has %zu: all need the same conditions in the same order",
					names[a], sys[a].n, names[0], sys[0].n);
			break;
		}
		rc = prepare(sys[a].data, sys[a].n, sys[a].p, names[a], min_n, o->drop_constant, &ps[a], err);
	}
	size_t n = sys[0].n;
	if (rc == LL_OK && (m == LL_M_CKA || m == LL_M_CKA_DEBIASED)) {
		const double **d = ll_malloc_array(N, sizeof *d);
		size_t *pp = ll_malloc_array(N, sizeof *pp);
		if (!d || !pp) {
			rc = ll_err_oom(err);
		} else {
			for (size_t a = 0; a < N; a++) {
				d[a] = ps[a].data;
				pp[a] = ps[a].p;
			}
			rc = ll_cka_allpairs(d, pp, N, n, m == LL_M_CKA_DEBIASED, LL_CKA_AUTO, M,
					     progress, ud, err);
		}
		ll_free(d);
		ll_free(pp);
	} else if (rc == LL_OK) {
		size_t npairs = N * (N - 1) / 2, done = 0;
		size_t *pa = ll_malloc_array(npairs ? npairs : 1, sizeof *pa);
		size_t *pb = ll_malloc_array(npairs ? npairs : 1, sizeof *pb);
		if (!pa || !pb)
			rc = ll_err_oom(err);
		size_t k = 0;
		for (size_t a = 0; a < N && rc == LL_OK; a++)
			for (size_t b = a + 1; b < N; b++) {
				pa[k] = a;
				pb[k++] = b;
			}
		int nthr = openblas_get_num_threads();
		openblas_set_num_threads(1);
		const size_t chunk = 64;
		while (rc == LL_OK && done < npairs) {
			size_t end = done + chunk < npairs ? done + chunk : npairs;
			int first_rc = LL_OK;
			ll_err first_err;
			ll_err_clear(&first_err);
			size_t first_at = SIZE_MAX;
#pragma omp parallel for schedule(dynamic)
			for (size_t t = done; t < end; t++) {
				ll_err e;
				double v;
				size_t a = pa[t], b = pb[t];
				ll_compare_opts oo = *o;
				oo.name_x = names[a];
				oo.name_y = names[b];
				int r = metrics[m].fn(ps[a].data, n, ps[a].p, ps[b].data, ps[b].p, &oo, &v, &e);
				if (r == LL_OK && !isfinite(v))
					r = ll_err_set(&e, LL_ENUMERIC, "the value is not finite");
				if (r == LL_OK) {
					M[a * N + b] = M[b * N + a] = v;
				} else {
#pragma omp critical(ll_compare_all_err)
					if (t < first_at) {
						first_at = t;
						first_rc = r;
						first_err = e;
						ll_err_prefix(&first_err, "%s vs %s", names[a], names[b]);
					}
				}
			}
			if (first_rc != LL_OK) {
				rc = first_rc;
				if (err)
					*err = first_err;
				ll_err_prefix(err, "%s", metrics[m].name);
				break;
			}
			done = end;
			if (progress) {
				ll_progress pr = {"compare all pairs", (double)done / (double)npairs,
						  metrics[m].name};
				if (progress(ud, &pr))
					rc = ll_err_set(err, LL_ECANCELED, "compare: canceled");
			}
		}
		openblas_set_num_threads(nthr);
		ll_free(pa);
		ll_free(pb);
	}
	if (rc == LL_OK)
		for (size_t a = 0; a < N; a++)
			M[a * N + a] = metrics[m].kind == LL_SIMILARITY ? 1.0 : 0.0;
	else
		for (size_t i = 0; i < N * N; i++)
			M[i] = NAN;
	for (size_t a = 0; a < N; a++)
		prepared_free(&ps[a]);
	ll_free(ps);
	ll_free(names);
	return rc;
}
