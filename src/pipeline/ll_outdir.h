/*
 * ll_outdir.h - the output folder a command writes into, owned, locked,
 * and never left looking complete when it is not.  Every writer (tca,
 * run, demo, synth, the workbench) opens OUTDIR through here.
 *
 * Ownership.  OUTDIR/.latentlab marks a folder latentlab made; it is
 * written first, before anything else goes in.  latentlab removes or
 * replaces only what it can prove it made: in a marked OUTDIR, the files
 * of the names it writes, and folders holding their own marker (a step's
 * .latentlab-step, a fit's .latentlab-fit; see ll_mkdir_ours), never
 * through a symbolic link.  Opening refuses "/" and the home folder, and
 * a non-empty folder without the marker, naming what is there; with
 * LL_OUTDIR_FORCE it writes beside the user's files but still refuses
 * when one of the names it writes is already taken.
 *
 * One writer at a time: an flock on OUTDIR/.latentlab.lock, which holds
 * the writer's pid and command; a second writer fails at once naming it.
 * The kernel drops the lock when the process ends, however it ends.
 *
 * Crash consistency.  ll_outdir_begin, called before anything in OUTDIR
 * changes, marks the run in progress (the marker says "running") and
 * removes the files by which a finished run is recognised (the caller
 * names them: run's report, tca's summary.json; run also rewrites
 * results.json with "status": "running").  ll_outdir_end marks the run
 * finished.  Killed at any point, OUTDIR holds either the earlier complete
 * result or a visibly incomplete one, never a mix that looks complete.
 */
#ifndef LL_OUTDIR_H
#define LL_OUTDIR_H

#include "base/ll_common.h"

#define LL_OUTDIR_MARKER ".latentlab"
#define LL_OUTDIR_LOCK ".latentlab.lock"

/* write beside the user's files in a non-empty folder latentlab did not make */
#define LL_OUTDIR_FORCE 1u

typedef struct ll_outdir {
	char *path;  /* OUTDIR as given (owned) */
	char *what;  /* the command that writes, for the marker (owned) */
	int lock_fd; /* the held lock, or -1 */
	int made;    /* open made the folder */
	const char **names; /* the names it writes, NULL-terminated (the array
			     * owned; the strings must be static) */
} ll_outdir;
/* A closed ll_outdir, safe to close again. */
#define LL_OUTDIR_INIT {.lock_fd = -1}

/* Make or take OUTDIR for the command `what` ("latentlab run bio.lab"):
 * the checks above, the marker, the lock.  `names` lists (NULL-terminated)
 * the top-level names the command writes, for the forced case.  On
 * failure o holds nothing to free and OUTDIR is as it was (a folder that
 * did not exist may have been made, empty but for the marker). */
int ll_outdir_open(ll_outdir *o, const char *path, const char *const *names, unsigned flags,
		   const char *what, ll_err *err);
/* A run starts: the marker says so, every file in `finished`
 * (NULL-terminated top-level names) is removed, and so are the temporary
 * files a run killed before left of the names latentlab writes
 * ("results.json.tmp.AbC123", ll_afile's pattern). */
int ll_outdir_begin(ll_outdir *o, const char *const *finished, ll_err *err);
/* The run ended, complete or not (the marker says which). */
int ll_outdir_end(ll_outdir *o, int complete, ll_err *err);
/* Release the lock and free o (a no-op on a zeroed or closed one). */
void ll_outdir_close(ll_outdir *o);
/* The same after a failure before anything was written: a folder open
 * made, holding only the marker and the lock, is removed again. */
void ll_outdir_abandon(ll_outdir *o);

/* Is `file` OUTDIR/session.lab, the copy a run writes there?  (Running it
 * into the same folder would overwrite the input.) */
int ll_outdir_is_session_copy(const char *outdir, const char *file);

#endif
