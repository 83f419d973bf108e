/*
 * ll_session.h - a latentlab session: the pipeline of steps
 *
 *     data -> (train) -> tensor -> tca -> trajectory -> report
 *
 * with each step's parameters, status and results.  The batch CLI
 * (`latentlab run`, `latentlab demo`) and the workbench drive the same
 * functions here; nothing is computed anywhere else.
 *
 * Session files are INI-like (parsed with libinih), one [section] per step,
 * in pipeline order:
 *
 *     [session]            name, seed
 *     [data]               kind = mnist | npy | synth | csv, path, ...
 *     [train]              only with kind = mnist
 *     [tensor]
 *     [tca]
 *     [trajectory]
 *     [report]
 *
 * Unknown sections or keys, bad values, and sections out of order are
 * errors that name the file and line ("bio.lab:12: unknown key 'rnak' in
 * [tca]").  Parameters are kept as validated strings so the workbench can
 * edit and save them; ll_session_get_* convert on use.
 *
 * The report step is not computed here (the core has no report code): the
 * front end sets report_fn, which the step calls with the finished session.
 */
#ifndef LL_SESSION_H
#define LL_SESSION_H

#include <stdint.h>

#include "base/ll_common.h"
#include "tensor/ll_ens.h"
#include "tensor/ll_ktensor.h"
#include "tensor/ll_tensor.h"

typedef enum ll_step_kind {
	LL_STEP_SESSION = 0, /* [session]: global settings, never "runs" */
	LL_STEP_DATA,
	LL_STEP_TRAIN,
	LL_STEP_TENSOR,
	LL_STEP_TCA,
	LL_STEP_TRAJ,
	LL_STEP_REPORT,
	LL_NSTEPS
} ll_step_kind;

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
	LL_PARAM_STR,   /* free text (paths, names) */
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

/* Semantic kind of a tensor mode: decides how it is plotted. */
typedef enum ll_mode_kind {
	LL_MODE_UNIT = 0, /* neurons / hidden units: bars */
	LL_MODE_TIME,     /* time bins / snapshots: lines */
	LL_MODE_TRIAL,    /* trials / models: dots */
	LL_MODE_CLASS     /* digits / conditions: dots */
} ll_mode_kind;
const char *ll_mode_kind_name(ll_mode_kind k); /* "unit", "time", "trial", "class" */

typedef struct ll_mode_info {
	char name[32];      /* "neuron", "time", "trial", "model", "digit", ... */
	ll_mode_kind kind;
	int *labels;        /* per index label (e.g. condition) or NULL; owned */
} ll_mode_info;

/* Training results (MNIST), per model. */
typedef struct ll_train_log {
	size_t models, snapshots;
	size_t units;               /* hidden units logged */
	int *step;                  /* snapshots: training step of each */
	double *loss, *acc;         /* models x snapshots: test loss / accuracy */
	double *train_loss;         /* models x snapshots: mean train loss since last */
	double final_acc_mean, final_acc_min;
} ll_train_log;

typedef struct ll_session ll_session;
typedef int (*ll_report_fn)(ll_session *s, const char *outdir, void *ud, ll_err *err);
typedef void (*ll_log_fn)(void *ud, const char *line);

struct ll_session {
	char *path;                 /* file it was loaded from, or NULL (owned) */
	char *text;                 /* the session file text as loaded/saved (owned) */
	ll_step_state state[LL_NSTEPS];
	double seconds[LL_NSTEPS];  /* wall time of the last run of each step */
	char status[LL_NSTEPS][160];/* one-line result summary or error */
	char *values[LL_NSTEPS][LL_SESSION_MAX_PARAMS]; /* owned strings */
	int dirty;                  /* parameters edited since load/save */
	long long started;          /* Unix time the data step last ran (0 = never);
				     * the report's date, so re-rendering is stable */

	/* results, filled by the steps (owned) */
	ll_tensor data;             /* [data]: raw data tensor (not MNIST) */
	int *trial_labels;          /* [data]: per-trial condition, or NULL */
	size_t ntrial_labels;
	ll_ktensor truth;           /* [data] synth: planted model (rank 0 if none) */
	void *mnist;                /* [data]/[train]: datasets (ll_mnist internals) */
	ll_train_log train;         /* [train] */
	ll_tensor X;                /* [tensor]: the analysis tensor */
	ll_tensor mask;             /* [tensor]: 0/1 mask (size 0 if none) */
	ll_mode_info modes[LL_MAX_MODES];
	double x_min, x_max;
	size_t n_missing;
	ll_ensemble ens;            /* [tca] */
	size_t chosen_rank;
	char rank_reason[320];
	void *traj;                 /* [trajectory]: ll_traj_set * */

	/* hooks set by the front end; not owned */
	ll_report_fn report_fn;
	void *report_ud;
	ll_log_fn log_fn;
	void *log_ud;
	volatile int *cancel;       /* non-zero asks a running step to stop */
};

const char *ll_step_name(ll_step_kind k);             /* "data", "train", ... */
const ll_param_def *ll_step_params(ll_step_kind k, size_t *n);
const char *ll_step_state_name(ll_step_state s);       /* "pending", ... */

void ll_session_init(ll_session *s);
void ll_session_free(ll_session *s);
/* Parse a session file.  On error the message reads "FILE:LINE: problem". */
int ll_session_load(ll_session *s, const char *path, ll_err *err);
/* The same from text; name is used in messages. */
int ll_session_load_text(ll_session *s, const char *text, const char *name, ll_err *err);
/* The built-in demo session (MNIST, bundled data). */
const char *ll_session_demo_text(void);
/* Write the session in canonical form (temp + rename); clears dirty.  To
 * a path other than s->path, relative paths are written absolute. */
int ll_session_save(ll_session *s, const char *path, ll_err *err);
/* Render the canonical text into a malloc'd string (caller frees). */
char *ll_session_format(const ll_session *s);
/* The same, with every path parameter made absolute: for a copy of the
 * session saved elsewhere (OUTDIR/session.lab) that must still replay. */
char *ll_session_format_copy(const ll_session *s);
/* A path parameter as the steps open it (malloc'd, caller frees; NULL when
 * out of memory): a relative path is taken relative to the directory of
 * the session file (s->path), as a user reading the file expects; with no
 * session file, relative to the working directory.  "" stays "". */
char *ll_session_get_path(const ll_session *s, ll_step_kind k, const char *key);

const char *ll_session_get(const ll_session *s, ll_step_kind k, const char *key);
long ll_session_get_int(const ll_session *s, ll_step_kind k, const char *key);
double ll_session_get_real(const ll_session *s, ll_step_kind k, const char *key);
/* An LL_PARAM_REALS value: up to n values into out; returns how many the
 * value holds (for a plain number, 1). */
size_t ll_session_get_reals(const ll_session *s, ll_step_kind k, const char *key, double *out,
			    size_t n);
/* Set a parameter after validating it; marks the step and everything after
 * it pending again and sets dirty. */
int ll_session_set(ll_session *s, ll_step_kind k, const char *key, const char *value, ll_err *err);
/* The first step whose results a change of [k] key makes stale (k itself
 * for step parameters; for [session]: seed -> data, name -> report,
 * threads -> none, LL_NSTEPS).  Setting a key to its current value changes
 * nothing; setting a key of a step the session does not have is refused. */
ll_step_kind ll_session_stale_from(ll_step_kind k, const char *key);

/* Steps present in this session, in order; returns how many. */
size_t ll_session_steps(const ll_session *s, ll_step_kind *out);
/* The next step that is present and not done (LL_NSTEPS if none). */
ll_step_kind ll_session_next(const ll_session *s);
/* Run one step (its predecessors must be done).  outdir receives the
 * step's result files (may be NULL: results stay in memory only, except
 * the report step, which needs it). */
int ll_session_run_step(ll_session *s, ll_step_kind k, const char *outdir,
			ll_progress_fn progress, void *ud, ll_err *err);
/* Run every remaining step in order. */
int ll_session_run_all(ll_session *s, const char *outdir,
		       ll_progress_fn progress, void *ud, ll_err *err);

/* Log a line through log_fn (printf-style). */
void ll_session_log(ll_session *s, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

#endif
