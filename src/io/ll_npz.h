/*
 * ll_npz.h - NumPy .npz archives, read only: a zip of .npy members,
 * STORED or DEFLATED, with the zip64 records NumPy writes.  Every
 * member of an archive, from one open: ll_array_read_all (io/ll_array.h).
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

#endif
