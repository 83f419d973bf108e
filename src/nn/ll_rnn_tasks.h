/*
 * ll_rnn_tasks.h - procedurally generated, seeded tasks for recurrent
 * networks (Sussillo & Barak 2013, "Opening the black box"), their
 * accuracy criteria and fixed probe sets.
 *
 *  flipflop  K-bit flip-flop (K = cfg.bits, default 3).  K inputs, K
 *      outputs.  At each step each input channel independently receives a
 *      pulse with probability p_pulse (default 0.05: Sussillo & Barak's
 *      sparse pulses, so a bit is held for ~20 steps on average;
 *      fixed-point-finder's FlipFlopData uses p = 0.5 over 64 steps), of
 *      sign +1 or -1 with probability 1/2; otherwise 0.
 *      Output k at step t is the sign of the last pulse of channel k at or
 *      before t (a pulse at t already shows at t).  With pulse_at_start
 *      (the default, as fixed-point-finder's FlipFlopData does) every
 *      channel gets a pulse at t = 0, so every output is defined; without
 *      it the target is 0 until the channel's first pulse, and those
 *      entries are not scored.
 *  sine  sine-wave generation.  One input, one output.  Frequency index j
 *      in 0 .. n_freq-1 (default 51) has omega_j = omega_min + j
 *      (omega_max - omega_min) / (n_freq - 1) rad/step (default 0.1 ..
 *      0.6) and input level_j = j / n_freq + level_offset (default 0.25:
 *      Sussillo & Barak's j/51 + 0.25).  The input is level_j at every
 *      step; the target is sin(omega_j t), t = 0 .. T-1.  cfg.omegas and
 *      cfg.levels (borrowed, n_freq each, both or neither) replace the grid
 *      with any set of frequencies and levels.
 *
 * Layout: x is B x T x n_in and target B x T x n_out, float32 row-major
 * (sequence, step, channel).  Sequence b is drawn from its own stream,
 * ll_seed_derive(seed, b, 0), so the first sequences of a batch do not
 * depend on B.
 *
 * Scores (ll_task_evaluate) say how a network's outputs y (B x T x n_out)
 * match the targets, and whether the network counts as having learned the
 * task: a network that fails gets its score and learned = 0, never an
 * error, so it can be reported rather than dropped.
 *  flipflop  sign accuracy: the fraction of scored (step, channel) entries
 *      where sign(y) equals the target (y = 0 or NaN is wrong); scored
 *      entries are those with a target (after the channel's first pulse).
 *      Learned if >= min_acc (default 0.95).
 *  sine  normalised MSE: sum (y - target)^2 / sum (target - mean)^2 over
 *      all entries (Inf if any y is NaN/Inf).  Learned if <= max_nmse
 *      (default 0.05, i.e. R^2 >= 0.95).
 *
 * Ownership: ll_task_batch is caller-owned; ll_task_generate and
 * ll_task_probe fill it and ll_task_batch_free releases it (a no-op on a
 * zeroed or freed batch).  No global state; everything is thread-safe.
 */
#ifndef LL_RNN_TASKS_H
#define LL_RNN_TASKS_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"

#define LL_TASKS(X) X(LL_TASK_FLIPFLOP, "flipflop") X(LL_TASK_SINE, "sine")
typedef enum ll_task_kind { LL_TASKS(LL_ENUM_ID) } ll_task_kind;

const char *ll_task_name(ll_task_kind k);          /* "flipflop", "sine" */
int ll_task_parse(const char *s, ll_task_kind *k); /* LL_OK or LL_EINVAL */

typedef struct ll_task_config {
	ll_task_kind kind;
	size_t steps;           /* T, steps per sequence (default 100) */
	/* flipflop */
	size_t bits;            /* K (default 3), 1 .. 64 */
	double p_pulse;         /* pulse probability per step and channel (0.05) */
	int pulse_at_start;     /* 1: a pulse on every channel at t = 0 (default 1) */
	/* sine */
	size_t n_freq;          /* frequencies (default 51) */
	double omega_min, omega_max; /* rad/step (0.1, 0.6) */
	double level_offset;    /* level_j = j / n_freq + level_offset (0.25) */
	const double *omegas;   /* borrowed, n_freq values, or NULL: the grid */
	const double *levels;   /* borrowed, n_freq values, or NULL: the grid */
	/* learned criteria */
	double min_acc;         /* flipflop: sign accuracy >= min_acc (0.95) */
	double max_nmse;        /* sine: nmse <= max_nmse (0.05) */
} ll_task_config;

/* The defaults above for the task kind. */
void ll_task_config_default(ll_task_config *c, ll_task_kind kind);
/* The defaults of the task called name ("flipflop", "sine"; as
 * ll_name_lookup matches).  LL_EINVAL: unknown task "x" (flipflop|sine). */
int ll_task_config_by_name(ll_task_config *c, const char *name, ll_err *err);
/* LL_EINVAL naming the field, e.g. "flipflop: p_pulse = 2 (must be in [0, 1])". */
int ll_task_config_check(const ll_task_config *c, ll_err *err);

/* Input and output widths: K and K (flipflop), 1 and 1 (sine). */
size_t ll_task_n_in(const ll_task_config *c);
size_t ll_task_n_out(const ll_task_config *c);
/* LL_ESHAPE unless a network with n_in inputs and n_out outputs fits the
 * task, e.g. "flipflop with 3 bits needs 3 inputs; the network has 2". */
int ll_task_check_net(const ll_task_config *c, size_t n_in, size_t n_out, ll_err *err);

/* omega_j (rad/step) and level_j of sine frequency j < n_freq (either
 * pointer may be NULL).  LL_EINVAL if j is out of range. */
int ll_task_sine_freq(const ll_task_config *c, size_t j, double *omega, double *level);

typedef struct ll_task_batch {
	ll_task_kind kind;
	size_t B, T, n_in, n_out;
	float *x;      /* B x T x n_in (owned) */
	float *target; /* B x T x n_out (owned) */
	size_t *cond;  /* sine: B frequency indices (owned); flipflop: NULL */
} ll_task_batch;

/* B >= 1 sequences of the task, drawn from seed (cfg checked).  Sine
 * sequences draw their frequency index uniformly.  On failure: *out is
 * zeroed and holds nothing to free. */
int ll_task_generate(const ll_task_config *c, size_t B, uint64_t seed, ll_task_batch *out,
		     ll_err *err);
/* A fixed probe set for logging hidden trajectories: B sequences from a
 * stream of seed kept apart from ll_task_generate's (the same seed gives
 * different sequences there and here).  Flipflop: random pulses as in
 * training.  Sine: the frequencies spread over the set, sequence b using
 * j = round(b (n_freq - 1) / (B - 1)) when B <= n_freq (B = 1: j = 0), else
 * j = b mod n_freq, so every frequency appears once B >= n_freq.  On
 * failure: *out is zeroed and holds nothing to free. */
int ll_task_probe(const ll_task_config *c, size_t B, uint64_t seed, ll_task_batch *out,
		  ll_err *err);
void ll_task_batch_free(ll_task_batch *b);

typedef struct ll_task_score {
	double score;     /* flipflop: sign accuracy (0..1, higher is better); sine: nmse (lower) */
	int learned;      /* 1 if score meets the config's criterion */
	size_t scored;    /* entries scored */
	size_t nonfinite; /* NaN/Inf outputs among all entries */
} ll_task_score;

/* "sign accuracy" (flipflop) or "nmse" (sine). */
const char *ll_task_metric_name(ll_task_kind k);
/* Score y (b->B x b->T x n_out, float32 row-major) against b's targets.
 * LL_ESHAPE if n_out is not the task's; LL_EINVAL if b was made for another
 * task.  A flipflop batch with no scored entry scores 0, not learned. */
int ll_task_evaluate(const ll_task_config *c, const ll_task_batch *b, const float *y,
		     size_t n_out, ll_task_score *s, ll_err *err);
/* One line for a log: "flipflop: sign accuracy 0.973 (learned: >= 0.95)"
 * or "sine: nmse 0.41 (not learned: > 0.05; 3 non-finite outputs)". */
void ll_task_score_line(const ll_task_config *c, const ll_task_score *s, char *buf, size_t n);

#endif
