/* The pipeline steps of a session (see ll_session.h). */
#include "ll_session.h"

#include <stdlib.h>
#include <string.h>

/* Drop the results of step `from` and every step after it, and mark those
 * steps pending again. */
void ll_session_reset_results(ll_session *s, ll_step_kind from);
void ll_session_reset_results(ll_session *s, ll_step_kind from)
{
	for (int k = from; k < LL_NSTEPS; k++) {
		if (s->state[k] != LL_STATE_ABSENT)
			s->state[k] = LL_STATE_PENDING;
		s->status[k][0] = '\0';
		s->seconds[k] = 0.0;
	}
	if (from <= LL_STEP_DATA) {
		ll_tensor_free(&s->data);
		free(s->trial_labels);
		s->trial_labels = NULL;
		s->ntrial_labels = 0;
		ll_ktensor_free(&s->truth);
	}
}

int ll_session_run_step(ll_session *s, ll_step_kind k, const char *outdir,
			ll_progress_fn progress, void *ud, ll_err *err)
{
	(void)s; (void)k; (void)outdir; (void)progress; (void)ud;
	return ll_err_set(err, LL_ENOTSUP, "not built yet");
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
