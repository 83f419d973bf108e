/* The pipeline steps of a session (see ll_session.h).  Each step reads its
 * parameters, computes, keeps its results in the session, and -- when an
 * output directory is given -- writes them there as .npy + JSON. */
#include "config.h"

#include "pipeline/ll_session.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "nn/ll_mlp.h"
#include "io/ll_mnist.h"
#include "io/ll_ens_io.h"
#include "io/ll_npy.h"
#include "base/ll_rng.h"
#include "io/ll_csv.h"
#include "sim/ll_synth.h"
#include "pca/ll_traj.h"

void openblas_set_num_threads(int);
int openblas_get_num_threads(void);

/* MNIST datasets held by the session between the data and train steps. */
typedef struct mnist_data {
	ll_mnist train, test, probe;
	char dir[1024];
} mnist_data;

static void mnist_data_free(mnist_data *md)
{
	if (!md)
		return;
	ll_mnist_free(&md->train);
	ll_mnist_free(&md->test);
	ll_mnist_free(&md->probe);
	free(md);
}

static int ll_session_synth(ll_session *s, const char *outdir, ll_err *err);
static int ll_session_read_csv(ll_session *s, const char *path, ll_err *err);
static void ll_session_traj_free(ll_session *s);

static void train_log_free(ll_train_log *t)
{
	ll_free(t->step);
	ll_free(t->loss);
	ll_free(t->acc);
	ll_free(t->train_loss);
	memset(t, 0, sizeof *t);
}

static void modes_free(ll_session *s)
{
	for (int n = 0; n < LL_MAX_MODES; n++) {
		ll_free(s->modes[n].labels);
		memset(&s->modes[n], 0, sizeof s->modes[n]);
	}
}

/* Drop the results of step `from` and every step after it, and mark those
 * steps pending again. */
void ll_session_reset_results(ll_session *s, ll_step_kind from);
void ll_session_reset_results(ll_session *s, ll_step_kind from)
{
	for (int k = from; k < LL_NSTEPS; k++) {
		if (s->state[k] != LL_STATE_ABSENT)
			s->state[k] = LL_STATE_PENDING;
		s->status[k][0] = '\0';
		s->seconds[k] = 0.0;
	}
	if (from <= LL_STEP_DATA) {
		ll_free(s->trial_labels);
		s->trial_labels = NULL;
		s->ntrial_labels = 0;
		ll_ktensor_free(&s->truth);
		mnist_data_free(s->mnist);
		s->mnist = NULL;
		ll_tensor_free(&s->mask);
	}
	if (from <= LL_STEP_TRAIN) {
		/* for MNIST the raw tensor is the training log */
		ll_tensor_free(&s->data);
		train_log_free(&s->train);
		modes_free(s);
	}
	if (from <= LL_STEP_TENSOR)
		ll_tensor_free(&s->X);
	if (from <= LL_STEP_TCA) {
		ll_ens_free(&s->ens);
		s->chosen_rank = 0;
		s->rank_reason[0] = '\0';
	}
	if (from <= LL_STEP_TRAJ)
		ll_session_traj_free(s);
}

const char *ll_bundled_data_dir(void);
const char *ll_bundled_data_dir(void)
{
	static const char *const candidates[] = {"examples/data", LL_SRCDATADIR, LL_PKGDATADIR};
	struct stat st;
	const char *env = getenv("LATENTLAB_DATA");
	if (env && *env)
		return env;
	/* a directory that holds the bundled MNIST subset (a build tree may
	 * have an examples/data of object files only) */
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
		char probe[1024];
		snprintf(probe, sizeof probe, "%s/mnist-train-images-idx3-ubyte.gz", candidates[i]);
		if (stat(probe, &st) == 0 && S_ISREG(st.st_mode))
			return candidates[i];
	}
	return "examples/data";
}

/* Make OUTDIR/sub and return the joined path (caller frees), or NULL.
 * OUTDIR/sub is emptied first: a rerun must not leave files of an earlier run
 * (rank_07/ of a wider sweep, model_29/ of a larger one) beside its own.
 * Only a directory latentlab made (it holds our marker file) is emptied:
 * `-o .` must never delete a user's own data/ folder. */
#define OUT_MARKER ".latentlab-step"
static char *out_subdir(const char *outdir, const char *sub, ll_err *err)
{
	char *p = ll_path_join(outdir, sub), *m = p ? ll_path_join(p, OUT_MARKER) : NULL;
	FILE *fp;
	if (!p || !m) {
		ll_free(p);
		ll_free(m);
		ll_err_set(err, LL_ENOMEM, "out of memory");
		return NULL;
	}
	int ours = access(m, F_OK) == 0, fresh = access(p, F_OK) != 0;
	if ((ours && ll_rmtree(p, err) != LL_OK) || ll_mkdirs(p, err) != LL_OK) {
		ll_free(m);
		ll_free(p);
		return NULL;
	}
	/* mark only what we made: a folder that was there stays the user's */
	if ((ours || fresh) && (fp = fopen(m, "w")) != NULL) {
		fprintf(fp, "written by latentlab's %s step; the step empties this directory when it runs again\n", sub);
		fclose(fp);
	}
	ll_free(m);
	return p;
}

static int write_vec(const char *dir, const char *name, const double *v, int ndim,
		     const size_t *shape, ll_err *err)
{
	char *p = ll_path_join(dir, name);
	if (!p)
		return ll_err_set(err, LL_ENOMEM, "out of memory");
	int rc = ll_npy_write_array(p, v, ndim, shape, 0, err);
	ll_free(p);
	return rc;
}

/* One-line result summary of a step (cut to fit). */
static void set_status(ll_session *s, int k, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
static void set_status(ll_session *s, int k, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->status[k], sizeof s->status[k], fmt, ap);
	va_end(ap);
}

static void set_mode(ll_session *s, int n, const char *name, ll_mode_kind kind)
{
	snprintf(s->modes[n].name, sizeof s->modes[n].name, "%s", name);
	s->modes[n].kind = kind;
}

/* ------------------------------------------------------------------ data */

static int data_mnist(ll_session *s, ll_err *err)
{
	char *path = ll_session_get_path(s, LL_STEP_DATA, "path");
	mnist_data *md = path ? calloc(1, sizeof *md) : NULL;
	int rc;

	if (!md) {
		ll_free(path);
		return ll_err_set(err, LL_ENOMEM, "out of memory");
	}
	snprintf(md->dir, sizeof md->dir, "%s", *path ? path : ll_bundled_data_dir());
	ll_free(path);
	if ((rc = ll_mnist_load(&md->train, md->dir, "train", err)) != LL_OK ||
	    (rc = ll_mnist_load(&md->test, md->dir, "test", err)) != LL_OK) {
		mnist_data_free(md);
		return rc;
	}
	long n = ll_session_get_int(s, LL_STEP_TRAIN, "train_images");
	if (n > 0 && (size_t)n < md->train.n) {
		ll_mnist sub;
		if ((rc = ll_mnist_subset(&sub, &md->train, 0, (size_t)n, err)) != LL_OK) {
			mnist_data_free(md);
			return rc;
		}
		ll_mnist_free(&md->train);
		md->train = sub;
	}
	s->mnist = md;
	set_status(s, LL_STEP_DATA, "MNIST %zu train + %zu test images of %zux%zu from %s",
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
		rc = ll_session_read_csv(s, path, err);
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
	set_status(s, LL_STEP_DATA, "%s: %s", path,
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
	ll_free(path);
	ll_free(labels);
	ll_free(mask);
	return rc;
}

/* Mode names for array data: [data] modes, else neuron,time,trial. */
static int name_modes(ll_session *s, ll_err *err)
{
	const char *names = ll_session_get(s, LL_STEP_DATA, "modes");
	static const char *const defaults3[] = {"neuron", "time", "trial"};
	int N = s->data.nmodes;

	modes_free(s);
	if (*names) {
		char buf[256];
		snprintf(buf, sizeof buf, "%s", names);
		int n = 0;
		for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", "), n++)
			if (n < N)
				set_mode(s, n, tok, LL_MODE_UNIT);
		if (n != N)
			return ll_err_set(err, LL_EINVAL, "[data] modes names %d modes but the data has %d", n, N);
	} else {
		for (int n = 0; n < N; n++) {
			char nm[16];
			snprintf(nm, sizeof nm, "mode%d", n);
			set_mode(s, n, N == 3 ? defaults3[n] : nm, LL_MODE_UNIT);
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

static int step_data(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud,
		     ll_err *err)
{
	const char *kind = ll_session_get(s, LL_STEP_DATA, "kind");
	int rc;

	(void)progress;
	(void)ud;
	if (!strcmp(kind, "mnist"))
		return data_mnist(s, err);
	if (!strcmp(kind, "synth"))
		rc = ll_session_synth(s, outdir, err);
	else
		rc = data_file(s, kind, err);
	if (rc == LL_OK)
		rc = name_modes(s, err);
	return rc;
}

/* ----------------------------------------------------------------- train */

/* What one model's training callback needs. */
typedef struct train_ctx {
	ll_session *s;
	const mnist_data *md;
	size_t m, snap, units, S;
	double *class_means; /* 10 x units scratch */
	int *done_models;    /* shared counter for progress */
	ll_progress_fn progress;
	void *ud;
	size_t M;
	ll_err err;
	int failed;
} train_ctx;

static int train_cb(void *vctx, ll_mlp *net, const ll_mlp_event *ev)
{
	train_ctx *c = vctx;
	ll_session *s = c->s;
	size_t U = c->units, S = c->S, j = c->snap;

	if (s->cancel && *s->cancel)
		return 1;
	if (j >= S)
		return 0;
	if (ll_mlp_log_class_means(net, &c->md->probe, 0, c->class_means, &c->err) != LL_OK) {
		c->failed = 1;
		return 1;
	}
	/* tensor models x digits x units x snapshots */
	double *X = s->data.data;
	for (size_t d = 0; d < LL_MNIST_CLASSES; d++)
		for (size_t u = 0; u < U; u++)
			X[((c->m * LL_MNIST_CLASSES + d) * U + u) * S + j] = c->class_means[d * U + u];
	double loss, acc;
	if (ll_mlp_evaluate(net, &c->md->test, &loss, &acc, &c->err) != LL_OK) {
		c->failed = 1;
		return 1;
	}
	s->train.loss[c->m * S + j] = loss;
	s->train.acc[c->m * S + j] = acc;
	s->train.train_loss[c->m * S + j] = ev->train_loss;
	if (c->m == 0)
		s->train.step[j] = (int)ev->step;
	c->snap++;
	if (c->progress && ev->total_steps) {
		int rc = 0;
#ifdef _OPENMP
#pragma omp critical(ll_train_progress)
#endif
		{
			char detail[96];
			double frac = ((double)*c->done_models +
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
	if (ll_mlp_act_parse(ll_session_get(s, LL_STEP_TRAIN, "activation"), &cfg->act) != LL_OK ||
	    ll_mlp_opt_parse(ll_session_get(s, LL_STEP_TRAIN, "optimizer"), &cfg->opt) != LL_OK)
		return ll_err_set(err, LL_EINVAL, "[train] bad activation or optimizer");
	ll_session_get_reals(s, LL_STEP_TRAIN, "lr", &cfg->lr, 1); /* model 0's; see model_lr */
	cfg->batch = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "batch");
	cfg->epochs = (size_t)ll_session_get_int(s, LL_STEP_TRAIN, "epochs");
	return ll_mlp_config_check(cfg, err);
}

/* Model m's learning rate: "lr = a,b,c" gives a, b, c to the models in turn,
 * so a sweep sits inside one tensor (the model mode) and its factors. */
static double model_lr(const ll_session *s, size_t m, size_t *nlr)
{
	double v[64];
	size_t n = ll_session_get_reals(s, LL_STEP_TRAIN, "lr", v, 64);
	if (n > 64)
		n = 64;
	if (nlr)
		*nlr = n;
	return n ? v[m % n] : 0.03;
}

/* Model m's seed: a pure function of the session seed and m. */
static uint64_t model_seed(const ll_session *s, size_t m)
{
	return ll_seed_derive((uint64_t)ll_session_get_int(s, LL_STEP_SESSION, "seed"), 0x6d6c70, m);
}

static int threads_wanted(const ll_session *s)
{
	long t = ll_session_get_int(s, LL_STEP_SESSION, "threads");
#ifdef _OPENMP
	if (t <= 0)
		t = omp_get_max_threads();
#else
	t = 1;
#endif
	return t < 1 ? 1 : (int)t;
}

static int save_train(ll_session *s, const char *outdir, ll_mlp *init, ll_mlp *nets, ll_err *err)
{
	ll_train_log *t = &s->train;
	size_t M = t->models, S = t->snapshots;
	char *dir = out_subdir(outdir, "train", err);
	int rc = LL_OK;
	if (!dir)
		return err ? err->code : LL_EIO;
	size_t sh2[2] = {M, S};
	size_t sh1[1] = {S};
	double *steps = ll_malloc_array(S, sizeof(double));
	if (!steps) {
		ll_free(dir);
		return ll_err_set(err, LL_ENOMEM, "out of memory");
	}
	for (size_t j = 0; j < S; j++)
		steps[j] = t->step[j];
	char *act = ll_path_join(dir, "activity.npy");
	if (!act)
		rc = ll_err_set(err, LL_ENOMEM, "out of memory");
	if (rc == LL_OK)
		rc = ll_npy_write(act, &s->data, 0, err);
	ll_free(act);
	if (rc == LL_OK)
		rc = write_vec(dir, "test_loss.npy", t->loss, 2, sh2, err);
	if (rc == LL_OK)
		rc = write_vec(dir, "test_accuracy.npy", t->acc, 2, sh2, err);
	if (rc == LL_OK)
		rc = write_vec(dir, "train_loss.npy", t->train_loss, 2, sh2, err);
	if (rc == LL_OK)
		rc = write_vec(dir, "steps.npy", steps, 1, sh1, err);
	ll_free(steps);
	for (size_t m = 0; m < M && rc == LL_OK; m++) {
		char name[64];
		snprintf(name, sizeof name, "model_%02zu/init", m);
		char *p = ll_path_join(dir, name);
		rc = p ? ll_mlp_save(&init[m], p, err) : ll_err_set(err, LL_ENOMEM, "out of memory");
		ll_free(p);
		if (rc != LL_OK)
			break;
		snprintf(name, sizeof name, "model_%02zu/final", m);
		p = ll_path_join(dir, name);
		rc = p ? ll_mlp_save(&nets[m], p, err) : ll_err_set(err, LL_ENOMEM, "out of memory");
		ll_free(p);
	}
	/* sidecar: what the axes of activity.npy mean */
	if (rc == LL_OK) {
		ll_afile af;
		if ((rc = ll_afile_open_in(&af, dir, "activity.json", err)) == LL_OK) {
			ll_json j;
			ll_json_init(&j, af.fp, 1);
			ll_json_obj_begin(&j);
			ll_json_kv_str(&j, "description",
				       "mean hidden activation of each unit for each digit on a fixed probe set, "
				       "logged during training");
			ll_json_key(&j, "shape");
			ll_json_size_array(&j, s->data.dim, 4);
			ll_json_key(&j, "modes");
			ll_json_arr_begin(&j);
			for (int n = 0; n < 4; n++)
				ll_json_str(&j, s->modes[n].name);
			ll_json_arr_end(&j);
			ll_json_key(&j, "digits");
			ll_json_arr_begin(&j);
			for (int d = 0; d < 10; d++)
				ll_json_int(&j, d);
			ll_json_arr_end(&j);
			ll_json_key(&j, "snapshot_steps");
			ll_json_arr_begin(&j);
			for (size_t k = 0; k < S; k++)
				ll_json_int(&j, t->step[k]);
			ll_json_arr_end(&j);
			ll_json_key(&j, "model_seeds");
			ll_json_arr_begin(&j);
			for (size_t m = 0; m < M; m++)
				ll_json_u64(&j, model_seed(s, m));
			ll_json_arr_end(&j);
			ll_json_key(&j, "model_lr");
			ll_json_arr_begin(&j);
			for (size_t m = 0; m < M; m++)
				ll_json_num(&j, model_lr(s, m, NULL));
			ll_json_arr_end(&j);
			ll_json_key(&j, "parameters");
			ll_json_obj_begin(&j);
			size_t np;
			const ll_param_def *pd = ll_step_params(LL_STEP_TRAIN, &np);
			for (size_t i = 0; i < np; i++)
				ll_json_kv_str(&j, pd[i].key, ll_session_get(s, LL_STEP_TRAIN, pd[i].key));
			ll_json_obj_end(&j);
			ll_json_kv_num(&j, "final_test_accuracy_mean", t->final_acc_mean);
			ll_json_kv_num(&j, "final_test_accuracy_min", t->final_acc_min);
			ll_json_obj_end(&j);
			rc = ll_afile_commit(&af, err);
		}
	}
	ll_free(dir);
	return rc;
}

static int step_train(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud,
		      ll_err *err)
{
	mnist_data *md = s->mnist;
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
	int shared = !strcmp(ll_session_get(s, LL_STEP_TRAIN, "init"), "shared");
	int match = !strcmp(ll_session_get(s, LL_STEP_TRAIN, "match_units"), "yes");

	ll_mnist_free(&md->probe);
	if ((rc = ll_mnist_probe(&md->probe, &md->test, per_class, err)) != LL_OK)
		return ll_err_prefix(err, "[train] probe set from %s", md->dir);
	size_t T = ll_mlp_total_steps(&cfg, md->train.n);
	size_t S = ll_mlp_n_snapshots(T, log_every);

	size_t dim[4] = {M, LL_MNIST_CLASSES, U, S};
	ll_tensor_free(&s->data);
	train_log_free(&s->train);
	if ((rc = ll_tensor_init(&s->data, 4, dim, err)) != LL_OK)
		return rc;
	ll_train_log *tl = &s->train;
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
	if (!tl->step || !tl->loss || !tl->acc || !tl->train_loss || !nets || !init || !ctx || !cm) {
		rc = ll_err_set(err, LL_ENOMEM, "out of memory for %zu models", M);
		goto out;
	}
	/* initialise every model (and keep a copy of its starting weights) */
	for (size_t m = 0; m < M && rc == LL_OK; m++) {
		cfg.seed = model_seed(s, m);
		cfg.lr = model_lr(s, m, NULL);
		rc = ll_mlp_init(&nets[m], &cfg, err);
		if (rc == LL_OK && shared && m > 0)
			rc = ll_mlp_copy_weights(&nets[m], &nets[0], err);
		if (rc == LL_OK)
			rc = ll_mlp_init(&init[m], &cfg, err);
		if (rc == LL_OK)
			rc = ll_mlp_copy_weights(&init[m], &nets[m], err);
	}
	if (rc != LL_OK)
		goto out;

	int done = 0, nth = threads_wanted(s);
	int blas_threads = openblas_get_num_threads();
	if (nth > 1)
		openblas_set_num_threads(1); /* parallel over models, not in BLAS */
	for (size_t m = 0; m < M; m++) {
		ctx[m] = (train_ctx){.s = s, .md = md, .m = m, .units = U, .S = S,
				     .class_means = cm + m * LL_MNIST_CLASSES * U,
				     .done_models = &done, .progress = progress, .ud = ud, .M = M};
	}
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth)
#endif
	for (size_t m = 0; m < M; m++) {
		train_ctx *c = &ctx[m];
		int r = ll_mlp_train(&nets[m], &md->train, log_every, train_cb, c, &c->err);
		if (r != LL_OK)
			c->failed = r;
#ifdef _OPENMP
#pragma omp atomic
#endif
		done++;
	}
	if (nth > 1)
		openblas_set_num_threads(blas_threads);
	for (size_t m = 0; m < M; m++) {
		if (ctx[m].failed) {
			if (s->cancel && *s->cancel)
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
		if (!perm || !slice) {
			ll_free(perm);
			ll_free(slice);
			rc = ll_err_set(err, LL_ENOMEM, "out of memory");
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
			double *X = s->data.data + m * LL_MNIST_CLASSES * U * S;
			memcpy(slice, X, LL_MNIST_CLASSES * U * S * sizeof(double));
			for (size_t d = 0; d < LL_MNIST_CLASSES; d++)
				for (size_t u = 0; u < U; u++)
					memcpy(X + (d * U + u) * S, slice + (d * U + perm[u]) * S,
					       S * sizeof(double));
		}
		ll_free(perm);
		ll_free(slice);
		if (rc != LL_OK)
			goto out;
	}

	tl->final_acc_mean = 0;
	tl->final_acc_min = 1;
	for (size_t m = 0; m < M; m++) {
		double a = tl->acc[m * S + S - 1];
		tl->final_acc_mean += a / (double)M;
		if (a < tl->final_acc_min)
			tl->final_acc_min = a;
	}
	modes_free(s);
	set_mode(s, 0, "model", LL_MODE_TRIAL);
	set_mode(s, 1, "digit", LL_MODE_CLASS);
	set_mode(s, 2, "unit", LL_MODE_UNIT);
	set_mode(s, 3, "snapshot", LL_MODE_TIME);
	size_t nlr;
	model_lr(s, 0, &nlr);
	if (nlr > 1) {
		/* a learning-rate sweep: label each model by its rate's place in the list */
		s->modes[0].labels = ll_malloc_array(M, sizeof(int));
		if (s->modes[0].labels)
			for (size_t m = 0; m < M; m++)
				s->modes[0].labels[m] = (int)(m % nlr);
	}
	s->modes[1].labels = ll_malloc_array(LL_MNIST_CLASSES, sizeof(int));
	if (s->modes[1].labels)
		for (int d = 0; d < LL_MNIST_CLASSES; d++)
			s->modes[1].labels[d] = d;
	set_status(s, LL_STEP_TRAIN, "%zu models x %zu steps, %zu snapshots; test accuracy mean %.1f%%, min %.1f%%",
		 M, T, S, 100 * tl->final_acc_mean, 100 * tl->final_acc_min);
	ll_session_log(s, "train: %s", s->status[LL_STEP_TRAIN]);
	if (outdir)
		rc = save_train(s, outdir, init, nets, err);
out:
	for (size_t m = 0; nets && init && m < M; m++) {
		ll_mlp_free(&nets[m]);
		ll_mlp_free(&init[m]);
	}
	ll_free(nets);
	ll_free(init);
	ll_free(ctx);
	ll_free(cm);
	return rc;
}

/* ---------------------------------------------------------------- tensor */

/* tensor/tensor.json: what the axes of tensor.npy are and what was done */
static int write_tensor_sidecar(const ll_session *s, const char *dir, ll_err *err)
{
	ll_afile af;
	int rc = ll_afile_open_in(&af, dir, "tensor.json", err);
	if (rc != LL_OK)
		return rc;
	const ll_tensor *X = &s->X;
	ll_json j;
	ll_json_init(&j, af.fp, 1);
	ll_json_obj_begin(&j);
	ll_json_kv_str(&j, "description", "the tensor every later step analyses; NaN marks a missing entry");
	ll_json_kv_str(&j, "data", ll_session_get(s, LL_STEP_DATA, "kind"));
	ll_json_kv_str(&j, "path", ll_session_get(s, LL_STEP_DATA, "path"));
	ll_json_key(&j, "shape");
	ll_json_size_array(&j, X->dim, (size_t)X->nmodes);
	ll_json_key(&j, "modes");
	ll_json_arr_begin(&j);
	for (int n = 0; n < X->nmodes; n++) {
		ll_json_obj_begin(&j);
		ll_json_kv_str(&j, "name", s->modes[n].name);
		ll_json_kv_str(&j, "kind", ll_mode_kind_name(s->modes[n].kind));
		if (s->modes[n].labels) {
			ll_json_key(&j, "labels");
			ll_json_arr_begin(&j);
			for (size_t i = 0; i < X->dim[n]; i++)
				ll_json_int(&j, s->modes[n].labels[i]);
			ll_json_arr_end(&j);
		}
		ll_json_obj_end(&j);
	}
	ll_json_arr_end(&j);
	ll_json_kv_str(&j, "normalize", ll_session_get(s, LL_STEP_TENSOR, "normalize"));
	ll_json_kv_int(&j, "missing", (long long)s->n_missing);
	ll_json_kv_num(&j, "min", s->x_min);
	ll_json_kv_num(&j, "max", s->x_max);
	ll_json_obj_end(&j);
	return ll_afile_commit(&af, err);
}

static int step_tensor(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud,
		       ll_err *err)
{
	const char *norm = ll_session_get(s, LL_STEP_TENSOR, "normalize");
	int rc;

	(void)progress;
	(void)ud;
	if (!s->data.data)
		return ll_err_set(err, LL_EINVAL, "[tensor] has no data: run the earlier steps first");
	ll_tensor_free(&s->X);
	if ((rc = ll_tensor_copy(&s->X, &s->data, err)) != LL_OK)
		return rc;
	ll_tensor *X = &s->X;

	/* NaN marks a missing entry; so does a 0 in the mask */
	size_t nnan, ninf;
	ll_tensor_count_nonfinite(X, &nnan, &ninf);
	if (ninf)
		return ll_err_set(err, LL_ENUMERIC, "[tensor] the data has %zu infinite entries", ninf);
	/* masked entries become NaN in X, so normalisation, the value range,
	 * trajectories and the fits all skip the same entries */
	s->n_missing = 0;
	for (size_t i = 0; i < X->size; i++) {
		if (s->mask.data && s->mask.data[i] == 0.0)
			X->data[i] = NAN;
		if (isnan(X->data[i]))
			s->n_missing++;
	}
	if (s->n_missing == X->size)
		return ll_err_set(err, LL_ENUMERIC, "[tensor] every entry is missing (NaN or masked)");

	/* normalise each unit (the mode of kind UNIT) */
	int um = -1;
	for (int n = 0; n < X->nmodes; n++)
		if (s->modes[n].kind == LL_MODE_UNIT) {
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
	s->x_min = INFINITY;
	s->x_max = -INFINITY;
	for (size_t i = 0; i < X->size; i++)
		if (!isnan(X->data[i])) {
			s->x_min = fmin(s->x_min, X->data[i]);
			s->x_max = fmax(s->x_max, X->data[i]);
		}
	char sh[64], names[160] = "";
	for (int n = 0; n < X->nmodes; n++)
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", n ? " x " : "",
			 s->modes[n].name);
	set_status(s, LL_STEP_TENSOR, "%s (%s), values %.3g to %.3g, %zu missing",
		 ll_tensor_shape_str(X, sh, sizeof sh), names, s->x_min, s->x_max, s->n_missing);
	if (outdir) {
		char *dir = out_subdir(outdir, "tensor", err);
		if (!dir)
			return err ? err->code : LL_EIO;
		char *p = ll_path_join(dir, "tensor.npy");
		rc = p ? ll_npy_write(p, X, 0, err) : ll_err_set(err, LL_ENOMEM, "out of memory");
		ll_free(p);
		if (rc == LL_OK && s->mask.data) {
			p = ll_path_join(dir, "mask.npy");
			rc = p ? ll_npy_write(p, &s->mask, 0, err) : ll_err_set(err, LL_ENOMEM, "out of memory");
			ll_free(p);
		}
		if (rc == LL_OK)
			rc = write_tensor_sidecar(s, dir, err);
		ll_free(dir);
	}
	return rc;
}

/* ---------------------------------------------- synth, csv, trajectory */

static int ll_session_synth(ll_session *s, const char *outdir, ll_err *err)
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
		char *dir = out_subdir(outdir, "data", err);
		rc = dir ? ll_synth_write(&sy, dir, err) : (err ? err->code : LL_EIO);
		ll_free(dir);
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
	set_status(s, LL_STEP_DATA, "simulated %zu neurons x %zu time bins x %zu trials, %zu planted factors, %s noise",
		 o.neurons, o.time, o.trials, o.rank, ll_synth_noise_name(o.noise));
	return LL_OK;
}

static int ll_session_read_csv(ll_session *s, const char *path, ll_err *err)
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

static void ll_session_traj_free(ll_session *s)
{
	if (s->traj) {
		ll_traj_set_free(s->traj);
		free(s->traj);
		s->traj = NULL;
	}
}

static int find_mode(const ll_session *s, ll_mode_kind kind)
{
	for (int n = 0; n < s->X.nmodes; n++)
		if (s->modes[n].kind == kind)
			return n;
	return -1;
}

static int write_traj(const ll_traj_set *ts, const char *outdir, ll_err *err)
{
	char *dir = out_subdir(outdir, "trajectory", err);
	int rc;
	if (!dir)
		return err ? err->code : LL_EIO;
	size_t sh[3] = {ts->n_paths, ts->n_points, 3};
	size_t sh1[1] = {3};
	rc = write_vec(dir, "paths.npy", ts->xyz, 3, sh, err);
	if (rc == LL_OK)
		rc = write_vec(dir, "explained.npy", ts->explained, 1, sh1, err);
	char *jp = rc == LL_OK ? ll_path_join(dir, "trajectory.json") : NULL;
	if (rc == LL_OK && !jp)
		rc = ll_err_set(err, LL_ENOMEM, "out of memory");
	ll_afile af;
	if (rc == LL_OK && (rc = ll_afile_open(&af, jp, err)) == LL_OK) {
		ll_json j;
		ll_json_init(&j, af.fp, 1);
		ll_json_obj_begin(&j);
		ll_json_kv_str(&j, "source", ts->source);
		ll_json_kv_int(&j, "paths", (long long)ts->n_paths);
		ll_json_kv_int(&j, "points", (long long)ts->n_points);
		ll_json_key(&j, "axes");
		ll_json_arr_begin(&j);
		for (int a = 0; a < 3; a++)
			ll_json_str(&j, ts->axis_name[a]);
		ll_json_arr_end(&j);
		ll_json_key(&j, "explained");
		ll_json_num_array(&j, ts->explained, 3);
		ll_json_key(&j, "labels");
		ll_json_arr_begin(&j);
		for (size_t p = 0; p < ts->n_paths; p++)
			ll_json_str(&j, ts->labels[p]);
		ll_json_arr_end(&j);
		ll_json_obj_end(&j);
		rc = ll_afile_commit(&af, err);
	}
	ll_free(jp);
	ll_free(dir);
	return rc;
}

static int step_traj(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud,
		     ll_err *err)
{
	const char *src = ll_session_get(s, LL_STEP_TRAJ, "source");
	int tm = find_mode(s, LL_MODE_TIME);
	int pm = find_mode(s, LL_MODE_TRIAL);
	int rc;

	(void)progress;
	(void)ud;
	if (!s->X.data)
		return ll_err_set(err, LL_EINVAL, "[trajectory] has no tensor: run the tensor step first");
	if (tm < 0 || pm < 0)
		return ll_err_set(err, LL_EINVAL,
				  "[trajectory] needs a time mode and a trial/model mode (set [data] modes)");
	ll_traj_set *ts = calloc(1, sizeof *ts);
	if (!ts)
		return ll_err_set(err, LL_ENOMEM, "out of memory");
	int bio = s->X.nmodes == 3 && s->modes[0].kind == LL_MODE_UNIT && tm == 1 && pm == 2;
	const int *labels = s->modes[pm].labels;
	size_t nlab = labels ? s->X.dim[pm] : 0;
	if (!strcmp(src, "tca")) {
		const ll_ens_rank *r = ll_ens_get(&s->ens, s->chosen_rank);
		if (!r)
			rc = ll_err_set(err, LL_EINVAL, "[trajectory] source = tca needs the tca step");
		else
			rc = ll_traj_from_factors(&r->fits[0].K, pm, tm, bio ? labels : NULL,
						  bio ? nlab : 0, s->modes[pm].name, ts, err);
	} else if (bio) {
		rc = ll_traj_from_condition_means(&s->X, labels, nlab, ts, err);
	} else {
		rc = ll_traj_from_tensor_snapshots(&s->X, pm, tm, s->modes[pm].name, ts, err);
	}
	if (rc != LL_OK) {
		ll_traj_set_free(ts);
		free(ts);
		return rc;
	}
	s->traj = ts;
	set_status(s, LL_STEP_TRAJ, "%zu paths x %zu points from %s; %s %.1f%%, %s %.1f%%, %s %.1f%%", ts->n_paths,
		 ts->n_points, ts->source, ts->axis_name[0], 100 * ts->explained[0],
		 ts->axis_name[1], 100 * ts->explained[1], ts->axis_name[2], 100 * ts->explained[2]);
	return outdir ? write_traj(ts, outdir, err) : LL_OK;
}

/* ------------------------------------------------------------------- tca */

typedef struct progress_fwd {
	ll_session *s;
	ll_progress_fn fn;
	void *ud;
} progress_fwd;

/* Forward progress and turn the session's cancel flag into a cancel. */
static int fwd_progress(void *vud, const ll_progress *p)
{
	progress_fwd *f = vud;
	if (f->s->cancel && *f->s->cancel)
		return 1;
	return f->fn ? f->fn(f->ud, p) : 0;
}

/* Mean similarity of a rank's replicates to its best fit (1 if alone). */
static double mean_sim(const ll_ens_rank *r)
{
	double m = 0;
	if (r->nrep < 2)
		return 1.0;
	for (size_t k = 1; k < r->nrep; k++)
		m += r->sim[k] / (double)(r->nrep - 1);
	return m;
}

/* The rank to show: the [tca] rank parameter, or the elbow of the error
 * curve -- the smallest rank after which one more component lowers the
 * best error by less than a tenth of the largest drop seen -- among ranks
 * whose replicates agree (mean similarity to the best >= 0.9).  With no
 * elbow, the largest rank whose replicates agree. */
static int choose_rank(ll_session *s, ll_err *err)
{
	const char *want = ll_session_get(s, LL_STEP_TCA, "rank");
	const ll_ensemble *e = &s->ens;
	if (strcmp(want, "auto") != 0) {
		char *end;
		long r = strtol(want, &end, 10);
		if (*end || r < 1 || !ll_ens_get(e, (size_t)r))
			return ll_err_set(err, LL_EINVAL, "[tca] rank = %s is not one of the fitted ranks", want);
		s->chosen_rank = (size_t)r;
		snprintf(s->rank_reason, sizeof s->rank_reason, "set in the session file (rank = %ld)", r);
		return LL_OK;
	}
	/* a rank that already fits exactly: more components cannot help */
	for (size_t i = 0; i < e->nranks; i++)
		if (e->ranks[i].fits[0].obj < 1e-4) {
			s->chosen_rank = e->ranks[i].rank;
			snprintf(s->rank_reason, sizeof s->rank_reason,
				 "rank %zu already fits the tensor exactly (error %.1e): more components "
				 "cannot improve it", e->ranks[i].rank, e->ranks[i].fits[0].obj);
			return LL_OK;
		}
	double maxdrop = 0;
	for (size_t i = 1; i < e->nranks; i++)
		maxdrop = fmax(maxdrop, e->ranks[i - 1].fits[0].obj - e->ranks[i].fits[0].obj);
	size_t stable = e->ranks[0].rank;
	for (size_t i = 0; i < e->nranks; i++) {
		const ll_ens_rank *r = &e->ranks[i];
		if (mean_sim(r) < 0.9)
			continue;
		stable = r->rank;
		if (i + 1 < e->nranks && maxdrop > 0 &&
		    r->fits[0].obj - e->ranks[i + 1].fits[0].obj < 0.1 * maxdrop) {
			s->chosen_rank = r->rank;
			snprintf(s->rank_reason, sizeof s->rank_reason,
				 "elbow: rank %zu lowers the error by only %.4f (the largest drop is %.4f), "
				 "and rank %zu's replicates agree (mean similarity %.3f)",
				 e->ranks[i + 1].rank, r->fits[0].obj - e->ranks[i + 1].fits[0].obj,
				 maxdrop, r->rank, mean_sim(r));
			return LL_OK;
		}
	}
	s->chosen_rank = stable;
	snprintf(s->rank_reason, sizeof s->rank_reason,
		 "no elbow in the error curve: the largest rank whose replicates agree "
		 "(mean similarity %.3f >= 0.9)%s", mean_sim(ll_ens_get(e, stable)),
		 stable == e->ranks[e->nranks - 1].rank && e->nranks > 1
			 ? "; it is the top of the fitted range, so a wider range of ranks may show an elbow"
			 : "");
	return LL_OK;
}

static int step_tca(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud,
		    ll_err *err)
{
	ll_ens_opts o;
	long lo, hi;
	int rc;

	if (!s->X.data)
		return ll_err_set(err, LL_EINVAL, "[tca] has no tensor: run the tensor step first");
	ll_ens_opts_default(&o);
	if (sscanf(ll_session_get(s, LL_STEP_TCA, "ranks"), "%ld-%ld", &lo, &hi) != 2)
		hi = lo = ll_session_get_int(s, LL_STEP_TCA, "ranks");
	o.rank_lo = (size_t)lo;
	o.rank_hi = (size_t)hi;
	o.replicates = (size_t)ll_session_get_int(s, LL_STEP_TCA, "replicates");
	o.seed = ll_seed_derive((uint64_t)ll_session_get_int(s, LL_STEP_SESSION, "seed"), 0x746361, 0);
	if (ll_cp_method_parse(ll_session_get(s, LL_STEP_TCA, "method"), &o.cp.method) != LL_OK ||
	    ll_sim_parse(ll_session_get(s, LL_STEP_TCA, "sim"), &o.sim) != LL_OK)
		return ll_err_set(err, LL_EINVAL, "[tca] bad method or sim");
	o.cp.init = strcmp(ll_session_get(s, LL_STEP_TCA, "init"), "svd") ? LL_CP_INIT_RANDOM
									  : LL_CP_INIT_SVD;
	if (o.cp.init == LL_CP_INIT_SVD && o.replicates > 1)
		ll_session_log(s, "tca: warning: init = svd starts every replicate from the same point, "
			       "so their similarity says nothing about stability; use init = random");
	o.cp.tol = ll_session_get_real(s, LL_STEP_TCA, "tol");
	if (o.cp.tol <= 0)
		o.cp.tol = 1e-12;
	o.cp.max_iter = (int)ll_session_get_int(s, LL_STEP_TCA, "max_iter");
	o.cp.mask = s->mask.data ? &s->mask : NULL;
	o.threads = threads_wanted(s);
	progress_fwd fwd = {s, progress, ud};
	o.progress = fwd_progress;
	o.progress_ud = &fwd;
	if (o.cp.method != LL_CP_ALS && s->x_min < 0)
		ll_session_log(s, "tca: warning: %s on data with negative entries (min %g)",
			       ll_cp_method_name(o.cp.method), s->x_min);
	o.cp.rank = o.rank_hi;
	if ((rc = ll_cp_check(&s->X, &o.cp, err)) != LL_OK)
		return rc;
	ll_ens_free(&s->ens);
	if ((rc = ll_ens_fit(&s->X, &o, &s->ens, err)) != LL_OK)
		return rc;
	if ((rc = choose_rank(s, err)) != LL_OK)
		return rc;
	ll_session_log(s, "tca: rank %zu chosen: %s", s->chosen_rank, s->rank_reason);
	const ll_ens_rank *cr = ll_ens_get(&s->ens, s->chosen_rank);
	set_status(s, LL_STEP_TCA, "ranks %ld-%ld x %zu replicates (%s): rank %zu chosen, error %.4f%s",
		 lo, hi, o.replicates, ll_cp_method_name(o.cp.method), s->chosen_rank,
		 cr ? cr->fits[0].obj : NAN,
		 o.cp.method != LL_CP_ALS && s->x_min < 0 ? "; WARNING: negative data" : "");
	if (outdir) {
		char *dir = out_subdir(outdir, "tca", err);
		if (!dir)
			return err ? err->code : LL_EIO;
		rc = ll_ens_write(&s->ens, dir, &s->X, NULL, err);
		ll_free(dir);
	}
	return rc;
}

/* ------------------------------------------------------------ dispatch */

static int step_report(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud,
		       ll_err *err)
{
	(void)progress;
	(void)ud;
	if (!outdir)
		return ll_err_set(err, LL_EINVAL, "[report] needs an output directory");
	if (!s->report_fn)
		return ll_err_set(err, LL_ENOTSUP, "[report] no report writer in this program");
	return s->report_fn(s, outdir, s->report_ud, err);
}

typedef int (*step_fn)(ll_session *, const char *, ll_progress_fn, void *, ll_err *);

int ll_session_run_step(ll_session *s, ll_step_kind k, const char *outdir,
			ll_progress_fn progress, void *ud, ll_err *err)
{
	static const step_fn fns[LL_NSTEPS] = {
		[LL_STEP_DATA] = step_data, [LL_STEP_TRAIN] = step_train,
		[LL_STEP_TENSOR] = step_tensor, [LL_STEP_TCA] = step_tca,
		[LL_STEP_TRAJ] = step_traj, [LL_STEP_REPORT] = step_report,
	};
	if ((unsigned)k >= LL_NSTEPS || !fns[k] || s->state[k] == LL_STATE_ABSENT)
		return ll_err_set(err, LL_EINVAL, "step %s is not part of this session", ll_step_name(k));
	for (int p = LL_STEP_DATA; p < (int)k; p++)
		if (s->state[p] != LL_STATE_ABSENT && s->state[p] != LL_STATE_DONE)
			return ll_err_set(err, LL_EINVAL, "step %s must run before %s",
					  ll_step_name((ll_step_kind)p), ll_step_name(k));
	ll_session_reset_results(s, k);
	if (outdir && ll_mkdirs(outdir, err) != LL_OK)
		return err ? err->code : LL_EIO;
	s->state[k] = LL_STATE_RUNNING;
	if (k == LL_STEP_DATA)
		s->started = (long long)time(NULL);
	ll_session_log(s, "%s: running", ll_step_name(k));
	double t0 = ll_now();
	int rc = fns[k](s, outdir, progress, ud, err);
	s->seconds[k] = ll_now() - t0;
	if (rc != LL_OK) {
		s->state[k] = LL_STATE_FAILED;
		set_status(s, k, "%s", err ? err->msg : ll_strerror(rc));
		ll_session_log(s, "%s: failed: %s", ll_step_name(k), s->status[k]);
		return rc;
	}
	s->state[k] = LL_STATE_DONE;
	ll_session_log(s, "%s: done in %.2f s: %s", ll_step_name(k), s->seconds[k], s->status[k]);
	return LL_OK;
}

int ll_session_run_all(ll_session *s, const char *outdir,
		       ll_progress_fn progress, void *ud, ll_err *err)
{
	for (ll_step_kind k; (k = ll_session_next(s)) != LL_NSTEPS;) {
		int rc = ll_session_run_step(s, k, outdir, progress, ud, err);
		if (rc != LL_OK)
			return rc;
	}
	return LL_OK;
}
