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
	"Run 'promstat COMMAND --help' (or -h, or 'promstat help COMMAND') for a\n"
	"command's options; 'promstat COMMAND --version' prints the version.\n"
	"Exit codes: 0 success, 2 usage, 65 data error, 66 cannot open input,\n"
	"69 gnuplot missing for a requested chart, 70 internal or numerical failure,\n"
	"73 cannot write output.\n";

/* The subcommand named verb, or NULL. */
static int (*command(const char *verb))(int, char **)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = { { "validate", cmd_validate }, { "audit", cmd_audit }, { "meta", cmd_meta },
		     { "mcid", cmd_mcid },	   { "report", cmd_report } };

	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
		if (!strcmp(verb, cmds[i].name))
			return cmds[i].fn;
	return NULL;
}

int main(int argc, char **argv)
{
	int (*fn)(int, char **);

	if (argc < 2)
		return cli_usage_error(NULL, "no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    (!strcmp(argv[1], "help") && argc == 2)) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("promstat %s\n", promstat_version());
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		/* promstat help CMD: CMD's --help */
		static char help[] = "--help";
		char *args[3];

		if (argc > 3 || !(fn = command(argv[2])))
			return cli_usage_error(NULL, "'promstat help' takes one command name, not '%s'",
					       argv[2]);
		args[0] = argv[2];
		args[1] = help;
		args[2] = NULL;
		return fn(2, args);
	}
	if (!(fn = command(argv[1])))
		return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
	/* -h is --help for every command (up to "--", after which nothing is an
	 * option); --version is answered by each command's getopt loop, which
	 * hands it to cli_unknown_option. */
	for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h")) {
			static char help[] = "--help";
			argv[i] = help;
		}
	return fn(argc - 1, argv + 1);
}
