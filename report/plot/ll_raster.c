#include "plot/ll_raster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/ll_font.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

int ll_raster_init(ll_raster *r, int w, int h, uint32_t bg, ll_err *err)
{
	size_t n;

	memset(r, 0, sizeof *r);
	if (w < 1 || h < 1 || w > LL_RASTER_MAX_DIM || h > LL_RASTER_MAX_DIM)
		return ll_err_set(err, LL_EINVAL, "canvas size %dx%d: width and height must be in 1..%d",
				  w, h, LL_RASTER_MAX_DIM);
	n = (size_t)w * (size_t)h;
	r->rgb = ll_malloc_array(n, 3);
	r->cov = ll_calloc_array(n, 1);
	if (!r->rgb || !r->cov) {
		ll_raster_free(r);
		return ll_err_set(err, LL_ENOMEM, "canvas %dx%d: out of memory", w, h);
	}
	for (size_t i = 0; i < n; i++) {
		r->rgb[3 * i] = (uint8_t)(bg >> 16);
		r->rgb[3 * i + 1] = (uint8_t)(bg >> 8);
		r->rgb[3 * i + 2] = (uint8_t)bg;
	}
	r->w = w;
	r->h = h;
	r->scale = 1;
	ll_raster_noclip(r);
	return LL_OK;
}

void ll_raster_set_scale(ll_raster *r, int s)
{
	r->scale = s < 1 ? 1 : s;
}

void ll_raster_free(ll_raster *r)
{
	ll_free(r->rgb);
	ll_free(r->cov);
	memset(r, 0, sizeof *r);
}

void ll_raster_noclip(ll_raster *r)
{
	r->cx0 = r->cy0 = 0;
	r->cx1 = r->w;
	r->cy1 = r->h;
}

void ll_raster_clip(ll_raster *r, int x0, int y0, int x1, int y1)
{
	const int u = r->scale;
	x0 *= u, y0 *= u, x1 *= u, y1 *= u;
	r->cx0 = x0 < 0 ? 0 : x0;
	r->cy0 = y0 < 0 ? 0 : y0;
	r->cx1 = x1 > r->w ? r->w : x1;
	r->cy1 = y1 > r->h ? r->h : y1;
	if (r->cx1 < r->cx0)
		r->cx1 = r->cx0;
	if (r->cy1 < r->cy0)
		r->cy1 = r->cy0;
}

uint32_t ll_raster_get(const ll_raster *r, int x, int y)
{
	const uint8_t *p;

	if (!r->rgb || x < 0 || y < 0 || x >= r->w || y >= r->h)
		return 0;
	p = r->rgb + 3 * ((size_t)y * (size_t)r->w + (size_t)x);
	return LL_RGB(p[0], p[1], p[2]);
}

/* Composite colour c over pixel (x, y) with coverage cov (0..255); the
 * colour's alpha multiplies the coverage.  Integer maths, rounded. */
static void blend(ll_raster *r, int x, int y, uint32_t c, unsigned cov)
{
	unsigned a = cov * (c >> 24); /* 0..65025 */
	uint8_t *p;

	if (a == 0 || x < r->cx0 || y < r->cy0 || x >= r->cx1 || y >= r->cy1)
		return;
	p = r->rgb + 3 * ((size_t)y * (size_t)r->w + (size_t)x);
	for (int k = 0; k < 3; k++) {
		unsigned src = (c >> (16 - 8 * k)) & 0xFF;
		p[k] = (uint8_t)((p[k] * (65025u - a) + src * a + 32512u) / 65025u);
	}
}

static unsigned cov8(double c)
{
	if (!(c > 0))
		return 0;
	if (c >= 1)
		return 255;
	return (unsigned)(c * 255.0 + 0.5);
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void ll_raster_fill_rect(ll_raster *r, double x0, double y0, double x1, double y1, uint32_t c)
{
	int i0, i1, j0, j1;

	if (!(isfinite(x0) && isfinite(x1) && isfinite(y0) && isfinite(y1)))
		return;
	x0 *= r->scale, y0 *= r->scale, x1 *= r->scale, y1 *= r->scale;
	if (x1 < x0) {
		double t = x0;
		x0 = x1, x1 = t;
	}
	if (y1 < y0) {
		double t = y0;
		y0 = y1, y1 = t;
	}
	x0 = clampd(x0, r->cx0, r->cx1);
	x1 = clampd(x1, r->cx0, r->cx1);
	y0 = clampd(y0, r->cy0, r->cy1);
	y1 = clampd(y1, r->cy0, r->cy1);
	i0 = (int)floor(x0), i1 = (int)ceil(x1);
	j0 = (int)floor(y0), j1 = (int)ceil(y1);
	for (int j = j0; j < j1; j++) {
		double cy = fmin(j + 1.0, y1) - fmax((double)j, y0);
		for (int i = i0; i < i1; i++) {
			double cx = fmin(i + 1.0, x1) - fmax((double)i, x0);
			blend(r, i, j, c, cov8(cx * cy));
		}
	}
}

/* ---- lines ---------------------------------------------------------- */

typedef struct bbox {
	int x0, y0, x1, y1; /* touched mask pixels, [x0,x1) x [y0,y1); empty if x1 <= x0 */
} bbox;

/* Liang-Barsky: clip segment a-b to the box, false if nothing is left. */
static int clip_segment(double *ax, double *ay, double *bx, double *by,
			double x0, double y0, double x1, double y1)
{
	double t0 = 0, t1 = 1, dx = *bx - *ax, dy = *by - *ay;
	double p[4] = { -dx, dx, -dy, dy };
	double q[4] = { *ax - x0, x1 - *ax, *ay - y0, y1 - *ay };

	for (int k = 0; k < 4; k++) {
		if (p[k] == 0) {
			if (q[k] < 0)
				return 0;
			continue;
		}
		double t = q[k] / p[k];
		if (p[k] < 0) {
			if (t > t1)
				return 0;
			if (t > t0)
				t0 = t;
		} else {
			if (t < t0)
				return 0;
			if (t < t1)
				t1 = t;
		}
	}
	double sx = *ax, sy = *ay;
	*ax = sx + t0 * dx, *ay = sy + t0 * dy;
	*bx = sx + t1 * dx, *by = sy + t1 * dy;
	return 1;
}

/* Add the capsule around a-b (radius rad, coverage scaled by k) to the mask. */
static void mask_segment(ll_raster *r, bbox *bb, double ax, double ay, double bx, double by,
			 double rad, double k)
{
	double m = rad + 2;
	double dx, dy, len2;
	int j0, j1;

	if (!clip_segment(&ax, &ay, &bx, &by, r->cx0 - m, r->cy0 - m, r->cx1 + m, r->cy1 + m))
		return;
	dx = bx - ax, dy = by - ay;
	len2 = dx * dx + dy * dy;
	j0 = (int)floor(fmin(ay, by) - rad - 1);
	j1 = (int)ceil(fmax(ay, by) + rad + 1);
	if (j0 < r->cy0)
		j0 = r->cy0;
	if (j1 > r->cy1)
		j1 = r->cy1;
	for (int j = j0; j < j1; j++) {
		double yc = j + 0.5, xlo, xhi;
		int i0, i1;

		/* x-extent of the segment's points within rad+1 of this row */
		if (fabs(dy) < 1e-12) {
			xlo = fmin(ax, bx), xhi = fmax(ax, bx);
		} else {
			double ta = clampd((yc - rad - 1 - ay) / dy, 0, 1);
			double tb = clampd((yc + rad + 1 - ay) / dy, 0, 1);
			xlo = fmin(ax + ta * dx, ax + tb * dx);
			xhi = fmax(ax + ta * dx, ax + tb * dx);
		}
		i0 = (int)floor(xlo - rad - 1);
		i1 = (int)ceil(xhi + rad + 1);
		if (i0 < r->cx0)
			i0 = r->cx0;
		if (i1 > r->cx1)
			i1 = r->cx1;
		for (int i = i0; i < i1; i++) {
			double px = i + 0.5 - ax, py = yc - ay, t = 0, ex, ey;
			unsigned c;
			uint8_t *mp;

			if (len2 > 0)
				t = clampd((px * dx + py * dy) / len2, 0, 1);
			ex = px - t * dx, ey = py - t * dy;
			c = cov8(clampd(rad + 0.5 - sqrt(ex * ex + ey * ey), 0, 1) * k);
			if (!c)
				continue;
			mp = r->cov + (size_t)j * (size_t)r->w + (size_t)i;
			if (c > *mp)
				*mp = (uint8_t)c;
			if (i < bb->x0)
				bb->x0 = i;
			if (i + 1 > bb->x1)
				bb->x1 = i + 1;
			if (j < bb->y0)
				bb->y0 = j;
			if (j + 1 > bb->y1)
				bb->y1 = j + 1;
		}
	}
}

/* Composite the mask inside bb with colour c and clear it. */
static void mask_flush(ll_raster *r, const bbox *bb, uint32_t c)
{
	for (int j = bb->y0; j < bb->y1; j++)
		for (int i = bb->x0; i < bb->x1; i++) {
			uint8_t *mp = r->cov + (size_t)j * (size_t)r->w + (size_t)i;
			if (*mp) {
				blend(r, i, j, c, *mp);
				*mp = 0;
			}
		}
}

/* Dash state along one unbroken run: pos is the distance into the current
 * period of length 2*dash; the first half is ink. */
typedef struct dasher {
	double dash, width, pos;
} dasher;

static void mask_dashed(ll_raster *r, bbox *bb, dasher *d, double ax, double ay, double bx, double by,
			double rad, double k)
{
	double len = hypot(bx - ax, by - ay), s = 0;
	/* round caps add width/2 at each end: shorten the ink so dashes and gaps
	 * look dash px long */
	double ink = d->dash - d->width > 1e-3 ? d->dash - d->width : 1e-3; /* tiny: a dot */

	if (!(len > 0))
		return;
	/* a very long segment with tiny dashes would loop for ages: draw solid */
	if (len / d->dash > 1e5) {
		mask_segment(r, bb, ax, ay, bx, by, rad, k);
		return;
	}
	while (s < len) {
		double period = 2 * d->dash, step;
		if (d->pos < ink) {
			step = fmin(ink - d->pos, len - s);
			double t0 = s / len, t1 = (s + step) / len;
			mask_segment(r, bb, ax + t0 * (bx - ax), ay + t0 * (by - ay),
				     ax + t1 * (bx - ax), ay + t1 * (by - ay), rad, k);
		} else {
			step = fmin(period - d->pos, len - s);
		}
		s += step;
		d->pos += step;
		if (d->pos >= period - 1e-9)
			d->pos = 0;
		if (step <= 0)
			break;
	}
}

void ll_raster_polyline(ll_raster *r, const double *x, const double *y, size_t n,
			double width, double dash, uint32_t c)
{
	bbox bb = { r->w, r->h, 0, 0 };
	double rad, k;
	dasher d;
	int have = 0; /* previous point is finite */

	if (!r->cov || !(width > 0) || !isfinite(width) || (c >> 24) == 0)
		return;
	const double u = r->scale;
	width *= u;
	dash *= u;
	rad = width < 1 ? 0.5 : width / 2;
	k = width < 1 ? width : 1;
	d.dash = isfinite(dash) && dash > 0 ? dash : 0;
	d.width = width;
	d.pos = 0;
	for (size_t i = 0; i < n; i++) {
		int fin = isfinite(x[i]) && isfinite(y[i]);
		if (fin && have) {
			if (d.dash > 0)
				mask_dashed(r, &bb, &d, u * x[i - 1], u * y[i - 1], u * x[i], u * y[i], rad, k);
			else
				mask_segment(r, &bb, u * x[i - 1], u * y[i - 1], u * x[i], u * y[i], rad, k);
		} else if (fin && (i + 1 == n || !(isfinite(x[i + 1]) && isfinite(y[i + 1])))) {
			/* an isolated point draws as a dot: a zero-length segment */
			mask_segment(r, &bb, u * x[i], u * y[i], u * x[i], u * y[i], rad, k);
		}
		if (!fin)
			d.pos = 0;
		have = fin;
	}
	if (bb.x1 > bb.x0)
		mask_flush(r, &bb, c);
}

void ll_raster_line(ll_raster *r, double x0, double y0, double x1, double y1,
		    double width, double dash, uint32_t c)
{
	double x[2] = { x0, x1 }, y[2] = { y0, y1 };
	ll_raster_polyline(r, x, y, 2, width, dash, c);
}

/* ---- markers -------------------------------------------------------- */

/* Signed distance (approximate at corners) from (px, py) to a convex
 * polygon; negative inside. */
static double poly_sd(const double *vx, const double *vy, int nv, double px, double py)
{
	double sd = -INFINITY, area = 0;

	for (int i = 0; i < nv; i++) {
		int k = (i + 1) % nv;
		area += vx[i] * vy[k] - vx[k] * vy[i];
	}
	for (int i = 0; i < nv; i++) {
		int k = (i + 1) % nv;
		double ex = vx[k] - vx[i], ey = vy[k] - vy[i], l = hypot(ex, ey), nx, ny, s;
		if (!(l > 0))
			continue;
		/* outward normal for either winding */
		nx = ey / l, ny = -ex / l;
		if (area < 0)
			nx = -nx, ny = -ny;
		s = nx * (px - vx[i]) + ny * (py - vy[i]);
		if (s > sd)
			sd = s;
	}
	return sd;
}

void ll_raster_marker(ll_raster *r, int shape, double cx, double cy, double size,
		      double angle, uint32_t fill, uint32_t edge, double edge_width)
{
	double vx[4], vy[4], ext, ew;
	int nv = 0;

	if (!(isfinite(cx) && isfinite(cy) && size > 0 && isfinite(size)))
		return;
	cx *= r->scale, cy *= r->scale, size *= r->scale, edge_width *= r->scale;
	if (!isfinite(angle))
		angle = 0;
	ew = (edge >> 24) && edge_width > 0 ? fmin(edge_width, size / 2) : 0;
	switch (shape) {
	case LL_SHAPE_CIRCLE:
		break;
	case LL_SHAPE_SQUARE: {
		double h = size * 0.45; /* a square looks bigger than a circle of the same width */
		vx[0] = cx - h, vy[0] = cy - h;
		vx[1] = cx + h, vy[1] = cy - h;
		vx[2] = cx + h, vy[2] = cy + h;
		vx[3] = cx - h, vy[3] = cy + h;
		nv = 4;
		break;
	}
	case LL_SHAPE_DIAMOND: {
		double h = size * 0.6;
		vx[0] = cx, vy[0] = cy - h;
		vx[1] = cx + h, vy[1] = cy;
		vx[2] = cx, vy[2] = cy + h;
		vx[3] = cx - h, vy[3] = cy;
		nv = 4;
		break;
	}
	case LL_SHAPE_TRIANGLE:
	case LL_SHAPE_TRIANGLE_DOWN: {
		/* circumradius chosen so the triangle's area is near the circle's */
		double rr = size * 0.62, a0 = angle + (shape == LL_SHAPE_TRIANGLE_DOWN ? M_PI : 0);
		for (int k = 0; k < 3; k++) {
			double a = a0 + k * (2 * M_PI / 3);
			vx[k] = cx + rr * sin(a);
			vy[k] = cy - rr * cos(a);
		}
		nv = 3;
		break;
	}
	default:
		return;
	}
	ext = size * 0.7 + 2;
	int i0 = (int)floor(cx - ext), i1 = (int)ceil(cx + ext);
	int j0 = (int)floor(cy - ext), j1 = (int)ceil(cy + ext);
	for (int j = j0; j < j1; j++) {
		if (j < r->cy0 || j >= r->cy1)
			continue;
		for (int i = i0; i < i1; i++) {
			double px = i + 0.5, py = j + 0.5, sd;
			if (i < r->cx0 || i >= r->cx1)
				continue;
			if (nv == 0)
				sd = hypot(px - cx, py - cy) - size / 2;
			else
				sd = poly_sd(vx, vy, nv, px, py);
			if (ew > 0) {
				blend(r, i, j, edge, cov8(clampd(0.5 - sd, 0, 1)));
				blend(r, i, j, fill, cov8(clampd(0.5 - (sd + ew), 0, 1)));
			} else {
				blend(r, i, j, fill, cov8(clampd(0.5 - sd, 0, 1)));
			}
		}
	}
}

/* ---- text ----------------------------------------------------------- */

/* Glyph pixel (col, row) of a cell of rows bits[] (bit 7 = col 0), 0
 * outside the cell. */
static int gbit(const unsigned *bits, int col, int row)
{
	return row >= 0 && row < LL_FONT_HEIGHT && col >= 0 && col < 8 && ((bits[row] >> (7 - col)) & 1);
}

/* Sub-pixel (sx, sy) of glyph pixel (col, row) drawn s x s: the pixel
 * itself for s other than 2 and 3, else Scale2x / Scale3x (AdvMAME, after
 * Andrea Mazzoleni's rules), which round the stairs of diagonal strokes
 * instead of doubling them, so large text reads smoother. */
static int gsub(const unsigned *bits, int col, int row, int s, int sx, int sy)
{
	int e = gbit(bits, col, row);
	if (s != 2 && s != 3)
		return e;
	int a = gbit(bits, col - 1, row - 1), b = gbit(bits, col, row - 1), cc = gbit(bits, col + 1, row - 1);
	int d = gbit(bits, col - 1, row), f = gbit(bits, col + 1, row);
	int g = gbit(bits, col - 1, row + 1), h = gbit(bits, col, row + 1), i = gbit(bits, col + 1, row + 1);
	int tl = d == b && b != f && d != h, tr = b == f && b != d && f != h;
	int bl = d == h && d != b && h != f, br = h == f && d != h && b != f;
	if (s == 2) {
		if (sy == 0)
			return sx == 0 ? (tl ? d : e) : (tr ? f : e);
		return sx == 0 ? (bl ? d : e) : (br ? f : e);
	}
	switch (sy * 3 + sx) {
	case 0: return tl ? d : e;
	case 1: return (tl && e != cc) || (tr && e != a) ? b : e;
	case 2: return tr ? f : e;
	case 3: return (tl && e != g) || (bl && e != a) ? d : e;
	case 5: return (tr && e != i) || (br && e != cc) ? f : e;
	case 6: return bl ? d : e;
	case 7: return (bl && e != i) || (br && e != g) ? h : e;
	case 8: return br ? f : e;
	default: return e;
	}
}

void ll_raster_text(ll_raster *r, int x, int y, const char *s, uint32_t c, int scale, int flags)
{
	int bold = (flags & LL_TEXT_BOLD) != 0, up = (flags & LL_TEXT_UP) != 0;
	int len = s ? ll_font_text_width(s, 1, bold) : 0; /* unscaled length of the box */
	int adv = LL_FONT_WIDTH + bold;
	int k = 0;                              /* character index */

	if (!s)
		return;
	if (scale < 1)
		scale = 1;
	x *= r->scale, y *= r->scale, scale *= r->scale;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char ch = *p;
		if ((ch & 0xC0) == 0x80)
			continue; /* UTF-8 continuation byte: its lead drew '?' */
		const uint8_t *g = ll_font_glyph(ch);
		unsigned bits[LL_FONT_HEIGHT];
		for (int row = 0; row < LL_FONT_HEIGHT; row++) {
			bits[row] = g[row];
			/* bold: widen each run by one pixel to the right unless that
			 * would close the gap to the next run (keeps m, w, # open) */
			if (bold)
				bits[row] = (bits[row] | ((bits[row] >> 1) & ~(bits[row] << 1))) & 0xFC;
		}
		for (int row = 0; row < LL_FONT_HEIGHT; row++)
			for (int col = 0; col < adv; col++)
				for (int sy = 0; sy < scale; sy++)
					for (int sx = 0; sx < scale; sx++) {
						if (!gsub(bits, col, row, scale, sx, sy))
							continue;
						/* in the scaled, unrotated box; then turned */
						int u = (k * adv + col) * scale + sx, v = row * scale + sy;
						if (up)
							blend(r, x + v, y + len * scale - 1 - u, c, 255);
						else
							blend(r, x + u, y + v, c, 255);
					}
		k++;
	}
}
