/* [tca]: the CP ensemble over ranks x replicates, and the rank to show. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_rng.h"
#include "io/ll_ens_io.h"
#include "base/ll_fs.h"
#include "io/ll_ens_shard.h"
#include "pipeline/ll_step.h"
#include "pipeline/steps/step_data.h"
#include "pipeline/steps/step_train.h"
#include "tensor/ll_loads.h"
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
	P_ENUM("select", "elbow", LL_ENUM_CHOICES(LL_RANK_RULES),
	       "how rank = auto chooses: the elbow of the error, or cv (held-out error)"),
	P_INT("cv_folds", "0", 0, 20,
	      "cross-validation folds of held-out entries (0: none, or 5 with select = cv)"),
	P_INT("cv_replicates", "0", 0, 1000, "fits per rank and fold (0: as replicates, at most 2)"),
	P_PATH("warm_start", "",
	       "start from this model: a fit's or a rank's folder of an earlier run, or an .npz "
	       "with factor_N and lambda (fits its rank only, 1 replicate; '' = init)"),
	P_STR("fix_modes", "", "with warm_start: modes kept exactly as the model has them (0-based, e.g. 0,2)"),
	P_REAL("ridge", "0", 0, 1e12, "ncp methods: add ridge/2 sum ||U_n||^2 to the loss"),
	P_REAL("l1", "0", 0, 1e12, "ncp methods: add l1 sum ||U_n||_1 over l1_modes (sparse factors)"),
	P_STR("l1_modes", "", "the modes l1 applies to (0-based, e.g. 0; '' = all)"),
	P_ENUM("precision", "double", "double|single",
	       "single: fit a float32 copy of the tensor (half the bandwidth per pass; "
	       "factor algebra in double; cp-als, ncp-hals, ncp-bcd without missing entries)"),
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

/* The rank to show: the [tca] rank parameter, or the [tca] select rule
 * (tensor/ll_ens.h: the elbow, or cross-validation). */
static int choose_rank(const ll_session *s, struct ll_res_tca *t, ll_rank_rule rule, ll_err *err)
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
	return ll_ens_select_rank(e, rule, &t->chosen_rank, t->rank_reason, sizeof t->rank_reason, err);
}

static void drop(ll_session *s)
{
	struct ll_res_tca *t = s->res.tca;
	if (!t)
		return;
	ll_ens_free(&t->ens);
	ll_ktensor_free(&t->init);
	ll_free(t);
	s->res.tca = NULL;
}

/* The fits of a run that wrote OUTDIR, kept as a shard (io/ll_ens_shard.h)
 * in OUTDIR/tca/resume/: its raw fits and numbers, so that the workbench
 * reopened on OUTDIR reads back the very ensemble (ll_shard_merge, which
 * finishes it as ll_ens_fit would) instead of fitting again (load). */
#define RESUME_DIR "resume"

static int want_all(void *ud, size_t unit)
{
	(void)ud;
	(void)unit;
	return 1;
}

/* the fingerprint of the data the fits were made from: the tensor, then
 * the mask */
static uint64_t data_hash(const ll_tensor *X, const ll_tensor *mask)
{
	uint64_t h = ll_shard_hash(X->data, X->size, LL_SHARD_HASH0);
	return mask ? ll_shard_hash(mask->data, mask->size, h) : h;
}

/* The ensemble's options from the session, the warm start's model read
 * into t->init; *rule the rank rule. */
static int prepare(ll_step_ctx *c, struct ll_res_tca *t, ll_ens_opts *op, ll_rank_rule *rulep, ll_err *err)
{
	ll_session *s = c->s;
	const struct ll_res_tensor *x = s->res.tensor;
	const struct ll_res_data *d = s->res.data;
	ll_ens_opts o;
	long lo, hi;
	int rc;
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
	ll_rank_rule rule = (ll_rank_rule)ll_session_get_enum(s, LL_STEP_TCA, "select");
	o.cv_folds = (size_t)ll_session_get_int(s, LL_STEP_TCA, "cv_folds");
	if (rule == LL_RANK_CV && o.cv_folds == 0)
		o.cv_folds = 5;
	o.cv_replicates = (size_t)ll_session_get_int(s, LL_STEP_TCA, "cv_replicates");
	/* the data's mask, when the tensor is the data's shape (not, e.g., a
	 * connectome made from it) */
	o.cp.mask = d && d->mask.data && ll_tensor_same_shape(&d->mask, &x->X) ? &d->mask : NULL;
	/* check() parsed these */
	ll_cp_modes_parse(ll_session_get(s, LL_STEP_TCA, "fix_modes"), &o.cp.fixed_modes);
	ll_cp_modes_parse(ll_session_get(s, LL_STEP_TCA, "l1_modes"), &o.cp.l1_modes);
	o.cp.ridge = ll_session_get_real(s, LL_STEP_TCA, "ridge");
	o.cp.l1 = ll_session_get_real(s, LL_STEP_TCA, "l1");
	char *warm = ll_session_get_path(s, LL_STEP_TCA, "warm_start");
	if (!warm)
		return ll_err_oom(err);
	if (*warm) {
		rc = ll_ens_read_model(warm, &t->init, err);
		if (rc != LL_OK) {
			ll_err_prefix(err, "[tca] warm_start");
			ll_free(warm);
			return rc;
		}
		if ((long)t->init.rank < lo || (long)t->init.rank > hi) {
			rc = ll_err_set(err, LL_EINVAL, "[tca] warm_start %s has rank %zu, outside ranks = %ld-%ld",
					warm, t->init.rank, lo, hi);
			ll_free(warm);
			return rc;
		}
		/* every replicate would start from the same model */
		o.rank_lo = o.rank_hi = t->init.rank;
		o.replicates = 1;
		o.cp.init_model = &t->init;
		ll_session_log(s, "tca: warm start from %s: rank %zu only, one fit", warm, t->init.rank);
	}
	ll_free(warm);
	o.threads = ll_step_threads(s);
	/* o.progress: the caller's (run() sets it; it lives on its stack) */
	if (o.cp.method != LL_CP_ALS && x->x_min < 0)
		ll_session_log(s, "tca: warning: %s on data with negative entries (min %g)",
			       ll_cp_method_name(o.cp.method), x->x_min);
	o.cp.rank = o.rank_hi;
	/* ll_cp_check: run(), on the tensor it fits (a float copy, maybe) */
	*op = o;
	*rulep = rule;
	return LL_OK;
}

/* The chosen rank and the step's summary line. */
static int conclude(ll_step_ctx *c, struct ll_res_tca *t, const ll_ens_opts *op, ll_rank_rule rule, ll_err *err)
{
	ll_session *s = c->s;
	const struct ll_res_tensor *x = s->res.tensor;
	const ll_ens_opts o = *op;
	int rc;
	if ((rc = choose_rank(s, t, rule, err)) != LL_OK)
		return rc;
	ll_session_log(s, "tca: rank %zu chosen: %s", t->chosen_rank, t->rank_reason);
	const ll_ens_rank *cr = ll_ens_get(&t->ens, t->chosen_rank);
	ll_ens_stats cst = {0};
	char cvs[64] = "";
	if (cr && ll_ens_rank_stats(cr, &cst, err) != LL_OK)
		return LL_ENOMEM;
	if (cr && t->ens.cv_folds)
		snprintf(cvs, sizeof cvs, ", held-out error %.4f", cr->cv_test_mean);
	ll_step_status(c, "ranks %zu-%zu x %zu replicates (%s): rank %zu chosen, error %.4f%s, "
		 "%zu/%zu fits at the best%s",
		 o.rank_lo, o.rank_hi, o.replicates, ll_cp_method_name(o.cp.method), t->chosen_rank,
		 cr ? cr->fits[0].obj : NAN, cvs, cst.at_best, cr ? cr->nrep : 0,
		 o.cp.method != LL_CP_ALS && x->x_min < 0 ? "; WARNING: negative data" : "");
	return LL_OK;
}

static int new_res(ll_session *s, struct ll_res_tca **tp, ll_err *err)
{
	const struct ll_res_tensor *x = s->res.tensor;
	if (!x || !x->X.data)
		return ll_err_set(err, LL_EINVAL, "[tca] has no tensor: run the tensor step first");
	struct ll_res_tca *t = ll_calloc(1, sizeof *t);
	if (!t)
		return ll_err_oom(err);
	s->res.tca = t;
	*tp = t;
	return LL_OK;
}

/* OUTDIR/tca/: every fit and summary.json (X NULL: summary.json only,
 * the fits' files being there already) */
static int write_results(ll_session *s, const struct ll_res_tca *t, ll_rank_rule rule, const char *dir,
			 const ll_tensor *X, ll_err *err)
{
	ll_ens_meta meta = {0};
	meta.chosen_rank = t->chosen_rank;
	meta.rank_reason = t->rank_reason;
	meta.rank_rule = ll_session_get_int(s, LL_STEP_TCA, "rank") >= 0 ? "set" : ll_rank_rule_name(rule);
	char *wp = t->ens.warm_start ? ll_session_get_path(s, LL_STEP_TCA, "warm_start") : NULL;
	meta.init_file = wp;
	int rc = X ? ll_ens_write(&t->ens, dir, X, &meta, err) : ll_ens_write_summary(&t->ens, dir, &meta, err);
	ll_free(wp);
	return rc;
}

/* Only the rank to show changed (view_keys): every rank is fitted
 * already, so choose again and rewrite summary.json; the fits' files
 * (and resume/) stay as they are. */
static int rechoose(ll_step_ctx *c, struct ll_res_tca *t, ll_err *err)
{
	ll_session *s = c->s;
	const struct ll_res_tensor *x = s->res.tensor;
	ll_rank_rule rule = (ll_rank_rule)ll_session_get_enum(s, LL_STEP_TCA, "select");
	int rc;
	ll_session_log(s, "tca: only the rank to show changed: the fitted ensemble is kept, nothing refitted");
	if ((rc = conclude(c, t, &t->ens.opts, rule, err)) != LL_OK || !c->outdir)
		return rc;
	int summary_only = s->wrote[c->k];
	char *dir = NULL;
	rc = summary_only ? ((dir = ll_path_join(c->outdir, ll_step_name(c->k))) ? LL_OK : ll_err_oom(err))
			  : ll_step_outdir(c, &dir, err);
	if (rc != LL_OK)
		return rc;
	rc = write_results(s, t, rule, dir, summary_only ? NULL : &x->X, err);
	ll_free(dir);
	return rc;
}

static int run(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	const struct ll_res_tensor *x;
	struct ll_res_tca *t = NULL;
	ll_ens_opts o;
	ll_rank_rule rule = LL_RANK_ELBOW;
	int rc;
	if (c->reuse && s->res.tca)
		return rechoose(c, s->res.tca, err);
	if ((rc = new_res(s, &t, err)) != LL_OK || (rc = prepare(c, t, &o, &rule, err)) != LL_OK)
		return rc;
	x = s->res.tensor;
	progress_fwd fwd = {s, c->progress, c->ud};
	o.progress = fwd_progress;
	o.progress_ud = &fwd;
	/* writing OUTDIR: the units' raw fits first (kept for a resume),
	 * then finished as one ll_ens_fit would */
	if (c->outdir) {
		o.want = want_all;
		o.want_ud = NULL;
	}
	/* single precision: the fits read a float copy (the tensor step's
	 * doubles stay for the other steps and the report) */
	ll_tensor xf = {0};
	const ll_tensor *X = &x->X;
	if (ll_session_get_enum(s, LL_STEP_TCA, "precision") == 1) {
		if ((rc = ll_tensor_copy_f32(&xf, &x->X, err)) != LL_OK)
			return rc;
		X = &xf;
		ll_session_log(s, "tca: single precision: fitting a float32 copy of the tensor (%.1f MiB)",
			       (double)ll_tensor_bytes(&xf) / 1048576.0);
	}
	rc = ll_cp_check(X, &o.cp, err);
	if (rc == LL_OK)
		rc = ll_ens_fit(X, &o, &t->ens, err);
	ll_tensor_free(&xf);
	if (rc != LL_OK) {
		if (X != &x->X)
			ll_err_prefix(err, "[tca] precision = single");
		return rc;
	}
	char *dir = NULL;
	if (c->outdir) {
		ll_shard_meta sm = {.index = 0, .count = 1, .want = want_all, .want_ud = NULL,
				    .data_hash = data_hash(&x->X, o.cp.mask), .init_hash = 0,
				    .select = ll_rank_rule_name(rule)};
		ll_ens_meta rmeta = {.tool = "latentlab"};
		if ((rc = ll_step_outdir(c, &dir, err)) != LL_OK)
			return rc;
		char *rdir = ll_path_join(dir, RESUME_DIR);
		rc = rdir ? ll_mkdirs(rdir, err) : ll_err_oom(err);
		if (rc == LL_OK)
			rc = ll_shard_write(&t->ens, rdir, &rmeta, &sm, err);
		ll_free(rdir);
		if (rc == LL_OK)
			rc = ll_ens_finish(&t->ens, err);
	}
	if (rc == LL_OK)
		rc = conclude(c, t, &o, rule, err);
	if (rc == LL_OK && dir) {
		rc = write_results(s, t, rule, dir, &x->X, err);
	}
	ll_free(dir);
	return rc;
}

/* Resuming: the fits the run kept in OUTDIR/tca/resume/, if they were
 * made from this tensor, finished as the run finished them; the rank is
 * chosen again as run() chooses it (the same rule on the same fits). */
static int load(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	struct ll_res_tca *t = NULL;
	ll_ens_opts o;
	ll_rank_rule rule = LL_RANK_ELBOW;
	int rc;
	if ((rc = new_res(s, &t, err)) != LL_OK || (rc = prepare(c, t, &o, &rule, err)) != LL_OK)
		return rc;
	char *dir = ll_path_join(c->outdir, "tca/" RESUME_DIR);
	if (!dir)
		return ll_err_oom(err);
	ll_shard sh;
	rc = ll_shard_read(dir, &sh, err);
	ll_free(dir);
	if (rc != LL_OK)
		return rc;
	char want[32];
	snprintf(want, sizeof want, "%016" PRIx64, data_hash(&s->res.tensor->X, o.cp.mask));
	const char *had = ll_shard_get(&sh, "data_hash");
	if (!had || strcmp(had, want) != 0)
		rc = ll_err_set(err, LL_EINVAL, "the fits were made from other data");
	else
		rc = ll_shard_merge(&sh, 1, &t->ens, err);
	ll_shard_free(&sh);
	if (rc == LL_OK)
		rc = conclude(c, t, &o, rule, err);
	return rc;
}

/* rank only chooses which fitted rank to show and project */
static const char *const view_keys[] = {"rank", NULL};

/* a rank to show must be one of the ranks fitted */
static int check(const ll_session *s, ll_err *err)
{
	long lo, hi, r = ll_session_get_int(s, LL_STEP_TCA, "rank");
	ll_session_get_range(s, LL_STEP_TCA, "ranks", &lo, &hi);
	if (r >= 0 && (r < lo || r > hi))
		return ll_err_set(err, LL_EINVAL, "[tca] rank = %ld is outside ranks = %ld-%ld", r, lo, hi);
	if (ll_session_get_int(s, LL_STEP_TCA, "cv_folds") == 1)
		return ll_err_set(err, LL_EINVAL,
				  "[tca] cv_folds = 1 holds out every entry: use 0 (none) or 2 to 20 folds");
	unsigned fixed, l1m;
	const char *fs = ll_session_get(s, LL_STEP_TCA, "fix_modes");
	const char *ls = ll_session_get(s, LL_STEP_TCA, "l1_modes");
	if (ll_cp_modes_parse(fs, &fixed) != LL_OK)
		return ll_err_set(err, LL_EINVAL, "[tca] fix_modes = %s: expected modes numbered from 0, e.g. 0,2", fs);
	if (ll_cp_modes_parse(ls, &l1m) != LL_OK)
		return ll_err_set(err, LL_EINVAL, "[tca] l1_modes = %s: expected modes numbered from 0, e.g. 0", ls);
	const char *warm = ll_session_get(s, LL_STEP_TCA, "warm_start");
	if (ll_session_get_enum(s, LL_STEP_TCA, "precision") == 1) {
		/* what reads the data in double (tensor/ll_cp.h) */
		long meth = ll_session_get_enum(s, LL_STEP_TCA, "method");
		if (meth == LL_CP_APR)
			return ll_err_set(err, LL_EINVAL, "[tca] precision = single does not support method = cp-apr "
					  "(its Poisson updates read the data in double)");
		if (ll_session_get_enum(s, LL_STEP_TCA, "init") == LL_CP_INIT_SVD && !*warm)
			return ll_err_set(err, LL_EINVAL, "[tca] precision = single does not support init = svd: "
					  "use init = random");
		if (ll_session_get_int(s, LL_STEP_TCA, "cv_folds") > 0 ||
		    ll_session_get_enum(s, LL_STEP_TCA, "select") == LL_RANK_CV)
			return ll_err_set(err, LL_EINVAL, "[tca] precision = single does not support cross-validation "
					  "(held-out entries are fitted as missing data, in double)");
	}
	if (fixed && !*warm)
		return ll_err_set(err, LL_EINVAL, "[tca] fix_modes = %s needs warm_start: the fixed factors are "
				  "taken from that model", fs);
	double ridge = ll_session_get_real(s, LL_STEP_TCA, "ridge"), l1 = ll_session_get_real(s, LL_STEP_TCA, "l1");
	if ((ridge > 0.0 || l1 > 0.0) && ll_session_get_enum(s, LL_STEP_TCA, "method") == LL_CP_ALS)
		return ll_err_set(err, LL_EINVAL, "[tca] ridge and l1 are for method = ncp-hals or ncp-bcd, not cp-als");
	if (l1 > 0.0 && l1m && !(ridge > 0.0))
		return ll_err_set(err, LL_EINVAL, "[tca] l1 on l1_modes = %s only needs ridge > 0: without it the "
				  "penalised mode shrinks while the others grow, and no entry becomes zero", ls);
	if (*warm) {
		char *p = ll_session_get_path(s, LL_STEP_TCA, "warm_start");
		int ok = p && access(p, R_OK) == 0;
		ll_free(p);
		if (!ok)
			return ll_err_set(err, LL_EINVAL, "[tca] warm_start = %s: no such file or folder", warm);
	}
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
	.load = load,
	.view_keys = view_keys,
	.outputs = "every fit, `summary.json`; `resume/`, the raw fits a reopened workbench reads back",
};

int ll_tca_loads_text(const ll_session *s, const ll_ktensor *K, size_t c, char *buf, size_t n, ll_err *err)
{
	const struct ll_res_tensor *x = s->res.tensor;
	size_t l = 0;
	if (n == 0)
		return LL_OK;
	buf[0] = '\0';
	if (!x || x->X.nmodes != K->nmodes)
		return ll_err_set(err, LL_EINVAL, "loads: the model is not of the tensor's modes");
	for (int m = 0; m < K->nmodes && l + 1 < n; m++) {
		const ll_mode_info *mi = &x->modes[m];
		const int *lab = mi->kind == LL_MODE_TRIAL || mi->kind == LL_MODE_CLASS ? mi->labels : NULL;
		/* flat is a property of the entries: a trend over trials that both
		 * conditions share is not flat, though their means are alike */
		ll_loads L, E;
		int rc = ll_loads_factor(K->U[m], K->dim[m], K->rank, c, NULL, LL_LOADS_TOP, &E, err);
		if (rc == LL_OK && lab)
			rc = ll_loads_factor(K->U[m], K->dim[m], K->rank, c, lab, LL_LOADS_TOP, &L, err);
		if (rc != LL_OK)
			return rc;
		int alike = lab && L.flat && !E.flat; /* varies, but not by label */
		if (!lab || alike)
			L = E;
		int k = snprintf(buf + l, n - l, "%s", m ? "; " : "");
		l += k >= 0 && (size_t)k < n - l ? (size_t)k : n - l - 1;
		if (L.flat || L.n == 0) {
			k = snprintf(buf + l, n - l, "%s %s", mi->name, L.n ? "flat" : "zero");
		} else if (mi->kind == LL_MODE_TIME) {
			const struct ll_res_train *tr = s->res.train;
			if (tr && tr->log.snapshots == K->dim[m] && tr->log.step)
				k = snprintf(buf + l, n - l, "peak step %d", tr->log.step[L.peak]);
			else
				k = snprintf(buf + l, n - l, "peak %s %zu", mi->name, L.peak);
		} else {
			/* "condition 1" when labels group entries; a digit mode whose
			 * entries are their own labels reads "digit 7" */
			int grouped = lab && !alike && L.nitems < K->dim[m];
			k = snprintf(buf + l, n - l, "%s%s", mi->name,
				     grouped ? !strcmp(mi->name, "trial") ? ": condition" : ": label" : "");
			for (size_t j = 0; j < L.n && k > 0 && l + (size_t)k < n; j++) {
				int q = mi->kind == LL_MODE_UNIT
						? snprintf(buf + l + k, n - l - (size_t)k, "%s %ld", j ? "," : "", L.item[j])
						: snprintf(buf + l + k, n - l - (size_t)k, "%s %ld (%.2f)", j ? "," : "", L.item[j],
							   L.value[j]);
				k += q > 0 ? q : 0;
			}
			if (alike && k > 0 && l + (size_t)k < n) {
				int q = snprintf(buf + l + k, n - l - (size_t)k, " (%ss alike)",
						 !strcmp(mi->name, "trial") ? "condition" : "label");
				k += q > 0 ? q : 0;
			}
		}
		l += k >= 0 && (size_t)k < n - l ? (size_t)k : n - l - 1;
	}
	return LL_OK;
}
