/* [trajectory]: 3-D paths from PCA of the states or from TCA factors. */
#include "config.h"

#include "pipeline/ll_step.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "pca/ll_traj.h"

const ll_param_def ll_step_traj_params[LL_STEP_traj_NPARAMS] = {
	P_ENUM("source", "pca", "pca|tca", "3-D paths from PCA of the states or from TCA factors"),
};

void ll_step_traj_free(ll_session *s)
{
	if (s->traj) {
		ll_traj_set_free(s->traj);
		free(s->traj);
		s->traj = NULL;
	}
}

static int find_mode(const ll_session *s, ll_mode_kind kind)
{
	for (int n = 0; n < s->X.nmodes; n++)
		if (s->modes[n].kind == kind)
			return n;
	return -1;
}

static int write_traj(const ll_traj_set *ts, const char *outdir, ll_err *err)
{
	char *dir = ll_step_outdir(outdir, "trajectory", err);
	int rc;
	if (!dir)
		return err ? err->code : LL_EIO;
	size_t sh[3] = {ts->n_paths, ts->n_points, 3};
	size_t sh1[1] = {3};
	rc = ll_step_write_vec(dir, "paths.npy", ts->xyz, 3, sh, err);
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "explained.npy", ts->explained, 1, sh1, err);
	char *jp = rc == LL_OK ? ll_path_join(dir, "trajectory.json") : NULL;
	if (rc == LL_OK && !jp)
		rc = ll_err_set(err, LL_ENOMEM, "out of memory");
	ll_afile af;
	if (rc == LL_OK && (rc = ll_afile_open(&af, jp, err)) == LL_OK) {
		ll_json j;
		ll_json_init(&j, af.fp, 1);
		ll_json_obj_begin(&j);
		ll_json_kv_str(&j, "source", ts->source);
		ll_json_kv_int(&j, "paths", (long long)ts->n_paths);
		ll_json_kv_int(&j, "points", (long long)ts->n_points);
		ll_json_key(&j, "axes");
		ll_json_arr_begin(&j);
		for (int a = 0; a < 3; a++)
			ll_json_str(&j, ts->axis_name[a]);
		ll_json_arr_end(&j);
		ll_json_key(&j, "explained");
		ll_json_num_array(&j, ts->explained, 3);
		ll_json_key(&j, "labels");
		ll_json_arr_begin(&j);
		for (size_t p = 0; p < ts->n_paths; p++)
			ll_json_str(&j, ts->labels[p]);
		ll_json_arr_end(&j);
		ll_json_obj_end(&j);
		rc = ll_afile_commit(&af, err);
	}
	free(jp);
	free(dir);
	return rc;
}

int ll_step_traj(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud,
		     ll_err *err)
{
	const char *src = ll_session_get(s, LL_STEP_TRAJ, "source");
	int tm = find_mode(s, LL_MODE_TIME);
	int pm = find_mode(s, LL_MODE_TRIAL);
	int rc;

	(void)progress;
	(void)ud;
	if (!s->X.data)
		return ll_err_set(err, LL_EINVAL, "[trajectory] has no tensor: run the tensor step first");
	if (tm < 0 || pm < 0)
		return ll_err_set(err, LL_EINVAL,
				  "[trajectory] needs a time mode and a trial/model mode (set [data] modes)");
	ll_traj_set *ts = calloc(1, sizeof *ts);
	if (!ts)
		return ll_err_set(err, LL_ENOMEM, "out of memory");
	int bio = s->X.nmodes == 3 && s->modes[0].kind == LL_MODE_UNIT && tm == 1 && pm == 2;
	const int *labels = s->modes[pm].labels;
	size_t nlab = labels ? s->X.dim[pm] : 0;
	if (!strcmp(src, "tca")) {
		const ll_ens_rank *r = ll_ens_get(&s->ens, s->chosen_rank);
		if (!r)
			rc = ll_err_set(err, LL_EINVAL, "[trajectory] source = tca needs the tca step");
		else
			rc = ll_traj_from_factors(&r->fits[0].K, pm, tm, bio ? labels : NULL,
						  bio ? nlab : 0, s->modes[pm].name, ts, err);
	} else if (bio) {
		rc = ll_traj_from_condition_means(&s->X, labels, nlab, ts, err);
	} else {
		rc = ll_traj_from_tensor_snapshots(&s->X, pm, tm, s->modes[pm].name, ts, err);
	}
	if (rc != LL_OK) {
		ll_traj_set_free(ts);
		free(ts);
		return rc;
	}
	s->traj = ts;
	ll_step_status(s, LL_STEP_TRAJ, "%zu paths x %zu points from %s; %s %.1f%%, %s %.1f%%, %s %.1f%%", ts->n_paths,
		 ts->n_points, ts->source, ts->axis_name[0], 100 * ts->explained[0],
		 ts->axis_name[1], 100 * ts->explained[1], ts->axis_name[2], 100 * ts->explained[2]);
	return outdir ? write_traj(ts, outdir, err) : LL_OK;
}

