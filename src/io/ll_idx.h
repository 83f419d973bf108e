/*
 * ll_idx.h - IDX files, MNIST's format: gzip-compressed or not (told by
 * the magic bytes); types u1 i1 i2 i4 f4 f8, big-endian.  The readers
 * refuse data over the input limit (base/ll_limits.h) after the header:
 * as doubles, 8 bytes per element; as bytes, one.
 */
#ifndef LL_IDX_H
#define LL_IDX_H

#include <stddef.h>

#include "base/ll_common.h"
#include "io/ll_array.h"
#include "tensor/ll_tensor.h"

/* Read as doubles.  Images come back as count x rows x cols, labels as
 * count.  On failure: *t is zeroed and holds nothing to free; info (if
 * given) holds the header once it was read. */
int ll_idx_read(const char *path, ll_tensor *t, ll_array_info *info, ll_err *err);
/* The same from memory; name is used in messages. */
int ll_idx_read_mem(const void *buf, size_t len, const char *name, ll_tensor *t,
		    ll_array_info *info, ll_err *err);
/* IDX reading into bytes, for large uint8 image sets (no double copy):
 * *data is the caller's (free it with ll_free), shape in info.  On
 * failure: *data is NULL; info as for ll_idx_read. */
int ll_idx_read_u8(const char *path, unsigned char **data, ll_array_info *info, ll_err *err);
int ll_idx_read_u8_mem(const void *buf, size_t len, const char *name, unsigned char **data,
		       ll_array_info *info, ll_err *err);
/* Write uint8 data as IDX (gzip-compressed when gz != 0). */
int ll_idx_write_u8(const char *path, const unsigned char *data, int ndim,
		    const size_t *shape, int gz, ll_err *err);

#endif
