/* The report's Comparison section on compare results made up here (no
 * training): the invariance table from the metric registry, the three
 * figures with their CSVs of the stated shapes, the population table, and
 * the cases a real run rarely gives -- two models, one snapshot, a
 * one-dimensional MDS map, values that are not finite, intervals that could
 * not be computed -- each said in words, never printed as "nan".
 * LL_REPORT_KEEP=1 keeps the output directories. */
#include "base/ll_fs.h"
#include "ll_figs.h"
#include "ll_report.h"
#include "ll_section.h"
#include "ll_test.h"
#include "pipeline/ll_session.h"
#include "pipeline/steps/step_compare.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

static char g_root[64];

/* ---- made-up results ---- */

typedef struct fake_opts {
	size_t models, snapshots, n, units;
	unsigned metrics;
	int population;
	int edges; /* NaN pair, NaN population value, no p-values, intervals with a note */
} fake_opts;

static double fake_value(ll_metric m, size_t a, size_t b)
{
	if (a == b)
		return ll_metric_kind_of(m) == LL_SIMILARITY ? 1 : 0;
	double t = 0.01 * (double)(a + b) + 0.001 * (double)m;
	return ll_metric_kind_of(m) == LL_SIMILARITY ? 0.5 + t : 1 + 10 * t;
}

/* Every array through ll_alloc, as the step would own them. */
static struct ll_res_compare *fake_make(const fake_opts *fo)
{
	size_t M = fo->models, S = fo->snapshots;
	struct ll_res_compare *r = ll_calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->models = M;
	r->snapshots = S;
	r->n = fo->n;
	r->units = fo->units;
	r->conditions = fo->n == 10 ? LL_CMP_CLASSES : LL_CMP_PROBE;
	r->metrics = fo->metrics;
	r->track = LL_M_CKA;
	r->mds_metric = LL_M_CKA;
	ll_compare_opts_default(&r->opts);
	r->step = ll_malloc_array(S, sizeof *r->step);
	for (int m = 0; m < LL_NMETRICS; m++)
		if (fo->metrics & LL_METRIC_BIT(m)) {
			r->final[m] = ll_malloc_array(M * M, sizeof(double));
			for (size_t a = 0; r->final[m] && a < M; a++)
				for (size_t b = 0; b < M; b++)
					r->final[m][a * M + b] = fake_value((ll_metric)m, a < b ? a : b, a < b ? b : a);
		}
	if (fo->edges && r->final[LL_M_RSA])
		r->final[LL_M_RSA][0 * M + 1] = r->final[LL_M_RSA][1 * M + 0] = NAN;
	r->over = ll_malloc_array(M * M * S, sizeof(double));
	r->self = ll_malloc_array(M * S, sizeof(double));
	r->pair_mean = ll_malloc_array(S, sizeof(double));
	r->pair_lo = ll_malloc_array(S, sizeof(double));
	r->pair_hi = ll_malloc_array(S, sizeof(double));
	r->group = ll_malloc_array(M, sizeof(size_t));
	r->ngroups = 2;
	r->group_lr = ll_malloc_array(2, sizeof(double));
	r->mds.n = M;
	r->mds.k = M > 2 ? 2 : 1;
	r->mds.coords = ll_malloc_array(M * r->mds.k, sizeof(double));
	if (!r->step || !r->over || !r->self || !r->pair_mean || !r->pair_lo || !r->pair_hi || !r->group ||
	    !r->group_lr || !r->mds.coords)
		return r;
	for (size_t j = 0; j < S; j++) {
		r->step[j] = (int)(10 * j);
		r->pair_mean[j] = 0.5 + 0.1 * (double)j;
		r->pair_lo[j] = r->pair_mean[j] - 0.05;
		r->pair_hi[j] = r->pair_mean[j] + 0.05;
	}
	for (size_t a = 0; a < M; a++) {
		for (size_t j = 0; j < S; j++)
			r->self[a * S + j] = 1 - 0.1 * (double)j;
		for (size_t b = 0; b < M; b++)
			for (size_t j = 0; j < S; j++)
				r->over[(a * M + b) * S + j] = fake_value(LL_M_CKA, a, b);
		r->group[a] = a % 2;
		for (size_t k = 0; k < r->mds.k; k++)
			r->mds.coords[a * r->mds.k + k] = (double)a - 0.5 * (double)k;
	}
	/* the larger rate first: the figures order by rate, not by group */
	r->group_lr[0] = 0.1;
	r->group_lr[1] = 0.01;
	r->mds.stress = 0.042;
	r->mds.used = LL_MDS_CLASSICAL;
	r->converged = S > 1 ? 1 : -1;
	if (fo->population) {
		r->has_population = 1;
		ll_cmp_population *p = &r->pop;
		p->path = ll_malloc(16);
		if (p->path)
			snprintf(p->path, 16, "v1_<pop>.npy");
		p->rows = 20;
		p->units = 30;
		p->n = 10;
		p->nlabels = 10;
		/* 10 conditions, 30 units: the step leaves the CCA family out */
		p->skipped = fo->metrics & (LL_METRIC_BIT(LL_M_CCA) | LL_METRIC_BIT(LL_M_SVCCA) | LL_METRIC_BIT(LL_M_PWCCA));
		p->score = ll_calloc_array(M, sizeof *p->score);
		p->over = ll_malloc_array(M * S, sizeof(double));
		if (!p->score || !p->over)
			return r;
		for (size_t a = 0; a < M; a++) {
			for (size_t j = 0; j < S; j++)
				p->over[a * S + j] = 0.3 + 0.01 * (double)(a + j);
			ll_compare_result *c = &p->score[a];
			c->metrics = fo->metrics & ~p->skipped;
			for (int m = 0; m < LL_NMETRICS; m++) {
				ll_metric_value *v = &c->v[m];
				v->value = fake_value((ll_metric)m, 0, a + 1);
				v->pvalue = fo->edges ? NAN : 0.01 * (double)(a + 1);
				v->nperm = fo->edges ? 0 : 99;
				v->nboot = fo->edges ? 0 : 50;
				v->boot_failed = fo->edges ? 50 : 0;
				v->ci_lo = fo->edges ? NAN : v->value - 0.1;
				v->ci_hi = fo->edges ? NAN : v->value + 0.1;
				if (fo->edges)
					snprintf(v->note, sizeof v->note, "every resample left a unit constant");
			}
		}
		if (fo->edges) {
			p->score[M - 1].v[LL_M_CKA].value = NAN;
		} else {
			/* the nearest model's CKA interval misses its value (resampling bias) */
			p->score[M - 1].v[LL_M_CKA].ci_lo = 0.9;
			p->score[M - 1].v[LL_M_CKA].ci_hi = 0.95;
		}
	}
	return r;
}

static void fake_free(struct ll_res_compare *r)
{
	if (!r)
		return;
	ll_free(r->step);
	for (int m = 0; m < LL_NMETRICS; m++)
		ll_free(r->final[m]);
	ll_free(r->over);
	ll_free(r->self);
	ll_free(r->pair_mean);
	ll_free(r->pair_lo);
	ll_free(r->pair_hi);
	ll_free(r->mds.coords);
	ll_free(r->group);
	ll_free(r->group_lr);
	ll_free(r->pop.path);
	ll_free(r->pop.score);
	ll_free(r->pop.over);
	ll_free(r);
}

/* ---- helpers over the written report ---- */

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

static void check_csv(const char *dir, const char *name, long rows, long fields)
{
	char file[64];
	snprintf(file, sizeof file, "figures/%s.csv", name);
	char *csv = slurp(dir, file, NULL);
	long r, f;
	csv_shape(csv, &r, &f);
	LL_CHECK_MSG(r == rows && f == fields, "%s: %ld rows x %ld fields, want %ld x %ld", name, r, f, rows, fields);
	const char *b = csv ? bad_number(csv) : NULL;
	LL_CHECK_MSG(!b, "%s has '%.12s'", name, b);
	snprintf(file, sizeof file, "figures/%s.png", name);
	char *png = slurp(dir, file, NULL);
	LL_CHECK_MSG(png != NULL, "%s missing", file);
	ll_free(png);
	ll_free(csv);
}

/* A session that has a compare step, with r as its results; the report
 * into ROOT/name; returns the report's source (the text the sections
 * wrote, with its raw HTML; caller frees) or NULL. */
static char *report_of(struct ll_res_compare *r, const char *name)
{
	static const char *text = "[session]\nname = fake\n[data]\nkind = mnist\n[train]\n[compare]\n[report]\n";
	ll_session s;
	ll_err e = {0, ""};
	char dir[160];
	char *md = NULL;
	snprintf(dir, sizeof dir, "%s/%s", g_root, name);
	ll_session_init(&s);
	int rc = ll_session_load_text(&s, text, "fake.lab", &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (rc != LL_OK)
		return NULL;
	s.state[LL_STEP_COMPARE] = LL_STATE_DONE;
	s.res.compare = r;
	ll_html_buf src;
	ll_html_buf_init(&src);
	ll_report_opts opts = {.command = NULL, .source = &src};
	rc = ll_report_session(&s, dir, &opts, &e);
	LL_CHECK_MSG(rc == LL_OK, "report: %s", e.msg);
	s.res.compare = NULL; /* ours, not the step's */
	s.state[LL_STEP_COMPARE] = LL_STATE_PENDING;
	ll_session_free(&s);
	if (rc == LL_OK && !src.oom)
		md = src.s;
	else
		ll_html_buf_free(&src);
	return md;
}

/* ---- tests ---- */

static void test_full(void)
{
	fake_opts fo = {.models = 5, .snapshots = 4, .n = 10, .units = 16, .population = 1,
			.metrics = LL_METRIC_BIT(LL_M_CKA) | LL_METRIC_BIT(LL_M_CCA) | LL_METRIC_BIT(LL_M_RSA) |
				   LL_METRIC_BIT(LL_M_PROCRUSTES)};
	struct ll_res_compare *r = fake_make(&fo);
	LL_CHECK(r != NULL);
	char *md = r ? report_of(r, "full") : NULL;
	char dir[160];
	snprintf(dir, sizeof dir, "%s/full", g_root);
	LL_CHECK(md != NULL);
	if (md) {
		LL_CHECK_CONTAINS(md, "## <a id=\"compare\"></a>");
		LL_CHECK_CONTAINS(md, ". Comparison\n");
		LL_CHECK_CONTAINS(md, "](#compare)");
		LL_CHECK_CONTAINS(md, "- **Comparison:** 5 models on 10 digit means x 16 units");
		/* the invariance table: every metric of the registry, computed ones
		 * highlighted, cells from ll_metric_invariances */
		LL_CHECK_CONTAINS(md, "<th>rotation</th><th>isotropic scaling</th><th>invertible linear maps</th>"
				      "<th>permutation of units</th>");
		for (int m = 0; m < LL_NMETRICS; m++) {
			char row[128];
			snprintf(row, sizeof row, "<tr%s><td>%s</td>",
				 fo.metrics & LL_METRIC_BIT(m) ? " class=\"chosen\"" : "", ll_metric_name((ll_metric)m));
			LL_CHECK_MSG(strstr(md, row) != NULL, "no row %s", row);
		}
		LL_CHECK_CONTAINS(md, "<tr class=\"chosen\"><td>cca</td><td>mean canonical correlation</td>"
				      "<td>similarity (1 = same)</td><td>yes</td><td>yes</td><td>yes</td>");
		LL_CHECK_CONTAINS(md, "<tr class=\"chosen\"><td>procrustes</td>");
		/* n <= units: the CCA family is said to be meaningless */
		LL_CHECK_CONTAINS(md, "10 conditions and 16 units");
		LL_CHECK_CONTAINS(md, "cca, svcca and pwcca");
		LL_CHECK_CONTAINS(md, "Not scored against the population: cca.");
		const char *pop = strstr(md, "<a id=\"compare-population\"></a>");
		LL_CHECK(pop && !strstr(pop, "<td>cca</td>")); /* no population row for cca */
		LL_CHECK_CONTAINS(md, "settled at step 10 (snapshot 2 of 4");
		LL_CHECK_CONTAINS(md, "stress 0.042");
		LL_CHECK_CONTAINS(md, "classical MDS of cka");
		/* the population: its path escaped, p-values and intervals */
		LL_CHECK_CONTAINS(md, "v1\\_\\<pop\\>.npy");
		LL_CHECK_CONTAINS(md, "99 shuffles");
		LL_CHECK_CONTAINS(md, "<td>cka</td><td class=\"num\">");
		LL_CHECK_CONTAINS(md, "[0.");
		LL_CHECK_CONTAINS(md, "4 of 5"); /* p = 0.01, ..., 0.05 */
		LL_CHECK_CONTAINS(md, "In 1 of the 3 intervals shown the value itself lies outside");
		const char *b = bad_number(md);
		LL_CHECK_MSG(!b, "report.md has '%.20s'", b);
	}
	/* the CSVs beside the figures: every matrix (models x models, a block
	 * per metric), the map, and the course over training */
	size_t M = fo.models, S = fo.snapshots;
	check_csv(dir, "compare_matrices", 4 * (long)M, (long)M + 3);
	check_csv(dir, "compare_mds", (long)M, 4);
	check_csv(dir, "compare_training", (long)S, 6 + (long)M + 1 + (long)M);
	char *csv = slurp(dir, "figures/compare_matrices.csv", NULL);
	/* models ordered by learning rate: the odd models (0.01) first */
	LL_CHECK(csv && !strncmp(csv, "metric,model,learning_rate,model_1,model_3,model_0,model_2,model_4\n"
				      "cka,1,0.01,1,", 80));
	ll_free(csv);
	/* the figure: one heatmap panel per metric, each with its colour bar */
	ll_session s;
	ll_session_init(&s);
	s.state[LL_STEP_COMPARE] = LL_STATE_DONE;
	s.res.compare = r;
	ll_report_fig f;
	ll_err e = {0, ""};
	LL_CHECK_INT(ll_section_compare.figs[0].build(&s, &f, &e), LL_OK);
	LL_CHECK_INT(f.fig.rows * f.fig.cols, 4);
	for (int k = 0; k < 4; k++) {
		const ll_plot_axes *ax = &f.fig.axes[k];
		LL_CHECK(ax->nseries >= 1 && ax->series[0].kind == LL_PLOT_HEATMAP && ax->series[0].colorbar);
	}
	ll_report_fig_free(&f);
	s.res.compare = NULL;
	s.state[LL_STEP_COMPARE] = LL_STATE_PENDING;
	ll_session_free(&s);
	ll_free(md);
	fake_free(r);
}

/* Two models, one snapshot, a NaN pair, a population value missing, no
 * permutation test, intervals that failed with a note. */
static void test_edges(void)
{
	fake_opts fo = {.models = 2, .snapshots = 1, .n = 200, .units = 16, .population = 1, .edges = 1,
			.metrics = LL_METRIC_BIT(LL_M_CKA) | LL_METRIC_BIT(LL_M_RSA)};
	struct ll_res_compare *r = fake_make(&fo);
	LL_CHECK(r != NULL);
	char *md = r ? report_of(r, "edges") : NULL;
	char dir[160];
	snprintf(dir, sizeof dir, "%s/edges", g_root);
	LL_CHECK(md != NULL);
	if (md) {
		LL_CHECK_CONTAINS(md, "200 probe images (20 per digit)");
		LL_CHECK_CONTAINS(md, "With one snapshot");
		LL_CHECK_CONTAINS(md, "one dimension only");
		LL_CHECK_CONTAINS(md, "1 pair value had no finite value");
		LL_CHECK_CONTAINS(md, "no p-values");
		LL_CHECK_CONTAINS(md, "every resample left a unit constant");
		LL_CHECK_CONTAINS(md, "3 of the intervals could not be computed");
		LL_CHECK_CONTAINS(md, "No permutation test was run");
		LL_CHECK_CONTAINS(md, "1 model-metric value is missing");
		LL_CHECK(!strstr(md, "cca, svcca and pwcca")); /* n > units, and no CCA computed */
		const char *b = bad_number(md);
		LL_CHECK_MSG(!b, "report.md has '%.20s'", b);
	}
	check_csv(dir, "compare_matrices", 2 * 2, 2 + 3);
	check_csv(dir, "compare_mds", 2, 4);
	check_csv(dir, "compare_training", 1, 6 + 2 + 1 + 2);
	ll_free(md);
	fake_free(r);
}

/* Without usable results the section says so and draws nothing; a rerun
 * removes the figures of the earlier report. */
static void test_not_drawn(void)
{
	fake_opts fo = {.models = 3, .snapshots = 2, .n = 10, .units = 8, .metrics = LL_METRIC_BIT(LL_M_CKA)};
	struct ll_res_compare *r = fake_make(&fo);
	LL_CHECK(r != NULL);
	char *md = r ? report_of(r, "again") : NULL;
	ll_free(md);
	if (r)
		r->models = 1; /* no pairs */
	md = r ? report_of(r, "again") : NULL;
	LL_CHECK(md && strstr(md, "stored no results to draw") && !strstr(md, "<img src=\"figures/compare"));
	char dir[160];
	snprintf(dir, sizeof dir, "%s/again", g_root);
	char *png = slurp(dir, "figures/compare_matrices.png", NULL);
	LL_CHECK(png == NULL);
	ll_free(png);
	ll_free(md);
	fake_free(r);
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
	snprintf(g_root, sizeof g_root, "/tmp/ll_sec_compare_XXXXXX");
	if (!mkdtemp(g_root)) {
		perror("mkdtemp");
		return 1;
	}
	LL_RUN(test_full);
	LL_RUN(test_edges);
	LL_RUN(test_not_drawn);
	const char *keep = getenv("LL_REPORT_KEEP");
	if (keep && *keep)
		printf("# kept %s\n", g_root);
	else
		rm_rf(g_root);
	return ll_test_done();
}
