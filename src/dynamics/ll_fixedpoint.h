/*
 * ll_fixedpoint.h - fixed and slow points of a discrete-time map, their
 * linear stability, the graph their unstable manifolds draw, and a
 * distance between two such graphs (Sussillo & Barak 2013, "Opening the
 * black box"; Golub & Sussillo's fixed-point-finder).
 *
 * The map.  F: R^S -> R^S and its Jacobian, given as callbacks on double
 * vectors (an RNN's state update s' = F(s) at a fixed input, or any map).
 * With threads != 1 both are called from several threads at once, with the
 * same ud: they must only read it (or be made thread-safe by the caller).
 *
 * The search (ll_fp_find).  From each of the N initial states given,
 * minimise q(s) = 1/2 ||F(s) - s||^2 by Levenberg-Marquardt on the
 * residual r(s) = F(s) - s, whose Jacobian is J(s) - I (so the gradient of
 * q is (J - I)^T r): each iteration solves (A + lambda I) d = -g with
 * A = (J - I)^T (J - I), g = (J - I)^T r by Cholesky, accepts the step if q
 * falls and adapts lambda by the gain ratio (Madsen, Nielsen & Tingleff
 * 2004, "Methods for non-linear least squares problems", alg. 3.16;
 * lambda starts at 1e-3 max diag A).  A start stops after max_iters
 * iterations, when an accepted step lowers q by no more than tol_dq, when
 * q = 0 or the gradient vanishes, when the step is below rounding, or when
 * lambda exceeds 1e30 (no step lowers q).  Near a regular root the
 * convergence is quadratic, so fixed points come out at q ~ 1e-30.
 *
 * Every value F and J return during the search is checked: a NaN or Inf
 * ends that start, which is dropped and counted (n_nonfinite; the default,
 * LL_FP_NONFINITE_DROP) or fails the whole search with a one-line
 * LL_ENUMERIC error naming the first such start (LL_FP_NONFINITE_ERROR).
 * Initial states must be finite (LL_ENUMERIC otherwise).
 *
 * What is kept.  Ends with q < tol_q are fixed points, ends with
 * tol_q <= q < tol_q_slow are slow points; the rest are discarded and
 * counted (n_discarded).  Then, as fixed-point-finder does: ends farther
 * from the centroid of the initial states than outlier_scale times the
 * initial states' mean distance from it are dropped (n_outliers); ends
 * within tol_unique * scale of a kept end with lower q are duplicates
 * (n_duplicates; ends are visited by q ascending, so each cluster keeps its
 * lowest q and slow points near a fixed point fold into it).
 *
 * Lengths.  tol_unique, settle_tol and manifold_eps are relative to scale:
 * opts.scale if > 0, else the initial states' mean 2-norm distance from
 * their centroid (1 if that is 0), so they follow the size of the state
 * cloud.  result.scale records the value used.
 *
 * Stability.  At each kept point: the Jacobian (callback), its eigenvalues
 * and right eigenvectors (LAPACKE_dgeev, info checked), sorted by modulus
 * descending (a complex pair stays together, +imag first).  A direction is
 * unstable if |lambda| > 1 + unstable_margin (discrete time); the count
 * classifies the point: 0 stable (an attractor), 1 .. S-1 saddle, S
 * repeller (ll_fp_classify).
 *
 * Manifolds (opts.manifolds, on by default).  From each fixed point (not
 * slow) with at least one unstable direction, for each real unstable
 * eigenvector v (the real part for a complex pair, once per pair), two
 * trajectories s(0) = s* +- manifold_eps * scale * v are iterated under F
 * until they come within settle_tol * scale of a stable fixed point (they
 * have arrived), come to rest (|s(t+1) - s(t)| <= 1e-12 scale) away from
 * every known fixed point, leave (a NaN/Inf, or 1e8 scale from s*), or
 * manifold_steps pass (a trace resting on a saddle goes on: a perturbation
 * may still grow).  Each is an edge from the saddle to the fixed point
 * within settle_tol * scale of where it ended (stable or not: a trace can
 * stay on a saddle inside an exactly invariant subspace), or to
 * LL_FP_NONE.  Edges to stable points make the map's fixed-point graph.
 *
 * Determinism.  The search draws no random numbers (ll_fp_sample_starts
 * does, from its seed).  Starts run in parallel under OpenMP (threads), each
 * with the same arithmetic whatever thread runs it (OpenBLAS set to one
 * thread meanwhile), into fixed slots; the post-processing is serial.  So a
 * result is bitwise the same for any thread count.  Kept points are ordered
 * fixed before slow, then by unstable count, then by coordinates
 * (lexicographic, on a grid of tol_unique * scale first so that a
 * coordinate of +-1e-23 orders as 0).
 *
 * Ownership: ll_fp_result is caller-owned; ll_fp_find fills it and
 * ll_fp_result_free releases every array (a no-op on a zeroed or freed
 * result).  No global state.
 */
#ifndef LL_FIXEDPOINT_H
#define LL_FIXEDPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"

/* out = F(s) (S values), or out = dF/ds at s (S x S row-major,
 * out[i * S + j] = dF_i / ds_j). */
typedef void (*ll_fp_fn)(void *ud, const double *s, double *out);

typedef struct ll_fp_map {
	size_t dim;  /* S >= 1 */
	ll_fp_fn F;  /* the map */
	ll_fp_fn J;  /* its Jacobian */
	void *ud;    /* passed to both (borrowed) */
} ll_fp_map;

typedef enum ll_fp_kind { LL_FP_FIXED = 0, LL_FP_SLOW = 1 } ll_fp_kind;
typedef enum ll_fp_nonfinite { LL_FP_NONFINITE_DROP = 0, LL_FP_NONFINITE_ERROR = 1 } ll_fp_nonfinite;

#define LL_FP_CLASSES(X) X(LL_FP_STABLE, "stable") X(LL_FP_SADDLE, "saddle") X(LL_FP_REPELLER, "repeller")
typedef enum ll_fp_class { LL_FP_CLASSES(LL_ENUM_ID) } ll_fp_class;

/* an edge to nowhere */
#define LL_FP_NONE SIZE_MAX

typedef struct ll_fp_opts {
	double tol_q;          /* fixed point: q < tol_q (1e-12, fixed-point-finder's tol_q) */
	double tol_q_slow;     /* slow point: q < tol_q_slow (1e-6), >= tol_q */
	double tol_dq;         /* stop when an accepted step lowers q by <= tol_dq (1e-20) */
	size_t max_iters;      /* LM iterations per start (200) */
	double tol_unique;     /* duplicates: distance <= tol_unique * scale (1e-3) */
	double outlier_scale;  /* drop ends this many mean init distances from the init centroid (10); 0 keeps all */
	double scale;          /* lengths' unit; 0: from the initial states (see above) */
	double unstable_margin; /* unstable: |lambda| > 1 + margin (1e-9) */
	ll_fp_nonfinite on_nonfinite; /* drop the start and count it (default) or fail */
	int manifolds;         /* trace the unstable manifolds (1) */
	double manifold_eps;   /* first offset along v, times scale (1e-3) */
	double settle_tol;     /* arrival radius, times scale (1e-3) */
	size_t manifold_steps; /* most map iterations per trajectory (10000) */
	int threads;           /* OpenMP threads; <= 0: OpenMP's default */
	ll_progress_fn progress; /* optional: stage "fixed points" then "manifolds", frac 0..1 */
	void *progress_ud;
} ll_fp_opts;

typedef struct ll_fp_edge {
	size_t from;  /* a point with >= 1 unstable direction */
	size_t to;    /* the fixed point it settled at, or LL_FP_NONE */
	size_t eig;   /* the unstable eigenvalue's index among from's (sorted) */
	int sign;     /* +1 or -1: the side of s* it started on */
	size_t steps; /* map iterations taken */
} ll_fp_edge;

typedef struct ll_fp_result {
	size_t dim;          /* S */
	size_t n;            /* points kept: n_fixed + n_slow */
	size_t n_fixed, n_slow;
	double *points;      /* n x S (owned) */
	double *q;           /* n (owned) */
	ll_fp_kind *kind;    /* n (owned) */
	size_t *n_unstable;  /* n: eigenvalues with |lambda| > 1 + margin (owned) */
	double *eig;         /* n x S x 2: (re, im) by modulus descending (owned) */
	double *evec;        /* n x S x S: column j of point p's block is eigenvector j, real
			      * storage as dgeev's (pair j, j+1: columns re, im) (owned) */
	double *jac;         /* n x S x S: J at the point, row-major (owned) */
	size_t *start;       /* n: the initial state each point came from (owned) */
	ll_fp_edge *edges;   /* n_edges, by from, eigenvalue, sign + then - (owned; NULL if none) */
	size_t n_edges;
	/* per initial state */
	size_t n_starts;
	double *start_q;     /* n_starts: q at the end (NaN: went non-finite) (owned) */
	size_t *start_iters; /* n_starts: LM iterations (owned) */
	/* what became of the starts: n_starts = n + n_discarded + n_outliers
	 * + n_duplicates + n_nonfinite */
	size_t n_discarded, n_outliers, n_duplicates, n_nonfinite;
	size_t n_map_evals, n_jac_evals; /* callback calls of the search */
	size_t n_manifold_evals;         /* map calls of the manifold traces */
	double scale;        /* the unit of lengths used */
	double init_spread;  /* mean distance of the initial states from their centroid */
} ll_fp_result;

/* tol_q 1e-12, tol_q_slow 1e-6, tol_dq 1e-20, max_iters 200, tol_unique
 * 1e-3, outlier_scale 10, scale 0 (from the starts), unstable_margin 1e-9,
 * drop non-finite starts, manifolds on, manifold_eps 1e-3, settle_tol
 * 1e-3, manifold_steps 10000, threads 0, no progress. */
void ll_fp_opts_default(ll_fp_opts *o);

/* Search from n initial states (starts: n x S row-major, finite), keep,
 * de-duplicate and classify the points, trace the manifolds.  o may be
 * NULL (defaults).  LL_ESHAPE for S = 0, LL_EINVAL for n = 0 or bad
 * options, LL_ENUMERIC for a non-finite start (or map value, see above),
 * LL_ELAPACK / LL_ENUMERIC if dgeev fails, LL_ECANCELED if progress asks
 * to stop.  On failure: *r is zeroed and holds nothing to free. */
int ll_fp_find(const ll_fp_map *map, const double *starts, size_t n, const ll_fp_opts *o,
	       ll_fp_result *r, ll_err *err);
void ll_fp_result_free(ll_fp_result *r);

/* n initial states sampled from a trajectory array: rows of states
 * (n_states x S row-major, e.g. B x T states flattened), drawn uniformly
 * with replacement from seed, plus independent N(0, noise_sd^2) noise on
 * every coordinate; out is n x S.  LL_ENUMERIC if a drawn row has a
 * NaN/Inf, LL_EINVAL for n_states = 0, S = 0 or noise_sd < 0.  The _f form
 * reads float32 states (an RNN's logged hidden states). */
int ll_fp_sample_starts(const double *states, size_t n_states, size_t dim, size_t n,
			double noise_sd, uint64_t seed, double *out, ll_err *err);
int ll_fp_sample_starts_f(const float *states, size_t n_states, size_t dim, size_t n,
			  double noise_sd, uint64_t seed, double *out, ll_err *err);

/* stable (0 unstable directions), saddle (1 .. dim-1), repeller (dim) */
ll_fp_class ll_fp_classify(size_t n_unstable, size_t dim);
const char *ll_fp_class_name(ll_fp_class c); /* "stable", "saddle", "repeller" */

/* counts[k], k = 0 .. r->dim: fixed points (slow points not counted) with
 * k unstable directions.  counts has r->dim + 1 entries. */
void ll_fp_counts(const ll_fp_result *r, size_t *counts);

/* Distance between two fixed-point graphs, our own choice (the
 * universality paper's exact distance is not public): the sum of three
 * L1 distances between histograms, each a count of fixed points (slow
 * points ignored):
 *   counts      by number of unstable directions (ll_fp_counts);
 *   out_degree  saddles (>= 1 unstable direction) by the number of distinct
 *               stable points their manifold trajectories reach;
 *   in_degree   stable points by the number of distinct saddles reaching them.
 * 0 for the same graph, symmetric, a pseudometric (different graphs can
 * share histograms); the two maps may have different S.  Edges come from
 * ll_fp_find with manifolds on; without edges every saddle has degree 0.
 * On failure (NULL argument, out of memory): *d is zeroed. */
typedef struct ll_fp_graph_dist {
	double total;      /* counts + out_degree + in_degree */
	double counts, out_degree, in_degree;
} ll_fp_graph_dist;
int ll_fp_graph_distance(const ll_fp_result *a, const ll_fp_result *b, ll_fp_graph_dist *d,
			 ll_err *err);

#endif
