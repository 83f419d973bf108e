/* Flip-flop and sine-wave tasks for RNNs.  Definitions: ll_rnn_tasks.h. */
#include "nn/ll_rnn_tasks.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/ll_rng.h"

/* the probe set's streams: ll_seed_derive(seed, PROBE_TAG + b, 1), apart
 * from training's ll_seed_derive(seed, b, 0) */
#define PROBE_TAG 0x70726f6265ULL /* "probe" */

static const char *const task_names[] = {LL_TASKS(LL_ENUM_NAME)};
#define N_TASKS LL_ENUM_N(LL_TASKS)

const char *ll_task_name(ll_task_kind k)
{
	if ((int)k < 0 || (int)k >= N_TASKS)
		return "unknown";
	return task_names[k];
}

int ll_task_parse(const char *s, ll_task_kind *k)
{
	int q = s ? ll_name_lookup(task_names, N_TASKS, s) : -1;
	if (q < 0 || !k)
		return LL_EINVAL;
	*k = (ll_task_kind)q;
	return LL_OK;
}

const char *ll_task_metric_name(ll_task_kind k)
{
	return k == LL_TASK_SINE ? "nmse" : "sign accuracy";
}

void ll_task_config_default(ll_task_config *c, ll_task_kind kind)
{
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->steps = 100;
	c->bits = 3;
	c->p_pulse = 0.05;
	c->pulse_at_start = 1;
	c->n_freq = 51;
	c->omega_min = 0.1;
	c->omega_max = 0.6;
	c->level_offset = 0.25;
	c->min_acc = 0.95;
	c->max_nmse = 0.05;
}

int ll_task_config_by_name(ll_task_config *c, const char *name, ll_err *err)
{
	ll_task_kind k;
	if (ll_task_parse(name, &k) != LL_OK) {
		memset(c, 0, sizeof *c);
		return ll_err_set(err, LL_EINVAL, "unknown task \"%s\" (%s)", name ? name : "",
				  LL_ENUM_CHOICES(LL_TASKS));
	}
	ll_task_config_default(c, k);
	return LL_OK;
}

int ll_task_config_check(const ll_task_config *c, ll_err *err)
{
	if (!c)
		return ll_err_set(err, LL_EINVAL, "task: no config");
	if ((int)c->kind < 0 || (int)c->kind >= N_TASKS)
		return ll_err_set(err, LL_EINVAL, "task: kind %d is not a task", (int)c->kind);
	const char *t = ll_task_name(c->kind);
	if (c->steps < 1)
		return ll_err_set(err, LL_EINVAL, "%s: steps = 0 (must be >= 1)", t);
	if (c->kind == LL_TASK_FLIPFLOP) {
		if (c->bits < 1 || c->bits > 64)
			return ll_err_set(err, LL_EINVAL, "flipflop: bits = %zu (must be 1 .. 64)", c->bits);
		if (!(c->p_pulse >= 0.0 && c->p_pulse <= 1.0))
			return ll_err_set(err, LL_EINVAL, "flipflop: p_pulse = %g (must be in [0, 1])",
					  c->p_pulse);
		if (!(c->min_acc > 0.0 && c->min_acc <= 1.0))
			return ll_err_set(err, LL_EINVAL, "flipflop: min_acc = %g (must be in (0, 1])",
					  c->min_acc);
		return LL_OK;
	}
	if (c->n_freq < 1)
		return ll_err_set(err, LL_EINVAL, "sine: n_freq = 0 (must be >= 1)");
	if (!c->omegas != !c->levels)
		return ll_err_set(err, LL_EINVAL, "sine: omegas and levels go together (one is NULL)");
	if (c->omegas) {
		for (size_t j = 0; j < c->n_freq; j++)
			if (!isfinite(c->omegas[j]) || !isfinite(c->levels[j]))
				return ll_err_set(err, LL_EINVAL, "sine: frequency %zu: omega %g, level %g (must be finite)",
						  j, c->omegas[j], c->levels[j]);
	} else {
		if (!isfinite(c->omega_min) || !isfinite(c->omega_max) || !isfinite(c->level_offset))
			return ll_err_set(err, LL_EINVAL, "sine: omega_min, omega_max and level_offset must be finite");
		if (c->n_freq > 1 && !(c->omega_max > c->omega_min))
			return ll_err_set(err, LL_EINVAL, "sine: omega_max = %g (must be > omega_min = %g)",
					  c->omega_max, c->omega_min);
	}
	if (!(c->max_nmse > 0.0))
		return ll_err_set(err, LL_EINVAL, "sine: max_nmse = %g (must be > 0)", c->max_nmse);
	return LL_OK;
}

size_t ll_task_n_in(const ll_task_config *c)
{
	return c->kind == LL_TASK_FLIPFLOP ? c->bits : 1;
}

size_t ll_task_n_out(const ll_task_config *c)
{
	return c->kind == LL_TASK_FLIPFLOP ? c->bits : 1;
}

static void task_label(const ll_task_config *c, char *buf, size_t n)
{
	if (c->kind == LL_TASK_FLIPFLOP)
		snprintf(buf, n, "flipflop with %zu bit%s", c->bits, c->bits == 1 ? "" : "s");
	else
		snprintf(buf, n, "%s", ll_task_name(c->kind));
}

int ll_task_check_net(const ll_task_config *c, size_t n_in, size_t n_out, ll_err *err)
{
	char what[64];
	task_label(c, what, sizeof what);
	size_t ti = ll_task_n_in(c), to = ll_task_n_out(c);
	if (n_in != ti)
		return ll_err_set(err, LL_ESHAPE, "%s needs %zu input%s; the network has %zu", what, ti,
				  ti == 1 ? "" : "s", n_in);
	if (n_out != to)
		return ll_err_set(err, LL_ESHAPE, "%s needs %zu output%s; the network has %zu", what, to,
				  to == 1 ? "" : "s", n_out);
	return LL_OK;
}

int ll_task_sine_freq(const ll_task_config *c, size_t j, double *omega, double *level)
{
	if (j >= c->n_freq)
		return LL_EINVAL;
	double w, l;
	if (c->omegas) {
		w = c->omegas[j];
		l = c->levels[j];
	} else {
		w = c->n_freq > 1 ? c->omega_min + (double)j * (c->omega_max - c->omega_min) /
						       (double)(c->n_freq - 1)
				  : c->omega_min;
		l = (double)j / (double)c->n_freq + c->level_offset;
	}
	if (omega)
		*omega = w;
	if (level)
		*level = l;
	return LL_OK;
}

void ll_task_batch_free(ll_task_batch *b)
{
	if (!b)
		return;
	ll_free(b->x);
	ll_free(b->target);
	ll_free(b->cond);
	memset(b, 0, sizeof *b);
}

static int batch_alloc(const ll_task_config *c, size_t B, ll_task_batch *out, ll_err *err)
{
	size_t T = c->steps, ni = ll_task_n_in(c), no = ll_task_n_out(c), nx, ny;
	if (!ll_mul_ok(B, T, &nx) || !ll_mul_ok(nx, ni, &nx) || !ll_mul_ok(B * T, no, &ny))
		return ll_err_set(err, LL_ENOMEM, "%s: %zu sequences of %zu steps is too large",
				  ll_task_name(c->kind), B, T);
	out->kind = c->kind;
	out->B = B;
	out->T = T;
	out->n_in = ni;
	out->n_out = no;
	out->x = ll_calloc_array(nx, sizeof *out->x);
	out->target = ll_calloc_array(ny, sizeof *out->target);
	if (c->kind == LL_TASK_SINE)
		out->cond = ll_calloc_array(B, sizeof *out->cond);
	if (!out->x || !out->target || (c->kind == LL_TASK_SINE && !out->cond)) {
		ll_task_batch_free(out);
		return ll_err_oom(err);
	}
	return LL_OK;
}

/* One flip-flop sequence (T x K) from rng. */
static void flipflop_seq(const ll_task_config *c, ll_rng *r, float *x, float *y)
{
	size_t K = c->bits, T = c->steps;
	for (size_t k = 0; k < K; k++) {
		float held = 0.0f;
		for (size_t t = 0; t < T; t++) {
			/* two draws per entry whatever happens, so entry (t, k)
			 * uses the same numbers under both pulse_at_start values */
			double u = ll_rng_uniform(r);
			float sign = ll_rng_uniform(r) < 0.5 ? -1.0f : 1.0f;
			int pulse = (t == 0 && c->pulse_at_start) || u < c->p_pulse;
			x[t * K + k] = pulse ? sign : 0.0f;
			if (pulse)
				held = sign;
			y[t * K + k] = held;
		}
	}
}

static void sine_seq(const ll_task_config *c, size_t j, float *x, float *y)
{
	double w, l;
	ll_task_sine_freq(c, j, &w, &l);
	for (size_t t = 0; t < c->steps; t++) {
		x[t] = (float)l;
		y[t] = (float)sin(w * (double)t);
	}
}

static int make(const ll_task_config *c, size_t B, uint64_t seed, int probe, ll_task_batch *out,
		ll_err *err)
{
	if (out)
		memset(out, 0, sizeof *out);
	if (!out)
		return ll_err_set(err, LL_EINVAL, "task: no output batch");
	int rc = ll_task_config_check(c, err);
	if (rc != LL_OK)
		return rc;
	if (B < 1)
		return ll_err_set(err, LL_EINVAL, "%s: 0 sequences (need >= 1)", ll_task_name(c->kind));
	rc = batch_alloc(c, B, out, err);
	if (rc != LL_OK)
		return rc;
	size_t T = c->steps, ni = out->n_in, no = out->n_out;
	for (size_t b = 0; b < B; b++) {
		ll_rng r;
		ll_rng_init(&r, probe ? ll_seed_derive(seed, PROBE_TAG + b, 1) : ll_seed_derive(seed, b, 0));
		float *x = out->x + b * T * ni, *y = out->target + b * T * no;
		if (c->kind == LL_TASK_FLIPFLOP) {
			flipflop_seq(c, &r, x, y);
			continue;
		}
		size_t j, n = c->n_freq;
		if (!probe)
			j = (size_t)ll_rng_below(&r, n);
		else if (B > n)
			j = b % n;
		else if (B == 1)
			j = 0;
		else
			j = (size_t)floor((double)b * (double)(n - 1) / (double)(B - 1) + 0.5);
		out->cond[b] = j;
		sine_seq(c, j, x, y);
	}
	return LL_OK;
}

int ll_task_generate(const ll_task_config *c, size_t B, uint64_t seed, ll_task_batch *out,
		     ll_err *err)
{
	return make(c, B, seed, 0, out, err);
}

int ll_task_probe(const ll_task_config *c, size_t B, uint64_t seed, ll_task_batch *out,
		  ll_err *err)
{
	return make(c, B, seed, 1, out, err);
}

int ll_task_evaluate(const ll_task_config *c, const ll_task_batch *b, const float *y,
		     size_t n_out, ll_task_score *s, ll_err *err)
{
	if (s)
		memset(s, 0, sizeof *s);
	if (!c || !b || !y || !s)
		return ll_err_set(err, LL_EINVAL, "task evaluate: NULL argument");
	int rc = ll_task_config_check(c, err);
	if (rc != LL_OK)
		return rc;
	if (b->kind != c->kind || b->n_out != ll_task_n_out(c) || !b->target)
		return ll_err_set(err, LL_EINVAL, "task evaluate: the batch was made for %s with %zu outputs, not %s with %zu",
				  ll_task_name(b->kind), b->n_out, ll_task_name(c->kind), ll_task_n_out(c));
	if (n_out != b->n_out)
		return ll_err_set(err, LL_ESHAPE, "%s: the network has %zu outputs; the task has %zu",
				  ll_task_name(c->kind), n_out, b->n_out);
	size_t n = b->B * b->T * n_out;
	const float *t = b->target;
	if (c->kind == LL_TASK_FLIPFLOP) {
		size_t hit = 0;
		for (size_t i = 0; i < n; i++) {
			if (!isfinite(y[i]))
				s->nonfinite++;
			if (t[i] == 0.0f)
				continue;
			s->scored++;
			if ((t[i] > 0.0f && y[i] > 0.0f) || (t[i] < 0.0f && y[i] < 0.0f))
				hit++;
		}
		s->score = s->scored ? (double)hit / (double)s->scored : 0.0;
		s->learned = s->scored > 0 && s->score >= c->min_acc;
		return LL_OK;
	}
	double mean = 0.0, var = 0.0, se = 0.0;
	for (size_t i = 0; i < n; i++)
		mean += t[i];
	mean /= (double)n;
	for (size_t i = 0; i < n; i++) {
		double d = (double)y[i] - t[i], v = t[i] - mean;
		if (!isfinite(y[i]))
			s->nonfinite++;
		se += d * d;
		var += v * v;
	}
	s->scored = n;
	if (s->nonfinite)
		s->score = INFINITY;
	else
		s->score = var > 0.0 ? se / var : (se > 0.0 ? INFINITY : 0.0);
	s->learned = s->score <= c->max_nmse;
	return LL_OK;
}

void ll_task_score_line(const ll_task_config *c, const ll_task_score *s, char *buf, size_t n)
{
	char extra[64] = "";
	if (s->nonfinite)
		snprintf(extra, sizeof extra, "; %zu non-finite output%s", s->nonfinite,
			 s->nonfinite == 1 ? "" : "s");
	if (c->kind == LL_TASK_FLIPFLOP)
		snprintf(buf, n, "%s: %s %.4g (%s: %s %g%s)", ll_task_name(c->kind),
			 ll_task_metric_name(c->kind), s->score, s->learned ? "learned" : "not learned",
			 s->learned ? ">=" : "<", c->min_acc, extra);
	else
		snprintf(buf, n, "%s: %s %.4g (%s: %s %g%s)", ll_task_name(c->kind),
			 ll_task_metric_name(c->kind), s->score, s->learned ? "learned" : "not learned",
			 s->learned ? "<=" : ">", c->max_nmse, extra);
}
