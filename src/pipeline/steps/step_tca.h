/*
 * step_tca.h - the tca step's results (s->res.tca): the rank x replicate
 * ensemble and the rank chosen to show.
 */
#ifndef LL_STEP_TCA_H
#define LL_STEP_TCA_H

#include "pipeline/ll_session.h"
#include "tensor/ll_ens.h"

struct ll_res_tca {
	ll_ensemble ens;
	size_t chosen_rank;
	char rank_reason[320];      /* why that rank, one sentence */
	ll_ktensor init;            /* the warm start's model (zeroed without) */
};

#endif
