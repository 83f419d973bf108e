/*
 * wb_job.c - running session steps in a worker thread.
 *
 * The worker calls ll_session_run_step for each step in turn, exactly as
 * `latentlab run` does (through ll_session_run_all), with the same outdir,
 * so the files it writes are the same.  The UI thread keeps drawing from
 * copies made under wb.lock (see wb.h).  Esc sets wb.cancel, which the
 * session sees through s->cancel and our progress callback returns: long
 * steps stop with LL_ECANCELED, and R stops before the next step.  The
 * worker blocks the signals the UI handles, so they always reach the UI
 * thread (and the threads the steps start inherit the mask).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/ll_record.h"
#include "ll_report.h"
#include "wb/wb.h"

static void copy_view(wb *w)
{
	const ll_session *s = w->s;
	memcpy(w->view.state, s->state, sizeof w->view.state);
	memcpy(w->view.status, s->status, sizeof w->view.status);
	memcpy(w->view.seconds, s->seconds, sizeof w->view.seconds);
	memcpy(w->view.threads, s->threads, sizeof w->view.threads);
	for (int k = 0; k < LL_NSTEPS; k++) {
		w->view.depth[k] = ll_step_depth(s, (ll_step_kind)k);
		w->view.needs[k] = ll_step_needs(s, (ll_step_kind)k);
	}
}

void wb_view_sync(wb *w)
{
	pthread_mutex_lock(&w->lock);
	copy_view(w);
	pthread_mutex_unlock(&w->lock);
}

void wb_view_get(wb *w, wb_view *v, wb_job *j)
{
	pthread_mutex_lock(&w->lock);
	if (v)
		*v = w->view;
	if (j)
		*j = w->job;
	pthread_mutex_unlock(&w->lock);
}

/* The session's log_fn: from either thread. */
void wb_log_fn(void *ud, const char *line)
{
	wb *w = ud;
	char *text = ll_strdup(line ? line : "");
	if (!text)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->nlog == WB_LOG_MAX) {
		/* drop the oldest tenth */
		size_t drop = WB_LOG_MAX / 10;
		for (size_t i = 0; i < drop; i++)
			ll_free(w->log[i].text);
		memmove(w->log, w->log + drop, (w->nlog - drop) * sizeof *w->log);
		w->nlog -= drop;
	}
	if (w->nlog == w->caplog) {
		size_t cap = w->caplog ? 2 * w->caplog : 256;
		wb_logline *nl = ll_realloc(w->log, cap * sizeof *nl);
		if (!nl) {
			pthread_mutex_unlock(&w->lock);
			ll_free(text);
			return;
		}
		w->log = nl;
		w->caplog = cap;
	}
	w->log[w->nlog].t = ll_now() - w->t0;
	w->log[w->nlog].text = text;
	w->nlog++;
	pthread_mutex_unlock(&w->lock);
}

/* Progress from the running step (worker or its helper threads). */
static int job_progress(void *ud, const ll_progress *p)
{
	wb *w = ud;
	pthread_mutex_lock(&w->lock);
	snprintf(w->job.stage, sizeof w->job.stage, "%s", p->stage ? p->stage : "");
	snprintf(w->job.detail, sizeof w->job.detail, "%s", p->detail ? p->detail : "");
	w->job.frac = p->frac;
	pthread_mutex_unlock(&w->lock);
	return w->cancel != 0;
}

static void job_begin_step(wb *w, ll_step_kind k)
{
	pthread_mutex_lock(&w->lock);
	w->job.step = (int)k;
	w->job.step_t0 = ll_now();
	snprintf(w->job.stage, sizeof w->job.stage, "%s", ll_step_name(k));
	w->job.detail[0] = '\0';
	w->job.frac = -1;
	/* what ll_session_run_step is about to do to the states: the step
	 * runs, the steps that depend on it are pending again */
	unsigned reset = ll_step_dependents(w->s, k) | LL_STEP_BIT(k);
	for (int i = 0; i < LL_NSTEPS; i++)
		if ((reset & LL_STEP_BIT(i)) && w->view.state[i] != LL_STATE_ABSENT) {
			w->view.state[i] = i == (int)k ? LL_STATE_RUNNING : LL_STATE_PENDING;
			w->view.status[i][0] = '\0';
			w->view.seconds[i] = 0;
			w->view.threads[i] = 0;
		}
	pthread_mutex_unlock(&w->lock);
}

ll_step_kind wb_upto_next(const ll_session *s, ll_step_kind target)
{
	/* what target needs, directly or not */
	unsigned want = LL_STEP_BIT(target), seen = 0;
	while (want != seen) {
		unsigned add = 0;
		for (int k = 0; k < LL_NSTEPS; k++)
			if ((want & ~seen) & LL_STEP_BIT(k))
				add |= ll_step_needs(s, (ll_step_kind)k);
		seen = want;
		want |= add;
	}
	for (int k = 0; k < LL_NSTEPS; k++)
		if ((want & LL_STEP_BIT(k)) && ll_step_runs((ll_step_kind)k) && s->state[k] != LL_STATE_ABSENT &&
		    s->state[k] != LL_STATE_DONE)
			return (ll_step_kind)k;
	return LL_NSTEPS;
}

static void *worker(void *arg)
{
	wb *w = arg;
	ll_session *s = w->s;
	ll_err err = {0, ""};
	int rc = LL_OK;

	if (w->job.kind == WB_JOB_REPORT) {
		/* the report step when the pipeline has reached it (so its state
		 * is kept as `run` keeps it), else the report of what has run */
		job_begin_step(w, LL_STEP_REPORT);
		if (ll_step_ready(s, LL_STEP_REPORT)) {
			rc = ll_session_run_step(s, LL_STEP_REPORT, w->outdir, job_progress, w, &err);
		} else {
			ll_step_state keep = s->state[LL_STEP_REPORT];
			rc = ll_report_session(s, w->outdir, NULL, &err);
			s->state[LL_STEP_REPORT] = keep;
		}
	} else if (w->job.kind == WB_JOB_STEP) {
		ll_step_kind k = (ll_step_kind)w->job.step;
		job_begin_step(w, k);
		rc = ll_session_run_step(s, k, w->outdir, job_progress, w, &err);
	} else {
		/* up to a step (the steps it needs, then it), or every next one */
		int upto = w->job.kind == WB_JOB_UPTO;
		for (ll_step_kind k; (k = upto ? wb_upto_next(s, (ll_step_kind)w->job.target) : ll_session_next(s)) !=
				     LL_NSTEPS;) {
			if (w->cancel) {
				rc = ll_err_set(&err, LL_ECANCELED, "canceled before %s", ll_step_name(k));
				break;
			}
			job_begin_step(w, k);
			rc = ll_session_run_step(s, k, w->outdir, job_progress, w, &err);
			pthread_mutex_lock(&w->lock);
			copy_view(w);
			pthread_mutex_unlock(&w->lock);
			if (rc != LL_OK || w->job.kind == WB_JOB_NEXT)
				break;
		}
	}
	pthread_mutex_lock(&w->lock);
	copy_view(w);
	w->job.rc = rc;
	w->job.err = err;
	w->job.finished = 1;
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int wb_job_start(wb *w, int kind, ll_step_kind step)
{
	if (w->job.active)
		return LL_EINVAL;
	ll_err err = {0, ""};
	if ((kind == WB_JOB_NEXT || kind == WB_JOB_ALL) && ll_session_next(w->s) == LL_NSTEPS) {
		wb_msg(w, 0, "every step is done: edit a parameter to run again, or w to rewrite the report");
		return LL_EINVAL;
	}
	/* as `latentlab run` does: OUTDIR marked as running before anything
	 * changes (the old report goes), then the session as run beside its
	 * results */
	if (kind != WB_JOB_REPORT && (ll_record_begin(&w->od, w->s, w->cmdline, w->run_seconds, &err) != LL_OK ||
				      ll_record_session_copy(w->s, w->outdir, &err) != LL_OK)) {
		wb_msg(w, 1, "%s", err.msg);
		return err.code;
	}
	w->cancel = 0;
	pthread_mutex_lock(&w->lock);
	memset(&w->job, 0, sizeof w->job);
	w->job.kind = kind;
	w->job.t0 = w->job.step_t0 = ll_now();
	w->job.step = kind == WB_JOB_STEP ? step : kind == WB_JOB_UPTO ? wb_upto_next(w->s, step) : ll_session_next(w->s);
	w->job.target = step;
	w->job.frac = -1;
	pthread_mutex_unlock(&w->lock);

	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGWINCH);
	sigaddset(&block, SIGTSTP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int e = pthread_create(&w->job.th, NULL, worker, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		wb_msg(w, 1, "cannot start a worker thread: %s", strerror(e));
		return LL_ENOMEM;
	}
	w->job.active = 1;
	return LL_OK;
}

void wb_job_poll(wb *w)
{
	if (!w->job.active)
		return;
	pthread_mutex_lock(&w->lock);
	int finished = w->job.finished;
	pthread_mutex_unlock(&w->lock);
	if (!finished)
		return;
	pthread_join(w->job.th, NULL);
	w->job.active = 0;
	w->gen++;
	ll_session *s = w->s;
	int rc = w->job.rc;
	double secs = ll_now() - w->job.t0;
	w->run_seconds += secs;
	if (rc == LL_ECANCELED) {
		/* nothing failed: the step can simply run again */
		for (int k = 0; k < LL_NSTEPS; k++)
			if (s->state[k] == LL_STATE_FAILED) {
				s->state[k] = LL_STATE_PENDING;
				snprintf(s->status[k], sizeof s->status[k], "canceled after %.1f s", s->seconds[k]);
				ll_session_log(s, "%s: canceled; pending again", ll_step_name((ll_step_kind)k));
			}
		wb_msg(w, 0, "canceled: %s", w->job.err.msg);
	} else if (rc != LL_OK) {
		wb_msg(w, 1, "%s failed: %s", ll_step_name((ll_step_kind)w->job.step), w->job.err.msg);
	} else if (w->job.kind == WB_JOB_REPORT) {
		wb_msg(w, 0, "report written to %s: %s", w->outdir, s->status[LL_STEP_REPORT]);
	} else {
		ll_step_kind next = ll_session_next(s);
		if (w->job.kind == WB_JOB_UPTO)
			wb_msg(w, 0, "%s done (with the steps it needs) in %.1f s%s%s%s", ll_step_name((ll_step_kind)w->job.target),
			       secs, next == LL_NSTEPS ? "" : "; next: ", next == LL_NSTEPS ? "" : ll_step_name(next),
			       next == LL_NSTEPS ? "" : " (n)");
		else if (next == LL_NSTEPS)
			wb_msg(w, 0, "every step done in %.1f s; results in %s", secs, w->outdir);
		else
			wb_msg(w, 0, "%s done in %.1f s; next: %s (n)", ll_step_name((ll_step_kind)w->job.step),
			       secs, ll_step_name(next));
	}
	wb_view_sync(w);
	/* a partial report (steps pending) went with a record of it too */
	{
		ll_err err = {0, ""};
		if (ll_record_end(&w->od, s, w->cmdline, w->run_seconds, &err) != LL_OK)
			wb_msg(w, 1, "%s", err.msg);
	}
}

void wb_job_stop(wb *w)
{
	if (!w->job.active)
		return;
	w->cancel = 1;
	pthread_join(w->job.th, NULL);
	w->job.active = 0;
	w->gen++;
}
