/*
 * ll_cka.h - centred kernel alignment (Kornblith et al., ICML 2019,
 * "Similarity of neural network representations revisited").
 *
 * X is n x p, Y is n x q (row-major; rows are conditions, columns units),
 * the same n conditions in the same order.  Definitions used here:
 *
 *  linear CKA   <HKH, HLH>_F / (||HKH||_F ||HLH||_F), K = X X^T, L = Y Y^T,
 *               H = I - 11^T/n; in feature space, with Xc, Yc the
 *               column-centred inputs, ||Yc^T Xc||_F^2 /
 *               (||Xc^T Xc||_F ||Yc^T Yc||_F).  In [0, 1].
 *  RBF CKA      the same with K_ij = exp(-d_ij^2 / (2 sigma^2)), d_ij the
 *               Euclidean distance between conditions i and j, and
 *               sigma = frac * sqrt(median(d^2)), where the median runs over
 *               all n^2 entries of the squared-distance matrix, its zero
 *               diagonal included, exactly as Kornblith et al.'s gram_rbf
 *               (their demo uses frac = 0.5, our default).
 *  debiased CKA the unbiased HSIC (Song et al. 2012, U-statistic) in the
 *               numerator and both norms, in the form of Szekely & Rizzo
 *               (2014) that Kornblith's center_gram(unbiased=True) uses;
 *               in feature space
 *                 hsic(X,Y) = ||Yc^T Xc||^2 - n/(n-2) <rx, ry>
 *                             + Sx Sy / ((n-1)(n-2)),
 *               rx the row sums of squares of Xc, Sx their sum.  May be
 *               negative; needs n >= 4.
 *  distance     the registry (ll_compare.h) turns CKA into a distance as
 *               arccos(CKA) (netrep and the similarity repository), not
 *               1 - CKA.
 *
 * The linear forms are computed in feature space (p x q products, cost
 * n(p^2 + q^2 + pq)) or Gram space (n x n products, cost n^2 (p + q)),
 * whichever is cheaper; both give the same value to rounding.
 *
 * No function here checks for NaN or constant columns: ll_compare.h does
 * that once for all measures.  All are thread-safe and keep no state.
 */
#ifndef LL_CKA_H
#define LL_CKA_H

#include <stddef.h>

#include "base/ll_common.h"

/* default RBF bandwidth: a fraction of the median distance */
#define LL_CKA_RBF_FRAC 0.5

typedef enum ll_cka_space {
	LL_CKA_AUTO = 0, /* the cheaper of the two */
	LL_CKA_FEATURE,  /* p x q products */
	LL_CKA_GRAM      /* n x n Gram matrices */
} ll_cka_space;

/* Linear CKA (debiased = 0) or debiased linear CKA (debiased = 1) into
 * *cka.  LL_ESHAPE for n < 3 (n < 4 debiased); LL_ENUMERIC when an input
 * has zero variance (its centred Gram is 0), or when a debiased HSIC of
 * an input with itself is not positive.  On failure *cka = NaN. */
int ll_cka_linear(const double *X, size_t n, size_t p, const double *Y, size_t q, int debiased,
		  ll_cka_space space, double *cka, ll_err *err);

/* RBF CKA with sigma = frac * median distance (above); frac > 0.
 * LL_ENUMERIC when the median squared distance of an input is 0 (more
 * than half the entries of its distance matrix are 0: most conditions
 * coincide).  On failure *cka = NaN. */
int ll_cka_rbf(const double *X, size_t n, size_t p, const double *Y, size_t q, double frac,
	       double *cka, ll_err *err);

/* The RBF Gram matrix of X (n x n, full) with sigma as above. */
int ll_cka_gram_rbf(const double *X, size_t n, size_t p, double frac, const char *name,
		    double *K, ll_err *err);

/* CKA of two n x n symmetric Gram matrices (full storage), which are
 * centred in place (debiased: Szekely-Rizzo's U-centring, diagonal set to
 * 0).  The naive reference and the RBF path use it. */
int ll_cka_from_grams(double *K, double *L, size_t n, int debiased, double *cka, ll_err *err);

/* All pairs of nsys systems over the same n conditions: S[a * nsys + b]
 * = (debiased) linear CKA of sys[a] (n x p[a]) and sys[b].  Every system
 * is centred once; then, whichever is cheaper:
 *   feature space: stack the centred systems side by side into Z
 *     (n x sum p), one DSYRK gives every cross-covariance block Z^T Z;
 *     CKA(a, b) = ||block ab||^2 / (||block aa|| ||block bb||);
 *   Gram space: one DSYRK per system for its n x n Gram, packed as the
 *     vector [diag, sqrt(2) upper] so dot products are Frobenius products;
 *     one DSYRK over the stacked vectors gives all <K_a, K_b>.
 * space forces one.  The diagonal is exactly 1.  progress (may be NULL)
 * is called between systems; a non-zero return cancels (LL_ECANCELED).
 * On failure S is left filled with NaN. */
int ll_cka_allpairs(const double *const *sys, const size_t *p, size_t nsys, size_t n,
		    int debiased, ll_cka_space space, double *S, ll_progress_fn progress,
		    void *ud, ll_err *err);

#endif
