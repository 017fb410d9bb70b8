/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * promstat meta: reads a study-level file, pools it as metafor's rma()
 * would, and prints the result as a table, CSV or JSON. Every number comes
 * from the engine (promstat_meta.h, promstat_studies.h); this file only
 * chooses what to print and how.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>


#include "cli.h"
#include "promstat.h"
#include "outputs.h"
#include "plot_cli.h"
#include "html.h"
#include "report.h"
#include "gnuplot.h"
#include <unistd.h>
#include <time.h>

#define MAX_BANDS 32
#define LABEL_MAX 40 /* widest study label shown in the table */

static const char usage[] =
	"Usage: promstat meta FILE --measure M [OPTIONS]\n"
	"\n"
	"Meta-analysis of a study-level CSV (one row per study, metafor's column\n"
	"names) with the numbers R's metafor gives: escalc() effect sizes, rma()\n"
	"models, heterogeneity, subgroups, meta-regression and small-study bias.\n"
	"\n"
	"Columns, by measure (study = label, optional):\n"
	"  MD, SMD, ROM          m1i,sd1i,n1i,m2i,sd2i,n2i\n"
	"  RR, OR, RD            ai,bi,ci,di  or  ai,n1i,ci,n2i\n"
	"  PR, PLO, PFT, PAS     xi,ni\n"
	"  GEN                   yi with vi or sei\n"
	"Any other column may be used with --by or --mods.\n"
	"\n"
	"Options:\n"
	"  --measure M           MD, SMD, ROM, RR, OR, RD, PR, PLO, PFT, PAS or GEN\n"
	"                        (required)\n"
	"  --method M[,M...]     tau^2 estimator: EE (= FE), DL, HE, HS, SJ, ML,\n"
	"                        REML (default), EB, PM; later ones are fallbacks\n"
	"                        tried when an earlier one does not converge\n"
	"  --test T              z (default) or knha (Knapp-Hartung)\n"
	"  --level L             confidence level in percent (default 95)\n"
	"  --by COL              subgroup analysis by column COL; age_band bins a\n"
	"                        mean_age column at --age-bands\n"
	"  --age-bands A[,A...]  cut points for age_band (default 60: <60, >=60)\n"
	"  --mods COL[,COL...]   meta-regression on these columns (text columns\n"
	"                        become dummies against their first level)\n"
	"  --bias                Egger's test, rank correlation, trim and fill,\n"
	"                        leave-one-out\n"
	"  --transf exp          also show exp() of the estimates in the table\n"
	"                        (ratio measures); proportion measures are always\n"
	"                        shown back-transformed too\n"
	"  --format FMT          table (default), csv or json\n"
	"  --map CANON=COLUMN    read column COLUMN as CANON, e.g. ai=events_t\n"
	"                        (repeatable)\n"
	"  --rejects FILE        write every rejected row there as CSV, with two\n"
	"                        leading columns line,reason\n"
	"  --strict              any rejected row is an error (exit 65)\n"
	CLI_META_PLOT_USAGE
	"  --report FILE         also write the analysis as one self-contained HTML page:\n"
	"                        studies, forest and funnel, heterogeneity, subgroups,\n"
	"                        bias, methods with citations, provenance, and the R\n"
	"                        (metafor) code that reproduces it\n"	"  --help                show this help\n"
	"\n"
	"Charts need gnuplot (Debian package gnuplot-nox); exit 69 when it is missing.\n"
	"\n"
	"JSON and CSV numbers are on the analysis scale (log scale for RR, OR and\n"
	"ROM), printed to 17 significant digits; undefined values are null (JSON)\n"
	"or empty (CSV). A study that cannot contribute is reported on standard\n"
	"error with its line and left out. Exit codes: 0 success, 2 usage,\n"
	"65 data error, 66 cannot open input, 70 the model did not converge or\n"
	"another numerical failure, 73 cannot write output.\n";

/* Everything the command line asked for. */
typedef struct meta_args {
	const char *path;
	promstat_meta_measure measure;
	int have_measure;
	promstat_meta_options opt;
	enum cli_format format;
	const char *by;
	double bands[MAX_BANDS];
	size_t nbands;
	char *mods_list; /* owned copy, split in place */
	const char **mods;
	size_t nmods;
	int bias;
	int transf_exp;
	const char **map;
	size_t nmap;
	const char *rejects_path;
	int strict;
	cli_plot_opts plots; /* --forest, --funnel, ... (plot_meta.c) */
	const char *report; /* --report FILE */
	char *command_line; /* as typed, for the report */
} meta_args;

/* What was computed. */
typedef struct meta_result {
	const promstat_studies *s;
	size_t k;
	const double *yi, *vi;
	double *weights;
	promstat_meta_summary overall;
	/* --by */
	int have_groups;
	promstat_studies_groups groups;
	promstat_meta_summary *levels;
	promstat_meta_subgroup_test subtest;
	/* --mods */
	int have_design, have_mods; /* design built; model fitted (maybe unconverged) */
	promstat_studies_design design;
	promstat_meta_coef *coefs;
	promstat_meta_reg_summary reg;
	/* --bias */
	int have_bias;
	int have_egger, have_rank, have_trimfill, have_l1o;
	promstat_meta_egger egger;
	promstat_meta_rank rank;
	promstat_meta_trimfill trimfill;
	promstat_meta_l1o *l1o;
	char why_egger[PROMSTAT_MESSAGE_MAX], why_rank[PROMSTAT_MESSAGE_MAX];
	char why_trimfill[PROMSTAT_MESSAGE_MAX]; /* why a test is undefined */
	double n_hm; /* harmonic mean of ni (PFT back-transform) */
} meta_result;

/* Parses a whole option value as a finite number, as strictly as data. */
static int parse_number(const char *s, double *out)
{
	return promstat_parse_double(s, strlen(s), out);
}

/* ---- option parsing ---- */

enum {
	OPT_MEASURE = 256,
	OPT_METHOD,
	OPT_TEST,
	OPT_LEVEL,
	OPT_BY,
	OPT_AGE_BANDS,
	OPT_MODS,
	OPT_BIAS,
	OPT_TRANSF,
	OPT_FORMAT,
	OPT_MAP,
	OPT_REJECTS,
	OPT_STRICT,
	OPT_HELP,
	OPT_REPORT
};

static const struct option longopts[] = {
	{ "measure", required_argument, NULL, OPT_MEASURE },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "test", required_argument, NULL, OPT_TEST },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "by", required_argument, NULL, OPT_BY },
	{ "age-bands", required_argument, NULL, OPT_AGE_BANDS },
	{ "mods", required_argument, NULL, OPT_MODS },
	{ "bias", no_argument, NULL, OPT_BIAS },
	{ "transf", required_argument, NULL, OPT_TRANSF },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "map", required_argument, NULL, OPT_MAP },
	{ "rejects", required_argument, NULL, OPT_REJECTS },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "report", required_argument, NULL, OPT_REPORT },
	CLI_META_PLOT_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* Returns -1 to go on, or the exit code to stop with. */
static int parse_option(meta_args *a, int c, const char *arg)
{
	promstat_error err;
	char *p, *tok, *save = NULL;

	promstat_error_clear(&err);
	switch (c) {
	case OPT_MEASURE:
		if (promstat_meta_measure_parse(arg, &a->measure, &err))
			return cli_usage_error("meta", "--measure: %s", err.message);
		a->have_measure = 1;
		break;
	case OPT_METHOD:
		if (promstat_meta_methods_parse(arg, &a->opt, &err))
			return cli_usage_error("meta", "--method: %s", err.message);
		break;
	case OPT_TEST:
		if (promstat_meta_test_parse(arg, &a->opt.test, &err))
			return cli_usage_error("meta", "--test must be z or knha, not '%s'", arg);
		break;
	case OPT_LEVEL:
		if (parse_number(arg, &a->opt.level) || !(a->opt.level > 0 && a->opt.level < 100))
			return cli_usage_error("meta",
					       "--level must be a percentage between 0 and 100, not '%s'",
					       arg);
		break;
	case OPT_BY: a->by = arg; break;
	case OPT_AGE_BANDS:
		if (!(p = strdup(arg))) {
			fputs("promstat: out of memory\n", stderr);
			return EXIT_SOFTWARE;
		}
		a->nbands = 0;
		for (tok = strtok_r(p, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (a->nbands == MAX_BANDS || parse_number(tok, &a->bands[a->nbands]) ||
			    (a->nbands && !(a->bands[a->nbands] > a->bands[a->nbands - 1]))) {
				free(p);
				return cli_usage_error(
					"meta",
					"--age-bands must be up to %d ascending ages, e.g. 50,65; not '%s'",
					MAX_BANDS, arg);
			}
			a->nbands++;
		}
		free(p);
		if (!a->nbands)
			return cli_usage_error("meta", "--age-bands needs at least one age");
		break;
	case OPT_MODS: {
		size_t n = 1;
		const char **m, *q;
		for (q = arg; *q; q++)
			n += *q == ',';
		free(a->mods_list);
		a->mods_list = NULL;
		a->nmods = 0;
		m = realloc(a->mods, n * sizeof *m);
		if (m)
			a->mods = m;
		if (!m || !(a->mods_list = strdup(arg))) {
			fputs("promstat: out of memory\n", stderr);
			return EXIT_SOFTWARE;
		}
		for (tok = strtok_r(a->mods_list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			a->mods[a->nmods++] = tok;
		if (!a->nmods)
			return cli_usage_error("meta", "--mods needs at least one column");
		break;
	}
	case OPT_BIAS: a->bias = 1; break;
	case OPT_TRANSF:
		if (!strcmp(arg, "exp"))
			a->transf_exp = 1;
		else if (!strcmp(arg, "none"))
			a->transf_exp = 0;
		else
			return cli_usage_error("meta", "--transf must be exp or none, not '%s'", arg);
		break;
	case OPT_FORMAT:
		if (cli_parse_format(arg, &a->format))
			return cli_usage_error("meta", "--format must be table, csv or json, not '%s'",
					       arg);
		break;
	case OPT_MAP: a->map[a->nmap++] = arg; break;
	case OPT_REJECTS: a->rejects_path = arg; break;
	case OPT_STRICT: a->strict = 1; break;
	case OPT_HELP: fputs(usage, stdout); return EXIT_OK;
	case OPT_REPORT: a->report = arg; break;
	default: return cli_plot_option(&a->plots, "meta", c, arg);
	}
	return -1;
}

/* ---- analysis ---- */

static void note_fallback(const promstat_meta_options *opt, const promstat_meta_summary *s,
			  const char *what)
{
	if (s->converged && opt->nmethods > 1 && s->method != opt->methods[0])
		cli_term_printf(stderr, "promstat: note: %s%s%s\n", what, *what ? ": " : "",
			s->reason[0] ? s->reason : "the first method did not converge");
}

/* Subgroup analysis over the studies that have a level. Returns an exit code. */
static int run_groups(const meta_args *a, meta_result *r)
{
	promstat_error err;
	double *yi = NULL, *vi = NULL;
	size_t *grp = NULL;
	size_t i, n = 0, l;
	int st, rc = EXIT_OK;

	promstat_error_clear(&err);
	if ((st = promstat_studies_group_by(r->s, a->by, a->nbands ? a->bands : NULL, a->nbands,
					    &r->groups, &err))) {
		if (st == PROMSTAT_EINVAL)
			return cli_usage_error("meta", "--by: %s", err.message);
		return cli_fail(&err);
	}
	r->have_groups = 1;
	yi = malloc((r->k ? r->k : 1) * sizeof *yi);
	vi = malloc((r->k ? r->k : 1) * sizeof *vi);
	grp = malloc((r->k ? r->k : 1) * sizeof *grp);
	r->levels = calloc(r->groups.nlevels ? r->groups.nlevels : 1, sizeof *r->levels);
	if (!yi || !vi || !grp || !r->levels) {
		fputs("promstat: out of memory\n", stderr);
		rc = EXIT_SOFTWARE;
		goto done;
	}
	for (i = 0; i < r->k; i++) {
		if (r->groups.group[i] < 0) {
			cli_term_printf(stderr,
				"%s:%lu: study \"%s\" has no %s and is left out of the subgroups\n",
				a->path, promstat_studies_line(r->s, i), promstat_studies_label(r->s, i),
				promstat_studies_column_find(r->s, a->by) < 0 ? "mean_age" : a->by);
			continue;
		}
		yi[n] = r->yi[i];
		vi[n] = r->vi[i];
		grp[n++] = (size_t)r->groups.group[i];
	}
	if (n == 0) {
		cli_term_printf(stderr, "%s: no study has a value in column %s\n", a->path, a->by);
		rc = EXIT_DATA;
		goto done;
	}
	if ((st = promstat_meta_subgroups(yi, vi, grp, n, r->groups.nlevels, &a->opt, r->levels,
					  &r->subtest, &err))) {
		rc = cli_fail(&err);
		goto done;
	}
	for (l = 0; l < r->groups.nlevels; l++) {
		char what[128];
		if (r->levels[l].k == 0)
			continue;
		snprintf(what, sizeof what, "subgroup %s", r->groups.levels[l]);
		if (!r->levels[l].converged)
			cli_term_printf(stderr, "promstat: %s: the model did not converge: %s\n", what,
				r->levels[l].reason);
		else
			note_fallback(&a->opt, &r->levels[l], what);
	}
done:
	free(yi);
	free(vi);
	free(grp);
	return rc;
}

/* Meta-regression over the studies with every moderator. Returns an exit code. */
static int run_mods(const meta_args *a, meta_result *r)
{
	promstat_error err;
	promstat_studies_design *d = &r->design;
	double *yi = NULL, *vi = NULL;
	size_t i, j;
	int st, rc = EXIT_OK;

	promstat_error_clear(&err);
	if ((st = promstat_studies_design_build(r->s, a->mods, a->nmods, d, &err))) {
		if (st == PROMSTAT_EINVAL)
			return cli_usage_error("meta", "--mods: %s", err.message);
		if (st == PROMSTAT_EDATA) {
			/* refused before the design was built: too many coefficients */
			cli_term_printf(stderr, "%s: --mods: %s\n", a->path, err.message);
			return EXIT_DATA;
		}
		return cli_fail(&err);
	}
	r->have_design = 1;
	for (i = 0, j = 0; i < r->k; i++) {
		if (j < d->nrows && d->rows[j] == i) {
			j++;
			continue;
		}
		cli_term_printf(stderr,
			"%s:%lu: study \"%s\" lacks a moderator value and is left out of the "
			"meta-regression\n",
			a->path, promstat_studies_line(r->s, i), promstat_studies_label(r->s, i));
	}
	if (d->nrows <= d->p) {
		cli_term_printf(stderr,
			"%s: the meta-regression needs more studies (%zu) than coefficients (%zu)\n",
			a->path, d->nrows, d->p);
		return EXIT_DATA;
	}
	yi = malloc(d->nrows * sizeof *yi);
	vi = malloc(d->nrows * sizeof *vi);
	r->coefs = calloc(d->p, sizeof *r->coefs);
	if (!yi || !vi || !r->coefs) {
		fputs("promstat: out of memory\n", stderr);
		rc = EXIT_SOFTWARE;
		goto done;
	}
	for (i = 0; i < d->nrows; i++) {
		yi[i] = r->yi[d->rows[i]];
		vi[i] = r->vi[d->rows[i]];
	}
	st = promstat_meta_regress(yi, vi, d->nrows, d->x, d->p, &a->opt, r->coefs, &r->reg, &err);
	if (st == PROMSTAT_OK || st == PROMSTAT_ENUMERIC)
		r->have_mods = 1;
	if (st == PROMSTAT_OK && !r->reg.converged)
		st = PROMSTAT_ENUMERIC;
	if (st == PROMSTAT_ENUMERIC) {
		cli_term_printf(stderr, "promstat: the meta-regression did not converge: %s\n",
			r->reg.reason[0] ? r->reg.reason : err.message);
		rc = EXIT_SOFTWARE;
	} else if (st) {
		rc = cli_fail(&err);
	}
done:
	free(yi);
	free(vi);
	return rc;
}

/* Small-study effects and influence; a test that cannot run is null. */
static int run_bias(const meta_args *a, meta_result *r)
{
	promstat_error err;
	int st;

	r->have_bias = 1;
	promstat_error_clear(&err);
	if (!(st = promstat_meta_egger_test(r->yi, r->vi, r->k, &a->opt, &r->egger, &err))) {
		r->have_egger = 1;
	} else {
		/* a test that cannot run is undefined; memory running out is not */
		if (st == PROMSTAT_ENOMEM)
			return cli_fail(&err);
		cli_term_printf(stderr, "promstat: Egger's test: %s\n", err.message);
		snprintf(r->why_egger, sizeof r->why_egger, "%s", err.message);
	}
	promstat_error_clear(&err);
	if (!(st = promstat_meta_rank_test(r->yi, r->vi, r->k, &a->opt, &r->rank, &err))) {
		r->have_rank = 1;
		if (r->rank.reason[0])
			cli_term_printf(stderr, "promstat: rank correlation test: Kendall's tau is "
					"undefined: %s\n",
				r->rank.reason);
	} else {
		if (st == PROMSTAT_ENOMEM)
			return cli_fail(&err);
		cli_term_printf(stderr, "promstat: rank correlation test: %s\n", err.message);
		snprintf(r->why_rank, sizeof r->why_rank, "%s", err.message);
	}
	promstat_error_clear(&err);
	if (!(st = promstat_meta_trimfill_run(r->yi, r->vi, r->k, &a->opt, &r->trimfill, NULL,
					      NULL, &err))) {
		r->have_trimfill = 1;
	} else {
		if (st == PROMSTAT_ENOMEM)
			return cli_fail(&err);
		cli_term_printf(stderr, "promstat: trim and fill: %s\n", err.message);
		snprintf(r->why_trimfill, sizeof r->why_trimfill, "%s", err.message);
	}
	r->l1o = calloc(r->k, sizeof *r->l1o);
	if (!r->l1o) {
		fputs("promstat: out of memory\n", stderr);
		return EXIT_SOFTWARE;
	}
	promstat_error_clear(&err);
	if (!(st = promstat_meta_leave1out(r->yi, r->vi, r->k, &a->opt, r->l1o, &err)))
		r->have_l1o = 1;
	else if (st == PROMSTAT_ENOMEM)
		return cli_fail(&err);
	else
		cli_term_printf(stderr, "promstat: leave-one-out: %s\n", err.message);
	return EXIT_OK;
}

/* ---- JSON ---- */

static void json_key_number(FILE *out, const char *key, double x, int first)
{
	cli_json_member_number(out, key, x, first);
}

static void json_summary(FILE *out, const promstat_meta_summary *s)
{
	fprintf(out, "{\"k\": %zu", s->k);
	json_key_number(out, "estimate", s->estimate, 0);
	json_key_number(out, "se", s->se, 0);
	json_key_number(out, "pval", s->pval, 0);
	json_key_number(out, "ci_lb", s->ci_lb, 0);
	json_key_number(out, "ci_ub", s->ci_ub, 0);
	json_key_number(out, "tau2", s->tau2, 0);
	json_key_number(out, "tau2_ci_lb", s->tau2_ci_lb, 0);
	json_key_number(out, "tau2_ci_ub", s->tau2_ci_ub, 0);
	json_key_number(out, "I2", s->I2, 0);
	json_key_number(out, "H2", s->H2, 0);
	json_key_number(out, "Q", s->Q, 0);
	json_key_number(out, "Q_df", s->Q_df, 0);
	json_key_number(out, "Q_pval", s->Q_pval, 0);
	json_key_number(out, "pi_lb", s->pi_lb, 0);
	json_key_number(out, "pi_ub", s->pi_ub, 0);
	fputc('}', out);
}

/*
 * The key of subgroup l. Two levels that differ only in bytes that are not
 * UTF-8 are one name once those become U+FFFD: the later is written with
 * " (subgroup N)", N its place among the levels, and standard error says so.
 * Valid UTF-8 levels are distinct and written as they are.
 */
static void json_subgroup_key(FILE *out, const meta_result *r, size_t l)
{
	const char *name = r->groups.levels[l];
	size_t m;

	if (!cli_json_is_utf8(name))
		for (m = 0; m < l; m++)
			if (r->levels[m].k && cli_json_same_string(r->groups.levels[m], name)) {
				char buf[64];
				char *key;
				size_t len = strlen(name);

				snprintf(buf, sizeof buf, " (subgroup %zu)", l + 1);
				key = malloc(len + strlen(buf) + 1);
				if (key) {
					memcpy(key, name, len);
					strcpy(key + len, buf);
				}
				cli_term_printf(stderr,
						"promstat: subgroups \"%s\" and \"%s\" differ only in bytes "
						"that are not UTF-8; JSON names the second \"%s%s\"\n",
						r->groups.levels[m], name, name, buf);
				cli_json_key(out, key ? key : name);
				free(key);
				return;
			}
	cli_json_key(out, name);
}

static void print_json(FILE *out, const meta_args *a, const meta_result *r)
{
	size_t i, l;
	int first;

	fputs("{\n  \"measure\": ", out);
	cli_json_string(out, promstat_meta_measure_name(a->measure));
	fputs(",\n  \"method\": ", out);
	cli_json_string(out, promstat_meta_method_name(r->overall.method));
	fputs(",\n  \"test\": ", out);
	cli_json_string(out, promstat_meta_test_name(a->opt.test));
	fprintf(out, ",\n  \"converged\": %s,\n  \"overall\": ",
		r->overall.converged ? "true" : "false");
	json_summary(out, &r->overall);
	fputs(",\n  \"studies\": [", out);
	for (i = 0; i < r->k; i++) {
		fputs(i ? ",\n    {\"study\": " : "\n    {\"study\": ", out);
		cli_json_string(out, promstat_studies_label(r->s, i));
		json_key_number(out, "yi", r->yi[i], 0);
		json_key_number(out, "vi", r->vi[i], 0);
		json_key_number(out, "weight", r->weights[i], 0);
		fputc('}', out);
	}
	fputs("\n  ]", out);
	if (r->have_groups) {
		fputs(",\n  \"subgroups\": {", out);
		for (l = 0, first = 1; l < r->groups.nlevels; l++) {
			if (r->levels[l].k == 0)
				continue;
			fputs(first ? "\n    " : ",\n    ", out);
			first = 0;
			json_subgroup_key(out, r, l);
			json_summary(out, &r->levels[l]);
		}
		fputs("\n  },\n  \"subgroup_test_common_tau2\": {", out);
		json_key_number(out, "QM", r->subtest.common_QM, 1);
		json_key_number(out, "df", r->subtest.common_df, 0);
		json_key_number(out, "pval", r->subtest.common_pval, 0);
		fputs("},\n  \"subgroup_test_separate_tau2\": {", out);
		json_key_number(out, "Q", r->subtest.separate_Q, 1);
		json_key_number(out, "df", r->subtest.separate_df, 0);
		json_key_number(out, "pval", r->subtest.separate_pval, 0);
		fputc('}', out);
	}
	if (r->have_mods) {
		fputs(",\n  \"moderators\": [", out);
		for (i = 0; i < r->design.p; i++) {
			const promstat_meta_coef *c = &r->coefs[i];
			fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
			cli_json_string(out, r->design.names[i]);
			json_key_number(out, "estimate", c->estimate, 0);
			json_key_number(out, "se", c->se, 0);
			json_key_number(out, "pval", c->pval, 0);
			json_key_number(out, "ci_lb", c->ci_lb, 0);
			json_key_number(out, "ci_ub", c->ci_ub, 0);
			fputc('}', out);
		}
		fputs("\n  ],\n  \"moderator_test\": {", out);
		json_key_number(out, "QM", r->reg.QM, 1);
		json_key_number(out, "pval", r->reg.QM_pval, 0);
		json_key_number(out, "tau2", r->reg.tau2, 0);
		json_key_number(out, "I2", r->reg.I2, 0);
		json_key_number(out, "R2", r->reg.R2, 0);
		fputc('}', out);
	}
	if (r->have_bias) {
		fputs(",\n  \"egger\": ", out);
		if (r->have_egger) {
			fputc('{', out);
			json_key_number(out, "zval", r->egger.zval, 1);
			json_key_number(out, "pval", r->egger.pval, 0);
			json_key_number(out, "limit_estimate", r->egger.limit_estimate, 0);
			fputc('}', out);
		} else {
			fputs("null", out);
		}
		fputs(",\n  \"rank\": ", out);
		if (r->have_rank) {
			fputc('{', out);
			json_key_number(out, "tau", r->rank.tau, 1);
			json_key_number(out, "pval", r->rank.pval, 0);
			if (r->rank.reason[0]) {
				fputs(", \"undefined\": ", out);
				cli_json_string(out, r->rank.reason);
			}
			fputc('}', out);
		} else {
			fputs("null", out);
		}
		fputs(",\n  \"trimfill\": ", out);
		if (r->have_trimfill) {
			fprintf(out, "{\"k0\": %zu, \"side\": ", r->trimfill.k0);
			cli_json_string(out, promstat_meta_side_name(r->trimfill.side));
			json_key_number(out, "estimate", r->trimfill.filled.estimate, 0);
			json_key_number(out, "se", r->trimfill.filled.se, 0);
			json_key_number(out, "tau2", r->trimfill.filled.tau2, 0);
			fputc('}', out);
		} else {
			fputs("null", out);
		}
		fputs(",\n  \"leave1out\": ", out);
		if (r->have_l1o) {
			fputc('[', out);
			for (i = 0; i < r->k; i++) {
				fputs(i ? ",\n    {\"omitted\": " : "\n    {\"omitted\": ", out);
				cli_json_string(out, promstat_studies_label(r->s, i));
				json_key_number(out, "estimate", r->l1o[i].estimate, 0);
				json_key_number(out, "se", r->l1o[i].se, 0);
				json_key_number(out, "tau2", r->l1o[i].tau2, 0);
				json_key_number(out, "I2", r->l1o[i].I2, 0);
				fputc('}', out);
			}
			fputs("\n  ]", out);
		} else {
			fputs("null", out);
		}
	}
	fputs("\n}\n", out);
}

/* ---- CSV ---- */

static const char csv_header[] = "type,label,k,estimate,se,vi,ci_lb,ci_ub,weight,stat,df,pval,"
				 "tau2,tau2_ci_lb,tau2_ci_ub,I2,H2,R2,Q,Q_df,Q_pval,pi_lb,pi_ub\n";

/* One CSV row; NaN fields are empty. */
typedef struct csv_row {
	double k, estimate, se, vi, ci_lb, ci_ub, weight, stat, df, pval;
	double tau2, tau2_ci_lb, tau2_ci_ub, I2, H2, R2, Q, Q_df, Q_pval, pi_lb, pi_ub;
} csv_row;

static void csv_row_init(csv_row *c)
{
	c->k = c->estimate = c->se = c->vi = c->ci_lb = c->ci_ub = c->weight = c->stat = c->df =
		c->pval = NAN;
	c->tau2 = c->tau2_ci_lb = c->tau2_ci_ub = c->I2 = c->H2 = c->R2 = c->Q = c->Q_df =
		c->Q_pval = c->pi_lb = c->pi_ub = NAN;
}

static void csv_write(FILE *out, const char *type, const char *label, const csv_row *c)
{
	const double v[] = { c->k,    c->estimate,   c->se,	    c->vi,   c->ci_lb,
			     c->ci_ub, c->weight,    c->stat,	    c->df,   c->pval,
			     c->tau2, c->tau2_ci_lb, c->tau2_ci_ub, c->I2,   c->H2,
			     c->R2,   c->Q,	     c->Q_df,	    c->Q_pval, c->pi_lb,
			     c->pi_ub };
	size_t i;

	cli_csv_string(out, type);
	putc(',', out);
	cli_csv_string(out, label);
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		putc(',', out);
		cli_csv_number(out, v[i]);
	}
	putc('\n', out);
}

static void csv_summary(FILE *out, const char *type, const char *label,
			const promstat_meta_summary *s)
{
	csv_row c;

	csv_row_init(&c);
	c.k = (double)s->k;
	c.estimate = s->estimate;
	c.se = s->se;
	c.ci_lb = s->ci_lb;
	c.ci_ub = s->ci_ub;
	c.weight = s->k ? 100 : NAN;
	c.stat = s->stat;
	c.df = s->df;
	c.pval = s->pval;
	c.tau2 = s->tau2;
	c.tau2_ci_lb = s->tau2_ci_lb;
	c.tau2_ci_ub = s->tau2_ci_ub;
	c.I2 = s->I2;
	c.H2 = s->H2;
	c.Q = s->Q;
	c.Q_df = s->Q_df;
	c.Q_pval = s->Q_pval;
	c.pi_lb = s->pi_lb;
	c.pi_ub = s->pi_ub;
	csv_write(out, type, label, &c);
}

static void print_csv(FILE *out, const meta_args *a, const meta_result *r)
{
	csv_row c;
	size_t i, l;

	fputs(csv_header, out);
	for (i = 0; i < r->k; i++) {
		csv_row_init(&c);
		c.estimate = r->yi[i];
		c.vi = r->vi[i];
		c.se = sqrt(r->vi[i]);
		promstat_meta_study_ci(r->yi[i], r->vi[i], a->opt.level, &c.ci_lb, &c.ci_ub);
		c.weight = r->weights[i];
		csv_write(out, "study", promstat_studies_label(r->s, i), &c);
	}
	csv_summary(out, "overall", promstat_meta_method_name(r->overall.method), &r->overall);
	if (r->have_groups) {
		for (l = 0; l < r->groups.nlevels; l++)
			if (r->levels[l].k)
				csv_summary(out, "subgroup", r->groups.levels[l], &r->levels[l]);
		csv_row_init(&c);
		c.stat = r->subtest.common_QM;
		c.df = r->subtest.common_df;
		c.pval = r->subtest.common_pval;
		csv_write(out, "subgroup_test_common_tau2", a->by, &c);
		csv_row_init(&c);
		c.stat = r->subtest.separate_Q;
		c.df = r->subtest.separate_df;
		c.pval = r->subtest.separate_pval;
		csv_write(out, "subgroup_test_separate_tau2", a->by, &c);
	}
	if (r->have_mods) {
		for (i = 0; i < r->design.p; i++) {
			csv_row_init(&c);
			c.k = (double)r->reg.k;
			c.estimate = r->coefs[i].estimate;
			c.se = r->coefs[i].se;
			c.ci_lb = r->coefs[i].ci_lb;
			c.ci_ub = r->coefs[i].ci_ub;
			c.stat = r->coefs[i].stat;
			c.df = r->reg.df;
			c.pval = r->coefs[i].pval;
			csv_write(out, "moderator", r->design.names[i], &c);
		}
		csv_row_init(&c);
		c.k = (double)r->reg.k;
		c.stat = r->reg.QM;
		c.df = r->reg.QM_df;
		c.pval = r->reg.QM_pval;
		c.tau2 = r->reg.tau2;
		c.I2 = r->reg.I2;
		c.H2 = r->reg.H2;
		c.R2 = r->reg.R2;
		c.Q = r->reg.QE;
		c.Q_df = r->reg.QE_df;
		c.Q_pval = r->reg.QE_pval;
		csv_write(out, "moderator_test", "", &c);
	}
	if (r->have_bias) {
		if (r->have_egger) {
			csv_row_init(&c);
			c.estimate = r->egger.limit_estimate;
			c.ci_lb = r->egger.limit_ci_lb;
			c.ci_ub = r->egger.limit_ci_ub;
			c.stat = r->egger.zval;
			c.df = r->egger.df;
			c.pval = r->egger.pval;
			csv_write(out, "egger", "", &c);
		}
		if (r->have_rank) {
			csv_row_init(&c);
			c.stat = r->rank.tau;
			c.pval = r->rank.pval;
			csv_write(out, "rank", "", &c);
		}
		if (r->have_trimfill) {
			/* k is the number of studies filled in; label the side */
			csv_summary(out, "trimfill", promstat_meta_side_name(r->trimfill.side),
				    &r->trimfill.filled);
		}
		for (i = 0; r->have_l1o && i < r->k; i++) {
			csv_row_init(&c);
			c.k = (double)(r->k - 1);
			c.estimate = r->l1o[i].estimate;
			c.se = r->l1o[i].se;
			c.ci_lb = r->l1o[i].ci_lb;
			c.ci_ub = r->l1o[i].ci_ub;
			c.stat = r->l1o[i].stat;
			c.pval = r->l1o[i].pval;
			c.tau2 = r->l1o[i].tau2;
			c.I2 = r->l1o[i].I2;
			c.H2 = r->l1o[i].H2;
			c.Q = r->l1o[i].Q;
			c.Q_pval = r->l1o[i].Q_pval;
			csv_write(out, "leave1out", promstat_studies_label(r->s, i), &c);
		}
	}
}

/* ---- table ---- */

/* What the table shows beside the analysis scale, if anything. */
typedef struct scale {
	const char *name;  /* analysis scale column title */
	const char *back;  /* back-transformed column title, NULL = none */
} scale;

static scale table_scale(const meta_args *a)
{
	const promstat_meta_measure_info *d = promstat_meta_measure_describe(a->measure);
	scale sc = { d ? d->scale : "Estimate", d ? d->back_name : NULL };

	if (a->transf_exp) {
		if (!sc.back || (d && d->proportion))
			sc.back = "exp";
	} else if (d && d->ratio) {
		sc.back = NULL; /* ratios on the log scale unless --transf exp */
	}
	return sc;
}

/* Nonzero when the measure's back-transform takes a harmonic mean n (PFT). */
static int back_needs_n(promstat_meta_measure m)
{
	const promstat_meta_measure_info *d = promstat_meta_measure_describe(m);

	return d != NULL && d->back_needs_n;
}

/* The value shown in the back-transformed column. n_hm: PFT's n. */
static double back(const meta_args *a, double x, double n_hm)
{
	if (a->transf_exp)
		return exp(x);
	return promstat_meta_backtransform(a->measure, x, n_hm);
}

static const char *fmt_p(double p, char *buf, size_t size)
{
	if (isnan(p))
		snprintf(buf, size, "= NA");
	else if (p < 0.0001)
		snprintf(buf, size, "< 0.0001");
	else
		snprintf(buf, size, "= %.4f", p);
	return buf;
}

/* Room for a label of LABEL_MAX columns in its terminal-safe form. */
#define LABEL_BUF (LABEL_MAX * 10 + 4)

/*
 * A label fit for one table cell (term.h): control and invisible characters
 * escaped, cut to width columns with "..."; returns the columns it takes.
 */
static size_t cell_label(const char *s, char *buf, size_t width)
{
	return cli_term_fit(buf, LABEL_BUF, s, width);
}

#define CI_W 24 /* width of an interval cell, "[-123.4567, 123.4567]" */

static const char *fmt_ci(double lb, double ub, char *buf, size_t size)
{
	if (isnan(lb) && isnan(ub))
		snprintf(buf, size, "NA");
	else
		snprintf(buf, size, "[%.4f, %.4f]", lb, ub);
	return buf;
}

/* Appends to a line buffer; the line is cut at size. */
static void put(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void put(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

/* Writes a table line without trailing blanks. */
static void emit(FILE *out, const char *line)
{
	size_t n = strlen(line);

	while (n && line[n - 1] == ' ')
		n--;
	fwrite(line, 1, n, out);
	putc('\n', out);
}

static void table_row(FILE *out, int lw, const char *label, double est, double lb, double ub,
		      double weight, const scale *sc, const meta_args *a, double n_hm)
{
	char lab[LABEL_BUF], ci[64], line[768] = "";
	size_t cols = cell_label(label, lab, LABEL_MAX);

	/* Padded by columns: an escaped or non-ASCII label is wider in bytes. */
	put(line, sizeof line, "%s%*s %10.4f  %-*s", lab, cols < (size_t)lw ? lw - (int)cols : 0,
	    "", est, CI_W, fmt_ci(lb, ub, ci, sizeof ci));
	if (isnan(weight))
		put(line, sizeof line, " %8s", "");
	else
		put(line, sizeof line, " %7.2f%%", weight);
	if (sc->back)
		put(line, sizeof line, " %10.4f  %s", back(a, est, n_hm),
		    fmt_ci(back(a, lb, n_hm), back(a, ub, n_hm), ci, sizeof ci));
	emit(out, line);
}

static void table_pi(FILE *out, int lw, const promstat_meta_summary *s, const scale *sc,
		     const meta_args *a, double n_hm)
{
	char ci[64], line[256] = "";

	if (isnan(s->pi_lb))
		return;
	put(line, sizeof line, "%-*s %10s  %-*s %8s", lw, "  prediction interval", "", CI_W,
	    fmt_ci(s->pi_lb, s->pi_ub, ci, sizeof ci), "");
	if (sc->back)
		put(line, sizeof line, " %10s  %s", "",
		    fmt_ci(back(a, s->pi_lb, n_hm), back(a, s->pi_ub, n_hm), ci, sizeof ci));
	emit(out, line);
}

static void table_heterogeneity(FILE *out, const char *indent, const promstat_meta_summary *s,
				double level)
{
	char pb[32];

	cli_term_printf(out, "%sestimate %.4f (SE %.4f), %s = %.3f, p %s\n", indent, s->estimate, s->se,
		s->test == PROMSTAT_TEST_KNHA ? "t" : "z", s->stat, fmt_p(s->pval, pb, sizeof pb));
	if (s->method == PROMSTAT_METHOD_EE && s->k > 0)
		cli_term_printf(out, "%scommon-effect model (no tau^2)", indent);
	else if (isnan(s->tau2_ci_lb))
		cli_term_printf(out, "%stau^2 = %.4f, tau = %.4f", indent, s->tau2, s->tau);
	else
		cli_term_printf(out, "%stau^2 = %.4f [%.4f, %.4f] (%g%% Q-profile CI), tau = %.4f", indent,
			s->tau2, s->tau2_ci_lb, s->tau2_ci_ub, level, s->tau);
	cli_term_printf(out, "\n%sheterogeneity: I^2 = %.2f%%, H^2 = %.2f, Q(%g) = %.2f, p %s\n", indent,
		s->I2, s->H2, s->Q_df, s->Q, fmt_p(s->Q_pval, pb, sizeof pb));
}

static const char *model_name(const promstat_meta_summary *s)
{
	return s->method == PROMSTAT_METHOD_EE ? "Common effect" : "Random effects";
}

static void print_table(FILE *out, const meta_args *a, const meta_result *r)
{
	const promstat_ingest_counts *n = promstat_studies_counts(r->s);
	scale sc = table_scale(a);
	int lw = 24;
	size_t i, l;
	char pooled[96], pb[32];
	double level = a->opt.level;

	for (i = 0; i < r->k; i++) {
		size_t len = cli_term_width(promstat_studies_label(r->s, i));
		if ((int)len > lw)
			lw = len > LABEL_MAX ? LABEL_MAX : (int)len;
	}
	cli_term_printf(out, "Meta-analysis of %s: measure %s, %s model (%s), %s test, %g%% CIs\n",
		a->path, promstat_meta_measure_name(a->measure),
		r->overall.method == PROMSTAT_METHOD_EE ? "common-effect" : "random-effects",
		promstat_meta_method_name(r->overall.method),
		a->opt.test == PROMSTAT_TEST_KNHA ? "Knapp-Hartung" : "z", level);
	cli_term_printf(out, "Rows read %zu, studies pooled %zu, rejected %zu\n\n", n->rows_read, r->k,
		n->rows_rejected);
	snprintf(pooled, sizeof pooled, "%g%% CI", level);
	{
		char line[256] = "";
		put(line, sizeof line, "%-*s %10s  %-*s %8s", lw, "Study", sc.name, CI_W, pooled,
		    "Weight");
		if (sc.back)
			put(line, sizeof line, " %10s  %s", sc.back, pooled);
		emit(out, line);
	}
	for (i = 0; i < r->k; i++) {
		/* A study's own n back-transforms its own double arcsine. */
		double ni = promstat_studies_input(r->s, i, "ni"), lb, ub;
		promstat_meta_study_ci(r->yi[i], r->vi[i], a->opt.level, &lb, &ub);
		table_row(out, lw, promstat_studies_label(r->s, i), r->yi[i], lb, ub,
			  r->weights[i], &sc, a, ni);
	}
	snprintf(pooled, sizeof pooled, "%s (k = %zu)", model_name(&r->overall), r->overall.k);
	if (r->overall.converged)
		table_row(out, lw, pooled, r->overall.estimate, r->overall.ci_lb, r->overall.ci_ub,
			  100, &sc, a, r->n_hm);
	else
		cli_term_printf(out, "%-*s %10s\n", lw, pooled, "-");
	if (r->overall.converged && r->overall.method != PROMSTAT_METHOD_EE)
		table_pi(out, lw, &r->overall, &sc, a, r->n_hm);
	putc('\n', out);
	if (!r->overall.converged)
		cli_term_printf(out, "The model did not converge: %s\n", r->overall.reason);
	else
		table_heterogeneity(out, "", &r->overall, level);
	if (back_needs_n(a->measure) && sc.back)
		cli_term_printf(out, "Proportions back-transformed with Miller's inverse of the double "
			     "arcsine (harmonic mean n = %.2f).\n",
			r->n_hm);

	if (r->have_groups) {
		cli_term_printf(out, "\nSubgroups by %s\n", a->by);
		for (l = 0; l < r->groups.nlevels; l++) {
			const promstat_meta_summary *s = &r->levels[l];
			if (!s->k)
				continue;
			/* PFT: the subgroup's own harmonic mean n, as metafor
			 * fitted to the subgroup alone would use */
			double n_hm = back_needs_n(a->measure)
					      ? promstat_studies_harmonic_n(r->s, &r->groups, (long)l)
					      : r->n_hm;

			cli_term_printf(out, "\n%s = %s\n", a->by, r->groups.levels[l]);
			for (i = 0; i < r->k; i++)
				if (r->groups.group[i] == (long)l) {
					double lb, ub;
					promstat_meta_study_ci(r->yi[i], r->vi[i], a->opt.level,
							       &lb, &ub);
					table_row(out, lw, promstat_studies_label(r->s, i), r->yi[i],
						  lb, ub, NAN, &sc, a,
						  promstat_studies_input(r->s, i, "ni"));
				}
			snprintf(pooled, sizeof pooled, "%s (k = %zu)", model_name(s), s->k);
			if (s->converged)
				table_row(out, lw, pooled, s->estimate, s->ci_lb, s->ci_ub, NAN, &sc,
					  a, n_hm);
			if (s->converged && s->method != PROMSTAT_METHOD_EE)
				table_pi(out, lw, s, &sc, a, n_hm);
			if (!s->converged)
				cli_term_printf(out, "  the model did not converge: %s\n", s->reason);
			else
				table_heterogeneity(out, "  ", s, level);
		}
		cli_term_printf(out, "\nTest for subgroup differences (common tau^2, %s model): QM(%g) = %.2f, p %s\n",
			"moderator", r->subtest.common_df, r->subtest.common_QM,
			fmt_p(r->subtest.common_pval, pb, sizeof pb));
		cli_term_printf(out, "Test for subgroup differences (separate tau^2): Q(%g) = %.2f, p %s\n",
			r->subtest.separate_df, r->subtest.separate_Q,
			fmt_p(r->subtest.separate_pval, pb, sizeof pb));
	}

	if (r->have_mods) {
		int nw = 12;
		for (i = 0; i < r->design.p; i++)
			if ((int)cli_term_width(r->design.names[i]) > nw)
				nw = (int)cli_term_width(r->design.names[i]);
		cli_term_printf(out, "\nMeta-regression (k = %zu, %s)\n", r->reg.k,
			promstat_meta_method_name(r->reg.method));
		snprintf(pooled, sizeof pooled, "%g%% CI", level);
		cli_term_printf(out, "%-*s %10s %9s %9s %10s  %s\n", nw, "Coefficient", "estimate", "se",
			isnan(r->reg.df) ? "z" : "t", "p", pooled);
		for (i = 0; i < r->design.p; i++) {
			const promstat_meta_coef *c = &r->coefs[i];
			char ci[64];
			cli_term_printf(out, "%-*s %10.4f %9.4f %9.3f %10s  %s\n", nw, r->design.names[i],
				c->estimate, c->se, c->stat, c->pval < 0.0001 ? "<0.0001" : fmt_p(c->pval, pb, sizeof pb) + 2,
				fmt_ci(c->ci_lb, c->ci_ub, ci, sizeof ci));
		}
		if (isnan(r->reg.QM_df2))
			cli_term_printf(out, "Test of moderators: QM(%g) = %.2f, p %s\n", r->reg.QM_df, r->reg.QM,
				fmt_p(r->reg.QM_pval, pb, sizeof pb));
		else
			cli_term_printf(out, "Test of moderators: F(%g, %g) = %.2f, p %s\n", r->reg.QM_df,
				r->reg.QM_df2, r->reg.QM, fmt_p(r->reg.QM_pval, pb, sizeof pb));
		cli_term_printf(out, "Residual heterogeneity: tau^2 = %.4f, I^2 = %.2f%%, R^2 = %.2f%%, "
			     "QE(%g) = %.2f, p %s\n",
			r->reg.tau2, r->reg.I2, r->reg.R2, r->reg.QE_df, r->reg.QE,
			fmt_p(r->reg.QE_pval, pb, sizeof pb));
	}

	if (r->have_bias) {
		fputs("\nSmall-study effects\n", out);
		if (r->have_egger)
			cli_term_printf(out, "Egger's regression test: %s = %.3f, p %s; limit estimate %.4f\n",
				isnan(r->egger.df) ? "z" : "t", r->egger.zval,
				fmt_p(r->egger.pval, pb, sizeof pb), r->egger.limit_estimate);
		else if (r->why_egger[0])
			cli_term_printf(out, "Egger's regression test: undefined (%s)\n", r->why_egger);
		if (r->have_rank && isnan(r->rank.tau))
			cli_term_printf(out, "Rank correlation test: Kendall's tau undefined (%s)\n",
				r->rank.reason);
		else if (r->have_rank)
			cli_term_printf(out, "Rank correlation test: Kendall's tau = %.3f, p %s\n", r->rank.tau,
				fmt_p(r->rank.pval, pb, sizeof pb));
		else if (r->why_rank[0])
			cli_term_printf(out, "Rank correlation test: undefined (%s)\n", r->why_rank);
		if (r->have_trimfill) {
			cli_term_printf(out, "Trim and fill: %zu %s imputed on the %s; filled estimate "
				     "%.4f (SE %.4f) [%.4f, %.4f], tau^2 = %.4f\n",
				r->trimfill.k0, r->trimfill.k0 == 1 ? "study" : "studies",
				promstat_meta_side_name(r->trimfill.side),
				r->trimfill.filled.estimate, r->trimfill.filled.se,
				r->trimfill.filled.ci_lb, r->trimfill.filled.ci_ub,
				r->trimfill.filled.tau2);
			if (sc.back)
				cli_term_printf(out, "  back-transformed: %.4f [%.4f, %.4f]\n",
					back(a, r->trimfill.filled.estimate, r->n_hm),
					back(a, r->trimfill.filled.ci_lb, r->n_hm),
					back(a, r->trimfill.filled.ci_ub, r->n_hm));
		} else if (r->why_trimfill[0]) {
			cli_term_printf(out, "Trim and fill: undefined (%s)\n", r->why_trimfill);
		}
		if (r->have_l1o) {
			snprintf(pooled, sizeof pooled, "%g%% CI", level);
			cli_term_printf(out, "\nLeave one out\n%-*s %10s  %-*s %8s %8s\n", lw, "Omitted",
				sc.name, CI_W, pooled, "tau^2", "I^2");
			for (i = 0; i < r->k; i++) {
				char lab[LABEL_BUF], ci[64];
				cell_label(promstat_studies_label(r->s, i), lab, LABEL_MAX);
				cli_term_printf(out, "%-*s %10.4f  %-*s %8.4f %7.2f%%\n", lw, lab,
					r->l1o[i].estimate, CI_W,
					fmt_ci(r->l1o[i].ci_lb, r->l1o[i].ci_ub, ci, sizeof ci),
					r->l1o[i].tau2, r->l1o[i].I2);
			}
		}
	}
}

/* ---- the command ---- */

static void result_free(meta_result *r)
{
	free(r->weights);
	free(r->levels);
	if (r->have_groups)
		promstat_studies_groups_free(&r->groups);
	if (r->have_design)
		promstat_studies_design_free(&r->design);
	free(r->coefs);
	free(r->l1o);
}

/* ---- meta --report: the analysis as one HTML page ---- */

static void h_para(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void h_para(FILE *out, const char *fmt, ...)
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

static void h_cell(FILE *out, const char *tag, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void h_cell(FILE *out, const char *tag, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fprintf(out, "<%s>", tag);
	cli_html_text(out, buf);
	fprintf(out, "</%s>", tag);
}

/* "0.49 (0.34 to 0.70)" on the reporting scale, "undefined" for NaN. */
static const char *h_est(const meta_args *a, const meta_result *r, double x, double lb, double ub,
			 char *buf, size_t size)
{
	if (!isfinite(x))
		snprintf(buf, size, "undefined");
	else if (!isfinite(lb) || !isfinite(ub))
		snprintf(buf, size, "%.4g", back(a, x, r->n_hm));
	else
		snprintf(buf, size, "%.4g (%.4g to %.4g)", back(a, x, r->n_hm), back(a, lb, r->n_hm),
			 back(a, ub, r->n_hm));
	return buf;
}

/* Writes s as an R string literal (double-quoted, escaped) into out. */
static void r_string(FILE *o, const char *s)
{
	putc('"', o);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c < 0x20 || c == 0x7F)
			fprintf(o, "\\x%02x", c);
		else
			putc(c, o);
	}
	putc('"', o);
}

/*
 * The R code that reproduces the analysis with metafor: the effect sizes
 * promstat computed (yi, vi to 17 digits, so that the check is of the
 * models, whatever the raw columns), then the same rma() call and, as
 * asked, the subgroup, bias and leave-one-out calls. Written to a memory
 * stream, then through the HTML writer into a <pre>.
 */
static void r_code(FILE *o, const meta_args *a, const meta_result *r)
{
	const char *method = promstat_meta_method_name(r->overall.method);
	const char *test = promstat_meta_test_name(a->opt.test);

	fputs("library(metafor)\n", o);
	fputs("# effect sizes as promstat computed them from ", o);
	r_string(o, a->path);
	fprintf(o, " (measure %s; escalc(measure = \"%s\", ...) on the raw columns gives the same)\n",
		promstat_meta_measure_name(a->measure), promstat_meta_measure_name(a->measure));
	fputs("dat <- data.frame(\n  study = c(", o);
	for (size_t i = 0; i < r->k; i++) {
		if (i)
			fputs(", ", o);
		r_string(o, promstat_studies_label(r->s, i));
	}
	fputs("),\n  yi = c(", o);
	for (size_t i = 0; i < r->k; i++)
		fprintf(o, "%s%.17g", i ? ", " : "", r->yi[i]);
	fputs("),\n  vi = c(", o);
	for (size_t i = 0; i < r->k; i++)
		fprintf(o, "%s%.17g", i ? ", " : "", r->vi[i]);
	fputs(")", o);
	if (r->have_groups) {
		fputs(",\n  grp = c(", o);
		for (size_t i = 0; i < r->k; i++) {
			if (i)
				fputs(", ", o);
			if (r->groups.group[i] < 0)
				fputs("NA", o);
			else
				r_string(o, r->groups.levels[r->groups.group[i]]);
		}
		fputs(")", o);
	}
	fputs(")\n", o);
	fprintf(o, "res <- rma(yi, vi, data = dat, method = \"%s\", test = \"%s\", level = %g)\n",
		method, test, a->opt.level);
	fputs("summary(res)\n", o);
	if (r->overall.converged && r->overall.method != PROMSTAT_METHOD_EE)
		fputs("confint(res)  # tau^2 interval (Q-profile)\npredict(res) # prediction interval\n", o);
	if (r->have_groups) {
		fprintf(o, "# subgroups: a model per level, and the test with a common tau^2\n"
			   "for (g in unique(na.omit(dat$grp))) print(rma(yi, vi, data = dat, subset = grp == g, "
			   "method = \"%s\", test = \"%s\", level = %g))\n",
			method, test, a->opt.level);
		fprintf(o, "rma(yi, vi, mods = ~ factor(grp), data = dat, method = \"%s\", test = \"%s\")\n",
			method, test);
	}
	if (r->have_bias)
		fputs("regtest(res)   # Egger's regression test\n"
		      "ranktest(res)  # Begg and Mazumdar's rank correlation\n"
		      "trimfill(res)  # Duval and Tweedie's trim and fill\n"
		      "leave1out(res)\n",
		      o);
	if (a->transf_exp)
		fputs("predict(res, transf = exp)\n", o);
}

/* on_chart for the report's charts: they are read back once both are drawn. */
static int chart_drawn(void *ctx, const char *kind, size_t instrument, int day, const char *path)
{
	(void)ctx;
	(void)kind;
	(void)instrument;
	(void)day;
	(void)path;
	return EXIT_OK;
}

static int meta_report(const meta_args *a, const meta_result *r)
{
	char tmpl[4096], fpath[4200], upath[4200], hex[65], b[256], b2[256];
	const char *tmp = getenv("TMPDIR");
	char *forest = NULL, *funnel = NULL;
	size_t flen = 0, ulen = 0;
	int rc = EXIT_OK, have_dir = 0;
	FILE *out;

	if (!cli_gnuplot_available(cli_gnuplot_program())) {
		fputs("promstat: note: gnuplot is not installed (Debian package gnuplot-nox): the "
		      "report has no charts\n", stderr);
	} else {
		cli_plot_opts po = a->plots;
		cli_meta_plot_input pin = { a->path, a->measure, &a->opt, r->s, r->k, r->yi, r->vi,
					    r->weights, &r->overall, a->by,
					    r->have_groups ? &r->groups : NULL, r->levels, &r->subtest,
					    a->bias };

		snprintf(tmpl, sizeof tmpl, "%s/promstat-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(tmpl)) {
			cli_term_printf(stderr, "promstat: cannot create a folder for the charts: %s\n",
					strerror(errno));
			return EXIT_CANTCREAT;
		}
		have_dir = 1;
		snprintf(fpath, sizeof fpath, "%s/forest.svg", tmpl);
		snprintf(upath, sizeof upath, "%s/funnel.svg", tmpl);
		po.forest = fpath;
		po.funnel = upath;
		po.have_format = 1;
		po.format = PROMSTAT_PLOT_SVG;
		po.script = NULL;
		po.paths = NULL;
		po.on_chart = chart_drawn; /* the temporary files are not named on stderr */
		po.on_chart_ctx = NULL;
		rc = cli_meta_plots(&po, &pin);
		if (rc == EXIT_OK && (cli_report_slurp(fpath, &forest, &flen) ||
				      cli_report_slurp(upath, &funnel, &ulen))) {
			cli_term_printf(stderr, "promstat: cannot read a chart back: %s\n", strerror(errno));
			rc = EXIT_SOFTWARE;
		}
		unlink(fpath);
		unlink(upath);
		rmdir(tmpl);
		have_dir = 0;
		if (rc != EXIT_OK)
			goto done;
	}
	(void)have_dir;
	if (!(out = fopen(a->report, "wb"))) {
		cli_term_printf(stderr, "promstat: %s: cannot write the report: %s\n", a->report,
				strerror(errno));
		rc = EXIT_CANTCREAT;
		goto done;
	}
	snprintf(b, sizeof b, "Meta-analysis: %s", a->path);
	cli_report_head(out, b);
	fputs("<h1>", out);
	cli_html_text(out, b);
	fputs("</h1>\n", out);
	/* studies */
	fputs("<section id=\"studies\">\n<h2>Studies</h2>\n<div class=\"scroll\"><table>\n<thead><tr>", out);
	h_cell(out, "th", "Study");
	h_cell(out, "th", "%s (%g%% CI)", promstat_meta_measure_name(a->measure), a->opt.level);
	h_cell(out, "th", "Weight");
	fputs("</tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < r->k; i++) {
		double lb, ub;
		promstat_meta_study_ci(r->yi[i], r->vi[i], a->opt.level, &lb, &ub);
		fputs("<tr>", out);
		h_cell(out, "td", "%s", promstat_studies_label(r->s, i));
		fputs("<td class=\"n\">", out);
		cli_html_text(out, h_est(a, r, r->yi[i], lb, ub, b, sizeof b));
		fputs("</td><td class=\"n\">", out);
		cli_html_printf(out, isfinite(r->weights[i]) ? "%.1f%%" : "undefined", r->weights[i]);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
	if (forest) {
		fputs("<figure>", out);
		cli_html_svg(out, forest, flen, "forest-");
		fputs("<figcaption>Forest plot.</figcaption></figure>\n", out);
	}
	fputs("</section>\n", out);
	/* pooled and heterogeneity */
	fputs("<section id=\"heterogeneity\">\n<h2>Pooled effect and heterogeneity</h2>\n", out);
	h_para(out, "Pooled %s (%s, %s test), %zu studies: %s, p = %.4g.",
	       promstat_meta_measure_name(a->measure), model_name(&r->overall),
	       promstat_meta_test_name(a->opt.test), r->overall.k,
	       h_est(a, r, r->overall.estimate, r->overall.ci_lb, r->overall.ci_ub, b, sizeof b),
	       r->overall.pval);
	h_para(out, "tau^2 = %.4g (%s), I^2 = %.1f%%, H^2 = %.3g; Q = %.4g on %g df, p = %.4g. "
		    "Prediction interval: %s.",
	       r->overall.tau2,
	       isfinite(r->overall.tau2_ci_lb) ? (snprintf(b2, sizeof b2, "%.4g to %.4g",
							    r->overall.tau2_ci_lb, r->overall.tau2_ci_ub), b2)
					       : "no interval",
	       r->overall.I2, r->overall.H2, r->overall.Q, r->overall.Q_df, r->overall.Q_pval,
	       isfinite(r->overall.pi_lb) ? h_est(a, r, r->overall.estimate, r->overall.pi_lb,
						  r->overall.pi_ub, b, sizeof b)
					  : "none (common effect)");
	fputs("</section>\n", out);
	/* subgroups */
	fputs("<section id=\"subgroups\">\n<h2>Subgroups</h2>\n", out);
	if (!r->have_groups) {
		h_para(out, "No subgroup analysis was asked for (--by COLUMN).");
	} else {
		fputs("<div class=\"scroll\"><table>\n<thead><tr>", out);
		h_cell(out, "th", "%s", a->by);
		h_cell(out, "th", "Studies");
		h_cell(out, "th", "Pooled (CI)");
		h_cell(out, "th", "I^2");
		fputs("</tr></thead>\n<tbody>\n", out);
		for (size_t l = 0; l < r->groups.nlevels; l++) {
			const promstat_meta_summary *lv = &r->levels[l];
			fputs("<tr>", out);
			h_cell(out, "td", "%s", r->groups.levels[l]);
			h_cell(out, "td", "%zu", lv->k);
			fputs("<td class=\"n\">", out);
			cli_html_text(out, h_est(a, r, lv->estimate, lv->ci_lb, lv->ci_ub, b, sizeof b));
			fputs("</td>", out);
			h_cell(out, "td", isfinite(lv->I2) ? "%.1f%%" : "undefined", lv->I2);
			fputs("</tr>\n", out);
		}
		fputs("</tbody></table></div>\n", out);
		h_para(out, "Test for subgroup differences with a common tau^2: QM = %.4g on %g df, "
			    "p = %.4g; with separate tau^2: Q = %.4g on %g df, p = %.4g.",
		       r->subtest.common_QM, r->subtest.common_df, r->subtest.common_pval,
		       r->subtest.separate_Q, r->subtest.separate_df, r->subtest.separate_pval);
	}
	fputs("</section>\n", out);
	/* bias */
	fputs("<section id=\"bias\">\n<h2>Small-study effects and publication bias</h2>\n", out);
	if (funnel) {
		fputs("<figure>", out);
		cli_html_svg(out, funnel, ulen, "funnel-");
		fputs("<figcaption>Contour-enhanced funnel plot.</figcaption></figure>\n", out);
	}
	if (!r->have_bias) {
		h_para(out, "No bias analysis was asked for (--bias).");
	} else {
		if (r->have_egger)
			h_para(out, "Egger's regression test: %s = %.4g, p = %.4g; limit estimate %s.",
			       a->opt.test == PROMSTAT_TEST_Z ? "z" : "t", r->egger.zval, r->egger.pval,
			       h_est(a, r, r->egger.limit_estimate, r->egger.limit_ci_lb,
				     r->egger.limit_ci_ub, b, sizeof b));
		else
			h_para(out, "Egger's regression test: undefined (%s).", r->why_egger);
		if (r->have_rank)
			h_para(out, "Rank correlation test: Kendall's tau = %.4g, p = %.4g.", r->rank.tau,
			       r->rank.pval);
		else
			h_para(out, "Rank correlation test: undefined (%s).", r->why_rank);
		if (r->have_trimfill)
			h_para(out, "Trim and fill: %zu studies imputed on the %s; adjusted estimate %s.",
			       r->trimfill.k0, promstat_meta_side_name(r->trimfill.side),
			       h_est(a, r, r->trimfill.filled.estimate, r->trimfill.filled.ci_lb,
				     r->trimfill.filled.ci_ub, b, sizeof b));
		else
			h_para(out, "Trim and fill: undefined (%s).", r->why_trimfill);
	}
	fputs("</section>\n", out);
	/* methods */
	fputs("<section id=\"methods\">\n<h2>Methods</h2>\n", out);
	h_para(out,
	       "Effect sizes (%s) were pooled with %s and %s tests and %g%% intervals, following "
	       "metafor's conventions (Viechtbauer 2010, J Stat Softw 36(3)). %s%s%s%s",
	       promstat_meta_measure_name(a->measure), model_name(&r->overall),
	       a->opt.test == PROMSTAT_TEST_Z ? "normal (Wald)"
					      : "Knapp-Hartung (Knapp and Hartung 2003, Stat Med 22:2693)",
	       a->opt.level,
	       r->overall.method == PROMSTAT_METHOD_REML
		       ? "tau^2 by restricted maximum likelihood (Viechtbauer 2005, J Educ Behav Stat 30:261). "
	       : r->overall.method == PROMSTAT_METHOD_DL
		       ? "tau^2 by the DerSimonian-Laird estimator (DerSimonian and Laird 1986, Control Clin Trials 7:177). "
		       : "",
	       "Heterogeneity: Cochran's Q and I^2 (Higgins and Thompson 2002, Stat Med 21:1539); the tau^2 "
	       "interval by the Q-profile method (Viechtbauer 2007, Stat Med 26:37). ",
	       r->have_groups ? "Subgroups: a model per level, and the test of a moderator with a common "
				"tau^2. "
			      : "",
	       r->have_bias ? "Bias: Egger's regression test (Egger et al. 1997, BMJ 315:629), the rank "
			      "correlation test (Begg and Mazumdar 1994, Biometrics 50:1088) and trim and "
			      "fill (Duval and Tweedie 2000, Biometrics 56:455)."
			    : "");
	fputs("</section>\n", out);
	/* R code */
	fputs("<section id=\"r-code\">\n<h2>Reproduce with R (metafor)</h2>\n<pre><code>", out);
	{
		char *code = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&code, &len);
		if (m) {
			r_code(m, a, r);
			if (fclose(m) == 0)
				cli_html_text(out, code);
			free(code);
		}
	}
	fputs("</code></pre>\n</section>\n", out);
	/* provenance */
	fputs("<section id=\"provenance\">\n<h2>Provenance</h2>\n<div class=\"scroll\"><table>\n<tbody>\n", out);
	{
		time_t now = time(NULL);
		struct tm tm;
		fputs("<tr>", out); h_cell(out, "th", "Program"); h_cell(out, "td", "promstat %s", promstat_version()); fputs("</tr>\n", out);
		fputs("<tr>", out); h_cell(out, "th", "Command line"); h_cell(out, "td", "%s", a->command_line ? a->command_line : ""); fputs("</tr>\n", out);
		fputs("<tr>", out); h_cell(out, "th", "Input"); h_cell(out, "td", "%s", a->path); fputs("</tr>\n", out);
		fputs("<tr>", out); h_cell(out, "th", "Input SHA-256");
		h_cell(out, "td", "%s", strcmp(a->path, "-") && !cli_report_sha256(a->path, hex) ? hex : "(standard input)");
		fputs("</tr>\n", out);
		gmtime_r(&now, &tm);
		strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S UTC", &tm);
		fputs("<tr>", out); h_cell(out, "th", "Written"); h_cell(out, "td", "%s", b); fputs("</tr>\n", out);
		fputs("<tr>", out); h_cell(out, "th", "Options");
		h_cell(out, "td", "measure %s; method %s; test %s; level %g%%; by %s; bias %s",
		       promstat_meta_measure_name(a->measure), promstat_meta_method_name(r->overall.method),
		       promstat_meta_test_name(a->opt.test), a->opt.level, a->by ? a->by : "none",
		       a->bias ? "yes" : "no");
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div>\n</section>\n</main>\n</body>\n</html>\n", out);
	if (ferror(out) | fclose(out)) {
		cli_term_printf(stderr, "promstat: %s: cannot write the report: %s\n", a->report,
				strerror(errno));
		remove(a->report);
		rc = EXIT_CANTCREAT;
	} else {
		cli_term_printf(stderr, "promstat: wrote %s\n", a->report);
	}
done:
	free(forest);
	free(funnel);
	return rc;
}

int cmd_meta(int argc, char **argv)
{
	meta_args a;
	meta_result r;
	promstat_ingest_options iopt;
	promstat_studies *s = NULL;
	promstat_error err;
	cli_reject_list sh = { 0 };
	cli_rejects rj = { 0 };
	cli_paths paths = { 0 };
	FILE *in = NULL;
	int c, st, rc = EXIT_OK;
	size_t i;

	memset(&a, 0, sizeof a);
	memset(&r, 0, sizeof r);
	promstat_error_clear(&err);
	promstat_meta_options_init(&a.opt);
	a.format = CLI_FORMAT_TABLE;
	cli_plot_opts_init(&a.plots);
	a.map = calloc((size_t)argc + 1, sizeof *a.map);
	if (!a.map) {
		fputs("promstat: out of memory\n", stderr);
		rc = EXIT_SOFTWARE;
		goto done;
	}
	{
		/* the command line as typed, for --report's provenance */
		size_t len = sizeof "promstat";
		for (int k = 0; k < argc; k++)
			len += strlen(argv[k]) + 1;
		if ((a.command_line = malloc(len))) {
			strcpy(a.command_line, "promstat");
			for (int k = 0; k < argc; k++) {
				strcat(a.command_line, " ");
				strcat(a.command_line, argv[k]);
			}
		}
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == ':') {
			rc = cli_usage_error("meta", "option '%s' needs a value", argv[optind - 1]);
			goto done;
		}
		if (c == '?') {
			rc = cli_unknown_option("meta", argv[optind - 1], longopts);
			goto done;
		}
		if ((rc = parse_option(&a, c, optarg)) >= 0)
			goto done;
		rc = EXIT_OK;
	}
	if (optind != argc - 1) {
		rc = cli_usage_error("meta", optind >= argc ? "no study FILE given"
							    : "give exactly one study FILE");
		goto done;
	}
	if (!a.have_measure) {
		rc = cli_usage_error("meta", "--measure is required (MD, SMD, ROM, RR, OR, RD, PR, "
					     "PLO, PFT, PAS or GEN)");
		goto done;
	}
	if (a.nbands && (!a.by || strcmp(a.by, "age_band")))
		fputs("promstat: note: --age-bands only matters with --by age_band\n", stderr);
	a.path = argv[optind];

	memset(&iopt, 0, sizeof iopt);
	iopt.strict = a.strict;
	iopt.map = a.map;
	iopt.nmap = a.nmap;
	iopt.on_reject = cli_print_reject;
	iopt.on_reject_ctx = &sh;
	if (!(in = cli_open_input(a.path, &err))) {
		rc = cli_fail(&err);
		goto done;
	}
	rj.path = a.rejects_path;
	/* Every output of the run, checked before the first is written. */
	cli_paths_input(&paths, a.path, "the input file");
	cli_paths_output(&paths, "--rejects", a.rejects_path);
	cli_plot_paths(&a.plots, &paths);
	cli_paths_output(&paths, "--report", a.report);
	if ((rc = cli_paths_check(&paths, "meta", NULL, NULL, 0)) != EXIT_OK)
		goto done;
	if ((rc = cli_rejects_open(&rj)) != EXIT_OK)
		goto done;
	iopt.rejects = rj.f;
	st = promstat_studies_read(in, a.path, a.measure, &iopt, &s, &err);
	if ((rc = cli_rejects_finish(&rj, &sh, "meta", st, &err)) != EXIT_OK)
		goto done;

	r.s = s;
	r.k = promstat_studies_count(s);
	r.yi = promstat_studies_yi(s);
	r.vi = promstat_studies_vi(s);
	r.weights = calloc(r.k, sizeof *r.weights);
	if (!r.weights) {
		fputs("promstat: out of memory\n", stderr);
		rc = EXIT_SOFTWARE;
		goto done;
	}
	if (back_needs_n(a.measure))
		r.n_hm = promstat_studies_harmonic_n(s, NULL, -1);
	st = promstat_meta_fit(r.yi, r.vi, r.k, &a.opt, &r.overall, r.weights, &err);
	if (st == PROMSTAT_ENUMERIC) {
		/* Say so, and still print what is known: converged = false, nulls. */
		cli_term_printf(stderr, "promstat: the model did not converge: %s\n",
			r.overall.reason[0] ? r.overall.reason : err.message);
		for (i = 0; i < r.k; i++)
			r.weights[i] = NAN;
		rc = EXIT_SOFTWARE;
	} else if (st) {
		rc = cli_fail(&err);
		goto done;
	} else {
		note_fallback(&a.opt, &r.overall, "");
	}
	if (rc == EXIT_OK && a.by && (rc = run_groups(&a, &r)) != EXIT_OK)
		goto done;
	if (rc == EXIT_OK && a.nmods && (rc = run_mods(&a, &r)) != EXIT_OK && !r.have_mods)
		goto done; /* an unconverged meta-regression is still printed, with exit 70 */
	if (rc == EXIT_OK && a.bias && (rc = run_bias(&a, &r)) != EXIT_OK)
		goto done;

	switch (a.format) {
	case CLI_FORMAT_TABLE: print_table(stdout, &a, &r); break;
	case CLI_FORMAT_CSV: print_csv(stdout, &a, &r); break;
	case CLI_FORMAT_JSON:
		print_json(stdout, &a, &r);
		cli_json_report();
		break;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_term_printf(stderr, "promstat: cannot write the output: %s\n", strerror(errno));
		rc = EXIT_CANTCREAT;
	}
	if (rc == EXIT_OK && (a.plots.forest || a.plots.funnel)) {
		/* Charts come after the numbers, which stand even when gnuplot is missing. */
		cli_meta_plot_input pin = { a.path, a.measure, &a.opt, s, r.k, r.yi, r.vi,
					    r.weights, &r.overall, a.by,
					    r.have_groups ? &r.groups : NULL, r.levels, &r.subtest,
					    a.bias };
		rc = cli_meta_plots(&a.plots, &pin);
	}
	if (rc == EXIT_OK && a.report)
		rc = meta_report(&a, &r);
done:
	free(a.command_line);
	result_free(&r);
	promstat_studies_free(s);
	if (in && in != stdin)
		fclose(in);
	if (rj.f)
		fclose(rj.f);
	free(a.mods_list);
	free(a.mods);
	free(a.map);
	return rc;
}
