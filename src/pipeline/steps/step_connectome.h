/*
 * step_connectome.h - the connectome step's results (s->res.connectome):
 * what the chosen TCA model of a functional-connectome tensor ([tensor]
 * of = connectome) says -- per component, its community of neurons, when
 * it is active, and whether its two neuron factors agree.
 */
#ifndef LL_STEP_CONNECTOME_H
#define LL_STEP_CONNECTOME_H

#include "pipeline/ll_session.h"
#include "tensor/ll_connectome.h"

struct ll_res_connectome {
	ll_conn_summary sum;  /* of the chosen rank's best fit, in its component order */
	size_t rank;
	size_t window, step;  /* window w covers samples [w step, w step + window) */
	double *lambda;       /* rank component weights (owned) */
};

#endif
