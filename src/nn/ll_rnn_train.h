/*
 * ll_rnn_train.h - train a recurrent network on a built-in task
 * (ll_rnn_tasks.h) and score it: the loop the `rnn train` command and the
 * [rnn] step share.
 *
 * Each iteration draws a fresh batch of sequences from the task (seeded:
 * iteration i uses ll_seed_derive(data_seed, i, 0)), takes one optimizer
 * step (ll_rnn_train_step: BPTT, clipping, update) and records the loss.
 * At the end the net is scored on a fixed probe set (ll_task_probe with
 * probe_seed): a net that does not learn gets learned = 0, never an
 * error.  A non-finite loss is the LL_ENUMERIC error of ll_rnn_train_step
 * ("rnn train: loss is nan at step N ...").
 *
 * Ownership: ll_rnn_train_result is caller-owned; ll_rnn_train_result_free
 * releases its curve.  No global state.
 */
#ifndef LL_RNN_TRAIN_H
#define LL_RNN_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"
#include "nn/ll_rnn.h"
#include "nn/ll_rnn_tasks.h"

typedef struct ll_rnn_train_opts {
	size_t iters;      /* optimizer steps (default 2000) */
	size_t batch;      /* sequences per step (default 64) */
	size_t log_every;  /* a curve point every this many steps (default 20) */
	uint64_t data_seed; /* training batches (default 1) */
	size_t probes;     /* probe sequences for the score (default 64) */
	uint64_t probe_seed; /* (default 12345: the same probes for every net) */
} ll_rnn_train_opts;

void ll_rnn_train_opts_default(ll_rnn_train_opts *o);

typedef struct ll_rnn_train_result {
	size_t npoints;     /* curve points */
	size_t *curve_step; /* npoints: steps taken at each point (owned) */
	double *curve_loss; /* npoints: mean loss over the steps since the last point (owned) */
	double final_loss;  /* mean loss of the last log_every steps */
	ll_task_score score; /* on the probe set */
	double seconds;
} ll_rnn_train_result;

void ll_rnn_train_result_free(ll_rnn_train_result *r);

/* Called after each curve point; return non-zero to stop (LL_ECANCELED). */
typedef int (*ll_rnn_train_cb)(void *ud, size_t step, size_t total, double loss);

/* Train net on the task (its widths must fit: ll_task_check_net) and
 * score it.  On failure *r is zeroed and holds nothing to free. */
int ll_rnn_train_task(ll_rnn *net, const ll_task_config *task, const ll_rnn_train_opts *o,
		      ll_rnn_train_cb cb, void *ud, ll_rnn_train_result *r, ll_err *err);

/* The net's outputs on a batch (B x T x n_out into y) and their score. */
int ll_rnn_score(ll_rnn *net, const ll_task_config *task, const ll_task_batch *b, float *y,
		 ll_task_score *s, ll_err *err);

#endif
