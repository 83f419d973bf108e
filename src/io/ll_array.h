/*
 * ll_array.h - what a reader reports about a stored array, and the reader
 * that picks .npy, .npz or IDX by the file's content.  Errors name the
 * file and the problem in one line.
 *
 * Every reader opens its file once and reads it as a stream where it can,
 * so a FIFO or /dev/stdin works too: .npy and IDX (raw or gzip) stream,
 * an .npz that is not a regular file is read into memory first (a zip is
 * read from its end).  Every reader refuses, before allocating for it,
 * data that decodes to more than the input limit (base/ll_limits.h) with
 * LL_ELIMIT.
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
 * or raw) file, chosen by content (magic bytes), not by name; also one
 * dataset of an HDF5 file named "file.h5:/dataset" (io/ll_hdf5.h).  info may
 * be NULL.  On failure: *t is zeroed and holds nothing to free; info may
 * describe the header when the failure came after it (a size, a short
 * file). */
int ll_array_read(const char *path, ll_tensor *t, ll_array_info *info, ll_err *err);
/* The same into float32 storage (t->fdata; single precision, issue 15).
 * A plain .npy of '<f4' in C order is memory-mapped read-only instead of
 * copied (its size checked against the file's first); any other .npy is
 * converted to floats in one pass; other formats are read as doubles and
 * then converted.  On failure: as ll_array_read. */
int ll_array_read_f32(const char *path, ll_tensor *t, ll_array_info *info, ll_err *err);
/* A matrix of numbers from any file a user hands in: a name ending in
 * .csv, .tsv or .txt (any case) is read as a plain numeric table (ll_csv,
 * LL_CSV_MATRIX: rows x columns), anything else by ll_array_read.  For
 * inputs given by name (compare's X and Y, a session's population). */
int ll_array_read_table(const char *path, ll_tensor *t, ll_err *err);
/* The same from memory; name is used in messages. */
int ll_array_read_mem(const void *buf, size_t len, const char *name, ll_tensor *t,
		      ll_array_info *info, ll_err *err);

typedef enum ll_array_format {
	LL_ARRAY_NPY = 1,
	LL_ARRAY_NPZ,
	LL_ARRAY_IDX,
	LL_ARRAY_IDX_GZ
} ll_array_format;

/* Every array of a file, read from one open: one for .npy and IDX, every
 * member of an .npz (in the archive's order), or the one member
 * "file.npz:member" names.  Owns what it holds; ll_array_set_free. */
typedef struct ll_array_set {
	ll_array_format format;
	int member;           /* 1 when the path named one .npz member */
	size_t n;             /* arrays */
	char **names;         /* .npz: member names without ".npy"; else NULL */
	ll_tensor *t;         /* n tensors */
	ll_array_info *info;  /* n headers */
} ll_array_set;

/* Read every array of path into *set; the input limit covers them all
 * together.  On failure: *set is zeroed and holds nothing to free. */
int ll_array_read_all(const char *path, ll_array_set *set, ll_err *err);
/* The same from memory; name is used in messages. */
int ll_array_read_all_mem(const void *buf, size_t len, const char *name, ll_array_set *set,
			  ll_err *err);
void ll_array_set_free(ll_array_set *set);

#endif
