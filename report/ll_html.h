/*
 * ll_html.h - text building blocks of the report: a growable byte buffer,
 * Markdown and HTML escaping, base64 and data: URIs, and the
 * self-contained HTML page made from a Markdown document with cmark.
 *
 * Ownership: an ll_html_buf owns its bytes (ll_html_buf_free releases
 * them; a zeroed buffer is empty and valid).  Appending never fails
 * visibly: an allocation failure sets buf->oom, later appends do nothing,
 * and the caller checks oom once at the end (ll_html_buf_ok).
 */
#ifndef LL_HTML_H
#define LL_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"

typedef struct ll_html_buf {
	char *s;    /* NUL-terminated after len bytes (NULL while empty) */
	size_t len, cap;
	int oom;    /* an append failed: the content is incomplete */
} ll_html_buf;

void ll_html_buf_init(ll_html_buf *b);
void ll_html_buf_free(ll_html_buf *b);
void ll_html_buf_putn(ll_html_buf *b, const char *s, size_t n);
void ll_html_buf_puts(ll_html_buf *b, const char *s);
void ll_html_buf_printf(ll_html_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* LL_OK, or LL_ENOMEM (message names what) if an append failed. */
int ll_html_buf_ok(const ll_html_buf *b, const char *what, ll_err *err);

/* Text for Markdown prose: the characters Markdown would take as markup
 * (\ ` * _ [ ] < > & ~ and # | at a line start) get a backslash, control
 * characters and newlines become spaces. */
void ll_html_md_text(ll_html_buf *b, const char *s);
/* Text for HTML (raw HTML blocks and attributes): & < > " ' as entities;
 * newlines and other control characters become spaces, so the text never
 * ends a raw HTML block early. */
void ll_html_text(ll_html_buf *b, const char *s);
/* A Markdown fenced code block holding text verbatim (the fence is longer
 * than any run of backticks in it); info is the info string (may be ""). */
void ll_html_md_code(ll_html_buf *b, const char *info, const char *text);

/* Base64 (RFC 4648, with padding, no line breaks) of n bytes. */
void ll_html_base64(ll_html_buf *b, const uint8_t *p, size_t n);
/* "data:<mime>;base64,<...>" */
void ll_html_data_uri(ll_html_buf *b, const char *mime, const uint8_t *p, size_t n);

/* The complete HTML page: the Markdown rendered by cmark with
 * CMARK_OPT_UNSAFE (the report's tables and figures are raw HTML blocks),
 * inside a page with inline CSS for screen and print.  title is plain
 * text (escaped here); generator goes into <meta name="generator">.
 * The page references nothing outside itself. */
int ll_html_page(ll_html_buf *out, const char *markdown, size_t len, const char *title,
		 const char *generator, ll_err *err);

#endif
