/*
 * ll_test.h - a tiny TAP test harness (header only).
 *
 *   static void test_foo(void) { LL_CHECK(x == 1); LL_CHECK_NEAR(a, b, 1e-12); }
 *   int main(void) { LL_RUN(test_foo); return ll_test_done(); }
 *
 * Each LL_RUN is one TAP test point ("ok N - test_foo"); a failed check
 * prints both values as a TAP diagnostic and marks the point "not ok".
 * automake's tap-driver counts the points; .ci/run sums them.
 */
#ifndef LL_TEST_H
#define LL_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ll_t_count, ll_t_failed_points, ll_t_cur_failed;

#define LL_CHECK(cond) do { if (!(cond)) { ll_t_cur_failed = 1; \
	printf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

#define LL_CHECK_MSG(cond, ...) do { if (!(cond)) { ll_t_cur_failed = 1; \
	printf("# %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
	printf(__VA_ARGS__); printf("\n"); } } while (0)

#define LL_CHECK_INT(a, b) do { long long ll_a_ = (long long)(a), ll_b_ = (long long)(b); \
	if (ll_a_ != ll_b_) { ll_t_cur_failed = 1; \
	printf("# %s:%d: %s == %s: %lld != %lld\n", __FILE__, __LINE__, #a, #b, ll_a_, ll_b_); } } while (0)

/* |a - b| <= tol, or both NaN */
#define LL_CHECK_NEAR(a, b, tol) do { double ll_a_ = (a), ll_b_ = (b); \
	if (!(fabs(ll_a_ - ll_b_) <= (tol)) && !(isnan(ll_a_) && isnan(ll_b_))) { ll_t_cur_failed = 1; \
	printf("# %s:%d: %s ~ %s: %.17g vs %.17g (tol %g)\n", __FILE__, __LINE__, #a, #b, ll_a_, ll_b_, (double)(tol)); } } while (0)

#define LL_CHECK_STR(a, b) do { const char *ll_a_ = (a), *ll_b_ = (b); \
	if (!ll_a_ || !ll_b_ || strcmp(ll_a_, ll_b_) != 0) { ll_t_cur_failed = 1; \
	printf("# %s:%d: %s == %s: \"%s\" vs \"%s\"\n", __FILE__, __LINE__, #a, #b, ll_a_ ? ll_a_ : "(null)", ll_b_ ? ll_b_ : "(null)"); } } while (0)

/* substring check, for error messages */
#define LL_CHECK_CONTAINS(hay, needle) do { const char *ll_h_ = (hay), *ll_n_ = (needle); \
	if (!ll_h_ || !strstr(ll_h_, ll_n_)) { ll_t_cur_failed = 1; \
	printf("# %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, ll_h_ ? ll_h_ : "(null)", ll_n_); } } while (0)

/* call must return LL_OK, or the test fails and returns at once (with
 * err's message): what follows would read a result that is not there */
#define LL_REQUIRE_OK(call, err) do { int ll_rc_ = (call); if (ll_rc_ != LL_OK) { \
	ll_t_cur_failed = 1; printf("# %s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #call, ll_rc_, \
	(err).msg); return; } } while (0)

#define LL_RUN(fn) do { ll_t_cur_failed = 0; fn(); ll_t_count++; \
	if (ll_t_cur_failed) ll_t_failed_points++; \
	printf("%s %d - %s\n", ll_t_cur_failed ? "not ok" : "ok", ll_t_count, #fn); fflush(stdout); } while (0)

static inline int ll_test_done(void)
{
	printf("1..%d\n", ll_t_count);
	return ll_t_failed_points ? 1 : 0;
}

#endif
