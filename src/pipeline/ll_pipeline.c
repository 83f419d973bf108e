/* Running steps: order, state, timing, logging (see ll_session.h). */
#include "config.h"

#include "pipeline/ll_step.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/ll_fs.h"


int ll_session_run_step(ll_session *s, ll_step_kind k, const char *outdir,
			ll_progress_fn progress, void *ud, ll_err *err)
{
	static const ll_step_fn fns[LL_NSTEPS] = {
		[LL_STEP_DATA] = ll_step_data, [LL_STEP_TRAIN] = ll_step_train,
		[LL_STEP_TENSOR] = ll_step_tensor, [LL_STEP_TCA] = ll_step_tca,
		[LL_STEP_TRAJ] = ll_step_traj, [LL_STEP_REPORT] = ll_step_report,
	};
	if ((unsigned)k >= LL_NSTEPS || !fns[k] || s->state[k] == LL_STATE_ABSENT)
		return ll_err_set(err, LL_EINVAL, "step %s is not part of this session", ll_step_name(k));
	for (int p = LL_STEP_DATA; p < (int)k; p++)
		if (s->state[p] != LL_STATE_ABSENT && s->state[p] != LL_STATE_DONE)
			return ll_err_set(err, LL_EINVAL, "step %s must run before %s",
					  ll_step_name((ll_step_kind)p), ll_step_name(k));
	ll_session_reset_results(s, k);
	if (outdir && ll_mkdirs(outdir, err) != LL_OK)
		return err ? err->code : LL_EIO;
	s->state[k] = LL_STATE_RUNNING;
	if (k == LL_STEP_DATA)
		s->started = (long long)time(NULL);
	ll_session_log(s, "%s: running", ll_step_name(k));
	double t0 = ll_now();
	int rc = fns[k](s, outdir, progress, ud, err);
	s->seconds[k] = ll_now() - t0;
	if (rc != LL_OK) {
		s->state[k] = LL_STATE_FAILED;
		ll_step_status(s, k, "%s", err ? err->msg : ll_strerror(rc));
		ll_session_log(s, "%s: failed: %s", ll_step_name(k), s->status[k]);
		return rc;
	}
	s->state[k] = LL_STATE_DONE;
	ll_session_log(s, "%s: done in %.2f s: %s", ll_step_name(k), s->seconds[k], s->status[k]);
	return LL_OK;
}

int ll_session_run_all(ll_session *s, const char *outdir,
		       ll_progress_fn progress, void *ud, ll_err *err)
{
	for (ll_step_kind k; (k = ll_session_next(s)) != LL_NSTEPS;) {
		int rc = ll_session_run_step(s, k, outdir, progress, ud, err);
		if (rc != LL_OK)
			return rc;
	}
	return LL_OK;
}

