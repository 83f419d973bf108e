/*
 * ll_failalloc.h - an allocator for tests that fails the k-th allocation
 * and counts live blocks, installed through the core's allocation hook
 * (base/ll_alloc.h), after Lua's Memcontrol (ltests.c) and libuv's
 * test-loop-oom.c.
 *
 * One failure per run, not a limit: allocation k fails and every later one
 * succeeds again, so the code's recovery from that one NULL is what gets
 * tested.  "live" counts blocks handed out and not yet freed, so a test
 * can assert "no leak" without ASan.  Counting is atomic, but "the k-th
 * allocation" names the same call only when the work allocates in a fixed
 * order: run it on one thread (ll_ens_opts.threads = 1, ...).
 *
 * The sweep runs a piece of work once to count its N allocations, then
 * once for every k in 1..N with allocation k failing, and checks each run:
 *
 *   static int work(void *ud) { ... return rc; }    // frees all it makes
 *   ll_failalloc_sweep sw = {.name = "tca", .run = work, .ud = &ctx};
 *   LL_CHECK(ll_failalloc_sweep_run(&sw) == 0);
 *
 * To see who made a wrong run's allocation k, run the test under a
 * debugger with LL_FAILALLOC_ABORT=k in the environment (and
 * LL_FAILALLOC_SWEEP=a part of the sweep's name when the program runs
 * several): the sweep aborts there instead of refusing the allocation.
 *
 * Link tests/ll_failalloc.c into the test program.
 */
#ifndef LL_FAILALLOC_H
#define LL_FAILALLOC_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct ll_failalloc {
	size_t fail_at;       /* allocation to refuse, 1-based; 0 = none */
	atomic_size_t count;  /* allocations asked for (malloc and realloc) */
	atomic_size_t live;   /* blocks handed out and not freed yet */
	atomic_size_t failed; /* allocations refused */
	int abort;            /* abort() instead of refusing (debugging) */
} ll_failalloc;

/* Zero fa's counters, set fail_at and install fa as the allocator.  Call
 * with no block of the previous allocator still live. */
void ll_failalloc_start(ll_failalloc *fa, size_t fail_at);
/* Back to libc's allocator. */
void ll_failalloc_stop(void);

typedef struct ll_failalloc_sweep {
	/* in */
	const char *name;   /* names the sweep in diagnostics */
	int (*run)(void *ud); /* the work: an ll_status; must free what it allocates */
	/* optional, after every run with libc's allocator back: check what
	 * the run left (outputs, temporary files) and clean up for the next
	 * one; return 0 if all is well */
	int (*check)(void *ud, size_t k, int rc);
	/* optional: a failing run that returns rc != LL_ENOMEM is wrong unless
	 * accept(ud, k, rc) returns non-zero (a path that legitimately reports
	 * another code: say why where you write it) */
	int (*accept)(void *ud, size_t k, int rc);
	const char *(*message)(void *ud); /* optional: the run's error text */
	void *ud;
	size_t stride;      /* test every stride-th k (0 or 1: every k) */
	int quiet;          /* no "# ..." diagnostic lines */
	/* out */
	size_t n;           /* allocations of the clean run */
	int clean_rc;       /* what the clean run returned */
	size_t runs;        /* failing runs made */
	size_t wrong_rc;    /* ... that returned another code than LL_ENOMEM */
	size_t leaked;      /* ... (or the clean run) that left blocks live */
	size_t bad_check;   /* ... where check() complained */
	size_t unreached;   /* ... where allocation k never happened */
	double seconds;     /* wall time of the whole sweep */
} ll_failalloc_sweep;

/* Run the sweep described by s (see above).  Returns 0 if every run was
 * right: the clean run returned LL_OK, and every run (clean or failing)
 * left no live block and passed check(); every failing run reached
 * allocation k and returned LL_ENOMEM (or an accepted code).  Each wrong
 * run is described on a "# " line (TAP diagnostic), at most 20. */
int ll_failalloc_sweep_run(ll_failalloc_sweep *s);

#endif

/*
 * The same check for long work, by forking at every allocation: the work
 * runs once, with every allocation succeeding; at allocation k the process
 * forks, and in the child allocation k fails and the work goes on from
 * there to its end, so each k costs only the unwinding after the failure
 * instead of a whole run up to k.  The parent waits for each child, so the
 * children never run beside one another or beside the parent.
 *
 * Files: before the failing allocation returns, the child calls
 * at_fork(ud) to send the rest of its output elsewhere (its own folder),
 * and the temporary files the parent had open under watch_dir
 * ("*.tmp.*", ll_afile's) are hard-linked aside and restored for the
 * parent after the child: the child's failure path must remove them (it
 * owns them too), and check() may look for any temporary file it left.
 * The work must not start threads (fork keeps only the calling one).
 * LL_FAILALLOC_TRACE=k prints where allocation k is made (addresses for
 * addr2line -f -e PROGRAM); LL_FAILALLOC_TIMES=1 the milliseconds each
 * child took, on stderr.
 */
typedef struct ll_failalloc_forksweep {
	/* in */
	const char *name;
	int (*run)(void *ud);                     /* the whole work; frees all it allocates */
	void (*at_fork)(void *ud);                /* in the child, before the failure returns */
	int (*check)(void *ud, size_t k, int rc); /* in the child after the run: 0 = fine */
	int (*accept)(void *ud, size_t k, int rc);/* as in ll_failalloc_sweep */
	void *ud;
	const char *watch_dir;                    /* the parent's output folder (or NULL) */
	/* out */
	size_t n;           /* allocations of the whole work */
	int clean_rc;
	size_t runs, wrong_rc, leaked, bad_check, kept_tmp, crashed;
	double seconds;
} ll_failalloc_forksweep;

/* 0 if the work succeeded and every child returned LL_ENOMEM (or an
 * accepted code) with no live block, no temporary file left and check()
 * content.  Diagnostics on "# " lines, at most 20. */
int ll_failalloc_forksweep_run(ll_failalloc_forksweep *s);
