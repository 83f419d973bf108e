/*
 * ll_npy.c - NumPy .npy reading and writing.
 *
 * The header is a Python dict literal; we parse exactly the subset NumPy
 * writes (and old writers wrote): string keys in any order, a dtype string,
 * True/False, a tuple of ints (trailing comma, optional Python 2 'L').
 * Data is streamed in chunks straight into the tensor, so reading needs no
 * second copy of the file in memory; the bytes come from a source
 * (io/ll_src.h): a file or pipe, memory, or an .npz member as it inflates.
 */
#include "io/ll_npy.h"
#include "base/ll_fs.h"
#include "base/ll_limits.h"
#include "io/ll_src.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_HEADER_MAX 65536u  /* NumPy's own reader stops at 10000 */
#define NPY_CHUNK_ITEMS 8192   /* items converted per step */
#define NPY_MAX_DIMS_PARSED 64 /* parse this many before giving up */
#define NPY_ALIGN 64
#define NPY_GROWTH_DIGITS 21   /* NumPy leaves room to grow shape[0] in place */

typedef struct npy_type {
	char kind; /* 'f' 'i' 'u' 'b' */
	int size;  /* bytes per item */
	int big;   /* stored big-endian */
} npy_type;

static int host_little(void)
{
	const uint16_t one = 1;
	unsigned char c;
	memcpy(&c, &one, 1);
	return c == 1;
}

static uint64_t load_uint(const unsigned char *p, int size, int big)
{
	uint64_t v = 0;
	if (big) {
		for (int i = 0; i < size; i++)
			v = v << 8 | p[i];
	} else {
		for (int i = size - 1; i >= 0; i--)
			v = v << 8 | p[i];
	}
	return v;
}

static void convert(const unsigned char *src, size_t n, const npy_type *ty, double *dst)
{
	size_t k;
	int sz = ty->size;

	switch (ty->kind) {
	case 'f':
		if (sz == 8 && !ty->big && host_little()) {
			memcpy(dst, src, n * 8);
		} else if (sz == 8) {
			for (k = 0; k < n; k++) {
				uint64_t u = load_uint(src + k * 8, 8, ty->big);
				memcpy(&dst[k], &u, 8);
			}
		} else {
			for (k = 0; k < n; k++) {
				uint32_t u = (uint32_t)load_uint(src + k * 4, 4, ty->big);
				float f;
				memcpy(&f, &u, 4);
				dst[k] = f;
			}
		}
		break;
	case 'i':
		for (k = 0; k < n; k++) {
			uint64_t u = load_uint(src + k * (size_t)sz, sz, ty->big);
			if (sz < 8 && (u >> (8 * sz - 1)) & 1)
				u |= ~UINT64_C(0) << (8 * sz);
			/* two's complement without implementation-defined casts */
			dst[k] = u > (uint64_t)INT64_MAX ? -(double)(~u) - 1.0 : (double)u;
		}
		break;
	case 'u':
		for (k = 0; k < n; k++)
			dst[k] = (double)load_uint(src + k * (size_t)sz, sz, ty->big);
		break;
	default: /* 'b' */
		for (k = 0; k < n; k++)
			dst[k] = src[k] != 0;
		break;
	}
}

/* ---- header parsing ---- */

typedef struct hparse {
	const char *s;
	size_t n, i;
} hparse;

static void hp_ws(hparse *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
			       p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

static int hp_eat(hparse *p, char c)
{
	hp_ws(p);
	if (p->i < p->n && p->s[p->i] == c) {
		p->i++;
		return 1;
	}
	return 0;
}

static int hp_peek(hparse *p)
{
	hp_ws(p);
	return p->i < p->n ? (unsigned char)p->s[p->i] : -1;
}

/* A quoted string without escapes into out (truncated to cap-1). */
static int hp_str(hparse *p, char *out, size_t cap)
{
	char q;
	size_t k = 0;

	hp_ws(p);
	if (p->i >= p->n || (p->s[p->i] != '\'' && p->s[p->i] != '"'))
		return 0;
	q = p->s[p->i++];
	while (p->i < p->n && p->s[p->i] != q) {
		if (p->s[p->i] == '\\' || p->s[p->i] == '\n')
			return 0;
		if (k + 1 < cap)
			out[k++] = p->s[p->i];
		p->i++;
	}
	if (p->i >= p->n)
		return 0;
	p->i++;
	out[k] = '\0';
	return 1;
}

static int hp_word(hparse *p, const char *w)
{
	size_t l = strlen(w);
	hp_ws(p);
	if (p->n - p->i >= l && memcmp(p->s + p->i, w, l) == 0) {
		p->i += l;
		return 1;
	}
	return 0;
}

/* Map a descr like "<f8" onto a type; fills a one-line reason on failure. */
static int parse_descr(const char *d, npy_type *ty, const char *name, ll_err *err)
{
	char order = d[0], kind, q[64];
	char *end;
	long size;

	ll_quote(d, q, sizeof q); /* for messages */
	if (order != '<' && order != '>' && order != '|' && order != '=')
		return ll_err_set(err, LL_ENOTSUP, "%s: unsupported dtype '%s'", name, q);
	kind = d[1];
	switch (kind) {
	case 'O':
		return ll_err_set(err, LL_ENOTSUP, "%s: pickled object arrays are not supported", name);
	case 'S': case 'U': case 'a':
		return ll_err_set(err, LL_ENOTSUP, "%s: string arrays ('%s') are not supported", name, q);
	case 'c':
		return ll_err_set(err, LL_ENOTSUP, "%s: complex arrays ('%s') are not supported", name, q);
	case 'M': case 'm':
		return ll_err_set(err, LL_ENOTSUP, "%s: datetime arrays ('%s') are not supported", name, q);
	case 'V':
		return ll_err_set(err, LL_ENOTSUP, "%s: structured/void dtypes ('%s') are not supported", name, q);
	case 'f': case 'i': case 'u': case 'b':
		break;
	default:
		return ll_err_set(err, LL_ENOTSUP, "%s: unsupported dtype '%s'", name, q);
	}
	if (d[2] < '1' || d[2] > '9')
		return ll_err_set(err, LL_ENOTSUP, "%s: unsupported dtype '%s'", name, q);
	size = strtol(d + 2, &end, 10);
	if (*end || (kind == 'f' && size != 4 && size != 8) ||
	    ((kind == 'i' || kind == 'u') && size != 1 && size != 2 && size != 4 && size != 8) ||
	    (kind == 'b' && size != 1))
		return ll_err_set(err, LL_ENOTSUP, "%s: unsupported dtype '%s' (supported: f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)",
				  name, q);
	ty->kind = kind;
	ty->size = (int)size;
	/* '|' and '=' mean native order, as NumPy reads them */
	ty->big = order == '>' || (order != '<' && size > 1 && !host_little());
	return LL_OK;
}

static int hp_fail(const hparse *p, const char *name, const char *what, ll_err *err)
{
	return ll_err_set(err, LL_EFORMAT, "%s: malformed .npy header: %s (at byte %zu)", name, what, p->i);
}

/* Parse the dict; fills info (dtype, order, shape) and ty. */
static int parse_header(const char *hdr, size_t len, const char *name, ll_array_info *info,
			npy_type *ty, ll_err *err)
{
	hparse p = {hdr, len, 0};
	char key[32], descr[64];
	int have_descr = 0, have_order = 0, have_shape = 0, ndim = 0;

	if (!hp_eat(&p, '{'))
		return hp_fail(&p, name, "expected '{'", err);
	for (;;) {
		if (hp_eat(&p, '}'))
			break;
		if (!hp_str(&p, key, sizeof key))
			return hp_fail(&p, name, "expected a quoted key", err);
		if (!hp_eat(&p, ':'))
			return hp_fail(&p, name, "expected ':'", err);
		if (strcmp(key, "descr") == 0) {
			int c = hp_peek(&p);
			if (have_descr)
				return hp_fail(&p, name, "duplicate key 'descr'", err);
			if (c == '[')
				return ll_err_set(err, LL_ENOTSUP, "%s: structured dtypes (list descr) are not supported", name);
			if (c == '(' || c == '{')
				return ll_err_set(err, LL_ENOTSUP, "%s: compound dtypes are not supported", name);
			if (!hp_str(&p, descr, sizeof descr))
				return hp_fail(&p, name, "descr is not a string", err);
			have_descr = 1;
		} else if (strcmp(key, "fortran_order") == 0) {
			if (have_order)
				return hp_fail(&p, name, "duplicate key 'fortran_order'", err);
			if (hp_word(&p, "True"))
				info->fortran_order = 1;
			else if (hp_word(&p, "False"))
				info->fortran_order = 0;
			else
				return hp_fail(&p, name, "fortran_order is not True or False", err);
			have_order = 1;
		} else if (strcmp(key, "shape") == 0) {
			if (have_shape)
				return hp_fail(&p, name, "duplicate key 'shape'", err);
			if (!hp_eat(&p, '('))
				return hp_fail(&p, name, "shape is not a tuple", err);
			while (!hp_eat(&p, ')')) {
				size_t v = 0;
				int digits = 0;
				if (hp_peek(&p) == '-')
					return hp_fail(&p, name, "negative dimension", err);
				while (p.i < p.n && p.s[p.i] >= '0' && p.s[p.i] <= '9') {
					unsigned d = (unsigned)(p.s[p.i++] - '0');
					if (v > (SIZE_MAX - d) / 10)
						return ll_err_set(err, LL_EFORMAT, "%s: dimension %d is too large", name, ndim);
					v = v * 10 + d;
					digits++;
				}
				if (!digits)
					return hp_fail(&p, name, "expected a dimension", err);
				if (p.i < p.n && (p.s[p.i] == 'L' || p.s[p.i] == 'l'))
					p.i++; /* Python 2 long */
				if (ndim >= NPY_MAX_DIMS_PARSED)
					return ll_err_set(err, LL_ENOTSUP, "%s: more than %d dimensions (at most %d are supported)",
							  name, NPY_MAX_DIMS_PARSED, LL_MAX_MODES);
				if (ndim < LL_MAX_MODES)
					info->shape[ndim] = v;
				ndim++;
				if (!hp_eat(&p, ',')) {
					if (!hp_eat(&p, ')'))
						return hp_fail(&p, name, "expected ',' or ')' in shape", err);
					break;
				}
			}
			have_shape = 1;
		} else {
			return ll_err_set(err, LL_EFORMAT, "%s: malformed .npy header: unexpected key '%s'", name,
					  ll_quote(key, descr, sizeof descr));
		}
		if (!hp_eat(&p, ',')) {
			if (!hp_eat(&p, '}'))
				return hp_fail(&p, name, "expected ',' or '}'", err);
			break;
		}
	}
	hp_ws(&p);
	if (p.i != p.n)
		return hp_fail(&p, name, "unexpected text after '}'", err);
	if (!have_descr || !have_order || !have_shape)
		return ll_err_set(err, LL_EFORMAT, "%s: malformed .npy header: missing key '%s'", name,
				  !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
	if (ndim > LL_MAX_MODES)
		return ll_err_set(err, LL_ENOTSUP, "%s: array has %d dimensions; at most %d are supported",
				  name, ndim, LL_MAX_MODES);
	info->ndim = ndim;
	/* supported dtypes are short; a long one is refused just below */
	size_t dl = strlen(descr) < sizeof info->dtype ? strlen(descr) : sizeof info->dtype - 1;
	memcpy(info->dtype, descr, dl);
	info->dtype[dl] = '\0';
	return parse_descr(descr, ty, name, err);
}

/* ---- reading ---- */

/* Map the data of a little-endian float32 C-order .npy (fd, data at byte
 * off, nbytes long) as t's fdata: read-only, private, no copy (issue 15).
 * LL_OK, a truncation error, or 1 when it cannot be mapped (the caller
 * then reads it). */
static int npy_map_f32(int fd, uint64_t off, size_t nbytes, const char *name, int nmodes,
		       const size_t *dim, size_t count, ll_tensor *t, ll_err *err)
{
	struct stat st;
	if (fd < 0 || off % sizeof(float) || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 1;
	/* the file's own size, not the header's word, bounds the mapping:
	 * touching a page past the end of a file is SIGBUS, not an error */
	if ((uint64_t)st.st_size < off || (uint64_t)st.st_size - off < nbytes)
		return ll_err_set(err, LL_EFORMAT, "%s: truncated: header says %zu bytes of data, file has %llu",
				  name, nbytes, (unsigned long long)((uint64_t)st.st_size > off ? (uint64_t)st.st_size - off : 0));
	if (off > SIZE_MAX - nbytes || nbytes == 0)
		return 1;
	size_t len = (size_t)off + nbytes;
	void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return 1;
	memset(t, 0, sizeof *t);
	t->nmodes = nmodes;
	memcpy(t->dim, dim, (size_t)nmodes * sizeof dim[0]);
	t->size = count;
	t->fdata = (float *)((char *)m + off);
	t->map = m;
	t->maplen = len;
	return LL_OK;
}

/* Read the .npy s holds into t: doubles, or floats when single (mapped
 * from fd when the file is float32 already and fd >= 0). */
static int npy_load(ll_src *s, const char *name, size_t limit, size_t used, int single, int fd,
		    ll_tensor *t, ll_array_info *info_out, ll_err *err)
{
	unsigned char pre[12];
	ll_array_info info;
	npy_type ty;
	size_t got, lenbytes, hlen, count = 1, nbytes, done = 0;
	uint64_t avail;
	char *hdr;
	int rc, nmodes;
	size_t dim[LL_MAX_MODES], cstride[LL_MAX_MODES], idx[LL_MAX_MODES] = {0}, off = 0;
	unsigned char *raw = NULL;
	double *tmp = NULL;

	memset(t, 0, sizeof *t);
	memset(&info, 0, sizeof info);
	got = ll_src_read(s, pre, 8);
	if (got < 8 && s->fail)
		return ll_src_error(s, err);
	if (got == 0)
		return ll_err_set(err, LL_EFORMAT, "%s: not a .npy file (empty)", name);
	if (memcmp(pre, NPY_MAGIC, got < NPY_MAGIC_LEN ? got : NPY_MAGIC_LEN) != 0)
		return ll_err_set(err, LL_EFORMAT, "%s: not a .npy file (bad magic)", name);
	if (got < 8)
		return ll_err_set(err, LL_EFORMAT, "%s: truncated .npy header", name);
	if (pre[6] < 1 || pre[6] > 3 || pre[7] != 0)
		return ll_err_set(err, LL_EFORMAT, "%s: unsupported .npy format version %d.%d (known: 1.0, 2.0, 3.0)",
				  name, pre[6], pre[7]);
	info.version_major = pre[6];
	lenbytes = pre[6] == 1 ? 2 : 4;
	if (ll_src_read(s, pre + 8, lenbytes) != lenbytes)
		return s->fail ? ll_src_error(s, err) : ll_err_set(err, LL_EFORMAT, "%s: truncated .npy header", name);
	hlen = (size_t)load_uint(pre + 8, (int)lenbytes, 0);
	if (hlen > NPY_HEADER_MAX)
		return ll_err_set(err, LL_EFORMAT, "%s: header length %zu exceeds the %u-byte limit",
				  name, hlen, NPY_HEADER_MAX);
	if (hlen == 0)
		return ll_err_set(err, LL_EFORMAT, "%s: malformed .npy header: length is 0", name);
	hdr = ll_malloc(hlen);
	if (!hdr)
		return ll_err_set(err, LL_ENOMEM, "%s: out of memory", name);
	got = ll_src_read(s, hdr, hlen);
	if (got != hlen) {
		ll_free(hdr);
		if (s->fail)
			return ll_src_error(s, err);
		return ll_err_set(err, LL_EFORMAT, "%s: truncated: header length is %zu bytes, file has %zu",
				  name, hlen, got);
	}
	rc = parse_header(hdr, hlen, name, &info, &ty, err);
	ll_free(hdr);
	if (rc != LL_OK)
		return rc;
	if (info_out)
		*info_out = info;

	for (int m = 0; m < info.ndim; m++)
		if (!ll_mul_ok(count, info.shape[m], &count))
			return ll_err_set(err, LL_EFORMAT, "%s: shape has too many elements", name);
	if (!ll_mul_ok(count, (size_t)ty.size, &nbytes))
		return ll_err_set(err, LL_EFORMAT, "%s: shape has too many elements", name);
	/* Before allocating: a file too short for its header says so; then
	 * the tensor must fit in the input limit (a pipe's length is not
	 * known, an .npz member's is only what the directory records). */
	avail = ll_src_left(s);
	if (avail != LL_SRC_UNKNOWN && avail < nbytes)
		return ll_err_set(err, LL_EFORMAT, "%s: truncated: header says %zu bytes of data, file has %llu",
				  name, nbytes, (unsigned long long)avail);
	rc = single ? ll_array_limit(name, info.ndim, info.shape, sizeof(float), "float32", used, limit, err)
		    : ll_array_limit(name, info.ndim, info.shape, sizeof(double), "float64", used, limit, err);
	if (rc != LL_OK)
		return rc;

	nmodes = info.ndim ? info.ndim : 1;
	dim[0] = 1;
	memcpy(dim, info.shape, (size_t)info.ndim * sizeof dim[0]);
	rc = single ? ll_tensor_init_f32(t, nmodes, dim, err) : ll_tensor_init(t, nmodes, dim, err);
	if (rc != LL_OK) {
		ll_err_prefix(err, "%s", name);
		return rc;
	}
	if (single && ty.kind == 'f' && ty.size == 4 && !ty.big && host_little() &&
	    (!info.fortran_order || nmodes == 1)) {
		/* the bytes are the tensor already: map them instead of the
		 * zeroed copy (allocated first so the shape checks are the
		 * reader's own; untouched calloc pages cost nothing) */
		ll_tensor mt;
		rc = npy_map_f32(fd, s->base + s->pos, nbytes, name, nmodes, dim, count, &mt, err);
		if (rc <= LL_OK) {
			ll_tensor_free(t);
			if (rc == LL_OK)
				*t = mt;
			return rc;
		}
	}

	raw = ll_malloc((size_t)NPY_CHUNK_ITEMS * (size_t)ty.size);
	if ((info.fortran_order && nmodes > 1) || single)
		tmp = ll_malloc(NPY_CHUNK_ITEMS * sizeof *tmp);
	if (!raw || (((info.fortran_order && nmodes > 1) || single) && !tmp)) {
		rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", name);
		goto fail;
	}
	/* Fortran order: walk the column-major index and scatter into C order */
	cstride[nmodes - 1] = 1;
	for (int m = nmodes - 2; m >= 0; m--)
		cstride[m] = cstride[m + 1] * dim[m + 1];
	while (done < count) {
		size_t n = count - done < NPY_CHUNK_ITEMS ? count - done : NPY_CHUNK_ITEMS;
		size_t want = n * (size_t)ty.size;
		got = ll_src_read(s, raw, want);
		if (got != want) {
			if (s->fail) {
				rc = ll_src_error(s, err);
				goto fail;
			}
			rc = ll_err_set(err, LL_EFORMAT, "%s: truncated: header says %zu bytes of data, file has %zu",
					name, nbytes, done * (size_t)ty.size + got);
			goto fail;
		}
		if (!tmp) {
			convert(raw, n, &ty, t->data + done);
		} else if (!(info.fortran_order && nmodes > 1)) { /* single, C order */
			convert(raw, n, &ty, tmp);
			for (size_t k = 0; k < n; k++)
				t->fdata[done + k] = (float)tmp[k];
		} else {
			convert(raw, n, &ty, tmp);
			for (size_t k = 0; k < n; k++) {
				if (single)
					t->fdata[off] = (float)tmp[k];
				else
					t->data[off] = tmp[k];
				for (int m = 0; m < nmodes; m++) {
					off += cstride[m];
					if (++idx[m] < dim[m])
						break;
					off -= cstride[m] * dim[m];
					idx[m] = 0;
				}
			}
		}
		done += n;
	}
	ll_free(raw);
	ll_free(tmp);
	return LL_OK;
fail:
	ll_free(raw);
	ll_free(tmp);
	ll_tensor_free(t);
	return rc;
}

int ll_npy_load(ll_src *s, const char *name, size_t limit, size_t used, ll_tensor *t,
		ll_array_info *info, ll_err *err)
{
	return npy_load(s, name, limit, used, 0, -1, t, info, err);
}

int ll_npy_load_f32(ll_src *s, const char *name, int fd, size_t limit, ll_tensor *t,
		    ll_array_info *info, ll_err *err)
{
	return npy_load(s, name, limit, 0, 1, fd, t, info, err);
}

int ll_npy_read(const char *path, ll_tensor *t, ll_array_info *info, ll_err *err)
{
	ll_src s;
	FILE *fp;
	int rc;

	memset(t, 0, sizeof *t);
	fp = fopen(path, "rb");
	if (!fp)
		return ll_err_set(err, LL_EIO, "%s: cannot open: %s", path, strerror(errno));
	ll_src_file(&s, fp, path);
	rc = ll_npy_load(&s, path, ll_input_limit(), 0, t, info, err);
	fclose(fp);
	return rc;
}

int ll_npy_read_mem(const void *buf, size_t len, const char *name, ll_tensor *t,
		    ll_array_info *info, ll_err *err)
{
	ll_src s;
	ll_src_mem(&s, buf, len, name);
	return ll_npy_load(&s, name, ll_input_limit(), 0, t, info, err);
}

/* ---- writing ---- */

static void store_le(unsigned char *p, uint64_t v, int size)
{
	for (int i = 0; i < size; i++, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

size_t ll_npy_preamble(unsigned char *out, int as_float32, int ndim, const size_t *shape)
{
	char *hdr = (char *)out + 10;
	size_t cap = LL_NPY_PREAMBLE_MAX - 10, hl;

	/* The same bytes numpy.save writes: sorted keys, growth room, 64-byte
	 * alignment, '\n' last. */
	hl = (size_t)snprintf(hdr, cap, "{'descr': '%s', 'fortran_order': False, 'shape': (",
			      as_float32 ? "<f4" : "<f8");
	for (int m = 0; m < ndim; m++)
		hl += (size_t)snprintf(hdr + hl, cap - hl, m ? ", %zu" : "%zu", shape[m]);
	hl += (size_t)snprintf(hdr + hl, cap - hl, "%s}", ndim == 1 ? ",), " : "), ");
	if (ndim > 0) {
		int digits = snprintf(NULL, 0, "%zu", shape[0]);
		for (int k = digits; k < NPY_GROWTH_DIGITS; k++)
			hdr[hl++] = ' ';
	}
	while ((10 + hl + 1) % NPY_ALIGN)
		hdr[hl++] = ' ';
	hdr[hl++] = '\n';
	memcpy(out, NPY_MAGIC "\x01\x00", 8);
	store_le(out + 8, hl, 2);
	return 10 + hl;
}

/* The writer behind both: doubles (data) or floats (fdata), stored as
 * '<f4' when as_float32. */
static int write_array(const char *path, const double *data, const float *fdata, int ndim,
		       const size_t *shape, int as_float32, ll_err *err)
{
	unsigned char pre[LL_NPY_PREAMBLE_MAX];
	size_t pl, count = 1, done = 0, total;
	int sz = as_float32 ? 4 : 8;
	unsigned char *buf;
	ll_afile af;
	int rc;

	if (ndim < 0 || ndim > LL_MAX_MODES)
		return ll_err_set(err, LL_EINVAL, "%s: cannot write %d dimensions (0 to %d)", path, ndim, LL_MAX_MODES);
	for (int m = 0; m < ndim; m++)
		if (!ll_mul_ok(count, shape[m], &count) || !ll_mul_ok(count, 8, &total))
			return ll_err_set(err, LL_EINVAL, "%s: shape has too many elements", path);
	if (count && !data && !fdata)
		return ll_err_set(err, LL_EINVAL, "%s: no data to write", path);
	pl = ll_npy_preamble(pre, as_float32, ndim, shape);

	buf = ll_malloc((size_t)NPY_CHUNK_ITEMS * 8);
	if (!buf)
		return ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
	rc = ll_afile_open(&af, path, err);
	if (rc != LL_OK) {
		ll_free(buf);
		return rc;
	}
	fwrite(pre, 1, pl, af.fp);
	while (done < count) {
		size_t n = count - done < NPY_CHUNK_ITEMS ? count - done : NPY_CHUNK_ITEMS;
		for (size_t k = 0; k < n; k++) {
			if (as_float32) {
				float f = fdata ? fdata[done + k] : (float)data[done + k];
				uint32_t u;
				memcpy(&u, &f, 4);
				store_le(buf + 4 * k, u, 4);
			} else {
				uint64_t u;
				memcpy(&u, &data[done + k], 8);
				store_le(buf + 8 * k, u, 8);
			}
		}
		if (fwrite(buf, (size_t)sz, n, af.fp) != n)
			break; /* ll_afile_commit sees the error */
		done += n;
	}
	ll_free(buf);
	return ll_afile_commit(&af, err);
}

int ll_npy_write_array(const char *path, const double *data, int ndim,
		       const size_t *shape, int as_float32, ll_err *err)
{
	return write_array(path, data, NULL, ndim, shape, as_float32, err);
}

int ll_npy_write_array_f32(const char *path, const float *data, int ndim, const size_t *shape,
			   ll_err *err)
{
	return write_array(path, NULL, data, ndim, shape, 1, err);
}

int ll_npy_write_array_in(const char *dir, const char *name, const double *data, int ndim,
			  const size_t *shape, int as_float32, ll_err *err)
{
	char *p = ll_path_join(dir, name);
	if (!p)
		return ll_err_oom(err);
	int rc = ll_npy_write_array(p, data, ndim, shape, as_float32, err);
	ll_free(p);
	return rc;
}

int ll_npy_write(const char *path, const ll_tensor *t, int as_float32, ll_err *err)
{
	if (t->nmodes < 1 || t->nmodes > LL_MAX_MODES)
		return ll_err_set(err, LL_EINVAL, "%s: tensor has %d modes", path, t->nmodes);
	return ll_npy_write_array(path, t->data, t->nmodes, t->dim, as_float32, err);
}
