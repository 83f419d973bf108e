/*
 * step_dynamics.h - the dynamics step's results (s->res.dynamics): every
 * network's fixed points with their stability and manifold graph, and
 * the networks compared by geometry (CCA family on the probe
 * trajectories) and by topology (the fixed-point graph distance),
 * each drawn by MDS; for the sine task, the linearisation's oscillation
 * frequency against the input level.
 */
#ifndef LL_STEP_DYNAMICS_H
#define LL_STEP_DYNAMICS_H

#include "dynamics/ll_fixedpoint.h"
#include "pipeline/ll_session.h"
#include "similarity/ll_compare.h"
#include "similarity/ll_mds.h"

struct ll_res_dynamics {
	size_t nets;
	ll_fp_result *fp;           /* nets: fixed points at the input u* (owned) */
	double *input;              /* u*, n_in values (owned) */
	size_t n_in;
	/* counts: nets x (maxS + 1), fixed points by unstable directions */
	size_t maxS;
	size_t *counts;             /* (owned) */
	/* geometry: 1 - similarity (or the distance) of the probe
	 * trajectories by `metric`; topology: ll_fp_graph_distance total;
	 * nets x nets each (owned) */
	ll_metric metric;
	double *geometry, *topology;
	ll_mds_result mds_geometry, mds_topology; /* nets x 2 (owned) */
	/* how well each distance separates the architectures: mean distance
	 * between networks of different cells over the mean within a cell
	 * (NaN with one cell or singleton cells) */
	double sep_geometry, sep_topology;
	/* sine: for each of nlevels input levels, each network's oscillation
	 * frequency (the argument of the Jacobian's leading complex pair at the
	 * fixed point there; NaN if none) and the task's frequency there */
	size_t nlevels;
	double *level, *omega_task; /* nlevels (owned) */
	double *omega_fp;           /* nets x nlevels (owned) */
	double seconds;
};

#endif
