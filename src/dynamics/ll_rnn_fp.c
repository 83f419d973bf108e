/* Fixed points of a trained recurrent network; see ll_rnn_fp.h. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_alloc.h"
#include "dynamics/ll_rnn_fp.h"

void ll_rnn_fp_opts_default(ll_rnn_fp_opts *o)
{
	memset(o, 0, sizeof *o);
	o->inits = 1024;
	o->noise = 0.5;
	o->probes = 64;
	o->probe_seed = 12345;
	ll_fp_opts_default(&o->fp);
}

typedef struct rnn_map {
	const ll_rnn *net;
	const double *u;
} rnn_map;

static void map_F(void *ud, const double *s, double *out)
{
	const rnn_map *m = ud;
	ll_rnn_map(m->net, s, m->u, out);
}

static void map_J(void *ud, const double *s, double *out)
{
	const rnn_map *m = ud;
	ll_rnn_jacobian(m->net, s, m->u, out);
}

int ll_rnn_fixedpoints(ll_rnn *net, const ll_task_config *task, const ll_rnn_fp_opts *o,
		       ll_fp_result *r, float **states_out, size_t *T_out, ll_err *err)
{
	memset(r, 0, sizeof *r);
	if (states_out)
		*states_out = NULL;
	if (o->inits == 0 || o->probes == 0)
		return ll_err_set(err, LL_EINVAL, "fixed points: inits and probes must be >= 1");
	if (!(o->noise >= 0.0) || !isfinite(o->noise))
		return ll_err_set(err, LL_EINVAL, "fixed points: noise = %g (must be >= 0)", o->noise);
	int rc = ll_task_check_net(task, net->cfg.n_in, net->cfg.n_out, err);
	if (rc != LL_OK)
		return rc;
	size_t n_in = net->cfg.n_in, S = net->S;
	double *zero = NULL, *starts = NULL;
	float *states = NULL;
	ll_task_batch pb = {0};
	if (o->input)
		for (size_t k = 0; k < n_in; k++)
			if (!isfinite(o->input[k]))
				return ll_err_set(err, LL_ENUMERIC, "fixed points: input %zu is %g", k + 1,
						  o->input[k]);
	if ((rc = ll_task_probe(task, o->probes, o->probe_seed, &pb, err)) != LL_OK)
		return rc;
	states = ll_malloc_array(pb.B * pb.T, S * sizeof *states);
	starts = ll_malloc_array(o->inits, S * sizeof *starts);
	zero = ll_calloc_array(n_in, sizeof *zero);
	if (!states || !starts || !zero) {
		rc = ll_err_oom(err);
		goto out;
	}
	if ((rc = ll_rnn_forward(net, pb.x, pb.B, pb.T, NULL, states, NULL, err)) != LL_OK)
		goto out;
	rc = ll_fp_sample_starts_f(states, pb.B * pb.T, S, o->inits, o->noise, o->seed, starts, err);
	if (rc != LL_OK)
		goto out;
	rnn_map m = {net, o->input ? o->input : zero};
	ll_fp_map map = {S, map_F, map_J, &m};
	rc = ll_fp_find(&map, starts, o->inits, &o->fp, r, err);
	if (rc == LL_OK && states_out) {
		*states_out = states;
		states = NULL;
		if (T_out)
			*T_out = pb.T;
	}
out:
	ll_free(states);
	ll_free(starts);
	ll_free(zero);
	ll_task_batch_free(&pb);
	return rc;
}
