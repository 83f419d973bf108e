/* The steps as a graph, and running them: the list (steps.def), what each
 * needs, staleness, state, timing, logging (see ll_session.h). */
#include "config.h"

#include "pipeline/ll_step.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_fs.h"
#include "base/ll_threads.h"

/* The one list of steps. */
static const ll_step_def *const steps[LL_NSTEPS] = {
#define LL_STEP(ID, name) [LL_STEP_##ID] = &ll_step_##name,
#include "pipeline/steps.def"
#undef LL_STEP
};

/* a step set is an unsigned bit mask */
typedef char ll_steps_fit_in_a_mask[LL_NSTEPS <= 32 ? 1 : -1];

const ll_step_def *ll_step_def_of(ll_step_kind k)
{
	return (unsigned)k < LL_NSTEPS ? steps[k] : NULL;
}

const char *ll_step_name(ll_step_kind k)
{
	return (unsigned)k < LL_NSTEPS ? steps[k]->name : "?";
}

int ll_step_by_name(const char *name)
{
	for (int k = 0; k < LL_NSTEPS; k++)
		if (!strcmp(name, steps[k]->name))
			return k;
	return -1;
}

char *ll_step_names(char *buf, size_t n)
{
	size_t len = 0;
	if (n)
		buf[0] = '\0';
	for (int k = 0; k < LL_NSTEPS && len < n; k++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s",
					k == 0 ? "" : k == LL_NSTEPS - 1 ? " or " : ", ", steps[k]->name);
	return buf;
}

const char *ll_step_summary(ll_step_kind k)
{
	return (unsigned)k < LL_NSTEPS ? steps[k]->summary : "";
}

int ll_step_runs(ll_step_kind k)
{
	return (unsigned)k < LL_NSTEPS && steps[k]->run != NULL;
}

int ll_step_conditional(ll_step_kind k)
{
	return (unsigned)k < LL_NSTEPS && steps[k]->implied != NULL;
}

const char *ll_step_outputs(ll_step_kind k)
{
	return (unsigned)k < LL_NSTEPS ? steps[k]->outputs : NULL;
}

const ll_param_def *ll_step_params(ll_step_kind k, size_t *n)
{
	if ((unsigned)k >= LL_NSTEPS) {
		*n = 0;
		return NULL;
	}
	*n = steps[k]->nparams;
	return steps[k]->params;
}

/* ----------------------------------------------------------------- graph */

static unsigned present(const ll_session *s)
{
	unsigned m = 0;
	for (int k = 0; k < LL_NSTEPS; k++)
		if (s->state[k] != LL_STATE_ABSENT)
			m |= LL_STEP_BIT(k);
	return m;
}

unsigned ll_step_needs(const ll_session *s, ll_step_kind k)
{
	if ((unsigned)k >= LL_NSTEPS)
		return 0;
	unsigned m = steps[k]->needs;
	if (steps[k]->needs_for)
		m |= steps[k]->needs_for(s);
	/* a step never needs itself, nor [session] (it holds keys, no results) */
	return m & present(s) & ~LL_STEP_BIT(k) & ~LL_STEP_BIT(LL_STEP_SESSION);
}

unsigned ll_step_dependents(const ll_session *s, ll_step_kind k)
{
	/* the list is in a topological order: one pass forward closes it */
	unsigned m = LL_STEP_BIT(k), in = present(s);
	for (int j = 0; j < LL_NSTEPS; j++)
		if (j != (int)k && (in & LL_STEP_BIT(j)) && (ll_step_needs(s, (ll_step_kind)j) & m))
			m |= LL_STEP_BIT(j);
	return m & ~LL_STEP_BIT(k);
}

int ll_step_depth(const ll_session *s, ll_step_kind k)
{
	int d = 0;
	unsigned m = ll_step_needs(s, k);
	for (int j = 0; j < (int)k; j++)
		if (m & LL_STEP_BIT(j)) {
			int dj = ll_step_depth(s, (ll_step_kind)j) + 1;
			d = dj > d ? dj : d;
		}
	return d;
}

int ll_step_ready(const ll_session *s, ll_step_kind k)
{
	if ((unsigned)k >= LL_NSTEPS || !steps[k]->run || s->state[k] == LL_STATE_ABSENT ||
	    s->state[k] == LL_STATE_RUNNING)
		return 0;
	unsigned m = ll_step_needs(s, k);
	for (int j = 0; j < LL_NSTEPS; j++)
		if ((m & LL_STEP_BIT(j)) && s->state[j] != LL_STATE_DONE)
			return 0;
	return 1;
}

/* --------------------------------------------------------------- running */

void ll_session_reset(ll_session *s, unsigned mask)
{
	unsigned all = mask;
	for (int k = 0; k < LL_NSTEPS; k++)
		if (mask & LL_STEP_BIT(k))
			all |= ll_step_dependents(s, (ll_step_kind)k);
	/* dependents first: they were made from the others */
	for (int k = LL_NSTEPS - 1; k >= 0; k--) {
		if (!(all & LL_STEP_BIT(k)))
			continue;
		if (steps[k]->drop)
			steps[k]->drop(s);
		if (s->state[k] != LL_STATE_ABSENT)
			s->state[k] = LL_STATE_PENDING;
		s->status[k][0] = '\0';
		s->seconds[k] = 0.0;
		s->threads[k] = 0;
		s->wrote[k] = 0;
	}
}

size_t ll_session_steps(const ll_session *s, ll_step_kind *out)
{
	size_t n = 0;
	for (int k = 0; k < LL_NSTEPS; k++)
		if (s->state[k] != LL_STATE_ABSENT && steps[k]->run)
			out[n++] = (ll_step_kind)k;
	return n;
}

ll_step_kind ll_session_next(const ll_session *s)
{
	for (int k = 0; k < LL_NSTEPS; k++)
		if (s->state[k] != LL_STATE_ABSENT && steps[k]->run && s->state[k] != LL_STATE_DONE)
			return (ll_step_kind)k;
	return LL_NSTEPS;
}

int ll_session_canceled(const ll_session *s)
{
	return s->cancel && atomic_load_explicit(s->cancel, memory_order_relaxed) != 0;
}

int ll_session_run_step(ll_session *s, ll_step_kind k, const char *outdir,
			ll_progress_fn progress, void *ud, ll_err *err)
{
	int rc;
	if ((unsigned)k >= LL_NSTEPS || !steps[k]->run || s->state[k] == LL_STATE_ABSENT)
		return ll_err_set(err, LL_EINVAL, "step %s is not part of this session", ll_step_name(k));
	unsigned m = ll_step_needs(s, k);
	for (int j = 0; j < LL_NSTEPS; j++)
		if ((m & LL_STEP_BIT(j)) && s->state[j] != LL_STATE_DONE)
			return ll_err_set(err, LL_EINVAL, "step %s must run before %s",
					  ll_step_name((ll_step_kind)j), ll_step_name(k));
	ll_session_reset(s, LL_STEP_BIT(k));
	if (outdir && (rc = ll_mkdirs(outdir, err)) != LL_OK)
		return rc;
	s->state[k] = LL_STATE_RUNNING;
	ll_session_log(s, "%s: running", ll_step_name(k));
	ll_step_ctx c = {.s = s, .k = k, .outdir = outdir, .progress = progress, .ud = ud};
	/* the step and everything it calls (nested regions, BLAS) run on the
	 * session's threads; 0: the automatic count, decided now, as the
	 * machine's load may have changed since the last step */
	long want = ll_session_get_int(s, LL_STEP_SESSION, "threads");
	int nth = want > 0 && want <= INT_MAX ? (int)want : ll_threads_default();
	ll_threads_saved saved;
	ll_threads_push(nth, &saved);
	s->threads[k] = ll_threads_resolve(0);
	double t0 = ll_now();
	rc = steps[k]->run(&c, err);
	/* the step's folder appears only complete: published now, or gone */
	int prc = ll_step_publish(&c, rc == LL_OK, err);
	if (rc == LL_OK)
		rc = prc;
	s->seconds[k] = ll_now() - t0;
	ll_threads_pop(&saved);
	if (rc != LL_OK) {
		/* a failed step keeps no results, only why it failed */
		if (steps[k]->drop)
			steps[k]->drop(s);
		s->state[k] = LL_STATE_FAILED;
		ll_step_status(&c, "%s", err ? err->msg : ll_strerror(rc));
		ll_session_log(s, "%s: failed: %s", ll_step_name(k), s->status[k]);
		return rc;
	}
	s->state[k] = LL_STATE_DONE;
	ll_session_log(s, "%s: done in %.2f s on %d thread%s: %s", ll_step_name(k), s->seconds[k], s->threads[k],
		       s->threads[k] == 1 ? "" : "s", s->status[k]);
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
