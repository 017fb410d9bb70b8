/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The clinic audit (issue 3): one pass over the registry's units, pairing
 * each unit's baseline with its follow-ups (pairing.c) and adding the pair
 * to every cell of the strata cube the unit belongs to. A unit with k --by
 * columns belongs to 2^k cells (each column either its level or ALL), so
 * the work is O(observations + units x 2^k x instruments x timepoints) and
 * the memory O(units + cells x instruments x timepoints); nothing is
 * allocated per observation.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "casemix.h"
#include "followup_bounds.h"
#include "registry.h"

#define TOL PROMSTAT_AUDIT_TOLERANCE

static const promstat_audit_timepoint default_timepoints[] = {
	{ 42, 14 }, { 90, 30 }, { 180, 45 }, { 365, 60 }, { 730, 90 }
};
static const double default_age_cuts[] = { 60 };
static const char *const default_by[] = { "therapy", "age_band" };

/* What a --by column (or the therapy/age band used by comparisons) reads. */
enum { COL_THERAPY = -1, COL_AGE_BAND = -2, COL_SEX = -3, COL_PROVIDER = -4,
       COL_SITE = -5 }; /* >= 0: user stratum index in reg->extra */

/* The levels of one column and each unit's level. */
typedef struct column {
	int kind;
	const char *name;     /* as printed: canonical or the header's */
	size_t n_levels;
	const char **labels;  /* n_levels, in output order */
	int *unit_level;      /* n_units */
} column;

/* A set of integer tuples of fixed width with dense ids (open addressing). */
typedef struct tuple_set {
	size_t width;
	int *keys;	/* n * width */
	size_t n, cap;
	long *slots;
	size_t nslots;
} tuple_set;

/* A sum with Neumaier's compensation (Kahan's summation, improved by
 * Neumaier 1974, ZAMM 54:39): its error stays near one rounding of the
 * total however many terms are added and in whatever order, so how the
 * units were split and merged moves a mean by a rounding at most. */
typedef struct ksum {
	double s, c; /* the running sum and the low-order parts it lost */
} ksum;

/* Sums of one (cell, instrument, timepoint): means from compensated sums;
 * the SD of improvement from Welford's running mean and sum of squared
 * deviations (md, m2), which stay accurate when scores are large against
 * their spread. */
typedef struct acc {
	size_t nb, nf, mcid, p30, p50, pexcl, pass;
	ksum sb, sf, sd; /* baseline, follow-up and improvement */
	double md, m2;
	ps_bounds_acc bd; /* units lost against units followed (followup_bounds.c) */
} acc;

typedef struct pair_acc {
	size_t n, resp;
} pair_acc;

struct promstat_audit {
	promstat_audit_options opt; /* defaults filled in; arrays below */
	promstat_audit_timepoint *tps;
	double *cuts;
	char **by_names;
	char **inst_codes;
	promstat_audit_threshold *mcid_over, *pass_over;
	char *reference, *oarsi_pain, *oarsi_function, *oarsi_global;

	const promstat_catalogue *cat;
	size_t n_inst;
	size_t *inst_cat;	/* catalogue index of each audited instrument */
	double *mcid, *pass;	/* per audited instrument */

	size_t n_by;
	column *cols;		/* n_by */
	ps_strpool *strings;	/* labels the audit owns */

	size_t n_cells;
	int *cell_index;	/* n_cells * n_by, -1 = ALL */
	const char **cell_labels; /* n_cells * n_by */

	promstat_audit_result *res;
	size_t n_res;
	promstat_audit_comparison *cmp;
	size_t n_cmp;
	promstat_audit_safety *safety;
	size_t n_safety;
	promstat_audit_oarsi *oarsi;
	size_t n_oarsi;
	char **notes;
	size_t n_notes;
	char sha256[65];
	const char *small_reason; /* "fewer than N units followed up" (owned by strings) */
	int funnel_kind;	/* column kind of opt.funnel_by */
	ps_casemix cm;		/* IPW, adjusted comparisons, funnel (casemix.c) */
};

/* ---- small helpers ---- */

static char *dupstr(const char *s)
{
	size_t n;
	char *p;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	p = ps_malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

/* An allocation count that is never 0 (malloc(0) may return NULL). */
static size_t nz(size_t n)
{
	return n ? n : 1;
}

static int nomem(promstat_error *err)
{
	return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
}

static const char *own(promstat_audit *a, const char *s)
{
	long id = ps_strpool_intern(a->strings, s, strlen(s));

	return id < 0 ? NULL : ps_strpool_get(a->strings, id);
}

static void tuple_set_free(tuple_set *t)
{
	ps_free(t->keys);
	ps_free(t->slots);
}

/* Returns the id of key (adding it), or -1 when out of memory. */
static long tuple_set_add(tuple_set *t, const int *key)
{
	size_t bytes = t->width * sizeof *key, mask, i;
	uint64_t h;

	if (t->n * 2 >= t->nslots) {
		size_t ns = t->nslots ? t->nslots * 2 : 64, j;
		long *slots = ps_malloc(ns * sizeof *slots);

		if (!slots)
			return -1;
		for (j = 0; j < ns; j++)
			slots[j] = -1;
		for (j = 0; j < t->n; j++) {
			uint64_t hj = ps_hash_bytes(t->keys + j * t->width, bytes, 0);
			size_t s = (size_t)hj & (ns - 1);

			while (slots[s] >= 0)
				s = (s + 1) & (ns - 1);
			slots[s] = (long)j;
		}
		ps_free(t->slots);
		t->slots = slots;
		t->nslots = ns;
	}
	mask = t->nslots - 1;
	h = ps_hash_bytes(key, bytes, 0);
	for (i = (size_t)h & mask; t->slots[i] >= 0; i = (i + 1) & mask)
		if (!memcmp(t->keys + (size_t)t->slots[i] * t->width, key, bytes))
			return t->slots[i];
	if (ps_reserve((void **)&t->keys, &t->cap, (t->n + 1) * t->width, sizeof *key))
		return -1;
	memcpy(t->keys + t->n * t->width, key, bytes);
	t->slots[i] = (long)t->n;
	return (long)t->n++;
}

/* ---- option parsing and checking ---- */

static int check_timepoints(const promstat_audit_timepoint *tp, size_t n, promstat_error *err)
{
	size_t i;

	if (n == 0)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no follow-up timepoint given");
	for (i = 0; i < n; i++) {
		if (tp[i].day <= 0)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"timepoint %d:%d: the day must be after the index treatment "
					"(greater than 0)", tp[i].day, tp[i].halfwidth);
		if (tp[i].halfwidth < 0 || tp[i].halfwidth >= tp[i].day)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"timepoint %d:%d: the half-width must be at least 0 and less "
					"than the day, so the window starts after day 0",
					tp[i].day, tp[i].halfwidth);
		if (i > 0 && (long)tp[i - 1].day + tp[i - 1].halfwidth >=
				     (long)tp[i].day - tp[i].halfwidth)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"timepoint windows %d:%d (days %d-%d) and %d:%d (days %d-%d) "
					"overlap; an observation could count for both",
					tp[i - 1].day, tp[i - 1].halfwidth,
					tp[i - 1].day - tp[i - 1].halfwidth,
					tp[i - 1].day + tp[i - 1].halfwidth, tp[i].day, tp[i].halfwidth,
					tp[i].day - tp[i].halfwidth, tp[i].day + tp[i].halfwidth);
	}
	return PROMSTAT_OK;
}

static int cmp_tp(const void *x, const void *y)
{
	const promstat_audit_timepoint *a = x, *b = y;

	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return a->halfwidth < b->halfwidth ? -1 : a->halfwidth > b->halfwidth;
}

int promstat_audit_parse_timepoints(const char *spec, promstat_audit_timepoint **out,
				    size_t *n, promstat_error *err)
{
	promstat_audit_timepoint *tp = NULL;
	size_t ntp = 0, cap = 0;
	const char *p = spec;
	int rc;

	*out = NULL;
	*n = 0;
	if (!spec || !*spec)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "--timepoints is empty");
	for (;;) {
		const char *end = strchr(p, ','), *colon;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		long day, hw;

		colon = memchr(p, ':', len);
		if (!colon || ps_parse_long(p, (size_t)(colon - p), 1, 100000, &day) ||
		    ps_parse_long(colon + 1, len - (size_t)(colon - p) - 1, 0, 100000, &hw)) {
			ps_free(tp);
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"timepoint \"%.*s\" is not DAY:HALFWIDTH in whole days "
					"(e.g. 180:45)", (int)len, p);
		}
		if (ps_reserve((void **)&tp, &cap, ntp + 1, sizeof *tp)) {
			ps_free(tp);
			return nomem(err);
		}
		tp[ntp].day = (int)day;
		tp[ntp].halfwidth = (int)hw;
		ntp++;
		if (!end)
			break;
		p = end + 1;
	}
	qsort(tp, ntp, sizeof *tp, cmp_tp);
	if ((rc = check_timepoints(tp, ntp, err)) != PROMSTAT_OK) {
		ps_free(tp);
		return rc;
	}
	*out = tp;
	*n = ntp;
	return PROMSTAT_OK;
}

static int check_cuts(const double *c, size_t n, promstat_error *err)
{
	size_t i;

	if (n == 0)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no age band cut-point given");
	for (i = 0; i < n; i++) {
		if (!isfinite(c[i]))
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"age band cut-points must be numbers");
		if (i > 0 && !(c[i] > c[i - 1]))
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"age band cut-points must increase (%g then %g)", c[i - 1],
					c[i]);
	}
	return PROMSTAT_OK;
}

int promstat_audit_parse_age_cuts(const char *spec, double **out, size_t *n,
				  promstat_error *err)
{
	double *c = NULL;
	size_t nc = 0, cap = 0;
	const char *p = spec;
	int rc;

	*out = NULL;
	*n = 0;
	if (!spec || !*spec)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "--age-bands is empty");
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		double v;

		if (ps_parse_double(p, len, &v)) {
			ps_free(c);
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"age band cut-point \"%.*s\" is not a number", (int)len, p);
		}
		if (ps_reserve((void **)&c, &cap, nc + 1, sizeof *c)) {
			ps_free(c);
			return nomem(err);
		}
		c[nc++] = v;
		if (!end)
			break;
		p = end + 1;
	}
	if ((rc = check_cuts(c, nc, err)) != PROMSTAT_OK) {
		ps_free(c);
		return rc;
	}
	*out = c;
	*n = nc;
	return PROMSTAT_OK;
}

/* Band index of age: the number of cut-points at or below it; -1 for NaN. */
static int age_band_index(double age, const double *cuts, size_t n)
{
	size_t k = 0;

	if (isnan(age))
		return -1;
	while (k < n && age >= cuts[k])
		k++;
	return (int)k;
}

static int whole(double x)
{
	return x == floor(x) && fabs(x) < 1e15;
}

static char *band_label(int k, const double *cuts, size_t n, char *buf, size_t size)
{
	if (k < 0)
		snprintf(buf, size, "%s", PROMSTAT_AUDIT_UNKNOWN);
	else if (k == 0)
		snprintf(buf, size, "<%g", cuts[0]);
	else if ((size_t)k == n)
		snprintf(buf, size, ">=%g", cuts[n - 1]);
	else if (whole(cuts[k - 1]) && whole(cuts[k]))
		snprintf(buf, size, "%g-%g", cuts[k - 1], cuts[k] - 1);
	else
		snprintf(buf, size, "%g-<%g", cuts[k - 1], cuts[k]);
	return buf;
}

char *promstat_audit_age_band(double age, const double *cuts, size_t n, char *buf,
			      size_t size)
{
	if (size == 0)
		return buf;
	if (!cuts || n == 0) {
		snprintf(buf, size, "%s", PROMSTAT_AUDIT_UNKNOWN);
		return buf;
	}
	return band_label(age_band_index(age, cuts, n), cuts, n, buf, size);
}

void promstat_audit_options_init(promstat_audit_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->baseline_window = 90;
	opt->level = 95;
	opt->ci = PROMSTAT_CI_WILSON;
	opt->min_followup = 0.6;
	opt->min_n = 10;
	opt->max_cells = PROMSTAT_AUDIT_MAX_CELLS;
}

/* ---- columns ---- */

static int resolve_column(const promstat_registry *reg, const char *name, int *kind,
			  const char **canon, promstat_error *err)
{
	static const struct { const char *name; int kind; } builtin[] = {
		{ "therapy", COL_THERAPY }, { "age_band", COL_AGE_BAND }, { "sex", COL_SEX },
		{ "provider", COL_PROVIDER }, { "site", COL_SITE }
	};
	size_t i;
	char list[512];
	size_t used;

	for (i = 0; i < sizeof builtin / sizeof *builtin; i++)
		if (!strcasecmp(name, builtin[i].name)) {
			*kind = builtin[i].kind;
			*canon = builtin[i].name;
			return PROMSTAT_OK;
		}
	for (i = 0; i < reg->n_extra; i++)
		if (!strcasecmp(name, reg->extra_names[i])) {
			*kind = (int)i;
			*canon = reg->extra_names[i];
			return PROMSTAT_OK;
		}
	used = (size_t)snprintf(list, sizeof list, "therapy, age_band, sex, provider, site");
	for (i = 0; i < reg->n_extra && used < sizeof list; i++)
		used += (size_t)snprintf(list + used, sizeof list - used, ", %s",
					 reg->extra_names[i]);
	return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
			"cannot stratify by \"%s\": the registry has no such column (choose from %s)",
			name, list);
}

/* The pool id a unit holds in a string column, -1 when missing. */
static long unit_value(const promstat_registry *reg, size_t u, int kind)
{
	const ps_unit *un = &reg->units[u];

	switch (kind) {
	case COL_THERAPY: return un->therapy;
	case COL_SEX: return un->sex;
	case COL_PROVIDER: return un->provider;
	case COL_SITE: return un->site;
	default: return reg->extra[u * reg->n_extra + (size_t)kind];
	}
}

/* A level being sorted: its text and pool id (qsort has no context). */
typedef struct named_id {
	const char *s;
	long id;
} named_id;

static int cmp_named(const void *x, const void *y)
{
	return strcmp(((const named_id *)x)->s, ((const named_id *)y)->s);
}

/* Computes the levels of column c (kind set) and every unit's level. */
static int build_column(promstat_audit *a, const promstat_registry *reg, column *c,
			promstat_error *err)
{
	size_t u, nu = reg->n_units, k;
	char buf[64];

	c->unit_level = ps_malloc((nu ? nu : 1) * sizeof *c->unit_level);
	if (!c->unit_level)
		return nomem(err);
	if (c->kind == COL_AGE_BAND) {
		size_t nb = a->opt.n_age_cuts + 1;
		int *seen = ps_calloc(nb + 1, sizeof *seen), *map;

		if (!seen)
			return nomem(err);
		for (u = 0; u < nu; u++) {
			int b = age_band_index(reg->units[u].age, a->cuts, a->opt.n_age_cuts);
			c->unit_level[u] = b;
			seen[b < 0 ? nb : (size_t)b] = 1;
		}
		map = ps_malloc((nb + 1) * sizeof *map);
		c->labels = ps_malloc((nb + 1) * sizeof *c->labels);
		if (!map || !c->labels) {
			ps_free(seen);
			ps_free(map);
			return nomem(err);
		}
		for (k = 0; k <= nb; k++) {
			map[k] = -1;
			if (!seen[k])
				continue;
			band_label(k == nb ? -1 : (int)k, a->cuts, a->opt.n_age_cuts, buf,
				   sizeof buf);
			if (!(c->labels[c->n_levels] = own(a, buf))) {
				ps_free(seen);
				ps_free(map);
				return nomem(err);
			}
			map[k] = (int)c->n_levels++;
		}
		for (u = 0; u < nu; u++)
			c->unit_level[u] = map[c->unit_level[u] < 0 ? nb : (size_t)c->unit_level[u]];
		ps_free(seen);
		ps_free(map);
		return PROMSTAT_OK;
	} else {
		size_t np = ps_strpool_count(reg->pool), nl = 0;
		int *map = ps_malloc((np + 1) * sizeof *map);
		named_id *ids = NULL;
		long unknown_id = ps_strpool_find(reg->pool, PROMSTAT_AUDIT_UNKNOWN,
								strlen(PROMSTAT_AUDIT_UNKNOWN));
		int missing = 0;

		if (!map)
			return nomem(err);
		for (k = 0; k <= np; k++)
			map[k] = -1;
		ids = ps_malloc((np + 1) * sizeof *ids);
		if (!ids) {
			ps_free(map);
			return nomem(err);
		}
		for (u = 0; u < nu; u++) {
			long v = unit_value(reg, u, c->kind);

			if (v < 0)
				v = unknown_id; /* a missing value joins a literal "unknown" */
			if (v < 0) {
				missing = 1;
				continue;
			}
			if (map[v] < 0) {
				map[v] = 0;
				ids[nl].s = ps_strpool_get(reg->pool, v);
				ids[nl++].id = v;
			}
		}
		qsort(ids, nl, sizeof *ids, cmp_named);
		c->labels = ps_malloc((nl + 1) * sizeof *c->labels);
		if (!c->labels) {
			ps_free(map);
			ps_free(ids);
			return nomem(err);
		}
		for (k = 0; k < nl; k++) {
			map[ids[k].id] = (int)k;
			if (!(c->labels[k] = own(a, ids[k].s))) {
				ps_free(map);
				ps_free(ids);
				return nomem(err);
			}
		}
		c->n_levels = nl;
		if (missing)
			c->labels[c->n_levels++] = own(a, PROMSTAT_AUDIT_UNKNOWN);
		for (u = 0; u < nu; u++) {
			long v = unit_value(reg, u, c->kind);

			if (v < 0)
				v = unknown_id;
			c->unit_level[u] = v < 0 ? (int)nl : map[v];
		}
		ps_free(map);
		ps_free(ids);
		return PROMSTAT_OK;
	}
}

static void column_free(column *c)
{
	ps_free(c->labels);
	ps_free(c->unit_level);
}

/* ---- the audit object ---- */

void promstat_audit_free(promstat_audit *a)
{
	size_t i;

	if (!a)
		return;
	ps_free(a->tps);
	ps_free(a->cuts);
	/* each array is freed over the length it was allocated with */
	for (i = 0; a->by_names && i < a->n_by; i++)
		ps_free(a->by_names[i]);
	ps_free(a->by_names);
	for (i = 0; a->inst_codes && i < a->n_inst; i++)
		ps_free(a->inst_codes[i]);
	ps_free(a->inst_codes);
	for (i = 0; a->mcid_over && i < a->opt.n_mcid; i++)
		ps_free((char *)a->mcid_over[i].code);
	ps_free(a->mcid_over);
	for (i = 0; a->pass_over && i < a->opt.n_pass; i++)
		ps_free((char *)a->pass_over[i].code);
	ps_free(a->pass_over);
	ps_free(a->reference);
	ps_free(a->oarsi_pain);
	ps_free(a->oarsi_function);
	ps_free(a->oarsi_global);
	ps_free(a->inst_cat);
	ps_free(a->mcid);
	ps_free(a->pass);
	for (i = 0; a->cols && i < a->n_by; i++)
		column_free(&a->cols[i]);
	ps_free(a->cols);
	ps_strpool_free(a->strings);
	ps_free(a->cell_index);
	ps_free(a->cell_labels);
	ps_free(a->res);
	ps_free(a->cmp);
	ps_free(a->safety);
	ps_free(a->oarsi);
	ps_casemix_free(&a->cm);
	for (i = 0; i < a->n_notes; i++)
		ps_free(a->notes[i]);
	ps_free(a->notes);
	ps_free(a);
}

static int add_note(promstat_audit *a, const char *fmt, const char *s, promstat_error *err)
{
	char buf[512];
	char **n;

	snprintf(buf, sizeof buf, fmt, s, s);
	n = ps_realloc(a->notes, (a->n_notes + 1) * sizeof *n);
	if (!n)
		return nomem(err);
	a->notes = n;
	if (!(a->notes[a->n_notes] = dupstr(buf)))
		return nomem(err);
	a->n_notes++;
	return PROMSTAT_OK;
}

static int copy_thresholds(const promstat_catalogue *cat, const promstat_audit_threshold *in,
			   size_t n, promstat_audit_threshold **out, const char *what,
			   int positive, promstat_error *err)
{
	size_t i;

	*out = NULL;
	if (n == 0)
		return PROMSTAT_OK;
	*out = ps_calloc(n, sizeof **out);
	if (!*out)
		return nomem(err);
	for (i = 0; i < n; i++) {
		if (!in[i].code || promstat_catalogue_find(cat, in[i].code) < 0)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"--%s names instrument \"%s\", which is not in the catalogue",
					what, in[i].code ? in[i].code : "");
		if (!isfinite(in[i].value) || (positive && !(in[i].value > 0)))
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"--%s %s=%g: the value must be a %snumber", what, in[i].code,
					in[i].value, positive ? "positive " : "");
		(*out)[i].value = in[i].value;
		if (!((*out)[i].code = dupstr(in[i].code)))
			return nomem(err);
	}
	return PROMSTAT_OK;
}

/* The last override for the instrument, or the catalogue's value. */
static double threshold_for(const promstat_audit_threshold *o, size_t n, const char *code,
			    double fallback)
{
	size_t i;
	double v = fallback;

	for (i = 0; i < n; i++)
		if (!strcmp(o[i].code, code))
			v = o[i].value;
	return v;
}

/* Copies and checks the options; resolves instruments and columns. */
static int setup(promstat_audit *a, const promstat_registry *reg,
		 const promstat_audit_options *in, promstat_error *err)
{
	promstat_audit_options *o = &a->opt;
	size_t i, j, ncat = promstat_catalogue_count(reg->cat);
	int rc;

	*o = *in;
	if (o->baseline_window < 0 || o->baseline_window > 100000)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"the baseline window must be between 0 and 100000 days, not %d",
				o->baseline_window);
	if (!(o->level > 0 && o->level < 100))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"the confidence level must be between 0 and 100 (exclusive), not %g",
				o->level);
	if (o->ci != PROMSTAT_CI_WILSON && o->ci != PROMSTAT_CI_CLOPPER_PEARSON)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "unknown interval method");
	if (!(o->min_followup >= 0 && o->min_followup <= 1))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"the minimum follow-up rate must be between 0 and 1, not %g",
				o->min_followup);

	{
		char buf[96];

		snprintf(buf, sizeof buf, "fewer than %zu units followed up", o->min_n);
		if (!(a->small_reason = own(a, buf)))
			return nomem(err);
	}

	/* timepoints */
	if (!o->timepoints || o->n_timepoints == 0) {
		o->timepoints = default_timepoints;
		o->n_timepoints = sizeof default_timepoints / sizeof *default_timepoints;
	}
	a->tps = ps_malloc(o->n_timepoints * sizeof *a->tps);
	if (!a->tps)
		return nomem(err);
	memcpy(a->tps, o->timepoints, o->n_timepoints * sizeof *a->tps);
	qsort(a->tps, o->n_timepoints, sizeof *a->tps, cmp_tp);
	o->timepoints = a->tps;
	if ((rc = check_timepoints(a->tps, o->n_timepoints, err)) != PROMSTAT_OK)
		return rc;

	/* age bands */
	if (!o->age_cuts || o->n_age_cuts == 0) {
		o->age_cuts = default_age_cuts;
		o->n_age_cuts = 1;
	}
	a->cuts = ps_malloc(o->n_age_cuts * sizeof *a->cuts);
	if (!a->cuts)
		return nomem(err);
	memcpy(a->cuts, o->age_cuts, o->n_age_cuts * sizeof *a->cuts);
	o->age_cuts = a->cuts;
	if ((rc = check_cuts(a->cuts, o->n_age_cuts, err)) != PROMSTAT_OK)
		return rc;

	/* --by */
	if (!o->by || o->n_by == 0) {
		o->by = default_by;
		o->n_by = 2;
	}
	if (o->n_by > PROMSTAT_AUDIT_MAX_BY)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"at most %d --by columns can be combined", PROMSTAT_AUDIT_MAX_BY);
	a->n_by = o->n_by;
	a->cols = ps_calloc(o->n_by, sizeof *a->cols);
	a->by_names = ps_calloc(o->n_by, sizeof *a->by_names);
	if (!a->cols || !a->by_names)
		return nomem(err);
	for (i = 0; i < o->n_by; i++) {
		if ((rc = resolve_column(reg, o->by[i], &a->cols[i].kind, &a->cols[i].name, err)))
			return rc;
		for (j = 0; j < i; j++)
			if (a->cols[j].kind == a->cols[i].kind)
				return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
						"--by names \"%s\" twice", a->cols[i].name);
		if (!(a->by_names[i] = dupstr(a->cols[i].name)))
			return nomem(err);
	}
	o->by = (const char *const *)a->by_names;

	/* thresholds */
	if ((rc = copy_thresholds(reg->cat, in->mcid, in->n_mcid, &a->mcid_over, "mcid", 1, err)))
		return rc;
	o->mcid = a->mcid_over;
	if ((rc = copy_thresholds(reg->cat, in->pass, in->n_pass, &a->pass_over, "pass", 0, err)))
		return rc;
	o->pass = a->pass_over;

	/* instruments: the named ones, or every one with data, catalogue order */
	{
		char *want = ps_calloc(ncat ? ncat : 1, 1);

		if (!want)
			return nomem(err);
		if (in->instruments && in->n_instruments) {
			for (i = 0; i < in->n_instruments; i++) {
				long c = in->instruments[i]
						 ? promstat_catalogue_find(reg->cat, in->instruments[i])
						 : -1;
				if (c < 0) {
					ps_free(want);
					return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
							"--instrument names \"%s\", which is not in the "
							"catalogue", in->instruments[i] ? in->instruments[i] : "");
				}
				want[c] = 1;
			}
		} else {
			for (i = 0; i < reg->n_obs; i++)
				if (reg->obs[i].instrument < ncat)
					want[reg->obs[i].instrument] = 1;
		}
		for (i = 0; i < ncat; i++)
			a->n_inst += want[i];
		a->inst_cat = ps_malloc((a->n_inst ? a->n_inst : 1) * sizeof *a->inst_cat);
		a->inst_codes = ps_calloc(a->n_inst ? a->n_inst : 1, sizeof *a->inst_codes);
		a->mcid = ps_malloc((a->n_inst ? a->n_inst : 1) * sizeof *a->mcid);
		a->pass = ps_malloc((a->n_inst ? a->n_inst : 1) * sizeof *a->pass);
		if (!a->inst_cat || !a->inst_codes || !a->mcid || !a->pass) {
			ps_free(want);
			return nomem(err);
		}
		for (i = 0, j = 0; i < ncat; i++)
			if (want[i]) {
				const promstat_instrument *ins = promstat_catalogue_get(reg->cat, i);

				a->inst_cat[j] = i;
				if (!(a->inst_codes[j] = dupstr(ins->code))) {
					ps_free(want);
					return nomem(err);
				}
				a->mcid[j] = threshold_for(a->mcid_over, o->n_mcid, ins->code, ins->mcid);
				a->pass[j] = threshold_for(a->pass_over, o->n_pass, ins->code, ins->pass);
				j++;
			}
		ps_free(want);
		o->instruments = (const char *const *)a->inst_codes;
		o->n_instruments = a->n_inst;
	}

	/* OARSI */
	if (o->oarsi_pain || o->oarsi_function || o->oarsi_global) {
		const char *need[3] = { o->oarsi_pain, o->oarsi_function, o->oarsi_global };
		if (!o->oarsi_pain || !o->oarsi_function)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"--oarsi needs both pain=CODE and function=CODE");
		for (i = 0; i < 3; i++)
			if (need[i] && promstat_catalogue_find(reg->cat, need[i]) < 0)
				return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
						"--oarsi names instrument \"%s\", which is not in the "
						"catalogue", need[i]);
		if (!(a->oarsi_pain = dupstr(o->oarsi_pain)) ||
		    !(a->oarsi_function = dupstr(o->oarsi_function)) ||
		    (o->oarsi_global && !(a->oarsi_global = dupstr(o->oarsi_global))))
			return nomem(err);
		o->oarsi_pain = a->oarsi_pain;
		o->oarsi_function = a->oarsi_function;
		o->oarsi_global = a->oarsi_global;
	}
	if (o->reference) {
		if (!(a->reference = dupstr(o->reference)))
			return nomem(err);
		o->reference = a->reference;
	}
	if (o->funnel_by) {
		const char *canon;

		if ((rc = resolve_column(reg, o->funnel_by, &a->funnel_kind, &canon, err))) {
			/* the message speaks of --by; say which option it was */
			const char *tail = err ? strstr(err->message, ": the registry") : NULL;

			if (tail) {
				char msg[PROMSTAT_MESSAGE_MAX];

				snprintf(msg, sizeof msg, "--funnel-by \"%.100s\"%s", o->funnel_by,
					 tail);
				snprintf(err->message, sizeof err->message, "%s", msg);
			}
			return rc;
		}
		/* therapy is a covariate of the case-mix model and an age band
		 * stands for age, so neither can be the provider term left out */
		if (a->funnel_kind == COL_THERAPY || a->funnel_kind == COL_AGE_BAND)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"--funnel-by %s: the funnel compares providers after adjusting "
					"for therapy and age; name a provider column such as provider "
					"or site", canon);
		if (!(o->funnel_by = own(a, canon)))
			return nomem(err);
	}

	for (i = 0; i < a->n_inst; i++)
		if (isnan(a->mcid[i]) &&
		    (rc = add_note(a, "no MCID is known for %s: its MCID responder rates are "
				      "left undefined; pass --mcid %s=VALUE to set one",
			       a->inst_codes[i], err)))
			return rc;
	return PROMSTAT_OK;
}

/* ---- strata cube ---- */

/* A cell being sorted: its level tuple (qsort has no context argument). */
typedef struct cell_key {
	const int *key;
	size_t width;
	long id;
} cell_key;

static int cmp_cells(const void *x, const void *y)
{
	const cell_key *a = x, *b = y;
	size_t j;

	for (j = 0; j < a->width; j++)
		if (a->key[j] != b->key[j])
			return a->key[j] < b->key[j] ? -1 : 1;
	return 0;
}

/*
 * Refuses a cube beyond opt.max_cells result cells before any of it is
 * built: --by with eight columns of a thousand levels each once took
 * 7.9 GB of a 2.8 MB extract. A face (a subset of the columns kept, the
 * others ALL) has at most the product of its columns' level counts cells,
 * and at most one per observed combination of levels (n_combos, one per
 * unit at worst); the sum over the 2^k faces of the smaller of the two,
 * times instruments and timepoints, bounds the results. Exit class: data
 * (PROMSTAT_EDATA), as the registry's other size limits.
 */
static int check_cube_size(const promstat_audit *a, size_t n_combos, promstat_error *err)
{
	size_t k = a->n_by, nmask = (size_t)1 << k, m, j, limit, used = 0;
	double cells = 0, results;
	char cols[PROMSTAT_MESSAGE_MAX / 2] = "";

	limit = a->opt.max_cells ? a->opt.max_cells : PROMSTAT_AUDIT_MAX_CELLS;
	for (m = 0; m < nmask; m++) {
		double face = 1;

		for (j = 0; j < k; j++)
			if (!((m >> j) & 1))
				face *= (double)a->cols[j].n_levels;
		cells += face < (double)n_combos ? face : (double)n_combos;
	}
	results = cells * (double)a->n_inst * (double)a->opt.n_timepoints;
	if (results <= (double)limit)
		return PROMSTAT_OK;
	for (j = 0; j < k && used + 1 < sizeof cols; j++) {
		int n = snprintf(cols + used, sizeof cols - used, "%s%.40s %zu", j ? ", " : "",
				 a->cols[j].name, a->cols[j].n_levels);
		used = n < 0 ? sizeof cols : used + (size_t)n;
	}
	return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
			"the --by strata would make up to %.0f result cells (up to %.0f strata x "
			"%zu instrument%s x %zu timepoint%s; levels: %s), more than --max-cells "
			"%zu: use fewer or coarser --by columns, or raise --max-cells",
			results, cells, a->n_inst, a->n_inst == 1 ? "" : "s", a->opt.n_timepoints,
			a->opt.n_timepoints == 1 ? "" : "s", cols, limit);
}

/*
 * Builds the cells: every observed combination of levels with any subset of
 * columns replaced by ALL (level index n_levels, so ALL sorts last). On
 * return unit_combo[u] is the unit's combination and combo_cells the 2^k
 * sorted cell ids of each combination.
 */
static int build_cube(promstat_audit *a, size_t n_units, uint32_t **unit_combo,
		      uint32_t **combo_cells, size_t *n_combos, promstat_error *err)
{
	size_t k = a->n_by, u, c, m, nmask = (size_t)1 << k, j;
	tuple_set combos = { k ? k : 1, NULL, 0, 0, NULL, 0 };
	tuple_set cells = { k ? k : 1, NULL, 0, 0, NULL, 0 };
	int key[PROMSTAT_AUDIT_MAX_BY + 1] = { 0 };
	cell_key *order = NULL;
	long *rank = NULL;
	int rc = PROMSTAT_OK;

	*unit_combo = ps_malloc((n_units ? n_units : 1) * sizeof **unit_combo);
	*combo_cells = NULL;
	if (!*unit_combo)
		return nomem(err);
	for (u = 0; u < n_units; u++) {
		long id;

		for (j = 0; j < k; j++)
			key[j] = a->cols[j].unit_level[u];
		if ((id = tuple_set_add(&combos, key)) < 0) {
			rc = nomem(err);
			goto done;
		}
		(*unit_combo)[u] = (uint32_t)id;
	}
	*n_combos = combos.n;
	if ((rc = check_cube_size(a, combos.n, err)))
		goto done;
	*combo_cells = ps_malloc((combos.n ? combos.n : 1) * nmask * sizeof **combo_cells);
	if (!*combo_cells) {
		rc = nomem(err);
		goto done;
	}
	for (c = 0; c < combos.n; c++)
		for (m = 0; m < nmask; m++) {
			long id;

			for (j = 0; j < k; j++)
				key[j] = (m >> j) & 1 ? (int)a->cols[j].n_levels
						      : combos.keys[c * combos.width + j];
			if ((id = tuple_set_add(&cells, key)) < 0) {
				rc = nomem(err);
				goto done;
			}
			(*combo_cells)[c * nmask + m] = (uint32_t)id;
		}
	a->n_cells = cells.n;
	order = ps_malloc((cells.n ? cells.n : 1) * sizeof *order);
	rank = ps_malloc((cells.n ? cells.n : 1) * sizeof *rank);
	a->cell_index = ps_malloc((cells.n ? cells.n : 1) * (k ? k : 1) * sizeof *a->cell_index);
	a->cell_labels = ps_malloc((cells.n ? cells.n : 1) * (k ? k : 1) * sizeof *a->cell_labels);
	if (!order || !rank || !a->cell_index || !a->cell_labels) {
		rc = nomem(err);
		goto done;
	}
	for (c = 0; c < cells.n; c++) {
		order[c].key = cells.keys + c * cells.width;
		order[c].width = k;
		order[c].id = (long)c;
	}
	qsort(order, cells.n, sizeof *order, cmp_cells);
	for (c = 0; c < cells.n; c++) {
		rank[order[c].id] = (long)c;
		for (j = 0; j < k; j++) {
			int lv = order[c].key[j];
			int all = lv == (int)a->cols[j].n_levels;

			a->cell_index[c * k + j] = all ? -1 : lv;
			a->cell_labels[c * k + j] = all ? PROMSTAT_AUDIT_ALL : a->cols[j].labels[lv];
		}
	}
	for (c = 0; c < combos.n * nmask; c++)
		(*combo_cells)[c] = (uint32_t)rank[(*combo_cells)[c]];
done:
	ps_free(order);
	ps_free(rank);
	tuple_set_free(&combos);
	tuple_set_free(&cells);
	return rc;
}

/* ---- per-unit work ---- */

/* The block of the unit's observations of catalogue instrument c. */
typedef struct block {
	const ps_obs *obs;
	size_t n;
} block;

/* A paired observation: baseline and follow-up score, or none. */
static int pair_at(const block *b, long window, const promstat_audit_timepoint *tp,
		   double *base, double *fu)
{
	long i, j;

	if (!b->obs)
		return 0;
	if ((i = ps_pair_baseline(b->obs, b->n, window)) < 0)
		return 0;
	if ((j = ps_pair_followup(b->obs, b->n, tp->day, tp->halfwidth)) < 0)
		return 0;
	*base = b->obs[i].score;
	*fu = b->obs[j].score;
	return 1;
}

/* Severity on 0-100 (higher = worse), as the OARSI criteria read scores. */
static double severity(const promstat_instrument *ins, double s)
{
	double r = ins->max - ins->min;

	return 100 * (ins->higher_better ? ins->max - s : s - ins->min) / r;
}

/*
 * OMERACT-OARSI domain responses (Pham et al. 2004, Osteoarthritis
 * Cartilage 12:389; first proposed in J Rheumatol 2003;30:1648) on 0-100
 * severity: "high" = improvement >= 50% of baseline and >= 20 points;
 * "moderate" = >= 20% and >= 10 points. A responder has a high response in
 * pain or function (rule a), or moderate responses in two of pain, function
 * and patient global (rule b). Source check: rule (b) matches the
 * definition printed in a published trial report (Arthritis Rheumatol
 * 2021;73:1646, Table 2 footnote: ">= 20% improvement and an absolute change
 * of >= 10 mm in >= 2 of 3"); rule (a) is the commonly quoted form and could
 * not be confirmed from the original text, as --help and README say.
 */
static void oarsi_domain(const promstat_instrument *ins, double b, double f, int *high,
			 int *moderate)
{
	double sb = severity(ins, b), sf = severity(ins, f), imp = sb - sf;

	*high = imp >= 20 - TOL && imp >= 0.5 * sb - TOL && imp > 0;
	*moderate = imp >= 10 - TOL && imp >= 0.2 * sb - TOL && imp > 0;
}

static void ksum_add(ksum *k, double x)
{
	double t = k->s + x;

	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

static double ksum_value(const ksum *k)
{
	return k->s + k->c;
}

static void ksum_merge(ksum *k, const ksum *o)
{
	ksum_add(k, o->s);
	k->c += o->c;
}

static void acc_add(acc *x, const promstat_instrument *ins, double mcid, double pass,
		    double b, double f, double age)
{
	double d = ins->higher_better ? f - b : b - f;
	double room = ins->higher_better ? ins->max - b : b - ins->min;
	double delta;

	x->nf++;
	ps_bounds_add_followed(&x->bd, ins, mcid, pass, b, f, age);
	ksum_add(&x->sb, b);
	ksum_add(&x->sf, f);
	ksum_add(&x->sd, d);
	delta = d - x->md;
	x->md += delta / (double)x->nf;
	x->m2 += delta * (d - x->md);
	if (isfinite(mcid) && d >= mcid - TOL)
		x->mcid++;
	if (room <= TOL) {
		x->pexcl++;
	} else {
		if (d >= 0.3 * room - TOL)
			x->p30++;
		if (d >= 0.5 * room - TOL)
			x->p50++;
	}
	if (isfinite(pass) && (ins->higher_better ? f >= pass - TOL : f <= pass + TOL))
		x->pass++;
}

/*
 * Adds the units of y to x: sums add, and the running mean and sum of
 * squared deviations merge by Chan, Golub and LeVeque's pairwise update
 * (1979; Chan, Golub and LeVeque 1983, Am Stat 37:242). Units are accumulated
 * once, in the cell of their own combination of --by levels; the cells with
 * ALL in them are merged from those afterwards, in a fixed order. A cell
 * that receives one combination only is a copy of it.
 */
static void acc_merge(acc *x, const acc *y)
{
	size_t n = x->nf + y->nf;
	double w, d;

	x->nb += y->nb;
	ps_bounds_merge(&x->bd, &y->bd);
	if (!y->nf)
		return;
	if (!x->nf) {
		size_t nb = x->nb;
		ps_bounds_acc bd = x->bd;
		*x = *y;
		x->nb = nb;
		x->bd = bd;
		return;
	}
	w = (double)y->nf / (double)n;
	d = y->md - x->md;
	ksum_merge(&x->sb, &y->sb);
	ksum_merge(&x->sf, &y->sf);
	ksum_merge(&x->sd, &y->sd);
	x->md += d * w;
	x->m2 += y->m2 + d * d * (double)x->nf * w;
	x->nf = n;
	x->mcid += y->mcid;
	x->p30 += y->p30;
	x->p50 += y->p50;
	x->pexcl += y->pexcl;
	x->pass += y->pass;
}

static double ratio(size_t x, size_t n)
{
	return n ? (double)x / (double)n : NAN;
}

static int rate_ci(const promstat_audit *a, size_t x, size_t n, double *lb, double *ub,
		   promstat_error *err)
{
	return promstat_ci_proportion(a->opt.ci, x, n, a->opt.level, lb, ub, err);
}

static int fill_result(const promstat_audit *a, const acc *x, size_t i, promstat_audit_result *r,
		       promstat_error *err)
{
	int rc;
	size_t nd;

	r->n_baseline = x->nb;
	r->n_followup = x->nf;
	r->followup_rate = ratio(x->nf, x->nb);
	if ((rc = rate_ci(a, x->nf, x->nb, &r->followup_ci_lb, &r->followup_ci_ub, err)))
		return rc;
	r->baseline_mean = x->nf ? ksum_value(&x->sb) / (double)x->nf : NAN;
	r->followup_mean = x->nf ? ksum_value(&x->sf) / (double)x->nf : NAN;
	r->mean_improvement = x->nf ? ksum_value(&x->sd) / (double)x->nf : NAN;
	r->sd_improvement = x->nf >= 2 ? sqrt(x->m2 / (double)(x->nf - 1)) : NAN;
	if ((rc = promstat_ci_mean(r->mean_improvement, r->sd_improvement, x->nf, a->opt.level,
				   &r->improvement_ci_lb, &r->improvement_ci_ub, err)))
		return rc;
	r->mcid = a->mcid[i];
	r->mcid_responders = x->mcid;
	r->mcid_rate = r->mcid_ci_lb = r->mcid_ci_ub = NAN;
	if (isfinite(r->mcid)) {
		r->mcid_rate = ratio(x->mcid, x->nf);
		if ((rc = rate_ci(a, x->mcid, x->nf, &r->mcid_ci_lb, &r->mcid_ci_ub, err)))
			return rc;
	}
	nd = x->nf - x->pexcl;
	r->pct30_responders = x->p30;
	r->pct50_responders = x->p50;
	r->pct_excluded = x->pexcl;
	r->pct30_rate = ratio(x->p30, nd);
	r->pct50_rate = ratio(x->p50, nd);
	r->pass = a->pass[i];
	r->pass_count = x->pass;
	r->pass_rate = r->pass_ci_lb = r->pass_ci_ub = NAN;
	if (isfinite(r->pass)) {
		r->pass_rate = ratio(x->pass, x->nf);
		if ((rc = rate_ci(a, x->pass, x->nf, &r->pass_ci_lb, &r->pass_ci_ub, err)))
			return rc;
	}
	return ps_bounds_fill(&x->bd, &a->opt, r, err);
}

static int column_by_kind(const promstat_audit *a, int kind)
{
	size_t j;

	for (j = 0; j < a->n_by; j++)
		if (a->cols[j].kind == kind)
			return (int)j;
	return -1;
}

/* ---- the pass over units ---- */

/* What the pass over units reads. */
typedef struct unit_pass {
	const promstat_registry *reg;
	const promstat_audit *a;
	const uint32_t *unit_combo, *combo_cells;
	const int *therapy_level, *band_level; /* per unit */
	const long *inst_sel;	/* per catalogue instrument: audited index or -1 */
	long oarsi_c[3];	/* catalogue index of the OARSI domains, or -1 */
	int do_oarsi;
	size_t ncat, ntp, ni, nmask, nther, nbands, n_combos;
} unit_pass;

/* What it adds up over the units [u0, u1). */
typedef struct tally {
	const unit_pass *p;
	size_t u0, u1;
	acc *combo;		/* [combination of levels][instrument][timepoint] */
	pair_acc *cmp;		/* [therapy][age band or ALL][instrument][timepoint] */
	pair_acc *oarsi;	/* [cell][timepoint] */
	pair_acc *safety;	/* [therapy or ALL][ae, satisfied] */
	block *blocks;		/* per catalogue instrument, for OARSI */
} tally;

static int tally_init(tally *t, const unit_pass *p, size_t u0, size_t u1)
{
	t->p = p;
	t->u0 = u0;
	t->u1 = u1;
	t->combo = ps_calloc(nz(p->n_combos * p->ni * p->ntp), sizeof *t->combo);
	t->cmp = ps_calloc(nz(p->nther * (p->nbands + 1) * p->ni * p->ntp), sizeof *t->cmp);
	t->oarsi = ps_calloc(nz(p->a->n_cells * p->ntp), sizeof *t->oarsi);
	t->safety = ps_calloc((p->nther + 1) * 2, sizeof *t->safety);
	t->blocks = ps_calloc(nz(p->ncat), sizeof *t->blocks);
	return t->combo && t->cmp && t->oarsi && t->safety && t->blocks ? 0 : -1;
}

static void tally_free(tally *t)
{
	ps_free(t->combo);
	ps_free(t->cmp);
	ps_free(t->oarsi);
	ps_free(t->safety);
	ps_free(t->blocks);
}

/* Adds the units of y to x; counts add, moments merge (acc_merge). */
static void tally_merge(tally *x, const tally *y)
{
	const unit_pass *p = x->p;
	size_t i, n;

	for (i = 0; i < p->n_combos * p->ni * p->ntp; i++)
		acc_merge(&x->combo[i], &y->combo[i]);
	n = p->nther * (p->nbands + 1) * p->ni * p->ntp;
	for (i = 0; i < n; i++) {
		x->cmp[i].n += y->cmp[i].n;
		x->cmp[i].resp += y->cmp[i].resp;
	}
	for (i = 0; i < p->a->n_cells * p->ntp; i++) {
		x->oarsi[i].n += y->oarsi[i].n;
		x->oarsi[i].resp += y->oarsi[i].resp;
	}
	for (i = 0; i < (p->nther + 1) * 2; i++) {
		x->safety[i].n += y->safety[i].n;
		x->safety[i].resp += y->safety[i].resp;
	}
}

/* Baseline and follow-ups of each unit in [sums->u0, sums->u1), added up in sums. */
static void tally_units(tally *sums)
{
	const unit_pass *p = sums->p;
	const promstat_registry *reg = p->reg;
	const promstat_audit *a = p->a;
	const size_t ncat = p->ncat, ntp = p->ntp, ni = p->ni, nmask = p->nmask;
	const size_t nther = p->nther, nbands = p->nbands;
	const long *oarsi_c = p->oarsi_c;
	block *blocks = sums->blocks;
	size_t u, t, j;

	for (u = sums->u0; u < sums->u1; u++) {
		const ps_obs *o = reg->obs + reg->unit_start[u];
		size_t n = reg->unit_start[u + 1] - reg->unit_start[u], s = 0, e;
		const uint32_t *cells = p->combo_cells + (size_t)p->unit_combo[u] * nmask;
		acc *own = sums->combo + (size_t)p->unit_combo[u] * ni * ntp;
		int tl = p->therapy_level[u], bl = p->band_level[u];
		const ps_unit *un = &reg->units[u];

		/* safety: [therapy or ALL][ae, satisfied] */
		for (j = 0; j < 2; j++) {
			pair_acc *sa = sums->safety + (j ? nther : (size_t)tl) * 2;

			sa[0].n++;
			sa[0].resp += un->ae != 0;
			if (un->satisfied >= 0) {
				sa[1].n++;
				sa[1].resp += un->satisfied == 1;
			}
		}
		for (; s < n; s = e) {
			uint32_t ic = o[s].instrument;
			const promstat_instrument *ins;
			long sel;
			long bi;

			for (e = s + 1; e < n && o[e].instrument == ic; e++)
				;
			if (ic >= ncat)
				continue;
			if (p->do_oarsi && ((long)ic == oarsi_c[0] || (long)ic == oarsi_c[1] ||
					 (long)ic == oarsi_c[2])) {
				blocks[ic].obs = o + s;
				blocks[ic].n = e - s;
			}
			if ((sel = p->inst_sel[ic]) < 0)
				continue;
			if ((bi = ps_pair_baseline(o + s, e - s, a->opt.baseline_window)) < 0)
				continue;
			ins = promstat_catalogue_get(reg->cat, ic);
			for (t = 0; t < ntp; t++) {
				long fi = ps_pair_followup(o + s, e - s, a->tps[t].day,
							   a->tps[t].halfwidth);
				double b = o[s + (size_t)bi].score, f;
				acc *x = &own[(size_t)sel * ntp + t];

				x->nb++;
				if (fi < 0) {
					ps_bounds_add_lost(&x->bd, b, un->age);
					continue;
				}
				f = o[s + (size_t)fi].score;
				acc_add(x, ins, a->mcid[sel], a->pass[sel], b, f, un->age);
				if (isfinite(a->mcid[sel])) {
					double d = ins->higher_better ? f - b : b - f;
					int r = d >= a->mcid[sel] - TOL;
					size_t base = (size_t)tl * (nbands + 1);
					pair_acc *p1 = &sums->cmp[((base + (size_t)bl) * ni + (size_t)sel) * ntp + t];
					pair_acc *p2 = &sums->cmp[((base + nbands) * ni + (size_t)sel) * ntp + t];

					p1->n++;
					p1->resp += (size_t)r;
					p2->n++;
					p2->resp += (size_t)r;
				}
			}
		}
		if (p->do_oarsi) {
			for (t = 0; t < ntp; t++) {
				double b[3], f[3];
				int hi[3] = { 0, 0, 0 }, mo[3] = { 0, 0, 0 }, ok = 1, nd, nm = 0, resp;
				size_t m;

				nd = oarsi_c[2] >= 0 ? 3 : 2;
				for (j = 0; j < (size_t)nd && ok; j++) {
					ok = pair_at(&blocks[oarsi_c[j]], a->opt.baseline_window,
						     &a->tps[t], &b[j], &f[j]);
					if (ok)
						oarsi_domain(promstat_catalogue_get(reg->cat,
										    (size_t)oarsi_c[j]),
							     b[j], f[j], &hi[j], &mo[j]);
					nm += mo[j];
				}
				if (!ok)
					continue;
				resp = hi[0] || hi[1] || nm >= 2;
				for (m = 0; m < nmask; m++) {
					pair_acc *q = &sums->oarsi[(size_t)cells[m] * ntp + t];

					q->n++;
					q->resp += (size_t)resp;
				}
			}
			for (j = 0; j < 3; j++)
				if (oarsi_c[j] >= 0)
					blocks[oarsi_c[j]].obs = NULL;
		}
	}
}

static void *tally_thread(void *t)
{
	tally_units(t);
	return NULL;
}

/* Units per thread below which the pass runs on one thread. */
#define SPLIT_UNITS 50000

/*
 * The pass over all units into sum (initialised here; the caller frees
 * it). A large registry is split in two halves, the second added up by a
 * second thread and merged in after; the split depends only on the number
 * of units, so results do not depend on whether the thread could start.
 */
static int tally_all(const unit_pass *p, tally *sum)
{
	size_t n = p->reg->n_units, half = n >= 2 * SPLIT_UNITS ? n / 2 : n;
	tally second;
	pthread_t thread;
	int threaded = 0;

	memset(&second, 0, sizeof second);
	if (tally_init(sum, p, 0, half))
		return -1;
	if (half < n) {
		if (tally_init(&second, p, half, n)) {
			tally_free(&second);
			return -1;
		}
		threaded = pthread_create(&thread, NULL, tally_thread, &second) == 0;
	}
	tally_units(sum);
	if (half < n) {
		if (threaded)
			pthread_join(thread, NULL);
		else
			tally_units(&second);
		tally_merge(sum, &second);
		tally_free(&second);
	}
	return 0;
}

/*
 * The regression-based readings (casemix.c): IPW rates in every result,
 * adjusted comparisons with a reference, the funnel with funnel_by.
 */
static int run_casemix(promstat_audit *a, const promstat_registry *reg, const column *th,
		       long ref_level, const uint32_t *unit_combo, const uint32_t *combo_cells,
		       size_t nmask, promstat_error *err)
{
	column sex = { COL_SEX, "sex", 0, NULL, NULL };
	column fun = { 0, NULL, 0, NULL, NULL };
	ps_casemix_in in;
	int rc;

	memset(&in, 0, sizeof in);
	if ((rc = build_column(a, reg, &sex, err)))
		goto done;
	if (a->opt.funnel_by) {
		fun.kind = a->funnel_kind;
		fun.name = a->opt.funnel_by;
		if ((rc = build_column(a, reg, &fun, err)))
			goto done;
		in.funnel.unit_level = fun.unit_level;
		in.funnel.n_levels = fun.n_levels;
		in.funnel.labels = fun.labels;
	}
	in.reg = reg;
	in.opt = &a->opt;
	in.tps = a->tps;
	in.ntp = a->opt.n_timepoints;
	in.inst_cat = a->inst_cat;
	in.inst_codes = (const char *const *)a->inst_codes;
	in.mcid = a->mcid;
	in.ni = a->n_inst;
	in.min_n = a->opt.min_n;
	in.therapy.unit_level = th->unit_level;
	in.therapy.n_levels = th->n_levels;
	in.therapy.labels = th->labels;
	in.ref_level = ref_level;
	/* a registry without sex has one level, "unknown": no covariate */
	if (sex.n_levels > 1 || (sex.n_levels == 1 && strcmp(sex.labels[0], PROMSTAT_AUDIT_UNKNOWN))) {
		in.sex.unit_level = sex.unit_level;
		in.sex.n_levels = sex.n_levels;
		in.sex.labels = sex.labels;
	}
	in.unit_combo = unit_combo;
	in.combo_cells = combo_cells;
	in.nmask = nmask;
	in.n_cells = a->n_cells;
	in.res = a->res;
	if ((rc = ps_casemix_run(&in, &a->cm, err)))
		goto done;
	if ((ref_level >= 0 || a->opt.funnel_by) &&
	    ((rc = add_note(a, "%s", "adjusted comparisons and the provider funnel compare units "
			   "treated in routine care, not randomised: they allow for therapy, age, sex "
			   "and baseline score and for nothing else, so they are not the result of a "
			   "trial", err)) ||
	     (rc = add_note(a, "%s", "two units of one patient (e.g. both knees) are treated as "
			   "independent in the case-mix models", err))))
		goto done;
done:
	column_free(&sex);
	column_free(&fun);
	return rc;
}

int promstat_audit_run(const promstat_registry *reg, const promstat_audit_options *opt,
		       promstat_audit **out, promstat_error *err)
{
	promstat_audit *a;
	promstat_audit_options defaults;
	column therapy = { COL_THERAPY, "therapy", 0, NULL, NULL };
	column band = { COL_AGE_BAND, "age_band", 0, NULL, NULL };
	const column *th, *bd;
	uint32_t *unit_combo = NULL, *combo_cells = NULL;
	size_t n_combos = 0, ncat, ntp, ni, nmask, i, t, c, j;
	acc *accs = NULL;
	unit_pass pass;
	tally sum;
	long *inst_sel = NULL, ref_level = -1;
	int rc = PROMSTAT_OK, tcol, bcol;
	size_t nbands, nther;

	*out = NULL;
	memset(&sum, 0, sizeof sum);
	if (!reg || !reg->cat || (reg->n_units && !reg->unit_start))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no registry to audit");
	if (!opt) {
		promstat_audit_options_init(&defaults);
		opt = &defaults;
	}
	a = ps_calloc(1, sizeof *a);
	if (!a)
		return nomem(err);
	a->cat = reg->cat;
	memcpy(a->sha256, reg->sha256, sizeof a->sha256);
	a->sha256[64] = '\0';
	if (!(a->strings = ps_strpool_new())) {
		ps_free(a);
		return nomem(err);
	}
	if ((rc = setup(a, reg, opt, err)))
		goto fail;
	for (j = 0; j < a->n_by; j++)
		if ((rc = build_column(a, reg, &a->cols[j], err)))
			goto fail;
	/* therapy and age band for comparisons and safety, shared with --by */
	tcol = column_by_kind(a, COL_THERAPY);
	bcol = column_by_kind(a, COL_AGE_BAND);
	if (tcol < 0 && (rc = build_column(a, reg, &therapy, err)))
		goto fail;
	if (bcol < 0 && (rc = build_column(a, reg, &band, err)))
		goto fail;
	th = tcol >= 0 ? &a->cols[tcol] : &therapy;
	bd = bcol >= 0 ? &a->cols[bcol] : &band;
	nther = th->n_levels;
	nbands = bd->n_levels;
	if (a->opt.reference) {
		for (j = 0; j < nther; j++)
			if (!strcmp(th->labels[j], a->opt.reference))
				ref_level = (long)j;
		if (ref_level < 0) {
			rc = ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				      "reference therapy \"%s\" does not occur in the registry",
				      a->opt.reference);
			goto fail;
		}
	}
	if ((rc = build_cube(a, reg->n_units, &unit_combo, &combo_cells, &n_combos, err)))
		goto fail;

	ncat = promstat_catalogue_count(reg->cat);
	ntp = a->opt.n_timepoints;
	ni = a->n_inst;
	nmask = (size_t)1 << a->n_by;
	accs = ps_calloc(nz(a->n_cells * ni * ntp), sizeof *accs);
	inst_sel = ps_malloc(nz(ncat) * sizeof *inst_sel);
	if (!accs || !inst_sel) {
		rc = nomem(err);
		goto fail;
	}
	for (c = 0; c < ncat; c++)
		inst_sel[c] = -1;
	for (i = 0; i < ni; i++)
		inst_sel[a->inst_cat[i]] = (long)i;
	memset(&pass, 0, sizeof pass);
	pass.reg = reg;
	pass.a = a;
	pass.unit_combo = unit_combo;
	pass.combo_cells = combo_cells;
	pass.therapy_level = th->unit_level;
	pass.band_level = bd->unit_level;
	pass.inst_sel = inst_sel;
	pass.do_oarsi = a->opt.oarsi_pain != NULL;
	pass.oarsi_c[0] = pass.oarsi_c[1] = pass.oarsi_c[2] = -1;
	if (pass.do_oarsi) {
		pass.oarsi_c[0] = promstat_catalogue_find(reg->cat, a->opt.oarsi_pain);
		pass.oarsi_c[1] = promstat_catalogue_find(reg->cat, a->opt.oarsi_function);
		pass.oarsi_c[2] = a->opt.oarsi_global
					  ? promstat_catalogue_find(reg->cat, a->opt.oarsi_global)
					  : -1;
	}
	pass.ncat = ncat;
	pass.ntp = ntp;
	pass.ni = ni;
	pass.nmask = nmask;
	pass.nther = nther;
	pass.nbands = nbands;
	pass.n_combos = n_combos;

	if (tally_all(&pass, &sum)) {
		rc = nomem(err);
		goto fail;
	}

	/* every cell from the combinations of levels it covers */
	for (c = 0; c < n_combos; c++) {
		size_t m;
		for (m = 0; m < nmask; m++) {
			acc *cell = accs + (size_t)combo_cells[c * nmask + m] * ni * ntp;
			for (i = 0; i < ni * ntp; i++)
				acc_merge(&cell[i], &sum.combo[c * ni * ntp + i]);
		}
	}

	/* results */
	a->n_res = ni * ntp * a->n_cells;
	a->res = ps_calloc(a->n_res ? a->n_res : 1, sizeof *a->res);
	if (!a->res) {
		rc = nomem(err);
		goto fail;
	}
	for (i = 0; i < ni; i++)
		for (t = 0; t < ntp; t++)
			for (c = 0; c < a->n_cells; c++) {
				promstat_audit_result *r = &a->res[(i * ntp + t) * a->n_cells + c];

				r->instrument = i;
				r->instrument_code = a->inst_codes[i];
				r->timepoint = t;
				r->day = a->tps[t].day;
				r->halfwidth = a->tps[t].halfwidth;
				r->levels = a->cell_labels + c * a->n_by;
				r->level_index = a->cell_index + c * a->n_by;
				if ((rc = fill_result(a, &accs[(c * ni + i) * ntp + t], i, r, err)))
					goto fail;
			}

	/* comparisons against the reference */
	if (ref_level >= 0) {
		size_t cap = ni * ntp * (nbands + 1) * nther;

		a->cmp = ps_calloc(cap ? cap : 1, sizeof *a->cmp);
		if (!a->cmp) {
			rc = nomem(err);
			goto fail;
		}
		for (i = 0; i < ni; i++) {
			if (!isfinite(a->mcid[i]))
				continue;
			for (t = 0; t < ntp; t++)
				for (j = 0; j <= nbands; j++) {
					const pair_acc *ref =
						&sum.cmp[(((size_t)ref_level * (nbands + 1) + j) * ni + i) *
							 ntp + t];
					size_t k;

					for (k = 0; k < nther; k++) {
						const pair_acc *p =
							&sum.cmp[((k * (nbands + 1) + j) * ni + i) * ntp + t];
						promstat_audit_comparison *q = &a->cmp[a->n_cmp];

						if ((long)k == ref_level)
							continue;
						q->instrument = i;
						q->instrument_code = a->inst_codes[i];
						q->timepoint = t;
						q->day = a->tps[t].day;
						q->age_band = j == nbands ? PROMSTAT_AUDIT_ALL : bd->labels[j];
						q->therapy = th->labels[k];
						q->reference = th->labels[ref_level];
						q->n = p->n;
						q->responders = p->resp;
						q->rate = ratio(p->resp, p->n);
						q->reference_n = ref->n;
						q->reference_responders = ref->resp;
						q->reference_rate = ratio(ref->resp, ref->n);
						if (p->n < a->opt.min_n || ref->n < a->opt.min_n) {
							/* a small cell on either side: no contrast */
							q->small = 1;
							q->reason = a->small_reason;
							q->risk_difference = q->rd_ci_lb = q->rd_ci_ub = NAN;
							q->nnt = q->nnt_ci_lb = q->nnt_ci_ub = NAN;
							a->n_cmp++;
							continue;
						}
						q->risk_difference = q->rate - q->reference_rate;
						if ((rc = promstat_ci_newcombe(p->resp, p->n, ref->resp,
									       ref->n, a->opt.level,
									       &q->rd_ci_lb, &q->rd_ci_ub,
									       err)))
							goto fail;
						promstat_nnt(q->risk_difference, q->rd_ci_lb, q->rd_ci_ub,
							     &q->nnt, &q->nnt_ci_lb, &q->nnt_ci_ub,
							     &q->nnt_crosses_infinity);
						a->n_cmp++;
					}
				}
		}
	}

	if ((rc = run_casemix(a, reg, th, ref_level, unit_combo, combo_cells, nmask, err)))
		goto fail;

	/* safety */
	a->safety = ps_calloc(nther + 1, sizeof *a->safety);
	if (!a->safety) {
		rc = nomem(err);
		goto fail;
	}
	for (j = 0; j <= nther && reg->n_units; j++) {
		promstat_audit_safety *s = &a->safety[a->n_safety++];
		const pair_acc *sa = sum.safety + j * 2;

		s->therapy = j == nther ? PROMSTAT_AUDIT_ALL : th->labels[j];
		s->units = sa[0].n;
		s->ae_units = sa[0].resp;
		s->ae_rate = ratio(sa[0].resp, sa[0].n);
		s->satisfied_known = sa[1].n;
		s->satisfied_units = sa[1].resp;
		s->satisfied_rate = ratio(sa[1].resp, sa[1].n);
		if ((rc = rate_ci(a, sa[0].resp, sa[0].n, &s->ae_ci_lb, &s->ae_ci_ub, err)) ||
		    (rc = rate_ci(a, sa[1].resp, sa[1].n, &s->satisfied_ci_lb,
				  &s->satisfied_ci_ub, err)))
			goto fail;
	}

	/* OARSI */
	if (pass.do_oarsi) {
		a->n_oarsi = ntp * a->n_cells;
		a->oarsi = ps_calloc(a->n_oarsi ? a->n_oarsi : 1, sizeof *a->oarsi);
		if (!a->oarsi) {
			rc = nomem(err);
			goto fail;
		}
		for (t = 0; t < ntp; t++)
			for (c = 0; c < a->n_cells; c++) {
				promstat_audit_oarsi *q = &a->oarsi[t * a->n_cells + c];
				const pair_acc *p = &sum.oarsi[c * ntp + t];

				q->timepoint = t;
				q->day = a->tps[t].day;
				q->levels = a->cell_labels + c * a->n_by;
				q->level_index = a->cell_index + c * a->n_by;
				q->n = p->n;
				q->responders = p->resp;
				q->rate = ratio(p->resp, p->n);
				if ((rc = rate_ci(a, p->resp, p->n, &q->ci_lb, &q->ci_ub, err)))
					goto fail;
			}
	}
	*out = a;
	goto cleanup;
fail:
	promstat_audit_free(a);
cleanup:
	column_free(&therapy);
	column_free(&band);
	ps_free(unit_combo);
	ps_free(combo_cells);
	ps_free(accs);
	tally_free(&sum);
	ps_free(inst_sel);
	return rc;
}

/* ---- accessors ---- */

const promstat_audit_options *promstat_audit_options_used(const promstat_audit *a)
{
	return &a->opt;
}

size_t promstat_audit_n_instruments(const promstat_audit *a)
{
	return a->n_inst;
}

const promstat_instrument *promstat_audit_instrument(const promstat_audit *a, size_t i)
{
	return i < a->n_inst ? promstat_catalogue_get(a->cat, a->inst_cat[i]) : NULL;
}

double promstat_audit_mcid(const promstat_audit *a, size_t i)
{
	return i < a->n_inst ? a->mcid[i] : NAN;
}

double promstat_audit_pass(const promstat_audit *a, size_t i)
{
	return i < a->n_inst ? a->pass[i] : NAN;
}

size_t promstat_audit_n_timepoints(const promstat_audit *a)
{
	return a->opt.n_timepoints;
}

promstat_audit_timepoint promstat_audit_timepoint_get(const promstat_audit *a, size_t i)
{
	promstat_audit_timepoint none = { 0, 0 };

	return i < a->opt.n_timepoints ? a->tps[i] : none;
}

size_t promstat_audit_n_by(const promstat_audit *a)
{
	return a->n_by;
}

const char *promstat_audit_by_name(const promstat_audit *a, size_t j)
{
	return j < a->n_by ? a->by_names[j] : NULL;
}

size_t promstat_audit_n_levels(const promstat_audit *a, size_t j)
{
	return j < a->n_by ? a->cols[j].n_levels : 0;
}

const char *promstat_audit_level(const promstat_audit *a, size_t j, size_t k)
{
	return j < a->n_by && k < a->cols[j].n_levels ? a->cols[j].labels[k] : NULL;
}

size_t promstat_audit_count(const promstat_audit *a)
{
	return a->n_res;
}

const promstat_audit_result *promstat_audit_get(const promstat_audit *a, size_t i)
{
	return i < a->n_res ? &a->res[i] : NULL;
}

size_t promstat_audit_n_comparisons(const promstat_audit *a)
{
	return a->n_cmp;
}

const promstat_audit_comparison *promstat_audit_comparison_get(const promstat_audit *a,
								 size_t i)
{
	return i < a->n_cmp ? &a->cmp[i] : NULL;
}

size_t promstat_audit_n_safety(const promstat_audit *a)
{
	return a->n_safety;
}

const promstat_audit_safety *promstat_audit_safety_get(const promstat_audit *a, size_t i)
{
	return i < a->n_safety ? &a->safety[i] : NULL;
}

size_t promstat_audit_n_oarsi(const promstat_audit *a)
{
	return a->n_oarsi;
}

const promstat_audit_oarsi *promstat_audit_oarsi_get(const promstat_audit *a, size_t i)
{
	return i < a->n_oarsi ? &a->oarsi[i] : NULL;
}

size_t promstat_audit_n_notes(const promstat_audit *a)
{
	return a->n_notes;
}

const char *promstat_audit_note(const promstat_audit *a, size_t i)
{
	return i < a->n_notes ? a->notes[i] : NULL;
}

const char *promstat_audit_sha256(const promstat_audit *a)
{
	return a->sha256;
}

int ps_audit_unit_level(const promstat_audit *a, size_t j, size_t u)
{
	return a->cols[j].unit_level[u];
}

size_t ps_audit_inst_cat(const promstat_audit *a, size_t i)
{
	return a->inst_cat[i];
}

size_t promstat_audit_n_adjusted(const promstat_audit *a)
{
	return a->cm.n_adj;
}

const promstat_audit_adjusted *promstat_audit_adjusted_get(const promstat_audit *a, size_t i)
{
	return i < a->cm.n_adj ? &a->cm.adj[i] : NULL;
}

size_t promstat_audit_n_funnel_groups(const promstat_audit *a)
{
	return a->cm.n_fg;
}

const promstat_audit_funnel_group *promstat_audit_funnel_group_get(const promstat_audit *a,
								    size_t i)
{
	return i < a->cm.n_fg ? &a->cm.fg[i] : NULL;
}

size_t promstat_audit_n_funnel_points(const promstat_audit *a)
{
	return a->cm.n_fp;
}

const promstat_audit_funnel_point *promstat_audit_funnel_point_get(const promstat_audit *a,
								    size_t i)
{
	return i < a->cm.n_fp ? &a->cm.fp[i] : NULL;
}

const char *promstat_audit_funnel_by(const promstat_audit *a)
{
	return a->opt.funnel_by;
}
