/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Follow-up completeness: of the units with a baseline, the share with a
 * follow-up score in each timepoint's window, as bars per therapy (its
 * fixed colour) grouped by timepoint, with the denominator under each bar;
 * one panel per instrument, so none is left out. Falling completeness is
 * the first thing to check before trusting any improvement figure.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"
#include "promstat.h"

/* Panels a row: more would squeeze a panel's bars and labels unreadable. */
#define MAX_COLS 3
/*
 * A panel's cell in pixels, at least; one panel alone keeps the other
 * charts' 1000 px width. Cells widen so that each bar has BAR_PX for the
 * upright text under it, and rows stay under WIDE_PX while they can.
 */
#define COL_PX 560
#define ROW_PX 480
#define BAR_PX 14.0
#define WIDE_PX 2400
/* However many bars: past this, text under them may touch, but no giant image. */
#define MAX_COL_PX 4000
/* Strips for the title and subtitle above, the key and the note below. */
#define TOP_PX 72
#define BOTTOM_PX 70
/* A line of text, generously (12 pt SVG text is about 15 px). */
#define LINE_PX 16.0

/* Writes "set <what>margin at screen x" with x from a pixel position. */
static void margin(FILE *out, const char *what, double px, double total)
{
	fprintf(out, "set %smargin at screen %.4f\n", what, px / total);
}

int promstat_plot_followup_write(FILE *out, const promstat_followup *fu,
				 const promstat_plot_palette *pal,
				 const promstat_plot_target *t, promstat_error *err)
{
	struct ps_gp_therapy_bars tb;
	struct ps_gp_bar *panel_bars = NULL;
	size_t *panel_of = NULL, panels, cols, rows, undefined = 0, longest_tp = 0;
	int status, width, height;
	double drop = 0;

	if (!fu)
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "no follow-up data given");
	if ((fu->n_bars && !fu->bars) || (fu->n_timepoints && !fu->timepoints) ||
	    (fu->n_instruments && !fu->instruments))
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "follow-up data are incomplete");
	panels = fu->n_instruments ? fu->n_instruments : 1;

	if ((status = ps_gp_therapy_bars_init(&tb, pal, fu->bars, fu->n_bars, sizeof *fu->bars,
					      offsetof(promstat_followup_bar, therapy),
					      "follow-up", err)) != PROMSTAT_OK)
		return status;
	panel_of = malloc((fu->n_bars + 1) * sizeof *panel_of);
	panel_bars = malloc((fu->n_bars + 1) * sizeof *panel_bars);
	if (!panel_of || !panel_bars) {
		status = promstat_error_set(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory drawing follow-up");
		goto done;
	}
	for (size_t i = 0; i < fu->n_bars; i++) {
		const promstat_followup_bar *b = &fu->bars[i];
		struct ps_gp_bar *bar = &tb.bars[tb.n_bars];
		size_t p = fu->n_instruments ? b->instrument : 0;

		if (b->timepoint >= fu->n_timepoints || !b->therapy || p >= panels)
			continue;
		bar->cluster = b->timepoint;
		bar->series = ps_gp_index(tb.therapies, tb.n_therapies, b->therapy);
		/* No unit with a baseline: no rate, and no bar that would read as 0%. */
		bar->value = b->n_baseline && isfinite(b->rate) ? 100 * b->rate : NAN;
		bar->lb = bar->ub = NAN;
		undefined += !isfinite(bar->value);
		snprintf(bar->below, sizeof bar->below, "n=%zu", b->n_baseline);
		panel_of[tb.n_bars++] = p;
	}
	for (size_t i = 0; i < fu->n_timepoints; i++)
		if (fu->timepoints[i] && strlen(fu->timepoints[i]) > longest_tp)
			longest_tp = strlen(fu->timepoints[i]);

	/* Bars take 80% of each timepoint's room; 75 + 15 px of margins. */
	double col_px = 90 + BAR_PX / 0.8 * (double)(tb.n_therapies ? tb.n_therapies : 1) *
				     ((double)fu->n_timepoints + 0.2);
	size_t max_cols = MAX_COLS;
	if (col_px < COL_PX)
		col_px = COL_PX;
	if (col_px > MAX_COL_PX)
		col_px = MAX_COL_PX;
	while (max_cols > 1 && (double)max_cols * col_px > WIDE_PX)
		max_cols--;
	/* As few rows as that allows, the panels spread evenly over them. */
	rows = (panels + max_cols - 1) / max_cols;
	cols = (panels + rows - 1) / rows;
	width = (int)ceil(col_px) * (int)cols;
	if (cols == 1 && width < 1000)
		width = 1000;
	height = TOP_PX + ROW_PX * (int)rows + BOTTOM_PX;
	if ((status = ps_gp_begin(out, "followup", t, width, height, err)) != PROMSTAT_OK)
		goto done;
	if (tb.n_bars == 0) {
		fputs("set title ", out);
		ps_gp_quote(out, fu->title ? fu->title : "Follow-up completeness", 110);
		fputs(" font ',13'\n", out);
		ps_gp_empty(out, "No follow-up to draw");
		status = ps_gp_end(out, err);
		goto done;
	}

	fputs("set multiplot title ", out);
	if (fu->title)
		ps_gp_quote(out, fu->title, 110);
	else
		ps_gp_quote(out, fu->n_instruments > 1
					 ? "Follow-up completeness by instrument, timepoint and therapy"
					 : "Follow-up completeness by timepoint and therapy",
			    110);
	fputs(" font ',13'\n", out);
	fputs("unset key\nset ytics 0,20,100\nset format y '%g'\nset grid ytics lc rgb '#E0E0E0'\n",
	      out);

	/*
	 * Panels of one size, so bars compare across instruments: every one
	 * has the first's room for y tick labels (only the first column names
	 * the axis), the same text size under its bars and the same room
	 * under its axis, enough for the longest text under any panel's bars.
	 */
	size_t text_chars = 0;
	for (size_t i = 0; i < tb.n_bars; i++)
		if (strlen(tb.bars[i].below) > text_chars)
			text_chars = strlen(tb.bars[i].below);
	double plot_px = (double)width / (double)cols - 75 - 15;
	drop = ps_gp_bar_text_drop(tb.bars, tb.n_bars, fu->n_timepoints, tb.n_therapies, plot_px);
	/* Timepoint labels wider than their share of a panel are turned to fit. */
	int rotate = (double)longest_tp * 7.5 > plot_px / ((double)fu->n_timepoints + 0.2) * 0.95;
	double below = (1.4 + drop + 2) * LINE_PX + (rotate ? 0.5 * (double)longest_tp * 7.5 : 0);

	for (size_t p = 0; p < panels; p++) {
		size_t r = p / cols, c = p % cols, nb = 0;
		double left = (double)width * (double)c / (double)cols + 75;
		double right = left + plot_px;
		double top = TOP_PX + ROW_PX * (double)r;

		for (size_t i = 0; i < tb.n_bars; i++)
			if (panel_of[i] == p)
				panel_bars[nb++] = tb.bars[i];
		/* The text under the previous panel's bars is labels: not here too. */
		fputs("unset label\n", out);
		margin(out, "l", left, width);
		margin(out, "r", right, width);
		margin(out, "t", height - (top + (fu->n_instruments ? 34 : 10)), height);
		margin(out, "b", height - (top + ROW_PX - below), height);
		fputs("set title ", out);
		ps_gp_quote(out, fu->n_instruments ? fu->instruments[p] : "", 60);
		fputs(" font ',12'\n", out);
		if (c == 0) {
			/* The denominator, on the axis itself. */
			fputs("set ylabel 'Followed up (% of units with a baseline)'\n", out);
		} else {
			fputs("unset ylabel\n", out);
		}
		if (rotate)
			fputs("set xtics rotate by 30 right\n", out);
		ps_gp_grouped_bars_panel(out, fu->timepoints, fu->n_timepoints,
					 (const char *const *)tb.therapies,
					 (const char *const *)tb.colours, tb.n_therapies, panel_bars,
					 nb, 105, plot_px, text_chars);
	}

	/*
	 * Under the panels, full width: the key (one entry per therapy), and
	 * a note when some rates are undefined; above them, what a bar is.
	 */
	fputs("unset label\nunset title\nunset border\nunset tics\nunset grid\nunset ylabel\n", out);
	fputs("set label ", out);
	ps_gp_quote(out, "Bar: units with a follow-up score in the timepoint's window, as a share of "
			 "units with a baseline (n under each bar)", 140);
	fprintf(out, " at screen 0.5, screen %.4f center font ',10'\n",
		1 - 50.0 / (double)height);
	if (undefined) {
		fputs("set label ", out);
		ps_gp_quotef(out, 140,
			     "%zu bar%s left out: no unit with a baseline (n=0), so no rate to draw",
			     undefined, undefined == 1 ? "" : "s");
		fprintf(out, " at screen 0.5, screen %.4f center font ',10'\n",
			14.0 / (double)height);
	}
	margin(out, "l", 0.02 * width, width);
	margin(out, "r", 0.98 * width, width);
	margin(out, "t", BOTTOM_PX - 4, height);
	margin(out, "b", undefined ? 26 : 4, height);
	fputs("set xrange [0:1]\nset yrange [0:1]\n", out);
	fputs("set key center center horizontal Left reverse samplen 2 width 2\n", out);
	/* A plot of keyentries alone trips an assertion in gnuplot 5.4. */
	fputs("plot NaN notitle", out);
	for (size_t s = 0; s < tb.n_therapies; s++) {
		fprintf(out, ", \\\n     keyentry with boxes lc rgb '%s' title ", tb.colours[s]);
		ps_gp_quote(out, tb.therapies[s], 40);
	}
	fputs("\n", out);
	fputs("unset multiplot\n", out);
	status = ps_gp_end(out, err);
done:
	free(panel_of);
	free(panel_bars);
	ps_gp_therapy_bars_free(&tb);
	return status;
}
