/* Out of memory anywhere in a whole run: `latentlab run examples/bio.lab`
 * in process (load, every step, the report, results.json and the session
 * copy) and a whole `latentlab tca` of the bundled planted tensor at the
 * command's defaults, with the k-th allocation refused for every k, one
 * child process per k (ll_failalloc_forksweep).  Each must end with
 * LL_ENOMEM and a clear message, free every block, and leave no temporary
 * file: the way Lua and libuv test their out-of-memory paths. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/ll_ens_io.h"
#include "io/ll_npy.h"
#include "ll_failalloc.h"
#include "ll_report.h"
#include "ll_test.h"
#include "pipeline/ll_record.h"
#include "pipeline/ll_session.h"
#include "tensor/ll_ens.h"

#ifndef LL_SRCDIR
#define LL_SRCDIR "."
#endif

static char g_base[64];      /* the test's folder */
static char g_out[4096];     /* where the work writes (a child moves it) */
static int g_child_n;

static void at_fork(void *ud)
{
	(void)ud;
	/* the child writes the rest of its run into a folder of its own */
	snprintf(g_out, sizeof g_out, "%s/child%d", g_base, g_child_n++);
}

static int no_tmp_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int bad = 0;
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[4300];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			bad |= no_tmp_in(p);
		else if (strstr(e->d_name, ".tmp.") && !strstr(e->d_name, ".keep")) {
			printf("# left behind: %s\n", p);
			bad = 1;
		}
	}
	closedir(d);
	return bad;
}

static char g_msg[LL_ERRMSG_MAX];

static int check_child(void *ud, size_t k, int rc)
{
	(void)ud;
	int bad = no_tmp_in(g_out);
	if (rc == LL_ENOMEM && !strstr(g_msg, "out of memory")) {
		printf("# k=%zu: the message does not say so: %s\n", k, g_msg);
		bad = 1;
	}
	return bad;
}

/* ---- a whole run of examples/bio.lab ---- */
static int bio_run(void *ud)
{
	(void)ud;
	ll_session s;
	ll_err e = {0, ""};
	int rc = ll_session_load(&s, LL_SRCDIR "/examples/bio.lab", &e);
	if (rc == LL_OK)
		rc = ll_session_set(&s, LL_STEP_SESSION, "threads", "1", &e); /* fork keeps one thread */
	/* as `latentlab run` does it (tui/cli/cmd_run.c) */
	ll_outdir od = LL_OUTDIR_INIT;
	const char *what = "latentlab run examples/bio.lab";
	int have_dir = 0;
	if (rc == LL_OK) {
		s.report_fn = ll_report_session;
		have_dir = (rc = ll_record_open(&od, &s, g_out, 0, what, &e)) == LL_OK;
	}
	if (have_dir && (rc = ll_record_begin(&od, &s, what, 0.0, &e)) == LL_OK &&
	    (rc = ll_record_session_copy(&s, g_out, &e)) == LL_OK)
		rc = ll_session_run_all(&s, g_out, NULL, NULL, &e);
	if (have_dir) {
		ll_err e2 = {0, ""};
		int rc2 = ll_record_end(&od, &s, what, 0.0, &e2);
		if (rc == LL_OK && rc2 != LL_OK) {
			rc = rc2;
			e = e2;
		}
	}
	ll_outdir_close(&od);
	snprintf(g_msg, sizeof g_msg, "%s", e.msg);
	ll_session_free(&s);
	return rc;
}

/* ---- a whole tca of planted.npy, as `latentlab tca` runs it ---- */
static int tca_run(void *ud)
{
	(void)ud;
	ll_tensor X;
	ll_ensemble ens;
	ll_ens_opts o;
	ll_err e = {0, ""};
	memset(&ens, 0, sizeof ens);
	int rc = ll_array_read(LL_SRCDIR "/examples/data/planted.npy", &X, NULL, &e);
	if (rc == LL_OK) {
		ll_ens_opts_default(&o);
		o.threads = 1;
		rc = ll_ens_fit(&X, &o, &ens, &e);
		if (rc == LL_OK)
			rc = ll_ens_write(&ens, g_out, &X, NULL, &e);
	}
	snprintf(g_msg, sizeof g_msg, "%s", e.msg);
	ll_ens_free(&ens);
	ll_tensor_free(&X);
	return rc;
}

static void sweep(const char *name, int (*run)(void *), const char *sub)
{
	snprintf(g_out, sizeof g_out, "%s/%s", g_base, sub);
	char watch[4096]; /* g_out moves in the children */
	snprintf(watch, sizeof watch, "%s", g_out);
	ll_failalloc_forksweep s = {.name = name, .run = run, .at_fork = at_fork, .check = check_child,
				    .watch_dir = watch};
	int bad = ll_failalloc_forksweep_run(&s);
	printf("# %s: %zu allocations, %zu failing runs in %.1f s: %zu wrong codes, %zu leaks, %zu checks, "
	       "%zu temporaries kept, %zu crashes\n", name, s.n, s.runs, s.seconds, s.wrong_rc, s.leaked,
	       s.bad_check, s.kept_tmp, s.crashed);
	LL_CHECK_MSG(!bad, "%s: the sweep found problems", name);
	LL_CHECK_MSG(s.n > 100, "%s: only %zu allocations: is the hook in place?", name, s.n);
}

static void test_oom_bio_run(void)
{
	sweep("run examples/bio.lab", bio_run, "bio");
}

static void test_oom_tca(void)
{
	sweep("tca planted.npy", tca_run, "tca");
}

int main(void)
{
	/* on tmpfs where there is one: every child commits files, and fsync
	 * on a disk would cost more than the rest of the child */
	snprintf(g_base, sizeof g_base, "%s/ll_oomrun_XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(g_base))
		return 1;
	LL_RUN(test_oom_bio_run);
	LL_RUN(test_oom_tca);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", g_base);
	if (system(cmd) != 0)
		return 1;
	return ll_test_done();
}
