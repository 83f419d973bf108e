/* The report's HTML-only parts: JSON for a <script> block (quotes,
 * backslashes, control characters, and < > & so that no "</script" or
 * "<!--" can end the block early; non-finite numbers as null), the 3-D
 * view's fragment (canvas, data block, script, hidden until it runs), and
 * a fragment spliced into the rendered page where report.md holds its
 * placeholder -- report.md itself never holding the fragment. */
#include "ll_doc.h"
#include "ll_html.h"
#include "ll_test.h"

#include <math.h>
#include <string.h>

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_json(void)
{
	ll_html_buf b;
	ll_html_buf_init(&b);
	ll_html_json_str(&b, "a\"b\\c</script><!--&\n\x01\xc3\xa9");
	LL_CHECK_STR(b.s, "\"a\\\"b\\\\c\\u003c/script\\u003e\\u003c!--\\u0026\\u000a\\u0001\xc3\xa9\"");
	ll_html_buf_free(&b);
	ll_html_json_str(&b, "");
	LL_CHECK_STR(b.s, "\"\"");
	ll_html_buf_free(&b);
	const double v[] = {1.5, -2e-7, 123456789.0, NAN, INFINITY, -INFINITY, 0};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		ll_html_json_num(&b, v[i]);
		ll_html_buf_putn(&b, ",", 1);
	}
	LL_CHECK_STR(b.s, "1.5,-2e-07,1.23457e+08,null,null,null,0,");
	ll_html_buf_free(&b);
}

static void test_view3d(void)
{
	ll_html_buf b;
	ll_html_buf_init(&b);
	const char *json = "{\"axes\":[\"a\",\"b\",\"c\"],\"tlabel\":\"t\",\"t\":[0,1],"
			   "\"paths\":[{\"label\":\"x\\u003c/script\",\"color\":\"#0072b2\",\"xyz\":[0,0,0,1,1,1]}]}";
	ll_html_view3d(&b, "v<1>", "aria \"x\"", "<b>Figure 2 in 3-D.</b>", json, strlen(json));
	LL_CHECK(!b.oom && b.s);
	LL_CHECK(!strncmp(b.s, "<figure class=\"view3d\" id=\"v&lt;1&gt;\" hidden>", 46));
	LL_CHECK_CONTAINS(b.s, "<canvas width=");
	LL_CHECK_CONTAINS(b.s, "aria-label=\"aria &quot;x&quot;\"");
	LL_CHECK_CONTAINS(b.s, "<figcaption><b>Figure 2 in 3-D.</b></figcaption>");
	const char *data = strstr(b.s, "<script type=\"application/json\" class=\"v3-data\">");
	LL_CHECK(data && !strncmp(strchr(data, '>') + 1, json, strlen(json)));
	/* the data block and the script each end once, at their own tags:
	 * neither the JSON nor the viewer's code holds "</" */
	LL_CHECK_INT(count(b.s, "</script>"), 2);
	/* div canvas output b figcaption script script figure */
	LL_CHECK_INT(count(b.s, "</"), 8);
	LL_CHECK_INT(count(b.s, "<!--"), 0);
	LL_CHECK(strstr(b.s, "</script>\n</figure>\n") == b.s + b.len - 20);
	/* nothing fetched: no URL in the fragment */
	LL_CHECK(!strstr(b.s, "http:") && !strstr(b.s, "https:") && !strstr(b.s, "//cdn"));
	ll_html_buf_free(&b);
}

/* doc_html_only: report.md gets the placeholder, the page the fragment */
static void test_splice(void)
{
	doc d;
	memset(&d, 0, sizeof d);
	ll_html_buf_init(&d.md);
	ll_err e = {0};
	doc_put(&d, "# T\n\ntext before\n\n");
	ll_html_buf *h = doc_html_only(&d);
	LL_CHECK(h != NULL);
	if (h)
		ll_html_buf_puts(h, "<canvas id=\"one\"></canvas>\n\n<script>if (a<b) x();</script>\n");
	doc_put(&d, "text between\n\n");
	h = doc_html_only(&d);
	if (h)
		ll_html_buf_puts(h, "<canvas id=\"two\"></canvas>\n");
	doc_put(&d, "text after\n");
	LL_CHECK(!strstr(d.md.s, "<canvas") && count(d.md.s, "<!-- latentlab: html only ") == 2);

	ll_html_buf page, out;
	ll_html_buf_init(&page);
	ll_html_buf_init(&out);
	LL_CHECK_INT(ll_html_page(&page, d.md.s, d.md.len, "T", "gen", &e), LL_OK);
	ll_html_buf_putn(&out, page.s, page.len);
	LL_CHECK_INT(doc_splice_html_only(&d, &out, &e), LL_OK);
	const char *before = strstr(out.s, "text before"), *one = strstr(out.s, "<canvas id=\"one\">"),
		   *between = strstr(out.s, "text between"), *two = strstr(out.s, "<canvas id=\"two\">"),
		   *after = strstr(out.s, "text after");
	LL_CHECK(before && one && between && two && after);
	LL_CHECK(before < one && one < between && between < two && two < after);
	/* verbatim: cmark never saw it (a blank line, "<" unescaped) */
	LL_CHECK_CONTAINS(out.s, "</canvas>\n\n<script>if (a<b) x();</script>\n");
	LL_CHECK(!strstr(out.s, "html only"));
	ll_html_buf_free(&out);

	/* a placeholder lost on the way is an error, not a silent gap; the
	 * page is left as it was */
	char *mark = strstr(page.s, "<!-- latentlab: html only 1 (");
	LL_CHECK(mark != NULL);
	if (mark)
		mark[5] = 'X';
	ll_html_buf_init(&out);
	ll_html_buf_putn(&out, page.s, page.len);
	LL_CHECK_INT(doc_splice_html_only(&d, &out, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "placeholder 1 missing");
	LL_CHECK(out.len == page.len && !memcmp(out.s, page.s, page.len));
	ll_html_buf_free(&out);

	/* a bounded number of fragments */
	while (d.nhtml_only < LL_DOC_MAX_HTML_ONLY)
		LL_CHECK(doc_html_only(&d) != NULL);
	size_t len = d.md.len;
	LL_CHECK(doc_html_only(&d) == NULL && d.md.len == len);

	ll_html_buf_free(&page);
	doc_html_only_free(&d);
	ll_html_buf_free(&d.md);
}

int main(void)
{
	LL_RUN(test_json);
	LL_RUN(test_view3d);
	LL_RUN(test_splice);
	return ll_test_done();
}
