/* [data] kind = csv: long format (neuron,time,trial,value[,condition]) or a
 * plain matrix (see io/ll_csv.h). */
#include "config.h"

#include <string.h>

#include "io/ll_csv.h"
#include "pipeline/ll_kind.h"

static int load(ll_step_ctx *c, const char *path, struct ll_res_data *d, int **labels, ll_err *err)
{
	ll_csv_data cd;
	(void)c;
	int rc = ll_csv_read(path, NULL, &cd, err);
	if (rc != LL_OK) {
		ll_csv_data_free(&cd);
		return rc;
	}
	/* the session takes the arrays over */
	d->X = cd.X;
	memset(&cd.X, 0, sizeof cd.X);
	*labels = cd.labels;
	cd.labels = NULL;
	ll_csv_data_free(&cd);
	return LL_OK;
}

const ll_kind_def ll_kind_csv = {
	.name = "csv",
	.help = "CSV, long (neuron,time,trial,value[,condition]) or a matrix",
	.array = 1,
	.needs_path = 1,
	.load = load,
};
