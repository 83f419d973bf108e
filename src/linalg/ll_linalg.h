/*
 * ll_linalg.h - small dense linear-algebra helpers for the CP solvers
 * (internal to the core; LAPACKE/CBLAS underneath).
 *
 * Matrices are row-major.  Symmetric inputs must be stored in full (both
 * triangles).  None of these keeps state; all are thread-safe.
 */
#ifndef LL_LINALG_H
#define LL_LINALG_H

#include <stddef.h>

#include "base/ll_common.h"

/* Below this reciprocal condition number (LAPACK dpocon estimate) a
 * Cholesky factor is not trusted, and singular values below this fraction
 * of the largest are treated as zero by the least-squares fallback. */
#define LL_LINALG_RCOND 1e-12

/* Solve X G = B for X (nrhs x R, row-major), overwriting B, where G is a
 * symmetric positive semi-definite R x R matrix (a CP Gram).  Cholesky
 * (dpotrf/dpotrs) first; if G is not numerically positive definite
 * (dpotrf info > 0, or rcond < LL_LINALG_RCOND) the minimum-norm
 * least-squares solution from dgelsd is returned instead and *fallback
 * (may be NULL) is set to 1, else 0.  LL_ENUMERIC if G has NaN/Inf,
 * LL_ELAPACK if dgelsd fails. */
int ll_linalg_gram_solve(const double *G, size_t R, double *B, size_t nrhs,
			 int *fallback, ll_err *err);

/* Largest eigenvalue of the symmetric n x n matrix A (the spectral norm
 * of a PSD matrix). */
int ll_linalg_sym_maxeig(const double *A, size_t n, double *lmax, ll_err *err);

/* The k leading eigenvectors (largest eigenvalues first) of the symmetric
 * n x n matrix A into V (n x k, row-major, column j = j-th vector), and
 * their eigenvalues into w (k, may be NULL).  1 <= k <= n. */
int ll_linalg_sym_topeig(const double *A, size_t n, size_t k, double *V, double *w,
			 ll_err *err);

/* Orthonormalise the columns of Y (m x k row-major, k <= m) in place by a
 * Householder QR (dgeqrf + dorgqr). */
int ll_linalg_orth(double *Y, size_t m, size_t k, ll_err *err);

/* G = U^T U for U (n x R, row-major), exactly symmetric (dsyrk). */
void ll_linalg_gram(const double *U, size_t n, size_t R, double *G);

#endif
