/* [report]: the report is written by the front end's report_fn (the core
 * has no report code). */
#include "config.h"

#include "pipeline/ll_step.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const ll_param_def ll_step_report_params[LL_STEP_report_NPARAMS] = {
	P_STR("title", "", "report title (default: the session name)"),
};

int ll_step_report(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud,
		       ll_err *err)
{
	(void)progress;
	(void)ud;
	if (!outdir)
		return ll_err_set(err, LL_EINVAL, "[report] needs an output directory");
	if (!s->report_fn)
		return ll_err_set(err, LL_ENOTSUP, "[report] no report writer in this program");
	return s->report_fn(s, outdir, s->report_ud, err);
}

