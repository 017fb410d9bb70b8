/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What validate and audit share about reading an extract (ingest_cli.h). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "ingest_cli.h"

int cli_ingest_option(promstat_ingest_options *o, cli_ingest_args *a, const char *cmd, int c,
		      const char *arg)
{
	switch (c) {
	case CLI_OPT_RECODE:
		a->recode[a->nrecode++] = arg;
		o->recode = a->recode;
		o->nrecode = a->nrecode;
		return EXIT_OK;
	case CLI_OPT_RECODE_FILE:
		o->recode_file = arg;
		return EXIT_OK;
	case CLI_OPT_AE_NONE:
		o->ae_none = arg;
		return EXIT_OK;
	case CLI_OPT_DATE_FORMAT:
		if (!strcasecmp(arg, "iso"))
			o->date_format = PROMSTAT_DATE_ISO;
		else if (!strcasecmp(arg, "dmy"))
			o->date_format = PROMSTAT_DATE_DMY;
		else if (!strcasecmp(arg, "mdy"))
			o->date_format = PROMSTAT_DATE_MDY;
		else
			return cli_usage_error(cmd, "--date-format must be ISO, DMY or MDY, not '%s'",
					       arg);
		return EXIT_OK;
	case CLI_OPT_ENCODING:
		if (!strcasecmp(arg, "utf-8") || !strcasecmp(arg, "utf8"))
			o->encoding = PROMSTAT_ENCODING_UTF8;
		else if (!strcasecmp(arg, "windows-1252") || !strcasecmp(arg, "cp1252"))
			o->encoding = PROMSTAT_ENCODING_WINDOWS1252;
		else
			return cli_usage_error(cmd,
					       "--encoding must be utf-8 or windows-1252, not '%s'",
					       arg);
		return EXIT_OK;
	default:
		return -1;
	}
}

void cli_print_value(const promstat_error *diag, const char *column, int reason, void *ctx)
{
	cli_value_list *list = ctx;
	char buf[PROMSTAT_PATH_MAX + PROMSTAT_MESSAGE_MAX + 64];

	(void)column;
	(void)reason;
	if (++list->n <= CLI_SHOWN_REJECTS)
		cli_term_printf(stderr, "%s\n", promstat_error_format(diag, buf, sizeof buf));
}

void cli_values_tail(const cli_value_list *list)
{
	if (list->n > CLI_SHOWN_REJECTS)
		cli_term_printf(stderr,
			"... and %zu more values set missing or reported in kept rows; "
			"validate --format json counts them all\n",
			list->n - CLI_SHOWN_REJECTS);
}

void cli_print_ingest_notes(const promstat_validate_summary *s)
{
	size_t i;

	for (i = 0; i < s->report->n_notes; i++)
		cli_term_printf(stderr, "promstat: note: %s\n", s->report->notes[i]);
}

void cli_print_merged(const promstat_validate_summary *s)
{
	const promstat_ingest_report *r = s->report;
	size_t i;

	for (i = 0; i < r->n_merged; i++) {
		const promstat_merged_level *m = &r->merged[i];
		int first = !i || strcmp(r->merged[i - 1].column, m->column) ||
			    strcmp(r->merged[i - 1].level, m->level);
		int last = i + 1 == r->n_merged || strcmp(r->merged[i + 1].column, m->column) ||
			   strcmp(r->merged[i + 1].level, m->level);
		if (first)
			cli_term_printf(stderr, "promstat: note: %s: '%s' also written", m->column,
					m->level);
		cli_term_printf(stderr, "%s '%s' (%zu row%s)", first ? "" : ",", m->spelling, m->rows,
				m->rows == 1 ? "" : "s");
		if (last)
			fputc('\n', stderr);
	}
	for (i = 0; i < r->n_recodes_unused; i++)
		cli_term_printf(stderr, "promstat: note: recode never used: %s\n",
				r->recodes_unused[i]);
}

static void json_units(FILE *out, size_t count, const char *const *ids, size_t n)
{
	size_t i;

	fprintf(out, "{\"count\": %zu, \"first\": [", count);
	for (i = 0; i < n; i++) {
		fputs(i ? ", {\"patient_id\": " : "{\"patient_id\": ", out);
		cli_json_string(out, ids[2 * i]);
		fputs(", \"episode\": ", out);
		cli_json_string(out, ids[2 * i + 1]);
		fputc('}', out);
	}
	fputs("]}", out);
}

void cli_json_ingest_report(FILE *out, const promstat_validate_summary *s, const char *in)
{
	const promstat_ingest_report *r = s->report;
	size_t i;

	fprintf(out, "%s\"values_ignored\": {", in);
	for (i = 0; i < r->n_ignored; i++) {
		int first = !i || strcmp(r->ignored[i - 1].column, r->ignored[i].column);
		if (first) {
			fputs(i ? "}, " : "", out);
			cli_json_string(out, r->ignored[i].column);
			fputs(": {", out);
		} else {
			fputs(", ", out);
		}
		cli_json_key(out, promstat_ignore_reason_name(r->ignored[i].reason));
		cli_json_size(out, r->ignored[i].count);
	}
	fputs(r->n_ignored ? "}},\n" : "},\n", out);

	fprintf(out, "%s\"merged_levels\": {", in);
	for (i = 0; i < r->n_merged; i++) {
		int first = !i || strcmp(r->merged[i - 1].column, r->merged[i].column);
		if (first) {
			fputs(i ? "], " : "", out);
			cli_json_string(out, r->merged[i].column);
			fputs(": [", out);
		} else {
			fputs(", ", out);
		}
		fputs("{\"level\": ", out);
		cli_json_string(out, r->merged[i].level);
		fputs(", \"spelling\": ", out);
		cli_json_string(out, r->merged[i].spelling);
		fprintf(out, ", \"rows\": %zu}", r->merged[i].rows);
	}
	fputs(r->n_merged ? "]},\n" : "},\n", out);

	fprintf(out, "%s\"recodes_unused\": [", in);
	for (i = 0; i < r->n_recodes_unused; i++) {
		if (i)
			fputs(", ", out);
		cli_json_string(out, r->recodes_unused[i]);
	}
	fputs("],\n", out);

	fprintf(out, "%s\"patients_all_rejected\": {\"count\": %zu, \"first\": [", in,
		r->patients_all_rejected);
	for (i = 0; i < r->n_patients_listed; i++) {
		if (i)
			fputs(", ", out);
		cli_json_string(out, r->patients_listed[i]);
	}
	fprintf(out, "]},\n%s\"units_all_rejected\": %zu,\n", in, r->units_all_rejected);
	fprintf(out, "%s\"units_without_baseline\": ", in);
	json_units(out, s->units_without_baseline, s->no_baseline_listed, s->n_no_baseline_listed);
	fprintf(out, ",\n%s\"units_without_followup\": ", in);
	json_units(out, s->units_without_followup, s->no_followup_listed, s->n_no_followup_listed);

	fprintf(out, ",\n%s\"ae_codes\": {", in);
	for (i = 0; i < r->n_ae_codes; i++) {
		if (i)
			fputs(", ", out);
		cli_json_string(out, r->ae_codes[i].value);
		fprintf(out, ": %zu", r->ae_codes[i].rows);
	}
	fprintf(out, "},\n%s\"sex_other\": {", in);
	for (i = 0; i < r->n_sex_other; i++) {
		if (i)
			fputs(", ", out);
		cli_json_string(out, r->sex_other[i].value);
		fprintf(out, ": %zu", r->sex_other[i].rows);
	}
	fprintf(out, "},\n%s\"unit_conflicts\": {\"satisfied\": %zu, \"treatment_date\": %zu},\n",
		in, r->conflicts_satisfied, r->conflicts_treatment_date);
	fprintf(out, "%s\"encoding\": {\"name\": ", in);
	cli_json_string(out, r->encoding);
	fprintf(out, ", \"detected\": %s, \"bytes_replaced\": %zu},\n",
		r->encoding_guessed ? "true" : "false", r->bytes_replaced);
	fprintf(out, "%s\"notes\": [", in);
	for (i = 0; i < r->n_notes; i++) {
		if (i)
			fputs(", ", out);
		cli_json_string(out, r->notes[i]);
	}
	fputs("],\n", out);
}

static void table_units(FILE *out, const char *what, size_t count, const char *const *ids,
			size_t n)
{
	size_t i;

	if (!count)
		return;
	cli_term_printf(out, "%s  %zu:", what, count);
	for (i = 0; i < n; i++)
		cli_term_printf(out, " %s%s%s", ids[2 * i], *ids[2 * i + 1] ? "/" : "", ids[2 * i + 1]);
	fputs(count > n ? " ...\n" : "\n", out);
}

void cli_table_ingest_report(FILE *out, const promstat_validate_summary *s)
{
	const promstat_ingest_report *r = s->report;
	size_t i;

	if (r->values_ignored) {
		cli_term_printf(out, "\nValues set missing (row kept)  %zu\n", r->values_ignored);
		for (i = 0; i < r->n_ignored; i++)
			cli_term_printf(out, "    %-14s %-28s %zu\n", r->ignored[i].column,
				promstat_ignore_reason_name(r->ignored[i].reason), r->ignored[i].count);
	}
	if (r->n_merged) {
		fputs("\nSpellings merged", out);
		for (i = 0; i < r->n_merged; i++) {
			const promstat_merged_level *m = &r->merged[i];
			if (!i || strcmp(r->merged[i - 1].column, m->column) ||
			    strcmp(r->merged[i - 1].level, m->level))
				cli_term_printf(out, "\n  %s: '%s' also written '%s' (%zu row%s)", m->column,
					m->level, m->spelling, m->rows, m->rows == 1 ? "" : "s");
			else
				cli_term_printf(out, ", '%s' (%zu row%s)", m->spelling, m->rows,
					m->rows == 1 ? "" : "s");
		}
		putc('\n', out);
	}
	for (i = 0; i < r->n_recodes_unused; i++) {
		if (!i)
			putc('\n', out);
		cli_term_printf(out, "Recode never used: %s\n", r->recodes_unused[i]);
	}
	if (r->n_ae_codes) {
		fputs("\nAdverse-event codes (rows)", out);
		for (i = 0; i < r->n_ae_codes; i++)
			cli_term_printf(out, "%s '%s' %zu", i ? "," : "", r->ae_codes[i].value,
				r->ae_codes[i].rows);
		putc('\n', out);
	}
	if (r->n_sex_other) {
		fputs("\nSex values read as neither F nor M (units)", out);
		for (i = 0; i < r->n_sex_other; i++)
			cli_term_printf(out, "%s '%s' %zu", i ? "," : "", r->sex_other[i].value,
				r->sex_other[i].rows);
		putc('\n', out);
	}
	if (r->patients_all_rejected || r->units_all_rejected || s->units_without_baseline ||
	    s->units_without_followup || r->conflicts_satisfied || r->conflicts_treatment_date)
		putc('\n', out);
	if (r->patients_all_rejected) {
		cli_term_printf(out, "Patients with every row rejected  %zu:", r->patients_all_rejected);
		for (i = 0; i < r->n_patients_listed; i++)
			cli_term_printf(out, " %s", r->patients_listed[i]);
		fputs(r->patients_all_rejected > r->n_patients_listed ? " ...\n" : "\n", out);
	}
	if (r->units_all_rejected)
		cli_term_printf(out, "Units with every row rejected  %zu\n", r->units_all_rejected);
	table_units(out, "Units without a baseline", s->units_without_baseline,
		    s->no_baseline_listed, s->n_no_baseline_listed);
	table_units(out, "Units with a baseline but no follow-up", s->units_without_followup,
		    s->no_followup_listed, s->n_no_followup_listed);
	if (r->conflicts_satisfied)
		cli_term_printf(out, "Rows whose satisfied differs within the unit  %zu\n",
			r->conflicts_satisfied);
	if (r->conflicts_treatment_date)
		cli_term_printf(out, "Rows with a later treatment_date than the unit's index  %zu\n",
			r->conflicts_treatment_date);
	if (r->encoding_guessed || r->bytes_replaced || strcmp(r->encoding, "utf-8"))
		cli_term_printf(out, "\nEncoding  %s%s; %zu invalid byte%s replaced\n", r->encoding,
			r->encoding_guessed ? " (detected)" : "", r->bytes_replaced,
			r->bytes_replaced == 1 ? "" : "s");
}

static void csv_row(FILE *out, const char *measure, const char *key, const char *window,
		    size_t value)
{
	cli_csv_string(out, measure);
	putc(',', out);
	cli_csv_string(out, key);
	putc(',', out);
	cli_csv_string(out, window);
	fprintf(out, ",%zu\n", value);
}

void cli_csv_ingest_report(FILE *out, const promstat_validate_summary *s)
{
	const promstat_ingest_report *r = s->report;
	size_t i;

	for (i = 0; i < r->n_ignored; i++)
		csv_row(out, "values_ignored", r->ignored[i].column,
			promstat_ignore_reason_name(r->ignored[i].reason), r->ignored[i].count);
	for (i = 0; i < r->n_merged; i++) {
		char key[PROMSTAT_MESSAGE_MAX];
		snprintf(key, sizeof key, "%s=%s", r->merged[i].column, r->merged[i].level);
		csv_row(out, "merged_spelling", key, r->merged[i].spelling, r->merged[i].rows);
	}
	for (i = 0; i < r->n_ae_codes; i++)
		csv_row(out, "ae_code_rows", r->ae_codes[i].value, "", r->ae_codes[i].rows);
	csv_row(out, "patients_all_rejected", "", "", r->patients_all_rejected);
	csv_row(out, "units_all_rejected", "", "", r->units_all_rejected);
	csv_row(out, "units_without_baseline", "", "", s->units_without_baseline);
	csv_row(out, "units_without_followup", "", "", s->units_without_followup);
}
