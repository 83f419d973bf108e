/* Training a recurrent network on a built-in task; see ll_rnn_train.h. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_alloc.h"
#include "base/ll_rng.h"
#include "nn/ll_rnn_train.h"

void ll_rnn_train_opts_default(ll_rnn_train_opts *o)
{
	memset(o, 0, sizeof *o);
	o->iters = 2000;
	o->batch = 64;
	o->log_every = 20;
	o->data_seed = 1;
	o->probes = 64;
	o->probe_seed = 12345;
}

void ll_rnn_train_result_free(ll_rnn_train_result *r)
{
	if (!r)
		return;
	ll_free(r->curve_step);
	ll_free(r->curve_loss);
	memset(r, 0, sizeof *r);
}

int ll_rnn_score(ll_rnn *net, const ll_task_config *task, const ll_task_batch *b, float *y,
		 ll_task_score *s, ll_err *err)
{
	int rc = ll_rnn_forward(net, b->x, b->B, b->T, NULL, NULL, y, err);
	if (rc != LL_OK)
		return rc;
	return ll_task_evaluate(task, b, y, net->cfg.n_out, s, err);
}

int ll_rnn_train_task(ll_rnn *net, const ll_task_config *task, const ll_rnn_train_opts *o,
		      ll_rnn_train_cb cb, void *ud, ll_rnn_train_result *r, ll_err *err)
{
	memset(r, 0, sizeof *r);
	if (o->iters == 0 || o->batch == 0 || o->probes == 0)
		return ll_err_set(err, LL_EINVAL, "rnn train: iterations, batch and probes must be >= 1");
	int rc = ll_task_check_net(task, net->cfg.n_in, net->cfg.n_out, err);
	if (rc != LL_OK)
		return rc;
	double t0 = ll_now();
	size_t every = o->log_every ? o->log_every : o->iters;
	size_t cap = o->iters / every + 2;
	r->curve_step = ll_malloc_array(cap, sizeof *r->curve_step);
	r->curve_loss = ll_malloc_array(cap, sizeof *r->curve_loss);
	if (!r->curve_step || !r->curve_loss) {
		ll_rnn_train_result_free(r);
		return ll_err_oom(err);
	}
	ll_task_batch b = {0}, pb = {0};
	float *y = NULL;
	double sum = 0.0;
	size_t nsum = 0;
	for (size_t it = 0; it < o->iters; it++) {
		rc = ll_task_generate(task, o->batch, ll_seed_derive(o->data_seed, it, 0), &b, err);
		if (rc != LL_OK)
			goto fail;
		double loss = 0.0;
		rc = ll_rnn_train_step(net, b.x, b.target, b.B, b.T, &loss, err);
		ll_task_batch_free(&b);
		if (rc != LL_OK)
			goto fail;
		sum += loss;
		nsum++;
		if ((it + 1) % every == 0 || it + 1 == o->iters) {
			r->curve_step[r->npoints] = it + 1;
			r->curve_loss[r->npoints] = sum / (double)nsum;
			r->final_loss = sum / (double)nsum;
			r->npoints++;
			sum = 0.0;
			nsum = 0;
			if (cb && cb(ud, it + 1, o->iters, r->final_loss) != 0) {
				rc = ll_err_set(err, LL_ECANCELED, "rnn train: canceled at step %zu", it + 1);
				goto fail;
			}
		}
	}
	rc = ll_task_probe(task, o->probes, o->probe_seed, &pb, err);
	if (rc != LL_OK)
		goto fail;
	y = ll_malloc_array(pb.B * pb.T, net->cfg.n_out * sizeof *y);
	if (!y) {
		rc = ll_err_oom(err);
		goto fail;
	}
	rc = ll_rnn_score(net, task, &pb, y, &r->score, err);
	if (rc != LL_OK)
		goto fail;
	ll_free(y);
	ll_task_batch_free(&pb);
	r->seconds = ll_now() - t0;
	return LL_OK;
fail:
	ll_free(y);
	ll_task_batch_free(&b);
	ll_task_batch_free(&pb);
	ll_rnn_train_result_free(r);
	return rc;
}
