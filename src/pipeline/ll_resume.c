/*
 * ll_resume.c - reopening a session on the OUTDIR a run of it wrote (see
 * ll_resume.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_fs.h"
#include "base/ll_threads.h"
#include "pipeline/ll_resume.h"
#include "pipeline/ll_step.h"

/* What results.json says of one step. */
typedef struct rec_step {
	int done;
	double seconds;
	int threads;
	char summary[160];
} rec_step;

/* The JSON string at p (after its opening quote) into out, unescaped
 * (ll_json_escape's escapes).  The text is a file's: a \u without four
 * hex digits (a cut file) is never read past, and control characters
 * become '?', as the summary is shown on one line. */
static void json_str(const char *p, char *out, size_t n)
{
	size_t k = 0;
	for (; *p && *p != '"'; p++) {
		char ch = *p;
		if (ch == '\\' && p[1]) {
			p++;
			switch (*p) {
			case 'n': ch = '\n'; break;
			case 'r': ch = '\r'; break;
			case 't': ch = '\t'; break;
			case 'u':
				if (isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]) &&
				    isxdigit((unsigned char)p[3]) && isxdigit((unsigned char)p[4])) {
					long cp = strtol((char[]){p[1], p[2], p[3], p[4], 0}, NULL, 16);
					ch = cp < 0x80 ? (char)cp : '?';
					p += 4;
				} else {
					ch = '?';
				}
				break;
			default: ch = *p; break;
			}
		}
		if ((unsigned char)ch < 0x20 || ch == 0x7f)
			ch = '?';
		if (k + 1 < n)
			out[k++] = ch;
	}
	out[k] = '\0';
}

/* The value of "key" in the object text [p, end), as text after the
 * colon and blanks, or NULL. */
static const char *field(const char *p, const char *end, const char *key)
{
	char pat[48];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *f = strstr(p, pat);
	if (!f || f >= end)
		return NULL;
	f += strlen(pat);
	while (*f == ' ')
		f++;
	return f;
}

/* results.json's steps (ll_record_results writes one object per step:
 * step, state, seconds, threads, summary). */
static void read_record(const char *text, rec_step *rec)
{
	const char *steps = strstr(text, "\"steps\":");
	for (const char *p = steps; p && (p = strstr(p, "\"step\":")) != NULL;) {
		const char *end = strchr(p, '}');
		if (!end)
			break;
		char name[64], state[32];
		const char *v = field(p, end, "step");
		json_str(v && *v == '"' ? v + 1 : "", name, sizeof name);
		int k = ll_step_by_name(name);
		if (k >= 0) {
			v = field(p, end, "state");
			json_str(v && *v == '"' ? v + 1 : "", state, sizeof state);
			rec[k].done = !strcmp(state, "done");
			v = field(p, end, "seconds");
			rec[k].seconds = v ? strtod(v, NULL) : 0.0;
			v = field(p, end, "threads");
			rec[k].threads = v ? (int)strtol(v, NULL, 10) : 0;
			v = field(p, end, "summary");
			json_str(v && *v == '"' ? v + 1 : "", rec[k].summary, sizeof rec[k].summary);
		}
		p = end;
	}
}

/* Does parameter i of step k have the same value in a and b?  Paths as
 * they resolve (b's relative paths are relative to b's file). */
static int same_param(const ll_session *a, const ll_session *b, ll_step_kind k, const ll_param_def *d, int *oom)
{
	if (d->type != LL_PARAM_PATH)
		return !strcmp(ll_session_get(a, k, d->key), ll_session_get(b, k, d->key));
	char *pa = ll_session_get_path(a, k, d->key), *pb = ll_session_get_path(b, k, d->key);
	char *ra = pa && *pa ? ll_path_rel(pa, "/") : NULL, *rb = pb && *pb ? ll_path_rel(pb, "/") : NULL;
	int same;
	if (!pa || !pb)
		same = 0, *oom = 1;
	else if (!*pa || !*pb)
		same = !*pa && !*pb;
	else if (!ra || !rb)
		same = 0, *oom = 1;
	else
		same = !strcmp(ra, rb);
	ll_free(pa);
	ll_free(pb);
	ll_free(ra);
	ll_free(rb);
	return same;
}

/* The parameters step k's results depend on are the same in s and then:
 * its own, and the [session] keys that make it stale. */
static int same_params(const ll_session *s, const ll_session *then, ll_step_kind k, int *oom)
{
	size_t n;
	const ll_param_def *d = ll_step_params(k, &n);
	for (size_t i = 0; i < n; i++)
		if (!same_param(s, then, k, &d[i], oom))
			return 0;
	d = ll_step_params(LL_STEP_SESSION, &n);
	for (size_t i = 0; i < n; i++)
		if ((ll_session_stale(LL_STEP_SESSION, d[i].key) & LL_STEP_BIT(k)) &&
		    !same_param(s, then, LL_STEP_SESSION, &d[i], oom))
			return 0;
	return 1;
}

int ll_session_resume(ll_session *s, const char *outdir, unsigned *done, ll_err *err)
{
	*done = 0;
	char *lab = ll_path_join(outdir, "session.lab"), *res = ll_path_join(outdir, "results.json");
	char *text = NULL;
	size_t len;
	ll_session then;
	int have = 0, oom = !lab || !res;
	rec_step rec[LL_NSTEPS];
	memset(rec, 0, sizeof rec);
	int rrc = oom ? LL_ENOMEM : ll_read_file(res, 16u << 20, &text, &len, NULL);
	if (rrc == LL_ENOMEM)
		oom = 1;
	if (rrc == LL_OK) {
		ll_err e = {0, ""};
		read_record(text, rec);
		/* a session file that no longer parses (an older latentlab's, say)
		 * resumes nothing */
		int lrc = ll_session_load(&then, lab, &e);
		have = lrc == LL_OK;
		if (lrc == LL_ENOMEM)
			oom = 1;
	}
	unsigned ok = 0;
	char names[200] = "";
	for (int k = 0; k < LL_NSTEPS && have && !oom; k++) {
		const ll_step_def *d = ll_step_def_of((ll_step_kind)k);
		if (!d->run || s->state[k] == LL_STATE_ABSENT || then.state[k] == LL_STATE_ABSENT || !rec[k].done)
			continue;
		unsigned needs = ll_step_needs(s, (ll_step_kind)k);
		if ((needs & ok) != needs)
			continue; /* a step it needs runs again, so does it */
		if (!same_params(s, &then, (ll_step_kind)k, &oom)) {
			ll_session_log(s, "resume: %s: its parameters are not those of the run in %s: it runs again",
				       d->name, outdir);
			continue;
		}
		if (!d->load) {
			ll_session_log(s, "resume: %s: its results cannot be read back: it runs again", d->name);
			continue;
		}
		ll_step_ctx c = {.s = s, .k = (ll_step_kind)k, .outdir = outdir, .progress = NULL, .ud = NULL, .reuse = 0};
		ll_err e = {0, ""};
		double t0 = ll_now();
		int rc = d->load(&c, &e);
		int src = ll_step_stage_end(&c, rc == LL_OK, &e); /* a load that wrote */
		if (rc == LL_OK)
			rc = src;
		if (rc != LL_OK) {
			if (d->drop)
				d->drop(s);
			s->status[k][0] = '\0';
			if (rc == LL_ENOMEM)
				oom = 1;
			/* a warning: `latentlab run --resume` prints it without -v */
			ll_session_log(s, "resume: %s: warning: %s: it runs again", d->name, e.msg);
			continue;
		}
		/* the record of the run, with the time it took then */
		s->state[k] = LL_STATE_DONE;
		s->seconds[k] = rec[k].seconds;
		s->threads[k] = rec[k].threads;
		if (rec[k].summary[0])
			snprintf(s->status[k], sizeof s->status[k], "%s", rec[k].summary);
		/* its folder holds the step's marker (ll_step_outdir's) */
		char marker[4096];
		s->wrote[k] = (size_t)snprintf(marker, sizeof marker, "%s/%s/.latentlab-step", outdir, d->name) <
				      sizeof marker &&
			      access(marker, F_OK) == 0;
		ok |= LL_STEP_BIT(k);
		size_t l = strlen(names);
		snprintf(names + l, sizeof names - l, "%s%s", l ? ", " : "", d->name);
		ll_session_log(s, "resume: %s: read back from %s in %.2f s", d->name, outdir, ll_now() - t0);
	}
	if (names[0])
		ll_session_log(s, "resumed from %s: %s (their parameters are those of that run)", outdir, names);
	if (have)
		ll_session_free(&then);
	ll_free(text);
	ll_free(lab);
	ll_free(res);
	*done = ok;
	return oom ? ll_err_oom(err) : LL_OK;
}
