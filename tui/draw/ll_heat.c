/*
 * ll_heat.c - heat maps in character cells, rendered into text buffers
 * (see ll_heat.h).
 */
#include "draw/ll_heat.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define MAX_CELLS 4096 /* per side, as LL_CANVAS_MAX_CELLS */
/* matrix sides up to this keep p * n / m exact in size_t (p, m <= 8192) */
#define MAX_SIDE (SIZE_MAX >> 14)

/* ---- one axis: n matrix indices onto m pixels ---- */

/* first index of pixel p: floor(p n / m), without overflow (p <= m) */
static size_t ax_s(size_t p, size_t n, size_t m)
{
	return p * (n / m) + p * (n % m) / m;
}

/* one past its last index: at least one index per pixel */
static size_t ax_e(size_t p, size_t n, size_t m)
{
	size_t s = ax_s(p, n, m), t = ax_s(p + 1, n, m);
	return t > s + 1 ? t : s + 1;
}

/* the index a pixel shows with LL_HEAT_NEAREST: the middle of its block */
static size_t ax_mid(size_t p, size_t n, size_t m)
{
	size_t s = ax_s(p, n, m);
	return s + (ax_e(p, n, m) - s - 1) / 2;
}

/* ceil(a b / c) for a < n, b <= m, without overflow */
static size_t ceil_mul_div(size_t a, size_t b, size_t c)
{
	size_t q = a / c, r = a % c;
	return q * b + (r * b + c - 1) / c;
}

/* the first pixel whose block holds index k: min(ceil((k+1) m / n) - 1,
 * ceil(k m / n)) (the first when k has several pixels, the one when
 * pixels gather blocks) */
static size_t ax_pix(size_t k, size_t n, size_t m)
{
	size_t a = ceil_mul_div(k + 1, m, n) - 1, b = ceil_mul_div(k, m, n);
	size_t p = a < b ? a : b;
	return p < m ? p : m - 1;
}

static int ax_holds(size_t p, size_t k, size_t n, size_t m)
{
	return ax_s(p, n, m) <= k && k < ax_e(p, n, m);
}

/* ---- geometry ---- */

int ll_heat_geom_init(ll_heat_geom *g, size_t rows, size_t cols, int w, int h, int mode, ll_err *err)
{
	memset(g, 0, sizeof *g);
	if (rows == 0 || cols == 0)
		return ll_err_set(err, LL_EINVAL, "heat: %zu x %zu matrix: needs at least one row and one column",
				  rows, cols);
	if (rows > MAX_SIDE || cols > MAX_SIDE)
		return ll_err_set(err, LL_EINVAL, "heat: %zu x %zu matrix: too large", rows, cols);
	if (w < 1 || h < 1 || w > MAX_CELLS || h > MAX_CELLS)
		return ll_err_set(err, LL_EINVAL, "heat: size %d x %d cells out of range 1..%d", w, h, MAX_CELLS);
	if (mode != LL_HEAT_HALF && mode != LL_HEAT_ASCII)
		return ll_err_set(err, LL_EINVAL, "heat: unknown mode %d", mode);
	g->rows = rows;
	g->cols = cols;
	g->w = w;
	g->h = h;
	g->ph = mode == LL_HEAT_HALF ? 2 * h : h;
	g->mode = mode;
	return LL_OK;
}

void ll_heat_fit(size_t rows, size_t cols, int max_w, int max_h, int mode, int *w, int *h)
{
	size_t mw = max_w > 0 ? (size_t)max_w : 1, mh = max_h > 0 ? (size_t)max_h : 1;
	size_t mph = mode == LL_HEAT_HALF ? 2 * mh : mh, k;

	if (rows == 0 || cols == 0 || cols > mw || rows > mph) {
		*w = (int)mw;
		*h = (int)mh;
		return;
	}
	if (mode == LL_HEAT_HALF) {
		/* k columns by k pixel rows per matrix cell: square */
		k = mw / cols < mph / rows ? mw / cols : mph / rows;
		/* an odd pixel count would leave a half row: prefer even (k even or rows even) */
		if (k > 1 && (rows * k) % 2)
			k--;
		*w = (int)(cols * k);
		*h = (int)((rows * k + 1) / 2);
	} else {
		/* 2r columns by r rows per matrix cell: square; r = 0 means 1 x 1 */
		size_t r = mw / (2 * cols) < mh / rows ? mw / (2 * cols) : mh / rows;
		*w = (int)(r ? 2 * r * cols : cols);
		*h = (int)(r ? r * rows : rows);
	}
}

int ll_heat_cell_at(const ll_heat_geom *g, int x, int y, int lower, size_t *i, size_t *j)
{
	size_t py;

	if (!g || x < 0 || y < 0 || x >= g->w || y >= g->h)
		return LL_EINVAL;
	py = g->mode == LL_HEAT_HALF ? 2 * (size_t)y + (lower != 0) : (size_t)y;
	if (i)
		*i = ax_mid(py, g->rows, (size_t)g->ph);
	if (j)
		*j = ax_mid((size_t)x, g->cols, (size_t)g->w);
	return LL_OK;
}

int ll_heat_pos_of(const ll_heat_geom *g, size_t i, size_t j, int *x, int *y, int *lower)
{
	size_t py;

	if (!g || i >= g->rows || j >= g->cols)
		return LL_EINVAL;
	py = ax_pix(i, g->rows, (size_t)g->ph);
	if (x)
		*x = (int)ax_pix(j, g->cols, (size_t)g->w);
	if (y)
		*y = (int)(g->mode == LL_HEAT_HALF ? py / 2 : py);
	if (lower)
		*lower = g->mode == LL_HEAT_HALF ? (int)(py % 2) : 0;
	return LL_OK;
}

static size_t step_axis(size_t k, int d, size_t n, size_t m)
{
	long long t;

	if (d == 0)
		return k;
	if (n <= m) {
		t = (long long)k + d;
		return t < 0 ? 0 : t >= (long long)n ? n - 1 : (size_t)t;
	}
	t = (long long)ax_pix(k, n, m) + d;
	t = t < 0 ? 0 : t >= (long long)m ? (long long)m - 1 : t;
	return ax_mid((size_t)t, n, m);
}

void ll_heat_step(const ll_heat_geom *g, size_t *i, size_t *j, int di, int dj)
{
	if (!g || !g->rows)
		return;
	if (*i >= g->rows)
		*i = g->rows - 1;
	if (*j >= g->cols)
		*j = g->cols - 1;
	*i = step_axis(*i, di, g->rows, (size_t)g->ph);
	*j = step_axis(*j, dj, g->cols, (size_t)g->w);
}

/* ---- levels ---- */

int ll_heat_level(double v, double lo, double hi, int levels)
{
	double k;

	if (isnan(v) || levels < 1)
		return -1;
	if (!(hi > lo))
		return (levels - 1) / 2;
	if (v <= lo)
		return 0;
	if (v >= hi)
		return levels - 1;
	k = floor(levels * ((v - lo) / (hi - lo)));
	return k < 0 ? 0 : k > levels - 1 ? levels - 1 : (int)k;
}

char ll_heat_ramp_char(int level, int levels)
{
	if (level < 0 || levels < 1 || level >= levels)
		return ' ';
	if (levels == 1)
		return LL_HEAT_RAMP[(LL_HEAT_RAMP_LEN - 1) / 2];
	/* round(level * 8 / (levels - 1)) */
	return LL_HEAT_RAMP[(2 * level * (LL_HEAT_RAMP_LEN - 1) + levels - 1) / (2 * (levels - 1))];
}

/* ---- rendering ---- */

static int text_reserve(ll_heat_text *t, int w, int h)
{
	size_t need_buf = (size_t)h * (3 * (size_t)w + 1), need_runs = (size_t)h * (size_t)w;

	if (need_buf > t->cap_buf) {
		char *b = ll_realloc(t->buf, need_buf);
		if (!b)
			return LL_ENOMEM;
		t->buf = b;
		t->cap_buf = need_buf;
	}
	if (need_runs > t->cap_runs) {
		ll_heat_run *r = ll_malloc_array(need_runs, sizeof *r);
		if (!r)
			return LL_ENOMEM;
		ll_free(t->runs);
		t->runs = r;
		t->cap_runs = need_runs;
	}
	if (h > t->cap_h) {
		size_t *o = ll_malloc_array((size_t)h, sizeof *o);
		size_t *rr = ll_malloc_array((size_t)h + 1, sizeof *rr);
		if (!o || !rr) {
			ll_free(o);
			ll_free(rr);
			return LL_ENOMEM;
		}
		ll_free(t->row_off);
		ll_free(t->row_run);
		t->row_off = o;
		t->row_run = rr;
		t->cap_h = h;
	}
	return LL_OK;
}

typedef struct heat_ctx {
	const double *z;
	const ll_heat_geom *g;
	int sample, levels;
	double lo, hi;
} heat_ctx;

/* Level of pixel (px, py). */
static int pixel_level(const heat_ctx *c, size_t px, size_t py)
{
	const ll_heat_geom *g = c->g;
	size_t ph = (size_t)g->ph, pw = (size_t)g->w;
	double v;

	if (c->sample == LL_HEAT_NEAREST) {
		v = c->z[ax_mid(py, g->rows, ph) * g->cols + ax_mid(px, g->cols, pw)];
	} else {
		size_t i0 = ax_s(py, g->rows, ph), i1 = ax_e(py, g->rows, ph);
		size_t j0 = ax_s(px, g->cols, pw), j1 = ax_e(px, g->cols, pw), n = 0;
		double sum = 0;
		for (size_t i = i0; i < i1; i++)
			for (size_t j = j0; j < j1; j++) {
				double u = c->z[i * g->cols + j];
				if (isfinite(u))
					sum += u, n++;
				else if (!isnan(u)) /* +-inf: the end it clips to */
					sum += u > 0 ? c->hi : c->lo, n++;
			}
		v = n ? sum / (double)n : NAN;
	}
	return ll_heat_level(v, c->lo, c->hi, c->levels);
}

int ll_heat_render(const double *z, size_t rows, size_t cols, int w, int h, const ll_heat_opts *opts,
		   ll_heat_text *t, ll_heat_info *info, ll_err *err)
{
	static const ll_heat_opts defaults;
	ll_heat_geom g;
	heat_ctx c;
	int rc, levels, bx0 = -1, bx1 = -1, lb = -1, rb = -1;
	double mn = INFINITY, mx = -INFINITY;
	size_t nf = 0, nn = 0, n;

	if (!t)
		return ll_err_set(err, LL_EINVAL, "heat: NULL text buffer");
	t->w = t->h = 0;
	if (!opts)
		opts = &defaults;
	if ((rc = ll_heat_geom_init(&g, rows, cols, w, h, opts->mode, err)) != LL_OK)
		return rc;
	if (rows > SIZE_MAX / sizeof(double) / cols)
		return ll_err_set(err, LL_EINVAL, "heat: %zu x %zu matrix: too large", rows, cols);
	if (!z)
		return ll_err_set(err, LL_EINVAL, "heat: %zu x %zu matrix but z is NULL", rows, cols);
	levels = opts->levels ? opts->levels : LL_HEAT_DEFAULT_LEVELS;
	if (levels < 2 || levels > LL_HEAT_MAX_LEVELS)
		return ll_err_set(err, LL_EINVAL, "heat: %d levels: must be 2..%d", levels, LL_HEAT_MAX_LEVELS);
	if (opts->sample != LL_HEAT_NEAREST && opts->sample != LL_HEAT_MEAN)
		return ll_err_set(err, LL_EINVAL, "heat: unknown sampling %d", opts->sample);
	if (opts->mark != LL_HEAT_MARK_BRACKETS && opts->mark != LL_HEAT_MARK_SEL_ONLY)
		return ll_err_set(err, LL_EINVAL, "heat: unknown selection mark %d", opts->mark);
	if (opts->select && (opts->sel_i >= rows || opts->sel_j >= cols))
		return ll_err_set(err, LL_EINVAL, "heat: selected cell (%zu, %zu) outside the %zu x %zu matrix",
				  opts->sel_i, opts->sel_j, rows, cols);
	if (text_reserve(t, w, h) != LL_OK)
		return ll_err_set(err, LL_ENOMEM, "heat: out of memory for %d x %d cells", w, h);

	n = rows * cols;
	for (size_t k = 0; k < n; k++) {
		if (isfinite(z[k]))
			nf++, mn = fmin(mn, z[k]), mx = fmax(mx, z[k]);
		else if (isnan(z[k]))
			nn++;
	}
	c.z = z;
	c.g = &g;
	c.sample = opts->sample;
	c.levels = levels;
	if (isfinite(opts->lo) && isfinite(opts->hi) && opts->lo < opts->hi)
		c.lo = opts->lo, c.hi = opts->hi;
	else if (nf)
		c.lo = mn, c.hi = mx;
	else
		c.lo = c.hi = NAN;
	if (info) {
		info->lo = c.lo;
		info->hi = c.hi;
		info->levels = levels;
		info->n_finite = nf;
		info->n_nan = nn;
	}

	/* the selected block's columns, and where its brackets go */
	if (opts->select) {
		bx0 = (int)ax_pix(opts->sel_j, cols, (size_t)w);
		for (bx1 = bx0 + 1; bx1 < w && ax_holds((size_t)bx1, opts->sel_j, cols, (size_t)w); bx1++)
			;
		if (opts->mark == LL_HEAT_MARK_BRACKETS && w > 1) {
			lb = bx0 > 0 ? bx0 - 1 : bx0;
			rb = bx1 < w ? bx1 : bx1 - 1;
		}
	}

	char *p = t->buf;
	size_t nr = 0;
	for (int y = 0; y < h; y++) {
		ll_heat_run *cur = NULL;
		size_t pu = g.mode == LL_HEAT_HALF ? 2 * (size_t)y : (size_t)y, pl = pu + 1;
		int row_sel = 0;
		if (opts->select) {
			row_sel |= ax_holds(pu, opts->sel_i, rows, (size_t)g.ph) ? LL_HEAT_SEL_UPPER : 0;
			if (g.mode == LL_HEAT_HALF)
				row_sel |= ax_holds(pl, opts->sel_i, rows, (size_t)g.ph) ? LL_HEAT_SEL_LOWER : 0;
			else if (row_sel)
				row_sel |= LL_HEAT_SEL_LOWER;
		}
		t->row_off[y] = (size_t)(p - t->buf);
		t->row_run[y] = nr;
		for (int x = 0; x < w; x++) {
			char *start = p;
			int fg, bg = -1, sel = 0, is_mark = 0;
			if (row_sel && x >= bx0 && x < bx1)
				sel = row_sel;
			if (row_sel && (x == lb || x == rb)) {
				*p++ = x == lb ? '[' : ']';
				fg = -1;
				is_mark = 1;
			} else if (g.mode == LL_HEAT_HALF) {
				int up = pixel_level(&c, (size_t)x, pu), lo = pixel_level(&c, (size_t)x, pl);
				if (up >= 0) { /* U+2580 upper half block */
					*p++ = (char)0xE2, *p++ = (char)0x96, *p++ = (char)0x80;
					fg = up, bg = lo;
				} else if (lo >= 0) { /* U+2584 lower half block */
					*p++ = (char)0xE2, *p++ = (char)0x96, *p++ = (char)0x84;
					fg = lo;
				} else {
					*p++ = ' ';
					fg = -1;
				}
			} else {
				fg = pixel_level(&c, (size_t)x, pu);
				*p++ = ll_heat_ramp_char(fg, levels);
			}
			if (cur && cur->fg == fg && cur->bg == bg && cur->sel == sel && cur->is_mark == is_mark) {
				cur->n++;
				cur->len += (size_t)(p - start);
			} else {
				cur = &t->runs[nr++];
				cur->x = x;
				cur->n = 1;
				cur->off = (size_t)(start - (t->buf + t->row_off[y]));
				cur->len = (size_t)(p - start);
				cur->fg = fg;
				cur->bg = bg;
				cur->sel = sel;
				cur->is_mark = is_mark;
			}
		}
		*p++ = '\0';
	}
	t->row_run[h] = nr;
	t->w = w;
	t->h = h;
	return LL_OK;
}

const char *ll_heat_text_row(const ll_heat_text *t, int r)
{
	if (!t || !t->buf || r < 0 || r >= t->h)
		return NULL;
	return t->buf + t->row_off[r];
}

void ll_heat_text_free(ll_heat_text *t)
{
	if (!t)
		return;
	ll_free(t->buf);
	ll_free(t->row_off);
	ll_free(t->runs);
	ll_free(t->row_run);
	memset(t, 0, sizeof *t);
}
