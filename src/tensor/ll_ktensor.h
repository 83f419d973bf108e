/*
 * ll_ktensor.h - Kruskal tensors: the CP model sum_r lambda_r a_r o b_r o ...
 *
 * U[n] is dim[n] x rank, row-major (component r is column r), as SPLATT.
 * A ktensor owns lambda and every U[n].
 */
#ifndef LL_KTENSOR_H
#define LL_KTENSOR_H

#include "base/ll_common.h"
#include "tensor/ll_tensor.h"

typedef struct ll_ktensor {
	int nmodes;
	size_t dim[LL_MAX_MODES];
	size_t rank;
	double *lambda;           /* rank weights (owned) */
	double *U[LL_MAX_MODES];  /* factor matrices (owned) */
} ll_ktensor;

/* Allocate; lambda = 1, factors zero.  On failure: *k is zeroed and holds
 * nothing to free. */
int ll_ktensor_init(ll_ktensor *k, int nmodes, const size_t *dim, size_t rank, ll_err *err);
void ll_ktensor_free(ll_ktensor *k);
/* A new model equal to src.  On failure: *dst is zeroed. */
int ll_ktensor_copy(ll_ktensor *dst, const ll_ktensor *src, ll_err *err);
/* Scale every column to unit 2-norm, multiplying lambda by the norms.
 * A zero column leaves lambda_r = 0 and the column zero. */
void ll_ktensor_normalize(ll_ktensor *k);
/* Sort components by lambda, largest first (Tensor Toolbox "arrange");
 * stable, in place, allocates nothing. */
void ll_ktensor_arrange(ll_ktensor *k);
/* Reorder components: new component r = old component perm[r]. */
int ll_ktensor_permute(ll_ktensor *k, const size_t *perm, ll_err *err);
/* Flip signs so each component's largest-|.| entry is positive in every
 * mode but the last, which absorbs the product of the flips. */
void ll_ktensor_fix_signs(ll_ktensor *k);
/* Reconstruct the full tensor into t (allocated here; free with
 * ll_tensor_free).  On failure: *t is zeroed. */
int ll_ktensor_full(const ll_ktensor *k, ll_tensor *t, ll_err *err);
/* ||k||_F^2 via Gram matrices, without forming the full tensor (or
 * allocating anything). */
double ll_ktensor_norm2(const ll_ktensor *k);

#endif
