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
 * inline CSS: it references nothing outside itself.
 *
 * Nothing is computed here beyond summaries of stored arrays (means,
 * minima, peaks) and the comparison of stored models with the planted one
 * (ll_kt_similarity).  The report is a pure function of the session: its
 * date is s->started (when the data step ran), never the clock, so
 * rendering a session twice gives the same bytes.
 */
#include "config.h"

#include "ll_report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cmark.h>
#include <lapacke.h>
#include <png.h>
#include <zlib.h>

#include "ll_figs.h"
#include "base/ll_fs.h"
#include "ll_html.h"
#include "pca/ll_traj.h"

/* OpenBLAS extensions (cblas.h is not included: it defines a macro named I). */
char *openblas_get_config(void);
int openblas_get_num_threads(void);

#define MAX_FIGS 8

typedef struct fig_out {
	ll_report_fig f;
	uint8_t *png;
	size_t png_len;
	int number; /* Figure N in the text, 0 until placed */
} fig_out;

typedef struct doc {
	ll_session *s;
	ll_html_buf md;
	fig_out figs[MAX_FIGS];
	size_t nfigs;
	int next_number;
	char name[128];   /* session name */
	char title[256];  /* report title */
} doc;

/* ---- small writers -------------------------------------------------------- */

static void put(doc *d, const char *s)
{
	ll_html_buf_puts(&d->md, s);
}

static void putf(doc *d, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
static void putf(doc *d, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ll_html_buf_puts(&d->md, buf);
}

/* user text in Markdown prose / in raw HTML */
static void mdt(doc *d, const char *s)
{
	ll_html_md_text(&d->md, s);
}

static void ht(doc *d, const char *s)
{
	ll_html_text(&d->md, s);
}

static void heading(doc *d, int level, const char *id, const char *text)
{
	for (int i = 0; i < level; i++)
		put(d, "#");
	putf(d, " <a id=\"%s\"></a>", id);
	mdt(d, text);
	put(d, "\n\n");
}

static const char *na = "&ndash;";

static void fmt_num(char *buf, size_t n, double v, const char *fmt)
{
	if (isfinite(v))
		snprintf(buf, n, fmt, v);
	else
		snprintf(buf, n, "%s", na);
}

/* ---- tables (raw HTML blocks: no blank line may occur inside) ------------- */

static void tbl_begin(doc *d, const char *caption)
{
	put(d, "<div class=\"tbl\"><table>\n");
	if (caption) {
		put(d, "<caption>");
		ht(d, caption);
		put(d, "</caption>\n");
	}
}

/* header cells separated by '|'; a leading '#' marks a numeric column */
static void tbl_head(doc *d, const char *cols)
{
	put(d, "<thead><tr>");
	const char *p = cols;
	while (*p) {
		const char *e = strchr(p, '|');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int num = *p == '#';
		char cell[128];
		snprintf(cell, sizeof cell, "%.*s", (int)(n - (size_t)num), p + num);
		put(d, num ? "<th class=\"num\">" : "<th>");
		ht(d, cell);
		put(d, "</th>");
		p += n + (e ? 1 : 0);
	}
	put(d, "</tr></thead>\n<tbody>\n");
}

static void tr_begin(doc *d, int chosen)
{
	put(d, chosen ? "<tr class=\"chosen\">" : "<tr>");
}

static void td(doc *d, const char *text)
{
	put(d, "<td>");
	ht(d, text);
	put(d, "</td>");
}

/* a cell of trusted HTML (entities, <code>) */
static void td_html(doc *d, const char *html)
{
	putf(d, "<td>%s</td>", html);
}

static void tdn(doc *d, double v, const char *fmt)
{
	char b[64];
	fmt_num(b, sizeof b, v, fmt);
	putf(d, "<td class=\"num\">%s</td>", b);
}

static void tdz(doc *d, size_t v)
{
	putf(d, "<td class=\"num\">%zu</td>", v);
}

static void tr_end(doc *d)
{
	put(d, "</tr>\n");
}

static void tbl_end(doc *d)
{
	put(d, "</tbody></table></div>\n\n");
}

/* ---- session facts -------------------------------------------------------- */

static const char *param(const doc *d, ll_step_kind k, const char *key)
{
	const char *v = ll_session_get(d->s, k, key);
	return v ? v : "";
}

static int step_done(const doc *d, ll_step_kind k)
{
	return d->s->state[k] == LL_STATE_DONE;
}

static int step_present(const doc *d, ll_step_kind k)
{
	return d->s->state[k] != LL_STATE_ABSENT;
}

static const char *kind_name(ll_mode_kind k)
{
	switch (k) {
	case LL_MODE_UNIT: return "unit";
	case LL_MODE_TIME: return "time";
	case LL_MODE_TRIAL: return "trial";
	default: return "class";
	}
}

static const char *kind_plot(ll_mode_kind k)
{
	switch (k) {
	case LL_MODE_UNIT: return "bars";
	case LL_MODE_TIME: return "line";
	default: return "dots";
	}
}

/* "30 x 10 x 64 (model x digit x unit)" */
static void shape_text(const ll_tensor *t, const ll_mode_info *modes, char *buf, size_t n)
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

static void iso_date(long long t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t <= 0 || !gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "(not run)");
}

/* A step that should have results but has not (or has failed). */
static int not_run(doc *d, ll_step_kind k)
{
	if (step_done(d, k))
		return 0;
	putf(d, "<p class=\"note\">The %s step has not run (state: %s)", ll_step_name(k),
	     ll_step_state_name(d->s->state[k]));
	if (d->s->state[k] == LL_STATE_FAILED) {
		put(d, ": ");
		ht(d, d->s->status[k]);
	}
	put(d, ".</p>\n\n");
	return 1;
}

/* ---- figures -------------------------------------------------------------- */

static fig_out *find_fig(doc *d, const char *name)
{
	for (size_t i = 0; i < d->nfigs; i++)
		if (!strcmp(d->figs[i].f.name, name))
			return &d->figs[i];
	return NULL;
}

/* <figure> with the image, its size, the caption (trusted HTML) and the
 * CSV link. */
static void place_fig(doc *d, const char *name, const char *alt, const char *caption_html)
{
	fig_out *fo = find_fig(d, name);
	if (!fo)
		return;
	fo->number = ++d->next_number;
	putf(d, "<figure id=\"fig-%s\">\n<img src=\"figures/%s.png\" width=\"%d\" height=\"%d\" alt=\"Figure %d: ",
	     name, name, fo->f.fig.width, fo->f.fig.height, fo->number);
	ht(d, alt);
	putf(d, " (%d x %d px)\">\n<figcaption><b>Figure %d.</b> %s ", fo->f.fig.width, fo->f.fig.height,
	     fo->number, caption_html);
	putf(d, "Data: <a href=\"figures/%s.csv\" download=\"%s.csv\">%s.csv</a> (%zu rows).</figcaption>\n"
		"</figure>\n\n", name, name, name, fo->f.csv_rows);
}

static int add_fig(doc *d, int (*build)(const ll_session *, ll_report_fig *, ll_err *), ll_err *err)
{
	fig_out *fo = &d->figs[d->nfigs];
	memset(fo, 0, sizeof *fo);
	int rc = build(d->s, &fo->f, err);
	d->nfigs++; /* freed with the rest even on failure */
	return rc;
}

/* Build every figure the session has results for and encode its PNG;
 * write_all() writes them with the documents. */
static int make_figures(doc *d, ll_err *err)
{
	ll_session *s = d->s;
	int rc = LL_OK;

	if (ll_report_has_training(s))
		rc = add_fig(d, ll_report_fig_training, err);
	if (rc == LL_OK && ll_report_has_tca(s)) {
		if ((rc = add_fig(d, ll_report_fig_rank, err)) == LL_OK &&
		    (rc = add_fig(d, ll_report_fig_factors, err)) == LL_OK)
			rc = add_fig(d, ll_report_fig_convergence, err);
	}
	if (rc == LL_OK && ll_report_has_traj(s))
		rc = add_fig(d, ll_report_fig_traj, err);
	for (size_t i = 0; i < d->nfigs && rc == LL_OK; i++) {
		fig_out *fo = &d->figs[i];
		ll_png_text meta[3] = {{"Title", fo->f.fig.title},
				       {"Software", "latentlab " PACKAGE_VERSION},
				       {"Session", d->name}};
		rc = ll_plot_encode_png(&fo->f.fig, meta, 3, &fo->png, &fo->png_len, err);
	}
	return rc;
}

/* ---- sections ------------------------------------------------------------- */

static void sec_header(doc *d)
{
	ll_session *s = d->s;
	char date[40];
	iso_date(s->started, date, sizeof date);
	put(d, "# ");
	mdt(d, d->title);
	put(d, "\n\n<p class=\"meta\">Session <b>");
	ht(d, d->name);
	putf(d, "</b> &middot; run %s &middot; latentlab %s</p>\n\n", date, PACKAGE_VERSION);

	/* at a glance */
	put(d, "<p class=\"lead\">This report was written by latentlab from the results of one session. "
	       "Each section explains what a step did and how to read its figures, then gives its "
	       "numbers; the figures' data are in CSV files beside them. At a glance:</p>\n\n");
	char sh[256];
	if (s->X.data) {
		shape_text(&s->X, s->modes, sh, sizeof sh);
		put(d, "- **Data:** ");
		mdt(d, sh);
		if (s->truth.rank > 0)
			putf(d, ", simulated with %zu planted factors", s->truth.rank);
		put(d, ".\n");
	}
	if (ll_report_has_training(s))
		putf(d, "- **Training:** %zu models; final test accuracy %.1f%% on average (lowest %.1f%%).\n",
		     s->train.models, 100 * s->train.final_acc_mean, 100 * s->train.final_acc_min);
	if (ll_report_has_tca(s)) {
		const ll_ens_rank *r = ll_ens_get(&s->ens, s->chosen_rank);
		ll_ens_stats st;
		if (ll_ens_rank_stats(r, &st, NULL) == LL_OK) {
			putf(d, "- **TCA:** %s, ranks %zu-%zu x %zu replicates; rank **%zu** chosen (error %.4f",
			     ll_cp_method_name(s->ens.method), s->ens.ranks[0].rank,
			     s->ens.ranks[s->ens.nranks - 1].rank, r->nrep, s->chosen_rank, st.best);
			if (isfinite(st.mean_sim))
				putf(d, ", replicate similarity %.3f", st.mean_sim);
			put(d, ").\n");
		}
	}
	if (ll_report_has_traj(s)) {
		const ll_traj_set *ts = s->traj;
		putf(d, "- **Trajectories:** %zu paths x %zu points", ts->n_paths, ts->n_points);
		for (int a = 0; a < ts->n_axes && a < 3; a++) {
			put(d, a ? ", " : "; ");
			mdt(d, ts->axis_name[a]);
			putf(d, " %.1f%%", 100 * ts->explained[a]);
		}
		put(d, ".\n");
	}
	put(d, "\n");
}

typedef struct toc_entry {
	const char *id, *text;
} toc_entry;

static void sec_toc(doc *d, const toc_entry *toc, size_t n)
{
	put(d, "<nav class=\"toc\">\n\n**Contents**\n\n");
	for (size_t i = 0; i < n; i++)
		putf(d, "%zu. [%s](#%s)\n", i + 1, toc[i].text, toc[i].id);
	put(d, "\n</nav>\n\n");
}

static void sec_session(doc *d)
{
	ll_session *s = d->s;
	put(d, "A *session* is a whole analysis written down as one small text file: each `[section]` "
	       "is a step of the pipeline *data &rarr; (train) &rarr; tensor &rarr; tca &rarr; trajectory "
	       "&rarr; report* with its parameters. latentlab ran the steps below in order and kept "
	       "their results; this report only reads them.\n\n");
	tbl_begin(d, "Steps as run: state, wall time, and the step's one-line result");
	tbl_head(d, "step|state|#seconds|result");
	ll_step_kind st[LL_NSTEPS];
	size_t n = ll_session_steps(s, st);
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		tr_begin(d, 0);
		td(d, ll_step_name(st[i]));
		if (st[i] == LL_STEP_REPORT) {
			/* its own time is not known while it is written */
			td(d, "writing");
			td_html(d, na);
			td(d, "this report (report.md, report.html, figures/)");
		} else {
			td(d, ll_step_state_name(s->state[st[i]]));
			tdn(d, s->seconds[st[i]], "%.2f");
			td(d, s->status[st[i]]);
			total += s->seconds[st[i]];
		}
		tr_end(d);
	}
	put(d, "<tr><td><b>total</b></td><td></td>");
	tdn(d, total, "%.2f");
	put(d, "<td>compute before the report</td></tr>\n");
	tbl_end(d);

	heading(d, 3, "replay", "Replay");
	put(d, "The session file is shown in full under [Provenance](#session-file); `latentlab run` "
	       "saves it as `session.lab` beside this report. To repeat the whole analysis, run this in "
	       "the directory that holds the report (`replay` is a new output directory; any name will "
	       "do):\n\n");
	ll_html_md_code(&d->md, "sh", "latentlab run session.lab -o replay\n");
	putf(d, "\nEvery random choice derives from the session seed (%s), so the replay starts every "
		"model and every fit from the same seeds; with the same build and thread count it gives "
		"the same numbers as this report.\n\n", param(d, LL_STEP_SESSION, "seed"));
}

static void sec_data(doc *d)
{
	ll_session *s = d->s;
	const char *kind = param(d, LL_STEP_DATA, "kind");
	char sh[256];
	if (not_run(d, LL_STEP_DATA))
		return;
	if (!strcmp(kind, "mnist")) {
		putf(d, "The data are the training runs themselves. %s small multilayer perceptrons "
			"(784 inputs &rarr; %s hidden units, %s &rarr; 10 digits) were trained on MNIST "
			"handwritten digits. While they trained, every %s steps, the mean activation of "
			"each hidden unit for each digit was recorded on a fixed probe set of %s test "
			"images per digit. Models started from %s initial weights",
		     param(d, LL_STEP_TRAIN, "models"), param(d, LL_STEP_TRAIN, "hidden"),
		     param(d, LL_STEP_TRAIN, "activation"), param(d, LL_STEP_TRAIN, "log_every"),
		     param(d, LL_STEP_TRAIN, "probe_per_class"),
		     strcmp(param(d, LL_STEP_TRAIN, "init"), "shared") ? "their own" : "the same (shared)");
		if (!strcmp(param(d, LL_STEP_TRAIN, "match_units"), "yes") &&
		    strcmp(param(d, LL_STEP_TRAIN, "init"), "shared"))
			put(d, ", and their units were matched to model 0's by activation correlation, so "
			       "unit *u* means the same thing in every model");
		put(d, ".\n\nThe data step read: ");
		mdt(d, s->status[LL_STEP_DATA]);
		put(d, ".\n\n");
	} else if (!strcmp(kind, "synth")) {
		putf(d, "The data are **simulated**: a population of %s neurons recorded for %s time bins "
			"in each of %s trials, whose expected spike counts are an exactly low-rank, "
			"non-negative CP model of %s planted factors (a learning factor that grows across "
			"trials, an oscillation within the trial, a ramp only in the trials of one "
			"condition; trials alternate between two conditions), observed with %s noise. "
			"Because the planted factors are known, section [TCA](#tca) checks the fitted model "
			"against them.\n\n",
		     param(d, LL_STEP_DATA, "neurons"), param(d, LL_STEP_DATA, "time"),
		     param(d, LL_STEP_DATA, "trials"), param(d, LL_STEP_DATA, "rank"),
		     param(d, LL_STEP_DATA, "noise"));
	} else {
		put(d, "The data were read from ");
		mdt(d, param(d, LL_STEP_DATA, "path"));
		putf(d, " (%s)", kind);
		if (*param(d, LL_STEP_DATA, "labels")) {
			put(d, ", with per-trial condition labels from ");
			mdt(d, param(d, LL_STEP_DATA, "labels"));
		}
		if (*param(d, LL_STEP_DATA, "mask")) {
			put(d, " and a mask of observed entries from ");
			mdt(d, param(d, LL_STEP_DATA, "mask"));
		}
		put(d, ". The data step read: ");
		mdt(d, s->status[LL_STEP_DATA]);
		put(d, ".\n\n");
	}
	if (!s->X.data) {
		not_run(d, LL_STEP_TENSOR);
		return;
	}
	const char *norm = param(d, LL_STEP_TENSOR, "normalize");
	shape_text(&s->X, s->modes, sh, sizeof sh);
	put(d, "The **analysis tensor** is ");
	mdt(d, sh);
	putf(d, " (%zu entries). Its modes, and how the figures draw them:\n\n", s->X.size);
	tbl_begin(d, NULL);
	tbl_head(d, "#mode|name|#size|kind|plotted as|labels");
	for (int m = 0; m < s->X.nmodes; m++) {
		const ll_mode_info *mi = &s->modes[m];
		tr_begin(d, 0);
		tdz(d, (size_t)m);
		td(d, mi->name);
		tdz(d, s->X.dim[m]);
		td(d, kind_name(mi->kind));
		td(d, kind_plot(mi->kind));
		if (mi->labels) {
			/* the distinct labels, in order of first appearance up to 12 */
			char lab[256] = "";
			int seen[12], nseen = 0, more = 0;
			for (size_t i = 0; i < s->X.dim[m]; i++) {
				int dup = 0;
				for (int j = 0; j < nseen; j++)
					dup |= seen[j] == mi->labels[i];
				if (dup)
					continue;
				if (nseen == 12) {
					more = 1;
					break;
				}
				seen[nseen++] = mi->labels[i];
				size_t l = strlen(lab);
				snprintf(lab + l, sizeof lab - l, "%s%d", nseen > 1 ? ", " : "", mi->labels[i]);
			}
			if (more)
				snprintf(lab + strlen(lab), sizeof lab - strlen(lab), ", ...");
			td(d, lab);
		} else {
			td_html(d, na);
		}
		tr_end(d);
	}
	tbl_end(d);
	const char *unit = !strcmp(kind, "mnist") ? "mean hidden activation (arbitrary units)"
			 : !strcmp(kind, "synth") && !strcmp(param(d, LL_STEP_DATA, "noise"), "poisson")
				 ? "spike counts per time bin"
				 : "the units of the data file";
	putf(d, "Values are %s", unit);
	if (!strcmp(norm, "max"))
		put(d, ", each unit scaled to a maximum of 1 (`normalize = max`)");
	else if (!strcmp(norm, "zscore"))
		put(d, ", each unit z-scored (`normalize = zscore`)");
	else
		put(d, ", not normalised (`normalize = none`)");
	char lo[32], hi[32];
	fmt_num(lo, sizeof lo, s->x_min, "%.4g");
	fmt_num(hi, sizeof hi, s->x_max, "%.4g");
	putf(d, "; they range from %s to %s. Missing entries (NaN, or 0 in the mask): %zu (%.2f%%).\n\n",
	     lo, hi, s->n_missing, s->X.size ? 100.0 * (double)s->n_missing / (double)s->X.size : 0.0);
}

static void sec_training(doc *d)
{
	ll_session *s = d->s;
	if (not_run(d, LL_STEP_TRAIN) || !ll_report_has_training(s))
		return;
	const ll_train_log *t = &s->train;
	size_t M = t->models, S = t->snapshots;
	putf(d, "Each model was trained with %s (learning rate%s %s%s, minibatches of %s) for %s epoch%s: "
		"%d steps, with a snapshot every %s steps (%zu snapshots including the untrained start). "
		"At every snapshot the model was tested on the held-out test images. Figure %d shows "
		"each model as a thin line and the mean over models in bold; curves that flatten mean "
		"training has converged, and the spread of the thin lines shows how much the models "
		"differ. The dashed line is the mean training loss over the minibatches since the "
		"previous snapshot; a test loss far above it would mean overfitting.\n\n",
	     param(d, LL_STEP_TRAIN, "optimizer"), strchr(param(d, LL_STEP_TRAIN, "lr"), ',') ? "s" : "",
	     param(d, LL_STEP_TRAIN, "lr"),
	     strchr(param(d, LL_STEP_TRAIN, "lr"), ',')
		     ? " given to the models in turn; a model's label is its rate's place in this list, from 0"
		     : "",
	     param(d, LL_STEP_TRAIN, "batch"),
	     param(d, LL_STEP_TRAIN, "epochs"), strcmp(param(d, LL_STEP_TRAIN, "epochs"), "1") ? "s" : "",
	     t->step[S - 1], param(d, LL_STEP_TRAIN, "log_every"), S, d->next_number + 1);
	place_fig(d, "training", "test loss and accuracy over training",
		  "Test loss (left) and test accuracy (right) against the training step: one thin line per "
		  "model, the mean over models in bold; dashed, the mean training loss.");
	/* final numbers */
	double amin = INFINITY, amax = -INFINITY, lmin = INFINITY, lmax = -INFINITY, lmean = 0;
	size_t worst = 0, bestm = 0;
	for (size_t m = 0; m < M; m++) {
		double a = t->acc[m * S + S - 1], l = t->loss[m * S + S - 1];
		if (a < amin)
			amin = a, worst = m;
		if (a > amax)
			amax = a, bestm = m;
		lmin = fmin(lmin, l);
		lmax = fmax(lmax, l);
		lmean += l / (double)M;
	}
	tbl_begin(d, "After the last step");
	tbl_head(d, "|#test accuracy (%)|#test loss");
	put(d, "<tr><td>mean over models</td>");
	tdn(d, 100 * t->final_acc_mean, "%.2f");
	tdn(d, lmean, "%.4f");
	putf(d, "</tr>\n<tr><td>lowest (model %zu)</td>", worst);
	tdn(d, 100 * amin, "%.2f");
	put(d, "<td></td></tr>\n");
	putf(d, "<tr><td>highest (model %zu)</td>", bestm);
	tdn(d, 100 * amax, "%.2f");
	put(d, "<td></td></tr>\n<tr><td>range of test loss</td><td></td>");
	char b[96];
	snprintf(b, sizeof b, "%.4f&ndash;%.4f", lmin, lmax);
	putf(d, "<td class=\"num\">%s</td></tr>\n", b);
	tbl_end(d);
}

static void weights_table(doc *d, const ll_ktensor *K)
{
	ll_session *s = d->s;
	double tot = 0;
	for (size_t c = 0; c < K->rank; c++)
		tot += K->lambda[c] * K->lambda[c];
	tbl_begin(d, "Components of the best fit: weight, share of the squared weights, and where each "
		     "factor peaks (index of its largest entry)");
	char head[512] = "component|#weight|#share (%)";
	for (int n = 0; n < K->nmodes; n++) {
		size_t l = strlen(head);
		snprintf(head + l, sizeof head - l, "|#peak %s", s->modes[n].name);
	}
	tbl_head(d, head);
	for (size_t c = 0; c < K->rank; c++) {
		char nm[32];
		snprintf(nm, sizeof nm, "C%zu", c + 1);
		tr_begin(d, 0);
		td(d, nm);
		tdn(d, K->lambda[c], "%.4g");
		tdn(d, tot > 0 ? 100 * K->lambda[c] * K->lambda[c] / tot : NAN, "%.1f");
		for (int n = 0; n < K->nmodes; n++) {
			size_t nidx = K->dim[n], arg = 0;
			for (size_t i = 1; i < nidx; i++)
				if (fabs(K->U[n][i * K->rank + c]) > fabs(K->U[n][arg * K->rank + c]))
					arg = i;
			if (s->modes[n].kind == LL_MODE_TIME && ll_report_has_training(s) &&
			    s->train.snapshots == nidx)
				putf(d, "<td class=\"num\">step %d</td>", s->train.step[arg]);
			else
				tdz(d, arg);
		}
		tr_end(d);
	}
	tbl_end(d);
}

static void truth_check(doc *d, const ll_ens_rank *chosen)
{
	ll_session *s = d->s;
	const ll_ktensor *T = &s->truth;
	heading(d, 3, "truth", "Check against the planted factors");
	int same = T->nmodes == chosen->fits[0].K.nmodes;
	for (int n = 0; same && n < T->nmodes; n++)
		same = T->dim[n] == chosen->fits[0].K.dim[n];
	if (!same) {
		put(d, "<p class=\"note\">The planted model's shape differs from the analysis tensor's; no "
		       "comparison.</p>\n\n");
		return;
	}
	putf(d, "The data were simulated from %zu planted components, so the fits can be scored against "
		"them. Each score matches fitted and planted components one to one (Hungarian "
		"algorithm) and averages over the larger of the two ranks, so a missing or extra "
		"component costs; 1 means the planted factors were found exactly (up to order and "
		"scale).\n\n", T->rank);
	tbl_begin(d, NULL);
	tbl_head(d, "best fit at rank|#mean-cos|#tomasi-bro|#congruence");
	for (size_t i = 0; i < s->ens.nranks; i++) {
		const ll_ens_rank *r = &s->ens.ranks[i];
		char lab[64];
		int ch = r->rank == chosen->rank, pl = r->rank == T->rank;
		snprintf(lab, sizeof lab, "%zu%s", r->rank,
			 ch && pl ? " (chosen; planted)" : ch ? " (chosen)" : pl ? " (planted)" : "");
		tr_begin(d, ch);
		td(d, lab);
		static const ll_sim_kind kinds[3] = {LL_SIM_MEANCOS, LL_SIM_TOMASI_BRO, LL_SIM_CONGRUENCE};
		for (int k = 0; k < 3; k++) {
			double v = NAN;
			if (ll_kt_similarity(T, &r->fits[0].K, kinds[k], &v, NULL, NULL) != LL_OK)
				v = NAN;
			tdn(d, v, "%.3f");
		}
		tr_end(d);
	}
	tbl_end(d);
	put(d, "Mean-cos averages the |cosines| over modes; congruence multiplies them (stricter); "
	       "tomasi-bro also penalises a wrong weight.\n\n");
}

static void sec_tca(doc *d)
{
	ll_session *s = d->s;
	if (not_run(d, LL_STEP_TCA) || !ll_report_has_tca(s))
		return;
	const ll_ensemble *e = &s->ens;
	const ll_ens_rank *cr = ll_ens_get(e, s->chosen_rank);
	int nonneg = e->method != LL_CP_ALS;
	char modes[200] = "";
	for (int n = 0; n < s->X.nmodes; n++) {
		size_t l = strlen(modes);
		snprintf(modes + l, sizeof modes - l, "%s%s", n ? ", " : "", s->modes[n].name);
	}
	put(d, "Tensor component analysis (a CP or PARAFAC decomposition) approximates the tensor by "
	       "a sum of *R* components. Each component is the outer product of one vector per mode (");
	mdt(d, modes);
	putf(d, "): for example a group of units that are active together, one time course, and "
		"one gain per trial or model. The fits used **%s** (%s), from %s starting points, at "
		"most %s iterations, stopping when the error improved by less than %s. Every rank from %zu to %zu was fitted %zu "
		"times from different random seeds. The error of a fit is "
		"&#8214;W&#8728;(X &minus; M)&#8214; / &#8214;W&#8728;X&#8214; (W: the observed entries): "
		"0 is a perfect fit, 1 explains nothing.\n\n",
	     ll_cp_method_name(e->method),
	     nonneg ? "non-negative factors" : "unconstrained factors", param(d, LL_STEP_TCA, "init"),
	     param(d, LL_STEP_TCA, "max_iter"), param(d, LL_STEP_TCA, "tol"), e->ranks[0].rank,
	     e->ranks[e->nranks - 1].rank, cr->nrep);
	if (nonneg && s->x_min < 0)
		putf(d, "> **Warning:** the tensor has negative entries (down to %.3g), which a "
			"non-negative fit cannot represent: its error is inflated and the factors describe "
			"only the positive part. Use `method = cp-als`, or data that are non-negative "
			"(`normalize = zscore` makes data negative).\n\n",
		     s->x_min);

	heading(d, 3, "rank", "Choosing the rank");
	putf(d, "Figure %d shows the error of every fit against its rank (left) and how similar each "
		"fit is to the best fit of its rank (right). The best error falls as components are "
		"added (unless a lower rank already fits exactly). A good rank is where the curve flattens (an elbow) while the replicates still "
		"agree: beyond it, extra components mostly fit noise and come out differently from "
		"each start.\n\n", d->next_number + 1);
	place_fig(d, "tca_rank", "error and similarity against rank",
		  "Left: normalised error of every fit (dots, spread sideways around their rank; best "
		  "first) and a line through the best fit of each rank. Right: similarity of every other "
		  "fit to the best fit of its rank (dots) and their mean (line); 1 = the same components "
		  "found again. Dashed: the chosen rank.");
	putf(d, "**Chosen rank: %zu.** Reason: ", s->chosen_rank);
	mdt(d, s->rank_reason);
	putf(d, ".\n\nSimilarity score: **%s**, ", ll_sim_name(e->sim));
	mdt(d, ll_sim_describe(e->sim));
	put(d, ". Each fit is compared with the best fit of its rank; components are matched one to "
	       "one (Hungarian algorithm).\n\n");
	tbl_begin(d, "Per rank: error of the best and the median fit, similarity of the other fits to "
		     "the best, median iterations, wall time");
	tbl_head(d, "#rank|#best error|#median error|#mean similarity|#min similarity|#median iterations|#seconds");
	for (size_t i = 0; i < e->nranks; i++) {
		const ll_ens_rank *r = &e->ranks[i];
		ll_ens_stats st;
		if (ll_ens_rank_stats(r, &st, NULL) != LL_OK)
			continue;
		tr_begin(d, r->rank == s->chosen_rank);
		tdz(d, r->rank);
		tdn(d, st.best, "%.4f");
		tdn(d, st.median, "%.4f");
		tdn(d, st.mean_sim, "%.3f");
		tdn(d, st.min_sim, "%.3f");
		tdn(d, st.median_iters, "%.0f");
		tdn(d, r->seconds, "%.3f");
		tr_end(d);
	}
	tbl_end(d);

	const ll_ktensor *K = &cr->fits[0].K;
	char hh[64];
	snprintf(hh, sizeof hh, "The rank-%zu model", s->chosen_rank);
	heading(d, 3, "factors", hh);
	putf(d, "Figure %d shows the best fit at the chosen rank as tensortools draws it: one row per "
		"component, one column per mode. Unit modes are bars (which units take part), time "
		"modes are lines (when the component is active), trial, model and class modes are dots "
		"(how strongly each trial, model or digit expresses it), coloured by label where the mode "
		"has labels. Every factor vector has length 1; the component's overall size is its "
		"weight in the table below. Within a column all rows share one y range, labelled at its "
		"ends.%s\n\n",
	     d->next_number + 1,
	     nonneg ? " The fit is non-negative, so a component only adds activity." : "");
	place_fig(d, "factors", "factors of the best fit at the chosen rank",
		  "Factors of the best fit at the chosen rank: rows are components (C1, C2, ...), "
		  "columns are modes.");
	weights_table(d, K);
	if (s->truth.rank > 0)
		truth_check(d, cr);

	heading(d, 3, "convergence", "Convergence and seeds");
	putf(d, "Figure %d follows the error of each fit at rank %zu through its iterations. Fits that "
		"end at the same level found equally good models; a fit stuck well above the others "
		"ended in a poorer local optimum. The table lists the seed each fit started from "
		"(derived from the session seed), so any single fit can be repeated.\n\n",
	     d->next_number + 1, s->chosen_rank);
	place_fig(d, "tca_convergence", "error per iteration of every fit at the chosen rank",
		  "Error after each iteration of every fit at the chosen rank; the best fit in colour.");
	tbl_begin(d, "Fits at the chosen rank, best first");
	tbl_head(d, "#replicate|#seed|#error|#similarity to best|#iterations|converged|#seconds");
	for (size_t k = 0; k < cr->nrep; k++) {
		const ll_cp_result *f = &cr->fits[k];
		tr_begin(d, k == 0);
		tdz(d, k);
		putf(d, "<td class=\"num\"><code>%llu</code></td>", (unsigned long long)f->seed);
		tdn(d, f->obj, "%.5f");
		tdn(d, cr->sim[k], "%.3f");
		tdz(d, (size_t)f->iters);
		td(d, f->converged ? "yes" : "no (max_iter)");
		tdn(d, f->seconds, "%.3f");
		tr_end(d);
	}
	tbl_end(d);
	put(d, "The seeds of every rank's fits are in `figures/tca_rank.csv`.\n\n");
}

static void sec_traj(doc *d)
{
	ll_session *s = d->s;
	if (not_run(d, LL_STEP_TRAJ))
		return;
	const ll_traj_set *ts = s->traj;
	if (!ll_report_has_traj(s)) {
		put(d, "<p class=\"note\">The trajectories have fewer than two axes that carry data; "
		       "there is nothing to draw.</p>\n\n");
		return;
	}
	int tca = !strcmp(ts->source, "tca");
	int bio = s->X.nmodes == 3 && s->modes[0].kind == LL_MODE_UNIT;
	if (tca) {
		put(d, "The paths are read off the TCA model: the three components with the largest "
		       "weights are the axes, and a path's coordinate on a component's axis is the "
		       "weight times its loading in the path mode times the time factor. The percentage "
		       "on each axis is that component's share of the squared weights (CP components "
		       "are not orthogonal, so it is not a variance fraction).");
	} else if (bio) {
		put(d, "The trials of each condition were averaged, giving one population vector (all "
		       "neurons) per time bin and condition. A PCA of these vectors, all conditions "
		       "together, gives one shared basis; each condition is a path through the first "
		       "three principal components over the trial. The percentage on each axis is the "
		       "fraction of the variance it explains.");
	} else {
		const char *path = "path";
		for (int n = 0; n < s->X.nmodes; n++)
			if (s->modes[n].kind == LL_MODE_TRIAL)
				path = s->modes[n].name;
		put(d, "The state of each ");
		mdt(d, path);
		put(d, " at each snapshot is its whole activity at that moment (every other mode "
		       "flattened into one vector). A PCA of all these states together gives one "
		       "shared basis; each ");
		mdt(d, path);
		put(d, " is then a path through the first three principal components. The percentage on "
		       "each axis is the fraction of the variance it explains.");
	}
	putf(d, " Figure %d shows the 3-D paths in the planes of two axes at a time (one static 3-D view "
		"would hide depth); each axis is scaled to its data, so compare the percentages, not "
		"the lengths, across axes. Each path starts at the "
		"circle, fades in from light to full colour, and ends at the triangle, which points along "
		"the last step.%s\n\n",
	     d->next_number + 1,
	     ts->n_paths > 10 ? " With this many paths the colours repeat (10 colours in turn) and "
				"the mean of all paths is drawn in black on top; the CSV names every "
				"path." : "");
	place_fig(d, "trajectories", "trajectories in the planes of the first three axes",
		  "Trajectories projected on the planes of axes 1-2, 1-3 and 2-3 (where the axes carry "
		  "data); circle = start, triangle = end.");
	tbl_begin(d, tca ? "Axes: component and share of the squared weights"
			 : "Axes: principal component and fraction of variance explained");
	tbl_head(d, tca ? "axis|#share (%)|#cumulative (%)" : "axis|#explained (%)|#cumulative (%)");
	double cum = 0;
	for (int a = 0; a < 3; a++) {
		tr_begin(d, 0);
		td(d, ts->axis_name[a]);
		cum += ts->explained[a];
		tdn(d, 100 * ts->explained[a], "%.2f");
		tdn(d, 100 * cum, "%.2f");
		tr_end(d);
	}
	tbl_end(d);
	if (ts->n_paths <= 12) {
		tbl_begin(d, "Paths");
		tbl_head(d, "path|#points");
		for (size_t p = 0; p < ts->n_paths; p++) {
			tr_begin(d, 0);
			td(d, ts->labels[p]);
			tdz(d, ts->n_points);
			tr_end(d);
		}
		tbl_end(d);
	} else {
		putf(d, "%zu paths of %zu points each.\n\n", ts->n_paths, ts->n_points);
	}
}

/* The session file as it ran. */
static void session_file(doc *d)
{
	ll_session *s = d->s;
	heading(d, 3, "session-file", "The session file");
	char *text = NULL;
	if (s->dirty || !s->text) {
		text = ll_session_format(s);
		put(d, "The parameters were edited after the file was loaded; this is the session as it ran");
	} else {
		put(d, "This is the session file as it ran");
	}
	if (s->path) {
		put(d, " (loaded from ");
		mdt(d, s->path);
		put(d, ")");
	}
	put(d, ". Saved beside this report as `session.lab` by `latentlab run`.\n\n");
	ll_html_md_code(&d->md, "ini", text ? text : s->text ? s->text : "");
	free(text);
	put(d, "\n");
}

static void sec_provenance(doc *d)
{
	ll_session *s = d->s;
	char date[40];
	iso_date(s->started, date, sizeof date);
	put(d, "What produced this report, so that it can be reproduced and its numbers compared.\n\n");
	session_file(d);
	heading(d, 3, "software", "Software and machine");
	tbl_begin(d, "Software");
	tbl_head(d, "component|version");
	put(d, "<tr><td>latentlab</td><td>" PACKAGE_VERSION "</td></tr>\n");
	const char *ob = openblas_get_config();
	put(d, "<tr><td>OpenBLAS</td><td>");
	ht(d, ob ? ob : "unknown");
	put(d, "</td></tr>\n");
	lapack_int ma = 0, mi = 0, pa = 0;
	LAPACKE_ilaver(&ma, &mi, &pa);
	putf(d, "<tr><td>LAPACK</td><td>%d.%d.%d</td></tr>\n", (int)ma, (int)mi, (int)pa);
	put(d, "<tr><td>cmark</td><td>");
	ht(d, cmark_version_string());
	put(d, "</td></tr>\n<tr><td>libpng</td><td>");
	ht(d, png_get_libpng_ver(NULL));
	put(d, "</td></tr>\n<tr><td>zlib</td><td>");
	ht(d, zlibVersion());
	put(d, "</td></tr>\n");
#if defined(__VERSION__)
	put(d, "<tr><td>compiler</td><td>");
#if defined(__clang__)
	put(d, "clang ");
#elif defined(__GNUC__)
	put(d, "gcc ");
#endif
	ht(d, __VERSION__);
	put(d, "</td></tr>\n");
#endif
	tbl_end(d);

	struct utsname u;
	char os[160] = "unknown";
	if (uname(&u) == 0)
		snprintf(os, sizeof os, "%s %s", u.sysname, u.machine);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	tbl_begin(d, "Machine and run");
	tbl_head(d, "item|value");
	tr_begin(d, 0);
	td(d, "system (uname -sm)");
	td(d, os);
	tr_end(d);
	putf(d, "<tr><td>CPUs online</td><td>%ld</td></tr>\n", ncpu);
	putf(d, "<tr><td>OpenBLAS threads</td><td>%d</td></tr>\n", openblas_get_num_threads());
	put(d, "<tr><td>session threads</td><td>");
	ht(d, param(d, LL_STEP_SESSION, "threads"));
	put(d, " (0 = all cores)</td></tr>\n");
	if (ll_report_has_tca(s))
		putf(d, "<tr><td>TCA worker threads</td><td>%d</td></tr>\n", s->ens.opts.threads);
	putf(d, "<tr><td>run (data step started, UTC)</td><td>%s</td></tr>\n", date);
	put(d, "<tr><td>session seed</td><td><code>");
	ht(d, param(d, LL_STEP_SESSION, "seed"));
	put(d, "</code></td></tr>\n");
	tbl_end(d);
	put(d, "**Seeds.** Every random choice derives from the session seed: ");
	if (step_present(d, LL_STEP_TRAIN))
		put(d, "each model's initial weights and minibatch order, ");
	if (!strcmp(param(d, LL_STEP_DATA, "kind"), "synth"))
		put(d, "the simulated population and its noise, ");
	put(d, "and the starting point of every TCA fit (listed with the fits above).\n\n");
	put(d, "**Files.** Beside this report: `session.lab` (the session), ");
	if (step_done(d, LL_STEP_DATA) && !strcmp(param(d, LL_STEP_DATA, "kind"), "synth"))
		put(d, "`data/` (the simulated data and planted factors), ");
	if (step_done(d, LL_STEP_TRAIN))
		put(d, "`train/` (logged activity, losses, model weights), ");
	if (step_done(d, LL_STEP_TENSOR))
		put(d, "`tensor/` (the analysis tensor), ");
	if (step_done(d, LL_STEP_TCA))
		put(d, "`tca/` (every fit, `summary.json`), ");
	if (step_done(d, LL_STEP_TRAJ))
		put(d, "`trajectory/` (paths), ");
	put(d, "and `figures/`: ");
	for (size_t i = 0; i < d->nfigs; i++)
		putf(d, "%s`%s.png` + `.csv`", i ? ", " : "", d->figs[i].f.name);
	put(d, d->nfigs ? ".\n" : "none.\n");
}

/* ---- HTML ----------------------------------------------------------------- */

/* report.md with every "figures/NAME.png|csv" attribute value replaced by
 * the file's bytes as a data: URI. */
static int embed(doc *d, ll_html_buf *out, ll_err *err)
{
	const char *p = d->md.s, *end = d->md.s + d->md.len;
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
		fig_out *fo = NULL;
		if (dot && (size_t)(dot - nm) < sizeof fo->f.name) {
			char name[sizeof fo->f.name];
			snprintf(name, sizeof name, "%.*s", (int)(dot - nm), nm);
			fo = find_fig(d, name);
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

/* Every figure a report may have: a rerun removes the ones this report
 * does not draw, so figures/ holds exactly what report.md shows. */
static const char *const all_figs[] = {"training", "tca_rank", "factors", "tca_convergence",
				       "trajectories"};

/* Write figures/NAME.png + .csv, report.md and report.html to temporary
 * files, flushed and checked, and rename them into place only when every
 * one was written in full (figures first, report.html last): a failure
 * (full disk, quota) leaves the previous report and its figures, or none,
 * untouched. */
static int write_all(doc *d, const char *outdir, const char *figdir, const ll_html_buf *md,
		     const ll_html_buf *html, ll_err *err)
{
	enum { MAXF = 2 * MAX_FIGS + 2 };
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
			rc = ll_err_set(err, LL_ENOMEM, "out of memory");
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
	for (size_t k = 0; k < sizeof all_figs / sizeof all_figs[0]; k++) {
		int have = 0;
		for (size_t i = 0; i < d->nfigs; i++)
			have |= !strcmp(d->figs[i].f.name, all_figs[k]);
		for (int ext = 0; ext < 2 && !have; ext++) {
			char file[64];
			snprintf(file, sizeof file, "%s.%s", all_figs[k], ext ? "csv" : "png");
			char *p = ll_path_join(figdir, file);
			if (p)
				unlink(p);
			ll_free(p);
		}
	}
	return LL_OK;
}

int ll_report_session(ll_session *s, const char *outdir, void *ud, ll_err *err)
{
	(void)ud;
	if (!s || !outdir || !*outdir)
		return ll_err_set(err, LL_EINVAL, "report: no session or no output directory");
	doc *d = calloc(1, sizeof *d);
	if (!d)
		return ll_err_set(err, LL_ENOMEM, "report: out of memory");
	d->s = s;
	ll_html_buf_init(&d->md);
	snprintf(d->name, sizeof d->name, "%s", ll_session_get(s, LL_STEP_SESSION, "name"));
	const char *title = ll_session_get(s, LL_STEP_REPORT, "title");
	snprintf(d->title, sizeof d->title, "%s", title && *title ? title : d->name);

	ll_html_buf html, mdh;
	ll_html_buf_init(&html);
	ll_html_buf_init(&mdh);
	int rc = LL_OK;
	char *figdir = ll_path_join(outdir, "figures");
	if (!figdir)
		rc = ll_err_set(err, LL_ENOMEM, "out of memory");
	if (rc == LL_OK)
		rc = ll_mkdirs(figdir, err);
	if (rc == LL_OK)
		rc = make_figures(d, err);

	if (rc == LL_OK) {
		toc_entry toc[8];
		size_t nt = 0;
		toc[nt++] = (toc_entry){"session", "Session"};
		toc[nt++] = (toc_entry){"data", "Data"};
		if (step_present(d, LL_STEP_TRAIN))
			toc[nt++] = (toc_entry){"training", "Training"};
		if (step_present(d, LL_STEP_TCA))
			toc[nt++] = (toc_entry){"tca", "Tensor components (TCA)"};
		if (step_present(d, LL_STEP_TRAJ))
			toc[nt++] = (toc_entry){"trajectories", "Trajectories"};
		toc[nt++] = (toc_entry){"provenance", "Provenance"};
		sec_header(d);
		sec_toc(d, toc, nt);
		for (size_t i = 0; i < nt; i++) {
			int num = (int)i + 1;
			const char *id = toc[i].id;
			/* every section's numbered heading, from the contents entry */
			char h[96];
			snprintf(h, sizeof h, "%d. %s", num, toc[i].text);
			heading(d, 2, id, h);
			if (!strcmp(id, "session"))
				sec_session(d);
			else if (!strcmp(id, "data"))
				sec_data(d);
			else if (!strcmp(id, "training"))
				sec_training(d);
			else if (!strcmp(id, "tca"))
				sec_tca(d);
			else if (!strcmp(id, "trajectories"))
				sec_traj(d);
			else
				sec_provenance(d);
		}
		put(d, "\n---\n\n<p class=\"meta\">Written by latentlab " PACKAGE_VERSION
		       " from the session's stored results.</p>\n");
		rc = ll_html_buf_ok(&d->md, "report.md", err);
	}
	if (rc == LL_OK)
		rc = embed(d, &mdh, err);
	if (rc == LL_OK)
		rc = ll_html_page(&html, mdh.s, mdh.len, d->title, "latentlab " PACKAGE_VERSION, err);
	if (rc == LL_OK)
		rc = write_all(d, outdir, figdir, &d->md, &html, err);
	if (rc == LL_OK) /* the step's one-line result, as the other steps set theirs */
		snprintf(s->status[LL_STEP_REPORT], sizeof s->status[LL_STEP_REPORT],
			 "report.md, report.html (%zu KB), %zu figures with CSVs", html.len / 1024, d->nfigs);

	for (size_t i = 0; i < d->nfigs; i++) {
		ll_report_fig_free(&d->figs[i].f);
		free(d->figs[i].png);
	}
	ll_html_buf_free(&d->md);
	ll_html_buf_free(&mdh);
	ll_html_buf_free(&html);
	ll_free(figdir);
	free(d);
	return rc;
}
