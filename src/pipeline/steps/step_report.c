/* [report]: the literate report.  The core has no report code: the front
 * end sets s->report_fn, which this step calls with the finished session. */
#include "config.h"

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

const ll_step_def ll_step_report = {
	.name = "report",
	.summary = "write report.md, report.html and figures/ from the results",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.needs = LL_STEP_ALL, /* it reads every step's results */
	.run = run,
};
