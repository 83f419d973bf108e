/*
 * ll_step.h - how a pipeline step is written (internal to src/pipeline/).
 *
 * A step is one const descriptor, ll_step_<name>, in its own file
 * steps/step_<name>.c, listed once in steps.def: its [section] name, its
 * parameter table, the steps it needs, and what it does.  Everything that
 * enumerates steps (the session parser, running, staleness, results.json,
 * the report's file list, the workbench's Pipeline screen) reads these
 * descriptors; none lists the steps again.
 *
 * A step's run() reads its parameters with ll_session_get_*, reads the
 * results of the steps it needs (s->res.<name>), computes, and keeps its
 * own results in a struct it allocates into s->res.<its name>; drop()
 * frees them.  When c->outdir is set it writes its files into the folder
 * ll_step_outdir() makes, OUTDIR/<its name>/.  Long work reports progress
 * through c->progress and stops early with LL_ECANCELED when
 * ll_session_canceled(c->s).  On failure run() returns the status with a
 * one-line message in err; whatever results it had kept are dropped.
 */
#ifndef LL_STEP_H
#define LL_STEP_H

#include "base/ll_json.h"
#include "pipeline/ll_session.h"
#include "tensor/ll_tensor.h"

typedef struct ll_step_ctx {
	ll_session *s;
	ll_step_kind k;          /* the step running */
	const char *outdir;      /* NULL: results stay in memory */
	ll_progress_fn progress; /* may be NULL */
	void *ud;
	/* s->res.<name> holds this step's results of an earlier run whose
	 * inputs differed only in view_keys: run() may keep their costly part
	 * and redo the rest (0: s->res.<name> is NULL); s->wrote[k] says
	 * whether OUTDIR/<name>/ still holds their files */
	int reuse;
	/* set by ll_step_outdir: the folder the step fills, OUTDIR/.NAME.partial,
	 * and the process that made it; the pipeline renames it to
	 * OUTDIR/NAME when the step succeeds and removes it when not
	 * (ll_step_stage_end), so a step's folder appears only complete */
	char *stage;
	long stage_pid;
} ll_step_ctx;

typedef struct ll_step_def {
	const char *name;            /* [section], OUTDIR/<name>/, log prefix */
	const char *summary;         /* one line: what the step does */
	const ll_param_def *params;
	size_t nparams;
	unsigned needs;              /* LL_STEP_BIT()s of the steps whose results it
				      * reads, when they are part of the session */
	/* more needs, set by parameters (NULL: none) */
	unsigned (*needs_for)(const ll_session *s);
	/* part of every session (the data and tensor steps) */
	int always;
	/* part of the session without its [section] when this says so (the
	 * train step for MNIST data); NULL: only when written */
	int (*implied)(const ll_session *s);
	/* checks across keys when the session is read, before anything runs;
	 * the message names the section, the caller adds the file (NULL: none) */
	int (*check)(const ll_session *s, ll_err *err);
	/* the steps a change of key makes stale (NULL: this step) */
	unsigned (*stale)(const char *key);
	int (*run)(ll_step_ctx *c, ll_err *err); /* NULL: never runs ([session]) */
	void (*drop)(ll_session *s);             /* free its results (NULL: none) */
	/* Resuming (ll_resume.h): put back the results that a run of this step
	 * with the same parameters left in c->outdir (OUTDIR/<name>/), as
	 * run() would have them, and its summary line; the steps it needs are
	 * done.  Like run(), on failure whatever it kept is dropped.  NULL:
	 * the step cannot resume (it runs again). */
	int (*load)(ll_step_ctx *c, ll_err *err);
	const char *outputs;         /* what OUTDIR/<name>/ holds (NULL: no folder) */
	/* keys that only choose what to show of the results (the tca step's
	 * rank): after an edit of these alone, run() gets the results back
	 * with c->reuse set instead of computing them again (NULL: none) */
	const char *const *view_keys;
	/* whether key matters with the other values as they are (the data
	 * kind's keys; NULL: the rule of ll_session_param_used alone); why
	 * not, into why (n bytes), when it does not */
	int (*used)(const ll_session *s, const char *key, char *why, size_t n);
} ll_step_def;

#define LL_STEP(ID, name) extern const ll_step_def ll_step_##name;
#include "pipeline/steps.def"
#undef LL_STEP

/* The descriptor of step k (NULL if out of range). */
const ll_step_def *ll_step_def_of(ll_step_kind k);

/* Parameter table rows. */
#define P_INT(k, d, lo, hi, h) {k, LL_PARAM_INT, d, NULL, lo, hi, h}
#define P_REAL(k, d, lo, hi, h) {k, LL_PARAM_REAL, d, NULL, lo, hi, h}
#define P_STR(k, d, h) {k, LL_PARAM_STR, d, NULL, 0, 0, h}
#define P_ENUM(k, d, c, h) {k, LL_PARAM_ENUM, d, c, 0, 0, h}
#define P_RANGE(k, d, lo, hi, h) {k, LL_PARAM_RANGE, d, NULL, lo, hi, h}
#define P_REALS(k, d, lo, hi, h) {k, LL_PARAM_REALS, d, NULL, lo, hi, h}
#define P_PATH(k, d, h) {k, LL_PARAM_PATH, d, NULL, 0, 0, h}
#define P_AUTO_INT(k, d, lo, hi, h) {k, LL_PARAM_AUTO_INT, d, NULL, lo, hi, h}
#define LL_NPARAMS(t) (sizeof t / sizeof t[0])

/* Make the running step's folder and hand its path out in *dir (caller
 * frees): OUTDIR/.<step name>.partial, fresh and empty, which the pipeline
 * renames to OUTDIR/<step name>/ once the step has succeeded (replacing
 * the folder of an earlier run only then, so no file of the earlier run
 * stays beside the new ones and an interrupted run leaves the earlier
 * results whole).  A folder latentlab did not make, or a link, is refused
 * (LL_EEXIST) and left as it is.  On failure *dir is NULL. */
int ll_step_outdir(ll_step_ctx *c, char **dir, ll_err *err);
/* After the step's run: ok, rename its staged folder (if any) into place;
 * else remove it.  Only the process that made the folder touches it (a
 * child forked while a step runs, as the out-of-memory sweep's are, must
 * not move its parent's).  Frees c->stage. */
int ll_step_stage_end(ll_step_ctx *c, int ok, ll_err *err);
/* Resuming: dir/name as a run wrote it, of dtype ("<f8", "<f4") and the
 * given shape, into *t (freed by the caller; zeroed on failure); another
 * dtype or shape is an error naming the file. */
int ll_step_read_back(const char *dir, const char *name, const char *dtype, int ndim, const size_t *shape,
		      ll_tensor *t, ll_err *err);
/* dir/name as .npy of a C-order array of doubles. */
int ll_step_write_vec(const char *dir, const char *name, const double *v, int ndim,
		      const size_t *shape, ll_err *err);
/* dir/name as JSON (indented), written atomically: fn(j, ud) writes the
 * value and anything after it. */
typedef void (*ll_step_json_fn)(ll_json *j, const void *ud);
int ll_step_write_json(const char *dir, const char *name, ll_step_json_fn fn, const void *ud, ll_err *err);
/* The step's one-line result summary (cut to fit). */
void ll_step_status(ll_step_ctx *c, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* Forwarding an analysis's progress to the step's progress line: pass
 * ll_step_prog_fwd as the analysis's ll_progress_fn and an ll_step_prog as
 * its ud.  The analysis's fraction lands in [lo, lo + span] of the whole
 * step; once the session is canceled it answers 1 (stop). */
typedef enum ll_step_prog_detail {
	LL_PROG_THEIRS = 0,  /* the analysis's detail */
	LL_PROG_NOTE,        /* note[], set with ll_step_prog_note */
	LL_PROG_THEIR_STAGE, /* the analysis's stage name */
} ll_step_prog_detail;
typedef struct ll_step_prog {
	ll_step_ctx *c;
	double lo, span;            /* this part's share of the whole step */
	const char *stage;          /* the line's stage; NULL: the step's name */
	ll_step_prog_detail detail; /* what the line's detail shows */
	char note[160];
} ll_step_prog;
int ll_step_prog_fwd(void *ud, const ll_progress *p);
/* frac of the part g stands for, no detail of an analysis's own. */
int ll_step_prog_at(ll_step_prog *g, double frac);
void ll_step_prog_note(ll_step_prog *g, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
void ll_step_set_mode(ll_mode_info *m, const char *name, ll_mode_kind kind);
/* The index in names[0..*n) of name, added (a copy, owned by names) when
 * it is not there yet; names has room for one more. */
int ll_step_group_of(char **names, size_t *n, const char *name, size_t *g, ll_err *err);
/* Step k is part of the session: written, or implied by its data.  For
 * check(), which runs before implied steps are marked. */
int ll_step_in_session(const ll_session *s, ll_step_kind k);
/* Worker threads the session asks for; threads = 0: the automatic count
 * ll_session_run_step decided for this step (base/ll_threads.h). */
int ll_step_threads(const ll_session *s);
/* Where the bundled MNIST subset is: $LATENTLAB_DATA, ./examples/data, the
 * source tree's, or the installed copy. */
const char *ll_bundled_data_dir(void);

#endif
