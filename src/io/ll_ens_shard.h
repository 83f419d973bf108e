/*
 * ll_ens_shard.h - an ensemble fitted in pieces (a cluster's job array,
 * GNU parallel, MPI ranks) and put back together.
 *
 * A shard is the units (tensor/ll_ens.h: "Clusters") one job fitted,
 * written raw, before any sorting or alignment, to a folder:
 *   dir/units/rank_RR/rep_KK/{lambda,hist,factor_N}.npy
 *                      replicate KK of rank RR as fitted (KK = the k of
 *                      its seed ll_seed_derive(seed, R, k), not its place)
 *   dir/shard.txt      the manifest, written last: "key = value" lines
 *                      (values with \\ and \n escaped; numbers in C's
 *                      exact hex form %a): the settings and the data's
 *                      hash, which units this shard holds, every fit's
 *                      numbers ("fit = R K seed obj obj_pen penalty deviance iters
 *                      converged seconds") and every fold's
 *                      cross-validation errors ("cv = R F test train").
 * ll_shard_merge reads shards back into the partial ensemble one run
 * would have had and finishes it (ll_ens_finish): written with
 * ll_ens_write it gives that run's files, the factors byte for byte.
 */
#ifndef LL_ENS_SHARD_H
#define LL_ENS_SHARD_H

#include <stdint.h>

#include "base/ll_common.h"
#include "io/ll_ens_io.h"
#include "tensor/ll_ens.h"

#define LL_SHARD_MANIFEST "shard.txt"

/* 64-bit FNV-1a of n doubles' bytes, continuing from h (start with
 * LL_SHARD_HASH0): the data's (and mask's, model's) fingerprint. */
#define LL_SHARD_HASH0 0xcbf29ce484222325ull
uint64_t ll_shard_hash(const double *x, size_t n, uint64_t h);
/* The same over nbytes of any storage (a float32 tensor's fdata). */
uint64_t ll_shard_hash_bytes(const void *x, size_t nbytes, uint64_t h);

/* What a shard records beside the ensemble. */
typedef struct ll_shard_meta {
	size_t index, count;       /* shard index (0-based) of count */
	int (*want)(void *ud, size_t unit); /* the units it fitted (as opts.want) */
	void *want_ud;
	uint64_t data_hash;        /* ll_shard_hash of the data, then the mask */
	uint64_t init_hash;        /* of the warm start's model (0: none) */
	const char *select;        /* "none", "elbow" or "cv": the rule merge applies */
} ll_shard_meta;

/* Write the partial ensemble e (ll_ens_fit with opts.want) as a shard
 * into dir (which exists and is ours: the caller opened it as OUTDIR). */
int ll_shard_write(const ll_ensemble *e, const char *dir, const ll_ens_meta *meta,
		   const ll_shard_meta *sm, ll_err *err);

/* A shard's manifest, read. */
typedef struct ll_shard {
	char *dir;     /* owned */
	char *text;    /* the manifest (owned); key/val point into it */
	size_t n;
	char **key, **val;
} ll_shard;

/* Read dir's manifest; messages name dir/shard.txt.  On failure *s holds
 * nothing to free. */
int ll_shard_read(const char *dir, ll_shard *s, ll_err *err);
void ll_shard_free(ll_shard *s);
/* The first value of key, or NULL. */
const char *ll_shard_get(const ll_shard *s, const char *key);

/* Check that the n shards come from one run (the same data, settings and
 * shard count; one line naming the shard and the setting that differs)
 * and hold every unit exactly once, then build and finish the ensemble
 * into *e (free with ll_ens_free).  On failure *e holds nothing. */
int ll_shard_merge(const ll_shard *s, size_t n, ll_ensemble *e, ll_err *err);

/* The results of unit u of a partial ensemble (fitted with u wanted) as
 * one array of doubles, for a message between processes (MPI), into *buf
 * (*n doubles; free with ll_free); and back into unit u of e, a partial
 * ensemble of the same settings (LL_EFORMAT when buf does not fit them).
 * Seeds travel as their bits. */
int ll_shard_pack(const ll_ensemble *e, size_t u, double **buf, size_t *n, ll_err *err);
int ll_shard_unpack(ll_ensemble *e, size_t u, const double *buf, size_t n, ll_err *err);

#endif
