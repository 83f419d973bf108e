/*
 * step_train.h - the train step's results (s->res.train): the MLPs' test
 * loss and accuracy over training, and their hidden activity per digit.
 */
#ifndef LL_STEP_TRAIN_H
#define LL_STEP_TRAIN_H

#include "pipeline/ll_session.h"
#include "tensor/ll_tensor.h"

typedef struct ll_train_log {
	size_t models, snapshots;
	size_t units;               /* hidden units logged */
	int *step;                  /* snapshots: training step of each (owned) */
	double *loss, *acc;         /* models x snapshots: test loss / accuracy (owned) */
	double *train_loss;         /* models x snapshots: mean train loss since last (owned) */
	double final_acc_mean, final_acc_min;
} ll_train_log;

struct ll_res_train {
	ll_train_log log;
	ll_tensor activity;         /* models x digits x units x snapshots */
	ll_mode_info modes[4];      /* model, digit, unit, snapshot */
	/* with [train] probe_activity = N: every unit's activity on the first N
	 * probe images of each digit, models x snapshots x images x units
	 * (float; units matched like activity's), and each image's digit */
	float *probe;               /* (owned) or NULL */
	size_t probe_n;             /* images: 10 N */
	int *probe_labels;          /* probe_n digits (owned) */
	/* every model's class probabilities on the whole probe set (the
	 * probe_per_class images of each digit, grouped by digit) at every
	 * snapshot: models x snapshots x outputs_n x 10, float as computed
	 * (what InPCA embeds) */
	float *outputs;             /* (owned) */
	size_t outputs_n;           /* images: 10 probe_per_class */
	/* with [train] hessian_top = K: the training loss's curvature on the
	 * first hessian_images training images at every hessian_every-th
	 * snapshot (and the last), NaN at the others: the K largest Hessian
	 * eigenvalues (Lanczos on exact Hessian-vector products,
	 * nn/ll_hessian.h) and the trace (Hutchinson, hess_probes probes) */
	size_t hess_k;              /* K (0: not computed) */
	double *hess_top;           /* models x snapshots x K, descending (owned) */
	double *hess_trace;         /* models x snapshots (owned) */
	size_t hess_images, hess_probes;
	/* with [tensor] of = readout / input: every model's weights at every
	 * snapshot, float as trained, units matched like activity's */
	float *w_out;               /* models x snapshots x 10 x units: the readout
				     * layer (one hidden layer only) (owned) or NULL */
	float *w_in;                /* models x snapshots x units x n_in: the first
				     * layer's incoming weights (owned) or NULL */
	size_t n_in;                /* pixels: 784 */
	/* rich vs lazy: how far each model moved from its start (always
	 * computed; written and reported when [train] init_scale or init_rank
	 * sets a regime, see ll_train_regimes) */
	size_t nlayers;             /* weight layers: 2 or 3 */
	double *wchange;            /* models x (nlayers + 1): ||W_T - W_0||_F / ||W_0||_F
				     * per layer, then over all weight layers (owned) */
	double *repr_change;        /* models: 1 - linear CKA of the first hidden layer on
				     * the probe set, start against end (owned) */
};

/* Model m's class probabilities at snapshot j: outputs_n x 10. */
static inline const float *ll_res_train_outputs(const struct ll_res_train *r, size_t m, size_t j)
{
	return r->outputs + (m * r->log.snapshots + j) * r->outputs_n * 10;
}
/* Model m's probe activity at snapshot j: probe_n x units. */
static inline const float *ll_res_train_probe(const struct ll_res_train *r, size_t m, size_t j)
{
	return r->probe + (m * r->log.snapshots + j) * r->probe_n * r->log.units;
}

/* Model m's learning rate: [train] lr = a,b,c gives a, b, c to the models
 * in turn; *nlr (may be NULL) receives how many the list holds. */
double ll_train_model_lr(const ll_session *s, size_t m, size_t *nlr);

/* The regimes of a rich vs lazy sweep: [train] init_scale (a list of
 * scales > 0) x init_rank (a list of "full" or ranks), the scales varying
 * fastest.  Model m starts in regime m % n (the models take the regimes in
 * turn, as they take the learning rates: models = 6 with 3 scales x 1
 * rank gives two models per scale). */
#define LL_TRAIN_MAX_REGIMES 64
typedef struct ll_train_regimes {
	size_t nscale, nrank, n;           /* n = nscale * nrank */
	double scale[LL_TRAIN_MAX_REGIMES];
	size_t rank[LL_TRAIN_MAX_REGIMES]; /* 0 = full */
	int sweep;                         /* the keys are not the defaults (1, full) */
} ll_train_regimes;
/* Parse the two keys; LL_EINVAL with a one-line "[train] ..." message for
 * a scale <= 0, a rank that is neither full nor a number >= 1, or more
 * than LL_TRAIN_MAX_REGIMES regimes. */
int ll_train_regimes_get(const ll_session *s, ll_train_regimes *g, ll_err *err);
/* Regime r's scale and rank (0 = full). */
static inline double ll_train_regime_scale(const ll_train_regimes *g, size_t r)
{
	return g->scale[r % g->nscale];
}
static inline size_t ll_train_regime_rank(const ll_train_regimes *g, size_t r)
{
	return g->rank[(r / g->nscale) % g->nrank];
}
/* "scale 0.1, rank full" into buf; returns buf. */
char *ll_train_regime_name(const ll_train_regimes *g, size_t r, char *buf, size_t n);

#endif
