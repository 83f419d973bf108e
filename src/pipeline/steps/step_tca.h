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

/* "digit 7 (0.91), 9 (0.40); neuron 21, 5, 33; peak step 60": what
 * component c of K loads on, mode by mode (tensor/ll_loads.h): unit modes
 * their top units, time modes their peak (the training step for MNIST
 * snapshots), trial, model and class modes their top entries or, with
 * labels, classes ("condition 1 (0.30)") with values; a flat factor says
 * "trial flat".  The modes are s->res.tensor's (K must have its shape).
 * Into buf (cut to n); returns LL_OK, or LL_ENOMEM / LL_EINVAL. */
int ll_tca_loads_text(const ll_session *s, const ll_ktensor *K, size_t c, char *buf, size_t n, ll_err *err);

#endif
