/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the chart emitters share privately: safe text, terminals, numbers. */
#ifndef PROMSTAT_PLOTS_GP_H
#define PROMSTAT_PLOTS_GP_H

#include <stddef.h>
#include <stdio.h>

#include "promstat_plots.h"

/* Longest label written, in characters; longer ones end in "...". */
#define PS_GP_LABEL_MAX 200

/*
 * A gnuplot string expression written piece by piece, with the apostrophe
 * rule of ps_gp_quote (gp.c explains it): start with { out, 0, 0, 0 }, add
 * bytes (never an apostrophe, a control character or a newline) and
 * apostrophes, then end it. ps_gp_quote and ps_gp_path write through it.
 */
typedef struct ps_gp_sq {
	FILE *out;
	int in_piece;	/* a single-quoted piece is open */
	int after_char; /* its last character is not an apostrophe */
	int wrote;	/* anything written yet */
} ps_gp_sq;

void ps_gp_sq_bytes(ps_gp_sq *w, const void *p, size_t n);
void ps_gp_sq_apostrophe(ps_gp_sq *w);
void ps_gp_sq_end(ps_gp_sq *w);

/*
 * Writes s as one gnuplot string expression that reads back as s: single-
 * quoted (gnuplot substitutes nothing inside: no backquote command, no @
 * macro, no backslash escape), an apostrophe doubled after another
 * character and otherwise written as "\047" joined with '.' (gnuplot 5.4
 * reads a leading '' as an empty string, so 't Hooft is "\047".'t Hooft'),
 * control characters as spaces, invalid UTF-8 as '?', at most max_chars
 * characters (0 = PS_GP_LABEL_MAX; longer text is cut and ends in "...").
 * NULL is written as ''. This is the only way text reaches a script; the
 * terminals are noenhanced, so @ ^ _ { } & ~ are drawn as themselves.
 */
void ps_gp_quote(FILE *out, const char *s, size_t max_chars);

/*
 * Writes path as one gnuplot single-quoted string naming exactly that file:
 * whole (never cut), every byte as given (quotes doubled; valid UTF-8 or
 * not), and "./" before a leading '|' or '~', which "set output" would read
 * as a command or the home folder. The caller refuses control characters
 * (a newline would end the command). NULL is written as ''.
 */
void ps_gp_path(FILE *out, const char *path);

/* As ps_gp_quote, for text assembled with printf (numbers and labels). */
void ps_gp_quotef(FILE *out, size_t max_chars, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes x with enough digits for a coordinate ("%.10g"); x must be finite. */
void ps_gp_num(FILE *out, double x);

/*
 * Starts a script: a header comment, reset, the terminal for t at the
 * given size in pixels (characters for dumb are derived from it), the
 * quoted output path, UTF-8 and the shared style. chart names the chart in
 * the header. Returns PROMSTAT_OK or PROMSTAT_EINVAL (bad path or target).
 */
int ps_gp_begin(FILE *out, const char *chart, const promstat_plot_target *t, int width_px,
		int height_px, promstat_error *err);

/* Ends a script (closes the output) and reports a write error on out. */
int ps_gp_end(FILE *out, promstat_error *err);

/* Draws a "nothing to draw" page in place of an empty chart. */
void ps_gp_empty(FILE *out, const char *why);

/*
 * Ticks for an axis whose values are natural logs of ratios: writes
 * "set <axis>tics (...)" labelled in ratios (0.25, 0.5, 1, 2, ...) covering
 * [lo, hi].
 */
void ps_gp_ratio_tics(FILE *out, const char *axis, double lo, double hi);

/* Formats x for a text column with decimals digits; NaN as "NA". */
void ps_gp_fmt(char *buf, size_t size, double x, int decimals);

/*
 * The distinct therapies among names[0..n) (NULLs skipped): first those in
 * the palette, in its order, then the others in order of first appearance.
 * Returns a malloc'd array of the same pointers (count in *count), or NULL
 * when out of memory; n == 0 gives a valid empty array.
 */
const char **ps_gp_therapies(const promstat_plot_palette *pal, const char *const *names, size_t n,
			     size_t *count);

/* Index of s in list[0..n), or n when absent. */
size_t ps_gp_index(const char *const *list, size_t n, const char *s);

/* One bar of a grouped bar chart: a value with optional whiskers. */
struct ps_gp_bar {
	size_t cluster, series;
	double value, lb, ub; /* NaN value: no bar; NaN lb/ub: no whisker */
	char below[48];	      /* text under the bar, e.g. "n=12" */
};

/*
 * Writes the x tics, the text under the bars, the datablocks and the plot
 * command of a grouped bar chart: clusters along x, one colour per series
 * (with a key entry each). ymax is the top of the y axis.
 */
void ps_gp_grouped_bars(FILE *out, const char *const *clusters, size_t n_clusters,
			const char *const *series, const char *const *colours, size_t n_series,
			const struct ps_gp_bar *bars, size_t n_bars, double ymax);

/*
 * As ps_gp_grouped_bars, for one panel of a multiplot whose plot area is
 * plot_px wide: the caller sets the margins (nothing here sets bmargin),
 * the key is the caller's, and a panel without a single bar still plots.
 * The text under the bars is sized as if the longest were at least
 * text_chars characters: give the longest of all panels, so that every
 * panel writes it alike.
 * The text under the bars is "set label": unset labels before the next
 * panel, or it is drawn there too.
 */
void ps_gp_grouped_bars_panel(FILE *out, const char *const *clusters, size_t n_clusters,
			      const char *const *series, const char *const *colours,
			      size_t n_series, const struct ps_gp_bar *bars, size_t n_bars,
			      double ymax, double plot_px, size_t text_chars);

/*
 * How far, in character heights, the text under the bars of such a plot
 * reaches below the axis beyond the usual line: 0 when it lies flat, more
 * when it stands upright because the bars are too narrow for it.
 */
double ps_gp_bar_text_drop(const struct ps_gp_bar *bars, size_t n_bars, size_t n_clusters,
			   size_t n_series, double plot_px);

/*
 * A grouped bar chart of percentages with one series per therapy, as the
 * follow-up and responder charts draw it: the series, their colours and
 * room for the bars, which the chart fills in (bars[0..n_bars)).
 */
struct ps_gp_therapy_bars {
	const char **therapies; /* palette order first (ps_gp_therapies) */
	const char **colours;	/* the palette colour of each therapy */
	size_t n_therapies;
	struct ps_gp_bar *bars; /* room for as many bars as items given */
	size_t n_bars;		/* 0 until the chart fills them */
};

/*
 * Sets up tb for n items of size bytes each (an array of the chart's bar
 * structs), whose therapy name is the const char * at byte therapy_offset
 * of each. Returns PROMSTAT_OK, or PROMSTAT_ENOMEM with "out of memory
 * drawing <what>" in err and nothing left to free.
 */
int ps_gp_therapy_bars_init(struct ps_gp_therapy_bars *tb, const promstat_plot_palette *pal,
			    const void *items, size_t n, size_t size, size_t therapy_offset,
			    const char *what, promstat_error *err);

/* Frees what ps_gp_therapy_bars_init allocated; a zeroed tb is a no-op. */
void ps_gp_therapy_bars_free(struct ps_gp_therapy_bars *tb);

/*
 * Writes the 0-100% y axis (its label is the chart's), the key under the
 * chart and the bars of tb grouped by clusters (ps_gp_grouped_bars).
 */
void ps_gp_therapy_bars_percent(FILE *out, const struct ps_gp_therapy_bars *tb,
				const char *const *clusters, size_t n_clusters);

#endif
