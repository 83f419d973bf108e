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
 * tensor W.X + (1-W).M.  The m_e are imputed once per sweep, from the
 * model the sweep starts from (after any extrapolation or undo), by the
 * sweep's first missing-entry pass, which keeps them for the others.  A
 * sweep decreases the full-data surrogate, which majorises the masked
 * objective and touches it at the imputed point, so the masked objective
 * does not rise (ALS, HALS).  The sparse part costs a pass over the
 * missing entries per mode plus one for the objective (all replicates at
 * once, as vector lanes: see miss_pass), so masked fits slow down with the
 * missing fraction.
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
/* The stopping rule's look at the last SWAMP_WIN improvements (see
 * in_swamp); below tol / SWAMP_FLOOR a step stops the fit at once. */
#define SWAMP_WIN 5
#define SWAMP_FLOOR 100.0
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
		double x = ll_tensor_at(X, i);
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
	if (!ll_tensor_has_data(X) || X->size == 0)
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
	/* Single precision (issue 15) runs the dense engine only: cp-apr,
	 * the SVD start and the missing-data path read X as doubles */
	if (!X->data) {
		if (o->method == LL_CP_APR)
			return ll_err_set(err, LL_ENOTSUP, "cp: single precision does not support cp-apr "
					  "(its Poisson updates read the data in double): use double precision");
		if (o->init == LL_CP_INIT_SVD && !o->init_model)
			return ll_err_set(err, LL_ENOTSUP, "cp: single precision does not support init = svd: "
					  "use init = random or double precision");
		if (o->mask)
			return ll_err_set(err, LL_ENOTSUP, "cp: single precision does not support a mask "
					  "(missing entries): use double precision");
	}
	rc = scan_data(X, o->mask, nobs, nx2, err);
	if (rc != LL_OK)
		return rc;
	if (!X->data && *nobs < X->size)
		return ll_err_set(err, LL_ENOTSUP, "cp: the data have %zu NaN (missing) entries; single "
				  "precision does not support missing entries: use double precision",
				  X->size - *nobs);
	if (*nobs == 0)
		return ll_err_set(err, LL_EINVAL,
				  "cp: no observed entries (every entry is NaN or masked out)");
	if (!isfinite(*nx2) || *nx2 < 1e-280) {
		/* all zero, or a scale the fit's sums of squares cannot hold */
		double mx = 0.0;
		for (size_t i = 0; i < X->size; i++)
			if (!isnan(ll_tensor_at(X, i)) && (!o->mask || o->mask->data[i] != 0.0))
				mx = fmax(mx, fabs(ll_tensor_at(X, i)));
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
	for (size_t i = 0; i < X->size; i++) {
		double x = ll_tensor_at(X, i);
		if (x < 0.0 && (!o->mask || o->mask->data[i] != 0.0))
			neg2 += x * x; /* NaN compares false: missing */
	}
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
	/* sweep results */
	double ip, nm2;
	double obj;                  /* objective of the current model (the
				      * penalised one when regularised) */
	double errv, pen;            /* its relative error and penalty */
	double best;                 /* the lowest objective so far */
	double *hist;
	size_t hcap;
	int iters, converged, done;
	double dlt[SWAMP_WIN];  /* the last improvements (accepted sweeps) */
	int ndlt;
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

/* The sparse half of the MTTKRP of the imputed tensor, for every active
 * replicate at once, on the stacked factors S (dim[k] x RA, RA = nact * R):
 *   n >= 0: SP (dim[n] x RA) = MTTKRP of the sparse tensors holding, at
 *           the missing entries, each replicate's model values at the
 *           start of the sweep (the imputation);
 *   n < 0:  each replicate's sum of squared model values there into
 *           summ2[j] (for the objective).
 * The imputed values are computed by the sweep's first pass from the
 * start-of-sweep factors and weights that miss_start() copied (modes not
 * yet updated in this sweep are still the same in S) and kept for its
 * other passes, so no pass re-imputes when the model moves between sweeps
 * (extrapolation, undo): 4 passes a sweep plus one for the objective.
 * The entries are in C order, so runs of them share every coordinate but
 * the last: the products over the leading modes are formed once per run
 * (pp: the current factors but mode n; pq: the start-of-sweep model,
 * weights included; row k is the product over modes < k), and for n below
 * the last mode the run's contributions are summed before pp is applied.
 *
 * Layout: the factors are copied component-major, the replicates as
 * vector lanes padded with zeros to a multiple of MISS_W (column
 * r * nl + j for component r of replicate j), so the per-replicate scalars
 * (a model value) line up with them; the kept values are entry-major in
 * the same lanes.  Every loop is element-wise over blocks of MISS_W lanes,
 * held in registers, or over all R * nl columns.
 * Threads take chunks of runs, each summing into its own partial result;
 * the partials are added in chunk order.  The chunks depend only on the
 * data (miss_chunks), and every lane sees the same operations whatever
 * the other lanes hold, so the results are the same for any thread count
 * and a replicate's do not depend on the company it is fitted in.
 * (Issue 16: 3-4x faster than one replicate-major pass per replicate and
 * mode with R-long loops and a stream of stored values per replicate, and
 * no thread idles on padding when few replicates run.) */
#define MISS_W 4            /* lanes (replicates) per block: one AVX2 vector */
#define MISS_HDR 1          /* scratch header: the kept values are valid */
#define MISS_CHUNK_RUNS 128 /* runs per chunk at least */
#define MISS_CHUNKS_MAX 64

static size_t sum_dims(const cp_data *D)
{
	size_t s = 0;
	for (int k = 0; k < D->N; k++)
		s += D->dim[k];
	return s;
}

static size_t miss_chunks(const cp_data *D)
{
	size_t c = D->nrun / MISS_CHUNK_RUNS;
	return c < 1 ? 1 : c > MISS_CHUNKS_MAX ? MISS_CHUNKS_MAX : c;
}

static size_t miss_lanes(size_t nact)
{
	return (nact + MISS_W - 1) / MISS_W * MISS_W;
}

/* a chunk's scratch, in doubles per padded column: pp, pq, acc, partial */
static size_t miss_chunk_cols(const cp_data *D)
{
	return 2 * (size_t)D->N + 1 + D->maxdim;
}

/* Scratch of the missing-entry passes of nrep replicates of rank R, in
 * doubles: the header, the start-of-sweep factors and weights (stacked),
 * the factors in lanes (current and start-of-sweep), the first row of
 * the products (weights), the chunks' scratch,
 * then the kept values.  0 if it overflows. */
static size_t miss_scr_size(const cp_data *D, size_t nrep, size_t R)
{
	size_t nl = miss_lanes(nrep), a, b, c, k;
	size_t cols = 2 * sum_dims(D) + 1 + miss_chunks(D) * miss_chunk_cols(D);
	if (nl < nrep || !ll_mul_ok(sum_dims(D) + 1, nrep * R, &a) || !ll_mul_ok(cols, nl * R, &b) ||
	    !ll_mul_ok(D->nmiss, nl, &k) || a > SIZE_MAX - b || a + b > SIZE_MAX - k - MISS_HDR)
		return 0;
	c = MISS_HDR + a + b + k;
	return c;
}

static void miss_scr_init(double *scr)
{
	scr[0] = 0.0;
}

/* Before a sweep: the start-of-sweep model (stacked factors S, and the
 * replicates' weights) into the scratch, for the passes to impute from. */
static void miss_start(const cp_data *D, double *const *S, size_t R, cp_rep *const *ar,
		       size_t nact, double *scr)
{
	size_t RA = nact * R;
	double *w = scr + MISS_HDR;
	for (int k = 0; k < D->N; k++) {
		memcpy(w, S[k], D->dim[k] * RA * sizeof *w);
		w += D->dim[k] * RA;
	}
	for (size_t j = 0; j < nact; j++)
		memcpy(w + j * R, ar[j]->lambda, R * sizeof *w);
	scr[0] = 0.0; /* the values are computed by the sweep's first pass */
}

/* t (rows x nl*R, component-major, lanes past nact zero) = rows of s
 * (rows x nact*R, replicate-major) */
static void to_lanes(double *t, const double *s, size_t rows, size_t nact, size_t nl, size_t R)
{
	size_t RL = nl * R, RA = nact * R;
	for (size_t i = 0; i < rows; i++) {
		double *ti = t + i * RL;
		const double *si = s + i * RA;
		for (size_t r = 0; r < R; r++) {
			for (size_t j = 0; j < nact; j++)
				ti[r * nl + j] = si[j * R + r];
			for (size_t j = nact; j < nl; j++)
				ti[r * nl + j] = 0.0;
		}
	}
}

/* A block of MISS_W lanes as one value (GCC's and clang's vector
 * extension): the compiler keeps it in registers, in whatever vectors the
 * target has.  Loads and stores go through memcpy (unaligned). */
typedef double miss_v __attribute__((vector_size(MISS_W * sizeof(double))));

/* What a pass does with an entry, for NB (1 or 2, a literal) blocks of
 * lanes: the model value sv = sum_r q[r] u[r] (how = 0, 1, 3) or the kept
 * one (how = 2); then into o either sv^2 (how = 0; o is nl wide) or
 * sv * wt[r] for every r (how = 1: sv is also kept; how = 2), or only
 * keeps sv (how = 3).  Rows r are nl apart; two blocks at once overlap
 * their dependent sums. */
static inline __attribute__((always_inline)) void
miss_tile(const double *q, const double *u, const double *wt, double *o, double *keep, size_t R,
	  size_t nl, int how, const int NB)
{
	miss_v sv[2], x, y;
#pragma GCC unroll 2
	for (int b = 0; b < NB; b++) {
		if (how == 2) {
			memcpy(&sv[b], keep + b * MISS_W, sizeof x);
			continue;
		}
		memcpy(&x, q + b * MISS_W, sizeof x);
		memcpy(&y, u + b * MISS_W, sizeof y);
		sv[b] = x * y;
	}
	if (how != 2)
		for (size_t r = 1; r < R; r++)
#pragma GCC unroll 2
			for (int b = 0; b < NB; b++) {
				memcpy(&x, q + r * nl + b * MISS_W, sizeof x);
				memcpy(&y, u + r * nl + b * MISS_W, sizeof y);
				sv[b] += x * y;
			}
#pragma GCC unroll 2
	for (int b = 0; b < NB; b++) {
		if (how == 0) {
			memcpy(&x, o + b * MISS_W, sizeof x);
			x += sv[b] * sv[b];
			memcpy(o + b * MISS_W, &x, sizeof x);
			continue;
		}
		if (how == 1 || how == 3)
			memcpy(keep + b * MISS_W, &sv[b], sizeof x);
		if (how == 3)
			continue;
		for (size_t r = 0; r < R; r++) {
			memcpy(&x, o + r * nl + b * MISS_W, sizeof x);
			memcpy(&y, wt + r * nl + b * MISS_W, sizeof y);
			x += sv[b] * y;
			memcpy(o + r * nl + b * MISS_W, &x, sizeof x);
		}
	}
}

/* Every entry of run e..e1 with how (see miss_tile): the lane blocks two
 * at a time */
static inline __attribute__((always_inline)) void
miss_run(const cp_data *D, size_t e, size_t e1, const double *Tl, const double *ql,
	 const double *pl, double *acc, double *lsp, double *keep, size_t R, size_t nl, int n,
	 int how)
{
	size_t RL = nl * R, last = (size_t)D->N - 1;
	int intorow = n >= 0 && (size_t)n == last;
	for (size_t f = e; f < e1; f++) {
		size_t ml = D->mlast[f];
		const double *u = Tl + ml * RL;
		/* n == last: into row ml, weighted by the leading product;
		 * else into acc, weighted by the last mode's row */
		double *o = intorow ? lsp + ml * RL : acc;
		const double *wt = intorow ? pl : u;
		double *kf = keep + f * nl;
		size_t jb = 0;
		for (; jb + 2 * MISS_W <= nl; jb += 2 * MISS_W)
			miss_tile(ql + jb, u + jb, wt + jb, o + jb, kf + jb, R, nl, how, 2);
		if (jb < nl)
			miss_tile(ql + jb, u + jb, wt + jb, o + jb, kf + jb, R, nl, how, 1);
	}
}

/* A run's contribution to row o of a mode below the last, for NB blocks
 * of lanes from jb: o[r] += pl[r] * sum over its entries f of
 * sv_f * u_f[r], the sum held in registers (sv_f kept, u_f the last mode's
 * row of f) */
static inline __attribute__((always_inline)) void
miss_fold(const cp_data *D, size_t e, size_t e1, const double *Tl, const double *keep,
	  const double *pl, double *o, size_t R, size_t nl, size_t jb, const int NB)
{
	size_t RL = nl * R;
	for (size_t r = 0; r < R; r++) {
		miss_v a[2], y, z;
#pragma GCC unroll 2
		for (int b = 0; b < NB; b++)
			a[b] = (miss_v){0};
		for (size_t f = e; f < e1; f++) {
			const double *u = Tl + (size_t)D->mlast[f] * RL + r * nl + jb;
			const double *kv = keep + f * nl + jb;
#pragma GCC unroll 2
			for (int b = 0; b < NB; b++) {
				memcpy(&y, kv + b * MISS_W, sizeof y);
				memcpy(&z, u + b * MISS_W, sizeof z);
				a[b] += y * z;
			}
		}
#pragma GCC unroll 2
		for (int b = 0; b < NB; b++) {
			double *ob = o + r * nl + jb + b * MISS_W;
			memcpy(&y, ob, sizeof y);
			memcpy(&z, pl + r * nl + jb + b * MISS_W, sizeof z);
			y += z * a[b];
			memcpy(ob, &y, sizeof y);
		}
	}
}

/* Runs g0..g1 into this chunk's scratch cs: partial SP rows (n >= 0) or
 * partial sums of squares (n < 0, in acc).  T/T0: the factors in lanes,
 * q0: the first row of pq (weights) */
static inline __attribute__((always_inline)) void
miss_chunk_body(const cp_data *D, double *const *T, double *const *T0, const double *q0, size_t g0,
		size_t g1, size_t R, size_t nl, int n, int how, double *cs, double *keep)
{
	size_t N = (size_t)D->N, last = N - 1, RL = nl * R;
	double *pp = cs, *pq = pp + N * RL, *acc = pq + N * RL, *lsp = acc + RL;
	const double *pl = pp + last * RL, *ql = how ? pq + last * RL : pl;
	if (how) {
		for (size_t q = 0; q < RL; q++)
			pp[q] = 1.0;
		memcpy(pq, q0, RL * sizeof *pq);
		memset(lsp, 0, D->dim[n] * RL * sizeof *lsp);
	} else {
		memcpy(pp, q0, RL * sizeof *pp); /* the weights: all this pass needs */
		memset(acc, 0, nl * sizeof *acc);
	}
	for (size_t g = g0; g < g1; g++) {
		size_t e = D->run[g], e1 = D->run[g + 1];
		const uint32_t *c = D->rco + g * N;
		for (size_t k = g == g0 ? 0 : D->runk0[g]; k < last; k++) {
			const double *a = pp + k * RL;
			double *b = pp + (k + 1) * RL;
			if ((int)k == n) {
				memcpy(b, a, RL * sizeof *b);
			} else {
				const double *u = T[k] + (size_t)c[k] * RL;
				LL_SIMD
				for (size_t q = 0; q < RL; q++)
					b[q] = a[q] * u[q];
			}
			if (how == 1) {
				const double *u0 = T0[k] + (size_t)c[k] * RL;
				const double *a0 = pq + k * RL;
				double *b0 = pq + (k + 1) * RL;
				LL_SIMD
				for (size_t q = 0; q < RL; q++)
					b0[q] = a0[q] * u0[q];
			}
		}
		/* the last mode is not updated before its own pass: T[last]
		 * holds the start-of-sweep factor the values need */
		if (how == 0) {
			miss_run(D, e, e1, T[last], ql, pl, acc, lsp, keep, R, nl, n, 0);
		} else if ((size_t)n == last) {
			if (how == 1)
				miss_run(D, e, e1, T[last], ql, pl, acc, lsp, keep, R, nl, n, 1);
			else
				miss_run(D, e, e1, T[last], ql, pl, acc, lsp, keep, R, nl, n, 2);
		} else {
			/* the values first (kept), then the run's sum into
			 * row c[n] */
			if (how == 1)
				miss_run(D, e, e1, T[last], ql, pl, acc, lsp, keep, R, nl, n, 3);
			double *o = lsp + (size_t)c[n] * RL;
			size_t jb = 0;
			for (; jb + 2 * MISS_W <= nl; jb += 2 * MISS_W)
				miss_fold(D, e, e1, T[last], keep, pl, o, R, nl, jb, 2);
			if (jb < nl)
				miss_fold(D, e, e1, T[last], keep, pl, o, R, nl, jb, 1);
		}
	}
}

typedef void (*miss_fn)(const cp_data *D, double *const *T, double *const *T0, const double *q0,
			size_t g0, size_t g1, size_t R, size_t nl, int n, int how, double *cs,
			double *keep);

static void miss_generic(const cp_data *D, double *const *T, double *const *T0, const double *q0,
			 size_t g0, size_t g1, size_t R, size_t nl, int n, int how, double *cs,
			 double *keep)
{
	miss_chunk_body(D, T, T0, q0, g0, g1, R, nl, n, how, cs, keep);
}

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
/* The same code for wider vectors, picked at run time as the MTTKRP's
 * kernels are.  Without FMA: C here is compiled without contraction (ISO
 * mode), so every variant rounds alike. */
__attribute__((target("avx2")))
static void miss_avx2(const cp_data *D, double *const *T, double *const *T0, const double *q0,
		      size_t g0, size_t g1, size_t R, size_t nl, int n, int how, double *cs,
		      double *keep)
{
	miss_chunk_body(D, T, T0, q0, g0, g1, R, nl, n, how, cs, keep);
}

__attribute__((target("avx2,avx512f,avx512vl")))
static void miss_avx512(const cp_data *D, double *const *T, double *const *T0, const double *q0,
			size_t g0, size_t g1, size_t R, size_t nl, int n, int how, double *cs,
			double *keep)
{
	miss_chunk_body(D, T, T0, q0, g0, g1, R, nl, n, how, cs, keep);
}
#endif

static miss_fn miss_kernel(void)
{
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))
		return miss_avx512;
	if (__builtin_cpu_supports("avx2"))
		return miss_avx2;
#endif
	return miss_generic;
}

/* scr: miss_scr_size() doubles, set up by miss_scr_init() and miss_start() */
static void miss_pass(const cp_data *D, double *const *S, size_t R, cp_rep *const *ar,
		      size_t nact, int n, double *SP, double *scr, double *summ2)
{
	miss_fn fn = miss_kernel();
	size_t N = (size_t)D->N, RA = nact * R, nl = miss_lanes(nact), RL = nl * R;
	size_t nch = miss_chunks(D), csz = miss_chunk_cols(D) * RL;
	int how = n < 0 ? 0 : scr[0] != 0.0 ? 2 : 1;
	const double *S0 = scr + MISS_HDR, *L0 = S0 + sum_dims(D) * RA;
	double *T[LL_MAX_MODES], *T0[LL_MAX_MODES];
	double *w = scr + MISS_HDR + (sum_dims(D) + 1) * RA;
	for (size_t k = 0; k < N; k++) {
		T[k] = w;
		to_lanes(T[k], S[k], D->dim[k], nact, nl, R);
		w += D->dim[k] * RL;
	}
	for (size_t k = 0; k < N; k++) {
		T0[k] = T[k];
		if (how == 1 && (int)k < n) {
			T0[k] = w;
			to_lanes(T0[k], S0, D->dim[k], nact, nl, R);
		}
		S0 += D->dim[k] * RA;
		w += D->dim[k] * RL;
	}
	/* the first row of the products: the start-of-sweep weights (mode
	 * passes) or the current ones (the objective's) */
	double *q0 = w, *cs0 = q0 + RL, *keep = cs0 + nch * csz;
	if (how)
		to_lanes(q0, L0, 1, nact, nl, R);
	else
		for (size_t r = 0; r < R; r++)
			for (size_t j = 0; j < nl; j++)
				q0[r * nl + j] = j < nact ? ar[j]->lambda[r] : 0.0;
#ifdef _OPENMP
	int nt = omp_get_max_threads();
	if ((size_t)nt > nch)
		nt = (int)nch;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
#endif
	for (size_t c = 0; c < nch; c++)
		fn(D, T, T0, q0, D->nrun * c / nch, D->nrun * (c + 1) / nch, R, nl, n, how,
		   cs0 + c * csz, keep);
	/* the chunks' partials, added in chunk order */
	size_t off = 2 * N * RL; /* pp, pq */
	if (!how) {
		for (size_t j = 0; j < nact; j++) {
			double s = 0.0;
			for (size_t c = 0; c < nch; c++)
				s += cs0[c * csz + off + j];
			summ2[j] = s;
		}
		return;
	}
	off += RL; /* acc */
	for (size_t i = 0; i < D->dim[n]; i++) {
		double *sp = SP + i * RA;
		for (size_t j = 0; j < nact; j++)
			for (size_t r = 0; r < R; r++) {
				double s = 0.0;
				for (size_t c = 0; c < nch; c++)
					s += cs0[c * csz + off + i * RL + r * nl + j];
				sp[j * R + r] = s;
			}
	}
	scr[0] = 1.0; /* the sweep's values are kept now */
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

/* The stopping rule's second look (issue 16): a sweep that improves by
 * less than tol may sit in a swamp, where the objective creeps down by a
 * roughly constant or growing step for tens of sweeps before it drops to
 * a better optimum (masked planted tensors: half the fits stopped there at
 * tol 1e-6).  So a fit stops only after SWAMP_WIN small improvements in a
 * row (p->dlt, accepted sweeps), and only if they shrink like a
 * converging fit's: with d ~ rho^k fitted to them, rho < 1 and the gain
 * left, about d rho / (1 - rho), under tol.  A step under
 * tol / SWAMP_FLOOR, or none at all, stops it regardless: nothing worth
 * crawling for.  d is the latest improvement. */
static int in_swamp(const cp_rep *p, double d, double tol)
{
	if (!(d > tol / SWAMP_FLOOR))
		return 0;
	if (p->ndlt < SWAMP_WIN)
		return 1; /* too few small steps in a row yet */
	/* least-squares slope of log d against the sweep */
	double sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0;
	for (int k = 0; k < SWAMP_WIN; k++) {
		if (!(p->dlt[k] > 0.0))
			return 0; /* no progress at all: flat */
		double y = log(p->dlt[k]);
		sx += k;
		sy += y;
		sxx += (double)k * k;
		sxy += k * y;
	}
	double rho = exp((SWAMP_WIN * sxy - sx * sy) / (SWAMP_WIN * sxx - sx * sx));
	return rho >= 1.0 || d * rho / (1.0 - rho) > tol;
}

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
	} else {
		/* not when regularised (it would change the penalty) nor with
		 * fixed modes (it would rescale them) */
		if (o->method == LL_CP_NCP_HALS && !D->pen && !D->fixed)
			rebalance(p, D, R);
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
	if (judge && fabs(prev - obj) < o->tol) { /* the small steps in a row */
		memmove(p->dlt, p->dlt + 1, (SWAMP_WIN - 1) * sizeof *p->dlt);
		p->dlt[SWAMP_WIN - 1] = prev - obj;
		if (p->ndlt < SWAMP_WIN)
			p->ndlt++;
	} else if (judge) {
		p->ndlt = 0;
	}
	if (judge && iter >= o->min_iter && fabs(prev - obj) < o->tol &&
	    !in_swamp(p, prev - obj, o->tol)) {
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
			p->beta = fmin(p->beta_cap, p->beta * EXTRAP_GROW);
			p->beta_cap = fmin(1.0, p->beta_cap * EXTRAP_CAP_GROW);
		}
	}
	return LL_OK;
}

void ll_cp_tidy(ll_ktensor *K, unsigned fixed)
{
	if (!fixed) {
		ll_ktensor_normalize(K);
		ll_ktensor_arrange(K);
		ll_ktensor_fix_signs(K);
		return;
	}
	/* only the free modes give their norms to lambda; order and signs
	 * stay the starting model's, so a fixed factor comes back exactly as
	 * it went in */
	size_t R = K->rank;
	for (int n = 0; n < K->nmodes; n++) {
		if (fixed >> n & 1u)
			continue;
		double *U = K->U[n];
		for (size_t c = 0; c < R; c++) {
			double s2 = 0.0;
			for (size_t i = 0; i < K->dim[n]; i++)
				s2 += U[i * R + c] * U[i * R + c];
			double nr = sqrt(s2);
			K->lambda[c] *= nr;
			if (nr > 0.0)
				for (size_t i = 0; i < K->dim[n]; i++)
					U[i * R + c] /= nr;
		}
	}
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
	ll_cp_tidy(&r->K, D->fixed);
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
		size_t nsc = miss_scr_size(&D, nrep, R);
		pp = nsc ? ll_malloc_array(nsc, sizeof(double)) : NULL;
		if (pp)
			miss_scr_init(pp);
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

	for (int iter = 1; nact > 0; iter++) {
		size_t RA = nact * R;
		for (size_t j = 0; j < nact; j++)
			ar[j] = &reps[act[j]];
		/* the previous iteration's end (rebalance, restart,
		 * extrapolation, compaction) changed factors outside the sweep
		 * order: restack, and tell the MTTKRP */
		stack_factors(S, ar, nact, &D, R);
		ll_mttkrp_ws_reset(ws);
		if (D.nmiss) /* what the missing entries are imputed from */
			miss_start(&D, S, R, ar, nact, pp);
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
