/*
 * Similarity of CP models, component alignment and rank x replicate
 * ensembles.
 *
 * Components are matched with ll_hungarian (linalg/ll_hungarian.h).
 *
 * Ensembles.  The unit of parallel work is a rank (fused: all its
 * replicates in one ll_cp_fit_batch) or one replicate (not fused).  Units
 * run concurrently under OpenMP, largest rank first; inside a unit every
 * nested OpenMP region and OpenBLAS run on one thread, so each fit does the
 * same arithmetic whatever the thread count: results are bitwise identical
 * for any `threads`.  Results land in fixed slots, and errors are reported
 * for the first failing unit in (rank, replicate) order, so the outcome does
 * not depend on scheduling either.
 */
#include "tensor/ll_ens.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/ll_blas.h"
#include "base/ll_rng.h"
#include "base/ll_threads.h"
#include "linalg/ll_hungarian.h"


/* ---- names ---------------------------------------------------------------- */

static const char *const sim_names[] = {LL_SIMS(LL_ENUM_NAME)};
#define N_SIMS LL_ENUM_N(LL_SIMS)

const char *ll_sim_name(ll_sim_kind k)
{
	if ((int)k < 0 || (int)k >= N_SIMS)
		return "unknown";
	return sim_names[k];
}

/* Case-insensitive; '_' is accepted for '-'. */
int ll_sim_parse(const char *s, ll_sim_kind *k)
{
	int q = ll_name_lookup(sim_names, N_SIMS, s);
	if (q < 0 || !k)
		return LL_EINVAL;
	*k = (ll_sim_kind)q;
	return LL_OK;
}

/* ---- similarity ----------------------------------------------------------- */

/* Pairwise comparison of A's and B's components. */
typedef struct kt_cmp {
	size_t ra, rb;
	double *cos;   /* nmodes x ra x rb signed cosines */
	double *score; /* ra x rb pair scores */
	double *wb;    /* rb weights of B's components: |lambda| x column norms */
	size_t *perm;  /* ra: matched component of B, or SIZE_MAX */
	double sim;
} kt_cmp;

static void kt_cmp_free(kt_cmp *c)
{
	ll_free(c->cos);
	ll_free(c->score);
	ll_free(c->wb);
	ll_free(c->perm);
	memset(c, 0, sizeof *c);
}

/* Column 2-norms of U (d x R) into out (R). */
static void col_norms(const double *U, size_t d, size_t R, double *out)
{
	for (size_t r = 0; r < R; r++)
		out[r] = 0.0;
	for (size_t i = 0; i < d; i++)
		for (size_t r = 0; r < R; r++)
			out[r] += U[i * R + r] * U[i * R + r];
	for (size_t r = 0; r < R; r++)
		out[r] = sqrt(out[r]);
}

static int kt_compare(const ll_ktensor *A, const ll_ktensor *B, ll_sim_kind kind, kt_cmp *c,
		      ll_err *err)
{
	char sa[128], sb[128];
	memset(c, 0, sizeof *c);
	if (!A || !B || !A->lambda || !B->lambda)
		return ll_err_set(err, LL_EINVAL, "similarity: no model given");
	if ((int)kind < 0 || (int)kind >= N_SIMS)
		return ll_err_set(err, LL_EINVAL, "similarity: unknown score %d", (int)kind);
	int N = A->nmodes, same = A->nmodes == B->nmodes;
	for (int n = 0; same && n < N; n++)
		same = A->dim[n] == B->dim[n];
	if (!same) {
		ll_tensor ta = {0}, tb = {0};
		ta.nmodes = A->nmodes;
		tb.nmodes = B->nmodes;
		memcpy(ta.dim, A->dim, sizeof ta.dim);
		memcpy(tb.dim, B->dim, sizeof tb.dim);
		return ll_err_set(err, LL_ESHAPE, "similarity: models have different shapes %s and %s",
				  ll_tensor_shape_str(&ta, sa, sizeof sa),
				  ll_tensor_shape_str(&tb, sb, sizeof sb));
	}
	for (int q = 0; q < 2; q++) {
		const ll_ktensor *K = q ? B : A;
		for (size_t r = 0; r < K->rank; r++)
			if (!isfinite(K->lambda[r]))
				return ll_err_set(err, LL_ENUMERIC, "similarity: model %c has a non-finite weight",
						  q ? 'B' : 'A');
		for (int n = 0; n < N; n++)
			for (size_t i = 0; i < K->dim[n] * K->rank; i++)
				if (!isfinite(K->U[n][i]))
					return ll_err_set(err, LL_ENUMERIC,
							  "similarity: model %c has a non-finite entry in mode %d",
							  q ? 'B' : 'A', n);
	}
	size_t ra = A->rank, rb = B->rank, rab;
	if (!ll_mul_ok(ra, rb, &rab) || !ll_mul_ok(rab, (size_t)N, &rab))
		return ll_err_set(err, LL_ENOMEM, "similarity: ranks %zu and %zu overflow", ra, rb);
	c->ra = ra;
	c->rb = rb;
	c->cos = ll_malloc_array((size_t)N * ra, rb * sizeof(double));
	c->score = ll_malloc_array(ra, rb * sizeof(double));
	c->wb = ll_malloc_array(rb, sizeof(double));
	c->perm = ll_malloc_array(ra, sizeof(size_t));
	double *na = ll_malloc_array(ra, sizeof(double)), *nb = ll_malloc_array(rb, sizeof(double));
	double *wa = ll_malloc_array(ra, sizeof(double)), *cost = ll_malloc_array(ra, rb * sizeof(double));
	int rc = LL_OK;
	if (!c->cos || !c->score || !c->wb || !c->perm || !na || !nb || !wa || !cost) {
		rc = ll_err_set(err, LL_ENOMEM, "similarity: out of memory for ranks %zu and %zu", ra, rb);
		goto out;
	}
	for (size_t a = 0; a < ra; a++)
		wa[a] = fabs(A->lambda[a]);
	for (size_t b = 0; b < rb; b++)
		c->wb[b] = fabs(B->lambda[b]);
	for (int n = 0; n < N; n++) {
		const double *UA = A->U[n], *UB = B->U[n];
		double *C = c->cos + (size_t)n * ra * rb;
		size_t d = A->dim[n];
		col_norms(UA, d, ra, na);
		col_norms(UB, d, rb, nb);
		for (size_t a = 0; a < ra; a++)
			wa[a] *= na[a];
		for (size_t b = 0; b < rb; b++)
			c->wb[b] *= nb[b];
		for (size_t k = 0; k < ra * rb; k++)
			C[k] = 0.0;
		for (size_t i = 0; i < d; i++)
			for (size_t a = 0; a < ra; a++) {
				double x = UA[i * ra + a];
				for (size_t b = 0; b < rb; b++)
					C[a * rb + b] += x * UB[i * rb + b];
			}
		for (size_t a = 0; a < ra; a++)
			for (size_t b = 0; b < rb; b++) {
				double den = na[a] * nb[b], *x = &C[a * rb + b];
				/* a zero column matches nothing */
				*x = den > 0.0 ? *x / den : 0.0;
				if (*x > 1.0)
					*x = 1.0;
				else if (*x < -1.0)
					*x = -1.0;
			}
	}
	for (size_t a = 0; a < ra; a++)
		for (size_t b = 0; b < rb; b++) {
			double s = kind == LL_SIM_MEANCOS ? 0.0 : 1.0;
			for (int n = 0; n < N; n++) {
				double x = fabs(c->cos[((size_t)n * ra + a) * rb + b]);
				if (kind == LL_SIM_MEANCOS)
					s += x;
				else
					s *= x;
			}
			if (kind == LL_SIM_MEANCOS) {
				s /= N;
			} else if (kind == LL_SIM_TOMASI_BRO) {
				double mx = wa[a] > c->wb[b] ? wa[a] : c->wb[b];
				/* two zero weights agree */
				s *= mx > 0.0 ? 1.0 - fabs(wa[a] - c->wb[b]) / mx : 1.0;
			}
			if (!isfinite(s)) {
				rc = ll_err_set(err, LL_ENUMERIC,
						"similarity: component %zu vs %zu scores %g (NaN/Inf in a model?)",
						a, b, s);
				goto out;
			}
			c->score[a * rb + b] = s;
			cost[a * rb + b] = -s; /* maximise the summed score */
		}
	rc = ll_hungarian(cost, ra, rb, c->perm, err);
	if (rc != LL_OK)
		goto out;
	double sum = 0.0;
	for (size_t a = 0; a < ra; a++)
		if (c->perm[a] != SIZE_MAX)
			sum += c->score[a * rb + c->perm[a]];
	c->sim = sum / (double)(ra > rb ? ra : rb);
out:
	ll_free(na);
	ll_free(nb);
	ll_free(wa);
	ll_free(cost);
	if (rc != LL_OK)
		kt_cmp_free(c);
	return rc;
}

int ll_kt_similarity(const ll_ktensor *A, const ll_ktensor *B, ll_sim_kind kind, double *sim,
		     size_t *perm, ll_err *err)
{
	kt_cmp c;
	int rc = kt_compare(A, B, kind, &c, err);
	if (rc != LL_OK)
		return rc;
	if (sim)
		*sim = c.sim;
	if (perm)
		memcpy(perm, c.perm, c.ra * sizeof *perm);
	kt_cmp_free(&c);
	return LL_OK;
}

int ll_kt_align(const ll_ktensor *A, ll_ktensor *B, ll_sim_kind kind, ll_err *err)
{
	kt_cmp c;
	int rc = kt_compare(A, B, kind, &c, err);
	if (rc != LL_OK)
		return rc;
	size_t ra = c.ra, rb = c.rb, R = B->rank, nord = 0;
	int N = B->nmodes;
	size_t *order = ll_malloc_array(rb, sizeof *order);
	unsigned char *matched = ll_calloc_array(rb, 1);
	if (!order || !matched) {
		rc = ll_err_set(err, LL_ENOMEM, "align: out of memory for rank %zu", rb);
		goto out;
	}
	/* Sign flips: turn every negative cosine positive, but always an even
	 * number per component so the model is unchanged; with an odd count
	 * the mode that agrees least (smallest |cos|) keeps the odd sign. */
	for (size_t a = 0; a < ra; a++) {
		size_t b = c.perm[a];
		if (b == SIZE_MAX)
			continue;
		int flip[LL_MAX_MODES], nflip = 0, weakest = 0;
		for (int n = 0; n < N; n++) {
			double x = c.cos[((size_t)n * ra + a) * rb + b];
			flip[n] = x < 0.0;
			nflip += flip[n];
			if (fabs(x) < fabs(c.cos[((size_t)weakest * ra + a) * rb + b]))
				weakest = n;
		}
		if (nflip % 2)
			flip[weakest] = !flip[weakest];
		for (int n = 0; n < N; n++)
			if (flip[n])
				for (size_t i = 0; i < B->dim[n]; i++)
					B->U[n][i * R + b] = -B->U[n][i * R + b];
		order[nord++] = b; /* matched: in A's component order */
		matched[b] = 1;
	}
	/* the rest by weight, heaviest first (stable) */
	size_t first_rest = nord;
	for (size_t b = 0; b < rb; b++) {
		if (matched[b])
			continue;
		size_t k = nord++;
		while (k > first_rest && c.wb[order[k - 1]] < c.wb[b]) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = b;
	}
	rc = ll_ktensor_permute(B, order, err);
out:
	ll_free(order);
	ll_free(matched);
	kt_cmp_free(&c);
	return rc;
}

/* ---- ensembles ------------------------------------------------------------ */

void ll_ens_opts_default(ll_ens_opts *o)
{
	memset(o, 0, sizeof *o);
	/* tensortools' documented example: ranks 1..8, 4 replicates */
	o->rank_lo = 1;
	o->rank_hi = 8;
	o->replicates = 4;
	o->seed = 0;
	ll_cp_opts_default(&o->cp);
	o->sim = LL_SIM_MEANCOS;
	o->fused = 1;
	o->threads = 0;
}

struct ens_shared;

typedef struct ens_unit {
	struct ens_shared *sh;
	size_t ri;      /* index into e->ranks */
	size_t rank;
	size_t rep0;    /* first replicate slot */
	size_t count;   /* replicates in this unit */
	double weight;  /* relative cost, for the progress fraction */
	double frac;    /* 0..1 done */
	double seconds;
	int rc;
	ll_err err;
} ens_unit;

typedef struct ens_shared {
	ens_unit *units;
	size_t nunits;
	double total_w;
	int cancel;         /* the caller asked to stop */
	int failed;         /* a fit failed: the others stop too, the whole fit fails */
	int fused;
	ll_progress_fn progress;
	void *ud;
} ens_shared;

/* Call the user's callback with the overall fraction; sets sh->cancel when
 * asked to stop.  Callers hold the ll_ens_progress critical section. */
static void report(ens_shared *sh, const ens_unit *u, const char *detail)
{
	char stage[48];
	double done = 0.0;
	for (size_t q = 0; q < sh->nunits; q++)
		done += sh->units[q].weight * sh->units[q].frac;
	snprintf(stage, sizeof stage, "rank %zu", u->rank);
	ll_progress p = {stage, sh->total_w > 0 ? done / sh->total_w : 0.0, detail};
	if (sh->progress(sh->ud, &p) != 0)
		sh->cancel = 1;
}

static int unit_progress(void *ud, const ll_progress *p)
{
	ens_unit *u = ud;
	ens_shared *sh = u->sh;
	int stop;
#ifdef _OPENMP
#pragma omp critical(ll_ens_progress)
#endif
	{
		double f = p->frac;
		u->frac = f > 1.0 ? 1.0 : f < 0.0 ? 0.0 : f;
		if (!sh->cancel && sh->progress) {
			char d[200];
			if (!sh->fused)
				snprintf(d, sizeof d, "replicate %zu: %s", u->rep0 + 1,
					 p->detail ? p->detail : "");
			else
				snprintf(d, sizeof d, "%s", p->detail ? p->detail : "");
			report(sh, u, d);
		}
		stop = sh->cancel || sh->failed;
	}
	return stop;
}

static void run_unit(const ll_tensor *X, const ll_ens_opts *o, const uint64_t *seeds,
		     ll_ensemble *e, ens_unit *u)
{
	ens_shared *sh = u->sh;
	int stop;
#ifdef _OPENMP
#pragma omp critical(ll_ens_progress)
#endif
	stop = sh->cancel || sh->failed;
	if (stop) {
		u->rc = LL_ECANCELED;
		ll_err_set(&u->err, LL_ECANCELED, "canceled");
		return;
	}
	ll_cp_opts co = o->cp;
	co.rank = u->rank;
	co.rep_first = u->rep0;
	/* per-iteration reports only when someone listens */
	co.progress = sh->progress ? unit_progress : NULL;
	co.progress_ud = u;
	ll_cp_result *res = e->ranks[u->ri].fits + u->rep0;
	const uint64_t *sd = seeds + u->ri * o->replicates + u->rep0;
	double t0 = ll_now();
	if (u->count == 1)
		u->rc = ll_cp_fit(X, &co, sd[0], res, &u->err);
	else
		u->rc = ll_cp_fit_batch(X, &co, u->count, sd, res, &u->err);
	u->seconds = ll_now() - t0;
#ifdef _OPENMP
#pragma omp critical(ll_ens_progress)
#endif
	{
		u->frac = 1.0;
		/* one fit failing fails the ensemble: spare the others' time */
		if (u->rc != LL_OK && u->rc != LL_ECANCELED)
			sh->failed = 1;
		if (u->rc == LL_OK && !sh->cancel && sh->progress)
			report(sh, u, "done");
	}
}

/* Fit units[order[0..nq-1]].  The thread layout (how many units at once,
 * how many threads each unit's MTTKRP gets) follows the whole plan of
 * nunits units, not the nq fitted here: a unit fitted alone (a shard of
 * the ensemble) then runs exactly as it does in the whole run, and the
 * MTTKRP's sums, whose order depends on its thread count, give the same
 * bits. */
static void run_units(const ll_tensor *X, const ll_ens_opts *o, const uint64_t *seeds,
		      ll_ensemble *e, ens_unit *units, const size_t *order, size_t nq, size_t nunits)
{
#ifdef _OPENMP
	int total = ll_threads_resolve(o->threads), nth = total;
	if ((size_t)nth > nunits)
		nth = (int)nunits;
	/* fewer units than threads (one fused rank): the spare threads go to
	 * each unit's MTTKRP instead of idling */
	int inner = total / nth > 1 ? total / nth : 1;
	int blas = openblas_get_num_threads();
	openblas_set_num_threads(1);
#pragma omp parallel num_threads(nth)
	{
		/* this task's nested regions (the MTTKRP) */
		omp_set_num_threads(inner);
#pragma omp for schedule(dynamic, 1)
		for (size_t q = 0; q < nq; q++)
			run_unit(X, o, seeds, e, &units[order[q]]);
	}
	openblas_set_num_threads(blas);
#else
	(void)nunits;
	int blas = openblas_get_num_threads();
	openblas_set_num_threads(1);
	for (size_t q = 0; q < nq; q++)
		run_unit(X, o, seeds, e, &units[order[q]]);
	openblas_set_num_threads(blas);
#endif
}

/* What a fit minimised (obj_pen: the error, the penalised objective, or
 * cp-apr's relative deviance; obj for results made by hand).  Fits are
 * ranked and judged at the best optimum by it. */
static double fit_key(const ll_cp_result *f)
{
	return f->obj_pen > 0.0 ? f->obj_pen : f->obj;
}

/* Sort fits by objective, best first; ties keep replicate order. */
static void sort_fits(ll_cp_result *f, size_t n)
{
	for (size_t a = 1; a < n; a++) {
		ll_cp_result x = f[a];
		size_t b = a;
		while (b > 0 && fit_key(&f[b - 1]) > fit_key(&x)) {
			f[b] = f[b - 1];
			b--;
		}
		f[b] = x;
	}
}

/* Sort each rank's fits, align each rank's best to the best of the rank
 * below and every fit to its rank's best, and score them. */
static int finish_fits(ll_ensemble *e, ll_err *err)
{
	int rc;
	for (size_t ri = 0; ri < e->nranks; ri++) {
		ll_ens_rank *er = &e->ranks[ri];
		sort_fits(er->fits, er->nrep);
		if (ri > 0) {
			rc = ll_kt_align(&e->ranks[ri - 1].fits[0].K, &er->fits[0].K, e->sim, err);
			if (rc != LL_OK)
				return rc;
		}
		er->sim[0] = 1.0;
		for (size_t k = 1; k < er->nrep; k++) {
			rc = ll_kt_similarity(&er->fits[0].K, &er->fits[k].K, e->sim, &er->sim[k], NULL,
					      err);
			if (rc == LL_OK)
				rc = ll_kt_align(&er->fits[0].K, &er->fits[k].K, e->sim, err);
			if (rc != LL_OK)
				return rc;
		}
	}
	return LL_OK;
}

static int ens_fit_core(const ll_tensor *X, const ll_ens_opts *o, ll_ensemble *e, ll_err *err)
{
	if (e)
		memset(e, 0, sizeof *e);
	if (!X || !o || !e)
		return ll_err_set(err, LL_EINVAL, "ensemble: no data, options or output");
	if (o->rank_lo < 1)
		return ll_err_set(err, LL_EINVAL, "ensemble: the lowest rank must be at least 1");
	if (o->rank_hi < o->rank_lo)
		return ll_err_set(err, LL_EINVAL, "ensemble: rank range %zu-%zu is empty", o->rank_lo,
				  o->rank_hi);
	if (o->replicates < 1)
		return ll_err_set(err, LL_EINVAL, "ensemble: replicates must be at least 1");
	if ((int)o->sim < 0 || (int)o->sim >= N_SIMS)
		return ll_err_set(err, LL_EINVAL, "ensemble: unknown similarity score %d", (int)o->sim);
	if (o->threads < 0)
		return ll_err_set(err, LL_EINVAL, "ensemble: threads must be 0 (all) or more (got %d)",
				  o->threads);
	if (o->cv_folds == 1 || o->cv_folds > LL_ENS_CV_MAX_FOLDS)
		return ll_err_set(err, LL_EINVAL,
				  "ensemble: cross-validation needs 2 to %d folds (got %zu)",
				  LL_ENS_CV_MAX_FOLDS, o->cv_folds);
	/* the largest rank is the strictest check; everything else in it is
	 * rank-independent */
	ll_cp_opts co = o->cp;
	co.rank = o->rank_hi;
	int rc = ll_cp_check(X, &co, err);
	if (rc != LL_OK)
		return rc;

	double t0 = ll_now();
	size_t nranks = o->rank_hi - o->rank_lo + 1, nrep = o->replicates, nfits;
	if (!ll_mul_ok(nranks, nrep, &nfits))
		return ll_err_set(err, LL_ENOMEM, "ensemble: %zu ranks x %zu replicates overflow",
				  nranks, nrep);
	size_t nunits = o->fused ? nranks : nfits;
	uint64_t *seeds = ll_malloc_array(nfits, sizeof *seeds);
	ens_unit *units = ll_calloc_array(nunits, sizeof *units);
	size_t *order = ll_malloc_array(nunits, sizeof *order);
	e->ranks = ll_calloc_array(nranks, sizeof *e->ranks);
	if (!seeds || !units || !order || !e->ranks) {
		rc = ll_err_set(err, LL_ENOMEM, "ensemble: out of memory");
		goto fail;
	}
	e->nranks = nranks;
	e->sim = o->sim;
	e->method = o->cp.method;
	e->opts = *o;
	e->opts.threads = ll_threads_resolve(o->threads);
	e->opts.progress = NULL;
	e->opts.progress_ud = NULL;
	e->opts.cp.mask = NULL;
	e->warm_start = o->cp.init_model != NULL;
	e->opts.cp.init_model = NULL;
	e->opts.cp.progress = NULL;
	e->opts.cp.progress_ud = NULL;
	e->opts.cp.tamper = NULL;
	e->opts.cp.tamper_ud = NULL;
	e->opts.want = NULL;
	e->opts.want_ud = NULL;
	e->partial = o->want != NULL;
	e->nmodes = X->nmodes;
	memcpy(e->dim, X->dim, sizeof e->dim);
	e->single = X->data == NULL;
	{
		double nx2 = 0.0;
		const ll_tensor *W = o->cp.mask;
		for (size_t i = 0; i < X->size; i++) {
			double x = ll_tensor_at(X, i);
			if (isnan(x) || (W && W->data[i] == 0.0))
				e->nmissing++;
			else
				nx2 += x * x;
		}
		e->data_norm = sqrt(nx2);
	}
	for (size_t ri = 0; ri < nranks; ri++) {
		ll_ens_rank *er = &e->ranks[ri];
		er->rank = o->rank_lo + ri;
		er->nrep = nrep;
		er->fits = ll_calloc_array(nrep, sizeof *er->fits);
		er->sim = ll_calloc_array(nrep, sizeof *er->sim);
		if (!er->fits || !er->sim) {
			rc = ll_err_set(err, LL_ENOMEM, "ensemble: out of memory");
			goto fail;
		}
		for (size_t k = 0; k < nrep; k++)
			seeds[ri * nrep + k] = ll_seed_derive(o->seed, er->rank, k);
	}

	ens_shared sh = {.units = units, .nunits = nunits, .fused = o->fused != 0, .progress = o->progress,
			 .ud = o->progress_ud};
	for (size_t q = 0; q < nunits; q++) {
		ens_unit *u = &units[q];
		u->sh = &sh;
		u->ri = o->fused ? q : q / nrep;
		u->rank = o->rank_lo + u->ri;
		u->rep0 = o->fused ? 0 : q % nrep;
		u->count = o->fused ? nrep : 1;
		/* another shard's units take no share of the progress */
		u->weight = o->want && !o->want(o->want_ud, q) ? 0.0 : (double)u->rank * (double)u->count;
		sh.total_w += u->weight;
	}
	/* largest ranks first: they take longest; only the wanted units */
	size_t nq = 0;
	for (size_t q = nunits; q-- > 0;)
		if (!o->want || o->want(o->want_ud, q))
			order[nq++] = q;
	run_units(X, o, seeds, e, units, order, nq, nunits);

	/* the first real failure (the fits stopped because of it say
	 * LL_ECANCELED), or the cancel */
	ens_unit *bad = NULL;
	for (size_t q = 0; q < nunits; q++)
		if (units[q].rc != LL_OK && (!bad || (bad->rc == LL_ECANCELED && units[q].rc != LL_ECANCELED)))
			bad = &units[q];
	if (bad) {
		ens_unit *u = bad;
		if (sh.cancel) {
			rc = ll_err_set(err, LL_ECANCELED, "ensemble: canceled");
		} else {
			/* the fit's message names its method, rank and replicate */
			rc = ll_err_set(err, u->rc, "%s", u->err.msg);
		}
		goto fail;
	}
	for (size_t q = 0; q < nunits; q++)
		e->ranks[units[q].ri].seconds += units[q].seconds;
	if (!e->partial && (rc = finish_fits(e, err)) != LL_OK)
		goto fail;
	e->seconds = ll_now() - t0;
	ll_free(seeds);
	ll_free(units);
	ll_free(order);
	return LL_OK;
fail:
	ll_free(seeds);
	ll_free(units);
	ll_free(order);
	ll_ens_free(e);
	return rc;
}

void ll_ens_free(ll_ensemble *e)
{
	if (!e)
		return;
	if (e->ranks)
		for (size_t ri = 0; ri < e->nranks; ri++) {
			ll_ens_rank *er = &e->ranks[ri];
			if (er->fits)
				for (size_t k = 0; k < er->nrep; k++)
					ll_cp_result_free(&er->fits[k]);
			ll_free(er->fits);
			ll_free(er->sim);
			ll_free(er->cv_test);
			ll_free(er->cv_train);
		}
	ll_free(e->ranks);
	memset(e, 0, sizeof *e);
}

const ll_ens_rank *ll_ens_get(const ll_ensemble *e, size_t rank)
{
	if (!e || !e->ranks)
		return NULL;
	for (size_t ri = 0; ri < e->nranks; ri++)
		if (e->ranks[ri].rank == rank)
			return &e->ranks[ri];
	return NULL;
}

/* ---- summaries ------------------------------------------------------------ */

const char *ll_sim_describe(ll_sim_kind k)
{
	switch (k) {
	case LL_SIM_MEANCOS:
		return "mean over modes of |cos| between matched components (tensortools kruskal_align); lambda ignored";
	case LL_SIM_TOMASI_BRO:
		return "product over modes of |cos| times 1-|la-lb|/max(la,lb) (Tensor Toolbox score)";
	case LL_SIM_CONGRUENCE:
		return "product over modes of |cos| (TensorLy congruence coefficient); lambda ignored";
	}
	return "unknown";
}

static double median_of(double *v, size_t n)
{
	qsort(v, n, sizeof *v, ll_cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int ll_ens_rank_stats(const ll_ens_rank *r, ll_ens_stats *st, ll_err *err)
{
	if (!r || !st || r->nrep == 0 || !r->fits || !r->sim)
		return ll_err_set(err, LL_EINVAL, "ensemble stats: no fits");
	size_t n = r->nrep;
	double *v = ll_malloc_array(n, sizeof *v);
	if (!v)
		return ll_err_set(err, LL_ENOMEM, "ensemble stats: out of memory");
	double best = INFINITY, worst = -INFINITY;
	for (size_t k = 0; k < n; k++) {
		v[k] = r->fits[k].obj;
		best = fmin(best, v[k]);
		worst = fmax(worst, v[k]);
	}
	st->best = best;
	st->worst = worst;
	st->median = median_of(v, n);
	for (size_t k = 0; k < n; k++)
		v[k] = r->fits[k].iters;
	st->median_iters = median_of(v, n);
	ll_free(v);
	st->at_best = 0;
	for (size_t k = 0; k < n; k++)
		st->at_best += (size_t)ll_ens_at_best(r, k);
	st->frac_at_best = (double)st->at_best / (double)n;
	st->mean_sim = st->min_sim = NAN;
	if (n > 1) {
		double s = 0.0, m = INFINITY;
		for (size_t k = 1; k < n; k++) {
			s += r->sim[k];
			m = fmin(m, r->sim[k]);
		}
		st->mean_sim = s / (double)(n - 1);
		st->min_sim = m;
	}
	return LL_OK;
}

int ll_ens_at_best(const ll_ens_rank *r, size_t k)
{
	if (!r || !r->fits || k >= r->nrep)
		return 0;
	double best = INFINITY;
	for (size_t q = 0; q < r->nrep; q++)
		best = fmin(best, fit_key(&r->fits[q]));
	return fit_key(&r->fits[k]) <= best + LL_ENS_AT_BEST_TOL;
}

/* ---- cross-validation ------------------------------------------------------ */

/* Progress of one part of the work (the main fit, or a fold) as a share
 * of the whole: frac maps to base + scale * frac, the stage gets a
 * prefix.  Calls come one at a time (ll_ens_fit's critical section). */
typedef struct cv_fwd {
	ll_progress_fn fn;
	void *ud;
	double base, scale;
	char prefix[64];
	char stage[128];
} cv_fwd;

static int cv_progress(void *ud, const ll_progress *p)
{
	cv_fwd *f = ud;
	snprintf(f->stage, sizeof f->stage, "%s%s", f->prefix, p->stage ? p->stage : "");
	ll_progress q = {f->stage, f->base + f->scale * p->frac, p->detail};
	return f->fn(f->ud, &q);
}

/* ||H.(X - M)|| / ||H.X|| over the entries of fold k (fold[i] == k) */
static double heldout_error(const ll_tensor *X, const uint8_t *fold, uint8_t k, const ll_tensor *M)
{
	double num = 0.0, den = 0.0;
	for (size_t i = 0; i < X->size; i++)
		if (fold[i] == k) {
			double d = X->data[i] - M->data[i];
			num += d * d;
			den += X->data[i] * X->data[i];
		}
	return den > 0.0 ? sqrt(num / den) : NAN;
}

/* Fits per rank and fold: as asked, else the replicates up to
 * LL_ENS_CV_REPLICATES.  Only the best fold fit is scored, and most fits
 * reach the best optimum (issue 16), so a couple of starts suffice, and
 * cross-validating costs a few plain fits, not K times their number. */
static size_t cv_reps(const ll_ens_opts *o)
{
	if (o->cv_replicates)
		return o->cv_replicates;
	return o->replicates < LL_ENS_CV_REPLICATES ? o->replicates : LL_ENS_CV_REPLICATES;
}

/* The mean held-out and training errors over the folds, and the
 * standard error of the held-out one. */
static void cv_means(ll_ensemble *e)
{
	size_t K = e->cv_folds;
	for (size_t ri = 0; ri < e->nranks; ri++) {
		ll_ens_rank *er = &e->ranks[ri];
		double m = 0.0, mt = 0.0, v = 0.0;
		for (size_t k = 0; k < K; k++) {
			m += er->cv_test[k] / (double)K;
			mt += er->cv_train[k] / (double)K;
		}
		for (size_t k = 0; k < K; k++)
			v += (er->cv_test[k] - m) * (er->cv_test[k] - m) / (double)(K - 1);
		er->cv_test_mean = m;
		er->cv_train_mean = mt;
		er->cv_test_se = sqrt(v / (double)K);
	}
}

/* Deal the observed entries into folds (fold[i] = 255: missing) and fit
 * every fold; results into e->ranks[].cv_*. */
static int ens_cv(const ll_tensor *X, const ll_ens_opts *o, ll_ensemble *e, double w0, double wf,
		  ll_err *err)
{
	size_t K = o->cv_folds, nranks = e->nranks;
	const ll_tensor *W = o->cp.mask;
	uint8_t *fold = ll_malloc_array(X->size, 1);
	size_t *cnt = ll_calloc_array(K, sizeof *cnt);
	ll_tensor Wk = {0}, M = {0};
	int rc = LL_OK;
	if (!fold || !cnt) {
		rc = ll_err_set(err, LL_ENOMEM, "cross-validation: out of memory");
		goto out;
	}
	for (size_t ri = 0; ri < nranks; ri++) {
		ll_ens_rank *er = &e->ranks[ri];
		er->cv_test = ll_malloc_array(K, sizeof(double));
		er->cv_train = ll_malloc_array(K, sizeof(double));
		if (!er->cv_test || !er->cv_train) {
			rc = ll_err_set(err, LL_ENOMEM, "cross-validation: out of memory");
			goto out;
		}
	}
	e->cv_folds = K;
	e->cv_seed = ll_seed_derive(o->seed, 0x6376, K); /* "cv" */
	ll_rng rng;
	ll_rng_init(&rng, e->cv_seed);
	for (size_t i = 0; i < X->size; i++) {
		if (isnan(X->data[i]) || (W && W->data[i] == 0.0)) {
			fold[i] = 255;
			continue;
		}
		fold[i] = (uint8_t)ll_rng_below(&rng, K);
		cnt[fold[i]]++;
	}
	for (size_t k = 0; k < K; k++)
		if (cnt[k] == 0) {
			rc = ll_err_set(err, LL_EINVAL,
					"cross-validation: fold %zu of %zu holds no entry: too few observed entries for %zu folds",
					k + 1, K, K);
			goto out;
		}
	if ((rc = ll_tensor_init(&Wk, X->nmodes, X->dim, err)) != LL_OK)
		goto out;
	double t0 = ll_now();
	size_t nmain = ll_ens_nunits(o) - K;
	for (size_t k = 0; k < K; k++) {
		if (o->want && !o->want(o->want_ud, nmain + k)) {
			/* another shard's fold */
			for (size_t ri = 0; ri < nranks; ri++)
				e->ranks[ri].cv_test[k] = e->ranks[ri].cv_train[k] = NAN;
			continue;
		}
		for (size_t i = 0; i < X->size; i++)
			Wk.data[i] = fold[i] != 255 && fold[i] != (uint8_t)k ? 1.0 : 0.0;
		ll_ens_opts fo = *o;
		fo.cv_folds = 0;
		fo.want = NULL; /* a fold is one unit: all of it */
		fo.want_ud = NULL;
		fo.replicates = cv_reps(o);
		fo.seed = ll_seed_derive(e->cv_seed, 1 + k, 0);
		fo.cp.mask = &Wk;
		cv_fwd fw = {o->progress, o->progress_ud, w0 + wf * (double)k, wf, "", ""};
		snprintf(fw.prefix, sizeof fw.prefix, "cv fold %zu/%zu, ", k + 1, K);
		if (o->progress) {
			fo.progress = cv_progress;
			fo.progress_ud = &fw;
		}
		ll_ensemble fe;
		rc = ens_fit_core(X, &fo, &fe, err);
		if (rc != LL_OK) {
			if (rc != LL_ECANCELED)
				ll_err_prefix(err, "cross-validation fold %zu of %zu", k + 1, K);
			goto out;
		}
		for (size_t ri = 0; ri < nranks && rc == LL_OK; ri++) {
			const ll_cp_result *b = &fe.ranks[ri].fits[0]; /* the lowest training error */
			rc = ll_ktensor_full(&b->K, &M, err);
			if (rc == LL_OK) {
				e->ranks[ri].cv_train[k] = b->obj;
				e->ranks[ri].cv_test[k] = heldout_error(X, fold, (uint8_t)k, &M);
			}
			ll_tensor_free(&M);
		}
		ll_ens_free(&fe);
		if (rc != LL_OK)
			goto out;
	}
	if (!e->partial)
		cv_means(e);
	e->cv_seconds = ll_now() - t0;
out:
	ll_free(fold);
	ll_free(cnt);
	ll_tensor_free(&Wk);
	return rc;
}

int ll_ens_fit(const ll_tensor *X, const ll_ens_opts *o, ll_ensemble *e, ll_err *err)
{
	if (!o)
		return ens_fit_core(X, o, e, err);
	if (X && !X->data && X->fdata && o->cv_folds > 0) {
		/* the folds are fitted as masked data, which single precision
		 * does not support */
		if (e)
			memset(e, 0, sizeof *e);
		return ll_err_set(err, LL_ENOTSUP, "ensemble: single precision does not support "
				  "cross-validation (held-out entries are missing data): use double precision");
	}
	ll_ens_opts mo = *o;
	mo.cv_folds = 0;
	double w0 = 1.0, wf = 0.0;
	cv_fwd fw = {o->progress, o->progress_ud, 0.0, 1.0, "", ""};
	if (o->cv_folds > 0) {
		size_t cvr = cv_reps(o);
		double tot = 1.0 + (double)o->cv_folds * (double)cvr / (double)(o->replicates ? o->replicates : 1);
		w0 = 1.0 / tot;
		wf = (1.0 - w0) / (double)o->cv_folds;
		fw.scale = w0;
		if (o->progress) {
			mo.progress = cv_progress;
			mo.progress_ud = &fw;
		}
		if (o->cv_folds == 1 || o->cv_folds > LL_ENS_CV_MAX_FOLDS) {
			if (e)
				memset(e, 0, sizeof *e);
			return ll_err_set(err, LL_EINVAL,
					  "ensemble: cross-validation needs 2 to %d folds (got %zu)",
					  LL_ENS_CV_MAX_FOLDS, o->cv_folds);
		}
	}
	int rc = ens_fit_core(X, &mo, e, err);
	if (rc != LL_OK)
		return rc;
	e->opts.cv_folds = o->cv_folds;
	e->opts.cv_replicates = o->cv_folds ? cv_reps(o) : o->cv_replicates;
	for (size_t ri = 0; ri < e->nranks; ri++)
		e->ranks[ri].cv_test_mean = e->ranks[ri].cv_test_se = e->ranks[ri].cv_train_mean = NAN;
	if (o->cv_folds == 0)
		return LL_OK;
	double t0 = ll_now();
	rc = ens_cv(X, o, e, w0, wf, err);
	if (rc != LL_OK) {
		ll_ens_free(e);
		return rc;
	}
	e->seconds += ll_now() - t0;
	return LL_OK;
}

size_t ll_ens_nmain(const ll_ens_opts *o)
{
	if (!o || o->rank_hi < o->rank_lo)
		return 0;
	size_t nranks = o->rank_hi - o->rank_lo + 1;
	return o->fused ? nranks : nranks * o->replicates;
}

size_t ll_ens_nunits(const ll_ens_opts *o)
{
	return o ? ll_ens_nmain(o) + o->cv_folds : 0;
}

int ll_ens_finish(ll_ensemble *e, ll_err *err)
{
	if (!e || !e->ranks || e->nranks == 0)
		return ll_err_set(err, LL_EINVAL, "ensemble: nothing to finish");
	if (!e->partial)
		return LL_OK;
	for (size_t ri = 0; ri < e->nranks; ri++)
		for (size_t k = 0; k < e->ranks[ri].nrep; k++)
			if (!e->ranks[ri].fits[k].K.U[0])
				return ll_err_set(err, LL_EINVAL, "ensemble: rank %zu replicate %zu was not fitted",
						  e->ranks[ri].rank, k);
	int rc = finish_fits(e, err);
	if (rc != LL_OK)
		return rc;
	if (e->cv_folds)
		cv_means(e);
	e->partial = 0;
	return LL_OK;
}

/* ---- choosing a rank -------------------------------------------------------- */

static const char *const rule_names[] = {LL_RANK_RULES(LL_ENUM_NAME)};
#define N_RULES LL_ENUM_N(LL_RANK_RULES)

const char *ll_rank_rule_name(ll_rank_rule r)
{
	if ((int)r < 0 || (int)r >= N_RULES)
		return "unknown";
	return rule_names[r];
}

int ll_rank_rule_parse(const char *s, ll_rank_rule *r)
{
	int q = ll_name_lookup(rule_names, N_RULES, s);
	if (q < 0 || !r)
		return LL_EINVAL;
	*r = (ll_rank_rule)q;
	return LL_OK;
}

/* Mean similarity of a rank's replicates to its best fit (1 if alone). */
static double rank_mean_sim(const ll_ens_rank *r)
{
	double m = 0;
	if (r->nrep < 2)
		return 1.0;
	for (size_t k = 1; k < r->nrep; k++)
		m += r->sim[k] / (double)(r->nrep - 1);
	return m;
}

static void select_elbow(const ll_ensemble *e, size_t *rank, char *reason, size_t n)
{
	/* a rank that already fits exactly: more components cannot help */
	for (size_t i = 0; i < e->nranks; i++)
		if (e->ranks[i].fits[0].obj < 1e-4) {
			*rank = e->ranks[i].rank;
			snprintf(reason, n,
				 "rank %zu already fits the tensor exactly (error %.1e): more components "
				 "cannot improve it", e->ranks[i].rank, e->ranks[i].fits[0].obj);
			return;
		}
	double maxdrop = 0;
	for (size_t i = 1; i < e->nranks; i++)
		maxdrop = fmax(maxdrop, e->ranks[i - 1].fits[0].obj - e->ranks[i].fits[0].obj);
	size_t stable = e->ranks[0].rank;
	for (size_t i = 0; i < e->nranks; i++) {
		const ll_ens_rank *r = &e->ranks[i];
		if (rank_mean_sim(r) < 0.9)
			continue;
		stable = r->rank;
		if (i + 1 < e->nranks && maxdrop > 0 &&
		    r->fits[0].obj - e->ranks[i + 1].fits[0].obj < 0.1 * maxdrop) {
			*rank = r->rank;
			snprintf(reason, n,
				 "elbow: rank %zu lowers the error by only %.4f (the largest drop is %.4f), "
				 "and rank %zu's replicates agree (mean similarity %.3f)",
				 e->ranks[i + 1].rank, r->fits[0].obj - e->ranks[i + 1].fits[0].obj,
				 maxdrop, r->rank, rank_mean_sim(r));
			return;
		}
	}
	/* no sharp elbow: the knee (Satopaa et al. 2011, "Kneedle"), the
	 * agreeing rank whose best error lies farthest below the straight
	 * line from the first fitted rank's to the last's, if clearly below
	 * it (a tenth of the whole drop); a straight curve has none */
	size_t nr = e->nranks, ik = 0;
	double e0 = e->ranks[0].fits[0].obj, e1 = e->ranks[nr - 1].fits[0].obj, span = e0 - e1, dk = 0;
	for (size_t i = 1; nr >= 3 && i + 1 < nr && span > 0; i++) {
		const ll_ens_rank *r = &e->ranks[i];
		double d = e0 - span * (double)i / (double)(nr - 1) - r->fits[0].obj;
		if (rank_mean_sim(r) >= 0.9 && d > dk) {
			dk = d;
			ik = i;
		}
	}
	if (ik > 0 && dk >= 0.1 * span) {
		const ll_ens_rank *r = &e->ranks[ik];
		double before = 0, after = 0;
		for (size_t i = 1; i < nr; i++) {
			double dr = e->ranks[i - 1].fits[0].obj - e->ranks[i].fits[0].obj;
			if (i <= ik)
				before = fmax(before, dr);
			else
				after = fmax(after, dr);
		}
		*rank = r->rank;
		snprintf(reason, n,
			 "knee of the error curve (no sharp elbow): rank %zu's error, %.4f, lies farthest "
			 "below the straight line from rank %zu (%.4f) to rank %zu (%.4f), by %.4f; each "
			 "component after it lowers the error by at most %.4f, against up to %.4f before, "
			 "and its replicates agree (mean similarity %.3f)",
			 r->rank, r->fits[0].obj, e->ranks[0].rank, e0, e->ranks[nr - 1].rank, e1, dk, after,
			 before, rank_mean_sim(r));
		return;
	}
	*rank = stable;
	snprintf(reason, n,
		 "no elbow in the error curve: the largest rank whose replicates agree "
		 "(mean similarity %.3f >= 0.9)%s", rank_mean_sim(ll_ens_get(e, stable)),
		 stable == e->ranks[e->nranks - 1].rank && e->nranks > 1
			 ? "; it is the top of the fitted range, so a wider range of ranks may show an elbow"
			 : "");
}

static void select_cv(const ll_ensemble *e, size_t *rank, char *reason, size_t n)
{
	size_t imin = 0;
	for (size_t i = 1; i < e->nranks; i++)
		if (e->ranks[i].cv_test_mean < e->ranks[imin].cv_test_mean)
			imin = i;
	const ll_ens_rank *m = &e->ranks[imin];
	double bar = m->cv_test_mean + (isfinite(m->cv_test_se) ? m->cv_test_se : 0.0);
	size_t pick = imin;
	for (size_t i = 0; i < imin; i++)
		if (e->ranks[i].cv_test_mean <= bar) {
			pick = i;
			break;
		}
	const ll_ens_rank *r = &e->ranks[pick];
	*rank = r->rank;
	char tail[96] = "";
	if (pick == e->nranks - 1 && e->nranks > 1)
		snprintf(tail, sizeof tail, "; it is the top of the fitted range, so a larger rank may do better");
	if (pick == imin)
		snprintf(reason, n,
			 "cross-validation: rank %zu has the lowest held-out error, %.4f (+- %.4f over %zu "
			 "folds; training error %.4f)%s%s",
			 r->rank, r->cv_test_mean, r->cv_test_se, e->cv_folds, r->cv_train_mean,
			 pick > 0 ? ", and every smaller rank is more than one standard error worse" : "",
			 tail);
	else
		snprintf(reason, n,
			 "cross-validation: rank %zu is the smallest whose held-out error, %.4f, is within "
			 "one standard error of the lowest (%.4f +- %.4f at rank %zu, %zu folds)",
			 r->rank, r->cv_test_mean, m->cv_test_mean, m->cv_test_se, m->rank, e->cv_folds);
}

int ll_ens_select_rank(const ll_ensemble *e, ll_rank_rule rule, size_t *rank, char *reason,
		       size_t n, ll_err *err)
{
	char dummy[8];
	if (!e || !e->ranks || e->nranks == 0 || !rank)
		return ll_err_set(err, LL_EINVAL, "rank rule: nothing fitted");
	if (!reason || n == 0) {
		reason = dummy;
		n = sizeof dummy;
	}
	if (rule == LL_RANK_ELBOW) {
		select_elbow(e, rank, reason, n);
		return LL_OK;
	}
	if (rule == LL_RANK_CV) {
		if (e->cv_folds == 0)
			return ll_err_set(err, LL_EINVAL,
					  "rank rule cv: the ensemble was fitted without cross-validation (set the folds)");
		select_cv(e, rank, reason, n);
		return LL_OK;
	}
	return ll_err_set(err, LL_EINVAL, "rank rule: unknown rule %d", (int)rule);
}
