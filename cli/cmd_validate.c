/* SPDX-License-Identifier: GPL-3.0-or-later */
/* promstat validate: reads a registry extract and accounts for every row. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "outputs.h"
#include "ingest_cli.h"


static const char usage[] =
	"Usage: promstat validate FILE [OPTIONS]\n"
	"\n"
	"Checks a registry extract (long-format CSV: patient_id, therapy, day,\n"
	"instrument, score, ...) and accounts for every row: rows read, accepted\n"
	"and rejected (by reason), units, patients, therapies, instruments,\n"
	"baselines (day -90..0) and observations per follow-up window\n"
	"(42+/-14, 90+/-30, 180+/-45, 365+/-60, 730+/-90 days).\n"
	"\n"
	"Options:\n"
	"  --format FMT          table (default), csv or json\n"
	"  --instruments FILE    instrument catalogue (default: the installed one)\n"
	"  --map CANON=COLUMN    read column COLUMN as CANON, e.g. day=visit_day\n"
	"                        (repeatable)\n"
	"  --rejects FILE        write every rejected row there as CSV, with two\n"
	"                        leading columns line,reason\n"
	"  --strict              any rejected row is an error (exit 65)\n"
	CLI_INGEST_USAGE
	"  --help                show this help\n"
	"\n"
	"FILE may be - for standard input. Rejected rows are listed on standard\n"
	"error (the first 20), and so are values set missing in kept rows. Exit\n"
	"codes: 0 success, 2 usage, 65 data error (also: no row accepted), 66\n"
	"cannot open input, 73 cannot write output.\n";

static void window_label(char *buf, size_t size, int w)
{
	snprintf(buf, size, "%d+/-%d", promstat_validate_window_target[w],
		 promstat_validate_window_half[w]);
}

static void print_table(FILE *out, const char *file, const promstat_validate_summary *s)
{
	size_t i;
	int w, r;
	char lab[32];

	cli_term_printf(out, "File          %s\n", file);
	cli_term_printf(out, "SHA-256       %s\n\n", s->sha256);
	fprintf(out, "Rows read     %zu\n", s->counts.rows_read);
	fprintf(out, "  accepted    %zu\n", s->counts.rows_accepted);
	fprintf(out, "  rejected    %zu\n", s->counts.rows_rejected);
	for (r = 0; r < PROMSTAT_REJECT_NREASONS; r++)
		if (s->counts.by_reason[r])
			fprintf(out, "    %-22s %zu\n", promstat_reject_reason_name(r),
				s->counts.by_reason[r]);
	fprintf(out, "\nUnits (patient x episode)  %zu\n", s->units);
	fprintf(out, "Patients                   %zu\n", s->patients);
	fprintf(out, "Observations               %zu\n", s->observations);

	fprintf(out, "\n%-20s %8s\n", "Therapy", "Units");
	for (i = 0; i < s->n_therapies; i++)
		cli_term_printf(out, "%-20s %8zu\n", s->therapies[i].therapy, s->therapies[i].units);

	fprintf(out, "\n%-16s %8s %7s %9s", "Instrument", "Obs", "Units", "Baseline");
	for (w = 0; w < PROMSTAT_VALIDATE_NWINDOWS; w++) {
		window_label(lab, sizeof lab, w);
		fprintf(out, " %8s", lab);
	}
	putc('\n', out);
	for (i = 0; i < s->n_instruments; i++) {
		const promstat_validate_instrument *it = &s->instruments[i];
		cli_term_printf(out, "%-16s %8zu %7zu %9zu", it->code, it->observations, it->units,
			it->baseline_units);
		for (w = 0; w < PROMSTAT_VALIDATE_NWINDOWS; w++)
			fprintf(out, " %8zu", it->window_obs[w]);
		putc('\n', out);
	}
	fprintf(out, "%-16s %8zu %7s %9s", "all", s->observations, "", "");
	for (w = 0; w < PROMSTAT_VALIDATE_NWINDOWS; w++)
		fprintf(out, " %8zu", s->window_obs[w]);
	putc('\n', out);
	cli_table_ingest_report(out, s);
	fputs("\nBaseline: units with an observation on day -90..0. Window columns:\n"
	      "observations within target+/-half width days of the index treatment.\n",
	      out);
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

static void print_csv(FILE *out, const promstat_validate_summary *s)
{
	size_t i;
	int w, r;
	char lab[32];

	fputs("measure,key,window,value\n", out);
	csv_row(out, "rows_read", "", "", s->counts.rows_read);
	csv_row(out, "rows_accepted", "", "", s->counts.rows_accepted);
	csv_row(out, "rows_rejected", "", "", s->counts.rows_rejected);
	for (r = 0; r < PROMSTAT_REJECT_NREASONS; r++)
		csv_row(out, "rows_rejected", promstat_reject_reason_name(r), "",
			s->counts.by_reason[r]);
	csv_row(out, "units", "", "", s->units);
	csv_row(out, "patients", "", "", s->patients);
	csv_row(out, "observations", "", "", s->observations);
	for (i = 0; i < s->n_therapies; i++)
		csv_row(out, "therapy_units", s->therapies[i].therapy, "", s->therapies[i].units);
	for (i = 0; i < s->n_instruments; i++) {
		const promstat_validate_instrument *it = &s->instruments[i];
		csv_row(out, "instrument_observations", it->code, "", it->observations);
		csv_row(out, "instrument_units", it->code, "", it->units);
		csv_row(out, "baseline_units", it->code, "", it->baseline_units);
		for (w = 0; w < PROMSTAT_VALIDATE_NWINDOWS; w++) {
			window_label(lab, sizeof lab, w);
			csv_row(out, "window_observations", it->code, lab, it->window_obs[w]);
		}
	}
	for (w = 0; w < PROMSTAT_VALIDATE_NWINDOWS; w++) {
		window_label(lab, sizeof lab, w);
		csv_row(out, "window_observations", "", lab, s->window_obs[w]);
	}
	cli_csv_ingest_report(out, s);
}

static void json_windows(FILE *out, const size_t *counts)
{
	int w;

	fputc('[', out);
	for (w = 0; w < PROMSTAT_VALIDATE_NWINDOWS; w++)
		fprintf(out, "%s{\"target_day\": %d, \"half_width\": %d, \"observations\": %zu}",
			w ? ", " : "", promstat_validate_window_target[w],
			promstat_validate_window_half[w], counts[w]);
	fputc(']', out);
}

static void print_json(FILE *out, const char *file, const promstat_validate_summary *s)
{
	size_t i;
	int r;

	fputs("{\n  \"file\": ", out);
	cli_json_string(out, file);
	fputs(",\n  \"sha256\": ", out);
	cli_json_string(out, s->sha256);
	fprintf(out, ",\n  \"rows_read\": %zu,\n  \"rows_accepted\": %zu,\n  \"rows_rejected\": %zu,\n",
		s->counts.rows_read, s->counts.rows_accepted, s->counts.rows_rejected);
	fputs("  \"rejected_by_reason\": {", out);
	for (r = 0; r < PROMSTAT_REJECT_NREASONS; r++)
		cli_json_member_size(out, promstat_reject_reason_name(r), s->counts.by_reason[r],
				     r == 0);
	fprintf(out, "},\n  \"units\": %zu,\n  \"patients\": %zu,\n  \"observations\": %zu,\n",
		s->units, s->patients, s->observations);
	fputs("  \"therapies\": [", out);
	for (i = 0; i < s->n_therapies; i++) {
		fputs(i ? ",\n    {\"therapy\": " : "\n    {\"therapy\": ", out);
		cli_json_string(out, s->therapies[i].therapy);
		fprintf(out, ", \"units\": %zu}", s->therapies[i].units);
	}
	fputs(s->n_therapies ? "\n  ],\n" : "],\n", out);
	fputs("  \"instruments\": [", out);
	for (i = 0; i < s->n_instruments; i++) {
		const promstat_validate_instrument *it = &s->instruments[i];
		fputs(i ? ",\n    {\"code\": " : "\n    {\"code\": ", out);
		cli_json_string(out, it->code);
		fprintf(out,
			", \"observations\": %zu, \"units\": %zu, \"baseline_units\": %zu,\n"
			"     \"windows\": ",
			it->observations, it->units, it->baseline_units);
		json_windows(out, it->window_obs);
		fputc('}', out);
	}
	fputs(s->n_instruments ? "\n  ],\n" : "],\n", out);
	cli_json_ingest_report(out, s, "  ");
	fputs("  \"windows\": ", out);
	json_windows(out, s->window_obs);
	fputs("\n}\n", out);
}

int cmd_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "instruments", required_argument, NULL, 'i' },
		{ "map", required_argument, NULL, 'm' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		CLI_INGEST_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	enum cli_format format = CLI_FORMAT_TABLE;
	const char *instruments = NULL, *path;
	const char **map = NULL;
	size_t nmap = 0;
	promstat_ingest_options opt;
	promstat_catalogue *cat = NULL;
	promstat_registry *reg = NULL;
	promstat_validate_summary *sum = NULL;
	promstat_error err;
	cli_reject_list sh = { 0 };
	cli_value_list vl = { 0 };
	cli_ingest_args ia = { NULL, 0 };
	cli_rejects rj = { 0 };
	cli_paths paths = { 0 };
	FILE *in = NULL;
	int c, st, strict = 0, rc = EXIT_OK;

	promstat_error_clear(&err);
	memset(&opt, 0, sizeof opt);
	/* one allocation for both lists, so every early return frees it */
	map = calloc(2 * ((size_t)argc + 1), sizeof *map);
	ia.recode = map + argc + 1;
	if (!map) {
		fputs("promstat: out of memory\n", stderr);
		return EXIT_SOFTWARE;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_parse_format(optarg, &format)) {
				free(map);
				return cli_usage_error("validate",
						       "--format must be table, csv or json, not '%s'",
						       optarg);
			}
			break;
		case 'i': instruments = optarg; break;
		case 'm': map[nmap++] = optarg; break;
		case 'r': rj.path = optarg; break;
		case 's': strict = 1; break;
		case 'h':
			free(map);
			fputs(usage, stdout);
			return EXIT_OK;
		case ':':
			free(map);
			return cli_usage_error("validate", "option '%s' needs a value",
					       argv[optind - 1]);
		default: {
			int r = cli_ingest_option(&opt, &ia, "validate", c, optarg);
			if (r == EXIT_OK)
				break;
			free(map);
			if (r > 0)
				return r;
			return cli_unknown_option("validate", argv[optind - 1], longopts);
		}
		}
	}
	if (optind != argc - 1) {
		free(map);
		return cli_usage_error("validate", optind >= argc ? "no registry FILE given"
								  : "give exactly one registry FILE");
	}
	path = argv[optind];
	opt.strict = strict;
	opt.on_value = cli_print_value;
	opt.on_value_ctx = &vl;
	opt.map = map;
	opt.nmap = nmap;
	opt.on_reject = cli_print_reject;
	opt.on_reject_ctx = &sh;

	if ((st = cli_load_catalogue(instruments, &cat, &err))) {
		rc = cli_fail(&err);
		goto done;
	}
	if (!(in = cli_open_input(path, &err))) {
		rc = cli_fail(&err);
		goto done;
	}
	cli_paths_input(&paths, path, "the input file");
	cli_paths_input(&paths, cli_catalogue_path(instruments), "the instrument catalogue");
	cli_paths_output(&paths, "--rejects", rj.path);
	if ((rc = cli_paths_check(&paths, "validate", NULL, NULL, 0)) != EXIT_OK)
		goto done;
	if ((rc = cli_rejects_open(&rj)) != EXIT_OK)
		goto done;
	opt.rejects = rj.f;
	st = promstat_registry_read(in, strcmp(path, "-") ? path : "stdin", cat, &opt, &reg, &err);
	cli_values_tail(&vl);
	if ((rc = cli_rejects_finish(&rj, &sh, "validate", st, &err)) != EXIT_OK)
		goto done;
	if ((st = promstat_validate_summarize(reg, &sum, &err))) {
		rc = cli_fail(&err);
		goto done;
	}
	cli_print_ingest_notes(sum);
	switch (format) {
	case CLI_FORMAT_TABLE: print_table(stdout, path, sum); break;
	case CLI_FORMAT_CSV: print_csv(stdout, sum); break;
	case CLI_FORMAT_JSON:
		print_json(stdout, path, sum);
		cli_json_report();
		break;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "promstat: cannot write the output: %s\n", strerror(errno));
		rc = EXIT_CANTCREAT;
	}
	/* nothing to analyse is a failure, not an empty report and 0 */
	if (rc == EXIT_OK && !sum->counts.rows_accepted) {
		if (sum->counts.rows_read)
			cli_term_printf(stderr,
				"%s: no row was accepted (all %zu rejected; see the reasons above)\n",
				strcmp(path, "-") ? path : "stdin", sum->counts.rows_read);
		else
			cli_term_printf(stderr, "%s: the file has a header but no rows\n",
				strcmp(path, "-") ? path : "stdin");
		rc = EXIT_DATA;
	}
done:
	promstat_validate_summary_free(sum);
	promstat_registry_free(reg);
	promstat_catalogue_free(cat);
	if (in && in != stdin)
		fclose(in);
	if (rj.f)
		fclose(rj.f);
	free(map);
	return rc;
}
