/*
 * ll_inpca.h - intensive PCA (InPCA) of probabilistic models: where a set
 * of models sits when each is known by the class distributions it
 * predicts (Quinn, Clement, De Bernardis, Niemack & Sethna 2019, PNAS,
 * "Visualizing probabilistic models and data with Intensive Principal
 * Component Analysis"; used for training trajectories by Mao, Griniasty,
 * Teoh, Ramesh, Yang, Transtrum, Sethna & Chaudhari 2024, "The training
 * process of many deep networks explores the same low-dimensional
 * manifold").
 *
 * Points.  Point i is a model's predicted distribution over C classes on
 * each of K probe inputs: P (n x K x C, row-major, float as the networks
 * log them); every row of C must be a distribution (>= 0, finite, summing
 * to 1 within 1e-3; checked).
 *
 * Distance (ll_inpca_bhattacharyya).  The Bhattacharyya distance between
 * two points, averaged over the K inputs ("intensive": it does not grow
 * with the number of inputs):
 *   d(i, j) = -(1/K) sum_k log sum_c sqrt(P[i,k,c] P[j,k,c])
 * The Bhattacharyya coefficient is clamped below at DBL_MIN, so two
 * distributions with disjoint supports are ~708 apart instead of inf.
 * d is symmetric, >= 0 (up to rounding) and 0 on the diagonal.  It
 * behaves like a squared distance (for nearby distributions d ~ 1/8 of
 * the Fisher metric's squared length), which is why InPCA embeds d itself
 * and not d^2.
 *
 * Embedding (ll_inpca).  W = -1/2 J D J (J = I - 11^T / n, D as given),
 * eigen-decomposed by LAPACKE_dsyevd (info checked).  W is not positive
 * semi-definite in general: the negative eigenvalues are kept (InPCA's
 * Minkowski-like "time" directions), not dropped as classical MDS does.
 * Eigenpairs are ordered by |lambda| descending; coordinate j of point i
 * is sqrt(|lambda_j|) v_j[i], and sign[j] says whether lambda_j is
 * negative (-1: below -1e-12 sum |lambda|, as n_negative counts) or not
 * (+1); the largest-|entry| of each v_j is positive.  The embedded
 * squared distance is
 * sum_j sign_j (x_ij - x_kj)^2, which equals D exactly with all
 * dimensions.  explained[j] = |lambda_j| / sum |lambda| (the fraction of
 * the total the top dimensions carry, as Mao et al. report it); neg_frac
 * = sum of |negative lambdas| / sum |lambda|.  With D the squared
 * Euclidean distances of points in R^k this is classical MDS: the points
 * are recovered up to a rotation and no eigenvalue is negative.
 *
 * Ownership: ll_inpca_result is caller-owned, filled by ll_inpca, freed by
 * ll_inpca_free (a no-op on a zeroed or freed one).  No global state.
 */
#ifndef LL_INPCA_H
#define LL_INPCA_H

#include <stddef.h>

#include "base/ll_common.h"

typedef struct ll_inpca_result {
	size_t n;          /* points */
	size_t k;          /* dimensions kept */
	double *coords;    /* n x k, row-major (owned) */
	double *eig;       /* the n eigenvalues of W, by |lambda| descending (owned) */
	int *sign;         /* k: +1 or -1, the sign of eig[j] (owned) */
	double *explained; /* k: |lambda_j| / sum |lambda| (owned) */
	double total_abs;  /* sum |lambda| */
	double neg_frac;   /* sum |negative lambda| / sum |lambda| */
	size_t n_negative; /* eigenvalues below -1e-12 sum |lambda| */
} ll_inpca_result;

/* D (n x n, written whole) from P (n x K x C).  threads <= 0: OpenMP's
 * default.  The result is the same for any thread count.  progress may be
 * NULL; it is called from the calling thread only, a nonzero return
 * cancels (LL_ECANCELED).  LL_ESHAPE for an empty mode, LL_ENUMERIC for a
 * row that is not a distribution (naming the point, input and class). */
int ll_inpca_bhattacharyya(const float *P, size_t n, size_t K, size_t C, int threads, double *D,
			   ll_progress_fn progress, void *ud, ll_err *err);

/* Embed D (n x n symmetric, finite, zero diagonal; checked to 1e-9 of
 * its largest entry) in k >= 1 dimensions (capped at n).  n >= 2.  On
 * failure: *r is zeroed and holds nothing to free. */
int ll_inpca(const double *D, size_t n, size_t k, ll_inpca_result *r, ll_err *err);
void ll_inpca_free(ll_inpca_result *r);

#endif
