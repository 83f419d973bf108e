/* Section "Training paths (InPCA)": the inpca step's map of every model's
 * training, and how much of the total its top dimensions carry; and its
 * figures
 *
 *   inpca_map       every path in InPCA dimensions 1-2 and 1-3, coloured
 *                   by group (learning rate, or other run), a circle at
 *                   the first snapshot and a triangle at the last
 *   inpca_spectrum  the fraction of sum |lambda| of the leading
 *                   eigenvalues, negative ones in another colour
 *
 * Nothing is computed here but summaries.  In the report when the
 * session has an inpca step. */
#include "ll_doc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/steps/step_inpca.h"

/* eigenvalues drawn in the spectrum */
#define SPEC_SHOWN 20

static const struct ll_res_inpca *inpca_of(const ll_session *s)
{
	const struct ll_res_inpca *r = s->state[LL_STEP_INPCA] == LL_STATE_DONE ? s->res.inpca : NULL;
	return r && r->emb.coords ? r : NULL;
}

static int has_inpca(const ll_session *s)
{
	return inpca_of(s) != NULL;
}

/* the leading dimensions' share of sum |lambda| */
static double top_share(const struct ll_res_inpca *r, size_t k)
{
	double t = 0;
	for (size_t j = 0; j < k && j < r->emb.k; j++)
		t += r->emb.explained[j];
	return t;
}

static int fig_map(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	const struct ll_res_inpca *r = inpca_of(s);
	if (!r)
		return ll_err_set(err, LL_EINVAL, "figure inpca_map: the session has no InPCA map");
	size_t S = r->snapshots, k = r->emb.k;
	int panels = k >= 3 ? 2 : 1;
	if ((rc = ll_report_fig_start(f, "inpca_map", panels == 2 ? 1040 : 560, 500, 1, panels, err)) != LL_OK)
		return rc;
	double *x = ll_malloc_array(S, sizeof *x), *y = ll_malloc_array(S, sizeof *y);
	if (!x || !y) {
		rc = ll_err_oom(err);
		goto out;
	}
	snprintf(f->fig.title, sizeof f->fig.title, "%zu training paths x %zu snapshots in one InPCA map", r->paths, S);
	for (int q = 0; q < panels && rc == LL_OK; q++) {
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, q);
		size_t b = q ? 2 : 1;
		char xl[48], yl[48];
		snprintf(xl, sizeof xl, "InPCA 1%s (%.1f%%)", r->emb.sign[0] < 0 ? ", negative" : "", 100 * r->emb.explained[0]);
		if (b < k)
			snprintf(yl, sizeof yl, "InPCA %zu%s (%.1f%%)", b + 1, r->emb.sign[b] < 0 ? ", negative" : "",
				 100 * r->emb.explained[b]);
		else
			snprintf(yl, sizeof yl, "(one dimension)");
		ll_report_set_text(ax->x.label, "%s", xl);
		ll_report_set_text(ax->y.label, "%s", yl);
		snprintf(ax->title, sizeof ax->title, "dimensions 1 and %zu", b + 1);
		ax->grid = 1;
		ax->legend = LL_PLOT_LEGEND_BEST;
		for (size_t p = 0; p < r->paths && rc == LL_OK; p++) {
			for (size_t j = 0; j < S; j++) {
				x[j] = ll_res_inpca_at(r, p, j)[0];
				y[j] = b < k ? ll_res_inpca_at(r, p, j)[b] : 0;
			}
			uint32_t col = ll_report_label_color(r->group[p]);
			rc = ll_plot_traj(ax, x, y, S, &(ll_plot_style){.color = LL_RGBA_SET_ALPHA(col, 0xB0), .width = 1.5},
					  err);
		}
		for (size_t g = 0; g < r->ngroups && rc == LL_OK; g++)
			rc = ll_plot_legend_add(ax, &(ll_plot_style){.color = ll_report_label_color(g), .width = 2,
								      .label = r->group_name[g]},
						err);
	}
	ll_html_buf_puts(&f->csv, "path,name,group,snapshot");
	for (size_t j = 0; j < k; j++)
		ll_html_buf_printf(&f->csv, ",inpca_%zu", j + 1);
	ll_html_buf_putn(&f->csv, "\n", 1);
	for (size_t p = 0; p < r->paths; p++)
		for (size_t j = 0; j < S; j++) {
			ll_html_buf_printf(&f->csv, "%zu,", p);
			ll_report_csv_str(&f->csv, r->name[p]);
			ll_report_csv_sep(&f->csv);
			ll_report_csv_str(&f->csv, r->group_name[r->group[p]]);
			ll_html_buf_printf(&f->csv, ",%zu", j);
			for (size_t a = 0; a < k; a++) {
				ll_report_csv_sep(&f->csv);
				ll_report_csv_num(&f->csv, ll_res_inpca_at(r, p, j)[a]);
			}
			ll_report_csv_end(f);
		}
out:
	ll_free(x);
	ll_free(y);
	return ll_report_fig_finish(f, rc, err);
}

static int fig_spectrum(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	const struct ll_res_inpca *r = inpca_of(s);
	if (!r)
		return ll_err_set(err, LL_EINVAL, "figure inpca_spectrum: the session has no InPCA map");
	size_t n = r->emb.n < SPEC_SHOWN ? r->emb.n : SPEC_SHOWN;
	if ((rc = ll_report_fig_start(f, "inpca_spectrum", 640, 400, 1, 1, err)) != LL_OK)
		return rc;
	double xs[SPEC_SHOWN], ys[SPEC_SHOWN];
	uint32_t cs[SPEC_SHOWN];
	snprintf(f->fig.title, sizeof f->fig.title, "The %zu leading InPCA eigenvalues, share of sum |lambda|", n);
	ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, 0);
	ll_report_set_text(ax->x.label, "%s", "dimension (by |lambda|)");
	ll_report_set_text(ax->y.label, "%s", "|lambda| / sum |lambda|");
	ax->grid = 1;
	ax->legend = LL_PLOT_LEGEND_BEST;
	uint32_t pos = ll_report_label_color(0), neg = ll_report_label_color(1);
	ll_html_buf_puts(&f->csv, "dimension,eigenvalue,share\n");
	for (size_t j = 0; j < n; j++) {
		double lam = r->emb.eig[j];
		xs[j] = (double)(j + 1);
		ys[j] = r->emb.total_abs > 0 ? fabs(lam) / r->emb.total_abs : 0;
		cs[j] = lam < -1e-12 * r->emb.total_abs ? neg : pos;
		ll_html_buf_printf(&f->csv, "%zu,", j + 1);
		ll_report_csv_num(&f->csv, lam);
		ll_report_csv_sep(&f->csv);
		ll_report_csv_num(&f->csv, ys[j]);
		ll_report_csv_end(f);
	}
	rc = ll_plot_bars(ax, xs, ys, n, cs, &(ll_plot_style){.color = pos}, err);
	if (rc == LL_OK)
		rc = ll_plot_legend_add(ax, &(ll_plot_style){.color = pos, .marker = LL_PLOT_MARKER_SQUARE,
							    .label = "positive"},
					err);
	if (rc == LL_OK)
		rc = ll_plot_legend_add(ax, &(ll_plot_style){.color = neg, .marker = LL_PLOT_MARKER_SQUARE,
							    .label = "negative"},
					err);
	return ll_report_fig_finish(f, rc, err);
}

static void sec_inpca_glance(doc *d)
{
	const struct ll_res_inpca *r = inpca_of(d->s);
	if (!r)
		return;
	doc_putf(d, "- **Training paths (InPCA):** %zu models x %zu snapshots in one map; the top %zu dimensions "
		    "carry %.1f%% of the total.\n",
		 r->paths, r->snapshots, r->emb.k < 3 ? r->emb.k : 3, 100 * top_share(r, 3));
}

static void sec_inpca(doc *d)
{
	if (doc_not_run(d, LL_STEP_INPCA))
		return;
	const struct ll_res_inpca *r = inpca_of(d->s);
	if (!r) {
		doc_put(d, "<p class=\"note\">The inpca step stored no map to draw.</p>\n\n");
		return;
	}
	doc_putf(d, "Do all the models train along one low-dimensional manifold? Each model at each snapshot is "
		    "a point, known only by what it predicts: its class probabilities on %zu probe images. Two "
		    "points are the Bhattacharyya distance apart (-log sum sqrt(p q), averaged over the images, "
		    "so it does not grow with their number), and intensive PCA (Quinn et al. 2019) embeds all "
		    "%zu points: the eigen-decomposition of the double-centred -1/2 D, negative eigenvalues "
		    "kept (they mark directions along which the points are closer than any Euclidean picture "
		    "allows). %zu%s paths from %zu group%s share the map (Mao et al. 2024 found the paths of "
		    "many networks on a few dimensions).\n\n",
		 r->images, r->paths * r->snapshots, r->paths, r->nruns ? " training" : "", r->ngroups,
		 r->ngroups == 1 ? "" : "s");
	doc_putf(d, "**Measured:** the top dimension carries %.1f%% of sum |lambda|, the top three %.1f%%; "
		    "%zu of the %zu eigenvalues are negative, carrying %.1f%%.\n\n",
		 100 * top_share(r, 1), 100 * top_share(r, 3), r->emb.n_negative, r->emb.n, 100 * r->emb.neg_frac);
	doc_putf(d, "Figure %d draws every path, Figure %d the leading eigenvalues.\n\n", d->next_number + 1,
		 d->next_number + 2);
	doc_place_fig(d, "inpca_map", "the training paths in the InPCA map",
		      "Every model's training path in InPCA dimensions 1-2 (left) and 1-3 (right); circle: first "
		      "snapshot, triangle: last; colour: group.");
	doc_place_fig(d, "inpca_spectrum", "the leading InPCA eigenvalues",
		      "Share of sum |lambda| of the leading eigenvalues, ordered by |lambda|; negative eigenvalues "
		      "in the second colour.");
	if (r->nruns) {
		doc_put(d, "Other runs in the map:\n\n");
		for (size_t q = 0; q < r->nruns; q++) {
			doc_put(d, "- `");
			doc_md_text(d, r->runs[q]);
			doc_put(d, "`\n");
		}
		doc_put(d, "\n");
	}
}

static int sec_inpca_present(const ll_session *s)
{
	return s->state[LL_STEP_INPCA] != LL_STATE_ABSENT;
}

static const ll_section_fig figs[] = {
	{"inpca_map", fig_map, NULL},
	{"inpca_spectrum", fig_spectrum, NULL},
};

const ll_section ll_section_inpca = {
	.id = "inpca",
	.title = "Training paths (InPCA)",
	.present = sec_inpca_present,
	.drawn = has_inpca,
	LL_SECTION_FIGS(figs),
	.glance = sec_inpca_glance,
	.write = sec_inpca,
};
