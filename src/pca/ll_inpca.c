/*
 * ll_inpca.c - Bhattacharyya distances between predicted distributions
 * and their intensive PCA embedding (see ll_inpca.h).
 */
#include "config.h"

#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/ll_alloc.h"
#include "base/ll_threads.h"
#include "pca/ll_inpca.h"

/* a row of C values must sum to 1 within this (float softmax outputs) */
#define SUM_TOL 1e-3

/* sqrt of every distribution, each row renormalised to sum to exactly 1
 * first so that the coefficient of a point with itself is 1 and
 * Cauchy-Schwarz bounds every other one by 1 (up to rounding). */
static int sqrt_rows(const float *P, size_t n, size_t K, size_t C, double *S, ll_err *err)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < K; k++) {
			const float *p = P + (i * K + k) * C;
			double sum = 0;
			for (size_t c = 0; c < C; c++) {
				if (!(p[c] >= 0) || !isfinite(p[c]))
					return ll_err_set(err, LL_ENUMERIC,
							  "point %zu, input %zu, class %zu: %g is not a probability", i, k,
							  c, (double)p[c]);
				sum += p[c];
			}
			if (fabs(sum - 1) > SUM_TOL)
				return ll_err_set(err, LL_ENUMERIC,
						  "point %zu, input %zu: the probabilities sum to %.6g, not 1", i, k, sum);
			double *s = S + (i * K + k) * C;
			for (size_t c = 0; c < C; c++)
				s[c] = sqrt((double)p[c] / sum);
		}
	return LL_OK;
}

/* d(i, j) for j > i into row i of D */
static void row_distances(const double *S, size_t n, size_t K, size_t C, size_t i, double *D)
{
	const double *si = S + i * K * C;
	for (size_t j = i + 1; j < n; j++) {
		const double *sj = S + j * K * C;
		double acc = 0;
		for (size_t k = 0; k < K; k++) {
			double bc = 0;
			for (size_t c = 0; c < C; c++)
				bc += si[k * C + c] * sj[k * C + c];
			bc = bc < DBL_MIN ? DBL_MIN : bc > 1 ? 1 : bc;
			acc -= log(bc);
		}
		D[i * n + j] = acc / (double)K;
	}
}

int ll_inpca_bhattacharyya(const float *P, size_t n, size_t K, size_t C, int threads, double *D,
			   ll_progress_fn progress, void *ud, ll_err *err)
{
	if (n == 0 || K == 0 || C == 0)
		return ll_err_set(err, LL_ESHAPE, "empty input: %zu points x %zu inputs x %zu classes", n, K, C);
	if (n > SIZE_MAX / K || n * K > SIZE_MAX / C || n > SIZE_MAX / n)
		return ll_err_set(err, LL_EINVAL, "%zu points x %zu inputs x %zu classes overflow", n, K, C);
	double *S = ll_malloc_array(n * K * C, sizeof *S);
	if (!S)
		return ll_err_oom(err);
	int rc = sqrt_rows(P, n, K, C, S, err);
	if (rc != LL_OK) {
		ll_free(S);
		return rc;
	}
	int nt = ll_threads_resolve(threads);
	(void)nt; /* read only by the pragma, which a build without OpenMP drops */
	/* rows in batches, progress between them: row i holds n - 1 - i pairs,
	 * so a batch is cut by pairs, not rows */
	size_t total = n * (n - 1) / 2, done = 0, i0 = 0;
	size_t per = total / 64 > 256 ? total / 64 : 256;
	while (i0 < n && rc == LL_OK) {
		size_t i1 = i0, pairs = 0;
		while (i1 < n && pairs < per)
			pairs += n - 1 - i1++;
		long long lo = (long long)i0, hi = (long long)i1;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (nt > 1)
		for (long long i = lo; i < hi; i++)
			row_distances(S, n, K, C, (size_t)i, D);
		done += pairs;
		i0 = i1;
		if (progress) {
			ll_progress pr = {"bhattacharyya distances", total ? (double)done / (double)total : 1, NULL};
			if (progress(ud, &pr))
				rc = ll_err_set(err, LL_ECANCELED, "bhattacharyya distances: canceled");
		}
	}
	ll_free(S);
	if (rc != LL_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		D[i * n + i] = 0;
		for (size_t j = 0; j < i; j++)
			D[i * n + j] = D[j * n + i];
	}
	return LL_OK;
}

void ll_inpca_free(ll_inpca_result *r)
{
	if (!r)
		return;
	ll_free(r->coords);
	ll_free(r->eig);
	ll_free(r->sign);
	ll_free(r->explained);
	memset(r, 0, sizeof *r);
}

typedef struct by_abs {
	double v;
	size_t at;
} by_abs;

static int cmp_abs_desc(const void *a, const void *b)
{
	const by_abs *x = a, *y = b;
	double ax = fabs(x->v), ay = fabs(y->v);
	if (ax != ay)
		return ax > ay ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at; /* stable: ties by index */
}

int ll_inpca(const double *D, size_t n, size_t k, ll_inpca_result *r, ll_err *err)
{
	memset(r, 0, sizeof *r);
	if (n < 2)
		return ll_err_set(err, LL_ESHAPE, "InPCA needs at least 2 points, not %zu", n);
	if (k < 1)
		return ll_err_set(err, LL_EINVAL, "InPCA needs at least 1 dimension");
	if (n > (size_t)INT32_MAX || n > SIZE_MAX / n)
		return ll_err_set(err, LL_EINVAL, "%zu points are too many for LAPACK", n);
	k = k < n ? k : n;
	double big = 0;
	for (size_t i = 0; i < n * n; i++) {
		if (!isfinite(D[i]))
			return ll_err_set(err, LL_ENUMERIC, "distance (%zu, %zu) is %s", i / n, i % n,
					  isnan(D[i]) ? "NaN" : "infinite");
		big = fabs(D[i]) > big ? fabs(D[i]) : big;
	}
	double tol = 1e-9 * (big > 0 ? big : 1);
	for (size_t i = 0; i < n; i++) {
		if (fabs(D[i * n + i]) > tol)
			return ll_err_set(err, LL_EINVAL, "distance (%zu, %zu) is %g, not 0", i, i, D[i * n + i]);
		for (size_t j = i + 1; j < n; j++)
			if (fabs(D[i * n + j] - D[j * n + i]) > tol)
				return ll_err_set(err, LL_EINVAL, "distances are not symmetric: (%zu, %zu) %g, (%zu, %zu) %g",
						  i, j, D[i * n + j], j, i, D[j * n + i]);
	}
	double *W = ll_malloc_array(n * n, sizeof *W), *w = ll_malloc_array(n, sizeof *w);
	double *rm = ll_calloc_array(n, sizeof *rm);
	by_abs *ord = ll_malloc_array(n, sizeof *ord);
	r->coords = ll_malloc_array(n * k, sizeof *r->coords);
	r->eig = ll_malloc_array(n, sizeof *r->eig);
	r->sign = ll_malloc_array(k, sizeof *r->sign);
	r->explained = ll_malloc_array(k, sizeof *r->explained);
	int rc = LL_OK;
	if (!W || !w || !rm || !ord || !r->coords || !r->eig || !r->sign || !r->explained) {
		rc = ll_err_oom(err);
		goto out;
	}
	/* W = -1/2 J D J: subtract row and column means, add the grand mean */
	double all = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++)
			rm[i] += D[i * n + j];
		all += rm[i];
		rm[i] /= (double)n;
	}
	all /= (double)n * (double)n;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			W[i * n + j] = -0.5 * (0.5 * (D[i * n + j] + D[j * n + i]) - rm[i] - rm[j] + all);
	lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)n, W, (lapack_int)n, w);
	if (info != 0) {
		rc = info < 0 ? ll_err_set(err, LL_ELAPACK, "dsyevd: argument %d is invalid", (int)-info)
			      : ll_err_set(err, LL_ELAPACK, "dsyevd did not converge (info %d)", (int)info);
		goto out;
	}
	/* W now holds the eigenvectors as columns */
	for (size_t j = 0; j < n; j++)
		ord[j] = (by_abs){w[j], j};
	qsort(ord, n, sizeof *ord, cmp_abs_desc);
	r->total_abs = 0;
	for (size_t j = 0; j < n; j++) {
		r->eig[j] = ord[j].v;
		r->total_abs += fabs(ord[j].v);
	}
	double neg = 0;
	for (size_t j = 0; j < n; j++)
		if (r->eig[j] < -1e-12 * r->total_abs) {
			neg += -r->eig[j];
			r->n_negative++;
		}
	r->neg_frac = r->total_abs > 0 ? neg / r->total_abs : 0;
	for (size_t j = 0; j < k; j++) {
		size_t c = ord[j].at;
		double s = sqrt(fabs(ord[j].v));
		/* sign convention: the largest-|entry| of each eigenvector positive */
		size_t arg = 0;
		for (size_t i = 1; i < n; i++)
			if (fabs(W[i * n + c]) > fabs(W[arg * n + c]))
				arg = i;
		double flip = W[arg * n + c] < 0 ? -1 : 1;
		for (size_t i = 0; i < n; i++)
			r->coords[i * k + j] = flip * s * W[i * n + c];
		r->sign[j] = ord[j].v < -1e-12 * r->total_abs ? -1 : 1; /* as n_negative counts */
		r->explained[j] = r->total_abs > 0 ? fabs(ord[j].v) / r->total_abs : 0;
	}
	r->n = n;
	r->k = k;
out:
	ll_free(W);
	ll_free(w);
	ll_free(rm);
	ll_free(ord);
	if (rc != LL_OK)
		ll_inpca_free(r);
	return rc;
}
