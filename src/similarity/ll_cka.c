/* Centred kernel alignment: linear (feature or Gram space), RBF, debiased,
 * and all pairs of many systems at once.  Definitions: ll_cka.h. */
#include "similarity/ll_cka.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "similarity/ll_simutil.h"

/* Above this many doubles the all-pairs Gram path is not chosen by AUTO. */
#define GRAM_PATH_MAX_DOUBLES ((size_t)1 << 27)
/* Feature path: systems are grouped into column blocks of at most this
 * width (or one system), so a cross-covariance block is at most W x W. */
#define FEATURE_BLOCK_WIDTH 2048

/* Centre the symmetric n x n K in place, given scratch m (n): biased
 * (H K H) or U-centred (Szekely & Rizzo 2014; diagonal 0). */
static void center_gram(double *K, size_t n, int unbiased, double *m)
{
	double tot = 0.0;
	if (unbiased)
		for (size_t i = 0; i < n; i++)
			K[i * n + i] = 0.0;
	for (size_t j = 0; j < n; j++)
		m[j] = 0.0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			m[j] += K[i * n + j];
	for (size_t j = 0; j < n; j++)
		tot += m[j];
	if (unbiased) {
		double a = 1.0 / (double)(n - 2), c = tot / (double)(n - 2) / (2.0 * (double)(n - 1));
		for (size_t j = 0; j < n; j++)
			m[j] = m[j] * a - c;
	} else {
		double c = tot / (double)n / (double)n / 2.0;
		for (size_t j = 0; j < n; j++)
			m[j] = m[j] / (double)n - c;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			K[i * n + j] -= m[i] + m[j];
	if (unbiased)
		for (size_t i = 0; i < n; i++)
			K[i * n + i] = 0.0;
}

/* hsic / sqrt(hxx hyy), with the checks that make it defined */
static int cka_ratio(double hxy, double hxx, double hyy, int debiased, double *cka, ll_err *err)
{
	if (!(hxx > 0.0) || !(hyy > 0.0)) {
		const char *who = !(hxx > 0.0) ? "X" : "Y";
		if (debiased)
			return ll_err_set(err, LL_ENUMERIC,
					  "debiased CKA: the unbiased HSIC of %s with itself is not positive "
					  "(too few conditions, or no variance)", who);
		return ll_err_set(err, LL_ENUMERIC, "CKA: %s has no variance over the conditions", who);
	}
	double v = hxy / sqrt(hxx * hyy);
	if (!debiased) {
		if (v > 1.0)
			v = 1.0;
		if (v < 0.0)
			v = 0.0;
	}
	*cka = v;
	return LL_OK;
}

int ll_cka_from_grams(double *K, double *L, size_t n, int debiased, double *cka, ll_err *err)
{
	*cka = NAN;
	if (n < (debiased ? 4u : 3u))
		return ll_err_set(err, LL_ESHAPE, "CKA: %zu conditions; at least %u needed", n,
				  debiased ? 4u : 3u);
	double *m = ll_malloc_array(n, sizeof *m);
	if (!m)
		return ll_err_oom(err);
	center_gram(K, n, debiased, m);
	center_gram(L, n, debiased, m);
	ll_free(m);
	double hxy = 0.0, hxx = 0.0, hyy = 0.0;
	for (size_t i = 0; i < n * n; i++) {
		hxy += K[i] * L[i];
		hxx += K[i] * K[i];
		hyy += L[i] * L[i];
	}
	return cka_ratio(hxy, hxx, hyy, debiased, cka, err);
}

/* Full symmetric n x n Gram A A^T of the n x p row-major A. */
static void gram_rows(const double *A, size_t n, size_t p, double *K)
{
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)p, 1.0, A, (int)p, 0.0,
		    K, (int)n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			K[i * n + j] = K[j * n + i];
}

/* the debiased HSIC from feature-space pieces (Kornblith et al.'s helper) */
static double hsic_u(double xty, double rxry, double sx, double sy, size_t n)
{
	double dn = (double)n;
	return xty - dn / (dn - 2.0) * rxry + sx * sy / ((dn - 1.0) * (dn - 2.0));
}

static void row_sumsq(const double *A, size_t n, size_t p, double *r, double *s)
{
	double t = 0.0;
	for (size_t i = 0; i < n; i++) {
		r[i] = ll_sim_sumsq(A + i * p, p);
		t += r[i];
	}
	*s = t;
}

static double dot(const double *a, const double *b, size_t m)
{
	double s = 0.0;
	for (size_t i = 0; i < m; i++)
		s += a[i] * b[i];
	return s;
}

int ll_cka_linear(const double *X, size_t n, size_t p, const double *Y, size_t q, int debiased,
		  ll_cka_space space, double *cka, ll_err *err)
{
	*cka = NAN;
	size_t min_n = debiased ? 4 : 3;
	int rc = ll_sim_check_shape(n, p, min_n, "X", err);
	if (rc == LL_OK)
		rc = ll_sim_check_shape(n, q, min_n, "Y", err);
	if (rc != LL_OK)
		return rc;
	if (space == LL_CKA_AUTO) {
		double fc = (double)n * ((double)p * p + (double)q * q + (double)p * q);
		double gc = (double)n * n * (double)(p + q + 3);
		space = fc <= gc ? LL_CKA_FEATURE : LL_CKA_GRAM;
	}
	double *Xc = ll_sim_centered(X, n, p), *Yc = ll_sim_centered(Y, n, q);
	if (!Xc || !Yc) {
		ll_free(Xc);
		ll_free(Yc);
		return ll_err_oom(err);
	}
	if (space == LL_CKA_GRAM) {
		double *K = ll_malloc_array(n * n, sizeof *K), *L = ll_malloc_array(n * n, sizeof *L);
		if (!K || !L) {
			rc = ll_err_oom(err);
		} else {
			gram_rows(Xc, n, p, K);
			gram_rows(Yc, n, q, L);
			rc = ll_cka_from_grams(K, L, n, debiased, cka, err);
		}
		ll_free(K);
		ll_free(L);
		ll_free(Xc);
		ll_free(Yc);
		return rc;
	}
	double *Cxy = ll_malloc_array(p * q, sizeof *Cxy);
	double *Cxx = ll_malloc_array(p * p, sizeof *Cxx);
	double *Cyy = ll_malloc_array(q * q, sizeof *Cyy);
	double *rx = ll_malloc_array(n, sizeof *rx), *ry = ll_malloc_array(n, sizeof *ry);
	if (!Cxy || !Cxx || !Cyy || !rx || !ry) {
		rc = ll_err_oom(err);
		goto out;
	}
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)q, (int)n, 1.0, Xc,
		    (int)p, Yc, (int)q, 0.0, Cxy, (int)q);
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0, Xc, (int)p, 0.0,
		    Cxx, (int)p);
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)q, (int)n, 1.0, Yc, (int)q, 0.0,
		    Cyy, (int)q);
	double hxy = ll_sim_sumsq(Cxy, p * q);
	double hxx = ll_sim_sym_upper_sumsq(Cxx, p), hyy = ll_sim_sym_upper_sumsq(Cyy, q);
	if (debiased) {
		double sx, sy;
		row_sumsq(Xc, n, p, rx, &sx);
		row_sumsq(Yc, n, q, ry, &sy);
		hxy = hsic_u(hxy, dot(rx, ry, n), sx, sy, n);
		hxx = hsic_u(hxx, dot(rx, rx, n), sx, sx, n);
		hyy = hsic_u(hyy, dot(ry, ry, n), sy, sy, n);
	}
	rc = cka_ratio(hxy, hxx, hyy, debiased, cka, err);
out:
	ll_free(Cxy);
	ll_free(Cxx);
	ll_free(Cyy);
	ll_free(rx);
	ll_free(ry);
	ll_free(Xc);
	ll_free(Yc);
	return rc;
}

int ll_cka_gram_rbf(const double *X, size_t n, size_t p, double frac, const char *name,
		    double *K, ll_err *err)
{
	if (!(frac > 0.0) || !isfinite(frac))
		return ll_err_set(err, LL_EINVAL, "RBF CKA: bandwidth fraction %g must be > 0", frac);
	for (size_t i = 0; i < n; i++) {
		K[i * n + i] = 0.0;
		for (size_t j = i + 1; j < n; j++) {
			double s = 0.0;
			const double *a = X + i * p, *b = X + j * p;
			for (size_t k = 0; k < p; k++) {
				double d = a[k] - b[k];
				s += d * d;
			}
			K[i * n + j] = K[j * n + i] = s;
		}
	}
	double *v = ll_malloc_array(n * n, sizeof *v);
	if (!v)
		return ll_err_oom(err);
	memcpy(v, K, n * n * sizeof *v);
	double med = ll_sim_median(v, n * n);
	ll_free(v);
	if (!(med > 0.0))
		return ll_err_set(err, LL_ENUMERIC,
				  "%s: the median squared distance between conditions is 0 (most "
				  "conditions coincide), so the RBF bandwidth is undefined", name);
	double s2 = 2.0 * frac * frac * med;
	for (size_t i = 0; i < n * n; i++)
		K[i] = exp(-K[i] / s2);
	return LL_OK;
}

int ll_cka_rbf(const double *X, size_t n, size_t p, const double *Y, size_t q, double frac,
	       double *cka, ll_err *err)
{
	*cka = NAN;
	int rc = ll_sim_check_shape(n, p, 3, "X", err);
	if (rc == LL_OK)
		rc = ll_sim_check_shape(n, q, 3, "Y", err);
	if (rc != LL_OK)
		return rc;
	double *K = ll_malloc_array(n * n, sizeof *K), *L = ll_malloc_array(n * n, sizeof *L);
	if (!K || !L) {
		rc = ll_err_oom(err);
	} else {
		rc = ll_cka_gram_rbf(X, n, p, frac, "X", K, err);
		if (rc == LL_OK)
			rc = ll_cka_gram_rbf(Y, n, q, frac, "Y", L, err);
		if (rc == LL_OK)
			rc = ll_cka_from_grams(K, L, n, 0, cka, err);
	}
	ll_free(K);
	ll_free(L);
	return rc;
}

/* ---- all pairs ------------------------------------------------------------- */

static int tick(ll_progress_fn progress, void *ud, double frac, ll_err *err)
{
	if (!progress)
		return LL_OK;
	ll_progress pr = {"cka all pairs", frac, NULL};
	if (progress(ud, &pr))
		return ll_err_set(err, LL_ECANCELED, "CKA all pairs: canceled");
	return LL_OK;
}

/* hsic[a * N + b] for a <= b, into the full matrix S as CKA */
static int finish_pairs(double *H, size_t N, int debiased, double *S, ll_err *err)
{
	for (size_t a = 0; a < N; a++)
		if (!(H[a * N + a] > 0.0))
			return ll_err_set(err, LL_ENUMERIC, "CKA all pairs: system %zu %s", a,
					  debiased ? "has a non-positive unbiased HSIC with itself (too few conditions, or no variance)"
						   : "has no variance over the conditions");
	for (size_t a = 0; a < N; a++) {
		S[a * N + a] = 1.0;
		for (size_t b = a + 1; b < N; b++) {
			double v = H[a * N + b] / sqrt(H[a * N + a] * H[b * N + b]);
			if (!debiased)
				v = v > 1.0 ? 1.0 : (v < 0.0 ? 0.0 : v);
			S[a * N + b] = S[b * N + a] = v;
		}
	}
	return LL_OK;
}

static int allpairs_gram(const double *const *sys, const size_t *p, size_t N, size_t n,
			 int debiased, double *H, ll_progress_fn progress, void *ud, ll_err *err)
{
	size_t m = n * (n + 1) / 2;
	double *V = ll_malloc_array(N * m, sizeof *V);
	double *K = ll_malloc_array(n * n, sizeof *K);
	double *scratch = ll_malloc_array(n, sizeof *scratch);
	double *Xc = NULL;
	int rc = LL_OK;
	if (!V || !K || !scratch) {
		rc = ll_err_oom(err);
		goto out;
	}
	const double r2 = sqrt(2.0);
	for (size_t a = 0; a < N; a++) {
		Xc = ll_sim_centered(sys[a], n, p[a]);
		if (!Xc) {
			rc = ll_err_oom(err);
			goto out;
		}
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)p[a], 1.0, Xc,
			    (int)p[a], 0.0, K, (int)n);
		ll_free(Xc);
		Xc = NULL;
		if (debiased) {
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < i; j++)
					K[i * n + j] = K[j * n + i];
			center_gram(K, n, 1, scratch);
		}
		/* the Gram of centred data is already centred (H K H = K) */
		double *v = V + a * m;
		size_t t = 0;
		for (size_t i = 0; i < n; i++)
			v[t++] = K[i * n + i];
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				v[t++] = r2 * K[i * n + j];
		if ((rc = tick(progress, ud, 0.9 * (double)(a + 1) / (double)N, err)) != LL_OK)
			goto out;
	}
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)N, (int)m, 1.0, V, (int)m, 0.0,
		    H, (int)N);
out:
	ll_free(V);
	ll_free(K);
	ll_free(scratch);
	ll_free(Xc);
	return rc;
}

static int allpairs_feature(const double *const *sys, const size_t *p, size_t N, size_t n,
			    int debiased, double *H, ll_progress_fn progress, void *ud, ll_err *err)
{
	/* column offset of each system, and blocks of systems */
	size_t *off = ll_malloc_array(N + 1, sizeof *off);
	size_t *blk = ll_malloc_array(N + 1, sizeof *blk); /* first system of each block */
	double *R = debiased ? ll_malloc_array(N * n, sizeof *R) : NULL;
	double *Ssum = debiased ? ll_malloc_array(N, sizeof *Ssum) : NULL;
	double *Z = NULL, *C = NULL;
	int rc = LL_OK;
	if (!off || !blk || (debiased && (!R || !Ssum))) {
		rc = ll_err_oom(err);
		goto out;
	}
	size_t nb = 0, w = 0, wmax = 0;
	off[0] = 0;
	for (size_t a = 0; a < N; a++) {
		off[a + 1] = off[a] + p[a];
		if (a == 0 || w + p[a] > FEATURE_BLOCK_WIDTH) {
			blk[nb++] = a;
			w = 0;
		}
		w += p[a];
		if (w > wmax)
			wmax = w;
	}
	blk[nb] = N;
	size_t P = off[N];
	Z = ll_malloc_array(n * P, sizeof *Z);
	C = ll_malloc_array(wmax * wmax, sizeof *C);
	if (!Z || !C) {
		rc = ll_err_oom(err);
		goto out;
	}
	/* Z = [X_0c X_1c ...], n x P */
	for (size_t a = 0; a < N; a++) {
		for (size_t i = 0; i < n; i++)
			memcpy(Z + i * P + off[a], sys[a] + i * p[a], p[a] * sizeof *Z);
		for (size_t j = off[a]; j < off[a + 1]; j++) {
			double mu = 0.0;
			for (size_t i = 0; i < n; i++)
				mu += Z[i * P + j];
			mu /= (double)n;
			for (size_t i = 0; i < n; i++)
				Z[i * P + j] -= mu;
		}
		if (debiased) {
			Ssum[a] = 0.0;
			for (size_t i = 0; i < n; i++) {
				R[a * n + i] = ll_sim_sumsq(Z + i * P + off[a], p[a]);
				Ssum[a] += R[a * n + i];
			}
		}
	}
	size_t done = 0, total = nb * (nb + 1) / 2;
	for (size_t bi = 0; bi < nb; bi++)
		for (size_t bj = bi; bj < nb; bj++) {
			size_t c0 = off[blk[bi]], wi = off[blk[bi + 1]] - c0;
			size_t d0 = off[blk[bj]], wj = off[blk[bj + 1]] - d0;
			/* C (wi x wj, leading dimension wj) = Z_bi^T Z_bj */
			if (bi == bj)
				cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)wi, (int)n, 1.0,
					    Z + c0, (int)P, 0.0, C, (int)wi);
			else
				cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)wi, (int)wj,
					    (int)n, 1.0, Z + c0, (int)P, Z + d0, (int)P, 0.0, C, (int)wj);
			for (size_t a = blk[bi]; a < blk[bi + 1]; a++)
				for (size_t b = (bi == bj ? a : blk[bj]); b < blk[bj + 1]; b++) {
					size_t r0 = off[a] - c0, s0 = off[b] - d0;
					double h = 0.0;
					if (a == b) {
						double dg = 0.0, up = 0.0;
						for (size_t r = 0; r < p[a]; r++) {
							const double *row = C + (r0 + r) * wj;
							dg += row[s0 + r] * row[s0 + r];
							for (size_t s = r + 1; s < p[b]; s++)
								up += row[s0 + s] * row[s0 + s];
						}
						h = dg + 2.0 * up;
					} else {
						for (size_t r = 0; r < p[a]; r++) {
							const double *row = C + (r0 + r) * wj + s0;
							h += ll_sim_sumsq(row, p[b]);
						}
					}
					if (debiased)
						h = hsic_u(h, dot(R + a * n, R + b * n, n), Ssum[a],
							   Ssum[b], n);
					H[a * N + b] = h;
				}
			done++;
			if ((rc = tick(progress, ud, 0.95 * (double)done / (double)total, err)) != LL_OK)
				goto out;
		}
out:
	ll_free(off);
	ll_free(blk);
	ll_free(R);
	ll_free(Ssum);
	ll_free(Z);
	ll_free(C);
	return rc;
}

int ll_cka_allpairs(const double *const *sys, const size_t *p, size_t nsys, size_t n,
		    int debiased, ll_cka_space space, double *S, ll_progress_fn progress,
		    void *ud, ll_err *err)
{
	size_t N = nsys;
	for (size_t i = 0; i < N * N; i++)
		S[i] = NAN;
	if (N == 0)
		return LL_OK;
	size_t min_n = debiased ? 4 : 3;
	double P = 0.0;
	for (size_t a = 0; a < N; a++) {
		char name[32];
		snprintf(name, sizeof name, "system %zu", a);
		int rc = ll_sim_check_shape(n, p[a], min_n, name, err);
		if (rc != LL_OK)
			return rc;
		P += (double)p[a];
	}
	size_t m = n * (n + 1) / 2;
	int gram_ok = ll_sim_fits_int(m) && ll_sim_fits_int(N) && (double)N * (double)m < 1e15;
	if (space == LL_CKA_AUTO) {
		double fc = (double)n * P * P;
		double gc = (double)n * n * P + (double)N * N * (double)m + (double)N * n * n;
		space = (gram_ok && (double)N * (double)m <= (double)GRAM_PATH_MAX_DOUBLES && gc < fc)
				? LL_CKA_GRAM : LL_CKA_FEATURE;
	}
	if (space == LL_CKA_FEATURE && !ll_sim_fits_int((size_t)P))
		return ll_err_set(err, LL_ENOTSUP, "CKA all pairs: %.0f units in all is too many", P);
	double *H = ll_calloc_array(N * N, sizeof *H);
	if (!H)
		return ll_err_oom(err);
	int rc = space == LL_CKA_GRAM ? allpairs_gram(sys, p, N, n, debiased, H, progress, ud, err)
				      : allpairs_feature(sys, p, N, n, debiased, H, progress, ud, err);
	if (rc == LL_OK)
		rc = finish_pairs(H, N, debiased, S, err);
	if (rc == LL_OK)
		rc = tick(progress, ud, 1.0, err);
	ll_free(H);
	if (rc != LL_OK)
		for (size_t i = 0; i < N * N; i++)
			S[i] = NAN;
	return rc;
}
