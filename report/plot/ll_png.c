#include "plot/ll_png.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/ll_fs.h"

/* Fixed so output bytes never depend on libpng's defaults.  Measured on the
 * 960x860 demo figure: level 6 without row filters gives 65 KB in 20 ms;
 * adaptive filters 70 KB / 33 ms; level 9 58 KB but 92 ms.  Flat plot
 * colours compress better unfiltered. */
#define LL_PNG_ZLEVEL 6
#define LL_PNG_FILTERS PNG_FILTER_NONE

/* Everything that changes between setjmp and longjmp lives here, in the
 * caller's frame, so it stays valid after a libpng error. */
typedef struct png_ctx {
	char msg[256];
	int oom;
	/* encode: output buffer */
	uint8_t *buf;
	size_t len, cap;
	/* decode: input */
	const uint8_t *in;
	size_t inlen, inpos;
	/* decode: result and text */
	ll_png_image img;
	png_bytep *rows;
} png_ctx;

static void on_error(png_structp png, png_const_charp msg)
{
	png_ctx *ctx = png_get_error_ptr(png);
	snprintf(ctx->msg, sizeof ctx->msg, "%s", msg ? msg : "libpng error");
	png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
	(void)png, (void)msg; /* warnings (e.g. a bad CRC in ancillary data) are not errors */
}

/* ---- encoding ------------------------------------------------------- */

static void mem_write(png_structp png, png_bytep data, size_t n)
{
	png_ctx *ctx = png_get_io_ptr(png);

	if (n > ctx->cap - ctx->len) {
		size_t cap = ctx->cap ? ctx->cap : 4096;
		while (n > cap - ctx->len) {
			if (cap > SIZE_MAX / 2) {
				ctx->oom = 1;
				png_error(png, "output too large");
			}
			cap *= 2;
		}
		uint8_t *p = ll_realloc(ctx->buf, cap);
		if (!p) {
			ctx->oom = 1;
			png_error(png, "out of memory");
		}
		ctx->buf = p;
		ctx->cap = cap;
	}
	memcpy(ctx->buf + ctx->len, data, n);
	ctx->len += n;
}

static void mem_flush(png_structp png)
{
	(void)png;
}

static int key_ok(const char *k)
{
	size_t n = strlen(k);

	if (n < 1 || n > 79 || k[0] == ' ' || k[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k[i];
		if (c < 32 || c > 126 || (c == ' ' && k[i + 1] == ' '))
			return 0;
	}
	return 1;
}

static int ascii_only(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static int encode_run(png_ctx *ctx, png_structp png, png_infop info, const uint8_t *rgb, int w, int h,
		      png_text *text, int ntext)
{
	if (setjmp(png_jmpbuf(png)))
		return -1;
	png_set_write_fn(png, ctx, mem_write, mem_flush);
	png_set_compression_level(png, LL_PNG_ZLEVEL);
	png_set_compression_mem_level(png, 8);
	png_set_compression_strategy(png, Z_DEFAULT_STRATEGY);
	png_set_compression_window_bits(png, 15);
	png_set_filter(png, PNG_FILTER_TYPE_BASE, LL_PNG_FILTERS);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
	if (ntext > 0)
		png_set_text(png, info, text, ntext);
	png_write_info(png, info);
	for (int y = 0; y < h; y++)
		png_write_row(png, rgb + (size_t)y * (size_t)w * 3);
	png_write_end(png, info);
	return 0;
}

int ll_png_encode(const uint8_t *rgb, int w, int h, const ll_png_text *meta, size_t nmeta,
		  uint8_t **out, size_t *outlen, ll_err *err)
{
	png_ctx ctx;
	png_structp png;
	png_infop info;
	png_text *text = NULL;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (w < 1 || h < 1 || w > LL_PNG_MAX_DIM || h > LL_PNG_MAX_DIM)
		return ll_err_set(err, LL_EINVAL, "png: image size %dx%d: width and height must be in 1..%d",
				  w, h, LL_PNG_MAX_DIM);
	if (!rgb)
		return ll_err_set(err, LL_EINVAL, "png: no pixels");
	if (nmeta && !meta)
		return ll_err_set(err, LL_EINVAL, "png: %zu text chunks but meta is NULL", nmeta);
	if (nmeta > 1000)
		return ll_err_set(err, LL_EINVAL, "png: %zu text chunks: at most 1000", nmeta);
	for (size_t i = 0; i < nmeta; i++) {
		if (!meta[i].key || !key_ok(meta[i].key))
			return ll_err_set(err, LL_EINVAL,
					  "png: text key \"%s\": needs 1..79 printable ASCII characters, single inner spaces",
					  meta[i].key ? meta[i].key : "(null)");
		if (!meta[i].value)
			return ll_err_set(err, LL_EINVAL, "png: text \"%s\" has no value", meta[i].key);
	}
	if (nmeta) {
		text = ll_calloc_array(nmeta, sizeof *text);
		if (!text)
			return ll_err_set(err, LL_ENOMEM, "png: out of memory");
		for (size_t i = 0; i < nmeta; i++) {
			/* libpng takes non-const pointers but only reads them */
			text[i].key = (png_charp)(uintptr_t)meta[i].key;
			text[i].text = (png_charp)(uintptr_t)meta[i].value;
			if (ascii_only(meta[i].value)) {
				text[i].compression = PNG_TEXT_COMPRESSION_NONE;
				text[i].text_length = strlen(meta[i].value);
			} else {
				text[i].compression = PNG_ITXT_COMPRESSION_NONE;
				text[i].itxt_length = strlen(meta[i].value);
				text[i].lang = (png_charp)(uintptr_t)"";
				text[i].lang_key = (png_charp)(uintptr_t)"";
			}
		}
	}
	memset(&ctx, 0, sizeof ctx);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
	info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info) {
		png_destroy_write_struct(&png, &info);
		ll_free(text);
		return ll_err_set(err, LL_ENOMEM, "png: out of memory");
	}
	rc = encode_run(&ctx, png, info, rgb, w, h, text, (int)nmeta);
	png_destroy_write_struct(&png, &info);
	ll_free(text);
	if (rc != 0) {
		ll_free(ctx.buf);
		if (ctx.oom)
			return ll_err_set(err, LL_ENOMEM, "png: %s", ctx.msg);
		return ll_err_set(err, LL_EINVAL, "png: encoding failed: %s", ctx.msg);
	}
	*out = ctx.buf;
	*outlen = ctx.len;
	return LL_OK;
}

int ll_png_write(const char *path, const uint8_t *rgb, int w, int h, const ll_png_text *meta,
		 size_t nmeta, ll_err *err)
{
	uint8_t *buf;
	size_t len;
	ll_afile af;
	int rc;

	rc = ll_png_encode(rgb, w, h, meta, nmeta, &buf, &len, err);
	if (rc != LL_OK) {
		ll_err_prefix(err, "%s", path);
		return rc;
	}
	rc = ll_afile_open(&af, path, err);
	if (rc != LL_OK) {
		ll_free(buf);
		return rc;
	}
	if (fwrite(buf, 1, len, af.fp) != len) {
		int e = errno;
		ll_free(buf);
		ll_afile_abort(&af);
		return ll_err_set(err, LL_EIO, "%s: write failed: %s", path, strerror(e));
	}
	ll_free(buf);
	return ll_afile_commit(&af, err);
}

/* ---- decoding ------------------------------------------------------- */

static void mem_read(png_structp png, png_bytep data, size_t n)
{
	png_ctx *ctx = png_get_io_ptr(png);

	if (n > ctx->inlen - ctx->inpos)
		png_error(png, "file is truncated");
	memcpy(data, ctx->in + ctx->inpos, n);
	ctx->inpos += n;
}

static char *dup_text(const char *s, size_t n)
{
	char *p = ll_malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static int decode_run(png_ctx *ctx, png_structp png, png_infop info)
{
	png_uint_32 w, h;
	int depth, ctype;
	png_textp text;
	int ntext = 0;

	if (setjmp(png_jmpbuf(png)))
		return -1;
	png_set_read_fn(png, ctx, mem_read);
	png_set_user_limits(png, LL_PNG_MAX_DIM, LL_PNG_MAX_DIM);
	png_read_info(png, info);
	png_get_IHDR(png, info, &w, &h, &depth, &ctype, NULL, NULL, NULL);
	png_set_expand(png);
	png_set_strip_16(png);
	png_set_strip_alpha(png);
	png_set_gray_to_rgb(png);
	png_set_interlace_handling(png);
	png_read_update_info(png, info);
	if (png_get_rowbytes(png, info) != (size_t)w * 3)
		png_error(png, "unsupported pixel layout");
	ctx->img.rgb = ll_malloc_array((size_t)w * (size_t)h, 3);
	ctx->rows = ll_malloc_array(h, sizeof *ctx->rows);
	if (!ctx->img.rgb || !ctx->rows) {
		ctx->oom = 1;
		png_error(png, "out of memory");
	}
	for (png_uint_32 y = 0; y < h; y++)
		ctx->rows[y] = ctx->img.rgb + (size_t)y * (size_t)w * 3;
	png_read_image(png, ctx->rows);
	png_read_end(png, info);
	ctx->img.w = (int)w;
	ctx->img.h = (int)h;
	if (png_get_text(png, info, &text, &ntext) > 0 && ntext > 0) {
		ctx->img.keys = ll_calloc_array((size_t)ntext, sizeof(char *));
		ctx->img.values = ll_calloc_array((size_t)ntext, sizeof(char *));
		if (!ctx->img.keys || !ctx->img.values) {
			ctx->oom = 1;
			png_error(png, "out of memory");
		}
		for (int i = 0; i < ntext; i++) {
			size_t n = text[i].compression >= PNG_ITXT_COMPRESSION_NONE ? text[i].itxt_length
										    : text[i].text_length;
			ctx->img.keys[i] = dup_text(text[i].key, strlen(text[i].key));
			ctx->img.values[i] = dup_text(text[i].text ? text[i].text : "", text[i].text ? n : 0);
			ctx->img.ntext = (size_t)i + 1;
			if (!ctx->img.keys[i] || !ctx->img.values[i]) {
				ctx->oom = 1;
				png_error(png, "out of memory");
			}
		}
	}
	return 0;
}

int ll_png_decode(const uint8_t *buf, size_t len, ll_png_image *img, ll_err *err)
{
	png_ctx ctx;
	png_structp png;
	png_infop info;
	int rc;

	memset(img, 0, sizeof *img);
	if (!buf || len < 8 || png_sig_cmp(buf, 0, 8) != 0)
		return ll_err_set(err, LL_EFORMAT, "not a PNG file (bad signature)");
	memset(&ctx, 0, sizeof ctx);
	ctx.in = buf;
	ctx.inlen = len;
	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
	info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info) {
		png_destroy_read_struct(&png, &info, NULL);
		return ll_err_set(err, LL_ENOMEM, "png: out of memory");
	}
	rc = decode_run(&ctx, png, info);
	png_destroy_read_struct(&png, &info, NULL);
	ll_free(ctx.rows);
	if (rc != 0) {
		ll_png_image_free(&ctx.img);
		if (ctx.oom)
			return ll_err_set(err, LL_ENOMEM, "png: out of memory");
		return ll_err_set(err, LL_EFORMAT, "damaged PNG: %s", ctx.msg);
	}
	*img = ctx.img;
	return LL_OK;
}

int ll_png_read(const char *path, ll_png_image *img, ll_err *err)
{
	char *buf;
	size_t len;
	int rc;

	memset(img, 0, sizeof *img);
	if ((rc = ll_read_file(path, 0, &buf, &len, err)) != LL_OK)
		return rc;
	rc = ll_png_decode((const uint8_t *)buf, len, img, err);
	ll_free(buf);
	if (rc != LL_OK)
		ll_err_prefix(err, "%s", path);
	return rc;
}

void ll_png_image_free(ll_png_image *img)
{
	if (!img)
		return;
	for (size_t i = 0; i < img->ntext; i++) {
		if (img->keys)
			ll_free(img->keys[i]);
		if (img->values)
			ll_free(img->values[i]);
	}
	ll_free(img->keys);
	ll_free(img->values);
	ll_free(img->rgb);
	memset(img, 0, sizeof *img);
}

const char *ll_png_image_text(const ll_png_image *img, const char *key)
{
	for (size_t i = 0; i < img->ntext; i++)
		if (img->keys[i] && strcmp(img->keys[i], key) == 0)
			return img->values[i];
	return NULL;
}
