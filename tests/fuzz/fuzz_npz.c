/* libFuzzer harness: an .npz archive from memory (ll_npz_read_mem): its
 * first member, then a member by name. */
#include "fuzz.h"
#include "io/ll_npz.h"

LL_FUZZ_TARGET(npz)
{
	static const char *const members[] = {NULL, "b"};
	for (int k = 0; k < 2; k++) {
		ll_tensor t;
		ll_err e;
		ll_err_clear(&e);
		int rc = ll_npz_read_mem(data, size, "fuzz.npz", members[k], &t, NULL, &e);
		ll_fuzz_check_err(rc, &e, "fuzz.npz");
		ll_fuzz_check_tensor(rc, &t);
		ll_tensor_free(&t);
	}
	return 0;
}
