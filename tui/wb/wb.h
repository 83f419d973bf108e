/*
 * wb.h - the workbench (`latentlab tui`): state shared by its screens.
 * Internal to tui/: workbench.c has the event loop and the frame, wb_job.c
 * the worker thread, wb_keys.c the global keys and commands and what is
 * generated from every key table, and each screen is one file with its
 * own state, keys and commands (wb_pipe.c, wb_fact.c, wb_traj.c,
 * wb_compare.c, wb_dynamics.c, wb_dsa.c, wb_spectrum.c, wb_log.c; listed in
 * screens.def); wb_plot.c has the drawing pieces screens share.
 *
 * The workbench computes nothing: it runs session steps through
 * ll_session_run_step (as `latentlab run` does) and draws stored results.
 *
 * Threads.  Only the UI thread calls curses.  Steps run in one worker
 * thread.  While a job runs, the worker alone writes the session; the UI
 * thread reads the parameter values (no step writes them), the results of
 * steps BEFORE the running one (wb_results_ready), and copies of the
 * states, summaries, progress and log lines that the worker makes under
 * `lock`.  Parameters cannot be edited, and nothing is saved or
 * reported, until the job has finished and been joined.
 */
#ifndef LL_WB_H
#define LL_WB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

#include "draw/ll_canvas.h"
#include "draw/ll_heat.h"
#include "pipeline/ll_outdir.h"
#include "pipeline/ll_session.h"
#include "wb/ll_theme.h"

typedef struct wb wb;

/* ---- screens ----
 * A screen is a descriptor (wb_screen_def, below) defined in its own file,
 * wb_<name>.c, and listed once in screens.def, in tab order.  The enum, the
 * table wb_screens[], the digit keys, the tab bar, `:screen`, the help and
 * `latentlab tui --keys` are generated from that list.  A new screen is its
 * file, a line in screens.def and a line in wb.am. */
enum wb_screen {
#define WB_SCREEN(name) WB_SCR_##name,
#include "wb/screens.def"
#undef WB_SCREEN
	WB_NSCREENS
};

/* Key actions.  The global ones are the workbench's; the list actions
 * (WB_LIST_KEYS) and WB_A_BACK go to the screen shown, which numbers its
 * own actions from WB_A_SCREEN. */
enum wb_action {
	WB_A_NONE = 0,
	/* global */
	WB_A_TAB_NEXT, WB_A_TAB_PREV, WB_A_TAB, WB_A_HELP, WB_A_CMDLINE, WB_A_REPORT,
	WB_A_SAVE, WB_A_QUIT, WB_A_CANCEL, WB_A_REDRAW, WB_A_UNDO, WB_A_SEARCH,
	/* lists */
	WB_A_DOWN, WB_A_UP, WB_A_TOP, WB_A_BOTTOM, WB_A_PGDN, WB_A_PGUP,
	/* leave the sub-mode (also sent on Esc when no step runs) */
	WB_A_BACK,
	WB_A_SCREEN /* a screen's own actions start here */
};

/* A binding applies in the sub-modes (below) whose WB_SUB bits it has. */
#define WB_SUB(s) (1u << (s))

typedef struct wb_key {
	unsigned sub;      /* WB_SUB(s) bits; 0: every sub-mode (and the global keys) */
	int keys[6];       /* key codes (characters or KEY_*); 0 ends the list */
	const char *label; /* the keys as help shows them; NULL: the first key's character */
	int act, arg;
	const char *hint;  /* word for the bottom key-hint bar, or NULL */
	const char *help;  /* one line for the ? overlay; NULL for a digit key: "<screen> screen" */
} wb_key;

#define WB_ENTER_KEYS '\n', '\r', KEY_ENTER
/* The list keys, first in the key table of a screen that shows a list:
 * j/k move in every sub-mode (in a zoom, to the next item), the others
 * only in sub-mode 0.  Each help line says what it does where it is
 * listed (D15: no "Factors zoom" note on the Pipeline). */
#define WB_LIST_KEYS \
	{WB_SUB(0), {'j', KEY_DOWN}, "j Down", WB_A_DOWN, 0, NULL, "move down"}, \
	{WB_SUB(0), {'k', KEY_UP}, "k Up", WB_A_UP, 0, NULL, "move up"}, \
	{~WB_SUB(0), {'j', KEY_DOWN}, "j Down", WB_A_DOWN, 0, NULL, "the next one (a zoomed factor: the next component)"}, \
	{~WB_SUB(0), {'k', KEY_UP}, "k Up", WB_A_UP, 0, NULL, "the previous one (a zoomed factor: the previous component)"}, \
	{WB_SUB(0), {'g', KEY_HOME}, "g Home", WB_A_TOP, 0, NULL, "first row"}, \
	{WB_SUB(0), {'G', KEY_END}, "G End", WB_A_BOTTOM, 0, NULL, "last row"}, \
	{WB_SUB(0), {4, KEY_NPAGE}, "Ctrl-D PgDn", WB_A_PGDN, 0, NULL, "half a page down"}, \
	{WB_SUB(0), {21, KEY_PPAGE}, "Ctrl-U PgUp", WB_A_PGUP, 0, NULL, "half a page up"}

/* A `:` command.  run gets the rest of the line, blanks trimmed (its own
 * copy), and whether the name ended in '!' (refused unless bang). */
typedef struct wb_cmd {
	const char *name, *alias, *args, *help;
	void (*run)(wb *w, char *args, int force);
	int bang;
	/* optional: writes args and help instead (they depend on the screen list) */
	void (*text)(char *args, size_t nargs, char *help, size_t nhelp);
} wb_cmd;

typedef struct wb_screen_def {
	const char *name;  /* tab and help title: "Factors" */
	const char *tab;   /* tab title on a narrow terminal: "Fact" */
	const char *id;    /* `:screen` name (a prefix will do): "factors" */
	/* Its state: state_size bytes, zeroed, at w->state[WB_SCR_<name>],
	 * owned by the workbench.  init sets it up and free releases what it
	 * holds (both optional); the workbench frees the block. */
	size_t state_size;
	void (*init)(wb *w, void *state);
	void (*free)(void *state);
	/* Draw into rows [y0, y0 + h). */
	void (*draw)(wb *w, int y0, int h);
	/* Act on one of its bindings: a list action, WB_A_BACK, or its own. */
	void (*action)(wb *w, int act, int arg);
	/* The status line when nothing else is shown there. */
	void (*status)(wb *w, char *buf, size_t n);
	/* Optional: every turn of the event loop (about 10 Hz) while shown. */
	void (*tick)(wb *w);
	/* Optional: its in-place editor (WB_MODE_EDIT, started by the
	 * screen) closed with Enter (accepted) or Esc. */
	void (*edit_done)(wb *w, int accepted);
	/* Optional sub-modes, e.g. a zoom: submode returns the one shown,
	 * 0 .. n; sub_titles (NULL-ended) titles sub-modes 1 .. n in the help
	 * (sub-mode 0 is titled name). */
	int (*submode)(const wb *w);
	const char *const *sub_titles;
	/* Optional search (/ then n, N): put the cursor on the next item
	 * whose text matches pat (wb_match), in direction dir (+1 or -1),
	 * after the current one and wrapping around; 1 if one does, else 0
	 * and nothing moves.  The screen draws its text with wb_put_hl.
	 * While / is typed the workbench jumps to the first match at every
	 * key and back on Esc by saving and restoring the screen's state
	 * block byte for byte: a screen with a search keeps only plain
	 * values there (no pointers to memory it owns). */
	int (*search)(wb *w, const char *pat, int dir);
	/* Optional: a mouse click (button 1) at (y, x), in its rows. */
	void (*click)(wb *w, int y, int x);
	/* Its bindings (they come before the global ones) and `:` commands. */
	const wb_key *keys;
	size_t nkeys;
	const wb_cmd *cmds;
	size_t ncmds;
} wb_screen_def;

#define WB_SCREEN(name) extern const wb_screen_def wb_screen_##name;
#include "wb/screens.def"
#undef WB_SCREEN
/* In tab order (workbench.c). */
extern const wb_screen_def *const wb_screens[WB_NSCREENS];

/* One-line editor (parameter values and the `:` line). */
typedef struct wb_edit {
	char buf[512];
	size_t len, cur; /* bytes; the cursor moves by whole UTF-8 characters */
	size_t left;     /* first byte shown when the text is wider than the field */
	int cy, cx;      /* where wb_edit_draw left the cursor */
} wb_edit;

/* A copy of every step's state for drawing while a job runs. */
typedef struct wb_view {
	ll_step_state state[LL_NSTEPS];
	char status[LL_NSTEPS][160];
	double seconds[LL_NSTEPS];
	int threads[LL_NSTEPS];     /* what each ran on (session threads resolved) */
	int depth[LL_NSTEPS];       /* in the step graph (ll_step_depth) */
	unsigned needs[LL_NSTEPS];  /* the steps each needs (ll_step_needs) */
} wb_view;

/* next: the next step; all: every remaining one; step: job.step alone;
 * report: the report of what has run; upto: the steps job.target needs
 * that are not done, in order, then job.target */
enum wb_job_kind { WB_JOB_NEXT, WB_JOB_ALL, WB_JOB_STEP, WB_JOB_REPORT, WB_JOB_UPTO };

typedef struct wb_job {
	pthread_t th;
	int active;         /* started and not yet joined (UI thread only) */
	int kind;           /* enum wb_job_kind */
	/* written by the worker under wb.lock */
	int finished, rc;
	ll_err err;
	int step;           /* step running now: its results and later ones are off limits */
	int target;         /* WB_JOB_UPTO: the step to reach */
	double t0, step_t0; /* ll_now() at the start of the job / the step */
	char stage[48], detail[160];
	double frac;        /* 0..1, or < 0 if unknown */
} wb_job;

typedef struct wb_logline {
	double t;   /* seconds since the workbench started */
	char *text; /* owned */
} wb_logline;

enum wb_mode { WB_MODE_NORMAL, WB_MODE_CMD, WB_MODE_EDIT, WB_MODE_CONFIRM, WB_MODE_SEARCH };
/* The y/n questions. */
enum wb_confirm {
	WB_CONFIRM_QUIT_RUN,   /* a step runs: cancel it and quit? */
	WB_CONFIRM_QUIT_EDITS, /* unsaved edits: quit anyway? (s saves and quits) */
	WB_CONFIRM_REPORT      /* steps pending or stale: write a partial report? */
};

#define WB_HIST 32
#define WB_UNDO 64 /* parameter edits u can undo (the oldest are dropped) */
#define WB_LOG_MAX 20000 /* oldest lines are dropped beyond this */

struct wb {
	ll_session *s;
	const char *outdir;
	ll_outdir od;      /* OUTDIR, held (locked) for the whole session */
	char *save_path;   /* where `s` saves (owned) */
	char **backed;     /* files this run kept as FILE~ (owned): once each */
	int confirm;       /* enum wb_confirm: the question WB_MODE_CONFIRM asks */
	struct wb_undo {   /* parameter edits, newest last, for u */
		ll_step_kind step;
		char key[32];
		char *old; /* the value before the edit (owned) */
	} undo[WB_UNDO];
	int nundo;
	int quit_after_cancel; /* q, y while a step ran: quit (asking about edits) once it stops */
	size_t nbacked;
	char *cmdline;     /* recorded in results.json (owned) */
	ll_theme theme;
	const ll_glyphs *g;
	int no_color;
	int screen;        /* enum wb_screen: the one shown */
	int rows, cols;
	double t0;

	char msg[300];     /* status-bar message, cleared by the next key */
	int msg_err;
	double msg_t;

	pthread_mutex_t lock;
	/* under lock */
	wb_logline *log;
	size_t nlog, caplog;
	wb_view view;
	wb_job job;
	/* UI thread only */
	atomic_int cancel;    /* s->cancel points here; set by the UI, read by the worker */
	unsigned gen;         /* bumped whenever results may have changed */
	double run_seconds;   /* step time spent in this workbench, for results.json */
	void *state[WB_NSCREENS]; /* each screen's (wb_screen_def.state_size) */
	size_t rnn_net;       /* the RNN the Dynamics and Trajectory screens show (clamped by them) */

	int help, help_top;
	int help_hit;         /* the help line of the current match, or -1 */
	/* search: the pattern typed after /, where it searches (a screen,
	 * or WB_SEARCH_HELP), and whether its matches are shown and n/N
	 * move between them (until Esc or another screen) */
	char search[128];
	int search_where, search_live;
	/* incremental search: while / is typed the cursor jumps to the first
	 * match from where it was; that place (a copy of the screen's state,
	 * or the help's hit and top) and the pattern before, for Esc */
	void *isearch_snap;
	int isearch_hit, isearch_top;
	char search_prev[128];
	char compl[400];      /* Tab's candidates in the `:` line, shown in the hint bar */
	int mouse;            /* mouse reporting on (:mouse, --no-mouse) */
	int tab_x[WB_NSCREENS + 1]; /* tab i spans columns [tab_x[i], tab_x[i + 1]) of row 0 */
	unsigned long frames; /* frames drawn (LATENTLAB_TUI_FRAMES reports them) */
	int mode;             /* enum wb_mode */
	wb_edit edit;
	char *hist[WB_HIST];  /* `:` history, oldest first (owned) */
	int nhist, hist_i;
	int confirm_sigint;   /* the quit question came from Ctrl-C */
	int quit;
	int exit_signal;      /* SIGTERM/SIGHUP that ended the loop, or 0 */
	int exit_code;
	char *export_text;    /* :export text: write the next frame here (owned) */
	/* stale results (review D5): the kept results of steps an edit made
	 * pending, lent to s->res while a screen other than the Pipeline
	 * draws or acts (wb_stale_lend), and those a screen read */
	unsigned stale_lent, stale_used;
};

/* ---- workbench.c ---- */
void wb_msg(wb *w, int is_err, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/* A line in the Log screen (UI actions, as their `:` names). */
void wb_log(wb *w, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
attr_t wb_attr(const wb *w, int role);
/* Where a search looks besides the screens. */
#define WB_SEARCH_HELP (-1)
/* The first case-insensitive occurrence of pat in text (its length in
 * *len), or NULL; NULL too for an empty pat. */
const char *wb_match(const char *text, const char *pat, size_t *len);
/* wb_put, with the matches of the live search in the MATCH role when it
 * searches where (a screen, or WB_SEARCH_HELP); skip cells of text are
 * left out first (horizontal scrolling). */
int wb_put_hl(const wb *w, int where, int y, int x, int width, attr_t a, const char *text, int skip);
/* The same for what is already drawn in row y, columns [x0, x1): read
 * back from the screen and the matches drawn again (for rows drawn by
 * code that does not know about the search). */
void wb_hl_row(const wb *w, int where, int y, int x0, int x1);
/* Is c a UTF-8 continuation byte (10xxxxxx)? */
int wb_utf8_cont(unsigned char c);
/* Draw at most width cells of text (one cell per UTF-8 character) from
 * (y, x); returns the cells drawn.  With ASCII glyphs (w->g), a non-ASCII
 * character is drawn as '?'. */
int wb_put(const wb *w, int y, int x, int width, attr_t a, const char *text);
/* width cells of blanks. */
void wb_fill(int y, int x, int width, attr_t a);
/* Draw a rendered canvas at (y, x); attr_of maps a run's colour and
 * level to attributes. */
void wb_draw_canvas(const ll_canvas_text *t, int y, int x,
		    attr_t (*attr_of)(const wb *w, int color, int level), const wb *w);
/* text at (y, x) if all of it fits left of column right: the cells
 * drawn, else 0 and nothing drawn. */
int wb_put_fit(const wb *w, int y, int x, int right, attr_t a, const char *text);
/* Centred lines in a box of h rows from y0 (for empty screens). */
void wb_center(wb *w, int y0, int h, attr_t a, const char *const *lines, int n);
/* A screen that shows step k's results when there are none: title, then
 * why: the step runs (`appear` appear here when it is done), failed (its
 * message), is absent (absent says what to add), or how to run it. */
void wb_draw_no_results(wb *w, int y0, int h, ll_step_kind k, const char *title, const char *appear,
			const char *absent);
/* May the UI read step k's results now? (done, and not being recomputed;
 * or stale, kept from before an edit and lent for drawing) */
int wb_results_ready(wb *w, ll_step_kind k);
/* Lend the stale results to s->res (on) for a screen's drawing or keys,
 * with no step running; off takes them back.  The Pipeline never gets
 * them: its keys edit and run. */
void wb_stale_lend(wb *w, int on);
/* Actions shared by keys and `:` commands. */
void wb_do_run(wb *w, int kind);
/* Run step k, after the steps it needs that have not run ("up to k"). */
void wb_do_run_step(wb *w, ll_step_kind k);
void wb_do_report(wb *w);
void wb_do_save(wb *w, const char *path);
/* Undo the last parameter edit (u, :undo). */
void wb_do_undo(wb *w);
int wb_do_set(wb *w, ll_step_kind k, const char *key, const char *value);
void wb_do_quit(wb *w, int force);
int wb_busy_refuse(wb *w, const char *what);
void wb_set_screen(wb *w, int screen);
/* Mouse reporting on or off (:mouse, --no-mouse). */
void wb_mouse_set(wb *w, int on);
/* The sub-mode of the screen shown (0 if it has none). */
int wb_submode(const wb *w);

/* ---- wb_dynamics.c ---- */
struct ll_fp_result;
/* The class of point p of f: 0 stable, 1 saddle, 2 repeller (ll_fp_class)
 * for a fixed point, WB_FP_SLOW for a slow point; its name ("slow"). */
#define WB_FP_SLOW 3
int wb_fp_class(const struct ll_fp_result *f, size_t p);
const char *wb_fp_class_name(int cls);
/* Move the RNN shown (w->rnn_net) by d among nets, wrapping around. */
void wb_rnn_net_step(wb *w, size_t nets, int d);

/* ---- wb_plot.c: drawing pieces shared by screens ---- */

/* A square matrix as a heat map (draw/ll_heat.h) with a selected pair:
 * half blocks in the theme's heat colours, or the ASCII density ramp
 * without UTF-8 or colour (ll_theme_heat_halfblock); the pair between
 * '[' and ']' and its numbers on the axes; under it a colour scale over
 * the pairs' range (off the diagonal, finite), a caret at the pair's
 * level and what the values mean. */
typedef struct wb_heatmap {
	ll_heat_geom geom; /* of the map last drawn, for hjkl */
	int geom_ok;
	ll_heat_text text;
} wb_heatmap;
typedef struct wb_heat_spec {
	const double *z;              /* n x n, row-major; NaN: no value */
	size_t n, a, b;               /* the pair: row a, column b */
	const char *what, *what_short; /* the legend's last line; the second where the first does not fit */
} wb_heat_spec;
/* Columns for the heat map of n x n with its labels in rows [y0, y0 + h),
 * leaving at least panel_min columns and a bar right of it (the bar is
 * drawn there); w->cols when a panel does not fit beside it. */
int wb_heat_split(const wb *w, size_t n, int y0, int h, int panel_min);
/* A matrix value for a panel: "%.4f", or "n/a" when not finite. */
void wb_fmt_value(char *buf, size_t n, double v);
/* In rows [y0, y0 + h), columns [x0, x0 + wd): a header row (column
 * labels), a gutter (row labels), the map, up to four legend rows. */
void wb_heat_draw(wb *w, wb_heatmap *m, const wb_heat_spec *sp, int y0, int x0, int wd, int h);
/* Move the pair by di rows and dj columns of the cells last drawn (one
 * matrix index if none was), clamped to n x n. */
void wb_heat_move(wb_heatmap *m, size_t n, size_t *a, size_t *b, int di, int dj);
void wb_heatmap_free(wb_heatmap *m);

/* Point shapes: group g is shape g (repeating beyond WB_NSHAPES), a few
 * braille dots around the point; with ASCII glyphs one character. */
#define WB_NSHAPES 8
void wb_shape_dots(ll_canvas *cv, int px, int py, size_t shape, int color);
char wb_shape_char(size_t shape); /* o + x # | - * @ */
/* A shape drawn as text for a legend (a small canvas, reused). */
typedef struct wb_glyph {
	ll_canvas cv;
	ll_canvas_text text;
} wb_glyph;
/* Shape's glyph at (y, x) if it fits left of right: two cells of braille,
 * or with ASCII glyphs the character ascii (0: wb_shape_char).  Returns
 * the cells drawn. */
int wb_glyph_put(wb *w, wb_glyph *gl, int y, int x, int right, attr_t a, size_t shape, char ascii);
void wb_glyph_free(wb_glyph *gl);

/* An MDS map: points in the plane in braille, one scale for both axes,
 * each a shape and colour (series role) by its group, the pair joined by
 * a line and labelled 'a' and 'b'; a title above, the groups' legend
 * under it. */
typedef struct wb_mdsmap {
	ll_canvas canvas;
	ll_canvas_text text;
	wb_glyph glyph;
} wb_mdsmap;
typedef struct wb_mds_spec {
	const double *coords;     /* n x k (a second column is y); a NaN point is left out */
	size_t n, k;
	const size_t *group;      /* n groups < ngroups, or NULL (all 0) */
	size_t ngroups;
	/* group g's name for the legend ("lr 0.03"); its count follows */
	void (*group_label)(const void *ud, size_t g, char *buf, size_t n);
	const void *ud;
	const char *title, *title_short; /* the second where the first does not fit */
	size_t a, b;
	const char *unit;         /* what a point is, for "a: the model" when a == b */
} wb_mds_spec;
/* In rows [y0, y0 + h), columns [x0, x0 + wd). */
void wb_mds_draw(wb *w, wb_mdsmap *m, const wb_mds_spec *sp, int y0, int x0, int wd, int h);
void wb_mdsmap_free(wb_mdsmap *m);

/* The complex plane in braille for eigenvalues: the axes and the unit
 * circle (canvas colours WB_C_AXES and WB_C_CIRCLE), one scale for both
 * axes reaching a little beyond radius R or the circle. */
#define WB_C_CIRCLE 252
#define WB_C_AXES 253
typedef struct wb_cplane {
	ll_canvas canvas;
	ll_canvas_text text;
	double s, mx, my; /* dots per unit; the origin, in dots */
} wb_cplane;
/* Clear it to at most wd x ch cells, about round (a cell is 2 x 4
 * dots), and draw the axes and the circle.  Returns its width in cells,
 * or 0 if it does not fit (ch < 2 or under 8 columns). */
int wb_cplane_start(const wb *w, wb_cplane *p, int wd, int ch, double R);
/* Point re + i im: the shape's dots, or with ASCII glyphs the character
 * ascii. */
void wb_cplane_point(const wb *w, wb_cplane *p, double re, double im, size_t shape, char ascii, int color);
/* Draw it with its top-left cell at (y, x). */
void wb_cplane_show(const wb *w, wb_cplane *p, int y, int x, attr_t (*attr_of)(const wb *w, int color, int level));
void wb_cplane_free(wb_cplane *p);

/* A sparkline of v (n values) in sw cells at (y, x) on lo..hi (NaN: the
 * data's range), in the spark role; the cells showing value mark (< 0:
 * none) in the selected role. */
void wb_spark_at(wb *w, int y, int x, int sw, const double *v, size_t n, double lo, double hi, long mark);
/* The cells of such a sparkline that show value j: how many, the first
 * (-1 if none) in *first. */
int wb_spark_cells(size_t n, int sw, size_t j, int *first);

/* A log-log plot in braille: y[i] against x = i + 1 (a spectrum against
 * rank), log10 on both axes, each point a small square (one dot when they
 * crowd; with ASCII glyphs an 'o'), and a power law drawn as a line over
 * its x range.  Left a gutter with a label at each decade of y, under it
 * the x axis with its fit range heavier and labels at 1, 10, 100 ... and
 * the last x; then a line with both axes' ranges and, given 8 rows, a
 * legend.  Canvas colours are theme roles. */
typedef struct wb_loglog {
	ll_canvas canvas;
	ll_canvas_text text;
	wb_glyph glyph;
} wb_loglog;
typedef struct wb_loglog_spec {
	const double *y;            /* n values; only finite y > 0 are drawn */
	size_t n;
	double a, b;                /* the power law ln y = b - a ln x (NaN: none) */
	size_t fit_lo, fit_hi;      /* its x range, 1 <= lo < hi <= n */
	int point_role, fit_role;   /* enum ll_role */
	const char *xname, *yname;  /* "rank", "eigenvalue" */
	const char *points, *fit;   /* the legend's names (NULL: no item) */
	double decades;             /* leave out points this many decades below the largest (<= 0: none) */
} wb_loglog_spec;
/* In rows [y0, y0 + h), columns [x0, x0 + wd).  Returns 0 (and draws
 * nothing) when it does not fit (h < 5, wd < 15) or no y is positive. */
int wb_loglog_draw(wb *w, wb_loglog *p, const wb_loglog_spec *sp, int y0, int x0, int wd, int h);
void wb_loglog_free(wb_loglog *p);

/* ---- wb_export.c ---- */
/* :export [text|png|slurm] [FILE] */
void wb_export_cmd(wb *w, char *args, int force);
/* After a frame is drawn: the pending :export text, if any. */
void wb_export_frame(wb *w);
/* wb_traj.c: the paths the Trajectory screen shows (NULL: none), its view,
 * and which paths are hidden (NULL: none). */
struct ll_view3d;
struct ll_traj_set;
const struct ll_traj_set *wb_traj_shown(wb *w, const struct ll_view3d **view, const unsigned char **hidden);

/* wb_fact.c: the rank and replicate (0 = best) the Factors screen shows;
 * 0 when it shows none. */
int wb_fact_shown(wb *w, size_t *rank, size_t *rep);

/* ---- wb_edit.c ---- */
void wb_edit_start(wb_edit *e, const char *text);
/* Feed a key (is_key: a KEY_* code; else a character).  Returns 1 on
 * Enter, -1 on Esc, 0 otherwise. */
int wb_edit_key(wb_edit *e, int is_key, unsigned ch);
/* Draw in width cells at (y, x); the cursor's place goes to e->cy, cx. */
void wb_edit_draw(const wb *w, wb_edit *e, int y, int x, int width, attr_t a);

/* ---- wb_job.c ---- */
/* The first step, in order, that target needs (directly or not) or is,
 * and that has not run (LL_NSTEPS: none). */
ll_step_kind wb_upto_next(const ll_session *s, ll_step_kind target);
/* Start a job; for WB_JOB_STEP, step is the step to run; for
 * WB_JOB_UPTO, the step to reach. */
int wb_job_start(wb *w, int kind, ll_step_kind step);
/* If the worker has finished: join it, sync the view, report. */
void wb_job_poll(wb *w);
/* Cancel and wait (before quitting). */
void wb_job_stop(wb *w);
/* Copy states and summaries from the session (UI thread, when idle). */
void wb_view_sync(wb *w);
void wb_view_get(wb *w, wb_view *v, wb_job *j);
void wb_log_fn(void *ud, const char *line);

/* ---- wb_keys.c: the global keys and commands; what is generated from
 * them and every screen's (dispatch, help overlay, hint bar, --keys) ---- */
/* The binding of key on the screen shown, in its sub-mode, or NULL. */
const wb_key *wb_screen_key(const wb *w, int key);
/* The global binding of key, or NULL. */
const wb_key *wb_global_key(int key);
/* Every binding and command as text (`latentlab tui --keys`). */
void wb_keys_print(FILE *fp);
void wb_help_draw(wb *w);
/* A key while the help is open: list keys scroll it, others close it. */
void wb_help_key(wb *w, int key);
/* The hint bar of the screen shown, in row y. */
void wb_hints_draw(wb *w, int y);
/* Run one `:` command line (without the ':'). */
void wb_command(wb *w, const char *line);
/* Tab in the `:` line (w->edit): complete the command's name, STEP.KEY,
 * a value (a choice, a file for a path key, the current value) or the
 * argument of :run, :screen, :theme, :mouse; when several fit, the
 * common start and the candidates in w->compl. */
void wb_command_complete(wb *w);
/* The text of help line i as the search sees it; 0 past the end. */
int wb_help_text(const wb *w, int i, char *buf, size_t n);
/* Search the help overlay for w->search from w->help_hit (dir +1/-1). */
int wb_help_search(wb *w, int dir);
/* A whole decimal number: 1 and *v; else 0. */
int wb_parse_long(const char *s, long *v);

/* The entry point (workbench.c): s is loaded, outdir where results go. */
typedef struct wb_opts {
	int ascii, utf8;   /* force a glyph set */
	int no_color;      /* as NO_COLOR */
	int no_mouse;      /* mouse reporting off at the start */
	const char *theme; /* "dark", "light", "auto" or NULL (LATENTLAB_THEME, else dark) */
	int force;         /* write into a non-empty folder latentlab did not make */
	const char *outdir;
	const char *cmdline;
} wb_opts;
/* Returns the process exit status; the terminal is restored first. */
int wb_run(ll_session *s, const wb_opts *o);

#endif
