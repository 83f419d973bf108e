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

/* ------------------------------------------------------ used or not */

int ll_session_param_used(const ll_session *s, ll_step_kind k, const char *key, char *why, size_t n)
{
	if (n)
		why[0] = '\0';
	int i = ll_step_param_index(k, key);
	if (i < 0)
		return 1;
	const char *help = steps[k]->params[i].help, *colon = strchr(help, ':');
	size_t wl = colon ? (size_t)(colon - help) : 0;
	/* "WORD: ..." where WORD is a choice of one of the step's enums */
	for (size_t e = 0; wl && e < steps[k]->nparams; e++) {
		const ll_param_def *d = &steps[k]->params[e];
		if (d->type != LL_PARAM_ENUM || !d->choices)
			continue;
		for (const char *c = d->choices; *c;) {
			size_t cl = strcspn(c, "|");
			if (cl == wl && !strncmp(c, help, wl)) {
				const char *v = ll_session_get(s, k, d->key);
				if (strlen(v) == wl && !strncmp(v, help, wl))
					return 1;
				snprintf(why, n, "%s = %s", d->key, v);
				return 0;
			}
			c += cl + (c[cl] == '|');
		}
	}
	return steps[k]->used ? steps[k]->used(s, key, why, n) : 1;
}

/* ----------------------------------------------------- kept results */

/* The results of one step an edit made stale, with what it had when done
 * and the values it was computed with. */
struct ll_kept {
	void *res;         /* what s->res.<name> held */
	char status[160];
	double seconds;
	int threads;
	unsigned char wrote;
	char *inputs;      /* inputs_text(): every value it reads */
	char *heavy;       /* the same without its view_keys */
};

static void *res_get(const ll_session *s, ll_step_kind k)
{
	switch (k) {
#define LL_STEP(ID, name) case LL_STEP_##ID: return s->res.name;
#include "pipeline/steps.def"
#undef LL_STEP
	default: return NULL;
	}
}

static void res_put(ll_session *s, ll_step_kind k, void *p)
{
	switch (k) {
#define LL_STEP(ID, name) case LL_STEP_##ID: s->res.name = p; break;
#include "pipeline/steps.def"
#undef LL_STEP
	default: break;
	}
}

static int is_view_key(ll_step_kind k, const char *key)
{
	for (const char *const *v = steps[k]->view_keys; v && *v; v++)
		if (!strcmp(*v, key))
			return 1;
	return 0;
}

/* Every value step k's results depend on, as "step.key=value" lines: the
 * keys whose change makes k stale (ll_session_stale and the dependents);
 * without k's own view_keys when heavy.  A malloc'd string, or NULL. */
static char *inputs_text(const ll_session *s, ll_step_kind k, int heavy)
{
	size_t cap = 256, len = 0;
	char *b = ll_malloc(cap);
	if (!b)
		return NULL;
	b[0] = '\0';
	for (int j = 0; j < LL_NSTEPS; j++) {
		if (s->state[j] == LL_STATE_ABSENT)
			continue;
		for (size_t i = 0; i < steps[j]->nparams; i++) {
			const char *key = steps[j]->params[i].key;
			unsigned m = ll_session_stale((ll_step_kind)j, key);
			for (int q = 0; q < LL_NSTEPS; q++)
				if (m & LL_STEP_BIT(q))
					m |= ll_step_dependents(s, (ll_step_kind)q);
			if (!(m & LL_STEP_BIT(k)) || (heavy && j == (int)k && is_view_key(k, key)))
				continue;
			const char *v = ll_session_get(s, (ll_step_kind)j, key);
			size_t need = strlen(steps[j]->name) + strlen(key) + strlen(v) + 4;
			if (len + need >= cap) {
				size_t nc = (len + need) * 2;
				char *nb = ll_realloc(b, nc);
				if (!nb) {
					ll_free(b);
					return NULL;
				}
				b = nb;
				cap = nc;
			}
			len += (size_t)snprintf(b + len, cap - len, "%s.%s=%s\n", steps[j]->name, key, v);
		}
	}
	return b;
}

/* Free a kept record; its results are dropped by the step's drop(), with
 * them put in s->res.<name> for the call (whatever is there stays). */
static void kept_free(ll_session *s, ll_step_kind k)
{
	struct ll_kept *p = s->kept[k];
	if (!p)
		return;
	s->kept[k] = NULL;
	if (p->res && steps[k]->drop) {
		void *cur = res_get(s, k);
		res_put(s, k, p->res);
		steps[k]->drop(s);
		res_put(s, k, cur);
	}
	ll_free(p->inputs);
	ll_free(p->heavy);
	ll_free(p);
}

void ll_session_forget(ll_session *s, unsigned mask)
{
	for (int k = LL_NSTEPS - 1; k >= 0; k--)
		if (mask & LL_STEP_BIT(k))
			kept_free(s, (ll_step_kind)k);
}

unsigned ll_session_kept(const ll_session *s)
{
	unsigned m = 0;
	for (int k = 0; k < LL_NSTEPS; k++)
		if (s->kept[k])
			m |= LL_STEP_BIT(k);
	return m;
}

unsigned ll_session_lend_kept(ll_session *s, unsigned mask, int on)
{
	unsigned m = 0;
	for (int k = 0; k < LL_NSTEPS; k++) {
		struct ll_kept *p = s->kept[k];
		if (!(mask & LL_STEP_BIT(k)) || !p || !p->res || s->state[k] != LL_STATE_PENDING)
			continue;
		void *cur = res_get(s, (ll_step_kind)k);
		if (on && !cur)
			res_put(s, (ll_step_kind)k, p->res);
		else if (!on && cur == p->res)
			res_put(s, (ll_step_kind)k, NULL);
		else
			continue;
		m |= LL_STEP_BIT(k);
	}
	return m;
}

static unsigned closure(const ll_session *s, unsigned mask)
{
	unsigned all = mask;
	for (int k = 0; k < LL_NSTEPS; k++)
		if (mask & LL_STEP_BIT(k))
			all |= ll_step_dependents(s, (ll_step_kind)k);
	return all;
}

/* Mark step k pending, its results dropped (keep = 0) or kept. */
static void unrun(ll_session *s, ll_step_kind k, int keep)
{
	if (keep && s->state[k] == LL_STATE_DONE) {
		struct ll_kept *p = ll_calloc(1, sizeof *p);
		char *in = inputs_text(s, k, 0), *hv = inputs_text(s, k, 1);
		if (p && in && hv) {
			kept_free(s, k); /* an older record: these results replace it */
			p->res = res_get(s, k);
			res_put(s, k, NULL);
			memcpy(p->status, s->status[k], sizeof p->status);
			p->seconds = s->seconds[k];
			p->threads = s->threads[k];
			p->wrote = s->wrote[k];
			p->inputs = in;
			p->heavy = hv;
			s->kept[k] = p;
		} else { /* out of memory: the results go, as without keeping */
			ll_free(p);
			ll_free(in);
			ll_free(hv);
		}
	} else if (!keep) {
		kept_free(s, k);
	}
	if (steps[k]->drop)
		steps[k]->drop(s);
	if (s->state[k] != LL_STATE_ABSENT)
		s->state[k] = LL_STATE_PENDING;
	s->status[k][0] = '\0';
	s->seconds[k] = 0.0;
	s->threads[k] = 0;
	s->wrote[k] = 0;
}

void ll_session_reset(ll_session *s, unsigned mask)
{
	unsigned all = closure(s, mask);
	/* dependents first: they were made from the others */
	for (int k = LL_NSTEPS - 1; k >= 0; k--)
		if (all & LL_STEP_BIT(k))
			unrun(s, (ll_step_kind)k, 0);
}

void ll_session_shelve(ll_session *s, unsigned mask)
{
	unsigned all = closure(s, mask);
	for (int k = LL_NSTEPS - 1; k >= 0; k--)
		if (all & LL_STEP_BIT(k))
			unrun(s, (ll_step_kind)k, 1);
}

unsigned ll_session_restore(ll_session *s)
{
	unsigned back = 0;
	/* in run order: a step brought back lets the steps that need it come back */
	for (int k = 0; k < LL_NSTEPS; k++) {
		struct ll_kept *p = s->kept[k];
		if (!p || s->state[k] != LL_STATE_PENDING || !ll_step_ready(s, (ll_step_kind)k))
			continue;
		char *in = inputs_text(s, (ll_step_kind)k, 0);
		int same = in && !strcmp(in, p->inputs);
		ll_free(in);
		if (!same)
			continue;
		s->kept[k] = NULL;
		res_put(s, (ll_step_kind)k, p->res);
		memcpy(s->status[k], p->status, sizeof s->status[k]);
		s->seconds[k] = p->seconds;
		s->threads[k] = p->threads;
		s->wrote[k] = p->wrote;
		s->state[k] = LL_STATE_DONE;
		ll_free(p->inputs);
		ll_free(p->heavy);
		ll_free(p);
		back |= LL_STEP_BIT(k);
	}
	return back;
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
	/* kept results whose costly inputs are current: the step may reuse them */
	void *reuse = NULL;
	unsigned char wrote = 0;
	if (steps[k]->view_keys && s->kept[k]) {
		char *hv = inputs_text(s, k, 1);
		if (hv && !strcmp(hv, s->kept[k]->heavy)) {
			reuse = s->kept[k]->res;
			wrote = s->kept[k]->wrote;
			s->kept[k]->res = NULL;
		}
		ll_free(hv);
	}
	ll_session_reset(s, LL_STEP_BIT(k));
	res_put(s, k, reuse);
	s->wrote[k] = wrote; /* the folder still holds the kept results' files */
	if (outdir && (rc = ll_mkdirs(outdir, err)) != LL_OK) {
		if (steps[k]->drop)
			steps[k]->drop(s);
		return rc;
	}
	s->state[k] = LL_STATE_RUNNING;
	ll_session_log(s, "%s: running", ll_step_name(k));
	ll_step_ctx c = {.s = s, .k = k, .outdir = outdir, .progress = progress, .ud = ud, .reuse = reuse != NULL};
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
	/* its folder appears only now, complete (or not at all) */
	int src = ll_step_stage_end(&c, rc == LL_OK, err);
	if (rc == LL_OK)
		rc = src;
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
