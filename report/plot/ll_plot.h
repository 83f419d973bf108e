/*
 * ll_plot.h - figures of panels with linear axes, rendered to PNG.
 *
 *   ll_plot_fig fig;
 *   ll_plot_fig_init(&fig, 800, 600, 1, 1, &err);
 *   ll_plot_axes *ax = ll_plot_fig_axes(&fig, 0, 0);
 *   ll_plot_line(ax, x, y, n, NULL, &err);        // NULL style: defaults
 *   snprintf(ax->x.label, sizeof ax->x.label, "rank");
 *   ll_plot_write_png(&fig, "fit.png", meta, 2, &err);
 *   ll_plot_fig_free(&fig);
 *
 * Ownership: the caller owns the ll_plot_fig struct; ll_plot_fig_init
 * allocates its panels, and every ll_plot_<series> call copies its data
 * (and label), so the caller's arrays may be freed right after the call.
 * ll_plot_fig_free releases everything.
 *
 * Panels ("axes") sit in a rows x cols grid, row-major.  Set options by
 * writing the fields of ll_plot_axes / ll_plot_axis (zero = default).
 * Within a grid column every panel gets the same left and right padding,
 * and within a row the same top and bottom padding, so axes line up.
 *
 * Coordinates: pixel (i, j) covers [i, i+1) x [j, j+1).  A panel's data
 * area is the pixel box [px0, px1) x [py0, py1) whose left column and
 * bottom row hold the axis lines; the x range maps from the centre of
 * column px0 to the centre of column px1-1, and the y range from the centre
 * of row py1-1 (bottom) up to the centre of row py0 (see ll_plot_map).
 *
 * Colours are 0xAARRGGBB (LL_RGB from ll_raster.h; alpha 0xFF = opaque).
 * LL_PLOT_AUTO (0) takes the next colour of the Okabe-Ito palette (Okabe &
 * Ito 2008, colour-blind safe) in this order: blue #0072B2, vermillion
 * #D55E00, bluish green #009E73, orange #E69F00, reddish purple #CC79A7,
 * sky blue #56B4E9, yellow #F0E442, black #000000.  From the 9th
 * auto-coloured series of a panel on, the colours repeat and series are
 * told apart by style: lines get dashes (9th-16th: 6 px dashes, 17th-24th:
 * 2 px dots, ...), scatter markers cycle circle, square, triangle, diamond,
 * triangle-down.
 *
 * Heatmaps (ll_plot_heatmap) colour their cells with viridis, a
 * perceptually uniform sequential map whose lightness rises steadily from
 * dark purple to yellow, so it reads in grey and with the common colour
 * vision deficiencies (van der Walt & Smith, matplotlib 2015; the numbers
 * come from matplotlib's table, see ll_plot_viridis).  Cells with NaN are a
 * neutral grey (LL_PLOT_NAN_GREY), said next to the colour bar or, without
 * one, in the legend.  A heatmap panel gets tight x and y ranges and
 * integer ticks unless set otherwise, and its colour bar sits right of the
 * data area: its room is right padding of the panel's grid cell, shared by
 * the grid column like all padding, so the panels of a column keep the
 * same x extent.
 *
 * Drawing order within a panel: heatmaps, then bands, then every other
 * series in the order added; so a band always lies under its mean line.
 *
 * Text uses the embedded 6x13 bitmap font (ll_font.h), printable ASCII.
 * Output is deterministic: the same figure gives the same PNG bytes.
 */
#ifndef LL_PLOT_H
#define LL_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"
#include "plot/ll_png.h"
#include "plot/ll_raster.h"

#define LL_PLOT_TEXT_MAX 96   /* bytes kept of titles and labels (with NUL) */
#define LL_PLOT_MAX_TICKS 32  /* ticks per axis */
#define LL_PLOT_MAX_GRID 64   /* rows and cols per figure */
#define LL_PLOT_MIN_DIM 32    /* smallest figure width or height */

#define LL_PLOT_AUTO 0u /* colour: next palette colour (grey for reference lines) */
#define LL_PLOT_BLACK LL_RGB(0, 0, 0)
#define LL_PLOT_GREY LL_RGB(0x80, 0x80, 0x80)
#define LL_PLOT_WHITE LL_RGB(0xFF, 0xFF, 0xFF)
#define LL_PLOT_NAN_GREY LL_RGB(0xBE, 0xBE, 0xBE) /* heatmap cells holding NaN */
#define LL_PLOT_BAND_ALPHA 0x40 /* an opaque band colour is drawn at this alpha */
#define LL_PLOT_TICK_TEXT 24    /* bytes kept of a tick label (with NUL) */

enum ll_plot_ticks {
	LL_PLOT_TICKS_ALL = 0, /* 1-2-5 ticks, all labelled */
	LL_PLOT_TICKS_MINMAX,  /* ticks and labels only at the two ends of the range */
	LL_PLOT_TICKS_MARKS,   /* 1-2-5 tick marks without labels */
	LL_PLOT_TICKS_NONE     /* no ticks, no labels */
};

enum ll_plot_marker {
	LL_PLOT_MARKER_DEFAULT = 0, /* circle for scatter, none for lines */
	LL_PLOT_MARKER_NONE,
	LL_PLOT_MARKER_CIRCLE,
	LL_PLOT_MARKER_SQUARE,
	LL_PLOT_MARKER_TRIANGLE,
	LL_PLOT_MARKER_DIAMOND,
	LL_PLOT_MARKER_TRIANGLE_DOWN
};

enum ll_plot_legend {
	LL_PLOT_LEGEND_BEST = 0, /* the corner covering the fewest data points */
	LL_PLOT_LEGEND_NE,
	LL_PLOT_LEGEND_NW,
	LL_PLOT_LEGEND_SE,
	LL_PLOT_LEGEND_SW,
	LL_PLOT_LEGEND_OFF
};

enum ll_plot_kind {
	LL_PLOT_LINE = 1,
	LL_PLOT_SCATTER,
	LL_PLOT_BARS,
	LL_PLOT_HLINE,
	LL_PLOT_VLINE,
	LL_PLOT_TRAJ,
	LL_PLOT_LEGEND_ONLY,
	LL_PLOT_HEATMAP,
	LL_PLOT_BAND
};

/* Where row 0 of a heatmap goes. */
enum ll_plot_origin {
	LL_PLOT_ORIGIN_TOP = 0, /* as a matrix is read: sets the panel's y.invert */
	LL_PLOT_ORIGIN_BOTTOM   /* as a graph: row index grows upwards (y.invert untouched) */
};

/* How a series looks; a NULL style or zero fields mean the defaults. */
typedef struct ll_plot_style {
	uint32_t color;     /* LL_PLOT_AUTO or 0xAARRGGBB */
	double width;       /* line width in px (lines 1.5, reference lines 1, trajectories 1.5);
			       for bars: bar width in x units (0.8 of the smallest x step) */
	int marker;         /* enum ll_plot_marker */
	double marker_size; /* px across (6; trajectory start/end markers 9) */
	double dash;        /* > 0: dashes and gaps of this many px */
	const char *label;  /* legend text (copied); NULL or "": not in the legend */
} ll_plot_style;

/* How a heatmap looks; a NULL style or zero fields mean the defaults. */
typedef struct ll_plot_heat_style {
	int fixed;         /* 1: colours span [lo, hi] (finite, lo < hi) and values
			      outside take the end colours; 0: the finite min..max */
	double lo, hi;
	int origin;        /* enum ll_plot_origin */
	int no_colorbar;   /* 1: no colour bar (NaN cells are then said in the legend) */
	int values;        /* 1: write each finite value in its cell, if every value fits */
	int decimals;      /* digits after the point for those values: 0 = 2, 1..6, -1 = none */
	const char *label; /* colour bar caption (copied into the panel's cbar.label) */
} ll_plot_heat_style;

/* One series, as stored (all owned by its panel). */
typedef struct ll_plot_series {
	int kind;         /* enum ll_plot_kind */
	size_t n;
	double *x, *y;    /* n points (x = 0..n-1 if the caller gave none);
			     heatmap: x NULL, y the rows*cols values row-major;
			     band: y the lower curve */
	double *y2;       /* band: the upper curve (n), else NULL */
	size_t rows, cols;    /* heatmap: its shape */
	double zlo, zhi;      /* heatmap: the value range of the colours */
	size_t nnan;          /* heatmap: cells holding NaN */
	int heat_values;      /* heatmap: write the values (ll_plot_heat_style.values) */
	int heat_decimals;    /* heatmap: their digits after the point (resolved) */
	int colorbar;         /* heatmap: 1 if it has a colour bar */
	uint32_t *colors; /* n per-point colours (scatter, bars) or NULL */
	uint32_t color;   /* resolved colour */
	double width, marker_size, dash;
	int marker;       /* enum ll_raster_shape, 0 = none */
	char label[LL_PLOT_TEXT_MAX];
} ll_plot_series;

typedef struct ll_plot_axis {
	/* options */
	int fixed;      /* 1: use [lo, hi] as given (lo < hi) */
	double lo, hi;
	int tight;      /* auto range: exactly the data's min..max */
	int zero;       /* auto range: include 0 (always on for bar heights) */
	int ticks;      /* enum ll_plot_ticks */
	int nticks;     /* aim for at most this many tick intervals (0: from the axis length) */
	int share;      /* non-zero: panels whose same axis has this id share one range */
	int invert;     /* 1: values grow downwards (y) or leftwards (x) */
	int rotate;     /* x axis: tick labels turned to read upwards (for long names) */
	char label[LL_PLOT_TEXT_MAX];
	/* ticks set with ll_plot_axis_ticks (nuser = 0: automatic 1-2-5 ticks) */
	int nuser;
	double user[LL_PLOT_MAX_TICKS];
	char user_label[LL_PLOT_MAX_TICKS][LL_PLOT_TICK_TEXT];
	/* filled by ll_plot_layout */
	double vlo, vhi;  /* the range drawn */
	double step;      /* spacing of the 1-2-5 ticks (0 for user ticks) */
	int ntick;
	double tick[LL_PLOT_MAX_TICKS];
	char tick_label[LL_PLOT_MAX_TICKS][LL_PLOT_TICK_TEXT];
} ll_plot_axis;

typedef struct ll_plot_axes {
	ll_plot_axis x, y;
	char title[LL_PLOT_TEXT_MAX];
	int legend; /* enum ll_plot_legend; drawn if some series has a label */
	int grid;   /* light lines at the ticks */
	int frame;  /* 1: axis lines on all four sides; 0: left and bottom */
	int equal;  /* same data units per pixel on x and y (widens one range) */
	int hidden; /* leave this cell empty */
	/* The colour bar of the panel's last heatmap that has one: its scale.
	 * Options that apply: label (the caption; ll_plot_heatmap sets it from
	 * its style's label), ticks, nticks, and user ticks through
	 * ll_plot_axis_ticks; the range is the heatmap's. */
	ll_plot_axis cbar;
	/* series, in the order added (owned) */
	ll_plot_series *series;
	size_t nseries, capseries;
	size_t nauto; /* palette colours handed out */
	/* filled by ll_plot_layout */
	int laid_out;
	int px0, py0, px1, py1;
	/* the colour bar's box with its 1 px frame, [cbx0, cbx1) x [cby0, cby1);
	 * all 0 without one.  The colours fill the inside: its top row is
	 * cbar.vhi, its bottom row cbar.vlo (see ll_plot_cbar_map) */
	int cbx0, cby0, cbx1, cby1;
} ll_plot_axes;

typedef struct ll_plot_fig {
	int width, height, rows, cols;
	char title[LL_PLOT_TEXT_MAX]; /* drawn bold, centred, above all panels */
	uint32_t background;          /* default white */
	/* pixels of the rendered image per pixel of the layout (0 = 1): 2
	 * renders a width x height figure as a (2 width) x (2 height) image
	 * that looks the same at twice the resolution (ll_raster_set_scale) */
	int scale;
	ll_plot_axes *axes;           /* rows*cols, row-major (owned) */
	double *row_weight;           /* rows: relative panel heights, default 1 (owned) */
	double *col_weight;           /* cols: relative panel widths, default 1 (owned) */
} ll_plot_fig;

/* A width x height pixel figure with rows x cols panels.  LL_EINVAL unless
 * LL_PLOT_MIN_DIM <= width, height <= LL_RASTER_MAX_DIM and
 * 1 <= rows, cols <= LL_PLOT_MAX_GRID; LL_ENOMEM. */
int ll_plot_fig_init(ll_plot_fig *fig, int width, int height, int rows, int cols, ll_err *err);
void ll_plot_fig_free(ll_plot_fig *fig);
/* Panel (row, col), or NULL if out of range. */
ll_plot_axes *ll_plot_fig_axes(ll_plot_fig *fig, int row, int col);
/* tensortools plot_factors conventions for rows row0..row0+nrows-1: each
 * column shares its x and y ranges, y ticks only at the range ends, x tick
 * labels only on the last of these rows (marks above).  Sets the share ids
 * to values >= 0x1000000, so keep your own ids below that. */
void ll_plot_fig_factor_style(ll_plot_fig *fig, int row0, int nrows);

/* Series.  x may be NULL (then 0, 1, ..., n-1); points with a non-finite
 * coordinate are skipped (a line breaks there).  n = 0 is allowed.
 * LL_EINVAL for a NULL panel, NULL y with n > 0, or a bad style field. */
int ll_plot_line(ll_plot_axes *ax, const double *x, const double *y, size_t n,
		 const ll_plot_style *st, ll_err *err);
/* colors: NULL or n per-point colours (LL_PLOT_AUTO entries: the series colour). */
int ll_plot_scatter(ll_plot_axes *ax, const double *x, const double *y, size_t n,
		    const uint32_t *colors, const ll_plot_style *st, ll_err *err);
/* Vertical bars from 0 to y[i], centred on x[i]. */
int ll_plot_bars(ll_plot_axes *ax, const double *x, const double *y, size_t n,
		 const uint32_t *colors, const ll_plot_style *st, ll_err *err);
/* Reference lines across the whole panel at y = v / x = v. */
int ll_plot_hline(ll_plot_axes *ax, double v, const ll_plot_style *st, ll_err *err);
int ll_plot_vline(ll_plot_axes *ax, double v, const ll_plot_style *st, ll_err *err);
/* A 2-D trajectory: a line fading in from light to full colour, a circle at
 * the first point and a triangle at the last pointing along the motion. */
int ll_plot_traj(ll_plot_axes *ax, const double *x, const double *y, size_t n,
		 const ll_plot_style *st, ll_err *err);
/* A legend entry without data (e.g. for per-point colours): shows the
 * marker if st->marker names one, else a line.  Needs st->label. */
int ll_plot_legend_add(ll_plot_axes *ax, const ll_plot_style *st, ll_err *err);

/* A rows x cols matrix z (row-major, copied) as a heatmap: cell (i, j) fills
 * [j-0.5, j+0.5] x [i-0.5, i+0.5] in data coordinates, with row 0 at the
 * top unless st->origin says otherwise.  Colour: viridis at
 * t = (v - lo) / (hi - lo), clamped to [0, 1] (+-inf take the ends; lo ==
 * hi puts every cell at the middle colour); NaN cells LL_PLOT_NAN_GREY.
 * LL_EINVAL for a NULL panel or z, rows or cols 0, rows*cols overflowing,
 * a fixed range that is not finite lo < hi, or decimals outside -1..6. */
int ll_plot_heatmap(ll_plot_axes *ax, const double *z, size_t rows, size_t cols,
		    const ll_plot_heat_style *st, ll_err *err);
/* The area between lo[i] and hi[i] over x[i] (NULL: 0..n-1), filled
 * semi-transparent: an opaque st->color (or the automatic one) is drawn
 * at alpha LL_PLOT_BAND_ALPHA, a colour with alpha < 0xFF as given.  x
 * should be monotone; a point with a non-finite x, lo or hi breaks the
 * band.  An automatic colour is the one the NEXT automatic series of the
 * panel will get, without using it up: add the band, then its line, and
 * both match.  Drawn under every line (see the drawing order above).
 * LL_EINVAL for a NULL panel, or lo or hi NULL with n > 0. */
int ll_plot_band(ll_plot_axes *ax, const double *x, const double *lo, const double *hi, size_t n,
		 const ll_plot_style *st, ll_err *err);

/* Ticks of axis a at pos[k] (pos NULL: k = 0, 1, ..., n-1) labelled
 * labels[k] (labels or labels[k] NULL: the position formatted), instead of
 * the 1-2-5 ticks; n = 0 goes back to automatic ticks.  E.g. model names
 * along the axes of a heatmap.  Labels are cut to LL_PLOT_TICK_TEXT-1
 * bytes (at a character boundary).  With more than LL_PLOT_MAX_TICKS
 * positions every k-th is kept, k = ceil(n / LL_PLOT_MAX_TICKS); at layout
 * ticks outside the range are dropped and, where labels would touch, only
 * every k-th is labelled and marked.  The axis's ticks option still
 * applies (MINMAX acts as ALL).  LL_EINVAL for a NULL axis or a non-finite
 * position. */
int ll_plot_axis_ticks(ll_plot_axis *a, const double *pos, const char *const *labels, size_t n,
		       ll_err *err);

/* Resolve ranges, ticks and pixel boxes (ll_plot_render calls it).
 * LL_EINVAL if a fixed range is not lo < hi or the figure is too small for
 * its panels and text. */
int ll_plot_layout(ll_plot_fig *fig, ll_err *err);
/* Data (x, y) to pixel coordinates in a laid-out panel.  LL_EINVAL if the
 * panel has not been laid out. */
int ll_plot_map(const ll_plot_axes *ax, double x, double y, double *px, double *py);
/* Value v to the pixel row (centre) of the laid-out panel's colour bar;
 * LL_EINVAL if it has none. */
int ll_plot_cbar_map(const ll_plot_axes *ax, double v, double *py);

/* Draw the figure into *out (initialised here; free with ll_raster_free). */
int ll_plot_render(ll_plot_fig *fig, ll_raster *out, ll_err *err);
/* fig->scale as used: at least 1 */
int ll_plot_fig_scale(const ll_plot_fig *fig);
/* Render and encode as PNG into a malloc'd buffer (caller frees), e.g. for
 * a data: URI. */
int ll_plot_encode_png(ll_plot_fig *fig, const ll_png_text *meta, size_t nmeta,
		       uint8_t **png, size_t *len, ll_err *err);
/* Render and write a PNG through a temporary file and a rename: on failure
 * (LL_EIO with path in the message) nothing is left behind. */
int ll_plot_write_png(ll_plot_fig *fig, const char *path, const ll_png_text *meta, size_t nmeta,
		      ll_err *err);

/* ---- helpers, exposed for tests and callers ---- */

/* Palette colour k (cycles every 8). */
uint32_t ll_plot_palette(size_t k);
/* Viridis at t in [0, 1] (clamped; NaN gives LL_PLOT_NAN_GREY): linear
 * interpolation in sRGB between 33 control points, within 2/255 of
 * matplotlib's 256-entry table. */
uint32_t ll_plot_viridis(double t);
/* 1-2-5 ticks: *step = the smallest 1, 2 or 5 times a power of ten with
 * (hi - lo) / step <= target; writes the multiples of step inside [lo, hi]
 * (at most max) to tick and returns their number.  0 (and *step = 0) if
 * lo, hi are not finite with lo < hi or target < 1. */
int ll_plot_ticks(double lo, double hi, int target, double *tick, int max, double *step);
/* An axis range for data spanning [dmin, dmax] (dmin > dmax: no data -> [0, 1];
 * dmin == dmax: widened by 10% of |v|, or 1 at 0).  Unless tight, the ends
 * are rounded out to multiples of the tick step for target ticks, when that
 * adds at most 1/8 of the range on that side (else 2% is added). */
void ll_plot_nice_range(double dmin, double dmax, int target, int tight, double *lo, double *hi);
/* Format a tick value for tick spacing step (step <= 0: 3 significant
 * digits): "0", "0.25", "-3", "1.5e6", "2e-5". */
void ll_plot_format(double v, double step, char *buf, size_t size);

#endif
