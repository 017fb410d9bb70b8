/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Durability chart: Kaplan-Meier curves of "response maintained", one per
 * therapy in its fixed colour, one panel per age band, censoring ticks on
 * the curves and the number at risk under each panel's axis (as in R's
 * survminer risk tables), so the reader sees how many patients each part
 * of a curve rests on. It draws what it is given.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"
#include "promstat.h"
#include "promstat_plots_mcid.h"

static const promstat_durability_curve *curve_of(const promstat_durability_chart *c,
						 const char *therapy, const char *band)
{
	for (size_t i = 0; i < c->n_curves; i++) {
		const promstat_durability_curve *k = &c->curves[i];

		if (k->therapy && !strcmp(k->therapy, therapy) &&
		    (!band || (k->age_band && !strcmp(k->age_band, band))))
			return k;
	}
	return NULL;
}

int promstat_plot_durability_write(FILE *out, const promstat_durability_chart *c,
				   const promstat_plot_palette *pal,
				   const promstat_plot_target *t, promstat_error *err)
{
	const char **names = NULL, **therapies = NULL;
	size_t n_ther = 0, panels, i, s, a;
	double xmax = 0, table_h, bottom, last;
	unsigned char *show = NULL;
	int st, width;

	if (!c || (c->n_curves && !c->curves) || (c->n_ticks && !c->ticks))
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "durability data are incomplete");
	panels = c->n_age_bands ? c->n_age_bands : 1;
	names = malloc((c->n_curves + 1) * sizeof *names);
	if (!names)
		return promstat_error_set(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory drawing durability");
	for (i = 0; i < c->n_curves; i++) {
		names[i] = c->curves[i].therapy;
		if (c->curves[i].n_steps && c->curves[i].time[c->curves[i].n_steps - 1] > xmax)
			xmax = c->curves[i].time[c->curves[i].n_steps - 1];
	}
	for (i = 0; i < c->n_ticks; i++)
		if (c->ticks[i] > xmax)
			xmax = c->ticks[i];
	therapies = ps_gp_therapies(pal, names, c->n_curves, &n_ther);
	if (!therapies) {
		free(names);
		return promstat_error_set(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory drawing durability");
	}
	width = panels > 2 ? 420 * (int)panels : 1000;
	if ((st = ps_gp_begin(out, "durability", t, width, 560 + 24 * (int)n_ther, err)) !=
	    PROMSTAT_OK)
		goto done;
	if (!c->n_curves || !(xmax > 0)) {
		fputs("set title ", out);
		ps_gp_quote(out, c->title ? c->title : "Durability of response", 110);
		fputs("\n", out);
		ps_gp_empty(out, "No responders to follow");
		st = ps_gp_end(out, err);
		goto done;
	}
	xmax *= 1.04;
	/* ticks closer than 1/14 of the axis to the last one shown would print
	 * their numbers at risk over each other: they are left out of the axis
	 * and the table (presentation only; the JSON has them all) */
	show = calloc(c->n_ticks + 1, 1);
	if (!show) {
		st = promstat_error_set(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory drawing durability");
		goto done;
	}
	for (i = 0, last = -INFINITY; i < c->n_ticks; i++)
		if (c->ticks[i] - last >= xmax / 14) {
			show[i] = 1;
			last = c->ticks[i];
		}
	/* the risk table: a row per therapy under the axis */
	table_h = 0.045 * (double)(n_ther + 1);
	bottom = 0.13 + table_h;
	fputs("set multiplot title ", out);
	ps_gp_quote(out, c->title ? c->title : "Durability of response", 110);
	fputs(" font ',13'\n", out);
	fputs("set xrange [0:", out);
	ps_gp_num(out, xmax);
	fputs("]\nset yrange [0:1.02]\nset ytics 0,0.25,1\nset grid lc rgb '#E0E0E0'\n", out);
	fputs("set xtics (", out);
	for (i = 0, s = 0; i < c->n_ticks; i++) {
		if (!show[i])
			continue;
		fputs(s++ ? ", " : "", out);
		ps_gp_num(out, c->ticks[i]);
	}
	fputs(")\nset xlabel 'Days since treatment'\n", out);
	fprintf(out, "set tmargin at screen 0.9\nset bmargin at screen %.4f\n", bottom);
	for (a = 0; a < panels; a++) {
		const char *band = c->n_age_bands ? c->age_bands[a] : NULL;
		double left = 0.1, right = 0.98, gap = 0.03;
		double w = (right - left - gap * (double)(panels - 1)) / (double)panels;
		int clauses = 0;

		fprintf(out, "set lmargin at screen %.4f\nset rmargin at screen %.4f\n",
			left + (double)a * (w + gap), left + (double)a * (w + gap) + w);
		fputs("unset label\nset title ", out);
		ps_gp_quote(out, band ? band : "", 40);
		fputs("\n", out);
		if (a == 0) {
			fputs("set ylabel 'Still responding (Kaplan-Meier)'\nset format y '%g'\n", out);
			fputs("set key at graph 0.03, graph 0.03 left bottom Left reverse font ',9' samplen 2 spacing 0.9\n", out);
		} else {
			fputs("unset ylabel\nset format y ''\nunset key\n", out);
		}
		/* number at risk, under the axis, in each therapy's colour */
		if (a == 0)
			fprintf(out, "set label 1 'Number at risk' at screen 0.01, screen %.4f left "
				     "font ',9'\n",
				bottom - 0.085);
		for (s = 0; s < n_ther; s++) {
			const promstat_durability_curve *k = curve_of(c, therapies[s], band);
			double y = bottom - 0.085 - 0.045 * (double)(s + 1);

			if (a == 0) {
				fprintf(out, "set label %zu ", 2 + s);
				ps_gp_quote(out, therapies[s], 12);
				fprintf(out, " at screen 0.01, screen %.4f left tc rgb '%s' "
					     "font ',9'\n",
					y, promstat_plot_palette_colour(pal, therapies[s]));
			}
			for (i = 0; k && k->n_risk && i < c->n_ticks; i++) {
				if (!show[i])
					continue;
				fprintf(out, "set label %zu '%zu' at first ", 100 + s * c->n_ticks + i,
					k->n_risk[i]);
				ps_gp_num(out, c->ticks[i]);
				fprintf(out, ", screen %.4f center tc rgb '%s' font ',9'\n", y,
					promstat_plot_palette_colour(pal, therapies[s]));
			}
		}
		for (s = 0; s < n_ther; s++) {
			const promstat_durability_curve *k = curve_of(c, therapies[s], band);

			if (!k)
				continue;
			/* the curve from (0, 1), stepping down at each time */
			fprintf(out, "$c%zut%zu << EOD\n0 1\n", a, s);
			for (i = 0; i < k->n_steps; i++) {
				if (!isfinite(k->time[i]) || !isfinite(k->surv[i]))
					continue;
				ps_gp_num(out, k->time[i]);
				putc(' ', out);
				ps_gp_num(out, k->surv[i]);
				putc('\n', out);
			}
			fputs("EOD\n", out);
			fprintf(out, "$x%zut%zu << EOD\n", a, s);
			for (i = 0; i < k->n_censor; i++) {
				ps_gp_num(out, k->censor_time[i]);
				putc(' ', out);
				ps_gp_num(out, k->censor_surv[i]);
				putc('\n', out);
			}
			fputs("EOD\n", out);
		}
		fputs("plot ", out);
		for (s = 0; s < n_ther; s++) {
			const promstat_durability_curve *k = curve_of(c, therapies[s], band);
			const char *col = promstat_plot_palette_colour(pal, therapies[s]);

			if (!k)
				continue;
			fprintf(out, "%s$c%zut%zu using 1:2 with steps lw 2.2 lc rgb '%s' title ",
				clauses++ ? ", \\\n     " : "", a, s, col);
			ps_gp_quote(out, therapies[s], 40);
			if (k->n_censor)
				fprintf(out, ", \\\n     $x%zut%zu using 1:2 with points pt 1 ps 0.9 lw 1.5 "
					     "lc rgb '%s' notitle",
					a, s, col);
		}
		if (a == 0)
			fprintf(out, "%skeyentry with points pt 1 ps 0.9 lw 1.5 lc rgb '#333333' "
				     "title 'censored (still responding at last visit)'",
				clauses++ ? ", \\\n     " : "");
		if (!clauses)
			fputs("NaN notitle", out);
		fputs("\n", out);
	}
	if (c->note) {
		fputs("unset label\nunset title\nunset border\nunset tics\nunset grid\nunset key\n"
		      "unset xlabel\nunset ylabel\n",
		      out);
		fputs("set lmargin at screen 0\nset rmargin at screen 1\nset tmargin at screen 0.05\n"
		      "set bmargin at screen 0\n",
		      out);
		{
			/* one label per line of the note ('\n' separates them) */
			const char *p = c->note;
			int line = 0;

			while (*p && line < 4) {
				const char *e = strchr(p, '\n');
				size_t len = e ? (size_t)(e - p) : strlen(p);
				char buf[400];

				snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf - 1 ? len : sizeof buf - 1), p);
				fprintf(out, "set label %d ", 1 + line);
				ps_gp_quote(out, buf, 190);
				fprintf(out, " at screen 0.5, screen %.4f center font ',9'\n", 0.035 - 0.022 * line);
				line++;
				p += len + (e != NULL);
			}
		}
		fputs("plot NaN notitle\n", out);
	}
	fputs("unset multiplot\n", out);
	st = ps_gp_end(out, err);
done:
	free(names);
	free(therapies);
	free(show);
	return st;
}
