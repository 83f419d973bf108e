/*
 * wb_plot.c - drawing pieces that screens share (wb.h): the heat map of a
 * square matrix with a selected pair and its colour scale (Compare, DSA),
 * point shapes and the MDS map of points by group (Compare, DSA), the
 * complex plane with the unit circle for eigenvalues (Dynamics, DSA),
 * sparklines with a marked value (Compare, Spectrum) and a log-log plot
 * with a power-law line (Spectrum).  Each draws what it is given; nothing
 * is computed here but the drawing (and a plot's scales).
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/ll_heat.h"
#include "draw/ll_spark.h"
#include "wb/wb.h"

#define SEL_COLOR 253 /* canvas colour index of the pair's line and labels on a map */

/* c sized cw x ch cells (made anew when its size changed), in the glyph
 * set's mode, cleared; 0 if it cannot be made. */
static int canvas_ready(const wb *w, ll_canvas *c, int cw, int ch)
{
	if (c->w != cw || c->h != ch) {
		ll_canvas_free(c);
		if (ll_canvas_init(c, cw, ch, w->g->canvas_mode, NULL) != LL_OK)
			return 0;
	}
	c->mode = w->g->canvas_mode;
	ll_canvas_clear(c);
	return 1;
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

/* A label at x unless it would overlap [bx0, bx1) (another label). */
static int label_fits(int x, int len, int bx0, int bx1)
{
	return x + len < bx0 || x > bx1;
}

/* The range of the off-diagonal finite values of z (the pairs); 0 if none. */
static int pair_range(const double *z, size_t n, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n; b++) {
			double v = z[a * n + b];
			if (a != b && isfinite(v)) {
				*lo = fmin(*lo, v);
				*hi = fmax(*hi, v);
			}
		}
	return *lo <= *hi;
}

/* Where the heat map goes in a box of wd x h cells: a header row (column
 * labels), a gutter (row labels), hw x hh cells of map, then up to four
 * legend rows (a gap, the colour scale, the pair's caret, what the
 * colours mean) when they do not take rows the map needs. */
typedef struct heat_box {
	int gut, hw, hh, legend;
} heat_box;

static int heat_layout(const wb *w, size_t n, int wd, int h, heat_box *b)
{
	int mode = heat_mode(w);
	int need = mode == LL_HEAT_HALF ? (int)((n + 1) / 2) : (int)(n < 4096 ? n : 4096);
	int avail = h - 1, keep = need < avail * 2 / 3 ? need : avail * 2 / 3;
	int spare = avail - keep;
	b->gut = n > 1000 ? 5 : n > 100 ? 4 : 3; /* the widest label and the arrow */
	b->legend = spare >= 4 ? 4 : spare >= 3 ? 3 : spare >= 2 ? 2 : spare > 0 ? 1 : 0;
	int maxw = wd - b->gut - 1, maxh = avail - b->legend;
	if (maxw < 2 || maxh < 1)
		return 0;
	ll_heat_fit(n, n, maxw, maxh, mode, &b->hw, &b->hh);
	return 1;
}

int wb_heat_split(const wb *w, size_t n, int y0, int h, int panel_min)
{
	heat_box hb;
	if (w->cols < panel_min + 34 || !heat_layout(w, n, w->cols - panel_min - 1, h, &hb))
		return w->cols;
	int lw = hb.gut + hb.hw + 2;
	if (lw < 34)
		lw = 34; /* room for the colour scale */
	for (int y = 0; y < h; y++)
		wb_put(w, y0 + y, lw, 1, wb_attr(w, LL_ROLE_BORDER), w->g->vline);
	return lw;
}

void wb_fmt_value(char *buf, size_t n, double v)
{
	if (isfinite(v))
		snprintf(buf, n, "%.4f", v);
	else
		snprintf(buf, n, "n/a");
}

void wb_heat_draw(wb *w, wb_heatmap *m, const wb_heat_spec *sp, int y0, int x0, int wd, int h)
{
	size_t n = sp->n, a = sp->a, b = sp->b;
	int mode = heat_mode(w), levels = LL_HEAT_DEFAULT_LEVELS;
	char buf[128];
	attr_t ax = wb_attr(w, LL_ROLE_AXIS), as = wb_attr(w, LL_ROLE_TITLE);
	heat_box bx;
	m->geom_ok = 0;
	if (n == 0 || a >= n || b >= n || !heat_layout(w, n, wd, h, &bx))
		return;
	int gut = bx.gut, legend = bx.legend, hw = bx.hw, hh = bx.hh;
	double lo, hi;
	ll_heat_opts o = {0};
	o.mode = mode;
	o.sample = LL_HEAT_NEAREST;
	o.levels = levels;
	o.lo = o.hi = NAN;
	int by_pairs = pair_range(sp->z, n, &lo, &hi) && lo < hi;
	if (by_pairs) {
		o.lo = lo;
		o.hi = hi;
	}
	o.select = 1;
	o.sel_i = a;
	o.sel_j = b;
	o.mark = LL_HEAT_MARK_BRACKETS;
	ll_heat_info info;
	if (ll_heat_geom_init(&m->geom, n, n, hw, hh, mode, NULL) != LL_OK ||
	    ll_heat_render(sp->z, n, n, hw, hh, &o, &m->text, &info, NULL) != LL_OK)
		return;
	m->geom_ok = 1;
	int hx = x0 + gut, hy = y0 + 1;
	for (int row = 0; row < m->text.h; row++) {
		const char *text = ll_heat_text_row(&m->text, row);
		for (size_t k = m->text.row_run[row]; k < m->text.row_run[row + 1]; k++) {
			const ll_heat_run *run = &m->text.runs[k];
			attrset(run->is_mark ? as : ll_theme_heat_attr(&w->theme, run->fg, run->bg, levels));
			mvaddnstr(hy + row, hx + run->x, text + run->off, (int)run->len);
		}
	}
	/* labels: the selected row and column, and the first and last index
	 * where they do not collide with them */
	int sx, sy, lower;
	ll_heat_pos_of(&m->geom, a, b, &sx, &sy, &lower);
	snprintf(buf, sizeof buf, "%zu", b);
	int bl = (int)strlen(buf);
	wb_put(w, y0, hx + sx, hw - sx + 1, as, buf);
	if (b != 0 && label_fits(0, 1, sx, sx + bl))
		wb_put(w, y0, hx, 1, ax, "0");
	snprintf(buf, sizeof buf, "%zu", n - 1);
	int ll = (int)strlen(buf);
	if (b != n - 1 && label_fits(hw - ll, ll, sx, sx + bl))
		wb_put(w, y0, hx + hw - ll, ll, ax, buf);
	for (int row = 0; row < hh; row++) {
		size_t i;
		if (row == sy) {
			snprintf(buf, sizeof buf, "%*zu", gut - 1, a);
			wb_put(w, hy + row, x0, gut - 1, as, buf);
			wb_put(w, hy + row, x0 + gut - 1, 1, as, w->g->arrow);
		} else if ((row == 0 || row == hh - 1) && ll_heat_cell_at(&m->geom, 0, row, row != 0, &i, NULL) == LL_OK &&
			   i != a) {
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
	wb_put_fit(w, ly, x, right, ax, by_pairs ? "  (the pairs' range)" : "  (the matrix's range)");
	if (legend < 3)
		return;
	int lev = ll_heat_level(sp->z[a * n + b], info.lo, info.hi, levels);
	if (lev >= 0) {
		x = scale_x + lev * cw + (cw - 1) / 2;
		x += wb_put(w, ly + 1, x, 1, as, "^");
		wb_put_fit(w, ly + 1, x, right, ax, " the pair");
	}
	if (legend >= 4 && sp->what && !wb_put_fit(w, ly + 2, x0 + gut, right, ax, sp->what) && sp->what_short)
		wb_put_fit(w, ly + 2, x0 + gut, right, ax, sp->what_short);
}

void wb_heat_move(wb_heatmap *m, size_t n, size_t *a, size_t *b, int di, int dj)
{
	if (n == 0)
		return;
	if (m->geom_ok && m->geom.rows == n) {
		ll_heat_step(&m->geom, a, b, di, dj);
		return;
	}
	long ia = (long)*a + di, ib = (long)*b + dj, top = (long)n - 1;
	*a = (size_t)(ia < 0 ? 0 : ia > top ? top : ia);
	*b = (size_t)(ib < 0 ? 0 : ib > top ? top : ib);
}

void wb_heatmap_free(wb_heatmap *m)
{
	ll_heat_text_free(&m->text);
	m->geom_ok = 0;
}

/* ---------------------------------------------------------------- shapes */

/* Point shapes, as dot offsets from the point (up to 9, x then y). */
static const signed char shapes[WB_NSHAPES][9][2] = {
	{{0, 0}, {1, 0}, {0, 1}, {1, 1}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}},     /* square */
	{{0, 0}, {-1, 0}, {1, 0}, {0, -1}, {0, 1}, {0, 0}, {0, 0}, {0, 0}, {0, 0}},   /* plus */
	{{0, 0}, {-1, -1}, {1, 1}, {-1, 1}, {1, -1}, {0, 0}, {0, 0}, {0, 0}, {0, 0}}, /* cross */
	{{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}, {-1, -1}}, /* ring */
	{{0, -1}, {0, 0}, {0, 1}, {0, 2}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}},    /* bar */
	{{-1, 0}, {0, 0}, {1, 0}, {2, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}},    /* dash */
	{{0, -1}, {-1, 0}, {1, 0}, {0, 1}, {0, -1}, {0, 0}, {0, 0}, {0, 0}, {0, 0}},  /* diamond */
	{{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {0, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}}, /* block */
};
/* The same with ASCII glyphs: one character per point. */
static const char shape_ascii[WB_NSHAPES + 1] = "o+x#|-*@";

void wb_shape_dots(ll_canvas *cv, int px, int py, size_t shape, int color)
{
	for (int k = 0; k < 9; k++)
		ll_canvas_dot(cv, px + shapes[shape % WB_NSHAPES][k][0], py + shapes[shape % WB_NSHAPES][k][1], color);
}

char wb_shape_char(size_t shape)
{
	return shape_ascii[shape % WB_NSHAPES];
}

int wb_glyph_put(wb *w, wb_glyph *gl, int y, int x, int right, attr_t a, size_t shape, char ascii)
{
	if (!w->g->utf8) {
		char s1[2] = {ascii ? ascii : wb_shape_char(shape), '\0'};
		return wb_put_fit(w, y, x, right, a, s1);
	}
	if (x + 2 > right)
		return 0;
	if (gl->cv.w != 2 || gl->cv.h != 1) {
		ll_canvas_free(&gl->cv);
		if (ll_canvas_init(&gl->cv, 2, 1, LL_CANVAS_UTF8, NULL) != LL_OK)
			return 0;
	}
	ll_canvas_clear(&gl->cv);
	wb_shape_dots(&gl->cv, 1, 1, shape, 0);
	if (ll_canvas_render(&gl->cv, &gl->text, NULL) != LL_OK)
		return 0;
	return wb_put(w, y, x, 2, a, ll_canvas_text_row(&gl->text, 0));
}

void wb_glyph_free(wb_glyph *gl)
{
	ll_canvas_free(&gl->cv);
	ll_canvas_text_free(&gl->text);
}

/* ---------------------------------------------------------------- MDS map */

static void map_point(ll_canvas *cv, int px, int py, size_t g, int ascii)
{
	int col = (int)(g % LL_CANVAS_MAX_COLOR);
	if (ascii)
		ll_canvas_mark(cv, px / 2, py / 4, wb_shape_char(g), col);
	else
		wb_shape_dots(cv, px, py, g, col);
}

static attr_t map_attr(const wb *w, int color, int level)
{
	if (color == SEL_COLOR)
		return wb_attr(w, LL_ROLE_TITLE);
	return ll_theme_cell_attr(&w->theme, color, level);
}

static size_t group_of(const wb_mds_spec *sp, size_t i)
{
	return sp->group && sp->group[i] < sp->ngroups ? sp->group[i] : 0;
}

static int finite_point(const wb_mds_spec *sp, size_t i)
{
	return isfinite(sp->coords[i * sp->k]) && (sp->k < 2 || isfinite(sp->coords[i * sp->k + 1]));
}

/* The text of group g's legend item into buf (after its glyph, gw
 * cells); returns the item's width in cells, glyph included. */
static int legend_item(const wb_mds_spec *sp, size_t g, int gw, char *buf, size_t n)
{
	char name[64] = "", tmp[96];
	size_t cnt = 0;
	for (size_t i = 0; i < sp->n; i++)
		cnt += group_of(sp, i) == g;
	if (sp->group_label)
		sp->group_label(sp->ud, g, name, sizeof name);
	int len = snprintf(tmp, sizeof tmp, " %s (%zu)  ", name, cnt);
	if (buf)
		snprintf(buf, n, "%s", tmp);
	return gw + len;
}

void wb_mds_draw(wb *w, wb_mdsmap *m, const wb_mds_spec *sp, int y0, int x0, int wd, int h)
{
	size_t n = sp->n, k = sp->k, ng = sp->ngroups ? sp->ngroups : 1;
	char buf[200];
	attr_t ax = wb_attr(w, LL_ROLE_AXIS), at = wb_attr(w, LL_ROLE_TITLE);
	int ascii = !w->g->utf8, gw = ascii ? 1 : 2;
	if (h < 1)
		return;
	if (!wb_put_fit(w, y0, x0, x0 + wd, at, sp->title))
		wb_put(w, y0, x0, wd, at, sp->title_short ? sp->title_short : sp->title);
	/* legend rows: the groups' items wrapped, then "a-b: the pair" */
	int legend_rows = 1;
	{
		int x = 0;
		for (size_t g = 0; g < ng; g++) {
			int iw = legend_item(sp, g, gw, NULL, 0);
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
	if (!sp->coords || k < 1 || cw < 4 || ch < 2)
		return;
	if (!canvas_ready(w, &m->canvas, cw, ch))
		return;
	/* one scale for both axes, centred, a margin for the shapes and labels */
	double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		if (!finite_point(sp, i))
			continue;
		double px = sp->coords[i * k], py = k > 1 ? sp->coords[i * k + 1] : 0;
		xmin = fmin(xmin, px), xmax = fmax(xmax, px);
		ymin = fmin(ymin, py), ymax = fmax(ymax, py);
	}
	if (!(xmin <= xmax))
		return;
	int dw = ll_canvas_dot_w(&m->canvas), dh = ll_canvas_dot_h(&m->canvas), margin = 4;
	double sx = (xmax - xmin) / (dw - 2 * margin), sy = (ymax - ymin) / (dh - 2 * margin);
	double s = fmax(sx, sy);
	if (!(s > 0))
		s = 1;
	double cx = (xmin + xmax) / 2, cy = (ymin + ymax) / 2;
	int *px = ll_malloc_array(n, sizeof *px), *py = ll_malloc_array(n, sizeof *py);
	if (!px || !py) {
		ll_free(px);
		ll_free(py);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int ok = finite_point(sp, i);
		double x = sp->coords[i * k], y = k > 1 ? sp->coords[i * k + 1] : 0;
		px[i] = ok ? (int)lround(dw / 2.0 + (x - cx) / s) : -1000;
		py[i] = ok ? (int)lround(dh / 2.0 - (y - cy) / s) : -1000;
	}
	size_t a = sp->a < n ? sp->a : 0, b = sp->b < n ? sp->b : 0;
	if (a != b && finite_point(sp, a) && finite_point(sp, b))
		ll_canvas_line(&m->canvas, px[a], py[a], px[b], py[b], SEL_COLOR);
	for (size_t i = 0; i < n; i++)
		if (finite_point(sp, i))
			map_point(&m->canvas, px[i], py[i], group_of(sp, i), ascii);
	/* labels beside the pair's points: 'a' the row, 'b' the column */
	for (int t = 0; t < (a == b ? 1 : 2); t++) {
		size_t i = t ? b : a;
		int lx = px[i] / 2 + 2, ly = py[i] / 4;
		if (lx >= cw)
			lx = px[i] / 2 - 2;
		if (finite_point(sp, i))
			ll_canvas_mark(&m->canvas, lx, ly, t ? 'b' : 'a', SEL_COLOR);
	}
	ll_free(px);
	ll_free(py);
	if (ll_canvas_render(&m->canvas, &m->text, NULL) == LL_OK)
		wb_draw_canvas(&m->text, y0 + 1, x0, map_attr, w);
	/* legend: each group's shape and name, then the labels */
	int y = y0 + 1 + ch, x = x0, right = x0 + wd;
	for (size_t g = 0; g < ng; g++) {
		int iw = legend_item(sp, g, gw, buf, sizeof buf);
		if (x > x0 && x + iw > right) {
			if (++y >= y0 + h)
				return;
			x = x0;
		}
		attr_t ag = ll_theme_cell_attr(&w->theme, (int)(g % LL_CANVAS_MAX_COLOR), LL_CANVAS_LEVEL_FLAT);
		x += wb_glyph_put(w, &m->glyph, y, x, right, ag, g, 0);
		x += wb_put(w, y, x, right - x, ax, buf);
	}
	char one[64];
	snprintf(one, sizeof one, "a: the %s", sp->unit ? sp->unit : "point");
	const char *pl = a == b ? one : "a-b: the pair";
	if (x > x0 && x + (int)strlen(pl) > right) {
		if (++y >= y0 + h)
			return;
		x = x0;
	}
	wb_put(w, y, x, right - x, ax, pl);
}

void wb_mdsmap_free(wb_mdsmap *m)
{
	ll_canvas_free(&m->canvas);
	ll_canvas_text_free(&m->text);
	wb_glyph_free(&m->glyph);
}

/* ---------------------------------------------------------------- complex plane */

int wb_cplane_start(const wb *w, wb_cplane *p, int wd, int ch, double R)
{
	int cw = 2 * ch + 8; /* about round: a cell is 2 x 4 dots */
	if (cw > wd)
		cw = wd;
	if (ch < 2 || cw < 8)
		return 0;
	if (!canvas_ready(w, &p->canvas, cw, ch))
		return 0;
	ll_canvas *cv = &p->canvas;
	R = (isfinite(R) && R > 1 ? R : 1) * 1.12;
	int dw = ll_canvas_dot_w(cv), dh = ll_canvas_dot_h(cv);
	p->s = fmin((dw - 3) / (2 * R), (dh - 3) / (2 * R)); /* dots per unit */
	p->mx = (dw - 1) / 2.0;
	p->my = (dh - 1) / 2.0;
	/* the axes, then the unit circle */
	ll_canvas_line(cv, 0, (int)lround(p->my), dw - 1, (int)lround(p->my), WB_C_AXES);
	ll_canvas_line(cv, (int)lround(p->mx), 0, (int)lround(p->mx), dh - 1, WB_C_AXES);
	int steps = (int)ceil(2 * M_PI * p->s * 3) + 16;
	for (int k = 0; k < steps; k++) {
		double th = 2 * M_PI * k / steps;
		ll_canvas_dot(cv, (int)lround(p->mx + p->s * cos(th)), (int)lround(p->my - p->s * sin(th)), WB_C_CIRCLE);
	}
	return cw;
}

void wb_cplane_point(const wb *w, wb_cplane *p, double re, double im, size_t shape, char ascii, int color)
{
	if (!isfinite(re) || !isfinite(im))
		return;
	double px = p->mx + p->s * re, py = p->my - p->s * im;
	if (!w->g->utf8)
		ll_canvas_mark(&p->canvas, (int)floor(px / 2), (int)floor(py / 4), ascii, color);
	else
		wb_shape_dots(&p->canvas, (int)floor(px), (int)floor(py), shape, color);
}

void wb_cplane_show(const wb *w, wb_cplane *p, int y, int x, attr_t (*attr_of)(const wb *w, int color, int level))
{
	if (ll_canvas_render(&p->canvas, &p->text, NULL) == LL_OK)
		wb_draw_canvas(&p->text, y, x, attr_of, w);
}

void wb_cplane_free(wb_cplane *p)
{
	ll_canvas_free(&p->canvas);
	ll_canvas_text_free(&p->text);
}

/* ---------------------------------------------------------------- sparklines */

int wb_spark_cells(size_t n, int sw, size_t j, int *first)
{
	int c0 = -1, cnt = 0;
	for (int i = 0; i < sw && j < n; i++) {
		/* ll_spark.h: cell i shows value i n / sw (n <= sw) or sums
		 * up [i n / sw, (i + 1) n / sw) (n > sw) */
		size_t a = (size_t)i * n / (size_t)sw, b = (size_t)(i + 1) * n / (size_t)sw;
		if (n > (size_t)sw ? a <= j && j < b : a == j) {
			if (c0 < 0)
				c0 = i;
			cnt++;
		}
	}
	if (first)
		*first = c0;
	return cnt;
}

void wb_spark_at(wb *w, int y, int x, int sw, const double *v, size_t n, double lo, double hi, long mark)
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
	if (ll_spark(v, n, sw, &o, sp, ll_spark_bufsize(sw), NULL, NULL, NULL) != LL_OK) {
		ll_free(sp);
		return;
	}
	wb_put(w, y, x, sw, wb_attr(w, LL_ROLE_SPARK), sp);
	int c0, cnt = mark >= 0 ? wb_spark_cells(n, sw, (size_t)mark, &c0) : 0;
	/* the marked value's cells again, selected: one UTF-8 character a cell */
	const char *p = sp;
	for (int i = 0; *p && i < c0 + cnt; i++) {
		size_t len = 1;
		while (p[len] && wb_utf8_cont((unsigned char)p[len]))
			len++;
		if (i >= c0) {
			char one[8];
			snprintf(one, sizeof one, "%.*s", (int)len, p);
			wb_put(w, y, x + i, 1, wb_attr(w, LL_ROLE_SELECTED), one);
		}
		p += len;
	}
	ll_free(sp);
}

/* ---------------------------------------------------------------- log-log plot */

#define LOGLOG_GUT 6 /* the y labels' gutter ("1e-10 "); the axis follows */

/* A canvas colour is a theme role (wb_loglog_spec's point_role, fit_role). */
static attr_t role_attr(const wb *w, int color, int level)
{
	(void)level;
	return wb_attr(w, color);
}

/* "1e-3": the label of decade d. */
static int decade_label(char *buf, size_t n, int d)
{
	return snprintf(buf, n, "1e%d", d);
}

/* The rank axis's labels: 1, 10, 100, ... then the last x (n). */
static void loglog_xlabels(wb *w, int y, int cx, int cw, double (*to_cell)(const void *, double), const void *ud,
			   size_t n)
{
	attr_t ax = wb_attr(w, LL_ROLE_AXIS);
	char buf[32];
	int end = cx; /* first free column */
	for (double x = 1; x <= (double)n; x *= 10) {
		int len = snprintf(buf, sizeof buf, "%.0f", x), c = cx + (int)lround(to_cell(ud, log10(x)));
		if (c + len > cx + cw)
			c = cx + cw - len;
		if (c >= end) {
			wb_put(w, y, c, len, ax, buf);
			end = c + len + 1;
		}
	}
	int len = snprintf(buf, sizeof buf, "%zu", n), c = cx + cw - len;
	if (n > 1 && c >= end)
		wb_put(w, y, c, len, ax, buf);
}

typedef struct loglog_scale {
	double xlo, xhi, ylo, yhi; /* log10 */
	int dw, dh;                /* dots */
	int cw;                    /* cells */
} loglog_scale;

static double lx_dot(const loglog_scale *s, double lx)
{
	return 1 + (lx - s->xlo) / (s->xhi - s->xlo) * (s->dw - 3);
}

static double ly_dot(const loglog_scale *s, double ly)
{
	return 1 + (s->yhi - ly) / (s->yhi - s->ylo) * (s->dh - 3);
}

static double lx_cell(const void *ud, double lx)
{
	return floor(lx_dot(ud, lx) / 2);
}

int wb_loglog_draw(wb *w, wb_loglog *p, const wb_loglog_spec *sp, int y0, int x0, int wd, int h)
{
	attr_t ax = wb_attr(w, LL_ROLE_AXIS);
	int ascii = !w->g->utf8, right = x0 + wd;
	char buf[200], lo_s[32], hi_s[32];
	int legend = h >= 8, ch = h - 3 - legend, cw = wd - LOGLOG_GUT - 1;
	if (ch < 2 || cw < 8 || !sp->y || sp->n == 0)
		return 0;
	/* the points shown: y > 0, within `decades` of the largest */
	double ymax = -INFINITY;
	for (size_t i = 0; i < sp->n; i++)
		if (sp->y[i] > 0 && isfinite(sp->y[i]))
			ymax = fmax(ymax, log10(sp->y[i]));
	if (!isfinite(ymax))
		return 0;
	double ymin_ok = sp->decades > 0 ? ymax - sp->decades : -INFINITY;
	loglog_scale s = {0, sp->n > 1 ? log10((double)sp->n) : 1, INFINITY, -INFINITY, 0, 0, cw};
	size_t shown = 0;
	for (size_t i = 0; i < sp->n; i++)
		if (sp->y[i] > 0 && isfinite(sp->y[i]) && log10(sp->y[i]) >= ymin_ok) {
			s.ylo = fmin(s.ylo, log10(sp->y[i]));
			s.yhi = fmax(s.yhi, log10(sp->y[i]));
			shown++;
		}
	int fit = isfinite(sp->a) && isfinite(sp->b) && sp->fit_lo >= 1 && sp->fit_hi > sp->fit_lo && sp->fit_hi <= sp->n;
	double f0 = 0, f1 = 0;
	if (fit) { /* ln y = b - a ln x, in log10 */
		f0 = (sp->b - sp->a * log((double)sp->fit_lo)) / M_LN10;
		f1 = (sp->b - sp->a * log((double)sp->fit_hi)) / M_LN10;
		s.ylo = fmin(s.ylo, fmin(f0, f1));
		s.yhi = fmax(s.yhi, fmax(f0, f1));
	}
	if (s.yhi - s.ylo < 1e-9) {
		s.ylo -= 0.5;
		s.yhi += 0.5;
	}
	if (!canvas_ready(w, &p->canvas, cw, ch))
		return 0;
	ll_canvas *cv = &p->canvas;
	s.dw = ll_canvas_dot_w(cv);
	s.dh = ll_canvas_dot_h(cv);
	/* the points (a 2 x 2 square, one dot when they crowd; with ASCII
	 * glyphs an 'o'), then the fit over them */
	int crowd = shown * 2 > (size_t)s.dw;
	for (size_t i = 0; i < sp->n; i++) {
		if (!(sp->y[i] > 0 && isfinite(sp->y[i]) && log10(sp->y[i]) >= ymin_ok))
			continue;
		double px = lx_dot(&s, log10((double)(i + 1))), py = ly_dot(&s, log10(sp->y[i]));
		if (ascii)
			ll_canvas_mark(cv, (int)floor(px / 2), (int)floor(py / 4), 'o', sp->point_role);
		else if (crowd)
			ll_canvas_dot(cv, (int)lround(px), (int)lround(py), sp->point_role);
		else
			wb_shape_dots(cv, (int)floor(px), (int)floor(py), 0, sp->point_role);
	}
	if (fit)
		ll_canvas_line_d(cv, lx_dot(&s, log10((double)sp->fit_lo)), ly_dot(&s, f0),
				 lx_dot(&s, log10((double)sp->fit_hi)), ly_dot(&s, f1), sp->fit_role);
	int cx = x0 + LOGLOG_GUT + 1;
	if (ll_canvas_render(cv, &p->text, NULL) == LL_OK)
		wb_draw_canvas(&p->text, y0, cx, role_attr, w);
	/* the y axis: a line, a tick and a label at each decade (one a row
	 * apart at least; the ends' values when no decade falls inside) */
	for (int r = 0; r < ch; r++)
		wb_put(w, y0 + r, x0 + LOGLOG_GUT, 1, ax, w->g->vline);
	int last = -2, labels = 0;
	for (int d = (int)ceil(s.yhi); d >= (int)floor(s.ylo) - 1; d--) {
		if (d > s.yhi || d < s.ylo)
			continue;
		int r = (int)floor(ly_dot(&s, d) / 4);
		if (r < 0 || r >= ch || r - last < 2)
			continue;
		char lab[16];
		decade_label(lab, sizeof lab, d);
		snprintf(buf, sizeof buf, "%*s", LOGLOG_GUT - 1, lab);
		wb_put(w, y0 + r, x0, LOGLOG_GUT - 1, ax, buf);
		wb_put(w, y0 + r, x0 + LOGLOG_GUT, 1, ax, w->g->rtee);
		last = r;
		labels++;
	}
	if (!labels) {
		snprintf(buf, sizeof buf, "%*.2g", LOGLOG_GUT - 1, pow(10, s.yhi));
		wb_put(w, y0, x0, LOGLOG_GUT - 1, ax, buf);
		snprintf(buf, sizeof buf, "%*.2g", LOGLOG_GUT - 1, pow(10, s.ylo));
		wb_put(w, y0 + ch - 1, x0, LOGLOG_GUT - 1, ax, buf);
	}
	/* the x axis: a line with the fit's ranks heavier, then the labels */
	int ay = y0 + ch;
	wb_put(w, ay, x0 + LOGLOG_GUT, 1, ax, w->g->bl);
	for (int c = 0; c < cw; c++)
		wb_put(w, ay, cx + c, 1, ax, w->g->hline);
	if (fit) {
		int c0 = (int)lx_cell(&s, log10((double)sp->fit_lo)), c1 = (int)lx_cell(&s, log10((double)sp->fit_hi));
		for (int c = c0; c <= c1 && c < cw; c++)
			wb_put(w, ay, cx + c, 1, wb_attr(w, sp->fit_role), ascii ? "=" : "\u2501");
	}
	for (double x = 1; x <= (double)sp->n; x *= 10) {
		int c = (int)lx_cell(&s, log10(x));
		if (c >= 0 && c < cw && !(fit && x >= (double)sp->fit_lo && x <= (double)sp->fit_hi))
			wb_put(w, ay, cx + c, 1, ax, ascii ? "+" : "\u252c");
	}
	loglog_xlabels(w, ay + 1, cx, cw, lx_cell, &s, sp->n);
	/* the ranges, then the legend */
	snprintf(lo_s, sizeof lo_s, "%.3g", s.ylo);
	snprintf(hi_s, sizeof hi_s, "%.3g", s.yhi);
	snprintf(buf, sizeof buf, "x: log10 %s %.3g to %.3g (%ss 1-%zu)   y: log10 %s %s to %s", sp->xname, s.xlo, s.xhi,
		 sp->xname, sp->n, sp->yname, lo_s, hi_s);
	if (!wb_put_fit(w, ay + 2, x0, right, ax, buf)) {
		snprintf(buf, sizeof buf, "log10 %s %.3g-%.3g, %s %s to %s", sp->xname, s.xlo, s.xhi, sp->yname, lo_s, hi_s);
		wb_put(w, ay + 2, x0, wd, ax, buf);
	}
	if (!legend)
		return 1;
	int y = ay + 3, x = x0;
	if (sp->points) {
		x += wb_glyph_put(w, &p->glyph, y, x, right, wb_attr(w, sp->point_role), 0, 'o');
		snprintf(buf, sizeof buf, " %s (%zu of %zu shown)   ", sp->points, shown, sp->n);
		x += wb_put_fit(w, y, x, right, ax, buf);
	}
	if (fit && sp->fit) {
		int gw = wb_put_fit(w, y, x, right, wb_attr(w, sp->fit_role), ascii ? "--" : "\u2501\u2501");
		if (gw) {
			x += gw;
			snprintf(buf, sizeof buf, " %s", sp->fit);
			wb_put_fit(w, y, x, right, ax, buf);
		}
	}
	return 1;
}

void wb_loglog_free(wb_loglog *p)
{
	ll_canvas_free(&p->canvas);
	ll_canvas_text_free(&p->text);
	wb_glyph_free(&p->glyph);
}
