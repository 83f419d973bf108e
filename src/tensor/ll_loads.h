/*
 * ll_loads.h - what a CP factor loads on: the few entries (or classes) a
 * component's factor of one mode is large on, where it peaks, and whether
 * it is flat, so a front end can say "digit 7 (0.91), 9 (0.40); units 21,
 * 5, 33; peak step 60" next to the plots (the workbench's Factors screen
 * and the report's TCA section print the same words).
 *
 * A factor is column c of U (dim x rank, row-major, as ll_ktensor).  By
 * entry, the items are entry indices and their values; by class (labels
 * given), an item is a distinct label and its value the mean over the
 * entries with that label.  Items are ranked by |value|, largest first;
 * those at least LL_LOADS_KEEP of the largest are listed, up to top.
 * A factor is flat when its items' spread, max - min, is below LL_LOADS_FLAT
 * of the largest |value| (a trial factor that is the same on every trial).
 */
#ifndef LL_LOADS_H
#define LL_LOADS_H

#include "base/ll_common.h"

#define LL_LOADS_TOP 3      /* most items a summary lists */
#define LL_LOADS_KEEP 0.25  /* listed: |value| >= this x the largest */
#define LL_LOADS_FLAT 0.25  /* flat: max - min < this x the largest |value| */

typedef struct ll_loads {
	int flat;                    /* the factor hardly varies over its items */
	size_t n;                    /* items listed (0 for a zero or empty factor) */
	long item[LL_LOADS_TOP];     /* entry index, or the class's label */
	double value[LL_LOADS_TOP];  /* the entry's value, or the class mean */
	size_t peak;                 /* entry with the largest |value| */
	size_t nitems;               /* entries, or distinct classes */
} ll_loads;

/* Summarise column c of U (dim x rank): by class when labels (dim
 * entries) is not NULL, else by entry; at most top (<= LL_LOADS_TOP)
 * items.  LL_OK, LL_EINVAL for c >= rank or top == 0 (message in err),
 * LL_ENOMEM.  Non-finite entries count as 0. */
int ll_loads_factor(const double *U, size_t dim, size_t rank, size_t c, const int *labels, size_t top,
		    ll_loads *out, ll_err *err);

/* Decimals that print the largest |w[i]| of n with 4 significant digits
 * (0..6), so a column of weights lines up: 311.1, 229.0 (1); 0.5121 (4). */
int ll_loads_decimals(const double *w, size_t n);

#endif
