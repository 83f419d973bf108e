/*
 * planted_spectrum.h - two noisy repeats of a population with a planted
 * power-law spectrum, for the spectrum tests, the e2e helper and the
 * benchmark (header only; needs the core and CBLAS).
 *
 *   X_r = S + sigma E_r   (r = 1, 2; E_r independent N(0, 1) entries)
 *   S   = sqrt(s) Z diag(n^(-alpha/2)) Q^T   (s x N, n = 1..K)
 *
 * exact = 1: Z (s x K) has orthonormal columns orthogonal to the ones
 * vector (QR of a centred Gaussian) and Q (N x K) orthonormal columns, so
 * the signal's covariance over these very stimuli, S_c^T S_c / s, has
 * eigenvalues exactly n^-alpha (n <= K): the truth a cvPCA estimate is
 * judged against, with no sampling error in the signal.  exact = 0: Z
 * Gaussian, Q the first K neuron axes (no QR: cheap at 2,800 x 10,000;
 * the power law then holds for the population, not exactly in the
 * sample).  K <= min(s - 1, N).  Seeded; the same arguments always give
 * the same numbers.
 */
#ifndef PLANTED_SPECTRUM_H
#define PLANTED_SPECTRUM_H

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "base/ll_common.h"
#include "base/ll_rng.h"
#include "linalg/ll_linalg.h"

typedef struct planted_opts {
	size_t s, N, K;
	double alpha, sigma;
	uint64_t seed;
	int exact;
} planted_opts;

/* X1, X2: s x N each (X2 may be NULL: one repeat).  LL_OK or an error. */
static inline int planted_repeats(const planted_opts *o, double *X1, double *X2, ll_err *err)
{
	size_t s = o->s, N = o->N, K = o->K;
	ll_rng g;
	int rc = LL_OK;
	if (K < 1 || K > s - 1 || K > N)
		return ll_err_set(err, LL_EINVAL, "planted: K %zu not in 1..min(s - 1, N)", K);
	ll_rng_init(&g, o->seed);
	double *Z = ll_malloc_array(s * K, sizeof *Z);
	double *Q = o->exact ? ll_malloc_array(N * K, sizeof *Q) : NULL;
	if (!Z || (o->exact && !Q)) {
		ll_free(Z);
		ll_free(Q);
		return ll_err_oom(err);
	}
	for (size_t i = 0; i < s * K; i++)
		Z[i] = ll_rng_normal(&g);
	if (o->exact) {
		for (size_t j = 0; j < K; j++) {
			double m = 0.0;
			for (size_t i = 0; i < s; i++)
				m += Z[i * K + j];
			m /= (double)s;
			for (size_t i = 0; i < s; i++)
				Z[i * K + j] -= m;
		}
		for (size_t i = 0; i < N * K; i++)
			Q[i] = ll_rng_normal(&g);
		if ((rc = ll_linalg_orth(Z, s, K, err)) != LL_OK || (rc = ll_linalg_orth(Q, N, K, err)) != LL_OK)
			goto out;
		for (size_t j = 0; j < K; j++) {
			double c = sqrt((double)s * pow((double)(j + 1), -o->alpha));
			for (size_t i = 0; i < s; i++)
				Z[i * K + j] *= c;
		}
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)s, (int)N, (int)K, 1.0, Z, (int)K, Q,
			    (int)K, 0.0, X1, (int)N);
	} else {
		memset(X1, 0, s * N * sizeof *X1);
		for (size_t i = 0; i < s; i++)
			for (size_t j = 0; j < K; j++)
				X1[i * N + j] = Z[i * K + j] * pow((double)(j + 1), -o->alpha / 2.0);
	}
	for (size_t i = 0; i < s * N; i++) {
		if (X2)
			X2[i] = X1[i] + o->sigma * ll_rng_normal(&g);
		X1[i] += o->sigma * ll_rng_normal(&g);
	}
out:
	ll_free(Z);
	ll_free(Q);
	return rc;
}

#endif
