/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The gnuplot pipe: chart scripts are built in memory by the emitters in
 * plots/, optionally saved for the user to restyle, then piped into
 * gnuplot, whose exit status and error output are checked and reported in
 * plain words.
 */
#ifndef PROMSTAT_CLI_GNUPLOT_H
#define PROMSTAT_CLI_GNUPLOT_H

#include <stddef.h>
#include <stdio.h>

/* A chart script being written in memory: write to f, then draw. */
typedef struct cli_script {
	FILE *f;
	char *text;
	size_t len;
} cli_script;

/* Opens an empty in-memory script. Returns 0, or -1 when out of memory. */
int cli_script_open(cli_script *s);

/* Releases the script; safe on a script never opened or already drawn. */
void cli_script_free(cli_script *s);

/*
 * The gnuplot to run: $GNUPLOT when set and not empty, else the one
 * configure found (PROMSTAT_GNUPLOT in config.h, "gnuplot" when none).
 */
const char *cli_gnuplot_program(void);

/* 1 when program can run: an executable path, or a name found on $PATH. */
int cli_gnuplot_available(const char *program);

/*
 * Finishes s and draws it. what names the chart in messages ("forest
 * plot"); output is the file gnuplot will write (NULL when it draws on
 * standard output); save, when not NULL, is where the script is also saved
 * so it can be restyled and rerun. Messages go to stderr. Returns an exit
 * code: EXIT_OK; EXIT_CANTCREAT when the script or the chart's folder
 * cannot be written; EXIT_UNAVAILABLE when gnuplot is not installed (the
 * message names the Debian package); EXIT_SOFTWARE when gnuplot fails (its
 * own words are quoted). s is freed in every case.
 */
int cli_gnuplot_draw(cli_script *s, const char *what, const char *output, const char *save);

#endif
