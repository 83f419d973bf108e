/* [report]: the literate report.  The core has no report code: the front
 * end sets s->report_fn, which this step calls with the finished session. */
#include "config.h"

#include <unistd.h>

#include "base/ll_fs.h"
#include "pipeline/ll_step.h"

static const ll_param_def params[] = {
	P_STR("title", "", "report title (default: the session name)"),
};

static int run(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	if (!c->outdir)
		return ll_err_set(err, LL_EINVAL, "[report] needs an output directory");
	if (!s->report_fn)
		return ll_err_set(err, LL_ENOTSUP, "[report] no report writer in this program");
	return s->report_fn(s, c->outdir, s->report_ud, err);
}

/* Resuming: the report the run wrote from these same results is still
 * there (a run removes it before it changes anything: ll_record_begin). */
static int load(ll_step_ctx *c, ll_err *err)
{
	static const char *const files[] = {"report.md", "report.html"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *p = ll_path_join(c->outdir, files[i]);
		if (!p)
			return ll_err_oom(err);
		int there = access(p, R_OK) == 0;
		ll_free(p);
		if (!there)
			return ll_err_set(err, LL_EINVAL, "%s is not there", files[i]);
	}
	return LL_OK;
}

const ll_step_def ll_step_report = {
	.name = "report",
	.summary = "write report.md, report.html and figures/ from the results",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.needs = LL_STEP_ALL, /* it reads every step's results */
	.run = run,
	.load = load,
};
