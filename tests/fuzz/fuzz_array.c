/* libFuzzer harness: the reader that picks .npy, .npz or IDX by content,
 * from memory: one array (ll_array_read_mem) and every array of the input
 * (ll_array_read_all_mem). */
#include "fuzz.h"
#include "io/ll_array.h"

LL_FUZZ_TARGET(array)
{
	ll_tensor t;
	ll_array_set set;
	ll_err e;

	ll_err_clear(&e);
	int rc = ll_array_read_mem(data, size, "fuzz.bin", &t, NULL, &e);
	ll_fuzz_check_err(rc, &e, "fuzz.bin");
	ll_fuzz_check_tensor(rc, &t);
	ll_tensor_free(&t);

	rc = ll_array_read_all_mem(data, size, "fuzz.bin", &set, &e);
	ll_fuzz_check_err(rc, &e, "fuzz.bin");
	if (rc == LL_OK) {
		size_t total = 0;
		LL_FUZZ_CHECK(set.n >= 1 && set.t && set.info);
		LL_FUZZ_CHECK((set.format == LL_ARRAY_NPZ) == (set.names != NULL));
		for (size_t k = 0; k < set.n; k++) {
			ll_fuzz_check_tensor(LL_OK, &set.t[k]);
			total += set.t[k].size * sizeof(double);
		}
		LL_FUZZ_CHECK(total <= LL_FUZZ_LIMIT);
	} else {
		LL_FUZZ_CHECK(set.n == 0 && set.t == NULL);
	}
	ll_array_set_free(&set);
	return 0;
}
