/* report.md for a terminal, from the report's source (see ll_md.h). */
#include "ll_md.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---------------------------------------------------------- */

static void put(ll_html_buf *b, const char *s)
{
	ll_html_buf_puts(b, s);
}

static void putn(ll_html_buf *b, const char *s, size_t n)
{
	ll_html_buf_putn(b, s, n);
}

/* display columns of n bytes of UTF-8: the bytes that start a character */
static size_t u8cols(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

static int starts(const char *p, const char *end, const char *pre)
{
	size_t n = strlen(pre);
	return (size_t)(end - p) >= n && !strncmp(p, pre, n);
}

/* the first occurrence of needle in [p, end), or NULL */
static const char *find(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	for (; p && (size_t)(end - p) >= n; p++)
		if (*p == *needle && !memcmp(p, needle, n))
			return p;
	return NULL;
}

static void utf8(char *o, unsigned long cp, size_t *n)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		*n = 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 63));
		*n = 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 63));
		o[2] = (char)(0x80 | (cp & 63));
		*n = 3;
	} else {
		o[0] = (char)(0xF0 | cp >> 18);
		o[1] = (char)(0x80 | ((cp >> 12) & 63));
		o[2] = (char)(0x80 | ((cp >> 6) & 63));
		o[3] = (char)(0x80 | (cp & 63));
		*n = 4;
	}
}

/* The entity at p ('&'): its characters into o (*on bytes); returns the
 * bytes it spans, or 0 when it is not one we know. */
static size_t entity(const char *p, const char *end, char *o, size_t *on)
{
	static const struct {
		const char *name, *text;
	} ents[] = {
		{"amp", "&"},        {"lt", "<"},          {"gt", ">"},          {"quot", "\""},
		{"apos", "'"},       {"nbsp", " "},        {"ndash", "\u2013"},  {"mdash", "\u2014"},
		{"middot", "\u00b7"}, {"rarr", "\u2192"},  {"larr", "\u2190"},   {"times", "\u00d7"},
		{"minus", "\u2212"}, {"plusmn", "\u00b1"}, {"le", "\u2264"},     {"ge", "\u2265"},
		{"asymp", "\u2248"}, {"Sigma", "\u03a3"},  {"sigma", "\u03c3"},  {"lambda", "\u03bb"},
		{"alpha", "\u03b1"}, {"mu", "\u03bc"},     {"sup2", "\u00b2"},   {"hellip", "\u2026"},
		{"deg", "\u00b0"},   {"infin", "\u221e"},  {"rsquo", "\u2019"},  {"lsquo", "\u2018"},
		{"ldquo", "\u201c"}, {"rdquo", "\u201d"},  {"check", "\u2713"},  {"cross", "\u2717"},
	};
	const char *semi = NULL;
	for (const char *q = p + 1; q < end && q - p < 12; q++)
		if (*q == ';') {
			semi = q;
			break;
		}
	if (!semi || semi == p + 1)
		return 0;
	size_t len = (size_t)(semi - p - 1);
	if (p[1] == '#') {
		char num[12];
		int hex = len > 1 && (p[2] == 'x' || p[2] == 'X');
		size_t dn = len - 1 - (size_t)hex;
		if (dn == 0 || dn >= sizeof num)
			return 0;
		memcpy(num, p + 2 + hex, dn);
		num[dn] = '\0';
		char *e;
		unsigned long cp = strtoul(num, &e, hex ? 16 : 10);
		if (*e || cp == 0 || cp > 0x10FFFF)
			return 0;
		utf8(o, cp, on);
		return len + 2;
	}
	for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++)
		if (strlen(ents[i].name) == len && !memcmp(ents[i].name, p + 1, len)) {
			*on = strlen(ents[i].text);
			memcpy(o, ents[i].text, *on);
			return len + 2;
		}
	return 0;
}

/* The tag at p ('<'): its name (lower case) into name, whether it closes,
 * the href="..." of an <a> into href; returns the bytes it spans, or 0
 * when p does not start a tag. */
static size_t tag(const char *p, const char *end, char *name, size_t nn, int *closing, char *href,
		  size_t nh)
{
	const char *q = p + 1;
	*closing = q < end && *q == '/';
	q += *closing;
	size_t k = 0;
	while (q < end && isalnum((unsigned char)*q)) {
		if (k + 1 < nn)
			name[k++] = (char)tolower((unsigned char)*q);
		q++;
	}
	name[k] = '\0';
	if (!k || !isalpha((unsigned char)name[0]) || (q < end && !strchr(" \t\n/>", *q)))
		return 0;
	const char *gt = memchr(q, '>', (size_t)(end - q));
	if (!gt)
		return 0;
	href[0] = '\0';
	const char *h = find(q, gt, "href=\"");
	if (h) {
		h += 6;
		const char *hq = memchr(h, '"', (size_t)(gt - h));
		if (hq)
			snprintf(href, nh, "%.*s", (int)(hq - h), h);
	}
	return (size_t)(gt - p) + 1;
}

/* the tags the inline converter knows: others in Markdown text are text */
static int known_tag(const char *name)
{
	static const char *const known[] = {"b", "strong", "i", "em", "code", "sub", "sup", "a", "br", "span", "small"};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strcmp(name, known[i]))
			return 1;
	return 0;
}

void ll_md_inline(ll_html_buf *out, const char *src, size_t len, int html, int pipe)
{
	const char *p = src, *end = src + len;
	char href[512] = "";
	int in_code = 0;
	while (p < end) {
		char c = *p;
		if (!html && c == '\\' && p + 1 < end && p[1] == '_' && p > src && isalnum((unsigned char)p[-1]) &&
		    p + 2 < end && isalnum((unsigned char)p[2])) { /* snake\_case: _ inside a word is text */
			putn(out, "_", 1);
			p += 2;
			continue;
		}
		if (!html && c == '\\' && p + 1 < end) { /* an escape: as it is */
			putn(out, p, 2);
			p += 2;
			continue;
		}
		if (!html && c == '`') { /* a code span: verbatim to its closing run */
			size_t run = 0;
			while (p + run < end && p[run] == '`')
				run++;
			const char *q = p + run, *close = NULL;
			while (q < end) {
				if (*q == '`') {
					size_t r = 0;
					while (q + r < end && q[r] == '`')
						r++;
					if (r == run) {
						close = q;
						break;
					}
					q += r;
				} else {
					q++;
				}
			}
			size_t n = close ? (size_t)(close - p) + run : run;
			putn(out, p, n);
			p += n;
			continue;
		}
		if (c == '&') {
			char o[8];
			size_t on = 0, n = entity(p, end, o, &on);
			if (n) {
				if (html && !in_code && on == 1 && strchr("\\`*_[]<", o[0]))
					putn(out, "\\", 1);
				if (pipe && on == 1 && o[0] == '|')
					putn(out, "\\", 1);
				putn(out, o, on);
				p += n;
				continue;
			}
		}
		if (c == '<') {
			char name[16], h[sizeof href];
			int closing;
			size_t n = tag(p, end, name, sizeof name, &closing, h, sizeof h);
			if (n && (html || known_tag(name))) {
				if (!strcmp(name, "b") || !strcmp(name, "strong"))
					put(out, "**");
				else if (!strcmp(name, "i") || !strcmp(name, "em"))
					put(out, "*");
				else if (!strcmp(name, "code")) {
					put(out, "`");
					in_code = !closing;
				} else if (!strcmp(name, "sub") && !closing)
					put(out, "_");
				else if (!strcmp(name, "sup") && !closing)
					put(out, "^");
				else if (!strcmp(name, "br"))
					put(out, " ");
				else if (!strcmp(name, "a")) {
					if (!closing && h[0]) {
						memcpy(href, h, sizeof href);
						put(out, "[");
					}
					else if (closing && href[0]) {
						put(out, "](");
						put(out, href);
						put(out, ")");
						href[0] = '\0';
					}
				}
				p += n;
				continue;
			}
		}
		if ((unsigned char)c < 0x20) {
			putn(out, " ", 1);
			p++;
			continue;
		}
		/* _ inside a word is text in CommonMark: no backslash (snake_case) */
		int inword = c == '_' && p > src && isalnum((unsigned char)p[-1]) && p + 1 < end &&
			     isalnum((unsigned char)p[1]);
		/* [ and ] only make a link as "[text](url)" or "[text][ref]": a
		 * ] not followed by ( [ or : needs no backslash ("[data] path") */
		int bracket = c == '[' || (c == ']' && !(p + 1 < end && strchr("([:", p[1])));
		if (html && !in_code && !inword && !bracket && strchr("\\`*_[]<", c))
			putn(out, "\\", 1);
		if (pipe && c == '|')
			putn(out, "\\", 1);
		putn(out, p, 1);
		p++;
	}
}

/* ---- wrapping --------------------------------------------------------------- */

/* A word Markdown would read as the start of a block at a line's start:
 * a list marker (- + * alone, digits then . or )), a heading (#...), a
 * quote (>), a rule or setext underline (only - = * _), a fence (``` or
 * ~~~) or a table row (|).  Returns where a backslash makes it text, or
 * -1 when the word is safe. */
static long risky(const char *w, size_t n)
{
	if (w[0] == '>' || w[0] == '|')
		return 0;
	size_t same = 0;
	while (same < n && w[same] == w[0])
		same++;
	if (same == n && strchr("-+*=_#", w[0]))
		return 0;
	if (same >= 3 && (w[0] == '`' || w[0] == '~'))
		return 0;
	size_t d = 0;
	while (d < n && isdigit((unsigned char)w[d]))
		d++;
	if (d > 0 && d + 1 == n && (w[d] == '.' || w[d] == ')'))
		return (long)d;
	return -1;
}

/* The next word at p: up to a space, but a code span (`...`) is never cut
 * (it may hold spaces); a backslash escape is part of the word. */
static size_t word_len(const char *p)
{
	size_t i = 0, code = 0;
	while (p[i]) {
		if (!code && p[i] == '\\' && p[i + 1]) {
			i += 2;
			continue;
		}
		if (p[i] == '`') {
			size_t r = 0;
			while (p[i + r] == '`')
				r++;
			if (!code)
				code = r;
			else if (r == code)
				code = 0;
			i += r;
			continue;
		}
		if (!code && strchr(" \n\t\r", p[i]))
			break;
		i++;
	}
	/* an unclosed code span: the word ends at its first space after all */
	if (code) {
		size_t k = strcspn(p, " \n\t\r");
		return k ? k : i;
	}
	return i;
}

void ll_md_wrap(ll_html_buf *out, const char *text, size_t width, const char *first, const char *rest)
{
	const char *p = text;
	put(out, first);
	size_t col = u8cols(first, strlen(first)), words = 0;
	for (;;) {
		while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			break;
		size_t n = word_len(p), w = u8cols(p, n);
		int at_start = !words;
		if (words) {
			if (col + 1 + w > width) {
				put(out, "\n");
				put(out, rest);
				col = u8cols(rest, strlen(rest));
				at_start = 1;
			} else {
				put(out, " ");
				col++;
			}
		}
		long r = at_start && words ? risky(p, n) : -1;
		if (r >= 0) { /* a backslash keeps it text */
			putn(out, p, (size_t)r);
			put(out, "\\");
			putn(out, p + r, n - (size_t)r);
			col++;
		} else {
			putn(out, p, n);
		}
		col += w;
		words++;
		p += n;
	}
	put(out, "\n");
}

/* ---- slugs and links ---------------------------------------------------------- */

void ll_md_slug(const char *text, char *buf, size_t n)
{
	size_t k = 0;
	for (const char *p = text; *p && k + 1 < n; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c) || c >= 0x80 || c == '_' || c == '-')
			buf[k++] = (char)tolower(c);
		else if (c == ' ')
			buf[k++] = '-';
	}
	buf[k] = '\0';
}

enum { MAX_IDS = 256 };

typedef struct md_ctx {
	char id[MAX_IDS][64];    /* a heading's anchor in the source */
	char base[MAX_IDS][128]; /* the slug of its text */
	char slug[MAX_IDS][128]; /* GitHub's id of that heading */
	size_t nid;
} md_ctx;

/* "## <a id="X"></a>Text": the id into id (or "") and where the text
 * starts. */
static const char *heading_text(const char *p, const char *end, char *id, size_t nid)
{
	while (p < end && *p == '#')
		p++;
	while (p < end && *p == ' ')
		p++;
	id[0] = '\0';
	if (starts(p, end, "<a id=\"")) {
		const char *q = p + 7, *e = memchr(q, '"', (size_t)(end - q));
		const char *close = e ? find(e, end, "</a>") : NULL;
		if (close) {
			snprintf(id, nid, "%.*s", (int)(e - q), q);
			p = close + 4;
		}
	}
	return p;
}

/* ---- blocks --------------------------------------------------------------------- */

typedef struct line {
	const char *s, *e; /* without its newline */
} line;

static int blank(line l)
{
	for (const char *p = l.s; p < l.e; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return 0;
	return 1;
}

/* the fence at a line's start (``` or ~~~, 3 or more), its length, or 0 */
static size_t fence(line l)
{
	size_t n = 0;
	if (l.s < l.e && (*l.s == '`' || *l.s == '~'))
		while (l.s + n < l.e && l.s[n] == *l.s)
			n++;
	return n >= 3 ? n : 0;
}

/* a list item's marker ("- ", "* ", "12. "): its length, or 0 */
static size_t list_marker(line l)
{
	const char *p = l.s;
	if (p + 1 < l.e && (*p == '-' || *p == '*' || *p == '+') && p[1] == ' ')
		return 2;
	while (p < l.e && isdigit((unsigned char)*p))
		p++;
	if (p > l.s && p + 1 < l.e && (*p == '.' || *p == ')') && p[1] == ' ')
		return (size_t)(p - l.s) + 2;
	return 0;
}

static int block_start(line l)
{
	return blank(l) || *l.s == '#' || *l.s == '<' || *l.s == '|' || *l.s == '>' || fence(l) ||
	       list_marker(l) || starts(l.s, l.e, "---");
}

/* Paragraph text (Markdown or HTML) to out, wrapped with the prefixes. */
static void para(ll_html_buf *out, const char *s, size_t n, int html, const char *first, const char *rest)
{
	ll_html_buf t;
	ll_html_buf_init(&t);
	ll_md_inline(&t, s, n, html, 0);
	if (t.oom)
		out->oom = 1;
	else
		ll_md_wrap(out, t.s ? t.s : "", LL_MD_WIDTH, first, rest);
	ll_html_buf_free(&t);
}

enum { MAX_COLS = 24 };

typedef struct cell {
	ll_html_buf text;
	int num;
} cell;

/* A <div class="tbl"><table> block [s, e) as a pipe table. */
static void table(ll_html_buf *out, const char *s, const char *e)
{
	const char *cap = find(s, e, "<caption>");
	if (cap) {
		const char *ce = find(cap, e, "</caption>");
		if (ce) {
			ll_html_buf t;
			ll_html_buf_init(&t);
			put(&t, "**");
			ll_md_inline(&t, cap + 9, (size_t)(ce - cap - 9), 1, 0);
			put(&t, "**");
			if (t.oom)
				out->oom = 1;
			else
				ll_md_wrap(out, t.s, LL_MD_WIDTH, "", "");
			put(out, "\n");
			ll_html_buf_free(&t);
		}
	}
	/* rows of cells; the first row is the header */
	size_t rows = 0, cap_rows = 16, ncols = 0;
	cell *cells = ll_calloc(cap_rows * MAX_COLS, sizeof *cells);
	int *chosen = ll_calloc(cap_rows, sizeof *chosen);
	int *num = ll_calloc(MAX_COLS, sizeof *num);
	if (!cells || !chosen || !num) {
		out->oom = 1;
		goto done;
	}
	for (const char *tr = find(s, e, "<tr"); tr; tr = find(tr + 3, e, "<tr")) {
		const char *tre = find(tr, e, "</tr>");
		if (!tre)
			break;
		if (rows == cap_rows) {
			cell *nc = ll_realloc(cells, 2 * cap_rows * MAX_COLS * sizeof *cells);
			int *nch = nc ? ll_realloc(chosen, 2 * cap_rows * sizeof *chosen) : NULL;
			if (nc)
				cells = nc;
			if (nch)
				chosen = nch;
			if (!nc || !nch) {
				out->oom = 1;
				goto done;
			}
			memset(cells + cap_rows * MAX_COLS, 0, cap_rows * MAX_COLS * sizeof *cells);
			memset(chosen + cap_rows, 0, cap_rows * sizeof *chosen);
			cap_rows *= 2;
		}
		const char *trgt = memchr(tr, '>', (size_t)(tre - tr));
		chosen[rows] = trgt && find(tr, trgt, "chosen") != NULL;
		size_t c = 0;
		for (const char *td = tr; c < MAX_COLS;) {
			const char *a = find(td, tre, "<td"), *b = find(td, tre, "<th");
			const char *open = a && (!b || a < b) ? a : b;
			if (!open)
				break;
			const char *gt = memchr(open, '>', (size_t)(tre - open));
			if (!gt)
				break;
			const char *close = find(gt, tre, open[2] == 'd' ? "</td>" : "</th>");
			if (!close)
				break;
			cell *ce = &cells[rows * MAX_COLS + c];
			ce->num = find(open, gt, "num") != NULL;
			ll_md_inline(&ce->text, gt + 1, (size_t)(close - gt - 1), 1, 1);
			if (ce->text.oom)
				out->oom = 1;
			if (rows == 0)
				num[c] = ce->num;
			c++;
			td = close + 5;
		}
		if (c > ncols)
			ncols = c;
		rows++;
	}
	if (rows == 0 || ncols == 0)
		goto done;
	size_t width[MAX_COLS];
	for (size_t c = 0; c < ncols; c++) {
		width[c] = 3;
		for (size_t r = 0; r < rows; r++) {
			cell *ce = &cells[r * MAX_COLS + c];
			size_t w = u8cols(ce->text.s ? ce->text.s : "", ce->text.len) + (chosen[r] && ce->text.len ? 4 : 0);
			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			cell *ce = &cells[r * MAX_COLS + c];
			const char *t = ce->text.s ? ce->text.s : "";
			int bold = chosen[r] && ce->text.len;
			size_t w = u8cols(t, ce->text.len) + (bold ? 4 : 0);
			put(out, c ? " " : "| ");
			if (num[c] && r > 0)
				for (size_t k = w; k < width[c]; k++)
					put(out, " ");
			if (bold)
				put(out, "**");
			put(out, t);
			if (bold)
				put(out, "**");
			if (!(num[c] && r > 0))
				for (size_t k = w; k < width[c]; k++)
					put(out, " ");
			put(out, " |");
		}
		put(out, "\n");
		if (r == 0) {
			for (size_t c = 0; c < ncols; c++) {
				put(out, c ? " " : "| ");
				for (size_t k = 0; k + (num[c] ? 1 : 0) < width[c]; k++)
					put(out, "-");
				put(out, num[c] ? ": |" : " |");
			}
			put(out, "\n");
		}
	}
	put(out, "\n");
done:
	if (cells)
		for (size_t i = 0; i < cap_rows * MAX_COLS; i++)
			ll_html_buf_free(&cells[i].text);
	ll_free(cells);
	ll_free(chosen);
	ll_free(num);
}

/* the value of attribute attr="..." inside [s, e), entities decoded */
static void attr(ll_html_buf *out, const char *s, const char *e, const char *attrq)
{
	const char *a = find(s, e, attrq);
	if (!a)
		return;
	a += strlen(attrq);
	const char *q = memchr(a, '"', (size_t)(e - a));
	if (q)
		ll_md_inline(out, a, (size_t)(q - a), 1, 0);
}

/* A <figure> block [s, e): the image, then its caption. */
static void figure(ll_html_buf *out, const char *s, const char *e)
{
	const char *img = find(s, e, "<img ");
	if (img) {
		const char *gt = memchr(img, '>', (size_t)(e - img));
		if (gt) {
			put(out, "![");
			attr(out, img, gt, "alt=\"");
			put(out, "](");
			const char *a = find(img, gt, "src=\"");
			const char *q = a ? memchr(a + 5, '"', (size_t)(gt - a - 5)) : NULL;
			if (q)
				putn(out, a + 5, (size_t)(q - a - 5));
			put(out, ")\n\n");
		}
	}
	const char *cap = find(s, e, "<figcaption>");
	const char *ce = cap ? find(cap, e, "</figcaption>") : NULL;
	if (ce) {
		para(out, cap + 12, (size_t)(ce - cap - 12), 1, "", "");
		put(out, "\n");
	}
}

/* Skip an HTML block that is not ours from line i: to the line that
 * closes it (<script>, <style>, <pre>, <!--) or to a blank line. */
static size_t skip_html(const line *L, size_t n, size_t i)
{
	static const char *const closers[][2] = {
		{"<script", "</script>"}, {"<style", "</style>"}, {"<pre", "</pre>"},
		{"<textarea", "</textarea>"}, {"<!--", "-->"},
	};
	for (size_t k = 0; k < sizeof closers / sizeof closers[0]; k++)
		if (starts(L[i].s, L[i].e, closers[k][0])) {
			for (; i < n; i++)
				if (find(L[i].s, L[i].e, closers[k][1]))
					return i + 1;
			return n;
		}
	while (i < n && !blank(L[i]))
		i++;
	return i;
}

/* the lines from i to the first whose text holds close (inclusive) */
static size_t block_to(const line *L, size_t n, size_t i, const char *close)
{
	for (size_t j = i; j < n; j++)
		if (find(L[j].s, L[j].e, close))
			return j + 1;
	return n;
}

static void convert(ll_html_buf *out, const line *L, size_t n)
{
	size_t i = 0;
	while (i < n) {
		line l = L[i];
		size_t fl = fence(l);
		if (fl) { /* fenced code: verbatim to a closing fence at least as long */
			size_t j = i + 1;
			while (j < n && !(fence(L[j]) >= fl && *L[j].s == *l.s && blank((line){L[j].s + fence(L[j]), L[j].e})))
				j++;
			for (size_t k = i; k <= j && k < n; k++) {
				putn(out, L[k].s, (size_t)(L[k].e - L[k].s));
				put(out, "\n");
			}
			put(out, "\n");
			i = j + 1;
			continue;
		}
		if (blank(l)) {
			i++;
			continue;
		}
		if (*l.s == '#') {
			char id[64];
			const char *t = heading_text(l.s, l.e, id, sizeof id), *h = l.s;
			while (*h == '#')
				h++;
			putn(out, l.s, (size_t)(h - l.s));
			put(out, " ");
			ll_md_inline(out, t, (size_t)(l.e - t), 0, 0);
			put(out, "\n\n");
			i++;
			continue;
		}
		if (starts(l.s, l.e, "<div class=\"tbl\">")) {
			size_t j = block_to(L, n, i, "</table>");
			table(out, l.s, L[j - 1].e);
			i = j;
			continue;
		}
		if (starts(l.s, l.e, "<figure")) {
			size_t j = block_to(L, n, i, "</figure>");
			figure(out, l.s, L[j - 1].e);
			i = j;
			continue;
		}
		if (starts(l.s, l.e, "<p")) {
			size_t j = block_to(L, n, i, "</p>");
			const char *gt = memchr(l.s, '>', (size_t)(l.e - l.s));
			const char *end = find(l.s, L[j - 1].e, "</p>");
			if (gt && end) {
				int note = find(l.s, gt, "note") != NULL;
				para(out, gt + 1, (size_t)(end - gt - 1), 1, note ? "> " : "", note ? "> " : "");
				put(out, "\n");
			}
			i = j;
			continue;
		}
		if (starts(l.s, l.e, "<summary>")) {
			const char *end = find(l.s, l.e, "</summary>");
			if (end) {
				put(out, "**");
				ll_md_inline(out, l.s + 9, (size_t)(end - l.s - 9), 1, 0);
				put(out, "**\n\n");
			}
			i++;
			continue;
		}
		if (starts(l.s, l.e, "<nav") || starts(l.s, l.e, "</nav") || starts(l.s, l.e, "<details") ||
		    starts(l.s, l.e, "</details")) {
			i++;
			continue;
		}
		if (*l.s == '<') {
			i = skip_html(L, n, i);
			continue;
		}
		if (*l.s == '|' || starts(l.s, l.e, "---")) { /* a pipe table or a rule: as it is */
			for (; i < n && !blank(L[i]); i++) {
				putn(out, L[i].s, (size_t)(L[i].e - L[i].s));
				put(out, "\n");
			}
			put(out, "\n");
			continue;
		}
		/* a list item, a quote or a paragraph, with its continuation lines */
		size_t mk = list_marker(l);
		int quote = *l.s == '>';
		const char *s = l.s + mk + (quote ? 1 : 0);
		size_t j = i + 1;
		while (j < n && !block_start(L[j]))
			j++;
		char first[16], rest[16];
		if (mk) {
			snprintf(first, sizeof first, "%.*s", (int)mk, l.s);
			snprintf(rest, sizeof rest, "%*s", (int)mk, "");
		} else {
			snprintf(first, sizeof first, "%s", quote ? "> " : "");
			snprintf(rest, sizeof rest, "%s", first);
		}
		para(out, s, (size_t)(L[j - 1].e - s), 0, first, rest);
		i = j;
		/* the items of a list stay together; anything else ends with a blank line */
		if (!(mk && i < n && list_marker(L[i])))
			put(out, "\n");
	}
}

/* Every "](#id)" outside code to GitHub's id of the heading, or to the
 * PNG of figure fig-NAME. */
static void relink(ll_html_buf *out, const char *s, size_t len, const md_ctx *cx)
{
	const char *p = s, *end = s + len;
	size_t fl = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		line l = {p, le};
		size_t f = fence(l);
		if (fl) {
			if (f >= fl)
				fl = 0;
		} else if (f) {
			fl = f;
		}
		const char *q = p;
		while (!fl && !f && (q = find(q, le, "](#")) != NULL) {
			const char *close = memchr(q, ')', (size_t)(le - q));
			if (!close)
				break;
			putn(out, p, (size_t)(q - p) + 2);
			const char *id = q + 3;
			size_t idn = (size_t)(close - id);
			int done = 0;
			for (size_t k = 0; k < cx->nid && !done; k++)
				if (strlen(cx->id[k]) == idn && !memcmp(cx->id[k], id, idn)) {
					put(out, "#");
					put(out, cx->slug[k]);
					done = 1;
				}
			if (!done && idn > 4 && !memcmp(id, "fig-", 4)) {
				put(out, "figures/");
				putn(out, id + 4, idn - 4);
				put(out, ".png");
				done = 1;
			}
			if (!done)
				putn(out, id - 1, idn + 1);
			p = close;
			q = close;
		}
		putn(out, p, (size_t)(le - p) + (nl ? 1 : 0));
		p = nl ? nl + 1 : end;
	}
}

void ll_md_from_report(ll_html_buf *out, const char *src, size_t len)
{
	size_t n = 1;
	for (size_t i = 0; i < len; i++)
		n += src[i] == '\n';
	line *L = ll_malloc_array(n, sizeof *L);
	md_ctx *cx = ll_calloc(1, sizeof *cx);
	ll_html_buf tmp, pre;
	ll_html_buf_init(&tmp);
	ll_html_buf_init(&pre);
	if (!L || !cx) {
		out->oom = 1;
		goto done;
	}
	size_t k = 0;
	for (const char *p = src, *end = src + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		L[k].s = p;
		L[k++].e = nl ? nl : end;
		p = nl ? nl + 1 : end;
	}
	/* the headings' anchors and GitHub's ids for them (a repeat gets -1, -2) */
	size_t fl = 0;
	for (size_t i = 0; i < k && cx->nid < MAX_IDS; i++) {
		size_t f = fence(L[i]);
		if (fl || f) {
			fl = fl ? (f >= fl ? 0 : fl) : f;
			continue;
		}
		if (L[i].s == L[i].e || *L[i].s != '#')
			continue;
		char id[64], text[256], slug[128];
		const char *t = heading_text(L[i].s, L[i].e, id, sizeof id);
		size_t tn = 0;
		for (; t < L[i].e && tn + 1 < sizeof text; t++)
			if (*t != '\\')
				text[tn++] = *t;
		text[tn] = '\0';
		ll_md_slug(text, slug, sizeof slug);
		size_t same = 0;
		for (size_t j = 0; j < cx->nid; j++)
			same += !strcmp(cx->base[j], slug);
		snprintf(cx->base[cx->nid], sizeof cx->base[0], "%s", slug);
		if (same)
			snprintf(cx->slug[cx->nid], sizeof cx->slug[0], "%.100s-%zu", slug, same);
		else
			snprintf(cx->slug[cx->nid], sizeof cx->slug[0], "%s", slug);
		snprintf(cx->id[cx->nid++], sizeof cx->id[0], "%s", id[0] ? id : "");
	}
	/* the links in Markdown first, so the wrapping sees their final
	 * length; then those the conversion made from <a href> */
	relink(&pre, src, len, cx);
	if (pre.oom) {
		out->oom = 1;
		goto done;
	}
	k = 0;
	for (const char *p = pre.s, *end = pre.s + pre.len; p && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (k == n) /* relinking adds no line */
			break;
		L[k].s = p;
		L[k++].e = nl ? nl : end;
		p = nl ? nl + 1 : end;
	}
	convert(&tmp, L, k);
	if (tmp.oom)
		out->oom = 1;
	else
		relink(out, tmp.s ? tmp.s : "", tmp.len, cx);
done:
	ll_free(L);
	ll_free(cx);
	ll_html_buf_free(&tmp);
	ll_html_buf_free(&pre);
}
