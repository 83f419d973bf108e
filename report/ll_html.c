/* Text building blocks of the report (see ll_html.h). */
#include "ll_html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

void ll_html_buf_init(ll_html_buf *b)
{
	memset(b, 0, sizeof *b);
}

void ll_html_buf_free(ll_html_buf *b)
{
	ll_free(b->s);
	memset(b, 0, sizeof *b);
}

static int grow(ll_html_buf *b, size_t extra)
{
	if (b->oom)
		return 0;
	if (extra >= SIZE_MAX / 4 - b->len) {
		b->oom = 1;
		return 0;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 1;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = ll_realloc(b->s, cap);
	if (!p) {
		b->oom = 1;
		return 0;
	}
	b->s = p;
	b->cap = cap;
	return 1;
}

void ll_html_buf_putn(ll_html_buf *b, const char *s, size_t n)
{
	if (!grow(b, n))
		return;
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void ll_html_buf_puts(ll_html_buf *b, const char *s)
{
	ll_html_buf_putn(b, s, strlen(s));
}

void ll_html_buf_printf(ll_html_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		ll_html_buf_putn(b, small, (size_t)n);
		return;
	}
	if (!grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int ll_html_buf_ok(const ll_html_buf *b, const char *what, ll_err *err)
{
	return b->oom ? ll_err_set(err, LL_ENOMEM, "%s: out of memory", what) : LL_OK;
}

void ll_html_md_text(ll_html_buf *b, const char *s)
{
	int start = b->len == 0 || b->s[b->len - 1] == '\n';
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7F) {
			ll_html_buf_putn(b, " ", 1);
		} else {
			if (strchr("\\`*_[]<>&~", c) || (start && strchr("#|+-=", c)))
				ll_html_buf_putn(b, "\\", 1);
			ll_html_buf_putn(b, (const char *)&c, 1);
		}
		start = 0;
	}
}

void ll_html_text(ll_html_buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': ll_html_buf_puts(b, "&amp;"); break;
		case '<': ll_html_buf_puts(b, "&lt;"); break;
		case '>': ll_html_buf_puts(b, "&gt;"); break;
		case '"': ll_html_buf_puts(b, "&quot;"); break;
		case '\'': ll_html_buf_puts(b, "&#39;"); break;
		default:
			ll_html_buf_putn(b, c < 0x20 || c == 0x7F ? " " : (const char *)&c, 1);
		}
	}
}

void ll_html_md_code(ll_html_buf *b, const char *info, const char *text)
{
	size_t run = 0, longest = 0, n = strlen(text);
	for (size_t i = 0; i < n; i++) {
		run = text[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	size_t fence = longest < 3 ? 3 : longest + 1;
	for (size_t i = 0; i < fence; i++)
		ll_html_buf_putn(b, "`", 1);
	ll_html_buf_printf(b, "%s\n", info);
	ll_html_buf_putn(b, text, n);
	if (n && text[n - 1] != '\n')
		ll_html_buf_putn(b, "\n", 1);
	for (size_t i = 0; i < fence; i++)
		ll_html_buf_putn(b, "`", 1);
	ll_html_buf_putn(b, "\n", 1);
}

void ll_html_base64(ll_html_buf *b, const uint8_t *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (!grow(b, (n + 2) / 3 * 4))
		return;
	char *o = b->s + b->len;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = '=';
	}
	b->len = (size_t)(o - b->s);
	b->s[b->len] = '\0';
}

void ll_html_data_uri(ll_html_buf *b, const char *mime, const uint8_t *p, size_t n)
{
	ll_html_buf_printf(b, "data:%s;base64,", mime);
	ll_html_base64(b, p, n);
}

/* Reads on screen (a centred column, figures scale down) and in print
 * (no page breaks inside figures and tables, links in plain text). */
static const char page_css[] =
	":root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--accent:#0b5cad;--mark:#fff3cd}\n"
	"html{-webkit-text-size-adjust:100%}\n"
	"body{margin:0;background:#fff;color:var(--fg);"
	"font:16px/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,\"DejaVu Sans\",sans-serif}\n"
	"main{max-width:1040px;margin:0 auto;padding:2rem 1.5rem 4rem}\n"
	"h1{font-size:1.9rem;line-height:1.25;margin:0 0 .4rem}\n"
	"h2{font-size:1.45rem;line-height:1.3;margin:2.8rem 0 .8rem;padding-bottom:.3rem;border-bottom:1px solid var(--line)}\n"
	"h3{font-size:1.12rem;margin:1.9rem 0 .5rem}\n"
	"p,ul,ol{margin:.6rem 0}\n"
	"li{margin:.15rem 0}\n"
	"a{color:var(--accent);text-decoration:none}\n"
	"a:hover{text-decoration:underline}\n"
	"code{font:.87em/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,\"DejaVu Sans Mono\",monospace;"
	"background:var(--soft);padding:.1em .35em;border-radius:4px}\n"
	"pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:.8rem 1rem;"
	"overflow-x:auto;line-height:1.45}\n"
	"pre code{background:none;padding:0;font-size:.84rem}\n"
	".lead{font-size:1.05rem}\n"
	".meta{color:var(--muted);margin-top:0}\n"
	".toc{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:.6rem 1.2rem;"
	"display:inline-block;min-width:18rem}\n"
	".toc ol{margin:.3rem 0;padding-left:1.4rem}\n"
	".tbl{overflow-x:auto;margin:.9rem 0}\n"
	"table{border-collapse:collapse;font-size:.9rem}\n"
	"caption{caption-side:top;text-align:left;color:var(--muted);padding:0 0 .35rem;font-size:.9rem}\n"
	"th,td{border:1px solid var(--line);padding:.28rem .6rem;text-align:left;vertical-align:top}\n"
	"th{background:var(--soft);font-weight:600}\n"
	"td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"tr.chosen td{background:var(--mark);font-weight:600}\n"
	"figure{margin:1.6rem 0;text-align:center}\n"
	"figure img{max-width:100%;height:auto;border:1px solid var(--line);border-radius:4px}\n"
	"figcaption{text-align:left;font-size:.92rem;color:var(--muted);margin:.55rem auto 0;max-width:62rem}\n"
	"figcaption b{color:var(--fg)}\n"
	".note{border-left:4px solid var(--line);padding:.2rem 0 .2rem 1rem;color:var(--muted)}\n"
	"@media (max-width:640px){main{padding:1rem .8rem 3rem}h1{font-size:1.5rem}}\n"
	"@media print{\n"
	"body{font-size:10.5pt;line-height:1.4}\n"
	"main{max-width:none;padding:0}\n"
	"h2{break-after:avoid;page-break-after:avoid;margin-top:1.6rem}\n"
	"h3{break-after:avoid;page-break-after:avoid}\n"
	"figure,table,pre,.toc{break-inside:avoid;page-break-inside:avoid}\n"
	"figure img{border:none;max-height:22cm;width:auto}\n"
	"pre{white-space:pre-wrap;word-break:break-all}\n"
	"a{color:inherit}\n"
	".tbl{overflow:visible}\n"
	"table{font-size:8pt}\n"
	"th,td{padding:.1rem .3rem}\n"
	"code{font-size:.85em}\n"
	"}\n"
	"@page{margin:15mm 14mm}\n";

/* Figures open full size over the page when clicked (the .zoom box is the
 * :target; no script, no second copy of the image), and folded tables. */
static const char zoom_css[] =
	".zoom{display:inline-block;max-width:100%}\n"
	".zoom a.open{display:block;cursor:zoom-in}\n"
	".zoom a.close{display:none}\n"
	".zoom:target{position:fixed;inset:0;z-index:20;background:rgba(0,0,0,.88);overflow:auto;"
	"max-width:none;text-align:left}\n"
	".zoom:target a.open{cursor:default}\n"
	".zoom:target img{max-width:none;width:auto;height:auto;border:none;border-radius:0;background:#fff}\n"
	".zoom:target a.close{display:block;position:fixed;top:.6rem;right:.9rem;z-index:21;background:#fff;"
	"color:#000;padding:.25rem .7rem;border-radius:4px;font-weight:600}\n"
	"details{margin:.9rem 0}\n"
	"summary{cursor:pointer;color:var(--muted)}\n"
	"@media print{.zoom a.close{display:none}details>*{display:block}}\n";

int ll_html_page(ll_html_buf *out, const char *markdown, size_t len, const char *title,
		 const char *generator, ll_err *err)
{
	char *body = cmark_markdown_to_html(markdown, len, CMARK_OPT_UNSAFE | CMARK_OPT_VALIDATE_UTF8);
	if (!body)
		return ll_err_set(err, LL_ENOMEM, "report.html: cmark: out of memory");
	ll_html_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			      "<meta name=\"generator\" content=\"");
	ll_html_text(out, generator);
	ll_html_buf_puts(out, "\">\n<title>");
	ll_html_text(out, title);
	ll_html_buf_puts(out, "</title>\n<style>\n");
	ll_html_buf_puts(out, page_css);
	ll_html_buf_puts(out, zoom_css);
	ll_html_buf_puts(out, "</style>\n</head>\n<body>\n<main>\n");
	ll_html_buf_puts(out, body);
	ll_html_buf_puts(out, "</main>\n</body>\n</html>\n");
	free(body); /* cmark allocates with libc, never through our hook */
	return ll_html_buf_ok(out, "report.html", err);
}
