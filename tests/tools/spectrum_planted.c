/*
 * spectrum_planted - two noisy repeats of a population with a planted
 * power-law spectrum as .npy (float64), for tests/e2e/test_spectrum.sh
 * without Python:
 *
 *   spectrum_planted [-t] [-n R,C] S N ALPHA SIGMA SEED OUT1.npy [OUT2.npy]
 *
 * S stimuli x N neurons; the signal's covariance over these stimuli has
 * eigenvalues exactly n^-ALPHA for n <= min(S - 1, N)
 * (tests/tools/planted_spectrum.h, exact = 1), each repeat adds its own
 * N(0, SIGMA^2) noise.  -t writes neurons x stimuli; -n puts a NaN at
 * row R, column C (0-based, as written) of OUT1.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/ll_npy.h"
#include "tools/planted_spectrum.h"

static int write_npy(const char *path, const double *X, size_t s, size_t N, int transpose, ll_err *err)
{
	size_t shape[2] = {transpose ? N : s, transpose ? s : N};
	if (!transpose)
		return ll_npy_write_array(path, X, 2, shape, 0, err);
	double *T = malloc(s * N * sizeof *T);
	if (!T)
		return ll_err_oom(err);
	for (size_t i = 0; i < s; i++)
		for (size_t j = 0; j < N; j++)
			T[j * s + i] = X[i * N + j];
	int rc = ll_npy_write_array(path, T, 2, shape, 0, err);
	free(T);
	return rc;
}

int main(int argc, char **argv)
{
	int transpose = 0, a = 1;
	long nan_r = -1, nan_c = -1;
	for (; a < argc && argv[a][0] == '-' && argv[a][1]; a++) {
		if (!strcmp(argv[a], "-t"))
			transpose = 1;
		else if (!strcmp(argv[a], "-n") && a + 1 < argc && sscanf(argv[a + 1], "%ld,%ld", &nan_r, &nan_c) == 2)
			a++;
		else
			break;
	}
	if (argc - a < 6) {
		fprintf(stderr, "usage: spectrum_planted [-t] [-n R,C] S N ALPHA SIGMA SEED OUT1.npy [OUT2.npy]\n");
		return 2;
	}
	size_t s = (size_t)atol(argv[a]), N = (size_t)atol(argv[a + 1]);
	planted_opts po = {s, N, s - 1 < N ? s - 1 : N, atof(argv[a + 2]), atof(argv[a + 3]),
			   (uint64_t)strtoull(argv[a + 4], NULL, 10), 1};
	const char *out1 = argv[a + 5], *out2 = argc - a > 6 ? argv[a + 6] : NULL;
	double *X1 = malloc(s * N * sizeof *X1), *X2 = malloc(s * N * sizeof *X2);
	ll_err err = {0, ""};
	int rc = X1 && X2 ? planted_repeats(&po, X1, X2, &err) : ll_err_oom(&err);
	if (rc == LL_OK && nan_r >= 0) {
		size_t r = (size_t)nan_r, c = (size_t)nan_c; /* as written: swap back if transposed */
		size_t i = transpose ? c : r, j = transpose ? r : c;
		if (i < s && j < N)
			X1[i * N + j] = NAN;
	}
	if (rc == LL_OK)
		rc = write_npy(out1, X1, s, N, transpose, &err);
	if (rc == LL_OK && out2)
		rc = write_npy(out2, X2, s, N, transpose, &err);
	free(X1);
	free(X2);
	if (rc != LL_OK) {
		fprintf(stderr, "spectrum_planted: %s\n", err.msg);
		return 1;
	}
	return 0;
}
