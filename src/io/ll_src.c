/* Byte sources for the readers (see ll_src.h). */
#include "io/ll_src.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "base/ll_limits.h"
#include "io/ll_zlib.h"

#define SRC_INBUF 65536 /* an inflater's input buffer */

void ll_src_file(ll_src *s, FILE *fp, const char *name)
{
	struct stat st;
	off_t here;

	memset(s, 0, sizeof *s);
	s->name = name;
	s->fp = fp;
	s->size = LL_SRC_UNKNOWN;
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) && (here = ftello(fp)) >= 0 &&
	    here <= st.st_size) {
		s->size = (uint64_t)(st.st_size - here);
		s->base = (int64_t)here;
		s->seekable = 1;
	}
}

void ll_src_mem(ll_src *s, const void *buf, size_t len, const char *name)
{
	memset(s, 0, sizeof *s);
	s->name = name;
	s->mem = buf ? buf : (const void *)""; /* NULL: no bytes, still memory */
	s->size = buf ? len : 0;
	s->seekable = 1;
}

void ll_src_window(ll_src *w, ll_src *under, uint64_t n, const char *name)
{
	memset(w, 0, sizeof *w);
	w->name = name;
	w->under = under;
	w->size = n;
	w->left = n;
	w->crc = crc32(0L, Z_NULL, 0);
}

int ll_src_inflate(ll_src *z, ll_src *under, uint64_t n, int gzip, const char *name)
{
	memset(z, 0, sizeof *z);
	z->name = name;
	z->under = under;
	z->size = LL_SRC_UNKNOWN;
	z->left = n;
	z->gzip = gzip;
	z->inflating = 1;
	z->crc = crc32(0L, Z_NULL, 0);
	ll_zstream_init(&z->zs);
	z->in = ll_malloc(SRC_INBUF);
	/* 15 + 16: a gzip wrapper; -15: raw deflate */
	if (!z->in || inflateInit2(&z->zs, gzip ? 15 + 16 : -MAX_WBITS) != Z_OK) {
		ll_free(z->in);
		memset(z, 0, sizeof *z);
		return LL_ENOMEM;
	}
	return LL_OK;
}

void ll_src_close(ll_src *s)
{
	if (s->in) {
		inflateEnd(&s->zs);
		ll_free(s->in);
		s->in = NULL;
	}
}

/* Take on the failure of the source below. */
static void inherit(ll_src *s, const ll_src *u)
{
	s->fail = u->fail;
	s->eno = u->eno;
	memcpy(s->msg, u->msg, sizeof s->msg);
}

/* An inflater's input: at least `need` bytes unless the input ends; -1
 * on a failure below. */
static int z_fill(ll_src *z, size_t need)
{
	z_stream *zs = &z->zs;
	if (zs->avail_in >= need)
		return 0;
	if (zs->avail_in)
		memmove(z->in, zs->next_in, zs->avail_in);
	zs->next_in = z->in;
	while (zs->avail_in < need) {
		size_t room = SRC_INBUF - zs->avail_in;
		if (z->left != LL_SRC_UNKNOWN && room > z->left)
			room = (size_t)z->left;
		if (room == 0)
			break;
		size_t got = ll_src_read(z->under, z->in + zs->avail_in, room);
		if (z->left != LL_SRC_UNKNOWN)
			z->left -= got;
		zs->avail_in += (uInt)got;
		if (got < room) {
			if (z->under->fail) {
				inherit(z, z->under);
				return -1;
			}
			break;
		}
	}
	return 0;
}

static size_t z_read(ll_src *z, unsigned char *p, size_t n)
{
	z_stream *zs = &z->zs;
	size_t got = 0;

	while (got < n && !z->zend && !z->fail) {
		if (z_fill(z, 1) != 0)
			break;
		if (zs->avail_in == 0) {
			z->fail = LL_SRC_ETRUNC;
			break;
		}
		uInt want = n - got > UINT_MAX ? UINT_MAX : (uInt)(n - got);
		zs->next_out = p + got;
		zs->avail_out = want;
		int zr = inflate(zs, Z_NO_FLUSH);
		got += want - zs->avail_out;
		if (zr == Z_STREAM_END) {
			/* gzip: another member may follow, as gzread reads it */
			if (!z->gzip)
				z->zend = 1;
			else if (z_fill(z, 2) != 0)
				break;
			else if (zs->avail_in >= 2 && zs->next_in[0] == 0x1f && zs->next_in[1] == 0x8b)
				inflateReset(zs);
			else
				z->zend = 1;
		} else if (zr == Z_MEM_ERROR) {
			z->fail = LL_SRC_ENOMEM;
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			z->fail = LL_SRC_EDATA;
			snprintf(z->msg, sizeof z->msg, "%s", zs->msg ? zs->msg : "error");
		}
	}
	return got;
}

/* From the medium itself, after the read-ahead bytes. */
static size_t raw_read(ll_src *s, unsigned char *p, size_t n)
{
	size_t got;

	if (s->fp) {
		got = fread(p, 1, n, s->fp);
		if (got < n && ferror(s->fp)) {
			s->fail = LL_SRC_EIO;
			s->eno = errno;
		}
		return got;
	}
	if (s->mem)
		return 0; /* memory is read in ll_src_read */
	if (s->inflating)
		got = z_read(s, p, n);
	else {
		if (n > s->left)
			n = (size_t)s->left;
		got = ll_src_read(s->under, p, n);
		s->left -= got;
		if (got < n && s->under->fail)
			inherit(s, s->under);
	}
	/* crc32 takes at most UINT_MAX bytes at a time */
	for (size_t done = 0; done < got;) {
		uInt k = got - done > UINT_MAX ? UINT_MAX : (uInt)(got - done);
		s->crc = crc32(s->crc, p + done, k);
		done += k;
	}
	return got;
}

size_t ll_src_read(ll_src *s, void *buf, size_t n)
{
	unsigned char *p = buf;
	size_t got = 0;

	if (s->size != LL_SRC_UNKNOWN && n > s->size - s->pos)
		n = s->size > s->pos ? (size_t)(s->size - s->pos) : 0;
	if (s->mem) {
		memcpy(p, s->mem + s->pos, n);
		s->pos += n;
		return n;
	}
	if (s->aheadpos < s->nahead && n) {
		got = s->nahead - s->aheadpos < n ? s->nahead - s->aheadpos : n;
		memcpy(p, s->ahead + s->aheadpos, got);
		s->aheadpos += got;
	}
	if (got < n && !s->fail)
		got += raw_read(s, p + got, n - got);
	s->pos += got;
	return got;
}

size_t ll_src_peek(ll_src *s, void *buf, size_t n)
{
	if (n > sizeof s->ahead)
		n = sizeof s->ahead;
	if (s->mem) {
		size_t k = s->size - s->pos < n ? (size_t)(s->size - s->pos) : n;
		memcpy(buf, s->mem + s->pos, k);
		return k;
	}
	if (s->pos != 0 || s->aheadpos != 0)
		return 0; /* only before anything was read */
	while (s->nahead < n && !s->fail) {
		size_t got = raw_read(s, s->ahead + s->nahead, n - s->nahead);
		s->nahead += got;
		if (got == 0)
			break;
	}
	n = s->nahead < n ? s->nahead : n;
	memcpy(buf, s->ahead, n);
	return n;
}

uint64_t ll_src_left(const ll_src *s)
{
	return s->size == LL_SRC_UNKNOWN ? LL_SRC_UNKNOWN : s->size > s->pos ? s->size - s->pos : 0;
}

int ll_src_seek(ll_src *s, uint64_t off)
{
	if (!s->seekable || off > (uint64_t)INT64_MAX - (uint64_t)s->base)
		return -1;
	if (s->fp) {
		if (fseeko(s->fp, (off_t)(s->base + (int64_t)off), SEEK_SET) != 0) {
			s->fail = LL_SRC_EIO;
			s->eno = errno;
			return -1;
		}
		s->nahead = s->aheadpos = 0;
	} else if (off > s->size) {
		return -1;
	}
	s->pos = off;
	return 0;
}

int ll_src_read_at(ll_src *s, uint64_t off, void *buf, size_t n)
{
	if (ll_src_seek(s, off) != 0)
		return -1;
	return ll_src_read(s, buf, n) == n ? 0 : -1;
}

int ll_src_ended(const ll_src *s)
{
	return s->zend;
}

int ll_src_slurp(ll_src *s, size_t limit, const char *what, unsigned char **buf, size_t *len,
		 ll_err *err)
{
	uint64_t left = ll_src_left(s);
	unsigned char *b = NULL;
	size_t n = 0, cap, hard = limit < SIZE_MAX - 2 ? limit + 2 : SIZE_MAX;
	char sz[32];

	*buf = NULL;
	*len = 0;
	if (left != LL_SRC_UNKNOWN && left > limit) {
		ll_bytes_text((double)left, sz, sizeof sz);
		return ll_err_limit(err, limit, "%s: %s is %s", s->name, what, sz);
	}
	/* a known size: one block; else grow, to one byte past the limit */
	cap = left != LL_SRC_UNKNOWN ? (size_t)left + 1 : hard < 65536 ? hard : 65536;
	for (;;) {
		if (!b || n + 1 >= cap) {
			size_t nc = !b ? cap : cap > hard / 2 ? hard : 2 * cap;
			unsigned char *nb = ll_realloc(b, nc);
			if (!nb) {
				ll_free(b);
				return ll_err_set(err, LL_ENOMEM, "%s: out of memory after %zu bytes", s->name, n);
			}
			b = nb;
			cap = nc;
		}
		size_t want = cap - n - 1, got = ll_src_read(s, b + n, want);
		n += got;
		if (n > limit) {
			ll_free(b);
			ll_bytes_text((double)limit, sz, sizeof sz);
			return ll_err_limit(err, limit, "%s: %s is over %s", s->name, what, sz);
		}
		if (got < want || (left != LL_SRC_UNKNOWN && n == left))
			break;
	}
	if (s->fail) {
		ll_free(b);
		return ll_src_error(s, err);
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return LL_OK;
}

int ll_src_error(const ll_src *s, ll_err *err)
{
	switch (s->fail) {
	case LL_SRC_EIO:
		return ll_err_set(err, LL_EIO, "%s: cannot read: %s", s->name, strerror(s->eno));
	case LL_SRC_ENOMEM:
		return ll_err_set(err, LL_ENOMEM, "%s: out of memory", s->name);
	case LL_SRC_EDATA:
		return ll_err_set(err, LL_EFORMAT, "%s: corrupt compressed data (%s)", s->name, s->msg);
	default:
		return ll_err_set(err, LL_EFORMAT, "%s: truncated compressed data", s->name);
	}
}

const char *ll_quote(const char *s, char *buf, size_t n)
{
	size_t k = 0;
	for (; s[k] && k + 1 < n; k++)
		buf[k] = (unsigned char)s[k] < 0x20 || s[k] == 0x7f ? '?' : s[k];
	buf[k] = '\0';
	return buf;
}

int ll_array_limit(const char *name, int ndim, const size_t *shape, size_t elem_size,
		   const char *type, size_t used, size_t limit, ll_err *err)
{
	double bytes = (double)elem_size;
	size_t exact = elem_size;
	int fits = 1;
	char dims[160] = "", sz[32], before[64] = "";

	for (int k = 0; k < ndim; k++) {
		bytes *= (double)shape[k];
		fits = fits && ll_mul_ok(exact, shape[k], &exact);
	}
	if (fits && exact <= limit && used <= limit - exact)
		return LL_OK;
	for (int k = 0, off = 0; k < ndim && (size_t)off < sizeof dims; k++)
		off += snprintf(dims + off, sizeof dims - (size_t)off, "%s%zu", k ? " x " : "", shape[k]);
	if (ndim == 0)
		snprintf(dims, sizeof dims, "1");
	ll_bytes_text(bytes, sz, sizeof sz);
	if (used) {
		char u[32];
		ll_bytes_text(bytes + (double)used, u, sizeof u);
		snprintf(before, sizeof before, " (%s with what was read before it)", u);
	}
	return ll_err_limit(err, limit, "%s: the array is %s %s = %s decoded%s", name, dims, type, sz, before);
}
