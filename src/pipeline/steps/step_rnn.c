/* [rnn]: train a population of recurrent networks (cells x widths x
 * learning rates x seeds) on one built-in task, score each on a fixed
 * probe set (networks that fail to learn are kept and reported), and log
 * every network's states on the probes: the tensor networks x probes x
 * units x time and the trajectories the [dynamics] step analyses. */
#include "config.h"

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
#include "io/ll_npy.h"
#include "pipeline/ll_step.h"
#include "pipeline/steps/step_rnn.h"

void openblas_set_num_threads(int);
int openblas_get_num_threads(void);

#define MAX_LIST 16

static const ll_param_def params[] = {
	P_ENUM("task", "flipflop", LL_ENUM_CHOICES(LL_TASKS),
	       "flipflop (K-bit flip-flop) or sine (a static input sets the frequency)"),
	P_INT("bits", "3", 1, 64, "flipflop: channels"),
	P_INT("steps", "100", 2, 100000, "time steps per sequence"),
	P_STR("cells", "vanilla,gru,lstm", "the architectures, a list of vanilla, gru, lstm"),
	P_INT("seeds", "10", 1, 1000, "networks per architecture, width and learning rate"),
	P_REALS("hidden", "32", 1, 4096, "units, or a list (16,32,64)"),
	P_REALS("lr", "0.01", 1e-6, 10, "learning rate, or a list"),
	P_ENUM("optimizer", "adam", LL_ENUM_CHOICES(LL_RNN_OPTS), "optimizer"),
	P_REAL("clip", "1", 0, 1e6, "largest gradient norm (0 = no clipping)"),
	P_INT("iters", "500", 1, 10000000, "optimizer steps per network"),
	P_INT("batch", "64", 1, 4096, "sequences per step"),
	P_INT("log_every", "10", 1, 100000, "a training-curve point every this many steps"),
	P_INT("probes", "16", 1, 4096, "probe sequences: scores and logged trajectories"),
};

static void drop(ll_session *s)
{
	struct ll_res_rnn *r = s->res.rnn;
	if (!r)
		return;
	for (size_t i = 0; r->net && i < r->nets; i++)
		ll_rnn_free(&r->net[i]);
	for (size_t i = 0; r->train && i < r->nets; i++)
		ll_rnn_train_result_free(&r->train[i]);
	ll_free(r->net);
	ll_free(r->train);
	ll_task_batch_free(&r->probe);
	ll_free(r->state);
	ll_free(r->state_off);
	ll_tensor_free(&r->activity);
	ll_modes_free(r->modes, 4);
	ll_free(r);
	s->res.rnn = NULL;
}

/* The cells listed in [rnn] cells, in order; their count (0: a bad name,
 * named in err). */
static size_t parse_cells(const char *list, ll_rnn_cell *cells, ll_err *err)
{
	size_t n = 0;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", list);
	for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (n == MAX_LIST) {
			ll_err_set(err, LL_EINVAL, "[rnn] cells: at most %d", MAX_LIST);
			return 0;
		}
		if (ll_rnn_cell_parse(tok, &cells[n]) != LL_OK) {
			ll_err_set(err, LL_EINVAL, "[rnn] cells: '%s' is not vanilla, gru or lstm", tok);
			return 0;
		}
		n++;
	}
	if (!n)
		ll_err_set(err, LL_EINVAL, "[rnn] cells: none listed (vanilla, gru, lstm)");
	return n;
}

typedef struct pop {
	ll_rnn_cell cells[MAX_LIST];
	double hidden[MAX_LIST], lr[MAX_LIST];
	size_t ncell, nhid, nlr, seeds, nets;
} pop;

static int population(const ll_session *s, pop *p, ll_err *err)
{
	memset(p, 0, sizeof *p);
	if (!(p->ncell = parse_cells(ll_session_get(s, LL_STEP_RNN, "cells"), p->cells, err)))
		return LL_EINVAL;
	p->nhid = ll_session_get_reals(s, LL_STEP_RNN, "hidden", p->hidden, MAX_LIST);
	p->nlr = ll_session_get_reals(s, LL_STEP_RNN, "lr", p->lr, MAX_LIST);
	if (p->nhid > MAX_LIST || p->nlr > MAX_LIST)
		return ll_err_set(err, LL_EINVAL, "[rnn] hidden and lr list at most %d values", MAX_LIST);
	for (size_t k = 0; k < p->nhid; k++)
		if (p->hidden[k] != floor(p->hidden[k]))
			return ll_err_set(err, LL_EINVAL, "[rnn] hidden = %g: a whole number of units", p->hidden[k]);
	p->seeds = (size_t)ll_session_get_int(s, LL_STEP_RNN, "seeds");
	p->nets = p->ncell * p->nhid * p->nlr * p->seeds;
	if (p->nets > 10000)
		return ll_err_set(err, LL_EINVAL, "[rnn] %zu networks; at most 10000", p->nets);
	return LL_OK;
}

static int task_config(const ll_session *s, ll_task_config *t, ll_err *err)
{
	ll_task_config_default(t, (ll_task_kind)ll_session_get_enum(s, LL_STEP_RNN, "task"));
	t->bits = (size_t)ll_session_get_int(s, LL_STEP_RNN, "bits");
	t->steps = (size_t)ll_session_get_int(s, LL_STEP_RNN, "steps");
	return ll_task_config_check(t, err);
}

/* Network i's configuration (numbered cell-major, see step_rnn.h). */
static void net_config(const ll_session *s, const pop *p, const ll_task_config *task, size_t i, ll_rnn_config *cfg)
{
	uint64_t base = (uint64_t)ll_session_get_int(s, LL_STEP_SESSION, "seed");
	size_t sd = i % p->seeds, l = (i / p->seeds) % p->nlr, h = (i / p->seeds / p->nlr) % p->nhid,
	       k = i / p->seeds / p->nlr / p->nhid;
	ll_rnn_config_default(cfg);
	cfg->cell = p->cells[k];
	cfg->n_in = ll_task_n_in(task);
	cfg->n_out = ll_task_n_out(task);
	cfg->hidden = (size_t)p->hidden[h];
	cfg->lr = p->lr[l];
	cfg->opt = (ll_rnn_opt)ll_session_get_enum(s, LL_STEP_RNN, "optimizer");
	cfg->clip = ll_session_get_real(s, LL_STEP_RNN, "clip");
	/* a network's seed depends on its seed index only, so the
	 * architectures start from the same draws where sizes agree */
	cfg->seed = ll_seed_derive(base, 0x726e6e, sd);
}

typedef struct net_ctx {
	ll_step_ctx *c;
	size_t i, nets;
	int *done;
	ll_err err;
	int failed;
} net_ctx;

static int net_progress(void *ud, size_t step, size_t total, double loss)
{
	net_ctx *n = ud;
	if (ll_session_canceled(n->c->s))
		return 1;
	if (!n->c->progress)
		return 0;
	int rc;
#ifdef _OPENMP
#pragma omp critical(ll_rnn_progress)
#endif
	{
		int done;
#ifdef _OPENMP
#pragma omp atomic read
#endif
		done = *n->done;
		char detail[96];
		snprintf(detail, sizeof detail, "network %zu/%zu, step %zu/%zu, loss %.4g", n->i + 1, n->nets, step,
			 total, loss);
		double frac = ((double)done + (double)step / (double)total) / (double)n->nets;
		ll_progress p = {"rnn", frac > 1 ? 1 : frac, detail};
		rc = n->c->progress(n->c->ud, &p);
	}
	return rc;
}

/* rnn/resume/: what a resume (load) reads back beside the networks'
 * weights and curves: each network's score and final loss as held
 * (float64, networks x RES_COLS), and the states on the probes that
 * trajectories.npy does not hold (float32, flat: each network's probes x
 * time x the entries past its H when trajectories.npy has the hidden
 * units, an LSTM's cell state; all S entries when it does not). */
#define RES_COLS 7 /* npoints, final_loss, score, learned, scored, nonfinite, seconds */
static size_t extra_per_step(const struct ll_res_rnn *r, size_t i)
{
	return r->activity_hidden ? r->net[i].S - r->net[i].H : r->net[i].S;
}

static int save_resume(const struct ll_res_rnn *r, const char *dir, ll_err *err)
{
	size_t B = r->probe.B, T = r->probe.T, n = 0;
	for (size_t i = 0; i < r->nets; i++)
		n += B * T * extra_per_step(r, i);
	char *rdir = ll_path_join(dir, "resume");
	double *tr = ll_malloc_array(r->nets, RES_COLS * sizeof *tr);
	float *ex = ll_malloc_array(n ? n : 1, sizeof *ex);
	int rc = rdir && tr && ex ? ll_mkdirs(rdir, err) : ll_err_oom(err);
	for (size_t i = 0; rc == LL_OK && i < r->nets; i++) {
		const ll_rnn_train_result *t = &r->train[i];
		double row[RES_COLS] = {(double)t->npoints, t->final_loss, t->score.score, t->score.learned,
					(double)t->score.scored, (double)t->score.nonfinite, t->seconds};
		memcpy(tr + i * RES_COLS, row, sizeof row);
	}
	size_t k = 0;
	for (size_t i = 0; rc == LL_OK && i < r->nets; i++) {
		size_t S = r->net[i].S, e = extra_per_step(r, i);
		for (size_t b = 0; e && b < B; b++)
			for (size_t t = 0; t < T; t++, k += e)
				memcpy(ex + k, ll_res_rnn_states(r, i, b) + t * S + (S - e), e * sizeof *ex);
	}
	size_t sh2[2] = {r->nets, RES_COLS}, sh1[1] = {n};
	if (rc == LL_OK)
		rc = ll_step_write_vec(rdir, "train.npy", tr, 2, sh2, err);
	if (rc == LL_OK && n) { /* none: every network's states are in trajectories.npy */
		char *p = ll_path_join(rdir, "states.npy");
		rc = p ? ll_npy_write_array_f32(p, ex, 1, sh1, err) : ll_err_oom(err);
		ll_free(p);
	}
	ll_free(rdir);
	ll_free(tr);
	ll_free(ex);
	return rc;
}

static int save(ll_step_ctx *c, const struct ll_res_rnn *r, ll_err *err)
{
	char *dir;
	int rc = ll_step_outdir(c, &dir, err);
	if (rc != LL_OK)
		return rc;
	char name[64];
	for (size_t i = 0; i < r->nets && rc == LL_OK; i++) {
		snprintf(name, sizeof name, "net_%03zu.npz", i);
		char *p = ll_path_join(dir, name);
		rc = p ? ll_rnn_save_npz(&r->net[i], p, err) : ll_err_oom(err);
		ll_free(p);
	}
	/* curves: networks x points (every network logs at the same steps) */
	size_t P = r->train[0].npoints;
	double *cv = rc == LL_OK ? ll_malloc_array(r->nets * P + P, sizeof *cv) : NULL;
	if (rc == LL_OK && !cv)
		rc = ll_err_oom(err);
	if (rc == LL_OK) {
		for (size_t i = 0; i < r->nets; i++)
			for (size_t k = 0; k < P; k++)
				cv[i * P + k] = k < r->train[i].npoints ? r->train[i].curve_loss[k] : NAN;
		size_t sh[2] = {r->nets, P};
		rc = ll_step_write_vec(dir, "curves.npy", cv, 2, sh, err);
		for (size_t k = 0; rc == LL_OK && k < P; k++)
			cv[k] = (double)r->train[0].curve_step[k];
		if (rc == LL_OK)
			rc = ll_step_write_vec(dir, "curve_steps.npy", cv, 1, sh + 1, err);
	}
	ll_free(cv);
	if (rc == LL_OK) {
		ll_afile af;
		rc = ll_afile_open_in(&af, dir, "networks.csv", err);
		if (rc == LL_OK) {
			/* score: the task's metric (ll_task_metric_name) */
			fprintf(af.fp, "network,cell,hidden,lr,seed,final_loss,score,learned\n");
			for (size_t i = 0; i < r->nets; i++) {
				const ll_rnn_config *g = &r->net[i].cfg;
				fprintf(af.fp, "%zu,%s,%zu,%g,%llu,%.9g,%.9g,%s\n", i, ll_rnn_cell_name(g->cell), g->hidden,
					g->lr, (unsigned long long)g->seed, r->train[i].final_loss,
					r->train[i].score.score, r->train[i].score.learned ? "yes" : "no");
			}
			rc = ll_afile_commit(&af, err);
		}
	}
	if (rc == LL_OK && r->activity_hidden) {
		/* every network's hidden trajectories: networks x probes x time x units */
		size_t H = r->net[0].H, B = r->probe.B, T = r->probe.T;
		float *tr = ll_malloc_array(r->nets * B * T, H * sizeof *tr);
		if (!tr) {
			rc = ll_err_oom(err);
		} else {
			for (size_t i = 0; i < r->nets; i++)
				for (size_t b = 0; b < B; b++)
					for (size_t t = 0; t < T; t++)
						memcpy(tr + ((i * B + b) * T + t) * H,
						       ll_res_rnn_states(r, i, b) + t * r->net[i].S, H * sizeof *tr);
			size_t sh[4] = {r->nets, B, T, H};
			char *p = ll_path_join(dir, "trajectories.npy");
			rc = p ? ll_npy_write_array_f32(p, tr, 4, sh, err) : ll_err_oom(err);
			ll_free(p);
			ll_free(tr);
		}
	}
	if (rc == LL_OK)
		rc = save_resume(r, dir, err);
	ll_free(dir);
	return rc;
}

/* What run() and load() do alike once the networks, their scores and
 * their states on the probes are there: the tensor, its modes, the
 * summary line. */
static int finish(ll_step_ctx *c, const pop *pp, ll_err *err)
{
	ll_session *s = c->s;
	struct ll_res_rnn *r = s->res.rnn;
	pop p = *pp;
	size_t B = r->probe.B, T = r->probe.T;
	int same = 1, rc;
	r->n_learned = 0;
	for (size_t i = 0; i < p.nets; i++) {
		same = same && r->net[i].H == r->net[0].H;
		r->n_learned += r->train[i].score.learned ? 1 : 0;
	}
	/* networks x probes x units x time: hidden units if the widths agree,
	 * else what every network shares, the readout */
	r->activity_hidden = same;
	size_t U = same ? r->net[0].H : r->net[0].cfg.n_out;
	size_t dim[4] = {p.nets, B, U, T};
	if ((rc = ll_tensor_init(&r->activity, 4, dim, err)) != LL_OK)
		return rc;
	size_t Smax = U;
	for (size_t i = 0; i < p.nets; i++)
		Smax = r->net[i].S > Smax ? r->net[i].S : Smax;
	double *sv = ll_malloc_array(Smax, sizeof *sv);
	double *yv = ll_malloc_array(r->net[0].cfg.n_out, sizeof *yv);
	if (!sv || !yv) {
		ll_free(sv);
		ll_free(yv);
		return ll_err_oom(err);
	}
	for (size_t i = 0; i < p.nets; i++)
		for (size_t b = 0; b < B; b++)
			for (size_t t = 0; t < T; t++) {
				const float *st = ll_res_rnn_states(r, i, b) + t * r->net[i].S;
				for (size_t u = 0; u < r->net[i].S; u++)
					sv[u] = st[u];
				if (!same)
					ll_rnn_readout(&r->net[i], sv, yv);
				const double *v = same ? sv : yv;
				for (size_t u = 0; u < U; u++)
					r->activity.data[((i * B + b) * U + u) * T + t] = v[u];
			}
	ll_free(sv);
	ll_free(yv);
	ll_step_set_mode(&r->modes[0], "network", LL_MODE_TRIAL);
	ll_step_set_mode(&r->modes[1], "probe", LL_MODE_CLASS);
	ll_step_set_mode(&r->modes[2], same ? "unit" : "output", LL_MODE_UNIT);
	ll_step_set_mode(&r->modes[3], "time", LL_MODE_TIME);
	if (p.ncell > 1) {
		/* label each network by its architecture */
		if (!(r->modes[0].labels = ll_malloc_array(p.nets, sizeof(int))))
			return ll_err_oom(err);
		for (size_t i = 0; i < p.nets; i++)
			r->modes[0].labels[i] = (int)r->net[i].cfg.cell;
	}
	ll_step_status(c, "%zu networks (%zu architecture%s x %zu) on %s: %zu learned, %zu did not", p.nets, p.ncell,
		       p.ncell == 1 ? "" : "s", p.nets / p.ncell, ll_task_name(r->task.kind), r->n_learned,
		       p.nets - r->n_learned);
	ll_session_log(s, "rnn: %s", s->status[c->k]);
	return LL_OK;
}

static int run(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	pop p;
	int rc = population(s, &p, err);
	if (rc != LL_OK)
		return rc;
	struct ll_res_rnn *r = ll_calloc(1, sizeof *r);
	if (!r)
		return ll_err_oom(err);
	s->res.rnn = r;
	if ((rc = task_config(s, &r->task, err)) != LL_OK)
		return rc;
	r->nets = p.nets;
	r->net = ll_calloc_array(p.nets, sizeof *r->net);
	r->train = ll_calloc_array(p.nets, sizeof *r->train);
	net_ctx *ctx = ll_calloc_array(p.nets, sizeof *ctx);
	if (!r->net || !r->train || !ctx) {
		ll_free(ctx);
		return ll_err_oom(err);
	}
	uint64_t base = (uint64_t)ll_session_get_int(s, LL_STEP_SESSION, "seed");
	ll_rnn_train_opts to;
	ll_rnn_train_opts_default(&to);
	to.iters = (size_t)ll_session_get_int(s, LL_STEP_RNN, "iters");
	to.batch = (size_t)ll_session_get_int(s, LL_STEP_RNN, "batch");
	to.log_every = (size_t)ll_session_get_int(s, LL_STEP_RNN, "log_every");
	to.probes = (size_t)ll_session_get_int(s, LL_STEP_RNN, "probes");
	to.probe_seed = ll_seed_derive(base, 0x70726f, 0);
	for (size_t i = 0; i < p.nets && rc == LL_OK; i++) {
		ll_rnn_config cfg;
		net_config(s, &p, &r->task, i, &cfg);
		rc = ll_rnn_init(&r->net[i], &cfg, err);
	}
	if (rc != LL_OK) {
		ll_free(ctx);
		return rc;
	}
	int done = 0, nth = ll_step_threads(s);
	int blas_threads = openblas_get_num_threads();
	if (nth > 1)
		openblas_set_num_threads(1); /* parallel over networks, not in BLAS */
	for (size_t i = 0; i < p.nets; i++)
		ctx[i] = (net_ctx){.c = c, .i = i, .nets = p.nets, .done = &done};
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth)
#endif
	for (size_t i = 0; i < p.nets; i++) {
		ll_rnn_train_opts o = to;
		/* the batches follow the seed index too: same data, other cells */
		o.data_seed = ll_seed_derive(base, 0x646174, i % p.seeds);
		int trc = ll_rnn_train_task(&r->net[i], &r->task, &o, net_progress, &ctx[i], &r->train[i],
					    &ctx[i].err);
		if (trc != LL_OK)
			ctx[i].failed = trc;
#ifdef _OPENMP
#pragma omp atomic
#endif
		done++;
	}
	if (nth > 1)
		openblas_set_num_threads(blas_threads);
	for (size_t i = 0; i < p.nets && rc == LL_OK; i++)
		if (ctx[i].failed)
			rc = ll_session_canceled(s) ? ll_err_set(err, LL_ECANCELED, "[rnn] canceled")
						    : ll_err_set(err, ctx[i].failed, "network %zu (%s, %zu units): %s", i,
								 ll_rnn_cell_name(r->net[i].cfg.cell), r->net[i].H,
								 ctx[i].err.msg);
	ll_free(ctx);
	if (rc != LL_OK)
		return rc;

	/* the probe set and every network's states on it */
	if ((rc = ll_task_probe(&r->task, to.probes, to.probe_seed, &r->probe, err)) != LL_OK)
		return rc;
	size_t B = r->probe.B, T = r->probe.T, tot = 0;
	if (!(r->state_off = ll_malloc_array(p.nets, sizeof *r->state_off)))
		return ll_err_oom(err);
	for (size_t i = 0; i < p.nets; i++) {
		r->state_off[i] = tot;
		tot += B * T * r->net[i].S;
	}
	if (!(r->state = ll_malloc_array(tot, sizeof *r->state)))
		return ll_err_oom(err);
	for (size_t i = 0; i < p.nets && rc == LL_OK; i++)
		rc = ll_rnn_forward(&r->net[i], r->probe.x, B, T, NULL, r->state + r->state_off[i], NULL, err);
	if (rc != LL_OK)
		return rc;

	if ((rc = finish(c, &p, err)) != LL_OK)
		return rc;
	for (size_t i = 0; i < p.nets; i++)
		if (!r->train[i].score.learned) {
			char line[160];
			ll_task_score_line(&r->task, &r->train[i].score, line, sizeof line);
			ll_session_log(s, "rnn: network %zu (%s, %zu units, lr %g) did not learn: %s", i,
				       ll_rnn_cell_name(r->net[i].cfg.cell), r->net[i].H, r->net[i].cfg.lr, line);
		}
	if (c->outdir)
		rc = save(c, r, err);
	return rc;
}

/* Resuming: the networks read back from OUTDIR/rnn/ (their weights,
 * float32 as trained), their curves, scores and states on the probes as
 * the run held them (curves.npy, resume/train.npy, trajectories.npy and
 * resume/states.npy), the probe set drawn again from its seed; the tensor
 * is made from the states as run() makes it.  Not read back: the
 * optimizer's moments (nothing after training uses them). */
static int load(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	pop p;
	int rc = population(s, &p, err);
	if (rc != LL_OK)
		return rc;
	struct ll_res_rnn *r = ll_calloc(1, sizeof *r);
	if (!r)
		return ll_err_oom(err);
	s->res.rnn = r;
	if ((rc = task_config(s, &r->task, err)) != LL_OK)
		return rc;
	r->nets = p.nets;
	r->net = ll_calloc_array(p.nets, sizeof *r->net);
	r->train = ll_calloc_array(p.nets, sizeof *r->train);
	char *dir = ll_path_join(c->outdir, "rnn");
	if (!r->net || !r->train || !dir) {
		ll_free(dir);
		return ll_err_oom(err);
	}
	char name[64];
	for (size_t i = 0; i < p.nets && rc == LL_OK; i++) {
		ll_rnn_config cfg;
		net_config(s, &p, &r->task, i, &cfg);
		snprintf(name, sizeof name, "net_%03zu.npz", i);
		char *np = ll_path_join(dir, name);
		rc = np ? ll_rnn_load_npz(np, &cfg, &r->net[i], err) : ll_err_oom(err);
		if (rc == LL_OK && (r->net[i].cfg.cell != cfg.cell || r->net[i].H != cfg.hidden ||
				    r->net[i].cfg.n_in != cfg.n_in || r->net[i].cfg.n_out != cfg.n_out))
			rc = ll_err_set(err, LL_EINVAL, "%s: not the network this session's run trains", np);
		ll_free(np);
	}
	/* the scores and curves */
	ll_tensor tt = {.data = NULL}, tc = {.data = NULL}, ts = {.data = NULL}, tx = {.data = NULL};
	size_t sh2[2] = {p.nets, RES_COLS};
	if (rc == LL_OK)
		rc = ll_step_read_back(dir, "resume/train.npy", "<f8", 2, sh2, &tt, err);
	if (rc == LL_OK) {
		char *cp = ll_path_join(dir, "curves.npy");
		ll_array_info info;
		rc = cp ? ll_npy_read(cp, &tc, &info, err) : ll_err_oom(err);
		if (rc == LL_OK && (strcmp(info.dtype, "<f8") || tc.nmodes != 2 || tc.dim[0] != p.nets))
			rc = ll_err_set(err, LL_EINVAL, "%s: not the networks x points array this session's run writes", cp);
		ll_free(cp);
	}
	size_t P = rc == LL_OK ? tc.dim[1] : 0, shp[1] = {P};
	if (rc == LL_OK)
		rc = ll_step_read_back(dir, "curve_steps.npy", "<f8", 1, shp, &ts, err);
	for (size_t i = 0; rc == LL_OK && i < p.nets; i++) {
		const double *row = tt.data + i * RES_COLS;
		ll_rnn_train_result *t = &r->train[i];
		if (!(row[0] >= 0 && row[0] <= (double)P))
			rc = ll_err_set(err, LL_EINVAL, "%s/resume/train.npy: network %zu has %g curve points of %zu", dir,
					i, row[0], P);
		else if (!(t->curve_step = ll_malloc_array(P ? P : 1, sizeof *t->curve_step)) ||
			 !(t->curve_loss = ll_malloc_array(P ? P : 1, sizeof *t->curve_loss)))
			rc = ll_err_oom(err);
		if (rc != LL_OK)
			break;
		t->npoints = (size_t)row[0];
		for (size_t k = 0; k < t->npoints; k++) {
			t->curve_step[k] = (size_t)ts.data[k];
			t->curve_loss[k] = tc.data[i * P + k];
		}
		t->final_loss = row[1];
		t->score.score = row[2];
		t->score.learned = row[3] != 0;
		t->score.scored = (size_t)row[4];
		t->score.nonfinite = (size_t)row[5];
		t->seconds = row[6];
	}
	/* the probe set, and the states: the hidden units from trajectories.npy
	 * when the widths agree, the rest from resume/states.npy */
	ll_rnn_train_opts to;
	ll_rnn_train_opts_default(&to);
	to.probes = (size_t)ll_session_get_int(s, LL_STEP_RNN, "probes");
	to.probe_seed = ll_seed_derive((uint64_t)ll_session_get_int(s, LL_STEP_SESSION, "seed"), 0x70726f, 0);
	if (rc == LL_OK)
		rc = ll_task_probe(&r->task, to.probes, to.probe_seed, &r->probe, err);
	size_t B = r->probe.B, T = r->probe.T, tot = 0, nex = 0;
	int same = 1;
	for (size_t i = 0; rc == LL_OK && i < p.nets; i++)
		same = same && r->net[i].H == r->net[0].H;
	r->activity_hidden = same;
	if (rc == LL_OK && !(r->state_off = ll_malloc_array(p.nets, sizeof *r->state_off)))
		rc = ll_err_oom(err);
	for (size_t i = 0; rc == LL_OK && i < p.nets; i++) {
		r->state_off[i] = tot;
		tot += B * T * r->net[i].S;
		nex += B * T * extra_per_step(r, i);
	}
	if (rc == LL_OK && !(r->state = ll_malloc_array(tot ? tot : 1, sizeof *r->state)))
		rc = ll_err_oom(err);
	size_t shx[1] = {nex};
	if (rc == LL_OK && nex)
		rc = ll_step_read_back(dir, "resume/states.npy", "<f4", 1, shx, &tx, err);
	if (rc == LL_OK && same) {
		size_t H = r->net[0].H, sh4[4] = {p.nets, B, T, H};
		ll_tensor th;
		if ((rc = ll_step_read_back(dir, "trajectories.npy", "<f4", 4, sh4, &th, err)) == LL_OK) {
			for (size_t i = 0; i < p.nets; i++)
				for (size_t b = 0; b < B; b++)
					for (size_t t = 0; t < T; t++) {
						float *st = r->state + r->state_off[i] + (b * T + t) * r->net[i].S;
						for (size_t u = 0; u < H; u++)
							st[u] = (float)ll_tensor_at(&th, ((i * B + b) * T + t) * H + u);
					}
			ll_tensor_free(&th);
		}
	}
	for (size_t i = 0, k = 0; rc == LL_OK && i < p.nets; i++) {
		size_t S = r->net[i].S, e = extra_per_step(r, i);
		for (size_t b = 0; e && b < B; b++)
			for (size_t t = 0; t < T; t++)
				for (size_t u = S - e; u < S; u++)
					r->state[r->state_off[i] + (b * T + t) * S + u] = (float)ll_tensor_at(&tx, k++);
	}
	ll_tensor_free(&tt);
	ll_tensor_free(&tc);
	ll_tensor_free(&ts);
	ll_tensor_free(&tx);
	ll_free(dir);
	return rc == LL_OK ? finish(c, &p, err) : rc;
}

/* a task is trained on, so its sessions have this step without writing it */
static int implied(const ll_session *s)
{
	return ll_session_is(s, LL_STEP_DATA, "kind", "task");
}

static int check(const ll_session *s, ll_err *err)
{
	if (s->state[LL_STEP_RNN] == LL_STATE_ABSENT)
		return LL_OK;
	if (!implied(s))
		return ll_err_set(err, LL_EINVAL, "[rnn] needs [data] kind = task (kind is %s)",
				  ll_session_get(s, LL_STEP_DATA, "kind"));
	pop p;
	ll_task_config t;
	int rc = population(s, &p, err);
	return rc != LL_OK ? rc : task_config(s, &t, err);
}

const ll_step_def ll_step_rnn = {
	.name = "rnn",
	.summary = "train a population of recurrent networks on a task, logging their trajectories",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.needs = LL_STEP_BIT(LL_STEP_DATA),
	.implied = implied,
	.check = check,
	.run = run,
	.drop = drop,
	.load = load,
	.outputs = "networks.csv, net_NNN.npz (PyTorch naming), curves.npy, trajectories.npy; `resume/`, "
		   "the scores and states a reopened workbench reads back",
};
