/*
 * ll_mlp.h - small multilayer perceptrons trained on MNIST, for logging
 * hidden-unit activity over training (the models x digits x units x
 * snapshots tensor).
 *
 * Architecture: n_in - hidden[0] [- hidden[1]] - n_out, ReLU or tanh in
 * the hidden layers, softmax cross-entropy on the output.  Parameters are
 * float32; batches are row-major (one image per row) and every layer is a
 * cblas_sgemm.  Weight matrix W[l] is size[l+1] x size[l] (row u holds the
 * incoming weights of unit u, as PyTorch's nn.Linear).
 *
 * Determinism: initialisation and batch order come from ll_rng streams
 * derived from cfg.seed, so two nets with the same config and data end
 * bitwise equal (with the same BLAS and thread count).
 *
 * Ownership: ll_mlp is caller-owned; ll_mlp_init allocates its buffers and
 * ll_mlp_free releases them (a no-op on a zeroed or freed net).  A net
 * holds scratch buffers, so one net must not be used from two threads at
 * once; different nets are independent (no global state).  Its BLAS runs
 * on OpenBLAS' count (ll_threads_push); when training several nets in
 * parallel threads, set that to 1 around them (the [train] step does).
 */
#ifndef LL_MLP_H
#define LL_MLP_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"
#include "io/ll_mnist.h"
#include "base/ll_rng.h"

#define LL_MLP_ACTS(X) X(LL_MLP_RELU, "relu") X(LL_MLP_TANH, "tanh")
typedef enum ll_mlp_act { LL_MLP_ACTS(LL_ENUM_ID) } ll_mlp_act;

/* sgd: p -= lr g; momentum: v = momentum v + g, p -= lr v (PyTorch's
 * form); adam: Kingma & Ba, bias-corrected */
#define LL_MLP_OPTS(X) X(LL_MLP_SGD, "sgd") X(LL_MLP_MOMENTUM, "momentum") X(LL_MLP_ADAM, "adam")
typedef enum ll_mlp_opt { LL_MLP_OPTS(LL_ENUM_ID) } ll_mlp_opt;

const char *ll_mlp_act_name(ll_mlp_act a);          /* "relu", "tanh" */
int ll_mlp_act_parse(const char *s, ll_mlp_act *a); /* LL_OK or LL_EINVAL */
const char *ll_mlp_opt_name(ll_mlp_opt o);          /* "sgd", "momentum", "adam" */
int ll_mlp_opt_parse(const char *s, ll_mlp_opt *o);

#define LL_MLP_MAX_HIDDEN 2

typedef struct ll_mlp_config {
	size_t n_in;                       /* 784 */
	size_t hidden[LL_MLP_MAX_HIDDEN];  /* hidden[1] = 0: one hidden layer */
	size_t n_out;                      /* 10 */
	ll_mlp_act act;
	ll_mlp_opt opt;
	double lr;
	double momentum;                   /* LL_MLP_MOMENTUM, in [0, 1) */
	double beta1, beta2, eps;          /* LL_MLP_ADAM */
	double weight_decay;               /* L2 on weights (not biases), >= 0 */
	size_t batch;                      /* minibatch size */
	size_t epochs;                     /* passes over the training set */
	size_t max_steps;                  /* stop after this many steps (0 = no cap) */
	uint64_t seed;                     /* initialisation and batch order */
} ll_mlp_config;

/* 784-64-10, ReLU, SGD lr 0.1, batch 64, 2 epochs, Adam betas 0.9/0.999,
 * eps 1e-8, momentum 0.9, no weight decay, seed 1. */
void ll_mlp_config_default(ll_mlp_config *c);
/* LL_EINVAL naming the field, e.g. "mlp config: lr = -1 (must be > 0)". */
int ll_mlp_config_check(const ll_mlp_config *c, ll_err *err);

typedef struct ll_mlp {
	ll_mlp_config cfg;
	size_t nlayers;          /* weight layers: 2 or 3 */
	size_t size[LL_MLP_MAX_HIDDEN + 2]; /* widths: n_in, hidden..., n_out */
	size_t nparams;
	/* Read-only views into params / grad (layer l = 0 .. nlayers-1). */
	float *W[LL_MLP_MAX_HIDDEN + 1], *b[LL_MLP_MAX_HIDDEN + 1];
	float *dW[LL_MLP_MAX_HIDDEN + 1], *db[LL_MLP_MAX_HIDDEN + 1];
	float *params, *grad;    /* nparams each, layer by layer: W then b (owned) */
	float *opt_m, *opt_v;    /* optimizer state (owned; NULL if unused) */
	size_t step;             /* optimizer steps taken */
	ll_rng order_rng;        /* batch order */
	/* scratch (owned) */
	size_t ws_rows;          /* rows the scratch holds */
	float *act[LL_MLP_MAX_HIDDEN + 2]; /* act[l], l >= 1: ws_rows x size[l] */
	float *delta[2];         /* ws_rows x widest layer, ping-pong */
	float *xbatch;           /* cfg.batch x n_in: gathered minibatch */
	unsigned char *ybatch;
} ll_mlp;

/* Validate cfg, allocate, initialise: He normal (ReLU) or Glorot uniform
 * (tanh) for hidden layers, Glorot uniform for the output layer, zero
 * biases.  On failure: *net is zeroed and holds nothing to free. */
int ll_mlp_init(ll_mlp *net, const ll_mlp_config *cfg, ll_err *err);
void ll_mlp_free(ll_mlp *net);

/* Copy src's parameters into dst (same layer sizes, else LL_ESHAPE) and
 * reset dst's optimizer state and step count: "shared initialisation"
 * across models.  dst keeps its own config (seed, optimizer, ...). */
int ll_mlp_copy_weights(ll_mlp *dst, const ll_mlp *src, ll_err *err);

/* The initial weights of a rich/lazy sweep: every weight layer times
 * scale (> 0), and with 0 < rank < min(fan_in, fan_out) each hidden
 * layer's W (not the readout, whose rank is at most n_out anyway)
 * replaced first by a rank-`rank` product U V^T of standard normals drawn
 * from seed, normalised to the Frobenius norm the layer had: so
 * ||W0||_F = scale * ||full-rank init||_F whatever the rank.  rank = 0 or
 * >= the layer's smaller side: full rank.  scale 1 and rank 0 leave the
 * net bitwise as it was.  Biases stay as they are.  LL_EINVAL for scale
 * <= 0 or a rank above a hidden layer's smaller side, LL_ENOMEM. */
int ll_mlp_scale_init(ll_mlp *net, double scale, size_t rank, uint64_t seed, ll_err *err);

/* Mean cross-entropy of n examples (X n x n_in row-major, labels y < n_out)
 * and its gradient into net->grad (weight decay not included).  n >= 1,
 * any size (processed in chunks). */
int ll_mlp_gradient(ll_mlp *net, const float *X, const unsigned char *y,
		    size_t n, double *loss, ll_err *err);
/* One optimizer step on a minibatch: gradient (+ weight decay), update.
 * *loss (may be NULL) gets the batch's mean loss before the update. */
int ll_mlp_train_step(ll_mlp *net, const float *X, const unsigned char *y,
		      size_t n, double *loss, ll_err *err);

/* What ll_mlp_train reports to its callback. */
typedef struct ll_mlp_event {
	size_t step;        /* optimizer steps taken (0 = before training) */
	size_t total_steps; /* steps this call of ll_mlp_train will take */
	size_t epoch;       /* epoch in progress (0-based) */
	double train_loss;  /* mean minibatch loss since the last event (NaN at step 0) */
} ll_mlp_event;
/* Return non-zero to stop: ll_mlp_train then returns LL_ECANCELED.  The
 * callback may run forward passes on net (e.g. ll_mlp_log_class_means). */
typedef int (*ll_mlp_callback)(void *ud, ll_mlp *net, const ll_mlp_event *ev);

/* Steps ll_mlp_train takes on n training images: epochs * ceil(n / batch),
 * capped by max_steps. */
size_t ll_mlp_total_steps(const ll_mlp_config *c, size_t n);
/* Callback calls for total steps logged every log_every: at step 0, every
 * multiple of log_every, and after the last step. */
size_t ll_mlp_n_snapshots(size_t total_steps, size_t log_every);

/* Minibatch training for cfg.epochs over set (reshuffled each epoch;
 * the last batch of an epoch may be short), calling cb (may be NULL) as
 * ll_mlp_n_snapshots describes.  set->dim must equal n_in. */
int ll_mlp_train(ll_mlp *net, const ll_mnist *set, size_t log_every,
		 ll_mlp_callback cb, void *ud, ll_err *err);

/* Output logits (n x n_out) for n inputs. */
int ll_mlp_logits(ll_mlp *net, const float *X, size_t n, float *out, ll_err *err);
/* Class probabilities (n x n_out, each row a softmax of the logits,
 * computed in double) for n inputs. */
int ll_mlp_probs(ll_mlp *net, const float *X, size_t n, float *out, ll_err *err);
/* Activations of hidden layer `layer` (0 = first) after the nonlinearity:
 * out is n x size[layer + 1]. */
int ll_mlp_forward_hidden(ll_mlp *net, const float *X, size_t n, int layer,
			  float *out, ll_err *err);
/* Mean cross-entropy and accuracy (0..1) over a set; either may be NULL. */
int ll_mlp_evaluate(ll_mlp *net, const ll_mnist *set, double *loss,
		    double *acc, ll_err *err);

/* Mean activation of every unit of hidden layer `layer` for each class on
 * a probe set: out is n_out x units (row-major, double).  LL_EINVAL naming
 * the class if the probe has no image of it. */
int ll_mlp_log_class_means(ll_mlp *net, const ll_mnist *probe, int layer,
			   double *out, ll_err *err);

/* Match the units of net's hidden layer to ref's by the Pearson
 * correlation of their activations on the probe set, maximising the summed
 * correlation (Hungarian).  perm[i] = the unit of net matched to unit i of
 * ref; corr[i] (may be NULL) its correlation (0 for a constant unit).
 * Both layers must have the same width. */
int ll_mlp_match_units(ll_mlp *ref, ll_mlp *net, const ll_mnist *probe,
		       int layer, size_t *perm, double *corr, ll_err *err);
/* Reorder the units of a hidden layer so new unit i is old unit perm[i]
 * (rows of W/b of the layer, columns of the next W, optimizer state).  The
 * net computes the same function afterwards. */
int ll_mlp_permute_units(ll_mlp *net, int layer, const size_t *perm, ll_err *err);

/* Weights as float32 .npy files W1.npy b1.npy W2.npy ... in dir (created
 * if missing).  _load needs a net initialised with the same sizes; on
 * failure it leaves the net unchanged (every file is read first). */
int ll_mlp_save(const ll_mlp *net, const char *dir, ll_err *err);
int ll_mlp_load(ll_mlp *net, const char *dir, ll_err *err);

#endif
