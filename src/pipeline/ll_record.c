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
