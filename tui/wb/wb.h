/*
 * wb.h - the workbench (`latentlab tui`): state shared by its screens.
 * Internal to tui/: workbench.c has the event loop, wb_job.c the worker
 * thread, wb_keys.c the key and command tables, and one file per screen
 * (wb_pipe.c, wb_fact.c, wb_traj.c, wb_log.c).
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
#include <stddef.h>
#include <stdio.h>

#include "draw/ll_canvas.h"
#include "pipeline/ll_session.h"
#include "wb/ll_theme.h"
#include "draw/ll_view3d.h"

enum wb_screen { WB_PIPE = 0, WB_FACT, WB_TRAJ, WB_LOG, WB_NSCREENS };

/* Where a key binding applies (bit masks). */
enum {
	WB_C_PIPE = 1 << WB_PIPE,
	WB_C_FACT = 1 << WB_FACT,   /* the factor table */
	WB_C_TRAJ = 1 << WB_TRAJ,
	WB_C_LOG = 1 << WB_LOG,
	WB_C_ZOOM = 1 << 4,         /* Factors with one factor zoomed */
	WB_C_GLOBAL = 1 << 5        /* every screen, unless the screen binds the key */
};

enum wb_action {
	WB_A_NONE = 0,
	/* global */
	WB_A_TAB_NEXT, WB_A_TAB_PREV, WB_A_TAB, WB_A_HELP, WB_A_CMDLINE, WB_A_REPORT,
	WB_A_QUIT, WB_A_CANCEL, WB_A_REDRAW,
	/* lists */
	WB_A_DOWN, WB_A_UP, WB_A_TOP, WB_A_BOTTOM, WB_A_PGDN, WB_A_PGUP,
	/* pipeline */
	WB_A_ENTER, WB_A_EDIT, WB_A_CYCLE, WB_A_DEFAULT, WB_A_RUN_NEXT, WB_A_RUN_ALL, WB_A_SAVE,
	/* factors */
	WB_A_ZOOM, WB_A_RANK_PREV, WB_A_RANK_NEXT, WB_A_REP_PREV, WB_A_REP_NEXT, WB_A_SORT,
	WB_A_MODE_PREV, WB_A_MODE_NEXT, WB_A_BACK,
	/* trajectory: arg is an ll_view3d action */
	WB_A_VIEW, WB_A_PATH_NEXT, WB_A_PATH_PREV, WB_A_PATH_TOGGLE, WB_A_PATH_SOLO, WB_A_PATH_ALL
};

typedef struct wb_key {
	unsigned ctx;      /* WB_C_* mask */
	int keys[6];       /* key codes (characters or KEY_*); 0 ends the list */
	const char *label; /* the keys as help shows them */
	int act, arg;
	const char *hint;  /* word for the bottom key-hint bar, or NULL */
	const char *help;  /* one line for the ? overlay */
} wb_key;

typedef struct wb_cmd {
	const char *name, *alias, *args, *help;
} wb_cmd;

/* The one key table and the one `:` command table (wb_keys.c): dispatch,
 * the help overlay and the hint bar are all generated from them. */
extern const wb_key wb_keys[];
extern const size_t wb_nkeys;
extern const wb_cmd wb_cmds[];
extern const size_t wb_ncmds;
/* The binding of key in context ctx: the context's own first, then the
 * global ones; NULL if none. */
const wb_key *wb_key_find(unsigned ctx, int key);

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
} wb_view;

enum wb_job_kind { WB_JOB_NEXT, WB_JOB_ALL, WB_JOB_REPORT };

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

typedef struct wb_pipe {
	int step;  /* ll_step_kind under the cursor */
	int param; /* its parameter, or -1 for the step row */
	int top;   /* first list row shown */
} wb_pipe;

typedef struct wb_fact {
	size_t rank_i;  /* index into s->ens.ranks */
	size_t rep;     /* replicate (0 = best) */
	int sel, top;   /* selected row / first row shown */
	int sorted;     /* rows by weight instead of component order */
	int zoom;       /* one factor full width */
	int zmode;      /* the zoomed mode */
	int valid;      /* the selection belongs to the results now shown */
	unsigned gen;   /* results generation the selection belongs to */
	ll_canvas canvas;
	ll_canvas_text text;
} wb_fact;

typedef struct wb_traj {
	ll_view3d view;
	ll_canvas canvas;
	ll_canvas_text text;
	unsigned char *hidden; /* per path (owned) */
	size_t npaths;
	int sel;               /* selected path (highlighted, toggled by space) */
	int valid;
	unsigned gen;
	double last_tick;
} wb_traj;

enum wb_mode { WB_MODE_NORMAL, WB_MODE_CMD, WB_MODE_EDIT, WB_MODE_CONFIRM };

#define WB_HIST 32
#define WB_LOG_MAX 20000 /* oldest lines are dropped beyond this */

typedef struct wb {
	ll_session *s;
	const char *outdir;
	char *save_path;   /* where `s` saves (owned) */
	char *cmdline;     /* recorded in results.json (owned) */
	ll_theme theme;
	const ll_glyphs *g;
	int no_color;
	int screen;        /* enum wb_screen */
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
	volatile int cancel;  /* s->cancel points here */
	unsigned gen;         /* bumped whenever results may have changed */
	double run_seconds;   /* step time spent in this workbench, for results.json */
	size_t log_top;
	int log_follow;

	wb_pipe pipe;
	wb_fact fact;
	wb_traj traj;

	int help, help_top;
	int mode;             /* enum wb_mode */
	wb_edit edit;
	int edit_step, edit_param;
	char *hist[WB_HIST];  /* `:` history, oldest first (owned) */
	int nhist, hist_i;
	int confirm_sigint;   /* the quit question came from Ctrl-C */
	int quit;
	int exit_signal;      /* SIGTERM/SIGHUP that ended the loop, or 0 */
	int exit_code;
} wb;

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
void wb_do_report(wb *w);
void wb_do_save(wb *w, const char *path);
int wb_do_set(wb *w, ll_step_kind k, const char *key, const char *value);
void wb_do_quit(wb *w, int force);
int wb_busy_refuse(wb *w, const char *what);
void wb_set_screen(wb *w, int screen);

/* ---- wb_edit.c ---- */
void wb_edit_start(wb_edit *e, const char *text);
/* Feed a key (is_key: a KEY_* code; else a character).  Returns 1 on
 * Enter, -1 on Esc, 0 otherwise. */
int wb_edit_key(wb_edit *e, int is_key, unsigned ch);
/* Draw in width cells at (y, x); the cursor's place goes to e->cy, cx. */
void wb_edit_draw(const wb *w, wb_edit *e, int y, int x, int width, attr_t a);

/* ---- wb_job.c ---- */
int wb_job_start(wb *w, int kind);
/* If the worker has finished: join it, sync the view, report. */
void wb_job_poll(wb *w);
/* Cancel and wait (before quitting). */
void wb_job_stop(wb *w);
/* Copy states and summaries from the session (UI thread, when idle). */
void wb_view_sync(wb *w);
void wb_view_get(wb *w, wb_view *v, wb_job *j);
void wb_log_fn(void *ud, const char *line);

/* ---- wb_keys.c ---- */
/* Every binding and command as text (`latentlab tui --keys`). */
void wb_keys_print(FILE *fp);
void wb_help_draw(wb *w, unsigned ctx);
void wb_help_key(wb *w, int act);
/* The hint bar for a context, in one row. */
void wb_hints_draw(wb *w, unsigned ctx, int y);
/* Run one `:` command line (without the ':'). */
void wb_command(wb *w, const char *line);
/* Complete the command name in e (Tab). */
void wb_command_complete(wb_edit *e);

/* ---- screens: draw into rows [y0, y0 + h), act on a key, status text ---- */
void wb_pipe_draw(wb *w, int y0, int h);
void wb_pipe_action(wb *w, int act, int arg);
void wb_pipe_status(wb *w, char *buf, size_t n);
void wb_pipe_edit_done(wb *w, int accepted);

void wb_fact_draw(wb *w, int y0, int h);
void wb_fact_action(wb *w, int act, int arg);
void wb_fact_status(wb *w, char *buf, size_t n);
int wb_fact_set_rank(wb *w, long rank);
int wb_fact_set_rep(wb *w, long rep);
void wb_fact_free(wb *w);

void wb_traj_draw(wb *w, int y0, int h);
void wb_traj_action(wb *w, int act, int arg);
void wb_traj_status(wb *w, char *buf, size_t n);
/* Advance auto-rotation; 1 if the view changed. */
int wb_traj_tick(wb *w);
void wb_traj_free(wb *w);

void wb_log_draw(wb *w, int y0, int h);
void wb_log_action(wb *w, int act, int arg);
void wb_log_status(wb *w, char *buf, size_t n);

/* The entry point (workbench.c): s is loaded, outdir where results go. */
typedef struct wb_opts {
	int ascii, utf8;   /* force a glyph set */
	int no_color;      /* as NO_COLOR */
	const char *outdir;
	const char *cmdline;
} wb_opts;
/* Returns the process exit status; the terminal is restored first. */
int wb_run(ll_session *s, const wb_opts *o);

#endif
