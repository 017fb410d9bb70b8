/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Provider funnel plot (Spiegelhalter 2005, Stat Med 24:1185): each
 * provider's observed minus case-mix-expected outcome against its number
 * of units, with the 95% and 99.8% control limits drawn as curves over n,
 * +-z sqrt(sd^2 / n + tau^2) around 0. Points are coloured by the band the
 * engine placed them in and labelled with the provider's name (a quoted
 * gnuplot string, never part of a datablock). A panel each for the MCID
 * rate and the mean improvement when both are given.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gp.h"
#include "promstat.h"

static const char *const band_colour[3] = { "#0072B2", "#E69F00", "#D55E00" };
static const char *const band_name[3] = { "within the limits", "beyond 95%", "beyond 99.8%" };

/* The limit z sqrt(sd^2 / n + tau2) at n. */
static double limit(double z, double sd, double tau2, double n)
{
	return z * sqrt(sd * sd / n + (isfinite(tau2) ? tau2 : 0));
}

static int panel_ok(const promstat_provider_panel *p)
{
	return p->n_points > 0 && isfinite(p->sd) && p->sd > 0;
}

static void draw_panel(FILE *out, const promstat_provider_funnel *f,
		       const promstat_provider_panel *p, size_t index)
{
	double zi = f->z_inner > 0 ? f->z_inner : 1.959963984540054;
	double zo = f->z_outer > 0 ? f->z_outer : 3.090232306167813;
	double nmin = HUGE_VAL, nmax = 0, vmax = 0, xlo, xhi, ymax;
	size_t k, b, drawn = 0;

	for (k = 0; k < p->n_points; k++) {
		const promstat_provider_point *q = &p->points[k];

		if (!isfinite(q->value) || !(q->n > 0))
			continue;
		nmin = fmin(nmin, q->n);
		nmax = fmax(nmax, q->n);
		vmax = fmax(vmax, fabs(q->value));
		drawn++;
	}
	fputs("set title ", out);
	ps_gp_quote(out, p->title, 100);
	fputs(" font ',12'\n", out);
	if (!drawn || !panel_ok(p)) {
		fputs("unset border\nunset tics\nunset key\nunset xlabel\nunset ylabel\n", out);
		fputs("set label 1 ", out);
		ps_gp_quote(out, p->note ? p->note : "No provider to draw", 0);
		fputs(" at graph 0.5, graph 0.5 center\n", out);
		fputs("plot [0:1][0:1] NaN notitle\nunset label 1\n", out);
		fputs("set border 3 lc rgb '#333333'\nset tics nomirror out scale 0.6\n", out);
		return;
	}
	/* from half the smallest provider, where the limits are already wide,
	 * to a little beyond the largest */
	xlo = fmax(1, 0.5 * nmin);
	xhi = 1.08 * nmax;
	ymax = 1.12 * fmax(vmax, limit(zo, p->sd, p->tau2, fmax(xlo, 0.8 * nmin)));
	fputs("set xlabel 'Units (n)'\nset ylabel ", out);
	ps_gp_quote(out, p->ylabel, 100);
	fputs("\nset xrange [", out);
	ps_gp_num(out, xlo);
	fputs(":", out);
	ps_gp_num(out, xhi);
	fputs("]\nset yrange [", out);
	ps_gp_num(out, -ymax);
	fputs(":", out);
	ps_gp_num(out, ymax);
	fputs("]\nset samples 400\nset grid ytics lc rgb '#dddddd'\n", out);
	fputs("set key outside bottom center horizontal font ',10'\n", out);
	fprintf(out, "sd%zu = ", index);
	ps_gp_num(out, p->sd);
	fprintf(out, "\nt%zu = ", index);
	ps_gp_num(out, isfinite(p->tau2) ? p->tau2 : 0);
	fputs("\n", out);
	/* points by band: numbers only */
	for (b = 0; b < 3; b++) {
		fprintf(out, "$P%zu_%zu << EOD\n", index, b);
		for (k = 0; k < p->n_points; k++) {
			const promstat_provider_point *q = &p->points[k];

			if (!isfinite(q->value) || !(q->n > 0) || (size_t)(q->beyond < 0 ? 0 : q->beyond > 2 ? 2 : q->beyond) != b)
				continue;
			ps_gp_num(out, q->n);
			fputs(" ", out);
			ps_gp_num(out, q->value);
			fputs("\n", out);
		}
		fputs("0 NaN\nEOD\n", out);
	}
	/* names beside their points */
	for (k = 0; k < p->n_points; k++) {
		const promstat_provider_point *q = &p->points[k];

		if (!isfinite(q->value) || !(q->n > 0))
			continue;
		fprintf(out, "set label %zu ", 100 + k);
		ps_gp_quote(out, q->label, 40);
		fputs(" at ", out);
		ps_gp_num(out, q->n);
		fputs(",", out);
		ps_gp_num(out, q->value);
		fputs(" offset character 0.7,0.5 font ',9' tc rgb '#333333' front\n", out);
	}
	fputs("plot 0 with lines lc rgb '#555555' lw 1 notitle", out);
	fprintf(out, ", \\\n  %.6g*sqrt(sd%zu**2/x + t%zu) with lines dt 2 lc rgb '#666666' lw 1.5 "
		     "title '95%% limits'", zi, index, index);
	fprintf(out, ", \\\n  -%.6g*sqrt(sd%zu**2/x + t%zu) with lines dt 2 lc rgb '#666666' lw 1.5 "
		     "notitle", zi, index, index);
	fprintf(out, ", \\\n  %.6g*sqrt(sd%zu**2/x + t%zu) with lines lc rgb '#222222' lw 1.5 "
		     "title '99.8%% limits'", zo, index, index);
	fprintf(out, ", \\\n  -%.6g*sqrt(sd%zu**2/x + t%zu) with lines lc rgb '#222222' lw 1.5 "
		     "notitle", zo, index, index);
	for (b = 0; b < 3; b++)
		fprintf(out, ", \\\n  $P%zu_%zu using 1:2 with points pt 7 ps 1.3 lc rgb '%s' "
			     "title '%s'", index, b, band_colour[b], band_name[b]);
	fputs("\n", out);
	for (k = 0; k < p->n_points; k++)
		if (isfinite(p->points[k].value) && p->points[k].n > 0)
			fprintf(out, "unset label %zu\n", 100 + k);
}

int promstat_plot_provider_funnel_write(FILE *out, const promstat_provider_funnel *f,
					const promstat_plot_target *t, promstat_error *err)
{
	size_t i;
	int status;

	if (!f || (f->n_panels && !f->panels) || f->n_panels > 2)
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"a provider funnel needs one or two panels");
	for (i = 0; i < f->n_panels; i++)
		if (f->panels[i].n_points && !f->panels[i].points)
			return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"provider funnel points are missing");
	if ((status = ps_gp_begin(out, "provider funnel", t, f->n_panels > 1 ? 1300 : 760, 640,
				  err)) != PROMSTAT_OK)
		return status;
	if (f->n_panels == 0) {
		ps_gp_empty(out, "No provider to draw");
		return ps_gp_end(out, err);
	}
	fprintf(out, "set multiplot layout 1,%zu title ", f->n_panels);
	ps_gp_quote(out, f->title ? f->title : "Providers against their case mix", 140);
	fputs(" font ',13'\n", out);
	if (f->note) {
		fputs("set label 9 ", out);
		ps_gp_quote(out, f->note, 200);
		fputs(" at screen 0.5, screen 0.93 center font ',10'\n", out);
	}
	fputs("set tmargin 5\nset bmargin 6\n", out);
	for (i = 0; i < f->n_panels; i++) {
		draw_panel(out, f, &f->panels[i], i);
		if (i == 0 && f->note)
			fputs("unset label 9\n", out);
	}
	fputs("unset multiplot\n", out);
	return ps_gp_end(out, err);
}
