/*
 * wb_dynamics.c - the Dynamics screen: one trained RNN's fixed points
 * (s->res.dynamics, pipeline/steps/step_dynamics.h, with the networks of
 * s->res.rnn, step_rnn.h).
 *
 * On top, the network shown: its number, cell, units, whether it learned
 * the task and its probe score, its fixed and slow points.  n / N (or ]
 * and [) step through the networks; the Trajectory screen shows the same
 * network (w->rnn_net).
 *
 * Left, its points as a list, in the step's order (fixed before slow, then
 * by unstable directions): number, glyph and class (stable, saddle,
 * repeller; slow for a slow point), unstable directions, q = 1/2 |F(s) -
 * s|^2, and the largest eigenvalue modulus.  j / k move the selection, the
 * list scrolls to keep it shown.
 *
 * Right (under the list on a narrow terminal), the selected point's
 * eigenvalues in the complex plane as a braille scatter (draw/ll_canvas.h):
 * the unit circle and the axes in the axis role, each eigenvalue a 2 x 2
 * dot square, stable ones (|lambda| <= 1) in the STABLE role and unstable
 * ones in UNSTABLE; one scale for both axes, reaching a little beyond the
 * circle or the largest eigenvalue.  With ASCII glyphs the circle is drawn
 * by the canvas's line characters and an eigenvalue is 'o' (stable) or 'x'
 * (unstable).
 *
 * Points and networks are numbered from 0, as in the step's files
 * (points_NNN.npy, eigenvalues_NNN.npy, fixedpoints.csv).  Nothing is
 * computed here but the drawing.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamics/ll_fixedpoint.h"
#include "nn/ll_rnn.h"
#include "pipeline/steps/step_dynamics.h"
#include "pipeline/steps/step_rnn.h"
#include "wb/wb.h"

#define LIST_W 40     /* the list's width: a margin, 38 cells of row, a blank */
#define PLOT_MIN_W 24 /* the eigenvalue plot's narrowest width beside the list */
#define PLOT_MIN_H 6  /* and its fewest rows (title, 4 canvas rows, legend) */
/* canvas colour indices of the eigenvalue plot */
#define C_STABLE 0
#define C_UNSTABLE 1

typedef struct wb_dyn {
	size_t point;   /* selected point of the network shown */
	int top;        /* first list row shown */
	size_t net;     /* the network the selection belongs to */
	int valid;      /* the selection was checked against the results shown */
	wb_cplane plane; /* the eigenvalue plot */
} wb_dyn;

static wb_dyn *dyn_state(const wb *w)
{
	return w->state[WB_SCR_dynamics];
}

enum { A_NET_NEXT = WB_A_SCREEN, A_NET_PREV };

int wb_fp_class(const ll_fp_result *f, size_t p)
{
	if (f->kind[p] == LL_FP_SLOW)
		return WB_FP_SLOW;
	return (int)ll_fp_classify(f->n_unstable[p], f->dim);
}

const char *wb_fp_class_name(int cls)
{
	return cls == WB_FP_SLOW ? "slow" : ll_fp_class_name((ll_fp_class)cls);
}

void wb_rnn_net_step(wb *w, size_t nets, int d)
{
	if (nets == 0)
		return;
	size_t i = w->rnn_net < nets ? w->rnn_net : nets - 1;
	w->rnn_net = d > 0 ? (i + 1) % nets : (i + nets - 1) % nets;
}

/* The results, if both steps' can be read now and agree; the network and
 * the point kept within them (a new network starts at its first point). */
static const struct ll_res_dynamics *cur(wb *w)
{
	wb_dyn *d = dyn_state(w);
	const struct ll_res_rnn *rn = wb_results_ready(w, LL_STEP_RNN) ? w->s->res.rnn : NULL;
	const struct ll_res_dynamics *r = wb_results_ready(w, LL_STEP_DYNAMICS) ? w->s->res.dynamics : NULL;
	if (!rn || !r || !r->fp || r->nets == 0 || r->nets != rn->nets) {
		d->valid = 0;
		return NULL;
	}
	if (w->rnn_net >= r->nets)
		w->rnn_net = r->nets - 1;
	if (!d->valid || d->net != w->rnn_net) {
		d->point = 0;
		d->top = 0;
		d->net = w->rnn_net;
	}
	d->valid = 1;
	size_t n = r->fp[d->net].n;
	if (d->point >= n)
		d->point = n ? n - 1 : 0;
	return r;
}

static double max_modulus(const ll_fp_result *f, size_t p)
{
	const double *ev = f->eig + p * f->dim * 2; /* sorted by modulus, largest first */
	return f->dim ? hypot(ev[0], ev[1]) : NAN;
}

static int class_role(int cls)
{
	return cls == LL_FP_STABLE ? LL_ROLE_STABLE : cls == WB_FP_SLOW ? LL_ROLE_AXIS : LL_ROLE_UNSTABLE;
}

static void draw_empty(wb *w, int y0, int h)
{
	wb_draw_no_results(w, y0, h, LL_STEP_DYNAMICS, "No fixed points yet.", "the networks' fixed points",
			   "This session has no [dynamics] step: add one after [rnn] to find the networks' fixed points.");
}

/* The network's one-line description into buf at detail 0 (all), 1 or 2
 * (the least, for a narrow terminal). */
static void net_title(wb *w, const struct ll_res_dynamics *r, size_t i, int detail, char *buf, size_t n)
{
	const struct ll_res_rnn *rn = w->s->res.rnn;
	const ll_rnn *net = &rn->net[i];
	const ll_task_score *sc = &rn->train[i].score;
	const ll_fp_result *f = &r->fp[i];
	const char *cell = ll_rnn_cell_name(net->cfg.cell), *learned = sc->learned ? "learned" : "not learned";
	char units[48];
	if (net->S != net->H)
		snprintf(units, sizeof units, "%zu units (state %zu)", net->H, net->S);
	else
		snprintf(units, sizeof units, "%zu units", net->H);
	if (detail == 2) {
		snprintf(buf, n, "net %zu of %zu: %s, %s", i, r->nets, cell, learned);
		return;
	}
	if (detail == 1) {
		snprintf(buf, n, "network %zu of %zu: %s, %zu units, %s", i, r->nets, cell, net->H, learned);
		return;
	}
	int len = snprintf(buf, n, "network %zu of %zu: %s, %s  |  %s: %s %.3f  |  %zu fixed, %zu slow  |  input ", i,
			   r->nets, cell, units, learned, ll_task_metric_name(rn->task.kind), sc->score, f->n_fixed,
			   f->n_slow);
	for (size_t k = 0; k < r->n_in && k < 4 && len > 0 && (size_t)len < n; k++)
		len += snprintf(buf + len, n - (size_t)len, "%s%g", k ? ", " : "", r->input[k]);
	if (r->n_in > 4 && len > 0 && (size_t)len < n)
		snprintf(buf + len, n - (size_t)len, ", ...");
}

/* ---------------------------------------------------------------- list */

/* The rows the list shows of lh (a summary line and a header first). */
static int list_rows(int lh)
{
	return lh - 2 > 0 ? lh - 2 : 0;
}

/* The list in rows [y0, y0 + lh), columns [x0, x0 + wd). */
static void draw_list(wb *w, const ll_fp_result *f, int y0, int x0, int wd, int lh)
{
	wb_dyn *d = dyn_state(w);
	char buf[160];
	attr_t ad = wb_attr(w, LL_ROLE_DEFAULT), ax = wb_attr(w, LL_ROLE_AXIS);
	size_t cls[4] = {0, 0, 0, 0};
	for (size_t p = 0; p < f->n; p++)
		cls[wb_fp_class(f, p)]++;
	int rows = list_rows(lh);
	/* scroll to keep the selection shown */
	if ((int)d->point < d->top)
		d->top = (int)d->point;
	if (rows > 0 && (int)d->point >= d->top + rows)
		d->top = (int)d->point - rows + 1;
	if (d->top > (int)f->n - rows)
		d->top = (int)f->n - rows > 0 ? (int)f->n - rows : 0;
	if (d->top < 0)
		d->top = 0;
	if (lh < 1)
		return;
	if (f->n == 0) {
		snprintf(buf, sizeof buf, "No fixed or slow points (%zu starts).", f->n_starts);
		wb_put(w, y0, x0, wd, ad, buf);
		return;
	}
	int len = 0;
	if (rows > 0 && (int)f->n > rows) /* scrolled: which rows, first */
		len = snprintf(buf, sizeof buf, "%d-%d of %zu: ", d->top, d->top + rows - 1, f->n);
	snprintf(buf + len, sizeof buf - (size_t)len, "%zu stable, %zu saddle, %zu repeller, %zu slow", cls[0], cls[1],
		 cls[2], cls[3]);
	wb_put(w, y0, x0, wd, wb_attr(w, LL_ROLE_TITLE), buf);
	if (lh < 2)
		return;
	snprintf(buf, sizeof buf, "%4s %-10s%4s  %9s  %6s", "#", "class", "unst", "q", w->g->utf8 ? "|\u03bb|max" : "|l|max");
	wb_put(w, y0 + 1, x0, wd, ax, buf);
	for (int row = 0; row < rows && d->top + row < (int)f->n; row++) {
		size_t p = (size_t)(d->top + row);
		int y = y0 + 2 + row, sel = p == d->point, c = wb_fp_class(f, p);
		attr_t a = sel ? wb_attr(w, LL_ROLE_SELECTED) : ad;
		if (sel)
			wb_fill(y, x0, wd, a);
		int x = x0 + wb_put(w, y, x0, wd, a, sel ? w->g->arrow : " ");
		snprintf(buf, sizeof buf, "%3zu ", p);
		x += wb_put(w, y, x, x0 + wd - x, a, buf);
		attr_t ac = sel ? a : wb_attr(w, class_role(c));
		x += wb_put(w, y, x, x0 + wd - x, ac, w->g->fp[c]);
		snprintf(buf, sizeof buf, " %-8s", wb_fp_class_name(c));
		x += wb_put(w, y, x, x0 + wd - x, ac, buf);
		snprintf(buf, sizeof buf, "%4zu  %9.2e  %6.3f", f->n_unstable[p], f->q[p], max_modulus(f, p));
		wb_put(w, y, x, x0 + wd - x, a, buf);
	}
}

/* ---------------------------------------------------------------- eigenvalues */

static attr_t eig_attr(const wb *w, int color, int level)
{
	(void)level;
	if (color == C_STABLE)
		return wb_attr(w, LL_ROLE_STABLE);
	if (color == C_UNSTABLE)
		return wb_attr(w, LL_ROLE_UNSTABLE);
	return wb_attr(w, LL_ROLE_AXIS);
}

/* The selected point's eigenvalues in rows [y0, y0 + h), columns
 * [x0, x0 + wd): a title, the canvas, a legend. */
static void draw_eig(wb *w, const ll_fp_result *f, int y0, int x0, int wd, int h)
{
	wb_dyn *d = dyn_state(w);
	char buf[200];
	attr_t at = wb_attr(w, LL_ROLE_TITLE), ax = wb_attr(w, LL_ROLE_AXIS);
	int ascii = !w->g->utf8;
	if (f->n == 0 || h < 1) {
		if (h >= 1)
			wb_put(w, y0, x0, wd, ax, "No point: no eigenvalues to show.");
		return;
	}
	size_t p = d->point, S = f->dim, nu = f->n_unstable[p];
	int c = wb_fp_class(f, p);
	snprintf(buf, sizeof buf, "Eigenvalues of point %zu (%s): %zu of %zu outside the unit circle", p,
		 wb_fp_class_name(c), nu, S);
	if ((int)strlen(buf) > wd)
		snprintf(buf, sizeof buf, "Point %zu (%s): %zu/%zu unstable", p, wb_fp_class_name(c), nu, S);
	wb_put(w, y0, x0, wd, at, buf);
	const double *ev = f->eig + p * S * 2;
	double R = 1.0;
	for (size_t e = 0; e < S; e++)
		if (isfinite(hypot(ev[2 * e], ev[2 * e + 1])))
			R = fmax(R, hypot(ev[2 * e], ev[2 * e + 1]));
	int cw = wb_cplane_start(w, &d->plane, wd, h - 2, R);
	if (!cw)
		return;
	/* stable eigenvalues, then the unstable ones over them (the first nu:
	 * the eigenvalues are sorted by modulus, largest first); each a 2 x 2
	 * square of dots (shape 0) */
	for (int pass = 0; pass < 2; pass++)
		for (size_t e = 0; e < S; e++) {
			int unst = e < nu;
			if (unst == pass)
				wb_cplane_point(w, &d->plane, ev[2 * e], ev[2 * e + 1], 0, unst ? 'x' : 'o',
						unst ? C_UNSTABLE : C_STABLE);
		}
	wb_cplane_show(w, &d->plane, y0 + 1, x0 + (wd - cw) / 2, eig_attr);
	/* the legend */
	int y = y0 + h - 1, x = x0, right = x0 + wd;
	const char *dot = ascii ? "o" : "\u281b", *dotu = ascii ? "x" : "\u281b";
	x += wb_put_fit(w, y, x, right, wb_attr(w, LL_ROLE_STABLE), dot);
	x += wb_put_fit(w, y, x, right, ax, ascii ? " stable  " : " |\u03bb|\u22641  ");
	int xu = wb_put_fit(w, y, x, right, wb_attr(w, LL_ROLE_UNSTABLE), dotu);
	if (xu) {
		x += xu;
		x += wb_put_fit(w, y, x, right, ax, ascii ? " unstable  " : " |\u03bb|>1  ");
	}
	snprintf(buf, sizeof buf, "circle |%s| = 1", ascii ? "l" : "\u03bb");
	wb_put_fit(w, y, x, right, ax, buf);
}

/* ---------------------------------------------------------------- screen */

static void dyn_draw(wb *w, int y0, int h)
{
	wb_dyn *d = dyn_state(w);
	const struct ll_res_dynamics *r = cur(w);
	if (!r) {
		draw_empty(w, y0, h);
		return;
	}
	char buf[300];
	for (int detail = 0; detail < 3; detail++) {
		net_title(w, r, d->net, detail, buf, sizeof buf);
		if ((int)strlen(buf) <= w->cols - 2)
			break;
	}
	wb_put(w, y0, 1, w->cols - 2, wb_attr(w, LL_ROLE_TITLE), buf);
	const ll_fp_result *f = &r->fp[d->net];
	int by = y0 + 1, bh = h - 1;
	if (bh < 1)
		return;
	if (w->cols >= LIST_W + 2 + PLOT_MIN_W) {
		/* side by side: the list, a bar, the plot */
		draw_list(w, f, by, 1, LIST_W - 1, bh);
		for (int y = 0; y < bh; y++)
			wb_put(w, by + y, LIST_W, 1, wb_attr(w, LL_ROLE_BORDER), w->g->vline);
		draw_eig(w, f, by, LIST_W + 2, w->cols - LIST_W - 3, bh);
		return;
	}
	/* narrow: the plot under the list when there is room for both (the
	 * list takes the rows it needs, up to half) */
	int ph = bh - 1 - ((int)f->n + 2 > 3 ? (int)f->n + 2 : 3);
	if (ph < bh / 2)
		ph = bh / 2;
	if (ph < PLOT_MIN_H)
		ph = 0;
	int lh = bh - ph - (ph ? 1 : 0);
	if (!ph && bh >= 3)
		lh = bh - 1;
	draw_list(w, f, by, 1, w->cols - 2, lh);
	if (ph)
		draw_eig(w, f, by + lh + 1, 1, w->cols - 2, ph);
	else if (bh >= 3)
		wb_put(w, by + lh, 1, w->cols - 2, wb_attr(w, LL_ROLE_AXIS), "(the eigenvalue plot needs more room)");
}

static void dyn_status(wb *w, char *buf, size_t n)
{
	wb_dyn *d = dyn_state(w);
	const struct ll_res_dynamics *r = cur(w);
	if (!r) {
		wb_view v;
		wb_view_get(w, &v, NULL);
		snprintf(buf, n, v.state[LL_STEP_DYNAMICS] == LL_STATE_ABSENT ? "this session has no [dynamics] step"
									    : "no fixed points yet: run the dynamics step");
		return;
	}
	const ll_fp_result *f = &r->fp[d->net];
	const char *cell = ll_rnn_cell_name(w->s->res.rnn->net[d->net].cfg.cell);
	if (f->n == 0) {
		snprintf(buf, n, "network %zu (%s): no points  |  n/N network", d->net, cell);
		return;
	}
	size_t p = d->point;
	snprintf(buf, n, "network %zu (%s): point %zu of %zu, %s, %zu unstable, q %.3g, |%s|max %.4g  |  j/k point, n/N network",
		 d->net, cell, p, f->n, wb_fp_class_name(wb_fp_class(f, p)), f->n_unstable[p], f->q[p],
		 w->g->utf8 ? "\u03bb" : "l", max_modulus(f, p));
}

static void no_results(wb *w)
{
	wb_msg(w, 0, "no fixed points yet: run the dynamics step (1, then R; or :run dynamics)");
}

static void dyn_action(wb *w, int act, int arg)
{
	(void)arg;
	wb_dyn *d = dyn_state(w);
	const struct ll_res_dynamics *r = cur(w);
	if (!r) {
		if (act != WB_A_BACK)
			no_results(w);
		return;
	}
	long n = (long)r->fp[d->net].n, p = (long)d->point;
	long page = (w->rows - 6) / 2 > 1 ? (w->rows - 6) / 2 : 1;
	switch (act) {
	case WB_A_DOWN: p++; break;
	case WB_A_UP: p--; break;
	case WB_A_TOP: p = 0; break;
	case WB_A_BOTTOM: p = n - 1; break;
	case WB_A_PGDN: p += page; break;
	case WB_A_PGUP: p -= page; break;
	case A_NET_NEXT:
	case A_NET_PREV:
		if (r->nets == 1)
			wb_msg(w, 0, "this session trained one network");
		wb_rnn_net_step(w, r->nets, act == A_NET_NEXT ? 1 : -1);
		cur(w);
		return;
	default: return;
	}
	if (p > n - 1)
		p = n - 1;
	if (p < 0)
		p = 0;
	d->point = (size_t)p;
}

static void dyn_free(void *state)
{
	wb_dyn *d = state;
	wb_cplane_free(&d->plane);
}

static void colon_net(wb *w, char *args, int force)
{
	(void)force;
	const struct ll_res_dynamics *r = cur(w);
	if (!r) {
		no_results(w);
		return;
	}
	long i;
	if (!wb_parse_long(args, &i) || i < 0 || (size_t)i >= r->nets) {
		wb_msg(w, 1, ":net takes a network number, 0-%zu", r->nets - 1);
		return;
	}
	w->rnn_net = (size_t)i;
	cur(w);
	wb_log(w, "> :net %ld", i);
	if (w->screen != WB_SCR_traj)
		wb_set_screen(w, WB_SCR_dynamics);
}

static void colon_point(wb *w, char *args, int force)
{
	(void)force;
	wb_dyn *d = dyn_state(w);
	const struct ll_res_dynamics *r = cur(w);
	if (!r) {
		no_results(w);
		return;
	}
	size_t n = r->fp[d->net].n;
	long k;
	if (n == 0) {
		wb_msg(w, 1, ":point: network %zu has no fixed or slow points", d->net);
		return;
	}
	if (!wb_parse_long(args, &k) || k < 0 || (size_t)k >= n) {
		wb_msg(w, 1, ":point takes a point number of network %zu, 0-%zu", d->net, n - 1);
		return;
	}
	d->point = (size_t)k;
	wb_log(w, "> :point %ld", k);
	wb_set_screen(w, WB_SCR_dynamics);
}

static const wb_key dyn_keys[] = {
	{0, {'j', KEY_DOWN}, "j Down", WB_A_DOWN, 0, "point", "next fixed point"},
	{0, {'k', KEY_UP}, "k Up", WB_A_UP, 0, NULL, "previous fixed point"},
	{0, {'g', KEY_HOME}, "g Home", WB_A_TOP, 0, NULL, "first point"},
	{0, {'G', KEY_END}, "G End", WB_A_BOTTOM, 0, NULL, "last point"},
	{0, {4, KEY_NPAGE}, "Ctrl-D PgDn", WB_A_PGDN, 0, NULL, "half a page down"},
	{0, {21, KEY_PPAGE}, "Ctrl-U PgUp", WB_A_PGUP, 0, NULL, "half a page up"},
	{0, {'n', ']'}, "n ]", A_NET_NEXT, 0, "network", "next network (the Trajectory screen shows it too)"},
	{0, {'N', '['}, "N [", A_NET_PREV, 0, NULL, "previous network"},
};

static const wb_cmd dyn_cmds[] = {
	{"net", NULL, "N", "show network N (from 0) on the Dynamics and Trajectory screens", colon_net, 0, NULL},
	{"point", NULL, "K", "select fixed point K (from 0) of that network on the Dynamics screen", colon_point, 0, NULL},
};

const wb_screen_def wb_screen_dynamics = {
	.name = "Dynamics",
	.tab = "Dyn",
	.id = "dynamics",
	.state_size = sizeof(wb_dyn),
	.free = dyn_free,
	.draw = dyn_draw,
	.action = dyn_action,
	.status = dyn_status,
	.keys = dyn_keys,
	.nkeys = sizeof dyn_keys / sizeof dyn_keys[0],
	.cmds = dyn_cmds,
	.ncmds = sizeof dyn_cmds / sizeof dyn_cmds[0],
};
