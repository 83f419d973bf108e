/* Unit tests for the tensor layer: dense tensors, unfoldings, Khatri-Rao,
 * Gram, Kruskal tensors and the MTTKRP kernel (fast vs the naive loop). */
#include "base/ll_common.h"
#include "tensor/ll_ktensor.h"
#include "tensor/ll_mttkrp.h"
#include "base/ll_rng.h"
#include "linalg/ll_linalg.h"
#include "tensor/ll_tensor.h"
#include "ll_test.h"

#include <stdint.h>

/* ---- helpers ------------------------------------------------------------ */

static void fill_normal(double *a, size_t n, ll_rng *g)
{
	for (size_t i = 0; i < n; i++)
		a[i] = ll_rng_normal(g);
}

static int rand_tensor(ll_tensor *t, int N, const size_t *dim, uint64_t seed)
{
	ll_rng g;
	if (ll_tensor_init(t, N, dim, NULL) != LL_OK)
		return 0;
	ll_rng_init(&g, seed);
	fill_normal(t->data, t->size, &g);
	return 1;
}

static int rand_ktensor(ll_ktensor *k, int N, const size_t *dim, size_t R, uint64_t seed)
{
	ll_rng g;
	if (ll_ktensor_init(k, N, dim, R, NULL) != LL_OK)
		return 0;
	ll_rng_init(&g, seed);
	for (size_t r = 0; r < R; r++)
		k->lambda[r] = 0.5 + ll_rng_uniform(&g);
	for (int n = 0; n < N; n++)
		fill_normal(k->U[n], dim[n] * R, &g);
	return 1;
}

/* max |a - b| over n entries, relative to max(|b|) (or 1) */
static double max_rel_diff(const double *a, const double *b, size_t n)
{
	double d = 0, s = 0;
	for (size_t i = 0; i < n; i++) {
		if (fabs(a[i] - b[i]) > d || isnan(a[i] - b[i]))
			d = isnan(a[i] - b[i]) ? INFINITY : fabs(a[i] - b[i]);
		if (fabs(b[i]) > s)
			s = fabs(b[i]);
	}
	return d / (s > 1 ? s : 1);
}

/* Element of t at a multi-index, written out independently of the
 * library's odometers. */
static double at(const ll_tensor *t, const size_t *idx)
{
	size_t lin = 0;
	for (int n = 0; n < t->nmodes; n++)
		lin = lin * t->dim[n] + idx[n];
	return t->data[lin];
}

/* Multi-index of linear position lin (last mode fastest). */
static void unlin(const ll_tensor *t, size_t lin, size_t *idx)
{
	for (int n = t->nmodes - 1; n >= 0; n--) {
		idx[n] = lin % t->dim[n];
		lin /= t->dim[n];
	}
}

/* ---- dense tensors ------------------------------------------------------ */

static void test_tensor_init_errors(void)
{
	ll_tensor t;
	ll_err e;
	size_t dim[LL_MAX_MODES + 1] = {2, 3, 4, 2, 2, 2, 2, 2, 2};

	ll_err_clear(&e);
	LL_CHECK_INT(ll_tensor_init(&t, 0, dim, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "modes");
	LL_CHECK(t.data == NULL);
	ll_err_clear(&e);
	LL_CHECK_INT(ll_tensor_init(&t, LL_MAX_MODES + 1, dim, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "1 to 8 modes");
	ll_err_clear(&e);
	size_t zdim[3] = {3, 0, 4};
	LL_CHECK_INT(ll_tensor_init(&t, 3, zdim, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "mode 1 has size 0");
	LL_CHECK(t.data == NULL);
	ll_err_clear(&e);
	size_t big[3] = {SIZE_MAX / 4, 8, 2};
	LL_CHECK_INT(ll_tensor_init(&t, 3, big, &e), LL_ENOMEM);
	LL_CHECK_CONTAINS(e.msg, "overflow");
	/* free on a zeroed or freed tensor is a no-op */
	ll_tensor_free(&t);
	ll_tensor_free(&t);

	/* the limits themselves are fine */
	LL_CHECK_INT(ll_tensor_init(&t, LL_MAX_MODES, dim, &e), LL_OK);
	LL_CHECK_INT(t.size, 2 * 3 * 4 * 2 * 2 * 2 * 2 * 2);
	LL_CHECK(t.data[t.size - 1] == 0.0);
	ll_tensor_free(&t);
	LL_CHECK_INT(ll_tensor_init(&t, 1, dim, &e), LL_OK);
	ll_tensor_free(&t);
}

static void test_tensor_basics(void)
{
	ll_tensor a, b, c;
	size_t dim[3] = {30, 1, 7};
	char buf[64];
	LL_CHECK(rand_tensor(&a, 3, dim, 1));
	LL_CHECK_STR(ll_tensor_shape_str(&a, buf, sizeof buf), "30x1x7");
	LL_CHECK_STR(ll_tensor_shape_str(&a, buf, 4), "30x");
	LL_CHECK_STR(ll_tensor_index_str(&a, 0, buf, sizeof buf), "(0, 0, 0)");
	LL_CHECK_STR(ll_tensor_index_str(&a, 2 * 7 + 5, buf, sizeof buf), "(2, 0, 5)");
	LL_CHECK_STR(ll_tensor_index_str(&a, 2 * 7 + 5, buf, 5), "(2, ");
	LL_CHECK_INT(ll_tensor_copy(&b, &a, NULL), LL_OK);
	LL_CHECK(ll_tensor_same_shape(&a, &b));
	LL_CHECK(memcmp(a.data, b.data, a.size * sizeof(double)) == 0);
	size_t d2[3] = {30, 7, 1};
	LL_CHECK_INT(ll_tensor_init(&c, 3, d2, NULL), LL_OK);
	LL_CHECK(!ll_tensor_same_shape(&a, &c));
	ll_tensor_free(&c);

	double s = 0;
	for (size_t i = 0; i < a.size; i++)
		s += a.data[i] * a.data[i];
	LL_CHECK_NEAR(ll_tensor_norm(&a), sqrt(s), 1e-12 * sqrt(s));
	/* no overflow or underflow for extreme magnitudes */
	for (size_t i = 0; i < b.size; i++)
		b.data[i] = a.data[i] * 1e300;
	LL_CHECK_NEAR(ll_tensor_norm(&b) / 1e300, sqrt(s), 1e-12 * sqrt(s));
	for (size_t i = 0; i < b.size; i++)
		b.data[i] = a.data[i] * 1e-300;
	LL_CHECK_NEAR(ll_tensor_norm(&b) / 1e-300, sqrt(s), 1e-12 * sqrt(s));

	size_t nn, ni;
	ll_tensor_count_nonfinite(&a, &nn, &ni);
	LL_CHECK_INT(nn, 0);
	LL_CHECK_INT(ni, 0);
	a.data[3] = NAN;
	a.data[5] = INFINITY;
	a.data[6] = -INFINITY;
	ll_tensor_count_nonfinite(&a, &nn, &ni);
	LL_CHECK_INT(nn, 1);
	LL_CHECK_INT(ni, 2);
	LL_CHECK(isnan(ll_tensor_norm(&a)));
	a.data[3] = 0;
	LL_CHECK(isinf(ll_tensor_norm(&a)));
	ll_tensor_free(&a);
	ll_tensor_free(&b);
}

/* Kolda & Bader (2009), section 2.4: X is 3x4x2 with frontal slices
 *   X1 = [1 4 7 10; 2 5 8 11; 3 6 9 12], X2 = [13 16 19 22; ...; 15 18 21 24]. */
static void test_kolda_unfold(void)
{
	static const double X1[3][8] = {
		{1, 4, 7, 10, 13, 16, 19, 22},
		{2, 5, 8, 11, 14, 17, 20, 23},
		{3, 6, 9, 12, 15, 18, 21, 24}};
	static const double X2[4][6] = {
		{1, 2, 3, 13, 14, 15},
		{4, 5, 6, 16, 17, 18},
		{7, 8, 9, 19, 20, 21},
		{10, 11, 12, 22, 23, 24}};
	double X3[2][12];
	for (int k = 0; k < 2; k++)
		for (int c = 0; c < 12; c++)
			X3[k][c] = 12 * k + c + 1;
	const double *want[3] = {&X1[0][0], &X2[0][0], &X3[0][0]};

	ll_tensor t, u;
	size_t dim[3] = {3, 4, 2};
	LL_CHECK_INT(ll_tensor_init(&t, 3, dim, NULL), LL_OK);
	/* frontal slice k, row i, column j: X(i,j,k) */
	static const double slice[2][3][4] = {
		{{1, 4, 7, 10}, {2, 5, 8, 11}, {3, 6, 9, 12}},
		{{13, 16, 19, 22}, {14, 17, 20, 23}, {15, 18, 21, 24}}};
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 4; j++)
			for (size_t k = 0; k < 2; k++)
				t.data[(i * 4 + j) * 2 + k] = slice[k][i][j];
	/* in C order the linear layout is not 1..24 */
	LL_CHECK(t.data[1] == 13.0);

	double out[24];
	LL_CHECK_INT(ll_tensor_init(&u, 3, dim, NULL), LL_OK);
	for (int n = 0; n < 3; n++) {
		ll_tensor_unfold(&t, n, out);
		for (int i = 0; i < 24; i++)
			LL_CHECK_MSG(out[i] == want[n][i], "mode %d entry %d: %g vs %g", n, i,
				     out[i], want[n][i]);
		memset(u.data, 0, sizeof out);
		ll_tensor_fold(&u, n, out);
		LL_CHECK(memcmp(u.data, t.data, sizeof out) == 0);
	}
	ll_tensor_free(&t);
	ll_tensor_free(&u);
}

/* Unfold/fold on an odd 5-way shape against the definition. */
static void test_unfold_roundtrip(void)
{
	ll_tensor t, u;
	size_t dim[5] = {3, 1, 4, 2, 5};
	LL_CHECK(rand_tensor(&t, 5, dim, 7));
	LL_CHECK_INT(ll_tensor_init(&u, 5, dim, NULL), LL_OK);
	double *M = malloc(t.size * sizeof *M);
	for (int n = 0; n < 5; n++) {
		size_t ncol = t.size / dim[n], bad = 0;
		ll_tensor_unfold(&t, n, M);
		for (size_t lin = 0; lin < t.size; lin++) {
			size_t idx[5], col = 0, J = 1;
			unlin(&t, lin, idx);
			for (int k = 0; k < 5; k++)
				if (k != n) {
					col += idx[k] * J;
					J *= dim[k];
				}
			bad += M[idx[n] * ncol + col] != at(&t, idx);
		}
		LL_CHECK_INT(bad, 0);
		memset(u.data, 0, t.size * sizeof(double));
		ll_tensor_fold(&u, n, M);
		LL_CHECK(memcmp(u.data, t.data, t.size * sizeof(double)) == 0);
	}
	free(M);
	ll_tensor_free(&t);
	ll_tensor_free(&u);
}

static void test_khatri_rao(void)
{
	ll_rng g;
	size_t nI = 4, nJ = 3, R = 5;
	double A[20], B[15], K[60];
	ll_rng_init(&g, 3);
	fill_normal(A, nI * R, &g);
	fill_normal(B, nJ * R, &g);
	ll_khatri_rao(A, nI, B, nJ, R, K);
	/* column r is kron(a_r, b_r) */
	for (size_t r = 0; r < R; r++)
		for (size_t i = 0; i < nI; i++)
			for (size_t j = 0; j < nJ; j++)
				LL_CHECK(K[(i * nJ + j) * R + r] == A[i * R + r] * B[j * R + r]);
	/* Kolda: X_(0) (C (.) B) for X = [[a, b, c]] of a rank-1 3x4x2 tensor
	 * built in C order equals a * ((c.c)(b.b)): the unfolding convention
	 * and the Khatri-Rao order agree (X_(0) = A (C (.) B)^T) */
	double a[3] = {1, 2, -1}, b[4] = {0.5, 1, 2, 3}, c[2] = {2, -3};
	ll_tensor t;
	size_t dim[3] = {3, 4, 2};
	LL_CHECK_INT(ll_tensor_init(&t, 3, dim, NULL), LL_OK);
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 4; j++)
			for (size_t k = 0; k < 2; k++)
				t.data[(i * 4 + j) * 2 + k] = a[i] * b[j] * c[k];
	double X0[24], CB[8];
	ll_tensor_unfold(&t, 0, X0);
	ll_khatri_rao(c, 2, b, 4, 1, CB);
	for (size_t i = 0; i < 3; i++)
		for (size_t col = 0; col < 8; col++)
			LL_CHECK_NEAR(X0[i * 8 + col], a[i] * CB[col], 1e-15);
	ll_tensor_free(&t);
}

static void test_gram(void)
{
	ll_rng g;
	size_t n = 17, R = 6;
	double U[17 * 6], G[36];
	ll_rng_init(&g, 4);
	fill_normal(U, n * R, &g);
	ll_linalg_gram(U, n, R, G); /* the one Gram function, in linalg */
	for (size_t a = 0; a < R; a++)
		for (size_t b = 0; b < R; b++) {
			double s = 0;
			for (size_t i = 0; i < n; i++)
				s += U[i * R + a] * U[i * R + b];
			LL_CHECK_NEAR(G[a * R + b], s, 1e-12);
			LL_CHECK(G[a * R + b] == G[b * R + a]);
		}
}

/* ---- Kruskal tensors ---------------------------------------------------- */

/* full tensor entry from the definition */
static double kt_entry(const ll_ktensor *k, const size_t *idx)
{
	double s = 0;
	for (size_t r = 0; r < k->rank; r++) {
		double p = k->lambda[r];
		for (int n = 0; n < k->nmodes; n++)
			p *= k->U[n][idx[n] * k->rank + r];
		s += p;
	}
	return s;
}

static void test_ktensor_full_norm(void)
{
	ll_ktensor k;
	ll_tensor t;
	size_t dim[4] = {3, 1, 5, 4};
	LL_CHECK(rand_ktensor(&k, 4, dim, 3, 11));
	LL_CHECK_INT(ll_ktensor_full(&k, &t, NULL), LL_OK);
	size_t bad = 0;
	for (size_t lin = 0; lin < t.size; lin++) {
		size_t idx[4];
		unlin(&t, lin, idx);
		bad += fabs(t.data[lin] - kt_entry(&k, idx)) > 1e-12;
	}
	LL_CHECK_INT(bad, 0);
	double nf = ll_tensor_norm(&t);
	LL_CHECK_NEAR(ll_ktensor_norm2(&k), nf * nf, 1e-10 * nf * nf);
	ll_tensor_free(&t);

	ll_ktensor c;
	LL_CHECK_INT(ll_ktensor_copy(&c, &k, NULL), LL_OK);
	LL_CHECK(c.lambda != k.lambda && c.lambda[2] == k.lambda[2]);
	LL_CHECK(c.U[3][11] == k.U[3][11]);
	ll_ktensor_free(&c);
	ll_ktensor_free(&k);
	ll_ktensor_free(&k); /* no-op */

	ll_err e;
	ll_err_clear(&e);
	LL_CHECK_INT(ll_ktensor_init(&k, 4, dim, 0, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "rank");
	size_t zdim[3] = {2, 3, 0};
	LL_CHECK_INT(ll_ktensor_init(&k, 3, zdim, 2, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "mode 2 has size 0");
	LL_CHECK_INT(ll_ktensor_init(&k, LL_MAX_MODES + 1, dim, 2, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "modes");
}

static double full_diff(const ll_ktensor *k, const ll_tensor *ref)
{
	ll_tensor t;
	if (ll_ktensor_full(k, &t, NULL) != LL_OK)
		return INFINITY;
	double d = max_rel_diff(t.data, ref->data, t.size);
	ll_tensor_free(&t);
	return d;
}

static void test_ktensor_invariants(void)
{
	ll_ktensor k;
	ll_tensor ref;
	size_t dim[3] = {6, 5, 4}, R = 4;
	LL_CHECK(rand_ktensor(&k, 3, dim, R, 12));
	LL_CHECK_INT(ll_ktensor_full(&k, &ref, NULL), LL_OK);

	ll_ktensor_normalize(&k);
	LL_CHECK(full_diff(&k, &ref) < 1e-12);
	for (int n = 0; n < 3; n++)
		for (size_t r = 0; r < R; r++) {
			double s = 0;
			for (size_t i = 0; i < dim[n]; i++)
				s += k.U[n][i * R + r] * k.U[n][i * R + r];
			LL_CHECK_NEAR(s, 1.0, 1e-12);
		}

	ll_ktensor_arrange(&k);
	LL_CHECK(full_diff(&k, &ref) < 1e-12);
	for (size_t r = 1; r < R; r++)
		LL_CHECK(k.lambda[r - 1] >= k.lambda[r]);

	size_t perm[4] = {2, 0, 3, 1};
	double l2 = k.lambda[2];
	LL_CHECK_INT(ll_ktensor_permute(&k, perm, NULL), LL_OK);
	LL_CHECK(k.lambda[0] == l2);
	LL_CHECK(full_diff(&k, &ref) < 1e-12);

	ll_err e;
	size_t dup[4] = {0, 1, 1, 2}, big[4] = {0, 1, 2, 4};
	ll_err_clear(&e);
	LL_CHECK_INT(ll_ktensor_permute(&k, dup, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "permutation");
	LL_CHECK_INT(ll_ktensor_permute(&k, big, &e), LL_EINVAL);
	LL_CHECK(full_diff(&k, &ref) < 1e-12); /* untouched on error */

	/* make some largest entries negative, then fix */
	for (size_t i = 0; i < dim[0]; i++)
		k.U[0][i * R + 1] = -k.U[0][i * R + 1];
	for (size_t i = 0; i < dim[2]; i++)
		k.U[2][i * R + 1] = -k.U[2][i * R + 1];
	ll_ktensor_fix_signs(&k);
	LL_CHECK(full_diff(&k, &ref) < 1e-12);
	for (int n = 0; n < 2; n++)
		for (size_t r = 0; r < R; r++) {
			double best = 0;
			for (size_t i = 0; i < dim[n]; i++)
				if (fabs(k.U[n][i * R + r]) > fabs(best))
					best = k.U[n][i * R + r];
			LL_CHECK(best > 0);
		}

	/* a zero column: lambda 0, column stays zero, nothing NaN */
	for (size_t i = 0; i < dim[1]; i++)
		k.U[1][i * R + 3] = 0;
	ll_ktensor_normalize(&k);
	LL_CHECK(k.lambda[3] == 0.0);
	LL_CHECK(!isnan(ll_ktensor_norm2(&k)));
	ll_tensor_free(&ref);
	ll_ktensor_free(&k);
}

/* ---- MTTKRP ------------------------------------------------------------- */

/* error bound scale: the naive MTTKRP of |X| with |U| */
static void abs_scale(const ll_tensor *X, double *const *U, size_t R, int mode, double *out)
{
	ll_tensor A;
	double *AU[LL_MAX_MODES] = {0};
	if (ll_tensor_copy(&A, X, NULL) != LL_OK)
		return;
	for (size_t i = 0; i < A.size; i++)
		A.data[i] = fabs(A.data[i]);
	for (int n = 0; n < X->nmodes; n++) {
		AU[n] = malloc(X->dim[n] * R * sizeof(double));
		for (size_t i = 0; i < X->dim[n] * R; i++)
			AU[n][i] = fabs(U[n][i]);
	}
	ll_mttkrp_naive(&A, AU, R, mode, out);
	for (int n = 0; n < X->nmodes; n++)
		free(AU[n]);
	ll_tensor_free(&A);
}

/* fast vs naive for one call: max error relative to the abs-scale bound */
static double mttkrp_err(ll_mttkrp_ws *ws, const ll_tensor *X, double *const *U,
			 size_t R, int mode)
{
	size_t n = X->dim[mode] * R;
	double *f = malloc(n * sizeof *f), *s = malloc(n * sizeof *s);
	double *sc = malloc(n * sizeof *sc), worst = 0;
	int rc = ll_mttkrp(ws, X, U, R, mode, f, NULL);
	ll_mttkrp_naive(X, U, R, mode, s);
	abs_scale(X, U, R, mode, sc);
	for (size_t i = 0; i < n; i++) {
		double e = fabs(f[i] - s[i]) / (sc[i] > 1e-300 ? sc[i] : 1e-300);
		if (!(e <= worst))
			worst = e;
	}
	free(f);
	free(s);
	free(sc);
	return rc == LL_OK ? worst : INFINITY;
}

typedef struct {
	ll_tensor X;
	double *U[LL_MAX_MODES];
	size_t R;
} case_t;

static int case_init(case_t *c, int N, const size_t *dim, size_t R, uint64_t seed)
{
	ll_rng g;
	memset(c, 0, sizeof *c);
	if (!rand_tensor(&c->X, N, dim, seed))
		return 0;
	ll_rng_init(&g, seed + 1000);
	for (int n = 0; n < N; n++) {
		c->U[n] = malloc(dim[n] * R * sizeof(double));
		fill_normal(c->U[n], dim[n] * R, &g);
	}
	c->R = R;
	return 1;
}

static void case_free(case_t *c)
{
	for (int n = 0; n < c->X.nmodes; n++)
		free(c->U[n]);
	ll_tensor_free(&c->X);
}

/* every mode of every shape, fresh workspace each time (no reuse) */
static void check_shapes(void)
{
	static const size_t shapes[][LL_MAX_MODES + 1] = {
		/* N, dims... */
		{2, 7, 5}, {2, 1, 9}, {2, 13, 1}, {2, 300, 41},
		{3, 3, 4, 2}, {3, 1, 1, 1}, {3, 5, 1, 7}, {3, 17, 23, 3}, {3, 2, 600, 5},
		{4, 3, 1, 5, 7}, {4, 30, 10, 20, 20}, {4, 1, 6, 1, 9}, {4, 2, 3, 2, 211},
		{5, 2, 3, 1, 4, 5}, {5, 4, 4, 4, 4, 4}, {5, 1, 7, 2, 1, 3},
		{6, 2, 3, 2, 3, 2, 3}, {8, 2, 2, 3, 2, 2, 1, 2, 3},
	};
	static const size_t ranks[] = {1, 3, 8, 10, 13, 37};
	int ns = (int)(sizeof shapes / sizeof shapes[0]);
	for (int s = 0; s < ns; s++) {
		int N = (int)shapes[s][0];
		size_t P = 1;
		for (int n = 0; n < N; n++)
			P *= shapes[s][1 + n];
		for (size_t ri = 0; ri < sizeof ranks / sizeof ranks[0]; ri++) {
			size_t R = ranks[ri];
			if (P * R > 3000000) /* keep the naive loop quick */
				continue;
			case_t c;
			LL_CHECK(case_init(&c, N, &shapes[s][1], R, (uint64_t)(100 * s + ri)));
			ll_mttkrp_ws *ws = ll_mttkrp_ws_new(&c.X, R, NULL);
			LL_CHECK(ws != NULL);
			for (int m = 0; ws && m < N; m++) {
				ll_mttkrp_ws_reset(ws);
				double e = mttkrp_err(ws, &c.X, c.U, R, m);
				LL_CHECK_MSG(e < 1e-10, "shape %d (N=%d) R=%zu mode %d: err %g",
					     s, N, R, m, e);
			}
			ll_mttkrp_ws_free(ws);
			case_free(&c);
		}
	}
}

static void test_mttkrp_vs_naive(void)
{
	check_shapes();
}

/* the same with the portable C kernels and with the AVX2 ones */
static void test_mttkrp_kernels(void)
{
	setenv("LL_MTTKRP_KERNEL", "generic", 1);
	check_shapes();
	setenv("LL_MTTKRP_KERNEL", "avx2", 1);
	check_shapes();
	unsetenv("LL_MTTKRP_KERNEL");
}

/* one mode and vectors */
static void test_mttkrp_one_mode(void)
{
	case_t c;
	size_t dim[1] = {6};
	LL_CHECK(case_init(&c, 1, dim, 3, 5));
	ll_mttkrp_ws *ws = ll_mttkrp_ws_new(&c.X, 3, NULL);
	LL_CHECK(ws != NULL);
	LL_CHECK(mttkrp_err(ws, &c.X, c.U, 3, 0) < 1e-15);
	ll_mttkrp_ws_free(ws);
	case_free(&c);
}

/* A simulated ALS sweep: after each mode, overwrite U[n] with new values;
 * several sweeps in order, then out-of-order calls, a smaller R and a
 * reset after changing several factors at once. */
static void sweep_case(int N, const size_t *dim, size_t R, uint64_t seed)
{
	case_t c;
	ll_rng g;
	LL_CHECK(case_init(&c, N, dim, R, seed));
	ll_rng_init(&g, seed + 7);
	ll_mttkrp_ws *ws = ll_mttkrp_ws_new(&c.X, R, NULL);
	LL_CHECK(ws != NULL);
	if (!ws) {
		case_free(&c);
		return;
	}
	for (int sweep = 0; sweep < 3; sweep++)
		for (int m = 0; m < N; m++) {
			double e = mttkrp_err(ws, &c.X, c.U, R, m);
			LL_CHECK_MSG(e < 1e-10, "N=%d R=%zu sweep %d mode %d: err %g", N, R,
				     sweep, m, e);
			fill_normal(c.U[m], dim[m] * R, &g);
		}
	/* out of order: backwards, repeats, jumps, each after an update */
	int order[] = {3, 2, 2, 0, 1, 4, 1, 2, 0, 0, 4, 3};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		int m = order[i] % N;
		double e = mttkrp_err(ws, &c.X, c.U, R, m);
		LL_CHECK_MSG(e < 1e-10, "N=%d R=%zu out-of-order call %zu (mode %d): err %g",
			     N, R, i, m, e);
		fill_normal(c.U[m], dim[m] * R, &g);
	}
	/* fewer columns than the workspace holds, in order: the first R-1
	 * columns of each factor as an (R-1)-column matrix */
	if (R > 1) {
		double *V[LL_MAX_MODES];
		for (int n = 0; n < N; n++) {
			V[n] = malloc(dim[n] * (R - 1) * sizeof(double));
			for (size_t i = 0; i < dim[n]; i++)
				memcpy(V[n] + i * (R - 1), c.U[n] + i * R, (R - 1) * sizeof(double));
		}
		for (int m = 0; m < N; m++) {
			double e = mttkrp_err(ws, &c.X, V, R - 1, m);
			LL_CHECK_MSG(e < 1e-10, "N=%d R-1=%zu mode %d: err %g", N, R - 1, m, e);
			fill_normal(V[m], dim[m] * (R - 1), &g);
		}
		for (int n = 0; n < N; n++)
			free(V[n]);
	}
	/* mid-sweep restart: change all factors, reset, continue in order */
	for (int m = 0; m < N; m++) {
		double e = mttkrp_err(ws, &c.X, c.U, R, m);
		LL_CHECK(e < 1e-10);
		if (m == N / 2) {
			for (int n = 0; n < N; n++)
				fill_normal(c.U[n], dim[n] * R, &g);
			ll_mttkrp_ws_reset(ws);
		} else {
			fill_normal(c.U[m], dim[m] * R, &g);
		}
	}
	/* another set of factors (other pointers, same R) in sweep order is
	 * recomputed, not served from the first set's partial products */
	{
		double *W[LL_MAX_MODES];
		for (int n = 0; n < N; n++) {
			W[n] = malloc(dim[n] * R * sizeof(double));
			fill_normal(W[n], dim[n] * R, &g);
		}
		for (int m = 0; m < N; m++) {
			double e = mttkrp_err(ws, &c.X, m % 2 ? W : c.U, R, m);
			LL_CHECK_MSG(e < 1e-10, "N=%d R=%zu other factors, mode %d: err %g", N, R, m, e);
		}
		for (int n = 0; n < N; n++)
			free(W[n]);
	}
	/* the same data under another pointer (a copy of X) is recomputed */
	ll_tensor X2;
	LL_CHECK_INT(ll_tensor_copy(&X2, &c.X, NULL), LL_OK);
	for (size_t i = 0; i < X2.size; i++)
		X2.data[i] *= 2;
	for (int m = 0; m < N; m++) {
		double e = mttkrp_err(ws, m % 2 ? &X2 : &c.X, c.U, R, m);
		LL_CHECK(e < 1e-10);
		fill_normal(c.U[m], dim[m] * R, &g);
	}
	ll_tensor_free(&X2);
	ll_mttkrp_ws_free(ws);
	case_free(&c);
}

static void test_mttkrp_sweep(void)
{
	size_t d2[2] = {9, 14}, d3[3] = {7, 1, 12}, d4[4] = {6, 5, 8, 9};
	size_t d5[5] = {3, 4, 1, 5, 6}, d6[6] = {2, 3, 4, 3, 2, 5};
	sweep_case(2, d2, 5, 1);
	sweep_case(3, d3, 8, 2);
	sweep_case(4, d4, 10, 3);
	sweep_case(4, d4, 3, 4);
	sweep_case(5, d5, 7, 5);
	sweep_case(6, d6, 4, 6);
}

/* Stacked replicates: R = 10 replicates x rank 8 = 80 columns, and the
 * result is column-separable (each replicate's block equals its own
 * MTTKRP).  Large enough to run the threaded paths. */
static void test_mttkrp_stacked(void)
{
	size_t dim[4] = {12, 5, 20, 24}, R = 80, rk = 8;
	case_t c;
	LL_CHECK(case_init(&c, 4, dim, R, 77));
	ll_mttkrp_ws *ws = ll_mttkrp_ws_new(&c.X, R, NULL);
	ll_mttkrp_ws *w1 = ll_mttkrp_ws_new(&c.X, rk, NULL);
	LL_CHECK(ws && w1);
	double *V[4];
	for (int n = 0; n < 4; n++)
		V[n] = malloc(dim[n] * rk * sizeof(double));
	size_t maxd = 24;
	double *big = malloc(maxd * R * sizeof(double)), *one = malloc(maxd * rk * sizeof(double));
	for (int m = 0; ws && w1 && m < 4; m++) {
		LL_CHECK(mttkrp_err(ws, &c.X, c.U, R, m) < 1e-10);
		/* replicate 3's block */
		for (int n = 0; n < 4; n++)
			for (size_t i = 0; i < dim[n]; i++)
				memcpy(V[n] + i * rk, c.U[n] + i * R + 3 * rk, rk * sizeof(double));
		LL_CHECK_INT(ll_mttkrp(ws, &c.X, c.U, R, m, big, NULL), LL_OK);
		LL_CHECK_INT(ll_mttkrp(w1, &c.X, V, rk, m, one, NULL), LL_OK);
		double d = 0;
		for (size_t i = 0; i < dim[m]; i++)
			for (size_t r = 0; r < rk; r++) {
				double a = big[i * R + 3 * rk + r], b = one[i * rk + r];
				if (fabs(a - b) > d)
					d = fabs(a - b);
			}
		LL_CHECK(d < 1e-9);
	}
	for (int n = 0; n < 4; n++)
		free(V[n]);
	free(big);
	free(one);
	ll_mttkrp_ws_free(ws);
	ll_mttkrp_ws_free(w1);
	case_free(&c);
}

/* shapes that make the threaded passes split rows or columns privately */
static void test_mttkrp_lopsided(void)
{
	size_t a[2] = {2, 20000}, b[2] = {20000, 3}, c3[3] = {1, 5000, 1}, d[3] = {3000, 1, 7};
	const size_t *shapes[4] = {a, b, c3, d};
	int nm[4] = {2, 2, 3, 3};
	for (int s = 0; s < 4; s++) {
		case_t c;
		LL_CHECK(case_init(&c, nm[s], shapes[s], 6, 300 + (uint64_t)s));
		ll_mttkrp_ws *ws = ll_mttkrp_ws_new(&c.X, 6, NULL);
		for (int m = 0; ws && m < nm[s]; m++)
			LL_CHECK_MSG(mttkrp_err(ws, &c.X, c.U, 6, m) < 1e-10, "shape %d mode %d", s, m);
		ll_mttkrp_ws_free(ws);
		case_free(&c);
	}
}

static void test_mttkrp_errors(void)
{
	case_t c;
	ll_err e;
	size_t dim[3] = {4, 3, 5}, dim2[3] = {4, 5, 3};
	double out[5 * 4];
	LL_CHECK(case_init(&c, 3, dim, 4, 9));

	ll_err_clear(&e);
	LL_CHECK(ll_mttkrp_ws_new(&c.X, 0, &e) == NULL);
	LL_CHECK_INT(e.code, LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "R must be at least 1");
	ll_err_clear(&e);
	LL_CHECK(ll_mttkrp_ws_new(NULL, 4, &e) == NULL);
	LL_CHECK_INT(e.code, LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "no tensor");

	ll_mttkrp_ws *ws = ll_mttkrp_ws_new(&c.X, 4, &e);
	LL_CHECK(ws != NULL);
	ll_err_clear(&e);
	LL_CHECK_INT(ll_mttkrp(ws, &c.X, c.U, 5, 0, out, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "R = 5 outside 1..4");
	LL_CHECK_INT(ll_mttkrp(ws, &c.X, c.U, 0, 0, out, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "R = 0");
	LL_CHECK_INT(ll_mttkrp(ws, &c.X, c.U, 4, 3, out, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "mode 3 out of range 0..2");
	LL_CHECK_INT(ll_mttkrp(ws, &c.X, c.U, 4, -1, out, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "mode -1");
	LL_CHECK_INT(ll_mttkrp(ws, &c.X, c.U, 4, 0, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "missing");
	double *keep = c.U[2];
	c.U[2] = NULL;
	LL_CHECK_INT(ll_mttkrp(ws, &c.X, c.U, 4, 0, out, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "factor of mode 2 is NULL");
	/* the mode's own factor is not read and may be NULL */
	LL_CHECK_INT(ll_mttkrp(ws, &c.X, c.U, 4, 2, out, &e), LL_OK);
	c.U[2] = keep;

	ll_tensor Y;
	LL_CHECK_INT(ll_tensor_init(&Y, 3, dim2, NULL), LL_OK);
	LL_CHECK_INT(ll_mttkrp(ws, &Y, c.U, 4, 0, out, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "shape differs");
	ll_tensor_free(&Y);
	/* after errors, the workspace still gives right answers */
	LL_CHECK(mttkrp_err(ws, &c.X, c.U, 4, 1) < 1e-10);
	ll_mttkrp_ws_free(ws);
	ll_mttkrp_ws_free(NULL);
	ll_mttkrp_ws_reset(NULL);
	case_free(&c);
}

int main(void)
{
	LL_RUN(test_tensor_init_errors);
	LL_RUN(test_tensor_basics);
	LL_RUN(test_kolda_unfold);
	LL_RUN(test_unfold_roundtrip);
	LL_RUN(test_khatri_rao);
	LL_RUN(test_gram);
	LL_RUN(test_ktensor_full_norm);
	LL_RUN(test_ktensor_invariants);
	LL_RUN(test_mttkrp_vs_naive);
	LL_RUN(test_mttkrp_kernels);
	LL_RUN(test_mttkrp_one_mode);
	LL_RUN(test_mttkrp_sweep);
	LL_RUN(test_mttkrp_stacked);
	LL_RUN(test_mttkrp_lopsided);
	LL_RUN(test_mttkrp_errors);
	return ll_test_done();
}
