/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Funnel plot: each study's effect against its standard error, the most
 * precise at the top (inverted axis), a pseudo-95% confidence triangle
 * around the pooled estimate, and contour-enhanced shading of where a study
 * would be significant at p < .10, .05 and .01 against no effect (Peters et
 * al. 2008, J Clin Epidemiol 61:991; metafor's funnel(level=c(90,95,99))).
 * Studies added by trim and fill are drawn hollow.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"
#include "promstat.h"

/* Two-sided normal quantiles for p = .10, .05, .01. */
static const double z90 = 1.6448536269514722, z95 = 1.959963984540054,
		    z99 = 2.5758293035489004;

/* A wedge between |x| = za*se and |x| = zb*se on one side (sign) of zero. */
static void wedge(FILE *out, double sign, double za, double zb, double semax, const char *colour)
{
	fputs("set object polygon from 0,0 to ", out);
	ps_gp_num(out, sign * za * semax);
	fputs(",", out);
	ps_gp_num(out, semax);
	fputs(" to ", out);
	ps_gp_num(out, sign * zb * semax);
	fputs(",", out);
	ps_gp_num(out, semax);
	fprintf(out, " to 0,0 back fillcolor rgb '%s' fillstyle solid 1.0 noborder\n", colour);
}

/*
 * Everything beyond |x| = z*se on one side, out to the axis edge: a
 * quadrilateral, or a triangle when the line leaves through the edge
 * before the bottom (a crossed polygon would be filled wrongly).
 */
static void beyond(FILE *out, double z, double edge, double semax, const char *colour)
{
	double sign = edge < 0 ? -1 : 1;

	fputs("set object polygon from 0,0 to ", out);
	if (z * semax < fabs(edge)) {
		ps_gp_num(out, sign * z * semax);
		fputs(",", out);
		ps_gp_num(out, semax);
		fputs(" to ", out);
	}
	ps_gp_num(out, edge);
	fputs(",", out);
	ps_gp_num(out, z * semax < fabs(edge) ? semax : fabs(edge) / z);
	fputs(" to ", out);
	ps_gp_num(out, edge);
	fprintf(out, ",0 to 0,0 back fillcolor rgb '%s' fillstyle solid 1.0 noborder\n", colour);
}

int promstat_plot_funnel_write(FILE *out, const promstat_funnel *f,
			       const promstat_plot_target *t, promstat_error *err)
{
	double semax = 0, lo = 0, hi = 0;
	size_t k = 0, k_imputed = 0;
	int status;

	if (!f)
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "no funnel plot data given");
	if (f->n_points && !f->points)
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "funnel plot points are missing");
	for (size_t i = 0; i < f->n_points; i++) {
		const promstat_funnel_point *p = &f->points[i];
		if (!isfinite(p->yi) || !isfinite(p->sei) || p->sei <= 0)
			continue;
		if (p->imputed)
			k_imputed++;
		else
			k++;
		if (p->sei > semax)
			semax = p->sei;
		if (k + k_imputed == 1)
			lo = hi = p->yi;
		if (p->yi < lo)
			lo = p->yi;
		if (p->yi > hi)
			hi = p->yi;
	}

	if ((status = ps_gp_begin(out, "funnel", t, 900, 620, err)) != PROMSTAT_OK)
		return status;
	fputs("set title ", out);
	if (f->title)
		ps_gp_quote(out, f->title, 110);
	else if (k_imputed)
		ps_gp_quotef(out, 110, "Funnel plot (k = %zu studies, %zu imputed by trim and fill)", k,
			     k_imputed);
	else
		ps_gp_quotef(out, 110, "Funnel plot (k = %zu studies)", k);
	fputs("\n", out);
	if (k + k_imputed == 0) {
		ps_gp_empty(out, "No studies with a standard error to draw");
		return ps_gp_end(out, err);
	}

	semax *= 1.08;
	if (isfinite(f->pooled)) {
		if (f->pooled - z95 * semax < lo)
			lo = f->pooled - z95 * semax;
		if (f->pooled + z95 * semax > hi)
			hi = f->pooled + z95 * semax;
	}
	if (f->contours) {
		if (-z95 * semax < lo)
			lo = -z95 * semax;
		if (z95 * semax > hi)
			hi = z95 * semax;
	}
	if (!(hi > lo)) {
		lo -= 1;
		hi += 1;
	}
	double pad = 0.04 * (hi - lo);
	lo -= pad;
	hi += pad;

	fputs("set xrange [", out);
	ps_gp_num(out, lo);
	fputs(":", out);
	ps_gp_num(out, hi);
	fputs("]\nset yrange [", out);
	ps_gp_num(out, semax);
	fputs(":0]\n", out);
	if (f->log_scale)
		ps_gp_ratio_tics(out, "x", lo, hi);
	fputs("set xlabel ", out);
	if (f->log_scale)
		ps_gp_quotef(out, 110, "%s (log scale)", f->axis_label ? f->axis_label : "Ratio");
	else
		ps_gp_quote(out, f->axis_label ? f->axis_label : "Effect size", 110);
	fputs("\nset ylabel 'Standard error'\n", out);
	fputs("set rmargin at screen 0.68\n", out);
	fputs("set key at screen 0.70, graph 1 top left Left reverse samplen 2 spacing 1.3\n", out);

	if (f->contours) {
		/* Shade from the outside in; lighter means further from p = 1. */
		/* The axis includes +-1.96 se at the bottom, so both edges lie beyond zero. */
		beyond(out, z99, hi, semax, "#E3E3E3");
		beyond(out, z99, lo, semax, "#E3E3E3");
		wedge(out, 1, z95, z99, semax, "#C4C4C4");
		wedge(out, -1, z95, z99, semax, "#C4C4C4");
		wedge(out, 1, z90, z95, semax, "#A3A3A3");
		wedge(out, -1, z90, z95, semax, "#A3A3A3");
	}
	fputs("set arrow from first 0, graph 0 to first 0, graph 1 nohead lc rgb '#777777' back\n",
	      out);

	/* The pseudo-95% region: estimate +- 1.96 se at every se. */
	if (isfinite(f->pooled)) {
		fputs("$triangle << EOD\n", out);
		ps_gp_num(out, f->pooled - z95 * semax);
		putc(' ', out);
		ps_gp_num(out, semax);
		fputs("\n", out);
		ps_gp_num(out, f->pooled);
		fputs(" 0\n", out);
		ps_gp_num(out, f->pooled + z95 * semax);
		putc(' ', out);
		ps_gp_num(out, semax);
		fputs("\n\n", out);
		ps_gp_num(out, f->pooled);
		fputs(" 0\n", out);
		ps_gp_num(out, f->pooled);
		putc(' ', out);
		ps_gp_num(out, semax);
		fputs("\nEOD\n", out);
	}
	if (isfinite(f->pooled_filled)) {
		fputs("$filled << EOD\n", out);
		ps_gp_num(out, f->pooled_filled);
		fputs(" 0\n", out);
		ps_gp_num(out, f->pooled_filled);
		putc(' ', out);
		ps_gp_num(out, semax);
		fputs("\nEOD\n", out);
	}
	for (int imputed = 0; imputed <= 1; imputed++) {
		fprintf(out, "$%s << EOD\n", imputed ? "imputed" : "observed");
		for (size_t i = 0; i < f->n_points; i++) {
			const promstat_funnel_point *p = &f->points[i];
			if (!isfinite(p->yi) || !isfinite(p->sei) || p->sei <= 0 ||
			    (p->imputed != 0) != imputed)
				continue;
			ps_gp_num(out, p->yi);
			putc(' ', out);
			ps_gp_num(out, p->sei);
			putc('\n', out);
		}
		fputs("EOD\n", out);
	}

	/* Key entries for the shading come first, then what is drawn on top. */
	fputs("plot ", out);
	if (f->contours)
		fputs("keyentry with boxes fc rgb '#A3A3A3' fs solid 1.0 border lc rgb '#777777' title '0.05 < p < 0.10', \\\n"
		      "     keyentry with boxes fc rgb '#C4C4C4' fs solid 1.0 border lc rgb '#777777' title '0.01 < p < 0.05', \\\n"
		      "     keyentry with boxes fc rgb '#E3E3E3' fs solid 1.0 border lc rgb '#777777' title 'p < 0.01', \\\n     ",
		      out);
	if (isfinite(f->pooled))
		fputs("$triangle using 1:2 with lines dt 2 lc rgb '#222222' lw 1.2 "
		      "title 'Pooled estimate, pseudo 95% CI', \\\n     ", out);
	if (isfinite(f->pooled_filled))
		fputs("$filled using 1:2 with lines dt 3 lc rgb '#D55E00' lw 1.5 "
		      "title 'Estimate after trim and fill', \\\n     ", out);
	if (k_imputed)
		fputs("$imputed using 1:2 with points pt 6 ps 1.3 lc rgb '#222222' "
		      "title 'Imputed by trim and fill', \\\n     ", out);
	if (k)
		fputs("$observed using 1:2 with points pt 7 ps 1.3 lc rgb '#0072B2' title 'Study'\n", out);
	else
		fputs("NaN notitle\n", out);
	return ps_gp_end(out, err);
}
