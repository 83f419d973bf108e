/* CCA by pivoted QR + SVD, mean CCA, SVCCA, PWCCA.  Definitions: ll_cca.h. */
#include "similarity/ll_cca.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "similarity/ll_simutil.h"

void ll_cca_free(ll_cca_result *r)
{
	if (!r)
		return;
	ll_free(r->rho);
	ll_free(r->hx);
	ll_free(r->hy);
	memset(r, 0, sizeof *r);
}

/* CCA of two orthonormal bases Qx (n x rx), Qy (n x ry). */
static int cca_of_bases(const double *Qx, size_t rx, const double *Qy, size_t ry, size_t n,
			unsigned flags, ll_cca_result *r, ll_err *err)
{
	size_t k = rx < ry ? rx : ry;
	double *M = ll_malloc_array(rx * ry, sizeof *M);
	double *U = ll_malloc_array(rx * k, sizeof *U);
	double *Vt = ll_malloc_array(k * ry, sizeof *Vt);
	double *s = ll_malloc_array(k, sizeof *s);
	double *sup = ll_malloc_array(k, sizeof *sup);
	int rc = LL_OK;
	if (!M || !U || !Vt || !s || !sup) {
		rc = ll_err_oom(err);
		goto out;
	}
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)rx, (int)ry, (int)n, 1.0, Qx,
		    (int)rx, Qy, (int)ry, 0.0, M, (int)ry);
	lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'S', 'S', (int)rx, (int)ry, M, (int)ry, s,
					 U, (int)k, Vt, (int)ry, sup);
	if (info != 0) {
		rc = ll_err_set(err, info < 0 ? LL_ELAPACK : LL_ENUMERIC,
				"CCA: the SVD of Qx^T Qy failed (dgesvd info %d)", (int)info);
		goto out;
	}
	for (size_t i = 0; i < k; i++)
		s[i] = s[i] > 1.0 ? 1.0 : (s[i] < 0.0 ? 0.0 : s[i]);
	if (flags & LL_CCA_VARIATES) {
		r->hx = ll_malloc_array(n * k, sizeof *r->hx);
		r->hy = ll_malloc_array(n * k, sizeof *r->hy);
		if (!r->hx || !r->hy) {
			rc = ll_err_oom(err);
			goto out;
		}
		/* hx = Qx U, hy = Qy V */
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)k, (int)rx, 1.0, Qx,
			    (int)rx, U, (int)k, 0.0, r->hx, (int)k);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)ry, 1.0, Qy,
			    (int)ry, Vt, (int)ry, 0.0, r->hy, (int)k);
	}
	r->rho = s;
	s = NULL;
	r->n = n;
	r->k = k;
	r->rx = rx;
	r->ry = ry;
out:
	ll_free(M);
	ll_free(U);
	ll_free(Vt);
	ll_free(s);
	ll_free(sup);
	return rc;
}

int ll_cca(const double *X, size_t n, size_t p, const double *Y, size_t q, unsigned flags,
	   ll_cca_result *r, ll_err *err)
{
	memset(r, 0, sizeof *r);
	int rc = ll_sim_check_shape(n, p, 3, "X", err);
	if (rc == LL_OK)
		rc = ll_sim_check_shape(n, q, 3, "Y", err);
	if (rc != LL_OK)
		return rc;
	int center = !(flags & LL_CCA_NOCENTER);
	double *Qx = NULL, *Qy = NULL;
	size_t rx = 0, ry = 0;
	rc = ll_sim_orth_basis(X, n, p, center, "X", &Qx, &rx, err);
	if (rc == LL_OK)
		rc = ll_sim_orth_basis(Y, n, q, center, "Y", &Qy, &ry, err);
	if (rc == LL_OK)
		rc = cca_of_bases(Qx, rx, Qy, ry, n, flags, r, err);
	ll_free(Qx);
	ll_free(Qy);
	if (rc != LL_OK)
		ll_cca_free(r);
	return rc;
}

static double mean_of(const double *v, size_t k)
{
	double s = 0.0;
	for (size_t i = 0; i < k; i++)
		s += v[i];
	return k ? s / (double)k : NAN;
}

int ll_cca_mean(const double *X, size_t n, size_t p, const double *Y, size_t q, double *mean,
		ll_err *err)
{
	*mean = NAN;
	ll_cca_result r;
	int rc = ll_cca(X, n, p, Y, q, 0, &r, err);
	if (rc != LL_OK)
		return rc;
	*mean = mean_of(r.rho, r.k);
	ll_cca_free(&r);
	return LL_OK;
}

/* The top directions of the centred X: U_k (n x k, orthonormal), k by
 * keep / keep_k. */
static int svd_keep(const double *X, size_t n, size_t p, double keep, size_t keep_k,
		    const char *name, double **Uk, size_t *kept, ll_err *err)
{
	*Uk = NULL;
	*kept = 0;
	size_t m = n < p ? n : p;
	double *A = ll_sim_centered(X, n, p);
	double *s = ll_malloc_array(m, sizeof *s);
	double *U = ll_malloc_array(n * m, sizeof *U);
	double *Vt = ll_malloc_array(m * p, sizeof *Vt);
	int rc = LL_OK;
	if (!A || !s || !U || !Vt) {
		rc = ll_err_oom(err);
		goto out;
	}
	lapack_int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (int)n, (int)p, A, (int)p, s, U,
					 (int)m, Vt, (int)p);
	if (info != 0) {
		rc = ll_err_set(err, info < 0 ? LL_ELAPACK : LL_ENUMERIC,
				"SVCCA: %s: SVD failed (dgesdd info %d)", name, (int)info);
		goto out;
	}
	size_t rank = 0;
	while (rank < m && s[rank] > LL_SIM_RANK_TOL * s[0])
		rank++;
	if (rank == 0) {
		rc = ll_err_set(err, LL_ENUMERIC, "SVCCA: %s: every unit is constant over the conditions", name);
		goto out;
	}
	size_t k;
	if (keep_k > 0) {
		k = keep_k < rank ? keep_k : rank;
	} else {
		double tot = 0.0, acc = 0.0;
		for (size_t i = 0; i < rank; i++)
			tot += s[i] * s[i];
		k = 0;
		while (k < rank) {
			acc += s[k] * s[k];
			k++;
			if (acc >= keep * tot * (1.0 - 1e-12))
				break;
		}
	}
	double *B = ll_malloc_array(n * k, sizeof *B);
	if (!B) {
		rc = ll_err_oom(err);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(B + i * k, U + i * m, k * sizeof *B);
	*Uk = B;
	*kept = k;
out:
	ll_free(A);
	ll_free(s);
	ll_free(U);
	ll_free(Vt);
	return rc;
}

int ll_svcca(const double *X, size_t n, size_t p, const double *Y, size_t q, double keep,
	     size_t keep_k, double *value, size_t *kx, size_t *ky, ll_err *err)
{
	*value = NAN;
	if (kx)
		*kx = 0;
	if (ky)
		*ky = 0;
	int rc = ll_sim_check_shape(n, p, 3, "X", err);
	if (rc == LL_OK)
		rc = ll_sim_check_shape(n, q, 3, "Y", err);
	if (rc != LL_OK)
		return rc;
	if (keep_k == 0 && !(keep > 0.0 && keep <= 1.0))
		return ll_err_set(err, LL_EINVAL, "SVCCA: keep %g is not a fraction in (0, 1]", keep);
	if (!ll_sim_fits_int(n * (n < p ? n : p)) || !ll_sim_fits_int(n * (n < q ? n : q)))
		return ll_err_set(err, LL_ENOTSUP, "SVCCA: inputs too large");
	double *Ux = NULL, *Uy = NULL;
	size_t a = 0, b = 0;
	rc = svd_keep(X, n, p, keep, keep_k, "X", &Ux, &a, err);
	if (rc == LL_OK)
		rc = svd_keep(Y, n, q, keep, keep_k, "Y", &Uy, &b, err);
	ll_cca_result r;
	memset(&r, 0, sizeof r);
	if (rc == LL_OK)
		rc = cca_of_bases(Ux, a, Uy, b, n, 0, &r, err);
	if (rc == LL_OK) {
		*value = mean_of(r.rho, r.k);
		if (kx)
			*kx = a;
		if (ky)
			*ky = b;
	}
	ll_cca_free(&r);
	ll_free(Ux);
	ll_free(Uy);
	return rc;
}

int ll_pwcca(const double *X, size_t n, size_t p, const double *Y, size_t q, double *value,
	     ll_err *err)
{
	*value = NAN;
	ll_cca_result r;
	int rc = ll_cca(X, n, p, Y, q, LL_CCA_VARIATES, &r, err);
	if (rc != LL_OK)
		return rc;
	int use_x = p <= q;
	const double *A = use_x ? X : Y;
	size_t w = use_x ? p : q;
	const double *h = use_x ? r.hx : r.hy;
	/* centring changes nothing (h is orthogonal to the ones vector) but
	 * keeps the products well scaled */
	size_t k = r.k;
	double *Ac = ll_sim_centered(A, n, w);
	double *G = ll_malloc_array(k * w, sizeof *G);
	if (!Ac || !G) {
		rc = ll_err_oom(err);
		goto out;
	}
	/* G = h^T Ac (k x w) */
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)w, (int)n, 1.0, h, (int)k,
		    Ac, (int)w, 0.0, G, (int)w);
	double tot = 0.0, num = 0.0;
	for (size_t i = 0; i < k; i++) {
		double si = 0.0;
		for (size_t j = 0; j < w; j++)
			si += fabs(G[i * w + j]);
		tot += si;
		num += si * r.rho[i];
	}
	if (!(tot > 0.0)) {
		rc = ll_err_set(err, LL_ENUMERIC, "PWCCA: the canonical weights are all 0");
		goto out;
	}
	*value = num / tot;
out:
	ll_free(Ac);
	ll_free(G);
	ll_cca_free(&r);
	return rc;
}
