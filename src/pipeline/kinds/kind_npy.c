/* [data] kind = npy: an array file (.npy, .npz, IDX), read by content. */
#include "config.h"

#include "io/ll_npy.h"
#include "pipeline/ll_kind.h"

static int load(ll_step_ctx *c, const char *path, struct ll_res_data *d, int **labels, ll_err *err)
{
	(void)c;
	(void)labels;
	return ll_array_read(path, &d->X, NULL, err);
}

const ll_kind_def ll_kind_npy = {
	.name = "npy",
	.help = ".npy/.npz/IDX array (e.g. neurons x time x trials; NaN = missing)",
	.array = 1,
	.needs_path = 1,
	.load = load,
};
