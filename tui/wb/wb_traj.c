/*
 * wb_traj.c - the Trajectory screen: the session's 3-D paths (s->res.traj)
 * projected onto a braille canvas (ll_view3d.h), one series colour per path,
 * nearer cells brighter, 'o' at each start and 'x' at each end, an axis
 * triad labelled 1-2-3; a legend lists the paths (n/N select, Space shows
 * or hides) and the axes.  Auto-rotation advances with the loop's clock.
 *
 * RNN sessions ([rnn]): the paths are one network's states on the probe
 * set instead, one path per probe, on the top three principal components
 * of that network's states (pca/ll_pca.h over every probe and time step),
 * and once the dynamics step has run, its fixed points projected on the
 * same components and drawn over the canvas with a glyph for their class
 * (ll_glyphs.fp: stable, saddle, repeller, slow) in the STABLE or UNSTABLE
 * role; the probes start together, so the paths have no start and end
 * marks here.  ] and [ step through the networks (the Dynamics screen
 * shows the same one, w->rnn_net).  When the session also has trajectory
 * step results, v switches between the two.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/ll_view3d.h"
#include "dynamics/ll_fixedpoint.h"
#include "nn/ll_rnn.h"
#include "pca/ll_pca.h"
#include "pca/ll_traj.h"
#include "pipeline/steps/step_dynamics.h"
#include "pipeline/steps/step_rnn.h"
#include "pipeline/steps/step_traj.h"
#include "wb/wb.h"

#define AXES_COLOR 254 /* canvas colour index of the axis triad */
#define LEGEND_W 26

/* what the screen shows */
enum { SRC_NONE, SRC_STEP, SRC_NET };

/* One RNN's probe trajectories on the top 3 PCs of its states, and its
 * fixed points on the same axes. */
typedef struct net_view {
	int ok;
	unsigned gen;
	size_t net;
	int with_fp;           /* the dynamics step's points were there */
	int failed;            /* the build failed for these gen, net, with_fp */
	ll_traj_set ts;        /* a path per probe (owned) */
	size_t nfp;
	double *fp_xyz;        /* nfp x 3 (owned) */
	int *fp_class;         /* nfp: wb_fp_class (owned) */
	/* what is rendered: ts's paths, then each fixed point held still (so
	 * the picture's bounds hold the points), the latter hidden (owned) */
	double *all;
	unsigned char *hide_all;
} net_view;

typedef struct wb_traj {
	ll_view3d view;
	ll_canvas canvas;
	ll_canvas_text text;
	unsigned char *hidden; /* per path (owned) */
	size_t npaths;
	int sel;               /* selected path (highlighted, toggled by space) */
	int valid;
	unsigned gen;
	int src;               /* SRC_*: shown now */
	int want_step;         /* v: the trajectory step's paths though an RNN's can be shown */
	net_view nv;
	double last_tick;
} wb_traj;

static wb_traj *traj_state(const wb *w)
{
	return w->state[WB_SCR_traj];
}

/* A_VIEW's arg is the ll_view3d action. */
enum { A_VIEW = WB_A_SCREEN, A_PATH_NEXT, A_PATH_PREV, A_PATH_TOGGLE, A_PATH_SOLO, A_PATH_ALL, A_NET_NEXT,
       A_NET_PREV, A_SOURCE };

static void net_view_free(net_view *nv)
{
	ll_traj_set_free(&nv->ts);
	ll_free(nv->fp_xyz);
	ll_free(nv->fp_class);
	ll_free(nv->all);
	ll_free(nv->hide_all);
	memset(nv, 0, sizeof *nv);
}

/* Network i's probe states on their top 3 PCs, and dy's fixed points of it
 * (dy may be NULL) on the same PCs, into nv. */
static int net_view_build(net_view *nv, const struct ll_res_rnn *rn, size_t i, const struct ll_res_dynamics *dy,
			  ll_err *err)
{
	size_t B = rn->probe.B, T = rn->probe.T, S = rn->net[i].S, n = B * T;
	net_view_free(nv);
	if (n < 2 || S < 1)
		return ll_err_set(err, LL_ESHAPE, "%zu probes x %zu steps: too few states for PCA", B, T);
	double *X = ll_malloc_array(n, S * sizeof *X);
	if (!X)
		return ll_err_oom(err);
	for (size_t b = 0; b < B; b++) {
		const float *st = ll_res_rnn_states(rn, i, b);
		for (size_t k = 0; k < T * S; k++)
			X[b * T * S + k] = st[k];
	}
	ll_pca p;
	int rc = ll_pca_fit(&p, X, n, S, LL_TRAJ_DIMS, err);
	ll_free(X);
	if (rc != LL_OK)
		return rc;
	const ll_fp_result *f = dy && dy->fp[i].dim == S ? &dy->fp[i] : NULL;
	size_t nfp = f ? f->n : 0, np = B + nfp;
	rc = ll_traj_set_init(&nv->ts, B, T, err);
	nv->all = rc == LL_OK ? ll_malloc_array(np * T, LL_TRAJ_DIMS * sizeof(double)) : NULL;
	nv->hide_all = nv->all ? ll_calloc(np, 1) : NULL;
	nv->fp_xyz = nv->hide_all && nfp ? ll_malloc_array(nfp, LL_TRAJ_DIMS * sizeof(double)) : NULL;
	nv->fp_class = nv->fp_xyz ? ll_malloc_array(nfp, sizeof(int)) : NULL;
	if (rc == LL_OK && (!nv->hide_all || (nfp && !nv->fp_class)))
		rc = ll_err_oom(err);
	if (rc != LL_OK) {
		ll_pca_free(&p);
		net_view_free(nv);
		return rc;
	}
	ll_traj_set *ts = &nv->ts;
	for (size_t row = 0; row < n; row++)
		for (size_t a = 0; a < p.k_valid && a < LL_TRAJ_DIMS; a++)
			ts->xyz[row * LL_TRAJ_DIMS + a] = p.scores[row * p.k + a];
	ts->n_axes = (int)(p.k_valid < LL_TRAJ_DIMS ? p.k_valid : LL_TRAJ_DIMS);
	for (int a = 0; a < ts->n_axes; a++) {
		ts->explained[a] = p.explained[a];
		snprintf(ts->axis_name[a], sizeof ts->axis_name[a], "PC%d", a + 1);
	}
	snprintf(ts->source, sizeof ts->source, "pca");
	for (size_t b = 0; b < B; b++)
		snprintf(ts->labels[b], LL_TRAJ_LABEL, "probe %zu", b);
	/* the points' coordinates on the components (0 on a padded axis) */
	for (size_t j = 0; j < nfp; j++) {
		for (size_t a = 0; a < LL_TRAJ_DIMS; a++) {
			double v = 0;
			for (size_t k = 0; a < p.k_valid && k < S; k++)
				v += (f->points[j * S + k] - p.mean[k]) * p.comp[a * S + k];
			nv->fp_xyz[j * LL_TRAJ_DIMS + a] = v;
		}
		nv->fp_class[j] = wb_fp_class(f, j);
	}
	ll_pca_free(&p);
	memcpy(nv->all, ts->xyz, n * LL_TRAJ_DIMS * sizeof(double));
	for (size_t j = 0; j < nfp; j++) {
		for (size_t t = 0; t < T; t++)
			memcpy(nv->all + ((B + j) * T + t) * LL_TRAJ_DIMS, nv->fp_xyz + j * LL_TRAJ_DIMS,
			       LL_TRAJ_DIMS * sizeof(double));
		nv->hide_all[B + j] = 1;
	}
	nv->nfp = nfp;
	nv->net = i;
	nv->with_fp = dy != NULL;
	nv->ok = 1;
	return LL_OK;
}

/* The RNN results, if they can be read now; the network kept within them. */
static const struct ll_res_rnn *cur_rnn(wb *w)
{
	const struct ll_res_rnn *rn = wb_results_ready(w, LL_STEP_RNN) ? w->s->res.rnn : NULL;
	if (!rn || rn->nets == 0 || rn->probe.B == 0 || rn->probe.T == 0)
		return NULL;
	if (w->rnn_net >= rn->nets)
		w->rnn_net = rn->nets - 1;
	return rn;
}

static const struct ll_res_dynamics *cur_dyn(wb *w, const struct ll_res_rnn *rn)
{
	const struct ll_res_dynamics *dy = wb_results_ready(w, LL_STEP_DYNAMICS) ? w->s->res.dynamics : NULL;
	return dy && dy->fp && dy->nets == rn->nets ? dy : NULL;
}

/* The shown network's view, (re)built when the results or the network
 * changed; NULL if it cannot be made (the reason in the status bar once). */
static const ll_traj_set *net_set(wb *w, const struct ll_res_rnn *rn)
{
	wb_traj *t = traj_state(w);
	net_view *nv = &t->nv;
	const struct ll_res_dynamics *dy = cur_dyn(w, rn);
	int with_fp = dy != NULL;
	if ((nv->ok || nv->failed) && nv->gen == w->gen && nv->net == w->rnn_net && nv->with_fp == with_fp)
		return nv->ok ? &nv->ts : NULL; /* a failure is not retried every frame */
	ll_err err = {0, ""};
	int rc = net_view_build(nv, rn, w->rnn_net, dy, &err);
	nv->gen = w->gen;
	nv->net = w->rnn_net;
	nv->with_fp = with_fp;
	nv->failed = rc != LL_OK;
	if (rc != LL_OK) {
		wb_msg(w, 1, "network %zu's trajectories: %s", w->rnn_net, err.msg);
		return NULL;
	}
	return &nv->ts;
}

static const ll_traj_set *cur_set(wb *w)
{
	wb_traj *t = traj_state(w);
	const ll_traj_set *step = wb_results_ready(w, LL_STEP_TRAJ) && w->s->res.traj ? &w->s->res.traj->ts : NULL;
	if (step && (step->n_paths == 0 || step->n_points == 0))
		step = NULL;
	const struct ll_res_rnn *rn = cur_rnn(w);
	const ll_traj_set *ts = NULL;
	int src = SRC_NONE;
	if (rn && (!step || !t->want_step) && (ts = net_set(w, rn)) != NULL)
		src = SRC_NET;
	else if (step)
		ts = step, src = SRC_STEP;
	if (!ts) {
		t->valid = 0;
		t->src = SRC_NONE;
		return NULL;
	}
	if (!t->valid || t->gen != w->gen || t->npaths != ts->n_paths || t->src != src) {
		unsigned char *h = ll_calloc(ts->n_paths, 1);
		if (!h)
			return NULL;
		ll_free(t->hidden);
		t->hidden = h;
		t->npaths = ts->n_paths;
		t->sel = -1;
		t->valid = 1;
		t->gen = w->gen;
		t->src = src;
	}
	return ts;
}

static int fp_role(int cls)
{
	return cls == LL_FP_STABLE ? LL_ROLE_STABLE : cls == WB_FP_SLOW ? LL_ROLE_AXIS : LL_ROLE_UNSTABLE;
}

/* The fixed points' glyphs over the canvas drawn at (y, x) with p. */
static void draw_points(wb *w, const ll_proj *p, int y, int x, int cw, int ch)
{
	const net_view *nv = &traj_state(w)->nv;
	/* slow points first, stable ones last: on top where they share a cell */
	static const int order[4] = {WB_FP_SLOW, LL_FP_REPELLER, LL_FP_SADDLE, LL_FP_STABLE};
	for (int o = 0; o < 4; o++)
		for (size_t j = 0; j < nv->nfp; j++) {
			if (nv->fp_class[j] != order[o])
				continue;
			double dx, dy, depth;
			ll_proj_point(p, nv->fp_xyz + j * LL_TRAJ_DIMS, &dx, &dy, &depth);
			if (!(dx >= 0 && dy >= 0 && dx < 2.0 * cw && dy < 4.0 * ch))
				continue;
			int cx = (int)(dx / 2), cy = (int)(dy / 4);
			wb_put(w, y + cy, x + cx, 1, wb_attr(w, fp_role(order[o])), w->g->fp[order[o]]);
		}
}

/* The key to the glyphs in one or two rows from y: the rows used. */
static int glyph_key(wb *w, int y, int x0, int W, int rows)
{
	const net_view *nv = &traj_state(w)->nv;
	attr_t ax = wb_attr(w, LL_ROLE_AXIS);
	if (!nv->with_fp) {
		wb_put(w, y, x0, W, ax, "fixed points: run dynamics");
		return 1;
	}
	int x = x0;
	for (int c = 0; c < 4; c++) {
		char buf[24];
		if (c == 2 && rows > 1) {
			y++;
			x = x0;
		}
		snprintf(buf, sizeof buf, " %s  ", wb_fp_class_name(c));
		x += wb_put(w, y, x, x0 + W - x, wb_attr(w, fp_role(c)), w->g->fp[c]);
		x += wb_put(w, y, x, x0 + W - x, ax, buf);
	}
	return rows > 1 ? 2 : 1;
}

static attr_t traj_attr(const wb *w, int color, int level)
{
	if (color == AXES_COLOR)
		return wb_attr(w, LL_ROLE_AXIS);
	return ll_theme_cell_attr(&w->theme, color, level);
}

static void draw_legend(wb *w, const ll_traj_set *ts, int y0, int x0, int h)
{
	wb_traj *t = traj_state(w);
	char buf[96];
	int W = LEGEND_W - 1;
	int naxes = 3, nkey = t->src == SRC_NET ? 2 : 1, rows_paths = h - naxes - 1 - nkey;
	if (rows_paths < 1)
		rows_paths = 1;
	int top = 0;
	if (t->sel >= rows_paths)
		top = t->sel - rows_paths + 1;
	int y = y0;
	for (int i = top; i < (int)ts->n_paths && y < y0 + rows_paths; i++, y++) {
		int sel = i == t->sel;
		attr_t base = wb_attr(w, sel ? LL_ROLE_SELECTED : LL_ROLE_DEFAULT);
		if (sel)
			wb_fill(y, x0, W, base);
		int x = x0;
		x += wb_put(w, y, x, W, base, t->hidden[i] ? "[ ] " : "[x] ");
		x += wb_put(w, y, x, W - (x - x0), sel ? base : ll_theme_cell_attr(&w->theme, i, 0), w->g->bullet);
		snprintf(buf, sizeof buf, " %s", ts->labels[i]);
		wb_put(w, y, x, W - (x - x0), sel ? base : wb_attr(w, t->hidden[i] ? LL_ROLE_STEP_PENDING : LL_ROLE_DEFAULT), buf);
	}
	if ((int)ts->n_paths > rows_paths && y < y0 + h) {
		snprintf(buf, sizeof buf, "(%zu paths; n/N)", ts->n_paths);
		wb_put(w, y++, x0, W, wb_attr(w, LL_ROLE_AXIS), buf);
	}
	y = y0 + h - naxes - nkey;
	if (t->src == SRC_NET)
		y += glyph_key(w, y, x0, W, nkey);
	else
		wb_put(w, y++, x0, W, wb_attr(w, LL_ROLE_AXIS), "o start  x end");
	for (int a = 0; a < naxes && y < y0 + h; a++, y++) {
		if (a < ts->n_axes)
			snprintf(buf, sizeof buf, "%d %s %.1f%%", a + 1, ts->axis_name[a], 100 * ts->explained[a]);
		else
			snprintf(buf, sizeof buf, "%d (no data)", a + 1);
		wb_put(w, y, x0, W, wb_attr(w, LL_ROLE_AXIS), buf);
	}
}

static void traj_draw(wb *w, int y0, int h)
{
	wb_traj *t = traj_state(w);
	const ll_traj_set *ts = cur_set(w);
	if (!ts) {
		wb_view v;
		wb_view_get(w, &v, NULL);
		char l2[200];
		const char *lines[2] = {"No trajectories yet.", l2};
		if (v.state[LL_STEP_TRAJ] == LL_STATE_FAILED)
			snprintf(l2, sizeof l2, "The trajectory step failed: %.150s", v.status[LL_STEP_TRAJ]);
		else if (v.state[LL_STEP_RNN] == LL_STATE_FAILED)
			snprintf(l2, sizeof l2, "The rnn step failed: %.150s", v.status[LL_STEP_RNN]);
		else if (v.state[LL_STEP_RNN] != LL_STATE_ABSENT)
			snprintf(l2, sizeof l2, "Run the rnn step for its networks' state trajectories (and the dynamics step for "
						"their fixed points): on the Pipeline screen (1), R runs every step.");
		else if (v.state[LL_STEP_TRAJ] == LL_STATE_ABSENT)
			snprintf(l2, sizeof l2, "This session has no [trajectory] step.");
		else
			snprintf(l2, sizeof l2, "On the Pipeline screen (1), R runs every step, n the next one.");
		wb_center(w, y0, h, wb_attr(w, LL_ROLE_DEFAULT), lines, 2);
		return;
	}
	char buf[300];
	size_t shown = 0;
	for (size_t i = 0; i < ts->n_paths; i++)
		shown += !t->hidden[i];
	const char *spin = t->view.auto_rotate ? "  |  auto-rotating (a stops)" : "";
	if (t->src == SRC_NET) {
		const struct ll_res_rnn *rn = w->s->res.rnn;
		const ll_rnn *net = &rn->net[t->nv.net];
		char fps[64];
		if (t->nv.with_fp)
			snprintf(fps, sizeof fps, "%zu fixed/slow points", t->nv.nfp);
		else
			snprintf(fps, sizeof fps, "no fixed points yet");
		snprintf(buf, sizeof buf, "network %zu of %zu (%s, %zu units): %zu probes x %zu steps, PCA of its states  |  %s  |  %zu shown%s",
			 t->nv.net, rn->nets, ll_rnn_cell_name(net->cfg.cell), net->H, ts->n_paths, ts->n_points, fps, shown, spin);
		if ((int)strlen(buf) > w->cols - 2)
			snprintf(buf, sizeof buf, "network %zu of %zu (%s)  |  %s", t->nv.net, rn->nets,
				 ll_rnn_cell_name(net->cfg.cell), fps);
	} else {
		snprintf(buf, sizeof buf, "%zu paths x %zu points from %s  |  %zu shown%s", ts->n_paths, ts->n_points,
			 ts->source, shown, spin);
	}
	wb_put(w, y0, 1, w->cols - 2, wb_attr(w, LL_ROLE_TITLE), buf);

	int legend = w->cols >= 70;
	int cw = w->cols - (legend ? LEGEND_W + 1 : 0), ch = h - 1;
	if (cw < 2 || ch < 1)
		return;
	if (t->canvas.w != cw || t->canvas.h != ch) {
		ll_canvas_free(&t->canvas);
		if (ll_canvas_init(&t->canvas, cw, ch, w->g->canvas_mode, NULL) != LL_OK)
			return;
	}
	t->canvas.mode = w->g->canvas_mode;
	ll_canvas_clear(&t->canvas);
	ll_view3d_paths ps;
	int net = t->src == SRC_NET;
	if (net) {
		/* the probes, then the fixed points held still (hidden) */
		memcpy(t->nv.hide_all, t->hidden, ts->n_paths);
		ll_view3d_paths_init(&ps, t->nv.all, ts->n_paths + t->nv.nfp, ts->n_points);
		ps.hidden = t->nv.hide_all;
	} else {
		ll_view3d_paths_init(&ps, ts->xyz, ts->n_paths, ts->n_points);
		ps.hidden = t->hidden;
	}
	ps.highlight = t->sel;
	ps.markers = !net;
	ps.axes = 1;
	ps.axes_color = AXES_COLOR;
	ps.axis_labels = "123";
	ll_proj proj;
	if (ll_view3d_render(&t->canvas, &t->view, &ps, &proj, NULL) == LL_OK &&
	    ll_canvas_render(&t->canvas, &t->text, NULL) == LL_OK) {
		wb_draw_canvas(&t->text, y0 + 1, 0, traj_attr, w);
		if (net)
			draw_points(w, &proj, y0 + 1, 0, cw, ch);
	}
	if (legend) {
		for (int y = 0; y < ch; y++)
			wb_put(w, y0 + 1 + y, cw, 1, wb_attr(w, LL_ROLE_BORDER), w->g->vline);
		draw_legend(w, ts, y0 + 1, cw + 2, ch);
	}
}

static void traj_status(wb *w, char *buf, size_t n)
{
	wb_traj *t = traj_state(w);
	const ll_traj_set *ts = cur_set(w);
	char v[160];
	/* for reading (ll_view3d_format keeps full precision for :view) */
	snprintf(v, sizeof v, "az=%.0f el=%.0f zoom=%.3g proj=%s", t->view.azimuth, t->view.elevation,
		 t->view.zoom, t->view.perspective ? "persp" : "ortho");
	if (ts && t->src == SRC_NET) {
		size_t len = strlen(v);
		snprintf(v + len, sizeof v - len, "  |  network %zu (%s)", t->nv.net,
			 ll_rnn_cell_name(w->s->res.rnn->net[t->nv.net].cfg.cell));
	}
	if (ts && t->sel >= 0 && (size_t)t->sel < ts->n_paths)
		snprintf(buf, n, "%s  |  %s (%s)", v, ts->labels[t->sel], t->hidden[t->sel] ? "hidden" : "shown");
	else
		snprintf(buf, n, "%s", v);
}

/* Auto-rotation, with the loop's clock. */
static void traj_tick(wb *w)
{
	wb_traj *t = traj_state(w);
	double now = ll_now();
	double dt = now - t->last_tick;
	t->last_tick = now;
	if (!t->view.auto_rotate)
		return;
	if (dt > 0.5) /* after a pause, do not jump */
		dt = 0.5;
	ll_view3d_tick(&t->view, dt);
}

static void traj_action(wb *w, int act, int arg)
{
	wb_traj *t = traj_state(w);
	if (act == A_VIEW) {
		ll_view3d_apply(&t->view, arg);
		if (arg == LL_VIEW3D_AUTO)
			t->last_tick = ll_now();
		return;
	}
	if (act == A_SOURCE) {
		int had = cur_set(w) ? t->src : SRC_NONE;
		t->want_step = !t->want_step;
		int now = cur_set(w) ? t->src : SRC_NONE;
		if (now == had) {
			t->want_step = !t->want_step;
			wb_msg(w, 0, "v switches between an RNN's states and the trajectory step's paths: this session has %s",
			       had == SRC_NET ? "no trajectory step results" : had == SRC_STEP ? "no RNN results" : "neither yet");
		}
		return;
	}
	const ll_traj_set *ts = cur_set(w);
	if (!ts) {
		wb_msg(w, 0, "no trajectories yet: run the pipeline first (1, then R)");
		return;
	}
	if (act == A_NET_NEXT || act == A_NET_PREV) {
		const struct ll_res_rnn *rn = cur_rnn(w);
		if (t->src != SRC_NET || !rn) {
			wb_msg(w, 0, "[ and ] choose the network an RNN session shows%s", rn ? " (v shows the networks)" : "");
			return;
		}
		if (rn->nets == 1)
			wb_msg(w, 0, "this session trained one network");
		wb_rnn_net_step(w, rn->nets, act == A_NET_NEXT ? 1 : -1);
		return;
	}
	int n = (int)ts->n_paths;
	switch (act) {
	case A_PATH_NEXT: t->sel = t->sel + 1 >= n ? 0 : t->sel + 1; break;
	case A_PATH_PREV: t->sel = t->sel <= 0 ? n - 1 : t->sel - 1; break;
	case A_PATH_TOGGLE:
		if (t->sel < 0)
			wb_msg(w, 0, "n selects a path first");
		else
			t->hidden[t->sel] = !t->hidden[t->sel];
		break;
	case A_PATH_SOLO:
		if (t->sel < 0) {
			wb_msg(w, 0, "n selects a path first");
			break;
		}
		for (int i = 0; i < n; i++)
			t->hidden[i] = i != t->sel;
		break;
	case A_PATH_ALL: memset(t->hidden, 0, (size_t)n); break;
	default: break;
	}
}

static void traj_init(wb *w, void *state)
{
	wb_traj *t = state;
	ll_view3d_reset(&t->view);
}

static void traj_free(void *state)
{
	wb_traj *t = state;
	net_view_free(&t->nv);
	ll_canvas_free(&t->canvas);
	ll_canvas_text_free(&t->text);
	ll_free(t->hidden);
}

static void colon_view(wb *w, char *args, int force)
{
	wb_traj *t = traj_state(w);
	ll_view3d nv = t->view;
	ll_err err = {0, ""};
	if (ll_view3d_parse(&nv, args, &err) != LL_OK) {
		wb_msg(w, 1, ":view: %s", err.msg);
	} else {
		nv.auto_rotate = 0;
		t->view = nv;
		wb_set_screen(w, WB_SCR_traj);
	}
}

static const wb_key traj_keys[] = {
	{0, {'h', KEY_LEFT}, "h Left", A_VIEW, LL_VIEW3D_AZ_MINUS, NULL, "turn left (azimuth -15)"},
	{0, {'l', KEY_RIGHT}, "l Right", A_VIEW, LL_VIEW3D_AZ_PLUS, "rotate", "turn right (azimuth +15)"},
	{0, {'j', KEY_DOWN}, "j Down", A_VIEW, LL_VIEW3D_EL_MINUS, NULL, "tilt down (elevation -15)"},
	{0, {'k', KEY_UP}, "k Up", A_VIEW, LL_VIEW3D_EL_PLUS, NULL, "tilt up (elevation +15)"},
	{0, {'H'}, "H", A_VIEW, LL_VIEW3D_AZ_MINUS_FINE, NULL, "azimuth -5"},
	{0, {'L'}, "L", A_VIEW, LL_VIEW3D_AZ_PLUS_FINE, NULL, "azimuth +5"},
	{0, {'J'}, "J", A_VIEW, LL_VIEW3D_EL_MINUS_FINE, NULL, "elevation -5"},
	{0, {'K'}, "K", A_VIEW, LL_VIEW3D_EL_PLUS_FINE, NULL, "elevation +5"},
	{0, {'+', '='}, "+ =", A_VIEW, LL_VIEW3D_ZOOM_IN, "zoom", "zoom in (x1.25)"},
	{0, {'-', '_'}, "- _", A_VIEW, LL_VIEW3D_ZOOM_OUT, NULL, "zoom out"},
	{0, {'p'}, "p", A_VIEW, LL_VIEW3D_PERSPECTIVE, NULL, "orthographic / perspective"},
	{0, {'r', '0'}, "r 0", A_VIEW, LL_VIEW3D_RESET, "reset", "reset the view (azimuth 45, elevation 30)"},
	{0, {'a'}, "a", A_VIEW, LL_VIEW3D_AUTO, "spin", "auto-rotate on/off"},
	{0, {'z'}, "z", A_VIEW, LL_VIEW3D_SNAP_XY, NULL, "look along axis 3: the axis 1-2 plane"},
	{0, {'y'}, "y", A_VIEW, LL_VIEW3D_SNAP_XZ, NULL, "look along axis 2: the axis 1-3 plane"},
	{0, {'x'}, "x", A_VIEW, LL_VIEW3D_SNAP_YZ, NULL, "look along axis 1: the axis 2-3 plane"},
	{0, {'n'}, "n", A_PATH_NEXT, 0, "path", "select the next path (drawn on top)"},
	{0, {'N'}, "N", A_PATH_PREV, 0, NULL, "select the previous path"},
	{0, {' '}, "Space", A_PATH_TOGGLE, 0, "show/hide", "show / hide the selected path"},
	{0, {'o'}, "o", A_PATH_SOLO, 0, NULL, "show only the selected path"},
	{0, {'*'}, "*", A_PATH_ALL, 0, NULL, "show every path"},
	{0, {']'}, "]", A_NET_NEXT, 0, NULL, "RNN sessions: the next network (as n on the Dynamics screen)"},
	{0, {'['}, "[", A_NET_PREV, 0, NULL, "RNN sessions: the previous network"},
	{0, {'v'}, "v", A_SOURCE, 0, NULL, "RNN sessions with a trajectory step: its paths / the network's states"},
};

static const wb_cmd traj_cmds[] = {
	{"view", NULL, "az=A el=E zoom=Z proj=ortho|persp", "set the 3-D view", colon_view, 0, NULL},
};

const wb_screen_def wb_screen_traj = {
	.name = "Trajectory",
	.tab = "Traj",
	.id = "trajectory",
	.state_size = sizeof(wb_traj),
	.init = traj_init,
	.free = traj_free,
	.draw = traj_draw,
	.action = traj_action,
	.status = traj_status,
	.tick = traj_tick,
	.keys = traj_keys,
	.nkeys = sizeof traj_keys / sizeof traj_keys[0],
	.cmds = traj_cmds,
	.ncmds = sizeof traj_cmds / sizeof traj_cmds[0],
};

const ll_traj_set *wb_traj_shown(wb *w, const ll_view3d **view, const unsigned char **hidden)
{
	wb_traj *t = traj_state(w);
	const ll_traj_set *ts = cur_set(w);
	*view = &t->view;
	*hidden = ts && t->hidden && t->npaths == ts->n_paths ? t->hidden : NULL;
	return ts;
}
