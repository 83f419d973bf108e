/* Workbench rendering primitives: braille bits, Bresenham lines, exact
 * UTF-8 and ASCII renderings, depth ordering, sparklines, factor plots,
 * 3-D projection math and rotations, hidden paths, heat maps, theme
 * roles, glyphs.
 * Nothing here needs a terminal (the one curses test uses newterm on
 * /dev/null and is skipped if that fails). */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/ll_canvas.h"
#include "draw/ll_heat.h"
#include "ll_test.h"
#include "draw/ll_spark.h"
#include "wb/ll_theme.h"
#include "base/ll_palette.h"
#include "draw/ll_view3d.h"

/* ---- helpers ---- */

static int count_dots(const ll_canvas *c)
{
	int n = 0;
	for (int y = 0; y < 4 * c->h; y++)
		for (int x = 0; x < 2 * c->w; x++)
			n += ll_canvas_get(c, x, y);
	return n;
}

/* All rows joined by '\n' into a static buffer (tests only). */
static const char *render_all(const ll_canvas *c, ll_canvas_text *t)
{
	static char out[65536];
	ll_err e;
	int rc = ll_canvas_render(c, t, &e);
	LL_CHECK_INT(rc, LL_OK);
	out[0] = '\0';
	size_t len = 0;
	for (int r = 0; r < t->h; r++) {
		const char *row = ll_canvas_text_row(t, r);
		size_t k = strlen(row);
		if (len + k + 2 >= sizeof out)
			break;
		memcpy(out + len, row, k);
		len += k;
		out[len++] = '\n';
		out[len] = '\0';
	}
	return out;
}

/* number of cells whose colour is `color` (dots or marks) */
static int cells_of_color(const ll_canvas *c, int color)
{
	int n = 0;
	for (int i = 0; i < c->w * c->h; i++)
		if ((c->dots[i] && c->color[i] == color) || (c->mark[i] && c->mark_color[i] == color))
			n++;
	return n;
}

/* bytes of the first n cells of a rendered row (1 or 3 bytes a cell) */
static size_t cells_bytes(const char *row, int n)
{
	size_t b = 0;
	for (int i = 0; i < n && row[b] && row[b] != '\n'; i++)
		b += ((unsigned char)row[b] >= 0xE0) ? 3 : 1;
	return b;
}

/* ---- canvas ---- */

static void test_braille_bits(void)
{
	/* (dx, dy) -> Unicode dot numbering 1..8 */
	static const int dx[8] = {0, 0, 0, 0, 1, 1, 1, 1};
	static const int dy[8] = {0, 1, 2, 3, 0, 1, 2, 3};
	static const unsigned bit[8] = {0x01, 0x02, 0x04, 0x40, 0x08, 0x10, 0x20, 0x80};
	ll_canvas c;
	ll_canvas_text t = {0};
	LL_CHECK_INT(ll_canvas_init(&c, 1, 1, LL_CANVAS_UTF8, NULL), LL_OK);
	for (int k = 0; k < 8; k++) {
		LL_CHECK_INT(ll_canvas_bit(dx[k], dy[k]), bit[k]);
		ll_canvas_clear(&c);
		ll_canvas_dot(&c, dx[k], dy[k], 0);
		LL_CHECK_INT(ll_canvas_cell_utf8(&c, 0, 0), 0x2800 + bit[k]);
		LL_CHECK_INT(count_dots(&c), 1);
		char want[4] = {(char)0xE2, (char)(0xA0 | (bit[k] >> 6)), (char)(0x80 | (bit[k] & 0x3F)), 0};
		LL_CHECK_STR(render_all(&c, &t), strcat(strcpy((char[8]){0}, want), "\n"));
	}
	/* all eight: U+28FF */
	for (int k = 0; k < 8; k++)
		ll_canvas_dot(&c, dx[k], dy[k], 0);
	LL_CHECK_INT(ll_canvas_cell_utf8(&c, 0, 0), 0x28FF);
	LL_CHECK_STR(render_all(&c, &t), "\xe2\xa3\xbf\n");
	/* unset one dot, and dots outside change nothing */
	ll_canvas_unset(&c, 1, 3);
	LL_CHECK_INT(ll_canvas_cell_utf8(&c, 0, 0), 0x287F);
	ll_canvas_dot(&c, 2, 0, 0);
	ll_canvas_dot(&c, -1, 0, 0);
	ll_canvas_dot(&c, 0, 4, 0);
	LL_CHECK_INT(count_dots(&c), 7);
	LL_CHECK_INT(ll_canvas_bit(2, 0), 0);
	LL_CHECK_INT(ll_canvas_bit(0, 4), 0);
	/* an empty cell is a plain space, not U+2800 */
	ll_canvas_clear(&c);
	LL_CHECK_STR(render_all(&c, &t), " \n");
	ll_canvas_text_free(&t);
	ll_canvas_free(&c);
	ll_canvas_free(&c); /* second free is a no-op */
}

static void test_canvas_errors(void)
{
	ll_canvas c;
	ll_err e;
	LL_CHECK_INT(ll_canvas_init(&c, 0, 5, LL_CANVAS_UTF8, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "0 x 5");
	LL_CHECK_INT(ll_canvas_init(&c, 5, LL_CANVAS_MAX_CELLS + 1, LL_CANVAS_UTF8, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "out of range");
	LL_CHECK_INT(ll_canvas_init(&c, 5, 5, 7, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "mode 7");
	ll_canvas_free(&c);
	ll_canvas_text t = {0};
	LL_CHECK_INT(ll_canvas_render(&c, &t, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "not initialised");
	LL_CHECK(ll_canvas_text_row(&t, 0) == NULL);
}

static void test_line_bresenham(void)
{
	ll_canvas c;
	LL_CHECK_INT(ll_canvas_init(&c, 3, 2, LL_CANVAS_UTF8, NULL), LL_OK);
	/* corner to corner of a 6 x 8 dot canvas: x = round(5 y / 7) */
	static const int want[8][2] = {{0, 0}, {1, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {4, 6}, {5, 7}};
	for (int dir = 0; dir < 2; dir++) {
		ll_canvas_clear(&c);
		if (dir == 0)
			ll_canvas_line(&c, 0, 0, 2 * c.w - 1, 4 * c.h - 1, 1);
		else
			ll_canvas_line(&c, 2 * c.w - 1, 4 * c.h - 1, 0, 0, 1);
		LL_CHECK_INT(count_dots(&c), 8);
		for (int k = 0; k < 8; k++)
			LL_CHECK_MSG(ll_canvas_get(&c, want[k][0], want[k][1]), "dir %d dot (%d,%d)", dir,
				     want[k][0], want[k][1]);
	}
	/* horizontal and vertical: every dot on the segment, nothing else */
	ll_canvas_clear(&c);
	ll_canvas_line(&c, 1, 2, 4, 2, 0);
	LL_CHECK_INT(count_dots(&c), 4);
	for (int x = 1; x <= 4; x++)
		LL_CHECK(ll_canvas_get(&c, x, 2));
	ll_canvas_clear(&c);
	ll_canvas_line(&c, 3, 7, 3, 1, 0);
	LL_CHECK_INT(count_dots(&c), 7);
	/* clipped: a huge diagonal leaves exactly the visible diagonal */
	ll_canvas_free(&c);
	LL_CHECK_INT(ll_canvas_init(&c, 2, 1, LL_CANVAS_UTF8, NULL), LL_OK);
	ll_canvas_line(&c, -1000000000, -1000000000, 1000000000, 1000000000, 0);
	LL_CHECK_INT(count_dots(&c), 4);
	for (int i = 0; i < 4; i++)
		LL_CHECK(ll_canvas_get(&c, i, i));
	/* entirely outside: nothing */
	ll_canvas_clear(&c);
	ll_canvas_line(&c, -5, -1, 10, -1, 0);
	ll_canvas_line_d(&c, NAN, 0, 3, 3, 0);
	ll_canvas_line_d(&c, 0, 0, INFINITY, 3, 0);
	LL_CHECK_INT(count_dots(&c), 0);
	/* a one-point line is a dot */
	ll_canvas_line(&c, 2, 3, 2, 3, 0);
	LL_CHECK_INT(count_dots(&c), 1);
	ll_canvas_free(&c);
}

static void test_render_exact(void)
{
	ll_canvas c;
	ll_canvas_text t = {0};
	LL_CHECK_INT(ll_canvas_init(&c, 2, 2, LL_CANVAS_UTF8, NULL), LL_OK);
	/* (0,0)-(3,7): x = round(3 y / 7) -> dots (0,0) (0,1) (1,2) (1,3) in
	 * cell (0,0) = 0x01|0x02|0x20|0x80 = U+28A3, the same in cell (1,1) */
	ll_canvas_line(&c, 0, 0, 3, 7, 5);
	LL_CHECK_STR(render_all(&c, &t), "\xe2\xa2\xa3 \n \xe2\xa2\xa3\n");
	/* runs: row 0 = [braille, colour 5] [blank]; row 1 = [blank] [braille] */
	LL_CHECK_INT(t.row_run[1] - t.row_run[0], 2);
	LL_CHECK_INT(t.runs[0].x, 0);
	LL_CHECK_INT(t.runs[0].len, 3);
	LL_CHECK_INT(t.runs[0].color, 5);
	LL_CHECK_INT(t.runs[0].level, LL_CANVAS_LEVEL_FLAT);
	LL_CHECK_INT(t.runs[1].x, 1);
	LL_CHECK_INT(t.runs[1].off, 3);
	LL_CHECK_INT(t.runs[1].color, -1);
	LL_CHECK_INT(t.runs[2].color, -1);
	LL_CHECK_INT(t.runs[3].off, 1);
	LL_CHECK_INT(t.runs[3].len, 3);
	LL_CHECK_INT(t.row_run[2], 4);
	/* ASCII fallbacks with the same API */
	c.mode = LL_CANVAS_ASCII;
	LL_CHECK_STR(render_all(&c, &t), "\\ \n \\\n");
	c.mode = LL_CANVAS_DENSITY;
	LL_CHECK_STR(render_all(&c, &t), "= \n =\n");
	LL_CHECK_INT(ll_canvas_cell_ascii(&c, 0, 0, LL_CANVAS_ASCII), '\\');
	/* a mark overrides the cell in every mode */
	ll_canvas_mark(&c, 1, 0, 'o', 2);
	LL_CHECK_STR(render_all(&c, &t), "=o\n =\n");
	LL_CHECK_INT(t.runs[1].is_mark, 1);
	LL_CHECK_INT(t.runs[1].color, 2);
	c.mode = LL_CANVAS_UTF8;
	LL_CHECK_STR(render_all(&c, &t), "\xe2\xa2\xa3o\n \xe2\xa2\xa3\n");
	LL_CHECK_INT(ll_canvas_cell_utf8(&c, 1, 0), 'o');
	/* a run merges equal neighbours; byte lengths add up */
	ll_canvas_clear(&c);
	ll_canvas_line(&c, 0, 0, 3, 0, 4);
	render_all(&c, &t);
	LL_CHECK_INT(t.row_run[1] - t.row_run[0], 1);
	LL_CHECK_INT(t.runs[0].n, 2);
	LL_CHECK_INT(t.runs[0].len, 6);
	LL_CHECK_STR(ll_canvas_text_row(&t, 0), "\xe2\xa0\x89\xe2\xa0\x89");
	LL_CHECK(ll_canvas_text_row(&t, 2) == NULL);
	/* a bigger canvas reuses and grows the same text */
	ll_canvas_free(&c);
	LL_CHECK_INT(ll_canvas_init(&c, 30, 10, LL_CANVAS_UTF8, NULL), LL_OK);
	render_all(&c, &t);
	LL_CHECK_INT(strlen(ll_canvas_text_row(&t, 9)), 30);
	ll_canvas_text_free(&t);
	ll_canvas_free(&c);
}

static unsigned bits_of(const int (*d)[2], int n)
{
	unsigned b = 0;
	for (int i = 0; i < n; i++)
		b |= ll_canvas_bit(d[i][0], d[i][1]);
	return b;
}

static void test_ascii_shapes(void)
{
	static const int vert[4][2] = {{0, 0}, {0, 1}, {0, 2}, {0, 3}};
	static const int bottom[2][2] = {{0, 3}, {1, 3}};
	static const int mid[2][2] = {{0, 1}, {1, 1}};
	static const int slash[4][2] = {{1, 0}, {1, 1}, {0, 2}, {0, 3}};
	static const int top[1][2] = {{1, 0}};
	static const int low[1][2] = {{0, 3}};
	LL_CHECK_INT(ll_canvas_ascii_shape(0), ' ');
	LL_CHECK_INT(ll_canvas_ascii_shape(0xFF), '#');
	LL_CHECK_INT(ll_canvas_ascii_shape(bits_of(vert, 4)), '|');
	LL_CHECK_INT(ll_canvas_ascii_shape(bits_of(bottom, 2)), '_');
	LL_CHECK_INT(ll_canvas_ascii_shape(bits_of(mid, 2)), '-');
	LL_CHECK_INT(ll_canvas_ascii_shape(bits_of(slash, 4)), '/');
	LL_CHECK_INT(ll_canvas_ascii_shape(bits_of(top, 1)), '\'');
	LL_CHECK_INT(ll_canvas_ascii_shape(bits_of(low, 1)), '.');
	/* density: " .:-=+*#" by count, '@' when full */
	static const char ramp[] = " .:-=+*#@";
	unsigned b = 0;
	for (int k = 0; k <= 8; k++) {
		LL_CHECK_INT(ll_canvas_ascii_density(b), ramp[k]);
		b = (b << 1) | 1;
	}
}

static void test_depth_nearest(void)
{
	ll_canvas c;
	LL_CHECK_INT(ll_canvas_init(&c, 1, 1, LL_CANVAS_UTF8, NULL), LL_OK);
	/* the nearer writer colours the cell, whatever the order */
	for (int order = 0; order < 2; order++) {
		ll_canvas_clear(&c);
		if (order == 0) {
			ll_canvas_dot_z(&c, 0, 0, 1, 0.8);
			ll_canvas_dot_z(&c, 1, 3, 2, 0.1);
		} else {
			ll_canvas_dot_z(&c, 1, 3, 2, 0.1);
			ll_canvas_dot_z(&c, 0, 0, 1, 0.8);
		}
		LL_CHECK_INT(c.color[0], 2);
		LL_CHECK_INT(c.level[0], 0);
		LL_CHECK_INT(c.dots[0], 0x81); /* both dots stay */
	}
	/* levels: z in [0,1] -> 0..3 */
	static const double z[5] = {-1.0, 0.3, 0.6, 0.9, 5.0};
	static const int lev[5] = {0, 1, 2, 3, 3};
	for (int k = 0; k < 5; k++) {
		ll_canvas_clear(&c);
		ll_canvas_dot_z(&c, 0, 0, 0, z[k]);
		LL_CHECK_INT(c.level[0], lev[k]);
	}
	/* plain writes: the last writer wins */
	ll_canvas_clear(&c);
	ll_canvas_dot(&c, 0, 0, 3);
	ll_canvas_dot(&c, 0, 1, 4);
	LL_CHECK_INT(c.color[0], 4);
	LL_CHECK_INT(c.level[0], LL_CANVAS_LEVEL_FLAT);
	/* a depth-tested line: the near one wins where they share a cell */
	ll_canvas_free(&c);
	LL_CHECK_INT(ll_canvas_init(&c, 4, 1, LL_CANVAS_UTF8, NULL), LL_OK);
	ll_canvas_line_z(&c, 0, 0, 0.2, 7, 0, 0.2, 1);
	ll_canvas_line_z(&c, 0, 3, 0.9, 7, 3, 0.9, 2);
	for (int i = 0; i < 4; i++)
		LL_CHECK_INT(c.color[i], 1);
	/* z interpolates: the far end of a sloped line is dimmer */
	ll_canvas_clear(&c);
	ll_canvas_line_z(&c, 0, 0, 0.0, 7, 0, 1.0, 1);
	LL_CHECK_INT(c.level[0], 0);
	LL_CHECK_INT(c.level[3], 3);
	/* marks: nearest wins; a later plain mark replaces */
	ll_canvas_clear(&c);
	ll_canvas_mark_z(&c, 0, 0, 'x', 1, 0.9);
	ll_canvas_mark_z(&c, 0, 0, 'o', 2, 0.1);
	ll_canvas_mark_z(&c, 0, 0, 'x', 3, 0.5);
	LL_CHECK_INT(c.mark[0], 'o');
	LL_CHECK_INT(c.mark_color[0], 2);
	ll_canvas_mark(&c, 0, 0, '1', 4);
	LL_CHECK_INT(c.mark[0], '1');
	ll_canvas_mark(&c, 0, 0, ' ', 4);  /* not printable: ignored */
	ll_canvas_mark(&c, 9, 0, 'q', 4);  /* outside: ignored */
	LL_CHECK_INT(c.mark[0], '1');
	ll_canvas_free(&c);
}

/* ---- sparklines ---- */

static const char *spark_str(const double *v, size_t n, int w, const ll_spark_opts *o)
{
	static char buf[512];
	ll_err e;
	int rc = ll_spark(v, n, w, o, buf, sizeof buf, NULL, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	return buf;
}

static void test_spark_levels(void)
{
	double v[8];
	for (int i = 0; i < 8; i++)
		v[i] = i;
	LL_CHECK_STR(spark_str(v, 8, 8, NULL), "▁▂▃▄▅▆▇█");
	ll_spark_opts o;
	ll_spark_opts_init(&o);
	o.ascii = 1;
	LL_CHECK_STR(spark_str(v, 8, 8, &o), "_.-:=+*#");
	/* levels and range out */
	int lev[8];
	ll_spark_range r;
	char buf[64];
	LL_CHECK_INT(ll_spark(v, 8, 8, NULL, buf, sizeof buf, lev, &r, NULL), LL_OK);
	for (int i = 0; i < 8; i++)
		LL_CHECK_INT(lev[i], i);
	LL_CHECK_NEAR(r.lo, 0.0, 0);
	LL_CHECK_NEAR(r.hi, 7.0, 0);
	LL_CHECK_INT(r.n_finite, 8);
	/* scaled data give the same picture: only ranks within the range matter */
	for (int i = 0; i < 8; i++)
		v[i] = -3.0 + 0.25 * i;
	LL_CHECK_STR(spark_str(v, 8, 8, NULL), "▁▂▃▄▅▆▇█");
	/* a fixed range shared between sparklines */
	for (int i = 0; i < 8; i++)
		v[i] = i;
	ll_spark_opts_init(&o);
	o.lo = 0.0;
	o.hi = 16.0;
	LL_CHECK_STR(spark_str(v, 8, 8, &o), "▁▁▂▂▃▃▄▄");
	LL_CHECK_INT(ll_spark_bufsize(8), 25);
}

static void test_spark_resample(void)
{
	double v[16];
	for (int i = 0; i < 16; i++)
		v[i] = i;
	/* pairs -> means 0.5 .. 14.5 */
	LL_CHECK_STR(spark_str(v, 16, 8, NULL), "▁▂▃▄▅▆▇█");
	/* uneven buckets [0,2) [2,5) [5,7) [7,10): means 0.5 3 5.5 8 */
	LL_CHECK_STR(spark_str(v, 10, 4, NULL), "▁▃▆█");
	/* mean vs max */
	const double m[8] = {0, 8, 8, 8, 0, 0, 0, 8};
	ll_spark_opts o;
	ll_spark_opts_init(&o);
	LL_CHECK_STR(spark_str(m, 8, 4, &o), "▅█▁▅");
	o.agg = LL_SPARK_MAX;
	LL_CHECK_STR(spark_str(m, 8, 4, &o), "██▁█");
	/* stretching: each value over w/n cells */
	const double two[2] = {0, 1};
	LL_CHECK_STR(spark_str(two, 2, 4, NULL), "▁▁██");
	const double three[3] = {0, 1, 2};
	LL_CHECK_STR(spark_str(three, 3, 6, NULL), "▁▁▅▅██");
	/* width 1: the mean of everything, flat */
	LL_CHECK_STR(spark_str(v, 16, 1, NULL), "▄");
}

static void test_spark_constant_nan(void)
{
	const double k[3] = {3, 3, 3};
	LL_CHECK_STR(spark_str(k, 3, 3, NULL), "▄▄▄");
	const double a[3] = {0, NAN, 7};
	LL_CHECK_STR(spark_str(a, 3, 3, NULL), "▁ █");
	const double b[3] = {NAN, NAN, NAN};
	LL_CHECK_STR(spark_str(b, 3, 3, NULL), "   ");
	LL_CHECK_STR(spark_str(NULL, 0, 4, NULL), "    ");
	/* non-finite values inside a bucket are skipped */
	const double c[4] = {0, NAN, 7, INFINITY};
	LL_CHECK_STR(spark_str(c, 4, 2, NULL), "▁█");
	ll_spark_range r;
	char buf[32];
	LL_CHECK_INT(ll_spark(b, 3, 3, NULL, buf, sizeof buf, NULL, &r, NULL), LL_OK);
	LL_CHECK(isnan(r.lo) && isnan(r.hi));
	LL_CHECK_INT(r.n_finite, 0);
	LL_CHECK_INT(ll_spark(c, 4, 2, NULL, buf, sizeof buf, NULL, &r, NULL), LL_OK);
	LL_CHECK_INT(r.n_finite, 2);
	ll_spark_opts o;
	ll_spark_opts_init(&o);
	o.ascii = 1;
	LL_CHECK_STR(spark_str(a, 3, 3, &o), "_ #");
	LL_CHECK_STR(spark_str(k, 3, 3, &o), ":::");
}

static void test_spark_errors(void)
{
	const double v[2] = {1, 2};
	char buf[16];
	ll_err e;
	LL_CHECK_INT(ll_spark(v, 2, 0, NULL, buf, sizeof buf, NULL, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "width 0");
	LL_CHECK_INT(ll_spark(v, 2, 8, NULL, buf, sizeof buf, NULL, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "buffer of 16 bytes < 25");
	LL_CHECK_INT(ll_spark(NULL, 2, 2, NULL, buf, sizeof buf, NULL, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "NULL for n = 2");
	ll_spark_opts o;
	ll_spark_opts_init(&o);
	o.agg = 9;
	LL_CHECK_INT(ll_spark(v, 2, 2, &o, buf, sizeof buf, NULL, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "aggregation 9");
	ll_canvas c = {0};
	LL_CHECK_INT(ll_spark_plot(&c, v, 2, 0, NULL, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "spark_plot: canvas");
	LL_CHECK_INT(ll_canvas_init(&c, 2, 2, LL_CANVAS_UTF8, NULL), LL_OK);
	LL_CHECK_INT(ll_spark_bars(&c, NULL, 3, 0, NULL, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "spark_bars: values are NULL");
	LL_CHECK_INT(ll_spark_plot(&c, v, 2, 0, &o, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "aggregation 9");
	ll_canvas_free(&c);
}

static void test_spark_plot(void)
{
	ll_canvas c;
	ll_spark_range r;
	LL_CHECK_INT(ll_canvas_init(&c, 4, 2, LL_CANVAS_UTF8, NULL), LL_OK);
	/* 0..7 on 8 x 8 dots: x = t, y = 7 - t, an exact anti-diagonal */
	double v[8];
	for (int i = 0; i < 8; i++)
		v[i] = i;
	LL_CHECK_INT(ll_spark_plot(&c, v, 8, 3, NULL, &r, NULL), LL_OK);
	LL_CHECK_INT(count_dots(&c), 8);
	for (int t = 0; t < 8; t++)
		LL_CHECK(ll_canvas_get(&c, t, 7 - t));
	LL_CHECK_NEAR(r.lo, 0, 0);
	LL_CHECK_NEAR(r.hi, 7, 0);
	LL_CHECK_INT(cells_of_color(&c, 3), 4);
	/* constant: one flat line in the middle row (3.5 rounds to 4) */
	ll_canvas_clear(&c);
	const double k[5] = {2, 2, 2, 2, 2};
	LL_CHECK_INT(ll_spark_plot(&c, k, 5, 0, NULL, &r, NULL), LL_OK);
	LL_CHECK_INT(count_dots(&c), 8);
	for (int x = 0; x < 8; x++)
		LL_CHECK(ll_canvas_get(&c, x, 4));
	LL_CHECK_NEAR(r.lo, 2, 0);
	LL_CHECK_NEAR(r.hi, 2, 0);
	/* long vector: lines between all samples fill the envelope */
	ll_canvas_clear(&c);
	double z[64];
	for (int i = 0; i < 64; i++)
		z[i] = (i % 2) ? 1.0 : -1.0;
	LL_CHECK_INT(ll_spark_plot(&c, z, 64, 0, NULL, &r, NULL), LL_OK);
	LL_CHECK_INT(count_dots(&c), 64);
	/* NaN breaks the line; all-NaN draws nothing; zero line is dotted */
	ll_canvas_clear(&c);
	const double g[3] = {-1, NAN, 1};
	ll_spark_opts o;
	ll_spark_opts_init(&o);
	o.zero_line = 1;
	LL_CHECK_INT(ll_spark_plot(&c, g, 3, 0, &o, &r, NULL), LL_OK);
	/* the two end points plus four zero-line dots at y = round(3.5) = 4 */
	LL_CHECK(ll_canvas_get(&c, 0, 7));
	LL_CHECK(ll_canvas_get(&c, 7, 0));
	for (int x = 0; x < 8; x += 2)
		LL_CHECK(ll_canvas_get(&c, x, 4));
	LL_CHECK_INT(count_dots(&c), 6);
	ll_canvas_clear(&c);
	const double nn[2] = {NAN, NAN};
	LL_CHECK_INT(ll_spark_plot(&c, nn, 2, 0, NULL, &r, NULL), LL_OK);
	LL_CHECK_INT(count_dots(&c), 0);
	LL_CHECK_INT(r.n_finite, 0);
	ll_canvas_free(&c);
}

static void test_spark_bars(void)
{
	ll_canvas c;
	ll_spark_range r;
	LL_CHECK_INT(ll_canvas_init(&c, 2, 1, LL_CANVAS_UTF8, NULL), LL_OK);
	/* 1..4 on 4 x 4 dots, range [0,4], base row 3: tops at 2 2 1 0 */
	const double v[4] = {1, 2, 3, 4};
	LL_CHECK_INT(ll_spark_bars(&c, v, 4, 0, NULL, &r, NULL), LL_OK);
	LL_CHECK_NEAR(r.lo, 0, 0);
	LL_CHECK_NEAR(r.hi, 4, 0);
	static const int top[4] = {2, 2, 1, 0};
	for (int x = 0; x < 4; x++)
		for (int y = 0; y < 4; y++)
			LL_CHECK_MSG(ll_canvas_get(&c, x, y) == (y >= top[x]), "x %d y %d", x, y);
	/* signed: two bars of two columns, gap column after each; base at
	 * row round(1.5) = 2 */
	ll_canvas_clear(&c);
	const double s[2] = {-2, 2};
	LL_CHECK_INT(ll_spark_bars(&c, s, 2, 0, NULL, &r, NULL), LL_OK);
	LL_CHECK_NEAR(r.lo, -2, 0);
	LL_CHECK_NEAR(r.hi, 2, 0);
	LL_CHECK(ll_canvas_get(&c, 0, 2) && ll_canvas_get(&c, 0, 3) && !ll_canvas_get(&c, 0, 1));
	LL_CHECK(ll_canvas_get(&c, 2, 0) && ll_canvas_get(&c, 2, 1) && ll_canvas_get(&c, 2, 2));
	LL_CHECK(!ll_canvas_get(&c, 2, 3));
	for (int y = 0; y < 4; y++)
		LL_CHECK(!ll_canvas_get(&c, 1, y) && !ll_canvas_get(&c, 3, y));
	/* resampled by largest magnitude: 8 values into 4 columns */
	ll_canvas_clear(&c);
	const double m[8] = {1, -4, 0, 2, 0, 0, 3, 1};
	ll_spark_opts o;
	ll_spark_opts_init(&o);
	o.agg = LL_SPARK_MAX;
	LL_CHECK_INT(ll_spark_bars(&c, m, 8, 0, &o, &r, NULL), LL_OK);
	LL_CHECK_NEAR(r.lo, -4, 0);
	LL_CHECK_NEAR(r.hi, 3, 0);
	LL_CHECK(ll_canvas_get(&c, 0, 3)); /* -4 reaches the bottom */
	LL_CHECK(!ll_canvas_get(&c, 0, 0));
	ll_canvas_free(&c);
}

/* ---- 3-D view ---- */

static void mat_vec(double R[3][3], const double p[3], double q[3])
{
	for (int i = 0; i < 3; i++)
		q[i] = R[i][0] * p[0] + R[i][1] * p[1] + R[i][2] * p[2];
}

static void test_rotation(void)
{
	ll_view3d v;
	ll_view3d_reset(&v);
	LL_CHECK_NEAR(v.azimuth, 45, 0);
	LL_CHECK_NEAR(v.elevation, 30, 0);
	LL_CHECK_NEAR(v.zoom, 1, 0);
	LL_CHECK_INT(v.perspective, 0);
	double R0[3][3], R[3][3], q0[3], q[3];
	const double ex[3] = {1, 0, 0}, ey[3] = {0, 1, 0}, ez[3] = {0, 0, 1};
	/* azimuth 90 maps x to where y was */
	v.azimuth = 0;
	v.elevation = 0;
	ll_view3d_rotation(&v, R0);
	v.azimuth = 90;
	ll_view3d_rotation(&v, R);
	mat_vec(R, ex, q);
	mat_vec(R0, ey, q0);
	for (int i = 0; i < 3; i++)
		LL_CHECK_NEAR(q[i], q0[i], 0);
	/* az 0 el 0: x right, y away, z up */
	mat_vec(R0, ex, q);
	LL_CHECK(q[0] == 1 && q[1] == 0 && q[2] == 0);
	mat_vec(R0, ey, q);
	LL_CHECK(q[0] == 0 && q[1] == 1 && q[2] == 0);
	mat_vec(R0, ez, q);
	LL_CHECK(q[0] == 0 && q[1] == 0 && q[2] == 1);
	/* elevation 90 looks down: y up, z toward the viewer */
	v.azimuth = 0;
	v.elevation = 90;
	ll_view3d_rotation(&v, R);
	mat_vec(R, ey, q);
	LL_CHECK(q[0] == 0 && q[1] == 0 && q[2] == 1);
	mat_vec(R, ez, q);
	LL_CHECK(q[0] == 0 && q[1] == -1 && q[2] == 0);
	/* R = Rx(el) Rz(az) is orthonormal, and matches the product */
	v.azimuth = 37;
	v.elevation = -21;
	ll_view3d_rotation(&v, R);
	double a = 37 * M_PI / 180, e = -21 * M_PI / 180;
	double Rz[3][3] = {{cos(a), -sin(a), 0}, {sin(a), cos(a), 0}, {0, 0, 1}};
	double Rx[3][3] = {{1, 0, 0}, {0, cos(e), -sin(e)}, {0, sin(e), cos(e)}};
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			double s = 0, d = 0;
			for (int k = 0; k < 3; k++) {
				s += Rx[i][k] * Rz[k][j];
				d += R[i][k] * R[j][k];
			}
			LL_CHECK_NEAR(R[i][j], s, 1e-15);
			LL_CHECK_NEAR(d, i == j ? 1.0 : 0.0, 1e-15);
		}
}

static void test_projection(void)
{
	/* the six unit-axis points: centre 0, radius 1 */
	const double pts[6][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
	double centre[3], radius, x, y, z;
	ll_proj_bounds(&pts[0][0], 6, centre, &radius);
	LL_CHECK(centre[0] == 0 && centre[1] == 0 && centre[2] == 0);
	LL_CHECK_NEAR(radius, 1, 0);
	ll_view3d v;
	ll_view3d_reset(&v);
	v.azimuth = 0;
	v.elevation = 0;
	ll_proj p;
	/* 100 x 100 dots: scale 49.5, middle (49.5, 49.5) */
	ll_proj_set(&p, &v, centre, radius, 100, 100);
	LL_CHECK_NEAR(p.scale, 49.5, 1e-12);
	ll_proj_point(&p, pts[0], &x, &y, &z);
	LL_CHECK_NEAR(x, 99, 1e-12);
	LL_CHECK_NEAR(y, 49.5, 1e-12);
	LL_CHECK_NEAR(z, 0.5, 1e-12);
	ll_proj_point(&p, pts[4], &x, &y, &z);
	LL_CHECK_NEAR(x, 49.5, 1e-12);
	LL_CHECK_NEAR(y, 0, 1e-12);
	ll_proj_point(&p, pts[2], &x, &y, &z); /* +y: straight away from us */
	LL_CHECK_NEAR(x, 49.5, 1e-12);
	LL_CHECK_NEAR(y, 49.5, 1e-12);
	LL_CHECK_NEAR(z, 1, 1e-12);
	ll_proj_point(&p, pts[3], &x, &y, &z);
	LL_CHECK_NEAR(z, 0, 1e-12);
	/* zoom scales distances from the middle */
	v.zoom = 2;
	ll_proj_set(&p, &v, centre, radius, 100, 100);
	ll_proj_point(&p, pts[1], &x, &y, &z);
	LL_CHECK_NEAR(x, 49.5 - 99, 1e-12);
	/* the shorter side sets the scale; the middle is the canvas middle */
	v.zoom = 1;
	ll_proj_set(&p, &v, centre, radius, 200, 40);
	LL_CHECK_NEAR(p.scale, 19.5, 1e-12);
	LL_CHECK_NEAR(p.cx, 99.5, 1e-12);
	LL_CHECK_NEAR(p.cy, 19.5, 1e-12);
	/* off-centre data: the middle of the bounding box maps to the middle */
	const double q[3][3] = {{10, 20, 30}, {12, 24, 31}, {11, 23, 30.5}};
	ll_proj_bounds(&q[0][0], 3, centre, &radius);
	LL_CHECK_NEAR(centre[0], 11, 0);
	LL_CHECK_NEAR(centre[1], 22, 0);
	LL_CHECK_NEAR(centre[2], 30.5, 0);
	LL_CHECK_NEAR(radius, sqrt(1 + 4 + 0.25), 1e-12);
	v.azimuth = 33;
	v.elevation = 71;
	ll_proj_set(&p, &v, centre, radius, 80, 60);
	ll_proj_point(&p, centre, &x, &y, &z);
	LL_CHECK_NEAR(x, 39.5, 1e-12);
	LL_CHECK_NEAR(y, 29.5, 1e-12);
	LL_CHECK_NEAR(z, 0.5, 1e-12);
	/* perspective: the nearest possible point keeps its size, far shrink */
	ll_proj_bounds(&pts[0][0], 6, centre, &radius);
	v.azimuth = 0;
	v.elevation = 0;
	v.perspective = 1;
	ll_proj_set(&p, &v, centre, radius, 100, 100);
	LL_CHECK_NEAR(p.dist, 3, 0);
	const double near[3] = {1, -1, 0}, far[3] = {1, 1, 0};
	ll_proj_point(&p, near, &x, &y, &z);
	LL_CHECK_NEAR(x, 99, 1e-12);
	ll_proj_point(&p, far, &x, &y, &z);
	LL_CHECK_NEAR(x, 49.5 + 49.5 * 0.5, 1e-12);
	/* degenerate bounds */
	ll_proj_bounds(&q[0][0], 1, centre, &radius);
	LL_CHECK_NEAR(radius, 1, 0);
	const double nan3[3] = {NAN, 0, 0};
	ll_proj_bounds(nan3, 1, centre, &radius);
	LL_CHECK(centre[0] == 0 && radius == 1);
}

static void test_view_keys(void)
{
	ll_view3d v;
	ll_view3d_reset(&v);
	/* 24 steps of 15 degrees come back exactly */
	for (int i = 0; i < 24; i++)
		LL_CHECK_INT(ll_view3d_apply(&v, ll_view3d_action_for_key('l')), 1);
	LL_CHECK_NEAR(v.azimuth, 45, 0);
	for (int i = 0; i < 3; i++)
		ll_view3d_apply(&v, ll_view3d_action_for_key('h'));
	LL_CHECK_NEAR(v.azimuth, 0, 0);
	ll_view3d_apply(&v, LL_VIEW3D_AZ_MINUS_FINE);
	LL_CHECK_NEAR(v.azimuth, -5, 0);
	v.azimuth = 180;
	ll_view3d_apply(&v, LL_VIEW3D_AZ_PLUS);
	LL_CHECK_NEAR(v.azimuth, -165, 0);
	/* elevation stops at 90; a no-op reports 0 */
	for (int i = 0; i < 5; i++)
		ll_view3d_apply(&v, ll_view3d_action_for_key('k'));
	LL_CHECK_NEAR(v.elevation, 90, 0);
	LL_CHECK_INT(ll_view3d_apply(&v, LL_VIEW3D_EL_PLUS), 0);
	ll_view3d_apply(&v, ll_view3d_action_for_key('J'));
	LL_CHECK_NEAR(v.elevation, 85, 0);
	ll_view3d_apply(&v, ll_view3d_action_for_key('+'));
	ll_view3d_apply(&v, ll_view3d_action_for_key('+'));
	LL_CHECK_NEAR(v.zoom, 1.5625, 1e-15);
	ll_view3d_apply(&v, ll_view3d_action_for_key('-'));
	LL_CHECK_NEAR(v.zoom, 1.25, 1e-15);
	for (int i = 0; i < 100; i++)
		ll_view3d_apply(&v, LL_VIEW3D_ZOOM_OUT);
	LL_CHECK_NEAR(v.zoom, LL_VIEW3D_ZOOM_MIN, 0);
	ll_view3d_apply(&v, ll_view3d_action_for_key('p'));
	LL_CHECK_INT(v.perspective, 1);
	ll_view3d_apply(&v, ll_view3d_action_for_key('a'));
	LL_CHECK_INT(v.auto_rotate, 1);
	ll_view3d_tick(&v, 0.5);
	LL_CHECK_NEAR(v.azimuth, -165 + 0.5 * LL_VIEW3D_SPIN_DPS, 1e-12);
	ll_view3d_apply(&v, ll_view3d_action_for_key('3'));
	LL_CHECK(v.azimuth == -90 && v.elevation == 0);
	ll_view3d_apply(&v, ll_view3d_action_for_key('1'));
	LL_CHECK(v.azimuth == 0 && v.elevation == 90);
	ll_view3d_apply(&v, ll_view3d_action_for_key('r'));
	LL_CHECK(v.azimuth == 45 && v.elevation == 30 && v.zoom == 1 && !v.perspective &&
		 !v.auto_rotate);
	LL_CHECK_INT(ll_view3d_action_for_key('Z'), LL_VIEW3D_NONE);
	LL_CHECK_INT(ll_view3d_apply(&v, LL_VIEW3D_NONE), 0);
	ll_view3d_tick(&v, 1.0); /* auto-rotate off: nothing */
	LL_CHECK_NEAR(v.azimuth, 45, 0);
	/* log line and back */
	char buf[128];
	v.azimuth = -37.5;
	v.elevation = 12;
	v.zoom = 0.8;
	v.perspective = 1;
	ll_view3d_format(&v, buf, sizeof buf);
	LL_CHECK_STR(buf, "az=-37.5 el=12 zoom=0.8 proj=persp");
	ll_view3d w;
	ll_err e;
	LL_CHECK_INT(ll_view3d_parse(&w, buf, &e), LL_OK);
	LL_CHECK(w.azimuth == -37.5 && w.elevation == 12 && w.zoom == 0.8 && w.perspective == 1);
	LL_CHECK_INT(ll_view3d_parse(&w, "el=10, az=400", &e), LL_OK);
	LL_CHECK(w.azimuth == 40 && w.elevation == 10 && w.zoom == 1 && !w.perspective);
	LL_CHECK_INT(ll_view3d_parse(&w, "az=foo", &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "bad value az=foo");
	LL_CHECK_INT(ll_view3d_parse(&w, "tilt=3", &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "unknown field \"tilt\"");
	LL_CHECK_INT(ll_view3d_parse(&w, "proj=iso", &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "proj=iso");
	LL_CHECK_INT(ll_view3d_parse(&w, "zoom=0", &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "zoom=0");
	LL_CHECK_INT(ll_view3d_parse(&w, "az", &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "not key=value");
	LL_CHECK_INT(ll_view3d_parse(&w, NULL, &e), LL_EINVAL);
}

/* n_paths helices of n_points, path k shifted and turned by k */
static double *helices(size_t np, size_t nt)
{
	double *xyz = malloc(np * nt * 3 * sizeof *xyz);
	for (size_t k = 0; k < np; k++)
		for (size_t t = 0; t < nt; t++) {
			double s = 6.0 * M_PI * (double)t / (double)(nt - 1) + 0.7 * (double)k;
			double *p = xyz + (k * nt + t) * 3;
			p[0] = cos(s) * (1.0 + 0.2 * (double)k);
			p[1] = sin(s) * (1.0 + 0.2 * (double)k);
			p[2] = (double)t / (double)nt - 0.5 + 0.1 * (double)k;
		}
	return xyz;
}

static char *frame(ll_canvas *c, ll_canvas_text *t, const ll_view3d *v, const ll_view3d_paths *ps)
{
	ll_err e;
	ll_canvas_clear(c);
	int rc = ll_view3d_render(c, v, ps, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	return strdup(render_all(c, t));
}

static void test_render_rotation(void)
{
	ll_canvas c;
	ll_canvas_text t = {0};
	LL_CHECK_INT(ll_canvas_init(&c, 40, 20, LL_CANVAS_UTF8, NULL), LL_OK);
	double *xyz = helices(3, 60);
	ll_view3d_paths ps;
	ll_view3d_paths_init(&ps, xyz, 3, 60);
	ps.axes = 1;
	ps.axes_color = 7;
	ll_view3d v;
	ll_view3d_reset(&v);
	char *s0 = frame(&c, &t, &v, &ps);
	LL_CHECK(count_dots(&c) > 100);
	for (int k = 0; k < 3; k++)
		LL_CHECK(cells_of_color(&c, k) > 5);
	/* the triad's labels are drawn */
	LL_CHECK(strchr(s0, 'x') && strchr(s0, 'y') && strchr(s0, 'z'));
	ll_view3d_apply(&v, LL_VIEW3D_AZ_PLUS);
	char *s1 = frame(&c, &t, &v, &ps);
	LL_CHECK(strcmp(s0, s1) != 0);
	ll_view3d_apply(&v, LL_VIEW3D_EL_MINUS);
	ll_view3d_apply(&v, LL_VIEW3D_EL_PLUS);
	char *s2 = frame(&c, &t, &v, &ps);
	LL_CHECK_STR(s1, s2);
	for (int i = 0; i < 23; i++)
		ll_view3d_apply(&v, LL_VIEW3D_AZ_PLUS);
	char *s3 = frame(&c, &t, &v, &ps);
	LL_CHECK_STR(s0, s3); /* 360 degrees: the same picture, byte for byte */
	/* perspective and zoom change the picture too; zoom-out shrinks it */
	v.perspective = 1;
	char *s4 = frame(&c, &t, &v, &ps);
	LL_CHECK(strcmp(s0, s4) != 0);
	v.perspective = 0;
	free(frame(&c, &t, &v, &ps));
	int n_full = count_dots(&c);
	v.zoom = 0.5;
	free(frame(&c, &t, &v, &ps));
	LL_CHECK(count_dots(&c) < n_full);
	/* ASCII mode renders one byte per cell */
	c.mode = LL_CANVAS_ASCII;
	ll_view3d_reset(&v);
	free(frame(&c, &t, &v, &ps));
	for (int r = 0; r < c.h; r++)
		LL_CHECK_INT(strlen(ll_canvas_text_row(&t, r)), 40);
	free(s0);
	free(s1);
	free(s2);
	free(s3);
	free(s4);
	free(xyz);
	ll_canvas_text_free(&t);
	ll_canvas_free(&c);
}

static void test_hidden_paths(void)
{
	ll_canvas c;
	ll_canvas_text t = {0};
	LL_CHECK_INT(ll_canvas_init(&c, 30, 15, LL_CANVAS_UTF8, NULL), LL_OK);
	/* two straight paths, left and right, both along z */
	double xyz[2 * 5 * 3];
	for (int k = 0; k < 2; k++)
		for (int s = 0; s < 5; s++) {
			double *p = xyz + (k * 5 + s) * 3;
			p[0] = k ? 1.0 : -1.0;
			p[1] = 0.0;
			p[2] = s - 2.0;
		}
	const int colors[2] = {4, 9};
	unsigned char hidden[2] = {0, 1};
	ll_view3d_paths ps;
	ll_view3d_paths_init(&ps, xyz, 2, 5);
	ps.color = colors;
	ll_view3d v;
	ll_view3d_reset(&v);
	v.azimuth = 0;
	v.elevation = 0;
	char *both = frame(&c, &t, &v, &ps);
	LL_CHECK(cells_of_color(&c, 4) > 0 && cells_of_color(&c, 9) > 0);
	int n_both = count_dots(&c);
	ps.hidden = hidden;
	char *one = frame(&c, &t, &v, &ps);
	LL_CHECK(cells_of_color(&c, 4) > 0);
	LL_CHECK_INT(cells_of_color(&c, 9), 0);
	LL_CHECK_INT(count_dots(&c) * 2, n_both);
	/* the hidden path's right half is blank: columns >= 20 */
	for (int r = 0; r < c.h; r++)
		for (int x = c.w / 2 + 1; x < c.w; x++)
			LL_CHECK_INT(ll_canvas_cell_utf8(&c, x, r), ' ');
	/* hiding does not move the other path (bounds use all paths): the
	 * left half of every row is unchanged */
	for (int i = 0; i < c.w * c.h; i++)
		if (c.dots[i])
			LL_CHECK(c.color[i] == 4);
	for (int r = 0; r < c.h; r++) {
		const char *a = both, *b = one;
		for (int k = 0; k < r; k++) {
			a = strchr(a, '\n') + 1;
			b = strchr(b, '\n') + 1;
		}
		/* the left path sits in cells < 15 */
		size_t la = cells_bytes(a, 15), lb = cells_bytes(b, 15);
		LL_CHECK(la == lb && strncmp(a, b, la) == 0);
	}
	hidden[0] = 1;
	char *none = frame(&c, &t, &v, &ps);
	LL_CHECK_INT(count_dots(&c), 0);
	LL_CHECK(strchr(none, 'o') == NULL && strchr(none, 'x') == NULL);
	/* markers: 'o' at the first point (bottom), 'x' at the last (top) */
	hidden[0] = 0;
	free(frame(&c, &t, &v, &ps));
	ll_proj p;
	ll_view3d_render(&c, &v, &ps, &p, NULL);
	double x, y, z;
	ll_proj_point(&p, xyz, &x, &y, &z);
	LL_CHECK_INT(ll_canvas_cell_utf8(&c, (int)lround(x) / 2, (int)lround(y) / 4), 'o');
	ll_proj_point(&p, xyz + 4 * 3, &x, &y, &z);
	LL_CHECK_INT(ll_canvas_cell_utf8(&c, (int)lround(x) / 2, (int)lround(y) / 4), 'x');
	LL_CHECK(strstr(both, "o") != NULL);
	LL_CHECK(strcmp(both, one) != 0);
	free(both);
	free(one);
	free(none);
	ll_canvas_text_free(&t);
	ll_canvas_free(&c);
}

static void test_depth_paths(void)
{
	ll_canvas c;
	LL_CHECK_INT(ll_canvas_init(&c, 20, 10, LL_CANVAS_UTF8, NULL), LL_OK);
	/* two parallel segments along x at z = 0, one at y = -1 (near at
	 * az 0), one at y = +1 (far): they project onto the same dots */
	double xyz[2 * 2 * 3] = {-1, 1, 0, 1, 1, 0, /* path 0: far */
				 -1, -1, 0, 1, -1, 0}; /* path 1: near */
	ll_view3d_paths ps;
	ll_view3d_paths_init(&ps, xyz, 2, 2);
	ps.markers = 0;
	ll_view3d v;
	ll_view3d_reset(&v);
	v.azimuth = 0;
	v.elevation = 0;
	ll_canvas_clear(&c);
	LL_CHECK_INT(ll_view3d_render(&c, &v, &ps, NULL, NULL), LL_OK);
	LL_CHECK(cells_of_color(&c, 1) > 5);
	LL_CHECK_INT(cells_of_color(&c, 0), 0);
	for (int i = 0; i < c.w * c.h; i++)
		if (c.dots[i])
			LL_CHECK_INT(c.level[i], 0); /* depth 0: nearest level */
	/* turned around, the other path is near */
	v.azimuth = 180;
	ll_canvas_clear(&c);
	ll_view3d_render(&c, &v, &ps, NULL, NULL);
	LL_CHECK(cells_of_color(&c, 0) > 5);
	LL_CHECK_INT(cells_of_color(&c, 1), 0);
	/* a highlighted path wins even when far */
	ps.highlight = 1;
	ll_canvas_clear(&c);
	ll_view3d_render(&c, &v, &ps, NULL, NULL);
	LL_CHECK(cells_of_color(&c, 1) > 5);
	LL_CHECK_INT(cells_of_color(&c, 0), 0);
	/* NaN points break a path but do not stop it */
	double brk[4 * 3] = {-1, 0, 0, -0.5, 0, 0, NAN, 0, 0, 1, 0, 0};
	ll_view3d_paths_init(&ps, brk, 1, 4);
	ps.markers = 0;
	v.azimuth = 0;
	ll_canvas_clear(&c);
	LL_CHECK_INT(ll_view3d_render(&c, &v, &ps, NULL, NULL), LL_OK);
	int mid_row = (int)lround(0.5 * (4 * c.h - 1));
	LL_CHECK(ll_canvas_get(&c, 0, mid_row) || ll_canvas_get(&c, 1, mid_row));
	LL_CHECK(ll_canvas_get(&c, 10, mid_row));  /* x = -0.5 -> dot 9.75 */
	LL_CHECK(ll_canvas_get(&c, 39, mid_row));  /* x = 1, alone */
	LL_CHECK(!ll_canvas_get(&c, 30, mid_row)); /* the gap between -0.5 and 1 */
	LL_CHECK_INT(count_dots(&c), 12);          /* dots 0..10 and 39 */
	/* errors */
	ll_err e;
	ll_view3d_paths_init(&ps, NULL, 2, 3);
	LL_CHECK_INT(ll_view3d_render(&c, &v, &ps, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "xyz is NULL for 2 x 3");
	LL_CHECK_INT(ll_view3d_render(&c, NULL, &ps, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "NULL canvas");
	ll_view3d_paths_init(&ps, NULL, 0, 0);
	LL_CHECK_INT(ll_view3d_render(&c, &v, &ps, NULL, &e), LL_OK);
	ll_canvas_free(&c);
}

/* ---- heat maps ---- */

#define UPPER "\xe2\x96\x80" /* U+2580 */
#define LOWER "\xe2\x96\x84" /* U+2584 */

/* the run covering cell x of row r */
static const ll_heat_run *heat_run_at(const ll_heat_text *t, int r, int x)
{
	for (size_t k = t->row_run[r]; k < t->row_run[r + 1]; k++)
		if (x >= t->runs[k].x && x < t->runs[k].x + t->runs[k].n)
			return &t->runs[k];
	return NULL;
}

/* the runs of every row tile the row's cells and bytes exactly */
static int heat_runs_consistent(const ll_heat_text *t)
{
	for (int r = 0; r < t->h; r++) {
		int x = 0;
		size_t off = 0;
		for (size_t k = t->row_run[r]; k < t->row_run[r + 1]; k++) {
			if (t->runs[k].x != x || t->runs[k].off != off)
				return 0;
			x += t->runs[k].n;
			off += t->runs[k].len;
		}
		if (x != t->w || off != strlen(ll_heat_text_row(t, r)))
			return 0;
	}
	return 1;
}

static void test_heat_halfblock(void)
{
	/* 4 x 2, levels 0..7 over 0..7: column 0 rises 0 1 2 3, column 1 falls 7 6 5 4 */
	double z[8] = { 0, 7, 1, 6, 2, 5, 3, 4 };
	ll_heat_text t = { 0 };
	ll_heat_info info;
	ll_err e;

	LL_CHECK_INT(ll_heat_render(z, 4, 2, 2, 2, NULL, &t, &info, &e), LL_OK);
	LL_CHECK(t.w == 2 && t.h == 2);
	LL_CHECK_STR(ll_heat_text_row(&t, 0), UPPER UPPER);
	LL_CHECK_STR(ll_heat_text_row(&t, 1), UPPER UPPER);
	LL_CHECK(info.lo == 0 && info.hi == 7 && info.levels == 8 && info.n_finite == 8 && info.n_nan == 0);
	/* (fg, bg) = (upper row's level, lower row's level) */
	const int want[2][2][2] = { { { 0, 1 }, { 7, 6 } }, { { 2, 3 }, { 5, 4 } } };
	for (int r = 0; r < 2; r++)
		for (int x = 0; x < 2; x++) {
			const ll_heat_run *run = heat_run_at(&t, r, x);
			LL_CHECK_MSG(run && run->fg == want[r][x][0] && run->bg == want[r][x][1] && run->sel == 0 &&
					     !run->is_mark,
				     "cell (%d,%d): fg %d bg %d", x, r, run ? run->fg : -9, run ? run->bg : -9);
		}
	LL_CHECK_INT((int)(t.row_run[1] - t.row_run[0]), 2);
	LL_CHECK(heat_runs_consistent(&t));

	/* NaN halves: only the valued half is drawn, on the default background */
	double zn[8] = { NAN, 7, 1, NAN, NAN, NAN, 3, 3 };
	LL_CHECK_INT(ll_heat_render(zn, 4, 2, 2, 2, NULL, &t, &info, &e), LL_OK);
	LL_CHECK_STR(ll_heat_text_row(&t, 0), LOWER UPPER);
	LL_CHECK_STR(ll_heat_text_row(&t, 1), LOWER LOWER);
	LL_CHECK(info.lo == 1 && info.hi == 7 && info.n_nan == 4);
	const ll_heat_run *a = heat_run_at(&t, 0, 0), *b = heat_run_at(&t, 0, 1);
	LL_CHECK(a->fg == 0 && a->bg == -1); /* 1 is the minimum */
	LL_CHECK(b->fg == 7 && b->bg == -1);
	a = heat_run_at(&t, 1, 0);
	LL_CHECK(a->n == 2 && a->fg == 2 && a->bg == -1); /* 3, 3: one run */
	/* all NaN: blanks, no colours */
	double all_nan[2] = { NAN, NAN };
	LL_CHECK_INT(ll_heat_render(all_nan, 2, 1, 1, 1, NULL, &t, &info, &e), LL_OK);
	LL_CHECK_STR(ll_heat_text_row(&t, 0), " ");
	LL_CHECK(t.runs[0].fg == -1 && t.runs[0].bg == -1 && isnan(info.lo));
	/* a constant matrix sits in the middle, not at the bottom */
	double flat[4] = { 2, 2, 2, 2 };
	LL_CHECK_INT(ll_heat_render(flat, 2, 2, 2, 1, NULL, &t, NULL, &e), LL_OK);
	LL_CHECK(t.runs[0].fg == 3 && t.runs[0].bg == 3);
	ll_heat_text_free(&t);
	ll_heat_text_free(&t);
}

static void test_heat_ascii_ramp(void)
{
	/* levels go up the ramp: never down, and distinct while the ramp has room */
	for (int L = 2; L <= LL_HEAT_MAX_LEVELS; L++) {
		int prev = -1, bad = 0;
		for (int k = 0; k < L; k++) {
			const char *pos = strchr(LL_HEAT_RAMP, ll_heat_ramp_char(k, L));
			int idx = pos ? (int)(pos - LL_HEAT_RAMP) : -1;
			bad += idx < 0 || (L <= LL_HEAT_RAMP_LEN ? idx <= prev : idx < prev);
			prev = idx;
		}
		LL_CHECK_MSG(bad == 0, "%d levels", L);
		LL_CHECK(ll_heat_ramp_char(0, L) == '.' && ll_heat_ramp_char(L - 1, L) == '@');
	}
	LL_CHECK(ll_heat_ramp_char(-1, 8) == ' ' && ll_heat_ramp_char(8, 8) == ' ');
	/* levels of values */
	LL_CHECK_INT(ll_heat_level(0, 0, 1, 8), 0);
	LL_CHECK_INT(ll_heat_level(1, 0, 1, 8), 7);
	LL_CHECK_INT(ll_heat_level(0.5, 0, 1, 8), 4);
	LL_CHECK_INT(ll_heat_level(-5, 0, 1, 8), 0);
	LL_CHECK_INT(ll_heat_level(INFINITY, 0, 1, 8), 7);
	LL_CHECK_INT(ll_heat_level(NAN, 0, 1, 8), -1);
	LL_CHECK_INT(ll_heat_level(3, 3, 3, 8), 3);

	/* one row of 0..7 in ASCII: the ramp itself, fg = level; then monochrome reads it */
	double z[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	ll_heat_text t = { 0 };
	ll_err e;
	LL_CHECK_INT(ll_heat_render(z, 1, 8, 8, 1, &(ll_heat_opts){ .mode = LL_HEAT_ASCII }, &t, NULL, &e), LL_OK);
	LL_CHECK_STR(ll_heat_text_row(&t, 0), ".:-=*#%@");
	for (int x = 0; x < 8; x++)
		LL_CHECK(heat_run_at(&t, 0, x)->fg == x && heat_run_at(&t, 0, x)->bg == -1);
	/* fixed range clips: 0..3.5 puts 4..7 at the top */
	LL_CHECK_INT(ll_heat_render(z, 1, 8, 8, 1, &(ll_heat_opts){ .mode = LL_HEAT_ASCII, .lo = 0, .hi = 3.5 }, &t,
				    NULL, &e), LL_OK);
	LL_CHECK_STR(ll_heat_text_row(&t, 0), ".-*%@@@@");
	/* NaN is a blank: not mistaken for the lowest value */
	z[2] = NAN;
	LL_CHECK_INT(ll_heat_render(z, 1, 8, 8, 1, &(ll_heat_opts){ .mode = LL_HEAT_ASCII, .levels = 4 }, &t, NULL,
				    &e), LL_OK);
	LL_CHECK_STR(ll_heat_text_row(&t, 0), ".. =**@@"); /* 4 levels: . = * @ */
	LL_CHECK(heat_run_at(&t, 0, 2)->fg == -1);
	LL_CHECK(heat_runs_consistent(&t));
	ll_heat_text_free(&t);
}

static void test_heat_scale(void)
{
	static double z[30 * 30], spikes[30 * 30];
	ll_heat_text t = { 0 };
	ll_heat_info info;
	ll_err e;

	for (int i = 0; i < 30; i++)
		for (int j = 0; j < 30; j++) {
			z[i * 30 + j] = i * 30 + j;
			spikes[i * 30 + j] = i % 3 == 1 && j % 3 == 1 ? 9 : 0;
		}
	/* 10 x 5 half blocks: 10 x 10 pixels, each a 3 x 3 block */
	LL_CHECK_INT(ll_heat_render(z, 30, 30, 10, 5, &(ll_heat_opts){ .sample = LL_HEAT_MEAN }, &t, &info, &e),
		     LL_OK);
	LL_CHECK(t.w == 10 && t.h == 5 && info.lo == 0 && info.hi == 899);
	int bad = 0;
	for (int y = 0; y < 5; y++)
		for (int x = 0; x < 10; x++) {
			const ll_heat_run *run = heat_run_at(&t, y, x);
			double up = (3 * (2 * y) + 1) * 30 + 3 * x + 1, lo = (3 * (2 * y + 1) + 1) * 30 + 3 * x + 1;
			bad += run->fg != ll_heat_level(up, 0, 899, 8) || run->bg != ll_heat_level(lo, 0, 899, 8);
		}
	LL_CHECK_INT(bad, 0);
	LL_CHECK(heat_runs_consistent(&t));
	/* nearest shows each block's middle (a spike: top level), mean its average (1: bottom) */
	LL_CHECK_INT(ll_heat_render(spikes, 30, 30, 10, 5, NULL, &t, NULL, &e), LL_OK);
	LL_CHECK(t.row_run[1] - t.row_run[0] == 1 && t.runs[0].fg == 7 && t.runs[0].bg == 7 && t.runs[0].n == 10);
	LL_CHECK_INT(ll_heat_render(spikes, 30, 30, 10, 5, &(ll_heat_opts){ .sample = LL_HEAT_MEAN }, &t, NULL, &e),
		     LL_OK);
	LL_CHECK(t.runs[0].fg == 0 && t.runs[0].bg == 0 && t.runs[0].n == 10);
	/* ASCII: 10 x 5 pixels, blocks of 6 rows x 3 columns; rows read top to bottom */
	LL_CHECK_INT(ll_heat_render(z, 30, 30, 10, 5, &(ll_heat_opts){ .mode = LL_HEAT_ASCII, .sample = LL_HEAT_MEAN },
				    &t, NULL, &e), LL_OK);
	bad = 0;
	for (int y = 0; y < 5; y++)
		for (int x = 0; x < 10; x++)
			bad += heat_run_at(&t, y, x)->fg != ll_heat_level((6 * y + 2.5) * 30 + 3 * x + 1, 0, 899, 8);
	LL_CHECK_INT(bad, 0);
	LL_CHECK(ll_heat_text_row(&t, 0)[0] == '.' && ll_heat_text_row(&t, 4)[9] == '@');
	/* magnifying: 3 x 2 onto 6 x 3 cells (6 pixel rows): every matrix cell is 3 x 2 pixels */
	double m[6] = { 0, 1, 2, 3, 4, 5 };
	LL_CHECK_INT(ll_heat_render(m, 3, 2, 6, 3, &(ll_heat_opts){ .levels = 6 }, &t, NULL, &e), LL_OK);
	for (int y = 0; y < 3; y++)
		for (int x = 0; x < 6; x++) {
			const ll_heat_run *run = heat_run_at(&t, y, x);
			int i_up = (2 * y) / 2, i_lo = (2 * y + 1) / 2, j = x / 3;
			LL_CHECK(run->fg == 2 * i_up + j && run->bg == 2 * i_lo + j);
		}
	ll_heat_text_free(&t);
}

static void test_heat_select(void)
{
	double z[16];
	ll_heat_text t = { 0 };
	ll_err e;

	for (int k = 0; k < 16; k++)
		z[k] = k;
	/* 4 x 4 on 8 x 4 half blocks: each matrix cell is 2 columns x one text row */
	ll_heat_opts o = { .select = 1, .sel_i = 2, .sel_j = 1 };
	LL_CHECK_INT(ll_heat_render(z, 4, 4, 8, 4, &o, &t, NULL, &e), LL_OK);
	const char *row = ll_heat_text_row(&t, 2);
	LL_CHECK(row[0] == (char)0xE2 && row[3] == '['); /* x = 1 */
	LL_CHECK(heat_run_at(&t, 2, 1)->is_mark && heat_run_at(&t, 2, 4)->is_mark);
	LL_CHECK(strstr(row, "]") != NULL);
	for (int x = 0; x < 8; x++) {
		const ll_heat_run *run = heat_run_at(&t, 2, x);
		LL_CHECK_MSG(run->sel == (x == 2 || x == 3 ? (LL_HEAT_SEL_UPPER | LL_HEAT_SEL_LOWER) : 0), "x %d", x);
		LL_CHECK(run->is_mark == (x == 1 || x == 4));
	}
	/* other rows: no marks */
	LL_CHECK(!strchr(ll_heat_text_row(&t, 1), '[') && !strchr(ll_heat_text_row(&t, 3), ']'));
	LL_CHECK(heat_runs_consistent(&t));
	/* at the left edge the bracket goes inside the block */
	o.sel_j = 0;
	LL_CHECK_INT(ll_heat_render(z, 4, 4, 8, 4, &o, &t, NULL, &e), LL_OK);
	LL_CHECK(ll_heat_text_row(&t, 2)[0] == '[' && heat_run_at(&t, 2, 2)->is_mark);
	/* sel bits only */
	o.mark = LL_HEAT_MARK_SEL_ONLY;
	LL_CHECK_INT(ll_heat_render(z, 4, 4, 8, 4, &o, &t, NULL, &e), LL_OK);
	LL_CHECK(!strchr(ll_heat_text_row(&t, 2), '[') && heat_run_at(&t, 2, 0)->sel == 3);
	/* one matrix row per half: the selected row is the lower half of text row 0 */
	o = (ll_heat_opts){ .select = 1, .sel_i = 1, .sel_j = 2 };
	LL_CHECK_INT(ll_heat_render(z, 4, 4, 4, 2, &o, &t, NULL, &e), LL_OK);
	LL_CHECK(heat_run_at(&t, 0, 2)->sel == LL_HEAT_SEL_LOWER && heat_run_at(&t, 1, 2)->sel == 0);
	LL_CHECK(heat_run_at(&t, 0, 1)->is_mark && heat_run_at(&t, 0, 3)->is_mark);
	/* ASCII: the whole cell */
	o.mode = LL_HEAT_ASCII;
	LL_CHECK_INT(ll_heat_render(z, 4, 4, 4, 4, &o, &t, NULL, &e), LL_OK);
	LL_CHECK_STR(ll_heat_text_row(&t, 1), "-[=]"); /* row 1 is 4 5 6 7 of 0..15 */
	LL_CHECK(heat_run_at(&t, 1, 2)->sel == 3);
	ll_heat_text_free(&t);
}

static void test_heat_positions(void)
{
	/* fits: (i, j) -> cell -> (i, j) */
	const int fits[][5] = { { 4, 4, 8, 4, LL_HEAT_HALF }, { 3, 5, 7, 4, LL_HEAT_HALF },
				{ 5, 3, 11, 9, LL_HEAT_ASCII }, { 7, 7, 7, 4, LL_HEAT_HALF } };
	for (size_t f = 0; f < sizeof fits / sizeof fits[0]; f++) {
		ll_heat_geom g;
		int bad = 0;
		LL_CHECK_INT(ll_heat_geom_init(&g, (size_t)fits[f][0], (size_t)fits[f][1], fits[f][2], fits[f][3],
					       fits[f][4], NULL), LL_OK);
		for (size_t i = 0; i < g.rows; i++)
			for (size_t j = 0; j < g.cols; j++) {
				int x, y, lower;
				size_t bi, bj;
				LL_CHECK_INT(ll_heat_pos_of(&g, i, j, &x, &y, &lower), LL_OK);
				LL_CHECK_INT(ll_heat_cell_at(&g, x, y, lower, &bi, &bj), LL_OK);
				bad += bi != i || bj != j;
			}
		LL_CHECK_MSG(bad == 0, "fit %zu", f);
		/* hjkl moves one matrix cell and stops at the edges */
		size_t i = 0, j = 0;
		ll_heat_step(&g, &i, &j, 0, 1);
		LL_CHECK(i == 0 && j == 1);
		ll_heat_step(&g, &i, &j, 1, 0);
		LL_CHECK(i == 1 && j == 1);
		ll_heat_step(&g, &i, &j, -5, -5);
		LL_CHECK(i == 0 && j == 0);
		ll_heat_step(&g, &i, &j, 100, 100);
		LL_CHECK(i == g.rows - 1 && j == g.cols - 1);
	}
	/* gathered: cell -> (i, j) -> the same cell */
	const int gath[][5] = { { 30, 30, 10, 5, LL_HEAT_HALF }, { 31, 17, 7, 3, LL_HEAT_HALF },
				{ 30, 30, 10, 5, LL_HEAT_ASCII } };
	for (size_t f = 0; f < sizeof gath / sizeof gath[0]; f++) {
		ll_heat_geom g;
		int bad = 0, halves = gath[f][4] == LL_HEAT_HALF ? 2 : 1;
		LL_CHECK_INT(ll_heat_geom_init(&g, (size_t)gath[f][0], (size_t)gath[f][1], gath[f][2], gath[f][3],
					       gath[f][4], NULL), LL_OK);
		for (int y = 0; y < g.h; y++)
			for (int x = 0; x < g.w; x++)
				for (int lower = 0; lower < halves; lower++) {
					size_t i, j;
					int bx, by, bl;
					ll_heat_cell_at(&g, x, y, lower, &i, &j);
					ll_heat_pos_of(&g, i, j, &bx, &by, &bl);
					bad += bx != x || by != y || bl != lower;
				}
		LL_CHECK_MSG(bad == 0, "gathered %zu", f);
		/* a step moves to the next shown cell */
		size_t i, j, ni, nj;
		ll_heat_cell_at(&g, 0, 0, 0, &i, &j);
		ll_heat_cell_at(&g, 1, 0, 0, &ni, &nj);
		ll_heat_step(&g, &i, &j, 0, 1);
		LL_CHECK(i == ni && j == nj);
	}
	ll_heat_geom g;
	ll_heat_geom_init(&g, 4, 4, 8, 4, LL_HEAT_HALF, NULL);
	LL_CHECK_INT(ll_heat_cell_at(&g, 8, 0, 0, NULL, NULL), LL_EINVAL);
	LL_CHECK_INT(ll_heat_cell_at(&g, 0, -1, 0, NULL, NULL), LL_EINVAL);
	LL_CHECK_INT(ll_heat_pos_of(&g, 4, 0, NULL, NULL, NULL), LL_EINVAL);

	/* fitting: whole pixels per matrix cell, square on screen */
	int w, h;
	ll_heat_fit(6, 6, 60, 20, LL_HEAT_HALF, &w, &h);
	LL_CHECK(w == 36 && h == 18); /* 6 columns x 6 pixel rows each */
	ll_heat_fit(6, 6, 60, 20, LL_HEAT_ASCII, &w, &h);
	LL_CHECK(w == 36 && h == 18); /* 6 columns x 3 rows each */
	ll_heat_fit(5, 5, 60, 20, LL_HEAT_HALF, &w, &h);
	LL_CHECK(w == 40 && h == 20); /* 8 x 8: even pixel rows, no half-filled row */
	ll_heat_fit(100, 100, 60, 20, LL_HEAT_HALF, &w, &h);
	LL_CHECK(w == 60 && h == 20); /* gathered: all the room */
	ll_heat_fit(3, 40, 60, 20, LL_HEAT_ASCII, &w, &h);
	LL_CHECK(w == 40 && h == 3);
}

static void test_heat_errors(void)
{
	double z[4] = { 1, 2, 3, 4 };
	ll_heat_text t = { 0 };
	ll_heat_geom g;
	ll_err e;

	LL_CHECK_INT(ll_heat_render(z, 0, 2, 4, 4, NULL, &t, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "0 x 2 matrix");
	LL_CHECK_INT(ll_heat_render(NULL, 2, 2, 4, 4, NULL, &t, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "z is NULL");
	LL_CHECK_INT(ll_heat_render(z, 2, 2, 0, 4, NULL, &t, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "0 x 4 cells");
	LL_CHECK_INT(ll_heat_render(z, 2, 2, 4, 4, &(ll_heat_opts){ .levels = 17 }, &t, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "17 levels");
	LL_CHECK_INT(ll_heat_render(z, 2, 2, 4, 4, &(ll_heat_opts){ .levels = 1 }, &t, NULL, &e), LL_EINVAL);
	LL_CHECK_INT(ll_heat_render(z, 2, 2, 4, 4, &(ll_heat_opts){ .mode = 7 }, &t, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "mode 7");
	LL_CHECK_INT(ll_heat_render(z, 2, 2, 4, 4, &(ll_heat_opts){ .sample = 3 }, &t, NULL, &e), LL_EINVAL);
	LL_CHECK_INT(ll_heat_render(z, 2, 2, 4, 4, &(ll_heat_opts){ .mark = 3 }, &t, NULL, &e), LL_EINVAL);
	LL_CHECK_INT(ll_heat_render(z, 2, 2, 4, 4, &(ll_heat_opts){ .select = 1, .sel_i = 2 }, &t, NULL, &e),
		     LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "(2, 0) outside");
	LL_CHECK_INT(ll_heat_render(z, 2, 2, 4, 4, NULL, NULL, NULL, &e), LL_EINVAL);
	LL_CHECK(t.h == 0 && ll_heat_text_row(&t, 0) == NULL);
	LL_CHECK_INT(ll_heat_geom_init(&g, 2, 2, 4, 5000, LL_HEAT_HALF, &e), LL_EINVAL);
	LL_CHECK_INT(ll_heat_geom_init(&g, (size_t)-1, 2, 4, 4, LL_HEAT_HALF, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "too large");
	/* a failed render after a good one leaves no rows behind */
	LL_CHECK_INT(ll_heat_render(z, 2, 2, 4, 4, NULL, &t, NULL, &e), LL_OK);
	LL_CHECK_INT(ll_heat_render(z, 2, 2, 4, 4, &(ll_heat_opts){ .levels = 99 }, &t, NULL, &e), LL_EINVAL);
	LL_CHECK(t.h == 0 && ll_heat_text_row(&t, 0) == NULL);
	ll_heat_text_free(&t);
}

/* ---- theme and glyphs ---- */

/* bytes of one UTF-8 sequence, 0 if s is not exactly one code point */
static int one_codepoint(const char *s)
{
	unsigned char c = (unsigned char)s[0];
	int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 0;
	if (n == 0 || (int)strlen(s) != n)
		return 0;
	return n;
}

static void test_theme(void)
{
	LL_CHECK_STR(ll_theme_role_name(LL_ROLE_DEFAULT), "DEFAULT");
	LL_CHECK_STR(ll_theme_role_name(LL_ROLE_SERIES_3), "SERIES_3");
	LL_CHECK_STR(ll_theme_role_name(LL_ROLE_DEPTH_FAR), "DEPTH_FAR");
	LL_CHECK(ll_theme_role_name(LL_ROLE_COUNT) == NULL);
	LL_CHECK_INT(LL_ROLE_SERIES_7 - LL_ROLE_SERIES_0, 7);
	ll_theme t;
	ll_theme_init(&t, 0);
	LL_CHECK_INT(t.colors, 0);
	for (int r = 0; r < LL_ROLE_COUNT; r++)
		LL_CHECK_MSG((t.attr[r] & A_COLOR) == 0, "role %s", ll_theme_role_name(r));
	LL_CHECK(t.attr[LL_ROLE_SELECTED] & A_REVERSE);
	LL_CHECK(t.attr[LL_ROLE_ERROR] & A_BOLD);
	/* an unstable point or eigenvalue stands out without colour too */
	LL_CHECK(t.attr[LL_ROLE_UNSTABLE] != t.attr[LL_ROLE_STABLE]);
	LL_CHECK_STR(ll_theme_role_name(LL_ROLE_UNSTABLE), "UNSTABLE");
	ll_theme_init(&t, 8);
	LL_CHECK_INT(t.colors, 8);
	LL_CHECK((t.attr[LL_ROLE_SERIES_3] & A_COLOR) == (attr_t)COLOR_PAIR(LL_ROLE_SERIES_3 + 1));
	LL_CHECK(t.attr[LL_ROLE_SERIES_3] & A_BOLD); /* the second yellow */
	LL_CHECK(!(t.attr[LL_ROLE_SERIES_0] & A_BOLD));
	short fg, bg;
	LL_CHECK_INT(ll_theme_role_colors(256, LL_ROLE_SERIES_5, &fg, &bg), 1);
	LL_CHECK(fg == 166 && bg == -1);
	LL_CHECK_INT(ll_theme_role_colors(8, LL_ROLE_SERIES_5, &fg, &bg), 1);
	LL_CHECK(fg == COLOR_RED && bg == -1);
	LL_CHECK_INT(ll_theme_role_colors(0, LL_ROLE_SERIES_5, &fg, &bg), 0);
	LL_CHECK_INT(ll_theme_role_colors(8, -1, &fg, &bg), 0);
	ll_theme_init(&t, 17); /* unknown depth: monochrome */
	LL_CHECK_INT(t.colors, 0);
	/* the choice of colour depth */
	LL_CHECK_INT(ll_theme_pick_colors(0, NULL, 1, 256, 256), 256);
	LL_CHECK_INT(ll_theme_pick_colors(0, "", 1, 256, 256), 256); /* empty NO_COLOR: ignored */
	LL_CHECK_INT(ll_theme_pick_colors(0, "1", 1, 256, 256), 0);
	LL_CHECK_INT(ll_theme_pick_colors(1, NULL, 1, 256, 256), 0);
	LL_CHECK_INT(ll_theme_pick_colors(0, NULL, 0, 256, 256), 0);
	LL_CHECK_INT(ll_theme_pick_colors(0, NULL, 1, 8, 64), 8);
	LL_CHECK_INT(ll_theme_pick_colors(0, NULL, 1, 8, 8), 0); /* too few pairs */
	/* canvas runs -> attributes */
	ll_theme_init(&t, 256);
	/* paths take the report's label colours: path 9 its tenth, path 10 the first */
	LL_CHECK_INT(ll_theme_series_role(9), LL_ROLE_LABEL_9);
	LL_CHECK_INT(ll_theme_series_role(10), LL_ROLE_LABEL_0);
	LL_CHECK_INT(ll_theme_series_role(-1), LL_ROLE_DEFAULT);
	attr_t a0 = ll_theme_cell_attr(&t, 9, 0), a1 = ll_theme_cell_attr(&t, 9, 1);
	attr_t a3 = ll_theme_cell_attr(&t, 9, 3);
	LL_CHECK((a0 & A_COLOR) == (attr_t)COLOR_PAIR(LL_ROLE_LABEL_9 + 1));
	LL_CHECK((a0 & A_BOLD) && !(a1 & A_BOLD) && !(a1 & A_DIM) && (a3 & A_DIM));
	LL_CHECK((a3 & A_COLOR) == (a0 & A_COLOR));
	LL_CHECK(ll_theme_cell_attr(&t, -1, -1) == t.attr[LL_ROLE_DEFAULT]);
	LL_CHECK(ll_theme_attr(&t, 999) == t.attr[LL_ROLE_DEFAULT]);
}

/* D10: the LABEL roles are the report's label colours (base/ll_palette.h),
 * each the nearest xterm-256 colour, but for the report's black, which is
 * the terminal's text colour; the nearest-colour search itself on known
 * points (pure red, a grey between two ramp steps). */
static void test_theme_label_palette(void)
{
	LL_CHECK_INT(ll_palette_xterm256(0xFF0000), 196);
	LL_CHECK_INT(ll_palette_xterm256(0x000000), 16);
	LL_CHECK_INT(ll_palette_xterm256(0x0C0C0C), 232);
	LL_CHECK_INT(ll_palette_xterm256(0xFFFFFF), 231);
	LL_CHECK_INT((int)ll_palette_label(0), 0x0072B2);
	LL_CHECK_INT((int)ll_palette_label(LL_PALETTE_N + 1), 0xD55E00);
	for (int j = 0; j < LL_THEME_N_LABEL; j++) {
		short fg = 0, bg = 0;
		LL_CHECK_INT(ll_theme_role_colors(256, LL_ROLE_LABEL_0 + j, &fg, &bg), 1);
		int want = ll_palette_label((size_t)j) == 0x000000 ? -1 : ll_palette_xterm256(ll_palette_label((size_t)j));
		LL_CHECK_MSG(fg == want, "LABEL_%d: fg %d, nearest to %06x is %d", j, fg, (unsigned)ll_palette_label((size_t)j),
			     want);
		LL_CHECK_INT(bg, -1);
		LL_CHECK_INT(ll_theme_role_colors(8, LL_ROLE_LABEL_0 + j, &fg, &bg), 1);
	}
	LL_CHECK_INT(LL_THEME_N_LABEL, LL_PALETTE_N);
}

/* xterm-256 colour n (16..231 cube, 232..255 grey) as sRGB luminance 0..1 */
static double xterm_luma(int n)
{
	static const int lv[6] = { 0, 95, 135, 175, 215, 255 };
	int rgb[3];
	double y = 0;
	const double w[3] = { 0.2126, 0.7152, 0.0722 };
	if (n >= 232) {
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (n - 232);
	} else {
		n -= 16;
		rgb[0] = lv[n / 36], rgb[1] = lv[(n / 6) % 6], rgb[2] = lv[n % 6];
	}
	for (int k = 0; k < 3; k++) {
		double v = rgb[k] / 255.0;
		y += w[k] * (v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4));
	}
	return y;
}

/* WCAG contrast ratio of xterm-256 colour c (16-255) against white. */
static double xterm_contrast_on_white(int c)
{
	static const int level[6] = {0, 95, 135, 175, 215, 255};
	int rgb[3];
	if (c >= 232) {
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
	} else {
		rgb[0] = level[(c - 16) / 36];
		rgb[1] = level[(c - 16) / 6 % 6];
		rgb[2] = level[(c - 16) % 6];
	}
	double lin[3];
	for (int i = 0; i < 3; i++) {
		double v = rgb[i] / 255.0;
		lin[i] = v <= 0.03928 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
	}
	double L = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
	return 1.05 / (L + 0.05);
}

/* The light theme: the roles that fade on white get darker colours, the
 * others keep the dark theme's; COLORFGBG decides auto. */
static void test_theme_light(void)
{
	short fg, bg, dfg, dbg;
	/* the review's culprits (D21): tabs 250, keys 117, (default) 245 */
	LL_CHECK_INT(ll_theme_role_colors_kind(LL_THEME_DARK, 256, LL_ROLE_TAB, &fg, &bg), 1);
	LL_CHECK_INT(fg, 250);
	LL_CHECK_INT(ll_theme_role_colors_kind(LL_THEME_LIGHT_BG, 256, LL_ROLE_TAB, &fg, &bg), 1);
	LL_CHECK(fg == 238 && bg == -1);
	LL_CHECK_INT(ll_theme_role_colors_kind(LL_THEME_LIGHT_BG, 256, LL_ROLE_KEYHINT, &fg, &bg), 1);
	LL_CHECK_INT(fg, 25);
	LL_CHECK_INT(ll_theme_role_colors_kind(LL_THEME_LIGHT_BG, 256, LL_ROLE_STEP_PENDING, &fg, &bg), 1);
	LL_CHECK_INT(fg, 242);
	LL_CHECK_INT(ll_theme_role_colors_kind(LL_THEME_LIGHT_BG, 8, LL_ROLE_KEYHINT, &fg, &bg), 1);
	LL_CHECK_INT(fg, COLOR_BLUE);
	/* every light-theme foreground on the terminal's (white) background
	 * has a WCAG contrast of at least 3:1 (the heat ramp aside: its
	 * cells carry their own background) */
	for (int r = 0; r < LL_ROLE_COUNT; r++) {
		LL_CHECK_INT(ll_theme_role_colors_kind(LL_THEME_LIGHT_BG, 256, r, &fg, &bg), 1);
		if (bg >= 0 || fg < 16 || (r >= LL_ROLE_HEAT_0 && r <= LL_ROLE_HEAT_7))
			continue;
		double c = xterm_contrast_on_white(fg);
		LL_CHECK_MSG(c >= 3.0, "role %s colour %d: contrast %.2f on white", ll_theme_role_name(r), fg, c);
	}
	/* and the dark theme fails that where the review saw it (tabs 250) */
	ll_theme_role_colors_kind(LL_THEME_DARK, 256, LL_ROLE_TAB, &dfg, &dbg);
	LL_CHECK(xterm_contrast_on_white(dfg) < 3.0);
	/* roles not listed keep their dark colours */
	ll_theme_role_colors_kind(LL_THEME_LIGHT_BG, 256, LL_ROLE_ERROR, &fg, &bg);
	LL_CHECK(fg == 231 && bg == 160);
	LL_CHECK_INT(ll_theme_role_colors_kind(LL_THEME_LIGHT_BG, 0, LL_ROLE_TAB, &fg, &bg), 0);
	/* the choice */
	LL_CHECK_INT(ll_theme_kind_pick("dark", "0;15"), LL_THEME_DARK);
	LL_CHECK_INT(ll_theme_kind_pick("light", NULL), LL_THEME_LIGHT_BG);
	LL_CHECK_INT(ll_theme_kind_pick(NULL, NULL), LL_THEME_DARK);
	LL_CHECK_INT(ll_theme_kind_pick("purple", NULL), -1);
	LL_CHECK_INT(ll_theme_kind_pick("auto", NULL), LL_THEME_DARK);
	LL_CHECK_INT(ll_theme_kind_pick("auto", "0;15"), LL_THEME_LIGHT_BG);
	LL_CHECK_INT(ll_theme_kind_pick("auto", "0;7"), LL_THEME_LIGHT_BG);
	LL_CHECK_INT(ll_theme_kind_pick("auto", "15;0"), LL_THEME_DARK);
	LL_CHECK_INT(ll_theme_kind_pick("auto", "15;default;0"), LL_THEME_DARK);
	LL_CHECK_INT(ll_theme_kind_pick("auto", "0;default;15"), LL_THEME_LIGHT_BG);
	LL_CHECK_INT(ll_theme_kind_pick("auto", "7;8"), LL_THEME_DARK);
	LL_CHECK_INT(ll_theme_kind_pick("auto", "0;x"), LL_THEME_DARK);
	LL_CHECK_INT(ll_theme_kind_pick("auto", "0;"), LL_THEME_DARK);
}

static void test_theme_heat(void)
{
	ll_theme t;
	short fg, bg;
	char name[16];

	LL_CHECK_INT(LL_ROLE_HEAT_7 - LL_ROLE_HEAT_0, LL_THEME_N_HEAT - 1);
	for (int k = 0; k < LL_THEME_N_HEAT; k++) {
		snprintf(name, sizeof name, "HEAT_%d", k);
		LL_CHECK_STR(ll_theme_role_name(LL_ROLE_HEAT_0 + k), name);
	}
	/* 256 colours: viridis-like steps, every one lighter than the last */
	double prev = -1;
	for (int k = 0; k < LL_THEME_N_HEAT; k++) {
		LL_CHECK_INT(ll_theme_role_colors(256, LL_ROLE_HEAT_0 + k, &fg, &bg), 1);
		LL_CHECK(fg >= 16 && fg <= 255 && bg == -1);
		LL_CHECK_MSG(xterm_luma(fg) > prev, "HEAT_%d = %d", k, fg);
		prev = xterm_luma(fg);
	}
	LL_CHECK(ll_theme_role_colors(256, LL_ROLE_HEAT_7, &fg, &bg) && fg == 226);
	/* 8 colours: base colours (bold for the brighter steps), all distinct as (colour, bold) */
	ll_theme_init(&t, 8);
	for (int k = 0; k < LL_THEME_N_HEAT; k++) {
		LL_CHECK_INT(ll_theme_role_colors(8, LL_ROLE_HEAT_0 + k, &fg, &bg), 1);
		LL_CHECK(fg >= 0 && fg < 8 && bg == -1);
		LL_CHECK((t.attr[LL_ROLE_HEAT_0 + k] & A_COLOR) == (attr_t)COLOR_PAIR(LL_ROLE_HEAT_0 + k + 1));
		for (int m = 0; m < k; m++) {
			short fm, bm;
			ll_theme_role_colors(8, LL_ROLE_HEAT_0 + m, &fm, &bm);
			LL_CHECK_MSG(fm != fg || ((t.attr[LL_ROLE_HEAT_0 + m] ^ t.attr[LL_ROLE_HEAT_0 + k]) & A_BOLD),
				     "HEAT_%d and HEAT_%d look the same", m, k);
		}
	}
	/* monochrome: no colour; dim at the bottom, bold at the top (the ASCII ramp carries the value) */
	ll_theme_init(&t, 0);
	for (int k = 0; k < LL_THEME_N_HEAT; k++)
		LL_CHECK((t.attr[LL_ROLE_HEAT_0 + k] & A_COLOR) == 0);
	LL_CHECK((t.attr[LL_ROLE_HEAT_0] & A_DIM) && (t.attr[LL_ROLE_HEAT_7] & A_BOLD));
	LL_CHECK_INT(ll_theme_heat_halfblock(&t, 1), 0);
	/* level -> role */
	LL_CHECK_INT(ll_theme_heat_role(0, 8), LL_ROLE_HEAT_0);
	LL_CHECK_INT(ll_theme_heat_role(7, 8), LL_ROLE_HEAT_7);
	LL_CHECK_INT(ll_theme_heat_role(15, 16), LL_ROLE_HEAT_7);
	LL_CHECK_INT(ll_theme_heat_role(8, 16), LL_ROLE_HEAT_4);
	LL_CHECK_INT(ll_theme_heat_role(1, 2), LL_ROLE_HEAT_4);
	LL_CHECK_INT(ll_theme_heat_role(-1, 8), LL_ROLE_DEFAULT);
	LL_CHECK_INT(ll_theme_heat_role(8, 8), LL_ROLE_DEFAULT);
	/* runs -> attributes: a half block needs the pair (fg, bg) */
	ll_theme_init(&t, 256);
	LL_CHECK_INT(t.heat_pairs, 0);
	LL_CHECK(ll_theme_heat_attr(&t, 3, 5, 8) == t.attr[LL_ROLE_HEAT_3]); /* no pairs: fg only */
	LL_CHECK_INT(ll_theme_heat_halfblock(&t, 1), 0);
	t.heat_pairs = 1;
	LL_CHECK((ll_theme_heat_attr(&t, 3, 5, 8) & A_COLOR) == (attr_t)COLOR_PAIR(LL_THEME_HEAT_PAIR0 + 8 * 3 + 5));
	LL_CHECK(ll_theme_heat_attr(&t, 3, -1, 8) == t.attr[LL_ROLE_HEAT_3]);
	LL_CHECK(ll_theme_heat_attr(&t, -1, -1, 8) == t.attr[LL_ROLE_DEFAULT]);
	LL_CHECK_INT(ll_theme_heat_halfblock(&t, 1), 1);
	LL_CHECK_INT(ll_theme_heat_halfblock(&t, 0), 0);
	/* the highest pair number still fits COLOR_PAIR's field */
	LL_CHECK(PAIR_NUMBER(COLOR_PAIR(LL_THEME_HEAT_PAIR0 + 63)) == LL_THEME_HEAT_PAIR0 + 63);
}

/* ll_theme_start against a real (if invisible) curses screen */
static void test_theme_start(void)
{
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *scr = out && in ? newterm("xterm-256color", out, in) : NULL;
	if (!scr) {
		printf("# skipped: newterm(xterm-256color) failed\n");
		if (out)
			fclose(out);
		if (in)
			fclose(in);
		return;
	}
	const char *saved = getenv("NO_COLOR");
	char *keep = saved ? strdup(saved) : NULL;
	unsetenv("NO_COLOR");
	ll_theme t;
	LL_CHECK_INT(ll_theme_start(&t, 0), 256);
	short fg = 0, bg = 0;
	pair_content((short)(LL_ROLE_SERIES_0 + 1), &fg, &bg);
	LL_CHECK_INT(fg, 178);
	LL_CHECK_INT(bg, -1);
	pair_content((short)(LL_ROLE_ERROR + 1), &fg, &bg);
	LL_CHECK(fg == 231 && bg == 160);
	if (COLOR_PAIRS >= LL_THEME_HEAT_PAIR0 + 64) {
		LL_CHECK_INT(t.heat_pairs, 1);
		pair_content((short)(LL_THEME_HEAT_PAIR0 + 8 * 7 + 0), &fg, &bg);
		LL_CHECK(fg == 226 && bg == 53);
	} else {
		printf("# %d colour pairs: no heat pairs\n", COLOR_PAIRS);
		LL_CHECK_INT(t.heat_pairs, 0);
	}
	/* the light theme changes the pairs in place; NO_COLOR still wins */
	LL_CHECK_INT(ll_theme_start_kind(&t, 0, LL_THEME_LIGHT_BG), 256);
	LL_CHECK_INT(t.kind, LL_THEME_LIGHT_BG);
	pair_content((short)(LL_ROLE_TAB + 1), &fg, &bg);
	LL_CHECK(fg == 238 && bg == -1);
	pair_content((short)(LL_ROLE_ERROR + 1), &fg, &bg); /* not in the light list: as dark */
	LL_CHECK(fg == 231 && bg == 160);
	LL_CHECK_INT(ll_theme_start(&t, 1), 0);
	LL_CHECK((t.attr[LL_ROLE_SERIES_0] & A_COLOR) == 0);
	setenv("NO_COLOR", "1", 1);
	LL_CHECK_INT(ll_theme_start_kind(&t, 0, LL_THEME_LIGHT_BG), 0);
	LL_CHECK_INT(ll_theme_start(&t, 0), 0);
	setenv("NO_COLOR", "", 1);
	LL_CHECK_INT(ll_theme_start(&t, 0), 256);
	if (keep)
		setenv("NO_COLOR", keep, 1);
	else
		unsetenv("NO_COLOR");
	free(keep);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
}

static void test_glyphs(void)
{
	const ll_glyphs *u = ll_glyphs_get(1), *a = ll_glyphs_get(0);
	LL_CHECK_INT(u->utf8, 1);
	LL_CHECK_INT(a->utf8, 0);
	LL_CHECK_INT(u->canvas_mode, LL_CANVAS_UTF8);
	LL_CHECK_INT(a->canvas_mode, LL_CANVAS_ASCII);
	LL_CHECK_STR(u->hline, "─");
	LL_CHECK_STR(u->vline, "│");
	LL_CHECK_STR(u->tl, "┌");
	LL_CHECK_STR(u->arrow, "▶");
	LL_CHECK_STR(u->bullet, "●");
	LL_CHECK_STR(a->hline, "-");
	LL_CHECK_STR(a->arrow, ">");
	/* fixed points: stable, saddle, repeller, slow; four different glyphs */
	LL_CHECK_STR(u->fp[0], "●");
	LL_CHECK_STR(a->fp[1], "x");
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			LL_CHECK(strcmp(u->fp[i], u->fp[j]) != 0 && strcmp(a->fp[i], a->fp[j]) != 0);
	/* drawn over an ASCII canvas, none may look like one of its line characters */
	for (unsigned bits = 0; bits < 256; bits++)
		for (int i = 0; i < 4; i++)
			LL_CHECK_MSG(ll_canvas_ascii_shape(bits) != a->fp[i][0], "fp glyph %d, bits %u", i, bits);
	const char *us[] = {u->hline, u->vline, u->tl, u->tr, u->bl, u->br, u->ltee, u->rtee,
			    u->arrow, u->bullet, u->ellipsis, u->step[0], u->step[1], u->step[2],
			    u->step[3], u->fp[0], u->fp[1], u->fp[2], u->fp[3]};
	const char *as[] = {a->hline, a->vline, a->tl, a->tr, a->bl, a->br, a->ltee, a->rtee,
			    a->arrow, a->bullet, a->ellipsis, a->step[0], a->step[1], a->step[2],
			    a->step[3], a->fp[0], a->fp[1], a->fp[2], a->fp[3]};
	for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
		LL_CHECK_MSG(one_codepoint(us[i]) > 0, "utf8 glyph %zu", i);
		LL_CHECK_MSG(strlen(as[i]) == 1 && (unsigned char)as[i][0] < 128, "ascii glyph %zu", i);
	}
	/* the glyph tables agree with the sparkline levels */
	double v[8];
	for (int i = 0; i < 8; i++)
		v[i] = i;
	char buf[32];
	ll_spark_opts o;
	ll_spark_opts_init(&o);
	for (int i = 0; i < 8; i++) {
		ll_spark(v + i, 1, 1, &(ll_spark_opts){.lo = 0, .hi = 8}, buf, sizeof buf, NULL, NULL, NULL);
		LL_CHECK_STR(buf, u->spark[i]);
	}
	o.ascii = 1;
	o.lo = 0;
	o.hi = 8;
	for (int i = 0; i < 8; i++) {
		ll_spark(v + i, 1, 1, &o, buf, sizeof buf, NULL, NULL, NULL);
		LL_CHECK_STR(buf, a->spark[i]);
	}
	/* codeset detection */
	LL_CHECK_INT(ll_codeset_is_utf8("UTF-8"), 1);
	LL_CHECK_INT(ll_codeset_is_utf8("utf8"), 1);
	LL_CHECK_INT(ll_codeset_is_utf8("ANSI_X3.4-1968"), 0);
	LL_CHECK_INT(ll_codeset_is_utf8(NULL), 0);
	const char *saved = getenv("LC_ALL");
	char *keep = saved ? strdup(saved) : NULL;
	setenv("LC_ALL", "C", 1);
	LL_CHECK_INT(ll_locale_is_utf8(), 0);
	setenv("LC_ALL", "C.UTF-8", 1);
	if (setlocale(LC_ALL, "C.UTF-8"))
		LL_CHECK_INT(ll_locale_is_utf8(), 1);
	else
		printf("# C.UTF-8 locale not installed: UTF-8 detection not checked\n");
	if (keep)
		setenv("LC_ALL", keep, 1);
	else
		unsetenv("LC_ALL");
	free(keep);
	setlocale(LC_ALL, "C");
}

int main(void)
{
	LL_RUN(test_braille_bits);
	LL_RUN(test_theme_light);
	LL_RUN(test_canvas_errors);
	LL_RUN(test_line_bresenham);
	LL_RUN(test_render_exact);
	LL_RUN(test_ascii_shapes);
	LL_RUN(test_depth_nearest);
	LL_RUN(test_spark_levels);
	LL_RUN(test_spark_resample);
	LL_RUN(test_spark_constant_nan);
	LL_RUN(test_spark_errors);
	LL_RUN(test_spark_plot);
	LL_RUN(test_spark_bars);
	LL_RUN(test_rotation);
	LL_RUN(test_projection);
	LL_RUN(test_view_keys);
	LL_RUN(test_render_rotation);
	LL_RUN(test_hidden_paths);
	LL_RUN(test_depth_paths);
	LL_RUN(test_heat_halfblock);
	LL_RUN(test_heat_ascii_ramp);
	LL_RUN(test_heat_scale);
	LL_RUN(test_heat_select);
	LL_RUN(test_heat_positions);
	LL_RUN(test_heat_errors);
	LL_RUN(test_theme);
	LL_RUN(test_theme_heat);
	LL_RUN(test_theme_label_palette);
	LL_RUN(test_theme_start);
	LL_RUN(test_glyphs);
	return ll_test_done();
}
