/*
 * ll_idx.c - IDX files (the MNIST format), raw or gzip-compressed.
 *
 * Layout: 0x00 0x00, a type byte, ndim, then ndim big-endian uint32 dims
 * and the big-endian data in C order.  A gzip file (told by its magic
 * bytes) is inflated through a z_stream whose allocations go through the
 * hook (io/ll_zlib.h), straight into the caller's buffer, so
 * ll_idx_read_u8 makes one allocation for MNIST besides zlib's window and
 * the input buffer.  Like zlib's gzread, concatenated gzip members are
 * read as one stream and bytes after the last member are ignored.
 */
#include "io/ll_idx.h"

#include "base/ll_fs.h"
#include "io/ll_zlib.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define IDX_CHUNK_ITEMS 16384
#define IDX_GZBUF (256 * 1024)
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
	FILE *fp;
	const char *path;
	int compressed;
	z_stream zs;        /* compressed: the inflater (live if in != NULL) */
	unsigned char *in;  /* compressed: IDX_GZBUF bytes of input */
	int zend;           /* compressed: the last member has ended */
	int zerr;           /* what stopped reading: Z_OK, Z_ERRNO (eno), Z_DATA_ERROR
			     * (zmsg), Z_MEM_ERROR or Z_BUF_ERROR (input ended early) */
	int eno;
	char zmsg[64];
	uint64_t fsize;
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

/* A one-line message for a short or failed read. */
static int idx_read_error(idx_file *f, const char *what, ll_err *err)
{
	if (f->zerr == Z_ERRNO)
		return ll_err_set(err, LL_EIO, "%s: read failed: %s", f->path, strerror(f->eno));
	if (f->zerr == Z_DATA_ERROR)
		return ll_err_set(err, LL_EFORMAT, "%s: corrupt gzip data (%s)", f->path, f->zmsg);
	if (f->zerr == Z_MEM_ERROR)
		return ll_err_set(err, LL_ENOMEM, "%s: out of memory", f->path);
	if (what)
		return ll_err_set(err, LL_EFORMAT, "%s: %s", f->path, what);
	return ll_err_set(err, LL_EFORMAT, "%s: truncated: header says %zu bytes of data, file has %zu",
			  f->path, f->nbytes, f->got);
}

/* Top the compressed input up to at least `need` bytes (fewer at the end
 * of the file); -1 on a read error. */
static int gz_fill(idx_file *f, size_t need)
{
	z_stream *zs = &f->zs;
	if (zs->avail_in >= need)
		return 0;
	memmove(f->in, zs->next_in ? zs->next_in : f->in, zs->avail_in);
	zs->next_in = f->in;
	while (zs->avail_in < need) {
		size_t got = fread(f->in + zs->avail_in, 1, IDX_GZBUF - zs->avail_in, f->fp);
		if (got == 0) {
			if (ferror(f->fp)) {
				f->eno = errno;
				f->zerr = Z_ERRNO;
				return -1;
			}
			break;
		}
		zs->avail_in += (uInt)got;
	}
	return 0;
}

static int gz_read(idx_file *f, unsigned char *p, size_t n, size_t *got)
{
	z_stream *zs = &f->zs;
	while (n && !f->zend) {
		if (gz_fill(f, 1) != 0)
			return -1;
		if (zs->avail_in == 0) {
			f->zerr = Z_BUF_ERROR; /* the file ends inside the stream */
			return -1;
		}
		uInt want = n > UINT_MAX ? UINT_MAX : (uInt)n;
		zs->next_out = p;
		zs->avail_out = want;
		int zr = inflate(zs, Z_NO_FLUSH);
		size_t made = want - zs->avail_out;
		*got += made;
		p += made;
		n -= made;
		if (zr == Z_STREAM_END) {
			/* another gzip member may follow, as gzread reads it */
			if (gz_fill(f, 2) != 0)
				return -1;
			if (zs->avail_in >= 2 && zs->next_in[0] == 0x1f && zs->next_in[1] == 0x8b)
				inflateReset(zs);
			else
				f->zend = 1;
		} else if (zr == Z_MEM_ERROR) {
			f->zerr = Z_MEM_ERROR;
			return -1;
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			f->zerr = Z_DATA_ERROR;
			snprintf(f->zmsg, sizeof f->zmsg, "%s", zs->msg ? zs->msg : "error");
			return -1;
		}
	}
	return 0;
}

/* Read n bytes; fewer at the end of the data (*got says how many).  -1
 * on an error, which f->zerr names. */
static int idx_read(idx_file *f, void *buf, size_t n, size_t *got)
{
	*got = 0;
	if (f->compressed)
		return gz_read(f, buf, n, got);
	*got = fread(buf, 1, n, f->fp);
	if (*got < n && ferror(f->fp)) {
		f->eno = errno;
		f->zerr = Z_ERRNO;
		return -1;
	}
	return 0;
}

static void idx_close(idx_file *f)
{
	if (f->in) {
		inflateEnd(&f->zs);
		ll_free(f->in);
		f->in = NULL;
	}
	if (f->fp)
		fclose(f->fp);
	f->fp = NULL;
}

/* Open, parse the header into info, check the claimed size is possible. */
static int idx_open(idx_file *f, const char *path, ll_array_info *info, ll_err *err)
{
	unsigned char h[4 + 4 * 255], m[2];
	struct stat st;
	size_t got, hl;
	int ndim;

	memset(f, 0, sizeof *f);
	memset(info, 0, sizeof *info);
	f->path = path;
	f->fp = fopen(path, "rb");
	if (!f->fp)
		return ll_err_set(err, LL_EIO, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fileno(f->fp), &st) != 0 || S_ISDIR(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
		idx_close(f);
		return ll_err_set(err, LL_EIO, "%s: cannot read: %s", path, strerror(e));
	}
	f->fsize = (uint64_t)st.st_size;
	/* pread leaves the stream where it is: nothing has been read yet */
	f->compressed = pread(fileno(f->fp), m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
	if (f->compressed) {
		ll_zstream_init(&f->zs);
		f->in = ll_malloc(IDX_GZBUF);
		/* 15 + 16: a gzip wrapper */
		if (!f->in || inflateInit2(&f->zs, 15 + 16) != Z_OK) {
			ll_free(f->in);
			f->in = NULL;
			idx_close(f);
			return ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
		}
	}
	if (idx_read(f, h, 4, &got) != 0 || got < 4) {
		int rc = got == 0 && !f->compressed && f->zerr == Z_OK
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
	if (idx_read(f, h + 4, hl - 4, &got) != 0 || got < hl - 4) {
		int rc = idx_read_error(f, "truncated IDX header", err);
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
	/* Refuse impossible sizes before allocating for them. */
	if (!f->compressed && f->fsize - hl < f->nbytes) {
		idx_close(f);
		return ll_err_set(err, LL_EFORMAT, "%s: truncated: header says %zu bytes of data, file has %llu",
				  path, f->nbytes, (unsigned long long)(f->fsize - hl));
	}
	if (f->compressed && f->nbytes / IDX_MAX_RATIO > f->fsize + 1) {
		idx_close(f);
		return ll_err_set(err, LL_EFORMAT,
				  "%s: truncated: header says %zu bytes of data, more than %llu compressed bytes can hold",
				  path, f->nbytes, (unsigned long long)f->fsize);
	}
	return LL_OK;
}

/* After the data: read on to the end of the gzip member, so a cut or
 * corrupt trailer (CRC, length) is noticed.  Extra bytes are ignored, as
 * for .npy. */
static int idx_finish(idx_file *f, ll_err *err)
{
	unsigned char b;
	size_t got;
	if (f->compressed && idx_read(f, &b, 1, &got) != 0) {
		if (f->zerr == Z_BUF_ERROR)
			return ll_err_set(err, LL_EFORMAT, "%s: truncated gzip stream", f->path);
		return idx_read_error(f, NULL, err);
	}
	return LL_OK;
}

int ll_idx_read(const char *path, ll_tensor *t, ll_array_info *info, ll_err *err)
{
	ll_array_info inf;
	idx_file f;
	unsigned char *raw = NULL;
	size_t done = 0;
	int rc;

	memset(t, 0, sizeof *t);
	rc = idx_open(&f, path, &inf, err);
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
		size_t want = n * (size_t)f.ty->size, got;
		if (idx_read(&f, raw, want, &got) != 0 || got != want) {
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

int ll_idx_read_u8(const char *path, unsigned char **data, ll_array_info *info, ll_err *err)
{
	ll_array_info inf;
	idx_file f;
	unsigned char *buf;
	int rc;

	*data = NULL;
	rc = idx_open(&f, path, &inf, err);
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
	if (idx_read(&f, buf, f.nbytes, &f.got) != 0 || f.got != f.nbytes)
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
