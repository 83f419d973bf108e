/*
 * The literate session report: OUTDIR/figures/ (a PNG and a CSV per figure),
 * OUTDIR/report.md and OUTDIR/report.html.  Every file goes through a
 * temporary name (ll_afile), and all are renamed into place only once every
 * one is written in full (figures first, report.html last), so a failure
 * never leaves a half-written report or figures that do not match it.
 *
 * report.md is CommonMark: prose paragraphs explain what each step did and
 * how to read its figure, followed by its numbers and figures.  Tables and
 * figures are raw HTML blocks (<div class="tbl"><table>, <figure>) inside
 * the Markdown, because plain cmark has no pipe tables; GitHub renders
 * such blocks too.  Every piece of user text (session name, title, mode
 * names, paths, labels) is escaped: for Markdown prose with backslashes,
 * inside HTML blocks as entities.  Headings carry explicit anchors
 * (<a id="...">) since cmark makes no heading ids; the contents list links
 * to them.
 *
 * report.html is report.md rendered by cmark with CMARK_OPT_UNSAFE (raw
 * HTML kept) after every "figures/NAME.png" / "figures/NAME.csv"
 * attribute has been replaced by a base64 data: URI, inside a page with
 * inline CSS: it references nothing outside itself.  A section may add
 * HTML that report.md has not (the interactive 3-D view of the
 * trajectories, with its inline script): report.md holds a placeholder
 * comment, replaced in the rendered page (doc_html_only).
 *
 * Nothing is computed here beyond summaries of stored arrays (means,
 * minima, peaks) and the comparison of stored models with the planted one
 * (ll_kt_similarity).  The report is a pure function of the session: its
 * date is s->started (when the data step ran), never the clock, so
 * rendering a session twice gives the same bytes.
 *
 * This file is the dispatcher: it builds the figures, writes the header,
 * the contents and each section's numbered heading, and writes the files.
 * It knows no section by name: they are descriptors (ll_section.h), each
 * in its file in sections/ with the figures it places, listed in report
 * order in sections/sections.def.  The document and its writers are in
 * ll_doc.c, the figure helpers in ll_figs.c.
 */
#include "config.h"

#include "ll_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_fs.h"
#include "ll_doc.h"
#include "ll_html.h"
#include "ll_md.h"
#include "ll_section.h"

/* ---- the sections ---------------------------------------------------------- */

/* Every section, in report order. */
const ll_section *const ll_sections[LL_NSECTIONS] = {
#define LL_SECTION(name) &ll_section_##name,
#include "sections/sections.def"
#undef LL_SECTION
};

/* The sections in this report, in order, into in[]; returns how many. */
static size_t sections_in(const ll_session *s, const ll_section **in)
{
	size_t n = 0;
	for (size_t i = 0; i < LL_NSECTIONS; i++)
		if (!ll_sections[i]->present || ll_sections[i]->present(s))
			in[n++] = ll_sections[i];
	return n;
}

/* ---- figures -------------------------------------------------------------- */

static int add_fig(doc *d, ll_section_fig_fn build, ll_err *err)
{
	if (d->nfigs == LL_REPORT_MAX_FIGS) /* LL_SECTION_FIGS bounds each section */
		return ll_err_set(err, LL_ENOTSUP, "report: more than %d figures", LL_REPORT_MAX_FIGS);
	doc_fig *fo = &d->figs[d->nfigs];
	memset(fo, 0, sizeof *fo);
	int rc = build(d->s, &fo->f, err);
	d->nfigs++; /* freed with the rest even on failure */
	return rc;
}

/* Build every figure the session has results for (each section's, in
 * section order, when its drawn() holds and the figure's own, if any) and
 * encode its PNG; write_all()
 * writes them with the documents. */
static int make_figures(doc *d, ll_err *err)
{
	int rc = LL_OK;

	for (size_t i = 0; i < LL_NSECTIONS && rc == LL_OK; i++) {
		const ll_section *sec = ll_sections[i];
		if (!sec->nfigs || !sec->drawn(d->s))
			continue;
		for (size_t k = 0; k < sec->nfigs && rc == LL_OK; k++)
			if (!sec->figs[k].drawn || sec->figs[k].drawn(d->s))
				rc = add_fig(d, sec->figs[k].build, err);
	}
	for (size_t i = 0; i < d->nfigs && rc == LL_OK; i++) {
		doc_fig *fo = &d->figs[i];
		ll_png_text meta[3] = {{"Title", fo->f.fig.title},
				       {"Software", "latentlab " PACKAGE_VERSION},
				       {"Session", d->name}};
		rc = ll_plot_encode_png(&fo->f.fig, meta, 3, &fo->png, &fo->png_len, err);
	}
	return rc;
}

/* ---- header and contents ------------------------------------------------ */

static void write_header(doc *d, const ll_section *const *in, size_t n)
{
	ll_session *s = d->s;
	char date[40];
	doc_iso_date(s->started, date, sizeof date);
	doc_put(d, "# ");
	doc_md_text(d, d->title);
	doc_put(d, "\n\n<p class=\"meta\">Session <b>");
	doc_html_text(d, d->name);
	doc_putf(d, "</b> &middot; run %s &middot; latentlab %s</p>\n\n", date, PACKAGE_VERSION);

	/* at a glance */
	doc_put(d, "<p class=\"lead\">This report was written by latentlab from the results of one session. "
		   "Each section explains what a step did and how to read its figures, then gives its "
		   "numbers; the figures' data are in CSV files beside them. At a glance:</p>\n\n");
	for (size_t i = 0; i < n; i++)
		if (in[i]->glance)
			in[i]->glance(d);
	doc_put(d, "\n");
}

static void write_contents(doc *d, const ll_section *const *in, size_t n)
{
	doc_put(d, "<nav class=\"toc\">\n\n**Contents**\n\n");
	for (size_t i = 0; i < n; i++)
		doc_putf(d, "%zu. [%s](#%s)\n", i + 1, in[i]->title, in[i]->id);
	doc_put(d, "\n</nav>\n\n");
}

/* ---- HTML ----------------------------------------------------------------- */

/* The HTML's source: report.md's source with every "Figure N" of the prose
 * a link to that figure's anchor (not inside a tag, a code block or a
 * caption's own "Figure N:"), every citation a link to its reference, and
 * every table of more than DOC_FOLD_ROWS
 * rows folded in a <details> that names it. */
#define DOC_FOLD_ROWS 15
static void html_source(doc *d, ll_html_buf *out)
{
	const char *p = d->md.s, *end = d->md.s + d->md.len;
	int in_tag = 0, bol = 1;
	size_t fence = 0;
	while (p < end) {
		if (bol) { /* fenced code: copied as is */
			size_t f = 0;
			while (p + f < end && p[f] == '`')
				f++;
			if (f >= 3)
				fence = fence ? (f >= fence ? 0 : fence) : f;
			static const char tbl[] = "<div class=\"tbl\"><table>";
			if (!fence && !strncmp(p, tbl, sizeof tbl - 1)) {
				const char *te = strstr(p, "</table></div>");
				size_t rows = 0;
				for (const char *q = p; te && (q = strstr(q, "<tr")) && q < te; q += 3)
					rows++;
				if (te && rows > DOC_FOLD_ROWS + 1) {
					const char *cap = strstr(p, "<caption>"), *ce = cap ? strstr(cap, "</caption>") : NULL;
					ll_html_buf_puts(out, "<details class=\"tbl-fold\"><summary>");
					if (cap && ce && ce < te)
						ll_html_buf_putn(out, cap + 9, (size_t)(ce - cap - 9));
					else
						ll_html_buf_puts(out, "Table");
					ll_html_buf_printf(out, " (%zu rows)</summary>\n", rows - 1);
					te += strlen("</table></div>");
					ll_html_buf_putn(out, p, (size_t)(te - p));
					ll_html_buf_puts(out, "\n</details>");
					p = te;
					bol = 0;
					continue;
				}
			}
		}
		if (fence) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *e = nl ? nl + 1 : end;
			ll_html_buf_putn(out, p, (size_t)(e - p));
			p = e;
			bol = 1;
			continue;
		}
		if (*p == '<')
			in_tag = 1;
		else if (*p == '>')
			in_tag = 0;
		if (!in_tag && !strncmp(p, "Figure ", 7) && p + 7 < end && p[7] >= '0' && p[7] <= '9') {
			char *e;
			long n = strtol(p + 7, &e, 10);
			doc_fig *fo = NULL;
			for (size_t i = 0; i < d->nfigs && !fo; i++)
				if (d->figs[i].number == n)
					fo = &d->figs[i];
			if (fo && *e != ':') {
				ll_html_buf_printf(out, "<a href=\"#fig-%s\">Figure %ld</a>", fo->f.name, n);
				p = e;
				bol = 0;
				continue;
			}
		}
		const char *key;
		size_t cn = in_tag ? 0 : doc_ref_at(d, p, &key);
		if (cn) { /* a citation: linked to its entry under References */
			ll_html_buf_printf(out, "<a href=\"#ref-%s\">", key);
			ll_html_buf_putn(out, p, cn);
			ll_html_buf_puts(out, "</a>");
			p += cn;
			bol = 0;
			continue;
		}
		bol = *p == '\n';
		ll_html_buf_putn(out, p, 1);
		p++;
	}
}


/* report.md with every "figures/NAME.png|csv" attribute value replaced by
 * the file's bytes as a data: URI. */
static int embed(doc *d, const ll_html_buf *src, ll_html_buf *out, ll_err *err)
{
	const char *p = src->s, *end = src->s + src->len;
	static const char pat[] = "\"figures/";
	while (p < end) {
		const char *q = strstr(p, pat);
		if (!q) {
			ll_html_buf_putn(out, p, (size_t)(end - p));
			break;
		}
		ll_html_buf_putn(out, p, (size_t)(q - p));
		const char *nm = q + sizeof pat - 1, *close = strchr(nm, '"');
		const char *dot = close ? memchr(nm, '.', (size_t)(close - nm)) : NULL;
		doc_fig *fo = NULL;
		if (dot && (size_t)(dot - nm) < sizeof fo->f.name) {
			char name[sizeof fo->f.name];
			snprintf(name, sizeof name, "%.*s", (int)(dot - nm), nm);
			fo = doc_find_fig(d, name);
		}
		if (fo && !strncmp(dot, ".png\"", 5)) {
			ll_html_buf_putn(out, "\"", 1);
			ll_html_data_uri(out, "image/png", fo->png, fo->png_len);
			p = close;
		} else if (fo && !strncmp(dot, ".csv\"", 5)) {
			ll_html_buf_putn(out, "\"", 1);
			ll_html_data_uri(out, "text/csv", (const uint8_t *)fo->f.csv.s, fo->f.csv.len);
			p = close;
		} else {
			ll_html_buf_putn(out, pat, sizeof pat - 1);
			p = nm;
		}
	}
	return ll_html_buf_ok(out, "report.html", err);
}

/* ---- entry point ---------------------------------------------------------- */

/* Every figure a report may have is named in the sections' descriptors: a
 * rerun removes the ones this report does not draw, so figures/ holds
 * exactly what report.md shows. */
static int remove_stale_figs(const doc *d, const char *figdir, ll_err *err)
{
	for (size_t i = 0; i < LL_NSECTIONS; i++) {
		for (size_t k = 0; k < ll_sections[i]->nfigs; k++) {
			const char *name = ll_sections[i]->figs[k].name;
			int have = 0;
			for (size_t j = 0; j < d->nfigs; j++)
				have |= !strcmp(d->figs[j].f.name, name);
			for (int ext = 0; ext < 2 && !have; ext++) {
				char file[64];
				snprintf(file, sizeof file, "%s.%s", name, ext ? "csv" : "png");
				char *p = ll_path_join(figdir, file);
				if (!p)
					return ll_err_oom(err);
				unlink(p);
				ll_free(p);
			}
		}
	}
	return LL_OK;
}

/* Write figures/NAME.png + .csv, report.md and report.html to temporary
 * files, flushed and checked, and rename them into place only when every
 * one was written in full (figures first, report.html last): a failure
 * (full disk, quota) leaves the previous report and its figures, or none,
 * untouched. */
static int write_all(doc *d, const char *outdir, const char *figdir, const ll_html_buf *md,
		     const ll_html_buf *html, ll_err *err)
{
	enum { MAXF = 2 * LL_REPORT_MAX_FIGS + 2 };
	char *paths[MAXF] = {0};
	const void *bytes[MAXF];
	size_t lens[MAXF], n = 0;
	ll_afile af[MAXF];
	int opened[MAXF] = {0}, rc = LL_OK;

	for (size_t i = 0; i < d->nfigs; i++) {
		char file[64];
		snprintf(file, sizeof file, "%s.png", d->figs[i].f.name);
		paths[n] = ll_path_join(figdir, file);
		bytes[n] = d->figs[i].png;
		lens[n++] = d->figs[i].png_len;
		snprintf(file, sizeof file, "%s.csv", d->figs[i].f.name);
		paths[n] = ll_path_join(figdir, file);
		bytes[n] = d->figs[i].f.csv.s;
		lens[n++] = d->figs[i].f.csv.len;
	}
	paths[n] = ll_path_join(outdir, "report.md");
	bytes[n] = md->s;
	lens[n++] = md->len;
	paths[n] = ll_path_join(outdir, "report.html");
	bytes[n] = html->s;
	lens[n++] = html->len;

	for (size_t i = 0; i < n && rc == LL_OK; i++) {
		if (!paths[i]) {
			rc = ll_err_oom(err);
			break;
		}
		if ((rc = ll_afile_open(&af[i], paths[i], err)) != LL_OK)
			break;
		opened[i] = 1;
		if ((lens[i] && fwrite(bytes[i], 1, lens[i], af[i].fp) != lens[i]) || fflush(af[i].fp) != 0 ||
		    ferror(af[i].fp))
			rc = ll_err_set(err, LL_EIO, "%s: write failed: %s", paths[i], strerror(errno));
	}
	for (size_t i = 0; i < n; i++) {
		if (opened[i]) {
			if (rc == LL_OK)
				rc = ll_afile_commit(&af[i], err);
			else
				ll_afile_abort(&af[i]);
		}
	}
	for (size_t i = 0; i < n; i++)
		ll_free(paths[i]);
	if (rc != LL_OK)
		return rc;
	/* figures of an earlier report that this one does not have */
	return remove_stale_figs(d, figdir, err);
	return LL_OK;
}

char *ll_report_command(int argc, char *const *argv)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+@%-";
	size_t len = sizeof "latentlab";
	for (int i = 0; i < argc; i++)
		len += 4 * strlen(argv[i]) + 3; /* each ' as '\'' (4), quotes, space */
	char *out = ll_malloc(len), *o = out;
	if (!out)
		return NULL;
	o += sprintf(o, "latentlab");
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		*o++ = ' ';
		if (*a && strspn(a, safe) == strlen(a)) {
			o += sprintf(o, "%s", a);
			continue;
		}
		*o++ = '\'';
		for (; *a; a++) {
			if (*a == '\'')
				o += sprintf(o, "'\\''");
			else
				*o++ = *a;
		}
		*o++ = '\'';
	}
	*o = '\0';
	return out;
}

int ll_report_session(ll_session *s, const char *outdir, void *ud, ll_err *err)
{
	const ll_report_opts *opts = ud;
	if (!s || !outdir || !*outdir)
		return ll_err_set(err, LL_EINVAL, "report: no session or no output directory");
	doc *d = ll_calloc(1, sizeof *d);
	if (!d)
		return ll_err_set(err, LL_ENOMEM, "report: out of memory");
	d->s = s;
	d->command = opts ? opts->command : NULL;
	d->outdir = outdir;
	ll_html_buf_init(&d->md);
	snprintf(d->name, sizeof d->name, "%s", ll_session_get(s, LL_STEP_SESSION, "name"));
	const char *title = ll_session_get(s, LL_STEP_REPORT, "title");
	snprintf(d->title, sizeof d->title, "%s", title && *title ? title : d->name);

	ll_html_buf html, mdh, mdt, hsrc;
	ll_html_buf_init(&html);
	ll_html_buf_init(&hsrc);
	ll_html_buf_init(&mdh);
	ll_html_buf_init(&mdt);
	int rc = LL_OK;
	char *figdir = ll_path_join(outdir, "figures");
	if (!figdir)
		rc = ll_err_oom(err);
	if (rc == LL_OK)
		rc = ll_mkdirs(figdir, err);
	if (rc == LL_OK)
		rc = make_figures(d, err);

	if (rc == LL_OK) {
		const ll_section *in[LL_NSECTIONS];
		size_t n = sections_in(s, in);
		write_header(d, in, n);
		write_contents(d, in, n);
		for (size_t i = 0; i < n; i++) {
			/* every section's numbered heading, as in the contents */
			char h[96];
			snprintf(h, sizeof h, "%zu. %s", i + 1, in[i]->title);
			doc_heading(d, 2, in[i]->id, h);
			in[i]->write(d);
		}
		doc_put(d, "\n---\n\n<p class=\"meta\">Written by latentlab " PACKAGE_VERSION
			   " from the session's stored results.</p>\n");
		if (d->fail.code != LL_OK)
			rc = ll_err_set(err, d->fail.code, "%s", d->fail.msg);
		else
			rc = ll_html_buf_ok(&d->md, "report.md", err);
	}
	if (rc == LL_OK && opts && opts->source)
		ll_html_buf_putn(opts->source, d->md.s, d->md.len);
	if (rc == LL_OK) { /* report.md: the same source as plain Markdown for a terminal */
		ll_md_from_report(&mdt, d->md.s, d->md.len);
		rc = ll_html_buf_ok(&mdt, "report.md", err);
	}
	if (rc == LL_OK) {
		html_source(d, &hsrc);
		rc = ll_html_buf_ok(&hsrc, "report.html", err);
	}
	if (rc == LL_OK)
		rc = embed(d, &hsrc, &mdh, err);
	if (rc == LL_OK)
		rc = ll_html_page(&html, mdh.s, mdh.len, d->title, "latentlab " PACKAGE_VERSION, err);
	if (rc == LL_OK) /* the interactive views, which report.md has not */
		rc = doc_splice_html_only(d, &html, err);
	if (rc == LL_OK)
		rc = write_all(d, outdir, figdir, &mdt, &html, err);
	if (rc == LL_OK) /* the step's one-line result, as the other steps set theirs */
		snprintf(s->status[LL_STEP_REPORT], sizeof s->status[LL_STEP_REPORT],
			 "report.md, report.html (%zu KB), %zu figures with CSVs", html.len / 1024, d->nfigs);

	for (size_t i = 0; i < d->nfigs; i++) {
		ll_report_fig_free(&d->figs[i].f);
		ll_free(d->figs[i].png);
	}
	ll_html_buf_free(&d->md);
	doc_html_only_free(d);
	ll_html_buf_free(&mdh);
	ll_html_buf_free(&mdt);
	ll_html_buf_free(&hsrc);
	ll_html_buf_free(&html);
	ll_free(figdir);
	ll_free(d);
	return rc;
}
