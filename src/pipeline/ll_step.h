/*
 * ll_step.h - what the pipeline steps share (internal to src/pipeline/).
 *
 * Each step lives in steps/step_<name>.c with its parameter table; this
 * header declares the tables, the step functions and the helpers they
 * have in common (ll_step.c).  Front ends use ll_session.h, not this.
 */
#ifndef LL_STEP_H
#define LL_STEP_H

#include "pipeline/ll_session.h"
#include "io/ll_mnist.h"

/* Parameter table rows. */
#define P_INT(k, d, lo, hi, h) {k, LL_PARAM_INT, d, NULL, lo, hi, h}
#define P_REAL(k, d, lo, hi, h) {k, LL_PARAM_REAL, d, NULL, lo, hi, h}
#define P_STR(k, d, h) {k, LL_PARAM_STR, d, NULL, 0, 0, h}
#define P_ENUM(k, d, c, h) {k, LL_PARAM_ENUM, d, c, 0, 0, h}
#define P_RANGE(k, d, lo, hi, h) {k, LL_PARAM_RANGE, d, NULL, lo, hi, h}
#define P_REALS(k, d, lo, hi, h) {k, LL_PARAM_REALS, d, NULL, lo, hi, h}
#define P_PATH(k, d, h) {k, LL_PARAM_PATH, d, NULL, 0, 0, h}
#define P_AUTO_INT(k, d, lo, hi, h) {k, LL_PARAM_AUTO_INT, d, NULL, lo, hi, h}

/* Each step's parameters (steps/step_<name>.c). */
#define LL_STEP_session_NPARAMS 3
#define LL_STEP_data_NPARAMS 10
#define LL_STEP_train_NPARAMS 13
#define LL_STEP_tensor_NPARAMS 1
#define LL_STEP_tca_NPARAMS 8
#define LL_STEP_traj_NPARAMS 1
#define LL_STEP_report_NPARAMS 1
extern const ll_param_def ll_step_session_params[LL_STEP_session_NPARAMS];
extern const ll_param_def ll_step_data_params[LL_STEP_data_NPARAMS];
extern const ll_param_def ll_step_train_params[LL_STEP_train_NPARAMS];
extern const ll_param_def ll_step_tensor_params[LL_STEP_tensor_NPARAMS];
extern const ll_param_def ll_step_tca_params[LL_STEP_tca_NPARAMS];
extern const ll_param_def ll_step_traj_params[LL_STEP_traj_NPARAMS];
extern const ll_param_def ll_step_report_params[LL_STEP_report_NPARAMS];

/* A step: compute, keep results in s, write them under outdir if given. */
typedef int (*ll_step_fn)(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud,
			  ll_err *err);
int ll_step_data(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud, ll_err *err);
int ll_step_train(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud, ll_err *err);
int ll_step_tensor(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud, ll_err *err);
int ll_step_tca(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud, ll_err *err);
int ll_step_traj(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud, ll_err *err);
int ll_step_report(ll_session *s, const char *outdir, ll_progress_fn progress, void *ud, ll_err *err);

/* MNIST datasets held by the session between the data and train steps. */
typedef struct ll_mnist_data {
	ll_mnist train, test, probe;
	char dir[1024];
} ll_mnist_data;
void ll_mnist_data_free(ll_mnist_data *md);

void ll_train_log_free(ll_train_log *t);
void ll_step_modes_free(ll_session *s);
void ll_step_traj_free(ll_session *s);
/* Drop the results of step `from` and every step after it, and mark those
 * steps pending again. */
void ll_session_reset_results(ll_session *s, ll_step_kind from);
/* Where the bundled MNIST subset is: $LATENTLAB_DATA, ./examples/data, the
 * source tree's, or the installed copy. */
const char *ll_bundled_data_dir(void);

/* Make OUTDIR/sub and return the joined path (caller frees), or NULL. */
char *ll_step_outdir(const char *outdir, const char *sub, ll_err *err);
int ll_step_write_vec(const char *dir, const char *name, const double *v, int ndim,
		      const size_t *shape, ll_err *err);
/* One-line result summary of step k (cut to fit). */
void ll_step_status(ll_session *s, int k, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
void ll_step_set_mode(ll_session *s, int n, const char *name, ll_mode_kind kind);
/* Worker threads the session asks for (0 = all cores). */
int ll_step_threads(const ll_session *s);

#endif
