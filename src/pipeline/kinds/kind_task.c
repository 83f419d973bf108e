/* [data] kind = task: a built-in task for recurrent networks (flip-flop,
 * sine generation; [rnn] task = ...), generated as the rnn step trains,
 * so there is nothing to read here. */
#include "config.h"

#include <stdio.h>

#include "nn/ll_rnn_tasks.h"
#include "pipeline/ll_kind.h"

static int load(ll_step_ctx *c, const char *path, struct ll_res_data *d, int **labels, ll_err *err)
{
	(void)d;
	(void)labels;
	if (*path)
		return ll_err_set(err, LL_EINVAL, "[data] kind = task takes no path (the task is generated)");
	const char *task = ll_session_get(c->s, LL_STEP_RNN, "task");
	ll_step_status(c, "task %s, %ld steps per sequence, generated per training step", task,
		       ll_session_get_int(c->s, LL_STEP_RNN, "steps"));
	return LL_OK;
}

const ll_kind_def ll_kind_task = {
	.name = "task",
	.help = "a built-in task for recurrent networks ([rnn] task = flipflop or sine)",
	.load = load,
};
