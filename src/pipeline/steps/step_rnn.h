/*
 * step_rnn.h - the rnn step's results (s->res.rnn): a population of
 * recurrent networks trained on one task, their training curves and
 * scores, and their state trajectories on a fixed probe set.
 *
 * Networks are numbered cell-major: cells x widths x learning rates x
 * seeds, in the order the session lists them.
 */
#ifndef LL_STEP_RNN_H
#define LL_STEP_RNN_H

#include "nn/ll_rnn.h"
#include "nn/ll_rnn_tasks.h"
#include "nn/ll_rnn_train.h"
#include "pipeline/ll_session.h"
#include "tensor/ll_tensor.h"

struct ll_res_rnn {
	ll_task_config task;         /* the task trained on (omegas/levels NULL) */
	size_t nets;
	ll_rnn *net;                 /* nets, trained (owned) */
	ll_rnn_train_result *train;  /* nets: curve, final loss, probe score (owned) */
	size_t n_learned;
	/* the probe set and each network's states on it: probes x T x S
	 * float32 at state + state_off[i] (S = net[i].S; [h; c] for an LSTM) */
	ll_task_batch probe;         /* (owned) */
	float *state;                /* (owned) */
	size_t *state_off;           /* nets (owned) */
	/* the tensor for TCA: networks x probes x units x time (the hidden
	 * units when every width agrees, else the readout outputs) */
	ll_tensor activity;
	ll_mode_info modes[4];
	int activity_hidden;         /* 1: units are hidden units */
};

/* Network i's states on probe b: T x S. */
static inline const float *ll_res_rnn_states(const struct ll_res_rnn *r, size_t i, size_t b)
{
	return r->state + r->state_off[i] + b * r->probe.T * r->net[i].S;
}

#endif
