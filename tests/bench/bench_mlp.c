/*
 * bench_mlp - training speed of the MLP engine.
 *
 *   full     one epoch of 784-128-10 on 60,000 images (the bundled 5,000
 *            repeated 12 times), batch 64 and 128, SGD and Adam
 *   floor    the same epoch's GEMMs alone (forward + weight gradients,
 *            cblas_sgemm on the same shapes): what BLAS needs at minimum
 *   subset   one epoch on the bundled 5,000 images
 *   session  one model as examples/mnist.lab trains it: 784-64-10,
 *            momentum lr 0.03, batch 32, 3 epochs, class means of 500 probe
 *            images every 12 steps
 *
 * Each figure is the best of a few runs (the machine is shared).
 * Usage: bench_mlp [-q] [-t THREADS]  (-q: one epoch of 10,000 images, one
 * run; -t: OpenBLAS threads, default OpenBLAS's own choice).
 */
#include "base/ll_common.h"
#include "nn/ll_mlp.h"
#include "io/ll_mnist.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LL_MNIST_DIR
#define LL_MNIST_DIR "examples/data"
#endif

static int die(const ll_err *e)
{
	fprintf(stderr, "bench_mlp: %s\n", e->msg);
	return 1;
}

/* seconds for one epoch, best of reps */
static double epoch_secs(const ll_mnist *set, size_t hidden, size_t batch, ll_mlp_opt opt,
			 int reps, double *acc, const ll_mnist *test)
{
	double best = INFINITY;
	for (int r = 0; r < reps; r++) {
		ll_mlp_config c;
		ll_mlp net;
		ll_err e;
		ll_mlp_config_default(&c);
		c.hidden[0] = hidden;
		c.batch = batch;
		c.epochs = 1;
		c.opt = opt;
		c.lr = opt == LL_MLP_ADAM ? 1e-3 : 0.1;
		c.seed = 1 + (uint64_t)r;
		if (ll_mlp_init(&net, &c, &e) != LL_OK)
			exit(die(&e));
		double t = ll_now();
		if (ll_mlp_train(&net, set, 0, NULL, NULL, &e) != LL_OK)
			exit(die(&e));
		t = ll_now() - t;
		if (t < best)
			best = t;
		if (acc && ll_mlp_evaluate(&net, test, NULL, acc, &e) != LL_OK)
			exit(die(&e));
		ll_mlp_free(&net);
	}
	return best;
}

/* the epoch's sgemm calls alone: X W1^T, H W2^T, dZ2^T H, dZ2 W2, dZ1^T X */
static double gemm_floor(size_t n, size_t hidden, size_t batch, int reps)
{
	size_t d = 784, K = 10;
	float *X = calloc(batch * d, sizeof *X), *W1 = calloc(hidden * d, sizeof *W1);
	float *H = calloc(batch * hidden, sizeof *H), *W2 = calloc(K * hidden, sizeof *W2);
	float *Z = calloc(batch * K, sizeof *Z), *dW1 = calloc(hidden * d, sizeof *dW1);
	float *dW2 = calloc(K * hidden, sizeof *dW2);
	double best = INFINITY;
	int b = (int)batch, h = (int)hidden, di = (int)d, k = (int)K;
	for (int r = 0; r < reps; r++) {
		double t = ll_now();
		for (size_t s = 0; s < n; s += batch) {
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, h, di, 1, X, di, W1, di, 0, H, h);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, k, h, 1, H, h, W2, h, 0, Z, k);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, h, b, 1, Z, k, H, h, 0, dW2, h);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, h, k, 1, Z, k, W2, h, 0, H, h);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, h, di, b, 1, H, h, X, di, 0, dW1, di);
		}
		t = ll_now() - t;
		if (t < best)
			best = t;
	}
	free(X); free(W1); free(H); free(W2); free(Z); free(dW1); free(dW2);
	return best;
}

typedef struct session_ud {
	ll_mnist *probe;
	double *means;
	size_t calls;
} session_ud;

static int session_cb(void *ud, ll_mlp *net, const ll_mlp_event *ev)
{
	session_ud *s = ud;
	(void)ev;
	s->calls++;
	return ll_mlp_log_class_means(net, s->probe, 0, s->means, NULL) != LL_OK;
}

int main(int argc, char **argv)
{
	int quick = 0, threads = 0;
	ll_mnist train, test, big;
	ll_err e;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q"))
			quick = 1;
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_mlp [-q] [-t THREADS]\n");
			return 2;
		}
	}
	if (threads > 0)
		openblas_set_num_threads(threads);
	if (ll_mnist_load(&train, LL_MNIST_DIR, "train", &e) != LL_OK ||
	    ll_mnist_load(&test, LL_MNIST_DIR, "test", &e) != LL_OK)
		return die(&e);
	size_t rep = quick ? 2 : 12, n = rep * train.n;
	int reps = quick ? 1 : 3;
	if (ll_mnist_alloc(&big, n, 28, 28, &e) != LL_OK)
		return die(&e);
	for (size_t r = 0; r < rep; r++) {
		memcpy(big.x + r * train.n * 784, train.x, train.n * 784 * sizeof(float));
		memcpy(big.y + r * train.n, train.y, train.n);
	}
	printf("OpenBLAS threads: %d (%s)\n", openblas_get_num_threads(), openblas_get_config());
	printf("%-34s %10s %12s %8s\n", "784-128-10, one epoch", "s/epoch", "images/s", "test acc");
	size_t batches[2] = {64, 128};
	for (int bi = 0; bi < 2; bi++) {
		size_t B = batches[bi];
		for (int o = 0; o < 3; o += 2) {
			double acc = 0;
			double t = epoch_secs(&big, 128, B, (ll_mlp_opt)o, reps, &acc, &test);
			char label[64];
			snprintf(label, sizeof label, "%zu images, batch %zu, %s", n, B, ll_mlp_opt_name((ll_mlp_opt)o));
			printf("%-34s %10.3f %12.0f %8.3f\n", label, t, (double)n / t, acc);
		}
		double g = gemm_floor(n, 128, B, reps);
		char label[64];
		snprintf(label, sizeof label, "  sgemm floor, batch %zu", B);
		printf("%-34s %10.3f %12.0f\n", label, g, (double)n / g);
	}
	double t = epoch_secs(&train, 128, 64, LL_MLP_SGD, reps, NULL, NULL);
	printf("%-34s %10.3f %12.0f\n", "5000 images (bundled), batch 64", t, (double)train.n / t);

	/* one model of the demo session */
	ll_mnist probe;
	if (ll_mnist_probe(&probe, &test, 50, &e) != LL_OK)
		return die(&e);
	double means[10 * 64];
	session_ud su = {&probe, means, 0};
	ll_mlp_config c;
	ll_mlp net;
	ll_mlp_config_default(&c);
	c.opt = LL_MLP_MOMENTUM; /* as examples/mnist.lab */
	c.lr = 0.03;
	c.batch = 32;
	c.epochs = 3;
	if (ll_mlp_init(&net, &c, &e) != LL_OK)
		return die(&e);
	double t0 = ll_now();
	if (ll_mlp_train(&net, &train, 12, session_cb, &su, &e) != LL_OK)
		return die(&e);
	double ts = ll_now() - t0, acc;
	if (ll_mlp_evaluate(&net, &test, NULL, &acc, &e) != LL_OK)
		return die(&e);
	printf("session model (784-64-10, 3 epochs, %zu snapshots): %.3f s, test acc %.3f\n",
	       su.calls, ts, acc);
	ll_mlp_free(&net);
	ll_mnist_free(&probe);
	ll_mnist_free(&big);
	ll_mnist_free(&train);
	ll_mnist_free(&test);
	return 0;
}
