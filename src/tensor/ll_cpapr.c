/*
 * CP-APR: Poisson CP for counts (Chi & Kolda 2012, "On tensors, sparsity,
 * and nonnegative factorizations", the multiplicative-update algorithm
 * with its inner iterations and "scooching").
 *
 * Model M = [lambda; A_0, ..., A_{N-1}], every free A_n with columns that
 * sum to 1.  Loss: the Poisson negative log-likelihood over the observed
 * entries, f(M) = sum_W (m - x log m), i.e. the KL divergence up to a
 * constant; reported as the deviance 2 (f(M) - f(X)) and, to compare with
 * the least-squares methods, as the relative error ||W.(X - M)|| / ||W.X||.
 *
 * Mode n of an outer iteration: B = (A_n + S) Lambda, where S "scooches"
 * entries stuck at zero (A_n < KAPPA_TOL) whose multiplicative step wanted
 * them larger (Phi > D) by KAPPA, so they can leave zero; then up to
 * INNER_MAX multiplicative updates
 *     Phi = MTTKRP(W.X ./ max(M, EPS_DIV), A, n),   B <- B .* Phi ./ D,
 * with D = MTTKRP(W, A, n) (all ones for unit column sums and no mask),
 * stopping once the KKT violation max |min(B, 1 - Phi ./ D)| < KKT_TOL;
 * then lambda = column sums of B and A_n = B Lambda^-1.  Each update is a
 * majorise-minimise step, so f never rises; a scooch can raise it, and one
 * that did is undone (the mode is redone from the unscooched factors), so
 * the deviance history never rises.
 *
 * Stopping: every mode's first KKT check passed (the paper's rule), or the
 * relative deviance improved by less than tol, or max_iter.  Replicates are
 * fitted one after another (each its own MTTKRPs: the ratio tensor is the
 * replicate's own); the MTTKRP and the reconstruction use the threads.
 */
#include "tensor/ll_cpapr.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_rng.h"
#include "tensor/ll_mttkrp.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#define INNER_MAX 10     /* Tensor Toolbox maxinneriters */
#define KKT_TOL 1e-4     /* Tensor Toolbox stoptol */
#define EPS_DIV 1e-10    /* Tensor Toolbox epsDivZero */
#define KAPPA 100.0      /* Tensor Toolbox kappa */
#define KAPPA_TOL 1e-10  /* Tensor Toolbox kappatol */

typedef struct apr_data {
	const ll_tensor *X;
	const ll_tensor *W;    /* the mask (NULL: all observed) */
	int N;
	size_t R, rows;        /* rows = size / dim[N-1] */
	double fx;             /* f(X) = sum_W (x - x log x), for the deviance */
	double fnull;          /* f of the constant model at the observed mean */
	double nx2;            /* ||W.X||^2 */
	double total;          /* sum_W x */
	size_t nobs;
	unsigned fixed;
} apr_data;

typedef struct apr_ws {
	double *A[LL_MAX_MODES]; /* dim[n] x R */
	double *lambda;          /* R */
	double *B, *Phi, *D, *A0; /* maxdim x R */
	double *lam0;            /* R: the weights before a mode's update */
	double *Phin[LL_MAX_MODES]; /* the last Phi ./ D of each mode, for the scooch */
	double *left;            /* rows x R: Khatri-Rao of modes 0..N-2 with the weights */
	double *M, *Y;           /* size: the model, the ratio tensor */
	double *U[LL_MAX_MODES]; /* factor pointers for the MTTKRP */
	ll_mttkrp_ws *mws;
} apr_ws;

static void ws_free(apr_ws *w, int N)
{
	for (int n = 0; n < N; n++) {
		ll_free(w->A[n]);
		ll_free(w->Phin[n]);
	}
	ll_free(w->lambda);
	ll_free(w->B);
	ll_free(w->Phi);
	ll_free(w->D);
	ll_free(w->lam0);
	ll_free(w->A0);
	ll_free(w->left);
	ll_free(w->M);
	ll_free(w->Y);
	ll_mttkrp_ws_free(w->mws);
	memset(w, 0, sizeof *w);
}

/* M = full(weights w in mode `mode` replaced by Bm), i.e. the model with
 * factor `mode` taken from Bm and no lambda (Bm carries it); mode = -1:
 * the A's with lambda. */
static void reconstruct(const apr_data *d, apr_ws *w, int mode, const double *Bm)
{
	const ll_tensor *X = d->X;
	size_t R = d->R, N = (size_t)d->N, last = N - 1;
	/* left (rows x R): row (i_0 .. i_{N-2}) = prod_{k < last} U_k[i_k, :],
	 * times lambda when no mode carries it */
	size_t nr = 1;
	for (size_t r = 0; r < R; r++)
		w->left[r] = mode < 0 ? w->lambda[r] : 1.0;
	for (size_t k = 0; k < last; k++) {
		const double *U = (int)k == mode ? Bm : w->A[k];
		size_t dk = X->dim[k];
		/* expand in place from the back: row i*dk + j = row i .* U[j] */
		for (size_t i = nr; i-- > 0;)
			for (size_t j = dk; j-- > 0;) {
				double *dst = w->left + (i * dk + j) * R;
				const double *src = w->left + i * R, *u = U + j * R;
				for (size_t r = 0; r < R; r++)
					dst[r] = src[r] * u[r];
			}
		nr *= dk;
	}
	const double *UL = (int)last == mode ? Bm : w->A[last];
	size_t dl = X->dim[last];
	/* M (rows x dl) = left (rows x R) UL^T, split by rows over the threads */
#ifdef _OPENMP
#pragma omp parallel
	{
		size_t t = (size_t)omp_get_thread_num(), T = (size_t)omp_get_num_threads();
		size_t r0 = nr * t / T, r1 = nr * (t + 1) / T;
		if (r1 > r0)
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(r1 - r0), (int)dl, (int)R, 1.0,
				    w->left + r0 * R, (int)R, UL, (int)R, 0.0, w->M + r0 * dl, (int)dl);
	}
#else
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, (int)dl, (int)R, 1.0, w->left, (int)R, UL,
		    (int)R, 0.0, w->M, (int)dl);
#endif
}

/* f(M) = sum_W (m - x log m) over the model in w->M */
static double loss(const apr_data *d, const apr_ws *w)
{
	const double *x = d->X->data, *m = w->M;
	const double *wm = d->W ? d->W->data : NULL;
	size_t n = d->X->size;
	double f = 0.0;
#pragma omp parallel for reduction(+ : f) schedule(static)
	for (size_t i = 0; i < n; i++) {
		if ((wm && wm[i] == 0.0) || isnan(x[i]))
			continue;
		double mi = m[i] > EPS_DIV ? m[i] : EPS_DIV;
		f += m[i] - (x[i] > 0.0 ? x[i] * log(mi) : 0.0);
	}
	return f;
}

/* Y = W.X ./ max(M, eps) (0 where missing, and where x = 0) */
static void ratio(const apr_data *d, apr_ws *w)
{
	const double *x = d->X->data, *m = w->M;
	const double *wm = d->W ? d->W->data : NULL;
	size_t n = d->X->size;
	double *y = w->Y;
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < n; i++) {
		if ((wm && wm[i] == 0.0) || isnan(x[i]) || x[i] == 0.0)
			y[i] = 0.0;
		else
			y[i] = x[i] / (m[i] > EPS_DIV ? m[i] : EPS_DIV);
	}
}

/* D (dim[n] x R) = MTTKRP(W, A, n): with no mask, the product of the other
 * modes' column sums, the same for every row */
static int denominators(const apr_data *d, apr_ws *w, int n, double *D, ll_err *err)
{
	size_t R = d->R, dn = d->X->dim[n];
	if (!d->W) {
		for (size_t r = 0; r < R; r++) {
			double p = 1.0;
			for (int k = 0; k < d->N; k++) {
				if (k == n)
					continue;
				double s = 0.0;
				for (size_t i = 0; i < d->X->dim[k]; i++)
					s += w->A[k][i * R + r];
				p *= s;
			}
			for (size_t i = 0; i < dn; i++)
				D[i * R + r] = p;
		}
		return LL_OK;
	}
	for (int k = 0; k < d->N; k++)
		w->U[k] = w->A[k];
	ll_mttkrp_ws_reset(w->mws);
	return ll_mttkrp(w->mws, d->W, w->U, R, n, D, err);
}

/* lambda = column sums of B, A_n = B Lambda^-1 (a zero column stays zero) */
static void absorb(const apr_data *d, apr_ws *w, int n)
{
	size_t R = d->R, dn = d->X->dim[n];
	for (size_t r = 0; r < R; r++) {
		double s = 0.0;
		for (size_t i = 0; i < dn; i++)
			s += w->B[i * R + r];
		w->lambda[r] = s;
		for (size_t i = 0; i < dn; i++)
			w->A[n][i * R + r] = s > 0.0 ? w->B[i * R + r] / s : 0.0;
	}
}

/* The inner iterations of mode n from w->B; *first_ok: the first KKT check
 * passed.  Leaves lambda and A_n updated and returns f after them in *f. */
static int mode_update(const apr_data *d, apr_ws *w, int n, int *first_ok, double *f, ll_err *err)
{
	size_t R = d->R, dn = d->X->dim[n], q = dn * R;
	int rc = denominators(d, w, n, w->D, err);
	if (rc != LL_OK)
		return rc;
	*first_ok = 0;
	for (int l = 0; l < INNER_MAX; l++) {
		reconstruct(d, w, n, w->B);
		ratio(d, w);
		for (int k = 0; k < d->N; k++)
			w->U[k] = w->A[k];
		ll_tensor Yt = *d->X; /* a view: X's shape, the ratios */
		Yt.data = w->Y;
		ll_mttkrp_ws_reset(w->mws);
		rc = ll_mttkrp(w->mws, &Yt, w->U, R, n, w->Phi, err);
		if (rc != LL_OK)
			return rc;
		double kkt = 0.0;
		for (size_t i = 0; i < q; i++) {
			double ph = w->D[i] > 0.0 ? w->Phi[i] / w->D[i] : 1.0;
			w->Phin[n][i] = ph;
			double v = fabs(fmin(w->B[i], 1.0 - ph));
			if (v > kkt)
				kkt = v;
		}
		if (kkt < KKT_TOL) {
			if (l == 0)
				*first_ok = 1;
			break;
		}
		for (size_t i = 0; i < q; i++)
			w->B[i] *= w->Phin[n][i];
	}
	absorb(d, w, n);
	reconstruct(d, w, -1, NULL);
	*f = loss(d, w);
	return LL_OK;
}

static int apr_one(const apr_data *d, const ll_cp_opts *o, uint64_t seed, size_t rep,
		   ll_cp_result *res, ll_err *err)
{
	const ll_tensor *X = d->X;
	size_t R = d->R, N = (size_t)d->N, maxdim = 0;
	double t0 = ll_now();
	for (size_t n = 0; n < N; n++)
		if (X->dim[n] > maxdim)
			maxdim = X->dim[n];
	apr_ws w;
	memset(&w, 0, sizeof w);
	int rc = LL_OK;
	for (size_t n = 0; n < N && rc == LL_OK; n++)
		if (!(w.A[n] = ll_malloc_array(X->dim[n] * R, sizeof(double))) ||
		    !(w.Phin[n] = ll_malloc_array(X->dim[n] * R, sizeof(double))))
			rc = LL_ENOMEM;
	w.lambda = ll_malloc_array(R, sizeof(double));
	w.B = ll_malloc_array(maxdim * R, sizeof(double));
	w.Phi = ll_malloc_array(maxdim * R, sizeof(double));
	w.D = ll_malloc_array(maxdim * R, sizeof(double));
	w.lam0 = ll_malloc_array(R, sizeof(double));
	w.A0 = ll_malloc_array(maxdim * R, sizeof(double));
	w.left = ll_malloc_array(d->rows, R * sizeof(double));
	w.M = ll_malloc_array(X->size, sizeof(double));
	w.Y = ll_malloc_array(X->size, sizeof(double));
	if (rc != LL_OK || !w.lambda || !w.B || !w.Phi || !w.D || !w.lam0 || !w.A0 || !w.left || !w.M || !w.Y) {
		ws_free(&w, (int)N);
		return ll_err_set(err, LL_ENOMEM, "cp-apr: out of memory for a %zu-entry tensor", X->size);
	}
	ll_err e2;
	ll_err_clear(&e2);
	w.mws = ll_mttkrp_ws_new(X, R, &e2);
	if (!w.mws) {
		ws_free(&w, (int)N);
		return ll_err_set(err, e2.code != LL_OK ? e2.code : LL_ENOMEM, "%s", e2.msg);
	}

	/* the start: the given model, or uniform random factors; free modes
	 * normalised to unit column sums, the weights sharing the observed
	 * total (scaled up for missing entries) */
	if (o->init_model) {
		for (size_t n = 0; n < N; n++)
			memcpy(w.A[n], o->init_model->U[n], X->dim[n] * R * sizeof(double));
		memcpy(w.lambda, o->init_model->lambda, R * sizeof(double));
	} else {
		ll_rng rng;
		ll_rng_init(&rng, seed);
		for (size_t n = 0; n < N; n++)
			for (size_t i = 0; i < X->dim[n] * R; i++)
				w.A[n][i] = ll_rng_uniform(&rng);
		for (size_t r = 0; r < R; r++)
			w.lambda[r] = d->total * ((double)X->size / (double)d->nobs) / (double)R;
	}
	for (size_t n = 0; n < N; n++) {
		if (d->fixed >> n & 1u)
			continue;
		for (size_t r = 0; r < R; r++) {
			double s = 0.0;
			for (size_t i = 0; i < X->dim[n]; i++)
				s += w.A[n][i * R + r];
			if (s > 0.0) {
				w.lambda[r] *= s;
				for (size_t i = 0; i < X->dim[n]; i++)
					w.A[n][i * R + r] /= s;
			}
		}
	}
	reconstruct(d, &w, -1, NULL);
	double f = loss(d, &w);
	double scale = d->fnull - d->fx; /* the null model's half-deviance */
	if (!(scale > 0.0))
		scale = 1.0;
	double *hist = ll_malloc_array((size_t)o->max_iter, sizeof(double));
	if (!hist) {
		ws_free(&w, (int)N);
		return ll_err_set(err, LL_ENOMEM, "cp-apr: out of memory");
	}
	char stage[64], detail[128];
	snprintf(stage, sizeof stage, "cp-apr rank %zu", R);
	int iters = 0, converged = 0;
	double prev = (f - d->fx) / scale;
	for (int k = 1; k <= o->max_iter; k++) {
		int all_ok = 1;
		for (size_t n = 0; n < N; n++) {
			if (d->fixed >> n & 1u)
				continue;
			size_t q = X->dim[n] * R;
			int scooch = 0;
			/* B = (A_n + S) Lambda */
			memcpy(w.A0, w.A[n], q * sizeof(double));
			memcpy(w.lam0, w.lambda, R * sizeof(double));
			for (size_t i = 0; i < q; i++) {
				double a = w.A[n][i];
				if (k > 1 && a < KAPPA_TOL && w.Phin[n][i] > 1.0) {
					a += KAPPA;
					scooch = 1;
				}
				w.B[i] = a * w.lambda[i % R];
			}
			int ok = 0;
			double fn;
			if ((rc = mode_update(d, &w, (int)n, &ok, &fn, err)) != LL_OK)
				goto out;
			if (scooch && fn > f) {
				/* the scooch raised the loss: redo the mode without it */
				memcpy(w.A[n], w.A0, q * sizeof(double));
				memcpy(w.lambda, w.lam0, R * sizeof(double));
				for (size_t i = 0; i < q; i++)
					w.B[i] = w.A[n][i] * w.lambda[i % R];
				if ((rc = mode_update(d, &w, (int)n, &ok, &fn, err)) != LL_OK)
					goto out;
			}
			all_ok &= ok;
			f = fn;
		}
		double rel = (f - d->fx) / scale;
		if (!isfinite(rel)) {
			rc = ll_err_set(err, LL_ENUMERIC, "%s replicate %zu (seed %llu): the fit diverged at iteration %d",
					stage, o->rep_first + rep + 1, (unsigned long long)seed, k);
			goto out;
		}
		hist[iters++] = rel;
		if (o->progress) {
			snprintf(detail, sizeof detail, "iteration %d: relative deviance %.6g", k, rel);
			ll_progress pr = {stage, (double)k / (double)o->max_iter, detail};
			if (o->progress(o->progress_ud, &pr) != 0) {
				rc = ll_err_set(err, LL_ECANCELED, "%s: canceled at iteration %d", stage, k);
				goto out;
			}
		}
		if (k >= o->min_iter && k > 1 && (all_ok || fabs(prev - rel) < o->tol)) {
			converged = 1;
			break;
		}
		prev = rel;
	}

	/* the result: the model, its deviance and its least-squares error */
	rc = ll_ktensor_init(&res->K, (int)N, X->dim, R, err);
	if (rc != LL_OK)
		goto out;
	for (size_t n = 0; n < N; n++)
		memcpy(res->K.U[n], w.A[n], X->dim[n] * R * sizeof(double));
	memcpy(res->K.lambda, w.lambda, R * sizeof(double));
	{
		double r2 = 0.0;
		const double *x = X->data, *wm = d->W ? d->W->data : NULL;
		for (size_t i = 0; i < X->size; i++)
			if (!(wm && wm[i] == 0.0) && !isnan(x[i]))
				r2 += (x[i] - w.M[i]) * (x[i] - w.M[i]);
		res->obj = sqrt(r2 / d->nx2);
	}
	ll_cp_tidy(&res->K, d->fixed);
	res->seed = seed;
	res->deviance = 2.0 * (f - d->fx);
	res->obj_pen = iters ? hist[iters - 1] : prev;
	res->penalty = 0.0;
	res->hist = hist;
	hist = NULL;
	res->iters = iters;
	res->converged = converged;
	res->seconds = ll_now() - t0;
out:
	ll_free(hist);
	ws_free(&w, (int)N);
	if (rc != LL_OK)
		ll_cp_result_free(res);
	return rc;
}

int ll_cpapr_fit_batch(const ll_tensor *X, const ll_cp_opts *o, size_t nrep, const uint64_t *seeds,
		       ll_cp_result *res, ll_err *err)
{
	apr_data d;
	memset(&d, 0, sizeof d);
	d.X = X;
	d.W = o->mask;
	d.N = X->nmodes;
	d.R = o->rank;
	d.rows = X->size / X->dim[X->nmodes - 1];
	d.fixed = o->fixed_modes;
	/* negative counts have no Poisson likelihood */
	const double *wm = o->mask ? o->mask->data : NULL;
	double mean;
	for (size_t i = 0; i < X->size; i++) {
		double x = X->data[i];
		if ((wm && wm[i] == 0.0) || isnan(x))
			continue;
		if (x < 0.0) {
			char at[128];
			ll_tensor_index_str(X, i, at, sizeof at);
			return ll_err_set(err, LL_EINVAL,
					  "cp-apr: the data hold %g at %s; Poisson CP needs counts (>= 0): use "
					  "ncp-hals or cp-als for data that go negative", x, at);
		}
		d.nobs++;
		d.total += x;
		d.nx2 += x * x;
		d.fx += x - (x > 0.0 ? x * log(x) : 0.0);
	}
	mean = d.total / (double)d.nobs;
	d.fnull = (double)d.nobs * mean - (mean > 0.0 ? d.total * log(mean) : 0.0);
	for (size_t i = 0; i < nrep; i++)
		memset(&res[i], 0, sizeof res[i]);
	for (size_t i = 0; i < nrep; i++) {
		int rc = apr_one(&d, o, seeds[i], i, &res[i], err);
		if (rc != LL_OK) {
			for (size_t j = 0; j < i; j++)
				ll_cp_result_free(&res[j]);
			return rc;
		}
	}
	return LL_OK;
}
