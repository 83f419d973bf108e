/* The report's Dynamics section on small populations trained here, in
 * memory (the data, rnn and dynamics steps of a session, no output
 * folders): the table's rows against the stored counts, the separation
 * sentence with the stored ratios, the four figures with CSVs of the
 * stated shapes and the states projected as ll_pca projects them; then the
 * results bent into the cases a run rarely gives -- one architecture (no
 * ratio), no MDS map, no fixed points, a failed or absent dynamics step, no
 * networks -- each said in words, with the figures it cannot draw left out
 * (and removed on a rerun).  The sine task adds the frequency table.
 * LL_REPORT_KEEP=1 keeps the output directories. */
#include "base/ll_fs.h"
#include "ll_figs.h"
#include "ll_report.h"
#include "ll_section.h"
#include "ll_test.h"
#include "pca/ll_pca.h"
#include "pipeline/ll_session.h"
#include "pipeline/steps/step_dynamics.h"
#include "pipeline/steps/step_rnn.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

static char g_root[64];

static const char *const FLIPFLOP = "[session]\nname = dyn\nseed = 1\nthreads = 1\n"
				    "[data]\nkind = task\n"
				    "[rnn]\ncells = vanilla,gru,lstm\nseeds = 2\nhidden = 6\niters = 40\nprobes = 4\n"
				    "[dynamics]\ninits = 32\n"
				    "[report]\n";
static const char *const SINE = "[session]\nname = dyn-sine\nseed = 2\nthreads = 1\n"
				"[data]\nkind = task\n"
				"[rnn]\ntask = sine\ncells = gru,lstm\nseeds = 2\nhidden = 6\niters = 40\nprobes = 4\n"
				"[dynamics]\ninits = 16\nlevels = 3\n"
				"[report]\n";
static const char *const RNN_ONLY = "[session]\nname = dyn-rnn\nseed = 1\nthreads = 1\n"
				    "[data]\nkind = task\n"
				    "[rnn]\ncells = vanilla,gru\nseeds = 1\nhidden = 5\niters = 20\nprobes = 3\n"
				    "[report]\n";

/* ---- helpers ---- */

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
	char *p = ll_path_join(dir, name);
	int ok = p && access(p, F_OK) == 0;
	ll_free(p);
	return ok;
}

/* needle in hay, reported without printing the whole report */
#define HAS(hay, needle) LL_CHECK_MSG((hay) && strstr((hay), (needle)), "no \"%s\"", (needle))
#define HAS_NOT(hay, needle) LL_CHECK_MSG(!(hay) || !strstr((hay), (needle)), "has \"%s\"", (needle))

/* "nan" or "inf" as a word, any case: a number printed without a check */
static const char *bad_number(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (p > s && isalpha((unsigned char)p[-1]))
			continue;
		if ((!strncasecmp(p, "nan", 3) || !strncasecmp(p, "inf", 3)) && !isalpha((unsigned char)p[3]))
			return p;
	}
	return NULL;
}

/* A CSV's data rows and its fields per row (-1 if the rows differ). */
static void csv_shape(const char *csv, long *rows, long *fields)
{
	*rows = -1;
	*fields = -1;
	if (!csv || !*csv)
		return;
	long n = 0, f0 = -1;
	for (const char *line = csv; *line; n++) {
		long k = 1;
		const char *e = strchr(line, '\n');
		if (!e)
			return;
		for (const char *c = line; c < e; c++)
			k += *c == ',';
		if (f0 < 0)
			f0 = k;
		else if (k != f0)
			return;
		line = e + 1;
	}
	*rows = n - 1;
	*fields = f0;
}

/* figures/NAME.png is a PNG and figures/NAME.csv has rows x fields, no nan */
static void check_fig(const char *dir, const char *name, long rows, long fields)
{
	char file[64];
	snprintf(file, sizeof file, "figures/%s.png", name);
	size_t n = 0;
	char *png = slurp(dir, file, &n);
	LL_CHECK_MSG(png && n > 8 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8), "%s missing or not a PNG", file);
	ll_free(png);
	snprintf(file, sizeof file, "figures/%s.csv", name);
	char *csv = slurp(dir, file, NULL);
	long r, f;
	csv_shape(csv, &r, &f);
	LL_CHECK_MSG(r == rows && f == fields, "%s: %ld rows x %ld fields, want %ld x %ld", name, r, f, rows, fields);
	const char *b = csv ? bad_number(csv) : NULL;
	LL_CHECK_MSG(!b, "%s has '%.12s'", name, b);
	ll_free(csv);
}

/* Load text and run every step but the report, in memory. */
static int session_run(ll_session *s, const char *text)
{
	ll_err e = {0, ""};
	ll_session_init(s);
	int rc = ll_session_load_text(s, text, "dyn.lab", &e);
	ll_step_kind ks[LL_NSTEPS];
	size_t n = rc == LL_OK ? ll_session_steps(s, ks) : 0;
	for (size_t i = 0; i < n && rc == LL_OK; i++)
		if (ks[i] != LL_STEP_REPORT)
			rc = ll_session_run_step(s, ks[i], NULL, NULL, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	return rc;
}

/* The report of s into ROOT/name; its Dynamics section (caller frees), or
 * NULL, from the report's source (the text the sections wrote, with its
 * raw HTML).  *md_out (may be NULL) gets the whole source. */
static char *report_of(ll_session *s, const char *name, char **md_out)
{
	ll_err e = {0, ""};
	char dir[160];
	snprintf(dir, sizeof dir, "%s/%s", g_root, name);
	ll_html_buf src;
	ll_html_buf_init(&src);
	ll_report_opts opts = {.command = NULL, .source = &src};
	int rc = ll_report_session(s, dir, &opts, &e);
	LL_CHECK_MSG(rc == LL_OK, "report: %s", e.msg);
	char *md = rc == LL_OK && !src.oom ? src.s : NULL, *sec = NULL;
	if (!md)
		ll_html_buf_free(&src);
	const char *a = md ? strstr(md, "## <a id=\"dynamics\"></a>") : NULL;
	if (a) {
		const char *b = strstr(a + 1, "\n## ");
		size_t n = b ? (size_t)(b - a) : strlen(a);
		if ((sec = ll_malloc(n + 1))) {
			memcpy(sec, a, n);
			sec[n] = '\0';
		}
	}
	LL_CHECK_MSG(sec != NULL, "%s: no Dynamics section", name);
	if (md_out)
		*md_out = md;
	else
		ll_free(md);
	return sec;
}

/* The network the section draws for cell c: the first that learned, else
 * the first. */
static size_t shown_of(const struct ll_res_rnn *r, ll_rnn_cell c)
{
	size_t first = SIZE_MAX;
	for (size_t i = 0; i < r->nets; i++)
		if (r->net[i].cfg.cell == c) {
			if (r->train[i].score.learned)
				return i;
			if (first == SIZE_MAX)
				first = i;
		}
	return first;
}

/* the table row of cell c, computed here from the stored counts */
static void expected_row(const struct ll_res_rnn *r, const struct ll_res_dynamics *dy, ll_rnn_cell c, char *buf,
			 size_t n)
{
	size_t nets = 0, learned = 0;
	double fixed = 0, stable = 0, one = 0, more = 0, slow = 0;
	for (size_t i = 0; i < r->nets; i++) {
		if (r->net[i].cfg.cell != c)
			continue;
		nets++;
		learned += r->train[i].score.learned != 0;
		const size_t *k = dy->counts + i * (dy->maxS + 1);
		for (size_t u = 0; u <= dy->maxS; u++) {
			fixed += (double)k[u];
			stable += u == 0 ? (double)k[u] : 0;
			one += u == 1 ? (double)k[u] : 0;
			more += u >= 2 ? (double)k[u] : 0;
		}
		slow += (double)dy->fp[i].n_slow;
	}
	double m = (double)nets;
	snprintf(buf, n,
		 "<tr><td>%s</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td><td class=\"num\">%.1f</td>"
		 "<td class=\"num\">%.1f</td><td class=\"num\">%.1f</td><td class=\"num\">%.1f</td>"
		 "<td class=\"num\">%.1f</td></tr>",
		 ll_rnn_cell_name(c), nets, learned, fixed / m, stable / m, one / m, more / m, slow / m);
}

/* The first trajectory row of network i in dynamics_states.csv against
 * ll_pca fitted here to the same states: the section projects with core
 * code, not its own. */
static void check_projection(const char *dir, const struct ll_res_rnn *r, size_t i)
{
	char *csv = slurp(dir, "figures/dynamics_states.csv", NULL);
	char key[64];
	snprintf(key, sizeof key, "\n%zu,%s,trajectory,0,0,,", i, ll_rnn_cell_name(r->net[i].cfg.cell));
	const char *row = csv ? strstr(csv, key) : NULL;
	LL_CHECK_MSG(row != NULL, "no row %s", key + 1);
	size_t B = r->probe.B, T = r->probe.T, S = r->net[i].S;
	double *X = ll_malloc_array(B * T, S * sizeof *X);
	ll_pca p;
	ll_err e = {0, ""};
	if (row && X) {
		for (size_t b = 0; b < B; b++)
			for (size_t k = 0; k < T * S; k++)
				X[b * T * S + k] = ll_res_rnn_states(r, i, b)[k];
		if (ll_pca_fit(&p, X, B * T, S, 3, &e) == LL_OK) {
			char *end = (char *)row + strlen(key);
			for (int c = 0; c < 3; c++) {
				double v = strtod(end, &end);
				LL_CHECK_NEAR(v, p.scores[c], 1e-9 * (1 + fabs(v)));
				end += *end == ',';
			}
			ll_pca_free(&p);
		} else {
			LL_CHECK_MSG(0, "pca: %s", e.msg);
		}
	}
	ll_free(X);
	ll_free(csv);
}

/* ---- tests ---- */

static ll_session g_ff; /* the flip-flop population, shared by the tests below */
static int g_ff_ok;

static void test_full(void)
{
	LL_CHECK(g_ff_ok);
	if (!g_ff_ok)
		return;
	ll_session *s = &g_ff;
	struct ll_res_rnn *r = s->res.rnn;
	struct ll_res_dynamics *dy = s->res.dynamics;
	char dir[160], *md = NULL;
	snprintf(dir, sizeof dir, "%s/full", g_root);
	char *sec = report_of(s, "full", &md);
	if (!sec) {
		ll_free(md);
		return;
	}
	HAS(md, "](#dynamics)");
	HAS(md, ". Dynamics\n");
	HAS(md, "- **Dynamics:** 6 networks on flipflop (vanilla, gru, lstm)");
	HAS(sec, "3 architectures: vanilla (2), gru (2) and lstm (2) networks");
	char want[512];
	snprintf(want, sizeof want, "%zu of 6 learned", r->n_learned);
	HAS(sec, want);
	for (size_t i = 0; i < r->nets; i++)
		if (!r->train[i].score.learned) {
			snprintf(want, sizeof want, "network %zu (%s, sign accuracy %.4f)", i,
				 ll_rnn_cell_name(r->net[i].cfg.cell), r->train[i].score.score);
			HAS(sec, want);
		}
	/* the table: a row per architecture, from the stored counts */
	HAS(sec, "<th class=\"num\">mean saddles (1 unstable)</th><th class=\"num\">mean with &gt;=2 unstable</th>");
	for (int c = 0; c < 3; c++) {
		expected_row(r, dy, (ll_rnn_cell)c, want, sizeof want);
		HAS(sec, want);
	}
	/* the measured answer, with the stored ratios */
	double g = dy->sep_geometry, t = dy->sep_topology;
	if (isfinite(g) && isfinite(t)) {
		snprintf(want, sizeof want, "Measured: geometry %.2f, topology %.2f. ", g, t);
		HAS(sec, want);
		if (g != t) {
			snprintf(want, sizeof want, "**%s separates the architectures more than %s does**",
				 g > t ? "Geometry" : "Topology", g > t ? "topology" : "geometry");
			HAS(sec, want);
		}
	} else {
		HAS(sec, "**Cannot tell**");
	}
	/* the figures: placed, written, CSVs of the stated shapes */
	size_t rows = 0, P = r->train[0].npoints, T = r->probe.T, B = r->probe.B;
	for (size_t i = 0; i < r->nets; i++)
		rows += r->train[i].npoints;
	check_fig(dir, "dynamics_training", (long)(rows + 3 * P), 4);
	size_t srows = 0, erows = 0;
	for (int c = 0; c < 3; c++) {
		size_t i = shown_of(r, (ll_rnn_cell)c);
		srows += B * T + dy->fp[i].n;
		erows += dy->fp[i].n * dy->fp[i].dim;
		char *csv = slurp(dir, "figures/dynamics_states.csv", NULL);
		snprintf(want, sizeof want, "\n%zu,%s,trajectory,", i, ll_rnn_cell_name((ll_rnn_cell)c));
		LL_CHECK_MSG(csv && strstr(csv, want), "network %zu is not the one drawn for %s", i,
			     ll_rnn_cell_name((ll_rnn_cell)c));
		ll_free(csv);
		check_projection(dir, r, i);
	}
	check_fig(dir, "dynamics_states", (long)srows, 9);
	if (erows)
		check_fig(dir, "dynamics_eigen", (long)erows, 8);
	check_fig(dir, "dynamics_mds", 6, 6);
	for (int k = 0; k < 4; k++) {
		snprintf(want, sizeof want, "<img src=\"figures/%s.png\"", ll_section_dynamics.figs[k].name);
		if (k != 2 || erows)
			HAS(sec, want);
	}
	const char *b = bad_number(sec);
	LL_CHECK_MSG(!b, "the section has '%.20s'", b);
	/* report.html embeds them */
	char *html = slurp(dir, "report.html", NULL);
	HAS(html, "data:image/png;base64,");
	HAS_NOT(html, "src=\"figures/dynamics");
	ll_free(html);
	ll_free(sec);
	ll_free(md);

	/* the state figure built directly: a panel pair per architecture,
	 * fixed points as one scatter series per stability class */
	ll_report_fig f;
	ll_err e = {0, ""};
	LL_CHECK_INT(ll_section_dynamics.figs[1].build(s, &f, &e), LL_OK);
	LL_CHECK_INT(f.fig.rows, 3);
	LL_CHECK_INT(f.fig.cols, 2);
	for (int c = 0; c < 3 && f.fig.axes; c++) {
		size_t i = shown_of(r, (ll_rnn_cell)c), ns = 0;
		snprintf(want, sizeof want, "%s, network %zu", ll_rnn_cell_name((ll_rnn_cell)c), i);
		LL_CHECK_MSG(!strncmp(f.fig.axes[c * 2].title, want, strlen(want)), "title %s", f.fig.axes[c * 2].title);
		const ll_plot_axes *ax = &f.fig.axes[c * 2];
		size_t pts = 0;
		for (size_t k = 0; k < ax->nseries; k++)
			if (ax->series[k].kind == LL_PLOT_SCATTER)
				ns++, pts += ax->series[k].n;
		LL_CHECK_INT(pts, dy->fp[i].n);
		LL_CHECK(ns <= 4);
	}
	ll_report_fig_free(&f);
}

/* A ratio forced to known values: the sentence says which is larger and by
 * how much; one ratio missing: said which. */
static void test_separation(void)
{
	LL_CHECK(g_ff_ok);
	if (!g_ff_ok)
		return;
	struct ll_res_dynamics *dy = g_ff.res.dynamics;
	double g = dy->sep_geometry, t = dy->sep_topology;
	dy->sep_geometry = 1.5;
	dy->sep_topology = 3.0;
	char *sec = report_of(&g_ff, "sep", NULL);
	HAS(sec, "Measured: geometry 1.50, topology 3.00. **Topology separates the architectures more than "
		 "geometry does**, by a factor of 2.00 (3.00 vs 1.50).");
	ll_free(sec);
	dy->sep_geometry = 0.8;
	dy->sep_topology = 0.5;
	sec = report_of(&g_ff, "sep", NULL);
	HAS(sec, "**Geometry separates the architectures more than topology does**, by a factor of 1.60 (0.80 vs "
		 "0.50). Neither ratio is above 1, though");
	ll_free(sec);
	dy->sep_geometry = 1.2;
	dy->sep_topology = NAN;
	sec = report_of(&g_ff, "sep", NULL);
	HAS(sec, "**Cannot tell**: the geometry ratio is 1.20 but the topology ratio has no value (");
	HAS_NOT(sec, "Measured:");
	const char *b = sec ? bad_number(sec) : NULL;
	LL_CHECK_MSG(!b, "the section has '%.20s'", b);
	ll_free(sec);
	dy->sep_geometry = g;
	dy->sep_topology = t;
}

/* Every network one architecture: no pair spans two, so no ratio; the
 * table has one row. */
static void test_one_architecture(void)
{
	LL_CHECK(g_ff_ok);
	if (!g_ff_ok)
		return;
	struct ll_res_rnn *r = g_ff.res.rnn;
	struct ll_res_dynamics *dy = g_ff.res.dynamics;
	ll_rnn_cell cells[6];
	double g = dy->sep_geometry, t = dy->sep_topology;
	for (size_t i = 0; i < r->nets; i++) {
		cells[i] = r->net[i].cfg.cell;
		r->net[i].cfg.cell = LL_RNN_GRU;
	}
	dy->sep_geometry = dy->sep_topology = NAN;
	char *md = NULL, *sec = report_of(&g_ff, "one", &md);
	HAS(sec, "**Cannot tell**: neither ratio has a value, because all the networks are one architecture");
	HAS(sec, "<tr><td>gru</td><td class=\"num\">6</td>");
	HAS_NOT(sec, "<tr><td>vanilla</td>");
	HAS(md, "- **Dynamics:** 6 networks on flipflop (gru)");
	const char *b = sec ? bad_number(sec) : NULL;
	LL_CHECK_MSG(!b, "the section has '%.20s'", b);
	ll_free(sec);
	ll_free(md);
	for (size_t i = 0; i < r->nets; i++)
		r->net[i].cfg.cell = cells[i];
	dy->sep_geometry = g;
	dy->sep_topology = t;
}

/* No MDS maps (as with fewer than three networks): the note, no figure,
 * and a rerun into the same folder removes the earlier one. */
static void test_no_mds(void)
{
	LL_CHECK(g_ff_ok);
	if (!g_ff_ok)
		return;
	char dir[160];
	snprintf(dir, sizeof dir, "%s/nomds", g_root);
	char *sec = report_of(&g_ff, "nomds", NULL);
	LL_CHECK(exists(dir, "figures/dynamics_mds.png"));
	ll_free(sec);
	struct ll_res_dynamics *dy = g_ff.res.dynamics;
	ll_mds_free(&dy->mds_geometry);
	ll_mds_free(&dy->mds_topology);
	sec = report_of(&g_ff, "nomds", NULL);
	HAS(sec, "No MDS maps: the dynamics step stored none.");
	HAS(sec, "Measured: geometry"); /* the ratios are still there */
	HAS_NOT(sec, "dynamics_mds");
	LL_CHECK(!exists(dir, "figures/dynamics_mds.png") && !exists(dir, "figures/dynamics_mds.csv"));
	LL_CHECK(exists(dir, "figures/dynamics_states.png"));
	ll_free(sec);
}

/* The dynamics step failed, then not there at all (state pending): the
 * training part, the table without fixed points, and the two figures the
 * rnn step's results draw. */
static void test_dynamics_missing(void)
{
	LL_CHECK(g_ff_ok);
	if (!g_ff_ok)
		return;
	char dir[160];
	snprintf(dir, sizeof dir, "%s/nodyn", g_root);
	g_ff.state[LL_STEP_DYNAMICS] = LL_STATE_FAILED;
	snprintf(g_ff.status[LL_STEP_DYNAMICS], sizeof g_ff.status[LL_STEP_DYNAMICS], "%s", "no <fixed> points");
	char *sec = report_of(&g_ff, "nodyn", NULL);
	HAS(sec, "The dynamics step has not run (state: failed): no &lt;fixed&gt; points.");
	HAS(sec, "<th>architecture</th><th class=\"num\">networks</th><th class=\"num\">learned</th></tr>");
	HAS_NOT(sec, "mean fixed points");
	HAS(sec, "Without the dynamics step there are no fixed points to draw");
	HAS(sec, "<img src=\"figures/dynamics_training.png\"");
	HAS(sec, "<img src=\"figures/dynamics_states.png\"");
	LL_CHECK(!exists(dir, "figures/dynamics_eigen.png") && !exists(dir, "figures/dynamics_mds.png"));
	ll_free(sec);
	g_ff.state[LL_STEP_DYNAMICS] = LL_STATE_DONE;
	g_ff.status[LL_STEP_DYNAMICS][0] = '\0';
}

/* The rnn step's results gone (or never run): said, nothing drawn. */
static void test_no_networks(void)
{
	LL_CHECK(g_ff_ok);
	if (!g_ff_ok)
		return;
	struct ll_res_rnn *r = g_ff.res.rnn;
	g_ff.res.rnn = NULL;
	char dir[160];
	snprintf(dir, sizeof dir, "%s/nonets", g_root);
	char *sec = report_of(&g_ff, "nonets", NULL);
	HAS(sec, "The rnn step stored no networks to draw.");
	HAS_NOT(sec, "<img");
	LL_CHECK(!exists(dir, "figures/dynamics_training.png"));
	ll_free(sec);
	g_ff.res.rnn = r;
	g_ff.state[LL_STEP_RNN] = LL_STATE_PENDING;
	sec = report_of(&g_ff, "nonets", NULL);
	HAS(sec, "The rnn step has not run (state: pending).");
	ll_free(sec);
	g_ff.state[LL_STEP_RNN] = LL_STATE_DONE;
}

/* No fixed points anywhere: no eigenvalue figure, said why; the counts
 * are zero; the trajectories are still drawn.  (Last: it frees them.) */
static void test_no_fixed_points(void)
{
	LL_CHECK(g_ff_ok);
	if (!g_ff_ok)
		return;
	struct ll_res_dynamics *dy = g_ff.res.dynamics;
	char dir[160];
	snprintf(dir, sizeof dir, "%s/nofp", g_root);
	for (size_t i = 0; i < dy->nets; i++)
		ll_fp_result_free(&dy->fp[i]);
	memset(dy->counts, 0, dy->nets * (dy->maxS + 1) * sizeof *dy->counts);
	char *sec = report_of(&g_ff, "nofp", NULL);
	HAS(sec, "None of the networks drawn has a fixed point, so there are no eigenvalues to draw (and no "
		 "network has one");
	HAS(sec, "its most common count by unstable directions is [0], in 2 of 2 networks");
	HAS(sec, "<tr><td>lstm</td><td class=\"num\">2</td>");
	HAS(sec, "<td class=\"num\">0.0</td><td class=\"num\">0.0</td><td class=\"num\">0.0</td>"
		 "<td class=\"num\">0.0</td><td class=\"num\">0.0</td></tr>");
	HAS_NOT(sec, "dynamics_eigen");
	LL_CHECK(!exists(dir, "figures/dynamics_eigen.png"));
	check_fig(dir, "dynamics_states", (long)(3 * g_ff.res.rnn->probe.B * g_ff.res.rnn->probe.T), 9);
	const char *b = sec ? bad_number(sec) : NULL;
	LL_CHECK_MSG(!b, "the section has '%.20s'", b);
	ll_free(sec);
}

/* A session without [dynamics]: the note that says how to add it. */
static void test_rnn_only(void)
{
	ll_session s;
	if (session_run(&s, RNN_ONLY) != LL_OK) {
		ll_session_free(&s);
		return;
	}
	char dir[160];
	snprintf(dir, sizeof dir, "%s/rnnonly", g_root);
	char *md = NULL, *sec = report_of(&s, "rnnonly", &md);
	HAS(sec, "The session has no dynamics step: add a [dynamics] section");
	HAS(md, "- **Dynamics:** 2 networks on flipflop (vanilla, gru), ");
	HAS_NOT(md, "fixed points per network");
	const struct ll_res_rnn *r = s.res.rnn;
	size_t rows = 0;
	for (size_t i = 0; i < r->nets; i++)
		rows += r->train[i].npoints;
	check_fig(dir, "dynamics_training", (long)(rows + 2 * r->train[0].npoints), 4);
	check_fig(dir, "dynamics_states", (long)(2 * r->probe.B * r->probe.T), 9);
	LL_CHECK(!exists(dir, "figures/dynamics_eigen.png") && !exists(dir, "figures/dynamics_mds.png"));
	ll_free(sec);
	ll_free(md);
	ll_session_free(&s);
}

/* Sine: the frequency table, its errors computed here from the stored
 * frequencies. */
static void test_sine(void)
{
	ll_session s;
	if (session_run(&s, SINE) != LL_OK) {
		ll_session_free(&s);
		return;
	}
	const struct ll_res_rnn *r = s.res.rnn;
	const struct ll_res_dynamics *dy = s.res.dynamics;
	char *sec = report_of(&s, "sine", NULL);
	LL_CHECK_INT(dy->nlevels, 3);
	HAS(sec, "<a id=\"dynamics-frequency\"></a>Oscillation frequency");
	HAS(sec, "at each of the 3 levels read (task frequencies 0.100 to 0.600 rad/step)");
	HAS(sec, "sine task (sine-wave generation");
	for (int c = LL_RNN_GRU; c <= LL_RNN_LSTM; c++) {
		double e = 0;
		size_t n = 0, none = 0;
		for (size_t i = 0; i < r->nets; i++)
			for (size_t l = 0; l < dy->nlevels && r->net[i].cfg.cell == (ll_rnn_cell)c; l++) {
				double w = dy->omega_fp[i * dy->nlevels + l];
				if (isfinite(w))
					e += fabs(w - dy->omega_task[l]), n++;
				else
					none++;
			}
		char want[256], m[32];
		if (n)
			snprintf(m, sizeof m, "%.4f", e / (double)n);
		else
			snprintf(m, sizeof m, "&ndash;");
		snprintf(want, sizeof want, "<tr><td>%s</td><td class=\"num\">6</td><td class=\"num\">%s</td>",
			 ll_rnn_cell_name((ll_rnn_cell)c), m);
		HAS(sec, want);
		snprintf(want, sizeof want, "<td class=\"num\">%zu</td></tr>", none);
		HAS(sec, want);
	}
	const char *b = sec ? bad_number(sec) : NULL;
	LL_CHECK_MSG(!b, "the section has '%.20s'", b);
	ll_free(sec);
	ll_session_free(&s);
}

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			char *p = ll_path_join(path, de->d_name);
			if (p)
				rm_rf(p);
			ll_free(p);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

int main(void)
{
	snprintf(g_root, sizeof g_root, "/tmp/ll_sec_dynamics_XXXXXX");
	if (!mkdtemp(g_root)) {
		perror("mkdtemp");
		return 1;
	}
	g_ff_ok = session_run(&g_ff, FLIPFLOP) == LL_OK && g_ff.res.rnn && g_ff.res.dynamics &&
		  g_ff.res.rnn->nets == 6;
	LL_RUN(test_full);
	LL_RUN(test_separation);
	LL_RUN(test_one_architecture);
	LL_RUN(test_no_mds);
	LL_RUN(test_dynamics_missing);
	LL_RUN(test_no_networks);
	LL_RUN(test_no_fixed_points);
	LL_RUN(test_rnn_only);
	LL_RUN(test_sine);
	ll_session_free(&g_ff);
	const char *keep = getenv("LL_REPORT_KEEP");
	if (keep && *keep)
		printf("# kept %s\n", g_root);
	else
		rm_rf(g_root);
	return ll_test_done();
}
