/*
 * ll_slurm.c - a session's TCA ensemble as a Slurm job array (ll_slurm.h).
 * The settings are the ones step_tca.c reads, turned into the options of
 * `latentlab tca` (tui/cli/cmd_tca.c) that set the same ll_ens_opts.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_fs.h"
#include "base/ll_rng.h"
#include "pipeline/ll_slurm.h"

/* At most this many array tasks: more shards than units are empty. */
#define LL_SLURM_MAX_TASKS 64

/* s in single quotes for sh ('\'' for a quote inside) */
static void put_quoted(FILE *fp, const char *s)
{
	fputc('\'', fp);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", fp);
		else
			fputc(*s, fp);
	}
	fputc('\'', fp);
}

/* " OPT VALUE": the value as it is when the shell reads it unchanged
 * (numbers, names, "0,2"), else quoted ("0, 2" is one word, as the
 * session means it) */
static void put_opt(FILE *fp, const char *opt, const char *v)
{
	fprintf(fp, " %s ", opt);
	if (*v && strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,._+-") == strlen(v))
		fputs(v, fp);
	else
		put_quoted(fp, v);
}

/* text for a "# ..." line: a newline in it (a session file's name may
 * hold one) would end the comment and make the rest a command */
static void put_comment_text(FILE *fp, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, fp);
}

int ll_slurm_tca_args(const ll_session *s, char **opts, size_t *units, ll_err *err)
{
	*opts = NULL;
	if (s->state[LL_STEP_TCA] == LL_STATE_ABSENT)
		return ll_err_set(err, LL_EINVAL, "the session has no [tca] step to run on a cluster");
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	if (!fp)
		return ll_err_oom(err);
	long lo, hi;
	ll_session_get_range(s, LL_STEP_TCA, "ranks", &lo, &hi);
	char *warm = ll_session_get_path(s, LL_STEP_TCA, "warm_start");
	int ok = warm != NULL;
	/* a warm start fits its model's rank once (step_tca.c): the script
	 * leaves ranks and replicates to --init, as that step does */
	if (ok && !*warm)
		fprintf(fp, "-r %ld-%ld -n %ld", lo, hi, ll_session_get_int(s, LL_STEP_TCA, "replicates"));
	fprintf(fp, "%s-m %s", ok && *warm ? "" : " ", ll_session_get(s, LL_STEP_TCA, "method"));
	/* the seed the tca step derives from the session's */
	uint64_t seed = ll_seed_derive((uint64_t)ll_session_get_int(s, LL_STEP_SESSION, "seed"), 0x746361, 0);
	fprintf(fp, " -s %llu", (unsigned long long)seed);
	/* the value as written parses to the step's double (tol = 0: the
	 * step's 1e-12) */
	double tol = ll_session_get_real(s, LL_STEP_TCA, "tol");
	put_opt(fp, "--tol", tol > 0 ? ll_session_get(s, LL_STEP_TCA, "tol") : "1e-12");
	fprintf(fp, " --max-iter %ld --sim %s", ll_session_get_int(s, LL_STEP_TCA, "max_iter"),
		ll_session_get(s, LL_STEP_TCA, "sim"));
	if (ok && *warm) {
		fputs(" --init ", fp);
		put_quoted(fp, warm);
		if (*ll_session_get(s, LL_STEP_TCA, "fix_modes"))
			put_opt(fp, "--fix-modes", ll_session_get(s, LL_STEP_TCA, "fix_modes"));
	} else {
		fprintf(fp, " --init %s", ll_session_get(s, LL_STEP_TCA, "init"));
	}
	long folds = ll_session_get_int(s, LL_STEP_TCA, "cv_folds");
	const char *rule = ll_session_get(s, LL_STEP_TCA, "select");
	/* rank = N is the session's choice, not a rule: the merge then
	 * chooses none, and the session shows rank N of the same fits */
	if (ll_session_get_int(s, LL_STEP_TCA, "rank") < 0)
		fprintf(fp, " --select %s", rule);
	if (!strcmp(rule, "cv") && folds == 0)
		folds = 5;
	if (folds > 0)
		fprintf(fp, " --cv-folds %ld", folds);
	if (ll_session_get_int(s, LL_STEP_TCA, "cv_replicates") > 0)
		fprintf(fp, " --cv-replicates %ld", ll_session_get_int(s, LL_STEP_TCA, "cv_replicates"));
	if (ll_session_get_real(s, LL_STEP_TCA, "ridge") > 0)
		put_opt(fp, "--ridge", ll_session_get(s, LL_STEP_TCA, "ridge"));
	if (ll_session_get_real(s, LL_STEP_TCA, "l1") > 0)
		put_opt(fp, "--l1", ll_session_get(s, LL_STEP_TCA, "l1"));
	if (*ll_session_get(s, LL_STEP_TCA, "l1_modes"))
		put_opt(fp, "--l1-modes", ll_session_get(s, LL_STEP_TCA, "l1_modes"));
	/* the step fits a float32 copy of the tensor; --float32 reads it so */
	if (ll_session_is(s, LL_STEP_TCA, "precision", "single"))
		fputs(" --float32", fp);
	ll_free(warm);
	if (fclose(fp) != 0 || !buf || !ok) {
		free(buf);
		return ll_err_oom(err);
	}
	*opts = ll_strdup(buf);
	free(buf); /* libc's, from open_memstream */
	if (!*opts)
		return ll_err_oom(err);
	/* fused (the default): one unit per rank, then one per fold */
	*units = (size_t)(*ll_session_get(s, LL_STEP_TCA, "warm_start") ? 1 : hi - lo + 1) + (size_t)folds;
	return LL_OK;
}

char *ll_slurm_script(const ll_session *s, const char *outdir, ll_err *err)
{
	char *opts, *buf = NULL, *out = NULL;
	size_t units, len = 0;
	if (ll_slurm_tca_args(s, &opts, &units, err) != LL_OK)
		return NULL;
	size_t tasks = units < LL_SLURM_MAX_TASKS ? units : LL_SLURM_MAX_TASKS;
	/* the threads every task (and a single run) uses: the same count
	 * gives the same bits (README "Clusters") */
	long threads = ll_session_get_int(s, LL_STEP_SESSION, "threads");
	if (threads <= 0)
		threads = 1;
	char *tensor = ll_path_join(outdir, "tensor/tensor.npy"), *mask = ll_path_join(outdir, "tensor/mask.npy");
	char *out_dir = ll_path_join(outdir, "slurm");
	FILE *fp = tensor && mask && out_dir ? open_memstream(&buf, &len) : NULL;
	if (!fp) {
		ll_err_oom(err);
		goto done;
	}
	const char *name = ll_session_get(s, LL_STEP_SESSION, "name");
	fputs("#!/bin/bash\n# The TCA ensemble of session '", fp);
	put_comment_text(fp, name);
	fputs("' as a Slurm job array, written by latentlab\n# from ", fp);
	put_comment_text(fp, s->path ? s->path : "the built-in demo session");
	fprintf(fp, ".\n"
		    "#   sbatch THIS_FILE    submits the array; its first task submits the merge,\n"
		    "#                       which starts once every task has ended well\n"
		    "# Task i fits shard i of the ensemble's %zu units (latentlab tca --shard);\n"
		    "# latentlab merge then writes $OUT/all: the files one `latentlab tca` run\n"
		    "# with these settings writes.  Every task must see DATA and OUT (a shared\n"
		    "# file system); both may be given in the environment.  By hand, without\n"
		    "# Slurm: SLURM_ARRAY_TASK_ID=k bash THIS_FILE for k = 0 .. %zu, then\n"
		    "# bash THIS_FILE merges.\n",
		units, tasks - 1);
	fprintf(fp, "#SBATCH --job-name=latentlab-tca\n"
		    "#SBATCH --array=0-%zu\n"
		    "#SBATCH --cpus-per-task=%ld\n"
		    "#SBATCH --mem=4G\n"
		    "#SBATCH --time=01:00:00\n"
		    "#SBATCH --output=latentlab-tca-%%A_%%a.log\n"
		    "set -euo pipefail\n"
		    "LATENTLAB=${LATENTLAB:-latentlab}\n",
		tasks - 1, threads);
	fputs("DATA=${DATA:-", fp);
	put_quoted(fp, tensor);
	fputs("}\nOUT=${OUT:-", fp);
	put_quoted(fp, out_dir);
	fputs("}\n", fp);
	/* the tensor step writes the data's mask beside the tensor when the
	 * fits use it */
	int has_mask = access(mask, F_OK) == 0;
	if (has_mask) {
		fputs("MASK=${MASK:-", fp);
		put_quoted(fp, mask);
		fputs("}\n", fp);
	}
	fprintf(fp, "SHARDS=%zu\n"
		    "THREADS=%ld\n"
		    "\n"
		    "if [ -n \"${SLURM_ARRAY_TASK_ID:-}\" ]; then\n"
		    "\tK=$(( (SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}) / ${SLURM_ARRAY_TASK_STEP:-1} ))\n"
		    "\t\"$LATENTLAB\" tca \"$DATA\" -o \"$OUT/shards/$K\" %s%s -j \"$THREADS\" -q \\\n"
		    "\t\t--shard \"$K/$SHARDS\"\n"
		    "\t# the merge, once, from the first task of a real array\n"
		    "\tif [ \"$K\" = 0 ] && [ -n \"${SLURM_ARRAY_JOB_ID:-}\" ] && [ \"${SUBMIT_MERGE:-1}\" = 1 ]; then\n"
		    "\t\tsbatch --dependency=afterok:\"$SLURM_ARRAY_JOB_ID\" --job-name=latentlab-merge \\\n"
		    "\t\t\t--output=latentlab-merge-%%j.log \\\n"
		    "\t\t\t--wrap \"$(printf '%%q' \"$LATENTLAB\") merge $(printf '%%q' \"$OUT\")/shards/* -o $(printf '%%q' \"$OUT/all\")\"\n"
		    "\tfi\n"
		    "else\n"
		    "\t# not in an array (by hand, or after the tasks): merge what is there\n"
		    "\t\"$LATENTLAB\" merge \"$OUT\"/shards/* -o \"$OUT/all\"\n"
		    "fi\n",
		tasks, threads, opts, has_mask ? " --mask \"$MASK\"" : "");
	if (fclose(fp) != 0 || !buf) {
		ll_err_oom(err);
		goto done;
	}
	if (!(out = ll_strdup(buf)))
		ll_err_oom(err);
done:
	free(buf);
	ll_free(opts);
	ll_free(tensor);
	ll_free(mask);
	ll_free(out_dir);
	return out;
}
