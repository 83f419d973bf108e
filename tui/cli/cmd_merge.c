/*
 * latentlab merge: put the shards of a `latentlab tca --shard` ensemble
 * (a Slurm job array, GNU parallel, ...) together into the folder one
 * `latentlab tca` run writes: the same summary.json (timings apart),
 * alignment and files, the factors byte for byte.
 *
 * Order of work: parse options (usage errors, exit 2), read every
 * shard's manifest and check they come from one run and cover every unit
 * (exit 1, nothing written), read the fits, finish the ensemble (sort,
 * align, score, choose a rank as the shards were asked to), then write
 * OUTDIR as tca does, summary.json last.
 */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_fs.h"
#include "cli/cmd.h"
#include "io/ll_ens_io.h"
#include "io/ll_ens_shard.h"
#include "pipeline/ll_outdir.h"
#include "tensor/ll_ens.h"

static void merge_usage(FILE *fp)
{
	fputs("usage: latentlab merge SHARD_DIR... -o OUTDIR [OPTIONS]\n"
	      "\n"
	      "Combine the shards of one ensemble, each written by 'latentlab tca DATA -o\n"
	      "SHARD_DIR --shard K/N' (or a Slurm array task), into OUTDIR exactly as one\n"
	      "'latentlab tca DATA -o OUTDIR' run writes it: the same fits (byte for byte),\n"
	      "alignment, ranking and summary.json, the timings and command line apart\n"
	      "(summary.json's command_line is the shards' without --shard).  Refuses\n"
	      "shards of different data or settings, and a set missing any unit.\n"
	      "\n"
	      "options:\n"
	      "  -o, --output OUTDIR   write the merged ensemble here (required)\n"
	      "  -q, --quiet           print nothing on success\n"
	      "      --force           write into a non-empty folder latentlab did not make\n"
	      "  -h, --help            show this help\n"
	      "\n"
	      "Exit status: 0 success, 1 error, 2 usage error.\n",
	      fp);
}

static size_t shard_index(const ll_shard *s)
{
	const char *v = ll_shard_get(s, "shard");
	return v ? (size_t)strtoull(v, NULL, 10) : SIZE_MAX;
}

static int by_index(const void *a, const void *b)
{
	size_t x = shard_index(a), y = shard_index(b);
	return x < y ? -1 : x > y;
}

static int cmd_merge(int argc, char **argv)
{
	enum { OPT_FORCE = 256 };
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{"force", no_argument, NULL, OPT_FORCE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *outdir = NULL;
	int quiet = 0, force = 0, c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			outdir = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case OPT_FORCE:
			force = 1;
			break;
		case 'h':
			merge_usage(stdout);
			return 0;
		default:
			return cmd_bad_option("merge", c, argv);
		}
	}
	if (optind >= argc)
		return cmd_usage_error("merge", "%s", "missing SHARD_DIR (the folders tca --shard wrote)");
	if (!outdir || !*outdir)
		return cmd_usage_error("merge", "%s", "missing -o OUTDIR");

	size_t n = (size_t)(argc - optind);
	ll_shard *sh = ll_calloc_array(n, sizeof *sh);
	char **cl = NULL;
	ll_ensemble e = {0};
	ll_err err;
	ll_err_clear(&err);
	ll_outdir od = LL_OUTDIR_INIT;
	int status = 1, rc, wrote = 0, opened = 0;
	if (!sh) {
		cmd_error("out of memory");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if ((rc = ll_shard_read(argv[optind + (int)i], &sh[i], &err)) != LL_OK) {
			cmd_error("%s", err.msg);
			goto out;
		}
	/* in shard order, whatever order they were given in: the first
	 * shard's command line and settings stand for the run */
	qsort(sh, n, sizeof *sh, by_index);
	if ((rc = ll_shard_merge(sh, n, &e, &err)) != LL_OK) {
		cmd_error("%s", err.msg);
		goto out;
	}
	/* the rank rule the shards were given */
	const char *sel = ll_shard_get(&sh[0], "select");
	size_t chosen = 0;
	char reason[320] = "";
	ll_rank_rule rule = LL_RANK_ELBOW;
	if (sel && strcmp(sel, "none")) {
		if (ll_rank_rule_parse(sel, &rule) != LL_OK) {
			cmd_error("%s/%s: unknown rank rule '%s'", sh[0].dir, LL_SHARD_MANIFEST, sel);
			goto out;
		}
		if ((rc = ll_ens_select_rank(&e, rule, &chosen, reason, sizeof reason, &err)) != LL_OK) {
			cmd_error("%s", err.msg);
			goto out;
		}
	}
	/* the first shard's command line and files */
	size_t ncl = 0;
	cl = ll_calloc_array(sh[0].n + 1, sizeof *cl);
	if (!cl) {
		cmd_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < sh[0].n; i++)
		if (!strcmp(sh[0].key[i], "argv"))
			cl[ncl++] = sh[0].val[i];
	const char *tool = ll_shard_get(&sh[0], "tool");
	ll_ens_meta meta = {
		.tool = tool ? tool : "latentlab tca", .argc = (int)ncl, .argv = cl,
		.data_file = ll_shard_get(&sh[0], "data_file"), .data_dtype = ll_shard_get(&sh[0], "data_dtype"),
		.mask_file = ll_shard_get(&sh[0], "mask_file"), .chosen_rank = chosen,
		.rank_rule = ll_rank_rule_name(rule), .rank_reason = reason,
		.init_file = ll_shard_get(&sh[0], "init_file"),
	};
	static const char *const names[] = {"summary.json", NULL};
	char *what = cmd_join_args(argc, argv);
	rc = ll_outdir_open(&od, outdir, names, force ? LL_OUTDIR_FORCE : 0, what ? what : "latentlab merge", &err);
	ll_free(what);
	if (rc != LL_OK) {
		cmd_error("%s", err.msg);
		goto out;
	}
	opened = 1;
	rc = ll_outdir_begin(&od, names, &err);
	if (rc == LL_OK)
		rc = ll_ens_write(&e, outdir, NULL, &meta, &err);
	if (rc == LL_OK)
		rc = ll_outdir_end(&od, 1, &err);
	wrote = 1;
	if (rc != LL_OK) {
		cmd_error("%s", err.msg);
		goto out;
	}
	if (!quiet) {
		printf("merged %zu shard%s: ranks %zu-%zu x %zu replicates%s into %s\n", n, n == 1 ? "" : "s",
		       e.opts.rank_lo, e.opts.rank_hi, e.opts.replicates,
		       e.cv_folds ? ", cross-validated" : "", outdir);
		if (chosen)
			printf("rank %zu chosen: %s\n", chosen, reason);
	}
	if (fflush(stdout) != 0) {
		cmd_error("stdout: write failed");
		goto out;
	}
	status = 0;
out:
	if (opened) {
		if (wrote)
			ll_outdir_close(&od);
		else
			ll_outdir_abandon(&od);
	}
	ll_free(cl);
	ll_ens_free(&e);
	for (size_t i = 0; i < n; i++)
		ll_shard_free(&sh[i]);
	ll_free(sh);
	return status;
}

const ll_cmd ll_cmd_merge = {"merge", cmd_merge, "combine the shards of a tca ensemble (tca --shard) into one"};
