/*
 * ll_hungarian.h - minimum-cost assignment (the Hungarian algorithm), for
 * matching components of two models (tensor/ll_ens) or units of two
 * networks (nn/ll_mlp).
 */
#ifndef LL_HUNGARIAN_H
#define LL_HUNGARIAN_H

#include <stddef.h>

#include "base/ll_common.h"

/* Minimum-cost assignment for an n x m cost matrix (row-major).  assign[i]
 * is the column given to row i, or SIZE_MAX when n > m leaves row i
 * unassigned.  O(max(n,m)^3).  LL_EINVAL for a non-finite cost. */
int ll_hungarian(const double *cost, size_t n, size_t m, size_t *assign, ll_err *err);

#endif
