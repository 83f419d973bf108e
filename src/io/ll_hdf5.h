/*
 * ll_hdf5.h - numeric datasets of HDF5 files (NWB files are HDF5) as
 * tensors, a hyperslab of them for files larger than memory, and the list
 * of a file's datasets.
 *
 * Built on the HDF5 C library when configure found it (HAVE_HDF5); without
 * it every call but ll_hdf5_is/ll_hdf5_sniff fails with LL_ENOTSUP and a
 * message saying so.  Any integer or floating-point dataset is converted
 * to double by HDF5 while reading (chunked and compressed ones too);
 * strings, compounds, enums and references are refused.  HDF5's own error
 * printing is switched off: errors are one line naming the file and the
 * problem.  The input limit (base/ll_limits.h) is checked, 8 bytes per
 * element of what is read, before allocating.  Not thread-safe (Debian's
 * HDF5 is not): call from one thread.
 */
#ifndef LL_HDF5_H
#define LL_HDF5_H

#include <stddef.h>

#include "base/ll_common.h"
#include "io/ll_array.h"
#include "tensor/ll_tensor.h"

/* 1 if latentlab was built with HDF5. */
int ll_hdf5_available(void);
/* 1 if the n bytes m (a file's start) begin with the HDF5 signature. */
int ll_hdf5_sniff(const unsigned char *m, size_t n);
/* 1 if path is a file holding the HDF5 signature at offset 0, 512, 1024,
 * 2048, ... (where HDF5 looks, after a user block); 0 otherwise (also when
 * it cannot be read). */
int ll_hdf5_is(const char *path);

/* LL_OK if path can be opened, is HDF5 and latentlab has HDF5; else the
 * one-line error (cannot open, not an HDF5 file, built without HDF5). */
int ll_hdf5_check(const char *path, ll_err *err);

/* A hyperslab: per dimension the first index and how many (count 0: to
 * the end).  n = 0 reads the whole dataset; else n must equal its rank. */
typedef struct ll_hdf5_sel {
	int n;
	size_t start[LL_MAX_MODES];
	size_t count[LL_MAX_MODES];
} ll_hdf5_sel;

/* Read dataset (a path in the file, e.g. "/units/spike_times") of the file
 * path, or the hyperslab sel (NULL: all of it), into *t as double.  info
 * (may be NULL) gets the stored dtype in NumPy's spelling ("<f4", ">i8",
 * "|u1") and the stored shape (the whole dataset's).  A scalar dataset is
 * read as 1 element.  On failure *t is zeroed. */
int ll_hdf5_read(const char *path, const char *dataset, const ll_hdf5_sel *sel, ll_tensor *t,
		 ll_array_info *info, ll_err *err);

/* 1 if the file path holds a dataset of that name (0 also without HDF5,
 * or when the file cannot be read). */
int ll_hdf5_has(const char *path, const char *dataset);

/* One dataset of a file. */
typedef struct ll_hdf5_entry {
	char *name;           /* full path, "/intervals/trials/start_time" */
	char dtype[16];       /* "<f8", ..., or "string", "compound", "enum", ... */
	int numeric;          /* 1 if ll_hdf5_read can read it */
	int ndim;             /* 0 for a scalar */
	size_t shape[32];     /* H5S_MAX_RANK */
	int chunked;          /* stored in chunks */
	int compressed;       /* with a filter (deflate, shuffle, ...) */
} ll_hdf5_entry;

typedef struct ll_hdf5_list {
	size_t n;
	ll_hdf5_entry *e;     /* in HDF5's name order, depth first */
} ll_hdf5_list;

/* Every dataset reachable by hard links from the root group.  On failure
 * *out is zeroed.  ll_hdf5_list_free frees it. */
int ll_hdf5_list_read(const char *path, ll_hdf5_list *out, ll_err *err);
void ll_hdf5_list_free(ll_hdf5_list *l);

#endif
