/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "cli.h"
int cmd_audit(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(NULL, "'audit' is not built yet");
}
