/* The thread-count rule and the facts it reads (see ll_threads.h). */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT_S */
#include "config.h"

#include "base/ll_threads.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/ll_blas.h"

int ll_threads_rule(const ll_cpu_facts *f)
{
	int n = f->online > 0 ? f->online : 1;
	if (f->affinity > 0 && f->affinity < n)
		n = f->affinity;
	if (f->quota > 0) {
		/* 1.5 CPUs: two threads get 1.5 cores' time, one thread 1 */
		double q = ceil(f->quota - 1e-9);
		if (q < n)
			n = q < 1 ? 1 : (int)q;
	}
	/* busy threads are counted machine-wide, so against all CPUs */
	if (f->others >= 0 && f->online > 0 && f->online - f->others < n)
		n = f->online - f->others;
	return n < 1 ? 1 : n;
}

/* ---- parsers ------------------------------------------------------------ */

static const char *number(const char *s, long *v)
{
	if (!isdigit((unsigned char)*s))
		return NULL;
	char *end;
	*v = strtol(s, &end, 10);
	return *v < 0 || *v > INT_MAX ? NULL : end;
}

int ll_cpu_list_count(const char *list)
{
	int count = 0;
	const char *p = list;
	while (*p && *p != '\n') {
		long a, b;
		if (!(p = number(p, &a)))
			return -1;
		b = a;
		if (*p == '-' && !(p = number(p + 1, &b)))
			return -1;
		if (b < a || b - a >= INT_MAX - count)
			return -1;
		count += (int)(b - a + 1);
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -1;
	}
	return count > 0 ? count : -1;
}

double ll_cgroup_cpu_max(const char *text)
{
	char *end;
	if (!strncmp(text, "max", 3) && (text[3] == ' ' || text[3] == '\n' || !text[3]))
		return 0;
	double q = strtod(text, &end);
	if (end == text || *end != ' ')
		return -1;
	const char *p = end + 1;
	double per = strtod(p, &end);
	if (end == p || !(q > 0) || !(per > 0))
		return -1;
	return q / per;
}

int ll_loadavg_running(const char *text)
{
	/* three averages, then R/T */
	const char *p = text;
	for (int i = 0; i < 3; i++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	long r, t;
	p = number(p, &r);
	if (!p || *p != '/' || !number(p + 1, &t))
		return -1;
	return (int)r;
}

char ll_task_state(const char *stat)
{
	/* the command name may hold spaces and parentheses: the state
	 * follows the last ')' */
	const char *p = strrchr(stat, ')');
	if (!p || p[1] != ' ' || !isalpha((unsigned char)p[2]))
		return 0;
	return p[2];
}

/* ---- reading the facts -------------------------------------------------- */

/* root + path into buf (n bytes, NUL-terminated): its length, -1 if not read */
static long read_small(const char *root, const char *path, char *buf, size_t n)
{
	char full[PATH_MAX];
	if (snprintf(full, sizeof full, "%s%s", root ? root : "", path) >= (int)sizeof full)
		return -1;
	FILE *fp = fopen(full, "r");
	if (!fp)
		return -1;
	size_t len = fread(buf, 1, n - 1, fp);
	fclose(fp);
	buf[len] = '\0';
	return (long)len;
}

/* A v1 cpu hierarchy's limit: quota / period, 0 none (quota -1), -1 unread */
static double cfs_quota(const char *root, const char *dir)
{
	char path[PATH_MAX], q[64], p[64];
	if (snprintf(path, sizeof path, "%s/cpu.cfs_quota_us", dir) >= (int)sizeof path ||
	    read_small(root, path, q, sizeof q) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/cpu.cfs_period_us", dir);
	if (read_small(root, path, p, sizeof p) < 0)
		return -1;
	double quota = strtod(q, NULL), period = strtod(p, NULL);
	return quota > 0 && period > 0 ? quota / period : 0;
}

/* The least CPU limit of cgroup path and its ancestors under mount (a
 * limit on a parent holds for its children); 0 if none */
static double quota_walk(const char *root, const char *mount, const char *path, int v2)
{
	char dir[PATH_MAX], file[PATH_MAX], text[128];
	double best = 0;
	if (snprintf(dir, sizeof dir, "%s%s", mount, path) >= (int)sizeof dir)
		return 0;
	size_t base = strlen(mount);
	for (;;) {
		size_t len = strlen(dir);
		while (len > base && dir[len - 1] == '/')
			dir[--len] = '\0';
		double q = -1;
		if (v2) {
			if (snprintf(file, sizeof file, "%s/cpu.max", dir) < (int)sizeof file &&
			    read_small(root, file, text, sizeof text) >= 0)
				q = ll_cgroup_cpu_max(text);
		} else {
			q = cfs_quota(root, dir);
		}
		if (q > 0 && (best <= 0 || q < best))
			best = q;
		char *slash = strrchr(dir + base, '/');
		if (len <= base || !slash)
			break;
		*slash = '\0';
	}
	return best;
}

static int has_cpu_controller(const char *list, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && list[j] != ',')
			j++;
		if (j - i == 3 && !strncmp(list + i, "cpu", 3))
			return 1;
		i = j + 1;
	}
	return 0;
}

static double cgroup_quota(const char *root)
{
	static const char *const v2_mounts[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	static const char *const v1_mounts[] = {"/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu",
						"/sys/fs/cgroup/cpuacct,cpu"};
	char text[4096];
	if (read_small(root, "/proc/self/cgroup", text, sizeof text) < 0)
		return 0;
	double best = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* ID:controllers:path */
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || c2[1] != '/')
			continue;
		int v2 = c2 == c1 + 1 && !strncmp(line, "0:", 2);
		if (!v2 && !has_cpu_controller(c1 + 1, (size_t)(c2 - c1 - 1)))
			continue;
		const char *const *mounts = v2 ? v2_mounts : v1_mounts;
		size_t nm = v2 ? 2 : 3;
		for (size_t m = 0; m < nm; m++) {
			double q = quota_walk(root, mounts[m], c2 + 1, v2);
			if (q > 0 && (best <= 0 || q < best))
				best = q;
		}
	}
	return best;
}

/* This process's threads that are running or runnable now; -1 unknown */
static int own_running(const char *root)
{
	char path[PATH_MAX], stat[512];
	if (snprintf(path, sizeof path, "%s/proc/self/task", root ? root : "") >= (int)sizeof path)
		return -1;
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name) < (int)sizeof path &&
		    read_small(root, path, stat, sizeof stat) > 0 && ll_task_state(stat) == 'R')
			n++;
	}
	closedir(d);
	return n;
}

/* Runnable threads of other processes: the least of three samples */
static int others_running(const char *root)
{
	int best = -1;
	for (int s = 0; s < 3; s++) {
		if (s) {
			struct timespec ms = {0, 1000000};
			nanosleep(&ms, NULL);
		}
		char text[256];
		int r;
		if (read_small(root, "/proc/loadavg", text, sizeof text) < 0 || (r = ll_loadavg_running(text)) < 0)
			return -1;
		int own = own_running(root);
		int o = r - (own > 0 ? own : 1); /* at least the thread reading */
		if (o < 0)
			o = 0;
		if (best < 0 || o < best)
			best = o;
	}
	return best;
}

static int affinity_count(const char *root)
{
	if (root) {
		char text[4096];
		if (read_small(root, "/proc/self/status", text, sizeof text) < 0)
			return 0;
		const char *p = strstr(text, "Cpus_allowed_list:");
		if (!p)
			return 0;
		p += strlen("Cpus_allowed_list:");
		while (*p == ' ' || *p == '\t')
			p++;
		int n = ll_cpu_list_count(p);
		return n > 0 ? n : 0;
	}
	/* masks wider than cpu_set_t on very large machines */
	for (int ncpu = 1024; ncpu <= 65536; ncpu *= 4) {
		cpu_set_t *set = CPU_ALLOC((size_t)ncpu);
		if (!set)
			return 0;
		size_t sz = CPU_ALLOC_SIZE((size_t)ncpu);
		CPU_ZERO_S(sz, set);
		int ok = sched_getaffinity(0, sz, set) == 0, n = ok ? CPU_COUNT_S(sz, set) : 0;
		CPU_FREE(set);
		if (ok)
			return n;
	}
	return 0;
}

static int online_count(const char *root)
{
	if (root) {
		char text[1024];
		if (read_small(root, "/sys/devices/system/cpu/online", text, sizeof text) < 0)
			return 0;
		int n = ll_cpu_list_count(text);
		return n > 0 ? n : 0;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 && n < INT_MAX ? (int)n : 0;
}

void ll_cpu_facts_read(const char *root, ll_cpu_facts *f)
{
	f->online = online_count(root);
	f->affinity = affinity_count(root);
	f->quota = cgroup_quota(root);
	f->others = others_running(root);
}

/* ---- applying it -------------------------------------------------------- */

/* A positive count at the start of an environment variable ("4" or "4,2"), or 0 */
static int env_count(const char *name)
{
	const char *s = getenv(name);
	long v;
	if (!s)
		return 0;
	while (*s == ' ')
		s++;
	const char *end = number(s, &v);
	return end && v > 0 && (!*end || *end == ',' || *end == ' ') ? (int)v : 0;
}

int ll_threads_default(void)
{
	int env = env_count("OMP_NUM_THREADS");
	if (env > 0)
		return env;
	ll_cpu_facts f;
	ll_cpu_facts_read(NULL, &f);
	return ll_threads_rule(&f);
}

int ll_threads_resolve(int requested)
{
#ifdef _OPENMP
	int n = requested > 0 ? requested : omp_get_max_threads();
	return n > 0 ? n : 1;
#else
	(void)requested;
	return 1;
#endif
}

void ll_threads_push(int n, ll_threads_saved *saved)
{
	if (n < 1)
		n = 1;
	if (saved) {
		saved->omp = ll_threads_resolve(0);
		saved->blas = openblas_get_num_threads();
	}
#ifdef _OPENMP
	omp_set_num_threads(n);
#endif
	int cap = env_count("OPENBLAS_NUM_THREADS");
	openblas_set_num_threads(cap > 0 && cap < n ? cap : n);
}

void ll_threads_pop(const ll_threads_saved *saved)
{
	if (!saved)
		return;
#ifdef _OPENMP
	omp_set_num_threads(saved->omp);
#endif
	openblas_set_num_threads(saved->blas);
}
