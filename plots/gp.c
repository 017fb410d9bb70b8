/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What every chart shares: safe quoting of user text, terminal selection,
 * the colour palette and number formatting. The quoting here is the
 * security boundary between user files and gnuplot (see promstat_plots.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"
#include "promstat.h"

/* ---- formats ---- */

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	if (n < m)
		return 0;
	for (size_t i = 0; i < m; i++)
		if (tolower((unsigned char)s[n - m + i]) != tolower((unsigned char)suffix[i]))
			return 0;
	return 1;
}

int promstat_plot_format_from_path(const char *path, enum promstat_plot_format *out,
				   promstat_error *err)
{
	const char *base, *dot;

	if (!out)
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place to store the format");
	*out = PROMSTAT_PLOT_SVG;
	if (!path)
		return PROMSTAT_OK;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (!dot || dot == base)
		return PROMSTAT_OK;
	if (ends_with_ci(base, ".svg"))
		*out = PROMSTAT_PLOT_SVG;
	else if (ends_with_ci(base, ".png"))
		*out = PROMSTAT_PLOT_PNG;
	else if (ends_with_ci(base, ".pdf"))
		*out = PROMSTAT_PLOT_PDF;
	else if (ends_with_ci(base, ".txt"))
		*out = PROMSTAT_PLOT_DUMB;
	else
		return promstat_error_set(err, PROMSTAT_EINVAL, path, 0, 0,
				"charts can be written as .svg, .png, .pdf or .txt, not \"%s\"",
				dot);
	return PROMSTAT_OK;
}

int promstat_plot_format_parse(const char *s, enum promstat_plot_format *out)
{
	static const char *const names[] = {"svg", "png", "pdf", "dumb"};

	if (!s || !out)
		return -1;
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum promstat_plot_format)i;
			return 0;
		}
	return -1;
}

const char *promstat_plot_format_name(enum promstat_plot_format f)
{
	switch (f) {
	case PROMSTAT_PLOT_SVG: return "svg";
	case PROMSTAT_PLOT_PNG: return "png";
	case PROMSTAT_PLOT_PDF: return "pdf";
	case PROMSTAT_PLOT_DUMB: return "dumb";
	}
	return "svg";
}

/* ---- palette ---- */

/*
 * Okabe & Ito (2008), "Color Universal Design": distinguishable under the
 * common colour-vision deficiencies. Yellow and black come last: yellow is
 * faint on white and black is taken by reference lines.
 */
static const char *const okabe_ito[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
					"#D55E00", "#56B4E9", "#F0E442", "#000000"};

const char *promstat_plot_palette_colour(const promstat_plot_palette *pal, const char *therapy)
{
	if (pal && therapy && pal->therapies)
		for (size_t i = 0; i < pal->n_therapies; i++)
			if (pal->therapies[i] && !strcmp(pal->therapies[i], therapy))
				return okabe_ito[i % (sizeof okabe_ito / sizeof okabe_ito[0])];
	return "#999999";
}

/* ---- safe text ---- */

/*
 * Length of the valid UTF-8 sequence at s (1-4), or 0 when s does not start
 * one (stray continuation byte, overlong form, surrogate, beyond U+10FFFF).
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80)
			return 0;
		/* U+FFFE and U+FFFF are not characters and break XML. */
		if (c == 0xEF && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF))
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

/*
 * Writing one apostrophe inside a single-quoted gnuplot string. gnuplot
 * 5.4's scanner (scanner.c) takes a doubled '' as an apostrophe only when it
 * follows another character of the same string: at the start of the string,
 * or right after an apostrophe written so, '' ends the string instead
 * ('''t Hooft' reads as '' then 't Hooft'; 'a''''b' as 'a''' then 'b').
 * Such an apostrophe is written as a separate string joined with gnuplot's
 * concatenation operator: "\047" (octal for the apostrophe), so '''t'
 * becomes "\047".'t'. Not "'": gnuplot's macro expansion (command.c,
 * expand_1level_macros) toggles its single-quote state on every
 * apostrophe, even inside double quotes, so after "'" it would take the
 * rest of the label for unquoted text, expanding an @name there or
 * starting a comment at a '#'. "\047" keeps both its quote states
 * balanced and holds no backquote to substitute.
 */

static void sq_open(ps_gp_sq *w)
{
	if (w->in_piece)
		return;
	if (w->wrote)
		putc('.', w->out);
	putc('\'', w->out);
	w->in_piece = 1;
	w->after_char = 0;
	w->wrote = 1;
}

void ps_gp_sq_bytes(ps_gp_sq *w, const void *p, size_t n)
{
	sq_open(w);
	fwrite(p, 1, n, w->out);
	w->after_char = 1;
}

void ps_gp_sq_apostrophe(ps_gp_sq *w)
{
	if (w->in_piece && w->after_char) {
		fputs("''", w->out);
		w->after_char = 0;
		return;
	}
	if (w->in_piece)
		putc('\'', w->out);
	fputs(w->wrote ? ".\"\\047\"" : "\"\\047\"", w->out);
	w->in_piece = 0;
	w->wrote = 1;
}

void ps_gp_sq_end(ps_gp_sq *w)
{
	if (w->in_piece)
		putc('\'', w->out);
	else if (!w->wrote)
		fputs("''", w->out);
}

void ps_gp_quote(FILE *out, const char *s, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t chars = 0, total = 0;
	ps_gp_sq w = { out, 0, 0, 0 };

	if (max_chars == 0 || max_chars > PS_GP_LABEL_MAX)
		max_chars = PS_GP_LABEL_MAX;
	/* Count characters first so a long label can be cut with an ellipsis. */
	for (const unsigned char *q = p; *q;) {
		size_t n = utf8_len(q);
		q += n ? n : 1;
		total++;
	}
	while (*p) {
		size_t n = utf8_len(p);

		if (total > max_chars && chars == max_chars - 1) {
			ps_gp_sq_bytes(&w, "\xE2\x80\xA6", 3); /* U+2026 HORIZONTAL ELLIPSIS */
			break;
		}
		if (n == 0) {
			ps_gp_sq_bytes(&w, "?", 1);
			p++;
		} else if (n == 1) {
			/* Control characters would end the command; quotes end the string. */
			if (*p < 0x20 || *p == 0x7F)
				ps_gp_sq_bytes(&w, " ", 1);
			else if (*p == '\'')
				ps_gp_sq_apostrophe(&w);
			else
				ps_gp_sq_bytes(&w, p, 1);
			p++;
		} else if (n == 2 && p[0] == 0xC2 && p[1] < 0xA0) {
			ps_gp_sq_bytes(&w, " ", 1); /* C1 control characters U+0080..U+009F */
			p += 2;
		} else {
			ps_gp_sq_bytes(&w, p, n);
			p += n;
		}
		chars++;
	}
	ps_gp_sq_end(&w);
}

void ps_gp_quotef(FILE *out, size_t max_chars, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ps_gp_quote(out, buf, max_chars);
}

void ps_gp_num(FILE *out, double x)
{
	if (x == 0)
		x = 0; /* no "-0" in scripts */
	fprintf(out, "%.10g", x);
}

void ps_gp_fmt(char *buf, size_t size, double x, int decimals)
{
	if (!isfinite(x)) {
		snprintf(buf, size, "NA");
		return;
	}
	snprintf(buf, size, "%.*f", decimals, x);
	/* "-0.00" reads as a sign that is not there. */
	if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
		memmove(buf, buf + 1, strlen(buf));
}

/* ---- script frame ---- */

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7F)
			return 1;
	return 0;
}

int ps_gp_begin(FILE *out, const char *chart, const promstat_plot_target *t, int width_px,
		int height_px, promstat_error *err)
{
	if (!out || !t)
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "no script or target given");
	if (t->path && has_control(t->path))
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"the chart's file name contains a control character");
	if (t->path && !t->path[0])
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0, "the chart's file name is empty");
	if (!t->path && t->format != PROMSTAT_PLOT_DUMB)
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"a %s chart needs a file name", promstat_plot_format_name(t->format));

	fprintf(out, "# promstat %s chart: a gnuplot 5 script (run: gnuplot FILE).\n", chart);
	fputs("# Text from the data is single-quoted: gnuplot runs nothing inside it.\n", out);
	fputs("reset\n", out);
	switch (t->format) {
	case PROMSTAT_PLOT_SVG:
		fprintf(out, "set terminal svg size %d,%d noenhanced font 'Helvetica,12'"
			     " background rgb 'white'\n", width_px, height_px);
		break;
	case PROMSTAT_PLOT_PNG:
		fprintf(out, "set terminal pngcairo size %d,%d noenhanced font 'Helvetica,10'"
			     " background rgb 'white'\n", width_px, height_px);
		break;
	case PROMSTAT_PLOT_PDF:
		/* 100 px to the inch: a 900 px chart fills a page's text width. */
		fprintf(out, "set terminal pdfcairo size %.2fin,%.2fin noenhanced font 'Helvetica,9'\n",
			width_px / 110.0, height_px / 110.0);
		break;
	case PROMSTAT_PLOT_DUMB:
		fprintf(out, "set terminal dumb size %d,%d noenhanced\n", width_px / 7,
			height_px / 14);
		break;
	}
	if (t->path) {
		fputs("set output ", out);
		ps_gp_path(out, t->path);
		putc('\n', out);
	}
	fputs("set encoding utf8\n", out);
	fputs("set border 3 lc rgb '#333333'\n", out);
	fputs("set tics nomirror out scale 0.6\n", out);
	return PROMSTAT_OK;
}

int ps_gp_end(FILE *out, promstat_error *err)
{
	fputs("unset output\n", out);
	if (fflush(out) != 0 || ferror(out))
		return promstat_error_set(err, PROMSTAT_EWRITE, NULL, 0, 0, "the chart script could not be written");
	return PROMSTAT_OK;
}

void ps_gp_empty(FILE *out, const char *why)
{
	fputs("unset border\nunset tics\nunset key\n", out);
	fputs("set label 1 ", out);
	ps_gp_quote(out, why, 0);
	fputs(" at graph 0.5, graph 0.5 center\n", out);
	fputs("plot [0:1][0:1] NaN notitle\n", out);
}

/* ---- ratio ticks ---- */

static size_t ratio_candidates(int tier, double lo, double hi, double *v, size_t cap)
{
	static const double fine[] = {0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2};
	size_t n = 0;

	switch (tier) {
	case 0:
		for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
			if (n < cap && fine[i] >= lo && fine[i] <= hi)
				v[n++] = fine[i];
		break;
	case 1:
		for (int k = -20; k <= 20; k++) {
			double x = ldexp(1.0, k);
			if (n < cap && x >= lo && x <= hi)
				v[n++] = x;
		}
		break;
	case 2:
		for (int k = -8; k <= 8; k++)
			for (int m = 0; m < 3; m++) {
				double x = (m == 0 ? 1 : m == 1 ? 2 : 5) * pow(10, k);
				if (n < cap && x >= lo && x <= hi)
					v[n++] = x;
			}
		break;
	default:
		for (int k = -12; k <= 12; k++) {
			double x = pow(10, k);
			if (n < cap && x >= lo && x <= hi)
				v[n++] = x;
		}
		break;
	}
	return n;
}

void ps_gp_ratio_tics(FILE *out, const char *axis, double lo, double hi)
{
	double v[64], best[64], rlo = exp(lo) * (1 - 1e-9), rhi = exp(hi) * (1 + 1e-9);
	size_t n = 0, nbest = 0;

	/* The finest tier that gives a readable number of ticks (3 to 7). */
	for (int tier = 0; tier < 4 && nbest < 3; tier++) {
		n = ratio_candidates(tier, rlo, rhi, v, 64);
		if (tier == 3 && n > 7) {
			/* Extremely wide: every other decade. */
			size_t m = 0;
			for (size_t i = 0; i < n; i += 2)
				v[m++] = v[i];
			n = m;
		}
		if (n <= 7 && n > nbest) {
			memcpy(best, v, n * sizeof v[0]);
			nbest = n;
		}
	}
	if (nbest < 2) {
		/* A very narrow axis: the ends and the middle, to three digits. */
		best[0] = exp(lo);
		best[1] = exp((lo + hi) / 2);
		best[2] = exp(hi);
		nbest = 3;
	}
	fprintf(out, "set %stics (", axis);
	for (size_t i = 0; i < nbest; i++) {
		char label[32];
		snprintf(label, sizeof label, "%.3g", best[i]);
		fprintf(out, "%s'%s' ", i ? ", " : "", label);
		ps_gp_num(out, log(best[i]));
	}
	fputs(")\n", out);
}

/* ---- series and grouped bars ---- */

size_t ps_gp_index(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] && s && !strcmp(list[i], s))
			return i;
	return n;
}

const char **ps_gp_therapies(const promstat_plot_palette *pal, const char *const *names, size_t n,
			     size_t *count)
{
	const char **out = malloc((n + 1) * sizeof *out);
	size_t m = 0;

	*count = 0;
	if (!out)
		return NULL;
	if (pal && pal->therapies)
		for (size_t i = 0; i < pal->n_therapies; i++)
			if (ps_gp_index(names, n, pal->therapies[i]) < n &&
			    ps_gp_index(out, m, pal->therapies[i]) == m)
				out[m++] = pal->therapies[i];
	for (size_t i = 0; i < n; i++)
		if (names[i] && ps_gp_index(out, m, names[i]) == m)
			out[m++] = names[i];
	*count = m;
	return out;
}

/* Where bar (cluster c, series s of m) stands, and how wide the bars are. */
static double bar_x(size_t c, size_t s, size_t m)
{
	double w = 0.8 / (double)m;

	return (double)c + ((double)s - ((double)m - 1) / 2) * w;
}

/*
 * How the text under the bars fits a plot plot_px wide: 0 at the normal
 * size, 1 smaller, 2 upright under its bar. With n_clusters + 0.2 units of
 * x and 80% of each unit bars, 7.5 px per character at the normal size and
 * 6.5 at the small one, neighbours must not touch.
 */
static int bar_text_fit(const struct ps_gp_bar *bars, size_t n_bars, size_t n_clusters,
			size_t m, double plot_px, size_t *longest)
{
	double px_per_bar = plot_px / ((double)n_clusters + 0.2) * 0.8 / (double)m;

	/* *longest comes in as the least to size for. */
	for (size_t i = 0; i < n_bars; i++)
		if (strlen(bars[i].below) > *longest)
			*longest = strlen(bars[i].below);
	if ((double)*longest * 6.5 > px_per_bar * 0.9)
		return 2;
	return (double)*longest * 7.5 > px_per_bar * 0.9;
}

double ps_gp_bar_text_drop(const struct ps_gp_bar *bars, size_t n_bars, size_t n_clusters,
			   size_t n_series, double plot_px)
{
	size_t longest = 0;
	int fit = bar_text_fit(bars, n_bars, n_clusters, n_series ? n_series : 1, plot_px, &longest);

	return fit == 2 ? 0.7 * (double)longest : 0;
}

static void grouped_bars(FILE *out, const char *const *clusters, size_t n_clusters,
			 const char *const *series, const char *const *colours, size_t n_series,
			 const struct ps_gp_bar *bars, size_t n_bars, double ymax, double plot_px,
			 size_t text_chars, int panel)
{
	size_t m = n_series ? n_series : 1, longest = text_chars;
	int fit = bar_text_fit(bars, n_bars, n_clusters, m, plot_px, &longest);
	int small = fit >= 1, upright = fit == 2;
	double drop = upright ? 0.7 * (double)longest : 0;

	fprintf(out, "set xrange [-0.6:%.1f]\n", (double)n_clusters - 0.4);
	fprintf(out, "set yrange [0:%g]\n", ymax);
	fprintf(out, "set boxwidth %.4f absolute\n", 0.8 / (double)m * 0.88);
	fputs("set style fill solid 0.9 border rgb '#333333'\n", out);
	if (upright && !panel)
		fprintf(out, "set bmargin %.0f\n", 7 + drop);
	fprintf(out, "set xtics scale 0 offset 0,%.1f (", -1.4 - drop);
	for (size_t c = 0; c < n_clusters; c++) {
		if (c)
			fputs(", ", out);
		ps_gp_quote(out, clusters[c], 30);
		fprintf(out, " %zu", c);
	}
	fputs(")\n", out);
	for (size_t i = 0; i < n_bars; i++) {
		if (!bars[i].below[0] || bars[i].series >= m)
			continue;
		fputs("set label ", out);
		ps_gp_quote(out, bars[i].below, 20);
		fputs(" at first ", out);
		ps_gp_num(out, bar_x(bars[i].cluster, bars[i].series, m));
		if (upright)
			fputs(", graph 0 offset 0,-0.6 rotate by 90 right font ',9'\n", out);
		else
			fprintf(out, ", graph 0 offset 0,-0.9 center%s\n", small ? " font ',9'" : "");
	}
	/* One datablock per series: x, value, lower, upper. */
	for (size_t s = 0; s < m; s++) {
		fprintf(out, "$s%zu << EOD\n", s);
		for (size_t i = 0; i < n_bars; i++) {
			const struct ps_gp_bar *b = &bars[i];
			if (b->series != s || !isfinite(b->value))
				continue;
			ps_gp_num(out, bar_x(b->cluster, s, m));
			putc(' ', out);
			ps_gp_num(out, b->value);
			putc(' ', out);
			ps_gp_num(out, isfinite(b->lb) ? b->lb : b->value);
			putc(' ', out);
			ps_gp_num(out, isfinite(b->ub) ? b->ub : b->value);
			putc('\n', out);
		}
		fputs("EOD\n", out);
	}
	/*
	 * A series without bars keeps its key entry but draws nothing. A plot
	 * of keyentries alone (every rate undefined) trips an assertion in
	 * gnuplot 5.4, so such a plot, and every panel, starts with an empty
	 * curve.
	 */
	int drawn = 0;
	for (size_t i = 0; i < n_bars; i++)
		drawn = drawn || (bars[i].series < m && isfinite(bars[i].value));
	fputs(panel || !drawn ? "plot NaN notitle, \\\n     " : "plot ", out);
	for (size_t s = 0; s < m; s++) {
		int any = 0, whiskers = 0;
		for (size_t i = 0; i < n_bars; i++)
			if (bars[i].series == s && isfinite(bars[i].value)) {
				any = 1;
				if (isfinite(bars[i].lb) && isfinite(bars[i].ub))
					whiskers = 1;
			}
		if (s)
			fputs(", \\\n     ", out);
		if (any)
			fprintf(out, "$s%zu using 1:2 with boxes lc rgb '%s' title ", s,
				n_series ? colours[s] : "#999999");
		else
			fprintf(out, "keyentry with boxes lc rgb '%s' title ",
				n_series ? colours[s] : "#999999");
		ps_gp_quote(out, n_series ? series[s] : "", 40);
		if (whiskers)
			/* Whiskers as vectors: yerrorbars would punch a hole at the value. */
			fprintf(out, ", \\\n     $s%zu using 1:3:(0):($4-$3) with vectors heads "
				     "size screen 0.006,90 lc rgb '#222222' lw 1.2 notitle", s);
	}
	fputs("\n", out);
}

void ps_gp_grouped_bars(FILE *out, const char *const *clusters, size_t n_clusters,
			const char *const *series, const char *const *colours, size_t n_series,
			const struct ps_gp_bar *bars, size_t n_bars, double ymax)
{
	/* About 900 px of plot on the 1000 px charts that use it. */
	grouped_bars(out, clusters, n_clusters, series, colours, n_series, bars, n_bars, ymax, 900,
		     0, 0);
}

void ps_gp_grouped_bars_panel(FILE *out, const char *const *clusters, size_t n_clusters,
			      const char *const *series, const char *const *colours,
			      size_t n_series, const struct ps_gp_bar *bars, size_t n_bars,
			      double ymax, double plot_px, size_t text_chars)
{
	grouped_bars(out, clusters, n_clusters, series, colours, n_series, bars, n_bars, ymax,
		     plot_px, text_chars, 1);
}

/* ---- therapy bars: what the follow-up and responder charts share ---- */

int ps_gp_therapy_bars_init(struct ps_gp_therapy_bars *tb, const promstat_plot_palette *pal,
			    const void *items, size_t n, size_t size, size_t therapy_offset,
			    const char *what, promstat_error *err)
{
	const char **names = malloc((n + 1) * sizeof *names);

	memset(tb, 0, sizeof *tb);
	if (!names)
		return promstat_error_set(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory drawing %s", what);
	for (size_t i = 0; i < n; i++)
		memcpy(&names[i], (const char *)items + i * size + therapy_offset, sizeof names[i]);
	tb->therapies = ps_gp_therapies(pal, names, n, &tb->n_therapies);
	free(names);
	tb->colours = malloc((tb->n_therapies + 1) * sizeof *tb->colours);
	tb->bars = malloc((n + 1) * sizeof *tb->bars);
	if (!tb->therapies || !tb->colours || !tb->bars) {
		ps_gp_therapy_bars_free(tb);
		return promstat_error_set(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory drawing %s", what);
	}
	for (size_t s = 0; s < tb->n_therapies; s++)
		tb->colours[s] = promstat_plot_palette_colour(pal, tb->therapies[s]);
	return PROMSTAT_OK;
}

void ps_gp_therapy_bars_free(struct ps_gp_therapy_bars *tb)
{
	if (!tb)
		return;
	free(tb->therapies);
	free(tb->colours);
	free(tb->bars);
	memset(tb, 0, sizeof *tb);
}

void ps_gp_therapy_bars_percent(FILE *out, const struct ps_gp_therapy_bars *tb,
				const char *const *clusters, size_t n_clusters)
{
	fputs("set ytics 0,20,100\nset format y '%g'\nset grid ytics lc rgb '#E0E0E0'\n", out);
	fputs("set bmargin 7\nset key at screen 0.5, screen 0.02 center bottom horizontal Left reverse samplen 2 width 2\n",
	      out);
	ps_gp_grouped_bars(out, clusters, n_clusters, tb->therapies, tb->colours, tb->n_therapies,
			   tb->bars, tb->n_bars, 105);
}
