/*
 * ll_ens.h - similarity of CP models, component alignment, and ensembles
 * of fits over ranks x replicates (as tensortools' Ensemble, reproducible).
 *
 * Similarity scores between two models A and B of the same shape (B may
 * have a different rank; unmatched components score 0):
 *   LL_SIM_MEANCOS     tensortools kruskal_align: per component pair,
 *                      mean over modes of |cos|; lambda ignored.  Default.
 *   LL_SIM_TOMASI_BRO  Tensor Toolbox score: (1 - |la-lb|/max(la,lb)) x
 *                      product over modes of |cos| ("factor match score").
 *   LL_SIM_CONGRUENCE  TensorLy congruence: product over modes of |cos|.
 * Components are matched with the Hungarian algorithm maximising the
 * summed pair scores; the model similarity is the mean pair score over
 * max(rank A, rank B) components.
 *
 * Per rank an ensemble also says how many fits reached the best optimum
 * (ll_ens_at_best), optionally cross-validates the rank on speckled
 * held-out entries (cv_folds), and ll_ens_select_rank chooses a rank by
 * the elbow (or knee) of the error or by the held-out error.
 */
#ifndef LL_ENS_H
#define LL_ENS_H

#include <stdint.h>

#include "base/ll_common.h"
#include "tensor/ll_cp.h"
#include "tensor/ll_ktensor.h"
#include "tensor/ll_tensor.h"

/* similarity scores between CP models (after matching components) */
#define LL_SIMS(X) X(LL_SIM_MEANCOS, "mean-cos") X(LL_SIM_TOMASI_BRO, "tomasi-bro") X(LL_SIM_CONGRUENCE, "congruence")
typedef enum ll_sim_kind { LL_SIMS(LL_ENUM_ID) } ll_sim_kind;

const char *ll_sim_name(ll_sim_kind k);          /* "mean-cos", "tomasi-bro", "congruence" */
int ll_sim_parse(const char *s, ll_sim_kind *k); /* LL_OK or LL_EINVAL */

/* Similarity of A and B.  If perm is non-NULL (A->rank entries) it receives
 * the matched component of B for each component of A (SIZE_MAX if none). */
int ll_kt_similarity(const ll_ktensor *A, const ll_ktensor *B, ll_sim_kind kind,
		     double *sim, size_t *perm, ll_err *err);

/* Permute (and sign-flip) B's components to line up with A's: matched
 * components take A's positions, unmatched ones follow by weight. */
int ll_kt_align(const ll_ktensor *A, ll_ktensor *B, ll_sim_kind kind, ll_err *err);

typedef struct ll_ens_opts {
	size_t rank_lo, rank_hi;  /* inclusive */
	size_t replicates;        /* per rank */
	uint64_t seed;            /* base; replicate seeds derive from it */
	ll_cp_opts cp;            /* method, tol, max_iter, init, mask ... (rank ignored) */
	ll_sim_kind sim;
	int fused;                /* fit each rank's replicates together (default 1) */
	int threads;              /* 0 = the caller's count (ll_threads_resolve) */
	/* Cross-validation of the rank (0 = none): the observed entries are
	 * dealt at random into cv_folds folds (a speckled hold-out, seeded
	 * from seed); for each fold, every rank is fitted to the other
	 * entries (cv_replicates fits; 0 = the replicates, at most
	 * LL_ENS_CV_REPLICATES) and the fit with the lowest training error
	 * is scored on the held-out fold.  The fitted ensemble's
	 * opts.cv_replicates holds the number used. */
	size_t cv_folds;          /* 0, or 2 to LL_ENS_CV_MAX_FOLDS */
	size_t cv_replicates;
	ll_progress_fn progress;  /* optional; stage "rank R", frac overall;
				   * called from worker threads, one call at a time */
	void *progress_ud;
	/* Fit only some of the units (below; NULL: all): those u with
	 * want(want_ud, u) != 0.  The result is then partial. */
	int (*want)(void *ud, size_t unit);
	void *want_ud;
} ll_ens_opts;

void ll_ens_opts_default(ll_ens_opts *o);

#define LL_ENS_CV_MAX_FOLDS 100
/* fits per rank and fold when cv_replicates is 0 (fewer if replicates is) */
#define LL_ENS_CV_REPLICATES 2

/* A fit "reached the best optimum" of its rank when its objective is
 * within this of the rank's best (the objective is a relative error, so
 * this is 1e-4 of ||W.X||). */
#define LL_ENS_AT_BEST_TOL 1e-4

typedef struct ll_ens_rank {
	size_t rank;
	size_t nrep;
	ll_cp_result *fits;  /* nrep fits, sorted by objective, best first */
	double *sim;         /* similarity of each fit to fits[0] (sim[0] = 1) */
	double seconds;      /* wall time for this rank */
	/* cross-validation (NaN / NULL without it): per fold, the held-out
	 * error ||H.(X - M)|| / ||H.X|| (H = the fold's held-out entries) of
	 * the fold's best training fit, and that fit's training objective */
	double *cv_test;     /* cv_folds values (owned) */
	double *cv_train;    /* cv_folds values (owned) */
	double cv_test_mean, cv_test_se, cv_train_mean; /* over folds; se =
							 * sd / sqrt(folds) */
} ll_ens_rank;

typedef struct ll_ensemble {
	size_t nranks;
	ll_ens_rank *ranks;  /* rank_lo .. rank_hi */
	ll_sim_kind sim;
	ll_cp_method method;
	double seconds;
	/* provenance, filled by ll_ens_fit (for ll_ens_write, io/ll_ens_io.h) */
	ll_ens_opts opts;    /* as given, threads resolved (0 -> cores); the
			      * pointers progress, cp.mask, cp.progress, cp.tamper
			      * and their user data cleared */
	int nmodes;
	size_t dim[LL_MAX_MODES]; /* the data's shape */
	double data_norm;    /* ||W.X||, the norm of the observed entries */
	size_t nmissing;     /* entries missing (NaN or mask 0) */
	size_t cv_folds;     /* 0: no cross-validation */
	uint64_t cv_seed;    /* the seed that dealt the entries into folds */
	double cv_seconds;   /* wall time of the cross-validation fits */
	int warm_start;      /* the fits started from a given model (the
			      * pointer itself is cleared in opts) */
	int partial;         /* fitted with want: see ll_ens_finish */
	int single;          /* the data were float32 (single precision: the
			      * MTTKRP read floats, the factor algebra was
			      * double); summary.json "precision" */
} ll_ensemble;

/* Clusters.  An ensemble is a list of independent units, numbered
 *   0 .. M-1     the main fits (M = ll_ens_nmain): fused, unit ri fits
 *                every replicate of rank rank_lo + ri in one batch;
 *                with fused = 0, unit ri * replicates + k fits replicate
 *                k of that rank alone;
 *   M + f        cross-validation fold f, every rank of it.
 * A unit's fits depend only on the unit: seeds are per replicate
 * (ll_seed_derive(seed, R, k)), the fusion grouping is the unit, and the
 * thread layout follows the whole plan (with the same threads a unit
 * fitted alone computes the bits the whole run computes).  ll_ens_fit
 * with opts.want fits the wanted units only and returns a partial
 * ensemble: the fits of the other units zeroed, the cross-validation
 * errors of the other folds NaN, nothing sorted, aligned or scored, the
 * fits of rank ri in replicate order.  Put the units' results into one
 * such ensemble and ll_ens_finish makes it what one ll_ens_fit returns
 * (timings apart). */
size_t ll_ens_nmain(const ll_ens_opts *o);
size_t ll_ens_nunits(const ll_ens_opts *o); /* ll_ens_nmain + cv_folds */
/* Sort, align and score the fits of a partial ensemble and average the
 * cross-validation folds; LL_EINVAL naming a replicate not fitted.  An
 * ensemble that is not partial is left as it is. */
int ll_ens_finish(ll_ensemble *e, ll_err *err);

/* Fit every rank and replicate, sort by objective, score every replicate
 * against its rank's best, and align each rank's best to the best of the
 * rank below (so component order carries across ranks) and every replicate
 * to its rank's best.  On failure: *e is zeroed and holds nothing to
 * free. */
int ll_ens_fit(const ll_tensor *X, const ll_ens_opts *o, ll_ensemble *e, ll_err *err);
void ll_ens_free(ll_ensemble *e);
/* The entry for a rank, or NULL. */
const ll_ens_rank *ll_ens_get(const ll_ensemble *e, size_t rank);

/* One line saying how a similarity score is computed. */
const char *ll_sim_describe(ll_sim_kind k);

/* Summary of one rank.  Similarities are over the replicates other than the
 * best (the best scores 1 against itself): NaN when there is only one. */
typedef struct ll_ens_stats {
	double best, median, worst; /* objectives */
	double mean_sim, min_sim;
	double median_iters;
	size_t at_best;             /* fits within LL_ENS_AT_BEST_TOL of the best
				     * (the best included) */
	double frac_at_best;        /* at_best / nrep */
} ll_ens_stats;
int ll_ens_rank_stats(const ll_ens_rank *r, ll_ens_stats *st, ll_err *err);
/* 1 if fit k of r is within LL_ENS_AT_BEST_TOL of r's best */
int ll_ens_at_best(const ll_ens_rank *r, size_t k);

/* Rules that choose a rank from an ensemble:
 *   LL_RANK_ELBOW  the elbow of the best error against rank among ranks
 *                  whose replicates agree (mean similarity >= 0.9): the
 *                  smallest rank after which one more component lowers
 *                  the error by less than a tenth of the largest drop;
 *                  with no such elbow, the knee: the agreeing rank whose
 *                  error lies farthest below the straight line from the
 *                  first rank's error to the last's (by at least a tenth
 *                  of the whole drop); with neither, the largest rank
 *                  whose replicates agree.
 *                  A rank that fits exactly (error < 1e-4) wins at once.
 *   LL_RANK_CV     cross-validation (needs cv_folds): the smallest rank
 *                  whose mean held-out error is within one standard error
 *                  (across folds) of the lowest. */
#define LL_RANK_RULES(X) X(LL_RANK_ELBOW, "elbow") X(LL_RANK_CV, "cv")
typedef enum ll_rank_rule { LL_RANK_RULES(LL_ENUM_ID) } ll_rank_rule;
const char *ll_rank_rule_name(ll_rank_rule r);
int ll_rank_rule_parse(const char *s, ll_rank_rule *r); /* LL_OK or LL_EINVAL */
/* The rank the rule picks into *rank, and a sentence saying why into
 * reason (n bytes).  LL_EINVAL for LL_RANK_CV on an ensemble without
 * cross-validation. */
int ll_ens_select_rank(const ll_ensemble *e, ll_rank_rule rule, size_t *rank, char *reason,
		       size_t n, ll_err *err);

#endif
