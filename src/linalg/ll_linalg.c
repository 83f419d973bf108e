/*
 * Small dense linear algebra for the CP solvers: the R x R Gram solve
 * with its least-squares fallback, a few symmetric eigenproblems and QR.
 */
#include "linalg/ll_linalg.h"

#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int fits_int(size_t v)
{
	return v <= (size_t)INT_MAX;
}

void ll_linalg_gram(const double *U, size_t n, size_t R, double *G)
{
	if (R == 0)
		return;
	if (n == 0) {
		memset(G, 0, R * R * sizeof *G);
		return;
	}
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)R, (int)n, 1.0, U,
		    (int)R, 0.0, G, (int)R);
	for (size_t a = 0; a < R; a++)
		for (size_t b = 0; b < a; b++)
			G[a * R + b] = G[b * R + a];
}

int ll_linalg_gram_solve(const double *G, size_t R, double *B, size_t nrhs,
			 int *fallback, ll_err *err)
{
	if (fallback)
		*fallback = 0;
	if (R == 0 || nrhs == 0)
		return LL_OK;
	if (!fits_int(R) || !fits_int(nrhs) || !fits_int(R * R))
		return ll_err_set(err, LL_ENOTSUP, "gram solve: %zu x %zu system too large for LAPACK",
				  R, nrhs);
	for (size_t i = 0; i < R * R; i++)
		if (!isfinite(G[i]))
			return ll_err_set(err, LL_ENUMERIC, "gram solve: Gram matrix has NaN or Inf");

	double *A = ll_malloc_array(R * R, sizeof *A);
	double *s = ll_malloc_array(R, sizeof *s);
	if (!A || !s) {
		ll_free(A);
		ll_free(s);
		return ll_err_set(err, LL_ENOMEM, "gram solve: out of memory");
	}
	int n = (int)R, m = (int)nrhs;
	/* G is symmetric, so its row-major storage is also its column-major
	 * one; B (nrhs x R row-major) is B^T column-major, and X G = B is
	 * G X^T = B^T. */
	memcpy(A, G, R * R * sizeof *A);
	lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', n, A, n);
	if (info == 0) {
		double anorm = 0.0, rcond = 0.0;
		for (size_t j = 0; j < R; j++) {
			double c = 0.0;
			for (size_t i = 0; i < R; i++)
				c += fabs(G[j * R + i]);
			if (c > anorm)
				anorm = c;
		}
		info = LAPACKE_dpocon(LAPACK_COL_MAJOR, 'U', n, A, n, anorm, &rcond);
		if (info != 0) {
			ll_free(A);
			ll_free(s);
			return ll_err_set(err, LL_ELAPACK, "gram solve: dpocon failed (info %d)",
					  (int)info);
		}
		if (rcond >= LL_LINALG_RCOND) {
			info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', n, m, A, n, B, n);
			ll_free(A);
			ll_free(s);
			if (info != 0)
				return ll_err_set(err, LL_ELAPACK, "gram solve: dpotrs failed (info %d)",
						  (int)info);
			return LL_OK;
		}
	} else if (info < 0) {
		ll_free(A);
		ll_free(s);
		return ll_err_set(err, LL_ELAPACK, "gram solve: dpotrf failed (info %d)", (int)info);
	}
	/* not (numerically) positive definite: minimum-norm least squares */
	memcpy(A, G, R * R * sizeof *A);
	lapack_int rank = 0;
	info = LAPACKE_dgelsd(LAPACK_COL_MAJOR, n, n, m, A, n, B, n, s, LL_LINALG_RCOND, &rank);
	ll_free(A);
	ll_free(s);
	if (info != 0)
		return ll_err_set(err, LL_ELAPACK, "gram solve: dgelsd failed (info %d)", (int)info);
	if (fallback)
		*fallback = 1;
	return LL_OK;
}

int ll_linalg_sym_maxeig(const double *A, size_t n, double *lmax, ll_err *err)
{
	*lmax = 0.0;
	if (n == 0)
		return LL_OK;
	if (!fits_int(n) || !fits_int(n * n))
		return ll_err_set(err, LL_ENOTSUP, "eigenvalues: %zu x %zu too large for LAPACK", n, n);
	double *C = ll_malloc_array(n * n, sizeof *C);
	double *w = ll_malloc_array(n, sizeof *w);
	if (!C || !w) {
		ll_free(C);
		ll_free(w);
		return ll_err_set(err, LL_ENOMEM, "eigenvalues: out of memory");
	}
	memcpy(C, A, n * n * sizeof *C);
	lapack_int info = LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'U', (int)n, C, (int)n, w);
	if (info == 0)
		*lmax = w[n - 1];
	ll_free(C);
	ll_free(w);
	if (info != 0)
		return ll_err_set(err, info > 0 ? LL_ENUMERIC : LL_ELAPACK,
				  "eigenvalues: dsyev failed (info %d)", (int)info);
	return LL_OK;
}

int ll_linalg_sym_topeig(const double *A, size_t n, size_t k, double *V, double *w,
			 ll_err *err)
{
	if (k == 0 || k > n)
		return ll_err_set(err, LL_EINVAL, "eigenvectors: asked for %zu of %zu", k, n);
	if (!fits_int(n) || !fits_int(n * n))
		return ll_err_set(err, LL_ENOTSUP, "eigenvectors: %zu x %zu too large for LAPACK", n,
				  n);
	double *C = ll_malloc_array(n * n, sizeof *C);
	double *ev = ll_malloc_array(n, sizeof *ev);
	double *Z = ll_malloc_array(n * k, sizeof *Z);
	lapack_int *isuppz = ll_malloc_array(2 * k, sizeof *isuppz);
	if (!C || !ev || !Z || !isuppz) {
		ll_free(C);
		ll_free(ev);
		ll_free(Z);
		ll_free(isuppz);
		return ll_err_set(err, LL_ENOMEM, "eigenvectors: out of memory");
	}
	memcpy(C, A, n * n * sizeof *C);
	lapack_int m = 0;
	int ni = (int)n;
	lapack_int info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'I', 'U', ni, C, ni, 0.0, 0.0,
					 ni - (int)k + 1, ni, 0.0, &m, ev, Z, ni, isuppz);
	if (info == 0 && (size_t)m == k) {
		/* dsyevr sorts ascending: reverse into largest first */
		for (size_t j = 0; j < k; j++) {
			const double *z = Z + (k - 1 - j) * n;
			for (size_t i = 0; i < n; i++)
				V[i * k + j] = z[i];
			if (w)
				w[j] = ev[k - 1 - j];
		}
	}
	ll_free(C);
	ll_free(ev);
	ll_free(Z);
	ll_free(isuppz);
	if (info != 0)
		return ll_err_set(err, info > 0 ? LL_ENUMERIC : LL_ELAPACK,
				  "eigenvectors: dsyevr failed (info %d)", (int)info);
	if ((size_t)m != k)
		return ll_err_set(err, LL_ELAPACK, "eigenvectors: dsyevr found %d of %zu", (int)m, k);
	return LL_OK;
}

int ll_linalg_orth(double *Y, size_t m, size_t k, ll_err *err)
{
	if (k == 0)
		return LL_OK;
	if (k > m || !fits_int(m) || !fits_int(k))
		return ll_err_set(err, LL_EINVAL, "orthonormalise: %zu x %zu is not tall", m, k);
	double *tau = ll_malloc_array(k, sizeof *tau);
	if (!tau)
		return ll_err_set(err, LL_ENOMEM, "orthonormalise: out of memory");
	lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (int)m, (int)k, Y, (int)k, tau);
	if (info == 0)
		info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (int)m, (int)k, (int)k, Y, (int)k, tau);
	ll_free(tau);
	if (info != 0)
		return ll_err_set(err, LL_ELAPACK, "orthonormalise: QR failed (info %d)", (int)info);
	return LL_OK;
}
