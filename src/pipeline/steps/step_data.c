/* [data]: read or make the data (MNIST image sets, an array file, CSV, a
 * simulated population) and name its modes. */
#include "config.h"

#include "pipeline/ll_step.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_fs.h"
#include "io/ll_csv.h"
#include "io/ll_mnist.h"
#include "io/ll_npy.h"
#include "sim/ll_synth.h"

static int data_synth(ll_session *s, const char *outdir, ll_err *err);
static int data_csv(ll_session *s, const char *path, ll_err *err);

const ll_param_def ll_step_data_params[LL_STEP_data_NPARAMS] = {
	P_ENUM("kind", "mnist", "mnist|npy|synth|csv", "where the data comes from"),
	P_PATH("path", "", "MNIST IDX directory, or the .npy/.npz/.csv file ('' = bundled)"),
	P_PATH("labels", "", "optional .npy of per-trial condition labels"),
	P_PATH("mask", "", "optional 0/1 .npy mask (1 = observed)"),
	P_STR("modes", "", "mode names, comma separated (default neuron,time,trial)"),
	P_INT("neurons", "50", 1, 100000, "synth: number of neurons"),
	P_INT("time", "60", 2, 100000, "synth: time bins per trial"),
	P_INT("trials", "80", 2, 100000, "synth: number of trials"),
	P_INT("rank", "3", 1, 16, "synth: planted latent factors"),
	P_ENUM("noise", "poisson", "poisson|gaussian|none", "synth: observation noise"),
};

/* ------------------------------------------------------------------ data */

static int data_mnist(ll_session *s, ll_err *err)
{
	char *path = ll_session_get_path(s, LL_STEP_DATA, "path");
	ll_mnist_data *md = path ? calloc(1, sizeof *md) : NULL;
	int rc;

	if (!md) {
		free(path);
		return ll_err_set(err, LL_ENOMEM, "out of memory");
	}
	snprintf(md->dir, sizeof md->dir, "%s", *path ? path : ll_bundled_data_dir());
	free(path);
	if ((rc = ll_mnist_load(&md->train, md->dir, "train", err)) != LL_OK ||
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
	s->mnist = md;
	ll_step_status(s, LL_STEP_DATA, "MNIST %zu train + %zu test images of %zux%zu from %s",
		 md->train.n, md->test.n, md->train.rows, md->train.cols, md->dir);
	return LL_OK;
}

/* Per-trial labels (a vector with one entry per index of the last mode). */
static int load_labels(ll_session *s, const char *path, ll_err *err)
{
	ll_tensor t;
	int rc = ll_array_read(path, &t, NULL, err);
	if (rc != LL_OK)
		return rc;
	size_t ntr = s->data.dim[s->data.nmodes - 1];
	if (t.size != ntr) {
		size_t got = t.size;
		ll_tensor_free(&t);
		return ll_err_set(err, LL_ESHAPE, "%s: %zu labels but the data has %zu trials (last mode)",
				  path, got, ntr);
	}
	s->trial_labels = ll_malloc_array(ntr, sizeof(int));
	if (!s->trial_labels) {
		ll_tensor_free(&t);
		return ll_err_set(err, LL_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < ntr; i++) {
		double v = t.data[i];
		if (!isfinite(v) || v != floor(v) || fabs(v) > 1e6) {
			ll_tensor_free(&t);
			return ll_err_set(err, LL_EFORMAT, "%s: label %zu is %g, not an integer", path, i, v);
		}
		s->trial_labels[i] = (int)v;
	}
	s->ntrial_labels = ntr;
	ll_tensor_free(&t);
	return LL_OK;
}

static int data_file_at(ll_session *s, const char *kind, const char *path, const char *labels,
			const char *mask, ll_err *err)
{
	int rc;

	if (!*path)
		return ll_err_set(err, LL_EINVAL, "[data] kind = %s needs path = FILE", kind);
	if (!strcmp(kind, "csv"))
		rc = data_csv(s, path, err);
	else
		rc = ll_array_read(path, &s->data, NULL, err);
	if (rc != LL_OK)
		return rc;
	if (*labels && (rc = load_labels(s, labels, err)) != LL_OK)
		return rc;
	if (*mask) {
		if ((rc = ll_array_read(mask, &s->mask, NULL, err)) != LL_OK)
			return rc;
		if (!ll_tensor_same_shape(&s->mask, &s->data)) {
			char a[64], b[64];
			return ll_err_set(err, LL_ESHAPE, "%s: mask shape %s does not match data %s",
					  mask, ll_tensor_shape_str(&s->mask, a, sizeof a),
					  ll_tensor_shape_str(&s->data, b, sizeof b));
		}
	}
	char sh[64];
	ll_step_status(s, LL_STEP_DATA, "%s: %s", path,
		 ll_tensor_shape_str(&s->data, sh, sizeof sh));
	return LL_OK;
}

/* The files named in [data], relative to the session file. */
static int data_file(ll_session *s, const char *kind, ll_err *err)
{
	char *path = ll_session_get_path(s, LL_STEP_DATA, "path");
	char *labels = ll_session_get_path(s, LL_STEP_DATA, "labels");
	char *mask = ll_session_get_path(s, LL_STEP_DATA, "mask");
	int rc = path && labels && mask ? data_file_at(s, kind, path, labels, mask, err)
					: ll_err_set(err, LL_ENOMEM, "out of memory");
	free(path);
	free(labels);
	free(mask);
	return rc;
}

/* Mode names for array data: [data] modes, else neuron,time,trial. */
static int name_modes(ll_session *s, ll_err *err)
{
	const char *names = ll_session_get(s, LL_STEP_DATA, "modes");
	static const char *const defaults3[] = {"neuron", "time", "trial"};
	int N = s->data.nmodes;

	ll_step_modes_free(s);
	if (*names) {
		char buf[256];
		snprintf(buf, sizeof buf, "%s", names);
		int n = 0;
		for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", "), n++)
			if (n < N)
				ll_step_set_mode(s, n, tok, LL_MODE_UNIT);
		if (n != N)
			return ll_err_set(err, LL_EINVAL, "[data] modes names %d modes but the data has %d", n, N);
	} else {
		for (int n = 0; n < N; n++) {
			char nm[16];
			snprintf(nm, sizeof nm, "mode%d", n);
			ll_step_set_mode(s, n, N == 3 ? defaults3[n] : nm, LL_MODE_UNIT);
		}
	}
	/* plot kinds by name; by position for the usual neuron x time x trial */
	for (int n = 0; n < N; n++) {
		const char *nm = s->modes[n].name;
		if (strstr(nm, "time") || strstr(nm, "snapshot") || strstr(nm, "bin"))
			s->modes[n].kind = LL_MODE_TIME;
		else if (strstr(nm, "trial") || strstr(nm, "model"))
			s->modes[n].kind = LL_MODE_TRIAL;
		else if (strstr(nm, "digit") || strstr(nm, "cond") || strstr(nm, "class"))
			s->modes[n].kind = LL_MODE_CLASS;
		else
			s->modes[n].kind = LL_MODE_UNIT;
	}
	if (s->trial_labels) {
		int last = N - 1;
		s->modes[last].labels = ll_malloc_array(s->ntrial_labels, sizeof(int));
		if (!s->modes[last].labels)
			return ll_err_set(err, LL_ENOMEM, "out of memory");
		memcpy(s->modes[last].labels, s->trial_labels, s->ntrial_labels * sizeof(int));
	}
	return LL_OK;
}

int ll_step_data(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud,
		     ll_err *err)
{
	const char *kind = ll_session_get(s, LL_STEP_DATA, "kind");
	int rc;

	(void)progress;
	(void)ud;
	if (!strcmp(kind, "mnist"))
		return data_mnist(s, err);
	if (!strcmp(kind, "synth"))
		rc = data_synth(s, outdir, err);
	else
		rc = data_file(s, kind, err);
	if (rc == LL_OK)
		rc = name_modes(s, err);
	return rc;
}


static int data_synth(ll_session *s, const char *outdir, ll_err *err)
{
	ll_synth_opts o;
	ll_synth sy;
	int rc;

	ll_synth_opts_default(&o);
	o.neurons = (size_t)ll_session_get_int(s, LL_STEP_DATA, "neurons");
	o.time = (size_t)ll_session_get_int(s, LL_STEP_DATA, "time");
	o.trials = (size_t)ll_session_get_int(s, LL_STEP_DATA, "trials");
	o.rank = (size_t)ll_session_get_int(s, LL_STEP_DATA, "rank");
	if (ll_synth_noise_parse(ll_session_get(s, LL_STEP_DATA, "noise"), &o.noise) != LL_OK)
		return ll_err_set(err, LL_EINVAL, "[data] bad noise");
	/* the session seed as is: `latentlab synth -s SEED` makes the same population */
	o.seed = (uint64_t)ll_session_get_int(s, LL_STEP_SESSION, "seed");
	if ((rc = ll_synth_make(&o, &sy, err)) != LL_OK) {
		ll_synth_free(&sy);
		return rc;
	}
	if (outdir) {
		char *dir = ll_step_outdir(outdir, "data", err);
		rc = dir ? ll_synth_write(&sy, dir, err) : (err ? err->code : LL_EIO);
		free(dir);
		if (rc != LL_OK) {
			ll_synth_free(&sy);
			return rc;
		}
	}
	/* the session takes the arrays over */
	s->data = sy.data;
	memset(&sy.data, 0, sizeof sy.data);
	s->truth = sy.truth;
	memset(&sy.truth, 0, sizeof sy.truth);
	s->trial_labels = sy.labels;
	s->ntrial_labels = sy.ntrials;
	sy.labels = NULL;
	ll_synth_free(&sy);
	ll_step_status(s, LL_STEP_DATA, "simulated %zu neurons x %zu time bins x %zu trials, %zu planted factors, %s noise",
		 o.neurons, o.time, o.trials, o.rank, ll_synth_noise_name(o.noise));
	return LL_OK;
}

static int data_csv(ll_session *s, const char *path, ll_err *err)
{
	ll_csv_data d;
	int rc = ll_csv_read(path, NULL, &d, err);
	if (rc != LL_OK) {
		ll_csv_data_free(&d);
		return rc;
	}
	s->data = d.X;
	memset(&d.X, 0, sizeof d.X);
	if (d.labels) {
		s->trial_labels = d.labels;
		s->ntrial_labels = d.nlabels;
		d.labels = NULL;
	}
	ll_csv_data_free(&d);
	return LL_OK;
}

