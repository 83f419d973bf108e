/*
 * ll_spark.c - sparklines, line plots and bar charts of one vector (see
 * ll_spark.h).
 */
#include "draw/ll_spark.h"

#include <math.h>
#include <string.h>

static const char ascii_levels[8] = {'_', '.', '-', ':', '=', '+', '*', '#'};

void ll_spark_opts_init(ll_spark_opts *o)
{
	memset(o, 0, sizeof *o);
	o->agg = LL_SPARK_MEAN;
	o->lo = NAN;
	o->hi = NAN;
}

size_t ll_spark_bufsize(int w)
{
	return w > 0 ? 3 * (size_t)w + 1 : 1;
}

static int fixed_range(const ll_spark_opts *o)
{
	return isfinite(o->lo) && isfinite(o->hi) && o->lo < o->hi;
}

/* Value of output slot i of w for n inputs: a mean/max over the slot's
 * inputs when n > w, else the one input it stretches.  NaN if none is
 * finite.  agg MAX with signed = 1 picks the value of largest |v|. */
static double slot_value(const double *v, size_t n, size_t w, size_t i, int agg, int signed_max)
{
	if (n <= w) {
		double y = v[i * n / w];
		return isfinite(y) ? y : NAN;
	}
	size_t a = i * n / w, b = (i + 1) * n / w;
	double acc = 0.0, best = NAN;
	size_t k = 0;
	for (size_t j = a; j < b; j++) {
		double y = v[j];
		if (!isfinite(y))
			continue;
		k++;
		acc += y;
		if (agg == LL_SPARK_MAX) {
			if (isnan(best) || (signed_max ? fabs(y) > fabs(best) : y > best))
				best = y;
		}
	}
	if (k == 0)
		return NAN;
	return agg == LL_SPARK_MAX ? best : acc / (double)k;
}

static size_t count_finite(const double *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += isfinite(v[i]) != 0;
	return k;
}

int ll_spark(const double *v, size_t n, int w, const ll_spark_opts *opts, char *out, size_t cap,
	     int *levels, ll_spark_range *range, ll_err *err)
{
	ll_spark_opts def;
	if (!opts) {
		ll_spark_opts_init(&def);
		opts = &def;
	}
	if (w < 1)
		return ll_err_set(err, LL_EINVAL, "spark: width %d < 1", w);
	if (!out || cap < ll_spark_bufsize(w))
		return ll_err_set(err, LL_EINVAL, "spark: buffer of %zu bytes < %zu for width %d",
				  out ? cap : 0, ll_spark_bufsize(w), w);
	if (!v && n > 0)
		return ll_err_set(err, LL_EINVAL, "spark: values are NULL for n = %zu", n);
	if (opts->agg != LL_SPARK_MEAN && opts->agg != LL_SPARK_MAX)
		return ll_err_set(err, LL_EINVAL, "spark: unknown aggregation %d", opts->agg);
	size_t sw = (size_t)w;
	double lo = INFINITY, hi = -INFINITY;
	if (fixed_range(opts)) {
		lo = opts->lo;
		hi = opts->hi;
	} else if (n > 0) {
		for (size_t i = 0; i < sw; i++) {
			double y = slot_value(v, n, sw, i, opts->agg, 0);
			if (isnan(y))
				continue;
			if (y < lo) lo = y;
			if (y > hi) hi = y;
		}
	}
	if (range) {
		range->lo = lo <= hi ? lo : NAN;
		range->hi = lo <= hi ? hi : NAN;
		range->n_finite = n ? count_finite(v, n) : 0;
	}
	char *p = out;
	for (size_t i = 0; i < sw; i++) {
		double y = n ? slot_value(v, n, sw, i, opts->agg, 0) : NAN;
		int lev;
		if (isnan(y))
			lev = -1;
		else if (!(hi > lo))
			lev = 3;
		else {
			double t = floor(8.0 * (y - lo) / (hi - lo));
			lev = t < 0 ? 0 : t > 7 ? 7 : (int)t;
		}
		if (levels)
			levels[i] = lev;
		if (lev < 0)
			*p++ = ' ';
		else if (opts->ascii)
			*p++ = ascii_levels[lev];
		else
			p += ll_utf8_put(p, 0x2581u + (uint32_t)lev);
	}
	*p = '\0';
	return LL_OK;
}

/* finite min/max of v; returns the count of finite values */
static size_t minmax(const double *v, size_t n, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		k++;
		if (v[i] < *lo) *lo = v[i];
		if (v[i] > *hi) *hi = v[i];
	}
	return k;
}

/* dot row of value y for range [lo, hi] over dh dots (middle if flat) */
static double row_of(double y, double lo, double hi, int dh)
{
	if (!(hi > lo))
		return 0.5 * (dh - 1);
	return (dh - 1) * (hi - y) / (hi - lo);
}

static int check_plot_args(const ll_canvas *c, const double *v, size_t n, const ll_spark_opts *o,
			   const char *what, ll_err *err)
{
	if (!c || !c->dots)
		return ll_err_set(err, LL_EINVAL, "%s: canvas is not initialised", what);
	if (!v && n > 0)
		return ll_err_set(err, LL_EINVAL, "%s: values are NULL for n = %zu", what, n);
	if (o->agg != LL_SPARK_MEAN && o->agg != LL_SPARK_MAX)
		return ll_err_set(err, LL_EINVAL, "%s: unknown aggregation %d", what, o->agg);
	return LL_OK;
}

int ll_spark_plot(ll_canvas *c, const double *v, size_t n, int color, const ll_spark_opts *opts,
		  ll_spark_range *range, ll_err *err)
{
	ll_spark_opts def;
	if (!opts) {
		ll_spark_opts_init(&def);
		opts = &def;
	}
	int rc = check_plot_args(c, v, n, opts, "spark_plot", err);
	if (rc != LL_OK)
		return rc;
	double lo = INFINITY, hi = -INFINITY;
	size_t nf = n ? minmax(v, n, &lo, &hi) : 0;
	if (fixed_range(opts)) {
		lo = opts->lo;
		hi = opts->hi;
	}
	if (range) {
		range->lo = lo <= hi ? lo : NAN;
		range->hi = lo <= hi ? hi : NAN;
		range->n_finite = nf;
	}
	if (nf == 0)
		return LL_OK;
	int dw = 2 * c->w, dh = 4 * c->h;
	if (opts->zero_line && lo < 0.0 && hi > 0.0) {
		int y0 = (int)lround(row_of(0.0, lo, hi, dh));
		for (int x = 0; x < dw; x += 2)
			ll_canvas_dot(c, x, y0, color);
	}
	double px = 0, py = 0;
	int have = 0;
	for (size_t t = 0; t < n; t++) {
		if (!isfinite(v[t])) {
			have = 0;
			continue;
		}
		double x = n > 1 ? (double)t * (dw - 1) / (double)(n - 1) : 0.5 * (dw - 1);
		double y = row_of(v[t], lo, hi, dh);
		if (have)
			ll_canvas_line_d(c, px, py, x, y, color);
		else
			ll_canvas_line_d(c, x, y, x, y, color);
		px = x;
		py = y;
		have = 1;
	}
	return LL_OK;
}

int ll_spark_bars(ll_canvas *c, const double *v, size_t n, int color, const ll_spark_opts *opts,
		  ll_spark_range *range, ll_err *err)
{
	ll_spark_opts def;
	if (!opts) {
		ll_spark_opts_init(&def);
		opts = &def;
	}
	int rc = check_plot_args(c, v, n, opts, "spark_bars", err);
	if (rc != LL_OK)
		return rc;
	double lo = INFINITY, hi = -INFINITY;
	size_t nf = n ? minmax(v, n, &lo, &hi) : 0;
	int dw = 2 * c->w, dh = 4 * c->h;
	size_t sw = (size_t)dw;
	if (fixed_range(opts)) {
		lo = opts->lo;
		hi = opts->hi;
	} else if (nf > 0) {
		if (n > sw) { /* the bars show resampled values: scale to those */
			lo = INFINITY;
			hi = -INFINITY;
			for (size_t i = 0; i < sw; i++) {
				double y = slot_value(v, n, sw, i, opts->agg, 1);
				if (isnan(y))
					continue;
				if (y < lo) lo = y;
				if (y > hi) hi = y;
			}
		}
		if (lo > 0.0)
			lo = 0.0;
		if (hi < 0.0)
			hi = 0.0;
		if (hi == lo)
			hi = lo + 1.0; /* all zero: flat bars on the base line */
	}
	if (range) {
		range->lo = lo <= hi ? lo : NAN;
		range->hi = lo <= hi ? hi : NAN;
		range->n_finite = nf;
	}
	if (nf == 0)
		return LL_OK;
	double base = 0.0 < lo ? lo : 0.0 > hi ? hi : 0.0;
	int yb = (int)lround(row_of(base, lo, hi, dh));
	for (size_t x = 0; x < sw; x++) {
		if (n <= sw) {
			/* leave a gap column at the right end of a bar 2+ columns wide */
			size_t k = x * n / sw;
			int last = x + 1 == sw || (x + 1) * n / sw != k;
			if (last && x > 0 && (x - 1) * n / sw == k)
				continue;
		}
		double y = slot_value(v, n, sw, x, opts->agg, 1);
		if (isnan(y))
			continue;
		double yr = row_of(y, lo, hi, dh);
		if (yr < 0.0)
			yr = 0.0;
		if (yr > dh - 1)
			yr = dh - 1;
		ll_canvas_line(c, (int)x, yb, (int)x, (int)lround(yr), color);
	}
	return LL_OK;
}
