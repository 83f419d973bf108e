/*
 * ll_synth.h - a synthetic neural population with planted ground truth
 * (the backend of `latentlab synth` and [data] kind = synth), in the spirit
 * of Williams et al. 2018: a neurons x time x trials tensor of spike counts
 * whose expected value is an exactly low-rank, non-negative CP model.
 *
 * Planted components (component c has family c % 3; later cycles c >= 3
 * shift the bump, the frequency, the midpoint/direction or the condition):
 *   c % 3 == 0  "learning":    a Gaussian bump within the trial (centre
 *               0.3 of the trial, width 0.08) whose size grows across
 *               trials as a sigmoid (midpoint half-way, width 8% of the
 *               trials); odd cycles decay instead and move the bump.
 *   c % 3 == 1  "oscillation": 0.5 (1 - cos(2 pi f t)) within the trial,
 *               f = 2 cycles per trial (+1 per cycle), constant across
 *               trials.
 *   c % 3 == 2  "condition":   a ramp rising over the trial, tuned to one
 *               condition: with C conditions its size on a trial of
 *               condition l is 0.5 (1 + cos(2 pi (l - pref) / C)), pref =
 *               (1 + g) % C -- with two, on only in condition 1 (then 0).
 * Trials cycle through the conditions: label[k] = k % C (C = conditions,
 * default 2).
 * Neuron loadings: each neuron joins each component with probability 1/2
 * with a weight uniform in [0.5, 1.5] (else 0); every neuron joins at least
 * one component and every component has at least one neuron.
 *
 * Expected count per bin:
 *     rate[n,t,k] = dt * (baseline + peak * sum_c w[n,c] time_c(t) trial_c(k))
 * (peak, baseline in spikes/s; dt in s).  The planted model `truth` holds
 * exactly this rate tensor: ll_ktensor_full(truth) == rate up to rounding.
 * When baseline > 0 it is one more component, the LAST one, named
 * "baseline" (uniform over neurons, constant in time and across trials),
 * so truth.rank = rank + 1 -- a rank-`rank` non-negative fit would
 * otherwise have to smear the baseline over the task components.  The
 * default baseline is 0, so the planted rank is exactly `rank`.
 * truth is normalised (unit columns, scale in lambda) and kept in planted
 * order (not sorted by lambda); all factors are non-negative.
 *
 * Noise: poisson (data = Poisson(rate) counts), gaussian (rate + sigma N(0,1),
 * may be negative) or none (data = rate exactly).  Structure and noise use
 * separate streams derived from the seed, so changing the noise model
 * leaves truth unchanged.  Everything is a function of the options.
 */
#ifndef LL_SYNTH_H
#define LL_SYNTH_H

#include <stdint.h>

#include "base/ll_common.h"
#include "tensor/ll_ktensor.h"
#include "tensor/ll_tensor.h"

#define LL_SYNTH_NOISES(X) X(LL_SYNTH_POISSON, "poisson") X(LL_SYNTH_GAUSSIAN, "gaussian") X(LL_SYNTH_NONE, "none")
typedef enum ll_synth_noise { LL_SYNTH_NOISES(LL_ENUM_ID) } ll_synth_noise;

typedef struct ll_synth_opts {
	size_t neurons;      /* default 50 */
	size_t time;         /* bins per trial, default 60 (>= 2) */
	size_t trials;       /* default 80 (>= 2) */
	size_t rank;         /* planted task components, default 3 (1..64) */
	size_t conditions;   /* trial conditions, default 2 (2..trials; 0 = 2) */
	double peak;         /* spikes/s at a factor's peak for weight 1, default 40 */
	double baseline;     /* spikes/s added everywhere, default 0 */
	double dt;           /* bin width in s, default 0.05 */
	ll_synth_noise noise;/* default poisson */
	double sigma;        /* gaussian noise s.d. in counts, default 1 */
	uint64_t seed;       /* default 1 */
} ll_synth_opts;

typedef struct ll_synth {
	ll_tensor data;      /* neurons x time x trials (owned) */
	ll_ktensor truth;    /* planted model of E[data] (owned), see above */
	char (*names)[32];   /* truth.rank component names (owned) */
	int *labels;         /* per-trial condition 0..conditions-1 (owned) */
	size_t ntrials;
	ll_synth_opts opts;  /* what made it (for the synth.json sidecar) */
} ll_synth;

void ll_synth_opts_default(ll_synth_opts *o);
const char *ll_synth_noise_name(ll_synth_noise n);       /* "poisson", ... */
int ll_synth_noise_parse(const char *s, ll_synth_noise *n); /* LL_OK or LL_EINVAL */

/* Validate the options (sizes, finite non-negative rates, dt > 0, ...). */
int ll_synth_check(const ll_synth_opts *o, ll_err *err);
/* Generate into out (free it with ll_synth_free).  On failure: *out is
 * zeroed and holds nothing to free (ll_synth_free on it is harmless). */
int ll_synth_make(const ll_synth_opts *o, ll_synth *out, ll_err *err);
void ll_synth_free(ll_synth *s);

/* Write into directory outdir (created if needed), all '<f8' .npy:
 *   data.npy               neurons x time x trials
 *   labels.npy             trials (condition 0/1 as doubles)
 *   truth_factor_N.npy     dim[N] x R, N = 0 (neurons), 1 (time), 2 (trials)
 *   truth_lambda.npy       R */
int ll_synth_write(const ll_synth *s, const char *outdir, ll_err *err);

#endif
