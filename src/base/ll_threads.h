/*
 * ll_threads.h - how many threads latentlab runs, decided in one place.
 *
 * A thread count of 0 (the session key `threads`, -j 0, an options
 * struct's `threads`) means automatic, and automatic is this rule
 * (ll_threads_rule), applied to the facts of this process and machine:
 *
 *   n = CPUs online
 *   n = min(n, CPUs in the affinity mask)            taskset, cpusets
 *   n = min(n, ceil(cgroup CPU quota / period))      cpu.max, cpu.cfs_quota_us
 *   n = min(n, CPUs online - busy threads of other processes)
 *   n = max(n, 1)
 *
 * unless OMP_NUM_THREADS is set, which is the user's choice and wins.
 * "Busy threads of other processes" is /proc/loadavg's count of runnable
 * threads less this process's own runnable ones, the least of three
 * samples a millisecond apart: a job that keeps a core busy counts, a
 * compile step that flickers through does not.  Not the load average: it
 * lags a minute behind and still counts latentlab's own previous run.
 * Why subtract at all: with a thread more than the free cores, a fit made
 * of many short parallel loops waits at each loop's end for the thread
 * that is off its core; bench_threads (README, Performance) measured it.
 *
 * Where the rule applies: an entry point resolves "automatic" once with
 * ll_threads_default() and installs the count with ll_threads_push(),
 * which sets the calling thread's OpenMP count and OpenBLAS' (process-wide)
 * count, so everything nested (MTTKRP, the RNN's batch split, BLAS) follows
 * it; inside, ll_threads_resolve(0) reads the count back.  The entry points
 * are latentlab's main (every command) and ll_session_run_step (each step,
 * in whichever thread runs it: the workbench's worker too).  A library
 * caller that pushes nothing gets OpenMP's own default.
 *
 * Never more BLAS threads x OpenMP threads than that count: a parallel
 * region that calls BLAS sets OpenBLAS to 1 thread around it (and restores
 * it), and outside regions OpenBLAS has the pushed count (at most
 * OPENBLAS_NUM_THREADS when that is set).
 *
 * Waiting: idle OpenMP and OpenBLAS threads spin by default, taking a core
 * another process (or our own preempted thread) needs.  latentlab's main
 * sets OMP_WAIT_POLICY=passive and OPENBLAS_THREAD_TIMEOUT=4 (LL_THREADS_ENV)
 * unless the user set them, and executes itself again, because both
 * libraries read their environment when loaded (tui/cli/main.c).  This is
 * the process-wide policy of the command-line program; the core only reads
 * it.
 */
#ifndef LL_THREADS_H
#define LL_THREADS_H

/* The environment latentlab's main sets when the user has not:
 * X(name, value).  Read by libgomp and OpenBLAS when they load. */
#define LL_THREADS_ENV(X)                                                                      \
	X("OMP_WAIT_POLICY", "passive")                                                    \
	X("OPENBLAS_THREAD_TIMEOUT", "4")

/* What the rule looks at.  Unknown facts are <= 0 (others: < 0). */
typedef struct ll_cpu_facts {
	int online;   /* CPUs online */
	int affinity; /* CPUs in this process's affinity mask */
	double quota; /* cgroup CPU limit in CPUs (quota / period); <= 0: none */
	int others;   /* runnable threads of other processes; < 0: unknown */
} ll_cpu_facts;

/* The rule above, from the facts alone; at least 1. */
int ll_threads_rule(const ll_cpu_facts *f);

/* The facts of this process and machine.  root NULL: the system calls
 * (online: sysconf; affinity: sched_getaffinity) and /proc, /sys; else
 * the same files under root (root/proc/self/status, root/proc/loadavg,
 * root/proc/self/task/TID/stat, root/proc/self/cgroup,
 * root/sys/devices/system/cpu/online, root/sys/fs/cgroup/...), for tests. */
void ll_cpu_facts_read(const char *root, ll_cpu_facts *f);

/* OMP_NUM_THREADS's first count if set and valid, else the rule on the
 * facts read now (a few milliseconds: the samples). */
int ll_threads_default(void);

/* The count to run with: requested if > 0, else the calling thread's
 * OpenMP count (what the entry point pushed).  1 without OpenMP. */
int ll_threads_resolve(int requested);

/* The calling thread's OpenMP count and OpenBLAS' count, to restore. */
typedef struct ll_threads_saved {
	int omp, blas;
} ll_threads_saved;

/* Run the calling thread's next parallel regions, and BLAS outside them,
 * on n threads (n >= 1; BLAS at most OPENBLAS_NUM_THREADS if set);
 * saved (may be NULL) gets what to restore.  OpenBLAS' count is
 * process-wide: push from one thread at a time. */
void ll_threads_push(int n, ll_threads_saved *saved);
void ll_threads_pop(const ll_threads_saved *saved);

/* ---- parsers, exposed for tests ---- */
/* CPUs in a Linux CPU list "0-3,8,10-11" (7); -1 if malformed. */
int ll_cpu_list_count(const char *list);
/* A cgroup v2 cpu.max ("max 100000", "150000 100000"): CPUs (1.5), 0 for
 * no limit, -1 if malformed. */
double ll_cgroup_cpu_max(const char *text);
/* The running count R of /proc/loadavg ("0.50 0.40 0.30 R/T PID"); -1 if
 * malformed. */
int ll_loadavg_running(const char *text);
/* The state letter of a /proc task stat line ("12 (a (b)) R 1 ..."), or 0. */
char ll_task_state(const char *stat);

#endif
