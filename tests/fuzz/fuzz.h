/*
 * fuzz.h - what the harnesses of tests/fuzz share.
 *
 * A harness is one file, fuzz_<name>.c, holding LL_FUZZ_TARGET(name) { }:
 *  - built alone by `make fuzz` (clang -fsanitize=fuzzer,address,undefined)
 *    it is libFuzzer's LLVMFuzzerTestOneInput, and LLVMFuzzerInitialize
 *    below sets the input limit;
 *  - built into tests/fuzz/replay by `make check` (any compiler, with
 *    -DLL_FUZZ_REPLAY) it is ll_fuzz_<name>, one row of replay.c's table,
 *    which feeds it every file of tests/fuzz/corpus/<name>/.
 * A new harness: its file, a line in LL_FUZZ_TARGETS here, its name in
 * FUZZ_TARGETS (fuzz.am), and a folder tests/fuzz/corpus/<name>/ with seeds.
 *
 * Harnesses read only memory (the _mem readers), write no files, and run
 * with a 16 MiB input limit, so an input that claims gigabytes is
 * refused by the limit, not by the fuzzer's malloc limit (and an input
 * under it costs milliseconds, not the fuzzer's speed).  Beyond "no
 * crash, no leak, no undefined behaviour" they check what the readers
 * promise (LL_FUZZ_CHECK): on failure a one-line message that starts
 * with the input's name and an output left zeroed; on success a tensor
 * whose size is the product of its dims.
 */
#ifndef LL_FUZZ_H
#define LL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_common.h"
#include "base/ll_limits.h"
#include "tensor/ll_tensor.h"

#define LL_FUZZ_LIMIT ((size_t)16 << 20)

/* Every harness, for replay.c's table. */
#define LL_FUZZ_TARGETS(X) X(npy) X(npz) X(idx) X(idx_gz) X(csv) X(mnist) X(array) X(session) X(nwb)

#ifdef LL_FUZZ_REPLAY
#define LL_FUZZ_TARGET(name)                                   \
	int ll_fuzz_##name(const uint8_t *data, size_t size); \
	int ll_fuzz_##name(const uint8_t *data, size_t size)
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ll_input_limit_set(LL_FUZZ_LIMIT);
	return 0;
}
#define LL_FUZZ_TARGET(name) int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#endif

/* A broken promise is a crash, so the fuzzer keeps the input. */
#define LL_FUZZ_CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: LL_FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); abort(); } } while (0)

/* A message is one line: no control characters, whatever the input held
 * (the readers quote input text with ll_quote). */
static inline int ll_fuzz_one_line(const char *msg)
{
	for (const char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return 0;
	return 1;
}

/* After a read of `name`: a failure has a one-line message starting with
 * "name" and the status; a success has nothing to say.  strict: no
 * control character at all (the io readers quote their input, ll_quote);
 * else no newline (the session parser quotes its input as it is: a tab,
 * a DEL, even a carriage return inside "[sec\r]" reach its messages). */
static inline void ll_fuzz_check_err_(int rc, const ll_err *e, const char *name, int strict)
{
	if (rc == LL_OK)
		return;
	LL_FUZZ_CHECK(rc < 0 && e->code == rc);
	LL_FUZZ_CHECK(strncmp(e->msg, name, strlen(name)) == 0);
	LL_FUZZ_CHECK(strict ? ll_fuzz_one_line(e->msg) : strchr(e->msg, '\n') == NULL);
}
#define ll_fuzz_check_err(rc, e, name) ll_fuzz_check_err_(rc, e, name, 1)

/* A tensor a reader returned: zeroed after a failure; else its size is
 * the product of its dims, within the limit, every entry readable. */
static inline void ll_fuzz_check_tensor(int rc, const ll_tensor *t)
{
	static const ll_tensor zero;
	if (rc != LL_OK) {
		LL_FUZZ_CHECK(memcmp(t, &zero, sizeof zero) == 0);
		return;
	}
	size_t n = 1;
	LL_FUZZ_CHECK(t->nmodes >= 1 && t->nmodes <= LL_MAX_MODES && t->data);
	for (int m = 0; m < t->nmodes; m++)
		n *= t->dim[m];
	LL_FUZZ_CHECK(n == t->size && n <= LL_FUZZ_LIMIT / sizeof(double));
	volatile double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += t->data[i];
	(void)sum;
}

#endif
