/* libFuzzer harness: an IDX file from memory, raw or gzip (told by its
 * first bytes): as doubles (ll_idx_read_mem) and as bytes
 * (ll_idx_read_u8_mem). */
#include "fuzz.h"
#include "io/ll_idx.h"

LL_FUZZ_TARGET(idx)
{
	ll_tensor t;
	ll_array_info info;
	unsigned char *u8;
	ll_err e;

	ll_err_clear(&e);
	int rc = ll_idx_read_mem(data, size, "fuzz.idx", &t, &info, &e);
	ll_fuzz_check_err(rc, &e, "fuzz.idx");
	ll_fuzz_check_tensor(rc, &t);
	ll_tensor_free(&t);

	rc = ll_idx_read_u8_mem(data, size, "fuzz.idx", &u8, &info, &e);
	ll_fuzz_check_err(rc, &e, "fuzz.idx");
	LL_FUZZ_CHECK((rc == LL_OK) == (u8 != NULL));
	if (rc == LL_OK) {
		size_t n = 1;
		volatile unsigned sum = 0;
		for (int k = 0; k < info.ndim; k++)
			n *= info.shape[k];
		for (size_t i = 0; i < n; i++)
			sum += u8[i];
		(void)sum;
	}
	ll_free(u8);
	return 0;
}
