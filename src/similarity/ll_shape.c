/* Shape metrics with partial whitening.  Definitions: ll_shape.h. */
#include "similarity/ll_shape.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "similarity/ll_simutil.h"

#define EIG_CLIP 1e-7

int ll_shape_whiten(const double *X, size_t n, size_t p, double alpha, double *Xw,
		    ll_err *err)
{
	memcpy(Xw, X, n * p * sizeof *Xw);
	ll_sim_center(Xw, n, p);
	if (alpha > 1.0 - 1e-7)
		return LL_OK;
	double *G = ll_malloc_array(p * p, sizeof *G);
	double *lam = ll_malloc_array(p, sizeof *lam);
	double *Z = ll_malloc_array(p * p, sizeof *Z);
	double *W = ll_malloc_array(p * p, sizeof *W);
	double *Xc = ll_malloc_array(n * p, sizeof *Xc);
	int rc = LL_OK;
	if (!G || !lam || !Z || !W || !Xc) {
		rc = ll_err_oom(err);
		goto out;
	}
	memcpy(Xc, Xw, n * p * sizeof *Xc);
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0, Xc, (int)p, 0.0, G,
		    (int)p);
	lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (int)p, G, (int)p, lam);
	if (info != 0) {
		rc = ll_err_set(err, info < 0 ? LL_ELAPACK : LL_ENUMERIC,
				"shape metric: eigendecomposition failed (dsyevd info %d)", (int)info);
		goto out;
	}
	double lmax = lam[p - 1], tot = 0.0, nv = 0.0;
	if (!(lmax > 0.0)) {
		rc = ll_err_set(err, LL_ENUMERIC, "shape metric: the input has no variance");
		goto out;
	}
	/* d_i, and the variance it gives: sum lambda_i d_i^2 (true lambda) */
	for (size_t i = 0; i < p; i++) {
		double l = lam[i] > 0.0 ? lam[i] : 0.0;
		double lc = l > EIG_CLIP * lmax ? l : EIG_CLIP * lmax;
		double d = alpha + (1.0 - alpha) / sqrt(lc);
		tot += l;
		nv += l * d * d;
		lam[i] = d;
	}
	double sc = sqrt(tot / nv);
	/* Z = V diag(d sc) V^T; G holds V (row-major, column i = vector i) */
	for (size_t a = 0; a < p; a++)
		for (size_t i = 0; i < p; i++)
			W[a * p + i] = G[a * p + i] * lam[i] * sc;
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)p, (int)p, (int)p, 1.0, W, (int)p,
		    G, (int)p, 0.0, Z, (int)p);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)p, (int)p, 1.0, Xc,
		    (int)p, Z, (int)p, 0.0, Xw, (int)p);
out:
	ll_free(G);
	ll_free(lam);
	ll_free(Z);
	ll_free(W);
	ll_free(Xc);
	return rc;
}

/* ||A - B||^2 for n x k (leading dims la, lb), with scales sa, sb */
static double diff_sumsq(const double *A, const double *B, size_t n, size_t k, double sa,
			 double sb)
{
	double s = 0.0;
	for (size_t i = 0; i < n * k; i++) {
		double d = A[i] * sa - B[i] * sb;
		s += d * d;
	}
	return s;
}

int ll_shape(const double *X, size_t n, size_t p, const double *Y, size_t q, double alpha,
	     double *angular, double *procrustes, ll_err *err)
{
	if (angular)
		*angular = NAN;
	if (procrustes)
		*procrustes = NAN;
	int rc = ll_sim_check_shape(n, p, 3, "X", err);
	if (rc == LL_OK)
		rc = ll_sim_check_shape(n, q, 3, "Y", err);
	if (rc != LL_OK)
		return rc;
	if (!(alpha >= 0.0 && alpha <= 1.0))
		return ll_err_set(err, LL_EINVAL, "shape metric: alpha %g is not in [0, 1]", alpha);
	size_t k = p < q ? p : q;
	double *Xw = ll_malloc_array(n * p, sizeof *Xw), *Yw = ll_malloc_array(n * q, sizeof *Yw);
	double *M = ll_malloc_array(p * q, sizeof *M);
	double *U = ll_malloc_array(p * k, sizeof *U), *Vt = ll_malloc_array(k * q, sizeof *Vt);
	double *s = ll_malloc_array(k, sizeof *s), *sup = ll_malloc_array(k, sizeof *sup);
	double *A = ll_malloc_array(n * k, sizeof *A), *B = ll_malloc_array(n * k, sizeof *B);
	double *R = ll_malloc_array(n * (p > q ? p : q), sizeof *R);
	if (!Xw || !Yw || !M || !U || !Vt || !s || !sup || !A || !B || !R) {
		rc = ll_err_oom(err);
		goto out;
	}
	if ((rc = ll_shape_whiten(X, n, p, alpha, Xw, err)) != LL_OK ||
	    (rc = ll_shape_whiten(Y, n, q, alpha, Yw, err)) != LL_OK)
		goto out;
	double nx = sqrt(ll_sim_sumsq(Xw, n * p)), ny = sqrt(ll_sim_sumsq(Yw, n * q));
	if (!(nx > 0.0) || !(ny > 0.0)) {
		rc = ll_err_set(err, LL_ENUMERIC, "shape metric: %s has no variance over the conditions",
				nx > 0.0 ? "Y" : "X");
		goto out;
	}
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)q, (int)n, 1.0, Xw, (int)p,
		    Yw, (int)q, 0.0, M, (int)q);
	lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'S', 'S', (int)p, (int)q, M, (int)q, s, U,
					 (int)k, Vt, (int)q, sup);
	if (info != 0) {
		rc = ll_err_set(err, info < 0 ? LL_ELAPACK : LL_ENUMERIC,
				"shape metric: the SVD of Xw^T Yw failed (dgesvd info %d)", (int)info);
		goto out;
	}
	/* A = Xw U, B = Yw V (n x k) */
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)k, (int)p, 1.0, Xw,
		    (int)p, U, (int)k, 0.0, A, (int)k);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)q, 1.0, Yw, (int)q,
		    Vt, (int)q, 0.0, B, (int)k);
	/* the part of the wider input outside the aligned directions:
	 * R = Xw - A U^T (p > q) or Yw - B V^T (q > p) */
	double rr = 0.0, rnorm = 1.0;
	if (p != q) {
		const double *W = p > q ? Xw : Yw;
		size_t w = p > q ? p : q;
		memcpy(R, W, n * w * sizeof *R);
		if (p > q)
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)p, (int)k, -1.0,
				    A, (int)k, U, (int)k, 1.0, R, (int)p);
		else
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)q, (int)k,
				    -1.0, B, (int)k, Vt, (int)q, 1.0, R, (int)q);
		rr = ll_sim_sumsq(R, n * w);
		rnorm = p > q ? nx : ny;
	}
	if (procrustes)
		*procrustes = sqrt(diff_sumsq(A, B, n, k, 1.0, 1.0) + rr);
	if (angular) {
		double chord = sqrt(diff_sumsq(A, B, n, k, 1.0 / nx, 1.0 / ny) + rr / (rnorm * rnorm));
		*angular = 2.0 * asin(chord / 2.0 > 1.0 ? 1.0 : chord / 2.0);
	}
out:
	ll_free(Xw);
	ll_free(Yw);
	ll_free(M);
	ll_free(U);
	ll_free(Vt);
	ll_free(s);
	ll_free(sup);
	ll_free(A);
	ll_free(B);
	ll_free(R);
	return rc;
}
