/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers every subcommand uses: exit codes, catalogue lookup, JSON/CSV. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "cli.h"

int cli_exit_code(int status)
{
	switch (status) {
	case PROMSTAT_OK: return EXIT_OK;
	case PROMSTAT_EINVAL: return EXIT_USAGE;
	case PROMSTAT_EDATA: return EXIT_DATA;
	case PROMSTAT_EOPEN: return EXIT_NOINPUT;
	case PROMSTAT_EWRITE: return EXIT_CANTCREAT;
	default: return EXIT_SOFTWARE;
	}
}

int cli_fail(const promstat_error *err)
{
	char buf[PROMSTAT_PATH_MAX + PROMSTAT_MESSAGE_MAX + 64];

	/* The message quotes the data (a value, a label, a path): escaped. */
	cli_term_printf(stderr, "%s\n", promstat_error_format(err, buf, sizeof buf));
	return cli_exit_code(err->code);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[PROMSTAT_PATH_MAX + PROMSTAT_MESSAGE_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Usage errors quote arguments and column names: escaped. */
	cli_term_printf(stderr, "promstat: %s", msg);
	if (cmd)
		fprintf(stderr, "\nTry 'promstat %s --help'.\n", cmd);
	else
		fputs("\nTry 'promstat --help'.\n", stderr);
	return EXIT_USAGE;
}

int cli_parse_format(const char *s, enum cli_format *out)
{
	if (!strcmp(s, "table"))
		*out = CLI_FORMAT_TABLE;
	else if (!strcmp(s, "csv"))
		*out = CLI_FORMAT_CSV;
	else if (!strcmp(s, "json"))
		*out = CLI_FORMAT_JSON;
	else
		return -1;
	return 0;
}

/* The catalogue's installed copy, then the source tree's (for a build not installed). */
static const char *const catalogue_fallbacks[] = { PROMSTAT_DATADIR "/instruments.csv",
						   PROMSTAT_SRCDIR "/datasets/instruments.csv" };

const char *cli_catalogue_path(const char *path)
{
	size_t i;

	if (!path)
		path = getenv("PROMSTAT_INSTRUMENTS");
	if (path && *path)
		return path;
	for (i = 0; i < sizeof catalogue_fallbacks / sizeof *catalogue_fallbacks; i++)
		if (access(catalogue_fallbacks[i], R_OK) == 0)
			return catalogue_fallbacks[i];
	return NULL;
}

int cli_load_catalogue(const char *path, promstat_catalogue **out, promstat_error *err)
{
	const char *found = cli_catalogue_path(path);

	if (found)
		return promstat_catalogue_load(found, out, err);
	promstat_error_clear(err);
	err->code = PROMSTAT_EOPEN;
	snprintf(err->message, sizeof err->message,
		 "instrument catalogue not found (looked in %s); pass --instruments FILE",
		 catalogue_fallbacks[0]);
	return PROMSTAT_EOPEN;
}

FILE *cli_open_input(const char *path, promstat_error *err)
{
	FILE *f;

	if (!strcmp(path, "-"))
		return stdin;
	f = fopen(path, "rb");
	if (!f) {
		promstat_error_clear(err);
		err->code = PROMSTAT_EOPEN;
		snprintf(err->file, sizeof err->file, "%s", path);
		snprintf(err->message, sizeof err->message, "cannot open: %s", strerror(errno));
	}
	return f;
}

void cli_csv_string(FILE *out, const char *s)
{
	/* The library's one CSV field writer: quoting and formula guard alike
	 * for --format csv and --rejects. */
	promstat_csv_write_text(out, s, s ? strlen(s) : 0);
}

void cli_csv_number(FILE *out, double x)
{
	if (isfinite(x))
		fprintf(out, "%.17g", x);
}

void cli_print_reject(const promstat_error *diag, int reason, void *ctx)
{
	cli_reject_list *list = ctx;
	char buf[PROMSTAT_PATH_MAX + PROMSTAT_MESSAGE_MAX + 64];

	(void)reason;
	if (++list->n <= CLI_SHOWN_REJECTS)
		cli_term_printf(stderr, "%s\n", promstat_error_format(diag, buf, sizeof buf));
}

void cli_rejects_tail(const cli_reject_list *list, int have_rejects_file)
{
	if (list->n > CLI_SHOWN_REJECTS)
		fprintf(stderr, "... and %zu more rejected rows; %s\n", list->n - CLI_SHOWN_REJECTS,
			have_rejects_file ? "all are in the --rejects file"
					  : "use --rejects FILE to see them all");
}

int cli_rejects_open(cli_rejects *r)
{
	r->f = NULL;
	if (!r->path)
		return EXIT_OK;
	if (!(r->f = fopen(r->path, "w"))) {
		cli_term_printf(stderr, "%s: cannot write the rejected rows: %s\n", r->path, strerror(errno));
		return EXIT_CANTCREAT;
	}
	return EXIT_OK;
}

int cli_rejects_finish(cli_rejects *r, const cli_reject_list *shown, const char *cmd, int st,
		       promstat_error *err)
{
	int bad;

	cli_rejects_tail(shown, r->path != NULL);
	if (st == PROMSTAT_EINVAL)
		return cli_usage_error(cmd, "%s", err->message);
	if (st) {
		/* The reader does not know the rejects file's name. */
		if (st == PROMSTAT_EWRITE)
			snprintf(err->file, sizeof err->file, "%s", r->path ? r->path : "");
		return cli_fail(err);
	}
	if (!r->f)
		return EXIT_OK;
	bad = fclose(r->f) != 0;
	r->f = NULL;
	if (bad) {
		cli_term_printf(stderr, "%s: cannot write the rejected rows: %s\n", r->path, strerror(errno));
		return EXIT_CANTCREAT;
	}
	return EXIT_OK;
}

/* Levenshtein distance of a and b, capped: returns cap + 1 once over cap. */
static size_t edit_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), row[64], i, j;

	if (la >= 64 || lb >= 64)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0], best;
		row[0] = i;
		best = row[0];
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], v = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			diag = up;
			row[j] = v;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
	}
	return row[lb];
}

int cli_unknown_option(const char *cmd, const char *given, const struct option *opts)
{
	char name[64];
	const char *p = given, *best = NULL;
	size_t n, best_d = 3, i;

	if (!strcmp(given, "--version")) {
		/* every command answers --version where getopt sees an option */
		printf("promstat %s\n", promstat_version());
		return EXIT_OK;
	}
	while (*p == '-')
		p++;
	n = strcspn(p, "=");
	if (n >= sizeof name || !*p)
		return cli_usage_error(cmd, "unknown option '%s'", given);
	memcpy(name, p, n);
	name[n] = '\0';
	/* Two edits at most, and fewer than half the name: "--refrence" is
	 * --reference, "--xy" is nothing. */
	for (i = 0; opts && opts[i].name; i++) {
		size_t d = edit_distance(name, opts[i].name, 2);
		if (d < best_d && 2 * d < strlen(opts[i].name)) {
			best_d = d;
			best = opts[i].name;
		}
	}
	if (best)
		return cli_usage_error(cmd, "unknown option '%s'; did you mean '--%s'?", given, best);
	return cli_usage_error(cmd, "unknown option '%s'", given);
}

/* Splits s at commas in place: out[i] points at field i for i < max; returns
 * the number of fields (which may exceed max, so the caller can size out). */
size_t cli_split_commas(char *s, const char **out, size_t max)
{
	size_t n = 0;
	char *p = s;

	for (;;) {
		char *c = strchr(p, ',');

		if (n < max)
			out[n] = p;
		n++;
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}
