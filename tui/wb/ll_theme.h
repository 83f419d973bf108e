/*
 * ll_theme.h - colour roles and glyph sets for the workbench.
 *
 * Code names ROLES, never raw colours.  Every role is one row of
 * LL_THEME_ROLES: its attributes without colour (monochrome, NO_COLOR),
 * and its foreground/background/extra attributes on 8- and 256-colour
 * terminals (-1 = the terminal's default colour).  The series colours
 * follow Okabe-Ito (orange, sky blue, bluish green, yellow, blue,
 * vermillion, reddish purple; its black becomes light grey so it shows on
 * dark backgrounds); on 8 colours the two yellows differ by A_BOLD.
 * Colour never carries meaning alone: paths also have labels and markers.
 *
 * HEAT_0..HEAT_7 are an ordered ramp for heat maps (draw/ll_heat.h),
 * darkest to lightest.  256 colours: steps of viridis (the report's
 * colour map) in the xterm cube, 53 55 24 30 36 78 148 226 (#5f005f
 * #5f00af #005f87 #008787 #00af87 #5fd787 #afd700 #ffff00), CIE L* rising
 * 21 28 38 51 64 78 81 97.  8 colours: the base colours ordered by
 * luminance (xterm's default palette, bold taken as bright): blue, bold
 * blue, magenta, green, cyan, yellow, bold yellow, bold white.
 * Monochrome: dim, dim, normal x4, bold, bold; the value is then carried by
 * the heat map's ASCII density ramp, so the workbench must render with it
 * (ll_theme_heat_halfblock says when half blocks are fine).
 *
 * LABEL_0..LABEL_9 are the report's label colours (base/ll_palette.h,
 * the one list both use): trajectories, conditions and classes take label
 * colour j for their j-th label in the workbench as in the report.  256
 * colours: the nearest xterm colour of each (ll_palette_xterm256; a unit
 * test holds them equal), except the report's black, which is the
 * terminal's own text colour (-1, bold), as black ink is on paper.  8
 * colours: the nearest base colour, bold told apart where two share one.
 * Monochrome (NO_COLOR): odd labels underlined, so neighbouring labels
 * (two conditions, paths 0 and 1) still differ.
 *
 * STABLE and UNSTABLE mark a fixed point's stability (or an eigenvalue's:
 * inside or outside the unit circle): bluish green and vermillion, as
 * SERIES_2 and SERIES_5; monochrome, normal and bold.  The place (or the
 * glyph, ll_glyphs.fp) carries the meaning too.
 *
 * The light theme (for terminals with a light background) keeps the
 * roles and attributes and changes only the colours of the roles that
 * would fade on white: LL_THEME_LIGHT lists them (role, fg8, bg8, fg256,
 * bg256); a role not listed keeps its dark colours.  Light greys become
 * dark greys, light blues dark blue 25, yellows dark gold, and the
 * report's light label colours (green, pink, sky blue, yellow) darker
 * shades of their hue: every foreground has a WCAG contrast of at least 3:1 on white (the unit
 * test checks it).
 *
 * Only ll_theme_start touches curses state (start_color, init_pair), and
 * only after initscr/newterm; everything else is a table lookup that
 * tests can call without a screen.
 *
 * Glyph sets: UTF-8 (box drawing, blocks, braille, arrows) or ASCII,
 * chosen by ll_locale_is_utf8 (setlocale + nl_langinfo(CODESET)) unless
 * a flag (--ascii / --utf8) forces one; the choice is separate from
 * rendering, so tests can pick either.
 */
#ifndef LL_THEME_H
#define LL_THEME_H

#include <curses.h>

/* X(name, mono, fg8, bg8, attr8, fg256, bg256, attr256) */
#define LL_THEME_ROLES(X) \
	X(DEFAULT,      A_NORMAL,           -1,            -1,          A_NORMAL,  -1,  -1,  A_NORMAL) \
	X(TITLE,        A_BOLD,             COLOR_CYAN,    -1,          A_BOLD,    75,  -1,  A_BOLD) \
	X(TAB_ACTIVE,   A_REVERSE | A_BOLD, COLOR_BLACK,   COLOR_CYAN,  A_BOLD,    16,  75,  A_BOLD) \
	X(TAB,          A_NORMAL,           -1,            -1,          A_NORMAL,  250, -1,  A_NORMAL) \
	X(STATUS,       A_REVERSE,          COLOR_BLACK,   COLOR_WHITE, A_NORMAL,  252, 236, A_NORMAL) \
	X(KEYHINT,      A_BOLD,             COLOR_CYAN,    -1,          A_BOLD,    117, -1,  A_BOLD) \
	X(BORDER,       A_NORMAL,           COLOR_BLUE,    -1,          A_NORMAL,  240, -1,  A_NORMAL) \
	X(STEP_PENDING, A_DIM,              -1,            -1,          A_DIM,     245, -1,  A_NORMAL) \
	X(STEP_RUNNING, A_BOLD,             COLOR_YELLOW,  -1,          A_BOLD,    221, -1,  A_BOLD) \
	X(STEP_DONE,    A_NORMAL,           COLOR_GREEN,   -1,          A_NORMAL,  36,  -1,  A_NORMAL) \
	X(STEP_FAILED,  A_BOLD | A_UNDERLINE, COLOR_RED,   -1,          A_BOLD,    166, -1,  A_BOLD) \
	X(SELECTED,     A_REVERSE,          COLOR_BLACK,   COLOR_CYAN,  A_NORMAL,  16,  117, A_NORMAL) \
	X(ERROR,        A_BOLD | A_REVERSE, COLOR_WHITE,   COLOR_RED,   A_BOLD,    231, 160, A_BOLD) \
	X(MATCH,        A_REVERSE | A_UNDERLINE, COLOR_BLACK, COLOR_YELLOW, A_NORMAL, 16, 220, A_NORMAL) \
	X(SPARK,        A_NORMAL,           COLOR_CYAN,    -1,          A_NORMAL,  74,  -1,  A_NORMAL) \
	X(AXIS,         A_DIM,              COLOR_WHITE,   -1,          A_DIM,     244, -1,  A_NORMAL) \
	X(SERIES_0,     A_NORMAL,           COLOR_YELLOW,  -1,          A_NORMAL,  178, -1,  A_NORMAL) \
	X(SERIES_1,     A_NORMAL,           COLOR_CYAN,    -1,          A_NORMAL,  74,  -1,  A_NORMAL) \
	X(SERIES_2,     A_NORMAL,           COLOR_GREEN,   -1,          A_NORMAL,  36,  -1,  A_NORMAL) \
	X(SERIES_3,     A_NORMAL,           COLOR_YELLOW,  -1,          A_BOLD,    221, -1,  A_NORMAL) \
	X(SERIES_4,     A_NORMAL,           COLOR_BLUE,    -1,          A_BOLD,    25,  -1,  A_NORMAL) \
	X(SERIES_5,     A_NORMAL,           COLOR_RED,     -1,          A_NORMAL,  166, -1,  A_NORMAL) \
	X(SERIES_6,     A_NORMAL,           COLOR_MAGENTA, -1,          A_NORMAL,  175, -1,  A_NORMAL) \
	X(SERIES_7,     A_NORMAL,           COLOR_WHITE,   -1,          A_NORMAL,  250, -1,  A_NORMAL) \
	X(DEPTH_NEAR,   A_BOLD,             -1,            -1,          A_BOLD,    -1,  -1,  A_BOLD) \
	X(DEPTH_FAR,    A_DIM,              -1,            -1,          A_DIM,     -1,  -1,  A_DIM) \
	X(HEAT_0,       A_DIM,              COLOR_BLUE,    -1,          A_NORMAL,  53,  -1,  A_NORMAL) \
	X(HEAT_1,       A_DIM,              COLOR_BLUE,    -1,          A_BOLD,    55,  -1,  A_NORMAL) \
	X(HEAT_2,       A_NORMAL,           COLOR_MAGENTA, -1,          A_NORMAL,  24,  -1,  A_NORMAL) \
	X(HEAT_3,       A_NORMAL,           COLOR_GREEN,   -1,          A_NORMAL,  30,  -1,  A_NORMAL) \
	X(HEAT_4,       A_NORMAL,           COLOR_CYAN,    -1,          A_NORMAL,  36,  -1,  A_NORMAL) \
	X(HEAT_5,       A_NORMAL,           COLOR_YELLOW,  -1,          A_NORMAL,  78,  -1,  A_NORMAL) \
	X(HEAT_6,       A_BOLD,             COLOR_YELLOW,  -1,          A_BOLD,    148, -1,  A_NORMAL) \
	X(HEAT_7,       A_BOLD,             COLOR_WHITE,   -1,          A_BOLD,    226, -1,  A_NORMAL) \
	X(STABLE,       A_NORMAL,           COLOR_GREEN,   -1,          A_BOLD,    36,  -1,  A_BOLD) \
	X(UNSTABLE,     A_BOLD,             COLOR_RED,     -1,          A_BOLD,    166, -1,  A_BOLD) \
	X(LABEL_0,      A_NORMAL,           COLOR_BLUE,    -1,          A_BOLD,    25,  -1,  A_NORMAL) \
	X(LABEL_1,      A_UNDERLINE,        COLOR_RED,     -1,          A_NORMAL,  166, -1,  A_NORMAL) \
	X(LABEL_2,      A_NORMAL,           COLOR_GREEN,   -1,          A_NORMAL,  35,  -1,  A_NORMAL) \
	X(LABEL_3,      A_UNDERLINE,        COLOR_YELLOW,  -1,          A_NORMAL,  178, -1,  A_NORMAL) \
	X(LABEL_4,      A_NORMAL,           COLOR_MAGENTA, -1,          A_NORMAL,  175, -1,  A_NORMAL) \
	X(LABEL_5,      A_UNDERLINE,        COLOR_CYAN,    -1,          A_NORMAL,  74,  -1,  A_NORMAL) \
	X(LABEL_6,      A_NORMAL,           -1,            -1,          A_BOLD,    -1,  -1,  A_BOLD) \
	X(LABEL_7,      A_UNDERLINE,        COLOR_YELLOW,  -1,          A_BOLD,    221, -1,  A_NORMAL) \
	X(LABEL_8,      A_NORMAL,           COLOR_WHITE,   -1,          A_DIM,     246, -1,  A_NORMAL) \
	X(LABEL_9,      A_UNDERLINE,        COLOR_RED,     -1,          A_BOLD,    94,  -1,  A_NORMAL)

/* X(name, fg8, bg8, fg256, bg256): the light theme's colours, for the
 * roles that differ from the dark one. */
#define LL_THEME_LIGHT(X) \
	X(TITLE,        COLOR_BLUE,    -1,          25,  -1) \
	X(TAB_ACTIVE,   COLOR_WHITE,   COLOR_BLUE,  231, 25) \
	X(TAB,          COLOR_BLACK,   -1,          238, -1) \
	X(STATUS,       COLOR_WHITE,   COLOR_BLACK, 235, 252) \
	X(KEYHINT,      COLOR_BLUE,    -1,          25,  -1) \
	X(BORDER,       COLOR_BLACK,   -1,          244, -1) \
	X(STEP_PENDING, COLOR_BLACK,   -1,          242, -1) \
	X(STEP_RUNNING, COLOR_MAGENTA, -1,          130, -1) \
	X(STEP_DONE,    COLOR_GREEN,   -1,          28,  -1) \
	X(SELECTED,     COLOR_WHITE,   COLOR_BLUE,  16,  153) \
	X(SPARK,        COLOR_BLUE,    -1,          31,  -1) \
	X(AXIS,         COLOR_BLACK,   -1,          242, -1) \
	X(SERIES_0,     COLOR_RED,     -1,          166, -1) \
	X(SERIES_1,     COLOR_BLUE,    -1,          31,  -1) \
	X(SERIES_2,     COLOR_GREEN,   -1,          29,  -1) \
	X(SERIES_3,     COLOR_MAGENTA, -1,          136, -1) \
	X(SERIES_6,     COLOR_MAGENTA, -1,          132, -1) \
	X(SERIES_7,     COLOR_BLACK,   -1,          240, -1) \
	X(STABLE,       COLOR_GREEN,   -1,          29,  -1) \
	X(HEAT_7,       COLOR_YELLOW,  -1,          226, -1) \
	X(MATCH,        COLOR_BLACK,   COLOR_YELLOW, 16, 222) \
	X(LABEL_2,      COLOR_GREEN,   -1,          29,  -1) \
	X(LABEL_3,      COLOR_YELLOW,  -1,          136, -1) \
	X(LABEL_4,      COLOR_MAGENTA, -1,          168, -1) \
	X(LABEL_5,      COLOR_CYAN,    -1,          32,  -1) \
	X(LABEL_7,      COLOR_YELLOW,  -1,          100, -1)

#define LL_THEME_ENUM_(name, mono, f8, b8, a8, f256, b256, a256) LL_ROLE_##name,
enum ll_role { LL_THEME_ROLES(LL_THEME_ENUM_) LL_ROLE_COUNT };
#undef LL_THEME_ENUM_

#define LL_THEME_N_SERIES 8
#define LL_THEME_N_LABEL 10
#define LL_THEME_N_HEAT 8
/* Colour pairs for half-block heat maps: foreground HEAT_u, background
 * HEAT_l is pair LL_THEME_HEAT_PAIR0 + 8 u + l (ll_theme_start makes them
 * when the terminal has the pairs). */
#define LL_THEME_HEAT_PAIR0 (LL_ROLE_COUNT + 1)

/* The background the colours are chosen for. */
enum ll_theme_kind { LL_THEME_DARK, LL_THEME_LIGHT_BG };

typedef struct ll_theme {
	int colors;
	int kind;                     /* enum ll_theme_kind (ll_theme_start_kind) */                   /* 0 = monochrome, 8 or 256 */
	attr_t attr[LL_ROLE_COUNT];   /* what attrset() gets for each role */
	int heat_pairs;               /* 1 if the 64 heat pairs exist (ll_theme_start) */
} ll_theme;

/* Fill t for `colors` (0, 8 or 256; anything else is taken as 0) without
 * touching curses: colour roles use COLOR_PAIR(role + 1), the pairs
 * ll_theme_start creates.  heat_pairs is set to 0. */
void ll_theme_init(ll_theme *t, int colors);

/* The colour depth to use: 0 if no_color_flag, if no_color_env (the
 * NO_COLOR variable) is non-empty, if !has_colors, or if there are too
 * few pairs for the roles; else 256 if ncolors >= 256, else 8. */
int ll_theme_pick_colors(int no_color_flag, const char *no_color_env, int has_colors,
			 int ncolors, int npairs);

/* At run time, after initscr (or newterm): decide the colour depth from
 * the flag, getenv("NO_COLOR") and the terminal, create the pairs, fill
 * t.  Also the 64 heat pairs if COLOR_PAIRS has room for them (then
 * t->heat_pairs = 1).  Returns t->colors. */
int ll_theme_start(ll_theme *t, int no_color_flag);

/* As ll_theme_start, for a dark or a light background (kind). */
int ll_theme_start_kind(ll_theme *t, int no_color_flag, int kind);

/* "dark", "light" or "auto": LL_THEME_DARK, LL_THEME_LIGHT_BG, or for
 * auto the background COLORFGBG (colorfgbg, "FG;BG" or "FG;X;BG", as
 * rxvt, Konsole and others set it) names: 7 or 9-15 light, else dark
 * (dark too when it is unset or unreadable).  -1 for another word. */
int ll_theme_kind_pick(const char *word, const char *colorfgbg);

/* The pair colours of a role at a depth (-1 = terminal default);
 * 0 for a bad role or colors == 0. */
int ll_theme_role_colors(int colors, int role, short *fg, short *bg);
/* The same for a kind of background. */
int ll_theme_role_colors_kind(int kind, int colors, int role, short *fg, short *bg);
const char *ll_theme_role_name(int role);
attr_t ll_theme_attr(const ll_theme *t, int role);
/* Role of canvas colour index i: LABEL_(i mod 10), the report's colour
 * of its i-th path or label; DEFAULT for i < 0. */
int ll_theme_series_role(int color_index);
/* Attributes for a canvas run: its series role plus depth shading
 * (level 0 DEPTH_NEAR, 1-2 nothing, 3 DEPTH_FAR; no colour from these). */
attr_t ll_theme_cell_attr(const ll_theme *t, int color_index, int level);
/* Role of heat level `level` of nlevels (2..16): HEAT_(level * 8 / nlevels);
 * DEFAULT for level < 0 (no value) or a bad level or nlevels. */
int ll_theme_heat_role(int level, int nlevels);
/* Attributes for a heat-map run (ll_heat_run: fg and bg levels of
 * nlevels, -1 = none): both set and heat pairs made: the pair (fg, bg)
 * plus the fg role's attributes; otherwise the fg role (its colour on the
 * terminal's background); neither: DEFAULT. */
attr_t ll_theme_heat_attr(const ll_theme *t, int fg, int bg, int nlevels);
/* 1 if half-block heat maps show both halves: UTF-8 glyphs, colour and
 * the heat pairs.  Otherwise render LL_HEAT_ASCII: its density ramp
 * carries the value without colour. */
int ll_theme_heat_halfblock(const ll_theme *t, int utf8);

/* Glyphs; every string is one terminal cell wide. */
typedef struct ll_glyphs {
	int utf8;
	int canvas_mode;           /* LL_CANVAS_UTF8 or LL_CANVAS_ASCII (ll_canvas.h) */
	const char *hline, *vline; /* ─ │   - |  */
	const char *tl, *tr, *bl, *br; /* ┌ ┐ └ ┘   + + + + */
	const char *ltee, *rtee;   /* ├ ┤   + + */
	const char *arrow;         /* ▶   > */
	const char *bullet;        /* ●   * */
	const char *ellipsis;      /* …   ~ */
	const char *step[4];       /* pending running done failed: · ▶ ✓ ✗   . > + ! */
	const char *spark[8];      /* ▁..█   _.-:=+*# */
	const char *fp[4];         /* fixed points: stable saddle repeller slow: ● ✕ ◆ ○   o x * ~ (not in the canvas's ASCII) */
} ll_glyphs;

/* The UTF-8 set if utf8 != 0, else the ASCII set (static storage). */
const ll_glyphs *ll_glyphs_get(int utf8);
/* "UTF-8" / "utf8" in any case: 1. */
int ll_codeset_is_utf8(const char *codeset);
/* setlocale(LC_ALL, "") then nl_langinfo(CODESET); 1 if UTF-8.  Call once
 * at start-up, before initscr (ncursesw needs the locale set anyway). */
int ll_locale_is_utf8(void);

#endif
