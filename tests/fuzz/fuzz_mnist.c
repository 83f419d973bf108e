/* libFuzzer harness: an MNIST image/label pair from memory
 * (ll_mnist_load_mem).  The first two bytes (little-endian) say how many
 * of the rest are the images file; the labels file is what follows. */
#include "fuzz.h"
#include "io/ll_mnist.h"

LL_FUZZ_TARGET(mnist)
{
	ll_mnist ds;
	ll_err e;

	if (size < 2)
		return 0;
	size_t ilen = (size_t)data[0] | (size_t)data[1] << 8;
	if (ilen > size - 2)
		ilen = size - 2;
	ll_err_clear(&e);
	int rc = ll_mnist_load_mem(&ds, data + 2, ilen, "images", data + 2 + ilen, size - 2 - ilen, "labels", &e);
	if (rc != LL_OK) {
		static const ll_mnist zero;
		LL_FUZZ_CHECK(rc < 0 && ll_fuzz_one_line(e.msg));
		LL_FUZZ_CHECK(!strncmp(e.msg, "images", 6) || !strncmp(e.msg, "labels", 6));
		LL_FUZZ_CHECK(memcmp(&ds, &zero, sizeof zero) == 0);
		return 0;
	}
	LL_FUZZ_CHECK(ds.n > 0 && ds.rows == 28 && ds.cols == 28 && ds.dim == 784);
	for (size_t i = 0; i < ds.n; i++)
		LL_FUZZ_CHECK(ds.y[i] < LL_MNIST_CLASSES);
	for (size_t i = 0; i < ds.n * ds.dim; i++)
		LL_FUZZ_CHECK(ds.x[i] >= 0.0f && ds.x[i] <= 1.0f);
	ll_mnist_free(&ds);
	return 0;
}
