/* Classical MDS and SMACOF.  Definitions: ll_mds.h. */
#include "similarity/ll_mds.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "similarity/ll_simutil.h"

void ll_mds_opts_default(ll_mds_opts *o)
{
	memset(o, 0, sizeof *o);
	o->k = 2;
	o->method = LL_MDS_AUTO;
	o->max_iter = 300;
	o->tol = 1e-9;
}

const char *ll_mds_method_name(ll_mds_method m)
{
	switch (m) {
	case LL_MDS_AUTO:
		return "auto";
	case LL_MDS_CLASSICAL:
		return "classical";
	case LL_MDS_SMACOF:
		return "smacof";
	}
	return "?";
}

void ll_mds_free(ll_mds_result *r)
{
	if (!r)
		return;
	ll_free(r->coords);
	memset(r, 0, sizeof *r);
}

static double edist(const double *a, const double *b, size_t k)
{
	double s = 0.0;
	for (size_t c = 0; c < k; c++)
		s += (a[c] - b[c]) * (a[c] - b[c]);
	return sqrt(s);
}

double ll_mds_stress(const double *D, size_t n, const double *X, size_t k)
{
	double num = 0.0, den = 0.0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			double d = edist(X + i * k, X + j * k, k) - D[i * n + j];
			num += d * d;
			den += D[i * n + j] * D[i * n + j];
		}
	return den > 0.0 ? sqrt(num / den) : 0.0;
}

/* raw stress sum (d - D)^2 */
static double raw_stress(const double *D, size_t n, const double *X, size_t k)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			double d = edist(X + i * k, X + j * k, k) - D[i * n + j];
			s += d * d;
		}
	return s;
}

static int classical(const double *D, size_t n, size_t k, double *X, double *neg_frac,
		     ll_err *err)
{
	double *B = ll_malloc_array(n * n, sizeof *B), *w = ll_malloc_array(n, sizeof *w);
	double *m = ll_malloc_array(n, sizeof *m);
	int rc = LL_OK;
	if (!B || !w || !m) {
		rc = ll_err_oom(err);
		goto out;
	}
	double tot = 0.0;
	for (size_t i = 0; i < n; i++) {
		m[i] = 0.0;
		for (size_t j = 0; j < n; j++) {
			B[i * n + j] = D[i * n + j] * D[i * n + j];
			m[i] += B[i * n + j];
		}
		tot += m[i];
		m[i] /= (double)n;
	}
	tot /= (double)n * (double)n;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			B[i * n + j] = -0.5 * (B[i * n + j] - m[i] - m[j] + tot);
	lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (int)n, B, (int)n, w);
	if (info != 0) {
		rc = ll_err_set(err, info < 0 ? LL_ELAPACK : LL_ENUMERIC,
				"MDS: eigendecomposition failed (dsyevd info %d)", (int)info);
		goto out;
	}
	double neg = 0.0, all = 0.0;
	for (size_t i = 0; i < n; i++) {
		all += fabs(w[i]);
		if (w[i] < 0.0)
			neg += -w[i];
	}
	*neg_frac = all > 0.0 ? neg / all : 0.0;
	/* eigenvalues ascending: the top k are the last */
	for (size_t c = 0; c < k; c++) {
		size_t e = n - 1 - c;
		double s = w[e] > 0.0 ? sqrt(w[e]) : 0.0;
		/* a sign convention, so reruns draw the same picture: the
		 * largest-magnitude entry of each axis is positive */
		size_t big = 0;
		for (size_t i = 1; i < n; i++)
			if (fabs(B[i * n + e]) > fabs(B[big * n + e]))
				big = i;
		if (B[big * n + e] < 0.0)
			s = -s;
		for (size_t i = 0; i < n; i++)
			X[i * k + c] = B[i * n + e] * s;
	}
out:
	ll_free(B);
	ll_free(w);
	ll_free(m);
	return rc;
}

/* SMACOF from X (n x k, updated); returns the iterations run */
static int smacof(const double *D, size_t n, size_t k, double *X, size_t max_iter, double tol,
		  size_t *iters, ll_err *err)
{
	double *Z = ll_malloc_array(n * k, sizeof *Z);
	if (!Z)
		return ll_err_oom(err);
	double s_old = raw_stress(D, n, X, k);
	size_t it = 0;
	while (it < max_iter) {
		/* Guttman transform: X <- (1/n) B(X) X */
		for (size_t i = 0; i < n; i++) {
			double *z = Z + i * k;
			for (size_t c = 0; c < k; c++)
				z[c] = 0.0;
			for (size_t j = 0; j < n; j++) {
				if (j == i)
					continue;
				double d = edist(X + i * k, X + j * k, k);
				double b = d > 0.0 ? D[i * n + j] / d : 0.0;
				for (size_t c = 0; c < k; c++)
					z[c] += b * (X[i * k + c] - X[j * k + c]);
			}
			for (size_t c = 0; c < k; c++)
				z[c] /= (double)n;
		}
		memcpy(X, Z, n * k * sizeof *X);
		it++;
		double s = raw_stress(D, n, X, k);
		if (s_old - s <= tol * (s_old > 0.0 ? s_old : 1.0)) {
			s_old = s;
			break;
		}
		s_old = s;
	}
	*iters = it;
	ll_free(Z);
	return LL_OK;
}

int ll_mds(const double *D, size_t n, const ll_mds_opts *o, ll_mds_result *r, ll_err *err)
{
	memset(r, 0, sizeof *r);
	ll_mds_opts def;
	if (!o) {
		ll_mds_opts_default(&def);
		o = &def;
	}
	if (n < 2)
		return ll_err_set(err, LL_ESHAPE, "MDS: %zu systems; at least 2 needed", n);
	if (!ll_sim_fits_int(n) || n > 100000)
		return ll_err_set(err, LL_ENOTSUP, "MDS: %zu systems is too many", n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double v = D[i * n + j];
			if (!isfinite(v) || v < 0.0)
				return ll_err_set(err, LL_ENUMERIC,
						  "MDS: dissimilarity (%zu, %zu) is %g (must be finite and >= 0)",
						  i, j, v);
			if (i == j && v != 0.0)
				return ll_err_set(err, LL_EINVAL, "MDS: dissimilarity (%zu, %zu) is %g, not 0", i, i, v);
			if (fabs(v - D[j * n + i]) > 1e-12 * (1.0 + fabs(v)))
				return ll_err_set(err, LL_EINVAL, "MDS: dissimilarities (%zu, %zu) and (%zu, %zu) differ",
						  i, j, j, i);
		}
	size_t k = o->k ? o->k : 2;
	if (k > n - 1)
		k = n - 1;
	double *X = ll_calloc_array(n * k, sizeof *X);
	if (!X)
		return ll_err_oom(err);
	double neg = 0.0;
	int rc = classical(D, n, k, X, &neg, err);
	if (rc != LL_OK) {
		ll_free(X);
		return rc;
	}
	r->used = LL_MDS_CLASSICAL;
	r->stress = ll_mds_stress(D, n, X, k);
	int want = o->method == LL_MDS_SMACOF || (o->method == LL_MDS_AUTO && neg > 1e-9);
	if (want) {
		double *Y = ll_malloc_array(n * k, sizeof *Y);
		if (!Y) {
			ll_free(X);
			return ll_err_oom(err);
		}
		memcpy(Y, X, n * k * sizeof *Y);
		size_t it = 0;
		rc = smacof(D, n, k, Y, o->max_iter ? o->max_iter : 300, o->tol > 0 ? o->tol : 1e-9,
			    &it, err);
		if (rc != LL_OK) {
			ll_free(X);
			ll_free(Y);
			return rc;
		}
		double st = ll_mds_stress(D, n, Y, k);
		if (o->method == LL_MDS_SMACOF || st < r->stress) {
			ll_free(X);
			X = Y;
			r->stress = st;
			r->used = LL_MDS_SMACOF;
			r->iters = it;
		} else {
			ll_free(Y);
		}
	}
	r->n = n;
	r->k = k;
	r->coords = X;
	r->neg_frac = neg;
	return LL_OK;
}
