/*
 * bench_threads - TCA fits on a shared machine: `latentlab tca` with -j 1,
 * with the default (no -j: the automatic count, idle threads sleeping), and
 * for reference with -j N (every CPU, sleeping) and as it was before
 * (every CPU, the libraries' own spinning: GOMP_SPINCOUNT=300000 and
 * OPENBLAS_THREAD_TIMEOUT=28 are their defaults), idle and beside busy
 * processes the bench starts and kills itself, all in the same run.
 *
 * The data: `latentlab synth` 100 neurons x 100 time bins x 200 trials
 * (planted factors, Poisson noise), so every number here is the real
 * program, start-up and files included (written to /dev/shm when it
 * exists: fsync of a disk is not what this measures).  Two fits: ranks 1-6
 * x 4 replicates (ranks in parallel) and rank 5 x 8 fused replicates (one
 * unit: many short parallel loops, the case a preempted thread hurts).
 *
 * Every figure is the median wall time of REPS runs, the configurations
 * interleaved so a change in background load touches them alike; the
 * speed-up is -j 1's time over the configuration's.  Other processes on
 * the machine (other users, other builds) are load too: the bench prints
 * the runnable threads it saw before each block.
 *
 * Usage: bench_threads [-q] [-r REPS] [LATENTLAB]
 *   -q       quick: the ranks fit only, idle and beside one busy process, 3 runs
 *   -r REPS  runs per figure (default 5)
 * Target: beside busy processes the default is never slower than -j 1
 * (speed-up >= 1 within the noise), and idle it keeps -j N's speed-up when
 * the machine is otherwise idle.
 */
#define _GNU_SOURCE
#include "base/ll_threads.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef LL_LATENTLAB
#define LL_LATENTLAB "./latentlab"
#endif

#define MAX_REPS 31
#define MAX_SPIN 64

typedef struct config {
	const char *name;
	int j;            /* -j value; -1: no -j (the default), 0: every CPU */
	int spin;         /* the libraries' own waiting, as before */
} config;

static const config configs[] = {
	{"-j 1", 1, 0},
	{"default", -1, 0},
	{"-j N", 0, 0},
	{"before", 0, 1},
};
#define NCONF (sizeof configs / sizeof configs[0])

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Run argv with the thread environment of c (NULL: latentlab's own);
 * its wall time, or -1 if it failed. */
static double run(char *const *argv, const config *c)
{
	double t0 = now();
	pid_t p = fork();
	if (p < 0)
		return -1;
	if (p == 0) {
		/* what latentlab decides alone: none of the user's settings */
		unsetenv("OMP_NUM_THREADS");
		unsetenv("OMP_WAIT_POLICY");
		unsetenv("GOMP_SPINCOUNT");
		unsetenv("OPENBLAS_NUM_THREADS");
		unsetenv("OPENBLAS_THREAD_TIMEOUT");
		if (c && c->spin) {
			setenv("GOMP_SPINCOUNT", "300000", 1);
			setenv("OPENBLAS_THREAD_TIMEOUT", "28", 1);
		}
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	double t = now() - t0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? t : -1;
}

static pid_t spin(void)
{
	pid_t p = fork();
	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the bench */
		alarm(3600);
		for (volatile unsigned long x = 0;; x++)
			;
	}
	return p;
}

static int running_others(void)
{
	ll_cpu_facts f;
	ll_cpu_facts_read(NULL, &f);
	return f.others;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_dbl);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* "threads": N from a summary.json, or 0 */
static int summary_threads(const char *path)
{
	char buf[8192];
	FILE *fp = fopen(path, "r");
	if (!fp)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	const char *p = strstr(buf, "\"threads\":");
	return p ? atoi(p + strlen("\"threads\":")) : 0;
}

int main(int argc, char **argv)
{
	int quick = 0, reps = 5;
	const char *ll = LL_LATENTLAB;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q")) {
			quick = 1;
			reps = 3;
		} else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
			reps = atoi(argv[++i]);
		} else if (argv[i][0] != '-') {
			ll = argv[i];
		} else {
			fprintf(stderr, "usage: bench_threads [-q] [-r REPS] [LATENTLAB]\n");
			return 2;
		}
	}
	if (reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "bench_threads: -r takes 1 to %d\n", MAX_REPS);
		return 2;
	}
	if (access(ll, X_OK) != 0) {
		fprintf(stderr, "bench_threads: %s: not an executable latentlab (build it first)\n", ll);
		return 1;
	}
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	char dir[] = "/dev/shm/ll_bench_threads_XXXXXX", tdir[4200];
	char *tmp = mkdtemp(dir);
	if (!tmp) {
		const char *t = getenv("TMPDIR");
		snprintf(tdir, sizeof tdir, "%s/ll_bench_threads_XXXXXX", t && *t ? t : "/tmp");
		tmp = mkdtemp(tdir);
	}
	if (!tmp) {
		perror("bench_threads: mkdtemp");
		return 1;
	}
	char data[4300], out[4300], summary[4400];
	snprintf(data, sizeof data, "%s/syn", tmp);
	snprintf(out, sizeof out, "%s/fit", tmp);
	snprintf(summary, sizeof summary, "%s/summary.json", out);
	char *synth[] = {(char *)ll, "synth", "-o", data, "--neurons", "100", "--time", "100", "--trials",
			 "200", "--seed", "1", NULL};
	if (run(synth, NULL) < 0) {
		fprintf(stderr, "bench_threads: %s synth failed\n", ll);
		return 1;
	}
	strncat(data, "/data.npy", sizeof data - strlen(data) - 1);

	static const struct {
		const char *name, *ranks, *reps;
	} fits[] = {
		{"ranks 1-6 x 4", "1-6", "4"},
		{"rank 5 x 8 fused", "5", "8"},
	};
	int busy[] = {0, 1, 5};
	size_t nfits = quick ? 1 : 2, nbusy = quick ? 2 : 3;

	printf("bench_threads: `latentlab tca` on `latentlab synth` 100 x 100 x 200 (planted factors), "
	       "median wall time of %d runs\n", reps);
	printf("%ld CPUs online; -j N = -j %ld; before = -j %ld with GOMP_SPINCOUNT=300000 "
	       "OPENBLAS_THREAD_TIMEOUT=28 (the libraries' own waiting)\n", ncpu, ncpu, ncpu);
	printf("speed-up = time of -j 1 / time; default (T) = the threads the default chose "
	       "(if the runs differed, the least..most)\n\n");
	printf("%-17s %-8s %7s | %-24s | %-16s | %-16s | %s\n", "fit", "beside", "others", "-j 1",
	       "default (T)", "-j N", "before");
	int bad = 0;
	double busy_lo = 1e9, busy_hi = 0, idle_def[2] = {0, 0}, idle_all[2] = {0, 0};
	for (size_t f = 0; f < nfits && !bad; f++) {
		for (size_t b = 0; b < nbusy && !bad; b++) {
			pid_t kids[MAX_SPIN];
			int nk = 0;
			for (int k = 0; k < busy[b] && k < MAX_SPIN; k++) {
				pid_t p = spin();
				if (p > 0)
					kids[nk++] = p;
			}
			struct timespec settle = {0, 300000000};
			nanosleep(&settle, NULL);
			/* the other load: busy threads seen now, less our own busy children */
			int others = running_others() - nk;
			double t[NCONF][MAX_REPS];
			int tmin = 1 << 30, tmax = 0;
			for (int r = 0; r < reps && !bad; r++)
				for (size_t q = 0; q < NCONF && !bad; q++) {
					/* a different order each run */
					size_t ci = (q + (size_t)r) % NCONF;
					const config *c = &configs[ci];
					char jarg[16];
					char *args[20];
					int a = 0;
					args[a++] = (char *)ll;
					args[a++] = "tca";
					args[a++] = data;
					args[a++] = "-o";
					args[a++] = out;
					args[a++] = "-q";
					args[a++] = "--force";
					args[a++] = "-r";
					args[a++] = (char *)fits[f].ranks;
					args[a++] = "-n";
					args[a++] = (char *)fits[f].reps;
					if (c->j >= 0) {
						snprintf(jarg, sizeof jarg, "%d", c->j ? c->j : (int)ncpu);
						args[a++] = "-j";
						args[a++] = jarg;
					}
					args[a] = NULL;
					t[ci][r] = run(args, c);
					if (t[ci][r] < 0) {
						fprintf(stderr, "bench_threads: latentlab tca failed (%s)\n", c->name);
						bad = 1;
					}
					if (c->j < 0) {
						int n = summary_threads(summary);
						tmin = n < tmin ? n : tmin;
						tmax = n > tmax ? n : tmax;
					}
				}
			for (int k = 0; k < nk; k++) {
				kill(kids[k], SIGKILL);
				waitpid(kids[k], NULL, 0);
			}
			if (bad)
				break;
			double med[NCONF];
			for (size_t q = 0; q < NCONF; q++)
				med[q] = median(t[q], reps);
			char beside[32], dt[24], cell[NCONF][40];
			snprintf(beside, sizeof beside, busy[b] ? "%d busy" : "idle", busy[b]);
			if (tmin == tmax)
				snprintf(dt, sizeof dt, "%d", tmin);
			else
				snprintf(dt, sizeof dt, "%d..%d", tmin, tmax);
			snprintf(cell[0], sizeof cell[0], "%.2f s (%.2f-%.2f)", med[0], t[0][0], t[0][reps - 1]);
			snprintf(cell[1], sizeof cell[1], "%.2f s %.2fx (%s)", med[1], med[0] / med[1], dt);
			for (size_t q = 2; q < NCONF; q++)
				snprintf(cell[q], sizeof cell[q], "%.2f s %.2fx", med[q], med[0] / med[q]);
			double up = med[0] / med[1];
			if (busy[b]) {
				busy_lo = up < busy_lo ? up : busy_lo;
				busy_hi = up > busy_hi ? up : busy_hi;
			} else {
				idle_def[f] = up;
				idle_all[f] = med[0] / med[2];
			}
			printf("%-17s %-8s %7d | %-24s | %-16s | %-16s | %s\n", b == 0 ? fits[f].name : "", beside,
			       others, cell[0], cell[1], cell[2], cell[3]);
			fflush(stdout);
		}
	}
	char cmd[4400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_threads: could not remove %s\n", tmp);
	if (bad)
		return 1;
	printf("\nothers: runnable threads of other processes when the block started (this machine's "
	       "other jobs; the bench's own busy processes not counted).\n");
	printf("beside busy processes the default ran at %.2f-%.2fx the speed of -j 1 (target: >= 1 within "
	       "the noise);\n", busy_lo, busy_hi);
	for (size_t f = 0; f < nfits; f++)
		printf("idle, %s: default %.2fx, -j N %.2fx (the default takes -j N's cores when no other "
		       "process keeps them busy)\n", fits[f].name, idle_def[f], idle_all[f]);
	return 0;
}
