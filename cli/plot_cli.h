/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Chart options shared by 'meta' and 'audit', and the conversion of their
 * engine results into the chart emitters' input (plot_meta.c,
 * plot_audit.c). The commands only parse the options and call the draw
 * function after printing their numbers.
 */
#ifndef PROMSTAT_CLI_PLOT_H
#define PROMSTAT_CLI_PLOT_H

#include <stddef.h>

#include "promstat.h"
#include "promstat_meta.h"
#include "promstat_studies.h"
#include "promstat_plots.h"

typedef struct cli_plot_opts {
	const char *forest;	/* meta --forest FILE */
	const char *funnel;	/* meta --funnel FILE */
	const char *dir;	/* audit --plots DIR */
	const char *script;	/* --gnuplot-script FILE: every chart's script, saved */
	int have_format;	/* --plot-format given */
	enum promstat_plot_format format;
	double mcid_band;	/* meta --mcid-band VALUE; NaN = none */
	const struct cli_paths *paths; /* the run's files, to check chart files against */
	/*
	 * When set, called after each audit chart is drawn, instead of naming
	 * it on stderr (promstat report reads the charts back to inline them):
	 * kind is "trajectory", "responders", "followup" or "durability";
	 * instrument the audit's index (SIZE_MAX for none); day the timepoint's
	 * (0 for none). Returns an exit code; not EXIT_OK stops the drawing.
	 */
	int (*on_chart)(void *ctx, const char *kind, size_t instrument, int day, const char *path);
	void *on_chart_ctx;
} cli_plot_opts;

/* Option codes, out of the way of the commands' own. */
enum {
	CLI_OPT_FOREST = 0x7100,
	CLI_OPT_FUNNEL,
	CLI_OPT_MCID_BAND,
	CLI_OPT_GNUPLOT_SCRIPT,
	CLI_OPT_PLOT_FORMAT,
	CLI_OPT_PLOTS
};

/* getopt_long entries (the command includes <getopt.h>). */
#define CLI_META_PLOT_LONGOPTS                                                         \
	{ "forest", required_argument, NULL, CLI_OPT_FOREST },                         \
	{ "funnel", required_argument, NULL, CLI_OPT_FUNNEL },                         \
	{ "mcid-band", required_argument, NULL, CLI_OPT_MCID_BAND },                   \
	{ "gnuplot-script", required_argument, NULL, CLI_OPT_GNUPLOT_SCRIPT },         \
	{ "plot-format", required_argument, NULL, CLI_OPT_PLOT_FORMAT }
#define CLI_AUDIT_PLOT_LONGOPTS                                                        \
	{ "plots", required_argument, NULL, CLI_OPT_PLOTS },                           \
	{ "gnuplot-script", required_argument, NULL, CLI_OPT_GNUPLOT_SCRIPT },         \
	{ "plot-format", required_argument, NULL, CLI_OPT_PLOT_FORMAT }

#define CLI_META_PLOT_USAGE                                                                \
	"  --forest FILE         draw a forest plot (.svg, .png, .pdf; .txt or - for\n"    \
	"                        text); with --by, a block per subgroup\n"                \
	"  --funnel FILE         draw a contour-enhanced funnel plot; with --bias, the\n"  \
	"                        trim-and-fill studies hollow\n"                          \
	"  --mcid-band VALUE     shade effects smaller than VALUE on the forest plot\n"    \
	"                        (a ratio > 1 for RR, OR, ROM: 1/VALUE to VALUE; not\n"   \
	"                        drawn for proportions, which have no null effect)\n"   \
	"  --plot-format FMT     svg, png, pdf or dumb (text), instead of the extension\n" \
	"  --gnuplot-script FILE also save the gnuplot script, to restyle and rerun\n"

#define CLI_AUDIT_PLOT_USAGE                                                               \
	"  --plots DIR             draw charts into DIR: trajectory-CODE.svg,\n"           \
	"                          responders-CODE-DAY.svg, followup.svg (names on stderr)\n" \
	"  --plot-format FMT       svg (default), png, pdf or dumb (.txt files)\n"        \
	"  --gnuplot-script FILE   also save the charts' gnuplot script\n"

void cli_plot_opts_init(cli_plot_opts *o);

/* Handles one chart option; returns -1 to go on, or an exit code. */
int cli_plot_option(cli_plot_opts *o, const char *cmd, int c, const char *arg);

/* The longest part of a chart's file name that stands for an instrument code. */
#define CLI_CHART_CODE_MAX 150

/*
 * The part of a chart's file name that stands for an instrument code, into
 * buf (at least CLI_CHART_CODE_MAX + 1 bytes), one to one: letters,
 * digits, '-', '_' and '.' (not first) are kept; every other byte is
 * written %XX, its value in hex, '%' included, so two codes never share a
 * name ("A/B" is A%2FB, "A_B" stays A_B) and the usual codes keep their
 * own. A name that would be longer than CLI_CHART_CODE_MAX is cut after
 * whole %XX groups at 133 bytes and ends in '~' and 16 hex digits of the
 * whole code's FNV-1a hash: '~' is %7E in every other name, so a cut name
 * is never another code's uncut one, and two cut names differ unless the
 * hashes collide (cli_paths_check refuses the run then, before drawing).
 * Every chart named after an instrument (audit, durability, mcid) uses it.
 */
void cli_chart_code(const char *code, char *buf);

struct cli_paths;

/* Records --forest, --funnel and --gnuplot-script as outputs (outputs.h). */
void cli_plot_paths(const cli_plot_opts *o, struct cli_paths *paths);

/* What 'meta' computed, for its charts. Pointers may be NULL when absent. */
typedef struct cli_meta_plot_input {
	const char *path; /* the study file, named in titles */
	promstat_meta_measure measure;
	const promstat_meta_options *opt;
	const promstat_studies *studies;
	size_t k;
	const double *yi, *vi, *weights; /* weights in percent */
	const promstat_meta_summary *overall;
	const char *by;				/* --by column, or NULL */
	const promstat_studies_groups *groups;	/* with --by */
	const promstat_meta_summary *levels;	/* groups->nlevels summaries */
	const promstat_meta_subgroup_test *subtest;
	int bias;				/* --bias: trim and fill on the funnel */
} cli_meta_plot_input;

/* Draws the charts 'meta' was asked for. Returns an exit code. */
int cli_meta_plots(const cli_plot_opts *o, const cli_meta_plot_input *in);

struct promstat_audit;

/*
 * Checks o->dir, when set, before anything is written: a path that exists
 * and is not a folder is EXIT_CANTCREAT, with the message on stderr.
 */
int cli_audit_plots_folder(const cli_plot_opts *o);

/*
 * Draws the audit charts into o->dir (when set), creating it. Every chart's
 * file is named first, and checked with cli_paths_check against o->paths
 * (when set) before the first is drawn. Returns an exit code.
 */
int cli_audit_plots(const cli_plot_opts *o, const struct promstat_audit *a);

/* ---- shared by plot_meta.c and plot_audit.c ---- */

/*
 * Draws one chart: writes its script with emit(ctx), appends it to the
 * saved script when o->script is set (first = truncate), then runs
 * gnuplot. output is the chart's file (NULL: standard output).
 */
typedef int (*cli_plot_emit_fn)(FILE *out, const void *ctx, const promstat_plot_target *t,
				promstat_error *err);
int cli_plot_draw(const cli_plot_opts *o, const char *what, const char *output,
		  enum promstat_plot_format format, cli_plot_emit_fn emit, const void *ctx,
		  int *first);

#endif
