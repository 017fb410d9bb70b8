/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The audit charts (promstat audit --plots DIR): per instrument a
 * trajectory of mean improvement and a responder chart per timepoint, and
 * one follow-up completeness chart with a panel per instrument. Engine results are only selected and
 * relabelled here; every number comes from promstat_audit_run().
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "plot_cli.h"

/* What the audit's strata look like: which --by column is which. */
typedef struct strata {
	const struct promstat_audit *a;
	long therapy, age;	   /* --by column index, -1 when absent */
	const char **therapies;	   /* levels, in the audit's order */
	size_t n_therapies;
	const char **ages;
	size_t n_ages;
	char (*tp_labels)[32];
	const char **tps;
	size_t n_tps;
} strata;

static long by_column(const struct promstat_audit *a, const char *name)
{
	for (size_t j = 0; j < promstat_audit_n_by(a); j++)
		if (!strcmp(promstat_audit_by_name(a, j), name))
			return (long)j;
	return -1;
}

/* "6 weeks", "3 months", "12 months": how clinics name follow-up points. */
static void timepoint_label(int day, char *buf, size_t size)
{
	if (day > 0 && day % 7 == 0 && day < 84)
		snprintf(buf, size, "%d weeks", day / 7);
	else if (day >= 28)
		snprintf(buf, size, "%.0f months", floor(day / 30.4375 + 0.5));
	else
		snprintf(buf, size, "day %d", day);
}

/*
 * A result is a cell of the chart when its therapy and age band are real
 * levels (or the column is absent) and every other --by column is ALL.
 */
static int cell(const strata *s, const promstat_audit_result *r, int want_age)
{
	for (size_t j = 0; j < promstat_audit_n_by(s->a); j++) {
		int is_all = r->level_index[j] < 0;
		if ((long)j == s->therapy || ((long)j == s->age && want_age)) {
			if (is_all)
				return 0;
		} else if (!is_all) {
			return 0;
		}
	}
	return 1;
}

static const char *therapy_of(const strata *s, const promstat_audit_result *r)
{
	return s->therapy >= 0 ? r->levels[s->therapy] : "All patients";
}

static const char *age_of(const strata *s, const promstat_audit_result *r)
{
	return s->age >= 0 ? r->levels[s->age] : NULL;
}

/* A file name from an instrument code: letters, digits, - _ . only. */
static void safe_name(const char *code, char *buf, size_t size)
{
	size_t n = 0;

	for (; *code && n + 1 < size; code++) {
		char c = *code;
		int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			 c == '-' || c == '_' || (c == '.' && n > 0);
		buf[n++] = ok ? c : '_';
	}
	buf[n] = '\0';
	if (n == 0)
		snprintf(buf, size, "instrument");
}

static int emit_trajectory(FILE *out, const void *ctx, const promstat_plot_target *t,
			   promstat_error *err)
{
	const void *const *c = ctx;
	return promstat_plot_trajectory_write(out, c[0], c[1], t, err);
}

static int emit_responders(FILE *out, const void *ctx, const promstat_plot_target *t,
			   promstat_error *err)
{
	const void *const *c = ctx;
	return promstat_plot_responders_write(out, c[0], c[1], t, err);
}

static int emit_followup(FILE *out, const void *ctx, const promstat_plot_target *t,
			 promstat_error *err)
{
	const void *const *c = ctx;
	return promstat_plot_followup_write(out, c[0], c[1], t, err);
}

static const char *extension(enum promstat_plot_format f)
{
	return f == PROMSTAT_PLOT_DUMB ? "txt" : promstat_plot_format_name(f);
}

int cli_audit_plots(const cli_plot_opts *o, const struct promstat_audit *a)
{
	enum promstat_plot_format fmt = o->have_format ? o->format : PROMSTAT_PLOT_SVG;
	size_t nres = promstat_audit_count(a), n_instr = promstat_audit_n_instruments(a);
	promstat_trajectory_point *tpts = NULL;
	promstat_responders_bar *rbars = NULL;
	promstat_followup_bar *fbars = NULL;
	const char **instr_names = NULL;
	char (*instr_titles)[160] = NULL;
	promstat_plot_palette pal;
	strata s;
	char path[4096], title[256], code[128];
	int rc = EXIT_OK, first = 1;
	struct stat st;

	if (!o->dir)
		return EXIT_OK;
	if (stat(o->dir, &st) != 0 && mkdir(o->dir, 0777) != 0) {
		fprintf(stderr, "promstat: %s: cannot create the chart folder: %s\n", o->dir,
			strerror(errno));
		return EXIT_CANTCREAT;
	}
	memset(&s, 0, sizeof s);
	s.a = a;
	s.therapy = by_column(a, "therapy");
	s.age = by_column(a, "age_band");
	s.n_therapies = s.therapy >= 0 ? promstat_audit_n_levels(a, (size_t)s.therapy) : 0;
	s.n_ages = s.age >= 0 ? promstat_audit_n_levels(a, (size_t)s.age) : 0;
	s.n_tps = promstat_audit_n_timepoints(a);
	s.therapies = calloc(s.n_therapies + 2, sizeof *s.therapies);
	s.ages = calloc(s.n_ages + 1, sizeof *s.ages);
	s.tp_labels = calloc(s.n_tps + 1, sizeof *s.tp_labels);
	s.tps = calloc(s.n_tps + 1, sizeof *s.tps);
	tpts = calloc(nres + 1, sizeof *tpts);
	rbars = calloc(nres + 1, sizeof *rbars);
	fbars = calloc(nres + 1, sizeof *fbars);
	if (!s.therapies || !s.ages || !s.tp_labels || !s.tps || !tpts || !rbars || !fbars) {
		fputs("promstat: out of memory\n", stderr);
		rc = EXIT_SOFTWARE;
		goto done;
	}
	for (size_t i = 0; i < s.n_therapies; i++)
		s.therapies[i] = promstat_audit_level(a, (size_t)s.therapy, i);
	if (s.therapy < 0)
		s.therapies[s.n_therapies++] = "All patients";
	for (size_t i = 0; i < s.n_ages; i++)
		s.ages[i] = promstat_audit_level(a, (size_t)s.age, i);
	for (size_t i = 0; i < s.n_tps; i++) {
		timepoint_label(promstat_audit_timepoint_get(a, i).day, s.tp_labels[i],
				sizeof s.tp_labels[i]);
		s.tps[i] = s.tp_labels[i];
	}
	/* One colour per therapy for every chart of the run. */
	pal.therapies = s.therapies;
	pal.n_therapies = s.n_therapies;

	for (size_t in = 0; in < n_instr && rc == EXIT_OK; in++) {
		const promstat_instrument *ins = promstat_audit_instrument(a, in);
		double mcid = promstat_audit_mcid(a, in);
		size_t nt = 0;
		promstat_trajectory tr;
		const void *ctx[2];

		safe_name(ins->code, code, sizeof code);
		for (size_t i = 0; i < nres; i++) {
			const promstat_audit_result *r = promstat_audit_get(a, i);
			if (r->instrument != in || !cell(&s, r, 1) || r->n_followup == 0)
				continue;
			tpts[nt].therapy = therapy_of(&s, r);
			tpts[nt].age_band = age_of(&s, r);
			tpts[nt].timepoint = r->timepoint;
			tpts[nt].mean = r->mean_improvement;
			tpts[nt].ci_lb = r->improvement_ci_lb;
			tpts[nt].ci_ub = r->improvement_ci_ub;
			tpts[nt].n = r->n_followup;
			nt++;
		}
		memset(&tr, 0, sizeof tr);
		snprintf(title, sizeof title, "%s (%s): mean improvement from baseline", ins->code,
			 ins->label);
		tr.title = title;
		tr.instrument = ins->code;
		tr.unit = "points";
		tr.timepoints = s.tps;
		tr.n_timepoints = s.n_tps;
		tr.age_bands = s.ages;
		tr.n_age_bands = s.n_ages;
		tr.points = tpts;
		tr.n_points = nt;
		tr.mcid = mcid;
		ctx[0] = &tr;
		ctx[1] = &pal;
		snprintf(path, sizeof path, "%s/trajectory-%s.%s", o->dir, code, extension(fmt));
		if ((rc = cli_plot_draw(o, "trajectory chart", path, fmt, emit_trajectory, ctx,
					&first)) != EXIT_OK)
			break;
		fprintf(stderr, "promstat: wrote %s\n", path);

		if (!isfinite(mcid))
			continue; /* no MCID, no responders */
		for (size_t tp = 0; tp < s.n_tps && rc == EXIT_OK; tp++) {
			promstat_responders re;
			size_t nb = 0;
			for (size_t i = 0; i < nres; i++) {
				const promstat_audit_result *r = promstat_audit_get(a, i);
				if (r->instrument != in || r->timepoint != tp || !cell(&s, r, 1))
					continue;
				rbars[nb].therapy = therapy_of(&s, r);
				rbars[nb].age_band = age_of(&s, r);
				rbars[nb].rate = r->n_followup ? r->mcid_rate : NAN;
				rbars[nb].ci_lb = r->mcid_ci_lb;
				rbars[nb].ci_ub = r->mcid_ci_ub;
				rbars[nb].n = r->n_followup;
				nb++;
			}
			if (nb == 0)
				continue;
			memset(&re, 0, sizeof re);
			snprintf(title, sizeof title,
				 "%s at %s: patients improving by at least the MCID (%g points)",
				 ins->code, s.tps[tp], mcid);
			re.title = title;
			re.instrument = ins->code;
			re.timepoint = s.tps[tp];
			re.mcid = mcid;
			re.age_bands = s.ages;
			re.n_age_bands = s.n_ages;
			re.bars = rbars;
			re.n_bars = nb;
			ctx[0] = &re;
			snprintf(path, sizeof path, "%s/responders-%s-%d.%s", o->dir, code,
				 promstat_audit_timepoint_get(a, tp).day, extension(fmt));
			if ((rc = cli_plot_draw(o, "responder chart", path, fmt, emit_responders, ctx,
						&first)) == EXIT_OK)
				fprintf(stderr, "promstat: wrote %s\n", path);
		}
	}

	if (rc == EXIT_OK && n_instr > 0) {
		/*
		 * Follow-up of every instrument, a panel each: of the units with a
		 * baseline, the share with a follow-up, per therapy (all ages) and
		 * timepoint, as the audit computed it (followup_rate).
		 */
		size_t nb = 0;
		promstat_followup fu;
		const void *ctx[2];

		instr_names = calloc(n_instr, sizeof *instr_names);
		instr_titles = calloc(n_instr, sizeof *instr_titles);
		if (!instr_names || !instr_titles) {
			fputs("promstat: out of memory\n", stderr);
			rc = EXIT_SOFTWARE;
			goto done;
		}
		for (size_t in = 0; in < n_instr; in++) {
			const promstat_instrument *ins = promstat_audit_instrument(a, in);
			/* As the trajectory charts name it: code and label. */
			snprintf(instr_titles[in], sizeof instr_titles[in], "%s (%s)", ins->code,
				 ins->label);
			instr_names[in] = instr_titles[in];
		}
		for (size_t i = 0; i < nres; i++) {
			const promstat_audit_result *r = promstat_audit_get(a, i);
			if (!cell(&s, r, 0))
				continue;
			fbars[nb].therapy = therapy_of(&s, r);
			fbars[nb].instrument = r->instrument;
			fbars[nb].timepoint = r->timepoint;
			fbars[nb].n_baseline = r->n_baseline;
			fbars[nb].rate = r->followup_rate;
			nb++;
		}
		memset(&fu, 0, sizeof fu);
		fu.instruments = instr_names;
		fu.n_instruments = n_instr;
		fu.timepoints = s.tps;
		fu.n_timepoints = s.n_tps;
		fu.bars = fbars;
		fu.n_bars = nb;
		ctx[0] = &fu;
		ctx[1] = &pal;
		snprintf(path, sizeof path, "%s/followup.%s", o->dir, extension(fmt));
		if ((rc = cli_plot_draw(o, "follow-up chart", path, fmt, emit_followup, ctx,
					&first)) == EXIT_OK)
			fprintf(stderr, "promstat: wrote %s\n", path);
	}
done:
	free(s.therapies);
	free(s.ages);
	free(s.tp_labels);
	free(s.tps);
	free(tpts);
	free(rbars);
	free(fbars);
	free(instr_names);
	free(instr_titles);
	return rc;
}
