/* Helpers shared by the pipeline steps (see ll_step.h). */
#include "config.h"

#include "pipeline/ll_step.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <unistd.h>
#include <sys/stat.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/ll_fs.h"
#include "io/ll_npy.h"
#include "io/ll_mnist.h"
#include "pca/ll_traj.h"

/* MNIST datasets held by the session between the data and train steps. */
void ll_mnist_data_free(ll_mnist_data *md)
{
	if (!md)
		return;
	ll_mnist_free(&md->train);
	ll_mnist_free(&md->test);
	ll_mnist_free(&md->probe);
	free(md);
}

void ll_train_log_free(ll_train_log *t)
{
	free(t->step);
	free(t->loss);
	free(t->acc);
	free(t->train_loss);
	memset(t, 0, sizeof *t);
}

void ll_step_modes_free(ll_session *s)
{
	for (int n = 0; n < LL_MAX_MODES; n++) {
		free(s->modes[n].labels);
		memset(&s->modes[n], 0, sizeof s->modes[n]);
	}
}

/* Drop the results of step `from` and every step after it, and mark those
 * steps pending again. */
void ll_session_reset_results(ll_session *s, ll_step_kind from)
{
	for (int k = from; k < LL_NSTEPS; k++) {
		if (s->state[k] != LL_STATE_ABSENT)
			s->state[k] = LL_STATE_PENDING;
		s->status[k][0] = '\0';
		s->seconds[k] = 0.0;
	}
	if (from <= LL_STEP_DATA) {
		free(s->trial_labels);
		s->trial_labels = NULL;
		s->ntrial_labels = 0;
		ll_ktensor_free(&s->truth);
		ll_mnist_data_free(s->mnist);
		s->mnist = NULL;
		ll_tensor_free(&s->mask);
	}
	if (from <= LL_STEP_TRAIN) {
		/* for MNIST the raw tensor is the training log */
		ll_tensor_free(&s->data);
		ll_train_log_free(&s->train);
		ll_step_modes_free(s);
	}
	if (from <= LL_STEP_TENSOR)
		ll_tensor_free(&s->X);
	if (from <= LL_STEP_TCA) {
		ll_ens_free(&s->ens);
		s->chosen_rank = 0;
		s->rank_reason[0] = '\0';
	}
	if (from <= LL_STEP_TRAJ)
		ll_step_traj_free(s);
}

const char *ll_bundled_data_dir(void)
{
	static const char *const candidates[] = {"examples/data", LL_SRCDATADIR, LL_PKGDATADIR};
	struct stat st;
	const char *env = getenv("LATENTLAB_DATA");
	if (env && *env)
		return env;
	/* a directory that holds the bundled MNIST subset (a build tree may
	 * have an examples/data of object files only) */
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
		char probe[1024];
		snprintf(probe, sizeof probe, "%s/mnist-train-images-idx3-ubyte.gz", candidates[i]);
		if (stat(probe, &st) == 0 && S_ISREG(st.st_mode))
			return candidates[i];
	}
	return "examples/data";
}

/* Make OUTDIR/sub and return the joined path (caller frees), or NULL.
 * OUTDIR/sub is emptied first: a rerun must not leave files of an earlier run
 * (rank_07/ of a wider sweep, model_29/ of a larger one) beside its own.
 * Only a directory latentlab made (it holds our marker file) is emptied:
 * `-o .` must never delete a user's own data/ folder. */
#define OUT_MARKER ".latentlab-step"
char *ll_step_outdir(const char *outdir, const char *sub, ll_err *err)
{
	char *p = ll_path_join(outdir, sub), *m = p ? ll_path_join(p, OUT_MARKER) : NULL;
	FILE *fp;
	if (!p || !m) {
		free(p);
		free(m);
		ll_err_set(err, LL_ENOMEM, "out of memory");
		return NULL;
	}
	int ours = access(m, F_OK) == 0, fresh = access(p, F_OK) != 0;
	if ((ours && ll_rmtree(p, err) != LL_OK) || ll_mkdirs(p, err) != LL_OK) {
		free(m);
		free(p);
		return NULL;
	}
	/* mark only what we made: a folder that was there stays the user's */
	if ((ours || fresh) && (fp = fopen(m, "w")) != NULL) {
		fprintf(fp, "written by latentlab's %s step; the step empties this directory when it runs again\n", sub);
		fclose(fp);
	}
	free(m);
	return p;
}

int ll_step_write_vec(const char *dir, const char *name, const double *v, int ndim,
		     const size_t *shape, ll_err *err)
{
	char *p = ll_path_join(dir, name);
	if (!p)
		return ll_err_set(err, LL_ENOMEM, "out of memory");
	int rc = ll_npy_write_array(p, v, ndim, shape, 0, err);
	free(p);
	return rc;
}

/* One-line result summary of a step (cut to fit). */
void ll_step_status(ll_session *s, int k, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->status[k], sizeof s->status[k], fmt, ap);
	va_end(ap);
}

void ll_step_set_mode(ll_session *s, int n, const char *name, ll_mode_kind kind)
{
	snprintf(s->modes[n].name, sizeof s->modes[n].name, "%s", name);
	s->modes[n].kind = kind;
}


int ll_step_threads(const ll_session *s)
{
	long t = ll_session_get_int(s, LL_STEP_SESSION, "threads");
#ifdef _OPENMP
	if (t <= 0)
		t = omp_get_max_threads();
#else
	t = 1;
#endif
	return t < 1 ? 1 : (int)t;
}
