/* Helpers shared by the pipeline steps (see ll_step.h). */
#include "config.h"

#include "pipeline/ll_step.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <unistd.h>
#include <sys/stat.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/ll_fs.h"
#include "base/ll_threads.h"
#include "io/ll_npy.h"

const char *ll_bundled_data_dir(void)
{
	static const char *const candidates[] = {"examples/data", LL_SRCDATADIR, LL_PKGDATADIR};
	struct stat st;
	const char *env = getenv("LATENTLAB_DATA");
	if (env && *env)
		return env;
	/* a directory that holds the bundled MNIST subset (a build tree may
	 * have an examples/data of object files only) */
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
		char probe[1024];
		snprintf(probe, sizeof probe, "%s/mnist-train-images-idx3-ubyte.gz", candidates[i]);
		if (stat(probe, &st) == 0 && S_ISREG(st.st_mode))
			return candidates[i];
	}
	return "examples/data";
}

#define OUT_MARKER ".latentlab-step"
int ll_step_outdir(ll_step_ctx *c, char **dir, ll_err *err)
{
	const char *sub = ll_step_name(c->k);
	char note[160], hidden[64];
	*dir = NULL;
	if (c->stage) {
		/* asked again in the same run: the same folder */
		*dir = ll_strdup(c->stage);
		return *dir ? LL_OK : ll_err_oom(err);
	}
	char *p = ll_path_join(c->outdir, sub);
	if (!p)
		return ll_err_oom(err);
	/* A folder latentlab did not make (no marker, or a link) is refused
	 * now, never written into, emptied or replaced. */
	int rc = ll_dir_check_ours(p, OUT_MARKER, err);
	ll_free(p);
	if (rc != LL_OK)
		return rc;
	snprintf(hidden, sizeof hidden, ".%s.partial", sub);
	p = ll_path_join(c->outdir, hidden);
	char *copy = p ? ll_strdup(p) : NULL;
	if (!copy) {
		ll_free(p);
		return ll_err_oom(err);
	}
	/* the marker is in it from the start: a run killed half way leaves a
	 * hidden folder provably ours, which the next run empties */
	snprintf(note, sizeof note, "written by latentlab's %s step; the step empties this folder when it runs again",
		 sub);
	if ((rc = ll_mkdir_ours(p, OUT_MARKER, note, err)) != LL_OK) {
		ll_free(p);
		ll_free(copy);
		return rc;
	}
	*dir = copy;
	c->stage = p;
	c->stage_pid = (long)getpid();
	return LL_OK;
}

int ll_step_stage_end(ll_step_ctx *c, int ok, ll_err *err)
{
	int rc = LL_OK;
	if (!c->stage)
		return LL_OK;
	if (c->stage_pid == (long)getpid()) {
		if (ok) {
			char *to = ll_path_join(c->outdir, ll_step_name(c->k));
			rc = to ? ll_dir_replace_ours(c->stage, to, OUT_MARKER, err) : ll_err_oom(err);
			ll_free(to);
			if (rc == LL_OK)
				c->s->wrote[c->k] = 1;
		}
		/* asked again: a process forked inside the calls above (at an
		 * allocation) went into this block as its parent */
		if ((!ok || rc != LL_OK) && c->stage_pid == (long)getpid()) {
			ll_err e2 = {0, ""};
			ll_rmtree_ours(c->stage, OUT_MARKER, &e2);
		}
	}
	/* a message names a file where it belongs, not in the staged folder */
	char hidden[64], *at;
	snprintf(hidden, sizeof hidden, "/.%s.partial/", ll_step_name(c->k));
	size_t hl = strlen(hidden), nl = strlen(ll_step_name(c->k)) + 2;
	while (err && (at = strstr(err->msg, hidden)) != NULL) {
		at[0] = '/';
		memcpy(at + 1, ll_step_name(c->k), nl - 2);
		at[nl - 1] = '/';
		memmove(at + nl, at + hl, strlen(at + hl) + 1);
	}
	ll_free(c->stage);
	c->stage = NULL;
	return rc;
}

int ll_step_read_back(const char *dir, const char *name, const char *dtype, int ndim, const size_t *shape,
		      ll_tensor *t, ll_err *err)
{
	memset(t, 0, sizeof *t);
	char *p = ll_path_join(dir, name);
	if (!p)
		return ll_err_oom(err);
	ll_array_info info;
	int rc = ll_npy_read(p, t, &info, err);
	int same = rc == LL_OK && !strcmp(info.dtype, dtype) && t->nmodes == ndim;
	for (int i = 0; same && i < ndim; i++)
		same = t->dim[i] == shape[i];
	if (rc == LL_OK && !same) {
		ll_tensor_free(t);
		memset(t, 0, sizeof *t);
		rc = ll_err_set(err, LL_EINVAL, "%s: not the %s array of %d dims this session's run writes", p,
				dtype, ndim);
	}
	ll_free(p);
	return rc;
}

int ll_step_write_vec(const char *dir, const char *name, const double *v, int ndim,
		     const size_t *shape, ll_err *err)
{
	char *p = ll_path_join(dir, name);
	if (!p)
		return ll_err_oom(err);
	int rc = ll_npy_write_array(p, v, ndim, shape, 0, err);
	ll_free(p);
	return rc;
}

int ll_step_write_json(const char *dir, const char *name, ll_step_json_fn fn, const void *ud, ll_err *err)
{
	ll_afile af;
	int rc = ll_afile_open_in(&af, dir, name, err);
	if (rc != LL_OK)
		return rc;
	ll_json j;
	ll_json_init(&j, af.fp, 1);
	fn(&j, ud);
	return ll_afile_commit(&af, err);
}

void ll_step_status(ll_step_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->s->status[c->k], sizeof c->s->status[c->k], fmt, ap);
	va_end(ap);
}

int ll_step_prog_fwd(void *ud, const ll_progress *p)
{
	ll_step_prog *g = ud;
	if (ll_session_canceled(g->c->s))
		return 1;
	if (!g->c->progress)
		return 0;
	const char *detail = g->detail == LL_PROG_NOTE ? g->note : g->detail == LL_PROG_THEIR_STAGE ? p->stage : p->detail;
	ll_progress q = {.stage = g->stage ? g->stage : ll_step_name(g->c->k),
			 .frac = g->lo + g->span * (p->frac < 0 ? 0 : p->frac),
			 .detail = detail};
	return g->c->progress(g->c->ud, &q);
}

int ll_step_prog_at(ll_step_prog *g, double frac)
{
	ll_progress p = {.stage = NULL, .frac = frac, .detail = NULL};
	return ll_step_prog_fwd(g, &p);
}

void ll_step_prog_note(ll_step_prog *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->note, sizeof g->note, fmt, ap);
	va_end(ap);
}

void ll_step_set_mode(ll_mode_info *m, const char *name, ll_mode_kind kind)
{
	snprintf(m->name, sizeof m->name, "%s", name);
	m->kind = kind;
}

int ll_step_group_of(char **names, size_t *n, const char *name, size_t *g, ll_err *err)
{
	for (size_t k = 0; k < *n; k++)
		if (!strcmp(names[k], name)) {
			*g = k;
			return LL_OK;
		}
	if (!(names[*n] = ll_strdup(name)))
		return ll_err_oom(err);
	*g = (*n)++;
	return LL_OK;
}

int ll_step_in_session(const ll_session *s, ll_step_kind k)
{
	const ll_step_def *d = ll_step_def_of(k);
	return s->state[k] != LL_STATE_ABSENT || (d && d->implied && d->implied(s));
}

int ll_step_threads(const ll_session *s)
{
	long t = ll_session_get_int(s, LL_STEP_SESSION, "threads");
	/* 0: what ll_session_run_step pushed for this step */
	return ll_threads_resolve(t > 0 && t <= INT_MAX ? (int)t : 0);
}
