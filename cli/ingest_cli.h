/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What validate and audit share about reading an extract: the options that
 * say how to read it (--recode, --recode-file, --ae-none, --date-format,
 * --encoding), the messages about values set missing, and the report of
 * what ingest did (the "input" of the JSON).
 */
#ifndef PROMSTAT_INGEST_CLI_H
#define PROMSTAT_INGEST_CLI_H

#include <stdio.h>

#include "promstat.h"

enum {
	CLI_OPT_RECODE = 0x7200,
	CLI_OPT_RECODE_FILE,
	CLI_OPT_AE_NONE,
	CLI_OPT_DATE_FORMAT,
	CLI_OPT_ENCODING
};

#define CLI_INGEST_LONGOPTS                                                            \
	{ "recode", required_argument, NULL, CLI_OPT_RECODE },                         \
	{ "recode-file", required_argument, NULL, CLI_OPT_RECODE_FILE },               \
	{ "ae-none", required_argument, NULL, CLI_OPT_AE_NONE },                       \
	{ "date-format", required_argument, NULL, CLI_OPT_DATE_FORMAT },               \
	{ "encoding", required_argument, NULL, CLI_OPT_ENCODING }

/* The usage lines of those options. */
#define CLI_INGEST_USAGE                                                               \
	"  --recode COL=FROM:TO  read FROM (trimmed, any case) in column COL as TO,\n"    \
	"                        e.g. therapy=Hyaluronic Acid:HA (repeatable)\n"          \
	"  --recode-file FILE    recodes from a CSV with columns column,from,to\n"          \
	"  --ae-none LIST        ae values meaning no event (default\n"                     \
	"                        none,no,0,n/a,na,-,nil; an empty ae is none)\n"            \
	"  --date-format F       ISO (default), DMY or MDY for dates such as 21/08/2023\n" \
	"  --encoding E          utf-8 or windows-1252 (default: detected)\n"

/* The list of --recode values (room for argc of them). */
typedef struct cli_ingest_args {
	const char **recode;
	size_t nrecode;
} cli_ingest_args;

/*
 * Handles option c (one of CLI_OPT_RECODE...) with argument arg into o and
 * a. Returns -1 when c is none of them, else EXIT_OK or EXIT_USAGE (with
 * the message printed, naming cmd).
 */
int cli_ingest_option(promstat_ingest_options *o, cli_ingest_args *a, const char *cmd, int c,
		      const char *arg);

/* Values set missing in kept rows on stderr: the first CLI_SHOWN_REJECTS,
 * then a count (cli_values_tail). Context: a zeroed cli_value_list. */
typedef struct cli_value_list {
	size_t n;
} cli_value_list;
void cli_print_value(const promstat_error *diag, const char *column, int reason, void *ctx);
void cli_values_tail(const cli_value_list *list);

/* The merged spellings and unused recodes as notes on stderr (audit). */
void cli_print_merged(const promstat_validate_summary *s);

/* The notes of the ingest report on stderr ("promstat: note: ..."). */
void cli_print_ingest_notes(const promstat_validate_summary *s);

/*
 * The report's JSON members (values_ignored, merged_levels,
 * recodes_unused, patients_all_rejected, units_all_rejected,
 * units_without_baseline, units_without_followup, ae_codes, sex_other,
 * unit_conflicts, encoding, notes), each on its own line after indent,
 * each followed by a comma and a newline.
 */
void cli_json_ingest_report(FILE *out, const promstat_validate_summary *s, const char *indent);

/* The same as lines of the readable table. */
void cli_table_ingest_report(FILE *out, const promstat_validate_summary *s);

/* The same as rows measure,key,window,value of validate's CSV. */
void cli_csv_ingest_report(FILE *out, const promstat_validate_summary *s);

#endif
