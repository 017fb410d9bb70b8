/* SPDX-License-Identifier: GPL-3.0-or-later */
/* promstat: dispatches to one subcommand per verb. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"Usage: promstat COMMAND [OPTIONS] FILE\n"
	"\n"
	"Outcome statistics for patient-reported outcomes.\n"
	"\n"
	"Commands:\n"
	"  validate FILE   check a registry extract and account for every row\n"
	"  audit FILE      clinic audit: follow-up, change, responder and MCID rates\n"
	"  meta FILE       meta-analysis of a study-level file (metafor conventions)\n"
	"  mcid FILE       the clinic's own MCID from the registry's anchor (ROC, Terluin)\n"
	"  report FILE     the clinic audit as one self-contained HTML page (-o FILE)\n"
	"\n"
	"Run 'promstat COMMAND --help' for a command's options.\n"
	"Exit codes: 0 success, 2 usage, 65 data error, 66 cannot open input,\n"
	"69 gnuplot missing for a requested chart, 70 internal or numerical failure,\n"
	"73 cannot write output.\n";

int main(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(NULL, "no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("promstat %s\n", promstat_version());
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "validate"))
		return cmd_validate(argc - 1, argv + 1);
	if (!strcmp(argv[1], "audit"))
		return cmd_audit(argc - 1, argv + 1);
	if (!strcmp(argv[1], "meta"))
		return cmd_meta(argc - 1, argv + 1);
	if (!strcmp(argv[1], "mcid"))
		return cmd_mcid(argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return cmd_report(argc - 1, argv + 1);
	return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}
