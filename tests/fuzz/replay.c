/*
 * replay.c - `make check`'s replay of the committed fuzz corpus: every
 * file of tests/fuzz/corpus/<name>/ through harness <name>, built with
 * the ordinary compiler (no clang, no libFuzzer; the sanitizer build runs
 * it under ASan and UBSan).  One TAP point per harness.  A run must not
 * crash (the harnesses abort on a broken promise, fuzz.h) and must leave
 * no block of the allocation hook live.  Each input's name is printed
 * ("# npy/seed-f8_le.npy") before it runs, so a crash names it.
 *
 *   replay                      every harness, its whole corpus
 *   replay NAME [FILE...]       one harness, on the given files (or its
 *                               corpus): for a crash the fuzzer found
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/ll_common.h"
#include "base/ll_limits.h"
#include "fuzz.h"
#include "ll_test.h"

#ifndef LL_FUZZ_CORPUS
#define LL_FUZZ_CORPUS "tests/fuzz/corpus"
#endif

#define DECLARE_(name) int ll_fuzz_##name(const uint8_t *data, size_t size);
LL_FUZZ_TARGETS(DECLARE_)
#undef DECLARE_

typedef struct target {
	const char *name;
	int (*run)(const uint8_t *data, size_t size);
} target;

static const target targets[] = {
#define ENTRY_(name) {#name, ll_fuzz_##name},
	LL_FUZZ_TARGETS(ENTRY_)
#undef ENTRY_
};
#define NTARGETS (sizeof targets / sizeof targets[0])

/* The hook's blocks, counted: none may be left after an input. */
static size_t live;

static void *count_malloc(void *ud, size_t n)
{
	(void)ud;
	void *p = malloc(n);
	live += p != NULL;
	return p;
}

static void *count_realloc(void *ud, void *p, size_t n)
{
	(void)ud;
	return realloc(p, n);
}

static void count_free(void *ud, void *p)
{
	(void)ud;
	live--;
	free(p);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *b;
	long n;
	*len = 0;
	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return NULL;
	}
	/* an exact-size copy, so ASan sees a read past the end */
	b = malloc(n ? (size_t)n : 1);
	if (b && fread(b, 1, (size_t)n, fp) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(fp);
	*len = (size_t)n;
	return b;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One input; 0 if all is well. */
static int replay_one(const target *t, const char *path, const char *label)
{
	size_t len;
	unsigned char *b = slurp(path, &len);
	if (!b) {
		printf("# %s: cannot read\n", path);
		return 1;
	}
	printf("# %s/%s\n", t->name, label);
	fflush(stdout);
	live = 0;
	t->run(b, len);
	free(b);
	if (live != 0) {
		printf("# %s/%s: %zu blocks left live\n", t->name, label, live);
		return 1;
	}
	return 0;
}

/* Every regular file under dir, sorted; the count in *n, -1 on error. */
static int replay_dir(const target *t, const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t cnt = 0, cap = 0;
	int bad = 0;

	*n = 0;
	if (!d) {
		printf("# %s: no corpus folder\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (cnt == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof *names);
		}
		names[cnt++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, cnt, sizeof *names, cmp_str);
	for (size_t i = 0; i < cnt; i++) {
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		bad |= replay_one(t, path, names[i]);
		free(names[i]);
	}
	free(names);
	*n = cnt;
	if (cnt == 0) {
		printf("# %s: empty corpus\n", dir);
		bad = 1;
	}
	return bad;
}

static const target *cur;

static void test_target(void)
{
	char dir[4096];
	size_t n;
	double t0 = ll_now();
	snprintf(dir, sizeof dir, "%s/%s", LL_FUZZ_CORPUS, cur->name);
	LL_CHECK(replay_dir(cur, dir, &n) == 0);
	printf("# %s: %zu inputs in %.2f s\n", cur->name, n, ll_now() - t0);
}

#define RUN_TARGET(t) do { cur = (t); ll_t_cur_failed = 0; test_target(); ll_t_count++; \
	if (ll_t_cur_failed) ll_t_failed_points++; \
	printf("%s %d - fuzz corpus: %s\n", ll_t_cur_failed ? "not ok" : "ok", ll_t_count, cur->name); \
	fflush(stdout); } while (0)

/* Every folder of the corpus has a harness. */
static void test_corpus_folders(void)
{
	DIR *d = opendir(LL_FUZZ_CORPUS);
	struct dirent *de;
	LL_CHECK(d != NULL);
	while (d && (de = readdir(d)) != NULL) {
		int known = de->d_name[0] == '.';
		for (size_t i = 0; i < NTARGETS && !known; i++)
			known = !strcmp(de->d_name, targets[i].name);
		LL_CHECK_MSG(known, "corpus folder '%s' has no harness (fuzz.h: LL_FUZZ_TARGETS)", de->d_name);
	}
	if (d)
		closedir(d);
}

int main(int argc, char **argv)
{
	static const ll_allocator counting = {count_malloc, count_realloc, count_free, NULL};

	ll_input_limit_set(LL_FUZZ_LIMIT);
	ll_alloc_set(&counting);
	if (argc > 1) {
		const target *t = NULL;
		int bad = 0;
		for (size_t i = 0; i < NTARGETS; i++)
			if (!strcmp(argv[1], targets[i].name))
				t = &targets[i];
		if (!t) {
			fprintf(stderr, "replay: no harness '%s'\n", argv[1]);
			return 2;
		}
		if (argc == 2) {
			cur = t;
			LL_RUN(test_target);
			return ll_test_done();
		}
		for (int i = 2; i < argc; i++)
			bad |= replay_one(t, argv[i], argv[i]);
		printf("%s\n", bad ? "FAILED" : "ok");
		return bad;
	}
	for (size_t i = 0; i < NTARGETS; i++)
		RUN_TARGET(&targets[i]);
	LL_RUN(test_corpus_folders);
	return ll_test_done();
}
