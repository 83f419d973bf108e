/*
 * ll_dsa.h - Dynamical Similarity Analysis (Ostrow, Eisen, Kozachkov &
 * Fiete 2023, "Beyond geometry: comparing the temporal structure of
 * computation in neural circuits with dynamical similarity analysis",
 * arXiv 2306.10168; the reference is their DSA package).
 *
 * Data.  trials x time x units (trials = 1 for time x units), row-major.
 *
 * Delay embedding (ll_dsa_embed).  With d delays and interval k, row t of
 * a trial's Hankel matrix is [x_t, x_{t-k}, ..., x_{t-(d-1)k}] for
 * t = (d-1)k .. T-1: T' = T - (d-1)k rows of d * units columns.  Trials
 * are stacked (trials * T' rows).  No mean-centring, as the reference.
 *
 * DMD (ll_dsa_dmd_fit), the reference's default (HAVOK / principal-component
 * regression): H = V S U^T by SVD over all trials stacked (V: the left
 * singular vectors of H, trials * T' x p); keep r columns of V, split
 * back per trial so that the shifted pairs (V-, V+) never cross a trial
 * boundary, and regress: A = [(V-^T V- + lambda I)^{-1} V-^T V+]^T (r x r;
 * lambda 1e-8, the reference's current default).  r is opts.rank if > 0,
 * else the fewest singular values whose squares explain
 * opts.explained_variance of the total if that is in (0, 1), else full
 * (p = min(rows, columns)).  Eigenvalues of A by LAPACKE_dgeev.
 * Computation: for a tall embedding (rows >= columns) whose chosen rank
 * is well-conditioned (s_r > 1e-5 s_1), from the eigen-decomposition of
 * H^T H (built from x's lagged products; only r eigenvectors formed), V =
 * H U S^{-1}; otherwise, or if LAPACK declines, by the SVD of H.  The two
 * agree to rounding (singular values to ~1e-14 relative); the first is
 * ~8x faster at 20 trials x 100 steps x 50 units, 10 delays, rank 30.
 *
 * Distance (ll_dsa_compare).  A and B (n x n) are scaled to unit Frobenius
 * norm (copies; the inputs are not touched); then
 *   min over orthogonal C of ||A - C B C^T||_F
 * by Riemannian gradient descent on O(n) with the Cayley retraction (Wen
 * & Yin 2013), an Armijo backtracking step tried first at the
 * Barzilai-Borwein length, from opts.restarts starts on each of the two
 * components of O(n): the identity (det +1) or the swap of the first two
 * axes (det -1); a spectral start, E_A diag(s) E_B^T from the eigenvectors
 * of A + A^T and B + B^T with signs s chosen greedily (one more flip for
 * the other component), exact when B = Q A Q^T with a simple symmetric
 * spectrum; then random orthogonal matrices (QR of a Gaussian, from
 * opts.seed).  Every start first runs a burn-in of max_iters / 5
 * iterations; the one that ends lowest, if still moving, is continued for
 * the rest of max_iters (so a pair costs about 2 max_iters iterations at 3
 * restarts, not 6 max_iters, and lands lower than the reference's two
 * full descents: bench_dsa_ref.py).  A descent stops at its budget, when
 * ||grad||_F < tol, when no step lowers the loss or a step lowers it by
 * <= 1e-15 of itself.  Plain
 * descent from the identity and random starts can stall in local minima
 * (the reference's Q A Q^T test: 0.23 rad from 6 such starts at n = 10);
 * the spectral start is what reaches 0 there.  The best end is
 * reported: angular = arccos(<A, C B C^T> / (||A|| ||B||)) in [0, pi]
 * (the reference's 2023 default score), euclidean = ||A - C B C^T||_F on
 * the normalised operators (= 2 sin(angular / 2)), the iterations it
 * took, its determinant sign.  Minimising either is the same problem.
 * The loss and gradient are checked every iteration: a NaN/Inf is a
 * one-line LL_ENUMERIC error.  The result is a pure function of the
 * inputs and the seed.
 *
 * Eigenvalue Wasserstein (ll_dsa_wasserstein), the companion score:
 * W2^2 between the eigenvalue sets as points (re, im) in the plane, uniform
 * weights, squared Euclidean cost, the smaller set zero-padded; with equal
 * sizes the optimal plan is an assignment (Hungarian, linalg/ll_hungarian.h),
 * so W = (1/m) sum of the matched costs.  No square root, as the reference
 * (POT's emd2).  Computed on the eigenvalues of the operators as fitted
 * (not normalised).
 *
 * Ownership: ll_dsa_dmd is caller-owned; ll_dsa_dmd_fit fills it and
 * ll_dsa_dmd_free releases it (a no-op on a zeroed or freed one).  Every
 * other output is a caller-provided buffer.  No global state.
 */
#ifndef LL_DSA_H
#define LL_DSA_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"

typedef struct ll_dsa_dmd_opts {
	size_t delays;             /* d >= 1 (1: no embedding, the reference's default) */
	size_t delay_interval;     /* k >= 1 (1) */
	size_t rank;               /* r; 0: by explained_variance, else full (0) */
	double explained_variance; /* in (0, 1): the rank that explains this much; 0: unused */
	double lambda;             /* ridge (1e-8) */
} ll_dsa_dmd_opts;

typedef struct ll_dsa_dmd {
	size_t rank;       /* r */
	size_t embed_dim;  /* d * units */
	size_t rows;       /* trials * T' embedding rows */
	double *A;         /* r x r, row-major: v_{t+1} = A v_t (owned) */
	double *eig;       /* r x 2: (re, im), by modulus descending (owned) */
	double *sv;        /* min(rows, embed_dim) singular values of the embedding (owned) */
} ll_dsa_dmd;

typedef struct ll_dsa_opts {
	size_t max_iters;  /* of the winning start (1000); the others get a fifth */
	size_t restarts;   /* starts per component of O(n), >= 1 (3): identity/swap, spectral, random */
	uint64_t seed;     /* of the random starts (0) */
	double tol;        /* stop when ||grad||_F < tol (1e-10) */
	/* ll_dsa_all only: called on the calling thread after each batch of
	 * pairs (frac = pairs done / all); nonzero cancels (LL_ECANCELED).
	 * NULL: none (the default) */
	ll_progress_fn progress;
	void *progress_ud;
} ll_dsa_opts;

typedef struct ll_dsa_dist {
	double angular;    /* in [0, pi] */
	double euclidean;  /* ||A - C B C^T||_F, A and B at unit norm */
	size_t iterations; /* of the best start */
	size_t total_iterations; /* over all starts */
	int det;           /* +1 or -1: the component of the best C */
} ll_dsa_dist;

void ll_dsa_dmd_opts_default(ll_dsa_dmd_opts *o);
void ll_dsa_opts_default(ll_dsa_opts *o);

/* Embedding rows per trial, T - (d-1)k, or 0 if T is too short for the
 * delays (or d, k is 0 or the product overflows). */
size_t ll_dsa_embed_rows(size_t T, size_t d, size_t k);

/* The stacked Hankel matrix of x (trials x T x units) into H (trials * T'
 * x d * units, row-major).  LL_EINVAL for d or k = 0, LL_ESHAPE for an
 * empty mode or T' < 2 (no shifted pair). */
int ll_dsa_embed(const double *x, size_t trials, size_t T, size_t units, size_t d, size_t k,
		 double *H, ll_err *err);

/* Delay embedding + DMD of x (trials x T x units; finite, checked).  o may
 * be NULL.  LL_EINVAL for a rank above the embedding's (min(rows, d *
 * units)) or bad options, LL_ESHAPE as ll_dsa_embed, LL_ENUMERIC for a
 * NaN/Inf, all-zero data or a singular regression, LL_ELAPACK if LAPACK
 * fails.  On
 * failure: *out is zeroed and holds nothing to free. */
int ll_dsa_dmd_fit(const double *x, size_t trials, size_t T, size_t units, const ll_dsa_dmd_opts *o,
	       ll_dsa_dmd *out, ll_err *err);
void ll_dsa_dmd_free(ll_dsa_dmd *m);

/* Eigenvalues of the n x n row-major A into eig (n x 2, (re, im)), by
 * modulus descending, a complex pair +imag first.  LL_ENUMERIC for a
 * NaN/Inf, LL_ELAPACK if dgeev fails. */
int ll_dsa_eigs(const double *A, size_t n, double *eig, ll_err *err);

/* The DSA distance between n x n operators A and B (see above).  o may be
 * NULL.  C, if not NULL, receives the best orthogonal C (n x n).
 * LL_EINVAL for n = 0, a zero operator or bad options, LL_ENUMERIC for a
 * NaN/Inf (in the input or during the descent), LL_ELAPACK.  On failure:
 * *d is zeroed.  Sets OpenBLAS to one thread for its duration and then
 * back (process-global: call it from several threads only with OpenBLAS
 * already at one, as ll_dsa_all does). */
int ll_dsa_compare(const double *A, const double *B, size_t n, const ll_dsa_opts *o, ll_dsa_dist *d,
		   double *C, ll_err *err);

/* All pairs of N >= 2 fitted systems (equal ranks: LL_ESHAPE otherwise,
 * naming the first that differs): dsa (N x N, angular, zero diagonal,
 * symmetric) and, if wass is not NULL, the eigenvalue W2^2 (N x N).  The
 * N (N - 1) / 2 pairs run in parallel under OpenMP (threads; <= 0:
 * OpenMP's default), OpenBLAS at one thread meanwhile; each pair uses
 * o->seed, so the result is the same for any thread count.  The pairs
 * run in batches of a few per thread, o->progress called after each.
 * The first failing pair (in order) is reported, naming its indices.  On failure:
 * the matrices hold nothing meaningful. */
int ll_dsa_all(const ll_dsa_dmd *m, size_t N, const ll_dsa_opts *o, int threads, double *dsa,
	       double *wass, ll_err *err);

/* W2^2 between eigenvalue sets ea (na x 2) and eb (nb x 2) (see above).
 * LL_EINVAL for an empty set, LL_ENUMERIC for a NaN/Inf. */
int ll_dsa_wasserstein(const double *ea, size_t na, const double *eb, size_t nb, double *w,
		       ll_err *err);

#endif
