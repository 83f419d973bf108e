/*
 * ll_heat.h - a matrix as a heat map in character cells, rendered into
 * text buffers (never to the terminal), like ll_canvas.
 *
 * The matrix (rows x cols, row-major, row 0 at the top) is resampled onto
 * a grid of "pixels" that the text cells show:
 *   LL_HEAT_HALF   UTF-8: each cell shows two pixel rows, w x 2h pixels.
 *                  Both halves valued: U+2580 (upper half block) with
 *                  fg = the upper pixel's level, bg = the lower one's;
 *                  only the upper: U+2580 with bg -1; only the lower:
 *                  U+2584 (lower half block) with fg = its level, bg -1;
 *                  neither: a space.  Colour alone carries the value here.
 *   LL_HEAT_ASCII  one pixel per cell, w x h pixels, drawn with the density
 *                  ramp LL_HEAT_RAMP (level 0 '.' .. top level '@'; no
 *                  value: a space) and fg = the level, so the value reads
 *                  without colour (NO_COLOR, monochrome, ASCII terminals).
 * The workbench turns levels into colours (ll_theme_heat_attr).
 *
 * Resampling, per axis, with n matrix indices onto m pixels: pixel p
 * covers indices [s(p), e(p)) with s(p) = floor(p n / m) and e(p) =
 * max(s(p) + 1, s(p + 1)).  LL_HEAT_NEAREST shows the middle one,
 * s + (e - s - 1) / 2; LL_HEAT_MEAN the mean of the finite values of the
 * block (NaN if none).  When n <= m every index gets floor or ceil of m/n
 * pixels (exactly m/n if it divides); when n > m pixels gather blocks.
 *
 * Levels: level = floor(L (v - lo) / (hi - lo)) clamped to 0..L-1, for L
 * levels (2..LL_HEAT_MAX_LEVELS, default 8); lo/hi are the finite min and
 * max of the whole matrix unless fixed in the options (then values outside
 * clip to the end levels; +-inf clip too).  If hi == lo every finite cell
 * is level (L-1)/2: flat, not mistaken for a minimum.  NaN: no value.
 *
 * Selection: cells showing the selected matrix cell carry sel bits (upper
 * and/or lower half); with LL_HEAT_MARK_BRACKETS a '[' goes in the cell
 * left of the selected block and a ']' right of it, on each text row it
 * covers (inside the block where it touches the edge), so the marker
 * shows without colour or attributes.
 *
 * Positions: ll_heat_cell_at maps a text cell (and half) back to (i, j);
 * ll_heat_pos_of gives where (i, j) is shown; ll_heat_step moves hjkl by
 * one shown cell.  When the matrix fits (rows <= pixel rows, cols <= w)
 * cell_at(pos_of(i, j)) == (i, j) for every cell; when it is gathered,
 * pos_of(cell_at(x, y)) == (x, y) for every pixel.
 */
#ifndef LL_HEAT_H
#define LL_HEAT_H

#include <stddef.h>

#include "base/ll_common.h"

#define LL_HEAT_MAX_LEVELS 16
#define LL_HEAT_DEFAULT_LEVELS 8
#define LL_HEAT_RAMP ".:-=+*#%@" /* ASCII density ramp, lightest ink first */
#define LL_HEAT_RAMP_LEN 9

enum ll_heat_mode {
	LL_HEAT_HALF = 0,
	LL_HEAT_ASCII = 1
};

enum ll_heat_sample {
	LL_HEAT_NEAREST = 0,
	LL_HEAT_MEAN = 1
};

enum ll_heat_mark {
	LL_HEAT_MARK_BRACKETS = 0, /* '[' ']' around the selected block, and sel bits */
	LL_HEAT_MARK_SEL_ONLY = 1  /* only the sel bits (the caller highlights) */
};

enum ll_heat_sel {
	LL_HEAT_SEL_UPPER = 1, /* the cell's upper half (or whole cell in ASCII) shows it */
	LL_HEAT_SEL_LOWER = 2
};

/* Zero is the default for every field. */
typedef struct ll_heat_opts {
	int mode;       /* enum ll_heat_mode */
	int sample;     /* enum ll_heat_sample */
	int levels;     /* 2..LL_HEAT_MAX_LEVELS; 0 = LL_HEAT_DEFAULT_LEVELS */
	double lo, hi;  /* fixed range if both finite and lo < hi, else from the data */
	int select;     /* 1: mark matrix cell (sel_i, sel_j) */
	size_t sel_i, sel_j;
	int mark;       /* enum ll_heat_mark */
} ll_heat_opts;

/* Which matrix indices the cells show. */
typedef struct ll_heat_geom {
	size_t rows, cols; /* matrix */
	int w, h;          /* text cells */
	int ph;            /* pixel rows: 2h (HALF) or h (ASCII) */
	int mode;
} ll_heat_geom;

/* What a render used. */
typedef struct ll_heat_info {
	double lo, hi;   /* the value range of the levels */
	int levels;
	size_t n_finite; /* finite values in the matrix */
	size_t n_nan;    /* NaN values */
} ll_heat_info;

/* One run of cells of equal colours within a row. */
typedef struct ll_heat_run {
	int x, n;        /* first cell and number of cells */
	size_t off, len; /* its bytes within the row string */
	int fg, bg;      /* levels 0..levels-1, -1 = the terminal's default */
	int sel;         /* enum ll_heat_sel bits */
	int is_mark;     /* a selection bracket (fg = bg = -1) */
} ll_heat_run;

/* Rendered rows; reused across frames (grown as needed).  Zero it before
 * first use, release with ll_heat_text_free. */
typedef struct ll_heat_text {
	int w, h;
	char *buf;          /* h NUL-terminated rows (owned) */
	size_t *row_off;    /* h: start of row r in buf (owned) */
	ll_heat_run *runs;  /* all runs, row by row (owned) */
	size_t *row_run;    /* h + 1: runs of row r are [row_run[r], row_run[r+1]) */
	size_t cap_buf, cap_runs;
	int cap_h;
} ll_heat_text;

/* The geometry of a rows x cols matrix on w x h cells.  LL_EINVAL for rows
 * or cols 0, w or h outside 1..LL_CANVAS_MAX_CELLS (4096), or a bad mode. */
int ll_heat_geom_init(ll_heat_geom *g, size_t rows, size_t cols, int w, int h, int mode, ll_err *err);

/* A size within max_w x max_h cells that gives every matrix cell the same
 * whole number of pixels, as square on screen as cells allow (a cell is
 * about twice as tall as wide: one HALF pixel is square, an ASCII pixel
 * one column by one row); the largest such.  If the matrix does not fit
 * once, max_w x max_h (it is then gathered).  Non-positive max_*: 1. */
void ll_heat_fit(size_t rows, size_t cols, int max_w, int max_h, int mode, int *w, int *h);

/* The matrix cell shown by text cell (x, y), in HALF mode its upper
 * (lower = 0) or lower half.  LL_EINVAL outside the grid. */
int ll_heat_cell_at(const ll_heat_geom *g, int x, int y, int lower, size_t *i, size_t *j);
/* The first text cell (and half) showing matrix cell (i, j), or holding
 * it in its block when gathered.  LL_EINVAL for (i, j) outside. */
int ll_heat_pos_of(const ll_heat_geom *g, size_t i, size_t j, int *x, int *y, int *lower);
/* Move (i, j) by di rows and dj columns of shown cells (one matrix index
 * when the matrix fits, one pixel's block when gathered), clamped to the
 * matrix: hjkl. */
void ll_heat_step(const ll_heat_geom *g, size_t *i, size_t *j, int di, int dj);

/* Level of v for lo..hi and levels (see above); -1 for NaN. */
int ll_heat_level(double v, double lo, double hi, int levels);
/* The ASCII ramp character of a level (' ' for -1): ramp index
 * round(level * 8 / (levels - 1)), so '.' is the lowest and '@' the
 * highest; at most 9 levels are told apart. */
char ll_heat_ramp_char(int level, int levels);

/* Render z (rows x cols) onto w x h cells.  opts may be NULL (defaults),
 * info may be NULL.  LL_EINVAL as for ll_heat_geom_init, and for z NULL,
 * bad levels, sample or mark, or a selection outside the matrix; LL_ENOMEM
 * growing t.  On failure t keeps its buffers and holds no rows (h = 0). */
int ll_heat_render(const double *z, size_t rows, size_t cols, int w, int h, const ll_heat_opts *opts,
		   ll_heat_text *t, ll_heat_info *info, ll_err *err);
const char *ll_heat_text_row(const ll_heat_text *t, int r);
void ll_heat_text_free(ll_heat_text *t);

#endif
