/*
 * ll_mttkrp.h - matricized tensor times Khatri-Rao product, the hot loop of
 * every CP algorithm:
 *
 *   out[i, r] = sum over all indices but mode n of
 *               X[i_0, ..., i_{N-1}] * prod_{k != n} U[k][i_k, r]
 *
 * (= X_(n) (U_{N-1} (.) ... (.) U_{n+1} (.) U_{n-1} (.) ... (.) U_0) in
 * Kolda's notation).  U[k] is dim[k] x R row-major, out is dim[n] x R.
 *
 * The workspace caches partial products so that a CP sweep that asks for
 * modes 0, 1, ..., N-1 in order -- updating U[n] after computing mode n and
 * changing no other factor -- reads X twice per sweep instead of N times.
 * Any other call order is still correct, only slower.  After changing
 * factors any other way (restart, extrapolation of several modes), call
 * ll_mttkrp_ws_reset().  R may stack several replicates' columns side by
 * side: the product is column-separable.
 *
 * X may be double or float (X->fdata, single precision): a float X is
 * widened to double in short stretches as it is read and everything else
 * -- the factors, out, the partial products -- stays double, so single
 * precision halves the bytes each pass streams and nothing else (issue
 * 15).  A workspace
 * serves tensors of the element type it was made for.
 */
#ifndef LL_MTTKRP_H
#define LL_MTTKRP_H

#include "base/ll_common.h"
#include "tensor/ll_tensor.h"

typedef struct ll_mttkrp_ws ll_mttkrp_ws; /* opaque */

/* A workspace for tensors shaped like X and up to R columns.  On failure:
 * NULL. */
ll_mttkrp_ws *ll_mttkrp_ws_new(const ll_tensor *X, size_t R, ll_err *err);
void ll_mttkrp_ws_free(ll_mttkrp_ws *ws);
void ll_mttkrp_ws_reset(ll_mttkrp_ws *ws);

/* out = MTTKRP(X, U, mode) with R columns (R <= the workspace's R). */
int ll_mttkrp(ll_mttkrp_ws *ws, const ll_tensor *X, double *const *U,
	      size_t R, int mode, double *out, ll_err *err);

/* Plain loop reference (no workspace, no BLAS): for tests and benchmarks. */
void ll_mttkrp_naive(const ll_tensor *X, double *const *U, size_t R, int mode,
		     double *out);

#endif
