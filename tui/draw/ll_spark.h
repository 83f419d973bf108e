/*
 * ll_spark.h - sparklines and one-vector plots rendered into buffers.
 *
 * Sparkline: a vector into exactly w cells, each one of 8 levels
 *     UTF-8  ▁▂▃▄▅▆▇█ (U+2581..U+2588)        ASCII  _.-:=+*#
 * Cells <-> values: if n > w, cell i summarises values
 * [floor(i n / w), floor((i+1) n / w)) by their mean or max (non-finite
 * values skipped); if n <= w, cell i shows value floor(i n / w), so each
 * value is stretched over w/n cells.  A cell with no finite value is a
 * space.  Level = floor(8 (y - lo) / (hi - lo)) clamped to 0..7, with
 * lo/hi the finite min/max of the cell values unless fixed in the options
 * (so several sparklines can share one scale).  If hi == lo every finite
 * cell is level 3 (▄): flat, and not mistaken for a minimum.
 *
 * Plot ("zoom one factor"): the vector as a braille line over the whole
 * canvas: value t at dot x = t (2w - 1) / (n - 1) (the middle if n == 1),
 * y = (4h - 1) (hi - y) / (hi - lo) (the middle row if hi == lo);
 * consecutive finite values are joined, so long vectors show their
 * min..max envelope per column.  Bars: one vertical bar per dot column
 * (values resampled like the sparkline, by mean or by the value of
 * largest magnitude) from the zero line; a range taken from the data
 * always includes 0 (a fixed range that excludes it puts the base at the
 * end nearest 0).  Bars are one dot column narrower than their share of
 * the canvas when that share is 2+ columns, so neighbours stay apart.  Both return the lo/hi used, for labels.
 */
#ifndef LL_SPARK_H
#define LL_SPARK_H

#include <stddef.h>

#include "draw/ll_canvas.h"
#include "base/ll_common.h"

enum ll_spark_agg {
	LL_SPARK_MEAN = 0, /* mean of the values in a cell */
	LL_SPARK_MAX = 1   /* sparkline: max; bars: the value of largest |v| */
};

typedef struct ll_spark_opts {
	int agg;       /* enum ll_spark_agg */
	int ascii;     /* sparkline: ASCII levels instead of blocks */
	double lo, hi; /* fixed range if both finite and lo < hi, else NaN = from data */
	int zero_line; /* plot: dotted line at 0 when 0 is inside (lo, hi) */
} ll_spark_opts;

/* The range actually used. */
typedef struct ll_spark_range {
	double lo, hi;
	size_t n_finite; /* finite values in the input */
} ll_spark_range;

/* mean, UTF-8, range from the data, no zero line */
void ll_spark_opts_init(ll_spark_opts *o);

/* Bytes needed by ll_spark for w cells, with the NUL. */
size_t ll_spark_bufsize(int w);

/*
 * Sparkline of v[0..n) into out (cap bytes, >= ll_spark_bufsize(w)) as a
 * NUL-terminated string of w cells; levels (may be NULL) receives w
 * levels 0..7, or -1 for blank cells.  opts may be NULL (defaults).
 * n == 0 gives w blanks.  LL_EINVAL: w < 1, v NULL with n > 0, or cap too
 * small.
 */
int ll_spark(const double *v, size_t n, int w, const ll_spark_opts *opts, char *out, size_t cap,
	     int *levels, ll_spark_range *range, ll_err *err);

/* Line plot of v over the whole canvas in colour `color` (plain writes,
 * the canvas is not cleared).  LL_EINVAL for v NULL with n > 0. */
int ll_spark_plot(ll_canvas *c, const double *v, size_t n, int color, const ll_spark_opts *opts,
		  ll_spark_range *range, ll_err *err);

/* Bar chart of v over the whole canvas (see above). */
int ll_spark_bars(ll_canvas *c, const double *v, size_t n, int color, const ll_spark_opts *opts,
		  ll_spark_range *range, ll_err *err);

#endif
