/*
 * step_tensor.h - the tensor step's results (s->res.tensor): the tensor
 * every analysis reads, with missing entries as NaN and units normalised.
 */
#ifndef LL_STEP_TENSOR_H
#define LL_STEP_TENSOR_H

#include "pipeline/ll_session.h"
#include "tensor/ll_connectome.h"
#include "tensor/ll_tensor.h"

/* What [tensor] of = ... builds the tensor from (one row each; the step's
 * table of builders follows this order):
 *   activity  the data's array, or the activity logged in training (MNIST,
 *             RNNs): models x digits x units x snapshots for MNIST
 *   readout   MNIST: each hidden unit's weight onto each digit over
 *             training, models x digits x units x snapshots
 *   input     MNIST: each hidden unit's weight from each pixel over
 *             training, models x units x pixels x snapshots */
#define LL_TENSOR_OF(X)                                                                            \
	X(LL_TENSOR_OF_ACTIVITY, "activity") X(LL_TENSOR_OF_READOUT, "readout")                   \
	X(LL_TENSOR_OF_INPUT, "input") X(LL_TENSOR_OF_CONNECTOME, "connectome")
typedef enum ll_tensor_of { LL_TENSOR_OF(LL_ENUM_ID) } ll_tensor_of;

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
