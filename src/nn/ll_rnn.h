/*
 * ll_rnn.h - one-layer recurrent networks with a linear readout, trained
 * by backpropagation through time: vanilla (tanh), GRU and LSTM cells.
 *
 * The equations are PyTorch's (nn.RNN, nn.GRU, nn.LSTM, one layer,
 * batch_first), with x the input and h the hidden state of H units:
 *   vanilla  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
 *   GRU      r  = s(W_ir x + b_ir + W_hr h + b_hr)
 *            z  = s(W_iz x + b_iz + W_hz h + b_hz)
 *            n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))
 *            h' = (1 - z) * n + z * h
 *   LSTM     i, f, g, o = s(.), s(.), tanh(.), s(.) of W_i* x + b_i* + W_h* h + b_h*
 *            c' = f * c + i * g,  h' = o * tanh(c')
 *   readout  y = W_out h' + b_out          (nn.Linear(H, n_out))
 * s is the logistic sigmoid, * elementwise.  Gate blocks are stacked in
 * PyTorch's order, GRU (r, z, n) and LSTM (i, f, g, o), so w_ih is
 * gates*H x n_in with rows [W_ir; W_iz; W_in] for a GRU.  The state of a
 * cell is s = h (S = H) for vanilla and GRU and s = [h; c] (S = 2H) for
 * the LSTM.
 *
 * Parameters are float32 and contiguous in state_dict order: w_ih, w_hh,
 * b_ih, b_hh, w_out, b_out.  Initialisation is PyTorch's default: every
 * RNN weight and bias U(-1/sqrt(H), 1/sqrt(H)); the readout as
 * nn.Linear, which for fan-in H is the same bound.  .npz files use
 * PyTorch's state_dict names (rnn.weight_ih_l0, rnn.weight_hh_l0,
 * rnn.bias_ih_l0, rnn.bias_hh_l0, out.weight, out.bias), so a model
 * `self.rnn = nn.GRU(n_in, H, batch_first=True); self.out =
 * nn.Linear(H, n_out)` saved with numpy.savez(f, **{k: v.numpy() ...})
 * loads here, and ours load there with load_state_dict.
 *
 * Sequences are row-major B x T x n_in (batch first, as PyTorch's
 * batch_first=True); outputs B x T x n_out, states B x T x S.  Every
 * time step is one cblas_sgemm over the batch; the input projection of
 * all steps, the readout and the weight gradients are one sgemm each.
 * Threads: with the calling thread's OpenMP count above 1 (what
 * ll_threads_push set; base/ll_threads.h) the batch is split between threads, at least 8
 * sequences each, and BLAS runs single-threaded inside; with one OpenMP
 * thread, BLAS threads as configured.  Inside another parallel region
 * (nets trained in parallel) a net uses one thread.
 *
 * Determinism: initialisation comes from an ll_rng stream derived from
 * cfg.seed; equal configs and data give bitwise-equal nets (with the same
 * BLAS and thread counts).
 *
 * Ownership: ll_rnn is caller-owned; ll_rnn_init / ll_rnn_load_npz
 * allocate its buffers, ll_rnn_free releases them (a no-op on a zeroed or
 * freed net).  The net holds scratch that grows to the largest B x T it
 * has seen, so one net must not be used from two threads at once;
 * different nets are independent (no global state).
 */
#ifndef LL_RNN_H
#define LL_RNN_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"

#define LL_RNN_CELLS(X) X(LL_RNN_VANILLA, "vanilla") X(LL_RNN_GRU, "gru") X(LL_RNN_LSTM, "lstm")
typedef enum ll_rnn_cell { LL_RNN_CELLS(LL_ENUM_ID) } ll_rnn_cell;

/* sgd: p -= lr g; adam: Kingma & Ba, bias-corrected, as torch.optim.Adam */
#define LL_RNN_OPTS(X) X(LL_RNN_SGD, "sgd") X(LL_RNN_ADAM, "adam")
typedef enum ll_rnn_opt { LL_RNN_OPTS(LL_ENUM_ID) } ll_rnn_opt;

const char *ll_rnn_cell_name(ll_rnn_cell c);          /* "vanilla", "gru", "lstm" */
int ll_rnn_cell_parse(const char *s, ll_rnn_cell *c); /* LL_OK or LL_EINVAL */
const char *ll_rnn_opt_name(ll_rnn_opt o);            /* "sgd", "adam" */
int ll_rnn_opt_parse(const char *s, ll_rnn_opt *o);

typedef struct ll_rnn_config {
	ll_rnn_cell cell;
	size_t n_in;           /* input channels */
	size_t hidden;         /* H, units */
	size_t n_out;          /* readout channels */
	ll_rnn_opt opt;
	double lr;
	double beta1, beta2, eps; /* LL_RNN_ADAM */
	double clip;           /* largest global gradient 2-norm, 0 = no clipping */
	double weight_decay;   /* L2 on weights (not biases), >= 0 */
	uint64_t seed;         /* initialisation */
} ll_rnn_config;

/* GRU, 1 input, 64 units, 1 output, Adam lr 1e-3 betas 0.9/0.999 eps
 * 1e-8, clip 1, no weight decay, seed 1. */
void ll_rnn_config_default(ll_rnn_config *c);
/* LL_EINVAL naming the field, e.g. "rnn config: hidden = 0 (must be
 * 1..16777216)". */
int ll_rnn_config_check(const ll_rnn_config *c, ll_err *err);

typedef struct ll_rnn {
	ll_rnn_config cfg;
	size_t gates;      /* gate blocks: 1 vanilla, 3 GRU, 4 LSTM */
	size_t H, S;       /* hidden units; state size (H, or 2H for the LSTM) */
	size_t nparams;
	float *params, *grad; /* nparams each, in state_dict order (owned) */
	/* Views into params (and the same offsets into grad). */
	float *w_ih;       /* gates*H x n_in */
	float *w_hh;       /* gates*H x H */
	float *b_ih, *b_hh; /* gates*H */
	float *w_out;      /* n_out x H */
	float *b_out;      /* n_out */
	float *opt_m, *opt_v; /* Adam moments (owned; NULL for SGD) */
	size_t step;       /* optimizer steps taken */
	double grad_norm;  /* global gradient norm of the last train step, before clipping */
	/* scratch (owned), sized for ws_B x ws_T */
	size_t ws_B, ws_T, ws_len;
	float *ws;
} ll_rnn;

/* Validate cfg, allocate, initialise (PyTorch's default).  On failure:
 * *net is zeroed and holds nothing to free. */
int ll_rnn_init(ll_rnn *net, const ll_rnn_config *cfg, ll_err *err);
void ll_rnn_free(ll_rnn *net);

/* The state_dict name of parameter j (0 <= j < nparams) and its index in
 * that tensor, e.g. "rnn.weight_hh_l0[3, 7]", into buf. */
const char *ll_rnn_param_name(const ll_rnn *net, size_t j, char *buf, size_t n);

/* LL_ESHAPE unless data of n_in input and n_out target channels fits the
 * net, e.g. "rnn train: the task has 4 input channels, the net takes 3".
 * For callers that hold a task's widths (what: the message's prefix). */
int ll_rnn_check_widths(const ll_rnn *net, size_t n_in, size_t n_out, const char *what, ll_err *err);

/* Run B sequences of T steps (x: B x T x n_in) from s0 (B x S, NULL =
 * zeros).  states (B x T x S: the state after each step, [h; c] for an
 * LSTM) and y (B x T x n_out) may each be NULL.  LL_EINVAL for B or T of
 * 0 or too large; LL_ENOMEM if the scratch cannot grow. */
int ll_rnn_forward(ll_rnn *net, const float *x, size_t B, size_t T, const float *s0,
		   float *states, float *y, ll_err *err);

/* Loss of B sequences from zero state and its gradient into net->grad
 * (weight decay and clipping not included).  The loss is the mean squared
 * error over all outputs, sum_{b,t,k} (y - target)^2 / (B T n_out), as
 * torch.nn.MSELoss() (reduction 'mean').  target: B x T x n_out.
 * LL_ENUMERIC naming the element if x or target holds a NaN or Inf. */
int ll_rnn_gradient(ll_rnn *net, const float *x, const float *target, size_t B, size_t T,
		    double *loss, ll_err *err);

/* One optimizer step: gradient, global-norm clipping (the gradient is
 * scaled by clip / norm when its 2-norm exceeds clip, as
 * torch.nn.utils.clip_grad_norm_), weight decay, update.  *loss (may be
 * NULL) gets the loss before the update.  Divergence is checked every
 * step: a non-finite loss or gradient norm is LL_ENUMERIC naming the step
 * (net->step, 0-based) and leaves the parameters unchanged, e.g. "rnn
 * train: loss is nan at step 12 (learning rate 0.5 too high?)", or
 * "rnn train: parameter rnn.weight_hh_l0[2, 4] is nan at step 1" when a
 * parameter already was not finite; an update that makes a parameter
 * non-finite is reported the same way (the parameters are then as
 * updated). */
int ll_rnn_train_step(ll_rnn *net, const float *x, const float *target, size_t B, size_t T,
		      double *loss, ll_err *err);

/* ---- one step in double precision, for fixed points and linearisation ---- */

/* s_next = F(s, u): one step of the cell from state s (S) with input u
 * (n_in), computed in double from the float weights.  s and s_next may
 * not overlap. */
void ll_rnn_map(const ll_rnn *net, const double *s, const double *u, double *s_next);
/* Its Jacobian dF_i/ds_j (S x S, row-major) at (s, u), analytic. */
void ll_rnn_jacobian(const ll_rnn *net, const double *s, const double *u, double *J);
/* The input Jacobian dF_i/du_k (S x n_in, row-major) at (s, u). */
void ll_rnn_input_jacobian(const ll_rnn *net, const double *s, const double *u, double *Ju);
/* The readout of a state: y = W_out h + b_out (n_out), h the first H
 * entries of s. */
void ll_rnn_readout(const ll_rnn *net, const double *s, double *y);

/* ---- weights as .npz in PyTorch's state_dict naming ---- */

/* Write the six tensors as '<f4' .npy members (ll_npz_write: a temp file
 * renamed into place). */
int ll_rnn_save_npz(const ll_rnn *net, const char *path, ll_err *err);
/* Read a net from an .npz of the six state_dict tensors ('<f4' or '<f8',
 * either byte order).  The cell follows from the rows of weight_hh (H,
 * 3H, 4H: vanilla, GRU, LSTM), n_in from the columns of weight_ih, n_out
 * from the rows of out.weight; everything else (optimizer, clip, seed)
 * from base (NULL: ll_rnn_config_default).  One-line errors name the file
 * and the problem: a missing or unknown key, a shape that does not fit
 * the others ("rnn.bias_hh_l0 has 96 entries, expected 192 (4 x 48 for
 * an LSTM)"), a NaN or Inf weight, a non-float dtype.  On failure: *net
 * is zeroed and holds nothing to free. */
int ll_rnn_load_npz(const char *path, const ll_rnn_config *base, ll_rnn *net, ll_err *err);

#endif
