/*
 * ll_palette.h - the one list of label colours, shared by the report's
 * figures (report/ll_figs.c: ll_report_label_color) and the workbench's
 * theme (tui/wb/ll_theme.h: the LABEL_0..9 roles, which hold the nearest
 * xterm-256 colour of each), so the same path, condition or class has the
 * same colour in both (review D10).  Plain numbers: no curses, no plotting.
 *
 * Okabe-Ito without its yellow first (blue, vermillion, bluish green,
 * orange, reddish purple, sky blue), then black, yellow, grey, brown; the
 * j-th distinct label takes colour j mod 10.
 */
#ifndef LL_PALETTE_H
#define LL_PALETTE_H

#include <stddef.h>
#include <stdint.h>

#define LL_PALETTE_N 10

/* Label colour j (cycles every LL_PALETTE_N) as 0xRRGGBB. */
uint32_t ll_palette_label(size_t j);
/* The xterm-256 colour (16..255: the 6x6x6 cube and the grey ramp) nearest
 * to 0xRRGGBB, by squared RGB distance (ties: the lower index). */
int ll_palette_xterm256(uint32_t rgb);

#endif
