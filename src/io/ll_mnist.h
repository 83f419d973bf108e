/*
 * ll_mnist.h - labelled image sets (MNIST) held as float32 rows, ready for
 * row-major GEMMs.
 *
 * An ll_mnist is caller-owned: ll_mnist_load/_alloc/_subset/_probe fill it
 * (owning x and y), ll_mnist_free releases it; _free on a zeroed or freed
 * set is a no-op.  On failure each of them leaves the set zeroed, with
 * nothing to free (they clean up after themselves).  Pixels are scaled to [0, 1] (byte / 255).
 * The loaders hold the images as bytes and as float32 at once: 5 bytes
 * per pixel must fit in the input limit (base/ll_limits.h), checked from
 * the images' header, before the float32 copy is allocated.
 *
 * A directory may hold either naming: the bundled subset
 * (examples/data/mnist-train-images-idx3-ubyte.gz, ...) or LeCun's originals
 * (train-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally .gz).
 */
#ifndef LL_MNIST_H
#define LL_MNIST_H

#include <stddef.h>

#include "base/ll_common.h"

#define LL_MNIST_CLASSES 10

typedef struct ll_mnist {
	size_t n;          /* images */
	size_t rows, cols; /* 28 x 28 for MNIST */
	size_t dim;        /* rows * cols: floats per image */
	float *x;          /* n x dim, row-major, in [0, 1] (owned) */
	unsigned char *y;  /* n labels, each < LL_MNIST_CLASSES (owned) */
} ll_mnist;

/* Load split "train" or "test" from dir.  Looks for, in order,
 * {train|t10k, test, mnist-SPLIT}-{images-idx3,labels-idx1}-ubyte[.gz].
 * Checks: both files exist, images are N x 28 x 28 u1, labels are N u1
 * with the same N, every label < 10.  Every error names the file, e.g.
 * "DIR/mnist-train-labels-idx1-ubyte.gz: 4999 labels but 5000 images".
 * On failure: *ds is zeroed and holds nothing to free. */
int ll_mnist_load(ll_mnist *ds, const char *dir, const char *split, ll_err *err);
/* The same from two explicit IDX paths.  On failure: as ll_mnist_load. */
int ll_mnist_load_files(ll_mnist *ds, const char *images_path,
			const char *labels_path, ll_err *err);
/* The same from two IDX files in memory (raw or gzip); the names are used
 * in messages.  On failure: as ll_mnist_load. */
int ll_mnist_load_mem(ll_mnist *ds, const void *images, size_t images_len, const char *images_name,
		      const void *labels, size_t labels_len, const char *labels_name, ll_err *err);

/* A zero-filled set of n images of rows x cols (labels 0), e.g. for
 * synthetic data.  On failure: *ds is zeroed. */
int ll_mnist_alloc(ll_mnist *ds, size_t n, size_t rows, size_t cols, ll_err *err);
void ll_mnist_free(ll_mnist *ds);

/* Copy images [start, start + count) of src into dst (a new set).  On
 * failure: *dst is zeroed. */
int ll_mnist_subset(ll_mnist *dst, const ll_mnist *src, size_t start,
		    size_t count, ll_err *err);
/* A fixed probe set: the first per_class images of each digit in src's
 * order, grouped by digit (all 0s, then all 1s, ...): 10 * per_class
 * images.  LL_EINVAL naming the digit if src has fewer than per_class.
 * On failure: *dst is zeroed. */
int ll_mnist_probe(ll_mnist *dst, const ll_mnist *src, size_t per_class, ll_err *err);

/* Images per digit. */
void ll_mnist_class_counts(const ll_mnist *ds, size_t counts[LL_MNIST_CLASSES]);

#endif
