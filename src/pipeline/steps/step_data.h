/*
 * step_data.h - the data step's results (s->res.data).
 */
#ifndef LL_STEP_DATA_H
#define LL_STEP_DATA_H

#include "io/ll_mnist.h"
#include "pipeline/ll_session.h"
#include "tensor/ll_ktensor.h"
#include "tensor/ll_tensor.h"

/* MNIST image sets, held between the data and train steps. */
typedef struct ll_mnist_data {
	ll_mnist train, test, probe;
	char dir[1024];
} ll_mnist_data;
void ll_mnist_data_free(ll_mnist_data *md); /* NULL is fine */

struct ll_res_data {
	ll_tensor X;                     /* the array read or simulated (size 0 for MNIST) */
	ll_mode_info modes[LL_MAX_MODES];/* X's modes; the last one's labels are the
					  * per-trial conditions, if any */
	ll_tensor mask;                  /* 0/1, 1 = observed (size 0 if none) */
	ll_ktensor truth;                /* simulated: the planted model (rank 0 otherwise) */
	ll_mnist_data *mnist;            /* kind = mnist: the image sets (owned) */
};

#endif
