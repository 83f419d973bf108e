/*
 * ll_resume.h - reopening a session on an OUTDIR that a run of it wrote:
 * the steps whose results are there, computed with the parameters the
 * session has now, are marked done and their results put back instead of
 * computing them again.
 *
 * OUTDIR/session.lab says what ran, OUTDIR/results.json which steps were
 * done (ll_record.h).  Step k resumes when results.json says it was done,
 * every parameter of [k] (paths compared as resolved) and every [session]
 * key that makes k stale (ll_session_stale: the seed) are the same in
 * both, the steps it needs resumed, and it has a load hook (ll_step.h)
 * that succeeds.  Every other step stays pending, as do the steps after
 * it that need it.  Which steps have a load hook: train and rnn (their
 * arrays and networks read back from OUTDIR/train/, OUTDIR/rnn/ and
 * OUTDIR/rnn/resume/ bit for bit), data, tensor, trajectory, compare
 * and connectome (their results are computed again in memory, the same
 * bits: reading the inputs costs what reading the results would), tca
 * (its fits read back from OUTDIR/tca/resume/, the raw fits it writes
 * beside its results) and report (done if its files are there).  The
 * others (inpca, spectrum, dynamics, dsa) run again, and so do the
 * steps that need them: inpca's and spectrum's eigenvalues, computed
 * again, differ from the run's in the last bits.  A load that fails (a
 * file missing or damaged) leaves the step pending with a warning in the
 * log.
 */
#ifndef LL_RESUME_H
#define LL_RESUME_H

#include "pipeline/ll_session.h"

/* Resume s from outdir; the steps resumed in *done (0 when outdir holds
 * no run).  A step that cannot be read back is not an error: it stays
 * pending and the log says why.  LL_ENOMEM only. */
int ll_session_resume(ll_session *s, const char *outdir, unsigned *done, ll_err *err);

#endif
