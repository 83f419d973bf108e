/*
 * ll_compare.h - compare representations: the metric registry, one pair
 * with p-values and confidence intervals, and all pairs of many systems.
 *
 * This is the entry point for the pipeline, the report and the CLI; the
 * family headers (ll_cka.h, ll_cca.h, ll_rsa.h, ll_shape.h, ll_match.h)
 * state each measure's exact definition, and ll_mds.h embeds a matrix of
 * them.
 *
 * A "system" is an activation matrix: n conditions (rows) x p units
 * (columns), row-major doubles.  Two systems are compared over the same n
 * conditions in the same order; their widths may differ.
 *
 * Inputs are checked once here, for every metric, with one-line errors
 * naming the input (opts.name_x / name_y, or the system's name):
 *   different n                      LL_ESHAPE
 *   n < 3 (n < 4 with cka-debiased)  LL_ESHAPE
 *   NaN or Inf                       LL_ENUMERIC, naming row and column
 *   a constant unit (column)         LL_ENUMERIC, naming it; or, with
 *                                    opts.drop_constant, the unit is left
 *                                    out (counted in dropped_x/y) and only
 *                                    an input with no unit left is an error
 * A metric never returns NaN silently: it fails with a message instead,
 * and a NaN p-value or interval comes with a note saying why.
 *
 * The registry.  LL_METRICS(X) lists every metric once, as
 *   X(ID, "name", kind, invariances, compute function, "description")
 * The name is the command-line spelling and the key in `compare --json`.
 * kind is LL_SIMILARITY (higher = more alike; X vs X gives 1) or
 * LL_DISTANCE (X vs X gives 0).  invariances are the LL_INV_* flags at
 * the default options: the value does not change when either input is
 * transformed that way (ll_metric_invariances gives them for other
 * options, e.g. alpha = 0 or --rdm euclidean).  For MDS and clustering
 * a similarity becomes a dissimilarity by ll_metric_to_distance:
 * arccos(s) for the CKAs (a CKA is the cosine of an angle between centred
 * Gram matrices; netrep and the similarity repository do the same),
 * 1 - s for the others (the "SVCCA distance" of Maheswaranathan et al.
 * 2019).
 */
#ifndef LL_COMPARE_H
#define LL_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"
#include "similarity/ll_rsa.h"

/* What a metric ignores: X(FLAG, bit, "name") */
#define LL_INVARIANCES(X)                                                                \
	X(LL_INV_ROTATION, 0x01u, "rotation")       /* X -> X Q, Q orthogonal p x p */  \
	X(LL_INV_SCALE, 0x02u, "isotropic scaling") /* X -> c X, c > 0 */               \
	X(LL_INV_LINEAR, 0x04u, "invertible linear maps") /* X -> X A, A invertible */  \
	X(LL_INV_PERMUTATION, 0x08u, "permutation of units")                            \
	X(LL_INV_TRANSLATION, 0x10u, "translation")  /* X -> X + 1 b^T, every condition moved alike */
#define LL_INV_ENUM_(id, bit, name) id = bit,
enum { LL_INVARIANCES(LL_INV_ENUM_) };
#undef LL_INV_ENUM_

typedef enum ll_metric_kind { LL_SIMILARITY = 0, LL_DISTANCE = 1 } ll_metric_kind;

typedef struct ll_compare_opts ll_compare_opts;

/* The compute function of a metric: the value for one validated pair. */
typedef int (*ll_metric_fn)(const double *X, size_t n, size_t p, const double *Y, size_t q,
			    const ll_compare_opts *o, double *value, ll_err *err);

#define LL_INV_RSPT_ (LL_INV_ROTATION | LL_INV_SCALE | LL_INV_PERMUTATION | LL_INV_TRANSLATION)
#define LL_METRICS(X)                                                                              \
	X(LL_M_CKA, "cka", LL_SIMILARITY, LL_INV_RSPT_, ll_metric_cka,                              \
	  "linear CKA (Kornblith et al. 2019)")                                                     \
	X(LL_M_CKA_RBF, "cka-rbf", LL_SIMILARITY, LL_INV_RSPT_, ll_metric_cka_rbf,                  \
	  "RBF-kernel CKA, sigma = a fraction of the median distance")                             \
	X(LL_M_CKA_DEBIASED, "cka-debiased", LL_SIMILARITY, LL_INV_RSPT_, ll_metric_cka_debiased,   \
	  "linear CKA with the unbiased HSIC")                                                      \
	X(LL_M_CCA, "cca", LL_SIMILARITY, LL_INV_RSPT_ | LL_INV_LINEAR, ll_metric_cca,             \
	  "mean canonical correlation")                                                             \
	X(LL_M_SVCCA, "svcca", LL_SIMILARITY, LL_INV_RSPT_, ll_metric_svcca,                        \
	  "mean canonical correlation of the top SVD directions (Raghu et al. 2017)")               \
	X(LL_M_PWCCA, "pwcca", LL_SIMILARITY,                                                       \
	  LL_INV_SCALE | LL_INV_PERMUTATION | LL_INV_TRANSLATION, ll_metric_pwcca,                  \
	  "projection-weighted CCA (Morcos et al. 2018)")                                           \
	X(LL_M_RSA, "rsa", LL_SIMILARITY, LL_INV_SCALE | LL_INV_PERMUTATION, ll_metric_rsa,         \
	  "correlation of the RDMs' upper triangles")                                              \
	X(LL_M_PROCRUSTES, "procrustes", LL_DISTANCE,                                               \
	  LL_INV_ROTATION | LL_INV_PERMUTATION | LL_INV_TRANSLATION, ll_metric_procrustes,          \
	  "Procrustes (Euclidean shape) distance, partial whitening alpha")                          \
	X(LL_M_ANGULAR, "angular", LL_DISTANCE, LL_INV_RSPT_, ll_metric_angular,                    \
	  "angular shape distance (radians), partial whitening alpha")                               \
	X(LL_M_MATCH, "match", LL_SIMILARITY,                                                       \
	  LL_INV_SCALE | LL_INV_PERMUTATION | LL_INV_TRANSLATION, ll_metric_match,                  \
	  "mean correlation of one-to-one matched units (Hungarian)")

#define LL_METRIC_ENUM_(id, name, kind, inv, fn, desc) id,
typedef enum ll_metric { LL_METRICS(LL_METRIC_ENUM_) LL_NMETRICS } ll_metric;
#undef LL_METRIC_ENUM_
#define LL_METRIC_DECL_(id, name, kind, inv, fn, desc)                                           \
	int fn(const double *X, size_t n, size_t p, const double *Y, size_t q,                     \
	       const ll_compare_opts *o, double *value, ll_err *err);
LL_METRICS(LL_METRIC_DECL_)
#undef LL_METRIC_DECL_

#define LL_METRIC_BIT(m) (1u << (unsigned)(m))
#define LL_METRICS_ALL ((1u << LL_NMETRICS) - 1u)

const char *ll_metric_name(ll_metric m);
const char *ll_metric_describe(ll_metric m);
ll_metric_kind ll_metric_kind_of(ll_metric m);
ll_metric_fn ll_metric_compute_fn(ll_metric m);
/* The invariance flags of m under options o (NULL: the defaults). */
unsigned ll_metric_invariances(ll_metric m, const ll_compare_opts *o);
/* "rotation", ... for one LL_INV_* flag; NULL for anything else. */
const char *ll_invariance_name(unsigned flag);
/* A metric by name (ll_name_lookup rules), or -1. */
int ll_metric_parse(const char *s);
/* "cka,rsa,match" or "all" into a set of LL_METRIC_BITs.  LL_EINVAL
 * naming an unknown or repeated name, or an empty list. */
int ll_metric_parse_list(const char *list, unsigned *set, ll_err *err);
/* A value of m as a dissimilarity (>= 0, 0 for X vs X): see above. */
double ll_metric_to_distance(ll_metric m, double value);

/* Options; ll_compare_opts_default sets every default. */
struct ll_compare_opts {
	double alpha;         /* shape metrics' partial whitening, [0, 1] (1) */
	double svcca_keep;    /* SVCCA: fraction of variance kept, (0, 1] (0.99) */
	size_t svcca_k;       /* SVCCA: > 0 keeps exactly this many directions (0) */
	ll_rdm_kind rdm;      /* RSA's RDM (correlation) */
	ll_rsa_by rsa_by;     /* RSA's comparison (spearman) */
	double rbf_frac;      /* cka-rbf: sigma / median distance (0.5) */
	size_t permutations;  /* permutation test over conditions: 0 = none (0) */
	size_t bootstrap;     /* bootstrap resamples of conditions: 0 = none (0) */
	double ci_level;      /* bootstrap interval level (0.95) */
	uint64_t seed;        /* permutations and resamples (0) */
	int drop_constant;    /* leave constant units out instead of failing (0) */
	const char *name_x;   /* the inputs' names in messages ("X", "Y") */
	const char *name_y;
};
void ll_compare_opts_default(ll_compare_opts *o);
/* LL_EINVAL naming the first option out of range. */
int ll_compare_opts_check(const ll_compare_opts *o, ll_err *err);

#define LL_COMPARE_NOTE_MAX 200

typedef struct ll_metric_value {
	double value;        /* the metric */
	double pvalue;       /* with permutations: (1 + #{perm >= value}) / (1 + N)
			      * for a similarity (<= for a distance); else NaN */
	size_t nperm;
	double ci_lo, ci_hi; /* with bootstrap: percentile interval at ci_level
			      * (linear interpolation, NumPy's default); else NaN.
			      * Resampling repeats conditions, which biases some
			      * measures (CKA rises with duplicated rows): the
			      * interval need not be centred on value */
	size_t nboot;        /* resamples that gave a value */
	size_t boot_failed;  /* resamples where the metric was undefined (e.g. a
			      * unit constant in the resample); left out */
	char note[LL_COMPARE_NOTE_MAX]; /* why ci is NaN though asked, else "" */
} ll_metric_value;

typedef struct ll_compare_result {
	unsigned metrics;                /* the set computed */
	ll_metric_value v[LL_NMETRICS];  /* v[m] valid when metrics has bit m */
	size_t n, p, q;                  /* the pair compared (after dropping) */
	size_t dropped_x, dropped_y;     /* constant units left out */
	size_t svcca_kx, svcca_ky;       /* SVCCA directions kept, when computed */
} ll_compare_result;

/* Compare X (nx x p) with Y (ny x q) by every metric in `metrics`, with
 * p-values and intervals when o asks.  o may be NULL (defaults).
 * progress (may be NULL) is called between metrics and resamples; a
 * non-zero return cancels (LL_ECANCELED).  Permutations and resamples
 * draw from ll_seed_derive(o->seed, metric, 1 or 2), so a metric's
 * p-value does not depend on which other metrics are asked for.  On
 * failure: *res is zeroed (values NaN), err names the input or the
 * metric. */
int ll_compare_pair(const double *X, size_t nx, size_t p, const double *Y, size_t ny, size_t q,
		    unsigned metrics, const ll_compare_opts *o, ll_compare_result *res,
		    ll_progress_fn progress, void *ud, ll_err *err);

/* One system for ll_compare_all. */
typedef struct ll_system {
	const char *name;   /* in messages (may be NULL: "system K") */
	const double *data; /* n x p, row-major (not owned) */
	size_t n, p;
} ll_system;

/* All pairs of nsys systems by metric m: M[a * nsys + b] (nsys x nsys,
 * symmetric; the diagonal is exactly 1 for a similarity, 0 for a
 * distance).  Every system is checked as above first.  cka and
 * cka-debiased go through ll_cka_allpairs (every system centred once, one
 * DSYRK per block); the others compute pair by pair, in parallel with
 * OpenMP (OpenBLAS set to one thread meanwhile).  Ignores
 * permutations and bootstrap.  progress as above (called from this
 * thread only).  On failure M is NaN. */
int ll_compare_all(const ll_system *sys, size_t nsys, ll_metric m, const ll_compare_opts *o,
		   double *M, ll_progress_fn progress, void *ud, ll_err *err);

/* M (nsys x nsys values of m) as dissimilarities into D (may be M). */
void ll_compare_dissimilarity(ll_metric m, const double *M, size_t nsys, double *D);

/* How well n systems' groups (group[i]: system i's) stand apart in D (n x n
 * dissimilarities; the upper triangle is read): the mean distance between
 * systems of different groups over the mean within a group.  Pairs whose
 * distance is not finite are left out.  NaN with no pair across groups, no
 * pair within one, or no distance within. */
double ll_compare_separation(const double *D, size_t n, const size_t *group);

#endif
