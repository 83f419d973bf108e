/* Section "Functional connectome": what the chosen TCA model of a
 * connectome tensor ([tensor] of = connectome) says -- each component's
 * community of neurons, when it is active, and whether its two neuron
 * factors agree; and its figures
 *
 *   connectome_graph    per component, the neurons on a circle, the
 *                       community's members coloured and joined by edges
 *   connectome_windows  per component, its window factor over the
 *                       recording (scaled to its peak), active windows
 *                       above the step's threshold
 *
 * Nothing is computed here: the connectome step summarised the model. In
 * the report when the session has a connectome step. */
#include "ll_doc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/steps/step_connectome.h"

/* graph panels per row, and the members whose edges are drawn (the
 * top-loading ones; more make a solid disc) */
#define GRAPH_COLS 3
#define GRAPH_EDGE_MEMBERS 40

static const struct ll_res_connectome *conn_of(const ll_session *s)
{
	const struct ll_res_connectome *r =
		s->state[LL_STEP_CONNECTOME] == LL_STATE_DONE ? s->res.connectome : NULL;
	return r && r->sum.comp && r->sum.rank ? r : NULL;
}

static int has_conn(const ll_session *s)
{
	return conn_of(s) != NULL;
}

/* the chosen model's window factor of component c, scaled to its peak */
static const ll_ktensor *model_of(const ll_session *s)
{
	const struct ll_res_tca *t = s->res.tca;
	const ll_ens_rank *er = t ? ll_ens_get(&t->ens, t->chosen_rank) : NULL;
	return er && er->nrep ? &er->fits[0].K : NULL;
}

/* "3-7, 12" of the runs of active windows, into buf */
static void runs_text(const ll_conn_comp *c, size_t W, char *buf, size_t n)
{
	size_t l = 0;
	buf[0] = '\0';
	for (size_t w = 0; w < W; w++) {
		if (!c->active[w] || (w > 0 && c->active[w - 1]))
			continue;
		size_t e = w;
		while (e + 1 < W && c->active[e + 1])
			e++;
		int k = e > w ? snprintf(buf + l, n - l, "%s%zu-%zu", l ? ", " : "", w, e)
			      : snprintf(buf + l, n - l, "%s%zu", l ? ", " : "", w);
		if (k < 0 || (size_t)k >= n - l)
			break;
		l += (size_t)k;
	}
	if (!l)
		snprintf(buf, n, "none");
}

static int fig_graph(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	const struct ll_res_connectome *r = conn_of(s);
	if (!r)
		return ll_err_set(err, LL_EINVAL, "figure connectome_graph: the session has no connectome summary");
	const ll_conn_summary *m = &r->sum;
	size_t R = m->rank, N = m->neurons;
	int cols = R < GRAPH_COLS ? (int)R : GRAPH_COLS, rows = (int)((R + GRAPH_COLS - 1) / GRAPH_COLS);
	if (rows > LL_PLOT_MAX_GRID)
		rows = LL_PLOT_MAX_GRID;
	if ((rc = ll_report_fig_start(f, "connectome_graph", 300 * cols, 300 * rows + 40, rows, cols, err)) != LL_OK)
		return rc;
	snprintf(f->fig.title, sizeof f->fig.title, "The community of each component (%zu neurons on a circle)", N);
	size_t ne = GRAPH_EDGE_MEMBERS * (GRAPH_EDGE_MEMBERS - 1) / 2 * 3;
	double *px = ll_malloc_array(N, sizeof *px), *py = ll_malloc_array(N, sizeof *py);
	double *ex = ll_malloc_array(ne, sizeof *ex), *ey = ll_malloc_array(ne, sizeof *ey);
	double *mx = ll_malloc_array(N, sizeof *mx), *my = ll_malloc_array(N, sizeof *my);
	if (!px || !py || !ex || !ey || !mx || !my) {
		rc = ll_err_oom(err);
		goto out;
	}
	for (size_t i = 0; i < N; i++) {
		/* neuron 0 at the top, clockwise */
		double a = 2 * M_PI * (double)i / (double)N;
		px[i] = sin(a);
		py[i] = cos(a);
	}
	ll_html_buf_puts(&f->csv, "component,neuron,x,y,loading,member\n");
	for (size_t c = 0; c < R && rc == LL_OK && c < (size_t)rows * GRAPH_COLS; c++) {
		const ll_conn_comp *cc = &m->comp[c];
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, (int)(c / GRAPH_COLS), (int)(c % GRAPH_COLS));
		uint32_t col = ll_report_label_color(c);
		char runs[64];
		runs_text(cc, m->windows, runs, sizeof runs);
		snprintf(ax->title, sizeof ax->title, "C%zu: %zu neurons, windows %.40s", c + 1, cc->nmembers, runs);
		ax->equal = 1;
		ax->x.ticks = ax->y.ticks = LL_PLOT_TICKS_NONE;
		ax->x.fixed = ax->y.fixed = 1;
		ax->x.lo = ax->y.lo = -1.15;
		ax->x.hi = ax->y.hi = 1.15;
		ax->legend = LL_PLOT_LEGEND_OFF;
		/* edges among the top-loading members: segments split by NaN */
		size_t me = cc->nmembers < GRAPH_EDGE_MEMBERS ? cc->nmembers : GRAPH_EDGE_MEMBERS, k = 0;
		for (size_t a = 0; a < me; a++)
			for (size_t b = a + 1; b < me; b++) {
				ex[k] = px[cc->members[a]];
				ey[k++] = py[cc->members[a]];
				ex[k] = px[cc->members[b]];
				ey[k++] = py[cc->members[b]];
				ex[k] = ey[k] = NAN;
				k++;
			}
		if (k)
			rc = ll_plot_line(ax, ex, ey, k,
					  &(ll_plot_style){.color = LL_RGBA_SET_ALPHA(col, 0x70), .width = 1.0}, err);
		if (rc == LL_OK)
			rc = ll_plot_scatter(ax, px, py, N, NULL,
					     &(ll_plot_style){.color = LL_PLOT_NAN_GREY, .marker_size = 5}, err);
		for (size_t q = 0; q < cc->nmembers; q++) {
			mx[q] = px[cc->members[q]];
			my[q] = py[cc->members[q]];
		}
		if (rc == LL_OK && cc->nmembers)
			rc = ll_plot_scatter(ax, mx, my, cc->nmembers, NULL,
					     &(ll_plot_style){.color = col, .marker_size = 8}, err);
		for (size_t i = 0; i < N; i++) {
			int in = 0;
			for (size_t q = 0; q < cc->nmembers; q++)
				in |= cc->members[q] == i;
			ll_html_buf_printf(&f->csv, "%zu,%zu,", c + 1, i);
			ll_report_csv_num(&f->csv, px[i]);
			ll_report_csv_sep(&f->csv);
			ll_report_csv_num(&f->csv, py[i]);
			ll_report_csv_sep(&f->csv);
			ll_report_csv_num(&f->csv, cc->loading[i]);
			ll_html_buf_printf(&f->csv, ",%d", in);
			ll_report_csv_end(f);
		}
	}
	/* cells past the last component stay empty */
	for (size_t c = R; c < (size_t)rows * (size_t)cols; c++)
		ll_plot_fig_axes(&f->fig, (int)(c / GRAPH_COLS), (int)(c % GRAPH_COLS))->hidden = 1;
out:
	ll_free(px);
	ll_free(py);
	ll_free(ex);
	ll_free(ey);
	ll_free(mx);
	ll_free(my);
	return ll_report_fig_finish(f, rc, err);
}

static int fig_windows(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	const struct ll_res_connectome *r = conn_of(s);
	const ll_ktensor *K = model_of(s);
	if (!r || !K || K->rank != r->sum.rank || K->nmodes < 3 || K->dim[2] != r->sum.windows)
		return ll_err_set(err, LL_EINVAL, "figure connectome_windows: the session has no connectome model");
	size_t R = K->rank, W = K->dim[2];
	if ((rc = ll_report_fig_start(f, "connectome_windows", 760, 120 + 28 * (int)(R < 40 ? R : 40), 1, 1, err)) !=
	    LL_OK)
		return rc;
	double *z = ll_malloc_array(R * W, sizeof *z);
	if (!z)
		return ll_report_fig_finish(f, ll_err_oom(err), err);
	snprintf(f->fig.title, sizeof f->fig.title, "When each community holds together (window factor / its peak)");
	ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, 0);
	char xl[96];
	snprintf(xl, sizeof xl, "window (w covers samples %zu w to %zu w + %zu)", r->step, r->step, r->window - 1);
	ll_report_set_text(ax->x.label, "%s", xl);
	ll_report_set_text(ax->y.label, "%s", "component");
	ll_html_buf_puts(&f->csv, "component,window,first_sample,factor,scaled,active\n");
	for (size_t c = 0; c < R; c++) {
		double mx = 0;
		for (size_t w = 0; w < W; w++)
			mx = fmax(mx, K->U[2][w * R + c]);
		for (size_t w = 0; w < W; w++) {
			z[c * W + w] = mx > 0 ? K->U[2][w * R + c] / mx : 0;
			ll_html_buf_printf(&f->csv, "%zu,%zu,%zu,", c + 1, w, w * r->step);
			ll_report_csv_num(&f->csv, K->U[2][w * R + c]);
			ll_report_csv_sep(&f->csv);
			ll_report_csv_num(&f->csv, z[c * W + w]);
			ll_html_buf_printf(&f->csv, ",%d", r->sum.comp[c].active[w]);
			ll_report_csv_end(f);
		}
	}
	rc = ll_plot_heatmap(ax, z, R, W, &(ll_plot_heat_style){.fixed = 1, .lo = 0, .hi = 1, .label = "factor / peak"},
			     err);
	double pos[LL_PLOT_MAX_TICKS];
	char lab[LL_PLOT_MAX_TICKS][8];
	const char *labs[LL_PLOT_MAX_TICKS];
	size_t nt = R < LL_PLOT_MAX_TICKS ? R : LL_PLOT_MAX_TICKS;
	for (size_t c = 0; c < nt; c++) {
		pos[c] = (double)c;
		snprintf(lab[c], sizeof lab[c], "C%zu", c + 1);
		labs[c] = lab[c];
	}
	if (rc == LL_OK)
		rc = ll_plot_axis_ticks(&ax->y, pos, labs, nt, err);
	ll_free(z);
	return ll_report_fig_finish(f, rc, err);
}

static void sec_conn_glance(doc *d)
{
	const struct ll_res_connectome *r = conn_of(d->s);
	if (!r)
		return;
	doc_putf(d, "- **Functional connectome:** %zu communities over %zu windows; the two neuron factors agree "
		    "to %.3f at worst%s.\n",
		 r->sum.rank, r->sum.windows, r->sum.min_congruence,
		 r->sum.n_incongruent ? " (below 0.9: read those components with care)" : "");
}

static void sec_conn(doc *d)
{
	if (doc_not_run(d, LL_STEP_CONNECTOME))
		return;
	const struct ll_res_connectome *r = conn_of(d->s);
	const struct ll_res_tensor *t = d->s->res.tensor;
	if (!r || !t) {
		doc_put(d, "<p class=\"note\">The connectome step stored no summary.</p>\n\n");
		return;
	}
	const ll_conn_summary *m = &r->sum;
	int gauss = !strcmp(doc_param(d, LL_STEP_TENSOR, "affinity"), "gaussian");
	doc_putf(d, "Which neurons work together, and when? The tensor is a functional connectome (Dyballa et "
		    "al.): for every window of %zu samples, every %zu samples, and every trial, the affinity of "
		    "each pair of the %zu neurons -- ",
		 r->window, r->step, m->neurons);
	if (gauss)
		doc_putf(d, "exp(-||z_i - z_j||^2 / (2 sigma^2 window)) of the traces z-scored in the window, "
			    "sigma = %s (equal to exp(-(1 - r) / sigma^2), r their correlation)",
			 doc_param(d, LL_STEP_TENSOR, "bandwidth")[0] ? doc_param(d, LL_STEP_TENSOR, "bandwidth") : "1");
	else
		doc_putf(d, "their Pearson correlation, negative values clipped to 0 because a non-negative model "
			    "cannot fit them (%zu of %zu pair-windows were negative)",
			 t->conn.clipped, t->conn.pairs);
	doc_putf(d, "; 1 on the diagonal, and 0 to the others for a neuron whose trace is constant in a window "
		    "(%zu such traces). A non-negative CP model of rank %zu splits it into components, each a "
		    "community of neurons (a neuron factor, twice: the fit does not tie the two neuron modes) "
		    "with a time course over the windows and a weight per trial.\n\n",
		 t->conn.constant, m->rank);
	doc_putf(d, "**Community:** the neurons whose loading (the two neuron factors, each of unit norm, "
		    "averaged and scaled to unit norm) exceeds 1/sqrt(%zu) = %.3f, what every neuron would have "
		    "if all loaded equally. **Active:** the windows where the window factor is at least %.2f of "
		    "its peak. **Congruence:** the cosine of the two neuron factors; below %.1f the component is "
		    "not one symmetric community and should not be read as one.\n\n",
		 m->neurons, m->threshold, m->active_frac, LL_CONN_CONGRUENCE_OK);
	doc_putf(d, "**Measured:** the two neuron factors agree to %.4f at worst; %zu of %zu components below %.1f.\n\n",
		 m->min_congruence, m->n_incongruent, m->rank, LL_CONN_CONGRUENCE_OK);
	doc_tbl_begin(d, "Each component's community and active windows");
	doc_tbl_head(d, "component|#weight|#congruence|#size|members|active windows|samples");
	for (size_t c = 0; c < m->rank; c++) {
		const ll_conn_comp *cc = &m->comp[c];
		char buf[512], num[24];
		size_t l = 0;
		buf[0] = '\0';
		/* members in neuron order, easier to compare than by loading */
		size_t shown = 0;
		for (size_t i = 0; i < m->neurons && l + 16 < sizeof buf; i++)
			if (cc->loading[i] > m->threshold) {
				l += (size_t)snprintf(buf + l, sizeof buf - l, "%s%zu", shown ? " " : "", i);
				shown++;
			}
		if (shown < cc->nmembers)
			snprintf(buf + l, sizeof buf - l, " ...");
		doc_tr_begin(d, !(cc->congruence >= LL_CONN_CONGRUENCE_OK));
		snprintf(num, sizeof num, "C%zu", c + 1);
		doc_td(d, num);
		doc_td_num(d, r->lambda[c], "%.3g");
		doc_td_num(d, cc->congruence, "%.3f");
		doc_td_size(d, cc->nmembers);
		doc_td(d, cc->nmembers ? buf : "none");
		runs_text(cc, m->windows, buf, sizeof buf);
		doc_td(d, buf);
		if (cc->nactive)
			snprintf(buf, sizeof buf, "%zu-%zu", cc->first * r->step, cc->last * r->step + r->window - 1);
		else
			snprintf(buf, sizeof buf, "none");
		doc_td(d, buf);
		doc_tr_end(d);
	}
	doc_tbl_end(d);
	doc_put(d, "\n");
	if (m->n_incongruent)
		doc_put(d, "Highlighted rows: components whose two neuron factors disagree (congruence below 0.9).\n\n");
	doc_putf(d, "Figure %d draws each community as a graph, Figure %d when each is active. The samples "
		    "column spans the first active window's start to the last's end.\n\n",
		 d->next_number + 1, d->next_number + 2);
	doc_place_fig(d, "connectome_graph", "each component's community as a graph",
		      "Each component's community: the neurons on a circle (neuron 0 at the top, clockwise), the "
		      "members coloured and joined pairwise; grey: the other neurons.");
	doc_place_fig(d, "connectome_windows", "each component's window factor",
		      "Each component's window factor scaled to its peak: where its community holds together.");
}

static int sec_conn_present(const ll_session *s)
{
	return s->state[LL_STEP_CONNECTOME] != LL_STATE_ABSENT;
}

static const ll_section_fig figs[] = {
	{"connectome_graph", fig_graph, NULL},
	{"connectome_windows", fig_windows, NULL},
};

const ll_section ll_section_connectome = {
	.id = "connectome",
	.title = "Functional connectome",
	.present = sec_conn_present,
	.drawn = has_conn,
	LL_SECTION_FIGS(figs),
	.glance = sec_conn_glance,
	.write = sec_conn,
};
