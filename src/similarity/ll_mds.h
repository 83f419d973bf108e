/*
 * ll_mds.h - multidimensional scaling of a dissimilarity matrix: where to
 * draw N systems so their distances on the page match the metric's.
 *
 * Lives in src/similarity (it embeds the compare matrices; it needs only
 * base and linalg).
 *
 *  classical MDS (Torgerson): B = -1/2 J D.^2 J (J the centring matrix);
 *      coordinates = the top k eigenvectors of B times sqrt(eigenvalue)
 *      (negative eigenvalues give 0).  Exact when D is Euclidean.
 *  metric MDS by SMACOF (de Leeuw 1977; Borg & Groenen ch. 8), unit
 *      weights, started from the classical solution; Guttman transforms
 *      until the raw stress falls by less than tol (relative) or max_iter.
 *  stress  Kruskal's stress-1: sqrt(sum_{i<j} (d_ij - D_ij)^2 /
 *      sum_{i<j} D_ij^2), d the embedded distances.
 *  LL_MDS_AUTO (the default): classical; then, when D is not Euclidean
 *      (the negative eigenvalues of B carry more than 1e-9 of sum |lambda|),
 *      SMACOF from there, kept only if it lowers the stress.
 */
#ifndef LL_MDS_H
#define LL_MDS_H

#include <stddef.h>

#include "base/ll_common.h"

typedef enum ll_mds_method { LL_MDS_AUTO = 0, LL_MDS_CLASSICAL, LL_MDS_SMACOF } ll_mds_method;

typedef struct ll_mds_opts {
	size_t k;           /* dimensions (default 2) */
	ll_mds_method method;
	size_t max_iter;    /* SMACOF (default 300) */
	double tol;         /* SMACOF (default 1e-9) */
} ll_mds_opts;

typedef struct ll_mds_result {
	size_t n, k;
	double *coords;      /* n x k, row-major (owned) */
	double stress;       /* Kruskal stress-1 of coords */
	double neg_frac;     /* sum of |negative eigenvalues| / sum |eigenvalues| of B */
	ll_mds_method used;  /* LL_MDS_CLASSICAL or LL_MDS_SMACOF */
	size_t iters;        /* SMACOF iterations run (0 for classical) */
} ll_mds_result;

void ll_mds_opts_default(ll_mds_opts *o);
const char *ll_mds_method_name(ll_mds_method m);

/* Embed the n x n dissimilarity matrix D (symmetric, zero diagonal,
 * finite, >= 0; checked).  o may be NULL.  n >= 2; k is capped at n - 1.
 * On failure: *r is zeroed and holds nothing to free. */
int ll_mds(const double *D, size_t n, const ll_mds_opts *o, ll_mds_result *r, ll_err *err);
void ll_mds_free(ll_mds_result *r);

/* Kruskal stress-1 of coords (n x k) against D. */
double ll_mds_stress(const double *D, size_t n, const double *coords, size_t k);

#endif
