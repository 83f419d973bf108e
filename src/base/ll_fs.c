#include "base/ll_fs.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *ll_path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = ll_malloc(a + b + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, a);
	if (a && dir[a - 1] != '/')
		p[a++] = '/';
	memcpy(p + a, name, b + 1);
	return p;
}

int ll_afile_open(ll_afile *af, const char *path, ll_err *err)
{
	size_t n = strlen(path);
	int fd;

	memset(af, 0, sizeof *af);
	af->path = ll_strdup(path);
	af->tmp = ll_malloc(n + 12);
	if (!af->path || !af->tmp) {
		ll_afile_abort(af);
		return ll_err_set(err, LL_ENOMEM, "%s: out of memory", path);
	}
	memcpy(af->tmp, path, n);
	memcpy(af->tmp + n, ".tmp.XXXXXX", 12);
	fd = mkstemp(af->tmp);
	if (fd < 0) {
		int e = errno;
		ll_free(af->tmp);
		af->tmp = NULL;
		ll_afile_abort(af);
		return ll_err_set(err, LL_EIO, "%s: cannot create: %s", path, strerror(e));
	}
	/* mkstemp makes 0600; outputs are ordinary files */
	fchmod(fd, 0644);
	af->fp = fdopen(fd, "wb");
	if (!af->fp) {
		int e = errno;
		close(fd);
		ll_afile_abort(af);
		return ll_err_set(err, LL_EIO, "%s: %s", path, strerror(e));
	}
	return LL_OK;
}

int ll_afile_open_in(ll_afile *af, const char *dir, const char *name, ll_err *err)
{
	char *p = ll_path_join(dir, name);
	if (!p) {
		memset(af, 0, sizeof *af);
		return ll_err_oom(err);
	}
	int rc = ll_afile_open(af, p, err);
	ll_free(p);
	return rc;
}

int ll_afile_commit(ll_afile *af, ll_err *err)
{
	int bad = 0, e = 0;

	if (ferror(af->fp)) {
		/* an earlier fwrite failed and its errno is gone: one more byte
		 * to the doomed temporary fails again with the real cause
		 * (ENOSPC, EFBIG), which the message should name */
		clearerr(af->fp);
		errno = 0;
		bad = 1;
		e = (fputc(0, af->fp) == EOF || fflush(af->fp) != 0) && errno ? errno : EIO;
	}
	if (!bad && fflush(af->fp) != 0)
		bad = 1, e = errno;
	if (!bad && fsync(fileno(af->fp)) != 0 && errno != EINVAL)
		bad = 1, e = errno;
	if (fclose(af->fp) != 0 && !bad)
		bad = 1, e = errno;
	af->fp = NULL;
	if (!bad && rename(af->tmp, af->path) != 0)
		bad = 1, e = errno;
	if (bad) {
		ll_err_set(err, LL_EIO, "%s: write failed: %s", af->path, strerror(e));
		ll_afile_abort(af);
		return LL_EIO;
	}
	ll_free(af->tmp);
	ll_free(af->path);
	af->tmp = af->path = NULL;
	return LL_OK;
}

void ll_afile_abort(ll_afile *af)
{
	if (af->fp)
		fclose(af->fp);
	if (af->tmp)
		unlink(af->tmp);
	ll_free(af->tmp);
	ll_free(af->path);
	memset(af, 0, sizeof *af);
}

int ll_read_file(const char *path, size_t max, char **out, size_t *outlen, ll_err *err)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *fp;

	*out = NULL;
	*outlen = 0;
	if (!(fp = fopen(path, "rb")))
		return ll_err_set(err, LL_EIO, "%s: cannot open: %s", path, strerror(errno));
	for (;;) {
		if (len + 1 >= cap) {
			size_t nc = cap ? 2 * cap : 65536;
			char *nb = nc > cap ? ll_realloc(buf, nc) : NULL;
			if (!nb) {
				ll_free(buf);
				fclose(fp);
				return ll_err_set(err, LL_ENOMEM, "%s: out of memory after %zu bytes", path, len);
			}
			buf = nb;
			cap = nc;
		}
		size_t got = fread(buf + len, 1, cap - len - 1, fp);
		len += got;
		if (max && len > max) {
			ll_free(buf);
			fclose(fp);
			return ll_err_set(err, LL_EFORMAT, "%s: larger than %zu bytes", path, max);
		}
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		int e = errno;
		ll_free(buf);
		fclose(fp);
		return ll_err_set(err, LL_EIO, "%s: read failed: %s", path, strerror(e));
	}
	fclose(fp);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return LL_OK;
}

int ll_mkdirs(const char *path, ll_err *err)
{
	char *p = ll_strdup(path);
	struct stat st;

	if (!p)
		return ll_err_oom(err);
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				int e = errno;
				ll_err_set(err, LL_EIO, "%s: cannot create directory: %s", p, strerror(e));
				ll_free(p);
				return LL_EIO;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		ll_free(p);
		return ll_err_set(err, LL_EIO, "%s: not a directory", path);
	}
	ll_free(p);
	return LL_OK;
}

int ll_rmtree(const char *path, ll_err *err)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? LL_OK
				       : ll_err_set(err, LL_EIO, "%s: cannot remove: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (!d)
			return ll_err_set(err, LL_EIO, "%s: cannot remove: %s", path, strerror(errno));
		struct dirent *de;
		int rc = LL_OK;
		while (rc == LL_OK && (de = readdir(d)) != NULL) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			char *sub = ll_path_join(path, de->d_name);
			rc = sub ? ll_rmtree(sub, err) : ll_err_oom(err);
			ll_free(sub);
		}
		closedir(d);
		if (rc != LL_OK)
			return rc;
		if (rmdir(path) != 0)
			return ll_err_set(err, LL_EIO, "%s: cannot remove: %s", path, strerror(errno));
		return LL_OK;
	}
	if (unlink(path) != 0)
		return ll_err_set(err, LL_EIO, "%s: cannot remove: %s", path, strerror(errno));
	return LL_OK;
}

int ll_dir_is_ours(const char *path, const char *marker)
{
	struct stat st;
	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return 0;
	char *m = ll_path_join(path, marker);
	int ours = m && lstat(m, &st) == 0 && S_ISREG(st.st_mode);
	ll_free(m);
	return ours;
}

/* An empty folder has nothing to lose: latentlab may take it (a run killed
 * between making a folder and marking it leaves one). */
static int dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = d != NULL;
	while (d && empty && (e = readdir(d)) != NULL)
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return empty;
}

/* Remove everything in the folder path but the file keep. */
static int empty_but(const char *path, const char *keep, ll_err *err)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int rc = LL_OK;
	if (!d)
		return ll_err_set(err, LL_EIO, "%s: %s", path, strerror(errno));
	while (rc == LL_OK && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, keep))
			continue;
		char *sub = ll_path_join(path, e->d_name);
		rc = sub ? ll_rmtree(sub, err) : ll_err_oom(err);
		ll_free(sub);
	}
	closedir(d);
	return rc;
}

/* LL_OK if path is absent, ours or empty; else why not, as an error. */
static int not_ours(const char *path, const char *marker, ll_err *err)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? LL_OK : ll_err_set(err, LL_EIO, "%s: %s", path, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return ll_err_set(err, LL_EEXIST, "%s is a symbolic link: latentlab does not write or remove "
				  "through links (remove it or choose another output folder)", path);
	if (!S_ISDIR(st.st_mode))
		return ll_err_set(err, LL_EEXIST, "%s exists and is not a folder latentlab made (move it away "
				  "or choose another output folder)", path);
	if (!ll_dir_is_ours(path, marker) && !dir_empty(path)) {
		/* ll_path_join may fail for lack of memory: say that, not "not ours" */
		char *m = ll_path_join(path, marker);
		if (!m)
			return ll_err_oom(err);
		ll_free(m);
		return ll_err_set(err, LL_EEXIST, "%s exists and was not made by latentlab (it has no %s): "
				  "move it away or choose another output folder", path, marker);
	}
	return LL_OK;
}

int ll_dir_check_ours(const char *path, const char *marker, ll_err *err)
{
	return not_ours(path, marker, err);
}

int ll_dir_replace_ours(const char *from, const char *to, const char *marker, ll_err *err)
{
	int rc = not_ours(to, marker, err);
	if (rc != LL_OK)
		return rc;
	/* the old folder steps aside first, so `to` is never a mix of both */
	size_t n = strlen(to) + 8;
	char *old = ll_malloc(n);
	if (!old)
		return ll_err_oom(err);
	snprintf(old, n, "%s.old", to);
	struct stat st;
	if ((rc = ll_rmtree_ours(old, marker, err)) == LL_OK && lstat(to, &st) == 0 && rename(to, old) != 0)
		rc = ll_err_set(err, LL_EIO, "%s: cannot move it aside: %s", to, strerror(errno));
	if (rc == LL_OK && rename(from, to) != 0)
		rc = ll_err_set(err, LL_EIO, "%s: cannot rename it to %s: %s", from, to, strerror(errno));
	if (rc == LL_OK)
		rc = ll_rmtree_ours(old, marker, err);
	ll_free(old);
	return rc;
}

int ll_rmtree_ours(const char *path, const char *marker, ll_err *err)
{
	struct stat st;
	int rc = not_ours(path, marker, err);
	if (rc != LL_OK || lstat(path, &st) != 0)
		return rc;
	/* the marker goes last: a removal cut short leaves a folder still
	 * provably ours, which the next run finishes removing */
	if ((rc = empty_but(path, marker, err)) != LL_OK)
		return rc;
	char *m = ll_path_join(path, marker);
	if (!m)
		return ll_err_oom(err);
	if (unlink(m) != 0 && errno != ENOENT)
		rc = ll_err_set(err, LL_EIO, "%s: cannot remove: %s", m, strerror(errno));
	ll_free(m);
	if (rc == LL_OK && rmdir(path) != 0)
		rc = ll_err_set(err, LL_EIO, "%s: cannot remove: %s", path, strerror(errno));
	return rc;
}

int ll_mkdir_ours(const char *path, const char *marker, const char *note, ll_err *err)
{
	/* emptied, not removed: the marker stays until the end, so a run
	 * killed half way leaves a folder still provably ours */
	int rc = not_ours(path, marker, err);
	if (rc == LL_OK)
		rc = ll_mkdirs(path, err);
	if (rc == LL_OK)
		rc = empty_but(path, marker, err);
	if (rc != LL_OK)
		return rc;
	ll_afile af;
	if ((rc = ll_afile_open_in(&af, path, marker, err)) != LL_OK)
		return rc;
	fprintf(af.fp, "%s\n", note);
	return ll_afile_commit(&af, err);
}

/* path made absolute and normalised into out (room for PATH_MAX): "."
 * and empty parts dropped, ".." takes the part before it away */
static int abs_norm(const char *path, char *out, size_t cap)
{
	char buf[2 * PATH_MAX];
	if (path[0] == '/') {
		snprintf(buf, sizeof buf, "%s", path);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd))
			return 0;
		snprintf(buf, sizeof buf, "%s/%s", cwd, path);
	}
	size_t n = 0;
	out[0] = '\0';
	for (char *save = NULL, *p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			out[n] = '\0';
			continue;
		}
		size_t l = strlen(p);
		if (n + l + 2 > cap)
			return 0;
		out[n++] = '/';
		memcpy(out + n, p, l + 1);
		n += l;
	}
	return 1;
}

char *ll_path_rel(const char *path, const char *base)
{
	char a[PATH_MAX], b[PATH_MAX];
	if (!abs_norm(path, a, sizeof a) || !abs_norm(base, b, sizeof b))
		return NULL;
	/* the common leading parts, whole ones only */
	size_t i = 0, common = 0;
	while (a[i] && a[i] == b[i]) {
		i++;
		if (a[i] == '/' || (!a[i] && (!b[i] || b[i] == '/')) || (!b[i] && a[i] == '/'))
			common = i;
	}
	if (!a[i] && !b[i])
		common = i;
	size_t ups = 0;
	for (const char *p = b + common; *p; p++)
		ups += *p == '/';
	const char *rest = a + common;
	if (*rest == '/')
		rest++;
	size_t len = 3 * ups + strlen(rest) + 2;
	char *r = ll_malloc(len), *q = r;
	if (!r)
		return NULL;
	for (size_t k = 0; k < ups; k++) {
		memcpy(q, "../", 3);
		q += 3;
	}
	strcpy(q, rest);
	if (!*r)
		strcpy(r, ".");
	else if (q > r && !*rest)
		q[-1] = '\0'; /* "../.." for a folder above */
	return r;
}
