/*
 * ll_slurm.h - a session's TCA ensemble as a Slurm job array: the text of
 * an sbatch script (the workbench's `:export slurm`; any front end may
 * write it).
 *
 * Task i of the array fits shard i of N of the ensemble's units
 * (`latentlab tca DATA --shard i/N` with the session's [tca] settings and
 * the seed its tca step derives), where DATA is the session's analysis
 * tensor, OUTDIR/tensor/tensor.npy (and its mask.npy when the tensor step
 * wrote one); the array's first task submits `latentlab merge`, which
 * waits for every task (afterok) and writes OUT/all: the files one
 * `latentlab tca` run with those settings and threads writes.  Outside an
 * array the script merges the shards that are there, so it also runs by
 * hand: SLURM_ARRAY_TASK_ID=k bash FILE for each k, then bash FILE.
 */
#ifndef LL_SLURM_H
#define LL_SLURM_H

#include "pipeline/ll_session.h"

/* The script (caller frees with ll_free) for the tca step of s whose
 * tensor is in outdir/tensor/ (outdir absolute, or relative to the
 * directory the script runs in); LL_EINVAL when s has no tca step, with
 * a one-line message. */
char *ll_slurm_script(const ll_session *s, const char *outdir, ll_err *err);

/* The `latentlab tca` options of s's [tca] settings, without DATA, -o,
 * -j and --shard, in *opts (caller frees); and the number of the
 * ensemble's units (ranks, plus folds when cross-validating). */
int ll_slurm_tca_args(const ll_session *s, char **opts, size_t *units, ll_err *err);

#endif
