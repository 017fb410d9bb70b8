/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * promstat report (report.h): the audit as one HTML page. Every number
 * comes from the audit object; every sentence is built from those numbers
 * here and written through the HTML writer (html.h), which escapes it. The
 * page loads nothing: the CSS is in a <style> element, the charts are
 * gnuplot's SVG inlined, and there is no script.
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_mcid.h"
#include "gnuplot.h"
#include "html.h"
#include "report.h"

/* A chart drawn for the page: read back from gnuplot's SVG file. */
typedef struct rchart {
	char kind[16];
	size_t instrument; /* SIZE_MAX: none */
	int day;
	char *svg;
	size_t len;
} rchart;

typedef struct rcharts {
	rchart *v;
	size_t n, cap;
} rcharts;

int cli_report_slurp(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return -1;
	for (;;) {
		size_t got;
		if (cap - n < 65536) {
			char *b = realloc(buf, cap + 65536 + 1);
			if (!b) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return -1;
			}
			buf = b;
			cap += 65536;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* on_chart of cli_plot_opts: keeps the chart gnuplot just wrote, then removes its file. */
static int keep_chart(void *ctx, const char *kind, size_t instrument, int day, const char *path)
{
	rcharts *c = ctx;
	rchart *r;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 32;
		rchart *v = realloc(c->v, cap * sizeof *v);
		if (!v) {
			fputs("promstat: out of memory\n", stderr);
			return EXIT_SOFTWARE;
		}
		c->v = v;
		c->cap = cap;
	}
	r = &c->v[c->n];
	memset(r, 0, sizeof *r);
	snprintf(r->kind, sizeof r->kind, "%s", kind);
	r->instrument = instrument;
	r->day = day;
	if (cli_report_slurp(path, &r->svg, &r->len)) {
		cli_term_printf(stderr, "promstat: %s: cannot read the chart back: %s\n", path,
				strerror(errno));
		unlink(path);
		return EXIT_SOFTWARE;
	}
	unlink(path);
	c->n++;
	return EXIT_OK;
}

static void free_charts(rcharts *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].svg);
	free(c->v);
}

static size_t chart_seq; /* makes each inlined chart's ids unique on the page */

/* Writes the chart of kind for (instrument, day) when it was drawn, in a <figure>. */
static int put_chart(FILE *out, const rcharts *c, const char *kind, size_t instrument, int day,
		     const char *caption)
{
	for (size_t i = 0; i < c->n; i++) {
		const rchart *r = &c->v[i];
		char prefix[32];

		if (strcmp(r->kind, kind) || r->instrument != instrument || r->day != day)
			continue;
		snprintf(prefix, sizeof prefix, "c%zu-", ++chart_seq);
		fputs("<figure>", out);
		if (cli_html_svg(out, r->svg, r->len, prefix))
			fputs("<p class=\"warn\">(gnuplot wrote no SVG for this chart)</p>", out);
		fputs("<figcaption>", out);
		cli_html_text(out, caption);
		fputs("</figcaption></figure>\n", out);
		return 1;
	}
	return 0;
}

/* ---- numbers as words ---- */

static const char *pct(double x, char *buf, size_t size)
{
	if (!isfinite(x))
		snprintf(buf, size, "undefined");
	else
		snprintf(buf, size, "%.0f%%", 100 * x);
	return buf;
}

/* "61% (56–66%)" */
static const char *pct_ci(double x, double lb, double ub, char *buf, size_t size)
{
	if (!isfinite(x))
		snprintf(buf, size, "undefined");
	else if (!isfinite(lb) || !isfinite(ub))
		snprintf(buf, size, "%.0f%%", 100 * x);
	else
		snprintf(buf, size, "%.0f%% (%.0f\xE2\x80\x93%.0f%%)", 100 * x, 100 * lb, 100 * ub);
	return buf;
}

static const char *num_ci(double x, double lb, double ub, char *buf, size_t size)
{
	if (!isfinite(x))
		snprintf(buf, size, "undefined");
	else if (!isfinite(lb) || !isfinite(ub))
		snprintf(buf, size, "%.2f", x);
	else
		snprintf(buf, size, "%.2f (%.2f to %.2f)", x, lb, ub);
	return buf;
}

static long by_col(const promstat_audit *a, const char *name)
{
	for (size_t j = 0; j < promstat_audit_n_by(a); j++)
		if (!strcmp(promstat_audit_by_name(a, j), name))
			return (long)j;
	return -1;
}

/* Is every --by column of r ALL? */
static int is_total(const promstat_audit *a, const promstat_audit_result *r)
{
	for (size_t j = 0; j < promstat_audit_n_by(a); j++)
		if (r->level_index[j] >= 0)
			return 0;
	return 1;
}

/* The stratum's levels that are not ALL, joined by ", "; "All patients" when none. */
static void stratum(const promstat_audit *a, const char *const *levels, const int *index,
		    char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t j = 0; j < promstat_audit_n_by(a); j++) {
		int all = index ? index[j] < 0 : !strcmp(levels[j], "ALL");
		if (all)
			continue;
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? ", " : "",
				      levels[j]);
		if (n >= size)
			break;
	}
	if (!buf[0])
		snprintf(buf, size, "All patients");
}

/* The audit timepoint whose day is nearest day (the earlier on a tie). */
static size_t nearest_tp(const promstat_audit *a, int day)
{
	size_t best = 0;
	for (size_t t = 1; t < promstat_audit_n_timepoints(a); t++)
		if (abs(promstat_audit_timepoint_get(a, t).day - day) <
		    abs(promstat_audit_timepoint_get(a, best).day - day))
			best = t;
	return best;
}

static void th(FILE *out, const char *const *cols, size_t n)
{
	fputs("<thead><tr>", out);
	for (size_t i = 0; i < n; i++) {
		fputs("<th>", out);
		cli_html_text(out, cols[i]);
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n", out);
}

static void td(FILE *out, const char *s)
{
	fputs("<td>", out);
	cli_html_text(out, s);
	fputs("</td>", out);
}

static void td_size(FILE *out, size_t n)
{
	fputs("<td class=\"n\">", out);
	cli_html_printf(out, "%zu", n);
	fputs("</td>", out);
}

static void td_num(FILE *out, const char *s)
{
	fputs("<td class=\"n\">", out);
	cli_html_text(out, s);
	fputs("</td>", out);
}

/* ---- the page ---- */

/*
 * The style sheet. Readable on a phone: the page is one column that never
 * exceeds the screen; wide tables scroll inside their own box on screen;
 * charts shrink to the width. Printed: every section starts a page, tables
 * are not clipped (no scrolling box, smaller type, rows kept whole).
 */
static const char css[] =
	"body{font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
	"color:#1b1b1b;background:#fff}\n"
	"main{max-width:1100px;margin:0 auto;padding:0 16px 48px}\n"
	"h1{font-size:1.6em;margin:24px 0 4px}h2{border-bottom:2px solid #2c5d8a;padding-bottom:4px;"
	"margin-top:40px}h3{margin-top:28px}\n"
	"p.sub{color:#555;margin-top:0}\n"
	".scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:8px 0}\n"
	"table{border-collapse:collapse;font-size:.9em}th,td{border:1px solid #ccc;"
	"padding:3px 6px;text-align:left;vertical-align:top}th{background:#eef3f8}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"tr.small td{color:#777;background:#f7f7f7}\n"
	"figure{margin:16px 0}figure svg{display:block;max-width:100%;height:auto}\n"
	"figcaption{font-size:.85em;color:#444}\n"
	".warn{background:#fff4d6;border-left:4px solid #d99a00;padding:6px 10px}\n"
	"ul.headline li{margin:6px 0}\n"
	"code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em}\n"
	"pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:8px}\n"
	"@media (max-width:600px){body{font-size:15px}main{padding:0 10px 32px}"
	"h1{font-size:1.3em}}\n"
	"@media print{body{font-size:10pt}main{max-width:none;padding:0}"
	"section{break-before:page}section:first-of-type{break-before:auto}"
	".scroll{overflow:visible}table{font-size:8pt;width:100%}"
	"tr,figure{break-inside:avoid}thead{display:table-header-group}"
	"pre{white-space:pre-wrap}}\n";

void cli_report_head(FILE *out, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      /* Nothing may be fetched, even by a later edit of the page. */
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n<title>",
	      out);
	cli_html_text(out, title);
	fputs("</title>\n<style>\n", out);
	fputs(css, out);
	fputs("</style>\n</head>\n<body>\n<main>\n", out);
}

/* The result of (instrument, timepoint) whose therapy is therapy_level (or
 * the total when therapy_level < 0) and every other column ALL. */
static const promstat_audit_result *find_cell(const promstat_audit *a, size_t in, size_t tp,
					      long therapy_col, int therapy_level)
{
	for (size_t i = 0; i < promstat_audit_count(a); i++) {
		const promstat_audit_result *r = promstat_audit_get(a, i);
		int ok = r->instrument == in && r->timepoint == tp;
		for (size_t j = 0; ok && j < promstat_audit_n_by(a); j++)
			if ((long)j == therapy_col && therapy_level >= 0)
				ok = r->level_index[j] == therapy_level;
			else
				ok = r->level_index[j] < 0;
		if (ok)
			return r;
	}
	return NULL;
}

static void headline_sentence(FILE *out, const char *who, const promstat_audit_result *r,
			      const promstat_instrument *ins, size_t min_n)
{
	char b1[64], b2[64], b3[64];

	fputs("<li>", out);
	if (!r || !r->n_baseline) {
		cli_html_printf(out, "%s: no patient with a baseline.", who);
		fputs("</li>\n", out);
		return;
	}
	if (isfinite(r->mcid))
		cli_html_printf(out,
				"%s: %s of the %zu patients followed up improved by at least the MCID "
				"of %g points; %s of those treated were followed up; counting those "
				"lost as non-responders, %s.",
				who, pct_ci(r->mcid_rate, r->mcid_ci_lb, r->mcid_ci_ub, b1, sizeof b1),
				r->n_followup, r->mcid, pct(r->followup_rate, b2, sizeof b2),
				pct(r->mcid_rate_nri, b3, sizeof b3));
	else
		cli_html_printf(out,
				"%s: the %zu patients followed up improved by %s points on average "
				"(%s has no MCID); %s of those treated were followed up.",
				who, r->n_followup,
				num_ci(r->mean_improvement, r->improvement_ci_lb, r->improvement_ci_ub,
				       b1, sizeof b1),
				ins->code, pct(r->followup_rate, b2, sizeof b2));
	if (r->small)
		cli_html_printf(out, " Fewer than %zu patients were followed up: too few to read.",
				min_n);
	fputs("</li>\n", out);
}

static void section_headline(FILE *out, const cli_report_audit_input *in)
{
	const promstat_audit *a = in->a;
	size_t tp = nearest_tp(a, in->headline_day);
	int day = promstat_audit_timepoint_get(a, tp).day;
	long tc = by_col(a, "therapy");

	fputs("<section id=\"headline\">\n<h2>Headline</h2>\n", out);
	fputs("<p>", out);
	cli_html_printf(out, "At %d days after the index treatment%s.", day,
			day != in->headline_day ? " (the audit timepoint nearest --headline-timepoint)"
						: "");
	fputs("</p>\n", out);
	for (size_t i = 0; i < promstat_audit_n_instruments(a); i++) {
		const promstat_instrument *ins = promstat_audit_instrument(a, i);

		fputs("<h3>", out);
		cli_html_printf(out, "%s (%s)", ins->label, ins->code);
		fputs("</h3>\n<ul class=\"headline\">\n", out);
		if (tc < 0) {
			headline_sentence(out, "All patients", find_cell(a, i, tp, -1, -1), ins,
					  promstat_audit_options_used(a)->min_n);
		} else {
			for (size_t k = 0; k < promstat_audit_n_levels(a, (size_t)tc); k++)
				headline_sentence(out, promstat_audit_level(a, (size_t)tc, k),
						  find_cell(a, i, tp, tc, (int)k), ins,
						  promstat_audit_options_used(a)->min_n);
		}
		fputs("</ul>\n", out);
	}
	fputs("</section>\n", out);
}

static void section_quality(FILE *out, const cli_report_audit_input *in, const rcharts *ch)
{
	const promstat_validate_summary *s = in->sum;
	const promstat_ingest_report *rep = s->report;
	const promstat_audit *a = in->a;
	const promstat_audit_options *o = promstat_audit_options_used(a);
	size_t n_small = 0, n_low = 0;

	fputs("<section id=\"data-quality\">\n<h2>Data quality</h2>\n", out);
	fputs("<div class=\"scroll\"><table>\n<tbody>\n", out);
#define ROW(label, n)                                        \
	do {                                                 \
		fputs("<tr>", out);                          \
		td(out, label);                              \
		td_size(out, n);                             \
		fputs("</tr>\n", out);                       \
	} while (0)
	ROW("Rows read", s->counts.rows_read);
	ROW("Rows accepted", s->counts.rows_accepted);
	ROW("Rows rejected", s->counts.rows_rejected);
	for (int r = 0; r < PROMSTAT_REJECT_NREASONS; r++)
		if (s->counts.by_reason[r]) {
			char label[128];
			snprintf(label, sizeof label, "\xE2\x80\x83rejected: %s",
				 promstat_reject_reason_name(r));
			ROW(label, s->counts.by_reason[r]);
		}
	ROW("Patients", s->patients);
	ROW("Treatment episodes (units)", s->units);
	ROW("Units without a baseline", s->units_without_baseline);
	ROW("Units with a baseline but no follow-up in any window", s->units_without_followup);
	if (rep) {
		ROW("Values ignored (set missing)", rep->values_ignored);
		ROW("Spellings merged into another", rep->n_merged);
	}
#undef ROW
	fputs("</tbody></table></div>\n", out);
	if (rep && rep->n_merged) {
		static const char *const cols[] = { "Column", "Level", "Also written", "Rows" };
		fputs("<h3>Merged spellings</h3>\n<div class=\"scroll\"><table>\n", out);
		th(out, cols, 4);
		fputs("<tbody>\n", out);
		for (size_t i = 0; i < rep->n_merged; i++) {
			fputs("<tr>", out);
			td(out, rep->merged[i].column);
			td(out, rep->merged[i].level);
			td(out, rep->merged[i].spelling);
			td_size(out, rep->merged[i].rows);
			fputs("</tr>\n", out);
		}
		fputs("</tbody></table></div>\n", out);
	}
	/* follow-up completeness of every patient per timepoint */
	{
		static const char *const cols[] = { "Instrument", "Day", "With baseline",
						    "Followed up", "Follow-up (CI)" };
		fputs("<h3>Follow-up completeness</h3>\n<div class=\"scroll\"><table>\n", out);
		th(out, cols, 5);
		fputs("<tbody>\n", out);
		for (size_t i = 0; i < promstat_audit_count(a); i++) {
			const promstat_audit_result *r = promstat_audit_get(a, i);
			char b[64];

			n_small += r->small;
			if (!is_total(a, r))
				continue;
			n_low += r->low_followup;
			fputs(r->low_followup ? "<tr class=\"small\">" : "<tr>", out);
			td(out, r->instrument_code);
			fputs("<td class=\"n\">", out);
			cli_html_printf(out, "%d", r->day);
			fputs("</td>", out);
			td_size(out, r->n_baseline);
			td_size(out, r->n_followup);
			td_num(out, pct_ci(r->followup_rate, r->followup_ci_lb, r->followup_ci_ub, b,
					   sizeof b));
			fputs("</tr>\n", out);
		}
		fputs("</tbody></table></div>\n", out);
	}
	if (n_low) {
		fputs("<p class=\"warn\">", out);
		cli_html_printf(out,
				"Follow-up is below %.0f%% (--min-followup) at %zu instrument and "
				"timepoint%s (grey rows above): the completer rates there may not stand "
				"for everyone treated; read them beside the rates counting those lost as "
				"non-responders.",
				100 * o->min_followup, n_low, n_low == 1 ? "" : "s");
		fputs("</p>\n", out);
	}
	if (n_small) {
		fputs("<p class=\"warn\">", out);
		cli_html_printf(out,
				"%zu cell%s of the results ha%s fewer than %zu patients followed up "
				"(--min-n): marked small, left out of the charts and comparisons.",
				n_small, n_small == 1 ? "" : "s", n_small == 1 ? "s" : "ve", o->min_n);
		fputs("</p>\n", out);
	}
	put_chart(out, ch, "followup", SIZE_MAX, 0,
		  "Follow-up completeness per instrument and timepoint.");
	fputs("</section>\n", out);
}

static void section_outcomes(FILE *out, const cli_report_audit_input *in, const rcharts *ch)
{
	const promstat_audit *a = in->a;
	size_t min_n = promstat_audit_options_used(a)->min_n;

	fputs("<section id=\"outcomes\">\n<h2>Outcomes</h2>\n", out);
	for (size_t i = 0; i < promstat_audit_n_instruments(a); i++) {
		const promstat_instrument *ins = promstat_audit_instrument(a, i);
		static const char *const cols[] = {
			"Stratum", "Day", "Baseline", "Followed up", "Follow-up", "Mean improvement (CI)",
			"MCID: completers (CI)", "MCID: lost = non-responder (CI)",
			"MCID: lost = responder", "PASS: completers (CI)"
		};
		char cap[256];

		fputs("<h3>", out);
		cli_html_printf(out, "%s (%s)", ins->label, ins->code);
		fputs("</h3>\n", out);
		snprintf(cap, sizeof cap, "%s: mean improvement from baseline at each timepoint.",
			 ins->code);
		put_chart(out, ch, "trajectory", i, 0, cap);
		for (size_t t = 0; t < promstat_audit_n_timepoints(a); t++) {
			int day = promstat_audit_timepoint_get(a, t).day;
			snprintf(cap, sizeof cap, "%s: share reaching the MCID at %d days.", ins->code,
				 day);
			put_chart(out, ch, "responders", i, day, cap);
		}
		fputs("<div class=\"scroll\"><table>\n", out);
		th(out, cols, 10);
		fputs("<tbody>\n", out);
		for (size_t k = 0; k < promstat_audit_count(a); k++) {
			const promstat_audit_result *r = promstat_audit_get(a, k);
			char st[512], b[96];

			if (r->instrument != i)
				continue;
			stratum(a, r->levels, r->level_index, st, sizeof st);
			fputs(r->small ? "<tr class=\"small\">" : "<tr>", out);
			if (r->small) {
				char m[600];
				snprintf(m, sizeof m, "%s (small: fewer than %zu followed up)", st, min_n);
				td(out, m);
			} else {
				td(out, st);
			}
			fputs("<td class=\"n\">", out);
			cli_html_printf(out, "%d", r->day);
			fputs("</td>", out);
			td_size(out, r->n_baseline);
			td_size(out, r->n_followup);
			td_num(out, pct(r->followup_rate, b, sizeof b));
			td_num(out, num_ci(r->mean_improvement, r->improvement_ci_lb, r->improvement_ci_ub,
					   b, sizeof b));
			td_num(out, pct_ci(r->mcid_rate, r->mcid_ci_lb, r->mcid_ci_ub, b, sizeof b));
			td_num(out, pct_ci(r->mcid_rate_nri, r->mcid_nri_ci_lb, r->mcid_nri_ci_ub, b,
					   sizeof b));
			td_num(out, pct(r->mcid_rate_best, b, sizeof b));
			td_num(out, pct_ci(r->pass_rate, r->pass_ci_lb, r->pass_ci_ub, b, sizeof b));
			fputs("</tr>\n", out);
		}
		fputs("</tbody></table></div>\n", out);
		/* crude comparisons against the reference */
		if (promstat_audit_n_comparisons(a)) {
			static const char *const ccols[] = { "Day", "Age band", "Therapy", "Rate",
							     "Reference", "Reference rate",
							     "Difference (CI)", "NNT" };
			int any = 0;
			for (size_t k = 0; k < promstat_audit_n_comparisons(a); k++) {
				const promstat_audit_comparison *c = promstat_audit_comparison_get(a, k);
				char b[96];

				if (c->instrument != i)
					continue;
				if (!any) {
					fputs("<h4>MCID rate against the reference (crude)</h4>\n"
					      "<div class=\"scroll\"><table>\n", out);
					th(out, ccols, 8);
					fputs("<tbody>\n", out);
					any = 1;
				}
				fputs(c->small ? "<tr class=\"small\">" : "<tr>", out);
				fputs("<td class=\"n\">", out);
				cli_html_printf(out, "%d", c->day);
				fputs("</td>", out);
				td(out, c->age_band);
				td(out, c->therapy);
				td_num(out, pct(c->rate, b, sizeof b));
				td(out, c->reference);
				td_num(out, pct(c->reference_rate, b, sizeof b));
				if (c->small) {
					fputs("<td colspan=\"2\">", out);
					cli_html_printf(out, "not compared: %s", c->reason ? c->reason : "");
					fputs("</td>", out);
				} else {
					if (isfinite(c->risk_difference))
						snprintf(b, sizeof b, "%+.0f points (%+.0f to %+.0f)",
							 100 * c->risk_difference, 100 * c->rd_ci_lb,
							 100 * c->rd_ci_ub);
					else
						snprintf(b, sizeof b, "undefined");
					td_num(out, b);
					if (isfinite(c->nnt))
						snprintf(b, sizeof b, "%.1f%s", c->nnt,
							 c->nnt_crosses_infinity ? " (interval crosses infinity)" : "");
					else
						snprintf(b, sizeof b, "undefined");
					td_num(out, b);
				}
				fputs("</tr>\n", out);
			}
			if (any)
				fputs("</tbody></table></div>\n", out);
		}
		/* case-mix-adjusted comparisons */
		{
			static const char *const acols[] = { "Day", "Therapy", "Reference", "Units",
							     "Adjusted difference in MCID rate (CI)",
							     "Adjusted difference in mean improvement (CI)",
							     "Model" };
			int any = 0;
			for (size_t k = 0; k < promstat_audit_n_adjusted(a); k++) {
				const promstat_audit_adjusted *c = promstat_audit_adjusted_get(a, k);
				char b[128];

				if (c->instrument != i)
					continue;
				if (!any) {
					fputs("<h4>Against the reference, adjusted for case mix</h4>\n"
					      "<div class=\"scroll\"><table>\n", out);
					th(out, acols, 7);
					fputs("<tbody>\n", out);
					any = 1;
				}
				fputs("<tr>", out);
				fputs("<td class=\"n\">", out);
				cli_html_printf(out, "%d", c->day);
				fputs("</td>", out);
				td(out, c->therapy);
				td(out, c->reference);
				td_size(out, c->n);
				if (isfinite(c->rd_adjusted))
					snprintf(b, sizeof b, "%+.0f points (%+.0f to %+.0f)", 100 * c->rd_adjusted,
						 100 * c->rd_adjusted_ci_lb, 100 * c->rd_adjusted_ci_ub);
				else
					snprintf(b, sizeof b, "undefined");
				td_num(out, b);
				td_num(out, num_ci(c->mean_diff_adjusted, c->mean_diff_adjusted_ci_lb,
						   c->mean_diff_adjusted_ci_ub, b, sizeof b));
				snprintf(b, sizeof b, "%s%s%s", c->covariates ? c->covariates : "",
					 c->note ? "; " : "", c->note ? c->note : "");
				td(out, b);
				fputs("</tr>\n", out);
			}
			if (any)
				fputs("</tbody></table></div>\n", out);
		}
	}
	fputs("</section>\n", out);
}

static int flagged(promstat_funnel_flag f)
{
	return f != PROMSTAT_FUNNEL_UNDEFINED && f != PROMSTAT_FUNNEL_WITHIN;
}

static const char *flag_words(promstat_funnel_flag f)
{
	switch (f) {
	case PROMSTAT_FUNNEL_ABOVE_95: return "above the 95% limit";
	case PROMSTAT_FUNNEL_ABOVE_998: return "above the 99.8% limit";
	case PROMSTAT_FUNNEL_BELOW_95: return "below the 95% limit";
	case PROMSTAT_FUNNEL_BELOW_998: return "below the 99.8% limit";
	case PROMSTAT_FUNNEL_WITHIN: return "within the limits";
	default: return "undefined";
	}
}

static void section_providers(FILE *out, const promstat_audit *a, const rcharts *ch)
{
	const char *col = promstat_audit_funnel_by(a);
	static const char *const cols[] = { "Instrument", "Day", "Provider", "Units",
					    "MCID rate: observed", "expected", "Flag",
					    "Mean improvement: observed", "expected", "Flag" };

	fputs("<section id=\"providers\">\n<h2>Providers</h2>\n", out);
	if (!col) {
		fputs("<p>", out);
		cli_html_text(out, "Providers were not compared: run with --funnel-by provider (or "
				   "another column) for a case-mix-adjusted funnel plot.");
		fputs("</p>\n</section>\n", out);
		return;
	}
	fputs("<p>", out);
	cli_html_printf(out,
			"Each %s's MCID rate and mean improvement against what its patients' case "
			"mix predicts (therapy, age, sex and baseline score), with 95%% and 99.8%% "
			"limits. Only the %ss outside a limit are listed.",
			col, col);
	fputs("</p>\n", out);
	for (size_t g = 0; g < promstat_audit_n_funnel_groups(a); g++) {
		const promstat_audit_funnel_group *fg = promstat_audit_funnel_group_get(a, g);
		char cap[256];

		snprintf(cap, sizeof cap, "%s at %d days: %s funnel.", fg->instrument_code, fg->day, col);
		put_chart(out, ch, "funnel", fg->instrument, fg->day, cap);
	}
	{
		int any = 0;
		for (size_t i = 0; i < promstat_audit_n_funnel_points(a); i++) {
			const promstat_audit_funnel_point *p = promstat_audit_funnel_point_get(a, i);
			const promstat_audit_funnel_group *fg = promstat_audit_funnel_group_get(a, p->group);
			char b[64];

			if (!flagged(p->flag) && !flagged(p->flag_mean))
				continue;
			if (!any) {
				fputs("<div class=\"scroll\"><table>\n", out);
				th(out, cols, 10);
				fputs("<tbody>\n", out);
				any = 1;
			}
			fputs("<tr>", out);
			td(out, fg->instrument_code);
			fputs("<td class=\"n\">", out);
			cli_html_printf(out, "%d", fg->day);
			fputs("</td>", out);
			td(out, p->level);
			td_size(out, p->n);
			td_num(out, pct(p->observed_rate, b, sizeof b));
			td_num(out, pct(p->expected_rate, b, sizeof b));
			td(out, flag_words(p->flag));
			snprintf(b, sizeof b, isfinite(p->observed_mean) ? "%.2f" : "undefined",
				 p->observed_mean);
			td_num(out, b);
			snprintf(b, sizeof b, isfinite(p->expected_mean) ? "%.2f" : "undefined",
				 p->expected_mean);
			td_num(out, b);
			td(out, flag_words(p->flag_mean));
			fputs("</tr>\n", out);
		}
		if (any)
			fputs("</tbody></table></div>\n", out);
		else
			fputs("<p>No provider lies outside a limit.</p>\n", out);
	}
	fputs("</section>\n", out);
}

static void section_safety(FILE *out, const promstat_audit *a)
{
	static const char *const cols[] = { "Therapy", "Units", "With an adverse event",
					    "Adverse events (CI)", "Satisfaction known",
					    "Satisfied (CI)" };

	fputs("<section id=\"safety\">\n<h2>Safety and satisfaction</h2>\n", out);
	if (!promstat_audit_n_safety(a)) {
		fputs("<p>The file records no adverse events or satisfaction.</p>\n</section>\n", out);
		return;
	}
	fputs("<div class=\"scroll\"><table>\n", out);
	th(out, cols, 6);
	fputs("<tbody>\n", out);
	for (size_t i = 0; i < promstat_audit_n_safety(a); i++) {
		const promstat_audit_safety *s = promstat_audit_safety_get(a, i);
		char b[96];

		fputs("<tr>", out);
		td(out, strcmp(s->therapy, "ALL") ? s->therapy : "All patients");
		td_size(out, s->units);
		td_size(out, s->ae_units);
		td_num(out, pct_ci(s->ae_rate, s->ae_ci_lb, s->ae_ci_ub, b, sizeof b));
		td_size(out, s->satisfied_known);
		td_num(out, pct_ci(s->satisfied_rate, s->satisfied_ci_lb, s->satisfied_ci_ub, b,
				   sizeof b));
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div>\n</section>\n", out);
}

/* The sentence saying where instrument i's MCID comes from. */
static void mcid_source(const cli_report_audit_input *in, size_t i, char *buf, size_t size)
{
	const promstat_instrument *ins = promstat_audit_instrument(in->a, i);
	double used = promstat_audit_mcid(in->a, i);

	for (size_t k = 0; k < in->n_derived; k++)
		if (!strcmp(in->derived_code[k], ins->code)) {
			snprintf(buf, size, "derived from this file's anchor: %s", in->derived_how[k]);
			return;
		}
	if (!isfinite(used))
		snprintf(buf, size, "none (the catalogue has no MCID and --mcid gave none)");
	else if (isfinite(ins->mcid) && used == ins->mcid)
		snprintf(buf, size, "%s", ins->mcid_source);
	else
		snprintf(buf, size, "given with --mcid");
}

static void section_thresholds(FILE *out, const cli_report_audit_input *in, const rcharts *ch)
{
	const promstat_audit *a = in->a;
	static const char *const cols[] = { "Instrument", "MCID used", "Source",
					    "Published MCID", "PASS used", "PASS source" };

	fputs("<section id=\"thresholds\">\n<h2>Thresholds and durability</h2>\n", out);
	fputs("<div class=\"scroll\"><table>\n", out);
	th(out, cols, 6);
	fputs("<tbody>\n", out);
	for (size_t i = 0; i < promstat_audit_n_instruments(a); i++) {
		const promstat_instrument *ins = promstat_audit_instrument(a, i);
		double m = promstat_audit_mcid(a, i), p = promstat_audit_pass(a, i);
		char b[64], src[400];

		fputs("<tr>", out);
		td(out, ins->code);
		snprintf(b, sizeof b, isfinite(m) ? "%g" : "none", m);
		td_num(out, b);
		mcid_source(in, i, src, sizeof src);
		td(out, src);
		if (isfinite(ins->mcid)) {
			snprintf(src, sizeof src, "%g (%s)", ins->mcid, ins->mcid_source);
			td(out, src);
		} else {
			td(out, "none in the catalogue");
		}
		snprintf(b, sizeof b, isfinite(p) ? "%g" : "none", p);
		td_num(out, b);
		td(out, !isfinite(p) ? "" : (isfinite(ins->pass) && p == ins->pass) ? ins->pass_source
										   : "given with --pass");
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
	if (!in->dur) {
		fputs("<p>Durability of response was not asked for (run with --durability).</p>\n", out);
	} else {
		const promstat_durability *d = in->dur;
		for (size_t i = 0; i < promstat_audit_n_instruments(a); i++) {
			char cap[256];
			snprintf(cap, sizeof cap,
				 "%s: share of responders still responding (Kaplan\xE2\x80\x93Meier), by "
				 "days after the index treatment.",
				 promstat_audit_instrument(a, i)->code);
			put_chart(out, ch, "durability", i, 0, cap);
		}
		if (promstat_durability_n_tests(d)) {
			static const char *const tcols[] = { "Instrument", "Stratum", "Therapies",
							     "Chi-square", "df", "p" };
			fputs("<h3>Log-rank tests between therapies</h3>\n<div class=\"scroll\"><table>\n",
			      out);
			th(out, tcols, 6);
			fputs("<tbody>\n", out);
			for (size_t k = 0; k < promstat_durability_n_tests(d); k++) {
				const promstat_durability_test *t = promstat_durability_test_get(d, k);
				char st[512], b[64];

				fputs("<tr>", out);
				td(out, t->instrument_code);
				stratum(a, t->levels, NULL, st, sizeof st);
				td(out, st);
				td_size(out, t->k);
				snprintf(b, sizeof b, isfinite(t->test->chisq) ? "%.2f" : "undefined",
					 t->test->chisq);
				td_num(out, b);
				fputs("<td class=\"n\">", out);
				cli_html_printf(out, "%d", t->test->df);
				fputs("</td>", out);
				snprintf(b, sizeof b, isfinite(t->test->p) ? "%.4f" : "undefined", t->test->p);
				td_num(out, b);
				fputs("</tr>\n", out);
			}
			fputs("</tbody></table></div>\n", out);
		}
	}
	fputs("</section>\n", out);
}

static void para(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void para(FILE *out, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fputs("<p>", out);
	cli_html_text(out, buf);
	fputs("</p>\n", out);
}

static void section_methods(FILE *out, const cli_report_audit_input *in)
{
	const promstat_audit *a = in->a;
	const promstat_audit_options *o = promstat_audit_options_used(a);
	char tps[512] = "", by[512] = "";
	size_t n = 0;

	for (size_t t = 0; t < promstat_audit_n_timepoints(a); t++) {
		promstat_audit_timepoint tp = promstat_audit_timepoint_get(a, t);
		n += (size_t)snprintf(tps + n, n < sizeof tps ? sizeof tps - n : 0, "%s%d (%d to %d)",
				      t ? ", " : "", tp.day, tp.day - tp.halfwidth, tp.day + tp.halfwidth);
		if (n >= sizeof tps)
			break;
	}
	n = 0;
	for (size_t j = 0; j < promstat_audit_n_by(a); j++) {
		n += (size_t)snprintf(by + n, n < sizeof by ? sizeof by - n : 0, "%s%s", j ? ", " : "",
				      promstat_audit_by_name(a, j));
		if (n >= sizeof by)
			break;
	}
	fputs("<section id=\"methods\">\n<h2>Methods</h2>\n", out);
	para(out,
	     "Each treatment episode (a patient and episode) is one unit. Its baseline is the "
	     "observation with the largest day from %d days before to the day of the index "
	     "treatment. Its follow-up at each timepoint is the observation nearest the target day "
	     "within the window (the earlier on a tie). Timepoints, in days after the index "
	     "treatment (window): %s.",
	     o->baseline_window, tps);
	para(out,
	     "Results are given for every combination of %s, and for each column's total (ALL). "
	     "Improvement is the change from baseline, positive when the patient got better, and "
	     "its interval is Student's t at %g%%.",
	     by[0] ? by : "no stratum", o->level);
	para(out,
	     "A responder improved by at least the instrument's minimal clinically important "
	     "difference (MCID; thresholds are met with a tolerance of 1e-9). Rates have %s "
	     "intervals at %g%%. The completer rate counts only the patients followed up; counting "
	     "those lost as non-responders (non-responder imputation, NRI) gives the worst case, "
	     "and counting them as responders the best case: the two bound the rate over everyone "
	     "with a baseline whatever the reason for missing follow-up.",
	     o->ci == PROMSTAT_CI_WILSON ? "Wilson score" : "Clopper-Pearson exact", o->level);
	for (size_t i = 0; i < promstat_audit_n_instruments(a); i++) {
		const promstat_instrument *ins = promstat_audit_instrument(a, i);
		double m = promstat_audit_mcid(a, i), p = promstat_audit_pass(a, i);
		char src[400];

		mcid_source(in, i, src, sizeof src);
		if (isfinite(m) && isfinite(p))
			para(out, "%s (%s, %g to %g, %s): MCID %g, source: %s; PASS (patient acceptable "
				  "symptom state) %g, source: %s.",
			     ins->code, ins->label, ins->min, ins->max,
			     ins->higher_better ? "higher is better" : "lower is better", m, src, p,
			     (isfinite(ins->pass) && p == ins->pass) ? ins->pass_source : "--pass");
		else if (isfinite(m))
			para(out, "%s (%s, %g to %g, %s): MCID %g, source: %s; no PASS.", ins->code,
			     ins->label, ins->min, ins->max,
			     ins->higher_better ? "higher is better" : "lower is better", m, src);
		else
			para(out, "%s (%s, %g to %g, %s): no MCID, so no responder rates.", ins->code,
			     ins->label, ins->min, ins->max,
			     ins->higher_better ? "higher is better" : "lower is better");
	}
	para(out,
	     "A cell with fewer than %zu patients followed up is small (--min-n): its numbers are "
	     "shown greyed, and it is left out of the charts and comparisons. Follow-up below %.0f%% "
	     "is flagged (--min-followup).",
	     o->min_n, 100 * o->min_followup);
	if (o->reference)
		para(out,
		     "Each therapy's MCID rate is compared with that of %s within each age band as a "
		     "risk difference with Newcombe's hybrid score interval (method 10, Newcombe 1998, "
		     "Stat Med 17:873) and the number needed to treat (Altman 1998, BMJ 317:1309); these "
		     "comparisons are crude, not adjusted for case mix.",
		     o->reference);
	if (in->dur)
		para(out,
		     "Durability: a unit responds at its first follow-up reaching the MCID; it loses "
		     "the response at the first later timepoint whose %s. Time is the visit day, so the "
		     "Kaplan-Meier curves (Kaplan and Meier 1958, JASA 53:457) step at visits; therapies "
		     "are compared by the log-rank test (Peto and Peto 1972, JRSS A 135:185).",
		     promstat_durability_rule_used(in->dur) == PROMSTAT_DURABILITY_PASS
			     ? "score no longer meets the PASS"
			     : "improvement is below the MCID");
	if (promstat_audit_n_adjusted(a) || promstat_audit_funnel_by(a))
		para(out,
		     "Adjusted comparisons and the provider funnel use a logistic model of reaching the "
		     "MCID and a linear model of the improvement with therapy, age, sex and baseline "
		     "score; the adjusted difference is a marginal standardisation with a delta-method "
		     "interval, and the funnel's limits are those of Spiegelhalter (2005, Stat Med "
		     "24:1185)%s.",
		     o->overdispersion ? ", widened for overdispersion (additive tau^2)" : "");
	for (size_t i = 0; i < promstat_audit_n_notes(a); i++)
		para(out, "Note: %s.", promstat_audit_note(a, i));
	fputs("</section>\n", out);
}

int cli_report_sha256(const char *path, char hex[65])
{
	FILE *f = fopen(path, "rb");
	int rc;

	if (!f)
		return -1;
	rc = promstat_sha256_stream(f, hex);
	fclose(f);
	return rc;
}

static void prov_row(FILE *out, const char *k, const char *v)
{
	fputs("<tr><th scope=\"row\">", out);
	cli_html_text(out, k);
	fputs("</th><td><code>", out);
	cli_html_text(out, v);
	fputs("</code></td></tr>\n", out);
}

static void section_provenance(FILE *out, const cli_report_audit_input *in)
{
	char b[128], hex[65];
	struct stat st;
	time_t now = time(NULL);
	struct tm tm;

	fputs("<section id=\"provenance\">\n<h2>Provenance</h2>\n<div class=\"scroll\"><table>\n"
	      "<tbody>\n",
	      out);
	snprintf(b, sizeof b, "promstat %s", promstat_version());
	prov_row(out, "Program", b);
	prov_row(out, "Command line", in->command_line);
	prov_row(out, "Input", strcmp(in->path, "-") ? in->path : "standard input");
	if (strcmp(in->path, "-") && stat(in->path, &st) == 0) {
		snprintf(b, sizeof b, "%lld bytes", (long long)st.st_size);
		prov_row(out, "Input size", b);
	}
	prov_row(out, "Input SHA-256", in->sum->sha256);
	if (in->catalogue_path) {
		prov_row(out, "Instrument catalogue", in->catalogue_path);
		prov_row(out, "Catalogue SHA-256",
			 cli_report_sha256(in->catalogue_path, hex) ? "(could not be read again)" : hex);
	}
	gmtime_r(&now, &tm);
	strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S UTC", &tm);
	prov_row(out, "Written", b);
	{
		const promstat_audit_options *o = promstat_audit_options_used(in->a);
		char opts[1024];
		snprintf(opts, sizeof opts,
			 "baseline window %d days; level %g%%; intervals %s; min-n %zu; min-followup %g; "
			 "reference %s; funnel by %s; headline timepoint %d; durability %s",
			 o->baseline_window, o->level,
			 o->ci == PROMSTAT_CI_WILSON ? "wilson" : "clopper-pearson", o->min_n,
			 o->min_followup, o->reference ? o->reference : "none",
			 o->funnel_by ? o->funnel_by : "none", in->headline_day,
			 !in->dur ? "no"
			 : promstat_durability_rule_used(in->dur) == PROMSTAT_DURABILITY_PASS ? "pass rule"
											      : "mcid rule");
		prov_row(out, "Options", opts);
	}
	fputs("</tbody></table></div>\n</section>\n", out);
}

int cli_report_audit(const cli_report_audit_input *in)
{
	rcharts charts = { 0 };
	char tmpl[4096];
	const char *tmp = getenv("TMPDIR");
	FILE *out = NULL;
	int rc = EXIT_OK, have_dir = 0;

	/* The charts: drawn as SVG by the audit's own emitters through the
	 * gnuplot pipe into a private folder, read back and removed. */
	if (!cli_gnuplot_available(cli_gnuplot_program())) {
		fputs("promstat: note: gnuplot is not installed (Debian package gnuplot-nox): the "
		      "report has no charts\n",
		      stderr);
	} else {
		cli_plot_opts po = *in->plots;

		snprintf(tmpl, sizeof tmpl, "%s/promstat-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(tmpl)) {
			cli_term_printf(stderr, "promstat: cannot create a folder in %s for the charts: %s\n",
					tmp && *tmp ? tmp : "/tmp", strerror(errno));
			return EXIT_CANTCREAT;
		}
		have_dir = 1;
		po.dir = tmpl;
		po.have_format = 1;
		po.format = PROMSTAT_PLOT_SVG;
		po.script = NULL;
		po.paths = NULL;
		po.on_chart = keep_chart;
		po.on_chart_ctx = &charts;
		rc = cli_audit_plots(&po, in->a);
		if (rc == EXIT_OK && in->dur)
			rc = cli_durability_plots(&po, in->dur, in->a);
		if (rc != EXIT_OK)
			goto done;
	}
	if (!(out = fopen(in->output, "wb"))) {
		cli_term_printf(stderr, "promstat: %s: cannot write the report: %s\n", in->output,
				strerror(errno));
		rc = EXIT_CANTCREAT;
		goto done;
	}
	{
		char title[512];
		snprintf(title, sizeof title, "Clinic audit: %s", in->display);
		cli_report_head(out, title);
		fputs("<h1>", out);
		cli_html_text(out, title);
		fputs("</h1>\n<p class=\"sub\">", out);
		cli_html_printf(out, "promstat %s \xC2\xB7 %zu patients, %zu treatment episodes",
				promstat_version(), in->sum->patients, in->sum->units);
		fputs("</p>\n", out);
	}
	section_headline(out, in);
	section_quality(out, in, &charts);
	section_outcomes(out, in, &charts);
	section_providers(out, in->a, &charts);
	section_safety(out, in->a);
	section_thresholds(out, in, &charts);
	section_methods(out, in);
	section_provenance(out, in);
	fputs("</main>\n</body>\n</html>\n", out);
	if (ferror(out) | fclose(out)) {
		cli_term_printf(stderr, "promstat: %s: cannot write the report: %s\n", in->output,
				strerror(errno));
		remove(in->output);
		rc = EXIT_CANTCREAT;
	} else {
		cli_term_printf(stderr, "promstat: wrote %s\n", in->output);
		if (cli_html_replaced())
			fprintf(stderr,
				"promstat: note: %zu byte(s) that were not UTF-8 were written as U+FFFD\n",
				cli_html_replaced());
	}
	out = NULL;
done:
	free_charts(&charts);
	if (have_dir && rmdir(tmpl) != 0)
		cli_term_printf(stderr, "promstat: note: could not remove %s: %s\n", tmpl,
				strerror(errno));
	return rc;
}
