/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the promstat program's files share: exit codes, options, output. */
#ifndef PROMSTAT_CLI_H
#define PROMSTAT_CLI_H

#include <stdio.h>

#include "promstat.h"
#include "json.h" /* the JSON writer: every JSON string, key and number */
#include "term.h" /* the terminal writer: every label in a table or message */

/* Exit codes (documented in promstat.1 and README). */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 2,	     /* bad command line */
	EXIT_DATA = 65,	     /* malformed input, or a reject under --strict */
	EXIT_NOINPUT = 66,   /* input cannot be opened */
	EXIT_UNAVAILABLE = 69, /* a chart was asked for and gnuplot is missing */
	EXIT_SOFTWARE = 70,  /* internal or numerical failure, gnuplot failed */
	EXIT_CANTCREAT = 73  /* output cannot be written */
};

enum cli_format { CLI_FORMAT_TABLE, CLI_FORMAT_CSV, CLI_FORMAT_JSON };

/* The exit code for a library status. */
int cli_exit_code(int status);

/* Splits s at commas in place into out[0..max-1]; returns the field count. */
size_t cli_split_commas(char *s, const char **out, size_t max);

/* Prints err to stderr as "FILE:LINE:COL: message" and returns its exit code. */
int cli_fail(const promstat_error *err);

/* Prints "promstat: <message>" and a hint to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct option;
/*
 * The usage error for an unknown option given (as typed): names the
 * nearest long option of opts (getopt_long's table) when one is within two
 * edits ("--refrence": did you mean '--reference'?). Returns EXIT_USAGE,
 * except for "--version", which every command takes: the version is
 * printed on stdout and EXIT_OK returned.
 */
int cli_unknown_option(const char *cmd, const char *given, const struct option *opts);

/* Parses "table", "csv" or "json"; returns 0 or -1. */
int cli_parse_format(const char *s, enum cli_format *out);

/*
 * Loads the instrument catalogue: path when given, else $PROMSTAT_INSTRUMENTS,
 * else the installed copy, else the source tree's copy. Returns a status.
 */
int cli_load_catalogue(const char *path, promstat_catalogue **out, promstat_error *err);

/* The file cli_load_catalogue(path, ...) reads, or NULL when there is none. */
const char *cli_catalogue_path(const char *path);

/* Opens path for reading ("-" = stdin); on failure fills err (EOPEN). */
FILE *cli_open_input(const char *path, promstat_error *err);

/*
 * CSV writing: text through promstat_csv_write_text (quoted as needed, a
 * formula-leading text cell given a leading apostrophe); numbers round-trip
 * (%.17g), NaN is empty.
 */
void cli_csv_string(FILE *out, const char *s);
void cli_csv_number(FILE *out, double x);

/*
 * Rejected rows on stderr: the first CLI_SHOWN_REJECTS in full, then a count.
 * Pass cli_print_reject as the ingest's on_reject with a zeroed
 * cli_reject_list as its context, and call cli_rejects_tail after reading.
 */
#define CLI_SHOWN_REJECTS 20
typedef struct cli_reject_list {
	size_t n;
} cli_reject_list;
void cli_print_reject(const promstat_error *diag, int reason, void *ctx);
void cli_rejects_tail(const cli_reject_list *list, int have_rejects_file);

/*
 * The --rejects FILE of a command that reads rows: opened (truncated)
 * before reading, given to the reader as its rejects stream, closed with
 * its write errors checked once reading is done.
 */
typedef struct cli_rejects {
	const char *path; /* NULL: no --rejects given */
	FILE *f;	  /* open between cli_rejects_open and cli_rejects_close */
} cli_rejects;

/*
 * Opens (truncates) r->path for writing when it is set. The caller has
 * checked it with cli_paths_check (outputs.h), which refuses the input.
 * Returns EXIT_OK or EXIT_CANTCREAT, with the message already on stderr.
 */
int cli_rejects_open(cli_rejects *r);

/*
 * After reading with status st: prints the count of rejected rows not
 * shown (cli_rejects_tail), then turns a failed read into an exit code (a
 * malformed option such as --map is a usage error of cmd; a failure to
 * write the rejected rows names the rejects file), then closes r->f,
 * reporting a write error. Returns EXIT_OK when reading succeeded and
 * every rejected row was written; r->f is closed either way unless the
 * read failed (the caller's cleanup closes it then).
 */
int cli_rejects_finish(cli_rejects *r, const cli_reject_list *shown, const char *cmd, int st,
		       promstat_error *err);

/* Subcommands: argc/argv start at the verb. Each returns an exit code. */
int cmd_validate(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_meta(int argc, char **argv);
int cmd_mcid(int argc, char **argv);
int cmd_report(int argc, char **argv); /* cmd_audit.c: the audit as an HTML page */

#endif
