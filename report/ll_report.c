/* The session report.  First version: the step table as Markdown. */
#include "ll_report.h"

#include <stdio.h>
#include <stdlib.h>

#include "ll_fs.h"

int ll_report_session(ll_session *s, const char *outdir, void *ud, ll_err *err)
{
	(void)ud;
	char *p = ll_path_join(outdir, "report.md");
	ll_afile af;
	int rc;
	if (!p)
		return ll_err_set(err, LL_ENOMEM, "out of memory");
	rc = ll_afile_open(&af, p, err);
	free(p);
	if (rc != LL_OK)
		return rc;
	fprintf(af.fp, "# %s\n\n", ll_session_get(s, LL_STEP_SESSION, "name"));
	ll_step_kind st[LL_NSTEPS];
	size_t n = ll_session_steps(s, st);
	for (size_t i = 0; i < n; i++)
		fprintf(af.fp, "- **%s** (%.2f s): %s\n", ll_step_name(st[i]), s->seconds[st[i]],
			s->status[st[i]]);
	return ll_afile_commit(&af, err);
}
