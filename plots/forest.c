/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Forest plot: one line per study (a square sized by weight on its
 * confidence interval, the study's label on the left, "estimate [lb, ub]"
 * and its weight on the right), a diamond per pooled estimate with its
 * prediction interval as a dashed line, the heterogeneity under it, and
 * blocks per subgroup. Proportion measures are drawn back-transformed on a
 * 0-1 axis (see promstat_forest.proportion). The layout follows metafor's
 * forest(): text columns outside the plot area, one y unit per line, top
 * to bottom.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"
#include "promstat.h"

#define LABEL_CHARS 40
#define NOTE_CHARS 110

/* What one line of the plot holds, top to bottom. */
enum line_kind { LINE_HEADING, LINE_STUDY, LINE_DIAMOND, LINE_HET, LINE_TEXT, LINE_BLANK };

struct line {
	enum line_kind kind;
	const char *text;			/* heading or free text */
	const promstat_forest_row *row;		/* LINE_STUDY */
	const promstat_forest_summary *sum;	/* LINE_DIAMOND, LINE_HET */
};

static int has_het(const promstat_forest_summary *s)
{
	return isfinite(s->tau2) || isfinite(s->i2_pct) || isfinite(s->q);
}

static void fmt_p(char *buf, size_t size, double p)
{
	if (!isfinite(p))
		snprintf(buf, size, "p = NA");
	else if (p < 0.001)
		snprintf(buf, size, "p < 0.001");
	else
		snprintf(buf, size, "p = %.3f", p);
}

/* "Heterogeneity: tau² = 0.313, I² = 92.2%, Q = 152.23 (df = 12), p < 0.001" */
static void het_text(char *buf, size_t size, const promstat_forest_summary *s)
{
	size_t len;

	snprintf(buf, size, "Heterogeneity:");
	len = strlen(buf);
	if (isfinite(s->tau2) && len < size)
		len += snprintf(buf + len, size - len,
				s->tau2 >= 0.01 || s->tau2 == 0 ? " \xCF\x84\xC2\xB2 = %.3f," : " \xCF\x84\xC2\xB2 = %.2g,",
				s->tau2);
	if (isfinite(s->i2_pct) && len < size)
		len += snprintf(buf + len, size - len, " I\xC2\xB2 = %.1f%%,", s->i2_pct);
	if (isfinite(s->q) && len < size) {
		char p[32];
		fmt_p(p, sizeof p, s->q_p);
		if (isfinite(s->q_df))
			len += snprintf(buf + len, size - len, " Q = %.2f (df = %.0f), %s,", s->q,
					s->q_df, p);
		else
			len += snprintf(buf + len, size - len, " Q = %.2f, %s,", s->q, p);
	}
	if (len > 0 && len < size && buf[len - 1] == ',')
		buf[len - 1] = '\0';
}

static double show(const promstat_forest *f, double x)
{
	return f->log_scale ? exp(x) : x;
}

/* "0.49 [0.34, 0.70]" on the scale the reader knows (ratios for logs). */
static void ci_text(char *buf, size_t size, const promstat_forest *f, double est, double lb,
		    double ub)
{
	char e[32], l[32], u[32];

	if (!isfinite(est)) {
		snprintf(buf, size, "not estimable");
		return;
	}
	ps_gp_fmt(e, sizeof e, show(f, est), 2);
	ps_gp_fmt(l, sizeof l, show(f, lb), 2);
	ps_gp_fmt(u, sizeof u, show(f, ub), 2);
	snprintf(buf, size, "%s [%s, %s]", e, l, u);
}

static void widen(double *lo, double *hi, double x)
{
	if (isfinite(x)) {
		if (x < *lo)
			*lo = x;
		if (x > *hi)
			*hi = x;
	}
}

static void widen_summary(double *lo, double *hi, const promstat_forest_summary *s)
{
	if (!s->label)
		return;
	widen(lo, hi, s->ci_lb);
	widen(lo, hi, s->ci_ub);
	widen(lo, hi, s->estimate);
	widen(lo, hi, s->pi_lb);
	widen(lo, hi, s->pi_ub);
}

/* Writes "set label 'text' at screen X, first Y <align>". */
static void text_at(FILE *out, const char *text, size_t max, double screen_x, double y,
		    const char *align)
{
	fputs("set label ", out);
	ps_gp_quote(out, text, max);
	fprintf(out, " at screen %.3f, first ", screen_x);
	ps_gp_num(out, y);
	fprintf(out, " %s\n", align);
}

static int validate(const promstat_forest *f, promstat_error *err)
{
	if (!f)
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "no forest plot data given");
	if (f->n_blocks && !f->blocks)
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "forest plot blocks are missing");
	for (size_t b = 0; b < f->n_blocks; b++)
		if (f->blocks[b].n_rows && !f->blocks[b].rows)
			return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"forest plot block %zu has no rows", b + 1);
	return PROMSTAT_OK;
}

/* Grows *lines to hold need entries (doubling), freed with free(); -1 on
 * overflow or out of memory, *lines kept. */
static int reserve_lines(struct line **lines, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 16;
	struct line *p;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / sizeof **lines)
		return -1;
	p = realloc(*lines, ncap * sizeof **lines);
	if (!p)
		return -1;
	*lines = p;
	*cap = ncap;
	return 0;
}

/* f after validate(); proportions already back-transformed. */
static int write_forest(FILE *out, const promstat_forest *f, const promstat_plot_target *t,
			promstat_error *err)
{
	struct line *lines = NULL;
	size_t nlines = 0, cap = 0, k = 0, n_pred = 0;
	double lo = 0, hi = 0, wmax = 0, level;
	int has_weights = 0, status, height;
	char buf[512];
	const char *effect;
	int prop = f->proportion;

	/* Lay the lines out top to bottom. */
	for (size_t b = 0; b <= f->n_blocks; b++) {
		const promstat_forest_block *blk = b < f->n_blocks ? &f->blocks[b] : NULL;
		size_t need = nlines + (blk ? blk->n_rows : 0) + 8;

		if (reserve_lines(&lines, &cap, need) != 0)
			return promstat_error_set(err, PROMSTAT_ENOMEM, NULL, 0, 0,
					"out of memory laying out the forest plot");
		if (!blk) {
			if (f->n_blocks > 1 && f->overall.label) {
				lines[nlines++] = (struct line){LINE_DIAMOND, NULL, NULL, &f->overall};
				if (has_het(&f->overall))
					lines[nlines++] = (struct line){LINE_HET, NULL, NULL, &f->overall};
			}
			if (f->subgroup_test)
				lines[nlines++] = (struct line){LINE_TEXT, f->subgroup_test, NULL, NULL};
			break;
		}
		if (b > 0)
			lines[nlines++] = (struct line){LINE_BLANK, NULL, NULL, NULL};
		if (blk->label)
			lines[nlines++] = (struct line){LINE_HEADING, blk->label, NULL, NULL};
		for (size_t i = 0; i < blk->n_rows; i++) {
			const promstat_forest_row *r = &blk->rows[i];
			lines[nlines++] = (struct line){LINE_STUDY, NULL, r, NULL};
			k++;
			widen(&lo, &hi, r->estimate);
			if (isfinite(r->estimate)) {
				widen(&lo, &hi, r->ci_lb);
				widen(&lo, &hi, r->ci_ub);
			}
			if (isfinite(r->weight_pct)) {
				has_weights = 1;
				if (r->weight_pct > wmax)
					wmax = r->weight_pct;
			}
		}
		if (blk->summary.label) {
			lines[nlines++] = (struct line){LINE_DIAMOND, NULL, NULL, &blk->summary};
			if (has_het(&blk->summary))
				lines[nlines++] = (struct line){LINE_HET, NULL, NULL, &blk->summary};
			widen_summary(&lo, &hi, &blk->summary);
		}
	}
	if (f->n_blocks > 1)
		widen_summary(&lo, &hi, &f->overall);
	if (!prop) {
		widen(&lo, &hi, f->mcid_lb);
		widen(&lo, &hi, f->mcid_ub);
	}

	height = 150 + 22 * (int)(nlines + 1);
	if (height < 320)
		height = 320;
	if (t && t->format == PROMSTAT_PLOT_DUMB)
		height = 14 * (int)(nlines + 13); /* one text row per line */
	if ((status = ps_gp_begin(out, "forest", t, 1000, height, err)) != PROMSTAT_OK) {
		free(lines);
		return status;
	}
	level = isfinite(f->level) && f->level > 0 && f->level < 100 ? f->level : 95;
	effect = f->effect_name ? f->effect_name : "Estimate";

	fputs("set title ", out);
	if (f->title)
		ps_gp_quote(out, f->title, NOTE_CHARS);
	else
		ps_gp_quotef(out, NOTE_CHARS, "Forest plot (k = %zu studies)", k);
	fputs("\n", out);
	if (nlines == 0 || k == 0) {
		ps_gp_empty(out, "No studies to draw");
		free(lines);
		return ps_gp_end(out, err);
	}

	/* Text columns live in the margins, in screen coordinates. */
	double plot_r = has_weights ? 0.72 : 0.78;
	double col_ci = has_weights ? 0.885 : 0.97, col_w = 0.975;
	fprintf(out, "set lmargin at screen 0.33\nset rmargin at screen %.2f\n", plot_r);
	fputs("set bmargin 7\nset tmargin 3\nunset key\nset border 1\nunset ytics\n", out);

	if (!(hi > lo)) {
		lo -= 1;
		hi += 1;
	}
	double pad = 0.06 * (hi - lo);
	/* A proportion axis stops at 0 and 1 unless an interval (PR's Wald) goes past. */
	lo = prop && lo >= 0 && lo - pad < 0 ? 0 : lo - pad;
	hi = prop && hi <= 1 && hi + pad > 1 ? 1 : hi + pad;
	double top = (double)nlines + 1;
	fputs("set xrange [", out);
	ps_gp_num(out, lo);
	fputs(":", out);
	ps_gp_num(out, hi);
	/* On text, one y unit must be exactly one row (see the height above). */
	if (t->format == PROMSTAT_PLOT_DUMB)
		fprintf(out, "]\nset yrange [0:%.1f]\n", top + 1);
	else
		fprintf(out, "]\nset yrange [0.3:%.1f]\n", top + 0.9);
	if (f->log_scale)
		ps_gp_ratio_tics(out, "x", lo, hi);
	else
		fputs("set xtics\nset format x '%g'\n", out);
	fputs("set xlabel ", out);
	if (f->log_scale)
		ps_gp_quotef(out, NOTE_CHARS, "%s (log scale)",
			     f->axis_label ? f->axis_label : effect);
	else
		ps_gp_quote(out, f->axis_label ? f->axis_label : effect, NOTE_CHARS);
	fputs(" offset 0,-1.2\n", out);

	/* Column headings. */
	text_at(out, "Study", LABEL_CHARS, 0.01, top, "left");
	snprintf(buf, sizeof buf, "%s [%g%% CI]", effect, level);
	text_at(out, buf, LABEL_CHARS, col_ci, top, "right");
	if (has_weights)
		text_at(out, "Weight", LABEL_CHARS, col_w, top, "right");

	/* The line of no effect, and the MCID band behind everything. */
	if (!prop)
		fputs("set arrow from first 0, graph 0 to first 0, graph 1 nohead lc rgb '#333333' "
		      "lw 1 back\n", out);
	if (!prop && isfinite(f->mcid_lb) && isfinite(f->mcid_ub) && f->mcid_ub > f->mcid_lb) {
		fputs("set object rectangle from first ", out);
		ps_gp_num(out, f->mcid_lb);
		fputs(", graph 0 to first ", out);
		ps_gp_num(out, f->mcid_ub);
		fputs(", graph 1 back fillcolor rgb '#DDDDDD' fillstyle solid 1.0 noborder\n", out);
		fputs("set label 'Shaded band: effects smaller than the minimal clinically "
		      "important difference' at graph 0.5, graph 0 offset 0,-5.6 center\n", out);
	}
	if (f->favours_left) {
		fputs("set label ", out);
		ps_gp_quotef(out, LABEL_CHARS, "\xE2\x86\x90 %s", f->favours_left);
		fputs(" at first 0, graph 0 offset -1,-2.2 right\n", out);
	}
	if (f->favours_right) {
		fputs("set label ", out);
		ps_gp_quotef(out, LABEL_CHARS, "%s \xE2\x86\x92", f->favours_right);
		fputs(" at first 0, graph 0 offset 1,-2.2 left\n", out);
	}

	/* Text and diamonds line by line; studies go to the datablocks below. */
	for (size_t i = 0; i < nlines; i++) {
		const struct line *ln = &lines[i];
		double y = top - 1 - (double)i;

		switch (ln->kind) {
		case LINE_BLANK:
			break;
		case LINE_HEADING:
		case LINE_TEXT:
			text_at(out, ln->text, ln->kind == LINE_TEXT ? NOTE_CHARS : LABEL_CHARS, 0.01,
				y, "left");
			break;
		case LINE_STUDY:
			text_at(out, ln->row->label, LABEL_CHARS, 0.02, y, "left");
			ci_text(buf, sizeof buf, f, ln->row->estimate, ln->row->ci_lb, ln->row->ci_ub);
			text_at(out, buf, LABEL_CHARS, col_ci, y, "right");
			if (has_weights && isfinite(ln->row->weight_pct)) {
				snprintf(buf, sizeof buf, "%.1f%%", ln->row->weight_pct);
				text_at(out, buf, LABEL_CHARS, col_w, y, "right");
			}
			break;
		case LINE_DIAMOND: {
			const promstat_forest_summary *s = ln->sum;
			text_at(out, s->label, LABEL_CHARS, 0.01, y, "left");
			ci_text(buf, sizeof buf, f, s->estimate, s->ci_lb, s->ci_ub);
			text_at(out, buf, LABEL_CHARS, col_ci, y, "right");
			if (has_weights && ln->sum != &f->overall && f->n_blocks > 1) {
				/* A subgroup's share of the total weight. */
				double w = 0;
				for (size_t b = 0; b < f->n_blocks; b++)
					if (&f->blocks[b].summary == s)
						for (size_t r = 0; r < f->blocks[b].n_rows; r++)
							if (isfinite(f->blocks[b].rows[r].weight_pct))
								w += f->blocks[b].rows[r].weight_pct;
				snprintf(buf, sizeof buf, "%.1f%%", w);
				text_at(out, buf, LABEL_CHARS, col_w, y, "right");
			} else if (has_weights) {
				text_at(out, "100%", LABEL_CHARS, col_w, y, "right");
			}
			if (isfinite(s->estimate) && isfinite(s->ci_lb) && isfinite(s->ci_ub)) {
				fputs("set object polygon from ", out);
				ps_gp_num(out, s->ci_lb);
				fputs(",", out);
				ps_gp_num(out, y);
				fputs(" to ", out);
				ps_gp_num(out, s->estimate);
				fputs(",", out);
				ps_gp_num(out, y + 0.38);
				fputs(" to ", out);
				ps_gp_num(out, s->ci_ub);
				fputs(",", out);
				ps_gp_num(out, y);
				fputs(" to ", out);
				ps_gp_num(out, s->estimate);
				fputs(",", out);
				ps_gp_num(out, y - 0.38);
				fputs(" to ", out);
				ps_gp_num(out, s->ci_lb);
				fputs(",", out);
				ps_gp_num(out, y);
				fputs(" front fillcolor rgb '#222222' fillstyle solid 1.0 border lc rgb "
				      "'#222222'\n", out);
			}
			break;
		}
		case LINE_HET:
			het_text(buf, sizeof buf, ln->sum);
			text_at(out, buf, NOTE_CHARS, 0.02, y, "left");
			break;
		}
	}

	/* Studies: x, y, square size (from the weight), lower, upper. */
	fputs("$studies << EOD\n", out);
	for (size_t i = 0; i < nlines; i++) {
		const promstat_forest_row *r = lines[i].row;
		double y = top - 1 - (double)i, size;

		if (lines[i].kind != LINE_STUDY || !isfinite(r->estimate))
			continue;
		/* Area proportional to weight, as in metafor's forest(). */
		size = has_weights && isfinite(r->weight_pct) && wmax > 0
			       ? 0.4 + 2.2 * sqrt(r->weight_pct / wmax)
			       : 1.2;
		ps_gp_num(out, r->estimate);
		putc(' ', out);
		ps_gp_num(out, y);
		putc(' ', out);
		ps_gp_num(out, size);
		putc(' ', out);
		ps_gp_num(out, isfinite(r->ci_lb) ? r->ci_lb : r->estimate);
		putc(' ', out);
		ps_gp_num(out, isfinite(r->ci_ub) ? r->ci_ub : r->estimate);
		putc('\n', out);
	}
	fputs("EOD\n", out);

	/*
	 * Prediction intervals: lower, y, upper. Drawn as data rather than
	 * arrows, which the text terminal puts a row off.
	 */
	fputs("$predictions << EOD\n", out);
	for (size_t i = 0; i < nlines; i++) {
		const promstat_forest_summary *sm = lines[i].sum;
		if (lines[i].kind != LINE_DIAMOND || !isfinite(sm->pi_lb) || !isfinite(sm->pi_ub))
			continue;
		ps_gp_num(out, sm->pi_lb);
		putc(' ', out);
		ps_gp_num(out, top - 1 - (double)i);
		putc(' ', out);
		ps_gp_num(out, sm->pi_ub);
		putc('\n', out);
		n_pred++;
	}
	fputs("EOD\n", out);
	fputs("plot $studies using 4:2:($5-$4):(0) with vectors nohead lc rgb '#222222' lw 1.2, \\\n",
	      out);
	if (n_pred)
		fputs("     $predictions using 1:2:($3-$1):(0) with vectors heads size screen 0.004,90 "
		      "dt 2 lw 1.5 lc rgb '#555555', \\\n", out);
	/* Text has no sizes: there a square is the letter o. */
	if (t->format == PROMSTAT_PLOT_DUMB)
		fputs("     $studies using 1:2 with points pt 'o' lc rgb '#222222'\n", out);
	else
		fputs("     $studies using 1:2:3 with points pt 5 ps variable lc rgb '#222222'\n", out);
	free(lines);
	return ps_gp_end(out, err);
}

static double back(const promstat_forest *f, double x, double n)
{
	return promstat_meta_backtransform(f->measure, x, n);
}

/* The interval [lb, ub] back-transformed, in increasing order. */
static void back_interval(const promstat_forest *f, double *lb, double *ub, double n)
{
	double a = back(f, *lb, n), b = back(f, *ub, n);

	*lb = a > b ? b : a; /* false with a NaN: each bound keeps its side */
	*ub = a > b ? a : b;
}

static void back_summary(const promstat_forest *f, promstat_forest_summary *s)
{
	s->estimate = back(f, s->estimate, s->n);
	back_interval(f, &s->ci_lb, &s->ci_ub, s->n);
	back_interval(f, &s->pi_lb, &s->pi_ub, s->n);
}

int promstat_plot_forest_write(FILE *out, const promstat_forest *f,
			       const promstat_plot_target *t, promstat_error *err)
{
	promstat_forest g;
	promstat_forest_block *blocks;
	promstat_forest_row *rows;
	size_t nrows = 0, r = 0;
	int status;

	if ((status = validate(f, err)) != PROMSTAT_OK)
		return status;
	if (!f->proportion)
		return write_forest(out, f, t, err);

	/*
	 * Proportions are drawn on their natural scale: back-transform a copy
	 * of every number once, then lay it out like any linear measure.
	 */
	for (size_t b = 0; b < f->n_blocks; b++)
		nrows += f->blocks[b].n_rows;
	blocks = calloc(f->n_blocks + 1, sizeof *blocks);
	rows = calloc(nrows + 1, sizeof *rows);
	if (!blocks || !rows) {
		free(blocks);
		free(rows);
		return promstat_error_set(err, PROMSTAT_ENOMEM, NULL, 0, 0,
				"out of memory laying out the forest plot");
	}
	g = *f;
	g.log_scale = 0;
	back_summary(f, &g.overall);
	for (size_t b = 0; b < f->n_blocks; b++) {
		const promstat_forest_block *src = &f->blocks[b];

		blocks[b] = *src;
		blocks[b].rows = rows + r;
		back_summary(f, &blocks[b].summary);
		for (size_t i = 0; i < src->n_rows; i++, r++) {
			double n = src->rows[i].n;

			/* PFT: the study's own n; without one, its pooled value's. */
			if (!(n > 0))
				n = src->summary.n > 0 ? src->summary.n : f->overall.n;
			rows[r] = src->rows[i];
			rows[r].estimate = back(f, rows[r].estimate, n);
			back_interval(f, &rows[r].ci_lb, &rows[r].ci_ub, n);
		}
	}
	g.blocks = blocks;
	status = write_forest(out, &g, t, err);
	free(blocks);
	free(rows);
	return status;
}
