/*
 * ll_canvas.c - braille dot canvas rendered into text buffers (see ll_canvas.h).
 */
#include "draw/ll_canvas.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* bit of dot (dx, dy): [dy][dx] */
static const uint8_t braille_bit[4][2] = {
	{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

unsigned ll_canvas_bit(int dx, int dy)
{
	if (dx < 0 || dx > 1 || dy < 0 || dy > 3)
		return 0;
	return braille_bit[dy][dx];
}

int ll_canvas_init(ll_canvas *c, int w, int h, int mode, ll_err *err)
{
	memset(c, 0, sizeof *c);
	if (w < 1 || h < 1 || w > LL_CANVAS_MAX_CELLS || h > LL_CANVAS_MAX_CELLS)
		return ll_err_set(err, LL_EINVAL, "canvas: size %d x %d cells out of range 1..%d",
				  w, h, LL_CANVAS_MAX_CELLS);
	if (mode < LL_CANVAS_UTF8 || mode > LL_CANVAS_DENSITY)
		return ll_err_set(err, LL_EINVAL, "canvas: unknown mode %d", mode);
	size_t n = (size_t)w * (size_t)h;
	c->w = w;
	c->h = h;
	c->mode = mode;
	c->dots = ll_malloc(n);
	c->color = ll_malloc(n);
	c->level = ll_malloc(n);
	c->z = ll_malloc_array(n, sizeof *c->z);
	c->mark = ll_malloc(n);
	c->mark_color = ll_malloc(n);
	c->mark_level = ll_malloc(n);
	c->mark_z = ll_malloc_array(n, sizeof *c->mark_z);
	if (!c->dots || !c->color || !c->level || !c->z || !c->mark || !c->mark_color ||
	    !c->mark_level || !c->mark_z) {
		ll_canvas_free(c);
		return ll_err_set(err, LL_ENOMEM, "canvas: out of memory for %d x %d cells", w, h);
	}
	ll_canvas_clear(c);
	return LL_OK;
}

void ll_canvas_free(ll_canvas *c)
{
	if (!c)
		return;
	ll_free(c->dots);
	ll_free(c->color);
	ll_free(c->level);
	ll_free(c->z);
	ll_free(c->mark);
	ll_free(c->mark_color);
	ll_free(c->mark_level);
	ll_free(c->mark_z);
	memset(c, 0, sizeof *c);
}

void ll_canvas_clear(ll_canvas *c)
{
	size_t n = (size_t)c->w * (size_t)c->h;
	if (!c->dots)
		return;
	memset(c->dots, 0, n);
	memset(c->color, 0, n);
	memset(c->level, LL_CANVAS_LEVEL_FLAT, n);
	memset(c->mark, 0, n);
	memset(c->mark_color, 0, n);
	memset(c->mark_level, LL_CANVAS_LEVEL_FLAT, n);
	for (size_t i = 0; i < n; i++) {
		c->z[i] = INFINITY;
		c->mark_z[i] = INFINITY;
	}
}

int ll_canvas_dot_w(const ll_canvas *c) { return 2 * c->w; }
int ll_canvas_dot_h(const ll_canvas *c) { return 4 * c->h; }

static uint8_t clamp_color(int color)
{
	if (color < 0)
		return 0;
	return color > LL_CANVAS_MAX_COLOR ? LL_CANVAS_MAX_COLOR : (uint8_t)color;
}

static uint8_t z_level(double z)
{
	/* NaN and z < 0.25 both land on level 0 */
	if (!(z >= 0.25))
		return 0;
	if (z >= 0.75)
		return 3;
	return z >= 0.5 ? 2 : 1;
}

static int inside(const ll_canvas *c, int x, int y)
{
	return x >= 0 && y >= 0 && x < 2 * c->w && y < 4 * c->h;
}

void ll_canvas_dot(ll_canvas *c, int x, int y, int color)
{
	if (!inside(c, x, y))
		return;
	size_t i = (size_t)(y >> 2) * (size_t)c->w + (size_t)(x >> 1);
	c->dots[i] |= braille_bit[y & 3][x & 1];
	c->color[i] = clamp_color(color);
	c->level[i] = LL_CANVAS_LEVEL_FLAT;
}

/* the hot path of every drawing call: no range check of color */
static inline void dot_z(ll_canvas *c, int x, int y, uint8_t color, float z)
{
	size_t i = (size_t)(y >> 2) * (size_t)c->w + (size_t)(x >> 1);
	c->dots[i] |= braille_bit[y & 3][x & 1];
	if (z < c->z[i]) {
		c->z[i] = z;
		c->color[i] = color;
		c->level[i] = z_level(z);
	}
}

void ll_canvas_dot_z(ll_canvas *c, int x, int y, int color, double z)
{
	if (!inside(c, x, y))
		return;
	dot_z(c, x, y, clamp_color(color), isnan(z) ? INFINITY : (float)z);
}

void ll_canvas_unset(ll_canvas *c, int x, int y)
{
	if (!inside(c, x, y))
		return;
	size_t i = (size_t)(y >> 2) * (size_t)c->w + (size_t)(x >> 1);
	c->dots[i] &= (uint8_t)~braille_bit[y & 3][x & 1];
}

int ll_canvas_get(const ll_canvas *c, int x, int y)
{
	if (!inside(c, x, y))
		return 0;
	size_t i = (size_t)(y >> 2) * (size_t)c->w + (size_t)(x >> 1);
	return (c->dots[i] & braille_bit[y & 3][x & 1]) != 0;
}

/* Liang-Barsky: clip the segment to [0, xmax] x [0, ymax]; t0/t1 are the
 * kept parameter range.  Returns 0 if nothing is left. */
static int clip(double x0, double y0, double x1, double y1, double xmax, double ymax,
		double *t0, double *t1)
{
	double dx = x1 - x0, dy = y1 - y0;
	double p[4] = {-dx, dx, -dy, dy};
	double q[4] = {x0, xmax - x0, y0, ymax - y0};
	double a = 0.0, b = 1.0;
	for (int k = 0; k < 4; k++) {
		if (p[k] == 0.0) {
			if (q[k] < 0.0)
				return 0;
			continue;
		}
		double r = q[k] / p[k];
		if (p[k] < 0.0) {
			if (r > b)
				return 0;
			if (r > a)
				a = r;
		} else {
			if (r < a)
				return 0;
			if (r < b)
				b = r;
		}
	}
	*t0 = a;
	*t1 = b;
	return 1;
}

/* One implementation for every line: clip in double, round, Bresenham.
 * use_z = 0 gives the last-writer-wins colour. */
static void line_impl(ll_canvas *c, double x0, double y0, double z0, double x1, double y1,
		      double z1, int color, int use_z)
{
	if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1) ||
	    fabs(x0) > 1e15 || fabs(y0) > 1e15 || fabs(x1) > 1e15 || fabs(y1) > 1e15)
		return; /* beyond any zoom we allow; keeps the clip arithmetic finite */
	double xmax = 2.0 * c->w - 1, ymax = 4.0 * c->h - 1, t0, t1;
	int in0 = x0 >= 0 && y0 >= 0 && x0 <= xmax && y0 <= ymax;
	int in1 = x1 >= 0 && y1 >= 0 && x1 <= xmax && y1 <= ymax;
	if (!(in0 && in1)) {
		if (!clip(x0, y0, x1, y1, xmax, ymax, &t0, &t1))
			return;
		double dx = x1 - x0, dy = y1 - y0, dz = z1 - z0;
		double ax = x0 + t0 * dx, ay = y0 + t0 * dy, az = z0 + t0 * dz;
		x1 = x0 + t1 * dx;
		y1 = y0 + t1 * dy;
		z1 = z0 + t1 * dz;
		x0 = ax;
		y0 = ay;
		z0 = az;
	}
	int ix0 = (int)lround(x0), iy0 = (int)lround(y0);
	int ix1 = (int)lround(x1), iy1 = (int)lround(y1);
	int dx = abs(ix1 - ix0), dy = -abs(iy1 - iy0);
	int sx = ix0 < ix1 ? 1 : -1, sy = iy0 < iy1 ? 1 : -1;
	int e = dx + dy, steps = dx > -dy ? dx : -dy, i = 0;
	uint8_t col = clamp_color(color);
	double zs = steps > 0 ? (z1 - z0) / steps : 0.0;
	if (use_z && isnan(z0))
		z0 = INFINITY;
	if (use_z && isnan(zs))
		zs = 0.0;
	for (;;) {
		if (use_z)
			dot_z(c, ix0, iy0, col, (float)(z0 + zs * i));
		else
			ll_canvas_dot(c, ix0, iy0, col);
		if (ix0 == ix1 && iy0 == iy1)
			break;
		int e2 = 2 * e;
		if (e2 >= dy) {
			e += dy;
			ix0 += sx;
		}
		if (e2 <= dx) {
			e += dx;
			iy0 += sy;
		}
		i++;
	}
}

void ll_canvas_line(ll_canvas *c, int x0, int y0, int x1, int y1, int color)
{
	line_impl(c, x0, y0, 0.0, x1, y1, 0.0, color, 0);
}

void ll_canvas_line_z(ll_canvas *c, int x0, int y0, double z0, int x1, int y1, double z1, int color)
{
	line_impl(c, x0, y0, z0, x1, y1, z1, color, 1);
}

void ll_canvas_line_d(ll_canvas *c, double x0, double y0, double x1, double y1, int color)
{
	line_impl(c, x0, y0, 0.0, x1, y1, 0.0, color, 0);
}

void ll_canvas_line_zd(ll_canvas *c, double x0, double y0, double z0, double x1, double y1,
		       double z1, int color)
{
	line_impl(c, x0, y0, z0, x1, y1, z1, color, 1);
}

static int printable(char ch)
{
	return ch > ' ' && ch < 127;
}

void ll_canvas_mark(ll_canvas *c, int cx, int cy, char ch, int color)
{
	if (cx < 0 || cy < 0 || cx >= c->w || cy >= c->h || !printable(ch))
		return;
	size_t i = (size_t)cy * (size_t)c->w + (size_t)cx;
	c->mark[i] = ch;
	c->mark_color[i] = clamp_color(color);
	c->mark_level[i] = LL_CANVAS_LEVEL_FLAT;
	c->mark_z[i] = INFINITY; /* any later depth-tested mark replaces it */
}

void ll_canvas_mark_z(ll_canvas *c, int cx, int cy, char ch, int color, double z)
{
	if (cx < 0 || cy < 0 || cx >= c->w || cy >= c->h || !printable(ch))
		return;
	size_t i = (size_t)cy * (size_t)c->w + (size_t)cx;
	float fz = isnan(z) ? INFINITY : (float)z;
	if (c->mark[i] && !(fz < c->mark_z[i]))
		return;
	c->mark[i] = ch;
	c->mark_color[i] = clamp_color(color);
	c->mark_level[i] = z_level(z);
	c->mark_z[i] = fz;
}

char ll_canvas_ascii_density(unsigned bits)
{
	static const char ramp[] = " .:-=+*#%@";
	int n = 0;
	for (unsigned b = bits & 0xFF; b; b &= b - 1)
		n++;
	return ramp[n == 8 ? 9 : n];
}

char ll_canvas_ascii_shape(unsigned bits)
{
	int n = 0, sx = 0, sy = 0, sxy = 0, xmin = 2, xmax = -1, ymin = 4, ymax = -1;
	for (int y = 0; y < 4; y++)
		for (int x = 0; x < 2; x++) {
			if (!(bits & braille_bit[y][x]))
				continue;
			n++;
			sx += x;
			sy += y;
			sxy += x * y;
			if (x < xmin) xmin = x;
			if (x > xmax) xmax = x;
			if (y < ymin) ymin = y;
			if (y > ymax) ymax = y;
		}
	if (n == 0)
		return ' ';
	if (n >= 6)
		return '#';
	int span_y = ymax - ymin + 1;
	if (xmin == xmax) { /* one column */
		if (span_y >= 3)
			return '|';
		if (ymax <= 1)
			return '\'';
		return ymin >= 2 ? '.' : ':';
	}
	int cov = n * sxy - sx * sy; /* n^2 x covariance of x and y (y down) */
	if (cov > 0)
		return '\\';
	if (cov < 0)
		return '/';
	if (span_y <= 2)
		return ymin >= 3 || (ymin >= 2 && span_y == 2) ? '_' : '-';
	return '+';
}

uint32_t ll_canvas_cell_utf8(const ll_canvas *c, int cx, int cy)
{
	if (cx < 0 || cy < 0 || cx >= c->w || cy >= c->h)
		return ' ';
	size_t i = (size_t)cy * (size_t)c->w + (size_t)cx;
	if (c->mark[i])
		return (uint32_t)(unsigned char)c->mark[i];
	return c->dots[i] ? 0x2800u + c->dots[i] : ' ';
}

char ll_canvas_cell_ascii(const ll_canvas *c, int cx, int cy, int mode)
{
	if (cx < 0 || cy < 0 || cx >= c->w || cy >= c->h)
		return ' ';
	size_t i = (size_t)cy * (size_t)c->w + (size_t)cx;
	if (c->mark[i])
		return c->mark[i];
	return mode == LL_CANVAS_DENSITY ? ll_canvas_ascii_density(c->dots[i])
					 : ll_canvas_ascii_shape(c->dots[i]);
}

int ll_utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | ((cp >> 12) & 0x0F));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

static int text_reserve(ll_canvas_text *t, int w, int h)
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
		ll_canvas_run *r = ll_malloc_array(need_runs, sizeof *r);
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

int ll_canvas_render(const ll_canvas *c, ll_canvas_text *t, ll_err *err)
{
	if (!c || !c->dots)
		return ll_err_set(err, LL_EINVAL, "canvas_render: canvas is not initialised");
	if (text_reserve(t, c->w, c->h) != LL_OK)
		return ll_err_set(err, LL_ENOMEM, "canvas_render: out of memory for %d x %d cells",
				  c->w, c->h);
	t->w = c->w;
	t->h = c->h;
	char *p = t->buf;
	size_t nr = 0;
	for (int r = 0; r < c->h; r++) {
		t->row_off[r] = (size_t)(p - t->buf);
		t->row_run[r] = nr;
		const size_t base = (size_t)r * (size_t)c->w;
		ll_canvas_run *cur = NULL;
		for (int x = 0; x < c->w; x++) {
			size_t i = base + (size_t)x;
			int col, lev, is_mark = 0;
			char *start = p;
			if (c->mark[i]) {
				*p++ = c->mark[i];
				col = c->mark_color[i];
				lev = c->mark_level[i];
				is_mark = 1;
			} else if (c->dots[i]) {
				if (c->mode == LL_CANVAS_UTF8) {
					*p++ = (char)0xE2;
					*p++ = (char)(0xA0 | (c->dots[i] >> 6));
					*p++ = (char)(0x80 | (c->dots[i] & 0x3F));
				} else {
					*p++ = c->mode == LL_CANVAS_DENSITY
						       ? ll_canvas_ascii_density(c->dots[i])
						       : ll_canvas_ascii_shape(c->dots[i]);
				}
				col = c->color[i];
				lev = c->level[i];
			} else {
				*p++ = ' ';
				col = -1;
				lev = -1;
			}
			if (cur && cur->color == col && cur->level == lev && cur->is_mark == is_mark) {
				cur->n++;
				cur->len += (size_t)(p - start);
			} else {
				cur = &t->runs[nr++];
				cur->x = x;
				cur->n = 1;
				cur->off = (size_t)(start - (t->buf + t->row_off[r]));
				cur->len = (size_t)(p - start);
				cur->color = col;
				cur->level = lev;
				cur->is_mark = is_mark;
			}
		}
		*p++ = '\0';
	}
	t->row_run[c->h] = nr;
	return LL_OK;
}

const char *ll_canvas_text_row(const ll_canvas_text *t, int r)
{
	if (!t || !t->buf || r < 0 || r >= t->h)
		return NULL;
	return t->buf + t->row_off[r];
}

void ll_canvas_text_free(ll_canvas_text *t)
{
	if (!t)
		return;
	ll_free(t->buf);
	ll_free(t->row_off);
	ll_free(t->runs);
	ll_free(t->row_run);
	memset(t, 0, sizeof *t);
}
