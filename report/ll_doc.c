/* The report being written and its writers (see ll_doc.h). */
#include "ll_doc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/ll_fs.h"

void doc_put(doc *d, const char *s)
{
	ll_html_buf_puts(&d->md, s);
}

void doc_putf(doc *d, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ll_html_buf_puts(&d->md, buf);
}

void doc_md_text(doc *d, const char *s)
{
	ll_html_md_text(&d->md, s);
}

char *doc_path_shown(doc *d, const char *path)
{
	if (!path || !*path || !d->outdir)
		return ll_strdup(path ? path : "");
	char *rel = ll_path_rel(path, d->outdir), *top = ll_path_rel(d->outdir, "/");
	if (!rel || !top) {
		ll_free(rel);
		ll_free(top);
		return NULL;
	}
	/* a way from OUTDIR that climbs to the root names the machine's
	 * folders all the same: then the path as given if it is relative,
	 * else the file's name */
	size_t ups = 0, depth = 1;
	for (const char *p = rel;; p += 3) {
		if (strncmp(p, "../", 3) != 0) {
			ups += !strcmp(p, "..");
			break;
		}
		ups++;
	}
	for (const char *p = top; *p; p++)
		depth += *p == '/';
	char *show = rel;
	if (ups >= depth) {
		show = ll_strdup(path[0] != '/' ? path : strrchr(path, '/') + 1);
		ll_free(rel);
	}
	ll_free(top);
	return show;
}

void doc_md_path(doc *d, const char *path)
{
	char *show = doc_path_shown(d, path);
	if (!show) {
		/* out of memory (or no working directory, which a run that got
		 * this far has): the report must not go out without it */
		doc_fail(d, LL_ENOMEM, "a path");
		return;
	}
	ll_html_md_text(&d->md, show);
	ll_free(show);
}

void doc_md_param_path(doc *d, ll_step_kind k, const char *key)
{
	char *p = ll_session_get_path(d->s, k, key);
	if (!p) {
		doc_fail(d, LL_ENOMEM, key);
		return;
	}
	doc_md_path(d, p);
	ll_free(p);
}

void doc_html_text(doc *d, const char *s)
{
	ll_html_text(&d->md, s);
}

void doc_code(doc *d, const char *info, const char *text)
{
	ll_html_md_code(&d->md, info, text);
}

void doc_heading(doc *d, int level, const char *id, const char *text)
{
	for (int i = 0; i < level; i++)
		doc_put(d, "#");
	doc_putf(d, " <a id=\"%s\"></a>", id);
	doc_md_text(d, text);
	doc_put(d, "\n\n");
}

void doc_fmt_num(char *buf, size_t n, double v, const char *fmt)
{
	if (isfinite(v))
		snprintf(buf, n, fmt, v);
	else
		snprintf(buf, n, "%s", DOC_NA);
}

/* ---- tables (raw HTML blocks: no blank line may occur inside) ------------- */

void doc_tbl_begin(doc *d, const char *caption)
{
	doc_put(d, "<div class=\"tbl\"><table>\n");
	if (caption) {
		doc_put(d, "<caption>");
		doc_html_text(d, caption);
		doc_put(d, "</caption>\n");
	}
}

void doc_tbl_head(doc *d, const char *cols)
{
	doc_put(d, "<thead><tr>");
	const char *p = cols;
	while (*p) {
		const char *e = strchr(p, '|');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int num = *p == '#';
		char cell[128];
		snprintf(cell, sizeof cell, "%.*s", (int)(n - (size_t)num), p + num);
		doc_put(d, num ? "<th class=\"num\">" : "<th>");
		doc_html_text(d, cell);
		doc_put(d, "</th>");
		p += n + (e ? 1 : 0);
	}
	doc_put(d, "</tr></thead>\n<tbody>\n");
}

void doc_tr_begin(doc *d, int chosen)
{
	doc_put(d, chosen ? "<tr class=\"chosen\">" : "<tr>");
}

void doc_td(doc *d, const char *text)
{
	doc_put(d, "<td>");
	doc_html_text(d, text);
	doc_put(d, "</td>");
}

void doc_td_html(doc *d, const char *html)
{
	doc_putf(d, "<td>%s</td>", html);
}

void doc_td_num(doc *d, double v, const char *fmt)
{
	char b[64];
	doc_fmt_num(b, sizeof b, v, fmt);
	doc_putf(d, "<td class=\"num\">%s</td>", b);
}

void doc_td_size(doc *d, size_t v)
{
	doc_putf(d, "<td class=\"num\">%zu</td>", v);
}

void doc_td_num_text(doc *d, const char *text)
{
	doc_put(d, "<td class=\"num\">");
	doc_html_text(d, text);
	doc_put(d, "</td>");
}

void doc_td_code(doc *d, const char *text)
{
	doc_put(d, "<td><code>");
	doc_html_text(d, text);
	doc_put(d, "</code></td>");
}

void doc_tr_end(doc *d)
{
	doc_put(d, "</tr>\n");
}

void doc_tbl_end(doc *d)
{
	doc_put(d, "</tbody></table></div>\n\n");
}

void doc_details_begin(doc *d, const char *summary)
{
	doc_put(d, "<details>\n<summary>");
	doc_html_text(d, summary);
	doc_put(d, "</summary>\n\n");
}

void doc_details_end(doc *d)
{
	doc_put(d, "\n</details>\n\n");
}

/* ---- session facts -------------------------------------------------------- */

const char *doc_param(const doc *d, ll_step_kind k, const char *key)
{
	const char *v = ll_session_get(d->s, k, key);
	return v ? v : "";
}

int doc_step_done(const doc *d, ll_step_kind k)
{
	return d->s->state[k] == LL_STATE_DONE;
}

int doc_step_present(const doc *d, ll_step_kind k)
{
	return d->s->state[k] != LL_STATE_ABSENT;
}

void doc_shape_text(const ll_tensor *t, const ll_mode_info *modes, char *buf, size_t n)
{
	buf[0] = '\0';
	for (int m = 0; m < t->nmodes; m++) {
		size_t l = strlen(buf);
		snprintf(buf + l, n - l, "%s%zu", m ? " x " : "", t->dim[m]);
	}
	for (int m = 0; m < t->nmodes; m++) {
		size_t l = strlen(buf);
		snprintf(buf + l, n - l, "%s%s", m ? " x " : " (", modes[m].name);
	}
	if (t->nmodes > 0 && strlen(buf) + 1 < n)
		strcat(buf, ")");
}

void doc_iso_date(long long t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t <= 0 || !gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "(not run)");
}

int doc_not_run(doc *d, ll_step_kind k)
{
	if (doc_step_done(d, k))
		return 0;
	doc_putf(d, "<p class=\"note\">The %s step has not run (state: %s)", ll_step_name(k),
		 ll_step_state_name(d->s->state[k]));
	if (d->s->state[k] == LL_STATE_FAILED) {
		doc_put(d, ": ");
		doc_html_text(d, d->s->status[k]);
	}
	doc_put(d, ".</p>\n\n");
	return 1;
}

/* ---- figures -------------------------------------------------------------- */

doc_fig *doc_find_fig(doc *d, const char *name)
{
	for (size_t i = 0; i < d->nfigs; i++)
		if (!strcmp(d->figs[i].f.name, name))
			return &d->figs[i];
	return NULL;
}

void doc_place_fig(doc *d, const char *name, const char *alt, const char *caption_html)
{
	doc_fig *fo = doc_find_fig(d, name);
	if (!fo)
		return;
	fo->number = ++d->next_number;
	/* The image shows at its layout size (a 2x PNG at half its pixels);
	 * clicking it opens it full size over the page (CSS :target, so the
	 * page stays one self-contained file), "close" or Back returns. */
	int w = ll_report_fig_shown_w(&fo->f), h = ll_report_fig_shown_h(&fo->f);
	doc_putf(d, "<figure id=\"fig-%s\">\n<div class=\"zoom\" id=\"full-%s\"><a class=\"open\" href=\"#full-%s\" "
		    "title=\"full size (%d x %d px)\">", name, name, name, LL_REPORT_PNG_SCALE * w, LL_REPORT_PNG_SCALE * h);
	doc_putf(d, "<img src=\"figures/%s.png\" width=\"%d\" height=\"%d\" alt=\"Figure %d: ", name, w, h,
		 fo->number);
	doc_html_text(d, alt);
	doc_putf(d, "\"></a><a class=\"close\" href=\"#fig-%s\">close</a></div>\n", name);
	doc_putf(d, "<figcaption><b>Figure %d:</b> %s ", fo->number, caption_html);
	doc_putf(d, "Data: <a href=\"figures/%s.csv\" download=\"%s.csv\">%s.csv</a> (%zu rows).</figcaption>\n"
		    "</figure>\n\n", name, name, name, fo->f.csv_rows);
}

void doc_fail(doc *d, int code, const char *what)
{
	if (code != LL_OK && d->fail.code == LL_OK)
		ll_err_set(&d->fail, code, "report: %s: %s", what, ll_strerror(code));
}

/* ---- HTML only ------------------------------------------------------------ */

/* The placeholder of fragment k: no user text can produce it (escaped
 * text never holds "<!--"), and cmark passes an HTML block through as it
 * is (CMARK_OPT_UNSAFE), so the rendered page holds it verbatim. */
#define HTML_ONLY_MARK "<!-- latentlab: html only %zu (report.html shows an interactive view here) -->"

ll_html_buf *doc_html_only(doc *d)
{
	if (d->nhtml_only == LL_DOC_MAX_HTML_ONLY)
		return NULL;
	ll_html_buf *b = &d->html_only[d->nhtml_only];
	ll_html_buf_init(b);
	doc_putf(d, HTML_ONLY_MARK "\n\n", d->nhtml_only);
	d->nhtml_only++;
	return b;
}

int doc_splice_html_only(const doc *d, ll_html_buf *page, ll_err *err)
{
	if (!d->nhtml_only)
		return LL_OK;
	ll_html_buf out;
	ll_html_buf_init(&out);
	const char *p = page->s ? page->s : "";
	for (size_t k = 0; k < d->nhtml_only; k++) {
		char mark[96];
		snprintf(mark, sizeof mark, HTML_ONLY_MARK, k);
		const char *q = strstr(p, mark);
		if (!q) { /* the fragment's placeholder did not survive: a bug */
			ll_html_buf_free(&out);
			return ll_err_set(err, LL_EINVAL, "report.html: placeholder %zu missing", k);
		}
		ll_html_buf_putn(&out, p, (size_t)(q - p));
		if (d->html_only[k].len)
			ll_html_buf_putn(&out, d->html_only[k].s, d->html_only[k].len);
		p = q + strlen(mark);
	}
	ll_html_buf_puts(&out, p);
	for (size_t k = 0; k < d->nhtml_only; k++)
		if (d->html_only[k].oom)
			out.oom = 1;
	int rc = ll_html_buf_ok(&out, "report.html", err);
	if (rc == LL_OK) { /* the page becomes the spliced one */
		ll_html_buf_free(page);
		*page = out;
	} else {
		ll_html_buf_free(&out);
	}
	return rc;
}

void doc_html_only_free(doc *d)
{
	for (size_t k = 0; k < d->nhtml_only; k++)
		ll_html_buf_free(&d->html_only[k]);
	d->nhtml_only = 0;
}
