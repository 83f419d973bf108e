/*
 * bench_tui - one rotation redraw of the 3-D trajectory view: 30 paths x
 * 200 points into a 200 x 60-cell braille canvas (400 x 240 dots), the
 * azimuth advancing 1 degree a frame, so every frame is new.  A frame is
 *
 *   clear      ll_canvas_clear (the floor: touching every cell once)
 *   project    bounds + ll_proj_point of all 6000 points (no drawing)
 *   raster     clear + ll_view3d_render (bounds, project, lines, depth, marks)
 *   frame      raster + ll_canvas_render to UTF-8 rows with colour runs
 *   frame/ascii  the same in the ASCII fallback
 *
 * Each is the mean over many frames, best of 5 runs taken round-robin
 * (the least disturbed by other jobs), and is reported in microseconds, as a fraction of a
 * 60 Hz frame budget (16.7 ms), and against the clear and project
 * baselines of the same run.  What it leaves out: curses itself (the
 * workbench's waddnstr of the runs and the terminal's own drawing).
 *
 * Usage: bench_tui [-q] (-q: fewer frames, for a quick check).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/ll_canvas.h"
#include "base/ll_common.h"
#include "base/ll_rng.h"
#include "draw/ll_view3d.h"

#define NPATHS 30
#define NPOINTS 200
#define CW 200
#define CH 60
#define BUDGET_US (1e6 / 60.0)
#define REPS 5

enum { K_CLEAR, K_PROJECT, K_RASTER, K_FRAME, K_FRAME_ASCII };

static double sink;

/* smooth random paths: a shared rotation plus a per-path drift and
 * wobble, like trajectories of models that learn alike */
static void make_paths(double *xyz)
{
	ll_rng g;
	ll_rng_init(&g, 11);
	for (size_t k = 0; k < NPATHS; k++) {
		double ph = 6.28 * ll_rng_uniform(&g), a = 0.5 + ll_rng_uniform(&g);
		double d[3] = {ll_rng_normal(&g), ll_rng_normal(&g), ll_rng_normal(&g)};
		for (size_t t = 0; t < NPOINTS; t++) {
			double s = (double)t / (NPOINTS - 1);
			double *p = xyz + (k * NPOINTS + t) * 3;
			p[0] = a * cos(5.0 * s + ph) + 0.5 * d[0] * s;
			p[1] = a * sin(5.0 * s + ph) + 0.5 * d[1] * s;
			p[2] = 2.0 * s - 1.0 + 0.2 * d[2] * sin(9.0 * s);
		}
	}
}

static int one_frame(int kind, ll_canvas *c, ll_canvas_text *t, ll_view3d *v,
		     const ll_view3d_paths *ps, ll_err *e)
{
	v->azimuth += 1.0;
	ll_view3d_normalize(v);
	if (kind == K_PROJECT) {
		double centre[3], radius, x, y, z, s = 0.0;
		ll_proj p;
		ll_proj_bounds(ps->xyz, NPATHS * NPOINTS, centre, &radius);
		ll_proj_set(&p, v, centre, radius, 2 * c->w, 4 * c->h);
		for (size_t i = 0; i < NPATHS * NPOINTS; i++) {
			ll_proj_point(&p, ps->xyz + 3 * i, &x, &y, &z);
			s += x + y + z;
		}
		sink += s;
		return LL_OK;
	}
	ll_canvas_clear(c);
	if (kind == K_CLEAR) {
		sink += c->dots[0];
		return LL_OK;
	}
	int rc = ll_view3d_render(c, v, ps, NULL, e);
	if (rc != LL_OK || kind == K_RASTER) {
		sink += c->dots[c->w * c->h / 2];
		return rc;
	}
	c->mode = kind == K_FRAME_ASCII ? LL_CANVAS_ASCII : LL_CANVAS_UTF8;
	rc = ll_canvas_render(c, t, e);
	sink += (double)t->row_run[t->h];
	return rc;
}

/* mean microseconds per frame over one run of `frames` */
static double time_kind(int kind, int frames, ll_canvas *c, ll_canvas_text *t,
			const ll_view3d_paths *ps)
{
	ll_err e;
	ll_view3d v;
	ll_view3d_reset(&v);
	double t0 = ll_now();
	for (int f = 0; f < frames; f++)
		if (one_frame(kind, c, t, &v, ps, &e) != LL_OK) {
			fprintf(stderr, "bench_tui: %s\n", e.msg);
			exit(1);
		}
	return (ll_now() - t0) * 1e6 / frames;
}

int main(int argc, char **argv)
{
	int frames = argc > 1 && strcmp(argv[1], "-q") == 0 ? 60 : 360;
	double *xyz = malloc(NPATHS * NPOINTS * 3 * sizeof *xyz);
	if (!xyz) {
		fprintf(stderr, "bench_tui: out of memory\n");
		return 1;
	}
	make_paths(xyz);
	ll_canvas c;
	ll_canvas_text t = {0};
	ll_err e;
	if (ll_canvas_init(&c, CW, CH, LL_CANVAS_UTF8, &e) != LL_OK) {
		fprintf(stderr, "bench_tui: %s\n", e.msg);
		return 1;
	}
	ll_view3d_paths ps;
	ll_view3d_paths_init(&ps, xyz, NPATHS, NPOINTS);
	ps.axes = 1;

	static const char *name[] = {"clear", "project", "raster", "frame", "frame/ascii"};
	/* round-robin over the kinds, best of REPS: a burst of load from
	 * another job then spoils one run of each, not one kind */
	double us[5] = {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY};
	for (int rep = 0; rep < REPS; rep++)
		for (int k = 0; k < 5; k++) {
			double u = time_kind(k, frames, &c, &t, &ps);
			if (u < us[k])
				us[k] = u;
		}

	/* what one frame contains, for the record */
	ll_view3d v;
	ll_view3d_reset(&v);
	ll_canvas_clear(&c);
	c.mode = LL_CANVAS_UTF8;
	ll_view3d_render(&c, &v, &ps, NULL, NULL);
	ll_canvas_render(&c, &t, NULL);
	size_t bytes = 0, cells = 0;
	for (int r = 0; r < t.h; r++)
		bytes += strlen(ll_canvas_text_row(&t, r));
	for (int i = 0; i < c.w * c.h; i++)
		cells += c.dots[i] != 0;

	printf("bench_tui: %d paths x %d points -> %d x %d cells (%d x %d dots), %d frames x best of %d\n",
	       NPATHS, NPOINTS, CW, CH, 2 * CW, 4 * CH, frames, REPS);
	printf("frame at reset view: %zu non-empty cells, %zu colour runs, %zu bytes of UTF-8\n", cells,
	       t.row_run[t.h], bytes);
	printf("%-12s %10s %10s %10s %10s\n", "step", "us/frame", "of 60Hz", "x clear", "x project");
	for (int k = 0; k < 5; k++)
		printf("%-12s %10.1f %9.2f%% %10.1f %10.1f\n", name[k], us[k], 100.0 * us[k] / BUDGET_US,
		       us[k] / us[K_CLEAR], us[k] / us[K_PROJECT]);
	printf("text rendering alone (frame - raster): %.1f us\n", us[K_FRAME] - us[K_RASTER]);
	if (sink == 1.2345)
		printf("#\n");
	ll_canvas_text_free(&t);
	ll_canvas_free(&c);
	free(xyz);
	return 0;
}
