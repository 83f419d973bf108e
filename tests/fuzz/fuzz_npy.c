/* libFuzzer harness: a .npy file from memory (ll_npy_read_mem). */
#include "fuzz.h"
#include "io/ll_npy.h"

LL_FUZZ_TARGET(npy)
{
	ll_tensor t;
	ll_array_info info;
	ll_err e;

	ll_err_clear(&e);
	int rc = ll_npy_read_mem(data, size, "fuzz.npy", &t, &info, &e);
	ll_fuzz_check_err(rc, &e, "fuzz.npy");
	ll_fuzz_check_tensor(rc, &t);
	LL_FUZZ_CHECK(rc != LL_OK || (info.ndim >= 0 && info.ndim <= LL_MAX_MODES));
	ll_tensor_free(&t);
	return 0;
}
