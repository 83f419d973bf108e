/* What a CP factor loads on (see ll_loads.h). */
#include "config.h"

#include "tensor/ll_loads.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_alloc.h"

static double val(const double *U, size_t rank, size_t i, size_t c)
{
	double v = U[i * rank + c];
	return isfinite(v) ? v : 0.0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int ll_loads_factor(const double *U, size_t dim, size_t rank, size_t c, const int *labels, size_t top,
		    ll_loads *out, ll_err *err)
{
	memset(out, 0, sizeof *out);
	if (c >= rank || top == 0)
		return ll_err_set(err, LL_EINVAL, "loads: component %zu of rank %zu, top %zu", c, rank, top);
	if (top > LL_LOADS_TOP)
		top = LL_LOADS_TOP;
	if (dim == 0)
		return LL_OK;
	/* items: entries, or distinct labels with their mean value */
	long *item = ll_malloc_array(dim, sizeof *item);
	double *v = ll_malloc_array(dim, sizeof *v);
	int *d = labels ? ll_malloc_array(dim, sizeof *d) : NULL;
	if (!item || !v || (labels && !d)) {
		ll_free(item);
		ll_free(v);
		ll_free(d);
		return ll_err_oom(err);
	}
	size_t n = 0;
	if (labels) {
		memcpy(d, labels, dim * sizeof *d);
		qsort(d, dim, sizeof *d, cmp_int);
		for (size_t i = 0; i < dim; i++)
			if (i == 0 || d[i] != d[n - 1])
				d[n++] = d[i];
		for (size_t j = 0; j < n; j++) {
			double sum = 0;
			size_t cnt = 0;
			for (size_t i = 0; i < dim; i++)
				if (labels[i] == d[j]) {
					sum += val(U, rank, i, c);
					cnt++;
				}
			item[j] = d[j];
			v[j] = cnt ? sum / (double)cnt : 0.0;
		}
	} else {
		for (size_t i = 0; i < dim; i++) {
			item[i] = (long)i;
			v[i] = val(U, rank, i, c);
		}
		n = dim;
	}
	out->nitems = n;
	for (size_t i = 1; i < dim; i++)
		if (fabs(val(U, rank, i, c)) > fabs(val(U, rank, out->peak, c)))
			out->peak = i;
	double amax = 0, lo = INFINITY, hi = -INFINITY;
	for (size_t j = 0; j < n; j++) {
		amax = fmax(amax, fabs(v[j]));
		lo = fmin(lo, v[j]);
		hi = fmax(hi, v[j]);
	}
	if (amax > 0) {
		out->flat = n > 1 && hi - lo < LL_LOADS_FLAT * amax;
		/* the top items by |value|: a partial selection, largest first */
		for (size_t k = 0; k < top && k < n; k++) {
			size_t b = k;
			for (size_t j = k + 1; j < n; j++)
				if (fabs(v[j]) > fabs(v[b]) || (fabs(v[j]) == fabs(v[b]) && item[j] < item[b]))
					b = j;
			double tv = v[b];
			long ti = item[b];
			v[b] = v[k];
			item[b] = item[k];
			v[k] = tv;
			item[k] = ti;
			if (k > 0 && fabs(tv) < LL_LOADS_KEEP * amax)
				break;
			out->item[k] = ti;
			out->value[k] = tv;
			out->n = k + 1;
		}
	}
	ll_free(item);
	ll_free(v);
	ll_free(d);
	return LL_OK;
}

int ll_loads_decimals(const double *w, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(w[i]))
			m = fmax(m, fabs(w[i]));
	if (!(m > 0))
		return 1;
	int d = 3 - (int)floor(log10(m));
	return d < 0 ? 0 : d > 6 ? 6 : d;
}
