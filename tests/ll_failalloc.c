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

/* ---- the fork sweep --------------------------------------------------- */

#include <dirent.h>
#include <errno.h>
#include <execinfo.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct forkstate {
	ll_failalloc_forksweep *s;
	atomic_size_t count, live;
	int child;          /* this process is a child: no more forks */
	size_t child_k;     /* in a child: the allocation that failed */
	size_t ndiag;       /* diagnostics printed (parent) */
	char kept[16][4096];/* the parent's open temporaries, linked aside */
	int nkept;
} forkstate;

static forkstate g_fork;

/* Every file under dir whose name has `with` and not `without` (NULL:
 * no exclusion), into fn. */
static void walk_files(const char *dir, const char *with, const char *without,
		       void (*fn)(const char *path, void *ud), void *ud)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk_files(p, with, without, fn, ud);
		else if (strstr(e->d_name, with) && !(without && strstr(e->d_name, without)))
			fn(p, ud);
	}
	closedir(d);
}

/* ll_afile's temporaries ("*.tmp.*"), not our ".keep" links of them */
static void walk_tmp(const char *dir, void (*fn)(const char *path, void *ud), void *ud)
{
	walk_files(dir, ".tmp.", ".keep", fn, ud);
}

static void keep_one(const char *path, void *ud)
{
	forkstate *f = ud;
	if (f->nkept == 16)
		return;
	char k[4200];
	snprintf(k, sizeof k, "%s.keep", path);
	if (link(path, k) == 0)
		snprintf(f->kept[f->nkept++], sizeof f->kept[0], "%s", path);
}

/* the parent, after a child: put its open temporaries back */
static void restore_one(const char *keep, void *ud)
{
	char orig[4096];
	(void)ud;
	snprintf(orig, sizeof orig, "%.*s", (int)(strlen(keep) - 5), keep);
	rename(keep, orig);
}

static void restore_kept(const char *dir)
{
	walk_files(dir, ".keep", NULL, restore_one, NULL);
}

static void count_tmp(const char *path, void *ud)
{
	(void)path;
	(*(size_t *)ud)++;
}

static void *fk_malloc_or_realloc(void *p, size_t size, int is_realloc)
{
	size_t k = atomic_fetch_add(&g_fork.count, 1) + 1;
	if (!g_fork.child) {
		fflush(stdout);
		fflush(stderr);
		pid_t pid = fork();
		if (pid == 0) {
			g_fork.child = 1;
			g_fork.nkept = 0;
			if (g_fork.s->watch_dir)
				walk_tmp(g_fork.s->watch_dir, keep_one, &g_fork);
			if (g_fork.s->at_fork)
				g_fork.s->at_fork(g_fork.s->ud);
			g_fork.child_k = k;
			/* LL_FAILALLOC_TRACE=k: where allocation k is made (addresses
			 * for addr2line -f -e PROGRAM) */
			const char *tr = getenv("LL_FAILALLOC_TRACE");
			if (tr && strtoul(tr, NULL, 10) == k) {
				void *bt[32];
				int nb = backtrace(bt, 32);
				backtrace_symbols_fd(bt, nb, 2);
			}
			return NULL; /* allocation k fails in the child */
		}
		if (pid > 0) {
			int st = 0;
			double tc = now();
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			if (getenv("LL_FAILALLOC_TIMES"))
				fprintf(stderr, "T %zu %.2f\n", k, 1e3 * (now() - tc));
			ll_failalloc_forksweep *s = g_fork.s;
			s->runs++;
			if (!WIFEXITED(st)) {
				s->crashed++;
				if (g_fork.ndiag++ < MAX_DIAG)
					printf("# %s: k=%zu: the child died (signal %d)\n", s->name, k,
					       WIFSIGNALED(st) ? WTERMSIG(st) : 0);
			} else {
				int code = WEXITSTATUS(st);
				s->wrong_rc += (code & 1) != 0;
				s->leaked += (code & 2) != 0;
				s->bad_check += (code & 4) != 0;
				s->kept_tmp += (code & 8) != 0;
			}
			if (s->watch_dir)
				restore_kept(s->watch_dir);
		}
	}
	void *q = is_realloc ? realloc(p, size) : malloc(size);
	if (q && !is_realloc)
		atomic_fetch_add(&g_fork.live, 1);
	return q;
}

static void *fk_malloc(void *ud, size_t size)
{
	(void)ud;
	return fk_malloc_or_realloc(NULL, size, 0);
}

static void *fk_realloc(void *ud, void *p, size_t size)
{
	(void)ud;
	return fk_malloc_or_realloc(p, size, 1);
}

static void fk_free(void *ud, void *p)
{
	(void)ud;
	atomic_fetch_sub(&g_fork.live, 1);
	free(p);
}

int ll_failalloc_forksweep_run(ll_failalloc_forksweep *s)
{
	double t0 = now();
	memset(&g_fork, 0, sizeof g_fork);
	g_fork.s = s;
	s->runs = s->wrong_rc = s->leaked = s->bad_check = s->kept_tmp = s->crashed = 0;
	ll_allocator a = {fk_malloc, fk_realloc, fk_free, NULL};
	ll_alloc_set(&a);
	int rc = s->run(s->ud);
	ll_alloc_set(NULL);
	if (g_fork.child) {
		/* a child: judge this run and end; bit 1 wrong code, 2 leak,
		 * 4 check, 8 a temporary of the parent's still there */
		size_t k = g_fork.child_k;
		int code = 0;
		if (rc != LL_ENOMEM && !(s->accept && s->accept(s->ud, k, rc))) {
			code |= 1;
			printf("# %s: k=%zu: returned %d (%s), not LL_ENOMEM\n", s->name, k, rc, ll_strerror(rc));
		}
		if (atomic_load(&g_fork.live) != 0) {
			code |= 2;
			printf("# %s: k=%zu: %zu blocks never freed\n", s->name, k, (size_t)atomic_load(&g_fork.live));
		}
		if (s->check && s->check(s->ud, k, rc) != 0)
			code |= 4;
		for (int i = 0; i < g_fork.nkept; i++)
			if (access(g_fork.kept[i], F_OK) == 0) {
				code |= 8;
				printf("# %s: k=%zu: left the temporary %s\n", s->name, k, g_fork.kept[i]);
			}
		fflush(stdout);
		_exit(code);
	}
	s->n = atomic_load(&g_fork.count);
	s->clean_rc = rc;
	s->seconds = now() - t0;
	int bad = rc != LL_OK || atomic_load(&g_fork.live) != 0;
	if (rc != LL_OK)
		printf("# %s: the work failed with every allocation granted: %d\n", s->name, rc);
	if (s->watch_dir) {
		size_t left = 0;
		walk_tmp(s->watch_dir, count_tmp, &left);
		bad |= left != 0;
	}
	return bad || s->wrong_rc || s->leaked || s->bad_check || s->kept_tmp || s->crashed ||
	       s->runs != s->n;
}
