/*
 * ll_npz.c - a small zip reader for NumPy's .npz files.
 *
 * Sizes and offsets come from the central directory: numpy.savez forces
 * zip64 local headers (sizes 0xffffffff there, real ones in the extra
 * field) and may use data descriptors, so the local header is only used to
 * find where the data starts.  Members are STORED or DEFLATED; each is
 * parsed by the .npy reader as it is read or inflated (io/ll_src.h), so
 * the member's .npy header is checked against the input limit before its
 * data is inflated or allocated for; the rest of the member is then read
 * on to check its recorded size and CRC.  A zip is read from its end: an
 * archive that is not a regular file (a pipe) is read into memory first.
 *
 * The writer (ll_npz_write) makes a plain zip of STORED members: local
 * header, the .npy bytes, ..., central directory, end record; each
 * member's bytes are made twice in chunks, once for the CRC-32 that the
 * local header holds, once to write, so no copy of an array is kept.
 */
#include "io/ll_npz.h"

#include "io/ll_npy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/ll_fs.h"
#include "base/ll_limits.h"
#include "io/ll_src.h"

#define ZIP_EOCD_LEN 22
#define ZIP_EOCD64_LEN 56
#define ZIP_LOC64_LEN 20
#define ZIP_CDIR_LEN 46
#define ZIP_LOCAL_LEN 30
#define ZIP_MAX_COMMENT 65535
#define ZIP_SAT32 0xffffffffu
#define ZIP_SAT16 0xffffu
#define DEFLATE_MAX_RATIO 1032 /* deflate cannot expand more than this */

typedef struct zentry {
	char *name;
	uint64_t csize, usize, off;
	uint32_t crc;
	unsigned method, flags;
} zentry;

typedef struct zarchive {
	ll_src *src;        /* seekable: the file, memory, or own */
	ll_src own;         /* a stream's bytes, read into memory */
	unsigned char *buf; /* ... (owned) */
	size_t used;        /* bytes of the input limit they take */
	const char *path;
	uint64_t size;  /* file size */
	uint64_t cdoff; /* where the central directory starts */
	zentry *e;
	size_t n;
} zarchive;

static uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void za_close(zarchive *z)
{
	ll_free(z->buf);
	for (size_t k = 0; k < z->n; k++)
		ll_free(z->e[k].name);
	ll_free(z->e);
	memset(z, 0, sizeof *z);
}

static int corrupt(const zarchive *z, const char *what, ll_err *err)
{
	return ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: %s", z->path, what);
}

/* Fill sizes/offset saturated in the 32-bit fields from the zip64 extra. */
static int zip64_extra(const unsigned char *x, size_t xlen, zentry *e, int need_u, int need_c, int need_o)
{
	size_t i = 0;
	while (i + 4 <= xlen) {
		unsigned id = rd16(x + i), sz = rd16(x + i + 2);
		const unsigned char *d = x + i + 4;
		size_t at = 0;
		if (i + 4 + sz > xlen)
			return -1;
		if (id == 0x0001) {
			if (need_u) {
				if (at + 8 > sz)
					return -1;
				e->usize = rd64(d + at);
				at += 8;
			}
			if (need_c) {
				if (at + 8 > sz)
					return -1;
				e->csize = rd64(d + at);
				at += 8;
			}
			if (need_o) {
				if (at + 8 > sz)
					return -1;
				e->off = rd64(d + at);
			}
			return 0;
		}
		i += 4 + sz;
	}
	return need_u || need_c || need_o ? -1 : 0;
}

/* Open the archive s holds (path names it in messages): check its magic,
 * read the central directory.  A source that cannot seek is read into
 * memory first, within limit.  On failure z holds nothing. */
static int za_open(zarchive *z, ll_src *s, const char *path, size_t limit, ll_err *err)
{
	unsigned char head[4], *tail = NULL, *cd = NULL, *eocd = NULL;
	uint64_t ntotal, cdsize, cdoff, eocd_pos, end_limit;
	size_t tlen, pos;
	int rc = LL_OK;

	memset(z, 0, sizeof *z);
	z->path = path;
	z->src = s;
	if (!s->seekable) {
		size_t len;
		if ((rc = ll_src_slurp(s, limit, "the archive", &z->buf, &len, err)) != LL_OK)
			return rc;
		ll_src_mem(&z->own, z->buf, len, path);
		z->src = &z->own;
		z->used = len;
	}
	s = z->src;
	if (ll_src_read_at(s, 0, head, 4) != 0 || head[0] != 'P' || head[1] != 'K' ||
	    !((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))) {
		rc = s->fail ? ll_src_error(s, err)
			     : ll_err_set(err, LL_EFORMAT, "%s: not a .npz (zip) file (bad magic)", path);
		goto out;
	}
	z->size = s->size;
	if (z->size < ZIP_EOCD_LEN) {
		rc = corrupt(z, "end of central directory not found", err);
		goto out;
	}
	/* The end record sits in the last 22 + 65535 bytes. */
	tlen = z->size < ZIP_EOCD_LEN + ZIP_MAX_COMMENT ? (size_t)z->size : ZIP_EOCD_LEN + ZIP_MAX_COMMENT;
	tail = ll_malloc(tlen);
	if (!tail) {
		rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	if (ll_src_read_at(s, z->size - tlen, tail, tlen) != 0) {
		rc = s->fail ? ll_src_error(s, err) : corrupt(z, "cannot read the end record", err);
		goto out;
	}
	for (pos = tlen - ZIP_EOCD_LEN;; pos--) {
		if (memcmp(tail + pos, "PK\x05\x06", 4) == 0 && pos + ZIP_EOCD_LEN + rd16(tail + pos + 20) <= tlen) {
			eocd = tail + pos;
			break;
		}
		if (pos == 0)
			break;
	}
	if (!eocd) {
		rc = corrupt(z, "end of central directory not found", err);
		goto out;
	}
	eocd_pos = z->size - tlen + pos;
	if (rd16(eocd + 4) != 0 || rd16(eocd + 6) != 0) {
		rc = ll_err_set(err, LL_ENOTSUP, "%s: multi-disk zip archives are not supported", path);
		goto out;
	}
	ntotal = rd16(eocd + 10);
	cdsize = rd32(eocd + 12);
	cdoff = rd32(eocd + 16);
	end_limit = eocd_pos;
	if (pos >= ZIP_LOC64_LEN && memcmp(tail + pos - ZIP_LOC64_LEN, "PK\x06\x07", 4) == 0) {
		unsigned char r[ZIP_EOCD64_LEN];
		uint64_t off64 = rd64(tail + pos - ZIP_LOC64_LEN + 8);
		if (off64 + ZIP_EOCD64_LEN > eocd_pos - ZIP_LOC64_LEN || ll_src_read_at(s, off64, r, sizeof r) != 0 ||
		    memcmp(r, "PK\x06\x06", 4) != 0) {
			rc = corrupt(z, "bad zip64 end record", err);
			goto out;
		}
		ntotal = rd64(r + 32);
		cdsize = rd64(r + 40);
		cdoff = rd64(r + 48);
		end_limit = off64;
	} else if (ntotal == ZIP_SAT16 || cdsize == ZIP_SAT32 || cdoff == ZIP_SAT32) {
		rc = corrupt(z, "zip64 end record missing", err);
		goto out;
	}
	if (cdoff > end_limit || cdsize > end_limit - cdoff || ntotal > cdsize / ZIP_CDIR_LEN) {
		rc = corrupt(z, "central directory out of range", err);
		goto out;
	}
	if (ntotal == 0) {
		rc = ll_err_set(err, LL_EFORMAT, "%s: archive has no members", path);
		goto out;
	}
	if (cdsize > limit) {
		char sz[32];
		ll_bytes_text((double)cdsize, sz, sizeof sz);
		rc = ll_err_limit(err, limit, "%s: the zip directory is %s", path, sz);
		goto out;
	}
	z->cdoff = cdoff;
	cd = ll_malloc((size_t)cdsize);
	z->e = ll_calloc((size_t)ntotal, sizeof *z->e);
	if (!cd || !z->e) {
		rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	if (ll_src_read_at(s, cdoff, cd, (size_t)cdsize) != 0) {
		rc = corrupt(z, "cannot read the central directory", err);
		goto out;
	}
	pos = 0;
	for (size_t k = 0; k < ntotal; k++) {
		const unsigned char *c = cd + pos;
		zentry *e = &z->e[k];
		size_t nlen, xlen, clen;
		if (cdsize - pos < ZIP_CDIR_LEN || memcmp(c, "PK\x01\x02", 4) != 0) {
			rc = corrupt(z, "bad central directory entry", err);
			goto out;
		}
		nlen = rd16(c + 28);
		xlen = rd16(c + 30);
		clen = rd16(c + 32);
		if (cdsize - pos - ZIP_CDIR_LEN < nlen + xlen + clen) {
			rc = corrupt(z, "central directory entry overruns", err);
			goto out;
		}
		e->flags = rd16(c + 8);
		e->method = rd16(c + 10);
		e->crc = rd32(c + 16);
		e->csize = rd32(c + 20);
		e->usize = rd32(c + 24);
		e->off = rd32(c + 42);
		e->name = ll_malloc(nlen + 1);
		if (!e->name) {
			rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
			goto out;
		}
		z->n = k + 1;
		memcpy(e->name, c + ZIP_CDIR_LEN, nlen);
		e->name[nlen] = '\0';
		if (zip64_extra(c + ZIP_CDIR_LEN + nlen, xlen, e, e->usize == ZIP_SAT32,
				e->csize == ZIP_SAT32, e->off == ZIP_SAT32) != 0) {
			rc = corrupt(z, "bad zip64 extra field", err);
			goto out;
		}
		if (rd16(c + 34) != 0) {
			rc = ll_err_set(err, LL_ENOTSUP, "%s: multi-disk zip archives are not supported", path);
			goto out;
		}
		pos += ZIP_CDIR_LEN + nlen + xlen + clen;
	}
out:
	ll_free(tail);
	ll_free(cd);
	if (rc != LL_OK)
		za_close(z);
	return rc;
}

/* The name without a trailing ".npy", newly allocated. */
static char *short_name(const char *name)
{
	size_t l = strlen(name);
	if (l > 4 && strcmp(name + l - 4, ".npy") == 0)
		l -= 4;
	return ll_strndup(name, l);
}

/* A member's failure to read, in the zip's words. */
static int member_fail(const zarchive *z, const ll_src *m, const char *mname, ll_err *err)
{
	switch (m->fail) {
	case LL_SRC_EDATA:
		return ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: bad deflate data in member '%s' (%s)",
				  z->path, mname, m->msg);
	case LL_SRC_ETRUNC:
		return ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: deflate data of member '%s' ends early",
				  z->path, mname);
	case LL_SRC_ENOMEM:
		return ll_err_set(err, LL_ENOMEM, "%s: out of memory inflating '%s'", z->path, mname);
	default:
		return ll_src_error(m, err);
	}
}

/* Read on to the end of member m (e), then check its size and CRC:
 * LL_OK or the one-line error. */
static int member_finish(const zarchive *z, ll_src *m, const zentry *e, const char *mname, ll_err *err)
{
	unsigned char scratch[4096];

	while (ll_src_left(m) > 0 && ll_src_read(m, scratch, sizeof scratch) > 0)
		;
	if (m->fail)
		return member_fail(z, m, mname, err);
	if (m->pos != e->usize)
		return ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: member '%s' is shorter than its recorded size",
				  z->path, mname);
	if (m->inflating && !ll_src_ended(m)) {
		/* the recorded size is read: the stream must end here */
		m->size = LL_SRC_UNKNOWN;
		size_t more = ll_src_read(m, scratch, 1);
		if (m->fail)
			return member_fail(z, m, mname, err);
		if (more)
			return ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: member '%s' inflates past its recorded size",
					  z->path, mname);
	}
	if ((uint32_t)m->crc != e->crc)
		return ll_err_set(err, LL_EFORMAT, "%s: CRC mismatch in member '%s'", z->path, mname);
	return LL_OK;
}

/* Read member e (short name mname, "path:mname" in messages) as a .npy,
 * within limit of which `used` is taken. */
static int za_member(zarchive *z, const zentry *e, const char *mname, const char *label, size_t limit,
		     size_t used, ll_tensor *t, ll_array_info *info, ll_err *err)
{
	unsigned char loc[ZIP_LOCAL_LEN];
	uint64_t data_off;
	ll_src m;
	int rc;

	memset(t, 0, sizeof *t);
	if (e->flags & 1)
		return ll_err_set(err, LL_ENOTSUP, "%s: member '%s' is encrypted", z->path, mname);
	if (e->method != 0 && e->method != 8)
		return ll_err_set(err, LL_ENOTSUP,
				  "%s: member '%s' uses compression method %u (only stored and deflated are supported)",
				  z->path, mname, e->method);
	if (e->off > z->cdoff || z->cdoff - e->off < ZIP_LOCAL_LEN ||
	    ll_src_read_at(z->src, e->off, loc, sizeof loc) != 0 || memcmp(loc, "PK\x03\x04", 4) != 0)
		return ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: bad local header for member '%s'", z->path, mname);
	data_off = e->off + ZIP_LOCAL_LEN + rd16(loc + 26) + rd16(loc + 28);
	if (data_off > z->cdoff || e->csize > z->cdoff - data_off)
		return ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: member '%s' overruns the archive", z->path, mname);
	if ((e->method == 0 && e->usize != e->csize) ||
	    (e->method == 8 && e->usize / DEFLATE_MAX_RATIO > e->csize + 1))
		return ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: impossible sizes for member '%s'", z->path, mname);
	if (ll_src_seek(z->src, data_off) != 0)
		return z->src->fail ? ll_src_error(z->src, err)
				    : ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: cannot read member '%s'", z->path, mname);
	if (e->method == 0) {
		ll_src_window(&m, z->src, e->csize, label);
	} else {
		if (ll_src_inflate(&m, z->src, e->csize, 0, label) != LL_OK)
			return ll_err_set(err, LL_ENOMEM, "%s: cannot start inflate", z->path);
		m.size = e->usize;
	}
	rc = ll_npy_load(&m, label, limit, used, t, info, err);
	if (rc == LL_OK) {
		rc = member_finish(z, &m, e, mname, err);
		if (rc != LL_OK)
			ll_tensor_free(t);
	} else if (m.fail) {
		rc = member_fail(z, &m, mname, err);
	} else if (m.inflating && ll_src_ended(&m) && m.pos < e->usize) {
		rc = ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: member '%s' is shorter than its recorded size",
				z->path, mname);
	} else if (rc == LL_EFORMAT) {
		/* damage shows as a bad .npy; say so when the CRC agrees */
		ll_err why;
		if (member_finish(z, &m, e, mname, &why) != LL_OK && why.code == LL_EFORMAT &&
		    strstr(why.msg, "CRC mismatch"))
			rc = ll_err_set(err, LL_EFORMAT, "%s", why.msg);
	}
	ll_src_close(&m);
	return rc;
}

/* "path:name" for messages, the name quoted (ll_quote), newly allocated
 * (NULL: out of memory). */
static char *member_label(const char *path, const char *sname)
{
	char q[256];
	char *label = ll_malloc(strlen(path) + sizeof q + 1);
	if (label)
		sprintf(label, "%s:%s", path, ll_quote(sname, q, sizeof q));
	return label;
}

static int npz_list(ll_src *s, const char *path, char ***names, size_t *n, ll_err *err)
{
	zarchive z;
	int rc;

	*names = NULL;
	*n = 0;
	rc = za_open(&z, s, path, ll_input_limit(), err);
	if (rc != LL_OK)
		return rc;
	*names = ll_calloc(z.n, sizeof **names);
	if (!*names) {
		za_close(&z);
		return ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
	}
	for (size_t k = 0; k < z.n; k++) {
		(*names)[k] = short_name(z.e[k].name);
		if (!(*names)[k]) {
			for (size_t j = 0; j < k; j++)
				ll_free((*names)[j]);
			ll_free(*names);
			*names = NULL;
			za_close(&z);
			return ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
		}
	}
	*n = z.n;
	za_close(&z);
	return LL_OK;
}

int ll_npz_load(ll_src *s, const char *path, const char *name, size_t limit, ll_tensor *t,
		ll_array_info *info, ll_err *err)
{
	zarchive z;
	const zentry *e = NULL;
	char *sname, *label;
	int rc;

	memset(t, 0, sizeof *t);
	rc = za_open(&z, s, path, limit, err);
	if (rc != LL_OK)
		return rc;
	if (!name) {
		e = &z.e[0];
	} else {
		size_t l = strlen(name);
		for (size_t k = 0; k < z.n && !e; k++) {
			const char *m = z.e[k].name;
			if (strcmp(m, name) == 0 || (strncmp(m, name, l) == 0 && strcmp(m + l, ".npy") == 0))
				e = &z.e[k];
		}
	}
	if (!e) {
		char list[256];
		size_t off = 0;
		list[0] = '\0';
		for (size_t k = 0; k < z.n && off < sizeof list; k++) {
			char *sn = short_name(z.e[k].name), q[64];
			off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", k ? ", " : "",
						sn ? ll_quote(sn, q, sizeof q) : "?");
			ll_free(sn);
		}
		if (off >= sizeof list)
			memcpy(list + sizeof list - 4, "...", 4);
		char qn[64];
		rc = ll_err_set(err, LL_EINVAL, "%s: no member '%s' (members: %s)", path, ll_quote(name, qn, sizeof qn),
				list);
		za_close(&z);
		return rc;
	}
	sname = short_name(e->name);
	label = sname ? member_label(path, sname) : NULL;
	if (!label)
		rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
	else
		rc = za_member(&z, e, label + strlen(path) + 1, label, limit, z.used, t, info, err);
	za_close(&z);
	ll_free(label);
	ll_free(sname);
	return rc;
}

int ll_npz_load_all(ll_src *s, const char *path, size_t limit, ll_array_set *set, ll_err *err)
{
	zarchive z;
	size_t used;
	int rc;

	memset(set, 0, sizeof *set);
	rc = za_open(&z, s, path, limit, err);
	if (rc != LL_OK)
		return rc;
	set->format = LL_ARRAY_NPZ;
	set->names = ll_calloc_array(z.n, sizeof *set->names);
	set->t = ll_calloc_array(z.n, sizeof *set->t);
	set->info = ll_calloc_array(z.n, sizeof *set->info);
	if (!set->names || !set->t || !set->info) {
		rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	used = z.used;
	for (size_t k = 0; k < z.n; k++) {
		char *label;
		set->names[k] = short_name(z.e[k].name);
		label = set->names[k] ? member_label(path, set->names[k]) : NULL;
		set->n = k + 1;
		if (!label) {
			rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
			goto out;
		}
		rc = za_member(&z, &z.e[k], label + strlen(path) + 1, label, limit, used, &set->t[k], &set->info[k],
			       err);
		ll_free(label);
		if (rc != LL_OK)
			goto out;
		used += set->t[k].size * sizeof(double);
	}
out:
	za_close(&z);
	if (rc != LL_OK)
		ll_array_set_free(set);
	return rc;
}

/* Open path for the readers below: LL_OK with *fp set, or LL_EIO. */
static int open_file(const char *path, FILE **fp, ll_err *err)
{
	*fp = fopen(path, "rb");
	if (!*fp)
		return ll_err_set(err, LL_EIO, "%s: cannot open: %s", path, strerror(errno));
	return LL_OK;
}

int ll_npz_list(const char *path, char ***names, size_t *n, ll_err *err)
{
	FILE *fp;
	ll_src s;
	int rc;

	*names = NULL;
	*n = 0;
	if ((rc = open_file(path, &fp, err)) != LL_OK)
		return rc;
	ll_src_file(&s, fp, path);
	rc = npz_list(&s, path, names, n, err);
	fclose(fp);
	return rc;
}

int ll_npz_read(const char *path, const char *name, ll_tensor *t, ll_array_info *info, ll_err *err)
{
	FILE *fp;
	ll_src s;
	int rc;

	memset(t, 0, sizeof *t);
	if ((rc = open_file(path, &fp, err)) != LL_OK)
		return rc;
	ll_src_file(&s, fp, path);
	rc = ll_npz_load(&s, path, name, ll_input_limit(), t, info, err);
	fclose(fp);
	return rc;
}

int ll_npz_read_mem(const void *buf, size_t len, const char *path, const char *name, ll_tensor *t,
		    ll_array_info *info, ll_err *err)
{
	ll_src s;
	ll_src_mem(&s, buf, len, path);
	return ll_npz_load(&s, path, name, ll_input_limit(), t, info, err);
}

/* ---- writing ---- */

#define NPZ_NAME_MAX 200
#define NPZ_CHUNK_ITEMS 8192
#define ZIP_DOS_DATE 0x0021 /* 1980-01-01 */
#define ZIP_VERSION 20      /* 2.0: what a stored member needs */

static void wr16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8 & 0xff);
}

static void wr32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

/* Elements of m, or SIZE_MAX if they overflow. */
static size_t member_count(const ll_npz_member *m)
{
	size_t count = 1;
	for (int k = 0; k < m->ndim; k++)
		if (!ll_mul_ok(count, m->shape[k], &count))
			return SIZE_MAX;
	return count;
}

/* Little-endian bytes of elements [at, at + n) of m into buf. */
static void encode_items(const ll_npz_member *m, size_t at, size_t n, unsigned char *buf)
{
	for (size_t k = 0; k < n; k++) {
		if (m->f32) {
			uint32_t u;
			memcpy(&u, &m->f32[at + k], 4);
			wr32(buf + 4 * k, u);
		} else {
			uint64_t u;
			memcpy(&u, &m->f64[at + k], 8);
			wr32(buf + 8 * k, (uint32_t)u);
			wr32(buf + 8 * k + 4, (uint32_t)(u >> 32));
		}
	}
}

/* The .npy bytes of m after its preamble: into the CRC (fp NULL) or fp. */
static uint32_t member_data(const ll_npz_member *m, size_t count, unsigned char *buf, uint32_t crc, FILE *fp)
{
	size_t sz = m->f32 ? 4 : 8;
	for (size_t done = 0; done < count;) {
		size_t n = count - done < NPZ_CHUNK_ITEMS ? count - done : NPZ_CHUNK_ITEMS;
		encode_items(m, done, n, buf);
		if (fp)
			fwrite(buf, sz, n, fp); /* ll_afile_commit sees a failure */
		else
			crc = (uint32_t)crc32(crc, buf, (uInt)(n * sz));
		done += n;
	}
	return crc;
}

/* Check the members and size the archive: LL_OK or the one-line error. */
static int npz_plan(const char *path, const ll_npz_member *m, size_t n, size_t *count, uint64_t *usize,
		    ll_err *err)
{
	uint64_t total = ZIP_EOCD_LEN;
	if (n == 0)
		return ll_err_set(err, LL_EINVAL, "%s: no arrays to write", path);
	if (n >= ZIP_SAT16)
		return ll_err_set(err, LL_ENOTSUP, "%s: %zu arrays are too many for a zip without zip64 (at most %u)",
				  path, n, ZIP_SAT16 - 1);
	for (size_t k = 0; k < n; k++) {
		const char *name = m[k].name;
		size_t len = name ? strlen(name) : 0;
		char q[64];
		if (len == 0 || len > NPZ_NAME_MAX || strchr(name, '/'))
			return ll_err_set(err, LL_EINVAL, "%s: array %zu has a bad name '%s' (1 to %d bytes, no '/')",
					  path, k, name ? ll_quote(name, q, sizeof q) : "", NPZ_NAME_MAX);
		for (size_t j = 0; j < k; j++)
			if (strcmp(m[j].name, name) == 0)
				return ll_err_set(err, LL_EINVAL, "%s: two arrays are named '%s'", path,
						  ll_quote(name, q, sizeof q));
		if (m[k].ndim < 0 || m[k].ndim > LL_MAX_MODES)
			return ll_err_set(err, LL_EINVAL, "%s: array '%s' has %d dimensions (0 to %d)", path,
					  ll_quote(name, q, sizeof q), m[k].ndim, LL_MAX_MODES);
		if (m[k].f32 && m[k].f64)
			return ll_err_set(err, LL_EINVAL, "%s: array '%s' gives both float and double data", path,
					  ll_quote(name, q, sizeof q));
		count[k] = member_count(&m[k]);
		if (count[k] && !m[k].f32 && !m[k].f64)
			return ll_err_set(err, LL_EINVAL, "%s: array '%s' has no data", path, ll_quote(name, q, sizeof q));
		if (count[k] > (uint64_t)ZIP_SAT32 / (m[k].f32 ? 4 : 8)) {
			usize[k] = UINT64_MAX;
		} else {
			unsigned char pre[LL_NPY_PREAMBLE_MAX];
			usize[k] = ll_npy_preamble(pre, m[k].f32 != NULL, m[k].ndim, m[k].shape) +
				   (uint64_t)count[k] * (m[k].f32 ? 4 : 8);
		}
		if (usize[k] >= ZIP_SAT32 || total + usize[k] + 2 * (len + 4) + ZIP_LOCAL_LEN + ZIP_CDIR_LEN >= ZIP_SAT32)
			return ll_err_set(err, LL_ENOTSUP, "%s: the archive would reach 4 GiB (zip64 is not supported)",
					  path);
		total += usize[k] + 2 * (len + 4) + ZIP_LOCAL_LEN + ZIP_CDIR_LEN;
	}
	return LL_OK;
}

int ll_npz_write(const char *path, const ll_npz_member *m, size_t n, ll_err *err)
{
	size_t *count = NULL;
	uint64_t *usize = NULL;
	uint32_t *crc = NULL;
	unsigned char *buf = NULL, hdr[ZIP_CDIR_LEN], pre[LL_NPY_PREAMBLE_MAX];
	uint32_t off = 0, cdsize = 0;
	ll_afile af;
	int rc;

	if (n > 0 && n < ZIP_SAT16) {
		count = ll_malloc_array(n, sizeof *count);
		usize = ll_malloc_array(n, sizeof *usize);
		crc = ll_malloc_array(n, sizeof *crc);
		buf = ll_malloc((size_t)NPZ_CHUNK_ITEMS * 8);
		if (!count || !usize || !crc || !buf) {
			rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
			goto out;
		}
	}
	rc = npz_plan(path, m, n, count, usize, err);
	if (rc != LL_OK)
		goto out;
	for (size_t k = 0; k < n; k++) {
		size_t pl = ll_npy_preamble(pre, m[k].f32 != NULL, m[k].ndim, m[k].shape);
		crc[k] = (uint32_t)crc32(0L, pre, (uInt)pl);
		crc[k] = member_data(&m[k], count[k], buf, crc[k], NULL);
	}
	rc = ll_afile_open(&af, path, err);
	if (rc != LL_OK)
		goto out;
	/* local headers and data; then the directory, whose entries are the
	 * local headers' fields again plus the offset of each */
	for (int pass = 0; pass < 2; pass++) {
		uint32_t at = 0;
		for (size_t k = 0; k < n; k++) {
			size_t len = strlen(m[k].name) + 4;
			unsigned char *h = hdr;
			memset(hdr, 0, sizeof hdr);
			if (pass == 0) {
				wr32(h, 0x04034b50);
				h += 4;
			} else {
				wr32(h, 0x02014b50);
				wr16(h + 4, ZIP_VERSION); /* made by: MS-DOS, 2.0 */
				h += 6;
			}
			wr16(h, ZIP_VERSION); /* needed to extract */
			/* flags 0, method 0 (stored), time 00:00 */
			wr16(h + 8, ZIP_DOS_DATE);
			wr32(h + 10, crc[k]);
			wr32(h + 14, (uint32_t)usize[k]);
			wr32(h + 18, (uint32_t)usize[k]);
			wr16(h + 22, (unsigned)len);
			/* extra 0; in the directory: comment 0, disk 0, attributes 0 */
			if (pass == 1)
				wr32(hdr + 42, at);
			fwrite(hdr, 1, pass ? ZIP_CDIR_LEN : ZIP_LOCAL_LEN, af.fp);
			fputs(m[k].name, af.fp);
			fputs(".npy", af.fp);
			if (pass == 0) {
				size_t pl = ll_npy_preamble(pre, m[k].f32 != NULL, m[k].ndim, m[k].shape);
				fwrite(pre, 1, pl, af.fp);
				member_data(&m[k], count[k], buf, 0, af.fp);
			} else {
				cdsize += (uint32_t)(ZIP_CDIR_LEN + len);
			}
			at += (uint32_t)(ZIP_LOCAL_LEN + len + usize[k]);
		}
		if (pass == 0)
			off = at;
	}
	memset(hdr, 0, ZIP_EOCD_LEN);
	wr32(hdr, 0x06054b50);
	/* disk 0, directory's disk 0 */
	wr16(hdr + 8, (unsigned)n);
	wr16(hdr + 10, (unsigned)n);
	wr32(hdr + 12, cdsize);
	wr32(hdr + 16, off);
	/* comment length 0 */
	fwrite(hdr, 1, ZIP_EOCD_LEN, af.fp);
	rc = ll_afile_commit(&af, err);
out:
	ll_free(count);
	ll_free(usize);
	ll_free(crc);
	ll_free(buf);
	return rc;
}
