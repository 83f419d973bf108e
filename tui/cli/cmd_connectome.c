/*
 * latentlab connectome: the functional connectome of a recording -- a
 * session ([tensor] of = connectome, [tca] ncp-hals, the connectome step
 * and the report) made from the options and run as `latentlab run` runs
 * one, so OUTDIR holds the same files and its session.lab replays it.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_limits.h"
#include "cli/cmd.h"
#include "ll_report.h"
#include "pipeline/ll_record.h"
#include "pipeline/ll_session.h"

static void conn_usage(FILE *fp)
{
	fputs("usage: latentlab connectome DATA -o OUTDIR [OPTIONS]\n"
	      "\n"
	      "The functional connectome of a recording (Dyballa et al.): the affinity of\n"
	      "every pair of neurons in sliding windows, neurons x neurons x windows x\n"
	      "trials, factored by non-negative TCA into components, each a community of\n"
	      "neurons with the windows where it holds together.  DATA is a .npy, .npz or\n"
	      ".csv array, neurons x time or neurons x time x trials (see --modes).\n"
	      "Writes what `latentlab run` writes for the equivalent session, which it\n"
	      "saves as OUTDIR/session.lab: OUTDIR/tensor/ (the affinity tensor),\n"
	      "tca/, connectome/communities.json and the report.\n"
	      "\noptions:\n"
	      "  -o, --output OUTDIR   write the results here (required)\n"
	      "  -w, --window N        samples per window (default 20)\n"
	      "      --step N          samples between window starts (default 10)\n"
	      "  -a, --affinity A      correlation (default; negatives clipped to 0) or\n"
	      "                        gaussian (exp(-(1 - r) / bandwidth^2))\n"
	      "      --bandwidth S     the Gaussian kernel's sigma (default 1)\n"
	      "  -r, --ranks A-B|R     ranks to fit (default 1-8)\n"
	      "      --rank R|auto     the rank to read communities from (default auto)\n"
	      "  -n, --replicates N    fits per rank (default 4)\n"
	      "      --active F        a window is active where the window factor is at\n"
	      "                        least F of its peak (default 0.5)\n"
	      "      --modes NAMES     DATA's mode names, e.g. time,neuron,trial (default:\n"
	      "                        neurons x time x trials)\n"
	      "  -s, --seed S          the session seed (default 0)\n"
	      "  -j, --threads N       worker threads (default 0: automatic)\n"
	      "      --force           write into a non-empty folder latentlab did not make\n"
	      "      --no-report       skip the report\n"
	      "  -q, --quiet           print nothing on success\n"
	      "  -h, --help            show this help\n"
	      "\nExit status: 0 success, 1 error, 2 usage error.\n",
	      fp);
}

static const char conn_template[] = "[session]\n"
				    "name = connectome\n"
				    "[data]\n"
				    "kind = npy\n"
				    "[tensor]\n"
				    "of = connectome\n"
				    "[tca]\n"
				    "ranks = 1-8\n"
				    "replicates = 4\n"
				    "method = ncp-hals\n"
				    "[connectome]\n"
				    "[report]\n"
				    "title = Functional connectome\n";

/* the options that are session keys: option, step, key */
static const struct conn_key {
	int opt;
	ll_step_kind step;
	const char *key;
} conn_keys[] = {
	{'w', LL_STEP_TENSOR, "window"},   {'S', LL_STEP_TENSOR, "step"},
	{'a', LL_STEP_TENSOR, "affinity"}, {'b', LL_STEP_TENSOR, "bandwidth"},
	{'r', LL_STEP_TCA, "ranks"},       {'R', LL_STEP_TCA, "rank"},
	{'n', LL_STEP_TCA, "replicates"},  {'A', LL_STEP_CONNECTOME, "active"},
	{'m', LL_STEP_DATA, "modes"},      {'s', LL_STEP_SESSION, "seed"},
	{'j', LL_STEP_SESSION, "threads"},
};
#define NKEYS (sizeof conn_keys / sizeof conn_keys[0])

static int cmd_connectome(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},   {"window", required_argument, NULL, 'w'},
		{"step", required_argument, NULL, 'S'},     {"affinity", required_argument, NULL, 'a'},
		{"bandwidth", required_argument, NULL, 'b'}, {"ranks", required_argument, NULL, 'r'},
		{"rank", required_argument, NULL, 'R'},     {"replicates", required_argument, NULL, 'n'},
		{"active", required_argument, NULL, 'A'},   {"modes", required_argument, NULL, 'm'},
		{"seed", required_argument, NULL, 's'},     {"threads", required_argument, NULL, 'j'},
		{"force", no_argument, NULL, 'F'},          {"no-report", no_argument, NULL, 'N'},
		{"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *outdir = NULL, *val[NKEYS] = {0};
	int force = 0, no_report = 0, quiet = 0, c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:w:a:r:n:s:j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outdir = optarg; break;
		case 'F': force = 1; break;
		case 'N': no_report = 1; break;
		case 'q': quiet = 1; break;
		case 'h': conn_usage(stdout); return 0;
		case ':':
		case '?':
			return cmd_bad_option("connectome", c, argv);
		default:
			for (size_t k = 0; k < NKEYS; k++)
				if (conn_keys[k].opt == c)
					val[k] = optarg;
			break;
		}
	}
	if (optind >= argc)
		return cmd_usage_error("connectome", "no data file given");
	const char *data = argv[optind++];
	if (optind < argc)
		return cmd_usage_error("connectome", "unexpected argument '%s'", argv[optind]);
	if (!outdir)
		return cmd_usage_error("connectome", "no output directory: use -o OUTDIR");

	ll_session s;
	ll_err err = {0, ""};
	if (ll_session_load_text(&s, conn_template, "(connectome)", &err) != LL_OK) {
		cmd_error("connectome: %s", err.msg);
		return 1;
	}
	size_t dl = strlen(data);
	int rc = ll_session_set(&s, LL_STEP_DATA, "kind", dl > 4 && !strcmp(data + dl - 4, ".csv") ? "csv" : "npy", &err);
	if (rc == LL_OK)
		rc = ll_session_set(&s, LL_STEP_DATA, "path", data, &err);
	if (rc != LL_OK) {
		cmd_error("connectome: %s: %s", data, err.msg);
		ll_session_free(&s);
		return 1;
	}
	for (size_t k = 0; k < NKEYS; k++)
		if (val[k] && ll_session_set(&s, conn_keys[k].step, conn_keys[k].key, val[k], &err) != LL_OK) {
			const char *name = "?";
			for (const struct option *op = opts; op->name; op++)
				if (op->val == conn_keys[k].opt)
					name = op->name;
			rc = cmd_usage_error("connectome", "--%s: %s", name, err.msg);
			ll_session_free(&s);
			return rc;
		}
	if (no_report)
		s.state[LL_STEP_REPORT] = LL_STATE_ABSENT;
	s.report_fn = ll_report_session;
	s.dirty = 0;

	char *cmdline = cmd_join_args(argc, argv);
	const char *what = cmdline ? cmdline : "latentlab connectome";
	double t0 = ll_now();
	ll_outdir od;
	/* as `latentlab run`: OUTDIR ours and marked running, the session as
	 * run saved in it, the steps, then the record closed also on failure */
	int have_dir = (rc = ll_record_open(&od, &s, outdir, force ? LL_OUTDIR_FORCE : 0, what, &err)) == LL_OK;
	if (have_dir && (rc = ll_record_begin(&od, &s, what, 0.0, &err)) == LL_OK &&
	    (rc = ll_record_session_copy(&s, outdir, &err)) == LL_OK)
		rc = ll_session_run_all(&s, outdir, NULL, NULL, &err);
	double secs = ll_now() - t0;
	if (have_dir) {
		ll_err e2 = {0, ""};
		int rc2 = ll_record_end(&od, &s, what, secs, &e2);
		if (rc == LL_OK && rc2 != LL_OK) {
			rc = rc2;
			err = e2;
		}
	}
	ll_outdir_close(&od);
	if (rc != LL_OK) {
		cmd_error("connectome: %s", err.msg);
	} else if (!quiet) {
		ll_step_kind st[LL_NSTEPS];
		size_t n = ll_session_steps(&s, st);
		for (size_t i = 0; i < n; i++)
			printf("%-10s %6.2f s  %s\n", ll_step_name(st[i]), s.seconds[st[i]], s.status[st[i]]);
		printf("results in %s (%.1f s)\n", outdir, secs);
	}
	ll_free(cmdline);
	ll_session_free(&s);
	return rc == LL_OK ? 0 : 1;
}

const ll_cmd ll_cmd_connectome = {"connectome", cmd_connectome,
				  "communities of a recording's functional connectome (windowed affinities, NTF)"};
