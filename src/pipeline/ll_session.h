/*
 * ll_session.h - a latentlab session: a graph of steps with their
 * parameters, states and results.
 *
 * The steps are listed once, in steps.def, in run order:
 *
 *     session   name, seed, threads (never runs)
 *     data      kind = mnist | npy | synth | csv, path, ...
 *     train     only with kind = mnist          needs data
 *     tensor                                    needs data (and train)
 *     tca                                       needs tensor
 *     trajectory                                needs tensor (and tca with source = tca)
 *     report                                    needs every other step
 *
 * Each step declares which steps it needs; it may run once they are done,
 * and changing one of its parameters makes it and the steps that depend on
 * it stale (pending, results dropped), not everything after it.  Steps
 * that need the same step (e.g. several analyses of one tensor) are
 * independent of each other.
 *
 * The batch CLI (`latentlab run`, `demo`) and the workbench drive the same
 * functions here; nothing is computed anywhere else.
 *
 * Session files are INI files (libinih's dialect, lines of any length), one
 * [section] per step, in the order above.  Unknown sections or keys, bad values, and sections
 * out of order are errors that name the file and line ("bio.lab:12:
 * unknown key 'rnak' in [tca]").  Values are checked and parsed once, when
 * they are read or set, into typed values; the text is kept too, so the
 * workbench can show and save it.  Asking for a key that is not in the
 * step's table, or with the wrong type, is a programming error: it aborts
 * with a message (the tests call every getter on every key).
 *
 * Results belong to their step: s->res.tca is the tca step's struct
 * ll_res_tca (steps/step_tca.h), NULL until the step has run.  Front ends
 * read them and never write them.
 *
 * The report step is not computed here (the core has no report code): the
 * front end sets report_fn, which the step calls with the finished session.
 */
#ifndef LL_SESSION_H
#define LL_SESSION_H

#include <stdatomic.h>
#include <stdint.h>

#include "base/ll_common.h"

typedef enum ll_step_kind {
#define LL_STEP(ID, name) LL_STEP_##ID,
#include "pipeline/steps.def"
#undef LL_STEP
	LL_NSTEPS
} ll_step_kind;

/* A set of steps. */
#define LL_STEP_BIT(k) (1u << (unsigned)(k))
#define LL_STEP_ALL ((1u << LL_NSTEPS) - 1u)

typedef enum ll_step_state {
	LL_STATE_ABSENT = 0, /* not part of this session */
	LL_STATE_PENDING,
	LL_STATE_RUNNING,
	LL_STATE_DONE,
	LL_STATE_FAILED
} ll_step_state;

typedef enum ll_param_type {
	LL_PARAM_INT,   /* integer in [lo, hi] */
	LL_PARAM_REAL,  /* finite real in [lo, hi] */
	LL_PARAM_STR,   /* free text (names) */
	LL_PARAM_ENUM,  /* one of choices "a|b|c" */
	LL_PARAM_RANGE, /* "A-B" or "A" integers in [lo, hi] */
	LL_PARAM_REALS, /* "x" or "x,y,..." finite reals in [lo, hi] */
	LL_PARAM_PATH,  /* a file or directory; relative = to the session file */
	LL_PARAM_AUTO_INT /* "auto" or an integer in [lo, hi] */
} ll_param_type;

typedef struct ll_param_def {
	const char *key;
	ll_param_type type;
	const char *def;     /* default value as text */
	const char *choices; /* LL_PARAM_ENUM: "a|b|c" */
	double lo, hi;       /* numeric bounds */
	const char *help;    /* one line */
} ll_param_def;

#define LL_SESSION_MAX_PARAMS 24

/* A parameter's value: its text and what it parses to. */
typedef struct ll_value {
	char *text;          /* as set, or NULL for the default (owned) */
	int parsed;          /* the fields below hold the current value */
	long i;              /* INT; AUTO_INT (-1 = auto); ENUM index; RANGE low end */
	long hi;             /* RANGE high end */
	double r;            /* REAL */
	double *reals;       /* REALS: nreals values (owned) */
	size_t nreals;
} ll_value;

/* Semantic kind of a tensor mode: decides how it is plotted. */
typedef enum ll_mode_kind {
	LL_MODE_UNIT = 0, /* neurons / hidden units: bars */
	LL_MODE_TIME,     /* time bins / snapshots: lines */
	LL_MODE_TRIAL,    /* trials / models: dots */
	LL_MODE_CLASS     /* digits / conditions: dots */
} ll_mode_kind;
const char *ll_mode_kind_name(ll_mode_kind k); /* "unit", "time", "trial", "class" */
/* How the report and the workbench draw a factor of this kind: "bars"
 * (units), "line" (time), "dots" (trials, models, classes: categorical). */
const char *ll_mode_kind_plot(ll_mode_kind k);

typedef struct ll_mode_info {
	char name[32];      /* "neuron", "time", "trial", "model", "digit", ... */
	ll_mode_kind kind;
	int *labels;        /* per index label (e.g. condition) or NULL; owned */
} ll_mode_info;

/* Deep copy of n modes (labels of length dim[i]); on failure dst is
 * zeroed and holds nothing to free. */
int ll_modes_copy(ll_mode_info *dst, const ll_mode_info *src, int n, const size_t *dim, ll_err *err);
void ll_modes_free(ll_mode_info *m, int n);

/* Each step's results, declared in steps/step_<name>.h. */
#define LL_STEP(ID, name) struct ll_res_##name;
#include "pipeline/steps.def"
#undef LL_STEP
typedef struct ll_results {
#define LL_STEP(ID, name) struct ll_res_##name *name;
#include "pipeline/steps.def"
#undef LL_STEP
} ll_results;

typedef struct ll_session ll_session;
typedef int (*ll_report_fn)(ll_session *s, const char *outdir, void *ud, ll_err *err);
typedef void (*ll_log_fn)(void *ud, const char *line);

struct ll_session {
	char *path;                 /* file it was loaded from, or NULL (owned) */
	char *text;                 /* the session text as it runs: loaded, saved, or
				     * the copy in OUTDIR (the report quotes it; owned) */
	char *file_text;            /* the session file's text as loaded or last saved:
				     * what a save edits, comments and all (owned) */
	ll_step_state state[LL_NSTEPS];
	double seconds[LL_NSTEPS];  /* wall time of the last run of each step */
	int threads[LL_NSTEPS];     /* threads it ran on (threads = 0 resolved) */
	char status[LL_NSTEPS][160];/* one-line result summary or error */
	unsigned char wrote[LL_NSTEPS]; /* the step wrote OUTDIR/<name>/ */
	ll_value values[LL_NSTEPS][LL_SESSION_MAX_PARAMS];
	int dirty;                  /* parameters edited since load/save */
	long long started;          /* Unix time the data step last ran (0 = never);
				     * the report's date, so re-rendering is stable */
	ll_results res;             /* owned by the steps; NULL until run */
	/* results an edit made stale, kept with the values they were computed
	 * with: setting those values again brings them back (owned; NULL: none) */
	struct ll_kept *kept[LL_NSTEPS];

	/* hooks set by the front end; not owned */
	ll_report_fn report_fn;
	void *report_ud;
	ll_log_fn log_fn;
	void *log_ud;
	atomic_int *cancel;         /* non-zero asks a running step to stop */
};

/* ---- the steps (the list in steps.def) ---- */
const char *ll_step_name(ll_step_kind k);             /* "data", "trajectory", ... */
/* The step named name, or -1. */
int ll_step_by_name(const char *name);
/* "session, data, ... or report": every step, for messages; returns buf. */
char *ll_step_names(char *buf, size_t n);
const char *ll_step_summary(ll_step_kind k);          /* one line: what it does */
/* The step computes something ([session] only holds keys). */
int ll_step_runs(ll_step_kind k);
/* The step is part of a session only when other steps' keys say so
 * (train: for MNIST data). */
int ll_step_conditional(ll_step_kind k);
/* What OUTDIR/<name>/ holds, or NULL if the step writes no folder. */
const char *ll_step_outputs(ll_step_kind k);
const ll_param_def *ll_step_params(ll_step_kind k, size_t *n);
/* Index of key in step k's table, or -1 (for text a user typed). */
int ll_step_param_index(ll_step_kind k, const char *key);
const char *ll_step_state_name(ll_step_state s);       /* "pending", ... */

/* ---- the graph ---- */
/* The present steps whose results k reads (its parameters may add some:
 * trajectory from TCA factors needs tca). */
unsigned ll_step_needs(const ll_session *s, ll_step_kind k);
/* Every present step that depends on k, directly or not (k excluded). */
unsigned ll_step_dependents(const ll_session *s, ll_step_kind k);
/* Depth in the graph: 0 for a step that needs nothing, else one more than
 * the deepest step it needs. */
int ll_step_depth(const ll_session *s, ll_step_kind k);
/* k is present, not running, and every step it needs is done. */
int ll_step_ready(const ll_session *s, ll_step_kind k);

/* ---- loading and saving ---- */
void ll_session_init(ll_session *s);
void ll_session_free(ll_session *s);
/* Parse a session file.  On error the message reads "FILE:LINE: problem"
 * and s is left freed (nothing to free again). */
int ll_session_load(ll_session *s, const char *path, ll_err *err);
/* The same from text; name is used in messages. */
int ll_session_load_text(ll_session *s, const char *text, const char *name, ll_err *err);
/* The built-in demo session (MNIST, bundled data). */
const char *ll_session_demo_text(void);
/* Write the session (temp + rename) as its file's text with the values
 * edited in (ll_session_format_edit of s->file_text): comments and layout
 * are kept.  It becomes s->file_text and s->text; clears dirty.  To a path
 * other than s->path, relative paths are written absolute. */
int ll_session_save(ll_session *s, const char *path, ll_err *err);
/* The same text to another file, as a copy: relative paths written
 * absolute, and s is not changed (dirty stays). */
int ll_session_save_copy(const ll_session *s, const char *path, ll_err *err);
/* base with the session's values edited in (caller frees with ll_free;
 * NULL when out of memory): a key line whose value differs gets the new
 * value in place of the old one (its indentation, spacing and " ; comment"
 * kept); a key that is set but not in base is appended after the last key
 * of its section; a section with such keys that base lacks is added in
 * pipeline order (after the nearest earlier section, else above the first
 * one and the comment lines right above it, unless they open the file).  Every other byte of base is
 * kept, a missing final newline too unless text is appended.  copy:
 * relative paths are written absolute.  base NULL: the canonical form. */
char *ll_session_format_edit(const ll_session *s, const char *base, int copy);
/* Render the canonical text into a new string (caller frees with ll_free). */
char *ll_session_format(const ll_session *s);
/* The same, with every path parameter made absolute: for a copy of the
 * session saved elsewhere (OUTDIR/session.lab) that must still replay. */
char *ll_session_format_copy(const ll_session *s);

/* ---- parameters ---- */
/* The text of a value (the default if unset). */
const char *ll_session_get(const ll_session *s, ll_step_kind k, const char *key);
/* Typed values, parsed when read or set.  INT and AUTO_INT (-1 = auto). */
long ll_session_get_int(const ll_session *s, ll_step_kind k, const char *key);
double ll_session_get_real(const ll_session *s, ll_step_kind k, const char *key);
/* ENUM: the index of the value in choices. */
int ll_session_get_enum(const ll_session *s, ll_step_kind k, const char *key);
/* ENUM: is the value this one? */
int ll_session_is(const ll_session *s, ll_step_kind k, const char *key, const char *choice);
void ll_session_get_range(const ll_session *s, ll_step_kind k, const char *key, long *lo, long *hi);
/* REALS: up to n values into out; returns how many the value holds. */
size_t ll_session_get_reals(const ll_session *s, ll_step_kind k, const char *key, double *out,
			    size_t n);
/* A path parameter as the steps open it (caller frees with ll_free; NULL when
 * out of memory): a relative path is taken relative to the directory of
 * the session file (s->path), as a user reading the file expects; with no
 * session file, relative to the working directory.  "" stays "". */
char *ll_session_get_path(const ll_session *s, ll_step_kind k, const char *key);
/* Set a parameter after validating it, and the checks across keys every
 * step makes of a session file (e.g. [tca] rank within ranks): a value
 * they refuse is not set, the message says why.  Marks the step and the steps that
 * depend on it pending again (see ll_session_stale) and sets dirty.
 * Setting a key to its current value changes nothing; setting a key of a
 * step the session does not have is refused.
 * The results of done steps it makes pending are kept aside (s->kept)
 * with the values they were computed with; when an edit brings every value
 * a kept step reads back (an undo, or typing the old value), and the steps
 * it needs are done, the step is done again with those results, at once
 * (ll_session_restore).  Running a step drops what was kept of it and of
 * its dependents. */
int ll_session_set(ll_session *s, ll_step_kind k, const char *key, const char *value, ll_err *err);
/* The steps whose results a change of [k] key makes stale, before their
 * dependents are added: k itself for step parameters; for [session]: seed
 * -> every step, name -> report, threads -> none. */
unsigned ll_session_stale(ll_step_kind k, const char *key);

/* Whether [k] key matters with the other values as they are, so a front
 * end can dim the rest (review D13): a key whose help starts with "WORD:"
 * where WORD is a choice of one of the step's enum keys matters only with
 * that choice ("synth: number of neurons" with kind = synth), and a step
 * may say more (the data step: path, labels, mask and modes are for data
 * read from files).  1 if it matters; 0 with why (n bytes) saying which
 * value makes it not ("kind = mnist"). */
int ll_session_param_used(const ll_session *s, ll_step_kind k, const char *key, char *why, size_t n);

/* "A-B" or "A" into lo, hi; 1 if it parses. */
int ll_parse_range(const char *v, long *lo, long *hi);

/* ---- running ---- */
/* Steps present in this session, in order; returns how many. */
size_t ll_session_steps(const ll_session *s, ll_step_kind *out);
/* The next step that is present and not done (LL_NSTEPS if none). */
ll_step_kind ll_session_next(const ll_session *s);
/* Drop the results of the steps in mask and of every step that depends
 * on them (kept ones too), and mark them pending again. */
void ll_session_reset(ll_session *s, unsigned mask);
/* Mark the steps in mask and their dependents pending again, keeping the
 * results of those that were done (with the values they were computed
 * with, as they are now) instead of dropping them. */
void ll_session_shelve(ll_session *s, unsigned mask);
/* Bring back kept results whose values are all current again and whose
 * needed steps are done; returns the steps made done again. */
unsigned ll_session_restore(ll_session *s);
/* Drop what is kept of the steps in mask (their OUTDIR folders are gone). */
void ll_session_forget(ll_session *s, unsigned mask);
/* The steps that have kept results. */
unsigned ll_session_kept(const ll_session *s);
/* Lend the kept results of the pending steps in mask to s->res (on), so a
 * front end can draw stale results marked so, or take them back (off:
 * s->res.<name> NULL again).  While lent, nothing may run, set, save or
 * drop anything.  Returns the steps whose results are lent (on) or were
 * taken back (off). */
unsigned ll_session_lend_kept(ll_session *s, unsigned mask, int on);
/* Run one step (the steps it needs must be done).  outdir receives the
 * step's result files in OUTDIR/<name>/ (may be NULL: results stay in
 * memory only, except the report step, which needs it). */
int ll_session_run_step(ll_session *s, ll_step_kind k, const char *outdir,
			ll_progress_fn progress, void *ud, ll_err *err);
/* Run every remaining step in order. */
int ll_session_run_all(ll_session *s, const char *outdir,
		       ll_progress_fn progress, void *ud, ll_err *err);
/* Has a cancel been asked for? */
int ll_session_canceled(const ll_session *s);

/* Log a line through log_fn (printf-style). */
void ll_session_log(ll_session *s, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

#endif
