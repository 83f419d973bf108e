/* The report's figures and their CSVs (see ll_figs.h).  Every builder
 * reads stored results only; the few summaries (means over models, over
 * replicates) are what the figure draws and are written to its CSV. */
#include "ll_figs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pca/ll_traj.h"

#define ALPHA(c, a) LL_RGBA_SET_ALPHA((c), (a))

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
	const ll_train_log *t = &s->train;
	return s->state[LL_STEP_TRAIN] == LL_STATE_DONE && t->models > 0 && t->snapshots > 0 &&
	       t->step && t->loss && t->acc;
}

int ll_report_has_tca(const ll_session *s)
{
	const ll_ens_rank *r = ll_ens_get(&s->ens, s->chosen_rank);
	return s->state[LL_STEP_TCA] == LL_STATE_DONE && r && r->nrep > 0 && r->fits && s->X.data &&
	       r->fits[0].K.nmodes == s->X.nmodes;
}

int ll_report_has_traj(const ll_session *s)
{
	const ll_traj_set *ts = s->traj;
	return s->state[LL_STEP_TRAJ] == LL_STATE_DONE && ts && ts->xyz && ts->n_paths > 0 &&
	       ts->n_points > 0 && ts->n_axes >= 2;
}

double ll_report_rank_jitter(size_t r, size_t k, size_t n)
{
	if (n < 2)
		return (double)r;
	return (double)r + ((double)k / (double)(n - 1) - 0.5) * 0.36;
}

uint32_t ll_report_label_color(size_t j)
{
	static const uint32_t c[10] = {
		LL_RGB(0x00, 0x72, 0xB2), LL_RGB(0xD5, 0x5E, 0x00), LL_RGB(0x00, 0x9E, 0x73),
		LL_RGB(0xE6, 0x9F, 0x00), LL_RGB(0xCC, 0x79, 0xA7), LL_RGB(0x56, 0xB4, 0xE9),
		LL_RGB(0x00, 0x00, 0x00), LL_RGB(0xF0, 0xE4, 0x42), LL_RGB(0x99, 0x99, 0x99),
		LL_RGB(0x8C, 0x51, 0x0A),
	};
	return c[j % 10];
}

double *ll_report_time_axis(const ll_session *s, size_t n, const char *fallback,
			    const char **xlabel)
{
	double *x = ll_malloc_array(n ? n : 1, sizeof *x);
	int steps = ll_report_has_training(s) && s->train.snapshots == n;
	if (!x)
		return NULL;
	for (size_t i = 0; i < n; i++)
		x[i] = steps ? (double)s->train.step[i] : (double)i;
	*xlabel = steps ? "training step" : fallback;
	return x;
}

/* ---- CSV ---------------------------------------------------------------- */

/* Shortest of %.15g / %.17g that reads back exactly; empty for NaN. */
static void csv_num(ll_html_buf *b, double v)
{
	char buf[40];
	if (isnan(v))
		return;
	snprintf(buf, sizeof buf, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof buf, "%.17g", v);
	ll_html_buf_puts(b, buf);
}

static void csv_str(ll_html_buf *b, const char *s)
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

static void csv_sep(ll_html_buf *b)
{
	ll_html_buf_putn(b, ",", 1);
}

static void csv_end(ll_report_fig *f)
{
	ll_html_buf_putn(&f->csv, "\n", 1);
	f->csv_rows++;
}

static void set_text(char *dst, const char *fmt, const char *a)
{
	snprintf(dst, LL_PLOT_TEXT_MAX, fmt, a);
}

static int start(ll_report_fig *f, const char *name, int w, int h, int rows, int cols, ll_err *err)
{
	ll_report_fig_init(f);
	snprintf(f->name, sizeof f->name, "%s", name);
	return ll_plot_fig_init(&f->fig, w, h, rows, cols, err);
}

static int finish(ll_report_fig *f, int rc, ll_err *err)
{
	if (rc == LL_OK)
		rc = ll_html_buf_ok(&f->csv, f->name, err);
	if (rc == LL_OK)
		rc = ll_plot_layout(&f->fig, err);
	if (rc != LL_OK)
		ll_err_prefix(err, "figure %s", f->name);
	return rc;
}

/* ---- training ----------------------------------------------------------- */

int ll_report_fig_training(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	const ll_train_log *t = &s->train;
	size_t M = t->models, S = t->snapshots;
	int rc;

	ll_report_fig_init(f);
	if (!ll_report_has_training(s))
		return ll_err_set(err, LL_EINVAL, "figure training: the session has no training log");
	if ((rc = start(f, "training", 1000, 400, 1, 2, err)) != LL_OK)
		return rc;
	double *x = ll_malloc_array(S, sizeof *x), *y = ll_malloc_array(S, sizeof *y);
	double *ml = ll_calloc_array(S, sizeof *ml), *ma = ll_calloc_array(S, sizeof *ma);
	double *mt = ll_calloc_array(S, sizeof *mt);
	if (!x || !y || !ml || !ma || !mt) {
		rc = ll_err_set(err, LL_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(f->fig.title, sizeof f->fig.title, "Training: test loss and accuracy of %zu model%s", M,
		 M == 1 ? "" : "s");
	ll_plot_axes *al = ll_plot_fig_axes(&f->fig, 0, 0), *aa = ll_plot_fig_axes(&f->fig, 0, 1);
	set_text(al->title, "%s", "test loss (cross-entropy)");
	set_text(aa->title, "%s", "test accuracy (%)");
	set_text(al->x.label, "%s", "training step");
	set_text(aa->x.label, "%s", "training step");
	set_text(al->y.label, "%s", "loss");
	set_text(aa->y.label, "%s", "accuracy (%)");
	al->grid = aa->grid = 1;
	al->legend = LL_PLOT_LEGEND_NE;
	aa->legend = LL_PLOT_LEGEND_SE;
	for (size_t j = 0; j < S; j++)
		x[j] = (double)t->step[j];
	/* many models: thin translucent lines, the mean on top in bold */
	uint32_t thin = ALPHA(ll_plot_palette(0), M > 10 ? 0x50 : 0x90);
	char lab[48];
	snprintf(lab, sizeof lab, "model (%zu)", M);
	for (size_t m = 0; m < M && rc == LL_OK; m++) {
		ll_plot_style st = {.color = thin, .width = 1, .label = m == 0 ? lab : NULL};
		for (size_t j = 0; j < S; j++)
			y[j] = t->loss[m * S + j];
		rc = ll_plot_line(al, x, y, S, &st, err);
		for (size_t j = 0; j < S && rc == LL_OK; j++)
			y[j] = 100 * t->acc[m * S + j];
		if (rc == LL_OK)
			rc = ll_plot_line(aa, x, y, S, &st, err);
	}
	for (size_t j = 0; j < S; j++) {
		size_t nt = 0;
		for (size_t m = 0; m < M; m++) {
			ml[j] += t->loss[m * S + j] / (double)M;
			ma[j] += 100 * t->acc[m * S + j] / (double)M;
			if (t->train_loss && isfinite(t->train_loss[m * S + j])) {
				mt[j] += t->train_loss[m * S + j];
				nt++;
			}
		}
		mt[j] = nt ? mt[j] / (double)nt : NAN;
	}
	if (rc == LL_OK)
		rc = ll_plot_line(al, x, mt, S, &(ll_plot_style){.color = ll_plot_palette(1), .width = 1.5,
								  .dash = 5, .label = "mean train loss"}, err);
	if (rc == LL_OK)
		rc = ll_plot_line(al, x, ml, S, &(ll_plot_style){.color = LL_PLOT_BLACK, .width = 2.5,
								  .label = "mean test loss"}, err);
	if (rc == LL_OK)
		rc = ll_plot_line(aa, x, ma, S, &(ll_plot_style){.color = LL_PLOT_BLACK, .width = 2.5,
								  .label = "mean"}, err);

	ll_html_buf_puts(&f->csv, "model,step,test_loss,test_accuracy_pct,train_loss\n");
	for (size_t m = 0; m <= M; m++)
		for (size_t j = 0; j < S; j++) {
			if (m < M)
				ll_html_buf_printf(&f->csv, "%zu", m);
			else
				ll_html_buf_puts(&f->csv, "mean");
			csv_sep(&f->csv);
			csv_num(&f->csv, x[j]);
			csv_sep(&f->csv);
			csv_num(&f->csv, m < M ? t->loss[m * S + j] : ml[j]);
			csv_sep(&f->csv);
			csv_num(&f->csv, m < M ? 100 * t->acc[m * S + j] : ma[j]);
			csv_sep(&f->csv);
			if (m == M)
				csv_num(&f->csv, mt[j]); /* per-model train loss is not drawn */
			csv_end(f);
		}
out:
	ll_free(x);
	ll_free(y);
	ll_free(ml);
	ll_free(ma);
	ll_free(mt);
	return finish(f, rc, err);
}

/* ---- error and similarity vs rank --------------------------------------- */

int ll_report_fig_rank(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	const ll_ensemble *e = &s->ens;
	int rc;

	ll_report_fig_init(f);
	if (!ll_report_has_tca(s))
		return ll_err_set(err, LL_EINVAL, "figure tca_rank: the session has no TCA ensemble");
	if ((rc = start(f, "tca_rank", 1000, 400, 1, 2, err)) != LL_OK)
		return rc;
	size_t total = 0, nr = e->nranks;
	for (size_t i = 0; i < nr; i++)
		total += e->ranks[i].nrep;
	double *ex = ll_malloc_array(total, sizeof *ex), *ey = ll_malloc_array(total, sizeof *ey);
	double *sx = ll_malloc_array(total, sizeof *sx), *sy = ll_malloc_array(total, sizeof *sy);
	double *rk = ll_malloc_array(nr, sizeof *rk), *best = ll_malloc_array(nr, sizeof *best);
	double *mean = ll_malloc_array(nr, sizeof *mean);
	if (!ex || !ey || !sx || !sy || !rk || !best || !mean) {
		rc = ll_err_set(err, LL_ENOMEM, "out of memory");
		goto out;
	}
	size_t ne = 0, ns = 0;
	ll_html_buf_puts(&f->csv, "rank,replicate,seed,x,objective,similarity\n");
	for (size_t i = 0; i < nr; i++) {
		const ll_ens_rank *r = &e->ranks[i];
		rk[i] = (double)r->rank;
		best[i] = r->fits[0].obj;
		mean[i] = 0;
		for (size_t k = 0; k < r->nrep; k++) {
			double jx = ll_report_rank_jitter(r->rank, k, r->nrep);
			ex[ne] = jx;
			ey[ne++] = r->fits[k].obj;
			if (k > 0) {
				sx[ns] = jx;
				sy[ns++] = r->sim[k];
				mean[i] += r->sim[k] / (double)(r->nrep - 1);
			}
			ll_html_buf_printf(&f->csv, "%zu,%zu,%llu,", r->rank, k,
					   (unsigned long long)r->fits[k].seed);
			csv_num(&f->csv, jx);
			csv_sep(&f->csv);
			csv_num(&f->csv, r->fits[k].obj);
			csv_sep(&f->csv);
			if (k > 0)
				csv_num(&f->csv, r->sim[k]); /* the best is not drawn (1 by definition) */
			csv_end(f);
		}
		if (r->nrep < 2)
			mean[i] = NAN;
	}
	snprintf(f->fig.title, sizeof f->fig.title, "TCA (%s): model error and replicate similarity by rank",
		 ll_cp_method_name(e->method));
	ll_plot_axes *er = ll_plot_fig_axes(&f->fig, 0, 0), *sm = ll_plot_fig_axes(&f->fig, 0, 1);
	set_text(er->title, "%s", "model error");
	set_text(sm->title, "%s", "similarity to the best fit");
	er->x.fixed = 1;
	er->x.lo = rk[0] - 0.5;
	er->x.hi = rk[nr - 1] + 0.5;
	er->x.nticks = nr < 12 ? (int)nr : 12;
	set_text(er->x.label, "%s", "rank");
	set_text(er->y.label, "%s", "normalised error");
	er->grid = 1;
	sm->x = er->x;
	set_text(sm->y.label, "%s", "similarity");
	sm->y.fixed = 1;
	sm->y.lo = 0;
	sm->y.hi = 1.1;
	sm->grid = 1;
	er->legend = LL_PLOT_LEGEND_NE;
	sm->legend = LL_PLOT_LEGEND_SW;
	char lab[48];
	snprintf(lab, sizeof lab, "chosen rank %zu", s->chosen_rank);
	ll_plot_style vst = {.color = LL_RGB(0x99, 0x99, 0x99), .dash = 4, .width = 1.5};
	ll_plot_style dots = {.color = ALPHA(LL_PLOT_BLACK, 0x80), .marker_size = 6, .label = "replicate"};
	if ((rc = ll_plot_vline(er, (double)s->chosen_rank, &vst, err)) ||
	    (rc = ll_plot_vline(sm, (double)s->chosen_rank, &vst, err)) ||
	    (rc = ll_plot_scatter(er, ex, ey, ne, NULL, &dots, err)) ||
	    (rc = ll_plot_line(er, rk, best, nr, &(ll_plot_style){.color = ll_plot_palette(1), .width = 2,
								  .marker = LL_PLOT_MARKER_SQUARE,
								  .marker_size = 7, .label = "best"}, err)) ||
	    (rc = ll_plot_hline(sm, 1, &(ll_plot_style){.dash = 3}, err)) ||
	    (rc = ll_plot_scatter(sm, sx, sy, ns, NULL, &dots, err)) ||
	    (rc = ll_plot_line(sm, rk, mean, nr, &(ll_plot_style){.color = ll_plot_palette(0), .width = 2,
								  .marker = LL_PLOT_MARKER_CIRCLE,
								  .marker_size = 6, .label = "mean"}, err)) ||
	    (rc = ll_plot_legend_add(er, &(ll_plot_style){.color = vst.color, .dash = 4, .label = lab}, err)))
		goto out;
out:
	ll_free(ex);
	ll_free(ey);
	ll_free(sx);
	ll_free(sy);
	ll_free(rk);
	ll_free(best);
	ll_free(mean);
	return finish(f, rc, err);
}

/* ---- convergence at the chosen rank ------------------------------------- */

int ll_report_fig_convergence(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	if (!ll_report_has_tca(s))
		return ll_err_set(err, LL_EINVAL, "figure tca_convergence: the session has no TCA ensemble");
	const ll_ens_rank *r = ll_ens_get(&s->ens, s->chosen_rank);
	if ((rc = start(f, "tca_convergence", 1000, 340, 1, 1, err)) != LL_OK)
		return rc;
	snprintf(f->fig.title, sizeof f->fig.title, "Convergence of the %zu fit%s at rank %zu", r->nrep,
		 r->nrep == 1 ? "" : "s", r->rank);
	ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, 0);
	set_text(ax->x.label, "%s", "iteration");
	set_text(ax->y.label, "%s", "normalised error");
	ax->grid = 1;
	ax->legend = LL_PLOT_LEGEND_NE;
	int most = 1;
	for (size_t k = 0; k < r->nrep; k++)
		most = r->fits[k].iters > most ? r->fits[k].iters : most;
	double *x = ll_malloc_array((size_t)most, sizeof *x);
	if (!x)
		return finish(f, ll_err_set(err, LL_ENOMEM, "out of memory"), err);
	for (int i = 0; i < most; i++)
		x[i] = i + 1;
	ll_html_buf_puts(&f->csv, "replicate,seed,iteration,objective\n");
	/* the best last, so it is drawn on top */
	for (size_t kk = r->nrep; kk-- > 0 && rc == LL_OK;) {
		const ll_cp_result *fit = &r->fits[kk];
		ll_plot_style st = kk == 0 ? (ll_plot_style){.color = ll_plot_palette(1), .width = 2.2,
							      .label = "best fit"}
					   : (ll_plot_style){.color = ALPHA(LL_PLOT_BLACK, 0x70), .width = 1.2,
							     .label = kk == 1 ? "other replicates" : NULL};
		if (fit->hist && fit->iters > 0)
			rc = ll_plot_line(ax, x, fit->hist, (size_t)fit->iters, &st, err);
	}
	for (size_t k = 0; k < r->nrep; k++)
		for (int i = 0; r->fits[k].hist && i < r->fits[k].iters; i++) {
			ll_html_buf_printf(&f->csv, "%zu,%llu,%d,", k, (unsigned long long)r->fits[k].seed, i + 1);
			csv_num(&f->csv, r->fits[k].hist[i]);
			csv_end(f);
		}
	ll_free(x);
	return finish(f, rc, err);
}

/* ---- factors ------------------------------------------------------------ */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Distinct values of labels[0..n-1], sorted, into *out (malloc'd). */
static size_t distinct_labels(const int *labels, size_t n, int **out)
{
	int *v = ll_malloc_array(n ? n : 1, sizeof *v);
	size_t k = 0;
	*out = v;
	if (!v)
		return 0;
	memcpy(v, labels, n * sizeof *v);
	qsort(v, n, sizeof *v, cmp_int);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || v[i] != v[k - 1])
			v[k++] = v[i];
	return k;
}

static size_t label_index(const int *d, size_t nd, int v)
{
	for (size_t j = 0; j < nd; j++)
		if (d[j] == v)
			return j;
	return 0;
}

static const char *kind_plot(ll_mode_kind k)
{
	switch (k) {
	case LL_MODE_UNIT: return "bars";
	case LL_MODE_TIME: return "line";
	default: return "dots";
	}
}

int ll_report_fig_factors(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	if (!ll_report_has_tca(s))
		return ll_err_set(err, LL_EINVAL, "figure factors: the session has no TCA ensemble");
	const ll_ktensor *K = &ll_ens_get(&s->ens, s->chosen_rank)->fits[0].K;
	int N = K->nmodes, R = (int)K->rank;
	int w = 80 + 240 * N, h = 110 + 100 * R;
	if (w < 720)
		w = 720;
	if (R > LL_PLOT_MAX_GRID)
		return ll_err_set(err, LL_ENOTSUP, "figure factors: rank %d has more rows than a figure holds", R);
	if ((rc = start(f, "factors", w, h, R, N, err)) != LL_OK)
		return rc;
	snprintf(f->fig.title, sizeof f->fig.title, "Best rank-%d model: %d component%s x %d modes", R, R,
		 R == 1 ? "" : "s", N);
	ll_plot_fig_factor_style(&f->fig, 0, R);
	ll_html_buf_puts(&f->csv, "component,weight,mode,index,x,value,label\n");
	for (int n = 0; n < N && rc == LL_OK; n++) {
		const ll_mode_info *mi = &s->modes[n];
		size_t nidx = K->dim[n];
		const char *xl = mi->name;
		double *x = NULL, *y = ll_malloc_array(nidx, sizeof *y);
		uint32_t *col = NULL;
		int *dl = NULL;
		size_t nd = 0;
		if (mi->kind == LL_MODE_TIME)
			x = ll_report_time_axis(s, nidx, mi->name, &xl);
		else if ((x = ll_malloc_array(nidx, sizeof *x)))
			for (size_t i = 0; i < nidx; i++)
				x[i] = (double)i;
		if (mi->labels && mi->kind != LL_MODE_TIME) {
			nd = distinct_labels(mi->labels, nidx, &dl);
			col = ll_malloc_array(nidx, sizeof *col);
			for (size_t i = 0; col && dl && i < nidx; i++)
				col[i] = ll_report_label_color(label_index(dl, nd, mi->labels[i]));
		}
		if (!x || !y || (mi->labels && mi->kind != LL_MODE_TIME && (!col || !dl))) {
			rc = ll_err_set(err, LL_ENOMEM, "out of memory");
		}
		for (int c = 0; c < R && rc == LL_OK; c++) {
			ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, c, n);
			for (size_t i = 0; i < nidx; i++)
				y[i] = K->U[n][i * K->rank + (size_t)c];
			if (n == 0)
				snprintf(ax->y.label, sizeof ax->y.label, "C%d", c + 1);
			if (c == 0)
				snprintf(ax->title, sizeof ax->title, "%s (%zu, %s)", mi->name, nidx, kind_plot(mi->kind));
			if (c == R - 1)
				set_text(ax->x.label, "%s", xl);
			ax->legend = LL_PLOT_LEGEND_OFF;
			if (mi->kind != LL_MODE_TIME) {
				/* index modes: room for the first and last dot or bar */
				ax->x.fixed = 1;
				ax->x.lo = -0.5;
				ax->x.hi = (double)nidx - 0.5;
			}
			switch (mi->kind) {
			case LL_MODE_UNIT:
				/* coloured by label like the dots, so a legend is true */
				rc = ll_plot_bars(ax, x, y, nidx, col, &(ll_plot_style){.color = LL_RGB(0x45, 0x45, 0x45)},
						  err);
				break;
			case LL_MODE_TIME:
				rc = ll_plot_line(ax, x, y, nidx, &(ll_plot_style){.color = ll_plot_palette(0), .width = 2},
						  err);
				ax->y.zero = 1;
				break;
			default:
				rc = ll_plot_scatter(ax, x, y, nidx, col,
						     &(ll_plot_style){.color = LL_RGB(0x45, 0x45, 0x45),
								      .marker_size = nidx > 200 ? 4 : 6},
						     err);
				ax->y.zero = 1;
				break;
			}
			for (size_t i = 0; i < nidx; i++) {
				ll_html_buf_printf(&f->csv, "%d,", c + 1);
				csv_num(&f->csv, K->lambda[c]);
				csv_sep(&f->csv);
				csv_str(&f->csv, mi->name);
				ll_html_buf_printf(&f->csv, ",%zu,", i);
				csv_num(&f->csv, x[i]);
				csv_sep(&f->csv);
				csv_num(&f->csv, y[i]);
				csv_sep(&f->csv);
				if (mi->labels)
					ll_html_buf_printf(&f->csv, "%d", mi->labels[i]);
				csv_end(f);
			}
		}
		/* a legend for a few conditions, in the first row */
		if (rc == LL_OK && dl && nd >= 2 && nd <= 6) {
			ll_plot_axes *top = ll_plot_fig_axes(&f->fig, 0, n);
			top->legend = LL_PLOT_LEGEND_BEST;
			/* an MNIST learning-rate sweep labels models by their rate's place */
			double lr[16];
			size_t nlr = ll_report_has_training(s) && n == 0
					     ? ll_session_get_reals(s, LL_STEP_TRAIN, "lr", lr, 16) : 0;
			for (size_t j = 0; j < nd && rc == LL_OK; j++) {
				char lab[48];
				if (nlr > 1 && dl[j] >= 0 && (size_t)dl[j] < nlr && nlr <= 16)
					snprintf(lab, sizeof lab, "lr %g", lr[dl[j]]);
				else
					snprintf(lab, sizeof lab, "%s %d", n == s->X.nmodes - 1 && s->trial_labels
						 ? "condition" : "label", dl[j]);
				rc = ll_plot_legend_add(top, &(ll_plot_style){.color = ll_report_label_color(j),
									      .marker = LL_PLOT_MARKER_CIRCLE,
									      .label = lab}, err);
			}
		}
		ll_free(x);
		ll_free(y);
		ll_free(col);
		ll_free(dl);
	}
	return finish(f, rc, err);
}

/* ---- trajectories ------------------------------------------------------- */

int ll_report_fig_traj(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	static const int pairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
	int rc;

	ll_report_fig_init(f);
	if (!ll_report_has_traj(s))
		return ll_err_set(err, LL_EINVAL, "figure trajectories: the session has no trajectories");
	const ll_traj_set *ts = s->traj;
	size_t P = ts->n_paths, T = ts->n_points;
	int np = ts->n_axes >= 3 ? 3 : 1;
	if ((rc = start(f, "trajectories", np == 3 ? 1050 : 560, 430, 1, np, err)) != LL_OK)
		return rc;
	snprintf(f->fig.title, sizeof f->fig.title, "%zu trajector%s (%s), start o, end >", P,
		 P == 1 ? "y" : "ies", strcmp(ts->source, "tca") ? "PCA of the states" : "TCA components");
	const char *tl = "point";
	double *tx = ll_report_time_axis(s, T, "time bin", &tl);
	double *x = ll_malloc_array(T, sizeof *x), *y = ll_malloc_array(T, sizeof *y);
	int many = P > 10;
	double *mean = ll_calloc_array(T * 3, sizeof *mean);
	if (!tx || !x || !y || !mean) {
		rc = ll_err_set(err, LL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t q = 0; q < P; q++)
		for (size_t i = 0; i < T * 3; i++)
			mean[i] += ts->xyz[q * T * 3 + i] / (double)P;
	uint32_t light = LL_RGB(0xC8, 0xC8, 0xC8);
	for (int p = 0; p < np && rc == LL_OK; p++) {
		int a = pairs[p][0], b = pairs[p][1];
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, p);
		snprintf(ax->x.label, sizeof ax->x.label, "%s (%.1f%%)", ts->axis_name[a], 100 * ts->explained[a]);
		snprintf(ax->y.label, sizeof ax->y.label, "%s (%.1f%%)", ts->axis_name[b], 100 * ts->explained[b]);
		snprintf(ax->title, sizeof ax->title, "%s vs %s", ts->axis_name[b], ts->axis_name[a]);
		ax->legend = p == 0 && P <= 8 ? LL_PLOT_LEGEND_BEST : LL_PLOT_LEGEND_OFF;
		if ((rc = ll_plot_hline(ax, 0, &(ll_plot_style){.dash = 3, .color = light}, err)) ||
		    (rc = ll_plot_vline(ax, 0, &(ll_plot_style){.dash = 3, .color = light}, err)))
			break;
		for (size_t q = 0; q < P && rc == LL_OK; q++) {
			for (size_t t = 0; t < T; t++) {
				x[t] = ts->xyz[(q * T + t) * 3 + (size_t)a];
				y[t] = ts->xyz[(q * T + t) * 3 + (size_t)b];
			}
			uint32_t c = ll_report_label_color(q);
			rc = ll_plot_traj(ax, x, y, T, &(ll_plot_style){.color = many ? ALPHA(c, 0xB0) : c,
									 .width = many ? 1 : 1.8,
									 .marker_size = many ? 6 : 9,
									 .label = ts->labels[q]}, err);
		}
		/* many paths: their mean on top, so the common course reads */
		if (many && rc == LL_OK) {
			for (size_t t = 0; t < T; t++) {
				x[t] = mean[t * 3 + (size_t)a];
				y[t] = mean[t * 3 + (size_t)b];
			}
			rc = ll_plot_traj(ax, x, y, T, &(ll_plot_style){.color = LL_PLOT_BLACK, .width = 1,
									 .marker_size = 10}, err);
			if (rc == LL_OK)
				rc = ll_plot_line(ax, x, y, T, &(ll_plot_style){.color = ALPHA(LL_PLOT_BLACK, 0xD0),
										 .width = 2.5, .label = "mean"}, err);
		}
	}
	ll_html_buf_printf(&f->csv, "path,label,point,");
	csv_str(&f->csv, tl);
	int nax = np == 3 ? 3 : 2; /* the axes drawn */
	for (int a = 0; a < nax; a++) {
		csv_sep(&f->csv);
		csv_str(&f->csv, ts->axis_name[a]);
	}
	ll_html_buf_putn(&f->csv, "\n", 1);
	for (size_t q = 0; q < P; q++)
		for (size_t t = 0; t < T; t++) {
			ll_html_buf_printf(&f->csv, "%zu,", q);
			csv_str(&f->csv, ts->labels[q]);
			ll_html_buf_printf(&f->csv, ",%zu,", t);
			csv_num(&f->csv, tx[t]);
			for (int a = 0; a < nax; a++) {
				csv_sep(&f->csv);
				csv_num(&f->csv, ts->xyz[(q * T + t) * 3 + (size_t)a]);
			}
			csv_end(f);
		}
	for (size_t t = 0; many && t < T; t++) {
		ll_html_buf_printf(&f->csv, "mean,mean of %zu paths,%zu,", P, t);
		csv_num(&f->csv, tx[t]);
		for (int a = 0; a < nax; a++) {
			csv_sep(&f->csv);
			csv_num(&f->csv, mean[t * 3 + (size_t)a]);
		}
		csv_end(f);
	}
out:
	ll_free(mean);
	ll_free(tx);
	ll_free(x);
	ll_free(y);
	return finish(f, rc, err);
}
