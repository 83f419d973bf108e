/*
 * latentlab run / demo / synth: replay a session file in batch, run the
 * built-in demo session, or write a simulated population with planted
 * ground truth.  `run` and `demo` drive the same session code as the
 * workbench (src/pipeline/ll_session.h); the report comes from report/.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "base/ll_fs.h"
#include "ll_report.h"
#include "pipeline/ll_record.h"
#include "pipeline/ll_session.h"
#include "sim/ll_synth.h"

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
	fputs("  -j, --threads N       worker threads (default: the session's, 0 = all cores)\n"
	      "      --no-report       skip the report step\n"
	      "  -v, --verbose         log every step on stderr\n"
	      "  -q, --quiet           no progress line\n"
	      "  -h, --help            show this help\n"
	      "\nExit status: 0 success, 1 error, 2 usage error.\n", fp);
}

static int run_common(int argc, char **argv, int demo)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'}, {"threads", required_argument, NULL, 'j'},
		{"models", required_argument, NULL, 'M'}, {"no-report", no_argument, NULL, 'R'},
		{"verbose", no_argument, NULL, 'v'},      {"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	const char *outdir = demo ? "latentlab-demo" : NULL, *threads = NULL, *models = NULL;
	int no_report = 0, c;
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
	s.log_fn = run_log;
	s.log_ud = &ui;
	s.dirty = 0;

	char *cmdline = cmd_join_args(argc, argv);
	/* the session as run, so the directory replays itself */
	int have_dir = (rc = ll_record_session_copy(&s, outdir, &err)) == LL_OK;
	if (have_dir)
		rc = ll_session_run_all(&s, outdir, run_progress, &ui, &err);
	run_log(&ui, "");
	double secs = ll_now() - ui.t0;
	if (have_dir) {
		/* also after a failure: the record must not say a stale "done" */
		ll_err e2 = {0, ""};
		int rc2 = ll_record_results(&s, outdir, cmdline ? cmdline : "latentlab", secs, &e2);
		if (rc == LL_OK && rc2 != LL_OK) {
			rc = rc2;
			err = e2;
		}
	}
	if (rc != LL_OK) {
		cmd_error("%s", err.msg);
	} else if (!ui.quiet) {
		ll_step_kind st[LL_NSTEPS];
		size_t n = ll_session_steps(&s, st);
		for (size_t i = 0; i < n; i++)
			printf("%-10s %6.2f s  %s\n", ll_step_name(st[i]), s.seconds[st[i]], s.status[st[i]]);
		printf("results in %s (%.1f s)\n", outdir, secs);
	}
	free(cmdline);
	ll_session_free(&s);
	return rc == LL_OK ? 0 : 1;
}

int cmd_run(int argc, char **argv)
{
	return run_common(argc, argv, 0);
}

int cmd_demo(int argc, char **argv)
{
	return run_common(argc, argv, 1);
}

static void synth_usage(FILE *fp)
{
	fputs("usage: latentlab synth -o OUTDIR [OPTIONS]\n"
	      "\n"
	      "Simulate a population of Poisson-spiking neurons (neurons x time x trials)\n"
	      "driven by planted latent factors: a slow learning factor across trials, a\n"
	      "fast within-trial factor, and a condition factor (trials alternate between\n"
	      "two conditions).  Writes OUTDIR/data.npy, labels.npy, truth_factor_0..2.npy,\n"
	      "truth_lambda.npy and synth.json (component names, options, seed), so an\n"
	      "analysis can be checked against the answer.\n"
	      "\noptions:\n"
	      "  -o, --output OUTDIR   write the files here (required)\n"
	      "      --neurons N       default 50\n"
	      "      --time N          time bins per trial, default 60\n"
	      "      --trials N        default 80\n"
	      "      --rank R          planted factors, default 3\n"
	      "      --noise KIND      poisson (default), gaussian or none\n"
	      "  -s, --seed S          default 1; [session] seed = S in a session with\n"
	      "                        [data] kind = synth makes the same population\n"
	      "  -h, --help            show this help\n", fp);
}

/* A whole number >= min; refuses signs, exponents and overflow. */
static int parse_count(const char *s, size_t *out, unsigned long long min)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno == ERANGE || v < min || v > SIZE_MAX)
		return 0;
	*out = (size_t)v;
	return 1;
}

int cmd_synth(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'}, {"neurons", required_argument, NULL, 'N'},
		{"time", required_argument, NULL, 'T'},   {"trials", required_argument, NULL, 'K'},
		{"rank", required_argument, NULL, 'R'},   {"noise", required_argument, NULL, 'z'},
		{"seed", required_argument, NULL, 's'},   {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	ll_synth_opts o;
	const char *outdir = NULL;
	int c;
	ll_synth_opts_default(&o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:s:h", opts, NULL)) != -1) {
		size_t v;
		switch (c) {
		case 'o': outdir = optarg; break;
		case 'N': case 'T': case 'K': case 'R': case 's':
			if (!parse_count(optarg, &v, c == 's' ? 0 : 1)) {
				const char *name = "?";
				for (const struct option *op = opts; op->name; op++)
					if (op->val == c)
						name = op->name;
				cmd_error("synth: --%s needs a %s whole number, not '%s'", name,
					  c == 's' ? "non-negative 64-bit" : "positive", optarg);
				return 2;
			}
			if (c == 'N') o.neurons = v;
			else if (c == 'T') o.time = v;
			else if (c == 'K') o.trials = v;
			else if (c == 'R') o.rank = v;
			else o.seed = v;
			break;
		case 'z':
			if (ll_synth_noise_parse(optarg, &o.noise) != LL_OK) {
				cmd_error("synth: --noise must be poisson, gaussian or none, not '%s'", optarg);
				return 2;
			}
			break;
		case 'h': synth_usage(stdout); return 0;
		case ':':
			cmd_error("synth: option '%s' needs a value (try 'latentlab synth --help')", argv[optind - 1]);
			return 2;
		default:
			cmd_error("synth: unknown option '%s' (try 'latentlab synth --help')", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		cmd_error("synth: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (!outdir) {
		cmd_error("synth: no output directory: use -o OUTDIR");
		return 2;
	}
	ll_err err = {0, ""};
	ll_synth sy;
	int rc = ll_synth_check(&o, &err);
	if (rc == LL_OK)
		rc = ll_synth_make(&o, &sy, &err);
	else
		memset(&sy, 0, sizeof sy);
	if (rc == LL_OK)
		rc = ll_synth_write(&sy, outdir, &err);
	if (rc == LL_OK)
		printf("wrote %zu neurons x %zu time bins x %zu trials (%zu planted factors, %s noise) to %s\n",
		       o.neurons, o.time, o.trials, o.rank, ll_synth_noise_name(o.noise), outdir);
	else
		cmd_error("%s", err.msg); /* ll_synth's messages start with "synth:" */
	ll_synth_free(&sy);
	return rc == LL_OK ? 0 : (rc == LL_EINVAL ? 2 : 1);
}
