/*
 * ll_idx.c - IDX files (the MNIST format), raw or gzip-compressed.
 *
 * Layout: 0x00 0x00, a type byte, ndim, then ndim big-endian uint32 dims
 * and the big-endian data in C order.  A gzip file (told by its magic
 * bytes) is inflated as it is read (io/ll_src.h), straight into the
 * caller's buffer, so ll_idx_read_u8 makes one allocation for MNIST
 * besides zlib's window and the input buffer, and the header is checked
 * against the input limit before anything is allocated for the data.
 * Like zlib's gzread, concatenated gzip members are read as one stream
 * and bytes after the last member are ignored.
 */
#include "io/ll_idx.h"

#include "base/ll_fs.h"
#include "base/ll_limits.h"
#include "io/ll_src.h"
#include "io/ll_zlib.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define IDX_CHUNK_ITEMS 16384
#define IDX_MAX_RATIO 1032 /* deflate cannot expand more than this */

typedef struct idx_type {
	unsigned char code;
	const char *dtype;
	char kind;
	int size;
} idx_type;

static const idx_type idx_types[] = {
	{0x08, "u1", 'u', 1}, {0x09, "i1", 'i', 1}, {0x0B, ">i2", 'i', 2},
	{0x0C, ">i4", 'i', 4}, {0x0D, ">f4", 'f', 4}, {0x0E, ">f8", 'f', 8},
};

static const idx_type *idx_type_of(unsigned code)
{
	for (size_t k = 0; k < sizeof idx_types / sizeof idx_types[0]; k++)
		if (idx_types[k].code == code)
			return &idx_types[k];
	return NULL;
}

typedef struct idx_file {
	const char *path;
	ll_src *file;       /* the bytes as stored */
	ll_src z;           /* compressed: the inflater over them */
	ll_src *data;       /* file or &z */
	int compressed;
	const idx_type *ty;
	size_t count, nbytes, got;
} idx_file;

static uint64_t load_be(const unsigned char *p, int size)
{
	uint64_t v = 0;
	for (int i = 0; i < size; i++)
		v = v << 8 | p[i];
	return v;
}

static void convert_be(const unsigned char *src, size_t n, const idx_type *ty, double *dst)
{
	int sz = ty->size;
	for (size_t k = 0; k < n; k++) {
		uint64_t u = load_be(src + k * (size_t)sz, sz);
		if (ty->kind == 'u') {
			dst[k] = (double)u;
		} else if (ty->kind == 'i') {
			if ((u >> (8 * sz - 1)) & 1)
				dst[k] = (double)u - (double)(UINT64_C(1) << (8 * sz));
			else
				dst[k] = (double)u;
		} else if (sz == 4) {
			uint32_t w = (uint32_t)u;
			float f;
			memcpy(&f, &w, 4);
			dst[k] = f;
		} else {
			memcpy(&dst[k], &u, 8);
		}
	}
}

/* A one-line message for a short or failed read; what: the message for a
 * short read (NULL: the data was cut short). */
static int idx_read_error(idx_file *f, const char *what, ll_err *err)
{
	switch (f->data->fail) {
	case LL_SRC_EIO:
		return ll_err_set(err, LL_EIO, "%s: read failed: %s", f->path, strerror(f->data->eno));
	case LL_SRC_EDATA:
		return ll_err_set(err, LL_EFORMAT, "%s: corrupt gzip data (%s)", f->path, f->data->msg);
	case LL_SRC_ENOMEM:
		return ll_err_set(err, LL_ENOMEM, "%s: out of memory", f->path);
	}
	if (what)
		return ll_err_set(err, LL_EFORMAT, "%s: %s", f->path, what);
	return ll_err_set(err, LL_EFORMAT, "%s: truncated: header says %zu bytes of data, file has %zu",
			  f->path, f->nbytes, f->got);
}

static void idx_close(idx_file *f)
{
	if (f->compressed)
		ll_src_close(&f->z);
	f->compressed = 0;
}

/* Parse the header from s into info, check that the claimed size is
 * possible and that elem_size bytes per element (type) fit in limit. */
static int idx_open(idx_file *f, ll_src *s, const char *path, size_t limit, size_t elem_size,
		    const char *type, ll_array_info *info, ll_err *err)
{
	unsigned char h[4 + 4 * 255], m[2];
	uint64_t fsize = ll_src_left(s);
	size_t got, hl;
	int ndim, rc;

	memset(f, 0, sizeof *f);
	memset(info, 0, sizeof *info);
	f->path = path;
	f->file = f->data = s;
	f->compressed = ll_src_peek(s, m, 2) == 2 && m[0] == 0x1f && m[1] == 0x8b;
	if (f->compressed) {
		if (ll_src_inflate(&f->z, s, LL_SRC_UNKNOWN, 1, path) != LL_OK) {
			f->compressed = 0;
			return ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
		}
		f->data = &f->z;
	}
	got = ll_src_read(f->data, h, 4);
	if (got < 4) {
		rc = got == 0 && !f->compressed && !s->fail
			     ? ll_err_set(err, LL_EFORMAT, "%s: not an IDX file (empty)", path)
			     : idx_read_error(f, "truncated IDX header", err);
		idx_close(f);
		return rc;
	}
	if (h[0] != 0 || h[1] != 0) {
		idx_close(f);
		return ll_err_set(err, LL_EFORMAT, "%s: not an IDX file (bad magic)", path);
	}
	f->ty = idx_type_of(h[2]);
	if (!f->ty) {
		idx_close(f);
		return ll_err_set(err, LL_EFORMAT, "%s: unknown IDX data type 0x%02X", path, h[2]);
	}
	ndim = h[3];
	if (ndim == 0) {
		idx_close(f);
		return ll_err_set(err, LL_EFORMAT, "%s: IDX header has 0 dimensions", path);
	}
	if (ndim > LL_MAX_MODES) {
		idx_close(f);
		return ll_err_set(err, LL_ENOTSUP, "%s: IDX file has %d dimensions; at most %d are supported",
				  path, ndim, LL_MAX_MODES);
	}
	hl = 4 + 4 * (size_t)ndim;
	if (ll_src_read(f->data, h + 4, hl - 4) < hl - 4) {
		rc = idx_read_error(f, "truncated IDX header", err);
		idx_close(f);
		return rc;
	}
	snprintf(info->dtype, sizeof info->dtype, "%s", f->ty->dtype);
	info->ndim = ndim;
	f->count = 1;
	for (int k = 0; k < ndim; k++) {
		info->shape[k] = (size_t)load_be(h + 4 + 4 * k, 4);
		if (!ll_mul_ok(f->count, info->shape[k], &f->count)) {
			idx_close(f);
			return ll_err_set(err, LL_EFORMAT, "%s: shape has too many elements", path);
		}
	}
	if (!ll_mul_ok(f->count, (size_t)f->ty->size, &f->nbytes)) {
		idx_close(f);
		return ll_err_set(err, LL_EFORMAT, "%s: shape has too many elements", path);
	}
	/* Refuse impossible sizes (when the file's is known), then sizes
	 * over the limit, before allocating for them. */
	if (fsize != LL_SRC_UNKNOWN && !f->compressed && fsize - hl < f->nbytes) {
		idx_close(f);
		return ll_err_set(err, LL_EFORMAT, "%s: truncated: header says %zu bytes of data, file has %llu",
				  path, f->nbytes, (unsigned long long)(fsize - hl));
	}
	if (fsize != LL_SRC_UNKNOWN && f->compressed && f->nbytes / IDX_MAX_RATIO > fsize + 1) {
		idx_close(f);
		return ll_err_set(err, LL_EFORMAT,
				  "%s: truncated: header says %zu bytes of data, more than %llu compressed bytes can hold",
				  path, f->nbytes, (unsigned long long)fsize);
	}
	rc = ll_array_limit(path, ndim, info->shape, elem_size, type, 0, limit, err);
	if (rc != LL_OK)
		idx_close(f);
	return rc;
}

/* After the data: read on to the end of the gzip member, so a cut or
 * corrupt trailer (CRC, length) is noticed.  Extra bytes are ignored, as
 * for .npy. */
static int idx_finish(idx_file *f, ll_err *err)
{
	unsigned char b;
	if (f->compressed && ll_src_read(f->data, &b, 1) == 0 && f->data->fail)
		return idx_read_error(f, f->data->fail == LL_SRC_ETRUNC ? "truncated gzip stream" : NULL, err);
	return LL_OK;
}

int ll_idx_load(ll_src *s, const char *path, size_t limit, ll_tensor *t, ll_array_info *info,
		ll_err *err)
{
	ll_array_info inf;
	idx_file f;
	unsigned char *raw = NULL;
	size_t done = 0;
	int rc;

	memset(t, 0, sizeof *t);
	rc = idx_open(&f, s, path, limit, sizeof(double), "float64", &inf, err);
	if (info)
		*info = inf;
	if (rc != LL_OK)
		return rc;
	rc = ll_tensor_init(t, inf.ndim, inf.shape, err);
	if (rc != LL_OK) {
		ll_err_prefix(err, "%s", path);
		goto out;
	}
	raw = ll_malloc((size_t)IDX_CHUNK_ITEMS * (size_t)f.ty->size);
	if (!raw) {
		rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	while (done < f.count) {
		size_t n = f.count - done < IDX_CHUNK_ITEMS ? f.count - done : IDX_CHUNK_ITEMS;
		size_t want = n * (size_t)f.ty->size, got = ll_src_read(f.data, raw, want);
		if (got != want) {
			f.got = done * (size_t)f.ty->size + got;
			rc = idx_read_error(&f, NULL, err);
			goto out;
		}
		convert_be(raw, n, f.ty, t->data + done);
		done += n;
	}
	rc = idx_finish(&f, err);
out:
	ll_free(raw);
	idx_close(&f);
	if (rc != LL_OK)
		ll_tensor_free(t);
	return rc;
}

int ll_idx_load_u8(ll_src *s, const char *path, size_t limit, unsigned char **data,
		   ll_array_info *info, ll_err *err)
{
	ll_array_info inf;
	idx_file f;
	unsigned char *buf;
	int rc;

	*data = NULL;
	rc = idx_open(&f, s, path, limit, 1, "uint8", &inf, err);
	if (info)
		*info = inf;
	if (rc != LL_OK)
		return rc;
	if (f.ty->code != 0x08) {
		idx_close(&f);
		return ll_err_set(err, LL_EFORMAT, "%s: IDX data type is %s, not u1", path, f.ty->dtype);
	}
	buf = ll_malloc(f.nbytes ? f.nbytes : 1);
	if (!buf) {
		idx_close(&f);
		return ll_err_set(err, LL_ENOMEM, "%s: out of memory for %zu bytes", path, f.nbytes);
	}
	f.got = ll_src_read(f.data, buf, f.nbytes);
	if (f.got != f.nbytes)
		rc = idx_read_error(&f, NULL, err);
	else
		rc = idx_finish(&f, err);
	idx_close(&f);
	if (rc != LL_OK) {
		ll_free(buf);
		return rc;
	}
	*data = buf;
	return LL_OK;
}

/* Open path as a source for the readers: LL_OK with *fp set, or LL_EIO
 * (a directory is refused here, as fread's EISDIR would be later). */
static int idx_fopen(const char *path, FILE **fp, ll_err *err)
{
	struct stat st;
	*fp = fopen(path, "rb");
	if (!*fp)
		return ll_err_set(err, LL_EIO, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fileno(*fp), &st) != 0 || S_ISDIR(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
		fclose(*fp);
		*fp = NULL;
		return ll_err_set(err, LL_EIO, "%s: cannot read: %s", path, strerror(e));
	}
	return LL_OK;
}

int ll_idx_read(const char *path, ll_tensor *t, ll_array_info *info, ll_err *err)
{
	FILE *fp;
	ll_src s;
	int rc;

	memset(t, 0, sizeof *t);
	if (info)
		memset(info, 0, sizeof *info);
	if ((rc = idx_fopen(path, &fp, err)) != LL_OK)
		return rc;
	ll_src_file(&s, fp, path);
	rc = ll_idx_load(&s, path, ll_input_limit(), t, info, err);
	fclose(fp);
	return rc;
}

int ll_idx_read_mem(const void *buf, size_t len, const char *name, ll_tensor *t,
		    ll_array_info *info, ll_err *err)
{
	ll_src s;
	ll_src_mem(&s, buf, len, name);
	return ll_idx_load(&s, name, ll_input_limit(), t, info, err);
}

int ll_idx_read_u8(const char *path, unsigned char **data, ll_array_info *info, ll_err *err)
{
	FILE *fp;
	ll_src s;
	int rc;

	*data = NULL;
	if (info)
		memset(info, 0, sizeof *info);
	if ((rc = idx_fopen(path, &fp, err)) != LL_OK)
		return rc;
	ll_src_file(&s, fp, path);
	rc = ll_idx_load_u8(&s, path, ll_input_limit(), data, info, err);
	fclose(fp);
	return rc;
}

int ll_idx_read_u8_mem(const void *buf, size_t len, const char *name, unsigned char **data,
		       ll_array_info *info, ll_err *err)
{
	ll_src s;
	ll_src_mem(&s, buf, len, name);
	return ll_idx_load_u8(&s, name, ll_input_limit(), data, info, err);
}

/* ---- writing ---- */

static int gz_put(z_stream *zs, FILE *fp, const unsigned char *p, size_t n, int flush)
{
	unsigned char out[65536];
	int zr;
	do {
		uInt ai = n > UINT_MAX ? UINT_MAX : (uInt)n;
		int fl = flush && ai == n ? Z_FINISH : Z_NO_FLUSH;
		zs->next_in = (unsigned char *)p;
		zs->avail_in = ai;
		do {
			zs->next_out = out;
			zs->avail_out = sizeof out;
			zr = deflate(zs, fl);
			if (zr == Z_STREAM_ERROR)
				return -1;
			if (fwrite(out, 1, sizeof out - zs->avail_out, fp) != sizeof out - zs->avail_out)
				return -1;
		} while (zs->avail_out == 0);
		p += ai;
		n -= ai;
	} while (n);
	return 0;
}

int ll_idx_write_u8(const char *path, const unsigned char *data, int ndim,
		    const size_t *shape, int gz, ll_err *err)
{
	unsigned char h[4 + 4 * LL_MAX_MODES];
	size_t count = 1, hl;
	ll_afile af;
	int rc;

	if (ndim < 1 || ndim > LL_MAX_MODES)
		return ll_err_set(err, LL_EINVAL, "%s: cannot write %d dimensions (1 to %d)", path, ndim, LL_MAX_MODES);
	h[0] = h[1] = 0;
	h[2] = 0x08;
	h[3] = (unsigned char)ndim;
	for (int k = 0; k < ndim; k++) {
		if (shape[k] > 0xffffffffu)
			return ll_err_set(err, LL_EINVAL, "%s: dimension %d (%zu) does not fit IDX's 32 bits", path, k,
					  shape[k]);
		if (!ll_mul_ok(count, shape[k], &count))
			return ll_err_set(err, LL_EINVAL, "%s: shape has too many elements", path);
		for (int b = 0; b < 4; b++)
			h[4 + 4 * k + b] = (unsigned char)(shape[k] >> (24 - 8 * b));
	}
	if (count && !data)
		return ll_err_set(err, LL_EINVAL, "%s: no data to write", path);
	hl = 4 + 4 * (size_t)ndim;
	rc = ll_afile_open(&af, path, err);
	if (rc != LL_OK)
		return rc;
	if (!gz) {
		fwrite(h, 1, hl, af.fp);
		if (count)
			fwrite(data, 1, count, af.fp);
	} else {
		z_stream zs;
		ll_zstream_init(&zs);
		/* 15 + 16: a gzip wrapper rather than zlib's */
		if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
			ll_afile_abort(&af);
			return ll_err_set(err, LL_ENOMEM, "%s: cannot start deflate", path);
		}
		if (gz_put(&zs, af.fp, h, hl, 0) != 0 || gz_put(&zs, af.fp, data, count, 1) != 0) {
			deflateEnd(&zs);
			ll_afile_abort(&af);
			return ll_err_set(err, LL_EIO, "%s: write failed", path);
		}
		deflateEnd(&zs);
	}
	return ll_afile_commit(&af, err);
}
