/*
 * step_traj.h - the trajectory step's results (s->res.traj): 3-D paths.
 */
#ifndef LL_STEP_TRAJ_H
#define LL_STEP_TRAJ_H

#include "pca/ll_traj.h"
#include "pipeline/ll_session.h"

struct ll_res_traj {
	ll_traj_set ts;
};

#endif
