/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The audit charts (promstat audit --plots DIR): per instrument a
 * trajectory of mean improvement and a responder chart per timepoint, and
 * one follow-up completeness chart with a panel per instrument. Engine results are only selected and
 * relabelled here; every number comes from promstat_audit_run().
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "term.h"
#include "outputs.h"
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

static int emit_provider_funnel(FILE *out, const void *ctx, const promstat_plot_target *t,
				promstat_error *err)
{
	const void *const *c = ctx;
	return promstat_plot_provider_funnel_write(out, c[0], t, err);
}

static const char *extension(enum promstat_plot_format f)
{
	return f == PROMSTAT_PLOT_DUMB ? "txt" : promstat_plot_format_name(f);
}

int cli_audit_plots_folder(const cli_plot_opts *o)
{
	struct stat st;

	if (o->dir && stat(o->dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		cli_term_printf(stderr, "promstat: %s: cannot draw the charts there: it is a file, not a folder\n",
			o->dir);
		return EXIT_CANTCREAT;
	}
	return EXIT_OK;
}

/* One chart of the run, named before any is drawn. */
enum chart_kind { CHART_TRAJECTORY, CHART_RESPONDERS, CHART_FOLLOWUP, CHART_FUNNEL };
typedef struct chart {
	enum chart_kind kind;
	size_t instrument, tp;
	char *path;
} chart;

/* The file dir/prefix-CODE-DAY.EXT (code and day when given), malloc'd. */
static char *chart_path(const char *dir, const char *prefix, const char *code, const int *day,
			enum promstat_plot_format fmt)
{
	char tail[CLI_CHART_CODE_MAX + 64];
	size_t n;
	char *p;

	snprintf(tail, sizeof tail, "%s%s%s", prefix, code ? "-" : "", code ? code : "");
	if (day)
		snprintf(tail + strlen(tail), sizeof tail - strlen(tail), "-%d", *day);
	n = strlen(dir) + strlen(tail) + strlen(extension(fmt)) + 3;
	if ((p = malloc(n)))
		snprintf(p, n, "%s/%s.%s", dir, tail, extension(fmt));
	return p;
}

/* Does instrument in have a responder bar at timepoint tp? */
static int has_responders(const strata *s, size_t in, size_t tp)
{
	for (size_t i = 0; i < promstat_audit_count(s->a); i++) {
		const promstat_audit_result *r = promstat_audit_get(s->a, i);
		if (r->instrument == in && r->timepoint == tp && cell(s, r, 1))
			return 1;
	}
	return 0;
}

/*
 * Names every chart of the run into *out (count in *n): per instrument its
 * trajectory, then a responder chart per timepoint with bars when it has an
 * MCID; last the follow-up chart. Returns an exit code.
 */
static int plan_charts(const cli_plot_opts *o, const strata *s, enum promstat_plot_format fmt,
		       chart **out, size_t *n)
{
	const struct promstat_audit *a = s->a;
	size_t n_instr = promstat_audit_n_instruments(a), m = 0;
	chart *c = calloc(n_instr * (s->n_tps + 1) + 1 + promstat_audit_n_funnel_groups(a),
			  sizeof *c);
	char code[CLI_CHART_CODE_MAX + 1];

	*out = c;
	*n = 0;
	if (!c)
		return EXIT_SOFTWARE;
	for (size_t in = 0; in < n_instr; in++) {
		const promstat_instrument *ins = promstat_audit_instrument(a, in);
		cli_chart_code(ins->code, code);
		c[m].kind = CHART_TRAJECTORY;
		c[m].instrument = in;
		if (!(c[m++].path = chart_path(o->dir, "trajectory", code, NULL, fmt)))
			goto oom;
		if (!isfinite(promstat_audit_mcid(a, in)))
			continue; /* no MCID, no responders */
		for (size_t tp = 0; tp < s->n_tps; tp++) {
			int day = promstat_audit_timepoint_get(a, tp).day;
			if (!has_responders(s, in, tp))
				continue;
			c[m].kind = CHART_RESPONDERS;
			c[m].instrument = in;
			c[m].tp = tp;
			if (!(c[m++].path = chart_path(o->dir, "responders", code, &day, fmt)))
				goto oom;
		}
	}
	if (n_instr > 0) {
		c[m].kind = CHART_FOLLOWUP;
		if (!(c[m++].path = chart_path(o->dir, "followup", NULL, NULL, fmt)))
			goto oom;
	}
	/* funnel-COLUMN-CODE-DAY: the column's name is made safe as a code is */
	for (size_t g = 0; g < promstat_audit_n_funnel_groups(a); g++) {
		const promstat_audit_funnel_group *fg = promstat_audit_funnel_group_get(a, g);
		char col[CLI_CHART_CODE_MAX + 1], prefix[CLI_CHART_CODE_MAX + 16];

		cli_chart_code(promstat_audit_funnel_by(a), col);
		snprintf(prefix, sizeof prefix, "funnel-%s", col);
		cli_chart_code(fg->instrument_code, code);
		c[m].kind = CHART_FUNNEL;
		c[m].instrument = g; /* the funnel group */
		if (!(c[m++].path = chart_path(o->dir, prefix, code, &fg->day, fmt)))
			goto oom;
	}
	*n = m;
	return EXIT_OK;
oom:
	*n = m;
	return EXIT_SOFTWARE;
}

/*
 * The age bands that keep at least one of the n_kept cells drawn (kept
 * holds each drawn cell's band), in the audit's order, into out; returns
 * their count. A band whose every cell is small (the "unknown" band of a
 * registry that records most ages) gets no panel or cluster at all.
 */
static size_t bands_drawn(const strata *s, const char *const *kept, size_t n_kept,
			  const char **out)
{
	size_t n = 0;

	for (size_t b = 0; b < s->n_ages; b++)
		for (size_t i = 0; i < n_kept; i++)
			if (kept[i] && !strcmp(kept[i], s->ages[b])) {
				out[n++] = s->ages[b];
				break;
			}
	return n;
}

/* What a chart says it left out: "3 groups with fewer than 10 patients
 * followed up are not drawn (--min-n 10)", or "" when none. */
static void left_out_note(size_t n, size_t min_n, const char *what, char *buf, size_t size)
{
	if (n == 0)
		snprintf(buf, size, "%s", "");
	else
		snprintf(buf, size, "%zu %s%s with fewer than %zu patients followed up %s not drawn "
			 "(--min-n %zu)", n, what, n == 1 ? "" : "s", min_n, n == 1 ? "is" : "are",
			 min_n);
}

/* The band of a funnel flag: 0 within, 1 beyond 95%, 2 beyond 99.8%. */
static int band_of(promstat_funnel_flag f)
{
	return f == PROMSTAT_FUNNEL_ABOVE_998 || f == PROMSTAT_FUNNEL_BELOW_998 ? 2
	       : f == PROMSTAT_FUNNEL_ABOVE_95 || f == PROMSTAT_FUNNEL_BELOW_95 ? 1
										 : 0;
}

/*
 * One funnel chart: the MCID rate (percentage points) and the mean
 * improvement of each provider against what its case mix predicts, as
 * the audit computed them; providers below --min-n have no point.
 */
static int draw_funnel(const cli_plot_opts *o, const struct promstat_audit *a, const chart *ch,
		       enum promstat_plot_format fmt, const char *const *tps, size_t min_n,
		       int *first)
{
	const promstat_audit_funnel_group *g = promstat_audit_funnel_group_get(a, ch->instrument);
	const promstat_audit_options *opt = promstat_audit_options_used(a);
	promstat_provider_point *pr = calloc(g->n_points + 1, sizeof *pr),
				*pm = calloc(g->n_points + 1, sizeof *pm);
	promstat_provider_panel panels[2];
	promstat_provider_funnel f;
	size_t k, small = 0;
	char title[256], note[256], t1[160], t2[160], y1[128];
	const void *ctx[2];
	int rc;

	if (!pr || !pm) {
		free(pr);
		free(pm);
		fputs("promstat: out of memory\n", stderr);
		return EXIT_SOFTWARE;
	}
	for (k = 0; k < g->n_points; k++) {
		const promstat_audit_funnel_point *p = promstat_audit_funnel_point_get(a, g->first_point + k);

		small += p->n < (min_n ? min_n : 1);
		pr[k].label = pm[k].label = p->level;
		pr[k].n = pm[k].n = (double)p->n;
		pr[k].value = 100 * p->rate_diff;
		pr[k].beyond = band_of(p->flag);
		pm[k].value = p->mean_diff;
		pm[k].beyond = band_of(p->flag_mean);
	}
	memset(panels, 0, sizeof panels);
	snprintf(t1, sizeof t1, "MCID rate: observed - expected (overall %.1f%%)",
		 100 * g->overall_rate);
	panels[0].title = t1;
	snprintf(y1, sizeof y1, "Difference (percentage points)");
	panels[0].ylabel = y1;
	panels[0].sd = 100 * sqrt(g->overall_rate * (1 - g->overall_rate));
	panels[0].tau2 = opt->overdispersion ? 1e4 * g->tau2 : 0;
	panels[0].points = pr;
	panels[0].n_points = g->n_points;
	panels[0].note = isfinite(g->overall_rate) ? NULL : (g->note ? g->note : "no MCID rate model");
	snprintf(t2, sizeof t2, "Mean improvement: observed - expected (residual SD %.2f)",
		 g->residual_sd);
	panels[1].title = t2;
	panels[1].ylabel = "Difference (points)";
	panels[1].sd = g->residual_sd;
	panels[1].tau2 = opt->overdispersion ? g->tau2_mean : 0;
	panels[1].points = pm;
	panels[1].n_points = g->n_points;
	panels[1].note = isfinite(g->residual_sd) ? NULL : (g->note ? g->note : "no improvement model");
	memset(&f, 0, sizeof f);
	snprintf(title, sizeof title, "%s at %s: each %s against its case mix (%zu units)",
		 g->instrument_code, tps[g->timepoint], promstat_audit_funnel_by(a), g->n);
	f.title = title;
	if (small)
		left_out_note(small, min_n, promstat_audit_funnel_by(a), note, sizeof note);
	else
		snprintf(note, sizeof note, "expected from therapy, age, sex and baseline score%s",
			 opt->overdispersion ? "; limits widened for overdispersion" : "");
	f.note = note;
	f.panels = panels;
	f.n_panels = 2;
	ctx[0] = &f;
	ctx[1] = NULL;
	rc = cli_plot_draw(o, "funnel chart", ch->path, fmt, emit_provider_funnel, ctx, first);
	free(pr);
	free(pm);
	return rc;
}

int cli_audit_plots(const cli_plot_opts *o, const struct promstat_audit *a)
{
	enum promstat_plot_format fmt = o->have_format ? o->format : PROMSTAT_PLOT_SVG;
	size_t nres = promstat_audit_count(a), n_instr = promstat_audit_n_instruments(a);
	promstat_trajectory_point *tpts = NULL;
	promstat_responders_bar *rbars = NULL;
	promstat_followup_bar *fbars = NULL;
	const char **instr_names = NULL, **chart_paths = NULL;
	char (*instr_titles)[160] = NULL;
	promstat_plot_palette pal;
	strata s;
	chart *charts = NULL;
	size_t n_charts = 0;
	char title[256], note[256];
	const char **bands = NULL, **kept = NULL;
	size_t min_n = promstat_audit_options_used(a)->min_n;
	int rc = EXIT_OK, first = 1;
	struct stat st;

	if (!o->dir)
		return EXIT_OK;
	if ((rc = cli_audit_plots_folder(o)) != EXIT_OK)
		return rc;
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
	instr_names = calloc(n_instr + 1, sizeof *instr_names);
	instr_titles = calloc(n_instr + 1, sizeof *instr_titles);
	bands = calloc(s.n_ages + 1, sizeof *bands);
	kept = calloc(nres + 1, sizeof *kept);
	if (!s.therapies || !s.ages || !s.tp_labels || !s.tps || !tpts || !rbars || !fbars ||
	    !instr_names || !instr_titles || !bands || !kept) {
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

	/* Every chart named, and the names checked, before the first is drawn. */
	if ((rc = plan_charts(o, &s, fmt, &charts, &n_charts)) != EXIT_OK ||
	    !(chart_paths = calloc(n_charts + 1, sizeof *chart_paths))) {
		fputs("promstat: out of memory\n", stderr);
		rc = EXIT_SOFTWARE;
		goto done;
	}
	for (size_t i = 0; i < n_charts; i++)
		chart_paths[i] = charts[i].path;
	if (o->paths && (rc = cli_paths_check(o->paths, "audit", "--plots", chart_paths,
					      n_charts)) != EXIT_OK)
		goto done;
	if (stat(o->dir, &st) != 0 && mkdir(o->dir, 0777) != 0) {
		cli_term_printf(stderr, "promstat: %s: cannot create the chart folder: %s\n", o->dir,
			strerror(errno));
		rc = EXIT_CANTCREAT;
		goto done;
	}

	for (size_t ci = 0; ci < n_charts && rc == EXIT_OK; ci++) {
		const chart *ch = &charts[ci];
		const void *ctx[2];
		ctx[1] = &pal;
		if (ch->kind == CHART_TRAJECTORY) {
			size_t in = ch->instrument, nt = 0, small = 0;
			const promstat_instrument *ins = promstat_audit_instrument(a, in);
			promstat_trajectory tr;
			for (size_t i = 0; i < nres; i++) {
				const promstat_audit_result *r = promstat_audit_get(a, i);
				if (r->instrument != in || !cell(&s, r, 1) || r->n_followup == 0)
					continue;
				if (r->small) {
					small++;
					continue;
				}
				kept[nt] = age_of(&s, r);
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
			snprintf(title, sizeof title, "%s (%s): mean improvement from baseline",
				 ins->code, ins->label);
			tr.title = title;
			tr.instrument = ins->code;
			tr.unit = "points";
			tr.timepoints = s.tps;
			tr.n_timepoints = s.n_tps;
			tr.age_bands = bands;
			tr.n_age_bands = bands_drawn(&s, kept, nt, bands);
			if (s.n_ages && tr.n_age_bands == 0) { /* nothing drawn: every band says so */
				tr.age_bands = s.ages;
				tr.n_age_bands = s.n_ages;
			}
			tr.points = tpts;
			tr.n_points = nt;
			tr.mcid = promstat_audit_mcid(a, in);
			left_out_note(small, min_n, "point", note, sizeof note);
			tr.note = *note ? note : NULL;
			ctx[0] = &tr;
			rc = cli_plot_draw(o, "trajectory chart", ch->path, fmt, emit_trajectory, ctx,
					   &first);
		} else if (ch->kind == CHART_RESPONDERS) {
			size_t in = ch->instrument, tp = ch->tp, nb = 0, small = 0;
			const promstat_instrument *ins = promstat_audit_instrument(a, in);
			double mcid = promstat_audit_mcid(a, in);
			promstat_responders re;
			for (size_t i = 0; i < nres; i++) {
				const promstat_audit_result *r = promstat_audit_get(a, i);
				if (r->instrument != in || r->timepoint != tp || !cell(&s, r, 1))
					continue;
				if (r->small) {
					small += r->n_followup > 0; /* n=0 has no bar anyway */
					continue;
				}
				kept[nb] = age_of(&s, r);
				rbars[nb].therapy = therapy_of(&s, r);
				rbars[nb].age_band = age_of(&s, r);
				rbars[nb].rate = r->n_followup ? r->mcid_rate : NAN;
				rbars[nb].ci_lb = r->mcid_ci_lb;
				rbars[nb].ci_ub = r->mcid_ci_ub;
				rbars[nb].n = r->n_followup;
				nb++;
			}
			memset(&re, 0, sizeof re);
			snprintf(title, sizeof title,
				 "%s at %s: patients improving by at least the MCID (%g points)",
				 ins->code, s.tps[tp], mcid);
			re.title = title;
			re.instrument = ins->code;
			re.timepoint = s.tps[tp];
			re.mcid = mcid;
			re.age_bands = bands;
			re.n_age_bands = bands_drawn(&s, kept, nb, bands);
			if (s.n_ages && re.n_age_bands == 0) {
				re.age_bands = s.ages;
				re.n_age_bands = s.n_ages;
			}
			re.bars = rbars;
			re.n_bars = nb;
			left_out_note(small, min_n, "group", note, sizeof note);
			re.note = *note ? note : NULL;
			ctx[0] = &re;
			rc = cli_plot_draw(o, "responder chart", ch->path, fmt, emit_responders, ctx,
					   &first);
		} else if (ch->kind == CHART_FUNNEL) {
			rc = draw_funnel(o, a, ch, fmt, s.tps, min_n, &first);
		} else {
			/*
			 * Follow-up of every instrument, a panel each: of the units with a
			 * baseline, the share with a follow-up, per therapy (all ages) and
			 * timepoint, as the audit computed it (followup_rate).
			 */
			size_t nb = 0;
			promstat_followup fu;
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
			rc = cli_plot_draw(o, "follow-up chart", ch->path, fmt, emit_followup, ctx,
					   &first);
		}
		if (rc == EXIT_OK && o->on_chart) {
			/* a funnel's chart holds its group's index: hand on the instrument */
			const promstat_audit_funnel_group *fg =
				ch->kind == CHART_FUNNEL ? promstat_audit_funnel_group_get(a, ch->instrument)
							 : NULL;
			static const char *const kinds[] = { "trajectory", "responders", "followup",
							     "funnel" };
			rc = o->on_chart(o->on_chart_ctx, kinds[ch->kind],
					 fg ? fg->instrument
					 : ch->kind == CHART_FOLLOWUP ? SIZE_MAX
								       : ch->instrument,
					 fg ? fg->day
					 : ch->kind == CHART_RESPONDERS
						 ? promstat_audit_timepoint_get(a, ch->tp).day
						 : 0,
					 ch->path);
		}
		else if (rc == EXIT_OK)
			cli_term_printf(stderr, "promstat: wrote %s\n", ch->path);
	}
done:
	for (size_t i = 0; i < n_charts; i++)
		free(charts[i].path);
	free(charts);
	free(chart_paths);
	free(s.therapies);
	free(s.ages);
	free(s.tp_labels);
	free(s.tps);
	free(tpts);
	free(rbars);
	free(fbars);
	free(instr_names);
	free(instr_titles);
	free(bands);
	free(kept);
	return rc;
}
