/*
 * wb.h - the workbench (`latentlab tui`): state shared by its screens.
 * Internal to tui/: workbench.c has the event loop and the frame, wb_job.c
 * the worker thread, wb_keys.c the global keys and commands and what is
 * generated from every key table, and each screen is one file with its
 * own state, keys and commands (wb_pipe.c, wb_fact.c, wb_traj.c,
 * wb_compare.c, wb_dynamics.c, wb_log.c; listed in screens.def).
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
	WB_A_SAVE, WB_A_QUIT, WB_A_CANCEL, WB_A_REDRAW,
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
 * j/k move in every sub-mode, the others only in sub-mode 0. */
#define WB_LIST_KEYS \
	{0, {'j', KEY_DOWN}, "j Down", WB_A_DOWN, 0, NULL, "move down (Factors zoom: next component)"}, \
	{0, {'k', KEY_UP}, "k Up", WB_A_UP, 0, NULL, "move up (Factors zoom: previous component)"}, \
	{WB_SUB(0), {'g', KEY_HOME}, "g Home", WB_A_TOP, 0, NULL, "first row"}, \
	{WB_SUB(0), {'G', KEY_END}, "G End", WB_A_BOTTOM, 0, NULL, "last row (Log: and follow new lines)"}, \
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
 * report: the report of what has run */
enum wb_job_kind { WB_JOB_NEXT, WB_JOB_ALL, WB_JOB_STEP, WB_JOB_REPORT };

typedef struct wb_job {
	pthread_t th;
	int active;         /* started and not yet joined (UI thread only) */
	int kind;           /* enum wb_job_kind */
	/* written by the worker under wb.lock */
	int finished, rc;
	ll_err err;
	int step;           /* step running now: its results and later ones are off limits */
	double t0, step_t0; /* ll_now() at the start of the job / the step */
	char stage[48], detail[160];
	double frac;        /* 0..1, or < 0 if unknown */
} wb_job;

typedef struct wb_logline {
	double t;   /* seconds since the workbench started */
	char *text; /* owned */
} wb_logline;

enum wb_mode { WB_MODE_NORMAL, WB_MODE_CMD, WB_MODE_EDIT, WB_MODE_CONFIRM };

#define WB_HIST 32
#define WB_LOG_MAX 20000 /* oldest lines are dropped beyond this */

struct wb {
	ll_session *s;
	const char *outdir;
	ll_outdir od;      /* OUTDIR, held (locked) for the whole session */
	char *save_path;   /* where `s` saves (owned) */
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
	int mode;             /* enum wb_mode */
	wb_edit edit;
	char *hist[WB_HIST];  /* `:` history, oldest first (owned) */
	int nhist, hist_i;
	int confirm_sigint;   /* the quit question came from Ctrl-C */
	int quit;
	int exit_signal;      /* SIGTERM/SIGHUP that ended the loop, or 0 */
	int exit_code;
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
/* Centred lines in a box of h rows from y0 (for empty screens). */
void wb_center(wb *w, int y0, int h, attr_t a, const char *const *lines, int n);
/* May the UI read step k's results now? (done, and not being recomputed) */
int wb_results_ready(wb *w, ll_step_kind k);
/* Actions shared by keys and `:` commands. */
void wb_do_run(wb *w, int kind);
/* Run step k alone (its needs must be done). */
void wb_do_run_step(wb *w, ll_step_kind k);
void wb_do_report(wb *w);
void wb_do_save(wb *w, const char *path);
int wb_do_set(wb *w, ll_step_kind k, const char *key, const char *value);
void wb_do_quit(wb *w, int force);
int wb_busy_refuse(wb *w, const char *what);
void wb_set_screen(wb *w, int screen);
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

/* ---- wb_edit.c ---- */
void wb_edit_start(wb_edit *e, const char *text);
/* Feed a key (is_key: a KEY_* code; else a character).  Returns 1 on
 * Enter, -1 on Esc, 0 otherwise. */
int wb_edit_key(wb_edit *e, int is_key, unsigned ch);
/* Draw in width cells at (y, x); the cursor's place goes to e->cy, cx. */
void wb_edit_draw(const wb *w, wb_edit *e, int y, int x, int width, attr_t a);

/* ---- wb_job.c ---- */
/* Start a job; for WB_JOB_STEP, step is the step to run. */
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
/* Complete the command name in e (Tab). */
void wb_command_complete(wb_edit *e);
/* A whole decimal number: 1 and *v; else 0. */
int wb_parse_long(const char *s, long *v);

/* The entry point (workbench.c): s is loaded, outdir where results go. */
typedef struct wb_opts {
	int ascii, utf8;   /* force a glyph set */
	int no_color;      /* as NO_COLOR */
	int force;         /* write into a non-empty folder latentlab did not make */
	const char *outdir;
	const char *cmdline;
} wb_opts;
/* Returns the process exit status; the terminal is restored first. */
int wb_run(ll_session *s, const wb_opts *o);

#endif
