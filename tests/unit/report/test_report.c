/* The session report: small MNIST and simulated sessions run in process
 * with the report step; every section present, every figure a PNG of the
 * size the report states with its CSV of the stated rows, a self-contained
 * HTML whose data: URIs are exactly the figure files, identical bytes on a
 * second rendering, pixels where the axes say, and failures (unwritable
 * directory, full disk) that leave nothing behind.
 * LL_REPORT_KEEP=1 keeps the output directories. */
#include "tensor/ll_ens.h"
#include "ll_figs.h"
#include "base/ll_fs.h"
#include "ll_html.h"
#include "plot/ll_plot.h"
#include "plot/ll_png.h"
#include "ll_report.h"
#include "ll_section.h"
#include "pipeline/ll_session.h"
#include "pipeline/steps/step_compare.h"
#include "pipeline/steps/step_data.h"
#include "pipeline/steps/step_tca.h"
#include "pipeline/steps/step_tensor.h"
#include "pipeline/steps/step_train.h"
#include "pipeline/steps/step_traj.h"
#include "ll_test.h"
#include "pca/ll_traj.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef LL_MNIST_DIR
#define LL_MNIST_DIR "examples/data"
#endif

static char g_root[64];

static const char *mnist_text =
	"[session]\nname = small-mnist\nseed = 3\nthreads = 2\n"
	"[data]\nkind = mnist\npath = " LL_MNIST_DIR "\n"
	"[train]\nmodels = 3\nhidden = 16\nepochs = 1\ntrain_images = 1000\nlog_every = 10\n"
	"probe_per_class = 10\ninit = independent\nmatch_units = yes\n"
	"[tensor]\n[tca]\nranks = 1-3\nreplicates = 2\nmax_iter = 50\n[trajectory]\n"
	"[compare]\nmetrics = cka,rsa\n"
	"[report]\ntitle = Small MNIST <&> \"test\"\n";

static const char *synth_text =
	"[session]\nname = bio\nseed = 7\n"
	"[data]\nkind = synth\nneurons = 20\ntime = 30\ntrials = 40\n"
	"[tca]\nranks = 1-4\nreplicates = 3\n[trajectory]\n[report]\n";

/* sessions are run once and shared by the tests */
static ll_session g_mnist, g_synth;
static int g_mnist_ok, g_synth_ok;
static char g_mnist_dir[128], g_synth_dir[128];

static char *slurp(const char *dir, const char *name, size_t *len)
{
	char *p = ll_path_join(dir, name), *buf = NULL;
	size_t n = 0;
	if (p && ll_read_file(p, 0, &buf, &n, NULL) != LL_OK)
		buf = NULL;
	ll_free(p);
	if (len)
		*len = n;
	return buf;
}

static int exists(const char *dir, const char *name)
{
	struct stat st;
	char *p = ll_path_join(dir, name);
	int r = p && stat(p, &st) == 0;
	ll_free(p);
	return r;
}

static int run_session(ll_session *s, const char *text, const char *dir)
{
	ll_err e = {0, ""};
	if (ll_session_load_text(s, text, "t.lab", &e) != LL_OK) {
		printf("# load: %s\n", e.msg);
		return 0;
	}
	s->report_fn = ll_report_session;
	double t0 = ll_now();
	int rc = ll_session_run_all(s, dir, NULL, NULL, &e);
	if (rc != LL_OK) {
		printf("# run: %s\n", e.msg);
		return 0;
	}
	printf("# %s: pipeline %.2f s, report step %.3f s\n", dir, ll_now() - t0, s->seconds[LL_STEP_REPORT]);
	return 1;
}

/* ---- helpers over the written report ---- */

typedef struct fig_ref {
	char name[32];
	int w, h;
	long rows; /* from the caption "(N rows)" */
} fig_ref;

/* Every <img src="figures/NAME.png" width="W" height="H"> in report.md. */
static size_t parse_figs(const char *md, fig_ref *out, size_t max)
{
	size_t n = 0;
	for (const char *p = md; (p = strstr(p, "<img src=\"figures/")) && n < max; p++) {
		fig_ref *f = &out[n];
		const char *nm = p + strlen("<img src=\"figures/");
		const char *dot = strstr(nm, ".png\"");
		if (!dot || dot - nm >= (long)sizeof f->name)
			continue;
		snprintf(f->name, sizeof f->name, "%.*s", (int)(dot - nm), nm);
		if (sscanf(dot, ".png\" width=\"%d\" height=\"%d\"", &f->w, &f->h) != 2)
			continue;
		char csvpat[64];
		snprintf(csvpat, sizeof csvpat, "%s.csv</a> (", f->name);
		const char *c = strstr(p, csvpat);
		f->rows = c ? strtol(c + strlen(csvpat), NULL, 10) : -1;
		n++;
	}
	return n;
}

static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decode base64 from p up to the first non-base64 character. */
static uint8_t *b64dec(const char *p, size_t *outlen)
{
	size_t n = 0;
	while (b64val((unsigned char)p[n]) >= 0 || p[n] == '=')
		n++;
	uint8_t *o = ll_malloc(n / 4 * 3 + 3);
	size_t k = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; o && i < n && p[i] != '='; i++) {
		acc = acc << 6 | (uint32_t)b64val((unsigned char)p[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[k++] = (uint8_t)(acc >> bits);
		}
	}
	*outlen = k;
	return o;
}

/* The checks every report must pass; returns the figures found. */
static size_t check_report(const ll_session *s, const char *dir, fig_ref *figs, size_t maxf)
{
	size_t mdlen = 0, hlen = 0, nf = 0;
	char *md = slurp(dir, "report.md", &mdlen);
	char *html = slurp(dir, "report.html", &hlen);
	char figdir[256];
	snprintf(figdir, sizeof figdir, "%s/figures", dir);
	LL_CHECK(md && html);
	if (!md || !html)
		goto out;
	LL_CHECK_INT(strlen(md), mdlen); /* no NUL bytes */
	nf = parse_figs(md, figs, maxf);
	LL_CHECK(nf >= 4);
	LL_CHECK_INT(nf, count_str(md, "<img "));
	const char *name = ll_session_get(s, LL_STEP_SESSION, "name");
	size_t ndata = 0;
	for (size_t i = 0; i < nf; i++) {
		char file[64];
		snprintf(file, sizeof file, "%s.png", figs[i].name);
		char *path = ll_path_join(figdir, file);
		ll_png_image img;
		ll_err e = {0, ""};
		int rc = ll_png_read(path, &img, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s: %s", path, e.msg);
		if (rc == LL_OK) {
			LL_CHECK_MSG(img.w == figs[i].w && img.h == figs[i].h, "%s is %dx%d, report says %dx%d", file,
				     img.w, img.h, figs[i].w, figs[i].h);
			const char *t = ll_png_image_text(&img, "Title"), *sw = ll_png_image_text(&img, "Software");
			LL_CHECK(t && *t);
			LL_CHECK(sw && !strncmp(sw, "latentlab ", 10));
			LL_CHECK_STR(ll_png_image_text(&img, "Session"), name);
			ll_png_image_free(&img);
		}
		/* the CSV beside it: a header and the stated rows, fields as the header */
		snprintf(file, sizeof file, "%s.csv", figs[i].name);
		size_t clen = 0;
		char *csv = slurp(figdir, file, &clen);
		LL_CHECK_MSG(csv != NULL, "%s missing", file);
		if (csv) {
			size_t lines = count_lines(csv, clen);
			LL_CHECK(clen > 0 && csv[clen - 1] == '\n');
			LL_CHECK_MSG((long)lines - 1 == figs[i].rows, "%s: %zu data rows, report says %ld", file,
				     lines - 1, figs[i].rows);
			size_t fields = 1;
			for (const char *c = csv; *c != '\n'; c++)
				fields += *c == ',';
			LL_CHECK(fields >= 3);
			int bad = 0;
			for (char *line = strchr(csv, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
				size_t k = 1;
				for (const char *c = line; *c != '\n'; c++)
					k += *c == ',';
				bad |= k != fields;
			}
			LL_CHECK_MSG(!bad, "%s: a row with a different number of fields", file);
			ll_free(csv);
		}
		/* its data: URI in the HTML carries exactly the file's bytes */
		size_t plen = 0;
		snprintf(file, sizeof file, "%s.png", figs[i].name);
		char *png = slurp(figdir, file, &plen);
		const char *u = html;
		for (size_t k = 0; k <= i && u; k++) {
			u = strstr(u, "src=\"data:image/png;base64,");
			if (u && k < i)
				u++;
		}
		LL_CHECK(u != NULL);
		if (u && png) {
			size_t dlen = 0;
			uint8_t *dec = b64dec(u + strlen("src=\"data:image/png;base64,"), &dlen);
			LL_CHECK_MSG(dec && dlen == plen && !memcmp(dec, png, plen), "%s: data URI differs from the file",
				     figs[i].name);
			ll_free(dec);
			ndata++;
		}
		ll_free(png);
		ll_free(path);
	}
	/* self-contained */
	LL_CHECK(!strstr(html, "http://"));
	LL_CHECK(!strstr(html, "https://"));
	LL_CHECK(!strstr(html, "src=\"figures/"));
	LL_CHECK(!strstr(html, "href=\"figures/"));
	LL_CHECK(!strstr(html, "<link"));
	/* scripts: only the 3-D view's, inline (its data block and its code) */
	LL_CHECK(!strstr(html, "<script src") && !strstr(html, " src=\"//"));
	LL_CHECK_INT(count_str(html, "<script"), 2 * count_str(html, "<figure class=\"view3d\""));
	LL_CHECK(!strstr(md, "<script") && !strstr(md, "<canvas")); /* report.md: the PNGs only */
	LL_CHECK_INT(count_str(html, "data:image/png;base64,"), nf);
	LL_CHECK_INT(count_str(html, "data:text/csv;base64,"), nf);
	LL_CHECK_INT(ndata, nf);
	LL_CHECK(strstr(html, "<style>") && strstr(html, "@media print"));
	/* the tables survived as tables (raw HTML kept by CMARK_OPT_UNSAFE) */
	LL_CHECK(!strstr(html, "raw HTML omitted"));
	LL_CHECK(count_str(html, "<table>") >= 4);
	/* sections every report has */
	static const char *const always[] = {
		"<a id=\"session\"></a>", "<a id=\"data\"></a>", "<a id=\"provenance\"></a>",
		"**Contents**", "](#session)", "](#data)", "](#provenance)", "```ini\n",
		"latentlab run session.lab -o replay", "<td>OpenBLAS</td>", "<td>LAPACK</td>",
		"<td>cmark</td>", "<td>libpng</td>", "<td>zlib</td>", "system (uname -sm)", "CPUs online",
		"OpenBLAS threads", "session seed", "Steps as run",
	};
	for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
		LL_CHECK_MSG(strstr(md, always[i]) != NULL, "report.md lacks %s", always[i]);
	/* the session file itself, verbatim */
	LL_CHECK(s->text && strstr(md, s->text));
	/* the date is when the data step ran, UTC, ISO 8601 */
	char date[40];
	time_t tt = (time_t)s->started;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(date, sizeof date, "run %Y-%m-%dT%H:%M:%SZ", &tm);
	LL_CHECK_MSG(strstr(md, date) != NULL, "report.md lacks '%s'", date);
	/* wall time per step: each step's seconds as the table shows them */
	ll_step_kind st[LL_NSTEPS];
	size_t nst = ll_session_steps(s, st);
	for (size_t i = 0; i < nst; i++) {
		if (st[i] == LL_STEP_REPORT)
			continue;
		char row[128];
		snprintf(row, sizeof row, "<tr><td>%s</td><td>done</td><td class=\"num\">%.2f</td>",
			 ll_step_name(st[i]), s->seconds[st[i]]);
		LL_CHECK_MSG(strstr(md, row) != NULL, "report.md lacks the time of %s", ll_step_name(st[i]));
	}
	/* TCA: chosen rank, its reason (as Markdown text), the similarity used,
	 * the seeds of the chosen rank's fits */
	char buf[256];
	snprintf(buf, sizeof buf, "**Chosen rank: %zu.** Reason: ", s->res.tca->chosen_rank);
	LL_CHECK_MSG(strstr(md, buf) != NULL, "report.md lacks '%s'", buf);
	snprintf(buf, sizeof buf, "%.30s", s->res.tca->rank_reason);
	LL_CHECK_MSG(strstr(md, buf) != NULL, "report.md lacks the reason '%s'", buf);
	LL_CHECK(strstr(md, ll_sim_name(s->res.tca->ens.sim)) != NULL);
	const ll_ens_rank *cr = ll_ens_get(&s->res.tca->ens, s->res.tca->chosen_rank);
	for (size_t k = 0; cr && k < cr->nrep; k++) {
		snprintf(buf, sizeof buf, "<code>%llu</code>", (unsigned long long)cr->fits[k].seed);
		LL_CHECK_MSG(strstr(md, buf) != NULL, "seed of replicate %zu missing", k);
	}
	static const char *const tca[] = {"<a id=\"tca\"></a>", "<a id=\"factors\"></a>",
					  "<a id=\"trajectories\"></a>", "](#tca)", "](#trajectories)",
					  "figures/factors.png", "figures/tca_rank.png",
					  "figures/trajectories.png"};
	for (size_t i = 0; i < sizeof tca / sizeof tca[0]; i++)
		LL_CHECK_MSG(strstr(md, tca[i]) != NULL, "report.md lacks %s", tca[i]);
	/* no temporaries left */
	const char *dirs[2] = {dir, figdir};
	for (int k = 0; k < 2; k++) {
		DIR *dd = opendir(dirs[k]);
		struct dirent *de;
		while (dd && (de = readdir(dd)))
			LL_CHECK_MSG(!strstr(de->d_name, ".tmp."), "temporary %s/%s left", dirs[k], de->d_name);
		if (dd)
			closedir(dd);
	}
out:
	ll_free(md);
	ll_free(html);
	return nf;
}

/* Build the figure a section's descriptor names name. */
static int build_fig(const char *name, const ll_session *s, ll_report_fig *f, ll_err *err)
{
	for (size_t i = 0; i < LL_NSECTIONS; i++)
		for (size_t k = 0; k < ll_sections[i]->nfigs; k++)
			if (!strcmp(ll_sections[i]->figs[k].name, name))
				return ll_sections[i]->figs[k].build(s, f, err);
	ll_report_fig_init(f);
	return ll_err_set(err, LL_EINVAL, "no section draws %s", name);
}

static const fig_ref *fig_named(const fig_ref *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	return NULL;
}

/* ---- tests ---- */

static void test_mnist_report(void)
{
	LL_CHECK(g_mnist_ok);
	if (!g_mnist_ok)
		return;
	const ll_session *s = &g_mnist;
	fig_ref figs[16];
	size_t nf = check_report(s, g_mnist_dir, figs, 16);
	LL_CHECK_INT(nf, 8);
	char *md = slurp(g_mnist_dir, "report.md", NULL), *html = slurp(g_mnist_dir, "report.html", NULL);
	if (!md || !html) {
		LL_CHECK(0);
		ll_free(md);
		ll_free(html);
		return;
	}
	/* the title is escaped for Markdown, and arrives in the HTML as entities */
	LL_CHECK(!strncmp(md, "# Small MNIST \\<\\&\\> \"test\"\n", 28));
	LL_CHECK(strstr(html, "<title>Small MNIST &lt;&amp;&gt; &quot;test&quot;</title>") != NULL);
	LL_CHECK(strstr(html, "<h1>Small MNIST &lt;&amp;&gt; &quot;test&quot;</h1>") != NULL);
	LL_CHECK(strstr(md, "<a id=\"training\"></a>") && strstr(md, "](#training)"));
	LL_CHECK(strstr(md, "MNIST 1000 train + 1000 test images") != NULL); /* how many images */
	char buf[160];
	snprintf(buf, sizeof buf, "final test accuracy %.1f%% on average (lowest %.1f%%)",
		 100 * s->res.train->log.final_acc_mean, 100 * s->res.train->log.final_acc_min);
	LL_CHECK_MSG(strstr(md, buf) != NULL, "report.md lacks '%s'", buf);
	LL_CHECK(strstr(md, "<a id=\"truth\"></a>") == NULL);
	/* rows of each CSV, from the session's shapes */
	const ll_train_log *t = &s->res.train->log;
	const ll_traj_set *ts = (s->res.traj ? &s->res.traj->ts : NULL);
	const ll_ens_rank *cr = ll_ens_get(&s->res.tca->ens, s->res.tca->chosen_rank);
	size_t reps = 0, iters = 0, dims = 0;
	for (size_t i = 0; i < s->res.tca->ens.nranks; i++)
		reps += s->res.tca->ens.ranks[i].nrep;
	for (size_t k = 0; k < cr->nrep; k++)
		iters += (size_t)cr->fits[k].iters;
	for (int n = 0; n < s->res.tensor->X.nmodes; n++)
		dims += s->res.tensor->X.dim[n];
	const fig_ref *f;
	LL_CHECK((f = fig_named(figs, nf, "training")) && f->rows == (long)((t->models + 1) * t->snapshots));
	LL_CHECK((f = fig_named(figs, nf, "tca_rank")) && f->rows == (long)reps);
	LL_CHECK((f = fig_named(figs, nf, "tca_convergence")) && f->rows == (long)iters);
	LL_CHECK((f = fig_named(figs, nf, "factors")) && f->rows == (long)(s->res.tca->chosen_rank * dims));
	LL_CHECK((f = fig_named(figs, nf, "trajectories")) && f->rows == (long)(ts->n_paths * ts->n_points));
	/* compare: every metric's models x models block, a row per model, a row per snapshot */
	const struct ll_res_compare *cr2 = s->res.compare;
	size_t nmet = 0;
	for (int m = 0; m < LL_NMETRICS; m++)
		nmet += (cr2->metrics & LL_METRIC_BIT(m)) != 0;
	LL_CHECK_INT(nmet, 2);
	LL_CHECK((f = fig_named(figs, nf, "compare_matrices")) && f->rows == (long)(nmet * t->models));
	LL_CHECK((f = fig_named(figs, nf, "compare_mds")) && f->rows == (long)t->models);
	LL_CHECK((f = fig_named(figs, nf, "compare_training")) && f->rows == (long)t->snapshots);
	LL_CHECK(strstr(md, "<a id=\"compare\"></a>") && strstr(md, "](#compare)"));
	LL_CHECK(strstr(md, "- **Comparison:** 3 models on 10 digit means x 16 units") != NULL);
	/* the factor grid: one panel row per component, one column per mode */
	ll_report_fig fig;
	ll_err e = {0, ""};
	LL_CHECK_INT(build_fig("factors", s, &fig, &e), LL_OK);
	LL_CHECK_INT(fig.fig.rows, (int)s->res.tca->chosen_rank);
	LL_CHECK_INT(fig.fig.cols, 4);
	LL_CHECK(fig.fig.axes[1].nseries == 1 && fig.fig.axes[1].series[0].kind == LL_PLOT_SCATTER &&
		 fig.fig.axes[1].series[0].colors != NULL); /* digits: dots coloured by label */
	LL_CHECK(fig.fig.axes[2].series[0].kind == LL_PLOT_BARS);  /* units */
	LL_CHECK(fig.fig.axes[3].series[0].kind == LL_PLOT_LINE);  /* snapshots */
	LL_CHECK(fig.fig.axes[3].series[0].x[t->snapshots - 1] == t->step[t->snapshots - 1]);
	ll_report_fig_free(&fig);
	ll_free(md);
	ll_free(html);
}

static void test_synth_report(void)
{
	LL_CHECK(g_synth_ok);
	if (!g_synth_ok)
		return;
	const ll_session *s = &g_synth;
	fig_ref figs[16];
	size_t nf = check_report(s, g_synth_dir, figs, 16);
	LL_CHECK_INT(nf, 4);
	LL_CHECK(fig_named(figs, nf, "training") == NULL);
	char *md = slurp(g_synth_dir, "report.md", NULL);
	if (!md) {
		LL_CHECK(0);
		return;
	}
	LL_CHECK(!strncmp(md, "# bio\n", 6)); /* no title: the session name */
	LL_CHECK(strstr(md, "<a id=\"training\"></a>") == NULL);
	LL_CHECK(strstr(md, "](#training)") == NULL);
	LL_CHECK(strstr(md, "**simulated**") != NULL);
	LL_CHECK(strstr(md, "<a id=\"truth\"></a>") != NULL);
	/* the truth comparison shows the stored fit's similarity to the planted model */
	const ll_ens_rank *cr = ll_ens_get(&s->res.tca->ens, s->res.tca->chosen_rank);
	double sim = NAN;
	LL_CHECK_INT(ll_kt_similarity(&s->res.data->truth, &cr->fits[0].K, LL_SIM_CONGRUENCE, &sim, NULL, NULL), LL_OK);
	char buf[64], row[64];
	snprintf(buf, sizeof buf, "<td class=\"num\">%.3f</td></tr>", sim);
	snprintf(row, sizeof row, "<tr class=\"chosen\"><td>%zu (chosen", s->res.tca->chosen_rank);
	const char *tr = strstr(md, "<a id=\"truth\"></a>");
	tr = tr ? strstr(tr, row) : NULL;
	const char *end = tr ? strstr(tr, "</tr>") : NULL;
	const char *v = tr ? strstr(tr, buf) : NULL;
	LL_CHECK_MSG(v && v + strlen(buf) - 5 == end, "the chosen row of the truth table lacks %s", buf);
	/* one row per fitted rank */
	tr = strstr(md, "<a id=\"truth\"></a>");
	end = tr ? strstr(tr, "</table>") : NULL;
	size_t rows = 0;
	for (const char *q = tr; q && (q = strstr(q, "<tr")) && q < end; q++)
		rows++;
	LL_CHECK_INT(rows, s->res.tca->ens.nranks + 1); /* + the header row */
	LL_CHECK(sim > 0.9); /* the planted factors are found */
	/* the weights table: a row per component of the best fit, its weight
	 * and its share of the squared weights */
	const ll_ktensor *K = &cr->fits[0].K;
	double tot = 0.0;
	for (size_t c = 0; c < K->rank; c++)
		tot += K->lambda[c] * K->lambda[c];
	const char *wt = strstr(md, "<caption>Components of the best fit");
	LL_CHECK(wt != NULL);
	for (size_t c = 0; wt && c < K->rank; c++) {
		char want[160];
		double share = 100.0 * K->lambda[c] * K->lambda[c] / tot;
		snprintf(want, sizeof want, "<tr><td>C%zu</td><td class=\"num\">%.4g</td><td class=\"num\">%.1f</td>",
			 c + 1, K->lambda[c], share);
		LL_CHECK_MSG(strstr(wt, want) != NULL, "the weights table lacks %s", want);
	}
	/* conditions: the trial column has a legend entry per condition */
	ll_report_fig fig;
	ll_err e = {0, ""};
	LL_CHECK_INT(build_fig("factors", s, &fig, &e), LL_OK);
	const ll_plot_axes *top = ll_plot_fig_axes(&fig.fig, 0, 2);
	int legend = 0;
	for (size_t i = 0; top && i < top->nseries; i++)
		legend += top->series[i].kind == LL_PLOT_LEGEND_ONLY;
	LL_CHECK_INT(legend, 2);
	ll_report_fig_free(&fig);
	ll_free(md);
}

/* Rendering the same session again gives the same bytes in every file. */
static void compare_dirs(const char *a, const char *b, const char *sub)
{
	char da[256], db[256];
	snprintf(da, sizeof da, "%s%s", a, sub);
	snprintf(db, sizeof db, "%s%s", b, sub);
	DIR *dd = opendir(da);
	struct dirent *de;
	int n = 0;
	while (dd && (de = readdir(dd))) {
		const char *nm = de->d_name;
		size_t l = strlen(nm);
		if (!(l > 4 && (!strcmp(nm + l - 4, ".png") || !strcmp(nm + l - 4, ".csv") ||
				!strcmp(nm + l - 3, ".md") || !strcmp(nm + l - 5, ".html"))))
			continue;
		size_t la = 0, lb = 0;
		char *x = slurp(da, nm, &la), *y = slurp(db, nm, &lb);
		LL_CHECK_MSG(x && y && la == lb && !memcmp(x, y, la), "%s/%s differs", sub, nm);
		ll_free(x);
		ll_free(y);
		n++;
	}
	if (dd)
		closedir(dd);
	LL_CHECK(n >= 2);
}

static void test_deterministic(void)
{
	char dir[160];
	ll_err e = {0, ""};
	LL_CHECK(g_mnist_ok && g_synth_ok);
	if (!g_mnist_ok || !g_synth_ok)
		return;
	snprintf(dir, sizeof dir, "%s/mnist-again", g_root);
	double t0 = ll_now();
	int rc = ll_report_session(&g_mnist, dir, NULL, &e);
	printf("# second rendering of the small MNIST report: %.3f s\n", ll_now() - t0);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	compare_dirs(g_mnist_dir, dir, "");
	compare_dirs(g_mnist_dir, dir, "/figures");
	snprintf(dir, sizeof dir, "%s/synth-again", g_root);
	LL_CHECK_INT(ll_report_session(&g_synth, dir, NULL, &e), LL_OK);
	compare_dirs(g_synth_dir, dir, "");
	compare_dirs(g_synth_dir, dir, "/figures");
}

static int near_color(uint32_t c, uint32_t want, int tol)
{
	for (int sh = 0; sh < 24; sh += 8)
		if (abs((int)((c >> sh) & 0xFF) - (int)((want >> sh) & 0xFF)) > tol)
			return 0;
	return 1;
}

/* The section list: ids and figure names unique, every figure named as
 * its descriptor says (or refused by name where the session lacks its
 * results), and report.md has the present sections' headings
 * and contents entries in list order, numbered. */
static void test_sections(void)
{
	LL_CHECK(g_mnist_ok);
	if (!g_mnist_ok)
		return;
	char *md = slurp(g_mnist_dir, "report.md", NULL);
	const char *at = md;
	size_t nfigs = 0, num = 0;
	for (size_t i = 0; i < LL_NSECTIONS; i++) {
		const ll_section *sec = ll_sections[i];
		LL_CHECK(sec->id && sec->title && sec->write);
		LL_CHECK_MSG(!sec->nfigs || sec->drawn, "section %s has figures but no drawn()", sec->id);
		LL_CHECK(sec->nfigs <= LL_SECTION_MAX_FIGS);
		for (size_t j = 0; j < i; j++)
			LL_CHECK_MSG(strcmp(sec->id, ll_sections[j]->id), "two sections are named %s", sec->id);
		for (size_t k = 0; k < sec->nfigs; k++) {
			const char *name = sec->figs[k].name;
			ll_report_fig f;
			ll_err e = {0, ""};
			LL_CHECK(strlen(name) < sizeof f.name);
			for (size_t j = 0; j <= i; j++)
				for (size_t q = 0; q < (j < i ? ll_sections[j]->nfigs : k); q++)
					LL_CHECK_MSG(strcmp(name, ll_sections[j]->figs[q].name), "two figures are named %s",
						     name);
			/* the MNIST session draws every figure of the sections
			 * it has results for; the others' builders refuse it */
			int drawn = sec->drawn(&g_mnist) && (!sec->figs[k].drawn || sec->figs[k].drawn(&g_mnist));
			int rc = sec->figs[k].build(&g_mnist, &f, &e);
			if (drawn) {
				LL_CHECK_MSG(rc == LL_OK, "%s: %s", name, e.msg);
				LL_CHECK_MSG(!strcmp(f.name, name), "figure %s is built as %s", name, f.name);
			} else {
				LL_CHECK_MSG(rc == LL_EINVAL && strstr(e.msg, name), "%s without its results: %d %s", name,
					     rc, e.msg);
			}
			ll_report_fig_free(&f);
			nfigs++;
		}
		/* "N. Title" after the anchor, in order (every section of the
		 * MNIST session is present; a test build has more) */
		if (sec->present && !sec->present(&g_mnist))
			continue;
		num++;
		char want[160], toc[160];
		snprintf(want, sizeof want, "## <a id=\"%s\"></a>%zu. ", sec->id, num);
		snprintf(toc, sizeof toc, "%zu. [%s](#%s)\n", num, sec->title, sec->id);
		LL_CHECK_MSG(md && strstr(md, toc), "report.md lacks the contents entry %s", toc);
		const char *h = at ? strstr(at, want) : NULL;
		LL_CHECK_MSG(h != NULL, "report.md lacks %s in order", want);
		at = h ? h : at;
	}
	LL_CHECK(nfigs <= LL_REPORT_MAX_FIGS);
	ll_free(md);
}

/* The best fit of every rank is drawn (square, vermillion) where the axes
 * map it, and the mean test accuracy ends where the training axes say. */
static void test_pixels(void)
{
	LL_CHECK(g_mnist_ok);
	if (!g_mnist_ok)
		return;
	ll_report_fig f;
	ll_raster r;
	ll_err e = {0, ""};
	LL_CHECK_INT(build_fig("tca_rank", &g_mnist, &f, &e), LL_OK);
	LL_CHECK_INT(ll_plot_render(&f.fig, &r, &e), LL_OK);
	const ll_plot_axes *ax = ll_plot_fig_axes(&f.fig, 0, 0);
	for (size_t i = 0; i < g_mnist.res.tca->ens.nranks; i++) {
		const ll_ens_rank *rk = &g_mnist.res.tca->ens.ranks[i];
		double px, py;
		LL_CHECK_INT(ll_plot_map(ax, (double)rk->rank, rk->fits[0].obj, &px, &py), LL_OK);
		LL_CHECK(px >= ax->px0 && px < ax->px1 && py >= ax->py0 && py < ax->py1);
		uint32_t c = ll_raster_get(&r, (int)floor(px), (int)floor(py));
		LL_CHECK_MSG(near_color(c, ll_plot_palette(1), 8), "rank %zu best at (%.1f, %.1f): %08x", rk->rank,
			     px, py, (unsigned)c);
		/* well above it (a tenth of the panel) there is no vermillion */
		uint32_t above = ll_raster_get(&r, (int)floor(px), (int)floor(py) - (ax->py1 - ax->py0) / 10);
		LL_CHECK(!near_color(above, ll_plot_palette(1), 40));
	}
	ll_raster_free(&r);
	ll_report_fig_free(&f);

	LL_CHECK_INT(build_fig("training", &g_mnist, &f, &e), LL_OK);
	LL_CHECK_INT(ll_plot_render(&f.fig, &r, &e), LL_OK);
	const ll_train_log *t = &g_mnist.res.train->log;
	size_t S = t->snapshots, M = t->models;
	double mean = 0;
	for (size_t m = 0; m < M; m++)
		mean += 100 * t->acc[m * S + S / 2] / (double)M;
	double px, py;
	ax = ll_plot_fig_axes(&f.fig, 0, 1);
	LL_CHECK_INT(ll_plot_map(ax, t->step[S / 2], mean, &px, &py), LL_OK);
	uint32_t c = ll_raster_get(&r, (int)floor(px), (int)floor(py));
	LL_CHECK_MSG(((c >> 16) & 0xFF) < 90 && ((c >> 8) & 0xFF) < 90 && (c & 0xFF) < 120,
		     "mean accuracy at (%.1f, %.1f) is %08x, not the black mean line", px, py, (unsigned)c);
	ll_raster_free(&r);
	ll_report_fig_free(&f);
}

/* The workbench may write a report before every step has run. */
static void test_partial(void)
{
	ll_session s;
	ll_err e = {0, ""};
	char dir[160];
	snprintf(dir, sizeof dir, "%s/partial", g_root);
	LL_CHECK_INT(ll_session_load_text(&s, synth_text, "t.lab", &e), LL_OK);
	LL_CHECK_INT(ll_session_run_step(&s, LL_STEP_DATA, NULL, NULL, NULL, &e), LL_OK);
	LL_CHECK_INT(ll_session_run_step(&s, LL_STEP_TENSOR, NULL, NULL, NULL, &e), LL_OK);
	int rc = ll_report_session(&s, dir, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	char *md = slurp(dir, "report.md", NULL);
	LL_CHECK(md && strstr(md, "The tca step has not run (state: pending)"));
	LL_CHECK(md && strstr(md, "The trajectory step has not run (state: pending)"));
	LL_CHECK(md && !strstr(md, "<img "));
	LL_CHECK(exists(dir, "report.html"));
	ll_free(md);
	ll_session_free(&s);
}

static void test_bad_outdir(void)
{
	ll_err e = {0, ""};
	LL_CHECK(g_synth_ok);
	if (!g_synth_ok)
		return;
	int rc = ll_report_session(&g_synth, "/proc/nonexistent/report", NULL, &e);
	LL_CHECK_INT(rc, LL_EIO);
	LL_CHECK_CONTAINS(e.msg, "/proc/nonexistent");
	struct stat st;
	LL_CHECK(stat("/proc/nonexistent/report", &st) != 0);
	LL_CHECK_INT(ll_report_session(&g_synth, NULL, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "output directory");
	LL_CHECK_INT(ll_report_session(NULL, g_root, NULL, &e), LL_EINVAL);
	/* a file where the figures directory should be */
	char dir[160], *p;
	snprintf(dir, sizeof dir, "%s/blocked", g_root);
	LL_CHECK_INT(ll_mkdirs(dir, &e), LL_OK);
	p = ll_path_join(dir, "figures");
	FILE *fp = fopen(p, "w");
	if (fp)
		fclose(fp);
	LL_CHECK_INT(ll_report_session(&g_synth, dir, NULL, &e), LL_EIO);
	LL_CHECK_CONTAINS(e.msg, "figures");
	LL_CHECK(!exists(dir, "report.md") && !exists(dir, "report.html"));
	ll_free(p);
}

/* Run the report in a child whose files may not exceed limit bytes;
 * returns the child's status code (0 = LL_OK, else -code). */
static int report_limited(ll_session *s, const char *dir, rlim_t limit)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit rl = {limit, limit};
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		ll_err e = {0, ""};
		int rc = ll_report_session(s, dir, NULL, &e);
		if (rc != LL_OK)
			printf("# limited to %lu bytes: %s\n", (unsigned long)limit, e.msg);
		fflush(stdout);
		_exit(-rc);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void check_no_temps(const char *dir)
{
	char figdir[200];
	snprintf(figdir, sizeof figdir, "%s/figures", dir);
	const char *dirs[2] = {dir, figdir};
	for (int k = 0; k < 2; k++) {
		DIR *dd = opendir(dirs[k]);
		struct dirent *de;
		while (dd && (de = readdir(dd)))
			LL_CHECK_MSG(!strstr(de->d_name, ".tmp."), "temporary %s/%s left", dirs[k], de->d_name);
		if (dd)
			closedir(dd);
	}
}

static void test_full_disk(void)
{
	LL_CHECK(g_mnist_ok);
	if (!g_mnist_ok)
		return;
	char dir[160];
	ll_err e = {0, ""};
	const char *old = "an older report\n";
	/* 1: the first figure does not fit */
	snprintf(dir, sizeof dir, "%s/full1", g_root);
	LL_CHECK_INT(ll_mkdirs(dir, &e), LL_OK);
	char *p = ll_path_join(dir, "report.md");
	FILE *fp = fopen(p, "w");
	if (fp) {
		fputs(old, fp);
		fclose(fp);
	}
	ll_free(p);
	LL_CHECK_INT(report_limited(&g_mnist, dir, 4096), -LL_EIO);
	char *md = slurp(dir, "report.md", NULL);
	LL_CHECK_STR(md, old);
	ll_free(md);
	LL_CHECK(!exists(dir, "report.html"));
	check_no_temps(dir);

	/* 2: every figure and report.md fit, report.html does not: neither
	 * report.md nor any figure is replaced (they belong together) */
	size_t biggest = 0, hlen = 0, len = 0;
	char *h = slurp(g_mnist_dir, "report.html", &hlen);
	ll_free(h);
	char *m = slurp(g_mnist_dir, "report.md", &len);
	ll_free(m);
	biggest = len;
	char figdir[200];
	snprintf(figdir, sizeof figdir, "%s/figures", g_mnist_dir);
	DIR *dd = opendir(figdir);
	struct dirent *de;
	while (dd && (de = readdir(dd))) {
		if (de->d_name[0] == '.')
			continue;
		char *f = slurp(figdir, de->d_name, &len);
		ll_free(f);
		biggest = len > biggest ? len : biggest;
	}
	if (dd)
		closedir(dd);
	LL_CHECK(biggest + 1024 < hlen);
	snprintf(dir, sizeof dir, "%s/full2", g_root);
	LL_CHECK_INT(ll_mkdirs(dir, &e), LL_OK);
	p = ll_path_join(dir, "report.md");
	fp = fopen(p, "w");
	if (fp) {
		fputs(old, fp);
		fclose(fp);
	}
	ll_free(p);
	char figs2[240];
	snprintf(figs2, sizeof figs2, "%s/figures", dir);
	LL_CHECK_INT(ll_mkdirs(figs2, &e), LL_OK);
	p = ll_path_join(figs2, "factors.png");
	fp = fopen(p, "w");
	if (fp) {
		fputs("old figure", fp);
		fclose(fp);
	}
	ll_free(p);
	LL_CHECK_INT(report_limited(&g_mnist, dir, (rlim_t)(biggest + 1024)), -LL_EIO);
	md = slurp(dir, "report.md", NULL);
	LL_CHECK_STR(md, old);
	ll_free(md);
	LL_CHECK(!exists(dir, "report.html"));
	md = slurp(figs2, "factors.png", NULL);
	LL_CHECK_STR(md, "old figure"); /* the figures fitted, but wait for the documents */
	ll_free(md);
	LL_CHECK(!exists(dir, "figures/training.png"));
	check_no_temps(dir);

	/* and with room for everything the same child succeeds */
	snprintf(dir, sizeof dir, "%s/full3", g_root);
	LL_CHECK_INT(report_limited(&g_mnist, dir, (rlim_t)(hlen + 1024)), 0);
	LL_CHECK(exists(dir, "report.html"));
	/* a report without training, written over it, removes the old
	 * training figure: figures/ holds what report.md shows */
	LL_CHECK(exists(dir, "figures/training.png") && exists(dir, "figures/training.csv"));
	LL_CHECK_INT(ll_report_session(&g_synth, dir, NULL, &e), LL_OK);
	LL_CHECK(!exists(dir, "figures/training.png") && !exists(dir, "figures/training.csv"));
	LL_CHECK(exists(dir, "figures/factors.png"));
}

/* Escaping helpers: Markdown, HTML, base64 (RFC 4648 test vectors). */
static void test_text_helpers(void)
{
	ll_html_buf b;
	ll_html_buf_init(&b);
	ll_html_md_text(&b, "# a*b_c [x](y) <i> & `q` \\ 1\n2");
	LL_CHECK_STR(b.s, "\\# a\\*b\\_c \\[x\\](y) \\<i\\> \\& \\`q\\` \\\\ 1 2");
	ll_html_buf_free(&b);
	ll_html_text(&b, "<a href=\"x\">'&'</a>\n");
	LL_CHECK_STR(b.s, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; ");
	ll_html_buf_free(&b);
	static const char *const vec[][2] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
					     {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
	for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
		ll_html_buf_init(&b);
		ll_html_base64(&b, (const uint8_t *)vec[i][0], strlen(vec[i][0]));
		LL_CHECK_STR(b.len ? b.s : "", vec[i][1]);
		ll_html_buf_free(&b);
	}
	/* a fence longer than any backtick run inside */
	ll_html_md_code(&b, "sh", "a ```` b");
	LL_CHECK_STR(b.s, "`````sh\na ```` b\n`````\n");
	ll_html_buf_free(&b);
	/* a page: tables kept, nothing external */
	const char *md = "# T\n\n<div class=\"tbl\"><table>\n<tr><td>1</td></tr>\n</table></div>\n\ntext\n";
	LL_CHECK_INT(ll_html_page(&b, md, strlen(md), "T <1>", "gen", NULL), LL_OK);
	LL_CHECK(strstr(b.s, "<title>T &lt;1&gt;</title>") && strstr(b.s, "<tr><td>1</td></tr>") &&
		 strstr(b.s, "<h1>T</h1>") && strstr(b.s, "<p>text</p>"));
	ll_html_buf_free(&b);
}

static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			char *p = ll_path_join(path, de->d_name);
			if (p)
				rm_rf(p);
			ll_free(p);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

int main(void)
{
	snprintf(g_root, sizeof g_root, "/tmp/ll_report_XXXXXX");
	if (!mkdtemp(g_root)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(g_mnist_dir, sizeof g_mnist_dir, "%s/mnist", g_root);
	snprintf(g_synth_dir, sizeof g_synth_dir, "%s/synth", g_root);
	g_mnist_ok = run_session(&g_mnist, mnist_text, g_mnist_dir);
	g_synth_ok = run_session(&g_synth, synth_text, g_synth_dir);

	LL_RUN(test_text_helpers);
	LL_RUN(test_mnist_report);
	LL_RUN(test_synth_report);
	LL_RUN(test_deterministic);
	LL_RUN(test_sections);
	LL_RUN(test_pixels);
	LL_RUN(test_partial);
	LL_RUN(test_bad_outdir);
	LL_RUN(test_full_disk);

	ll_session_free(&g_mnist);
	ll_session_free(&g_synth);
	const char *keep = getenv("LL_REPORT_KEEP");
	if (keep && *keep)
		printf("# kept %s\n", g_root);
	else
		rm_rf(g_root);
	return ll_test_done();
}
