/*
 * latentlab run / demo: replay a session file in batch, or run the
 * built-in demo session.  Both drive the same session code as the
 * workbench (src/pipeline/ll_session.h); the report comes from report/.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_limits.h"
#include "cli/cmd.h"
#include "base/ll_fs.h"
#include "ll_report.h"
#include "pipeline/ll_record.h"
#include "pipeline/ll_resume.h"
#include "pipeline/ll_session.h"

/* SIGINT / SIGTERM / SIGHUP: the handler only sets these; the running
 * step sees the cancel flag (ll_session_canceled) and stops, its open
 * files aborted (no temporaries left).  SA_RESETHAND: a second signal
 * kills at once. */
static atomic_int run_cancel;
static volatile sig_atomic_t run_signo;

static void on_signal(int sig)
{
	run_signo = sig;
	atomic_store(&run_cancel, 1);
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

typedef struct run_ui {
	int tty;     /* stderr is a terminal: show a progress line */
	int quiet;
	int verbose;
	double t0;
	int line_open;
} run_ui;

static int run_progress(void *ud, const ll_progress *p)
{
	run_ui *u = ud;
	if (!u->tty || u->quiet)
		return 0;
	char bar[21];
	int fill = p->frac < 0 ? 0 : (int)(p->frac * 20 + 0.5);
	for (int i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[20] = '\0';
	fprintf(stderr, "\r\033[K[%s] %-8s %5.1f s  %.60s", bar, p->stage ? p->stage : "",
		ll_now() - u->t0, p->detail ? p->detail : "");
	fflush(stderr);
	u->line_open = 1;
	return 0;
}

static void run_log(void *ud, const char *line)
{
	run_ui *u = ud;
	if (u->line_open) {
		fputs("\r\033[K", stderr);
		u->line_open = 0;
	}
	/* warnings are shown even without -v */
	if (u->verbose || strstr(line, "warning: "))
		fprintf(stderr, "%s\n", line);
}

static void run_usage(FILE *fp, int demo)
{
	if (demo)
		fputs("usage: latentlab demo [-o OUTDIR] [OPTIONS]\n"
		      "\n"
		      "Run the built-in session (examples/mnist.lab) on the bundled MNIST subset:\n"
		      "train 30 small MLPs, log the mean hidden activity of every unit for every\n"
		      "digit over training, decompose models x digits x units x snapshots with TCA,\n"
		      "project every model's training path to 3-D, and write the report.\n",
		      fp);
	else
		fputs("usage: latentlab run SESSION -o OUTDIR [OPTIONS]\n"
		      "\n"
		      "Replay a session file in batch: every step in order, every result (.npy +\n"
		      "JSON) and the report (report.md, report.html, figures) written to OUTDIR.\n",
		      fp);
	fputs("\noptions:\n"
	      "  -o, --output OUTDIR   write results here (created if needed)\n", fp);
	if (demo)
		fputs("                        (default: latentlab-demo)\n"
		      "      --models N        train N models instead of 30\n", fp);
	fputs("  -j, --threads N       worker threads (default: the session's threads; 0 =\n"
	      "                        automatic, the CPUs free to latentlab when each step\n"
	      "                        starts; see 'latentlab info --threads')\n"
	      "      --force           write into a non-empty folder latentlab did not make\n"
	      "                        (beside what is there; latentlab never removes it)\n"
	      "      --max-input-bytes N  refuse inputs that decode to more than N bytes\n"
	      "                        (K, M, G suffixes; default: half the memory)\n"
	      "      --no-report       skip the report step\n"
	      "      --resume          steps OUTDIR holds the results of, from a run with\n"
	      "                        the same parameters, are read back, not computed\n"
	      "                        again (data, tensor, tca, trajectory; the report\n"
	      "                        is always written again)\n"
	      "  -v, --verbose         log every step on stderr\n"
	      "  -q, --quiet           no progress line\n"
	      "  -h, --help            show this help\n"
	      "\nCtrl-C (SIGINT) or SIGTERM stops the running step cleanly (no temporary\n"
	      "files left), OUTDIR keeps the steps that finished and results.json says\n"
	      "which, and the exit status is 130 or 143; a second Ctrl-C kills at once.\n"
	      "\nExit status: 0 success, 1 error, 2 usage error, 128 + N stopped by signal N.\n", fp);
}

static int run_main(int argc, char **argv, int demo, const char *quoted)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'}, {"threads", required_argument, NULL, 'j'},
		{"models", required_argument, NULL, 'M'}, {"no-report", no_argument, NULL, 'R'},
		{"verbose", no_argument, NULL, 'v'},      {"quiet", no_argument, NULL, 'q'},
		{"force", no_argument, NULL, 'F'},        {"help", no_argument, NULL, 'h'},
		{"max-input-bytes", required_argument, NULL, 'B'}, {"resume", no_argument, NULL, 'S'},
		{NULL, 0, NULL, 0},
	};
	const char *outdir = demo ? "latentlab-demo" : NULL, *threads = NULL, *models = NULL;
	int no_report = 0, force = 0, resume = 0, c;
	run_ui ui = {isatty(2), 0, 0, ll_now(), 0};
	const char *cmd = demo ? "demo" : "run";

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:j:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outdir = optarg; break;
		case 'j': threads = optarg; break;
		case 'M':
			if (!demo) {
				cmd_error("%s: unknown option '--models' (try 'latentlab %s --help')", cmd, cmd);
				return 2;
			}
			models = optarg;
			break;
		case 'R': no_report = 1; break;
		case 'S': resume = 1; break;
		case 'F': force = 1; break;
		case 'B': {
			size_t lim;
			if (cmd_parse_bytes(cmd, "--max-input-bytes", optarg, &lim) != 0)
				return 2;
			ll_input_limit_set(lim);
			break;
		}
		case 'v': ui.verbose = 1; break;
		case 'q': ui.quiet = 1; break;
		case 'h': run_usage(stdout, demo); return 0;
		case ':':
			cmd_error("%s: option '%s' needs a value (try 'latentlab %s --help')", cmd,
				  argv[optind - 1], cmd);
			return 2;
		default:
			cmd_error("%s: unknown option '%s' (try 'latentlab %s --help')", cmd,
				  argv[optind - 1], cmd);
			return 2;
		}
	}
	const char *path = NULL;
	if (!demo) {
		if (optind >= argc) {
			cmd_error("run: no session file given (try 'latentlab run --help')");
			return 2;
		}
		path = argv[optind++];
	}
	if (optind < argc) {
		cmd_error("%s: unexpected argument '%s'", cmd, argv[optind]);
		return 2;
	}
	if (!outdir) {
		cmd_error("run: no output directory: use -o OUTDIR");
		return 2;
	}

	ll_session s;
	ll_err err = {0, ""};
	int rc = demo ? ll_session_load_text(&s, ll_session_demo_text(), "(built-in demo)", &err)
		      : ll_session_load(&s, path, &err);
	if (rc != LL_OK) {
		cmd_error("%s", err.msg);
		return 1;
	}
	if (threads && (rc = ll_session_set(&s, LL_STEP_SESSION, "threads", threads, &err)) != LL_OK) {
		cmd_error("%s: --threads: %s", cmd, err.msg);
		ll_session_free(&s);
		return 2;
	}
	if (models && (rc = ll_session_set(&s, LL_STEP_TRAIN, "models", models, &err)) != LL_OK) {
		cmd_error("%s: --models: %s", cmd, err.msg);
		ll_session_free(&s);
		return 2;
	}
	if (no_report)
		s.state[LL_STEP_REPORT] = LL_STATE_ABSENT;
	s.report_fn = ll_report_session;
	ll_report_opts ropts = {.command = quoted};
	s.report_ud = &ropts;
	s.cancel = &run_cancel;
	setvbuf(stdout, NULL, _IOLBF, 0);
	install_signals();
	s.log_fn = run_log;
	s.log_ud = &ui;
	s.dirty = 0;

	char *cmdline = cmd_join_args(argc, argv);
	const char *what = cmdline ? cmdline : "latentlab";
	ll_outdir od;
	/* OUTDIR: ours, one writer, marked as running before anything changes;
	 * then the session as run, so the folder replays itself */
	int have_dir = (rc = ll_record_open(&od, &s, outdir, force ? LL_OUTDIR_FORCE : 0, what, &err)) == LL_OK;
	unsigned resumed = 0;
	/* before the record is rewritten: it says which steps were done */
	if (have_dir && resume && (rc = ll_session_resume(&s, outdir, &resumed, &err)) == LL_OK) {
		/* the run starts by removing the old report: it is written again */
		if (resumed & LL_STEP_BIT(LL_STEP_REPORT))
			ll_session_reset(&s, LL_STEP_BIT(LL_STEP_REPORT));
		for (int k = 0; k < LL_NSTEPS && !ui.quiet; k++)
			if ((resumed & LL_STEP_BIT(k)) && k != LL_STEP_REPORT)
				printf("%-10s resumed   %s\n", ll_step_name((ll_step_kind)k), s.status[k]);
	}
	if (have_dir && rc == LL_OK && (rc = ll_record_begin(&od, &s, what, 0.0, &err)) == LL_OK &&
	    (rc = ll_record_session_copy(&s, outdir, &err)) == LL_OK) {
		/* each step's line as it finishes, so a log or a pipe follows
		 * the run (stdout is line-buffered below) */
		for (ll_step_kind k; rc == LL_OK && (k = ll_session_next(&s)) != LL_NSTEPS;) {
			rc = ll_session_run_step(&s, k, outdir, run_progress, &ui, &err);
			if (rc == LL_OK && !ui.quiet) {
				run_log(&ui, "");
				printf("%-10s %6.2f s  %s\n", ll_step_name(k), s.seconds[k], s.status[k]);
			}
		}
	}
	run_log(&ui, "");
	double secs = ll_now() - ui.t0;
	if (have_dir) {
		/* also after a failure: the record must not say a stale "done" */
		ll_err e2 = {0, ""};
		int rc2 = ll_record_end(&od, &s, what, secs, &e2);
		if (rc == LL_OK && rc2 != LL_OK) {
			rc = rc2;
			err = e2;
		}
	}
	ll_outdir_close(&od);
	int sig = run_signo;
	if (sig) {
		cmd_error("%s: stopped by %s: the running step was canceled; "
			  "%s holds the steps that finished (results.json says which)", cmd,
			  sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP", outdir);
	} else if (rc != LL_OK) {
		cmd_error("%s", err.msg);
	} else if (!ui.quiet) {
		printf("results in %s (%.1f s)\n", outdir, secs);
	}
	ll_free(cmdline);
	ll_session_free(&s);
	/* the shell's convention for a death by signal, without dying of it */
	return sig ? 128 + sig : rc == LL_OK ? 0 : 1;
}

static int run_common(int argc, char **argv, int demo)
{
	/* the command as typed, quoted, for the report's provenance: taken
	 * before getopt_long reorders argv */
	char *quoted = ll_report_command(argc, argv);
	int rc = run_main(argc, argv, demo, quoted);
	ll_free(quoted);
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	return run_common(argc, argv, 0);
}

static int cmd_demo(int argc, char **argv)
{
	return run_common(argc, argv, 1);
}

const ll_cmd ll_cmd_run = {"run", cmd_run, "replay a session file in batch, writing results and the report"};
const ll_cmd ll_cmd_demo = {"demo", cmd_demo, "run the built-in MNIST session on the bundled data"};
