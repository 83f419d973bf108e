/*
 * make_connectome: writes examples/data/connectome.npy, a small neurons x
 * time x trials recording (24 x 480 x 3, float32) whose coupling groups
 * switch at known times, for examples/connectome.lab and its test:
 *
 *   3 epochs of 160 samples (switches at samples 160 and 320); in each, the
 *   24 neurons form 3 groups of 8 that share a drive (src/sim/ll_coupled.h:
 *   coupling 1, private noise 0.7, so a group correlates at about 0.67);
 *   epoch 0 groups neurons 0-7, 8-15, 16-23, later epochs re-deal them at
 *   random (seed 19).
 *
 * The planted communities are the groups of each epoch: 9 in all.
 *
 *   make_connectome OUT.npy          write the recording
 *   make_connectome --groups         print each epoch's groups
 *   make_connectome --check FILE     exit 0 if FILE holds the same
 *                                    recording (to float32 rounding)
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/ll_array.h"
#include "io/ll_npy.h"
#include "sim/ll_coupled.h"

static void opts(ll_coupled_opts *o)
{
	ll_coupled_opts_default(o);
	o->neurons = 24;
	o->groups = 3;
	o->epochs = 3;
	o->epoch_len = 160;
	o->trials = 3;
	o->seed = 19;
}

int main(int argc, char **argv)
{
	ll_coupled_opts o;
	ll_coupled c;
	ll_tensor Y;
	ll_err err;
	ll_err_clear(&err);
	int check = argc == 3 && !strcmp(argv[1], "--check");
	int groups = argc == 2 && !strcmp(argv[1], "--groups");
	if (argc != 2 && !check) {
		fprintf(stderr, "usage: make_connectome OUT.npy | --groups | --check FILE\n");
		return 2;
	}
	opts(&o);
	if (ll_coupled_make(&o, &c, &err) != LL_OK) {
		fprintf(stderr, "make_connectome: %s\n", err.msg);
		return 1;
	}
	if (groups) {
		for (size_t e = 0; e < o.epochs; e++)
			for (size_t g = 0; g < o.groups; g++) {
				printf("epoch %zu (samples %zu-%zu) group %zu:", e, e * o.epoch_len,
				       (e + 1) * o.epoch_len - 1, g);
				for (size_t i = 0; i < o.neurons; i++)
					if ((size_t)c.group[e * o.neurons + i] == g)
						printf(" %zu", i);
				printf("\n");
			}
		ll_coupled_free(&c);
		return 0;
	}
	if (!check) {
		int rc = ll_npy_write(argv[1], &c.data, 1, &err);
		ll_coupled_free(&c);
		if (rc != LL_OK) {
			fprintf(stderr, "make_connectome: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	if (ll_array_read(argv[2], &Y, NULL, &err) != LL_OK) {
		fprintf(stderr, "make_connectome: %s\n", err.msg);
		ll_coupled_free(&c);
		return 1;
	}
	int same = ll_tensor_same_shape(&c.data, &Y);
	double scale = 0.0, md = 0.0;
	for (size_t i = 0; same && i < Y.size; i++) {
		scale = fmax(scale, fabs(c.data.data[i]));
		md = fmax(md, fabs(c.data.data[i] - Y.data[i]));
	}
	/* float32 keeps 24 bits */
	if (same && md > 1e-6 * scale)
		same = 0;
	if (!same)
		fprintf(stderr, "make_connectome: %s differs from the generated recording (max difference %g)\n",
			argv[2], md);
	ll_coupled_free(&c);
	ll_tensor_free(&Y);
	return same ? 0 : 1;
}
