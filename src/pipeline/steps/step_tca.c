/* [tca]: the CP ensemble over ranks x replicates, and the rank to show. */
#include "config.h"

#include "pipeline/ll_step.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_rng.h"

const ll_param_def ll_step_tca_params[LL_STEP_tca_NPARAMS] = {
	P_RANGE("ranks", "1-6", 1, 64, "ranks to fit, A-B"),
	P_INT("replicates", "5", 1, 1000, "fits per rank, each from its own seed"),
	P_ENUM("method", "ncp-hals", "cp-als|ncp-hals|ncp-bcd", "CP algorithm"),
	P_ENUM("init", "random", "random|svd", "starting guess"),
	P_REAL("tol", "1e-6", 0, 1, "stop when the objective improves by less than this"),
	P_INT("max_iter", "300", 1, 100000, "iteration limit per fit"),
	P_ENUM("sim", "mean-cos", "mean-cos|tomasi-bro|congruence", "similarity score between fits"),
	P_AUTO_INT("rank", "auto", 1, 64, "the rank to show and project: a number, or auto"),
};

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

int ll_step_tca(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud,
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
	o.threads = ll_step_threads(s);
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
	ll_step_status(s, LL_STEP_TCA, "ranks %ld-%ld x %zu replicates (%s): rank %zu chosen, error %.4f%s",
		 lo, hi, o.replicates, ll_cp_method_name(o.cp.method), s->chosen_rank,
		 cr ? cr->fits[0].obj : NAN,
		 o.cp.method != LL_CP_ALS && s->x_min < 0 ? "; WARNING: negative data" : "");
	if (outdir) {
		char *dir = ll_step_outdir(outdir, "tca", err);
		if (!dir)
			return err ? err->code : LL_EIO;
		rc = ll_ens_write(&s->ens, dir, &s->X, NULL, err);
		free(dir);
	}
	return rc;
}

