/* Unit tests for the thread-count rule (base/ll_threads.h): the rule on
 * given facts, the parsers, the facts read from fake /proc and /sys trees
 * (cgroup v1 and v2), the real machine with busy children, the
 * OMP_NUM_THREADS override, and push/pop. */
#include "base/ll_blas.h"
#include "base/ll_threads.h"
#include "ll_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

static void test_rule(void)
{
	static const struct {
		ll_cpu_facts f;
		int want;
		const char *why;
	} cases[] = {
		{{8, 8, 0, 0}, 8, "idle: every core"},
		{{8, 0, 0, -1}, 8, "nothing known but the cores"},
		{{0, 0, 0, -1}, 1, "nothing known at all"},
		{{8, 3, 0, 0}, 3, "taskset -c 0-2"},
		{{8, 8, 1.5, 0}, 2, "cpu.max 150000 100000: rounded up"},
		{{8, 8, 2.0, 0}, 2, "a whole quota is not rounded up"},
		{{8, 8, 0.2, 0}, 1, "a fifth of a CPU: still one thread"},
		{{2, 2, 0, 1}, 1, "one busy process on two cores"},
		{{2, 2, 0, 5}, 1, "load 5 on two cores: one, never 0"},
		{{8, 8, 0, 3}, 5, "three busy threads on eight cores"},
		{{8, 2, 0, 3}, 2, "affinity is the smaller limit"},
		{{8, 8, 4.0, 6}, 2, "the load is the smaller limit"},
		{{64, 64, 4.0, 40}, 4, "a container's quota on a busy big host"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		LL_CHECK_MSG(ll_threads_rule(&cases[i].f) == cases[i].want, "%s: got %d, want %d", cases[i].why,
			     ll_threads_rule(&cases[i].f), cases[i].want);
}

static void test_parsers(void)
{
	LL_CHECK_INT(ll_cpu_list_count("0-3,8,10-11\n"), 7);
	LL_CHECK_INT(ll_cpu_list_count("0"), 1);
	LL_CHECK_INT(ll_cpu_list_count("0-1"), 2);
	LL_CHECK_INT(ll_cpu_list_count("3-1"), -1);
	LL_CHECK_INT(ll_cpu_list_count("a"), -1);
	LL_CHECK_INT(ll_cpu_list_count(""), -1);
	LL_CHECK_NEAR(ll_cgroup_cpu_max("max 100000\n"), 0, 0);
	LL_CHECK_NEAR(ll_cgroup_cpu_max("150000 100000\n"), 1.5, 1e-12);
	LL_CHECK_NEAR(ll_cgroup_cpu_max("50000 100000"), 0.5, 1e-12);
	LL_CHECK_NEAR(ll_cgroup_cpu_max("maximal"), -1, 0);
	LL_CHECK_NEAR(ll_cgroup_cpu_max("150000"), -1, 0);
	LL_CHECK_INT(ll_loadavg_running("0.52 0.58 0.59 3/467 12345\n"), 3);
	LL_CHECK_INT(ll_loadavg_running("5.00 4.00 3.00 12/200 1"), 12);
	LL_CHECK_INT(ll_loadavg_running("0.52 0.58 3/467"), -1);
	LL_CHECK_INT(ll_loadavg_running("0.52 0.58 0.59 x/467 1"), -1);
	LL_CHECK_INT(ll_task_state("1234 (latentlab) R 1 2 3"), 'R');
	LL_CHECK_INT(ll_task_state("1234 (a (b) c) S 1 2 3"), 'S');
	LL_CHECK_INT(ll_task_state("1234 (a) R) R 1"), 'R');
	LL_CHECK_INT(ll_task_state("garbage"), 0);
}

/* root/rel with text, making the folders on the way */
static void put(const char *root, const char *rel, const char *text)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	FILE *fp = fopen(path, "w");
	LL_CHECK_MSG(fp != NULL, "cannot write %s", path);
	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

static void rm_tree(const char *root)
{
	char cmd[1100];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	LL_CHECK(system(cmd) == 0);
}

/* The parts of /proc that every fake machine shares: 12 runnable threads,
 * 3 of them ours, 2 of ours asleep. */
static void fake_proc(const char *root)
{
	put(root, "sys/devices/system/cpu/online", "0-15\n");
	put(root, "proc/self/status", "Name:\tlatentlab\nCpus_allowed:\tff\nCpus_allowed_list:\t0-7\nMems:\t1\n");
	put(root, "proc/loadavg", "9.10 8.20 7.30 12/300 4242\n");
	put(root, "proc/self/task/100/stat", "100 (latentlab) R 1 100 100 0");
	put(root, "proc/self/task/101/stat", "101 (latentlab) R 1 100 100 0");
	put(root, "proc/self/task/102/stat", "102 (latentlab) R 1 100 100 0");
	put(root, "proc/self/task/103/stat", "103 (latentlab) S 1 100 100 0");
	put(root, "proc/self/task/104/stat", "104 (lat (ent) lab) S 1 100 100 0");
}

static void test_facts_v2(void)
{
	char root[] = "/tmp/ll_threads_XXXXXX";
	LL_CHECK(mkdtemp(root) != NULL);
	fake_proc(root);
	put(root, "proc/self/cgroup", "0::/user.slice/job.scope\n");
	/* the tighter limit is on the parent: it holds for the child too */
	put(root, "sys/fs/cgroup/user.slice/cpu.max", "250000 100000\n");
	put(root, "sys/fs/cgroup/user.slice/job.scope/cpu.max", "max 100000\n");
	ll_cpu_facts f;
	ll_cpu_facts_read(root, &f);
	LL_CHECK_INT(f.online, 16);
	LL_CHECK_INT(f.affinity, 8);
	LL_CHECK_NEAR(f.quota, 2.5, 1e-12);
	LL_CHECK_INT(f.others, 9);
	LL_CHECK_INT(ll_threads_rule(&f), 3); /* min(16, 8, 3, 16 - 9) */
	/* the child's own limit when it is the tighter one */
	put(root, "sys/fs/cgroup/user.slice/job.scope/cpu.max", "100000 100000\n");
	ll_cpu_facts_read(root, &f);
	LL_CHECK_NEAR(f.quota, 1.0, 1e-12);
	LL_CHECK_INT(ll_threads_rule(&f), 1);
	/* a cgroup namespace: the process sits at "/" of its own tree */
	rm_tree(root);
	LL_CHECK(mkdtemp(strcpy(root, "/tmp/ll_threads_XXXXXX")) != NULL);
	fake_proc(root);
	put(root, "proc/self/cgroup", "0::/\n");
	put(root, "sys/fs/cgroup/cpu.max", "400000 100000\n");
	ll_cpu_facts_read(root, &f);
	LL_CHECK_NEAR(f.quota, 4.0, 1e-12);
	/* no limit anywhere, and an unreadable load */
	put(root, "sys/fs/cgroup/cpu.max", "max 100000\n");
	put(root, "proc/loadavg", "nonsense\n");
	ll_cpu_facts_read(root, &f);
	LL_CHECK_NEAR(f.quota, 0, 0);
	LL_CHECK_INT(f.others, -1);
	LL_CHECK_INT(ll_threads_rule(&f), 8);
	rm_tree(root);
}

static void test_facts_v1(void)
{
	char root[] = "/tmp/ll_threads_XXXXXX";
	LL_CHECK(mkdtemp(root) != NULL);
	fake_proc(root);
	/* a hybrid machine: v1 cpu controller, an empty unified hierarchy */
	put(root, "proc/self/cgroup", "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n");
	put(root, "sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_quota_us", "-1\n");
	put(root, "sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_period_us", "100000\n");
	put(root, "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "200000\n");
	put(root, "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
	/* the memory controller's files do not count */
	put(root, "sys/fs/cgroup/memory/docker/abc/cpu.cfs_quota_us", "50000\n");
	ll_cpu_facts f;
	ll_cpu_facts_read(root, &f);
	LL_CHECK_NEAR(f.quota, 2.0, 1e-12);
	LL_CHECK_INT(ll_threads_rule(&f), 2);
	rm_tree(root);
}

/* The real machine: the facts are sane, and busy children count. */
static void test_facts_real(void)
{
	ll_cpu_facts f;
	ll_cpu_facts_read(NULL, &f);
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	LL_CHECK_INT(f.online, online);
	LL_CHECK(f.affinity >= 1 && f.affinity <= f.online);
	LL_CHECK(f.others >= 0);
	int n = ll_threads_rule(&f);
	LL_CHECK(n >= 1 && n <= f.online);
	if (online > 16) {
		printf("# %ld CPUs: not filling them with busy children\n", online);
		return;
	}
	/* one busy child per CPU: nothing is free, so one thread */
	pid_t kids[16];
	int nk = 0;
	for (long i = 0; i < online; i++) {
		pid_t p = fork();
		if (p == 0) {
			alarm(20); /* never outlive a crashed test */
			for (volatile unsigned long x = 0;; x++)
				;
		}
		if (p > 0)
			kids[nk++] = p;
	}
	struct timespec t = {0, 50000000};
	nanosleep(&t, NULL);
	ll_cpu_facts_read(NULL, &f);
	LL_CHECK_MSG(f.others >= nk, "%d busy children, %d other runnable threads seen", nk, f.others);
	LL_CHECK_INT(ll_threads_rule(&f), 1);
	for (int i = 0; i < nk; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
}

static void test_env_override(void)
{
	const char *old = getenv("OMP_NUM_THREADS");
	char *keep = old ? strdup(old) : NULL;
	setenv("OMP_NUM_THREADS", "3", 1);
	LL_CHECK_INT(ll_threads_default(), 3);
	setenv("OMP_NUM_THREADS", "5,2", 1);
	LL_CHECK_INT(ll_threads_default(), 5);
	/* not a count: the rule decides */
	setenv("OMP_NUM_THREADS", "lots", 1);
	int n = ll_threads_default();
	LL_CHECK(n >= 1 && n <= sysconf(_SC_NPROCESSORS_ONLN));
	if (keep) {
		setenv("OMP_NUM_THREADS", keep, 1);
		free(keep);
	} else {
		unsetenv("OMP_NUM_THREADS");
	}
}

static void test_push_pop(void)
{
	const char *old = getenv("OPENBLAS_NUM_THREADS");
	char *keep = old ? strdup(old) : NULL;
	unsetenv("OPENBLAS_NUM_THREADS");
	int omp0 = ll_threads_resolve(0), blas0 = openblas_get_num_threads();
	ll_threads_saved sv;
	ll_threads_push(3, &sv);
#ifdef _OPENMP
	LL_CHECK_INT(ll_threads_resolve(0), 3);
	LL_CHECK_INT(omp_get_max_threads(), 3);
	LL_CHECK_INT(ll_threads_resolve(7), 7);
#else
	LL_CHECK_INT(ll_threads_resolve(0), 1);
	LL_CHECK_INT(ll_threads_resolve(7), 1);
#endif
	LL_CHECK_INT(openblas_get_num_threads(), 3);
	/* OPENBLAS_NUM_THREADS caps BLAS, never raises it */
	setenv("OPENBLAS_NUM_THREADS", "2", 1);
	ll_threads_saved inner;
	ll_threads_push(4, &inner);
	LL_CHECK_INT(openblas_get_num_threads(), 2);
	ll_threads_pop(&inner);
	LL_CHECK_INT(openblas_get_num_threads(), 3);
	ll_threads_push(1, NULL);
	LL_CHECK_INT(openblas_get_num_threads(), 1);
	ll_threads_pop(&sv);
	LL_CHECK_INT(ll_threads_resolve(0), omp0);
	LL_CHECK_INT(openblas_get_num_threads(), blas0);
	if (keep) {
		setenv("OPENBLAS_NUM_THREADS", keep, 1);
		free(keep);
	} else {
		unsetenv("OPENBLAS_NUM_THREADS");
	}
}

int main(void)
{
	LL_RUN(test_rule);
	LL_RUN(test_parsers);
	LL_RUN(test_facts_v2);
	LL_RUN(test_facts_v1);
	LL_RUN(test_facts_real);
	LL_RUN(test_env_override);
	LL_RUN(test_push_pop);
	return ll_test_done();
}
