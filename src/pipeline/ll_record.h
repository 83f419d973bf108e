/*
 * ll_record.h - the run record beside a session's results, written the same
 * way by `latentlab run`/`demo` and the workbench:
 *
 *   OUTDIR/results.json   "status" ("running" while a run writes OUTDIR,
 *                         then "complete" when every step is done, else
 *                         "incomplete"), every step's state, seconds, threads and
 *                         one-line summary, the command line, the seconds
 *   OUTDIR/session.lab    the session as it runs, so OUTDIR replays
 *
 * Both go through a temporary file renamed into place.
 */
#ifndef LL_RECORD_H
#define LL_RECORD_H

#include "pipeline/ll_outdir.h"
#include "pipeline/ll_session.h"

/* What a session run does to OUTDIR, for `run`, `demo` and the workbench
 * alike (see ll_outdir.h for the rules):
 *
 *   ll_record_open    take OUTDIR (refusing to write over the session file
 *                     itself, OUTDIR/session.lab), lock it
 *   ll_record_begin   before a run changes anything: the old report goes,
 *                     results.json says "running"
 *   ll_record_end     after it, however it went: results.json with the
 *                     outcome, the folder marked complete or not
 */
int ll_record_open(ll_outdir *o, const ll_session *s, const char *outdir, unsigned flags,
		   const char *cmdline, ll_err *err);
int ll_record_begin(ll_outdir *o, const ll_session *s, const char *cmdline, double seconds, ll_err *err);
int ll_record_end(ll_outdir *o, const ll_session *s, const char *cmdline, double seconds, ll_err *err);

/* running: a run is about to change OUTDIR (written before it does, so a
 * run cut short leaves "running", never a stale "complete"). */
int ll_record_results(const ll_session *s, const char *outdir, const char *cmdline, double seconds,
		      int running, ll_err *err);
/* Every step of the session is done. */
int ll_record_complete(const ll_session *s);
/* OUTDIR/session.lab (OUTDIR is created): the user's own text, comments and
 * all, while it still says exactly what runs, else the canonical form with
 * absolute paths.  Like ll_session_save, s->text becomes the text written
 * (the report quotes it), but the dirty flag is left alone: the session's
 * own file is not saved by this. */
int ll_record_session_copy(ll_session *s, const char *outdir, ll_err *err);

#endif
