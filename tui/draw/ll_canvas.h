/*
 * ll_canvas.h - a braille dot canvas that renders into text buffers (never to
 * the terminal), so it can be tested without curses.
 *
 * A canvas of w x h cells holds 2w x 4h dots; dot (x, y) has x to the
 * right and y DOWN, both from 0.  A cell shows U+2800 plus the bits of its
 * dots (the Unicode braille numbering):
 *
 *     dot (0,0) 0x01   (1,0) 0x08
 *     dot (0,1) 0x02   (1,1) 0x10
 *     dot (0,2) 0x04   (1,2) 0x20
 *     dot (0,3) 0x40   (1,3) 0x80
 *
 * Each cell also carries one colour index (0..LL_CANVAS_MAX_COLOR, what it
 * means is up to the caller, e.g. the path number) and a depth level 0..3
 * (0 nearest .. 3 farthest; the UI maps it to bold / normal / normal / dim).
 * Two ways to colour a cell:
 *   - the plain calls (_dot, _line, _mark): the last writer wins and the
 *     level is LL_CANVAS_LEVEL_FLAT;
 *   - the _z calls: a per-cell depth buffer keeps the NEAREST writer's
 *     colour (smaller z = nearer; z in [0, 1] maps to levels 0..3, below 0
 *     is level 0, above 1 level 3).  The dot itself is always set: braille
 *     cannot hide a dot, only choose the cell's colour.
 * Marks are one ASCII character per cell drawn over the braille (used for
 * path start/end markers and axis labels); they have their own colour and
 * depth test.
 *
 * Rendering gives one string per row plus colour runs:
 *   LL_CANVAS_UTF8     braille; an empty cell is a plain space, not U+2800
 *   LL_CANVAS_ASCII    one ASCII character per cell chosen by the shape of
 *                      its dots: '|' '-' '_' '/' '\\' '.' '\'' ':' '#'
 *   LL_CANVAS_DENSITY  one ASCII character per cell by dot count,
 *                      " .:-=+*#%@" (0..7 dots -> index, 8 dots -> '@')
 * Dots outside the canvas are ignored; lines are clipped to it first.
 */
#ifndef LL_CANVAS_H
#define LL_CANVAS_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"

#define LL_CANVAS_MAX_COLOR 254   /* colour indices 0..254 */
#define LL_CANVAS_LEVEL_FLAT 1    /* level of cells written without depth */
#define LL_CANVAS_MAX_CELLS 4096  /* per side */

enum ll_canvas_mode {
	LL_CANVAS_UTF8 = 0,
	LL_CANVAS_ASCII = 1,
	LL_CANVAS_DENSITY = 2
};

typedef struct ll_canvas {
	int w, h;          /* cells */
	int mode;          /* enum ll_canvas_mode, may be changed at any time */
	uint8_t *dots;     /* w*h braille bit masks (owned) */
	uint8_t *color;    /* w*h colour of the cell's dots (owned) */
	uint8_t *level;    /* w*h depth level 0..3 (owned) */
	float *z;          /* w*h nearest depth of the dots, +inf if none (owned) */
	char *mark;        /* w*h overlay character, 0 if none (owned) */
	uint8_t *mark_color;
	uint8_t *mark_level;
	float *mark_z;
} ll_canvas;

/* One run of cells of equal colour and level within a row. */
typedef struct ll_canvas_run {
	int x, n;        /* first cell and number of cells */
	size_t off, len; /* its bytes within the row string */
	int color;       /* colour index, or -1 for blank cells */
	int level;       /* 0..3, or -1 for blank cells */
	int is_mark;     /* 1 for an overlay character */
} ll_canvas_run;

/* Rendered rows.  Reused across frames: ll_canvas_render grows the
 * buffers as needed.  Zero it before first use, release with _free. */
typedef struct ll_canvas_text {
	int w, h;
	char *buf;            /* h NUL-terminated rows (owned) */
	size_t *row_off;      /* h: start of row r in buf (owned) */
	ll_canvas_run *runs;  /* all runs, row by row (owned) */
	size_t *row_run;      /* h + 1: runs of row r are [row_run[r], row_run[r+1]) */
	size_t cap_buf, cap_runs;
	int cap_h;
} ll_canvas_text;

/* w x h cells, each 1..LL_CANVAS_MAX_CELLS; c is initialised here and
 * cleared (free it with ll_canvas_free, also after an error). */
int ll_canvas_init(ll_canvas *c, int w, int h, int mode, ll_err *err);
void ll_canvas_free(ll_canvas *c);
/* Forget all dots, colours and marks. */
void ll_canvas_clear(ll_canvas *c);

int ll_canvas_dot_w(const ll_canvas *c); /* 2w */
int ll_canvas_dot_h(const ll_canvas *c); /* 4h */

/* The braille bit of dot (dx, dy) inside its cell, dx 0..1, dy 0..3. */
unsigned ll_canvas_bit(int dx, int dy);

void ll_canvas_dot(ll_canvas *c, int x, int y, int color);
void ll_canvas_dot_z(ll_canvas *c, int x, int y, int color, double z);
void ll_canvas_unset(ll_canvas *c, int x, int y);
int ll_canvas_get(const ll_canvas *c, int x, int y); /* 1 if set, 0 if not or outside */

/* Bresenham line including both ends.  The _z form interpolates z along
 * the line.  Lines are clipped to the canvas first, so huge coordinates
 * cost no more than the visible part. */
void ll_canvas_line(ll_canvas *c, int x0, int y0, int x1, int y1, int color);
void ll_canvas_line_z(ll_canvas *c, int x0, int y0, double z0, int x1, int y1, double z1, int color);
/* Plain line with dot coordinates in double (rounded after clipping; a
 * non-finite end, or one beyond 1e15, draws nothing). */
void ll_canvas_line_d(ll_canvas *c, double x0, double y0, double x1, double y1, int color);
/* The same with depth: for projected data. */
void ll_canvas_line_zd(ll_canvas *c, double x0, double y0, double z0, double x1, double y1,
		       double z1, int color);

/* An overlay character (printable ASCII) on cell (cx, cy). */
void ll_canvas_mark(ll_canvas *c, int cx, int cy, char ch, int color);
void ll_canvas_mark_z(ll_canvas *c, int cx, int cy, char ch, int color, double z);

/* The cell's code point as rendered in UTF-8 mode (' ' if empty, the mark
 * if any), and its character in the two ASCII modes. */
uint32_t ll_canvas_cell_utf8(const ll_canvas *c, int cx, int cy);
char ll_canvas_cell_ascii(const ll_canvas *c, int cx, int cy, int mode);
/* The ASCII-mode character for a braille bit mask. */
char ll_canvas_ascii_shape(unsigned bits);
char ll_canvas_ascii_density(unsigned bits);

/* Render every row in c->mode.  t is reused (see above). */
int ll_canvas_render(const ll_canvas *c, ll_canvas_text *t, ll_err *err);
const char *ll_canvas_text_row(const ll_canvas_text *t, int r);
void ll_canvas_text_free(ll_canvas_text *t);

/* Encode a code point (< 0x10000) as UTF-8 into out (>= 4 bytes); returns
 * the byte count. */
int ll_utf8_put(char *out, uint32_t cp);

#endif
