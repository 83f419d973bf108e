/*
 * ll_cpapr.h - CP-APR, Poisson CP for counts (Chi & Kolda 2012): the engine
 * behind ll_cp_fit_batch for LL_CP_APR.  See ll_cpapr.c for the algorithm
 * and its safeguards.
 */
#ifndef LL_CPAPR_H
#define LL_CPAPR_H

#include <stdint.h>

#include "tensor/ll_cp.h"

/* Fit nrep replicates (one after another) as ll_cp_fit_batch does; X and
 * o were checked by ll_cp_check.  Negative observed data are refused
 * (LL_EINVAL naming the entry).  res[i].obj is the least-squares relative
 * error, res[i].obj_pen and hist the deviance relative to the null
 * (constant-mean) model's, res[i].deviance the deviance.  On failure:
 * every res[i] is zeroed. */
int ll_cpapr_fit_batch(const ll_tensor *X, const ll_cp_opts *o, size_t nrep, const uint64_t *seeds,
		       ll_cp_result *res, ll_err *err);

/* A fitted model as every engine returns it: normalized (unit columns,
 * weights in lambda), sorted by weight, signs fixed; with fixed modes
 * (bit n) only the free modes are normalized and order and signs stay,
 * so the fixed factors come back byte for byte. */
void ll_cp_tidy(ll_ktensor *K, unsigned fixed);

#endif
