/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Chart options and the one-chart drawing step shared by meta and audit. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "term.h"
#include "gnuplot.h"
#include "promstat.h"
#include "outputs.h"
#include "plot_cli.h"

void cli_plot_opts_init(cli_plot_opts *o)
{
	memset(o, 0, sizeof *o);
	o->mcid_band = NAN;
}

int cli_plot_option(cli_plot_opts *o, const char *cmd, int c, const char *arg)
{
	switch (c) {
	case CLI_OPT_FOREST: o->forest = arg; break;
	case CLI_OPT_FUNNEL: o->funnel = arg; break;
	case CLI_OPT_PLOTS: o->dir = arg; break;
	case CLI_OPT_GNUPLOT_SCRIPT: o->script = arg; break;
	case CLI_OPT_MCID_BAND:
		if (promstat_parse_double(arg, strlen(arg), &o->mcid_band) != 0 || !(o->mcid_band > 0))
			return cli_usage_error(cmd, "--mcid-band must be a positive number, not '%s'",
					       arg);
		break;
	case CLI_OPT_PLOT_FORMAT:
		if (promstat_plot_format_parse(arg, &o->format) != 0)
			return cli_usage_error(cmd, "--plot-format must be svg, png, pdf or dumb, not '%s'",
					       arg);
		o->have_format = 1;
		break;
	default: return cli_usage_error(cmd, "unknown option");
	}
	return -1;
}


/*
 * FNV-1a, 64 bits (Fowler, Noll and Vo; offset basis and prime from
 * http://www.isthe.com/chongo/tech/comp/fnv/): a fixed, portable hash, so a
 * long code gives the same file name on every machine and every run.
 */
static unsigned long long fnv1a64(const char *s)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* See plot_cli.h; the scheme is documented in README and promstat.1. */
void cli_chart_code(const char *code, char *buf)
{
	static const char hex[] = "0123456789ABCDEF";
	const size_t cut = CLI_CHART_CODE_MAX - 17;
	size_t n = 0, at_cut = 0;
	const char *p;

	for (p = code; *p; p++) {
		unsigned char c = (unsigned char)*p;
		int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			   c == '-' || c == '_' || (c == '.' && p != code);
		size_t need = keep ? 1 : 3;
		if (n + need <= cut)
			at_cut = n + need;
		if (n + need > CLI_CHART_CODE_MAX) {
			snprintf(buf + at_cut, CLI_CHART_CODE_MAX + 1 - at_cut, "~%016llX", fnv1a64(code));
			return;
		}
		if (keep) {
			buf[n++] = (char)c;
		} else {
			buf[n++] = '%';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 15];
		}
	}
	buf[n] = '\0';
}

void cli_plot_paths(const cli_plot_opts *o, cli_paths *paths)
{
	/* "-" draws a text chart on standard output: no file. */
	if (o->forest && strcmp(o->forest, "-"))
		cli_paths_output(paths, "--forest", o->forest);
	if (o->funnel && strcmp(o->funnel, "-"))
		cli_paths_output(paths, "--funnel", o->funnel);
	cli_paths_output(paths, "--gnuplot-script", o->script);
}

/* Writes the chart's script for target t into a new in-memory script s. */
static int emit_script(cli_script *s, const char *what, const promstat_plot_target *t,
		       cli_plot_emit_fn emit, const void *ctx)
{
	promstat_error err;
	int st;

	promstat_error_clear(&err);
	if (cli_script_open(s) != 0) {
		fputs("promstat: out of memory\n", stderr);
		return EXIT_SOFTWARE;
	}
	if ((st = emit(s->f, ctx, t, &err)) != PROMSTAT_OK) {
		cli_script_free(s);
		cli_term_printf(stderr, "promstat: cannot draw the %s: %s\n", what, err.message);
		return st == PROMSTAT_EINVAL ? EXIT_USAGE : cli_exit_code(st);
	}
	if (fflush(s->f) != 0 || ferror(s->f)) {
		cli_script_free(s);
		cli_term_printf(stderr, "promstat: could not build the %s script (out of memory?)\n", what);
		return EXIT_SOFTWARE;
	}
	return EXIT_OK;
}

int cli_plot_draw(const cli_plot_opts *o, const char *what, const char *output,
		  enum promstat_plot_format format, cli_plot_emit_fn emit, const void *ctx,
		  int *first)
{
	promstat_plot_target t = {format, output};
	cli_chart_file cf;
	cli_script s;
	int rc;

	if (o->script) {
		/* Every chart of the run goes into one script: each sets its own
		   output, the file asked for, so the script can be rerun as it is. */
		FILE *f;
		if ((rc = emit_script(&s, what, &t, emit, ctx)) != EXIT_OK)
			return rc;
		f = fopen(o->script, *first ? "wb" : "ab");
		if (!f || fwrite(s.text, 1, s.len, f) != s.len || fclose(f) != 0) {
			cli_term_printf(stderr, "promstat: %s: cannot save the gnuplot script: %s\n", o->script,
				strerror(errno));
			cli_script_free(&s);
			return EXIT_CANTCREAT;
		}
		*first = 0;
		cli_script_free(&s);
	}
	if (!output) {
		if ((rc = emit_script(&s, what, &t, emit, ctx)) != EXIT_OK)
			return rc;
		return cli_gnuplot_draw(&s, what, NULL, NULL);
	}
	/* gnuplot draws into a temporary file that becomes the chart only when
	   it is whole (cli_chart_file_close). */
	if ((rc = cli_chart_file_open(&cf, output, what)) != EXIT_OK)
		return rc;
	cli_chart_file_expect(&cf, format);
	t.path = cf.draw_path;
	if ((rc = emit_script(&s, what, &t, emit, ctx)) == EXIT_OK)
		rc = cli_gnuplot_draw(&s, what, output, NULL);
	return cli_chart_file_close(&cf, rc, what);
}
