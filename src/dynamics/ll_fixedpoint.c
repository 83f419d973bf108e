/*
 * Fixed and slow points of a map: Levenberg-Marquardt from many starts,
 * de-duplication, eigen-decomposition of the Jacobians, unstable-manifold
 * traces and the graph distance.  Definitions: ll_fixedpoint.h.
 */
#include "dynamics/ll_fixedpoint.h"

#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
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
#include "linalg/ll_linalg.h"

#define LM_LAMBDA_MAX 1e30 /* no step lowers q */
#define TRACE_STILL 1e-12  /* a trace has stopped moving (times scale) */
#define TRACE_ESCAPE 1e8   /* a trace has left (times scale) */

void ll_fp_opts_default(ll_fp_opts *o)
{
	memset(o, 0, sizeof *o);
	o->tol_q = 1e-12;
	o->tol_q_slow = 1e-6;
	o->tol_dq = 1e-20;
	o->max_iters = 200;
	o->tol_unique = 1e-3;
	o->outlier_scale = 10.0;
	o->unstable_margin = 1e-9;
	o->on_nonfinite = LL_FP_NONFINITE_DROP;
	o->manifolds = 1;
	o->manifold_eps = 1e-3;
	o->settle_tol = 1e-3;
	o->manifold_steps = 10000;
}

void ll_fp_result_free(ll_fp_result *r)
{
	if (!r)
		return;
	ll_free(r->points);
	ll_free(r->q);
	ll_free(r->kind);
	ll_free(r->n_unstable);
	ll_free(r->eig);
	ll_free(r->evec);
	ll_free(r->jac);
	ll_free(r->start);
	ll_free(r->edges);
	ll_free(r->start_q);
	ll_free(r->start_iters);
	memset(r, 0, sizeof *r);
}

static const char *const class_names[] = {LL_FP_CLASSES(LL_ENUM_NAME)};

ll_fp_class ll_fp_classify(size_t n_unstable, size_t dim)
{
	if (n_unstable == 0)
		return LL_FP_STABLE;
	return n_unstable >= dim ? LL_FP_REPELLER : LL_FP_SADDLE;
}

const char *ll_fp_class_name(ll_fp_class c)
{
	if ((int)c < 0 || (int)c >= LL_ENUM_N(LL_FP_CLASSES))
		return "unknown";
	return class_names[c];
}

static double dist2(const double *a, const double *b, size_t n)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += (a[i] - b[i]) * (a[i] - b[i]);
	return s;
}

static double norm2(const double *a, size_t n)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += a[i] * a[i];
	return sqrt(s);
}

static int all_finite(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}

/* ---- sampling the starts -------------------------------------------------- */

static int sample(const double *sd, const float *sf, size_t n_states, size_t dim, size_t n,
		  double noise_sd, uint64_t seed, double *out, ll_err *err)
{
	if ((!sd && !sf) || !out)
		return ll_err_set(err, LL_EINVAL, "fixed-point starts: NULL states or output");
	if (dim == 0)
		return ll_err_set(err, LL_EINVAL, "fixed-point starts: states of dimension 0");
	if (n_states == 0)
		return ll_err_set(err, LL_EINVAL, "fixed-point starts: no states to sample from");
	if (!(noise_sd >= 0.0) || !isfinite(noise_sd))
		return ll_err_set(err, LL_EINVAL, "fixed-point starts: noise_sd = %g (must be finite and >= 0)",
				  noise_sd);
	ll_rng rng;
	ll_rng_init(&rng, seed);
	for (size_t i = 0; i < n; i++) {
		size_t row = (size_t)ll_rng_below(&rng, n_states);
		for (size_t j = 0; j < dim; j++) {
			double v = sd ? sd[row * dim + j] : (double)sf[row * dim + j];
			if (!isfinite(v))
				return ll_err_set(err, LL_ENUMERIC, "fixed-point starts: state %zu has %g at coordinate %zu",
						  row, v, j);
			out[i * dim + j] = v + noise_sd * ll_rng_normal(&rng);
		}
	}
	return LL_OK;
}

int ll_fp_sample_starts(const double *states, size_t n_states, size_t dim, size_t n,
			double noise_sd, uint64_t seed, double *out, ll_err *err)
{
	return sample(states, NULL, n_states, dim, n, noise_sd, seed, out, err);
}

int ll_fp_sample_starts_f(const float *states, size_t n_states, size_t dim, size_t n,
			  double noise_sd, uint64_t seed, double *out, ll_err *err)
{
	if (!states)
		return ll_err_set(err, LL_EINVAL, "fixed-point starts: NULL states or output");
	return sample(NULL, states, n_states, dim, n, noise_sd, seed, out, err);
}

/* ---- the search ------------------------------------------------------------ */

typedef struct fp_start {
	int rc;          /* LL_OK; LL_ENUMERIC (the map gave NaN/Inf); LL_ELAPACK; LL_ENOMEM */
	int info;        /* LAPACK info, for LL_ELAPACK */
	size_t iters;    /* LM iterations */
	size_t nF, nJ;   /* callback calls */
	double q;        /* at the end */
} fp_start;

/* r = F(s) - s and q = 1/2 |r|^2; 0 if F gave a NaN/Inf */
static int residual(const ll_fp_map *m, const double *s, double *r, double *q)
{
	size_t S = m->dim;
	m->F(m->ud, s, r);
	double acc = 0.0;
	for (size_t i = 0; i < S; i++) {
		if (!isfinite(r[i]))
			return 0;
		r[i] -= s[i];
		acc += r[i] * r[i];
	}
	*q = 0.5 * acc;
	return isfinite(*q);
}

/* Levenberg-Marquardt from s (updated in place to the end point). */
static void lm_start(const ll_fp_map *m, const ll_fp_opts *o, double *s, fp_start *st)
{
	size_t S = m->dim;
	int n = (int)S;
	memset(st, 0, sizeof *st);
	st->q = NAN;
	double *buf = ll_malloc_array(3 * S * S + 5 * S, sizeof *buf);
	if (!buf) {
		st->rc = LL_ENOMEM;
		return;
	}
	double *Jm = buf, *A = Jm + S * S, *M = A + S * S, *r = M + S * S, *g = r + S, *d = g + S;
	double *sn = d + S, *rn = sn + S;
	double q;
	st->nF++;
	if (!residual(m, s, r, &q)) {
		st->rc = LL_ENUMERIC;
		goto out;
	}
	double lambda = -1.0, nu = 2.0;
	while (st->iters < o->max_iters && q > 0.0) {
		m->J(m->ud, s, Jm);
		st->nJ++;
		if (!all_finite(Jm, S * S)) {
			st->rc = LL_ENUMERIC;
			break;
		}
		for (size_t i = 0; i < S; i++)
			Jm[i * S + i] -= 1.0;
		/* A = (J - I)^T (J - I), g = (J - I)^T r */
		ll_linalg_gram(Jm, S, S, A);
		cblas_dgemv(CblasRowMajor, CblasTrans, n, n, 1.0, Jm, n, r, 1, 0.0, g, 1);
		st->iters++;
		double gmax = 0.0;
		for (size_t i = 0; i < S; i++)
			gmax = fmax(gmax, fabs(g[i]));
		if (gmax == 0.0)
			break; /* a stationary point of q */
		if (lambda < 0.0) {
			double dmax = 0.0;
			for (size_t i = 0; i < S; i++)
				dmax = fmax(dmax, A[i * S + i]);
			lambda = 1e-3 * (dmax > 0.0 ? dmax : 1.0);
		}
		int accepted = 0, stop = 0;
		double dq = 0.0;
		while (!accepted && !stop) {
			memcpy(M, A, S * S * sizeof *M);
			for (size_t i = 0; i < S; i++)
				M[i * S + i] += lambda;
			/* M is symmetric: its row-major storage is its column-major one */
			lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', n, M, n);
			if (info < 0) {
				st->rc = LL_ELAPACK;
				st->info = (int)info;
				break;
			}
			if (info == 0) {
				for (size_t i = 0; i < S; i++)
					d[i] = -g[i];
				info = LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'U', n, 1, M, n, d, n);
				if (info != 0) {
					st->rc = LL_ELAPACK;
					st->info = (int)info;
					break;
				}
				if (norm2(d, S) <= 1e-15 * (norm2(s, S) + 1e-15)) {
					stop = 1; /* no step left above rounding */
					break;
				}
				for (size_t i = 0; i < S; i++)
					sn[i] = s[i] + d[i];
				double qn;
				st->nF++;
				if (!residual(m, sn, rn, &qn)) {
					st->rc = LL_ENUMERIC;
					break;
				}
				/* the model's predicted decrease, 1/2 d^T (lambda d - g) > 0 */
				double pred = 0.0;
				for (size_t i = 0; i < S; i++)
					pred += d[i] * (lambda * d[i] - g[i]);
				pred *= 0.5;
				double rho = pred > 0.0 ? (q - qn) / pred : -1.0;
				if (qn < q && rho > 0.0) {
					dq = q - qn;
					q = qn;
					memcpy(s, sn, S * sizeof *s);
					double *t = r;
					r = rn;
					rn = t;
					double c = 2.0 * rho - 1.0, f = 1.0 - c * c * c;
					lambda *= f > 1.0 / 3.0 ? f : 1.0 / 3.0;
					nu = 2.0;
					accepted = 1;
					break;
				}
			}
			/* not positive definite in floating point, or q did not fall */
			lambda *= nu;
			nu *= 2.0;
			if (!(lambda <= LM_LAMBDA_MAX))
				stop = 1;
		}
		if (st->rc != LL_OK || stop || dq <= o->tol_dq)
			break;
	}
out:
	st->q = st->rc == LL_ENUMERIC ? NAN : q;
	ll_free(buf);
}

typedef struct fp_shared {
	const ll_fp_map *map;
	const ll_fp_opts *o;
	size_t done, total;
	int cancel;
	const char *stage;
} fp_shared;

/* Count one unit of work done and tell the callback; returns 1 to stop. */
static int tick(fp_shared *sh)
{
	int stop;
#ifdef _OPENMP
#pragma omp critical(ll_fp_progress)
#endif
	{
		sh->done++;
		if (!sh->cancel && sh->o->progress) {
			char detail[64];
			snprintf(detail, sizeof detail, "%zu of %zu", sh->done, sh->total);
			ll_progress p = {sh->stage, (double)sh->done / (double)sh->total, detail};
			if (sh->o->progress(sh->o->progress_ud, &p) != 0)
				sh->cancel = 1;
		}
		stop = sh->cancel;
	}
	return stop;
}

static int canceled(fp_shared *sh)
{
	int c;
#ifdef _OPENMP
#pragma omp critical(ll_fp_progress)
#endif
	c = sh->cancel;
	return c;
}

static void run_starts(fp_shared *sh, double *ends, fp_start *st, size_t n)
{
	size_t S = sh->map->dim;
	long long nn = (long long)n;
	int blas = openblas_get_num_threads();
	openblas_set_num_threads(1);
#ifdef _OPENMP
	int nth = ll_threads_resolve(sh->o->threads);
	if ((size_t)nth > n)
		nth = (int)n;
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1)
#endif
	for (long long i = 0; i < nn; i++) {
		if (canceled(sh)) {
			st[i].rc = LL_ECANCELED;
			continue;
		}
		lm_start(sh->map, sh->o, ends + (size_t)i * S, &st[i]);
		tick(sh);
	}
	openblas_set_num_threads(blas);
}

/* ---- eigenvalues ----------------------------------------------------------- */

typedef struct eig_unit {
	size_t j, len; /* first column, 1 (real) or 2 (a complex pair) */
	double mod;
} eig_unit;

/* Eigen-decomposition of J (S x S, preserved) into eig (S x 2, by modulus
 * descending) and V (S x S, columns); work: S x S + 2 S doubles, perm S
 * units. */
static int eigen(const double *J, size_t S, double *eig, double *V, double *work, eig_unit *u,
		 size_t point, ll_err *err)
{
	int n = (int)S;
	double *a = work, *wr = a + S * S, *wi = wr + S;
	double *vr = V; /* unsorted first, in place of V's scratch below */
	memcpy(a, J, S * S * sizeof *a);
	double dummy = 0.0;
	lapack_int info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'V', n, a, n, wr, wi, &dummy, 1, vr, n);
	if (info < 0)
		return ll_err_set(err, LL_ELAPACK, "fixed points: dgeev rejected argument %d at point %zu",
				  (int)-info, point);
	if (info > 0)
		return ll_err_set(err, LL_ENUMERIC, "fixed points: the eigenvalues of point %zu did not converge (dgeev info %d)",
				  point, (int)info);
	size_t nu = 0;
	for (size_t j = 0; j < S; j++) {
		u[nu].j = j;
		u[nu].mod = hypot(wr[j], wi[j]);
		u[nu].len = (wi[j] != 0.0 && j + 1 < S) ? 2 : 1;
		j += u[nu].len - 1;
		nu++;
	}
	/* stable insertion sort, modulus descending */
	for (size_t k = 1; k < nu; k++) {
		eig_unit x = u[k];
		size_t b = k;
		while (b > 0 && u[b - 1].mod < x.mod) {
			u[b] = u[b - 1];
			b--;
		}
		u[b] = x;
	}
	/* permute: a (free now) takes the sorted vectors */
	size_t c = 0;
	for (size_t k = 0; k < nu; k++)
		for (size_t l = 0; l < u[k].len; l++, c++) {
			size_t src = u[k].j + l;
			eig[2 * c] = wr[src];
			eig[2 * c + 1] = wi[src];
			for (size_t i = 0; i < S; i++)
				a[i * S + c] = vr[i * S + src];
		}
	memcpy(V, a, S * S * sizeof *V);
	/* a sign convention for real vectors: the largest entry is positive */
	for (size_t j = 0; j < S; j++) {
		if (eig[2 * j + 1] != 0.0) {
			j++; /* the pair's second column */
			continue;
		}
		size_t big = 0;
		for (size_t i = 1; i < S; i++)
			if (fabs(V[i * S + j]) > fabs(V[big * S + j]))
				big = i;
		if (V[big * S + j] < 0.0)
			for (size_t i = 0; i < S; i++)
				V[i * S + j] = -V[i * S + j];
	}
	return LL_OK;
}

/* ---- keeping the points ------------------------------------------------------ */

typedef struct cand {
	size_t start;
	double q;
} cand;

static int cmp_cand(const void *pa, const void *pb)
{
	const cand *a = pa, *b = pb;
	if (a->q != b->q)
		return a->q < b->q ? -1 : 1;
	return (a->start > b->start) - (a->start < b->start);
}

typedef struct kept {
	size_t k;          /* index in the kept arrays */
	ll_fp_kind kind;
	size_t n_unstable;
	const double *pt;
	size_t S;
	double grid;       /* coordinates compare on this grid (tol_unique * scale), or exactly if 0 */
} kept;

static int cmp_kept(const void *pa, const void *pb)
{
	const kept *a = pa, *b = pb;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->n_unstable != b->n_unstable)
		return a->n_unstable < b->n_unstable ? -1 : 1;
	/* on the grid first, so that rounding-size differences (a coordinate
	 * of 1e-23 or -1e-23 where the point has 0) do not decide the order */
	if (a->grid > 0.0)
		for (size_t i = 0; i < a->S; i++) {
			double qa = round(a->pt[i] / a->grid), qb = round(b->pt[i] / b->grid);
			if (qa != qb)
				return qa < qb ? -1 : 1;
		}
	for (size_t i = 0; i < a->S; i++)
		if (a->pt[i] != b->pt[i])
			return a->pt[i] < b->pt[i] ? -1 : 1;
	return (a->k > b->k) - (a->k < b->k);
}

/* ---- manifolds ---------------------------------------------------------------- */

typedef struct trace_job {
	size_t from, eig; /* point, eigenvalue index */
	int sign;
} trace_job;

/* the nearest fixed point (stable ones only if stable_only) within rad of s */
static size_t nearest(const ll_fp_result *r, const double *s, double rad, int stable_only)
{
	size_t best = LL_FP_NONE, S = r->dim;
	double bd = rad * rad;
	for (size_t p = 0; p < r->n; p++) {
		if (r->kind[p] != LL_FP_FIXED || (stable_only && r->n_unstable[p] != 0))
			continue;
		double d = dist2(s, r->points + p * S, S);
		if (d <= bd) {
			bd = d;
			best = p;
		}
	}
	return best;
}

static void trace(const ll_fp_map *m, const ll_fp_opts *o, const ll_fp_result *r,
		  const trace_job *job, double *buf, ll_fp_edge *e, size_t *nF)
{
	size_t S = r->dim, p = job->from, j = job->eig;
	const double *V = r->evec + p * S * S, *c = r->points + p * S;
	double *s = buf, *sn = buf + S;
	double scale = r->scale, rad = o->settle_tol * scale;
	/* v: column j (for a complex pair, its real part; its imaginary part
	 * if the real part vanishes) */
	double vn = 0.0;
	for (size_t i = 0; i < S; i++)
		vn += V[i * S + j] * V[i * S + j];
	size_t col = j;
	if (r->eig[(p * S + j) * 2 + 1] != 0.0 && sqrt(vn) < 1e-12 && j + 1 < S) {
		col = j + 1;
		vn = 0.0;
		for (size_t i = 0; i < S; i++)
			vn += V[i * S + col] * V[i * S + col];
	}
	vn = sqrt(vn);
	for (size_t i = 0; i < S; i++)
		s[i] = c[i] + job->sign * o->manifold_eps * scale * V[i * S + col] / (vn > 0.0 ? vn : 1.0);
	e->from = p;
	e->eig = j;
	e->sign = job->sign;
	e->to = LL_FP_NONE;
	size_t step = 0;
	int done = 0;
	while (step < o->manifold_steps && !done) {
		m->F(m->ud, s, sn);
		(*nF)++;
		step++;
		if (!all_finite(sn, S))
			break;
		double move = sqrt(dist2(sn, s, S));
		double *t = s;
		s = sn;
		sn = t;
		if (sqrt(dist2(s, c, S)) > TRACE_ESCAPE * scale)
			break;
		size_t a = nearest(r, s, rad, 1);
		if (a != LL_FP_NONE) {
			e->to = a;
			done = 1;
		} else if (move <= TRACE_STILL * scale && nearest(r, s, rad, 0) == LL_FP_NONE) {
			done = 1; /* at rest where no known point is */
		}
		/* at rest on a saddle: go on, as a perturbation may grow */
	}
	if (!done && all_finite(s, S))
		e->to = nearest(r, s, rad, 0);
	e->steps = step;
}

static int manifolds(const ll_fp_map *m, const ll_fp_opts *o, ll_fp_result *r, ll_err *err)
{
	size_t S = r->dim, nj = 0;
	double lim = 1.0 + o->unstable_margin;
	for (int pass = 0; pass < 2; pass++) {
		trace_job *jobs = NULL;
		if (pass == 1) {
			if (nj == 0)
				return LL_OK;
			jobs = ll_malloc_array(nj, sizeof *jobs);
			r->edges = ll_calloc_array(nj, sizeof *r->edges);
			if (!jobs || !r->edges) {
				ll_free(jobs);
				return ll_err_oom(err);
			}
		}
		size_t k = 0;
		for (size_t p = 0; p < r->n; p++) {
			if (r->kind[p] != LL_FP_FIXED || r->n_unstable[p] == 0)
				continue;
			const double *ev = r->eig + p * S * 2;
			for (size_t j = 0; j < S; j++) {
				int pair = ev[2 * j + 1] != 0.0;
				if (hypot(ev[2 * j], ev[2 * j + 1]) > lim)
					for (int sg = 0; sg < 2; sg++, k++)
						if (pass == 1)
							jobs[k] = (trace_job){p, j, sg == 0 ? 1 : -1};
				if (pair)
					j++;
			}
		}
		nj = k;
		if (pass == 0)
			continue;
		fp_shared sh = {m, o, 0, nj, 0, "manifolds"};
		size_t *nF = ll_calloc_array(nj, sizeof *nF);
		double *bufs = NULL;
		int nth = ll_threads_resolve(o->threads);
		if ((size_t)nth > nj)
			nth = (int)nj;
		bufs = ll_malloc_array((size_t)nth * 2 * S, sizeof *bufs);
		if (!nF || !bufs) {
			ll_free(jobs);
			ll_free(nF);
			ll_free(bufs);
			return ll_err_oom(err);
		}
		long long nn = (long long)nj;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1)
#endif
		for (long long q = 0; q < nn; q++) {
			if (canceled(&sh))
				continue;
#ifdef _OPENMP
			double *buf = bufs + (size_t)omp_get_thread_num() * 2 * S;
#else
			double *buf = bufs;
#endif
			trace(m, o, r, &jobs[q], buf, &r->edges[q], &nF[q]);
			tick(&sh);
		}
		for (size_t q = 0; q < nj; q++)
			r->n_manifold_evals += nF[q];
		r->n_edges = nj;
		ll_free(jobs);
		ll_free(nF);
		ll_free(bufs);
		if (sh.cancel)
			return ll_err_set(err, LL_ECANCELED, "fixed points: canceled while tracing the manifolds");
	}
	return LL_OK;
}

/* ---- the finder ----------------------------------------------------------------- */

static int opts_check(const ll_fp_opts *o, ll_err *err)
{
#define BAD(cond, name, want)                                                                       \
	if (!(cond))                                                                                  \
		return ll_err_set(err, LL_EINVAL, "fixed points: %s = %g (must be %s)", #name, (double)o->name, want)
	BAD(o->tol_q > 0.0 && isfinite(o->tol_q), tol_q, "finite and > 0");
	BAD(o->tol_q_slow >= o->tol_q && isfinite(o->tol_q_slow), tol_q_slow, "finite and >= tol_q");
	BAD(o->tol_dq >= 0.0 && isfinite(o->tol_dq), tol_dq, "finite and >= 0");
	BAD(o->max_iters >= 1, max_iters, ">= 1");
	BAD(o->tol_unique >= 0.0 && isfinite(o->tol_unique), tol_unique, "finite and >= 0");
	BAD(o->outlier_scale >= 0.0, outlier_scale, ">= 0");
	BAD(o->scale >= 0.0 && isfinite(o->scale), scale, "finite and >= 0");
	BAD(o->unstable_margin >= 0.0 && isfinite(o->unstable_margin), unstable_margin, "finite and >= 0");
	if (o->manifolds) {
		BAD(o->manifold_eps > 0.0 && isfinite(o->manifold_eps), manifold_eps, "finite and > 0");
		BAD(o->settle_tol > 0.0 && isfinite(o->settle_tol), settle_tol, "finite and > 0");
		BAD(o->manifold_steps >= 1, manifold_steps, ">= 1");
	}
#undef BAD
	if (o->on_nonfinite != LL_FP_NONFINITE_DROP && o->on_nonfinite != LL_FP_NONFINITE_ERROR)
		return ll_err_set(err, LL_EINVAL, "fixed points: on_nonfinite = %d is not a choice",
				  (int)o->on_nonfinite);
	return LL_OK;
}

/* Everything after the search: keep, de-duplicate, decompose, order. */
static int keep_points(const ll_fp_map *map, const ll_fp_opts *o, const double *ends,
		       const fp_start *st, const double *centroid, ll_fp_result *r, ll_err *err)
{
	size_t S = map->dim, n = r->n_starts;
	int rc = LL_OK;
	cand *cs = ll_malloc_array(n, sizeof *cs);
	size_t *keep = ll_malloc_array(n, sizeof *keep);
	if (!cs || !keep) {
		rc = ll_err_oom(err);
		goto out;
	}
	size_t nc = 0;
	for (size_t i = 0; i < n; i++) {
		if (st[i].rc != LL_OK) {
			r->n_nonfinite++;
			continue;
		}
		if (!(st[i].q < o->tol_q_slow)) {
			r->n_discarded++;
			continue;
		}
		if (o->outlier_scale > 0.0 && r->init_spread > 0.0 &&
		    sqrt(dist2(ends + i * S, centroid, S)) > o->outlier_scale * r->init_spread) {
			r->n_outliers++;
			continue;
		}
		cs[nc++] = (cand){i, st[i].q};
	}
	qsort(cs, nc, sizeof *cs, cmp_cand);
	double tu = o->tol_unique * r->scale, tu2 = tu * tu;
	size_t nk = 0;
	for (size_t c = 0; c < nc; c++) {
		const double *x = ends + cs[c].start * S;
		int dup = 0;
		for (size_t k = 0; k < nk && !dup; k++)
			dup = dist2(x, ends + keep[k] * S, S) <= tu2;
		if (dup)
			r->n_duplicates++;
		else
			keep[nk++] = cs[c].start;
	}
	/* the kept points in q order, decomposed; then ordered */
	size_t SS = S * S;
	double *jac = ll_malloc_array(nk * SS + 1, sizeof *jac);
	double *vec = ll_malloc_array(nk * SS + 1, sizeof *vec);
	double *eig = ll_malloc_array(nk * S * 2 + 1, sizeof *eig);
	size_t *nus = ll_malloc_array(nk + 1, sizeof *nus);
	double *work = ll_malloc_array(SS + 2 * S, sizeof *work);
	eig_unit *units = ll_malloc_array(S, sizeof *units);
	kept *ord = ll_malloc_array(nk + 1, sizeof *ord);
	if (!jac || !vec || !eig || !nus || !work || !units || !ord) {
		rc = ll_err_oom(err);
		goto out2;
	}
	double lim = 1.0 + o->unstable_margin;
	for (size_t k = 0; k < nk; k++) {
		const double *x = ends + keep[k] * S;
		map->J(map->ud, x, jac + k * SS);
		if (!all_finite(jac + k * SS, SS)) {
			rc = ll_err_set(err, LL_ENUMERIC, "fixed points: the Jacobian at the end of start %zu has NaN/Inf",
					keep[k]);
			goto out2;
		}
		rc = eigen(jac + k * SS, S, eig + k * S * 2, vec + k * SS, work, units, keep[k], err);
		if (rc != LL_OK)
			goto out2;
		nus[k] = 0;
		for (size_t j = 0; j < S; j++)
			nus[k] += hypot(eig[(k * S + j) * 2], eig[(k * S + j) * 2 + 1]) > lim;
		ord[k] = (kept){k, st[keep[k]].q < o->tol_q ? LL_FP_FIXED : LL_FP_SLOW, nus[k], x, S, tu};
	}
	qsort(ord, nk, sizeof *ord, cmp_kept);
	r->n = nk;
	r->points = ll_malloc_array(nk * S + 1, sizeof *r->points);
	r->q = ll_malloc_array(nk + 1, sizeof *r->q);
	r->kind = ll_malloc_array(nk + 1, sizeof *r->kind);
	r->n_unstable = ll_malloc_array(nk + 1, sizeof *r->n_unstable);
	r->start = ll_malloc_array(nk + 1, sizeof *r->start);
	if (!r->points || !r->q || !r->kind || !r->n_unstable || !r->start) {
		rc = ll_err_oom(err);
		goto out2;
	}
	for (size_t p = 0; p < nk; p++) {
		size_t k = ord[p].k, i = keep[k];
		memcpy(r->points + p * S, ends + i * S, S * sizeof *r->points);
		r->q[p] = st[i].q;
		r->kind[p] = ord[p].kind;
		r->n_unstable[p] = nus[k];
		r->start[p] = i;
		if (ord[p].kind == LL_FP_FIXED)
			r->n_fixed++;
		else
			r->n_slow++;
		/* in place: jac, vec, eig move to the sorted order through the
		 * spare arrays below */
	}
	/* reorder the decompositions (fresh arrays in the final order) */
	r->jac = ll_malloc_array(nk * SS + 1, sizeof *r->jac);
	r->evec = ll_malloc_array(nk * SS + 1, sizeof *r->evec);
	r->eig = ll_malloc_array(nk * S * 2 + 1, sizeof *r->eig);
	if (!r->jac || !r->evec || !r->eig) {
		rc = ll_err_oom(err);
		goto out2;
	}
	for (size_t p = 0; p < nk; p++) {
		size_t k = ord[p].k;
		memcpy(r->jac + p * SS, jac + k * SS, SS * sizeof *jac);
		memcpy(r->evec + p * SS, vec + k * SS, SS * sizeof *vec);
		memcpy(r->eig + p * S * 2, eig + k * S * 2, S * 2 * sizeof *eig);
	}
out2:
	ll_free(jac);
	ll_free(vec);
	ll_free(eig);
	ll_free(nus);
	ll_free(work);
	ll_free(units);
	ll_free(ord);
out:
	ll_free(cs);
	ll_free(keep);
	return rc;
}

int ll_fp_find(const ll_fp_map *map, const double *starts, size_t n, const ll_fp_opts *o,
	       ll_fp_result *r, ll_err *err)
{
	if (r)
		memset(r, 0, sizeof *r);
	ll_fp_opts def;
	if (!o) {
		ll_fp_opts_default(&def);
		o = &def;
	}
	if (!map || !r || !map->F || !map->J)
		return ll_err_set(err, LL_EINVAL, "fixed points: NULL map, callback or result");
	size_t S = map->dim;
	if (S == 0)
		return ll_err_set(err, LL_ESHAPE, "fixed points: the map has dimension 0");
	if (S > 46340 || S * S > (size_t)INT_MAX)
		return ll_err_set(err, LL_ENOTSUP, "fixed points: dimension %zu is too large for LAPACK", S);
	if (n == 0)
		return ll_err_set(err, LL_EINVAL, "fixed points: no initial states (n = 0)");
	if (!starts)
		return ll_err_set(err, LL_EINVAL, "fixed points: NULL initial states");
	if ((size_t)LLONG_MAX < n)
		return ll_err_set(err, LL_ENOTSUP, "fixed points: %zu initial states is too many", n);
	int rc = opts_check(o, err);
	if (rc != LL_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < S; j++)
			if (!isfinite(starts[i * S + j]))
				return ll_err_set(err, LL_ENUMERIC, "fixed points: initial state %zu has %g at coordinate %zu",
						  i, starts[i * S + j], j);
	size_t nS;
	if (!ll_mul_ok(n, S, &nS))
		return ll_err_set(err, LL_ENOMEM, "fixed points: %zu x %zu initial states is too large", n, S);
	double *ends = ll_malloc_array(nS, sizeof *ends);
	double *centroid = ll_calloc_array(S, sizeof *centroid);
	fp_start *st = ll_calloc_array(n, sizeof *st);
	r->start_q = ll_malloc_array(n, sizeof *r->start_q);
	r->start_iters = ll_malloc_array(n, sizeof *r->start_iters);
	if (!ends || !centroid || !st || !r->start_q || !r->start_iters) {
		rc = ll_err_oom(err);
		goto fail;
	}
	r->dim = S;
	r->n_starts = n;
	memcpy(ends, starts, nS * sizeof *ends);
	/* the state cloud's centre and size */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < S; j++)
			centroid[j] += starts[i * S + j];
	for (size_t j = 0; j < S; j++)
		centroid[j] /= (double)n;
	double spread = 0.0;
	for (size_t i = 0; i < n; i++)
		spread += sqrt(dist2(starts + i * S, centroid, S));
	spread /= (double)n;
	r->init_spread = spread;
	r->scale = o->scale > 0.0 ? o->scale : spread > 0.0 ? spread : 1.0;

	fp_shared sh = {map, o, 0, n, 0, "fixed points"};
	run_starts(&sh, ends, st, n);
	if (sh.cancel) {
		rc = ll_err_set(err, LL_ECANCELED, "fixed points: canceled during the search");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		r->start_q[i] = st[i].q;
		r->start_iters[i] = st[i].iters;
		r->n_map_evals += st[i].nF;
		r->n_jac_evals += st[i].nJ;
	}
	/* failures in start order, so the message does not depend on scheduling */
	for (size_t i = 0; i < n; i++) {
		if (st[i].rc == LL_ENOMEM) {
			rc = ll_err_oom(err);
			goto fail;
		}
		if (st[i].rc == LL_ELAPACK) {
			rc = ll_err_set(err, LL_ELAPACK, "fixed points: the LM solve failed at start %zu (LAPACK info %d)",
					i, st[i].info);
			goto fail;
		}
		if (st[i].rc == LL_ENUMERIC && o->on_nonfinite == LL_FP_NONFINITE_ERROR) {
			rc = ll_err_set(err, LL_ENUMERIC, "fixed points: the map gave NaN/Inf from start %zu at iteration %zu",
					i, st[i].iters);
			goto fail;
		}
	}
	rc = keep_points(map, o, ends, st, centroid, r, err);
	if (rc != LL_OK)
		goto fail;
	if (o->manifolds) {
		rc = manifolds(map, o, r, err);
		if (rc != LL_OK)
			goto fail;
	}
	ll_free(ends);
	ll_free(centroid);
	ll_free(st);
	return LL_OK;
fail:
	ll_free(ends);
	ll_free(centroid);
	ll_free(st);
	ll_fp_result_free(r);
	return rc;
}

/* ---- graphs ---------------------------------------------------------------------- */

void ll_fp_counts(const ll_fp_result *r, size_t *counts)
{
	for (size_t k = 0; k <= r->dim; k++)
		counts[k] = 0;
	for (size_t p = 0; p < r->n; p++)
		if (r->kind[p] == LL_FP_FIXED && r->n_unstable[p] <= r->dim)
			counts[r->n_unstable[p]]++;
}

static int is_stable(const ll_fp_result *r, size_t p)
{
	return p < r->n && r->kind[p] == LL_FP_FIXED && r->n_unstable[p] == 0;
}

/* deg[p]: for a saddle, the distinct stable points its edges reach; for a
 * stable point, the distinct saddles reaching it.  Edges come grouped by
 * their saddle, so a (saddle, point) pair seen before is in the group. */
static void degrees(const ll_fp_result *r, size_t *deg)
{
	for (size_t p = 0; p < r->n; p++)
		deg[p] = 0;
	size_t g0 = 0;
	for (size_t e = 0; e < r->n_edges; e++) {
		const ll_fp_edge *x = &r->edges[e];
		if (e > 0 && x->from != r->edges[e - 1].from)
			g0 = e;
		if (x->from >= r->n || !is_stable(r, x->to))
			continue;
		int seen = 0;
		for (size_t f = g0; f < e && !seen; f++)
			seen = r->edges[f].to == x->to;
		if (!seen) {
			deg[x->from]++;
			deg[x->to]++;
		}
	}
}

static double absdiff(size_t a, size_t b)
{
	return a > b ? (double)(a - b) : (double)(b - a);
}

int ll_fp_graph_distance(const ll_fp_result *a, const ll_fp_result *b, ll_fp_graph_dist *d,
			 ll_err *err)
{
	if (d)
		memset(d, 0, sizeof *d);
	if (!a || !b || !d)
		return ll_err_set(err, LL_EINVAL, "fixed-point graphs: NULL argument");
	size_t kmax = a->dim > b->dim ? a->dim : b->dim;
	size_t mmax = a->n > b->n ? a->n : b->n; /* degrees are below the point count */
	size_t *ca = ll_calloc_array(kmax + 1, sizeof *ca), *cb = ll_calloc_array(kmax + 1, sizeof *cb);
	size_t *da = ll_malloc_array(a->n + 1, sizeof *da), *db = ll_malloc_array(b->n + 1, sizeof *db);
	size_t *h = ll_calloc_array(4 * (mmax + 1), sizeof *h);
	if (!ca || !cb || !da || !db || !h) {
		ll_free(ca);
		ll_free(cb);
		ll_free(da);
		ll_free(db);
		ll_free(h);
		return ll_err_oom(err);
	}
	ll_fp_counts(a, ca);
	ll_fp_counts(b, cb);
	for (size_t k = 0; k <= kmax; k++)
		d->counts += absdiff(ca[k], cb[k]);
	degrees(a, da);
	degrees(b, db);
	/* h: out-degree histograms of a and b, then in-degree ones */
	size_t M = mmax + 1;
	for (int w = 0; w < 2; w++) {
		const ll_fp_result *r = w ? b : a;
		const size_t *deg = w ? db : da;
		for (size_t p = 0; p < r->n; p++) {
			if (r->kind[p] != LL_FP_FIXED)
				continue;
			size_t off = (r->n_unstable[p] > 0 ? 0 : 2 * M) + (size_t)w * M;
			h[off + deg[p]]++;
		}
	}
	for (size_t m = 0; m < M; m++) {
		d->out_degree += absdiff(h[m], h[M + m]);
		d->in_degree += absdiff(h[2 * M + m], h[3 * M + m]);
	}
	d->total = d->counts + d->out_degree + d->in_degree;
	ll_free(ca);
	ll_free(cb);
	ll_free(da);
	ll_free(db);
	ll_free(h);
	return LL_OK;
}
