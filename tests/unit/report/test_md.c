/* Unit tests for report.md's Markdown (ll_md.c): wrapping, inline HTML,
 * pipe tables, the blocks of the report's source, links; and the quoted
 * command line of the report's provenance. */
#include "ll_md.h"
#include "ll_report.h"
#include "ll_test.h"

/* the Markdown of src, as a NUL-terminated string (caller frees) */
static char *md_of(const char *src)
{
	ll_html_buf b;
	ll_html_buf_init(&b);
	ll_md_from_report(&b, src, strlen(src));
	if (!b.s) {
		b.s = ll_malloc(1);
		if (b.s)
			b.s[0] = '\0';
	}
	return b.s;
}

static void test_wrap(void)
{
	/* 40 words of 5-9 letters: every line within 80 columns, no word cut */
	char text[1024] = "", want[1024] = "";
	for (int i = 0; i < 40; i++) {
		char w[16];
		snprintf(w, sizeof w, "%.*s%d", 4 + i % 5, "abcdefghij", i);
		strcat(text, i ? (i % 7 ? " " : "\n") : "");
		strcat(text, w);
		strcat(want, i ? " " : "");
		strcat(want, w);
	}
	ll_html_buf b;
	ll_html_buf_init(&b);
	ll_md_wrap(&b, text, 80, "", "");
	size_t lines = 0, longest = 0, cur = 0;
	for (size_t i = 0; i < b.len; i++) {
		if (b.s[i] == '\n') {
			lines++;
			cur = 0;
		} else if (++cur > longest) {
			longest = cur;
		}
	}
	LL_CHECK(longest <= 80 && longest > 60); /* full lines, none too long */
	LL_CHECK(lines >= 4);
	for (size_t i = 0; i + 1 < b.len; i++) /* the same words in order */
		if (b.s[i] == '\n')
			b.s[i] = ' ';
	b.s[b.len - 1] = '\0';
	LL_CHECK_STR(b.s, want);
	ll_html_buf_free(&b);

	/* a hanging indent for list items; UTF-8 counts as one column */
	ll_html_buf_init(&b);
	ll_md_wrap(&b, "\xce\xb1\xce\xb2\xce\xb3 aaaa bbbb cccc", 13, "- ", "  ");
	LL_CHECK_STR(b.s, "- \xce\xb1\xce\xb2\xce\xb3 aaaa\n  bbbb cccc\n");
	ll_html_buf_free(&b);

	/* a word Markdown would take as a block marker at a line's start
	 * gets a backslash; a code span is never cut */
	ll_html_buf_init(&b);
	ll_md_wrap(&b, "aaaa bbbb - cccc 12. dddd `x y z` e", 9, "", "");
	LL_CHECK_STR(b.s, "aaaa bbbb\n\\- cccc\n12\\. dddd\n`x y z` e\n");
	ll_html_buf_free(&b);
}

static void test_inline(void)
{
	ll_html_buf b;
	ll_html_buf_init(&b);
	const char *h = "<b>x</b> &amp; snake_case *c* _d <code>a&lt;b*</code> W<sub>T</sub> &minus;1 &#8214;"
			" <a href=\"#k\">link</a> a|b [data] x [y](z) [u][v]";
	ll_md_inline(&b, h, strlen(h), 1, 1);
	LL_CHECK_STR(b.s, "**x** & snake_case \\*c\\* \\_d `a<b*` W_T \xe2\x88\x92" "1 \xe2\x80\x96 [link](#k) a\\|b [data] x [y\\](z) [u\\][v]");
	ll_html_buf_free(&b);
	/* Markdown text: escapes and code spans kept, inline HTML converted,
	 * an escaped _ inside a word needs no backslash */
	ll_html_buf_init(&b);
	const char *m = "kruskal\\_align \\<x\\> `a <b>` U<sub>n</sub> &rarr; 5 \\_x";
	ll_md_inline(&b, m, strlen(m), 0, 0);
	LL_CHECK_STR(b.s, "kruskal_align \\<x\\> `a <b>` U_n \xe2\x86\x92 5 \\_x");
	ll_html_buf_free(&b);
}

static void test_table(void)
{
	char *md = md_of("<div class=\"tbl\"><table>\n<caption>Cap &amp; more</caption>\n"
			 "<thead><tr><th>name</th><th class=\"num\">v</th></tr></thead>\n<tbody>\n"
			 "<tr><td>a|b</td><td class=\"num\">1.5</td></tr>\n"
			 "<tr class=\"chosen\"><td>c</td><td class=\"num\">10</td></tr>\n"
			 "<tr><td><code>x</code></td><td>&ndash;</td></tr>\n"
			 "</tbody></table></div>\n\nAfter.\n");
	LL_CHECK_STR(md, "**Cap & more**\n\n"
			 "| name  | v      |\n"
			 "| ----- | -----: |\n"
			 "| a\\|b  |    1.5 |\n"
			 "| **c** | **10** |\n"
			 "| `x`   |      \xe2\x80\x93 |\n"
			 "\n"
			 "After.\n\n");
	ll_free(md);
}

static void test_blocks(void)
{
	char *md = md_of("# T \\<1\\>\n\n<p class=\"meta\">Session <b>s</b> &middot; run</p>\n\n"
			 "<nav class=\"toc\">\n\n**Contents**\n\n1. [Intro](#intro)\n2. [Intro](#again)\n\n</nav>\n\n"
			 "## <a id=\"intro\"></a>1. Intro\n\nSee [Intro](#intro), [F](#fig-a) and [x](#nowhere).\n\n"
			 "### <a id=\"again\"></a>1. Intro\n\n"
			 "<p class=\"note\">Careful &amp; slow.</p>\n\n"
			 "<figure id=\"fig-a\">\n<div class=\"zoom\" id=\"full-a\"><a class=\"open\" href=\"#full-a\">"
			 "<img src=\"figures/a.png\" width=\"10\" height=\"10\" alt=\"Figure 1: a &amp; b\"></a>"
			 "<a class=\"close\" href=\"#fig-a\">close</a></div>\n"
			 "<figcaption><b>Figure 1:</b> Cap. Data: <a href=\"figures/a.csv\" download=\"a.csv\">a.csv</a> "
			 "(3 rows).</figcaption>\n</figure>\n\n"
			 "<details>\n<summary>More</summary>\n\n"
			 "```ini\nx = <b> &amp;\n\n[y](#intro)\n```\n\n</details>\n\n"
			 "<script>\nalert(1)\n\nstill script\n</script>\n"
			 "<canvas id=\"c\"></canvas>\n\n- item one\n- item two\n\nEnd.\n");
	LL_CHECK_STR(md, "# T \\<1\\>\n\n"
			 "Session **s** \xc2\xb7 run\n\n"
			 "**Contents**\n\n1. [Intro](#1-intro)\n2. [Intro](#1-intro-1)\n\n"
			 "## 1. Intro\n\n"
			 "See [Intro](#1-intro), [F](figures/a.png) and [x](#nowhere).\n\n"
			 "### 1. Intro\n\n"
			 "> Careful & slow.\n\n"
			 "![Figure 1: a & b](figures/a.png)\n\n"
			 "**Figure 1:** Cap. Data: [a.csv](figures/a.csv) (3 rows).\n\n"
			 "**More**\n\n"
			 "```ini\nx = <b> &amp;\n\n[y](#intro)\n```\n\n"
			 "- item one\n- item two\n\n"
			 "End.\n\n");
	/* no raw HTML left outside the code block */
	LL_CHECK(!strstr(md, "<p") && !strstr(md, "<script") && !strstr(md, "<canvas") && !strstr(md, "<fig"));
	ll_free(md);
}

static void test_slug(void)
{
	char b[64];
	ll_md_slug("3. Tensor components (TCA)", b, sizeof b);
	LL_CHECK_STR(b, "3-tensor-components-tca");
	ll_md_slug("Rich_lazy - a/b", b, sizeof b);
	LL_CHECK_STR(b, "rich_lazy---ab");
}

static void test_command(void)
{
	char *argv[] = {"run", "my session.lab", "-o", "out/x", "--title=it's", "", "a$b", NULL};
	char *c = ll_report_command(7, argv);
	LL_CHECK_STR(c, "latentlab run 'my session.lab' -o out/x '--title=it'\\''s' '' 'a$b'");
	ll_free(c);
	c = ll_report_command(0, argv);
	LL_CHECK_STR(c, "latentlab");
	ll_free(c);
}

int main(void)
{
	LL_RUN(test_wrap);
	LL_RUN(test_inline);
	LL_RUN(test_table);
	LL_RUN(test_blocks);
	LL_RUN(test_slug);
	LL_RUN(test_command);
	return ll_test_done();
}
