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

/* The rank: opts.rank, else the fewest singular values whose squares
 * explain opts.explained_variance of the total, else full (p). */
static size_t pick_rank(const double *s, size_t p, const ll_dsa_dmd_opts *o)
{
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
	return r == 0 ? p : r;
}

/* The upper block triangle of G = H^T H (D x D, row-major, D = d * units)
 * from x's lagged products, five times fewer flops than the product
 * itself: block (0, j) = H_0^T H_j is one product over all rows, and
 * block (i, j) is block (i - 1, j - 1) with k rows per trial entering at
 * the top of the window and k leaving at its end (H's column blocks are
 * windows of x shifted by k). */
static void gram_blocks(const double *x, const double *H, size_t trials, size_t T, size_t units, size_t d,
			size_t k, double *G)
{
	size_t D = d * units, t0 = (d - 1) * k, M = trials * (T - t0);
	int iu = (int)units, iD = (int)D, ik = (int)k;
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, iu, iD, (int)M, 1.0, H, iD, H, iD, 0.0, G, iD);
	for (size_t i = 1; i < d; i++)
		for (size_t j = i; j < d; j++) {
			double *blk = G + i * units * D + j * units;
			const double *prev = blk - units * D - units;
			for (size_t q = 0; q < units; q++)
				memcpy(blk + q * D, prev + q * D, units * sizeof *blk);
			size_t lag = (j - i) * k, in = t0 - i * k, out = T - i * k;
			for (size_t b = 0; b < trials; b++) {
				const double *xb = x + b * T * units;
				cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, iu, iu, ik, 1.0, xb + in * units, iu,
					    xb + (in - lag) * units, iu, 1.0, blk, iD);
				cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, iu, iu, ik, -1.0, xb + out * units, iu,
					    xb + (out - lag) * units, iu, 1.0, blk, iD);
			}
		}
}

/* Below this s_r / s_1 the Gram route is not used: its basis error grows
 * like eps (s_1 / s_r)^2 where the SVD's grows like eps s_1 / s_r */
#define GRAM_MIN_REL 1e-5

/* The Gram route for a tall embedding (M >= D): the eigenvalues of G =
 * H^T H are the squared singular values of H and its top r eigenvectors
 * V_r give the basis U_r = H V_r S_r^{-1}; G comes cheap from the Hankel
 * structure (gram_blocks) and only r eigenvectors are formed (one
 * tridiagonal reduction; dsterf for all the values, dstemr + dormtr for
 * r vectors), where the SVD forms all of H's singular vectors.  Fills s
 * (all D values) and *r; *used = 1 with *U (M x r, owned) on success,
 * 0 (nothing allocated) if the rank is too ill-conditioned for it or
 * LAPACK declines, so the caller falls back to the SVD. */
static int gram_basis(const double *x, const double *H, size_t trials, size_t T, size_t units, size_t d,
		      size_t k, const ll_dsa_dmd_opts *o, double *s, double **U_out, size_t *r_out, int *used,
		      ll_err *err)
{
	size_t D = d * units, M = trials * (T - (d - 1) * k);
	*used = 0;
	*U_out = NULL;
	double *G = ll_malloc_array(D * D, sizeof *G), *tri = ll_malloc_array(6 * D, sizeof *tri);
	double *Z = NULL, *U = NULL;
	lapack_int *isuppz = NULL;
	if (!G || !tri) {
		ll_free(G);
		ll_free(tri);
		return ll_err_oom(err);
	}
	double *dg = tri, *eo = tri + D, *tau = tri + 2 * D, *dw = tri + 3 * D, *ew = tri + 4 * D, *wv = tri + 5 * D;
	gram_blocks(x, H, trials, T, units, d, k, G);
	/* G's row-major upper triangle is its column-major lower one */
	lapack_int iD = (lapack_int)D;
	lapack_int info = LAPACKE_dsytrd(LAPACK_COL_MAJOR, 'L', iD, G, iD, dg, eo, tau);
	if (info == 0) {
		memcpy(dw, dg, D * sizeof *dw);
		memcpy(ew, eo, D * sizeof *ew);
		info = LAPACKE_dsterf(iD, dw, ew);
	}
	if (info != 0)
		goto declined;
	for (size_t i = 0; i < D; i++)
		s[i] = dw[D - 1 - i] > 0 ? sqrt(dw[D - 1 - i]) : 0.0;
	size_t r = pick_rank(s, D, o);
	*r_out = r;
	if (!(s[r - 1] > GRAM_MIN_REL * s[0]))
		goto declined;
	Z = ll_malloc_array(D * r, sizeof *Z);
	U = ll_malloc_array(M * r, sizeof *U);
	isuppz = ll_malloc_array(2 * r, sizeof *isuppz);
	if (!Z || !U || !isuppz)
		goto oom;
	lapack_int m = 0;
	lapack_logical tryrac = 1;
	memcpy(dw, dg, D * sizeof *dw);
	memcpy(ew, eo, D * sizeof *ew);
	ew[D - 1] = 0;
	info = LAPACKE_dstemr(LAPACK_COL_MAJOR, 'V', 'I', iD, dw, ew, 0.0, 0.0, iD - (lapack_int)r + 1, iD, &m, wv, Z,
			      iD, (lapack_int)r, isuppz, &tryrac);
	if (info != 0 || m != (lapack_int)r)
		goto declined;
	info = LAPACKE_dormtr(LAPACK_COL_MAJOR, 'L', 'L', 'N', iD, (lapack_int)r, G, iD, tau, Z, iD);
	if (info != 0)
		goto declined;
	/* Z's columns are the eigenvectors, ascending: as rows of a row-major
	 * r x D, reverse them and divide by s, then U = H Z^T */
	for (size_t c = 0; c < r; c++) {
		double *zc = Z + c * D, *zo = Z + (r - 1 - c) * D;
		if (c < r - 1 - c)
			for (size_t q = 0; q < D; q++) {
				double t = zc[q];
				zc[q] = zo[q];
				zo[q] = t;
			}
	}
	for (size_t c = 0; c < r; c++)
		for (size_t q = 0; q < D; q++)
			Z[c * D + q] /= s[c];
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)r, (int)D, 1.0, H, (int)D, Z, (int)D, 0.0, U,
		    (int)r);
	*U_out = U;
	*used = 1;
	U = NULL;
declined:
	ll_free(G);
	ll_free(tri);
	ll_free(Z);
	ll_free(U);
	ll_free(isuppz);
	return LL_OK;
oom:
	ll_free(G);
	ll_free(tri);
	ll_free(Z);
	ll_free(U);
	ll_free(isuppz);
	return ll_err_oom(err);
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
	double *H = ll_malloc_array(M * D, sizeof *H), *s = ll_malloc_array(p, sizeof *s);
	double *U = NULL, *Vm = NULL, *Vp = NULL, *G = NULL, *X = NULL;
	size_t ldu = 0, r = 0;
	if (!H || !s) {
		rc = ll_err_oom(err);
		goto fail;
	}
	ll_dsa_embed(x, trials, T, units, d, k, H, NULL);
	/* the Gram route when it applies (tall embeddings, a well-conditioned
	 * rank), else, or if it fails, the SVD of the embedding */
	if (M >= D) {
		int used = 0;
		if ((rc = gram_basis(x, H, trials, T, units, d, k, o, s, &U, &r, &used, err)) != LL_OK)
			goto fail;
		if (used)
			ldu = r;
	}
	if (!U) {
		double *VT = ll_malloc_array(p * D, sizeof *VT);
		U = ll_malloc_array(M * p, sizeof *U);
		if (!VT || !U) {
			ll_free(VT);
			rc = ll_err_oom(err);
			goto fail;
		}
		lapack_int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)M, (lapack_int)D, H, (lapack_int)D,
						 s, U, (lapack_int)p, VT, (lapack_int)D);
		ll_free(VT);
		if (info != 0) {
			rc = ll_err_set(err, info > 0 ? LL_ENUMERIC : LL_ELAPACK,
					"SVD of the embedding failed (dgesdd info %d)", (int)info);
			goto fail;
		}
		r = pick_rank(s, p, o);
		ldu = p;
	}
	/* all-zero data leaves every singular direction arbitrary: any
	 * operator fitted on them would be LAPACK's choice, not the data's */
	if (!(s[0] > 0)) {
		rc = ll_err_set(err, LL_ENUMERIC, "data is all zero: no dynamics to fit");
		goto fail;
	}
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
			memcpy(Vm + q * r, U + (b * Tp + t) * ldu, r * sizeof *Vm);
			memcpy(Vp + q * r, U + (b * Tp + t + 1) * ldu, r * sizeof *Vp);
		}
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)r, (int)r, (int)P, 1.0, Vm, (int)r, Vm, (int)r, 0.0,
		    G, (int)r);
	for (size_t i = 0; i < r; i++)
		G[i * r + i] += o->lambda;
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)r, (int)r, (int)P, 1.0, Vm, (int)r, Vp, (int)r, 0.0,
		    X, (int)r);
	lapack_int info =
		LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)r, (lapack_int)r, G, (lapack_int)r, X, (lapack_int)r);
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
fail:
	ll_free(H);
	ll_free(U);
	ll_free(s);
	ll_free(Vm);
	ll_free(Vp);
	ll_free(G);
	ll_free(X);
	if (rc != LL_OK)
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

/* W = G C^T - C G^T for the Euclidean gradient G = 2 (R C B^T + R^T C B)
 * of the loss at the C whose S = C B C^T and R = S - A are in w (the last
 * loss() call): with R = S - A this is W = 2 (P - P^T + Q - Q^T), P = S A^T,
 * Q = S^T A, two products instead of four */
static void skew_grad(work *w)
{
	size_t n = w->n;
	int in = (int)n;
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, in, in, in, 1.0, w->CBCt, in, w->A, in, 0.0, w->G, in);
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, in, in, 1.0, w->CBCt, in, w->A, in, 0.0, w->T1, in);
	for (size_t i = 0; i < n; i++) {
		w->W[i * n + i] = 0;
		for (size_t j = i + 1; j < n; j++) {
			double a = 2.0 * (w->G[i * n + j] - w->G[j * n + i] + w->T1[i * n + j] - w->T1[j * n + i]);
			w->W[i * n + j] = a;
			w->W[j * n + i] = -a;
		}
	}
}

/* f = ||C B C^T - A||^2, leaving S = C B C^T in w->CBCt and R = S - A in
 * w->R; with grad, also W (skew_grad) */
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
	if (grad)
		skew_grad(w);
	return f;
}

/* Y = (I + tau/2 W)^{-1} (I - tau/2 W) C = 2 X - C with (I + tau/2 W) X = C
 * (the two factors commute), so one solve and no product.  Solved
 * column-major, which LAPACKE passes straight through (row-major would
 * copy and transpose both operands on every trial step): w->M holds
 * I + tau/2 W and w->N holds C, then X, column-major. */
static int cayley(work *w, const double *C, double tau, ll_err *err)
{
	size_t n = w->n;
	int in = (int)n;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			w->M[j * n + i] = (i == j ? 1.0 : 0.0) + 0.5 * tau * w->W[i * n + j];
			w->N[j * n + i] = C[i * n + j];
		}
	lapack_int info = LAPACKE_dgesv(LAPACK_COL_MAJOR, in, in, w->M, in, w->ipiv, w->N, in);
	if (info != 0)
		return ll_err_set(err, info > 0 ? LL_ENUMERIC : LL_ELAPACK, "Cayley step failed (dgesv info %d)",
				  (int)info);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			w->Y[i * n + j] = 2.0 * w->N[j * n + i] - C[i * n + j];
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
		f = fy;
		skew_grad(w); /* w holds the accepted step's S and R */
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
	/* OpenBLAS at one thread meanwhile: n x n products and solves gain
	 * nothing from threads (3x slower at n = 30 on 2 cores), and its
	 * threaded LU rounds differently, which the descent would carry into
	 * the score */
	int blas_threads = openblas_get_num_threads();
	openblas_set_num_threads(1);
	double *An = buf, *Bn = buf + nn, *Cbest = buf + 3 * nn, *tmp = buf + 13 * nn;
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
	/* every start gets a short burn-in (a fifth of the budget); the one
	 * that ends lowest is continued for the rest: most of the cost goes
	 * to the start that wins, as the reference's two descents would */
	size_t nstarts = 2 * o->restarts, burn = o->max_iters / 5 ? o->max_iters / 5 : 1;
	double *Cs = ll_malloc_array(nstarts * nn, sizeof *Cs);
	if (!Cs) {
		rc = ll_err_oom(err);
		goto out;
	}
	ll_dsa_opts ob = *o;
	ob.max_iters = burn < o->max_iters ? burn : o->max_iters;
	size_t win = 0, win_it = 0;
	int win_sgn = 1;
	for (int comp = 0; comp < 2; comp++) {
		int sgn = comp ? -1 : 1;
		for (size_t s = 0; s < o->restarts; s++) {
			double *Cc = Cs + (comp * o->restarts + s) * nn;
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
					goto burn_out;
				have_spec = 1;
				memcpy(Cc, Cspec, nn * sizeof *Cc);
				if (det_sign(Cc, n, tmp, ipiv) != sgn)
					flip_best(&w, Cc);
			} else if ((rc = random_orth(&rng, n, sgn, Cc, tmp, ipiv, err)) != LL_OK) {
				goto burn_out;
			}
			double f = INFINITY;
			size_t it = 0;
			if ((rc = descend(&w, Cc, &ob, &f, &it, err)) != LL_OK)
				goto burn_out;
			d->total_iterations += it;
			if (f < best) {
				best = f;
				win = comp * o->restarts + s;
				win_it = it;
				win_sgn = sgn;
			}
		}
	}
	memcpy(Cbest, Cs + win * nn, nn * sizeof *Cbest);
	if (o->max_iters > ob.max_iters && win_it == ob.max_iters) {
		/* the winner was still moving: the rest of its budget */
		ll_dsa_opts orest = *o;
		orest.max_iters = o->max_iters - ob.max_iters;
		double f = INFINITY;
		size_t it = 0;
		if ((rc = descend(&w, Cbest, &orest, &f, &it, err)) != LL_OK)
			goto burn_out;
		d->total_iterations += it;
		win_it += it;
		if (f < best)
			best = f;
	}
	d->iterations = win_it;
	d->det = win_sgn;
burn_out:
	ll_free(Cs);
	if (rc != LL_OK)
		goto out;
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
	openblas_set_num_threads(blas_threads);
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
	/* one OpenBLAS thread before the region, so that each pair's
	 * ll_dsa_compare saves and restores 1, and every pair runs as it
	 * would alone: the result is the same for any thread count */
	int blas_threads = openblas_get_num_threads();
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
	openblas_set_num_threads(blas_threads);
	ll_free(pa);
	ll_free(pb);
	ll_free(rcs);
	ll_free(errs);
	return rc;
}
