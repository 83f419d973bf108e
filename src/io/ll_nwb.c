/* NWB spike times binned into neurons x bins x trials (see ll_nwb.h). */
#include "config.h"

#include "io/ll_nwb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_alloc.h"
#include "base/ll_limits.h"
#include "io/ll_hdf5.h"

#define UNITS_TIMES "/units/spike_times"
#define UNITS_INDEX "/units/spike_times_index"
#define TRIALS_START "/intervals/trials/start_time"
#define TRIALS_STOP "/intervals/trials/stop_time"

/* a trial's window start, for sorting the trials by it */
typedef struct win {
	double t0;
	size_t k;
} win;

static int by_t0(const void *a, const void *b)
{
	double x = ((const win *)a)->t0, y = ((const win *)b)->t0;
	return (x > y) - (x < y);
}

int ll_nwb_bin_arrays(const char *name, const double *spike_times, size_t nspikes, const double *index,
		      size_t nunits, const double *start, const double *stop, size_t ntrials,
		      const ll_nwb_opts *o, ll_tensor *X, ll_nwb_info *info, ll_err *err)
{
	double shortest = INFINITY, span;
	size_t nb, counted = 0;
	win *order = NULL;
	int rc;

	memset(X, 0, sizeof *X);
	if (!(o->bin > 0) || !isfinite(o->bin))
		return ll_err_set(err, LL_EINVAL, "%s: bin must be a positive number of seconds", name);
	if (nunits == 0)
		return ll_err_set(err, LL_EFORMAT, "%s: %s is empty: no units", name, UNITS_INDEX);
	if (ntrials == 0)
		return ll_err_set(err, LL_EFORMAT, "%s: the trials table is empty", name);
	/* the ragged-array index: whole, non-decreasing, ending at the last spike */
	for (size_t n = 0; n < nunits; n++) {
		double v = index[n], prev = n ? index[n - 1] : 0.0;
		if (!isfinite(v) || v < 0 || v != floor(v))
			return ll_err_set(err, LL_EFORMAT, "%s: %s entry %zu is %g, not a spike count", name,
					  UNITS_INDEX, n, v);
		if (v < prev)
			return ll_err_set(err, LL_EFORMAT, "%s: %s is not non-decreasing (entry %zu: %.0f after %.0f)",
					  name, UNITS_INDEX, n, v, prev);
		if (v > (double)nspikes)
			return ll_err_set(err, LL_EFORMAT,
					  "%s: %s entry %zu is %.0f, past the end of %s (%zu spikes)", name,
					  UNITS_INDEX, n, v, UNITS_TIMES, nspikes);
	}
	if (index[nunits - 1] != (double)nspikes)
		return ll_err_set(err, LL_EFORMAT, "%s: %s ends at %.0f but %s holds %zu spikes", name, UNITS_INDEX,
				  index[nunits - 1], UNITS_TIMES, nspikes);
	for (size_t k = 0; k < ntrials; k++) {
		if (!isfinite(start[k]) || !isfinite(stop[k]) || stop[k] < start[k])
			return ll_err_set(err, LL_EFORMAT, "%s: trial %zu runs from %g to %g s, not an interval", name,
					  k, start[k], stop[k]);
		if (stop[k] - start[k] < shortest)
			shortest = stop[k] - start[k];
	}
	double w = o->window > 0 ? o->window : shortest;
	/* whole bins; the epsilon keeps 1.0 / 0.02 at 50, not 49 */
	double nbd = floor(w / o->bin + 1e-9);
	if (nbd < 1)
		return ll_err_set(err, LL_EINVAL, "%s: the window (%g s%s) is shorter than one bin (%g s)", name, w,
				  o->window > 0 ? "" : ", the shortest trial", o->bin);
	if (nbd > 1e9)
		return ll_err_set(err, LL_EINVAL, "%s: the window (%g s) holds more than 1e9 bins of %g s", name, w,
				  o->bin);
	nb = (size_t)nbd;
	span = nbd * o->bin;
	{
		size_t limit = ll_input_limit(), cells = nunits;
		int over = 0;
		if (cells > ((size_t)-1 / 8) / nb)
			over = 1;
		else
			cells *= nb;
		if (!over && cells > ((size_t)-1 / 8) / ntrials)
			over = 1;
		else
			cells *= ntrials;
		if (over || cells * 8 > limit) {
			char by[32];
			ll_bytes_text(over ? 1e30 : (double)cells * 8.0, by, sizeof by);
			return ll_err_limit(err, limit, "%s: the binned spikes are %zu x %zu x %zu float64 = %s decoded",
					    name, nunits, nb, ntrials, by);
		}
	}
	size_t dim[3] = {nunits, nb, ntrials};
	if ((rc = ll_tensor_init(X, 3, dim, err)) != LL_OK)
		return rc;
	order = ll_malloc_array(ntrials, sizeof *order);
	if (!order) {
		rc = ll_err_oom(err);
		goto out;
	}
	for (size_t k = 0; k < ntrials; k++) {
		order[k].t0 = o->align_stop ? stop[k] - span : start[k];
		order[k].k = k;
	}
	qsort(order, ntrials, sizeof *order, by_t0);
	memset(X->data, 0, X->size * sizeof *X->data);
	for (size_t n = 0; n < nunits; n++) {
		size_t lo = n ? (size_t)index[n - 1] : 0, hi = (size_t)index[n];
		double *row = X->data + n * nb * ntrials;
		for (size_t i = lo; i < hi; i++) {
			double t = spike_times[i];
			if (!isfinite(t))
				continue;
			/* the windows holding t start in (t - span, t] */
			size_t a = 0, b = ntrials;
			while (a < b) {
				size_t m = a + (b - a) / 2;
				if (order[m].t0 > t - span)
					b = m;
				else
					a = m + 1;
			}
			for (size_t j = a; j < ntrials && order[j].t0 <= t; j++) {
				size_t k = order[j].k;
				size_t bin = (size_t)((t - order[j].t0) / o->bin);
				if (bin >= nb) /* rounding at the window's end */
					continue;
				row[bin * ntrials + k] += 1.0;
				counted++;
			}
		}
	}
	if (info) {
		info->neurons = nunits;
		info->trials = ntrials;
		info->bins = nb;
		info->spikes = nspikes;
		info->counted = counted;
		info->window = span;
	}
	rc = LL_OK;
out:
	ll_free(order);
	if (rc != LL_OK)
		ll_tensor_free(X);
	return rc;
}

/* A vector dataset of the file. */
static int read_vector(const char *path, const char *ds, ll_tensor *t, ll_err *err)
{
	ll_array_info in;
	int rc = ll_hdf5_read(path, ds, NULL, t, &in, err);
	if (rc != LL_OK)
		return rc;
	if (in.ndim != 1) {
		ll_tensor_free(t);
		return ll_err_set(err, LL_ESHAPE, "%s: %s has %d dimensions, expected a vector (1)", path, ds, in.ndim);
	}
	return LL_OK;
}

int ll_nwb_bin(const char *path, const ll_nwb_opts *o, ll_tensor *X, ll_nwb_info *info, ll_err *err)
{
	ll_tensor st, ix, t0, t1;
	int rc;

	memset(X, 0, sizeof *X);
	memset(&st, 0, sizeof st);
	memset(&ix, 0, sizeof ix);
	memset(&t0, 0, sizeof t0);
	memset(&t1, 0, sizeof t1);
	/* the file's own problems first (missing, not HDF5, no HDF5 here) */
	if ((rc = ll_hdf5_check(path, err)) != LL_OK)
		return rc;
	if (!ll_hdf5_has(path, UNITS_TIMES))
		return ll_err_set(err, LL_EFORMAT, "%s: no units table with spike times (%s)", path, UNITS_TIMES);
	if (!ll_hdf5_has(path, UNITS_INDEX))
		return ll_err_set(err, LL_EFORMAT, "%s: no %s (the units' ends in %s)", path, UNITS_INDEX, UNITS_TIMES);
	if (!ll_hdf5_has(path, TRIALS_START) || !ll_hdf5_has(path, TRIALS_STOP))
		return ll_err_set(err, LL_EFORMAT, "%s: no trials table (%s and stop_time)", path, TRIALS_START);
	if ((rc = read_vector(path, UNITS_TIMES, &st, err)) == LL_OK &&
	    (rc = read_vector(path, UNITS_INDEX, &ix, err)) == LL_OK &&
	    (rc = read_vector(path, TRIALS_START, &t0, err)) == LL_OK &&
	    (rc = read_vector(path, TRIALS_STOP, &t1, err)) == LL_OK) {
		if (t0.size != t1.size)
			rc = ll_err_set(err, LL_ESHAPE, "%s: the trials table has %zu start_time but %zu stop_time entries",
					path, t0.size, t1.size);
		else
			rc = ll_nwb_bin_arrays(path, st.data, st.size, ix.data, ix.size, t0.data, t1.data, t0.size, o,
					       X, info, err);
	}
	ll_tensor_free(&st);
	ll_tensor_free(&ix);
	ll_tensor_free(&t0);
	ll_tensor_free(&t1);
	return rc;
}
