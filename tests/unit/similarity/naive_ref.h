/*
 * naive_ref.h - naive reference implementations of the similarity
 * measures, for the unit tests: textbook formulas with explicit loops and
 * a Jacobi eigensolver, no BLAS, no LAPACK, no shortcut the library takes.
 * Small inputs only.
 */
#ifndef NAIVE_REF_H
#define NAIVE_REF_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* C = A (m x k) B (k x n), row-major; ta/tb transpose A/B as stored */
static void nv_mul(const double *A, int ta, const double *B, int tb, size_t m, size_t k,
		   size_t n, double *C)
{
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0.0;
			for (size_t l = 0; l < k; l++) {
				double a = ta ? A[l * m + i] : A[i * k + l];
				double b = tb ? B[j * k + l] : B[l * n + j];
				s += a * b;
			}
			C[i * n + j] = s;
		}
}

static double *nv_center(const double *X, size_t n, size_t p)
{
	double *C = malloc(n * p * sizeof *C);
	for (size_t j = 0; j < p; j++) {
		double m = 0.0;
		for (size_t i = 0; i < n; i++)
			m += X[i * p + j];
		m /= (double)n;
		for (size_t i = 0; i < n; i++)
			C[i * p + j] = X[i * p + j] - m;
	}
	return C;
}

/* cyclic Jacobi: A (n x n symmetric, destroyed) -> eigenvalues w
 * (descending) and eigenvectors V (columns) */
static void nv_eig(double *A, size_t n, double *w, double *V)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			V[i * n + j] = i == j;
	for (int sweep = 0; sweep < 100; sweep++) {
		double off = 0.0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				off += A[i * n + j] * A[i * n + j];
		if (off < 1e-300)
			break;
		for (size_t p = 0; p < n; p++)
			for (size_t q = p + 1; q < n; q++) {
				double apq = A[p * n + q];
				if (fabs(apq) < 1e-300)
					continue;
				double th = (A[q * n + q] - A[p * n + p]) / (2.0 * apq);
				double t = (th >= 0 ? 1.0 : -1.0) / (fabs(th) + sqrt(th * th + 1.0));
				double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
				for (size_t k = 0; k < n; k++) {
					double akp = A[k * n + p], akq = A[k * n + q];
					A[k * n + p] = c * akp - s * akq;
					A[k * n + q] = s * akp + c * akq;
				}
				for (size_t k = 0; k < n; k++) {
					double apk = A[p * n + k], aqk = A[q * n + k];
					A[p * n + k] = c * apk - s * aqk;
					A[q * n + k] = s * apk + c * aqk;
				}
				for (size_t k = 0; k < n; k++) {
					double vkp = V[k * n + p], vkq = V[k * n + q];
					V[k * n + p] = c * vkp - s * vkq;
					V[k * n + q] = s * vkp + c * vkq;
				}
			}
	}
	for (size_t i = 0; i < n; i++)
		w[i] = A[i * n + i];
	/* sort descending (selection), columns of V along */
	for (size_t i = 0; i < n; i++) {
		size_t b = i;
		for (size_t j = i + 1; j < n; j++)
			if (w[j] > w[b])
				b = j;
		if (b != i) {
			double t = w[i];
			w[i] = w[b];
			w[b] = t;
			for (size_t k = 0; k < n; k++) {
				t = V[k * n + i];
				V[k * n + i] = V[k * n + b];
				V[k * n + b] = t;
			}
		}
	}
}

/* S^{-1/2} of a symmetric positive definite p x p S */
static void nv_inv_sqrt(const double *S, size_t p, double *R)
{
	double *A = malloc(p * p * sizeof *A), *V = malloc(p * p * sizeof *V), *w = malloc(p * sizeof *w);
	memcpy(A, S, p * p * sizeof *A);
	nv_eig(A, p, w, V);
	for (size_t i = 0; i < p; i++)
		for (size_t j = 0; j < p; j++) {
			double s = 0.0;
			for (size_t k = 0; k < p; k++)
				s += V[i * p + k] * V[j * p + k] / sqrt(w[k]);
			R[i * p + j] = s;
		}
	free(A);
	free(V);
	free(w);
}

/* linear CKA with the centring matrix H written out: tr(K H L H) / ... */
static double nv_cka_linear(const double *X, size_t n, size_t p, const double *Y, size_t q)
{
	double *K = malloc(n * n * sizeof *K), *L = malloc(n * n * sizeof *L);
	double *H = malloc(n * n * sizeof *H), *T = malloc(n * n * sizeof *T);
	double *Kc = malloc(n * n * sizeof *Kc), *Lc = malloc(n * n * sizeof *Lc);
	nv_mul(X, 0, X, 1, n, p, n, K);
	nv_mul(Y, 0, Y, 1, n, q, n, L);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			H[i * n + j] = (i == j) - 1.0 / (double)n;
	nv_mul(H, 0, K, 0, n, n, n, T);
	nv_mul(T, 0, H, 0, n, n, n, Kc);
	nv_mul(H, 0, L, 0, n, n, n, T);
	nv_mul(T, 0, H, 0, n, n, n, Lc);
	double kl = 0, kk = 0, ll = 0;
	for (size_t i = 0; i < n * n; i++) {
		kl += Kc[i] * Lc[i];
		kk += Kc[i] * Kc[i];
		ll += Lc[i] * Lc[i];
	}
	free(K), free(L), free(H), free(T), free(Kc), free(Lc);
	return kl / sqrt(kk * ll);
}

/* Song et al. (2012) unbiased HSIC, eq. (5): with Kt, Lt the Grams with
 * zero diagonals, [tr(Kt Lt) + 1'Kt1 1'Lt1 / ((n-1)(n-2))
 *  - 2/(n-2) 1'Kt Lt 1] / (n(n-3)) */
static double nv_hsic1(const double *K, const double *L, size_t n)
{
	double tr = 0, sk = 0, sl = 0, kl1 = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			if (i == j)
				continue;
			tr += K[i * n + j] * L[j * n + i];
			sk += K[i * n + j];
			sl += L[i * n + j];
		}
	/* 1' Kt Lt 1 = sum_j (col sum of Kt)_j (row sum of Lt)_j */
	for (size_t j = 0; j < n; j++) {
		double ck = 0, rl = 0;
		for (size_t i = 0; i < n; i++) {
			if (i != j) {
				ck += K[i * n + j];
				rl += L[j * n + i];
			}
		}
		kl1 += ck * rl;
	}
	double dn = (double)n;
	return (tr + sk * sl / ((dn - 1) * (dn - 2)) - 2.0 / (dn - 2) * kl1) / (dn * (dn - 3));
}

static double nv_cka_debiased(const double *X, size_t n, size_t p, const double *Y, size_t q)
{
	double *K = malloc(n * n * sizeof *K), *L = malloc(n * n * sizeof *L);
	nv_mul(X, 0, X, 1, n, p, n, K);
	nv_mul(Y, 0, Y, 1, n, q, n, L);
	double v = nv_hsic1(K, L, n) / sqrt(nv_hsic1(K, K, n) * nv_hsic1(L, L, n));
	free(K), free(L);
	return v;
}

static int nv_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void nv_rbf(const double *X, size_t n, size_t p, double frac, double *K)
{
	double *v = malloc(n * n * sizeof *v);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0;
			for (size_t k = 0; k < p; k++)
				s += (X[i * p + k] - X[j * p + k]) * (X[i * p + k] - X[j * p + k]);
			K[i * n + j] = v[i * n + j] = s;
		}
	qsort(v, n * n, sizeof *v, nv_cmp);
	size_t m = n * n;
	double med = m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
	for (size_t i = 0; i < m; i++)
		K[i] = exp(-K[i] / (2 * frac * frac * med));
	free(v);
}

static double nv_cka_grams(const double *K, const double *L, size_t n)
{
	double *H = malloc(n * n * sizeof *H), *T = malloc(n * n * sizeof *T);
	double *Kc = malloc(n * n * sizeof *Kc), *Lc = malloc(n * n * sizeof *Lc);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			H[i * n + j] = (i == j) - 1.0 / (double)n;
	nv_mul(H, 0, K, 0, n, n, n, T);
	nv_mul(T, 0, H, 0, n, n, n, Kc);
	nv_mul(H, 0, L, 0, n, n, n, T);
	nv_mul(T, 0, H, 0, n, n, n, Lc);
	double kl = 0, kk = 0, ll = 0;
	for (size_t i = 0; i < n * n; i++) {
		kl += Kc[i] * Lc[i];
		kk += Kc[i] * Kc[i];
		ll += Lc[i] * Lc[i];
	}
	free(H), free(T), free(Kc), free(Lc);
	return kl / sqrt(kk * ll);
}

/* canonical correlations (k = min(p, q), descending) from
 * Sxx^-1/2 Sxy Syy^-1/2; U (p x p) gets the left singular vectors.
 * Full-rank inputs only. */
static void nv_cca(const double *X, size_t n, size_t p, const double *Y, size_t q, double *rho,
		   double *U)
{
	double *Xc = nv_center(X, n, p), *Yc = nv_center(Y, n, q);
	double *Sxx = malloc(p * p * sizeof *Sxx), *Syy = malloc(q * q * sizeof *Syy);
	double *Sxy = malloc(p * q * sizeof *Sxy), *Rx = malloc(p * p * sizeof *Rx);
	double *Ry = malloc(q * q * sizeof *Ry), *T = malloc(p * q * sizeof *T);
	double *M = malloc(p * q * sizeof *M), *MM = malloc(p * p * sizeof *MM);
	double *w = malloc(p * sizeof *w), *V = malloc(p * p * sizeof *V);
	nv_mul(Xc, 1, Xc, 0, p, n, p, Sxx);
	nv_mul(Yc, 1, Yc, 0, q, n, q, Syy);
	nv_mul(Xc, 1, Yc, 0, p, n, q, Sxy);
	nv_inv_sqrt(Sxx, p, Rx);
	nv_inv_sqrt(Syy, q, Ry);
	nv_mul(Rx, 0, Sxy, 0, p, p, q, T);
	nv_mul(T, 0, Ry, 0, p, q, q, M);
	nv_mul(M, 0, M, 1, p, q, p, MM);
	nv_eig(MM, p, w, V);
	size_t k = p < q ? p : q;
	for (size_t i = 0; i < k; i++)
		rho[i] = sqrt(w[i] > 0 ? w[i] : 0);
	if (U)
		memcpy(U, V, p * p * sizeof *U);
	free(Xc), free(Yc), free(Sxx), free(Syy), free(Sxy), free(Rx), free(Ry), free(T), free(M);
	free(MM), free(w), free(V);
}

static double nv_mean(const double *v, size_t k)
{
	double s = 0;
	for (size_t i = 0; i < k; i++)
		s += v[i];
	return s / (double)k;
}

/* PWCCA with p <= q: weights on X's canonical variates Xc Sxx^-1/2 u_i */
static double nv_pwcca(const double *X, size_t n, size_t p, const double *Y, size_t q)
{
	double *rho = malloc(p * sizeof *rho), *U = malloc(p * p * sizeof *U);
	nv_cca(X, n, p, Y, q, rho, U);
	double *Xc = nv_center(X, n, p), *Sxx = malloc(p * p * sizeof *Sxx), *Rx = malloc(p * p * sizeof *Rx);
	double *A = malloc(p * p * sizeof *A), *H = malloc(n * p * sizeof *H);
	nv_mul(Xc, 1, Xc, 0, p, n, p, Sxx);
	nv_inv_sqrt(Sxx, p, Rx);
	nv_mul(Rx, 0, U, 0, p, p, p, A);
	nv_mul(Xc, 0, A, 0, n, p, p, H);
	double num = 0, den = 0;
	for (size_t i = 0; i < p; i++) {
		double nn = 0;
		for (size_t r = 0; r < n; r++)
			nn += H[r * p + i] * H[r * p + i];
		nn = sqrt(nn);
		double a = 0;
		for (size_t j = 0; j < p; j++) {
			double d = 0;
			for (size_t r = 0; r < n; r++)
				d += H[r * p + i] / nn * Xc[r * p + j];
			a += fabs(d);
		}
		num += a * rho[i];
		den += a;
	}
	free(rho), free(U), free(Xc), free(Sxx), free(Rx), free(A), free(H);
	return num / den;
}

/* partial whitening as ll_shape.h states it, into Xw (n x p) */
static void nv_whiten(const double *X, size_t n, size_t p, double alpha, double *Xw)
{
	double *Xc = nv_center(X, n, p);
	if (alpha > 1.0 - 1e-7) {
		memcpy(Xw, Xc, n * p * sizeof *Xw);
		free(Xc);
		return;
	}
	double *G = malloc(p * p * sizeof *G), *V = malloc(p * p * sizeof *V), *w = malloc(p * sizeof *w);
	double *Z = malloc(p * p * sizeof *Z);
	nv_mul(Xc, 1, Xc, 0, p, n, p, G);
	nv_eig(G, p, w, V);
	double tot = 0, nv = 0, lmax = w[0];
	double *d = malloc(p * sizeof *d);
	for (size_t i = 0; i < p; i++) {
		double l = w[i] > 0 ? w[i] : 0, lc = l > 1e-7 * lmax ? l : 1e-7 * lmax;
		d[i] = alpha + (1 - alpha) / sqrt(lc);
		tot += l;
		nv += l * d[i] * d[i];
	}
	for (size_t i = 0; i < p; i++)
		d[i] *= sqrt(tot / nv);
	for (size_t a = 0; a < p; a++)
		for (size_t b = 0; b < p; b++) {
			double s = 0;
			for (size_t k = 0; k < p; k++)
				s += V[a * p + k] * d[k] * V[b * p + k];
			Z[a * p + b] = s;
		}
	nv_mul(Xc, 0, Z, 0, n, p, p, Xw);
	free(Xc), free(G), free(V), free(w), free(Z), free(d);
}

/* closed forms: angular = arccos(||Xw^T Yw||_* / (||Xw|| ||Yw||)),
 * procrustes = sqrt(||Xw||^2 + ||Yw||^2 - 2 ||Xw^T Yw||_*); zero padding
 * adds zero rows or columns to Xw^T Yw, so the nuclear norm is taken from
 * the eigenvalues of the smaller Gram of the unpadded block (the padded
 * Gram's zero eigenvalues come out as +-1e-16, whose square roots would
 * add 1e-8) */
static void nv_shape(const double *X, size_t n, size_t p, const double *Y, size_t q,
		     double alpha, double *ang, double *proc)
{
	size_t k = p < q ? p : q;
	double *Xw = malloc(n * p * sizeof *Xw), *Yw = malloc(n * q * sizeof *Yw);
	nv_whiten(X, n, p, alpha, Xw);
	nv_whiten(Y, n, q, alpha, Yw);
	double *M = malloc(p * q * sizeof *M), *MM = malloc(k * k * sizeof *MM);
	double *V = malloc(k * k * sizeof *V), *w = malloc(k * sizeof *w);
	nv_mul(Xw, 1, Yw, 0, p, n, q, M);
	if (p <= q)
		nv_mul(M, 0, M, 1, p, q, p, MM);
	else
		nv_mul(M, 1, M, 0, q, p, q, MM);
	nv_eig(MM, k, w, V);
	double nuc = 0, xx = 0, yy = 0;
	for (size_t i = 0; i < k; i++)
		nuc += sqrt(w[i] > 0 ? w[i] : 0);
	for (size_t i = 0; i < n * p; i++)
		xx += Xw[i] * Xw[i];
	for (size_t i = 0; i < n * q; i++)
		yy += Yw[i] * Yw[i];
	double c = nuc / sqrt(xx * yy);
	*ang = acos(c > 1 ? 1 : c);
	double d2 = xx + yy - 2 * nuc;
	*proc = sqrt(d2 > 0 ? d2 : 0);
	free(Xw), free(Yw), free(M), free(MM), free(V), free(w);
}

/* ranks with ties averaged, O(m^2) */
static void nv_rank(const double *v, size_t m, double *r)
{
	for (size_t i = 0; i < m; i++) {
		double less = 0, eq = 0;
		for (size_t j = 0; j < m; j++) {
			less += v[j] < v[i];
			eq += v[j] == v[i];
		}
		r[i] = less + (eq + 1) / 2.0;
	}
}

static double nv_pearson(const double *a, const double *b, size_t m)
{
	double ma = nv_mean(a, m), mb = nv_mean(b, m), ab = 0, aa = 0, bb = 0;
	for (size_t i = 0; i < m; i++) {
		ab += (a[i] - ma) * (b[i] - mb);
		aa += (a[i] - ma) * (a[i] - ma);
		bb += (b[i] - mb) * (b[i] - mb);
	}
	return ab / sqrt(aa * bb);
}

static double nv_kendall_a(const double *a, const double *b, size_t m)
{
	double s = 0;
	for (size_t i = 0; i < m; i++)
		for (size_t j = i + 1; j < m; j++) {
			double x = (a[i] > a[j]) - (a[i] < a[j]), y = (b[i] > b[j]) - (b[i] < b[j]);
			s += x * y;
		}
	return s / ((double)m * (double)(m - 1) / 2.0);
}

#endif
