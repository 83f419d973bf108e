/* Section "Trajectories": the 3-D paths, and its figure
 *
 *   trajectories  the paths in the planes of axes 1-2, 1-3 and 2-3 (only
 *                 planes whose axes carry data), start and end marked
 *
 * In the report when the session has a trajectory step. */
#include "ll_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pca/ll_traj.h"

/* ---- figure ------------------------------------------------------------- */

static int fig_trajectories(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	static const int pairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
	int rc;

	ll_report_fig_init(f);
	if (!ll_report_has_traj(s))
		return ll_err_set(err, LL_EINVAL, "figure trajectories: the session has no trajectories");
	const ll_traj_set *ts = s->res.traj ? &s->res.traj->ts : NULL;
	size_t P = ts->n_paths, T = ts->n_points;
	int np = ts->n_axes >= 3 ? 3 : 1;
	if ((rc = ll_report_fig_start(f, "trajectories", np == 3 ? 1050 : 560, 430, 1, np, err)) != LL_OK)
		return rc;
	snprintf(f->fig.title, sizeof f->fig.title, "%zu trajector%s (%s), start o, end >", P,
		 P == 1 ? "y" : "ies", strcmp(ts->source, "tca") ? "PCA of the states" : "TCA components");
	const char *tl = "point";
	double *tx = ll_report_time_axis(s, T, "time bin", &tl);
	double *x = ll_malloc_array(T, sizeof *x), *y = ll_malloc_array(T, sizeof *y);
	int many = P > 10;
	double *mean = ll_calloc_array(T * 3, sizeof *mean);
	if (!tx || !x || !y || !mean) {
		rc = ll_err_oom(err);
		goto out;
	}
	for (size_t q = 0; q < P; q++)
		for (size_t i = 0; i < T * 3; i++)
			mean[i] += ts->xyz[q * T * 3 + i] / (double)P;
	uint32_t light = LL_RGB(0xC8, 0xC8, 0xC8);
	for (int p = 0; p < np && rc == LL_OK; p++) {
		int a = pairs[p][0], b = pairs[p][1];
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, p);
		snprintf(ax->x.label, sizeof ax->x.label, "%s (%.1f%%)", ts->axis_name[a], 100 * ts->explained[a]);
		snprintf(ax->y.label, sizeof ax->y.label, "%s (%.1f%%)", ts->axis_name[b], 100 * ts->explained[b]);
		snprintf(ax->title, sizeof ax->title, "%s vs %s", ts->axis_name[b], ts->axis_name[a]);
		ax->legend = p == 0 && P <= 8 ? LL_PLOT_LEGEND_BEST : LL_PLOT_LEGEND_OFF;
		if ((rc = ll_plot_hline(ax, 0, &(ll_plot_style){.dash = 3, .color = light}, err)) ||
		    (rc = ll_plot_vline(ax, 0, &(ll_plot_style){.dash = 3, .color = light}, err)))
			break;
		for (size_t q = 0; q < P && rc == LL_OK; q++) {
			for (size_t t = 0; t < T; t++) {
				x[t] = ts->xyz[(q * T + t) * 3 + (size_t)a];
				y[t] = ts->xyz[(q * T + t) * 3 + (size_t)b];
			}
			uint32_t c = ll_report_label_color(q);
			rc = ll_plot_traj(ax, x, y, T, &(ll_plot_style){.color = many ? LL_RGBA_SET_ALPHA(c, 0xB0) : c,
									 .width = many ? 1 : 1.8,
									 .marker_size = many ? 6 : 9,
									 .label = ts->labels[q]}, err);
		}
		/* many paths: their mean on top, so the common course reads */
		if (many && rc == LL_OK) {
			for (size_t t = 0; t < T; t++) {
				x[t] = mean[t * 3 + (size_t)a];
				y[t] = mean[t * 3 + (size_t)b];
			}
			rc = ll_plot_traj(ax, x, y, T, &(ll_plot_style){.color = LL_PLOT_BLACK, .width = 1,
									 .marker_size = 10}, err);
			if (rc == LL_OK)
				rc = ll_plot_line(ax, x, y, T, &(ll_plot_style){.color = LL_RGBA_SET_ALPHA(LL_PLOT_BLACK, 0xD0),
										 .width = 2.5, .label = "mean"}, err);
		}
	}
	ll_html_buf_printf(&f->csv, "path,label,point,");
	ll_report_csv_str(&f->csv, tl);
	int nax = np == 3 ? 3 : 2; /* the axes drawn */
	for (int a = 0; a < nax; a++) {
		ll_report_csv_sep(&f->csv);
		ll_report_csv_str(&f->csv, ts->axis_name[a]);
	}
	ll_html_buf_putn(&f->csv, "\n", 1);
	for (size_t q = 0; q < P; q++)
		for (size_t t = 0; t < T; t++) {
			ll_html_buf_printf(&f->csv, "%zu,", q);
			ll_report_csv_str(&f->csv, ts->labels[q]);
			ll_html_buf_printf(&f->csv, ",%zu,", t);
			ll_report_csv_num(&f->csv, tx[t]);
			for (int a = 0; a < nax; a++) {
				ll_report_csv_sep(&f->csv);
				ll_report_csv_num(&f->csv, ts->xyz[(q * T + t) * 3 + (size_t)a]);
			}
			ll_report_csv_end(f);
		}
	for (size_t t = 0; many && t < T; t++) {
		ll_html_buf_printf(&f->csv, "mean,mean of %zu paths,%zu,", P, t);
		ll_report_csv_num(&f->csv, tx[t]);
		for (int a = 0; a < nax; a++) {
			ll_report_csv_sep(&f->csv);
			ll_report_csv_num(&f->csv, mean[t * 3 + (size_t)a]);
		}
		ll_report_csv_end(f);
	}
out:
	ll_free(mean);
	ll_free(tx);
	ll_free(x);
	ll_free(y);
	return ll_report_fig_finish(f, rc, err);
}

/* ---- the interactive 3-D view (report.html only) ------------------------- */

/* The paths as the viewer's JSON (ll_html_view3d): the figure's colours,
 * widths and alphas, its time axis, and the mean on top when it draws one.
 * Coordinates to 6 digits: the view draws them, the CSV holds them exact. */
static void view3d_json(const ll_session *s, const ll_traj_set *ts, ll_html_buf *j, doc *d)
{
	size_t P = ts->n_paths, T = ts->n_points;
	int many = P > 10;
	const char *tl = "point";
	double *tx = ll_report_time_axis(s, T, "time bin", &tl);
	double *mean = many ? ll_calloc_array(T * 3, sizeof *mean) : NULL;
	if (!tx || (many && !mean)) {
		doc_fail(d, LL_ENOMEM, "trajectories: 3-D view");
		goto out;
	}
	ll_html_buf_puts(j, "{\"axes\":[");
	for (int a = 0; a < 3; a++) {
		char ax[48];
		snprintf(ax, sizeof ax, "%s (%.1f%%)", ts->axis_name[a], 100 * ts->explained[a]);
		if (a)
			ll_html_buf_putn(j, ",", 1);
		ll_html_json_str(j, ax);
	}
	ll_html_buf_puts(j, "],\"tlabel\":");
	ll_html_json_str(j, tl);
	ll_html_buf_puts(j, ",\"t\":[");
	for (size_t t = 0; t < T; t++) {
		if (t)
			ll_html_buf_putn(j, ",", 1);
		ll_html_json_num(j, tx[t]);
	}
	ll_html_buf_puts(j, "],\"paths\":[");
	for (size_t q = 0; q <= P; q++) {
		if (q == P && !many)
			break;
		const double *v = q < P ? ts->xyz + q * T * 3 : mean;
		uint32_t c = q < P ? ll_report_label_color(q) : LL_PLOT_BLACK;
		char lab[64];
		snprintf(lab, sizeof lab, "mean of %zu paths", P);
		ll_html_buf_puts(j, q ? ",\n{\"label\":" : "\n{\"label\":");
		ll_html_json_str(j, q < P ? ts->labels[q] : lab);
		ll_html_buf_printf(j, ",\"color\":\"#%06x\",\"alpha\":%s,\"width\":%s,\"xyz\":[",
				   (unsigned)(c & 0xFFFFFFu), many && q < P ? "0.69" : "1",
				   q == P ? "2.5" : many ? "1" : "1.8");
		for (size_t i = 0; i < T * 3; i++) {
			if (i)
				ll_html_buf_putn(j, ",", 1);
			ll_html_json_num(j, v[i]);
			if (many && q < P)
				mean[i] += v[i] / (double)P;
		}
		ll_html_buf_puts(j, "]}");
	}
	ll_html_buf_puts(j, "]}");
out:
	ll_free(tx);
	ll_free(mean);
}

static void place_view3d(doc *d, const ll_traj_set *ts, int number)
{
	if (ts->n_axes < 3 || !doc_find_fig(d, "trajectories"))
		return; /* two axes: the figure's one plane is the whole picture */
	ll_html_buf json;
	ll_html_buf_init(&json);
	view3d_json(d->s, ts, &json, d);
	ll_html_buf *h = doc_html_only(d);
	char cap[512];
	snprintf(cap, sizeof cap,
		 "<b>Figure %d in 3-D.</b> Drag to rotate, scroll to zoom (or focus it and use the "
		 "arrow keys, + and -, 0 to reset); point at a path to name it; the boxes show and hide "
		 "paths. The three axes share one scale here, so lengths compare across axes. Each "
		 "path fades in from its start (dot) to its end (arrowhead).", number);
	if (h && !json.oom)
		ll_html_view3d(h, "view3d-trajectories", "trajectories in 3-D, rotatable", cap, json.s,
			       json.len);
	else if (json.oom)
		doc_fail(d, LL_ENOMEM, "trajectories: 3-D view");
	ll_html_buf_free(&json);
}

/* ---- the section ---------------------------------------------------------- */

static void sec_trajectories_glance(doc *d)
{
	ll_session *s = d->s;
	if (ll_report_has_traj(s)) {
		const ll_traj_set *ts = s->res.traj ? &s->res.traj->ts : NULL;
		doc_putf(d, "- **Trajectories:** %zu paths x %zu points", ts->n_paths, ts->n_points);
		for (int a = 0; a < ts->n_axes && a < 3; a++) {
			doc_put(d, a ? ", " : "; ");
			doc_md_text(d, ts->axis_name[a]);
			doc_putf(d, " %.1f%%", 100 * ts->explained[a]);
		}
		doc_put(d, ".\n");
	}
}

static void sec_trajectories(doc *d)
{
	ll_session *s = d->s;
	if (doc_not_run(d, LL_STEP_TRAJ))
		return;
	const ll_traj_set *ts = s->res.traj ? &s->res.traj->ts : NULL;
	if (!ll_report_has_traj(s)) {
		doc_put(d, "<p class=\"note\">The trajectories have fewer than two axes that carry data; "
			   "there is nothing to draw.</p>\n\n");
		return;
	}
	int tca = !strcmp(ts->source, "tca");
	int bio = s->res.tensor->X.nmodes == 3 && s->res.tensor->modes[0].kind == LL_MODE_UNIT;
	if (tca) {
		doc_put(d, "The paths are read off the TCA model: the three components with the largest "
			   "weights are the axes, and a path's coordinate on a component's axis is the "
			   "weight times its loading in the path mode times the time factor. The percentage "
			   "on each axis is that component's share of the squared weights (CP components "
			   "are not orthogonal, so it is not a variance fraction).");
	} else if (bio) {
		doc_put(d, "The trials of each condition were averaged, giving one population vector (all "
			   "neurons) per time bin and condition. A PCA of these vectors, all conditions "
			   "together, gives one shared basis; each condition is a path through the first "
			   "three principal components over the trial. The percentage on each axis is the "
			   "fraction of the variance it explains.");
	} else {
		const char *path = "path";
		for (int n = 0; n < s->res.tensor->X.nmodes; n++)
			if (s->res.tensor->modes[n].kind == LL_MODE_TRIAL)
				path = s->res.tensor->modes[n].name;
		doc_put(d, "The state of each ");
		doc_md_text(d, path);
		doc_put(d, " at each snapshot is its whole activity at that moment (every other mode "
			   "flattened into one vector). A PCA of all these states together gives one "
			   "shared basis; each ");
		doc_md_text(d, path);
		doc_put(d, " is then a path through the first three principal components. The percentage on "
			   "each axis is the fraction of the variance it explains.");
	}
	doc_putf(d, " Figure %d shows the 3-D paths in the planes of two axes at a time (one static 3-D view "
		    "would hide depth); each axis is scaled to its data, so compare the percentages, not "
		    "the lengths, across axes. Each path starts at the "
		    "circle, fades in from light to full colour, and ends at the triangle, which points along "
		    "the last step.%s\n\n",
		 d->next_number + 1,
		 ts->n_paths > 10 ? " With this many paths the colours repeat (10 colours in turn) and "
				    "the mean of all paths is drawn in black on top; the CSV names every "
				    "path." : "");
	doc_place_fig(d, "trajectories", "trajectories in the planes of the first three axes",
		      "Trajectories projected on the planes of axes 1-2, 1-3 and 2-3 (where the axes carry "
		      "data); circle = start, triangle = end.");
	place_view3d(d, ts, d->next_number);
	doc_tbl_begin(d, tca ? "Axes: component and share of the squared weights"
			     : "Axes: principal component and fraction of variance explained");
	doc_tbl_head(d, tca ? "axis|#share (%)|#cumulative (%)" : "axis|#explained (%)|#cumulative (%)");
	double cum = 0;
	for (int a = 0; a < 3; a++) {
		doc_tr_begin(d, 0);
		doc_td(d, ts->axis_name[a]);
		cum += ts->explained[a];
		doc_td_num(d, 100 * ts->explained[a], "%.2f");
		doc_td_num(d, 100 * cum, "%.2f");
		doc_tr_end(d);
	}
	doc_tbl_end(d);
	if (ts->n_paths <= 12) {
		doc_tbl_begin(d, "Paths");
		doc_tbl_head(d, "path|#points");
		for (size_t p = 0; p < ts->n_paths; p++) {
			doc_tr_begin(d, 0);
			doc_td(d, ts->labels[p]);
			doc_td_size(d, ts->n_points);
			doc_tr_end(d);
		}
		doc_tbl_end(d);
	} else {
		doc_putf(d, "%zu paths of %zu points each.\n\n", ts->n_paths, ts->n_points);
	}
}

static int sec_trajectories_present(const ll_session *s)
{
	return s->state[LL_STEP_TRAJ] != LL_STATE_ABSENT;
}

static const ll_section_fig figs[] = {
	{"trajectories", fig_trajectories, NULL},
};

const ll_section ll_section_trajectories = {
	.id = "trajectories",
	.title = "Trajectories",
	.present = sec_trajectories_present,
	.drawn = ll_report_has_traj,
	LL_SECTION_FIGS(figs),
	.glance = sec_trajectories_glance,
	.write = sec_trajectories,
};
