/* [data] kind = mnist: MNIST-style IDX image sets (the bundled subset, the
 * full MNIST or Fashion-MNIST), for the train step. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "io/ll_mnist.h"
#include "pipeline/ll_kind.h"

void ll_mnist_data_free(ll_mnist_data *md)
{
	if (!md)
		return;
	ll_mnist_free(&md->train);
	ll_mnist_free(&md->test);
	ll_mnist_free(&md->probe);
	ll_free(md);
}

static int load(ll_step_ctx *c, const char *path, struct ll_res_data *d, int **labels, ll_err *err)
{
	ll_session *s = c->s;
	ll_mnist_data *md = ll_calloc(1, sizeof *md);
	int rc;

	(void)labels;
	if (!md)
		return ll_err_oom(err);
	snprintf(md->dir, sizeof md->dir, "%s", *path ? path : ll_bundled_data_dir());
	/* a cancel (the workbench's Esc or q) is heard between the files */
	if ((rc = ll_mnist_load(&md->train, md->dir, "train", err)) != LL_OK ||
	    (ll_session_canceled(s) && (rc = ll_err_set(err, LL_ECANCELED, "canceled"))) ||
	    (rc = ll_mnist_load(&md->test, md->dir, "test", err)) != LL_OK) {
		ll_mnist_data_free(md);
		return rc;
	}
	long n = ll_session_get_int(s, LL_STEP_TRAIN, "train_images");
	if (n > 0 && (size_t)n < md->train.n) {
		ll_mnist sub;
		if ((rc = ll_mnist_subset(&sub, &md->train, 0, (size_t)n, err)) != LL_OK) {
			ll_mnist_data_free(md);
			return rc;
		}
		ll_mnist_free(&md->train);
		md->train = sub;
	}
	d->mnist = md;
	/* the path as the session file has it: the resolved one may name
	 * this machine's folders, and the summary goes into the report */
	const char *typed = ll_session_get(s, LL_STEP_DATA, "path");
	ll_step_status(c, "MNIST %zu train + %zu test images of %zux%zu from %s", md->train.n, md->test.n,
		       md->train.rows, md->train.cols, *typed ? typed : "the bundled subset");
	return LL_OK;
}

const ll_kind_def ll_kind_mnist = {
	.name = "mnist",
	.help = "MNIST IDX directory (.gz or not); '' = the bundled subset",
	.load = load,
};
