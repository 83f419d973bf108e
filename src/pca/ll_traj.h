/*
 * ll_traj.h - 3-D latent trajectories: PCA of network/population states,
 * or paths read off TCA factors.
 *
 * PCA (ll_pca_fit).  X is n x d, row-major (one state per row).  Columns
 * are centred, then a thin SVD of the centred matrix is taken with LAPACK
 * dgesdd (dgesvd if dgesdd reports failure; info is always checked).
 *   components  k x d, row c = c-th right singular vector (unit norm)
 *   scores      n x k, scores[i,c] = sum_j (X[i,j] - mean[j]) comp[c,j]
 *               (computed by the same plain loop for every row, so equal
 *               rows give bit-identical scores)
 *   sv          singular values of the centred matrix
 *   explained   sv_c^2 / sum over ALL singular values^2 (the fraction of
 *               total variance; sums to <= 1)
 * Sign convention: each component's largest-|loading| entry is positive
 * (the first one on a tie).  A component beyond the numerical rank
 * (sv_c <= sv_0 * max(n, d) * DBL_EPSILON, or more components asked than
 * min(n, d)) is returned as zeros (loading, score, sv and explained all 0)
 * and not counted in k_valid: callers show it as a flat, padded axis.
 * Errors: n < 2 or d < 1 (LL_ESHAPE), k < 1 (LL_EINVAL), a NaN or Inf
 * entry (LL_ENUMERIC, naming its row and column), sizes beyond LAPACK's int.
 *
 * Trajectory sets.  Every path has the same number of points; point t of
 * path p is xyz[(p * n_points + t) * 3 + axis].  Axes that carry nothing
 * (fewer than 3 components available) are exactly 0 with explained 0.
 */
#ifndef LL_TRAJ_H
#define LL_TRAJ_H

#include <stddef.h>

#include "base/ll_common.h"
#include "tensor/ll_ktensor.h"
#include "tensor/ll_tensor.h"

typedef struct ll_pca {
	size_t n, d, k;     /* samples, features, components returned */
	size_t k_valid;     /* leading components with non-zero variance (<= k) */
	double *mean;       /* d column means (owned) */
	double *comp;       /* k x d loadings (owned) */
	double *scores;     /* n x k (owned) */
	double *sv;         /* k singular values (owned) */
	double *explained;  /* k variance ratios (owned) */
	double total_ss;    /* sum of all squared singular values (= ||X - mean||_F^2) */
	double total_var;   /* total_ss / (n - 1): summed per-feature variance */
	int used_fallback;  /* 1 if dgesdd failed and dgesvd gave the result */
} ll_pca;

/* Fit; p is initialised here (free it with ll_pca_free, also after an
 * error).  X is not modified. */
int ll_pca_fit(ll_pca *p, const double *X, size_t n, size_t d, size_t k, ll_err *err);
void ll_pca_free(ll_pca *p);

#define LL_TRAJ_DIMS 3
#define LL_TRAJ_LABEL 32

typedef struct ll_traj_set {
	size_t n_paths, n_points;
	double *xyz;                   /* n_paths x n_points x 3 (owned) */
	char (*labels)[LL_TRAJ_LABEL]; /* per path, e.g. "model 3", "condition 1" (owned) */
	int *key;                      /* per path: its index in the path mode, or
					* its condition label (owned) */
	double explained[LL_TRAJ_DIMS];/* PCA: variance ratio per axis; TCA: weight
					* share lambda_c^2 / sum lambda^2; 0 if padded */
	int n_axes;                    /* axes carrying data (0..3); the rest are 0 */
	char axis_name[LL_TRAJ_DIMS][16]; /* "PC1".., or "C2" (TCA component,
					   * 1-based index in the ktensor); "-" if padded */
	char source[8];                /* "pca" or "tca" */
} ll_traj_set;

/* Allocate n_paths x n_points zero points; labels "path P", key P. */
int ll_traj_set_init(ll_traj_set *ts, size_t n_paths, size_t n_points, ll_err *err);
void ll_traj_set_free(ll_traj_set *ts);

/*
 * PCA trajectories from a tensor of states.  One mode indexes paths (e.g.
 * models), another time (e.g. snapshots); the remaining modes, flattened
 * in C order, are the features of a state.  All paths' states (n_paths x
 * n_time rows) share ONE PCA basis; path p, point t is the row's first
 * three scores.  For the MNIST tensor models x digits x units x snapshots:
 * path_mode 0, time_mode 3, states are digits*units vectors.
 * path_name labels the paths ("model" -> "model 0", ...; NULL = "path").
 * ts is initialised here (free with ll_traj_set_free, also after an error).
 */
int ll_traj_from_tensor_snapshots(const ll_tensor *X, int path_mode, int time_mode,
				  const char *path_name, ll_traj_set *ts, ll_err *err);

/*
 * PCA trajectories of condition means.  X is neurons x time x trials;
 * labels (one per trial, NULL = all trials one condition) group trials.
 * Each condition's trial average (NaN entries skipped; a neuron/time with
 * no observed trial in a condition is an LL_ENUMERIC error) gives a
 * neurons-vector per time bin; all conditions share one PCA basis, one
 * path per condition, ordered by increasing label; key = the label,
 * label "condition L".
 */
int ll_traj_from_condition_means(const ll_tensor *X, const int *labels, size_t nlabels,
				 ll_traj_set *ts, ll_err *err);

/*
 * Trajectories from a CP model.  K is first normalised (on a copy); the
 * three components with the largest lambda (ties: lower index first) give
 * the axes, and
 *     x[p, t, a] = lambda_c * A_path[p, c] * A_time[t, c],   c = a-th largest,
 * i.e. component c's contribution along its own axis, for path index p at
 * time t (for MNIST: model p's loading times the snapshot factor).  If
 * path_labels is given (one per path-mode index), paths are the label
 * values instead and A_path[p, c] is replaced by the mean loading over the
 * indices with that label (e.g. trials of one condition).  Axes beyond the
 * rank are 0.  explained[a] = lambda_c^2 / sum_r lambda_r^2 (a weight
 * share, not a variance fraction: CP components are not orthogonal).
 */
int ll_traj_from_factors(const ll_ktensor *K, int path_mode, int time_mode,
			 const int *path_labels, size_t nlabels, const char *path_name,
			 ll_traj_set *ts, ll_err *err);

#endif
