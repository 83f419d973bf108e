/* Helpers shared by the similarity measures: checks, centring, medians,
 * an orthonormal basis by pivoted QR. */
#include "similarity/ll_simutil.h"

#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

int ll_sim_fits_int(size_t v)
{
	return v <= (size_t)INT_MAX;
}

int ll_sim_check_shape(size_t n, size_t p, size_t min_n, const char *name, ll_err *err)
{
	if (p == 0)
		return ll_err_set(err, LL_ESHAPE, "%s: no units (0 columns)", name);
	if (n < min_n)
		return ll_err_set(err, LL_ESHAPE, "%s: %zu condition%s (rows); at least %zu needed",
				  name, n, n == 1 ? "" : "s", min_n);
	if (!ll_sim_fits_int(n) || !ll_sim_fits_int(p) || n > SIZE_MAX / p)
		return ll_err_set(err, LL_ENOTSUP, "%s: %zu x %zu is too large", name, n, p);
	return LL_OK;
}

int ll_sim_check_finite(const double *X, size_t n, size_t p, const char *name, ll_err *err)
{
	for (size_t i = 0; i < n * p; i++)
		if (!isfinite(X[i]))
			return ll_err_set(err, LL_ENUMERIC, "%s: %s at condition %zu, unit %zu (row %zu, column %zu)",
					  name, isnan(X[i]) ? "NaN" : "Inf", i / p, i % p, i / p, i % p);
	return LL_OK;
}

size_t ll_sim_constant_column(const double *X, size_t n, size_t p)
{
	for (size_t j = 0; j < p; j++) {
		size_t i = 1;
		while (i < n && X[i * p + j] == X[j])
			i++;
		if (i == n)
			return j;
	}
	return SIZE_MAX;
}

void ll_sim_center(double *X, size_t n, size_t p)
{
	for (size_t j = 0; j < p; j++) {
		double m = 0.0;
		for (size_t i = 0; i < n; i++)
			m += X[i * p + j];
		m /= (double)n;
		for (size_t i = 0; i < n; i++)
			X[i * p + j] -= m;
	}
}

double *ll_sim_centered(const double *X, size_t n, size_t p)
{
	double *C = ll_malloc_array(n * p, sizeof *C);
	if (!C)
		return NULL;
	memcpy(C, X, n * p * sizeof *C);
	ll_sim_center(C, n, p);
	return C;
}

double ll_sim_sumsq(const double *v, size_t m)
{
	double s = 0.0;
	for (size_t i = 0; i < m; i++)
		s += v[i] * v[i];
	return s;
}

double ll_sim_sym_upper_sumsq(const double *S, size_t p)
{
	double d = 0.0, o = 0.0;
	for (size_t a = 0; a < p; a++) {
		d += S[a * p + a] * S[a * p + a];
		for (size_t b = a + 1; b < p; b++)
			o += S[a * p + b] * S[a * p + b];
	}
	return d + 2.0 * o;
}

/* The k-th smallest of v[0..m-1], by quickselect with a three-way
 * partition (the RBF distances hold many equal values); afterwards every
 * v[i], i < k, is <= v[k]. */
static double select_kth(double *v, size_t m, size_t k)
{
	size_t lo = 0, hi = m; /* the k-th lies in [lo, hi) */
	while (hi - lo > 1) {
		double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1];
		double piv = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		size_t lt = lo, i = lo, gt = hi;
		while (i < gt) {
			double t = v[i];
			if (t < piv) {
				v[i++] = v[lt];
				v[lt++] = t;
			} else if (t > piv) {
				v[i] = v[--gt];
				v[gt] = t;
			} else {
				i++;
			}
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return piv;
	}
	return v[lo];
}

double ll_sim_median(double *v, size_t m)
{
	if (m % 2)
		return select_kth(v, m, m / 2);
	double hi = select_kth(v, m, m / 2);
	/* after the select, v[0..m/2-1] are all <= hi: the lower middle is their max */
	double lo = v[0];
	for (size_t i = 1; i < m / 2; i++)
		if (v[i] > lo)
			lo = v[i];
	return 0.5 * (lo + hi);
}

int ll_sim_orth_basis(const double *X, size_t n, size_t p, int center, const char *name,
		      double **Q, size_t *r, ll_err *err)
{
	*Q = NULL;
	*r = 0;
	size_t k = n < p ? n : p;
	double *A = ll_malloc_array(n * p, sizeof *A);
	double *tau = ll_malloc_array(k, sizeof *tau);
	lapack_int *piv = ll_calloc_array(p, sizeof *piv);
	if (!A || !tau || !piv) {
		ll_free(A);
		ll_free(tau);
		ll_free(piv);
		return ll_err_oom(err);
	}
	memcpy(A, X, n * p * sizeof *A);
	if (center)
		ll_sim_center(A, n, p);
	int rc = LL_OK;
	lapack_int info = LAPACKE_dgeqp3(LAPACK_ROW_MAJOR, (int)n, (int)p, A, (int)p, piv, tau);
	if (info != 0) {
		rc = ll_err_set(err, info < 0 ? LL_ELAPACK : LL_ENUMERIC,
				"%s: pivoted QR failed (dgeqp3 info %d)", name, (int)info);
		goto out;
	}
	double r11 = fabs(A[0]);
	size_t rank = 0;
	while (rank < k && fabs(A[rank * p + rank]) > LL_SIM_RANK_TOL * r11)
		rank++;
	if (rank == 0 || !(r11 > 0.0)) {
		rc = ll_err_set(err, LL_ENUMERIC, "%s: every unit is constant over the conditions", name);
		goto out;
	}
	info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (int)n, (int)rank, (int)rank, A, (int)p, tau);
	if (info != 0) {
		rc = ll_err_set(err, LL_ELAPACK, "%s: dorgqr failed (info %d)", name, (int)info);
		goto out;
	}
	double *B = ll_malloc_array(n * rank, sizeof *B);
	if (!B) {
		rc = ll_err_oom(err);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(B + i * rank, A + i * p, rank * sizeof *B);
	*Q = B;
	*r = rank;
out:
	ll_free(A);
	ll_free(tau);
	ll_free(piv);
	return rc;
}
