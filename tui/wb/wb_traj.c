/*
 * wb_traj.c - the Trajectory screen: the session's 3-D paths (s->res.traj)
 * projected onto a braille canvas (ll_view3d.h), one series colour per path,
 * nearer cells brighter, 'o' at each start and 'x' at each end, an axis
 * triad labelled 1-2-3; a legend lists the paths (n/N select, Space shows
 * or hides) and the axes.  Auto-rotation advances with the loop's clock.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/ll_view3d.h"
#include "pca/ll_traj.h"
#include "pipeline/steps/step_traj.h"
#include "wb/wb.h"

#define AXES_COLOR 254 /* canvas colour index of the axis triad */
#define LEGEND_W 26

typedef struct wb_traj {
	ll_view3d view;
	ll_canvas canvas;
	ll_canvas_text text;
	unsigned char *hidden; /* per path (owned) */
	size_t npaths;
	int sel;               /* selected path (highlighted, toggled by space) */
	int valid;
	unsigned gen;
	double last_tick;
} wb_traj;

static wb_traj *traj_state(const wb *w)
{
	return w->state[WB_SCR_traj];
}

/* A_VIEW's arg is the ll_view3d action. */
enum { A_VIEW = WB_A_SCREEN, A_PATH_NEXT, A_PATH_PREV, A_PATH_TOGGLE, A_PATH_SOLO, A_PATH_ALL };

static const ll_traj_set *cur_set(wb *w)
{
	wb_traj *t = traj_state(w);
	const ll_traj_set *ts = wb_results_ready(w, LL_STEP_TRAJ) && w->s->res.traj ? &w->s->res.traj->ts : NULL;
	if (!ts || ts->n_paths == 0 || ts->n_points == 0) {
		t->valid = 0;
		return NULL;
	}
	if (!t->valid || t->gen != w->gen || t->npaths != ts->n_paths) {
		unsigned char *h = ll_calloc(ts->n_paths, 1);
		if (!h)
			return NULL;
		ll_free(t->hidden);
		t->hidden = h;
		t->npaths = ts->n_paths;
		t->sel = -1;
		t->valid = 1;
		t->gen = w->gen;
	}
	return ts;
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
	int naxes = 3, rows_paths = h - naxes - 2;
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
	y = y0 + h - naxes - 1;
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
	snprintf(buf, sizeof buf, "%zu paths x %zu points from %s  |  %zu shown%s", ts->n_paths, ts->n_points,
		 ts->source, shown, t->view.auto_rotate ? "  |  auto-rotating (a stops)" : "");
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
	ll_view3d_paths_init(&ps, ts->xyz, ts->n_paths, ts->n_points);
	ps.hidden = t->hidden;
	ps.highlight = t->sel;
	ps.markers = 1;
	ps.axes = 1;
	ps.axes_color = AXES_COLOR;
	ps.axis_labels = "123";
	if (ll_view3d_render(&t->canvas, &t->view, &ps, NULL, NULL) == LL_OK &&
	    ll_canvas_render(&t->canvas, &t->text, NULL) == LL_OK)
		wb_draw_canvas(&t->text, y0 + 1, 0, traj_attr, w);
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
	char v[96];
	/* for reading (ll_view3d_format keeps full precision for :view) */
	snprintf(v, sizeof v, "az=%.0f el=%.0f zoom=%.3g proj=%s", t->view.azimuth, t->view.elevation,
		 t->view.zoom, t->view.perspective ? "persp" : "ortho");
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
	const ll_traj_set *ts = cur_set(w);
	if (!ts) {
		wb_msg(w, 0, "no trajectories yet: run the pipeline first (1, then R)");
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
