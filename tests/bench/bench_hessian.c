/*
 * bench_hessian - the cost of the loss Hessian of the demo MLP.
 *
 * The net is the demo session's model (examples/mnist.lab: 784-64-10 ReLU,
 * momentum lr 0.03, batch 32, 3 epochs on the bundled 5,000 images); the
 * Hessian is that of the mean loss on the first 1,000 training images.
 *
 *   gradient   one ll_mlp_gradient over the 1,000 images (float32): the
 *              baseline
 *   setup      ll_hessian_init: the cached forward and backward pass in double
 *   hvp        one Hessian-vector product, and its ratio to the gradient
 *   top-10     ll_hessian_lanczos with the defaults (k 10, at most 40 steps,
 *              tol 1e-6), setup included: the target is under one second
 *   trace      Hutchinson with 100 probes
 *   density    SLQ, 4 starts of 80 steps
 *
 * Each figure is the best of a few runs (the machine is shared).
 * Usage: bench_hessian [-q] [-n IMAGES]  (-q: one run each, 1 epoch of
 * training).
 */
#include "base/ll_blas.h"
#include "base/ll_common.h"
#include "io/ll_mnist.h"
#include "nn/ll_hessian.h"
#include "nn/ll_mlp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#ifndef LL_MNIST_DIR
#define LL_MNIST_DIR "examples/data"
#endif

static int die(const ll_err *e)
{
	fprintf(stderr, "bench_hessian: %s\n", e->msg);
	return 1;
}

int main(int argc, char **argv)
{
	int quick = 0;
	size_t n = 1000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q"))
			quick = 1;
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = (size_t)strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: bench_hessian [-q] [-n IMAGES]\n");
			return 2;
		}
	}
	ll_mnist train;
	ll_err e;
	if (ll_mnist_load(&train, LL_MNIST_DIR, "train", &e) != LL_OK)
		return die(&e);
	if (n < 1 || n > train.n)
		n = train.n;
	int reps = quick ? 1 : 5;

	ll_mlp_config c;
	ll_mlp net;
	ll_mlp_config_default(&c); /* 784-64-10 ReLU */
	c.opt = LL_MLP_MOMENTUM;   /* as examples/mnist.lab */
	c.lr = 0.03;
	c.batch = 32;
	c.epochs = quick ? 1 : 3;
	if (ll_mlp_init(&net, &c, &e) != LL_OK || ll_mlp_train(&net, &train, 0, NULL, NULL, &e) != LL_OK)
		return die(&e);
	int threads = 1;
#ifdef _OPENMP
	threads = omp_get_max_threads();
#endif
	printf("784-64-10 relu, %zu parameters, trained %zu epochs; Hessian on %zu images; "
	       "OpenMP threads %d, OpenBLAS threads %d\n",
	       net.nparams, c.epochs, n, threads, openblas_get_num_threads());

	double tg = INFINITY, loss = 0;
	for (int r = 0; r < reps; r++) {
		double t = ll_now();
		if (ll_mlp_gradient(&net, train.x, train.y, n, &loss, &e) != LL_OK)
			return die(&e);
		t = ll_now() - t;
		tg = t < tg ? t : tg;
	}

	ll_hessian h;
	double ts = INFINITY;
	for (int r = 0; r < reps; r++) {
		double t = ll_now();
		if (ll_hessian_init(&h, &net, train.x, train.y, n, &e) != LL_OK)
			return die(&e);
		t = ll_now() - t;
		ts = t < ts ? t : ts;
		if (r + 1 < reps)
			ll_hessian_free(&h);
	}
	double *v = calloc(h.nparams, sizeof *v), *hv = malloc(h.nparams * sizeof *hv);
	for (size_t j = 0; j < h.nparams; j++)
		v[j] = (double)(j % 7) - 3.0;
	double th = INFINITY;
	for (int r = 0; r < reps; r++) {
		double t = ll_now();
		if (ll_hessian_hvp(&h, v, hv, &e) != LL_OK)
			return die(&e);
		t = ll_now() - t;
		th = t < th ? t : th;
	}

	ll_hessian_lanczos_opts o;
	ll_hessian_lanczos_opts_default(&o);
	ll_hessian_eigs ev;
	double tl = INFINITY;
	memset(&ev, 0, sizeof ev);
	for (int r = 0; r < reps; r++) {
		ll_hessian_eigs_free(&ev);
		ll_hessian g;
		double t = ll_now();
		/* setup included: what `latentlab hessian` pays */
		if (ll_hessian_init(&g, &net, train.x, train.y, n, &e) != LL_OK ||
		    ll_hessian_lanczos(&g, &o, &ev, &e) != LL_OK)
			return die(&e);
		t = ll_now() - t;
		tl = t < tl ? t : tl;
		ll_hessian_free(&g);
	}

	double tt = ll_now(), tr, se;
	if (ll_hessian_trace(&h, 100, 1, &tr, &se, &e) != LL_OK)
		return die(&e);
	tt = ll_now() - tt;
	ll_hessian_slq_opts so;
	ll_hessian_slq_opts_default(&so);
	ll_hessian_density dens;
	double td = ll_now();
	if (ll_hessian_slq(&h, &so, &dens, &e) != LL_OK)
		return die(&e);
	td = ll_now() - td;

	printf("%-34s %9.4f s   (loss %.4f)\n", "gradient (ll_mlp_gradient, float)", tg, loss);
	printf("%-34s %9.4f s\n", "setup (cached pass, double)", ts);
	printf("%-34s %9.4f s   %.2f gradients\n", "one Hessian-vector product", th, th / tg);
	printf("%-34s %9.4f s   %zu steps, %zu of %zu converged, %.2f gradients per step  [target < 1 s: %s]\n",
	       "top-10 by Lanczos (setup included)", tl, ev.steps, ev.converged, ev.k,
	       (tl - ts) / (double)ev.steps / tg, tl < 1.0 ? "met" : "MISSED");
	printf("  top:");
	for (size_t i = 0; i < ev.k; i++)
		printf(" %.4g", ev.top[i]);
	printf("\n  smallest Ritz value %.4g, largest residual %.2g\n", ev.smallest, ev.residual[ev.k - 1]);
	printf("%-34s %9.4f s   trace %.4g +- %.2g\n", "trace (Hutchinson, 100 probes)", tt, tr, se);
	printf("%-34s %9.4f s   %zu nodes, sigma %.3g\n", "density (SLQ, 4 x 80 steps)", td, dens.nnodes, dens.sigma);

	ll_hessian_density_free(&dens);
	ll_hessian_eigs_free(&ev);
	ll_hessian_free(&h);
	free(v);
	free(hv);
	ll_mlp_free(&net);
	ll_mnist_free(&train);
	return 0;
}
