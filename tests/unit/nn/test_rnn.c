/* Tests for the RNN engine (src/nn/ll_rnn.c): forward passes and
 * gradients of the vanilla, GRU and LSTM cells against a reference
 * written here from PyTorch's equations in double precision, the
 * double-precision step map and its Jacobians, .npz save/load in
 * PyTorch's state_dict layout and its one-line errors, optimizer steps by
 * hand, training on a toy memory task, and divergence detection.
 *
 * Tolerances:
 *   hidden states and outputs vs the double reference  1e-6 absolute
 *   gradients vs central differences of the reference  relative error
 *     |an - num| / max(|num|, 1e-3 max|num|) below 1e-4 over every
 *     parameter (float32 BPTT against differences with step 1e-5 in
 *     double; the errors seen are about 1e-6)
 *   ll_rnn_map vs one engine step                      1e-6 absolute
 *   Jacobians vs central differences of ll_rnn_map     1e-6 absolute
 *   save/load                                          bitwise
 */
#include "base/ll_common.h"
#include "base/ll_rng.h"
#include "io/ll_npy.h"
#include "nn/ll_rnn.h"
#include "ll_failalloc.h"
#include "ll_test.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static char tmpdir[64];

static const char *tmp(const char *name)
{
	static char buf[16][512];
	static int k;
	k = (k + 1) % 16;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

static const ll_rnn_cell cells[3] = {LL_RNN_VANILLA, LL_RNN_GRU, LL_RNN_LSTM};
static const char *const keys[6] = {"rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
				    "rnn.bias_hh_l0", "out.weight", "out.bias"};

static size_t gates_of(ll_rnn_cell c)
{
	return c == LL_RNN_VANILLA ? 1 : c == LL_RNN_GRU ? 3 : 4;
}

static void fill_uniform(float *v, size_t n, double lo, double hi, uint64_t seed)
{
	ll_rng r;
	ll_rng_init(&r, seed);
	for (size_t j = 0; j < n; j++)
		v[j] = (float)(lo + (hi - lo) * ll_rng_uniform(&r));
}

static void config(ll_rnn_config *c, ll_rnn_cell cell, size_t n_in, size_t H, size_t n_out)
{
	ll_rnn_config_default(c);
	c->cell = cell;
	c->n_in = n_in;
	c->hidden = H;
	c->n_out = n_out;
	c->seed = 11;
}

/* ---- the reference: PyTorch's equations in double ---- */

typedef struct ref {
	ll_rnn_cell cell;
	size_t n_in, H, n_out, G;
	const double *w_ih, *w_hh, *b_ih, *b_hh, *w_out, *b_out;
} ref;

/* p in state_dict order: weight_ih, weight_hh, bias_ih, bias_hh, out.weight, out.bias */
static ref ref_of(ll_rnn_cell cell, size_t n_in, size_t H, size_t n_out, const double *p)
{
	ref m = {cell, n_in, H, n_out, gates_of(cell) * H, 0, 0, 0, 0, 0, 0};
	m.w_ih = p;
	m.w_hh = m.w_ih + m.G * n_in;
	m.b_ih = m.w_hh + m.G * H;
	m.b_hh = m.b_ih + m.G;
	m.w_out = m.b_hh + m.G;
	m.b_out = m.w_out + n_out * H;
	return m;
}

static size_t ref_nparams(ll_rnn_cell cell, size_t n_in, size_t H, size_t n_out)
{
	size_t G = gates_of(cell) * H;
	return G * n_in + G * H + 2 * G + n_out * H + n_out;
}

static double sig(double a)
{
	return 1.0 / (1.0 + exp(-a));
}

/* One step: h, c (LSTM) updated in place; x has n_in entries. */
static void ref_step(const ref *m, const double *x, double *h, double *c)
{
	size_t H = m->H, G = m->G;
	double gi[4 * 64], gh[4 * 64];
	for (size_t r = 0; r < G; r++) {
		gi[r] = m->b_ih[r];
		gh[r] = m->b_hh[r];
		for (size_t k = 0; k < m->n_in; k++)
			gi[r] += m->w_ih[r * m->n_in + k] * x[k];
		for (size_t k = 0; k < H; k++)
			gh[r] += m->w_hh[r * H + k] * h[k];
	}
	for (size_t k = 0; k < H; k++) {
		if (m->cell == LL_RNN_VANILLA) {
			h[k] = tanh(gi[k] + gh[k]);
		} else if (m->cell == LL_RNN_GRU) {
			double r = sig(gi[k] + gh[k]);
			double z = sig(gi[H + k] + gh[H + k]);
			double n = tanh(gi[2 * H + k] + r * gh[2 * H + k]);
			h[k] = (1 - z) * n + z * h[k];
		} else {
			double i = sig(gi[k] + gh[k]);
			double f = sig(gi[H + k] + gh[H + k]);
			double g = tanh(gi[2 * H + k] + gh[2 * H + k]);
			double o = sig(gi[3 * H + k] + gh[3 * H + k]);
			c[k] = f * c[k] + i * g;
			h[k] = o * tanh(c[k]);
		}
	}
}

/* B sequences (x: B x T x n_in floats) from s0 (B x S floats, NULL =
 * zeros); states B x T x S and y B x T x n_out (either may be NULL). */
static void ref_forward(const ref *m, const float *x, size_t B, size_t T, const float *s0, double *states,
			double *y)
{
	size_t H = m->H, S = m->cell == LL_RNN_LSTM ? 2 * H : H;
	double h[64], c[64], xv[16];
	for (size_t b = 0; b < B; b++) {
		for (size_t k = 0; k < H; k++) {
			h[k] = s0 ? s0[b * S + k] : 0;
			c[k] = s0 && S > H ? s0[b * S + H + k] : 0;
		}
		for (size_t t = 0; t < T; t++) {
			for (size_t k = 0; k < m->n_in; k++)
				xv[k] = x[(b * T + t) * m->n_in + k];
			ref_step(m, xv, h, c);
			if (states)
				for (size_t k = 0; k < S; k++)
					states[(b * T + t) * S + k] = k < H ? h[k] : c[k - H];
			if (y)
				for (size_t o = 0; o < m->n_out; o++) {
					double v = m->b_out[o];
					for (size_t k = 0; k < H; k++)
						v += m->w_out[o * H + k] * h[k];
					y[(b * T + t) * m->n_out + o] = v;
				}
		}
	}
}

static double ref_loss(const ref *m, const float *x, const float *target, size_t B, size_t T)
{
	size_t n = B * T * m->n_out;
	double *y = malloc(n * sizeof *y), l = 0;
	ref_forward(m, x, B, T, NULL, NULL, y);
	for (size_t j = 0; j < n; j++)
		l += (y[j] - target[j]) * (y[j] - target[j]);
	free(y);
	return l / (double)n;
}

static double *params_double(const ll_rnn *net)
{
	double *p = malloc(net->nparams * sizeof *p);
	for (size_t j = 0; j < net->nparams; j++)
		p[j] = net->params[j];
	return p;
}

/* ---- PyTorch-layout .npz files made here ---- */

/* Write the six tensors of a (cell, n_in, H, n_out) net from p (state_dict
 * order) as '<f4' or '<f8'. */
static int write_pt(const char *path, ll_rnn_cell cell, size_t n_in, size_t H, size_t n_out, const double *p,
		    int f32, ll_err *e)
{
	size_t G = gates_of(cell) * H, np = ref_nparams(cell, n_in, H, n_out);
	size_t shp[6][2] = {{G, n_in}, {G, H}, {G, 0}, {G, 0}, {n_out, H}, {n_out, 0}};
	float *f = malloc(np * sizeof *f);
	ll_npz_member m[6];
	size_t off = 0;
	for (size_t j = 0; j < np; j++)
		f[j] = (float)p[j];
	memset(m, 0, sizeof m);
	for (int k = 0; k < 6; k++) {
		m[k].name = keys[k];
		m[k].ndim = shp[k][1] ? 2 : 1;
		m[k].shape[0] = shp[k][0];
		m[k].shape[1] = shp[k][1];
		if (f32)
			m[k].f32 = f + off;
		else
			m[k].f64 = p + off;
		off += shp[k][0] * (shp[k][1] ? shp[k][1] : 1);
	}
	int rc = ll_npz_write(path, m, 6, e);
	free(f);
	return rc;
}

/* Random weights U(-a, a), float-representable, in state_dict order. */
static double *random_params(size_t np, double a, uint64_t seed)
{
	double *p = malloc(np * sizeof *p);
	ll_rng r;
	ll_rng_init(&r, seed);
	for (size_t j = 0; j < np; j++)
		p[j] = (double)(float)(a * (2 * ll_rng_uniform(&r) - 1));
	return p;
}

/* ---- tests ---- */

static void test_names_and_config(void)
{
	ll_rnn_cell c;
	ll_rnn_opt o;
	LL_CHECK_STR(ll_rnn_cell_name(LL_RNN_LSTM), "lstm");
	LL_CHECK_INT(ll_rnn_cell_parse("GRU", &c), LL_OK);
	LL_CHECK_INT(c, LL_RNN_GRU);
	LL_CHECK_INT(ll_rnn_cell_parse("rnn", &c), LL_EINVAL);
	LL_CHECK_STR(ll_rnn_opt_name(LL_RNN_SGD), "sgd");
	LL_CHECK_INT(ll_rnn_opt_parse("adam", &o), LL_OK);
	LL_CHECK_INT(o, LL_RNN_ADAM);

	ll_rnn_config cfg;
	ll_err e;
	ll_rnn net;
	ll_rnn_config_default(&cfg);
	LL_CHECK_INT(ll_rnn_config_check(&cfg, &e), LL_OK);
	cfg.hidden = 0;
	LL_CHECK_INT(ll_rnn_init(&net, &cfg, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "rnn config: hidden = 0");
	LL_CHECK(net.params == NULL);
	ll_rnn_config_default(&cfg);
	cfg.lr = -1;
	LL_CHECK_INT(ll_rnn_config_check(&cfg, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "lr = -1");
	ll_rnn_config_default(&cfg);
	cfg.clip = NAN;
	LL_CHECK_INT(ll_rnn_config_check(&cfg, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "clip = nan");
	ll_rnn_config_default(&cfg);
	cfg.cell = (ll_rnn_cell)7;
	LL_CHECK_INT(ll_rnn_config_check(&cfg, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "unknown cell 7");
	ll_rnn_free(&net); /* a zeroed net */
}

/* PyTorch's default init: every parameter in U(-1/sqrt(H), 1/sqrt(H));
 * the same seed gives the same net, another seed another. */
static void test_init(void)
{
	for (int ci = 0; ci < 3; ci++) {
		ll_rnn_config c;
		ll_rnn a, b;
		config(&c, cells[ci], 3, 25, 2);
		LL_REQUIRE_OK(ll_rnn_init(&a, &c, NULL), (ll_err){0});
		LL_CHECK_INT(a.nparams, ref_nparams(cells[ci], 3, 25, 2));
		LL_CHECK_INT(a.S, cells[ci] == LL_RNN_LSTM ? 50 : 25);
		LL_CHECK_INT(a.gates, gates_of(cells[ci]));
		double lo = 1, hi = -1, bound = 1 / sqrt(25.0);
		for (size_t j = 0; j < a.nparams; j++) {
			lo = fmin(lo, a.params[j]);
			hi = fmax(hi, a.params[j]);
		}
		LL_CHECK(lo >= -bound && hi <= bound && lo < -0.95 * bound && hi > 0.95 * bound);
		LL_CHECK(a.b_out == a.params + a.nparams - 2);
		LL_CHECK(a.w_hh == a.w_ih + a.gates * 25 * 3);
		LL_REQUIRE_OK(ll_rnn_init(&b, &c, NULL), (ll_err){0});
		LL_CHECK(memcmp(a.params, b.params, a.nparams * sizeof(float)) == 0);
		ll_rnn_free(&b);
		c.seed = 12;
		LL_REQUIRE_OK(ll_rnn_init(&b, &c, NULL), (ll_err){0});
		LL_CHECK(memcmp(a.params, b.params, a.nparams * sizeof(float)) != 0);
		ll_rnn_free(&b);
		char nm[64];
		LL_CHECK_STR(ll_rnn_param_name(&a, a.gates * 25 * 3 + 25 + 3, nm, sizeof nm), "rnn.weight_hh_l0[1, 3]");
		LL_CHECK_STR(ll_rnn_param_name(&a, a.nparams - 1, nm, sizeof nm), "out.bias[1]");
		ll_rnn_free(&a);
		ll_rnn_free(&a);
	}
}

/* PyTorch-layout weights written to an .npz (GRU as '<f8', the others
 * '<f4') and loaded; hidden states and outputs against the reference,
 * from zeros and from a given state, and over more steps than
 * ll_rnn_forward runs at once. */
static void test_forward_reference(void)
{
	for (int ci = 0; ci < 3; ci++) {
		ll_rnn_cell cell = cells[ci];
		size_t n_in = 3, H = 8, n_out = 2, S = cell == LL_RNN_LSTM ? 2 * H : H;
		size_t np = ref_nparams(cell, n_in, H, n_out);
		double *p = random_params(np, 0.6, 100 + (uint64_t)ci);
		ll_err e = {0};
		ll_rnn net;
		LL_REQUIRE_OK(write_pt(tmp("fwd.npz"), cell, n_in, H, n_out, p, cell != LL_RNN_GRU, &e), e);
		LL_REQUIRE_OK(ll_rnn_load_npz(tmp("fwd.npz"), NULL, &net, &e), e);
		LL_CHECK_INT(net.cfg.cell, cell);
		ref m = ref_of(cell, n_in, H, n_out, p);
		size_t shapes[3][2] = {{5, 30}, {2, 600}, {40, 12}}; /* 40: a team of threads when there are several */
		for (int si = 0; si < 3; si++) {
			size_t B = shapes[si][0], T = shapes[si][1];
			float *x = malloc(B * T * n_in * sizeof *x), *s0 = malloc(B * S * sizeof *s0);
			float *st = malloc(B * T * S * sizeof *st), *y = malloc(B * T * n_out * sizeof *y);
			double *rst = malloc(B * T * S * sizeof *rst), *ry = malloc(B * T * n_out * sizeof *ry);
			fill_uniform(x, B * T * n_in, -1.5, 1.5, 7);
			fill_uniform(s0, B * S, -0.9, 0.9, 8);
			for (int from = 0; from < 2; from++) {
				const float *init = from ? s0 : NULL;
				LL_REQUIRE_OK(ll_rnn_forward(&net, x, B, T, init, st, y, &e), e);
				ref_forward(&m, x, B, T, init, rst, ry);
				double ws = 0, wy = 0, big = 0;
				for (size_t j = 0; j < B * T * S; j++) {
					ws = fmax(ws, fabs(st[j] - rst[j]));
					big = fmax(big, fabs(rst[j]));
				}
				for (size_t j = 0; j < B * T * n_out; j++)
					wy = fmax(wy, fabs(y[j] - ry[j]));
				LL_CHECK_MSG(ws <= 1e-6 && wy <= 1e-6, "%s B %zu T %zu s0 %d: states off by %g, outputs by %g",
					     ll_rnn_cell_name(cell), B, T, from, ws, wy);
				LL_CHECK(big > 0.3); /* the states do move */
				/* states alone, outputs alone */
				LL_REQUIRE_OK(ll_rnn_forward(&net, x, B, T, init, NULL, y, &e), e);
				LL_REQUIRE_OK(ll_rnn_forward(&net, x, B, T, init, st, NULL, &e), e);
			}
			free(x);
			free(s0);
			free(st);
			free(y);
			free(rst);
			free(ry);
		}
		ll_rnn_free(&net);
		free(p);
	}
}

/* Every parameter's BPTT gradient against central differences of the
 * reference loss in double. */
static void gradcheck(ll_rnn_cell cell)
{
	size_t n_in = 2, H = 4, n_out = 2, B = 3, T = 7;
	ll_rnn_config c;
	ll_rnn net;
	ll_err e = {0};
	config(&c, cell, n_in, H, n_out);
	LL_REQUIRE_OK(ll_rnn_init(&net, &c, &e), e);
	fill_uniform(net.params, net.nparams, -0.8, 0.8, 21);
	float x[3 * 7 * 2], target[3 * 7 * 2];
	fill_uniform(x, B * T * n_in, -1, 1, 22);
	fill_uniform(target, B * T * n_out, -1, 1, 23);
	double loss;
	LL_REQUIRE_OK(ll_rnn_gradient(&net, x, target, B, T, &loss, &e), e);
	double *p = params_double(&net);
	ref m = ref_of(cell, n_in, H, n_out, p);
	double l0 = ref_loss(&m, x, target, B, T);
	LL_CHECK_MSG(fabs(loss - l0) <= 1e-6 * l0, "%s loss %.10g vs reference %.10g", ll_rnn_cell_name(cell), loss, l0);
	double *num = malloc(net.nparams * sizeof *num), mx = 0;
	for (size_t j = 0; j < net.nparams; j++) {
		const double h = 1e-5;
		double keep = p[j];
		p[j] = keep + h;
		double lp = ref_loss(&m, x, target, B, T);
		p[j] = keep - h;
		double lm = ref_loss(&m, x, target, B, T);
		p[j] = keep;
		num[j] = (lp - lm) / (2 * h);
		mx = fmax(mx, fabs(num[j]));
	}
	double worst = 0;
	size_t at = 0, nbig = 0;
	for (size_t j = 0; j < net.nparams; j++) {
		double rel = fabs(net.grad[j] - num[j]) / fmax(fabs(num[j]), 1e-3 * mx);
		if (rel > worst)
			worst = rel, at = j;
		nbig += fabs(num[j]) > 1e-3 * mx;
	}
	char nm[64];
	LL_CHECK_MSG(worst < 1e-4, "%s: worst relative gradient error %g at %s (%g vs %g)", ll_rnn_cell_name(cell),
		     worst, ll_rnn_param_name(&net, at, nm, sizeof nm), (double)net.grad[at], num[at]);
	LL_CHECK(nbig > net.nparams / 3); /* not vacuous */
	printf("# %s: %zu parameters (%zu with a gradient above 1e-3 of the largest), worst relative error %.2e\n",
	       ll_rnn_cell_name(cell), net.nparams, nbig, worst);
	free(num);
	free(p);
	ll_rnn_free(&net);
}

static void test_gradient_check(void)
{
	for (int ci = 0; ci < 3; ci++)
		gradcheck(cells[ci]);
}

/* A team of threads (the batch cut into chunks) and one thread give the
 * same loss and gradient, up to the order of the loss's partial sums. */
static void test_threads_agree(void)
{
#ifdef _OPENMP
	size_t B = 48, T = 15;
	float *x = malloc(B * T * 2 * sizeof *x), *tg = malloc(B * T * 3 * sizeof *tg);
	fill_uniform(x, B * T * 2, -1, 1, 81);
	fill_uniform(tg, B * T * 3, -1, 1, 82);
	int keep = omp_get_max_threads();
	for (int ci = 0; ci < 3; ci++) {
		ll_rnn_config c;
		ll_rnn net;
		ll_err e = {0};
		double l1, l3;
		config(&c, cells[ci], 2, 9, 3);
		LL_REQUIRE_OK(ll_rnn_init(&net, &c, &e), e);
		omp_set_num_threads(1);
		LL_REQUIRE_OK(ll_rnn_gradient(&net, x, tg, B, T, &l1, &e), e);
		float *g1 = malloc(net.nparams * sizeof *g1);
		memcpy(g1, net.grad, net.nparams * sizeof *g1);
		omp_set_num_threads(3);
		LL_REQUIRE_OK(ll_rnn_gradient(&net, x, tg, B, T, &l3, &e), e);
		omp_set_num_threads(keep);
		LL_CHECK_NEAR(l1, l3, 1e-12 * l1);
		double worst = 0, mx = 0;
		for (size_t j = 0; j < net.nparams; j++) {
			worst = fmax(worst, fabs(g1[j] - net.grad[j]));
			mx = fmax(mx, fabs(g1[j]));
		}
		LL_CHECK_MSG(worst <= 1e-6 * mx, "%s: 1 vs 3 threads differ by %g", ll_rnn_cell_name(cells[ci]), worst);
		free(g1);
		ll_rnn_free(&net);
	}
	free(x);
	free(tg);
#endif
}

/* ll_rnn_map is one engine step; ll_rnn_readout the engine's output. */
static void test_map_is_one_step(void)
{
	for (int ci = 0; ci < 3; ci++) {
		ll_rnn_config c;
		ll_rnn net;
		ll_err e = {0};
		config(&c, cells[ci], 3, 10, 2);
		LL_REQUIRE_OK(ll_rnn_init(&net, &c, &e), e);
		fill_uniform(net.params, net.nparams, -0.7, 0.7, 31);
		size_t S = net.S;
		float s0[20], u[3], st[20], y[2];
		double s[20], ud[3], next[20], yd[2], worst = 0;
		for (int trial = 0; trial < 5; trial++) {
			fill_uniform(s0, S, -1, 1, 40 + (uint64_t)trial);
			fill_uniform(u, 3, -2, 2, 50 + (uint64_t)trial);
			for (size_t k = 0; k < S; k++)
				s[k] = s0[k];
			for (size_t k = 0; k < 3; k++)
				ud[k] = u[k];
			LL_REQUIRE_OK(ll_rnn_forward(&net, u, 1, 1, s0, st, y, &e), e);
			ll_rnn_map(&net, s, ud, next);
			ll_rnn_readout(&net, next, yd);
			for (size_t k = 0; k < S; k++)
				worst = fmax(worst, fabs(next[k] - st[k]));
			for (size_t k = 0; k < 2; k++)
				worst = fmax(worst, fabs(yd[k] - y[k]));
		}
		LL_CHECK_MSG(worst <= 1e-6, "%s: map vs engine step %g", ll_rnn_cell_name(cells[ci]), worst);
		ll_rnn_free(&net);
	}
}

/* Both Jacobians against central differences of ll_rnn_map. */
static void test_jacobians(void)
{
	for (int ci = 0; ci < 3; ci++) {
		ll_rnn_config c;
		ll_rnn net;
		ll_err e = {0};
		size_t n_in = 3, H = 6;
		config(&c, cells[ci], n_in, H, 2);
		LL_REQUIRE_OK(ll_rnn_init(&net, &c, &e), e);
		fill_uniform(net.params, net.nparams, -0.9, 0.9, 61);
		size_t S = net.S;
		double s[12], u[3], J[144], Ju[36], fp[12], fm[12], worst = 0, mx = 0;
		ll_rng r;
		ll_rng_init(&r, 62);
		for (size_t k = 0; k < S; k++)
			s[k] = 2 * ll_rng_uniform(&r) - 1;
		for (size_t k = 0; k < n_in; k++)
			u[k] = 2 * ll_rng_uniform(&r) - 1;
		ll_rnn_jacobian(&net, s, u, J);
		ll_rnn_input_jacobian(&net, s, u, Ju);
		const double h = 1e-6;
		for (size_t j = 0; j < S + n_in; j++) {
			double *v = j < S ? &s[j] : &u[j - S], keep = *v;
			*v = keep + h;
			ll_rnn_map(&net, s, u, fp);
			*v = keep - h;
			ll_rnn_map(&net, s, u, fm);
			*v = keep;
			for (size_t i = 0; i < S; i++) {
				double num = (fp[i] - fm[i]) / (2 * h);
				double an = j < S ? J[i * S + j] : Ju[i * n_in + (j - S)];
				worst = fmax(worst, fabs(an - num));
				mx = fmax(mx, fabs(num));
			}
		}
		LL_CHECK_MSG(worst <= 1e-6, "%s: Jacobian off by %g", ll_rnn_cell_name(cells[ci]), worst);
		LL_CHECK(mx > 0.1);
		ll_rnn_free(&net);
	}
}

/* save then load: the same cell, widths and bytes; the optimizer from
 * base. */
static void test_save_load_roundtrip(void)
{
	for (int ci = 0; ci < 3; ci++) {
		ll_rnn_config c, base;
		ll_rnn a, b;
		ll_err e = {0};
		config(&c, cells[ci], 5, 12, 3);
		LL_REQUIRE_OK(ll_rnn_init(&a, &c, &e), e);
		LL_REQUIRE_OK(ll_rnn_save_npz(&a, tmp("rt.npz"), &e), e);
		ll_rnn_config_default(&base);
		base.opt = LL_RNN_SGD;
		base.lr = 0.05;
		LL_REQUIRE_OK(ll_rnn_load_npz(tmp("rt.npz"), &base, &b, &e), e);
		LL_CHECK_INT(b.cfg.cell, cells[ci]);
		LL_CHECK_INT(b.cfg.n_in, 5);
		LL_CHECK_INT(b.cfg.hidden, 12);
		LL_CHECK_INT(b.cfg.n_out, 3);
		LL_CHECK_INT(b.cfg.opt, LL_RNN_SGD);
		LL_CHECK_NEAR(b.cfg.lr, 0.05, 0);
		LL_CHECK(b.nparams == a.nparams && memcmp(a.params, b.params, a.nparams * sizeof(float)) == 0);
		/* the archive: the six keys in state_dict order, float32, PyTorch's shapes */
		char **names = NULL;
		size_t n = 0;
		LL_REQUIRE_OK(ll_npz_list(tmp("rt.npz"), &names, &n, &e), e);
		LL_CHECK_INT(n, 6);
		for (size_t k = 0; k < n && k < 6; k++)
			LL_CHECK_STR(names[k], keys[k]);
		for (size_t k = 0; k < n; k++)
			ll_free(names[k]);
		ll_free(names);
		ll_tensor t;
		ll_array_info info;
		LL_REQUIRE_OK(ll_npz_read(tmp("rt.npz"), "rnn.weight_hh_l0", &t, &info, &e), e);
		LL_CHECK_STR(info.dtype, "<f4");
		LL_CHECK_INT(info.ndim, 2);
		LL_CHECK_INT(info.shape[0], a.gates * 12);
		LL_CHECK_INT(info.shape[1], 12);
		ll_tensor_free(&t);
		ll_rnn_free(&a);
		ll_rnn_free(&b);
	}
}

/* An .npz of the given members (all pointing into data) for the bad-input
 * tests. */
typedef struct mem {
	const char *name;
	size_t d0, d1; /* d1 = 0: a vector */
} mem;

static void write_members(const char *path, const mem *ms, size_t n, const double *data)
{
	ll_npz_member m[8];
	ll_err e;
	memset(m, 0, sizeof m);
	for (size_t k = 0; k < n; k++) {
		m[k].name = ms[k].name;
		m[k].f64 = data;
		m[k].ndim = ms[k].d1 ? 2 : 1;
		m[k].shape[0] = ms[k].d0;
		m[k].shape[1] = ms[k].d1;
	}
	if (ll_npz_write(path, m, n, &e) != LL_OK)
		printf("# cannot write %s: %s\n", path, e.msg);
}

#define CHECK_ERR(rc, code, e, path, sub) do { \
	LL_CHECK_INT(rc, code); \
	LL_CHECK_MSG(strncmp((e).msg, (path), strlen(path)) == 0, "\"%s\" does not start with the path", (e).msg); \
	LL_CHECK_CONTAINS((e).msg, sub); \
	LL_CHECK(strchr((e).msg, '\n') == NULL); } while (0)

/* Each a one-line error naming the file and the problem; the net stays
 * zeroed. */
static void test_load_errors(void)
{
	/* a good LSTM: 3 inputs, 48 units, 2 outputs */
	const mem good[6] = {{"rnn.weight_ih_l0", 192, 3}, {"rnn.weight_hh_l0", 192, 48}, {"rnn.bias_ih_l0", 192, 0},
			     {"rnn.bias_hh_l0", 192, 0},   {"out.weight", 2, 48},          {"out.bias", 2, 0}};
	double *data = malloc(192 * 48 * sizeof *data);
	for (size_t j = 0; j < 192 * 48; j++)
		data[j] = 0.01 * (double)(j % 7);
	mem ms[8];
	ll_rnn net;
	ll_err e;
	const char *p = tmp("bad.npz");
	int rc;

	memcpy(ms, good, sizeof good);
	write_members(p, ms, 6, data);
	LL_REQUIRE_OK(ll_rnn_load_npz(p, NULL, &net, &e), e);
	LL_CHECK_INT(net.cfg.cell, LL_RNN_LSTM);
	ll_rnn_free(&net);

	struct {
		int which;   /* member changed */
		mem to;
		int code;
		const char *msg;
	} cases[] = {
		{3, {"rnn.bias_hh_l0", 96, 0}, LL_ESHAPE, "rnn.bias_hh_l0 has 96 entries, expected 192 (4 x 48 for an LSTM)"},
		{1, {"rnn.weight_hh_l0", 100, 48}, LL_ESHAPE, "rnn.weight_hh_l0 is 100 x 48: its rows must be 1, 3 or 4 times"},
		{1, {"rnn.weight_hh_l0", 192, 0}, LL_ESHAPE, "rnn.weight_hh_l0 has shape 192, expected a matrix"},
		{0, {"rnn.weight_ih_l0", 144, 3}, LL_ESHAPE, "rnn.weight_ih_l0 has 144 rows, expected 192 (4 x 48 for an LSTM)"},
		{2, {"rnn.bias_ih_l0", 1, 192}, LL_ESHAPE, "rnn.bias_ih_l0 has shape 1 x 192, expected a vector"},
		{4, {"out.weight", 2, 47}, LL_ESHAPE, "out.weight is 2 x 47, expected 48 columns"},
		{5, {"out.bias", 3, 0}, LL_ESHAPE, "out.bias has 3 entries, expected 2"},
		{5, {"out.bias_", 2, 0}, LL_EINVAL, "unknown key 'out.bias_'"},
		{5, {"rnn.weight_ih_l1", 2, 0}, LL_EINVAL, "unknown key 'rnn.weight_ih_l1' (only one layer is supported)"},
		{5, {"rnn.weight_ih_l0_reverse", 2, 0}, LL_EINVAL, "(bidirectional RNNs are not supported)"},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		memcpy(ms, good, sizeof good);
		ms[cases[c].which] = cases[c].to;
		write_members(p, ms, 6, data);
		memset(&net, 0xff, sizeof net);
		rc = ll_rnn_load_npz(p, NULL, &net, &e);
		CHECK_ERR(rc, cases[c].code, e, p, cases[c].msg);
		LL_CHECK(net.params == NULL && net.nparams == 0);
	}
	/* the vanilla and GRU wording */
	memcpy(ms, good, sizeof good);
	ms[1] = (mem){"rnn.weight_hh_l0", 48, 48};
	write_members(p, ms, 6, data);
	rc = ll_rnn_load_npz(p, NULL, &net, &e);
	CHECK_ERR(rc, LL_ESHAPE, e, p, "rnn.weight_ih_l0 has 192 rows, expected 48 (1 x 48 for a vanilla RNN)");
	ms[1] = (mem){"rnn.weight_hh_l0", 144, 48};
	write_members(p, ms, 6, data);
	rc = ll_rnn_load_npz(p, NULL, &net, &e);
	CHECK_ERR(rc, LL_ESHAPE, e, p, "expected 144 (3 x 48 for a GRU)");
	/* missing and extra keys */
	memcpy(ms, good, sizeof good);
	write_members(p, ms, 5, data);
	rc = ll_rnn_load_npz(p, NULL, &net, &e);
	CHECK_ERR(rc, LL_EINVAL, e, p, "missing out.bias");
	ms[6] = (mem){"step", 1, 0};
	memcpy(ms, good, sizeof good);
	ms[6] = (mem){"step", 1, 0};
	write_members(p, ms, 7, data);
	rc = ll_rnn_load_npz(p, NULL, &net, &e);
	CHECK_ERR(rc, LL_EINVAL, e, p, "unknown key 'step'");
	/* NaN and Inf weights, named with their index */
	double *bad = malloc(192 * 48 * sizeof *bad);
	memcpy(bad, data, 192 * 48 * sizeof *bad);
	bad[3 * 48 + 7] = NAN;
	ll_npz_member m[6];
	memset(m, 0, sizeof m);
	for (int k = 0; k < 6; k++) {
		m[k].name = good[k].name;
		m[k].f64 = k == 1 ? bad : data;
		m[k].ndim = good[k].d1 ? 2 : 1;
		m[k].shape[0] = good[k].d0;
		m[k].shape[1] = good[k].d1;
	}
	LL_REQUIRE_OK(ll_npz_write(p, m, 6, &e), e);
	rc = ll_rnn_load_npz(p, NULL, &net, &e);
	CHECK_ERR(rc, LL_ENUMERIC, e, p, "rnn.weight_hh_l0[3, 7] is nan");
	LL_CHECK(net.params == NULL);
	bad[3 * 48 + 7] = 0;
	bad[5] = 1e300; /* fine as float64, not as float32 */
	LL_REQUIRE_OK(ll_npz_write(p, m, 6, &e), e);
	rc = ll_rnn_load_npz(p, NULL, &net, &e);
	CHECK_ERR(rc, LL_ENUMERIC, e, p, "rnn.weight_hh_l0[0, 5] is 1e+300 (beyond float32)");
	free(bad);
	/* not an .npz at all */
	size_t one = 3;
	LL_REQUIRE_OK(ll_npy_write_array(tmp("x.npy"), data, 1, &one, 1, &e), e);
	rc = ll_rnn_load_npz(tmp("x.npy"), NULL, &net, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, tmp("x.npy"), "not an .npz archive");
	rc = ll_rnn_load_npz(tmp("none.npz"), NULL, &net, &e);
	CHECK_ERR(rc, LL_EIO, e, tmp("none.npz"), "cannot open");
	/* a bad base config */
	ll_rnn_config base;
	ll_rnn_config_default(&base);
	base.lr = 0;
	memcpy(ms, good, sizeof good);
	write_members(p, ms, 6, data);
	rc = ll_rnn_load_npz(p, &base, &net, &e);
	CHECK_ERR(rc, LL_EINVAL, e, p, "rnn config: lr = 0");
	free(data);
}

/* Data that does not fit the net: one-line errors. */
static void test_bad_data(void)
{
	ll_rnn_config c;
	ll_rnn net;
	ll_err e = {0};
	config(&c, LL_RNN_GRU, 3, 5, 2);
	LL_REQUIRE_OK(ll_rnn_init(&net, &c, &e), e);
	int rc = ll_rnn_check_widths(&net, 4, 2, "rnn train", &e);
	LL_CHECK_INT(rc, LL_ESHAPE);
	LL_CHECK_STR(e.msg, "rnn train: the task has 4 input channels, the net takes 3");
	rc = ll_rnn_check_widths(&net, 3, 1, "rnn train", &e);
	LL_CHECK_INT(rc, LL_ESHAPE);
	LL_CHECK_STR(e.msg, "rnn train: the task has 1 target channel, the net has 2 outputs");
	LL_CHECK_INT(ll_rnn_check_widths(&net, 3, 2, "rnn train", &e), LL_OK);
	float x[2 * 4 * 3], tg[2 * 4 * 2], y[2 * 4 * 2];
	fill_uniform(x, 24, -1, 1, 1);
	fill_uniform(tg, 16, -1, 1, 2);
	rc = ll_rnn_forward(&net, x, 0, 4, NULL, NULL, y, &e);
	LL_CHECK_INT(rc, LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "rnn forward: 0 sequences of 4 steps");
	rc = ll_rnn_train_step(&net, x, tg, 2, 0, NULL, &e);
	LL_CHECK_INT(rc, LL_EINVAL);
	rc = ll_rnn_forward(&net, x, (size_t)1 << 40, (size_t)1 << 30, NULL, NULL, y, &e);
	LL_CHECK_INT(rc, LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "are too many");
	x[1 * 12 + 2 * 3 + 1] = NAN;
	rc = ll_rnn_train_step(&net, x, tg, 2, 4, NULL, &e);
	LL_CHECK_INT(rc, LL_ENUMERIC);
	LL_CHECK_STR(e.msg, "rnn train: x[1, 2, 1] (sequence, step, channel) is nan");
	x[1 * 12 + 2 * 3 + 1] = 0;
	tg[3] = INFINITY;
	rc = ll_rnn_gradient(&net, x, tg, 2, 4, NULL, &e);
	LL_CHECK_INT(rc, LL_ENUMERIC);
	LL_CHECK_STR(e.msg, "rnn gradient: target[0, 1, 1] (sequence, step, channel) is inf");
	LL_CHECK_INT(net.step, 0);
	ll_rnn_free(&net);
}

/* SGD with clipping and Adam's first two steps, by hand. */
static void test_optimizer_steps(void)
{
	size_t B = 4, T = 6;
	float x[4 * 6 * 2], tg[4 * 6 * 1];
	fill_uniform(x, B * T * 2, -1, 1, 71);
	fill_uniform(tg, B * T, -3, 3, 72);
	for (int opt = 0; opt < 2; opt++) {
		for (int clip = 0; clip < 2; clip++) {
			ll_rnn_config c;
			ll_rnn net;
			ll_err e = {0};
			config(&c, LL_RNN_LSTM, 2, 5, 1);
			c.opt = opt ? LL_RNN_ADAM : LL_RNN_SGD;
			c.lr = 0.01;
			c.clip = clip ? 0.05 : 0;
			c.weight_decay = opt ? 0.1 : 0;
			LL_REQUIRE_OK(ll_rnn_init(&net, &c, &e), e);
			size_t np = net.nparams;
			double *p = params_double(&net), *m = calloc(np, sizeof *m), *v = calloc(np, sizeof *v);
			for (int step = 1; step <= 2; step++) {
				double l1, l2;
				LL_REQUIRE_OK(ll_rnn_gradient(&net, x, tg, B, T, &l1, &e), e);
				double *g = malloc(np * sizeof *g), ss = 0;
				for (size_t j = 0; j < np; j++) {
					g[j] = net.grad[j];
					ss += g[j] * g[j];
				}
				double norm = sqrt(ss), coef = c.clip > 0 ? fmin(1.0, c.clip / (norm + 1e-6)) : 1.0;
				LL_REQUIRE_OK(ll_rnn_train_step(&net, x, tg, B, T, &l2, &e), e);
				LL_CHECK_NEAR(l2, l1, 0);
				LL_CHECK_NEAR(net.grad_norm, norm, 1e-6 * norm);
				if (clip)
					LL_CHECK(norm > 2 * c.clip); /* the clip bites */
				double worst = 0;
				for (size_t j = 0; j < np; j++) {
					int is_w = j < net.gates * 5 * (2 + 5) || (j >= (size_t)(net.w_out - net.params) &&
										   j < (size_t)(net.b_out - net.params));
					double gj = g[j] * coef + (is_w ? c.weight_decay * p[j] : 0);
					if (opt) {
						m[j] = 0.9 * m[j] + 0.1 * gj;
						v[j] = 0.999 * v[j] + 0.001 * gj * gj;
						double mh = m[j] / (1 - pow(0.9, step)), vh = v[j] / (1 - pow(0.999, step));
						p[j] -= c.lr * mh / (sqrt(vh) + c.eps);
					} else {
						p[j] -= c.lr * gj;
					}
					worst = fmax(worst, fabs(p[j] - net.params[j]));
				}
				LL_CHECK_MSG(worst < 2e-7, "opt %d clip %d step %d: off by %g", opt, clip, step, worst);
				for (size_t j = 0; j < np; j++)
					p[j] = net.params[j];
				free(g);
			}
			LL_CHECK_INT(net.step, 2);
			free(p);
			free(m);
			free(v);
			ll_rnn_free(&net);
		}
	}
}

/* A 1-bit flip-flop: sparse +-1 pulses on one channel, the target holds
 * the sign of the last pulse (0 before the first). */
static void flipflop(float *x, float *tg, size_t B, size_t T, ll_rng *r)
{
	for (size_t b = 0; b < B; b++) {
		float held = 0;
		for (size_t t = 0; t < T; t++) {
			float u = 0;
			if (ll_rng_uniform(r) < 0.1)
				u = ll_rng_uniform(r) < 0.5 ? -1.0f : 1.0f;
			if (u != 0)
				held = u;
			x[b * T + t] = u;
			tg[b * T + t] = held;
		}
	}
}

/* Vanilla and GRU nets learn the flip-flop: the loss ends below a fifth
 * of where it started (a test that can fail); two nets with the same
 * seed and data end bitwise equal. */
static void test_train_flipflop(void)
{
	size_t B = 32, T = 40, steps = 300;
	float *x = malloc(B * T * sizeof *x), *tg = malloc(B * T * sizeof *tg);
	for (int ci = 0; ci < 2; ci++) {
		ll_rnn_config c;
		ll_rnn net, twin;
		ll_err e = {0};
		ll_rng r;
		config(&c, cells[ci], 1, 16, 1);
		c.lr = 1e-2;
		LL_REQUIRE_OK(ll_rnn_init(&net, &c, &e), e);
		LL_REQUIRE_OK(ll_rnn_init(&twin, &c, &e), e);
		ll_rng_init(&r, 5);
		double first = 0, last = 0;
		for (size_t s = 0; s < steps; s++) {
			double l;
			flipflop(x, tg, B, T, &r);
			LL_REQUIRE_OK(ll_rnn_train_step(&net, x, tg, B, T, &l, &e), e);
			if (s < 3)
				LL_REQUIRE_OK(ll_rnn_train_step(&twin, x, tg, B, T, NULL, &e), e);
			if (s < 10)
				first += l / 10;
			if (s >= steps - 10)
				last += l / 10;
			if (s == 2)
				LL_CHECK(memcmp(net.params, twin.params, net.nparams * sizeof(float)) == 0);
		}
		printf("# %s flip-flop: loss %.4f -> %.4f over %zu steps\n", ll_rnn_cell_name(cells[ci]), first, last, steps);
		LL_CHECK_MSG(last < 0.2 * first, "%s: loss %g -> %g", ll_rnn_cell_name(cells[ci]), first, last);
		ll_rnn_free(&net);
		ll_rnn_free(&twin);
	}
	free(x);
	free(tg);
}

/* A NaN weight, and a learning rate far too high: LL_ENUMERIC naming the
 * step; the failing step leaves the parameters as they were. */
static void test_divergence(void)
{
	size_t B = 8, T = 20;
	float *x = malloc(B * T * sizeof *x), *tg = malloc(B * T * sizeof *tg);
	ll_rng r;
	ll_rng_init(&r, 9);
	flipflop(x, tg, B, T, &r);
	for (int ci = 0; ci < 3; ci++) {
		ll_rnn_config c;
		ll_rnn net;
		ll_err e = {0};
		config(&c, cells[ci], 1, 6, 1);
		LL_REQUIRE_OK(ll_rnn_init(&net, &c, &e), e);
		LL_REQUIRE_OK(ll_rnn_train_step(&net, x, tg, B, T, NULL, &e), e);
		net.w_hh[2 * 6 + 4] = NAN;
		float *keep = malloc(net.nparams * sizeof *keep);
		memcpy(keep, net.params, net.nparams * sizeof *keep);
		int rc = ll_rnn_train_step(&net, x, tg, B, T, NULL, &e);
		LL_CHECK_INT(rc, LL_ENUMERIC);
		LL_CHECK_STR(e.msg, "rnn train: parameter rnn.weight_hh_l0[2, 4] is nan at step 1");
		LL_CHECK(memcmp(keep, net.params, net.nparams * sizeof *keep) == 0);
		LL_CHECK_INT(net.step, 1);
		free(keep);
		ll_rnn_free(&net);

		/* SGD without clipping at lr 1e6 blows up within a few steps */
		c.opt = LL_RNN_SGD;
		c.clip = 0;
		c.lr = 1e6;
		fill_uniform(tg, B * T, 50, 60, 3);
		LL_REQUIRE_OK(ll_rnn_init(&net, &c, &e), e);
		rc = LL_OK;
		size_t s;
		for (s = 0; s < 50 && rc == LL_OK; s++)
			rc = ll_rnn_train_step(&net, x, tg, B, T, NULL, &e);
		LL_CHECK_INT(rc, LL_ENUMERIC);
		LL_CHECK_CONTAINS(e.msg, "rnn train: ");
		char at[32];
		snprintf(at, sizeof at, "at step %zu", s - 1);
		LL_CHECK_CONTAINS(e.msg, at);
		LL_CHECK_CONTAINS(e.msg, "(learning rate 1e+06 too high?)");
		LL_CHECK(strchr(e.msg, '\n') == NULL);
		printf("# %s: %s\n", ll_rnn_cell_name(cells[ci]), e.msg);
		ll_rnn_free(&net);
		flipflop(x, tg, B, T, &r);
	}
	free(x);
	free(tg);
}

/* ---- allocation failures ---- */

typedef struct oom_ctx {
	ll_rnn_cell cell;
	float x[20 * 5 * 2], tg[20 * 5 * 1];
	ll_err err;
} oom_ctx;

static const char *oom_message(void *ud)
{
	return ((oom_ctx *)ud)->err.msg;
}

/* A net's life: init, two train steps (the scratch grows once), a
 * forward with states, save, load, a train step on the loaded net.
 * Every failure must be LL_ENOMEM, free everything and leave the nets'
 * out-parameters zeroed. */
static int oom_run(void *ud)
{
	oom_ctx *o = ud;
	ll_rnn_config c;
	ll_rnn a, b;
	float st[20 * 5 * 8];
	config(&c, o->cell, 2, 4, 1);
	int rc = ll_rnn_init(&a, &c, &o->err);
	if (rc != LL_OK)
		return a.params == NULL && a.ws == NULL ? rc : LL_EINVAL;
	for (int k = 0; k < 2 && rc == LL_OK; k++)
		rc = ll_rnn_train_step(&a, o->x, o->tg, 20, 5, NULL, &o->err);
	if (rc == LL_OK)
		rc = ll_rnn_forward(&a, o->x, 20, 5, NULL, st, NULL, &o->err);
	if (rc == LL_OK)
		rc = ll_rnn_save_npz(&a, tmp("oom.npz"), &o->err);
	if (rc == LL_OK) {
		rc = ll_rnn_load_npz(tmp("oom.npz"), NULL, &b, &o->err);
		if (rc != LL_OK && (b.params || b.ws))
			rc = LL_EINVAL;
		if (rc == LL_OK) {
			rc = ll_rnn_train_step(&b, o->x, o->tg, 20, 5, NULL, &o->err);
			ll_rnn_free(&b);
		}
	}
	ll_rnn_free(&a);
	return rc;
}

/* no half-written file left behind */
static int oom_check(void *ud, size_t k, int rc)
{
	(void)ud, (void)k, (void)rc;
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	int bad = 0;
	while (d && (de = readdir(d)))
		if (strstr(de->d_name, ".tmp.")) {
			printf("# left over: %s\n", de->d_name);
			bad = 1;
		}
	if (d)
		closedir(d);
	unlink(tmp("oom.npz"));
	return bad;
}

static void test_out_of_memory(void)
{
	oom_ctx o;
	memset(&o, 0, sizeof o);
	fill_uniform(o.x, sizeof o.x / sizeof o.x[0], -1, 1, 91);
	fill_uniform(o.tg, sizeof o.tg / sizeof o.tg[0], -1, 1, 92);
#ifdef _OPENMP
	int keep = omp_get_max_threads();
	omp_set_num_threads(1); /* allocations in a fixed order */
#endif
	for (int ci = 0; ci < 3; ci++) {
		o.cell = cells[ci];
		ll_failalloc_sweep s = {.name = ll_rnn_cell_name(cells[ci]), .run = oom_run, .check = oom_check,
					.message = oom_message, .ud = &o};
		int ok = ll_failalloc_sweep_run(&s);
		printf("# %s: %zu allocations, %zu failing runs\n", s.name, s.n, s.runs);
		LL_CHECK_INT(s.clean_rc, LL_OK);
		LL_CHECK(s.n > 10);
		LL_CHECK_INT(s.wrong_rc, 0);
		LL_CHECK_INT(s.leaked, 0);
		LL_CHECK_INT(s.bad_check, 0);
		LL_CHECK_INT(ok, 0);
	}
#ifdef _OPENMP
	omp_set_num_threads(keep);
#endif
}

static void rm_tmpdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[600];
	while (d && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ll_test_rnn.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	LL_RUN(test_names_and_config);
	LL_RUN(test_init);
	LL_RUN(test_forward_reference);
	LL_RUN(test_gradient_check);
	LL_RUN(test_threads_agree);
	LL_RUN(test_map_is_one_step);
	LL_RUN(test_jacobians);
	LL_RUN(test_save_load_roundtrip);
	LL_RUN(test_load_errors);
	LL_RUN(test_bad_data);
	LL_RUN(test_optimizer_steps);
	LL_RUN(test_train_flipflop);
	LL_RUN(test_divergence);
	LL_RUN(test_out_of_memory);
	rm_tmpdir(tmpdir);
	return ll_test_done();
}
