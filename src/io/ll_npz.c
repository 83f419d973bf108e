/*
 * ll_npz.c - a small zip reader for NumPy's .npz files.
 *
 * Sizes and offsets come from the central directory: numpy.savez forces
 * zip64 local headers (sizes 0xffffffff there, real ones in the extra
 * field) and may use data descriptors, so the local header is only used to
 * find where the data starts.  Members are STORED or DEFLATED; each is
 * inflated into memory, CRC-checked and parsed by ll_npy_read_mem.
 */
#include "io/ll_npz.h"

#include "io/ll_npy.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "io/ll_zlib.h"

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
	FILE *fp;
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
	if (z->fp)
		fclose(z->fp);
	for (size_t k = 0; k < z->n; k++)
		ll_free(z->e[k].name);
	ll_free(z->e);
	memset(z, 0, sizeof *z);
}

/* Read exactly n bytes at off; 0 on success. */
static int read_at(FILE *fp, uint64_t off, void *buf, size_t n)
{
	if (off > (uint64_t)INT64_MAX || fseeko(fp, (off_t)off, SEEK_SET) != 0)
		return -1;
	return fread(buf, 1, n, fp) == n ? 0 : -1;
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

static int za_open(zarchive *z, const char *path, ll_err *err)
{
	unsigned char head[4], *tail = NULL, *cd = NULL, *eocd = NULL;
	uint64_t ntotal, cdsize, cdoff, eocd_pos, end_limit;
	size_t tlen, pos;
	off_t fsz;
	int rc = LL_OK;

	memset(z, 0, sizeof *z);
	z->path = path;
	z->fp = fopen(path, "rb");
	if (!z->fp)
		return ll_err_set(err, LL_EIO, "%s: cannot open: %s", path, strerror(errno));
	if (fread(head, 1, 4, z->fp) != 4 || head[0] != 'P' || head[1] != 'K' ||
	    !((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))) {
		rc = ferror(z->fp) ? ll_err_set(err, LL_EIO, "%s: cannot read: %s", path, strerror(errno))
				   : ll_err_set(err, LL_EFORMAT, "%s: not a .npz (zip) file (bad magic)", path);
		goto out;
	}
	if (fseeko(z->fp, 0, SEEK_END) != 0 || (fsz = ftello(z->fp)) < 0) {
		rc = ll_err_set(err, LL_EIO, "%s: cannot seek: %s", path, strerror(errno));
		goto out;
	}
	z->size = (uint64_t)fsz;
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
	if (read_at(z->fp, z->size - tlen, tail, tlen) != 0) {
		rc = ll_err_set(err, LL_EIO, "%s: cannot read: %s", path, strerror(errno));
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
		if (off64 + ZIP_EOCD64_LEN > eocd_pos - ZIP_LOC64_LEN || read_at(z->fp, off64, r, sizeof r) != 0 ||
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
	z->cdoff = cdoff;
	cd = ll_malloc((size_t)cdsize);
	z->e = ll_calloc((size_t)ntotal, sizeof *z->e);
	if (!cd || !z->e) {
		rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	if (read_at(z->fp, cdoff, cd, (size_t)cdsize) != 0) {
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

/* Inflate or copy member e into a new buffer of e->usize bytes. */
static int za_extract(zarchive *z, const zentry *e, const char *mname, unsigned char **out, ll_err *err)
{
	unsigned char loc[ZIP_LOCAL_LEN], *in = NULL, *buf = NULL;
	uint64_t data_off;
	uLong crc;
	int rc = LL_OK;

	*out = NULL;
	if (e->flags & 1)
		return ll_err_set(err, LL_ENOTSUP, "%s: member '%s' is encrypted", z->path, mname);
	if (e->method != 0 && e->method != 8)
		return ll_err_set(err, LL_ENOTSUP,
				  "%s: member '%s' uses compression method %u (only stored and deflated are supported)",
				  z->path, mname, e->method);
	if (e->off > z->cdoff || z->cdoff - e->off < ZIP_LOCAL_LEN ||
	    read_at(z->fp, e->off, loc, sizeof loc) != 0 || memcmp(loc, "PK\x03\x04", 4) != 0)
		return ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: bad local header for member '%s'", z->path, mname);
	data_off = e->off + ZIP_LOCAL_LEN + rd16(loc + 26) + rd16(loc + 28);
	if (data_off > z->cdoff || e->csize > z->cdoff - data_off)
		return ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: member '%s' overruns the archive", z->path, mname);
	if ((e->method == 0 && e->usize != e->csize) ||
	    (e->method == 8 && e->usize / DEFLATE_MAX_RATIO > e->csize + 1))
		return ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: impossible sizes for member '%s'", z->path, mname);
	if (e->usize >= SIZE_MAX || e->csize >= SIZE_MAX)
		return ll_err_set(err, LL_ENOMEM, "%s: member '%s' is too large", z->path, mname);
	in = ll_malloc(e->csize ? (size_t)e->csize : 1);
	if (!in)
		return ll_err_set(err, LL_ENOMEM, "%s: out of memory for member '%s'", z->path, mname);
	if (read_at(z->fp, data_off, in, (size_t)e->csize) != 0) {
		rc = ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: cannot read member '%s'", z->path, mname);
		goto out;
	}
	if (e->method == 0) {
		buf = in;
		in = NULL;
	} else {
		z_stream zs;
		size_t in_left = (size_t)e->csize, out_left = (size_t)e->usize;
		int zr;
		buf = ll_malloc(e->usize ? (size_t)e->usize : 1);
		if (!buf) {
			rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory for member '%s'", z->path, mname);
			goto out;
		}
		ll_zstream_init(&zs);
		if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
			rc = ll_err_set(err, LL_ENOMEM, "%s: cannot start inflate", z->path);
			goto out;
		}
		zs.next_in = in;
		zs.next_out = buf;
		for (;;) {
			uInt ai = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
			uInt ao = out_left > UINT_MAX ? UINT_MAX : (uInt)out_left;
			zs.avail_in = ai;
			zs.avail_out = ao;
			zr = inflate(&zs, Z_NO_FLUSH);
			in_left -= ai - zs.avail_in;
			out_left -= ao - zs.avail_out;
			if (zr == Z_STREAM_END)
				break;
			if (zr == Z_OK)
				continue;
			if (zr == Z_BUF_ERROR && out_left == 0)
				rc = ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: member '%s' inflates past its recorded size",
						z->path, mname);
			else if (zr == Z_BUF_ERROR)
				rc = ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: deflate data of member '%s' ends early",
						z->path, mname);
			else if (zr == Z_MEM_ERROR)
				rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory inflating '%s'", z->path, mname);
			else
				rc = ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: bad deflate data in member '%s' (%s)",
						z->path, mname, zs.msg ? zs.msg : "error");
			break;
		}
		inflateEnd(&zs);
		if (rc != LL_OK)
			goto out;
		if (out_left != 0) {
			rc = ll_err_set(err, LL_EFORMAT, "%s: corrupt zip: member '%s' is shorter than its recorded size",
					z->path, mname);
			goto out;
		}
	}
	crc = crc32(0L, Z_NULL, 0);
	for (size_t done = 0; done < e->usize;) {
		size_t n = e->usize - done > UINT_MAX ? UINT_MAX : (size_t)e->usize - done;
		crc = crc32(crc, buf + done, (uInt)n);
		done += n;
	}
	if ((uint32_t)crc != e->crc)
		rc = ll_err_set(err, LL_EFORMAT, "%s: CRC mismatch in member '%s'", z->path, mname);
out:
	ll_free(in);
	if (rc != LL_OK)
		ll_free(buf);
	else
		*out = buf;
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

int ll_npz_list(const char *path, char ***names, size_t *n, ll_err *err)
{
	zarchive z;
	int rc;

	*names = NULL;
	*n = 0;
	rc = za_open(&z, path, err);
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

int ll_npz_read(const char *path, const char *name, ll_tensor *t, ll_array_info *info, ll_err *err)
{
	zarchive z;
	const zentry *e = NULL;
	unsigned char *buf;
	char *sname, *label;
	size_t usize;
	int rc;

	memset(t, 0, sizeof *t);
	rc = za_open(&z, path, err);
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
			char *s = short_name(z.e[k].name);
			off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", k ? ", " : "", s ? s : "?");
			ll_free(s);
		}
		if (off >= sizeof list)
			memcpy(list + sizeof list - 4, "...", 4);
		rc = ll_err_set(err, LL_EINVAL, "%s: no member '%s' (members: %s)", path, name, list);
		za_close(&z);
		return rc;
	}
	sname = short_name(e->name);
	label = sname ? ll_malloc(strlen(path) + strlen(sname) + 2) : NULL;
	if (!label) {
		ll_free(sname);
		za_close(&z);
		return ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
	}
	sprintf(label, "%s:%s", path, sname);
	usize = (size_t)e->usize;
	rc = za_extract(&z, e, sname, &buf, err);
	za_close(&z);
	if (rc == LL_OK) {
		rc = ll_npy_read_mem(buf, usize, label, t, info, err);
		ll_free(buf);
	}
	ll_free(label);
	ll_free(sname);
	return rc;
}
