/* [data] kind = nwb: the spike times of an NWB file's units table binned
 * into neurons x bins x trials by its trials table ([data] bin, align,
 * window; io/ll_nwb.h); the trials table's condition column, when it
 * holds whole numbers, labels the trials. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/ll_hdf5.h"
#include "io/ll_nwb.h"
#include "pipeline/ll_kind.h"

/* The trials table's condition column as per-trial labels, when it has
 * one of whole numbers (a string column, say, is left alone). */
static int *conditions(const char *path, size_t ntrials)
{
	static const char col[] = "/intervals/trials/condition";
	ll_tensor t;
	ll_err e;
	int *lab = NULL;

	if (!ll_hdf5_has(path, col) || ll_hdf5_read(path, col, NULL, &t, NULL, &e) != LL_OK)
		return NULL;
	if (t.nmodes == 1 && t.size == ntrials && (lab = ll_malloc_array(ntrials, sizeof *lab))) {
		for (size_t k = 0; k < ntrials && lab; k++) {
			double v = t.data[k];
			if (v != floor(v) || fabs(v) > 1e6) {
				ll_free(lab);
				lab = NULL;
			} else {
				lab[k] = (int)v;
			}
		}
	}
	ll_tensor_free(&t);
	return lab;
}

static int load(ll_step_ctx *c, const char *path, struct ll_res_data *d, int **labels, ll_err *err)
{
	const ll_session *s = c->s;
	const char *w = ll_session_get(s, LL_STEP_DATA, "window");
	ll_nwb_opts o = {
		.bin = ll_session_get_real(s, LL_STEP_DATA, "bin"),
		.align_stop = ll_session_get_enum(s, LL_STEP_DATA, "align") == 1,
		.window = 0.0,
	};
	ll_nwb_info in;
	int rc;

	if (*w && strcmp(w, "auto") != 0) {
		char *end;
		o.window = strtod(w, &end);
		if (end == w || *end || !(o.window > 0) || o.window > 1e9)
			return ll_err_set(err, LL_EINVAL, "[data] window = %s: expected auto or a number of seconds > 0", w);
	}
	if ((rc = ll_nwb_bin(path, &o, &d->X, &in, err)) != LL_OK)
		return rc;
	*labels = conditions(path, in.trials);
	ll_step_status(c, "%s: %zu neurons x %zu bins of %g s x %zu trials, %zu of %zu spikes in the windows%s",
		       ll_session_get(c->s, LL_STEP_DATA, "path"),
		       in.neurons, in.bins, o.bin, in.trials, in.counted, in.spikes,
		       *labels ? ", conditions from the trials table" : "");
	return LL_OK;
}

const ll_kind_def ll_kind_nwb = {
	.name = "nwb",
	.help = "NWB spike times (/units) binned by its trials (/intervals/trials): bin, align, window",
	.array = 1,
	.needs_path = 1,
	.load = load,
};
