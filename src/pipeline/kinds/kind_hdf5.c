/* [data] kind = hdf5: one numeric dataset of an HDF5 file ([data] dataset),
 * or a hyperslab of it ([data] start, count) for files larger than memory. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/ll_hdf5.h"
#include "pipeline/ll_kind.h"

/* "[data] KEY = 0, 10, 5": up to LL_MAX_MODES whole numbers into v; the
 * count into *n (0 for ""). */
static int parse_list(const char *key, const char *text, size_t *v, int *n, ll_err *err)
{
	const char *p = text;
	*n = 0;
	while (*p) {
		char *end;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p < '0' || *p > '9')
			return ll_err_set(err, LL_EINVAL, "[data] %s = %s: expected whole numbers, comma separated", key,
					  text);
		errno = 0;
		unsigned long long x = strtoull(p, &end, 10);
		if (errno || (*end && *end != ',' && *end != ' ' && *end != '\t'))
			return ll_err_set(err, LL_EINVAL, "[data] %s = %s: expected whole numbers, comma separated", key,
					  text);
		if (*n == LL_MAX_MODES)
			return ll_err_set(err, LL_EINVAL, "[data] %s = %s: more than %d numbers", key, text, LL_MAX_MODES);
		v[(*n)++] = (size_t)x;
		p = end;
	}
	return LL_OK;
}

static int load(ll_step_ctx *c, const char *path, struct ll_res_data *d, int **labels, ll_err *err)
{
	const ll_session *s = c->s;
	const char *ds = ll_session_get(s, LL_STEP_DATA, "dataset");
	const char *st = ll_session_get(s, LL_STEP_DATA, "start");
	const char *ct = ll_session_get(s, LL_STEP_DATA, "count");
	ll_hdf5_sel sel = {.n = 0};
	int ns = 0, nc = 0, rc;
	size_t sv[LL_MAX_MODES], cv[LL_MAX_MODES];

	(void)labels;
	if (!*ds)
		return ll_err_set(err, LL_EINVAL, "[data] kind = hdf5 needs dataset = /path/in/file");
	if ((rc = parse_list("start", st, sv, &ns, err)) != LL_OK ||
	    (rc = parse_list("count", ct, cv, &nc, err)) != LL_OK)
		return rc;
	if (ns && nc && ns != nc)
		return ll_err_set(err, LL_EINVAL, "[data] start has %d numbers but count has %d", ns, nc);
	sel.n = ns ? ns : nc;
	for (int k = 0; k < sel.n; k++) {
		sel.start[k] = ns ? sv[k] : 0;
		sel.count[k] = nc ? cv[k] : 0;
	}
	if ((rc = ll_hdf5_read(path, ds, &sel, &d->X, NULL, err)) != LL_OK)
		return rc;
	if (d->X.nmodes < 2) {
		ll_tensor_free(&d->X);
		return ll_err_set(err, LL_ESHAPE, "%s: %s is a vector; the data needs at least 2 dimensions", path, ds);
	}
	return LL_OK;
}

const ll_kind_def ll_kind_hdf5 = {
	.name = "hdf5",
	.help = "an HDF5 dataset (dataset = /path; start, count: a hyperslab); any numeric dtype",
	.array = 1,
	.needs_path = 1,
	.load = load,
};
