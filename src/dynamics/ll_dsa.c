/*
 * Dynamical Similarity Analysis: delay embedding, DMD (HAVOK / PCR),
 * the Procrustes-over-vector-fields distance on O(n) and the eigenvalue
 * Wasserstein score.  Definitions: ll_dsa.h.
 */
#include "dynamics/ll_dsa.h"

#include <cblas.h>
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
#include "linalg/ll_hungarian.h"

#define ARMIJO_C1 1e-4
#define MAX_HALVINGS 60

void ll_dsa_dmd_opts_default(ll_dsa_dmd_opts *o)
{
	memset(o, 0, sizeof *o);
	o->delays = 1;
	o->delay_interval = 1;
	o->lambda = 1e-8;
}

void ll_dsa_opts_default(ll_dsa_opts *o)
{
	memset(o, 0, sizeof *o);
	o->max_iters = 1000;
	o->restarts = 3;
	o->tol = 1e-10;
}

void ll_dsa_dmd_free(ll_dsa_dmd *m)
{
	if (!m)
		return;
	ll_free(m->A);
	ll_free(m->eig);
	ll_free(m->sv);
	memset(m, 0, sizeof *m);
}

size_t ll_dsa_embed_rows(size_t T, size_t d, size_t k)
{
	if (d == 0 || k == 0 || (d - 1) > SIZE_MAX / k)
		return 0;
	size_t span = (d - 1) * k;
	return T > span ? T - span : 0;
}

static int too_short(size_t T, size_t d, size_t k, ll_err *err)
{
	return ll_err_set(err, LL_ESHAPE, "%zu time point%s: too few for %zu delay%s at interval %zu (needs at least %zu)",
			  T, T == 1 ? "" : "s", d, d == 1 ? "" : "s", k, (d - 1) * k + 2);
}

int ll_dsa_embed(const double *x, size_t trials, size_t T, size_t units, size_t d, size_t k,
		 double *H, ll_err *err)
{
	if (d == 0 || k == 0)
		return ll_err_set(err, LL_EINVAL, "delays and delay interval must be >= 1 (got %zu, %zu)", d, k);
	if (trials == 0 || T == 0 || units == 0)
		return ll_err_set(err, LL_ESHAPE, "empty data (%zu trials x %zu time points x %zu units)", trials, T,
				  units);
	size_t Tp = ll_dsa_embed_rows(T, d, k);
	if (Tp < 2)
		return too_short(T, d, k, err);
	size_t D = d * units;
	for (size_t b = 0; b < trials; b++)
		for (size_t r = 0; r < Tp; r++) {
			size_t t = r + (d - 1) * k;
			double *row = H + (b * Tp + r) * D;
			for (size_t j = 0; j < d; j++)
				memcpy(row + j * units, x + (b * T + t - j * k) * units, units * sizeof *row);
		}
	return LL_OK;
}

static int eig_cmp(const void *pa, const void *pb)
{
	const double *a = pa, *b = pb;
	double ma = hypot(a[0], a[1]), mb = hypot(b[0], b[1]);
	if (ma != mb)
		return ma > mb ? -1 : 1;
	if (a[0] != b[0])
		return a[0] > b[0] ? -1 : 1;
	if (a[1] != b[1])
		return a[1] > b[1] ? -1 : 1;
	return 0;
}

static int all_finite(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}

int ll_dsa_eigs(const double *A, size_t n, double *eig, ll_err *err)
{
	if (n == 0)
		return ll_err_set(err, LL_EINVAL, "eigenvalues of an empty matrix");
	if (!all_finite(A, n * n))
		return ll_err_set(err, LL_ENUMERIC, "operator has NaN or Inf entries");
	double *a = ll_malloc_array(n * n + 2 * n, sizeof *a);
	if (!a)
		return ll_err_oom(err);
	double *wr = a + n * n, *wi = wr + n;
	memcpy(a, A, n * n * sizeof *a);
	lapack_int info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', (lapack_int)n, a, (lapack_int)n, wr, wi, NULL,
					1, NULL, 1);
	if (info != 0) {
		ll_free(a);
		return ll_err_set(err, info > 0 ? LL_ENUMERIC : LL_ELAPACK, "dgeev failed (info %d)", (int)info);
	}
	for (size_t i = 0; i < n; i++) {
		eig[2 * i] = wr[i];
		eig[2 * i + 1] = wi[i];
	}
	qsort(eig, n, 2 * sizeof *eig, eig_cmp);
	ll_free(a);
	return LL_OK;
}

int ll_dsa_dmd_fit(const double *x, size_t trials, size_t T, size_t units, const ll_dsa_dmd_opts *o,
	       ll_dsa_dmd *out, ll_err *err)
{
	ll_dsa_dmd_opts def;
	if (!o) {
		ll_dsa_dmd_opts_default(&def);
		o = &def;
	}
	memset(out, 0, sizeof *out);
	if (!(o->lambda >= 0) || !isfinite(o->lambda) || !(o->explained_variance >= 0 && o->explained_variance < 1))
		return ll_err_set(err, LL_EINVAL, "ridge lambda must be >= 0 and explained variance in [0, 1)");
	size_t d = o->delays, k = o->delay_interval;
	if (d == 0 || k == 0)
		return ll_err_set(err, LL_EINVAL, "delays and delay interval must be >= 1 (got %zu, %zu)", d, k);
	if (trials == 0 || T == 0 || units == 0)
		return ll_err_set(err, LL_ESHAPE, "empty data (%zu trials x %zu time points x %zu units)", trials, T,
				  units);
	if (d > SIZE_MAX / units)
		return ll_err_set(err, LL_EINVAL, "%zu delays of %zu units overflow", d, units);
	size_t Tp = ll_dsa_embed_rows(T, d, k);
	if (Tp < 2)
		return too_short(T, d, k, err);
	if (!all_finite(x, trials * T * units))
		return ll_err_set(err, LL_ENUMERIC, "data has NaN or Inf values");
	size_t M = trials * Tp, D = d * units, p = M < D ? M : D;
	if (o->rank > p)
		return ll_err_set(err, LL_EINVAL,
				  "rank %zu above the embedding's %zu (%zu rows x %zu delay-embedded dimensions)",
				  o->rank, p, M, D);
	if (M > SIZE_MAX / D / sizeof(double))
		return ll_err_oom(err);
	if (M > INT_MAX || D > INT_MAX)
		return ll_err_set(err, LL_EINVAL, "embedding of %zu x %zu is too large for LAPACK", M, D);
	int rc = LL_OK;
	double *H = ll_malloc_array(M * D, sizeof *H), *U = ll_malloc_array(M * p, sizeof *U);
	double *VT = ll_malloc_array(p * D, sizeof *VT), *s = ll_malloc_array(p, sizeof *s);
	double *Vm = NULL, *Vp = NULL, *G = NULL, *X = NULL;
	out->A = NULL;
	if (!H || !U || !VT || !s) {
		rc = ll_err_oom(err);
		goto fail;
	}
	ll_dsa_embed(x, trials, T, units, d, k, H, NULL);
	lapack_int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)M, (lapack_int)D, H, (lapack_int)D, s, U,
					 (lapack_int)p, VT, (lapack_int)D);
	if (info != 0) {
		rc = ll_err_set(err, info > 0 ? LL_ENUMERIC : LL_ELAPACK, "SVD of the embedding failed (dgesdd info %d)",
				(int)info);
		goto fail;
	}
	/* all-zero data leaves every singular direction arbitrary: any
	 * operator fitted on them would be LAPACK's choice, not the data's */
	if (!(s[0] > 0)) {
		rc = ll_err_set(err, LL_ENUMERIC, "data is all zero: no dynamics to fit");
		goto fail;
	}
	size_t r = o->rank;
	if (r == 0 && o->explained_variance > 0) {
		double tot = 0, cum = 0;
		for (size_t i = 0; i < p; i++)
			tot += s[i] * s[i];
		for (r = 0; r < p; r++) {
			cum += s[r] * s[r];
			if (cum >= o->explained_variance * tot)
				break;
		}
		r = r < p ? r + 1 : p;
	}
	if (r == 0)
		r = p;
	size_t P = trials * (Tp - 1);
	Vm = ll_malloc_array(P * r, sizeof *Vm);
	Vp = ll_malloc_array(P * r, sizeof *Vp);
	G = ll_malloc_array(r * r, sizeof *G);
	X = ll_malloc_array(r * r, sizeof *X);
	out->A = ll_malloc_array(r * r, sizeof *out->A);
	out->eig = ll_malloc_array(r * 2, sizeof *out->eig);
	if (!Vm || !Vp || !G || !X || !out->A || !out->eig) {
		rc = ll_err_oom(err);
		goto fail;
	}
	/* shifted pairs within each trial */
	for (size_t b = 0, q = 0; b < trials; b++)
		for (size_t t = 0; t + 1 < Tp; t++, q++) {
			memcpy(Vm + q * r, U + (b * Tp + t) * p, r * sizeof *Vm);
			memcpy(Vp + q * r, U + (b * Tp + t + 1) * p, r * sizeof *Vp);
		}
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)r, (int)r, (int)P, 1.0, Vm, (int)r, Vm, (int)r, 0.0,
		    G, (int)r);
	for (size_t i = 0; i < r; i++)
		G[i * r + i] += o->lambda;
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)r, (int)r, (int)P, 1.0, Vm, (int)r, Vp, (int)r, 0.0,
		    X, (int)r);
	info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)r, (lapack_int)r, G, (lapack_int)r, X, (lapack_int)r);
	if (info != 0) {
		rc = ll_err_set(err, info > 0 ? LL_ENUMERIC : LL_ELAPACK,
				"DMD regression is singular at rank %zu (dposv info %d): lower the rank", r, (int)info);
		goto fail;
	}
	for (size_t i = 0; i < r; i++)
		for (size_t j = 0; j < r; j++)
			out->A[i * r + j] = X[j * r + i];
	if ((rc = ll_dsa_eigs(out->A, r, out->eig, err)) != LL_OK)
		goto fail;
	out->rank = r;
	out->embed_dim = D;
	out->rows = M;
	out->sv = s;
	s = NULL;
	ll_free(H);
	ll_free(U);
	ll_free(VT);
	ll_free(Vm);
	ll_free(Vp);
	ll_free(G);
	ll_free(X);
	return LL_OK;
fail:
	ll_free(H);
	ll_free(U);
	ll_free(VT);
	ll_free(s);
	ll_free(Vm);
	ll_free(Vp);
	ll_free(G);
	ll_free(X);
	ll_dsa_dmd_free(out);
	return rc;
}

/* ---- the distance ------------------------------------------------------------ */

typedef struct work {
	size_t n;
	const double *A, *B;      /* normalised */
	double *CB, *CBCt, *R, *G, *W, *M, *N, *Y, *T1, *Cprev, *Zprev, *Z, *EA, *EB;
	lapack_int *ipiv;
} work;

/* f = ||C B C^T - A||^2; with grad, also G = 2 (R C B^T + R^T C B) and
 * W = G C^T - C G^T */
static double loss(work *w, const double *C, int grad)
{
	size_t n = w->n;
	int in = (int)n;
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in, in, in, 1.0, C, in, w->B, in, 0.0, w->CB, in);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, in, in, in, 1.0, w->CB, in, C, in, 0.0, w->CBCt, in);
	double f = 0;
	for (size_t i = 0; i < n * n; i++) {
		w->R[i] = w->CBCt[i] - w->A[i];
		f += w->R[i] * w->R[i];
	}
	if (!grad)
		return f;
	/* T1 = C B^T, G = 2 R T1 + 2 R^T CB */
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, in, in, in, 1.0, C, in, w->B, in, 0.0, w->T1, in);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in, in, in, 2.0, w->R, in, w->T1, in, 0.0, w->G, in);
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, in, in, 2.0, w->R, in, w->CB, in, 1.0, w->G, in);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, in, in, in, 1.0, w->G, in, C, in, 0.0, w->W, in);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++) {
			double a = w->W[i * n + j] - w->W[j * n + i];
			w->W[i * n + j] = a;
			w->W[j * n + i] = -a;
		}
	return f;
}

/* Y = (I + tau/2 W)^{-1} (I - tau/2 W) C */
static int cayley(work *w, const double *C, double tau, ll_err *err)
{
	size_t n = w->n;
	int in = (int)n;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double e = (i == j) ? 1.0 : 0.0;
			w->M[i * n + j] = e + 0.5 * tau * w->W[i * n + j];
			w->N[i * n + j] = e - 0.5 * tau * w->W[i * n + j];
		}
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in, in, in, 1.0, w->N, in, C, in, 0.0, w->Y, in);
	lapack_int info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, in, in, w->M, in, w->ipiv, w->Y, in);
	if (info != 0)
		return ll_err_set(err, info > 0 ? LL_ENUMERIC : LL_ELAPACK, "Cayley step failed (dgesv info %d)",
				  (int)info);
	return LL_OK;
}

/* descend from C (overwritten with the end); *f the final loss.  Armijo
 * backtracking from a Barzilai-Borwein trial step (Wen & Yin 2013), on
 * the Riemannian gradient Z = W C. */
static int descend(work *w, double *C, const ll_dsa_opts *o, double *f_out, size_t *iters, ll_err *err)
{
	size_t n = w->n, nn = n * n;
	int in = (int)n;
	double tau = 1.0, f = loss(w, C, 1);
	size_t it = 0;
	int have_prev = 0;
	for (; it < o->max_iters; it++) {
		double g2 = 0;
		for (size_t i = 0; i < nn; i++)
			g2 += w->W[i] * w->W[i];
		if (!isfinite(f) || !isfinite(g2))
			return ll_err_set(err, LL_ENUMERIC, "DSA descent hit NaN or Inf at iteration %zu", it);
		if (sqrt(g2) < o->tol || f == 0)
			break;
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in, in, in, 1.0, w->W, in, C, in, 0.0, w->Z, in);
		if (have_prev) {
			double ss = 0, sy = 0;
			for (size_t i = 0; i < nn; i++) {
				double si = C[i] - w->Cprev[i], yi = w->Z[i] - w->Zprev[i];
				ss += si * si;
				sy += si * yi;
			}
			if (sy != 0 && isfinite(ss / fabs(sy)) && ss > 0)
				tau = ss / fabs(sy);
		}
		if (!(tau > 1e-20) || tau > 1e20)
			tau = 1.0;
		int accepted = 0;
		double fy = f;
		for (int h = 0; h < MAX_HALVINGS; h++, tau *= 0.5) {
			int rc = cayley(w, C, tau, err);
			if (rc != LL_OK)
				return rc;
			fy = loss(w, w->Y, 0);
			if (!isfinite(fy))
				return ll_err_set(err, LL_ENUMERIC, "DSA descent hit NaN or Inf at iteration %zu", it);
			if (fy <= f - ARMIJO_C1 * tau * 0.5 * g2) {
				accepted = 1;
				break;
			}
		}
		if (!accepted)
			break; /* no step lowers f: converged to rounding */
		memcpy(w->Cprev, C, nn * sizeof *C);
		memcpy(w->Zprev, w->Z, nn * sizeof *C);
		have_prev = 1;
		memcpy(C, w->Y, nn * sizeof *C);
		double fprev = f;
		f = loss(w, C, 1);
		if (fprev - f <= 1e-15 * fprev) {
			it++;
			break;
		}
	}
	if (!isfinite(f))
		return ll_err_set(err, LL_ENUMERIC, "DSA descent hit NaN or Inf");
	*f_out = f;
	*iters = it;
	return LL_OK;
}

/* sign of det(Q) by LU */
static int det_sign(const double *Q, size_t n, double *tmp, lapack_int *ipiv)
{
	memcpy(tmp, Q, n * n * sizeof *tmp);
	lapack_int info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, (lapack_int)n, (lapack_int)n, tmp, (lapack_int)n, ipiv);
	if (info < 0)
		return 0;
	int s = 1;
	for (size_t i = 0; i < n; i++) {
		if (tmp[i * n + i] < 0)
			s = -s;
		if (ipiv[i] != (lapack_int)(i + 1))
			s = -s;
	}
	return s;
}

/* a random orthogonal matrix with det sgn: QR of a Gaussian */
static int random_orth(ll_rng *rng, size_t n, int sgn, double *Q, double *tmp, lapack_int *ipiv, ll_err *err)
{
	double *tau = tmp + n * n;
	for (size_t i = 0; i < n * n; i++)
		Q[i] = ll_rng_normal(rng);
	lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)n, (lapack_int)n, Q, (lapack_int)n, tau);
	if (info != 0)
		return ll_err_set(err, LL_ELAPACK, "dgeqrf failed (info %d)", (int)info);
	double *rd = tmp; /* diag of R */
	for (size_t i = 0; i < n; i++)
		rd[i] = Q[i * n + i];
	info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)n, (lapack_int)n, (lapack_int)n, Q, (lapack_int)n, tau);
	if (info != 0)
		return ll_err_set(err, LL_ELAPACK, "dorgqr failed (info %d)", (int)info);
	for (size_t j = 0; j < n; j++)
		if (rd[j] < 0)
			for (size_t i = 0; i < n; i++)
				Q[i * n + j] = -Q[i * n + j];
	if (det_sign(Q, n, tmp, ipiv) != sgn)
		for (size_t i = 0; i < n; i++)
			Q[i * n] = -Q[i * n];
	return LL_OK;
}

/* C = E_A diag(s) E_B^T: flipping s_i
 * is C -= 2 a_i b_i^T (a_i, b_i the i-th eigenvectors, w->EA, w->EB;
 * the sign is kept in b_i, so C = E_A E_B^T always) */
static void flip(work *w, double *C, size_t i)
{
	size_t n = w->n;
	for (size_t r = 0; r < n; r++)
		for (size_t c = 0; c < n; c++)
			C[r * n + c] -= 2.0 * w->EA[r * n + i] * w->EB[c * n + i];
	for (size_t r = 0; r < n; r++)
		w->EB[r * n + i] = -w->EB[r * n + i];
}

/* the single sign flip that lowers the loss most (or raises it least):
 * the other component of O(n) */
static void flip_best(work *w, double *C)
{
	size_t n = w->n, bi = 0;
	double bf = INFINITY;
	for (size_t i = 0; i < n; i++) {
		flip(w, C, i);
		double f = loss(w, C, 0);
		if (f < bf) {
			bf = f;
			bi = i;
		}
		flip(w, C, i);
	}
	flip(w, C, bi);
}

/* A start from the symmetric parts: if B = Q A Q^T then B + B^T = Q (A +
 * A^T) Q^T, so C = E_A diag(s) E_B^T (eigenvectors, s = +-1 chosen
 * greedily) recovers Q^T when the spectrum is simple.  Leaves E_A and
 * E_B in w->EA, w->EB for flip(). */
static int spectral_start(work *w, double *C, double *tmp, lapack_int *ipiv, ll_err *err)
{
	(void)ipiv;
	size_t n = w->n;
	int in = (int)n;
	double *ev = tmp; /* n */
	for (size_t r = 0; r < n; r++)
		for (size_t c = 0; c < n; c++) {
			w->EA[r * n + c] = w->A[r * n + c] + w->A[c * n + r];
			w->EB[r * n + c] = w->B[r * n + c] + w->B[c * n + r];
		}
	lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', in, w->EA, in, ev);
	if (info == 0)
		info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', in, w->EB, in, ev);
	if (info != 0)
		return ll_err_set(err, info > 0 ? LL_ENUMERIC : LL_ELAPACK, "dsyev failed (info %d)", (int)info);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, in, in, in, 1.0, w->EA, in, w->EB, in, 0.0, C, in);
	double f = loss(w, C, 0);
	for (int pass = 0; pass < 3; pass++) {
		int changed = 0;
		for (size_t i = 0; i < n; i++) {
			flip(w, C, i);
			double g = loss(w, C, 0);
			if (g < f) {
				f = g;
				changed = 1;
			} else {
				flip(w, C, i);
			}
		}
		if (!changed)
			break;
	}
	return LL_OK;
}

int ll_dsa_compare(const double *A, const double *B, size_t n, const ll_dsa_opts *o, ll_dsa_dist *d,
		   double *C, ll_err *err)
{
	ll_dsa_opts def;
	if (!o) {
		ll_dsa_opts_default(&def);
		o = &def;
	}
	memset(d, 0, sizeof *d);
	if (n == 0)
		return ll_err_set(err, LL_EINVAL, "DSA of empty operators");
	if (o->restarts == 0 || !(o->tol >= 0))
		return ll_err_set(err, LL_EINVAL, "DSA needs restarts >= 1 and tol >= 0");
	if (n > 46340)
		return ll_err_set(err, LL_EINVAL, "operators of size %zu are too large", n);
	if (!all_finite(A, n * n) || !all_finite(B, n * n))
		return ll_err_set(err, LL_ENUMERIC, "operator has NaN or Inf entries");
	double na = cblas_dnrm2((int)(n * n), A, 1), nb = cblas_dnrm2((int)(n * n), B, 1);
	if (!(na > 0) || !(nb > 0) || !isfinite(na) || !isfinite(nb))
		return ll_err_set(err, LL_EINVAL, "DSA of a zero operator (or one whose norm overflows)");
	size_t nn = n * n;
	double *buf = ll_malloc_array(nn * 21 + n, sizeof *buf);
	lapack_int *ipiv = ll_malloc_array(n, sizeof *ipiv);
	if (!buf || !ipiv) {
		ll_free(buf);
		ll_free(ipiv);
		return ll_err_oom(err);
	}
	double *An = buf, *Bn = buf + nn, *Cc = buf + 2 * nn, *Cbest = buf + 3 * nn, *tmp = buf + 13 * nn;
	for (size_t i = 0; i < nn; i++) {
		An[i] = A[i] / na;
		Bn[i] = B[i] / nb;
	}
	work w = {n, An, Bn, buf + 4 * nn, buf + 5 * nn, buf + 6 * nn, buf + 7 * nn, buf + 8 * nn,
		  buf + 9 * nn, buf + 10 * nn, buf + 11 * nn, buf + 12 * nn, buf + 15 * nn, buf + 16 * nn, buf + 17 * nn, buf + 19 * nn, buf + 20 * nn, ipiv};
	double *Cspec = buf + 18 * nn;
	int have_spec = 0;
	ll_rng rng;
	ll_rng_init(&rng, o->seed);
	double best = INFINITY;
	int rc = LL_OK;
	for (int comp = 0; comp < 2; comp++) {
		int sgn = comp ? -1 : 1;
		for (size_t s = 0; s < o->restarts; s++) {
			if (s == 0) {
				memset(Cc, 0, nn * sizeof *Cc);
				for (size_t i = 0; i < n; i++)
					Cc[i * n + i] = 1.0;
				if (sgn < 0) {
					if (n == 1) {
						Cc[0] = -1.0;
					} else {
						Cc[0] = Cc[n + 1] = 0.0;
						Cc[1] = Cc[n] = 1.0;
					}
				}
			} else if (s == 1 && n > 1) {
				if (!have_spec && (rc = spectral_start(&w, Cspec, tmp, ipiv, err)) != LL_OK)
					goto out;
				have_spec = 1;
				memcpy(Cc, Cspec, nn * sizeof *Cc);
				if (det_sign(Cc, n, tmp, ipiv) != sgn)
					flip_best(&w, Cc);
			} else if ((rc = random_orth(&rng, n, sgn, Cc, tmp, ipiv, err)) != LL_OK) {
				goto out;
			}
			double f = INFINITY;
			size_t it = 0;
			if ((rc = descend(&w, Cc, o, &f, &it, err)) != LL_OK)
				goto out;
			d->total_iterations += it;
			if (f < best) {
				best = f;
				d->iterations = it;
				d->det = sgn;
				memcpy(Cbest, Cc, nn * sizeof *Cc);
			}
		}
	}
	/* the scores at the best C */
	loss(&w, Cbest, 0);
	double dot = 0;
	for (size_t i = 0; i < nn; i++)
		dot += An[i] * w.CBCt[i];
	double nc = cblas_dnrm2((int)nn, w.CBCt, 1);
	double cs = dot / nc; /* ||A|| = 1 */
	if (cs > 1)
		cs = 1;
	if (cs < -1)
		cs = -1;
	d->angular = acos(cs);
	d->euclidean = sqrt(best);
	if (!isfinite(d->angular) || !isfinite(d->euclidean)) {
		rc = ll_err_set(err, LL_ENUMERIC, "DSA score is NaN or Inf");
		goto out;
	}
	if (C)
		memcpy(C, Cbest, nn * sizeof *C);
out:
	if (rc != LL_OK)
		memset(d, 0, sizeof *d);
	ll_free(buf);
	ll_free(ipiv);
	return rc;
}

int ll_dsa_wasserstein(const double *ea, size_t na, const double *eb, size_t nb, double *w, ll_err *err)
{
	*w = 0;
	if (na == 0 || nb == 0)
		return ll_err_set(err, LL_EINVAL, "Wasserstein distance of an empty eigenvalue set");
	if (!all_finite(ea, 2 * na) || !all_finite(eb, 2 * nb))
		return ll_err_set(err, LL_ENUMERIC, "eigenvalues have NaN or Inf values");
	size_t m = na > nb ? na : nb;
	if (m > SIZE_MAX / m / sizeof(double))
		return ll_err_oom(err);
	double *cost = ll_malloc_array(m * m, sizeof *cost);
	size_t *assign = ll_malloc_array(m, sizeof *assign);
	if (!cost || !assign) {
		ll_free(cost);
		ll_free(assign);
		return ll_err_oom(err);
	}
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < m; j++) {
			double ar = i < na ? ea[2 * i] : 0, ai = i < na ? ea[2 * i + 1] : 0;
			double br = j < nb ? eb[2 * j] : 0, bi = j < nb ? eb[2 * j + 1] : 0;
			cost[i * m + j] = (ar - br) * (ar - br) + (ai - bi) * (ai - bi);
		}
	int rc = ll_hungarian(cost, m, m, assign, err);
	if (rc == LL_OK) {
		double s = 0;
		for (size_t i = 0; i < m; i++)
			s += cost[i * m + assign[i]];
		*w = s / (double)m;
	}
	ll_free(cost);
	ll_free(assign);
	return rc;
}

int ll_dsa_all(const ll_dsa_dmd *m, size_t N, const ll_dsa_opts *o, int threads, double *dsa,
	       double *wass, ll_err *err)
{
	if (N < 2)
		return ll_err_set(err, LL_EINVAL, "DSA of all pairs needs at least 2 systems, not %zu", N);
	for (size_t a = 1; a < N; a++)
		if (m[a].rank != m[0].rank)
			return ll_err_set(err, LL_ESHAPE,
					  "system %zu has rank %zu but system 0 rank %zu: all pairs need one rank", a,
					  m[a].rank, m[0].rank);
	size_t P = N * (N - 1) / 2;
	size_t *pa = ll_malloc_array(P, sizeof *pa), *pb = ll_malloc_array(P, sizeof *pb);
	int *rcs = ll_calloc_array(P, sizeof *rcs);
	ll_err *errs = ll_calloc_array(P, sizeof *errs);
	if (!pa || !pb || !rcs || !errs) {
		ll_free(pa);
		ll_free(pb);
		ll_free(rcs);
		ll_free(errs);
		return ll_err_oom(err);
	}
	for (size_t a = 0, q = 0; a < N; a++) {
		dsa[a * N + a] = 0;
		if (wass)
			wass[a * N + a] = 0;
		for (size_t b = a + 1; b < N; b++, q++) {
			pa[q] = a;
			pb[q] = b;
		}
	}
	int nt = ll_threads_resolve(threads);
	int blas_threads = openblas_get_num_threads();
	if (nt > 1)
		openblas_set_num_threads(1);
	/* batches of a few pairs per thread: progress and cancel between them */
	size_t batch = 4 * (size_t)nt, done = 0;
	int rc = LL_OK;
	while (done < P && rc == LL_OK) {
		long long lo = (long long)done, hi = (long long)(done + batch < P ? done + batch : P);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (nt > 1)
		for (long long q = lo; q < hi; q++) {
			size_t a = pa[q], b = pb[q], n = m[a].rank;
			ll_dsa_dist d;
			int r = ll_dsa_compare(m[a].A, m[b].A, n, o, &d, NULL, &errs[q]);
			double w = 0;
			if (r == LL_OK && wass)
				r = ll_dsa_wasserstein(m[a].eig, n, m[b].eig, n, &w, &errs[q]);
			rcs[q] = r;
			if (r == LL_OK) {
				dsa[a * N + b] = dsa[b * N + a] = d.angular;
				if (wass)
					wass[a * N + b] = wass[b * N + a] = w;
			}
		}
		for (size_t q = done; q < (size_t)hi; q++)
			if (rcs[q] != LL_OK) {
				rc = ll_err_set(err, rcs[q], "systems %zu and %zu: %s", pa[q], pb[q], errs[q].msg);
				break;
			}
		done = (size_t)hi;
		if (rc == LL_OK && o && o->progress) {
			ll_progress pr = {"dsa all pairs", (double)done / (double)P, NULL};
			if (o->progress(o->progress_ud, &pr))
				rc = ll_err_set(err, LL_ECANCELED, "dsa: canceled");
		}
	}
	if (nt > 1)
		openblas_set_num_threads(blas_threads);
	ll_free(pa);
	ll_free(pb);
	ll_free(rcs);
	ll_free(errs);
	return rc;
}
