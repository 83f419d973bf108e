/* Section "Comparison": how alike the models' hidden layers are, pair by
 * pair, over training, and against a recorded population; and its figures
 *
 *   compare_matrices  the models x models matrix of every metric computed at
 *                     the last snapshot, one heatmap panel per metric with
 *                     its colour bar, models ordered by learning rate
 *   compare_mds       the models drawn in 2-D by MDS of one metric's
 *                     dissimilarities, coloured by learning rate
 *   compare_training  the tracked metric over training: the mean over pairs
 *                     of models with the 10-90% band across pairs, each model
 *                     against its own start, and (with a population) each
 *                     model against the population
 *
 * The matrices are one figure of panels rather than one figure per metric:
 * a section places a fixed list of figures, all or none (ll_section.h), and
 * the metrics computed vary by session.  Its CSV holds every matrix, one
 * block of rows per metric.
 *
 * In the report when the session has a compare step. */
#include "ll_doc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/steps/step_compare.h"

/* ---- what the section reads ------------------------------------------------ */

static const struct ll_res_compare *cmp_of(const ll_session *s)
{
	return s->state[LL_STEP_COMPARE] == LL_STATE_DONE ? s->res.compare : NULL;
}

/* The compare step's results hold everything the figures draw. */
static int has_compare(const ll_session *s)
{
	const struct ll_res_compare *r = cmp_of(s);
	if (!r || r->models < 2 || r->snapshots < 1 || !r->step || !(r->metrics & LL_METRICS_ALL) ||
	    !r->pair_mean || !r->pair_lo || !r->pair_hi || !r->self || !r->group || !r->group_lr ||
	    r->ngroups < 1 || !r->mds.coords || r->mds.n != r->models || r->mds.k < 1 ||
	    (unsigned)r->track >= LL_NMETRICS)
		return 0;
	for (int m = 0; m < LL_NMETRICS; m++)
		if ((r->metrics & LL_METRIC_BIT(m)) && !r->final[m])
			return 0;
	for (size_t a = 0; a < r->models; a++)
		if (r->group[a] >= r->ngroups)
			return 0;
	if (r->has_population && (!r->pop.score || !r->pop.over))
		return 0;
	return 1;
}

static size_t n_metrics(unsigned set)
{
	size_t n = 0;
	for (int m = 0; m < LL_NMETRICS; m++)
		n += (set & LL_METRIC_BIT(m)) != 0;
	return n;
}

/* The CCA family finds, for any two systems, the directions along which
 * they correlate best: with no more conditions than units it can make any
 * two systems look identical. */
static int cca_family(ll_metric m)
{
	return m == LL_M_CCA || m == LL_M_SVCCA || m == LL_M_PWCCA;
}

/* The metric the glance, the summary and the MDS map lead with: the one
 * tracked over training when its final matrix is there, else the first. */
static ll_metric lead_metric(const struct ll_res_compare *r)
{
	if (r->metrics & LL_METRIC_BIT(r->track))
		return r->track;
	for (int m = 0; m < LL_NMETRICS; m++)
		if (r->metrics & LL_METRIC_BIT(m))
			return (ll_metric)m;
	return r->track;
}

/* Group g's place in the order of learning rates: its colour in every
 * figure (ll_report_label_color) and its place in their legends. */
static size_t group_rank(const struct ll_res_compare *r, size_t g)
{
	size_t k = 0;
	for (size_t h = 0; h < r->ngroups; h++)
		k += r->group_lr[h] < r->group_lr[g] || (r->group_lr[h] == r->group_lr[g] && h < g);
	return k;
}

/* The group at place k of the order of learning rates. */
static size_t group_at(const struct ll_res_compare *r, size_t k)
{
	for (size_t g = 0; g < r->ngroups; g++)
		if (group_rank(r, g) == k)
			return g;
	return 0;
}

/* The models in drawing order: by learning rate, then by number, so models
 * trained alike sit in blocks of the matrices.  order has r->models slots. */
static void model_order(const struct ll_res_compare *r, size_t *order)
{
	for (size_t a = 0; a < r->models; a++) {
		size_t k = a, g = group_rank(r, r->group[a]);
		while (k > 0 && group_rank(r, r->group[order[k - 1]]) > g) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = a;
	}
}

/* Off-diagonal summary of a models x models matrix: mean, min, max over the
 * pairs with a finite value; within and across learning-rate groups; the
 * pairs without one. */
typedef struct pair_stats {
	double mean, lo, hi;
	double same, diff; /* mean over pairs trained with the same / different rates */
	size_t n, nsame, ndiff, bad;
} pair_stats;

static pair_stats pairs_of(const struct ll_res_compare *r, const double *F)
{
	pair_stats p = {0, INFINITY, -INFINITY, 0, 0, 0, 0, 0, 0};
	size_t M = r->models;
	for (size_t a = 0; a < M; a++)
		for (size_t b = a + 1; b < M; b++) {
			double v = F[a * M + b];
			if (!isfinite(v)) {
				p.bad++;
				continue;
			}
			p.mean += v;
			p.n++;
			p.lo = fmin(p.lo, v);
			p.hi = fmax(p.hi, v);
			if (r->group[a] == r->group[b])
				p.same += v, p.nsame++;
			else
				p.diff += v, p.ndiff++;
		}
	p.mean = p.n ? p.mean / (double)p.n : NAN;
	p.same = p.nsame ? p.same / (double)p.nsame : NAN;
	p.diff = p.ndiff ? p.diff / (double)p.ndiff : NAN;
	if (!p.n)
		p.lo = p.hi = NAN;
	return p;
}

static const char *kind_word(ll_metric m)
{
	return ll_metric_kind_of(m) == LL_SIMILARITY ? "similarity" : "distance";
}

/* ---- figure: the matrices -------------------------------------------------- */

static int fig_matrices(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	if (!has_compare(s))
		return ll_err_set(err, LL_EINVAL, "figure compare_matrices: the session has no comparison");
	const struct ll_res_compare *r = cmp_of(s);
	size_t M = r->models, nm = n_metrics(r->metrics);
	int cols = nm <= 3 ? (int)nm : nm == 4 ? 2 : 3;
	int rows = (int)((nm + (size_t)cols - 1) / (size_t)cols);
	if ((rc = ll_report_fig_start(f, "compare_matrices", 40 + 390 * cols, 40 + 360 * rows, rows, cols,
				      err)) != LL_OK)
		return rc;
	size_t *order = ll_malloc_array(M, sizeof *order);
	double *z = ll_malloc_array(M * M, sizeof *z), *pos = ll_malloc_array(M, sizeof *pos);
	char (*names)[16] = ll_malloc_array(M, sizeof *names);
	const char **labels = ll_malloc_array(M, sizeof *labels);
	if (!order || !z || !pos || !names || !labels) {
		rc = ll_err_oom(err);
		goto out;
	}
	model_order(r, order);
	for (size_t k = 0; k < M; k++) {
		snprintf(names[k], sizeof names[k], "%zu", order[k]);
		labels[k] = names[k];
		pos[k] = (double)k;
	}
	snprintf(f->fig.title, sizeof f->fig.title, "%zu models compared at step %d%s", M, r->step[r->snapshots - 1],
		 r->ngroups > 1 ? ", ordered by learning rate" : "");
	ll_html_buf_puts(&f->csv, "metric,model,learning_rate");
	for (size_t k = 0; k < M; k++)
		ll_html_buf_printf(&f->csv, ",model_%zu", order[k]);
	ll_html_buf_putn(&f->csv, "\n", 1);
	size_t panel = 0;
	for (int m = 0; m < LL_NMETRICS && rc == LL_OK; m++) {
		if (!(r->metrics & LL_METRIC_BIT(m)))
			continue;
		const double *F = r->final[m];
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, (int)(panel / (size_t)cols), (int)(panel % (size_t)cols));
		panel++;
		for (size_t i = 0; i < M; i++)
			for (size_t j = 0; j < M; j++)
				z[i * M + j] = F[order[i] * M + order[j]];
		/* the colours span the pairs, not the trivial diagonal, which
		 * takes the end colour */
		pair_stats ps = pairs_of(r, F);
		ll_plot_heat_style hs = {.values = M <= 10, .decimals = 2, .label = ll_metric_name((ll_metric)m)};
		if (ps.n > 0) {
			hs.fixed = 1;
			hs.lo = ps.lo;
			hs.hi = ps.hi;
			if (!(hs.lo < hs.hi)) {
				double w = hs.lo == 0 ? 0.5 : fabs(hs.lo) * 0.05;
				hs.lo -= w;
				hs.hi += w;
			}
		}
		snprintf(ax->title, sizeof ax->title, "%s (%s, %s)", ll_metric_name((ll_metric)m), kind_word((ll_metric)m),
			 ll_metric_kind_of((ll_metric)m) == LL_SIMILARITY ? "1 = same" : "0 = same");
		ll_report_set_text(ax->x.label, "%s", "model");
		ll_report_set_text(ax->y.label, "%s", "model");
		ax->legend = LL_PLOT_LEGEND_OFF;
		if ((rc = ll_plot_heatmap(ax, z, M, M, &hs, err)) != LL_OK ||
		    (rc = ll_plot_axis_ticks(&ax->x, pos, labels, M, err)) != LL_OK ||
		    (rc = ll_plot_axis_ticks(&ax->y, pos, labels, M, err)) != LL_OK)
			break;
		/* white lines between the learning-rate blocks */
		for (size_t k = 1; k < M && rc == LL_OK; k++)
			if (r->group[order[k]] != r->group[order[k - 1]] &&
			    (rc = ll_plot_hline(ax, (double)k - 0.5, &(ll_plot_style){.color = LL_PLOT_WHITE, .width = 2}, err)) == LL_OK)
				rc = ll_plot_vline(ax, (double)k - 0.5, &(ll_plot_style){.color = LL_PLOT_WHITE, .width = 2}, err);
		if (rc != LL_OK)
			break;
		for (size_t i = 0; i < M; i++) {
			ll_html_buf_printf(&f->csv, "%s,%zu,", ll_metric_name((ll_metric)m), order[i]);
			ll_report_csv_finite(&f->csv, r->group_lr[r->group[order[i]]]);
			for (size_t j = 0; j < M; j++)
				ll_report_csv_sep_finite(&f->csv, z[i * M + j]);
			ll_report_csv_end(f);
		}
	}
	for (size_t p = panel; p < (size_t)(rows * cols); p++)
		ll_plot_fig_axes(&f->fig, (int)(p / (size_t)cols), (int)(p % (size_t)cols))->hidden = 1;
out:
	ll_free(order);
	ll_free(z);
	ll_free(pos);
	ll_free(names);
	ll_free(labels);
	return ll_report_fig_finish(f, rc, err);
}

/* ---- figure: the MDS map ----------------------------------------------------- */

static int fig_mds(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	if (!has_compare(s))
		return ll_err_set(err, LL_EINVAL, "figure compare_mds: the session has no comparison");
	const struct ll_res_compare *r = cmp_of(s);
	const ll_mds_result *md = &r->mds;
	size_t M = r->models, k = md->k;
	if ((rc = ll_report_fig_start(f, "compare_mds", 640, 560, 1, 1, err)) != LL_OK)
		return rc;
	/* groups in order of learning rate, each in its colour */
	ll_report_group *gr = ll_calloc_array(r->ngroups, sizeof *gr);
	if (!gr)
		return ll_report_fig_finish(f, ll_err_oom(err), err);
	for (size_t gi = 0; gi < r->ngroups; gi++) {
		size_t g = group_at(r, gi);
		gr[gi] = (ll_report_group){.id = g, .color = ll_report_label_color(gi)};
		snprintf(gr[gi].name, sizeof gr[gi].name, "learning rate %g", r->group_lr[g]);
	}
	char stress[32];
	doc_fmt_num(stress, sizeof stress, md->stress, "%.3f");
	snprintf(f->fig.title, sizeof f->fig.title, "Models at step %d: %s MDS of %s (stress %s)",
		 r->step[r->snapshots - 1], ll_mds_method_name(md->used), ll_metric_name(r->mds_metric),
		 isfinite(md->stress) ? stress : "not known");
	rc = ll_report_mds_map(ll_plot_fig_axes(&f->fig, 0, 0), md, M, r->group, gr, r->ngroups, err);
	ll_free(gr);
	ll_html_buf_puts(&f->csv, "model,learning_rate,mds_1,mds_2\n");
	for (size_t a = 0; a < M; a++) {
		ll_html_buf_printf(&f->csv, "%zu,", a);
		ll_report_csv_finite(&f->csv, r->group_lr[r->group[a]]);
		ll_report_csv_sep_finite(&f->csv, md->coords[a * k]);
		ll_report_csv_sep_finite(&f->csv, k >= 2 ? md->coords[a * k + 1] : 0);
		ll_report_csv_end(f);
	}
	return ll_report_fig_finish(f, rc, err);
}

/* ---- figure: over training ------------------------------------------------- */

/* Thin lines, one per model in its group's colour (rows of V, models x
 * snapshots), and their mean in bold black into mean[]. */
static int model_lines(ll_plot_axes *ax, const struct ll_res_compare *r, const double *V, const double *x,
		       double *y, double *mean, ll_err *err)
{
	size_t M = r->models, S = r->snapshots;
	int rc = LL_OK;
	int dot = S < 2 ? LL_PLOT_MARKER_CIRCLE : 0;
	for (size_t j = 0; j < S; j++) {
		double sum = 0;
		size_t n = 0;
		for (size_t a = 0; a < M; a++)
			if (isfinite(V[a * S + j]))
				sum += V[a * S + j], n++;
		mean[j] = n ? sum / (double)n : NAN;
	}
	for (size_t a = 0; a < M && rc == LL_OK; a++) {
		for (size_t j = 0; j < S; j++)
			y[j] = V[a * S + j];
		uint32_t c = ll_report_label_color(group_rank(r, r->group[a]));
		rc = ll_plot_line(ax, x, y, S, &(ll_plot_style){.color = LL_RGBA_SET_ALPHA(c, M > 10 ? 0x60 : 0xA0),
								.width = 1, .marker = dot}, err);
	}
	if (rc == LL_OK)
		rc = ll_plot_line(ax, x, mean, S, &(ll_plot_style){.color = LL_PLOT_BLACK, .width = 2.5,
								     .marker = dot, .label = "mean over models"}, err);
	/* the colours of the thin lines, when they tell learning rates apart */
	for (size_t k = 0; r->ngroups > 1 && k < r->ngroups && rc == LL_OK; k++) {
		char lab[48];
		snprintf(lab, sizeof lab, "learning rate %g", r->group_lr[group_at(r, k)]);
		rc = ll_plot_legend_add(ax, &(ll_plot_style){.color = ll_report_label_color(k), .label = lab}, err);
	}
	return rc;
}

static int fig_training(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	if (!has_compare(s))
		return ll_err_set(err, LL_EINVAL, "figure compare_training: the session has no comparison");
	const struct ll_res_compare *r = cmp_of(s);
	size_t M = r->models, S = r->snapshots;
	int pop = r->has_population;
	const char *tn = ll_metric_name(r->track);
	if ((rc = ll_report_fig_start(f, "compare_training", pop ? 1200 : 960, 420, 1, pop ? 3 : 2, err)) != LL_OK)
		return rc;
	double *x = ll_malloc_array(S, sizeof *x), *y = ll_malloc_array(S, sizeof *y);
	double *self_mean = ll_malloc_array(S, sizeof *self_mean), *pop_mean = ll_malloc_array(S, sizeof *pop_mean);
	if (!x || !y || !self_mean || !pop_mean) {
		rc = ll_err_oom(err);
		goto out;
	}
	for (size_t j = 0; j < S; j++)
		x[j] = (double)r->step[j];
	snprintf(f->fig.title, sizeof f->fig.title, "%s over training (%s: %s)", tn, kind_word(r->track),
		 ll_metric_kind_of(r->track) == LL_SIMILARITY ? "higher = more alike" : "lower = more alike");
	int dot = S < 2 ? LL_PLOT_MARKER_CIRCLE : 0;
	ll_plot_axes *ap = ll_plot_fig_axes(&f->fig, 0, 0), *as = ll_plot_fig_axes(&f->fig, 0, 1);
	ll_plot_axes *aq = pop ? ll_plot_fig_axes(&f->fig, 0, 2) : NULL;
	ll_report_set_text(ap->title, "%s", "between models");
	ll_report_set_text(as->title, "%s", "each model vs its own start");
	ll_plot_axes *all[3] = {ap, as, aq};
	for (int p = 0; p < (pop ? 3 : 2); p++) {
		ll_report_set_text(all[p]->x.label, "%s", "training step");
		ll_report_set_text(all[p]->y.label, "%s", tn);
		all[p]->grid = 1;
		all[p]->legend = LL_PLOT_LEGEND_BEST;
		all[p]->y.share = 1; /* one scale: the panels read against each other */
	}
	char lab[64];
	snprintf(lab, sizeof lab, "10-90%% of %zu pair%s", M * (M - 1) / 2, M == 2 ? "" : "s");
	uint32_t blue = ll_plot_palette(0);
	if (r->converged >= 0 && (size_t)r->converged < S)
		rc = ll_plot_vline(ap, x[r->converged], &(ll_plot_style){.color = LL_PLOT_GREY, .dash = 4,
									  .label = "settled"}, err);
	if (rc == LL_OK)
		rc = ll_plot_band(ap, x, r->pair_lo, r->pair_hi, S, &(ll_plot_style){.color = blue, .label = lab}, err);
	if (rc == LL_OK)
		rc = ll_plot_line(ap, x, r->pair_mean, S, &(ll_plot_style){.color = blue, .width = 2.5, .marker = dot,
									    .label = "mean over pairs"}, err);
	if (rc == LL_OK)
		rc = model_lines(as, r, r->self, x, y, self_mean, err);
	if (rc == LL_OK && pop) {
		snprintf(aq->title, sizeof aq->title, "each model vs the population (%zu conditions)", r->pop.n);
		rc = model_lines(aq, r, r->pop.over, x, y, pop_mean, err);
	}

	ll_html_buf_puts(&f->csv, "snapshot,step,pairs_mean,pairs_p10,pairs_p90,self_mean");
	for (size_t a = 0; a < M; a++)
		ll_html_buf_printf(&f->csv, ",self_model_%zu", a);
	if (pop) {
		ll_html_buf_puts(&f->csv, ",population_mean");
		for (size_t a = 0; a < M; a++)
			ll_html_buf_printf(&f->csv, ",population_model_%zu", a);
	}
	ll_html_buf_putn(&f->csv, "\n", 1);
	for (size_t j = 0; j < S; j++) {
		ll_html_buf_printf(&f->csv, "%zu,%d", j, r->step[j]);
		ll_report_csv_sep_finite(&f->csv, r->pair_mean[j]);
		ll_report_csv_sep_finite(&f->csv, r->pair_lo[j]);
		ll_report_csv_sep_finite(&f->csv, r->pair_hi[j]);
		ll_report_csv_sep_finite(&f->csv, self_mean[j]);
		for (size_t a = 0; a < M; a++)
			ll_report_csv_sep_finite(&f->csv, r->self[a * S + j]);
		if (pop) {
			ll_report_csv_sep_finite(&f->csv, pop_mean[j]);
			for (size_t a = 0; a < M; a++)
				ll_report_csv_sep_finite(&f->csv, r->pop.over[a * S + j]);
		}
		ll_report_csv_end(f);
	}
out:
	ll_free(x);
	ll_free(y);
	ll_free(self_mean);
	ll_free(pop_mean);
	return ll_report_fig_finish(f, rc, err);
}

/* ---- text ------------------------------------------------------------------ */

/* "the 10 digit means" / "400 probe images (40 per digit)" */
static void conditions_text(const struct ll_res_compare *r, char *buf, size_t n)
{
	if (r->conditions == LL_CMP_CLASSES)
		snprintf(buf, n, "the %zu digit means (the mean activity over a digit's probe images)", r->n);
	else if (r->n % 10 == 0)
		snprintf(buf, n, "%zu probe images (%zu per digit)", r->n, r->n / 10);
	else
		snprintf(buf, n, "%zu probe images", r->n);
}

static void sec_compare_glance(doc *d)
{
	const struct ll_res_compare *r = cmp_of(d->s);
	if (!has_compare(d->s))
		return;
	ll_metric m = lead_metric(r);
	pair_stats ps = pairs_of(r, r->final[m]);
	char mean[32], lo[32], hi[32];
	doc_fmt_num(mean, sizeof mean, ps.mean, "%.3f");
	doc_fmt_num(lo, sizeof lo, ps.lo, "%.3f");
	doc_fmt_num(hi, sizeof hi, ps.hi, "%.3f");
	doc_putf(d, "- **Comparison:** %zu models on %zu %s x %zu units; %s between models at the last "
		    "snapshot %s on average (%s to %s)",
		 r->models, r->n, r->conditions == LL_CMP_CLASSES ? "digit means" : "probe images", r->units,
		 ll_metric_name(m), mean, lo, hi);
	if (r->converged >= 0 && (size_t)r->converged < r->snapshots && r->snapshots > 1)
		doc_putf(d, "; the mean %s between models settled from step %d on", ll_metric_name(r->track),
			 r->step[r->converged]);
	if (r->has_population && r->pop.score && (r->pop.score[0].metrics & LL_METRIC_BIT(m))) {
		double sum = 0;
		size_t n = 0;
		for (size_t a = 0; a < r->models; a++)
			if (isfinite(r->pop.score[a].v[m].value))
				sum += r->pop.score[a].v[m].value, n++;
		doc_fmt_num(mean, sizeof mean, n ? sum / (double)n : NAN, "%.3f");
		doc_putf(d, "; against the population %s %s on average", ll_metric_name(m), mean);
	}
	doc_put(d, ".\n");
}

/* The invariance table: every metric of the registry, with what it ignores
 * under the options this session used; the metrics computed here are the
 * highlighted rows. */
/* Where the metrics come from, for those the step computed. */
static void cite_metrics(doc *d, const struct ll_res_compare *r)
{
	static const struct {
		unsigned bits;
		const char *text;
	} src[] = {
		{LL_METRIC_BIT(LL_M_CKA) | LL_METRIC_BIT(LL_M_CKA_RBF) | LL_METRIC_BIT(LL_M_CKA_DEBIASED),
		 "CKA (Kornblith et al. 2019)"},
		{LL_METRIC_BIT(LL_M_SVCCA), "SVCCA (Raghu et al. 2017)"},
		{LL_METRIC_BIT(LL_M_PWCCA), "PWCCA (Morcos et al. 2018)"},
		{LL_METRIC_BIT(LL_M_RSA), "RSA (Kriegeskorte et al. 2008)"},
		{LL_METRIC_BIT(LL_M_PROCRUSTES) | LL_METRIC_BIT(LL_M_ANGULAR),
		 "the Procrustes and angular shape metrics (Williams et al. 2021)"},
	};
	int n = 0;
	for (size_t i = 0; i < sizeof src / sizeof src[0]; i++)
		if (r->metrics & src[i].bits)
			doc_putf(d, "%s%s", n++ ? "; " : "Methods: ", src[i].text);
	if (n)
		doc_put(d, ".\n\n");
}

static void invariance_table(doc *d, const struct ll_res_compare *r)
{
	static const unsigned cols[] = {LL_INV_ROTATION, LL_INV_SCALE, LL_INV_LINEAR, LL_INV_PERMUTATION,
					LL_INV_TRANSLATION};
	char head[256] = "metric|what it is|kind";
	for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
		size_t l = strlen(head);
		snprintf(head + l, sizeof head - l, "|%s", ll_invariance_name(cols[c]));
	}
	doc_tbl_begin(d, "What each metric ignores at this session's settings (yes: the value does not change "
			 "when either system is transformed so); highlighted: computed here");
	doc_tbl_head(d, head);
	for (int m = 0; m < LL_NMETRICS; m++) {
		unsigned inv = ll_metric_invariances((ll_metric)m, &r->opts);
		doc_tr_begin(d, (r->metrics & LL_METRIC_BIT(m)) != 0);
		doc_td(d, ll_metric_name((ll_metric)m));
		doc_td(d, ll_metric_describe((ll_metric)m));
		doc_td(d, ll_metric_kind_of((ll_metric)m) == LL_SIMILARITY ? "similarity (1 = same)"
									      : "distance (0 = same)");
		for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
			doc_td(d, inv & cols[c] ? "yes" : "no");
		doc_tr_end(d);
	}
	doc_tbl_end(d);
}

/* The summary of each final matrix: over the pairs of models, and within
 * and across learning rates when there are several. */
static void pairs_table(doc *d, const struct ll_res_compare *r)
{
	int groups = r->ngroups > 1;
	size_t bad = 0;
	doc_tbl_begin(d, "Pairs of models at the last snapshot");
	doc_tbl_head(d, groups ? "metric|#mean|#lowest|#highest|#same learning rate|#different learning rates"
			       : "metric|#mean|#lowest|#highest");
	for (int m = 0; m < LL_NMETRICS; m++) {
		if (!(r->metrics & LL_METRIC_BIT(m)))
			continue;
		pair_stats ps = pairs_of(r, r->final[m]);
		bad += ps.bad;
		doc_tr_begin(d, (ll_metric)m == lead_metric(r));
		doc_td(d, ll_metric_name((ll_metric)m));
		doc_td_num(d, ps.mean, "%.3f");
		doc_td_num(d, ps.lo, "%.3f");
		doc_td_num(d, ps.hi, "%.3f");
		if (groups) {
			doc_td_num(d, ps.same, "%.3f");
			doc_td_num(d, ps.diff, "%.3f");
		}
		doc_tr_end(d);
	}
	doc_tbl_end(d);
	if (groups)
		doc_put(d, "If models trained with the same learning rate are more alike than models trained "
			   "with different ones, the learning rate shapes the representation. A dash: no pair "
			   "of that kind.\n\n");
	if (bad)
		doc_putf(d, "<p class=\"note\">%zu pair value%s had no finite value (grey cells; left out of "
			    "the table and empty in the CSV): the compare step stored none for %s.</p>\n\n",
			 bad, bad == 1 ? "" : "s", bad == 1 ? "it" : "them");
}

/* "0.62 [0.55, 0.70]" with the interval when it is there */
static void value_ci(char *buf, size_t n, const ll_metric_value *v)
{
	char a[32], lo[32], hi[32];
	doc_fmt_num(a, sizeof a, v->value, "%.3f");
	if (isfinite(v->ci_lo) && isfinite(v->ci_hi)) {
		doc_fmt_num(lo, sizeof lo, v->ci_lo, "%.3f");
		doc_fmt_num(hi, sizeof hi, v->ci_hi, "%.3f");
		snprintf(buf, n, "%s [%s, %s]", a, lo, hi);
	} else {
		snprintf(buf, n, "%s", a);
	}
}

static void pvalue_text(char *buf, size_t n, const ll_metric_value *v)
{
	if (!isfinite(v->pvalue))
		snprintf(buf, n, "%s", DOC_NA);
	else if (v->pvalue < 0.001)
		snprintf(buf, n, "%.1e", v->pvalue);
	else
		snprintf(buf, n, "%.3f", v->pvalue);
}

/* How the population scores were tested, read off the scores themselves:
 * the most permutations and resamples any score had (0: none asked). */
static void population_tests(const struct ll_res_compare *r, size_t *perms, size_t *boots)
{
	*perms = *boots = 0;
	for (size_t a = 0; a < r->models; a++)
		for (int m = 0; m < LL_NMETRICS; m++) {
			const ll_metric_value *v = &r->pop.score[a].v[m];
			if (!(r->pop.score[a].metrics & LL_METRIC_BIT(m)))
				continue;
			*perms = v->nperm > *perms ? v->nperm : *perms;
			*boots = v->nboot + v->boot_failed > *boots ? v->nboot + v->boot_failed : *boots;
		}
}

static void population_part(doc *d, const struct ll_res_compare *r)
{
	const ll_cmp_population *p = &r->pop;
	size_t M = r->models, perms, boots;
	population_tests(r, &perms, &boots);
	doc_heading(d, 3, "compare-population", "Against the population");
	doc_put(d, "Each model's hidden layer at the last snapshot was compared with the recorded population in ");
	doc_md_text(d, p->path ? p->path : "(unnamed)");
	doc_putf(d, " (%zu samples x %zu neurons), on %zu conditions", p->rows, p->units, p->n);
	if (p->labels_path) {
		doc_putf(d, " matched by label (%zu digit%s in common; labels from ", p->nlabels, p->nlabels == 1 ? "" : "s");
		doc_md_text(d, p->labels_path);
		doc_put(d, r->conditions == LL_CMP_CLASSES ? "; the population's mean per digit against the digit means). "
							   : "; the k-th sample of a digit against the k-th probe image of it). ");
	} else {
		doc_put(d, ": the population has no labels, so its rows were taken as the models' conditions in order. ");
	}
	if (perms > 0)
		doc_putf(d, "The p-value is a permutation test over conditions (%zu shuffles of the population's "
			    "condition order): the fraction of shuffles that match the model at least as well, so "
			    "it cannot be below 1/%zu. ",
			 perms, perms + 1);
	else
		doc_put(d, "No permutation test was run ([compare] permutations = 0), so there are no p-values. ");
	if (boots > 0)
		doc_putf(d, "The interval is the %.0f%% percentile interval over %zu bootstrap resamples of the "
			    "conditions; resampling repeats conditions, which biases some metrics (CKA rises), so "
			    "the interval need not be centred on the value. ",
			 100 * r->opts.ci_level, boots);
	else
		doc_put(d, "No bootstrap was run ([compare] bootstrap = 0), so there are no intervals. ");
	doc_put(d, "The last panel of the figure above follows the tracked metric against the population over "
		   "training.\n\n");
	if (p->skipped & LL_METRICS_ALL) {
		doc_put(d, "<p class=\"note\">Not scored against the population: ");
		const char *sep = "";
		for (int m = 0; m < LL_NMETRICS; m++)
			if (p->skipped & LL_METRIC_BIT(m)) {
				doc_putf(d, "%s%s", sep, ll_metric_name((ll_metric)m));
				sep = ", ";
			}
		doc_putf(d, ". With %zu conditions and %zu model units (%zu in the population), no more conditions "
			    "than units + 1 on one side, every canonical correlation is 1 for any two systems, "
			    "so the CCA family would say nothing about likeness.</p>\n\n",
			 p->n, r->units, p->units);
	}
	/* per metric: the mean over models, the range, the model nearest the
	 * population with its interval and p-value, and how many models pass */
	doc_tbl_begin(d, "Models vs the population at the last snapshot, per metric");
	doc_tbl_head(d, perms > 0
				? "metric|#mean over models|#lowest|#highest|nearest model|#its value [interval]|#its p|#models with p < 0.05"
				: "metric|#mean over models|#lowest|#highest|nearest model|#its value [interval]");
	char note[LL_COMPARE_NOTE_MAX + 64] = "";
	size_t bad = 0, nnote = 0, noci = 0, outside = 0, shown = 0;
	for (int m = 0; m < LL_NMETRICS; m++) {
		if (!(p->score[0].metrics & LL_METRIC_BIT(m)))
			continue;
		double sum = 0, lo = INFINITY, hi = -INFINITY;
		size_t n = 0, best = M, sig = 0, tested = 0;
		int sim = ll_metric_kind_of((ll_metric)m) == LL_SIMILARITY;
		for (size_t a = 0; a < M; a++) {
			const ll_metric_value *v = &p->score[a].v[m];
			if (!(p->score[a].metrics & LL_METRIC_BIT(m)) || !isfinite(v->value)) {
				bad++;
				continue;
			}
			sum += v->value, n++;
			lo = fmin(lo, v->value);
			hi = fmax(hi, v->value);
			if (best == M || (sim ? v->value > p->score[best].v[m].value : v->value < p->score[best].v[m].value))
				best = a;
			if (isfinite(v->pvalue)) {
				tested++;
				sig += v->pvalue < 0.05;
			}
			noci += boots > 0 && !(isfinite(v->ci_lo) && isfinite(v->ci_hi));
			if (v->note[0] && !nnote++)
				snprintf(note, sizeof note, "model %zu, %s: %s", a, ll_metric_name((ll_metric)m), v->note);
		}
		doc_tr_begin(d, (ll_metric)m == r->track);
		doc_td(d, ll_metric_name((ll_metric)m));
		doc_td_num(d, n ? sum / (double)n : NAN, "%.3f");
		doc_td_num(d, n ? lo : NAN, "%.3f");
		doc_td_num(d, n ? hi : NAN, "%.3f");
		char b[128], pv[32];
		if (best < M) {
			snprintf(b, sizeof b, "%zu (learning rate %g)", best, r->group_lr[r->group[best]]);
			doc_td(d, b);
			const ll_metric_value *bv = &p->score[best].v[m];
			value_ci(b, sizeof b, bv);
			if (isfinite(bv->ci_lo) && isfinite(bv->ci_hi)) {
				shown++;
				outside += bv->value < bv->ci_lo || bv->value > bv->ci_hi;
			}
			doc_putf(d, "<td class=\"num\">%s</td>", b);
		} else {
			doc_td_html(d, DOC_NA);
			doc_td_html(d, DOC_NA);
		}
		if (perms > 0) {
			pvalue_text(pv, sizeof pv, best < M ? &p->score[best].v[m] : &(ll_metric_value){.pvalue = NAN});
			doc_putf(d, "<td class=\"num\">%s</td>", pv);
			if (tested)
				doc_putf(d, "<td class=\"num\">%zu of %zu</td>", sig, tested);
			else
				doc_td_html(d, DOC_NA);
		}
		doc_tr_end(d);
	}
	doc_tbl_end(d);
	if (outside)
		doc_putf(d, "In %zu of the %zu intervals shown the value itself lies outside: the resampling bias "
			    "described above, not an error; read such an interval as the spread, not as bounds "
			    "on the value.\n\n",
			 outside, shown);
	if (noci || nnote) {
		doc_put(d, "<p class=\"note\">");
		if (noci)
			doc_putf(d, "%zu of the intervals could not be computed (a value without brackets). ", noci);
		if (nnote) {
			doc_putf(d, "The bootstrap left a note on %zu score%s; the first, ", nnote, nnote == 1 ? "" : "s");
			doc_html_text(d, note);
			doc_put(d, ".");
		}
		doc_put(d, "</p>\n\n");
	}
	if (bad)
		doc_putf(d, "<p class=\"note\">%zu model-metric value%s missing (a dash): the compare step stored "
			    "no finite value.</p>\n\n",
			 bad, bad == 1 ? " is" : "s are");
	if (perms > 0)
		doc_putf(d, "With %zu models tested, about %.1f would pass p < 0.05 by chance per metric; the "
			    "p-values are not corrected for this.\n\n",
			 M, 0.05 * (double)M);
}

static void sec_compare(doc *d)
{
	ll_session *s = d->s;
	if (doc_not_run(d, LL_STEP_COMPARE))
		return;
	if (!has_compare(s)) {
		doc_put(d, "<p class=\"note\">The compare step stored no results to draw (it needs at least two "
			   "models).</p>\n\n");
		return;
	}
	const struct ll_res_compare *r = cmp_of(s);
	size_t M = r->models, S = r->snapshots;
	char cond[128];
	conditions_text(r, cond, sizeof cond);
	doc_putf(d, "How alike are the representations the models learned? Each model's hidden layer is "
		    "taken as a matrix of conditions x units, here %s x %zu hidden units, and every pair of "
		    "models is compared by each metric below. The metrics disagree on purpose: each ignores "
		    "a different set of transformations (table), so two networks that differ only by a "
		    "rotation of their units are identical for CKA but not for neuron matching. "
		    "Agreement across metrics is stronger evidence than any single number.",
		 cond, r->units);
	if (r->dropped_units)
		doc_putf(d, " Units that were constant over the conditions carry no information and were left "
			    "out (%zu over all models at the last snapshot).", r->dropped_units);
	doc_put(d, "\n\n");
	cite_metrics(d, r);
	invariance_table(d, r);
	int cca = 0;
	for (int m = 0; m < LL_NMETRICS; m++)
		cca |= cca_family((ll_metric)m) && (r->metrics & LL_METRIC_BIT(m));
	if (cca && r->n <= r->units + 1)
		doc_putf(d, "<p class=\"note\">Here there are %zu conditions and %zu units: with no more "
			    "conditions than units + 1, CCA can align any two systems, so cca, svcca and pwcca "
			    "come out at 1 whatever the networks learned and are not informative. Log more "
			    "probe images than units ([train] probe_activity) to use them.</p>\n\n",
			 r->n, r->units);

	/* the matrices */
	doc_putf(d, "Figure %d shows the matrices at the last snapshot (step %d), one panel per metric. "
		    "Models are ordered by learning rate and labelled by their number, so models trained "
		    "alike sit in blocks. For a similarity 1 means identical up to what the metric ignores; "
		    "for a distance 0 does. Each panel's colours span its off-diagonal values (the "
		    "diagonal, a model against itself, takes the end colour), so read colours within a "
		    "panel and numbers, from the colour bar or the table, across panels.\n\n",
		 d->next_number + 1, r->step[S - 1]);
	doc_place_fig(d, "compare_matrices", "matrices of every metric between pairs of models",
		      "Every pair of models at the last snapshot, one heatmap per metric (viridis: dark = low, "
		      "yellow = high, so for a distance dark means alike); ticks are model numbers, ordered by "
		      "learning rate, white lines between learning rates.");
	pairs_table(d, r);

	/* the map */
	char stress[32];
	doc_fmt_num(stress, sizeof stress, r->mds.stress, "%.3f");
	doc_putf(d, "Figure %d draws the models as points whose distances match their %s dissimilarities "
		    "(%s) as well as two dimensions allow, coloured by learning rate. Clusters are models "
		    "that learned alike; the axes themselves mean nothing. The stress (Kruskal stress-1, "
		    "%s here) says how much the map distorts: below 0.1 it is faithful, above 0.2 trust "
		    "only the coarse layout.\n\n",
		 d->next_number + 1, ll_metric_name(r->mds_metric),
		 ll_metric_kind_of(r->mds_metric) == LL_DISTANCE ? "the distance itself"
		 : (r->mds_metric == LL_M_CKA || r->mds_metric == LL_M_CKA_RBF || r->mds_metric == LL_M_CKA_DEBIASED)
			 ? "arccos of the similarity, the angle between the centred Gram matrices"
			 : "1 minus the similarity",
		 isfinite(r->mds.stress) ? stress : "not known");
	{
		char cap[400];
		snprintf(cap, sizeof cap,
			 "The models at the last snapshot by %s MDS of %s dissimilarities; stress %s%s. Colour: "
			 "learning rate.",
			 ll_mds_method_name(r->mds.used), ll_metric_name(r->mds_metric),
			 isfinite(r->mds.stress) ? stress : "not known",
			 r->mds.k < 2 ? "; one dimension only (two models), drawn on a line" : "");
		doc_place_fig(d, "compare_mds", "MDS map of the models", cap);
	}

	/* over training */
	const char *tn = ll_metric_name(r->track);
	doc_putf(d, "The %s between every pair of models was computed at each of the %zu snapshots. Figure "
		    "%d shows, on the left, its mean over the %zu pairs with the band from the 10th to the "
		    "90th percentile across pairs: a rising %s means the models grow more alike as they "
		    "learn. In the middle, each model against its own untrained start: how far training "
		    "moved each representation.%s ",
		 tn, S, d->next_number + 1, M * (M - 1) / 2,
		 ll_metric_kind_of(r->track) == LL_SIMILARITY ? "mean" : "(for a distance, falling)",
		 r->has_population ? " On the right, each model against the population." : "");
	if (S < 2)
		doc_put(d, "With one snapshot there is no course to follow.");
	else if (r->converged >= 0 && (size_t)r->converged < S)
		doc_putf(d, "The mean between models settled at step %d (snapshot %d of %zu; dashed line): from "
			    "there on it stays within 10%% of the curve's range (highest minus lowest) of its final value.",
			 r->step[r->converged], r->converged + 1, S);
	else
		doc_put(d, "The mean between models did not change over training, so there is no point where "
			   "it settled.");
	doc_put(d, "\n\n");
	doc_place_fig(d, "compare_training", "similarity over training",
		      r->has_population
			      ? "Left: mean over pairs of models with the 10-90% band. Middle: each model vs its "
				"own start (thin, coloured by learning rate) and their mean (black). Right: each "
				"model vs the population."
			      : "Left: mean over pairs of models with the 10-90% band. Middle: each model vs its "
				"own start (thin, coloured by learning rate) and their mean (black).");

	if (r->has_population)
		population_part(d, r);
}

static int sec_compare_present(const ll_session *s)
{
	return s->state[LL_STEP_COMPARE] != LL_STATE_ABSENT;
}

static const ll_section_fig figs[] = {
	{"compare_matrices", fig_matrices, NULL},
	{"compare_mds", fig_mds, NULL},
	{"compare_training", fig_training, NULL},
};

const ll_section ll_section_compare = {
	.id = "compare",
	.title = "Comparison",
	.present = sec_compare_present,
	.drawn = has_compare,
	LL_SECTION_FIGS(figs),
	.glance = sec_compare_glance,
	.write = sec_compare,
};
