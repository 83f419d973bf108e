/* The output folder: ownership, one writer, crash consistency (see
 * ll_outdir.h). */
#include "config.h"

#include "pipeline/ll_outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/ll_fs.h"

static int write_marker(const char *path, const char *what, const char *state, ll_err *err)
{
	ll_afile af;
	int rc = ll_afile_open_in(&af, path, LL_OUTDIR_MARKER, err);
	if (rc != LL_OK)
		return rc;
	fprintf(af.fp, "latentlab output folder: latentlab removes or replaces only what it made here.\n"
		       "made by: %s\nstate: %s\n", what, state);
	return ll_afile_commit(&af, err);
}

/* the same folder, by real path (0 if either is missing) */
static int same_place(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];
	return a && b && realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

/* How many entries dir has (. and .. aside), and the first three names. */
static size_t entries(const char *dir, char *first, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t count = 0;
	first[0] = '\0';
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (count < 3) {
			size_t l = strlen(first);
			snprintf(first + l, n - l, "%s%.48s", count ? ", " : "", e->d_name);
		}
		count++;
	}
	closedir(d);
	return count;
}

static int exists(const char *dir, const char *name)
{
	struct stat st;
	char *p = ll_path_join(dir, name);
	int there = p && lstat(p, &st) == 0;
	ll_free(p);
	return there;
}

/* The folder is ours, or may become ours (the checks of ll_outdir_open). */
static int take(const char *path, const char *const *names, unsigned flags, const char *what, int *made,
		ll_err *err)
{
	struct stat st;
	const char *home = getenv("HOME");
	if (same_place(path, "/"))
		return ll_err_set(err, LL_EEXIST, "%s is the root folder: latentlab writes its results into a "
				  "folder of their own", path);
	if (home && *home && same_place(path, home))
		return ll_err_set(err, LL_EEXIST, "%s is your home folder: latentlab writes its results into a "
				  "folder of their own (e.g. %s/out)", path, path);
	int there = stat(path, &st) == 0;
	if (there && !S_ISDIR(st.st_mode))
		return ll_err_set(err, LL_EEXIST, "%s exists and is not a folder", path);
	int rc = ll_mkdirs(path, err);
	*made = !there && rc == LL_OK;
	if (rc != LL_OK)
		return rc;
	char *m = ll_path_join(path, LL_OUTDIR_MARKER);
	if (!m)
		return ll_err_oom(err);
	int ours = lstat(m, &st) == 0 && S_ISREG(st.st_mode);
	ll_free(m);
	if (ours)
		return LL_OK;
	char first[200];
	size_t n = entries(path, first, sizeof first);
	if (n > 0 && !(flags & LL_OUTDIR_FORCE))
		return ll_err_set(err, LL_EEXIST, "%s is not empty and was not made by latentlab (it has no %s; "
				  "it holds %s%s): use a new or empty folder, or --force to write beside "
				  "what is there (latentlab never removes what it did not make)", path,
				  LL_OUTDIR_MARKER, first, n > 3 ? ", ..." : "");
	if (n > 0) {
		/* forced: beside the user's files, never over them */
		static const char *const ours_too[] = {LL_OUTDIR_MARKER, LL_OUTDIR_LOCK, NULL};
		for (int pass = 0; pass < 2; pass++)
			for (const char *const *p = pass ? ours_too : names; p && *p; p++)
				if (exists(path, *p))
					return ll_err_set(err, LL_EEXIST, "%s/%s exists and was not made by latentlab: "
							  "--force writes beside what is there, never over it",
							  path, *p);
	}
	return write_marker(path, what, "new", err);
}

int ll_outdir_open(ll_outdir *o, const char *path, const char *const *names, unsigned flags,
		   const char *what, ll_err *err)
{
	memset(o, 0, sizeof *o);
	o->lock_fd = -1;
	if (!path || !*path)
		return ll_err_set(err, LL_EINVAL, "no output folder given");
	int made = 0;
	int rc = take(path, names, flags, what, &made, err);
	if (rc != LL_OK) {
		if (made)
			rmdir(path); /* empty but for the marker at most */
		return rc;
	}
	char *lp = ll_path_join(path, LL_OUTDIR_LOCK);
	if (!lp)
		return ll_err_oom(err);
	int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = ll_err_set(err, LL_EIO, "%s: cannot create: %s", lp, strerror(errno));
		ll_free(lp);
		return rc;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		char holder[256] = "";
		ssize_t got = e == EWOULDBLOCK ? pread(fd, holder, sizeof holder - 1, 0) : -1;
		close(fd);
		ll_free(lp);
		if (got > 0) {
			holder[got] = '\0';
			holder[strcspn(holder, "\n")] = '\0';
		}
		if (e == EWOULDBLOCK)
			return ll_err_set(err, LL_EEXIST, "%s is being written by another latentlab (pid %s): wait "
					  "for it to end or choose another output folder", path,
					  holder[0] ? holder : "unknown");
		return ll_err_set(err, LL_EIO, "%s: cannot lock: %s", path, strerror(e));
	}
	ll_free(lp);
	/* who holds it, for the next writer's message */
	char line[256];
	int len = snprintf(line, sizeof line, "%ld: %s\n", (long)getpid(), what);
	if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)len, 0) != len) {
		/* the lock holds anyway; only the message of a second writer is poorer */
	}
	o->lock_fd = fd;
	o->made = made;
	size_t nn = 0;
	while (names && names[nn])
		nn++;
	if ((o->names = ll_malloc_array(nn + 1, sizeof *o->names)) != NULL) {
		for (size_t i = 0; i < nn; i++)
			o->names[i] = names[i];
		o->names[nn] = NULL;
	}
	o->path = ll_strdup(path);
	o->what = ll_strdup(what);
	if (!o->path || !o->what || !o->names) {
		ll_outdir_close(o);
		return ll_err_oom(err);
	}
	return LL_OK;
}

/* name is "<one of ours>.tmp.XXXXXX" (ll_afile's temporaries) */
static int our_temporary(const ll_outdir *o, const char *name)
{
	static const char *const ours[] = {LL_OUTDIR_MARKER, LL_OUTDIR_LOCK, NULL};
	const char *t = strstr(name, ".tmp.");
	if (!t || strlen(t + 5) != 6)
		return 0;
	size_t stem = (size_t)(t - name);
	for (int pass = 0; pass < 2; pass++)
		for (const char *const *p = pass ? ours : (const char *const *)o->names; p && *p; p++)
			if (strlen(*p) == stem && !strncmp(name, *p, stem))
				return 1;
	return 0;
}

/* Temporaries a killed run left at the top of OUTDIR. */
static void remove_temporaries(const ll_outdir *o)
{
	DIR *d = opendir(o->path);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (!our_temporary(o, e->d_name))
			continue;
		char *p = ll_path_join(o->path, e->d_name);
		struct stat st;
		if (p && lstat(p, &st) == 0 && S_ISREG(st.st_mode))
			unlink(p);
		ll_free(p);
	}
	if (d)
		closedir(d);
}

int ll_outdir_begin(ll_outdir *o, const char *const *finished, ll_err *err)
{
	char state[256], when[32];
	time_t now = time(NULL);
	struct tm tm;
	if (!gmtime_r(&now, &tm) || !strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof when, "?");
	snprintf(state, sizeof state, "running (pid %ld, since %s); if no latentlab runs here now, the "
		 "run was cut short and its results are incomplete", (long)getpid(), when);
	int rc = write_marker(o->path, o->what, state, err);
	if (rc == LL_OK)
		remove_temporaries(o);
	for (const char *const *p = finished; rc == LL_OK && p && *p; p++) {
		char *f = ll_path_join(o->path, *p);
		struct stat st;
		if (!f)
			rc = ll_err_oom(err);
		else if (lstat(f, &st) == 0 && S_ISDIR(st.st_mode))
			rc = ll_err_set(err, LL_EEXIST, "%s is a folder, not a file latentlab writes", f);
		else if (unlink(f) != 0 && errno != ENOENT)
			rc = ll_err_set(err, LL_EIO, "%s: cannot remove: %s", f, strerror(errno));
		ll_free(f);
	}
	return rc;
}

int ll_outdir_end(ll_outdir *o, int complete, ll_err *err)
{
	return write_marker(o->path, o->what,
			    complete ? "complete" : "incomplete (the run ended with steps not done)", err);
}

void ll_outdir_close(ll_outdir *o)
{
	if (!o)
		return;
	if (o->lock_fd >= 0)
		close(o->lock_fd); /* releases the flock */
	ll_free(o->path);
	ll_free(o->what);
	ll_free(o->names);
	memset(o, 0, sizeof *o);
	o->lock_fd = -1;
}

/* Does dir hold nothing but the marker and the lock? */
static int only_marker(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int other = 0;
	for (struct dirent *e; !other && (e = readdir(d)) != NULL;)
		other = strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, LL_OUTDIR_MARKER) &&
			strcmp(e->d_name, LL_OUTDIR_LOCK);
	closedir(d);
	return !other;
}

void ll_outdir_abandon(ll_outdir *o)
{
	if (!o || !o->path) {
		ll_outdir_close(o);
		return;
	}
	char *m = o->made ? ll_path_join(o->path, LL_OUTDIR_MARKER) : NULL;
	char *l = o->made ? ll_path_join(o->path, LL_OUTDIR_LOCK) : NULL;
	char *dir = o->made ? ll_strdup(o->path) : NULL;
	ll_outdir_close(o);
	/* only a folder holding nothing else: one a run wrote into (the
	 * workbench abandons on every quit) keeps its marker, so it can be
	 * opened again */
	if (m && l && dir && only_marker(dir)) {
		unlink(m);
		unlink(l);
		rmdir(dir); /* fails, as it should, if anything else is in it */
	}
	ll_free(m);
	ll_free(l);
	ll_free(dir);
}

int ll_outdir_is_session_copy(const char *outdir, const char *file)
{
	char copy[PATH_MAX];
	return (size_t)snprintf(copy, sizeof copy, "%s/session.lab", outdir) < sizeof copy &&
	       same_place(copy, file);
}
