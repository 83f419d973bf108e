/*
 * bench_rnn - training speed of the RNN engine.
 *
 * One epoch = 32 minibatches of 128 sequences x 100 steps (409,600
 * sequence-steps), each a full train step: forward, MSE loss, BPTT,
 * global-norm clipping at 1, Adam (lr 1e-3).  The data are 3-bit
 * flip-flop-like: sparse +-1 pulses on 3 input channels (probability 0.05
 * per step and channel), the target of each channel the sign of its last
 * pulse (0 before the first).  The model: 3 inputs, 64 units, 3 outputs.
 * tests/bench/bench_rnn_torch.py runs the same in PyTorch and prints the
 * ratio.
 *
 * Each figure is the best of a few epochs, each from a fresh net (the
 * machine is shared).  "fwd" is ll_rnn_forward on the same batches,
 * outputs only; "sgemm floor" the epoch's sgemm calls alone on the same
 * shapes, one thread (what BLAS needs at minimum; the rest of an epoch
 * is the gate nonlinearities and bookkeeping).
 *
 * Usage: bench_rnn [-q] [-t THREADS] [-c CELL]
 *   -q  one epoch per figure (default: best of 3)
 *   -t  threads: OpenBLAS's and OpenMP's (the engine runs batch chunks
 *       on OpenMP threads); default: their own choice
 *   -c  vanilla, gru or lstm only (default: all three)
 * The last line per cell, "RESULT cell H seconds", is for scripts.
 */
#include "base/ll_blas.h"
#include "base/ll_common.h"
#include "base/ll_rng.h"
#include "nn/ll_rnn.h"

#include <cblas.h>
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_BATCH 32
#define BATCH 128
#define STEPS 100
#define N_CH 3
#define HIDDEN 64

static int die(const ll_err *e)
{
	fprintf(stderr, "bench_rnn: %s\n", e->msg);
	return 1;
}

static void make_data(float *x, float *tg, uint64_t seed)
{
	ll_rng r;
	ll_rng_init(&r, seed);
	for (size_t b = 0; b < (size_t)N_BATCH * BATCH; b++) {
		float held[N_CH] = {0, 0, 0};
		for (size_t t = 0; t < STEPS; t++)
			for (size_t k = 0; k < N_CH; k++) {
				float u = 0;
				if (ll_rng_uniform(&r) < 0.05)
					u = ll_rng_uniform(&r) < 0.5 ? -1.0f : 1.0f;
				if (u != 0)
					held[k] = u;
				x[(b * STEPS + t) * N_CH + k] = u;
				tg[(b * STEPS + t) * N_CH + k] = held[k];
			}
	}
}

/* Seconds for one epoch (best of reps); the last epoch's mean loss. */
static double epoch_secs(ll_rnn_cell cell, const float *x, const float *tg, int reps, int forward_only,
			 double *loss)
{
	size_t per = (size_t)BATCH * STEPS * N_CH;
	float *y = forward_only ? malloc(per * sizeof *y) : NULL;
	double best = INFINITY;
	for (int r = 0; r < reps; r++) {
		ll_rnn_config c;
		ll_rnn net;
		ll_err e;
		ll_rnn_config_default(&c);
		c.cell = cell;
		c.n_in = N_CH;
		c.hidden = HIDDEN;
		c.n_out = N_CH;
		c.seed = 1 + (uint64_t)r;
		if (ll_rnn_init(&net, &c, &e) != LL_OK)
			exit(die(&e));
		/* grow the scratch outside the timing */
		if (ll_rnn_forward(&net, x, BATCH, STEPS, NULL, NULL, NULL, &e) != LL_OK)
			exit(die(&e));
		double sum = 0, t = ll_now();
		for (size_t k = 0; k < N_BATCH; k++) {
			double l = 0;
			int rc = forward_only
					 ? ll_rnn_forward(&net, x + k * per, BATCH, STEPS, NULL, NULL, y, &e)
					 : ll_rnn_train_step(&net, x + k * per, tg + k * per, BATCH, STEPS, &l, &e);
			if (rc != LL_OK)
				exit(die(&e));
			sum += l;
		}
		t = ll_now() - t;
		if (t < best)
			best = t;
		if (loss)
			*loss = sum / N_BATCH;
		ll_rnn_free(&net);
	}
	free(y);
	return best;
}

/* The sgemm calls of one epoch of a cell with `gates` gate blocks, alone:
 * input projection, per-step hidden projection, readout, dL/dh, per-step
 * backward, dW_ih, dW_hh, dW_out. */
static double gemm_floor(size_t gates, int reps)
{
	int B = BATCH, T = STEPS, R = BATCH * STEPS, H = HIDDEN, G = (int)gates * HIDDEN, ni = N_CH, K = N_CH;
	float *X = calloc((size_t)R * ni, sizeof *X), *XP = calloc((size_t)R * G, sizeof *XP);
	float *Hs = calloc((size_t)(R + B) * H, sizeof *Hs), *Y = calloc((size_t)R * K, sizeof *Y);
	float *Wih = calloc((size_t)G * ni, sizeof *Wih), *Whh = calloc((size_t)G * H, sizeof *Whh);
	float *Wo = calloc((size_t)K * H, sizeof *Wo), *D = calloc((size_t)R * H, sizeof *D);
	float *P = calloc((size_t)B * G, sizeof *P);
	double best = INFINITY;
	for (int r = 0; r < reps; r++) {
		double t0 = ll_now();
		for (int k = 0; k < N_BATCH; k++) {
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, G, ni, 1, X, ni, Wih, ni, 0, XP, G);
			for (int t = 0; t < T; t++)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, G, H, 1, Hs + (size_t)t * B * H, H,
					    Whh, H, 0, P, G);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, K, H, 1, Hs + B * H, H, Wo, H, 0, Y, K);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, H, K, 1, Y, K, Wo, H, 0, D, H);
			for (int t = T - 1; t > 0; t--)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, G, 1, XP + (size_t)t * B * G, G,
					    Whh, H, 0, D, H);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, G, ni, R, 1, XP, G, X, ni, 0, Wih, ni);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, G, H, R, 1, XP, G, Hs, H, 0, Whh, H);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, H, R, 1, Y, K, Hs + B * H, H, 0, Wo, H);
		}
		double t = ll_now() - t0;
		if (t < best)
			best = t;
	}
	free(X); free(XP); free(Hs); free(Y); free(Wih); free(Whh); free(Wo); free(D); free(P);
	return best;
}

int main(int argc, char **argv)
{
	int quick = 0, threads = 0, only = -1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q")) {
			quick = 1;
		} else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			threads = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			ll_rnn_cell c;
			if (ll_rnn_cell_parse(argv[++i], &c) != LL_OK) {
				fprintf(stderr, "bench_rnn: unknown cell '%s' (vanilla, gru, lstm)\n", argv[i]);
				return 2;
			}
			only = (int)c;
		} else {
			fprintf(stderr, "usage: bench_rnn [-q] [-t THREADS] [-c vanilla|gru|lstm]\n");
			return 2;
		}
	}
	if (threads > 0) {
		openblas_set_num_threads(threads);
#ifdef _OPENMP
		omp_set_num_threads(threads);
#endif
	}
	size_t n = (size_t)N_BATCH * BATCH * STEPS * N_CH;
	float *x = malloc(n * sizeof *x), *tg = malloc(n * sizeof *tg);
	if (!x || !tg) {
		fprintf(stderr, "bench_rnn: out of memory\n");
		return 1;
	}
	make_data(x, tg, 42);
	int reps = quick ? 1 : 3;
	int omp = 1;
#ifdef _OPENMP
	omp = omp_get_max_threads();
#endif
	printf("threads: OpenBLAS %d, OpenMP %d (%s)\n", openblas_get_num_threads(), omp, openblas_get_config());
	printf("one epoch: %d batches x %d sequences x %d steps, %d in, %d units, %d out, Adam, clip 1\n", N_BATCH,
	       BATCH, STEPS, N_CH, HIDDEN, N_CH);
	printf("%-8s %10s %10s %12s %12s %10s\n", "cell", "s/epoch", "ms/batch", "fwd s/epoch", "sgemm floor",
	       "mean loss");
	for (int c = 0; c < 3; c++) {
		if (only >= 0 && c != only)
			continue;
		double loss = 0;
		double t = epoch_secs((ll_rnn_cell)c, x, tg, reps, 0, &loss);
		double f = epoch_secs((ll_rnn_cell)c, x, tg, reps, 1, NULL);
		int blas = openblas_get_num_threads();
		openblas_set_num_threads(1);
		double g = gemm_floor(c == LL_RNN_VANILLA ? 1 : c == LL_RNN_GRU ? 3 : 4, reps);
		openblas_set_num_threads(blas);
		printf("%-8s %10.3f %10.2f %12.3f %12.3f %10.4f\n", ll_rnn_cell_name((ll_rnn_cell)c), t, 1e3 * t / N_BATCH,
		       f, g, loss);
		printf("RESULT %s %d %.6f\n", ll_rnn_cell_name((ll_rnn_cell)c), HIDDEN, t);
	}
	free(x);
	free(tg);
	return 0;
}
