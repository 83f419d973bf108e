/*
 * ll_spectrum.h - eigenspectra of population responses, cross-validated
 * PCA and their power laws (Stringer, Pachitariu, Steinmetz, Carandini &
 * Harris 2019, "High-dimensional geometry of population responses in
 * visual cortex", Nature 571: 361-365).
 *
 * Data.  X is stimuli x neurons, row-major (one stimulus per row, s rows,
 * N columns); every column is centred over the stimuli first.  All entries
 * must be finite (LL_ENUMERIC, naming the row and column, otherwise).
 *
 * Covariance spectrum (ll_spectrum_cov).  The eigenvalues of
 * C = Xc^T Xc / s (the maximum-likelihood covariance, 1/s so that it
 * shares cvPCA's scale), descending.  Noise adds to every eigenvalue, so
 * on noisy data this spectrum is flattened and its power law biased low.
 *
 * Cross-validated PCA (ll_spectrum_cvpca).  Two repeats X1, X2 (s x N
 * each, same stimuli in the same order).  With u_n the n-th principal
 * direction over neurons of repeat 1 (eigenvector of X1c^T X1c),
 *   left is LL_ENUMERIC.  Weights: uniform by default;
 * LL_SPECTRUM_FIT_INVRANK gives the reference's 1/n.  The reference
 * (get_powerlaw) fits log |lambda|: it keeps negative values with their
 * sign dropped; we leave them out._n = (1/s) sum_s (X1c u_n)_s (X2c u_n)_s,
 * the covariance across repeats of the projections: the noise of the two
 * repeats is independent, so this estimates the stimulus-related variance
 * along u_n and can come out negative where there is none.  The lambda_n
 * are kept in the order of repeat 1's PCs (by repeat 1's variance), not
 * re-sorted.
 *
 * How (both functions).  The work is done on the smaller side.  When
 * s <= N (Stringer's case: 2800 stimuli, 10,000 neurons), on the
 * stimuli x stimuli Gram G = X1c X1c^T = A diag(d) A^T: then
 * u_n = X1c^T a_n / sqrt(d_n) and lambda_n = a_n^T (X2c X1c^T) a_n / s,
 * so no neurons x neurons matrix is formed and no division by a small d_n
 * happens.  When N < s, on X1c^T X1c and X1c^T X2c directly.  One DSYRK
 * and one DGEMM over the data, then LAPACK dsyevr (every eigenpair, by
 * MRRR; info checked) on an m x m matrix, m = min(s, N).
 * k = min(s - 1, N) components are kept: centring costs one dimension on
 * the stimulus side only (min(s, N) - 1 would drop a genuine component
 * when N < s).  A direction with d_n <= d_1 m DBL_EPSILON lies outside
 * the data's span: its eigenvalue is exactly 0 (both methods).
 *
 * The reference (MouseLand/stringer-pachitariu-et-al-2018b) and where we
 * differ.  Its MATLAB shuffledSpectrum.m also works through the
 * stimuli x stimuli Gram of repeat 1 (cut from the Gram of both repeats
 * stacked, so that swaps need no new products; SVD), its Python
 * utils.cvPCA fits sklearn's PCA to X1^T (so it centres over neurons,
 * not stimuli) and keeps at most 1024 components; both return
 * sum_s (X1 u_n)(X2 u_n) without the 1/s, on responses the scripts centre
 * beforehand, and shuff_cvPCA averages 5 runs (MATLAB: nshuff, 20 in
 * natimg32PCA.m) that swap the repeats on a random half of the stimuli.
 * Here: centring over stimuli inside, 1/s, min(s - 1, N) components, one
 * run, no swaps (swap the inputs yourself if wanted; a scale factor
 * changes neither alpha nor PR).
 *
 * Power law (ll_spectrum_powerlaw).  Over ranks [lo, hi] (1-based; hi is
 * clipped to k), least squares of log lambda_n on log n, alpha = -slope,
 * intercept b with log lambda_n ~ b - alpha log n (the fitted line for a
 * plot is exp(b) n^-alpha).  Only lambda_n > 0 enter: non-positive ones
 * (cvPCA's noise can give them) are excluded and counted; fewer than 2
 * left is LL_ENUMERIC.  Weights: uniform by default;
 * LL_SPECTRUM_FIT_INVRANK gives the reference's 1/n.  The reference
 * (get_powerlaw) fits log |lambda|: it keeps negative values with their
 * sign dropped; we leave them out.  Default ranks 11..500: the paper's MATLAB (fig3.m,
 * trange0 = 11:500); the Python notebook's np.arange(11, 500) is 0-based,
 * ranks 12..500.
 *
 * Participation ratio and dimension (ll_spectrum_pr, ll_spectrum_dim):
 * over the positive parts max(lambda_n, 0) of the spectrum given, so
 * negative cvPCA eigenvalues count as no variance (as the reference's
 * MATLAB sets ss(ss < 0) = 0):
 *   PR = (sum lambda+)^2 / sum lambda+^2,
 *   dim(f) = the smallest k with sum_{n<=k} lambda+_n >= f sum lambda+
 *            (cumulated in the order given; a relative 1e-12 slack so that
 *            exact ties such as 9/10 count).
 *
 * Bootstrap (ll_spectrum_bootstrap).  B resamples of the stimuli with
 * replacement (the same stimuli for both repeats); each is re-centred and
 * its spectrum (cvPCA, or covariance without X2) and alpha recomputed.
 * The percentile interval at level L is the (1-L)/2 and (1+L)/2
 * quantiles of the resampled alphas (linear interpolation, NumPy's
 * default).  A resample with d distinct stimuli has rank <= d - 1, about
 * 0.63 s: ranks beyond it are 0 and leave its fit, so keep the fit range
 * well inside 0.63 s.  A resample whose fit fails (too few positive
 * eigenvalues) is counted in failed and left out.  Resample b draws from
 * ll_seed_derive(seed, b, 0), the resamples run in parallel under OpenMP
 * with OpenBLAS at one thread meanwhile, so the result is the same for
 * any thread count.  Cost: the Grams are formed once; a resample
 * re-centres a gathered copy (Gram side) or the weighted rows (neuron
 * side), then one eigendecomposition, and takes the quadratic forms of
 * its leading rank_hi directions only (all the fit looks at).
 *
 * What the interval does not cover.  It is the spread of alpha over
 * resampled stimuli, not its bias.  A finite set of stimuli flattens the
 * tail of a spectrum spread over many dimensions (a small eigenvalue of the
 * sample covariance picks up variance of order (total variance) / s from
 * the other dimensions), so alpha comes out low, and a resample, with
 * only ~63 % distinct stimuli, lower still: the interval can sit below
 * the estimate (compare mean with alpha).  Measured on planted alpha = 1
 * populations, ranks 5-60, 600 stimuli x 300 neurons, noise sd 0.03:
 * with the sample spectrum planted exactly (tests/tools/
 * planted_spectrum.h) alpha 1.001, resample mean 0.968, 95 % interval
 * [0.947, 0.990]; with the signal drawn from a population with that
 * spectrum alpha 0.971, interval [0.946, 0.983].  At 200 x 120, ranks
 * 3-40, the interval held the planted truth for 10 seeds of 10.  At
 * Stringer's scale (2800 x 10,000, population alpha 1, noise sd 0.05,
 * ranks 11-500; tests/bench/bench_spectrum) the effect is large: alpha
 * 0.994, on the first 1770 stimuli alone 0.912, and the 95 % interval
 * of 6 resamples [0.821, 0.831] (mean 0.827).  There the interval says
 * how alpha moves with fewer stimuli, not where it is.
 *
 * Ownership: ll_spectrum and ll_spectrum_boot are caller-owned structs
 * that the functions fill; their arrays are owned and released by
 * ll_spectrum_free / ll_spectrum_boot_free (no-ops on zeroed or freed
 * ones).  Inputs are never modified.  No global state; every function is
 * thread-safe.
 */
#ifndef LL_SPECTRUM_H
#define LL_SPECTRUM_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"

#define LL_SPECTRUM_METHODS(X) X(LL_SPECTRUM_CVPCA, "cvpca") X(LL_SPECTRUM_COVARIANCE, "covariance")
typedef enum ll_spectrum_method { LL_SPECTRUM_METHODS(LL_ENUM_ID) } ll_spectrum_method;

#define LL_SPECTRUM_FIT_WEIGHTS(X) X(LL_SPECTRUM_FIT_UNIFORM, "uniform") X(LL_SPECTRUM_FIT_INVRANK, "inverse-rank")
typedef enum ll_spectrum_fit_weights { LL_SPECTRUM_FIT_WEIGHTS(LL_ENUM_ID) } ll_spectrum_fit_weights;

/* "cvpca" / "covariance"; "uniform" / "inverse-rank" ("?" if out of range) */
const char *ll_spectrum_method_name(ll_spectrum_method m);
const char *ll_spectrum_fit_weights_name(ll_spectrum_fit_weights w);

typedef struct ll_spectrum {
	ll_spectrum_method method;
	size_t n_stimuli, n_neurons; /* s, N */
	size_t k;                    /* eigenvalues: min(s - 1, N) */
	int gram_side;               /* 1: via the s x s Gram (s <= N); 0: via N x N */
	double *eig;                 /* k (owned): covariance descending; cvPCA in repeat 1's PC order */
} ll_spectrum;

typedef struct ll_spectrum_fit_opts {
	size_t rank_lo, rank_hi;         /* 1-based, inclusive (11, 500) */
	ll_spectrum_fit_weights weights; /* (LL_SPECTRUM_FIT_UNIFORM) */
} ll_spectrum_fit_opts;

typedef struct ll_spectrum_fit {
	double alpha;            /* -slope of log lambda on log n */
	double intercept;        /* b: log lambda_n ~ b - alpha log n */
	size_t rank_lo, rank_hi; /* the ranks used: hi clipped to k */
	size_t n_used;           /* positive eigenvalues in the range */
	size_t n_excluded;       /* non-positive ones left out */
} ll_spectrum_fit;

typedef struct ll_spectrum_boot_opts {
	size_t resamples;  /* B >= 1 (1000) */
	double level;      /* of the interval, in (0, 1) (0.95) */
	uint64_t seed;     /* (0) */
	int threads;       /* OpenMP threads; <= 0: OpenMP's default (0) */
	/* called on the calling thread after each batch of resamples (frac =
	 * done / B); nonzero cancels (LL_ECANCELED).  NULL: none */
	ll_progress_fn progress;
	void *progress_ud;
} ll_spectrum_boot_opts;

typedef struct ll_spectrum_boot {
	double lo, hi;     /* the percentile interval of alpha */
	double level;
	size_t resamples;  /* B */
	size_t failed;     /* resamples whose fit failed (left out) */
	double mean;       /* of the resamples' alphas (the others): below alpha when they are biased */
	double median;     /* of the resamples' alphas */
	/* ll_spectrum_analyse only: lo and hi are the resamples' spread
	 * centred on the estimate, alpha - (median - raw_lo) and alpha +
	 * (raw_hi - median); raw_lo, raw_hi keep the plain percentiles
	 * (ll_spectrum_bootstrap: lo = raw_lo, hi = raw_hi) */
	double raw_lo, raw_hi;
	double *alpha;     /* B (owned): each resample's alpha, NaN where it failed */
} ll_spectrum_boot;

void ll_spectrum_fit_opts_default(ll_spectrum_fit_opts *o);
void ll_spectrum_boot_opts_default(ll_spectrum_boot_opts *o);

/* The covariance spectrum of X (s x N, see above) into *out.  LL_ESHAPE
 * for s < 2 or N < 1, LL_ENUMERIC for a NaN/Inf (naming its row and
 * column), LL_ELAPACK if dsyevr fails, LL_ENOMEM.  On failure: *out is
 * zeroed and holds nothing to free. */
int ll_spectrum_cov(const double *X, size_t s, size_t N, ll_spectrum *out, ll_err *err);

/* The cvPCA spectrum of repeats X1, X2 (s x N each) into *out.  Errors as
 * ll_spectrum_cov, naming "repeat 1" or "repeat 2".  On failure: *out is
 * zeroed and holds nothing to free. */
int ll_spectrum_cvpca(const double *X1, const double *X2, size_t s, size_t N, ll_spectrum *out,
		      ll_err *err);

void ll_spectrum_free(ll_spectrum *sp);

/* Fit alpha to eig[0..k-1] (rank n is eig[n-1]) over o's ranks (o may be
 * NULL: the defaults).  LL_EINVAL for an empty range (lo = 0 or lo > hi)
 * or unknown weights, LL_ESHAPE when the range starts beyond k (fewer
 * components than its start), LL_ENUMERIC for fewer than 2 positive
 * eigenvalues in range or a NaN/Inf in range.  On failure: *fit is zeroed
 * except n_used and n_excluded, which say what the range held. */
int ll_spectrum_powerlaw(const double *eig, size_t k, const ll_spectrum_fit_opts *o,
			 ll_spectrum_fit *fit, ll_err *err);

/* PR of the positive parts of eig[0..k-1]; 0 if none is positive. */
double ll_spectrum_pr(const double *eig, size_t k);
/* Smallest rank reaching frac (in (0, 1]) of the positive variance; 0 if
 * none is positive. */
size_t ll_spectrum_dim(const double *eig, size_t k, double frac);

/* Bootstrap interval of alpha (see above): cvPCA of X1, X2, or the
 * covariance spectrum of X1 when X2 is NULL; fit as fo (NULL: defaults),
 * bo (NULL: defaults).  The inputs are checked as ll_spectrum_cov/cvpca,
 * and the fit range against the full data's k as ll_spectrum_powerlaw.
 * LL_ENUMERIC if every resample's fit fails, LL_ECANCELED if progress
 * asked to stop.  On failure: *out is zeroed and holds nothing to free. */
int ll_spectrum_bootstrap(const double *X1, const double *X2, size_t s, size_t N,
			  const ll_spectrum_fit_opts *fo, const ll_spectrum_boot_opts *bo,
			  ll_spectrum_boot *out, ll_err *err);
void ll_spectrum_boot_free(ll_spectrum_boot *b);

/* Everything at once, forming the Grams once for the spectrum and the
 * bootstrap: the spectrum (cvPCA of X1, X2, or covariance of X1 when X2
 * is NULL), its power-law fit (fo, NULL: defaults; a failed fit is an
 * error here), PR, dim90 = ll_spectrum_dim(eig, k, 0.9), and the bootstrap
 * when bo is not NULL (else boot is zeroed), its interval centred on
 * the estimate: resampling with replacement repeats stimuli, which
 * shifts every resample's alpha down (by ~0.03 at 600 stimuli, ~0.17 at
 * Stringer's 2800: the plain percentile interval then misses the
 * estimate and the truth alike), so the interval keeps the resamples'
 * spread around their median and moves it to alpha (boot.raw_lo/raw_hi
 * hold the plain percentiles).  Errors as the functions
 * above; the fit-range message names the stimuli and neurons.  On
 * failure: *r is zeroed and holds nothing to free. */
typedef struct ll_spectrum_result {
	ll_spectrum spec;
	ll_spectrum_fit fit;
	double pr;
	size_t dim90;
	ll_spectrum_boot boot;
} ll_spectrum_result;

int ll_spectrum_analyse(const double *X1, const double *X2, size_t s, size_t N,
			const ll_spectrum_fit_opts *fo, const ll_spectrum_boot_opts *bo,
			ll_spectrum_result *r, ll_err *err);
void ll_spectrum_result_free(ll_spectrum_result *r);

#endif
