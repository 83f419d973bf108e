/* Unit tests for the core helpers: errors, the input limit, rng, atomic
 * files, json. */
#include "base/ll_common.h"
#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "base/ll_limits.h"
#include "base/ll_rng.h"
#include "ll_test.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_err(void)
{
	ll_err e;
	ll_err_clear(&e);
	LL_CHECK_INT(ll_err_set(&e, LL_EINVAL, "rank %d too big", 9), LL_EINVAL);
	LL_CHECK_STR(e.msg, "rank 9 too big");
	ll_err_prefix(&e, "%s", "x.npy");
	LL_CHECK_STR(e.msg, "x.npy: rank 9 too big");
	LL_CHECK_INT(ll_err_set(NULL, LL_EIO, "ignored"), LL_EIO);
	LL_CHECK_STR(ll_strerror(LL_ECANCELED), "canceled");
	LL_CHECK_INT(ll_err_oom(&e), LL_ENOMEM);
	LL_CHECK_INT(e.code, LL_ENOMEM);
	LL_CHECK_STR(e.msg, "out of memory");
	LL_CHECK_INT(ll_err_oom(NULL), LL_ENOMEM);
	size_t out;
	LL_CHECK(!ll_mul_ok(SIZE_MAX / 2, 3, &out));
	LL_CHECK(ll_malloc_array(SIZE_MAX / 2, 3) == NULL);
}

/* The status map: every code, value, name and message, as they were
 * before the map generated them. */
static void test_status_map(void)
{
	static const struct {
		int code, value;
		const char *name, *msg;
	} want[] = {
		{LL_OK, 0, "LL_OK", "success"},
		{LL_ENOMEM, -1, "LL_ENOMEM", "out of memory"},
		{LL_EIO, -2, "LL_EIO", "input/output error"},
		{LL_EFORMAT, -3, "LL_EFORMAT", "bad file format"},
		{LL_EINVAL, -4, "LL_EINVAL", "invalid argument"},
		{LL_ESHAPE, -5, "LL_ESHAPE", "shape mismatch"},
		{LL_ENUMERIC, -6, "LL_ENUMERIC", "numerical problem"},
		{LL_ELAPACK, -7, "LL_ELAPACK", "LAPACK failure"},
		{LL_ECANCELED, -8, "LL_ECANCELED", "canceled"},
		{LL_ENOTSUP, -9, "LL_ENOTSUP", "not supported"},
		{LL_ELIMIT, -10, "LL_ELIMIT", "input larger than the limit"},
		{LL_EEXIST, -11, "LL_EEXIST", "in the way"},
	};
	int n = 0;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		LL_CHECK_INT(want[i].code, want[i].value);
		LL_CHECK_STR(ll_status_name(want[i].code), want[i].name);
		LL_CHECK_STR(ll_strerror(want[i].code), want[i].msg);
	}
#define COUNT_(name, value, msg) n++;
	LL_STATUS_MAP(COUNT_)
#undef COUNT_
	LL_CHECK_INT(n, (int)(sizeof want / sizeof want[0]));
	LL_CHECK_STR(ll_status_name(-99), "LL_UNKNOWN");
	LL_CHECK_STR(ll_strerror(7), "unknown error");
}

/* Sizes as --max-input-bytes and LATENTLAB_MAX_INPUT_BYTES take them. */
static void test_parse_bytes(void)
{
	static const struct {
		const char *s;
		size_t v;
	} good[] = {
		{"1", 1}, {"65536", 65536}, {"100B", 100}, {"1K", 1024}, {"1k", 1024},
		{"512M", (size_t)512 << 20}, {"512MiB", (size_t)512 << 20}, {"512MB", (size_t)512 << 20},
		{"2G", (size_t)2 << 30}, {"2g", (size_t)2 << 30}, {"1T", (size_t)1 << 40},
	};
	static const char *const bad[] = {
		"", "0", "0K", "-1", "+5", " 5", "5 ", "1.5G", "12Q", "M", "1KK", "1Ki", "1MiBs",
		"99999999999999999999999", "20000000T",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		size_t v = 7;
		LL_CHECK_MSG(ll_parse_bytes(good[i].s, &v) == 0 && v == good[i].v, "'%s' -> %zu", good[i].s, v);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t v = 7;
		LL_CHECK_MSG(ll_parse_bytes(bad[i], &v) == -1 && v == 7, "'%s' was accepted", bad[i]);
	}
	LL_CHECK_INT(ll_parse_bytes(NULL, &(size_t){0}), -1);

	char buf[32];
	ll_bytes_text(0, buf, sizeof buf);
	LL_CHECK_STR(buf, "0 B");
	ll_bytes_text(1023, buf, sizeof buf);
	LL_CHECK_STR(buf, "1023 B");
	ll_bytes_text(1536, buf, sizeof buf);
	LL_CHECK_STR(buf, "1.5 KiB");
	ll_bytes_text(200000.0 * 10000 * 8, buf, sizeof buf);
	LL_CHECK_STR(buf, "14.9 GiB");
}

/* The limit: set > environment > half of physical memory, at least 64 MiB. */
static void test_input_limit(void)
{
	size_t phys = (size_t)sysconf(_SC_PHYS_PAGES) * (size_t)sysconf(_SC_PAGESIZE);
	size_t def = phys / 2 > LL_INPUT_LIMIT_MIN ? phys / 2 : LL_INPUT_LIMIT_MIN;
	ll_err e;

	unsetenv(LL_INPUT_LIMIT_ENV);
	ll_input_limit_set(0);
	LL_CHECK_INT(ll_input_limit(), def);
	LL_CHECK(ll_input_limit() >= LL_INPUT_LIMIT_MIN);
	setenv(LL_INPUT_LIMIT_ENV, "3M", 1);
	LL_CHECK_INT(ll_input_limit(), (size_t)3 << 20);
	setenv(LL_INPUT_LIMIT_ENV, "lots", 1); /* not a size: the default */
	LL_CHECK_INT(ll_input_limit(), def);
	setenv(LL_INPUT_LIMIT_ENV, "3M", 1);
	ll_input_limit_set(12345);
	LL_CHECK_INT(ll_input_limit(), 12345);
	ll_input_limit_set(0);
	LL_CHECK_INT(ll_input_limit(), (size_t)3 << 20);
	unsetenv(LL_INPUT_LIMIT_ENV);
	LL_CHECK_INT(ll_input_limit(), def);

	ll_err_clear(&e);
	LL_CHECK_INT(ll_err_limit(&e, (size_t)12 << 30, "big.npz: the array is %d x %d float64 = %s decoded",
				  200000, 10000, "14.9 GiB"),
		     LL_ELIMIT);
	LL_CHECK_INT(e.code, LL_ELIMIT);
	LL_CHECK_STR(e.msg, "big.npz: the array is 200000 x 10000 float64 = 14.9 GiB decoded, more than the "
			    "input limit of 12.0 GiB (--max-input-bytes or LATENTLAB_MAX_INPUT_BYTES)");
	LL_CHECK_INT(ll_err_limit(NULL, 1, "x"), LL_ELIMIT);
}

static void test_rng(void)
{
	ll_rng a, b;
	ll_rng_init(&a, 42);
	ll_rng_init(&b, 42);
	for (int i = 0; i < 100; i++)
		LL_CHECK(ll_rng_u64(&a) == ll_rng_u64(&b));
	ll_rng_init(&b, 43);
	LL_CHECK(ll_rng_u64(&a) != ll_rng_u64(&b));
	/* moments of N(0,1) and U[0,1) over 200k draws: 5-sigma bounds */
	double s = 0, s2 = 0, u = 0;
	int n = 200000;
	for (int i = 0; i < n; i++) {
		double x = ll_rng_normal(&a);
		s += x;
		s2 += x * x;
		u += ll_rng_uniform(&a);
	}
	LL_CHECK_NEAR(s / n, 0.0, 5.0 / sqrt(n));
	LL_CHECK_NEAR(s2 / n, 1.0, 5.0 * sqrt(2.0 / n));
	LL_CHECK_NEAR(u / n, 0.5, 5.0 * sqrt(1.0 / 12 / n));
	double pm = 0;
	for (int i = 0; i < n; i++)
		pm += ll_rng_poisson(&a, 3.5);
	LL_CHECK_NEAR(pm / n, 3.5, 5.0 * sqrt(3.5 / n));
	for (int i = 0; i < 1000; i++)
		LL_CHECK(ll_rng_below(&a, 7) < 7);
	LL_CHECK(ll_seed_derive(1, 2, 3) == ll_seed_derive(1, 2, 3));
	LL_CHECK(ll_seed_derive(1, 2, 3) != ll_seed_derive(1, 3, 2));
	LL_CHECK(ll_seed_derive(1, 2, 3) != ll_seed_derive(2, 2, 3));
}

static void test_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	ll_json j;
	ll_json_init(&j, fp, 0);
	ll_json_obj_begin(&j);
	ll_json_kv_str(&j, "name", "a\"b\\c\n");
	ll_json_kv_num(&j, "x", 0.5);
	ll_json_kv_num(&j, "nan", NAN);
	ll_json_key(&j, "v");
	double v[3] = {1, 2.25, -3};
	ll_json_num_array(&j, v, 3);
	ll_json_key(&j, "e");
	ll_json_arr_begin(&j);
	ll_json_arr_end(&j);
	ll_json_kv_int(&j, "n", -7);
	ll_json_obj_end(&j);
	fclose(fp);
	LL_CHECK_STR(buf, "{\"name\":\"a\\\"b\\\\c\\n\",\"x\":0.5,\"nan\":null,\"v\":[1,2.25,-3],\"e\":[],\"n\":-7}");
	free(buf);
}

static void test_afile(void)
{
	char dir[] = "/tmp/ll_test_XXXXXX";
	LL_CHECK(mkdtemp(dir) != NULL);
	char *sub = ll_path_join(dir, "a/b/c");
	LL_CHECK_INT(ll_mkdirs(sub, NULL), LL_OK);
	char *f = ll_path_join(sub, "out.txt");
	ll_afile af;
	struct stat st;
	LL_CHECK_INT(ll_afile_open(&af, f, NULL), LL_OK);
	fputs("hello", af.fp);
	LL_CHECK(stat(f, &st) != 0); /* not visible before commit */
	LL_CHECK_INT(ll_afile_commit(&af, NULL), LL_OK);
	LL_CHECK(stat(f, &st) == 0 && st.st_size == 5);
	/* abort leaves the old file alone and no temp behind */
	LL_CHECK_INT(ll_afile_open(&af, f, NULL), LL_OK);
	fputs("partial", af.fp);
	ll_afile_abort(&af);
	LL_CHECK(stat(f, &st) == 0 && st.st_size == 5);
	/* unwritable location fails with a message naming it */
	ll_err e;
	LL_CHECK_INT(ll_afile_open(&af, "/proc/nonexistent/x", &e), LL_EIO);
	LL_CHECK_CONTAINS(e.msg, "/proc/nonexistent/x");
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	LL_CHECK(system(cmd) == 0);
	ll_free(f);
	ll_free(sub);
}

/* A write that fails half way (the file size limit here, as a full disk
 * would) is an error naming the cause, and leaves the old file as it was
 * and no temporary beside it: only a completely written file is renamed
 * over the old one. */
static void test_afile_failed_write(void)
{
	char dir[] = "/tmp/ll_test_XXXXXX";
	LL_CHECK(mkdtemp(dir) != NULL);
	char *f = ll_path_join(dir, "out.txt");
	FILE *fp = fopen(f, "w");
	LL_CHECK(fp != NULL);
	if (fp) {
		fputs("hello", fp);
		fclose(fp);
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit rl = {4096, 4096};
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		ll_afile af;
		ll_err e = {0, ""};
		int rc = ll_afile_open(&af, f, &e);
		if (rc == LL_OK) {
			static char big[65536];
			memset(big, 'x', sizeof big);
			fwrite(big, 1, sizeof big, af.fp);
			rc = ll_afile_commit(&af, &e);
		}
		int ok = rc == LL_EIO && strstr(e.msg, "out.txt: write failed: File too large");
		if (!ok)
			printf("# commit over the size limit returned %d: %s\n", rc, e.msg);
		fflush(stdout);
		_exit(ok ? 0 : 1);
	}
	int status = -1;
	LL_CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	LL_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct stat st;
	memset(&st, 0, sizeof st);
	LL_CHECK_MSG(stat(f, &st) == 0 && st.st_size == 5, "the old file is %lld bytes, not 5",
		     (long long)st.st_size);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		LL_CHECK_MSG(!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			     !strcmp(de->d_name, "out.txt"), "%s left in the folder", de->d_name);
	if (d)
		closedir(d);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	LL_CHECK(system(cmd) == 0);
	ll_free(f);
}

/* numpy.quantile([1, 2, 3, 4], q) (linear): 0.1 -> 1.3, 0.9 -> 3.7 */
static void test_quantile(void)
{
	const double v[4] = {1, 2, 3, 4}, one[1] = {7};
	LL_CHECK_NEAR(ll_quantile_sorted(v, 4, 0.1), 1.3, 1e-15);
	LL_CHECK_NEAR(ll_quantile_sorted(v, 4, 0.9), 3.7, 1e-15);
	LL_CHECK_NEAR(ll_quantile_sorted(v, 4, 0.5), 2.5, 1e-15);
	LL_CHECK(ll_quantile_sorted(v, 4, 0.0) == 1.0 && ll_quantile_sorted(v, 4, 1.0) == 4.0);
	LL_CHECK(ll_quantile_sorted(one, 1, 0.3) == 7.0);
}

/* ll_path_rel: a path as seen from a folder, parts compared whole */
static void test_path_rel(void)
{
	static const struct { const char *path, *base, *want; } cases[] = {
		{"/w/x/examples/data", "/w/x/out", "../examples/data"},
		{"/w/x/out/f.txt", "/w/x/out", "f.txt"},
		{"/w/x", "/w/x/out", ".."},
		{"/w/x/out", "/w/x/out/", "."},
		{"/w/xy/f", "/w/x", "../xy/f"},
		{"/w/x/./a/../b", "/w/x/c/d", "../../b"},
		{"/a/b", "/c/d", "../../a/b"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *r = ll_path_rel(cases[i].path, cases[i].base);
		LL_CHECK_STR(r, cases[i].want);
		ll_free(r);
	}
	/* relative paths are taken from the working directory */
	char *r = ll_path_rel("examples/data", "out");
	LL_CHECK_STR(r, "../examples/data");
	ll_free(r);
}

int main(void)
{
	LL_RUN(test_err);
	LL_RUN(test_path_rel);
	LL_RUN(test_quantile);
	LL_RUN(test_status_map);
	LL_RUN(test_parse_bytes);
	LL_RUN(test_input_limit);
	LL_RUN(test_rng);
	LL_RUN(test_json);
	LL_RUN(test_afile);
	LL_RUN(test_afile_failed_write);
	return ll_test_done();
}
