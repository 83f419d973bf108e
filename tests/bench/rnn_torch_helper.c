/*
 * rnn_torch_helper - the RNN engine driven from files, for
 * tests/bench/rnn_torch_check.py (which sets it beside PyTorch).
 *
 *   rnn_torch_helper init CELL N_IN H N_OUT SEED OUT.npz
 *       a fresh net (PyTorch's default init), saved in state_dict layout
 *   rnn_torch_helper run NET.npz X.npy TARGET.npy OUT.npz
 *       forward from zero state and the gradient of the MSE loss:
 *       OUT.npz holds "states" (B x T x S), "y" (B x T x n_out), "loss"
 *       (a scalar) and the gradient under the state_dict keys
 *
 * X is B x T x n_in and TARGET B x T x n_out, any float dtype.
 */
#include "base/ll_common.h"
#include "io/ll_npy.h"
#include "nn/ll_rnn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int die(const ll_err *e)
{
	fprintf(stderr, "rnn_torch_helper: %s\n", e->msg);
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: rnn_torch_helper init CELL N_IN H N_OUT SEED OUT.npz\n"
			"       rnn_torch_helper run NET.npz X.npy TARGET.npy OUT.npz\n");
	return 2;
}

/* A 3-d array as floats. */
static float *read3(const char *path, size_t dim[3], ll_err *e)
{
	ll_tensor t;
	if (ll_npy_read(path, &t, NULL, e) != LL_OK)
		return NULL;
	if (t.nmodes != 3) {
		ll_err_set(e, LL_ESHAPE, "%s: expected 3 dimensions (B x T x channels), got %d", path, t.nmodes);
		ll_tensor_free(&t);
		return NULL;
	}
	float *f = malloc(t.size * sizeof *f);
	for (size_t j = 0; f && j < t.size; j++)
		f[j] = (float)t.data[j];
	memcpy(dim, t.dim, 3 * sizeof *dim);
	ll_tensor_free(&t);
	return f;
}

int main(int argc, char **argv)
{
	ll_err e;
	ll_rnn net;
	if (argc == 8 && !strcmp(argv[1], "init")) {
		ll_rnn_config c;
		ll_rnn_config_default(&c);
		if (ll_rnn_cell_parse(argv[2], &c.cell) != LL_OK)
			return usage();
		c.n_in = strtoul(argv[3], NULL, 10);
		c.hidden = strtoul(argv[4], NULL, 10);
		c.n_out = strtoul(argv[5], NULL, 10);
		c.seed = strtoull(argv[6], NULL, 10);
		if (ll_rnn_init(&net, &c, &e) != LL_OK || ll_rnn_save_npz(&net, argv[7], &e) != LL_OK)
			return die(&e);
		ll_rnn_free(&net);
		return 0;
	}
	if (argc != 6 || strcmp(argv[1], "run"))
		return usage();
	size_t dx[3], dt[3];
	if (ll_rnn_load_npz(argv[2], NULL, &net, &e) != LL_OK)
		return die(&e);
	float *x = read3(argv[3], dx, &e), *tg = x ? read3(argv[4], dt, &e) : NULL;
	if (!x || !tg)
		return die(&e);
	size_t B = dx[0], T = dx[1];
	if (dt[0] != B || dt[1] != T) {
		fprintf(stderr, "rnn_torch_helper: x is %zu x %zu x %zu, target %zu x %zu x %zu\n", dx[0], dx[1], dx[2],
			dt[0], dt[1], dt[2]);
		return 1;
	}
	if (ll_rnn_check_widths(&net, dx[2], dt[2], "rnn_torch_helper", &e) != LL_OK)
		return die(&e);
	size_t S = net.S, K = net.cfg.n_out;
	float *st = malloc(B * T * S * sizeof *st), *y = malloc(B * T * K * sizeof *y);
	double loss;
	if (ll_rnn_forward(&net, x, B, T, NULL, st, y, &e) != LL_OK ||
	    ll_rnn_gradient(&net, x, tg, B, T, &loss, &e) != LL_OK)
		return die(&e);
	static const char *const keys[6] = {"rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
					    "rnn.bias_hh_l0", "out.weight", "out.bias"};
	const float *p[6] = {net.w_ih, net.w_hh, net.b_ih, net.b_hh, net.w_out, net.b_out};
	size_t G = net.gates * net.H, shp[6][2] = {{G, net.cfg.n_in}, {G, net.H}, {G, 0}, {G, 0}, {K, net.H}, {K, 0}};
	ll_npz_member m[9];
	memset(m, 0, sizeof m);
	m[0] = (ll_npz_member){.name = "states", .f32 = st, .ndim = 3, .shape = {B, T, S}};
	m[1] = (ll_npz_member){.name = "y", .f32 = y, .ndim = 3, .shape = {B, T, K}};
	m[2] = (ll_npz_member){.name = "loss", .f64 = &loss, .ndim = 0};
	for (int k = 0; k < 6; k++) {
		m[3 + k].name = keys[k];
		m[3 + k].f32 = net.grad + (p[k] - net.params);
		m[3 + k].ndim = shp[k][1] ? 2 : 1;
		m[3 + k].shape[0] = shp[k][0];
		m[3 + k].shape[1] = shp[k][1];
	}
	if (ll_npz_write(argv[5], m, 9, &e) != LL_OK)
		return die(&e);
	free(x);
	free(tg);
	free(st);
	free(y);
	ll_rnn_free(&net);
	return 0;
}
