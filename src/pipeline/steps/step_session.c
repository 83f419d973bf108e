/* [session]: the name, the seed every random choice derives from, threads.
 * It never runs; its keys are read by the other steps. */
#include "config.h"

#include "pipeline/ll_step.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const ll_param_def ll_step_session_params[LL_STEP_session_NPARAMS] = {
	P_STR("name", "session", "a short name for the session (report title)"),
	P_INT("seed", "1", 0, 4294967295.0, "base seed: every random choice derives from it"),
	P_INT("threads", "0", 0, 256, "worker threads (0 = all cores)"),
};
