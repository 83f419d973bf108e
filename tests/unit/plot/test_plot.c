/* Tests for the plotting layer: font, rasterizer, PNG writer, figures.
 * LL_PLOT_DEMO=path keeps the demo figure (test_demo) at path, and
 * LL_PLOT_COMPARE=path the comparison example (test_compare_example). */
#include "base/ll_common.h"
#include "plot/ll_font.h"
#include "plot/ll_plot.h"
#include "plot/ll_png.h"
#include "plot/ll_raster.h"
#include "base/ll_rng.h"
#include "ll_test.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];

static int is_dark(uint32_t c)
{
	return ((c >> 16) & 0xFF) < 80 && ((c >> 8) & 0xFF) < 80 && (c & 0xFF) < 80;
}

static int is_white(uint32_t c)
{
	return (c & 0xFFFFFF) == 0xFFFFFF;
}

static uint32_t px_at(const ll_raster *r, double x, double y)
{
	return ll_raster_get(r, (int)floor(x), (int)floor(y));
}

/* ---- font ---- */

static void test_font(void)
{
	LL_CHECK_INT(ll_font_text_width("", 1, 0), 0);
	LL_CHECK_INT(ll_font_text_width("abc", 1, 0), 17);
	LL_CHECK_INT(ll_font_text_width("abc", 1, 1), 20);
	LL_CHECK_INT(ll_font_text_width("abc", 2, 0), 34);
	LL_CHECK_INT(ll_font_chars("x\xc3\xa9y"), 3); /* "xéy": é is one character */
	LL_CHECK(ll_font_glyph(200) == ll_font_glyph('?'));
	LL_CHECK(ll_font_glyph('\n') == ll_font_glyph('?'));
	for (int c = 32; c < 127; c++) {
		const uint8_t *g = ll_font_glyph((unsigned char)c);
		int ink = 0, stray = 0;
		for (int row = 0; row < LL_FONT_HEIGHT; row++) {
			ink += g[row] != 0;
			stray |= g[row] & 0x07; /* only 5 columns may be used */
		}
		LL_CHECK_MSG(c == ' ' ? ink == 0 : ink > 0, "glyph %d", c);
		LL_CHECK_MSG(!stray, "glyph %d uses the gap column", c);
	}
	/* digits and capitals sit on rows 1..9 */
	for (const char *p = "0123456789ABCDEFGHIJKLMNOPRSTUVWXYZ"; *p; p++) {
		const uint8_t *g = ll_font_glyph((unsigned char)*p);
		LL_CHECK_MSG(g[0] == 0 && g[1] != 0 && g[9] != 0 && g[10] == 0 && g[11] == 0, "glyph %c", *p);
	}
	LL_CHECK(ll_font_glyph_bit('|', 2, 5) == 1);
	LL_CHECK(ll_font_glyph_bit('|', 0, 5) == 0);
	LL_CHECK(ll_font_glyph_bit('|', 9, 5) == 0);
}

/* ---- rasterizer ---- */

/* Drawing in units of s pixels: the same picture, s times larger.  Every
 * pixel of the scaled canvas equals the unscaled pixel it lies in, for
 * axis-aligned shapes and text; a figure renders at s times its size. */
static void test_raster_scale(void)
{
	ll_raster a, b;
	const int s = 3;
	LL_CHECK_INT(ll_raster_init(&a, 60, 40, LL_PLOT_WHITE, NULL), LL_OK);
	LL_CHECK_INT(ll_raster_init(&b, 60 * s, 40 * s, LL_PLOT_WHITE, NULL), LL_OK);
	LL_CHECK_INT(b.scale, 1);
	ll_raster_set_scale(&b, s);
	for (int k = 0; k < 2; k++) {
		ll_raster *r = k ? &b : &a;
		ll_raster_clip(r, 2, 2, 58, 38);
		ll_raster_fill_rect(r, 4, 5, 20, 12, LL_RGB(0xD5, 0x5E, 0x00));
		ll_raster_fill_rect(r, 50, 30, 70, 50, LL_PLOT_BLACK); /* clipped at 58, 38 */
		ll_raster_text(r, 22, 14, "Hi 7", LL_PLOT_BLACK, 1, 0);
		ll_raster_noclip(r);
	}
	/* shapes: pixel for pixel; text (box 22..45 x 14..27): the centre of
	 * every scaled glyph pixel is that pixel, its corners are smoothed
	 * (Scale3x), so about as much ink, all inside the box */
	int same = 1, centres = 1, inside = 1;
	long ink_a = 0, ink_b = 0;
	const int tw = ll_font_text_width("Hi 7", 1, 0);
	for (int y = 0; y < b.h; y++)
		for (int x = 0; x < b.w; x++) {
			uint32_t pb = ll_raster_get(&b, x, y), pa = ll_raster_get(&a, x / s, y / s);
			int in_text = x / s >= 22 && x / s < 22 + tw && y / s >= 14 && y / s < 14 + LL_FONT_HEIGHT;
			if (!in_text)
				same &= pb == pa;
			else if (x % s == 1 && y % s == 1)
				centres &= pb == pa;
			if (in_text) {
				ink_b += is_dark(pb);
				ink_a += x % s == 0 && y % s == 0 && is_dark(pa);
			}
			inside &= in_text || !is_dark(pb) || x / s >= 50; /* the clipped black box */
		}
	LL_CHECK_MSG(same, "the scaled canvas is not the unscaled one, %d times larger", s);
	LL_CHECK(centres && inside);
	LL_CHECK_MSG(ink_b > 8 * ink_a && ink_b < 10 * ink_a, "text ink %ld, unscaled %ld", ink_b, ink_a);
	/* a diagonal stroke loses its stairs: '/' at scale 2 is not 2x2 blocks */
	ll_raster c2;
	LL_CHECK_INT(ll_raster_init(&c2, 20, 30, LL_PLOT_WHITE, NULL), LL_OK);
	ll_raster_text(&c2, 2, 2, "/", LL_PLOT_BLACK, 2, 0);
	int blocky = 1;
	for (int y = 2; y < 28; y += 2)
		for (int x = 2; x < 14; x += 2)
			blocky &= is_dark(ll_raster_get(&c2, x, y)) == is_dark(ll_raster_get(&c2, x + 1, y + 1)) &&
				  is_dark(ll_raster_get(&c2, x + 1, y)) == is_dark(ll_raster_get(&c2, x, y + 1));
	LL_CHECK(!blocky);
	ll_raster_free(&c2);
	/* a line keeps its place and gets s times wider: 2 px wide at x = 30.5
	 * covers columns 29.5..31.5, i.e. 88.5..94.5 at scale 3 */
	ll_raster_line(&b, 30.5, 0, 30.5, 40, 2, 0, LL_PLOT_BLACK);
	LL_CHECK(is_dark(ll_raster_get(&b, 90, 60)) && is_dark(ll_raster_get(&b, 93, 60)));
	LL_CHECK(is_white(ll_raster_get(&b, 87, 60)) && is_white(ll_raster_get(&b, 95, 60)));
	ll_raster_free(&a);
	ll_raster_free(&b);

	ll_plot_fig fig;
	ll_raster r;
	LL_CHECK_INT(ll_plot_fig_init(&fig, 200, 120, 1, 1, NULL), LL_OK);
	double y[3] = {1, 3, 2};
	LL_CHECK_INT(ll_plot_line(ll_plot_fig_axes(&fig, 0, 0), NULL, y, 3, NULL, NULL), LL_OK);
	LL_CHECK_INT(ll_plot_fig_scale(&fig), 1);
	fig.scale = 2;
	LL_CHECK_INT(ll_plot_render(&fig, &r, NULL), LL_OK);
	LL_CHECK(r.w == 400 && r.h == 240);
	ll_raster_free(&r);
	fig.scale = LL_RASTER_MAX_DIM; /* too large an image: refused */
	LL_CHECK_INT(ll_plot_render(&fig, &r, NULL), LL_EINVAL);
	ll_plot_fig_free(&fig);
}

static void test_text_box(void)
{
	ll_raster r;
	const char *s = "Hello 123 gjy";
	int w = ll_font_text_width(s, 1, 0);

	LL_CHECK_INT(ll_raster_init(&r, 120, 120, LL_PLOT_WHITE, NULL), LL_OK);
	ll_raster_text(&r, 10, 20, s, LL_PLOT_BLACK, 1, 0);
	int in = 0, out = 0;
	for (int y = 0; y < r.h; y++)
		for (int x = 0; x < r.w; x++) {
			int inside = x >= 10 && x < 10 + w && y >= 20 && y < 20 + LL_FONT_HEIGHT;
			int ink = !is_white(ll_raster_get(&r, x, y));
			in += inside && ink;
			out += !inside && ink;
		}
	LL_CHECK(in > 50);
	LL_CHECK_INT(out, 0);
	/* pixel-exact glyphs: 'H' at (10, 20) */
	for (int row = 0; row < LL_FONT_HEIGHT; row++)
		for (int col = 0; col < LL_FONT_WIDTH; col++)
			LL_CHECK(is_dark(ll_raster_get(&r, 10 + col, 20 + row)) == ll_font_glyph_bit('H', col, row));
	ll_raster_free(&r);

	/* rotated: a box 13 wide and w tall; reads bottom to top */
	LL_CHECK_INT(ll_raster_init(&r, 120, 120, LL_PLOT_WHITE, NULL), LL_OK);
	ll_raster_text(&r, 30, 5, s, LL_PLOT_BLACK, 1, LL_TEXT_UP);
	in = out = 0;
	for (int y = 0; y < r.h; y++)
		for (int x = 0; x < r.w; x++) {
			int inside = x >= 30 && x < 30 + LL_FONT_HEIGHT && y >= 5 && y < 5 + w;
			int ink = !is_white(ll_raster_get(&r, x, y));
			in += inside && ink;
			out += !inside && ink;
		}
	LL_CHECK(in > 50);
	LL_CHECK_INT(out, 0);
	/* the first glyph 'H' sits at the bottom: glyph (col, row) -> (30 + row, 5 + w - 1 - col) */
	for (int row = 0; row < LL_FONT_HEIGHT; row++)
		for (int col = 0; col < LL_FONT_WIDTH; col++)
			LL_CHECK(is_dark(ll_raster_get(&r, 30 + row, 5 + w - 1 - col)) ==
				 ll_font_glyph_bit('H', col, row));
	ll_raster_free(&r);
}

static void test_raster_shapes(void)
{
	ll_raster r;
	uint32_t red = LL_RGB(255, 0, 0);

	LL_CHECK_INT(ll_raster_init(&r, 100, 100, LL_PLOT_WHITE, NULL), LL_OK);
	/* an exact-pixel rectangle fills exactly its pixels */
	ll_raster_fill_rect(&r, 10, 10, 20, 15, red);
	int n = 0;
	for (int y = 0; y < 100; y++)
		for (int x = 0; x < 100; x++)
			if (ll_raster_get(&r, x, y) == red)
				n++;
	LL_CHECK_INT(n, 50);
	/* half-covered column: blended halfway (255 -> 128) */
	ll_raster_fill_rect(&r, 30.5, 30, 32, 31, red);
	LL_CHECK(ll_raster_get(&r, 31, 30) == red);
	uint32_t half = ll_raster_get(&r, 30, 30);
	LL_CHECK_NEAR((half >> 8) & 0xFF, 127.5, 0.5);
	LL_CHECK_INT((half >> 16) & 0xFF, 255);
	/* a circle marker: centre filled, far corner of its box not */
	ll_raster_marker(&r, LL_SHAPE_CIRCLE, 60.5, 60.5, 10, 0, red, 0, 0);
	LL_CHECK(ll_raster_get(&r, 60, 60) == red);
	LL_CHECK(ll_raster_get(&r, 63, 60) == red);
	LL_CHECK(is_white(ll_raster_get(&r, 56, 56)));
	LL_CHECK(is_white(ll_raster_get(&r, 67, 60)));
	/* a triangle pointing right (angle pi/2): tip side has ink, back corner rows do not */
	ll_raster_marker(&r, LL_SHAPE_TRIANGLE, 80.5, 20.5, 12, M_PI / 2, red, 0, 0);
	LL_CHECK(ll_raster_get(&r, 86, 20) != 0 && !is_white(ll_raster_get(&r, 86, 20)));
	LL_CHECK(is_white(ll_raster_get(&r, 86, 15)));
	/* clipping */
	ll_raster_clip(&r, 0, 0, 50, 100);
	ll_raster_fill_rect(&r, 40, 80, 60, 90, red);
	LL_CHECK(ll_raster_get(&r, 49, 85) == red);
	LL_CHECK(is_white(ll_raster_get(&r, 50, 85)));
	ll_raster_noclip(&r);
	/* out of range reads */
	LL_CHECK(ll_raster_get(&r, -1, 0) == 0 && ll_raster_get(&r, 100, 0) == 0);
	ll_raster_free(&r);

	/* dashes: a horizontal dashed line alternates ink and gaps */
	LL_CHECK_INT(ll_raster_init(&r, 200, 20, LL_PLOT_WHITE, NULL), LL_OK);
	ll_raster_line(&r, 10, 10.5, 190, 10.5, 2, 8, LL_PLOT_BLACK);
	int runs = 0, prev = 0;
	for (int x = 0; x < 200; x++) {
		int ink = is_dark(ll_raster_get(&r, x, 10));
		runs += ink && !prev;
		prev = ink;
	}
	LL_CHECK_MSG(runs >= 10 && runs <= 13, "%d dashes over 180 px at 8 on / 8 off", runs);
	/* NaN breaks a polyline: nothing between the two pieces */
	double xs[5] = { 10, 60, NAN, 140, 190 }, ys[5] = { 5.5, 5.5, 5.5, 5.5, 5.5 };
	ll_raster_polyline(&r, xs, ys, 5, 1, 0, LL_PLOT_BLACK);
	LL_CHECK(is_dark(ll_raster_get(&r, 30, 5)));
	LL_CHECK(is_white(ll_raster_get(&r, 100, 5)));
	LL_CHECK(is_dark(ll_raster_get(&r, 160, 5)));
	/* the coverage scratch is left clean */
	int dirty = 0;
	for (int i = 0; i < r.w * r.h; i++)
		dirty |= r.cov[i];
	LL_CHECK_INT(dirty, 0);
	ll_raster_free(&r);
	ll_raster_free(&r); /* a second free is a no-op */
}

/* ---- ticks, ranges, formats ---- */

static int is_125(double step)
{
	double e = floor(log10(step)), m = step / pow(10, e);
	return fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 5) < 1e-9;
}

static void test_ticks(void)
{
	double t[LL_PLOT_MAX_TICKS], step;
	int n;

	n = ll_plot_ticks(0, 1, 5, t, LL_PLOT_MAX_TICKS, &step);
	LL_CHECK_INT(n, 6);
	LL_CHECK_NEAR(step, 0.2, 1e-15);
	for (int i = 0; i < n; i++)
		LL_CHECK(t[i] == (double)(2 * i) / 10); /* exact: 0.6, not 0.6000000000000001 */
	n = ll_plot_ticks(0, 7.3, 5, t, LL_PLOT_MAX_TICKS, &step);
	LL_CHECK_INT(n, 4);
	LL_CHECK(step == 2 && t[0] == 0 && t[1] == 2 && t[2] == 4 && t[3] == 6);
	n = ll_plot_ticks(-1, 1, 4, t, LL_PLOT_MAX_TICKS, &step);
	LL_CHECK_INT(n, 5);
	LL_CHECK(step == 0.5 && t[0] == -1 && t[2] == 0 && !signbit(t[2]) && t[4] == 1);
	n = ll_plot_ticks(0, 100, 5, t, LL_PLOT_MAX_TICKS, &step);
	LL_CHECK(n == 6 && step == 20);
	n = ll_plot_ticks(0.0013, 0.0095, 5, t, LL_PLOT_MAX_TICKS, &step);
	LL_CHECK(n == 4 && step == 0.002 && t[0] == 0.002 && t[3] == 0.008);
	n = ll_plot_ticks(1e6, 5e6, 4, t, LL_PLOT_MAX_TICKS, &step);
	LL_CHECK(n == 5 && step == 1e6);
	n = ll_plot_ticks(-0.3, 0.3, 6, t, LL_PLOT_MAX_TICKS, &step);
	LL_CHECK(n == 7 && step == 0.1 && t[3] == 0 && !signbit(t[3]));
	/* several ranges and targets: steps are 1-2-5, counts within target + 1 */
	const double ranges[][2] = { { 0, 1 }, { 3.7, 3.71 }, { -17, 230 }, { 1e-9, 3e-9 }, { 42, 43 }, { -5, -4.2 } };
	for (size_t k = 0; k < sizeof ranges / sizeof ranges[0]; k++)
		for (int target = 1; target <= 10; target++) {
			n = ll_plot_ticks(ranges[k][0], ranges[k][1], target, t, LL_PLOT_MAX_TICKS, &step);
			LL_CHECK_MSG(is_125(step), "step %g", step);
			LL_CHECK_MSG((ranges[k][1] - ranges[k][0]) / step <= target + 1e-9, "step %g target %d", step,
				     target);
			/* and the next smaller 1-2-5 step would give too many */
			LL_CHECK(n <= target + 1);
			for (int i = 0; i < n; i++) {
				LL_CHECK(t[i] >= ranges[k][0] - 1e-12 && t[i] <= ranges[k][1] + 1e-12);
				LL_CHECK_NEAR(t[i] / step, round(t[i] / step), 1e-6);
			}
		}
	/* degenerate input: no ticks, step 0 */
	LL_CHECK_INT(ll_plot_ticks(1, 1, 5, t, LL_PLOT_MAX_TICKS, &step), 0);
	LL_CHECK(step == 0);
	LL_CHECK_INT(ll_plot_ticks(2, 1, 5, t, LL_PLOT_MAX_TICKS, &step), 0);
	LL_CHECK_INT(ll_plot_ticks(NAN, 1, 5, t, LL_PLOT_MAX_TICKS, &step), 0);
	LL_CHECK_INT(ll_plot_ticks(0, INFINITY, 5, t, LL_PLOT_MAX_TICKS, &step), 0);
	LL_CHECK_INT(ll_plot_ticks(0, 1, 0, t, LL_PLOT_MAX_TICKS, &step), 0);
	/* max caps the output */
	LL_CHECK_INT(ll_plot_ticks(0, 1, 5, t, 3, &step), 3);
}

static void test_ranges(void)
{
	double lo, hi;

	ll_plot_nice_range(0, 7.3, 5, 0, &lo, &hi);
	LL_CHECK(lo == 0 && hi == 8);
	ll_plot_nice_range(0.03, 0.97, 5, 0, &lo, &hi);
	LL_CHECK(lo == 0 && hi == 1);
	ll_plot_nice_range(0.03, 0.97, 5, 1, &lo, &hi); /* tight */
	LL_CHECK(lo == 0.03 && hi == 0.97);
	ll_plot_nice_range(5, 5, 5, 0, &lo, &hi); /* all equal */
	LL_CHECK_NEAR(lo, 4.4, 1e-12);
	LL_CHECK_NEAR(hi, 5.6, 1e-12);
	ll_plot_nice_range(0, 0, 5, 0, &lo, &hi);
	LL_CHECK(lo == -1 && hi == 1);
	ll_plot_nice_range(-3, -3, 5, 1, &lo, &hi);
	LL_CHECK(lo < -3 && hi > -3);
	ll_plot_nice_range(INFINITY, -INFINITY, 5, 0, &lo, &hi); /* no data */
	LL_CHECK(lo == 0 && hi == 1);
	ll_plot_nice_range(NAN, 1, 5, 0, &lo, &hi);
	LL_CHECK(lo == 0 && hi == 1);
	/* rounding out would add 20% on the left: pad by 2% instead */
	ll_plot_nice_range(-0.4, 99.4, 5, 0, &lo, &hi);
	LL_CHECK_NEAR(lo, -0.4 - 0.02 * 99.8, 1e-9);
	LL_CHECK(hi == 100);
}

static void test_format(void)
{
	char b[32];
	struct { double v, step; const char *want; } cases[] = {
		{ 0.2, 0.2, "0.2" }, { 1, 0.2, "1.0" }, { -0.5, 0.5, "-0.5" }, { 3, 1, "3" }, { 40, 20, "40" },
		{ 0, 0.2, "0" }, { -1e-17, 0.1, "0" }, { 0.05, 0.05, "0.05" }, { 1500000, 500000, "1.5e6" },
		{ 2e-5, 1e-5, "2e-5" }, { -3e-6, 1e-6, "-3e-6" }, { 1.1, 0, "1.10" }, { 0.0312, 0, "0.0312" },
		{ -0.001, 0.05, "0.00" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ll_plot_format(cases[i].v, cases[i].step, b, sizeof b);
		LL_CHECK_STR(b, cases[i].want);
	}
	ll_plot_format(NAN, 1, b, sizeof b);
	LL_CHECK_STR(b, "nan");
}

/* ---- figures ---- */

/* y = x on [0,10] x [0,10], thick and black */
static void test_line_mapping(void)
{
	ll_plot_fig fig;
	ll_plot_axes *ax;
	ll_raster r;
	ll_err err;
	double x[2] = { 0, 10 }, px, py, qx, qy;
	ll_plot_style st = { .color = LL_PLOT_BLACK, .width = 3 };

	LL_CHECK_INT(ll_plot_fig_init(&fig, 400, 300, 1, 1, &err), LL_OK);
	ax = ll_plot_fig_axes(&fig, 0, 0);
	LL_CHECK(ll_plot_fig_axes(&fig, 1, 0) == NULL && ll_plot_fig_axes(&fig, 0, -1) == NULL);
	ax->x.fixed = ax->y.fixed = 1;
	ax->x.lo = ax->y.lo = 0;
	ax->x.hi = ax->y.hi = 10;
	LL_CHECK_INT(ll_plot_map(ax, 1, 1, &px, &py), LL_EINVAL); /* not laid out yet */
	LL_CHECK_INT(ll_plot_line(ax, x, x, 2, &st, &err), LL_OK);
	LL_CHECK_INT(ll_plot_render(&fig, &r, &err), LL_OK);
	LL_CHECK(ax->px0 > 10 && ax->px1 < 395 && ax->py0 > 2 && ax->py1 < 290);
	/* the range ends map to the centres of the box's edge pixels */
	LL_CHECK_INT(ll_plot_map(ax, 0, 0, &px, &py), LL_OK);
	LL_CHECK_NEAR(px, ax->px0 + 0.5, 1e-12);
	LL_CHECK_NEAR(py, ax->py1 - 0.5, 1e-12);
	ll_plot_map(ax, 10, 10, &px, &py);
	LL_CHECK_NEAR(px, ax->px1 - 0.5, 1e-12);
	LL_CHECK_NEAR(py, ax->py0 + 0.5, 1e-12);
	int bad_on = 0, bad_off = 0, aa = 0;
	for (double t = 0.25; t <= 9.75; t += 0.25) {
		ll_plot_map(ax, t, t, &px, &py);
		bad_on += !is_dark(px_at(&r, px, py));
		/* well off the line (3 units up and down), inside the panel */
		if (t + 3 <= 9.9) {
			ll_plot_map(ax, t, t + 3, &qx, &qy);
			bad_off += !is_white(px_at(&r, qx, qy));
		}
		if (t - 3 >= 0.3) {
			ll_plot_map(ax, t, t - 3, &qx, &qy);
			bad_off += !is_white(px_at(&r, qx, qy));
		}
	}
	LL_CHECK_INT(bad_on, 0);
	LL_CHECK_INT(bad_off, 0);
	/* anti-aliasing: across the line, some pixels are neither ink nor paper */
	ll_plot_map(ax, 5, 5, &px, &py);
	for (int dx = -6; dx <= 6; dx++) {
		uint32_t c = px_at(&r, px + dx, py);
		int g = (c >> 8) & 0xFF;
		aa += g > 40 && g < 215;
	}
	LL_CHECK_MSG(aa >= 2, "%d intermediate pixels", aa);
	/* axis lines are drawn in the left column and bottom row of the box */
	LL_CHECK(is_dark(ll_raster_get(&r, ax->px0, (ax->py0 + ax->py1) / 2)));
	LL_CHECK(is_dark(ll_raster_get(&r, (ax->px0 + ax->px1) / 2, ax->py1 - 1)));
	LL_CHECK(is_white(ll_raster_get(&r, ax->px0 - 1, (ax->py0 + ax->py1) / 2 + 3)));
	/* ticks at 0, 2, ..., 10 with labels */
	LL_CHECK_INT(ax->x.ntick, 6);
	LL_CHECK_STR(ax->x.tick_label[5], "10");
	ll_raster_free(&r);
	ll_plot_fig_free(&fig);
	ll_plot_fig_free(&fig); /* no-op */
}

static void test_bars(void)
{
	ll_plot_fig fig;
	ll_plot_axes *ax;
	ll_raster r;
	ll_err err;
	double y[4] = { 1, 2, 3, 4 };
	uint32_t red = LL_RGB(200, 0, 0);
	ll_plot_style st = { .color = red, .width = 0.5 };

	LL_CHECK_INT(ll_plot_fig_init(&fig, 300, 240, 1, 1, &err), LL_OK);
	ax = ll_plot_fig_axes(&fig, 0, 0);
	ax->x.fixed = ax->y.fixed = 1;
	ax->x.lo = -1, ax->x.hi = 4;
	ax->y.lo = 0, ax->y.hi = 5;
	LL_CHECK_INT(ll_plot_bars(ax, NULL, y, 4, NULL, &st, &err), LL_OK);
	LL_CHECK_INT(ll_plot_render(&fig, &r, &err), LL_OK);
	int bad = 0;
	for (int i = 0; i < 4; i++) {
		double xl, xr, ytop, yb, ymid;
		ll_plot_map(ax, i - 0.25, y[i], &xl, &ytop);
		ll_plot_map(ax, i + 0.25, 0, &xr, &yb);
		ymid = (ytop + yb) / 2;
		/* fully covered columns are the bar colour, at mid height and just below the top */
		for (int col = (int)ceil(xl); col < (int)floor(xr); col++) {
			bad += ll_raster_get(&r, col, (int)ymid) != red;
			bad += ll_raster_get(&r, col, (int)ceil(ytop)) != red;
			/* above the bar: paper */
			bad += !is_white(ll_raster_get(&r, col, (int)floor(ytop) - 2));
		}
		/* between bars: paper */
		double gl, gr;
		ll_plot_map(ax, i + 0.3, 0, &gl, NULL);
		ll_plot_map(ax, i + 0.7, 0, &gr, NULL);
		for (int col = (int)ceil(gl); col < (int)floor(gr); col++)
			bad += !is_white(ll_raster_get(&r, col, (int)ymid));
		LL_CHECK((int)floor(xr) - (int)ceil(xl) >= 10);
	}
	LL_CHECK_INT(bad, 0);
	ll_raster_free(&r);

	/* automatic bar width is 0.8 of the smallest x step; bars force 0 into the y range */
	ll_plot_fig_free(&fig);
	LL_CHECK_INT(ll_plot_fig_init(&fig, 300, 240, 1, 1, &err), LL_OK);
	ax = ll_plot_fig_axes(&fig, 0, 0);
	double x[3] = { 10, 12, 13 }, h[3] = { 3, 4, 5 };
	LL_CHECK_INT(ll_plot_bars(ax, x, h, 3, NULL, NULL, &err), LL_OK);
	LL_CHECK_NEAR(ax->series[0].width, 0.8, 1e-12);
	LL_CHECK_INT(ll_plot_layout(&fig, &err), LL_OK);
	LL_CHECK(ax->y.vlo == 0 && ax->y.vhi >= 5);
	ll_plot_fig_free(&fig);
}

static void test_scatter_colors(void)
{
	ll_plot_fig fig;
	ll_plot_axes *ax;
	ll_raster r;
	ll_err err;
	double x[3] = { 1, 2, 3 }, y[3] = { 1, 3, 2 };
	uint32_t cols[3] = { LL_RGB(255, 0, 0), LL_PLOT_AUTO, LL_RGB(0, 0, 255) };
	ll_plot_style st = { .marker_size = 8 };

	LL_CHECK_INT(ll_plot_fig_init(&fig, 300, 240, 1, 1, &err), LL_OK);
	ax = ll_plot_fig_axes(&fig, 0, 0);
	LL_CHECK_INT(ll_plot_scatter(ax, x, y, 3, cols, &st, &err), LL_OK);
	LL_CHECK_INT(ll_plot_render(&fig, &r, &err), LL_OK);
	for (int i = 0; i < 3; i++) {
		double px, py;
		ll_plot_map(ax, x[i], y[i], &px, &py);
		uint32_t want = cols[i] ? cols[i] : ll_plot_palette(0);
		LL_CHECK_MSG(px_at(&r, px, py) == want, "point %d: %08x", i, (unsigned)px_at(&r, px, py));
	}
	/* auto ranges contain the data with the points inside the box */
	LL_CHECK(ax->x.vlo <= 1 && ax->x.vhi >= 3 && ax->y.vlo <= 1 && ax->y.vhi >= 3);
	ll_raster_free(&r);
	ll_plot_fig_free(&fig);
}

static void test_auto_ranges(void)
{
	ll_plot_fig fig;
	ll_err err;
	double y1[4] = { 1, NAN, 3, 2 }, y2[3] = { 5, 5, 5 }, y3[1] = { -2 }, y4[2] = { NAN, INFINITY };

	LL_CHECK_INT(ll_plot_fig_init(&fig, 600, 400, 2, 3, &err), LL_OK);
	LL_CHECK_INT(ll_plot_line(ll_plot_fig_axes(&fig, 0, 0), NULL, y1, 4, NULL, &err), LL_OK);
	LL_CHECK_INT(ll_plot_line(ll_plot_fig_axes(&fig, 0, 1), NULL, y2, 3, NULL, &err), LL_OK);
	LL_CHECK_INT(ll_plot_scatter(ll_plot_fig_axes(&fig, 0, 2), y3, y3, 1, NULL, NULL, &err), LL_OK);
	LL_CHECK_INT(ll_plot_line(ll_plot_fig_axes(&fig, 1, 0), NULL, y4, 2, NULL, &err), LL_OK);
	LL_CHECK_INT(ll_plot_line(ll_plot_fig_axes(&fig, 1, 1), NULL, NULL, 0, NULL, &err), LL_OK);
	ll_plot_fig_axes(&fig, 1, 2)->y.tight = 1;
	LL_CHECK_INT(ll_plot_line(ll_plot_fig_axes(&fig, 1, 2), NULL, y1, 4, NULL, &err), LL_OK);
	LL_CHECK_INT(ll_plot_layout(&fig, &err), LL_OK);
	const ll_plot_axes *a = ll_plot_fig_axes(&fig, 0, 0);
	LL_CHECK(a->y.vlo <= 1 && a->y.vlo > 0 && a->y.vhi >= 3 && a->y.vhi < 3.5); /* NaN skipped */
	LL_CHECK(a->x.vlo <= 0 && a->x.vhi >= 3);
	a = ll_plot_fig_axes(&fig, 0, 1); /* all equal */
	LL_CHECK(a->y.vlo < 5 && a->y.vhi > 5 && a->y.vhi - a->y.vlo < 3);
	LL_CHECK(a->y.ntick >= 2);
	a = ll_plot_fig_axes(&fig, 0, 2); /* a single point */
	LL_CHECK(a->x.vlo < -2 && a->x.vhi > -2 && a->y.vlo < -2 && a->y.vhi > -2);
	a = ll_plot_fig_axes(&fig, 1, 0); /* nothing finite */
	LL_CHECK(a->y.vlo == 0 && a->y.vhi == 1);
	a = ll_plot_fig_axes(&fig, 1, 1); /* empty */
	LL_CHECK(a->x.vlo == 0 && a->x.vhi == 1);
	a = ll_plot_fig_axes(&fig, 1, 2); /* tight */
	LL_CHECK(a->y.vlo == 1 && a->y.vhi == 3);
	/* rendering the odd cases works too */
	ll_raster r;
	LL_CHECK_INT(ll_plot_render(&fig, &r, &err), LL_OK);
	ll_raster_free(&r);
	ll_plot_fig_free(&fig);
}

static void test_factor_grid(void)
{
	ll_plot_fig fig;
	ll_err err;
	double v[20];

	LL_CHECK_INT(ll_plot_fig_init(&fig, 600, 400, 3, 3, &err), LL_OK);
	ll_plot_fig_factor_style(&fig, 0, 3);
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 3; c++) {
			for (int i = 0; i < 20; i++)
				v[i] = (r + 1) * (c + 1) * sin(0.3 * i + r);
			if (c == 0)
				LL_CHECK_INT(ll_plot_bars(ll_plot_fig_axes(&fig, r, c), NULL, v, 20, NULL, NULL, &err), LL_OK);
			else if (c == 1)
				LL_CHECK_INT(ll_plot_line(ll_plot_fig_axes(&fig, r, c), NULL, v, 20, NULL, &err), LL_OK);
			else
				LL_CHECK_INT(ll_plot_scatter(ll_plot_fig_axes(&fig, r, c), NULL, v, 20, NULL, NULL, &err),
					     LL_OK);
		}
	snprintf(ll_plot_fig_axes(&fig, 1, 0)->y.label, LL_PLOT_TEXT_MAX, "component 2");
	LL_CHECK_INT(ll_plot_layout(&fig, &err), LL_OK);
	for (int c = 0; c < 3; c++) {
		const ll_plot_axes *top = ll_plot_fig_axes(&fig, 0, c);
		for (int r = 0; r < 3; r++) {
			const ll_plot_axes *a = ll_plot_fig_axes(&fig, r, c);
			/* shared per column, labelled only at the ends */
			LL_CHECK(a->y.vlo == top->y.vlo && a->y.vhi == top->y.vhi);
			LL_CHECK(a->x.vlo == top->x.vlo && a->x.vhi == top->x.vhi);
			LL_CHECK_INT(a->y.ntick, 2);
			LL_CHECK(a->y.tick[0] == a->y.vlo && a->y.tick[1] == a->y.vhi);
			LL_CHECK_INT(a->x.ticks, r == 2 ? LL_PLOT_TICKS_ALL : LL_PLOT_TICKS_MARKS);
			/* the shared range holds the largest row (r = 2: amplitude 3(c+1)) */
			LL_CHECK(a->y.vhi >= 2.9 * (c + 1) && a->y.vlo <= -2.9 * (c + 1));
			/* boxes line up by column and row */
			LL_CHECK(a->px0 == top->px0 && a->px1 == top->px1);
			LL_CHECK(a->py0 == ll_plot_fig_axes(&fig, r, 2)->py0);
		}
	}
	ll_plot_fig_free(&fig);
}

static void test_palette_cycle(void)
{
	ll_plot_fig fig;
	ll_plot_axes *ax;
	ll_err err;
	double y[2] = { 0, 1 };

	LL_CHECK(ll_plot_palette(0) == LL_RGB(0x00, 0x72, 0xB2));
	LL_CHECK(ll_plot_palette(1) == LL_RGB(0xD5, 0x5E, 0x00));
	LL_CHECK(ll_plot_palette(8) == ll_plot_palette(0));
	LL_CHECK_INT(ll_plot_fig_init(&fig, 300, 200, 1, 2, &err), LL_OK);
	ax = ll_plot_fig_axes(&fig, 0, 0);
	for (int i = 0; i < 17; i++)
		LL_CHECK_INT(ll_plot_line(ax, NULL, y, 2, NULL, &err), LL_OK);
	LL_CHECK(ax->series[0].dash == 0 && ax->series[7].dash == 0 && ax->series[7].color == ll_plot_palette(7));
	LL_CHECK(ax->series[8].color == ax->series[0].color && ax->series[8].dash == 6);
	LL_CHECK(ax->series[16].dash == 2);
	ax = ll_plot_fig_axes(&fig, 0, 1);
	for (int i = 0; i < 17; i++)
		LL_CHECK_INT(ll_plot_scatter(ax, NULL, y, 2, NULL, NULL, &err), LL_OK);
	LL_CHECK_INT(ll_plot_hline(ax, 0.5, NULL, &err), LL_OK);
	LL_CHECK_INT(ax->series[7].marker, LL_SHAPE_CIRCLE);
	LL_CHECK_INT(ax->series[8].marker, LL_SHAPE_SQUARE);
	LL_CHECK_INT(ax->series[16].marker, LL_SHAPE_TRIANGLE);
	LL_CHECK(ax->series[17].color == LL_PLOT_GREY && ax->series[17].width == 1); /* not from the palette */
	LL_CHECK(ax->nauto == 17);
	ll_plot_fig_free(&fig);
}

static void test_traj_and_legend(void)
{
	ll_plot_fig fig;
	ll_plot_axes *ax;
	ll_raster r;
	ll_err err;
	double x[30], y[30];
	uint32_t c = LL_RGB(0xD5, 0x5E, 0x00);
	ll_plot_style st = { .color = c, .label = "path" };

	for (int i = 0; i < 30; i++)
		x[i] = 1 + 8 * i / 29.0, y[i] = 1 + 8 * (i / 29.0) * (i / 29.0);
	LL_CHECK_INT(ll_plot_fig_init(&fig, 320, 300, 1, 1, &err), LL_OK);
	ax = ll_plot_fig_axes(&fig, 0, 0);
	ax->x.fixed = ax->y.fixed = 1;
	ax->x.lo = ax->y.lo = 0;
	ax->x.hi = ax->y.hi = 10;
	LL_CHECK_INT(ll_plot_traj(ax, x, y, 30, &st, &err), LL_OK);
	LL_CHECK_INT(ll_plot_render(&fig, &r, &err), LL_OK);
	double px, py;
	/* start: a pale circle; end: a full-colour triangle */
	ll_plot_map(ax, x[0], y[0], &px, &py);
	uint32_t s0 = px_at(&r, px, py);
	LL_CHECK_MSG(((s0 >> 16) & 0xFF) > 0xE0 && (s0 & 0xFF) > 0x90 && (s0 & 0xFF) < 0xFF, "start %08x",
		     (unsigned)s0);
	ll_plot_map(ax, x[29], y[29], &px, &py);
	LL_CHECK(px_at(&r, px, py) == c);
	/* the line fades in: early segment lighter than late one */
	ll_plot_map(ax, x[5], y[5], &px, &py);
	uint32_t early = px_at(&r, px, py);
	ll_plot_map(ax, x[24], y[24], &px, &py);
	uint32_t late = px_at(&r, px, py);
	LL_CHECK((early & 0xFF) > (late & 0xFF));
	/* legend: data run from bottom-left to top-right, so the box goes to the
	 * top-left corner; its edge colour appears there and nowhere on the right */
	int left = 0, right = 0;
	for (int yy = ax->py0; yy < (ax->py0 + ax->py1) / 2; yy++)
		for (int xx = ax->px0; xx < ax->px1; xx++)
			if (ll_raster_get(&r, xx, yy) == LL_RGB(0xBB, 0xBB, 0xBB))
				*(xx < (ax->px0 + ax->px1) / 2 ? &left : &right) += 1;
	LL_CHECK(left > 40 && right == 0);
	ll_raster_free(&r);

	/* equal aspect: same units per pixel on both axes */
	ll_plot_fig_free(&fig);
	LL_CHECK_INT(ll_plot_fig_init(&fig, 500, 300, 1, 1, &err), LL_OK);
	ax = ll_plot_fig_axes(&fig, 0, 0);
	ax->equal = 1;
	LL_CHECK_INT(ll_plot_traj(ax, x, y, 30, NULL, &err), LL_OK);
	LL_CHECK_INT(ll_plot_layout(&fig, &err), LL_OK);
	LL_CHECK_NEAR((ax->x.vhi - ax->x.vlo) / (ax->px1 - ax->px0 - 1),
		      (ax->y.vhi - ax->y.vlo) / (ax->py1 - ax->py0 - 1), 1e-9);
	ll_plot_fig_free(&fig);
}

/* ---- PNG ---- */

static void small_fig(ll_plot_fig *fig, const char *title)
{
	double y[50];
	ll_err err;
	for (int i = 0; i < 50; i++)
		y[i] = sin(i * 0.2) + 0.1 * i;
	ll_plot_fig_init(fig, 240, 180, 1, 1, &err);
	snprintf(fig->title, sizeof fig->title, "%s", title);
	ll_plot_line(ll_plot_fig_axes(fig, 0, 0), NULL, y, 50, NULL, &err);
	ll_plot_hline(ll_plot_fig_axes(fig, 0, 0), 1, &(ll_plot_style){ .dash = 4 }, &err);
}

static int has_bytes(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

static void test_png_roundtrip(void)
{
	ll_plot_fig fig;
	ll_raster r;
	ll_png_image img;
	ll_err err;
	uint8_t *png, *png2;
	size_t len, len2;
	ll_png_text meta[3] = { { "Title", "round trip" }, { "Software", "latentlab" },
				{ "Session", "caf\xc3\xa9 \xce\xa9" } };

	small_fig(&fig, "round trip");
	LL_CHECK_INT(ll_plot_render(&fig, &r, &err), LL_OK);
	LL_CHECK_INT(ll_plot_encode_png(&fig, meta, 3, &png, &len, &err), LL_OK);
	LL_CHECK(len > 100 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
	LL_CHECK_INT(ll_png_decode(png, len, &img, &err), LL_OK);
	LL_CHECK_INT(img.w, 240);
	LL_CHECK_INT(img.h, 180);
	LL_CHECK(img.rgb && memcmp(img.rgb, r.rgb, (size_t)240 * 180 * 3) == 0);
	LL_CHECK_STR(ll_png_image_text(&img, "Title"), "round trip");
	LL_CHECK_STR(ll_png_image_text(&img, "Software"), "latentlab");
	LL_CHECK_STR(ll_png_image_text(&img, "Session"), "caf\xc3\xa9 \xce\xa9");
	LL_CHECK(ll_png_image_text(&img, "Author") == NULL);
	/* chunks in the bytes: tEXt for ASCII, iTXt for UTF-8, no clock */
	LL_CHECK(has_bytes(png, len, "tEXtTitle\0round trip", 20));
	LL_CHECK(has_bytes(png, len, "tEXtSoftware\0latentlab", 22));
	LL_CHECK(has_bytes(png, len, "iTXtSession", 11));
	LL_CHECK(!has_bytes(png, len, "tIME", 4));
	ll_png_image_free(&img);
	ll_png_image_free(&img);

	/* deterministic: a second, separately built figure gives the same bytes */
	ll_plot_fig fig2;
	small_fig(&fig2, "round trip");
	LL_CHECK_INT(ll_plot_encode_png(&fig2, meta, 3, &png2, &len2, &err), LL_OK);
	LL_CHECK(len == len2 && memcmp(png, png2, len) == 0);
	free(png2);
	/* and a different figure does not */
	snprintf(fig2.title, sizeof fig2.title, "round trip!");
	LL_CHECK_INT(ll_plot_encode_png(&fig2, meta, 3, &png2, &len2, &err), LL_OK);
	LL_CHECK(len != len2 || memcmp(png, png2, len) != 0);
	free(png2);
	ll_plot_fig_free(&fig2);

	/* damaged data */
	LL_CHECK_INT(ll_png_decode(png, len / 2, &img, &err), LL_EFORMAT);
	LL_CHECK(img.rgb == NULL);
	LL_CHECK_INT(ll_png_decode((const uint8_t *)"not a png at all", 16, &img, &err), LL_EFORMAT);
	LL_CHECK_CONTAINS(err.msg, "not a PNG");
	png[len / 2] ^= 0x55; /* a flipped IDAT byte fails the CRC */
	LL_CHECK_INT(ll_png_decode(png, len, &img, &err), LL_EFORMAT);
	free(png);
	ll_raster_free(&r);
	ll_plot_fig_free(&fig);
}

static int count_tmp_files(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && strstr(e->d_name, ".tmp."))
			n++;
	closedir(d);
	return n;
}

static void test_png_files(void)
{
	ll_plot_fig fig;
	ll_raster r;
	ll_png_image img;
	ll_err err;
	char path[128];
	ll_png_text meta[1] = { { "Title", "file" } };

	small_fig(&fig, "file");
	snprintf(path, sizeof path, "%s/plot.png", tmpdir);
	LL_CHECK_INT(ll_plot_write_png(&fig, path, meta, 1, &err), LL_OK);
	LL_CHECK_INT(ll_png_read(path, &img, &err), LL_OK);
	LL_CHECK_INT(ll_plot_render(&fig, &r, &err), LL_OK);
	LL_CHECK(img.w == r.w && img.h == r.h && memcmp(img.rgb, r.rgb, (size_t)r.w * r.h * 3) == 0);
	LL_CHECK_STR(ll_png_image_text(&img, "Title"), "file");
	ll_png_image_free(&img);
	ll_raster_free(&r);
	struct stat sb;
	LL_CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0644);

	/* unwritable places: LL_EIO naming the path, nothing left behind */
	LL_CHECK_INT(ll_plot_write_png(&fig, "/proc/nonexistent/x.png", NULL, 0, &err), LL_EIO);
	LL_CHECK_CONTAINS(err.msg, "/proc/nonexistent/x.png");
	LL_CHECK(access("/proc/nonexistent", F_OK) != 0);
	/* a directory in the way: the temporary is written, the rename fails */
	snprintf(path, sizeof path, "%s/adir", tmpdir);
	LL_CHECK(mkdir(path, 0755) == 0);
	LL_CHECK_INT(ll_plot_write_png(&fig, path, NULL, 0, &err), LL_EIO);
	LL_CHECK_CONTAINS(err.msg, path);
	LL_CHECK_INT(count_tmp_files(tmpdir, "adir"), 0);
	rmdir(path);
	/* reading */
	LL_CHECK_INT(ll_png_read("/proc/nonexistent/x.png", &img, &err), LL_EIO);
	LL_CHECK_CONTAINS(err.msg, "/proc/nonexistent/x.png");
	snprintf(path, sizeof path, "%s/garbage.png", tmpdir);
	FILE *fp = fopen(path, "wb");
	if (fp) {
		fputs("\x89PNG\r\n\x1a\n garbage", fp);
		fclose(fp);
	}
	LL_CHECK_INT(ll_png_read(path, &img, &err), LL_EFORMAT);
	LL_CHECK_CONTAINS(err.msg, path);
	unlink(path);
	ll_plot_fig_free(&fig);
}

static void test_bad_input(void)
{
	ll_plot_fig fig;
	ll_raster r;
	ll_err err;
	double y[3] = { 1, 2, 3 };
	uint8_t *png;
	size_t len;
	uint8_t px[12] = { 0 };

	LL_CHECK_INT(ll_plot_fig_init(&fig, 0, 0, 1, 1, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "0x0");
	LL_CHECK_INT(ll_plot_fig_init(&fig, 100, 100, 0, 1, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "rows");
	LL_CHECK_INT(ll_plot_fig_init(&fig, 100000, 100, 1, 1, &err), LL_EINVAL);
	LL_CHECK_INT(ll_raster_init(&r, 0, 10, 0, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "0x10");
	LL_CHECK_INT(ll_plot_line(NULL, NULL, y, 3, NULL, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "NULL axes");
	LL_CHECK_INT(ll_plot_layout(NULL, &err), LL_EINVAL);

	LL_CHECK_INT(ll_plot_fig_init(&fig, 200, 200, 1, 1, &err), LL_OK);
	ll_plot_axes *ax = ll_plot_fig_axes(&fig, 0, 0);
	LL_CHECK_INT(ll_plot_line(ax, NULL, NULL, 3, NULL, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "y is NULL");
	LL_CHECK_INT(ll_plot_line(ax, NULL, y, 3, &(ll_plot_style){ .width = -1 }, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "width -1");
	LL_CHECK_INT(ll_plot_scatter(ax, NULL, y, 3, NULL, &(ll_plot_style){ .marker = 99 }, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "marker 99");
	LL_CHECK_INT(ll_plot_line(ax, NULL, y, 3, &(ll_plot_style){ .dash = NAN }, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "dash");
	LL_CHECK_INT(ll_plot_traj(ax, NULL, y, 3, NULL, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "x is NULL");
	LL_CHECK_INT(ll_plot_legend_add(ax, NULL, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "label");
	LL_CHECK_INT((int)ax->nseries, 0);
	ax->y.fixed = 1, ax->y.lo = 1, ax->y.hi = 1;
	LL_CHECK_INT(ll_plot_layout(&fig, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "fixed y range");
	LL_CHECK_INT(ll_plot_encode_png(&fig, NULL, 0, &png, &len, &err), LL_EINVAL);
	LL_CHECK(png == NULL);
	ax->y.hi = 2;
	fig.row_weight[0] = 0;
	LL_CHECK_INT(ll_plot_layout(&fig, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "weights");
	ll_plot_fig_free(&fig);

	/* too small for its panels and labels */
	LL_CHECK_INT(ll_plot_fig_init(&fig, 60, 60, 4, 4, &err), LL_OK);
	for (int i = 0; i < 16; i++)
		ll_plot_line(&fig.axes[i], NULL, y, 3, NULL, &err);
	LL_CHECK_INT(ll_plot_render(&fig, &r, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "too small");
	LL_CHECK(r.rgb == NULL);
	ll_plot_fig_free(&fig);

	/* PNG arguments */
	LL_CHECK_INT(ll_png_encode(px, 0, 1, NULL, 0, &png, &len, &err), LL_EINVAL);
	LL_CHECK_INT(ll_png_encode(px, 2, 2, &(ll_png_text){ "", "x" }, 1, &png, &len, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "key");
	LL_CHECK_INT(ll_png_encode(px, 2, 2, &(ll_png_text){ "two  spaces", "x" }, 1, &png, &len, &err),
		     LL_EINVAL);
	char longkey[90];
	memset(longkey, 'k', 89);
	longkey[89] = '\0';
	LL_CHECK_INT(ll_png_encode(px, 2, 2, &(ll_png_text){ longkey, "x" }, 1, &png, &len, &err), LL_EINVAL);
	LL_CHECK_INT(ll_png_encode(px, 2, 2, &(ll_png_text){ "Title", NULL }, 1, &png, &len, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "no value");
	LL_CHECK_INT(ll_png_encode(px, 2, 2, NULL, 0, &png, &len, NULL), LL_OK); /* NULL err is fine */
	free(png);
}

/* ---- heatmaps and bands ---- */

/* Relative luminance Y (0..1) of an sRGB colour.  Along viridis it rises
 * everywhere except where 8-bit rounding lowers red or blue by one step
 * with green unchanged: LUMA_TOL allows for that. */
#define LUMA_TOL 1e-3
static double luma(uint32_t c)
{
	double y = 0;
	const double w[3] = { 0.2126, 0.7152, 0.0722 };
	for (int k = 0; k < 3; k++) {
		double v = ((c >> (16 - 8 * k)) & 0xFF) / 255.0;
		y += w[k] * (v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4));
	}
	return y;
}

/* c at alpha a over white, as ll_raster composites it */
static uint32_t over_white(uint32_t c, unsigned a)
{
	unsigned av = 255 * a, out[3];
	for (int k = 0; k < 3; k++) {
		unsigned src = (c >> (16 - 8 * k)) & 0xFF;
		out[k] = (255 * (65025u - av) + src * av + 32512u) / 65025u;
	}
	return LL_RGB(out[0], out[1], out[2]);
}

static void test_viridis(void)
{
	LL_CHECK(ll_plot_viridis(0) == LL_RGB(0x44, 0x01, 0x54));
	LL_CHECK(ll_plot_viridis(0.5) == LL_RGB(0x21, 0x90, 0x8C));
	LL_CHECK(ll_plot_viridis(1) == LL_RGB(0xFD, 0xE7, 0x25));
	LL_CHECK(ll_plot_viridis(-3) == ll_plot_viridis(0));
	LL_CHECK(ll_plot_viridis(7) == ll_plot_viridis(1));
	LL_CHECK(ll_plot_viridis(NAN) == LL_PLOT_NAN_GREY);
	/* lightness rises along the map (that is what makes it readable in grey) */
	int bad = 0;
	for (int i = 1; i <= 256; i++)
		bad += !(luma(ll_plot_viridis(i / 256.0)) >= luma(ll_plot_viridis((i - 1) / 256.0)) - LUMA_TOL);
	LL_CHECK_INT(bad, 0);
	LL_CHECK(luma(ll_plot_viridis(1)) - luma(ll_plot_viridis(0)) > 0.7);
}

static void test_heatmap(void)
{
	ll_plot_fig fig;
	ll_plot_axes *ax;
	ll_raster r;
	ll_err err;
	/* 0.9 and the NaN sit off the diagonal so orientation mistakes show */
	double z[9] = { 1.0, 0.9, 0.2, 0.5, 1.0, NAN, 0.1, 0.4, 1.0 };
	const char *names[3] = { "model A", "model B", "model C" };

	LL_CHECK_INT(ll_plot_fig_init(&fig, 360, 300, 1, 1, &err), LL_OK);
	ax = ll_plot_fig_axes(&fig, 0, 0);
	LL_CHECK_INT(ll_plot_heatmap(ax, z, 3, 3, &(ll_plot_heat_style){ .label = "similarity" }, &err), LL_OK);
	LL_CHECK_INT(ll_plot_axis_ticks(&ax->x, NULL, names, 3, &err), LL_OK);
	LL_CHECK_INT(ll_plot_axis_ticks(&ax->y, NULL, names, 3, &err), LL_OK);
	LL_CHECK_STR(ax->cbar.label, "similarity");
	LL_CHECK_INT(ll_plot_render(&fig, &r, &err), LL_OK);
	/* tight ranges around the cells, row 0 at the top */
	LL_CHECK(ax->x.vlo == -0.5 && ax->x.vhi == 2.5 && ax->y.vlo == -0.5 && ax->y.vhi == 2.5);
	LL_CHECK(ax->y.invert == 1);
	double px, py, qx, qy;
	ll_plot_map(ax, 0, 0, &px, &py);
	ll_plot_map(ax, 0, 2, &qx, &qy);
	LL_CHECK(py < qy);
	/* every cell centre has its value's colour; the NaN cell is grey */
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			double v = z[3 * i + j];
			uint32_t want = isnan(v) ? LL_PLOT_NAN_GREY : ll_plot_viridis((v - 0.1) / 0.9), got;
			ll_plot_map(ax, j, i, &px, &py);
			got = px_at(&r, px, py);
			LL_CHECK_MSG(got == want, "cell (%d,%d): %06x, want %06x", i, j, (unsigned)got & 0xFFFFFF,
				     (unsigned)want & 0xFFFFFF);
			/* and a few pixels off the centre, still inside the cell */
			LL_CHECK(px_at(&r, px + 10, py - 10) == want);
		}
	/* the named ticks, one per index */
	LL_CHECK_INT(ax->x.ntick, 3);
	LL_CHECK_STR(ax->x.tick_label[1], "model B");
	LL_CHECK_INT(ax->y.ntick, 3);
	LL_CHECK(ax->y.tick[2] == 2);

	/* the colour bar: right of the data, top = max, bottom = min, monotone */
	LL_CHECK(ax->cbx0 > ax->px1 && ax->cbx1 > ax->cbx0 && ax->cbx1 < 360);
	LL_CHECK(ax->cby0 == ax->py0 && ax->cby1 < ax->py1); /* the NaN swatch is below */
	LL_CHECK(ax->cbar.vlo == 0.1 && ax->cbar.vhi == 1.0);
	int mid = (ax->cbx0 + ax->cbx1) / 2, bad = 0;
	LL_CHECK(ll_raster_get(&r, mid, ax->cby1 - 2) == ll_plot_viridis(0));
	LL_CHECK(ll_raster_get(&r, mid, ax->cby0 + 1) == ll_plot_viridis(1));
	for (int row = ax->cby1 - 3; row > ax->cby0; row--)
		bad += !(luma(ll_raster_get(&r, mid, row)) >= luma(ll_raster_get(&r, mid, row + 1)) - LUMA_TOL);
	LL_CHECK_INT(bad, 0);
	LL_CHECK(ll_plot_cbar_map(ax, 0.1, &py) == LL_OK && (int)floor(py) == ax->cby1 - 2);
	LL_CHECK(ll_plot_cbar_map(ax, 1.0, &py) == LL_OK && (int)floor(py) == ax->cby0 + 1);
	LL_CHECK(ax->cbar.ntick >= 2);
	/* the NaN swatch: grey, under the bar */
	LL_CHECK(ll_raster_get(&r, mid, ax->py1 - 6) == LL_PLOT_NAN_GREY);
	/* the panel's right padding made room: the caption is inside the figure */
	int ink = 0;
	for (int x = ax->cbx1 + 1; x < 360; x++)
		for (int y = ax->py0; y < ax->py1; y++)
			ink += is_dark(ll_raster_get(&r, x, y));
	LL_CHECK(ink > 50);
	ll_raster_free(&r);
	ll_plot_fig_free(&fig);

	/* fixed range with clipping, origin at the bottom, values in the cells */
	LL_CHECK_INT(ll_plot_fig_init(&fig, 360, 300, 1, 1, &err), LL_OK);
	ax = ll_plot_fig_axes(&fig, 0, 0);
	ll_plot_heat_style st = { .fixed = 1, .lo = 0.2, .hi = 0.6, .origin = LL_PLOT_ORIGIN_BOTTOM,
				  .values = 1, .no_colorbar = 1 };
	LL_CHECK_INT(ll_plot_heatmap(ax, z, 3, 3, &st, &err), LL_OK);
	LL_CHECK_INT(ll_plot_render(&fig, &r, &err), LL_OK);
	LL_CHECK(ax->y.invert == 0 && ax->cbx1 == 0);
	ll_plot_map(ax, 0, 0, &px, &py);
	ll_plot_map(ax, 0, 2, &qx, &qy);
	LL_CHECK(py > qy);
	/* value 1.0 clips to the top colour, 0.1 to the bottom one (cells' corners: no text there) */
	ll_plot_map(ax, 0, 0, &px, &py);
	LL_CHECK(px_at(&r, px - 20, py - 20) == ll_plot_viridis(1));
	ll_plot_map(ax, 0, 2, &px, &py);
	LL_CHECK(px_at(&r, px - 20, py - 20) == ll_plot_viridis(0));
	/* the value is written at the centre: some pixels differ from the cell colour */
	int text = 0;
	ll_plot_map(ax, 1, 1, &px, &py);
	for (int dy = -6; dy <= 6; dy++)
		for (int dx = -12; dx <= 12; dx++)
			text += px_at(&r, px + dx, py + dy) != ll_plot_viridis(1);
	LL_CHECK_MSG(text > 10, "%d text pixels", text);
	/* without a colour bar the NaN cells are in the legend */
	LL_CHECK_STR(ax->series[0].label, "NaN");
	ll_raster_free(&r);
	ll_plot_fig_free(&fig);
}

static void test_band(void)
{
	ll_plot_fig fig;
	ll_plot_axes *ax;
	ll_raster r;
	ll_err err;
	double x[41], lo[41], hi[41], mean[41];

	for (int i = 0; i <= 40; i++) {
		x[i] = i * 0.25;
		lo[i] = 1 + 0.5 * sin(x[i]);
		hi[i] = lo[i] + 1;
		mean[i] = lo[i] + 0.5;
	}
	LL_CHECK_INT(ll_plot_fig_init(&fig, 400, 300, 1, 1, &err), LL_OK);
	ax = ll_plot_fig_axes(&fig, 0, 0);
	ax->x.fixed = ax->y.fixed = 1;
	ax->x.lo = 0, ax->x.hi = 10;
	ax->y.lo = -1, ax->y.hi = 4;
	/* the line first: the band still goes under it; both auto: same colour */
	LL_CHECK_INT(ll_plot_band(ax, x, lo, hi, 41, &(ll_plot_style){ .label = "spread" }, &err), LL_OK);
	LL_CHECK_INT(ll_plot_line(ax, x, mean, 41, &(ll_plot_style){ .width = 3, .label = "mean" }, &err), LL_OK);
	LL_CHECK((ax->series[0].color & 0xFFFFFF) == (ax->series[1].color & 0xFFFFFF));
	LL_CHECK((ax->series[0].color >> 24) == LL_PLOT_BAND_ALPHA);
	LL_CHECK_INT(ll_plot_render(&fig, &r, &err), LL_OK);
	uint32_t tint = over_white(ll_plot_palette(0), LL_PLOT_BAND_ALPHA);
	int bad_in = 0, bad_out = 0, bad_line = 0;
	for (int i = 1; i < 40; i++) {
		double px, py;
		/* inside the band, away from the mean line: tinted */
		ll_plot_map(ax, x[i], lo[i] + 0.2, &px, &py);
		bad_in += px_at(&r, px, py) != tint;
		ll_plot_map(ax, x[i], hi[i] - 0.2, &px, &py);
		bad_in += px_at(&r, px, py) != tint;
		/* outside: paper */
		ll_plot_map(ax, x[i], lo[i] - 0.2, &px, &py);
		bad_out += !is_white(px_at(&r, px, py));
		ll_plot_map(ax, x[i], hi[i] + 0.2, &px, &py);
		bad_out += !is_white(px_at(&r, px, py));
		/* the line is on top, in full colour */
		ll_plot_map(ax, x[i], mean[i], &px, &py);
		bad_line += px_at(&r, px, py) != ll_plot_palette(0);
	}
	LL_CHECK_INT(bad_in, 0);
	LL_CHECK_INT(bad_out, 0);
	LL_CHECK_INT(bad_line, 0);
	ll_raster_free(&r);
	ll_plot_fig_free(&fig);

	/* a broken band (NaN) leaves a gap; a decreasing x fills the same */
	LL_CHECK_INT(ll_plot_fig_init(&fig, 400, 300, 1, 1, &err), LL_OK);
	ax = ll_plot_fig_axes(&fig, 0, 0);
	ax->x.fixed = ax->y.fixed = 1;
	ax->x.lo = 0, ax->x.hi = 10;
	ax->y.lo = -1, ax->y.hi = 4;
	double rx[41], rlo[41], rhi[41];
	for (int i = 0; i <= 40; i++)
		rx[i] = x[40 - i], rlo[i] = lo[40 - i], rhi[i] = hi[40 - i];
	rlo[20] = NAN; /* x = 5 */
	LL_CHECK_INT(ll_plot_band(ax, rx, rlo, rhi, 41, &(ll_plot_style){ .color = LL_RGB(200, 0, 0) }, &err), LL_OK);
	LL_CHECK_INT(ll_plot_render(&fig, &r, &err), LL_OK);
	double px, py;
	tint = over_white(LL_RGB(200, 0, 0), LL_PLOT_BAND_ALPHA);
	ll_plot_map(ax, 5, lo[20] + 0.5, &px, &py);
	LL_CHECK(is_white(px_at(&r, px, py)));
	ll_plot_map(ax, 2, lo[8] + 0.5, &px, &py);
	LL_CHECK(px_at(&r, px, py) == tint);
	ll_plot_map(ax, 8, lo[32] + 0.5, &px, &py);
	LL_CHECK(px_at(&r, px, py) == tint);
	/* no column is painted twice: the band is one even tint between joints */
	int uneven = 0;
	for (int i = 1; i < 19; i++) {
		ll_plot_map(ax, x[i], lo[i] + 0.5, &px, &py);
		for (int dx = -4; dx <= 4; dx++)
			uneven += px_at(&r, px + dx, py) != tint;
	}
	LL_CHECK_INT(uneven, 0);
	ll_raster_free(&r);
	ll_plot_fig_free(&fig);
}

static void heat_fig(ll_plot_fig *fig)
{
	double z[20], x[10], lo[10], hi[10];
	ll_err err;
	for (int i = 0; i < 20; i++)
		z[i] = i % 7 == 3 ? NAN : sin(i * 0.7);
	for (int i = 0; i < 10; i++)
		x[i] = i, lo[i] = cos(i * 0.5), hi[i] = lo[i] + 0.3 + 0.05 * i;
	ll_plot_fig_init(fig, 420, 200, 1, 2, &err);
	ll_plot_heatmap(ll_plot_fig_axes(fig, 0, 0), z, 4, 5,
			&(ll_plot_heat_style){ .values = 1, .decimals = 1, .label = "sin" }, &err);
	ll_plot_band(ll_plot_fig_axes(fig, 0, 1), x, lo, hi, 10, NULL, &err);
	ll_plot_line(ll_plot_fig_axes(fig, 0, 1), x, lo, 10, NULL, &err);
}

static void test_heat_bytes(void)
{
	ll_plot_fig a, b;
	uint8_t *pa, *pb;
	size_t la, lb;
	ll_err err;

	heat_fig(&a);
	heat_fig(&b);
	LL_CHECK_INT(ll_plot_encode_png(&a, NULL, 0, &pa, &la, &err), LL_OK);
	LL_CHECK_INT(ll_plot_encode_png(&b, NULL, 0, &pb, &lb, &err), LL_OK);
	LL_CHECK(la == lb && memcmp(pa, pb, la) == 0);
	/* rendering again (layout redone) gives the same bytes too */
	free(pb);
	LL_CHECK_INT(ll_plot_encode_png(&a, NULL, 0, &pb, &lb, &err), LL_OK);
	LL_CHECK(la == lb && memcmp(pa, pb, la) == 0);
	free(pa);
	free(pb);
	ll_plot_fig_free(&a);
	ll_plot_fig_free(&b);
}

static void test_heat_bad_input(void)
{
	ll_plot_fig fig;
	ll_plot_axes *ax;
	ll_err err;
	double z[4] = { 1, 2, 3, 4 }, nan = NAN;

	LL_CHECK_INT(ll_plot_fig_init(&fig, 200, 200, 1, 1, &err), LL_OK);
	ax = ll_plot_fig_axes(&fig, 0, 0);
	LL_CHECK_INT(ll_plot_heatmap(ax, z, 0, 3, NULL, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "0x3 cells");
	LL_CHECK_INT(ll_plot_heatmap(ax, z, 2, 0, NULL, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "2x0 cells");
	LL_CHECK_INT(ll_plot_heatmap(ax, NULL, 2, 2, NULL, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "z is NULL");
	LL_CHECK_INT(ll_plot_heatmap(NULL, z, 2, 2, NULL, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "NULL axes");
	LL_CHECK_INT(ll_plot_heatmap(ax, z, SIZE_MAX / 2, 3, NULL, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "too many");
	LL_CHECK_INT(ll_plot_heatmap(ax, z, 2, 2, &(ll_plot_heat_style){ .fixed = 1, .lo = 1, .hi = 1 }, &err),
		     LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "fixed range [1, 1]");
	LL_CHECK_INT(ll_plot_heatmap(ax, z, 2, 2, &(ll_plot_heat_style){ .decimals = 9 }, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "decimals 9");
	LL_CHECK_INT(ll_plot_heatmap(ax, z, 2, 2, &(ll_plot_heat_style){ .origin = 5 }, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "origin 5");
	LL_CHECK_INT(ll_plot_band(ax, NULL, NULL, z, 4, NULL, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "lo is NULL");
	LL_CHECK_INT(ll_plot_band(ax, NULL, z, NULL, 4, NULL, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "hi is NULL");
	LL_CHECK_INT(ll_plot_band(NULL, NULL, z, z, 4, NULL, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "NULL axes");
	LL_CHECK_INT(ll_plot_band(ax, NULL, z, z, 4, &(ll_plot_style){ .width = -2 }, &err), LL_EINVAL);
	LL_CHECK_INT(ll_plot_axis_ticks(NULL, NULL, NULL, 3, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "NULL axis");
	LL_CHECK_INT(ll_plot_axis_ticks(&ax->x, &nan, NULL, 1, &err), LL_EINVAL);
	LL_CHECK_CONTAINS(err.msg, "position 0 is nan");
	LL_CHECK_INT((int)ax->nseries, 0); /* nothing was added */
	LL_CHECK(ll_plot_cbar_map(ax, 0, NULL) == LL_EINVAL);
	/* an empty band and an all-NaN heatmap are fine */
	LL_CHECK_INT(ll_plot_band(ax, NULL, NULL, NULL, 0, NULL, &err), LL_OK);
	double nz[2] = { NAN, NAN };
	LL_CHECK_INT(ll_plot_heatmap(ax, nz, 1, 2, NULL, &err), LL_OK);
	ll_raster r;
	LL_CHECK_INT(ll_plot_render(&fig, &r, &err), LL_OK);
	double px, py;
	ll_plot_map(ax, 1, 0, &px, &py);
	LL_CHECK(px_at(&r, px, py) == LL_PLOT_NAN_GREY);
	ll_raster_free(&r);
	/* ticks: long labels are cut at a character boundary; many are thinned */
	const char *lab[1] = { "a rather long model name \xc3\xa9\xc3\xa9" };
	LL_CHECK_INT(ll_plot_axis_ticks(&ax->x, NULL, lab, 1, &err), LL_OK);
	LL_CHECK(strlen(ax->x.user_label[0]) <= LL_PLOT_TICK_TEXT - 1);
	LL_CHECK_INT(ll_plot_axis_ticks(&ax->x, NULL, NULL, 100, &err), LL_OK);
	LL_CHECK_INT(ax->x.nuser, 25);
	LL_CHECK(ax->x.user[1] == 4);
	LL_CHECK_STR(ax->x.user_label[1], "4");
	LL_CHECK_INT(ll_plot_axis_ticks(&ax->x, NULL, NULL, 0, &err), LL_OK);
	LL_CHECK_INT(ax->x.nuser, 0);
	ll_plot_fig_free(&fig);
}

/* The kind of figure the report's comparison section draws: a similarity
 * matrix between models, an MDS map of them, and similarity over training
 * with the spread across pairs.  Written into the test's temporary folder. */
static int build_compare(ll_plot_fig *fig, ll_err *err)
{
	enum { M = 6, T = 40 };
	const char *names[M] = { "rnn-a", "rnn-b", "lstm-a", "lstm-b", "gru", "mlp" };
	double sim[M * M], mx[M], my[M], t[T], mean[T], lo[T], hi[T];
	uint32_t col[M];
	int rc;

	for (int i = 0; i < M; i++)
		for (int j = 0; j < M; j++) {
			int same = i / 2 == j / 2 && i < 4 && j < 4;
			sim[i * M + j] = i == j ? 1 : same ? 0.86 - 0.02 * (i + j) : 0.35 + 0.05 * ((i * 3 + j * 5) % 7);
		}
	sim[5 * M + 4] = sim[4 * M + 5] = NAN; /* a pair that failed */
	for (int i = 0; i < M; i++) {
		mx[i] = cos(i * 1.1) * (1 + 0.3 * (i % 2));
		my[i] = sin(i * 1.1) * 0.8;
		col[i] = ll_plot_palette((size_t)i / 2);
	}
	for (int k = 0; k < T; k++) {
		t[k] = k * 250;
		mean[k] = 0.9 - 0.6 * exp(-k / 8.0);
		lo[k] = mean[k] - 0.04 - 0.12 * exp(-k / 12.0);
		hi[k] = fmin(1, mean[k] + 0.03 + 0.1 * exp(-k / 12.0));
	}
	if ((rc = ll_plot_fig_init(fig, 960, 340, 1, 3, err)) != LL_OK)
		return rc;
	snprintf(fig->title, sizeof fig->title, "Comparison: 6 models");
	fig->col_weight[0] = 1.25;
	ll_plot_axes *h = ll_plot_fig_axes(fig, 0, 0), *m = ll_plot_fig_axes(fig, 0, 1),
		     *s = ll_plot_fig_axes(fig, 0, 2);
	snprintf(h->title, sizeof h->title, "CKA similarity");
	h->x.rotate = 1;
	if ((rc = ll_plot_heatmap(h, sim, M, M, &(ll_plot_heat_style){ .fixed = 1, .lo = 0, .hi = 1, .values = 1,
									  .label = "CKA" }, err)) != LL_OK ||
	    (rc = ll_plot_axis_ticks(&h->x, NULL, names, M, err)) != LL_OK ||
	    (rc = ll_plot_axis_ticks(&h->y, NULL, names, M, err)) != LL_OK)
		return rc;
	snprintf(m->title, sizeof m->title, "MDS of 1 - CKA");
	snprintf(m->x.label, sizeof m->x.label, "MDS 1");
	snprintf(m->y.label, sizeof m->y.label, "MDS 2");
	m->equal = 1;
	if ((rc = ll_plot_scatter(m, mx, my, M, col, &(ll_plot_style){ .marker_size = 9 }, err)) != LL_OK)
		return rc;
	for (int f = 0; f < 3; f++)
		if ((rc = ll_plot_legend_add(m, &(ll_plot_style){ .color = ll_plot_palette((size_t)f),
								  .marker = LL_PLOT_MARKER_CIRCLE,
								  .label = f == 0 ? "rnn" : f == 1 ? "lstm" : "gru/mlp" },
					     err)) != LL_OK)
			return rc;
	snprintf(s->title, sizeof s->title, "similarity over training");
	snprintf(s->x.label, sizeof s->x.label, "step");
	snprintf(s->y.label, sizeof s->y.label, "CKA to final");
	s->y.fixed = 1, s->y.lo = 0, s->y.hi = 1;
	s->grid = 1;
	if ((rc = ll_plot_band(s, t, lo, hi, T, &(ll_plot_style){ .label = "range over pairs" }, err)) != LL_OK ||
	    (rc = ll_plot_line(s, t, mean, T, &(ll_plot_style){ .width = 2, .label = "mean of 15 pairs" }, err)) != LL_OK)
		return rc;
	s->legend = LL_PLOT_LEGEND_SE;
	return LL_OK;
}

static void test_compare_example(void)
{
	ll_plot_fig fig;
	ll_png_image img;
	ll_err err;
	const char *keep = getenv("LL_PLOT_COMPARE");
	char path[128];

	if (keep && *keep)
		snprintf(path, sizeof path, "%s", keep);
	else
		snprintf(path, sizeof path, "%s/compare.png", tmpdir);
	int rc = build_compare(&fig, &err);
	LL_CHECK_MSG(rc == LL_OK, "%s", err.msg);
	rc = ll_plot_write_png(&fig, path, NULL, 0, &err);
	LL_CHECK_MSG(rc == LL_OK, "%s", err.msg);
	LL_CHECK_INT(ll_png_read(path, &img, &err), LL_OK);
	LL_CHECK(img.w == 960 && img.h == 340);
	/* the heatmap panel lines up with its neighbours: same data-area rows */
	LL_CHECK(fig.axes[0].py0 == fig.axes[2].py0 && fig.axes[0].py1 == fig.axes[2].py1);
	/* its colour bar sits between it and the next panel */
	LL_CHECK(fig.axes[0].cbx1 > fig.axes[0].px1 && fig.axes[0].cbx1 < fig.axes[1].px0);
	/* rotated names: bottom padding grew to hold "lstm-a" upright */
	LL_CHECK(fig.axes[0].x.ntick == 6 && fig.axes[0].py1 < 340 - 40);
	ll_png_image_free(&img);
	if (!(keep && *keep))
		unlink(path);
	ll_plot_fig_free(&fig);
}

/* ---- the demo figure ---- */

static int build_demo(ll_plot_fig *fig, ll_err *err)
{
	enum { R = 3, NN = 40, NT = 100, NK = 60, NC = 3, RANKS = 8, REPS = 6 };
	double fac[3][R][NT], x[NT], e[RANKS * REPS], ex[RANKS * REPS], best[RANKS], rk[RANKS];
	uint32_t cond_col[NK];
	ll_rng g;
	int rc = LL_OK;
	const char *cond_name[NC] = { "left", "right", "no-go" };

	ll_rng_init(&g, 7);
	if ((rc = ll_plot_fig_init(fig, 960, 860, 4, 3, err)) != LL_OK)
		return rc;
	snprintf(fig->title, sizeof fig->title, "latentlab demo: rank-3 CP model of 40 neurons x 100 bins x 60 trials");
	fig->row_weight[3] = 2.4;
	ll_plot_fig_factor_style(fig, 0, R);
	for (int r = 0; r < R; r++) {
		for (int i = 0; i < NN; i++) {
			double d = i - (7 + 12 * r);
			fac[0][r][i] = exp(-d * d / 18) + 0.08 * fabs(ll_rng_normal(&g));
		}
		for (int t = 0; t < NT; t++) {
			double s = t / (double)NT;
			fac[1][r][t] = r == 0 ? 1 / (1 + exp(-(s - 0.3) * 20))
				     : r == 1 ? exp(-(s - 0.45) * (s - 0.45) / 0.01)
					      : exp(-3 * s) * sin(12 * s);
		}
		for (int k = 0; k < NK; k++) {
			int c = k % NC;
			fac[2][r][k] = (r == c ? 1.0 : 0.35) + 0.08 * k / NK * (r + 1) + 0.12 * ll_rng_normal(&g);
			cond_col[k] = ll_plot_palette((size_t)c + 1);
		}
		ll_plot_axes *a0 = ll_plot_fig_axes(fig, r, 0), *a1 = ll_plot_fig_axes(fig, r, 1),
			     *a2 = ll_plot_fig_axes(fig, r, 2);
		snprintf(a0->y.label, sizeof a0->y.label, "#%d", r + 1);
		if ((rc = ll_plot_bars(a0, NULL, fac[0][r], NN, NULL, &(ll_plot_style){ .color = LL_RGB(0x44, 0x44, 0x44) }, err)) ||
		    (rc = ll_plot_line(a1, NULL, fac[1][r], NT, &(ll_plot_style){ .color = ll_plot_palette(0), .width = 2 }, err)) ||
		    (rc = ll_plot_scatter(a2, NULL, fac[2][r], NK, cond_col, &(ll_plot_style){ .marker_size = 5 }, err)))
			return rc;
		a1->y.zero = 1;
	}
	ll_plot_axes *t0 = ll_plot_fig_axes(fig, 0, 0), *t1 = ll_plot_fig_axes(fig, 0, 1),
		     *t2 = ll_plot_fig_axes(fig, 0, 2);
	snprintf(t0->title, sizeof t0->title, "neuron factors");
	snprintf(t1->title, sizeof t1->title, "temporal factors");
	snprintf(t2->title, sizeof t2->title, "trial factors");
	snprintf(ll_plot_fig_axes(fig, 2, 0)->x.label, LL_PLOT_TEXT_MAX, "neuron");
	snprintf(ll_plot_fig_axes(fig, 2, 1)->x.label, LL_PLOT_TEXT_MAX, "time bin");
	snprintf(ll_plot_fig_axes(fig, 2, 2)->x.label, LL_PLOT_TEXT_MAX, "trial");
	for (int c = 0; c < NC; c++)
		if ((rc = ll_plot_legend_add(t2, &(ll_plot_style){ .color = ll_plot_palette((size_t)c + 1),
								  .marker = LL_PLOT_MARKER_CIRCLE, .label = cond_name[c] }, err)))
			return rc;
	t2->legend = LL_PLOT_LEGEND_OFF; /* shown on the trajectory panel instead */

	/* error vs rank: jittered replicates and a line through the best */
	ll_plot_axes *er = ll_plot_fig_axes(fig, 3, 0), *sim = ll_plot_fig_axes(fig, 3, 1),
		     *tr = ll_plot_fig_axes(fig, 3, 2);
	double sx[RANKS * REPS], sy[RANKS * REPS], mean[RANKS];
	for (int r = 0; r < RANKS; r++) {
		rk[r] = r + 1;
		best[r] = INFINITY;
		mean[r] = 0;
		for (int k = 0; k < REPS; k++) {
			int i = r * REPS + k;
			ex[i] = r + 1 + (ll_rng_uniform(&g) - 0.5) * 0.3;
			e[i] = 0.25 + 0.6 * exp(-0.8 * r) + (r >= 2 ? 0.04 * fabs(ll_rng_normal(&g)) : 0.005 * k);
			if (e[i] < best[r])
				best[r] = e[i];
			sx[i] = ex[i];
			sy[i] = r == 0 ? 1 : 1 - (r >= 3 ? 0.25 : 0.03) * fabs(ll_rng_normal(&g)) * (k > 0);
			mean[r] += sy[i] / REPS;
		}
	}
	snprintf(er->title, sizeof er->title, "model error");
	er->x.fixed = 1, er->x.lo = 0.5, er->x.hi = RANKS + 0.5, er->x.nticks = RANKS;
	snprintf(er->x.label, sizeof er->x.label, "rank");
	snprintf(er->y.label, sizeof er->y.label, "normalised error");
	er->grid = 1;
	if ((rc = ll_plot_scatter(er, ex, e, RANKS * REPS, NULL,
				  &(ll_plot_style){ .color = LL_RGBA_SET_ALPHA(LL_PLOT_BLACK, 0x70), .marker_size = 5,
						    .label = "replicate" }, err)) ||
	    (rc = ll_plot_line(er, rk, best, RANKS, &(ll_plot_style){ .color = ll_plot_palette(1), .width = 2,
								       .marker = LL_PLOT_MARKER_SQUARE, .label = "best" }, err)))
		return rc;
	snprintf(sim->title, sizeof sim->title, "similarity to best");
	snprintf(sim->x.label, sizeof sim->x.label, "rank");
	snprintf(sim->y.label, sizeof sim->y.label, "similarity");
	sim->y.fixed = 1, sim->y.lo = 0, sim->y.hi = 1.1;
	sim->x = er->x;
	sim->grid = 1;
	if ((rc = ll_plot_scatter(sim, sx, sy, RANKS * REPS, NULL,
				  &(ll_plot_style){ .color = LL_RGBA_SET_ALPHA(LL_PLOT_BLACK, 0x70), .marker_size = 5 }, err)) ||
	    (rc = ll_plot_line(sim, rk, mean, RANKS, &(ll_plot_style){ .color = ll_plot_palette(0), .width = 2,
								       .label = "mean" }, err)) ||
	    (rc = ll_plot_hline(sim, 1, &(ll_plot_style){ .dash = 4 }, err)))
		return rc;

	/* trajectories in a PC plane */
	snprintf(tr->title, sizeof tr->title, "trajectories, PC1 vs PC2");
	snprintf(tr->x.label, sizeof tr->x.label, "PC1");
	snprintf(tr->y.label, sizeof tr->y.label, "PC2");
	tr->equal = 1;
	if ((rc = ll_plot_hline(tr, 0, &(ll_plot_style){ .dash = 3, .color = LL_RGB(0xBB, 0xBB, 0xBB) }, err)) ||
	    (rc = ll_plot_vline(tr, 0, &(ll_plot_style){ .dash = 3, .color = LL_RGB(0xBB, 0xBB, 0xBB) }, err)))
		return rc;
	for (int c = 0; c < NC; c++) {
		double py[NT];
		for (int t = 0; t < NT; t++) {
			double s = t / (double)(NT - 1), a = 2.2 * M_PI * s * (0.8 + 0.1 * c) + c * 2.1;
			x[t] = (1.5 - s) * cos(a) * (3 + c) + 0.5 * c;
			py[t] = (1.5 - s) * sin(a) * (2 + 0.5 * c) - 0.3 * c;
		}
		if ((rc = ll_plot_traj(tr, x, py, NT, &(ll_plot_style){ .color = ll_plot_palette((size_t)c + 1),
									  .label = cond_name[c] }, err)))
			return rc;
	}
	return LL_OK;
}

static void test_demo(void)
{
	ll_plot_fig fig;
	ll_err err;
	ll_png_image img;
	const char *keep = getenv("LL_PLOT_DEMO");
	char path[128];
	ll_png_text meta[3] = { { "Title", "latentlab plot demo" }, { "Software", "latentlab" },
				{ "Session", "tests/test_plot" } };

	if (keep && *keep)
		snprintf(path, sizeof path, "%s", keep);
	else
		snprintf(path, sizeof path, "%s/demo.png", tmpdir);
	int rc = build_demo(&fig, &err);
	LL_CHECK_MSG(rc == LL_OK, "%s", err.msg);
	double t0 = ll_now();
	rc = ll_plot_write_png(&fig, path, meta, 3, &err);
	double t1 = ll_now();
	LL_CHECK_MSG(rc == LL_OK, "%s", err.msg);
	LL_CHECK_INT(ll_png_read(path, &img, &err), LL_OK);
	LL_CHECK(img.w == 960 && img.h == 860);
	/* every panel got its box inside the figure, in grid order */
	for (int p = 0; p < 12; p++) {
		const ll_plot_axes *a = &fig.axes[p];
		LL_CHECK(a->laid_out && a->px0 >= 0 && a->px1 <= 960 && a->py0 >= 0 && a->py1 <= 860);
		LL_CHECK(a->px1 - a->px0 > 100 && a->py1 - a->py0 > 60);
	}
	struct stat sb;
	if (stat(path, &sb) == 0)
		printf("# demo %s: 960x860, %lld bytes, render+encode+write %.1f ms\n", path, (long long)sb.st_size,
		       (t1 - t0) * 1e3);
	ll_png_image_free(&img);
	if (!(keep && *keep))
		unlink(path);
	ll_plot_fig_free(&fig);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ll_test_plot.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	LL_RUN(test_font);
	LL_RUN(test_text_box);
	LL_RUN(test_raster_scale);
	LL_RUN(test_raster_shapes);
	LL_RUN(test_ticks);
	LL_RUN(test_ranges);
	LL_RUN(test_format);
	LL_RUN(test_line_mapping);
	LL_RUN(test_bars);
	LL_RUN(test_scatter_colors);
	LL_RUN(test_auto_ranges);
	LL_RUN(test_factor_grid);
	LL_RUN(test_palette_cycle);
	LL_RUN(test_traj_and_legend);
	LL_RUN(test_png_roundtrip);
	LL_RUN(test_png_files);
	LL_RUN(test_bad_input);
	LL_RUN(test_viridis);
	LL_RUN(test_heatmap);
	LL_RUN(test_band);
	LL_RUN(test_heat_bytes);
	LL_RUN(test_heat_bad_input);
	LL_RUN(test_compare_example);
	LL_RUN(test_demo);
	char p[128];
	snprintf(p, sizeof p, "%s/plot.png", tmpdir);
	unlink(p);
	rmdir(tmpdir);
	return ll_test_done();
}
