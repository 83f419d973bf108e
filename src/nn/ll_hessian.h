/*
 * ll_hessian.h - the curvature of an MLP's training loss: Hessian-vector
 * products, the top eigenvalues by Lanczos, the trace by Hutchinson's
 * estimator and the spectral density by stochastic Lanczos quadrature.
 *
 * The loss is the mean softmax cross-entropy of a data set (X n x n_in
 * float, labels y < n_out) as ll_mlp_gradient computes it, as a function
 * of all nparams parameters in ll_mlp's layout (layer by layer, W then b).
 * Weight decay is not included, as in ll_mlp_gradient: the training
 * objective with decay lambda adds lambda on the diagonal of the weight
 * entries (not the biases), shifting those directions by lambda.
 *
 * Hessian-vector products are exact (Pearlmutter 1994, the R-operator):
 * a forward R-pass and a backward R-pass through the layers give H v up to
 * rounding, at the cost of about one more forward+backward pass, with no
 * step size to choose.  Finite differences of gradients would trade
 * truncation error (step h) against cancellation (eps / h), about 1e-5
 * relative in double and worse through float32 gradients; the tests use
 * them only as a cross-check.  ReLU's second derivative is 0 almost
 * everywhere, so its H is the exact Hessian wherever no pre-activation is
 * exactly 0; tanh's curvature term is included.
 *
 * Everything is computed in double from the net's float32 parameters
 * (converted once) and float32 images (converted chunk by chunk).  The
 * forward and backward pass at the current parameters is cached per
 * example (activations, softmax probabilities and back-propagated deltas:
 * about 8 * n * (3 * hidden units + 2 * n_out) bytes, 2.4 MB for 1000
 * images of 784-64-10), so an HVP costs two products with the images
 * plus small ones: about one gradient evaluation.  Mostly-zero images
 * (MNIST) are kept as sparse rows and multiplied non-zero by non-zero;
 * others go through GEMMs on chunks converted to double.
 *
 * Threads and determinism: the examples are cut into chunks of
 * LL_HESSIAN_CHUNK, dealt to at most LL_HESSIAN_SLOTS slots that OpenMP
 * threads run with BLAS on one thread each (OpenBLAS' own threads split
 * GEMMs and GEMVs in ways that change the rounding with their number).
 * Every sum runs in an order fixed by n alone, and every random vector
 * comes from an ll_rng stream derived from a seed and the vector's index,
 * so results are bitwise the same for any OpenMP or OpenBLAS thread count
 * (checked in tests/unit/nn/test_hessian.c).  The calls save and restore
 * OpenBLAS' thread count (process-global) around their work; inside an
 * OpenMP parallel region they run on the calling thread and leave BLAS as
 * the caller set it (one thread, by this project's convention).
 *
 * Lanczos keeps every Lanczos vector and reorthogonalises fully (twice,
 * classical Gram-Schmidt), so memory is steps * nparams doubles (16 MB
 * for 40 steps of 784-64-10).  Repeated eigenvalues: one Krylov space
 * holds one copy of each, so a run stopped by its tolerance reports a
 * repeated eigenvalue once (as any single-vector Krylov method).  On a
 * breakdown (an invariant Krylov space) it goes on from a new random
 * vector orthogonal to all before, so given enough steps the copies are
 * found: with steps = nparams it returns the whole spectrum.
 *
 * Ownership: ll_hessian is caller-owned (ll_hessian_init / _free; _free on
 * a zeroed or freed operator is a no-op).  It borrows X and y, which must
 * outlive it unchanged, and copies the parameters.  It holds scratch, so
 * one operator must not be used from two threads at once; different ones
 * are independent (no global state besides OpenBLAS' thread count, as
 * above).  Result structs own their arrays and
 * are released by their _free (no-op on zeroed).
 */
#ifndef LL_HESSIAN_H
#define LL_HESSIAN_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"
#include "nn/ll_mlp.h"

/* Examples per chunk of the passes (bounds the scratch), and the most
 * slots: chunk c belongs to slot c mod slots, each slot sums its chunks
 * in order, and the slots are summed in order. */
#define LL_HESSIAN_CHUNK 256
#define LL_HESSIAN_SLOTS 8
/* Images with at most this fraction of non-zero pixels (MNIST: ~0.19)
 * are held as sparse rows: the products with them then cost in
 * proportion to the non-zeros. */
#define LL_HESSIAN_SPARSE 0.5

/* one slot's scratch (internal) */
typedef struct ll_hessian_slot {
	double *xc;                         /* chunk x n_in: images as doubles */
	double *RZ[LL_MLP_MAX_HIDDEN + 1];  /* chunk x size[l+1]: R{pre-activation} */
	double *RA[LL_MLP_MAX_HIDDEN + 1];  /* RA[l], l >= 1: chunk x size[l] */
	double *RG[2], *RD;                 /* chunk x widest */
	double *acc;                        /* nparams: the slot's share of a sum */
	double *acc0t;                      /* sparse: n_in x size[1], W_0's share transposed */
	double loss;
} ll_hessian_slot;

typedef struct ll_hessian {
	/* read-only */
	size_t nlayers;                     /* weight layers: 2 or 3 */
	size_t size[LL_MLP_MAX_HIDDEN + 2]; /* widths: n_in, hidden..., n_out */
	size_t nparams;
	ll_mlp_act act;
	size_t n;                           /* examples */
	double *params;                     /* nparams, ll_mlp's layout (owned) */
	double *grad;                       /* gradient of the mean loss at params (owned) */
	double loss;                        /* mean cross-entropy at params */
	size_t hvps;                        /* Hessian-vector products computed */
	int sparse;                         /* 1: images held as sparse rows (LL_HESSIAN_SPARSE) */
	double flops;                       /* about the work of one HVP (threads only above 2e7) */
	/* internal */
	const float *X;                     /* n x n_in (borrowed) */
	const unsigned char *y;             /* n (borrowed) */
	size_t woff[LL_MLP_MAX_HIDDEN + 1], boff[LL_MLP_MAX_HIDDEN + 1];
	double *A[LL_MLP_MAX_HIDDEN + 1];   /* A[l], l >= 1: n x size[l] hidden activations */
	double *G[LL_MLP_MAX_HIDDEN + 1];   /* G[l]: n x size[l+1], d loss / d pre-activation */
	double *D[LL_MLP_MAX_HIDDEN + 1];   /* D[l], l >= 1, tanh: n x size[l], d loss / d A[l] */
	double *P;                          /* n x n_out softmax probabilities */
	size_t *rowptr;                     /* sparse: n + 1 row starts into col, val */
	uint32_t *col;                      /* sparse: pixel of each non-zero */
	double *val;                        /* sparse: its value */
	double *Wt0, *Vt0;                  /* sparse: n_in x size[1], W_0^T and a direction's */
	size_t nslots;
	ll_hessian_slot slot[LL_HESSIAN_SLOTS];
} ll_hessian;

/* The operator of net's loss on X (n x net->size[0]), y at net's current
 * parameters.  LL_ENUMERIC naming the entry if a parameter or a pixel is
 * NaN or Inf, or if the loss is not finite; LL_EINVAL for n = 0 or a label
 * >= n_out.  On failure: *h is zeroed and holds nothing to free. */
int ll_hessian_init(ll_hessian *h, const ll_mlp *net, const float *X, const unsigned char *y,
		    size_t n, ll_err *err);
void ll_hessian_free(ll_hessian *h);

/* Move to other parameters (a snapshot of the same architecture) and
 * redo the cached pass: from a net (LL_ESHAPE if its sizes or activation
 * differ) or from nparams doubles.  LL_ENUMERIC as _init; on failure the
 * operator keeps its previous parameters. */
int ll_hessian_set_weights(ll_hessian *h, const ll_mlp *net, ll_err *err);
int ll_hessian_set_params(ll_hessian *h, const double *params, ll_err *err);

/* hv = H v (nparams each, may not alias).  LL_ENUMERIC if v or the
 * result is not finite. */
int ll_hessian_hvp(ll_hessian *h, const double *v, double *hv, ll_err *err);

/* "W2[3,17]" or "b1[4]" (1-based layers as the .npy files): the name of
 * parameter idx < nparams, for messages. */
void ll_hessian_param_name(const ll_hessian *h, size_t idx, char *buf, size_t len);

/* Any symmetric operator of dimension n: out = A v.  The routines below
 * take one, so they also run on explicit matrices (the tests). */
typedef int (*ll_hessian_op)(void *ud, const double *v, double *out, ll_err *err);

/* ---- top eigenvalues: Lanczos ---- */

typedef struct ll_hessian_lanczos_opts {
	size_t k;       /* largest (algebraic) eigenvalues wanted, 1..n (default 10) */
	size_t steps;   /* most Lanczos steps m (0: max(2k + 20, 40)); capped at n; must be >= k */
	double tol;     /* stop once the k largest Ritz values have residuals
			   ||A y - theta y|| <= tol * (the largest |theta| of the k)
			   (default 1e-6; the eigenvalue error is then about
			   residual^2 / gap; 0: run all the steps) */
	uint64_t seed;  /* the Gaussian start vector (default 0) */
} ll_hessian_lanczos_opts;

void ll_hessian_lanczos_opts_default(ll_hessian_lanczos_opts *o);

typedef struct ll_hessian_eigs {
	size_t k;           /* entries of top and residual */
	double *top;        /* the k largest Ritz values, descending (owned) */
	double *residual;   /* their residual norms (owned) */
	double smallest;    /* the smallest Ritz value (most negative curvature seen) */
	double smallest_residual;
	size_t steps;       /* Lanczos steps taken (operator applications) */
	size_t converged;   /* leading values whose residual met tol (k when it stopped early) */
	size_t restarts;    /* breakdowns restarted from a new vector */
} ll_hessian_eigs;

/* The top-k eigenvalues of h's Hessian.  LL_EINVAL if k is 0 or >
 * nparams, or steps < k; LL_ELAPACK if dstevr fails; LL_ENUMERIC from the
 * operator.  Not reaching tol within the steps is not an error: see
 * converged and residual.  On failure: *out is zeroed. */
int ll_hessian_lanczos(ll_hessian *h, const ll_hessian_lanczos_opts *o, ll_hessian_eigs *out,
		       ll_err *err);
int ll_hessian_lanczos_op(ll_hessian_op op, void *ud, size_t n, const ll_hessian_lanczos_opts *o,
			  ll_hessian_eigs *out, ll_err *err);
void ll_hessian_eigs_free(ll_hessian_eigs *e);

/* ---- trace: Hutchinson ---- */

/* tr(H) ~ mean of z^T H z over `probes` Rademacher vectors z (probe p
 * drawn from ll_seed_derive(seed, p, .)), and the standard error of that
 * mean (sample sd / sqrt(probes); NaN for one probe).  probes >= 1. */
int ll_hessian_trace(ll_hessian *h, size_t probes, uint64_t seed, double *trace, double *se,
		     ll_err *err);
int ll_hessian_trace_op(ll_hessian_op op, void *ud, size_t n, size_t probes, uint64_t seed,
			double *trace, double *se, ll_err *err);

/* ---- spectral density: stochastic Lanczos quadrature ---- */

typedef struct ll_hessian_slq_opts {
	size_t starts;  /* random start vectors (default 4) */
	size_t steps;   /* Lanczos steps per start (default 80; capped at n) */
	int gaussian;   /* starts N(0, I) normalised; 0: Rademacher / sqrt(n) (default) */
	double sigma;   /* Gaussian broadening (0: 1% of the nodes' range; default 0) */
	size_t grid;    /* density grid points, >= 2 (default 400) */
	double lo, hi;  /* grid range (lo >= hi: the nodes' range widened by 4 sigma) */
	uint64_t seed;  /* start v drawn from ll_seed_derive(seed, v, .) (default 0) */
} ll_hessian_slq_opts;

void ll_hessian_slq_opts_default(ll_hessian_slq_opts *o);

typedef struct ll_hessian_density {
	size_t nnodes;     /* all starts' nodes together */
	double *nodes;     /* Ritz values of each start in turn, ascending within a start (owned) */
	double *weights;   /* squared first components of the eigenvectors of T,
			      divided by starts: all sum to 1 (owned) */
	size_t starts;
	size_t *steps;     /* Lanczos steps of each start: < the asked steps after a breakdown (owned) */
	double sigma;      /* broadening used */
	size_t grid;
	double *x;         /* grid points, ascending (owned) */
	double *density;   /* sum_i weights[i] N(x; nodes[i], sigma^2) (owned) */
} ll_hessian_density;

/* The spectral density of h's Hessian (Ghorbani, Krishnan & Xiao 2019;
 * Ubaru, Chen & Saad 2017): for each start v, m Lanczos steps give T;
 * its eigenvalues are Gauss quadrature nodes and the squared first
 * components of its eigenvectors their weights, so sum w f(theta) ~
 * v^T f(H) v, exact for polynomials of degree < 2m.  Averaged over starts
 * and broadened by a Gaussian.  The first moment sum w theta equals the
 * mean of v^T H v: tr(H) / nparams for Rademacher starts.  A start whose
 * Krylov space becomes invariant stops early (its quadrature is then
 * exact).  LL_EINVAL for starts = 0, steps = 0, grid < 2 or sigma < 0.
 * On failure: *out is zeroed. */
int ll_hessian_slq(ll_hessian *h, const ll_hessian_slq_opts *o, ll_hessian_density *out, ll_err *err);
int ll_hessian_slq_op(ll_hessian_op op, void *ud, size_t n, const ll_hessian_slq_opts *o,
		      ll_hessian_density *out, ll_err *err);
void ll_hessian_density_free(ll_hessian_density *s);

#endif
