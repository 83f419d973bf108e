/*
 * [dsa]: Dynamical Similarity Analysis between every pair of the
 * session's systems (src/dynamics/ll_dsa.h: the code `latentlab dsa`
 * runs): the rnn step's networks on their probe set, or the train step's
 * MLPs over training, and optionally a recorded population.  Beside it,
 * a geometry metric (Procrustes' angular shape distance by default) on
 * the same states, each drawn by MDS, and how well each separates the
 * groups (cells or learning rates): does geometry tell apart what the
 * dynamics do not, or the other way round (Ostrow et al. 2023)?
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "base/ll_rng.h"
#include "io/ll_array.h"
#include "pipeline/ll_step.h"
#include "pipeline/steps/step_dsa.h"
#include "pipeline/steps/step_rnn.h"
#include "pipeline/steps/step_train.h"

#define METRIC_CHOICE_(id, name, kind, inv, fn, desc) "|" name
#define METRIC_CHOICES (LL_METRICS(METRIC_CHOICE_) + 1)

static const ll_param_def params[] = {
	P_ENUM("source", "auto", LL_ENUM_CHOICES(LL_DSA_SOURCES),
	       "the systems: rnn (each network's states on the probe set), train (each MLP's digit means "
	       "over training snapshots); auto: rnn when the session has [rnn], else train"),
	P_AUTO_INT("delays", "auto", 1, 1000,
		   "delay-embedding depth d; auto: a quarter of the shortest system's time points, 1 to 10"),
	P_INT("delay_interval", "1", 1, 1000, "steps between delays"),
	P_AUTO_INT("rank", "auto", 1, 10000,
		   "DMD rank, one for every system; auto: the largest any system needs to explain "
		   "explained_variance, capped by the smallest embedding and by 30"),
	P_REAL("explained_variance", "0.99", 0.5, 0.999999, "the variance the auto rank explains"),
	P_INT("restarts", "3", 1, 100, "starts of the orthogonal-group descent on each component of O(n)"),
	P_INT("max_iter", "1000", 1, 1000000, "descent iterations per start"),
	P_ENUM("geometry", "angular", METRIC_CHOICES,
	       "the geometry metric on the same states, shown beside DSA (angular: Procrustes' angular shape "
	       "distance)"),
	P_PATH("with", "", "a recorded population, one more system (.npy/.npz/.csv; time x neurons, or 3-D as "
			    "with_layout says)"),
	P_ENUM("with_layout", "trials-time-neurons", "trials-time-neurons|neurons-time-trials",
	       "how a 3-D recording is laid out (latentlab dsa's and the reference's is trials-time-neurons; "
	       "latentlab synth writes neurons-time-trials)"),
};

static void drop(ll_session *s)
{
	struct ll_res_dsa *r = s->res.dsa;
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		if (r->dmd)
			ll_dsa_dmd_free(&r->dmd[i]);
		if (r->name)
			ll_free(r->name[i]);
	}
	for (size_t g = 0; r->group_name && g < r->ngroups; g++)
		ll_free(r->group_name[g]);
	ll_free(r->dmd);
	ll_free(r->name);
	ll_free(r->group_name);
	ll_free(r->group);
	ll_free(r->trials);
	ll_free(r->T);
	ll_free(r->units);
	ll_free(r->recording);
	ll_free(r->dsa);
	ll_free(r->wass);
	ll_free(r->geometry);
	ll_mds_free(&r->mds_dsa);
	ll_mds_free(&r->mds_geometry);
	ll_free(r);
	s->res.dsa = NULL;
}

/* ---- the systems ------------------------------------------------------------------ */

/* Every system's data as trials x time x units doubles (owned). */
typedef struct systems {
	size_t n;
	double **x;
} systems;

static void systems_free(systems *y)
{
	for (size_t i = 0; y->x && i < y->n; i++)
		ll_free(y->x[i]);
	ll_free(y->x);
}

static ll_dsa_source source_of(const ll_session *s)
{
	ll_dsa_source src = (ll_dsa_source)ll_session_get_enum(s, LL_STEP_DSA, "source");
	if (src == LL_DSA_SRC_AUTO)
		src = ll_step_in_session(s, LL_STEP_RNN) ? LL_DSA_SRC_RNN : LL_DSA_SRC_TRAIN;
	return src;
}

static int set_name(struct ll_res_dsa *r, size_t i, const char *fmt, ...)
{
	char buf[96];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return (r->name[i] = ll_strdup(buf)) ? LL_OK : LL_ENOMEM;
}

static int from_rnn(const struct ll_res_rnn *rn, struct ll_res_dsa *r, systems *y, ll_err *err)
{
	size_t B = rn->probe.B, T = rn->probe.T;
	size_t *seen = ll_calloc_array(rn->nets + 1, sizeof *seen);
	if (!seen)
		return ll_err_oom(err);
	int rc = LL_OK;
	for (size_t i = 0; i < rn->nets && rc == LL_OK; i++) {
		size_t H = rn->net[i].H, S = rn->net[i].S, g;
		const char *cell = ll_rnn_cell_name(rn->net[i].cfg.cell);
		if ((rc = ll_step_group_of(r->group_name, &r->ngroups, cell, &g, err)) != LL_OK)
			break;
		r->group[i] = g;
		if (set_name(r, i, "%s %zu", cell, ++seen[g]) != LL_OK || !(y->x[i] = ll_malloc_array(B * T, H * sizeof(double)))) {
			rc = ll_err_oom(err);
			break;
		}
		for (size_t b = 0; b < B; b++) {
			const float *st = ll_res_rnn_states(rn, i, b);
			for (size_t t = 0; t < T; t++)
				for (size_t u = 0; u < H; u++)
					y->x[i][(b * T + t) * H + u] = st[t * S + u]; /* h, not an LSTM's c */
		}
		r->trials[i] = B;
		r->T[i] = T;
		r->units[i] = H;
	}
	ll_free(seen);
	return rc;
}

static int from_train(const ll_session *s, const struct ll_res_train *t, struct ll_res_dsa *r, systems *y,
		      ll_err *err)
{
	const ll_tensor *A = &t->activity; /* models x digits x units x snapshots */
	size_t D = A->dim[1], U = A->dim[2], S = A->dim[3];
	size_t *seen = ll_calloc_array(r->models + 1, sizeof *seen);
	if (!seen)
		return ll_err_oom(err);
	int rc = LL_OK;
	for (size_t m = 0; m < r->models && rc == LL_OK; m++) {
		char lr[48];
		size_t g;
		snprintf(lr, sizeof lr, "lr %g", ll_train_model_lr(s, m, NULL));
		if ((rc = ll_step_group_of(r->group_name, &r->ngroups, lr, &g, err)) != LL_OK)
			break;
		r->group[m] = g;
		if (set_name(r, m, "%s #%zu", lr, ++seen[g]) != LL_OK || !(y->x[m] = ll_malloc_array(D * S, U * sizeof(double)))) {
			rc = ll_err_oom(err);
			break;
		}
		for (size_t d = 0; d < D; d++)
			for (size_t j = 0; j < S; j++)
				for (size_t u = 0; u < U; u++)
					y->x[m][(d * S + j) * U + u] = A->data[((m * D + d) * U + u) * S + j];
		r->trials[m] = D;
		r->T[m] = S;
		r->units[m] = U;
	}
	ll_free(seen);
	return rc;
}

/* The recording as trials x time x units. */
static int from_file(const ll_session *s, const char *path, struct ll_res_dsa *r, systems *y, ll_err *err)
{
	ll_tensor X;
	int rc = ll_array_read_table(path, &X, err);
	if (rc != LL_OK)
		return rc;
	size_t i = r->n - 1, R, T, N;
	char shape[128];
	int ntt = ll_session_is(s, LL_STEP_DSA, "with_layout", "neurons-time-trials");
	if (X.nmodes == 2) {
		R = 1, T = X.dim[0], N = X.dim[1];
	} else if (X.nmodes == 3) {
		R = ntt ? X.dim[2] : X.dim[0];
		T = X.dim[1];
		N = ntt ? X.dim[0] : X.dim[2];
	} else {
		rc = ll_err_set(err, LL_ESHAPE, "%s: a %d-D array (%s); [dsa] with = needs time x neurons or a 3-D recording",
				path, X.nmodes, ll_tensor_shape_str(&X, shape, sizeof shape));
		ll_tensor_free(&X);
		return rc;
	}
	if (!(y->x[i] = ll_malloc_array(X.size, sizeof(double)))) {
		ll_tensor_free(&X);
		return ll_err_oom(err);
	}
	for (size_t q = 0; q < R; q++)
		for (size_t t = 0; t < T; t++)
			for (size_t k = 0; k < N; k++) {
				double v = ntt && X.nmodes == 3 ? X.data[(k * T + t) * R + q] : X.data[(q * T + t) * N + k];
				if (!isfinite(v)) {
					ll_tensor_free(&X);
					return ll_err_set(err, LL_ENUMERIC, "%s: trial %zu, time %zu, neuron %zu is %s", path, q,
							  t, k, isnan(v) ? "NaN" : "infinite");
				}
				y->x[i][(q * T + t) * N + k] = v;
			}
	ll_tensor_free(&X);
	r->trials[i] = R;
	r->T[i] = T;
	r->units[i] = N;
	size_t g;
	if ((rc = ll_step_group_of(r->group_name, &r->ngroups, "recorded", &g, err)) != LL_OK)
		return rc;
	r->group[i] = g;
	return set_name(r, i, "recorded") == LL_OK ? LL_OK : ll_err_oom(err);
}

/* ---- the analysis ------------------------------------------------------------------- */

#define AUTO_RANK_MAX 30

/* Fit every system at the rank asked for, or at the auto rank. */
static int fit_all(ll_step_ctx *c, struct ll_res_dsa *r, const systems *y, ll_step_prog *g, ll_err *err)
{
	ll_session *s = c->s;
	long rank = ll_session_get_int(s, LL_STEP_DSA, "rank");
	ll_dsa_dmd_opts o = r->dmd_opts;
	o.rank = rank > 0 ? (size_t)rank : 0;
	o.explained_variance = rank > 0 ? 0 : ll_session_get_real(s, LL_STEP_DSA, "explained_variance");
	int rc = LL_OK;
	for (size_t i = 0; i < r->n && rc == LL_OK; i++) {
		ll_step_prog_note(g, "DMD of %s (%zu/%zu)", r->name[i], i + 1, r->n);
		if (ll_step_prog_at(g, 0.4 * (double)i / (double)r->n))
			return ll_err_set(err, LL_ECANCELED, "[dsa] canceled");
		rc = ll_dsa_dmd_fit(y->x[i], r->trials[i], r->T[i], r->units[i], &o, &r->dmd[i], err);
		if (rc != LL_OK)
			ll_err_prefix(err, "[dsa] %s", r->name[i]);
	}
	if (rc != LL_OK || rank > 0) {
		r->rank = rc == LL_OK ? r->dmd[0].rank : 0;
		r->dmd_opts = o;
		return rc;
	}
	/* one rank for all: the largest chosen, capped by the smallest embedding
	 * and by AUTO_RANK_MAX (the reference's examples use 15-30; each descent
	 * step costs O(rank^3), and a noisy system would otherwise ask for all) */
	size_t need = 0, cap = AUTO_RANK_MAX;
	for (size_t i = 0; i < r->n; i++) {
		size_t full = r->dmd[i].rows < r->dmd[i].embed_dim ? r->dmd[i].rows : r->dmd[i].embed_dim;
		need = r->dmd[i].rank > need ? r->dmd[i].rank : need;
		cap = full < cap ? full : cap;
	}
	o.rank = need < cap ? need : cap;
	o.explained_variance = 0;
	for (size_t i = 0; i < r->n && rc == LL_OK; i++) {
		if (r->dmd[i].rank == o.rank)
			continue;
		ll_step_prog_note(g, "DMD of %s at rank %zu", r->name[i], o.rank);
		if (ll_step_prog_at(g, 0.4 + 0.1 * (double)i / (double)r->n))
			return ll_err_set(err, LL_ECANCELED, "[dsa] canceled");
		ll_dsa_dmd_free(&r->dmd[i]);
		rc = ll_dsa_dmd_fit(y->x[i], r->trials[i], r->T[i], r->units[i], &o, &r->dmd[i], err);
		if (rc != LL_OK)
			ll_err_prefix(err, "[dsa] %s", r->name[i]);
	}
	r->rank = o.rank;
	r->dmd_opts = o;
	return rc;
}

/* Geometry: the metric on (trials * time) x units; pairs that differ in
 * trials * time stay NaN. */
static int geometry(ll_step_ctx *c, struct ll_res_dsa *r, const systems *y, ll_step_prog *g, ll_err *err)
{
	size_t n = r->n;
	ll_system *sys = ll_calloc_array(n, sizeof *sys);
	double *M = ll_malloc_array(n * n, sizeof *M);
	int rc = LL_OK;
	if (!sys || !M)
		rc = ll_err_oom(err);
	for (size_t i = 0; i < n * n && rc == LL_OK; i++)
		r->geometry[i] = NAN;
	for (size_t i = 0; i < n && rc == LL_OK; i++)
		sys[i] = (ll_system){r->name[i], y->x[i], r->trials[i] * r->T[i], r->units[i]};
	ll_compare_opts o;
	ll_compare_opts_default(&o);
	o.drop_constant = 1; /* a saturated unit is a fact of the network, not an error */
	/* the models share their conditions; a recording joins when its rows agree */
	size_t k = r->has_recording && sys[n - 1].n != sys[0].n ? n - 1 : n;
	g->lo = 0.9;
	g->span = 0.08;
	ll_step_prog_note(g, "geometry (%s) of every pair", ll_metric_name(r->geometry_metric));
	if (rc == LL_OK && k >= 2)
		rc = ll_compare_all(sys, k, r->geometry_metric, &o, M, ll_step_prog_fwd, g, err);
	if (rc == LL_OK && k >= 2) {
		ll_compare_dissimilarity(r->geometry_metric, M, k, M);
		for (size_t a = 0; a < k; a++)
			for (size_t b = 0; b < k; b++)
				r->geometry[a * n + b] = M[a * k + b];
	}
	(void)c;
	ll_free(M);
	ll_free(sys);
	if (rc != LL_OK)
		ll_err_prefix(err, "[dsa] geometry (%s)", ll_metric_name(r->geometry_metric));
	return rc;
}

static double mean_offdiag(const double *D, size_t n)
{
	double sum = 0;
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++)
			sum += D[a * n + b];
	return sum / (double)(n * (n - 1) / 2);
}

/* MDS of D over its first k systems (the rest NaN). */
static int mds_of(const double *D, size_t n, size_t k, ll_mds_result *out, ll_err *err)
{
	if (k < 3)
		return LL_OK;
	double *Dk = ll_malloc_array(k * k, sizeof *Dk);
	if (!Dk)
		return ll_err_oom(err);
	for (size_t a = 0; a < k; a++)
		for (size_t b = 0; b < k; b++)
			Dk[a * k + b] = D[a * n + b];
	ll_mds_opts mo;
	ll_mds_opts_default(&mo);
	ll_mds_result m;
	int rc = ll_mds(Dk, k, &mo, &m, err);
	ll_free(Dk);
	if (rc != LL_OK)
		return rc;
	if (k < n) { /* widen to n rows, NaN for the systems left out */
		double *co = ll_realloc(m.coords, n * m.k * sizeof *co); /* n * k small: no overflow */
		if (!co) {
			ll_mds_free(&m);
			return ll_err_oom(err);
		}
		for (size_t i = k * m.k; i < n * m.k; i++)
			co[i] = NAN;
		m.coords = co;
		m.n = n;
	}
	*out = m;
	return LL_OK;
}

/* ---- files -------------------------------------------------------------------------- */

static void write_json(ll_json *j, const void *ud)
{
	const struct ll_res_dsa *r = ud;
	ll_json_obj_begin(j);
	ll_json_kv_str(j, "source", r->source == LL_DSA_SRC_RNN ? "rnn" : "train");
	ll_json_kv_int(j, "systems", (long long)r->n);
	ll_json_kv_str(j, "recording", r->recording ? r->recording : "");
	ll_json_kv_int(j, "delays", (long long)r->dmd_opts.delays);
	ll_json_kv_int(j, "delay_interval", (long long)r->dmd_opts.delay_interval);
	ll_json_kv_int(j, "rank", (long long)r->rank);
	ll_json_kv_num(j, "lambda", r->dmd_opts.lambda);
	ll_json_kv_int(j, "restarts", (long long)r->opts.restarts);
	ll_json_kv_int(j, "max_iter", (long long)r->opts.max_iters);
	ll_json_kv_str(j, "geometry_metric", ll_metric_name(r->geometry_metric));
	ll_json_kv_num(j, "separation_dsa", r->sep_dsa);
	ll_json_kv_num(j, "separation_geometry", r->sep_geometry);
	ll_json_kv_num(j, "seconds", r->seconds);
	ll_json_obj_end(j);
	fputc('\n', j->fp);
}

static int save(ll_step_ctx *c, const struct ll_res_dsa *r, ll_err *err)
{
	char *dir;
	int rc = ll_step_outdir(c, &dir, err);
	if (rc != LL_OK)
		return rc;
	size_t n = r->n, sh[2] = {n, n}, m2[2] = {n, 2};
	rc = ll_step_write_vec(dir, "dsa.npy", r->dsa, 2, sh, err);
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "wasserstein.npy", r->wass, 2, sh, err);
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "geometry.npy", r->geometry, 2, sh, err);
	if (rc == LL_OK && r->mds_dsa.coords)
		rc = ll_step_write_vec(dir, "mds_dsa.npy", r->mds_dsa.coords, 2, m2, err);
	if (rc == LL_OK && r->mds_geometry.coords)
		rc = ll_step_write_vec(dir, "mds_geometry.npy", r->mds_geometry.coords, 2, m2, err);
	if (rc == LL_OK) {
		ll_afile af;
		rc = ll_afile_open_in(&af, dir, "systems.csv", err);
		if (rc == LL_OK) {
			fputs("system,name,group,trials,time,units,rank,mds_dsa_1,mds_dsa_2\n", af.fp);
			for (size_t i = 0; i < n; i++) {
				const double *co = r->mds_dsa.coords ? r->mds_dsa.coords + i * 2 : NULL;
				fprintf(af.fp, "%zu,%s,%s,%zu,%zu,%zu,%zu,%.9g,%.9g\n", i, r->name[i],
					r->group_name[r->group[i]], r->trials[i], r->T[i], r->units[i], r->dmd[i].rank,
					co ? co[0] : NAN, co ? co[1] : NAN);
			}
			rc = ll_afile_commit(&af, err);
		}
	}
	if (rc == LL_OK) {
		ll_afile af;
		rc = ll_afile_open_in(&af, dir, "eigenvalues.csv", err);
		if (rc == LL_OK) {
			fputs("system,name,index,re,im,modulus\n", af.fp);
			for (size_t i = 0; i < n; i++)
				for (size_t e = 0; e < r->dmd[i].rank; e++) {
					const double *ev = r->dmd[i].eig + 2 * e;
					fprintf(af.fp, "%zu,%s,%zu,%.9g,%.9g,%.9g\n", i, r->name[i], e, ev[0], ev[1],
						hypot(ev[0], ev[1]));
				}
			rc = ll_afile_commit(&af, err);
		}
	}
	if (rc == LL_OK)
		rc = ll_step_write_json(dir, "dsa.json", write_json, r, err);
	ll_free(dir);
	return rc;
}

static int run(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	ll_dsa_source src = source_of(s);
	const struct ll_res_rnn *rn = s->res.rnn;
	const struct ll_res_train *tr = s->res.train;
	if (src == LL_DSA_SRC_RNN && !rn)
		return ll_err_set(err, LL_EINVAL, "[dsa] source = rnn needs the rnn step's networks: run it first");
	if (src == LL_DSA_SRC_TRAIN && !tr)
		return ll_err_set(err, LL_EINVAL, "[dsa] source = train needs the train step's models: run it first");
	double t0 = ll_now();
	struct ll_res_dsa *r = ll_calloc(1, sizeof *r);
	if (!r)
		return ll_err_oom(err);
	s->res.dsa = r;
	r->source = src;
	r->models = src == LL_DSA_SRC_RNN ? rn->nets : tr->activity.dim[0];
	char *with = ll_session_get_path(s, LL_STEP_DSA, "with");
	if (with && *with) {
		r->has_recording = 1;
		r->recording = with;
	} else {
		ll_free(with);
	}
	size_t n = r->n = r->models + (size_t)r->has_recording;
	if (n < 2)
		return ll_err_set(err, LL_EINVAL, "[dsa] needs at least 2 systems, the session has %zu", n);
	r->geometry_metric = (ll_metric)ll_session_get_enum(s, LL_STEP_DSA, "geometry");
	r->name = ll_calloc_array(n, sizeof *r->name);
	r->group = ll_calloc_array(n, sizeof *r->group);
	r->group_name = ll_calloc_array(n, sizeof *r->group_name);
	r->trials = ll_calloc_array(n, sizeof *r->trials);
	r->T = ll_calloc_array(n, sizeof *r->T);
	r->units = ll_calloc_array(n, sizeof *r->units);
	r->dmd = ll_calloc_array(n, sizeof *r->dmd);
	r->dsa = ll_calloc_array(n * n, sizeof *r->dsa);
	r->wass = ll_calloc_array(n * n, sizeof *r->wass);
	r->geometry = ll_calloc_array(n * n, sizeof *r->geometry);
	systems y = {n, ll_calloc_array(n, sizeof(double *))};
	int rc = LL_OK;
	if (!r->name || !r->group || !r->group_name || !r->trials || !r->T || !r->units || !r->dmd || !r->dsa ||
	    !r->wass || !r->geometry || !y.x)
		rc = ll_err_oom(err);
	if (rc == LL_OK)
		rc = src == LL_DSA_SRC_RNN ? from_rnn(rn, r, &y, err) : from_train(s, tr, r, &y, err);
	if (rc == LL_OK && r->has_recording && (rc = from_file(s, r->recording, r, &y, err)) != LL_OK)
		ll_err_prefix(err, "[dsa] with");
	if (rc != LL_OK) {
		systems_free(&y);
		return rc;
	}

	/* settings */
	size_t Tmin = SIZE_MAX;
	for (size_t i = 0; i < n; i++)
		Tmin = r->T[i] < Tmin ? r->T[i] : Tmin;
	ll_dsa_dmd_opts_default(&r->dmd_opts);
	long d = ll_session_get_int(s, LL_STEP_DSA, "delays");
	r->dmd_opts.delays = d > 0 ? (size_t)d : Tmin / 4 < 1 ? 1 : Tmin / 4 > 10 ? 10 : Tmin / 4;
	r->dmd_opts.delay_interval = (size_t)ll_session_get_int(s, LL_STEP_DSA, "delay_interval");
	for (size_t i = 0; i < n; i++)
		if (ll_dsa_embed_rows(r->T[i], r->dmd_opts.delays, r->dmd_opts.delay_interval) < 2) {
			systems_free(&y);
			return ll_err_set(err, LL_ESHAPE,
					  "[dsa] %s has %zu time points, too few for %zu delays %zu apart (it needs %zu)",
					  r->name[i], r->T[i], r->dmd_opts.delays, r->dmd_opts.delay_interval,
					  (r->dmd_opts.delays - 1) * r->dmd_opts.delay_interval + 2);
		}
	ll_dsa_opts_default(&r->opts);
	r->opts.restarts = (size_t)ll_session_get_int(s, LL_STEP_DSA, "restarts");
	r->opts.max_iters = (size_t)ll_session_get_int(s, LL_STEP_DSA, "max_iter");
	r->opts.seed = ll_seed_derive((uint64_t)ll_session_get_int(s, LL_STEP_SESSION, "seed"), 0x647361, 0);

	/* fit_all's fractions are of the whole step */
	ll_step_prog g = {.c = c, .span = 1, .detail = LL_PROG_NOTE};
	rc = fit_all(c, r, &y, &g, err);
	if (rc == LL_OK) {
		ll_dsa_opts o = r->opts;
		g.lo = 0.5;
		g.span = 0.4;
		ll_step_prog_note(&g, "DSA of %zu pairs at rank %zu", n * (n - 1) / 2, r->rank);
		o.progress = ll_step_prog_fwd;
		o.progress_ud = &g;
		rc = ll_dsa_all(r->dmd, n, &o, ll_step_threads(s), r->dsa, r->wass, err);
		if (rc != LL_OK && ll_session_canceled(s))
			rc = ll_err_set(err, LL_ECANCELED, "[dsa] canceled");
		else if (rc != LL_OK)
			ll_err_prefix(err, "[dsa]");
	}
	if (rc == LL_OK)
		rc = geometry(c, r, &y, &g, err);
	systems_free(&y);
	if (rc != LL_OK)
		return rc;
	size_t kg = r->has_recording && !isfinite(r->geometry[n - 1]) ? n - 1 : n;
	if ((rc = mds_of(r->dsa, n, n, &r->mds_dsa, err)) != LL_OK ||
	    (rc = mds_of(r->geometry, n, kg, &r->mds_geometry, err)) != LL_OK)
		return rc;
	r->sep_dsa = ll_compare_separation(r->dsa, n, r->group);
	r->sep_geometry = ll_compare_separation(r->geometry, n, r->group);
	r->seconds = ll_now() - t0;

	if (isfinite(r->sep_dsa) && isfinite(r->sep_geometry))
		ll_step_status(c, "%zu systems, rank %zu, %zu delays: groups separate %.2fx by DSA, %.2fx by %s", n,
			       r->rank, r->dmd_opts.delays, r->sep_dsa, r->sep_geometry,
			       ll_metric_name(r->geometry_metric));
	else
		ll_step_status(c, "%zu systems, rank %zu, %zu delays: mean DSA %.3f rad", n, r->rank,
			       r->dmd_opts.delays, mean_offdiag(r->dsa, n));
	ll_session_log(s, "dsa: %s", s->status[c->k]);
	if (c->outdir)
		rc = save(c, r, err);
	return rc;
}

static int check(const ll_session *s, ll_err *err)
{
	if (s->state[LL_STEP_DSA] == LL_STATE_ABSENT)
		return LL_OK;
	ll_dsa_source src = (ll_dsa_source)ll_session_get_enum(s, LL_STEP_DSA, "source");
	int has_rnn = ll_step_in_session(s, LL_STEP_RNN), has_train = ll_step_in_session(s, LL_STEP_TRAIN);
	if (src == LL_DSA_SRC_RNN && !has_rnn)
		return ll_err_set(err, LL_EINVAL, "[dsa] source = rnn needs an [rnn] step ([data] kind = task)");
	if (src == LL_DSA_SRC_TRAIN && !has_train)
		return ll_err_set(err, LL_EINVAL, "[dsa] source = train needs a [train] step ([data] kind = mnist)");
	if (src == LL_DSA_SRC_AUTO && !has_rnn && !has_train)
		return ll_err_set(err, LL_EINVAL,
				  "[dsa] needs networks: an [rnn] step ([data] kind = task) or a [train] step "
				  "([data] kind = mnist)");
	/* a missing recording fails now, not after the networks have trained */
	char *with = ll_session_get_path(s, LL_STEP_DSA, "with");
	int rc = LL_OK;
	if (with && *with && access(with, R_OK) != 0)
		rc = ll_err_set(err, LL_EIO, "[dsa] with: %s: %s", with, strerror(errno));
	ll_free(with);
	return rc;
}

/* the systems come from whichever step the source names */
static unsigned needs_for(const ll_session *s)
{
	return source_of(s) == LL_DSA_SRC_RNN ? LL_STEP_BIT(LL_STEP_RNN) : LL_STEP_BIT(LL_STEP_TRAIN);
}

const ll_step_def ll_step_dsa = {
	.name = "dsa",
	.summary = "dynamical similarity (delay embedding + DMD + Procrustes over vector fields) of every pair",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.needs_for = needs_for,
	.check = check,
	.run = run,
	.drop = drop,
	.outputs = "dsa.npy, wasserstein.npy, geometry.npy, MDS maps, systems.csv, eigenvalues.csv, dsa.json",
};
