/*
 * step_describe.h - the describe step's results (s->res.describe): the
 * mean of the analysis tensor along each mode.  A step of the test build
 * (--enable-test-steps): it exists to show that a step is its files plus
 * one line in each list.
 */
#ifndef LL_STEP_DESCRIBE_H
#define LL_STEP_DESCRIBE_H

#include "pipeline/ll_session.h"

struct ll_res_describe {
	int nmodes;
	size_t dim[LL_MAX_MODES];
	double *mean[LL_MAX_MODES]; /* mode n: dim[n] means over every other mode (owned) */
};

#endif
