/*
 * ll_doc.h - the report being written: its Markdown text, its figures, and
 * the small writers every section uses.
 *
 * Naming: everything here starts with doc_ (the type is doc); the writers
 * take the doc first.  They are internal to libllreport (the sections and
 * the dispatcher in ll_report.c), not an API for the rest of latentlab.
 *
 * Ownership: a doc owns its Markdown buffer and its figures (each figure
 * with its PNG bytes); ll_report_session creates and frees it.  The session
 * is borrowed and only read.
 *
 * Nothing here fails: text goes into an ll_html_buf whose oom flag is
 * sticky, and the dispatcher checks it once, at the end (ll_html_buf_ok).
 * User text (names, paths, labels) always goes through doc_md_text (prose)
 * or doc_html_text (inside raw HTML: tables, figures), never doc_put.
 */
#ifndef LL_DOC_H
#define LL_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "ll_figs.h"
#include "ll_html.h"
#include "ll_section.h"
#include "pipeline/ll_session.h"
#include "tensor/ll_tensor.h"

/* what a table cell shows for no number (NaN, infinite, not known) */
#define DOC_NA "&ndash;"

typedef struct doc_fig {
	ll_report_fig f;
	uint8_t *png;
	size_t png_len;
	int number; /* Figure N in the text, 0 until placed */
} doc_fig;

/* HTML-only fragments one report may place (doc_html_only) */
#define LL_DOC_MAX_HTML_ONLY 8

typedef struct doc {
	ll_session *s;
	ll_html_buf md;
	/* HTML-only fragments (doc_html_only), in the order placed */
	ll_html_buf html_only[LL_DOC_MAX_HTML_ONLY];
	size_t nhtml_only;
	doc_fig figs[LL_REPORT_MAX_FIGS]; /* in the order of ll_sections[] */
	size_t nfigs;
	int next_number;  /* the number of the last figure placed */
	char name[128];   /* session name */
	char title[256];  /* report title */
	const char *command; /* the command line that ran it (quoted), or NULL */
	unsigned refs_listed; /* the references the References section lists (a bit each) */
	ll_err fail;      /* the first failure of a computation in a section */
	const char *outdir; /* where the report goes: paths are shown from there */
} doc;

/* A section's computation failed (e.g. out of memory while summarising):
 * the report must not be written without it.  Keeps the first failure;
 * the dispatcher returns it once the sections are written. */
void doc_fail(doc *d, int code, const char *what);

/* ---- text (trusted Markdown/HTML, or escaped user text) ---- */
void doc_put(doc *d, const char *s);
void doc_putf(doc *d, const char *fmt, ...) /* at most 1023 bytes per call */
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
void doc_md_text(doc *d, const char *s);   /* user text in Markdown prose */
/* path as the report shows it (doc_md_path): from the report's folder,
 * or the file's name when that way climbs to /; a new string the caller
 * frees, NULL when out of memory. */
char *doc_path_shown(doc *d, const char *path);
/* a file's path (absolute, or relative to the working directory) as seen
 * from the report's folder, so a mailed or archived report names no
 * machine's folders: "../examples/data" */
void doc_md_path(doc *d, const char *path);
/* the same for step k's path parameter key (relative to the session file) */
void doc_md_param_path(doc *d, ll_step_kind k, const char *key);
void doc_html_text(doc *d, const char *s); /* user text in raw HTML */
/* a fenced code block holding text verbatim */
void doc_code(doc *d, const char *info, const char *text);
/* "## <a id="ID"></a>TEXT" (level #'s), text escaped */
void doc_heading(doc *d, int level, const char *id, const char *text);
/* v with printf format fmt, or DOC_NA when not finite */
void doc_fmt_num(char *buf, size_t n, double v, const char *fmt);
/* "30 x 10 x 64 (model x digit x unit)" */
void doc_shape_text(const ll_tensor *t, const ll_mode_info *modes, char *buf, size_t n);
/* t (Unix time) as "2026-12-04T10:00:00Z", or "(not run)" for t <= 0 */
void doc_iso_date(long long t, char *buf, size_t n);

/* ---- tables: raw HTML blocks (no blank line may occur inside) ---- */
void doc_tbl_begin(doc *d, const char *caption); /* caption may be NULL */
/* header cells separated by '|'; a leading '#' marks a numeric column */
void doc_tbl_head(doc *d, const char *cols);
void doc_tr_begin(doc *d, int chosen); /* chosen: the row is highlighted */
void doc_td(doc *d, const char *text);      /* escaped text */
void doc_td_html(doc *d, const char *html); /* trusted HTML (entities, <code>) */
void doc_td_num(doc *d, double v, const char *fmt);
void doc_td_size(doc *d, size_t v);
void doc_td_num_text(doc *d, const char *text); /* escaped text, a numeric cell */
void doc_td_code(doc *d, const char *text);     /* escaped text as code */
void doc_tr_end(doc *d);
void doc_tbl_end(doc *d);

/* A fold in the HTML (<details>, closed, summary escaped) around what
 * follows until doc_details_end; report.md shows the summary as a bold
 * line and the content open. */
void doc_details_begin(doc *d, const char *summary);
void doc_details_end(doc *d);

/* ---- session facts ---- */
const char *doc_param(const doc *d, ll_step_kind k, const char *key); /* "" if unset */
int doc_step_done(const doc *d, ll_step_kind k);
int doc_step_present(const doc *d, ll_step_kind k);
/* If step k is not done, write a note saying so (with the error of a
 * failed step) and return 1; else write nothing and return 0. */
int doc_not_run(doc *d, ll_step_kind k);

/* ---- references (sections/sec_references.c) ---- */
/* If a citation ("Williams et al. 2018") of a reference the References
 * section listed starts at p: its length, *key its anchor's key
 * (ref-<key>); else 0. */
size_t doc_ref_at(const doc *d, const char *p, const char **key);

/* ---- figures ---- */
doc_fig *doc_find_fig(doc *d, const char *name); /* NULL if not built */
/* The <figure> of figure name: image, size, caption (trusted HTML) and
 * CSV link; numbers it.  Nothing if the figure was not built. */
void doc_place_fig(doc *d, const char *name, const char *alt, const char *caption_html);

/* ---- HTML only ---- */
/* A fragment report.html shows at this point and report.md does not (an
 * interactive view with its script): report.md gets a placeholder, an HTML
 * comment in a block of its own, and the fragment written into the
 * returned buffer replaces it in the page cmark renders (so cmark never
 * parses the fragment, and GitHub shows nothing for it).  NULL, and
 * nothing placed, once LL_DOC_MAX_HTML_ONLY are. */
ll_html_buf *doc_html_only(doc *d);
/* The rendered page with every placeholder replaced by its fragment, in
 * place (ll_report.c): LL_OK; LL_ENOMEM or LL_EINVAL (a placeholder
 * missing), page unchanged. */
int doc_splice_html_only(const doc *d, ll_html_buf *page, ll_err *err);
/* frees the fragments (ll_report.c) */
void doc_html_only_free(doc *d);

#endif
