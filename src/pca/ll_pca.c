/* PCA on LAPACK's SVD (see ll_pca.h). */
#include "pca/ll_pca.h"

#include <float.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ll_pca_free(ll_pca *p)
{
	if (!p)
		return;
	ll_free(p->mean);
	ll_free(p->comp);
	ll_free(p->scores);
	ll_free(p->sv);
	ll_free(p->explained);
	memset(p, 0, sizeof *p);
}

/* Centre the columns of X (n x d, row-major) into A, means into mean. */
static void centre(const double *X, size_t n, size_t d, double *mean, double *A)
{
	for (size_t j = 0; j < d; j++)
		mean[j] = 0.0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			mean[j] += X[i * d + j];
	for (size_t j = 0; j < d; j++)
		mean[j] /= (double)n;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			A[i * d + j] = X[i * d + j] - mean[j];
}

int ll_pca_fit(ll_pca *p, const double *X, size_t n, size_t d, size_t k, ll_err *err)
{
	double *A = NULL, *s = NULL, *U = NULL, *VT = NULL, *superb = NULL;
	size_t nd, m;
	int rc = LL_OK;

	memset(p, 0, sizeof *p);
	if (!X)
		return ll_err_set(err, LL_EINVAL, "pca: no data");
	if (n < 2)
		return ll_err_set(err, LL_ESHAPE, "pca: need at least 2 samples, got %zu", n);
	if (d < 1)
		return ll_err_set(err, LL_ESHAPE, "pca: need at least 1 feature, got 0");
	if (k < 1)
		return ll_err_set(err, LL_EINVAL, "pca: asked for 0 components");
	if (n > (size_t)INT_MAX || d > (size_t)INT_MAX || !ll_mul_ok(n, d, &nd) ||
	    nd > (size_t)INT_MAX)
		return ll_err_set(err, LL_ENOMEM, "pca: %zu x %zu is too large for LAPACK", n, d);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			if (!isfinite(X[i * d + j]))
				return ll_err_set(err, LL_ENUMERIC, "pca: entry [%zu, %zu] is %s", i, j,
						  isnan(X[i * d + j]) ? "NaN" : "infinite");

	m = n < d ? n : d;
	p->n = n;
	p->d = d;
	p->k = k;
	p->mean = ll_malloc_array(d, sizeof(double));
	p->comp = ll_calloc_array(k, d * sizeof(double));
	p->scores = ll_calloc_array(n, k * sizeof(double));
	p->sv = ll_calloc_array(k, sizeof(double));
	p->explained = ll_calloc_array(k, sizeof(double));
	A = ll_malloc_array(nd, sizeof(double));
	s = ll_malloc_array(m, sizeof(double));
	U = ll_malloc_array(d, m * sizeof(double));
	VT = ll_malloc_array(m, n * sizeof(double));
	superb = ll_malloc_array(m, sizeof(double));
	if (!p->mean || !p->comp || !p->scores || !p->sv || !p->explained || !A || !s || !U ||
	    !VT || !superb) {
		rc = ll_err_set(err, LL_ENOMEM, "pca: out of memory for %zu x %zu", n, d);
		goto out;
	}

	/* The row-major n x d matrix is the column-major d x n matrix A^T =
	 * V S U^T, so LAPACK's left singular vectors are our loadings, each a
	 * contiguous column: no transposition copies. */
	centre(X, n, d, p->mean, A);
	lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (lapack_int)d, (lapack_int)n, A,
					 (lapack_int)d, s, U, (lapack_int)d, VT, (lapack_int)m);
	if (info != 0) {
		lapack_int info2;
		centre(X, n, d, p->mean, A); /* dgesdd destroyed A */
		info2 = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'S', 'N', (lapack_int)d, (lapack_int)n, A,
				       (lapack_int)d, s, U, (lapack_int)d, VT, 1, superb);
		if (info2 != 0) {
			rc = ll_err_set(err, LL_ELAPACK,
					"pca: SVD of %zu x %zu failed (dgesdd info %d, dgesvd info %d)",
					n, d, (int)info, (int)info2);
			goto out;
		}
		p->used_fallback = 1;
	}

	for (size_t c = 0; c < m; c++)
		p->total_ss += s[c] * s[c];
	p->total_var = p->total_ss / (double)(n - 1);
	double tol = s[0] * (double)(n > d ? n : d) * DBL_EPSILON;
	for (size_t c = 0; c < k && c < m; c++) {
		if (!(s[c] > tol) || !(s[0] > 0.0))
			break; /* singular values are sorted: the rest are zero too */
		double *v = p->comp + c * d, best = 0.0;
		memcpy(v, U + c * d, d * sizeof(double));
		for (size_t j = 0; j < d; j++)
			if (fabs(v[j]) > fabs(best))
				best = v[j];
		if (best < 0.0)
			for (size_t j = 0; j < d; j++)
				v[j] = -v[j];
		p->sv[c] = s[c];
		p->explained[c] = s[c] * s[c] / p->total_ss;
		p->k_valid++;
	}
	/* Scores by one fixed loop per row (not BLAS): identical states must
	 * land on identical points, bit for bit. */
	for (size_t i = 0; i < n; i++) {
		const double *x = X + i * d;
		for (size_t c = 0; c < p->k_valid; c++) {
			const double *v = p->comp + c * d;
			double acc = 0.0;
			for (size_t j = 0; j < d; j++)
				acc += (x[j] - p->mean[j]) * v[j];
			p->scores[i * k + c] = acc;
		}
	}
out:
	ll_free(A);
	ll_free(s);
	ll_free(U);
	ll_free(VT);
	ll_free(superb);
	if (rc != LL_OK)
		ll_pca_free(p);
	return rc;
}
