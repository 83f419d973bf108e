/* [connectome]: communities of a functional-connectome tensor's TCA model.
 * Part of every session with [tensor] of = connectome; reads the tca
 * step's chosen rank and its best fit (tensor/ll_connectome.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "pipeline/ll_step.h"
#include "pipeline/steps/step_connectome.h"
#include "pipeline/steps/step_tca.h"
#include "pipeline/steps/step_tensor.h"

static const ll_param_def params[] = {
	P_REAL("active", "0.5", 0.01, 1,
	       "a component is active in a window when its window factor is at least this fraction of its peak"),
};

static int is_connectome(const ll_session *s)
{
	return ll_session_is(s, LL_STEP_TENSOR, "of", "connectome");
}

static void drop(ll_session *s)
{
	struct ll_res_connectome *r = s->res.connectome;
	if (!r)
		return;
	ll_conn_summary_free(&r->sum);
	ll_free(r->lambda);
	ll_free(r);
	s->res.connectome = NULL;
}

/* OUTDIR/connectome/communities.json */
static int write_json(const struct ll_res_connectome *r, const char *dir, ll_err *err)
{
	ll_afile af;
	int rc = ll_afile_open_in(&af, dir, "communities.json", err);
	if (rc != LL_OK)
		return rc;
	const ll_conn_summary *m = &r->sum;
	ll_json j;
	ll_json_init(&j, af.fp, 1);
	ll_json_obj_begin(&j);
	ll_json_kv_str(&j, "description",
		       "per component of the chosen TCA model: its community (neurons whose loading, the two "
		       "neuron factors averaged and scaled to unit norm, exceeds 1/sqrt(neurons)), the windows "
		       "where its window factor is at least active x its peak, and the congruence (cosine) of "
		       "its two neuron factors");
	ll_json_kv_int(&j, "rank", (long long)r->rank);
	ll_json_kv_int(&j, "neurons", (long long)m->neurons);
	ll_json_kv_int(&j, "windows", (long long)m->windows);
	ll_json_kv_int(&j, "window", (long long)r->window);
	ll_json_kv_int(&j, "step", (long long)r->step);
	ll_json_kv_num(&j, "threshold", m->threshold);
	ll_json_kv_num(&j, "active", m->active_frac);
	ll_json_kv_num(&j, "min_congruence", m->min_congruence);
	ll_json_kv_num(&j, "congruence_ok", LL_CONN_CONGRUENCE_OK);
	ll_json_key(&j, "components");
	ll_json_arr_begin(&j);
	for (size_t c = 0; c < m->rank; c++) {
		const ll_conn_comp *cc = &m->comp[c];
		ll_json_obj_begin(&j);
		ll_json_kv_num(&j, "lambda", r->lambda[c]);
		ll_json_kv_num(&j, "congruence", cc->congruence);
		ll_json_key(&j, "members");
		ll_json_size_array(&j, cc->members, cc->nmembers);
		ll_json_key(&j, "loading");
		ll_json_num_array(&j, cc->loading, m->neurons);
		ll_json_key(&j, "active_windows");
		ll_json_arr_begin(&j);
		for (size_t w = 0; w < m->windows; w++)
			if (cc->active[w])
				ll_json_int(&j, (long long)w);
		ll_json_arr_end(&j);
		if (cc->nactive) {
			ll_json_kv_int(&j, "first_sample", (long long)(cc->first * r->step));
			ll_json_kv_int(&j, "end_sample", (long long)(cc->last * r->step + r->window));
		}
		ll_json_obj_end(&j);
	}
	ll_json_arr_end(&j);
	ll_json_obj_end(&j);
	return ll_afile_commit(&af, err);
}

static int run(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	const struct ll_res_tca *t = s->res.tca;
	const ll_ens_rank *er = t ? ll_ens_get(&t->ens, t->chosen_rank) : NULL;
	int rc;

	if (!er || !er->nrep || !s->res.tensor)
		return ll_err_set(err, LL_EINVAL, "[connectome] has no TCA model: run the tca step first");
	const ll_ktensor *K = &er->fits[0].K;
	struct ll_res_connectome *r = ll_calloc(1, sizeof *r);
	if (!r)
		return ll_err_oom(err);
	s->res.connectome = r;
	r->rank = K->rank;
	r->window = (size_t)ll_session_get_int(s, LL_STEP_TENSOR, "window");
	r->step = (size_t)ll_session_get_int(s, LL_STEP_TENSOR, "step");
	if (!(r->lambda = ll_malloc_array(K->rank, sizeof *r->lambda)))
		return ll_err_oom(err);
	memcpy(r->lambda, K->lambda, K->rank * sizeof *r->lambda);
	if ((rc = ll_conn_summarize(K, ll_session_get_real(s, LL_STEP_CONNECTOME, "active"), &r->sum, err)) !=
	    LL_OK)
		return rc;
	const ll_conn_summary *m = &r->sum;
	size_t lo = m->neurons, hi = 0;
	for (size_t q = 0; q < m->rank; q++) {
		const ll_conn_comp *cc = &m->comp[q];
		lo = cc->nmembers < lo ? cc->nmembers : lo;
		hi = cc->nmembers > hi ? cc->nmembers : hi;
		if (!(cc->congruence >= LL_CONN_CONGRUENCE_OK))
			ll_session_log(s, "connectome: warning: component %zu's two neuron factors agree only to "
				       "%.3f (< %.1f): not a symmetric community", q + 1, cc->congruence,
				       LL_CONN_CONGRUENCE_OK);
	}
	ll_step_status(c, "rank %zu: communities of %zu-%zu neurons, neuron-factor congruence >= %.3f%s", m->rank,
		       lo, hi, m->min_congruence, m->n_incongruent ? " (WARNING: below 0.9)" : "");
	if (c->outdir) {
		char *dir;
		if ((rc = ll_step_outdir(c, &dir, err)) != LL_OK)
			return rc;
		rc = write_json(r, dir, err);
		ll_free(dir);
	}
	return rc;
}

/* a connectome needs a non-negative TCA of it; [connectome] needs one */
static int check(const ll_session *s, ll_err *err)
{
	if (!is_connectome(s)) {
		if (s->state[LL_STEP_CONNECTOME] != LL_STATE_ABSENT)
			return ll_err_set(err, LL_EINVAL, "[connectome] needs [tensor] of = connectome (it is %s)",
					  ll_session_get(s, LL_STEP_TENSOR, "of"));
		return LL_OK;
	}
	if (!ll_step_in_session(s, LL_STEP_TCA))
		return ll_err_set(err, LL_EINVAL, "[tensor] of = connectome needs a [tca] section (method = ncp-hals)");
	if (ll_session_is(s, LL_STEP_TCA, "method", "cp-als"))
		return ll_err_set(err, LL_EINVAL,
				  "[tensor] of = connectome needs a non-negative fit: set [tca] method = ncp-hals");
	return LL_OK;
}

/* Resuming: the communities are read off tca's chosen model again in memory
 * (cheap), OUTDIR/connectome/ left as the run wrote it. */
static int load(ll_step_ctx *c, ll_err *err)
{
	ll_step_ctx m = *c;
	m.outdir = NULL;
	return run(&m, err);
}

const ll_step_def ll_step_connectome = {
	.name = "connectome",
	.summary = "communities of a connectome tensor's TCA model and when each is active",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.needs = LL_STEP_BIT(LL_STEP_TENSOR) | LL_STEP_BIT(LL_STEP_TCA),
	.implied = is_connectome,
	.check = check,
	.run = run,
	.drop = drop,
	.load = load,
	.outputs = "`communities.json`",
};
