/* Tensors of weights and rich vs lazy sweeps (issue 19), in process:
 *
 *  - [tensor] of = readout / input: every slice of the tensor equals the
 *    weights logged at that snapshot exactly, the first the saved initial
 *    weights (model_XX/init) and the last the saved final ones, after the
 *    units were matched (independent init) or not (shared init: every
 *    model's first slice the same); the modes are named in tensor.json;
 *  - ll_mlp_scale_init: the norm of the full-rank start at that scale, the
 *    rank asked for, the readout scaled exactly, bad arguments refused;
 *  - [train] init_scale = 0.1,1,4: the relative weight change falls as the
 *    scale grows (rich -> lazy), measured on a small sweep;
 *  - bad sessions refused with one line naming the file and the key. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_fs.h"
#include "io/ll_npy.h"
#include "nn/ll_mlp.h"
#include "pipeline/ll_session.h"
#include "pipeline/steps/step_tensor.h"
#include "pipeline/steps/step_train.h"
#include "ll_test.h"

#ifndef LL_MNIST_DIR
#define LL_MNIST_DIR "examples/data"
#endif

static char g_dir[64];

/* a small MNIST session whose tensor is of = `of` */
static int run_weights(ll_session *s, const char *of, const char *init, const char *out)
{
	char text[800];
	ll_err e = {0, ""};
	snprintf(text, sizeof text,
		 "[session]\nseed = 3\nthreads = 2\n[data]\nkind = mnist\npath = %s\n"
		 "[train]\nmodels = 3\nhidden = 12\nepochs = 1\ntrain_images = 600\nlog_every = 6\n"
		 "probe_per_class = 10\ninit = %s\nmatch_units = yes\n[tensor]\nof = %s\n",
		 LL_MNIST_DIR, init, of);
	if (ll_session_load_text(s, text, "w.lab", &e) != LL_OK) {
		LL_CHECK_MSG(0, "%s", e.msg);
		return -1;
	}
	int rc = ll_session_run_all(s, out, NULL, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	return rc;
}

/* the saved weight matrix W<layer> of model m at init or final */
static int load_w(const char *out, size_t m, const char *when, int layer, ll_tensor *W)
{
	char path[512];
	ll_err e = {0, ""};
	snprintf(path, sizeof path, "%s/train/model_%02zu/%s/W%d.npy", out, m, when, layer);
	int rc = ll_npy_read(path, W, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	return rc;
}

/* The mode names appear in tensor.json in this order. */
static void check_json_modes(const char *out, const char *const *names)
{
	char path[512], *buf = NULL;
	size_t len;
	ll_err e = {0, ""};
	snprintf(path, sizeof path, "%s/tensor/tensor.json", out);
	LL_REQUIRE_OK(ll_read_file(path, 1 << 20, &buf, &len, &e), e);
	const char *p = buf;
	for (int n = 0; n < 4; n++) {
		char pat[64];
		snprintf(pat, sizeof pat, "\"name\": \"%s\"", names[n]);
		const char *q = strstr(p, pat);
		LL_CHECK_MSG(q != NULL, "tensor.json: mode %d is not named %s after the earlier ones", n, names[n]);
		if (q)
			p = q + strlen(pat);
	}
	ll_free(buf);
}

static void check_weight_tensor(const char *of, const char *init)
{
	int readout = !strcmp(of, "readout"), shared = !strcmp(init, "shared");
	char out[128];
	snprintf(out, sizeof out, "%s/%s_%s", g_dir, of, init);
	ll_session s;
	if (run_weights(&s, of, init, out) != LL_OK) {
		ll_session_free(&s);
		return;
	}
	const struct ll_res_train *tr = s.res.train;
	const ll_tensor *X = &s.res.tensor->X;
	size_t M = 3, S = tr->log.snapshots, U = 12, A = readout ? 10 : U, B = readout ? U : 784;
	LL_CHECK(X->nmodes == 4 && X->dim[0] == M && X->dim[1] == A && X->dim[2] == B && X->dim[3] == S);
	static const char *const rnames[4] = {"model", "digit", "unit", "snapshot"};
	static const char *const inames[4] = {"model", "unit", "pixel", "snapshot"};
	const char *const *names = readout ? rnames : inames;
	for (int n = 0; n < 4; n++)
		LL_CHECK_STR(s.res.tensor->modes[n].name, names[n]);
	LL_CHECK(s.res.tensor->modes[3].kind == LL_MODE_TIME && s.res.tensor->modes[0].kind == LL_MODE_TRIAL);
	if (readout)
		LL_CHECK(s.res.tensor->modes[1].labels && s.res.tensor->modes[1].labels[9] == 9);
	check_json_modes(out, names);
	/* the logged weights are exactly the tensor's slices, on disk as well */
	const float *w = readout ? tr->w_out : tr->w_in;
	LL_CHECK(w != NULL && (readout ? tr->w_in == NULL : tr->w_out == NULL));
	ll_tensor disk = {0}, T = {0};
	ll_err e = {0, ""};
	char path[512];
	snprintf(path, sizeof path, "%s/train/%s_weights.npy", out, of);
	LL_REQUIRE_OK(ll_npy_read(path, &disk, NULL, &e), e);
	snprintf(path, sizeof path, "%s/tensor/tensor.npy", out);
	LL_REQUIRE_OK(ll_npy_read(path, &T, NULL, &e), e);
	LL_CHECK(disk.nmodes == 4 && disk.dim[0] == M && disk.dim[1] == S && disk.dim[2] == A && disk.dim[3] == B);
	LL_CHECK(ll_tensor_same_shape(&T, X));
	size_t bad = 0, bad_disk = 0, bad_ends = 0, bad_shared = 0;
	for (size_t m = 0; w && m < M; m++) {
		ll_tensor W0 = {0}, WT = {0};
		if (load_w(out, m, "init", readout ? 2 : 1, &W0) != LL_OK ||
		    load_w(out, m, "final", readout ? 2 : 1, &WT) != LL_OK) {
			ll_tensor_free(&W0);
			break;
		}
		LL_CHECK(W0.size == A * B && WT.size == A * B);
		for (size_t j = 0; j < S; j++)
			for (size_t a = 0; a < A; a++)
				for (size_t b = 0; b < B; b++) {
					double x = X->data[((m * A + a) * B + b) * S + j];
					bad += x != (double)w[((m * S + j) * A + a) * B + b];
					bad += T.data[((m * A + a) * B + b) * S + j] != x;
					bad_disk += disk.data[((m * S + j) * A + a) * B + b] != x;
					if (j == 0)
						bad_ends += x != W0.data[a * B + b];
					if (j == S - 1)
						bad_ends += x != WT.data[a * B + b];
					if (shared && j == 0)
						bad_shared += x != X->data[((0 * A + a) * B + b) * S + 0];
				}
		ll_tensor_free(&W0);
		ll_tensor_free(&WT);
	}
	LL_CHECK_MSG(bad == 0, "%s: %zu tensor entries differ from the logged weights", of, bad);
	LL_CHECK_MSG(bad_disk == 0, "%s: %zu entries of %s_weights.npy differ from the tensor", of, bad_disk, of);
	LL_CHECK_MSG(bad_ends == 0, "%s: %zu entries of the first/last snapshot differ from the saved init/final W",
		     of, bad_ends);
	LL_CHECK_MSG(bad_shared == 0, "%s, shared init: %zu entries of the models' first snapshots differ", of,
		     bad_shared);
	/* training moved them: the last snapshot is not the first */
	double moved = 0;
	for (size_t i = 0; i < A * B; i++)
		moved = fmax(moved, fabs(X->data[i * S + S - 1] - X->data[i * S]));
	LL_CHECK_MSG(moved > 1e-4, "%s: the weights did not change in training (%g)", of, moved);
	ll_tensor_free(&disk);
	ll_tensor_free(&T);
	ll_session_free(&s);
}

static void test_readout_tensor(void)
{
	check_weight_tensor("readout", "independent");
	check_weight_tensor("readout", "shared");
}

/* of decides what [train] logs: changing it retrains, and the weights
 * the new tensor needs are there */
static void test_of_retrains(void)
{
	ll_session s;
	ll_err e = {0, ""};
	if (run_weights(&s, "readout", "shared", NULL) != LL_OK) {
		ll_session_free(&s);
		return;
	}
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TENSOR, "of", "input", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TRAIN] == LL_STATE_PENDING && !s.res.train && !s.res.tensor);
	LL_CHECK(s.state[LL_STEP_DATA] == LL_STATE_DONE);
	int rc = ll_session_run_all(&s, NULL, NULL, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (rc == LL_OK)
		LL_CHECK(s.res.train->w_in && !s.res.train->w_out && s.res.tensor->X.dim[2] == 784 &&
			 !strcmp(s.res.tensor->modes[2].name, "pixel"));
	/* normalize does not retrain */
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TENSOR, "normalize", "max", &e), LL_OK);
	LL_CHECK(s.state[LL_STEP_TRAIN] == LL_STATE_DONE && s.state[LL_STEP_TENSOR] == LL_STATE_PENDING);
	ll_session_free(&s);
}

static void test_input_tensor(void)
{
	check_weight_tensor("input", "independent");
	check_weight_tensor("input", "shared");
}

/* of = activity (the default) is the activity logged in training, and
 * nothing else is logged */
static void test_activity_default(void)
{
	ll_session s;
	char out[128];
	snprintf(out, sizeof out, "%s/act", g_dir);
	if (run_weights(&s, "activity", "independent", out) == LL_OK) {
		LL_CHECK(s.res.train->w_out == NULL && s.res.train->w_in == NULL);
		LL_CHECK(s.res.tensor->X.size == s.res.train->activity.size &&
			 !memcmp(s.res.tensor->X.data, s.res.train->activity.data, s.res.tensor->X.size * sizeof(double)));
		char path[512];
		snprintf(path, sizeof path, "%s/train/readout_weights.npy", out);
		LL_CHECK(access(path, F_OK) != 0);
		snprintf(path, sizeof path, "%s/train/richlazy.csv", out);
		LL_CHECK(access(path, F_OK) != 0);
	}
	ll_session_free(&s);
}

static double frob(const float *W, size_t n)
{
	double f = 0;
	for (size_t i = 0; i < n; i++)
		f += (double)W[i] * W[i];
	return sqrt(f);
}

static void test_scale_init(void)
{
	ll_mlp_config cfg;
	ll_mlp_config_default(&cfg);
	cfg.hidden[0] = 20;
	cfg.seed = 11;
	ll_mlp a, b;
	ll_err e = {0, ""};
	LL_REQUIRE_OK(ll_mlp_init(&a, &cfg, &e), e);
	LL_REQUIRE_OK(ll_mlp_init(&b, &cfg, &e), e);
	size_t n1 = 20 * 784, n2 = 10 * 20;
	double f1 = frob(a.W[0], n1);
	/* scale 1, full rank: bitwise the same */
	LL_CHECK_INT(ll_mlp_scale_init(&b, 1.0, 0, 5, &e), LL_OK);
	LL_CHECK(!memcmp(a.params, b.params, a.nparams * sizeof(float)));
	/* rank 1 at scale 0.5: the norm of the full-rank start at that scale,
	 * every 2x2 minor 0, the readout scaled exactly */
	LL_CHECK_INT(ll_mlp_scale_init(&b, 0.5, 1, 5, &e), LL_OK);
	LL_CHECK_NEAR(frob(b.W[0], n1) / (0.5 * f1), 1.0, 1e-5);
	double minor = 0, big = 0;
	for (size_t i = 1; i < 20; i++)
		for (size_t j = 1; j < 784; j += 7) {
			double m2 = (double)b.W[0][i * 784 + j] * b.W[0][0] - (double)b.W[0][i * 784] * b.W[0][j];
			minor = fmax(minor, fabs(m2));
			big = fmax(big, fabs((double)b.W[0][i * 784 + j] * b.W[0][0]));
		}
	LL_CHECK_MSG(minor <= 1e-5 * big, "rank-1 init has a 2x2 minor %g (entries' products up to %g)", minor, big);
	size_t bad = 0;
	for (size_t i = 0; i < n2; i++)
		bad += b.W[1][i] != (float)(0.5 * a.W[1][i]);
	LL_CHECK_INT(bad, 0);
	/* rank 5 has rank 5, not 1: some 2x2 minor is far from 0 */
	LL_REQUIRE_OK(ll_mlp_copy_weights(&b, &a, &e), e);
	LL_CHECK_INT(ll_mlp_scale_init(&b, 2.0, 5, 5, &e), LL_OK);
	LL_CHECK_NEAR(frob(b.W[0], n1) / (2.0 * f1), 1.0, 1e-5);
	LL_CHECK(fabs((double)b.W[0][1 * 784 + 1] * b.W[0][0] - (double)b.W[0][784] * b.W[0][1]) > 1e-6);
	/* refused */
	LL_CHECK_INT(ll_mlp_scale_init(&b, 0.0, 0, 5, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "must be > 0");
	LL_CHECK_INT(ll_mlp_scale_init(&b, 1.0, 21, 5, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "rank 21");
	ll_mlp_free(&a);
	ll_mlp_free(&b);
}

/* 3 scales x 2 models, two short epochs: the weights of small starts move
 * most (rich), of large starts least (lazy) */
static void test_richlazy_direction(void)
{
	char text[800], out[128];
	ll_err e = {0, ""};
	ll_session s;
	snprintf(out, sizeof out, "%s/rl", g_dir);
	snprintf(text, sizeof text,
		 "[session]\nseed = 1\nthreads = 2\n[data]\nkind = mnist\npath = %s\n"
		 "[train]\nmodels = 6\nhidden = 32\nepochs = 2\ntrain_images = 2000\nlog_every = 20\n"
		 "probe_per_class = 20\noptimizer = sgd\nlr = 0.05\ninit = independent\ninit_scale = 0.1,1,4\n"
		 "[tensor]\n",
		 LL_MNIST_DIR);
	LL_REQUIRE_OK(ll_session_load_text(&s, text, "rl.lab", &e), e);
	int rc = ll_session_run_all(&s, out, NULL, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (rc == LL_OK) {
		const struct ll_res_train *r = s.res.train;
		size_t L = r->nlayers;
		double w[3] = {0, 0, 0}, c[3] = {0, 0, 0};
		for (size_t m = 0; m < 6; m++) {
			w[m % 3] += r->wchange[m * (L + 1) + L] / 2;
			c[m % 3] += r->repr_change[m] / 2;
			LL_CHECK(isfinite(r->wchange[m * (L + 1)]) && isfinite(r->wchange[m * (L + 1) + 1]));
			LL_CHECK(r->repr_change[m] >= -1e-12 && r->repr_change[m] <= 1 + 1e-12);
			LL_CHECK(s.res.tensor->modes[0].labels && s.res.tensor->modes[0].labels[m] == (int)(m % 3));
		}
		printf("# weight change by init_scale 0.1 / 1 / 4: %.4f / %.4f / %.4f; 1 - CKA: %.4f / %.4f / %.4f\n",
		       w[0], w[1], w[2], c[0], c[1], c[2]);
		LL_CHECK_MSG(w[0] > w[1] && w[1] > w[2], "weight change does not fall as init_scale grows: %g %g %g",
			     w[0], w[1], w[2]);
		/* the files */
		char path[512], *buf = NULL;
		size_t len;
		snprintf(path, sizeof path, "%s/train/richlazy.csv", out);
		if (ll_read_file(path, 1 << 20, &buf, &len, &e) == LL_OK) {
			size_t lines = 0;
			for (size_t i = 0; i < len; i++)
				lines += buf[i] == '\n';
			LL_CHECK_INT(lines, 7);
			static const char head[] = "model,regime,init_scale,init_rank,weight_change_W1,weight_change_W2,"
						   "weight_change_total,repr_change,final_test_accuracy\n";
			LL_CHECK(len > sizeof head && !strncmp(buf, head, sizeof head - 1));
			ll_free(buf);
		} else {
			LL_CHECK_MSG(0, "%s", e.msg);
		}
		ll_tensor wc = {0};
		snprintf(path, sizeof path, "%s/train/weight_change.npy", out);
		LL_CHECK_INT(ll_npy_read(path, &wc, NULL, &e), LL_OK);
		LL_CHECK(wc.nmodes == 2 && wc.dim[0] == 6 && wc.dim[1] == L + 1 && wc.data &&
			 wc.data[2] == r->wchange[2]);
		ll_tensor_free(&wc);
	}
	ll_session_free(&s);
}

/* low rank within a shared population: the models of one regime start
 * alike, the regimes differently */
static void test_shared_low_rank(void)
{
	char text[800];
	ll_err e = {0, ""};
	ll_session s;
	snprintf(text, sizeof text,
		 "[session]\nseed = 2\nthreads = 1\n[data]\nkind = mnist\npath = %s\n"
		 "[train]\nmodels = 4\nhidden = 10\nepochs = 1\ntrain_images = 200\nlog_every = 50\n"
		 "probe_per_class = 5\ninit = shared\ninit_rank = full, 2\n[tensor]\nof = input\n",
		 LL_MNIST_DIR);
	LL_REQUIRE_OK(ll_session_load_text(&s, text, "lr.lab", &e), e);
	int rc = ll_session_run_all(&s, NULL, NULL, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (rc == LL_OK) {
		const struct ll_res_train *r = s.res.train;
		size_t S = r->log.snapshots, P = 10 * 784;
		const float *w0 = r->w_in, *w1 = r->w_in + 1 * S * P, *w2 = r->w_in + 2 * S * P;
		LL_CHECK(!memcmp(w0, w2, P * sizeof(float)));  /* regime 0 twice */
		LL_CHECK(memcmp(w0, w1, P * sizeof(float)) != 0); /* full vs rank 2 */
		LL_CHECK_NEAR(frob(w1, P) / frob(w0, P), 1.0, 1e-5);
	}
	ll_session_free(&s);
}

static void load_fails(const char *text, const char *msg)
{
	ll_session s;
	ll_err e = {0, ""};
	int rc = ll_session_load_text(&s, text, "bad.lab", &e);
	LL_CHECK_MSG(rc == LL_EINVAL, "accepted: %s", text);
	if (rc == LL_OK) {
		ll_session_free(&s);
		return;
	}
	LL_CHECK_CONTAINS(e.msg, "bad.lab");
	LL_CHECK_CONTAINS(e.msg, msg);
	LL_CHECK(!strchr(e.msg, '\n'));
}

static void test_bad_sessions(void)
{
	load_fails("[data]\nkind = mnist\n[train]\nhidden = 16\ninit_rank = 20\n",
		   "init_rank = 20 is above the layer width (hidden = 16)");
	load_fails("[data]\nkind = mnist\n[train]\nhidden = 16\nhidden2 = 4\ninit_rank = full,8\n",
		   "init_rank = 8 is above the layer width (hidden2 = 4)");
	load_fails("[data]\nkind = mnist\n[train]\ninit_scale = 0\n", "init_scale = 0: a scale must be > 0");
	load_fails("[data]\nkind = mnist\n[train]\ninit_scale = 1,-2\n", "init_scale = -2 is out of range");
	load_fails("[data]\nkind = mnist\n[train]\ninit_rank = low\n", "init_rank = 'low' is not full");
	load_fails("[data]\nkind = mnist\n[train]\ninit_rank = 0\n", "init_rank = '0' is not full");
	load_fails("[data]\nkind = mnist\n[train]\nmodels = 2\ninit_scale = 1,2,3\n",
		   "models = 2 is fewer than the 3 regimes");
	load_fails("[data]\nkind = synth\n[tensor]\nof = readout\n", "of = readout needs MLPs trained on MNIST");
	load_fails("[data]\nkind = mnist\n[train]\nhidden2 = 8\n[tensor]\nof = readout\n",
		   "of = readout needs one hidden layer");
	load_fails("[data]\nkind = mnist\n[tensor]\nof = weights\n", "of");
	/* and the good ones load */
	ll_session s;
	ll_err e = {0, ""};
	LL_CHECK_INT(ll_session_load_text(&s, "[data]\nkind = mnist\n[train]\nmodels = 6\ninit_scale = 0.1, 1,4\n"
					      "init_rank = full,1\nhidden2 = 8\n[tensor]\nof = input\n",
					  "ok.lab", &e),
		     LL_OK);
	ll_train_regimes g;
	LL_CHECK_INT(ll_train_regimes_get(&s, &g, &e), LL_OK);
	LL_CHECK(g.n == 6 && g.nscale == 3 && g.nrank == 2 && g.sweep);
	char nm[64];
	LL_CHECK_STR(ll_train_regime_name(&g, 4, nm, sizeof nm), "scale 1, rank 1");
	LL_CHECK(ll_train_regime_scale(&g, 2) == 4 && ll_train_regime_rank(&g, 2) == 0);
	ll_session_free(&s);
}

int main(void)
{
	snprintf(g_dir, sizeof g_dir, "/tmp/ll_weights_XXXXXX");
	if (!mkdtemp(g_dir))
		return 1;
	LL_RUN(test_readout_tensor);
	LL_RUN(test_of_retrains);
	LL_RUN(test_input_tensor);
	LL_RUN(test_activity_default);
	LL_RUN(test_scale_init);
	LL_RUN(test_richlazy_direction);
	LL_RUN(test_shared_low_rank);
	LL_RUN(test_bad_sessions);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
	if (system(cmd) != 0)
		return 1;
	return ll_test_done();
}
