/*
 * ll_cp.h - CP / PARAFAC decompositions (tensor component analysis).
 *
 * Methods:
 *   LL_CP_ALS       unconstrained alternating least squares; the R x R Gram
 *                   system is solved by Cholesky (dpotrf/dpotrs), falling
 *                   back to a least-squares solve (dgelsd) when it is not
 *                   positive definite.  LAPACK info is always checked.
 *   LL_CP_NCP_HALS  non-negative, hierarchical ALS (Cichocki & Phan 2009).
 *   LL_CP_NCP_BCD   non-negative, block coordinate descent with
 *                   extrapolation and restarts (Xu & Yin 2013).
 *   LL_CP_APR       Poisson CP for counts (Chi & Kolda 2012): the KL /
 *                   Poisson likelihood by multiplicative updates with
 *                   inner iterations and scooching (tensor/ll_cpapr.h);
 *                   its objective is the deviance, reported beside the
 *                   least-squares error.
 * Missing data: pass a 0/1 mask of X's shape (1 = observed); NaN entries of
 * X are treated as missing too.  Entries the mask marks missing are never
 * read as data.
 *
 * Objective: ||W.(X - M)||_F / ||W.X||_F (W = mask, all ones by default),
 * computed from inner products (no full reconstruction) when nothing is
 * missing.
 *
 * Options users of Tensor Toolbox and TensorLy expect:
 *   warm start    init_model: every replicate starts from this model
 *                 (e.g. an earlier fit, to refine it with a tighter tol);
 *   fixed modes   fixed_modes: bit n set keeps factor n exactly as the
 *                 starting model gives it (needs init_model; TensorLy's
 *                 fixed_modes);
 *   regularised   ncp-hals and ncp-bcd minimise the loss
 *                   1/2 ||W.(X - M)||^2 + ridge/2 sum_n ||U_n||_F^2
 *                                       + l1 sum_{n in l1_modes} ||U_n||_1
 *                 (in the data's units, as TensorLy's l2_reg); the fit then
 *                 skips HALS's rebalancing (it would change the penalty)
 *                 and judges convergence on the penalised objective
 *                 sqrt(2 loss) / ||W.X||, kept in hist and obj_pen beside
 *                 the plain error obj.  Convergence: stop after iteration k >= min_iter when
 * |obj_{k-1} - obj_k| < tol (absolute improvement; a single rise does not
 * stop the fit, nor does an iteration whose extrapolated sweep was
 * undone) and the fit is not in a swamp: the last 5 improvements were all
 * under tol and shrink geometrically with less than tol left to gain, or
 * the step is under tol / 100; or at max_iter.
 */
#ifndef LL_CP_H
#define LL_CP_H

#include <stdint.h>

#include "base/ll_common.h"
#include "tensor/ll_ktensor.h"
#include "tensor/ll_tensor.h"

/* CP algorithms: least squares, and non-negative by HALS or by BCD */
#define LL_CP_METHODS(X) X(LL_CP_ALS, "cp-als") X(LL_CP_NCP_HALS, "ncp-hals") X(LL_CP_NCP_BCD, "ncp-bcd") \
	X(LL_CP_APR, "cp-apr")
typedef enum ll_cp_method { LL_CP_METHODS(LL_ENUM_ID) } ll_cp_method;

/* starting points: randn (ALS) or rand (non-negative) scaled to ||X||;
 * or the leading left singular vectors of each unfolding */
#define LL_CP_INITS(X) X(LL_CP_INIT_RANDOM, "random") X(LL_CP_INIT_SVD, "svd")
typedef enum ll_cp_init { LL_CP_INITS(LL_ENUM_ID) } ll_cp_init;

typedef struct ll_cp_opts {
	ll_cp_method method;
	size_t rank;
	ll_cp_init init;
	double tol;        /* default 1e-6 */
	int max_iter;      /* default 500 */
	int min_iter;      /* default 1 */
	int accel;         /* cp-als and ncp-hals: start each sweep from an
			    * extrapolated point, undoing any that does worse
			    * (default 1; 0 = plain sweeps) */
	const ll_tensor *mask; /* NULL = all observed; not owned */
	/* warm start (NULL: init says how to start); not owned.  Its shape
	 * and rank must match; non-negative for ncp-hals/ncp-bcd.  Each
	 * component's weight goes into the first mode not fixed. */
	const ll_ktensor *init_model;
	unsigned fixed_modes; /* bit n: mode n stays as init_model has it */
	double ridge;         /* >= 0; ncp methods only */
	double l1;            /* >= 0; ncp methods only */
	unsigned l1_modes;    /* the modes l1 applies to (0 = all); l1 on
			       * some modes only needs ridge > 0, or the
			       * penalised mode shrinks and the others grow
			       * without any zero appearing */
	ll_progress_fn progress; /* optional; called once per iteration */
	void *progress_ud;
	size_t rep_first;  /* the number (0-based) of the batch's first
			    * replicate in its ensemble, for messages only */
	/* Test seam (NULL in use): called before every factor update with
	 * the data term of that update (the MTTKRP, d x R, row-major) of
	 * replicate rep, so a test can corrupt a step and see the
	 * divergence caught. */
	void (*tamper)(void *ud, size_t rep, int iter, int mode, double *P, size_t d, size_t R);
	void *tamper_ud;
} ll_cp_opts;

void ll_cp_opts_default(ll_cp_opts *o);
const char *ll_cp_method_name(ll_cp_method m);    /* "cp-als", ... */
int ll_cp_method_parse(const char *s, ll_cp_method *m); /* LL_OK or LL_EINVAL */
/* A list of modes, 0-based, "0,2" (spaces allowed; "" or "none": no mode),
 * into bits (bit n = mode n).  LL_OK, or LL_EINVAL for anything else or a
 * mode >= LL_MAX_MODES. */
int ll_cp_modes_parse(const char *s, unsigned *bits);
/* The reverse, "0,2" ("none" for 0), into buf (len bytes); returns buf. */
const char *ll_cp_modes_str(unsigned bits, char *buf, size_t len);

typedef struct ll_cp_result {
	ll_ktensor K;     /* normalized: unit columns, weights in lambda, sorted
			   * by lambda (largest first), signs fixed; with fixed
			   * modes only the free modes are normalized and
			   * components keep the starting model's order and
			   * signs, so fixed factors come back byte for byte */
	uint64_t seed;    /* the seed this fit was started from */
	double obj;       /* final objective (the relative error) */
	double obj_pen;   /* what the fit minimised, scaled to compare fits:
			   * the penalised objective (= obj unregularised),
			   * or for cp-apr the deviance over the null
			   * (constant-mean) model's; fits are ranked by it */
	double deviance;  /* cp-apr: the Poisson deviance 2 sum_W (x log(x/m) -
			   * (x - m)) (0 for the other methods) */
	double penalty;   /* ridge/2 sum ||U_n||^2 + l1 sum ||U_n||_1 at the
			   * fit's own scaling (0 unregularised) */
	double *hist;     /* objective after each iteration (owned), iters long;
			   * the penalised one when regularised */
	int iters;
	int converged;    /* 1 if the tol rule stopped it, 0 if max_iter */
	double seconds;   /* wall time of this fit */
} ll_cp_result;

void ll_cp_result_free(ll_cp_result *r);

/* Validate X, mask and options against each other (shapes, rank, NaN-only
 * or Inf data, ...); every fit calls it first.  Messages name the problem
 * ("rank 40 exceeds ...", "mask shape 3x4 does not match data 3x5"). */
int ll_cp_check(const ll_tensor *X, const ll_cp_opts *o, ll_err *err);

/* Fit one model from seed into res (free it with ll_cp_result_free).  On
 * failure: *res is zeroed and holds nothing to free. */
int ll_cp_fit(const ll_tensor *X, const ll_cp_opts *o, uint64_t seed,
	      ll_cp_result *res, ll_err *err);

/* Fit nrep replicates of the same rank together, sharing every pass over X
 * (their factor columns are stacked into one MTTKRP).  res[i] is started
 * from seeds[i] and equals what ll_cp_fit gives for that seed up to
 * rounding.  A replicate that has converged stops updating.  On failure:
 * every res[i] is zeroed and holds nothing to free. */
int ll_cp_fit_batch(const ll_tensor *X, const ll_cp_opts *o, size_t nrep,
		    const uint64_t *seeds, ll_cp_result *res, ll_err *err);

#endif
