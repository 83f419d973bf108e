/*
 * ll_simutil.h - helpers shared by the similarity measures (internal to
 * src/similarity; the pipeline and the CLI use ll_compare.h).
 *
 * Matrices are row-major: X is n x p, X[i * p + j] is condition i, unit j.
 */
#ifndef LL_SIMUTIL_H
#define LL_SIMUTIL_H

#include <stddef.h>

#include "base/ll_common.h"

/* Singular values / pivots below this fraction of the largest count as
 * zero when the rank of a centred matrix is decided (CCA, SVCCA). */
#define LL_SIM_RANK_TOL 1e-10

/* Shape checks every measure makes: n >= min_n conditions, p >= 1 units.
 * name is the input's name in the message ("X", or a file name). */
int ll_sim_check_shape(size_t n, size_t p, size_t min_n, const char *name, ll_err *err);
/* Finite entries only: LL_ENUMERIC naming the first NaN or Inf. */
int ll_sim_check_finite(const double *X, size_t n, size_t p, const char *name, ll_err *err);
/* Index of the first column with every entry equal, or SIZE_MAX. */
size_t ll_sim_constant_column(const double *X, size_t n, size_t p);

/* A column-centred copy of X (ll_free it), or NULL when out of memory. */
double *ll_sim_centered(const double *X, size_t n, size_t p);
/* Centre the columns of X in place. */
void ll_sim_center(double *X, size_t n, size_t p);
/* Sum of squares of the m entries of v. */
double ll_sim_sumsq(const double *v, size_t m);
/* Frobenius norm squared of a symmetric p x p matrix of which only the
 * upper triangle (row-major) is valid. */
double ll_sim_sym_upper_sumsq(const double *S, size_t p);
/* The median of v[0..m-1] (mean of the two middle values when m is
 * even, as NumPy's median); reorders v.  m >= 1. */
double ll_sim_median(double *v, size_t m);
/* Orthonormal basis of the column space of X (n x p, copied, centred if
 * center): a pivoted QR (dgeqp3 + dorgqr); columns whose |R_kk| is below
 * LL_SIM_RANK_TOL |R_11| are dropped.  *Q (n x *r, ll_free it).  A zero
 * matrix gives LL_ENUMERIC.  On failure: *Q = NULL, *r = 0. */
int ll_sim_orth_basis(const double *X, size_t n, size_t p, int center, const char *name,
		      double **Q, size_t *r, ll_err *err);
/* Does v fit LAPACK's int? */
int ll_sim_fits_int(size_t v);

#endif
