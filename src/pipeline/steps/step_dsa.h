/*
 * step_dsa.h - the dsa step's results (s->res.dsa): Dynamical Similarity
 * Analysis (src/dynamics/ll_dsa.h) between every pair of a session's
 * systems, beside a geometry metric on the same states.
 *
 * The systems, as trials x time x units:
 *   source = rnn    each network of the rnn step: its states on the probe
 *                   set (probes x T x H; an LSTM's h, not c)
 *   source = train  each MLP of the train step over training: the ten
 *                   digit means' hidden activity at every snapshot
 *                   (digits x snapshots x units): the training path as a
 *                   dynamical system in time = snapshots
 * and, with `with = FILE`, a recorded population as one more system, the
 * last (trials x time x units, or as with_layout says).
 *
 * Matrices are n x n, row-major, symmetric, zero diagonal; owned by the
 * result like every pointer here.
 */
#ifndef LL_STEP_DSA_H
#define LL_STEP_DSA_H

#include "dynamics/ll_dsa.h"
#include "pipeline/ll_session.h"
#include "similarity/ll_compare.h"
#include "similarity/ll_mds.h"

#define LL_DSA_SOURCES(X) X(LL_DSA_SRC_AUTO, "auto") X(LL_DSA_SRC_RNN, "rnn") X(LL_DSA_SRC_TRAIN, "train")
typedef enum ll_dsa_source { LL_DSA_SOURCES(LL_ENUM_ID) } ll_dsa_source;

struct ll_res_dsa {
	ll_dsa_source source;       /* LL_DSA_SRC_RNN or LL_DSA_SRC_TRAIN (never AUTO) */
	size_t n;                   /* systems: models, then the recording if any */
	size_t models;              /* the session's networks */
	int has_recording;          /* 1: system n - 1 is the recorded population */
	char *recording;            /* its path as given, or NULL (owned) */
	char **name;                /* n short labels ("gru #3", "lr 0.03 #2", "recorded") */
	size_t *trials, *T, *units; /* n: each system's shape */
	/* groups for colouring and the separation ratio: the networks' cells
	 * (rnn) or learning rates (train); the recording its own group, last */
	size_t ngroups;
	size_t *group;              /* n: index into group_name */
	char **group_name;          /* ngroups */
	/* DMD of each system at one rank (a fixed one, or the largest a system
	 * needs to explain `explained_variance`, capped by the smallest
	 * embedding) */
	ll_dsa_dmd_opts dmd_opts;   /* as used: delays, interval, rank, lambda */
	ll_dsa_opts opts;           /* as used: restarts, max_iters, seed */
	size_t rank;
	ll_dsa_dmd *dmd;            /* n fits: A and its eigenvalues */
	double *dsa;                /* angular DSA distance (radians) */
	double *wass;               /* eigenvalue W2^2 */
	/* geometry: the metric on the states flattened to (trials * time) x
	 * units, as a dissimilarity; NaN for pairs with different
	 * trials * time (a recording whose conditions differ) */
	ll_metric geometry_metric;
	double *geometry;
	/* MDS of each (n x 2; the geometry map over the systems it covers
	 * fully, the others NaN); coords NULL below 3 systems */
	ll_mds_result mds_dsa, mds_geometry;
	/* mean distance between groups over the mean within a group (NaN
	 * with one group or only singleton groups); dsa, geometry */
	double sep_dsa, sep_geometry;
	double seconds;
};

/* Pair (a, b) of one of r's matrices. */
static inline double ll_res_dsa_at(const struct ll_res_dsa *r, const double *M, size_t a, size_t b)
{
	return M[a * r->n + b];
}

#endif
