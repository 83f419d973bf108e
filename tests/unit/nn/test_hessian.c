/* Tests for the MLP Hessian (src/nn/ll_hessian.h): the R-operator's
 * Hessian-vector products against central differences of a naive
 * double-precision gradient written here and of ll_mlp_gradient, the
 * explicit Hessian of tiny nets, Lanczos against LAPACK's full
 * eigendecomposition, Hutchinson against the exact trace, stochastic
 * Lanczos quadrature's weights and moments, determinism, bad input and
 * failing allocations. */
#include "base/ll_common.h"
#include "base/ll_rng.h"
#include "nn/ll_hessian.h"
#include "nn/ll_mlp.h"
#include "ll_failalloc.h"
#include "ll_test.h"

#include <cblas.h>
#include <lapacke.h>
#include <stdint.h>

#ifdef _OPENMP
#include <omp.h>
#else
static void omp_set_num_threads(int n) { (void)n; }
#endif

/* ---- a tiny net with random, non-trivial parameters and data ---- */

typedef struct tiny {
	ll_mlp net;
	float *X;
	unsigned char *y;
	size_t n;
} tiny;

/* zero_frac of the inputs set to 0: above 1 - LL_HESSIAN_SPARSE the
 * operator takes its sparse path */
static int tiny_make(tiny *t, size_t n_in, size_t h1, size_t h2, size_t n_out, ll_mlp_act act, size_t n,
		     uint64_t seed, double zero_frac)
{
	ll_mlp_config c;
	ll_mlp_config_default(&c);
	c.n_in = n_in;
	c.hidden[0] = h1;
	c.hidden[1] = h2;
	c.n_out = n_out;
	c.act = act;
	c.seed = seed;
	memset(t, 0, sizeof *t);
	if (ll_mlp_init(&t->net, &c, NULL) != LL_OK)
		return 0;
	ll_rng r;
	ll_rng_init(&r, seed * 31 + 5);
	/* weights of scale ~1.3 / sqrt(fan-in) and biases away from zero, so
	 * curvature is not tiny and every block of H is exercised */
	for (size_t l = 0; l < t->net.nlayers; l++) {
		size_t fi = t->net.size[l], fo = t->net.size[l + 1];
		for (size_t j = 0; j < fi * fo; j++)
			t->net.W[l][j] = (float)(1.3 * ll_rng_normal(&r) / sqrt((double)fi));
		for (size_t j = 0; j < fo; j++)
			t->net.b[l][j] = (float)(0.3 * ll_rng_normal(&r));
	}
	t->n = n;
	t->X = malloc(n * n_in * sizeof *t->X);
	t->y = malloc(n);
	for (size_t j = 0; j < n * n_in; j++) {
		t->X[j] = (float)(2.0 * ll_rng_uniform(&r) - 0.5);
		if (ll_rng_uniform(&r) < zero_frac)
			t->X[j] = 0.0f;
	}
	for (size_t i = 0; i < n; i++)
		t->y[i] = (unsigned char)ll_rng_below(&r, n_out);
	return 1;
}

static void tiny_free(tiny *t)
{
	ll_mlp_free(&t->net);
	free(t->X);
	free(t->y);
}

/* ---- an independent gold gradient: one example at a time, plain loops,
 * in double, for parameters p in ll_mlp's layout ---- */

static void gold_grad(const ll_mlp *net, const double *p, const float *X, const unsigned char *y, size_t n,
		      double *g, double *loss_out)
{
	size_t L = net->nlayers, off[4] = {0}, boff[4] = {0}, o = 0;
	for (size_t l = 0; l < L; l++) {
		off[l] = o;
		o += net->size[l] * net->size[l + 1];
		boff[l] = o;
		o += net->size[l + 1];
	}
	double *a[4], *delta[4], loss = 0.0;
	for (size_t l = 0; l <= L; l++) {
		a[l] = malloc(net->size[l] * sizeof(double));
		delta[l] = malloc(net->size[l] * sizeof(double));
	}
	memset(g, 0, net->nparams * sizeof *g);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < net->size[0]; k++)
			a[0][k] = X[i * net->size[0] + k];
		for (size_t l = 0; l < L; l++) {
			size_t fi = net->size[l], fo = net->size[l + 1];
			for (size_t u = 0; u < fo; u++) {
				double s = p[boff[l] + u];
				for (size_t k = 0; k < fi; k++)
					s += p[off[l] + u * fi + k] * a[l][k];
				if (l + 1 < L)
					s = net->cfg.act == LL_MLP_RELU ? (s > 0 ? s : 0) : tanh(s);
				a[l + 1][u] = s;
			}
		}
		size_t K = net->size[L];
		double mx = a[L][0], s = 0;
		for (size_t k = 1; k < K; k++)
			mx = a[L][k] > mx ? a[L][k] : mx;
		for (size_t k = 0; k < K; k++)
			s += exp(a[L][k] - mx);
		loss += mx + log(s) - a[L][y[i]];
		for (size_t k = 0; k < K; k++)
			delta[L][k] = (exp(a[L][k] - mx) / s - (k == y[i])) / (double)n;
		for (size_t l = L; l-- > 0;) {
			size_t fi = net->size[l], fo = net->size[l + 1];
			for (size_t u = 0; u < fo; u++) {
				g[boff[l] + u] += delta[l + 1][u];
				for (size_t k = 0; k < fi; k++)
					g[off[l] + u * fi + k] += delta[l + 1][u] * a[l][k];
			}
			if (l == 0)
				break;
			for (size_t k = 0; k < fi; k++) {
				double s2 = 0;
				for (size_t u = 0; u < fo; u++)
					s2 += delta[l + 1][u] * p[off[l] + u * fi + k];
				double d = net->cfg.act == LL_MLP_RELU ? (a[l][k] > 0) : 1 - a[l][k] * a[l][k];
				delta[l][k] = s2 * d;
			}
		}
	}
	for (size_t l = 0; l <= L; l++) {
		free(a[l]);
		free(delta[l]);
	}
	if (loss_out)
		*loss_out = loss / (double)n;
}

/* central difference of the gold gradient along v, step eps */
static void gold_fd_hvp(const tiny *t, const double *p0, const double *v, double eps, double *out)
{
	size_t np = t->net.nparams;
	double *p = calloc(np, sizeof *p), *gp = malloc(np * sizeof *gp), *gm = malloc(np * sizeof *gm);
	for (size_t j = 0; j < np; j++)
		p[j] = p0[j] + eps * v[j];
	gold_grad(&t->net, p, t->X, t->y, t->n, gp, NULL);
	for (size_t j = 0; j < np; j++)
		p[j] = p0[j] - eps * v[j];
	gold_grad(&t->net, p, t->X, t->y, t->n, gm, NULL);
	for (size_t j = 0; j < np; j++)
		out[j] = (gp[j] - gm[j]) / (2 * eps);
	free(p);
	free(gp);
	free(gm);
}

static double max_abs(const double *v, size_t n)
{
	double m = 0;
	for (size_t j = 0; j < n; j++)
		m = fmax(m, fabs(v[j]));
	return m;
}

/* max |a - b| / max |b| */
static double rel_err(const double *a, const double *b, size_t n)
{
	double e = 0;
	for (size_t j = 0; j < n; j++)
		e = fmax(e, fabs(a[j] - b[j]));
	return e / fmax(max_abs(b, n), 1e-300);
}

static void random_vec(double *v, size_t n, uint64_t seed)
{
	ll_rng r;
	ll_rng_init(&r, seed);
	for (size_t j = 0; j < n; j++)
		v[j] = ll_rng_normal(&r);
}

/* the explicit Hessian: column j = H e_j, by HVPs */
static int explicit_hessian(ll_hessian *h, double *H)
{
	size_t np = h->nparams;
	double *e = calloc(np, sizeof *e), *col = malloc(np * sizeof *col);
	int rc = LL_OK;
	for (size_t j = 0; j < np && rc == LL_OK; j++) {
		e[j] = 1;
		rc = ll_hessian_hvp(h, e, col, NULL);
		e[j] = 0;
		for (size_t i = 0; i < np; i++)
			H[i * np + j] = col[i];
	}
	free(e);
	free(col);
	return rc;
}

/* ascending eigenvalues of the symmetric part of H (copied) */
static int sym_eigvals(const double *H, size_t np, double *w)
{
	double *A = malloc(np * np * sizeof *A);
	for (size_t i = 0; i < np; i++)
		for (size_t j = 0; j < np; j++)
			A[i * np + j] = 0.5 * (H[i * np + j] + H[j * np + i]);
	lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', (lapack_int)np, A, (lapack_int)np, w);
	free(A);
	return (int)info;
}

/* ---- gradient and loss ---- */

/* The cached pass's loss and gradient against ll_mlp_gradient (float32)
 * and the gold model (double), with more examples than a chunk. */
static void grad_case(size_t h1, size_t h2, ll_mlp_act act, size_t n, double zero_frac)
{
	tiny t;
	ll_err e;
	LL_CHECK(tiny_make(&t, 7, h1, h2, 3, act, n, 11, zero_frac));
	ll_hessian h;
	LL_REQUIRE_OK(ll_hessian_init(&h, &t.net, t.X, t.y, t.n, &e), e);
	size_t np = h.nparams;
	LL_CHECK_INT(np, t.net.nparams);
	LL_CHECK_INT(h.sparse, zero_frac > 0.6);
	double *gold = malloc(np * sizeof *gold), *gf = malloc(np * sizeof *gf), *p = malloc(np * sizeof *p), gl = 0;
	for (size_t j = 0; j < np; j++)
		p[j] = t.net.params[j];
	gold_grad(&t.net, p, t.X, t.y, t.n, gold, &gl);
	LL_CHECK_MSG(rel_err(h.grad, gold, np) < 1e-12, "gradient vs gold: %g", rel_err(h.grad, gold, np));
	LL_CHECK_NEAR(h.loss, gl, 1e-12);
	double ml;
	LL_CHECK_INT(ll_mlp_gradient(&t.net, t.X, t.y, t.n, &ml, NULL), LL_OK);
	for (size_t j = 0; j < np; j++)
		gf[j] = t.net.grad[j];
	LL_CHECK_MSG(rel_err(h.grad, gf, np) < 1e-5, "gradient vs ll_mlp_gradient: %g", rel_err(h.grad, gf, np));
	LL_CHECK_NEAR(h.loss, ml, 1e-5);
	free(gold);
	free(gf);
	free(p);
	ll_hessian_free(&h);
	tiny_free(&t);
}

static void test_gradient(void)
{
	grad_case(5, 0, LL_MLP_RELU, 9, 0);
	grad_case(5, 4, LL_MLP_TANH, 9, 0);
	grad_case(6, 3, LL_MLP_RELU, LL_HESSIAN_CHUNK * 2 + 17, 0); /* three chunks */
	/* sparse images */
	grad_case(5, 0, LL_MLP_RELU, 9, 0.8);
	grad_case(5, 4, LL_MLP_TANH, 9, 0.8);
	grad_case(6, 3, LL_MLP_TANH, LL_HESSIAN_CHUNK * 2 + 17, 0.8);
	grad_case(6, 3, LL_MLP_RELU, 20, 0.4); /* 60% non-zero: dense */
}

/* ---- Hessian-vector products ---- */

/* H v against central differences of the gold gradient in double: the
 * truncation error is eps^2 ~ 1e-10, rounding 1e-16 / eps ~ 1e-11. */
static double hvp_vs_fd(size_t n_in, size_t h1, size_t h2, size_t n_out, ll_mlp_act act, size_t n, uint64_t seed,
			double zero_frac)
{
	tiny t;
	ll_err e;
	double worst = INFINITY;
	if (!tiny_make(&t, n_in, h1, h2, n_out, act, n, seed, zero_frac))
		return worst;
	ll_hessian h;
	if (ll_hessian_init(&h, &t.net, t.X, t.y, t.n, &e) != LL_OK) {
		printf("# %s\n", e.msg);
		tiny_free(&t);
		return worst;
	}
	size_t np = h.nparams;
	double *v = malloc(np * sizeof *v), *hv = malloc(np * sizeof *hv), *fd = malloc(np * sizeof *fd);
	worst = 0;
	for (int rep = 0; rep < 3; rep++) {
		random_vec(v, np, seed * 100 + (uint64_t)rep);
		if (ll_hessian_hvp(&h, v, hv, &e) != LL_OK) {
			printf("# %s\n", e.msg);
			worst = INFINITY;
			break;
		}
		gold_fd_hvp(&t, h.params, v, 1e-5, fd);
		worst = fmax(worst, rel_err(hv, fd, np));
	}
	free(v);
	free(hv);
	free(fd);
	ll_hessian_free(&h);
	tiny_free(&t);
	return worst;
}

static void test_hvp_finite_differences(void)
{
	for (int sp = 0; sp < 2; sp++) {
		double z = sp ? 0.75 : 0.0;
		double e1 = hvp_vs_fd(4, 3, 0, 2, LL_MLP_RELU, 7, 1, z);
		double e2 = hvp_vs_fd(6, 5, 0, 3, LL_MLP_TANH, 10, 2, z);
		double e3 = hvp_vs_fd(5, 6, 4, 3, LL_MLP_TANH, 10, 3, z);
		double e4 = hvp_vs_fd(5, 6, 4, 3, LL_MLP_RELU, 10, 4, z);
		double e5 = hvp_vs_fd(3, 4, 3, 2, LL_MLP_TANH, LL_HESSIAN_CHUNK + 40, 5, z); /* two chunks */
		printf("# H v vs central differences (double, %s images): relu %.2g, tanh %.2g, tanh 2 layers %.2g, "
		       "relu 2 layers %.2g, two chunks %.2g\n", sp ? "sparse" : "dense", e1, e2, e3, e4, e5);
		LL_CHECK(e1 < 1e-7);
		LL_CHECK(e2 < 1e-7);
		LL_CHECK(e3 < 1e-7);
		LL_CHECK(e4 < 1e-7);
		LL_CHECK(e5 < 1e-7);
	}
}

/* The same against ll_mlp_gradient, whose float32 arithmetic limits a
 * difference quotient: parameters move by eps v in float, gradients carry
 * ~1e-7 relative rounding, so eps ~ 1e-2 balances that against eps^2. */
static void test_hvp_vs_mlp_gradient(void)
{
	tiny t;
	ll_err e;
	LL_CHECK(tiny_make(&t, 8, 6, 0, 3, LL_MLP_TANH, 20, 9, 0));
	ll_hessian h;
	LL_REQUIRE_OK(ll_hessian_init(&h, &t.net, t.X, t.y, t.n, &e), e);
	size_t np = h.nparams;
	double *v = malloc(np * sizeof *v), *hv = malloc(np * sizeof *hv), *fd = malloc(np * sizeof *fd);
	double *gp = malloc(np * sizeof *gp);
	float *keep = malloc(np * sizeof *keep);
	memcpy(keep, t.net.params, np * sizeof *keep);
	random_vec(v, np, 77);
	LL_CHECK_INT(ll_hessian_hvp(&h, v, hv, NULL), LL_OK);
	const double eps = 1e-2;
	for (int sgn = 1; sgn >= -1; sgn -= 2) {
		double *dst = sgn > 0 ? gp : fd;
		for (size_t j = 0; j < np; j++)
			t.net.params[j] = (float)(keep[j] + sgn * eps * v[j]);
		LL_CHECK_INT(ll_mlp_gradient(&t.net, t.X, t.y, t.n, NULL, NULL), LL_OK);
		for (size_t j = 0; j < np; j++)
			dst[j] = t.net.grad[j];
	}
	for (size_t j = 0; j < np; j++) {
		/* the step actually taken in float */
		fd[j] = (gp[j] - fd[j]) / (2 * eps);
	}
	double err = rel_err(hv, fd, np);
	printf("# H v vs central differences of ll_mlp_gradient (float32, eps 1e-2): %.2g\n", err);
	LL_CHECK(err < 2e-3);
	memcpy(t.net.params, keep, np * sizeof *keep);
	free(v);
	free(hv);
	free(fd);
	free(gp);
	free(keep);
	ll_hessian_free(&h);
	tiny_free(&t);
}

/* The explicit Hessian of a 4-3-2 net (23 parameters) by HVPs with unit
 * vectors against one by central differences of the gold gradient, and
 * its symmetry. */
static void explicit_case(ll_mlp_act act, uint64_t seed, double zero_frac)
{
	tiny t;
	ll_err e;
	LL_CHECK(tiny_make(&t, 4, 3, 0, 2, act, 6, seed, zero_frac));
	ll_hessian h;
	LL_REQUIRE_OK(ll_hessian_init(&h, &t.net, t.X, t.y, t.n, &e), e);
	size_t np = h.nparams;
	LL_CHECK_INT(np, 23);
	double *H = malloc(np * np * sizeof *H), *F = malloc(np * np * sizeof *F);
	double *ej = calloc(np, sizeof *ej), *col = malloc(np * sizeof *col);
	LL_CHECK_INT(explicit_hessian(&h, H), LL_OK);
	for (size_t j = 0; j < np; j++) {
		ej[j] = 1;
		gold_fd_hvp(&t, h.params, ej, 1e-5, col);
		ej[j] = 0;
		for (size_t i = 0; i < np; i++)
			F[i * np + j] = col[i];
	}
	double scale = max_abs(H, np * np), asym = 0, diff = 0;
	for (size_t i = 0; i < np; i++)
		for (size_t j = 0; j < np; j++) {
			asym = fmax(asym, fabs(H[i * np + j] - H[j * np + i]));
			diff = fmax(diff, fabs(H[i * np + j] - F[i * np + j]));
		}
	printf("# 4-3-2 %s%s: max |H| %.3g, asymmetry %.2g, vs differences %.2g\n", ll_mlp_act_name(act),
	       h.sparse ? " (sparse images)" : "", scale, asym, diff);
	LL_CHECK(scale > 1e-2);
	LL_CHECK(asym <= 1e-13 * scale);
	LL_CHECK(diff <= 1e-7 * scale);
	free(H);
	free(F);
	free(ej);
	free(col);
	ll_hessian_free(&h);
	tiny_free(&t);
}

static void test_explicit_hessian(void)
{
	explicit_case(LL_MLP_RELU, 21, 0);
	explicit_case(LL_MLP_TANH, 22, 0);
	explicit_case(LL_MLP_TANH, 23, 0.7);
}

/* ---- Lanczos ---- */

/* top-k by Lanczos on the operator against dsyev of its explicit matrix */
static double lanczos_case(size_t n_in, size_t h1, size_t h2, size_t n_out, ll_mlp_act act, size_t k,
			   size_t steps, uint64_t seed, double zero_frac, size_t *np_out)
{
	tiny t;
	ll_err e;
	double worst = INFINITY;
	if (!tiny_make(&t, n_in, h1, h2, n_out, act, 12, seed, zero_frac))
		return worst;
	ll_hessian h;
	if (ll_hessian_init(&h, &t.net, t.X, t.y, t.n, &e) != LL_OK) {
		tiny_free(&t);
		return worst;
	}
	size_t np = h.nparams;
	*np_out = np;
	double *H = malloc(np * np * sizeof *H), *w = malloc(np * sizeof *w);
	ll_hessian_eigs ev;
	ll_hessian_lanczos_opts o;
	ll_hessian_lanczos_opts_default(&o);
	o.k = k;
	o.steps = steps;
	o.tol = 1e-10;
	if (explicit_hessian(&h, H) == LL_OK && sym_eigvals(H, np, w) == 0 &&
	    ll_hessian_lanczos(&h, &o, &ev, &e) == LL_OK) {
		worst = 0;
		for (size_t i = 0; i < k; i++)
			worst = fmax(worst, fabs(ev.top[i] - w[np - 1 - i]));
		for (size_t i = 1; i < k; i++)
			if (ev.top[i] > ev.top[i - 1])
				worst = INFINITY; /* not descending */
		printf("# %zu params (%s%s), k %zu: %zu steps, %zu converged, top %.6g, max error %.2g, "
		       "smallest %.4g (exact %.4g)\n", np, ll_mlp_act_name(act), h2 ? ", 2 layers" : "", k,
		       ev.steps, ev.converged, ev.top[0], worst, ev.smallest, w[0]);
		if (ev.converged != k)
			worst = INFINITY;
		if (ev.steps == np && fabs(ev.smallest - w[0]) > 1e-6)
			worst = INFINITY; /* the whole space: the smallest is exact too */
		ll_hessian_eigs_free(&ev);
	} else {
		printf("# %s\n", e.msg);
	}
	free(H);
	free(w);
	ll_hessian_free(&h);
	tiny_free(&t);
	return worst;
}

static void test_lanczos_vs_full(void)
{
	size_t np;
	/* 23 parameters: every step of the space */
	double e1 = lanczos_case(4, 3, 0, 2, LL_MLP_RELU, 5, 0, 31, 0, &np);
	LL_CHECK_MSG(e1 <= 1e-6, "4-3-2 relu: %g", e1);
	double e2 = lanczos_case(4, 3, 0, 2, LL_MLP_TANH, 5, 0, 32, 0, &np);
	LL_CHECK_MSG(e2 <= 1e-6, "4-3-2 tanh: %g", e2);
	/* fewer steps than parameters: convergence, not exhaustion */
	double e3 = lanczos_case(10, 12, 0, 4, LL_MLP_TANH, 5, 60, 33, 0, &np);
	LL_CHECK_MSG(e3 <= 1e-6, "10-12-4 tanh: %g", e3);
	LL_CHECK(np > 120);
	double e4 = lanczos_case(8, 9, 7, 3, LL_MLP_RELU, 6, 60, 34, 0.7, &np);
	LL_CHECK_MSG(e4 <= 1e-6, "8-9-7-3 relu: %g", e4);
	LL_CHECK(np > 120);
	double e5 = lanczos_case(8, 9, 7, 3, LL_MLP_TANH, 10, 100, 35, 0, &np);
	LL_CHECK_MSG(e5 <= 1e-6, "8-9-7-3 tanh, k 10: %g", e5);
}

/* a diagonal operator, for known spectra */
typedef struct diag_op {
	const double *d;
	size_t n;
	size_t calls;
} diag_op;

static int diag_apply(void *ud, const double *v, double *out, ll_err *err)
{
	diag_op *o = ud;
	for (size_t j = 0; j < o->n; j++)
		out[j] = o->d[j] * v[j];
	o->calls++;
	return LL_OK;
}

/* Repeated eigenvalues: a Krylov space holds one copy of each, so the
 * copies come from going on after breakdowns when Lanczos runs through
 * the whole space (tol 0). */
static void test_lanczos_multiplicity(void)
{
	enum { N = 30 };
	double d[N];
	ll_hessian_lanczos_opts o;
	ll_hessian_lanczos_opts_default(&o);
	o.k = 6;
	o.steps = N;
	o.tol = 0;
	ll_hessian_eigs ev;
	ll_err e;
	/* three distinct values: clean breakdowns every few steps */
	for (size_t j = 0; j < N; j++)
		d[j] = j < 3 ? 5.0 : j < 5 ? 3.0 : 1.0;
	diag_op op = {d, N, 0};
	LL_REQUIRE_OK(ll_hessian_lanczos_op(diag_apply, &op, N, &o, &ev, &e), e);
	double want[6] = {5, 5, 5, 3, 3, 1};
	for (size_t i = 0; i < 6; i++)
		LL_CHECK_NEAR(ev.top[i], want[i], 1e-9);
	printf("# 5 x3, 3 x2, 1 x25: %zu steps, %zu restarts\n", ev.steps, ev.restarts);
	LL_CHECK(ev.restarts >= 3);
	LL_CHECK_INT(ev.steps, N);
	LL_CHECK_INT(op.calls, ev.steps);
	LL_CHECK_NEAR(ev.smallest, 1, 1e-9);
	ll_hessian_eigs_free(&ev);
	/* 27 distinct values: the Krylov space fades out rather than breaking
	 * down, and the copies still come */
	for (size_t j = 0; j < N; j++)
		d[j] = j < 3 ? 5.0 : j < 5 ? 3.0 : 0.1 * (double)(j - 4);
	LL_REQUIRE_OK(ll_hessian_lanczos_op(diag_apply, &op, N, &o, &ev, &e), e);
	double want2[6] = {5, 5, 5, 3, 3, 2.5};
	for (size_t i = 0; i < 6; i++)
		LL_CHECK_NEAR(ev.top[i], want2[i], 1e-9);
	LL_CHECK_NEAR(ev.smallest, 0.1, 1e-9);
	ll_hessian_eigs_free(&ev);

	/* distinct, well separated top: stops early on the Ritz residuals */
	for (size_t j = 0; j < N; j++)
		d[j] = j < 3 ? 10.0 * (double)(j + 1) : 1.0 + 1e-3 * (double)j;
	op.calls = 0;
	o.k = 3;
	o.steps = 0;
	o.tol = 1e-6;
	LL_REQUIRE_OK(ll_hessian_lanczos_op(diag_apply, &op, N, &o, &ev, &e), e);
	LL_CHECK(ev.steps < N);
	LL_CHECK_INT(ev.converged, 3);
	LL_CHECK_NEAR(ev.top[0], 30, 1e-9);
	LL_CHECK_NEAR(ev.top[1], 20, 1e-9);
	LL_CHECK_NEAR(ev.top[2], 10, 1e-9);
	for (size_t i = 0; i < 3; i++)
		LL_CHECK(ev.residual[i] <= 1e-6 * 30);
	ll_hessian_eigs_free(&ev);
}

/* ---- Hutchinson ---- */

static void test_hutchinson(void)
{
	tiny t;
	ll_err e;
	LL_CHECK(tiny_make(&t, 4, 3, 0, 2, LL_MLP_TANH, 8, 41, 0));
	ll_hessian h;
	LL_REQUIRE_OK(ll_hessian_init(&h, &t.net, t.X, t.y, t.n, &e), e);
	size_t np = h.nparams;
	double *H = malloc(np * np * sizeof *H);
	LL_CHECK_INT(explicit_hessian(&h, H), LL_OK);
	double tr = 0, fro = 0, dg = 0;
	for (size_t i = 0; i < np; i++) {
		tr += H[i * np + i];
		dg += H[i * np + i] * H[i * np + i];
		for (size_t j = 0; j < np; j++)
			fro += H[i * np + j] * H[i * np + j];
	}
	const size_t P = 4000;
	double est, se;
	LL_REQUIRE_OK(ll_hessian_trace(&h, P, 3, &est, &se, &e), e);
	/* Var(z^T H z) = 2 sum_{i != j} H_ij^2 for Rademacher z */
	double se_theory = sqrt(2 * (fro - dg) / (double)P);
	printf("# Hutchinson, %zu probes: %.6g +- %.3g, exact %.6g (theory se %.3g)\n", P, est, se, tr, se_theory);
	LL_CHECK(fabs(est - tr) <= 3 * se);
	LL_CHECK(se > 0.85 * se_theory && se < 1.15 * se_theory);
	/* a few probes: looser, but still inside its own error bars */
	double est2, se2;
	LL_REQUIRE_OK(ll_hessian_trace(&h, 30, 4, &est2, &se2, &e), e);
	LL_CHECK(fabs(est2 - tr) <= 4 * se2);
	LL_CHECK(se2 > se);
	/* one probe: no error bar */
	LL_REQUIRE_OK(ll_hessian_trace(&h, 1, 4, &est2, &se2, &e), e);
	LL_CHECK(isnan(se2));
	/* a diagonal operator: every Rademacher probe gives the trace exactly */
	double d[5] = {1, -2, 3.5, 0, 7};
	diag_op op = {d, 5, 0};
	LL_REQUIRE_OK(ll_hessian_trace_op(diag_apply, &op, 5, 10, 1, &est2, &se2, &e), e);
	LL_CHECK_NEAR(est2, 9.5, 1e-12);
	LL_CHECK_NEAR(se2, 0, 1e-12);
	free(H);
	ll_hessian_free(&h);
	tiny_free(&t);
}

/* ---- stochastic Lanczos quadrature ---- */

static void test_slq(void)
{
	/* distinct eigenvalues and every step: the nodes are the spectrum and
	 * a Rademacher start weights each by exactly 1/n */
	enum { N = 12 };
	double d[N];
	for (size_t j = 0; j < N; j++)
		d[j] = (double)j - 3.0;
	diag_op op = {d, N, 0};
	ll_hessian_slq_opts o;
	ll_hessian_slq_opts_default(&o);
	o.starts = 1;
	o.steps = N;
	ll_hessian_density s;
	ll_err e;
	LL_REQUIRE_OK(ll_hessian_slq_op(diag_apply, &op, N, &o, &s, &e), e);
	LL_CHECK_INT(s.nnodes, N);
	for (size_t i = 0; i < s.nnodes && i < N; i++) {
		LL_CHECK_NEAR(s.nodes[i], d[i], 1e-9);
		LL_CHECK_NEAR(s.weights[i], 1.0 / N, 1e-9);
	}
	ll_hessian_density_free(&s);

	/* the tiny net: weights sum to 1, the mean is tr(H) / nparams, the
	 * density integrates to 1 and has that mean too */
	tiny t;
	LL_CHECK(tiny_make(&t, 4, 3, 0, 2, LL_MLP_TANH, 8, 51, 0));
	ll_hessian h;
	LL_REQUIRE_OK(ll_hessian_init(&h, &t.net, t.X, t.y, t.n, &e), e);
	size_t np = h.nparams;
	double *H = malloc(np * np * sizeof *H), *w = malloc(np * sizeof *w);
	LL_CHECK_INT(explicit_hessian(&h, H), LL_OK);
	double tr = 0, fro = 0, dg = 0;
	for (size_t i = 0; i < np; i++) {
		tr += H[i * np + i];
		dg += H[i * np + i] * H[i * np + i];
		for (size_t j = 0; j < np; j++)
			fro += H[i * np + j] * H[i * np + j];
	}
	LL_CHECK_INT(sym_eigvals(H, np, w), 0);
	for (int gauss = 0; gauss < 2; gauss++) {
		ll_hessian_slq_opts_default(&o);
		o.starts = 400;
		o.steps = 10;
		o.gaussian = gauss;
		o.grid = 2000;
		LL_REQUIRE_OK(ll_hessian_slq(&h, &o, &s, &e), e);
		double wsum = 0, mean = 0, m2 = 0;
		for (size_t i = 0; i < s.nnodes; i++) {
			wsum += s.weights[i];
			mean += s.weights[i] * s.nodes[i];
			m2 += s.weights[i] * s.nodes[i] * s.nodes[i];
		}
		/* Hutchinson's error bar for starts probes (Gaussian: 2 ||H||_F^2) */
		double sd = sqrt(2 * (gauss ? fro : fro - dg) / (double)o.starts) / (double)np;
		printf("# SLQ %s, %zu starts of %zu steps: weights sum %.15g, mean %.6g vs tr/n %.6g (se %.2g), "
		       "second moment %.5g vs %.5g\n", gauss ? "gaussian" : "rademacher", o.starts, o.steps, wsum,
		       mean, tr / (double)np, sd, m2, fro / (double)np);
		LL_CHECK_NEAR(wsum, 1, 1e-12);
		LL_CHECK(fabs(mean - tr / (double)np) <= 4 * sd);
		LL_CHECK(fabs(m2 - fro / (double)np) <= 0.2 * fro / (double)np);
		/* nodes lie inside the spectrum */
		for (size_t i = 0; i < s.nnodes; i++)
			LL_CHECK(s.nodes[i] >= w[0] - 1e-9 && s.nodes[i] <= w[np - 1] + 1e-9);
		double area = 0, first = 0, dx = s.x[1] - s.x[0];
		for (size_t g = 0; g + 1 < s.grid; g++) {
			area += 0.5 * dx * (s.density[g] + s.density[g + 1]);
			first += 0.5 * dx * (s.x[g] * s.density[g] + s.x[g + 1] * s.density[g + 1]);
		}
		LL_CHECK_NEAR(area, 1, 1e-3);
		LL_CHECK_NEAR(first, mean, 1e-3 * fmax(1, fabs(mean)));
		LL_CHECK(s.sigma > 0);
		ll_hessian_density_free(&s);
	}
	free(H);
	free(w);
	ll_hessian_free(&h);
	tiny_free(&t);
}

/* ---- determinism and snapshots ---- */

static void determinism_case(double zero_frac)
{
	tiny t;
	ll_err e;
	/* several chunks, so several slots */
	LL_CHECK(tiny_make(&t, 30, 40, 0, 10, LL_MLP_RELU, 3 * LL_HESSIAN_CHUNK + 50, 61, zero_frac));
	ll_hessian h;
	LL_REQUIRE_OK(ll_hessian_init(&h, &t.net, t.X, t.y, t.n, &e), e);
	ll_hessian_lanczos_opts o;
	ll_hessian_lanczos_opts_default(&o);
	o.k = 5;
	ll_hessian_eigs a, b;
	double ta, sa, tb, sb;
	int saved = openblas_get_num_threads();
	/* OpenMP and OpenBLAS threads 1 then 2 */
	openblas_set_num_threads(1);
	omp_set_num_threads(1);
	LL_REQUIRE_OK(ll_hessian_lanczos(&h, &o, &a, &e), e);
	LL_REQUIRE_OK(ll_hessian_trace(&h, 5, 9, &ta, &sa, &e), e);
	LL_CHECK_INT(openblas_get_num_threads(), 1);
	openblas_set_num_threads(2);
	omp_set_num_threads(2);
	LL_REQUIRE_OK(ll_hessian_lanczos(&h, &o, &b, &e), e);
	LL_REQUIRE_OK(ll_hessian_trace(&h, 5, 9, &tb, &sb, &e), e);
	LL_CHECK_INT(openblas_get_num_threads(), 2); /* restored */
	openblas_set_num_threads(saved);
	LL_CHECK_INT(a.steps, b.steps);
	LL_CHECK(memcmp(a.top, b.top, 5 * sizeof *a.top) == 0);
	LL_CHECK(ta == tb && sa == sb);
	ll_hessian_eigs_free(&b);
	/* inside a parallel region: on the calling thread, the same numbers */
	openblas_set_num_threads(1);
	int rc = LL_OK;
#pragma omp parallel num_threads(2)
	{
#pragma omp single
		rc = ll_hessian_lanczos(&h, &o, &b, NULL);
	}
	openblas_set_num_threads(saved);
	LL_CHECK_INT(rc, LL_OK);
	LL_CHECK(rc == LL_OK && memcmp(a.top, b.top, 5 * sizeof *a.top) == 0);
	ll_hessian_eigs_free(&b);
	/* another seed: another start vector, the same converged values */
	o.seed = 12345;
	LL_REQUIRE_OK(ll_hessian_lanczos(&h, &o, &b, &e), e);
	LL_CHECK(memcmp(a.top, b.top, 5 * sizeof *a.top) != 0);
	for (size_t i = 0; i < 5; i++)
		LL_CHECK_NEAR(a.top[i], b.top[i], 1e-6 * a.top[0]);
	ll_hessian_eigs_free(&a);
	ll_hessian_eigs_free(&b);
	ll_hessian_free(&h);
	tiny_free(&t);
}

static void test_determinism(void)
{
	determinism_case(0);
	determinism_case(0.8);
}

/* set_weights moves the operator to a snapshot: the same as a fresh one */
static void test_snapshots(void)
{
	tiny t, u;
	ll_err e;
	LL_CHECK(tiny_make(&t, 6, 5, 0, 3, LL_MLP_TANH, 15, 71, 0.7));
	LL_CHECK(tiny_make(&u, 6, 5, 0, 3, LL_MLP_TANH, 15, 72, 0.7));
	ll_hessian h, g;
	LL_REQUIRE_OK(ll_hessian_init(&h, &t.net, t.X, t.y, t.n, &e), e);
	LL_CHECK(h.sparse);
	LL_REQUIRE_OK(ll_hessian_init(&g, &u.net, t.X, t.y, t.n, &e), e);
	size_t np = h.nparams;
	double *v = malloc(np * sizeof *v), *a = malloc(np * sizeof *a), *b = malloc(np * sizeof *b);
	random_vec(v, np, 3);
	LL_CHECK_INT(ll_hessian_hvp(&h, v, a, NULL), LL_OK);
	LL_REQUIRE_OK(ll_hessian_set_weights(&h, &u.net, &e), e);
	LL_CHECK_INT(ll_hessian_hvp(&h, v, a, NULL), LL_OK);
	LL_CHECK_INT(ll_hessian_hvp(&g, v, b, NULL), LL_OK);
	LL_CHECK(memcmp(a, b, np * sizeof *a) == 0);
	LL_CHECK(h.loss == g.loss);
	LL_CHECK_INT(h.hvps, 2);
	/* a bad point leaves the operator where it was */
	double loss = h.loss;
	memcpy(v, h.params, np * sizeof *v);
	v[np - 1] = NAN;
	LL_CHECK_INT(ll_hessian_set_params(&h, v, &e), LL_ENUMERIC);
	LL_CHECK_CONTAINS(e.msg, "b2[2]");
	LL_CHECK(h.loss == loss);
	v[np - 1] = 1e308; /* finite, but the summed loss overflows */
	LL_CHECK_INT(ll_hessian_set_params(&h, v, &e), LL_ENUMERIC);
	LL_CHECK(h.loss == loss);
	LL_CHECK_INT(ll_hessian_hvp(&h, (random_vec(v, np, 3), v), a, NULL), LL_OK);
	LL_CHECK(memcmp(a, b, np * sizeof *a) == 0);
	/* another architecture */
	tiny w;
	LL_CHECK(tiny_make(&w, 6, 5, 0, 3, LL_MLP_RELU, 15, 73, 0));
	LL_CHECK_INT(ll_hessian_set_weights(&h, &w.net, &e), LL_ESHAPE);
	tiny_free(&w);
	free(v);
	free(a);
	free(b);
	ll_hessian_free(&h);
	ll_hessian_free(&g);
	ll_hessian_free(&h); /* twice: a no-op */
	tiny_free(&t);
	tiny_free(&u);
}

/* ---- bad input ---- */

static void test_bad_input(void)
{
	tiny t;
	ll_err e;
	ll_hessian h;
	LL_CHECK(tiny_make(&t, 4, 3, 0, 2, LL_MLP_RELU, 5, 81, 0));
	/* NaN weight, named */
	float keep = t.net.W[1][4];
	t.net.W[1][4] = NAN;
	LL_CHECK_INT(ll_hessian_init(&h, &t.net, t.X, t.y, t.n, &e), LL_ENUMERIC);
	LL_CHECK_CONTAINS(e.msg, "W2[1,1]");
	LL_CHECK(!strchr(e.msg, '\n'));
	LL_CHECK(h.params == NULL && h.nparams == 0);
	t.net.W[1][4] = keep;
	t.net.b[0][0] = INFINITY;
	LL_CHECK_INT(ll_hessian_init(&h, &t.net, t.X, t.y, t.n, &e), LL_ENUMERIC);
	LL_CHECK_CONTAINS(e.msg, "b1[0]");
	t.net.b[0][0] = 0.1f;
	/* NaN pixel */
	float kx = t.X[9];
	t.X[9] = NAN;
	LL_CHECK_INT(ll_hessian_init(&h, &t.net, t.X, t.y, t.n, &e), LL_ENUMERIC);
	LL_CHECK_CONTAINS(e.msg, "input 1 of example 2");
	t.X[9] = kx;
	/* labels, no examples */
	t.y[3] = 2;
	LL_CHECK_INT(ll_hessian_init(&h, &t.net, t.X, t.y, t.n, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "label 2 of example 3");
	t.y[3] = 1;
	LL_CHECK_INT(ll_hessian_init(&h, &t.net, t.X, t.y, 0, &e), LL_EINVAL);

	LL_REQUIRE_OK(ll_hessian_init(&h, &t.net, t.X, t.y, t.n, &e), e);
	ll_hessian_lanczos_opts o;
	ll_hessian_eigs ev;
	ll_hessian_lanczos_opts_default(&o);
	o.k = h.nparams + 1;
	LL_CHECK_INT(ll_hessian_lanczos(&h, &o, &ev, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "k = 24 eigenvalues asked of 23 parameters");
	LL_CHECK(ev.top == NULL);
	o.k = 0;
	LL_CHECK_INT(ll_hessian_lanczos(&h, &o, &ev, &e), LL_EINVAL);
	o.k = 5;
	o.steps = 4;
	LL_CHECK_INT(ll_hessian_lanczos(&h, &o, &ev, &e), LL_EINVAL);
	o.steps = 0;
	o.tol = NAN;
	LL_CHECK_INT(ll_hessian_lanczos(&h, &o, &ev, &e), LL_EINVAL);
	/* k = nparams is allowed: every eigenvalue */
	o.tol = 1e-6;
	o.k = h.nparams;
	LL_REQUIRE_OK(ll_hessian_lanczos(&h, &o, &ev, &e), e);
	LL_CHECK_INT(ev.k, h.nparams);
	ll_hessian_eigs_free(&ev);
	double tr, se;
	LL_CHECK_INT(ll_hessian_trace(&h, 0, 1, &tr, &se, &e), LL_EINVAL);
	ll_hessian_slq_opts so;
	ll_hessian_density s;
	ll_hessian_slq_opts_default(&so);
	so.grid = 1;
	LL_CHECK_INT(ll_hessian_slq(&h, &so, &s, &e), LL_EINVAL);
	so.grid = 10;
	so.starts = 0;
	LL_CHECK_INT(ll_hessian_slq(&h, &so, &s, &e), LL_EINVAL);
	so.starts = 1;
	so.sigma = -1;
	LL_CHECK_INT(ll_hessian_slq(&h, &so, &s, &e), LL_EINVAL);
	LL_CHECK(s.nodes == NULL);
	/* a non-finite direction */
	double *v = calloc(h.nparams, sizeof *v), *hv = malloc(h.nparams * sizeof *hv);
	v[0] = INFINITY;
	LL_CHECK_INT(ll_hessian_hvp(&h, v, hv, &e), LL_ENUMERIC);
	free(v);
	free(hv);
	ll_hessian_free(&h);
	tiny_free(&t);
}

/* ---- every allocation failing in turn ---- */

typedef struct oom_ctx {
	tiny *t;
} oom_ctx;

static int oom_run(void *ud)
{
	oom_ctx *c = ud;
	ll_hessian h;
	int rc = ll_hessian_init(&h, &c->t->net, c->t->X, c->t->y, c->t->n, NULL);
	if (rc != LL_OK)
		return rc;
	ll_hessian_lanczos_opts o;
	ll_hessian_lanczos_opts_default(&o);
	o.k = 3;
	ll_hessian_eigs ev;
	rc = ll_hessian_lanczos(&h, &o, &ev, NULL);
	ll_hessian_eigs_free(&ev);
	double tr, se;
	if (rc == LL_OK)
		rc = ll_hessian_trace(&h, 3, 1, &tr, &se, NULL);
	ll_hessian_slq_opts so;
	ll_hessian_slq_opts_default(&so);
	so.starts = 2;
	so.steps = 5;
	so.grid = 20;
	ll_hessian_density s;
	memset(&s, 0, sizeof s); /* zeroed: _free is a no-op if slq is not reached */
	if (rc == LL_OK)
		rc = ll_hessian_slq(&h, &so, &s, NULL);
	ll_hessian_density_free(&s);
	double *p = ll_malloc_array(h.nparams, sizeof *p);
	if (rc == LL_OK && !p)
		rc = LL_ENOMEM;
	if (rc == LL_OK) {
		memcpy(p, h.params, h.nparams * sizeof *p);
		rc = ll_hessian_set_params(&h, p, NULL);
	}
	ll_free(p);
	ll_hessian_free(&h);
	return rc;
}

static void test_oom(void)
{
	tiny t;
	LL_CHECK(tiny_make(&t, 4, 3, 2, 2, LL_MLP_TANH, 5, 91, 0.7));
	oom_ctx c = {&t};
	ll_failalloc_sweep s = {.name = "hessian", .run = oom_run, .ud = &c};
	LL_CHECK(ll_failalloc_sweep_run(&s) == 0);
	LL_CHECK(s.n > 10);
	tiny_free(&t);
}

int main(void)
{
	LL_RUN(test_gradient);
	LL_RUN(test_hvp_finite_differences);
	LL_RUN(test_hvp_vs_mlp_gradient);
	LL_RUN(test_explicit_hessian);
	LL_RUN(test_lanczos_vs_full);
	LL_RUN(test_lanczos_multiplicity);
	LL_RUN(test_hutchinson);
	LL_RUN(test_slq);
	LL_RUN(test_determinism);
	LL_RUN(test_snapshots);
	LL_RUN(test_bad_input);
	LL_RUN(test_oom);
	return ll_test_done();
}
