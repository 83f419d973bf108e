/*
 * ll_raster.h - a small RGB canvas with anti-aliased drawing, for plots.
 *
 * Coordinates are continuous pixels: pixel (i, j) covers [i, i+1) x [j, j+1),
 * so its centre is (i + 0.5, j + 0.5); y grows downwards.  Colours are
 * 0xAARRGGBB, alpha 0xFF is opaque (LL_RGB() builds one).  Everything is
 * composited in integer arithmetic over an opaque 8-bit RGB buffer, so the
 * same calls give the same bytes.
 *
 * Anti-aliasing is analytic: lines are capsules (round caps and joins) whose
 * pixel coverage is clamp(w/2 + 0.5 - distance to the centre line), filled
 * rectangles use the exact pixel overlap, markers the signed distance to
 * their outline.  A polyline is first accumulated into a coverage mask
 * (maximum over its segments) and composited once, so joins do not darken.
 *
 * Drawing is limited to the clip rectangle; nothing here allocates after
 * ll_raster_init, so drawing calls cannot fail.
 */
#ifndef LL_RASTER_H
#define LL_RASTER_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"

#define LL_RGB(r, g, b) (0xFF000000u | ((uint32_t)(r) << 16) | ((uint32_t)(g) << 8) | (uint32_t)(b))
/* the same colour with alpha a (0..255) */
#define LL_RGBA_SET_ALPHA(c, a) (((c) & 0x00FFFFFFu) | ((uint32_t)(a) << 24))

#define LL_RASTER_MAX_DIM 16384 /* largest width or height accepted */

typedef struct ll_raster {
	int w, h;
	uint8_t *rgb; /* w*h*3 bytes, rows top to bottom (owned) */
	uint8_t *cov; /* w*h polyline coverage scratch, all zero between calls (owned) */
	int cx0, cy0, cx1, cy1; /* clip: drawing touches [cx0,cx1) x [cy0,cy1) only (pixels) */
	int scale; /* drawing units: every coordinate, width and size given to the
		    * drawing calls is this many pixels (1 after init) */
} ll_raster;

enum ll_raster_shape {
	LL_SHAPE_CIRCLE = 1,
	LL_SHAPE_SQUARE,
	LL_SHAPE_TRIANGLE,      /* points up, or along angle (see ll_raster_marker) */
	LL_SHAPE_DIAMOND,
	LL_SHAPE_TRIANGLE_DOWN
};

enum ll_raster_text_flags {
	LL_TEXT_BOLD = 1, /* strokes one pixel wider, advance 7 */
	LL_TEXT_UP = 2    /* rotated 90 degrees counter-clockwise: reads bottom to top */
};

/* A w x h canvas filled with bg (its alpha is ignored).  LL_EINVAL unless
 * 1 <= w, h <= LL_RASTER_MAX_DIM; LL_ENOMEM.  Free with ll_raster_free. */
int ll_raster_init(ll_raster *r, int w, int h, uint32_t bg, ll_err *err);
void ll_raster_free(ll_raster *r);
/* Draw in units of s pixels from now on (s >= 1): coordinates, clip boxes,
 * line widths, dashes, marker sizes and text scale are multiplied by s,
 * so a drawing made for a w x h canvas fills a (w*s) x (h*s) one with the
 * same look at s times the resolution.  ll_raster_get stays in pixels. */
void ll_raster_set_scale(ll_raster *r, int s);

/* Clip to [x0,x1) x [y0,y1) intersected with the canvas; _noclip resets. */
void ll_raster_clip(ll_raster *r, int x0, int y0, int x1, int y1);
void ll_raster_noclip(ll_raster *r);

/* 0xFFRRGGBB of pixel (x, y), 0 outside the canvas. */
uint32_t ll_raster_get(const ll_raster *r, int x, int y);

/* Fill [x0,x1) x [y0,y1) (any order), edges anti-aliased by area. */
void ll_raster_fill_rect(ll_raster *r, double x0, double y0, double x1, double y1, uint32_t c);

/* A line of the given width (px; below 1 it is drawn 1 px wide at reduced
 * alpha) with round caps.  dash > 0 draws dashes dash px long with dash px
 * gaps (measured on the visible ink), restarting after each break. */
void ll_raster_line(ll_raster *r, double x0, double y0, double x1, double y1,
		    double width, double dash, uint32_t c);
/* Connect n points; a non-finite coordinate breaks the line there. */
void ll_raster_polyline(ll_raster *r, const double *x, const double *y, size_t n,
			double width, double dash, uint32_t c);

/* A filled marker centred at (cx, cy), size px across.  edge (0 = none) is
 * an outline edge_width px wide drawn inside the size.  For triangles,
 * angle (radians, clockwise on screen) turns the tip away from "up". */
void ll_raster_marker(ll_raster *r, int shape, double cx, double cy, double size,
		      double angle, uint32_t fill, uint32_t edge, double edge_width);

/* Draw s with its ink box's top-left corner at (x, y).  The box is
 * ll_font_text_width(s, scale, bold) x 13*scale, or that turned on its side
 * with LL_TEXT_UP.  flags: enum ll_raster_text_flags. */
void ll_raster_text(ll_raster *r, int x, int y, const char *s, uint32_t c, int scale, int flags);

#endif
