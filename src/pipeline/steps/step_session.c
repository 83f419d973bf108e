/* [session]: the name, the seed every random choice derives from, threads.
 * It never runs; the other steps read its keys. */
#include "config.h"

#include <string.h>

#include "pipeline/ll_step.h"

static const ll_param_def params[] = {
	P_STR("name", "session", "a short name for the session (report title)"),
	P_INT("seed", "1", 0, 4294967295.0, "base seed: every random choice derives from it"),
	P_INT("threads", "0", 0, 256,
	      "worker threads; 0 = automatic: the CPUs free to latentlab, decided when each step starts "
	      "(latentlab info --threads)"),
};

/* seed: every result derives from it; name: only the report shows it;
 * threads: results do not depend on it. */
static unsigned stale(const char *key)
{
	if (!strcmp(key, "seed"))
		return LL_STEP_ALL & ~LL_STEP_BIT(LL_STEP_SESSION);
	if (!strcmp(key, "name"))
		return LL_STEP_BIT(LL_STEP_REPORT);
	return 0;
}

const ll_step_def ll_step_session = {
	.name = "session",
	.summary = "the session's name, seed and threads",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.always = 1,
	.stale = stale,
};
