/* Tests for the RNN tasks: flip-flop targets hold the last pulse's sign,
 * sine targets are the sine at the mapped frequency, determinism, probe
 * sets, scores and the learned flag, and one-line errors. */
#include "base/ll_common.h"
#include "nn/ll_rnn_tasks.h"
#include "ll_test.h"

#include <stdint.h>

static int one_line(const char *s)
{
	return s && *s && !strchr(s, '\n');
}

static void test_names(void)
{
	ll_task_kind k;
	LL_CHECK_INT(ll_task_parse("flipflop", &k), LL_OK);
	LL_CHECK_INT(k, LL_TASK_FLIPFLOP);
	LL_CHECK_INT(ll_task_parse("SINE", &k), LL_OK);
	LL_CHECK_INT(k, LL_TASK_SINE);
	LL_CHECK_INT(ll_task_parse("flip-flop", &k), LL_EINVAL);
	LL_CHECK_STR(ll_task_name(LL_TASK_SINE), "sine");

	ll_task_config c;
	ll_err e;
	LL_REQUIRE_OK(ll_task_config_by_name(&c, "flipflop", &e), e);
	LL_CHECK_INT(c.kind, LL_TASK_FLIPFLOP);
	LL_CHECK_INT(ll_task_n_in(&c), 3);
	LL_CHECK_INT(ll_task_n_out(&c), 3);
	LL_REQUIRE_OK(ll_task_config_by_name(&c, "sine", &e), e);
	LL_CHECK_INT(ll_task_n_in(&c), 1);
	LL_CHECK_INT(ll_task_n_out(&c), 1);
	LL_CHECK_INT(ll_task_config_by_name(&c, "lorenz", &e), LL_EINVAL);
	LL_CHECK_STR(e.msg, "unknown task \"lorenz\" (flipflop|sine)");
}

/* targets hold the sign of the channel's last pulse (0 before it) */
static void check_flipflop(const ll_task_batch *b, size_t K)
{
	size_t T = b->T;
	for (size_t s = 0; s < b->B; s++)
		for (size_t k = 0; k < K; k++) {
			float held = 0.0f;
			for (size_t t = 0; t < T; t++) {
				float x = b->x[(s * T + t) * K + k];
				LL_CHECK(x == 0.0f || x == 1.0f || x == -1.0f);
				if (x != 0.0f)
					held = x;
				LL_CHECK(b->target[(s * T + t) * K + k] == held);
			}
		}
}

static void test_flipflop(void)
{
	ll_task_config c;
	ll_task_batch b;
	ll_err e;
	ll_task_config_default(&c, LL_TASK_FLIPFLOP);
	c.steps = 400;
	LL_REQUIRE_OK(ll_task_generate(&c, 16, 7, &b, &e), e);
	LL_CHECK_INT(b.B, 16);
	LL_CHECK_INT(b.T, 400);
	LL_CHECK_INT(b.n_in, 3);
	LL_CHECK_INT(b.n_out, 3);
	LL_CHECK(b.cond == NULL);
	check_flipflop(&b, 3);
	/* a pulse on every channel at t = 0, then about p per step */
	size_t pulses = 0, n = 0;
	for (size_t s = 0; s < b.B; s++)
		for (size_t t = 0; t < b.T; t++)
			for (size_t k = 0; k < 3; k++) {
				float x = b.x[(s * b.T + t) * 3 + k];
				if (t == 0)
					LL_CHECK(x != 0.0f);
				else {
					n++;
					pulses += x != 0.0f;
				}
			}
	double rate = (double)pulses / (double)n;
	/* 19,152 Bernoulli(0.05) draws: sd 0.0016 */
	LL_CHECK_NEAR(rate, 0.05, 0.008);

	/* the same seed gives the same batch; the first sequences do not
	 * depend on B; another seed differs */
	ll_task_batch b2, b3;
	LL_REQUIRE_OK(ll_task_generate(&c, 4, 7, &b2, &e), e);
	LL_CHECK(memcmp(b.x, b2.x, 4 * 400 * 3 * sizeof(float)) == 0);
	LL_CHECK(memcmp(b.target, b2.target, 4 * 400 * 3 * sizeof(float)) == 0);
	LL_REQUIRE_OK(ll_task_generate(&c, 4, 8, &b3, &e), e);
	LL_CHECK(memcmp(b.x, b3.x, 4 * 400 * 3 * sizeof(float)) != 0);
	ll_task_batch_free(&b2);
	ll_task_batch_free(&b3);

	/* without the pulse at t = 0: targets 0 until the first pulse */
	c.pulse_at_start = 0;
	c.bits = 5;
	LL_REQUIRE_OK(ll_task_generate(&c, 8, 7, &b2, &e), e);
	LL_CHECK_INT(b2.n_in, 5);
	check_flipflop(&b2, 5);
	size_t zeros = 0;
	for (size_t i = 0; i < b2.B * b2.T * 5; i++)
		zeros += b2.target[i] == 0.0f;
	LL_CHECK(zeros > 0);
	ll_task_batch_free(&b2);
	ll_task_batch_free(&b);
	ll_task_batch_free(&b); /* a no-op */
}

static void test_sine(void)
{
	ll_task_config c;
	ll_task_batch b;
	ll_err e;
	ll_task_config_default(&c, LL_TASK_SINE);
	/* Sussillo & Barak: 51 frequencies 0.1 .. 0.6 rad/step, level j/51 + 0.25 */
	double w, l;
	LL_CHECK_INT(ll_task_sine_freq(&c, 0, &w, &l), LL_OK);
	LL_CHECK_NEAR(w, 0.1, 1e-15);
	LL_CHECK_NEAR(l, 0.25, 1e-15);
	LL_CHECK_INT(ll_task_sine_freq(&c, 50, &w, &l), LL_OK);
	LL_CHECK_NEAR(w, 0.6, 1e-15);
	LL_CHECK_NEAR(l, 50.0 / 51.0 + 0.25, 1e-15);
	LL_CHECK_INT(ll_task_sine_freq(&c, 10, &w, &l), LL_OK);
	LL_CHECK_NEAR(w, 0.2, 1e-15);
	LL_CHECK_NEAR(l, 10.0 / 51.0 + 0.25, 1e-15);
	LL_CHECK_INT(ll_task_sine_freq(&c, 51, &w, &l), LL_EINVAL);

	LL_REQUIRE_OK(ll_task_generate(&c, 32, 3, &b, &e), e);
	LL_CHECK_INT(b.n_in, 1);
	LL_CHECK_INT(b.n_out, 1);
	int distinct = 0;
	for (size_t s = 0; s < b.B; s++) {
		size_t j = b.cond[s];
		LL_CHECK(j < 51);
		distinct |= j != b.cond[0];
		ll_task_sine_freq(&c, j, &w, &l);
		for (size_t t = 0; t < b.T; t++) {
			LL_CHECK(b.x[s * b.T + t] == (float)l);
			LL_CHECK_NEAR(b.target[s * b.T + t], sin(w * (double)t), 1e-7);
		}
	}
	LL_CHECK(distinct);
	ll_task_batch_free(&b);

	/* a set of one's own */
	double om[2] = {0.25, 0.5}, lv[2] = {-1.0, 1.0};
	c.omegas = om;
	c.levels = lv;
	c.n_freq = 2;
	c.steps = 20;
	LL_REQUIRE_OK(ll_task_generate(&c, 6, 3, &b, &e), e);
	for (size_t s = 0; s < b.B; s++) {
		size_t j = b.cond[s];
		LL_CHECK(j < 2);
		LL_CHECK(b.x[s * b.T + 5] == (float)lv[j]);
		LL_CHECK_NEAR(b.target[s * b.T + 7], sin(om[j] * 7.0), 1e-7);
	}
	ll_task_batch_free(&b);
	c.levels = NULL;
	LL_CHECK_INT(ll_task_generate(&c, 6, 3, &b, &e), LL_EINVAL);
	LL_CHECK(one_line(e.msg));
	LL_CHECK(b.x == NULL);
}

static void test_probe(void)
{
	ll_task_config c;
	ll_task_batch p, q, g;
	ll_err e;
	ll_task_config_default(&c, LL_TASK_SINE);
	LL_REQUIRE_OK(ll_task_probe(&c, 5, 1, &p, &e), e);
	size_t want[5] = {0, 13, 25, 38, 50};
	for (size_t s = 0; s < 5; s++)
		LL_CHECK_INT(p.cond[s], want[s]);
	ll_task_batch_free(&p);
	LL_REQUIRE_OK(ll_task_probe(&c, 102, 1, &p, &e), e);
	for (size_t s = 0; s < 102; s++)
		LL_CHECK_INT(p.cond[s], s % 51);
	ll_task_batch_free(&p);

	/* flip-flop probes: fixed for a seed, apart from the training stream */
	ll_task_config_default(&c, LL_TASK_FLIPFLOP);
	LL_REQUIRE_OK(ll_task_probe(&c, 8, 1, &p, &e), e);
	LL_REQUIRE_OK(ll_task_probe(&c, 8, 1, &q, &e), e);
	LL_REQUIRE_OK(ll_task_generate(&c, 8, 1, &g, &e), e);
	size_t n = 8 * c.steps * 3;
	LL_CHECK(memcmp(p.x, q.x, n * sizeof(float)) == 0);
	LL_CHECK(memcmp(p.x, g.x, n * sizeof(float)) != 0);
	check_flipflop(&p, 3);
	ll_task_batch_free(&p);
	ll_task_batch_free(&q);
	ll_task_batch_free(&g);
}

static void test_evaluate(void)
{
	ll_task_config c;
	ll_task_batch b;
	ll_task_score s;
	ll_err e;
	char line[160];
	ll_task_config_default(&c, LL_TASK_FLIPFLOP);
	c.pulse_at_start = 0;
	LL_REQUIRE_OK(ll_task_generate(&c, 4, 11, &b, &e), e);
	size_t n = b.B * b.T * 3, scored = 0;
	float *y = malloc(n * sizeof *y);
	for (size_t i = 0; i < n; i++) {
		y[i] = 0.7f * b.target[i];
		scored += b.target[i] != 0.0f;
	}
	LL_REQUIRE_OK(ll_task_evaluate(&c, &b, y, 3, &s, &e), e);
	LL_CHECK_NEAR(s.score, 1.0, 0);
	LL_CHECK(s.learned);
	LL_CHECK_INT(s.scored, scored);
	ll_task_score_line(&c, &s, line, sizeof line);
	LL_CHECK_STR(line, "flipflop: sign accuracy 1 (learned: >= 0.95)");
	/* flip a tenth of the scored entries: 0.9, not learned; NaN is wrong */
	size_t flipped = 0, seen = 0;
	for (size_t i = 0; i < n; i++)
		if (b.target[i] != 0.0f && seen++ % 10 == 0) {
			y[i] = flipped % 2 ? -y[i] : NAN;
			flipped++;
		}
	LL_REQUIRE_OK(ll_task_evaluate(&c, &b, y, 3, &s, &e), e);
	LL_CHECK_NEAR(s.score, 1.0 - (double)flipped / (double)scored, 1e-12);
	LL_CHECK(!s.learned);
	LL_CHECK_INT(s.nonfinite, (flipped + 1) / 2);
	ll_task_score_line(&c, &s, line, sizeof line);
	LL_CHECK_CONTAINS(line, "not learned: < 0.95;");
	LL_CHECK_CONTAINS(line, "non-finite output");
	/* a network with the wrong output width */
	LL_CHECK_INT(ll_task_evaluate(&c, &b, y, 2, &s, &e), LL_ESHAPE);
	LL_CHECK(one_line(e.msg));
	free(y);
	ll_task_batch_free(&b);

	/* sine: exact output nmse 0; a constant 0 output nmse ~ 1 */
	ll_task_config_default(&c, LL_TASK_SINE);
	LL_REQUIRE_OK(ll_task_generate(&c, 8, 11, &b, &e), e);
	n = b.B * b.T;
	y = calloc(n, sizeof *y);
	LL_REQUIRE_OK(ll_task_evaluate(&c, &b, b.target, 1, &s, &e), e);
	LL_CHECK_NEAR(s.score, 0.0, 0);
	LL_CHECK(s.learned);
	LL_REQUIRE_OK(ll_task_evaluate(&c, &b, y, 1, &s, &e), e);
	LL_CHECK(s.score > 0.9);
	LL_CHECK(!s.learned);
	for (size_t i = 0; i < n; i++)
		y[i] = 1.01f * b.target[i];
	LL_REQUIRE_OK(ll_task_evaluate(&c, &b, y, 1, &s, &e), e);
	LL_CHECK(s.score > 0.0 && s.score < 1e-3);
	LL_CHECK(s.learned);
	y[3] = INFINITY;
	LL_REQUIRE_OK(ll_task_evaluate(&c, &b, y, 1, &s, &e), e);
	LL_CHECK(isinf(s.score));
	LL_CHECK(!s.learned);
	LL_CHECK_INT(s.nonfinite, 1);
	/* a batch of another task */
	ll_task_config f;
	ll_task_config_default(&f, LL_TASK_FLIPFLOP);
	f.bits = 1;
	LL_CHECK_INT(ll_task_evaluate(&f, &b, y, 1, &s, &e), LL_EINVAL);
	LL_CHECK(one_line(e.msg));
	free(y);
	ll_task_batch_free(&b);
}

static void test_errors(void)
{
	ll_task_config c;
	ll_task_batch b;
	ll_err e;
	ll_task_config_default(&c, LL_TASK_FLIPFLOP);
	LL_CHECK_INT(ll_task_check_net(&c, 3, 3, &e), LL_OK);
	LL_CHECK_INT(ll_task_check_net(&c, 2, 3, &e), LL_ESHAPE);
	LL_CHECK_STR(e.msg, "flipflop with 3 bits needs 3 inputs; the network has 2");
	LL_CHECK_INT(ll_task_check_net(&c, 3, 1, &e), LL_ESHAPE);
	LL_CHECK_STR(e.msg, "flipflop with 3 bits needs 3 outputs; the network has 1");
	ll_task_config_default(&c, LL_TASK_SINE);
	LL_CHECK_INT(ll_task_check_net(&c, 3, 1, &e), LL_ESHAPE);
	LL_CHECK_STR(e.msg, "sine needs 1 input; the network has 3");

	ll_task_config_default(&c, LL_TASK_FLIPFLOP);
	c.p_pulse = 2.0;
	LL_CHECK_INT(ll_task_generate(&c, 2, 1, &b, &e), LL_EINVAL);
	LL_CHECK_STR(e.msg, "flipflop: p_pulse = 2 (must be in [0, 1])");
	c.p_pulse = 0.05;
	c.bits = 0;
	LL_CHECK_INT(ll_task_generate(&c, 2, 1, &b, &e), LL_EINVAL);
	LL_CHECK(one_line(e.msg));
	c.bits = 3;
	c.steps = 0;
	LL_CHECK_INT(ll_task_generate(&c, 2, 1, &b, &e), LL_EINVAL);
	LL_CHECK(one_line(e.msg));
	c.steps = 10;
	LL_CHECK_INT(ll_task_generate(&c, 0, 1, &b, &e), LL_EINVAL);
	LL_CHECK_STR(e.msg, "flipflop: 0 sequences (need >= 1)");
	LL_CHECK(b.x == NULL && b.target == NULL);
	ll_task_config_default(&c, LL_TASK_SINE);
	c.omega_max = c.omega_min;
	LL_CHECK_INT(ll_task_generate(&c, 2, 1, &b, &e), LL_EINVAL);
	LL_CHECK(one_line(e.msg));
}

int main(void)
{
	LL_RUN(test_names);
	LL_RUN(test_flipflop);
	LL_RUN(test_sine);
	LL_RUN(test_probe);
	LL_RUN(test_evaluate);
	LL_RUN(test_errors);
	return ll_test_done();
}
