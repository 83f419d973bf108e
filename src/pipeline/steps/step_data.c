/* [data]: read or make the data through its kind (kinds.def: MNIST image
 * sets, an array file, CSV, a simulated population), then, for arrays,
 * per-trial labels, a mask, and the names of the modes. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/ll_npy.h"
#include "pipeline/ll_kind.h"
#include "sim/ll_synth.h"
#include "pipeline/steps/step_data.h"

/* The kinds, in the order of kinds.def, and their names as the choices of
 * [data] kind (the same order, so the value's index picks the kind). */
static const ll_kind_def *const kinds[] = {
#define LL_KIND(name) &ll_kind_##name,
#include "pipeline/kinds.def"
#undef LL_KIND
};
static const char kind_choices[] = ""
#define LL_KIND(name) "|" #name
#include "pipeline/kinds.def"
#undef LL_KIND
	;

static const ll_param_def params[] = {
	P_ENUM("kind", "mnist", kind_choices + 1, "where the data comes from"),
	P_PATH("path", "", "MNIST IDX directory, or the .npy/.npz/.csv/.h5/.nwb file ('' = bundled)"),
	P_PATH("labels", "", "optional .npy of per-trial condition labels"),
	P_PATH("mask", "", "optional 0/1 .npy mask (1 = observed)"),
	P_STR("modes", "", "mode names, comma separated (default neuron,time,trial)"),
	P_INT("neurons", "50", 1, 100000, "synth: number of neurons"),
	P_INT("time", "60", 2, 100000, "synth: time bins per trial"),
	P_INT("trials", "80", 2, 100000, "synth: number of trials"),
	P_INT("conditions", "2", 2, 100000, "synth: trial conditions (labels 0..N-1, in turn)"),
	P_INT("rank", "3", 1, 16, "synth: planted latent factors"),
	P_ENUM("noise", "poisson", LL_ENUM_CHOICES(LL_SYNTH_NOISES), "synth: observation noise"),
	P_STR("dataset", "", "hdf5: the dataset's path in the file, e.g. /data"),
	P_STR("start", "", "hdf5: hyperslab start per dimension, e.g. 0,0,10 ('' = all)"),
	P_STR("count", "", "hdf5: hyperslab size per dimension, 0 = to the end ('' = all)"),
	P_REAL("bin", "0.02", 1e-6, 1e6, "nwb: bin width in seconds"),
	P_ENUM("align", "start_time", "start_time|stop_time", "nwb: windows start at start_time or end at stop_time"),
	P_STR("window", "auto", "nwb: seconds per trial window (auto = the shortest trial)"),
};

static void drop(ll_session *s)
{
	struct ll_res_data *d = s->res.data;
	if (!d)
		return;
	ll_tensor_free(&d->X);
	ll_tensor_free(&d->mask);
	ll_modes_free(d->modes, LL_MAX_MODES);
	ll_ktensor_free(&d->truth);
	ll_mnist_data_free(d->mnist);
	ll_free(d);
	s->res.data = NULL;
}

/* Per-trial labels from a file (a vector with one entry per index of the
 * last mode), into *out (malloc'd). */
static int read_labels(const ll_tensor *X, const char *path, int **out, ll_err *err)
{
	ll_tensor t;
	int rc = ll_array_read(path, &t, NULL, err);
	if (rc != LL_OK)
		return rc;
	size_t ntr = X->dim[X->nmodes - 1];
	if (t.size != ntr) {
		size_t got = t.size;
		ll_tensor_free(&t);
		return ll_err_set(err, LL_ESHAPE, "%s: %zu labels but the data has %zu trials (last mode)",
				  path, got, ntr);
	}
	int *lab = ll_malloc_array(ntr, sizeof(int));
	if (!lab) {
		ll_tensor_free(&t);
		return ll_err_oom(err);
	}
	for (size_t i = 0; i < ntr; i++) {
		double v = t.data[i];
		if (!isfinite(v) || v != floor(v) || fabs(v) > 1e6) {
			ll_tensor_free(&t);
			ll_free(lab);
			return ll_err_set(err, LL_EFORMAT, "%s: label %zu is %g, not an integer", path, i, v);
		}
		lab[i] = (int)v;
	}
	ll_tensor_free(&t);
	*out = lab;
	return LL_OK;
}

/* Mode names for array data: [data] modes, else neuron,time,trial. */
static int name_modes(const ll_session *s, struct ll_res_data *d, int *labels, ll_err *err)
{
	const char *names = ll_session_get(s, LL_STEP_DATA, "modes");
	static const char *const defaults3[] = {"neuron", "time", "trial"};
	int N = d->X.nmodes;

	if (*names) {
		char buf[256];
		snprintf(buf, sizeof buf, "%s", names);
		int n = 0;
		for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", "), n++)
			if (n < N)
				ll_step_set_mode(&d->modes[n], tok, LL_MODE_UNIT);
		if (n != N)
			return ll_err_set(err, LL_EINVAL, "[data] modes names %d modes but the data has %d", n, N);
	} else {
		for (int n = 0; n < N; n++) {
			char nm[16];
			snprintf(nm, sizeof nm, "mode%d", n);
			ll_step_set_mode(&d->modes[n], N == 3 ? defaults3[n] : nm, LL_MODE_UNIT);
		}
	}
	/* plot kinds by name; by position for the usual neuron x time x trial */
	for (int n = 0; n < N; n++) {
		const char *nm = d->modes[n].name;
		if (strstr(nm, "time") || strstr(nm, "snapshot") || strstr(nm, "bin"))
			d->modes[n].kind = LL_MODE_TIME;
		else if (strstr(nm, "trial") || strstr(nm, "model"))
			d->modes[n].kind = LL_MODE_TRIAL;
		else if (strstr(nm, "digit") || strstr(nm, "cond") || strstr(nm, "class"))
			d->modes[n].kind = LL_MODE_CLASS;
		else
			d->modes[n].kind = LL_MODE_UNIT;
	}
	d->modes[N - 1].labels = labels; /* taken over */
	return LL_OK;
}

/* The array kinds: [data] labels and mask, mode names, the summary. */
static int finish_array(ll_step_ctx *c, const char *path, struct ll_res_data *d, int **labels,
			ll_err *err)
{
	ll_session *s = c->s;
	char *lpath = ll_session_get_path(s, LL_STEP_DATA, "labels");
	char *mpath = ll_session_get_path(s, LL_STEP_DATA, "mask");
	int rc = lpath && mpath ? LL_OK : ll_err_oom(err);
	if (rc == LL_OK && *lpath) {
		ll_free(*labels);
		*labels = NULL;
		rc = read_labels(&d->X, lpath, labels, err);
	}
	if (rc == LL_OK && *mpath && (rc = ll_array_read(mpath, &d->mask, NULL, err)) == LL_OK &&
	    !ll_tensor_same_shape(&d->mask, &d->X)) {
		char a[64], b[64];
		rc = ll_err_set(err, LL_ESHAPE, "%s: mask shape %s does not match data %s", mpath,
				ll_tensor_shape_str(&d->mask, a, sizeof a), ll_tensor_shape_str(&d->X, b, sizeof b));
	}
	if (rc == LL_OK) {
		rc = name_modes(s, d, *labels, err);
		if (rc == LL_OK)
			*labels = NULL;
	}
	if (rc == LL_OK && !s->status[c->k][0]) {
		char sh[64];
		/* the path as the session file has it (the report quotes this) */
		ll_step_status(c, "%s: %s", ll_session_get(s, LL_STEP_DATA, "path"),
			       ll_tensor_shape_str(&d->X, sh, sizeof sh));
	}
	ll_free(lpath);
	ll_free(mpath);
	return rc;
}

static int run(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	const ll_kind_def *kind = kinds[ll_session_get_enum(s, LL_STEP_DATA, "kind")];
	struct ll_res_data *d = ll_calloc(1, sizeof *d);
	char *path = ll_session_get_path(s, LL_STEP_DATA, "path");
	int *labels = NULL, rc = LL_OK;

	s->started = (long long)time(NULL); /* the report's date */
	if (!d || !path) {
		ll_free(d);
		ll_free(path);
		return ll_err_oom(err);
	}
	s->res.data = d;
	if (kind->needs_path && !*path)
		rc = ll_err_set(err, LL_EINVAL, "[data] kind = %s needs path = FILE", kind->name);
	if (rc == LL_OK)
		rc = kind->load(c, path, d, &labels, err);
	if (rc == LL_OK && kind->array)
		rc = finish_array(c, path, d, &labels, err);
	ll_free(labels);
	ll_free(path);
	return rc;
}

/* path for MNIST and the kinds that read a file; labels, mask and modes
 * for arrays read from a file (synth makes its own) */
static int used(const ll_session *s, const char *key, char *why, size_t n)
{
	int file = 0, array = 0;
	const char *kind = ll_session_get(s, LL_STEP_DATA, "kind");
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(kinds[i]->name, kind)) {
			file = kinds[i]->needs_path;
			array = kinds[i]->array && kinds[i]->needs_path;
		}
	int ok = !strcmp(key, "path") ? file || !strcmp(kind, "mnist")
		 : !strcmp(key, "labels") || !strcmp(key, "mask") || !strcmp(key, "modes") ? array
		 : 1;
	if (!ok)
		snprintf(why, n, "kind = %s", kind);
	return ok;
}

/* Resuming: the results are computed again in memory, OUTDIR left as the
 * run wrote it (reading the inputs again costs what reading the results
 * back would). */
static int load(ll_step_ctx *c, ll_err *err)
{
	ll_step_ctx m = *c;
	m.outdir = NULL;
	return run(&m, err);
}

const ll_step_def ll_step_data = {
	.name = "data",
	.summary = "read or simulate the data",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.always = 1,
	.run = run,
	.drop = drop,
	.load = load,
	.outputs = "the simulated data and planted factors",
	.used = used,
};
