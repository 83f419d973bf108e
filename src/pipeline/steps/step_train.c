/* [train]: train the MLPs on MNIST and log their hidden activity per digit
 * over training: the tensor models x digits x units x snapshots. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "base/ll_rng.h"
#include "io/ll_mnist.h"
#include "io/ll_npy.h"
#include "nn/ll_hessian.h"
#include "nn/ll_mlp.h"
#include "pipeline/ll_step.h"
#include "pipeline/steps/step_data.h"
#include "pipeline/steps/step_tensor.h"
#include "pipeline/steps/step_train.h"
#include "similarity/ll_cka.h"

void openblas_set_num_threads(int);
int openblas_get_num_threads(void);

static const ll_param_def params[] = {
	P_INT("models", "30", 1, 1000, "number of MLPs to train"),
	P_INT("hidden", "64", 2, 4096, "hidden units (the logged layer)"),
	P_INT("hidden2", "0", 0, 4096, "units of a second hidden layer (0 = none; the first is logged)"),
	P_ENUM("activation", "relu", LL_ENUM_CHOICES(LL_MLP_ACTS), "hidden nonlinearity"),
	P_ENUM("optimizer", "momentum", LL_ENUM_CHOICES(LL_MLP_OPTS), "optimizer"),
	P_REALS("lr", "0.03", 1e-6, 10, "learning rate, or a list (0.01,0.03,0.1) given to the models in turn"),
	P_INT("batch", "32", 1, 4096, "minibatch size"),
	P_INT("epochs", "3", 1, 1000, "passes over the training set"),
	P_INT("log_every", "12", 1, 100000, "log a snapshot every this many steps"),
	P_INT("probe_per_class", "50", 1, 1000, "probe images per digit for the class means"),
	P_ENUM("init", "independent", "independent|shared", "models start from their own or one shared initialisation"),
	P_ENUM("match_units", "yes", "yes|no", "match units across models by activation correlation (Hungarian)"),
	P_INT("train_images", "0", 0, 1000000, "use the first N training images (0 = all)"),
	P_INT("hessian_top", "0", 0, 100,
	      "the training loss's top K Hessian eigenvalues and trace at the snapshots (0 = none; each "
	      "costs about 40 + K gradient evaluations on hessian_images images)"),
	P_INT("hessian_images", "256", 1, 60000, "training images the Hessian is measured on"),
	P_INT("hessian_every", "1", 1, 100000, "measure the Hessian at every N-th snapshot (and the last)"),
	P_INT("probe_activity", "0", 0, 1000,
	      "also log every unit's activity on the first N probe images of each digit (0 = none; "
	      "[compare] conditions = probe compares these)"),
	P_REALS("init_scale", "1", 0, 1000,
		"initial weights times this (> 0), or a list (0.1,1,4): small = rich, large = lazy learning"),
	P_STR("init_rank", "full",
	      "rank of the initial hidden weights: full, a number, or a list (full,1,5); the models take "
	      "the regimes init_scale x init_rank in turn"),
};

/* What one model's training callback needs. */
typedef struct train_ctx {
	ll_session *s;
	struct ll_res_train *r;
	const ll_mnist_data *md;
	size_t m, snap, units, S;
	double *class_means; /* 10 x units scratch */
	const float *probe_x; /* probe_n images to log activity on, or NULL */
	int *done_models;    /* shared counter for progress */
	ll_progress_fn progress;
	void *ud;
	size_t M;
	ll_err err;
	int failed;
	ll_hessian hess;      /* the curvature operator, made at the first snapshot */
	int has_hess;
	size_t hess_every;
	uint64_t hess_seed;
} train_ctx;

/* The curvature at snapshot j (see step_train.h). */
static int hessian_at(train_ctx *c, ll_mlp *net, size_t j)
{
	struct ll_res_train *r = c->r;
	size_t S = c->S, K = r->hess_k;
	if (!K || (j % c->hess_every != 0 && j + 1 != S))
		return LL_OK;
	int rc = c->has_hess ? ll_hessian_set_weights(&c->hess, net, &c->err)
			     : ll_hessian_init(&c->hess, net, c->md->train.x, c->md->train.y, r->hess_images, &c->err);
	if (rc != LL_OK)
		return rc;
	c->has_hess = 1;
	ll_hessian_lanczos_opts lo;
	ll_hessian_lanczos_opts_default(&lo);
	lo.k = K;
	lo.seed = c->hess_seed;
	ll_hessian_eigs e;
	if ((rc = ll_hessian_lanczos(&c->hess, &lo, &e, &c->err)) != LL_OK)
		return rc;
	for (size_t q = 0; q < K; q++)
		r->hess_top[(c->m * S + j) * K + q] = q < e.k ? e.top[q] : NAN;
	ll_hessian_eigs_free(&e);
	double tr = NAN, se;
	if (r->hess_probes && (rc = ll_hessian_trace(&c->hess, r->hess_probes, c->hess_seed, &tr, &se, &c->err)) != LL_OK)
		return rc;
	r->hess_trace[c->m * S + j] = tr;
	return LL_OK;
}

static int train_cb(void *vctx, ll_mlp *net, const ll_mlp_event *ev)
{
	train_ctx *c = vctx;
	struct ll_res_train *r = c->r;
	size_t U = c->units, S = c->S, j = c->snap;

	if (ll_session_canceled(c->s))
		return 1;
	if (j >= S)
		return 0;
	if (ll_mlp_log_class_means(net, &c->md->probe, 0, c->class_means, &c->err) != LL_OK) {
		c->failed = 1;
		return 1;
	}
	/* tensor models x digits x units x snapshots */
	double *X = r->activity.data;
	for (size_t d = 0; d < LL_MNIST_CLASSES; d++)
		for (size_t u = 0; u < U; u++)
			X[((c->m * LL_MNIST_CLASSES + d) * U + u) * S + j] = c->class_means[d * U + u];
	double loss, acc;
	if (ll_mlp_evaluate(net, &c->md->test, &loss, &acc, &c->err) != LL_OK) {
		c->failed = 1;
		return 1;
	}
	/* the weights, when the tensor is made of them */
	if (r->w_out)
		memcpy(r->w_out + (c->m * S + j) * LL_MNIST_CLASSES * U, net->W[net->nlayers - 1],
		       LL_MNIST_CLASSES * U * sizeof(float));
	if (r->w_in)
		memcpy(r->w_in + (c->m * S + j) * U * r->n_in, net->W[0], U * r->n_in * sizeof(float));
	r->log.loss[c->m * S + j] = loss;
	r->log.acc[c->m * S + j] = acc;
	r->log.train_loss[c->m * S + j] = ev->train_loss;
	if (c->m == 0)
		r->log.step[j] = (int)ev->step;
	if (hessian_at(c, net, j) != LL_OK) {
		ll_err_prefix(&c->err, "Hessian at snapshot %zu", j);
		c->failed = 1;
		return 1;
	}
	/* the class probabilities on the whole probe set (InPCA's points) */
	if (ll_mlp_probs(net, c->md->probe.x, r->outputs_n,
			 r->outputs + (c->m * S + j) * r->outputs_n * LL_MNIST_CLASSES, &c->err) != LL_OK) {
		c->failed = 1;
		return 1;
	}
	/* every unit's activity on the logged probe images */
	if (c->probe_x && ll_mlp_forward_hidden(net, c->probe_x, r->probe_n, 0,
						 r->probe + (c->m * S + j) * r->probe_n * U, &c->err) != LL_OK) {
		c->failed = 1;
		return 1;
	}
	c->snap++;
	if (c->progress && ev->total_steps) {
		int rc = 0;
#ifdef _OPENMP
#pragma omp critical(ll_train_progress)
#endif
		{
			char detail[96];
			int done;
#ifdef _OPENMP
#pragma omp atomic read
#endif
			done = *c->done_models;
			double frac = ((double)done +
				       (double)ev->step / (double)ev->total_steps) / (double)c->M;
			snprintf(detail, sizeof detail, "model %zu/%zu, step %zu/%zu, test accuracy %.1f%%",
				 c->m + 1, c->M, ev->step, ev->total_steps, 100 * acc);
			ll_progress p = {"train", frac > 1 ? 1 : frac, detail};
			rc = c->progress(c->ud, &p);
		}
		if (rc)
			return 1;
	}
	return 0;
}

static int train_config(const ll_session *s, ll_mlp_config *cfg, size_t n_in, ll_err *err)
{
	ll_mlp_config_default(cfg);
	cfg->n_in = n_in;
	cfg->hidden[0] = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "hidden");
	cfg->hidden[1] = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "hidden2");
	cfg->n_out = LL_MNIST_CLASSES;
	/* the choices are the engine's own names, in its enums' order */
	cfg->act = (ll_mlp_act)ll_session_get_enum(s, LL_STEP_TRAIN, "activation");
	cfg->opt = (ll_mlp_opt)ll_session_get_enum(s, LL_STEP_TRAIN, "optimizer");
	ll_session_get_reals(s, LL_STEP_TRAIN, "lr", &cfg->lr, 1); /* model 0's; see ll_train_model_lr */
	cfg->batch = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "batch");
	cfg->epochs = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "epochs");
	return ll_mlp_config_check(cfg, err);
}

/* "lr = a,b,c" gives a, b, c to the models in turn, so a sweep sits inside
 * one tensor (the model mode) and its factors. */
double ll_train_model_lr(const ll_session *s, size_t m, size_t *nlr)
{
	double v[64];
	size_t n = ll_session_get_reals(s, LL_STEP_TRAIN, "lr", v, 64);
	if (n > 64)
		n = 64;
	if (nlr)
		*nlr = n;
	return n ? v[m % n] : 0.03;
}

int ll_train_regimes_get(const ll_session *s, ll_train_regimes *g, ll_err *err)
{
	memset(g, 0, sizeof *g);
	double sc[LL_TRAIN_MAX_REGIMES + 1];
	size_t ns = ll_session_get_reals(s, LL_STEP_TRAIN, "init_scale", sc, LL_TRAIN_MAX_REGIMES + 1);
	if (ns > LL_TRAIN_MAX_REGIMES)
		return ll_err_set(err, LL_EINVAL, "[train] init_scale lists %zu scales (at most %d)", ns,
				  LL_TRAIN_MAX_REGIMES);
	for (size_t i = 0; i < ns; i++) {
		if (!(sc[i] > 0))
			return ll_err_set(err, LL_EINVAL, "[train] init_scale = %g: a scale must be > 0", sc[i]);
		g->scale[i] = sc[i];
	}
	g->nscale = ns ? ns : 1;
	if (!ns)
		g->scale[0] = 1;
	const char *v = ll_session_get(s, LL_STEP_TRAIN, "init_rank");
	const char *p = v;
	g->nrank = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *e = p;
		while (*e && *e != ',')
			e++;
		const char *t = e;
		while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
			t--;
		size_t len = (size_t)(t - p), k = 0;
		if (len == 4 && !strncmp(p, "full", 4)) {
			k = 0;
		} else {
			int ok = len > 0 && len < 10;
			for (size_t i = 0; ok && i < len; i++)
				ok = isdigit((unsigned char)p[i]);
			if (ok)
				k = (size_t)strtoul(p, NULL, 10);
			if (!ok || k == 0)
				return ll_err_set(err, LL_EINVAL,
						  "[train] init_rank = '%s' is not full, a rank >= 1 or a list like full,1,5", v);
		}
		if (g->nrank == LL_TRAIN_MAX_REGIMES)
			return ll_err_set(err, LL_EINVAL, "[train] init_rank lists more than %d ranks", LL_TRAIN_MAX_REGIMES);
		g->rank[g->nrank++] = k;
		if (!*e)
			break;
		p = e + 1;
	}
	g->n = g->nscale * g->nrank;
	if (g->n > LL_TRAIN_MAX_REGIMES)
		return ll_err_set(err, LL_EINVAL, "[train] init_scale x init_rank make %zu regimes (at most %d)", g->n,
				  LL_TRAIN_MAX_REGIMES);
	g->sweep = g->n > 1 || g->scale[0] != 1 || g->rank[0] != 0;
	return LL_OK;
}

char *ll_train_regime_name(const ll_train_regimes *g, size_t r, char *buf, size_t n)
{
	size_t k = ll_train_regime_rank(g, r);
	char rk[24];
	if (k)
		snprintf(rk, sizeof rk, "%zu", k);
	else
		snprintf(rk, sizeof rk, "full");
	if (g->nrank == 1 && g->nscale > 1)
		snprintf(buf, n, "scale %g", ll_train_regime_scale(g, r));
	else if (g->nscale == 1 && g->nrank > 1)
		snprintf(buf, n, "rank %s", rk);
	else
		snprintf(buf, n, "scale %g, rank %s", ll_train_regime_scale(g, r), rk);
	return buf;
}

/* Model m's seed: a pure function of the session seed and m. */
static uint64_t model_seed(const ll_session *s, size_t m)
{
	return ll_seed_derive((uint64_t)ll_session_get_int(s, LL_STEP_SESSION, "seed"), 0x6d6c70, m);
}


/* train/activity.json: what the axes of activity.npy mean (ud: the session) */
static void write_activity_json(ll_json *j, const void *ud)
{
	const ll_session *s = ud;
	const struct ll_res_train *r = s->res.train;
	const ll_train_log *t = &r->log;
	size_t M = t->models, S = t->snapshots;
	ll_json_obj_begin(j);
	ll_json_kv_str(j, "description",
		       "mean hidden activation of each unit for each digit on a fixed probe set, "
		       "logged during training");
	ll_json_key(j, "shape");
	ll_json_size_array(j, r->activity.dim, 4);
	ll_json_key(j, "modes");
	ll_json_arr_begin(j);
	for (int n = 0; n < 4; n++)
		ll_json_str(j, r->modes[n].name);
	ll_json_arr_end(j);
	ll_json_key(j, "digits");
	ll_json_arr_begin(j);
	for (int d = 0; d < 10; d++)
		ll_json_int(j, d);
	ll_json_arr_end(j);
	ll_json_key(j, "snapshot_steps");
	ll_json_arr_begin(j);
	for (size_t k = 0; k < S; k++)
		ll_json_int(j, t->step[k]);
	ll_json_arr_end(j);
	ll_json_key(j, "model_seeds");
	ll_json_arr_begin(j);
	for (size_t m = 0; m < M; m++)
		ll_json_u64(j, model_seed(s, m));
	ll_json_arr_end(j);
	if (r->probe) {
		ll_json_key(j, "probe_activity");
		ll_json_obj_begin(j);
		ll_json_kv_str(j, "file", "probe_activity.npy");
		ll_json_kv_str(j, "description",
			       "every hidden unit's activity on each logged probe image at each "
			       "snapshot: models x snapshots x images x units, float32");
		ll_json_key(j, "labels");
		ll_json_arr_begin(j);
		for (size_t i = 0; i < r->probe_n; i++)
			ll_json_int(j, r->probe_labels[i]);
		ll_json_arr_end(j);
		ll_json_obj_end(j);
	}
	if (r->w_out || r->w_in) {
		ll_json_key(j, "weights");
		ll_json_obj_begin(j);
		ll_json_kv_str(j, "files", r->w_out ? "readout_weights.npy" : "input_weights.npy");
		ll_json_kv_str(j, "description",
			       r->w_out ? "the readout layer's weights (W2: digit x unit) at each "
					  "snapshot: models x snapshots x digits x units, float32, units "
					  "matched as activity's"
					: "the first layer's weights (W1: unit x pixel) at each snapshot: "
					  "models x snapshots x units x pixels, float32, units matched as "
					  "activity's");
		ll_json_obj_end(j);
	}
	ll_json_key(j, "outputs");
	ll_json_obj_begin(j);
	ll_json_kv_str(j, "file", "outputs.npy");
	ll_json_kv_str(j, "description",
		       "each model's class probabilities (softmax) on every probe image at each "
		       "snapshot: models x snapshots x images x classes, float32; the images are "
		       "the probe set, probe_per_class of each digit in digit order");
	ll_json_obj_end(j);
	if (r->hess_k) {
		ll_json_key(j, "hessian");
		ll_json_obj_begin(j);
		ll_json_kv_str(j, "files", "hessian_top.npy, hessian_trace.npy");
		ll_json_kv_str(j, "description",
			       "the training loss's top eigenvalues (models x snapshots x K, Lanczos on "
			       "exact Hessian-vector products) and trace (models x snapshots, Hutchinson) "
			       "on the first training images; NaN at snapshots not measured");
		ll_json_kv_int(j, "images", (long long)r->hess_images);
		ll_json_kv_int(j, "trace_probes", (long long)r->hess_probes);
		ll_json_obj_end(j);
	}
	ll_json_key(j, "model_lr");
	ll_json_arr_begin(j);
	for (size_t m = 0; m < M; m++)
		ll_json_num(j, ll_train_model_lr(s, m, NULL));
	ll_json_arr_end(j);
	ll_json_key(j, "parameters");
	ll_json_obj_begin(j);
	size_t np;
	const ll_param_def *pd = ll_step_params(LL_STEP_TRAIN, &np);
	for (size_t i = 0; i < np; i++)
		ll_json_kv_str(j, pd[i].key, ll_session_get(s, LL_STEP_TRAIN, pd[i].key));
	ll_json_obj_end(j);
	ll_json_kv_num(j, "final_test_accuracy_mean", t->final_acc_mean);
	ll_json_kv_num(j, "final_test_accuracy_min", t->final_acc_min);
	ll_json_obj_end(j);
}

/* How far model m moved from its start (net: trained, init: its start,
 * units matched alike): the relative weight change of each weight layer
 * and of all of them, and 1 - linear CKA of the first hidden layer on the
 * probe set (NaN when a representation has no variance, e.g. every unit
 * dead). */
static int richlazy_of(struct ll_res_train *r, ll_mlp *init, ll_mlp *net, const ll_mnist *probe, size_t m,
		       ll_err *err)
{
	size_t L = net->nlayers, U = net->size[1], n = probe->n;
	double dt = 0, nt = 0;
	for (size_t l = 0; l < L; l++) {
		size_t len = net->size[l] * net->size[l + 1];
		double d = 0, n0 = 0;
		for (size_t j = 0; j < len; j++) {
			double a = net->W[l][j], b = init->W[l][j];
			d += (a - b) * (a - b);
			n0 += b * b;
		}
		r->wchange[m * (L + 1) + l] = n0 > 0 ? sqrt(d / n0) : NAN;
		dt += d;
		nt += n0;
	}
	r->wchange[m * (L + 1) + L] = nt > 0 ? sqrt(dt / nt) : NAN;
	float *h0 = ll_malloc_array(n * U, sizeof *h0), *h1 = ll_malloc_array(n * U, sizeof *h1);
	double *a = ll_malloc_array(n * U, sizeof *a), *b = ll_malloc_array(n * U, sizeof *b);
	int rc = h0 && h1 && a && b ? LL_OK : ll_err_oom(err);
	if (rc == LL_OK)
		rc = ll_mlp_forward_hidden(init, probe->x, n, 0, h0, err);
	if (rc == LL_OK)
		rc = ll_mlp_forward_hidden(net, probe->x, n, 0, h1, err);
	if (rc == LL_OK) {
		for (size_t i = 0; i < n * U; i++) {
			a[i] = h0[i];
			b[i] = h1[i];
		}
		double cka;
		ll_err e2 = {0, ""};
		int crc = ll_cka_linear(a, n, U, b, U, 0, LL_CKA_AUTO, &cka, &e2);
		if (crc == LL_OK)
			r->repr_change[m] = 1 - cka;
		else if (crc == LL_ENUMERIC)
			r->repr_change[m] = NAN;
		else
			rc = ll_err_set(err, crc, "%s", e2.msg);
	}
	ll_free(h0);
	ll_free(h1);
	ll_free(a);
	ll_free(b);
	return rc;
}

/* train/richlazy.csv + .json, weight_change.npy, repr_change.npy */
static int save_richlazy(const ll_session *s, const struct ll_res_train *r, const ll_train_regimes *g,
			 const char *dir, ll_err *err)
{
	size_t M = r->log.models, S = r->log.snapshots, L = r->nlayers;
	ll_afile af;
	int rc;
	if ((rc = ll_afile_open_in(&af, dir, "richlazy.csv", err)) == LL_OK) {
		fprintf(af.fp, "model,regime,init_scale,init_rank");
		for (size_t l = 0; l < L; l++)
			fprintf(af.fp, ",weight_change_W%zu", l + 1);
		fprintf(af.fp, ",weight_change_total,repr_change,final_test_accuracy\n");
		for (size_t m = 0; m < M; m++) {
			size_t q = m % g->n, k = ll_train_regime_rank(g, q);
			/* %.15g: a scale reads as typed (0.1, not 0.10000000000000001) */
			fprintf(af.fp, "%zu,%zu,%.15g,", m, q, ll_train_regime_scale(g, q));
			if (k)
				fprintf(af.fp, "%zu", k);
			else
				fprintf(af.fp, "full");
			for (size_t l = 0; l <= L; l++)
				fprintf(af.fp, ",%.17g", r->wchange[m * (L + 1) + l]);
			fprintf(af.fp, ",%.17g,%.17g\n", r->repr_change[m], r->log.acc[m * S + S - 1]);
		}
		rc = ll_afile_commit(&af, err);
	}
	if (rc == LL_OK && (rc = ll_afile_open_in(&af, dir, "richlazy.json", err)) == LL_OK) {
		ll_json j;
		ll_json_init(&j, af.fp, 1);
		ll_json_obj_begin(&j);
		ll_json_kv_str(&j, "description",
			       "rich vs lazy learning: per model, the relative weight change ||W_T - W_0||_F / "
			       "||W_0||_F of each weight layer and of all of them, the representation change 1 - "
			       "linear CKA of the first hidden layer on the probe set (start against end), and "
			       "the final test accuracy; the models take the regimes init_scale x init_rank in "
			       "turn (model m: regime m % regimes)");
		ll_json_kv_str(&j, "init_scale", ll_session_get(s, LL_STEP_TRAIN, "init_scale"));
		ll_json_kv_str(&j, "init_rank", ll_session_get(s, LL_STEP_TRAIN, "init_rank"));
		ll_json_key(&j, "regimes");
		ll_json_arr_begin(&j);
		for (size_t q = 0; q < g->n; q++) {
			char nm[64];
			double w = 0, c = 0, a = 0;
			size_t cnt = 0, cc = 0;
			for (size_t m = q; m < M; m += g->n) {
				w += r->wchange[m * (L + 1) + L];
				if (isfinite(r->repr_change[m])) {
					c += r->repr_change[m];
					cc++;
				}
				a += r->log.acc[m * S + S - 1];
				cnt++;
			}
			ll_json_obj_begin(&j);
			ll_json_kv_str(&j, "name", ll_train_regime_name(g, q, nm, sizeof nm));
			ll_json_kv_num(&j, "init_scale", ll_train_regime_scale(g, q));
			ll_json_kv_int(&j, "init_rank", (long long)ll_train_regime_rank(g, q));
			ll_json_kv_int(&j, "models", (long long)cnt);
			ll_json_kv_num(&j, "weight_change_mean", cnt ? w / (double)cnt : NAN);
			ll_json_kv_num(&j, "repr_change_mean", cc ? c / (double)cc : NAN);
			ll_json_kv_num(&j, "final_test_accuracy_mean", cnt ? a / (double)cnt : NAN);
			ll_json_obj_end(&j);
		}
		ll_json_arr_end(&j);
		ll_json_kv_str(&j, "init_rank_note", "0 = full rank");
		ll_json_key(&j, "files");
		ll_json_arr_begin(&j);
		ll_json_str(&j, "richlazy.csv");
		ll_json_str(&j, "weight_change.npy (models x (layers + 1): each layer, then all)");
		ll_json_str(&j, "repr_change.npy (models)");
		ll_json_arr_end(&j);
		ll_json_obj_end(&j);
		rc = ll_afile_commit(&af, err);
	}
	return rc;
}

static int save_train(ll_step_ctx *c, ll_mlp *init, ll_mlp *nets, ll_err *err)
{
	ll_session *s = c->s;
	struct ll_res_train *r = s->res.train;
	ll_train_log *t = &r->log;
	size_t M = t->models, S = t->snapshots;
	char *dir;
	int rc = ll_step_outdir(c, &dir, err);
	if (rc != LL_OK)
		return rc;
	size_t sh2[2] = {M, S};
	size_t sh1[1] = {S};
	double *steps = ll_malloc_array(S, sizeof(double));
	if (!steps) {
		ll_free(dir);
		return ll_err_oom(err);
	}
	for (size_t j = 0; j < S; j++)
		steps[j] = t->step[j];
	char *act = ll_path_join(dir, "activity.npy");
	if (!act)
		rc = ll_err_oom(err);
	if (rc == LL_OK)
		rc = ll_npy_write(act, &r->activity, 0, err);
	ll_free(act);
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "test_loss.npy", t->loss, 2, sh2, err);
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "test_accuracy.npy", t->acc, 2, sh2, err);
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "train_loss.npy", t->train_loss, 2, sh2, err);
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "steps.npy", steps, 1, sh1, err);
	if (rc == LL_OK && r->probe) {
		/* models x snapshots x images x units, float32 as logged */
		size_t sh4[4] = {M, S, r->probe_n, t->units};
		char *pp = ll_path_join(dir, "probe_activity.npy");
		rc = pp ? ll_npy_write_array_f32(pp, r->probe, 4, sh4, err) : ll_err_oom(err);
		ll_free(pp);
	}
	if (rc == LL_OK && r->hess_k) {
		size_t sh3[3] = {M, S, r->hess_k};
		rc = ll_step_write_vec(dir, "hessian_top.npy", r->hess_top, 3, sh3, err);
		if (rc == LL_OK)
			rc = ll_step_write_vec(dir, "hessian_trace.npy", r->hess_trace, 2, sh2, err);
	}
	if (rc == LL_OK) {
		/* models x snapshots x images x classes, float32 as computed */
		size_t sh4[4] = {M, S, r->outputs_n, LL_MNIST_CLASSES};
		char *op = ll_path_join(dir, "outputs.npy");
		rc = op ? ll_npy_write_array_f32(op, r->outputs, 4, sh4, err) : ll_err_oom(err);
		ll_free(op);
	}
	ll_free(steps);
	/* the logged weights: float32, models x snapshots x rows x columns of W */
	if (rc == LL_OK && r->w_out) {
		size_t sh4[4] = {M, S, LL_MNIST_CLASSES, t->units};
		char *wp = ll_path_join(dir, "readout_weights.npy");
		rc = wp ? ll_npy_write_array_f32(wp, r->w_out, 4, sh4, err) : ll_err_oom(err);
		ll_free(wp);
	}
	if (rc == LL_OK && r->w_in) {
		size_t sh4[4] = {M, S, t->units, r->n_in};
		char *wp = ll_path_join(dir, "input_weights.npy");
		rc = wp ? ll_npy_write_array_f32(wp, r->w_in, 4, sh4, err) : ll_err_oom(err);
		ll_free(wp);
	}
	/* how far each model moved, written always: a resume reads it back
	 * (load) instead of loading every model again */
	size_t shc[2] = {M, r->nlayers + 1}, shm[1] = {M};
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "weight_change.npy", r->wchange, 2, shc, err);
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "repr_change.npy", r->repr_change, 1, shm, err);
	ll_train_regimes g;
	if (rc == LL_OK && (rc = ll_train_regimes_get(s, &g, err)) == LL_OK && g.sweep)
		rc = save_richlazy(s, r, &g, dir, err);
	for (size_t m = 0; m < M && rc == LL_OK; m++) {
		char name[64];
		snprintf(name, sizeof name, "model_%02zu/init", m);
		char *p = ll_path_join(dir, name);
		rc = p ? ll_mlp_save(&init[m], p, err) : ll_err_oom(err);
		ll_free(p);
		if (rc != LL_OK)
			break;
		snprintf(name, sizeof name, "model_%02zu/final", m);
		p = ll_path_join(dir, name);
		rc = p ? ll_mlp_save(&nets[m], p, err) : ll_err_oom(err);
		ll_free(p);
	}
	if (rc == LL_OK)
		rc = ll_step_write_json(dir, "activity.json", write_activity_json, s, err);
	ll_free(dir);
	return rc;
}

static void drop(ll_session *s)
{
	struct ll_res_train *r = s->res.train;
	if (!r)
		return;
	ll_free(r->log.step);
	ll_free(r->log.loss);
	ll_free(r->log.acc);
	ll_free(r->log.train_loss);
	ll_free(r->probe);
	ll_free(r->probe_labels);
	ll_free(r->outputs);
	ll_free(r->hess_top);
	ll_free(r->hess_trace);
	ll_free(r->w_out);
	ll_free(r->w_in);
	ll_free(r->wchange);
	ll_free(r->repr_change);
	ll_tensor_free(&r->activity);
	ll_modes_free(r->modes, 4);
	ll_free(r);
	s->res.train = NULL;
}

/* What run() and load() do alike once the results are there: the final
 * accuracies, the modes and their labels, the summary line. */
static int finish(ll_step_ctx *sc, const ll_train_regimes *g, size_t T, ll_err *err)
{
	ll_session *s = sc->s;
	struct ll_res_train *r = s->res.train;
	ll_train_log *tl = &r->log;
	size_t M = tl->models, S = tl->snapshots;
	tl->final_acc_mean = 0;
	tl->final_acc_min = 1;
	for (size_t m = 0; m < M; m++) {
		double a = tl->acc[m * S + S - 1];
		tl->final_acc_mean += a / (double)M;
		if (a < tl->final_acc_min)
			tl->final_acc_min = a;
	}
	ll_step_set_mode(&r->modes[0], "model", LL_MODE_TRIAL);
	ll_step_set_mode(&r->modes[1], "digit", LL_MODE_CLASS);
	ll_step_set_mode(&r->modes[2], "unit", LL_MODE_UNIT);
	ll_step_set_mode(&r->modes[3], "snapshot", LL_MODE_TIME);
	size_t nlr;
	ll_train_model_lr(s, 0, &nlr);
	if (nlr > 1 || g->n > 1) {
		/* a sweep: label each model by its regime (init_scale x init_rank),
		 * or else by its learning rate's place in the list */
		if (!(r->modes[0].labels = ll_malloc_array(M, sizeof(int))))
			return ll_err_oom(err);
		for (size_t m = 0; m < M; m++)
			r->modes[0].labels[m] = (int)(g->n > 1 ? m % g->n : m % nlr);
	}
	if (!(r->modes[1].labels = ll_malloc_array(LL_MNIST_CLASSES, sizeof(int))))
		return ll_err_oom(err);
	for (int d = 0; d < LL_MNIST_CLASSES; d++)
		r->modes[1].labels[d] = d;
	ll_step_status(sc, "%zu models x %zu steps, %zu snapshots; test accuracy mean %.1f%%, min %.1f%%",
		       M, T, S, 100 * tl->final_acc_mean, 100 * tl->final_acc_min);
	return LL_OK;
}

static int run(ll_step_ctx *sc, ll_err *err)
{
	ll_session *s = sc->s;
	ll_mnist_data *md = s->res.data ? s->res.data->mnist : NULL;
	ll_mlp_config cfg;
	int rc;

	if (!md)
		return ll_err_set(err, LL_EINVAL, "[train] needs MNIST data: run the data step first");
	if ((rc = train_config(s, &cfg, md->train.dim, err)) != LL_OK)
		return rc;
	size_t M = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "models");
	size_t U = cfg.hidden[0];
	size_t log_every = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "log_every");
	size_t per_class = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "probe_per_class");
	size_t per_log = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "probe_activity");
	int shared = ll_session_is(s, LL_STEP_TRAIN, "init", "shared");
	int match = ll_session_is(s, LL_STEP_TRAIN, "match_units", "yes");

	ll_mnist_free(&md->probe);
	if ((rc = ll_mnist_probe(&md->probe, &md->test, per_class, err)) != LL_OK)
		return ll_err_prefix(err, "[train] probe set from %s", md->dir);
	if (per_log > per_class)
		return ll_err_set(err, LL_EINVAL, "[train] probe_activity = %zu is more than probe_per_class = %zu",
				  per_log, per_class);
	ll_train_regimes g;
	if ((rc = ll_train_regimes_get(s, &g, err)) != LL_OK)
		return rc;
	int of = ll_step_in_session(s, LL_STEP_TENSOR) ? ll_session_get_enum(s, LL_STEP_TENSOR, "of")
						       : LL_TENSOR_OF_ACTIVITY;
	size_t T = ll_mlp_total_steps(&cfg, md->train.n);
	size_t S = ll_mlp_n_snapshots(T, log_every);

	size_t dim[4] = {M, LL_MNIST_CLASSES, U, S};
	struct ll_res_train *r = ll_calloc(1, sizeof *r);
	if (!r)
		return ll_err_oom(err);
	s->res.train = r;
	if ((rc = ll_tensor_init(&r->activity, 4, dim, err)) != LL_OK)
		return rc;
	ll_train_log *tl = &r->log;
	tl->models = M;
	tl->snapshots = S;
	tl->units = U;
	tl->step = ll_calloc_array(S, sizeof(int));
	tl->loss = ll_calloc_array(M * S, sizeof(double));
	tl->acc = ll_calloc_array(M * S, sizeof(double));
	tl->train_loss = ll_calloc_array(M * S, sizeof(double));
	ll_mlp *nets = ll_calloc_array(M, sizeof(ll_mlp));
	ll_mlp *init = ll_calloc_array(M, sizeof(ll_mlp));
	train_ctx *ctx = ll_calloc_array(M, sizeof(train_ctx));
	double *cm = ll_calloc_array(M * LL_MNIST_CLASSES * U, sizeof(double));
	/* the images whose activity is logged: the first per_log of each digit
	 * of the probe set (which is grouped by digit) */
	float *px = NULL;
	if (per_log) {
		size_t P = LL_MNIST_CLASSES * per_log, D = md->probe.dim, ps = 0;
		r->probe_n = P;
		if (ll_mul_ok(M * S, P * U, &ps))
			r->probe = ll_malloc_array(ps, sizeof(float));
		r->probe_labels = ll_malloc_array(P, sizeof(int));
		px = ll_malloc_array(P * D, sizeof(float));
		if (!r->probe || !r->probe_labels || !px) {
			rc = ll_err_set(err, LL_ENOMEM, "out of memory for the probe activity of %zu models", M);
			goto out;
		}
		for (size_t d = 0; d < LL_MNIST_CLASSES; d++)
			for (size_t i = 0; i < per_log; i++) {
				memcpy(px + (d * per_log + i) * D, md->probe.x + (d * per_class + i) * D, D * sizeof(float));
				r->probe_labels[d * per_log + i] = md->probe.y[d * per_class + i];
			}
	}
	r->hess_k = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "hessian_top");
	if (r->hess_k) {
		r->hess_images = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "hessian_images");
		r->hess_images = r->hess_images < md->train.n ? r->hess_images : md->train.n;
		r->hess_probes = 10;
		if (!(r->hess_top = ll_malloc_array(M * S, r->hess_k * sizeof(double))) ||
		    !(r->hess_trace = ll_malloc_array(M * S, sizeof(double)))) {
			rc = ll_err_oom(err);
			goto out;
		}
		for (size_t i = 0; i < M * S * r->hess_k; i++)
			r->hess_top[i] = NAN;
		for (size_t i = 0; i < M * S; i++)
			r->hess_trace[i] = NAN;
	}
	/* the weights at every snapshot, when the tensor is made of them */
	r->n_in = md->train.dim;
	r->nlayers = cfg.hidden[1] ? 3 : 2;
	if (of == LL_TENSOR_OF_READOUT || of == LL_TENSOR_OF_INPUT) {
		size_t per = of == LL_TENSOR_OF_READOUT ? LL_MNIST_CLASSES * U : U * r->n_in, ws = 0;
		float **w = of == LL_TENSOR_OF_READOUT ? &r->w_out : &r->w_in;
		if (ll_mul_ok(M * S, per, &ws))
			*w = ll_malloc_array(ws, sizeof(float));
		if (!*w) {
			rc = ll_err_set(err, LL_ENOMEM, "out of memory for the weights of %zu models at %zu snapshots",
					M, S);
			goto out;
		}
	}
	r->wchange = ll_malloc_array(M * (r->nlayers + 1), sizeof(double));
	r->repr_change = ll_malloc_array(M, sizeof(double));
	size_t os = 0;
	r->outputs_n = md->probe.n;
	if (ll_mul_ok(M * S, r->outputs_n * LL_MNIST_CLASSES, &os))
		r->outputs = ll_malloc_array(os, sizeof(float));
	if (!tl->step || !tl->loss || !tl->acc || !tl->train_loss || !nets || !init || !ctx || !cm || !r->outputs ||
	    !r->wchange || !r->repr_change) {
		rc = ll_err_set(err, LL_ENOMEM, "out of memory for %zu models", M);
		goto out;
	}
	/* initialise every model (and keep a copy of its starting weights) */
	for (size_t m = 0; m < M && rc == LL_OK; m++) {
		cfg.seed = model_seed(s, m);
		cfg.lr = ll_train_model_lr(s, m, NULL);
		rc = ll_mlp_init(&nets[m], &cfg, err);
		if (rc == LL_OK && shared && m > 0)
			rc = ll_mlp_copy_weights(&nets[m], &nets[0], err);
	}
	/* a rich/lazy regime, once every shared copy is made: scaled (and of
	 * lower rank, one draw shared by a shared population) */
	for (size_t m = 0; m < M && rc == LL_OK && g.sweep; m++) {
		size_t q = m % g.n;
		rc = ll_mlp_scale_init(&nets[m], ll_train_regime_scale(&g, q), ll_train_regime_rank(&g, q),
				       model_seed(s, shared ? 0 : m), err);
		if (rc != LL_OK)
			ll_err_prefix(err, "[train] model %zu", m);
	}
	for (size_t m = 0; m < M && rc == LL_OK; m++) {
		cfg.seed = model_seed(s, m);
		cfg.lr = ll_train_model_lr(s, m, NULL);
		rc = ll_mlp_init(&init[m], &cfg, err);
		if (rc == LL_OK)
			rc = ll_mlp_copy_weights(&init[m], &nets[m], err);
	}
	if (rc != LL_OK)
		goto out;

	int done = 0, nth = ll_step_threads(s);
	int blas_threads = openblas_get_num_threads();
	if (nth > 1)
		openblas_set_num_threads(1); /* parallel over models, not in BLAS */
	for (size_t m = 0; m < M; m++) {
		ctx[m] = (train_ctx){.s = s, .r = r, .md = md, .m = m, .units = U, .S = S,
				     .class_means = cm + m * LL_MNIST_CLASSES * U, .probe_x = px,
				     .done_models = &done, .progress = sc->progress, .ud = sc->ud, .M = M,
				     .hess_every = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "hessian_every"),
				     .hess_seed = ll_seed_derive(model_seed(s, m), 0x68657373, 0)};
	}
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth)
#endif
	for (size_t m = 0; m < M; m++) {
		train_ctx *c = &ctx[m];
		int trc = ll_mlp_train(&nets[m], &md->train, log_every, train_cb, c, &c->err);
		if (trc != LL_OK)
			c->failed = trc;
#ifdef _OPENMP
#pragma omp atomic
#endif
		done++;
	}
	if (nth > 1)
		openblas_set_num_threads(blas_threads);
	for (size_t m = 0; m < M; m++) {
		if (ctx[m].failed) {
			if (ll_session_canceled(s))
				rc = ll_err_set(err, LL_ECANCELED, "training canceled");
			else
				rc = ll_err_set(err, ctx[m].err.code ? ctx[m].err.code : LL_ECANCELED,
						"model %zu: %s", m, ctx[m].err.msg[0] ? ctx[m].err.msg : "canceled");
			goto out;
		}
	}

	/* unit identity: line every model's units up with model 0's */
	if (match && !shared && M > 1) {
		size_t *perm = ll_malloc_array(U, sizeof(size_t));
		double *slice = ll_malloc_array(LL_MNIST_CLASSES * U * S, sizeof(double));
		float *wtmp = r->w_in ? ll_malloc_array(U * r->n_in, sizeof(float)) : NULL;
		if (!perm || !slice || (r->w_in && !wtmp)) {
			ll_free(perm);
			ll_free(slice);
			ll_free(wtmp);
			rc = ll_err_oom(err);
			goto out;
		}
		for (size_t m = 1; m < M && rc == LL_OK; m++) {
			rc = ll_mlp_match_units(&nets[0], &nets[m], &md->probe, 0, perm, NULL, err);
			if (rc == LL_OK)
				rc = ll_mlp_permute_units(&nets[m], 0, perm, err);
			if (rc == LL_OK)
				rc = ll_mlp_permute_units(&init[m], 0, perm, err);
			if (rc != LL_OK)
				break;
			double *X = r->activity.data + m * LL_MNIST_CLASSES * U * S;
			memcpy(slice, X, LL_MNIST_CLASSES * U * S * sizeof(double));
			for (size_t d = 0; d < LL_MNIST_CLASSES; d++)
				for (size_t u = 0; u < U; u++)
					memcpy(X + (d * U + u) * S, slice + (d * U + perm[u]) * S,
					       S * sizeof(double));
			/* the probe activity's units too (a row of U floats per image) */
			for (size_t q = 0; r->probe && q < S * r->probe_n; q++) {
				float *row = r->probe + (m * S * r->probe_n + q) * U, tmp[4096];
				memcpy(tmp, row, U * sizeof(float));
				for (size_t u = 0; u < U; u++)
					row[u] = tmp[perm[u]];
			}
			/* the logged weights: the readout's columns, the first layer's rows */
			for (size_t q = 0; r->w_out && q < S * LL_MNIST_CLASSES; q++) {
				float *row = r->w_out + (m * S * LL_MNIST_CLASSES + q) * U, tmp[4096];
				memcpy(tmp, row, U * sizeof(float));
				for (size_t u = 0; u < U; u++)
					row[u] = tmp[perm[u]];
			}
			for (size_t j = 0; r->w_in && j < S; j++) {
				size_t D = r->n_in;
				float *Wj = r->w_in + (m * S + j) * U * D;
				memcpy(wtmp, Wj, U * D * sizeof(float));
				for (size_t u = 0; u < U; u++)
					memcpy(Wj + u * D, wtmp + perm[u] * D, D * sizeof(float));
			}
		}
		ll_free(perm);
		ll_free(slice);
		ll_free(wtmp);
		if (rc != LL_OK)
			goto out;
	}
	for (size_t m = 0; m < M && rc == LL_OK; m++)
		if ((rc = richlazy_of(r, &init[m], &nets[m], &md->probe, m, err)) != LL_OK)
			ll_err_prefix(err, "[train] model %zu's weight and representation change", m);
	if (rc != LL_OK)
		goto out;

	if ((rc = finish(sc, &g, T, err)) != LL_OK)
		goto out;
	ll_session_log(s, "train: %s", s->status[sc->k]);
	for (size_t q = 0; g.sweep && q < g.n; q++) {
		/* the rich/lazy result per regime, for the log */
		char nm[64];
		double w = 0, c = 0;
		size_t cnt = 0;
		for (size_t m = q; m < M; m += g.n, cnt++) {
			w += r->wchange[m * (r->nlayers + 1) + r->nlayers];
			c += r->repr_change[m];
		}
		if (cnt)
			ll_session_log(s, "train: %s: weight change %.4g, representation change %.4g (mean of %zu)",
				       ll_train_regime_name(&g, q, nm, sizeof nm), w / (double)cnt, c / (double)cnt, cnt);
	}
	if (sc->outdir)
		rc = save_train(sc, init, nets, err);
out:
	for (size_t m = 0; nets && init && m < M; m++) {
		ll_mlp_free(&nets[m]);
		ll_mlp_free(&init[m]);
	}
	for (size_t m = 0; ctx && m < M; m++)
		if (ctx[m].has_hess)
			ll_hessian_free(&ctx[m].hess);
	ll_free(nets);
	ll_free(init);
	ll_free(ctx);
	ll_free(cm);
	ll_free(px);
	return rc;
}

/* A float64 file read back into a new array of doubles (*out, owned). */
static int read_f64(const char *dir, const char *name, int ndim, const size_t *shape, double **out, ll_err *err)
{
	ll_tensor t;
	int rc = ll_step_read_back(dir, name, "<f8", ndim, shape, &t, err);
	if (rc != LL_OK)
		return rc;
	if (!(*out = ll_malloc_array(t.size, sizeof(double))))
		rc = ll_err_oom(err);
	for (size_t i = 0; rc == LL_OK && i < t.size; i++)
		(*out)[i] = ll_tensor_at(&t, i);
	ll_tensor_free(&t);
	return rc;
}

/* A float32 file into a new array of floats (*out, owned): the floats the
 * run held (float -> double -> float is exact). */
static int read_f32(const char *dir, const char *name, int ndim, const size_t *shape, float **out, ll_err *err)
{
	ll_tensor t;
	int rc = ll_step_read_back(dir, name, "<f4", ndim, shape, &t, err);
	if (rc != LL_OK)
		return rc;
	if (!(*out = ll_malloc_array(t.size, sizeof(float))))
		rc = ll_err_oom(err);
	for (size_t i = 0; rc == LL_OK && i < t.size; i++)
		(*out)[i] = (float)ll_tensor_at(&t, i);
	ll_tensor_free(&t);
	return rc;
}

/* Resuming: what run() holds, read back from OUTDIR/train/ (the arrays it
 * writes, bit for bit: float64 as float64, float32 as float32) instead of
 * training again; the probe set is drawn again from the test set as run()
 * draws it.  A file missing, damaged or of another shape: an error (the
 * step runs again). */
static int load(ll_step_ctx *sc, ll_err *err)
{
	ll_session *s = sc->s;
	ll_mnist_data *md = s->res.data ? s->res.data->mnist : NULL;
	ll_mlp_config cfg;
	int rc;
	if (!md)
		return ll_err_set(err, LL_EINVAL, "[train] needs MNIST data: run the data step first");
	if ((rc = train_config(s, &cfg, md->train.dim, err)) != LL_OK)
		return rc;
	size_t M = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "models");
	size_t U = cfg.hidden[0];
	size_t log_every = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "log_every");
	size_t per_class = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "probe_per_class");
	size_t per_log = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "probe_activity");
	ll_train_regimes g;
	if ((rc = ll_train_regimes_get(s, &g, err)) != LL_OK)
		return rc;
	int of = ll_step_in_session(s, LL_STEP_TENSOR) ? ll_session_get_enum(s, LL_STEP_TENSOR, "of")
						       : LL_TENSOR_OF_ACTIVITY;
	ll_mnist_free(&md->probe);
	if ((rc = ll_mnist_probe(&md->probe, &md->test, per_class, err)) != LL_OK)
		return ll_err_prefix(err, "[train] probe set from %s", md->dir);
	if (per_log > per_class)
		return ll_err_set(err, LL_EINVAL, "[train] probe_activity = %zu is more than probe_per_class = %zu",
				  per_log, per_class);
	size_t T = ll_mlp_total_steps(&cfg, md->train.n);
	size_t S = ll_mlp_n_snapshots(T, log_every);
	struct ll_res_train *r = ll_calloc(1, sizeof *r);
	char *dir = ll_path_join(sc->outdir, "train");
	if (!r || !dir) {
		ll_free(r);
		ll_free(dir);
		return ll_err_oom(err);
	}
	s->res.train = r;
	ll_train_log *tl = &r->log;
	tl->models = M;
	tl->snapshots = S;
	tl->units = U;
	r->n_in = md->train.dim;
	r->nlayers = cfg.hidden[1] ? 3 : 2;
	r->outputs_n = md->probe.n;
	size_t dim[4] = {M, LL_MNIST_CLASSES, U, S}, sh2[2] = {M, S}, sh1[1] = {S};
	rc = ll_step_read_back(dir, "activity.npy", "<f8", 4, dim, &r->activity, err);
	double *steps = NULL;
	if (rc == LL_OK)
		rc = read_f64(dir, "steps.npy", 1, sh1, &steps, err);
	if (rc == LL_OK && !(tl->step = ll_malloc_array(S, sizeof(int))))
		rc = ll_err_oom(err);
	for (size_t j = 0; rc == LL_OK && j < S; j++)
		tl->step[j] = (int)steps[j];
	ll_free(steps);
	if (rc == LL_OK)
		rc = read_f64(dir, "test_loss.npy", 2, sh2, &tl->loss, err);
	if (rc == LL_OK)
		rc = read_f64(dir, "test_accuracy.npy", 2, sh2, &tl->acc, err);
	if (rc == LL_OK)
		rc = read_f64(dir, "train_loss.npy", 2, sh2, &tl->train_loss, err);
	if (rc == LL_OK && per_log) {
		size_t P = LL_MNIST_CLASSES * per_log, sh4[4] = {M, S, P, U};
		r->probe_n = P;
		rc = read_f32(dir, "probe_activity.npy", 4, sh4, &r->probe, err);
		if (rc == LL_OK && !(r->probe_labels = ll_malloc_array(P, sizeof(int))))
			rc = ll_err_oom(err);
		for (size_t d = 0; rc == LL_OK && d < LL_MNIST_CLASSES; d++)
			for (size_t i = 0; i < per_log; i++)
				r->probe_labels[d * per_log + i] = md->probe.y[d * per_class + i];
	}
	r->hess_k = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "hessian_top");
	if (rc == LL_OK && r->hess_k) {
		size_t sh3[3] = {M, S, r->hess_k};
		r->hess_images = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "hessian_images");
		r->hess_images = r->hess_images < md->train.n ? r->hess_images : md->train.n;
		r->hess_probes = 10;
		rc = read_f64(dir, "hessian_top.npy", 3, sh3, &r->hess_top, err);
		if (rc == LL_OK)
			rc = read_f64(dir, "hessian_trace.npy", 2, sh2, &r->hess_trace, err);
	}
	if (rc == LL_OK) {
		size_t sh4[4] = {M, S, r->outputs_n, LL_MNIST_CLASSES};
		rc = read_f32(dir, "outputs.npy", 4, sh4, &r->outputs, err);
	}
	/* the weights, when this session's tensor is made of them (a run for
	 * another [tensor] of did not write them: train runs again) */
	if (rc == LL_OK && of == LL_TENSOR_OF_READOUT) {
		size_t sh4[4] = {M, S, LL_MNIST_CLASSES, U};
		rc = read_f32(dir, "readout_weights.npy", 4, sh4, &r->w_out, err);
	}
	if (rc == LL_OK && of == LL_TENSOR_OF_INPUT) {
		size_t sh4[4] = {M, S, U, r->n_in};
		rc = read_f32(dir, "input_weights.npy", 4, sh4, &r->w_in, err);
	}
	size_t shc[2] = {M, r->nlayers + 1}, shm[1] = {M};
	if (rc == LL_OK)
		rc = read_f64(dir, "weight_change.npy", 2, shc, &r->wchange, err);
	if (rc == LL_OK)
		rc = read_f64(dir, "repr_change.npy", 1, shm, &r->repr_change, err);
	ll_free(dir);
	if (rc == LL_OK)
		rc = finish(sc, &g, T, err);
	return rc;
}

/* MNIST is trained on, so its sessions have this step without writing it */
static int implied(const ll_session *s)
{
	return ll_session_is(s, LL_STEP_DATA, "kind", "mnist");
}

static int check(const ll_session *s, ll_err *err)
{
	if (s->state[LL_STEP_TRAIN] != LL_STATE_ABSENT && !implied(s))
		return ll_err_set(err, LL_EINVAL, "[train] needs [data] kind = mnist (kind is %s)",
				  ll_session_get(s, LL_STEP_DATA, "kind"));
	if (!ll_step_in_session(s, LL_STEP_TRAIN))
		return LL_OK;
	/* rich/lazy regimes: scales > 0, ranks a hidden layer can hold, a
	 * model for each */
	ll_train_regimes g;
	int rc = ll_train_regimes_get(s, &g, err);
	if (rc != LL_OK)
		return rc;
	long h1 = ll_session_get_int(s, LL_STEP_TRAIN, "hidden"), h2 = ll_session_get_int(s, LL_STEP_TRAIN, "hidden2");
	for (size_t i = 0; i < g.nrank; i++) {
		if (g.rank[i] > (size_t)h1)
			return ll_err_set(err, LL_EINVAL, "[train] init_rank = %zu is above the layer width (hidden = %ld)",
					  g.rank[i], h1);
		if (h2 > 0 && g.rank[i] > (size_t)h2)
			return ll_err_set(err, LL_EINVAL, "[train] init_rank = %zu is above the layer width (hidden2 = %ld)",
					  g.rank[i], h2);
	}
	long M = ll_session_get_int(s, LL_STEP_TRAIN, "models");
	if (g.n > (size_t)M)
		return ll_err_set(err, LL_EINVAL,
				  "[train] models = %ld is fewer than the %zu regimes of init_scale x init_rank", M, g.n);
	return LL_OK;
}

const ll_step_def ll_step_train = {
	.name = "train",
	.summary = "train the MLPs on MNIST, logging hidden activity per digit",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.needs = LL_STEP_BIT(LL_STEP_DATA),
	.implied = implied,
	.check = check,
	.run = run,
	.drop = drop,
	.load = load,
	.outputs = "logged activity, losses, model weights",
};
