/*
 * latentlab synth: write a simulated population with planted ground truth
 * (src/sim/ll_synth.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "pipeline/ll_outdir.h"
#include "sim/ll_synth.h"

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
	      "      --conditions C    trial conditions, labels 0..C-1 in turn (default 2);\n"
	      "                        the condition factors are tuned to one each\n"
	      "      --rank R          planted factors, default 3\n"
	      "      --noise KIND      poisson (default), gaussian or none\n"
	      "      --peak-hz F       spikes/s at a factor's peak, default 40 (with 50 ms\n"
	      "                        bins: 2 spikes per bin; lower makes sparse counts)\n"
	      "      --baseline-hz F   spikes/s added everywhere, default 0 (> 0 plants one\n"
	      "                        more, constant component)\n"
	      "  -s, --seed S          default 1; [session] seed = S in a session with\n"
	      "                        [data] kind = synth makes the same population\n"
	      "      --force           write into a non-empty folder latentlab did not make\n"
	      "  -h, --help            show this help\n", fp);
}

static int cmd_synth(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'}, {"neurons", required_argument, NULL, 'N'},
		{"time", required_argument, NULL, 'T'},   {"trials", required_argument, NULL, 'K'},
		{"rank", required_argument, NULL, 'R'},   {"conditions", required_argument, NULL, 'C'},
		   {"noise", required_argument, NULL, 'z'},
		{"peak-hz", required_argument, NULL, 'P'}, {"baseline-hz", required_argument, NULL, 'B'},
		{"seed", required_argument, NULL, 's'},   {"help", no_argument, NULL, 'h'},
		{"force", no_argument, NULL, 'F'},        {NULL, 0, NULL, 0},
	};
	ll_synth_opts o;
	const char *outdir = NULL;
	int c, force = 0;
	ll_synth_opts_default(&o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:s:h", opts, NULL)) != -1) {
		size_t v;
		switch (c) {
		case 'o': outdir = optarg; break;
		case 'N': case 'T': case 'K': case 'R': case 'C': case 's':
			if (!cmd_parse_count(optarg, c == 's' ? 0 : 1, SIZE_MAX, &v)) {
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
			else if (c == 'C') o.conditions = v;
			else o.seed = v;
			break;
		case 'z':
			if (ll_synth_noise_parse(optarg, &o.noise) != LL_OK) {
				cmd_error("synth: --noise must be poisson, gaussian or none, not '%s'", optarg);
				return 2;
			}
			break;
		case 'P': case 'B': {
			char *end;
			errno = 0;
			double f = strtod(optarg, &end);
			if (end == optarg || *end || errno || !isfinite(f) || (c == 'P' ? !(f > 0) : !(f >= 0))) {
				cmd_error("synth: --%s needs a %s number, not '%s'", c == 'P' ? "peak-hz" : "baseline-hz",
					  c == 'P' ? "positive" : "non-negative", optarg);
				return 2;
			}
			if (c == 'P')
				o.peak = f;
			else
				o.baseline = f;
			break;
		}
		case 'h': synth_usage(stdout); return 0;
		case 'F': force = 1; break;
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
	/* OUTDIR: ours, one writer; synth.json (written last) goes first */
	static const char *const names[] = {"data.npy", "labels.npy", "truth_lambda.npy", "synth.json",
					    "truth_factor_0.npy", "truth_factor_1.npy", "truth_factor_2.npy", NULL};
	static const char *const finished[] = {"synth.json", NULL};
	ll_outdir od = LL_OUTDIR_INIT;
	char *what = rc == LL_OK ? cmd_join_args(argc, argv) : NULL;
	if (rc == LL_OK)
		rc = ll_outdir_open(&od, outdir, names, force ? LL_OUTDIR_FORCE : 0, what ? what : "latentlab synth",
				    &err);
	ll_free(what);
	if (rc == LL_OK && (rc = ll_outdir_begin(&od, finished, &err)) == LL_OK &&
	    (rc = ll_synth_write(&sy, outdir, &err)) == LL_OK)
		rc = ll_outdir_end(&od, 1, &err);
	ll_outdir_close(&od);
	if (rc == LL_OK)
		printf("wrote %zu neurons x %zu time bins x %zu trials (%zu planted factors, %s noise) to %s\n",
		       o.neurons, o.time, o.trials, o.rank, ll_synth_noise_name(o.noise), outdir);
	else
		cmd_error("%s", err.msg); /* ll_synth's messages start with "synth:" */
	ll_synth_free(&sy);
	return rc == LL_OK ? 0 : (rc == LL_EINVAL ? 2 : 1);
}

const ll_cmd ll_cmd_synth = {"synth", cmd_synth, "simulate a neural population with planted latent factors"};
