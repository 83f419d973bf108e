/* The session pipeline end to end, in process: a small MNIST session (the
 * logged tensor's shape and its snapshot-0 slice against activations
 * recomputed from the saved initial weights), the simulated bio session
 * (TCA finds the planted factors), step ordering and failure states. */
#include "nn/ll_mlp.h"
#include "io/ll_mnist.h"
#include "io/ll_npy.h"
#include "pipeline/ll_session.h"
#include "pipeline/ll_step.h"
#include "pipeline/steps/step_data.h"
#include "pipeline/steps/step_tca.h"
#include "pipeline/steps/step_tensor.h"
#include "pipeline/steps/step_train.h"
#include "pipeline/steps/step_traj.h"
#include "ll_test.h"
#include "pca/ll_traj.h"

#ifndef LL_MNIST_DIR
#define LL_MNIST_DIR "examples/data"
#endif

static char g_dir[64];

static const char *mnist_session =
	"[session]\nname = t\nseed = 3\nthreads = 2\n"
	"[data]\nkind = mnist\npath = " LL_MNIST_DIR "\n"
	"[train]\nmodels = 3\nhidden = 16\nepochs = 1\ntrain_images = 1000\nlog_every = 10\n"
	"probe_per_class = 10\nprobe_activity = 4\ninit = independent\nmatch_units = yes\n"
	"[tensor]\n[tca]\nranks = 1-3\nreplicates = 2\nmax_iter = 50\n[trajectory]\n";

static void test_mnist_session(void)
{
	ll_session s;
	ll_err e = {0, ""};
	LL_CHECK_INT(ll_session_load_text(&s, mnist_session, "t.lab", &e), LL_OK);
	int rc = ll_session_run_all(&s, g_dir, NULL, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (rc != LL_OK) {
		ll_session_free(&s);
		return;
	}
	/* documented shape: models x digits x units x snapshots */
	size_t T = 1 * ((1000 + 31) / 32); /* 1 epoch, batch 32 */
	size_t S = ll_mlp_n_snapshots(T, 10);
	LL_CHECK_INT(s.res.train->activity.nmodes, 4);
	LL_CHECK_INT(s.res.train->activity.dim[0], 3);
	LL_CHECK_INT(s.res.train->activity.dim[1], 10);
	LL_CHECK_INT(s.res.train->activity.dim[2], 16);
	LL_CHECK_INT(s.res.train->activity.dim[3], S);
	LL_CHECK_STR(s.res.train->modes[3].name, "snapshot");
	LL_CHECK(s.res.train->log.step[0] == 0 && s.res.train->log.step[S - 1] == (int)T);
	/* loads-on: digits as themselves (each its own label), the peak as a
	 * training step logged */
	if (s.res.tca && s.res.tca->ens.nranks) {
		char lt[400];
		LL_CHECK_INT(ll_tca_loads_text(&s, &s.res.tca->ens.ranks[0].fits[0].K, 0, lt, sizeof lt, &e), LL_OK);
		printf("# mnist C1 loads on: %s\n", lt);
		LL_CHECK(strstr(lt, "; digit ") && !strstr(lt, "label") && strstr(lt, "; unit "));
		const char *ps = strstr(lt, "; peak step ");
		int step = ps ? atoi(ps + 12) : -1, logged = 0;
		for (size_t i = 0; i < S; i++)
			logged |= s.res.train->log.step[i] == step;
		LL_CHECK(logged);
	}

	/* the file on disk is the same tensor */
	char path[256];
	ll_tensor act;
	snprintf(path, sizeof path, "%s/train/activity.npy", g_dir);
	LL_CHECK_INT(ll_npy_read(path, &act, NULL, &e), LL_OK);
	LL_CHECK(ll_tensor_same_shape(&act, &s.res.train->activity));

	/* snapshot 0 of every model = class means of its saved initial
	 * weights on the probe set (units already matched to model 0) */
	ll_mnist test, probe;
	LL_CHECK_INT(ll_mnist_load(&test, LL_MNIST_DIR, "test", &e), LL_OK);
	LL_CHECK_INT(ll_mnist_probe(&probe, &test, 10, &e), LL_OK);
	ll_mlp_config cfg;
	ll_mlp_config_default(&cfg);
	cfg.hidden[0] = 16;
	double cm[10 * 16], worst = 0;
	for (size_t m = 0; m < 3; m++) {
		ll_mlp net;
		LL_CHECK_INT(ll_mlp_init(&net, &cfg, &e), LL_OK);
		snprintf(path, sizeof path, "%s/train/model_%02zu/init", g_dir, m);
		LL_CHECK_INT(ll_mlp_load(&net, path, &e), LL_OK);
		LL_CHECK_INT(ll_mlp_log_class_means(&net, &probe, 0, cm, &e), LL_OK);
		for (size_t d = 0; d < 10; d++)
			for (size_t u = 0; u < 16; u++) {
				double v = act.data[((m * 10 + d) * 16 + u) * S + 0];
				worst = fmax(worst, fabs(v - cm[d * 16 + u]));
			}
		ll_mlp_free(&net);
	}
	LL_CHECK_MSG(worst < 1e-6, "snapshot 0 differs from recomputed activations by %g", worst);
	/* the probe activity: snapshot 0 of every model is its saved initial
	 * net's hidden layer on the first 4 probe images of each digit
	 * (units matched to model 0's, as the saved weights are) */
	const struct ll_res_train *tr = s.res.train;
	LL_CHECK(tr->probe && tr->probe_n == 40 && tr->probe_labels[0] == 0 && tr->probe_labels[39] == 9);
	float xs[40 * 784], h[40 * 16];
	for (size_t d = 0; d < 10; d++)
		for (size_t i = 0; i < 4; i++)
			memcpy(xs + (d * 4 + i) * 784, probe.x + (d * 10 + i) * 784, 784 * sizeof(float));
	double pworst = 0;
	for (size_t m = 0; tr->probe && m < 3; m++) {
		ll_mlp net;
		LL_CHECK_INT(ll_mlp_init(&net, &cfg, &e), LL_OK);
		snprintf(path, sizeof path, "%s/train/model_%02zu/init", g_dir, m);
		LL_CHECK_INT(ll_mlp_load(&net, path, &e), LL_OK);
		LL_CHECK_INT(ll_mlp_forward_hidden(&net, xs, 40, 0, h, &e), LL_OK);
		const float *logged = ll_res_train_probe(tr, m, 0);
		for (size_t k = 0; k < 40 * 16; k++)
			pworst = fmax(pworst, fabs((double)logged[k] - (double)h[k]));
		ll_mlp_free(&net);
	}
	LL_CHECK_MSG(pworst < 1e-5, "logged probe activity differs from recomputed by %g", pworst);
	ll_tensor pa;
	snprintf(path, sizeof path, "%s/train/probe_activity.npy", g_dir);
	LL_CHECK_INT(ll_npy_read(path, &pa, NULL, &e), LL_OK);
	LL_CHECK(pa.nmodes == 4 && pa.dim[0] == 3 && pa.dim[1] == S && pa.dim[2] == 40 && pa.dim[3] == 16);
	LL_CHECK(pa.data && pa.data[5] == (double)tr->probe[5]);
	ll_tensor_free(&pa);
	/* accuracy is logged and sensible after one epoch on 1000 images */
	LL_CHECK(s.res.train->log.final_acc_mean > 0.5 && s.res.train->log.final_acc_mean <= 1.0);
	/* the pipeline went through to the trajectories */
	LL_CHECK(s.state[LL_STEP_TRAJ] == LL_STATE_DONE);
	const ll_traj_set *ts = s.res.traj ? &s.res.traj->ts : NULL;
	LL_CHECK(ts && ts->n_paths == 3 && ts->n_points == S);
	ll_tensor_free(&act);
	ll_mnist_free(&test);
	ll_mnist_free(&probe);
	ll_session_free(&s);
}

/* "lr = 0.01,0.1" gives the models those rates in turn: model 1 of the
 * sweep trains exactly as model 1 of a run at lr = 0.1, model 0 does not;
 * the model mode is labelled by the rate's place in the list. */
static ll_tensor *train_only(const char *lr, ll_session *s, const char *extra)
{
	char text[600];
	ll_err e = {0, ""};
	snprintf(text, sizeof text,
		 "[session]\nseed = 5\nthreads = 1\n[data]\nkind = mnist\npath = %s\n"
		 "[train]\nmodels = 3\nhidden = 8\nepochs = 1\ntrain_images = 300\nlog_every = 5\n"
		 "probe_per_class = 5\ninit = independent\nmatch_units = no\nlr = %s\n%s[tensor]\n",
		 LL_MNIST_DIR, lr, extra);
	if (ll_session_load_text(s, text, "lr.lab", &e) != LL_OK ||
	    ll_session_run_all(s, NULL, NULL, NULL, &e) != LL_OK) {
		LL_CHECK_MSG(0, "%s", e.msg);
		return NULL;
	}
	return &s->res.train->activity;
}

static void test_lr_sweep(void)
{
	ll_session a, b;
	ll_tensor *ta = train_only("0.01, 0.1", &a, ""), *tb = train_only("0.1", &b, "");
	if (ta && tb && ll_tensor_same_shape(ta, tb)) {
		size_t per = ta->size / 3;
		double d0 = 0, d1 = 0;
		for (size_t i = 0; i < per; i++) {
			d0 = fmax(d0, fabs(ta->data[i] - tb->data[i]));
			d1 = fmax(d1, fabs(ta->data[per + i] - tb->data[per + i]));
		}
		LL_CHECK_MSG(d1 == 0, "model 1 at lr 0.1 differs by %g", d1);
		LL_CHECK_MSG(d0 > 1e-3, "model 0 at lr 0.01 equals lr 0.1 (%g)", d0);
		LL_CHECK(a.res.train->modes[0].labels && a.res.train->modes[0].labels[0] == 0 && a.res.train->modes[0].labels[1] == 1 &&
			 a.res.train->modes[0].labels[2] == 0);
		LL_CHECK(b.res.train->modes[0].labels == NULL);
	} else {
		LL_CHECK(0);
	}
	ll_session_free(&a);
	ll_session_free(&b);
	ll_err e = {0, ""};
	LL_CHECK_INT(ll_session_load_text(&a, "[train]\nlr = 0.1,x\n", "bad.lab", &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "bad.lab:2");
	LL_CHECK_INT(ll_session_load_text(&a, "[train]\nlr = 0.1,20\n", "bad.lab", &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "out of range");
}

/* A 0 in the mask means missing everywhere after the data step, not only
 * in the fit: sentinel values under the mask must not reach the
 * normalisation, the value range or the tensor the steps share. */
/* An exactly rank-1 tensor: rank 1 is chosen (the error curve has no
 * drop at all); a noisy sweep that ends on its top rank says so. */
static void test_rank_choice_edges(void)
{
	size_t dim[3] = {6, 5, 4};
	ll_tensor X;
	ll_err e = {0, ""};
	char xp[128], text[400];
	LL_CHECK_INT(ll_tensor_init(&X, 3, dim, &e), LL_OK);
	for (size_t i = 0; i < X.size; i++)
		X.data[i] = 1.0;
	snprintf(xp, sizeof xp, "%s/ones.npy", g_dir);
	LL_CHECK_INT(ll_npy_write(xp, &X, 0, &e), LL_OK);
	ll_tensor_free(&X);
	snprintf(text, sizeof text, "[data]\nkind = npy\npath = %s\n[tca]\nranks = 1-3\nreplicates = 2\n", xp);
	ll_session s;
	LL_CHECK_INT(ll_session_load_text(&s, text, "ones.lab", &e), LL_OK);
	int rc = ll_session_run_all(&s, NULL, NULL, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK_INT(s.res.tca->chosen_rank, 1);
	LL_CHECK_CONTAINS(s.res.tca->rank_reason, "rank 1 already fits the tensor exactly");
	ll_session_free(&s);
	/* synth has 3 planted factors: ranks 1-2 cannot show an elbow */
	LL_CHECK_INT(ll_session_load_text(&s, "[session]\nseed = 7\n[data]\nkind = synth\nneurons = 20\n"
					      "time = 20\ntrials = 20\n[tca]\nranks = 1-2\nreplicates = 2\n",
					  "top.lab", &e), LL_OK);
	rc = ll_session_run_all(&s, NULL, NULL, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (s.res.tca->chosen_rank == 2)
		LL_CHECK_CONTAINS(s.res.tca->rank_reason, "top of the fitted range");
	else
		LL_CHECK_MSG(0, "chose %zu: %s", s.res.tca->chosen_rank, s.res.tca->rank_reason);
	ll_session_free(&s);
	/* [tca] select = cv: the held-out error picks synth's 3 factors */
	LL_CHECK_INT(ll_session_load_text(&s, "[session]\nseed = 7\n[data]\nkind = synth\nneurons = 20\n"
					      "time = 20\ntrials = 20\n[tca]\nranks = 1-5\nreplicates = 2\n"
					      "select = cv\ncv_folds = 3\n",
					  "cv.lab", &e), LL_OK);
	rc = ll_session_run_all(&s, NULL, NULL, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (rc == LL_OK) {
		LL_CHECK_INT(s.res.tca->ens.cv_folds, 3);
		LL_CHECK_MSG(s.res.tca->chosen_rank == 3, "chose %zu: %s", s.res.tca->chosen_rank, s.res.tca->rank_reason);
		LL_CHECK_CONTAINS(s.res.tca->rank_reason, "cross-validation");
	}
	ll_session_free(&s);
	/* cv_folds = 1 holds out everything: refused with the session */
	LL_CHECK(ll_session_load_text(&s, "[data]\nkind = synth\n[tca]\ncv_folds = 1\n", "cv1.lab", &e) != LL_OK);
	LL_CHECK_CONTAINS(e.msg, "cv_folds = 1");
}

/* hidden2 adds a second hidden layer; the first is the one logged */
static void test_two_hidden_layers(void)
{
	ll_session a, b;
	ll_tensor *ta = train_only("0.1", &a, "hidden2 = 6\n"),
		  *tb = train_only("0.1", &b, "");
	LL_CHECK(ta && ta->nmodes == 4 && ta->dim[2] == 8);
	LL_CHECK(a.res.train->log.final_acc_mean > 0.15); /* 10 steps; chance is 0.1 */
	/* the first layer starts the same, then trains differently */
	if (ta && tb && ll_tensor_same_shape(ta, tb)) {
		size_t S = ta->dim[3];
		double d = 0;
		for (size_t i = 0; i < ta->size; i++)
			if (i % S == S - 1)
				d = fmax(d, fabs(ta->data[i] - tb->data[i]));
		LL_CHECK_MSG(d > 1e-3, "a second layer changed nothing (%g)", d);
	} else {
		LL_CHECK(0);
	}
	ll_session_free(&a);
	ll_session_free(&b);
}

static void test_mask_is_missing_everywhere(void)
{
	size_t dim[3] = {6, 5, 4};
	ll_tensor X, M;
	ll_err e = {0, ""};
	char xp[128], mp[128], text[512];
	LL_CHECK_INT(ll_tensor_init(&X, 3, dim, &e), LL_OK);
	LL_CHECK_INT(ll_tensor_init(&M, 3, dim, &e), LL_OK);
	size_t masked = 0;
	for (size_t i = 0; i < X.size; i++) {
		int miss = i % 7 == 3;
		X.data[i] = miss ? -999.0 : 1.0 + (double)(i % 5);
		M.data[i] = miss ? 0.0 : 1.0;
		masked += (size_t)miss;
	}
	snprintf(xp, sizeof xp, "%s/masked_x.npy", g_dir);
	snprintf(mp, sizeof mp, "%s/masked_m.npy", g_dir);
	LL_CHECK_INT(ll_npy_write(xp, &X, 0, &e), LL_OK);
	LL_CHECK_INT(ll_npy_write(mp, &M, 0, &e), LL_OK);
	snprintf(text, sizeof text,
		 "[data]\nkind = npy\npath = %s\nmask = %s\n[tensor]\nnormalize = max\n"
		 "[tca]\nranks = 1-2\nreplicates = 2\nmax_iter = 30\n",
		 xp, mp);
	ll_session s;
	LL_CHECK_INT(ll_session_load_text(&s, text, "mask.lab", &e), LL_OK);
	int rc = ll_session_run_all(&s, NULL, NULL, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (rc == LL_OK) {
		LL_CHECK_INT(s.res.tensor->n_missing, masked);
		LL_CHECK_MSG(s.res.tensor->x_min > 0 && s.res.tensor->x_max == 1.0, "range %g to %g", s.res.tensor->x_min, s.res.tensor->x_max);
		size_t nan = 0;
		for (size_t i = 0; i < s.res.tensor->X.size; i++)
			nan += isnan(s.res.tensor->X.data[i]) && M.data[i] == 0.0;
		LL_CHECK_INT(nan, masked);
	}
	ll_session_free(&s);
	ll_tensor_free(&X);
	ll_tensor_free(&M);
}

static void test_bio_session_recovers_truth(void)
{
	ll_session s;
	ll_err e = {0, ""};
	LL_CHECK_INT(ll_session_load_text(&s,
		"[session]\nseed = 7\n[data]\nkind = synth\n[tca]\nranks = 1-5\nreplicates = 3\n"
		"[trajectory]\n", "bio.lab", &e), LL_OK);
	int rc = ll_session_run_all(&s, NULL, NULL, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (rc == LL_OK) {
		LL_CHECK_INT(s.res.tca->chosen_rank, 3);
		const ll_ens_rank *r = ll_ens_get(&s.res.tca->ens, 3);
		double fms = 0;
		LL_CHECK_INT(ll_kt_similarity(&s.res.data->truth, &r->fits[0].K, LL_SIM_CONGRUENCE, &fms, NULL, &e), LL_OK);
		LL_CHECK_MSG(fms >= 0.95, "FMS %g", fms);
		/* two conditions -> two trial-averaged paths */
		const ll_traj_set *ts = s.res.traj ? &s.res.traj->ts : NULL;
		LL_CHECK(ts && ts->n_paths == 2 && ts->n_points == 60);
		/* what the components load on, against the planted ones: one
		 * condition factor, one learning trend over trials that both
		 * conditions share, one the same on every trial */
		int cond = 0, alike = 0, flat = 0;
		for (size_t c = 0; c < 3; c++) {
			char lt[400];
			LL_CHECK_INT(ll_tca_loads_text(&s, &r->fits[0].K, c, lt, sizeof lt, &e), LL_OK);
			printf("# C%zu loads on: %s\n", c + 1, lt);
			LL_CHECK(!strncmp(lt, "neuron ", 7) && strstr(lt, "; peak time "));
			cond += strstr(lt, "; trial: condition 1 (0.") != NULL;
			alike += strstr(lt, "(conditions alike)") != NULL;
			flat += strstr(lt, "; trial flat") != NULL;
		}
		LL_CHECK(cond == 1 && alike == 1 && flat == 1);
		char small[12];
		LL_CHECK_INT(ll_tca_loads_text(&s, &r->fits[0].K, 0, small, sizeof small, &e), LL_OK);
		LL_CHECK_INT((int)strlen(small), 11); /* cut, terminated */
	}
	ll_session_free(&s);
}

static void test_order_and_failure(void)
{
	ll_session s;
	ll_err e = {0, ""};
	LL_CHECK_INT(ll_session_load_text(&s, "[data]\nkind = npy\npath = /nonexistent/x.npy\n[tca]\n",
					  "t.lab", &e), LL_OK);
	/* a later step refuses to run before its predecessors */
	LL_CHECK_INT(ll_session_run_step(&s, LL_STEP_TCA, NULL, NULL, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "step tensor must run before tca");
	/* a failing step is marked failed with the message as its status */
	LL_CHECK(ll_session_run_all(&s, NULL, NULL, NULL, &e) != LL_OK);
	LL_CHECK_CONTAINS(e.msg, "/nonexistent/x.npy");
	LL_CHECK(s.state[LL_STEP_DATA] == LL_STATE_FAILED);
	LL_CHECK_CONTAINS(s.status[LL_STEP_DATA], "/nonexistent/x.npy");
	ll_session_free(&s);

	/* rank larger than the data allows */
	LL_CHECK_INT(ll_session_load_text(&s, "[data]\nkind = synth\nneurons = 3\ntime = 3\ntrials = 3\n"
					  "[tca]\nranks = 1-12\n", "t.lab", &e), LL_OK);
	LL_CHECK(ll_session_run_all(&s, NULL, NULL, NULL, &e) != LL_OK);
	LL_CHECK_CONTAINS(e.msg, "rank 12 exceeds");
	ll_session_free(&s);
}

static void test_edit_resets_downstream(void)
{
	ll_session s;
	ll_err e = {0, ""};
	LL_CHECK_INT(ll_session_load_text(&s, "[data]\nkind = synth\nneurons = 8\ntime = 6\ntrials = 10\n"
					  "[tca]\nranks = 1-2\nreplicates = 2\n", "t.lab", &e), LL_OK);
	LL_CHECK_INT(ll_session_run_all(&s, NULL, NULL, NULL, &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TCA] == LL_STATE_DONE && s.res.tca->ens.nranks == 2);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "ranks", "1-3", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TCA] == LL_STATE_PENDING);
	LL_CHECK(s.state[LL_STEP_TENSOR] == LL_STATE_DONE);
	LL_CHECK_INT(ll_session_next(&s), LL_STEP_TCA);
	LL_CHECK_INT(ll_session_run_all(&s, NULL, NULL, NULL, &e), LL_OK);
	LL_CHECK_INT(s.res.tca->ens.nranks, 3);
	ll_session_free(&s);
}

/* D5: an edit keeps the results it makes stale; setting the old value
 * again makes the steps done again with the very same results (same
 * pointers, nothing rerun); running a step drops what was kept of it.
 * An edit of [tca] rank alone (a fitted rank) runs tca again without
 * refitting: the ensemble is the kept one, only the chosen rank differs. */
static void test_revert_restores(void)
{
	ll_session s;
	ll_err e = {0, ""};
	LL_CHECK_INT(ll_session_load_text(&s, "[session]\nseed = 5\n[data]\nkind = synth\nneurons = 8\ntime = 6\n"
					  "trials = 10\n[tca]\nranks = 1-3\nreplicates = 2\n[trajectory]\nsource = tca\n",
					  "t.lab", &e), LL_OK);
	LL_CHECK_INT(ll_session_run_all(&s, NULL, NULL, NULL, &e), LL_OK);
	const void *tens = s.res.tensor, *tca = s.res.tca, *traj = s.res.traj;
	LL_CHECK(tens && tca && traj);
	/* a data edit: everything after it pending, nothing dropped */
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_DATA, "neurons", "9", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_DATA] == LL_STATE_PENDING && s.state[LL_STEP_TCA] == LL_STATE_PENDING);
	LL_CHECK(s.res.tca == NULL && (ll_session_kept(&s) & LL_STEP_BIT(LL_STEP_TCA)));
	/* a second, unrelated-to-data edit of tca, then both reverted */
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "max_iter", "77", &e), LL_OK);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_DATA, "neurons", "8", &e), LL_OK);
	/* data and tensor back (their values match); tca still differs */
	LL_CHECK(s.state[LL_STEP_DATA] == LL_STATE_DONE && s.state[LL_STEP_TENSOR] == LL_STATE_DONE);
	LL_CHECK(s.res.tensor == tens);
	LL_CHECK(s.state[LL_STEP_TCA] == LL_STATE_PENDING && s.state[LL_STEP_TRAJ] == LL_STATE_PENDING);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "max_iter", "300", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TCA] == LL_STATE_DONE && s.res.tca == tca);
	LL_CHECK(s.state[LL_STEP_TRAJ] == LL_STATE_DONE && s.res.traj == traj);
	LL_CHECK_INT((int)ll_session_kept(&s), 0);
	LL_CHECK_INT(ll_session_next(&s), LL_NSTEPS);
	/* [session] seed feeds every step: its change keeps them pending, its
	 * old value brings them back */
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_SESSION, "seed", "6", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_DATA] == LL_STATE_PENDING && s.state[LL_STEP_TCA] == LL_STATE_PENDING);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_SESSION, "seed", "5", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_DATA] == LL_STATE_DONE && s.res.tca == tca);
	/* threads feeds nothing: results stand */
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_SESSION, "threads", "1", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TCA] == LL_STATE_DONE && s.res.tca == tca);

	/* rank only: tca runs again on the kept ensemble */
	size_t was = s.res.tca->chosen_rank, want = was == 2 ? 3 : 2;
	char rv[8];
	snprintf(rv, sizeof rv, "%zu", want);
	const ll_cp_result *best = &ll_ens_get(&s.res.tca->ens, want)->fits[0];
	double obj = best->obj;
	const double *u0 = best->K.U[0];
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "rank", rv, &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TCA] == LL_STATE_PENDING);
	LL_CHECK_INT(ll_session_run_all(&s, NULL, NULL, NULL, &e), LL_OK);
	LL_CHECK_INT((int)s.res.tca->chosen_rank, (int)want);
	/* the same fit, not a refit from the same seed: the very same arrays */
	LL_CHECK(ll_ens_get(&s.res.tca->ens, want)->fits[0].K.U[0] == u0);
	LL_CHECK(ll_ens_get(&s.res.tca->ens, want)->fits[0].obj == obj);
	LL_CHECK(strstr(s.status[LL_STEP_TCA], "chosen") != NULL);
	/* running dropped what was kept */
	LL_CHECK_INT((int)ll_session_kept(&s), 0);
	/* a data edit now and rerun: nothing kept survives a rerun */
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_DATA, "neurons", "7", &e), LL_OK);
	LL_CHECK_INT(ll_session_run_step(&s, LL_STEP_DATA, NULL, NULL, NULL, &e), LL_OK);
	LL_CHECK_INT((int)(ll_session_kept(&s) & LL_STEP_BIT(LL_STEP_TCA)), 0);
	ll_session_free(&s);
}

/* The steps form a graph: a step needs only what it reads, an edit makes
 * stale only that step and what depends on it, and independent analyses
 * of one tensor do not wait for or reset each other. */
static void test_graph(void)
{
	ll_session s;
	ll_err e = {0, ""};
	const unsigned D = LL_STEP_BIT(LL_STEP_DATA), T = LL_STEP_BIT(LL_STEP_TENSOR),
		       C = LL_STEP_BIT(LL_STEP_TCA), J = LL_STEP_BIT(LL_STEP_TRAJ),
		       R = LL_STEP_BIT(LL_STEP_REPORT);
	LL_CHECK_INT(ll_session_load_text(&s, "[session]\nseed = 4\n[data]\nkind = synth\nneurons = 10\n"
					      "time = 12\ntrials = 10\n[tca]\nranks = 1-2\nreplicates = 2\n"
					      "[trajectory]\n[report]\n", "g.lab", &e), LL_OK);
	LL_CHECK_INT(ll_step_needs(&s, LL_STEP_DATA), 0);
	LL_CHECK_INT(ll_step_needs(&s, LL_STEP_TENSOR), D); /* train is not part of it */
	LL_CHECK_INT(ll_step_needs(&s, LL_STEP_TCA), T);
	LL_CHECK_INT(ll_step_needs(&s, LL_STEP_TRAJ), T);   /* PCA paths: not tca */
	LL_CHECK_INT(ll_step_needs(&s, LL_STEP_REPORT), D | T | C | J);
	LL_CHECK_INT(ll_step_dependents(&s, LL_STEP_TENSOR), C | J | R);
	LL_CHECK_INT(ll_step_dependents(&s, LL_STEP_TCA), R);
	LL_CHECK_INT(ll_step_depth(&s, LL_STEP_DATA), 0);
	LL_CHECK_INT(ll_step_depth(&s, LL_STEP_TCA), 2);
	LL_CHECK_INT(ll_step_depth(&s, LL_STEP_TRAJ), 2);
	LL_CHECK_INT(ll_step_depth(&s, LL_STEP_REPORT), 3);
	LL_CHECK(ll_step_ready(&s, LL_STEP_DATA) && !ll_step_ready(&s, LL_STEP_TCA));
	/* run the data, the tensor, then the trajectory before the tca step */
	s.state[LL_STEP_REPORT] = LL_STATE_ABSENT; /* no report writer here */
	LL_CHECK_INT(ll_session_run_step(&s, LL_STEP_DATA, NULL, NULL, NULL, &e), LL_OK);
	LL_CHECK_INT(ll_session_run_step(&s, LL_STEP_TENSOR, NULL, NULL, NULL, &e), LL_OK);
	LL_CHECK(ll_step_ready(&s, LL_STEP_TCA) && ll_step_ready(&s, LL_STEP_TRAJ));
	LL_CHECK_INT(ll_session_run_step(&s, LL_STEP_TRAJ, NULL, NULL, NULL, &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TCA] == LL_STATE_PENDING);
	LL_CHECK_INT(ll_session_run_step(&s, LL_STEP_TCA, NULL, NULL, NULL, &e), LL_OK);
	const struct ll_res_traj *paths = s.res.traj;
	/* an edit of tca leaves the PCA paths alone */
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "ranks", "1-3", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TCA] == LL_STATE_PENDING && !s.res.tca);
	LL_CHECK(s.state[LL_STEP_TRAJ] == LL_STATE_DONE && s.res.traj == paths);
	/* paths from TCA factors need tca: now a tca edit reaches them */
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TRAJ, "source", "tca", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TRAJ] == LL_STATE_PENDING && !s.res.traj);
	LL_CHECK_INT(ll_step_needs(&s, LL_STEP_TRAJ), T | C);
	LL_CHECK_INT(ll_session_run_step(&s, LL_STEP_TRAJ, NULL, NULL, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "step tca must run before trajectory");
	LL_CHECK_INT(ll_session_run_all(&s, NULL, NULL, NULL, &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TRAJ] == LL_STATE_DONE && s.res.traj);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "replicates", "3", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TRAJ] == LL_STATE_PENDING && s.state[LL_STEP_TENSOR] == LL_STATE_DONE);
	/* the name shows only in the report; the seed reaches every step */
	LL_CHECK_INT(ll_session_run_all(&s, NULL, NULL, NULL, &e), LL_OK);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_SESSION, "name", "renamed", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TCA] == LL_STATE_DONE && s.state[LL_STEP_DATA] == LL_STATE_DONE);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_SESSION, "threads", "1", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TCA] == LL_STATE_DONE);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_SESSION, "seed", "5", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_DATA] == LL_STATE_PENDING && s.state[LL_STEP_TRAJ] == LL_STATE_PENDING &&
		 !s.res.data && !s.res.tensor);
	ll_session_free(&s);
	/* MNIST: the tensor is made from the training log */
	LL_CHECK_INT(ll_session_load_text(&s, mnist_session, "t.lab", &e), LL_OK);
	LL_CHECK_INT(ll_step_needs(&s, LL_STEP_TENSOR), D | LL_STEP_BIT(LL_STEP_TRAIN));
	LL_CHECK_INT(ll_step_depth(&s, LL_STEP_TCA), 3);
	ll_session_free(&s);
}

/* ll_step_group_of: a name seen before keeps its index, a new one is
 * copied in at the end */
static void test_group_of(void)
{
	char *names[3] = {NULL, NULL, NULL};
	char buf[8] = "gru";
	size_t n = 0, g = 99;
	ll_err err;
	LL_CHECK_INT(ll_step_group_of(names, &n, "vanilla", &g, &err), LL_OK);
	LL_CHECK_INT(g, 0);
	LL_CHECK_INT(ll_step_group_of(names, &n, buf, &g, &err), LL_OK);
	LL_CHECK_INT(g, 1);
	buf[0] = 'x'; /* the list holds its own copy */
	LL_CHECK_INT(ll_step_group_of(names, &n, "vanilla", &g, &err), LL_OK);
	LL_CHECK_INT(g, 0);
	LL_CHECK_INT(ll_step_group_of(names, &n, "gru", &g, &err), LL_OK);
	LL_CHECK_INT(g, 1);
	LL_CHECK_INT(n, 2);
	LL_CHECK_STR(names[1], "gru");
	for (size_t k = 0; k < n; k++)
		ll_free(names[k]);
}

int main(void)
{
	snprintf(g_dir, sizeof g_dir, "/tmp/ll_pipe_XXXXXX");
	if (!mkdtemp(g_dir))
		return 1;
	LL_RUN(test_mnist_session);
	LL_RUN(test_lr_sweep);
	LL_RUN(test_mask_is_missing_everywhere);
	LL_RUN(test_two_hidden_layers);
	LL_RUN(test_rank_choice_edges);
	LL_RUN(test_bio_session_recovers_truth);
	LL_RUN(test_order_and_failure);
	LL_RUN(test_edit_resets_downstream);
	LL_RUN(test_revert_restores);
	LL_RUN(test_graph);
	LL_RUN(test_group_of);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
	if (system(cmd) != 0)
		return 1;
	return ll_test_done();
}
