/*
 * wb_compare.c - the Compare screen: how alike the trained models' hidden
 * layers are (s->res.compare, pipeline/steps/step_compare.h).
 *
 * Left: the models x models matrix of one metric at the last snapshot as
 * a heat map (draw/ll_heat.h): half-block cells, two matrix rows per text
 * row, coloured by the theme's heat ramp; with ASCII glyphs or without
 * colour, the heat map's density ramp instead (ll_theme_heat_halfblock).
 * A colour scale under it gives the range, which is that of the pairs
 * (the diagonal, 1 or 0 by definition, clips to an end).  The selected
 * pair (a, b) -- row a, column b -- sits between '[' and ']' and its model
 * numbers label the row and the column; hjkl or the arrows move it one
 * shown cell.
 *
 * Right: the pair panel, i.e. the two models' learning rates, the pair's
 * value for every metric computed (the one shown marked), the tracked
 * metric over training as a sparkline for the pair beside the mean over
 * all pairs on one scale (a model against itself: against its own first
 * snapshot), and each model's score against the population, with its
 * interval and p-value, when there is one.
 * Under it, the MDS map of the models in braille (draw/ll_canvas.h),
 * each model a small shape of dots whose form and colour give its group
 * (learning rate), the pair joined by a line and labelled 'a' and 'b'.
 * With ASCII glyphs a model is its group's character (o + x # ...) instead.
 *
 * Models are numbered from 0, as in the tensor and the step's files.
 * Nothing is computed here but the drawing.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/ll_heat.h"
#include "draw/ll_spark.h"
#include "pipeline/steps/step_compare.h"
#include "wb/wb.h"

#define PANEL_MIN 30     /* the pair panel's narrowest width */
#define MDS_MIN_ROWS 6   /* rows the MDS map needs (title, canvas, legend) */
#define SEL_COLOR 253    /* canvas colour index of the pair's line and labels */
#define NSHAPES 8        /* point shapes; groups beyond repeat them */

typedef struct wb_compare {
	int metric;            /* ll_metric shown */
	size_t a, b;           /* the selected pair: row a, column b */
	int started;           /* the selection was set up (on the first results) */
	int valid;             /* the selection was checked against the results shown */
	unsigned gen;
	ll_heat_geom geom;     /* of the heat map last drawn, for hjkl */
	int geom_ok;
	ll_heat_text heat;
	ll_canvas canvas;      /* the MDS map */
	ll_canvas_text text;
	ll_canvas glyph;       /* one point shape, for the legend */
	ll_canvas_text gtext;
} wb_compare;

static wb_compare *cmp_state(const wb *w)
{
	return w->state[WB_SCR_compare];
}

enum { A_PAIR_LEFT = WB_A_SCREEN, A_PAIR_RIGHT, A_PAIR_UP, A_PAIR_DOWN, A_METRIC_NEXT, A_METRIC_PREV, A_SWAP };

/* Is metric m shown: computed, with its matrix? */
static int has_metric(const struct ll_res_compare *r, int m)
{
	return m >= 0 && m < LL_NMETRICS && (r->metrics & LL_METRIC_BIT(m)) && r->final[m];
}

/* The results, if they can be read now and hold a matrix; the selection
 * kept within them. */
static const struct ll_res_compare *cur(wb *w)
{
	wb_compare *c = cmp_state(w);
	const struct ll_res_compare *r = wb_results_ready(w, LL_STEP_COMPARE) ? w->s->res.compare : NULL;
	int any = 0;
	for (int m = 0; r && m < LL_NMETRICS; m++)
		any |= has_metric(r, m);
	if (!r || r->models == 0 || !any) {
		c->valid = 0;
		c->geom_ok = 0;
		return NULL;
	}
	if (!c->valid || c->gen != w->gen) {
		/* new results: the pair and the metric stay if they still apply */
		if (!c->started) {
			c->metric = -1;
			c->a = 0;
			c->b = 1;
			c->started = 1;
		}
		if (!has_metric(r, c->metric))
			c->metric = has_metric(r, (int)r->track) ? (int)r->track : -1;
		for (int m = 0; m < LL_NMETRICS && c->metric < 0; m++)
			if (has_metric(r, m))
				c->metric = m;
		c->valid = 1;
		c->gen = w->gen;
		c->geom_ok = 0;
	}
	if (c->a >= r->models)
		c->a = r->models - 1;
	if (c->b >= r->models)
		c->b = r->models - 1;
	return r;
}

static double pair_value(const struct ll_res_compare *r, int m, size_t a, size_t b)
{
	return has_metric(r, m) ? r->final[m][a * r->models + b] : NAN;
}

/* The range of the off-diagonal values of metric m (the pairs); 0 if none. */
static int pair_range(const struct ll_res_compare *r, int m, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t a = 0; a < r->models; a++)
		for (size_t b = 0; b < r->models; b++) {
			double v = r->final[m][a * r->models + b];
			if (a != b && isfinite(v)) {
				*lo = fmin(*lo, v);
				*hi = fmax(*hi, v);
			}
		}
	return *lo <= *hi;
}

static const char *kind_word(int m)
{
	return ll_metric_kind_of((ll_metric)m) == LL_SIMILARITY ? "similarity" : "distance";
}

static void fmt_value(char *buf, size_t n, double v)
{
	if (isfinite(v))
		snprintf(buf, n, "%.4f", v);
	else
		snprintf(buf, n, "n/a");
}

static void draw_empty(wb *w, int y0, int h)
{
	wb_view v;
	wb_view_get(w, &v, NULL);
	char l2[200];
	const char *lines[2] = {"No comparison results yet.", l2};
	if (v.state[LL_STEP_COMPARE] == LL_STATE_RUNNING)
		snprintf(l2, sizeof l2, "The compare step is running; its matrices appear here when it is done.");
	else if (v.state[LL_STEP_COMPARE] == LL_STATE_FAILED)
		snprintf(l2, sizeof l2, "The compare step failed: %.150s", v.status[LL_STEP_COMPARE]);
	else if (v.state[LL_STEP_COMPARE] == LL_STATE_ABSENT)
		snprintf(l2, sizeof l2, "This session has no [compare] step: add one after [train] to compare the models.");
	else
		snprintf(l2, sizeof l2, "Run the compare step: on the Pipeline screen (1), R runs every step, or :run compare.");
	wb_center(w, y0, h, wb_attr(w, LL_ROLE_DEFAULT), lines, 2);
}

/* ---------------------------------------------------------------- heat map */

static int heat_mode(const wb *w)
{
	return ll_theme_heat_halfblock(&w->theme, w->g->utf8) ? LL_HEAT_HALF : LL_HEAT_ASCII;
}

/* A colour-scale cell of heat level k of levels at (y, x). */
static void scale_cell(const wb *w, int y, int x, int k, int levels, int mode)
{
	char ch[2] = {ll_heat_ramp_char(k, levels), '\0'};
	attr_t a = ll_theme_heat_attr(&w->theme, k, -1, levels);
	if (mode == LL_HEAT_HALF)
		wb_put(w, y, x, 1, a, "\u2588"); /* full block in the level's colour */
	else
		wb_put(w, y, x, 1, a, ch);
}

/* text at (y, x) if all of it fits left of column right (ASCII text):
 * 1 if drawn. */
static int put_fit(const wb *w, int y, int x, int right, attr_t a, const char *text)
{
	int n = (int)strlen(text);
	if (x + n > right)
		return 0;
	wb_put(w, y, x, n, a, text);
	return 1;
}

/* A label at x unless it would overlap [bx0, bx1) (another label). */
static int label_fits(int x, int len, int bx0, int bx1)
{
	return x + len < bx0 || x > bx1;
}

/* Where the heat map goes in a box of wd x h cells: a header row (column
 * labels), a gutter (row labels), hw x hh cells of map, then up to four
 * legend rows (a gap, the colour scale, the pair's caret, what the
 * colours mean) when they do not take rows the map needs. */
typedef struct heat_box {
	int gut, hw, hh, legend;
} heat_box;

static int heat_layout(const wb *w, size_t M, int wd, int h, heat_box *b)
{
	int mode = heat_mode(w);
	int need = mode == LL_HEAT_HALF ? (int)((M + 1) / 2) : (int)(M < 4096 ? M : 4096);
	int avail = h - 1, keep = need < avail * 2 / 3 ? need : avail * 2 / 3;
	int spare = avail - keep;
	b->gut = M > 1000 ? 5 : M > 100 ? 4 : 3; /* the widest label and the arrow */
	b->legend = spare >= 4 ? 4 : spare >= 3 ? 3 : spare >= 2 ? 2 : spare > 0 ? 1 : 0;
	int maxw = wd - b->gut - 1, maxh = avail - b->legend;
	if (maxw < 2 || maxh < 1)
		return 0;
	ll_heat_fit(M, M, maxw, maxh, mode, &b->hw, &b->hh);
	return 1;
}

/* The heat map with its labels and colour scale in rows [y0, y0 + h),
 * columns [x0, x0 + wd). */
static void draw_heat(wb *w, const struct ll_res_compare *r, int y0, int x0, int wd, int h)
{
	wb_compare *c = cmp_state(w);
	size_t M = r->models;
	int mode = heat_mode(w), levels = LL_HEAT_DEFAULT_LEVELS;
	char buf[128];
	attr_t ax = wb_attr(w, LL_ROLE_AXIS), as = wb_attr(w, LL_ROLE_TITLE);
	heat_box bx;
	c->geom_ok = 0;
	if (!heat_layout(w, M, wd, h, &bx))
		return;
	int gut = bx.gut, legend = bx.legend, hw = bx.hw, hh = bx.hh;
	double lo, hi;
	ll_heat_opts o = {0};
	o.mode = mode;
	o.sample = LL_HEAT_NEAREST;
	o.levels = levels;
	o.lo = o.hi = NAN;
	int by_pairs = pair_range(r, c->metric, &lo, &hi) && lo < hi;
	if (by_pairs) {
		o.lo = lo;
		o.hi = hi;
	}
	o.select = 1;
	o.sel_i = c->a;
	o.sel_j = c->b;
	o.mark = LL_HEAT_MARK_BRACKETS;
	ll_heat_info info;
	if (ll_heat_geom_init(&c->geom, M, M, hw, hh, mode, NULL) != LL_OK ||
	    ll_heat_render(r->final[c->metric], M, M, hw, hh, &o, &c->heat, &info, NULL) != LL_OK)
		return;
	c->geom_ok = 1;
	int hx = x0 + gut, hy = y0 + 1;
	for (int row = 0; row < c->heat.h; row++) {
		const char *text = ll_heat_text_row(&c->heat, row);
		for (size_t k = c->heat.row_run[row]; k < c->heat.row_run[row + 1]; k++) {
			const ll_heat_run *run = &c->heat.runs[k];
			attrset(run->is_mark ? as : ll_theme_heat_attr(&w->theme, run->fg, run->bg, levels));
			mvaddnstr(hy + row, hx + run->x, text + run->off, (int)run->len);
		}
	}
	/* labels: the selected row and column, and the first and last model
	 * where they do not collide with them */
	int sx, sy, lower;
	ll_heat_pos_of(&c->geom, c->a, c->b, &sx, &sy, &lower);
	snprintf(buf, sizeof buf, "%zu", c->b);
	int bl = (int)strlen(buf);
	wb_put(w, y0, hx + sx, hw - sx + 1, as, buf);
	snprintf(buf, sizeof buf, "0");
	if (label_fits(0, 1, sx, sx + bl))
		wb_put(w, y0, hx, 1, ax, buf);
	snprintf(buf, sizeof buf, "%zu", M - 1);
	int ll = (int)strlen(buf);
	if (M > 1 && label_fits(hw - ll, ll, sx, sx + bl))
		wb_put(w, y0, hx + hw - ll, ll, ax, buf);
	for (int row = 0; row < hh; row++) {
		size_t i;
		if (row == sy) {
			snprintf(buf, sizeof buf, "%*zu", gut - 1, c->a);
			wb_put(w, hy + row, x0, gut - 1, as, buf);
			wb_put(w, hy + row, x0 + gut - 1, 1, as, w->g->arrow);
		} else if ((row == 0 || row == hh - 1) && ll_heat_cell_at(&c->geom, 0, row, row != 0, &i, NULL) == LL_OK) {
			snprintf(buf, sizeof buf, "%*zu", gut - 1, i);
			wb_put(w, hy + row, x0, gut - 1, ax, buf);
		}
	}
	if (!legend)
		return;
	/* the colour scale: lo, one to three cells per level, hi; under it
	 * a caret at the pair's level, then what the colours mean */
	int ly = hy + hh + (legend > 1), right = x0 + wd;
	char slo[32], shi[32];
	snprintf(slo, sizeof slo, "%.3g ", info.lo);
	snprintf(shi, sizeof shi, " %.3g", info.hi);
	int cw = (wd - gut - (int)strlen(slo) - (int)strlen(shi)) / levels;
	cw = cw > 3 ? 3 : cw;
	if (cw < 1)
		return;
	int x = x0 + gut;
	x += wb_put(w, ly, x, wd, ax, slo);
	int scale_x = x;
	for (int k = 0; k < levels; k++)
		for (int j = 0; j < cw; j++)
			scale_cell(w, ly, x++, k, levels, mode);
	x += wb_put(w, ly, x, right - x, ax, shi);
	put_fit(w, ly, x, right, ax, by_pairs ? "  (the pairs' range)" : "  (the matrix's range)");
	if (legend < 3)
		return;
	double v = pair_value(r, c->metric, c->a, c->b);
	int lev = ll_heat_level(v, info.lo, info.hi, levels);
	if (lev >= 0) {
		x = scale_x + lev * cw + (cw - 1) / 2;
		x += wb_put(w, ly + 1, x, 1, as, "^");
		put_fit(w, ly + 1, x, right, ax, " the pair");
	}
	if (legend < 4)
		return;
	int sim = ll_metric_kind_of((ll_metric)c->metric) == LL_SIMILARITY;
	snprintf(buf, sizeof buf, "%s, a %s: %s", ll_metric_name((ll_metric)c->metric), kind_word(c->metric),
		 sim ? "1 = the same" : "0 = the same");
	if (!put_fit(w, ly + 2, x0 + gut, right, ax, buf))
		put_fit(w, ly + 2, x0 + gut, right, ax, kind_word(c->metric));
}

/* ---------------------------------------------------------------- pair panel */

/* A sparkline of v (S values) in sw cells on lo..hi at (y, x). */
static void spark_at(wb *w, int y, int x, int sw, const double *v, size_t S, double lo, double hi)
{
	if (sw < 1)
		return;
	char *sp = ll_malloc(ll_spark_bufsize(sw));
	if (!sp)
		return;
	ll_spark_opts o;
	ll_spark_opts_init(&o);
	o.ascii = !w->g->utf8;
	o.lo = lo;
	o.hi = hi;
	if (ll_spark(v, S, sw, &o, sp, ll_spark_bufsize(sw), NULL, NULL, NULL) == LL_OK)
		wb_put(w, y, x, sw, wb_attr(w, LL_ROLE_SPARK), sp);
	ll_free(sp);
}

static double model_lr(const struct ll_res_compare *r, size_t a)
{
	return r->group && r->group_lr && r->group[a] < r->ngroups ? r->group_lr[r->group[a]] : NAN;
}

/* The pair panel from row y0, at most h rows; returns the rows used. */
static int draw_panel(wb *w, const struct ll_res_compare *r, int y0, int x0, int wd, int h)
{
	wb_compare *c = cmp_state(w);
	size_t a = c->a, b = c->b, S = r->snapshots;
	char buf[200], val[32];
	int y = y0, end = y0 + h;
	attr_t ad = wb_attr(w, LL_ROLE_DEFAULT), ax = wb_attr(w, LL_ROLE_AXIS), at = wb_attr(w, LL_ROLE_TITLE);
	if (a == b)
		snprintf(buf, sizeof buf, "Model %zu with itself", a);
	else
		snprintf(buf, sizeof buf, "Pair: model %zu (row) x model %zu (column)", a, b);
	if (y < end)
		wb_put(w, y++, x0, wd, at, buf);
	if (y < end) {
		double la = model_lr(r, a), lb = model_lr(r, b);
		if (a == b)
			snprintf(buf, sizeof buf, "  learning rate %.4g", la);
		else
			snprintf(buf, sizeof buf, "  learning rates %.4g and %.4g%s", la, lb, la == lb ? " (same group)" : "");
		wb_put(w, y++, x0, wd, ad, buf);
	}
	for (int m = 0; m < LL_NMETRICS && y < end; m++) {
		if (!has_metric(r, m))
			continue;
		int sel = m == c->metric;
		attr_t al = wb_attr(w, sel ? LL_ROLE_SELECTED : LL_ROLE_DEFAULT);
		fmt_value(val, sizeof val, pair_value(r, m, a, b));
		if (sel)
			wb_fill(y, x0, wd, al);
		int x = x0 + wb_put(w, y, x0, wd, al, sel ? w->g->arrow : " ");
		snprintf(buf, sizeof buf, " %-13s %9s", ll_metric_name((ll_metric)m), val);
		x += wb_put(w, y, x, x0 + wd - x, al, buf);
		snprintf(buf, sizeof buf, "  %s", kind_word(m));
		put_fit(w, y++, x, x0 + wd, al, buf);
	}
	/* the tracked metric over training */
	if (r->over && S > 0 && y + 2 < end) {
		const double *v = NULL;
		double *pv = ll_malloc_array(S, sizeof *pv);
		if (!pv)
			return y - y0;
		if (a == b && r->self) {
			v = r->self + a * S;
		} else {
			for (size_t j = 0; j < S; j++)
				pv[j] = ll_res_compare_over(r, a, b, j);
			v = pv;
		}
		double lo = INFINITY, hi = -INFINITY;
		for (size_t j = 0; j < S; j++) {
			if (isfinite(v[j]))
				lo = fmin(lo, v[j]), hi = fmax(hi, v[j]);
			if (r->pair_mean && isfinite(r->pair_mean[j]))
				lo = fmin(lo, r->pair_mean[j]), hi = fmax(hi, r->pair_mean[j]);
		}
		if (!(lo < hi))
			lo = hi = NAN;
		y++;
		snprintf(buf, sizeof buf, "%s over training (steps %d-%d, %zu snapshots)", ll_metric_name(r->track),
			 r->step ? r->step[0] : 0, r->step ? r->step[S - 1] : 0, S);
		wb_put(w, y++, x0, wd, at, buf);
		/* label, sparkline, first and last value (when there is room) */
		int lw = 13, tail = 17, sw = wd - lw - tail;
		if (sw < 8) {
			tail = 0;
			sw = wd - lw;
		}
		if (sw > 60)
			sw = 60;
		char v0[32], v1[32];
		fmt_value(v0, sizeof v0, v[0]);
		fmt_value(v1, sizeof v1, v[S - 1]);
		wb_put(w, y, x0, lw, ad, a == b ? "  vs start" : "  this pair");
		spark_at(w, y, x0 + lw, sw, v, S, lo, hi);
		snprintf(buf, sizeof buf, " %s to %s", v0, v1);
		if (tail)
			wb_put(w, y, x0 + lw + sw, tail, ad, buf);
		y++;
		if (r->pair_mean && y < end) {
			fmt_value(v0, sizeof v0, r->pair_mean[0]);
			fmt_value(v1, sizeof v1, r->pair_mean[S - 1]);
			wb_put(w, y, x0, lw, ax, "  pair mean");
			spark_at(w, y, x0 + lw, sw, r->pair_mean, S, lo, hi);
			snprintf(buf, sizeof buf, " %s to %s", v0, v1);
			if (tail)
				wb_put(w, y, x0 + lw + sw, tail, ax, buf);
			y++;
		}
		if (y < end && isfinite(lo)) {
			snprintf(buf, sizeof buf, "  scale %.3g to %.3g", lo, hi);
			if (r->converged >= 0 && (size_t)r->converged < S && r->step)
				snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "; pairs settle from step %d",
					 r->step[r->converged]);
			wb_put(w, y++, x0, wd, ax, buf);
		}
		ll_free(pv);
	}
	/* against the population: each model's score, interval and p-value */
	if (r->has_population && r->pop.score && y + 2 < end) {
		int m = c->metric;
		y++;
		snprintf(buf, sizeof buf, "vs the population (%zu conditions), %s:", r->pop.n, ll_metric_name((ll_metric)m));
		wb_put(w, y++, x0, wd, at, buf);
		for (int t = 0; t < (a == b ? 1 : 2) && y < end; t++) {
			size_t i = t ? b : a;
			const ll_compare_result *sc = &r->pop.score[i];
			int ok = (sc->metrics & LL_METRIC_BIT(m)) != 0;
			const ll_metric_value *mv = &sc->v[m];
			fmt_value(val, sizeof val, ok ? mv->value : NAN);
			int n = snprintf(buf, sizeof buf, "  model %-3zu %9s", i, val);
			if (ok && isfinite(mv->ci_lo) && isfinite(mv->ci_hi))
				n += snprintf(buf + n, sizeof buf - (size_t)n, "  [%.3f, %.3f]", mv->ci_lo, mv->ci_hi);
			if (ok && isfinite(mv->pvalue))
				snprintf(buf + n, sizeof buf - (size_t)n, "  p %.3g", mv->pvalue);
			else if (!ok && (r->pop.skipped & LL_METRIC_BIT(m)))
				snprintf(buf + n, sizeof buf - (size_t)n, "  (not scored: too few conditions)");
			wb_put(w, y++, x0, wd, ad, buf);
		}
	}
	return y - y0;
}

/* ---------------------------------------------------------------- MDS map */

/* Point shapes, as dot offsets from the point (up to 9, x then y). */
static const signed char shapes[NSHAPES][9][2] = {
	{{0, 0}, {1, 0}, {0, 1}, {1, 1}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}},     /* square */
	{{0, 0}, {-1, 0}, {1, 0}, {0, -1}, {0, 1}, {0, 0}, {0, 0}, {0, 0}, {0, 0}},   /* plus */
	{{0, 0}, {-1, -1}, {1, 1}, {-1, 1}, {1, -1}, {0, 0}, {0, 0}, {0, 0}, {0, 0}}, /* cross */
	{{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}, {-1, -1}}, /* ring */
	{{0, -1}, {0, 0}, {0, 1}, {0, 2}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}},    /* bar */
	{{-1, 0}, {0, 0}, {1, 0}, {2, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}},    /* dash */
	{{0, -1}, {-1, 0}, {1, 0}, {0, 1}, {0, -1}, {0, 0}, {0, 0}, {0, 0}, {0, 0}},  /* diamond */
	{{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {0, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}}, /* block */
};
/* The same groups with ASCII glyphs: one character per model. */
static const char shape_ascii[NSHAPES + 1] = "o+x#|-*@";

static void draw_point(ll_canvas *cv, int px, int py, size_t g, int ascii)
{
	int col = (int)(g % LL_CANVAS_MAX_COLOR);
	if (ascii) {
		ll_canvas_mark(cv, px / 2, py / 4, shape_ascii[g % NSHAPES], col);
		return;
	}
	for (int k = 0; k < 9; k++)
		ll_canvas_dot(cv, px + shapes[g % NSHAPES][k][0], py + shapes[g % NSHAPES][k][1], col);
}

static attr_t map_attr(const wb *w, int color, int level)
{
	if (color == SEL_COLOR)
		return wb_attr(w, LL_ROLE_TITLE);
	return ll_theme_cell_attr(&w->theme, color, level);
}

/* The text of group g's legend item into buf (after its glyph, gw
 * cells); returns the item's width in cells, glyph included. */
static int legend_item(const struct ll_res_compare *r, size_t g, int gw, char *buf, size_t n)
{
	char tmp[64];
	size_t cnt = 0;
	for (size_t i = 0; i < r->models; i++)
		cnt += r->group && r->group[i] == g;
	int len = snprintf(tmp, sizeof tmp, " lr %.3g (%zu)  ", r->group_lr ? r->group_lr[g] : NAN, cnt);
	if (buf)
		snprintf(buf, n, "%s", tmp);
	return gw + len;
}

/* The MDS map in rows [y0, y0 + h), columns [x0, x0 + wd). */
static void draw_mds(wb *w, const struct ll_res_compare *r, int y0, int x0, int wd, int h)
{
	wb_compare *c = cmp_state(w);
	const ll_mds_result *md = &r->mds;
	size_t M = r->models;
	char buf[200];
	attr_t ax = wb_attr(w, LL_ROLE_AXIS);
	int ascii = !w->g->utf8;
	if (!md->coords || md->n != M || md->k < 1) {
		wb_put(w, y0, x0, wd, ax, "No MDS map in these results.");
		return;
	}
	snprintf(buf, sizeof buf, "MDS of %s distances (%s, stress %.3f)", ll_metric_name(r->mds_metric),
		 ll_mds_method_name(md->used), md->stress);
	if (!put_fit(w, y0, x0, x0 + wd, wb_attr(w, LL_ROLE_TITLE), buf)) {
		snprintf(buf, sizeof buf, "MDS of %s, stress %.3f", ll_metric_name(r->mds_metric), md->stress);
		wb_put(w, y0, x0, wd, wb_attr(w, LL_ROLE_TITLE), buf);
	}
	/* legend rows: the groups' items wrapped, then "a-b: the pair" */
	int legend_rows = 1;
	{
		int x = 0;
		for (size_t g = 0; g < r->ngroups; g++) {
			int iw = legend_item(r, g, ascii ? 1 : 2, NULL, 0);
			if (x && x + iw > wd)
				legend_rows++, x = 0;
			x += iw;
		}
		if (x && x + 13 > wd)
			legend_rows++;
		if (legend_rows > 3)
			legend_rows = 3;
	}
	int cw = wd, ch = h - 1 - legend_rows;
	if (cw < 4 || ch < 2)
		return;
	if (c->canvas.w != cw || c->canvas.h != ch) {
		ll_canvas_free(&c->canvas);
		if (ll_canvas_init(&c->canvas, cw, ch, w->g->canvas_mode, NULL) != LL_OK)
			return;
	}
	c->canvas.mode = w->g->canvas_mode;
	ll_canvas_clear(&c->canvas);
	/* one scale for both axes, centred, a margin for the shapes and labels */
	size_t k = md->k;
	double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
	for (size_t i = 0; i < M; i++) {
		double px = md->coords[i * k], py = k > 1 ? md->coords[i * k + 1] : 0;
		if (!isfinite(px) || !isfinite(py))
			continue;
		xmin = fmin(xmin, px), xmax = fmax(xmax, px);
		ymin = fmin(ymin, py), ymax = fmax(ymax, py);
	}
	if (!(xmin <= xmax))
		return;
	int dw = ll_canvas_dot_w(&c->canvas), dh = ll_canvas_dot_h(&c->canvas), margin = 4;
	double sx = (xmax - xmin) / (dw - 2 * margin), sy = (ymax - ymin) / (dh - 2 * margin);
	double s = fmax(sx, sy);
	if (!(s > 0))
		s = 1;
	double cx = (xmin + xmax) / 2, cy = (ymin + ymax) / 2;
	int *px = ll_malloc_array(M, sizeof *px), *py = ll_malloc_array(M, sizeof *py);
	if (!px || !py) {
		ll_free(px);
		ll_free(py);
		return;
	}
	for (size_t i = 0; i < M; i++) {
		double x = md->coords[i * k], y = k > 1 ? md->coords[i * k + 1] : 0;
		px[i] = isfinite(x) ? (int)lround(dw / 2.0 + (x - cx) / s) : -1000;
		py[i] = isfinite(y) ? (int)lround(dh / 2.0 - (y - cy) / s) : -1000;
	}
	size_t a = c->a, b = c->b;
	if (a != b)
		ll_canvas_line(&c->canvas, px[a], py[a], px[b], py[b], SEL_COLOR);
	for (size_t i = 0; i < M; i++)
		draw_point(&c->canvas, px[i], py[i], r->group && r->group[i] < r->ngroups ? r->group[i] : 0, ascii);
	/* labels beside the pair's points: 'a' the row model, 'b' the column */
	for (int t = 0; t < (a == b ? 1 : 2); t++) {
		size_t i = t ? b : a;
		int lx = px[i] / 2 + 2, ly = py[i] / 4;
		if (lx >= cw)
			lx = px[i] / 2 - 2;
		ll_canvas_mark(&c->canvas, lx, ly, t ? 'b' : 'a', SEL_COLOR);
	}
	ll_free(px);
	ll_free(py);
	if (ll_canvas_render(&c->canvas, &c->text, NULL) == LL_OK)
		wb_draw_canvas(&c->text, y0 + 1, x0, map_attr, w);
	/* legend: each group's shape and learning rate, then the labels */
	int y = y0 + 1 + ch, x = x0, right = x0 + wd;
	for (size_t g = 0; g < r->ngroups; g++) {
		int iw = legend_item(r, g, ascii ? 1 : 2, buf, sizeof buf);
		if (x > x0 && x + iw > right) {
			if (++y >= y0 + h)
				return;
			x = x0;
		}
		attr_t ag = ll_theme_cell_attr(&w->theme, (int)(g % LL_CANVAS_MAX_COLOR), LL_CANVAS_LEVEL_FLAT);
		if (ascii) {
			char s1[2] = {shape_ascii[g % NSHAPES], '\0'};
			wb_put(w, y, x, right - x, ag, s1);
		} else {
			if (c->glyph.w != 2 || c->glyph.h != 1) {
				ll_canvas_free(&c->glyph);
				if (ll_canvas_init(&c->glyph, 2, 1, LL_CANVAS_UTF8, NULL) != LL_OK)
					return;
			}
			ll_canvas_clear(&c->glyph);
			draw_point(&c->glyph, 1, 1, g, 0);
			if (ll_canvas_render(&c->glyph, &c->gtext, NULL) == LL_OK)
				wb_put(w, y, x, right - x, ag, ll_canvas_text_row(&c->gtext, 0));
		}
		x += ascii ? 1 : 2;
		x += wb_put(w, y, x, right - x, ax, buf);
	}
	const char *pl = a == b ? "a: the model" : "a-b: the pair";
	if (x > x0 && x + (int)strlen(pl) > right) {
		if (++y >= y0 + h)
			return;
		x = x0;
	}
	wb_put(w, y, x, right - x, ax, pl);
}

/* ---------------------------------------------------------------- screen */

static void cmp_draw(wb *w, int y0, int h)
{
	wb_compare *c = cmp_state(w);
	const struct ll_res_compare *r = cur(w);
	if (!r) {
		draw_empty(w, y0, h);
		return;
	}
	char buf[300], val[32];
	int nm = 0, im = 0;
	for (int m = 0; m < LL_NMETRICS; m++)
		if (has_metric(r, m)) {
			if (m == c->metric)
				im = nm;
			nm++;
		}
	fmt_value(val, sizeof val, pair_value(r, c->metric, c->a, c->b));
	snprintf(buf, sizeof buf, "%s (%d of %d)  |  pair (%zu, %zu) %s  |  %zu models at step %d  |  %zu %s x %zu units",
		 ll_metric_name((ll_metric)c->metric), im + 1, nm, c->a, c->b, val, r->models,
		 r->step && r->snapshots ? r->step[r->snapshots - 1] : 0, r->n,
		 r->conditions == LL_CMP_PROBE ? "probe images" : "digits", r->units);
	wb_put(w, y0, 1, w->cols - 2, wb_attr(w, LL_ROLE_TITLE), buf);
	int bh = h - 1, by = y0 + 1;
	if (bh < 2)
		return;
	/* the heat map takes the width it can use, the pair panel (and under
	 * it the MDS map) the rest, if that is at least PANEL_MIN */
	int lw = w->cols;
	heat_box hb;
	if (w->cols >= PANEL_MIN + 34 && heat_layout(w, r->models, w->cols - PANEL_MIN - 1, bh, &hb)) {
		lw = hb.gut + hb.hw + 2;
		if (lw < 34)
			lw = 34; /* room for the colour scale */
	}
	draw_heat(w, r, by, 0, lw, bh);
	if (lw >= w->cols)
		return;
	for (int y = 0; y < bh; y++)
		wb_put(w, by + y, lw, 1, wb_attr(w, LL_ROLE_BORDER), w->g->vline);
	int px = lw + 2, pw = w->cols - px - 1;
	int used = draw_panel(w, r, by, px, pw, bh);
	int my = by + used + 1, mh = by + bh - my;
	if (mh >= MDS_MIN_ROWS && pw >= 20)
		draw_mds(w, r, my, px, pw, mh);
	else if (mh >= 1)
		put_fit(w, my, px, px + pw, wb_attr(w, LL_ROLE_AXIS), "(the MDS map needs a larger terminal)");
}

static void cmp_status(wb *w, char *buf, size_t n)
{
	wb_compare *c = cmp_state(w);
	const struct ll_res_compare *r = cur(w);
	if (!r) {
		wb_view v;
		wb_view_get(w, &v, NULL);
		snprintf(buf, n, v.state[LL_STEP_COMPARE] == LL_STATE_ABSENT ? "this session has no [compare] step"
									   : "no comparison results yet: run the compare step");
		return;
	}
	char val[32];
	fmt_value(val, sizeof val, pair_value(r, c->metric, c->a, c->b));
	double la = model_lr(r, c->a), lb = model_lr(r, c->b);
	snprintf(buf, n, "pair (%zu, %zu): %s %s (%s)  |  learning rates %.4g, %.4g  |  hjkl move, m metric",
		 c->a, c->b, ll_metric_name((ll_metric)c->metric), val, kind_word(c->metric), la, lb);
}

static void no_results(wb *w)
{
	wb_msg(w, 0, "no comparison results yet: run the compare step (1, then R; or :run compare)");
}

/* Move the pair by di rows and dj columns of shown cells. */
static void move_pair(wb *w, const struct ll_res_compare *r, int di, int dj)
{
	wb_compare *c = cmp_state(w);
	if (c->geom_ok && c->geom.rows == r->models) {
		ll_heat_step(&c->geom, &c->a, &c->b, di, dj);
		return;
	}
	long a = (long)c->a + di, b = (long)c->b + dj, top = (long)r->models - 1;
	c->a = (size_t)(a < 0 ? 0 : a > top ? top : a);
	c->b = (size_t)(b < 0 ? 0 : b > top ? top : b);
}

static void cycle_metric(wb *w, const struct ll_res_compare *r, int dir)
{
	wb_compare *c = cmp_state(w);
	for (int k = 1; k <= LL_NMETRICS; k++) {
		int m = ((c->metric + dir * k) % LL_NMETRICS + LL_NMETRICS) % LL_NMETRICS;
		if (has_metric(r, m)) {
			if (m == c->metric)
				wb_msg(w, 0, "%s is the only metric computed ([compare] metrics)", ll_metric_name((ll_metric)m));
			c->metric = m;
			return;
		}
	}
}

static void cmp_action(wb *w, int act, int arg)
{
	(void)arg;
	wb_compare *c = cmp_state(w);
	const struct ll_res_compare *r = cur(w);
	if (!r) {
		if (act != WB_A_BACK)
			no_results(w);
		return;
	}
	switch (act) {
	case A_PAIR_LEFT: move_pair(w, r, 0, -1); break;
	case A_PAIR_RIGHT: move_pair(w, r, 0, 1); break;
	case A_PAIR_UP: move_pair(w, r, -1, 0); break;
	case A_PAIR_DOWN: move_pair(w, r, 1, 0); break;
	case A_METRIC_NEXT: cycle_metric(w, r, 1); break;
	case A_METRIC_PREV: cycle_metric(w, r, -1); break;
	case A_SWAP: {
		size_t t = c->a;
		c->a = c->b;
		c->b = t;
		break;
	}
	default: break;
	}
}

static void cmp_free(void *state)
{
	wb_compare *c = state;
	ll_heat_text_free(&c->heat);
	ll_canvas_free(&c->canvas);
	ll_canvas_text_free(&c->text);
	ll_canvas_free(&c->glyph);
	ll_canvas_text_free(&c->gtext);
}

static void colon_metric(wb *w, char *args, int force)
{
	(void)force;
	const struct ll_res_compare *r = cur(w);
	if (!r) {
		no_results(w);
		return;
	}
	int m = ll_metric_parse(args);
	if (m < 0 || !has_metric(r, m)) {
		char names[256] = "";
		for (int k = 0; k < LL_NMETRICS; k++)
			if (has_metric(r, k)) {
				size_t l = strlen(names);
				snprintf(names + l, sizeof names - l, "%s%s", l ? ", " : "", ll_metric_name((ll_metric)k));
			}
		wb_msg(w, 1, m < 0 ? ":metric: no metric '%s' (computed: %s)" : ":metric: %s was not computed (computed: %s)",
		       args, names);
		return;
	}
	cmp_state(w)->metric = m;
	wb_log(w, "> :metric %s", ll_metric_name((ll_metric)m));
	wb_set_screen(w, WB_SCR_compare);
}

static void colon_pair(wb *w, char *args, int force)
{
	(void)force;
	const struct ll_res_compare *r = cur(w);
	if (!r) {
		no_results(w);
		return;
	}
	char *sp = args + strcspn(args, " \t,");
	long a, b;
	if (*sp)
		*sp++ = '\0';
	sp += strspn(sp, " \t,");
	if (!wb_parse_long(args, &a) || !wb_parse_long(sp, &b)) {
		wb_msg(w, 1, ":pair needs two model numbers (0-%zu)", r->models - 1);
		return;
	}
	if (a < 0 || b < 0 || (size_t)a >= r->models || (size_t)b >= r->models) {
		wb_msg(w, 1, ":pair: models are numbered 0-%zu", r->models - 1);
		return;
	}
	cmp_state(w)->a = (size_t)a;
	cmp_state(w)->b = (size_t)b;
	wb_log(w, "> :pair %ld %ld", a, b);
	wb_set_screen(w, WB_SCR_compare);
}

static const wb_key cmp_keys[] = {
	{0, {'h', KEY_LEFT}, "h Left", A_PAIR_LEFT, 0, NULL, "previous column: the pair's second model"},
	{0, {'l', KEY_RIGHT}, "l Right", A_PAIR_RIGHT, 0, "pair", "next column: the pair's second model"},
	{0, {'k', KEY_UP}, "k Up", A_PAIR_UP, 0, NULL, "previous row: the pair's first model"},
	{0, {'j', KEY_DOWN}, "j Down", A_PAIR_DOWN, 0, NULL, "next row: the pair's first model"},
	{0, {'m'}, "m", A_METRIC_NEXT, 0, "metric", "next metric (of those computed)"},
	{0, {'M'}, "M", A_METRIC_PREV, 0, NULL, "previous metric"},
	{0, {'t'}, "t", A_SWAP, 0, NULL, "swap the pair's models (transpose)"},
};

static const wb_cmd cmp_cmds[] = {
	{"metric", NULL, "NAME", "show metric NAME on the Compare screen (cka, cca, ...)", colon_metric, 0, NULL},
	{"pair", NULL, "A B", "select models A and B (from 0) on the Compare screen", colon_pair, 0, NULL},
};

const wb_screen_def wb_screen_compare = {
	.name = "Compare",
	.tab = "Cmp",
	.id = "compare",
	.state_size = sizeof(wb_compare),
	.free = cmp_free,
	.draw = cmp_draw,
	.action = cmp_action,
	.status = cmp_status,
	.keys = cmp_keys,
	.nkeys = sizeof cmp_keys / sizeof cmp_keys[0],
	.cmds = cmp_cmds,
	.ncmds = sizeof cmp_cmds / sizeof cmp_cmds[0],
};
