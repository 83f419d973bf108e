/*
 * ll_array.h - what a reader reports about a stored array, and the reader
 * that picks .npy, .npz or IDX by the file's content.  Errors name the
 * file and the problem in one line.
 */
#ifndef LL_ARRAY_H
#define LL_ARRAY_H

#include <stddef.h>

#include "base/ll_common.h"
#include "tensor/ll_tensor.h"

typedef struct ll_array_info {
	char dtype[16];       /* NumPy spelling, e.g. "<f4", ">i8", "|u1"; IDX: "u1", ">i4", ... */
	int fortran_order;    /* 1 if stored column-major */
	int version_major;    /* .npy format version (1, 2 or 3); 0 for IDX */
	int ndim;             /* as stored (0 for a scalar; read as 1 element) */
	size_t shape[LL_MAX_MODES];
} ll_array_info;

/* Read a .npy, .npz (the first member, or "file.npz:member") or IDX (.gz
 * or raw) file, chosen by content (magic bytes), not by name.  info may
 * be NULL.  On failure: *t is zeroed and holds nothing to free; info may
 * describe the header when the failure came after it (a size, a short
 * file). */
int ll_array_read(const char *path, ll_tensor *t, ll_array_info *info, ll_err *err);

#endif
