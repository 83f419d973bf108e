/*
 * latentlab info: what is in a .npy/.npz/IDX file -- format, dtype, order,
 * shape, element count, and statistics of the finite entries (min, max,
 * mean, population std) with NaN/Inf counts.  A .npz gets one entry per
 * member.  The file is opened once (ll_array_read_all), so a FIFO or a
 * pipe works.  `info --threads` instead shows the automatic thread count
 * and the facts it came from (base/ll_threads.h).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cmd.h"
#include "base/ll_json.h"
#include "base/ll_limits.h"
#include "base/ll_threads.h"
#include "io/ll_hdf5.h"
#include "io/ll_npy.h"

static void info_usage(FILE *fp)
{
	fputs("usage: latentlab info FILE [--json] [--max-input-bytes N]\n"
	      "       latentlab info --threads [--json]\n"
	      "\n"
	      "Print the format, dtype, memory order, shape and element count of an array\n"
	      "file, and the min, max, mean and standard deviation of its finite entries\n"
	      "with counts of NaN and Inf entries.  FILE is .npy, .npz (every member is\n"
	      "listed; FILE.npz:MEMBER picks one) or IDX (MNIST's format, gzip or not);\n"
	      "the format is recognised by content, not by name.  FILE may be a pipe or\n"
	      "a FIFO.  An HDF5 file (.h5, .nwb) gets the list of its datasets: path,\n"
	      "shape, dtype and storage (chunked, compressed); FILE.h5:/DATASET reads\n"
	      "one dataset and prints its statistics.\n"
	      "\n"
	      "With --threads: how many threads a command started now would use when -j\n"
	      "(or the session's threads) is 0, and why: OMP_NUM_THREADS if set, else\n"
	      "the CPUs online, at most the CPUs this process may run on (affinity), the\n"
	      "cgroup CPU quota rounded up, and the CPUs online less the threads other\n"
	      "processes keep busy; at least 1.  Also how idle threads wait.\n"
	      "\n"
	      "options:\n"
	      "  --threads              show the thread count and its facts, not a FILE\n"
	      "  --json                 print one JSON object instead of text\n"
	      "  --max-input-bytes N    refuse a FILE whose arrays decode to more than N\n"
	      "                         bytes (8 per element; K, M, G: powers of 1024, e.g.\n"
	      "                         512M); default $LATENTLAB_MAX_INPUT_BYTES, else half\n"
	      "                         of physical memory\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "exit status: 0 success, 1 error, 2 usage error.\n",
	      fp);
}

typedef struct arr_stats {
	double min, max, mean, std;
	size_t nfinite, nnan, ninf;
} arr_stats;

static void stats(const ll_tensor *t, arr_stats *s)
{
	double sum = 0.0, mn = INFINITY, mx = -INFINITY;
	size_t n = 0;
	s->nnan = s->ninf = 0;
	for (size_t i = 0; i < t->size; i++) {
		double x = t->data[i];
		if (isnan(x)) {
			s->nnan++;
		} else if (isinf(x)) {
			s->ninf++;
		} else {
			n++;
			sum += x;
			if (x < mn)
				mn = x;
			if (x > mx)
				mx = x;
		}
	}
	s->nfinite = n;
	if (n == 0) {
		s->min = s->max = s->mean = s->std = NAN;
		return;
	}
	double mean = sum / (double)n, ss = 0.0;
	for (size_t i = 0; i < t->size; i++)
		if (isfinite(t->data[i]))
			ss += (t->data[i] - mean) * (t->data[i] - mean);
	s->min = mn;
	s->max = mx;
	s->mean = mean;
	s->std = sqrt(ss / (double)n); /* population std, as NumPy's default */
}

typedef enum { FMT_NPY, FMT_NPZ, FMT_IDX, FMT_IDX_GZ, FMT_MEMBER, FMT_HDF5, FMT_OTHER } file_fmt;

/* How to print what ll_array_read_all read. */
static file_fmt fmt_of(const ll_array_set *set)
{
	switch (set->format) {
	case LL_ARRAY_NPY:
		return FMT_NPY;
	case LL_ARRAY_NPZ:
		return set->member ? FMT_MEMBER : FMT_NPZ;
	case LL_ARRAY_IDX:
		return FMT_IDX;
	case LL_ARRAY_IDX_GZ:
		return FMT_IDX_GZ;
	default:
		return FMT_OTHER;
	}
}

static const char *fmt_name(file_fmt f)
{
	switch (f) {
	case FMT_NPY:
		return "npy";
	case FMT_NPZ:
	case FMT_MEMBER:
		return "npz";
	case FMT_IDX:
		return "idx";
	case FMT_IDX_GZ:
		return "idx.gz";
	case FMT_HDF5:
		return "hdf5";
	default:
		return "unknown";
	}
}

static void shape_text(const ll_array_info *in, char *buf, size_t n)
{
	size_t off = 0;
	buf[0] = '\0';
	if (in->ndim == 0) {
		snprintf(buf, n, "() (a scalar, read as 1 element)");
		return;
	}
	for (int k = 0; k < in->ndim && off < n; k++)
		off += (size_t)snprintf(buf + off, n - off, "%s%zu", k ? " x " : "", in->shape[k]);
}

static void print_num(const char *label, double v)
{
	if (isnan(v))
		printf("  %-9s n/a (no finite entries)\n", label);
	else
		printf("  %-9s %.17g\n", label, v);
}

static void print_text(const char *name, file_fmt f, const ll_array_info *in,
		       const ll_tensor *t, const arr_stats *s)
{
	char shape[256];
	shape_text(in, shape, sizeof shape);
	if (f == FMT_IDX || f == FMT_IDX_GZ)
		printf("%s: IDX%s, type %s\n", name, f == FMT_IDX_GZ ? " (gzip)" : "", in->dtype);
	else if (f == FMT_HDF5)
		printf("%s: HDF5 dataset, dtype %s\n", name, in->dtype);
	else
		printf("%s: npy %d.0%s, dtype %s, %s order\n", name, in->version_major,
		       f == FMT_NPZ || f == FMT_MEMBER ? " (npz member)" : "", in->dtype,
		       in->fortran_order ? "Fortran" : "C");
	if (in->ndim > 0)
		printf("  %-9s %s (%d mode%s)\n", "shape", shape, in->ndim, in->ndim == 1 ? "" : "s");
	else
		printf("  %-9s %s\n", "shape", shape);
	printf("  %-9s %zu\n", "elements", t->size);
	print_num("min", s->min);
	print_num("max", s->max);
	print_num("mean", s->mean);
	print_num("std", s->std);
	printf("  %-9s %zu\n", "nan", s->nnan);
	printf("  %-9s %zu\n", "inf", s->ninf);
}

static void print_json_body(ll_json *j, file_fmt f, const ll_array_info *in,
			    const ll_tensor *t, const arr_stats *s)
{
	ll_json_kv_str(j, "format", f == FMT_MEMBER ? "npz" : fmt_name(f));
	if (f != FMT_IDX && f != FMT_IDX_GZ && f != FMT_HDF5)
		ll_json_kv_int(j, "npy_version", in->version_major);
	ll_json_kv_str(j, "dtype", in->dtype);
	ll_json_kv_str(j, "order", in->fortran_order ? "F" : "C");
	ll_json_key(j, "shape");
	ll_json_arr_begin(j);
	for (int k = 0; k < in->ndim; k++)
		ll_json_int(j, (long long)in->shape[k]);
	ll_json_arr_end(j);
	ll_json_kv_int(j, "elements", (long long)t->size);
	ll_json_kv_num(j, "min", s->min);
	ll_json_kv_num(j, "max", s->max);
	ll_json_kv_num(j, "mean", s->mean);
	ll_json_kv_num(j, "std", s->std);
	ll_json_kv_int(j, "finite", (long long)s->nfinite);
	ll_json_kv_int(j, "nan", (long long)s->nnan);
	ll_json_kv_int(j, "inf", (long long)s->ninf);
}

/* One array (a .npy, an IDX file, or one .npz member). */
static void info_one(const char *path, file_fmt f, const ll_array_info *in, const ll_tensor *t, int json)
{
	arr_stats s;
	stats(t, &s);
	if (json) {
		ll_json j;
		ll_json_init(&j, stdout, 1);
		ll_json_obj_begin(&j);
		ll_json_kv_str(&j, "file", path);
		print_json_body(&j, f, in, t, &s);
		ll_json_obj_end(&j);
		putchar('\n');
	} else {
		print_text(path, f, in, t, &s);
	}
}

/* Every member of an .npz. */
static void info_npz(const char *path, const ll_array_set *set, int json)
{
	ll_json j;
	size_t n = set->n;
	if (json) {
		ll_json_init(&j, stdout, 1);
		ll_json_obj_begin(&j);
		ll_json_kv_str(&j, "file", path);
		ll_json_kv_str(&j, "format", "npz");
		ll_json_key(&j, "members");
		ll_json_arr_begin(&j);
	} else {
		printf("%s: npz, %zu member%s\n", path, n, n == 1 ? "" : "s");
	}
	for (size_t k = 0; k < n; k++) {
		arr_stats s;
		stats(&set->t[k], &s);
		if (json) {
			ll_json_obj_begin(&j);
			ll_json_kv_str(&j, "name", set->names[k]);
			print_json_body(&j, FMT_NPY, &set->info[k], &set->t[k], &s);
			ll_json_obj_end(&j);
		} else {
			char full[1024];
			snprintf(full, sizeof full, "%s:%s", path, set->names[k]);
			print_text(full, FMT_NPZ, &set->info[k], &set->t[k], &s);
		}
	}
	if (json) {
		ll_json_arr_end(&j);
		ll_json_obj_end(&j);
		putchar('\n');
	}
}

/* An HDF5 file: every dataset with its shape, dtype and storage. */
static void info_hdf5(const char *path, const ll_hdf5_list *l, int json)
{
	ll_json j;
	if (json) {
		ll_json_init(&j, stdout, 1);
		ll_json_obj_begin(&j);
		ll_json_kv_str(&j, "file", path);
		ll_json_kv_str(&j, "format", "hdf5");
		ll_json_key(&j, "datasets");
		ll_json_arr_begin(&j);
	} else {
		printf("%s: HDF5, %zu dataset%s\n", path, l->n, l->n == 1 ? "" : "s");
	}
	for (size_t k = 0; k < l->n; k++) {
		const ll_hdf5_entry *e = &l->e[k];
		if (json) {
			ll_json_obj_begin(&j);
			ll_json_kv_str(&j, "name", e->name);
			ll_json_kv_str(&j, "dtype", e->dtype);
			ll_json_key(&j, "shape");
			ll_json_arr_begin(&j);
			for (int d = 0; d < e->ndim; d++)
				ll_json_int(&j, (long long)e->shape[d]);
			ll_json_arr_end(&j);
			ll_json_key(&j, "numeric");
			ll_json_bool(&j, e->numeric);
			ll_json_key(&j, "chunked");
			ll_json_bool(&j, e->chunked);
			ll_json_key(&j, "compressed");
			ll_json_bool(&j, e->compressed);
			ll_json_obj_end(&j);
		} else {
			char sh[256];
			size_t off = 0;
			sh[0] = '\0';
			if (e->ndim == 0)
				snprintf(sh, sizeof sh, "scalar");
			for (int d = 0; d < e->ndim && off < sizeof sh; d++)
				off += (size_t)snprintf(sh + off, sizeof sh - off, "%s%zu", d ? " x " : "", e->shape[d]);
			printf("  %-40s %-16s %s%s%s\n", e->name, sh, e->dtype, e->chunked ? " chunked" : "",
			       e->compressed ? " compressed" : "");
		}
	}
	if (json) {
		ll_json_arr_end(&j);
		ll_json_obj_end(&j);
		putchar('\n');
	}
}

/* "FILE.h5:/DATASET" (FILE.h5 exists, the whole name does not) */
static int is_hdf5_member(const char *path)
{
	const char *colon = strrchr(path, ':');
	struct stat st;
	char file[4096];
	/* stat, not open: opening a FIFO would take its bytes */
	if (stat(path, &st) == 0)
		return 0;
	if (!colon || colon == path || (size_t)(colon - path) >= sizeof file)
		return 0;
	memcpy(file, path, (size_t)(colon - path));
	file[colon - path] = '\0';
	return ll_hdf5_is(file);
}

static const char *env_or(const char *name, const char *unset)
{
	const char *v = getenv(name);
	return v ? v : unset;
}

/* `info --threads`: the rule's answer and its facts, read now */
static int info_threads(int json)
{
	ll_cpu_facts f;
	ll_cpu_facts_read(NULL, &f);
	int rule = ll_threads_rule(&f), n = ll_threads_default();
	const char *omp = getenv("OMP_NUM_THREADS");
	if (json) {
		ll_json j;
		ll_json_init(&j, stdout, 1);
		ll_json_obj_begin(&j);
		ll_json_kv_int(&j, "threads", n);
		ll_json_kv_int(&j, "rule", rule);
		/* without OpenMP (./configure --disable-openmp) every loop runs on one thread */
		ll_json_key(&j, "openmp");
#ifdef _OPENMP
		ll_json_bool(&j, 1);
#else
		ll_json_bool(&j, 0);
#endif
		ll_json_key(&j, "omp_num_threads");
		if (omp)
			ll_json_str(&j, omp);
		else
			ll_json_null(&j);
		ll_json_kv_int(&j, "online", f.online);
		ll_json_kv_int(&j, "affinity", f.affinity);
		ll_json_key(&j, "cgroup_cpus");
		if (f.quota > 0)
			ll_json_num(&j, f.quota);
		else
			ll_json_null(&j);
		ll_json_kv_int(&j, "busy_others", f.others);
		ll_json_key(&j, "omp_wait_policy");
		if (getenv("OMP_WAIT_POLICY"))
			ll_json_str(&j, getenv("OMP_WAIT_POLICY"));
		else
			ll_json_null(&j);
		ll_json_key(&j, "openblas_thread_timeout");
		if (getenv("OPENBLAS_THREAD_TIMEOUT"))
			ll_json_str(&j, getenv("OPENBLAS_THREAD_TIMEOUT"));
		else
			ll_json_null(&j);
		ll_json_obj_end(&j);
		putchar('\n');
	} else {
		printf("threads: %d%s\n", n, omp ? " (OMP_NUM_THREADS)" : " (automatic)");
		printf("  %-24s %d\n", "CPUs online", f.online);
		printf("  %-24s %d\n", "affinity (CPUs allowed)", f.affinity);
		if (f.quota > 0)
			printf("  %-24s %.2f CPUs\n", "cgroup quota", f.quota);
		else
			printf("  %-24s none\n", "cgroup quota");
		if (f.others >= 0)
			printf("  %-24s %d\n", "busy threads of others", f.others);
		else
			printf("  %-24s unknown\n", "busy threads of others");
		printf("  %-24s %d\n", "the rule gives", rule);
		printf("  %-24s %s\n", "OMP_NUM_THREADS", env_or("OMP_NUM_THREADS", "unset"));
		printf("  %-24s %s\n", "OMP_WAIT_POLICY", env_or("OMP_WAIT_POLICY", "unset (idle threads spin)"));
		printf("  %-24s %s\n", "OPENBLAS_THREAD_TIMEOUT",
		       env_or("OPENBLAS_THREAD_TIMEOUT", "unset (idle threads spin)"));
	}
	if (fflush(stdout) != 0) {
		cmd_error("stdout: %s", strerror(errno));
		return 1;
	}
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'J'},
		{"threads", no_argument, NULL, 'T'},
		{"max-input-bytes", required_argument, NULL, 'M'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int json = 0, threads = 0, c, status;
	size_t limit = 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'J':
			json = 1;
			break;
		case 'T':
			threads = 1;
			break;
		case 'M':
			if (cmd_parse_bytes("info", "--max-input-bytes", optarg, &limit) != 0)
				return 2;
			break;
		case 'h':
			info_usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "latentlab: info: option '%s' needs a value (try 'latentlab info --help')\n",
				argv[optind - 1]);
			return 2;
		default:
			if (optopt > 0 && optopt < 256)
				fprintf(stderr, "latentlab: info: unknown option '-%c' (try 'latentlab info --help')\n",
					optopt);
			else
				fprintf(stderr, "latentlab: info: unknown option '%s' (try 'latentlab info --help')\n",
					argv[optind - 1]);
			return 2;
		}
	}
	if (threads) {
		if (argc > optind) {
			fprintf(stderr, "latentlab: info: --threads takes no FILE (try 'latentlab info --help')\n");
			return 2;
		}
		return info_threads(json);
	}
	if (argc - optind != 1) {
		fprintf(stderr, "latentlab: info: %s (try 'latentlab info --help')\n",
			optind >= argc ? "missing FILE" : "one FILE only");
		return 2;
	}
	if (limit)
		ll_input_limit_set(limit);

	/* read every array first, from one open, so an error prints nothing
	 * on stdout */
	const char *path = argv[optind];
	ll_array_set set;
	ll_err err;
	ll_err_clear(&err);
	if (ll_hdf5_is(path)) {
		ll_hdf5_list l;
		if (ll_hdf5_list_read(path, &l, &err) != LL_OK) {
			cmd_error("%s", err.msg);
			return 1;
		}
		info_hdf5(path, &l, json);
		ll_hdf5_list_free(&l);
	} else if (is_hdf5_member(path)) {
		ll_tensor t;
		ll_array_info in;
		if (ll_array_read(path, &t, &in, &err) != LL_OK) {
			cmd_error("%s", err.msg);
			return 1;
		}
		info_one(path, FMT_HDF5, &in, &t, json);
		ll_tensor_free(&t);
	} else if (ll_array_read_all(path, &set, &err) != LL_OK) {
		cmd_error("%s", err.msg);
		return 1;
	} else {
		file_fmt f = fmt_of(&set);
		if (f == FMT_NPZ)
			info_npz(path, &set, json);
		else
			info_one(path, f, &set.info[0], &set.t[0], json);
		ll_array_set_free(&set);
	}
	status = 0;
	if (fflush(stdout) != 0) {
		cmd_error("stdout: %s", strerror(errno));
		status = 1;
	}
	return status;
}

const ll_cmd ll_cmd_info = {"info", cmd_info, "print shape, dtype and statistics of a .npy/.npz/IDX file; the datasets of an HDF5 file"};
