/* Helpers shared by the pipeline steps (see ll_step.h). */
#include "config.h"
#include <errno.h>

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
	char note[160], part[64];
	*dir = NULL;
	if (c->partial) { /* asked twice in one run: the same folder */
		if (!(*dir = ll_strdup(c->partial)))
			return ll_err_oom(err);
		return LL_OK;
	}
	char *final = ll_path_join(c->outdir, sub);
	snprintf(part, sizeof part, ".%s.partial", sub);
	char *p = ll_path_join(c->outdir, part);
	if (!final || !p) {
		ll_free(final);
		ll_free(p);
		return ll_err_oom(err);
	}
	/* A run writes a fresh folder beside the old one, which it replaces
	 * when the step succeeds and removes when it fails or is canceled
	 * (ll_step_publish), so no file of an earlier run (rank_07/ of a wider
	 * sweep) stays beside its own and no half-written folder is ever seen
	 * under the step's name; a folder latentlab did not make (no marker,
	 * or a link) is refused, never written into or replaced. */
	snprintf(note, sizeof note, "written by latentlab's %s step; the step replaces this folder when it runs again",
		 sub);
	int rc = ll_check_ours(final, OUT_MARKER, err);
	if (rc == LL_OK)
		rc = ll_mkdir_ours(p, OUT_MARKER, note, err);
	ll_free(final);
	if (rc != LL_OK) {
		ll_free(p);
		return rc;
	}
	c->s->wrote[c->k] = 1;
	if (!(c->partial = ll_strdup(p))) {
		ll_rmtree_ours(p, OUT_MARKER, NULL);
		ll_free(p);
		return ll_err_oom(err);
	}
	*dir = p;
	return LL_OK;
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

int ll_step_publish(ll_step_ctx *c, int ok, ll_err *err)
{
	if (!c->partial)
		return LL_OK;
	int rc = LL_OK;
	if (!ok) {
		/* the message names the folder as the user knows it */
		char part[64];
		snprintf(part, sizeof part, ".%s.partial", ll_step_name(c->k));
		char *at = err ? strstr(err->msg, part) : NULL;
		if (at) {
			size_t n = strlen(ll_step_name(c->k));
			memcpy(at, ll_step_name(c->k), n);
			memmove(at + n, at + strlen(part), strlen(at + strlen(part)) + 1);
		}
		/* the step's results of an earlier run go too: they are not
		 * this run's (as when a rerun emptied the folder first) */
		char *final = ll_path_join(c->outdir, ll_step_name(c->k));
		ll_rmtree_ours(c->partial, OUT_MARKER, NULL);
		if (final)
			ll_rmtree_ours(final, OUT_MARKER, NULL);
		ll_free(final);
	} else {
		const char *sub = ll_step_name(c->k);
		char old[64];
		snprintf(old, sizeof old, ".%s.old", sub);
		char *final = ll_path_join(c->outdir, sub), *o = ll_path_join(c->outdir, old);
		if (!final || !o) {
			rc = ll_err_oom(err);
		} else {
			/* the old folder steps aside, the new one takes its name,
			 * the old one goes: a crash in between leaves either a
			 * complete folder or none, never a mixture */
			rc = ll_rmtree_ours(o, OUT_MARKER, err);
			if (rc == LL_OK && ll_dir_is_ours(final, OUT_MARKER) && rename(final, o) != 0)
				rc = ll_err_set(err, LL_EIO, "%s: %s", final, strerror(errno));
			if (rc == LL_OK && rename(c->partial, final) != 0)
				rc = ll_err_set(err, LL_EIO, "%s: %s", final, strerror(errno));
			if (rc == LL_OK)
				rc = ll_rmtree_ours(o, OUT_MARKER, err);
		}
		if (rc != LL_OK)
			ll_rmtree_ours(c->partial, OUT_MARKER, NULL);
		ll_free(final);
		ll_free(o);
	}
	ll_free(c->partial);
	c->partial = NULL;
	return rc;
}
