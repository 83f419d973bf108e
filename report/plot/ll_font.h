/*
 * ll_font.h - the embedded 6x13 bitmap font used for plot text.
 *
 * Printable ASCII 32..126; any other byte draws as '?' (a multi-byte UTF-8
 * sequence counts as one character).  The glyphs are latentlab's own.
 * Metrics, in pixels at scale 1:
 *   advance 6, glyph ink at most 5 wide, line height 13,
 *   cap height 9 (rows 1..9), x-height 6, baseline under row 9, descent 3.
 * Drawing lives in ll_raster.h (ll_raster_text).
 */
#ifndef LL_FONT_H
#define LL_FONT_H

#include <stddef.h>
#include <stdint.h>

#define LL_FONT_WIDTH 6     /* advance per character */
#define LL_FONT_GLYPH_W 5   /* widest ink */
#define LL_FONT_HEIGHT 13   /* rows per glyph = line height */
#define LL_FONT_BASELINE 10 /* rows above the baseline */
#define LL_FONT_CAP 9       /* capital / digit height */

/* The 13 row bytes of c (bit 7 = leftmost column); '?' for non-printables. */
const uint8_t *ll_font_glyph(unsigned char c);
/* 1 if pixel (col, row) of glyph c is ink, 0 otherwise or out of the cell. */
int ll_font_glyph_bit(unsigned char c, int col, int row);
/* Characters that ll_raster_text draws for s (UTF-8 sequences count once). */
size_t ll_font_chars(const char *s);
/* Width in pixels of the ink box of s: n*6-1 (bold: n*7-1), times scale;
 * 0 for "". */
int ll_font_text_width(const char *s, int scale, int bold);

#endif
