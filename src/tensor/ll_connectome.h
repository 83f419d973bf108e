/*
 * ll_connectome.h - functional-connectome tensors (Dyballa et al.):
 * pairwise affinities between neurons in sliding windows, and what a
 * non-negative CP model of them says -- per component, a community of
 * neurons and the windows in which it is active.
 *
 * Input: a recording X with a neuron mode and a time mode; every other
 * mode (trials, animals, ...) counts as a trial, flattened in C order (the
 * last varies fastest).  Window w covers samples [w step, w step + window);
 * there are W = floor((T - window) / step) + 1 (samples after the last
 * whole window are not used).
 *
 * Output: A, N x N x W x K (K = the product of the other modes, 1 for a
 * neurons x time array), A[i, j, w, k] the affinity of neurons i and j in
 * window w of trial k.  A is symmetric in i, j, 1 on the diagonal, and in
 * [0, 1]:
 *
 *   LL_AFF_CORRELATION  Pearson correlation within the window, negative
 *                       values clipped to 0, because a non-negative CP
 *                       model cannot fit them: anti-correlated pairs look
 *                       like unrelated ones (the count of clipped pairs is
 *                       in ll_conn_stats).
 *   LL_AFF_GAUSSIAN     exp(-||z_i - z_j||^2 / (2 sigma^2 window)), z the
 *                       traces z-scored within the window (population
 *                       s.d.), sigma = bandwidth (default 1).  As
 *                       ||z_i - z_j||^2 = 2 window (1 - r_ij), this is
 *                       exp(-(1 - r_ij) / sigma^2): it keeps anti-correlated
 *                       pairs (exp(-2 / sigma^2)) below unrelated ones
 *                       (exp(-1 / sigma^2)) and never needs clipping.
 *
 * A neuron whose trace is constant within a window (s.d. at most 1e-12 of
 * its largest |value| there, or exactly 0) has no defined correlation:
 * in that window its affinity is 0 to every other neuron and 1 to itself.
 * Missing (NaN) or infinite samples are refused.
 *
 * The CP model of A has two neuron modes that a fit does not tie: their
 * congruence (the cosine of the two unit neuron factors of a component)
 * says whether the fit found a symmetric community; below
 * LL_CONN_CONGRUENCE_OK it should not be read as one.
 */
#ifndef LL_CONNECTOME_H
#define LL_CONNECTOME_H

#include <stddef.h>

#include "base/ll_common.h"
#include "tensor/ll_ktensor.h"
#include "tensor/ll_tensor.h"

#define LL_AFFINITIES(X) X(LL_AFF_CORRELATION, "correlation") X(LL_AFF_GAUSSIAN, "gaussian")
typedef enum ll_affinity { LL_AFFINITIES(LL_ENUM_ID) } ll_affinity;
const char *ll_affinity_name(ll_affinity a); /* "correlation", "gaussian" */

/* congruence of the two neuron factors below which a component is flagged */
#define LL_CONN_CONGRUENCE_OK 0.9

typedef struct ll_conn_opts {
	size_t window;        /* samples per window, >= 2 (default 20) */
	size_t step;          /* samples between window starts, >= 1 (default 10) */
	ll_affinity affinity; /* default correlation */
	double bandwidth;     /* gaussian sigma, > 0 (default 1) */
} ll_conn_opts;

void ll_conn_opts_default(ll_conn_opts *o);

/* Check the options against a recording of T samples; LL_EINVAL with one
 * line ("window = 500 samples is longer than the recording (400
 * samples)", "step = 0: ...", "window = 1: ...", "bandwidth = ..."). */
int ll_conn_check(size_t T, const ll_conn_opts *o, ll_err *err);
/* W for T samples (0 when ll_conn_check refuses the options). */
size_t ll_conn_windows(size_t T, const ll_conn_opts *o);

typedef struct ll_conn_stats {
	size_t pairs;    /* pairs i < j over windows and trials */
	size_t clipped;  /* of them, negative correlations set to 0 */
	size_t constant; /* (neuron, window, trial) traces with no variance */
} ll_conn_stats;

/* The affinity tensor of X into A (allocated here; free with
 * ll_tensor_free).  unit_mode and time_mode are X's neuron and time
 * modes (different).  st may be NULL.  On failure: *A is zeroed. */
int ll_conn_affinity(const ll_tensor *X, int unit_mode, int time_mode, const ll_conn_opts *o,
		     ll_tensor *A, ll_conn_stats *st, ll_err *err);

/* ---- reading a non-negative CP model of A ---- */

typedef struct ll_conn_comp {
	double congruence;  /* cos of the two unit neuron factors */
	double *loading;    /* N: the neuron factor, the two modes' unit columns
			     * averaged and scaled to unit norm (owned) */
	size_t *members;    /* the community: neurons with loading > 1/sqrt(N),
			     * by loading, largest first (owned) */
	size_t nmembers;
	unsigned char *active; /* W: 1 where the window factor is at least
				* active_frac of its largest entry (owned) */
	size_t nactive;
	size_t first, last; /* first and last active window (W if none) */
	size_t nruns;       /* runs of consecutive active windows */
} ll_conn_comp;

typedef struct ll_conn_summary {
	size_t rank, neurons, windows;
	double threshold;   /* the loading threshold, 1/sqrt(N): above what a
			     * neuron would have if every neuron loaded equally */
	double active_frac;
	double min_congruence;
	size_t n_incongruent; /* components below LL_CONN_CONGRUENCE_OK */
	ll_conn_comp *comp; /* rank entries, in the model's order */
} ll_conn_summary;

/* Read K, a model of an N x N x W x ... affinity tensor (modes 0 and 1 the
 * neurons, mode 2 the windows), into s.  0 < active_frac <= 1.  LL_EINVAL
 * when K's modes do not fit (fewer than 3, mode 0 and 1 of different
 * sizes).  On failure: *s is zeroed. */
int ll_conn_summarize(const ll_ktensor *K, double active_frac, ll_conn_summary *s, ll_err *err);
void ll_conn_summary_free(ll_conn_summary *s);

#endif
