/*
 * A synthetic population with a planted non-negative CP model (see
 * ll_synth.h for the definition of every factor).
 */
#include "sim/ll_synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "io/ll_npy.h"
#include "base/ll_rng.h"

#define SYNTH_MAX_RANK 64
#define PI 3.14159265358979323846

void ll_synth_opts_default(ll_synth_opts *o)
{
	memset(o, 0, sizeof *o);
	o->neurons = 50;
	o->time = 60;
	o->trials = 80;
	o->conditions = 2;
	o->rank = 3;
	o->peak = 40.0;
	o->baseline = 0.0;
	o->dt = 0.05;
	o->noise = LL_SYNTH_POISSON;
	o->sigma = 1.0;
	o->seed = 1;
}

static const char *const noise_names[] = {LL_SYNTH_NOISES(LL_ENUM_NAME)};

const char *ll_synth_noise_name(ll_synth_noise n)
{
	return (unsigned)n < LL_ENUM_N(LL_SYNTH_NOISES) ? noise_names[n] : "?";
}

int ll_synth_noise_parse(const char *s, ll_synth_noise *n)
{
	int i = ll_name_lookup(noise_names, LL_ENUM_N(LL_SYNTH_NOISES), s);
	if (i < 0)
		return LL_EINVAL;
	*n = (ll_synth_noise)i;
	return LL_OK;
}

int ll_synth_check(const ll_synth_opts *o, ll_err *err)
{
	if (!o)
		return ll_err_set(err, LL_EINVAL, "synth: no options");
	if (o->neurons < 1)
		return ll_err_set(err, LL_EINVAL, "synth: neurons must be at least 1");
	if (o->time < 2)
		return ll_err_set(err, LL_EINVAL, "synth: time must be at least 2 bins, got %zu", o->time);
	if (o->trials < 2)
		return ll_err_set(err, LL_EINVAL, "synth: trials must be at least 2, got %zu", o->trials);
	if (o->conditions == 1 || o->conditions > o->trials)
		return ll_err_set(err, LL_EINVAL, "synth: conditions must be 2 to the %zu trials, got %zu",
				  o->trials, o->conditions);
	if (o->rank < 1 || o->rank > SYNTH_MAX_RANK)
		return ll_err_set(err, LL_EINVAL, "synth: rank %zu outside 1..%d", o->rank, SYNTH_MAX_RANK);
	if (!isfinite(o->peak) || !(o->peak > 0.0))
		return ll_err_set(err, LL_EINVAL, "synth: peak rate must be positive and finite, got %g", o->peak);
	if (!isfinite(o->baseline) || o->baseline < 0.0)
		return ll_err_set(err, LL_EINVAL, "synth: baseline must be >= 0 and finite, got %g", o->baseline);
	if (!isfinite(o->dt) || !(o->dt > 0.0))
		return ll_err_set(err, LL_EINVAL, "synth: dt must be positive and finite, got %g", o->dt);
	if ((unsigned)o->noise > LL_SYNTH_NONE)
		return ll_err_set(err, LL_EINVAL, "synth: unknown noise model %d", (int)o->noise);
	if (o->noise == LL_SYNTH_GAUSSIAN && (!isfinite(o->sigma) || o->sigma < 0.0))
		return ll_err_set(err, LL_EINVAL, "synth: sigma must be >= 0 and finite, got %g", o->sigma);
	return LL_OK;
}

void ll_synth_free(ll_synth *s)
{
	if (!s)
		return;
	ll_tensor_free(&s->data);
	ll_ktensor_free(&s->truth);
	ll_free(s->names);
	ll_free(s->labels);
	memset(s, 0, sizeof *s);
}

static double frac(double x)
{
	return x - floor(x);
}

/* Time profile (t in (0, 1)) and trial profile (s in [0, 1], label lab)
 * of planted component c. */
static double time_profile(size_t c, double t)
{
	size_t g = c / 3;
	switch (c % 3) {
	case 0: { /* bump; later cycles move it */
		double mu = 0.3 + 0.4 * frac(0.618034 * (double)g), w = 0.08;
		return exp(-0.5 * (t - mu) * (t - mu) / (w * w));
	}
	case 1: /* fast oscillation */
		return 0.5 * (1.0 - cos(2.0 * PI * (double)(2 + g) * t));
	default: /* ramp, steeper in later cycles */
		return pow(t, 1.0 + (double)g);
	}
}

static double trial_profile(size_t c, double s, int lab, size_t nc)
{
	size_t g = c / 3;
	switch (c % 3) {
	case 0: { /* learning: sigmoid, rising in even cycles */
		double mid = 0.3 + 0.4 * frac(0.5 + 0.618034 * (double)g);
		double up = 1.0 / (1.0 + exp(-(s - mid) / 0.08));
		return g % 2 ? 1.0 - up : up;
	}
	case 1: /* constant; later cycles drift slowly */
		if (g == 0)
			return 1.0;
		return g % 2 ? 0.5 + 0.5 * s : 1.0 - 0.5 * s;
	default: { /* tuned to one condition; with two, on in it only */
		int pref = (int)((1 + g) % nc);
		if (nc == 2)
			return lab == pref ? 1.0 : 0.0;
		return 0.5 * (1.0 + cos(2.0 * PI * (double)(lab - pref) / (double)nc));
	}
	}
}

static const char *const family_names[] = {"learning", "oscillation", "condition"};

int ll_synth_make(const ll_synth_opts *o, ll_synth *out, ll_err *err)
{
	size_t N, T, K, R, Rt, dim[3];
	ll_rng rng;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = ll_synth_check(o, err)) != LL_OK)
		return rc;
	out->opts = *o;
	if (!out->opts.conditions) /* 0: the default, so older initialisers keep working */
		out->opts.conditions = 2;
	o = &out->opts;
	N = o->neurons;
	T = o->time;
	K = o->trials;
	R = o->rank;
	Rt = R + (o->baseline > 0.0 ? 1 : 0);
	dim[0] = N;
	dim[1] = T;
	dim[2] = K;

	if ((rc = ll_ktensor_init(&out->truth, 3, dim, Rt, err)) != LL_OK)
		goto fail;
	out->labels = ll_malloc_array(K, sizeof(int));
	out->names = ll_calloc_array(Rt, sizeof out->names[0]);
	if (!out->labels || !out->names) {
		rc = ll_err_set(err, LL_ENOMEM, "synth: out of memory");
		goto fail;
	}
	out->ntrials = K;
	for (size_t k = 0; k < K; k++)
		out->labels[k] = (int)(k % o->conditions);

	double *W = out->truth.U[0], *Tm = out->truth.U[1], *Tr = out->truth.U[2];
	/* neuron weights: a sparse non-negative membership */
	ll_rng_init(&rng, ll_seed_derive(o->seed, 1, 0));
	for (size_t n = 0; n < N; n++) {
		int any = 0;
		for (size_t c = 0; c < R; c++) {
			double u = ll_rng_uniform(&rng), w = 0.5 + ll_rng_uniform(&rng);
			W[n * Rt + c] = u < 0.5 ? w : 0.0;
			any |= u < 0.5;
		}
		if (!any) /* nobody stays silent */
			W[n * Rt + ll_rng_below(&rng, R)] = 0.5 + ll_rng_uniform(&rng);
	}
	for (size_t c = 0; c < R; c++) {
		int any = 0;
		for (size_t n = 0; n < N; n++)
			any |= W[n * Rt + c] > 0.0;
		if (!any)
			W[ll_rng_below(&rng, N) * Rt + c] = 0.5 + ll_rng_uniform(&rng);
	}
	for (size_t n = 0; n < N; n++)
		for (size_t c = 0; c < R; c++)
			W[n * Rt + c] *= o->peak * o->dt;
	for (size_t t = 0; t < T; t++)
		for (size_t c = 0; c < R; c++)
			Tm[t * Rt + c] = time_profile(c, ((double)t + 0.5) / (double)T);
	for (size_t k = 0; k < K; k++)
		for (size_t c = 0; c < R; c++)
			Tr[k * Rt + c] = trial_profile(c, (double)k / (double)(K - 1), out->labels[k], o->conditions);
	for (size_t c = 0; c < R; c++) {
		if (c < 3)
			snprintf(out->names[c], sizeof out->names[c], "%s", family_names[c % 3]);
		else
			snprintf(out->names[c], sizeof out->names[c], "%.11s-%u", family_names[c % 3],
				 (unsigned)(c / 3 + 1));
	}
	if (Rt > R) {
		for (size_t n = 0; n < N; n++)
			W[n * Rt + R] = o->baseline * o->dt;
		for (size_t t = 0; t < T; t++)
			Tm[t * Rt + R] = 1.0;
		for (size_t k = 0; k < K; k++)
			Tr[k * Rt + R] = 1.0;
		snprintf(out->names[R], sizeof out->names[R], "baseline");
	}
	ll_ktensor_normalize(&out->truth);

	/* the expected counts, then the observation noise on its own stream */
	if ((rc = ll_ktensor_full(&out->truth, &out->data, err)) != LL_OK)
		goto fail;
	ll_rng_init(&rng, ll_seed_derive(o->seed, 2, 0));
	double *x = out->data.data;
	if (o->noise == LL_SYNTH_POISSON) {
		for (size_t i = 0; i < out->data.size; i++)
			x[i] = (double)ll_rng_poisson(&rng, x[i]);
	} else if (o->noise == LL_SYNTH_GAUSSIAN) {
		for (size_t i = 0; i < out->data.size; i++)
			x[i] += o->sigma * ll_rng_normal(&rng);
	}
	return LL_OK;
fail:
	ll_synth_free(out);
	return rc;
}

/* synth.json: what the arrays are and the options and seed that made them */
static int write_sidecar(const ll_synth *s, const char *outdir, ll_err *err)
{
	const ll_synth_opts *o = &s->opts;
	ll_afile af;
	int rc = ll_afile_open_in(&af, outdir, "synth.json", err);
	if (rc != LL_OK)
		return rc;
	ll_json j;
	ll_json_init(&j, af.fp, 1);
	ll_json_obj_begin(&j);
	ll_json_kv_str(&j, "description",
		       "simulated spike counts neurons x time x trials with planted factors; "
		       "truth_factor_N.npy (dim x rank) and truth_lambda.npy are the model of the expected counts");
	ll_json_key(&j, "shape");
	ll_json_size_array(&j, s->data.dim, (size_t)s->data.nmodes);
	ll_json_key(&j, "modes");
	ll_json_arr_begin(&j);
	ll_json_str(&j, "neuron");
	ll_json_str(&j, "time");
	ll_json_str(&j, "trial");
	ll_json_arr_end(&j);
	ll_json_key(&j, "components");
	ll_json_arr_begin(&j);
	for (size_t r = 0; r < s->truth.rank; r++)
		ll_json_str(&j, s->names ? s->names[r] : "");
	ll_json_arr_end(&j);
	ll_json_kv_str(&j, "labels", o->conditions == 2 ? "labels.npy: the condition (0/1) of each trial"
							 : "labels.npy: the condition (0 to conditions - 1) of each trial");
	ll_json_key(&j, "options");
	ll_json_obj_begin(&j);
	ll_json_kv_int(&j, "neurons", (long long)o->neurons);
	ll_json_kv_int(&j, "time", (long long)o->time);
	if (o->conditions != 2)
		ll_json_kv_int(&j, "conditions", (long long)o->conditions);
	ll_json_kv_int(&j, "trials", (long long)o->trials);
	ll_json_kv_int(&j, "rank", (long long)o->rank);
	ll_json_kv_num(&j, "peak_hz", o->peak);
	ll_json_kv_num(&j, "baseline_hz", o->baseline);
	ll_json_kv_num(&j, "dt_s", o->dt);
	ll_json_kv_str(&j, "noise", ll_synth_noise_name(o->noise));
	ll_json_kv_num(&j, "sigma", o->sigma);
	ll_json_key(&j, "seed");
	ll_json_u64(&j, o->seed);
	ll_json_obj_end(&j);
	ll_json_obj_end(&j);
	return ll_afile_commit(&af, err);
}

int ll_synth_write(const ll_synth *s, const char *outdir, ll_err *err)
{
	size_t R, shape[2];
	double *lab;
	int rc;

	if (!s || !s->data.data || !s->labels || s->truth.rank == 0)
		return ll_err_set(err, LL_EINVAL, "synth: nothing to write");
	if (!outdir || !*outdir)
		return ll_err_set(err, LL_EINVAL, "synth: no output directory");
	if ((rc = ll_mkdirs(outdir, err)) != LL_OK)
		return rc;
	rc = ll_npy_write_array_in(outdir, "data.npy", s->data.data, s->data.nmodes, s->data.dim, 0, err);
	if (rc != LL_OK)
		return rc;
	lab = ll_malloc_array(s->ntrials, sizeof(double));
	if (!lab)
		return ll_err_set(err, LL_ENOMEM, "synth: out of memory");
	for (size_t k = 0; k < s->ntrials; k++)
		lab[k] = (double)s->labels[k];
	shape[0] = s->ntrials;
	rc = ll_npy_write_array_in(outdir, "labels.npy", lab, 1, shape, 0, err);
	ll_free(lab);
	if (rc != LL_OK)
		return rc;
	R = s->truth.rank;
	for (int n = 0; n < s->truth.nmodes; n++) {
		char name[32];
		snprintf(name, sizeof name, "truth_factor_%d.npy", n);
		shape[0] = s->truth.dim[n];
		shape[1] = R;
		if ((rc = ll_npy_write_array_in(outdir, name, s->truth.U[n], 2, shape, 0, err)) != LL_OK)
			return rc;
	}
	shape[0] = R;
	if ((rc = ll_npy_write_array_in(outdir, "truth_lambda.npy", s->truth.lambda, 1, shape, 0, err)) != LL_OK)
		return rc;
	return write_sidecar(s, outdir, err);
}
