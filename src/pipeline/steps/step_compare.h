/*
 * step_compare.h - the compare step's results (s->res.compare): how alike
 * the trained models' hidden layers are, pair by pair, over training, and
 * against a recorded population.
 *
 * A "system" is one model's hidden layer at one snapshot, as a matrix of
 * conditions x units: the ten digit means (conditions = classes) or every
 * logged probe image (conditions = probe, from [train] probe_activity).
 * Matrices are row-major doubles, owned by the result.
 */
#ifndef LL_STEP_COMPARE_H
#define LL_STEP_COMPARE_H

#include "pipeline/ll_session.h"
#include "similarity/ll_compare.h"
#include "similarity/ll_mds.h"

#define LL_COMPARE_CONDITIONS(X) X(LL_CMP_CLASSES, "classes") X(LL_CMP_PROBE, "probe")
typedef enum ll_cmp_conditions { LL_COMPARE_CONDITIONS(LL_ENUM_ID) } ll_cmp_conditions;

/* The model-vs-population comparison ([compare] with = FILE). */
typedef struct ll_cmp_population {
	char *path;                 /* the population file as given (owned) */
	char *labels_path;          /* where its labels came from, or NULL: rows in order (owned) */
	size_t rows, units;         /* as read, after the layout rule */
	size_t n;                   /* conditions compared (matched by label) */
	size_t nlabels;             /* labels the two share */
	int *labels;                /* nlabels shared labels, ascending (owned) */
	ll_compare_result *score;   /* models: every metric at the last snapshot, with
				     * p-values and intervals (owned) */
	double *over;               /* models x snapshots: the tracked metric (owned) */
	unsigned skipped;           /* LL_METRIC_BITs not scored: CCA, SVCCA and PWCCA
				     * when n <= units + 1 on either side (every
				     * canonical correlation is then 1) */
} ll_cmp_population;

struct ll_res_compare {
	size_t models, snapshots;
	int *step;                  /* snapshots: training step of each (owned) */
	ll_cmp_conditions conditions;
	size_t n;                   /* conditions in each system */
	size_t units;               /* hidden units of each system */
	unsigned metrics;           /* LL_METRIC_BITs computed at the last snapshot */
	/* metrics at the last snapshot: final[m] is models x models (symmetric;
	 * diagonal 1 for a similarity, 0 for a distance), NULL for a metric not
	 * in `metrics` (owned) */
	double *final[LL_NMETRICS];
	/* one metric over training */
	ll_metric track;
	double *over;               /* models x models x snapshots, [(a * M + b) * S + j] (owned) */
	double *self;               /* models x snapshots: model vs its own snapshot 0 (owned) */
	double *pair_mean;          /* snapshots: mean over the M (M - 1) / 2 pairs (owned) */
	double *pair_lo, *pair_hi;  /* snapshots: 10th and 90th percentile over pairs (owned) */
	/* first snapshot from which the pair mean stays within 10% of its range
	 * (highest minus lowest over snapshots) of its final value; a range, not
	 * first-to-last change, so a dip and recovery does not hide when the
	 * pairs settled (-1: one snapshot, or no change) */
	int converged;
	/* the systems at the last snapshot drawn in 2-D: classical/metric MDS
	 * of final[mds_metric] as a dissimilarity (ll_metric_to_distance) */
	ll_metric mds_metric;
	ll_mds_result mds;          /* models x 2 (owned) */
	/* groups for colouring: the models' learning rates */
	size_t ngroups;
	size_t *group;              /* models: index into group_lr (owned) */
	double *group_lr;           /* ngroups learning rates (owned) */
	ll_compare_opts opts;       /* the options used (name fields NULL) */
	size_t dropped_units;       /* constant units left out, summed over systems
				     * at the last snapshot */
	int has_population;
	ll_cmp_population pop;
};

/* Pair (a, b) of the tracked metric at snapshot j. */
static inline double ll_res_compare_over(const struct ll_res_compare *r, size_t a, size_t b, size_t j)
{
	return r->over[(a * r->models + b) * r->snapshots + j];
}

#endif
