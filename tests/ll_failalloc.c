/* A counting, failing allocator for tests (see ll_failalloc.h). */
#include "ll_failalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/ll_common.h"

#define MAX_DIAG 20

static int refuse(ll_failalloc *fa, size_t k)
{
	if (k != fa->fail_at)
		return 0;
	if (fa->abort)
		abort();
	atomic_fetch_add(&fa->failed, 1);
	return 1;
}

static void *fa_malloc(void *ud, size_t size)
{
	ll_failalloc *fa = ud;
	size_t k = atomic_fetch_add(&fa->count, 1) + 1;
	if (refuse(fa, k))
		return NULL;
	void *p = malloc(size);
	if (p)
		atomic_fetch_add(&fa->live, 1);
	return p;
}

static void *fa_realloc(void *ud, void *p, size_t size)
{
	ll_failalloc *fa = ud;
	size_t k = atomic_fetch_add(&fa->count, 1) + 1;
	if (refuse(fa, k))
		return NULL;
	return realloc(p, size); /* p != NULL: the block count stays */
}

static void fa_free(void *ud, void *p)
{
	ll_failalloc *fa = ud;
	atomic_fetch_sub(&fa->live, 1);
	free(p);
}

void ll_failalloc_start(ll_failalloc *fa, size_t fail_at)
{
	fa->fail_at = fail_at;
	fa->abort = 0;
	atomic_store(&fa->count, 0);
	atomic_store(&fa->live, 0);
	atomic_store(&fa->failed, 0);
	ll_allocator a = {fa_malloc, fa_realloc, fa_free, fa};
	ll_alloc_set(&a);
}

void ll_failalloc_stop(void)
{
	ll_alloc_set(NULL);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct one_run {
	int rc;
	size_t count, live, failed;
} one_run;

/* LL_FAILALLOC_ABORT=k (and LL_FAILALLOC_SWEEP=part of a sweep's name, if
 * several sweeps run): abort() instead of refusing allocation k. */
static int abort_wanted(const ll_failalloc_sweep *s, size_t k)
{
	const char *at = getenv("LL_FAILALLOC_ABORT"), *name = getenv("LL_FAILALLOC_SWEEP");
	if (!at || !k || strtoull(at, NULL, 10) != k)
		return 0;
	return !name || (s->name && strstr(s->name, name));
}

static one_run run_once(ll_failalloc_sweep *s, size_t fail_at)
{
	ll_failalloc fa;
	one_run r;
	ll_failalloc_start(&fa, fail_at);
	fa.abort = abort_wanted(s, fail_at);
	r.rc = s->run(s->ud);
	r.count = atomic_load(&fa.count);
	r.live = atomic_load(&fa.live);
	r.failed = atomic_load(&fa.failed);
	ll_failalloc_stop();
	return r;
}

static void diag(ll_failalloc_sweep *s, size_t *shown, size_t k, const char *what, int rc)
{
	if (s->quiet || (*shown)++ >= MAX_DIAG)
		return;
	printf("# %s: %s%zu of %zu: %s (%s%s%s)\n", s->name ? s->name : "sweep",
	       k ? "failing allocation " : "clean run", k, s->n, what, ll_status_name(rc),
	       s->message ? ": " : "", s->message ? s->message(s->ud) : "");
}

int ll_failalloc_sweep_run(ll_failalloc_sweep *s)
{
	size_t shown = 0, stride = s->stride > 1 ? s->stride : 1;
	double t0 = now();

	s->runs = s->wrong_rc = s->leaked = s->bad_check = s->unreached = 0;
	one_run c = run_once(s, 0);
	s->n = c.count;
	s->clean_rc = c.rc;
	if (c.rc != LL_OK)
		diag(s, &shown, 0, "did not succeed", c.rc);
	if (c.live) {
		s->leaked++;
		diag(s, &shown, 0, "left blocks live", c.rc);
	}
	if (s->check && s->check(s->ud, 0, c.rc) != 0) {
		s->bad_check++;
		diag(s, &shown, 0, "check failed", c.rc);
	}
	for (size_t k = 1; c.rc == LL_OK && k <= s->n; k += stride) {
		one_run r = run_once(s, k);
		s->runs++;
		if (r.failed == 0) {
			s->unreached++;
			diag(s, &shown, k, "never reached: the allocation order changed", r.rc);
		} else if (r.rc != LL_ENOMEM && !(s->accept && s->accept(s->ud, k, r.rc))) {
			s->wrong_rc++;
			diag(s, &shown, k, r.rc == LL_OK ? "succeeded anyway" : "wrong status", r.rc);
		}
		if (r.live) {
			char what[64];
			snprintf(what, sizeof what, "%zu block%s leaked", r.live, r.live == 1 ? "" : "s");
			s->leaked++;
			diag(s, &shown, k, what, r.rc);
		}
		if (s->check && s->check(s->ud, k, r.rc) != 0) {
			s->bad_check++;
			diag(s, &shown, k, "check failed", r.rc);
		}
	}
	s->seconds = now() - t0;
	return c.rc == LL_OK && !s->wrong_rc && !s->leaked && !s->bad_check && !s->unreached ? 0 : 1;
}
