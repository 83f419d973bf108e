/* [data] kind = synth: a simulated population with planted factors (the
 * same as `latentlab synth -s SEED`), written to OUTDIR/data/. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pipeline/ll_kind.h"
#include "sim/ll_synth.h"

static int load(ll_step_ctx *c, const char *path, struct ll_res_data *d, int **labels, ll_err *err)
{
	ll_session *s = c->s;
	ll_synth_opts o;
	ll_synth sy;
	int rc;

	(void)path;
	ll_synth_opts_default(&o);
	o.neurons = (size_t)ll_session_get_int(s, LL_STEP_DATA, "neurons");
	o.time = (size_t)ll_session_get_int(s, LL_STEP_DATA, "time");
	o.trials = (size_t)ll_session_get_int(s, LL_STEP_DATA, "trials");
	o.rank = (size_t)ll_session_get_int(s, LL_STEP_DATA, "rank");
	o.conditions = (size_t)ll_session_get_int(s, LL_STEP_DATA, "conditions");
	o.noise = (ll_synth_noise)ll_session_get_enum(s, LL_STEP_DATA, "noise");
	/* the session seed as is: `latentlab synth -s SEED` makes the same population */
	o.seed = (uint64_t)ll_session_get_int(s, LL_STEP_SESSION, "seed");
	if ((rc = ll_synth_make(&o, &sy, err)) != LL_OK) {
		ll_synth_free(&sy);
		return rc;
	}
	if (c->outdir) {
		char *dir;
		if ((rc = ll_step_outdir(c, &dir, err)) == LL_OK)
			rc = ll_synth_write(&sy, dir, err);
		ll_free(dir);
		if (rc != LL_OK) {
			ll_synth_free(&sy);
			return rc;
		}
	}
	/* the session takes the arrays over */
	d->X = sy.data;
	memset(&sy.data, 0, sizeof sy.data);
	d->truth = sy.truth;
	memset(&sy.truth, 0, sizeof sy.truth);
	*labels = sy.labels;
	sy.labels = NULL;
	ll_synth_free(&sy);
	ll_step_status(c, "simulated %zu neurons x %zu time bins x %zu trials, %zu planted factors, %s noise",
		       o.neurons, o.time, o.trials, o.rank, ll_synth_noise_name(o.noise));
	return LL_OK;
}

const ll_kind_def ll_kind_synth = {
	.name = "synth",
	.help = "a simulated population with planted factors (neurons, time, trials, conditions, rank, noise)",
	.array = 1,
	.load = load,
};
