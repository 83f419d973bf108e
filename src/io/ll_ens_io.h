/*
 * ll_ens_io.h - an ensemble of CP fits (tensor/ll_ens.h) on disk: one
 * directory per fit of .npy factors, and a JSON summary of the settings,
 * the provenance and every fit's numbers.
 */
#ifndef LL_ENS_IO_H
#define LL_ENS_IO_H

#include "base/ll_common.h"
#include "tensor/ll_ens.h"
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

#endif
