/*
 * ll_npy.h - NumPy .npy files (.npz is io/ll_npz.h, IDX io/ll_idx.h, the
 * reader that picks by content io/ll_array.h; this header brings them all
 * in).
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
#include "io/ll_array.h"
#include "tensor/ll_tensor.h"

/* .npy, versions 1.0/2.0/3.0; little or big endian; C or Fortran order;
 * dtypes f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1.  Refuses pickled objects,
 * structured dtypes, strings, complex, more than LL_MAX_MODES dims.  A
 * 0-d array reads as a 1-mode tensor of one element.  info may be NULL.
 * On failure: *t is zeroed and holds nothing to free (info as for
 * ll_array_read). */
int ll_npy_read(const char *path, ll_tensor *t, ll_array_info *info, ll_err *err);
/* The same from memory (used for .npz members); name is used in messages.
 * On failure: as ll_npy_read. */
int ll_npy_read_mem(const void *buf, size_t len, const char *name, ll_tensor *t,
		    ll_array_info *info, ll_err *err);

/* Write a tensor as .npy v1.0, '<f8' (or '<f4' with as_float32), C order,
 * through a temp file renamed into place. */
int ll_npy_write(const char *path, const ll_tensor *t, int as_float32, ll_err *err);
/* Write a raw C-order array of doubles with a given shape (e.g. a factor
 * matrix dim x R, or a vector). */
int ll_npy_write_array(const char *path, const double *data, int ndim,
		       const size_t *shape, int as_float32, ll_err *err);
/* The same from floats, stored as '<f4' (large logs kept in float). */
int ll_npy_write_array_f32(const char *path, const float *data, int ndim, const size_t *shape,
			   ll_err *err);
/* ll_npy_write_array of dir/name (as ll_afile_open_in). */
int ll_npy_write_array_in(const char *dir, const char *name, const double *data, int ndim,
			  const size_t *shape, int as_float32, ll_err *err);

/* The other formats, for callers that include only this header. */
#include "io/ll_idx.h"
#include "io/ll_npz.h"

#endif
