/*
 * One-layer RNNs (vanilla, GRU, LSTM) with a linear readout: float32,
 * batch-parallel sgemm per time step, backpropagation through time.
 *
 * Layout of a batch inside the engine: time-major, row t*B + b holds
 * sequence b at step t, so each step's rows are contiguous.  With
 * R = T*B rows and G = gates*H:
 *   xt  R x n_in   the input, time-major
 *   xp  R x G      X W_ih^T (all steps in one sgemm); in the backward
 *                  pass it is overwritten by dA_x, the gradient of the
 *                  loss with respect to the input-side pre-activations
 *   hs  (R+B) x H  h before step 0, then after every step
 *   cs  (R+B) x H  the same for c (LSTM)
 *   act R x G      gate activations: GRU r z n, LSTM i f g o
 *   hn  R x H      GRU: W_hn h + b_hn, which r multiplies
 *   tc  R x H      LSTM: tanh(c')
 *   y   R x n_out  outputs, then dL/dy
 *   dh  R x H      dL/dh reaching each h from the readout
 *   dah R x G      GRU: gradient w.r.t. the hidden-side pre-activations
 *                  (W_hh h + b_hh); it differs from dA_x in the n block,
 *                  which r scales.  Vanilla and LSTM use dA_x for both.
 * A step is hp = h W_hh^T (B x G, one sgemm) and then an elementwise
 * pass over the B rows; the backward step is the elementwise pass and
 * dh_prev = dA_h W_hh (one sgemm).  Weight gradients are one sgemm each
 * over all R rows: dW_ih = dA_x^T X, dW_hh = dA_h^T H_prev,
 * dW_out = dY^T H.
 *
 * Threads (run, run_job): with several OpenMP threads the batch is cut
 * into chunks of sequences, and each thread takes its chunk through all
 * T steps with single-threaded sgemms on the chunk's rows: sequences are
 * independent, so the steps need no synchronisation.  The all-rows
 * sgemms are split by rows or by output blocks between barriers.  BLAS
 * runs single-threaded meanwhile: its own spinning threads and OpenMP's
 * on the same cores slow each other down.
 *
 * sigmoid and tanh are computed by branch-free float code (fexp, ftanh
 * below) so the elementwise loops vectorise; both are within a few ulp
 * of the exact values, and let NaN through (divergence must show).
 */
#include "nn/ll_rnn.h"

#include <cblas.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_blas.h"
#include "base/ll_rng.h"
#include "base/ll_threads.h"
#include "io/ll_array.h"
#include "io/ll_npz.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* Widths must fit BLAS's int with room for 4 gates. */
#define MAX_WIDTH ((size_t)1 << 24)
/* ll_rnn_forward runs long sequences in pieces of this many steps, so its
 * scratch stays small. */
#define FWD_CHUNK 256
/* Fewest sequences a thread takes, and the most threads (see run). */
#define MIN_CHUNK 8
#define MAX_TEAM 64

static const char *const cell_names[] = {LL_RNN_CELLS(LL_ENUM_NAME)};
static const char *const opt_names[] = {LL_RNN_OPTS(LL_ENUM_NAME)};
static const char *const tensor_names[6] = {"rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
					    "rnn.bias_hh_l0", "out.weight", "out.bias"};
enum { T_W_IH, T_W_HH, T_B_IH, T_B_HH, T_W_OUT, T_B_OUT, N_TENSORS };

/* NaN without its sign, so messages say "nan", not "-nan". */
static double tidy(double v)
{
	return isnan(v) ? fabs(v) : v;
}

const char *ll_rnn_cell_name(ll_rnn_cell c)
{
	return (unsigned)c < LL_ENUM_N(LL_RNN_CELLS) ? cell_names[c] : "?";
}

int ll_rnn_cell_parse(const char *s, ll_rnn_cell *c)
{
	int k = ll_name_lookup(cell_names, LL_ENUM_N(LL_RNN_CELLS), s);
	if (k < 0)
		return LL_EINVAL;
	*c = (ll_rnn_cell)k;
	return LL_OK;
}

const char *ll_rnn_opt_name(ll_rnn_opt o)
{
	return (unsigned)o < LL_ENUM_N(LL_RNN_OPTS) ? opt_names[o] : "?";
}

int ll_rnn_opt_parse(const char *s, ll_rnn_opt *o)
{
	int k = ll_name_lookup(opt_names, LL_ENUM_N(LL_RNN_OPTS), s);
	if (k < 0)
		return LL_EINVAL;
	*o = (ll_rnn_opt)k;
	return LL_OK;
}

void ll_rnn_config_default(ll_rnn_config *c)
{
	memset(c, 0, sizeof *c);
	c->cell = LL_RNN_GRU;
	c->n_in = 1;
	c->hidden = 64;
	c->n_out = 1;
	c->opt = LL_RNN_ADAM;
	c->lr = 1e-3;
	c->beta1 = 0.9;
	c->beta2 = 0.999;
	c->eps = 1e-8;
	c->clip = 1.0;
	c->weight_decay = 0.0;
	c->seed = 1;
}

int ll_rnn_config_check(const ll_rnn_config *c, ll_err *err)
{
	if (!c)
		return ll_err_set(err, LL_EINVAL, "rnn config: NULL");
	if ((unsigned)c->cell >= LL_ENUM_N(LL_RNN_CELLS))
		return ll_err_set(err, LL_EINVAL, "rnn config: unknown cell %d", (int)c->cell);
	if (c->n_in < 1 || c->n_in > MAX_WIDTH)
		return ll_err_set(err, LL_EINVAL, "rnn config: n_in = %zu (must be 1..%zu)", c->n_in, MAX_WIDTH);
	if (c->hidden < 1 || c->hidden > MAX_WIDTH)
		return ll_err_set(err, LL_EINVAL, "rnn config: hidden = %zu (must be 1..%zu)", c->hidden, MAX_WIDTH);
	if (c->n_out < 1 || c->n_out > MAX_WIDTH)
		return ll_err_set(err, LL_EINVAL, "rnn config: n_out = %zu (must be 1..%zu)", c->n_out, MAX_WIDTH);
	if ((unsigned)c->opt >= LL_ENUM_N(LL_RNN_OPTS))
		return ll_err_set(err, LL_EINVAL, "rnn config: unknown optimizer %d", (int)c->opt);
	if (!(c->lr > 0.0) || !isfinite(c->lr))
		return ll_err_set(err, LL_EINVAL, "rnn config: lr = %g (must be > 0)", c->lr);
	if (!(c->beta1 >= 0.0 && c->beta1 < 1.0))
		return ll_err_set(err, LL_EINVAL, "rnn config: beta1 = %g (must be in [0, 1))", c->beta1);
	if (!(c->beta2 >= 0.0 && c->beta2 < 1.0))
		return ll_err_set(err, LL_EINVAL, "rnn config: beta2 = %g (must be in [0, 1))", c->beta2);
	if (!(c->eps > 0.0) || !isfinite(c->eps))
		return ll_err_set(err, LL_EINVAL, "rnn config: eps = %g (must be > 0)", c->eps);
	if (!(c->clip >= 0.0) || !isfinite(c->clip))
		return ll_err_set(err, LL_EINVAL, "rnn config: clip = %g (must be >= 0; 0 = no clipping)", c->clip);
	if (!(c->weight_decay >= 0.0) || !isfinite(c->weight_decay))
		return ll_err_set(err, LL_EINVAL, "rnn config: weight_decay = %g (must be >= 0)", c->weight_decay);
	return LL_OK;
}

void ll_rnn_free(ll_rnn *net)
{
	if (!net)
		return;
	ll_free(net->params);
	ll_free(net->grad);
	ll_free(net->opt_m);
	ll_free(net->opt_v);
	ll_free(net->ws);
	memset(net, 0, sizeof *net);
}

/* Size of tensor k and its offset in params. */
static size_t tensor_len(const ll_rnn *net, int k)
{
	size_t G = net->gates * net->H;
	switch (k) {
	case T_W_IH: return G * net->cfg.n_in;
	case T_W_HH: return G * net->H;
	case T_B_IH:
	case T_B_HH: return G;
	case T_W_OUT: return net->cfg.n_out * net->H;
	default: return net->cfg.n_out;
	}
}

static size_t tensor_cols(const ll_rnn *net, int k)
{
	return k == T_W_IH ? net->cfg.n_in : k == T_W_HH || k == T_W_OUT ? net->H : 1;
}

static float *tensor_ptr(const ll_rnn *net, float *base, int k)
{
	size_t off = 0;
	for (int j = 0; j < k; j++)
		off += tensor_len(net, j);
	return base + off;
}

const char *ll_rnn_param_name(const ll_rnn *net, size_t j, char *buf, size_t n)
{
	for (int k = 0; k < N_TENSORS; k++) {
		size_t len = tensor_len(net, k);
		if (j < len) {
			size_t cols = tensor_cols(net, k);
			if (k == T_W_IH || k == T_W_HH || k == T_W_OUT)
				snprintf(buf, n, "%s[%zu, %zu]", tensor_names[k], j / cols, j % cols);
			else
				snprintf(buf, n, "%s[%zu]", tensor_names[k], j);
			return buf;
		}
		j -= len;
	}
	snprintf(buf, n, "parameter %zu (out of range)", j);
	return buf;
}

int ll_rnn_init(ll_rnn *net, const ll_rnn_config *cfg, ll_err *err)
{
	memset(net, 0, sizeof *net);
	int rc = ll_rnn_config_check(cfg, err);
	if (rc != LL_OK)
		return rc;
	net->cfg = *cfg;
	net->gates = cfg->cell == LL_RNN_VANILLA ? 1 : cfg->cell == LL_RNN_GRU ? 3 : 4;
	net->H = cfg->hidden;
	net->S = cfg->cell == LL_RNN_LSTM ? 2 * cfg->hidden : cfg->hidden;
	/* widths are <= 2^24: no product below overflows size_t */
	size_t np = 0;
	for (int k = 0; k < N_TENSORS; k++)
		np += tensor_len(net, k);
	net->nparams = np;
	net->params = ll_calloc_array(np, sizeof(float));
	net->grad = ll_calloc_array(np, sizeof(float));
	if (cfg->opt == LL_RNN_ADAM) {
		net->opt_m = ll_calloc_array(np, sizeof(float));
		net->opt_v = ll_calloc_array(np, sizeof(float));
	}
	if (!net->params || !net->grad || (cfg->opt == LL_RNN_ADAM && (!net->opt_m || !net->opt_v))) {
		ll_rnn_free(net);
		return ll_err_set(err, LL_ENOMEM, "rnn: out of memory for %zu parameters", np);
	}
	net->w_ih = tensor_ptr(net, net->params, T_W_IH);
	net->w_hh = tensor_ptr(net, net->params, T_W_HH);
	net->b_ih = tensor_ptr(net, net->params, T_B_IH);
	net->b_hh = tensor_ptr(net, net->params, T_B_HH);
	net->w_out = tensor_ptr(net, net->params, T_W_OUT);
	net->b_out = tensor_ptr(net, net->params, T_B_OUT);

	/* PyTorch: nn.RNN/GRU/LSTM reset_parameters draws every weight and
	 * bias from U(-k, k), k = 1/sqrt(H); nn.Linear(H, n_out) draws its
	 * weight by kaiming_uniform_(a = sqrt(5)) and its bias from
	 * U(-1/sqrt(fan_in), ..): both bound 1/sqrt(H) as well. */
	ll_rng r;
	ll_rng_init(&r, ll_seed_derive(cfg->seed, 1, 0));
	double bound = 1.0 / sqrt((double)net->H);
	for (size_t j = 0; j < np; j++)
		net->params[j] = (float)(bound * (2.0 * ll_rng_uniform(&r) - 1.0));
	return LL_OK;
}

int ll_rnn_check_widths(const ll_rnn *net, size_t n_in, size_t n_out, const char *what, ll_err *err)
{
	if (n_in != net->cfg.n_in)
		return ll_err_set(err, LL_ESHAPE, "%s: the task has %zu input channel%s, the net takes %zu", what, n_in,
				  n_in == 1 ? "" : "s", net->cfg.n_in);
	if (n_out != net->cfg.n_out)
		return ll_err_set(err, LL_ESHAPE, "%s: the task has %zu target channel%s, the net has %zu outputs", what,
				  n_out, n_out == 1 ? "" : "s", net->cfg.n_out);
	return LL_OK;
}

/* ---- vectorisable sigmoid and tanh ---- */

/* The elementwise passes are also built for AVX2 and picked when the
 * program loads (GCC's target_clones, an ifunc): 8 floats a step instead
 * of SSE2's 4.  Both builds do the same IEEE operations in the same order
 * (ISO C mode contracts nothing into FMAs), so results do not depend on
 * which one runs. */
/* Not under ThreadSanitizer or AddressSanitizer: the ifunc resolver runs
 * while the program is being linked, before the sanitizer's runtime is
 * up, and its instrumentation crashes there. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__) && defined(__linux__) && \
	!defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
#define LL_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LL_CLONES
#endif

/* c ? a : b by bit masks.  A plain ?: lets the compiler move the
 * arithmetic of the unused side under a branch, and with trapping math
 * (the default) a branch holding a division keeps the loop scalar. */
static inline float fsel(int c, float a, float b)
{
	uint32_t m = (uint32_t)0 - (uint32_t)(c != 0), ua, ub;
	memcpy(&ua, &a, 4);
	memcpy(&ub, &b, 4);
	ua = (ua & m) | (ub & ~m);
	memcpy(&a, &ua, 4);
	return a;
}

/* exp(x), branch-free: Cody-Waite reduction x = n ln2 + r and Cephes'
 * expf polynomial (about 1 ulp); x is clamped to [-87, 88] so 2^n stays a
 * normal float.  NaN passes the clamps and comes out NaN. */
static inline float fexp(float x)
{
	x = fsel(x > 88.0f, 88.0f, x);
	x = fsel(x < -87.0f, -87.0f, x);
	float t = x * 1.44269504088896341f + 12582912.0f; /* 1.5 * 2^23: round to an integer */
	float n = t - 12582912.0f;
	uint32_t ti;
	memcpy(&ti, &t, 4);
	float r = x - n * 0.693359375f;
	r = r - n * -2.12194440e-4f;
	float p = 1.9875691500e-4f;
	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	p = p * r * r + r + 1.0f;
	uint32_t e = (ti - 0x4B400000u + 127u) << 23; /* 2^n */
	float s;
	memcpy(&s, &e, 4);
	return p * s;
}

static inline float fsigmoid(float x)
{
	return 1.0f / (1.0f + fexp(-x));
}

/* tanh: Cephes' odd polynomial below |x| = 0.625 (keeps the relative
 * accuracy near 0), 1 - 2 / (exp(2|x|) + 1) with x's sign above. */
static inline float ftanh(float x)
{
	float ax = fabsf(x);
	float e = fexp(2.0f * ax);
	float big = copysignf(1.0f - 2.0f / (e + 1.0f), x);
	float s = x * x;
	float p = -5.70498872745e-3f;
	p = p * s + 2.06390887954e-2f;
	p = p * s - 5.37397155531e-2f;
	p = p * s + 1.33314422036e-1f;
	p = p * s - 3.33332819422e-1f;
	float small = p * s * x + x;
	return fsel(ax < 0.625f, small, big);
}

/* ---- scratch ---- */

typedef struct rnn_ws {
	float *xt, *xp, *hs, *cs, *act, *hn, *tc, *hp, *y, *dh, *dah, *dprev, *dc, *bsum;
} rnn_ws;

/* Lay the scratch for B x T out from base (NULL: just count); returns
 * the floats needed, or 0 on overflow.  Blocks start on 16 floats. */
static size_t ws_layout(const ll_rnn *net, size_t B, size_t T, float *base, rnn_ws *w)
{
	size_t H = net->H, G = net->gates * H, R, off = 0, n;
	ll_rnn_cell cell = net->cfg.cell;
	struct {
		float **p;
		size_t rows, cols;
	} blk[] = {
		{&w->xt, 0, net->cfg.n_in},
		{&w->xp, 0, G},
		{&w->hs, 1, H},
		{&w->cs, cell == LL_RNN_LSTM ? 1 : 2, H},
		{&w->act, cell != LL_RNN_VANILLA ? 0 : 2, G},
		{&w->hn, cell == LL_RNN_GRU ? 0 : 2, H},
		{&w->tc, cell == LL_RNN_LSTM ? 0 : 2, H},
		{&w->hp, 3, G},
		{&w->y, 0, net->cfg.n_out},
		{&w->dh, 0, H},
		{&w->dah, cell == LL_RNN_GRU ? 0 : 2, G},
		{&w->dprev, 3, H},
		{&w->dc, cell == LL_RNN_LSTM ? 3 : 2, H},
		{&w->bsum, 4, G},
	};
	/* rows: 0 = R, 1 = R + B, 2 = absent, 3 = B, 4 = one */
	if (!ll_mul_ok(T, B, &R) || R > SIZE_MAX - B)
		return 0;
	memset(w, 0, sizeof *w);
	for (size_t k = 0; k < sizeof blk / sizeof blk[0]; k++) {
		size_t rows = blk[k].rows == 0 ? R : blk[k].rows == 1 ? R + B : blk[k].rows == 3 ? B : 1;
		if (blk[k].rows == 2)
			continue;
		if (!ll_mul_ok(rows, blk[k].cols, &n) || n > SIZE_MAX - off - 16)
			return 0;
		if (base)
			*blk[k].p = base + off;
		off += (n + 15) & ~(size_t)15;
	}
	if (!base) /* a count only: leave no pointers */
		memset(w, 0, sizeof *w);
	return off;
}

/* Grow the scratch to B x T and lay it out; LL_OK or LL_ENOMEM. */
static int ws_get(ll_rnn *net, size_t B, size_t T, rnn_ws *w, const char *what, ll_err *err)
{
	size_t need = ws_layout(net, B, T, NULL, w);
	if (need == 0 || need > SIZE_MAX / sizeof(float))
		return ll_err_set(err, LL_ENOMEM, "%s: %zu sequences x %zu steps are too many", what, B, T);
	if (need > net->ws_len) {
		ll_free(net->ws);
		net->ws_len = 0;
		net->ws = ll_malloc_array(need, sizeof(float));
		if (!net->ws)
			return ll_err_set(err, LL_ENOMEM, "%s: out of memory for %zu sequences x %zu steps", what, B, T);
		net->ws_len = need;
		net->ws_B = B;
		net->ws_T = T;
	}
	ws_layout(net, B, T, net->ws, w);
	return LL_OK;
}

static int check_bt(size_t B, size_t T, const char *what, ll_err *err)
{
	if (B == 0 || T == 0)
		return ll_err_set(err, LL_EINVAL, "%s: %zu sequences of %zu steps (need at least one of one)", what, B, T);
	size_t R;
	if (!ll_mul_ok(B, T, &R) || R > (size_t)INT_MAX / 4)
		return ll_err_set(err, LL_EINVAL, "%s: %zu sequences x %zu steps are too many (at most %d)", what, B, T,
				  INT_MAX / 4);
	return LL_OK;
}

/* ---- forward ---- */

static void sgemm_nt(size_t m, size_t n, size_t k, const float *A, size_t lda, const float *Bm, size_t ldb,
		     float beta, float *C, size_t ldc)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, 1.0f, A, (int)lda, Bm,
		    (int)ldb, beta, C, (int)ldc);
}

/* One step's elementwise pass over rows [0, B): xp, hp are the input and
 * hidden projections (B x G, no biases), h/c the state before, the
 * results go to hn (h after), cn (c after), act, hnb (GRU's W_hn h +
 * b_hn), tc (LSTM's tanh(c')). */
LL_CLONES
static void step_vanilla(size_t B, size_t H, const float *xp, const float *hp, const float *bsum, float *hnext)
{
	for (size_t b = 0; b < B; b++) {
		const float *xr = xp + b * H, *hr = hp + b * H;
		float *o = hnext + b * H;
		LL_SIMD
		for (size_t k = 0; k < H; k++)
			o[k] = ftanh(xr[k] + hr[k] + bsum[k]);
	}
}

LL_CLONES
static void step_gru(size_t B, size_t H, const float *xp, const float *hp, const float *bsum, const float *b_in,
		     const float *b_hn, const float *h, float *hnext, float *act, float *hnb)
{
	size_t G = 3 * H;
	for (size_t b = 0; b < B; b++) {
		const float *xr = xp + b * G, *hr = hp + b * G, *hb = h + b * H;
		float *a = act + b * G, *o = hnext + b * H, *q = hnb + b * H;
		LL_SIMD
		for (size_t k = 0; k < H; k++) {
			float r = fsigmoid(xr[k] + hr[k] + bsum[k]);
			float z = fsigmoid(xr[H + k] + hr[H + k] + bsum[H + k]);
			float hn = hr[2 * H + k] + b_hn[k];
			float n = ftanh(xr[2 * H + k] + b_in[k] + r * hn);
			a[k] = r;
			a[H + k] = z;
			a[2 * H + k] = n;
			q[k] = hn;
			o[k] = (1.0f - z) * n + z * hb[k];
		}
	}
}

LL_CLONES
static void step_lstm(size_t B, size_t H, const float *xp, const float *hp, const float *bsum, const float *c,
		      float *hnext, float *cnext, float *act, float *tc)
{
	size_t G = 4 * H;
	for (size_t b = 0; b < B; b++) {
		const float *xr = xp + b * G, *hr = hp + b * G, *cb = c + b * H;
		float *a = act + b * G, *o = hnext + b * H, *co = cnext + b * H, *t = tc + b * H;
		LL_SIMD
		for (size_t k = 0; k < H; k++) {
			float i = fsigmoid(xr[k] + hr[k] + bsum[k]);
			float f = fsigmoid(xr[H + k] + hr[H + k] + bsum[H + k]);
			float g = ftanh(xr[2 * H + k] + hr[2 * H + k] + bsum[2 * H + k]);
			float og = fsigmoid(xr[3 * H + k] + hr[3 * H + k] + bsum[3 * H + k]);
			float cn = f * cb[k] + i * g;
			float tcn = ftanh(cn);
			a[k] = i;
			a[H + k] = f;
			a[2 * H + k] = g;
			a[3 * H + k] = og;
			co[k] = cn;
			t[k] = tcn;
			o[k] = og * tcn;
		}
	}
}

/* Backward elementwise passes of step t over rows [0, B): dh is dL/dh
 * from the readout, dprev the gradient carried from step t + 1 (read,
 * then overwritten by the direct part for step t - 1). */
LL_CLONES
static void back_vanilla(size_t B, size_t H, const float *hnext, const float *dh, const float *dprev, float *da)
{
	for (size_t b = 0; b < B; b++) {
		const float *h = hnext + b * H, *d = dh + b * H, *p = dprev + b * H;
		float *o = da + b * H;
		LL_SIMD
		for (size_t k = 0; k < H; k++)
			o[k] = (d[k] + p[k]) * (1.0f - h[k] * h[k]);
	}
}

LL_CLONES
static void back_gru(size_t B, size_t H, const float *act, const float *hnb, const float *h, const float *dh,
		     float *dprev, float *dax, float *dah)
{
	size_t G = 3 * H;
	for (size_t b = 0; b < B; b++) {
		const float *a = act + b * G, *q = hnb + b * H, *hb = h + b * H, *d = dh + b * H;
		float *p = dprev + b * H, *ax = dax + b * G, *ah = dah + b * G;
		LL_SIMD
		for (size_t k = 0; k < H; k++) {
			float r = a[k], z = a[H + k], n = a[2 * H + k];
			float g = d[k] + p[k];
			float dan = g * (1.0f - z) * (1.0f - n * n);
			float dar = dan * q[k] * r * (1.0f - r);
			float daz = g * (hb[k] - n) * z * (1.0f - z);
			ax[k] = dar;
			ax[H + k] = daz;
			ax[2 * H + k] = dan;
			ah[k] = dar;
			ah[H + k] = daz;
			ah[2 * H + k] = dan * r;
			p[k] = g * z;
		}
	}
}

LL_CLONES
static void back_lstm(size_t B, size_t H, const float *act, const float *tc, const float *c, const float *dh,
		      const float *dprev, float *dc, float *da)
{
	size_t G = 4 * H;
	for (size_t b = 0; b < B; b++) {
		const float *a = act + b * G, *t = tc + b * H, *cb = c + b * H, *d = dh + b * H, *p = dprev + b * H;
		float *dcb = dc + b * H, *o = da + b * G;
		LL_SIMD
		for (size_t k = 0; k < H; k++) {
			float i = a[k], f = a[H + k], g = a[2 * H + k], og = a[3 * H + k];
			float gh = d[k] + p[k];
			float dcc = dcb[k] + gh * og * (1.0f - t[k] * t[k]);
			o[k] = dcc * g * i * (1.0f - i);
			o[H + k] = dcc * cb[k] * f * (1.0f - f);
			o[2 * H + k] = dcc * i * (1.0f - g * g);
			o[3 * H + k] = gh * t[k] * og * (1.0f - og);
			dcb[k] = dcc * f;
		}
	}
}

/* Steps [0, T) for sequences [b0, b1) of B: the rows of each step that
 * belong to them, in w->xp (projections done), w->hs / w->cs (the state
 * before step 0 set), w->hp and the other per-step blocks. */
static void forward_steps(const ll_rnn *net, const rnn_ws *w, size_t B, size_t T, size_t b0, size_t b1)
{
	size_t H = net->H, G = net->gates * H, n = b1 - b0;
	float *hp = w->hp + b0 * G;
	for (size_t t = 0; t < T; t++) {
		size_t o = t * B + b0; /* first row of the chunk at step t */
		const float *xp = w->xp + o * G, *h = w->hs + o * H;
		float *hnext = w->hs + (o + B) * H;
		sgemm_nt(n, G, H, h, H, net->w_hh, H, 0.0f, hp, G);
		switch (net->cfg.cell) {
		case LL_RNN_VANILLA:
			step_vanilla(n, H, xp, hp, w->bsum, hnext);
			break;
		case LL_RNN_GRU:
			step_gru(n, H, xp, hp, w->bsum, net->b_ih + 2 * H, net->b_hh + 2 * H, h, hnext, w->act + o * G,
				 w->hn + o * H);
			break;
		case LL_RNN_LSTM:
			step_lstm(n, H, xp, hp, w->bsum, w->cs + o * H, hnext, w->cs + (o + B) * H, w->act + o * G,
				  w->tc + o * H);
			break;
		}
	}
}

/* Steps T-1 .. 0 of the backward pass for sequences [b0, b1): w->dh
 * holds dL/dh from the readout; w->dprev (and the LSTM's w->dc) start at
 * zero.  Fills dA_x (over w->xp) and, for the GRU, w->dah. */
static void backward_steps(const ll_rnn *net, const rnn_ws *w, size_t B, size_t T, size_t b0, size_t b1)
{
	size_t H = net->H, G = net->gates * H, n = b1 - b0;
	ll_rnn_cell cell = net->cfg.cell;
	float *dah = cell == LL_RNN_GRU ? w->dah : w->xp, *dprev = w->dprev + b0 * H;
	for (size_t t = T; t-- > 0;) {
		size_t o = t * B + b0;
		switch (cell) {
		case LL_RNN_VANILLA:
			back_vanilla(n, H, w->hs + (o + B) * H, w->dh + o * H, dprev, w->xp + o * G);
			break;
		case LL_RNN_GRU:
			back_gru(n, H, w->act + o * G, w->hn + o * H, w->hs + o * H, w->dh + o * H, dprev, w->xp + o * G,
				 w->dah + o * G);
			break;
		case LL_RNN_LSTM:
			back_lstm(n, H, w->act + o * G, w->tc + o * H, w->cs + o * H, w->dh + o * H, dprev, w->dc + b0 * H,
				  w->xp + o * G);
			break;
		}
		if (t > 0) /* dh_prev (+)= dA_h W_hh; GRU's dprev holds its direct part z dh */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)H, (int)G, 1.0f,
				    dah + o * G, (int)G, net->w_hh, (int)H, cell == LL_RNN_GRU ? 1.0f : 0.0f, dprev,
				    (int)H);
	}
}

/* Column sums of rows [0, R) and columns [k0, k1) of an R x n matrix
 * into out[k0..k1) (overwritten). */
LL_CLONES
static void col_sums(const float *A, size_t R, size_t n, size_t k0, size_t k1, float *out)
{
	memset(out + k0, 0, (k1 - k0) * sizeof *out);
	for (size_t r = 0; r < R; r++) {
		const float *a = A + r * n;
		LL_SIMD
		for (size_t k = k0; k < k1; k++)
			out[k] += a[k];
	}
}

/* One forward pass (and with target, the loss and gradient) of B
 * sequences of T steps, as a job for one thread or a team. */
typedef struct rnn_job {
	ll_rnn *net;
	const rnn_ws *w;
	size_t B, T;
	int outputs;          /* compute w->y */
	const float *target;  /* B x T x n_out: the loss and its gradient; NULL: forward only */
	double *part;         /* per-thread partial sums of squared errors */
} rnn_job;

/* A barrier of the job's team.  Only when there is a team: run alone
 * (nth 1) inside someone else's parallel region - the [rnn] step trains
 * its networks in parallel - an orphaned barrier would bind to that
 * region and wait for threads that never come. */
#ifdef _OPENMP
#define TEAM_BARRIER(nth) do { if ((nth) > 1) { _Pragma("omp barrier") } } while (0)
#else
#define TEAM_BARRIER(nth) ((void)(nth))
#endif

/* [n c / nth, n (c + 1) / nth): thread c's share of n. */
static size_t share(size_t n, int c, int nth)
{
	return n * (size_t)c / (size_t)nth;
}

/* The job's work for thread c of nth, in phases separated by barriers
 * (orphaned: no-ops when run alone).  Each phase splits its work so that
 * threads write disjoint blocks: rows of the big sgemms, the batch for
 * the steps through time (sequences are independent, so a thread takes
 * its sequences through all T steps with no synchronisation between
 * steps), output rows or columns for the weight gradients. */
static void run_job(const rnn_job *j, int c, int nth)
{
	ll_rnn *net = j->net;
	const rnn_ws *w = j->w;
	size_t B = j->B, T = j->T, R = B * T, H = net->H, G = net->gates * H, n_in = net->cfg.n_in;
	size_t K = net->cfg.n_out;
	size_t r0 = share(R, c, nth), r1 = share(R, c + 1, nth), b0 = share(B, c, nth), b1 = share(B, c + 1, nth);
	ll_rnn_cell cell = net->cfg.cell;

	/* the input projection of every step at once */
	sgemm_nt(r1 - r0, G, n_in, w->xt + r0 * n_in, n_in, net->w_ih, n_in, 0.0f, w->xp + r0 * G, G);
	TEAM_BARRIER(nth);
	forward_steps(net, w, B, T, b0, b1);
	TEAM_BARRIER(nth);
	if (!j->outputs)
		return;
	/* readout of rows [r0, r1) */
	sgemm_nt(r1 - r0, K, H, w->hs + (B + r0) * H, H, net->w_out, H, 0.0f, w->y + r0 * K, K);
	for (size_t r = r0; r < r1; r++) {
		float *yr = w->y + r * K;
		LL_SIMD
		for (size_t k = 0; k < K; k++)
			yr[k] += net->b_out[k];
	}
	if (!j->target)
		return;
	/* loss and dL/dy = 2 (y - target) / (R K), in place; dL/dh = dY W_out */
	double sum = 0.0;
	float scale = (float)(2.0 / ((double)R * (double)K));
	for (size_t r = r0; r < r1; r++) {
		size_t t = r / B, b = r % B;
		float *yr = w->y + r * K;
		const float *tr = j->target + (b * T + t) * K;
		for (size_t k = 0; k < K; k++) {
			float d = yr[k] - tr[k];
			sum += (double)d * d;
			yr[k] = scale * d;
		}
	}
	j->part[c] = sum;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(r1 - r0), (int)H, (int)K, 1.0f, w->y + r0 * K,
		    (int)K, net->w_out, (int)H, 0.0f, w->dh + r0 * H, (int)H);
	memset(w->dprev + b0 * H, 0, (b1 - b0) * H * sizeof(float));
	if (w->dc)
		memset(w->dc + b0 * H, 0, (b1 - b0) * H * sizeof(float));
	TEAM_BARRIER(nth);
	/* through time; xp becomes dA_x */
	backward_steps(net, w, B, T, b0, b1);
	TEAM_BARRIER(nth);
	/* weights, split by output rows (columns for dW_out):
	 * dW_ih = dA_x^T X, dW_hh = dA_h^T H_prev, dW_out = dY^T H */
	const float *dah = cell == LL_RNN_GRU ? w->dah : w->xp;
	float *gw_ih = tensor_ptr(net, net->grad, T_W_IH), *gw_hh = tensor_ptr(net, net->grad, T_W_HH);
	float *gb_ih = tensor_ptr(net, net->grad, T_B_IH), *gb_hh = tensor_ptr(net, net->grad, T_B_HH);
	float *gw_out = tensor_ptr(net, net->grad, T_W_OUT), *gb_out = tensor_ptr(net, net->grad, T_B_OUT);
	size_t g0 = share(G, c, nth), g1 = share(G, c + 1, nth), h0 = share(H, c, nth), h1 = share(H, c + 1, nth);
	if (g1 > g0) {
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(g1 - g0), (int)n_in, (int)R, 1.0f, w->xp + g0,
			    (int)G, w->xt, (int)n_in, 0.0f, gw_ih + g0 * n_in, (int)n_in);
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(g1 - g0), (int)H, (int)R, 1.0f, dah + g0,
			    (int)G, w->hs, (int)H, 0.0f, gw_hh + g0 * H, (int)H);
		col_sums(w->xp, R, G, g0, g1, gb_ih);
		if (cell == LL_RNN_GRU)
			col_sums(dah, R, G, g0, g1, gb_hh);
		else
			memcpy(gb_hh + g0, gb_ih + g0, (g1 - g0) * sizeof(float));
	}
	if (h1 > h0)
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)(h1 - h0), (int)R, 1.0f, w->y, (int)K,
			    w->hs + B * H + h0, (int)H, 0.0f, gw_out + h0, (int)H);
	if (c == 0)
		col_sums(w->y, R, K, 0, K, gb_out);
}

/* Threads for a job on B sequences: one per OpenMP thread, each with at
 * least MIN_CHUNK sequences; 1 inside another parallel region (nets
 * trained in parallel) and without OpenMP. */
static int job_threads(size_t B)
{
#ifdef _OPENMP
	if (omp_in_parallel())
		return 1;
	size_t nt = (size_t)ll_threads_resolve(0), most = B / MIN_CHUNK;
	if (nt > most)
		nt = most;
	if (nt > MAX_TEAM)
		nt = MAX_TEAM;
	return nt > 1 ? (int)nt : 1;
#else
	(void)B;
	return 1;
#endif
}

/* Run the job on a team of OpenMP threads, each calling BLAS
 * single-threaded (two pools of spinning threads on the same cores slow
 * each other down), or alone with BLAS threading as configured.  Returns
 * the summed squared error when the job has a target. */
static double run(rnn_job *j)
{
	double part[MAX_TEAM] = {0}, sum = 0.0;
	int nth = job_threads(j->B);
	j->part = part;
	for (size_t k = 0; k < j->net->gates * j->net->H; k++)
		j->w->bsum[k] = j->net->b_ih[k] + j->net->b_hh[k];
	if (nth <= 1) {
		run_job(j, 0, 1);
		nth = 1;
	} else {
#ifdef _OPENMP
		int blas = openblas_get_num_threads();
		openblas_set_num_threads(1);
#pragma omp parallel num_threads(nth)
		{
			/* the team may be smaller than asked */
			int got = omp_get_num_threads();
#pragma omp single
			nth = got;
			run_job(j, omp_get_thread_num(), got);
		}
		openblas_set_num_threads(blas);
#endif
	}
	for (int c = 0; c < nth; c++) /* in a fixed order */
		sum += part[c];
	return sum;
}

/* x (B x T_all x n_in, steps [t0, t0 + T)) into the time-major w->xt. */
static void gather_input(const ll_rnn *net, const rnn_ws *w, const float *x, size_t B, size_t T_all, size_t t0,
			 size_t T)
{
	size_t n_in = net->cfg.n_in;
	for (size_t t = 0; t < T; t++)
		for (size_t b = 0; b < B; b++)
			memcpy(w->xt + (t * B + b) * n_in, x + (b * T_all + t0 + t) * n_in, n_in * sizeof(float));
}

int ll_rnn_forward(ll_rnn *net, const float *x, size_t B, size_t T, const float *s0, float *states, float *y,
		   ll_err *err)
{
	size_t H = net->H, S = net->S, K = net->cfg.n_out, Tc = T < FWD_CHUNK ? T : FWD_CHUNK;
	rnn_ws w;
	int rc = check_bt(B, T, "rnn forward", err);
	if (rc == LL_OK)
		rc = ws_get(net, B, Tc, &w, "rnn forward", err);
	if (rc != LL_OK)
		return rc;
	/* the state before the first step */
	for (size_t b = 0; b < B; b++) {
		for (size_t k = 0; k < H; k++) {
			w.hs[b * H + k] = s0 ? s0[b * S + k] : 0.0f;
			if (w.cs)
				w.cs[b * H + k] = s0 ? s0[b * S + H + k] : 0.0f;
		}
	}
	for (size_t t0 = 0; t0 < T; t0 += Tc) {
		size_t n = T - t0 < Tc ? T - t0 : Tc;
		rnn_job j = {net, &w, B, n, y != NULL, NULL, NULL};
		gather_input(net, &w, x, B, T, t0, n);
		run(&j);
		for (size_t t = 0; t < n; t++) {
			for (size_t b = 0; b < B; b++) {
				size_t row = t * B + b, out = b * T + t0 + t;
				if (states) {
					memcpy(states + out * S, w.hs + (row + B) * H, H * sizeof(float));
					if (w.cs)
						memcpy(states + out * S + H, w.cs + (row + B) * H, H * sizeof(float));
				}
				if (y)
					memcpy(y + out * K, w.y + row * K, K * sizeof(float));
			}
		}
		/* carry the last state to the front for the next piece */
		memmove(w.hs, w.hs + n * B * H, B * H * sizeof(float));
		if (w.cs)
			memmove(w.cs, w.cs + n * B * H, B * H * sizeof(float));
	}
	return LL_OK;
}

/* ---- backward ---- */

/* Check x and target for NaN / Inf: LL_OK or LL_ENUMERIC naming one. */
static int check_finite_data(const float *v, size_t B, size_t T, size_t n, const char *name, const char *what,
			     ll_err *err)
{
	size_t len = B * T * n;
	for (size_t j = 0; j < len; j++)
		if (!isfinite(v[j])) {
			size_t b = j / (T * n), t = j / n % T, k = j % n;
			return ll_err_set(err, LL_ENUMERIC, "%s: %s[%zu, %zu, %zu] (sequence, step, channel) is %g", what,
					  name, b, t, k, tidy(v[j]));
		}
	return LL_OK;
}

/* Forward from zero state, loss and full BPTT into net->grad. */
static int gradient(ll_rnn *net, const float *x, const float *target, size_t B, size_t T, double *loss,
		    const char *what, ll_err *err)
{
	size_t H = net->H, K = net->cfg.n_out;
	rnn_ws w;
	int rc = check_bt(B, T, what, err);
	if (rc == LL_OK)
		rc = check_finite_data(x, B, T, net->cfg.n_in, "x", what, err);
	if (rc == LL_OK)
		rc = check_finite_data(target, B, T, K, "target", what, err);
	if (rc == LL_OK)
		rc = ws_get(net, B, T, &w, what, err);
	if (rc != LL_OK)
		return rc;
	memset(w.hs, 0, B * H * sizeof(float));
	if (w.cs)
		memset(w.cs, 0, B * H * sizeof(float));
	gather_input(net, &w, x, B, T, 0, T);
	rnn_job j = {net, &w, B, T, 1, target, NULL};
	*loss = run(&j) / ((double)B * (double)T * (double)K);
	return LL_OK;
}

int ll_rnn_gradient(ll_rnn *net, const float *x, const float *target, size_t B, size_t T, double *loss,
		    ll_err *err)
{
	double l = 0.0;
	int rc = gradient(net, x, target, B, T, &l, "rnn gradient", err);
	if (rc == LL_OK && loss)
		*loss = l;
	return rc;
}

/* ---- training ---- */

/* The first parameter that is not finite, or nparams. */
static size_t first_nonfinite(const ll_rnn *net)
{
	for (size_t j = 0; j < net->nparams; j++)
		if (!isfinite(net->params[j]))
			return j;
	return net->nparams;
}

int ll_rnn_train_step(ll_rnn *net, const float *x, const float *target, size_t B, size_t T, double *loss,
		      ll_err *err)
{
	const ll_rnn_config *c = &net->cfg;
	size_t np = net->nparams, bad;
	char name[96];
	double l = 0.0;

	int rc = gradient(net, x, target, B, T, &l, "rnn train", err);
	if (rc != LL_OK)
		return rc;
	if (!isfinite(l)) {
		if ((bad = first_nonfinite(net)) < np)
			return ll_err_set(err, LL_ENUMERIC, "rnn train: parameter %s is %g at step %zu",
					  ll_rnn_param_name(net, bad, name, sizeof name), tidy(net->params[bad]),
					  net->step);
		return ll_err_set(err, LL_ENUMERIC, "rnn train: loss is %g at step %zu (learning rate %g too high?)", tidy(l),
				  net->step, c->lr);
	}
	float *p = net->params, *g = net->grad;
	double ss = 0.0;
	for (size_t j = 0; j < np; j++)
		ss += (double)g[j] * g[j];
	double norm = sqrt(ss);
	net->grad_norm = norm;
	if (!isfinite(norm))
		return ll_err_set(err, LL_ENUMERIC, "rnn train: gradient norm is %g at step %zu (learning rate %g too high?)",
				  tidy(norm), net->step, c->lr);
	if (c->clip > 0.0) {
		/* as torch.nn.utils.clip_grad_norm_ */
		double coef = c->clip / (norm + 1e-6);
		if (coef < 1.0) {
			float fc = (float)coef;
			LL_SIMD
			for (size_t j = 0; j < np; j++)
				g[j] *= fc;
		}
	}
	if (c->weight_decay > 0.0) {
		float wd = (float)c->weight_decay;
		const int wt[3] = {T_W_IH, T_W_HH, T_W_OUT};
		for (int k = 0; k < 3; k++) {
			float *pw = tensor_ptr(net, p, wt[k]), *gw = tensor_ptr(net, g, wt[k]);
			size_t len = tensor_len(net, wt[k]);
			LL_SIMD
			for (size_t j = 0; j < len; j++)
				gw[j] += wd * pw[j];
		}
	}
	net->step++;
	if (c->opt == LL_RNN_SGD) {
		float lr = (float)c->lr;
		LL_SIMD
		for (size_t j = 0; j < np; j++)
			p[j] -= lr * g[j];
	} else {
		/* torch.optim.Adam: p -= lr / (1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps) */
		double t = (double)net->step;
		float b1 = (float)c->beta1, b2 = (float)c->beta2, eps = (float)c->eps;
		float step = (float)(c->lr / (1.0 - pow(c->beta1, t)));
		float isb2 = (float)(1.0 / sqrt(1.0 - pow(c->beta2, t)));
		float *m = net->opt_m, *v = net->opt_v;
		for (size_t j = 0; j < np; j++) {
			m[j] = b1 * m[j] + (1.0f - b1) * g[j];
			v[j] = b2 * v[j] + (1.0f - b2) * g[j] * g[j];
			p[j] -= step * m[j] / (sqrtf(v[j]) * isb2 + eps);
		}
	}
	if ((bad = first_nonfinite(net)) < np)
		return ll_err_set(err, LL_ENUMERIC, "rnn train: parameter %s became %g at step %zu (learning rate %g too high?)",
				  ll_rnn_param_name(net, bad, name, sizeof name), tidy(p[bad]), net->step - 1, c->lr);
	if (loss)
		*loss = l;
	return LL_OK;
}

/* ---- one step in double ---- */

static double dsig(double a)
{
	return 1.0 / (1.0 + exp(-a));
}

/* Pre-activations of one step: ax = W_ih u + b_ih, ah = W_hh h + b_hh. */
static void preact(const ll_rnn *net, const double *h, const double *u, double *ax, double *ah)
{
	size_t H = net->H, G = net->gates * H, n_in = net->cfg.n_in;
	for (size_t r = 0; r < G; r++) {
		double sx = net->b_ih[r], sh = net->b_hh[r];
		for (size_t k = 0; k < n_in; k++)
			sx += (double)net->w_ih[r * n_in + k] * u[k];
		for (size_t k = 0; k < H; k++)
			sh += (double)net->w_hh[r * H + k] * h[k];
		ax[r] = sx;
		ah[r] = sh;
	}
}

/* Room for the pre-activations of one step: on the stack when small. */
#define PRE_STACK 1024
static double *pre_buf(size_t G, double *stack)
{
	return 2 * G <= PRE_STACK ? stack : ll_malloc_array(2 * G, sizeof(double));
}

void ll_rnn_map(const ll_rnn *net, const double *s, const double *u, double *s_next)
{
	size_t H = net->H, G = net->gates * H;
	double stack[PRE_STACK], *ax = pre_buf(G, stack), *ah = ax ? ax + G : NULL;
	if (!ax) { /* no memory: NaN rather than a wrong number */
		for (size_t k = 0; k < net->S; k++)
			s_next[k] = NAN;
		return;
	}
	preact(net, s, u, ax, ah);
	for (size_t k = 0; k < H; k++) {
		switch (net->cfg.cell) {
		case LL_RNN_VANILLA:
			s_next[k] = tanh(ax[k] + ah[k]);
			break;
		case LL_RNN_GRU: {
			double r = dsig(ax[k] + ah[k]), z = dsig(ax[H + k] + ah[H + k]);
			double n = tanh(ax[2 * H + k] + r * ah[2 * H + k]);
			s_next[k] = (1.0 - z) * n + z * s[k];
			break;
		}
		case LL_RNN_LSTM: {
			double i = dsig(ax[k] + ah[k]), f = dsig(ax[H + k] + ah[H + k]);
			double g = tanh(ax[2 * H + k] + ah[2 * H + k]), o = dsig(ax[3 * H + k] + ah[3 * H + k]);
			double c = f * s[H + k] + i * g;
			s_next[H + k] = c;
			s_next[k] = o * tanh(c);
			break;
		}
		}
	}
	if (ax != stack)
		ll_free(ax);
}

/* The Jacobian of the step with respect to h (hidden: W = W_hh, J is
 * S x S) or to u (W = W_ih, J is S x n_in), ld = W's columns = J's.  Row
 * k of either is a combination of row k of each gate block of W: coef[q]
 * multiplies row q*H + k for h'_k, ccoef[q] for the LSTM's c'_k.  GRU's
 * n block differs between the sides (r scales the hidden one); the
 * hidden side adds the direct paths (z h, f c). */
static void jac_rows(const ll_rnn *net, const double *s, const double *u, const float *W, size_t ld, int hidden,
		     double *J, size_t ldj)
{
	size_t H = net->H, G = net->gates * H, S = net->S;
	double stack[PRE_STACK], *ax = pre_buf(G, stack), *ah = ax ? ax + G : NULL;
	if (!ax) {
		for (size_t k = 0; k < S * ldj; k++)
			J[k] = NAN;
		return;
	}
	preact(net, s, u, ax, ah);
	memset(J, 0, S * ldj * sizeof *J);
	for (size_t k = 0; k < H; k++) {
		double coef[4] = {0, 0, 0, 0}, ccoef[4] = {0, 0, 0, 0}; /* for h'_k and (LSTM) c'_k */
		switch (net->cfg.cell) {
		case LL_RNN_VANILLA: {
			double h = tanh(ax[k] + ah[k]);
			coef[0] = 1.0 - h * h;
			break;
		}
		case LL_RNN_GRU: {
			double r = dsig(ax[k] + ah[k]), z = dsig(ax[H + k] + ah[H + k]);
			double n = tanh(ax[2 * H + k] + r * ah[2 * H + k]);
			double dn = (1.0 - z) * (1.0 - n * n); /* dh'/d(n's pre-activation) */
			coef[0] = dn * ah[2 * H + k] * r * (1.0 - r);
			coef[1] = (s[k] - n) * z * (1.0 - z);
			coef[2] = hidden ? dn * r : dn;
			if (hidden)
				J[k * ldj + k] += z;
			break;
		}
		case LL_RNN_LSTM: {
			double i = dsig(ax[k] + ah[k]), f = dsig(ax[H + k] + ah[H + k]);
			double g = tanh(ax[2 * H + k] + ah[2 * H + k]), o = dsig(ax[3 * H + k] + ah[3 * H + k]);
			double c = f * s[H + k] + i * g, tc = tanh(c);
			ccoef[0] = g * i * (1.0 - i);
			ccoef[1] = s[H + k] * f * (1.0 - f);
			ccoef[2] = i * (1.0 - g * g);
			double dhc = o * (1.0 - tc * tc); /* dh'/dc' */
			for (int q = 0; q < 3; q++)
				coef[q] = dhc * ccoef[q];
			coef[3] = tc * o * (1.0 - o);
			if (hidden) { /* through c: dc'/dc = f */
				J[(H + k) * ldj + H + k] += f;
				J[k * ldj + H + k] += dhc * f;
			}
			break;
		}
		}
		for (size_t q = 0; q < net->gates; q++) {
			const float *w = W + (q * H + k) * ld;
			for (size_t j = 0; j < ld; j++) {
				J[k * ldj + j] += coef[q] * w[j];
				if (net->cfg.cell == LL_RNN_LSTM)
					J[(H + k) * ldj + j] += ccoef[q] * w[j];
			}
		}
	}
	if (ax != stack)
		ll_free(ax);
}

void ll_rnn_jacobian(const ll_rnn *net, const double *s, const double *u, double *J)
{
	jac_rows(net, s, u, net->w_hh, net->H, 1, J, net->S);
}

void ll_rnn_input_jacobian(const ll_rnn *net, const double *s, const double *u, double *Ju)
{
	jac_rows(net, s, u, net->w_ih, net->cfg.n_in, 0, Ju, net->cfg.n_in);
}

void ll_rnn_readout(const ll_rnn *net, const double *s, double *y)
{
	size_t H = net->H;
	for (size_t k = 0; k < net->cfg.n_out; k++) {
		double v = net->b_out[k];
		for (size_t j = 0; j < H; j++)
			v += (double)net->w_out[k * H + j] * s[j];
		y[k] = v;
	}
}

/* ---- .npz in PyTorch's state_dict naming ---- */

int ll_rnn_save_npz(const ll_rnn *net, const char *path, ll_err *err)
{
	ll_npz_member m[N_TENSORS];
	memset(m, 0, sizeof m);
	for (int k = 0; k < N_TENSORS; k++) {
		size_t cols = tensor_cols(net, k), len = tensor_len(net, k);
		m[k].name = tensor_names[k];
		m[k].f32 = tensor_ptr(net, net->params, k);
		if (k == T_W_IH || k == T_W_HH || k == T_W_OUT) {
			m[k].ndim = 2;
			m[k].shape[0] = len / cols;
			m[k].shape[1] = cols;
		} else {
			m[k].ndim = 1;
			m[k].shape[0] = len;
		}
	}
	return ll_npz_write(path, m, N_TENSORS, err);
}

/* A key from a file, safe to print: at most 60 bytes, '?' for anything
 * that is not printable ASCII. */
static const char *printable(const char *s, char *buf, size_t n)
{
	size_t j = 0;
	for (; s[j] && j + 4 < n && j < 60; j++)
		buf[j] = isprint((unsigned char)s[j]) ? s[j] : '?';
	if (s[j])
		memcpy(buf + j, "...", 3), j += 3;
	buf[j] = '\0';
	return buf;
}

static const char *shape_str(const ll_array_info *in, char *buf, size_t n)
{
	size_t off = 0;
	if (in->ndim == 0) {
		snprintf(buf, n, "a scalar");
		return buf;
	}
	for (int d = 0; d < in->ndim && off < n; d++)
		off += (size_t)snprintf(buf + off, n - off, d ? " x %zu" : "%zu", in->shape[d]);
	return buf;
}

static const char *gates_phrase(size_t gates, size_t H, char *buf, size_t n)
{
	snprintf(buf, n, "%zu x %zu for %s", gates, H,
		 gates == 1 ? "a vanilla RNN" : gates == 3 ? "a GRU" : "an LSTM");
	return buf;
}

/* Shapes of the six tensors (idx[k]: member of set) against one another;
 * fills the widths into c.  LL_OK or LL_ESHAPE naming the tensor. */
static int check_shapes(const char *path, const ll_array_set *set, const size_t *idx, ll_rnn_config *c,
			ll_err *err)
{
	const ll_array_info *in[N_TENSORS];
	char sh[96], gp[64];
	for (int k = 0; k < N_TENSORS; k++)
		in[k] = &set->info[idx[k]];
	for (int k = 0; k < N_TENSORS; k++) {
		int want = k == T_W_IH || k == T_W_HH || k == T_W_OUT ? 2 : 1;
		if (in[k]->ndim != want)
			return ll_err_set(err, LL_ESHAPE, "%s: %s has shape %s, expected %s", path, tensor_names[k],
					  shape_str(in[k], sh, sizeof sh), want == 2 ? "a matrix" : "a vector");
	}
	size_t H = in[T_W_HH]->shape[1], rows = in[T_W_HH]->shape[0], gates = H ? rows / H : 0;
	if (H == 0 || H > MAX_WIDTH || rows % H != 0 || (gates != 1 && gates != 3 && gates != 4))
		return ll_err_set(err, LL_ESHAPE,
				  "%s: rnn.weight_hh_l0 is %zu x %zu: its rows must be 1, 3 or 4 times its columns "
				  "(H, 3H, 4H for a vanilla RNN, GRU, LSTM)",
				  path, rows, H);
	size_t G = gates * H;
	gates_phrase(gates, H, gp, sizeof gp);
	if (in[T_W_IH]->shape[0] != G)
		return ll_err_set(err, LL_ESHAPE, "%s: rnn.weight_ih_l0 has %zu rows, expected %zu (%s)", path,
				  in[T_W_IH]->shape[0], G, gp);
	for (int k = T_B_IH; k <= T_B_HH; k++)
		if (in[k]->shape[0] != G)
			return ll_err_set(err, LL_ESHAPE, "%s: %s has %zu entries, expected %zu (%s)", path,
					  tensor_names[k], in[k]->shape[0], G, gp);
	if (in[T_W_OUT]->shape[1] != H)
		return ll_err_set(err, LL_ESHAPE, "%s: out.weight is %s, expected %zu columns (the hidden units)", path,
				  shape_str(in[T_W_OUT], sh, sizeof sh), H);
	if (in[T_B_OUT]->shape[0] != in[T_W_OUT]->shape[0])
		return ll_err_set(err, LL_ESHAPE, "%s: out.bias has %zu entries, expected %zu (the rows of out.weight)",
				  path, in[T_B_OUT]->shape[0], in[T_W_OUT]->shape[0]);
	c->cell = gates == 1 ? LL_RNN_VANILLA : gates == 3 ? LL_RNN_GRU : LL_RNN_LSTM;
	c->hidden = H;
	c->n_in = in[T_W_IH]->shape[1];
	c->n_out = in[T_W_OUT]->shape[0];
	return LL_OK;
}

int ll_rnn_load_npz(const char *path, const ll_rnn_config *base, ll_rnn *net, ll_err *err)
{
	ll_array_set set;
	ll_rnn_config c;
	size_t idx[N_TENSORS];
	char q[80];
	int rc;

	memset(net, 0, sizeof *net);
	rc = ll_array_read_all(path, &set, err);
	if (rc != LL_OK)
		return rc;
	if (set.format != LL_ARRAY_NPZ || set.member) {
		rc = ll_err_set(err, LL_EFORMAT, "%s: not an .npz archive of the rnn.* and out.* tensors", path);
		goto out;
	}
	for (int k = 0; k < N_TENSORS; k++)
		idx[k] = SIZE_MAX;
	for (size_t j = 0; j < set.n; j++) {
		int k = 0;
		while (k < N_TENSORS && strcmp(set.names[j], tensor_names[k]) != 0)
			k++;
		if (k == N_TENSORS) {
			const char *nm = set.names[j];
			const char *why = strstr(nm, "_reverse") ? " (bidirectional RNNs are not supported)"
					  : strncmp(nm, "rnn.", 4) == 0 && strstr(nm, "_l") && !strstr(nm, "_l0")
						  ? " (only one layer is supported)"
						  : "";
			rc = ll_err_set(err, LL_EINVAL,
					"%s: unknown key '%s'%s (expected rnn.weight_ih_l0, rnn.weight_hh_l0, "
					"rnn.bias_ih_l0, rnn.bias_hh_l0, out.weight, out.bias)",
					path, printable(nm, q, sizeof q), why);
			goto out;
		}
		if (idx[k] != SIZE_MAX) {
			rc = ll_err_set(err, LL_EFORMAT, "%s: %s appears twice", path, tensor_names[k]);
			goto out;
		}
		idx[k] = j;
		const char *dt = set.info[j].dtype;
		if (strlen(dt) != 3 || (dt[0] != '<' && dt[0] != '>' && dt[0] != '=') ||
		    (strcmp(dt + 1, "f4") != 0 && strcmp(dt + 1, "f8") != 0)) {
			rc = ll_err_set(err, LL_EFORMAT, "%s: %s has dtype %s (expected float32 or float64)", path,
					tensor_names[k], dt);
			goto out;
		}
	}
	for (int k = 0; k < N_TENSORS; k++)
		if (idx[k] == SIZE_MAX) {
			rc = ll_err_set(err, LL_EINVAL, "%s: missing %s", path, tensor_names[k]);
			goto out;
		}
	if (base)
		c = *base;
	else
		ll_rnn_config_default(&c);
	rc = check_shapes(path, &set, idx, &c, err);
	if (rc != LL_OK)
		goto out;
	rc = ll_rnn_init(net, &c, err);
	if (rc != LL_OK) {
		ll_err_prefix(err, "%s", path);
		goto out;
	}
	for (int k = 0; k < N_TENSORS && rc == LL_OK; k++) {
		const ll_tensor *t = &set.t[idx[k]];
		float *dst = tensor_ptr(net, net->params, k);
		for (size_t j = 0; j < t->size; j++) {
			dst[j] = (float)t->data[j];
			if (!isfinite(dst[j])) {
				char nm[96];
				size_t off = (size_t)(dst - net->params) + j;
				rc = ll_err_set(err, LL_ENUMERIC, "%s: %s is %g%s", path,
						ll_rnn_param_name(net, off, nm, sizeof nm), tidy(t->data[j]),
						isfinite(t->data[j]) ? " (beyond float32)" : "");
				break;
			}
		}
	}
	if (rc != LL_OK)
		ll_rnn_free(net);
out:
	ll_array_set_free(&set);
	return rc;
}
