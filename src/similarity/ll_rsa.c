/* RDMs and their comparison.  Definitions: ll_rsa.h. */
#include "similarity/ll_rsa.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "similarity/ll_simutil.h"

static const char *const rdm_names[] = {LL_RDM_KINDS(LL_ENUM_NAME)};
static const char *const by_names[] = {LL_RSA_COMPARATORS(LL_ENUM_NAME)};

const char *ll_rdm_kind_name(ll_rdm_kind k)
{
	return (unsigned)k < LL_ENUM_N(LL_RDM_KINDS) ? rdm_names[k] : "?";
}

const char *ll_rsa_by_name(ll_rsa_by b)
{
	return (unsigned)b < LL_ENUM_N(LL_RSA_COMPARATORS) ? by_names[b] : "?";
}

int ll_rdm_kind_parse(const char *s)
{
	return ll_name_lookup(rdm_names, LL_ENUM_N(LL_RDM_KINDS), s);
}

int ll_rsa_by_parse(const char *s)
{
	return ll_name_lookup(by_names, LL_ENUM_N(LL_RSA_COMPARATORS), s);
}

int ll_rdm(const double *X, size_t n, size_t p, ll_rdm_kind kind, const char *name, double *d,
	   ll_err *err)
{
	int rc = ll_sim_check_shape(n, p, 3, name, err);
	if (rc != LL_OK)
		return rc;
	if (kind == LL_RDM_EUCLIDEAN) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++) {
				const double *a = X + i * p, *b = X + j * p;
				double s = 0.0;
				for (size_t c = 0; c < p; c++)
					s += (a[c] - b[c]) * (a[c] - b[c]);
				d[k++] = sqrt(s);
			}
		return LL_OK;
	}
	if (kind != LL_RDM_CORRELATION && kind != LL_RDM_COSINE)
		return ll_err_set(err, LL_EINVAL, "RSA: unknown RDM kind %d", (int)kind);
	/* normalised patterns */
	double *Z = ll_malloc_array(n * p, sizeof *Z);
	if (!Z)
		return ll_err_oom(err);
	memcpy(Z, X, n * p * sizeof *Z);
	for (size_t i = 0; i < n; i++) {
		double *z = Z + i * p;
		if (kind == LL_RDM_CORRELATION) {
			double mu = 0.0;
			for (size_t c = 0; c < p; c++)
				mu += z[c];
			mu /= (double)p;
			for (size_t c = 0; c < p; c++)
				z[c] -= mu;
		}
		double nn = sqrt(ll_sim_sumsq(z, p));
		if (!(nn > 0.0)) {
			ll_free(Z);
			return ll_err_set(err, LL_ENUMERIC,
					  kind == LL_RDM_CORRELATION
						  ? "%s: condition %zu has the same value in every unit, so its correlation distance is undefined (use --rdm euclidean)"
						  : "%s: condition %zu is all zeros, so its cosine distance is undefined (use --rdm euclidean)",
					  name, i);
		}
		for (size_t c = 0; c < p; c++)
			z[c] /= nn;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			const double *a = Z + i * p, *b = Z + j * p;
			double s = 0.0;
			for (size_t c = 0; c < p; c++)
				s += a[c] * b[c];
			d[k++] = 1.0 - s;
		}
	ll_free(Z);
	return LL_OK;
}

/* ---- ranks and correlations -------------------------------------------------- */

typedef struct ival {
	double v;
	size_t i;
} ival;

static int cmp_ival(const void *a, const void *b)
{
	const ival *x = a, *y = b;
	if (x->v < y->v)
		return -1;
	if (x->v > y->v)
		return 1;
	return (x->i > y->i) - (x->i < y->i);
}

int ll_rank_average(const double *v, size_t m, double *rank, ll_err *err)
{
	ival *t = ll_malloc_array(m, sizeof *t);
	if (!t)
		return ll_err_oom(err);
	for (size_t i = 0; i < m; i++) {
		t[i].v = v[i];
		t[i].i = i;
	}
	qsort(t, m, sizeof *t, cmp_ival);
	for (size_t a = 0; a < m;) {
		size_t b = a + 1;
		while (b < m && t[b].v == t[a].v)
			b++;
		double r = 0.5 * (double)(a + 1 + b); /* mean of ranks a+1..b */
		for (size_t c = a; c < b; c++)
			rank[t[c].i] = r;
		a = b;
	}
	ll_free(t);
	return LL_OK;
}

static int pearson(const double *a, const double *b, size_t m, double *r, ll_err *err)
{
	double ma = 0.0, mb = 0.0;
	for (size_t i = 0; i < m; i++) {
		ma += a[i];
		mb += b[i];
	}
	ma /= (double)m;
	mb /= (double)m;
	double sab = 0.0, saa = 0.0, sbb = 0.0;
	for (size_t i = 0; i < m; i++) {
		double x = a[i] - ma, y = b[i] - mb;
		sab += x * y;
		saa += x * x;
		sbb += y * y;
	}
	if (!(saa > 0.0) || !(sbb > 0.0))
		return ll_err_set(err, LL_ENUMERIC,
				  "RSA: the RDM of %s is constant (every pair of conditions equally far apart), so its correlation is undefined",
				  !(saa > 0.0) ? "X" : "Y");
	double v = sab / sqrt(saa * sbb);
	*r = v > 1.0 ? 1.0 : (v < -1.0 ? -1.0 : v);
	return LL_OK;
}

/* pairs tied within sorted runs of v (by value) */
static double tied_pairs(const ival *t, size_t m)
{
	double s = 0.0;
	for (size_t a = 0; a < m;) {
		size_t b = a + 1;
		while (b < m && t[b].v == t[a].v)
			b++;
		double k = (double)(b - a);
		s += k * (k - 1.0) / 2.0;
		a = b;
	}
	return s;
}

/* merge sort y[lo..hi) ascending, counting the exchanges (pairs i < j with
 * y[i] > y[j]) */
static double merge_count(double *y, double *tmp, size_t lo, size_t hi)
{
	if (hi - lo < 2)
		return 0.0;
	size_t mid = lo + (hi - lo) / 2;
	double s = merge_count(y, tmp, lo, mid) + merge_count(y, tmp, mid, hi);
	size_t i = lo, j = mid, k = lo;
	while (i < mid && j < hi) {
		if (y[j] < y[i]) {
			s += (double)(mid - i);
			tmp[k++] = y[j++];
		} else {
			tmp[k++] = y[i++];
		}
	}
	while (i < mid)
		tmp[k++] = y[i++];
	while (j < hi)
		tmp[k++] = y[j++];
	memcpy(y + lo, tmp + lo, (hi - lo) * sizeof *y);
	return s;
}

typedef struct pair2 {
	double x, y;
} pair2;

static int cmp_pair2(const void *a, const void *b)
{
	const pair2 *u = a, *v = b;
	if (u->x != v->x)
		return u->x < v->x ? -1 : 1;
	if (u->y != v->y)
		return u->y < v->y ? -1 : 1;
	return 0;
}

int ll_kendall_tau_a(const double *a, const double *b, size_t m, double *tau, ll_err *err)
{
	*tau = NAN;
	if (m < 2)
		return LL_OK;
	pair2 *P = ll_malloc_array(m, sizeof *P);
	double *y = ll_malloc_array(m, sizeof *y), *tmp = ll_malloc_array(m, sizeof *tmp);
	ival *t = ll_malloc_array(m, sizeof *t);
	if (!P || !y || !tmp || !t) {
		ll_free(P);
		ll_free(y);
		ll_free(tmp);
		ll_free(t);
		return ll_err_oom(err);
	}
	for (size_t i = 0; i < m; i++) {
		P[i].x = a[i];
		P[i].y = b[i];
	}
	qsort(P, m, sizeof *P, cmp_pair2);
	/* n1: pairs tied in x; n3: tied in both */
	double n1 = 0.0, n3 = 0.0;
	for (size_t s = 0; s < m;) {
		size_t e = s + 1;
		while (e < m && P[e].x == P[s].x)
			e++;
		double k = (double)(e - s);
		n1 += k * (k - 1.0) / 2.0;
		for (size_t u = s; u < e;) {
			size_t w = u + 1;
			while (w < e && P[w].y == P[u].y)
				w++;
			double kk = (double)(w - u);
			n3 += kk * (kk - 1.0) / 2.0;
			u = w;
		}
		s = e;
	}
	for (size_t i = 0; i < m; i++)
		y[i] = P[i].y;
	double swaps = merge_count(y, tmp, 0, m);
	for (size_t i = 0; i < m; i++) {
		t[i].v = y[i];
		t[i].i = i;
	}
	double n2 = tied_pairs(t, m); /* y is sorted now */
	double n0 = (double)m * (double)(m - 1) / 2.0;
	/* concordant - discordant = n0 - n1 - n2 + n3 - 2 swaps */
	*tau = (n0 - n1 - n2 + n3 - 2.0 * swaps) / n0;
	ll_free(P);
	ll_free(y);
	ll_free(tmp);
	ll_free(t);
	return LL_OK;
}

static int is_constant(const double *v, size_t m)
{
	for (size_t i = 1; i < m; i++)
		if (v[i] != v[0])
			return 0;
	return 1;
}

int ll_rsa_compare(const double *a, const double *b, size_t m, ll_rsa_by by, double *r,
		   ll_err *err)
{
	*r = NAN;
	if (m < 2)
		return ll_err_set(err, LL_ESHAPE, "RSA: %zu pairs of conditions; at least 2 needed", m);
	if (is_constant(a, m) || is_constant(b, m))
		return ll_err_set(err, LL_ENUMERIC,
				  "RSA: the RDM of %s is constant (every pair of conditions equally far apart), so its correlation is undefined",
				  is_constant(a, m) ? "X" : "Y");
	switch (by) {
	case LL_RSA_PEARSON:
		return pearson(a, b, m, r, err);
	case LL_RSA_KENDALL:
		return ll_kendall_tau_a(a, b, m, r, err);
	case LL_RSA_SPEARMAN: {
		double *ra = ll_malloc_array(m, sizeof *ra), *rb = ll_malloc_array(m, sizeof *rb);
		int rc = (!ra || !rb) ? ll_err_oom(err) : LL_OK;
		if (rc == LL_OK)
			rc = ll_rank_average(a, m, ra, err);
		if (rc == LL_OK)
			rc = ll_rank_average(b, m, rb, err);
		if (rc == LL_OK)
			rc = pearson(ra, rb, m, r, err);
		ll_free(ra);
		ll_free(rb);
		return rc;
	}
	}
	return ll_err_set(err, LL_EINVAL, "RSA: unknown comparator %d", (int)by);
}

int ll_rsa(const double *X, size_t n, size_t p, const double *Y, size_t q, ll_rdm_kind kind,
	   ll_rsa_by by, double *r, ll_err *err)
{
	*r = NAN;
	int rc = ll_sim_check_shape(n, p, 3, "X", err);
	if (rc == LL_OK)
		rc = ll_sim_check_shape(n, q, 3, "Y", err);
	if (rc != LL_OK)
		return rc;
	size_t m = n * (n - 1) / 2;
	double *a = ll_malloc_array(m, sizeof *a), *b = ll_malloc_array(m, sizeof *b);
	if (!a || !b)
		rc = ll_err_oom(err);
	if (rc == LL_OK)
		rc = ll_rdm(X, n, p, kind, "X", a, err);
	if (rc == LL_OK)
		rc = ll_rdm(Y, n, q, kind, "Y", b, err);
	if (rc == LL_OK)
		rc = ll_rsa_compare(a, b, m, by, r, err);
	ll_free(a);
	ll_free(b);
	return rc;
}
