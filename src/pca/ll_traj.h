/*
 * ll_traj.h - 3-D latent trajectories: PCA of network/population states
 * (pca/ll_pca.h), or paths read off TCA factors.
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
	char source[8];                /* "pca", "tca" or "inpca" */
} ll_traj_set;

/* Allocate n_paths x n_points zero points; labels "path P", key P.  On
 * failure: *ts is zeroed and holds nothing to free. */
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
 * ts is filled here (free with ll_traj_set_free).  On failure: *ts is
 * zeroed and holds nothing to free.
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
 * label "condition L".  On failure: *ts is zeroed.
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
 * On failure: *ts is zeroed.
 */
int ll_traj_from_factors(const ll_ktensor *K, int path_mode, int time_mode,
			 const int *path_labels, size_t nlabels, const char *path_name,
			 ll_traj_set *ts, ll_err *err);

#endif
