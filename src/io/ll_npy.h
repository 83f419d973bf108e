/*
 * ll_npy.h - NumPy .npy / .npz files and MNIST-style IDX files.
 *
 * Readers convert any supported numeric dtype to a double tensor (the
 * original dtype is reported in ll_array_info).  Errors name the file and
 * the problem in one line, e.g.
 *   "x.npy: truncated: header says 3000 bytes of data, file has 1200".
 */
#ifndef LL_NPY_H
#define LL_NPY_H

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

/* .npy, versions 1.0/2.0/3.0; little or big endian; C or Fortran order;
 * dtypes f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1.  Refuses pickled objects,
 * structured dtypes, strings, complex, more than LL_MAX_MODES dims.  A
 * 0-d array reads as a 1-mode tensor of one element.  info may be NULL. */
int ll_npy_read(const char *path, ll_tensor *t, ll_array_info *info, ll_err *err);
/* The same from memory (used for .npz members); name is used in messages. */
int ll_npy_read_mem(const void *buf, size_t len, const char *name, ll_tensor *t,
		    ll_array_info *info, ll_err *err);

/* Write a tensor as .npy v1.0, '<f8' (or '<f4' with as_float32), C order,
 * through a temp file renamed into place. */
int ll_npy_write(const char *path, const ll_tensor *t, int as_float32, ll_err *err);
/* Write a raw C-order array of doubles with a given shape (e.g. a factor
 * matrix dim x R, or a vector). */
int ll_npy_write_array(const char *path, const double *data, int ndim,
		       const size_t *shape, int as_float32, ll_err *err);
/* ll_npy_write_array of dir/name (as ll_afile_open_in). */
int ll_npy_write_array_in(const char *dir, const char *name, const double *data, int ndim,
			  const size_t *shape, int as_float32, ll_err *err);

/* .npz (zip of .npy; STORED or DEFLATED; zip64 records as NumPy writes).
 * List members (names without ".npy"); the caller frees each name and
 * the array with ll_free(). */
int ll_npz_list(const char *path, char ***names, size_t *n, ll_err *err);
/* Read member `name` (with or without ".npy"); NULL reads the first. */
int ll_npz_read(const char *path, const char *name, ll_tensor *t,
		ll_array_info *info, ll_err *err);

/* IDX (MNIST's format), gzip-compressed or not (detected by magic bytes).
 * Types u1 i1 i2 i4 f4 f8 (big-endian).  Images come back as
 * count x rows x cols, labels as count. */
int ll_idx_read(const char *path, ll_tensor *t, ll_array_info *info, ll_err *err);
/* IDX reading into bytes, for large uint8 image sets (no double copy):
 * *data is the caller's (free it with ll_free), shape in info. */
int ll_idx_read_u8(const char *path, unsigned char **data, ll_array_info *info, ll_err *err);
/* Write uint8 data as IDX (gzip-compressed when gz != 0). */
int ll_idx_write_u8(const char *path, const unsigned char *data, int ndim,
		    const size_t *shape, int gz, ll_err *err);

/* Read any of the above, chosen by content (magic bytes), not name:
 * .npy, .npz (first member, or "file.npz:member"), IDX (.gz or raw). */
int ll_array_read(const char *path, ll_tensor *t, ll_array_info *info, ll_err *err);

#endif
