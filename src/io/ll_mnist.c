/* MNIST image sets: IDX loading with checks, subsets, probe sets. */
#include "io/ll_mnist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/ll_fs.h"
#include "base/ll_limits.h"
#include "io/ll_idx.h"

void ll_mnist_free(ll_mnist *ds)
{
	if (!ds)
		return;
	ll_free(ds->x);
	ll_free(ds->y);
	memset(ds, 0, sizeof *ds);
}

int ll_mnist_alloc(ll_mnist *ds, size_t n, size_t rows, size_t cols, ll_err *err)
{
	size_t dim, total;

	memset(ds, 0, sizeof *ds);
	if (n == 0 || rows == 0 || cols == 0)
		return ll_err_set(err, LL_ESHAPE, "mnist: empty set (%zu images of %zu x %zu)", n, rows, cols);
	if (!ll_mul_ok(rows, cols, &dim) || !ll_mul_ok(n, dim, &total))
		return ll_err_set(err, LL_ENOMEM, "mnist: %zu images of %zu x %zu is too large", n, rows, cols);
	ds->x = ll_calloc_array(total, sizeof *ds->x);
	ds->y = ll_calloc_array(n, 1);
	if (!ds->x || !ds->y) {
		ll_mnist_free(ds);
		return ll_err_set(err, LL_ENOMEM, "mnist: out of memory for %zu images", n);
	}
	ds->n = n;
	ds->rows = rows;
	ds->cols = cols;
	ds->dim = dim;
	return LL_OK;
}

/* One IDX file of a pair: a path, or bytes in memory named path. */
typedef struct mnist_in {
	const char *path;
	const void *buf;
	size_t len;
} mnist_in;

static int read_u8(const mnist_in *in, unsigned char **data, ll_array_info *info, ll_err *err)
{
	if (in->buf)
		return ll_idx_read_u8_mem(in->buf, in->len, in->path, data, info, err);
	return ll_idx_read_u8(in->path, data, info, err);
}

static int load_pair(ll_mnist *ds, const mnist_in *im, const mnist_in *lb, ll_err *err)
{
	unsigned char *img = NULL, *lab = NULL;
	ll_array_info ii, li;
	size_t limit = ll_input_limit();
	int rc;

	memset(ds, 0, sizeof *ds);
	rc = read_u8(im, &img, &ii, err);
	if (rc != LL_OK)
		return rc;
	if (ii.ndim != 3 || ii.shape[1] != 28 || ii.shape[2] != 28) {
		char shape[96] = "";
		for (int k = 0; k < ii.ndim; k++)
			snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%zu",
				 k ? " x " : "", ii.shape[k]);
		rc = ll_err_set(err, LL_ESHAPE, "%s: images are %s, expected N x 28 x 28",
				im->path, ii.ndim ? shape : "a scalar");
		goto out;
	}
	/* the float32 copy too, before the labels are read */
	{
		size_t nbytes = ii.shape[0] * 28 * 28;
		if (nbytes > limit / 5) {
			char sz[32];
			ll_bytes_text(5.0 * (double)nbytes, sz, sizeof sz);
			rc = ll_err_limit(err, limit, "%s: %zu images of 28 x 28 as bytes and float32 = %s decoded",
					  im->path, ii.shape[0], sz);
			goto out;
		}
	}
	rc = read_u8(lb, &lab, &li, err);
	if (rc != LL_OK)
		goto out;
	if (li.ndim != 1) {
		rc = ll_err_set(err, LL_ESHAPE, "%s: labels have %d dimensions, expected 1",
				lb->path, li.ndim);
		goto out;
	}
	if (li.shape[0] != ii.shape[0]) {
		rc = ll_err_set(err, LL_ESHAPE, "%s: %zu labels but %zu images (%s)",
				lb->path, li.shape[0], ii.shape[0], im->path);
		goto out;
	}
	if (ii.shape[0] == 0) {
		rc = ll_err_set(err, LL_ESHAPE, "%s: no images", im->path);
		goto out;
	}
	for (size_t i = 0; i < li.shape[0]; i++) {
		if (lab[i] >= LL_MNIST_CLASSES) {
			rc = ll_err_set(err, LL_EFORMAT, "%s: label %zu is %u, expected 0..%d",
					lb->path, i, lab[i], LL_MNIST_CLASSES - 1);
			goto out;
		}
	}
	rc = ll_mnist_alloc(ds, ii.shape[0], ii.shape[1], ii.shape[2], err);
	if (rc != LL_OK) {
		ll_err_prefix(err, "%s", im->path);
		goto out;
	}
	for (size_t i = 0; i < ds->n * ds->dim; i++)
		ds->x[i] = (float)img[i] / 255.0f;
	memcpy(ds->y, lab, ds->n);
out:
	ll_free(img);
	ll_free(lab);
	return rc;
}

int ll_mnist_load_files(ll_mnist *ds, const char *images_path,
			const char *labels_path, ll_err *err)
{
	mnist_in im = {images_path, NULL, 0}, lb = {labels_path, NULL, 0};
	return load_pair(ds, &im, &lb, err);
}

int ll_mnist_load_mem(ll_mnist *ds, const void *images, size_t images_len, const char *images_name,
		      const void *labels, size_t labels_len, const char *labels_name, ll_err *err)
{
	mnist_in im = {images_name, images ? images : "", images_len},
		 lb = {labels_name, labels ? labels : "", labels_len};
	return load_pair(ds, &im, &lb, err);
}

static int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The first existing file among the naming schemes into *path (NULL if
 * none; *tried then lists what was looked for).  LL_ENOMEM or LL_OK. */
static int find_file(const char *dir, const char *split, const char *kind, char **path,
		     char *tried, size_t ntried)
{
	const char *prefixes[3];
	size_t np = 0;

	*path = NULL;
	if (!strcmp(split, "train")) {
		prefixes[np++] = "train";
	} else {
		prefixes[np++] = "t10k";
		prefixes[np++] = "test";
	}
	prefixes[np++] = !strcmp(split, "train") ? "mnist-train" : "mnist-test";
	tried[0] = '\0';
	for (size_t p = 0; p < np; p++) {
		for (int gz = 1; gz >= 0; gz--) {
			char name[96];
			snprintf(name, sizeof name, "%s-%s-ubyte%s", prefixes[p], kind, gz ? ".gz" : "");
			char *cand = ll_path_join(dir, name);
			if (!cand)
				return LL_ENOMEM;
			if (file_exists(cand)) {
				*path = cand;
				return LL_OK;
			}
			ll_free(cand);
		}
		snprintf(tried + strlen(tried), ntried - strlen(tried), "%s%s-%s-ubyte[.gz]",
			 p ? ", " : "", prefixes[p], kind);
	}
	return LL_OK;
}

int ll_mnist_load(ll_mnist *ds, const char *dir, const char *split, ll_err *err)
{
	struct stat st;
	char tried[256];
	char *images = NULL, *labels = NULL;
	int rc;

	memset(ds, 0, sizeof *ds);
	if (!split || (strcmp(split, "train") != 0 && strcmp(split, "test") != 0))
		return ll_err_set(err, LL_EINVAL, "mnist: split is \"%s\", expected train or test",
				  split ? split : "(null)");
	if (!dir || !*dir)
		return ll_err_set(err, LL_EINVAL, "mnist: no data directory given");
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return ll_err_set(err, LL_EIO, "%s: no such directory", dir);
	if (find_file(dir, split, "images-idx3", &images, tried, sizeof tried) != LL_OK)
		return ll_err_oom(err);
	if (!images)
		return ll_err_set(err, LL_EIO, "%s: no %s images (looked for %s)", dir, split, tried);
	if (find_file(dir, split, "labels-idx1", &labels, tried, sizeof tried) != LL_OK) {
		ll_free(images);
		return ll_err_oom(err);
	}
	if (!labels) {
		ll_free(images);
		return ll_err_set(err, LL_EIO, "%s: no %s labels (looked for %s)", dir, split, tried);
	}
	rc = ll_mnist_load_files(ds, images, labels, err);
	ll_free(images);
	ll_free(labels);
	return rc;
}

int ll_mnist_subset(ll_mnist *dst, const ll_mnist *src, size_t start,
		    size_t count, ll_err *err)
{
	int rc;

	memset(dst, 0, sizeof *dst);
	if (start > src->n || count > src->n - start || count == 0)
		return ll_err_set(err, LL_EINVAL, "mnist: images %zu..%zu requested from a set of %zu",
				  start, start + count, src->n);
	rc = ll_mnist_alloc(dst, count, src->rows, src->cols, err);
	if (rc != LL_OK)
		return rc;
	memcpy(dst->x, src->x + start * src->dim, count * src->dim * sizeof *dst->x);
	memcpy(dst->y, src->y + start, count);
	return LL_OK;
}

void ll_mnist_class_counts(const ll_mnist *ds, size_t counts[LL_MNIST_CLASSES])
{
	memset(counts, 0, LL_MNIST_CLASSES * sizeof *counts);
	for (size_t i = 0; i < ds->n; i++)
		if (ds->y[i] < LL_MNIST_CLASSES)
			counts[ds->y[i]]++;
}

int ll_mnist_probe(ll_mnist *dst, const ll_mnist *src, size_t per_class, ll_err *err)
{
	size_t counts[LL_MNIST_CLASSES], total;
	int rc;

	memset(dst, 0, sizeof *dst);
	if (per_class == 0)
		return ll_err_set(err, LL_EINVAL, "mnist probe: per_class must be >= 1");
	ll_mnist_class_counts(src, counts);
	for (int c = 0; c < LL_MNIST_CLASSES; c++)
		if (counts[c] < per_class)
			return ll_err_set(err, LL_EINVAL,
					  "mnist probe: %zu images of digit %d wanted, the set has %zu",
					  per_class, c, counts[c]);
	if (!ll_mul_ok(per_class, LL_MNIST_CLASSES, &total))
		return ll_err_set(err, LL_ENOMEM, "mnist probe: per_class %zu is too large", per_class);
	rc = ll_mnist_alloc(dst, total, src->rows, src->cols, err);
	if (rc != LL_OK)
		return rc;
	for (int c = 0; c < LL_MNIST_CLASSES; c++) {
		size_t out = (size_t)c * per_class, got = 0;
		for (size_t i = 0; i < src->n && got < per_class; i++) {
			if (src->y[i] != c)
				continue;
			memcpy(dst->x + (out + got) * dst->dim, src->x + i * src->dim,
			       src->dim * sizeof *dst->x);
			dst->y[out + got] = (unsigned char)c;
			got++;
		}
	}
	return LL_OK;
}
