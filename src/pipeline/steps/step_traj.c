/* [trajectory]: 3-D paths from PCA of the states or from TCA factors. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "pca/ll_traj.h"
#include "pipeline/ll_step.h"
#include "pipeline/steps/step_inpca.h"
#include "pipeline/steps/step_tca.h"
#include "pipeline/steps/step_tensor.h"
#include "pipeline/steps/step_traj.h"

static const ll_param_def params[] = {
	P_ENUM("source", "pca", "pca|tca|inpca",
	       "3-D paths from PCA of the states, from TCA factors, or the models' training paths in the "
	       "[inpca] map"),
};

static void drop(ll_session *s)
{
	struct ll_res_traj *t = s->res.traj;
	if (!t)
		return;
	ll_traj_set_free(&t->ts);
	ll_free(t);
	s->res.traj = NULL;
}

static void write_json(ll_json *j, const void *ud)
{
	const ll_traj_set *ts = ud;
	ll_json_obj_begin(j);
	ll_json_kv_str(j, "source", ts->source);
	ll_json_kv_int(j, "paths", (long long)ts->n_paths);
	ll_json_kv_int(j, "points", (long long)ts->n_points);
	ll_json_key(j, "axes");
	ll_json_arr_begin(j);
	for (int a = 0; a < 3; a++)
		ll_json_str(j, ts->axis_name[a]);
	ll_json_arr_end(j);
	ll_json_key(j, "explained");
	ll_json_num_array(j, ts->explained, 3);
	ll_json_key(j, "labels");
	ll_json_arr_begin(j);
	for (size_t p = 0; p < ts->n_paths; p++)
		ll_json_str(j, ts->labels[p]);
	ll_json_arr_end(j);
	ll_json_obj_end(j);
}

static int write_traj(ll_step_ctx *c, const ll_traj_set *ts, ll_err *err)
{
	char *dir;
	int rc = ll_step_outdir(c, &dir, err);
	if (rc != LL_OK)
		return rc;
	size_t sh[3] = {ts->n_paths, ts->n_points, 3};
	size_t sh1[1] = {3};
	rc = ll_step_write_vec(dir, "paths.npy", ts->xyz, 3, sh, err);
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "explained.npy", ts->explained, 1, sh1, err);
	if (rc == LL_OK)
		rc = ll_step_write_json(dir, "trajectory.json", write_json, ts, err);
	ll_free(dir);
	return rc;
}

/* The inpca step's map as paths: one per model, a point per snapshot, its
 * top three dimensions (a negative-eigenvalue axis named so). */
static int from_inpca(const struct ll_res_inpca *in, ll_traj_set *ts, ll_err *err)
{
	int rc = ll_traj_set_init(ts, in->paths, in->snapshots, err);
	if (rc != LL_OK)
		return rc;
	size_t k = in->emb.k;
	for (size_t p = 0; p < in->paths; p++) {
		snprintf(ts->labels[p], LL_TRAJ_LABEL, "%s", in->name[p]);
		ts->key[p] = (int)p;
		for (size_t j = 0; j < in->snapshots; j++)
			for (size_t a = 0; a < LL_TRAJ_DIMS && a < k; a++)
				ts->xyz[(p * in->snapshots + j) * 3 + a] = ll_res_inpca_at(in, p, j)[a];
	}
	ts->n_axes = k < LL_TRAJ_DIMS ? (int)k : LL_TRAJ_DIMS;
	for (int a = 0; a < LL_TRAJ_DIMS; a++) {
		ts->explained[a] = (size_t)a < k ? in->emb.explained[a] : 0;
		if ((size_t)a < k)
			snprintf(ts->axis_name[a], sizeof ts->axis_name[a], "InPCA%d%s", a + 1,
				 in->emb.sign[a] < 0 ? "(-)" : "");
		else
			snprintf(ts->axis_name[a], sizeof ts->axis_name[a], "-");
	}
	snprintf(ts->source, sizeof ts->source, "inpca");
	return LL_OK;
}

static int run(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	const struct ll_res_tensor *x = s->res.tensor;
	int rc;

	if (ll_session_is(s, LL_STEP_TRAJ, "source", "inpca")) {
		if (!s->res.inpca)
			return ll_err_set(err, LL_EINVAL, "[trajectory] source = inpca needs the inpca step: run it first");
		struct ll_res_traj *t = ll_calloc(1, sizeof *t);
		if (!t)
			return ll_err_oom(err);
		s->res.traj = t;
		ll_traj_set *ts = &t->ts;
		if ((rc = from_inpca(s->res.inpca, ts, err)) != LL_OK)
			return rc;
		ll_step_status(c, "%zu paths x %zu points from the InPCA map; %s %.1f%%, %s %.1f%%, %s %.1f%%",
			       ts->n_paths, ts->n_points, ts->axis_name[0], 100 * ts->explained[0], ts->axis_name[1],
			       100 * ts->explained[1], ts->axis_name[2], 100 * ts->explained[2]);
		return c->outdir ? write_traj(c, ts, err) : LL_OK;
	}

	if (!x || !x->X.data)
		return ll_err_set(err, LL_EINVAL, "[trajectory] has no tensor: run the tensor step first");
	int tm = ll_res_tensor_mode(x, LL_MODE_TIME);
	int pm = ll_res_tensor_mode(x, LL_MODE_TRIAL);
	if (tm < 0 || pm < 0)
		return ll_err_set(err, LL_EINVAL,
				  "[trajectory] needs a time mode and a trial/model mode (set [data] modes)");
	struct ll_res_traj *t = ll_calloc(1, sizeof *t);
	if (!t)
		return ll_err_oom(err);
	s->res.traj = t;
	ll_traj_set *ts = &t->ts;
	int bio = x->X.nmodes == 3 && x->modes[0].kind == LL_MODE_UNIT && tm == 1 && pm == 2;
	const int *labels = x->modes[pm].labels;
	size_t nlab = labels ? x->X.dim[pm] : 0;
	if (ll_session_is(s, LL_STEP_TRAJ, "source", "tca")) {
		const ll_ens_rank *r = s->res.tca ? ll_ens_get(&s->res.tca->ens, s->res.tca->chosen_rank) : NULL;
		if (!r)
			rc = ll_err_set(err, LL_EINVAL, "[trajectory] source = tca needs the tca step");
		else
			rc = ll_traj_from_factors(&r->fits[0].K, pm, tm, bio ? labels : NULL,
						  bio ? nlab : 0, x->modes[pm].name, ts, err);
	} else if (bio) {
		rc = ll_traj_from_condition_means(&x->X, labels, nlab, ts, err);
	} else {
		rc = ll_traj_from_tensor_snapshots(&x->X, pm, tm, x->modes[pm].name, ts, err);
	}
	if (rc != LL_OK)
		return rc;
	ll_step_status(c, "%zu paths x %zu points from %s; %s %.1f%%, %s %.1f%%, %s %.1f%%", ts->n_paths,
		 ts->n_points, ts->source, ts->axis_name[0], 100 * ts->explained[0],
		 ts->axis_name[1], 100 * ts->explained[1], ts->axis_name[2], 100 * ts->explained[2]);
	return c->outdir ? write_traj(c, ts, err) : LL_OK;
}

static int from_tca(const ll_session *s)
{
	return ll_session_is(s, LL_STEP_TRAJ, "source", "tca");
}

static int from_inpca_step(const ll_session *s)
{
	return ll_session_is(s, LL_STEP_TRAJ, "source", "inpca");
}

/* paths from TCA factors need the tca step; from the InPCA map, inpca */
static unsigned needs_for(const ll_session *s)
{
	return from_tca(s) ? LL_STEP_BIT(LL_STEP_TCA) : from_inpca_step(s) ? LL_STEP_BIT(LL_STEP_INPCA) : 0;
}

static int check(const ll_session *s, ll_err *err)
{
	if (s->state[LL_STEP_TRAJ] != LL_STATE_ABSENT && s->state[LL_STEP_TCA] == LL_STATE_ABSENT && from_tca(s))
		return ll_err_set(err, LL_EINVAL, "[trajectory] source = tca needs a [tca] step");
	if (s->state[LL_STEP_TRAJ] != LL_STATE_ABSENT && s->state[LL_STEP_INPCA] == LL_STATE_ABSENT &&
	    from_inpca_step(s))
		return ll_err_set(err, LL_EINVAL, "[trajectory] source = inpca needs an [inpca] step");
	return LL_OK;
}

/* Resuming: the paths are computed again in memory (a projection of the
 * tensor or the factors, as cheap as reading them back), OUTDIR left as
 * the run wrote it. */
static int load(ll_step_ctx *c, ll_err *err)
{
	ll_step_ctx m = *c;
	m.outdir = NULL;
	return run(&m, err);
}

const ll_step_def ll_step_traj = {
	.name = "trajectory",
	.summary = "project the states to 3-D paths (PCA, or TCA factors)",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.needs = LL_STEP_BIT(LL_STEP_TENSOR),
	.needs_for = needs_for,
	.check = check,
	.run = run,
	.drop = drop,
	.load = load,
	.outputs = "paths",
};
