/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Study-level files: one row per study in metafor's column names, read in
 * one streaming pass into effect sizes (yi, vi) plus moderator columns.
 * Rows are accounted for exactly like a registry's: every row is accepted
 * or rejected with a reason and a FILE:LINE:COLUMN diagnostic.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "promstat_studies.h"

/* The canonical input columns, in metafor's names. */
enum { F_STUDY, F_M1I, F_SD1I, F_N1I, F_M2I, F_SD2I, F_N2I, F_AI, F_BI, F_CI, F_DI, F_XI,
       F_NI, F_YI, F_VI, F_SEI, F_NCANON };
static const char *const canon_names[F_NCANON] = { "study", "m1i", "sd1i", "n1i", "m2i",
						  "sd2i", "n2i", "ai", "bi", "ci",
						  "di", "xi", "ni", "yi", "vi", "sei" };

/* The input columns of each form, in the order a message lists them. */
static const int form_means[] = { F_M1I, F_SD1I, F_N1I, F_M2I, F_SD2I, F_N2I, -1 };
static const int form_table[] = { F_AI, F_BI, F_CI, F_DI, -1 };
static const int form_table_n[] = { F_AI, F_N1I, F_CI, F_N2I, -1 };
static const int form_prop[] = { F_XI, F_NI, -1 };
static const int form_gen_vi[] = { F_YI, F_VI, -1 };
static const int form_gen_sei[] = { F_YI, F_SEI, -1 };

typedef struct study {
	long label;	    /* id in text pool */
	unsigned long line;
	double in[F_NCANON]; /* inputs, NaN when not part of the form */
} study;

struct promstat_studies {
	promstat_meta_measure measure;
	promstat_ingest_counts counts;
	study *st;
	size_t k, cap;
	double *yi, *vi;    /* k each, kept in step with st */
	size_t ycap, vcap;
	ps_strpool *text;   /* labels and moderator values */

	size_t nmods;
	char **mod_names;
	int *mod_numeric;
	long *mod_text;	    /* k x nmods ids, -1 = empty */
	size_t mtcap;
	double *mod_num;    /* k x nmods, filled after reading */
};

/* ---- effect sizes ---- */

/*
 * When the engine's escalc turns a study down, names the input column to
 * point at: the first one that breaks the rule the engine states in
 * promstat_meta.h. Returns -1 when no single column is to blame.
 */
static int blame(promstat_meta_input kind, const double *in)
{
	static const int cells[] = { F_AI, F_BI, F_CI, F_DI };
	size_t c;

	switch (kind) {
	case PROMSTAT_META_INPUT_MEANS:
		if (!(in[F_N1I] >= 2))
			return F_N1I;
		if (!(in[F_N2I] >= 2))
			return F_N2I;
		if (!(in[F_SD1I] > 0))
			return F_SD1I;
		if (!(in[F_SD2I] > 0))
			return F_SD2I;
		if (!(in[F_M1I] > 0))
			return F_M1I;
		if (!(in[F_M2I] > 0))
			return F_M2I;
		break;
	case PROMSTAT_META_INPUT_TABLE:
		for (c = 0; c < 4; c++)
			if (!(in[cells[c]] >= 0) || in[cells[c]] != floor(in[cells[c]]))
				return cells[c];
		if (!(in[F_N1I] > 0))
			return F_N1I;
		if (!(in[F_N2I] > 0))
			return F_N2I;
		break;
	case PROMSTAT_META_INPUT_PROPORTION:
		if (!(in[F_NI] >= 1) || in[F_NI] != floor(in[F_NI]))
			return F_NI;
		return F_XI;
	case PROMSTAT_META_INPUT_GENERIC:
		return isnan(in[F_SEI]) ? F_VI : F_SEI;
	}
	return -1;
}

/* Computes a study's effect with the engine's escalc; why gets the reason. */
static int study_effect(promstat_meta_measure m, const double *in, double *yi, double *vi,
			promstat_error *why)
{
	switch (promstat_meta_measure_input(m)) {
	case PROMSTAT_META_INPUT_MEANS:
		return promstat_meta_es_means(m, in[F_M1I], in[F_SD1I], in[F_N1I], in[F_M2I],
					      in[F_SD2I], in[F_N2I], yi, vi, why);
	case PROMSTAT_META_INPUT_TABLE:
		return promstat_meta_es_table(m, in[F_AI], in[F_BI], in[F_CI], in[F_DI], yi, vi,
					      why);
	case PROMSTAT_META_INPUT_PROPORTION:
		return promstat_meta_es_proportion(m, in[F_XI], in[F_NI], yi, vi, why);
	case PROMSTAT_META_INPUT_GENERIC:
		return promstat_meta_es_generic(in[F_YI], in[F_VI], yi, vi, why);
	}
	return ps_error(why, PROMSTAT_EINTERNAL, NULL, 0, 0, "unknown measure");
}

/* ---- reading ---- */

typedef struct read_ctx {
	promstat_studies *s;
	const char *name;
	promstat_ingest_options opt;
	const char *want[F_NCANON]; /* header name looked up for each canonical */
	int col[F_NCANON];	    /* field index of each used canonical, -1 */
	const int *form;
	size_t ncols;
	int *mod_field;		    /* field index of each moderator column */
	unsigned long datarow;
	promstat_error diag;
} read_ctx;

static int find_col(const ps_csv_record *rec, const char *want)
{
	size_t i;

	for (i = 0; i < rec->nfields; i++)
		if (!strcasecmp(rec->fields[i].text, want))
			return (int)i;
	return -1;
}

static int form_present(const ps_csv_record *rec, read_ctx *c, const int *form)
{
	for (; *form >= 0; form++)
		if (find_col(rec, c->want[*form]) < 0)
			return 0;
	return 1;
}

/* "m1i,sd1i,..." for a message, with mapped names shown as mapped. */
static void form_list(read_ctx *c, const int *form, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (; *form >= 0 && used < size; form++) {
		int n = snprintf(buf + used, size - used, "%s%s", used ? "," : "", c->want[*form]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static int header(read_ctx *c, const ps_csv_record *rec, promstat_error *err)
{
	promstat_studies *s = c->s;
	const char *mname = promstat_meta_measure_name(s->measure);
	const int *alt = NULL;
	size_t i, j;

	if (ps_csv_foreign_separator(rec))
		return ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0, PS_CSV_FOREIGN_SEPARATOR,
				ps_csv_foreign_separator(rec));
	switch (promstat_meta_measure_input(s->measure)) {
	case PROMSTAT_META_INPUT_MEANS: c->form = form_means; break;
	case PROMSTAT_META_INPUT_TABLE: c->form = form_table; alt = form_table_n; break;
	case PROMSTAT_META_INPUT_PROPORTION: c->form = form_prop; break;
	case PROMSTAT_META_INPUT_GENERIC: c->form = form_gen_vi; alt = form_gen_sei; break;
	}
	if (!form_present(rec, c, c->form) && alt && form_present(rec, c, alt))
		c->form = alt;
	for (j = 0; j < F_NCANON; j++)
		c->col[j] = -1;
	for (j = 0; c->form[j] >= 0; j++) {
		int f = c->form[j];
		int at = find_col(rec, c->want[f]);
		if (at < 0) {
			char need[128], other[128];
			form_list(c, c->form, need, sizeof need);
			if (alt) {
				form_list(c, alt, other, sizeof other);
				return ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0,
						"there is no \"%s\" column; measure %s needs the columns %s or %s",
						c->want[f], mname, need, other);
			}
			return ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0,
					"there is no \"%s\" column; measure %s needs the columns %s",
					c->want[f], mname, need);
		}
		c->col[f] = at;
	}
	c->col[F_STUDY] = find_col(rec, c->want[F_STUDY]);
	/* A name used twice would make the row ambiguous. */
	for (i = 0; i < rec->nfields; i++)
		for (j = i + 1; j < rec->nfields; j++)
			if (!strcasecmp(rec->fields[i].text, rec->fields[j].text))
				return ps_error(err, PROMSTAT_EDATA, c->name, rec->line, j + 1,
						"column \"%s\" appears twice in the header",
						rec->fields[j].text);
	c->ncols = rec->nfields;
	c->mod_field = ps_malloc((rec->nfields ? rec->nfields : 1) * sizeof *c->mod_field);
	s->mod_names = ps_calloc(rec->nfields ? rec->nfields : 1, sizeof *s->mod_names);
	if (!c->mod_field || !s->mod_names)
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	for (i = 0; i < rec->nfields; i++) {
		int used = 0;
		for (j = 0; j < F_NCANON; j++)
			if (c->col[j] == (int)i)
				used = 1;
		if (used)
			continue;
		s->mod_names[s->nmods] = ps_strdup(rec->fields[i].text);
		if (!s->mod_names[s->nmods])
			return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
		c->mod_field[s->nmods++] = (int)i;
	}
	return PROMSTAT_OK;
}

/* Accounts for a rejected row: diagnostic, rejects file, --strict. */
static int reject(read_ctx *c, const ps_csv_record *rec, int reason, unsigned long column,
		  promstat_error *err)
{
	promstat_studies *s = c->s;
	size_t i;

	s->counts.rows_rejected++;
	s->counts.by_reason[reason]++;
	/* The line of the offending field: a quoted newline may come before it. */
	c->diag.line = column && column <= rec->nfields ? rec->fields[column - 1].line : rec->line;
	c->diag.column = column;
	if (c->opt.rejects) {
		const char *rn = promstat_reject_reason_name(reason);
		char line[32];
		int bad;
		snprintf(line, sizeof line, "%lu", rec->line);
		bad = ps_csv_write_field(c->opt.rejects, line, strlen(line), 1) ||
		      ps_csv_write_field(c->opt.rejects, rn, strlen(rn), 0);
		for (i = 0; i < rec->nfields && !bad; i++)
			bad = ps_csv_write_field(c->opt.rejects, rec->fields[i].text,
						 rec->fields[i].len, 0);
		if (bad || putc('\n', c->opt.rejects) == EOF)
			return ps_error(err, PROMSTAT_EWRITE, NULL, 0, 0,
					"cannot write the rejects file");
	}
	if (c->opt.strict) {
		/* --strict: the first rejected row ends the run with its diagnostic. */
		if (err)
			*err = c->diag;
		return PROMSTAT_EDATA;
	}
	if (c->opt.on_reject)
		c->opt.on_reject(&c->diag, reason, c->opt.on_reject_ctx);
	return PROMSTAT_OK;
}

/* The reason, and under --strict nothing more: the run stops there. */
#define REJECT_MSG(c, fmt, ...)                                                    \
	(ps_error(&(c)->diag, PROMSTAT_EDATA, (c)->name, 0, 0,                      \
		  (c)->opt.strict ? fmt : fmt "; the study is left out", __VA_ARGS__))

static int row(const ps_csv_record *rec, void *ctx_, promstat_error *err)
{
	read_ctx *c = ctx_;
	promstat_studies *s = c->s;
	study st;
	const int *f;
	double yi, vi;
	int bad;
	promstat_error why;
	size_t j;

	if (rec->number == 1) {
		int r = header(c, rec, err);
		if (r == PROMSTAT_OK && c->opt.rejects) {
			/* The rejects file gets the input's header behind line,reason. */
			int w = ps_csv_write_field(c->opt.rejects, "line", 4, 1) ||
				ps_csv_write_field(c->opt.rejects, "reason", 6, 0);
			for (j = 0; j < rec->nfields && !w; j++)
				w = ps_csv_write_field(c->opt.rejects, rec->fields[j].text,
						       rec->fields[j].len, 0);
			if (w || putc('\n', c->opt.rejects) == EOF)
				return ps_error(err, PROMSTAT_EWRITE, NULL, 0, 0,
						"cannot write the rejects file");
		}
		return r;
	}
	s->counts.rows_read++;
	c->datarow++;
	if (rec->nfields != c->ncols) {
		REJECT_MSG(c, "this row has %zu fields but the header has %zu",
			   rec->nfields, c->ncols);
		return reject(c, rec, PROMSTAT_REJECT_FIELD_COUNT,
			      rec->nfields < c->ncols ? rec->nfields + 1 : c->ncols + 1, err);
	}
	for (j = 0; j < F_NCANON; j++)
		st.in[j] = NAN;
	for (f = c->form; *f >= 0; f++) {
		const ps_csv_field *fld = &rec->fields[c->col[*f]];
		if (fld->len == 0) {
			REJECT_MSG(c, "%s is empty", c->want[*f]);
			return reject(c, rec, PROMSTAT_REJECT_MISSING,
				      (unsigned long)c->col[*f] + 1, err);
		}
		if (ps_parse_double(fld->text, fld->len, &st.in[*f])) {
			REJECT_MSG(c, "%s \"%.40s\" is not a number",
				   c->want[*f], fld->text);
			return reject(c, rec, PROMSTAT_REJECT_NOT_NUMBER,
				      (unsigned long)c->col[*f] + 1, err);
		}
	}
	/* Complete the other 2x2 form and the variance, so both forms answer. */
	if (c->form == form_table) {
		st.in[F_N1I] = st.in[F_AI] + st.in[F_BI];
		st.in[F_N2I] = st.in[F_CI] + st.in[F_DI];
	} else if (c->form == form_table_n) {
		st.in[F_BI] = st.in[F_N1I] - st.in[F_AI];
		st.in[F_DI] = st.in[F_N2I] - st.in[F_CI];
	} else if (c->form == form_gen_sei) {
		st.in[F_VI] = st.in[F_SEI] * st.in[F_SEI];
	}
	promstat_error_clear(&why);
	if (study_effect(s->measure, st.in, &yi, &vi, &why)) {
		unsigned long column = 0;
		if (why.code != PROMSTAT_EDATA)
			return ps_error(err, why.code, c->name, rec->line, 0, "%s", why.message);
		bad = blame(promstat_meta_measure_input(s->measure), st.in);
		/* A derived cell (bi = n1i - ai) is blamed on the column it came from. */
		if (bad == F_BI && c->col[F_BI] < 0)
			bad = F_AI;
		if (bad == F_DI && c->col[F_DI] < 0)
			bad = F_CI;
		if (bad >= 0 && c->col[bad] >= 0)
			column = (unsigned long)c->col[bad] + 1;
		REJECT_MSG(c, "%s", why.message);
		return reject(c, rec, PROMSTAT_REJECT_OUT_OF_RANGE, column, err);
	}
	if (c->col[F_STUDY] >= 0 && rec->fields[c->col[F_STUDY]].len > 0) {
		st.label = ps_strpool_intern(s->text, rec->fields[c->col[F_STUDY]].text,
					     rec->fields[c->col[F_STUDY]].len);
	} else {
		char num[32];
		int n = snprintf(num, sizeof num, "%lu", c->datarow);
		st.label = ps_strpool_intern(s->text, num, (size_t)n);
	}
	st.line = rec->line;
	if (st.label < 0 || ps_reserve((void **)&s->st, &s->cap, s->k + 1, sizeof *s->st) ||
	    ps_reserve((void **)&s->yi, &s->ycap, s->k + 1, sizeof *s->yi) ||
	    ps_reserve((void **)&s->vi, &s->vcap, s->k + 1, sizeof *s->vi) ||
	    (s->nmods && ps_reserve((void **)&s->mod_text, &s->mtcap, (s->k + 1) * s->nmods,
				    sizeof *s->mod_text)))
		return ps_error(err, PROMSTAT_ENOMEM, c->name, rec->line, 0, "out of memory");
	for (j = 0; j < s->nmods; j++) {
		const ps_csv_field *fld = &rec->fields[c->mod_field[j]];
		long id = -1;
		if (fld->len > 0 && (id = ps_strpool_intern(s->text, fld->text, fld->len)) < 0)
			return ps_error(err, PROMSTAT_ENOMEM, c->name, rec->line, 0,
					"out of memory");
		s->mod_text[s->k * s->nmods + j] = id;
	}
	s->st[s->k] = st;
	s->yi[s->k] = yi;
	s->vi[s->k] = vi;
	s->k++;
	s->counts.rows_accepted++;
	return PROMSTAT_OK;
}

/* Types the moderator columns once every accepted value is known. */
static int type_moderators(promstat_studies *s)
{
	size_t i, j;

	if (!s->nmods)
		return 0;
	s->mod_numeric = ps_calloc(s->nmods, sizeof *s->mod_numeric);
	s->mod_num = ps_malloc((s->k ? s->k : 1) * s->nmods * sizeof *s->mod_num);
	if (!s->mod_numeric || !s->mod_num)
		return -1;
	for (j = 0; j < s->nmods; j++) {
		int numeric = 1;
		for (i = 0; i < s->k; i++) {
			long id = s->mod_text[i * s->nmods + j];
			double v = NAN;
			if (id >= 0) {
				const char *t = ps_strpool_get(s->text, id);
				if (ps_parse_double(t, strlen(t), &v))
					numeric = 0;
			}
			s->mod_num[i * s->nmods + j] = v;
		}
		s->mod_numeric[j] = numeric;
		if (!numeric)
			for (i = 0; i < s->k; i++)
				s->mod_num[i * s->nmods + j] = NAN;
	}
	return 0;
}

/* Resolves --map entries "canonical=column" into c->want. */
static int apply_map(read_ctx *c, promstat_error *err)
{
	size_t i, j;

	for (j = 0; j < F_NCANON; j++)
		c->want[j] = canon_names[j];
	for (i = 0; i < c->opt.nmap; i++) {
		const char *m = c->opt.map[i];
		const char *eq = m ? strchr(m, '=') : NULL;
		if (!eq || eq == m || !eq[1])
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"--map \"%s\" must look like canonical=column",
					m ? m : "");
		for (j = 0; j < F_NCANON; j++)
			if (strlen(canon_names[j]) == (size_t)(eq - m) &&
			    !strncasecmp(canon_names[j], m, (size_t)(eq - m)))
				break;
		if (j == F_NCANON)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"--map \"%s\": \"%.*s\" is not a study-file column "
					"(study, m1i, sd1i, n1i, m2i, sd2i, n2i, ai, bi, ci, di, "
					"xi, ni, yi, vi, sei)",
					m, (int)(eq - m), m);
		c->want[j] = eq + 1;
	}
	return PROMSTAT_OK;
}

int promstat_studies_read(FILE *in, const char *name, promstat_meta_measure measure,
			  const promstat_ingest_options *opt, promstat_studies **out,
			  promstat_error *err)
{
	read_ctx c;
	promstat_studies *s;
	int st;

	if (!out)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place for the result");
	*out = NULL;
	if (!in)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no input given");
	if (!name)
		name = "(input)";
	memset(&c, 0, sizeof c);
	if (opt)
		c.opt = *opt;
	c.name = name;
	if ((int)measure < 0 || (int)measure >= PROMSTAT_MEASURE_COUNT)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "unknown measure");
	if ((st = apply_map(&c, err)))
		return st;
	s = ps_calloc(1, sizeof *s);
	if (!s || !(s->text = ps_strpool_new())) {
		ps_free(s);
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	}
	s->measure = measure;
	c.s = s;
	c.diag.code = PROMSTAT_EDATA;
	st = ps_csv_read(in, name, c.opt.chunk, row, &c, err);
	ps_free(c.mod_field);
	if (!st && !c.form)
		st = ps_error(err, PROMSTAT_EDATA, name, 0, 0,
			      "the file is empty; a header row is required");
	if (!st && type_moderators(s))
		st = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	if (!st && s->k == 0)
		st = ps_error(err, PROMSTAT_EDATA, name, 0, 0,
			      "no study can be pooled (%zu rows read, %zu rejected)",
			      s->counts.rows_read, s->counts.rows_rejected);
	if (st) {
		promstat_studies_free(s);
		return st;
	}
	*out = s;
	return PROMSTAT_OK;
}

void promstat_studies_free(promstat_studies *s)
{
	size_t j;

	if (!s)
		return;
	for (j = 0; j < s->nmods; j++)
		ps_free(s->mod_names[j]);
	ps_free(s->mod_names);
	ps_free(s->mod_numeric);
	ps_free(s->mod_text);
	ps_free(s->mod_num);
	ps_free(s->st);
	ps_free(s->yi);
	ps_free(s->vi);
	ps_strpool_free(s->text);
	ps_free(s);
}

/* ---- accessors ---- */

promstat_meta_measure promstat_studies_measure(const promstat_studies *s)
{
	return s ? s->measure : PROMSTAT_MEASURE_GEN;
}

const promstat_ingest_counts *promstat_studies_counts(const promstat_studies *s)
{
	return s ? &s->counts : NULL;
}

size_t promstat_studies_count(const promstat_studies *s)
{
	return s ? s->k : 0;
}

const double *promstat_studies_yi(const promstat_studies *s)
{
	return s ? s->yi : NULL;
}

const double *promstat_studies_vi(const promstat_studies *s)
{
	return s ? s->vi : NULL;
}

const char *promstat_studies_label(const promstat_studies *s, size_t i)
{
	return s && i < s->k ? ps_strpool_get(s->text, s->st[i].label) : NULL;
}

unsigned long promstat_studies_line(const promstat_studies *s, size_t i)
{
	return s && i < s->k ? s->st[i].line : 0;
}

double promstat_studies_input(const promstat_studies *s, size_t i, const char *canonical)
{
	size_t j;

	if (!s || i >= s->k || !canonical)
		return NAN;
	for (j = 1; j < F_NCANON; j++)
		if (!strcasecmp(canonical, canon_names[j]))
			return s->st[i].in[j];
	return NAN;
}

double promstat_studies_harmonic_n(const promstat_studies *s, const promstat_studies_groups *g,
				   long level)
{
	double inv = 0;
	size_t i, n = 0;

	if (!s)
		return NAN;
	for (i = 0; i < s->k; i++) {
		if (g && level >= 0 && (i >= g->k || g->group[i] != level))
			continue;
		inv += 1 / promstat_studies_input(s, i, "ni");
		n++;
	}
	return n ? (double)n / inv : NAN;
}

size_t promstat_studies_ncolumns(const promstat_studies *s)
{
	return s ? s->nmods : 0;
}

const char *promstat_studies_column_name(const promstat_studies *s, size_t j)
{
	return s && j < s->nmods ? s->mod_names[j] : NULL;
}

long promstat_studies_column_find(const promstat_studies *s, const char *name)
{
	size_t j;

	for (j = 0; s && name && j < s->nmods; j++)
		if (!strcasecmp(s->mod_names[j], name))
			return (long)j;
	return -1;
}

int promstat_studies_column_numeric(const promstat_studies *s, size_t j)
{
	return s && j < s->nmods ? s->mod_numeric[j] : 0;
}

double promstat_studies_number(const promstat_studies *s, size_t i, size_t j)
{
	return s && i < s->k && j < s->nmods ? s->mod_num[i * s->nmods + j] : NAN;
}

const char *promstat_studies_text(const promstat_studies *s, size_t i, size_t j)
{
	long id;

	if (!s || i >= s->k || j >= s->nmods)
		return NULL;
	id = s->mod_text[i * s->nmods + j];
	return id < 0 ? "" : ps_strpool_get(s->text, id);
}

/* ---- subgroups ---- */

/* Sorting distinct levels: numbers numerically, text by bytes. */
typedef struct level {
	double num;
	const char *text;
} level;

static int cmp_num(const void *a, const void *b)
{
	double x = ((const level *)a)->num, y = ((const level *)b)->num;
	return (x > y) - (x < y);
}

static int cmp_text(const void *a, const void *b)
{
	return strcmp(((const level *)a)->text, ((const level *)b)->text);
}

/*
 * The distinct non-empty values of column j in sorted order; *nlev set.
 * Returns NULL (with *nlev 0) when out of memory or there are none.
 */
static level *distinct_levels(const promstat_studies *s, size_t j, size_t *nlev)
{
	level *lv = ps_malloc((s->k ? s->k : 1) * sizeof *lv);
	size_t i, n = 0, u = 0;
	int numeric = s->mod_numeric[j];

	*nlev = 0;
	if (!lv)
		return NULL;
	for (i = 0; i < s->k; i++) {
		long id = s->mod_text[i * s->nmods + j];
		if (id < 0)
			continue;
		lv[n].text = ps_strpool_get(s->text, id);
		lv[n].num = s->mod_num[i * s->nmods + j];
		n++;
	}
	qsort(lv, n, sizeof *lv, numeric ? cmp_num : cmp_text);
	for (i = 0; i < n; i++)
		if (u == 0 || (numeric ? cmp_num(&lv[u - 1], &lv[i]) : cmp_text(&lv[u - 1], &lv[i])))
			lv[u++] = lv[i];
	*nlev = u;
	return lv;
}

static long level_of(const level *lv, size_t n, const level *key, int numeric)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = numeric ? cmp_num(&lv[mid], key) : cmp_text(&lv[mid], key);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void promstat_studies_groups_free(promstat_studies_groups *g)
{
	size_t l;

	if (!g)
		return;
	for (l = 0; g->levels && l < g->nlevels; l++)
		ps_free(g->levels[l]);
	ps_free(g->levels);
	ps_free(g->group);
	memset(g, 0, sizeof *g);
}

static int age_bands(const promstat_studies *s, const double *bands, size_t nbands,
		     promstat_studies_groups *g, promstat_error *err)
{
	static const double default_band = 60;
	long j = promstat_studies_column_find(s, "mean_age");
	size_t i, b;

	if (j < 0 || !s->mod_numeric[j])
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				j < 0 ? "age_band needs a mean_age column (the mean age of each "
					"study's patients)"
				      : "age_band needs mean_age to be a number in every study that has one");
	if (nbands == 0) {
		bands = &default_band;
		nbands = 1;
	}
	for (b = 0; b < nbands; b++)
		if (!isfinite(bands[b]) || (b > 0 && !(bands[b] > bands[b - 1])))
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"age bands must be ascending numbers");
	g->nlevels = nbands + 1;
	g->levels = ps_calloc(g->nlevels, sizeof *g->levels);
	if (!g->levels)
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	for (b = 0; b <= nbands; b++) {
		char buf[80];
		if (b == 0)
			snprintf(buf, sizeof buf, "<%g", bands[0]);
		else if (b == nbands)
			snprintf(buf, sizeof buf, ">=%g", bands[nbands - 1]);
		else
			snprintf(buf, sizeof buf, "[%g,%g)", bands[b - 1], bands[b]);
		if (!(g->levels[b] = ps_strdup(buf)))
			return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	}
	for (i = 0; i < s->k; i++) {
		double a = s->mod_num[i * s->nmods + (size_t)j];
		if (isnan(a)) {
			g->group[i] = -1;
			continue;
		}
		for (b = 0; b < nbands && a >= bands[b]; b++)
			;
		g->group[i] = (long)b;
	}
	return PROMSTAT_OK;
}

int promstat_studies_group_by(const promstat_studies *s, const char *col, const double *bands,
			      size_t nbands, promstat_studies_groups *out, promstat_error *err)
{
	long j;
	level *lv;
	size_t i, nlev;
	int st;

	if (!out)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place for the result");
	memset(out, 0, sizeof *out);
	if (!s || !col)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no studies or column given");
	out->k = s->k;
	out->group = ps_malloc((s->k ? s->k : 1) * sizeof *out->group);
	if (!out->group)
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	j = promstat_studies_column_find(s, col);
	if (j < 0 && !strcasecmp(col, "age_band")) {
		if ((st = age_bands(s, bands, nbands, out, err)))
			promstat_studies_groups_free(out);
		return st;
	}
	if (j < 0) {
		promstat_studies_groups_free(out);
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"there is no column \"%s\" to group by", col);
	}
	lv = distinct_levels(s, (size_t)j, &nlev);
	if (!lv) {
		promstat_studies_groups_free(out);
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	}
	out->levels = ps_calloc(nlev ? nlev : 1, sizeof *out->levels);
	if (!out->levels)
		goto nomem;
	out->nlevels = nlev;
	for (i = 0; i < nlev; i++)
		if (!(out->levels[i] = ps_strdup(lv[i].text)))
			goto nomem;
	for (i = 0; i < s->k; i++) {
		level key;
		long id = s->mod_text[i * s->nmods + (size_t)j];
		if (id < 0) {
			out->group[i] = -1;
			continue;
		}
		key.text = ps_strpool_get(s->text, id);
		key.num = s->mod_num[i * s->nmods + (size_t)j];
		out->group[i] = level_of(lv, nlev, &key, s->mod_numeric[j]);
	}
	ps_free(lv);
	return PROMSTAT_OK;
nomem:
	ps_free(lv);
	promstat_studies_groups_free(out);
	return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
}

/* ---- meta-regression design ---- */

void promstat_studies_design_free(promstat_studies_design *d)
{
	size_t c;

	if (!d)
		return;
	for (c = 0; d->names && c < d->p; c++)
		ps_free(d->names[c]);
	ps_free(d->names);
	ps_free(d->x);
	ps_free(d->rows);
	memset(d, 0, sizeof *d);
}

int promstat_studies_design_build(const promstat_studies *s, const char *const *cols,
				  size_t ncols, promstat_studies_design *out, promstat_error *err)
{
	long *idx = NULL;
	level **lvs = NULL;
	size_t *nlv = NULL;
	size_t a, b, i, r, p = 1, c;
	int st = PROMSTAT_ENOMEM;

	if (!out)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place for the result");
	memset(out, 0, sizeof *out);
	if (!s || (ncols && !cols))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no studies or columns given");
	idx = ps_calloc(ncols ? ncols : 1, sizeof *idx);
	lvs = ps_calloc(ncols ? ncols : 1, sizeof *lvs);
	nlv = ps_calloc(ncols ? ncols : 1, sizeof *nlv);
	if (!idx || !lvs || !nlv)
		goto nomem;
	for (a = 0; a < ncols; a++) {
		idx[a] = promstat_studies_column_find(s, cols[a]);
		if (idx[a] < 0) {
			st = ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				      "there is no moderator column \"%s\"", cols[a]);
			goto fail;
		}
		for (b = 0; b < a; b++)
			if (idx[b] == idx[a]) {
				st = ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					      "moderator \"%s\" is named twice", cols[a]);
				goto fail;
			}
		if (s->mod_numeric[idx[a]]) {
			p++;
		} else {
			if (!(lvs[a] = distinct_levels(s, (size_t)idx[a], &nlv[a])) && s->k)
				goto nomem;
			if (nlv[a] > 1)
				p += nlv[a] - 1;
		}
	}
	/* the design is k x p doubles and the fit O(k p^2): a model that
	 * cannot be fitted (p coefficients need more than p studies, as
	 * rma.uni's "Number of parameters to be estimated is larger than the
	 * number of observations") or that no fit takes is refused before a
	 * byte of it is built (a unique text moderator at k = 10^4 once took
	 * 788 MB before the regression refused it) */
	for (i = 0, r = 0; i < s->k; i++) {
		for (a = 0; a < ncols; a++)
			if (s->mod_text[i * s->nmods + (size_t)idx[a]] < 0)
				break;
		r += a == ncols;
	}
	if (p >= r || p > PS_META_MAX_P) {
		char why[PROMSTAT_MESSAGE_MAX / 2] = "";
		size_t used = 0;

		for (a = 0; a < ncols; a++)
			if (!s->mod_numeric[idx[a]] && nlv[a] > 1 && used + 1 < sizeof why) {
				int n = snprintf(why + used, sizeof why - used, "%s\"%.40s\" with %zu levels",
						 used ? ", " : "", s->mod_names[idx[a]], nlv[a]);
				used = n < 0 ? sizeof why : used + (size_t)n;
			}
		if (p < r)
			st = ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
				      "the moderators would need %zu coefficients (the intercept, one "
				      "per numeric moderator and one per level but the first of each "
				      "text moderator%s%s), more than the %d a meta-regression takes: "
				      "use fewer or coarser moderators",
				      p, why[0] ? ": " : "", why, PS_META_MAX_P);
		else
			st = ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
				      "the moderators would need %zu coefficients (the intercept, one "
				      "per numeric moderator and one per level but the first of each "
				      "text moderator%s%s) but only %zu %s every moderator: a "
				      "meta-regression needs more studies than coefficients; use fewer "
				      "or coarser moderators",
				      p, why[0] ? ": " : "", why, r, r == 1 ? "study has" : "studies have");
		goto fail;
	}
	out->p = p;
	out->names = ps_calloc(p, sizeof *out->names);
	out->rows = ps_malloc((s->k ? s->k : 1) * sizeof *out->rows);
	out->x = ps_malloc((s->k ? s->k : 1) * p * sizeof *out->x);
	if (!out->names || !out->rows || !out->x)
		goto nomem;
	if (!(out->names[0] = ps_strdup("intrcpt")))
		goto nomem;
	for (a = 0, c = 1; a < ncols; a++) {
		const char *cn = s->mod_names[idx[a]];
		if (s->mod_numeric[idx[a]]) {
			if (!(out->names[c++] = ps_strdup(cn)))
				goto nomem;
			continue;
		}
		for (b = 1; b < nlv[a]; b++) {
			size_t len = strlen(cn) + strlen(lvs[a][b].text) + 1;
			if (!(out->names[c] = ps_malloc(len)))
				goto nomem;
			snprintf(out->names[c++], len, "%s%s", cn, lvs[a][b].text);
		}
	}
	for (i = 0, r = 0; i < s->k; i++) {
		double *xr = out->x + r * p;
		int complete = 1;
		xr[0] = 1;
		for (a = 0, c = 1; a < ncols && complete; a++) {
			size_t j = (size_t)idx[a];
			long id = s->mod_text[i * s->nmods + j];
			if (id < 0) {
				complete = 0;
			} else if (s->mod_numeric[j]) {
				xr[c++] = s->mod_num[i * s->nmods + j];
			} else {
				level key;
				long l;
				memset(&key, 0, sizeof key);
				key.text = ps_strpool_get(s->text, id);
				l = level_of(lvs[a], nlv[a], &key, 0);
				for (b = 1; b < nlv[a]; b++)
					xr[c++] = (long)b == l ? 1.0 : 0.0;
			}
		}
		if (complete)
			out->rows[r++] = i;
	}
	out->nrows = r;
	for (a = 0; a < ncols; a++)
		ps_free(lvs[a]);
	ps_free(lvs);
	ps_free(nlv);
	ps_free(idx);
	return PROMSTAT_OK;
nomem:
	ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
fail:
	for (a = 0; lvs && a < ncols; a++)
		ps_free(lvs[a]);
	ps_free(lvs);
	ps_free(nlv);
	ps_free(idx);
	promstat_studies_design_free(out);
	return st;
}
