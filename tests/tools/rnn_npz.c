/*
 * rnn_npz - write a recurrent network's weights as .npz in PyTorch's
 * state_dict naming, with a known answer, for the end-to-end tests (no
 * Python needed):
 *
 *   rnn_npz OUT.npz CELL H N_IN N_OUT A [BREAK]
 *
 * CELL vanilla|gru|lstm.  vanilla: W_hh = A I, W_ih, biases 0 (so at zero
 * input h' = tanh(A h): for A < 1 one fixed point, h = 0, every
 * eigenvalue A; for A > 1 (H = 1) three: 0 unstable, +-x* stable).  gru /
 * lstm: small deterministic weights.  BREAK makes it wrong on purpose:
 * nan (a NaN in weight_hh), shape (bias_hh one entry short), extra (an
 * unknown key), missing (no out.bias); f64 stores every array as
 * float64 instead of PyTorch's float32 (which must load too).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/ll_npz.h"

int main(int argc, char **argv)
{
	if (argc < 7) {
		fprintf(stderr, "usage: rnn_npz OUT.npz CELL H N_IN N_OUT A [nan|shape|extra|missing|f64]\n");
		return 2;
	}
	const char *out = argv[1], *cell = argv[2], *brk = argc > 7 ? argv[7] : "";
	size_t H = (size_t)atol(argv[3]), nin = (size_t)atol(argv[4]), nout = (size_t)atol(argv[5]);
	double a = atof(argv[6]);
	size_t G = !strcmp(cell, "gru") ? 3 : !strcmp(cell, "lstm") ? 4 : 1;
	size_t GH = G * H;
	double *wih = calloc(GH * nin, sizeof *wih), *whh = calloc(GH * H, sizeof *whh);
	double *bih = calloc(GH, sizeof *bih), *bhh = calloc(GH, sizeof *bhh);
	double *wo = calloc(nout * H, sizeof *wo), *bo = calloc(nout, sizeof *bo);
	double x = 0.1;
	for (size_t i = 0; i < GH * nin; i++)
		wih[i] = (x = fmod(x * 7.3 + 0.37, 1.0)) - 0.5;
	if (G == 1)
		for (size_t i = 0; i < H; i++)
			whh[i * H + i] = a;
	else
		for (size_t i = 0; i < GH * H; i++)
			whh[i] = a * ((x = fmod(x * 7.3 + 0.37, 1.0)) - 0.5);
	for (size_t i = 0; i < nout * H; i++)
		wo[i] = (x = fmod(x * 7.3 + 0.37, 1.0)) - 0.5;
	if (!strcmp(brk, "nan"))
		whh[0] = NAN;
	ll_npz_member m[7] = {
		{"rnn.weight_ih_l0", NULL, wih, 2, {GH, nin}},
		{"rnn.weight_hh_l0", NULL, whh, 2, {GH, H}},
		{"rnn.bias_ih_l0", NULL, bih, 1, {GH}},
		{"rnn.bias_hh_l0", NULL, bhh, 1, {!strcmp(brk, "shape") ? GH - 1 : GH}},
		{"out.weight", NULL, wo, 2, {nout, H}},
		{"out.bias", NULL, bo, 1, {nout}},
		{"rnn.weight_ih_l1", NULL, wih, 2, {GH, nin}},
	};
	size_t n = !strcmp(brk, "extra") ? 7 : !strcmp(brk, "missing") ? 5 : 6;
	float *f[7] = {NULL};
	if (strcmp(brk, "f64") != 0)
		for (size_t k = 0; k < n; k++) {
			size_t len = m[k].shape[0] * (m[k].ndim == 2 ? m[k].shape[1] : 1);
			f[k] = malloc((len ? len : 1) * sizeof(float));
			for (size_t i = 0; i < len; i++)
				f[k][i] = (float)m[k].f64[i];
			m[k].f32 = f[k];
			m[k].f64 = NULL;
		}
	ll_err err = {0, ""};
	int rc = ll_npz_write(out, m, n, &err);
	if (rc != LL_OK)
		fprintf(stderr, "rnn_npz: %s\n", err.msg);
	for (size_t k = 0; k < 7; k++)
		free(f[k]);
	free(wih);
	free(whh);
	free(bih);
	free(bhh);
	free(wo);
	free(bo);
	return rc == LL_OK ? 0 : 1;
}
