/* The shared label colours (see ll_palette.h). */
#include "config.h"

#include "base/ll_palette.h"

static const uint32_t label_rgb[LL_PALETTE_N] = {
	0x0072B2, 0xD55E00, 0x009E73, 0xE69F00, 0xCC79A7, 0x56B4E9, 0x000000, 0xF0E442, 0x999999, 0x8C510A,
};

uint32_t ll_palette_label(size_t j)
{
	return label_rgb[j % LL_PALETTE_N];
}

/* the xterm 256-colour palette's levels: the cube's, then 24 greys 8..238 */
static void xterm_rgb(int i, int *r, int *g, int *b)
{
	static const int lv[6] = {0, 95, 135, 175, 215, 255};
	if (i >= 232) {
		*r = *g = *b = 8 + 10 * (i - 232);
		return;
	}
	int k = i - 16;
	*r = lv[k / 36];
	*g = lv[k / 6 % 6];
	*b = lv[k % 6];
}

int ll_palette_xterm256(uint32_t rgb)
{
	int r = (int)(rgb >> 16 & 0xFF), g = (int)(rgb >> 8 & 0xFF), b = (int)(rgb & 0xFF);
	int best = 16;
	long bd = -1;
	for (int i = 16; i < 256; i++) {
		int xr, xg, xb;
		xterm_rgb(i, &xr, &xg, &xb);
		long d = (long)(xr - r) * (xr - r) + (long)(xg - g) * (xg - g) + (long)(xb - b) * (xb - b);
		if (bd < 0 || d < bd) {
			bd = d;
			best = i;
		}
	}
	return best;
}
