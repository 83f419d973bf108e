/*
 * CP decompositions: ALS, non-negative HALS and non-negative BCD, all
 * fitted through one batched engine.
 *
 * Batching.  The replicates of one call share every pass over X: their
 * factor matrices are stacked side by side (dim[n] x (nact * rank)) and one
 * ll_mttkrp call per mode, modes 0..N-1 in order, serves them all.
 * Everything else (Gram matrices, solves, normalisation, objective,
 * convergence) is per replicate, on the replicate's own contiguous copy of
 * its factors, with the same code and order of operations as a solo fit;
 * a batched replicate therefore equals its solo fit up to the rounding of
 * the MTTKRP.  A replicate that has converged is finalised at once and its
 * columns are dropped from the stack (the MTTKRP workspace is reset then).
 *
 * Missing data (mask zeros and NaN).  EM-style imputation, done without a
 * copy of X per replicate: the dense MTTKRP reads Xw = X with every
 * missing entry set to 0 (so a missing entry's stored value is never
 * read), and each replicate adds a sparse MTTKRP over the missing entries
 * holding its model's values m_e.  The sum is the MTTKRP of the imputed
 * tensor W.X + (1-W).M.  The m_e are re-imputed once per iteration, from
 * the model at the end of the sweep.  A sweep decreases the full-data
 * surrogate, which majorises the masked objective and touches it at the
 * imputed point, so the masked objective does not rise (ALS, HALS).
 * The sparse part costs a pass over the missing entries per mode (all
 * replicates at once), so masked fits slow down with the missing fraction.
 *
 * Objective, from inner products (X is never rebuilt):
 *   ||W.(X-M)||^2 = ||W.X||^2 - 2 <W.X, M> + ||M||^2 - sum_e m_e^2,
 * with <W.X, M> from the last mode's dense MTTKRP, ||M||^2 from the
 * Gram matrices, and the last sum over missing entries; clamped at 0 and
 * reported as ||W.(X-M)|| / ||W.X||.  Near an exact fit this has
 * cancellation error of about sqrt(eps) (a true 0 may read 1e-8).
 *
 * Reaching the optimum (issue 16).  cp-als and ncp-hals extrapolate:
 * after EXTRAP_AFTER plain sweeps each sweep starts from the last accepted
 * model pushed along its last step, and a sweep that ends worse is undone
 * (so the reported objective never rises); ncp-hals repeats its column
 * sweeps within a mode while they still pay.  On planted tensors this
 * takes fits past the plateaus where |change| < tol used to stop them.
 *
 * In a batch, res[i].seconds is the wall time from the start of the call
 * until replicate i finished.
 */
#include "tensor/ll_cp.h"

#include <cblas.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_blas.h"
#include "linalg/ll_linalg.h"
#include "tensor/ll_cpapr.h"
#include "tensor/ll_mttkrp.h"
#include "base/ll_rng.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* HALS inner sweeps per mode (Gillis & Glineur 2012): repeat the column
 * sweep while it still moves the factor by more than HALS_INNER_EPS of what
 * the first sweep did, at most HALS_INNER_MAX times.  A sweep costs
 * O(dim[n] R^2), the MTTKRP that feeds it O(size R): extra sweeps are
 * nearly free and make each outer iteration an almost exact NNLS solve
 * (as TensorLy's hals_nnls), so fits stop far less often on a plateau. */
#define HALS_INNER_MAX 50
#define HALS_INNER_EPS 1e-4
/* Extrapolation with restarts for cp-als and ncp-hals (Ang & Gillis 2019,
 * after Bro 1998 / Rajih et al. 2008): start each sweep from
 * U + beta (U - U_prev); a sweep that ends worse than the last accepted
 * model is undone and beta shrinks by EXTRAP_SHRINK, a success grows it
 * by EXTRAP_GROW up to a cap that itself creeps up to 1. */
#define EXTRAP_BETA0 0.5
/* plain sweeps first: the early ones move far from the random start, and
 * extrapolating along them throws fits into poor basins (masked planted
 * tensors: 10 -> 5 of 10 fits recovered, extrapolating from sweep 2) */
#define EXTRAP_AFTER 5
#define EXTRAP_SHRINK 1.5
#define EXTRAP_GROW 1.1
#define EXTRAP_CAP_GROW 1.01
#define SVD_EXACT_MAX 512     /* larger modes use subspace iteration */
#define SVD_OVERSAMPLE 8
#define SVD_POWER_ITERS 6
#define SVD_SEED 0x5bd1e995u  /* fixed: the SVD part of an init is seed-independent */

/* ---- options, names, results --------------------------------------------- */

void ll_cp_opts_default(ll_cp_opts *o)
{
	memset(o, 0, sizeof *o);
	o->method = LL_CP_ALS;
	o->rank = 1;
	o->init = LL_CP_INIT_RANDOM;
	o->tol = 1e-6;
	o->max_iter = 500;
	o->min_iter = 1;
	o->accel = 1;
}

static const char *const method_names[] = {LL_CP_METHODS(LL_ENUM_NAME)};
#define N_METHODS LL_ENUM_N(LL_CP_METHODS)

const char *ll_cp_method_name(ll_cp_method m)
{
	if ((int)m < 0 || (int)m >= N_METHODS)
		return "unknown";
	return method_names[m];
}

/* Case-insensitive; '_' is accepted for '-' ("CP_ALS"). */
int ll_cp_method_parse(const char *s, ll_cp_method *m)
{
	int k = ll_name_lookup(method_names, N_METHODS, s);
	if (k < 0 || !m)
		return LL_EINVAL;
	*m = (ll_cp_method)k;
	return LL_OK;
}

int ll_cp_modes_parse(const char *s, unsigned *bits)
{
	unsigned b = 0;
	if (!s || !bits)
		return LL_EINVAL;
	while (*s == ' ')
		s++;
	if (*s == '\0' || !strcmp(s, "none")) {
		*bits = 0;
		return LL_OK;
	}
	for (;;) {
		while (*s == ' ')
			s++;
		if (*s < '0' || *s > '9')
			return LL_EINVAL;
		int n = 0;
		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (*s++ - '0');
			if (n >= LL_MAX_MODES)
				return LL_EINVAL;
		}
		b |= 1u << n;
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		if (*s++ != ',')
			return LL_EINVAL;
	}
	*bits = b;
	return LL_OK;
}

const char *ll_cp_modes_str(unsigned bits, char *buf, size_t len)
{
	size_t k = 0;
	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (int n = 0; n < LL_MAX_MODES && k < len; n++)
		if (bits >> n & 1u)
			k += (size_t)snprintf(buf + k, len - k, "%s%d", k ? "," : "", n);
	if (!bits)
		snprintf(buf, len, "none");
	return buf;
}

void ll_cp_result_free(ll_cp_result *r)
{
	if (!r)
		return;
	ll_ktensor_free(&r->K);
	ll_free(r->hist);
	memset(r, 0, sizeof *r);
}

/* ---- validation ----------------------------------------------------------- */

/* Walk X (and the mask): count observed entries and their squared norm. */
static int scan_data(const ll_tensor *X, const ll_tensor *mask, size_t *nobs, double *nx2,
		     ll_err *err)
{
	char ib[96];
	size_t cnt = 0;
	double s = 0.0;
	for (size_t i = 0; i < X->size; i++) {
		if (mask) {
			double w = mask->data[i];
			if (w == 0.0)
				continue;
			if (w != 1.0)
				return ll_err_set(err, LL_EINVAL,
						  "cp: mask entry %s is %g; a mask holds only 0 (missing) or 1 (observed)",
						  ll_tensor_index_str(X, i, ib, sizeof ib), w);
		}
		double x = X->data[i];
		if (isnan(x))
			continue;
		if (isinf(x))
			return ll_err_set(err, LL_ENUMERIC,
					  "cp: data entry %s is %s; Inf is not allowed (use NaN or the mask for missing entries)",
					  ll_tensor_index_str(X, i, ib, sizeof ib), x > 0 ? "+Inf" : "-Inf");
		cnt++;
		s += x * x;
	}
	*nobs = cnt;
	*nx2 = s;
	return LL_OK;
}

/* The rank rule: for mode n, the ALS Gram matrix is the Gram of the
 * Khatri-Rao product of the other factors, which has prod_{k != n} dim[k]
 * rows.  A rank above that makes the mode-n subproblem singular for every
 * choice of factors, so the fit cannot be identified.  We refuse a rank
 * above the smallest such product (the product of all dims but the
 * largest), for every method alike so that models compare across methods. */
static int check_rank(const ll_tensor *X, size_t rank, ll_err *err)
{
	if (rank == 0)
		return ll_err_set(err, LL_EINVAL, "cp: rank must be at least 1 (got 0)");
	size_t best = SIZE_MAX;
	int bestn = 0;
	for (int n = 0; n < X->nmodes; n++) {
		size_t p = 1;
		for (int k = 0; k < X->nmodes; k++)
			if (k != n && !ll_mul_ok(p, X->dim[k], &p))
				p = SIZE_MAX;
		if (p < best) {
			best = p;
			bestn = n;
		}
	}
	if (rank > best)
		return ll_err_set(err, LL_EINVAL,
				  "cp: rank %zu exceeds %zu, the product of the other dimensions of mode %d",
				  rank, best, bestn);
	return LL_OK;
}

/* The warm start, fixed modes and penalties against X and each other. */
static int check_options(const ll_tensor *X, const ll_cp_opts *o, ll_err *err)
{
	int N = X->nmodes;
	unsigned all = N >= 32 ? ~0u : (1u << N) - 1u;
	char s1[128], s2[128];
	int nn = o->method != LL_CP_ALS;
	if (!(o->ridge >= 0.0) || !isfinite(o->ridge))
		return ll_err_set(err, LL_EINVAL, "cp: ridge must be a number >= 0 (got %g)", o->ridge);
	if (!(o->l1 >= 0.0) || !isfinite(o->l1))
		return ll_err_set(err, LL_EINVAL, "cp: l1 must be a number >= 0 (got %g)", o->l1);
	if ((o->ridge > 0.0 || o->l1 > 0.0) && (!nn || o->method == LL_CP_APR))
		return ll_err_set(err, LL_EINVAL,
				  "cp: ridge and l1 penalties are for the non-negative methods "
				  "(ncp-hals, ncp-bcd), not %s", ll_cp_method_name(o->method));
	if (o->l1_modes & ~all)
		return ll_err_set(err, LL_EINVAL, "cp: l1 modes name a mode past the data's %d (modes are 0 to %d)",
				  N, N - 1);
	unsigned l1m = o->l1_modes ? o->l1_modes : all;
	if (o->l1 > 0.0 && l1m != all && !(o->ridge > 0.0))
		return ll_err_set(err, LL_EINVAL,
				  "cp: l1 on modes %s only needs ridge > 0: without it the penalised "
				  "mode shrinks while the others grow, and no entry becomes zero",
				  ll_cp_modes_str(l1m, s1, sizeof s1));
	if (o->fixed_modes & ~all)
		return ll_err_set(err, LL_EINVAL, "cp: fixed modes name a mode past the data's %d (modes are 0 to %d)",
				  N, N - 1);
	if (o->fixed_modes == all)
		return ll_err_set(err, LL_EINVAL, "cp: every mode is fixed (%s): nothing is left to fit",
				  ll_cp_modes_str(all, s1, sizeof s1));
	if (o->fixed_modes && !o->init_model)
		return ll_err_set(err, LL_EINVAL,
				  "cp: fixed modes (%s) need a starting model to take them from (a warm start)",
				  ll_cp_modes_str(o->fixed_modes, s1, sizeof s1));
	const ll_ktensor *K = o->init_model;
	if (!K)
		return LL_OK;
	int same = K->nmodes == N;
	for (int n = 0; same && n < N; n++)
		same = K->dim[n] == X->dim[n];
	if (!same) {
		ll_tensor t = {.nmodes = K->nmodes};
		memcpy(t.dim, K->dim, sizeof t.dim);
		return ll_err_set(err, LL_ESHAPE, "cp: the starting model is shaped %s but the data %s",
				  ll_tensor_shape_str(&t, s1, sizeof s1),
				  ll_tensor_shape_str(X, s2, sizeof s2));
	}
	if (K->rank != o->rank)
		return ll_err_set(err, LL_EINVAL, "cp: the starting model has rank %zu, the fit asks for rank %zu",
				  K->rank, o->rank);
	for (size_t r = 0; r < K->rank; r++)
		if (!isfinite(K->lambda[r]) || (nn && K->lambda[r] < 0.0))
			return ll_err_set(err, LL_EINVAL, "cp: the starting model's weight %zu is %g%s", r + 1,
					  K->lambda[r], nn ? " (a non-negative method needs weights >= 0)" : "");
	for (int n = 0; n < N; n++)
		for (size_t i = 0; i < K->dim[n] * K->rank; i++) {
			double v = K->U[n][i];
			if (!isfinite(v) || (nn && v < 0.0))
				return ll_err_set(err, LL_EINVAL,
						  "cp: the starting model's factor %d has %g at row %zu, component %zu%s",
						  n, v, i / K->rank + 1, i % K->rank + 1,
						  nn ? " (a non-negative method needs a non-negative start)" : "");
		}
	return LL_OK;
}

static int check_all(const ll_tensor *X, const ll_cp_opts *o, size_t *nobs, double *nx2,
		     ll_err *err)
{
	char s1[128], s2[128];
	if (!X || !X->data || X->size == 0)
		return ll_err_set(err, LL_EINVAL, "cp: no data tensor");
	if (!o)
		return ll_err_set(err, LL_EINVAL, "cp: no options");
	if ((int)o->method < 0 || (int)o->method >= N_METHODS)
		return ll_err_set(err, LL_EINVAL, "cp: unknown method %d", (int)o->method);
	if (o->init != LL_CP_INIT_RANDOM && o->init != LL_CP_INIT_SVD)
		return ll_err_set(err, LL_EINVAL, "cp: unknown init %d", (int)o->init);
	if (X->nmodes < 2 || X->nmodes > LL_MAX_MODES)
		return ll_err_set(err, LL_ESHAPE,
				  "cp: data has %d mode%s (%s); CP needs 2 to %d modes", X->nmodes,
				  X->nmodes == 1 ? "" : "s", ll_tensor_shape_str(X, s1, sizeof s1),
				  LL_MAX_MODES);
	int rc = check_rank(X, o->rank, err);
	if (rc != LL_OK)
		return rc;
	if (!(o->tol > 0.0) || !isfinite(o->tol))
		return ll_err_set(err, LL_EINVAL, "cp: tol must be a positive number (got %g)", o->tol);
	if (o->max_iter < 1)
		return ll_err_set(err, LL_EINVAL, "cp: max_iter must be at least 1 (got %d)",
				  o->max_iter);
	if (o->min_iter < 0)
		return ll_err_set(err, LL_EINVAL, "cp: min_iter must be at least 0 (got %d)",
				  o->min_iter);
	if (o->mask) {
		if (!o->mask->data || !ll_tensor_same_shape(o->mask, X))
			return ll_err_set(err, LL_ESHAPE, "cp: mask shape %s does not match data %s",
					  o->mask->data ? ll_tensor_shape_str(o->mask, s1, sizeof s1) : "(empty)",
					  ll_tensor_shape_str(X, s2, sizeof s2));
	}
	rc = check_options(X, o, err);
	if (rc != LL_OK)
		return rc;
	rc = scan_data(X, o->mask, nobs, nx2, err);
	if (rc != LL_OK)
		return rc;
	if (*nobs == 0)
		return ll_err_set(err, LL_EINVAL,
				  "cp: no observed entries (every entry is NaN or masked out)");
	if (!isfinite(*nx2) || *nx2 < 1e-280) {
		/* all zero, or a scale the fit's sums of squares cannot hold */
		double mx = 0.0;
		for (size_t i = 0; i < X->size; i++)
			if (!isnan(X->data[i]) && (!o->mask || o->mask->data[i] != 0.0))
				mx = fmax(mx, fabs(X->data[i]));
		if (mx == 0.0)
			return ll_err_set(err, LL_EINVAL, "cp: the observed data are all zero (||X|| = 0)");
		return ll_err_set(err, LL_ENUMERIC,
				  "cp: the data are too %s to fit in double precision (largest |x| = %g): "
				  "rescale them, e.g. to a maximum of 1",
				  isfinite(*nx2) ? "small" : "large", mx);
	}
	return LL_OK;
}

int ll_cp_check(const ll_tensor *X, const ll_cp_opts *o, ll_err *err)
{
	size_t nobs;
	double nx2;
	return check_all(X, o, &nobs, &nx2, err);
}

/* ---- data prepared for the fit ------------------------------------------- */

typedef struct cp_data {
	int N;
	size_t dim[LL_MAX_MODES];
	size_t maxdim;
	const ll_tensor *X; /* what the MTTKRP reads: the input, or Xw */
	ll_tensor Xw;       /* missing entries zeroed (only when some are missing) */
	double nx2;         /* ||W.X||^2 */
	double target2;     /* ||M||^2 an initial model is scaled to */
	int nonneg;         /* the observed data are non-negative up to noise */
	unsigned fixed;     /* modes not updated (bit n) */
	int last_free;      /* the last mode updated in a sweep: the objective's
			     * terms are taken after it */
	double ridge, l1;   /* the penalties (0 unregularised) */
	unsigned l1m;       /* the modes l1 applies to */
	int pen;            /* any penalty at all */
	/* The missing entries, in C order, as runs that share every
	 * coordinate but the last: run g is entries run[g] .. run[g+1]-1,
	 * with leading coordinates rco[g*N .. g*N+N-2], which first differ
	 * from run g-1's at mode runk0[g] (0 for the first run); entry e's
	 * last coordinate is mlast[e]. */
	size_t nmiss, nrun;
	uint32_t *mlast;    /* nmiss */
	uint32_t *rco;      /* nrun x N */
	size_t *run;        /* nrun + 1 */
	uint8_t *runk0;     /* nrun */
} cp_data;

static void data_free(cp_data *D)
{
	ll_tensor_free(&D->Xw);
	ll_free(D->mlast);
	ll_free(D->rco);
	ll_free(D->run);
	ll_free(D->runk0);
	memset(D, 0, sizeof *D);
}

static int data_prep(const ll_tensor *X, const ll_cp_opts *o, size_t nobs, double nx2,
		     cp_data *D, ll_err *err)
{
	memset(D, 0, sizeof *D);
	D->N = X->nmodes;
	memcpy(D->dim, X->dim, sizeof D->dim);
	for (int n = 0; n < D->N; n++)
		if (X->dim[n] > D->maxdim)
			D->maxdim = X->dim[n];
	D->X = X;
	D->nx2 = nx2;
	D->nmiss = X->size - nobs;
	D->fixed = o->fixed_modes;
	for (int n = 0; n < D->N; n++)
		if (!(D->fixed >> n & 1u))
			D->last_free = n;
	D->ridge = o->ridge;
	D->l1 = o->l1;
	D->l1m = o->l1_modes ? o->l1_modes : (D->N >= 32 ? ~0u : (1u << D->N) - 1u);
	D->pen = D->ridge > 0.0 || D->l1 > 0.0;
	/* ||W.X||^2 scaled up to the whole tensor: the size of model the
	 * observed data suggest */
	D->target2 = nx2 * ((double)X->size / (double)nobs);
	/* non-negative up to noise: negative entries hold under 1% of the
	 * observed sum of squares (small noise on a non-negative signal
	 * puts about half its own energy there) */
	double neg2 = 0.0;
	for (size_t i = 0; i < X->size; i++)
		if (X->data[i] < 0.0 && (!o->mask || o->mask->data[i] != 0.0))
			neg2 += X->data[i] * X->data[i]; /* NaN compares false: missing */
	D->nonneg = neg2 <= 0.01 * nx2;
	if (D->nmiss == 0)
		return LL_OK;
	for (int n = 0; n < D->N; n++)
		if (X->dim[n] > UINT32_MAX)
			return ll_err_set(err, LL_ENOTSUP,
					  "cp: missing entries with mode %d of size %zu are not supported",
					  n, X->dim[n]);
	int rc = ll_tensor_copy(&D->Xw, X, err);
	if (rc != LL_OK)
		return rc;
	size_t N = (size_t)D->N, last = N - 1, dl = X->dim[last], nrun = 0, prev = SIZE_MAX;
	/* count the runs first (missing entries with the same leading
	 * coordinates, i.e. the same i / dim[last]), so every array is
	 * allocated at its size: no shrinking realloc whose failure would be
	 * shrugged off */
	for (size_t i = 0; i < X->size; i++)
		if (isnan(X->data[i]) || (o->mask && o->mask->data[i] == 0.0)) {
			if (i / dl != prev)
				nrun++;
			prev = i / dl;
		}
	D->mlast = ll_malloc_array(D->nmiss, sizeof *D->mlast);
	D->rco = ll_malloc_array(nrun, N * sizeof *D->rco);
	D->run = ll_malloc_array(nrun + 1, sizeof *D->run);
	D->runk0 = ll_malloc_array(nrun, sizeof *D->runk0);
	if (!D->mlast || !D->rco || !D->run || !D->runk0) {
		data_free(D);
		return ll_err_set(err, LL_ENOMEM, "cp: out of memory for %zu missing entries", D->nmiss);
	}
	size_t e = 0, idx[LL_MAX_MODES] = {0};
	for (size_t i = 0; i < X->size; i++) {
		int miss = isnan(X->data[i]) || (o->mask && o->mask->data[i] == 0.0);
		if (miss) {
			D->Xw.data[i] = 0.0;
			size_t k = 0;
			if (D->nrun > 0) {
				const uint32_t *pc = D->rco + (D->nrun - 1) * N;
				while (k < last && pc[k] == idx[k])
					k++;
			}
			if (D->nrun == 0 || k < last) { /* a new run */
				uint32_t *rc0 = D->rco + D->nrun * N;
				for (size_t j = 0; j < N; j++)
					rc0[j] = (uint32_t)idx[j];
				D->run[D->nrun] = e;
				D->runk0[D->nrun] = (uint8_t)(D->nrun > 0 ? k : 0);
				D->nrun++;
			}
			D->mlast[e++] = (uint32_t)idx[last];
		}
		for (int k = D->N - 1; k >= 0; k--) { /* odometer, last mode fastest */
			if (++idx[k] < X->dim[k])
				break;
			idx[k] = 0;
		}
	}
	D->run[D->nrun] = D->nmiss;
	D->X = &D->Xw;
	return LL_OK;
}

/* ---- per-replicate state --------------------------------------------------- */

typedef struct cp_rep {
	size_t slot;                 /* index into res[] and seeds[] */
	double *U[LL_MAX_MODES];     /* dim[n] x R: the current model */
	double *g[LL_MAX_MODES];     /* U[n]^T U[n] */
	double *lambda;              /* R; ALS keeps its column norms here */
	/* ncp-bcd */
	double *Um[LL_MAX_MODES];    /* extrapolated point, the prox centre */
	double *Uo[LL_MAX_MODES];    /* last accepted iterate (bcd; als and
				      * hals with accel) */
	double L[LL_MAX_MODES], Lo[LL_MAX_MODES];
	double t;
	int extrap;                  /* this sweep started from an extrapolated point */
	/* cp-als / ncp-hals extrapolation: lambda of the last accepted model,
	 * the step and its cap */
	double *lamo;
	double beta, beta_cap;
	int remiss;                  /* mv must be recomputed: U changed after
				      * the sweep */
	/* missing entries: the model's values there (imputation), and the
	 * values of the newest model */
	double *mv, *mv2;
	/* sweep results */
	double ip, nm2;
	double obj;                  /* objective of the current model (the
				      * penalised one when regularised) */
	double errv, pen;            /* its relative error and penalty */
	double best;                 /* the lowest objective so far */
	double *hist;
	size_t hcap;
	int iters, converged, done;
} cp_rep;

static void rep_free(cp_rep *p)
{
	for (int n = 0; n < LL_MAX_MODES; n++) {
		ll_free(p->U[n]);
		ll_free(p->g[n]);
		ll_free(p->Um[n]);
		ll_free(p->Uo[n]);
	}
	ll_free(p->lambda);
	ll_free(p->lamo);
	ll_free(p->mv);
	ll_free(p->mv2);
	ll_free(p->hist);
	memset(p, 0, sizeof *p);
}

static int rep_alloc(cp_rep *p, const cp_data *D, size_t R, ll_cp_method m, int accel)
{
	int bcd = m == LL_CP_NCP_BCD, ex = !bcd && accel;
	for (int n = 0; n < D->N; n++) {
		p->U[n] = ll_malloc_array(D->dim[n] * R, sizeof(double));
		p->g[n] = ll_malloc_array(R * R, sizeof(double));
		if (!p->U[n] || !p->g[n])
			return LL_ENOMEM;
		if (bcd && !(p->Um[n] = ll_malloc_array(D->dim[n] * R, sizeof(double))))
			return LL_ENOMEM;
		if ((bcd || ex) && !(p->Uo[n] = ll_malloc_array(D->dim[n] * R, sizeof(double))))
			return LL_ENOMEM;
	}
	p->lambda = ll_malloc_array(R, sizeof(double));
	if (!p->lambda)
		return LL_ENOMEM;
	if (ex && !(p->lamo = ll_malloc_array(R, sizeof(double))))
		return LL_ENOMEM;
	if (D->nmiss) {
		p->mv = ll_malloc_array(D->nmiss, sizeof(double));
		p->mv2 = ll_malloc_array(D->nmiss, sizeof(double));
		if (!p->mv || !p->mv2)
			return LL_ENOMEM;
	}
	return LL_OK;
}

static int hist_push(cp_rep *p, double v)
{
	if ((size_t)p->iters == p->hcap) {
		size_t cap = p->hcap ? 2 * p->hcap : 64;
		double *h = ll_realloc(p->hist, cap * sizeof *h);
		if (!h)
			return LL_ENOMEM;
		p->hist = h;
		p->hcap = cap;
	}
	p->hist[p->iters++] = v;
	return LL_OK;
}

/* G = Hadamard product of the Gram matrices of every mode but skip
 * (skip = -1: all modes). */
static void had_grams(const cp_rep *p, int N, int skip, size_t R, double *G)
{
	for (size_t i = 0; i < R * R; i++)
		G[i] = 1.0;
	for (int k = 0; k < N; k++)
		if (k != skip)
			for (size_t i = 0; i < R * R; i++)
				G[i] *= p->g[k][i];
}

static double dot_sum(const double *a, const double *b, size_t n)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* <U, P0> for U (d x R) and P0 (d rows of stride ld) */
static double inner_strided(const double *U, const double *P0, size_t ld, size_t d, size_t R)
{
	double s = 0.0;
	for (size_t i = 0; i < d; i++)
		s += dot_sum(U + i * R, P0 + i * ld, R);
	return s;
}

/* One pass over the missing entries for every active replicate at once,
 * on the stacked factors S (dim[k] x RA, RA = nact * R):
 *   n >= 0: SP (dim[n] x RA) = MTTKRP of the sparse tensors holding each
 *           replicate's imputed values mv at the missing entries;
 *   n < 0:  each replicate's model values there into mv2 (with lambda),
 *           and their sums of squares into summ2[j].
 * The entries are in C order, so runs of them share every coordinate but
 * the last: the product over the leading modes (but n) is formed once per
 * run (pp, N rows: row k is the product over modes < k), and for n below
 * the last mode the run's contributions are summed before that product is
 * applied.  Every column sees the same operations whatever RA is, so a
 * replicate's numbers do not depend on the company it is fitted in; that
 * also lets threads split the replicates between them, with the same
 * results for any thread count. */
static void miss_cols(const cp_data *D, double *const *S, size_t R, cp_rep *const *ar,
		      size_t j0, size_t j1, size_t RA, int n, double *SP, double *scr, double *summ2)
{
	size_t N = (size_t)D->N, last = N - 1, q0 = j0 * R, RL = (j1 - j0) * R;
	/* this thread's own scratch, RL columns wide: the partial products
	 * pp (N rows), acc, and its part of SP (so threads never write the
	 * same cache line) */
	double *pp = scr + (N + 1 + D->maxdim) * q0;
	double *acc = pp + N * RL, *lsp = acc + RL;
	const double *pl = pp + last * RL;
	if (RL == 0)
		return;
	if (n >= 0) {
		for (size_t q = 0; q < RL; q++)
			pp[q] = 1.0;
		memset(lsp, 0, D->dim[n] * RL * sizeof *lsp);
	} else {
		for (size_t j = j0; j < j1; j++)
			memcpy(pp + (j - j0) * R, ar[j]->lambda, R * sizeof *pp);
	}
	if (n < 0)
		memset(acc, 0, (j1 - j0) * sizeof *acc); /* the sums of squares */
	for (size_t g = 0; g < D->nrun; g++) {
		size_t e = D->run[g], e1 = D->run[g + 1];
		const uint32_t *c = D->rco + g * N;
		for (size_t k = D->runk0[g]; k < last; k++) {
			const double *a = pp + k * RL;
			double *b = pp + (k + 1) * RL;
			if ((int)k == n) {
				memcpy(b, a, RL * sizeof *b);
			} else {
				const double *u = S[k] + (size_t)c[k] * RA + q0;
				LL_SIMD
				for (size_t q = 0; q < RL; q++)
					b[q] = a[q] * u[q];
			}
		}
		if (n >= 0 && (size_t)n < last)
			memset(acc, 0, RL * sizeof *acc);
		for (size_t f = e; f < e1; f++) {
			if (n < 0) {
				const double *restrict u = S[last] + (size_t)D->mlast[f] * RA + q0;
				for (size_t j = j0; j < j1; j++) {
					size_t o0 = (j - j0) * R;
					double v = 0.0;
					for (size_t r = 0; r < R; r++)
						v += pl[o0 + r] * u[o0 + r];
					ar[j]->mv2[f] = v;
					acc[j - j0] += v * v;
				}
				continue;
			}
			/* a scalar per replicate times R columns (filling a
			 * vector of the scalars instead stalls on store
			 * forwarding) */
			if ((size_t)n == last) {
				double *restrict o = lsp + (size_t)D->mlast[f] * RL;
				for (size_t j = j0; j < j1; j++) {
					double v = ar[j]->mv[f];
					const double *plj = pl + (j - j0) * R;
					LL_SIMD
					for (size_t r = 0; r < R; r++)
						o[(j - j0) * R + r] += v * plj[r];
				}
			} else {
				const double *restrict u = S[last] + (size_t)D->mlast[f] * RA + q0;
				for (size_t j = j0; j < j1; j++) {
					double v = ar[j]->mv[f];
					size_t o0 = (j - j0) * R;
					LL_SIMD
					for (size_t r = 0; r < R; r++)
						acc[o0 + r] += v * u[o0 + r];
				}
			}
		}
		if (n >= 0 && (size_t)n < last) {
			double *restrict o = lsp + (size_t)c[n] * RL;
			LL_SIMD
			for (size_t q = 0; q < RL; q++)
				o[q] += pl[q] * acc[q];
		}
	}
	if (n < 0) {
		for (size_t j = j0; j < j1; j++)
			summ2[j] = acc[j - j0];
		return;
	}
	for (size_t i = 0; i < D->dim[n]; i++)
		memcpy(SP + i * RA + q0, lsp + i * RL, RL * sizeof *SP);
}

/* scr: (N + 1 + maxdim) x RA doubles of scratch */
static void miss_pass(const cp_data *D, double *const *S, size_t R, cp_rep *const *ar,
		      size_t nact, int n, double *SP, double *scr, double *summ2)
{
#ifdef _OPENMP
	int nt = omp_get_max_threads();
	if ((size_t)nt > nact)
		nt = (int)nact;
#pragma omp parallel num_threads(nt) if (nt > 1)
	{
		size_t t = (size_t)omp_get_thread_num(), T = (size_t)omp_get_num_threads();
		miss_cols(D, S, R, ar, nact * t / T, nact * (t + 1) / T, nact * R, n, SP, scr, summ2);
	}
#else
	miss_cols(D, S, R, ar, 0, nact, nact * R, n, SP, scr, summ2);
#endif
}

/* ---- initialisation -------------------------------------------------------- */

/* Y (D x k) = X_(n) X_(n)^T Q for Q (D x k), X viewed as A x D x B blocks. */
static void unfold_gram_times(const ll_tensor *X, int n, const double *Q, size_t k,
			      double *Y, double *Z)
{
	size_t A = 1, B = 1, Dn = X->dim[n];
	for (int j = 0; j < n; j++)
		A *= X->dim[j];
	for (int j = n + 1; j < X->nmodes; j++)
		B *= X->dim[j];
	if (B == 1) { /* X_(n)^T is the A x D row-major matrix X */
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)A, (int)k, (int)Dn, 1.0,
			    X->data, (int)Dn, Q, (int)k, 0.0, Z, (int)k);
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)Dn, (int)k, (int)A, 1.0,
			    X->data, (int)Dn, Z, (int)k, 0.0, Y, (int)k);
		return;
	}
	memset(Y, 0, Dn * k * sizeof *Y);
	for (size_t a = 0; a < A; a++) {
		const double *Xa = X->data + a * Dn * B; /* D x B */
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)B, (int)k, (int)Dn, 1.0, Xa,
			    (int)B, Q, (int)k, 0.0, Z, (int)k);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Dn, (int)k, (int)B, 1.0, Xa,
			    (int)B, Z, (int)k, 1.0, Y, (int)k);
	}
}

/* The kn = min(R, dim[n]) leading left singular vectors of X_(n) into V
 * (dim[n] x kn).  Small modes: eigenvectors of X_(n) X_(n)^T formed with
 * dsyrk.  Large modes: subspace iteration from a fixed-seed start, then
 * Rayleigh-Ritz, so the result does not depend on any replicate's seed. */
static int svd_init_mode(const ll_tensor *X, int n, size_t kn, double *V, ll_err *err)
{
	size_t Dn = X->dim[n], A = 1, B = 1;
	for (int j = 0; j < n; j++)
		A *= X->dim[j];
	for (int j = n + 1; j < X->nmodes; j++)
		B *= X->dim[j];
	int rc;
	if (Dn <= SVD_EXACT_MAX) {
		double *C = ll_malloc_array(Dn * Dn, sizeof *C);
		if (!C)
			return ll_err_set(err, LL_ENOMEM, "cp: out of memory for the SVD init");
		if (B == 1) {
			cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)Dn, (int)A, 1.0, X->data,
				    (int)Dn, 0.0, C, (int)Dn);
		} else {
			for (size_t a = 0; a < A; a++)
				cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)Dn, (int)B, 1.0,
					    X->data + a * Dn * B, (int)B, a ? 1.0 : 0.0, C, (int)Dn);
		}
		for (size_t i = 0; i < Dn; i++)
			for (size_t j = 0; j < i; j++)
				C[i * Dn + j] = C[j * Dn + i];
		rc = ll_linalg_sym_topeig(C, Dn, kn, V, NULL, err);
		ll_free(C);
		return rc;
	}
	size_t k = kn + SVD_OVERSAMPLE < Dn ? kn + SVD_OVERSAMPLE : Dn;
	size_t zrows = B == 1 ? A : B;
	double *Q = ll_malloc_array(Dn * k, sizeof *Q);
	double *Y = ll_malloc_array(Dn * k, sizeof *Y);
	double *Z = ll_malloc_array(zrows * k, sizeof *Z);
	double *S = ll_malloc_array(k * k, sizeof *S);
	double *Wv = ll_malloc_array(k * kn, sizeof *Wv);
	if (!Q || !Y || !Z || !S || !Wv) {
		rc = ll_err_set(err, LL_ENOMEM, "cp: out of memory for the SVD init");
		goto out;
	}
	ll_rng rng;
	ll_rng_init(&rng, ll_seed_derive(SVD_SEED, (uint64_t)n, Dn));
	for (size_t i = 0; i < Dn * k; i++)
		Q[i] = ll_rng_normal(&rng);
	rc = ll_linalg_orth(Q, Dn, k, err);
	for (int it = 0; rc == LL_OK && it < SVD_POWER_ITERS; it++) {
		unfold_gram_times(X, n, Q, k, Y, Z);
		memcpy(Q, Y, Dn * k * sizeof *Q);
		rc = ll_linalg_orth(Q, Dn, k, err);
	}
	if (rc != LL_OK)
		goto out;
	/* Rayleigh-Ritz: S = Q^T C Q, V = Q . (leading eigenvectors of S) */
	unfold_gram_times(X, n, Q, k, Y, Z);
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)k, (int)Dn, 1.0, Q,
		    (int)k, Y, (int)k, 0.0, S, (int)k);
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < i; j++)
			S[i * k + j] = S[j * k + i] = 0.5 * (S[i * k + j] + S[j * k + i]);
	rc = ll_linalg_sym_topeig(S, k, kn, Wv, NULL, err);
	if (rc == LL_OK)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Dn, (int)kn, (int)k, 1.0,
			    Q, (int)k, Wv, (int)kn, 0.0, V, (int)kn);
out:
	ll_free(Q);
	ll_free(Y);
	ll_free(Z);
	ll_free(S);
	ll_free(Wv);
	return rc;
}

/* Starting model of a replicate: random (normal for ALS, uniform [0,1) for
 * the non-negative methods and for ALS on data that are non-negative up to
 * noise), or the SVD vectors (absolute values for the
 * non-negative methods) with random columns past dim[n]; then every factor
 * is scaled alike so that ||M|| matches the data. */
/* The warm start: the given model's factors, each component's weight
 * spread evenly over the modes (|w|^(1/N) each, its sign in mode 0), or
 * with fixed modes put whole into the first free mode, so the fixed ones
 * are copied bit for bit. */
static void warm_init(cp_rep *p, const cp_data *D, size_t R, const ll_ktensor *K)
{
	int N = D->N, first = 0;
	while (D->fixed >> first & 1u)
		first++;
	for (int n = 0; n < N; n++)
		memcpy(p->U[n], K->U[n], D->dim[n] * R * sizeof(double));
	for (size_t r = 0; r < R; r++) {
		double w = K->lambda[r];
		for (int n = 0; n < N; n++) {
			double f;
			if (D->fixed)
				f = n == first ? w : 1.0;
			else
				f = pow(fabs(w), 1.0 / N) * (n == 0 && w < 0.0 ? -1.0 : 1.0);
			if (f != 1.0)
				for (size_t i = 0; i < D->dim[n]; i++)
					p->U[n][i * R + r] *= f;
		}
	}
	for (int n = 0; n < N; n++)
		ll_linalg_gram(p->U[n], D->dim[n], R, p->g[n]);
}

static void init_tail(cp_rep *p, const cp_data *D, size_t R, ll_cp_method m);

static void rep_init(cp_rep *p, const cp_data *D, size_t R, const ll_cp_opts *o, uint64_t seed,
		     double *const *V, double *scr)
{
	ll_cp_method m = o->method;
	if (o->init_model) {
		warm_init(p, D, R, o->init_model);
		init_tail(p, D, R, m);
		return;
	}
	/* ALS on non-negative data (up to noise) starts non-negative too: a
	 * randn start puts half its mass where no data is, and on planted
	 * non-negative tensors stalls in a worse optimum far more often
	 * (issue 16: 14 -> 19 of 20 fits at the best, masked) */
	int nnsvd = m != LL_CP_ALS, nonneg = nnsvd || D->nonneg;
	ll_rng rng;
	ll_rng_init(&rng, seed);
	for (int n = 0; n < D->N; n++) {
		size_t kn = V ? (R < D->dim[n] ? R : D->dim[n]) : 0;
		for (size_t i = 0; i < D->dim[n]; i++)
			for (size_t r = 0; r < R; r++) {
				double v;
				if (r < kn)
					v = nnsvd ? fabs(V[n][i * kn + r]) : V[n][i * kn + r];
				else
					v = nonneg ? ll_rng_uniform(&rng) : ll_rng_normal(&rng);
				p->U[n][i * R + r] = v;
			}
		ll_linalg_gram(p->U[n], D->dim[n], R, p->g[n]);
	}
	had_grams(p, D->N, -1, R, scr);
	double nm2 = 0.0;
	for (size_t i = 0; i < R * R; i++)
		nm2 += scr[i];
	if (nm2 > 0.0 && isfinite(nm2)) {
		double s = pow(D->target2 / nm2, 0.5 / D->N);
		for (int n = 0; n < D->N; n++) {
			for (size_t i = 0; i < D->dim[n] * R; i++)
				p->U[n][i] *= s;
			ll_linalg_gram(p->U[n], D->dim[n], R, p->g[n]);
		}
	}
	init_tail(p, D, R, m);
}

/* What every start ends with: unit weights, and the extrapolation state
 * of ncp-bcd and of the accelerated methods at the starting point. */
static void init_tail(cp_rep *p, const cp_data *D, size_t R, ll_cp_method m)
{
	for (size_t r = 0; r < R; r++)
		p->lambda[r] = 1.0;
	if (m == LL_CP_NCP_BCD) {
		for (int n = 0; n < D->N; n++) {
			memcpy(p->Um[n], p->U[n], D->dim[n] * R * sizeof(double));
			memcpy(p->Uo[n], p->U[n], D->dim[n] * R * sizeof(double));
			p->L[n] = p->Lo[n] = 0.0;
		}
		p->t = 1.0;
		p->extrap = 0;
	}
	if (p->lamo) {
		for (int n = 0; n < D->N; n++)
			memcpy(p->Uo[n], p->U[n], D->dim[n] * R * sizeof(double));
		memcpy(p->lamo, p->lambda, R * sizeof(double));
		p->beta = EXTRAP_BETA0;
		p->beta_cap = 1.0;
		p->extrap = 0;
	}
	p->obj = INFINITY;
}

/* ---- the three updates of one mode ----------------------------------------- */

/* Work space shared by the replicates (they are updated one at a time). */
typedef struct cp_scr {
	double *P;  /* maxdim x R: MTTKRP of this replicate */
	double *T;  /* maxdim x R */
	double *G;  /* R x R */
	double *w;  /* R * R, for the init */
} cp_scr;

/* objective terms after the last mode: <W.X, M> and ||M||^2 */
static void last_mode_terms(cp_rep *p, const cp_data *D, int n, size_t R, const double *G,
			    const double *P0, size_t ld)
{
	p->ip = inner_strided(p->U[n], P0, ld, D->dim[n], R);
	p->nm2 = dot_sum(G, p->g[n], R * R);
}

/* ALS: U[n] = P G^-1 (Cholesky, least-squares fallback); columns are then
 * scaled to unit 2-norm with the norms kept in lambda (the 2-norm every
 * iteration, not the Toolbox's max-norm after the first: simpler, and the
 * fit is the same). */
static int update_als(cp_rep *p, const cp_data *D, int n, size_t R, cp_scr *s,
		      const double *P0, size_t ld, ll_err *err)
{
	size_t d = D->dim[n];
	double *U = p->U[n];
	had_grams(p, D->N, n, R, s->G);
	memcpy(U, s->P, d * R * sizeof *U);
	int rc = ll_linalg_gram_solve(s->G, R, U, d, NULL, err);
	if (rc != LL_OK)
		return rc;
	ll_linalg_gram(U, d, R, p->g[n]);
	if (n == D->last_free)
		last_mode_terms(p, D, n, R, s->G, P0, ld);
	for (size_t r = 0; r < R; r++) {
		double nr = sqrt(p->g[n][r * R + r]);
		p->lambda[r] = nr;
		if (nr > 0.0)
			for (size_t i = 0; i < d; i++)
				U[i * R + r] /= nr;
	}
	ll_linalg_gram(U, d, R, p->g[n]);
	return LL_OK;
}

/* HALS (Cichocki & Phan 2009): Gauss-Seidel sweeps over the columns, each
 * the exact minimiser for its column clipped at 0, repeated as
 * HALS_INNER_* say.  We clip at exactly 0 (no positive floor): a column
 * whose partner columns in the other modes are all zero (G[r][r] == 0) is
 * skipped instead, which is what a floor would guard against.  Entries
 * therefore stay >= 0. */
static void update_hals(cp_rep *p, const cp_data *D, int n, size_t R, cp_scr *s,
			const double *P0, size_t ld)
{
	size_t d = D->dim[n];
	double *U = p->U[n], *G = s->G;
	had_grams(p, D->N, n, R, G);
	/* the penalties: ridge adds rho to the column's curvature, l1 a
	 * constant to its gradient (the column minimiser stays exact) */
	double rho = D->ridge, l1 = D->l1m >> n & 1u ? D->l1 : 0.0;
	double first = 0.0;
	for (int sweep = 0; sweep < HALS_INNER_MAX; sweep++) {
		double moved = 0.0;
		for (size_t r = 0; r < R; r++) {
			double grr = G[r * R + r] + rho;
			if (!(grr > 0.0))
				continue;
			for (size_t i = 0; i < d; i++) {
				double *u = U + i * R;
				double v = u[r] + (s->P[i * R + r] - dot_sum(u, G + r * R, R) - l1 -
						   rho * u[r]) / grr;
				v = v > 0.0 ? v : 0.0;
				moved += (v - u[r]) * (v - u[r]) * grr;
				u[r] = v;
			}
		}
		if (sweep == 0)
			first = moved;
		if (!(moved > HALS_INNER_EPS * first))
			break;
	}
	ll_linalg_gram(U, d, R, p->g[n]);
	if (n == D->last_free)
		last_mode_terms(p, D, n, R, G, P0, ld);
}

/* BCD (Xu & Yin 2013): one projected gradient step of length 1/L from the
 * extrapolated point Um[n], L = ||G||_2 the block's Lipschitz constant. */
static int update_bcd(cp_rep *p, const cp_data *D, int n, size_t R, cp_scr *s,
		      const double *P0, size_t ld, ll_err *err)
{
	size_t d = D->dim[n];
	double *U = p->U[n], *Um = p->Um[n], *G = s->G;
	had_grams(p, D->N, n, R, G);
	double L = 0.0;
	int rc = ll_linalg_sym_maxeig(G, R, &L, err);
	if (rc != LL_OK)
		return rc;
	/* the penalties: ridge adds rho to the curvature and rho Um to the
	 * gradient; l1's proximal step on U >= 0 is a shift by l1 / L */
	double rho = D->ridge, l1 = D->l1m >> n & 1u ? D->l1 : 0.0;
	L += rho;
	p->L[n] = L;
	if (L > 0.0) {
		/* T = Um G - P (the gradient at Um) */
		memcpy(s->T, s->P, d * R * sizeof *s->T);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)R, (int)R, 1.0, Um,
			    (int)R, G, (int)R, -1.0, s->T, (int)R);
		for (size_t i = 0; i < d * R; i++) {
			double v = Um[i] - (s->T[i] + rho * Um[i] + l1) / L;
			U[i] = v > 0.0 ? v : 0.0;
		}
	} else {
		for (size_t i = 0; i < d * R; i++)
			U[i] = Um[i] > 0.0 ? Um[i] : 0.0;
	}
	ll_linalg_gram(U, d, R, p->g[n]);
	if (n == D->last_free)
		last_mode_terms(p, D, n, R, G, P0, ld);
	return LL_OK;
}

/* Equal column norms across modes, product unchanged (HALS, once a sweep):
 * keeps the scales from drifting apart, which slows HALS down. */
static void rebalance(cp_rep *p, const cp_data *D, size_t R)
{
	int N = D->N;
	for (size_t r = 0; r < R; r++) {
		double lg = 0.0;
		int ok = 1;
		for (int n = 0; n < N && ok; n++) {
			double c = p->g[n][r * R + r];
			ok = c > 0.0;
			if (ok)
				lg += 0.5 * log(c);
		}
		if (!ok)
			continue;
		double target = exp(lg / N);
		for (int n = 0; n < N; n++) {
			double f = target / sqrt(p->g[n][r * R + r]);
			for (size_t i = 0; i < D->dim[n]; i++)
				p->U[n][i * R + r] *= f;
		}
	}
	for (int n = 0; n < N; n++)
		ll_linalg_gram(p->U[n], D->dim[n], R, p->g[n]);
}

/* ---- end of an iteration ------------------------------------------------------ */

/* Objective, acceptance (BCD), history and the stopping rule.  A fit
 * whose objective is not finite, or has climbed above both 1 (worse than
 * the zero model) and twice its best, has diverged: every method here
 * descends (ALS and HALS monotonically, BCD with its restart), so only a
 * broken step or overflowing data gets there.  who names the fit. */
/* ridge/2 sum ||U_n||^2 + l1 sum over the l1 modes of ||U_n||_1 (U >= 0) */
static double penalty(const cp_rep *p, const cp_data *D, size_t R)
{
	double v = 0.0;
	for (int n = 0; n < D->N; n++) {
		if (D->ridge > 0.0) {
			double tr = 0.0;
			for (size_t r = 0; r < R; r++)
				tr += p->g[n][r * R + r];
			v += 0.5 * D->ridge * tr;
		}
		if (D->l1 > 0.0 && (D->l1m >> n & 1u)) {
			double s1 = 0.0;
			for (size_t i = 0; i < D->dim[n] * R; i++)
				s1 += p->U[n][i];
			v += D->l1 * s1;
		}
	}
	return v;
}

static int finish_iter(cp_rep *p, const cp_data *D, const ll_cp_opts *o, int iter, double summ2,
		       const char *who, ll_err *err)
{
	size_t R = o->rank;
	double r2 = D->nx2 - 2.0 * p->ip + p->nm2 - summ2;
	double errv = sqrt((r2 > 0.0 ? r2 : 0.0) / D->nx2), pen = 0.0, obj = errv;
	if (D->pen) {
		/* what the regularised fit minimises, in the error's units */
		pen = penalty(p, D, R);
		obj = sqrt((r2 > 0.0 ? r2 : 0.0) / D->nx2 + 2.0 * pen / D->nx2);
	}
	int accepted = 1;
	if (!isfinite(obj) || !isfinite(p->nm2) || !isfinite(p->ip))
		return ll_err_set(err, LL_ENUMERIC,
				  "%s: the fit diverged at iteration %d: the model is no longer finite",
				  who, iter);
	if (obj > 1.0 && obj > 2.0 * p->best)
		return ll_err_set(err, LL_ENUMERIC,
				  "%s: the fit diverged at iteration %d: the objective rose to %.3g "
				  "(best %.3g)", who, iter, obj, p->best);
	int judge = 1; /* may this iteration stop the fit */
	int extrap = 0; /* accepted: extrapolate from it (unless it is the last) */
	if (o->method == LL_CP_NCP_BCD) {
		if (p->extrap && obj >= p->obj) {
			/* the extrapolated sweep made it worse: go back to the last
			 * accepted model and take plain steps from there (Xu & Yin's
			 * restart), so the reported objective never rises */
			for (int n = 0; n < D->N; n++) {
				size_t sz = D->dim[n] * R * sizeof(double);
				memcpy(p->U[n], p->Uo[n], sz);
				memcpy(p->Um[n], p->Uo[n], sz);
				ll_linalg_gram(p->U[n], D->dim[n], R, p->g[n]);
			}
			p->t = 1.0;
			p->extrap = 0;
			obj = p->obj;
			judge = 0;
			accepted = 0;
		} else {
			double tn = 0.5 * (1.0 + sqrt(1.0 + 4.0 * p->t * p->t));
			double w = (p->t - 1.0) / tn;
			p->extrap = w > 0.0;
			for (int n = 0; n < D->N; n++) {
				if (D->fixed >> n & 1u)
					continue;
				double wn = w;
				if (p->Lo[n] > 0.0 && p->L[n] > 0.0 && sqrt(p->Lo[n] / p->L[n]) < wn)
					wn = sqrt(p->Lo[n] / p->L[n]);
				size_t sz = D->dim[n] * R;
				double *U = p->U[n], *Um = p->Um[n], *Uo = p->Uo[n];
				for (size_t i = 0; i < sz; i++) {
					Um[i] = U[i] + wn * (U[i] - Uo[i]);
					Uo[i] = U[i];
				}
				p->Lo[n] = p->L[n];
			}
			p->t = tn;
			if (D->nmiss) {
				double *tmp = p->mv;
				p->mv = p->mv2;
				p->mv2 = tmp;
			}
		}
	} else if (p->lamo && p->extrap && !(obj <= p->obj)) {
		/* the sweep from the extrapolated point ended worse than the
		 * model it was extrapolated from: undo it, step less boldly,
		 * and go on from that model with a plain sweep */
		for (int n = 0; n < D->N; n++) {
			memcpy(p->U[n], p->Uo[n], D->dim[n] * R * sizeof(double));
			ll_linalg_gram(p->U[n], D->dim[n], R, p->g[n]);
		}
		memcpy(p->lambda, p->lamo, R * sizeof(double));
		p->beta_cap = p->beta;
		p->beta /= EXTRAP_SHRINK;
		p->extrap = 0;
		obj = p->obj;
		judge = 0;
		accepted = 0;
		p->remiss = D->nmiss > 0; /* mv holds the undone start's values */
	} else {
		/* not when regularised (it would change the penalty) nor with
		 * fixed modes (it would rescale them) */
		if (o->method == LL_CP_NCP_HALS && !D->pen && !D->fixed)
			rebalance(p, D, R);
		if (D->nmiss) {
			double *tmp = p->mv;
			p->mv = p->mv2;
			p->mv2 = tmp;
		}
		extrap = p->lamo != NULL;
	}
	if (accepted) {
		p->errv = errv;
		p->pen = pen;
	}
	double prev = p->obj;
	p->obj = obj;
	if (obj < p->best)
		p->best = obj;
	if (hist_push(p, obj) != LL_OK)
		return ll_err_set(err, LL_ENOMEM, "%s: out of memory", who);
	if (judge && iter >= o->min_iter && fabs(prev - obj) < o->tol) {
		p->converged = 1;
		p->done = 1;
	}
	if (iter >= o->max_iter)
		p->done = 1;
	if (extrap && !p->done) {
		/* accepted: the next sweep starts from U + beta (U - Uo),
		 * projected onto U >= 0 for ncp-hals (after EXTRAP_AFTER
		 * plain sweeps) */
		double b = iter > EXTRAP_AFTER ? p->beta : 0.0;
		int nonneg = o->method == LL_CP_NCP_HALS;
		for (int n = 0; n < D->N; n++) {
			if (D->fixed >> n & 1u)
				continue;
			double *U = p->U[n], *Uo = p->Uo[n];
			size_t sz = D->dim[n] * R;
			for (size_t i = 0; i < sz; i++) {
				double u = U[i], v = u + b * (u - Uo[i]);
				U[i] = nonneg && v < 0.0 ? 0.0 : v;
				Uo[i] = u;
			}
			if (b > 0.0)
				ll_linalg_gram(U, D->dim[n], R, p->g[n]);
		}
		for (size_t r = 0; r < R; r++) {
			double l = p->lambda[r];
			p->lambda[r] = l + b * (l - p->lamo[r]);
			p->lamo[r] = l;
		}
		if (b > 0.0) {
			p->extrap = 1;
			p->remiss = D->nmiss > 0;
			p->beta = fmin(p->beta_cap, p->beta * EXTRAP_GROW);
			p->beta_cap = fmin(1.0, p->beta_cap * EXTRAP_CAP_GROW);
		}
	}
	return LL_OK;
}

static int finalize(cp_rep *p, const cp_data *D, const ll_cp_opts *o, const uint64_t *seeds,
		    ll_cp_result *res, double t0, ll_err *err)
{
	size_t R = o->rank;
	ll_cp_result *r = &res[p->slot];
	int rc = ll_ktensor_init(&r->K, D->N, D->dim, R, err);
	if (rc != LL_OK)
		return rc;
	for (int n = 0; n < D->N; n++)
		memcpy(r->K.U[n], p->U[n], D->dim[n] * R * sizeof(double));
	memcpy(r->K.lambda, p->lambda, R * sizeof(double));
	if (D->fixed) {
		/* only the free modes give their norms to lambda; order and
		 * signs stay the starting model's, so a fixed factor comes
		 * back exactly as it went in */
		for (int n = 0; n < D->N; n++) {
			if (D->fixed >> n & 1u)
				continue;
			double *U = r->K.U[n];
			for (size_t c = 0; c < R; c++) {
				double s2 = 0.0;
				for (size_t i = 0; i < D->dim[n]; i++)
					s2 += U[i * R + c] * U[i * R + c];
				double nr = sqrt(s2);
				r->K.lambda[c] *= nr;
				if (nr > 0.0)
					for (size_t i = 0; i < D->dim[n]; i++)
						U[i * R + c] /= nr;
			}
		}
	} else {
		ll_ktensor_normalize(&r->K);
		ll_ktensor_arrange(&r->K);
		ll_ktensor_fix_signs(&r->K);
	}
	r->seed = seeds[p->slot];
	r->obj = p->errv;
	r->obj_pen = p->obj;
	r->penalty = p->pen;
	r->hist = p->hist;
	r->iters = p->iters;
	p->hist = NULL;
	p->hcap = 0;
	r->converged = p->converged;
	r->seconds = ll_now() - t0;
	return LL_OK;
}

/* ---- the engine ---------------------------------------------------------------- */

/* S[n] (dim[n] x nact*R) = the active replicates' factors side by side */
static void stack_factors(double *const *S, cp_rep *const *ar, size_t nact, const cp_data *D,
			  size_t R)
{
	size_t RA = nact * R;
	for (int n = 0; n < D->N; n++)
		for (size_t j = 0; j < nact; j++) {
			const double *U = ar[j]->U[n];
			for (size_t i = 0; i < D->dim[n]; i++)
				memcpy(S[n] + i * RA + j * R, U + i * R, R * sizeof(double));
		}
}

static int all_finite(const double *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(a[i]))
			return 0;
	return 1;
}

/* "ncp-bcd rank 3 replicate 2 (seed 123)": a fit, as a user would look
 * for it in the ensemble's output */
static const char *rep_name(char *buf, size_t len, const char *stage, const ll_cp_opts *o,
			    const cp_rep *p, const uint64_t *seeds)
{
	snprintf(buf, len, "%s replicate %zu (seed %llu)", stage, o->rep_first + p->slot + 1,
		 (unsigned long long)seeds[p->slot]);
	return buf;
}

static int fit_batch(const ll_tensor *X, const ll_cp_opts *o, size_t nrep, const uint64_t *seeds,
		     ll_cp_result *res, ll_err *err)
{
	if (!res)
		return ll_err_set(err, LL_EINVAL, "cp: no result array");
	for (size_t i = 0; i < nrep; i++)
		memset(&res[i], 0, sizeof res[i]);
	if (nrep == 0)
		return ll_err_set(err, LL_EINVAL, "cp: no replicates to fit (nrep = 0)");
	if (!seeds)
		return ll_err_set(err, LL_EINVAL, "cp: no seeds");
	size_t nobs;
	double nx2;
	int rc = check_all(X, o, &nobs, &nx2, err);
	if (rc != LL_OK)
		return rc;

	double t0 = ll_now();
	size_t R = o->rank, RR;
	if (!ll_mul_ok(nrep, R, &RR))
		return ll_err_set(err, LL_ENOMEM, "cp: %zu replicates of rank %zu overflow", nrep, R);
	char stage[64], detail[128], who[128];
	snprintf(stage, sizeof stage, "%s rank %zu", ll_cp_method_name(o->method), R);

	cp_data D;
	rc = data_prep(X, o, nobs, nx2, &D, err);
	if (rc != LL_OK)
		return rc;
	int N = D.N;
	cp_rep *reps = ll_calloc(nrep, sizeof *reps);
	size_t *act = ll_malloc_array(nrep, sizeof *act);
	double *S[LL_MAX_MODES] = {0}, *V[LL_MAX_MODES] = {0};
	double *MT = ll_malloc_array(D.maxdim, RR * sizeof(double));
	cp_scr s = {0};
	ll_mttkrp_ws *ws = NULL;
	cp_rep **ar = ll_malloc_array(nrep, sizeof *ar); /* the active replicates */
	double *summ2 = ll_malloc_array(nrep, sizeof *summ2);
	double *SP = NULL, *pp = NULL;
	if (D.nmiss) {
		SP = ll_malloc_array(D.maxdim, RR * sizeof(double));
		pp = ll_malloc_array((size_t)N + 1 + D.maxdim, RR * sizeof(double));
	}
	s.P = ll_malloc_array(D.maxdim * R, sizeof(double));
	s.T = ll_malloc_array(D.maxdim * R, sizeof(double));
	s.G = ll_malloc_array(R * R, sizeof(double));
	s.w = ll_malloc_array(R * R, sizeof(double));
	rc = LL_OK;
	if (!reps || !act || !MT || !s.P || !s.T || !s.G || !s.w || !ar || !summ2 ||
	    (D.nmiss && (!SP || !pp)))
		rc = LL_ENOMEM;
	for (int n = 0; n < N && rc == LL_OK; n++)
		if (!(S[n] = ll_malloc_array(D.dim[n], RR * sizeof(double))))
			rc = LL_ENOMEM;
	for (size_t i = 0; i < nrep && rc == LL_OK; i++) {
		reps[i].slot = i;
		reps[i].best = INFINITY;
		rc = rep_alloc(&reps[i], &D, R, o->method, o->accel);
	}
	if (rc != LL_OK) {
		ll_err_set(err, rc, "%s: out of memory for %zu replicates", stage, nrep);
		goto fail;
	}

	if (o->init == LL_CP_INIT_SVD && !o->init_model) {
		for (int n = 0; n < N && rc == LL_OK; n++) {
			size_t kn = R < D.dim[n] ? R : D.dim[n];
			if (!(V[n] = ll_malloc_array(D.dim[n] * kn, sizeof(double))))
				rc = ll_err_set(err, LL_ENOMEM, "cp: out of memory for the SVD init");
			else
				rc = svd_init_mode(D.X, n, kn, V[n], err);
		}
		if (rc != LL_OK) {
			ll_err_prefix(err, "%s", stage);
			goto fail;
		}
	}
	for (size_t i = 0; i < nrep; i++)
		rep_init(&reps[i], &D, R, o, seeds[i], o->init == LL_CP_INIT_SVD ? V : NULL,
			 s.w);
	ll_err e2;
	ll_err_clear(&e2);
	ws = ll_mttkrp_ws_new(D.X, RR, &e2);
	if (!ws) {
		rc = ll_err_set(err, e2.code != LL_OK ? e2.code : LL_ENOMEM, "%s", e2.msg);
		goto fail;
	}
	size_t nact = nrep;
	for (size_t i = 0; i < nrep; i++) {
		act[i] = i;
		ar[i] = &reps[i];
	}
	if (D.nmiss) {
		/* first imputation: the starting models' values */
		stack_factors(S, ar, nact, &D, R);
		miss_pass(&D, S, R, ar, nact, -1, NULL, pp, summ2);
		for (size_t j = 0; j < nact; j++) {
			double *tmp = ar[j]->mv;
			ar[j]->mv = ar[j]->mv2;
			ar[j]->mv2 = tmp;
		}
	}

	for (int iter = 1; nact > 0; iter++) {
		size_t RA = nact * R;
		for (size_t j = 0; j < nact; j++)
			ar[j] = &reps[act[j]];
		/* the previous iteration's end (rebalance, restart,
		 * extrapolation, compaction) changed factors outside the sweep
		 * order: restack, and tell the MTTKRP */
		stack_factors(S, ar, nact, &D, R);
		ll_mttkrp_ws_reset(ws);
		for (int n = 0; n < N; n++) {
			rc = ll_mttkrp(ws, D.X, S, RA, n, MT, err);
			if (rc != LL_OK) {
				ll_err_prefix(err, "%s", stage);
				goto fail;
			}
			/* a fixed mode's product is still taken: cheap from
			 * the workspace's partial products, while skipping it
			 * would break the sweep order they rely on and cost
			 * another pass over X */
			if (D.fixed >> n & 1u)
				continue;
			if (D.nmiss)
				miss_pass(&D, S, R, ar, nact, n, SP, pp, NULL);
			for (size_t j = 0; j < nact; j++) {
				cp_rep *p = ar[j];
				const double *P0 = MT + j * R;
				for (size_t i = 0; i < D.dim[n]; i++)
					memcpy(s.P + i * R, P0 + i * RA, R * sizeof(double));
				if (D.nmiss)
					for (size_t i = 0; i < D.dim[n]; i++)
						for (size_t r = 0; r < R; r++)
							s.P[i * R + r] += SP[i * RA + j * R + r];
				if (o->tamper)
					o->tamper(o->tamper_ud, o->rep_first + p->slot, iter, n, s.P, D.dim[n], R);
				if (!all_finite(s.P, D.dim[n] * R)) {
					rc = ll_err_set(err, LL_ENUMERIC, "%s: the fit diverged at iteration %d: "
							"the update of mode %d is not finite",
							rep_name(who, sizeof who, stage, o, p, seeds), iter, n + 1);
					goto fail;
				}
				if (o->method == LL_CP_ALS)
					rc = update_als(p, &D, n, R, &s, P0, RA, err);
				else if (o->method == LL_CP_NCP_HALS)
					update_hals(p, &D, n, R, &s, P0, RA);
				else
					rc = update_bcd(p, &D, n, R, &s, P0, RA, err);
				if (rc != LL_OK) {
					ll_err_prefix(err, "%s, iteration %d", rep_name(who, sizeof who, stage, o, p, seeds), iter);
					goto fail;
				}
				if (!all_finite(p->U[n], D.dim[n] * R)) {
					rc = ll_err_set(err, LL_ENUMERIC, "%s: the fit diverged at iteration %d: "
							"mode %d is no longer finite",
							rep_name(who, sizeof who, stage, o, p, seeds), iter, n + 1);
					goto fail;
				}
				for (size_t i = 0; i < D.dim[n]; i++)
					memcpy(S[n] + i * RA + j * R, p->U[n] + i * R, R * sizeof(double));
			}
		}
		/* the new models' values at the missing entries */
		if (D.nmiss)
			miss_pass(&D, S, R, ar, nact, -1, NULL, pp, summ2);
		double best = INFINITY;
		for (size_t j = 0; j < nact; j++) {
			cp_rep *p = ar[j];
			rc = finish_iter(p, &D, o, iter, D.nmiss ? summ2[j] : 0.0,
					 rep_name(who, sizeof who, stage, o, p, seeds), err);
			if (rc != LL_OK)
				goto fail;
			if (p->obj < best)
				best = p->obj;
		}
		size_t keep = 0;
		for (size_t j = 0; j < nact; j++) {
			cp_rep *p = &reps[act[j]];
			if (p->done) {
				rc = finalize(p, &D, o, seeds, res, t0, err);
				if (rc != LL_OK)
					goto fail;
				rep_free(p);
			} else {
				act[keep++] = act[j];
			}
		}
		if (o->progress) {
			snprintf(detail, sizeof detail,
				 "iteration %d: %zu of %zu replicate%s running, best objective %.6g", iter,
				 keep, nrep, nrep == 1 ? "" : "s", best);
			ll_progress pr = {stage, (double)iter / (double)o->max_iter, detail};
			if (o->progress(o->progress_ud, &pr) != 0) {
				rc = ll_err_set(err, LL_ECANCELED, "%s: canceled at iteration %d", stage,
						iter);
				goto fail;
			}
		}
		nact = keep;
		/* models moved after their sweep (extrapolated, or undone)
		 * impute their own values at the missing entries */
		int need = 0;
		for (size_t j = 0; j < nact; j++) {
			ar[j] = &reps[act[j]];
			need |= ar[j]->remiss;
		}
		if (need) {
			stack_factors(S, ar, nact, &D, R);
			miss_pass(&D, S, R, ar, nact, -1, NULL, pp, summ2);
			for (size_t j = 0; j < nact; j++)
				if (ar[j]->remiss) {
					double *tmp = ar[j]->mv;
					ar[j]->mv = ar[j]->mv2;
					ar[j]->mv2 = tmp;
					ar[j]->remiss = 0;
				}
		}
	}
	rc = LL_OK;
	goto out;
fail:
	for (size_t i = 0; i < nrep; i++)
		ll_cp_result_free(&res[i]);
out:
	ll_mttkrp_ws_free(ws);
	if (reps)
		for (size_t i = 0; i < nrep; i++)
			rep_free(&reps[i]);
	ll_free(reps);
	ll_free(act);
	ll_free(ar);
	ll_free(summ2);
	ll_free(SP);
	ll_free(pp);
	for (int n = 0; n < LL_MAX_MODES; n++) {
		ll_free(S[n]);
		ll_free(V[n]);
	}
	ll_free(MT);
	ll_free(s.P);
	ll_free(s.T);
	ll_free(s.G);
	ll_free(s.w);
	data_free(&D);
	return rc;
}

int ll_cp_fit_batch(const ll_tensor *X, const ll_cp_opts *o, size_t nrep,
		    const uint64_t *seeds, ll_cp_result *res, ll_err *err)
{
	/* The fit parallelises its MTTKRP with OpenMP; OpenBLAS threads on
	 * the small Gram/solve GEMMs would only contend for the same cores */
	int blas = openblas_get_num_threads();
	if (blas > 1)
		openblas_set_num_threads(1);
	int rc;
	if (o && o->method == LL_CP_APR) {
		rc = check_all(X, o, &(size_t){0}, &(double){0}, err);
		if (rc == LL_OK && (!res || !seeds || nrep == 0))
			rc = ll_err_set(err, LL_EINVAL, "cp: no replicates, seeds or results");
		if (rc == LL_OK)
			rc = ll_cpapr_fit_batch(X, o, nrep, seeds, res, err);
	} else {
		rc = fit_batch(X, o, nrep, seeds, res, err);
	}
	if (blas > 1)
		openblas_set_num_threads(blas);
	return rc;
}

int ll_cp_fit(const ll_tensor *X, const ll_cp_opts *o, uint64_t seed, ll_cp_result *res,
	      ll_err *err)
{
	return ll_cp_fit_batch(X, o, 1, &seed, res, err);
}
