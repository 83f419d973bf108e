/* Section "Dynamics": the recurrent networks the rnn step trained and what
 * the dynamics step found in them -- fixed points, their stability, and
 * whether the architectures differ more in the geometry of their states or
 * in the topology of their fixed points; and its figures
 *
 *   dynamics_training  the training loss of every network on a log scale,
 *                      thin lines coloured by architecture, each
 *                      architecture's geometric mean in bold
 *   dynamics_states    one network per architecture (the first that
 *                      learned): its probe trajectories on the top three
 *                      principal components of its states, PC2 and PC3
 *                      against PC1, with its fixed points overlaid, a
 *                      marker per stability class
 *   dynamics_eigen     the eigenvalues of those networks' fixed points in
 *                      the complex plane with the unit circle, coloured by
 *                      stability class
 *   dynamics_mds       the networks by MDS of their geometry and topology
 *                      distances, side by side, coloured by architecture
 *
 * The section needs the rnn step; the training and state figures are
 * drawn from it alone, the others only with the dynamics step's results
 * (each figure says what it needs beyond the section: ll_section_fig's
 * drawn), so a session without [dynamics], a population without fixed
 * points or with fewer than three networks (no MDS map) draws what it has
 * and says what it lacks.
 *
 * The one computation beyond summaries: the principal components of the
 * shown network's probe states (ll_pca), a choice of view the dynamics
 * step does not store; it is deterministic, so the report stays a pure
 * function of the session.
 *
 * In the report when the session has an rnn or a dynamics step. */
#include "ll_doc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pca/ll_pca.h"
#include "pipeline/steps/step_dynamics.h"
#include "pipeline/steps/step_rnn.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define CELL_ONE_(id, name) +1
enum { NCELLS = 0 LL_RNN_CELLS(CELL_ONE_) };
#undef CELL_ONE_

/* probes drawn in the state figure, and fitted by its PCA */
#define DRAW_PROBES 12
#define PCA_PROBES 64
/* networks named in the prose when they did not learn */
#define NAME_FAILED 10

/* ---- what the section reads ------------------------------------------------ */

static const struct ll_res_rnn *rnn_of(const ll_session *s)
{
	return s->state[LL_STEP_RNN] == LL_STATE_DONE ? s->res.rnn : NULL;
}

/* The rnn step's results hold what the training and state figures draw. */
static int has_rnn(const ll_session *s)
{
	const struct ll_res_rnn *r = rnn_of(s);
	if (!r || r->nets < 1 || !r->net || !r->train || !r->state || !r->state_off || r->probe.B < 1 ||
	    r->probe.T < 1)
		return 0;
	for (size_t i = 0; i < r->nets; i++)
		if ((unsigned)r->net[i].cfg.cell >= NCELLS || r->net[i].S < 1 ||
		    (r->train[i].npoints && (!r->train[i].curve_step || !r->train[i].curve_loss)))
			return 0;
	return 1;
}

/* The dynamics step's results, when they belong to the rnn step's networks. */
static const struct ll_res_dynamics *dyn_of(const ll_session *s)
{
	const struct ll_res_dynamics *r =
		s->state[LL_STEP_DYNAMICS] == LL_STATE_DONE && has_rnn(s) ? s->res.dynamics : NULL;
	const struct ll_res_rnn *rn = rnn_of(s);
	if (!r || r->nets != rn->nets || !r->fp || !r->counts || !r->geometry || !r->topology)
		return NULL;
	for (size_t i = 0; i < r->nets; i++) {
		const ll_fp_result *f = &r->fp[i];
		if (rn->net[i].S > r->maxS || (f->n && (f->dim != rn->net[i].S || !f->points || !f->kind ||
							 !f->n_unstable || !f->eig)))
			return NULL;
	}
	if (r->nlevels && (!r->level || !r->omega_task || !r->omega_fp))
		return NULL;
	return r;
}

static int has_mds(const ll_session *s)
{
	const struct ll_res_dynamics *r = dyn_of(s);
	return r && r->mds_geometry.coords && r->mds_topology.coords && r->mds_geometry.n == r->nets &&
	       r->mds_topology.n == r->nets && r->mds_geometry.k >= 1 && r->mds_topology.k >= 1;
}

/* Every state of network i on the probes is finite (PCA needs it). */
static int states_finite(const struct ll_res_rnn *r, size_t i)
{
	size_t n = r->probe.B * r->probe.T * r->net[i].S;
	const float *st = r->state + r->state_off[i];
	for (size_t k = 0; k < n; k++)
		if (!isfinite(st[k]))
			return 0;
	return 1;
}

/* The architectures, in the order the networks first show them. */
typedef struct arch {
	ll_rnn_cell cell;
	size_t n, learned;
	size_t shown; /* the network drawn for it: the first that learned (with
		       * finite states), else the first with finite states;
		       * SIZE_MAX: none */
} arch;

static size_t archs_of(const struct ll_res_rnn *r, arch *a)
{
	size_t na = 0;
	for (size_t i = 0; i < r->nets; i++) {
		size_t k = 0;
		while (k < na && a[k].cell != r->net[i].cfg.cell)
			k++;
		if (k == na)
			a[na++] = (arch){r->net[i].cfg.cell, 0, 0, SIZE_MAX};
		a[k].n++;
		a[k].learned += r->train[i].score.learned != 0;
	}
	for (size_t k = 0; k < na; k++) {
		size_t first = SIZE_MAX;
		for (size_t i = 0; i < r->nets && a[k].shown == SIZE_MAX; i++) {
			if (r->net[i].cfg.cell != a[k].cell || !states_finite(r, i))
				continue;
			if (first == SIZE_MAX)
				first = i;
			if (r->train[i].score.learned)
				a[k].shown = i;
		}
		if (a[k].shown == SIZE_MAX)
			a[k].shown = first;
	}
	return na;
}

static uint32_t cell_color(ll_rnn_cell c)
{
	return ll_report_label_color((size_t)c);
}

/* Stability classes as the figures draw them: a marker and a colour each,
 * none of them an architecture's colour. */
enum { ST_STABLE, ST_SADDLE, ST_REPELLER, ST_SLOW, NST };
static const struct {
	const char *name;
	uint32_t color;
	int marker;
	double size;
} st_look[NST] = {
	{"stable", LL_RGB(0x00, 0x00, 0x00), LL_PLOT_MARKER_CIRCLE, 9},
	{"saddle", LL_RGB(0xE6, 0x9F, 0x00), LL_PLOT_MARKER_TRIANGLE, 10},
	{"repeller", LL_RGB(0xCC, 0x79, 0xA7), LL_PLOT_MARKER_SQUARE, 9},
	{"slow point", LL_RGB(0x99, 0x99, 0x99), LL_PLOT_MARKER_DIAMOND, 7},
};

static int point_class(const ll_fp_result *f, size_t p)
{
	if (f->kind[p] == LL_FP_SLOW)
		return ST_SLOW;
	switch (ll_fp_classify(f->n_unstable[p], f->dim)) {
	case LL_FP_STABLE: return ST_STABLE;
	case LL_FP_SADDLE: return ST_SADDLE;
	default: return ST_REPELLER;
	}
}

/* ---- figure: training ------------------------------------------------------ */

/* Ticks on a log10 axis spanning [lo, hi] (log10 units), labelled in the
 * axis's own units: the decades, and 2 and 5 times them when the range is
 * under two decades; under two such ticks, 1-2-5 steps of the values. */
static int log_ticks(ll_plot_axis *a, double lo, double hi, ll_err *err)
{
	double pos[LL_PLOT_MAX_TICKS], step;
	char names[LL_PLOT_MAX_TICKS][LL_PLOT_TICK_TEXT];
	const char *labels[LL_PLOT_MAX_TICKS];
	size_t n = 0;
	int fine = hi - lo < 2;
	for (double e = floor(lo); e <= ceil(hi) && n < LL_PLOT_MAX_TICKS; e += 1) {
		static const double mult[3] = {1, 2, 5};
		for (int m = 0; m < (fine ? 3 : 1) && n < LL_PLOT_MAX_TICKS; m++) {
			double v = e + log10(mult[m]);
			if (v < lo - 1e-9 || v > hi + 1e-9)
				continue;
			snprintf(names[n], sizeof names[n], "%g", mult[m] * pow(10, e));
			pos[n++] = v;
		}
	}
	if (n < 2) {
		/* a narrow range, nearly linear: 1-2-5 steps of the values */
		double v[LL_PLOT_MAX_TICKS];
		int nv = ll_plot_ticks(pow(10, lo), pow(10, hi), 5, v, LL_PLOT_MAX_TICKS, &step);
		n = 0;
		for (int k = 0; k < nv; k++)
			if (v[k] > 0) {
				ll_plot_format(v[k], step, names[n], sizeof names[n]);
				pos[n++] = log10(v[k]);
			}
	}
	for (size_t k = 0; k < n; k++)
		labels[k] = names[k];
	return n >= 2 ? ll_plot_axis_ticks(a, pos, labels, n, err) : LL_OK;
}

static int fig_training(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	if (!has_rnn(s))
		return ll_err_set(err, LL_EINVAL, "figure dynamics_training: the session has no trained networks");
	const struct ll_res_rnn *r = rnn_of(s);
	arch a[NCELLS];
	size_t na = archs_of(r, a), P = 0;
	for (size_t i = 0; i < r->nets; i++)
		P = r->train[i].npoints > P ? r->train[i].npoints : P;
	if ((rc = ll_report_fig_start(f, "dynamics_training", 760, 440, 1, 1, err)) != LL_OK)
		return rc;
	double *x = ll_malloc_array(P ? P : 1, sizeof *x), *y = ll_malloc_array(P ? P : 1, sizeof *y);
	double *mx = ll_malloc_array(na * (P ? P : 1), sizeof *mx), *my = ll_malloc_array(na * (P ? P : 1), sizeof *my);
	if (!x || !y || !mx || !my) {
		rc = ll_err_oom(err);
		goto out;
	}
	snprintf(f->fig.title, sizeof f->fig.title, "Training loss of %zu network%s on %s", r->nets,
		 r->nets == 1 ? "" : "s", ll_task_name(r->task.kind));
	ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, 0);
	ll_report_set_text(ax->x.label, "%s", "training step");
	ll_report_set_text(ax->y.label, "%s", "loss (log scale)");
	ax->grid = 1;
	ax->legend = LL_PLOT_LEGEND_NE;
	double lo = INFINITY, hi = -INFINITY;
	/* thin lines, one per network */
	for (size_t i = 0; i < r->nets && rc == LL_OK; i++) {
		const ll_rnn_train_result *t = &r->train[i];
		for (size_t k = 0; k < t->npoints; k++) {
			x[k] = (double)t->curve_step[k];
			y[k] = t->curve_loss[k] > 0 ? log10(t->curve_loss[k]) : NAN;
			if (isfinite(y[k]))
				lo = fmin(lo, y[k]), hi = fmax(hi, y[k]);
		}
		uint32_t c = cell_color(r->net[i].cfg.cell);
		rc = ll_plot_line(ax, x, y, t->npoints, &(ll_plot_style){.color = LL_RGBA_SET_ALPHA(c, 0x70), .width = 1},
				  err);
	}
	/* the geometric mean of each architecture's networks, in bold */
	for (size_t k = 0; k < na && rc == LL_OK; k++) {
		double *ax_ = mx + k * P, *ay = my + k * P;
		for (size_t j = 0; j < P; j++) {
			double sum = 0;
			size_t n = 0;
			ax_[j] = NAN;
			for (size_t i = 0; i < r->nets; i++) {
				const ll_rnn_train_result *t = &r->train[i];
				if (r->net[i].cfg.cell != a[k].cell || j >= t->npoints)
					continue;
				ax_[j] = (double)t->curve_step[j];
				if (t->curve_loss[j] > 0 && isfinite(t->curve_loss[j]))
					sum += log10(t->curve_loss[j]), n++;
			}
			ay[j] = n ? sum / (double)n : NAN;
		}
		char lab[48];
		snprintf(lab, sizeof lab, "%s (%zu)", ll_rnn_cell_name(a[k].cell), a[k].n);
		rc = ll_plot_line(ax, ax_, ay, P, &(ll_plot_style){.color = cell_color(a[k].cell), .width = 2.5,
								  .label = lab}, err);
	}
	if (rc == LL_OK && lo < hi) {
		ax->y.fixed = 1;
		ax->y.lo = hi - lo >= 1 ? floor(lo) : lo - 0.05 * (hi - lo);
		ax->y.hi = hi - lo >= 1 ? ceil(hi) : hi + 0.05 * (hi - lo);
		rc = log_ticks(&ax->y, ax->y.lo, ax->y.hi, err);
	}

	ll_html_buf_puts(&f->csv, "network,cell,step,loss\n");
	for (size_t i = 0; i < r->nets; i++)
		for (size_t k = 0; k < r->train[i].npoints; k++) {
			ll_html_buf_printf(&f->csv, "%zu,%s,%zu,", i, ll_rnn_cell_name(r->net[i].cfg.cell),
					   r->train[i].curve_step[k]);
			ll_report_csv_finite(&f->csv, r->train[i].curve_loss[k]);
			ll_report_csv_end(f);
		}
	for (size_t k = 0; k < na && rc == LL_OK; k++)
		for (size_t j = 0; j < P; j++) {
			ll_html_buf_printf(&f->csv, "geometric mean,%s,", ll_rnn_cell_name(a[k].cell));
			ll_report_csv_finite(&f->csv, mx[k * P + j]);
			ll_report_csv_sep_finite(&f->csv, pow(10, my[k * P + j]));
			ll_report_csv_end(f);
		}
out:
	ll_free(x);
	ll_free(y);
	ll_free(mx);
	ll_free(my);
	return ll_report_fig_finish(f, rc, err);
}

/* ---- figure: states and fixed points ------------------------------------------ */

/* The top three principal components of network i's states on the first
 * PCA_PROBES probes (components beyond the states' rank are zero). */
static int states_pca(const struct ll_res_rnn *r, size_t i, ll_pca *p, ll_err *err)
{
	size_t B = r->probe.B < PCA_PROBES ? r->probe.B : PCA_PROBES, T = r->probe.T, S = r->net[i].S;
	double *X = ll_malloc_array(B * T, S * sizeof *X);
	if (!X) {
		memset(p, 0, sizeof *p);
		return ll_err_oom(err);
	}
	for (size_t b = 0; b < B; b++) {
		const float *st = ll_res_rnn_states(r, i, b);
		for (size_t k = 0; k < T * S; k++)
			X[b * T * S + k] = st[k];
	}
	int rc = B * T >= 2 ? ll_pca_fit(p, X, B * T, S, 3, err)
			    : ll_err_set(err, LL_ESHAPE, "one state: no principal components");
	ll_free(X);
	if (rc != LL_OK)
		ll_err_prefix(err, "PCA of network %zu's states", i);
	return rc;
}

/* v (S values; float or double) on the three components into pc */
static void project(const ll_pca *p, const double *v, const float *vf, double *pc)
{
	for (size_t c = 0; c < 3; c++) {
		double sum = 0;
		for (size_t j = 0; j < p->d; j++)
			sum += ((v ? v[j] : (double)vf[j]) - p->mean[j]) * p->comp[c * p->d + j];
		pc[c] = sum;
	}
}

static int fig_states(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	if (!has_rnn(s))
		return ll_err_set(err, LL_EINVAL, "figure dynamics_states: the session has no trained networks");
	const struct ll_res_rnn *r = rnn_of(s);
	const struct ll_res_dynamics *dy = dyn_of(s);
	arch a[NCELLS];
	size_t na = archs_of(r, a), T = r->probe.T;
	size_t nb = r->probe.B < DRAW_PROBES ? r->probe.B : DRAW_PROBES;
	if ((rc = ll_report_fig_start(f, "dynamics_states", 900, 70 + 340 * (int)na, (int)na, 2, err)) != LL_OK)
		return rc;
	ll_pca p = {0};
	double *x = ll_malloc_array(T, sizeof *x), *y = ll_malloc_array(T, sizeof *y);
	double *pc = ll_malloc_array(T * 3, sizeof *pc);
	size_t maxn = 0;
	for (size_t i = 0; dy && i < dy->nets; i++)
		maxn = dy->fp[i].n > maxn ? dy->fp[i].n : maxn;
	double *fx = ll_malloc_array(maxn ? maxn : 1, sizeof *fx), *fy = ll_malloc_array(maxn ? maxn : 1, sizeof *fy);
	double *fpc = ll_malloc_array(3 * (maxn ? maxn : 1), sizeof *fpc);
	if (!x || !y || !pc || !fx || !fy || !fpc) {
		rc = ll_err_oom(err);
		goto out;
	}
	snprintf(f->fig.title, sizeof f->fig.title, "Probe trajectories (%zu of %zu) on the top PCs%s", nb,
		 r->probe.B, dy ? ", fixed points by stability" : "");
	ll_html_buf_puts(&f->csv, "network,cell,what,index,t,class,pc1,pc2,pc3\n");
	for (size_t k = 0; k < na && rc == LL_OK; k++) {
		size_t i = a[k].shown;
		ll_plot_axes *ax[2] = {ll_plot_fig_axes(&f->fig, (int)k, 0), ll_plot_fig_axes(&f->fig, (int)k, 1)};
		const char *cn = ll_rnn_cell_name(a[k].cell);
		if (i == SIZE_MAX) {
			snprintf(ax[0]->title, sizeof ax[0]->title, "%s: no network with finite states", cn);
			ax[1]->hidden = 1;
			continue;
		}
		ll_pca_free(&p);
		if ((rc = states_pca(r, i, &p, err)) != LL_OK)
			break;
		const ll_fp_result *fr = dy ? &dy->fp[i] : NULL;
		for (int q = 0; q < 2; q++) {
			snprintf(ax[q]->title, sizeof ax[q]->title, "%s, network %zu%s: PC%d vs PC1", cn, i,
				 r->train[i].score.learned ? "" : " (did not learn)", q + 2);
			snprintf(ax[q]->x.label, sizeof ax[q]->x.label, "PC1 (%.1f%%)", 100 * p.explained[0]);
			snprintf(ax[q]->y.label, sizeof ax[q]->y.label, "PC%d (%.1f%%)", q + 2, 100 * p.explained[q + 1]);
			ax[q]->grid = 1;
			ax[q]->legend = q == 0 ? LL_PLOT_LEGEND_BEST : LL_PLOT_LEGEND_OFF;
		}
		/* the trajectories, light, so the points read on top */
		for (size_t b = 0; b < nb && rc == LL_OK; b++) {
			const float *st = ll_res_rnn_states(r, i, b);
			for (size_t t = 0; t < T; t++) {
				project(&p, NULL, st + t * r->net[i].S, pc + t * 3);
				ll_html_buf_printf(&f->csv, "%zu,%s,trajectory,%zu,%zu,", i, cn, b, t);
				for (int c = 0; c < 3; c++)
					ll_report_csv_sep_finite(&f->csv, pc[t * 3 + (size_t)c]);
				ll_report_csv_end(f);
			}
			for (int q = 0; q < 2 && rc == LL_OK; q++) {
				for (size_t t = 0; t < T; t++) {
					x[t] = pc[t * 3];
					y[t] = pc[t * 3 + 1 + (size_t)q];
				}
				rc = ll_plot_line(ax[q], x, y, T,
						  &(ll_plot_style){.color = LL_RGBA_SET_ALPHA(LL_RGB(0x80, 0x80, 0x80), 0x90),
								   .width = 1,
								   .label = b == 0 && q == 0 ? "probe trajectory" : NULL},
						  err);
			}
		}
		if (!fr || rc != LL_OK)
			continue;
		if (!fr->n)
			snprintf(ax[0]->title, sizeof ax[0]->title, "%s, network %zu: no fixed points found", cn, i);
		for (size_t q = 0; q < fr->n; q++) {
			project(&p, fr->points + q * fr->dim, NULL, fpc + q * 3);
			ll_html_buf_printf(&f->csv, "%zu,%s,%s,%zu,,%s", i, cn, fr->kind[q] == LL_FP_SLOW ? "slow point" : "fixed point",
					   q, st_look[point_class(fr, q)].name);
			for (int c = 0; c < 3; c++)
				ll_report_csv_sep_finite(&f->csv, fpc[q * 3 + (size_t)c]);
			ll_report_csv_end(f);
		}
		/* a series per class, so the legend names the markers */
		for (int c = 0; c < NST && rc == LL_OK; c++) {
			for (int q = 0; q < 2 && rc == LL_OK; q++) {
				size_t n = 0;
				for (size_t pt = 0; pt < fr->n; pt++)
					if (point_class(fr, pt) == c) {
						fx[n] = fpc[pt * 3];
						fy[n++] = fpc[pt * 3 + 1 + (size_t)q];
					}
				if (!n)
					break;
				char lab[48];
				snprintf(lab, sizeof lab, "%s (%zu)", st_look[c].name, n);
				rc = ll_plot_scatter(ax[q], fx, fy, n, NULL,
						     &(ll_plot_style){.color = st_look[c].color, .marker = st_look[c].marker,
								      .marker_size = st_look[c].size, .label = lab},
						     err);
			}
		}
	}
out:
	ll_pca_free(&p);
	ll_free(x);
	ll_free(y);
	ll_free(pc);
	ll_free(fx);
	ll_free(fy);
	ll_free(fpc);
	return ll_report_fig_finish(f, rc, err);
}

/* ---- figure: eigenvalues ----------------------------------------------------- */

/* Some network shown has a fixed or slow point. */
static int has_eigen(const ll_session *s)
{
	const struct ll_res_dynamics *dy = dyn_of(s);
	if (!dy)
		return 0;
	arch a[NCELLS];
	size_t na = archs_of(rnn_of(s), a);
	for (size_t k = 0; k < na; k++)
		if (a[k].shown != SIZE_MAX && dy->fp[a[k].shown].n > 0)
			return 1;
	return 0;
}

static int fig_eigen(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	enum { CIRCLE = 181 };
	int rc;

	ll_report_fig_init(f);
	if (!has_eigen(s))
		return ll_err_set(err, LL_EINVAL, "figure dynamics_eigen: the session has no fixed points to draw");
	const struct ll_res_rnn *r = rnn_of(s);
	const struct ll_res_dynamics *dy = dyn_of(s);
	arch a[NCELLS];
	size_t na = archs_of(r, a), most = 0;
	for (size_t k = 0; k < na; k++)
		if (a[k].shown != SIZE_MAX) {
			const ll_fp_result *fr = &dy->fp[a[k].shown];
			most = fr->n * fr->dim > most ? fr->n * fr->dim : most;
		}
	if ((rc = ll_report_fig_start(f, "dynamics_eigen", 60 + 400 * (int)na, 460, 1, (int)na, err)) != LL_OK)
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
	ll_report_set_text(f->fig.title, "%s", "Eigenvalues of the Jacobian at each fixed point, unit circle in grey");
	ll_html_buf_puts(&f->csv, "network,cell,point,class,eigenvalue,re,im,modulus\n");
	for (size_t k = 0; k < na && rc == LL_OK; k++) {
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, (int)k);
		size_t i = a[k].shown;
		const char *cn = ll_rnn_cell_name(a[k].cell);
		ll_report_set_text(ax->x.label, "%s", "real part");
		ll_report_set_text(ax->y.label, "%s", "imaginary part");
		ax->equal = 1;
		ax->grid = 1;
		ax->legend = LL_PLOT_LEGEND_BEST;
		if ((rc = ll_plot_line(ax, cx, cy, CIRCLE, &(ll_plot_style){.color = LL_PLOT_GREY, .width = 1}, err)) != LL_OK)
			break;
		if (i == SIZE_MAX) {
			snprintf(ax->title, sizeof ax->title, "%s: no network with finite states", cn);
			continue;
		}
		const ll_fp_result *fr = &dy->fp[i];
		size_t S = fr->dim;
		snprintf(ax->title, sizeof ax->title, "%s, network %zu: %zu point%s", cn, i, fr->n, fr->n == 1 ? "" : "s");
		for (int c = 0; c < NST && rc == LL_OK; c++) {
			size_t n = 0, pts = 0;
			for (size_t q = 0; q < fr->n; q++) {
				if (point_class(fr, q) != c)
					continue;
				pts++;
				for (size_t e = 0; e < S; e++) {
					const double *ev = fr->eig + (q * S + e) * 2;
					ex[n] = ev[0];
					ey[n++] = ev[1];
				}
			}
			if (!n)
				continue;
			char lab[48];
			snprintf(lab, sizeof lab, "%s (%zu)", st_look[c].name, pts);
			rc = ll_plot_scatter(ax, ex, ey, n, NULL,
					     &(ll_plot_style){.color = LL_RGBA_SET_ALPHA(st_look[c].color, 0xC0),
							      .marker = st_look[c].marker, .marker_size = 7, .label = lab},
					     err);
		}
		for (size_t q = 0; q < fr->n; q++)
			for (size_t e = 0; e < S; e++) {
				const double *ev = fr->eig + (q * S + e) * 2;
				ll_html_buf_printf(&f->csv, "%zu,%s,%zu,%s,%zu,", i, cn, q, st_look[point_class(fr, q)].name, e);
				ll_report_csv_finite(&f->csv, ev[0]);
				ll_report_csv_sep_finite(&f->csv, ev[1]);
				ll_report_csv_sep_finite(&f->csv, hypot(ev[0], ev[1]));
				ll_report_csv_end(f);
			}
	}
out:
	ll_free(ex);
	ll_free(ey);
	return ll_report_fig_finish(f, rc, err);
}

/* ---- figure: the MDS maps ---------------------------------------------------- */

static int fig_mds(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	if (!has_mds(s))
		return ll_err_set(err, LL_EINVAL, "figure dynamics_mds: the session has no MDS maps of the networks");
	const struct ll_res_rnn *r = rnn_of(s);
	const struct ll_res_dynamics *dy = dyn_of(s);
	size_t N = dy->nets;
	arch a[NCELLS];
	size_t na = archs_of(r, a);
	if ((rc = ll_report_fig_start(f, "dynamics_mds", 1000, 480, 1, 2, err)) != LL_OK)
		return rc;
	/* the networks grouped by cell, in the order the section lists them */
	size_t *cell = ll_malloc_array(N, sizeof *cell);
	if (!cell)
		return ll_report_fig_finish(f, ll_err_oom(err), err);
	for (size_t i = 0; i < N; i++)
		cell[i] = (size_t)r->net[i].cfg.cell;
	ll_report_group gr[NCELLS];
	for (size_t g = 0; g < na; g++) {
		gr[g] = (ll_report_group){.id = (size_t)a[g].cell, .color = cell_color(a[g].cell)};
		snprintf(gr[g].name, sizeof gr[g].name, "%s", ll_rnn_cell_name(a[g].cell));
	}
	snprintf(f->fig.title, sizeof f->fig.title, "%zu networks by MDS: geometry (left) and topology (right)", N);
	const ll_mds_result *md[2] = {&dy->mds_geometry, &dy->mds_topology};
	double sep[2] = {dy->sep_geometry, dy->sep_topology};
	for (int m = 0; m < 2 && rc == LL_OK; m++) {
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, m);
		char sp[32], st[32];
		doc_fmt_num(sp, sizeof sp, sep[m], "%.2f");
		doc_fmt_num(st, sizeof st, md[m]->stress, "%.3f");
		snprintf(ax->title, sizeof ax->title, "%s%s%s: separation %s, stress %s", m ? "topology" : "geometry (",
			 m ? "" : ll_metric_name(dy->metric), m ? "" : ")", isfinite(sep[m]) ? sp : "n/a",
			 isfinite(md[m]->stress) ? st : "n/a");
		rc = ll_report_mds_map(ax, md[m], N, cell, gr, na, err);
	}
	ll_free(cell);
	ll_html_buf_puts(&f->csv, "network,cell,geometry_1,geometry_2,topology_1,topology_2\n");
	for (size_t i = 0; i < N; i++) {
		ll_html_buf_printf(&f->csv, "%zu,%s", i, ll_rnn_cell_name(r->net[i].cfg.cell));
		for (int m = 0; m < 2; m++) {
			size_t k = md[m]->k;
			ll_report_csv_sep_finite(&f->csv, md[m]->coords[i * k]);
			ll_report_csv_sep_finite(&f->csv, k >= 2 ? md[m]->coords[i * k + 1] : 0);
		}
		ll_report_csv_end(f);
	}
	return ll_report_fig_finish(f, rc, err);
}

/* ---- summaries for the text --------------------------------------------------- */

/* Per architecture, from the dynamics step's counts: means over its
 * networks of fixed points (slow points apart), by class and by unstable
 * directions; and its most common count vector. */
typedef struct arch_fp {
	double fixed, stable, saddle, repeller, one, more, slow;
	size_t mode;   /* a network with the most common count vector */
	size_t nmode;  /* how many of the architecture's networks share it */
} arch_fp;

static const size_t *counts_row(const struct ll_res_dynamics *dy, size_t i)
{
	return dy->counts + i * (dy->maxS + 1);
}

static int same_counts(const struct ll_res_dynamics *dy, size_t i, size_t j)
{
	return !memcmp(counts_row(dy, i), counts_row(dy, j), (dy->maxS + 1) * sizeof *dy->counts);
}

static arch_fp arch_summary(const struct ll_res_rnn *r, const struct ll_res_dynamics *dy, const arch *a)
{
	arch_fp s = {0, 0, 0, 0, 0, 0, 0, SIZE_MAX, 0};
	for (size_t i = 0; i < r->nets; i++) {
		if (r->net[i].cfg.cell != a->cell)
			continue;
		const size_t *c = counts_row(dy, i);
		size_t S = r->net[i].S;
		for (size_t k = 0; k <= dy->maxS; k++) {
			s.fixed += (double)c[k];
			s.one += k == 1 ? (double)c[k] : 0;
			s.more += k >= 2 ? (double)c[k] : 0;
			s.stable += k == 0 ? (double)c[k] : 0;
			s.saddle += k >= 1 && k < S ? (double)c[k] : 0;
			s.repeller += k >= S && k > 0 ? (double)c[k] : 0;
		}
		s.slow += (double)dy->fp[i].n_slow;
		/* the most common vector; the first network of it on a tie */
		size_t n = 0;
		for (size_t j = 0; j < r->nets; j++)
			n += r->net[j].cfg.cell == a->cell && same_counts(dy, i, j);
		if (n > s.nmode)
			s.nmode = n, s.mode = i;
	}
	double n = (double)(a->n ? a->n : 1);
	s.fixed /= n, s.stable /= n, s.saddle /= n, s.repeller /= n, s.one /= n, s.more /= n, s.slow /= n;
	return s;
}

/* "[8, 4]": network i's fixed points by unstable directions, trailing
 * zeros dropped */
static void counts_text(const struct ll_res_dynamics *dy, size_t i, char *buf, size_t n)
{
	const size_t *c = counts_row(dy, i);
	size_t top = 0;
	for (size_t k = 0; k <= dy->maxS; k++)
		if (c[k])
			top = k;
	size_t l = (size_t)snprintf(buf, n, "[");
	for (size_t k = 0; k <= top && l < n; k++)
		l += (size_t)snprintf(buf + l, n - l, "%s%zu", k ? ", " : "", c[k]);
	if (l < n)
		snprintf(buf + l, n - l, "]");
}

/* Why a separation ratio is not a number, from the distances themselves. */
static const char *why_no_ratio(const struct ll_res_rnn *r, const double *D)
{
	size_t nb = 0, nw = 0, bad = 0;
	double ww = 0;
	for (size_t a = 0; a < r->nets; a++)
		for (size_t b = a + 1; b < r->nets; b++) {
			double v = D[a * r->nets + b];
			bad += !isfinite(v);
			if (r->net[a].cfg.cell == r->net[b].cfg.cell)
				ww += v, nw++;
			else
				nb++;
		}
	if (!nb)
		return "all the networks are one architecture, so no pair spans two";
	if (!nw)
		return "no architecture has two networks, so there is no distance within one";
	if (bad)
		return "some distances between networks are not finite";
	if (!(ww > 0))
		return "the networks of each architecture are all at distance 0 from one another, so the ratio "
		       "has no finite value";
	return "the step stored no value";
}

/* ---- the section ------------------------------------------------------------- */

static void arch_list(doc *d, const arch *a, size_t na)
{
	for (size_t k = 0; k < na; k++)
		doc_putf(d, "%s%s (%zu)", k == 0 ? "" : k + 1 == na ? " and " : ", ", ll_rnn_cell_name(a[k].cell), a[k].n);
}

static void sec_dynamics_glance(doc *d)
{
	ll_session *s = d->s;
	if (!has_rnn(s))
		return;
	const struct ll_res_rnn *r = rnn_of(s);
	const struct ll_res_dynamics *dy = dyn_of(s);
	arch a[NCELLS];
	size_t na = archs_of(r, a);
	doc_putf(d, "- **Dynamics:** %zu network%s on %s (", r->nets, r->nets == 1 ? "" : "s", ll_task_name(r->task.kind));
	for (size_t k = 0; k < na; k++)
		doc_putf(d, "%s%s", k ? ", " : "", ll_rnn_cell_name(a[k].cell));
	doc_putf(d, "), %zu learned", r->n_learned);
	if (dy) {
		size_t fixed = 0, stable = 0;
		for (size_t i = 0; i < dy->nets; i++) {
			fixed += dy->fp[i].n_fixed;
			stable += counts_row(dy, i)[0];
		}
		char g[32], t[32];
		doc_fmt_num(g, sizeof g, dy->sep_geometry, "%.2f");
		doc_fmt_num(t, sizeof t, dy->sep_topology, "%.2f");
		doc_putf(d, "; %.1f fixed points per network (%.1f stable); architectures separate %s by geometry, %s "
			    "by topology",
			 (double)fixed / (double)dy->nets, (double)stable / (double)dy->nets, g, t);
	}
	doc_put(d, ".\n");
}

static void training_part(doc *d, const struct ll_res_rnn *r, const arch *a, size_t na)
{
	const ll_task_config *tk = &r->task;
	doc_putf(d, "%zu recurrent network%s %s trained on the %s task", r->nets, r->nets == 1 ? "" : "s",
		 r->nets == 1 ? "was" : "were", ll_task_name(tk->kind));
	if (tk->kind == LL_TASK_FLIPFLOP)
		doc_putf(d, " (a %zu-bit flip-flop: each output holds the sign of the last pulse on its input)", tk->bits);
	else
		doc_put(d, " (sine-wave generation: a constant input sets the frequency of the output)");
	doc_putf(d, ", %zu architecture%s: ", na, na == 1 ? "" : "s");
	arch_list(d, a, na);
	doc_putf(d, " networks. A network counts as having learned the task when its %s on %zu fixed probe "
		    "sequences is %s %g. %zu of %zu learned",
		 ll_task_metric_name(tk->kind), r->probe.B, tk->kind == LL_TASK_FLIPFLOP ? "at least" : "at most",
		 tk->kind == LL_TASK_FLIPFLOP ? tk->min_acc : tk->max_nmse, r->n_learned, r->nets);
	size_t failed = r->nets - r->n_learned, named = 0;
	if (!failed) {
		doc_put(d, ".");
	} else {
		doc_putf(d, "; %s did not: ", failed == 1 ? "this one" : "these");
		for (size_t i = 0; i < r->nets && named < NAME_FAILED; i++) {
			if (r->train[i].score.learned)
				continue;
			char sc[32];
			doc_fmt_num(sc, sizeof sc, r->train[i].score.score, "%.4f");
			doc_putf(d, "%snetwork %zu (%s, %s %s)", named ? ", " : "", i, ll_rnn_cell_name(r->net[i].cfg.cell),
				 ll_task_metric_name(tk->kind), sc);
			named++;
		}
		if (failed > named)
			doc_putf(d, " and %zu more (the rnn step's networks.csv lists them all)", failed - named);
		doc_put(d, ". They are kept in every count below.");
	}
	doc_putf(d, "\n\nFigure %d shows the training loss of every network on a log scale: a thin line per network "
		    "in its architecture's colour, and in bold the geometric mean of each architecture's "
		    "networks. A curve that keeps falling had not converged when training stopped.\n\n",
		 d->next_number + 1);
	doc_place_fig(d, "dynamics_training", "training loss by architecture",
		      "Training loss (mean over the steps since the previous point) against the step, log scale: "
		      "thin lines one network each, bold the geometric mean per architecture.");
}

static void table_part(doc *d, const struct ll_res_rnn *r, const struct ll_res_dynamics *dy, const arch *a,
		       size_t na)
{
	doc_tbl_begin(d, dy ? "Networks and their fixed points, per architecture (means over its networks)"
			    : "Networks per architecture");
	doc_tbl_head(d, dy ? "architecture|#networks|#learned|#mean fixed points|#mean stable|#mean saddles (1 "
			     "unstable)|#mean with >=2 unstable|#mean slow points"
			   : "architecture|#networks|#learned");
	for (size_t k = 0; k < na; k++) {
		doc_tr_begin(d, 0);
		doc_td(d, ll_rnn_cell_name(a[k].cell));
		doc_td_size(d, a[k].n);
		doc_td_size(d, a[k].learned);
		if (dy) {
			arch_fp s = arch_summary(r, dy, &a[k]);
			doc_td_num(d, s.fixed, "%.1f");
			doc_td_num(d, s.stable, "%.1f");
			doc_td_num(d, s.one, "%.1f");
			doc_td_num(d, s.more, "%.1f");
			doc_td_num(d, s.slow, "%.1f");
		}
		doc_tr_end(d);
	}
	doc_tbl_end(d);
}

static void fixed_points_part(doc *d, const struct ll_res_rnn *r, const struct ll_res_dynamics *dy, const arch *a,
			      size_t na)
{
	doc_putf(d, "The dynamics step looked for the fixed points of each network's update at the constant input "
		    "(");
	for (size_t k = 0; k < dy->n_in && dy->input; k++)
		doc_putf(d, "%s%g", k ? ", " : "", dy->input[k]);
	doc_putf(d, "), starting from %s states drawn from the probe trajectories with noise: the states where "
		    "the network would stay, and the slow points where it barely moves (Sussillo & Barak 2013). "
		    "Each fixed point is "
		    "classed by the eigenvalues of the Jacobian there: *stable* (an attractor) when all lie "
		    "inside the unit circle, a *saddle* when some (1 to S-1) lie outside, a *repeller* when "
		    "all do (S: the state's size).",
		 doc_param(d, LL_STEP_DYNAMICS, "inits"));
	if (r->task.kind == LL_TASK_FLIPFLOP && r->task.bits < 16)
		doc_putf(d, " To hold %zu bits a network needs 2^%zu = %zu stable states, one per memory, with "
			    "saddles between them.",
			 r->task.bits, r->task.bits, (size_t)1 << r->task.bits);
	doc_put(d, "\n\n");
	doc_put(d, "Per architecture, on average per network:");
	for (size_t k = 0; k < na; k++) {
		arch_fp s = arch_summary(r, dy, &a[k]);
		char cv[160];
		counts_text(dy, s.mode, cv, sizeof cv);
		doc_putf(d, " **%s** has %.1f stable, %.1f saddle and %.1f repeller fixed points (and %.1f slow "
			    "points); its most common count by unstable directions is %s, in %zu of %zu "
			    "network%s.",
			 ll_rnn_cell_name(a[k].cell), s.stable, s.saddle, s.repeller, s.slow, cv, s.nmode, a[k].n,
			 a[k].n == 1 ? "" : "s");
	}
	doc_put(d, " (A count [c0, c1, ...] lists the fixed points with 0, 1, ... unstable directions.)\n\n");
}

static void figures_part(doc *d, const struct ll_res_rnn *r, const struct ll_res_dynamics *dy, const arch *a,
			 size_t na)
{
	size_t nb = r->probe.B < DRAW_PROBES ? r->probe.B : DRAW_PROBES, unlearned = 0;
	for (size_t k = 0; k < na; k++)
		unlearned += a[k].shown != SIZE_MAX && !r->train[a[k].shown].score.learned;
	doc_putf(d, "Figure %d takes one network per architecture, the first that learned the task%s, and draws "
		    "%zu of its probe trajectories on the top three principal components of its states (fitted "
		    "to the states of its first %zu probes; the axis labels give the share of variance; an "
		    "LSTM's state is its hidden and cell state together), PC2 and PC3 against PC1. ",
		 d->next_number + 1,
		 unlearned ? " (where none did, the first network, marked \"did not learn\")" : "", nb,
		 r->probe.B < PCA_PROBES ? r->probe.B : (size_t)PCA_PROBES);
	if (dy)
		doc_put(d, "Its fixed points are drawn on the same axes: stable as black circles, saddles as "
			   "orange triangles, repellers as pink squares, slow points as grey diamonds. They are the "
			   "fixed points at the dynamics step's constant input, while the trajectories follow the "
			   "task's inputs: a trajectory that comes to rest at a stable point holds a state there, "
			   "and one that turns around a point oscillates.\n\n");
	else
		doc_put(d, "Without the dynamics step there are no fixed points to draw on them.\n\n");
	doc_place_fig(d, "dynamics_states", "probe trajectories on the top principal components, with fixed points",
		      "Probe trajectories (grey) of one network per architecture on its top principal components; "
		      "fixed points marked by stability (black circle stable, orange triangle saddle, pink square "
		      "repeller, grey diamond slow point).");
	if (!dy)
		return;
	if (!doc_find_fig(d, "dynamics_eigen")) {
		doc_put(d, "None of the networks drawn has a fixed point, so there are no eigenvalues to draw");
		size_t any = 0;
		for (size_t i = 0; i < dy->nets; i++)
			any += dy->fp[i].n;
		doc_put(d, any ? " (other networks have some: see the table).\n\n"
			       : " (and no network has one: try more [dynamics] inits, or another input).\n\n");
		return;
	}
	doc_putf(d, "Figure %d draws, for the same networks, every eigenvalue of the Jacobian at each fixed point "
		    "in the complex plane, coloured by the point's class. The unit circle divides them: "
		    "outside it a direction grows (unstable), inside it decays; eigenvalues close to 1 are slow "
		    "directions, along which the network can hold a value.",
		 d->next_number + 1);
	for (size_t k = 0; k < na; k++)
		if (a[k].shown != SIZE_MAX && !dy->fp[a[k].shown].n)
			doc_putf(d, " Network %zu (%s) has no fixed points: its panel shows the circle only.", a[k].shown,
				 ll_rnn_cell_name(a[k].cell));
	doc_put(d, "\n\n");
	doc_place_fig(d, "dynamics_eigen", "eigenvalues of the fixed points in the complex plane",
		      "Eigenvalues of the Jacobian at the fixed points of one network per architecture, coloured "
		      "by the point's stability; grey, the unit circle.");
}

static void separation_part(doc *d, const struct ll_res_rnn *r, const struct ll_res_dynamics *dy)
{
	const char *mn = ll_metric_name(dy->metric);
	double g = dy->sep_geometry, t = dy->sep_topology;
	doc_heading(d, 3, "dynamics-separation", "Geometry or topology?");
	doc_putf(d, "Two networks can be compared by the *geometry* of their states (here %s between their probe "
		    "trajectories, as a distance) or by the *topology* of their dynamics (a distance between "
		    "their fixed-point graphs: how many points of each kind, and which saddles lead to which "
		    "attractors). For each, the separation ratio is the mean distance between networks of "
		    "different architectures over the mean distance between networks of the same one: above "
		    "1, the architectures stand apart; at 1, they mix. ",
		 mn);
	char gs[32], ts[32];
	doc_fmt_num(gs, sizeof gs, g, "%.2f");
	doc_fmt_num(ts, sizeof ts, t, "%.2f");
	doc_put(d, "Does geometry separate the architectures more than topology does? ");
	if (isfinite(g) && isfinite(t))
		doc_putf(d, "Measured: geometry %s, topology %s. ", gs, ts);
	if (!isfinite(g) || !isfinite(t)) {
		const char *wg = isfinite(g) ? NULL : why_no_ratio(r, dy->geometry);
		const char *wt = isfinite(t) ? NULL : why_no_ratio(r, dy->topology);
		doc_put(d, "**Cannot tell**: ");
		if (wg && wg == wt)
			doc_putf(d, "neither ratio has a value, because %s.\n\n", wg);
		else if (wg && wt)
			doc_putf(d, "the geometry ratio has no value (%s), nor has the topology ratio (%s).\n\n", wg, wt);
		else
			doc_putf(d, "the %s ratio is %s but the %s ratio has no value (%s).\n\n", wg ? "topology" : "geometry",
				 wg ? ts : gs, wg ? "geometry" : "topology", wg ? wg : wt);
	} else if (g == t) {
		doc_put(d, "**Neither**: both separate the architectures equally.\n\n");
	} else {
		int geo = g > t;
		double hi = geo ? g : t, lo = geo ? t : g;
		doc_putf(d, "**%s separates the architectures more than %s does**", geo ? "Geometry" : "Topology",
			 geo ? "topology" : "geometry");
		if (lo > 0)
			doc_putf(d, ", by a factor of %.2f (%.2f vs %.2f).", hi / lo, hi, lo);
		else
			doc_putf(d, " (%.2f vs %.2f).", hi, lo);
		if (hi <= 1)
			doc_put(d, " Neither ratio is above 1, though: by both measures the architectures mix.");
		else if (lo <= 1)
			doc_putf(d, " By %s they do not separate at all (a ratio at or below 1).", geo ? "topology" : "geometry");
		doc_put(d, "\n\n");
	}
	if (!doc_find_fig(d, "dynamics_mds")) {
		if (dy->nets < 3)
			doc_putf(d, "<p class=\"note\">No MDS maps: the dynamics step draws them from three networks "
				    "up (here %zu).</p>\n\n",
				 dy->nets);
		else
			doc_put(d, "<p class=\"note\">No MDS maps: the dynamics step stored none.</p>\n\n");
		return;
	}
	doc_putf(d, "Figure %d draws the networks twice, by MDS of each distance (the axes themselves mean "
		    "nothing; the stress says how much the map distorts, below 0.1 faithful). Networks at one "
		    "place are at distance 0 from each other, as networks with the same fixed-point graph are "
		    "by topology. Clusters by architecture in one map and a mix in the other would say that "
		    "one measure tells the architectures apart and the other does not: the same dynamics in "
		    "differently shaped state spaces, or the reverse.\n\n",
		 d->next_number + 1);
	doc_place_fig(d, "dynamics_mds", "MDS maps of the networks by geometry and by topology",
		      "The networks by MDS of their geometry distances (left) and their fixed-point topology "
		      "distances (right), coloured by architecture; each panel's title gives the separation "
		      "ratio and the stress.");
}

/* The sine task: the linearisation's frequency at each input level
 * against the task's, per architecture. */
static void frequency_part(doc *d, const struct ll_res_rnn *r, const struct ll_res_dynamics *dy, const arch *a,
			   size_t na)
{
	size_t L = dy->nlevels;
	double tlo = INFINITY, thi = -INFINITY;
	for (size_t l = 0; l < L; l++)
		tlo = fmin(tlo, dy->omega_task[l]), thi = fmax(thi, dy->omega_task[l]);
	doc_heading(d, 3, "dynamics-frequency", "Oscillation frequency");
	doc_putf(d, "In the sine task a constant input level sets the frequency. Near the fixed point the network "
		    "reaches at that input, its update is linear, and the angle of the Jacobian's leading complex "
		    "eigenvalue pair is the frequency it oscillates at (radians per step). A network that solves "
		    "the task by this mechanism has it match the task's frequency at each of the %zu levels read "
		    "(task frequencies %.3f to %.3f rad/step). Lower error is a closer match; a level at which a "
		    "network has no oscillating mode is counted apart.\n\n",
		 L, tlo, thi);
	doc_tbl_begin(d, "Linearisation frequency vs the task's, per architecture");
	doc_tbl_head(d, "architecture|#networks x levels|#mean absolute error (rad/step)|#mean relative error (%)|"
			"#without an oscillating mode");
	double all = 0;
	size_t nall = 0;
	for (size_t k = 0; k < na; k++) {
		double e = 0, rel = 0;
		size_t n = 0, none = 0, tot = 0;
		for (size_t i = 0; i < r->nets; i++) {
			if (r->net[i].cfg.cell != a[k].cell)
				continue;
			for (size_t l = 0; l < L; l++) {
				double w = dy->omega_fp[i * L + l], wt = dy->omega_task[l];
				tot++;
				if (!isfinite(w) || !isfinite(wt)) {
					none++;
					continue;
				}
				e += fabs(w - wt);
				rel += wt != 0 ? fabs(w - wt) / fabs(wt) : NAN;
				n++;
			}
		}
		all += e;
		nall += n;
		doc_tr_begin(d, 0);
		doc_td(d, ll_rnn_cell_name(a[k].cell));
		doc_td_size(d, tot);
		doc_td_num(d, n ? e / (double)n : NAN, "%.4f");
		doc_td_num(d, n ? 100 * rel / (double)n : NAN, "%.1f");
		doc_td_size(d, none);
		doc_tr_end(d);
	}
	doc_tbl_end(d);
	char m[32];
	doc_fmt_num(m, sizeof m, nall ? all / (double)nall : NAN, "%.4f");
	doc_putf(d, "Over all networks and levels the mean absolute error is %s rad/step%s.\n\n", m,
		 nall ? "" : " (no network oscillates at any level)");
}

static void sec_dynamics(doc *d)
{
	ll_session *s = d->s;
	if (doc_not_run(d, LL_STEP_RNN))
		return;
	if (!has_rnn(s)) {
		doc_put(d, "<p class=\"note\">The rnn step stored no networks to draw.</p>\n\n");
		return;
	}
	const struct ll_res_rnn *r = rnn_of(s);
	arch a[NCELLS];
	size_t na = archs_of(r, a);
	const struct ll_res_dynamics *dy = dyn_of(s);

	training_part(d, r, a, na);
	if (!dy) {
		table_part(d, r, NULL, a, na);
		if (!doc_step_present(d, LL_STEP_DYNAMICS))
			doc_put(d, "<p class=\"note\">The session has no dynamics step: add a [dynamics] section for the "
				   "networks' fixed points, their stability, and geometry against topology.</p>\n\n");
		else if (!doc_not_run(d, LL_STEP_DYNAMICS))
			doc_put(d, "<p class=\"note\">The dynamics step's results do not match the rnn step's "
				   "networks.</p>\n\n");
		figures_part(d, r, NULL, a, na);
		return;
	}
	fixed_points_part(d, r, dy, a, na);
	table_part(d, r, dy, a, na);
	figures_part(d, r, dy, a, na);
	separation_part(d, r, dy);
	if (dy->nlevels)
		frequency_part(d, r, dy, a, na);
}

static int sec_dynamics_present(const ll_session *s)
{
	return s->state[LL_STEP_RNN] != LL_STATE_ABSENT || s->state[LL_STEP_DYNAMICS] != LL_STATE_ABSENT;
}

static const ll_section_fig figs[] = {
	{"dynamics_training", fig_training, NULL},
	{"dynamics_states", fig_states, NULL},
	{"dynamics_eigen", fig_eigen, has_eigen},
	{"dynamics_mds", fig_mds, has_mds},
};

const ll_section ll_section_dynamics = {
	.id = "dynamics",
	.title = "Dynamics",
	.present = sec_dynamics_present,
	.drawn = has_rnn,
	LL_SECTION_FIGS(figs),
	.glance = sec_dynamics_glance,
	.write = sec_dynamics,
};
