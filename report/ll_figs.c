/* What the report's figures share (see ll_figs.h); the builders are with
 * their sections, in sections/.  Every builder reads stored results only; the few summaries
 * (means over models, over replicates) are what the figure draws and are
 * written to its CSV. */
#include "ll_figs.h"

#include "base/ll_palette.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pca/ll_traj.h"

void ll_report_fig_init(ll_report_fig *f)
{
	memset(f, 0, sizeof *f);
	ll_html_buf_init(&f->csv);
}

void ll_report_fig_free(ll_report_fig *f)
{
	ll_plot_fig_free(&f->fig);
	ll_html_buf_free(&f->csv);
	memset(f, 0, sizeof *f);
}

int ll_report_has_training(const ll_session *s)
{
	const ll_train_log *t = s->res.train ? &s->res.train->log : NULL;
	return s->state[LL_STEP_TRAIN] == LL_STATE_DONE && t && t->models > 0 && t->snapshots > 0 &&
	       t->step && t->loss && t->acc;
}

int ll_report_has_tca(const ll_session *s)
{
	if (s->state[LL_STEP_TCA] != LL_STATE_DONE || !s->res.tca || !s->res.tensor)
		return 0;
	const ll_ens_rank *r = ll_ens_get(&s->res.tca->ens, s->res.tca->chosen_rank);
	return r && r->nrep > 0 && r->fits && s->res.tensor->X.data &&
	       r->fits[0].K.nmodes == s->res.tensor->X.nmodes;
}

int ll_report_has_conditions(const ll_session *s)
{
	const struct ll_res_data *d = s->res.data;
	return d && d->X.nmodes > 0 && d->modes[d->X.nmodes - 1].labels;
}

int ll_report_has_traj(const ll_session *s)
{
	const ll_traj_set *ts = s->res.traj ? &s->res.traj->ts : NULL;
	return s->state[LL_STEP_TRAJ] == LL_STATE_DONE && ts && ts->xyz && ts->n_paths > 0 &&
	       ts->n_points > 0 && ts->n_axes >= 2;
}

const char *ll_report_kind_plot(ll_mode_kind k)
{
	return ll_mode_kind_plot(k); /* the workbench draws by the same rule */
}

double ll_report_rank_jitter(size_t r, size_t k, size_t n)
{
	if (n < 2)
		return (double)r;
	return (double)r + ((double)k / (double)(n - 1) - 0.5) * 0.36;
}

uint32_t ll_report_label_color(size_t j)
{
	/* the workbench's LABEL roles are the nearest terminal colours of these */
	return 0xFF000000u | ll_palette_label(j);
}

double *ll_report_time_axis(const ll_session *s, size_t n, const char *fallback,
			    const char **xlabel)
{
	double *x = ll_malloc_array(n ? n : 1, sizeof *x);
	int steps = ll_report_has_training(s) && s->res.train->log.snapshots == n;
	if (!x)
		return NULL;
	for (size_t i = 0; i < n; i++)
		x[i] = steps ? (double)s->res.train->log.step[i] : (double)i;
	*xlabel = steps ? "training step" : fallback;
	return x;
}

/* ---- CSV ---------------------------------------------------------------- */

void ll_report_csv_num(ll_html_buf *b, double v)
{
	char buf[40];
	if (isnan(v))
		return;
	snprintf(buf, sizeof buf, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof buf, "%.17g", v);
	ll_html_buf_puts(b, buf);
}

void ll_report_csv_str(ll_html_buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		ll_html_buf_puts(b, s);
		return;
	}
	ll_html_buf_putn(b, "\"", 1);
	for (; *s; s++)
		ll_html_buf_putn(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
	ll_html_buf_putn(b, "\"", 1);
}

void ll_report_csv_sep(ll_html_buf *b)
{
	ll_html_buf_putn(b, ",", 1);
}

void ll_report_csv_finite(ll_html_buf *b, double v)
{
	if (isfinite(v))
		ll_report_csv_num(b, v);
}

void ll_report_csv_sep_finite(ll_html_buf *b, double v)
{
	ll_report_csv_sep(b);
	ll_report_csv_finite(b, v);
}

int ll_report_mds_map(ll_plot_axes *ax, const ll_mds_result *md, size_t n, const size_t *group,
		      const ll_report_group *gr, size_t ngr, ll_err *err)
{
	size_t k = md->k;
	ll_report_set_text(ax->x.label, "%s", "MDS 1");
	ll_report_set_text(ax->y.label, "%s", k >= 2 ? "MDS 2" : "(one dimension: MDS 2 is 0)");
	ax->equal = k >= 2;
	ax->grid = 1;
	ax->legend = LL_PLOT_LEGEND_BEST;
	double *x = ll_malloc_array(n ? n : 1, sizeof *x), *y = ll_malloc_array(n ? n : 1, sizeof *y);
	int rc = x && y ? LL_OK : ll_err_oom(err);
	for (size_t g = 0; g < ngr && rc == LL_OK; g++) {
		size_t c = 0;
		for (size_t i = 0; i < n; i++)
			if (group[i] == gr[g].id && isfinite(md->coords[i * k])) {
				x[c] = md->coords[i * k];
				y[c++] = k >= 2 ? md->coords[i * k + 1] : 0;
			}
		if (!c)
			continue;
		char lab[64];
		snprintf(lab, sizeof lab, "%s (%zu)", gr[g].name, c);
		rc = ll_plot_scatter(ax, x, y, c, NULL,
				     &(ll_plot_style){.color = gr[g].color, .marker_size = 9, .label = lab}, err);
	}
	ll_free(x);
	ll_free(y);
	return rc;
}

void ll_report_csv_end(ll_report_fig *f)
{
	ll_html_buf_putn(&f->csv, "\n", 1);
	f->csv_rows++;
}

void ll_report_set_text(char *dst, const char *fmt, const char *a)
{
	snprintf(dst, LL_PLOT_TEXT_MAX, fmt, a);
}

int ll_report_fig_start(ll_report_fig *f, const char *name, int w, int h, int rows, int cols, ll_err *err)
{
	ll_report_fig_init(f);
	snprintf(f->name, sizeof f->name, "%s", name);
	/* A figure asked for as w x h shows at about w x h in the HTML with
	 * text, lines and markers 1.5 times their pixel sizes, from a PNG of
	 * twice that: laid out at 2/3 of the size (even, so the shown size is
	 * whole) and rendered at 3 pixels per layout pixel. */
	int lw = 2 * (int)lround(w / 3.0), lh = 2 * (int)lround(h / 3.0);
	int rc = ll_plot_fig_init(&f->fig, lw, lh, rows, cols, err);
	if (rc == LL_OK)
		f->fig.scale = LL_REPORT_RENDER_SCALE;
	return rc;
}

int ll_report_fig_shown_w(const ll_report_fig *f)
{
	return f->fig.width * ll_plot_fig_scale(&f->fig) / LL_REPORT_PNG_SCALE;
}

int ll_report_fig_shown_h(const ll_report_fig *f)
{
	return f->fig.height * ll_plot_fig_scale(&f->fig) / LL_REPORT_PNG_SCALE;
}

int ll_report_fig_finish(ll_report_fig *f, int rc, ll_err *err)
{
	if (rc == LL_OK)
		rc = ll_html_buf_ok(&f->csv, f->name, err);
	if (rc == LL_OK)
		rc = ll_plot_layout(&f->fig, err);
	if (rc != LL_OK)
		ll_err_prefix(err, "figure %s", f->name);
	return rc;
}
