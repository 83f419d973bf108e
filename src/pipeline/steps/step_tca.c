/* [tca]: the CP ensemble over ranks x replicates, and the rank to show. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_rng.h"
#include "io/ll_ens_io.h"
#include "pipeline/ll_step.h"
#include "pipeline/steps/step_data.h"
#include "pipeline/steps/step_tca.h"
#include "pipeline/steps/step_tensor.h"

static const ll_param_def params[] = {
	P_RANGE("ranks", "1-6", 1, 64, "ranks to fit, A-B"),
	P_INT("replicates", "5", 1, 1000, "fits per rank, each from its own seed"),
	P_ENUM("method", "ncp-hals", LL_ENUM_CHOICES(LL_CP_METHODS), "CP algorithm"),
	P_ENUM("init", "random", LL_ENUM_CHOICES(LL_CP_INITS), "starting guess"),
	P_REAL("tol", "1e-6", 0, 1, "stop when the objective improves by less than this"),
	P_INT("max_iter", "300", 1, 100000, "iteration limit per fit"),
	P_ENUM("sim", "mean-cos", LL_ENUM_CHOICES(LL_SIMS), "similarity score between fits"),
	P_AUTO_INT("rank", "auto", 1, 64, "the rank to show and project: a number, or auto"),
};

typedef struct progress_fwd {
	ll_session *s;
	ll_progress_fn fn;
	void *ud;
} progress_fwd;

/* Forward progress and turn the session's cancel flag into a cancel. */
static int fwd_progress(void *vud, const ll_progress *p)
{
	progress_fwd *f = vud;
	if (ll_session_canceled(f->s))
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
static int choose_rank(const ll_session *s, struct ll_res_tca *t, ll_err *err)
{
	long want = ll_session_get_int(s, LL_STEP_TCA, "rank"); /* -1: auto */
	const ll_ensemble *e = &t->ens;
	if (want >= 0) {
		if (!ll_ens_get(e, (size_t)want))
			return ll_err_set(err, LL_EINVAL, "[tca] rank = %ld is not one of the fitted ranks", want);
		t->chosen_rank = (size_t)want;
		snprintf(t->rank_reason, sizeof t->rank_reason, "set in the session file (rank = %ld)", want);
		return LL_OK;
	}
	/* a rank that already fits exactly: more components cannot help */
	for (size_t i = 0; i < e->nranks; i++)
		if (e->ranks[i].fits[0].obj < 1e-4) {
			t->chosen_rank = e->ranks[i].rank;
			snprintf(t->rank_reason, sizeof t->rank_reason,
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
			t->chosen_rank = r->rank;
			snprintf(t->rank_reason, sizeof t->rank_reason,
				 "elbow: rank %zu lowers the error by only %.4f (the largest drop is %.4f), "
				 "and rank %zu's replicates agree (mean similarity %.3f)",
				 e->ranks[i + 1].rank, r->fits[0].obj - e->ranks[i + 1].fits[0].obj,
				 maxdrop, r->rank, mean_sim(r));
			return LL_OK;
		}
	}
	t->chosen_rank = stable;
	snprintf(t->rank_reason, sizeof t->rank_reason,
		 "no elbow in the error curve: the largest rank whose replicates agree "
		 "(mean similarity %.3f >= 0.9)%s", mean_sim(ll_ens_get(e, stable)),
		 stable == e->ranks[e->nranks - 1].rank && e->nranks > 1
			 ? "; it is the top of the fitted range, so a wider range of ranks may show an elbow"
			 : "");
	return LL_OK;
}

static void drop(ll_session *s)
{
	struct ll_res_tca *t = s->res.tca;
	if (!t)
		return;
	ll_ens_free(&t->ens);
	ll_free(t);
	s->res.tca = NULL;
}

static int run(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	const struct ll_res_tensor *x = s->res.tensor;
	const struct ll_res_data *d = s->res.data;
	ll_ens_opts o;
	long lo, hi;
	int rc;

	if (!x || !x->X.data)
		return ll_err_set(err, LL_EINVAL, "[tca] has no tensor: run the tensor step first");
	struct ll_res_tca *t = ll_calloc(1, sizeof *t);
	if (!t)
		return ll_err_oom(err);
	s->res.tca = t;
	ll_ens_opts_default(&o);
	ll_session_get_range(s, LL_STEP_TCA, "ranks", &lo, &hi);
	o.rank_lo = (size_t)lo;
	o.rank_hi = (size_t)hi;
	o.replicates = (size_t)ll_session_get_int(s, LL_STEP_TCA, "replicates");
	o.seed = ll_seed_derive((uint64_t)ll_session_get_int(s, LL_STEP_SESSION, "seed"), 0x746361, 0);
	/* the choices are the library's own names, in its enums' order */
	o.cp.method = (ll_cp_method)ll_session_get_enum(s, LL_STEP_TCA, "method");
	o.sim = (ll_sim_kind)ll_session_get_enum(s, LL_STEP_TCA, "sim");
	o.cp.init = (ll_cp_init)ll_session_get_enum(s, LL_STEP_TCA, "init");
	if (o.cp.init == LL_CP_INIT_SVD && o.replicates > 1)
		ll_session_log(s, "tca: warning: init = svd starts every replicate from the same point, "
			       "so their similarity says nothing about stability; use init = random");
	o.cp.tol = ll_session_get_real(s, LL_STEP_TCA, "tol");
	if (o.cp.tol <= 0)
		o.cp.tol = 1e-12;
	o.cp.max_iter = (int)ll_session_get_int(s, LL_STEP_TCA, "max_iter");
	o.cp.mask = d && d->mask.data ? &d->mask : NULL;
	o.threads = ll_step_threads(s);
	progress_fwd fwd = {s, c->progress, c->ud};
	o.progress = fwd_progress;
	o.progress_ud = &fwd;
	if (o.cp.method != LL_CP_ALS && x->x_min < 0)
		ll_session_log(s, "tca: warning: %s on data with negative entries (min %g)",
			       ll_cp_method_name(o.cp.method), x->x_min);
	o.cp.rank = o.rank_hi;
	if ((rc = ll_cp_check(&x->X, &o.cp, err)) != LL_OK)
		return rc;
	if ((rc = ll_ens_fit(&x->X, &o, &t->ens, err)) != LL_OK)
		return rc;
	if ((rc = choose_rank(s, t, err)) != LL_OK)
		return rc;
	ll_session_log(s, "tca: rank %zu chosen: %s", t->chosen_rank, t->rank_reason);
	const ll_ens_rank *cr = ll_ens_get(&t->ens, t->chosen_rank);
	ll_step_status(c, "ranks %ld-%ld x %zu replicates (%s): rank %zu chosen, error %.4f%s",
		 lo, hi, o.replicates, ll_cp_method_name(o.cp.method), t->chosen_rank,
		 cr ? cr->fits[0].obj : NAN,
		 o.cp.method != LL_CP_ALS && x->x_min < 0 ? "; WARNING: negative data" : "");
	if (c->outdir) {
		char *dir;
		if ((rc = ll_step_outdir(c, &dir, err)) != LL_OK)
			return rc;
		rc = ll_ens_write(&t->ens, dir, &x->X, NULL, err);
		ll_free(dir);
	}
	return rc;
}

/* a rank to show must be one of the ranks fitted */
static int check(const ll_session *s, ll_err *err)
{
	long lo, hi, r = ll_session_get_int(s, LL_STEP_TCA, "rank");
	ll_session_get_range(s, LL_STEP_TCA, "ranks", &lo, &hi);
	if (r >= 0 && (r < lo || r > hi))
		return ll_err_set(err, LL_EINVAL, "[tca] rank = %ld is outside ranks = %ld-%ld", r, lo, hi);
	return LL_OK;
}

const ll_step_def ll_step_tca = {
	.name = "tca",
	.summary = "fit CP models over ranks x replicates and choose a rank",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.needs = LL_STEP_BIT(LL_STEP_TENSOR),
	.check = check,
	.run = run,
	.drop = drop,
	.outputs = "every fit, `summary.json`",
};
