/* Section "Provenance": the session file, software and machine, seeds
 * and the files beside the report.  Always in the report. */
#include "config.h"

#include "ll_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmark.h>
#include <lapacke.h>
#include <png.h>
#include <zlib.h>

/* OpenBLAS extensions (cblas.h is not included: it defines a macro named I). */
char *openblas_get_config(void);

/* The session file as it ran. */
static void session_file(doc *d)
{
	ll_session *s = d->s;
	doc_heading(d, 3, "session-file", "The session file");
	char *text = NULL;
	int unrun = 0; /* a partial report: some steps have not run with these values */
	for (int k = 0; k < LL_NSTEPS; k++)
		unrun += k != LL_STEP_REPORT && ll_step_runs((ll_step_kind)k) && s->state[k] != LL_STATE_ABSENT &&
			 s->state[k] != LL_STATE_DONE;
	if (unrun) {
		if (!(text = ll_session_format(s)))
			doc_fail(d, LL_ENOMEM, "the session file");
		doc_put(d, "Not every step has run: this is the session as it stands, and the steps whose state is "
			   "not done in the table above have not run with it");
	} else if (s->dirty || !s->text) {
		if (!(text = ll_session_format(s)))
			doc_fail(d, LL_ENOMEM, "the session file");
		doc_put(d, "The parameters were edited after the file was loaded; this is the session as it ran");
	} else {
		doc_put(d, "This is the session file as it ran");
	}
	if (s->path) {
		doc_put(d, " (loaded from ");
		doc_md_path(d, s->path);
		doc_put(d, ")");
	}
	doc_put(d, ". Saved beside this report as `session.lab` by `latentlab run`.\n\n");
	doc_code(d, "ini", text ? text : s->text ? s->text : "");
	ll_free(text);
	doc_put(d, "\n");
}

/* The folders the steps wrote, from the step list: what each holds. */
static void step_files(doc *d)
{
	for (int k = 0; k < LL_NSTEPS; k++)
		if (doc_step_done(d, (ll_step_kind)k) && d->s->wrote[k] && ll_step_outputs((ll_step_kind)k))
			doc_putf(d, "`%s/` (%s), ", ll_step_name((ll_step_kind)k), ll_step_outputs((ll_step_kind)k));
}

static void sec_provenance(doc *d)
{
	ll_session *s = d->s;
	char date[40];
	doc_iso_date(s->started, date, sizeof date);
	doc_put(d, "What produced this report, so that it can be reproduced and its numbers compared.\n\n");
	session_file(d);
	doc_heading(d, 3, "software", "Software and machine");
	doc_tbl_begin(d, "Software");
	doc_tbl_head(d, "component|version");
	doc_put(d, "<tr><td>latentlab</td><td>" PACKAGE_VERSION "</td></tr>\n");
	const char *ob = openblas_get_config();
	doc_put(d, "<tr><td>OpenBLAS</td><td>");
	doc_html_text(d, ob ? ob : "unknown");
	doc_put(d, "</td></tr>\n");
	lapack_int ma = 0, mi = 0, pa = 0;
	LAPACKE_ilaver(&ma, &mi, &pa);
	doc_putf(d, "<tr><td>LAPACK</td><td>%d.%d.%d</td></tr>\n", (int)ma, (int)mi, (int)pa);
	doc_put(d, "<tr><td>cmark</td><td>");
	doc_html_text(d, cmark_version_string());
	doc_put(d, "</td></tr>\n<tr><td>libpng</td><td>");
	doc_html_text(d, png_get_libpng_ver(NULL));
	doc_put(d, "</td></tr>\n<tr><td>zlib</td><td>");
	doc_html_text(d, zlibVersion());
	doc_put(d, "</td></tr>\n");
#if defined(__VERSION__)
	doc_put(d, "<tr><td>compiler</td><td>");
#if defined(__clang__)
	doc_put(d, "clang ");
#elif defined(__GNUC__)
	doc_put(d, "gcc ");
#endif
	doc_html_text(d, __VERSION__);
	doc_put(d, "</td></tr>\n");
#endif
	doc_tbl_end(d);

	struct utsname u;
	char os[160] = "unknown";
	if (uname(&u) == 0)
		snprintf(os, sizeof os, "%s %s", u.sysname, u.machine);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	doc_tbl_begin(d, "Machine and run");
	doc_tbl_head(d, "item|value");
	doc_tr_begin(d, 0);
	doc_td(d, "system (uname -sm)");
	doc_td(d, os);
	doc_tr_end(d);
	doc_putf(d, "<tr><td>CPUs online</td><td>%ld</td></tr>\n", ncpu);
	/* what decided the threads (base/ll_threads.h): the session's key,
	 * the environment the run saw; each step's count is in Steps as run */
	doc_put(d, "<tr><td>session threads</td><td>");
	doc_html_text(d, doc_param(d, LL_STEP_SESSION, "threads"));
	doc_put(d, " (0 = automatic: the CPUs free to latentlab when each step started; each step's count is "
		   "under Steps as run)</td></tr>\n");
	doc_put(d, "<tr><td>OpenBLAS threads</td><td>the step's threads");
	if (getenv("OPENBLAS_NUM_THREADS")) {
		doc_put(d, ", at most OPENBLAS_NUM_THREADS = ");
		doc_html_text(d, getenv("OPENBLAS_NUM_THREADS"));
	}
	doc_put(d, "; 1 inside parallel loops</td></tr>\n");
	static const char *const envs[] = {"OMP_NUM_THREADS", "OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT"};
	for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
		const char *v = getenv(envs[i]);
		doc_putf(d, "<tr><td>%s</td><td>", envs[i]);
		doc_html_text(d, v ? v : i == 0 ? "unset" : "unset (idle threads spin)");
		doc_put(d, "</td></tr>\n");
	}
	if (ll_report_has_tca(s))
		doc_putf(d, "<tr><td>TCA worker threads</td><td>%d</td></tr>\n", s->res.tca->ens.opts.threads);
	doc_putf(d, "<tr><td>run (data step started, UTC)</td><td>%s</td></tr>\n", date);
	doc_put(d, "<tr><td>session seed</td><td><code>");
	doc_html_text(d, doc_param(d, LL_STEP_SESSION, "seed"));
	doc_put(d, "</code></td></tr>\n");
	doc_tbl_end(d);
	doc_put(d, "**Seeds.** Every random choice derives from the session seed: ");
	if (doc_step_present(d, LL_STEP_TRAIN))
		doc_put(d, "each model's initial weights and minibatch order, ");
	if (!strcmp(doc_param(d, LL_STEP_DATA, "kind"), "synth"))
		doc_put(d, "the simulated population and its noise, ");
	doc_put(d, "and the starting point of every TCA fit (listed with the fits above).\n\n");
	doc_put(d, "**Files.** Beside this report: `session.lab` (the session), ");
	step_files(d);
	/* the figures built, from the sections' descriptors, in report order */
	doc_put(d, "and `figures/`: ");
	for (size_t i = 0; i < d->nfigs; i++)
		doc_putf(d, "%s`%s.png` + `.csv`", i ? ", " : "", d->figs[i].f.name);
	doc_put(d, d->nfigs ? ".\n" : "none.\n");
}

const ll_section ll_section_provenance = {
	.id = "provenance",
	.title = "Provenance",
	.write = sec_provenance,
};
