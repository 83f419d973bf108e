/*
 * make_planted: writes examples/data/planted.npy, a small neurons x time x
 * trials tensor (30 x 40 x 50, float32) with a planted rank-3 structure,
 * for `latentlab tca` examples and tests:
 *
 *   component 1: neurons 0-11,  a response peaking at time 8,  growing
 *                over trials (learning)
 *   component 2: neurons 10-21, peaking at time 20, fading over trials
 *   component 3: neurons 18-29, peaking at time 31, switched on from
 *                trial 25 (a rule switch)
 *
 * Neuron weights are 0.5 + U(0, 1) inside an assembly and 0.05 U(0, 1)
 * outside; time profiles are Gaussian bumps; plus Gaussian noise with norm
 * 0.1 x the signal's (so a rank-3 fit reaches an objective near 0.1).
 * Everything comes from ll_rng seeded with 2018, so the file is a pure
 * function of this program.
 *
 *   make_planted OUT.npy          write the tensor
 *   make_planted --check FILE     exit 0 if FILE holds the same tensor (to
 *                                 float32 rounding), 1 otherwise
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor/ll_ktensor.h"
#include "io/ll_npy.h"
#include "base/ll_rng.h"
#include "tensor/ll_tensor.h"

#define NEURONS 30
#define TIMES 40
#define TRIALS 50
#define RANK 3
#define NOISE 0.1
#define SEED 2018

static int make(ll_tensor *X, ll_err *err)
{
	const size_t dim[3] = {NEURONS, TIMES, TRIALS};
	const size_t lo[RANK] = {0, 10, 18}, hi[RANK] = {11, 21, 29};
	const double peak[RANK] = {8, 20, 31}, width[RANK] = {3, 4, 3};
	ll_ktensor K;
	ll_rng rng;
	int rc = ll_ktensor_init(&K, 3, dim, RANK, err);
	if (rc != LL_OK)
		return rc;
	ll_rng_init(&rng, SEED);
	for (size_t r = 0; r < RANK; r++) {
		for (size_t i = 0; i < NEURONS; i++) {
			double u = ll_rng_uniform(&rng);
			K.U[0][i * RANK + r] = i >= lo[r] && i <= hi[r] ? 0.5 + u : 0.05 * u;
		}
		for (size_t t = 0; t < TIMES; t++) {
			double z = ((double)t - peak[r]) / width[r];
			K.U[1][t * RANK + r] = exp(-0.5 * z * z);
		}
		for (size_t k = 0; k < TRIALS; k++) {
			double f = (double)k / (TRIALS - 1), v;
			if (r == 0)
				v = 0.2 + 0.8 * f;
			else if (r == 1)
				v = 1.0 - 0.8 * f;
			else
				v = k < 25 ? 0.2 : 1.0;
			K.U[2][k * RANK + r] = v;
		}
	}
	rc = ll_ktensor_full(&K, X, err);
	ll_ktensor_free(&K);
	if (rc != LL_OK)
		return rc;
	double *e = malloc(X->size * sizeof *e), ne = 0.0, nx = ll_tensor_norm(X);
	if (!e) {
		ll_tensor_free(X);
		return ll_err_set(err, LL_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < X->size; i++) {
		e[i] = ll_rng_normal(&rng);
		ne += e[i] * e[i];
	}
	for (size_t i = 0; i < X->size; i++)
		X->data[i] += NOISE * nx / sqrt(ne) * e[i];
	free(e);
	return LL_OK;
}

int main(int argc, char **argv)
{
	ll_tensor X, Y;
	ll_err err;
	ll_err_clear(&err);
	int check = argc == 3 && !strcmp(argv[1], "--check");
	if (argc != 2 && !check) {
		fprintf(stderr, "usage: make_planted OUT.npy | make_planted --check FILE\n");
		return 2;
	}
	if (make(&X, &err) != LL_OK) {
		fprintf(stderr, "make_planted: %s\n", err.msg);
		return 1;
	}
	if (!check) {
		int rc = ll_npy_write(argv[1], &X, 1, &err);
		ll_tensor_free(&X);
		if (rc != LL_OK) {
			fprintf(stderr, "make_planted: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	if (ll_array_read(argv[2], &Y, NULL, &err) != LL_OK) {
		fprintf(stderr, "make_planted: %s\n", err.msg);
		ll_tensor_free(&X);
		return 1;
	}
	int same = ll_tensor_same_shape(&X, &Y);
	double scale = 0.0, md = 0.0;
	for (size_t i = 0; same && i < X.size; i++) {
		scale = fmax(scale, fabs(X.data[i]));
		md = fmax(md, fabs(X.data[i] - Y.data[i]));
	}
	/* float32 keeps 24 bits */
	if (same && md > 1e-6 * scale)
		same = 0;
	if (!same)
		fprintf(stderr, "make_planted: %s differs from the generated tensor (max difference %g)\n",
			argv[2], md);
	ll_tensor_free(&X);
	ll_tensor_free(&Y);
	return same ? 0 : 1;
}
