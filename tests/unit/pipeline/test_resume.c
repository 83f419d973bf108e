/* Tests for resuming a session from its OUTDIR (src/pipeline/ll_resume.c)
 * and for the Slurm script's tca options (src/pipeline/ll_slurm.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_fs.h"
#include "pipeline/ll_record.h"
#include "pipeline/ll_resume.h"
#include "pipeline/ll_session.h"
#include "pipeline/ll_slurm.h"
#include "pipeline/steps/step_compare.h"
#include "pipeline/steps/step_rnn.h"
#include "pipeline/steps/step_tca.h"
#include "pipeline/steps/step_tensor.h"
#include "pipeline/steps/step_train.h"
#include "ll_failalloc.h"
#include "ll_test.h"

static char g_dir[64];

static const char *base_session =
	"[session]\nname = r\nseed = 3\nthreads = 1\n"
	"[data]\nkind = synth\nneurons = 12\ntime = 10\ntrials = 8\nrank = 2\n"
	"[tca]\nranks = 1-3\nreplicates = 3\n"
	"[trajectory]\nsource = pca\n";

/* base_session with one line replaced (old -> new), loaded */
static int load_with(ll_session *s, const char *old, const char *new_)
{
	char text[1024];
	const char *p = old ? strstr(base_session, old) : NULL;
	if (p)
		snprintf(text, sizeof text, "%.*s%s%s", (int)(p - base_session), base_session, new_, p + strlen(old));
	else
		snprintf(text, sizeof text, "%s", base_session);
	ll_err err = {0, ""};
	return ll_session_load_text(s, text, "r.lab", &err);
}

static int same_doubles(const double *a, const double *b, size_t n)
{
	return memcmp(a, b, n * sizeof *a) == 0;
}

static void test_resume(void)
{
	ll_err err = {0, ""};
	char *out = ll_path_join(g_dir, "out");
	ll_session s, r;
	LL_CHECK_INT(load_with(&s, NULL, NULL), LL_OK);
	/* what `latentlab run` leaves: results, results.json, session.lab */
	LL_CHECK_INT(ll_session_run_all(&s, out, NULL, NULL, &err), LL_OK);
	LL_CHECK_INT(ll_record_results(&s, out, "test", 1.0, 0, &err), LL_OK);
	LL_CHECK_INT(ll_record_session_copy(&s, out, &err), LL_OK);

	/* the same parameters: data, tensor, tca and trajectory come back,
	 * tca's fits bit for bit and its chosen rank */
	unsigned done = 0;
	LL_CHECK_INT(load_with(&r, NULL, NULL), LL_OK);
	LL_CHECK_INT(ll_session_resume(&r, out, &done, &err), LL_OK);
	unsigned want = LL_STEP_BIT(LL_STEP_DATA) | LL_STEP_BIT(LL_STEP_TENSOR) | LL_STEP_BIT(LL_STEP_TCA) |
			LL_STEP_BIT(LL_STEP_TRAJ);
	LL_CHECK_INT(done, want);
	LL_CHECK_INT(r.state[LL_STEP_TCA], LL_STATE_DONE);
	LL_CHECK_STR(r.status[LL_STEP_TCA], s.status[LL_STEP_TCA]);
	LL_CHECK(r.res.tca && s.res.tca);
	if (r.res.tca && s.res.tca) {
		const ll_ensemble *a = &s.res.tca->ens, *b = &r.res.tca->ens;
		LL_CHECK_INT(r.res.tca->chosen_rank, s.res.tca->chosen_rank);
		LL_CHECK_INT(a->nranks, b->nranks);
		for (size_t i = 0; i < a->nranks && i < b->nranks; i++)
			for (size_t k = 0; k < a->ranks[i].nrep; k++) {
				const ll_ktensor *x = &a->ranks[i].fits[k].K, *y = &b->ranks[i].fits[k].K;
				LL_CHECK(same_doubles(x->lambda, y->lambda, x->rank));
				for (int m = 0; m < x->nmodes; m++)
					LL_CHECK(same_doubles(x->U[m], y->U[m], x->dim[m] * x->rank));
				LL_CHECK(a->ranks[i].sim[k] == b->ranks[i].sim[k]);
			}
	}
	LL_CHECK_INT(ll_session_next(&r), LL_NSTEPS);
	ll_session_free(&r);

	/* tca's parameters differ: it and what needs it stay pending */
	LL_CHECK_INT(load_with(&r, "replicates = 3", "replicates = 2"), LL_OK);
	LL_CHECK_INT(ll_session_resume(&r, out, &done, &err), LL_OK);
	LL_CHECK_INT(done, want & ~LL_STEP_BIT(LL_STEP_TCA));
	LL_CHECK_INT(r.state[LL_STEP_TCA], LL_STATE_PENDING);
	LL_CHECK(r.res.tca == NULL);
	ll_session_free(&r);

	/* the data's: nothing that needs the data resumes */
	LL_CHECK_INT(load_with(&r, "trials = 8", "trials = 9"), LL_OK);
	LL_CHECK_INT(ll_session_resume(&r, out, &done, &err), LL_OK);
	LL_CHECK_INT(done, 0);
	ll_session_free(&r);

	/* the session seed makes every step stale; the threads none */
	LL_CHECK_INT(load_with(&r, "seed = 3", "seed = 4"), LL_OK);
	LL_CHECK_INT(ll_session_resume(&r, out, &done, &err), LL_OK);
	LL_CHECK_INT(done, 0);
	ll_session_free(&r);
	LL_CHECK_INT(load_with(&r, "threads = 1", "threads = 2"), LL_OK);
	LL_CHECK_INT(ll_session_resume(&r, out, &done, &err), LL_OK);
	LL_CHECK_INT(done, want);
	ll_session_free(&r);

	/* fits made from other data are refused, though the parameters agree */
	char *sh = ll_path_join(out, "tca/resume/shard.txt");
	char *text = NULL;
	size_t len;
	LL_CHECK(sh && ll_read_file(sh, 1u << 20, &text, &len, &err) == LL_OK);
	char *h = text ? strstr(text, "data_hash = ") : NULL;
	LL_CHECK(h != NULL);
	if (h) {
		h[12] = h[12] == '0' ? '1' : '0';
		ll_afile af;
		LL_CHECK_INT(ll_afile_open(&af, sh, &err), LL_OK);
		fputs(text, af.fp);
		LL_CHECK_INT(ll_afile_commit(&af, &err), LL_OK);
	}
	LL_CHECK_INT(load_with(&r, NULL, NULL), LL_OK);
	LL_CHECK_INT(ll_session_resume(&r, out, &done, &err), LL_OK);
	LL_CHECK_INT(done, want & ~LL_STEP_BIT(LL_STEP_TCA));
	ll_session_free(&r);
	ll_free(text);
	ll_free(sh);

	/* a folder no run wrote: nothing */
	LL_CHECK_INT(load_with(&r, NULL, NULL), LL_OK);
	LL_CHECK_INT(ll_session_resume(&r, g_dir, &done, &err), LL_OK);
	LL_CHECK_INT(done, 0);
	ll_session_free(&r);
	ll_session_free(&s);
	ll_free(out);
}

static int same_floats(const float *a, const float *b, size_t n)
{
	return (!a && !b) || (a && b && memcmp(a, b, n * sizeof *a) == 0);
}

/* the session's log lines, kept */
static char g_log[4096];
static void keep_log(void *ud, const char *line)
{
	(void)ud;
	size_t l = strlen(g_log);
	snprintf(g_log + l, sizeof g_log - l, "%s\n", line);
}

/* A small session (MNIST, a task) run into dir (results.json and session.lab as
 * `latentlab run` leaves them); *s keeps the run's results. */
static int run_mnist(ll_session *s, const char *text, const char *dir)
{
	ll_err err = {0, ""};
	int rc = ll_session_load_text(s, text, "m.lab", &err);
	if (rc == LL_OK)
		rc = ll_session_run_all(s, dir, NULL, NULL, &err);
	if (rc == LL_OK)
		rc = ll_record_results(s, dir, "test", 1.0, 0, &err);
	if (rc == LL_OK)
		rc = ll_record_session_copy(s, dir, &err);
	LL_CHECK_MSG(rc == LL_OK, "%s", err.msg);
	return rc;
}

/* train's results after a resume are those of the run, bit for bit */
static void check_train_same(const ll_session *s, const ll_session *r)
{
	const struct ll_res_train *a = s->res.train, *b = r->res.train;
	LL_CHECK(a && b);
	if (!a || !b)
		return;
	size_t M = a->log.models, S = a->log.snapshots, U = a->log.units;
	LL_CHECK(M == b->log.models && S == b->log.snapshots && U == b->log.units);
	LL_CHECK_INT(a->activity.nmodes, b->activity.nmodes);
	LL_CHECK(a->activity.size == b->activity.size &&
		 same_doubles(a->activity.data, b->activity.data, a->activity.size));
	LL_CHECK(memcmp(a->log.step, b->log.step, S * sizeof(int)) == 0);
	LL_CHECK(same_doubles(a->log.loss, b->log.loss, M * S));
	LL_CHECK(same_doubles(a->log.acc, b->log.acc, M * S));
	LL_CHECK(same_doubles(a->log.train_loss, b->log.train_loss, M * S));
	LL_CHECK(a->log.final_acc_mean == b->log.final_acc_mean && a->log.final_acc_min == b->log.final_acc_min);
	LL_CHECK(a->probe_n == b->probe_n && same_floats(a->probe, b->probe, M * S * a->probe_n * U));
	LL_CHECK((!a->probe_labels && !b->probe_labels) ||
		 (a->probe_labels && b->probe_labels &&
		  memcmp(a->probe_labels, b->probe_labels, a->probe_n * sizeof(int)) == 0));
	LL_CHECK(a->outputs_n == b->outputs_n && same_floats(a->outputs, b->outputs, M * S * a->outputs_n * 10));
	LL_CHECK(a->hess_k == b->hess_k && a->hess_images == b->hess_images && a->hess_probes == b->hess_probes);
	if (a->hess_k && b->hess_k) {
		/* NaN at the snapshots not measured: compare the bits */
		LL_CHECK(memcmp(a->hess_top, b->hess_top, M * S * a->hess_k * sizeof(double)) == 0);
		LL_CHECK(memcmp(a->hess_trace, b->hess_trace, M * S * sizeof(double)) == 0);
	}
	LL_CHECK(same_floats(a->w_out, b->w_out, M * S * 10 * U));
	LL_CHECK(same_floats(a->w_in, b->w_in, M * S * U * a->n_in));
	LL_CHECK(a->nlayers == b->nlayers && a->n_in == b->n_in);
	LL_CHECK(memcmp(a->wchange, b->wchange, M * (a->nlayers + 1) * sizeof(double)) == 0);
	LL_CHECK(memcmp(a->repr_change, b->repr_change, M * sizeof(double)) == 0);
	for (int m = 0; m < 4; m++) {
		LL_CHECK_STR(a->modes[m].name, b->modes[m].name);
		LL_CHECK((!a->modes[m].labels) == (!b->modes[m].labels));
	}
	LL_CHECK_STR(r->status[LL_STEP_TRAIN], s->status[LL_STEP_TRAIN]);
	/* what the steps after it computed from it */
	LL_CHECK(s->res.tensor && r->res.tensor && s->res.tensor->X.size == r->res.tensor->X.size &&
		 same_doubles(s->res.tensor->X.data, r->res.tensor->X.data, s->res.tensor->X.size));
	LL_CHECK(s->res.tca && r->res.tca && s->res.tca->chosen_rank == r->res.tca->chosen_rank);
	LL_CHECK_STR(r->status[LL_STEP_TCA], s->status[LL_STEP_TCA]);
	/* compare, computed again from what train read back */
	const struct ll_res_compare *x = s->res.compare, *y = r->res.compare;
	if (r->state[LL_STEP_COMPARE] == LL_STATE_DONE && x && y) {
		LL_CHECK(x->models == y->models && x->snapshots == y->snapshots && x->metrics == y->metrics);
		LL_CHECK(same_doubles(x->over, y->over, M * M * S) && same_doubles(x->self, y->self, M * S));
		LL_CHECK(same_doubles(x->pair_mean, y->pair_mean, S));
		for (int k = 0; k < LL_NMETRICS; k++)
			LL_CHECK(!x->final[k] == !y->final[k] &&
				 (!x->final[k] || same_doubles(x->final[k], y->final[k], M * M)));
		LL_CHECK_STR(r->status[LL_STEP_COMPARE], s->status[LL_STEP_COMPARE]);
	}
	/* inpca and spectrum have no load hook: their eigenvalues, computed
	 * again, differ from the run's in the last bits (the BLAS's order of
	 * sums), so they run again and their files stay those of the results
	 * shown */
	LL_CHECK_INT(r->state[LL_STEP_INPCA], LL_STATE_PENDING);
	LL_CHECK_INT(r->state[LL_STEP_SPECTRUM], LL_STATE_PENDING);
}

static const char *mnist_base =
	"[session]\nname = m\nseed = 3\nthreads = 1\n"
	"[data]\nkind = mnist\npath = " LL_MNIST_DIR "\n"
	"[train]\nmodels = 3\nhidden = 8\nepochs = 1\ntrain_images = 300\nlog_every = 5\n"
	"probe_per_class = 5\nprobe_activity = 2\ninit = independent\nmatch_units = yes\n"
	"[inpca]\n[spectrum]\nsource = train\n"
	"[tensor]\n[tca]\nranks = 1-2\nreplicates = 2\nmax_iter = 30\n[trajectory]\n"
	"[compare]\nconditions = probe\nmetrics = cka,angular,match\n";

static void test_resume_train(void)
{
	ll_err err = {0, ""};
	char *out = ll_path_join(g_dir, "mnist");
	ll_session s, r;
	unsigned done = 0;
	if (run_mnist(&s, mnist_base, out) != LL_OK) {
		ll_free(out);
		return;
	}
	unsigned want = LL_STEP_BIT(LL_STEP_DATA) | LL_STEP_BIT(LL_STEP_TRAIN) | LL_STEP_BIT(LL_STEP_TENSOR) |
			LL_STEP_BIT(LL_STEP_TCA) | LL_STEP_BIT(LL_STEP_TRAJ) | LL_STEP_BIT(LL_STEP_COMPARE);
	LL_CHECK_INT(ll_session_load_text(&r, mnist_base, "m.lab", &err), LL_OK);
	LL_CHECK_INT(ll_session_resume(&r, out, &done, &err), LL_OK);
	LL_CHECK_INT(done, want);
	LL_CHECK_INT(r.state[LL_STEP_TRAIN], LL_STATE_DONE);
	LL_CHECK(r.res.compare && !r.res.inpca && !r.res.spectrum);
	check_train_same(&s, &r);
	LL_CHECK_INT(ll_session_next(&r), LL_STEP_INPCA);
	ll_session_free(&r);

	/* a damaged file: train runs again (and what needs it), a line in the
	 * log says why */
	char *op = ll_path_join(out, "train/outputs.npy");
	LL_CHECK(op && truncate(op, 200) == 0);
	LL_CHECK_INT(ll_session_load_text(&r, mnist_base, "m.lab", &err), LL_OK);
	g_log[0] = '\0';
	r.log_fn = keep_log;
	LL_CHECK_INT(ll_session_resume(&r, out, &done, &err), LL_OK);
	LL_CHECK_INT(done, LL_STEP_BIT(LL_STEP_DATA));
	LL_CHECK(r.res.train == NULL);
	LL_CHECK_INT(ll_session_next(&r), LL_STEP_TRAIN);
	LL_CHECK_MSG(strstr(g_log, "resume: train: ") && strstr(g_log, "outputs.npy: truncated"), "%s", g_log);
	ll_session_free(&r);
	/* and missing: the same */
	LL_CHECK(op && unlink(op) == 0);
	LL_CHECK_INT(ll_session_load_text(&r, mnist_base, "m.lab", &err), LL_OK);
	LL_CHECK_INT(ll_session_resume(&r, out, &done, &err), LL_OK);
	LL_CHECK_INT(done, LL_STEP_BIT(LL_STEP_DATA));
	ll_session_free(&r);
	ll_free(op);
	ll_session_free(&s);
	ll_free(out);

	/* the weights and the curvature, when the session has them */
	char text[1024];
	const char *p1 = strstr(mnist_base, "[inpca]"), *p2 = strstr(mnist_base, "[tensor]\n");
	snprintf(text, sizeof text, "%.*shessian_top = 2\nhessian_images = 40\nhessian_every = 2\n%.*s[tensor]\nof = readout\n%s",
		 (int)(p1 - mnist_base), mnist_base, (int)(p2 - p1), p1, p2 + strlen("[tensor]\n"));
	out = ll_path_join(g_dir, "mnist2");
	if (run_mnist(&s, text, out) == LL_OK) {
		LL_CHECK(s.res.train && s.res.train->w_out && s.res.train->hess_k == 2);
		LL_CHECK_INT(ll_session_load_text(&r, text, "m.lab", &err), LL_OK);
		LL_CHECK_INT(ll_session_resume(&r, out, &done, &err), LL_OK);
		LL_CHECK(done & LL_STEP_BIT(LL_STEP_TRAIN));
		check_train_same(&s, &r);
		ll_session_free(&r);
		ll_session_free(&s);
	}
	ll_free(out);
}

/* the rnn step's results after a resume are those of the run, bit for bit */
static void check_rnn_same(const ll_session *s, const ll_session *r)
{
	const struct ll_res_rnn *a = s->res.rnn, *b = r->res.rnn;
	LL_CHECK(a && b);
	if (!a || !b)
		return;
	LL_CHECK(a->nets == b->nets && a->n_learned == b->n_learned && a->activity_hidden == b->activity_hidden);
	size_t tot = 0;
	for (size_t i = 0; i < a->nets && i < b->nets; i++) {
		const ll_rnn *x = &a->net[i], *y = &b->net[i];
		LL_CHECK(x->cfg.cell == y->cfg.cell && x->H == y->H && x->S == y->S && x->nparams == y->nparams);
		LL_CHECK(x->cfg.lr == y->cfg.lr && x->cfg.seed == y->cfg.seed && x->cfg.clip == y->cfg.clip);
		LL_CHECK(x->nparams == y->nparams && same_floats(x->params, y->params, x->nparams));
		const ll_rnn_train_result *u = &a->train[i], *v = &b->train[i];
		LL_CHECK(u->npoints == v->npoints && u->final_loss == v->final_loss && u->seconds == v->seconds);
		LL_CHECK(u->score.score == v->score.score && u->score.learned == v->score.learned &&
			 u->score.scored == v->score.scored && u->score.nonfinite == v->score.nonfinite);
		LL_CHECK(u->npoints == v->npoints && memcmp(u->curve_step, v->curve_step, u->npoints * sizeof(size_t)) == 0 &&
			 same_doubles(u->curve_loss, v->curve_loss, u->npoints));
		LL_CHECK(a->state_off[i] == b->state_off[i]);
		tot += a->probe.B * a->probe.T * x->S;
	}
	LL_CHECK(a->probe.B == b->probe.B && a->probe.T == b->probe.T &&
		 same_floats(a->probe.x, b->probe.x, a->probe.B * a->probe.T * a->probe.n_in));
	LL_CHECK(same_floats(a->state, b->state, tot));
	LL_CHECK(a->activity.size == b->activity.size && same_doubles(a->activity.data, b->activity.data, a->activity.size));
	LL_CHECK_STR(r->status[LL_STEP_RNN], s->status[LL_STEP_RNN]);
	LL_CHECK(s->res.tensor && r->res.tensor && s->res.tensor->X.size == r->res.tensor->X.size &&
		 same_doubles(s->res.tensor->X.data, r->res.tensor->X.data, s->res.tensor->X.size));
}

static void test_resume_rnn(void)
{
	/* mixed cells of one width (the LSTM's cell state in resume/states.npy),
	 * then mixed widths (every state there) */
	static const char *const hidden[] = {"8", "6,9"};
	for (int v = 0; v < 2; v++) {
		char text[600], dir[32];
		snprintf(text, sizeof text,
			 "[session]\nname = q\nseed = 4\nthreads = 1\n[data]\nkind = task\n"
			 "[rnn]\ntask = flipflop\nbits = 2\nsteps = 15\ncells = vanilla,lstm\nseeds = 2\nhidden = %s\n"
			 "iters = 20\nprobes = 3\n[tensor]\n",
			 hidden[v]);
		snprintf(dir, sizeof dir, "rnn%d", v);
		char *out = ll_path_join(g_dir, dir);
		ll_session s, r;
		ll_err err = {0, ""};
		unsigned done = 0;
		if (out && run_mnist(&s, text, out) == LL_OK) {
			LL_CHECK_INT(ll_session_load_text(&r, text, "q.lab", &err), LL_OK);
			LL_CHECK_INT(ll_session_resume(&r, out, &done, &err), LL_OK);
			LL_CHECK_INT(done, LL_STEP_BIT(LL_STEP_DATA) | LL_STEP_BIT(LL_STEP_RNN) | LL_STEP_BIT(LL_STEP_TENSOR));
			check_rnn_same(&s, &r);
			ll_session_free(&r);
			/* a network's weights missing: rnn runs again */
			char *np = ll_path_join(out, "rnn/net_001.npz");
			LL_CHECK(np && unlink(np) == 0);
			LL_CHECK_INT(ll_session_load_text(&r, text, "q.lab", &err), LL_OK);
			LL_CHECK_INT(ll_session_resume(&r, out, &done, &err), LL_OK);
			LL_CHECK_INT(done, LL_STEP_BIT(LL_STEP_DATA));
			LL_CHECK(r.res.rnn == NULL);
			ll_session_free(&r);
			ll_free(np);
			ll_session_free(&s);
		}
		ll_free(out);
	}
}

/* results.json as a cut or edited file may hold it: a \u escape without
 * its four hex digits is not read past, and the summary shown stays one
 * line without control characters */
static void test_resume_bad_escape(void)
{
	ll_err err = {0, ""};
	char *out = ll_path_join(g_dir, "esc"), *res = ll_path_join(out ? out : "", "results.json");
	ll_session s, r;
	LL_CHECK_INT(load_with(&s, NULL, NULL), LL_OK);
	LL_CHECK_INT(ll_session_run_step(&s, LL_STEP_DATA, out, NULL, NULL, &err), LL_OK);
	LL_CHECK_INT(ll_record_results(&s, out, "test", 1.0, 0, &err), LL_OK);
	LL_CHECK_INT(ll_record_session_copy(&s, out, &err), LL_OK);
	char *text = NULL, *t2 = NULL;
	size_t len;
	LL_CHECK_INT(ll_read_file(res, 1u << 20, &text, &len, &err), LL_OK);
	/* the data step's summary becomes "A\u4" (a cut escape), then "B\u0007" */
	const char *sum = text ? strstr(text, "\"summary\":") : NULL;
	const char *q = sum ? strchr(sum + 10, '"') : NULL, *e = q ? strchr(q + 1, '"') : NULL;
	LL_CHECK(e != NULL);
	for (int pass = 0; e && pass < 2; pass++) {
		size_t n = len + 32;
		t2 = ll_malloc(n);
		LL_CHECK(t2 != NULL);
		if (!t2)
			break;
		snprintf(t2, n, "%.*s\"%s\"%s", (int)(q - text), text, pass ? "B\\u0007" : "A\\u4", e + 1);
		ll_afile af;
		LL_CHECK_INT(ll_afile_open(&af, res, &err), LL_OK);
		fputs(t2, af.fp);
		LL_CHECK_INT(ll_afile_commit(&af, &err), LL_OK);
		unsigned done = 0;
		LL_CHECK_INT(load_with(&r, NULL, NULL), LL_OK);
		LL_CHECK_INT(ll_session_resume(&r, out, &done, &err), LL_OK);
		LL_CHECK(done & LL_STEP_BIT(LL_STEP_DATA));
		LL_CHECK_STR(r.status[LL_STEP_DATA], pass ? "B?" : "A?4");
		ll_session_free(&r);
		ll_free(t2);
		t2 = NULL;
	}
	ll_free(text);
	ll_session_free(&s);
	ll_free(res);
	ll_free(out);
}

/* out of memory anywhere in a resume: LL_ENOMEM, nothing leaked */
static char g_out[96];
static int resume_work(void *ud)
{
	(void)ud;
	ll_session r;
	ll_err err = {0, ""};
	unsigned done;
	int rc = load_with(&r, NULL, NULL);
	if (rc != LL_OK)
		return rc;
	rc = ll_session_resume(&r, g_out, &done, &err);
	/* a step that could not be read back for want of memory is pending,
	 * and the resume says LL_ENOMEM */
	ll_session_free(&r);
	return rc;
}

static void test_resume_oom(void)
{
	ll_err err = {0, ""};
	ll_session s;
	snprintf(g_out, sizeof g_out, "%s/oom", g_dir);
	LL_CHECK_INT(load_with(&s, NULL, NULL), LL_OK);
	LL_CHECK_INT(ll_session_run_all(&s, g_out, NULL, NULL, &err), LL_OK);
	LL_CHECK_INT(ll_record_results(&s, g_out, "test", 1.0, 0, &err), LL_OK);
	LL_CHECK_INT(ll_record_session_copy(&s, g_out, &err), LL_OK);
	ll_session_free(&s);
	ll_failalloc_sweep sw = {.name = "resume", .run = resume_work};
	LL_CHECK_INT(ll_failalloc_sweep_run(&sw), 0);
	LL_CHECK(sw.n > 100);
}

/* the session's [tca] as `latentlab tca` options */
static void test_slurm_args(void)
{
	ll_err err = {0, ""};
	ll_session s;
	char *o = NULL;
	size_t units = 0;
	LL_CHECK_INT(load_with(&s, NULL, NULL), LL_OK);
	LL_CHECK_INT(ll_slurm_tca_args(&s, &o, &units, &err), LL_OK);
	LL_CHECK(o && strstr(o, "-r 1-3 -n 3 -m ncp-hals -s ") == o);
	LL_CHECK(o && strstr(o, " --tol 1e-6 --max-iter 300 --sim mean-cos --init random --select elbow"));
	LL_CHECK_INT(units, 3);
	ll_free(o);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "select", "cv", &err), LL_OK);
	LL_CHECK_INT(ll_slurm_tca_args(&s, &o, &units, &err), LL_OK);
	LL_CHECK(o && strstr(o, " --select cv --cv-folds 5"));
	LL_CHECK_INT(units, 3 + 5);
	ll_free(o);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "rank", "2", &err), LL_OK);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "ridge", "0.5", &err), LL_OK);
	LL_CHECK_INT(ll_slurm_tca_args(&s, &o, &units, &err), LL_OK);
	LL_CHECK(o && !strstr(o, "--select") && strstr(o, " --ridge 0.5") && !strstr(o, "--float32"));
	ll_free(o);
	char *script = ll_slurm_script(&s, "/x/o'ut", &err);
	LL_CHECK(script && strstr(script, "DATA=${DATA:-'/x/o'\\''ut/tensor/tensor.npy'}"));
	LL_CHECK(script && strstr(script, "#SBATCH --array=0-7\n"));
	ll_free(script);
	/* single precision: the CLI reads the tensor as float32 too */
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "select", "elbow", &err), LL_OK);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "precision", "single", &err), LL_OK);
	LL_CHECK_INT(ll_slurm_tca_args(&s, &o, &units, &err), LL_OK);
	LL_CHECK(o && strstr(o, " --float32"));
	ll_free(o);
	ll_session_free(&s);
	/* no [tca]: a message, no script */
	LL_CHECK_INT(ll_session_load_text(&s, "[data]\nkind = synth\n", "n.lab", &err), LL_OK);
	LL_CHECK(ll_slurm_script(&s, "/x", &err) == NULL);
	LL_CHECK(strstr(err.msg, "no [tca]") != NULL);
	ll_session_free(&s);
}

/* what bash makes of the options: each word as [word] */
static char *shell_words(const char *opts)
{
	char sh[128], cmd[160];
	snprintf(sh, sizeof sh, "%s/words.sh", g_dir);
	FILE *fp = fopen(sh, "w");
	if (!fp)
		return NULL;
	fprintf(fp, "set -- %s\nprintf '[%%s]' \"$@\"\n", opts);
	fclose(fp);
	snprintf(cmd, sizeof cmd, "bash '%s'", sh);
	FILE *pp = popen(cmd, "r");
	static char buf[1024];
	size_t n = pp ? fread(buf, 1, sizeof buf - 1, pp) : 0;
	buf[n] = '\0';
	if (pp)
		pclose(pp);
	return buf;
}

/* the script's text from session values and names: mode lists with
 * spaces stay one word; a newline in the session file's name does not
 * end the comment that names it */
static void test_slurm_quoting(void)
{
	ll_err err = {0, ""};
	ll_session s;
	char *o = NULL;
	size_t units = 0;
	LL_CHECK_INT(load_with(&s, NULL, NULL), LL_OK);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "ridge", "0.5", &err), LL_OK);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "l1", "0.1", &err), LL_OK);
	LL_CHECK_INT(ll_session_set(&s, LL_STEP_TCA, "l1_modes", "0, 2", &err), LL_OK);
	LL_CHECK_INT(ll_slurm_tca_args(&s, &o, &units, &err), LL_OK);
	const char *w = o ? shell_words(o) : NULL;
	LL_CHECK(w && strstr(w, "[--ridge][0.5][--l1][0.1][--l1-modes][0, 2]"));
	ll_free(o);
	ll_session_free(&s);

	char path[128];
	snprintf(path, sizeof path, "%s/a\ntouch pwned\n.lab", g_dir);
	FILE *fp = fopen(path, "w");
	LL_CHECK(fp != NULL);
	if (fp) {
		fputs(base_session, fp);
		fclose(fp);
	}
	LL_CHECK_INT(ll_session_load(&s, path, &err), LL_OK);
	char *script = ll_slurm_script(&s, "/x", &err);
	LL_CHECK(script && !strstr(script, "\ntouch") && strstr(script, "a?touch pwned?.lab"));
	ll_free(script);
	ll_session_free(&s);
}

int main(void)
{
	snprintf(g_dir, sizeof g_dir, "/tmp/ll_test_resume.XXXXXX");
	if (!mkdtemp(g_dir))
		return 1;
	LL_RUN(test_resume);
	LL_RUN(test_resume_train);
	LL_RUN(test_resume_rnn);
	LL_RUN(test_slurm_args);
	LL_RUN(test_slurm_quoting);
	LL_RUN(test_resume_bad_escape);
	LL_RUN(test_resume_oom);
	ll_err err = {0, ""};
	ll_rmtree(g_dir, &err);
	return ll_test_done();
}
