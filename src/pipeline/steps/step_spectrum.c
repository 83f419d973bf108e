/*
 * [spectrum]: how many dimensions a population uses, and how its variance
 * falls off with rank (Stringer et al. 2019: a 1/n power law in visual
 * cortex).  For the MLPs of the train step, the covariance eigenspectrum
 * of the hidden layer on the logged probe images (stimuli x units) at
 * every snapshot: alpha, the participation ratio and the dimension at 90%
 * over training.  For a recorded population (`with`, and `with_repeat`
 * for cvPCA), its spectrum with a bootstrap interval of alpha.  The code
 * is pca/ll_spectrum.h's, as `latentlab spectrum` runs it.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "base/ll_rng.h"
#include "io/ll_array.h"
#include "pipeline/ll_step.h"
#include "pipeline/steps/step_spectrum.h"
#include "pipeline/steps/step_train.h"

static const ll_param_def params[] = {
	P_ENUM("source", "auto", "auto|train|recording",
	       "the spectra: train (each MLP's hidden layer on the probe images at every snapshot; needs [train] "
	       "probe_activity), recording (only `with`); auto: train when the session trains, and `with` if given"),
	P_STR("fit_ranks", "auto",
	      "the ranks the power law is fitted on, A-B (1-based; Stringer et al. used 11-500 of 2800); auto: "
	      "k/250 to k/5.6 of the k eigenvalues, at least 2 to 4"),
	P_PATH("with", "", "a recorded population: stimuli x neurons (.npy/.npz/.csv)"),
	P_PATH("with_repeat", "", "a second repeat of the same stimuli, for cross-validated PCA"),
	P_ENUM("with_transpose", "no", "no|yes", "yes: the recording is neurons x stimuli"),
	P_INT("bootstrap", "200", 0, 100000, "resamples of the recording's stimuli for alpha's interval (0 = none)"),
	P_REAL("ci", "0.95", 0.5, 0.999, "the interval's level"),
};

static void drop(ll_session *s)
{
	struct ll_res_spectrum *r = s->res.spectrum;
	if (!r)
		return;
	ll_free(r->step);
	ll_free(r->eig);
	ll_free(r->alpha);
	ll_free(r->intercept);
	ll_free(r->pr);
	ll_free(r->dim90);
	ll_free(r->rec_path);
	ll_free(r->rec_repeat);
	ll_spectrum_result_free(&r->rec);
	ll_free(r);
	s->res.spectrum = NULL;
}

static int use_train(const ll_session *s)
{
	return !ll_session_is(s, LL_STEP_SPECTRUM, "source", "recording") && ll_step_in_session(s, LL_STEP_TRAIN);
}

static int has_with(const ll_session *s)
{
	char *w = ll_session_get_path(s, LL_STEP_SPECTRUM, "with");
	int has = w && *w;
	ll_free(w);
	return has;
}

/* fit_ranks for k eigenvalues: "A-B" or auto (Stringer's 11-500 of
 * 2800 stimuli, scaled). */
static int fit_range(const ll_session *s, size_t k, ll_spectrum_fit_opts *fo, ll_err *err)
{
	ll_spectrum_fit_opts_default(fo);
	const char *v = ll_session_get(s, LL_STEP_SPECTRUM, "fit_ranks");
	if (!v || !strcmp(v, "auto")) {
		size_t lo = (k + 249) / 250, hi = (size_t)((double)k / 5.6);
		lo = lo < 2 ? 2 : lo;
		hi = hi < lo + 2 ? lo + 2 : hi;
		fo->rank_lo = lo;
		fo->rank_hi = hi;
		return LL_OK;
	}
	char *end;
	unsigned long a = strtoul(v, &end, 10), b;
	if (end == v || *end != '-' || (b = strtoul(end + 1, &end, 10), *end) || a < 1 || b <= a)
		return ll_err_set(err, LL_EINVAL, "[spectrum] fit_ranks = %s: expected auto or A-B with 1 <= A < B", v);
	fo->rank_lo = a;
	fo->rank_hi = b;
	return LL_OK;
}

/* The recording as stimuli x neurons doubles (owned by *X). */
static int read_rec(const ll_session *s, const char *path, double **X, size_t *ns, size_t *nn, ll_err *err)
{
	ll_tensor t;
	int rc = ll_array_read_table(path, &t, err);
	if (rc != LL_OK)
		return rc;
	char shape[128];
	if (t.nmodes != 2) {
		rc = ll_err_set(err, LL_ESHAPE, "%s: a %d-D array (%s); [spectrum] with = needs stimuli x neurons", path,
				t.nmodes, ll_tensor_shape_str(&t, shape, sizeof shape));
		ll_tensor_free(&t);
		return rc;
	}
	int tr = ll_session_is(s, LL_STEP_SPECTRUM, "with_transpose", "yes");
	size_t r = t.dim[0], c = t.dim[1];
	*ns = tr ? c : r;
	*nn = tr ? r : c;
	if (!(*X = ll_malloc_array(t.size, sizeof **X))) {
		ll_tensor_free(&t);
		return ll_err_oom(err);
	}
	for (size_t i = 0; i < r; i++)
		for (size_t j = 0; j < c; j++)
			(*X)[tr ? j * r + i : i * c + j] = t.data[i * c + j];
	ll_tensor_free(&t);
	return LL_OK;
}

static int recording(ll_step_ctx *c, struct ll_res_spectrum *r, ll_err *err)
{
	ll_session *s = c->s;
	r->rec_path = ll_session_get_path(s, LL_STEP_SPECTRUM, "with");
	char *rep = ll_session_get_path(s, LL_STEP_SPECTRUM, "with_repeat");
	if (rep && *rep)
		r->rec_repeat = rep;
	else
		ll_free(rep);
	if (!r->rec_path)
		return ll_err_oom(err);
	double *X1 = NULL, *X2 = NULL;
	size_t s1, n1, s2 = 0, n2 = 0;
	int rc = read_rec(s, r->rec_path, &X1, &s1, &n1, err);
	if (rc == LL_OK && r->rec_repeat && (rc = read_rec(s, r->rec_repeat, &X2, &s2, &n2, err)) == LL_OK &&
	    (s1 != s2 || n1 != n2))
		rc = ll_err_set(err, LL_ESHAPE,
				"[spectrum] with_repeat: %s is %zu stimuli x %zu neurons but %s is %zu x %zu: repeats must "
				"have the same shape",
				r->rec_repeat, s2, n2, r->rec_path, s1, n1);
	ll_spectrum_fit_opts fo;
	size_t k = s1 > 1 ? (s1 - 1 < n1 ? s1 - 1 : n1) : 0;
	if (rc == LL_OK)
		rc = fit_range(s, k, &fo, err);
	ll_spectrum_boot_opts bo;
	ll_spectrum_boot_opts_default(&bo);
	bo.resamples = (size_t)ll_session_get_int(s, LL_STEP_SPECTRUM, "bootstrap");
	bo.level = ll_session_get_real(s, LL_STEP_SPECTRUM, "ci");
	bo.seed = ll_seed_derive((uint64_t)ll_session_get_int(s, LL_STEP_SESSION, "seed"), 0x73706563, 0);
	bo.threads = ll_step_threads(s);
	ll_step_prog g = {.c = c, .lo = 0.6, .span = 0.4};
	bo.progress = ll_step_prog_fwd;
	bo.progress_ud = &g;
	if (rc == LL_OK &&
	    (rc = ll_spectrum_analyse(X1, X2, s1, n1, &fo, bo.resamples ? &bo : NULL, &r->rec, err)) != LL_OK) {
		if (ll_session_canceled(s))
			rc = ll_err_set(err, LL_ECANCELED, "[spectrum] canceled");
		else
			ll_err_prefix(err, "[spectrum] with: %s", r->rec_path);
	}
	r->rec_fit_lo = r->rec.fit.rank_lo;
	r->rec_fit_hi = r->rec.fit.rank_hi;
	r->has_recording = rc == LL_OK;
	ll_free(X1);
	ll_free(X2);
	return rc;
}

static int models(ll_step_ctx *c, struct ll_res_spectrum *r, const struct ll_res_train *t, ll_err *err)
{
	ll_session *s = c->s;
	if (!t->probe)
		return ll_err_set(err, LL_EINVAL,
				  "[spectrum] needs every unit's activity on probe images: set [train] probe_activity "
				  "(e.g. 50 images of each digit)");
	size_t M = t->log.models, S = t->log.snapshots, P = t->probe_n, U = t->log.units;
	if (P < 3)
		return ll_err_set(err, LL_EINVAL, "[spectrum] %zu probe images are too few: raise [train] probe_activity", P);
	size_t k = P - 1 < U ? P - 1 : U;
	ll_spectrum_fit_opts fo;
	int rc = fit_range(s, k, &fo, err);
	if (rc != LL_OK)
		return rc;
	if (fo.rank_lo > k)
		return ll_err_set(err, LL_EINVAL,
				  "[spectrum] fit_ranks start at %zu but the hidden layer has %zu eigenvalues (%zu probe "
				  "images, %zu units)",
				  fo.rank_lo, k, P, U);
	r->models = M;
	r->snapshots = S;
	r->stimuli = P;
	r->units = U;
	r->k = k;
	r->fit_lo = fo.rank_lo;
	r->fit_hi = fo.rank_hi < k ? fo.rank_hi : k;
	r->step = ll_malloc_array(S, sizeof *r->step);
	r->eig = ll_calloc_array(M * S, k * sizeof *r->eig);
	r->alpha = ll_malloc_array(M * S, sizeof *r->alpha);
	r->intercept = ll_malloc_array(M * S, sizeof *r->intercept);
	r->pr = ll_malloc_array(M * S, sizeof *r->pr);
	r->dim90 = ll_malloc_array(M * S, sizeof *r->dim90);
	double *X = ll_malloc_array(P * U, sizeof *X);
	if (!r->step || !r->eig || !r->alpha || !r->intercept || !r->pr || !r->dim90 || !X) {
		ll_free(X);
		return ll_err_oom(err);
	}
	memcpy(r->step, t->log.step, S * sizeof *r->step);
	for (size_t m = 0; m < M && rc == LL_OK; m++) {
		for (size_t j = 0; j < S && rc == LL_OK; j++) {
			const float *A = ll_res_train_probe(t, m, j);
			for (size_t i = 0; i < P * U; i++)
				X[i] = A[i];
			ll_spectrum sp;
			if ((rc = ll_spectrum_cov(X, P, U, &sp, err)) != LL_OK) {
				ll_err_prefix(err, "[spectrum] model %zu, snapshot %zu", m, j);
				break;
			}
			size_t q = m * S + j;
			memcpy(r->eig + q * k, sp.eig, (sp.k < k ? sp.k : k) * sizeof *r->eig);
			ll_spectrum_fit f;
			ll_err fe;
			if (ll_spectrum_powerlaw(sp.eig, sp.k, &fo, &f, &fe) == LL_OK) {
				r->alpha[q] = f.alpha;
				r->intercept[q] = f.intercept;
			} else { /* e.g. a dead layer at the start: no positive eigenvalues in range */
				r->alpha[q] = r->intercept[q] = NAN;
			}
			r->pr[q] = ll_spectrum_pr(sp.eig, sp.k);
			r->dim90[q] = (double)ll_spectrum_dim(sp.eig, sp.k, 0.9);
			ll_spectrum_free(&sp);
		}
		ll_progress p = {"spectrum", (double)(m + 1) / (double)M, "hidden-layer spectra over training"};
		ll_step_prog g = {.c = c, .span = 0.6};
		if (ll_step_prog_fwd(&g, &p))
			rc = ll_err_set(err, LL_ECANCELED, "[spectrum] canceled");
	}
	ll_free(X);
	return rc;
}

static void write_json(ll_json *j, const void *ud)
{
	const struct ll_res_spectrum *r = ud;
	size_t M = r->models, S = r->snapshots;
	ll_json_obj_begin(j);
	if (M) {
		ll_json_key(j, "models");
		ll_json_obj_begin(j);
		ll_json_kv_int(j, "models", (long long)M);
		ll_json_kv_int(j, "snapshots", (long long)S);
		ll_json_kv_int(j, "stimuli", (long long)r->stimuli);
		ll_json_kv_int(j, "units", (long long)r->units);
		double fr[2] = {(double)r->fit_lo, (double)r->fit_hi};
		ll_json_key(j, "fit_ranks");
		ll_json_num_array(j, fr, 2);
		double a = 0, p = 0;
		size_t na = 0;
		for (size_t m = 0; m < M; m++) {
			double v = r->alpha[m * S + S - 1];
			if (isfinite(v))
				a += v, na++;
			p += r->pr[m * S + S - 1];
		}
		ll_json_kv_num(j, "final_alpha_mean", na ? a / (double)na : NAN);
		ll_json_kv_num(j, "final_pr_mean", p / (double)M);
		ll_json_obj_end(j);
	}
	if (r->has_recording) {
		const ll_spectrum_result *q = &r->rec;
		ll_json_key(j, "recording");
		ll_json_obj_begin(j);
		ll_json_kv_str(j, "path", r->rec_path);
		ll_json_kv_str(j, "repeat", r->rec_repeat ? r->rec_repeat : "");
		ll_json_kv_str(j, "method", ll_spectrum_method_name(q->spec.method));
		ll_json_kv_int(j, "stimuli", (long long)q->spec.n_stimuli);
		ll_json_kv_int(j, "neurons", (long long)q->spec.n_neurons);
		ll_json_kv_num(j, "alpha", q->fit.alpha);
		double ci[2] = {q->boot.alpha ? q->boot.lo : NAN, q->boot.alpha ? q->boot.hi : NAN};
		ll_json_key(j, "alpha_ci");
		ll_json_num_array(j, ci, 2);
		ll_json_kv_num(j, "pr", q->pr);
		ll_json_kv_int(j, "dim90", (long long)q->dim90);
		double fr[2] = {(double)q->fit.rank_lo, (double)q->fit.rank_hi};
		ll_json_key(j, "fit_ranks");
		ll_json_num_array(j, fr, 2);
		ll_json_obj_end(j);
	}
	ll_json_kv_num(j, "seconds", r->seconds);
	ll_json_obj_end(j);
	fputc('\n', j->fp);
}

static int save(ll_step_ctx *c, const struct ll_res_spectrum *r, ll_err *err)
{
	char *dir;
	int rc = ll_step_outdir(c, &dir, err);
	if (rc != LL_OK)
		return rc;
	size_t M = r->models, S = r->snapshots;
	if (M) {
		size_t sh3[3] = {M, S, r->k}, sh2[2] = {M, S};
		rc = ll_step_write_vec(dir, "eigenvalues.npy", r->eig, 3, sh3, err);
		if (rc == LL_OK)
			rc = ll_step_write_vec(dir, "alpha.npy", r->alpha, 2, sh2, err);
		if (rc == LL_OK)
			rc = ll_step_write_vec(dir, "pr.npy", r->pr, 2, sh2, err);
		if (rc == LL_OK)
			rc = ll_step_write_vec(dir, "dim90.npy", r->dim90, 2, sh2, err);
	}
	if (rc == LL_OK && r->has_recording) {
		size_t sh1[1] = {r->rec.spec.k};
		rc = ll_step_write_vec(dir, "recording_eigenvalues.npy", r->rec.spec.eig, 1, sh1, err);
	}
	if (rc == LL_OK)
		rc = ll_step_write_json(dir, "spectrum.json", write_json, r, err);
	ll_free(dir);
	return rc;
}

static int run(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	double t0 = ll_now();
	struct ll_res_spectrum *r = ll_calloc(1, sizeof *r);
	if (!r)
		return ll_err_oom(err);
	s->res.spectrum = r;
	int rc = LL_OK;
	if (use_train(s)) {
		if (!s->res.train)
			return ll_err_set(err, LL_EINVAL, "[spectrum] needs the train step's models: run it first");
		rc = models(c, r, s->res.train, err);
	}
	if (rc == LL_OK && has_with(s))
		rc = recording(c, r, err);
	if (rc != LL_OK)
		return rc;
	r->seconds = ll_now() - t0;
	char a[96] = "", b[128] = "";
	if (r->models) {
		double al = 0, p = 0;
		size_t na = 0, S = r->snapshots;
		for (size_t m = 0; m < r->models; m++) {
			if (isfinite(r->alpha[m * S + S - 1]))
				al += r->alpha[m * S + S - 1], na++;
			p += r->pr[m * S + S - 1];
		}
		snprintf(a, sizeof a, "%zu models' hidden layers: alpha %.2f, PR %.1f at the end", r->models,
			 na ? al / (double)na : NAN, p / (double)r->models);
	}
	if (r->has_recording)
		snprintf(b, sizeof b, "%srecording (%s): alpha %.2f [%.2f, %.2f], PR %.1f", r->models ? "; " : "",
			 ll_spectrum_method_name(r->rec.spec.method), r->rec.fit.alpha,
			 r->rec.boot.alpha ? r->rec.boot.lo : NAN, r->rec.boot.alpha ? r->rec.boot.hi : NAN, r->rec.pr);
	ll_step_status(c, "%s%s", a, b);
	ll_session_log(s, "spectrum: %s", s->status[c->k]);
	return c->outdir ? save(c, r, err) : LL_OK;
}

static int check(const ll_session *s, ll_err *err)
{
	if (s->state[LL_STEP_SPECTRUM] == LL_STATE_ABSENT)
		return LL_OK;
	int with = has_with(s), train = use_train(s);
	if (!with && !train)
		return ll_err_set(err, LL_EINVAL,
				  "[spectrum] has nothing to measure: train MLPs ([data] kind = mnist) or give a "
				  "recording (with = FILE)");
	if (ll_session_is(s, LL_STEP_SPECTRUM, "source", "train") && !ll_step_in_session(s, LL_STEP_TRAIN))
		return ll_err_set(err, LL_EINVAL, "[spectrum] source = train needs a [train] step ([data] kind = mnist)");
	if (train && ll_session_get_int(s, LL_STEP_TRAIN, "probe_activity") == 0)
		return ll_err_set(err, LL_EINVAL,
				  "[spectrum] needs every unit's activity on probe images: set [train] probe_activity "
				  "(e.g. 50)");
	ll_spectrum_fit_opts fo;
	return fit_range(s, 1000, &fo, err);
}

static unsigned needs_for(const ll_session *s)
{
	return use_train(s) ? LL_STEP_BIT(LL_STEP_TRAIN) : 0;
}

const ll_step_def ll_step_spectrum = {
	.name = "spectrum",
	.summary = "eigenspectra: power-law alpha, participation ratio over training; a recording by cvPCA",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.needs_for = needs_for,
	.check = check,
	.run = run,
	.drop = drop,
	.outputs = "eigenvalues.npy, alpha.npy, pr.npy, dim90.npy, recording_eigenvalues.npy, spectrum.json",
};
