/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * promstat audit: the clinic audit (issue 3). Parses options, reads the
 * registry, runs promstat_audit_run() and prints its results as a table,
 * CSV or JSON. No statistics are computed here.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_mcid.h"
#include "outputs.h"
#include "ingest_cli.h"
#include "plot_cli.h"
#include "report.h"
#include "promstat.h"
#include "audit_casemix.h"


static const char usage[] =
	"Usage: promstat audit FILE [OPTIONS]\n"
	"\n"
	"Clinic audit of a registry extract: per instrument, follow-up timepoint,\n"
	"therapy and age band (or the --by columns), how many units had a baseline\n"
	"and a follow-up, how much they improved, and how many reached the MCID,\n"
	"30% and 50% of their possible improvement and the PASS, with intervals.\n"
	"\n"
	"Rules: the baseline is the observation with the largest day in [-W, 0];\n"
	"the follow-up at T:H is the one with day in [T-H, T+H] nearest to T (the\n"
	"earlier on a tie). Improvement is positive when the patient got better.\n"
	"Thresholds are met with a tolerance of 1e-9 (7.2 -> 5.2 reaches an MCID of 2).\n"
	"\n"
	"Options:\n"
	"  --format FMT            table (default), csv (results only) or json\n"
	"  --by COLS               strata, comma-separated (default therapy,age_band);\n"
	"                          any of therapy, age_band, sex, provider, site or a\n"
	"                          user column of the file\n"
	"  --age-bands CUTS        age cut-points (default 60: <60, >=60;\n"
	"                          40,60: <40, 40-59, >=60; missing age: unknown)\n"
	"  --timepoints LIST       DAY:HALFWIDTH,... (default\n"
	"                          42:14,90:30,180:45,365:60,730:90); windows must\n"
	"                          not overlap\n"
	"  --baseline-window W     days before the index treatment (default 90)\n"
	"  --instrument CODES      audit only these instruments (comma-separated)\n"
	"  --mcid CODE=VALUE       MCID to use instead of the catalogue's (repeatable);\n"
	"                          CODE=derived:roc|predictive|adjusted derives it from\n"
	"                          the file's anchor (see promstat mcid), all units at\n"
	"                          the timepoint nearest 180 days\n"
	"  --pass CODE=VALUE       PASS to use instead of the catalogue's (repeatable)\n"
	"  --level PERCENT         interval level (default 95)\n"
	"  --ci METHOD             wilson (default) or clopper-pearson, for rates\n"
	"  --min-followup RATE     warn under a timepoint whose follow-up rate is below\n"
	"                          RATE (0-1, default 0.6)\n"
	"  --min-n N               cells with fewer than N units followed up are small:\n"
	"                          marked, left out of charts and comparisons\n"
	"                          (default 10; 0 shows everything)\n"
	"  --max-cells N           refuse (exit 65) a run whose results would exceed\n"
	"                          N cells (strata x instruments x timepoints;\n"
	"                          default 1000000), before any is computed\n"
	"  --reference THERAPY     compare every other therapy's MCID rate with this\n"
	"                          one's: the crude risk difference (Newcombe\n"
	"                          interval) and NNT, and differences in MCID rate and\n"
	"                          mean improvement adjusted for age, sex and baseline\n"
	"                          score by regression\n"
	"  --funnel-by COLUMN      compare providers (e.g. provider, site) with what\n"
	"                          their patients' case mix predicts: a funnel per\n"
	"                          instrument and timepoint (table, JSON, chart)\n"
	"  --overdispersion        widen the funnel's limits by Spiegelhalter's\n"
	"                          between-provider variance tau^2\n"
	"  --durability            how long responses last: Kaplan-Meier of response\n"
	"                          maintained per stratum, log-rank between therapies,\n"
	"                          and durability-CODE.svg with --plots\n"
	"  --durability-rule RULE  mcid (default: lost when improvement falls below\n"
	"                          the MCID) or pass (when the PASS is no longer met)\n"
	"  --oarsi pain=CODE,function=CODE[,global=CODE]\n"
	"                          OMERACT-OARSI responders (see below)\n"
	"  --instruments FILE      instrument catalogue (default: the installed one)\n"
	"  --map CANON=COLUMN      read column COLUMN as CANON (repeatable)\n"
	"  --rejects FILE          write every rejected row there as CSV\n"
	"  --strict                any rejected row is an error (exit 65)\n"
	CLI_INGEST_USAGE
	CLI_AUDIT_PLOT_USAGE
	"  --help                  show this help\n"
	"\n"
	"OMERACT-OARSI (Pham et al. 2004, Osteoarthritis Cartilage 12:389), on\n"
	"scores rescaled to 0-100 severity: a responder has (a) an improvement in\n"
	"pain or in function of at least 50% and at least 20 points, or (b) an\n"
	"improvement of at least 20% and at least 10 points in two of pain,\n"
	"function and patient global. Rule (b) was checked against published trial\n"
	"reports; rule (a) is the commonly quoted form and was not checked against\n"
	"the original paper.\n"
	"\n"
	"FILE may be - for standard input. Exit codes: 0 success, 2 usage,\n"
	"65 data error (also: no row accepted, or no unit with a baseline and a\n"
	"follow-up), 66 cannot open input, 70 numerical failure, 73 cannot\n"
	"write output.\n";

static const char report_usage[] =
	"Usage: promstat report FILE -o REPORT.html [OPTIONS]\n"
	"\n"
	"The clinic audit of a registry extract as one self-contained HTML page a\n"
	"clinic board can read and a reviewer can check: headline sentences, data\n"
	"quality, outcomes (completer, NRI and best-case rates; small cells marked),\n"
	"safety and satisfaction, thresholds and durability, the methods used and\n"
	"the provenance of the numbers (version, command line, SHA-256 of the input\n"
	"and of the catalogue). Charts are inlined as SVG (drawn by gnuplot; left\n"
	"out with a note when gnuplot is missing); the page loads nothing and runs\n"
	"no script, and prints one section per page.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE       the page to write (required; never the input)\n"
	"  --headline-timepoint DAY\n"
	"                          the timepoint of the headline (default 180; the\n"
	"                          audit timepoint nearest it)\n"
	"  every option of 'promstat audit' but --format (see promstat audit --help):\n"
	"  --by, --reference, --durability, --mcid, --pass, --timepoints, --min-n, ...\n"
	"  --help                  show this help\n"
	"\n"
	"Exit codes as for promstat audit.\n";

/* Parses CODE=VALUE into t (code points into s). Returns 0 or -1. */
static int parse_threshold(char *s, promstat_audit_threshold *t)
{
	char *eq = strchr(s, '=');

	if (!eq || eq == s)
		return -1;
	*eq = '\0';
	t->code = s;
	return promstat_parse_double(eq + 1, strlen(eq + 1), &t->value);
}

/* ---- formatting helpers ---- */

static const char *pct(double rate, char *buf, size_t size)
{
	if (isfinite(rate))
		snprintf(buf, size, "%.0f", 100 * rate);
	else
		snprintf(buf, size, "-");
	return buf;
}

static const char *pct_ci(double lb, double ub, char *buf, size_t size)
{
	if (isfinite(lb) && isfinite(ub))
		snprintf(buf, size, "[%.0f,%.0f]", 100 * lb, 100 * ub);
	else
		snprintf(buf, size, "-");
	return buf;
}

static const char *num(double x, int digits, char *buf, size_t size)
{
	if (isfinite(x))
		snprintf(buf, size, "%.*f", digits, x);
	else
		snprintf(buf, size, "-");
	return buf;
}

static const char *num_ci(double lb, double ub, int digits, char *buf, size_t size)
{
	if (isfinite(lb) && isfinite(ub))
		snprintf(buf, size, "[%.*f,%.*f]", digits, lb, digits, ub);
	else
		snprintf(buf, size, "-");
	return buf;
}

/* Decimals for changes: 1 on 0-100 scales, 2 on 0-10, 3 on short ranges (EQ-5D). */
static int digits_for(const promstat_instrument *ins)
{
	double r = ins->max - ins->min;

	return r > 20 ? 1 : r > 2 ? 2 : 3;
}

static const char *ci_name(promstat_ci_method m)
{
	return m == PROMSTAT_CI_CLOPPER_PEARSON ? "clopper-pearson" : "wilson";
}

/* ---- table ---- */

static int strata_widths(const promstat_audit *a, int *w)
{
	size_t j, k, nb = promstat_audit_n_by(a);
	int total = 0;

	for (j = 0; j < nb; j++) {
		w[j] = (int)cli_term_width(promstat_audit_by_name(a, j));
		if (w[j] < 3)
			w[j] = 3; /* "ALL" */
		for (k = 0; k < promstat_audit_n_levels(a, j); k++) {
			int l = (int)cli_term_width(promstat_audit_level(a, j, k));
			if (l > w[j])
				w[j] = l;
		}
		total += w[j] + 1;
	}
	return total;
}

static void print_strata_head(FILE *out, const promstat_audit *a, const int *w)
{
	size_t j;

	for (j = 0; j < promstat_audit_n_by(a); j++)
		cli_term_printf(out, "%-*s ", w[j], promstat_audit_by_name(a, j));
}

static void print_strata(FILE *out, const promstat_audit *a, const int *w,
			 const char *const *levels)
{
	size_t j;

	for (j = 0; j < promstat_audit_n_by(a); j++)
		cli_term_printf(out, "%-*s ", w[j], levels[j]);
}

/* Whether r is the total of its block: every --by column ALL. */
static int total_row(const promstat_audit *a, const promstat_audit_result *r)
{
	size_t j;

	for (j = 0; j < promstat_audit_n_by(a); j++)
		if (r->level_index[j] >= 0)
			return 0;
	return 1;
}

static void print_table(FILE *out, const char *path, const promstat_audit *a,
			const promstat_ingest_counts *counts)
{
	const promstat_audit_options *o = promstat_audit_options_used(a);
	size_t i, n = promstat_audit_count(a), last_inst = (size_t)-1, last_tp = (size_t)-1;
	int w[PROMSTAT_AUDIT_MAX_BY];
	char b1[48], b2[48], b3[48], b4[48], b5[48], b6[48], b7[48], b8[48], b9[48], b10[48];
	char b11[48], b12[96], b13[48], b14[48], b15[48], b16[48];
	const promstat_audit_result *block_all = NULL; /* the block's all-ALL row */
	size_t block_small = 0;			       /* small rows in the block */

	char cih[32];

	strata_widths(a, w);
	snprintf(cih, sizeof cih, " %g%% CI", o->level);
	cli_term_printf(out, "Clinic audit of %s\n", path);
	cli_term_printf(out, "Rows read %zu, accepted %zu, rejected %zu. Baseline: day -%d..0.\n",
		counts->rows_read, counts->rows_accepted, counts->rows_rejected,
		o->baseline_window);
	cli_term_printf(out, "Intervals: %g%%; rates %s, change t-based.\n", o->level,
		o->ci == PROMSTAT_CI_WILSON ? "Wilson" : "Clopper-Pearson");
	for (i = 0; i < n; i++) {
		const promstat_audit_result *r = promstat_audit_get(a, i);
		const promstat_instrument *ins = promstat_audit_instrument(a, r->instrument);
		int dg = digits_for(ins);

		if (r->instrument != last_inst) {
			cli_term_printf(out, "\n%s: %s (%g-%g, %s is better)\n", ins->code, ins->label,
				ins->min, ins->max, ins->higher_better ? "higher" : "lower");
			cli_term_printf(out, "MCID %s, PASS %s\n",
				isfinite(r->mcid) ? (snprintf(b1, sizeof b1, "%g", r->mcid), b1)
						  : "unknown",
				isfinite(r->pass) ? (snprintf(b2, sizeof b2, "%g", r->pass), b2)
						  : "unknown");
			last_inst = r->instrument;
			last_tp = (size_t)-1;
		}
		if (r->timepoint != last_tp) {
			cli_term_printf(out, "\n  Day %d (window %d-%d)\n  ", r->day, r->day - r->halfwidth,
				r->day + r->halfwidth);
			print_strata_head(out, a, w);
			cli_term_printf(out, "%4s %4s  %4s %7s %-13s %5s %-9s %4s %5s %4s %5s %3s %3s %4s "
					"%4s %4s %4s\n",
				"Base", "FU", "FU%", "Change", cih, "MCID%", cih, "NRI%", "Best%",
				"IPW%", "Reach", "30%", "50%", "PASS", "PNRI", "P@0", "Gain");
			last_tp = r->timepoint;
		}
		fputs("  ", out);
		print_strata(out, a, w, r->levels);
		cli_term_printf(out, "%4zu %4zu%c %4s %7s %-13s %5s %-9s %4s %5s %4s %5s %3s %3s %4s "
				"%4s %4s %4s\n",
			r->n_baseline, r->n_followup, r->small ? '*' : ' ',
			pct(r->followup_rate, b1, sizeof b1),
			num(r->mean_improvement, dg, b2, sizeof b2),
			num_ci(r->improvement_ci_lb, r->improvement_ci_ub, dg, b3, sizeof b3),
			pct(r->mcid_rate, b4, sizeof b4), pct_ci(r->mcid_ci_lb, r->mcid_ci_ub, b5,
								 sizeof b5),
			pct(r->mcid_rate_nri, b9, sizeof b9), pct(r->mcid_rate_best, b10, sizeof b10),
			pct(r->mcid_rate_ipw, b16, sizeof b16),
			pct(r->mcid_rate_reachable, b13, sizeof b13),
			pct(r->pct30_rate, b6, sizeof b6), pct(r->pct50_rate, b7, sizeof b7),
			pct(r->pass_rate, b8, sizeof b8), pct(r->pass_rate_nri, b11, sizeof b11),
			pct(r->pass_baseline_rate, b14, sizeof b14),
			pct(r->pass_gained_rate, b15, sizeof b15));
		if (total_row(a, r))
			block_all = r;
		block_small += r->small;
		if (i + 1 == n || promstat_audit_get(a, i + 1)->timepoint != r->timepoint ||
		    promstat_audit_get(a, i + 1)->instrument != r->instrument) {
			if (block_small)
				cli_term_printf(out, "  * fewer than %zu units followed up (--min-n): too few to "
					     "read; left out of\n    charts and comparisons.\n",
					o->min_n);
			block_small = 0;
			if (block_all && block_all->low_followup)
				cli_term_printf(out, "  ! Follow-up %s%% is below %g%%: the completer rates (MCID%%, "
					     "PASS) may not hold for\n    all patients treated; read them "
					     "between NRI%% and Best%%.\n",
					pct(block_all->followup_rate, b1, sizeof b1),
					100 * o->min_followup);
			block_all = NULL;
		}
	}
	if (n)
		fputs("\nBase: units with a baseline. FU: of those, units with a follow-up in the\n"
		      "window (FU% of Base). Change: mean improvement of followed-up units\n"
		      "(positive = better). MCID%, PASS: % of followed-up units (completers);\n"
		      "NRI%: % of Base, counting units lost to follow-up as non-responders (the\n"
		      "worst case); Best%: the same counting them as responders: the rate over\n"
		      "all of Base lies between the two. IPW%: MCID% with each completer weighted\n"
		      "by the inverse of its probability of follow-up given therapy, age, sex and\n"
		      "baseline score. Reach: MCID% of the FU units that\n"
		      "started at least one MCID from the best score (the others cannot\n"
		      "respond). 30%, 50%: % reaching that share of their possible improvement\n"
		      "(units at the best score at baseline left out). PNRI: PASS as % of Base.\n"
		      "P@0: % of FU already in PASS at baseline; Gain: % reaching PASS among the\n"
		      "FU units not in it at baseline. -: undefined.\n",
		      out);

	if (promstat_audit_n_comparisons(a)) {
		size_t li = (size_t)-1, lt = (size_t)-1;

		cli_term_printf(out, "\nMCID responders compared with %s, crude (unadjusted; difference in "
				     "percentage points)\n",
			o->reference);
		for (i = 0; i < promstat_audit_n_comparisons(a); i++) {
			const promstat_audit_comparison *c = promstat_audit_comparison_get(a, i);
			char nnt[128], r1[80], r2[80];

			if (c->instrument != li || c->timepoint != lt) {
				cli_term_printf(out, "\n  %s, day %d\n  %-9s %-10s %13s %13s %6s %s\n",
					c->instrument_code, c->day, "age_band", "therapy", "responders",
					"reference", "diff", cih);
				li = c->instrument;
				lt = c->timepoint;
			}
			snprintf(r1, sizeof r1, "%zu/%zu %s%s", c->responders, c->n,
				 pct(c->rate, b1, sizeof b1), c->n ? "%" : "");
			snprintf(r2, sizeof r2, "%zu/%zu %s%s", c->reference_responders,
				 c->reference_n, pct(c->reference_rate, b2, sizeof b2),
				 c->reference_n ? "%" : "");
			cli_term_printf(out, "  %-9s %-10s %13s %13s %6s %s\n", c->age_band, c->therapy, r1,
				r2, num(100 * c->risk_difference, 1, b3, sizeof b3),
				c->reason ? (snprintf(b12, sizeof b12, "not compared: %s", c->reason), b12)
					  : num_ci(100 * c->rd_ci_lb, 100 * c->rd_ci_ub, 1, b4,
						   sizeof b4));
			promstat_nnt_format(c->risk_difference, c->rd_ci_lb, c->rd_ci_ub, nnt,
					    sizeof nnt);
			if (*nnt)
				cli_term_printf(out, "  %-9s %-10s %s\n", "", "", nnt);
		}
	}

	cli_audit_table_casemix(out, a);

	if (promstat_audit_n_safety(a)) {
		cli_term_printf(out, "\nSafety and satisfaction (units)\n  %-14s %6s %6s %4s %-9s %6s %6s %4s %s\n",
			"therapy", "units", "AE", "%", cih, "asked", "satis", "%", cih);
		for (i = 0; i < promstat_audit_n_safety(a); i++) {
			const promstat_audit_safety *s = promstat_audit_safety_get(a, i);

			cli_term_printf(out, "  %-14s %6zu %6zu %4s %-9s %6zu %6zu %4s %s\n", s->therapy,
				s->units, s->ae_units, pct(s->ae_rate, b1, sizeof b1),
				pct_ci(s->ae_ci_lb, s->ae_ci_ub, b2, sizeof b2), s->satisfied_known,
				s->satisfied_units, pct(s->satisfied_rate, b3, sizeof b3),
				pct_ci(s->satisfied_ci_lb, s->satisfied_ci_ub, b4, sizeof b4));
		}
		fputs("  AE: units with any adverse event; asked: units with a satisfied value.\n",
		      out);
	}

	if (promstat_audit_n_oarsi(a)) {
		size_t lt = (size_t)-1;

		cli_term_printf(out, "\nOMERACT-OARSI responders (pain %s, function %s%s%s)\n", o->oarsi_pain,
			o->oarsi_function, o->oarsi_global ? ", global " : "",
			o->oarsi_global ? o->oarsi_global : "");
		for (i = 0; i < promstat_audit_n_oarsi(a); i++) {
			const promstat_audit_oarsi *q = promstat_audit_oarsi_get(a, i);

			if (q->timepoint != lt) {
				cli_term_printf(out, "\n  Day %d\n  ", q->day);
				print_strata_head(out, a, w);
				cli_term_printf(out, "%6s %6s %4s %s\n", "paired", "resp", "%", cih);
				lt = q->timepoint;
			}
			fputs("  ", out);
			print_strata(out, a, w, q->levels);
			cli_term_printf(out, "%6zu %6zu %4s %s\n", q->n, q->responders,
				pct(q->rate, b1, sizeof b1), pct_ci(q->ci_lb, q->ci_ub, b2, sizeof b2));
		}
	}
}

/* ---- CSV ---- */

/* ",n", or "," alone when the count has no threshold behind it. */
static void csv_count(FILE *out, size_t n, int defined)
{
	if (defined)
		fprintf(out, ",%zu", n);
	else
		putc(',', out);
}

/* ", \"key\": n", or null when the count has no threshold behind it. */
static void json_count(FILE *out, const char *key, size_t n, int defined)
{
	if (defined)
		fprintf(out, ", \"%s\": %zu", key, n);
	else
		fprintf(out, ", \"%s\": null", key);
}

/*
 * The columns of a result after its --by columns, in --format csv order; the
 * keys of a result object in JSON are the same names.
 */
static const char result_columns[] =
	"n_baseline,n_followup,followup_rate,baseline_mean,followup_mean,"
	"mean_improvement,sd_improvement,improvement_ci_lb,improvement_ci_ub,mcid,"
	"mcid_responders,mcid_rate,mcid_ci_lb,mcid_ci_ub,pct30_rate,pct50_rate,"
	"pct_excluded,pass,pass_rate,pass_ci_lb,pass_ci_ub,mcid_rate_nri,mcid_nri_ci_lb,"
	"mcid_nri_ci_ub,mcid_rate_best,pass_rate_nri,pass_nri_ci_lb,pass_nri_ci_ub,"
	"pass_rate_best,lost_baseline_diff,lost_baseline_diff_ci_lb,"
	"lost_baseline_diff_ci_ub,n_age_lost,n_age_followup,lost_age_diff,"
	"lost_age_diff_ci_lb,lost_age_diff_ci_ub,low_followup,small,mcid_unreachable,"
	"mcid_rate_reachable,mcid_reachable_ci_lb,mcid_reachable_ci_ub,pass_baseline,"
	"pass_baseline_rate,pass_baseline_ci_lb,pass_baseline_ci_ub,pass_gained,"
	"pass_gained_rate,pass_gained_ci_lb,pass_gained_ci_ub,mcid_rate_ipw,mcid_ipw_ci_lb,"
	"mcid_ipw_ci_ub";

/*
 * Whether a --by column has the name of another field of the results
 * ("instrument", "timepoint", a result column, or a key of the OARSI rows
 * or the durability cells): JSON would hold that name twice in one object, and CSV twice in
 * its header, so neither could be read back. Returns the clashing name.
 */
static const char *by_name_clash(const promstat_audit *a)
{
	/* and the keys of --durability's cells and log-rank tests (durability.c) */
	static const char *const more[] = { "instrument", "timepoint", "n", "responders",
					    "rate", "ci_lb", "ci_ub", "n_units", "n_never",
					    "n_responders", "n_lost", "n_censored", "median_days",
					    "median_ci_lb", "median_ci_ub", "timepoints", "curve",
					    "therapies", "chisq", "df", "p" };
	size_t j, k, len;

	for (j = 0; j < promstat_audit_n_by(a); j++) {
		const char *name = promstat_audit_by_name(a, j), *p = result_columns;

		for (k = 0; k < sizeof more / sizeof *more; k++)
			if (!strcmp(name, more[k]))
				return name;
		len = strlen(name);
		for (; *p; p += strcspn(p, ","), p += *p == ',') {
			if (strcspn(p, ",") == len && !strncmp(p, name, len))
				return name;
		}
		for (k = 0; k < j; k++)
			if (!strcmp(name, promstat_audit_by_name(a, k)))
				return name;
	}
	return NULL;
}

static void print_csv(FILE *out, const promstat_audit *a)
{
	size_t i, j, nb = promstat_audit_n_by(a);

	fputs("instrument,timepoint", out);
	for (j = 0; j < nb; j++) {
		putc(',', out);
		cli_csv_string(out, promstat_audit_by_name(a, j));
	}
	putc(',', out);
	fputs(result_columns, out);
	putc('\n', out);
	for (i = 0; i < promstat_audit_count(a); i++) {
		const promstat_audit_result *r = promstat_audit_get(a, i);
		const double v1[] = { r->followup_rate, r->baseline_mean, r->followup_mean,
				      r->mean_improvement, r->sd_improvement, r->improvement_ci_lb,
				      r->improvement_ci_ub, r->mcid };
		const double v2[] = { r->mcid_rate, r->mcid_ci_lb, r->mcid_ci_ub, r->pct30_rate,
				      r->pct50_rate };
		const double v3[] = { r->pass, r->pass_rate, r->pass_ci_lb, r->pass_ci_ub,
				      r->mcid_rate_nri, r->mcid_nri_ci_lb, r->mcid_nri_ci_ub,
				      r->mcid_rate_best, r->pass_rate_nri, r->pass_nri_ci_lb,
				      r->pass_nri_ci_ub, r->pass_rate_best, r->lost_baseline_diff,
				      r->lost_baseline_diff_ci_lb, r->lost_baseline_diff_ci_ub };
		const double v4[] = { r->lost_age_diff, r->lost_age_diff_ci_lb,
				      r->lost_age_diff_ci_ub };
		const double v5[] = { r->mcid_rate_reachable, r->mcid_reachable_ci_lb,
				      r->mcid_reachable_ci_ub };
		const double v6[] = { r->pass_baseline_rate, r->pass_baseline_ci_lb,
				      r->pass_baseline_ci_ub, r->pass_gained_rate,
				      r->pass_gained_ci_lb, r->pass_gained_ci_ub };
		size_t k;

		cli_csv_string(out, r->instrument_code);
		fprintf(out, ",%d", r->day);
		for (j = 0; j < nb; j++) {
			putc(',', out);
			cli_csv_string(out, r->levels[j]);
		}
		fprintf(out, ",%zu,%zu", r->n_baseline, r->n_followup);
		for (k = 0; k < sizeof v1 / sizeof *v1; k++) {
			putc(',', out);
			cli_csv_number(out, v1[k]);
		}
		putc(',', out);
		if (isfinite(r->mcid))
			fprintf(out, "%zu", r->mcid_responders);
		for (k = 0; k < sizeof v2 / sizeof *v2; k++) {
			putc(',', out);
			cli_csv_number(out, v2[k]);
		}
		fprintf(out, ",%zu", r->pct_excluded);
		for (k = 0; k < sizeof v3 / sizeof *v3; k++) {
			putc(',', out);
			cli_csv_number(out, v3[k]);
		}
		fprintf(out, ",%zu,%zu", r->n_age_lost, r->n_age_followup);
		for (k = 0; k < sizeof v4 / sizeof *v4; k++) {
			putc(',', out);
			cli_csv_number(out, v4[k]);
		}
		fprintf(out, ",%d,%d", r->low_followup, r->small);
		csv_count(out, r->mcid_unreachable, isfinite(r->mcid));
		for (k = 0; k < 3; k++) {
			putc(',', out);
			cli_csv_number(out, v5[k]);
		}
		csv_count(out, r->pass_baseline, isfinite(r->pass));
		for (k = 0; k < 3; k++) {
			putc(',', out);
			cli_csv_number(out, v6[k]);
		}
		csv_count(out, r->pass_gained, isfinite(r->pass));
		for (k = 3; k < 6; k++) {
			putc(',', out);
			cli_csv_number(out, v6[k]);
		}
		putc(',', out);
		cli_csv_number(out, r->mcid_rate_ipw);
		putc(',', out);
		cli_csv_number(out, r->mcid_ipw_ci_lb);
		putc(',', out);
		cli_csv_number(out, r->mcid_ipw_ci_ub);
		putc('\n', out);
	}
}

/* ---- JSON ---- */

static void json_key_num(FILE *out, const char *key, double x)
{
	cli_json_member_number(out, key, x, 0);
}

static void json_strings(FILE *out, const char *const *s, size_t n)
{
	size_t i;

	putc('[', out);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		cli_json_string(out, s[i]);
	}
	putc(']', out);
}

typedef struct cli_settings {
	const char *instruments_file, *rejects, *format;
	const char *const *map;
	size_t nmap;
	int strict;
	/* --mcid CODE=derived:METHOD: the sentence saying how each was derived */
	const char *const *derived_code;
	char (*derived_how)[160];
	const double *derived_value;
	size_t n_derived;
	const promstat_durability *durability; /* --durability, else NULL */
} cli_settings;

static void print_json(FILE *out, const char *path, const promstat_audit *a,
		       const promstat_ingest_counts *counts, const cli_settings *cs,
		       const promstat_validate_summary *sum)
{
	const promstat_audit_options *o = promstat_audit_options_used(a);
	size_t i, j, nb = promstat_audit_n_by(a);

	fputs("{\n  \"input\": {\"path\": ", out);
	cli_json_string(out, path);
	fputs(", \"sha256\": ", out);
	cli_json_string(out, promstat_audit_sha256(a));
	fprintf(out, ", \"rows_read\": %zu, \"rows_accepted\": %zu, \"rows_rejected\": %zu,\n",
		counts->rows_read, counts->rows_accepted, counts->rows_rejected);
	/* what ingest did to the extract, as validate reports it */
	cli_json_ingest_report(out, sum, "    ");
	fprintf(out, "    \"units\": %zu, \"patients\": %zu},\n", sum->units, sum->patients);

	fprintf(out, "  \"options\": {\"baseline_window\": %d, \"timepoints\": [",
		o->baseline_window);
	for (i = 0; i < o->n_timepoints; i++)
		fprintf(out, "%s{\"day\": %d, \"halfwidth\": %d}", i ? ", " : "",
			o->timepoints[i].day, o->timepoints[i].halfwidth);
	fputs("], \"age_bands\": [", out);
	for (i = 0; i < o->n_age_cuts; i++) {
		if (i)
			fputs(", ", out);
		cli_json_number(out, o->age_cuts[i]);
	}
	fputs("], \"by\": ", out);
	json_strings(out, o->by, o->n_by);
	fputs(", \"instruments\": ", out);
	json_strings(out, o->instruments, o->n_instruments);
	fputs(",\n    \"mcid\": {", out);
	for (i = 0; i < promstat_audit_n_instruments(a); i++) {
		cli_json_member_number(out, promstat_audit_instrument(a, i)->code,
				       promstat_audit_mcid(a, i), i == 0);
	}
	fputs("}, \"pass\": {", out);
	for (i = 0; i < promstat_audit_n_instruments(a); i++) {
		cli_json_member_number(out, promstat_audit_instrument(a, i)->code,
				       promstat_audit_pass(a, i), i == 0);
	}
	fputs("},\n    \"level\": ", out);
	cli_json_number(out, o->level);
	fputs(", ", out);
	cli_json_member_string(out, "ci", ci_name(o->ci), 1);
	fputs(", \"min_followup\": ", out);
	cli_json_number(out, o->min_followup);
	fprintf(out, ", \"min_n\": %zu", o->min_n);
	fputs(", \"reference\": ", out);
	if (o->reference)
		cli_json_string(out, o->reference);
	else
		fputs("null", out);
	fputs(", \"oarsi\": ", out);
	if (o->oarsi_pain) {
		fputs("{\"pain\": ", out);
		cli_json_string(out, o->oarsi_pain);
		fputs(", \"function\": ", out);
		cli_json_string(out, o->oarsi_function);
		fputs(", \"global\": ", out);
		if (o->oarsi_global)
			cli_json_string(out, o->oarsi_global);
		else
			fputs("null", out);
		putc('}', out);
	} else {
		fputs("null", out);
	}
	fputs(",\n    \"instruments_file\": ", out);
	if (cs->instruments_file)
		cli_json_string(out, cs->instruments_file);
	else
		fputs("null", out);
	fputs(", \"map\": ", out);
	json_strings(out, cs->map, cs->nmap);
	fputs(", \"rejects\": ", out);
	if (cs->rejects)
		cli_json_string(out, cs->rejects);
	else
		fputs("null", out);
	fprintf(out, ", \"strict\": %s, \"tolerance\": ", cs->strict ? "true" : "false");
	cli_json_number(out, PROMSTAT_AUDIT_TOLERANCE);
	fputs("},\n  \"version\": ", out);
	cli_json_string(out, promstat_version());

	fputs(",\n  \"results\": [", out);
	for (i = 0; i < promstat_audit_count(a); i++) {
		const promstat_audit_result *r = promstat_audit_get(a, i);

		fputs(i ? ",\n    {\"instrument\": " : "\n    {\"instrument\": ", out);
		cli_json_string(out, r->instrument_code);
		fprintf(out, ", \"timepoint\": %d", r->day);
		for (j = 0; j < nb; j++) {
			fputs(", ", out);
			cli_json_key(out, promstat_audit_by_name(a, j));
			cli_json_string(out, r->levels[j]);
		}
		fprintf(out, ", \"n_baseline\": %zu, \"n_followup\": %zu", r->n_baseline,
			r->n_followup);
		json_key_num(out, "followup_rate", r->followup_rate);
		json_key_num(out, "baseline_mean", r->baseline_mean);
		json_key_num(out, "followup_mean", r->followup_mean);
		json_key_num(out, "mean_improvement", r->mean_improvement);
		json_key_num(out, "sd_improvement", r->sd_improvement);
		json_key_num(out, "improvement_ci_lb", r->improvement_ci_lb);
		json_key_num(out, "improvement_ci_ub", r->improvement_ci_ub);
		json_key_num(out, "mcid", r->mcid);
		if (isfinite(r->mcid))
			fprintf(out, ", \"mcid_responders\": %zu", r->mcid_responders);
		else
			fputs(", \"mcid_responders\": null", out);
		json_key_num(out, "mcid_rate", r->mcid_rate);
		json_key_num(out, "mcid_ci_lb", r->mcid_ci_lb);
		json_key_num(out, "mcid_ci_ub", r->mcid_ci_ub);
		json_key_num(out, "pct30_rate", r->pct30_rate);
		json_key_num(out, "pct50_rate", r->pct50_rate);
		fprintf(out, ", \"pct_excluded\": %zu", r->pct_excluded);
		json_key_num(out, "pass", r->pass);
		json_key_num(out, "pass_rate", r->pass_rate);
		json_key_num(out, "pass_ci_lb", r->pass_ci_lb);
		json_key_num(out, "pass_ci_ub", r->pass_ci_ub);
		json_key_num(out, "mcid_rate_nri", r->mcid_rate_nri);
		json_key_num(out, "mcid_nri_ci_lb", r->mcid_nri_ci_lb);
		json_key_num(out, "mcid_nri_ci_ub", r->mcid_nri_ci_ub);
		json_key_num(out, "mcid_rate_best", r->mcid_rate_best);
		json_key_num(out, "pass_rate_nri", r->pass_rate_nri);
		json_key_num(out, "pass_nri_ci_lb", r->pass_nri_ci_lb);
		json_key_num(out, "pass_nri_ci_ub", r->pass_nri_ci_ub);
		json_key_num(out, "pass_rate_best", r->pass_rate_best);
		json_key_num(out, "lost_baseline_diff", r->lost_baseline_diff);
		json_key_num(out, "lost_baseline_diff_ci_lb", r->lost_baseline_diff_ci_lb);
		json_key_num(out, "lost_baseline_diff_ci_ub", r->lost_baseline_diff_ci_ub);
		fprintf(out, ", \"n_age_lost\": %zu, \"n_age_followup\": %zu", r->n_age_lost,
			r->n_age_followup);
		json_key_num(out, "lost_age_diff", r->lost_age_diff);
		json_key_num(out, "lost_age_diff_ci_lb", r->lost_age_diff_ci_lb);
		json_key_num(out, "lost_age_diff_ci_ub", r->lost_age_diff_ci_ub);
		fprintf(out, ", \"low_followup\": %s, \"small\": %s",
			r->low_followup ? "true" : "false", r->small ? "true" : "false");
		json_count(out, "mcid_unreachable", r->mcid_unreachable, isfinite(r->mcid));
		json_key_num(out, "mcid_rate_reachable", r->mcid_rate_reachable);
		json_key_num(out, "mcid_reachable_ci_lb", r->mcid_reachable_ci_lb);
		json_key_num(out, "mcid_reachable_ci_ub", r->mcid_reachable_ci_ub);
		json_count(out, "pass_baseline", r->pass_baseline, isfinite(r->pass));
		json_key_num(out, "pass_baseline_rate", r->pass_baseline_rate);
		json_key_num(out, "pass_baseline_ci_lb", r->pass_baseline_ci_lb);
		json_key_num(out, "pass_baseline_ci_ub", r->pass_baseline_ci_ub);
		json_count(out, "pass_gained", r->pass_gained, isfinite(r->pass));
		json_key_num(out, "pass_gained_rate", r->pass_gained_rate);
		json_key_num(out, "pass_gained_ci_lb", r->pass_gained_ci_lb);
		json_key_num(out, "pass_gained_ci_ub", r->pass_gained_ci_ub);
		cli_audit_json_ipw(out, r);
		putc('}', out);
	}
	fputs(promstat_audit_count(a) ? "\n  ],\n" : "],\n", out);

	fputs("  \"comparisons\": [", out);
	for (i = 0; i < promstat_audit_n_comparisons(a); i++) {
		const promstat_audit_comparison *c = promstat_audit_comparison_get(a, i);

		fputs(i ? ",\n    {\"instrument\": " : "\n    {\"instrument\": ", out);
		cli_json_string(out, c->instrument_code);
		fprintf(out, ", \"timepoint\": %d, \"age_band\": ", c->day);
		cli_json_string(out, c->age_band);
		fputs(", \"therapy\": ", out);
		cli_json_string(out, c->therapy);
		fputs(", \"reference\": ", out);
		cli_json_string(out, c->reference);
		fprintf(out, ", \"n\": %zu, \"responders\": %zu", c->n, c->responders);
		json_key_num(out, "rate", c->rate);
		fprintf(out, ", \"reference_n\": %zu, \"reference_responders\": %zu",
			c->reference_n, c->reference_responders);
		json_key_num(out, "reference_rate", c->reference_rate);
		json_key_num(out, "risk_difference", c->risk_difference);
		json_key_num(out, "rd_ci_lb", c->rd_ci_lb);
		json_key_num(out, "rd_ci_ub", c->rd_ci_ub);
		json_key_num(out, "nnt", c->nnt);
		fprintf(out, ", \"nnt_type\": %s",
			!isfinite(c->nnt) ? "null" : c->nnt > 0 ? "\"NNTB\"" : "\"NNTH\"");
		json_key_num(out, "nnt_ci_lb", c->nnt_ci_lb);
		json_key_num(out, "nnt_ci_ub", c->nnt_ci_ub);
		fprintf(out, ", \"nnt_crosses_infinity\": %s, \"small\": %s, \"reason\": ",
			c->nnt_crosses_infinity ? "true" : "false", c->small ? "true" : "false");
		if (c->reason)
			cli_json_string(out, c->reason);
		else
			fputs("null", out);
		putc('}', out);
	}
	fputs(promstat_audit_n_comparisons(a) ? "\n  ],\n" : "],\n", out);

	fputs("  \"safety\": [", out);
	for (i = 0; i < promstat_audit_n_safety(a); i++) {
		const promstat_audit_safety *s = promstat_audit_safety_get(a, i);

		fputs(i ? ",\n    {\"therapy\": " : "\n    {\"therapy\": ", out);
		cli_json_string(out, s->therapy);
		fprintf(out, ", \"units\": %zu, \"ae_units\": %zu", s->units, s->ae_units);
		json_key_num(out, "ae_rate", s->ae_rate);
		json_key_num(out, "ae_ci_lb", s->ae_ci_lb);
		json_key_num(out, "ae_ci_ub", s->ae_ci_ub);
		fprintf(out, ", \"satisfied_known\": %zu, \"satisfied_units\": %zu",
			s->satisfied_known, s->satisfied_units);
		json_key_num(out, "satisfied_rate", s->satisfied_rate);
		json_key_num(out, "satisfied_ci_lb", s->satisfied_ci_lb);
		json_key_num(out, "satisfied_ci_ub", s->satisfied_ci_ub);
		putc('}', out);
	}
	fputs(promstat_audit_n_safety(a) ? "\n  ]" : "]", out);

	if (o->oarsi_pain) {
		fputs(",\n  \"oarsi\": [", out);
		for (i = 0; i < promstat_audit_n_oarsi(a); i++) {
			const promstat_audit_oarsi *q = promstat_audit_oarsi_get(a, i);

			fprintf(out, "%s{\"timepoint\": %d", i ? ",\n    " : "\n    ", q->day);
			for (j = 0; j < nb; j++) {
				fputs(", ", out);
				cli_json_key(out, promstat_audit_by_name(a, j));
				cli_json_string(out, q->levels[j]);
			}
			fprintf(out, ", \"n\": %zu, \"responders\": %zu", q->n, q->responders);
			json_key_num(out, "rate", q->rate);
			json_key_num(out, "ci_lb", q->ci_lb);
			json_key_num(out, "ci_ub", q->ci_ub);
			putc('}', out);
		}
		fputs(promstat_audit_n_oarsi(a) ? "\n  ]" : "]", out);
	}
	if (cs->n_derived) {
		fputs(",\n  \"mcid_derived\": [", out);
		for (i = 0; i < cs->n_derived; i++) {
			fputs(i ? ", {\"instrument\": " : "{\"instrument\": ", out);
			cli_json_string(out, cs->derived_code[i]);
			json_key_num(out, "mcid", cs->derived_value[i]);
			fputs(", \"how\": ", out);
			cli_json_string(out, cs->derived_how[i]);
			putc('}', out);
		}
		putc(']', out);
	}
	if (cs->durability) {
		fputs(",\n  ", out);
		cli_durability_json(out, cs->durability, a);
	}
	cli_audit_json_casemix(out, a);
	fputs("\n}\n", out);
}

/* ---- option parsing ---- */

/* --oarsi pain=CODE,function=CODE[,global=CODE] */
static int parse_oarsi(char *s, promstat_audit_options *o)
{
	const char *parts[4];
	size_t n = cli_split_commas(s, parts, 4), i;

	if (n > 3)
		return -1;
	for (i = 0; i < n; i++) {
		const char *eq = strchr(parts[i], '=');

		if (!eq || !eq[1])
			return -1;
		if (!strncmp(parts[i], "pain=", 5))
			o->oarsi_pain = eq + 1;
		else if (!strncmp(parts[i], "function=", 9))
			o->oarsi_function = eq + 1;
		else if (!strncmp(parts[i], "global=", 7))
			o->oarsi_global = eq + 1;
		else
			return -1;
	}
	return o->oarsi_pain && o->oarsi_function ? 0 : -1;
}

/*
 * The audit, and the report (report != 0), which takes every option of the
 * audit from this one parser and adds -o and --headline-timepoint. cmd is
 * the verb named in messages.
 */
static int audit_main(int argc, char **argv, const char *cmd, int report)
{
	enum { O_OUTPUT = 'o', O_FORMAT = 1000, O_HEADTP, O_INSTRUMENTS, O_MAP, O_REJECTS, O_STRICT, O_HELP, O_BY,
	       O_AGE, O_TP, O_BW, O_INSTRUMENT, O_MCID, O_PASS, O_LEVEL, O_CI, O_REF, O_OARSI,
	       O_MINFU, O_MINN, O_DUR, O_DURRULE, O_FUNNEL_BY, O_OVERDISP, O_MAXCELLS };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, O_FORMAT },
		{ "instruments", required_argument, NULL, O_INSTRUMENTS },
		{ "map", required_argument, NULL, O_MAP },
		{ "rejects", required_argument, NULL, O_REJECTS },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "help", no_argument, NULL, O_HELP },
		{ "by", required_argument, NULL, O_BY },
		{ "age-bands", required_argument, NULL, O_AGE },
		{ "timepoints", required_argument, NULL, O_TP },
		{ "baseline-window", required_argument, NULL, O_BW },
		{ "instrument", required_argument, NULL, O_INSTRUMENT },
		{ "mcid", required_argument, NULL, O_MCID },
		{ "pass", required_argument, NULL, O_PASS },
		{ "level", required_argument, NULL, O_LEVEL },
		{ "ci", required_argument, NULL, O_CI },
		{ "reference", required_argument, NULL, O_REF },
		{ "oarsi", required_argument, NULL, O_OARSI },
		{ "min-followup", required_argument, NULL, O_MINFU },
		{ "min-n", required_argument, NULL, O_MINN },
		{ "max-cells", required_argument, NULL, O_MAXCELLS },
		{ "durability", no_argument, NULL, O_DUR },
		{ "durability-rule", required_argument, NULL, O_DURRULE },
		{ "funnel-by", required_argument, NULL, O_FUNNEL_BY },
		{ "overdispersion", no_argument, NULL, O_OVERDISP },
		{ "output", required_argument, NULL, O_OUTPUT },
		{ "headline-timepoint", required_argument, NULL, O_HEADTP },
		CLI_AUDIT_PLOT_LONGOPTS,
		CLI_INGEST_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	enum cli_format format = CLI_FORMAT_TABLE;
	cli_plot_opts plots; /* --plots DIR ... (plot_audit.c) */
	const char *path, *display;
	const char **map = NULL, **by = NULL, **inst = NULL;
	promstat_audit_threshold *mcid = NULL, *pass = NULL;
	promstat_audit_timepoint *tps = NULL;
	double *cuts = NULL;
	size_t nmap = 0, nmcid = 0, npass = 0, ntp = 0, ncuts = 0;
	promstat_audit_options ao;
	promstat_ingest_options io;
	cli_settings cs = { .format = "table" };
	promstat_catalogue *cat = NULL;
	promstat_registry *reg = NULL;
	promstat_audit *a = NULL;
	promstat_durability *dur = NULL;
	promstat_durability_rule dur_rule = PROMSTAT_DURABILITY_MCID;
	int want_dur = 0;
	const char **der_code = NULL, **der_method = NULL;
	size_t *der_slot = NULL, nder = 0;
	char (*der_how)[160] = NULL;
	double *der_value = NULL;
	promstat_error err;
	cli_reject_list sh = { 0 };
	cli_value_list vl = { 0 };
	cli_ingest_args ia = { NULL, 0 };
	promstat_validate_summary *sum = NULL;
	cli_rejects rj = { 0 };
	cli_paths paths = { 0 };
	FILE *in = NULL;
	int c, st, rc = EXIT_OK;
	size_t cap = (size_t)argc + 1, i;
	const char *output = NULL; /* report -o */
	int headline_day = 180;
	char *cmdline = NULL;

	promstat_error_clear(&err);
	promstat_audit_options_init(&ao);
	memset(&io, 0, sizeof io);
	map = calloc(cap, sizeof *map);
	mcid = calloc(cap, sizeof *mcid);
	pass = calloc(cap, sizeof *pass);
	ia.recode = calloc(cap, sizeof *ia.recode);
	der_code = calloc(cap, sizeof *der_code);
	der_method = calloc(cap, sizeof *der_method);
	der_slot = calloc(cap, sizeof *der_slot);
	der_how = calloc(cap, sizeof *der_how);
	der_value = calloc(cap, sizeof *der_value);
	if (!map || !mcid || !pass || !ia.recode || !der_code || !der_method || !der_slot ||
	    !der_how || !der_value) {
		fputs("promstat: out of memory\n", stderr);
		rc = EXIT_SOFTWARE;
		goto done;
	}
	if (report) {
		/* the command line as typed, for the report's provenance: getopt
		 * reorders argv */
		size_t len = sizeof "promstat";
		for (int k = 0; k < argc; k++)
			len += strlen(argv[k]) + 1;
		if (!(cmdline = malloc(len))) {
			fputs("promstat: out of memory\n", stderr);
			rc = EXIT_SOFTWARE;
			goto done;
		}
		strcpy(cmdline, "promstat");
		for (int k = 0; k < argc; k++) {
			strcat(cmdline, " ");
			strcat(cmdline, argv[k]);
		}
	}
	optind = 1;
	opterr = 0;
	cli_plot_opts_init(&plots);
	while ((c = getopt_long(argc, argv, report ? ":o:" : ":", longopts, NULL)) != -1) {
		if (!report && (c == O_OUTPUT || c == O_HEADTP))
			c = '?'; /* report's own: unknown to the audit */
		if (report && c == O_FORMAT) {
			rc = cli_usage_error(cmd, "the report is HTML: --format is an option of "
						  "promstat audit");
			goto done;
		}
		switch (c) {
		case O_FORMAT:
			if (cli_parse_format(optarg, &format)) {
				rc = cli_usage_error(cmd, "--format must be table, csv or json, not '%s'",
						     optarg);
				goto done;
			}
			cs.format = optarg;
			break;
		case O_INSTRUMENTS: cs.instruments_file = optarg; break;
		case O_MAP: map[nmap++] = optarg; break;
		case O_REJECTS: cs.rejects = optarg; break;
		case O_STRICT: cs.strict = 1; break;
		case O_HELP:
			fputs(report ? report_usage : usage, stdout);
			goto done;
		case O_OUTPUT: output = optarg; break;
		case O_HEADTP: {
			long v;

			if (promstat_parse_long(optarg, strlen(optarg), 0, 100000, &v)) {
				rc = cli_usage_error(cmd, "--headline-timepoint must be a whole number of "
							  "days from 0 to 100000, not '%s'", optarg);
				goto done;
			}
			headline_day = (int)v;
			break;
		}
		case O_BY:
		case O_INSTRUMENT: {
			size_t n = 1, k;
			const char **v;

			for (k = 0; optarg[k]; k++)
				n += optarg[k] == ',';
			if (!(v = calloc(n, sizeof *v))) {
				fputs("promstat: out of memory\n", stderr);
				rc = EXIT_SOFTWARE;
				goto done;
			}
			cli_split_commas(optarg, v, n);
			for (k = 0; k < n; k++)
				if (!*v[k]) {
					free(v);
					rc = cli_usage_error(cmd, "--%s has an empty name",
							     c == O_BY ? "by" : "instrument");
					goto done;
				}
			if (c == O_BY) {
				free(by);
				by = v;
				ao.by = by;
				ao.n_by = n;
			} else {
				free(inst);
				inst = v;
				ao.instruments = inst;
				ao.n_instruments = n;
			}
			break;
		}
		case O_AGE:
			promstat_free(cuts);
			if (promstat_audit_parse_age_cuts(optarg, &cuts, &ncuts, &err)) {
				rc = cli_usage_error(cmd, "%s", err.message);
				goto done;
			}
			ao.age_cuts = cuts;
			ao.n_age_cuts = ncuts;
			break;
		case O_TP:
			promstat_free(tps);
			if (promstat_audit_parse_timepoints(optarg, &tps, &ntp, &err)) {
				rc = cli_usage_error(cmd, "--timepoints: %s", err.message);
				goto done;
			}
			ao.timepoints = tps;
			ao.n_timepoints = ntp;
			break;
		case O_BW: {
			double v;

			if (promstat_parse_double(optarg, strlen(optarg), &v) || v != floor(v) || v < 0 || v > 100000) {
				rc = cli_usage_error(cmd, "--baseline-window must be a whole number of "
							      "days from 0 to 100000, not '%s'", optarg);
				goto done;
			}
			ao.baseline_window = (int)v;
			break;
		}
		case O_MCID:
		case O_PASS: {
			promstat_audit_threshold *t = c == O_MCID ? &mcid[nmcid] : &pass[npass];
			char *eq = strchr(optarg, '=');

			/* CODE=derived:METHOD: filled in from the anchor once the file is read */
			if (c == O_MCID && eq && eq > optarg && !strncmp(eq + 1, "derived:", 8)) {
				*eq = '\0';
				t->code = optarg;
				t->value = NAN;
				der_code[nder] = optarg;
				der_method[nder] = eq + 9;
				der_slot[nder++] = nmcid++;
				break;
			}
			if (parse_threshold(optarg, t)) {
				rc = cli_usage_error(cmd, "--%s must be CODE=VALUE, e.g. PAIN_NRS=2, "
							      "not '%s'", c == O_MCID ? "mcid" : "pass", optarg);
				goto done;
			}
			if (c == O_MCID)
				nmcid++;
			else
				npass++;
			break;
		}
		case O_LEVEL:
			if (promstat_parse_double(optarg, strlen(optarg), &ao.level) || !(ao.level > 0 && ao.level < 100)) {
				rc = cli_usage_error(cmd, "--level must be a percentage between 0 and "
							      "100, e.g. 95, not '%s'", optarg);
				goto done;
			}
			break;
		case O_CI:
			if (!strcmp(optarg, "wilson"))
				ao.ci = PROMSTAT_CI_WILSON;
			else if (!strcmp(optarg, "clopper-pearson"))
				ao.ci = PROMSTAT_CI_CLOPPER_PEARSON;
			else {
				rc = cli_usage_error(cmd, "--ci must be wilson or clopper-pearson, "
							      "not '%s'", optarg);
				goto done;
			}
			break;
		case O_MINFU:
			if (promstat_parse_double(optarg, strlen(optarg), &ao.min_followup) ||
			    !(ao.min_followup >= 0 && ao.min_followup <= 1)) {
				rc = cli_usage_error(cmd, "--min-followup must be a rate from 0 to 1, "
							      "e.g. 0.6, not '%s'", optarg);
				goto done;
			}
			break;
		case O_MINN: {
			long v;

			if (promstat_parse_long(optarg, strlen(optarg), 0, 1000000, &v)) {
				rc = cli_usage_error(cmd, "--min-n must be a whole number of units "
							      "from 0 to 1000000, not '%s'", optarg);
				goto done;
			}
			ao.min_n = (size_t)v;
			break;
		}
		case O_MAXCELLS: {
			long v;

			if (promstat_parse_long(optarg, strlen(optarg), 1, 2000000000L, &v)) {
				rc = cli_usage_error("audit", "--max-cells must be a whole number of "
							      "cells from 1 to 2000000000, not '%s'",
						     optarg);
				goto done;
			}
			ao.max_cells = (size_t)v;
			break;
		}
		case O_REF: ao.reference = optarg; break;
		case O_DUR: want_dur = 1; break;
		case O_DURRULE:
			if (!strcmp(optarg, "mcid"))
				dur_rule = PROMSTAT_DURABILITY_MCID;
			else if (!strcmp(optarg, "pass"))
				dur_rule = PROMSTAT_DURABILITY_PASS;
			else {
				rc = cli_usage_error(cmd, "--durability-rule must be mcid or pass, not '%s'",
						     optarg);
				goto done;
			}
			want_dur = 1;
			break;
		case O_FUNNEL_BY: ao.funnel_by = optarg; break;
		case O_OVERDISP: ao.overdispersion = 1; break;
		case O_OARSI:
			ao.oarsi_pain = ao.oarsi_function = ao.oarsi_global = NULL;
			if (parse_oarsi(optarg, &ao)) {
				rc = cli_usage_error(cmd, "--oarsi must be pain=CODE,function=CODE"
							      "[,global=CODE]");
				goto done;
			}
			break;
		case ':':
			rc = cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
			goto done;
		case CLI_OPT_PLOTS:
		case CLI_OPT_GNUPLOT_SCRIPT:
		case CLI_OPT_PLOT_FORMAT:
			if ((rc = cli_plot_option(&plots, cmd, c, optarg)) >= 0)
				goto done;
			rc = EXIT_OK;
			break;
		default:
			if ((rc = cli_ingest_option(&io, &ia, cmd, c, optarg)) == EXIT_OK)
				break;
			if (rc < 0)
				rc = cli_unknown_option(cmd, argv[optind - 1], longopts);
			goto done;
		}
	}
	if (optind != argc - 1) {
		rc = cli_usage_error(cmd, optind >= argc ? "no registry FILE given"
							     : "give exactly one registry FILE");
		goto done;
	}
	if (report && !output) {
		rc = cli_usage_error(cmd, "give the page to write with -o FILE");
		goto done;
	}
	ao.mcid = mcid;
	ao.n_mcid = nmcid;
	ao.pass = pass;
	ao.n_pass = npass;
	cs.map = map;
	cs.nmap = nmap;
	path = argv[optind];
	display = strcmp(path, "-") ? path : "stdin";

	io.strict = cs.strict;
	io.on_value = cli_print_value;
	io.on_value_ctx = &vl;
	io.map = map;
	io.nmap = nmap;
	io.on_reject = cli_print_reject;
	io.on_reject_ctx = &sh;
	if ((st = cli_load_catalogue(cs.instruments_file, &cat, &err))) {
		rc = cli_fail(&err);
		goto done;
	}
	if (!(in = cli_open_input(path, &err))) {
		rc = cli_fail(&err);
		goto done;
	}
	rj.path = cs.rejects;
	/* Every output of the run, checked before the first is written; the
	   chart files, named once the audit knows its instruments, again before
	   the first is drawn. */
	cli_paths_input(&paths, path, "the input file");
	cli_paths_input(&paths, cli_catalogue_path(cs.instruments_file), "the instrument catalogue");
	cli_paths_output(&paths, "--rejects", cs.rejects);
	cli_paths_output(&paths, "-o", output);
	cli_plot_paths(&plots, &paths);
	if ((rc = cli_paths_check(&paths, cmd, NULL, NULL, 0)) != EXIT_OK ||
	    (rc = cli_audit_plots_folder(&plots)) != EXIT_OK)
		goto done;
	plots.paths = &paths;
	if ((rc = cli_rejects_open(&rj)) != EXIT_OK)
		goto done;
	io.rejects = rj.f;
	st = promstat_registry_read(in, display, cat, &io, &reg, &err);
	cli_values_tail(&vl);
	if ((rc = cli_rejects_finish(&rj, &sh, cmd, st, &err)) != EXIT_OK)
		goto done;
	if ((st = promstat_validate_summarize(reg, &sum, &err))) {
		rc = cli_fail(&err);
		goto done;
	}
	cli_print_ingest_notes(sum);
	cli_print_merged(sum);
	if (!sum->counts.rows_accepted) {
		cli_term_printf(stderr, "%s: nothing to audit: %s\n", display,
			sum->counts.rows_read ? "no row was accepted (see the reasons above)"
					      : "the file has a header but no rows");
		rc = EXIT_DATA;
		goto done;
	}
	for (i = 0; i < nder; i++) {
		/* derived with the other options as given, the catalogue's MCIDs aside */
		if ((st = cli_mcid_derive(reg, &ao, der_code[i], der_method[i], &der_value[i],
					  der_how[i], sizeof der_how[i], &err))) {
			rc = st == PROMSTAT_EINVAL ? cli_usage_error(cmd, "%s", err.message)
						   : cli_fail(&err);
			goto done;
		}
		mcid[der_slot[i]].value = der_value[i];
		cli_term_printf(stderr, "promstat: note: MCID for %s: %g, %s\n", der_code[i],
				der_value[i], der_how[i]);
	}
	cs.derived_code = der_code;
	cs.derived_how = der_how;
	cs.derived_value = der_value;
	cs.n_derived = nder;
	if ((st = promstat_audit_run(reg, &ao, &a, &err))) {
		if (st == PROMSTAT_EINVAL)
			rc = cli_usage_error(cmd, "%s", err.message);
		else
			rc = cli_fail(&err);
		goto done;
	}
	if (format != CLI_FORMAT_TABLE && by_name_clash(a)) {
		rc = cli_usage_error(cmd,
				     "--by: the column \"%s\" has the name of another field of the "
				     "results, so %s output would hold that name twice; rename the "
				     "column in the file, or use --format table",
				     by_name_clash(a), format == CLI_FORMAT_JSON ? "JSON" : "CSV");
		goto done;
	}
	for (i = 0; i < promstat_audit_n_notes(a); i++)
		cli_term_printf(stderr, "promstat: note: %s\n", promstat_audit_note(a, i));
	{
		size_t paired = 0;
		for (i = 0; i < promstat_audit_count(a); i++)
			paired += promstat_audit_get(a, i)->n_followup;
		if (!paired) {
			fprintf(stderr,
				"%s: nothing to audit: no unit has both a baseline and a follow-up "
				"(%zu of %zu units have no baseline, %zu a baseline but no follow-up "
				"in the default windows)\n",
				display, sum->units_without_baseline, sum->units,
				sum->units_without_followup);
			rc = EXIT_DATA;
			goto done;
		}
	}
	if (want_dur) {
		if ((st = promstat_durability_run(reg, a, dur_rule, &dur, &err))) {
			rc = cli_fail(&err);
			goto done;
		}
		cs.durability = dur;
	}
	if (report) {
		cli_report_audit_input ri = {
			.output = output, .path = path, .display = display, .command_line = cmdline,
			.catalogue_path = cli_catalogue_path(cs.instruments_file),
			.headline_day = headline_day, .a = a, .sum = sum, .dur = dur,
			.derived_code = der_code, .derived_how = (const char (*)[160])der_how,
			.derived_value = der_value, .n_derived = nder, .plots = &plots
		};
		rc = cli_report_audit(&ri);
		if (rc == EXIT_OK && plots.dir)
			rc = cli_audit_plots(&plots, a);
		if (rc == EXIT_OK && plots.dir && dur)
			rc = cli_durability_plots(&plots, dur, a);
		goto done;
	}
	switch (format) {
	case CLI_FORMAT_TABLE:
		print_table(stdout, display, a, promstat_registry_counts(reg));
		for (i = 0; i < nder; i++)
			cli_term_printf(stdout, "\nMCID used for %s: %g, %s.\n", der_code[i],
					der_value[i], der_how[i]);
		if (dur)
			cli_durability_table(stdout, dur, a);
		break;
	case CLI_FORMAT_CSV: print_csv(stdout, a); break;
	case CLI_FORMAT_JSON:
		print_json(stdout, display, a, promstat_registry_counts(reg), &cs, sum);
		cli_json_report();
		break;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "promstat: cannot write the output: %s\n", strerror(errno));
		rc = EXIT_CANTCREAT;
	}
	/* Charts after the numbers; their file names go to stderr. */
	if (rc == EXIT_OK && plots.dir)
		rc = cli_audit_plots(&plots, a);
	if (rc == EXIT_OK && plots.dir && dur)
		rc = cli_durability_plots(&plots, dur, a);
done:
	free(cmdline);
	promstat_durability_free(dur);
	free(der_code);
	free(der_method);
	free(der_slot);
	free(der_how);
	free(der_value);
	promstat_validate_summary_free(sum);
	free(ia.recode);
	promstat_audit_free(a);
	promstat_registry_free(reg);
	promstat_catalogue_free(cat);
	if (in && in != stdin)
		fclose(in);
	if (rj.f)
		fclose(rj.f);
	free(map);
	free(mcid);
	free(pass);
	free(by);
	free(inst);
	promstat_free(tps);
	promstat_free(cuts);
	return rc;
}

int cmd_audit(int argc, char **argv)
{
	return audit_main(argc, argv, "audit", 0);
}

int cmd_report(int argc, char **argv)
{
	return audit_main(argc, argv, "report", 1);
}
