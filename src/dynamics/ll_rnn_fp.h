/*
 * ll_rnn_fp.h - fixed points of a trained recurrent network: the state
 * update s' = F(s, u*) at a constant input u* as a map for ll_fp_find,
 * started from states the network visits on the task's probe sequences
 * (plus noise), as fixed-point-finder does.  The `fixedpoints` command and
 * the [dynamics] step share it.
 *
 * The starts: the network runs the task's probe set (ll_task_probe,
 * probe_seed) from the zero state; `inits` states are drawn from all the
 * probe steps with replacement and N(0, noise^2) added to every
 * coordinate (ll_fp_sample_starts_f, seed).  For an LSTM the state is
 * [h; c].
 *
 * Ownership: the result is an ll_fp_result (ll_fp_result_free).  No
 * global state; net is only read (the map may run on several threads).
 */
#ifndef LL_RNN_FP_H
#define LL_RNN_FP_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"
#include "dynamics/ll_fixedpoint.h"
#include "nn/ll_rnn.h"
#include "nn/ll_rnn_tasks.h"

typedef struct ll_rnn_fp_opts {
	size_t inits;         /* initial states (1024) */
	double noise;         /* sd of the noise added to each (0.5, as fixed-point-finder's example) */
	const double *input;  /* u*: n_in values (borrowed); NULL = zero input */
	size_t probes;        /* probe sequences the starts are drawn from (64) */
	uint64_t probe_seed;  /* (12345, as ll_rnn_train_opts) */
	uint64_t seed;        /* the draw and the noise (0) */
	ll_fp_opts fp;        /* the search (ll_fp_opts_default) */
} ll_rnn_fp_opts;

void ll_rnn_fp_opts_default(ll_rnn_fp_opts *o);

/* The fixed points of net at input o->input.  The task must fit the
 * net's widths (a one-line LL_ESHAPE error otherwise).  states (may be
 * NULL) gets the probe trajectories, probes x T x S float32, owned by the
 * caller (ll_free) - the trajectories to draw the points with. */
int ll_rnn_fixedpoints(ll_rnn *net, const ll_task_config *task, const ll_rnn_fp_opts *o,
		       ll_fp_result *r, float **states, size_t *T, ll_err *err);

#endif
