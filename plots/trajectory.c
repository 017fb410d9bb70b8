/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Trajectory chart: mean improvement from baseline with its confidence
 * interval at each timepoint, one line per therapy (its fixed colour), one
 * panel per age band side by side on a shared y axis, and the instrument's
 * MCID as a dashed reference line, so "which therapy and age band improves,
 * and by how much" reads at a glance.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"
#include "promstat.h"

/* Therapies side by side at a timepoint are nudged apart by this much. */
#define DODGE 0.07
/* Points on fewer patients do not stretch the y axis with their interval. */
#define SMALL_N 10
/* The arrow head that ends a whisker cut at the axis. */
#define CLIPPED_HEAD "head filled size screen 0.012,25"

/* x of therapy s of n at timepoint tp: nudged apart so whiskers do not overlap. */
static double dodged(size_t tp, size_t s, size_t n)
{
	return (double)tp + ((double)s - ((double)n - 1) / 2) * DODGE;
}

/* The first drawable point of therapy in band (NULL: any) at tp, or NULL. */
static const promstat_trajectory_point *point_at(const promstat_trajectory *tr,
						 const char *therapy, const char *band, size_t tp)
{
	for (size_t i = 0; i < tr->n_points; i++) {
		const promstat_trajectory_point *p = &tr->points[i];
		if (p->timepoint != tp || !isfinite(p->mean) || !p->therapy ||
		    strcmp(p->therapy, therapy) || (band && (!p->age_band || strcmp(p->age_band, band))))
			continue;
		return p;
	}
	return NULL;
}

int promstat_plot_trajectory_write(FILE *out, const promstat_trajectory *tr,
				   const promstat_plot_palette *pal,
				   const promstat_plot_target *t, promstat_error *err)
{
	const char **names = NULL, **therapies = NULL;
	size_t *rows = NULL, *clipped = NULL;
	size_t n_ther = 0, panels, drawn = 0;
	double lo = 0, hi = 0;
	int status, rotate = 0, any_clipped = 0;
	const char *unit;

	if (!tr)
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "no trajectory data given");
	if ((tr->n_points && !tr->points) || (tr->n_timepoints && !tr->timepoints) ||
	    (tr->n_age_bands && !tr->age_bands))
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "trajectory data are incomplete");
	unit = tr->unit ? tr->unit : "points";
	panels = tr->n_age_bands ? tr->n_age_bands : 1;

	names = malloc((tr->n_points + 1) * sizeof *names);
	if (!names)
		return promstat_error_set(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory drawing a trajectory");
	for (size_t i = 0; i < tr->n_points; i++) {
		const promstat_trajectory_point *p = &tr->points[i];
		names[i] = p->therapy;
		if (!isfinite(p->mean) || p->timepoint >= tr->n_timepoints)
			continue;
		if (tr->n_age_bands && ps_gp_index(tr->age_bands, tr->n_age_bands, p->age_band) ==
					       tr->n_age_bands)
			continue;
		drawn++;
		if (p->mean < lo)
			lo = p->mean;
		if (p->mean > hi)
			hi = p->mean;
		/*
		 * A handful of patients gives an interval wide enough to flatten
		 * every other line; such whiskers stop at the axis with an arrow
		 * head instead, and the key says what the arrow means.
		 */
		if (p->n < SMALL_N)
			continue;
		if (isfinite(p->ci_lb) && p->ci_lb < lo)
			lo = p->ci_lb;
		if (isfinite(p->ci_ub) && p->ci_ub > hi)
			hi = p->ci_ub;
	}
	therapies = ps_gp_therapies(pal, names, tr->n_points, &n_ther);
	rows = calloc(n_ther + 1, sizeof *rows);
	clipped = calloc(n_ther + 1, sizeof *clipped);
	if (!therapies || !rows || !clipped) {
		free(therapies);
		free(rows);
		free(clipped);
		free(names);
		return promstat_error_set(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory drawing a trajectory");
	}
	if (isfinite(tr->mcid)) {
		if (tr->mcid > hi)
			hi = tr->mcid;
		if (tr->mcid < lo)
			lo = tr->mcid;
	}
	if (!(hi > lo))
		hi = lo + 1;
	double pad = 0.08 * (hi - lo);
	lo -= pad;
	hi += pad;

	/* Wide enough for three panels of readable timepoint labels. */
	int width = panels > 3 ? 300 * (int)panels : 1000;
	if ((status = ps_gp_begin(out, "trajectory", t, width, 620, err)) != PROMSTAT_OK)
		goto done;

	if (drawn == 0 || tr->n_timepoints == 0) {
		fputs("set title ", out);
		ps_gp_quotef(out, 110, "%s: mean improvement", tr->instrument ? tr->instrument : "");
		fputs("\n", out);
		ps_gp_empty(out, "No follow-up scores to draw");
		status = ps_gp_end(out, err);
		goto done;
	}

	fputs("set multiplot title ", out);
	if (tr->title)
		ps_gp_quote(out, tr->title, 110);
	else
		ps_gp_quotef(out, 110, "%s: mean improvement from baseline by therapy%s",
			     tr->instrument ? tr->instrument : "Score",
			     tr->n_age_bands ? " and age band" : "");
	fputs(" font ',13'\n", out);
	if (tr->note) {
		/* between the title and the panels' band names */
		fputs("set label 9 ", out);
		ps_gp_quote(out, tr->note, 160);
		fputs(" at screen 0.5, screen 0.925 center font ',10'\n", out);
	}

	fprintf(out, "set xrange [-0.4:%.1f]\n", (double)tr->n_timepoints - 0.6);
	fputs("set yrange [", out);
	ps_gp_num(out, lo);
	fputs(":", out);
	ps_gp_num(out, hi);
	fputs("]\n", out);
	fputs("set xtics (", out);
	for (size_t i = 0; i < tr->n_timepoints; i++) {
		if (i)
			fputs(", ", out);
		ps_gp_quote(out, tr->timepoints[i], 20);
		fprintf(out, " %zu", i);
	}
	fputs(")\n", out);
	{
		/* Labels wider than their share of a panel are turned to fit. */
		size_t longest = 0, room = (size_t)(900 / panels / tr->n_timepoints / 8);
		for (size_t i = 0; i < tr->n_timepoints; i++)
			if (tr->timepoints[i] && strlen(tr->timepoints[i]) > longest)
				longest = strlen(tr->timepoints[i]);
		rotate = longest > room;
		if (rotate)
			fputs("set xtics rotate by 30 right\n", out);
	}
	fputs("set grid ytics lc rgb '#E0E0E0'\n", out);
	fputs("set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead lc rgb '#999999' back\n",
	      out);
	if (isfinite(tr->mcid)) {
		fputs("set arrow 2 from graph 0, first ", out);
		ps_gp_num(out, tr->mcid);
		fputs(" to graph 1, first ", out);
		ps_gp_num(out, tr->mcid);
		fputs(" nohead dt 2 lw 1.5 lc rgb '#333333' front\n", out);
	}
	fprintf(out, "unset key\nset tmargin at screen 0.86\nset bmargin at screen %.2f\n",
		rotate ? 0.3 : 0.2);

	/* Panels side by side on a shared y axis; only the first is labelled. */
	for (size_t a = 0; a < panels; a++) {
		const char *band = tr->n_age_bands ? tr->age_bands[a] : NULL;
		double left = 0.08, right = 0.98, gap = 0.02;
		double w = (right - left - gap * (double)(panels - 1)) / (double)panels;
		int clauses = 0;

		fprintf(out, "set lmargin at screen %.4f\nset rmargin at screen %.4f\n",
			left + (double)a * (w + gap), left + (double)a * (w + gap) + w);
		fputs("set title ", out);
		ps_gp_quote(out, band ? band : "", 40);
		fputs("\n", out);
		if (a == 0) {
			fputs("set ylabel ", out);
			ps_gp_quotef(out, 80, "Mean improvement (%s) with 95%% CI", unit);
			fputs("\nset format y '%g'\n", out);
		} else {
			fputs("unset ylabel\nset format y ''\n", out);
		}
		/*
		 * One datablock per therapy in this panel: x, mean, lower, upper.
		 * An end beyond the axis is left at the mean there and drawn from
		 * a second datablock (x, mean, length) as an arrow to the axis.
		 */
		for (size_t s = 0; s < n_ther; s++) {
			rows[s] = clipped[s] = 0;
			fprintf(out, "$p%zut%zu << EOD\n", a, s);
			for (size_t tp = 0; tp < tr->n_timepoints; tp++) {
				const promstat_trajectory_point *p = point_at(tr, therapies[s], band, tp);
				if (!p)
					continue;
				ps_gp_num(out, dodged(tp, s, n_ther));
				putc(' ', out);
				ps_gp_num(out, p->mean);
				putc(' ', out);
				ps_gp_num(out, isfinite(p->ci_lb) && !(p->ci_lb < lo) ? p->ci_lb : p->mean);
				putc(' ', out);
				ps_gp_num(out, isfinite(p->ci_ub) && !(p->ci_ub > hi) ? p->ci_ub : p->mean);
				putc('\n', out);
				rows[s]++;
				clipped[s] += (p->ci_lb < lo) + (p->ci_ub > hi);
			}
			fputs("EOD\n", out);
			if (clipped[s] == 0)
				continue;
			fprintf(out, "$p%zut%zuc << EOD\n", a, s);
			for (size_t tp = 0; tp < tr->n_timepoints; tp++) {
				const promstat_trajectory_point *p = point_at(tr, therapies[s], band, tp);
				if (!p || !(p->ci_lb < lo || p->ci_ub > hi))
					continue;
				/* The whole interval, for whoever restyles the script. */
				fprintf(out, "# CI %.10g to %.10g\n", p->ci_lb, p->ci_ub);
				for (int up = 0; up < 2; up++) {
					if (!(up ? p->ci_ub > hi : p->ci_lb < lo))
						continue;
					ps_gp_num(out, dodged(tp, s, n_ther));
					putc(' ', out);
					ps_gp_num(out, p->mean);
					putc(' ', out);
					ps_gp_num(out, (up ? hi : lo) - p->mean);
					putc('\n', out);
				}
			}
			fputs("EOD\n", out);
			any_clipped = 1;
		}
		fputs("plot ", out);
		for (size_t s = 0; s < n_ther; s++) {
			if (rows[s] == 0)
				continue;
			fprintf(out, "%s$p%zut%zu using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.9 "
				     "lc rgb '%s' notitle",
				clauses++ ? ", \\\n     " : "", a, s,
				promstat_plot_palette_colour(pal, therapies[s]));
			if (clipped[s])
				fprintf(out, ", \\\n     $p%zut%zuc using 1:2:(0):3 with vectors " CLIPPED_HEAD
					     " lw 2 lc rgb '%s' notitle",
					a, s, promstat_plot_palette_colour(pal, therapies[s]));
		}
		if (!clauses)
			fputs("NaN notitle", out);
		fputs("\n", out);
		if (a == 0 && tr->note)
			fputs("unset label 9\n", out); /* drawn once, with the first panel */
	}

	/*
	 * The key gets a strip of its own under the panels, full width, so it
	 * can run horizontally; each therapy's n range is how many patients
	 * its points rest on.
	 */
	fputs("unset title\nunset arrow\nunset border\nunset tics\nunset grid\nunset ylabel\n", out);
	fputs("set lmargin at screen 0.02\nset rmargin at screen 0.98\n", out);
	fputs("set tmargin at screen 0.1\nset bmargin at screen 0.01\n", out);
	fputs("set xrange [0:1]\nset yrange [0:1]\n", out);
	fputs("set key center center horizontal Left reverse samplen 3 width 2\n", out);
	/* A plot of keyentries alone trips an assertion in gnuplot 5.4. */
	fputs("plot NaN notitle", out);
	for (size_t s = 0; s < n_ther; s++) {
		size_t nmin = (size_t)-1, nmax = 0;
		for (size_t i = 0; i < tr->n_points; i++) {
			const promstat_trajectory_point *p = &tr->points[i];
			if (!p->therapy || strcmp(p->therapy, therapies[s]) || !isfinite(p->mean))
				continue;
			if (p->n < nmin)
				nmin = p->n;
			if (p->n > nmax)
				nmax = p->n;
		}
		fprintf(out, ", \\\n     keyentry with linespoints lw 2 pt 7 ps 0.9 lc rgb '%s' title ",
			promstat_plot_palette_colour(pal, therapies[s]));
		if (nmax == 0 || nmin == nmax)
			ps_gp_quotef(out, 70, "%s (n = %zu)", therapies[s], nmax);
		else
			ps_gp_quotef(out, 70, "%s (n = %zu\xE2\x80\x93%zu)", therapies[s], nmin, nmax);
	}
	if (isfinite(tr->mcid)) {
		fputs(", \\\n     keyentry with lines dt 2 lw 1.5 lc rgb '#333333' title ", out);
		ps_gp_quotef(out, 60, "MCID (%g %s)", tr->mcid, unit);
	}
	if (any_clipped) {
		fputs(", \\\n     keyentry with vectors " CLIPPED_HEAD " lw 2 lc rgb '#333333' title ",
		      out);
		ps_gp_quotef(out, 70, "CI beyond the axis (n < %d)", SMALL_N);
	}
	fputs("\n", out);
	fputs("unset multiplot\n", out);
	status = ps_gp_end(out, err);
done:
	free(rows);
	free(clipped);
	free(names);
	free(therapies);
	return status;
}
