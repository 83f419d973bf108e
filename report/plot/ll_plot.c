#include "plot/ll_plot.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/ll_font.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Layout constants, in pixels. */
#define MARGIN 8      /* figure edge to content */
#define TICK_LEN 4    /* tick marks, outside the data area */
#define TICK_GAP 3    /* tick mark to tick label */
#define LABEL_GAP 4   /* tick labels to axis label */
#define TITLE_GAP 3   /* panel title box to data area */
#define FH LL_FONT_HEIGHT
#define MIN_PANEL 12  /* smallest data area side */
#define Y_TICK_PX 34  /* aim for y ticks at least this far apart */
#define X_TICK_PX 60  /* ... and x ticks, or the label width + 12 */
#define MINMAX_TARGET 8
#define CB_GAP 10     /* data area to colour bar */
#define CB_W 14       /* colour bar width, with its frame */
#define NAN_BOX 12    /* the NaN swatch under the colour bar */
#define NAN_GAP 6     /* colour bar to NaN swatch */

#define TEXT_COLOR LL_RGB(0x22, 0x22, 0x22)
#define AXIS_COLOR LL_RGB(0x33, 0x33, 0x33)
#define GRID_COLOR LL_RGB(0xE6, 0xE6, 0xE6)
#define LEGEND_FILL 0xE8FFFFFFu
#define LEGEND_EDGE LL_RGB(0xBB, 0xBB, 0xBB)

static const uint32_t okabe_ito[8] = {
	LL_RGB(0x00, 0x72, 0xB2), LL_RGB(0xD5, 0x5E, 0x00), LL_RGB(0x00, 0x9E, 0x73), LL_RGB(0xE6, 0x9F, 0x00),
	LL_RGB(0xCC, 0x79, 0xA7), LL_RGB(0x56, 0xB4, 0xE9), LL_RGB(0xF0, 0xE4, 0x42), LL_RGB(0x00, 0x00, 0x00),
};

uint32_t ll_plot_palette(size_t k)
{
	return okabe_ito[k % 8];
}

/* Viridis control points at t = k/32, k = 0..32.  The numbers: the colour
 * map by Stefan van der Walt and Nathaniel Smith (matplotlib 2.0, 2015,
 * released CC0), table _viridis_data (256 sRGB triples) in matplotlib's
 * lib/matplotlib/_cm_listed.py, linearly interpolated at index 255 k / 32
 * and rounded to 8 bits.  Lightness (CIE L*) rises at every step. */
static const uint32_t viridis_cp[33] = {
	0x440154, 0x470D60, 0x48186A, 0x482374, 0x472D7B, 0x453681, 0x424086, 0x3F4989,
	0x3B528B, 0x375A8D, 0x33638D, 0x2F6A8E, 0x2C728E, 0x297A8E, 0x26818E, 0x23898E,
	0x21908C, 0x1F988B, 0x1F9F88, 0x21A685, 0x28AE80, 0x31B57B, 0x3EBC74, 0x4CC26C,
	0x5DC963, 0x6ECE58, 0x82D34C, 0x96D83F, 0xABDC32, 0xC0DF24, 0xD5E21A, 0xEAE51A,
	0xFDE725,
};

uint32_t ll_plot_viridis(double t)
{
	uint32_t a, b, out = 0xFF000000u;
	double x, f;
	int i;

	if (isnan(t))
		return LL_PLOT_NAN_GREY;
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	x = t * 32;
	i = (int)x;
	if (i > 31)
		i = 31;
	f = x - i;
	a = viridis_cp[i];
	b = viridis_cp[i + 1];
	for (int k = 0; k < 3; k++) {
		double ca = (double)((a >> (8 * k)) & 0xFF), cb = (double)((b >> (8 * k)) & 0xFF);
		out |= (uint32_t)lround(ca + (cb - ca) * f) << (8 * k);
	}
	return out;
}

/* ---- figure --------------------------------------------------------- */

int ll_plot_fig_init(ll_plot_fig *fig, int width, int height, int rows, int cols, ll_err *err)
{
	memset(fig, 0, sizeof *fig);
	if (width < LL_PLOT_MIN_DIM || height < LL_PLOT_MIN_DIM || width > LL_RASTER_MAX_DIM ||
	    height > LL_RASTER_MAX_DIM)
		return ll_err_set(err, LL_EINVAL, "figure size %dx%d: width and height must be in %d..%d", width,
				  height, LL_PLOT_MIN_DIM, LL_RASTER_MAX_DIM);
	if (rows < 1 || cols < 1 || rows > LL_PLOT_MAX_GRID || cols > LL_PLOT_MAX_GRID)
		return ll_err_set(err, LL_EINVAL, "figure grid %dx%d: rows and cols must be in 1..%d", rows, cols,
				  LL_PLOT_MAX_GRID);
	fig->axes = ll_calloc_array((size_t)rows * (size_t)cols, sizeof *fig->axes);
	fig->row_weight = ll_malloc_array((size_t)rows, sizeof(double));
	fig->col_weight = ll_malloc_array((size_t)cols, sizeof(double));
	if (!fig->axes || !fig->row_weight || !fig->col_weight) {
		ll_plot_fig_free(fig);
		return ll_err_set(err, LL_ENOMEM, "figure %dx%d panels: out of memory", rows, cols);
	}
	for (int i = 0; i < rows; i++)
		fig->row_weight[i] = 1;
	for (int i = 0; i < cols; i++)
		fig->col_weight[i] = 1;
	fig->width = width;
	fig->height = height;
	fig->rows = rows;
	fig->cols = cols;
	fig->background = LL_PLOT_WHITE;
	return LL_OK;
}

static void series_free(ll_plot_series *s)
{
	ll_free(s->x);
	ll_free(s->y);
	ll_free(s->y2);
	ll_free(s->colors);
}

void ll_plot_fig_free(ll_plot_fig *fig)
{
	if (!fig)
		return;
	if (fig->axes) {
		for (size_t p = 0; p < (size_t)fig->rows * (size_t)fig->cols; p++) {
			ll_plot_axes *ax = &fig->axes[p];
			for (size_t i = 0; i < ax->nseries; i++)
				series_free(&ax->series[i]);
			ll_free(ax->series);
		}
	}
	ll_free(fig->axes);
	ll_free(fig->row_weight);
	ll_free(fig->col_weight);
	memset(fig, 0, sizeof *fig);
}

ll_plot_axes *ll_plot_fig_axes(ll_plot_fig *fig, int row, int col)
{
	if (!fig || !fig->axes || row < 0 || col < 0 || row >= fig->rows || col >= fig->cols)
		return NULL;
	return &fig->axes[(size_t)row * (size_t)fig->cols + (size_t)col];
}

void ll_plot_fig_factor_style(ll_plot_fig *fig, int row0, int nrows)
{
	if (!fig || !fig->axes)
		return;
	for (int r = row0; r < row0 + nrows && r < fig->rows; r++)
		for (int c = 0; c < fig->cols; c++) {
			ll_plot_axes *ax = ll_plot_fig_axes(fig, r, c);
			if (!ax)
				continue;
			/* ids private to this block: 0x1000000 | row0 << 8 | col */
			ax->y.share = 0x1000000 | (row0 & 0xFFFF) << 8 | (c & 0xFF);
			ax->x.share = 0x2000000 | (row0 & 0xFFFF) << 8 | (c & 0xFF);
			ax->y.ticks = LL_PLOT_TICKS_MINMAX;
			ax->x.ticks = r == row0 + nrows - 1 || r == fig->rows - 1 ? LL_PLOT_TICKS_ALL
										   : LL_PLOT_TICKS_MARKS;
		}
}

/* ---- series --------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* 0.8 of the smallest gap between distinct finite x values (0.8 if none). */
static double bar_width(const double *x, size_t n)
{
	double *t = ll_malloc_array(n ? n : 1, sizeof *t), best = INFINITY;
	size_t m = 0;

	if (!t)
		return NAN;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]))
			t[m++] = x[i];
	qsort(t, m, sizeof *t, cmp_double);
	for (size_t i = 1; i < m; i++)
		if (t[i] > t[i - 1] && t[i] - t[i - 1] < best)
			best = t[i] - t[i - 1];
	ll_free(t);
	return isfinite(best) ? 0.8 * best : 0.8;
}

static const char *kind_name(int kind)
{
	switch (kind) {
	case LL_PLOT_LINE: return "line";
	case LL_PLOT_SCATTER: return "scatter";
	case LL_PLOT_BARS: return "bars";
	case LL_PLOT_HLINE: return "hline";
	case LL_PLOT_VLINE: return "vline";
	case LL_PLOT_TRAJ: return "trajectory";
	case LL_PLOT_HEATMAP: return "heatmap";
	case LL_PLOT_BAND: return "band";
	default: return "legend entry";
	}
}

/* Room for one more series in the panel. */
static int reserve_series(ll_plot_axes *ax, const char *what, ll_err *err)
{
	if (ax->nseries == ax->capseries) {
		size_t cap = ax->capseries ? 2 * ax->capseries : 4;
		ll_plot_series *p = ll_malloc_array(cap, sizeof *p);
		if (!p)
			return ll_err_set(err, LL_ENOMEM, "plot %s: out of memory", what);
		if (ax->nseries)
			memcpy(p, ax->series, ax->nseries * sizeof *p);
		ll_free(ax->series);
		ax->series = p;
		ax->capseries = cap;
	}
	return LL_OK;
}

/* y2: the band's upper curve (n values), NULL for other kinds. */
static int add_series(ll_plot_axes *ax, int kind, const double *x, const double *y, const double *y2,
		      size_t n, const uint32_t *colors, const ll_plot_style *st, ll_err *err)
{
	static const ll_plot_style defaults;
	static const int cycle[5] = { LL_SHAPE_CIRCLE, LL_SHAPE_SQUARE, LL_SHAPE_TRIANGLE, LL_SHAPE_DIAMOND,
				      LL_SHAPE_TRIANGLE_DOWN };
	const char *what = kind_name(kind);
	ll_plot_series s;
	size_t round = 0;

	if (!ax)
		return ll_err_set(err, LL_EINVAL, "plot %s: no panel (NULL axes)", what);
	if (!st)
		st = &defaults;
	if (n > 0 && !y)
		return ll_err_set(err, LL_EINVAL, "plot %s: %zu points but y is NULL", what, n);
	if (!(st->width >= 0) || !isfinite(st->width))
		return ll_err_set(err, LL_EINVAL, "plot %s: width %g: must be finite and >= 0", what, st->width);
	if (!(st->marker_size >= 0) || !isfinite(st->marker_size))
		return ll_err_set(err, LL_EINVAL, "plot %s: marker_size %g: must be finite and >= 0", what,
				  st->marker_size);
	if (!(st->dash >= 0) || !isfinite(st->dash))
		return ll_err_set(err, LL_EINVAL, "plot %s: dash %g: must be finite and >= 0", what, st->dash);
	if (st->marker < LL_PLOT_MARKER_DEFAULT || st->marker > LL_PLOT_MARKER_TRIANGLE_DOWN)
		return ll_err_set(err, LL_EINVAL, "plot %s: marker %d: not an ll_plot_marker", what, st->marker);
	if (kind == LL_PLOT_LEGEND_ONLY && !(st->label && st->label[0]))
		return ll_err_set(err, LL_EINVAL, "plot legend entry: needs a label");

	memset(&s, 0, sizeof s);
	s.kind = kind;
	s.n = n;
	if (n > 0) {
		s.x = ll_malloc_array(n, sizeof *s.x);
		s.y = ll_malloc_array(n, sizeof *s.y);
		if (y2)
			s.y2 = ll_malloc_array(n, sizeof *s.y2);
		if (colors)
			s.colors = ll_malloc_array(n, sizeof *s.colors);
		if (!s.x || !s.y || (y2 && !s.y2) || (colors && !s.colors)) {
			series_free(&s);
			return ll_err_set(err, LL_ENOMEM, "plot %s: %zu points: out of memory", what, n);
		}
		for (size_t i = 0; i < n; i++)
			s.x[i] = x ? x[i] : (double)i;
		memcpy(s.y, y, n * sizeof *s.y);
		if (y2)
			memcpy(s.y2, y2, n * sizeof *s.y2);
		if (colors)
			memcpy(s.colors, colors, n * sizeof *s.colors);
	}
	if (reserve_series(ax, what, err) != LL_OK) {
		series_free(&s);
		return LL_ENOMEM;
	}

	/* colour, and the style cycle once the palette repeats */
	if (kind == LL_PLOT_BAND) {
		/* the next automatic colour, not used up: the band's line gets it */
		s.color = st->color != LL_PLOT_AUTO ? st->color : ll_plot_palette(ax->nauto);
		if ((s.color >> 24) == 0xFF)
			s.color = LL_RGBA_SET_ALPHA(s.color, LL_PLOT_BAND_ALPHA);
	} else if (st->color != LL_PLOT_AUTO) {
		s.color = st->color;
	} else if (kind == LL_PLOT_HLINE || kind == LL_PLOT_VLINE) {
		s.color = LL_PLOT_GREY;
	} else {
		s.color = ll_plot_palette(ax->nauto);
		round = ax->nauto / 8;
		ax->nauto++;
	}
	s.dash = st->dash;
	if (s.dash == 0 && round > 0 && (kind == LL_PLOT_LINE || kind == LL_PLOT_TRAJ))
		s.dash = round % 2 ? 6 : 2;
	switch (st->marker) {
	case LL_PLOT_MARKER_DEFAULT:
		s.marker = kind == LL_PLOT_SCATTER ? cycle[round % 5] : 0;
		break;
	case LL_PLOT_MARKER_NONE: s.marker = 0; break;
	case LL_PLOT_MARKER_CIRCLE: s.marker = LL_SHAPE_CIRCLE; break;
	case LL_PLOT_MARKER_SQUARE: s.marker = LL_SHAPE_SQUARE; break;
	case LL_PLOT_MARKER_TRIANGLE: s.marker = LL_SHAPE_TRIANGLE; break;
	case LL_PLOT_MARKER_DIAMOND: s.marker = LL_SHAPE_DIAMOND; break;
	default: s.marker = LL_SHAPE_TRIANGLE_DOWN; break;
	}
	s.marker_size = st->marker_size > 0 ? st->marker_size : kind == LL_PLOT_TRAJ ? 9 : 6;
	if (kind == LL_PLOT_BARS)
		s.width = st->width > 0 ? st->width : bar_width(s.x, n);
	else
		s.width = st->width > 0 ? st->width : kind == LL_PLOT_HLINE || kind == LL_PLOT_VLINE ? 1 : 1.5;
	if (isnan(s.width)) {
		series_free(&s);
		return ll_err_set(err, LL_ENOMEM, "plot %s: out of memory", what);
	}
	if (st->label)
		snprintf(s.label, sizeof s.label, "%s", st->label);
	ax->series[ax->nseries++] = s;
	ax->laid_out = 0;
	return LL_OK;
}

int ll_plot_line(ll_plot_axes *ax, const double *x, const double *y, size_t n,
		 const ll_plot_style *st, ll_err *err)
{
	return add_series(ax, LL_PLOT_LINE, x, y, NULL, n, NULL, st, err);
}

int ll_plot_scatter(ll_plot_axes *ax, const double *x, const double *y, size_t n,
		    const uint32_t *colors, const ll_plot_style *st, ll_err *err)
{
	return add_series(ax, LL_PLOT_SCATTER, x, y, NULL, n, colors, st, err);
}

int ll_plot_bars(ll_plot_axes *ax, const double *x, const double *y, size_t n,
		 const uint32_t *colors, const ll_plot_style *st, ll_err *err)
{
	return add_series(ax, LL_PLOT_BARS, x, y, NULL, n, colors, st, err);
}

int ll_plot_hline(ll_plot_axes *ax, double v, const ll_plot_style *st, ll_err *err)
{
	double nan = NAN;
	return add_series(ax, LL_PLOT_HLINE, &nan, &v, NULL, 1, NULL, st, err);
}

int ll_plot_vline(ll_plot_axes *ax, double v, const ll_plot_style *st, ll_err *err)
{
	double nan = NAN;
	return add_series(ax, LL_PLOT_VLINE, &v, &nan, NULL, 1, NULL, st, err);
}

int ll_plot_traj(ll_plot_axes *ax, const double *x, const double *y, size_t n,
		 const ll_plot_style *st, ll_err *err)
{
	if (n > 0 && !x)
		return ll_err_set(err, LL_EINVAL, "plot trajectory: %zu points but x is NULL", n);
	return add_series(ax, LL_PLOT_TRAJ, x, y, NULL, n, NULL, st, err);
}

int ll_plot_legend_add(ll_plot_axes *ax, const ll_plot_style *st, ll_err *err)
{
	return add_series(ax, LL_PLOT_LEGEND_ONLY, NULL, NULL, NULL, 0, NULL, st, err);
}

int ll_plot_band(ll_plot_axes *ax, const double *x, const double *lo, const double *hi, size_t n,
		 const ll_plot_style *st, ll_err *err)
{
	if (ax && n > 0 && (!lo || !hi))
		return ll_err_set(err, LL_EINVAL, "plot band: %zu points but %s is NULL", n, !lo ? "lo" : "hi");
	return add_series(ax, LL_PLOT_BAND, x, lo, n > 0 ? hi : NULL, n, NULL, st, err);
}

int ll_plot_heatmap(ll_plot_axes *ax, const double *z, size_t rows, size_t cols,
		    const ll_plot_heat_style *st, ll_err *err)
{
	static const ll_plot_heat_style defaults;
	double mn = INFINITY, mx = -INFINITY;
	ll_plot_series s;
	size_t n;

	if (!ax)
		return ll_err_set(err, LL_EINVAL, "plot heatmap: no panel (NULL axes)");
	if (!st)
		st = &defaults;
	if (rows == 0 || cols == 0)
		return ll_err_set(err, LL_EINVAL, "plot heatmap: %zux%zu cells: needs at least one row and one column",
				  rows, cols);
	if (rows > SIZE_MAX / sizeof(double) / cols)
		return ll_err_set(err, LL_EINVAL, "plot heatmap: %zux%zu cells: too many", rows, cols);
	if (!z)
		return ll_err_set(err, LL_EINVAL, "plot heatmap: %zux%zu cells but z is NULL", rows, cols);
	if (st->fixed && !(isfinite(st->lo) && isfinite(st->hi) && st->lo < st->hi))
		return ll_err_set(err, LL_EINVAL, "plot heatmap: fixed range [%g, %g]: needs finite lo < hi", st->lo,
				  st->hi);
	if (st->decimals < -1 || st->decimals > 6)
		return ll_err_set(err, LL_EINVAL, "plot heatmap: decimals %d: must be in -1..6", st->decimals);
	if (st->origin != LL_PLOT_ORIGIN_TOP && st->origin != LL_PLOT_ORIGIN_BOTTOM)
		return ll_err_set(err, LL_EINVAL, "plot heatmap: origin %d: not an ll_plot_origin", st->origin);

	n = rows * cols;
	memset(&s, 0, sizeof s);
	s.kind = LL_PLOT_HEATMAP;
	s.n = n;
	s.rows = rows;
	s.cols = cols;
	s.y = ll_malloc_array(n, sizeof *s.y);
	if (!s.y)
		return ll_err_set(err, LL_ENOMEM, "plot heatmap: %zux%zu cells: out of memory", rows, cols);
	if (reserve_series(ax, "heatmap", err) != LL_OK) {
		series_free(&s);
		return LL_ENOMEM;
	}
	memcpy(s.y, z, n * sizeof *s.y);
	for (size_t i = 0; i < n; i++) {
		if (isnan(z[i]))
			s.nnan++;
		else if (isfinite(z[i]))
			mn = fmin(mn, z[i]), mx = fmax(mx, z[i]);
	}
	if (st->fixed) {
		s.zlo = st->lo, s.zhi = st->hi;
	} else if (!(mn <= mx)) {
		s.zlo = 0, s.zhi = 1; /* no finite value */
	} else if (mn == mx) {
		/* one value: widened around it, so it takes the middle colour */
		double d = mn == 0 ? 1 : fabs(mn) * 0.1;
		s.zlo = mn - d, s.zhi = mx + d;
	} else {
		s.zlo = mn, s.zhi = mx;
	}
	s.heat_values = st->values != 0;
	s.heat_decimals = st->decimals == 0 ? 2 : st->decimals < 0 ? 0 : st->decimals;
	s.colorbar = !st->no_colorbar;
	s.color = LL_PLOT_NAN_GREY; /* the legend swatch of NaN cells */
	if (!s.colorbar && s.nnan > 0)
		snprintf(s.label, sizeof s.label, "NaN");
	ax->series[ax->nseries++] = s;
	if (st->origin == LL_PLOT_ORIGIN_TOP)
		ax->y.invert = 1;
	if (s.colorbar && st->label)
		snprintf(ax->cbar.label, sizeof ax->cbar.label, "%s", st->label);
	ax->laid_out = 0;
	return LL_OK;
}

/* Copy s into a tick label, cut at a character boundary. */
static void copy_tick_label(char *dst, const char *s)
{
	size_t n = strlen(s);

	if (n > LL_PLOT_TICK_TEXT - 1) {
		n = LL_PLOT_TICK_TEXT - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

int ll_plot_axis_ticks(ll_plot_axis *a, const double *pos, const char *const *labels, size_t n,
		       ll_err *err)
{
	size_t k, m = 0;

	if (!a)
		return ll_err_set(err, LL_EINVAL, "plot axis ticks: NULL axis");
	for (size_t i = 0; pos && i < n; i++)
		if (!isfinite(pos[i]))
			return ll_err_set(err, LL_EINVAL, "plot axis ticks: position %zu is %g: must be finite", i,
					  pos[i]);
	k = n > LL_PLOT_MAX_TICKS ? (n + LL_PLOT_MAX_TICKS - 1) / LL_PLOT_MAX_TICKS : 1;
	for (size_t i = 0; i < n && m < LL_PLOT_MAX_TICKS; i += k, m++) {
		a->user[m] = pos ? pos[i] : (double)i;
		if (labels && labels[i])
			copy_tick_label(a->user_label[m], labels[i]);
		else
			snprintf(a->user_label[m], sizeof a->user_label[m], "%.6g", a->user[m]);
	}
	a->nuser = (int)m;
	return LL_OK;
}

/* ---- ticks and ranges ----------------------------------------------- */

int ll_plot_ticks(double lo, double hi, int target, double *tick, int max, double *step)
{
	static const double mult[4] = { 1, 2, 5, 10 };
	double span = hi - lo, mag, s = 0, k0, k1;
	int e, n = 0, m = 0;

	if (step)
		*step = 0;
	if (!(isfinite(lo) && isfinite(hi) && lo < hi) || !isfinite(span) || target < 1)
		return 0;
	e = (int)floor(log10(span / target));
	mag = pow(10, e);
	for (m = 0; m < 4; m++) {
		s = mult[m] * mag;
		if (span / s <= target * (1 + 1e-9))
			break;
	}
	if (m == 4)
		m = 3;
	if (step)
		*step = s;
	k0 = ceil(lo / s - 1e-9);
	k1 = floor(hi / s + 1e-9);
	for (double k = k0; k <= k1 && n < max && tick; k++) {
		/* k*mult / 10^-e rounds correctly where k * 0.2 would not */
		double v = e < 0 ? k * mult[m] / pow(10, -e) : k * s;
		if (fabs(v) < s * 1e-9)
			v = 0;
		tick[n++] = v;
	}
	return n;
}

void ll_plot_nice_range(double dmin, double dmax, int target, int tight, double *lo, double *hi)
{
	double span, step;

	if (!(dmin <= dmax) || !isfinite(dmin) || !isfinite(dmax)) {
		*lo = 0, *hi = 1;
		return;
	}
	if (dmin == dmax) {
		double d = fmax(fabs(dmin) * 0.1, 1e-300);
		if (dmin == 0)
			d = 1;
		dmin -= d, dmax += d;
	}
	*lo = dmin, *hi = dmax;
	span = dmax - dmin;
	if (tight || !isfinite(span) || !(span > 0))
		return;
	ll_plot_ticks(dmin, dmax, target < 1 ? 1 : target, NULL, 0, &step);
	if (!(step > 0))
		return;
	double nlo = floor(dmin / step + 1e-9) * step, nhi = ceil(dmax / step - 1e-9) * step;
	*lo = dmin - nlo <= span / 8 ? nlo : dmin - 0.02 * span;
	*hi = nhi - dmax <= span / 8 ? nhi : dmax + 0.02 * span;
	if (fabs(*lo) < step * 1e-9)
		*lo = 0;
	if (fabs(*hi) < step * 1e-9)
		*hi = 0;
}

void ll_plot_format(double v, double step, char *buf, size_t size)
{
	double a = fabs(v);
	int sci;

	if (!size)
		return;
	if (isnan(v)) {
		snprintf(buf, size, "nan");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, size, v < 0 ? "-inf" : "inf");
		return;
	}
	if (!(step > 0) || !isfinite(step)) {
		step = a > 0 ? pow(10, floor(log10(a)) - 2) : 1;
		sci = a >= 1e6 || a < 1e-4;
	} else {
		sci = step >= 1e5 || step < 1e-4;
	}
	if (a < step * 1e-6) {
		snprintf(buf, size, "0");
		return;
	}
	if (sci) {
		int d = (int)floor(log10(a)) - (int)floor(log10(step) + 1e-9);
		char tmp[48], *e;
		d = d < 0 ? 0 : d > 6 ? 6 : d;
		snprintf(tmp, sizeof tmp, "%.*e", d, v);
		e = strchr(tmp, 'e');
		if (e) {
			int ex = atoi(e + 1);
			*e = '\0';
			snprintf(buf, size, "%se%d", tmp, ex);
		} else {
			snprintf(buf, size, "%s", tmp);
		}
		return;
	}
	int d = -(int)floor(log10(step) + 1e-9);
	d = d < 0 ? 0 : d > 10 ? 10 : d;
	snprintf(buf, size, "%.*f", d, v);
	/* a value that rounds to zero prints without its sign */
	if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
		memmove(buf, buf + 1, strlen(buf));
}

/* ---- layout --------------------------------------------------------- */

static int labels_shown(int ticks)
{
	return ticks == LL_PLOT_TICKS_ALL || ticks == LL_PLOT_TICKS_MINMAX;
}

/* Data extent of one axis (0 = x, 1 = y) of a panel; *mn > *mx if none. */
static void data_extent(const ll_plot_axes *ax, int k, double *mn, double *mx)
{
	double lo = INFINITY, hi = -INFINITY;

	for (size_t i = 0; i < ax->nseries; i++) {
		const ll_plot_series *s = &ax->series[i];
		switch (s->kind) {
		case LL_PLOT_LINE:
		case LL_PLOT_SCATTER:
		case LL_PLOT_TRAJ:
		case LL_PLOT_BARS:
			for (size_t j = 0; j < s->n; j++) {
				double x = s->x[j], y = s->y[j];
				if (!isfinite(x) || !isfinite(y))
					continue;
				if (s->kind == LL_PLOT_BARS && k == 0) {
					lo = fmin(lo, x - s->width / 2);
					hi = fmax(hi, x + s->width / 2);
				} else if (s->kind == LL_PLOT_BARS) {
					lo = fmin(lo, fmin(y, 0));
					hi = fmax(hi, fmax(y, 0));
				} else {
					double v = k ? y : x;
					lo = fmin(lo, v);
					hi = fmax(hi, v);
				}
			}
			break;
		case LL_PLOT_HEATMAP:
			lo = fmin(lo, -0.5);
			hi = fmax(hi, (double)(k ? s->rows : s->cols) - 0.5);
			break;
		case LL_PLOT_BAND:
			for (size_t j = 0; j < s->n; j++) {
				double x = s->x[j], a = s->y[j], b = s->y2[j];
				if (!isfinite(x) || !isfinite(a) || !isfinite(b))
					continue;
				lo = fmin(lo, k ? fmin(a, b) : x);
				hi = fmax(hi, k ? fmax(a, b) : x);
			}
			break;
		case LL_PLOT_HLINE:
		case LL_PLOT_VLINE:
			if ((s->kind == LL_PLOT_HLINE) == (k == 1)) {
				double v = k ? s->y[0] : s->x[0];
				if (isfinite(v))
					lo = fmin(lo, v), hi = fmax(hi, v);
			}
			break;
		default:
			break;
		}
	}
	*mn = lo, *mx = hi;
}

static int tick_target(const ll_plot_axis *a, int k, double len)
{
	int t = (int)(len / (k ? Y_TICK_PX : X_TICK_PX));
	if (a->nticks > 0)
		t = a->nticks;
	return t < 1 ? 1 : t > LL_PLOT_MAX_TICKS - 1 ? LL_PLOT_MAX_TICKS - 1 : t;
}

static int widest_label(const ll_plot_axis *a);

/* Ticks set by ll_plot_axis_ticks: those inside the range, thinned to
 * every k-th where their labels would touch. */
static void user_ticks(ll_plot_axis *a, int k, double len)
{
	double e = (a->vhi - a->vlo) * 1e-9, gap = INFINITY, need;
	int n = 0, keep;

	for (int i = 0; i < a->nuser; i++)
		if (a->user[i] >= a->vlo - e && a->user[i] <= a->vhi + e) {
			a->tick[n] = a->user[i];
			memcpy(a->tick_label[n], a->user_label[i], sizeof a->tick_label[n]);
			n++;
		}
	a->ntick = n;
	a->step = 0;
	if (n < 2 || !labels_shown(a->ticks))
		return;
	for (int i = 1; i < n; i++)
		gap = fmin(gap, fabs(a->tick[i] - a->tick[i - 1]) / (a->vhi - a->vlo) * len);
	need = k || a->rotate ? FH + 1 : widest_label(a) + 6;
	if (!(gap < need))
		return;
	keep = gap > 0 ? (int)ceil(need / gap) : n;
	n = 0;
	for (int i = 0; i < a->ntick; i += keep, n++) {
		a->tick[n] = a->tick[i];
		memmove(a->tick_label[n], a->tick_label[i], sizeof a->tick_label[n]);
	}
	a->ntick = n;
}

/* Ticks and labels for an axis whose range is set; len = its pixel length.
 * int_only: 1-2-5 ticks no closer than 1 (index axes of heatmaps). */
static void axis_ticks(ll_plot_axis *a, int k, double len, int int_only)
{
	int target = tick_target(a, k, len);

	a->ntick = 0;
	if (a->ticks == LL_PLOT_TICKS_NONE)
		return;
	if (a->nuser > 0) {
		user_ticks(a, k, len);
		return;
	}
	if (a->ticks == LL_PLOT_TICKS_MINMAX) {
		ll_plot_ticks(a->vlo, a->vhi, MINMAX_TARGET, NULL, 0, &a->step);
		a->ntick = 2;
		a->tick[0] = a->vlo;
		a->tick[1] = a->vhi;
		for (int i = 0; i < 2; i++)
			ll_plot_format(a->tick[i], a->step, a->tick_label[i], sizeof a->tick_label[i]);
		return;
	}
	for (;;) {
		int widest = 0;
		a->ntick = ll_plot_ticks(a->vlo, a->vhi, target, a->tick, LL_PLOT_MAX_TICKS, &a->step);
		if (int_only && a->step > 0 && a->step < 1) {
			a->step = 1;
			a->ntick = 0;
			for (double v = ceil(a->vlo - 1e-9); v <= a->vhi + 1e-9 && a->ntick < LL_PLOT_MAX_TICKS; v++)
				a->tick[a->ntick++] = v == 0 ? 0 : v;
		}
		for (int i = 0; i < a->ntick; i++) {
			int w;
			ll_plot_format(a->tick[i], a->step, a->tick_label[i], sizeof a->tick_label[i]);
			w = ll_font_text_width(a->tick_label[i], 1, 0);
			if (w > widest)
				widest = w;
		}
		/* labels must not touch: widen the step until they fit */
		if (target <= 1 || a->ticks != LL_PLOT_TICKS_ALL ||
		    a->step / (a->vhi - a->vlo) * len >= (k ? FH + 3 : widest + 12))
			break;
		target--;
	}
}

static int widest_label(const ll_plot_axis *a)
{
	int w = 0;
	if (!labels_shown(a->ticks))
		return 0;
	for (int i = 0; i < a->ntick; i++) {
		int t = ll_font_text_width(a->tick_label[i], 1, 0);
		if (t > w)
			w = t;
	}
	return w;
}

/* Height under the tick marks taken by the x tick labels (0 if none). */
static int x_labels_h(const ll_plot_axes *ax)
{
	if (!labels_shown(ax->x.ticks) || !ax->x.ntick)
		return 0;
	return ax->x.rotate ? TICK_GAP + widest_label(&ax->x) : 2 + FH;
}

static int has_heat(const ll_plot_axes *ax)
{
	for (size_t i = 0; i < ax->nseries; i++)
		if (ax->series[i].kind == LL_PLOT_HEATMAP)
			return 1;
	return 0;
}

/* The heatmap whose colour bar the panel shows (its last with one), or NULL. */
static const ll_plot_series *cbar_series(const ll_plot_axes *ax)
{
	const ll_plot_series *hs = NULL;
	for (size_t i = 0; i < ax->nseries; i++)
		if (ax->series[i].kind == LL_PLOT_HEATMAP && ax->series[i].colorbar)
			hs = &ax->series[i];
	return hs;
}

/* Does the colour bar of a data area h px tall leave room for the NaN swatch? */
static int cbar_nan_box(const ll_plot_series *hs, double h)
{
	return hs && hs->nnan > 0 && h >= 4 * NAN_BOX;
}

/* Room right of the last x tick label, before the colour bar. */
static int cbar_gap(const ll_plot_axes *ax)
{
	int w = 0;
	if (labels_shown(ax->x.ticks) && ax->x.ntick)
		w = ax->x.rotate ? FH / 2 + 2 : ll_font_text_width(ax->x.tick_label[ax->x.ntick - 1], 1, 0) / 2 + 2;
	return w + 2 > CB_GAP ? w + 2 : CB_GAP;
}

/* Width of the colour bar's tick labels (and of its "NaN"). */
static int cbar_label_w(const ll_plot_axes *ax, const ll_plot_series *hs)
{
	int w = widest_label(&ax->cbar);
	if (hs->nnan > 0 && ll_font_text_width("NaN", 1, 0) > w)
		w = ll_font_text_width("NaN", 1, 0);
	return w;
}

typedef struct pads {
	int left, right, top, bottom;
} pads;

static pads panel_pads(const ll_plot_axes *ax)
{
	pads p;
	int yw = widest_label(&ax->y);
	const ll_plot_series *hs = cbar_series(ax);

	p.left = 2 + (ax->y.label[0] ? FH + LABEL_GAP : 0) + (yw ? yw + TICK_GAP : 0) +
		 (ax->y.ticks != LL_PLOT_TICKS_NONE ? TICK_LEN : 0);
	p.bottom = 2 + (ax->x.ticks != LL_PLOT_TICKS_NONE ? TICK_LEN : 0) + x_labels_h(ax) +
		   (ax->x.label[0] ? LABEL_GAP + FH : 0);
	p.top = ax->title[0] ? FH + TITLE_GAP : labels_shown(ax->y.ticks) ? FH / 2 + 5 : 4;
	p.right = 8;
	if (labels_shown(ax->x.ticks) && ax->x.ntick) {
		int w = ax->x.rotate ? FH / 2 + 2 : ll_font_text_width(ax->x.tick_label[ax->x.ntick - 1], 1, 0) / 2 + 2;
		if (w > p.right)
			p.right = w;
	}
	if (hs) {
		int lw = cbar_label_w(ax, hs);
		p.right = cbar_gap(ax) + CB_W + TICK_LEN + (lw ? TICK_GAP + lw : 0) +
			  (ax->cbar.label[0] ? LABEL_GAP + FH : 0) + 4;
	}
	return p;
}

static void widen(double *lo, double *hi, double span)
{
	double c = (*lo + *hi) / 2;
	*lo = c - span / 2;
	*hi = c + span / 2;
}

int ll_plot_layout(ll_plot_fig *fig, ll_err *err)
{
	size_t np;
	double *ext = NULL, *len = NULL;
	int *colL = NULL, *colR = NULL, *rowT = NULL, *rowB = NULL;
	int rc = LL_OK;

	if (!fig || !fig->axes)
		return ll_err_set(err, LL_EINVAL, "plot layout: figure not initialised");
	np = (size_t)fig->rows * (size_t)fig->cols;
	for (size_t p = 0; p < np; p++) {
		ll_plot_axes *ax = &fig->axes[p];
		for (int k = 0; k < 2; k++) {
			ll_plot_axis *a = k ? &ax->y : &ax->x;
			if (a->fixed && !(isfinite(a->lo) && isfinite(a->hi) && a->lo < a->hi))
				return ll_err_set(err, LL_EINVAL,
						  "plot panel (%zu,%zu): fixed %c range [%g, %g]: needs finite lo < hi",
						  p / (size_t)fig->cols, p % (size_t)fig->cols, k ? 'y' : 'x', a->lo, a->hi);
		}
		ax->laid_out = 0;
	}
	ext = ll_malloc_array(np * 4, sizeof *ext);
	len = ll_malloc_array(np * 2, sizeof *len);
	colL = ll_calloc_array((size_t)fig->cols, sizeof *colL);
	colR = ll_calloc_array((size_t)fig->cols, sizeof *colR);
	rowT = ll_calloc_array((size_t)fig->rows, sizeof *rowT);
	rowB = ll_calloc_array((size_t)fig->rows, sizeof *rowB);
	if (!ext || !len || !colL || !colR || !rowT || !rowB) {
		rc = ll_err_set(err, LL_ENOMEM, "plot layout: out of memory");
		goto out;
	}

	/* data extents, merged over share groups */
	for (size_t p = 0; p < np; p++)
		for (int k = 0; k < 2; k++)
			data_extent(&fig->axes[p], k, &ext[4 * p + 2 * k], &ext[4 * p + 2 * k + 1]);
	for (size_t p = 0; p < np; p++) {
		for (int k = 0; k < 2; k++) {
			const ll_plot_axis *a = k ? &fig->axes[p].y : &fig->axes[p].x;
			double mn = ext[4 * p + 2 * k], mx = ext[4 * p + 2 * k + 1];
			if (!a->share || fig->axes[p].hidden)
				continue;
			for (size_t q = 0; q < np; q++) {
				const ll_plot_axis *b = k ? &fig->axes[q].y : &fig->axes[q].x;
				if (q != p && b->share == a->share && !fig->axes[q].hidden) {
					mn = fmin(mn, ext[4 * q + 2 * k]);
					mx = fmax(mx, ext[4 * q + 2 * k + 1]);
				}
			}
			/* in place is fine: a group's union is the same from every member */
			ext[4 * p + 2 * k] = mn;
			ext[4 * p + 2 * k + 1] = mx;
		}
	}

	/* first guess at the data-area sizes */
	for (size_t p = 0; p < np; p++) {
		len[2 * p] = (double)(fig->width - 2 * MARGIN) / fig->cols - 50;
		len[2 * p + 1] = (double)(fig->height - 2 * MARGIN) / fig->rows - 30;
		for (int k = 0; k < 2; k++)
			if (len[2 * p + k] < MIN_PANEL)
				len[2 * p + k] = MIN_PANEL;
	}

	for (int pass = 0; pass < 2; pass++) {
		/* ranges: a share group uses the tick target of its shortest member */
		for (size_t p = 0; p < np; p++) {
			ll_plot_axes *ax = &fig->axes[p];
			for (int k = 0; k < 2; k++) {
				ll_plot_axis *a = k ? &ax->y : &ax->x;
				double l = len[2 * p + k];
				double mn = ext[4 * p + 2 * k], mx = ext[4 * p + 2 * k + 1];
				if (a->fixed) {
					a->vlo = a->lo, a->vhi = a->hi;
					continue;
				}
				if (a->share)
					for (size_t q = 0; q < np; q++) {
						const ll_plot_axis *b = k ? &fig->axes[q].y : &fig->axes[q].x;
						if (b->share == a->share && !fig->axes[q].hidden && len[2 * q + k] < l)
							l = len[2 * q + k];
					}
				if (a->zero && mn <= mx)
					mn = fmin(mn, 0), mx = fmax(mx, 0);
				ll_plot_nice_range(mn, mx,
						   a->ticks == LL_PLOT_TICKS_MINMAX ? MINMAX_TARGET : tick_target(a, k, l),
						   a->tight || has_heat(ax), &a->vlo, &a->vhi);
			}
			if (ax->equal) {
				double ux = (ax->x.vhi - ax->x.vlo) / fmax(len[2 * p] - 1, 1);
				double uy = (ax->y.vhi - ax->y.vlo) / fmax(len[2 * p + 1] - 1, 1);
				if (ux > uy)
					widen(&ax->y.vlo, &ax->y.vhi, ux * fmax(len[2 * p + 1] - 1, 1));
				else
					widen(&ax->x.vlo, &ax->x.vhi, uy * fmax(len[2 * p] - 1, 1));
			}
			axis_ticks(&ax->x, 0, len[2 * p], has_heat(ax));
			axis_ticks(&ax->y, 1, len[2 * p + 1], has_heat(ax));
			const ll_plot_series *hs = cbar_series(ax);
			ax->cbar.ntick = 0;
			if (hs) {
				double bl = len[2 * p + 1] - (cbar_nan_box(hs, len[2 * p + 1]) ? NAN_BOX + NAN_GAP : 0);
				ax->cbar.vlo = hs->zlo;
				ax->cbar.vhi = hs->zhi;
				axis_ticks(&ax->cbar, 1, bl - 2, 0);
			}
		}

		/* paddings line up per grid column and row */
		memset(colL, 0, (size_t)fig->cols * sizeof *colL);
		memset(colR, 0, (size_t)fig->cols * sizeof *colR);
		memset(rowT, 0, (size_t)fig->rows * sizeof *rowT);
		memset(rowB, 0, (size_t)fig->rows * sizeof *rowB);
		for (size_t p = 0; p < np; p++) {
			size_t r = p / (size_t)fig->cols, c = p % (size_t)fig->cols;
			pads pd;
			if (fig->axes[p].hidden)
				continue;
			pd = panel_pads(&fig->axes[p]);
			if (pd.left > colL[c])
				colL[c] = pd.left;
			if (pd.right > colR[c])
				colR[c] = pd.right;
			/* a title needs air above it, from the row before */
			if (r > 0 && fig->axes[p].title[0])
				pd.top += 8;
			if (pd.top > rowT[r])
				rowT[r] = pd.top;
			if (pd.bottom > rowB[r])
				rowB[r] = pd.bottom;
		}
		int top0 = MARGIN + (fig->title[0] ? FH + 10 : 0);
		double availw = fig->width - 2 * MARGIN, availh = fig->height - top0 - MARGIN, sw = 0, sh = 0;
		for (int c = 0; c < fig->cols; c++)
			availw -= colL[c] + colR[c], sw += fig->col_weight[c] > 0 ? fig->col_weight[c] : 0;
		for (int r = 0; r < fig->rows; r++)
			availh -= rowT[r] + rowB[r], sh += fig->row_weight[r] > 0 ? fig->row_weight[r] : 0;
		if (!(sw > 0) || !(sh > 0) || !isfinite(sw) || !isfinite(sh)) {
			rc = ll_err_set(err, LL_EINVAL, "plot layout: row and column weights must be positive");
			goto out;
		}
		if (availw < (double)MIN_PANEL * fig->cols || availh < (double)MIN_PANEL * fig->rows) {
			rc = ll_err_set(err, LL_EINVAL,
					"plot layout: figure %dx%d is too small for %dx%d panels with their labels",
					fig->width, fig->height, fig->rows, fig->cols);
			goto out;
		}
		double x = MARGIN;
		for (int c = 0; c < fig->cols; c++) {
			double wc = fig->col_weight[c] > 0 ? fig->col_weight[c] : 0;
			int x0, x1;
			x += colL[c];
			x0 = (int)lround(x);
			x += availw * wc / sw;
			x1 = (int)lround(x);
			x += colR[c];
			for (int r = 0; r < fig->rows; r++) {
				ll_plot_axes *ax = ll_plot_fig_axes(fig, r, c);
				ax->px0 = x0, ax->px1 = x1;
			}
		}
		double y = top0;
		for (int r = 0; r < fig->rows; r++) {
			double wr = fig->row_weight[r] > 0 ? fig->row_weight[r] : 0;
			int y0, y1;
			y += rowT[r];
			y0 = (int)lround(y);
			y += availh * wr / sh;
			y1 = (int)lround(y);
			y += rowB[r];
			for (int c = 0; c < fig->cols; c++) {
				ll_plot_axes *ax = ll_plot_fig_axes(fig, r, c);
				ax->py0 = y0, ax->py1 = y1;
			}
		}
		for (size_t p = 0; p < np; p++) {
			ll_plot_axes *ax = &fig->axes[p];
			len[2 * p] = ax->px1 - ax->px0;
			len[2 * p + 1] = ax->py1 - ax->py0;
			if (len[2 * p] < 2 || len[2 * p + 1] < 2) {
				rc = ll_err_set(err, LL_EINVAL, "plot layout: figure %dx%d is too small for %dx%d panels",
						fig->width, fig->height, fig->rows, fig->cols);
				goto out;
			}
		}
	}
	for (size_t p = 0; p < np; p++) {
		ll_plot_axes *ax = &fig->axes[p];
		const ll_plot_series *hs = cbar_series(ax);
		ax->cbx0 = ax->cbx1 = ax->cby0 = ax->cby1 = 0;
		if (hs) {
			ax->cbx0 = ax->px1 + cbar_gap(ax);
			ax->cbx1 = ax->cbx0 + CB_W;
			ax->cby0 = ax->py0;
			ax->cby1 = ax->py1 - (cbar_nan_box(hs, ax->py1 - ax->py0) ? NAN_BOX + NAN_GAP : 0);
		}
		ax->laid_out = 1;
	}
out:
	ll_free(ext);
	ll_free(len);
	ll_free(colL);
	ll_free(colR);
	ll_free(rowT);
	ll_free(rowB);
	return rc;
}

static double mapx(const ll_plot_axes *ax, double x)
{
	if (ax->x.invert)
		return ax->px1 - 0.5 - (x - ax->x.vlo) / (ax->x.vhi - ax->x.vlo) * (ax->px1 - ax->px0 - 1);
	return ax->px0 + 0.5 + (x - ax->x.vlo) / (ax->x.vhi - ax->x.vlo) * (ax->px1 - ax->px0 - 1);
}

static double mapy(const ll_plot_axes *ax, double y)
{
	if (ax->y.invert)
		return ax->py0 + 0.5 + (y - ax->y.vlo) / (ax->y.vhi - ax->y.vlo) * (ax->py1 - ax->py0 - 1);
	return ax->py1 - 0.5 - (y - ax->y.vlo) / (ax->y.vhi - ax->y.vlo) * (ax->py1 - ax->py0 - 1);
}

int ll_plot_map(const ll_plot_axes *ax, double x, double y, double *px, double *py)
{
	if (!ax || !ax->laid_out)
		return LL_EINVAL;
	if (px)
		*px = mapx(ax, x);
	if (py)
		*py = mapy(ax, y);
	return LL_OK;
}

int ll_plot_cbar_map(const ll_plot_axes *ax, double v, double *py)
{
	if (!ax || !ax->laid_out || ax->cbx1 <= ax->cbx0)
		return LL_EINVAL;
	if (py)
		*py = ax->cby1 - 1.5 - (v - ax->cbar.vlo) / (ax->cbar.vhi - ax->cbar.vlo) * (ax->cby1 - ax->cby0 - 3);
	return LL_OK;
}

/* ---- rendering ------------------------------------------------------ */

static int in_range(const ll_plot_axis *a, double v)
{
	double e = (a->vhi - a->vlo) * 1e-9;
	return v >= a->vlo - e && v <= a->vhi + e;
}

/* Put a line of this width on pixel boundaries so it is crisp. */
static double snap(double p, double width)
{
	long w = lround(width);
	if (w < 1)
		w = 1;
	return w % 2 ? floor(p) + 0.5 : round(p);
}

/* c blended towards white by f (0..1), alpha kept. */
static uint32_t lighten(uint32_t c, double f)
{
	uint32_t out = c & 0xFF000000u;
	for (int k = 0; k < 3; k++) {
		double v = (double)((c >> (8 * k)) & 0xFF);
		v += (255 - v) * f;
		out |= (uint32_t)lround(v) << (8 * k);
	}
	return out;
}

/* Copy s into buf, cut to at most maxw pixels with ".." at the end. */
static void fit_text(const char *s, int maxw, int bold, char *buf, size_t size)
{
	int adv = LL_FONT_WIDTH + (bold ? 1 : 0);
	size_t fit = maxw < adv ? 0 : (size_t)(maxw + 1) / (size_t)adv, n = 0, i;

	snprintf(buf, size, "%s", s);
	if (ll_font_chars(buf) <= fit)
		return;
	if (fit < 3) {
		buf[0] = '\0';
		return;
	}
	/* keep fit-2 characters, then ".." */
	for (i = 0; buf[i]; i++) {
		if (((unsigned char)buf[i] & 0xC0) == 0x80)
			continue;
		if (n == fit - 2)
			break;
		n++;
	}
	if (i + 3 <= size)
		memcpy(buf + i, "..", 3);
}

static void text_at(ll_raster *r, int x, int y, const char *s, uint32_t c, int flags)
{
	ll_raster_text(r, x, y, s, c, 1, flags);
}

/* Clip to the data area without its axis lines. */
static void clip_inside(ll_raster *r, const ll_plot_axes *ax)
{
	ll_raster_clip(r, ax->px0 + 1, ax->frame ? ax->py0 + 1 : ax->py0, ax->frame ? ax->px1 - 1 : ax->px1,
		       ax->py1 - 1);
}

/* Colour position of heatmap value v: 0..1, NaN for NaN. */
static double heat_t(const ll_plot_series *s, double v)
{
	if (isnan(v))
		return NAN;
	if (v <= s->zlo)
		return 0;
	if (v >= s->zhi)
		return 1;
	return (v - s->zlo) / (s->zhi - s->zlo);
}

/* Pixel box of heatmap cell (i, j), edges on pixel boundaries so cells
 * tile without seams. */
static void heat_cell_box(const ll_plot_axes *ax, size_t i, size_t j, double *x0, double *y0, double *x1,
			  double *y1)
{
	double a = round(mapx(ax, (double)j - 0.5)), b = round(mapx(ax, (double)j + 0.5));
	double c = round(mapy(ax, (double)i - 0.5)), d = round(mapy(ax, (double)i + 0.5));
	*x0 = fmin(a, b), *x1 = fmax(a, b);
	*y0 = fmin(c, d), *y1 = fmax(c, d);
}

static void heat_value_text(double v, int decimals, char *buf, size_t size)
{
	snprintf(buf, size, "%.*f", decimals, v);
	/* a value that rounds to zero prints without its sign */
	if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
		memmove(buf, buf + 1, strlen(buf));
}

static void draw_heat(ll_raster *r, const ll_plot_axes *ax, const ll_plot_series *s)
{
	double x0, y0, x1, y1, minw = INFINITY, minh = INFINITY;
	int tw = 0;
	char buf[48];

	clip_inside(r, ax);
	for (size_t i = 0; i < s->rows; i++)
		for (size_t j = 0; j < s->cols; j++) {
			double v = s->y[i * s->cols + j];
			heat_cell_box(ax, i, j, &x0, &y0, &x1, &y1);
			ll_raster_fill_rect(r, x0, y0, x1, y1, ll_plot_viridis(heat_t(s, v)));
			minw = fmin(minw, x1 - x0);
			minh = fmin(minh, y1 - y0);
			if (s->heat_values && isfinite(v)) {
				int w;
				heat_value_text(v, s->heat_decimals, buf, sizeof buf);
				w = ll_font_text_width(buf, 1, 0);
				if (w > tw)
					tw = w;
			}
		}
	/* values only if every one fits its cell */
	if (!s->heat_values || tw == 0 || tw + 4 > minw || FH + 1 > minh) {
		ll_raster_noclip(r);
		return;
	}
	for (size_t i = 0; i < s->rows; i++)
		for (size_t j = 0; j < s->cols; j++) {
			double v = s->y[i * s->cols + j];
			uint32_t c;
			double lum;
			int w;
			if (!isfinite(v))
				continue;
			c = ll_plot_viridis(heat_t(s, v));
			lum = (0.2126 * ((c >> 16) & 0xFF) + 0.7152 * ((c >> 8) & 0xFF) + 0.0722 * (c & 0xFF)) / 255;
			heat_value_text(v, s->heat_decimals, buf, sizeof buf);
			w = ll_font_text_width(buf, 1, 0);
			heat_cell_box(ax, i, j, &x0, &y0, &x1, &y1);
			/* digits have ink on rows 1..9: centre row 5 on the cell */
			text_at(r, (int)floor((x0 + x1 - w) / 2), (int)floor((y0 + y1) / 2 - 5.5), buf,
				lum > 0.5 ? TEXT_COLOR : LL_PLOT_WHITE, 0);
		}
	ll_raster_noclip(r);
}

/* The area between the band's curves, one pixel column at a time: each
 * segment paints the columns whose centres it spans, from its first point
 * (included) to its second (excluded unless the band ends there), so
 * joints are painted once. */
static void draw_band(ll_raster *r, const ll_plot_axes *ax, const ll_plot_series *s)
{
	clip_inside(r, ax);
	for (size_t i = 0; i + 1 < s->n; i++) {
		double xa, xb, la, lb, ha, hb, c0, c1;
		int ends;
		if (!isfinite(s->x[i]) || !isfinite(s->y[i]) || !isfinite(s->y2[i]) || !isfinite(s->x[i + 1]) ||
		    !isfinite(s->y[i + 1]) || !isfinite(s->y2[i + 1]))
			continue;
		ends = i + 2 >= s->n || !isfinite(s->x[i + 2]) || !isfinite(s->y[i + 2]) || !isfinite(s->y2[i + 2]);
		xa = mapx(ax, s->x[i]), xb = mapx(ax, s->x[i + 1]);
		la = mapy(ax, s->y[i]), lb = mapy(ax, s->y[i + 1]);
		ha = mapy(ax, s->y2[i]), hb = mapy(ax, s->y2[i + 1]);
		if (xb < xa) { /* x decreasing: the segment starts at its right end */
			double t;
			t = xa, xa = xb, xb = t;
			t = la, la = lb, lb = t;
			t = ha, ha = hb, hb = t;
			c0 = ends ? ceil(xa - 0.5) : floor(xa - 0.5) + 1;
			c1 = floor(xb - 0.5) + 1;
		} else {
			c0 = ceil(xa - 0.5);
			c1 = ends ? floor(xb - 0.5) + 1 : ceil(xb - 0.5);
		}
		c0 = fmax(c0, ax->px0 - 1.0);
		c1 = fmin(c1, ax->px1 + 1.0);
		for (double c = c0; c < c1; c++) {
			double f = xb > xa ? (c + 0.5 - xa) / (xb - xa) : 0, lo, hi;
			lo = la + (lb - la) * f;
			hi = ha + (hb - ha) * f;
			ll_raster_fill_rect(r, c, lo, c + 1, hi, s->color);
		}
	}
	ll_raster_noclip(r);
}

static void draw_series(ll_raster *r, const ll_plot_axes *ax, const ll_plot_series *s, double *bx, double *by)
{
	int mext = (int)ceil(s->marker_size) + 2;

	switch (s->kind) {
	case LL_PLOT_HEATMAP:
		draw_heat(r, ax, s);
		break;
	case LL_PLOT_BAND:
		draw_band(r, ax, s);
		break;
	case LL_PLOT_LINE:
	case LL_PLOT_TRAJ:
		for (size_t i = 0; i < s->n; i++) {
			int ok = isfinite(s->x[i]) && isfinite(s->y[i]);
			bx[i] = ok ? mapx(ax, s->x[i]) : NAN;
			by[i] = ok ? mapy(ax, s->y[i]) : NAN;
		}
		clip_inside(r, ax);
		if (s->kind == LL_PLOT_LINE) {
			ll_raster_polyline(r, bx, by, s->n, s->width, s->dash, s->color);
		} else if (s->n > 1) {
			/* fade in: chunks from light to full colour */
			size_t nseg = s->n - 1, nk = nseg < 32 ? nseg : 32;
			for (size_t c = 0; c < nk; c++) {
				size_t a = c * nseg / nk, b = (c + 1) * nseg / nk;
				double f = 0.7 * (1 - (double)(c + 1) / (double)nk);
				ll_raster_polyline(r, bx + a, by + a, b - a + 1, s->width, s->dash, lighten(s->color, f));
			}
		}
		ll_raster_clip(r, ax->px0 - mext, ax->py0 - mext, ax->px1 + mext, ax->py1 + mext);
		if (s->kind == LL_PLOT_LINE && s->marker) {
			for (size_t i = 0; i < s->n; i++)
				if (isfinite(bx[i]) && in_range(&ax->x, s->x[i]) && in_range(&ax->y, s->y[i]))
					ll_raster_marker(r, s->marker, bx[i], by[i], s->marker_size, 0, s->color,
							 LL_PLOT_WHITE, 1);
		} else if (s->kind == LL_PLOT_TRAJ) {
			size_t first = s->n, last = s->n, prev = s->n;
			for (size_t i = 0; i < s->n; i++)
				if (isfinite(bx[i])) {
					if (first == s->n)
						first = i;
					if (last != s->n && (bx[i] != bx[last] || by[i] != by[last]))
						prev = last;
					last = i;
				}
			if (last != s->n) {
				double ang = 0;
				if (prev != s->n)
					ang = atan2(bx[last] - bx[prev], -(by[last] - by[prev]));
				ll_raster_marker(r, LL_SHAPE_CIRCLE, bx[first], by[first], s->marker_size, 0,
						 lighten(s->color, 0.7), s->color, 1.5);
				ll_raster_marker(r, LL_SHAPE_TRIANGLE, bx[last], by[last], s->marker_size * 1.1, ang,
						 s->color, LL_PLOT_WHITE, 1);
			}
		}
		break;
	case LL_PLOT_SCATTER:
		ll_raster_clip(r, ax->px0 - mext, ax->py0 - mext, ax->px1 + mext, ax->py1 + mext);
		for (size_t i = 0; i < s->n; i++) {
			uint32_t c = s->colors && s->colors[i] != LL_PLOT_AUTO ? s->colors[i] : s->color;
			if (!isfinite(s->x[i]) || !isfinite(s->y[i]) || !in_range(&ax->x, s->x[i]) ||
			    !in_range(&ax->y, s->y[i]))
				continue;
			ll_raster_marker(r, s->marker ? s->marker : LL_SHAPE_CIRCLE, mapx(ax, s->x[i]),
					 mapy(ax, s->y[i]), s->marker_size, 0, c, 0, 0);
		}
		break;
	case LL_PLOT_BARS:
		clip_inside(r, ax);
		for (size_t i = 0; i < s->n; i++) {
			uint32_t c = s->colors && s->colors[i] != LL_PLOT_AUTO ? s->colors[i] : s->color;
			if (!isfinite(s->x[i]) || !isfinite(s->y[i]))
				continue;
			/* edges on pixel boundaries keep bars crisp; at least 1 px wide */
			double xl = round(mapx(ax, s->x[i] - s->width / 2)), xr = round(mapx(ax, s->x[i] + s->width / 2));
			if (xr - xl < 1)
				xr = xl + 1;
			ll_raster_fill_rect(r, xl, round(mapy(ax, 0)), xr, round(mapy(ax, s->y[i])), c);
		}
		break;
	case LL_PLOT_HLINE:
		if (isfinite(s->y[0])) {
			double py = snap(mapy(ax, s->y[0]), s->width);
			clip_inside(r, ax);
			ll_raster_line(r, ax->px0 + 0.5, py, ax->px1 - 0.5, py, s->width, s->dash, s->color);
		}
		break;
	case LL_PLOT_VLINE:
		if (isfinite(s->x[0])) {
			double px = snap(mapx(ax, s->x[0]), s->width);
			clip_inside(r, ax);
			ll_raster_line(r, px, ax->py0 + 0.5, px, ax->py1 - 0.5, s->width, s->dash, s->color);
		}
		break;
	default:
		break;
	}
	ll_raster_noclip(r);
}

static void draw_swatch(ll_raster *r, const ll_plot_series *s, int sx, int sw, double cy)
{
	double w = s->width > 4 ? 4 : s->width;

	switch (s->kind) {
	case LL_PLOT_BARS:
	case LL_PLOT_BAND:
		ll_raster_fill_rect(r, sx + 4, cy - 4.5, sx + sw - 4, cy + 4.5, s->color);
		return;
	case LL_PLOT_HEATMAP: /* the NaN cells' grey, framed */
		ll_raster_fill_rect(r, sx + 4, cy - 4.5, sx + sw - 4, cy + 4.5, AXIS_COLOR);
		ll_raster_fill_rect(r, sx + 5, cy - 3.5, sx + sw - 5, cy + 3.5, s->color);
		return;
	case LL_PLOT_SCATTER:
		ll_raster_marker(r, s->marker ? s->marker : LL_SHAPE_CIRCLE, sx + sw / 2.0, cy, s->marker_size,
				 0, s->color, 0, 0);
		return;
	case LL_PLOT_LEGEND_ONLY:
		if (s->marker) {
			ll_raster_marker(r, s->marker, sx + sw / 2.0, cy, s->marker_size, 0, s->color, 0, 0);
			return;
		}
		break;
	default:
		break;
	}
	if (s->kind == LL_PLOT_TRAJ) {
		ll_raster_line(r, sx + 1, cy, sx + sw - 5, cy, w, s->dash, s->color);
		ll_raster_marker(r, LL_SHAPE_TRIANGLE, sx + sw - 4, cy, 8, M_PI / 2, s->color, 0, 0);
		return;
	}
	ll_raster_line(r, sx + 1, cy, sx + sw - 1, cy, w, s->dash, s->color);
	if (s->kind == LL_PLOT_LINE && s->marker)
		ll_raster_marker(r, s->marker, sx + sw / 2.0, cy, s->marker_size, 0, s->color, LL_PLOT_WHITE, 1);
}

/* Data points of the panel inside [x0,x1) x [y0,y1), for placing the legend. */
static size_t points_in(const ll_plot_axes *ax, int x0, int y0, int x1, int y1)
{
	size_t n = 0;

	for (size_t i = 0; i < ax->nseries; i++) {
		const ll_plot_series *s = &ax->series[i];
		if (s->kind != LL_PLOT_LINE && s->kind != LL_PLOT_SCATTER && s->kind != LL_PLOT_TRAJ &&
		    s->kind != LL_PLOT_BARS && s->kind != LL_PLOT_BAND)
			continue;
		for (size_t j = 0; j < s->n; j++) {
			double px, py;
			if (!isfinite(s->x[j]) || !isfinite(s->y[j]))
				continue;
			/* a band counts its upper curve's points too */
			if (s->kind == LL_PLOT_BAND && isfinite(s->y2[j])) {
				px = mapx(ax, s->x[j]);
				py = mapy(ax, s->y2[j]);
				if (px >= x0 && px < x1 && py >= y0 && py < y1)
					n++;
			}
			px = mapx(ax, s->x[j]);
			py = mapy(ax, s->y[j]);
			if (px >= x0 && px < x1 && py >= y0 && py < y1)
				n++;
			/* a bar covers everything between its top and 0 */
			else if (s->kind == LL_PLOT_BARS && px >= x0 && px < x1) {
				double pz = mapy(ax, 0);
				if (fmin(py, pz) < y1 && fmax(py, pz) >= y0)
					n++;
			}
		}
	}
	return n;
}

static void draw_legend(ll_raster *r, const ll_plot_axes *ax)
{
	const int sw = 18, gap = 5, pad = 5, rowh = FH + 1, inset = 6;
	int n = 0, tw = 0, bw, bh, bx = 0, by = 0, pos = ax->legend;

	if (pos == LL_PLOT_LEGEND_OFF)
		return;
	for (size_t i = 0; i < ax->nseries; i++)
		if (ax->series[i].label[0]) {
			int w = ll_font_text_width(ax->series[i].label, 1, 0);
			n++;
			if (w > tw)
				tw = w;
		}
	if (n == 0)
		return;
	bw = pad + sw + gap + tw + pad;
	bh = pad - 1 + n * rowh + pad - 2;
	if (pos < LL_PLOT_LEGEND_NE || pos > LL_PLOT_LEGEND_SW) {
		size_t best = (size_t)-1;
		for (int c = LL_PLOT_LEGEND_NE; c <= LL_PLOT_LEGEND_SW; c++) {
			int cx = c == LL_PLOT_LEGEND_NE || c == LL_PLOT_LEGEND_SE ? ax->px1 - inset - bw : ax->px0 + inset + 1;
			int cy = c == LL_PLOT_LEGEND_NE || c == LL_PLOT_LEGEND_NW ? ax->py0 + inset : ax->py1 - inset - 1 - bh;
			size_t k = points_in(ax, cx, cy, cx + bw, cy + bh);
			if (k < best)
				best = k, pos = c;
		}
	}
	bx = pos == LL_PLOT_LEGEND_NE || pos == LL_PLOT_LEGEND_SE ? ax->px1 - inset - bw : ax->px0 + inset + 1;
	by = pos == LL_PLOT_LEGEND_NE || pos == LL_PLOT_LEGEND_NW ? ax->py0 + inset : ax->py1 - inset - 1 - bh;
	ll_raster_fill_rect(r, bx, by, bx + bw, by + bh, LEGEND_FILL);
	ll_raster_fill_rect(r, bx, by, bx + bw, by + 1, LEGEND_EDGE);
	ll_raster_fill_rect(r, bx, by + bh - 1, bx + bw, by + bh, LEGEND_EDGE);
	ll_raster_fill_rect(r, bx, by + 1, bx + 1, by + bh - 1, LEGEND_EDGE);
	ll_raster_fill_rect(r, bx + bw - 1, by + 1, bx + bw, by + bh - 1, LEGEND_EDGE);
	int row = by + pad - 1;
	for (size_t i = 0; i < ax->nseries; i++) {
		const ll_plot_series *s = &ax->series[i];
		if (!s->label[0])
			continue;
		draw_swatch(r, s, bx + pad, sw, row + 5.5);
		text_at(r, bx + pad + sw + gap, row, s->label, TEXT_COLOR, 0);
		row += rowh;
	}
}

static void draw_frame(ll_raster *r, int x0, int y0, int x1, int y1, uint32_t c)
{
	ll_raster_fill_rect(r, x0, y0, x1, y0 + 1, c);
	ll_raster_fill_rect(r, x0, y1 - 1, x1, y1, c);
	ll_raster_fill_rect(r, x0, y0 + 1, x0 + 1, y1 - 1, c);
	ll_raster_fill_rect(r, x1 - 1, y0 + 1, x1, y1 - 1, c);
}

/* The colour bar: viridis from cbar.vlo (bottom) to cbar.vhi (top) inside
 * a 1 px frame, ticks and labels on its right, the caption beyond them
 * reading upwards, and the NaN swatch below it. */
static void draw_cbar(ll_raster *r, const ll_plot_axes *ax)
{
	const ll_plot_series *hs = cbar_series(ax);
	int x0 = ax->cbx0, x1 = ax->cbx1, y0 = ax->cby0, y1 = ax->cby1, lw, tx;
	char buf[LL_PLOT_TEXT_MAX];

	if (!hs || x1 <= x0 || y1 - y0 < 4)
		return;
	for (int row = y0 + 1; row < y1 - 1; row++) {
		double t = y1 - y0 > 4 ? (double)(y1 - 2 - row) / (y1 - y0 - 3) : 0.5;
		ll_raster_fill_rect(r, x0 + 1, row, x1 - 1, row + 1, ll_plot_viridis(t));
	}
	draw_frame(r, x0, y0, x1, y1, AXIS_COLOR);
	tx = x1 + TICK_LEN + TICK_GAP;
	for (int i = 0; i < ax->cbar.ntick; i++) {
		double py;
		int row;
		ll_plot_cbar_map(ax, ax->cbar.tick[i], &py);
		row = (int)floor(py);
		row = row < y0 ? y0 : row > y1 - 1 ? y1 - 1 : row;
		ll_raster_fill_rect(r, x1, row, x1 + TICK_LEN, row + 1, AXIS_COLOR);
		if (labels_shown(ax->cbar.ticks))
			text_at(r, tx, row - 5, ax->cbar.tick_label[i], TEXT_COLOR, 0);
	}
	if (cbar_nan_box(hs, ax->py1 - ax->py0)) {
		int b0 = ax->py1 - NAN_BOX;
		ll_raster_fill_rect(r, x0 + 1, b0 + 1, x1 - 1, ax->py1 - 1, LL_PLOT_NAN_GREY);
		draw_frame(r, x0, b0, x1, ax->py1, AXIS_COLOR);
		text_at(r, tx, b0 + NAN_BOX / 2 - 5, "NaN", TEXT_COLOR, 0);
	}
	if (ax->cbar.label[0]) {
		lw = cbar_label_w(ax, hs);
		fit_text(ax->cbar.label, y1 - y0 + 20, 0, buf, sizeof buf);
		text_at(r, tx + (lw ? lw + LABEL_GAP : 0), (y0 + y1) / 2 - ll_font_text_width(buf, 1, 0) / 2, buf,
			TEXT_COLOR, LL_TEXT_UP);
	}
}

static void draw_panel(ll_raster *r, const ll_plot_axes *ax, double *bx, double *by)
{
	int x0 = ax->px0, x1 = ax->px1, y0 = ax->py0, y1 = ax->py1;
	int yw = widest_label(&ax->y), cw = r->w / r->scale;
	char buf[LL_PLOT_TEXT_MAX];

	if (ax->grid) {
		for (int i = 0; i < ax->x.ntick; i++) {
			double px = snap(mapx(ax, ax->x.tick[i]), 1);
			ll_raster_fill_rect(r, px - 0.5, y0, px + 0.5, y1, GRID_COLOR);
		}
		for (int i = 0; i < ax->y.ntick; i++) {
			double py = snap(mapy(ax, ax->y.tick[i]), 1);
			ll_raster_fill_rect(r, x0, py - 0.5, x1, py + 0.5, GRID_COLOR);
		}
	}
	/* axis lines (the left column and bottom row of the box) go under the
	 * data, which is clipped off them: bars and lines stop at the axis,
	 * while markers on the edge stay whole */
	ll_raster_fill_rect(r, x0, y0, x0 + 1, y1, AXIS_COLOR);
	ll_raster_fill_rect(r, x0, y1 - 1, x1, y1, AXIS_COLOR);
	if (ax->frame) {
		ll_raster_fill_rect(r, x1 - 1, y0, x1, y1, AXIS_COLOR);
		ll_raster_fill_rect(r, x0, y0, x1, y0 + 1, AXIS_COLOR);
	}
	/* heatmaps, then bands, then the rest in order */
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < ax->nseries; i++) {
			int k = ax->series[i].kind;
			if (pass == (k == LL_PLOT_HEATMAP ? 0 : k == LL_PLOT_BAND ? 1 : 2))
				draw_series(r, ax, &ax->series[i], bx, by);
		}

	/* x ticks and labels */
	for (int i = 0; i < ax->x.ntick; i++) {
		int col = (int)floor(mapx(ax, ax->x.tick[i]));
		col = col < x0 ? x0 : col > x1 - 1 ? x1 - 1 : col;
		ll_raster_fill_rect(r, col, y1, col + 1, y1 + TICK_LEN, AXIS_COLOR);
		if (labels_shown(ax->x.ticks) && ax->x.rotate) {
			/* reads upwards, its end under the tick */
			const char *t = ax->x.tick_label[i];
			text_at(r, col - 5, y1 + TICK_LEN + TICK_GAP, t, TEXT_COLOR, LL_TEXT_UP); /* ink columns 1..9 */
		} else if (labels_shown(ax->x.ticks)) {
			const char *t = ax->x.tick_label[i];
			int w = ll_font_text_width(t, 1, 0), tx = col - (w - 1) / 2;
			tx = tx + w > cw ? cw - w : tx;
			tx = tx < 0 ? 0 : tx;
			text_at(r, tx, y1 + TICK_LEN + 1, t, TEXT_COLOR, 0);
		}
	}
	/* y ticks and labels */
	for (int i = 0; i < ax->y.ntick; i++) {
		int row = (int)floor(mapy(ax, ax->y.tick[i]));
		row = row < y0 ? y0 : row > y1 - 1 ? y1 - 1 : row;
		ll_raster_fill_rect(r, x0 - TICK_LEN, row, x0, row + 1, AXIS_COLOR);
		if (labels_shown(ax->y.ticks)) {
			const char *t = ax->y.tick_label[i];
			int w = ll_font_text_width(t, 1, 0);
			text_at(r, x0 - TICK_LEN - TICK_GAP - w, row - 5, t, TEXT_COLOR, 0);
		}
	}
	/* axis labels and title, cut to the panel's size */
	if (ax->x.label[0]) {
		int ty = y1 + (ax->x.ticks != LL_PLOT_TICKS_NONE ? TICK_LEN : 0) + x_labels_h(ax) + LABEL_GAP - 1;
		fit_text(ax->x.label, x1 - x0 + 40, 0, buf, sizeof buf);
		text_at(r, (x0 + x1) / 2 - ll_font_text_width(buf, 1, 0) / 2, ty, buf, TEXT_COLOR, 0);
	}
	if (ax->y.label[0]) {
		int tx = x0 - (ax->y.ticks != LL_PLOT_TICKS_NONE ? TICK_LEN : 0) - (yw ? yw + TICK_GAP : 0) -
			 LABEL_GAP - FH + 1;
		fit_text(ax->y.label, y1 - y0 + 20, 0, buf, sizeof buf);
		text_at(r, tx, (y0 + y1) / 2 - ll_font_text_width(buf, 1, 0) / 2, buf, TEXT_COLOR, LL_TEXT_UP);
	}
	if (ax->title[0]) {
		fit_text(ax->title, x1 - x0 + 40, 1, buf, sizeof buf);
		text_at(r, (x0 + x1) / 2 - ll_font_text_width(buf, 1, 1) / 2, y0 - FH - TITLE_GAP + 1, buf,
			TEXT_COLOR, LL_TEXT_BOLD);
	}
	draw_cbar(r, ax);
	draw_legend(r, ax);
}

int ll_plot_fig_scale(const ll_plot_fig *fig)
{
	return fig->scale > 1 ? fig->scale : 1;
}

int ll_plot_render(ll_plot_fig *fig, ll_raster *out, ll_err *err)
{
	size_t np, maxn = 1;
	double *scratch;
	int rc;

	memset(out, 0, sizeof *out);
	rc = ll_plot_layout(fig, err);
	if (rc != LL_OK)
		return rc;
	np = (size_t)fig->rows * (size_t)fig->cols;
	for (size_t p = 0; p < np; p++)
		for (size_t i = 0; i < fig->axes[p].nseries; i++)
			if (fig->axes[p].series[i].kind != LL_PLOT_HEATMAP && fig->axes[p].series[i].n > maxn)
				maxn = fig->axes[p].series[i].n;
	scratch = ll_malloc_array(maxn, 2 * sizeof(double));
	if (!scratch)
		return ll_err_set(err, LL_ENOMEM, "plot: %zu points: out of memory", maxn);
	const int sc = ll_plot_fig_scale(fig);
	if (fig->width > LL_RASTER_MAX_DIM / sc || fig->height > LL_RASTER_MAX_DIM / sc) {
		ll_free(scratch);
		return ll_err_set(err, LL_EINVAL, "plot: %dx%d at scale %d is larger than %d pixels", fig->width,
				  fig->height, sc, LL_RASTER_MAX_DIM);
	}
	rc = ll_raster_init(out, fig->width * sc, fig->height * sc, fig->background, err);
	if (rc != LL_OK) {
		ll_free(scratch);
		return rc;
	}
	ll_raster_set_scale(out, sc);
	if (fig->title[0]) {
		char buf[LL_PLOT_TEXT_MAX];
		fit_text(fig->title, fig->width - 2 * MARGIN, 1, buf, sizeof buf);
		text_at(out, fig->width / 2 - ll_font_text_width(buf, 1, 1) / 2, MARGIN, buf, TEXT_COLOR,
			LL_TEXT_BOLD);
	}
	for (size_t p = 0; p < np; p++)
		if (!fig->axes[p].hidden)
			draw_panel(out, &fig->axes[p], scratch, scratch + maxn);
	ll_free(scratch);
	return LL_OK;
}

int ll_plot_encode_png(ll_plot_fig *fig, const ll_png_text *meta, size_t nmeta,
		       uint8_t **png, size_t *len, ll_err *err)
{
	ll_raster r;
	int rc;

	*png = NULL;
	*len = 0;
	rc = ll_plot_render(fig, &r, err);
	if (rc != LL_OK)
		return rc;
	rc = ll_png_encode(r.rgb, r.w, r.h, meta, nmeta, png, len, err);
	ll_raster_free(&r);
	return rc;
}

int ll_plot_write_png(ll_plot_fig *fig, const char *path, const ll_png_text *meta, size_t nmeta,
		      ll_err *err)
{
	ll_raster r;
	int rc;

	rc = ll_plot_render(fig, &r, err);
	if (rc != LL_OK) {
		ll_err_prefix(err, "%s", path);
		return rc;
	}
	rc = ll_png_write(path, r.rgb, r.w, r.h, meta, nmeta, err);
	ll_raster_free(&r);
	return rc;
}
