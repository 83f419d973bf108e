/*
 * ll_pca.h - principal component analysis of a set of states.
 *
 * ll_pca_fit: X is n x d, row-major (one state per row).  Columns
 * are centred, then a thin SVD of the centred matrix is taken with LAPACK
 * dgesdd (dgesvd if dgesdd reports failure; info is always checked).
 *   components  k x d, row c = c-th right singular vector (unit norm)
 *   scores      n x k, scores[i,c] = sum_j (X[i,j] - mean[j]) comp[c,j]
 *               (computed by the same plain loop for every row, so equal
 *               rows give bit-identical scores)
 *   sv          singular values of the centred matrix
 *   explained   sv_c^2 / sum over ALL singular values^2 (the fraction of
 *               total variance; sums to <= 1)
 * Sign convention: each component's largest-|loading| entry is positive
 * (the first one on a tie).  A component beyond the numerical rank
 * (sv_c <= sv_0 * max(n, d) * DBL_EPSILON, or more components asked than
 * min(n, d)) is returned as zeros (loading, score, sv and explained all 0)
 * and not counted in k_valid: callers show it as a flat, padded axis.
 * Errors: n < 2 or d < 1 (LL_ESHAPE), k < 1 (LL_EINVAL), a NaN or Inf
 * entry (LL_ENUMERIC, naming its row and column), sizes beyond LAPACK's int.
 */
#ifndef LL_PCA_H
#define LL_PCA_H

#include <stddef.h>

#include "base/ll_common.h"

typedef struct ll_pca {
	size_t n, d, k;     /* samples, features, components returned */
	size_t k_valid;     /* leading components with non-zero variance (<= k) */
	double *mean;       /* d column means (owned) */
	double *comp;       /* k x d loadings (owned) */
	double *scores;     /* n x k (owned) */
	double *sv;         /* k singular values (owned) */
	double *explained;  /* k variance ratios (owned) */
	double total_ss;    /* sum of all squared singular values (= ||X - mean||_F^2) */
	double total_var;   /* total_ss / (n - 1): summed per-feature variance */
	int used_fallback;  /* 1 if dgesdd failed and dgesvd gave the result */
} ll_pca;

/* Fit into p (free it with ll_pca_free).  X is not modified.  On failure:
 * *p is zeroed and holds nothing to free. */
int ll_pca_fit(ll_pca *p, const double *X, size_t n, size_t d, size_t k, ll_err *err);
void ll_pca_free(ll_pca *p);

#endif
