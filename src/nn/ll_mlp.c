/*
 * Small MLPs on MNIST: float32 parameters, row-major minibatches, one
 * cblas_sgemm per layer and direction.
 *
 * Forward, layer l (fi = size[l] inputs, fo = size[l+1] outputs):
 *   Z = A_l W_l^T + 1 b_l^T          (n x fo)
 *   A_{l+1} = act(Z), or Z itself for the output layer (logits).
 * Backward with dZ_L = (softmax(Z_L) - onehot(y)) / n:
 *   dW_l = dZ_l^T A_l,  db_l = column sums of dZ_l,
 *   dZ_{l-1} = (dZ_l W_l) * act'(A_l)   (skipped for the input layer).
 * act' is computed from the activation itself: ReLU a > 0, tanh 1 - a^2.
 */
#include "nn/ll_mlp.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/ll_blas.h"
#include "base/ll_fs.h"
#include "io/ll_npy.h"
#include "linalg/ll_hungarian.h"
#include "tensor/ll_tensor.h"

/* Widths and batch sizes must fit BLAS's int; this is far beyond MNIST. */
#define MAX_WIDTH ((size_t)1 << 24)
/* Rows of scratch for forward passes when the minibatch is smaller. */
#define MIN_WS_ROWS 256

static const char *const act_names[] = {LL_MLP_ACTS(LL_ENUM_NAME)};
static const char *const opt_names[] = {LL_MLP_OPTS(LL_ENUM_NAME)};

const char *ll_mlp_act_name(ll_mlp_act a)
{
	return (unsigned)a < LL_ENUM_N(LL_MLP_ACTS) ? act_names[a] : "?";
}

int ll_mlp_act_parse(const char *s, ll_mlp_act *a)
{
	int k = ll_name_lookup(act_names, LL_ENUM_N(LL_MLP_ACTS), s);
	if (k < 0)
		return LL_EINVAL;
	*a = (ll_mlp_act)k;
	return LL_OK;
}

const char *ll_mlp_opt_name(ll_mlp_opt o)
{
	return (unsigned)o < LL_ENUM_N(LL_MLP_OPTS) ? opt_names[o] : "?";
}

int ll_mlp_opt_parse(const char *s, ll_mlp_opt *o)
{
	int k = ll_name_lookup(opt_names, LL_ENUM_N(LL_MLP_OPTS), s);
	if (k < 0)
		return LL_EINVAL;
	*o = (ll_mlp_opt)k;
	return LL_OK;
}

void ll_mlp_config_default(ll_mlp_config *c)
{
	memset(c, 0, sizeof *c);
	c->n_in = 784;
	c->hidden[0] = 64;
	c->hidden[1] = 0;
	c->n_out = 10;
	c->act = LL_MLP_RELU;
	c->opt = LL_MLP_SGD;
	c->lr = 0.1;
	c->momentum = 0.9;
	c->beta1 = 0.9;
	c->beta2 = 0.999;
	c->eps = 1e-8;
	c->weight_decay = 0.0;
	c->batch = 64;
	c->epochs = 2;
	c->max_steps = 0;
	c->seed = 1;
}

int ll_mlp_config_check(const ll_mlp_config *c, ll_err *err)
{
	if (!c)
		return ll_err_set(err, LL_EINVAL, "mlp config: NULL");
	if (c->n_in < 1 || c->n_in > MAX_WIDTH)
		return ll_err_set(err, LL_EINVAL, "mlp config: n_in = %zu (must be 1..%zu)", c->n_in, MAX_WIDTH);
	if (c->hidden[0] < 1 || c->hidden[0] > MAX_WIDTH)
		return ll_err_set(err, LL_EINVAL, "mlp config: hidden[0] = %zu (must be 1..%zu)", c->hidden[0], MAX_WIDTH);
	if (c->hidden[1] > MAX_WIDTH)
		return ll_err_set(err, LL_EINVAL, "mlp config: hidden[1] = %zu (must be 0..%zu)", c->hidden[1], MAX_WIDTH);
	if (c->n_out < 2 || c->n_out > MAX_WIDTH)
		return ll_err_set(err, LL_EINVAL, "mlp config: n_out = %zu (must be 2..%zu)", c->n_out, MAX_WIDTH);
	if ((unsigned)c->act > LL_MLP_TANH)
		return ll_err_set(err, LL_EINVAL, "mlp config: unknown activation %d", (int)c->act);
	if ((unsigned)c->opt > LL_MLP_ADAM)
		return ll_err_set(err, LL_EINVAL, "mlp config: unknown optimizer %d", (int)c->opt);
	if (!(c->lr > 0.0) || !isfinite(c->lr))
		return ll_err_set(err, LL_EINVAL, "mlp config: lr = %g (must be > 0)", c->lr);
	if (!(c->momentum >= 0.0 && c->momentum < 1.0))
		return ll_err_set(err, LL_EINVAL, "mlp config: momentum = %g (must be in [0, 1))", c->momentum);
	if (!(c->beta1 >= 0.0 && c->beta1 < 1.0))
		return ll_err_set(err, LL_EINVAL, "mlp config: beta1 = %g (must be in [0, 1))", c->beta1);
	if (!(c->beta2 >= 0.0 && c->beta2 < 1.0))
		return ll_err_set(err, LL_EINVAL, "mlp config: beta2 = %g (must be in [0, 1))", c->beta2);
	if (!(c->eps > 0.0) || !isfinite(c->eps))
		return ll_err_set(err, LL_EINVAL, "mlp config: eps = %g (must be > 0)", c->eps);
	if (!(c->weight_decay >= 0.0) || !isfinite(c->weight_decay))
		return ll_err_set(err, LL_EINVAL, "mlp config: weight_decay = %g (must be >= 0)", c->weight_decay);
	if (c->batch < 1 || c->batch > MAX_WIDTH)
		return ll_err_set(err, LL_EINVAL, "mlp config: batch = %zu (must be 1..%zu)", c->batch, MAX_WIDTH);
	if (c->epochs < 1 && c->max_steps < 1)
		return ll_err_set(err, LL_EINVAL, "mlp config: epochs = 0 and no max_steps");
	return LL_OK;
}

void ll_mlp_free(ll_mlp *net)
{
	if (!net)
		return;
	ll_free(net->params);
	ll_free(net->grad);
	ll_free(net->opt_m);
	ll_free(net->opt_v);
	for (int l = 0; l < LL_MLP_MAX_HIDDEN + 2; l++)
		ll_free(net->act[l]);
	ll_free(net->delta[0]);
	ll_free(net->delta[1]);
	ll_free(net->xbatch);
	ll_free(net->ybatch);
	memset(net, 0, sizeof *net);
}

/* Point W/b/dW/db into the flat buffers. */
static void set_views(ll_mlp *net)
{
	size_t off = 0;
	for (size_t l = 0; l < net->nlayers; l++) {
		size_t fi = net->size[l], fo = net->size[l + 1];
		net->W[l] = net->params + off;
		net->dW[l] = net->grad + off;
		off += fi * fo;
		net->b[l] = net->params + off;
		net->db[l] = net->grad + off;
		off += fo;
	}
}

static void init_weights(ll_mlp *net)
{
	ll_rng r;
	ll_rng_init(&r, ll_seed_derive(net->cfg.seed, 1, 0));
	for (size_t l = 0; l < net->nlayers; l++) {
		size_t fi = net->size[l], fo = net->size[l + 1];
		float *W = net->W[l];
		if (l + 1 < net->nlayers && net->cfg.act == LL_MLP_RELU) {
			double sd = sqrt(2.0 / (double)fi); /* He et al. 2015 */
			for (size_t j = 0; j < fi * fo; j++)
				W[j] = (float)(sd * ll_rng_normal(&r));
		} else {
			double a = sqrt(6.0 / (double)(fi + fo)); /* Glorot & Bengio 2010 */
			for (size_t j = 0; j < fi * fo; j++)
				W[j] = (float)(a * (2.0 * ll_rng_uniform(&r) - 1.0));
		}
		memset(net->b[l], 0, fo * sizeof *net->b[l]);
	}
}

int ll_mlp_init(ll_mlp *net, const ll_mlp_config *cfg, ll_err *err)
{
	size_t widest = 0, nparams = 0;
	int rc;

	memset(net, 0, sizeof *net);
	rc = ll_mlp_config_check(cfg, err);
	if (rc != LL_OK)
		return rc;
	net->cfg = *cfg;
	net->nlayers = cfg->hidden[1] ? 3 : 2;
	net->size[0] = cfg->n_in;
	net->size[1] = cfg->hidden[0];
	if (cfg->hidden[1])
		net->size[2] = cfg->hidden[1];
	net->size[net->nlayers] = cfg->n_out;
	for (size_t l = 0; l < net->nlayers; l++) {
		size_t w;
		/* widths are <= 2^24, so these products cannot overflow size_t */
		w = net->size[l + 1] * (net->size[l] + 1);
		nparams += w;
		if (net->size[l + 1] > widest)
			widest = net->size[l + 1];
	}
	net->nparams = nparams;
	net->ws_rows = cfg->batch > MIN_WS_ROWS ? cfg->batch : MIN_WS_ROWS;

	net->params = ll_calloc_array(nparams, sizeof(float));
	net->grad = ll_calloc_array(nparams, sizeof(float));
	if (cfg->opt != LL_MLP_SGD)
		net->opt_m = ll_calloc_array(nparams, sizeof(float));
	if (cfg->opt == LL_MLP_ADAM)
		net->opt_v = ll_calloc_array(nparams, sizeof(float));
	for (size_t l = 1; l <= net->nlayers; l++)
		net->act[l] = ll_malloc_array(net->ws_rows * net->size[l], sizeof(float));
	net->delta[0] = ll_malloc_array(net->ws_rows * widest, sizeof(float));
	net->delta[1] = ll_malloc_array(net->ws_rows * widest, sizeof(float));
	net->xbatch = ll_malloc_array(cfg->batch * cfg->n_in, sizeof(float));
	net->ybatch = ll_malloc_array(cfg->batch, 1);
	int ok = net->params && net->grad && net->delta[0] && net->delta[1] && net->xbatch &&
		 net->ybatch && (cfg->opt == LL_MLP_SGD || net->opt_m) &&
		 (cfg->opt != LL_MLP_ADAM || net->opt_v);
	for (size_t l = 1; l <= net->nlayers; l++)
		ok = ok && net->act[l];
	if (!ok) {
		ll_mlp_free(net);
		return ll_err_set(err, LL_ENOMEM, "mlp: out of memory for %zu parameters", nparams);
	}
	set_views(net);
	init_weights(net);
	ll_rng_init(&net->order_rng, ll_seed_derive(cfg->seed, 2, 0));
	return LL_OK;
}

static int same_sizes(const ll_mlp *a, const ll_mlp *b)
{
	if (a->nlayers != b->nlayers)
		return 0;
	for (size_t l = 0; l <= a->nlayers; l++)
		if (a->size[l] != b->size[l])
			return 0;
	return 1;
}

static void sizes_str(const ll_mlp *net, char *buf, size_t n)
{
	buf[0] = '\0';
	for (size_t l = 0; l <= net->nlayers; l++)
		snprintf(buf + strlen(buf), n - strlen(buf), "%s%zu", l ? "-" : "", net->size[l]);
}

int ll_mlp_copy_weights(ll_mlp *dst, const ll_mlp *src, ll_err *err)
{
	if (!same_sizes(dst, src)) {
		char a[96], b[96];
		sizes_str(src, a, sizeof a);
		sizes_str(dst, b, sizeof b);
		return ll_err_set(err, LL_ESHAPE, "mlp copy: source is %s, destination is %s", a, b);
	}
	memcpy(dst->params, src->params, src->nparams * sizeof(float));
	if (dst->opt_m)
		memset(dst->opt_m, 0, dst->nparams * sizeof(float));
	if (dst->opt_v)
		memset(dst->opt_v, 0, dst->nparams * sizeof(float));
	dst->step = 0;
	return LL_OK;
}

int ll_mlp_scale_init(ll_mlp *net, double scale, size_t rank, uint64_t seed, ll_err *err)
{
	if (!(scale > 0) || !isfinite(scale))
		return ll_err_set(err, LL_EINVAL, "mlp scale_init: scale = %g (must be > 0)", scale);
	for (size_t l = 0; rank && l + 1 < net->nlayers; l++) {
		size_t fi = net->size[l], fo = net->size[l + 1];
		if (rank > (fi < fo ? fi : fo))
			return ll_err_set(err, LL_EINVAL, "mlp scale_init: rank %zu is above layer %zu's width (%zu x %zu)",
					  rank, l + 1, fo, fi);
	}
	for (size_t l = 0; l < net->nlayers; l++) {
		size_t fi = net->size[l], fo = net->size[l + 1];
		float *W = net->W[l];
		double f0 = 0;
		for (size_t j = 0; j < fi * fo; j++)
			f0 += (double)W[j] * W[j];
		f0 = sqrt(f0);
		size_t lo = fi < fo ? fi : fo;
		if (rank && rank < lo && l + 1 < net->nlayers) {
			/* U (fo x rank) V^T (rank x fi), Gaussian, then the layer's own
			 * Frobenius norm back: only the rank changes, not the size */
			double *A = ll_malloc_array(fo * rank, sizeof *A), *B = ll_malloc_array(rank * fi, sizeof *B);
			double *P = ll_malloc_array(fo * fi, sizeof *P);
			if (!A || !B || !P) {
				ll_free(A);
				ll_free(B);
				ll_free(P);
				return ll_err_set(err, LL_ENOMEM, "mlp scale_init: out of memory");
			}
			ll_rng r;
			ll_rng_init(&r, ll_seed_derive(seed, 0x6c6f7772, l));
			for (size_t j = 0; j < fo * rank; j++)
				A[j] = ll_rng_normal(&r);
			for (size_t j = 0; j < rank * fi; j++)
				B[j] = ll_rng_normal(&r);
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)fo, (int)fi, (int)rank, 1.0, A,
				    (int)rank, B, (int)fi, 0.0, P, (int)fi);
			double fp = 0;
			for (size_t j = 0; j < fo * fi; j++)
				fp += P[j] * P[j];
			fp = sqrt(fp);
			double g = fp > 0 ? scale * f0 / fp : 0;
			for (size_t j = 0; j < fo * fi; j++)
				W[j] = (float)(g * P[j]);
			ll_free(A);
			ll_free(B);
			ll_free(P);
		} else if (scale != 1.0) {
			for (size_t j = 0; j < fi * fo; j++)
				W[j] = (float)(scale * W[j]);
		}
	}
	return LL_OK;
}

/* ---- forward / backward on one chunk of at most ws_rows rows ---- */

static void activate(float *z, size_t len, ll_mlp_act act)
{
	if (act == LL_MLP_RELU) {
		/* written so that NaN passes through: divergence must show */
		LL_SIMD
		for (size_t j = 0; j < len; j++)
			z[j] = z[j] < 0.0f ? 0.0f : z[j];
	} else {
		for (size_t j = 0; j < len; j++)
			z[j] = tanhf(z[j]);
	}
}

/* Run layers 0 .. upto-1 on n rows of X; act[upto] holds the result. */
static void forward(ll_mlp *net, const float *X, size_t n, size_t upto)
{
	const float *in = X;
	for (size_t l = 0; l < upto; l++) {
		size_t fi = net->size[l], fo = net->size[l + 1];
		float *z = net->act[l + 1];
		for (size_t i = 0; i < n; i++)
			memcpy(z + i * fo, net->b[l], fo * sizeof *z);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)fo, (int)fi,
			    1.0f, in, (int)fi, net->W[l], (int)fi, 1.0f, z, (int)fo);
		if (l + 1 < net->nlayers)
			activate(z, n * fo, net->cfg.act);
		in = z;
	}
}

/* Softmax cross-entropy of n rows of logits z (n x K).  Returns the summed
 * loss; counts correct argmax predictions; if scale != 0 overwrites z with
 * (softmax - onehot) * scale, the gradient of scale * summed loss. */
static double softmax_xent(float *z, const unsigned char *y, size_t n, size_t K,
			   float scale, size_t *correct)
{
	double loss = 0.0;
	size_t hits = 0;
	for (size_t i = 0; i < n; i++) {
		float *row = z + i * K;
		size_t arg = 0;
		float mx = row[0];
		for (size_t k = 1; k < K; k++)
			if (row[k] > mx) {
				mx = row[k];
				arg = k;
			}
		double s = 0.0;
		for (size_t k = 0; k < K; k++)
			s += exp((double)(row[k] - mx));
		loss += (double)mx + log(s) - (double)row[y[i]];
		hits += arg == y[i];
		if (scale != 0.0f) {
			float inv = (float)(1.0 / s) * scale;
			for (size_t k = 0; k < K; k++)
				row[k] = expf(row[k] - mx) * inv;
			row[y[i]] -= scale;
		}
	}
	if (correct)
		*correct += hits;
	return loss;
}

/* Gradient of the chunk's loss (dZ already in act[L]) into grad; beta 0
 * overwrites, 1 accumulates. */
static void backward(ll_mlp *net, const float *X, size_t n, float beta)
{
	size_t L = net->nlayers;
	float *dz = net->act[L];
	for (size_t l = L; l-- > 0;) {
		size_t fi = net->size[l], fo = net->size[l + 1];
		const float *in = l ? net->act[l] : X;
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)fo, (int)fi, (int)n,
			    1.0f, dz, (int)fo, in, (int)fi, beta, net->dW[l], (int)fi);
		float *db = net->db[l];
		if (beta == 0.0f)
			memset(db, 0, fo * sizeof *db);
		for (size_t i = 0; i < n; i++) {
			const float *r = dz + i * fo;
			LL_SIMD
			for (size_t k = 0; k < fo; k++)
				db[k] += r[k];
		}
		if (l == 0)
			break;
		float *da = net->delta[(L - 1 - l) & 1];
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)fi, (int)fo,
			    1.0f, dz, (int)fo, net->W[l], (int)fi, 0.0f, da, (int)fi);
		const float *a = net->act[l];
		size_t len = n * fi;
		if (net->cfg.act == LL_MLP_RELU) {
			LL_SIMD
			for (size_t j = 0; j < len; j++)
				da[j] = a[j] > 0.0f ? da[j] : 0.0f;
		} else {
			LL_SIMD
			for (size_t j = 0; j < len; j++)
				da[j] *= 1.0f - a[j] * a[j];
		}
		dz = da;
	}
}

static int check_labels(const unsigned char *y, size_t n, size_t K, const char *what, ll_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (y[i] >= K)
			return ll_err_set(err, LL_EINVAL, "%s: label %u of example %zu is >= n_out (%zu)",
					  what, y[i], i, K);
	return LL_OK;
}

/* Gradient without argument checks (the training loop checks once). */
static double gradient(ll_mlp *net, const float *X, const unsigned char *y, size_t n)
{
	size_t L = net->nlayers, K = net->size[L], fi = net->size[0];
	float scale = (float)(1.0 / (double)n);
	double loss = 0.0;
	for (size_t off = 0; off < n; off += net->ws_rows) {
		size_t m = n - off < net->ws_rows ? n - off : net->ws_rows;
		forward(net, X + off * fi, m, L);
		loss += softmax_xent(net->act[L], y + off, m, K, scale, NULL);
		backward(net, X + off * fi, m, off ? 1.0f : 0.0f);
	}
	return loss / (double)n;
}

int ll_mlp_gradient(ll_mlp *net, const float *X, const unsigned char *y,
		    size_t n, double *loss, ll_err *err)
{
	if (n == 0)
		return ll_err_set(err, LL_EINVAL, "mlp gradient: no examples");
	int rc = check_labels(y, n, net->size[net->nlayers], "mlp gradient", err);
	if (rc != LL_OK)
		return rc;
	double l = gradient(net, X, y, n);
	if (loss)
		*loss = l;
	return LL_OK;
}

/* p -= step m / (sqrt(v) isb2 + eps) after the moment updates.  SSE2 does
 * four at a time: the compiler will not vectorise sqrtf (errno), and the
 * scalar loop costs a quarter of an epoch.  Both paths round identically. */
static void adam_update(float *p, float *m, float *v, const float *g, size_t np,
			float b1, float b2, float step, float isb2, float eps)
{
	size_t j = 0;
#if defined(__SSE2__)
	const __m128 vb1 = _mm_set1_ps(b1), vb2 = _mm_set1_ps(b2);
	const __m128 c1 = _mm_set1_ps(1.0f - b1), c2 = _mm_set1_ps(1.0f - b2);
	const __m128 vstep = _mm_set1_ps(step), vis = _mm_set1_ps(isb2), veps = _mm_set1_ps(eps);
	for (; j + 4 <= np; j += 4) {
		__m128 gj = _mm_loadu_ps(g + j);
		__m128 mj = _mm_add_ps(_mm_mul_ps(vb1, _mm_loadu_ps(m + j)), _mm_mul_ps(c1, gj));
		__m128 vj = _mm_add_ps(_mm_mul_ps(vb2, _mm_loadu_ps(v + j)),
				       _mm_mul_ps(_mm_mul_ps(c2, gj), gj));
		__m128 den = _mm_add_ps(_mm_mul_ps(_mm_sqrt_ps(vj), vis), veps);
		_mm_storeu_ps(m + j, mj);
		_mm_storeu_ps(v + j, vj);
		_mm_storeu_ps(p + j, _mm_sub_ps(_mm_loadu_ps(p + j),
						_mm_div_ps(_mm_mul_ps(vstep, mj), den)));
	}
#endif
	for (; j < np; j++) {
		m[j] = b1 * m[j] + (1.0f - b1) * g[j];
		v[j] = b2 * v[j] + (1.0f - b2) * g[j] * g[j];
		p[j] -= step * m[j] / (sqrtf(v[j]) * isb2 + eps);
	}
}

static void update(ll_mlp *net)
{
	const ll_mlp_config *c = &net->cfg;
	float *p = net->params, *g = net->grad;
	size_t np = net->nparams;
	float lr = (float)c->lr;

	if (c->weight_decay > 0.0) {
		float wd = (float)c->weight_decay;
		for (size_t l = 0; l < net->nlayers; l++) {
			size_t len = net->size[l] * net->size[l + 1];
			float *w = net->W[l], *dw = net->dW[l];
			LL_SIMD
			for (size_t j = 0; j < len; j++)
				dw[j] += wd * w[j];
		}
	}
	net->step++;
	switch (c->opt) {
	case LL_MLP_SGD:
		LL_SIMD
		for (size_t j = 0; j < np; j++)
			p[j] -= lr * g[j];
		break;
	case LL_MLP_MOMENTUM: {
		float mu = (float)c->momentum, *v = net->opt_m;
		LL_SIMD
		for (size_t j = 0; j < np; j++) {
			v[j] = mu * v[j] + g[j];
			p[j] -= lr * v[j];
		}
		break;
	}
	case LL_MLP_ADAM: {
		double t = (double)net->step;
		adam_update(p, net->opt_m, net->opt_v, g, np, (float)c->beta1, (float)c->beta2,
			    (float)(c->lr / (1.0 - pow(c->beta1, t))),
			    (float)(1.0 / sqrt(1.0 - pow(c->beta2, t))), (float)c->eps);
		break;
	}
	}
}

int ll_mlp_train_step(ll_mlp *net, const float *X, const unsigned char *y,
		      size_t n, double *loss, ll_err *err)
{
	double l = 0.0;
	int rc = ll_mlp_gradient(net, X, y, n, &l, err);
	if (rc != LL_OK)
		return rc;
	update(net);
	if (loss)
		*loss = l;
	return LL_OK;
}

size_t ll_mlp_total_steps(const ll_mlp_config *c, size_t n)
{
	if (n == 0 || c->batch == 0)
		return 0;
	size_t per = n / c->batch + (n % c->batch != 0);
	size_t total;
	if (!ll_mul_ok(per, c->epochs, &total))
		total = SIZE_MAX;
	if (c->max_steps && (c->epochs == 0 || c->max_steps < total))
		total = c->max_steps;
	return total;
}

size_t ll_mlp_n_snapshots(size_t total_steps, size_t log_every)
{
	if (total_steps == 0)
		return 1;
	if (log_every == 0)
		return 2;
	return 1 + total_steps / log_every + (total_steps % log_every != 0);
}

int ll_mlp_train(ll_mlp *net, const ll_mnist *set, size_t log_every,
		 ll_mlp_callback cb, void *ud, ll_err *err)
{
	const size_t n = set->n, B = net->cfg.batch, fi = net->size[0];
	size_t total, done = 0, nloss = 0, *perm;
	double loss_sum = 0.0;
	ll_mlp_event ev;
	int rc;

	if (set->dim != fi)
		return ll_err_set(err, LL_ESHAPE, "mlp train: images have %zu pixels, the net takes %zu inputs",
				  set->dim, fi);
	if (n == 0)
		return ll_err_set(err, LL_EINVAL, "mlp train: empty training set");
	rc = check_labels(set->y, n, net->size[net->nlayers], "mlp train", err);
	if (rc != LL_OK)
		return rc;
	total = ll_mlp_total_steps(&net->cfg, n);
	perm = ll_malloc_array(n, sizeof *perm);
	if (!perm)
		return ll_err_set(err, LL_ENOMEM, "mlp train: out of memory");
	for (size_t i = 0; i < n; i++)
		perm[i] = i;

	ev.step = 0;
	ev.total_steps = total;
	ev.epoch = 0;
	ev.train_loss = NAN;
	if (cb && cb(ud, net, &ev)) {
		rc = ll_err_set(err, LL_ECANCELED, "mlp train: canceled at step 0");
		goto out;
	}
	for (size_t epoch = 0; done < total; epoch++) {
		for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
			size_t j = (size_t)ll_rng_below(&net->order_rng, i + 1), t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}
		for (size_t start = 0; start < n && done < total; start += B) {
			size_t nb = n - start < B ? n - start : B;
			for (size_t i = 0; i < nb; i++) {
				memcpy(net->xbatch + i * fi, set->x + perm[start + i] * fi, fi * sizeof(float));
				net->ybatch[i] = set->y[perm[start + i]];
			}
			double l = gradient(net, net->xbatch, net->ybatch, nb);
			if (!isfinite(l)) {
				rc = ll_err_set(err, LL_ENUMERIC, "mlp train: loss is %g at step %zu (learning rate %g too high?)",
						l, done, net->cfg.lr);
				goto out;
			}
			update(net);
			loss_sum += l;
			nloss++;
			done++;
			if (cb && ((log_every && done % log_every == 0) || done == total)) {
				ev.step = done;
				ev.epoch = epoch;
				ev.train_loss = loss_sum / (double)nloss;
				loss_sum = 0.0;
				nloss = 0;
				if (cb(ud, net, &ev)) {
					rc = ll_err_set(err, LL_ECANCELED, "mlp train: canceled at step %zu", done);
					goto out;
				}
			}
		}
	}
out:
	ll_free(perm);
	return rc;
}

/* ---- inference ---- */

static int check_layer(const ll_mlp *net, int layer, const char *what, ll_err *err)
{
	if (layer < 0 || (size_t)layer + 1 >= net->nlayers)
		return ll_err_set(err, LL_EINVAL, "%s: hidden layer %d does not exist (the net has %zu)",
				  what, layer, net->nlayers - 1);
	return LL_OK;
}

int ll_mlp_logits(ll_mlp *net, const float *X, size_t n, float *out, ll_err *err)
{
	size_t L = net->nlayers, K = net->size[L], fi = net->size[0];
	if (n == 0)
		return ll_err_set(err, LL_EINVAL, "mlp logits: no inputs");
	for (size_t off = 0; off < n; off += net->ws_rows) {
		size_t m = n - off < net->ws_rows ? n - off : net->ws_rows;
		forward(net, X + off * fi, m, L);
		memcpy(out + off * K, net->act[L], m * K * sizeof *out);
	}
	return LL_OK;
}

int ll_mlp_probs(ll_mlp *net, const float *X, size_t n, float *out, ll_err *err)
{
	int rc = ll_mlp_logits(net, X, n, out, err);
	if (rc != LL_OK)
		return rc;
	size_t K = net->size[net->nlayers];
	for (size_t i = 0; i < n; i++) {
		float *z = out + i * K;
		double mx = z[0], sum = 0, e[64];
		double *ex = K <= 64 ? e : NULL;
		for (size_t c = 1; c < K; c++)
			mx = z[c] > mx ? z[c] : mx;
		for (size_t c = 0; c < K; c++) {
			double v = exp((double)z[c] - mx);
			sum += v;
			if (ex)
				ex[c] = v;
		}
		if (!isfinite(sum))
			return ll_err_set(err, LL_ENUMERIC, "mlp probs: input %zu has non-finite logits", i);
		for (size_t c = 0; c < K; c++)
			z[c] = (float)((ex ? ex[c] : exp((double)z[c] - mx)) / sum);
	}
	return LL_OK;
}

int ll_mlp_forward_hidden(ll_mlp *net, const float *X, size_t n, int layer,
			  float *out, ll_err *err)
{
	int rc = check_layer(net, layer, "mlp forward_hidden", err);
	if (rc != LL_OK)
		return rc;
	if (n == 0)
		return ll_err_set(err, LL_EINVAL, "mlp forward_hidden: no inputs");
	size_t u = net->size[layer + 1], fi = net->size[0];
	for (size_t off = 0; off < n; off += net->ws_rows) {
		size_t m = n - off < net->ws_rows ? n - off : net->ws_rows;
		forward(net, X + off * fi, m, (size_t)layer + 1);
		memcpy(out + off * u, net->act[layer + 1], m * u * sizeof *out);
	}
	return LL_OK;
}

int ll_mlp_evaluate(ll_mlp *net, const ll_mnist *set, double *loss, double *acc, ll_err *err)
{
	size_t L = net->nlayers, K = net->size[L], fi = net->size[0], hits = 0;
	double sum = 0.0;

	if (set->dim != fi)
		return ll_err_set(err, LL_ESHAPE, "mlp evaluate: images have %zu pixels, the net takes %zu inputs",
				  set->dim, fi);
	if (set->n == 0)
		return ll_err_set(err, LL_EINVAL, "mlp evaluate: empty set");
	int rc = check_labels(set->y, set->n, K, "mlp evaluate", err);
	if (rc != LL_OK)
		return rc;
	for (size_t off = 0; off < set->n; off += net->ws_rows) {
		size_t m = set->n - off < net->ws_rows ? set->n - off : net->ws_rows;
		forward(net, set->x + off * fi, m, L);
		sum += softmax_xent(net->act[L], set->y + off, m, K, 0.0f, &hits);
	}
	if (loss)
		*loss = sum / (double)set->n;
	if (acc)
		*acc = (double)hits / (double)set->n;
	return LL_OK;
}

int ll_mlp_log_class_means(ll_mlp *net, const ll_mnist *probe, int layer,
			   double *out, ll_err *err)
{
	size_t K = net->size[net->nlayers], fi = net->size[0], *count;
	int rc = check_layer(net, layer, "mlp class means", err);
	if (rc != LL_OK)
		return rc;
	if (probe->dim != fi)
		return ll_err_set(err, LL_ESHAPE, "mlp class means: probe images have %zu pixels, the net takes %zu inputs",
				  probe->dim, fi);
	rc = check_labels(probe->y, probe->n, K, "mlp class means: probe", err);
	if (rc != LL_OK)
		return rc;
	size_t u = net->size[layer + 1];
	count = ll_calloc_array(K, sizeof *count);
	if (!count)
		return ll_err_set(err, LL_ENOMEM, "mlp class means: out of memory");
	memset(out, 0, K * u * sizeof *out);
	for (size_t off = 0; off < probe->n; off += net->ws_rows) {
		size_t m = probe->n - off < net->ws_rows ? probe->n - off : net->ws_rows;
		forward(net, probe->x + off * fi, m, (size_t)layer + 1);
		const float *a = net->act[layer + 1];
		for (size_t i = 0; i < m; i++) {
			size_t c = probe->y[off + i];
			double *o = out + c * u;
			for (size_t k = 0; k < u; k++)
				o[k] += a[i * u + k];
			count[c]++;
		}
	}
	for (size_t c = 0; c < K; c++) {
		if (!count[c]) {
			rc = ll_err_set(err, LL_EINVAL, "mlp class means: the probe set has no image of class %zu", c);
			break;
		}
		for (size_t k = 0; k < u; k++)
			out[c * u + k] /= (double)count[c];
	}
	ll_free(count);
	return rc;
}

/* ---- unit matching ---- */

/* Activations of a hidden layer on the probe, standardised per column to
 * zero mean and unit norm (zero for a constant column), as doubles. */
static int standardized_acts(ll_mlp *net, const ll_mnist *probe, int layer, double *z, ll_err *err)
{
	size_t n = probe->n, u = net->size[layer + 1];
	float *a = ll_malloc_array(n * u, sizeof *a);
	if (!a)
		return ll_err_set(err, LL_ENOMEM, "mlp match units: out of memory");
	int rc = ll_mlp_forward_hidden(net, probe->x, n, layer, a, err);
	if (rc != LL_OK) {
		ll_free(a);
		return rc;
	}
	for (size_t k = 0; k < u; k++) {
		double mean = 0.0, ss = 0.0;
		for (size_t i = 0; i < n; i++)
			mean += a[i * u + k];
		mean /= (double)n;
		for (size_t i = 0; i < n; i++) {
			double d = a[i * u + k] - mean;
			z[i * u + k] = d;
			ss += d * d;
		}
		/* a constant unit correlates with nothing */
		double inv = ss > 0.0 ? 1.0 / sqrt(ss) : 0.0;
		for (size_t i = 0; i < n; i++)
			z[i * u + k] *= inv;
	}
	ll_free(a);
	return LL_OK;
}

int ll_mlp_match_units(ll_mlp *ref, ll_mlp *net, const ll_mnist *probe,
		       int layer, size_t *perm, double *corr, ll_err *err)
{
	double *za = NULL, *zb = NULL, *C = NULL;
	size_t u, n = probe->n;
	int rc;

	rc = check_layer(ref, layer, "mlp match units: reference", err);
	if (rc == LL_OK)
		rc = check_layer(net, layer, "mlp match units", err);
	if (rc != LL_OK)
		return rc;
	u = ref->size[layer + 1];
	if (net->size[layer + 1] != u)
		return ll_err_set(err, LL_ESHAPE, "mlp match units: layer %d has %zu units in the reference, %zu here",
				  layer, u, net->size[layer + 1]);
	if (probe->dim != ref->size[0] || probe->dim != net->size[0])
		return ll_err_set(err, LL_ESHAPE, "mlp match units: probe images have %zu pixels, the nets take %zu and %zu",
				  probe->dim, ref->size[0], net->size[0]);
	if (n < 2)
		return ll_err_set(err, LL_EINVAL, "mlp match units: the probe set needs at least 2 images (has %zu)", n);
	za = ll_malloc_array(n * u, sizeof *za);
	zb = ll_malloc_array(n * u, sizeof *zb);
	C = ll_malloc_array(u * u, sizeof *C);
	if (!za || !zb || !C) {
		rc = ll_err_set(err, LL_ENOMEM, "mlp match units: out of memory");
		goto out;
	}
	rc = standardized_acts(ref, probe, layer, za, err);
	if (rc == LL_OK)
		rc = standardized_acts(net, probe, layer, zb, err);
	if (rc != LL_OK)
		goto out;
	/* C[i][j] = corr(ref unit i, net unit j) */
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)u, (int)u, (int)n,
		    -1.0, za, (int)u, zb, (int)u, 0.0, C, (int)u);
	/* C now holds -corr: the Hungarian cost */
	rc = ll_hungarian(C, u, u, perm, err);
	if (rc != LL_OK) {
		ll_err_prefix(err, "mlp match units");
		goto out;
	}
	if (corr)
		for (size_t i = 0; i < u; i++)
			corr[i] = perm[i] < u ? -C[i * u + perm[i]] : 0.0;
out:
	ll_free(za);
	ll_free(zb);
	ll_free(C);
	return rc;
}

int ll_mlp_permute_units(ll_mlp *net, int layer, const size_t *perm, ll_err *err)
{
	int rc = check_layer(net, layer, "mlp permute units", err);
	if (rc != LL_OK)
		return rc;
	size_t l = (size_t)layer, u = net->size[l + 1], fi = net->size[l], fo = net->size[l + 2];
	unsigned char *seen = ll_calloc_array(u, 1);
	size_t rowlen = fi > fo ? fi : fo;
	float *tmp = ll_malloc_array(u * rowlen, sizeof *tmp);
	if (!seen || !tmp) {
		ll_free(seen);
		ll_free(tmp);
		return ll_err_set(err, LL_ENOMEM, "mlp permute units: out of memory");
	}
	for (size_t i = 0; i < u; i++) {
		if (perm[i] >= u || seen[perm[i]]) {
			ll_free(seen);
			ll_free(tmp);
			return ll_err_set(err, LL_EINVAL, "mlp permute units: perm[%zu] = %zu is %s",
					  i, perm[i], perm[i] >= u ? "out of range" : "repeated");
		}
		seen[perm[i]] = 1;
	}
	/* the same offsets apply to params, grad and optimizer state */
	float *bufs[4] = {net->params, net->grad, net->opt_m, net->opt_v};
	size_t oW = (size_t)(net->W[l] - net->params), ob = (size_t)(net->b[l] - net->params);
	size_t oW2 = (size_t)(net->W[l + 1] - net->params);
	for (int k = 0; k < 4; k++) {
		float *p = bufs[k];
		if (!p)
			continue;
		float *W = p + oW, *b = p + ob, *W2 = p + oW2;
		/* rows of W, entries of b */
		for (size_t i = 0; i < u; i++)
			memcpy(tmp + i * fi, W + perm[i] * fi, fi * sizeof *tmp);
		memcpy(W, tmp, u * fi * sizeof *tmp);
		for (size_t i = 0; i < u; i++)
			tmp[i] = b[perm[i]];
		memcpy(b, tmp, u * sizeof *tmp);
		/* columns of the next layer's W (fo x u) */
		for (size_t r = 0; r < fo; r++) {
			for (size_t i = 0; i < u; i++)
				tmp[i] = W2[r * u + perm[i]];
			memcpy(W2 + r * u, tmp, u * sizeof *tmp);
		}
	}
	ll_free(seen);
	ll_free(tmp);
	return LL_OK;
}

/* ---- weights as .npy ---- */

int ll_mlp_save(const ll_mlp *net, const char *dir, ll_err *err)
{
	int rc = ll_mkdirs(dir, err);
	if (rc != LL_OK)
		return rc;
	for (size_t l = 0; l < net->nlayers && rc == LL_OK; l++) {
		size_t fi = net->size[l], fo = net->size[l + 1];
		double *tmp = ll_malloc_array(fo * fi, sizeof *tmp);
		char name[32];
		if (!tmp)
			return ll_err_set(err, LL_ENOMEM, "mlp save: out of memory");
		for (int which = 0; which < 2 && rc == LL_OK; which++) {
			const float *src = which ? net->b[l] : net->W[l];
			size_t len = which ? fo : fo * fi;
			size_t shape[2] = {fo, fi};
			for (size_t j = 0; j < len; j++)
				tmp[j] = src[j];
			snprintf(name, sizeof name, "%c%zu.npy", which ? 'b' : 'W', l + 1);
			rc = ll_npy_write_array_in(dir, name, tmp, which ? 1 : 2, shape, 1, err);
		}
		ll_free(tmp);
	}
	return rc;
}

int ll_mlp_load(ll_mlp *net, const char *dir, ll_err *err)
{
	int rc = LL_OK;
	/* read everything first so a bad file leaves the net unchanged */
	float *staged = ll_malloc_array(net->nparams, sizeof *staged);
	if (!staged)
		return ll_err_set(err, LL_ENOMEM, "mlp load: out of memory");
	for (size_t l = 0; l < net->nlayers && rc == LL_OK; l++) {
		size_t fi = net->size[l], fo = net->size[l + 1];
		for (int which = 0; which < 2 && rc == LL_OK; which++) {
			ll_tensor t = {0};
			char name[32];
			snprintf(name, sizeof name, "%c%zu.npy", which ? 'b' : 'W', l + 1);
			char *path = ll_path_join(dir, name);
			if (!path) {
				rc = ll_err_set(err, LL_ENOMEM, "mlp load: out of memory");
				break;
			}
			rc = ll_npy_read(path, &t, NULL, err);
			if (rc == LL_OK) {
				int ok = which ? (t.nmodes == 1 && t.dim[0] == fo)
					       : (t.nmodes == 2 && t.dim[0] == fo && t.dim[1] == fi);
				if (!ok) {
					char shp[96], want[64];
					if (which)
						snprintf(want, sizeof want, "%zu", fo);
					else
						snprintf(want, sizeof want, "%zux%zu", fo, fi);
					rc = ll_err_set(err, LL_ESHAPE, "%s: shape %s, the net needs %s", path,
							ll_tensor_shape_str(&t, shp, sizeof shp), want);
				} else {
					float *dst = staged + ((which ? net->b[l] : net->W[l]) - net->params);
					for (size_t j = 0; j < t.size; j++)
						dst[j] = (float)t.data[j];
				}
			}
			ll_tensor_free(&t);
			ll_free(path);
		}
	}
	if (rc == LL_OK) {
		memcpy(net->params, staged, net->nparams * sizeof *staged);
		if (net->opt_m)
			memset(net->opt_m, 0, net->nparams * sizeof(float));
		if (net->opt_v)
			memset(net->opt_v, 0, net->nparams * sizeof(float));
		net->step = 0;
	}
	ll_free(staged);
	return rc;
}
