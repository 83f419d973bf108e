/*
 * ll_theme.c - colour roles and glyph sets (see ll_theme.h).  Only
 * ll_theme_start calls into curses.
 */
#include "wb/ll_theme.h"
#include "draw/ll_canvas.h"

#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct role_row {
	const char *name;
	attr_t mono;
	short fg8, bg8;
	attr_t a8;
	short fg256, bg256;
	attr_t a256;
} role_row;

#define LL_THEME_ROW_(name, mono, f8, b8, a8, f256, b256, a256) \
	{#name, (attr_t)(mono), (short)(f8), (short)(b8), (attr_t)(a8), (short)(f256), (short)(b256), (attr_t)(a256)},
static const role_row roles[LL_ROLE_COUNT] = {LL_THEME_ROLES(LL_THEME_ROW_)};
#undef LL_THEME_ROW_

typedef struct light_row {
	int role;
	short fg8, bg8, fg256, bg256;
} light_row;

#define LL_THEME_LIGHT_ROW_(name, f8, b8, f256, b256) \
	{LL_ROLE_##name, (short)(f8), (short)(b8), (short)(f256), (short)(b256)},
static const light_row light[] = {LL_THEME_LIGHT(LL_THEME_LIGHT_ROW_)};
#undef LL_THEME_LIGHT_ROW_

static int valid_role(int role)
{
	return role >= 0 && role < LL_ROLE_COUNT;
}

const char *ll_theme_role_name(int role)
{
	return valid_role(role) ? roles[role].name : NULL;
}

int ll_theme_role_colors(int colors, int role, short *fg, short *bg)
{
	if (!valid_role(role) || (colors != 8 && colors != 256))
		return 0;
	*fg = colors == 256 ? roles[role].fg256 : roles[role].fg8;
	*bg = colors == 256 ? roles[role].bg256 : roles[role].bg8;
	return 1;
}

int ll_theme_role_colors_kind(int kind, int colors, int role, short *fg, short *bg)
{
	if (!ll_theme_role_colors(colors, role, fg, bg))
		return 0;
	if (kind == LL_THEME_LIGHT_BG)
		for (size_t i = 0; i < sizeof light / sizeof light[0]; i++)
			if (light[i].role == role) {
				*fg = colors == 256 ? light[i].fg256 : light[i].fg8;
				*bg = colors == 256 ? light[i].bg256 : light[i].bg8;
			}
	return 1;
}

int ll_theme_kind_pick(const char *word, const char *colorfgbg)
{
	if (!word || !strcmp(word, "dark"))
		return LL_THEME_DARK;
	if (!strcmp(word, "light"))
		return LL_THEME_LIGHT_BG;
	if (strcmp(word, "auto") != 0)
		return -1;
	/* the last field is the background colour's number */
	const char *bg = colorfgbg ? strrchr(colorfgbg, ';') : NULL;
	if (!bg || !bg[1])
		return LL_THEME_DARK;
	char *end;
	long v = strtol(bg + 1, &end, 10);
	if (*end)
		return LL_THEME_DARK;
	return v == 7 || (v >= 9 && v <= 15) ? LL_THEME_LIGHT_BG : LL_THEME_DARK;
}

void ll_theme_init(ll_theme *t, int colors)
{
	if (colors != 8 && colors != 256)
		colors = 0;
	t->colors = colors;
	t->kind = LL_THEME_DARK;
	t->heat_pairs = 0;
	for (int r = 0; r < LL_ROLE_COUNT; r++) {
		const role_row *row = &roles[r];
		if (colors == 0)
			t->attr[r] = row->mono;
		else if (colors == 8)
			t->attr[r] = (attr_t)COLOR_PAIR(r + 1) | row->a8;
		else
			t->attr[r] = (attr_t)COLOR_PAIR(r + 1) | row->a256;
	}
}

int ll_theme_pick_colors(int no_color_flag, const char *no_color_env, int has_colors,
			 int ncolors, int npairs)
{
	if (no_color_flag || (no_color_env && no_color_env[0]) || !has_colors)
		return 0;
	if (npairs < LL_ROLE_COUNT + 1 || ncolors < 8)
		return 0;
	return ncolors >= 256 ? 256 : 8;
}

int ll_theme_start(ll_theme *t, int no_color_flag)
{
	return ll_theme_start_kind(t, no_color_flag, LL_THEME_DARK);
}

int ll_theme_start_kind(ll_theme *t, int no_color_flag, int kind)
{
	int hc = has_colors();
	int colors = 0;
	if (hc && !no_color_flag && !(getenv("NO_COLOR") && getenv("NO_COLOR")[0]) &&
	    start_color() != ERR)
		colors = ll_theme_pick_colors(0, NULL, 1, COLORS, COLOR_PAIRS);
	if (colors) {
		int dflt = use_default_colors() != ERR;
		for (int r = 0; r < LL_ROLE_COUNT; r++) {
			short fg, bg;
			ll_theme_role_colors_kind(kind, colors, r, &fg, &bg);
			if (!dflt) { /* -1 needs use_default_colors: assume the kind's screen */
				if (fg < 0)
					fg = kind == LL_THEME_LIGHT_BG ? COLOR_BLACK : COLOR_WHITE;
				if (bg < 0)
					bg = kind == LL_THEME_LIGHT_BG ? COLOR_WHITE : COLOR_BLACK;
			}
			if (init_pair((short)(r + 1), fg, bg) == ERR) {
				colors = 0;
				break;
			}
		}
	}
	ll_theme_init(t, colors);
	t->kind = kind;
	if (colors && COLOR_PAIRS >= LL_THEME_HEAT_PAIR0 + LL_THEME_N_HEAT * LL_THEME_N_HEAT) {
		int ok = 1;
		for (int u = 0; u < LL_THEME_N_HEAT && ok; u++)
			for (int l = 0; l < LL_THEME_N_HEAT && ok; l++) {
				short fu, fl, bg;
				ll_theme_role_colors_kind(kind, colors, LL_ROLE_HEAT_0 + u, &fu, &bg);
				ll_theme_role_colors_kind(kind, colors, LL_ROLE_HEAT_0 + l, &fl, &bg);
				ok = init_pair((short)(LL_THEME_HEAT_PAIR0 + LL_THEME_N_HEAT * u + l), fu, fl) != ERR;
			}
		t->heat_pairs = ok;
	}
	return colors;
}

attr_t ll_theme_attr(const ll_theme *t, int role)
{
	return valid_role(role) ? t->attr[role] : t->attr[LL_ROLE_DEFAULT];
}

int ll_theme_series_role(int color_index)
{
	if (color_index < 0)
		return LL_ROLE_DEFAULT;
	return LL_ROLE_LABEL_0 + color_index % LL_THEME_N_LABEL;
}

attr_t ll_theme_cell_attr(const ll_theme *t, int color_index, int level)
{
	attr_t a = ll_theme_attr(t, ll_theme_series_role(color_index));
	if (color_index < 0)
		return a;
	/* depth roles add attributes only: the colour pair stays the series' */
	if (level == 0)
		a |= t->attr[LL_ROLE_DEPTH_NEAR] & ~(attr_t)A_COLOR;
	else if (level >= 3)
		a |= t->attr[LL_ROLE_DEPTH_FAR] & ~(attr_t)A_COLOR;
	return a;
}

int ll_theme_heat_role(int level, int nlevels)
{
	if (nlevels < 2 || nlevels > 16 || level < 0 || level >= nlevels)
		return LL_ROLE_DEFAULT;
	return LL_ROLE_HEAT_0 + level * LL_THEME_N_HEAT / nlevels;
}

attr_t ll_theme_heat_attr(const ll_theme *t, int fg, int bg, int nlevels)
{
	int rf = ll_theme_heat_role(fg, nlevels), rb = ll_theme_heat_role(bg, nlevels);

	if (rf == LL_ROLE_DEFAULT)
		return t->attr[LL_ROLE_DEFAULT];
	if (rb == LL_ROLE_DEFAULT || !t->colors || !t->heat_pairs)
		return t->attr[rf];
	return (t->attr[rf] & ~(attr_t)A_COLOR) |
	       (attr_t)COLOR_PAIR(LL_THEME_HEAT_PAIR0 + LL_THEME_N_HEAT * (rf - LL_ROLE_HEAT_0) + (rb - LL_ROLE_HEAT_0));
}

int ll_theme_heat_halfblock(const ll_theme *t, int utf8)
{
	return utf8 && t->colors && t->heat_pairs;
}

static const ll_glyphs glyphs_utf8 = {
	.utf8 = 1,
	.canvas_mode = LL_CANVAS_UTF8,
	.hline = "\u2500", .vline = "\u2502",
	.tl = "\u250c", .tr = "\u2510", .bl = "\u2514", .br = "\u2518",
	.ltee = "\u251c", .rtee = "\u2524",
	.arrow = "\u25b6", .bullet = "\u25cf", .ellipsis = "\u2026",
	.step = {"\u00b7", "\u25b6", "\u2713", "\u2717"},
	.spark = {"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"},
	.fp = {"\u25cf", "\u2715", "\u25c6", "\u25cb"},
};

static const ll_glyphs glyphs_ascii = {
	.utf8 = 0,
	.canvas_mode = LL_CANVAS_ASCII,
	.hline = "-", .vline = "|",
	.tl = "+", .tr = "+", .bl = "+", .br = "+",
	.ltee = "+", .rtee = "+",
	.arrow = ">", .bullet = "*", .ellipsis = "~",
	.step = {".", ">", "+", "!"},
	.spark = {"_", ".", "-", ":", "=", "+", "*", "#"},
	.fp = {"o", "x", "*", "~"},
};

const ll_glyphs *ll_glyphs_get(int utf8)
{
	return utf8 ? &glyphs_utf8 : &glyphs_ascii;
}

int ll_codeset_is_utf8(const char *codeset)
{
	return codeset && (strcasecmp(codeset, "UTF-8") == 0 || strcasecmp(codeset, "utf8") == 0);
}

int ll_locale_is_utf8(void)
{
	if (!setlocale(LC_ALL, ""))
		return 0;
	return ll_codeset_is_utf8(nl_langinfo(CODESET));
}
