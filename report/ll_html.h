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

/* JSON for a <script type="application/json"> block: a string in quotes
 * with ", \ and control characters escaped, and < > & as \u003c etc.,
 * so no "</script" or "<!--" can occur in the block; a number with %.6g
 * (null when not finite). */
void ll_html_json_str(ll_html_buf *b, const char *s);
void ll_html_json_num(ll_html_buf *b, double v);

/* An interactive 3-D view of paths for report.html (screen only: hidden
 * in print, where the static figure stands, and without JavaScript): a
 * <figure class="view3d" id="ID"> with a <canvas> (drag to rotate, wheel
 * or +/- to zoom, arrow keys rotate when focused, hover names a path),
 * a toggle per path label, the data json as a <script
 * type="application/json"> and the inline script that draws it.  json
 * (built with ll_html_json_str/num) is an object
 *
 *   {"axes": [3 names], "tlabel": "time bin", "t": [T numbers],
 *    "paths": [{"label": "...", "color": "#rrggbb", "alpha": 0..1,
 *               "width": px, "xyz": [T*3 numbers, x y z per point]}, ...]}
 *
 * Paths sharing a label share a toggle.  caption_html is trusted HTML.
 * Loading the page with "#view3d-selftest" makes the script exercise its
 * own handlers (drag, wheel, key, hover, toggle) and write what the pixels
 * did to the figure's data-selftest attribute (tests/e2e/test_report_html.sh). */
void ll_html_view3d(ll_html_buf *b, const char *id, const char *aria_label, const char *caption_html,
		    const char *json, size_t json_len);

/* The complete HTML page: the Markdown rendered by cmark with
 * CMARK_OPT_UNSAFE (the report's tables and figures are raw HTML blocks),
 * inside a page with inline CSS for screen and print.  title is plain
 * text (escaped here); generator goes into <meta name="generator">.
 * The page references nothing outside itself. */
int ll_html_page(ll_html_buf *out, const char *markdown, size_t len, const char *title,
		 const char *generator, ll_err *err);

#endif
