/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The charts of promstat mcid (ROC and change by anchor group, per
 * timepoint, all units) and of audit --durability (Kaplan-Meier per
 * therapy, a panel per age band). Engine results are only selected and
 * relabelled here; every number comes from the engine.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "term.h"
#include "outputs.h"
#include "cli_mcid.h"
#include "plot_cli.h"
#include "promstat_plots_mcid.h"

static const char *extension(enum promstat_plot_format f)
{
	return f == PROMSTAT_PLOT_DUMB ? "txt" : promstat_plot_format_name(f);
}

static int make_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0 && mkdir(dir, 0777) != 0) {
		cli_term_printf(stderr, "promstat: %s: cannot create the chart folder: %s\n", dir,
			strerror(errno));
		return EXIT_CANTCREAT;
	}
	return EXIT_OK;
}

/* Checks the chart files about to be drawn against the run's other files
 * (outputs.h): none may be an input, nor another output. */
static int check_paths(const cli_plot_opts *o, const char *cmd, char (*paths)[4096], size_t n)
{
	const char **list;
	size_t i;
	int rc;

	if (!o->paths || !n)
		return EXIT_OK;
	if (!(list = calloc(n, sizeof *list))) {
		fputs("promstat: out of memory\n", stderr);
		return EXIT_SOFTWARE;
	}
	for (i = 0; i < n; i++)
		list[i] = paths[i];
	rc = cli_paths_check(o->paths, cmd, "--plots", list, n);
	free(list);
	return rc;
}

static long by_column(const promstat_audit *a, const char *name)
{
	for (size_t j = 0; j < promstat_audit_n_by(a); j++)
		if (!strcmp(promstat_audit_by_name(a, j), name))
			return (long)j;
	return -1;
}

static int emit_roc(FILE *out, const void *ctx, const promstat_plot_target *t, promstat_error *err)
{
	return promstat_plot_roc_write(out, ctx, t, err);
}

static int emit_change(FILE *out, const void *ctx, const promstat_plot_target *t,
		       promstat_error *err)
{
	return promstat_plot_change_write(out, ctx, t, err);
}

static int emit_durability(FILE *out, const void *ctx, const promstat_plot_target *t,
			   promstat_error *err)
{
	const void *const *c = ctx;
	return promstat_plot_durability_write(out, c[0], c[1], t, err);
}

int cli_mcid_plots(const cli_plot_opts *o, const promstat_mcid *m)
{
	enum promstat_plot_format fmt = o->have_format ? o->format : PROMSTAT_PLOT_SVG;
	const promstat_audit *a = promstat_mcid_audit(m);
	const promstat_mcid_options *mo = promstat_mcid_options_used(m);
	size_t i, j, k, nb = promstat_audit_n_by(a);
	int rc, first = 1;
	char path[4096], code[CLI_CHART_CODE_MAX + 1], title[256];
	char lab[4][96], glab[3][96];

	{
		/* every chart's file, checked before the first is drawn */
		char (*names)[4096] = calloc(2 * promstat_mcid_count(m) + 1, sizeof *names);
		size_t nn = 0;

		if (!names) {
			fputs("promstat: out of memory\n", stderr);
			return EXIT_SOFTWARE;
		}
		for (i = 0; i < promstat_mcid_count(m); i++) {
			const promstat_mcid_cell *c = promstat_mcid_get(m, i);
			int all = 1;

			for (j = 0; j < nb; j++)
				all = all && !strcmp(c->levels[j], PROMSTAT_AUDIT_ALL);
			if (!all)
				continue;
			cli_chart_code(promstat_audit_instrument(a, c->instrument)->code, code);
			snprintf(names[nn++], sizeof *names, "%s/mcid-roc-%s-%d.%s", o->dir, code, c->day,
				 extension(fmt));
			snprintf(names[nn++], sizeof *names, "%s/mcid-change-%s-%d.%s", o->dir, code,
				 c->day, extension(fmt));
		}
		rc = check_paths(o, "mcid", names, nn);
		free(names);
		if (rc != EXIT_OK)
			return rc;
	}
	if ((rc = make_dir(o->dir)) != EXIT_OK)
		return rc;
	for (i = 0; i < promstat_mcid_count(m) && rc == EXIT_OK; i++) {
		const promstat_mcid_cell *c = promstat_mcid_get(m, i);
		const promstat_instrument *ins = promstat_audit_instrument(a, c->instrument);
		promstat_roc_chart rc_ = { 0 };
		promstat_change_chart ch = { 0 };
		promstat_change_group groups[3];
		promstat_change_line lines[4];
		double *fpr = NULL, *tpr = NULL, *gv[3] = { NULL, NULL, NULL };
		size_t gn[3] = { 0, 0, 0 };
		int all = 1;

		for (j = 0; j < nb; j++)
			all = all && !strcmp(c->levels[j], PROMSTAT_AUDIT_ALL);
		if (!all)
			continue;
		cli_chart_code(ins->code, code);
		/* the ROC curve */
		if (c->roc) {
			fpr = malloc((c->roc->n_points + 1) * sizeof *fpr);
			tpr = malloc((c->roc->n_points + 1) * sizeof *tpr);
			if (!fpr || !tpr) {
				free(fpr);
				free(tpr);
				fputs("promstat: out of memory\n", stderr);
				return EXIT_SOFTWARE;
			}
			for (k = 0; k < c->roc->n_points; k++) {
				fpr[k] = 1 - c->roc->points[k].specificity;
				tpr[k] = c->roc->points[k].sensitivity;
			}
			rc_.fpr = fpr;
			rc_.tpr = tpr;
			rc_.n_points = c->roc->n_points;
			rc_.best_fpr = isnan(c->roc_threshold) ? NAN : 1 - c->specificity;
			rc_.best_tpr = isnan(c->roc_threshold) ? NAN : c->sensitivity;
			rc_.threshold = c->roc_threshold;
			rc_.auc = c->auc;
			rc_.auc_lb = c->auc_ci_lb;
			rc_.auc_ub = c->auc_ci_ub;
			rc_.n_cases = c->roc->n_cases;
			rc_.n_controls = c->roc->n_controls;
		}
		snprintf(title, sizeof title, "%s at day %d: improvement against the anchor (all units)",
			 ins->code, c->day);
		rc_.title = title;
		snprintf(path, sizeof path, "%s/mcid-roc-%s-%d.%s", o->dir, code, c->day, extension(fmt));
		rc = cli_plot_draw(o, "ROC chart", path, fmt, emit_roc, &rc_, &first);
		free(fpr);
		free(tpr);
		if (rc != EXIT_OK)
			break;
		cli_term_printf(stderr, "promstat: wrote %s\n", path);

		/* improvement by anchor group */
		for (k = 0; k < 3; k++) {
			gv[k] = malloc((c->n + 1) * sizeof **gv);
			if (!gv[k]) {
				for (j = 0; j < k; j++)
					free(gv[j]);
				fputs("promstat: out of memory\n", stderr);
				return EXIT_SOFTWARE;
			}
		}
		for (k = 0; k < c->n; k++) {
			int g = c->group[k] == PROMSTAT_MCID_IMPROVED ? 0
				: c->group[k] == PROMSTAT_MCID_STABLE ? 1 : 2;
			gv[g][gn[g]++] = c->improvement[k];
		}
		snprintf(glab[0], sizeof glab[0], "improved (anchor >= %g)", mo->anchor_improved);
		snprintf(glab[1], sizeof glab[1], "stable (|anchor| <= %g)", mo->anchor_stable);
		snprintf(glab[2], sizeof glab[2], "other (not improved, not stable)");
		for (k = 0; k < 3; k++) {
			groups[k].label = glab[k];
			groups[k].values = gv[k];
			groups[k].n = gn[k];
		}
		snprintf(lab[0], sizeof lab[0], "ROC threshold %.3g", c->roc_threshold);
		snprintf(lab[1], sizeof lab[1], "predictive MIC %.3g", c->mic_predictive);
		snprintf(lab[2], sizeof lab[2], "adjusted MIC %.3g", c->mic_adjusted);
		snprintf(lab[3], sizeof lab[3], "published MCID %g", ins->mcid);
		lines[0].label = lab[0];
		lines[0].value = c->roc_threshold;
		lines[1].label = lab[1];
		lines[1].value = c->mic_predictive;
		lines[2].label = lab[2];
		lines[2].value = c->mic_adjusted;
		lines[3].label = lab[3];
		lines[3].value = ins->mcid;
		snprintf(title, sizeof title, "%s at day %d: improvement by the patient's rating (all units)",
			 ins->code, c->day);
		ch.title = title;
		ch.unit = "Improvement from baseline (points; positive = better)";
		ch.groups = groups;
		ch.n_groups = 3;
		ch.lines = lines;
		ch.n_lines = 4;
		snprintf(path, sizeof path, "%s/mcid-change-%s-%d.%s", o->dir, code, c->day,
			 extension(fmt));
		rc = cli_plot_draw(o, "change chart", path, fmt, emit_change, &ch, &first);
		for (k = 0; k < 3; k++)
			free(gv[k]);
		if (rc == EXIT_OK)
			cli_term_printf(stderr, "promstat: wrote %s\n", path);
	}
	return rc;
}

int cli_durability_plots(const cli_plot_opts *o, const promstat_durability *d,
			 const promstat_audit *a)
{
	enum promstat_plot_format fmt = o->have_format ? o->format : PROMSTAT_PLOT_SVG;
	long tcol = by_column(a, "therapy"), bcol = by_column(a, "age_band");
	size_t nb = promstat_audit_n_by(a), ntp = promstat_audit_n_timepoints(a);
	size_t nd = promstat_durability_count(d), n_ther, n_band, in, i, j, k;
	size_t min_n = promstat_audit_options_used(a)->min_n, n_small;
	const char **panel_bands = NULL;
	char note[320];
	const char **therapies = NULL, **bands = NULL;
	promstat_durability_curve *curves = NULL;
	double *ticks = NULL, *buf = NULL;
	size_t *risk = NULL;
	promstat_plot_palette pal;
	/* drawn after the audit's own charts: a saved --gnuplot-script is
	 * appended to, not started afresh */
	int rc = EXIT_OK, first = 0;
	char path[4096], code[CLI_CHART_CODE_MAX + 1], title[256];

	if (!nd)
		return EXIT_OK;
	{
		char (*names)[4096] = calloc(promstat_audit_n_instruments(a) + 1, sizeof *names);
		size_t nn = 0;

		if (!names) {
			fputs("promstat: out of memory\n", stderr);
			return EXIT_SOFTWARE;
		}
		for (in = 0; in < promstat_audit_n_instruments(a); in++) {
			for (i = 0; i < nd && promstat_durability_get(d, i)->instrument != in; i++)
				;
			if (i == nd)
				continue;
			cli_chart_code(promstat_audit_instrument(a, in)->code, code);
			snprintf(names[nn++], sizeof *names, "%s/durability-%s.%s", o->dir, code,
				 extension(fmt));
		}
		rc = check_paths(o, "audit", names, nn);
		free(names);
		if (rc != EXIT_OK)
			return rc;
	}
	if ((rc = make_dir(o->dir)) != EXIT_OK)
		return rc;
	n_ther = tcol >= 0 ? promstat_audit_n_levels(a, (size_t)tcol) : 0;
	n_band = bcol >= 0 ? promstat_audit_n_levels(a, (size_t)bcol) : 0;
	therapies = calloc(n_ther + 1, sizeof *therapies);
	bands = calloc(n_band + 1, sizeof *bands);
	panel_bands = calloc(n_band + 1, sizeof *panel_bands);
	curves = calloc(nd + 1, sizeof *curves);
	ticks = calloc(ntp + 1, sizeof *ticks);
	risk = calloc((nd + 1) * (ntp + 1), sizeof *risk);
	buf = NULL;
	if (!therapies || !bands || !panel_bands || !curves || !ticks || !risk) {
		fputs("promstat: out of memory\n", stderr);
		rc = EXIT_SOFTWARE;
		goto done;
	}
	for (i = 0; i < n_ther; i++)
		therapies[i] = promstat_audit_level(a, (size_t)tcol, i);
	for (i = 0; i < n_band; i++)
		bands[i] = promstat_audit_level(a, (size_t)bcol, i);
	pal.therapies = therapies;
	pal.n_therapies = n_ther;
	ticks[0] = 0;
	for (i = 0; i < ntp; i++)
		ticks[i + 1] = promstat_audit_timepoint_get(a, i).day;
	for (in = 0; in < promstat_audit_n_instruments(a) && rc == EXIT_OK; in++) {
		promstat_durability_chart ch = { 0 };
		const void *ctx[2];
		size_t nc = 0, total = 0;

		/* a curve per cell with a real therapy (and age band) and every other
		 * --by column ALL */
		for (i = 0; i < nd; i++) {
			const promstat_durability_cell *c = promstat_durability_get(d, i);
			int ok = c->instrument == in;

			for (j = 0; j < nb && ok; j++) {
				int is_all = !strcmp(c->levels[j], PROMSTAT_AUDIT_ALL);

				ok = ((long)j == tcol || (long)j == bcol) ? !is_all : is_all;
			}
			/* as the audit's charts: a cell under --min-n is a count, not a curve */
			if (!ok || c->n_responders < min_n)
				continue;
			total += c->km->n_steps * 4;
		}
		free(buf);
		buf = malloc((total + 1) * sizeof *buf);
		if (!buf) {
			fputs("promstat: out of memory\n", stderr);
			rc = EXIT_SOFTWARE;
			break;
		}
		total = 0;
		for (i = 0; i < nd; i++) {
			const promstat_durability_cell *c = promstat_durability_get(d, i);
			promstat_durability_curve *cu = &curves[nc];
			double *tm, *sv, *ct, *cs;
			size_t nsteps = c->km->n_steps, ncens = 0;
			int ok = c->instrument == in;

			for (j = 0; j < nb && ok; j++) {
				int is_all = !strcmp(c->levels[j], PROMSTAT_AUDIT_ALL);

				ok = ((long)j == tcol || (long)j == bcol) ? !is_all : is_all;
			}
			if (!ok || c->n_responders < min_n)
				continue;
			tm = buf + total;
			sv = tm + nsteps;
			ct = sv + nsteps;
			cs = ct + nsteps;
			total += 4 * nsteps;
			for (k = 0; k < nsteps; k++) {
				tm[k] = c->km->steps[k].time;
				sv[k] = c->km->steps[k].surv;
				if (c->km->steps[k].n_censor) {
					ct[ncens] = tm[k];
					cs[ncens] = sv[k];
					ncens++;
				}
			}
			cu->therapy = tcol >= 0 ? c->levels[tcol] : "All patients";
			cu->age_band = bcol >= 0 ? c->levels[bcol] : NULL;
			cu->time = tm;
			cu->surv = sv;
			cu->n_steps = nsteps;
			cu->censor_time = ct;
			cu->censor_surv = cs;
			cu->n_censor = ncens;
			risk[nc * (ntp + 1)] = c->n_responders;
			for (k = 0; k < ntp; k++)
				risk[nc * (ntp + 1) + k + 1] = c->n_risk[k];
			cu->n_risk = risk + nc * (ntp + 1);
			nc++;
		}
		if (!nc)
			continue;
		/* a panel per age band that kept a curve */
		{
			size_t np = 0, q;

			for (q = 0; q < n_band; q++)
				for (k = 0; k < nc; k++)
					if (curves[k].age_band && !strcmp(curves[k].age_band, bands[q])) {
						panel_bands[np++] = bands[q];
						break;
					}
			ch.age_bands = panel_bands;
			ch.n_age_bands = np;
		}
		n_small = 0;
		for (i = 0; i < nd; i++) {
			const promstat_durability_cell *c = promstat_durability_get(d, i);
			int ok = c->instrument == in;

			for (j = 0; j < nb && ok; j++) {
				int is_all = !strcmp(c->levels[j], PROMSTAT_AUDIT_ALL);

				ok = ((long)j == tcol || (long)j == bcol) ? !is_all : is_all;
			}
			n_small += ok && c->n_responders < min_n;
		}
		snprintf(title, sizeof title, "%s: how long a response lasts (Kaplan-Meier, responders only)",
			 promstat_audit_instrument(a, in)->code);
		ch.title = title;
		ch.ticks = ticks;
		ch.n_ticks = ntp + 1;
		ch.curves = curves;
		ch.n_curves = nc;
		snprintf(note, sizeof note,
			 "Loss of response is only seen at visits (interval-censored), so each curve steps "
			 "at a visit day; + marks a responder still responding at its last visit.%s",
			 n_small ? "\nCurves resting on fewer than --min-n responders are left out." : "");
		(void)n_small;
		ch.note = note;
		ctx[0] = &ch;
		ctx[1] = &pal;
		cli_chart_code(promstat_audit_instrument(a, in)->code, code);
		snprintf(path, sizeof path, "%s/durability-%s.%s", o->dir, code, extension(fmt));
		if ((rc = cli_plot_draw(o, "durability chart", path, fmt, emit_durability, ctx,
					&first)) == EXIT_OK) {
			if (o->on_chart)
				rc = o->on_chart(o->on_chart_ctx, "durability", in, 0, path);
			else
				cli_term_printf(stderr, "promstat: wrote %s\n", path);
		}
	}
done:
	free(therapies);
	free(bands);
	free(panel_bands);
	free(curves);
	free(ticks);
	free(risk);
	free(buf);
	return rc;
}
