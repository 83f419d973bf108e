/*
 * ll_match.h - neuron matching (Li, Yosinski, Clune, Lipson & Hopcroft,
 * ICLR 2016, "Convergent learning"): correlate every unit of X with every
 * unit of Y over the conditions, then match units.
 *
 * X is n x p, Y is n x q (row-major, rows are conditions), same n.
 * Definitions used here:
 *  corr[i * q + j]  the Pearson correlation of unit i of X and unit j of Y
 *                   over the n conditions (signed: a unit and its negation
 *                   are not a match);
 *  one-to-one       the assignment of min(p, q) pairs maximising the sum of
 *                   correlations (Hungarian algorithm, linalg/ll_hungarian);
 *                   mean_matched is the mean correlation over those pairs;
 *                   invariant to permuting either input's units;
 *  semi-matching    every unit of X takes its best-correlated unit of Y
 *                   (several may take the same); mean_semi is the mean over
 *                   X's units (not symmetric in X and Y).
 * The registry's 'match' metric is mean_matched.  A constant unit has no
 * correlation: LL_ENUMERIC naming it.
 */
#ifndef LL_MATCH_H
#define LL_MATCH_H

#include <stddef.h>

#include "base/ll_common.h"

typedef struct ll_match_result {
	size_t p, q;
	double *corr;        /* p x q correlations (owned) */
	size_t *perm;        /* p: the Y unit matched to X unit i, or SIZE_MAX
			      * when p > q leaves it unmatched (owned) */
	double mean_matched; /* one-to-one */
	size_t *best;        /* p: the best Y unit of X unit i (owned) */
	double mean_semi;    /* semi-matching */
} ll_match_result;

/* On failure: *r is zeroed and holds nothing to free. */
int ll_match(const double *X, size_t n, size_t p, const double *Y, size_t q,
	     ll_match_result *r, ll_err *err);
void ll_match_free(ll_match_result *r);

/* Only the mean matched correlation (one-to-one).  On failure NaN. */
int ll_match_mean(const double *X, size_t n, size_t p, const double *Y, size_t q,
		  double *mean, ll_err *err);

#endif
