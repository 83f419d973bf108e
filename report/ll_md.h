/*
 * ll_md.h - report.md for reading in a terminal, made from the report's
 * source: the CommonMark-with-raw-HTML text the sections write, which
 * cmark renders as report.html.
 *
 * The source keeps its raw HTML (tables with numeric columns and the
 * chosen row marked, figures with anchors and zoom links, <details>),
 * because plain cmark, which renders the page, has no pipe tables and no
 * heading ids.  This file turns the few HTML shapes the report writers
 * make (ll_doc.c) into plain GitHub-flavoured Markdown:
 *
 *  - <div class="tbl"><table> blocks become pipe tables with padded
 *    columns (numeric columns right-aligned, the chosen row in bold, the
 *    caption as a bold line above);
 *  - <figure> blocks become an image and a "**Figure N:** caption"
 *    paragraph;
 *  - <p class="note"> becomes a "> " quote, other <p> a paragraph;
 *    <nav>, <details> and <a id> anchors go, <summary> becomes a bold line;
 *  - inline <b>, <i>, <code>, <sub>, <sup>, <a href> become Markdown
 *    (**, *, `, _x, ^x, [t](u)); entities become UTF-8 characters;
 *  - other raw HTML blocks (the HTML's own additions) are left out;
 *  - links to a heading's anchor (#id) point to the id GitHub derives from
 *    the heading text, links to a figure (#fig-NAME) to its PNG;
 *  - paragraphs, list items and quotes are wrapped at LL_MD_WIDTH columns
 *    (never inside fenced code or tables; a line never starts with a word
 *    that Markdown would read as a list marker, heading or quote).
 *
 * Code blocks pass through byte for byte.  The result holds no raw HTML.
 */
#ifndef LL_MD_H
#define LL_MD_H

#include <stddef.h>

#include "ll_html.h"

/* the column the paragraphs wrap at */
#define LL_MD_WIDTH 80

/* Append the terminal Markdown of src (len bytes) to out.  Errors only as
 * out's oom flag. */
void ll_md_from_report(ll_html_buf *out, const char *src, size_t len);

/* Append text (one paragraph, spaces and newlines between words) wrapped
 * at width columns: the first line starts with first, the others with
 * rest (e.g. "- " and "  "); ends with a newline.  Widths count UTF-8
 * characters.  A word longer than a line stands alone on its line. */
void ll_md_wrap(ll_html_buf *out, const char *text, size_t width, const char *first, const char *rest);

/* Inline HTML to Markdown: entities to UTF-8, <b> <i> <code> <sub> <sup>
 * <a href> <br> to Markdown, other tags dropped.  html: src is HTML text
 * (Markdown's own characters in it are escaped); else src is Markdown
 * (copied, its code spans and backslash escapes untouched).  pipe: also
 * escape | (a table cell). */
void ll_md_inline(ll_html_buf *out, const char *src, size_t len, int html, int pipe);

/* The id GitHub gives a heading with this text ("1. Session" ->
 * "1-session"), into buf. */
void ll_md_slug(const char *text, char *buf, size_t n);

#endif
