/* Unit-by-unit correlation, Hungarian matching and semi-matching.
 * Definitions: ll_match.h. */
#include "similarity/ll_match.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "linalg/ll_hungarian.h"
#include "similarity/ll_simutil.h"

void ll_match_free(ll_match_result *r)
{
	if (!r)
		return;
	ll_free(r->corr);
	ll_free(r->perm);
	ll_free(r->best);
	memset(r, 0, sizeof *r);
}

/* centred columns scaled to unit norm, in place; the first constant
 * column's index, or SIZE_MAX */
static size_t standardize(double *A, size_t n, size_t p)
{
	ll_sim_center(A, n, p);
	for (size_t j = 0; j < p; j++) {
		double s = 0.0;
		for (size_t i = 0; i < n; i++)
			s += A[i * p + j] * A[i * p + j];
		if (!(s > 0.0))
			return j;
		s = 1.0 / sqrt(s);
		for (size_t i = 0; i < n; i++)
			A[i * p + j] *= s;
	}
	return SIZE_MAX;
}

int ll_match(const double *X, size_t n, size_t p, const double *Y, size_t q,
	     ll_match_result *r, ll_err *err)
{
	memset(r, 0, sizeof *r);
	r->mean_matched = r->mean_semi = NAN;
	int rc = ll_sim_check_shape(n, p, 3, "X", err);
	if (rc == LL_OK)
		rc = ll_sim_check_shape(n, q, 3, "Y", err);
	if (rc != LL_OK) {
		memset(r, 0, sizeof *r);
		return rc;
	}
	double *Xs = ll_malloc_array(n * p, sizeof *Xs), *Ys = ll_malloc_array(n * q, sizeof *Ys);
	double *cost = ll_malloc_array(p * q, sizeof *cost);
	r->corr = ll_malloc_array(p * q, sizeof *r->corr);
	r->perm = ll_malloc_array(p, sizeof *r->perm);
	r->best = ll_malloc_array(p, sizeof *r->best);
	if (!Xs || !Ys || !cost || !r->corr || !r->perm || !r->best) {
		rc = ll_err_oom(err);
		goto out;
	}
	memcpy(Xs, X, n * p * sizeof *Xs);
	memcpy(Ys, Y, n * q * sizeof *Ys);
	size_t cx = standardize(Xs, n, p), cy = standardize(Ys, n, q);
	if (cx != SIZE_MAX || cy != SIZE_MAX) {
		rc = ll_err_set(err, LL_ENUMERIC,
				"neuron matching: unit %zu of %s is constant over the conditions, so it has no correlation",
				cx != SIZE_MAX ? cx : cy, cx != SIZE_MAX ? "X" : "Y");
		goto out;
	}
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)q, (int)n, 1.0, Xs, (int)p,
		    Ys, (int)q, 0.0, r->corr, (int)q);
	for (size_t i = 0; i < p * q; i++) {
		double c = r->corr[i];
		r->corr[i] = c > 1.0 ? 1.0 : (c < -1.0 ? -1.0 : c);
		cost[i] = -r->corr[i];
	}
	if ((rc = ll_hungarian(cost, p, q, r->perm, err)) != LL_OK)
		goto out;
	double sm = 0.0, ss = 0.0;
	size_t nm = 0;
	for (size_t i = 0; i < p; i++) {
		if (r->perm[i] != SIZE_MAX) {
			sm += r->corr[i * q + r->perm[i]];
			nm++;
		}
		size_t b = 0;
		for (size_t j = 1; j < q; j++)
			if (r->corr[i * q + j] > r->corr[i * q + b])
				b = j;
		r->best[i] = b;
		ss += r->corr[i * q + b];
	}
	r->mean_matched = sm / (double)nm;
	r->mean_semi = ss / (double)p;
	r->p = p;
	r->q = q;
out:
	ll_free(Xs);
	ll_free(Ys);
	ll_free(cost);
	if (rc != LL_OK)
		ll_match_free(r);
	return rc;
}

int ll_match_mean(const double *X, size_t n, size_t p, const double *Y, size_t q,
		  double *mean, ll_err *err)
{
	*mean = NAN;
	ll_match_result r;
	int rc = ll_match(X, n, p, Y, q, &r, err);
	if (rc == LL_OK)
		*mean = r.mean_matched;
	ll_match_free(&r);
	return rc;
}
