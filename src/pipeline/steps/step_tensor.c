/* [tensor]: the analysis tensor: missing entries, normalisation, range. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "io/ll_npy.h"
#include "tensor/ll_connectome.h"
#include "pipeline/ll_step.h"
#include "pipeline/steps/step_data.h"
#include "pipeline/steps/step_tensor.h"
#include "pipeline/steps/step_rnn.h"
#include "pipeline/steps/step_train.h"

static const ll_param_def params[] = {
	P_ENUM("normalize", "none", "none|max|zscore", "scale each unit/neuron: none, to max 1, or z-score"),
	P_ENUM("of", "activity", LL_ENUM_CHOICES(LL_TENSOR_OF),
	       "what the tensor holds: activity (the data, or the activity logged in training), the MLPs' "
	       "weights over training: readout (models x digits x units x snapshots) or input (models x "
	       "units x pixels x snapshots), or the activity's functional connectome (neuron x neuron x "
	       "window x trial)"),
	P_INT("window", "20", 2, 1000000, "connectome: samples per window"),
	P_INT("step", "10", 1, 1000000, "connectome: samples between window starts"),
	P_ENUM("affinity", "correlation", LL_ENUM_CHOICES(LL_AFFINITIES),
	       "connectome: Pearson correlation (negatives clipped to 0), or gaussian exp(-(1-r)/bandwidth^2)"),
	P_REAL("bandwidth", "1", 1e-6, 1e6, "connectome: the Gaussian kernel's sigma (on z-scored traces)"),
};

/* tensor/tensor.json: what the axes of tensor.npy are and what was done */
/* ud: the session */
static void write_tensor_sidecar(ll_json *j, const void *ud)
{
	const ll_session *s = ud;
	const struct ll_res_tensor *t = s->res.tensor;
	const ll_tensor *X = &t->X;
	ll_json_obj_begin(j);
	ll_json_kv_str(j, "description", "the tensor every later step analyses; NaN marks a missing entry");
	ll_json_kv_str(j, "data", ll_session_get(s, LL_STEP_DATA, "kind"));
	ll_json_kv_str(j, "path", ll_session_get(s, LL_STEP_DATA, "path"));
	ll_json_key(j, "shape");
	ll_json_size_array(j, X->dim, (size_t)X->nmodes);
	ll_json_key(j, "modes");
	ll_json_arr_begin(j);
	for (int n = 0; n < X->nmodes; n++) {
		ll_json_obj_begin(j);
		ll_json_kv_str(j, "name", t->modes[n].name);
		ll_json_kv_str(j, "kind", ll_mode_kind_name(t->modes[n].kind));
		if (t->modes[n].labels) {
			ll_json_key(j, "labels");
			ll_json_arr_begin(j);
			for (size_t i = 0; i < X->dim[n]; i++)
				ll_json_int(j, t->modes[n].labels[i]);
			ll_json_arr_end(j);
		}
		ll_json_obj_end(j);
	}
	ll_json_arr_end(j);
	ll_json_kv_str(j, "of", ll_session_get(s, LL_STEP_TENSOR, "of"));
	if (ll_session_get_enum(s, LL_STEP_TENSOR, "of") == LL_TENSOR_OF_CONNECTOME) {
		ll_json_key(j, "connectome");
		ll_json_obj_begin(j);
		ll_json_kv_str(j, "description", "A[i, j, w, k]: affinity of neurons i and j in window w "
			       "(samples w*step .. w*step+window-1) of trial k; 1 on the diagonal; a neuron "
			       "constant in a window has affinity 0 to the others there");
		ll_json_kv_int(j, "window", ll_session_get_int(s, LL_STEP_TENSOR, "window"));
		ll_json_kv_int(j, "step", ll_session_get_int(s, LL_STEP_TENSOR, "step"));
		ll_json_kv_str(j, "affinity", ll_session_get(s, LL_STEP_TENSOR, "affinity"));
		if (ll_session_is(s, LL_STEP_TENSOR, "affinity", "gaussian"))
			ll_json_kv_num(j, "bandwidth", ll_session_get_real(s, LL_STEP_TENSOR, "bandwidth"));
		ll_json_kv_int(j, "pairs", (long long)t->conn.pairs);
		ll_json_kv_int(j, "clipped_negative", (long long)t->conn.clipped);
		ll_json_kv_int(j, "constant_traces", (long long)t->conn.constant);
		ll_json_obj_end(j);
	} else {
		ll_json_kv_str(j, "normalize", ll_session_get(s, LL_STEP_TENSOR, "normalize"));
	}
	ll_json_kv_int(j, "missing", (long long)t->n_missing);
	ll_json_kv_num(j, "min", t->x_min);
	ll_json_kv_num(j, "max", t->x_max);
	ll_json_obj_end(j);
}

static void drop(ll_session *s)
{
	struct ll_res_tensor *t = s->res.tensor;
	if (!t)
		return;
	ll_tensor_free(&t->X);
	ll_modes_free(t->modes, LL_MAX_MODES);
	ll_free(t);
	s->res.tensor = NULL;
}

int ll_res_tensor_mode(const struct ll_res_tensor *t, ll_mode_kind kind)
{
	for (int n = 0; n < t->X.nmodes; n++)
		if (t->modes[n].kind == kind)
			return n;
	return -1;
}

/* Where the tensor is made from: the data's array, or the activity
 * logged in training (MNIST, RNNs). */
static void source_of(const ll_session *s, const ll_tensor **src, const ll_mode_info **modes)
{
	const struct ll_res_data *d = s->res.data;
	const struct ll_res_train *tr = s->res.train;
	const struct ll_res_rnn *rn = s->res.rnn;
	*src = tr ? &tr->activity : rn ? &rn->activity : d ? &d->X : NULL;
	*modes = tr ? tr->modes : rn ? rn->modes : d ? d->modes : NULL;
}

/* normalise each unit (the first mode of kind UNIT) as [tensor] normalize
 * says, skipping NaN */
static int normalise_units(ll_session *s, struct ll_res_tensor *t, ll_err *err)
{
	const char *norm = ll_session_get(s, LL_STEP_TENSOR, "normalize");
	ll_tensor *X = &t->X;
	int um = -1;
	for (int n = 0; n < X->nmodes; n++)
		if (t->modes[n].kind == LL_MODE_UNIT) {
			um = n;
			break;
		}
	if (strcmp(norm, "none") != 0 && um >= 0) {
		size_t outer = 1, inner = 1, nu = X->dim[um];
		for (int n = 0; n < um; n++)
			outer *= X->dim[n];
		for (int n = um + 1; n < X->nmodes; n++)
			inner *= X->dim[n];
		for (size_t u = 0; u < nu; u++) {
			if (ll_session_canceled(s))
				return ll_err_set(err, LL_ECANCELED, "[tensor] canceled");
			double mx = 0, sum = 0, sum2 = 0;
			size_t cnt = 0;
			for (size_t o = 0; o < outer; o++)
				for (size_t i = 0; i < inner; i++) {
					double v = X->data[(o * nu + u) * inner + i];
					if (isnan(v))
						continue;
					mx = fmax(mx, fabs(v));
					sum += v;
					sum2 += v * v;
					cnt++;
				}
			double mean = cnt ? sum / (double)cnt : 0;
			double sd = cnt ? sqrt(fmax(sum2 / (double)cnt - mean * mean, 0)) : 0;
			for (size_t o = 0; o < outer; o++)
				for (size_t i = 0; i < inner; i++) {
					double *v = &X->data[(o * nu + u) * inner + i];
					if (!strcmp(norm, "max"))
						*v = mx > 0 ? *v / mx : *v;
					else
						*v = sd > 0 ? (*v - mean) / sd : *v - mean;
				}
		}
	}
	return LL_OK;
}

/* of = connectome: pairwise affinities of the source's neurons in sliding
 * windows of its time mode (tensor/ll_connectome.h); every other mode is
 * a trial.  normalize is not applied: a correlation does not see a
 * neuron's offset or scale. */
static int build_connectome(ll_step_ctx *c, struct ll_res_tensor *t, ll_err *err)
{
	ll_session *s = c->s;
	const struct ll_res_data *d = s->res.data;
	const ll_tensor *src;
	const ll_mode_info *src_modes;
	ll_conn_opts o;
	int rc, um = -1, tm = -1, other = -1, nother = 0;

	source_of(s, &src, &src_modes);
	for (int n = 0; n < src->nmodes; n++)
		if (src_modes[n].kind == LL_MODE_TIME) {
			tm = n;
			break;
		}
	for (int n = 0; n < src->nmodes; n++)
		if (src_modes[n].kind == LL_MODE_UNIT && n != tm) {
			um = n;
			break;
		}
	/* no mode named as time (a bare neurons x time array has modes
	 * mode0, mode1): the neurons x time x ... layout */
	if (tm < 0 && src->nmodes >= 2) {
		um = 0;
		tm = 1;
		ll_session_log(s, "tensor: no time mode named in [data] modes: mode 0 taken as the neurons, "
			       "mode 1 as time");
	}
	for (int n = 0; n < src->nmodes; n++)
		if (n != um && n != tm) {
			other = n;
			nother++;
		}
	if (um < 0 || tm < 0)
		return ll_err_set(err, LL_EINVAL,
				  "[tensor] of = connectome needs a neuron mode and a time mode (set [data] modes, "
				  "e.g. neuron,time,trial)");
	if (d && d->mask.data && src == &d->X)
		return ll_err_set(err, LL_EINVAL,
				  "[tensor] of = connectome needs complete traces: drop [data] mask");
	ll_conn_opts_default(&o);
	o.window = (size_t)ll_session_get_int(s, LL_STEP_TENSOR, "window");
	o.step = (size_t)ll_session_get_int(s, LL_STEP_TENSOR, "step");
	o.affinity = (ll_affinity)ll_session_get_enum(s, LL_STEP_TENSOR, "affinity");
	o.bandwidth = ll_session_get_real(s, LL_STEP_TENSOR, "bandwidth");
	if ((rc = ll_conn_affinity(src, um, tm, &o, &t->X, &t->conn, err)) != LL_OK) {
		if (d && src == &d->X && ll_session_get(s, LL_STEP_DATA, "path")[0])
			ll_err_prefix(err, "[tensor] of = connectome of %s", ll_session_get(s, LL_STEP_DATA, "path"));
		else
			ll_err_prefix(err, "[tensor] of = connectome of the %s data", ll_session_get(s, LL_STEP_DATA, "kind"));
		return rc;
	}
	ll_step_set_mode(&t->modes[0], src_modes[um].name, LL_MODE_UNIT);
	char nm[40];
	snprintf(nm, sizeof nm, "%.24s'", src_modes[um].name); /* the partner neuron */
	ll_step_set_mode(&t->modes[1], nm, LL_MODE_UNIT);
	ll_step_set_mode(&t->modes[2], "window", LL_MODE_TIME);
	ll_step_set_mode(&t->modes[3], nother == 1 ? src_modes[other].name : "trial", LL_MODE_TRIAL);
	/* per-trial labels (conditions) carry over when the trials are one mode */
	if (nother == 1 && src_modes[other].labels) {
		t->modes[3].labels = ll_malloc_array(src->dim[other], sizeof *t->modes[3].labels);
		if (!t->modes[3].labels)
			return ll_err_oom(err);
		memcpy(t->modes[3].labels, src_modes[other].labels, src->dim[other] * sizeof *t->modes[3].labels);
	}
	t->n_missing = 0;
	if (o.affinity == LL_AFF_CORRELATION && t->conn.clipped)
		ll_session_log(s, "tensor: %zu of %zu correlations were negative and are clipped to 0 (a "
			       "non-negative fit cannot use them)", t->conn.clipped, t->conn.pairs);
	if (t->conn.constant)
		ll_session_log(s, "tensor: %zu neuron traces are constant within a window: affinity 0 to the "
			       "others there", t->conn.constant);
	return LL_OK;
}

/* of = activity: the source as it is, masked entries as NaN, units
 * normalised */
static int build_activity(ll_step_ctx *c, struct ll_res_tensor *t, ll_err *err)
{
	ll_session *s = c->s;
	const struct ll_res_data *d = s->res.data;
	const ll_tensor *src, *mask = d && d->mask.data ? &d->mask : NULL;
	const ll_mode_info *src_modes;
	int rc;

	source_of(s, &src, &src_modes);
	if ((rc = ll_tensor_copy(&t->X, src, err)) != LL_OK ||
	    (rc = ll_modes_copy(t->modes, src_modes, src->nmodes, src->dim, err)) != LL_OK)
		return rc;
	ll_tensor *X = &t->X;

	/* NaN marks a missing entry; so does a 0 in the mask */
	size_t nnan, ninf;
	ll_tensor_count_nonfinite(X, &nnan, &ninf);
	if (ninf)
		return ll_err_set(err, LL_ENUMERIC, "[tensor] the data has %zu infinite entries", ninf);
	/* masked entries become NaN in X, so normalisation, the value range,
	 * trajectories and the fits all skip the same entries */
	t->n_missing = 0;
	for (size_t i = 0; i < X->size; i++) {
		if (mask && mask->data[i] == 0.0)
			X->data[i] = NAN;
		if (isnan(X->data[i]))
			t->n_missing++;
	}
	if (t->n_missing == X->size)
		return ll_err_set(err, LL_ENUMERIC, "[tensor] every entry is missing (NaN or masked)");
	return normalise_units(s, t, err);
}

/* of = readout | input: the MNIST weights logged in training
 * (train/readout_weights.npy or input_weights.npy: models x snapshots x
 * rows x cols of W) as the tensor models x rows x cols x snapshots, so the
 * snapshot mode is last as in the activity tensor; the model mode keeps
 * its labels; units normalised as the activity's */
static int build_weights(ll_step_ctx *c, struct ll_res_tensor *t, int readout, ll_err *err)
{
	const struct ll_res_train *tr = c->s->res.train;
	const float *w = tr ? (readout ? tr->w_out : tr->w_in) : NULL;
	ll_tensor *X = &t->X;
	ll_mode_info *modes = t->modes;
	if (!w)
		return ll_err_set(err, LL_EINVAL, "[tensor] of = %s needs the weights logged by [train]: run it first",
				  readout ? "readout" : "input");
	size_t M = tr->log.models, S = tr->log.snapshots, U = tr->log.units;
	size_t A = readout ? 10 : U, B = readout ? U : tr->n_in;
	size_t dim[4] = {M, A, B, S};
	int rc = ll_tensor_init(X, 4, dim, err);
	if (rc != LL_OK)
		return rc;
	for (size_t m = 0; m < M; m++)
		for (size_t j = 0; j < S; j++) {
			const float *Wj = w + (m * S + j) * A * B;
			for (size_t i = 0; i < A * B; i++)
				X->data[((m * A * B) + i) * S + j] = Wj[i];
		}
	if ((rc = ll_modes_copy(modes, tr->modes, 1, dim, err)) != LL_OK)
		return rc;
	if (readout) {
		ll_step_set_mode(&modes[1], "digit", LL_MODE_CLASS);
		if (!(modes[1].labels = ll_malloc_array(10, sizeof(int))))
			return ll_err_oom(err);
		for (int dgt = 0; dgt < 10; dgt++)
			modes[1].labels[dgt] = dgt;
		ll_step_set_mode(&modes[2], "unit", LL_MODE_UNIT);
	} else {
		ll_step_set_mode(&modes[1], "unit", LL_MODE_UNIT);
		/* bars like units; the report also draws a 784-long pixel factor as a 28x28 image */
		ll_step_set_mode(&modes[2], "pixel", LL_MODE_UNIT);
	}
	ll_step_set_mode(&modes[3], "snapshot", LL_MODE_TIME);
	t->n_missing = 0;
	return normalise_units(c->s, t, err);
}

static int build_readout(ll_step_ctx *c, struct ll_res_tensor *t, ll_err *err)
{
	return build_weights(c, t, 1, err);
}

static int build_input(ll_step_ctx *c, struct ll_res_tensor *t, ll_err *err)
{
	return build_weights(c, t, 0, err);
}

/* what [tensor] of builds: one row per choice, in the order of its choices
 * (LL_TENSOR_OF in step_tensor.h) */
static const struct tensor_of {
	const char *name;
	int (*build)(ll_step_ctx *c, struct ll_res_tensor *t, ll_err *err);
} tensor_of[] = {
	{"activity", build_activity},
	{"readout", build_readout},
	{"input", build_input},
	{"connectome", build_connectome},
};
typedef char tensor_of_complete[LL_NPARAMS(tensor_of) == LL_ENUM_N(LL_TENSOR_OF) ? 1 : -1];

static int run(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	const struct ll_res_data *d = s->res.data;
	const ll_tensor *src, *mask = d && d->mask.data ? &d->mask : NULL;
	const ll_mode_info *src_modes;
	int rc;

	source_of(s, &src, &src_modes);
	if (!src || !src->data)
		return ll_err_set(err, LL_EINVAL, "[tensor] has no data: run the earlier steps first");
	struct ll_res_tensor *t = ll_calloc(1, sizeof *t);
	if (!t)
		return ll_err_oom(err);
	s->res.tensor = t;
	int of = ll_session_get_enum(s, LL_STEP_TENSOR, "of");
	if ((rc = tensor_of[of].build(c, t, err)) != LL_OK)
		return rc;
	ll_tensor *X = &t->X;
	if (of != LL_TENSOR_OF_ACTIVITY)
		mask = NULL; /* the data's mask is of the data's shape */
	t->x_min = INFINITY;
	t->x_max = -INFINITY;
	for (size_t i = 0; i < X->size; i++)
		if (!isnan(X->data[i])) {
			t->x_min = fmin(t->x_min, X->data[i]);
			t->x_max = fmax(t->x_max, X->data[i]);
		}
	char sh[64], names[160] = "";
	for (int n = 0; n < X->nmodes; n++)
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", n ? " x " : "",
			 t->modes[n].name);
	ll_step_status(c, "%s%s%s (%s), values %.3g to %.3g, %zu missing", of ? tensor_of[of].name : "",
		 of ? " " : "", ll_tensor_shape_str(X, sh, sizeof sh), names, t->x_min, t->x_max, t->n_missing);
	if (c->outdir) {
		char *dir;
		if ((rc = ll_step_outdir(c, &dir, err)) != LL_OK)
			return rc;
		char *p = ll_path_join(dir, "tensor.npy");
		rc = p ? ll_npy_write(p, X, 0, err) : ll_err_oom(err);
		ll_free(p);
		if (rc == LL_OK && mask) {
			p = ll_path_join(dir, "mask.npy");
			rc = p ? ll_npy_write(p, mask, 0, err) : ll_err_oom(err);
			ll_free(p);
		}
		if (rc == LL_OK)
			rc = ll_step_write_json(dir, "tensor.json", write_tensor_sidecar, s, err);
		ll_free(dir);
	}
	return rc;
}

/* of = readout | input: weights of MNIST-trained MLPs, and the readout
 * of one hidden layer */
static int check(const ll_session *s, ll_err *err)
{
	int of = ll_session_get_enum(s, LL_STEP_TENSOR, "of");
	const char *name = ll_session_get(s, LL_STEP_TENSOR, "of");
	if ((of == LL_TENSOR_OF_READOUT || of == LL_TENSOR_OF_INPUT) && !ll_step_in_session(s, LL_STEP_TRAIN))
		return ll_err_set(err, LL_EINVAL, "[tensor] of = %s needs MLPs trained on MNIST ([data] kind = mnist)",
				  name);
	if (of == LL_TENSOR_OF_READOUT && ll_session_get_int(s, LL_STEP_TRAIN, "hidden2") > 0)
		return ll_err_set(err, LL_EINVAL,
				  "[tensor] of = readout needs one hidden layer ([train] hidden2 = %ld)",
				  ll_session_get_int(s, LL_STEP_TRAIN, "hidden2"));
	return LL_OK;
}

/* of decides what [train] logs (the weights), so a change retrains */
static unsigned stale(const char *key)
{
	if (!strcmp(key, "of"))
		return LL_STEP_BIT(LL_STEP_TENSOR) | LL_STEP_BIT(LL_STEP_TRAIN);
	return LL_STEP_BIT(LL_STEP_TENSOR);
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

const ll_step_def ll_step_tensor = {
	.name = "tensor",
	.summary = "make the analysis tensor: missing entries, normalisation",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.needs = LL_STEP_BIT(LL_STEP_DATA) | LL_STEP_BIT(LL_STEP_TRAIN) | LL_STEP_BIT(LL_STEP_RNN),
	.always = 1,
	.check = check,
	.stale = stale,
	.run = run,
	.drop = drop,
	.load = load,
	.outputs = "the analysis tensor",
};
