/*
 * step_tensor.h - the tensor step's results (s->res.tensor): the tensor
 * every analysis reads, with missing entries as NaN and units normalised.
 */
#ifndef LL_STEP_TENSOR_H
#define LL_STEP_TENSOR_H

#include "pipeline/ll_session.h"
#include "tensor/ll_connectome.h"
#include "tensor/ll_tensor.h"

struct ll_res_tensor {
	ll_tensor X;                      /* NaN = missing (or masked) */
	ll_mode_info modes[LL_MAX_MODES]; /* X's modes */
	double x_min, x_max;              /* over the entries present */
	size_t n_missing;
	ll_conn_stats conn;               /* of = connectome: pairs, clipped, constant */
};

/* The mode of kind `kind` (the first), or -1. */
int ll_res_tensor_mode(const struct ll_res_tensor *t, ll_mode_kind kind);

#endif
