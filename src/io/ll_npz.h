/*
 * ll_npz.h - NumPy .npz archives: a zip of .npy members.  The reader
 * takes STORED or DEFLATED members, with the zip64 records NumPy writes;
 * every member of an archive, from one open: ll_array_read_all
 * (io/ll_array.h).  The writer makes what numpy.savez makes: STORED
 * members NAME.npy, which numpy.load reads as a dict by NAME.
 */
#ifndef LL_NPZ_H
#define LL_NPZ_H

#include <stddef.h>

#include "base/ll_common.h"
#include "io/ll_array.h"
#include "tensor/ll_tensor.h"

/* List the members (names without ".npy"); the caller frees each name
 * and the array with ll_free().  On failure: *names is NULL and *n 0. */
int ll_npz_list(const char *path, char ***names, size_t *n, ll_err *err);
/* Read member `name` (with or without ".npy"); NULL reads the first.
 * The member is parsed as it inflates: its .npy header is checked
 * against the input limit (base/ll_limits.h) before its data is
 * inflated.  On failure: *t is zeroed and holds nothing to free. */
int ll_npz_read(const char *path, const char *name, ll_tensor *t,
		ll_array_info *info, ll_err *err);
/* The same from an archive in memory; path is used in messages. */
int ll_npz_read_mem(const void *buf, size_t len, const char *path, const char *name,
		    ll_tensor *t, ll_array_info *info, ll_err *err);

/* One array for ll_npz_write: C-order data, either float (stored as
 * '<f4') or double ('<f8'); exactly one of f32 / f64 is non-NULL (both
 * may be NULL for an array with no elements). */
typedef struct ll_npz_member {
	const char *name;  /* key as numpy.load shows it, without ".npy" */
	const float *f32;
	const double *f64;
	int ndim;          /* 0 (a scalar) .. LL_MAX_MODES */
	size_t shape[LL_MAX_MODES];
} ll_npz_member;

/* Write n members to path as an uncompressed zip (members NAME.npy in
 * the given order, CRC-32 set, timestamps fixed at 1980-01-01 so equal
 * arrays give equal bytes), through a temp file renamed into place
 * (base/ll_fs.h).  No zip64: an archive that would reach 4 GiB or 65535
 * members is refused (LL_ENOTSUP) before anything is written.  Names
 * must be non-empty, distinct, without '/' or NUL, at most 200 bytes
 * (LL_EINVAL naming the member). */
int ll_npz_write(const char *path, const ll_npz_member *m, size_t n, ll_err *err);

#endif
