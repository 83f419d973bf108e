/*
 * step_spectrum.h - the spectrum step's results (s->res.spectrum): the
 * eigenspectrum of the MLPs' hidden layer on the probe images at every
 * snapshot (its power-law exponent alpha, participation ratio and
 * dimension at 90% variance over training, for every model), and of a
 * recorded population, by cvPCA when it comes with a repeat, with a
 * bootstrap interval of alpha (pca/ll_spectrum.h).
 *
 * Arrays are row-major doubles owned by the result.
 */
#ifndef LL_STEP_SPECTRUM_H
#define LL_STEP_SPECTRUM_H

#include "pca/ll_spectrum.h"
#include "pipeline/ll_session.h"

struct ll_res_spectrum {
	/* the models (models = 0: no train step, or source = recording) */
	size_t models, snapshots;
	size_t stimuli, units;      /* the probe images and hidden units of each spectrum */
	size_t k;                   /* eigenvalues per spectrum: min(stimuli - 1, units) */
	int *step;                  /* snapshots: training step (owned) */
	double *eig;                /* models x snapshots x k, descending (owned) */
	double *alpha, *intercept;  /* models x snapshots: the power law on fit_lo..fit_hi (NaN: no fit) */
	double *pr;                 /* models x snapshots */
	double *dim90;              /* models x snapshots (a count, as double) */
	size_t fit_lo, fit_hi;      /* 1-based ranks of the fit (hi clipped to k) */
	/* a recorded population */
	int has_recording;
	char *rec_path, *rec_repeat; /* as given (rec_repeat NULL: one repeat) (owned) */
	ll_spectrum_result rec;      /* its spectrum, fit, PR, dim90 and bootstrap (owned) */
	size_t rec_fit_lo, rec_fit_hi;
	double seconds;
};

/* Model m's spectrum at snapshot j: k values. */
static inline const double *ll_res_spectrum_eig(const struct ll_res_spectrum *r, size_t m, size_t j)
{
	return r->eig + (m * r->snapshots + j) * r->k;
}

#endif
