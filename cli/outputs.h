/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Every file one run of promstat reads and writes, collected so that the
 * output paths can be checked together, in one place, before anything is
 * written: no output names an input, no two outputs name one file, and no
 * output path is one that promstat or gnuplot would have to rewrite.
 */
#ifndef PROMSTAT_CLI_OUTPUTS_H
#define PROMSTAT_CLI_OUTPUTS_H

#include <stddef.h>

/* More than any command has (input, catalogue; rejects, script, charts). */
#define CLI_PATHS_MAX 16

typedef struct cli_paths {
	struct {
		const char *path; /* "-": standard input */
		const char *what; /* "the input file", "the instrument catalogue" */
	} inputs[CLI_PATHS_MAX];
	size_t n_inputs;
	struct {
		const char *option; /* "--forest" */
		const char *path;
	} outputs[CLI_PATHS_MAX];
	size_t n_outputs;
} cli_paths;

/*
 * Records an input. what describes it in messages; path NULL or empty is
 * ignored; "-" is standard input (checked when it is a regular file).
 */
void cli_paths_input(cli_paths *p, const char *path, const char *what);

/*
 * Records the output given to option; path NULL is ignored. The caller
 * leaves out an option's "-" when it means standard output (a text chart).
 */
void cli_paths_output(cli_paths *p, const char *option, const char *path);

/*
 * Checks every recorded output, and the n_extra further outputs extra[]
 * (the chart files an option such as --plots DIR stands for, named
 * extra_option in messages): each must be a path promstat writes as given
 * (not empty, no control character, shorter than PATH_MAX); none may be
 * an input (same st_dev and st_ino, following symbolic links); no two may
 * be the same file (the same inode when it exists, else the same name in
 * the same existing folder). Nothing is created or opened for writing.
 * Returns EXIT_OK, or EXIT_USAGE with the reason on stderr and cmd's
 * --help hint.
 */
int cli_paths_check(const cli_paths *p, const char *cmd, const char *extra_option,
		    const char *const *extra, size_t n_extra);

#endif
