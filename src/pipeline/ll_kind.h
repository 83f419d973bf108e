/*
 * ll_kind.h - data kinds: how the data step gets its data (internal to
 * src/pipeline/).  Each kind is a const descriptor ll_kind_<name> in
 * kinds/kind_<name>.c, listed once in kinds.def; the [data] kind choices,
 * the data step's dispatch and the help come from the list.
 */
#ifndef LL_KIND_H
#define LL_KIND_H

#include "pipeline/ll_step.h"
#include "pipeline/steps/step_data.h"

typedef struct ll_kind_def {
	const char *name;   /* [data] kind = name */
	const char *help;   /* one line */
	/* An array of data (neurons x time x trials, ...): its modes are named
	 * from [data] modes, and [data] labels and mask apply to it.  MNIST is
	 * not one: the train step makes its tensor. */
	int array;
	int needs_path;     /* [data] path must be set */
	/* Fill d (X, and the truth or the MNIST sets where the kind has them);
	 * per-trial labels, if the kind has any, go to *labels (length: the
	 * last mode), owned by the caller.  path is [data] path resolved
	 * against the session file ("" if not set). */
	int (*load)(ll_step_ctx *c, const char *path, struct ll_res_data *d, int **labels, ll_err *err);
} ll_kind_def;

#define LL_KIND(name) extern const ll_kind_def ll_kind_##name;
#include "pipeline/kinds.def"
#undef LL_KIND

#endif
