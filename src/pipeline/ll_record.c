/*
 * ll_record.c - the run record that `latentlab run`/`demo` and the
 * workbench both write beside a session's results (see ll_record.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "pipeline/ll_record.h"

int ll_record_complete(const ll_session *s)
{
	ll_step_kind st[LL_NSTEPS];
	size_t n = ll_session_steps(s, st);
	for (size_t i = 0; i < n; i++)
		if (s->state[st[i]] != LL_STATE_DONE)
			return 0;
	return 1;
}

int ll_record_results(const ll_session *s, const char *outdir, const char *cmdline,
		      double seconds, int running, ll_err *err)
{
	ll_afile af;
	int rc = ll_afile_open_in(&af, outdir, "results.json", err);
	if (rc != LL_OK)
		return rc;
	ll_json j;
	ll_json_init(&j, af.fp, 1);
	ll_json_obj_begin(&j);
	ll_json_kv_str(&j, "tool", "latentlab " PACKAGE_VERSION);
	ll_json_kv_str(&j, "status", running ? "running" : ll_record_complete(s) ? "complete" : "incomplete");
	ll_json_kv_str(&j, "command", cmdline);
	ll_json_kv_str(&j, "session", s->path ? s->path : "(built-in demo)");
	ll_json_kv_num(&j, "seconds", seconds);
	ll_json_key(&j, "steps");
	ll_json_arr_begin(&j);
	ll_step_kind st[LL_NSTEPS];
	size_t n = ll_session_steps(s, st);
	for (size_t i = 0; i < n; i++) {
		ll_json_obj_begin(&j);
		ll_json_kv_str(&j, "step", ll_step_name(st[i]));
		ll_json_kv_str(&j, "state", ll_step_state_name(s->state[st[i]]));
		ll_json_kv_num(&j, "seconds", s->seconds[st[i]]);
		ll_json_kv_int(&j, "threads", s->threads[st[i]]);
		ll_json_kv_str(&j, "summary", s->status[st[i]]);
		ll_json_obj_end(&j);
	}
	ll_json_arr_end(&j);
	ll_json_obj_end(&j);
	return ll_afile_commit(&af, err);
}

/* The session's own text, comments and all, when it still says exactly
 * what will run: no edits or command-line overrides since it was read, and
 * no relative path that would break when replayed from OUTDIR.  *out is
 * that text (malloc'd) or NULL; the status is LL_ENOMEM when the
 * comparison itself ran out of memory (a fallback would hide it). */
static int original_text(const ll_session *s, char **out)
{
	*out = NULL;
	if (!s->text)
		return LL_OK;
	char *now = ll_session_format(s), *abs = ll_session_format_copy(s), *then = NULL;
	int rc = now && abs ? LL_OK : LL_ENOMEM;
	ll_session o;
	if (rc == LL_OK && !strcmp(now, abs)) {
		ll_err e = {0, ""};
		rc = ll_session_load_text(&o, s->text, "copy", &e);
		if (rc == LL_OK) {
			then = ll_session_format(&o);
			ll_session_free(&o);
			if (!then)
				rc = LL_ENOMEM;
			else if (!strcmp(then, now) && !(*out = ll_strdup(s->text)))
				rc = LL_ENOMEM;
		} else if (rc != LL_ENOMEM) {
			rc = LL_OK; /* the text no longer parses as it is: write the canonical form */
		}
	}
	ll_free(now);
	ll_free(abs);
	ll_free(then);
	return rc;
}

int ll_record_session_copy(ll_session *s, const char *outdir, ll_err *err)
{
	/* as the user wrote it if that still holds; else canonical, with
	 * paths made absolute so the copy replays from wherever it is */
	char *text;
	ll_afile af;
	int rc = original_text(s, &text);
	if (rc == LL_OK && !text && !(text = ll_session_format_copy(s)))
		rc = LL_ENOMEM;
	if (rc != LL_OK)
		return ll_err_oom(err);
	if ((rc = ll_mkdirs(outdir, err)) == LL_OK &&
	    (rc = ll_afile_open_in(&af, outdir, "session.lab", err)) == LL_OK) {
		fputs(text, af.fp);
		rc = ll_afile_commit(&af, err);
	}
	if (rc == LL_OK) {
		/* the report quotes s->text: the text saved beside it */
		ll_free(s->text);
		s->text = text;
	} else {
		ll_free(text);
	}
	return rc;
}

int ll_record_open(ll_outdir *o, const ll_session *s, const char *outdir, unsigned flags,
		   const char *cmdline, ll_err *err)
{
	/* every top-level name a session run writes */
	const char *names[LL_NSTEPS + 8];
	size_t n = 0;
	static const char *const files[] = {"session.lab", "results.json", "report.md", "report.html", "figures"};
	memset(o, 0, sizeof *o);
	o->lock_fd = -1;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		names[n++] = files[i];
	for (int k = 0; k < LL_NSTEPS; k++)
		if (ll_step_runs((ll_step_kind)k) && ll_step_outputs((ll_step_kind)k))
			names[n++] = ll_step_name((ll_step_kind)k);
	names[n] = NULL;
	if (s->path && ll_outdir_is_session_copy(outdir, s->path))
		return ll_err_set(err, LL_EEXIST, "%s is the session copy this run writes into %s: running it "
				  "there would overwrite it; copy it elsewhere or choose another output folder",
				  s->path, outdir);
	return ll_outdir_open(o, outdir, names, flags, cmdline, err);
}

int ll_record_begin(ll_outdir *o, const ll_session *s, const char *cmdline, double seconds, ll_err *err)
{
	/* a report and a "complete" record must not outlive the results they
	 * describe: both go before any result changes */
	static const char *const finished[] = {"report.md", "report.html", NULL};
	int rc = ll_record_results(s, o->path, cmdline, seconds, 1, err);
	if (rc == LL_OK)
		rc = ll_outdir_begin(o, finished, err);
	return rc;
}

int ll_record_end(ll_outdir *o, const ll_session *s, const char *cmdline, double seconds, ll_err *err)
{
	int rc = ll_record_results(s, o->path, cmdline, seconds, 0, err);
	if (rc == LL_OK)
		rc = ll_outdir_end(o, ll_record_complete(s), err);
	return rc;
}
