/*
 * ll_cca.h - canonical correlation analysis and its summaries: mean CCA,
 * SVCCA (Raghu et al., NeurIPS 2017) and PWCCA (Morcos et al., NeurIPS
 * 2018).
 *
 * X is n x p, Y is n x q (row-major; rows are conditions), same n.
 * Definitions used here:
 *
 *  canonical correlations  rho_1 >= ... >= rho_k, the singular values of
 *      Qx^T Qy, where Qx, Qy are orthonormal bases of the column spaces
 *      of the column-centred X and Y (pivoted QR, dgeqp3; columns with
 *      |R_kk| < LL_SIM_RANK_TOL |R_11| are dropped, so rank-deficient
 *      inputs are fine); k = min(rank X, rank Y).  This equals the
 *      singular values of Sxx^-1/2 Sxy Syy^-1/2 on the ranges, with no
 *      epsilon added (google/svcca adds epsilon*I and pseudo-inverts).
 *      When p or q >= n - 1 every rho is 1: CCA then says nothing, use
 *      SVCCA.
 *  mean CCA  (1/k) sum rho_i (netrep's alpha = 0 score uses the same mean;
 *      Kornblith's R^2_CCA is the mean of rho_i^2 without centring:
 *      LL_CCA_NOCENTER and ll_cca_result.rho).
 *  SVCCA  centre; thin SVD of each input; keep its top directions, the
 *      fewest whose squared singular values reach `keep` of the total
 *      (default 0.99, as in the paper) or exactly keep_k of them when
 *      keep_k > 0 (capped at the rank); CCA between the kept spaces;
 *      the mean of the rho.  Not invariant to general invertible maps,
 *      because the truncation looks at variance.
 *  PWCCA  sum_i a_i rho_i with a_i = s_i / sum s, s_i = sum_j |<h_i, x_j>|,
 *      h_i the unit canonical variates (n-vectors, orthonormal) and x_j
 *      the (centred) activity vectors, the columns, of the narrower input
 *      (X when p <= q) -- Morcos et al. eq. for the weights, computed on
 *      the side google/svcca's pwcca.py picks (its else-branch, which
 *      reads acts1 and fails when widths differ, is not followed).
 *      Implementations differ by about 1e-2 (anatome #27): this one has
 *      no epsilon and no neuron dropping.
 *
 * All are thread-safe, keep no state, and check no NaN (ll_compare.h
 * does).
 */
#ifndef LL_CCA_H
#define LL_CCA_H

#include <stddef.h>

#include "base/ll_common.h"

#define LL_SVCCA_KEEP 0.99 /* default fraction of variance kept */

#define LL_CCA_NOCENTER 1u /* do not centre the columns (Kornblith's demo R^2_CCA) */
#define LL_CCA_VARIATES 2u /* also return the canonical variates */

typedef struct ll_cca_result {
	size_t n, k;         /* conditions; canonical pairs = min(rx, ry) */
	size_t rx, ry;       /* numerical ranks of the (centred) inputs */
	double *rho;         /* k correlations, descending, in [0, 1] (owned) */
	double *hx, *hy;     /* n x k unit canonical variates, orthonormal
			      * columns, with LL_CCA_VARIATES, else NULL (owned) */
} ll_cca_result;

/* Canonical correlations of X and Y.  On failure: *r is zeroed and holds
 * nothing to free. */
int ll_cca(const double *X, size_t n, size_t p, const double *Y, size_t q, unsigned flags,
	   ll_cca_result *r, ll_err *err);
void ll_cca_free(ll_cca_result *r);

/* Mean canonical correlation.  On failure *mean = NaN. */
int ll_cca_mean(const double *X, size_t n, size_t p, const double *Y, size_t q, double *mean,
		ll_err *err);

/* SVCCA (above): keep in (0, 1] or keep_k > 0 (which wins).  kx, ky (may
 * be NULL) get the number of directions kept of each.  On failure
 * *value = NaN. */
int ll_svcca(const double *X, size_t n, size_t p, const double *Y, size_t q, double keep,
	     size_t keep_k, double *value, size_t *kx, size_t *ky, ll_err *err);

/* PWCCA (above).  On failure *value = NaN. */
int ll_pwcca(const double *X, size_t n, size_t p, const double *Y, size_t q, double *value,
	     ll_err *err);

#endif
