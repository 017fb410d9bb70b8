/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * promstat mcid: the clinic's own minimal important change, derived from
 * the registry's anchor (issue 14). Parses options, reads the registry,
 * runs promstat_mcid_run() and prints its cells as a table, CSV or JSON
 * beside the catalogue's published MCID. No statistics are computed here.
 * Also cli_mcid_derive(), which `promstat audit --mcid CODE=derived:METHOD`
 * uses.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_mcid.h"
#include "outputs.h"
#include "promstat.h"
#include "plot_cli.h"

static const char usage[] =
	"Usage: promstat mcid FILE --instrument CODE [OPTIONS]\n"
	"\n"
	"Derives the minimal important change (MIC) of one instrument from the\n"
	"registry's own anchor (the patient's global rating of change, column\n"
	"anchor), at each follow-up timepoint and per stratum, beside the\n"
	"catalogue's published MCID. Units, windows and pairing are the audit's;\n"
	"a cell holds its paired units whose follow-up carries an anchor.\n"
	"\n"
	"Anchor convention: a global rating of change on -S..S (S = --anchor-scale,\n"
	"7 for the 15-point scale of Jaeschke 1989, 3 for a 7-point one), 0 meaning\n"
	"unchanged and positive better. A unit is improved when anchor >= V\n"
	"(--anchor-improved, default 1) and stable when |anchor| <= U\n"
	"(--anchor-stable, default 0). ROC and the predictive model compare the\n"
	"improved units with all others; the stable group gives its mean change\n"
	"and, with --test-retest, the reliability.\n"
	"\n"
	"Per cell: the ROC threshold maximising Youden's J (pROC's convention: a\n"
	"unit is called improved when improvement > threshold; when thresholds tie,\n"
	"the lowest), its AUC with DeLong's interval, sensitivity and specificity;\n"
	"mean change of the improved and the stable; the predictive MIC (Terluin\n"
	"2015) and the MIC adjusted for the proportion improved (Terluin 2017);\n"
	"0.5 SD of baseline, SEM and MDC95; the anchor's correlation with the\n"
	"change (below 0.3: not credible, Revicki 2008); bootstrap percentile\n"
	"intervals of the ROC threshold and both MICs.\n"
	"\n"
	"Options:\n"
	"  --instrument CODE       the instrument (required)\n"
	"  --format FMT            table (default), csv or json\n"
	"  --by COLS               strata (default therapy,age_band), as in audit\n"
	"  --age-bands CUTS        age cut-points (default 60)\n"
	"  --timepoints LIST       DAY:HALFWIDTH,... (default the audit's)\n"
	"  --baseline-window W     days before the index treatment (default 90)\n"
	"  --anchor-improved V     anchor >= V is improved (default 1)\n"
	"  --anchor-stable U       |anchor| <= U is stable (default 0)\n"
	"  --anchor-scale S        the anchor runs -S..S (default 7); follow-ups\n"
	"                          with an anchor outside are left out and counted\n"
	"  --reliability R         reliability for the SEM (0-1; default none)\n"
	"  --test-retest           the SEM from the ICC(2,1) of baseline and\n"
	"                          follow-up in the stable group instead\n"
	"  --bootstrap B           resamples for the intervals (default 1000; 0 none)\n"
	"  --seed S                bootstrap seed (default 1); the same seed gives the\n"
	"                          same intervals\n"
	"  --min-n N               fewest improved and not-improved units for a cell\n"
	"                          (default 30); smaller cells are reported as too small\n"
	"  --level PERCENT         interval level (default 95)\n"
	"  --instruments FILE      instrument catalogue (default: the installed one)\n"
	"  --map CANON=COLUMN      read column COLUMN as CANON (repeatable)\n"
	"  --rejects FILE          write every rejected row there as CSV\n"
	"  --strict                any rejected row is an error (exit 65)\n"
	"  --plots DIR             draw mcid-roc-CODE-DAY.svg and mcid-change-CODE-DAY.svg\n"
	"                          for every timepoint (all units) into DIR\n"
	"  --plot-format FMT       svg (default), png, pdf or dumb (.txt files)\n"
	"  --gnuplot-script FILE   also save the charts' gnuplot script\n"
	"  --help                  show this help\n"
	"\n"
	"FILE may be - for standard input. Exit codes: 0 success, 2 usage,\n"
	"65 data error, 66 cannot open input, 69 gnuplot missing, 70 numerical\n"
	"failure, 73 cannot write output.\n";

static const char *num(double x, int digits, char *buf, size_t size)
{
	if (isfinite(x))
		snprintf(buf, size, "%.*f", digits, x);
	else
		snprintf(buf, size, "-");
	return buf;
}

static const char *num_ci(double x, double lb, double ub, int digits, char *buf, size_t size)
{
	if (!isfinite(x))
		snprintf(buf, size, "-");
	else if (isfinite(lb) && isfinite(ub))
		snprintf(buf, size, "%.*f [%.*f,%.*f]", digits, x, digits, lb, digits, ub);
	else
		snprintf(buf, size, "%.*f", digits, x);
	return buf;
}

/* Decimals for changes: 1 on 0-100 scales, 2 on 0-10, 3 on short ranges. */
static int digits_for(const promstat_instrument *ins)
{
	double r = ins->max - ins->min;

	return r > 20 ? 1 : r > 2 ? 2 : 3;
}

/* A label from the data on a terminal, through the one terminal writer
 * (controls escaped), padded to width columns. */
static void put_label(FILE *out, const char *s, int width)
{
	if (width > 0)
		cli_term_pad(out, s, (size_t)width);
	else
		cli_term_puts(out, s);
}

static void json_key_num(FILE *out, const char *key, double x)
{
	cli_json_member_number(out, key, x, 0);
}

static const char *tp_sentence(const promstat_mcid_options *o, char *buf, size_t size)
{
	snprintf(buf, size, "improved = anchor >= %g, stable = |anchor| <= %g", o->anchor_improved,
		 o->anchor_stable);
	return buf;
}

/* ---- table ---- */

static void print_table(FILE *out, const char *path, const promstat_mcid *m)
{
	const promstat_audit *a = promstat_mcid_audit(m);
	const promstat_mcid_options *o = promstat_mcid_options_used(m);
	size_t i, j, nb = promstat_audit_n_by(a);
	size_t cur = (size_t)-1;
	char b1[96], b2[96], b3[96], b4[96], b5[64], b6[64], b7[64], b8[64], b9[64], s[128];
	int w[PROMSTAT_AUDIT_MAX_BY];

	for (j = 0; j < nb; j++) {
		size_t k;

		w[j] = (int)cli_term_width(promstat_audit_by_name(a, j));
		if (w[j] < 3)
			w[j] = 3;
		for (k = 0; k < promstat_audit_n_levels(a, j); k++) {
			int l = (int)cli_term_width(promstat_audit_level(a, j, k));
			if (l > w[j] && l < 40)
				w[j] = l;
		}
	}
	fputs("promstat mcid: ", out);
	put_label(out, path, 0);
	fprintf(out, "\nanchor: %s (scale -%d..%d); bootstrap %zu resamples, seed %llu; min-n %zu\n",
		tp_sentence(o, s, sizeof s), o->anchor_scale, o->anchor_scale, o->bootstrap,
		(unsigned long long)o->seed, o->min_n);
	for (i = 0; i < promstat_mcid_count(m); i++) {
		const promstat_mcid_cell *c = promstat_mcid_get(m, i);
		const promstat_instrument *ins = promstat_audit_instrument(a, c->instrument);
		int d = digits_for(ins);

		if (c->instrument != cur) {
			cur = c->instrument;
			fputs("\n", out);
			put_label(out, ins->code, 0);
			fputs(" (", out);
			put_label(out, ins->label, 0);
			fputs("): published MCID ", out);
			if (isfinite(ins->mcid)) {
				fprintf(out, "%g (", ins->mcid);
				put_label(out, ins->mcid_source, 0);
				fputs(")\n", out);
			} else {
				fputs("none in the catalogue\n", out);
			}
			fputs("  day ", out);
			for (j = 0; j < nb; j++) {
				put_label(out, promstat_audit_by_name(a, j), w[j]);
				putc(' ', out);
			}
			fputs("    n  impr stable | ROC threshold [CI]   AUC [CI]            se    sp  "
			      "| MIC pred [CI]        MIC adj [CI]         | chg impr chg stab | 0.5SD   "
			      "SEM MDC95 | r anchor\n",
			      out);
		}
		fprintf(out, "  %3d ", c->day);
		for (j = 0; j < nb; j++) {
			put_label(out, c->levels[j], w[j]);
			putc(' ', out);
		}
		fprintf(out, "%5zu %5zu %6zu | ", c->n, c->n_improved, c->n_stable);
		if (c->too_small) {
			fprintf(out, "too small (fewer than %zu improved or not improved)\n", o->min_n);
			continue;
		}
		fprintf(out, "%-20s %-19s %5s %5s | %-20s %-20s | %8s %8s | %5s %5s %5s | %5s%s\n",
			num_ci(c->roc_threshold, c->roc_ci_lb, c->roc_ci_ub, d, b1, sizeof b1),
			num_ci(c->auc, c->auc_ci_lb, c->auc_ci_ub, 2, b2, sizeof b2),
			num(c->sensitivity, 2, b5, sizeof b5), num(c->specificity, 2, b6, sizeof b6),
			num_ci(c->mic_predictive, c->mic_predictive_ci_lb, c->mic_predictive_ci_ub, d, b3,
			       sizeof b3),
			num_ci(c->mic_adjusted, c->mic_adjusted_ci_lb, c->mic_adjusted_ci_ub, d, b4,
			       sizeof b4),
			num(c->mean_change_improved, d, b7, sizeof b7),
			num(c->mean_change_stable, d, b8, sizeof b8), num(c->half_sd, d, b9, sizeof b9),
			num(c->sem, d, s, 32), num(c->mdc95, d, s + 32, 32),
			num(c->anchor_correlation, 2, s + 64, 32),
			c->credible == 0 ? " (not credible: below 0.3)" : "");
	}
	fputs("\nReading: the ROC threshold is the improvement above which a patient most\n"
	      "likely rated the change as important; the adjusted MIC corrects the\n"
	      "predictive one for the share improved (Terluin 2017). Compare them with the\n"
	      "published MCID: when they differ, the published value may not fit this\n"
	      "clinic's patients. MDC95 is the smallest change beyond measurement error.\n",
	      out);
}

/* ---- CSV and JSON: exactly the keys ---- */

/* The keys of a cell after its --by columns (CSV columns, JSON names). */
static const char *const keys[] = {
	"n", "n_improved", "n_stable", "roc_threshold", "roc_ci_lb", "roc_ci_ub", "auc",
	"auc_ci_lb", "auc_ci_ub", "sensitivity", "specificity", "mean_change_improved",
	"mean_change_stable", "mic_predictive", "mic_predictive_ci_lb",
	"mic_predictive_ci_ub", "mic_adjusted", "mic_adjusted_ci_lb", "mic_adjusted_ci_ub",
	"half_sd", "sem", "mdc95", "anchor_correlation", "credible", "published_mcid"
};

/*
 * A --by column with the name of another field of a cell ("instrument",
 * "timepoint" or a key above) would be a name repeated in every JSON cell
 * and a repeated CSV column. Returns the clashing name, or NULL.
 */
static const char *by_name_clash(const promstat_audit *a)
{
	size_t j, k;

	for (j = 0; j < promstat_audit_n_by(a); j++) {
		const char *name = promstat_audit_by_name(a, j);

		if (!strcmp(name, "instrument") || !strcmp(name, "timepoint"))
			return name;
		for (k = 0; k < sizeof keys / sizeof *keys; k++)
			if (!strcmp(name, keys[k]))
				return name;
	}
	return NULL;
}

static void print_csv(FILE *out, const promstat_mcid *m)
{
	const promstat_audit *a = promstat_mcid_audit(m);
	size_t i, j, nb = promstat_audit_n_by(a);

	fputs("instrument,timepoint", out);
	for (j = 0; j < nb; j++) {
		putc(',', out);
		cli_csv_string(out, promstat_audit_by_name(a, j));
	}
	for (j = 0; j < sizeof keys / sizeof *keys; j++)
		fprintf(out, ",%s", keys[j]);
	putc('\n', out);
	for (i = 0; i < promstat_mcid_count(m); i++) {
		const promstat_mcid_cell *c = promstat_mcid_get(m, i);
		const double v[] = { c->roc_threshold, c->roc_ci_lb, c->roc_ci_ub, c->auc,
				     c->auc_ci_lb, c->auc_ci_ub, c->sensitivity, c->specificity,
				     c->mean_change_improved, c->mean_change_stable,
				     c->mic_predictive, c->mic_predictive_ci_lb,
				     c->mic_predictive_ci_ub, c->mic_adjusted,
				     c->mic_adjusted_ci_lb, c->mic_adjusted_ci_ub, c->half_sd, c->sem,
				     c->mdc95, c->anchor_correlation };

		cli_csv_string(out, c->instrument_code);
		fprintf(out, ",%d", c->day);
		for (j = 0; j < nb; j++) {
			putc(',', out);
			cli_csv_string(out, c->levels[j]);
		}
		fprintf(out, ",%zu,%zu,%zu", c->n, c->n_improved, c->n_stable);
		for (j = 0; j < sizeof v / sizeof *v; j++) {
			putc(',', out);
			cli_csv_number(out, v[j]);
		}
		fputs(c->credible < 0 ? "," : c->credible ? ",true" : ",false", out);
		putc(',', out);
		cli_csv_number(out, promstat_audit_instrument(a, c->instrument)->mcid);
		putc('\n', out);
	}
}

static void print_json(FILE *out, const char *path, const promstat_mcid *m,
		       const promstat_ingest_counts *counts)
{
	const promstat_audit *a = promstat_mcid_audit(m);
	const promstat_mcid_options *o = promstat_mcid_options_used(m);
	const promstat_audit_options *ao = o->audit;
	size_t i, j, nb = promstat_audit_n_by(a);

	fputs("{\n  \"input\": {\"path\": ", out);
	cli_json_string(out, path);
	fputs(", \"sha256\": ", out);
	cli_json_string(out, promstat_audit_sha256(a));
	fprintf(out, ", \"rows_read\": %zu, \"rows_accepted\": %zu, \"rows_rejected\": %zu},\n",
		counts->rows_read, counts->rows_accepted, counts->rows_rejected);
	fprintf(out, "  \"options\": {\"baseline_window\": %d, \"timepoints\": [", ao->baseline_window);
	for (i = 0; i < ao->n_timepoints; i++)
		fprintf(out, "%s{\"day\": %d, \"halfwidth\": %d}", i ? ", " : "",
			ao->timepoints[i].day, ao->timepoints[i].halfwidth);
	fputs("], \"by\": [", out);
	for (j = 0; j < nb; j++) {
		if (j)
			fputs(", ", out);
		cli_json_string(out, promstat_audit_by_name(a, j));
	}
	fputs("], \"anchor_improved\": ", out);
	cli_json_number(out, o->anchor_improved);
	fputs(", \"anchor_stable\": ", out);
	cli_json_number(out, o->anchor_stable);
	fprintf(out, ", \"anchor_scale\": %d, \"reliability\": ", o->anchor_scale);
	cli_json_number(out, o->reliability);
	fprintf(out, ", \"test_retest\": %s, \"bootstrap\": %zu, \"seed\": %llu, \"min_n\": %zu, "
		     "\"level\": ",
		o->test_retest ? "true" : "false", o->bootstrap, (unsigned long long)o->seed,
		o->min_n);
	cli_json_number(out, ao->level);
	fprintf(out, ", \"out_of_scale\": %zu},\n  \"version\": ", promstat_mcid_n_out_of_scale(m));
	cli_json_string(out, promstat_version());
	fputs(",\n  \"instruments\": [", out);
	for (i = 0; i < promstat_audit_n_instruments(a); i++) {
		const promstat_instrument *ins = promstat_audit_instrument(a, i);

		fputs(i ? ", {\"code\": " : "{\"code\": ", out);
		cli_json_string(out, ins->code);
		fputs(", \"label\": ", out);
		cli_json_string(out, ins->label);
		fputs(", \"published_mcid\": ", out);
		cli_json_number(out, ins->mcid);
		fputs(", \"published_mcid_source\": ", out);
		if (isfinite(ins->mcid))
			cli_json_string(out, ins->mcid_source);
		else
			fputs("null", out);
		putc('}', out);
	}
	fputs("],\n  \"mcid\": [", out);
	for (i = 0; i < promstat_mcid_count(m); i++) {
		const promstat_mcid_cell *c = promstat_mcid_get(m, i);

		fputs(i ? ",\n    {\"instrument\": " : "\n    {\"instrument\": ", out);
		cli_json_string(out, c->instrument_code);
		fprintf(out, ", \"timepoint\": %d", c->day);
		for (j = 0; j < nb; j++) {
			fputs(", ", out);
			cli_json_key(out, promstat_audit_by_name(a, j));
			cli_json_string(out, c->levels[j]);
		}
		fprintf(out, ", \"n\": %zu, \"n_improved\": %zu, \"n_stable\": %zu", c->n,
			c->n_improved, c->n_stable);
		json_key_num(out, "roc_threshold", c->roc_threshold);
		json_key_num(out, "roc_ci_lb", c->roc_ci_lb);
		json_key_num(out, "roc_ci_ub", c->roc_ci_ub);
		json_key_num(out, "auc", c->auc);
		json_key_num(out, "auc_ci_lb", c->auc_ci_lb);
		json_key_num(out, "auc_ci_ub", c->auc_ci_ub);
		json_key_num(out, "sensitivity", c->sensitivity);
		json_key_num(out, "specificity", c->specificity);
		json_key_num(out, "mean_change_improved", c->mean_change_improved);
		json_key_num(out, "mean_change_stable", c->mean_change_stable);
		json_key_num(out, "mic_predictive", c->mic_predictive);
		json_key_num(out, "mic_predictive_ci_lb", c->mic_predictive_ci_lb);
		json_key_num(out, "mic_predictive_ci_ub", c->mic_predictive_ci_ub);
		json_key_num(out, "mic_adjusted", c->mic_adjusted);
		json_key_num(out, "mic_adjusted_ci_lb", c->mic_adjusted_ci_lb);
		json_key_num(out, "mic_adjusted_ci_ub", c->mic_adjusted_ci_ub);
		json_key_num(out, "half_sd", c->half_sd);
		json_key_num(out, "sem", c->sem);
		json_key_num(out, "mdc95", c->mdc95);
		json_key_num(out, "anchor_correlation", c->anchor_correlation);
		fprintf(out, ", \"credible\": %s}",
			c->credible < 0 ? "null" : c->credible ? "true" : "false");
	}
	fputs("\n  ]\n}\n", out);
}

/* ---- options ---- */

static int parse_count(const char *s, size_t max, size_t *out)
{
	long v;

	if (promstat_parse_long(s, strlen(s), 0, (long)max, &v))
		return -1;
	*out = (size_t)v;
	return 0;
}

static void print_notes(const promstat_mcid *m)
{
	const promstat_audit *a = promstat_mcid_audit(m);
	const promstat_mcid_options *o = promstat_mcid_options_used(m);
	size_t i, small = 0, sep = 0;

	for (i = 0; i < promstat_audit_n_notes(a); i++)
		cli_term_printf(stderr, "promstat: note: %s\n", promstat_audit_note(a, i));
	for (i = 0; i < promstat_mcid_count(m); i++) {
		const promstat_mcid_cell *c = promstat_mcid_get(m, i);

		small += c->too_small;
		sep += !c->too_small && strcmp(c->model_status, "ok") != 0;
	}
	if (small)
		fprintf(stderr,
			"promstat: note: %zu of %zu cells have fewer than %zu improved or not-improved "
			"units (--min-n) and are reported as too small\n",
			small, promstat_mcid_count(m), o->min_n);
	if (sep)
		fprintf(stderr,
			"promstat: note: in %zu cells the logistic model has no estimate (e.g. the anchor "
			"separates the groups perfectly), so no predictive MIC\n",
			sep);
	if (promstat_mcid_n_out_of_scale(m))
		fprintf(stderr,
			"promstat: note: %zu follow-ups had an anchor outside -%d..%d and were left out "
			"(--anchor-scale)\n",
			promstat_mcid_n_out_of_scale(m), o->anchor_scale, o->anchor_scale);
}

int cmd_mcid(int argc, char **argv)
{
	enum { O_FORMAT = 1000, O_INSTRUMENTS, O_MAP, O_REJECTS, O_STRICT, O_HELP, O_BY, O_AGE,
	       O_TP, O_BW, O_INSTRUMENT, O_LEVEL, O_IMPROVED, O_STABLE, O_SCALE, O_REL, O_TR,
	       O_BOOT, O_SEED, O_MINN };
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
		{ "level", required_argument, NULL, O_LEVEL },
		{ "anchor-improved", required_argument, NULL, O_IMPROVED },
		{ "anchor-stable", required_argument, NULL, O_STABLE },
		{ "anchor-scale", required_argument, NULL, O_SCALE },
		{ "reliability", required_argument, NULL, O_REL },
		{ "test-retest", no_argument, NULL, O_TR },
		{ "bootstrap", required_argument, NULL, O_BOOT },
		{ "seed", required_argument, NULL, O_SEED },
		{ "min-n", required_argument, NULL, O_MINN },
		CLI_AUDIT_PLOT_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	enum cli_format format = CLI_FORMAT_TABLE;
	cli_plot_opts plots;
	const char *path, *display, *instruments_file = NULL, *instrument = NULL;
	const char **map = NULL, **by = NULL;
	promstat_audit_timepoint *tps = NULL;
	double *cuts = NULL;
	size_t nmap = 0, ntp = 0, ncuts = 0;
	promstat_audit_options ao;
	promstat_mcid_options mo;
	promstat_ingest_options io;
	promstat_catalogue *cat = NULL;
	promstat_registry *reg = NULL;
	promstat_mcid *m = NULL;
	promstat_error err;
	cli_reject_list sh = { 0 };
	cli_rejects rj = { 0 };
	cli_paths paths = { 0 };
	FILE *in = NULL;
	int c, st, rc = EXIT_OK;
	size_t cap = (size_t)argc + 1;

	promstat_error_clear(&err);
	promstat_audit_options_init(&ao);
	promstat_mcid_options_init(&mo);
	memset(&io, 0, sizeof io);
	map = calloc(cap, sizeof *map);
	if (!map) {
		fputs("promstat: out of memory\n", stderr);
		return EXIT_SOFTWARE;
	}
	optind = 1;
	opterr = 0;
	cli_plot_opts_init(&plots);
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case O_FORMAT:
			if (cli_parse_format(optarg, &format)) {
				rc = cli_usage_error("mcid", "--format must be table, csv or json, not '%s'",
						     optarg);
				goto done;
			}
			break;
		case O_INSTRUMENTS: instruments_file = optarg; break;
		case O_MAP: map[nmap++] = optarg; break;
		case O_REJECTS: rj.path = optarg; break;
		case O_STRICT: io.strict = 1; break;
		case O_HELP:
			fputs(usage, stdout);
			goto done;
		case O_BY: {
			size_t n = 1, k;

			for (k = 0; optarg[k]; k++)
				n += optarg[k] == ',';
			free(by);
			if (!(by = calloc(n, sizeof *by))) {
				fputs("promstat: out of memory\n", stderr);
				rc = EXIT_SOFTWARE;
				goto done;
			}
			cli_split_commas(optarg, by, n);
			for (k = 0; k < n; k++)
				if (!*by[k]) {
					rc = cli_usage_error("mcid", "--by has an empty name");
					goto done;
				}
			ao.by = by;
			ao.n_by = n;
			break;
		}
		case O_INSTRUMENT:
			if (!*optarg || strchr(optarg, ',')) {
				rc = cli_usage_error("mcid", "--instrument takes one instrument code, not '%s'",
						     optarg);
				goto done;
			}
			instrument = optarg;
			break;
		case O_AGE:
			promstat_free(cuts);
			if (promstat_audit_parse_age_cuts(optarg, &cuts, &ncuts, &err)) {
				rc = cli_usage_error("mcid", "%s", err.message);
				goto done;
			}
			ao.age_cuts = cuts;
			ao.n_age_cuts = ncuts;
			break;
		case O_TP:
			promstat_free(tps);
			if (promstat_audit_parse_timepoints(optarg, &tps, &ntp, &err)) {
				rc = cli_usage_error("mcid", "--timepoints: %s", err.message);
				goto done;
			}
			ao.timepoints = tps;
			ao.n_timepoints = ntp;
			break;
		case O_BW: {
			long v;

			if (promstat_parse_long(optarg, strlen(optarg), 0, 100000, &v)) {
				rc = cli_usage_error("mcid", "--baseline-window must be a whole number of "
							     "days from 0 to 100000, not '%s'", optarg);
				goto done;
			}
			ao.baseline_window = (int)v;
			break;
		}
		case O_LEVEL:
			if (promstat_parse_double(optarg, strlen(optarg), &ao.level) ||
			    !(ao.level > 0 && ao.level < 100)) {
				rc = cli_usage_error("mcid", "--level must be a percentage between 0 and "
							     "100, e.g. 95, not '%s'", optarg);
				goto done;
			}
			break;
		case O_IMPROVED:
		case O_STABLE: {
			double v;

			if (promstat_parse_double(optarg, strlen(optarg), &v) || (c == O_STABLE && v < 0)) {
				rc = cli_usage_error("mcid", "--%s must be a number%s, not '%s'",
						     c == O_STABLE ? "anchor-stable" : "anchor-improved",
						     c == O_STABLE ? " of 0 or more" : "", optarg);
				goto done;
			}
			if (c == O_STABLE)
				mo.anchor_stable = v;
			else
				mo.anchor_improved = v;
			break;
		}
		case O_SCALE: {
			long v;

			if (promstat_parse_long(optarg, strlen(optarg), 0, 1000, &v)) {
				rc = cli_usage_error("mcid", "--anchor-scale must be a whole number from 0 "
							     "to 1000 (7 for -7..7), not '%s'", optarg);
				goto done;
			}
			mo.anchor_scale = (int)v;
			break;
		}
		case O_REL:
			if (promstat_parse_double(optarg, strlen(optarg), &mo.reliability) ||
			    !(mo.reliability >= 0 && mo.reliability <= 1)) {
				rc = cli_usage_error("mcid", "--reliability must be from 0 to 1, not '%s'",
						     optarg);
				goto done;
			}
			break;
		case O_TR: mo.test_retest = 1; break;
		case O_BOOT:
			if (parse_count(optarg, 1000000, &mo.bootstrap)) {
				rc = cli_usage_error("mcid", "--bootstrap must be a whole number from 0 to "
							     "1000000, not '%s'", optarg);
				goto done;
			}
			break;
		case O_SEED: {
			size_t v;

			if (parse_count(optarg, 2147483647, &v)) {
				rc = cli_usage_error("mcid", "--seed must be a whole number from 0 to "
							     "2147483647, not '%s'", optarg);
				goto done;
			}
			mo.seed = v;
			break;
		}
		case O_MINN:
			if (parse_count(optarg, 100000000, &mo.min_n)) {
				rc = cli_usage_error("mcid", "--min-n must be a whole number of units, not "
							     "'%s'", optarg);
				goto done;
			}
			break;
		case ':':
			rc = cli_usage_error("mcid", "option '%s' needs a value", argv[optind - 1]);
			goto done;
		case CLI_OPT_PLOTS:
		case CLI_OPT_GNUPLOT_SCRIPT:
		case CLI_OPT_PLOT_FORMAT:
			if ((rc = cli_plot_option(&plots, "mcid", c, optarg)) >= 0)
				goto done;
			rc = EXIT_OK;
			break;
		default:
			rc = cli_unknown_option("mcid", argv[optind - 1], longopts);
			goto done;
		}
	}
	if (optind != argc - 1) {
		rc = cli_usage_error("mcid", optind >= argc ? "no registry FILE given"
							    : "give exactly one registry FILE");
		goto done;
	}
	if (!instrument) {
		rc = cli_usage_error("mcid", "--instrument CODE is required (e.g. --instrument PAIN_NRS)");
		goto done;
	}
	if (mo.test_retest && !isnan(mo.reliability)) {
		rc = cli_usage_error("mcid", "give --reliability or --test-retest, not both");
		goto done;
	}
	if (mo.anchor_stable >= mo.anchor_improved) {
		rc = cli_usage_error("mcid", "--anchor-stable %g must be below --anchor-improved %g",
				     mo.anchor_stable, mo.anchor_improved);
		goto done;
	}
	ao.instruments = &instrument;
	ao.n_instruments = 1;
	mo.audit = &ao;
	path = argv[optind];
	display = strcmp(path, "-") ? path : "stdin";
	io.map = map;
	io.nmap = nmap;
	io.on_reject = cli_print_reject;
	io.on_reject_ctx = &sh;
	if ((st = cli_load_catalogue(instruments_file, &cat, &err))) {
		rc = cli_fail(&err);
		goto done;
	}
	if (!(in = cli_open_input(path, &err))) {
		rc = cli_fail(&err);
		goto done;
	}
	/* every output of the run, checked before the first is written */
	cli_paths_input(&paths, path, "the input file");
	cli_paths_input(&paths, cli_catalogue_path(instruments_file), "the instrument catalogue");
	cli_paths_output(&paths, "--rejects", rj.path);
	cli_plot_paths(&plots, &paths);
	if ((rc = cli_paths_check(&paths, "mcid", NULL, NULL, 0)) != EXIT_OK ||
	    (rc = cli_audit_plots_folder(&plots)) != EXIT_OK)
		goto done;
	plots.paths = &paths;
	if ((rc = cli_rejects_open(&rj)) != EXIT_OK)
		goto done;
	io.rejects = rj.f;
	st = promstat_registry_read(in, display, cat, &io, &reg, &err);
	if ((rc = cli_rejects_finish(&rj, &sh, "mcid", st, &err)) != EXIT_OK)
		goto done;
	if ((st = promstat_mcid_run(reg, &mo, &m, &err))) {
		rc = st == PROMSTAT_EINVAL ? cli_usage_error("mcid", "%s", err.message) : cli_fail(&err);
		goto done;
	}
	{
		size_t any = 0, k;

		for (k = 0; k < promstat_mcid_count(m); k++)
			any += promstat_mcid_get(m, k)->n;
		if (!any) {
			cli_term_printf(stderr,
					"%s: nothing to derive: no paired follow-up of %s carries an anchor "
					"(the patient's global rating of change, column anchor)\n",
					display, instrument);
			rc = EXIT_DATA;
			goto done;
		}
	}
	if (format != CLI_FORMAT_TABLE && by_name_clash(promstat_mcid_audit(m))) {
		rc = cli_usage_error("mcid",
				     "--by: the column \"%s\" has the name of another field of the "
				     "cells, so %s output would hold that name twice; rename the "
				     "column in the file, or use --format table",
				     by_name_clash(promstat_mcid_audit(m)),
				     format == CLI_FORMAT_JSON ? "JSON" : "CSV");
		goto done;
	}
	print_notes(m);
	switch (format) {
	case CLI_FORMAT_TABLE: print_table(stdout, display, m); break;
	case CLI_FORMAT_CSV: print_csv(stdout, m); break;
	case CLI_FORMAT_JSON:
		print_json(stdout, display, m, promstat_registry_counts(reg));
		cli_json_report();
		break;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "promstat: cannot write the output: %s\n", strerror(errno));
		rc = EXIT_CANTCREAT;
	}
	if (rc == EXIT_OK && plots.dir)
		rc = cli_mcid_plots(&plots, m);
done:
	promstat_mcid_free(m);
	promstat_registry_free(reg);
	promstat_catalogue_free(cat);
	if (in && in != stdin)
		fclose(in);
	if (rj.f)
		fclose(rj.f);
	free(map);
	free(by);
	promstat_free(tps);
	promstat_free(cuts);
	return rc;
}

/* ---- audit --mcid CODE=derived:METHOD ---- */

int cli_mcid_derive(const promstat_registry *reg, const promstat_audit_options *ao,
		    const char *code, const char *method, double *value, char *how, size_t size,
		    promstat_error *err)
{
	promstat_audit_options o = *ao;
	promstat_mcid_options mo;
	promstat_mcid *m = NULL;
	const promstat_mcid_cell *best = NULL;
	size_t i, j, nb;
	int st, bestdist = 0;

	*value = NAN;
	if (strcmp(method, "roc") && strcmp(method, "predictive") && strcmp(method, "adjusted"))
		return promstat_error_set(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"--mcid %s=derived:%s: the method must be roc, predictive or adjusted",
				code, method);
	o.instruments = &code;
	o.n_instruments = 1;
	o.mcid = NULL;
	o.n_mcid = 0;
	promstat_mcid_options_init(&mo);
	mo.audit = &o;
	mo.bootstrap = 0;
	if ((st = promstat_mcid_run(reg, &mo, &m, err)))
		return st;
	nb = promstat_audit_n_by(promstat_mcid_audit(m));
	/* the all-units cell at the timepoint nearest 180 days, the audit's
	 * headline (the earlier on a tie) */
	for (i = 0; i < promstat_mcid_count(m); i++) {
		const promstat_mcid_cell *c = promstat_mcid_get(m, i);
		int all = 1, dist = abs(c->day - 180);

		for (j = 0; j < nb; j++)
			all = all && !strcmp(c->levels[j], PROMSTAT_AUDIT_ALL);
		if (all && (!best || dist < bestdist)) {
			best = c;
			bestdist = dist;
		}
	}
	if (best)
		*value = !strcmp(method, "roc") ? best->roc_threshold
			 : !strcmp(method, "predictive") ? best->mic_predictive
							 : best->mic_adjusted;
	if (!best || !isfinite(*value)) {
		st = promstat_error_set(err, PROMSTAT_EDATA, NULL, 0, 0,
			      "--mcid %s=derived:%s: no %s MIC can be derived from this file's anchor "
			      "(%s); see promstat mcid --instrument %s",
			      code, method, method,
			      !best ? "no timepoint"
			      : best->too_small ? "too few improved or not-improved units"
						: "the model has no estimate",
			      code);
		promstat_mcid_free(m);
		return st;
	}
	snprintf(how, size, "derived (%s) from this file's anchor at %d days, all units, n = %zu",
		 !strcmp(method, "roc") ? "ROC, Youden" : method, best->day, best->n);
	promstat_mcid_free(m);
	return PROMSTAT_OK;
}
