/* Eigenspectra, cross-validated PCA, power laws and their bootstrap (see
 * ll_spectrum.h for the maths and the contracts). */
#include "pca/ll_spectrum.h"

#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/ll_blas.h"
#include "base/ll_rng.h"
#include "base/ll_threads.h"

/* Eigenvectors whose quadratic forms are taken in one DGEMM: bounds the
 * scratch to m x QF_BLOCK while keeping the product at BLAS-3 speed. */
#define QF_BLOCK 256
/* Ties such as a cumulative 9/10 must reach 0.9. */
#define DIM_SLACK 1e-12

static const char *const method_names[] = {LL_SPECTRUM_METHODS(LL_ENUM_NAME)};
static const char *const weight_names[] = {LL_SPECTRUM_FIT_WEIGHTS(LL_ENUM_NAME)};

const char *ll_spectrum_method_name(ll_spectrum_method m)
{
	return (int)m >= 0 && (int)m < LL_ENUM_N(LL_SPECTRUM_METHODS) ? method_names[m] : "?";
}

const char *ll_spectrum_fit_weights_name(ll_spectrum_fit_weights w)
{
	return (int)w >= 0 && (int)w < LL_ENUM_N(LL_SPECTRUM_FIT_WEIGHTS) ? weight_names[w] : "?";
}

void ll_spectrum_fit_opts_default(ll_spectrum_fit_opts *o)
{
	o->rank_lo = 11;
	o->rank_hi = 500;
	o->weights = LL_SPECTRUM_FIT_UNIFORM;
}

void ll_spectrum_boot_opts_default(ll_spectrum_boot_opts *o)
{
	memset(o, 0, sizeof *o);
	o->resamples = 1000;
	o->level = 0.95;
}

void ll_spectrum_free(ll_spectrum *sp)
{
	if (!sp)
		return;
	ll_free(sp->eig);
	memset(sp, 0, sizeof *sp);
}

void ll_spectrum_boot_free(ll_spectrum_boot *b)
{
	if (!b)
		return;
	ll_free(b->alpha);
	memset(b, 0, sizeof *b);
}

void ll_spectrum_result_free(ll_spectrum_result *r)
{
	if (!r)
		return;
	ll_spectrum_free(&r->spec);
	ll_spectrum_boot_free(&r->boot);
	memset(r, 0, sizeof *r);
}

/* ---- the data, centred and reduced to the smaller side, once ---------------- */

typedef struct prep {
	size_t s, N, m, k; /* stimuli, neurons, min(s, N), min(s - 1, N) */
	int gram;          /* s <= N: work on the s x s side */
	int cv;            /* two repeats */
	double *G, *C;     /* gram: X1c X1c^T and X2c X1c^T (s x s, row-major, full) */
	double *X1c, *X2c; /* neuron side: the centred repeats (s x N) */
} prep;

static void prep_free(prep *p)
{
	ll_free(p->G);
	ll_free(p->C);
	ll_free(p->X1c);
	ll_free(p->X2c);
	memset(p, 0, sizeof *p);
}

static int check_finite(const double *X, size_t s, size_t N, const char *who, ll_err *err)
{
	for (size_t i = 0; i < s; i++)
		for (size_t j = 0; j < N; j++)
			if (!isfinite(X[i * N + j]))
				return ll_err_set(err, LL_ENUMERIC,
						  "spectrum: %s: entry [%zu, %zu] (stimulus %zu, neuron %zu) is %s",
						  who, i, j, i, j, isnan(X[i * N + j]) ? "NaN" : "infinite");
	return LL_OK;
}

/* Xc = X minus its column (per-neuron) means over the stimuli */
static void centre(const double *X, size_t s, size_t N, double *Xc)
{
	memset(Xc, 0, N * sizeof *Xc);
	for (size_t i = 0; i < s; i++)
		for (size_t j = 0; j < N; j++)
			Xc[j] += X[i * N + j];
	for (size_t j = 0; j < N; j++)
		Xc[j] /= (double)s;
	/* row 0 last: it holds the means until then */
	for (size_t i = s; i-- > 0;)
		for (size_t j = 0; j < N; j++)
			Xc[i * N + j] = X[i * N + j] - Xc[j];
}

/* the lower triangle from the upper (row-major m x m) */
static void mirror_upper(double *A, size_t m)
{
	for (size_t i = 1; i < m; i++)
		for (size_t j = 0; j < i; j++)
			A[i * m + j] = A[j * m + i];
}

static int prep_init(prep *p, const double *X1, const double *X2, size_t s, size_t N, ll_err *err)
{
	size_t sn, ss;
	int rc;
	memset(p, 0, sizeof *p);
	if (!X1)
		return ll_err_set(err, LL_EINVAL, "spectrum: no data");
	if (s < 2)
		return ll_err_set(err, LL_ESHAPE, "spectrum: need at least 2 stimuli (rows), got %zu", s);
	if (N < 1)
		return ll_err_set(err, LL_ESHAPE, "spectrum: need at least 1 neuron (column), got 0");
	if (s > (size_t)INT_MAX || N > (size_t)INT_MAX || !ll_mul_ok(s, N, &sn) ||
	    !ll_mul_ok(s < N ? s : N, s < N ? s : N, &ss))
		return ll_err_set(err, LL_ENOMEM, "spectrum: %zu stimuli x %zu neurons is too large for BLAS",
				  s, N);
	if ((rc = check_finite(X1, s, N, X2 ? "repeat 1" : "data", err)) != LL_OK)
		return rc;
	if (X2 && (rc = check_finite(X2, s, N, "repeat 2", err)) != LL_OK)
		return rc;
	p->s = s;
	p->N = N;
	p->m = s < N ? s : N;
	p->k = s - 1 < N ? s - 1 : N;
	p->gram = s <= N;
	p->cv = X2 != NULL;
	p->X1c = ll_malloc_array(sn, sizeof(double));
	if (X2)
		p->X2c = ll_malloc_array(sn, sizeof(double));
	if (!p->X1c || (X2 && !p->X2c)) {
		prep_free(p);
		return ll_err_set(err, LL_ENOMEM, "spectrum: out of memory for %zu stimuli x %zu neurons", s, N);
	}
	centre(X1, s, N, p->X1c);
	if (X2)
		centre(X2, s, N, p->X2c);
	if (!p->gram)
		return LL_OK;
	/* Stringer's shape (s <= N): keep only the s x s products, one
	 * DSYRK and one DGEMM over the data; the centred copies go */
	p->G = ll_malloc_array(ss, sizeof(double));
	if (X2)
		p->C = ll_malloc_array(ss, sizeof(double));
	if (!p->G || (X2 && !p->C)) {
		prep_free(p);
		return ll_err_set(err, LL_ENOMEM, "spectrum: out of memory for the %zu x %zu Gram", s, s);
	}
	int is = (int)s, in = (int)N;
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, is, in, 1.0, p->X1c, in, 0.0, p->G, is);
	mirror_upper(p->G, s);
	if (X2)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, is, is, in, 1.0, p->X2c, in, p->X1c, in,
			    0.0, p->C, is);
	ll_free(p->X1c);
	ll_free(p->X2c);
	p->X1c = p->X2c = NULL;
	return LL_OK;
}

/* ---- one spectrum from the reduced matrices ---------------------------------- */

/* Eigendecompose the symmetric m x m A (full; destroyed) and write its kk
 * largest directions' eigenvalues, largest first, to eig: d_n / s, or with
 * B (m x m, row-major) the cross-validated z_n^T B z_n / s.  A direction
 * outside the span (d_n <= d_1 m eps) gets exactly 0. */
static int solve(double *A, const double *B, size_t m, size_t kk, double s, double *eig, ll_err *err)
{
	if (kk == 0)
		return LL_OK;
	size_t nb = kk < QF_BLOCK ? kk : QF_BLOCK;
	double *w = ll_malloc_array(m, sizeof *w);
	lapack_int *isuppz = ll_malloc_array(2 * m, sizeof *isuppz);
	double *Z = B ? ll_malloc_array(m, m * sizeof *Z) : NULL;
	double *T = B ? ll_malloc_array(m, nb * sizeof *T) : NULL;
	double *q = B ? ll_malloc_array(kk, sizeof *q) : NULL;
	int rc = LL_OK;
	if (!w || !isuppz || (B && (!Z || !T || !q))) {
		rc = ll_err_set(err, LL_ENOMEM, "spectrum: out of memory for a %zu x %zu eigenproblem", m, m);
		goto out;
	}
	lapack_int found = 0, im = (lapack_int)m;
	/* All of them, though only the top kk are used: for a subset
	 * (range 'I') dsyevr leaves MRRR for bisection and inverse iteration,
	 * 3.6x slower with vectors at m = 2800 (23.5 s against 6.5 s of CPU,
	 * one thread).  Without B, no eigenvectors at all. */
	lapack_int info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, B ? 'V' : 'N', 'A', 'L', im, A, im, 0.0, 0.0, 0, 0,
					 0.0, &found, w, B ? Z : w, im, isuppz);
	if (info != 0) {
		rc = ll_err_set(err, LL_ELAPACK, "spectrum: dsyevr on %zu x %zu failed (info %d)", m, m,
				(int)info);
		goto out;
	}
	if ((size_t)found != m) {
		rc = ll_err_set(err, LL_ELAPACK, "spectrum: dsyevr found %d of %zu eigenvalues", (int)found, m);
		goto out;
	}
	/* ascending: the top kk are columns m - kk .. m - 1 */
	const double *top = w + (m - kk), *Ztop = B ? Z + (m - kk) * m : NULL;
	if (B) {
		/* q_j = z_j^T B z_j: the rows of Z^T times B, then row dots */
		for (size_t j0 = 0; j0 < kk; j0 += nb) {
			size_t nj = kk - j0 < nb ? kk - j0 : nb;
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nj, im, im, 1.0, Ztop + j0 * m,
				    im, B, im, 0.0, T, im);
			for (size_t j = 0; j < nj; j++)
				q[j0 + j] = cblas_ddot(im, T + j * m, 1, Ztop + (j0 + j) * m, 1);
		}
	}
	/* largest first here */
	double dmax = top[kk - 1], tol = dmax * (double)m * DBL_EPSILON;
	for (size_t j = 0; j < kk; j++) {
		size_t src = kk - 1 - j;
		double d = top[src];
		eig[j] = (dmax > 0.0 && d > tol) ? (B ? q[src] : d) / s : 0.0;
	}
out:
	ll_free(w);
	ll_free(isuppz);
	ll_free(Z);
	ll_free(T);
	ll_free(q);
	return rc;
}

/* The spectrum (p->k values into eig) of the data, or of a resample in
 * which stimulus i appears cnt[i] times (idx: the u stimuli with
 * cnt > 0, ascending; cnt NULL: the data itself).  The resample is
 * re-centred at its own (weighted) mean.  Only the leading nq values are
 * computed (a resample's fit looks no further), the rest are 0. */
static int spectrum_of(const prep *p, const unsigned *cnt, const size_t *idx, size_t u, size_t nq,
		       double *eig, ll_err *err)
{
	size_t s = p->s, N = p->N;
	size_t kk = cnt ? (u - 1 < N ? u - 1 : N) : p->k;
	if (kk > nq)
		kk = nq;
	size_t m = p->gram ? (cnt ? u : s) : N;
	double *A = NULL, *B = NULL, *Y1 = NULL, *Y2 = NULL, *r1 = NULL, *r2 = NULL;
	const double *Bq = NULL;
	int rc = LL_OK;
	double inv_s = 1.0 / (double)s;

	memset(eig, 0, p->k * sizeof *eig);
	A = ll_malloc_array(m, m * sizeof *A);
	if (!A)
		goto oom;
	if (p->gram && !cnt) {
		memcpy(A, p->G, m * m * sizeof *A);
		Bq = p->C;
	} else if (p->gram) {
		/* the resample's Gram from the data's: rows sqrt(c_i)(x_i - mean_c)
		 * give G_ij - r_i - r_j + q with r_i = sum_l (c_l / s) G_il */
		r1 = ll_malloc_array(u, sizeof *r1);
		r2 = p->cv ? ll_malloc_array(2 * u, sizeof *r2) : NULL;
		if (p->cv)
			B = ll_malloc_array(m, m * sizeof *B);
		if (!r1 || (p->cv && (!r2 || !B)))
			goto oom;
		double q1 = 0.0;
		for (size_t a = 0; a < u; a++) {
			const double *g = p->G + idx[a] * s;
			double acc = 0.0;
			for (size_t b = 0; b < u; b++)
				acc += (double)cnt[idx[b]] * g[idx[b]];
			r1[a] = acc * inv_s;
		}
		for (size_t a = 0; a < u; a++)
			q1 += (double)cnt[idx[a]] * r1[a];
		q1 *= inv_s;
		for (size_t a = 0; a < u; a++) {
			const double *g = p->G + idx[a] * s;
			double wa = sqrt((double)cnt[idx[a]]);
			for (size_t b = 0; b < u; b++)
				A[a * u + b] = wa * sqrt((double)cnt[idx[b]]) * (g[idx[b]] - r1[a] - r1[b] + q1);
		}
		if (p->cv) {
			/* C = X2c X1c^T is not symmetric: row and column means */
			double *rr = r2, *rc2 = r2 + u, qc = 0.0;
			for (size_t a = 0; a < u; a++) {
				rr[a] = rc2[a] = 0.0;
			}
			for (size_t a = 0; a < u; a++) {
				const double *c = p->C + idx[a] * s;
				double wa = (double)cnt[idx[a]] * inv_s, acc = 0.0;
				for (size_t b = 0; b < u; b++) {
					double v = c[idx[b]];
					acc += (double)cnt[idx[b]] * v;
					rc2[b] += wa * v;
				}
				rr[a] = acc * inv_s;
			}
			for (size_t a = 0; a < u; a++)
				qc += (double)cnt[idx[a]] * rr[a];
			qc *= inv_s;
			for (size_t a = 0; a < u; a++) {
				const double *c = p->C + idx[a] * s;
				double wa = sqrt((double)cnt[idx[a]]);
				for (size_t b = 0; b < u; b++)
					B[a * u + b] = wa * sqrt((double)cnt[idx[b]]) * (c[idx[b]] - rr[a] - rc2[b] + qc);
			}
			Bq = B;
		}
	} else {
		/* neuron side: N x N products of the (re-centred, weighted) rows */
		const double *U1 = p->X1c, *U2 = p->X2c;
		size_t rows = s;
		if (cnt) {
			size_t un;
			if (!ll_mul_ok(u, N, &un))
				goto oom;
			Y1 = ll_malloc_array(un, sizeof *Y1);
			Y2 = p->cv ? ll_malloc_array(un, sizeof *Y2) : NULL;
			r1 = ll_calloc_array(N, sizeof *r1);
			r2 = p->cv ? ll_calloc_array(N, sizeof *r2) : NULL;
			if (!Y1 || !r1 || (p->cv && (!Y2 || !r2)))
				goto oom;
			for (size_t a = 0; a < u; a++) {
				double c = (double)cnt[idx[a]] * inv_s;
				const double *x1 = p->X1c + idx[a] * N;
				for (size_t j = 0; j < N; j++)
					r1[j] += c * x1[j];
				if (p->cv) {
					const double *x2 = p->X2c + idx[a] * N;
					for (size_t j = 0; j < N; j++)
						r2[j] += c * x2[j];
				}
			}
			for (size_t a = 0; a < u; a++) {
				double c = sqrt((double)cnt[idx[a]]);
				const double *x1 = p->X1c + idx[a] * N;
				for (size_t j = 0; j < N; j++)
					Y1[a * N + j] = c * (x1[j] - r1[j]);
				if (p->cv) {
					const double *x2 = p->X2c + idx[a] * N;
					for (size_t j = 0; j < N; j++)
						Y2[a * N + j] = c * (x2[j] - r2[j]);
				}
			}
			U1 = Y1;
			U2 = Y2;
			rows = u;
		}
		int in = (int)N, ir = (int)rows;
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, in, ir, 1.0, U1, in, 0.0, A, in);
		mirror_upper(A, N);
		if (p->cv) {
			B = ll_malloc_array(N, N * sizeof *B);
			if (!B)
				goto oom;
			cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, in, ir, 1.0, U1, in, U2, in, 0.0, B,
				    in);
			Bq = B;
		}
	}
	rc = solve(A, p->cv ? Bq : NULL, m, kk, (double)s, eig, err);
	goto out;
oom:
	rc = ll_err_set(err, LL_ENOMEM, "spectrum: out of memory for %zu stimuli x %zu neurons", s, N);
out:
	ll_free(A);
	ll_free(B);
	ll_free(Y1);
	ll_free(Y2);
	ll_free(r1);
	ll_free(r2);
	return rc;
}

static int spectrum_full(const prep *p, ll_spectrum *out, ll_err *err)
{
	memset(out, 0, sizeof *out);
	out->eig = ll_malloc_array(p->k, sizeof *out->eig);
	if (!out->eig)
		return ll_err_set(err, LL_ENOMEM, "spectrum: out of memory");
	int rc = spectrum_of(p, NULL, NULL, 0, p->k, out->eig, err);
	if (rc != LL_OK) {
		ll_spectrum_free(out);
		return rc;
	}
	out->method = p->cv ? LL_SPECTRUM_CVPCA : LL_SPECTRUM_COVARIANCE;
	out->n_stimuli = p->s;
	out->n_neurons = p->N;
	out->k = p->k;
	out->gram_side = p->gram;
	return LL_OK;
}

int ll_spectrum_cov(const double *X, size_t s, size_t N, ll_spectrum *out, ll_err *err)
{
	prep p;
	memset(out, 0, sizeof *out);
	int rc = prep_init(&p, X, NULL, s, N, err);
	if (rc == LL_OK)
		rc = spectrum_full(&p, out, err);
	prep_free(&p);
	return rc;
}

int ll_spectrum_cvpca(const double *X1, const double *X2, size_t s, size_t N, ll_spectrum *out,
		      ll_err *err)
{
	prep p;
	memset(out, 0, sizeof *out);
	if (!X2)
		return ll_err_set(err, LL_EINVAL, "spectrum: cvPCA needs a second repeat");
	int rc = prep_init(&p, X1, X2, s, N, err);
	if (rc == LL_OK)
		rc = spectrum_full(&p, out, err);
	prep_free(&p);
	return rc;
}

/* ---- power law, PR, dimension ----------------------------------------------- */

static int fit_opts_check(const ll_spectrum_fit_opts *o, ll_err *err)
{
	if (o->rank_lo < 1 || o->rank_lo > o->rank_hi)
		return ll_err_set(err, LL_EINVAL, "spectrum: empty fit range %zu-%zu (ranks are 1-based, low <= high)",
				  o->rank_lo, o->rank_hi);
	if ((int)o->weights < 0 || (int)o->weights >= LL_ENUM_N(LL_SPECTRUM_FIT_WEIGHTS))
		return ll_err_set(err, LL_EINVAL, "spectrum: unknown fit weights %d", (int)o->weights);
	return LL_OK;
}

int ll_spectrum_powerlaw(const double *eig, size_t k, const ll_spectrum_fit_opts *o,
			 ll_spectrum_fit *fit, ll_err *err)
{
	ll_spectrum_fit_opts def;
	int rc;
	memset(fit, 0, sizeof *fit);
	if (!o) {
		ll_spectrum_fit_opts_default(&def);
		o = &def;
	}
	if ((rc = fit_opts_check(o, err)) != LL_OK)
		return rc;
	if (o->rank_lo > k)
		return ll_err_set(err, LL_ESHAPE, "spectrum: the fit range starts at rank %zu but there are only %zu eigenvalues",
				  o->rank_lo, k);
	size_t lo = o->rank_lo, hi = o->rank_hi < k ? o->rank_hi : k, used = 0, excl = 0;
	int invrank = o->weights == LL_SPECTRUM_FIT_INVRANK;
	double sw = 0.0, sx = 0.0, sy = 0.0;
	for (size_t n = lo; n <= hi; n++) {
		double v = eig[n - 1];
		if (!isfinite(v))
			return ll_err_set(err, LL_ENUMERIC, "spectrum: eigenvalue %zu is %s", n, isnan(v) ? "NaN" : "infinite");
		if (!(v > 0.0)) {
			excl++;
			continue;
		}
		double wt = invrank ? 1.0 / (double)n : 1.0;
		used++;
		sw += wt;
		sx += wt * log((double)n);
		sy += wt * log(v);
	}
	if (used < 2) {
		fit->n_used = used;
		fit->n_excluded = excl;
		return ll_err_set(err, LL_ENUMERIC,
				  "spectrum: only %zu positive eigenvalue%s in ranks %zu-%zu (%zu non-positive left out): "
				  "a power law needs 2",
				  used, used == 1 ? "" : "s", lo, hi, excl);
	}
	/* centred sums: the slope without cancellation */
	double xb = sx / sw, yb = sy / sw, sxx = 0.0, sxy = 0.0;
	for (size_t n = lo; n <= hi; n++) {
		double v = eig[n - 1];
		if (!(v > 0.0))
			continue;
		double wt = invrank ? 1.0 / (double)n : 1.0, dx = log((double)n) - xb;
		sxx += wt * dx * dx;
		sxy += wt * dx * (log(v) - yb);
	}
	double slope = sxy / sxx;
	fit->alpha = -slope;
	fit->intercept = yb - slope * xb;
	fit->rank_lo = lo;
	fit->rank_hi = hi;
	fit->n_used = used;
	fit->n_excluded = excl;
	return LL_OK;
}

double ll_spectrum_pr(const double *eig, size_t k)
{
	double mx = 0.0, s1 = 0.0, s2 = 0.0;
	for (size_t n = 0; n < k; n++)
		if (eig[n] > mx)
			mx = eig[n];
	if (!(mx > 0.0) || !isfinite(mx))
		return 0.0;
	/* scaled by the largest: no overflow in the squares */
	for (size_t n = 0; n < k; n++)
		if (eig[n] > 0.0) {
			double v = eig[n] / mx;
			s1 += v;
			s2 += v * v;
		}
	return s1 * s1 / s2;
}

size_t ll_spectrum_dim(const double *eig, size_t k, double frac)
{
	double tot = 0.0, cum = 0.0;
	for (size_t n = 0; n < k; n++)
		if (eig[n] > 0.0)
			tot += eig[n];
	if (!(tot > 0.0))
		return 0;
	double target = frac * tot * (1.0 - DIM_SLACK);
	for (size_t n = 0; n < k; n++) {
		if (eig[n] > 0.0)
			cum += eig[n];
		if (cum >= target)
			return n + 1;
	}
	return k;
}

/* ---- bootstrap over stimuli --------------------------------------------------- */

/* Resample b: its counts from its own seed, its spectrum, its alpha (NaN
 * when the fit fails: counted, not an error). */
static int one_resample(const prep *p, const ll_spectrum_fit_opts *fo, uint64_t seed, size_t b, double *alpha,
			ll_err *err)
{
	size_t s = p->s, u = 0;
	unsigned *cnt = ll_calloc_array(s, sizeof *cnt);
	size_t *idx = ll_malloc_array(s, sizeof *idx);
	double *eig = ll_malloc_array(p->k, sizeof *eig);
	int rc = LL_OK;
	*alpha = NAN;
	if (!cnt || !idx || !eig) {
		rc = ll_err_set(err, LL_ENOMEM, "spectrum: out of memory for a bootstrap resample");
		goto out;
	}
	ll_rng g;
	ll_rng_init(&g, ll_seed_derive(seed, (uint64_t)b, 0));
	for (size_t i = 0; i < s; i++)
		cnt[ll_rng_below(&g, s)]++;
	for (size_t i = 0; i < s; i++)
		if (cnt[i])
			idx[u++] = i;
	rc = spectrum_of(p, cnt, idx, u, fo->rank_hi, eig, err);
	if (rc == LL_OK) {
		ll_spectrum_fit f;
		if (ll_spectrum_powerlaw(eig, p->k, fo, &f, NULL) == LL_OK)
			*alpha = f.alpha;
	}
out:
	ll_free(cnt);
	ll_free(idx);
	ll_free(eig);
	return rc;
}

static int boot_opts_check(const ll_spectrum_boot_opts *o, ll_err *err)
{
	if (o->resamples < 1)
		return ll_err_set(err, LL_EINVAL, "spectrum: the bootstrap needs at least 1 resample");
	if (!(o->level > 0.0 && o->level < 1.0))
		return ll_err_set(err, LL_EINVAL, "spectrum: interval level %g is not in (0, 1)", o->level);
	return LL_OK;
}

/* the fit range against the data, before any heavy work */
static int range_check(const prep *p, const ll_spectrum_fit_opts *fo, ll_err *err)
{
	int rc = fit_opts_check(fo, err);
	if (rc != LL_OK)
		return rc;
	if (fo->rank_lo > p->k)
		return ll_err_set(err, LL_ESHAPE,
				  "spectrum: the fit range starts at rank %zu, beyond the %zu components of %zu stimuli x "
				  "%zu neurons (at most min(stimuli - 1, neurons))",
				  fo->rank_lo, p->k, p->s, p->N);
	return LL_OK;
}

static int boot_run(const prep *p, const ll_spectrum_fit_opts *fo, const ll_spectrum_boot_opts *bo,
		    ll_spectrum_boot *out, ll_err *err)
{
	size_t B = bo->resamples;
	int rc = LL_OK;
	memset(out, 0, sizeof *out);
	out->alpha = ll_malloc_array(B, sizeof *out->alpha);
	int *rcs = ll_calloc_array(B, sizeof *rcs);
	ll_err *errs = ll_calloc_array(B, sizeof *errs);
	double *ok = ll_malloc_array(B, sizeof *ok);
	if (!out->alpha || !rcs || !errs || !ok) {
		rc = ll_err_set(err, LL_ENOMEM, "spectrum: out of memory for %zu bootstrap resamples", B);
		goto out;
	}
#ifdef _OPENMP
	int nt = ll_threads_resolve(bo->threads);
	/* one BLAS thread per resample whatever nt is: the arithmetic of a
	 * resample, hence the result, is then the same for any thread count */
	int blas_threads = openblas_get_num_threads();
	openblas_set_num_threads(1);
#else
	int nt = 1;
#endif
	size_t batch = 4 * (size_t)nt, done = 0;
	while (done < B && rc == LL_OK) {
		long long lo = (long long)done, hi = (long long)(done + batch < B ? done + batch : B);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (nt > 1)
		for (long long b = lo; b < hi; b++)
			rcs[b] = one_resample(p, fo, bo->seed, (size_t)b, &out->alpha[b], &errs[b]);
		for (size_t b = done; b < (size_t)hi; b++)
			if (rcs[b] != LL_OK) {
				rc = ll_err_set(err, rcs[b], "%s (bootstrap resample %zu)", errs[b].msg, b);
				break;
			}
		done = (size_t)hi;
		if (rc == LL_OK && bo->progress) {
			ll_progress pr = {"spectrum bootstrap", (double)done / (double)B, NULL};
			if (bo->progress(bo->progress_ud, &pr))
				rc = ll_err_set(err, LL_ECANCELED, "spectrum: bootstrap canceled");
		}
	}
#ifdef _OPENMP
	openblas_set_num_threads(blas_threads);
#endif
	if (rc != LL_OK)
		goto out;
	size_t n_ok = 0;
	for (size_t b = 0; b < B; b++)
		if (isfinite(out->alpha[b]))
			ok[n_ok++] = out->alpha[b];
	if (n_ok == 0) {
		rc = ll_err_set(err, LL_ENUMERIC,
				"spectrum: the power-law fit failed on all %zu bootstrap resamples (too few positive "
				"eigenvalues in ranks %zu-%zu)",
				B, fo->rank_lo, fo->rank_hi);
		goto out;
	}
	out->mean = 0.0;
	for (size_t b = 0; b < n_ok; b++)
		out->mean += ok[b];
	out->mean /= (double)n_ok;
	qsort(ok, n_ok, sizeof *ok, ll_cmp_double);
	out->lo = out->raw_lo = ll_quantile_sorted(ok, n_ok, (1.0 - bo->level) / 2.0);
	out->hi = out->raw_hi = ll_quantile_sorted(ok, n_ok, (1.0 + bo->level) / 2.0);
	out->median = ll_quantile_sorted(ok, n_ok, 0.5);
	out->level = bo->level;
	out->resamples = B;
	out->failed = B - n_ok;
out:
	ll_free(rcs);
	ll_free(errs);
	ll_free(ok);
	if (rc != LL_OK)
		ll_spectrum_boot_free(out);
	return rc;
}

int ll_spectrum_bootstrap(const double *X1, const double *X2, size_t s, size_t N,
			  const ll_spectrum_fit_opts *fo, const ll_spectrum_boot_opts *bo,
			  ll_spectrum_boot *out, ll_err *err)
{
	ll_spectrum_fit_opts fd;
	ll_spectrum_boot_opts bd;
	prep p;
	int rc;
	memset(out, 0, sizeof *out);
	if (!fo) {
		ll_spectrum_fit_opts_default(&fd);
		fo = &fd;
	}
	if (!bo) {
		ll_spectrum_boot_opts_default(&bd);
		bo = &bd;
	}
	if ((rc = boot_opts_check(bo, err)) != LL_OK)
		return rc;
	if ((rc = prep_init(&p, X1, X2, s, N, err)) != LL_OK)
		return rc;
	rc = range_check(&p, fo, err);
	if (rc == LL_OK)
		rc = boot_run(&p, fo, bo, out, err);
	prep_free(&p);
	return rc;
}

int ll_spectrum_analyse(const double *X1, const double *X2, size_t s, size_t N,
			const ll_spectrum_fit_opts *fo, const ll_spectrum_boot_opts *bo,
			ll_spectrum_result *r, ll_err *err)
{
	ll_spectrum_fit_opts fd;
	prep p;
	int rc;
	memset(r, 0, sizeof *r);
	if (!fo) {
		ll_spectrum_fit_opts_default(&fd);
		fo = &fd;
	}
	if (bo && (rc = boot_opts_check(bo, err)) != LL_OK)
		return rc;
	if ((rc = prep_init(&p, X1, X2, s, N, err)) != LL_OK)
		return rc;
	rc = range_check(&p, fo, err);
	if (rc == LL_OK)
		rc = spectrum_full(&p, &r->spec, err);
	if (rc == LL_OK)
		rc = ll_spectrum_powerlaw(r->spec.eig, r->spec.k, fo, &r->fit, err);
	if (rc == LL_OK) {
		r->pr = ll_spectrum_pr(r->spec.eig, r->spec.k);
		r->dim90 = ll_spectrum_dim(r->spec.eig, r->spec.k, 0.9);
		if (bo && (rc = boot_run(&p, fo, bo, &r->boot, err)) == LL_OK) {
			/* the spread, centred on the estimate (see the header) */
			r->boot.lo = r->fit.alpha - (r->boot.median - r->boot.raw_lo);
			r->boot.hi = r->fit.alpha + (r->boot.raw_hi - r->boot.median);
		}
	}
	prep_free(&p);
	if (rc != LL_OK)
		ll_spectrum_result_free(r);
	return rc;
}
