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
 * plot"); output is the file the chart is for, named in messages (NULL
 * when gnuplot draws on standard output); save, when not NULL, is where
 * the script is also saved so it can be restyled and rerun. Messages go to
 * stderr. Returns an exit code: EXIT_OK; EXIT_CANTCREAT when the script
 * cannot be saved, or gnuplot failed saying it could not open its output;
 * EXIT_UNAVAILABLE when gnuplot is not installed (the message names the
 * Debian package); EXIT_SOFTWARE when gnuplot fails otherwise (its own
 * words are quoted). s is freed in every case.
 */
int cli_gnuplot_draw(cli_script *s, const char *what, const char *output, const char *save);

/*
 * A chart's file, written so that a chart is either whole where it was
 * asked for or not there at all. gnuplot writes a new temporary file
 * (draw_path): next to the chart when the chart's file is new or a
 * regular file, so that it is renamed into place; in $TMPDIR when the
 * chart's file is a device or a pipe, so that it is copied there with
 * every write checked (gnuplot does not check its own: "--forest
 * /dev/full" used to exit 0).
 */
typedef struct cli_chart_file {
	const char *path;   /* the chart's file as asked for */
	char *target;	    /* where it goes: path, or what its symbolic link names */
	char *draw_path;    /* the temporary file gnuplot writes */
	char *draw_folder;  /* the new folder it is in, .promstat-chart-XXXXXX */
	int copy;	    /* 1: copy into target; 0: rename onto it */
	/*
	 * What the file's last bytes must be for the chart to be whole, set by
	 * the caller after opening ("</svg>" for SVG, "%%EOF" for PDF, PNG's
	 * IEND chunk, after which a text trailer may have line ends; NULL: no
	 * check, as for text charts): gnuplot reports no write
	 * error, so a chart cut short by a full disk is known only by its end.
	 */
	const char *trailer;
	size_t trailer_len;
} cli_chart_file;

/* Sets cf's trailer for a chart of format (a promstat_plot_format). */
void cli_chart_file_expect(cli_chart_file *cf, int format);

/*
 * Prepares cf for the chart what to be written to path (not NULL): creates
 * the temporary file. Returns EXIT_OK, EXIT_CANTCREAT (the folder cannot
 * be written, or path is a folder; the message names path and why) or
 * EXIT_SOFTWARE (out of memory), messages on stderr; on failure nothing
 * is left to clean up.
 */
int cli_chart_file_open(cli_chart_file *cf, const char *path, const char *what);

/*
 * Ends cf after gnuplot ran with exit code rc. When rc is EXIT_OK, checks
 * that gnuplot wrote something, puts the chart in place and checks it is
 * there (EXIT_CANTCREAT when any step fails, with the reason); otherwise
 * leaves the chart's file as it was. The temporary file is removed in
 * every case. Returns the exit code of the whole: rc, or EXIT_CANTCREAT.
 */
int cli_chart_file_close(cli_chart_file *cf, int rc, const char *what);

#endif
