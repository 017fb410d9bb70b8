/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * promstat audit: printing the regression-based readings (issue 13,
 * sections 1, 4 and 5): the IPW rate of each result, the case-mix-adjusted
 * comparisons and the provider funnel, as table text and JSON. The numbers
 * come from the engine (engine/casemix.c); nothing is computed here but
 * percentages for display.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "audit_casemix.h"
#include "json.h"
#include "term.h"

static const char *fmt_num(double x, const char *f, double scale, char *buf, size_t size)
{
	if (isfinite(x))
		snprintf(buf, size, f, scale * x);
	else
		snprintf(buf, size, "-");
	return buf;
}

static const char *fmt_ci(double lb, double ub, const char *f, double scale, char *buf,
			  size_t size)
{
	char l[24], u[24];

	if (!isfinite(lb) || !isfinite(ub))
		return snprintf(buf, size, "-"), buf;
	snprintf(l, sizeof l, f, scale * lb);
	snprintf(u, sizeof u, f, scale * ub);
	snprintf(buf, size, "[%s, %s]", l, u);
	return buf;
}

static const char *flag_text(promstat_funnel_flag f)
{
	const char *s = promstat_funnel_flag_name(f);

	return s ? s : "-";
}

void cli_audit_table_casemix(FILE *out, const promstat_audit *a)
{
	const promstat_audit_options *o = promstat_audit_options_used(a);
	size_t i, k, li = (size_t)-1, lt = (size_t)-1;
	char b1[48], b2[80], b3[48], b4[80], cih[32];

	snprintf(cih, sizeof cih, "%g%% CI", o->level);
	if (promstat_audit_n_adjusted(a)) {
		cli_term_printf(out, "\nCase-mix-adjusted comparisons with %s (paired units with a known "
				     "age)\n", o->reference);
		for (i = 0; i < promstat_audit_n_adjusted(a); i++) {
			const promstat_audit_adjusted *q = promstat_audit_adjusted_get(a, i);

			if (q->instrument != li || q->timepoint != lt) {
				cli_term_printf(out, "\n  %s, day %d: %zu units", q->instrument_code,
						q->day, q->n);
				if (q->n_excluded)
					cli_term_printf(out, ", %zu left out", q->n_excluded);
				if (q->covariates)
					cli_term_printf(out, "; adjusted for %s", q->covariates);
				cli_term_printf(out, "\n  %-14s %6s %9s %-16s %9s %s\n", "therapy", "n",
						"MCID diff", cih, "mean diff", cih);
				li = q->instrument;
				lt = q->timepoint;
			}
			fputs("  ", out);
			cli_term_pad(out, q->therapy, 14);
			cli_term_printf(out, " %6zu %9s %-16s %9s %s\n", q->n_therapy,
					fmt_num(q->rd_adjusted, "%+.1f", 100, b1, sizeof b1),
					fmt_ci(q->rd_adjusted_ci_lb, q->rd_adjusted_ci_ub, "%.1f", 100,
					       b2, sizeof b2),
					fmt_num(q->mean_diff_adjusted, "%+.2f", 1, b3, sizeof b3),
					fmt_ci(q->mean_diff_adjusted_ci_lb, q->mean_diff_adjusted_ci_ub,
					       "%.2f", 1, b4, sizeof b4));
			if (q->note)
				cli_term_printf(out, "  %-14s   (%s)\n", "", q->note);
		}
		fputs("  MCID diff: the MCID rate (percentage points) had every unit been given the\n"
		      "  therapy minus the rate had every unit been given the reference, each unit\n"
		      "  keeping its age, sex and baseline score (marginal standardisation of a\n"
		      "  logistic model); mean diff: the therapy's coefficient in a linear model of\n"
		      "  improvement. These compare patients treated in routine care, not in a\n"
		      "  trial: they allow for the covariates named and for nothing else, and two\n"
		      "  units of one patient count as independent. n: the therapy's paired units.\n",
		      out);
	}
	li = lt = (size_t)-1;
	for (i = 0; i < promstat_audit_n_funnel_groups(a); i++) {
		const promstat_audit_funnel_group *g = promstat_audit_funnel_group_get(a, i);

		if (i == 0)
			cli_term_printf(out, "\nProviders (%s) against their case mix: observed minus "
					     "expected\n", promstat_audit_funnel_by(a));
		cli_term_printf(out, "\n  %s, day %d: %zu units", g->instrument_code, g->day, g->n);
		if (g->n_excluded)
			cli_term_printf(out, ", %zu left out", g->n_excluded);
		cli_term_printf(out, "; overall MCID rate %s%%, residual SD %s\n",
				fmt_num(g->overall_rate, "%.1f", 100, b1, sizeof b1),
				fmt_num(g->residual_sd, "%.2f", 1, b2, sizeof b2));
		if (o->overdispersion)
			cli_term_printf(out, "  overdispersion: rate phi %s, tau^2 %s; mean phi %s, "
					     "tau^2 %s\n",
					fmt_num(g->phi, "%.3g", 1, b1, sizeof b1),
					fmt_num(g->tau2, "%.3g", 1, b2, sizeof b2),
					fmt_num(g->phi_mean, "%.3g", 1, b3, sizeof b3),
					fmt_num(g->tau2_mean, "%.3g", 1, b4, sizeof b4));
		if (g->note)
			cli_term_printf(out, "  (%s)\n", g->note);
		cli_term_printf(out, "  %-14s %5s %-36s %s\n", "", "", "MCID rate",
				"mean improvement");
		cli_term_printf(out, "  %-14s %5s %5s %5s %6s %6s %-10s %6s %6s %6s %s\n",
				promstat_audit_funnel_by(a), "n", "obs%", "exp%", "diff", "z", "flag",
				"obs", "exp", "z", "flag");
		for (k = 0; k < g->n_points; k++) {
			const promstat_audit_funnel_point *p =
				promstat_audit_funnel_point_get(a, g->first_point + k);
			char c1[32], c2[32], c3[32], c4[32], c5[32], c6[32], c7[32];

			fputs("  ", out);
			cli_term_pad(out, p->level, 14);
			cli_term_printf(out, " %5zu", p->n);
			cli_term_printf(out, " %5s %5s %6s %6s %-10s %6s %6s %6s %s",
					fmt_num(p->observed_rate, "%.1f", 100, c1, sizeof c1),
					fmt_num(p->expected_rate, "%.1f", 100, c2, sizeof c2),
					fmt_num(p->rate_diff, "%+.1f", 100, c3, sizeof c3),
					fmt_num(p->z, "%+.2f", 1, c4, sizeof c4), flag_text(p->flag),
					fmt_num(p->observed_mean, "%.2f", 1, c5, sizeof c5),
					fmt_num(p->expected_mean, "%.2f", 1, c6, sizeof c6),
					fmt_num(p->z_mean, "%+.2f", 1, c7, sizeof c7),
					flag_text(p->flag_mean));
			if (p->note && p->note != g->note)
				cli_term_printf(out, "  (%s)", p->note);
			fputc('\n', out);
		}
	}
	if (promstat_audit_n_funnel_groups(a)) {
		fputs("  obs%, exp%: the provider's MCID rate and the rate its patients' therapy,\n"
		      "  age, sex and baseline score predict (a model of all providers' units with\n"
		      "  no provider term); obs, exp: the same for mean improvement (the NHS\n"
		      "  adjusted health gain form). z: (observed - expected) over its standard\n"
		      "  error; a flag names the 95% (|z| > 1.96) or 99.8% (|z| > 3.09) limit\n"
		      "  crossed. Outside 95% one provider in 20 is expected by chance alone; read\n"
		      "  the funnel chart, and small providers with care.\n",
		      out);
		if (o->overdispersion)
			fputs("  With --overdispersion the standard errors include the between-provider\n"
			      "  variance tau^2 estimated from the providers' spread (Spiegelhalter 2005).\n",
			      out);
	}
}

void cli_audit_json_ipw(FILE *out, const promstat_audit_result *r)
{
	cli_json_member_number(out, "mcid_rate_ipw", r->mcid_rate_ipw, 0);
	cli_json_member_number(out, "mcid_ipw_ci_lb", r->mcid_ipw_ci_lb, 0);
	cli_json_member_number(out, "mcid_ipw_ci_ub", r->mcid_ipw_ci_ub, 0);
	fputs(", ", out);
	cli_json_key(out, "ipw_note");
	if (r->ipw_note)
		cli_json_string(out, r->ipw_note);
	else
		cli_json_null(out);
}

static void member_note(FILE *out, const char *key, const char *note)
{
	fputs(", ", out);
	cli_json_key(out, key);
	if (note)
		cli_json_string(out, note);
	else
		cli_json_null(out);
}

static void member_flag(FILE *out, const char *key, promstat_funnel_flag f)
{
	member_note(out, key, promstat_funnel_flag_name(f));
}

void cli_audit_json_casemix(FILE *out, const promstat_audit *a)
{
	const promstat_audit_options *o = promstat_audit_options_used(a);
	size_t i, k;

	if (o->reference) {
		fputs(",\n  ", out);
		cli_json_key(out, "adjusted_comparisons");
		putc('[', out);
		for (i = 0; i < promstat_audit_n_adjusted(a); i++) {
			const promstat_audit_adjusted *q = promstat_audit_adjusted_get(a, i);

			fputs(i ? ",\n    {" : "\n    {", out);
			cli_json_member_string(out, "instrument", q->instrument_code, 1);
			cli_json_member_size(out, "timepoint", (size_t)q->day, 0);
			cli_json_member_string(out, "therapy", q->therapy, 0);
			cli_json_member_string(out, "reference", q->reference, 0);
			cli_json_member_size(out, "n", q->n, 0);
			cli_json_member_size(out, "n_excluded", q->n_excluded, 0);
			member_note(out, "covariates", q->covariates);
			cli_json_member_number(out, "rd_adjusted", q->rd_adjusted, 0);
			cli_json_member_number(out, "rd_adjusted_ci_lb", q->rd_adjusted_ci_lb, 0);
			cli_json_member_number(out, "rd_adjusted_ci_ub", q->rd_adjusted_ci_ub, 0);
			cli_json_member_number(out, "mean_diff_adjusted", q->mean_diff_adjusted, 0);
			cli_json_member_number(out, "mean_diff_adjusted_ci_lb",
					       q->mean_diff_adjusted_ci_lb, 0);
			cli_json_member_number(out, "mean_diff_adjusted_ci_ub",
					       q->mean_diff_adjusted_ci_ub, 0);
			member_note(out, "note", q->note);
			putc('}', out);
		}
		fputs(promstat_audit_n_adjusted(a) ? "\n  ]" : "]", out);
	}
	if (o->funnel_by) {
		fputs(",\n  ", out);
		cli_json_key(out, "funnel");
		putc('{', out);
		cli_json_member_string(out, "column", promstat_audit_funnel_by(a), 1);
		fputs(", ", out);
		cli_json_key(out, "overdispersion");
		cli_json_bool(out, o->overdispersion);
		fputs(", ", out);
		cli_json_key(out, "groups");
		putc('[', out);
		for (i = 0; i < promstat_audit_n_funnel_groups(a); i++) {
			const promstat_audit_funnel_group *g = promstat_audit_funnel_group_get(a, i);

			fputs(i ? ",\n    {" : "\n    {", out);
			cli_json_member_string(out, "instrument", g->instrument_code, 1);
			cli_json_member_size(out, "timepoint", (size_t)g->day, 0);
			cli_json_member_size(out, "n", g->n, 0);
			cli_json_member_size(out, "n_excluded", g->n_excluded, 0);
			cli_json_member_number(out, "overall_rate", g->overall_rate, 0);
			cli_json_member_number(out, "residual_sd", g->residual_sd, 0);
			cli_json_member_number(out, "phi", g->phi, 0);
			cli_json_member_number(out, "tau2", g->tau2, 0);
			cli_json_member_number(out, "phi_mean", g->phi_mean, 0);
			cli_json_member_number(out, "tau2_mean", g->tau2_mean, 0);
			member_note(out, "note", g->note);
			fputs(",\n     ", out);
			cli_json_key(out, "providers");
			putc('[', out);
			for (k = 0; k < g->n_points; k++) {
				const promstat_audit_funnel_point *p =
					promstat_audit_funnel_point_get(a, g->first_point + k);

				fputs(k ? ",\n      {" : "\n      {", out);
				cli_json_member_string(out, "level", p->level, 1);
				cli_json_member_size(out, "n", p->n, 0);
				cli_json_member_number(out, "observed_rate", p->observed_rate, 0);
				cli_json_member_number(out, "expected_rate", p->expected_rate, 0);
				cli_json_member_number(out, "rate_diff", p->rate_diff, 0);
				cli_json_member_number(out, "z", p->z, 0);
				member_flag(out, "flag", p->flag);
				cli_json_member_number(out, "observed_mean", p->observed_mean, 0);
				cli_json_member_number(out, "expected_mean", p->expected_mean, 0);
				cli_json_member_number(out, "mean_diff", p->mean_diff, 0);
				cli_json_member_number(out, "z_mean", p->z_mean, 0);
				member_flag(out, "flag_mean", p->flag_mean);
				member_note(out, "note", p->note);
				putc('}', out);
			}
			fputs(g->n_points ? "\n     ]}" : "]}", out);
		}
		fputs(promstat_audit_n_funnel_groups(a) ? "\n  ]}" : "]}", out);
	}
}
