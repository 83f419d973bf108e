/*
 * ll_src.h - where a reader's bytes come from, internal to io/: a stream
 * (FILE), a buffer in memory, a window of another source, or a deflate
 * stream inflated on the fly from another source.
 *
 * The readers (.npy, .npz, IDX, CSV and ll_array_read's dispatch) read
 * through one of these, so the same code reads a file, a pipe or memory
 * (the _mem readers, the fuzz harnesses), a file is opened once (a FIFO
 * can be read at all), and a compressed member is parsed as it inflates:
 * its header is checked against the input limit before the data is
 * inflated or allocated for.
 *
 *   ll_src_file(&s, fp, name)      a stream; its size is known when it is
 *                                  a regular file (then it can also seek)
 *   ll_src_mem(&s, buf, len, name) memory (can seek)
 *   ll_src_window(&w, &s, n, name) the next n bytes of s
 *   ll_src_inflate(&z, &s, n, gzip, name)  inflate the next n bytes of s
 *                                  (LL_SRC_UNKNOWN: to its end); gzip: a
 *                                  gzip wrapper, members may follow one
 *                                  another (as gzread reads them), else
 *                                  raw deflate (zip members)
 *
 * ll_src_read returns fewer bytes than asked only at the end of the data
 * or on a failure, which s->fail then names (LL_SRC_*; s->eno, s->msg).
 * A window or inflater yields at most its size when that is set (zip
 * members: the size the directory records); it keeps the CRC-32 of what
 * it yielded.  ll_src_close frees an inflater's state; it never closes a
 * FILE (the caller owns it).
 */
#ifndef LL_SRC_H
#define LL_SRC_H

#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

#include "base/ll_common.h"
#include "io/ll_array.h"

#define LL_SRC_UNKNOWN UINT64_MAX

enum {
	LL_SRC_OK = 0,
	LL_SRC_EIO,     /* a read failed (eno) */
	LL_SRC_ENOMEM,  /* zlib ran out of memory */
	LL_SRC_EDATA,   /* corrupt compressed data (msg) */
	LL_SRC_ETRUNC,  /* the compressed input ended inside the stream */
};

typedef struct ll_src {
	const char *name;          /* for messages */
	FILE *fp;                  /* a stream */
	const unsigned char *mem;  /* or memory */
	struct ll_src *under;      /* or a window / inflater over this */
	int seekable;              /* ll_src_seek and ll_src_read_at work */
	uint64_t size;             /* bytes it yields from its start, or LL_SRC_UNKNOWN */
	uint64_t pos;              /* bytes yielded so far */
	int64_t base;              /* a stream: its offset when it was taken */
	/* bytes read ahead by ll_src_peek, yielded first */
	unsigned char ahead[16];
	size_t nahead, aheadpos;
	/* window and inflater */
	uint64_t left;             /* bytes still to take from under, or LL_SRC_UNKNOWN */
	uLong crc;                 /* CRC-32 of the bytes yielded */
	int inflating, gzip, zend;
	z_stream zs;
	unsigned char *in;         /* inflater: input buffer (owned) */
	/* what stopped reading */
	int fail;
	int eno;
	char msg[64];
} ll_src;

void ll_src_file(ll_src *s, FILE *fp, const char *name);
void ll_src_mem(ll_src *s, const void *buf, size_t len, const char *name);
void ll_src_window(ll_src *w, ll_src *under, uint64_t n, const char *name);
/* LL_OK, or LL_ENOMEM (nothing to close then). */
int ll_src_inflate(ll_src *z, ll_src *under, uint64_t n, int gzip, const char *name);
void ll_src_close(ll_src *s);

size_t ll_src_read(ll_src *s, void *buf, size_t n);
/* Copy up to n (<= 16) of the first bytes into buf without consuming
 * them; only before anything was read.  Returns how many there are. */
size_t ll_src_peek(ll_src *s, void *buf, size_t n);
/* Bytes still to come, or LL_SRC_UNKNOWN. */
uint64_t ll_src_left(const ll_src *s);
/* Seekable sources: read exactly n bytes at offset off (from the start);
 * 0 on success, -1 if there are fewer or the read failed. */
int ll_src_read_at(ll_src *s, uint64_t off, void *buf, size_t n);
/* Seekable sources: go to offset off (the next read starts there). */
int ll_src_seek(ll_src *s, uint64_t off);
/* An inflater: has its (last) stream ended? */
int ll_src_ended(const ll_src *s);

/* The rest of s into a new buffer (*buf, *len; NUL-terminated after len
 * bytes; ll_free it), refusing with LL_ELIMIT more than limit bytes:
 * "NAME: WHAT is SIZE, more than the input limit ..." (what: "the
 * file").  On failure *buf is NULL and *len 0. */
int ll_src_slurp(ll_src *s, size_t limit, const char *what, unsigned char **buf, size_t *len,
		 ll_err *err);

/* The one-line message for s->fail, "NAME: ..." (LL_EIO, LL_ENOMEM or
 * LL_EFORMAT). */
int ll_src_error(const ll_src *s, ll_err *err);

/* Input text quoted in a message (a member name, a CSV cell, a dtype):
 * s copied into buf (n bytes, cut to n - 1) with control characters shown
 * as '?', so the message stays one line whatever the file holds.
 * Returns buf. */
const char *ll_quote(const char *s, char *buf, size_t n);

/* The limit check of every array reader: an array of ndim dims (shape)
 * decoding to elem_size bytes per element (type: "float64", "uint8"),
 * plus `used` bytes already taken by the same input.  LL_OK if it fits
 * in limit, else LL_ELIMIT with "NAME: the array is 3 x 4 float64 = 96 B
 * decoded[, X with what was read before it], more than ...". */
int ll_array_limit(const char *name, int ndim, const size_t *shape, size_t elem_size,
		   const char *type, size_t used, size_t limit, ll_err *err);

/* The readers over a source, for one another (ll_array_read's dispatch,
 * .npz members); `limit` is the input limit, `used` what the same input
 * has already taken of it.  Each as its public reader. */
int ll_npy_load(ll_src *s, const char *name, size_t limit, size_t used, ll_tensor *t,
		ll_array_info *info, ll_err *err);
/* The same into float32 storage (fdata; issue 15).  A little-endian
 * float32 C-order array is mapped from fd (the file s reads, or -1 for
 * none) instead of copied, after its size is checked against the file's;
 * any other dtype is converted in one pass, chunk by chunk. */
int ll_npy_load_f32(ll_src *s, const char *name, int fd, size_t limit, ll_tensor *t,
		    ll_array_info *info, ll_err *err);
/* .npz: one member (NULL: the first); every member into *set. */
int ll_npz_load(ll_src *s, const char *path, const char *name, size_t limit, ll_tensor *t,
		ll_array_info *info, ll_err *err);
int ll_npz_load_all(ll_src *s, const char *path, size_t limit, ll_array_set *set, ll_err *err);
/* The .npy preamble numpy.save writes for a C-order '<f4' or '<f8' array
 * of ndim (0..LL_MAX_MODES) dims: magic, version 1.0, header length and
 * the padded header.  Writes at most LL_NPY_PREAMBLE_MAX bytes to out and
 * returns how many (a multiple of 64).  For the .npy and .npz writers. */
#define LL_NPY_PREAMBLE_MAX 512
size_t ll_npy_preamble(unsigned char *out, int as_float32, int ndim, const size_t *shape);
/* IDX, raw or gzip (told by the first bytes): as doubles, as bytes. */
int ll_idx_load(ll_src *s, const char *path, size_t limit, ll_tensor *t, ll_array_info *info,
		ll_err *err);
int ll_idx_load_u8(ll_src *s, const char *path, size_t limit, unsigned char **data,
		   ll_array_info *info, ll_err *err);

#endif
