/* Section "Provenance": the session file, software and machine, seeds
 * and the files beside the report.  Always in the report. */
#include "config.h"

#include "ll_doc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/ll_fs.h"
#include "base/ll_sha256.h"
#include "pipeline/ll_step.h"

#include <cmark.h>
#include <lapacke.h>
#include <png.h>
#include <zlib.h>

/* OpenBLAS extensions (cblas.h is not included: it defines a macro named I). */
char *openblas_get_config(void);

/* ---- inputs and their checksums ------------------------------------------ */

/* Files in a directory hashed at most (the MNIST IDX folder holds four). */
#define MAX_DIR_FILES 32

/* One row: the file as the session names it, its size and SHA-256 (or why
 * there is none). */
static void input_row(doc *d, const char *what, const char *path)
{
	struct stat st;
	char hex[LL_SHA256_HEX_LEN], size[32];
	ll_err e = {0, ""};
	doc_tr_begin(d, 0);
	char *shown = doc_path_shown(d, path);
	if (!shown) {
		doc_fail(d, LL_ENOMEM, "the input files");
		return;
	}
	doc_td(d, what);
	doc_td(d, shown);
	ll_free(shown);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		doc_td_html(d, DOC_NA);
		doc_td(d, "not found when the report was written");
	} else if (ll_sha256_file(path, hex, &e) != LL_OK) {
		snprintf(size, sizeof size, "%lld", (long long)st.st_size);
		doc_td_num_text(d, size);
		doc_td(d, e.msg);
	} else {
		snprintf(size, sizeof size, "%lld", (long long)st.st_size);
		doc_td_num_text(d, size);
		doc_td_code(d, hex);
	}
	doc_tr_end(d);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file directly in dir whose name starts with prefix ("" for
 * all), in name order. */
static void input_dir(doc *d, const char *what, const char *dir, const char *prefix)
{
	DIR *dp = opendir(dir);
	if (!dp) {
		input_row(d, what, dir);
		return;
	}
	char *names[MAX_DIR_FILES];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dp)) && n < MAX_DIR_FILES) {
		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		char *p = ll_path_join(dir, de->d_name);
		struct stat st;
		if (!p) {
			doc_fail(d, LL_ENOMEM, "the input files");
			break;
		}
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			names[n++] = p;
		else
			ll_free(p);
	}
	closedir(dp);
	qsort(names, n, sizeof names[0], cmp_names);
	for (size_t i = 0; i < n; i++) {
		input_row(d, what, names[i]);
		ll_free(names[i]);
	}
}

/* The session file and every file a path parameter of a step in the
 * session names (a folder: its files), with SHA-256 checksums taken when
 * the report is written, so a reader can check that they hold the same
 * bytes.  The bundled MNIST subset counts as an input when [data] path is
 * empty. */
static void inputs(doc *d)
{
	ll_session *s = d->s;
	doc_heading(d, 3, "inputs", "Input files");
	doc_put(d, "Each file the session read, with its size and SHA-256 checksum (taken when this report "
		   "was written; compare with `sha256sum FILE`).\n\n");
	doc_tbl_begin(d, "Input files");
	doc_tbl_head(d, "input|file|#bytes|SHA-256");
	if (s->path)
		input_row(d, "session file", s->path);
	for (int k = 0; k < LL_NSTEPS; k++) {
		if (s->state[k] == LL_STATE_ABSENT)
			continue;
		const ll_step_def *def = ll_step_def_of((ll_step_kind)k);
		for (size_t i = 0; def && i < def->nparams; i++) {
			if (def->params[i].type != LL_PARAM_PATH)
				continue;
			char what[96];
			snprintf(what, sizeof what, "[%s] %s", ll_step_name((ll_step_kind)k), def->params[i].key);
			char *p = ll_session_get_path(s, (ll_step_kind)k, def->params[i].key);
			struct stat st;
			if (!p) {
				doc_fail(d, LL_ENOMEM, "the input files");
				return;
			}
			if (*p && stat(p, &st) == 0 && S_ISDIR(st.st_mode))
				input_dir(d, what, p, "");
			else if (*p)
				input_row(d, what, p);
			else if (k == LL_STEP_DATA && !strcmp(def->params[i].key, "path") &&
				 !strcmp(doc_param(d, LL_STEP_DATA, "kind"), "mnist"))
				input_dir(d, "[data] path (bundled)", ll_bundled_data_dir(), "mnist-");
			ll_free(p);
		}
	}
	doc_tbl_end(d);
}

/* How to run it again: the command line, quoted for a shell. */
static void command(doc *d)
{
	doc_heading(d, 3, "command", "Command");
	if (d->command) {
		doc_put(d, "The command that wrote this report, from the directory it ran in:\n\n");
		doc_code(d, "sh", d->command);
		doc_put(d, "\n");
	} else {
		doc_put(d, "Written from the workbench, not by a command line; `latentlab run` with the session "
			   "file below, `-o` and an output directory, runs it again in batch.\n\n");
	}
}

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
	doc_details_begin(d, "The session file");
	doc_code(d, "ini", text ? text : s->text ? s->text : "");
	ll_free(text);
	doc_details_end(d);
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
	command(d);
	session_file(d);
	inputs(d);
	doc_heading(d, 3, "software", "Software and machine");
	doc_tbl_begin(d, "Software");
	doc_tbl_head(d, "component|version");
	doc_put(d, "<tr><td>latentlab</td><td>" PACKAGE_VERSION "</td></tr>\n");
	doc_tr_begin(d, 0);
	doc_td(d, "build commit (git describe)");
	doc_td_code(d, LL_BUILD_COMMIT);
	doc_tr_end(d);
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
