/*
 * ll_coupled.h - a population whose coupling groups switch at known times:
 * planted communities for functional-connectome tensors
 * (tensor/ll_connectome.h) and their tests.
 *
 * The recording is cut into `epochs` epochs of epoch_len samples.  In each
 * epoch the neurons fall into `groups` groups of (nearly) equal size:
 * epoch 0 in contiguous blocks (neuron i in group i * groups / neurons),
 * later epochs by a seeded random permutation cut into such blocks, so the
 * groups re-form at every switch.  Within an epoch, neuron i of group g
 * on trial k follows
 *
 *     x[i, t, k] = coupling * s[g, t, k] + noise * e[i, t, k]
 *
 * with s and e independent N(0, 1) samples (a shared drive per group, a
 * private one per neuron), so two neurons of a group correlate at
 * coupling^2 / (coupling^2 + noise^2) and neurons of different groups not
 * at all.  Everything is a function of the options.
 */
#ifndef LL_COUPLED_H
#define LL_COUPLED_H

#include <stdint.h>

#include "base/ll_common.h"
#include "tensor/ll_tensor.h"

typedef struct ll_coupled_opts {
	size_t neurons;   /* default 30 */
	size_t groups;    /* per epoch, default 3 (1..neurons) */
	size_t epochs;    /* default 3 */
	size_t epoch_len; /* samples per epoch, default 200 (>= 2) */
	size_t trials;    /* default 4 */
	double coupling;  /* weight of the group's drive, default 1 */
	double noise;     /* s.d. of the private noise, default 0.7 */
	uint64_t seed;    /* default 1 */
} ll_coupled_opts;

typedef struct ll_coupled {
	ll_tensor data;   /* neurons x (epochs epoch_len) x trials (owned) */
	int *group;       /* epochs x neurons: the group of neuron i in epoch e (owned) */
	ll_coupled_opts opts;
} ll_coupled;

void ll_coupled_opts_default(ll_coupled_opts *o);
/* Generate into out (free with ll_coupled_free).  LL_EINVAL for sizes out
 * of range or a negative or non-finite coupling or noise.  On failure:
 * *out is zeroed. */
int ll_coupled_make(const ll_coupled_opts *o, ll_coupled *out, ll_err *err);
void ll_coupled_free(ll_coupled *c);

#endif
