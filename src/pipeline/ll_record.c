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

int ll_record_results(const ll_session *s, const char *outdir, const char *cmdline,
		      double seconds, ll_err *err)
{
	ll_afile af;
	int rc = ll_afile_open_in(&af, outdir, "results.json", err);
	if (rc != LL_OK)
		return rc;
	ll_json j;
	ll_json_init(&j, af.fp, 1);
	ll_json_obj_begin(&j);
	ll_json_kv_str(&j, "tool", "latentlab " PACKAGE_VERSION);
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
		ll_json_kv_str(&j, "summary", s->status[st[i]]);
		ll_json_obj_end(&j);
	}
	ll_json_arr_end(&j);
	ll_json_obj_end(&j);
	return ll_afile_commit(&af, err);
}

/* The session's own text, comments and all, when it still says exactly
 * what will run: no edits or command-line overrides since it was read, and
 * no relative path that would break when replayed from OUTDIR.  Else NULL. */
static char *original_text(const ll_session *s)
{
	if (!s->text)
		return NULL;
	char *now = ll_session_format(s), *abs = ll_session_format_copy(s), *then = NULL, *out = NULL;
	ll_session o;
	if (now && abs && !strcmp(now, abs) && ll_session_load_text(&o, s->text, "copy", NULL) == LL_OK) {
		then = ll_session_format(&o);
		ll_session_free(&o);
		if (then && !strcmp(then, now))
			out = ll_strdup(s->text);
	}
	ll_free(now);
	ll_free(abs);
	ll_free(then);
	return out;
}

int ll_record_session_copy(ll_session *s, const char *outdir, ll_err *err)
{
	/* as the user wrote it if that still holds; else canonical, with
	 * paths made absolute so the copy replays from wherever it is */
	char *text = original_text(s);
	if (!text)
		text = ll_session_format_copy(s);
	ll_afile af;
	int rc;
	if (!text)
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
