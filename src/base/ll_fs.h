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
/* Folders latentlab owns.  A folder holding the file `marker` (e.g.
 * ".latentlab-step") was made by latentlab and may be emptied or removed
 * by it; any other folder, and anything behind a symbolic link, is the
 * user's and is never removed or written into by these.
 *
 * ll_mkdir_ours: make `path` a fresh, empty folder of ours: absent or
 * empty -> made and marked (the marker holds `note`); ours -> emptied but
 * for the marker, which stays throughout (so a run killed half way leaves
 * a folder still provably ours); a symbolic link, a file, or a non-empty
 * folder without the marker -> LL_EEXIST naming it, nothing touched. */
int ll_mkdir_ours(const char *path, const char *marker, const char *note, ll_err *err);
/* Remove `path` if it is a real folder holding `marker` or an empty one
 * (LL_OK, also when it does not exist); else LL_EEXIST, nothing touched. */
int ll_rmtree_ours(const char *path, const char *marker, ll_err *err);
/* LL_OK if path is absent, empty, or a real folder holding marker; else
 * LL_EEXIST (a link, a file, a folder of someone else's) naming it. */
int ll_dir_check_ours(const char *path, const char *marker, ll_err *err);
/* Replace folder `to` (absent, empty or ours) by folder `from`: the old
 * one is renamed to TO.old, from renamed to to, TO.old removed; `to`
 * never holds a mix of both. */
int ll_dir_replace_ours(const char *from, const char *to, const char *marker, ll_err *err);
/* 1 if path is a real folder (not a link) holding the file marker. */
int ll_dir_is_ours(const char *path, const char *marker);

/* Join dir and name into a new string (free it with ll_free), or NULL
 * when out of memory. */
char *ll_path_join(const char *dir, const char *name);
/* path as seen from the folder base (both absolute, or relative to the
 * working directory; "." and ".." resolved by name, links not followed):
 * "../examples/data" for examples/data from out/.  Caller frees; NULL when
 * out of memory or the working directory is unknown. */
char *ll_path_rel(const char *path, const char *base);

#endif
