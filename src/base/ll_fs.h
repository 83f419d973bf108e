/*
 * ll_fs.h - files that never appear half-written.
 *
 * ll_afile_open() creates "<path>.tmp.XXXXXX" in the target's directory;
 * ll_afile_commit() flushes, closes and renames it over <path>;
 * ll_afile_abort() closes and removes it.  Exactly one of commit/abort must
 * follow a successful open.  Every output latentlab writes goes through it.
 */
#ifndef LL_FS_H
#define LL_FS_H

#include <stdio.h>

#include "base/ll_common.h"

typedef struct ll_afile {
	FILE *fp;         /* write here */
	char *path;       /* final path (owned) */
	char *tmp;        /* temporary path (owned) */
} ll_afile;

/* On failure: *af is zeroed and no temporary file is left. */
int ll_afile_open(ll_afile *af, const char *path, ll_err *err);
/* ll_afile_open of dir/name. */
int ll_afile_open_in(ll_afile *af, const char *dir, const char *name, ll_err *err);
int ll_afile_commit(ll_afile *af, ll_err *err);
void ll_afile_abort(ll_afile *af);

/* Read a whole file into *buf (NUL-terminated after *len bytes; the
 * caller frees it with ll_free).  max > 0 refuses larger files with
 * LL_EFORMAT.  On failure: *buf is NULL and *len 0. */
int ll_read_file(const char *path, size_t max, char **buf, size_t *len, ll_err *err);

/* mkdir -p; an existing directory is fine. */
int ll_mkdirs(const char *path, ll_err *err);
/* rm -r: remove path and everything below it (symlinks are removed, not
 * followed).  A path that does not exist is fine. */
int ll_rmtree(const char *path, ll_err *err);
/* Join dir and name into a new string (free it with ll_free), or NULL
 * when out of memory. */
char *ll_path_join(const char *dir, const char *name);

#endif
