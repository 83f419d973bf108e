/* Section "Session": the steps as run and how to replay them.  Always in
 * the report. */
#include "ll_doc.h"

static void sec_session(doc *d)
{
	ll_session *s = d->s;
	doc_put(d, "A *session* is a whole analysis written down as one small text file: each `[section]` "
		   "is a step of the pipeline *");
	/* the steps that run, from the step list; a step only some data
	 * have (train: MNIST) in parentheses */
	for (int k = 0, first = 1; k < LL_NSTEPS; k++) {
		if (!ll_step_runs((ll_step_kind)k))
			continue;
		doc_putf(d, ll_step_conditional((ll_step_kind)k) ? "%s(%s)" : "%s%s", first ? "" : " &rarr; ",
			 ll_step_name((ll_step_kind)k));
		first = 0;
	}
	doc_put(d, "* with its parameters. latentlab ran the steps below in order and kept "
		   "their results; this report only reads them.\n\n");
	doc_tbl_begin(d, "Steps as run: state, wall time, threads, and the step's one-line result");
	doc_tbl_head(d, "step|state|#seconds|#threads|result");
	ll_step_kind st[LL_NSTEPS];
	size_t n = ll_session_steps(s, st);
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		doc_tr_begin(d, 0);
		doc_td(d, ll_step_name(st[i]));
		if (st[i] == LL_STEP_REPORT) {
			/* it is done once this is read; its own time is not
			 * known while it is written */
			doc_td(d, ll_step_state_name(LL_STATE_DONE));
			doc_td_html(d, DOC_NA);
			doc_td_html(d, DOC_NA);
			doc_td(d, "this report (report.md, report.html, figures/)");
		} else {
			doc_td(d, ll_step_state_name(s->state[st[i]]));
			doc_td_num(d, s->seconds[st[i]], "%.2f");
			if (s->threads[st[i]] > 0)
				doc_td_num(d, s->threads[st[i]], "%.0f");
			else
				doc_td_html(d, DOC_NA);
			doc_td(d, s->status[st[i]]);
			total += s->seconds[st[i]];
		}
		doc_tr_end(d);
	}
	doc_put(d, "<tr><td><b>total</b></td><td></td>");
	doc_td_num(d, total, "%.2f");
	doc_put(d, "<td></td><td>compute before the report</td></tr>\n");
	doc_tbl_end(d);

	doc_heading(d, 3, "replay", "Replay");
	doc_put(d, "The session file is shown in full under [Provenance](#session-file); `latentlab run` "
		   "saves it as `session.lab` beside this report. To repeat the whole analysis, run this in "
		   "the directory that holds the report (`replay` is a new output directory; any name will "
		   "do):\n\n");
	doc_code(d, "sh", "latentlab run session.lab -o replay\n");
	doc_putf(d, "\nEvery random choice derives from the session seed (%s), so the replay starts every "
		    "model and every fit from the same seeds; with the same build and thread counts (session "
		    "threads = 0 lets each step take the CPUs free when it starts; set threads to fix them) "
		    "it gives the same numbers as this report.\n\n", doc_param(d, LL_STEP_SESSION, "seed"));
}

const ll_section ll_section_session = {
	.id = "session",
	.title = "Session",
	.write = sec_session,
};
