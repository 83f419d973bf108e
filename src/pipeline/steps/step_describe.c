/* [describe] (test build): the mean of the analysis tensor along each mode,
 * missing entries skipped, into OUTDIR/describe/mean_<mode>.npy. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/ll_fs.h"
#include "pipeline/ll_step.h"
#include "pipeline/steps/step_describe.h"
#include "pipeline/steps/step_tensor.h"

static const ll_param_def params[] = {
	P_STR("note", "", "a note shown in the report (the step has nothing to tune)"),
};

static void drop(ll_session *s)
{
	struct ll_res_describe *r = s->res.describe;
	if (!r)
		return;
	for (int n = 0; n < LL_MAX_MODES; n++)
		ll_free(r->mean[n]);
	ll_free(r);
	s->res.describe = NULL;
}

static int run(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	const struct ll_res_tensor *x = s->res.tensor;
	if (!x || !x->X.data)
		return ll_err_set(err, LL_EINVAL, "[describe] has no tensor: run the tensor step first");
	const ll_tensor *X = &x->X;
	struct ll_res_describe *r = ll_calloc(1, sizeof *r);
	if (!r)
		return ll_err_oom(err);
	s->res.describe = r;
	r->nmodes = X->nmodes;
	for (int n = 0; n < X->nmodes; n++) {
		size_t inner = 1, dn = X->dim[n];
		for (int m = n + 1; m < X->nmodes; m++)
			inner *= X->dim[m];
		double *sum = ll_calloc_array(dn, sizeof(double)), *cnt = ll_calloc_array(dn, sizeof(double));
		if (!sum || !cnt) {
			ll_free(sum);
			ll_free(cnt);
			return ll_err_oom(err);
		}
		for (size_t i = 0; i < X->size; i++)
			if (!isnan(X->data[i])) {
				size_t j = i / inner % dn;
				sum[j] += X->data[i];
				cnt[j] += 1;
			}
		for (size_t j = 0; j < dn; j++)
			sum[j] = cnt[j] > 0 ? sum[j] / cnt[j] : NAN;
		ll_free(cnt);
		r->mean[n] = sum;
		r->dim[n] = dn;
	}
	ll_step_status(c, "means along each of %d modes", r->nmodes);
	if (!c->outdir)
		return LL_OK;
	char *dir;
	int rc = ll_step_outdir(c, &dir, err);
	for (int n = 0; n < r->nmodes && rc == LL_OK; n++) {
		char name[64];
		snprintf(name, sizeof name, "mean_%s.npy", x->modes[n].name);
		rc = ll_step_write_vec(dir, name, r->mean[n], 1, &r->dim[n], err);
	}
	ll_free(dir);
	return rc;
}

const ll_step_def ll_step_describe = {
	.name = "describe",
	.summary = "the mean of the tensor along each mode (test build)",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.needs = LL_STEP_BIT(LL_STEP_TENSOR),
	.run = run,
	.drop = drop,
	.outputs = "the mean along each mode",
};
