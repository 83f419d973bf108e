/* Section "Describe" (test build): the mean of the tensor along each mode.
 * In the report when the session has a describe step. */
#include "ll_doc.h"

#include <math.h>
#include <stdio.h>

#include "pipeline/steps/step_describe.h"
#include "pipeline/steps/step_tensor.h"

static int present(const ll_session *s)
{
	return s->state[LL_STEP_DESCRIBE] != LL_STATE_ABSENT;
}

static void write_describe(doc *d)
{
	ll_session *s = d->s;
	if (doc_not_run(d, LL_STEP_DESCRIBE))
		return;
	const struct ll_res_describe *r = s->res.describe;
	doc_put(d, "The mean of the analysis tensor along each mode, over every other mode (missing "
		   "entries skipped): the smallest and largest of these means, and where the largest is.\n\n");
	doc_tbl_begin(d, "Means along each mode");
	doc_tbl_head(d, "mode|#size|#lowest mean|#highest mean|#at index");
	for (int n = 0; n < r->nmodes; n++) {
		double lo = INFINITY, hi = -INFINITY;
		size_t at = 0;
		for (size_t j = 0; j < r->dim[n]; j++) {
			lo = fmin(lo, r->mean[n][j]);
			if (r->mean[n][j] > hi) {
				hi = r->mean[n][j];
				at = j;
			}
		}
		doc_tr_begin(d, 0);
		doc_td(d, s->res.tensor->modes[n].name);
		doc_td_size(d, r->dim[n]);
		doc_td_num(d, lo, "%.4g");
		doc_td_num(d, hi, "%.4g");
		doc_td_size(d, at);
		doc_tr_end(d);
	}
	doc_tbl_end(d);
}

const ll_section ll_section_describe = {
	.id = "describe",
	.title = "Describe",
	.present = present,
	.write = write_describe,
};
