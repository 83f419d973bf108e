/* ll_array_read: the reader picked by the file's magic bytes, from one
 * open of the file (the bytes it looks at are read ahead, then read
 * again by the reader from the same source, io/ll_src.h). */
#include "io/ll_array.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/ll_limits.h"
#include "io/ll_csv.h"
#include "io/ll_hdf5.h"
#include "io/ll_idx.h"
#include "io/ll_npy.h"
#include "io/ll_npz.h"
#include "io/ll_src.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6

/* The format the first bytes say (an ll_array_format), or a negative
 * status. */
static int sniff(ll_src *s, const char *name, ll_err *err)
{
	unsigned char m[8];
	size_t got = ll_src_peek(s, m, sizeof m);

	if (got == 0 && s->fail)
		return ll_src_error(s, err);
	if (got == 0)
		return ll_err_set(err, LL_EFORMAT, "%s: empty file", name);
	if (got >= NPY_MAGIC_LEN && memcmp(m, NPY_MAGIC, NPY_MAGIC_LEN) == 0)
		return LL_ARRAY_NPY;
	if (got >= 4 && m[0] == 'P' && m[1] == 'K' && ((m[2] == 3 && m[3] == 4) || (m[2] == 5 && m[3] == 6)))
		return LL_ARRAY_NPZ;
	if (got >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return LL_ARRAY_IDX_GZ;
	if (got >= 4 && m[0] == 0 && m[1] == 0 && m[3] >= 1 &&
	    (m[2] == 0x08 || m[2] == 0x09 || m[2] == 0x0B || m[2] == 0x0C || m[2] == 0x0D || m[2] == 0x0E))
		return LL_ARRAY_IDX;
	if (ll_hdf5_sniff(m, got))
		return ll_err_set(err, LL_EFORMAT, "%s: an HDF5 file: name one of its datasets, %s:/path (latentlab info %s lists them)",
				  name, name, name);
	return ll_err_set(err, LL_EFORMAT, "%s: unrecognized format (expected .npy, .npz or IDX)", name);
}

/* One array (an .npz's first member) of the format s's bytes say. */
static int read_one(ll_src *s, const char *name, ll_tensor *t, ll_array_info *info, ll_err *err)
{
	size_t limit = ll_input_limit();
	int fmt = sniff(s, name, err);

	memset(t, 0, sizeof *t);
	switch (fmt) {
	case LL_ARRAY_NPY:
		return ll_npy_load(s, name, limit, 0, t, info, err);
	case LL_ARRAY_NPZ:
		return ll_npz_load(s, name, NULL, limit, t, info, err);
	case LL_ARRAY_IDX:
	case LL_ARRAY_IDX_GZ:
		return ll_idx_load(s, name, limit, t, info, err);
	default:
		return fmt;
	}
}

/* Every array s holds into set. */
static int read_all(ll_src *s, const char *name, ll_array_set *set, ll_err *err)
{
	size_t limit = ll_input_limit();
	int fmt = sniff(s, name, err), rc;

	memset(set, 0, sizeof *set);
	if (fmt < 0)
		return fmt;
	if (fmt == LL_ARRAY_NPZ)
		return ll_npz_load_all(s, name, limit, set, err);
	set->t = ll_calloc(1, sizeof *set->t);
	set->info = ll_calloc(1, sizeof *set->info);
	if (!set->t || !set->info) {
		ll_array_set_free(set);
		return ll_err_set(err, LL_ENOMEM, "%s: out of memory", name);
	}
	set->format = (ll_array_format)fmt;
	set->n = 1;
	rc = fmt == LL_ARRAY_NPY ? ll_npy_load(s, name, limit, 0, set->t, set->info, err)
				 : ll_idx_load(s, name, limit, set->t, set->info, err);
	if (rc != LL_OK)
		ll_array_set_free(set);
	return rc;
}

/* "file.npz:member" when path itself cannot be opened (ENOENT) and the
 * part before its last ':' exists: *file (ll_free it) and *member (into
 * path).  0 if path is not such a name, -1 when out of memory. */
static int split_member(const char *path, char **file, const char **member)
{
	const char *colon = strrchr(path, ':');
	struct stat st;

	*file = NULL;
	if (!colon || colon == path || !colon[1])
		return 0;
	*file = ll_strndup(path, (size_t)(colon - path));
	if (!*file)
		return -1;
	if (stat(*file, &st) != 0) {
		ll_free(*file);
		*file = NULL;
		return 0;
	}
	*member = colon + 1;
	return 1;
}

/* Open path, or for "file.npz:member" the file (*file, ll_free it):
 * LL_OK with *fp, else the error. */
static int open_input(const char *path, FILE **fp, char **file, const char **member, ll_err *err)
{
	int e, k;

	*file = NULL;
	*member = NULL;
	*fp = fopen(path, "rb");
	if (*fp)
		return LL_OK;
	e = errno;
	if (e == ENOENT && (k = split_member(path, file, member)) != 0) {
		if (k < 0)
			return ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
		*fp = fopen(*file, "rb");
		if (*fp)
			return LL_OK;
		e = errno;
		ll_free(*file);
		*file = NULL;
		return ll_err_set(err, LL_EIO, "%s: cannot open: %s", path, strerror(e));
	}
	return ll_err_set(err, LL_EIO, "%s: cannot open: %s", path, strerror(e));
}

int ll_array_read(const char *path, ll_tensor *t, ll_array_info *info, ll_err *err)
{
	const char *member;
	char *file;
	FILE *fp;
	ll_src s;
	int rc;

	memset(t, 0, sizeof *t);
	if ((rc = open_input(path, &fp, &file, &member, err)) != LL_OK)
		return rc;
	if (file && ll_hdf5_is(file)) {
		/* "file.h5:/dataset" */
		rc = ll_hdf5_read(file, member, NULL, t, info, err);
	} else if (file) {
		ll_src_file(&s, fp, file);
		rc = ll_npz_load(&s, file, member, ll_input_limit(), t, info, err);
	} else {
		ll_src_file(&s, fp, path);
		rc = read_one(&s, path, t, info, err);
	}
	fclose(fp);
	ll_free(file);
	return rc;
}

int ll_array_read_f32(const char *path, ll_tensor *t, ll_array_info *info, ll_err *err)
{
	const char *member;
	char *file;
	FILE *fp;
	ll_src s;
	int rc;

	memset(t, 0, sizeof *t);
	if ((rc = open_input(path, &fp, &file, &member, err)) != LL_OK)
		return rc;
	if (!file) {
		ll_src_file(&s, fp, path);
		rc = sniff(&s, path, err);
		if (rc == LL_ARRAY_NPY) {
			/* a plain .npy: mapped or converted straight to floats */
			rc = ll_npy_load_f32(&s, path, fileno(fp), ll_input_limit(), t, info, err);
			fclose(fp);
			return rc;
		}
	}
	fclose(fp);
	ll_free(file);
	if (rc < 0)
		return rc;
	/* other formats: read as doubles, then converted (both at once for
	 * a moment) */
	if ((rc = ll_array_read(path, t, info, err)) != LL_OK)
		return rc;
	if ((rc = ll_tensor_to_f32(t, err)) != LL_OK) {
		ll_err_prefix(err, "%s", path);
		ll_tensor_free(t);
	}
	return rc;
}

int ll_array_read_mem(const void *buf, size_t len, const char *name, ll_tensor *t,
		      ll_array_info *info, ll_err *err)
{
	ll_src s;
	ll_src_mem(&s, buf, len, name);
	return read_one(&s, name, t, info, err);
}

int ll_array_read_all(const char *path, ll_array_set *set, ll_err *err)
{
	const char *member;
	char *file;
	FILE *fp;
	ll_src s;
	int rc;

	memset(set, 0, sizeof *set);
	if ((rc = open_input(path, &fp, &file, &member, err)) != LL_OK)
		return rc;
	if (!file) {
		ll_src_file(&s, fp, path);
		rc = read_all(&s, path, set, err);
		fclose(fp);
		return rc;
	}
	/* one member */
	size_t l = strlen(member);
	ll_src_file(&s, fp, file);
	set->format = LL_ARRAY_NPZ;
	set->member = 1;
	set->names = ll_calloc(1, sizeof *set->names);
	set->t = ll_calloc(1, sizeof *set->t);
	set->info = ll_calloc(1, sizeof *set->info);
	if (set->names)
		set->names[0] = ll_strndup(member, l > 4 && !strcmp(member + l - 4, ".npy") ? l - 4 : l);
	set->n = 1;
	if (!set->names || !set->names[0] || !set->t || !set->info)
		rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
	else
		rc = ll_npz_load(&s, file, member, ll_input_limit(), set->t, set->info, err);
	fclose(fp);
	ll_free(file);
	if (rc != LL_OK)
		ll_array_set_free(set);
	return rc;
}

int ll_array_read_all_mem(const void *buf, size_t len, const char *name, ll_array_set *set,
			  ll_err *err)
{
	ll_src s;
	ll_src_mem(&s, buf, len, name);
	return read_all(&s, name, set, err);
}

void ll_array_set_free(ll_array_set *set)
{
	if (!set)
		return;
	for (size_t k = 0; k < set->n; k++) {
		if (set->names)
			ll_free(set->names[k]);
		if (set->t)
			ll_tensor_free(&set->t[k]);
	}
	ll_free(set->names);
	ll_free(set->t);
	ll_free(set->info);
	memset(set, 0, sizeof *set);
}

static int has_suffix_ci(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcasecmp(s + a - b, suf) == 0;
}

int ll_array_read_table(const char *path, ll_tensor *t, ll_err *err)
{
	if (!(has_suffix_ci(path, ".csv") || has_suffix_ci(path, ".tsv") || has_suffix_ci(path, ".txt")))
		return ll_array_read(path, t, NULL, err);
	ll_csv_opts co;
	ll_csv_opts_default(&co);
	co.layout = LL_CSV_MATRIX;
	ll_csv_data d;
	memset(t, 0, sizeof *t);
	int rc = ll_csv_read(path, &co, &d, err);
	if (rc != LL_OK)
		return rc;
	*t = d.X;
	memset(&d.X, 0, sizeof d.X);
	ll_csv_data_free(&d);
	return LL_OK;
}
