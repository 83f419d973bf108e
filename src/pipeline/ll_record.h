/*
 * ll_record.h - the run record beside a session's results, written the same
 * way by `latentlab run`/`demo` and the workbench:
 *
 *   OUTDIR/results.json   every step's state, seconds and one-line summary,
 *                         the command line and the total seconds
 *   OUTDIR/session.lab    the session as it runs, so OUTDIR replays
 *
 * Both go through a temporary file renamed into place.
 */
#ifndef LL_RECORD_H
#define LL_RECORD_H

#include "pipeline/ll_session.h"

int ll_record_results(const ll_session *s, const char *outdir, const char *cmdline, double seconds,
		      ll_err *err);
/* OUTDIR/session.lab (OUTDIR is created): the user's own text, comments and
 * all, while it still says exactly what runs, else the canonical form with
 * absolute paths.  Like ll_session_save, s->text becomes the text written
 * (the report quotes it), but the dirty flag is left alone: the session's
 * own file is not saved by this. */
int ll_record_session_copy(ll_session *s, const char *outdir, ll_err *err);

#endif
