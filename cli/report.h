/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * promstat report: the clinic audit as one self-contained HTML page
 * (issue 17). cmd_audit.c parses the options and runs the audit exactly as
 * for 'promstat audit'; this file only writes what the audit computed.
 */
#ifndef PROMSTAT_CLI_REPORT_H
#define PROMSTAT_CLI_REPORT_H

#include "promstat.h"
#include "promstat_audit.h"
#include "promstat_ingest.h"
#include "promstat_mcid.h"
#include "plot_cli.h"

typedef struct cli_report_audit_input {
	const char *output;	     /* -o FILE */
	const char *path;	     /* the input as given ("-": standard input) */
	const char *display;	     /* its name in messages ("stdin" for "-") */
	const char *command_line;    /* as typed, before getopt reordered it */
	const char *catalogue_path;  /* the catalogue file read, or NULL */
	int headline_day;	     /* --headline-timepoint (default 180) */
	const promstat_audit *a;
	const promstat_validate_summary *sum;
	const promstat_durability *dur; /* NULL without --durability */
	const char *const *derived_code; /* --mcid CODE=derived:METHOD */
	const char (*derived_how)[160];
	const double *derived_value;
	size_t n_derived;
	const cli_plot_opts *plots;  /* the run's chart options (--plot-format aside) */
} cli_report_audit_input;

/*
 * Draws the charts as SVG into a temporary folder, reads them back, and
 * writes the page to in->output (checked by the caller with
 * cli_paths_check). Without gnuplot the page is written without charts and
 * stderr says so. Returns an exit code; on failure the output is removed.
 */
int cli_report_audit(const cli_report_audit_input *in);

/* Shared with meta --report (cmd_meta.c). */
/* Reads the whole of path into a new NUL-terminated buffer; 0, or -1 (errno). */
int cli_report_slurp(const char *path, char **out, size_t *len);
/* The page's head: doctype, meta (charset, viewport, a CSP that forbids any
 * fetch), the title (escaped), the style sheet; opens <body><main>. */
void cli_report_head(FILE *out, const char *title);
/* SHA-256 of the file at path as hex; 0, or -1 (errno). */
int cli_report_sha256(const char *path, char hex[65]);

#endif
