/* Section "Dynamical similarity": the dsa step's results -- every pair of
 * the session's systems compared by their dynamics (DSA) beside their
 * geometry, and whether the groups (architectures or learning rates)
 * differ more in one than in the other; and its figures
 *
 *   dsa_matrices  the DSA (angular), geometry and eigenvalue W2^2
 *                 matrices side by side, systems ordered by group, white
 *                 lines between groups
 *   dsa_mds       the systems by MDS of DSA and of geometry, side by
 *                 side, coloured by group
 *   dsa_eigen     each group's DMD eigenvalues in the complex plane with
 *                 the unit circle, one panel per group (at most
 *                 EIG_PANELS), every system of the group overlaid
 *
 * Nothing is computed here but summaries of the step's matrices.  In the
 * report when the session has a dsa step. */
#include "ll_doc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/steps/step_dsa.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define EIG_PANELS 4

static const struct ll_res_dsa *dsa_of(const ll_session *s)
{
	const struct ll_res_dsa *r = s->state[LL_STEP_DSA] == LL_STATE_DONE ? s->res.dsa : NULL;
	return r && r->n >= 2 && r->dsa ? r : NULL;
}

static int has_dsa(const ll_session *s)
{
	return dsa_of(s) != NULL;
}

static int has_mds(const ll_session *s)
{
	const struct ll_res_dsa *r = dsa_of(s);
	return r && r->mds_dsa.coords;
}

/* The systems ordered by group (stable within a group). */
static void system_order(const struct ll_res_dsa *r, size_t *order)
{
	size_t k = 0;
	for (size_t g = 0; g < r->ngroups; g++)
		for (size_t i = 0; i < r->n; i++)
			if (r->group[i] == g)
				order[k++] = i;
}

/* Mean of M over pairs within one group (same = 1) or across groups
 * (same = 0), finite entries only; NaN if none. */
static double pair_mean(const struct ll_res_dsa *r, const double *M, int same)
{
	double sum = 0;
	size_t n = 0;
	for (size_t a = 0; a < r->n; a++)
		for (size_t b = a + 1; b < r->n; b++)
			if ((r->group[a] == r->group[b]) == same && isfinite(M[a * r->n + b])) {
				sum += M[a * r->n + b];
				n++;
			}
	return n ? sum / (double)n : NAN;
}

static const char *source_text(const struct ll_res_dsa *r)
{
	return r->source == LL_DSA_SRC_RNN ? "recurrent networks on their probe set"
					   : "MLPs' digit means over the training snapshots";
}

static const char *group_word(const struct ll_res_dsa *r)
{
	return r->source == LL_DSA_SRC_RNN ? "architecture" : "learning rate";
}

/* ---- figure: the matrices ----------------------------------------------------- */

static int fig_matrices(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	const struct ll_res_dsa *r = dsa_of(s);
	if (!r)
		return ll_err_set(err, LL_EINVAL, "figure dsa_matrices: the session has no DSA results");
	size_t n = r->n;
	if ((rc = ll_report_fig_start(f, "dsa_matrices", 40 + 390 * 3, 400, 1, 3, err)) != LL_OK)
		return rc;
	size_t *order = ll_malloc_array(n, sizeof *order);
	double *z = ll_malloc_array(n * n, sizeof *z), *pos = ll_malloc_array(n, sizeof *pos);
	const char **labels = ll_malloc_array(n, sizeof *labels);
	if (!order || !z || !pos || !labels) {
		rc = ll_err_oom(err);
		goto out;
	}
	system_order(r, order);
	for (size_t k = 0; k < n; k++) {
		labels[k] = r->name[order[k]];
		pos[k] = (double)k;
	}
	snprintf(f->fig.title, sizeof f->fig.title, "%zu systems by dynamics and by geometry, ordered by %s", n,
		 r->has_recording ? "group" : group_word(r));
	const double *mats[3] = {r->dsa, r->geometry, r->wass};
	char names[3][64];
	snprintf(names[0], sizeof names[0], "DSA (angular, rad)");
	snprintf(names[1], sizeof names[1], "geometry (%s)", ll_metric_name(r->geometry_metric));
	snprintf(names[2], sizeof names[2], "eigenvalue W2^2");
	static const char *const keys[3] = {"dsa", "geometry", "wasserstein"};
	ll_html_buf_puts(&f->csv, "matrix,system,name,group");
	for (size_t k = 0; k < n; k++)
		ll_html_buf_printf(&f->csv, ",system_%zu", order[k]);
	ll_html_buf_putn(&f->csv, "\n", 1);
	for (int m = 0; m < 3 && rc == LL_OK; m++) {
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, m);
		double lo = INFINITY, hi = -INFINITY;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				double v = z[i * n + j] = mats[m][order[i] * n + order[j]];
				if (i != j && isfinite(v)) {
					lo = v < lo ? v : lo;
					hi = v > hi ? v : hi;
				}
			}
		/* the colours span the pairs; the zero diagonal takes the end colour */
		ll_plot_heat_style hs = {.values = n <= 10, .decimals = 2, .label = keys[m]};
		if (lo <= hi) {
			hs.fixed = 1;
			hs.lo = lo;
			hs.hi = hi > lo ? hi : lo + (lo == 0 ? 0.5 : fabs(lo) * 0.05);
		}
		snprintf(ax->title, sizeof ax->title, "%s", names[m]);
		ll_report_set_text(ax->x.label, "%s", "system");
		ll_report_set_text(ax->y.label, "%s", "system");
		ax->legend = LL_PLOT_LEGEND_OFF;
		if ((rc = ll_plot_heatmap(ax, z, n, n, &hs, err)) != LL_OK ||
		    (rc = ll_plot_axis_ticks(&ax->x, pos, labels, n, err)) != LL_OK ||
		    (rc = ll_plot_axis_ticks(&ax->y, pos, labels, n, err)) != LL_OK)
			break;
		for (size_t k = 1; k < n && rc == LL_OK; k++)
			if (r->group[order[k]] != r->group[order[k - 1]] &&
			    (rc = ll_plot_hline(ax, (double)k - 0.5, &(ll_plot_style){.color = LL_PLOT_WHITE, .width = 2},
						err)) == LL_OK)
				rc = ll_plot_vline(ax, (double)k - 0.5, &(ll_plot_style){.color = LL_PLOT_WHITE, .width = 2},
						   err);
		for (size_t i = 0; i < n && rc == LL_OK; i++) {
			ll_html_buf_printf(&f->csv, "%s,%zu,", keys[m], order[i]);
			ll_report_csv_str(&f->csv, r->name[order[i]]);
			ll_report_csv_sep(&f->csv);
			ll_report_csv_str(&f->csv, r->group_name[r->group[order[i]]]);
			for (size_t j = 0; j < n; j++)
				ll_report_csv_sep_finite(&f->csv, z[i * n + j]);
			ll_report_csv_end(f);
		}
	}
out:
	ll_free(order);
	ll_free(z);
	ll_free(pos);
	ll_free(labels);
	return ll_report_fig_finish(f, rc, err);
}

/* ---- figure: the MDS maps ----------------------------------------------------- */

static int fig_mds(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	if (!has_mds(s))
		return ll_err_set(err, LL_EINVAL, "figure dsa_mds: the session has no MDS maps (fewer than 3 systems)");
	const struct ll_res_dsa *r = dsa_of(s);
	size_t n = r->n;
	int two = r->mds_geometry.coords != NULL;
	if ((rc = ll_report_fig_start(f, "dsa_mds", two ? 1000 : 560, 480, 1, two ? 2 : 1, err)) != LL_OK)
		return rc;
	ll_report_group *gr = ll_calloc_array(r->ngroups ? r->ngroups : 1, sizeof *gr);
	if (!gr)
		return ll_report_fig_finish(f, ll_err_oom(err), err);
	for (size_t g = 0; g < r->ngroups; g++) {
		gr[g].id = g;
		snprintf(gr[g].name, sizeof gr[g].name, "%s", r->group_name[g]);
		gr[g].color = ll_report_label_color(g);
	}
	snprintf(f->fig.title, sizeof f->fig.title, "%zu systems by MDS: dynamics (DSA)%s", n,
		 two ? " and geometry" : "");
	const ll_mds_result *md[2] = {&r->mds_dsa, &r->mds_geometry};
	double sep[2] = {r->sep_dsa, r->sep_geometry};
	for (int m = 0; m < 1 + two && rc == LL_OK; m++) {
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, m);
		char sp[32], st[32];
		doc_fmt_num(sp, sizeof sp, sep[m], "%.2f");
		doc_fmt_num(st, sizeof st, md[m]->stress, "%.3f");
		snprintf(ax->title, sizeof ax->title, "%s%s: separation %s, stress %s", m ? "geometry, " : "DSA",
			 m ? ll_metric_name(r->geometry_metric) : "", isfinite(sep[m]) ? sp : "n/a",
			 isfinite(md[m]->stress) ? st : "n/a");
		rc = ll_report_mds_map(ax, md[m], n, r->group, gr, r->ngroups, err);
	}
	ll_free(gr);
	ll_html_buf_puts(&f->csv, "system,name,group,dsa_1,dsa_2,geometry_1,geometry_2\n");
	for (size_t i = 0; i < n; i++) {
		ll_html_buf_printf(&f->csv, "%zu,", i);
		ll_report_csv_str(&f->csv, r->name[i]);
		ll_report_csv_sep(&f->csv);
		ll_report_csv_str(&f->csv, r->group_name[r->group[i]]);
		for (int m = 0; m < 2; m++) {
			size_t k = md[m]->k;
			int has = md[m]->coords != NULL;
			ll_report_csv_sep_finite(&f->csv, has ? md[m]->coords[i * k] : NAN);
			ll_report_csv_sep_finite(&f->csv, has && k >= 2 ? md[m]->coords[i * k + 1] : has ? 0 : NAN);
		}
		ll_report_csv_end(f);
	}
	return ll_report_fig_finish(f, rc, err);
}

/* ---- figure: the eigenvalues -------------------------------------------------- */

static int fig_eigen(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	enum { CIRCLE = 181 };
	int rc;

	ll_report_fig_init(f);
	const struct ll_res_dsa *r = dsa_of(s);
	if (!r)
		return ll_err_set(err, LL_EINVAL, "figure dsa_eigen: the session has no DSA results");
	size_t np = r->ngroups < EIG_PANELS ? r->ngroups : EIG_PANELS, most = 0;
	for (size_t i = 0; i < r->n; i++)
		most += r->dmd[i].rank;
	if ((rc = ll_report_fig_start(f, "dsa_eigen", 60 + 380 * (int)np, 440, 1, (int)np, err)) != LL_OK)
		return rc;
	double cx[CIRCLE], cy[CIRCLE];
	double *ex = ll_malloc_array(most ? most : 1, sizeof *ex), *ey = ll_malloc_array(most ? most : 1, sizeof *ey);
	if (!ex || !ey) {
		rc = ll_err_oom(err);
		goto out;
	}
	for (int k = 0; k < CIRCLE; k++) {
		double t = 2 * M_PI * (double)k / (CIRCLE - 1);
		cx[k] = cos(t);
		cy[k] = sin(t);
	}
	snprintf(f->fig.title, sizeof f->fig.title, "DMD eigenvalues at rank %zu by %s, unit circle in grey%s",
		 r->rank, r->has_recording ? "group" : group_word(r),
		 r->ngroups > EIG_PANELS ? " (first groups only)" : "");
	for (size_t g = 0; g < np && rc == LL_OK; g++) {
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, (int)g);
		size_t c = 0, sys = 0;
		for (size_t i = 0; i < r->n; i++)
			if (r->group[i] == g) {
				sys++;
				for (size_t e = 0; e < r->dmd[i].rank; e++) {
					ex[c] = r->dmd[i].eig[2 * e];
					ey[c++] = r->dmd[i].eig[2 * e + 1];
				}
			}
		snprintf(ax->title, sizeof ax->title, "%s: %zu system%s", r->group_name[g], sys, sys == 1 ? "" : "s");
		ll_report_set_text(ax->x.label, "%s", "real part");
		ll_report_set_text(ax->y.label, "%s", "imaginary part");
		ax->equal = 1;
		ax->grid = 1;
		ax->legend = LL_PLOT_LEGEND_OFF;
		if ((rc = ll_plot_line(ax, cx, cy, CIRCLE, &(ll_plot_style){.color = LL_PLOT_GREY, .width = 1}, err)) ==
			    LL_OK &&
		    c)
			rc = ll_plot_scatter(ax, ex, ey, c, NULL,
					     &(ll_plot_style){.color = LL_RGBA_SET_ALPHA(ll_report_label_color(g), 0xA0),
							      .marker_size = 6},
					     err);
	}
	ll_html_buf_puts(&f->csv, "system,name,group,index,re,im,modulus\n");
	for (size_t i = 0; i < r->n; i++)
		for (size_t e = 0; e < r->dmd[i].rank; e++) {
			const double *ev = r->dmd[i].eig + 2 * e;
			ll_html_buf_printf(&f->csv, "%zu,", i);
			ll_report_csv_str(&f->csv, r->name[i]);
			ll_report_csv_sep(&f->csv);
			ll_report_csv_str(&f->csv, r->group_name[r->group[i]]);
			ll_html_buf_printf(&f->csv, ",%zu", e);
			ll_report_csv_sep_finite(&f->csv, ev[0]);
			ll_report_csv_sep_finite(&f->csv, ev[1]);
			ll_report_csv_sep_finite(&f->csv, hypot(ev[0], ev[1]));
			ll_report_csv_end(f);
		}
out:
	ll_free(ex);
	ll_free(ey);
	return ll_report_fig_finish(f, rc, err);
}

/* ---- text ------------------------------------------------------------------------- */

static void sec_dsa_glance(doc *d)
{
	const struct ll_res_dsa *r = dsa_of(d->s);
	if (!r)
		return;
	char a[32], b[32];
	doc_fmt_num(a, sizeof a, r->sep_dsa, "%.2f");
	doc_fmt_num(b, sizeof b, r->sep_geometry, "%.2f");
	doc_putf(d, "- **Dynamical similarity:** %zu systems (%s) at DMD rank %zu with %zu delays", r->n, source_text(r),
		 r->rank, r->dmd_opts.delays);
	if (isfinite(r->sep_dsa) && isfinite(r->sep_geometry))
		doc_putf(d, "; groups separate %sx by DSA, %sx by geometry (%s)", a, b,
			 ll_metric_name(r->geometry_metric));
	doc_put(d, ".\n");
}

/* The answer: which measure separates the groups more. */
static void separation_part(doc *d, const struct ll_res_dsa *r)
{
	const double *M[2] = {r->dsa, r->geometry};
	const char *nm[2] = {"DSA", "geometry"};
	doc_tbl_begin(d, "Mean distance within and between groups; separation = between / within");
	doc_tbl_head(d, "measure|within a group|between groups|separation");
	for (int m = 0; m < 2; m++) {
		doc_tr_begin(d, 0);
		if (m)
			doc_putf(d, "<td>geometry (%s)</td>", ll_metric_name(r->geometry_metric));
		else
			doc_td(d, nm[m]);
		doc_td_num(d, pair_mean(r, M[m], 1), "%.4f");
		doc_td_num(d, pair_mean(r, M[m], 0), "%.4f");
		doc_td_num(d, m ? r->sep_geometry : r->sep_dsa, "%.2f");
		doc_tr_end(d);
	}
	doc_tbl_end(d);
	if (!isfinite(r->sep_dsa) || !isfinite(r->sep_geometry)) {
		doc_put(d, "With one group, or only single systems per group, there is no separation to compare.\n\n");
		return;
	}
	double q = r->sep_dsa / r->sep_geometry;
	doc_putf(d, "**Measured answer:** the %ss separate %.2fx by their dynamics (DSA) and %.2fx by their "
		    "geometry (%s): %s. A ratio near 1 says the measure does not tell the groups apart.\n\n",
		 group_word(r), r->sep_dsa, r->sep_geometry, ll_metric_name(r->geometry_metric),
		 q > 1.1	? "the dynamics tell the groups apart more than the geometry does"
		 : q < 1 / 1.1 ? (r->source == LL_DSA_SRC_RNN
					  ? "the geometry tells the groups apart more than the dynamics do, as the DSA "
					    "paper found for flip-flop networks of different architectures"
					  : "the geometry tells the groups apart more than the dynamics do")
			       : "the two measures separate them about equally");
}

static void recording_part(doc *d, const struct ll_res_dsa *r)
{
	size_t x = r->n - 1;
	doc_put(d, "### The recorded population\n\n");
	doc_putf(d, "`");
	doc_md_text(d, r->recording);
	doc_putf(d, "` (%zu trials x %zu time points x %zu neurons) entered as one more system. Its distance to "
		    "each group, mean over the group's systems:\n\n",
		 r->trials[x], r->T[x], r->units[x]);
	doc_tbl_begin(d, NULL);
	doc_tbl_head(d, "group|systems|DSA to the recording|geometry to the recording");
	for (size_t g = 0; g < r->ngroups; g++) {
		if (g == r->group[x])
			continue;
		double sd = 0, sg = 0;
		size_t c = 0, cg = 0;
		for (size_t i = 0; i < x; i++)
			if (r->group[i] == g) {
				sd += r->dsa[i * r->n + x];
				c++;
				if (isfinite(r->geometry[i * r->n + x])) {
					sg += r->geometry[i * r->n + x];
					cg++;
				}
			}
		doc_tr_begin(d, 0);
		doc_td(d, r->group_name[g]);
		doc_td_size(d, c);
		doc_td_num(d, c ? sd / (double)c : NAN, "%.4f");
		doc_td_num(d, cg ? sg / (double)cg : NAN, "%.4f");
		doc_tr_end(d);
	}
	doc_tbl_end(d);
	if (!isfinite(r->geometry[x]))
		doc_put(d, "Its trials x time points differ from the models' conditions, so geometry (which "
			   "needs the same conditions on both sides) cannot compare it; DSA, which compares the "
			   "fitted operators, can.\n\n");
}

static void sec_dsa(doc *d)
{
	ll_session *s = d->s;
	if (doc_not_run(d, LL_STEP_DSA))
		return;
	const struct ll_res_dsa *r = dsa_of(s);
	if (!r) {
		doc_put(d, "<p class=\"note\">The dsa step stored no results to draw.</p>\n\n");
		return;
	}
	doc_putf(d, "Do these systems compute the same way? Geometry measures compare the states a system "
		    "visits; Dynamical Similarity Analysis (Ostrow et al. 2023) compares how the states move. "
		    "Each system, here %zu %s%s, is delay-embedded (%zu delays, %zu step%s apart), a linear "
		    "operator A is fitted to the embedding's top %zu principal components by DMD (ridge %g), "
		    "and two systems are compared by min over orthogonal C of the angle between A_x and "
		    "C A_y C^T (radians, 0 = the same dynamics up to a change of basis; %zu starts on each "
		    "component of O(n), at most %zu steps each). The eigenvalue Wasserstein distance (W2^2 "
		    "between the two sets of DMD eigenvalues) is a fast companion that ignores the "
		    "eigenvectors. Beside them, the geometry of the same states: %s, the %s. "
		    "The whole comparison took %.1f s.\n\n",
		 r->models, source_text(r), r->has_recording ? " and a recorded population" : "",
		 r->dmd_opts.delays, r->dmd_opts.delay_interval, r->dmd_opts.delay_interval == 1 ? "" : "s", r->rank,
		 r->dmd_opts.lambda, r->opts.restarts, r->opts.max_iters, ll_metric_name(r->geometry_metric),
		 ll_metric_describe(r->geometry_metric), r->seconds);
	doc_putf(d, "Figure %d shows the three matrices side by side, systems ordered by group.\n\n",
		 d->next_number + 1);
	doc_place_fig(d, "dsa_matrices", "DSA, geometry and eigenvalue-Wasserstein matrices",
		      "Every pair of systems: DSA angular distance (left), geometry (middle), eigenvalue W2^2 "
		      "(right); viridis, dark = alike; white lines between groups; grey cells could not be "
		      "compared.");
	separation_part(d, r);
	if (r->mds_dsa.coords) {
		doc_putf(d, "Figure %d draws the systems as points whose distances match their DSA (left) and "
			    "geometry (right) distances as well as two dimensions allow, coloured by group; "
			    "the stress (Kruskal stress-1) says how much each map distorts.\n\n",
			 d->next_number + 1);
		doc_place_fig(d, "dsa_mds", "MDS maps by DSA and by geometry",
			      "The systems by MDS of DSA (left) and geometry (right) distances. Colour: group.");
	}
	doc_putf(d, "Figure %d shows the fitted operators' eigenvalues: inside the unit circle a mode "
		    "decays, on it a mode persists (an attractor's slow directions or an oscillation), and "
		    "the angle is its frequency in radians per step.\n\n",
		 d->next_number + 1);
	doc_place_fig(d, "dsa_eigen", "DMD eigenvalues in the complex plane",
		      "DMD eigenvalues of every system, one panel per group, with the unit circle.");
	if (r->has_recording)
		recording_part(d, r);
}

static int sec_dsa_present(const ll_session *s)
{
	return s->state[LL_STEP_DSA] != LL_STATE_ABSENT;
}

static const ll_section_fig figs[] = {
	{"dsa_matrices", fig_matrices, NULL},
	{"dsa_mds", fig_mds, has_mds},
	{"dsa_eigen", fig_eigen, NULL},
};

const ll_section ll_section_dsa = {
	.id = "dsa",
	.title = "Dynamical similarity",
	.present = sec_dsa_present,
	.drawn = has_dsa,
	LL_SECTION_FIGS(figs),
	.glance = sec_dsa_glance,
	.write = sec_dsa,
};
