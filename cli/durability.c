/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The durability section of promstat audit --durability: a table block
 * and the JSON block "durability", from promstat_durability_run(). No
 * statistics are computed here.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_mcid.h"

static const char *rule_name(promstat_durability_rule r)
{
	return r == PROMSTAT_DURABILITY_PASS ? "pass" : "mcid";
}

/* A label from the data on a terminal, through the one terminal writer
 * (controls escaped), padded to width columns. */
static void put_label(FILE *out, const char *s, int width)
{
	if (width > 0)
		cli_term_pad(out, s, (size_t)width);
	else
		cli_term_puts(out, s);
}

static const char *days(double x, char *buf, size_t size)
{
	if (isfinite(x))
		snprintf(buf, size, "%.0f", x);
	else
		snprintf(buf, size, "-");
	return buf;
}

void cli_durability_table(FILE *out, const promstat_durability *d, const promstat_audit *a)
{
	size_t i, j, t, nb = promstat_audit_n_by(a), ntp = promstat_audit_n_timepoints(a);
	size_t cur = (size_t)-1;
	char b1[32], b2[32], b3[32];

	fprintf(out, "\nDurability of response (rule %s): a unit responds at its first follow-up "
		     "reaching the MCID; it loses the response at the first later follow-up %s.\n"
		     "Note: %s.\n",
		rule_name(promstat_durability_rule_used(d)),
		promstat_durability_rule_used(d) == PROMSTAT_DURABILITY_PASS
			? "that no longer meets the PASS"
			: "below the MCID",
		CLI_DURABILITY_NOTE);
	for (i = 0; i < promstat_durability_count(d); i++) {
		const promstat_durability_cell *c = promstat_durability_get(d, i);

		if (c->instrument != cur) {
			cur = c->instrument;
			fputs("\n", out);
			put_label(out, c->instrument_code, 0);
			fprintf(out, " (MCID %g): Kaplan-Meier of response maintained among responders; "
				     "at each timepoint S(t) [at risk] and the share still responding of "
				     "those seen there\n  ",
				promstat_audit_mcid(a, c->instrument));
			for (j = 0; j < nb; j++) {
				put_label(out, promstat_audit_by_name(a, j), 10);
				putc(' ', out);
			}
			fputs("units never resp lost cens  median days [CI]  ", out);
			for (t = 0; t < ntp; t++)
				fprintf(out, " day %-4d S [risk] share  ", promstat_audit_timepoint_get(a, t).day);
			fputs("\n", out);
		}
		fputs("  ", out);
		for (j = 0; j < nb; j++) {
			put_label(out, c->levels[j], 10);
			putc(' ', out);
		}
		fprintf(out, "%5zu %5zu %4zu %4zu %4zu  %5s [%s,%s]%*s", c->n_units, c->n_never,
			c->n_responders, c->n_lost, c->n_censored, days(c->km->median, b1, sizeof b1),
			days(c->km->median_lb, b2, sizeof b2), days(c->km->median_ub, b3, sizeof b3), 6, "");
		for (t = 0; t < ntp; t++) {
			if (isfinite(c->surv[t]))
				fprintf(out, " %.2f [%4zu] ", c->surv[t], c->n_risk[t]);
			else
				fprintf(out, "    - [%4zu] ", c->n_risk[t]);
			if (isfinite(c->share_still[t]))
				fprintf(out, "%3.0f%%      ", 100 * c->share_still[t]);
			else
				fputs("  -       ", out);
		}
		fputs("\n", out);
	}
	for (i = 0; i < promstat_durability_n_tests(d); i++) {
		const promstat_durability_test *te = promstat_durability_test_get(d, i);

		if (i == 0)
			fputs("\nLog-rank test between therapies (survdiff), within each stratum:\n", out);
		fputs("  ", out);
		put_label(out, te->instrument_code, 0);
		for (j = 0; j < nb; j++) {
			fputs(j ? ", " : " ", out);
			put_label(out, promstat_audit_by_name(a, j), 0);
			putc(' ', out);
			put_label(out, te->levels[j], 0);
		}
		if (te->test && isfinite(te->test->chisq))
			fprintf(out, ": chi-square %.2f on %d df, p = %.3g (%zu therapies)\n",
				te->test->chisq, te->test->df, te->test->p, te->k);
		else
			fprintf(out, ": undefined (fewer than two therapies with expected losses)\n");
	}
}

static void key_num(FILE *out, const char *key, double x)
{
	cli_json_member_number(out, key, x, 0);
}

void cli_durability_json(FILE *out, const promstat_durability *d, const promstat_audit *a)
{
	size_t i, j, t, k, nb = promstat_audit_n_by(a), ntp = promstat_audit_n_timepoints(a);

	fprintf(out, "\"durability\": {\"rule\": \"%s\", \"note\": ",
		rule_name(promstat_durability_rule_used(d)));
	cli_json_string(out, CLI_DURABILITY_NOTE);
	fputs(",\n    \"cells\": [", out);
	for (i = 0; i < promstat_durability_count(d); i++) {
		const promstat_durability_cell *c = promstat_durability_get(d, i);

		fputs(i ? ",\n      {\"instrument\": " : "\n      {\"instrument\": ", out);
		cli_json_string(out, c->instrument_code);
		for (j = 0; j < nb; j++) {
			fputs(", ", out);
			cli_json_key(out, promstat_audit_by_name(a, j));
			cli_json_string(out, c->levels[j]);
		}
		fprintf(out, ", \"n_units\": %zu, \"n_never\": %zu, \"n_responders\": %zu, "
			     "\"n_lost\": %zu, \"n_censored\": %zu",
			c->n_units, c->n_never, c->n_responders, c->n_lost, c->n_censored);
		key_num(out, "median_days", c->km->median);
		key_num(out, "median_ci_lb", c->km->median_lb);
		key_num(out, "median_ci_ub", c->km->median_ub);
		fputs(",\n       \"timepoints\": [", out);
		for (t = 0; t < ntp; t++) {
			fprintf(out, "%s{\"timepoint\": %d, \"n_risk\": %zu", t ? ", " : "",
				promstat_audit_timepoint_get(a, t).day, c->n_risk[t]);
			key_num(out, "surv", c->surv[t]);
			key_num(out, "surv_ci_lb", c->surv_lb[t]);
			key_num(out, "surv_ci_ub", c->surv_ub[t]);
			fprintf(out, ", \"n_observed\": %zu, \"n_still\": %zu", c->n_observed[t],
				c->n_still[t]);
			key_num(out, "share_still", c->share_still[t]);
			putc('}', out);
		}
		fputs("],\n       \"curve\": [", out);
		for (k = 0; k < c->km->n_steps; k++) {
			const promstat_km_step *s = &c->km->steps[k];

			fputs(k ? ", {\"day\": " : "{\"day\": ", out);
			cli_json_number(out, s->time);
			fprintf(out, ", \"n_risk\": %zu, \"n_event\": %zu, \"n_censor\": %zu", s->n_risk,
				s->n_event, s->n_censor);
			key_num(out, "surv", s->surv);
			key_num(out, "surv_ci_lb", s->lower);
			key_num(out, "surv_ci_ub", s->upper);
			putc('}', out);
		}
		fputs("]}", out);
	}
	fputs("\n    ],\n    \"logrank\": [", out);
	for (i = 0; i < promstat_durability_n_tests(d); i++) {
		const promstat_durability_test *te = promstat_durability_test_get(d, i);

		fputs(i ? ",\n      {\"instrument\": " : "\n      {\"instrument\": ", out);
		cli_json_string(out, te->instrument_code);
		for (j = 0; j < nb; j++) {
			fputs(", ", out);
			cli_json_key(out, promstat_audit_by_name(a, j));
			cli_json_string(out, te->levels[j]);
		}
		fputs(", \"therapies\": [", out);
		for (k = 0; k < te->k; k++) {
			fputs(k ? ", {\"therapy\": " : "{\"therapy\": ", out);
			cli_json_string(out, te->therapies[k]);
			key_num(out, "observed", te->test ? te->test->observed[k] : NAN);
			key_num(out, "expected", te->test ? te->test->expected[k] : NAN);
			putc('}', out);
		}
		fputs("]", out);
		key_num(out, "chisq", te->test ? te->test->chisq : NAN);
		if (te->test && isfinite(te->test->chisq))
			fprintf(out, ", \"df\": %d", te->test->df);
		else
			fputs(", \"df\": null", out);
		key_num(out, "p", te->test ? te->test->p : NAN);
		putc('}', out);
	}
	fputs("\n    ]}", out);
}
