/*
 * ll_ens_io.h - an ensemble of CP fits (tensor/ll_ens.h) on disk: one
 * directory per fit of .npy factors, and a JSON summary of the settings,
 * the provenance and every fit's numbers.
 */
#ifndef LL_ENS_IO_H
#define LL_ENS_IO_H

#include "base/ll_common.h"
#include "tensor/ll_ens.h"
#include "tensor/ll_ktensor.h"
#include "tensor/ll_tensor.h"

/* What ll_ens_write records about where the ensemble came from; every
 * field may be 0/NULL. */
typedef struct ll_ens_meta {
	const char *tool;        /* e.g. "latentlab tca" */
	int argc;                /* command line, argv[0] first */
	char *const *argv;
	const char *data_file;
	const char *data_dtype;  /* e.g. "<f4" */
	const char *mask_file;
	size_t chosen_rank;      /* 0: no rank was chosen */
	const char *rank_rule;   /* "elbow", "cv" or "set" */
	const char *rank_reason; /* one sentence */
	const char *init_file;   /* the warm start's model (--init FILE) */
} ll_ens_meta;

/* Write e under dir (created if needed; same-named files are replaced):
 *   dir/rank_RR/rep_KK/lambda.npy     weights (rank)
 *   dir/rank_RR/rep_KK/factor_N.npy   mode-N factor (dim[N] x rank)
 *   dir/rank_RR/rep_KK/hist.npy       objective per iteration
 *   dir/summary.json                  settings, per-rank and per-fit numbers
 *                                     (with the fraction of fits at the
 *                                     best optimum and, when run, the
 *                                     cross-validation errors)
 * RR is the rank, KK the fit's place in its rank (00 = best), at least two
 * digits each; all .npy are float64.  summary.json is written last, every
 * file through a temporary name.  X (may be NULL) is the data the
 * ensemble was fitted to: its shape is checked.  meta may be NULL. */
int ll_ens_write(const ll_ensemble *e, const char *dir, const ll_tensor *X,
		 const ll_ens_meta *meta, ll_err *err);

/* One fit's files into the existing folder fdir: lambda.npy, hist.npy
 * and factor_N.npy (float64, each through a temporary name); the layout
 * ll_ens_write gives every rank_RR/rep_KK and a shard every unit. */
int ll_ens_write_fit_files(const char *fdir, const ll_cp_result *f, ll_err *err);

/* Read one CP model, e.g. to start a fit from it (a warm start):
 *   a fit's folder (OUTDIR/rank_RR/rep_KK: lambda.npy, factor_N.npy),
 *   a rank's folder (OUTDIR/rank_RR: its best fit, rep_00), or
 *   an .npz with members factor_0 .. factor_N-1 (dim x rank each) and
 *   optionally lambda (or weights; default all ones).
 * Every message names the path and what is wrong with it.  On failure:
 * *K is zeroed and holds nothing to free. */
int ll_ens_read_model(const char *path, ll_ktensor *K, ll_err *err);

#endif
