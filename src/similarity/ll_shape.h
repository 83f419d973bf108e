/*
 * ll_shape.h - generalized shape metrics with partial whitening (Williams,
 * Kunz, Kornblith & Linderman, NeurIPS 2021; netrep's LinearMetric).
 *
 * X is n x p, Y is n x q (row-major, rows are conditions), same n.
 * Definitions used here:
 *
 *  1. centre the columns: Xc.
 *  2. partial whitening with alpha in [0, 1]: Xw = Xc Z,
 *       Z = V diag(alpha + (1 - alpha) lambda^-1/2) V^T,
 *     lambda, V the eigenpairs of Xc^T Xc (not divided by n, as netrep),
 *     lambda clipped below at 1e-7 lambda_max (netrep clips at an absolute
 *     1e-7; a relative clip keeps the distance scale-free); then Z is
 *     scaled so ||Xw||_F = ||Xc||_F (netrep's preserve_variance; netrep
 *     also counts clipped null directions and padded columns in the
 *     total, we count only X's own, so the result does not depend on the
 *     other input's width and the triangle inequality holds across
 *     widths).  alpha = 1 is no whitening (Procrustes), alpha = 0 full
 *     whitening (CCA-like).  Skipped when alpha > 1 - 1e-7, as netrep.
 *  3. zero-pad the narrower input to the same width (implicit: padding
 *     changes no norm and no singular value below).
 *  4. align by the orthogonal Procrustes solution: Xw^T Yw = U S V^T.
 *  procrustes = min_Q ||Xw - Yw Q||_F = sqrt(||Xw||^2 + ||Yw||^2 - 2 sum S),
 *     the Euclidean shape distance (in the units of the data; not divided
 *     by n).
 *  angular    = arccos(sum S / (||Xw||_F ||Yw||_F)), in [0, pi/2]; at
 *     alpha = 1 the arccos of the normalised Bures similarity, at alpha = 0
 *     with p = q = rank the arccos of the mean canonical correlation.
 * Both are computed from the aligned matrices themselves (||A - B|| and
 * 2 asin(chord / 2)), not from the sums above, so X vs a rotated X gives
 * 0 to rounding (1e-15), not the 1e-8 that arccos(1 - eps) would.
 * Both are metrics (symmetric, triangle inequality) on the shapes; angular
 * is invariant to isotropic scaling at alpha = 1 and alpha = 0 only (in
 * between, alpha is weighed against lambda^-1/2, which scales), procrustes
 * never; at alpha = 0 angular is invariant to invertible linear maps too.
 */
#ifndef LL_SHAPE_H
#define LL_SHAPE_H

#include <stddef.h>

#include "base/ll_common.h"

#define LL_SHAPE_ALPHA 1.0 /* default: Procrustes */

/* Both distances at the given alpha; either output may be NULL.
 * LL_EINVAL for alpha outside [0, 1].  On failure the outputs are NaN. */
int ll_shape(const double *X, size_t n, size_t p, const double *Y, size_t q, double alpha,
	     double *angular, double *procrustes, ll_err *err);

/* The partially whitened, centred X (n x p) into Xw (step 2 above). */
int ll_shape_whiten(const double *X, size_t n, size_t p, double alpha, double *Xw,
		    ll_err *err);

#endif
