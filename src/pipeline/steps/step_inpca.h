/*
 * step_inpca.h - the inpca step's results (s->res.inpca): every model of
 * the train step at every snapshot as one point, known by its class
 * probabilities on the probe set, embedded by intensive PCA
 * (pca/ll_inpca.h), with the models of other runs (`with`) in the same
 * map; each model's training is a path through the embedding.
 *
 * Paths are the session's models first, then each other run's, in the
 * order listed; every path has the same snapshots.
 */
#ifndef LL_STEP_INPCA_H
#define LL_STEP_INPCA_H

#include "pca/ll_inpca.h"
#include "pipeline/ll_session.h"

struct ll_res_inpca {
	size_t paths, snapshots;    /* points = paths x snapshots, point p * snapshots + j */
	size_t images, classes;     /* the probe inputs and classes compared */
	ll_inpca_result emb;        /* points x k coordinates, eigenvalues, signs (owned) */
	char **name;                /* paths: "lr 0.03 #2", "run2.npy #0" (owned) */
	size_t ngroups;
	size_t *group;              /* paths: index into group_name (owned) */
	char **group_name;          /* ngroups: the session's learning rates, then one per other run (owned) */
	char **runs;                /* nruns other runs' outputs.npy as given (owned) */
	size_t nruns;
	double seconds;
};

/* Coordinates of path p at snapshot j: emb.k values. */
static inline const double *ll_res_inpca_at(const struct ll_res_inpca *r, size_t p, size_t j)
{
	return r->emb.coords + (p * r->snapshots + j) * r->emb.k;
}

#endif
