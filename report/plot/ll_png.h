/*
 * ll_png.h - write and read 8-bit RGB PNG files through libpng.
 *
 * Output is deterministic: the same pixels and text give the same bytes
 * (fixed zlib level, strategy, window and filter; no tIME, gAMA or other
 * chunk that depends on the clock or the machine).  Chunks: IHDR, the text
 * chunks in the order given, IDAT, IEND.
 */
#ifndef LL_PNG_H
#define LL_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"

#define LL_PNG_MAX_DIM 16384 /* largest width or height written or read */

/* One text chunk.  key: 1..79 printable ASCII characters, single inner
 * spaces only (e.g. "Title", "Software", "Session").  value: no NUL; pure
 * ASCII (or Latin-1) goes in a tEXt chunk, anything with bytes >= 0x80 is
 * taken as UTF-8 and goes in an uncompressed iTXt chunk. */
typedef struct ll_png_text {
	const char *key;
	const char *value;
} ll_png_text;

/* A decoded image; every member is owned.  Free with ll_png_image_free. */
typedef struct ll_png_image {
	int w, h;
	uint8_t *rgb;  /* w*h*3 bytes, rows top to bottom */
	size_t ntext;  /* text chunks found (tEXt, zTXt, iTXt), in file order */
	char **keys;   /* ntext keys */
	char **values; /* ntext values */
} ll_png_image;

/* Encode w x h RGB pixels (rows top to bottom, 3 bytes each) with nmeta
 * text chunks into a malloc'd buffer *out of *outlen bytes (caller frees).
 * LL_EINVAL for a bad size or key, LL_ENOMEM. */
int ll_png_encode(const uint8_t *rgb, int w, int h, const ll_png_text *meta, size_t nmeta,
		  uint8_t **out, size_t *outlen, ll_err *err);
/* The same, written to path through a temporary file and a rename (ll_fs.h):
 * on failure (LL_EIO, message names path) no file or temporary is left. */
int ll_png_write(const char *path, const uint8_t *rgb, int w, int h, const ll_png_text *meta,
		 size_t nmeta, ll_err *err);

/* Decode any PNG libpng reads into 8-bit RGB (palette and grey expanded,
 * 16-bit reduced, alpha dropped) plus its text chunks.  LL_EFORMAT for data
 * that is not a PNG or is damaged, LL_ENOMEM.  *img is zeroed on failure. */
int ll_png_decode(const uint8_t *buf, size_t len, ll_png_image *img, ll_err *err);
/* ll_png_decode of a whole file; LL_EIO if it cannot be read (message
 * names path), errors from decoding are prefixed with path. */
int ll_png_read(const char *path, ll_png_image *img, ll_err *err);
void ll_png_image_free(ll_png_image *img);
/* The value of the first text chunk named key, or NULL. */
const char *ll_png_image_text(const ll_png_image *img, const char *key);

#endif
