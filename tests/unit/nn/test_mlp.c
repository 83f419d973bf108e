/* Tests for the MNIST loader and the MLP engine: gradients against a naive
 * double-precision gold model, optimizer steps by hand, determinism,
 * accuracy on the bundled subset, class means, unit matching, errors. */
#include "base/ll_common.h"
#include "base/ll_fs.h"
#include "nn/ll_mlp.h"
#include "io/ll_mnist.h"
#include "io/ll_npy.h"
#include "base/ll_rng.h"
#include "ll_test.h"

#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LL_MNIST_DIR
#define LL_MNIST_DIR "examples/data"
#endif

/* Loaded once: every test that needs the bundled data shares these. */
static ll_mnist g_train, g_test;
static int g_loaded;

static int load_bundled(void)
{
	if (!g_loaded) {
		ll_err e;
		if (ll_mnist_load(&g_train, LL_MNIST_DIR, "train", &e) != LL_OK ||
		    ll_mnist_load(&g_test, LL_MNIST_DIR, "test", &e) != LL_OK) {
			printf("# cannot load the bundled MNIST subset: %s\n", e.msg);
			return 0;
		}
		g_loaded = 1;
	}
	return 1;
}

static void random_inputs(float *X, unsigned char *y, size_t n, size_t d, size_t K, uint64_t seed)
{
	ll_rng r;
	ll_rng_init(&r, seed);
	for (size_t j = 0; j < n * d; j++)
		X[j] = (float)ll_rng_uniform(&r);
	for (size_t i = 0; i < n; i++)
		y[i] = (unsigned char)ll_rng_below(&r, K);
}

/* ---- naive gold model in double, reading the net's float parameters
 * (p overrides net->params when non-NULL) ---- */

static double gold_act(double z, ll_mlp_act a)
{
	return a == LL_MLP_RELU ? (z > 0 ? z : 0) : tanh(z);
}

/* Logits (n x K) or, with stop_after >= 0, the activations of hidden layer
 * stop_after, into out. */
static void gold_forward(const ll_mlp *net, const double *p, const float *X, size_t n,
			 int stop_after, double *out)
{
	size_t widest = 0;
	for (size_t l = 0; l <= net->nlayers; l++)
		if (net->size[l] > widest)
			widest = net->size[l];
	double *a = malloc(widest * sizeof *a), *z = malloc(widest * sizeof *z);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < net->size[0]; k++)
			a[k] = X[i * net->size[0] + k];
		for (size_t l = 0; l < net->nlayers; l++) {
			size_t fi = net->size[l], fo = net->size[l + 1];
			size_t oW = (size_t)(net->W[l] - net->params), ob = (size_t)(net->b[l] - net->params);
			for (size_t o = 0; o < fo; o++) {
				double s = p ? p[ob + o] : net->b[l][o];
				for (size_t k = 0; k < fi; k++)
					s += (p ? p[oW + o * fi + k] : net->W[l][o * fi + k]) * a[k];
				z[o] = l + 1 < net->nlayers ? gold_act(s, net->cfg.act) : s;
			}
			memcpy(a, z, fo * sizeof *a);
			if ((int)l == stop_after) {
				memcpy(out + i * fo, a, fo * sizeof *a);
				break;
			}
			if (l + 1 == net->nlayers)
				memcpy(out + i * fo, a, fo * sizeof *a);
		}
	}
	free(a);
	free(z);
}

static double gold_loss(const ll_mlp *net, const double *p, const float *X,
			const unsigned char *y, size_t n)
{
	size_t K = net->size[net->nlayers];
	double *lg = malloc(n * K * sizeof *lg), loss = 0;
	gold_forward(net, p, X, n, -1, lg);
	for (size_t i = 0; i < n; i++) {
		double mx = lg[i * K], s = 0;
		for (size_t k = 1; k < K; k++)
			mx = lg[i * K + k] > mx ? lg[i * K + k] : mx;
		for (size_t k = 0; k < K; k++)
			s += exp(lg[i * K + k] - mx);
		loss += mx + log(s) - lg[i * K + y[i]];
	}
	free(lg);
	return loss / (double)n;
}

static void small_config(ll_mlp_config *c, size_t h1, size_t h2, ll_mlp_act act)
{
	ll_mlp_config_default(c);
	c->n_in = 12;
	c->hidden[0] = h1;
	c->hidden[1] = h2;
	c->n_out = 4;
	c->act = act;
	c->batch = 8;
	c->seed = 7;
}

/* Every parameter's analytic gradient against central differences of the
 * gold loss in double: relative error below 1e-2 (float32 analytic). */
static void gradcheck(size_t h1, size_t h2, ll_mlp_act act)
{
	ll_mlp_config c;
	ll_mlp net;
	small_config(&c, h1, h2, act);
	LL_CHECK_INT(ll_mlp_init(&net, &c, NULL), LL_OK);
	enum { N = 6 };
	float X[N * 12];
	unsigned char y[N];
	random_inputs(X, y, N, 12, 4, 99);
	/* biases start at zero; make them non-trivial */
	for (size_t l = 0; l < net.nlayers; l++)
		for (size_t o = 0; o < net.size[l + 1]; o++)
			net.b[l][o] = 0.1f * ((float)(o % 5) - 2.0f);
	double loss;
	LL_CHECK_INT(ll_mlp_gradient(&net, X, y, N, &loss, NULL), LL_OK);
	double *p = calloc(net.nparams, sizeof *p);
	for (size_t j = 0; j < net.nparams; j++)
		p[j] = net.params[j];
	LL_CHECK_NEAR(loss, gold_loss(&net, p, X, y, N), 1e-5);
	double worst = 0;
	size_t nbig = 0;
	for (size_t j = 0; j < net.nparams; j++) {
		const double h = 1e-6;
		double keep = p[j];
		p[j] = keep + h;
		double lp = gold_loss(&net, p, X, y, N);
		p[j] = keep - h;
		double lm = gold_loss(&net, p, X, y, N);
		p[j] = keep;
		double num = (lp - lm) / (2 * h), an = net.grad[j];
		double rel = fabs(an - num) / fmax(fabs(num), 1e-3);
		if (rel > worst)
			worst = rel;
		nbig += fabs(num) > 1e-3;
	}
	LL_CHECK_MSG(worst < 1e-2, "worst relative gradient error %g (%zu-%zu-%zu %s)", worst,
		     h1, h2, (size_t)4, ll_mlp_act_name(act));
	LL_CHECK(nbig > net.nparams / 4); /* the check is not vacuous */
	free(p);
	ll_mlp_free(&net);
}

static void test_gradient_check(void)
{
	gradcheck(8, 0, LL_MLP_RELU);
	gradcheck(8, 6, LL_MLP_RELU);
	gradcheck(8, 0, LL_MLP_TANH);
	gradcheck(7, 5, LL_MLP_TANH);
}

/* Logits and hidden activations against the gold model, with more rows
 * than the scratch holds (chunking). */
static void test_forward_naive(void)
{
	ll_mlp_config c;
	ll_mlp net;
	small_config(&c, 9, 5, LL_MLP_TANH);
	LL_CHECK_INT(ll_mlp_init(&net, &c, NULL), LL_OK);
	size_t n = net.ws_rows * 2 + 3;
	float *X = malloc(n * 12 * sizeof *X), *out = malloc(n * 9 * sizeof *out);
	unsigned char *y = malloc(n);
	double *gold = malloc(n * 9 * sizeof *gold);
	random_inputs(X, y, n, 12, 4, 5);
	double worst[3] = {0, 0, 0};
	LL_CHECK_INT(ll_mlp_logits(&net, X, n, out, NULL), LL_OK);
	gold_forward(&net, NULL, X, n, -1, gold);
	for (size_t j = 0; j < n * 4; j++)
		worst[0] = fmax(worst[0], fabs(out[j] - gold[j]));
	/* class probabilities: the softmax of the gold logits, rows summing to 1 */
	double wp = 0, ws = 0;
	LL_CHECK_INT(ll_mlp_probs(&net, X, n, out, NULL), LL_OK);
	for (size_t i = 0; i < n; i++) {
		double mx = gold[i * 4], z = 0, sum = 0;
		for (size_t q = 1; q < 4; q++)
			mx = fmax(mx, gold[i * 4 + q]);
		for (size_t q = 0; q < 4; q++)
			z += exp(gold[i * 4 + q] - mx);
		for (size_t q = 0; q < 4; q++) {
			wp = fmax(wp, fabs(out[i * 4 + q] - exp(gold[i * 4 + q] - mx) / z));
			sum += out[i * 4 + q];
		}
		ws = fmax(ws, fabs(sum - 1));
	}
	LL_CHECK_NEAR(wp, 0, 1e-6);
	LL_CHECK_NEAR(ws, 0, 1e-6);
	for (int layer = 0; layer < 2; layer++) {
		size_t u = net.size[layer + 1];
		LL_CHECK_INT(ll_mlp_forward_hidden(&net, X, n, layer, out, NULL), LL_OK);
		gold_forward(&net, NULL, X, n, layer, gold);
		for (size_t j = 0; j < n * u; j++)
			worst[layer + 1] = fmax(worst[layer + 1], fabs(out[j] - gold[j]));
	}
	LL_CHECK_NEAR(worst[0], 0, 1e-5);
	LL_CHECK_NEAR(worst[1], 0, 1e-5);
	LL_CHECK_NEAR(worst[2], 0, 1e-5);
	ll_err e;
	LL_CHECK_INT(ll_mlp_forward_hidden(&net, X, n, 2, out, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "hidden layer 2 does not exist");
	LL_CHECK_INT(ll_mlp_forward_hidden(&net, X, n, -1, out, &e), LL_EINVAL);
	free(X);
	free(out);
	free(y);
	free(gold);
	ll_mlp_free(&net);
}

/* One or two steps of each optimizer against the formulas written out. */
static void test_optimizers(void)
{
	for (int o = 0; o < 3; o++) {
		ll_mlp_config c;
		ll_mlp net;
		small_config(&c, 6, 0, LL_MLP_RELU);
		c.opt = (ll_mlp_opt)o;
		c.lr = 0.05;
		c.momentum = 0.8;
		c.weight_decay = o == 1 ? 0.01 : 0.0;
		LL_CHECK_INT(ll_mlp_init(&net, &c, NULL), LL_OK);
		enum { N = 8 };
		float X[N * 12];
		unsigned char y[N];
		random_inputs(X, y, N, 12, 4, 11);
		size_t np = net.nparams, nw1 = 6 * 12, nb1 = 6, nw2 = 4 * 6;
		double *p = malloc(np * sizeof *p), *m = calloc(np, sizeof *m), *v = calloc(np, sizeof *v);
		for (size_t j = 0; j < np; j++)
			p[j] = net.params[j];
		double worst = 0;
		for (int t = 1; t <= 2; t++) {
			/* gradient at the current point, then the library's step */
			LL_CHECK_INT(ll_mlp_gradient(&net, X, y, N, NULL, NULL), LL_OK);
			double *g = malloc(np * sizeof *g);
			for (size_t j = 0; j < np; j++) {
				int is_w = j < nw1 || (j >= nw1 + nb1 && j < nw1 + nb1 + nw2);
				g[j] = net.grad[j] + (is_w ? c.weight_decay * p[j] : 0.0);
			}
			LL_CHECK_INT(ll_mlp_train_step(&net, X, y, N, NULL, NULL), LL_OK);
			for (size_t j = 0; j < np; j++) {
				if (o == LL_MLP_SGD) {
					p[j] -= c.lr * g[j];
				} else if (o == LL_MLP_MOMENTUM) {
					m[j] = c.momentum * m[j] + g[j];
					p[j] -= c.lr * m[j];
				} else {
					m[j] = c.beta1 * m[j] + (1 - c.beta1) * g[j];
					v[j] = c.beta2 * v[j] + (1 - c.beta2) * g[j] * g[j];
					double mh = m[j] / (1 - pow(c.beta1, t)), vh = v[j] / (1 - pow(c.beta2, t));
					p[j] -= c.lr * mh / (sqrt(vh) + c.eps);
				}
				worst = fmax(worst, fabs(p[j] - net.params[j]));
			}
			free(g);
		}
		LL_CHECK_MSG(worst < 1e-5, "%s: worst parameter difference %g", ll_mlp_opt_name(c.opt), worst);
		LL_CHECK_INT(net.step, 2);
		free(p);
		free(m);
		free(v);
		ll_mlp_free(&net);
	}
}

static void test_config(void)
{
	ll_mlp_config c;
	ll_mlp net;
	ll_err e;
	ll_mlp_act a;
	ll_mlp_opt o;
	LL_CHECK_INT(ll_mlp_act_parse("tanh", &a), LL_OK);
	LL_CHECK_INT(a, LL_MLP_TANH);
	LL_CHECK_INT(ll_mlp_act_parse("sigmoid", &a), LL_EINVAL);
	LL_CHECK_INT(ll_mlp_opt_parse("adam", &o), LL_OK);
	LL_CHECK_INT(o, LL_MLP_ADAM);
	LL_CHECK_INT(ll_mlp_opt_parse("rmsprop", &o), LL_EINVAL);
	LL_CHECK_STR(ll_mlp_opt_name(LL_MLP_MOMENTUM), "momentum");

	ll_mlp_config_default(&c);
	c.lr = -1;
	LL_CHECK_INT(ll_mlp_init(&net, &c, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "lr = -1");
	ll_mlp_free(&net); /* zeroed by the failed init: a no-op */
	ll_mlp_config_default(&c);
	c.hidden[0] = 0;
	LL_CHECK_INT(ll_mlp_config_check(&c, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "hidden[0] = 0");
	ll_mlp_config_default(&c);
	c.beta2 = 1.0;
	LL_CHECK_INT(ll_mlp_config_check(&c, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "beta2");
	ll_mlp_config_default(&c);
	c.batch = 0;
	LL_CHECK_INT(ll_mlp_config_check(&c, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "batch = 0");
	ll_mlp_config_default(&c);
	c.epochs = 0;
	LL_CHECK_INT(ll_mlp_config_check(&c, &e), LL_EINVAL);
	c.max_steps = 5;
	LL_CHECK_INT(ll_mlp_config_check(&c, &e), LL_OK);

	/* step and snapshot counts */
	ll_mlp_config_default(&c);
	c.batch = 64;
	c.epochs = 2;
	LL_CHECK_INT(ll_mlp_total_steps(&c, 5000), 158); /* 2 x ceil(5000/64) */
	c.max_steps = 100;
	LL_CHECK_INT(ll_mlp_total_steps(&c, 5000), 100);
	LL_CHECK_INT(ll_mlp_n_snapshots(158, 8), 1 + 19 + 1);
	LL_CHECK_INT(ll_mlp_n_snapshots(160, 8), 1 + 20);
	LL_CHECK_INT(ll_mlp_n_snapshots(0, 8), 1);
}

/* Same seed and data: bitwise equal weights; another seed: different. */
static void test_determinism(void)
{
	ll_mnist set;
	LL_CHECK_INT(ll_mnist_alloc(&set, 300, 4, 5, NULL), LL_OK);
	random_inputs(set.x, set.y, set.n, set.dim, 10, 3);
	ll_mlp_config c;
	ll_mlp_config_default(&c);
	c.n_in = 20;
	c.hidden[0] = 16;
	c.hidden[1] = 8;
	c.opt = LL_MLP_ADAM;
	c.lr = 0.01;
	c.batch = 32;
	c.epochs = 3;
	c.seed = 1234;
	ll_mlp a, b, d;
	LL_CHECK_INT(ll_mlp_init(&a, &c, NULL), LL_OK);
	LL_CHECK_INT(ll_mlp_init(&b, &c, NULL), LL_OK);
	c.seed = 1235;
	LL_CHECK_INT(ll_mlp_init(&d, &c, NULL), LL_OK);
	LL_CHECK(memcmp(a.params, b.params, a.nparams * sizeof(float)) == 0);
	LL_CHECK(memcmp(a.params, d.params, a.nparams * sizeof(float)) != 0);
	LL_CHECK_INT(ll_mlp_train(&a, &set, 0, NULL, NULL, NULL), LL_OK);
	LL_CHECK_INT(ll_mlp_train(&b, &set, 0, NULL, NULL, NULL), LL_OK);
	LL_CHECK_INT(a.step, 30);
	LL_CHECK(memcmp(a.params, b.params, a.nparams * sizeof(float)) == 0);
	/* shared init, own batch order: start equal, end different */
	LL_CHECK_INT(ll_mlp_copy_weights(&d, &a, NULL), LL_OK);
	LL_CHECK(memcmp(a.params, d.params, a.nparams * sizeof(float)) == 0);
	LL_CHECK_INT(d.step, 0);
	LL_CHECK_INT(ll_mlp_train(&d, &set, 0, NULL, NULL, NULL), LL_OK);
	LL_CHECK(memcmp(a.params, d.params, a.nparams * sizeof(float)) != 0);
	ll_mlp e1;
	ll_err e;
	c.hidden[1] = 0;
	LL_CHECK_INT(ll_mlp_init(&e1, &c, NULL), LL_OK);
	LL_CHECK_INT(ll_mlp_copy_weights(&e1, &a, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "source is 20-16-8-10, destination is 20-16-10");
	ll_mlp_free(&e1);
	ll_mlp_free(&a);
	ll_mlp_free(&b);
	ll_mlp_free(&d);
	ll_mnist_free(&set);
}

typedef struct cb_log {
	size_t calls, last_step, bad_order;
	double first_loss, last_loss;
	int cancel_at;
} cb_log;

static int log_cb(void *ud, ll_mlp *net, const ll_mlp_event *ev)
{
	cb_log *lg = ud;
	if (lg->calls && ev->step <= lg->last_step)
		lg->bad_order++;
	if (lg->calls == 1)
		lg->first_loss = ev->train_loss;
	lg->last_loss = ev->train_loss;
	lg->last_step = ev->step;
	lg->calls++;
	(void)net;
	return lg->cancel_at >= 0 && (int)lg->calls > lg->cancel_at;
}

/* The bundled data: sizes, balance, range, no train/test overlap. */
static uint64_t fnv(const float *x, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (uint64_t)(x[i] * 255.0f + 0.5f);
		h *= 1099511628211ULL;
	}
	return h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_bundled_data(void)
{
	if (!load_bundled()) {
		LL_CHECK(0);
		return;
	}
	LL_CHECK_INT(g_train.n, 5000);
	LL_CHECK_INT(g_test.n, 1000);
	LL_CHECK_INT(g_train.rows, 28);
	LL_CHECK_INT(g_train.dim, 784);
	size_t ctr[10], cte[10];
	ll_mnist_class_counts(&g_train, ctr);
	ll_mnist_class_counts(&g_test, cte);
	for (int k = 0; k < 10; k++) {
		LL_CHECK_INT(ctr[k], 500);
		LL_CHECK_INT(cte[k], 100);
	}
	float lo = 1, hi = 0;
	double mean = 0;
	for (size_t j = 0; j < g_train.n * g_train.dim; j++) {
		lo = g_train.x[j] < lo ? g_train.x[j] : lo;
		hi = g_train.x[j] > hi ? g_train.x[j] : hi;
		mean += g_train.x[j];
	}
	LL_CHECK_NEAR(lo, 0.0, 0.0);
	LL_CHECK_NEAR(hi, 1.0, 0.0);
	/* MNIST's mean pixel is about 0.13 */
	LL_CHECK_NEAR(mean / (double)(g_train.n * g_train.dim), 0.13, 0.02);
	/* the first training prefix is roughly balanced (files are shuffled) */
	size_t first[10] = {0};
	for (size_t i = 0; i < 500; i++)
		first[g_train.y[i]]++;
	for (int k = 0; k < 10; k++)
		LL_CHECK(first[k] >= 25 && first[k] <= 80);
	/* no image appears twice across (or within) the two sets */
	size_t n = g_train.n + g_test.n;
	uint64_t *h = malloc(n * sizeof *h);
	for (size_t i = 0; i < g_train.n; i++)
		h[i] = fnv(g_train.x + i * 784, 784);
	for (size_t i = 0; i < g_test.n; i++)
		h[g_train.n + i] = fnv(g_test.x + i * 784, 784);
	qsort(h, n, sizeof *h, cmp_u64);
	size_t dup = 0;
	for (size_t i = 1; i < n; i++)
		dup += h[i] == h[i - 1];
	LL_CHECK_INT(dup, 0);
	free(h);
}

/* 784-64-10 on the 5,000 bundled images: > 90% on the 1,000 test images. */
static void test_train_mnist(void)
{
	if (!load_bundled()) {
		LL_CHECK(0);
		return;
	}
	ll_mlp_config c;
	ll_mlp net;
	ll_err e;
	ll_mlp_config_default(&c);
	c.hidden[0] = 64;
	c.opt = LL_MLP_MOMENTUM; /* over 20 seeds: min 0.918, mean 0.932 */
	c.lr = 0.03;
	c.momentum = 0.9;
	c.batch = 32;
	c.epochs = 3;
	c.seed = 1;
	LL_CHECK_INT(ll_mlp_init(&net, &c, NULL), LL_OK);
	double loss0, acc0, loss, acc;
	LL_CHECK_INT(ll_mlp_evaluate(&net, &g_test, &loss0, &acc0, NULL), LL_OK);
	cb_log lg = {0};
	lg.cancel_at = -1;
	double t0 = ll_now();
	LL_CHECK_INT(ll_mlp_train(&net, &g_train, 50, log_cb, &lg, &e), LL_OK);
	double secs = ll_now() - t0;
	size_t total = ll_mlp_total_steps(&c, g_train.n);
	LL_CHECK_INT(total, 3 * 157);
	LL_CHECK_INT(lg.calls, ll_mlp_n_snapshots(total, 50));
	LL_CHECK_INT(lg.last_step, total);
	LL_CHECK_INT(lg.bad_order, 0);
	LL_CHECK(lg.last_loss < 0.5 * lg.first_loss);
	LL_CHECK_INT(ll_mlp_evaluate(&net, &g_test, &loss, &acc, NULL), LL_OK);
	printf("# 784-64-10 momentum, 3 epochs on 5000: test acc %.3f (untrained %.3f), loss %.3f, %.2f s\n",
	       acc, acc0, loss, secs);
	LL_CHECK_MSG(acc > 0.90, "test accuracy %.4f", acc);
	LL_CHECK(acc0 < 0.3);
	LL_CHECK(loss < loss0);

	/* a callback can stop training */
	lg = (cb_log){0};
	lg.cancel_at = 1; /* stop at the second call, step 10 */
	LL_CHECK_INT(ll_mlp_train(&net, &g_train, 10, log_cb, &lg, &e), LL_ECANCELED);
	LL_CHECK_CONTAINS(e.msg, "canceled at step 10");
	ll_mlp_free(&net);
}

/* Class means against a naive recomputation from forward_hidden. */
static void test_class_means(void)
{
	if (!load_bundled()) {
		LL_CHECK(0);
		return;
	}
	ll_mnist probe;
	ll_err e;
	LL_CHECK_INT(ll_mnist_probe(&probe, &g_test, 20, NULL), LL_OK);
	LL_CHECK_INT(probe.n, 200);
	for (size_t i = 0; i < probe.n; i++)
		LL_CHECK_INT(probe.y[i], i / 20);
	/* probe image 60 (the first 3) is the first 3 of the test set */
	for (size_t i = 0; i < g_test.n; i++)
		if (g_test.y[i] == 3) {
			LL_CHECK(memcmp(probe.x + 60 * 784, g_test.x + i * 784, 784 * sizeof(float)) == 0);
			break;
		}
	ll_mnist_free(&probe);
	LL_CHECK_INT(ll_mnist_probe(&probe, &g_test, 101, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "101 images of digit 0 wanted, the set has 100");
	LL_CHECK_INT(ll_mnist_probe(&probe, &g_test, 20, NULL), LL_OK);

	ll_mlp_config c;
	ll_mlp net;
	ll_mlp_config_default(&c);
	c.hidden[0] = 32;
	c.hidden[1] = 16;
	c.max_steps = 40;
	LL_CHECK_INT(ll_mlp_init(&net, &c, NULL), LL_OK);
	LL_CHECK_INT(ll_mlp_train(&net, &g_train, 0, NULL, NULL, NULL), LL_OK);
	LL_CHECK_INT(net.step, 40);
	for (int layer = 0; layer < 2; layer++) {
		size_t u = net.size[layer + 1];
		double *means = malloc(10 * u * sizeof *means), *naive = calloc(10 * u, sizeof *naive);
		float *h = malloc(probe.n * u * sizeof *h);
		LL_CHECK_INT(ll_mlp_log_class_means(&net, &probe, layer, means, NULL), LL_OK);
		LL_CHECK_INT(ll_mlp_forward_hidden(&net, probe.x, probe.n, layer, h, NULL), LL_OK);
		for (size_t i = 0; i < probe.n; i++)
			for (size_t k = 0; k < u; k++)
				naive[probe.y[i] * u + k] += h[i * u + k] / 20.0;
		double worst = 0, total = 0;
		for (size_t j = 0; j < 10 * u; j++) {
			worst = fmax(worst, fabs(means[j] - naive[j]));
			total += means[j];
		}
		LL_CHECK_NEAR(worst, 0, 1e-9);
		LL_CHECK(total > 0); /* ReLU units are active somewhere */
		free(means);
		free(naive);
		free(h);
	}
	/* a probe missing a class */
	double out[10 * 32];
	probe.n = 180; /* drops the 9s */
	LL_CHECK_INT(ll_mlp_log_class_means(&net, &probe, 0, out, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "no image of class 9");
	probe.n = 200;
	ll_mlp_free(&net);
	ll_mnist_free(&probe);
}

/* A net with its units shuffled computes the same function, and matching
 * finds the shuffle back with correlation 1. */
static void test_match_units(void)
{
	if (!load_bundled()) {
		LL_CHECK(0);
		return;
	}
	ll_mnist probe;
	LL_CHECK_INT(ll_mnist_probe(&probe, &g_test, 10, NULL), LL_OK);
	ll_mlp_config c;
	ll_mlp a, b;
	ll_err e;
	ll_mlp_config_default(&c);
	c.hidden[0] = 24;
	c.hidden[1] = 12;
	c.opt = LL_MLP_ADAM;
	c.lr = 1e-3;
	c.max_steps = 30;
	LL_CHECK_INT(ll_mlp_init(&a, &c, NULL), LL_OK);
	LL_CHECK_INT(ll_mlp_train(&a, &g_train, 0, NULL, NULL, NULL), LL_OK);
	LL_CHECK_INT(ll_mlp_init(&b, &c, NULL), LL_OK);
	LL_CHECK_INT(ll_mlp_copy_weights(&b, &a, NULL), LL_OK);
	size_t p[24], got[24];
	double corr[24];
	ll_rng r;
	ll_rng_init(&r, 5);
	for (size_t i = 0; i < 24; i++)
		p[i] = i;
	for (size_t i = 23; i > 0; i--) {
		size_t j = ll_rng_below(&r, i + 1), t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	LL_CHECK_INT(ll_mlp_permute_units(&b, 0, p, NULL), LL_OK);
	float la[100 * 10], lb[100 * 10];
	LL_CHECK_INT(ll_mlp_logits(&a, probe.x, 100, la, NULL), LL_OK);
	LL_CHECK_INT(ll_mlp_logits(&b, probe.x, 100, lb, NULL), LL_OK);
	double worst = 0;
	for (size_t j = 0; j < 1000; j++)
		worst = fmax(worst, fabs(la[j] - lb[j]));
	LL_CHECK_NEAR(worst, 0, 1e-4);
	LL_CHECK_INT(ll_mlp_match_units(&a, &b, &probe, 0, got, corr, &e), LL_OK);
	/* b's unit j is a's unit p[j], so a's unit p[j] matches b's unit j */
	size_t wrong = 0, dead = 0;
	for (size_t j = 0; j < 24; j++) {
		if (corr[p[j]] == 0.0) /* a unit silent on the whole probe: any match */
			dead++;
		else
			wrong += got[p[j]] != j || fabs(corr[p[j]] - 1.0) > 1e-6;
	}
	LL_CHECK_INT(wrong, 0);
	LL_CHECK(dead < 6);
	/* bad permutation and mismatched widths */
	p[1] = p[0];
	LL_CHECK_INT(ll_mlp_permute_units(&b, 0, p, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "perm[1]");
	LL_CHECK_CONTAINS(e.msg, "repeated");
	LL_CHECK_INT(ll_mlp_match_units(&a, &b, &probe, 1, got, corr, NULL), LL_OK);
	c.hidden[0] = 20;
	ll_mlp d;
	LL_CHECK_INT(ll_mlp_init(&d, &c, NULL), LL_OK);
	LL_CHECK_INT(ll_mlp_match_units(&a, &d, &probe, 0, got, corr, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "24 units in the reference, 20 here");
	ll_mlp_free(&a);
	ll_mlp_free(&b);
	ll_mlp_free(&d);
	ll_mnist_free(&probe);
}

static void rm_rf(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	LL_CHECK(system(cmd) == 0);
}

static void test_save_load(void)
{
	char dir[] = "/tmp/ll_test_mlp_XXXXXX";
	LL_CHECK(mkdtemp(dir) != NULL);
	char *sub = ll_path_join(dir, "w");
	ll_mlp_config c;
	ll_mlp a, b;
	ll_err e;
	small_config(&c, 9, 5, LL_MLP_RELU);
	LL_CHECK_INT(ll_mlp_init(&a, &c, NULL), LL_OK);
	for (size_t j = 0; j < a.nparams; j++) /* biases too */
		a.params[j] += 0.001f * (float)j;
	c.seed = 99;
	LL_CHECK_INT(ll_mlp_init(&b, &c, NULL), LL_OK);
	LL_CHECK_INT(ll_mlp_save(&a, sub, &e), LL_OK);
	LL_CHECK_INT(ll_mlp_load(&b, sub, &e), LL_OK);
	LL_CHECK(memcmp(a.params, b.params, a.nparams * sizeof(float)) == 0);
	ll_mlp d;
	c.hidden[0] = 8;
	LL_CHECK_INT(ll_mlp_init(&d, &c, NULL), LL_OK);
	float keep = d.params[0];
	LL_CHECK_INT(ll_mlp_load(&d, sub, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "W1.npy: shape 9x12, the net needs 8x12");
	LL_CHECK(d.params[0] == keep);
	ll_mlp_free(&d);
	/* a directory without weights: the missing file is named */
	char *sub2 = ll_path_join(dir, "none");
	LL_CHECK_INT(ll_mlp_load(&b, sub2, &e), LL_EIO);
	LL_CHECK_CONTAINS(e.msg, "W1.npy");
	ll_free(sub2);
	ll_mlp_free(&a);
	ll_mlp_free(&b);
	ll_free(sub);
	rm_rf(dir);
}

static void test_train_errors(void)
{
	ll_mnist set;
	ll_mlp_config c;
	ll_mlp net;
	ll_err e;
	LL_CHECK_INT(ll_mnist_alloc(&set, 50, 3, 4, NULL), LL_OK);
	random_inputs(set.x, set.y, set.n, set.dim, 4, 8);
	small_config(&c, 5, 0, LL_MLP_RELU);
	LL_CHECK_INT(ll_mlp_init(&net, &c, NULL), LL_OK);
	/* labels beyond n_out */
	set.y[17] = 4;
	LL_CHECK_INT(ll_mlp_train(&net, &set, 0, NULL, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "label 4 of example 17");
	LL_CHECK_INT(ll_mlp_evaluate(&net, &set, NULL, NULL, &e), LL_EINVAL);
	set.y[17] = 0;
	/* a diverged net (as a far too high learning rate leaves it) */
	net.params[3] = NAN;
	LL_CHECK_INT(ll_mlp_train(&net, &set, 0, NULL, NULL, &e), LL_ENUMERIC);
	LL_CHECK_CONTAINS(e.msg, "loss is nan at step 0");
	ll_mlp_free(&net);
	/* wrong input width */
	c.n_in = 13;
	LL_CHECK_INT(ll_mlp_init(&net, &c, NULL), LL_OK);
	LL_CHECK_INT(ll_mlp_train(&net, &set, 0, NULL, NULL, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "images have 12 pixels, the net takes 13 inputs");
	ll_mlp_free(&net);
	ll_mnist_free(&set);
}

/* Loader errors, each naming the file. */
static void test_loader_errors(void)
{
	char dir[] = "/tmp/ll_test_mlp_XXXXXX";
	LL_CHECK(mkdtemp(dir) != NULL);
	ll_mnist ds;
	ll_err e;
	char path[512], lpath[512];

	LL_CHECK_INT(ll_mnist_load(&ds, "/nonexistent/mnist", "train", &e), LL_EIO);
	LL_CHECK_CONTAINS(e.msg, "/nonexistent/mnist: no such directory");
	LL_CHECK_INT(ll_mnist_load(&ds, dir, "valid", &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "\"valid\"");
	LL_CHECK_INT(ll_mnist_load(&ds, dir, "test", &e), LL_EIO);
	LL_CHECK_CONTAINS(e.msg, "no test images");
	LL_CHECK_CONTAINS(e.msg, "t10k-images-idx3-ubyte[.gz]");
	ll_mnist_free(&ds); /* zeroed by the failure: a no-op */

	/* 5 images, 4 labels (LeCun's names, uncompressed) */
	unsigned char img[5 * 28 * 28] = {0}, lab[5] = {1, 2, 3, 4, 5};
	size_t ishape[3] = {5, 28, 28}, lshape[1] = {4};
	snprintf(path, sizeof path, "%s/train-images-idx3-ubyte", dir);
	snprintf(lpath, sizeof lpath, "%s/train-labels-idx1-ubyte", dir);
	LL_CHECK_INT(ll_idx_write_u8(path, img, 3, ishape, 0, NULL), LL_OK);
	LL_CHECK_INT(ll_mnist_load(&ds, dir, "train", &e), LL_EIO);
	LL_CHECK_CONTAINS(e.msg, "no train labels");
	LL_CHECK_INT(ll_idx_write_u8(lpath, lab, 1, lshape, 0, NULL), LL_OK);
	LL_CHECK_INT(ll_mnist_load(&ds, dir, "train", &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "train-labels-idx1-ubyte: 4 labels but 5 images");
	/* a label out of range */
	lshape[0] = 5;
	lab[3] = 10;
	LL_CHECK_INT(ll_idx_write_u8(lpath, lab, 1, lshape, 0, NULL), LL_OK);
	LL_CHECK_INT(ll_mnist_load(&ds, dir, "train", &e), LL_EFORMAT);
	LL_CHECK_CONTAINS(e.msg, "train-labels-idx1-ubyte: label 3 is 10");
	lab[3] = 9;
	LL_CHECK_INT(ll_idx_write_u8(lpath, lab, 1, lshape, 0, NULL), LL_OK);
	LL_CHECK_INT(ll_mnist_load(&ds, dir, "train", &e), LL_OK);
	LL_CHECK_INT(ds.n, 5);
	LL_CHECK_INT(ds.y[4], 5);
	ll_mnist_free(&ds);
	/* wrong image size, gzip'd; the .gz is preferred over the plain file */
	size_t bad[3] = {5, 27, 28};
	snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", dir);
	LL_CHECK_INT(ll_idx_write_u8(path, img, 3, bad, 1, NULL), LL_OK);
	LL_CHECK_INT(ll_mnist_load(&ds, dir, "train", &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "train-images-idx3-ubyte.gz: images are 5 x 27 x 28, expected N x 28 x 28");
	/* corrupt file: not IDX at all */
	FILE *fp = fopen(path, "wb");
	LL_CHECK(fp != NULL);
	if (fp) {
		fputs("this is not an IDX file", fp);
		fclose(fp);
	}
	LL_CHECK(ll_mnist_load(&ds, dir, "train", &e) < 0);
	LL_CHECK_CONTAINS(e.msg, "train-images-idx3-ubyte.gz");
	/* truncated IDX: header promises more data than the file has */
	unsigned char hdr[16] = {0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 28, 0, 0, 0, 28};
	fp = fopen(path, "wb");
	if (fp) {
		fwrite(hdr, 1, sizeof hdr, fp);
		fwrite(img, 1, 100, fp);
		fclose(fp);
	}
	LL_CHECK_INT(ll_mnist_load(&ds, dir, "train", &e), LL_EFORMAT);
	LL_CHECK_CONTAINS(e.msg, "train-images-idx3-ubyte.gz");
	LL_CHECK_CONTAINS(e.msg, "truncated");
	/* explicit paths */
	LL_CHECK_INT(ll_mnist_load_files(&ds, lpath, lpath, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "images are 5, expected N x 28 x 28");
	/* subsets */
	LL_CHECK_INT(ll_mnist_alloc(&ds, 10, 2, 2, NULL), LL_OK);
	for (size_t i = 0; i < 10; i++) {
		ds.y[i] = (unsigned char)i;
		ds.x[i * 4] = (float)i;
	}
	ll_mnist sub;
	LL_CHECK_INT(ll_mnist_subset(&sub, &ds, 3, 4, NULL), LL_OK);
	LL_CHECK_INT(sub.n, 4);
	LL_CHECK_INT(sub.y[0], 3);
	LL_CHECK_NEAR(sub.x[3 * 4], 6.0, 0.0);
	ll_mnist_free(&sub);
	LL_CHECK_INT(ll_mnist_subset(&sub, &ds, 8, 3, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "images 8..11 requested from a set of 10");
	ll_mnist_free(&ds);
	rm_rf(dir);
}

int main(void)
{
	LL_RUN(test_config);
	LL_RUN(test_gradient_check);
	LL_RUN(test_forward_naive);
	LL_RUN(test_optimizers);
	LL_RUN(test_determinism);
	LL_RUN(test_train_errors);
	LL_RUN(test_loader_errors);
	LL_RUN(test_bundled_data);
	LL_RUN(test_train_mnist);
	LL_RUN(test_class_means);
	LL_RUN(test_match_units);
	LL_RUN(test_save_load);
	ll_mnist_free(&g_train);
	ll_mnist_free(&g_test);
	return ll_test_done();
}
