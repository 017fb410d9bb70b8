/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The charts of promstat mcid: the ROC curve of improvement against the
 * anchor with its Youden point, and the distribution of improvement in
 * each anchor group with the derived thresholds and the published MCID
 * drawn as lines. They draw what they are given.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"
#include "promstat.h"
#include "promstat_plots_mcid.h"

int promstat_plot_roc_write(FILE *out, const promstat_roc_chart *c, const promstat_plot_target *t,
			    promstat_error *err)
{
	int st;
	size_t i;

	if (!c || (c->n_points && (!c->fpr || !c->tpr)))
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "no ROC curve given");
	if ((st = ps_gp_begin(out, "roc", t, 720, 680, err)) != PROMSTAT_OK)
		return st;
	fputs("set title ", out);
	ps_gp_quote(out, c->title ? c->title : "ROC", 90);
	fputs(" font ',13'\n", out);
	if (!c->n_points) {
		ps_gp_empty(out, "Too few improved or not-improved patients for a ROC curve");
		return ps_gp_end(out, err);
	}
	fputs("set xrange [0:1]\nset yrange [0:1]\nset size ratio -1\n", out);
	fputs("set xlabel '1 - specificity (not improved, called improved)'\n", out);
	fputs("set ylabel 'Sensitivity (improved, called improved)'\n", out);
	fputs("set grid lc rgb '#E0E0E0'\nset key bottom right box opaque\n", out);
	fputs("$roc << EOD\n", out);
	for (i = 0; i < c->n_points; i++) {
		if (!isfinite(c->fpr[i]) || !isfinite(c->tpr[i]))
			continue;
		ps_gp_num(out, c->fpr[i]);
		putc(' ', out);
		ps_gp_num(out, c->tpr[i]);
		putc('\n', out);
	}
	fputs("EOD\n", out);
	fputs("plot x with lines dt 2 lc rgb '#999999' title 'no discrimination', \\\n", out);
	fputs("     $roc using 1:2 with lines lw 2.5 lc rgb '#0072B2' title ", out);
	if (isfinite(c->auc_lb) && isfinite(c->auc_ub))
		ps_gp_quotef(out, 90, "AUC %.3f (95%% CI %.3f to %.3f, DeLong); %zu improved, %zu not",
			     c->auc, c->auc_lb, c->auc_ub, c->n_cases, c->n_controls);
	else
		ps_gp_quotef(out, 90, "AUC %.3f; %zu improved, %zu not", c->auc, c->n_cases,
			     c->n_controls);
	if (isfinite(c->best_fpr) && isfinite(c->best_tpr)) {
		fputs(", \\\n     '+' using (", out);
		ps_gp_num(out, c->best_fpr);
		fputs("):(", out);
		ps_gp_num(out, c->best_tpr);
		fputs(") every ::0::0 with points pt 7 ps 1.8 lc rgb '#D55E00' title ", out);
		ps_gp_quotef(out, 90, "Youden: improvement > %g (se %.2f, sp %.2f)", c->threshold,
			     c->best_tpr, 1 - c->best_fpr);
	}
	fputs("\n", out);
	return ps_gp_end(out, err);
}

int promstat_plot_change_write(FILE *out, const promstat_change_chart *c,
			       const promstat_plot_target *t, promstat_error *err)
{
	static const char *const fill[] = { "#009E73", "#999999", "#D55E00" };
	static const char *const line_colour[] = { "#0072B2", "#CC79A7", "#E69F00",
						   "#000000", "#56B4E9", "#F0E442" };
	static const int dash[] = { 1, 2, 4, 3, 5, 1 };
	double lo = INFINITY, hi = -INFINITY, w;
	int whole = 1, st, clauses = 0;
	size_t g, i, total = 0;

	if (!c || c->n_groups > 3 || c->n_lines > 6 || (c->n_groups && !c->groups) ||
	    (c->n_lines && !c->lines))
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "change chart data are incomplete");
	for (g = 0; g < c->n_groups; g++)
		for (i = 0; i < c->groups[g].n; i++) {
			double v = c->groups[g].values[i];

			if (!isfinite(v))
				continue;
			lo = fmin(lo, v);
			hi = fmax(hi, v);
			whole = whole && v == floor(v);
			total++;
		}
	for (i = 0; i < c->n_lines; i++)
		if (isfinite(c->lines[i].value)) {
			lo = fmin(lo, c->lines[i].value);
			hi = fmax(hi, c->lines[i].value);
		}
	if ((st = ps_gp_begin(out, "mcid-change", t, 1000, 600, err)) != PROMSTAT_OK)
		return st;
	fputs("set title ", out);
	ps_gp_quote(out, c->title ? c->title : "Improvement by anchor group", 110);
	fputs(" font ',13'\n", out);
	if (!total) {
		ps_gp_empty(out, "No improvements to draw");
		return ps_gp_end(out, err);
	}
	/* presentation only: bins of one point on a whole-number scale */
	w = whole && hi - lo <= 30 ? 1 : (hi > lo ? (hi - lo) / 30 : 1);
	fputs("set xlabel ", out);
	ps_gp_quote(out, c->unit ? c->unit : "Improvement", 80);
	fputs("\nset ylabel 'Share of the group (%)'\nset grid ytics lc rgb '#E0E0E0'\n", out);
	fputs("set xrange [", out);
	ps_gp_num(out, lo - w);
	putc(':', out);
	ps_gp_num(out, hi + w);
	fputs("]\nset yrange [0:*]\nset offsets 0, 0, graph 0.3, 0\nset key top left box opaque\n", out);
	fputs("bw = ", out);
	ps_gp_num(out, w);
	fputs("\nbin(x) = bw * floor(x / bw + 0.5)\nset boxwidth bw * 0.9 absolute\n", out);
	for (g = 0; g < c->n_groups; g++) {
		fprintf(out, "$g%zu << EOD\n", g);
		for (i = 0; i < c->groups[g].n; i++)
			if (isfinite(c->groups[g].values[i])) {
				ps_gp_num(out, c->groups[g].values[i]);
				putc('\n', out);
			}
		fputs("EOD\n", out);
	}
	for (i = 0; i < c->n_lines; i++) {
		if (!isfinite(c->lines[i].value))
			continue;
		fprintf(out, "set arrow %zu from first ", i + 1);
		ps_gp_num(out, c->lines[i].value);
		fputs(", graph 0 to first ", out);
		ps_gp_num(out, c->lines[i].value);
		fprintf(out, ", graph 1 nohead lw 2 dt %d lc rgb '%s' front\n", dash[i], line_colour[i]);
	}
	fputs("plot ", out);
	for (g = 0; g < c->n_groups; g++) {
		if (!c->groups[g].n)
			continue;
		fprintf(out, "%s$g%zu using (bin($1)):(100.0 / %zu) smooth frequency with boxes "
			     "fs transparent solid 0.45 noborder lc rgb '%s' title ",
			clauses++ ? ", \\\n     " : "", g, c->groups[g].n, fill[g]);
		ps_gp_quotef(out, 70, "%s (n = %zu)", c->groups[g].label ? c->groups[g].label : "",
			     c->groups[g].n);
	}
	for (i = 0; i < c->n_lines; i++) {
		if (!isfinite(c->lines[i].value))
			continue;
		fprintf(out, "%skeyentry with lines lw 2 dt %d lc rgb '%s' title ",
			clauses++ ? ", \\\n     " : "", dash[i], line_colour[i]);
		ps_gp_quote(out, c->lines[i].label, 70);
	}
	if (!clauses)
		fputs("NaN notitle", out);
	fputs("\n", out);
	return ps_gp_end(out, err);
}
