/*
 * ll_rsa.h - representational similarity analysis (Kriegeskorte et al.
 * 2008): a representational dissimilarity matrix (RDM) per input, and a
 * rank or linear correlation between their upper triangles.
 *
 * X is n x p (row-major; row i is the activity pattern of condition i).
 * An RDM is stored as its upper triangle, row by row:
 * d[k] for the pair (i, j), i < j, k = i n - i(i+1)/2 + j - i - 1;
 * m = n(n-1)/2 entries.  Definitions used here:
 *
 *  correlation  1 - r(x_i, x_j): each pattern has its mean across units
 *               removed and is scaled to unit norm, as rsatoolbox's
 *               'correlation' (pattern-wise centring, not unit-wise).
 *               A pattern that is constant across units is an error.
 *  euclidean    ||x_i - x_j||_2.  (rsatoolbox's 'euclidean' is the squared
 *               distance divided by p: Spearman and Kendall give the same
 *               result for both, Pearson does not.)
 *  cosine       1 - <x_i, x_j> / (||x_i|| ||x_j||), no centring; an all-zero
 *               pattern is an error.
 *
 * RDMs are compared on the upper triangles (the diagonal is left out) by
 *  spearman  the Pearson correlation of the ranks, ties given their mean
 *            rank (the default);
 *  pearson   the Pearson correlation;
 *  kendall   Kendall's tau-a = (concordant - discordant) / (m(m-1)/2),
 *            a pair tied in either RDM counting as neither (Knight's
 *            O(m log m) algorithm; the same as rsatoolbox's 'tau-a').
 * The RSA value is in [-1, 1], 1 for X vs X.  A constant RDM (every pair
 * of conditions equally far apart) gives an error: its correlation is
 * undefined.
 */
#ifndef LL_RSA_H
#define LL_RSA_H

#include <stddef.h>

#include "base/ll_common.h"

#define LL_RDM_KINDS(X)                          \
	X(LL_RDM_CORRELATION, "correlation")     \
	X(LL_RDM_EUCLIDEAN, "euclidean")         \
	X(LL_RDM_COSINE, "cosine")
typedef enum ll_rdm_kind { LL_RDM_KINDS(LL_ENUM_ID) } ll_rdm_kind;

#define LL_RSA_COMPARATORS(X)            \
	X(LL_RSA_SPEARMAN, "spearman")   \
	X(LL_RSA_PEARSON, "pearson")     \
	X(LL_RSA_KENDALL, "kendall")
typedef enum ll_rsa_by { LL_RSA_COMPARATORS(LL_ENUM_ID) } ll_rsa_by;

const char *ll_rdm_kind_name(ll_rdm_kind k);
const char *ll_rsa_by_name(ll_rsa_by b);
/* parse a name (ll_name_lookup rules); -1 if unknown */
int ll_rdm_kind_parse(const char *s);
int ll_rsa_by_parse(const char *s);

/* The RDM of X into d (n(n-1)/2 doubles).  name is used in messages.
 * LL_ESHAPE for n < 3; LL_ENUMERIC for a constant (correlation) or zero
 * (cosine) pattern. */
int ll_rdm(const double *X, size_t n, size_t p, ll_rdm_kind kind, const char *name, double *d,
	   ll_err *err);

/* Compare two RDM triangles of m entries.  LL_ENUMERIC when one is
 * constant.  On failure *r = NaN. */
int ll_rsa_compare(const double *a, const double *b, size_t m, ll_rsa_by by, double *r,
		   ll_err *err);

/* RDM(X) vs RDM(Y).  On failure *r = NaN. */
int ll_rsa(const double *X, size_t n, size_t p, const double *Y, size_t q, ll_rdm_kind kind,
	   ll_rsa_by by, double *r, ll_err *err);

/* Ranks 1..m of v with ties given their mean rank, into rank. */
int ll_rank_average(const double *v, size_t m, double *rank, ll_err *err);
/* Kendall's tau-a of a and b (m >= 2).  NaN when m < 2. */
int ll_kendall_tau_a(const double *a, const double *b, size_t m, double *tau, ll_err *err);

#endif
