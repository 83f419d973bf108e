/* Section "Data": where the data came from and the analysis tensor.
 * Always in the report. */
#include "ll_doc.h"

#include <stdio.h>
#include <string.h>

static void sec_data_glance(doc *d)
{
	ll_session *s = d->s;
	char sh[256];
	if (s->res.tensor && s->res.tensor->X.data) {
		doc_shape_text(&s->res.tensor->X, s->res.tensor->modes, sh, sizeof sh);
		doc_put(d, "- **Data:** ");
		doc_md_text(d, sh);
		if (s->res.data && s->res.data->truth.rank > 0)
			doc_putf(d, ", simulated with %zu planted factors", s->res.data->truth.rank);
		doc_put(d, ".\n");
	}
}

static void sec_data(doc *d)
{
	ll_session *s = d->s;
	const char *kind = doc_param(d, LL_STEP_DATA, "kind");
	char sh[256];
	if (doc_not_run(d, LL_STEP_DATA))
		return;
	if (!strcmp(kind, "mnist")) {
		doc_putf(d, "The data are the training runs themselves. %s small multilayer perceptrons "
			    "(784 inputs &rarr; %s hidden units, %s &rarr; 10 digits) were trained on MNIST "
			    "handwritten digits. While they trained, every %s steps, the mean activation of "
			    "each hidden unit for each digit was recorded on a fixed probe set of %s test "
			    "images per digit. Models started from %s initial weights",
			 doc_param(d, LL_STEP_TRAIN, "models"), doc_param(d, LL_STEP_TRAIN, "hidden"),
			 doc_param(d, LL_STEP_TRAIN, "activation"), doc_param(d, LL_STEP_TRAIN, "log_every"),
			 doc_param(d, LL_STEP_TRAIN, "probe_per_class"),
			 strcmp(doc_param(d, LL_STEP_TRAIN, "init"), "shared") ? "their own" : "the same (shared)");
		if (!strcmp(doc_param(d, LL_STEP_TRAIN, "match_units"), "yes") &&
		    strcmp(doc_param(d, LL_STEP_TRAIN, "init"), "shared"))
			doc_put(d, ", and their units were matched to model 0's by activation correlation, so "
				   "unit *u* means the same thing in every model");
		doc_put(d, ".\n\nThe data step read: ");
		doc_md_text(d, s->status[LL_STEP_DATA]);
		doc_put(d, ".\n\n");
	} else if (!strcmp(kind, "task")) {
		doc_putf(d, "The data are the networks' own activity: recurrent networks were trained on the "
			    "**%s** task, each step on a fresh batch of generated sequences of %s steps, and their "
			    "states were recorded on a fixed set of %s probe sequences (section "
			    "[Dynamics](#dynamics) describes the networks and what they learned).\n\n",
			 doc_param(d, LL_STEP_RNN, "task"), doc_param(d, LL_STEP_RNN, "steps"),
			 doc_param(d, LL_STEP_RNN, "probes"));
	} else if (!strcmp(kind, "synth")) {
		doc_putf(d, "The data are **simulated**: a population of %s neurons recorded for %s time bins "
			    "in each of %s trials, whose expected spike counts are an exactly low-rank, "
			    "non-negative CP model of %s planted factors (a learning factor that grows across "
			    "trials, an oscillation within the trial, a ramp only in the trials of one "
			    "condition; trials alternate between two conditions), observed with %s noise. "
			    "Because the planted factors are known, section [TCA](#tca) checks the fitted model "
			    "against them.\n\n",
			 doc_param(d, LL_STEP_DATA, "neurons"), doc_param(d, LL_STEP_DATA, "time"),
			 doc_param(d, LL_STEP_DATA, "trials"), doc_param(d, LL_STEP_DATA, "rank"),
			 doc_param(d, LL_STEP_DATA, "noise"));
	} else {
		doc_put(d, "The data were read from ");
		doc_md_param_path(d, LL_STEP_DATA, "path");
		doc_putf(d, " (%s)", kind);
		if (*doc_param(d, LL_STEP_DATA, "labels")) {
			doc_put(d, ", with per-trial condition labels from ");
			doc_md_param_path(d, LL_STEP_DATA, "labels");
		}
		if (*doc_param(d, LL_STEP_DATA, "mask")) {
			doc_put(d, " and a mask of observed entries from ");
			doc_md_param_path(d, LL_STEP_DATA, "mask");
		}
		doc_put(d, ". The data step read: ");
		doc_md_text(d, s->status[LL_STEP_DATA]);
		doc_put(d, ".\n\n");
	}
	if (!s->res.tensor || !s->res.tensor->X.data) {
		doc_not_run(d, LL_STEP_TENSOR);
		return;
	}
	const char *norm = doc_param(d, LL_STEP_TENSOR, "normalize");
	doc_shape_text(&s->res.tensor->X, s->res.tensor->modes, sh, sizeof sh);
	doc_put(d, "The **analysis tensor** is ");
	doc_md_text(d, sh);
	doc_putf(d, " (%zu entries). Its modes, and how the figures draw them:\n\n", s->res.tensor->X.size);
	doc_tbl_begin(d, NULL);
	doc_tbl_head(d, "#mode|name|#size|kind|plotted as|labels");
	for (int m = 0; m < s->res.tensor->X.nmodes; m++) {
		const ll_mode_info *mi = &s->res.tensor->modes[m];
		doc_tr_begin(d, 0);
		doc_td_size(d, (size_t)m);
		doc_td(d, mi->name);
		doc_td_size(d, s->res.tensor->X.dim[m]);
		doc_td(d, ll_mode_kind_name(mi->kind));
		doc_td(d, ll_report_kind_plot(mi->kind));
		if (mi->labels) {
			/* the distinct labels, in order of first appearance up to 12 */
			char lab[256] = "";
			int seen[12], nseen = 0, more = 0;
			for (size_t i = 0; i < s->res.tensor->X.dim[m]; i++) {
				int dup = 0;
				for (int j = 0; j < nseen; j++)
					dup |= seen[j] == mi->labels[i];
				if (dup)
					continue;
				if (nseen == 12) {
					more = 1;
					break;
				}
				seen[nseen++] = mi->labels[i];
				size_t l = strlen(lab);
				snprintf(lab + l, sizeof lab - l, "%s%d", nseen > 1 ? ", " : "", mi->labels[i]);
			}
			if (more)
				snprintf(lab + strlen(lab), sizeof lab - strlen(lab), ", ...");
			doc_td(d, lab);
		} else {
			doc_td_html(d, DOC_NA);
		}
		doc_tr_end(d);
	}
	doc_tbl_end(d);
	const char *unit = !strcmp(kind, "mnist") ? "mean hidden activation (arbitrary units)"
			 : !strcmp(kind, "synth") && !strcmp(doc_param(d, LL_STEP_DATA, "noise"), "poisson")
				 ? "spike counts per time bin"
				 : "the units of the data file";
	int conn = !strcmp(doc_param(d, LL_STEP_TENSOR, "of"), "connectome");
	if (conn)
		doc_put(d, "Values are affinities between neurons in a window (see Functional connectome)");
	else
		doc_putf(d, "Values are %s", unit);
	if (conn) /* normalize does not apply to affinities */
		doc_put(d, " (normalize does not apply to them)");
	else if (!strcmp(norm, "max"))
		doc_put(d, ", each unit scaled to a maximum of 1 (`normalize = max`)");
	else if (!strcmp(norm, "zscore"))
		doc_put(d, ", each unit z-scored (`normalize = zscore`)");
	else
		doc_put(d, ", not normalised (`normalize = none`)");
	char lo[32], hi[32];
	doc_fmt_num(lo, sizeof lo, s->res.tensor->x_min, "%.4g");
	doc_fmt_num(hi, sizeof hi, s->res.tensor->x_max, "%.4g");
	doc_putf(d, "; they range from %s to %s. Missing entries (NaN, or 0 in the mask): %zu (%.2f%%).\n\n",
		 lo, hi, s->res.tensor->n_missing, s->res.tensor->X.size ? 100.0 * (double)s->res.tensor->n_missing / (double)s->res.tensor->X.size : 0.0);
}

const ll_section ll_section_data = {
	.id = "data",
	.title = "Data",
	.glance = sec_data_glance,
	.write = sec_data,
};
