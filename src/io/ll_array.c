/* ll_array_read: the reader picked by the file's magic bytes. */
#include "io/ll_array.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/ll_idx.h"
#include "io/ll_npy.h"
#include "io/ll_npz.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6

int ll_array_read(const char *path, ll_tensor *t, ll_array_info *info, ll_err *err)
{
	unsigned char m[8];
	size_t got;
	FILE *fp;

	memset(t, 0, sizeof *t);
	fp = fopen(path, "rb");
	if (!fp) {
		int e = errno;
		const char *colon = strrchr(path, ':');
		struct stat st;
		/* "file.npz:member", unless a file with that whole name exists */
		if (e == ENOENT && colon && colon != path && colon[1]) {
			char *file = ll_strndup(path, (size_t)(colon - path));
			if (!file)
				return ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
			if (stat(file, &st) == 0) {
				int rc = ll_npz_read(file, colon + 1, t, info, err);
				ll_free(file);
				return rc;
			}
			ll_free(file);
		}
		return ll_err_set(err, LL_EIO, "%s: cannot open: %s", path, strerror(e));
	}
	got = fread(m, 1, sizeof m, fp);
	if (got == 0 && ferror(fp)) {
		int e = errno;
		fclose(fp);
		return ll_err_set(err, LL_EIO, "%s: cannot read: %s", path, strerror(e));
	}
	fclose(fp);
	if (got == 0)
		return ll_err_set(err, LL_EFORMAT, "%s: empty file", path);
	if (got >= NPY_MAGIC_LEN && memcmp(m, NPY_MAGIC, NPY_MAGIC_LEN) == 0)
		return ll_npy_read(path, t, info, err);
	if (got >= 4 && m[0] == 'P' && m[1] == 'K' && ((m[2] == 3 && m[3] == 4) || (m[2] == 5 && m[3] == 6)))
		return ll_npz_read(path, NULL, t, info, err);
	if (got >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return ll_idx_read(path, t, info, err);
	if (got >= 4 && m[0] == 0 && m[1] == 0 && m[3] >= 1 &&
	    (m[2] == 0x08 || m[2] == 0x09 || m[2] == 0x0B || m[2] == 0x0C || m[2] == 0x0D || m[2] == 0x0E))
		return ll_idx_read(path, t, info, err);
	return ll_err_set(err, LL_EFORMAT, "%s: unrecognized format (expected .npy, .npz or IDX)", path);
}
