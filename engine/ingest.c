/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Registry ingest: a long-format observations CSV (one row per patient,
 * visit and instrument) streamed through ps_csv_read into a registry of
 * units and observations, with every row accounted for.
 *
 * Memory grows with the units and observations kept, never with the file:
 * a row's strings are looked up (not interned) until the row is accepted,
 * so rejected rows leave nothing behind, and a kept observation costs 20
 * bytes (16 in the registry, 4 for its line while reading). Units are
 * found from the patient's pool id, and duplicates among the observations
 * of the unit's last day (while its days ascend) or through a hash of
 * (unit, instrument, day); both are amortised O(1), and the final grouping
 * is linear plus a sort of each unit's observations.
 */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry.h"

enum {
	K_PATIENT, K_THERAPY, K_DAY, K_INSTRUMENT, K_SCORE, K_AGE, K_EPISODE, K_SEX,
	K_PROVIDER, K_SITE, K_ANCHOR, K_AE, K_SATISFIED, K_DATE, K_TREATMENT_DATE, K_NCOLS
};
static const char *const canon[K_NCOLS] = {
	"patient_id", "therapy", "day", "instrument", "score", "age", "episode", "sex",
	"provider", "site", "anchor", "ae", "satisfied", "date", "treatment_date"
};

/* Days since index treatment are kept within a century either way: anything
 * beyond is a data-entry error (a year typed as a day, say). */
#define DAY_LIMIT 36525L
#define AGE_MAX 130.0
#define ANCHOR_LIMIT 1000L
#define VALUE_SHOWN 60 /* characters of a value quoted in a message */
#define INSTRUMENT_CACHE 64 /* a power of two */
#define VALUE_CACHE 16	    /* a power of two */
#define LOCAL_SCAN 16	    /* a unit's observations scanned for duplicates, not hashed */

static const char *const reason_names[PROMSTAT_REJECT_NREASONS] = {
	"field_count", "missing_value", "not_a_number", "out_of_range",
	"unknown_instrument", "inconsistent_unit", "duplicate"
};

const char *promstat_reject_reason_name(int reason)
{
	if (reason < 0 || reason >= PROMSTAT_REJECT_NREASONS)
		return "unknown";
	return reason_names[reason];
}

/* What ingest keeps per unit while reading. */
typedef struct unit_side {
	unsigned long line; /* line of the unit's first accepted row */
	uint32_t first;	    /* while not global: its observations are obs[first..+count) */
	uint32_t count;	    /* UNIT_GLOBAL: its observations are in the global table */
} unit_side;

#define UNIT_GLOBAL UINT32_MAX

/* A stretch of observations of one unit, in reading order. Units are
 * numbered as they first appear, so an extract that keeps each unit's rows
 * together has one run per unit, in unit order, and needs no regrouping. */
typedef struct obs_run {
	uint32_t start; /* index of its first observation */
	uint32_t unit;
} obs_run;

/* Open addressing over observations: index + 1 (0 = empty) and unit. */
typedef struct obs_slot {
	uint32_t idx1;
	uint32_t unit;
} obs_slot;

typedef struct obs_table {
	obs_slot *slots;
	size_t nslots, n;
} obs_table;

typedef struct ingest {
	const char *name;
	const promstat_catalogue *cat;
	const promstat_ingest_options *opt;
	promstat_registry *reg;

	const char *map_col[K_NCOLS]; /* header name to use for a canonical column */
	size_t map_len[K_NCOLS];
	long col[K_NCOLS];	      /* field index, -1 when absent */
	size_t ncols;
	size_t *extra_col;	      /* field index of each user stratum */
	int have_header;
	size_t extra_cap;
	int required[K_NCOLS];	      /* columns a row must fill (from the header) */
	size_t n_required;

	/* Units are found from the patient's pool id: first_unit gives its
	 * first unit (-1: none); its other episodes are in a hash of
	 * (patient, episode), which a registry without episodes never fills. */
	int32_t *first_unit;
	size_t first_unit_cap;
	uint32_t *uslots;	      /* unit index + 1, 0 = empty */
	size_t nuslots, nuhash;
	unit_side *side;	      /* per unit, see unit_side */
	size_t side_cap;
	long last_unit;		      /* unit of the last accepted row, or -1 */
	long inst_cache[INSTRUMENT_CACHE]; /* catalogue index + 1 of recent codes */
	long prep_inst_cache[INSTRUMENT_CACHE]; /* the same, for the reading thread */
	ps_csv_prepare prep;	      /* check_row run ahead, once the header is read */
	long value_cache[K_NCOLS][VALUE_CACHE]; /* pool id + 1, see intern_cached */
	obs_run *runs;
	size_t n_runs, runs_cap;

	/* Duplicates of (unit, instrument, day). A unit's rows are usually
	 * contiguous in an extract, and in visit order, so the unit being read
	 * is checked against its own observations: while their days ascend,
	 * against those of its last day only; otherwise by a scan while it
	 * has at most LOCAL_SCAN, then in a small table of its own that stays
	 * in cache. A unit that comes back after other units moves its
	 * observations, once, to the global table. */
	long cur_unit;		      /* the unit being read (not global), or -1 */
	int cur_ascending;	      /* its days have not gone down so far */
	int32_t cur_day;	      /* while they have not: the last one */
	obs_table local;	      /* the first local.n of its observations */
	obs_table global;	      /* observations of units marked global */
	uint32_t *obs_line;	      /* line of each kept observation */
	size_t obs_line_cap;
} ingest;

/* ---- hashing of units and observations ---- */

static uint64_t unit_hash(long patient, long episode)
{
	uint64_t h = ((uint64_t)(uint32_t)patient << 32 | (uint32_t)episode) *
		     0x9e3779b97f4a7c15ULL;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

/* Index of the unit (patient, episode), or -1. */
static long unit_find(const ingest *c, long patient, long episode)
{
	const ps_unit *units = c->reg->units;
	size_t mask, i;
	long u;

	if ((size_t)patient >= c->first_unit_cap || (u = c->first_unit[patient]) < 0)
		return -1;
	if (units[u].episode == episode)
		return u;
	if (!c->nuslots)
		return -1;
	mask = c->nuslots - 1;
	for (i = (size_t)unit_hash(patient, episode) & mask; c->uslots[i]; i = (i + 1) & mask) {
		const ps_unit *v = &units[c->uslots[i] - 1];
		if (v->patient == patient && v->episode == episode)
			return (long)(c->uslots[i] - 1);
	}
	return -1;
}

static void unit_slot_put(uint32_t *slots, size_t nslots, const ps_unit *u, size_t idx)
{
	size_t mask = nslots - 1, i;

	for (i = (size_t)unit_hash(u->patient, u->episode) & mask; slots[i]; i = (i + 1) & mask)
		;
	slots[i] = (uint32_t)(idx + 1);
}

/* Makes unit idx (already stored in reg->units) findable. */
static int unit_insert(ingest *c, size_t idx)
{
	const ps_unit *u = &c->reg->units[idx];
	size_t p = (size_t)u->patient;

	if (p >= c->first_unit_cap) {
		size_t old = c->first_unit_cap, i;
		if (ps_reserve((void **)&c->first_unit, &c->first_unit_cap, p + 1,
			       sizeof *c->first_unit))
			return -1;
		for (i = old; i < c->first_unit_cap; i++)
			c->first_unit[i] = -1;
	}
	if (c->first_unit[p] < 0) {
		c->first_unit[p] = (int32_t)idx;
		return 0;
	}
	if ((c->nuhash + 1) * 2 > c->nuslots) {
		size_t n = c->nuslots ? c->nuslots * 2 : 256, i;
		uint32_t *s = ps_calloc(n, sizeof *s);
		if (!s)
			return -1;
		for (i = 0; i < c->nuslots; i++)
			if (c->uslots[i])
				unit_slot_put(s, n, &c->reg->units[c->uslots[i] - 1],
					      c->uslots[i] - 1);
		ps_free(c->uslots);
		c->uslots = s;
		c->nuslots = n;
	}
	unit_slot_put(c->uslots, c->nuslots, u, idx);
	c->nuhash++;
	return 0;
}

/* A multiplicative mix of the 96-bit key (splitmix64's finaliser). */
static uint64_t obs_hash(uint32_t unit, uint32_t instrument, int32_t day)
{
	uint64_t h = ((uint64_t)unit << 32 | (uint32_t)day) * 0x9e3779b97f4a7c15ULL;

	h ^= (uint64_t)(instrument + 1) * 0xc2b2ae3d27d4eb4fULL;
	return ps_mix64(h);
}

/* Index of the observation (unit, instrument, day) in t, or -1. */
static long table_find(const obs_table *t, const ps_obs *obs, uint32_t unit, uint32_t instrument,
		       int32_t day)
{
	size_t mask, i;

	if (!t->nslots)
		return -1;
	mask = t->nslots - 1;
	for (i = (size_t)obs_hash(unit, instrument, day) & mask; t->slots[i].idx1;
	     i = (i + 1) & mask) {
		const ps_obs *o = &obs[t->slots[i].idx1 - 1];
		if (t->slots[i].unit == unit && o->instrument == instrument && o->day == day)
			return (long)(t->slots[i].idx1 - 1);
	}
	return -1;
}

static void slot_put(obs_slot *slots, size_t nslots, const ps_obs *o, obs_slot sl)
{
	size_t mask = nslots - 1, i;

	for (i = (size_t)obs_hash(sl.unit, o->instrument, o->day) & mask; slots[i].idx1;
	     i = (i + 1) & mask)
		;
	slots[i] = sl;
}

/* Adds observation idx of unit (already in obs) to t, doubling t at half load. */
static int table_put(obs_table *t, const ps_obs *obs, size_t idx, uint32_t unit)
{
	obs_slot sl;

	if ((t->n + 1) * 2 > t->nslots) {
		size_t n = t->nslots ? t->nslots * 2 : 64, i;
		obs_slot *s = ps_calloc(n, sizeof *s);
		if (!s)
			return -1;
		for (i = 0; i < t->nslots; i++)
			if (t->slots[i].idx1)
				slot_put(s, n, &obs[t->slots[i].idx1 - 1], t->slots[i]);
		ps_free(t->slots);
		t->slots = s;
		t->nslots = n;
	}
	sl.idx1 = (uint32_t)(idx + 1);
	sl.unit = unit;
	slot_put(t->slots, t->nslots, &obs[idx], sl);
	t->n++;
	return 0;
}

/* Index of the observation of a unit with the given instrument and day
 * among its count observations from obs[first], or -1. */
static long scan_unit(const ps_obs *obs, size_t first, size_t count, long instrument, long day)
{
	size_t k;

	for (k = first; k < first + count; k++)
		if (obs[k].instrument == instrument && obs[k].day == day)
			return (long)k;
	return -1;
}

/* Puts the observations of the unit being read that local does not hold
 * yet into it. */
static int local_catch_up(ingest *c, const unit_side *sd)
{
	size_t k;

	for (k = sd->first + c->local.n; k < (size_t)sd->first + sd->count; k++)
		if (table_put(&c->local, c->reg->obs, k, (uint32_t)c->cur_unit))
			return -1;
	return 0;
}

/* Index of the observation (instrument, day) of the unit being read, -1
 * when there is none, -2 out of memory. */
static long local_duplicate(ingest *c, const unit_side *sd, long instrument, long day)
{
	const ps_obs *obs = c->reg->obs;
	size_t k;

	if (c->cur_ascending && day >= c->cur_day) {
		/* only observations of the last day can have this day */
		for (k = (size_t)sd->first + sd->count; k > sd->first && obs[k - 1].day == day; k--)
			if (obs[k - 1].instrument == instrument)
				return (long)(k - 1);
		return -1;
	}
	c->cur_ascending = 0;
	if (sd->count <= LOCAL_SCAN)
		return scan_unit(obs, sd->first, sd->count, instrument, day);
	if (local_catch_up(c, sd))
		return -2;
	return table_find(&c->local, obs, (uint32_t)c->cur_unit, (uint32_t)instrument,
			  (int32_t)day);
}

/* Empties t; a table grown large by one unit is given back, so emptying
 * costs no more than filling did. */
static void table_reset(obs_table *t)
{
	if (!t->n)
		return;
	if (t->nslots > 256) {
		ps_free(t->slots);
		t->slots = NULL;
		t->nslots = 0;
	} else if (t->nslots) {
		memset(t->slots, 0, t->nslots * sizeof *t->slots);
	}
	t->n = 0;
}

/* ---- options and header ---- */

/* Checks the --map renamings ("canonical=column") and records them. */
static int parse_map(ingest *c, promstat_error *err)
{
	size_t i;
	int k;

	if (!c->opt || !c->opt->nmap)
		return PROMSTAT_OK;
	if (!c->opt->map)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "column map is missing");
	for (i = 0; i < c->opt->nmap; i++) {
		const char *m = c->opt->map[i];
		const char *eq = m ? strchr(m, '=') : NULL;
		if (!eq || eq == m || !eq[1])
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"--map \"%s\": write it as canonical=column, e.g. day=visit_day",
					m ? m : "");
		for (k = 0; k < K_NCOLS; k++)
			if (strlen(canon[k]) == (size_t)(eq - m) && !strncasecmp(canon[k], m, eq - m))
				break;
		if (k == K_NCOLS)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"--map \"%s\": \"%.*s\" is not a column promstat knows (patient_id, "
					"therapy, day, instrument, score, age, episode, sex, provider, site, "
					"anchor, ae, satisfied, date, treatment_date)",
					m, (int)(eq - m), m);
		if (c->map_col[k])
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"--map gives column %s twice", canon[k]);
		{
			int o;
			for (o = 0; o < K_NCOLS; o++)
				if (c->map_col[o] && !strcasecmp(c->map_col[o], eq + 1))
					return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
							"--map names column \"%s\" for both %s and %s",
							eq + 1, canon[o], canon[k]);
		}
		c->map_col[k] = eq + 1;
		c->map_len[k] = strlen(eq + 1);
	}
	return PROMSTAT_OK;
}

/* Which canonical column a header name stands for, or -1 for a stratum. */
static int canonical_of(const ingest *c, const ps_csv_field *f)
{
	int k;

	for (k = 0; k < K_NCOLS; k++)
		if (c->map_col[k] && c->map_len[k] == f->len && !strcasecmp(c->map_col[k], f->text))
			return k;
	for (k = 0; k < K_NCOLS; k++)
		if (!c->map_col[k] && !strcasecmp(canon[k], f->text))
			return k;
	return -1;
}

static int write_rejects_header(ingest *c, const ps_csv_record *rec, promstat_error *err)
{
	FILE *out = c->opt ? c->opt->rejects : NULL;
	size_t i;

	if (!out)
		return PROMSTAT_OK;
	if (fputs("line,reason", out) == EOF)
		goto fail;
	for (i = 0; i < rec->nfields; i++)
		if (ps_csv_write_field(out, rec->fields[i].text, rec->fields[i].len, 0))
			goto fail;
	if (putc('\n', out) == EOF)
		goto fail;
	return PROMSTAT_OK;
fail:
	return ps_error(err, PROMSTAT_EWRITE, NULL, 0, 0, "cannot write the rejected rows");
}

static int header(ingest *c, const ps_csv_record *rec, promstat_error *err)
{
	promstat_registry *reg = c->reg;
	ps_strpool *seen = ps_strpool_new();
	char *lower = NULL;
	size_t i, cap = 0;
	int k, st = PROMSTAT_OK;

	if (!seen)
		return ps_error(err, PROMSTAT_ENOMEM, c->name, rec->line, 0, "out of memory");
	for (k = 0; k < K_NCOLS; k++)
		c->col[k] = -1;
	c->ncols = rec->nfields;
	c->extra_col = ps_malloc((rec->nfields + 1) * sizeof *c->extra_col);
	reg->extra_names = ps_calloc(rec->nfields + 1, sizeof *reg->extra_names);
	if (!c->extra_col || !reg->extra_names) {
		st = ps_error(err, PROMSTAT_ENOMEM, c->name, rec->line, 0, "out of memory");
		goto done;
	}
	for (i = 0; i < rec->nfields; i++) {
		const ps_csv_field *f = &rec->fields[i];
		size_t j;
		long id;

		if (f->len == 0) {
			st = ps_error(err, PROMSTAT_EDATA, c->name, f->line, i + 1,
				      "column %zu has no name in the header; every column needs one",
				      i + 1);
			goto done;
		}
		/* Names match case-insensitively, so duplicates are found on a
		 * lower-cased copy. */
		if (ps_reserve((void **)&lower, &cap, f->len + 1, 1)) {
			st = ps_error(err, PROMSTAT_ENOMEM, c->name, rec->line, 0, "out of memory");
			goto done;
		}
		for (j = 0; j < f->len; j++)
			lower[j] = (char)tolower((unsigned char)f->text[j]);
		id = ps_strpool_intern(seen, lower, f->len);
		if (id < 0) {
			st = ps_error(err, PROMSTAT_ENOMEM, c->name, rec->line, 0, "out of memory");
			goto done;
		}
		if ((size_t)id != ps_strpool_count(seen) - 1) {
			st = ps_error(err, PROMSTAT_EDATA, c->name, f->line, i + 1,
				      "column \"%.*s\" appears twice in the header (also column %ld)",
				      VALUE_SHOWN, f->text, id + 1);
			goto done;
		}
		k = canonical_of(c, f);
		if (k >= 0) {
			c->col[k] = (long)i;
		} else {
			reg->extra_names[reg->n_extra] = ps_malloc(f->len + 1);
			if (!reg->extra_names[reg->n_extra]) {
				st = ps_error(err, PROMSTAT_ENOMEM, c->name, rec->line, 0,
					      "out of memory");
				goto done;
			}
			memcpy(reg->extra_names[reg->n_extra], f->text, f->len + 1);
			c->extra_col[reg->n_extra++] = i;
		}
	}
	for (k = 0; k < K_NCOLS; k++)
		if (c->map_col[k] && c->col[k] < 0) {
			st = ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0,
				      "--map %s=%s: the header has no column \"%s\"", canon[k],
				      c->map_col[k], c->map_col[k]);
			goto done;
		}
	if (ps_csv_foreign_separator(rec)) {
		st = ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0, PS_CSV_FOREIGN_SEPARATOR,
			      ps_csv_foreign_separator(rec));
		goto done;
	}
	{
		static const int required[] = { K_PATIENT, K_THERAPY, K_INSTRUMENT, K_SCORE };
		for (i = 0; i < sizeof required / sizeof *required; i++)
			if (c->col[required[i]] < 0) {
				st = ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0,
					      "the header has no \"%s\" column (required: patient_id, "
					      "therapy, day, instrument, score; use --map %s=COLUMN "
					      "if it has another name)",
					      canon[required[i]], canon[required[i]]);
				goto done;
			}
	}
	if (c->col[K_DAY] < 0 && (c->col[K_DATE] < 0 || c->col[K_TREATMENT_DATE] < 0)) {
		st = ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0,
			      "the header has no \"day\" column, nor \"date\" and "
			      "\"treatment_date\" to compute it from");
		goto done;
	}
	{
		/* the columns every row must fill, in the order they are checked */
		static const int required[] = { K_PATIENT, K_THERAPY, K_DAY, K_DATE,
						K_TREATMENT_DATE, K_INSTRUMENT, K_SCORE };
		for (i = 0; i < sizeof required / sizeof *required; i++) {
			k = required[i];
			if (c->col[k] >= 0 &&
			    !((k == K_DATE || k == K_TREATMENT_DATE) && c->col[K_DAY] >= 0))
				c->required[c->n_required++] = k;
		}
	}
	c->have_header = 1;
	c->prep.ready = 1;
	st = write_rejects_header(c, rec, err);
done:
	ps_free(lower);
	ps_strpool_free(seen);
	return st;
}

/* ---- rows ---- */

/* Accounts for a rejected row: counts it, writes it to the rejects file,
 * and either reports it or (under strict) stops the run with it. */
static int reject(ingest *c, const ps_csv_record *rec, int reason, unsigned long line,
		  unsigned long column, promstat_error *err, const char *fmt, ...)
	PS_PRINTF(7, 8);

static int reject(ingest *c, const ps_csv_record *rec, int reason, unsigned long line,
		  unsigned long column, promstat_error *err, const char *fmt, ...)
{
	promstat_error diag;
	FILE *out = c->opt ? c->opt->rejects : NULL;
	va_list ap;
	size_t i;

	c->reg->counts.rows_rejected++;
	c->reg->counts.by_reason[reason]++;
	promstat_error_clear(&diag);
	ps_error(&diag, PROMSTAT_EDATA, c->name, line, column, "%s", "");
	va_start(ap, fmt);
	vsnprintf(diag.message, sizeof diag.message, fmt, ap);
	va_end(ap);
	if (out) {
		const char *rn = promstat_reject_reason_name(reason);
		int bad = fprintf(out, "%lu", rec->line) < 0 ||
			  ps_csv_write_field(out, rn, strlen(rn), 0);
		for (i = 0; !bad && i < rec->nfields; i++)
			bad = ps_csv_write_field(out, rec->fields[i].text, rec->fields[i].len, 0);
		if (bad || putc('\n', out) == EOF)
			return ps_error(err, PROMSTAT_EWRITE, NULL, 0, 0,
					"cannot write the rejected rows");
	}
	if (c->opt && c->opt->strict) {
		if (err)
			*err = diag;
		return PROMSTAT_EDATA;
	}
	if (c->opt && c->opt->on_reject)
		c->opt->on_reject(&diag, reason, c->opt->on_reject_ctx);
	return PROMSTAT_OK;
}

/* The field of canonical column k, or NULL when the file has no such column. */
static const ps_csv_field *field(const ingest *c, const ps_csv_record *rec, int k)
{
	return c->col[k] >= 0 ? &rec->fields[c->col[k]] : NULL;
}

#define REJECT_AT(k, reason, ...) \
	reject(c, rec, reason, rec->fields[c->col[k]].line, (unsigned long)c->col[k] + 1, err, \
	       __VA_ARGS__)

/* Interns f's text (or "" when f is NULL); -1 when out of memory. */
static long intern(ingest *c, const ps_csv_field *f)
{
	return f ? ps_strpool_intern(c->reg->pool, f->text, f->len)
		 : ps_strpool_intern(c->reg->pool, "", 0);
}

/* A cheap key of a short value for the small caches below: its length
 * and end characters (0 for an empty or absent value). */
static size_t cache_key(const ps_csv_field *f)
{
	return f && f->len ? f->len * 31 + (unsigned char)f->text[0] * 7 +
				     (unsigned char)f->text[f->len - 1]
			   : 0;
}

/* The cache slot of a value of column k. */
static long *value_cache(ingest *c, int k, const ps_csv_field *f)
{
	return &c->value_cache[k][cache_key(f) & (VALUE_CACHE - 1)];
}

/*
 * intern() for the columns of few distinct values (episode, therapy, sex,
 * provider, site), which a new unit looks up every time: a small cache per
 * column saves hashing and probing the pool. With find, the value is only
 * looked up (-1 when not in the pool).
 */
static long intern_cached(ingest *c, int k, const ps_csv_field *f, int find)
{
	long *slot = value_cache(c, k, f);
	const char *text = f ? f->text : "";
	size_t len = f ? f->len : 0;
	long id;

	if (*slot > 0 && ps_strpool_equal(c->reg->pool, *slot - 1, text, len))
		return *slot - 1;
	id = find ? ps_strpool_find(c->reg->pool, text, len)
		  : ps_strpool_intern(c->reg->pool, text, len);
	if (id >= 0)
		*slot = id + 1;
	return id;
}

static int nomem(ingest *c, const ps_csv_record *rec, promstat_error *err)
{
	return ps_error(err, PROMSTAT_ENOMEM, c->name, rec->line, 0, "out of memory");
}

/* Creates the unit of an accepted row. */
static int new_unit(ingest *c, const ps_csv_record *rec, int32_t patient, int32_t episode,
		    promstat_error *err)
{
	promstat_registry *reg = c->reg;
	ps_unit *u;
	size_t idx = reg->n_units, j;

	if (idx >= UINT32_MAX - 1)
		return ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0,
				"too many treatment units for one registry");
	if (ps_reserve((void **)&reg->units, &reg->units_cap, idx + 1, sizeof *reg->units) ||
	    ps_reserve((void **)&c->side, &c->side_cap, idx + 1, sizeof *c->side))
		return nomem(c, rec, err);
	if (reg->n_extra &&
	    ps_reserve((void **)&reg->extra, &c->extra_cap, (idx + 1) * reg->n_extra,
		       sizeof *reg->extra))
		return nomem(c, rec, err);
	u = &reg->units[idx];
	u->patient = patient;
	u->episode = episode;
	u->therapy = -1;
	u->age = NAN;
	u->sex = u->provider = u->site = -1;
	u->ae = 0;
	u->satisfied = -1;
	for (j = 0; j < reg->n_extra; j++)
		reg->extra[idx * reg->n_extra + j] = -1;
	c->side[idx].line = rec->line;
	c->side[idx].first = (uint32_t)reg->n_obs;
	c->side[idx].count = 0;
	reg->n_units++;
	if (unit_insert(c, idx))
		return nomem(c, rec, err);
	return PROMSTAT_OK;
}

/* Whether pool string id is f's text ("" when f is NULL). */
static int same_text(const promstat_registry *reg, long id, const ps_csv_field *f)
{
	return f ? ps_strpool_equal(reg->pool, id, f->text, f->len)
		 : ps_strpool_equal(reg->pool, id, "", 0);
}

/* Sets *id to the pool id of f's value when it is still unknown. */
static int fill_first(ingest *c, int k, const ps_csv_field *f, int32_t *id)
{
	long v;

	if (*id >= 0 || !f || f->len == 0)
		return 0;
	v = k >= 0 ? intern_cached(c, k, f, 0) : intern(c, f);
	if (v < 0)
		return -1;
	*id = (int32_t)v;
	return 0;
}

/* What a row says once check_row has passed it. */
typedef struct row_values {
	double score, age; /* age NaN when empty */
	long day, instrument, anchor, satisfied;
} row_values;

/* The first problem check_row found in a row. */
typedef struct row_problem {
	int reason;
	int k; /* its canonical column */
	char message[PROMSTAT_MESSAGE_MAX];
} row_problem;

static int problem(row_problem *pb, int k, int reason, const char *fmt, ...) PS_PRINTF(4, 5);

/* Records a problem (when pb is not NULL: the reading thread only wants
 * to know whether there is one) and returns -1. */
static int problem(row_problem *pb, int k, int reason, const char *fmt, ...)
{
	va_list ap;

	if (pb) {
		pb->reason = reason;
		pb->k = k;
		va_start(ap, fmt);
		vsnprintf(pb->message, sizeof pb->message, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Index of the instrument code f names, or -1. Extracts list a few
 * instruments over and over: a small cache keyed by length and end
 * characters saves hashing the code on every row. */
static long find_instrument(const promstat_catalogue *cat, long *cache, const ps_csv_field *f)
{
	size_t slot = cache_key(f) & (INSTRUMENT_CACHE - 1);
	long hit = cache[slot] - 1, found;

	if (hit >= 0 && ps_catalogue_code_is(cat, hit, f->text, f->len))
		return hit;
	found = ps_catalogue_find_n(cat, f->text, f->len);
	if (found >= 0)
		cache[slot] = found + 1;
	return found;
}

#define PROBLEM(k, reason, ...) problem(pb, k, reason, __VA_ARGS__)

/*
 * The checks of a data row that need nothing but the row and the header:
 * required values, numbers and their ranges, the instrument. The row must
 * have the header's number of fields. Fills v and returns 0, or returns -1
 * with the first problem in pb. It changes nothing but the instrument
 * cache, and reads a field's text only within its length, so the reading
 * thread runs it ahead on rows it has not terminated (see prepare_row).
 */
static int check_row(const ingest *c, const ps_csv_record *rec, long *inst_cache, row_values *v,
		     row_problem *pb)
{
	const ps_csv_field *f;
	const promstat_instrument *inst;
	size_t j;
	int k;

	v->anchor = PS_NO_ANCHOR;
	v->satisfied = -1;
	v->age = NAN;
	for (j = 0; j < c->n_required; j++) {
		k = c->required[j];
		if (rec->fields[c->col[k]].len == 0)
			return PROBLEM(k, PROMSTAT_REJECT_MISSING, "%s is empty; every row needs one",
				       canon[k]);
	}

	/* day, or its computation from the two dates */
	if (c->col[K_DAY] >= 0) {
		f = field(c, rec, K_DAY);
		if (ps_parse_long(f->text, f->len, -2147483647L, 2147483647L, &v->day))
			return PROBLEM(K_DAY, PROMSTAT_REJECT_NOT_NUMBER,
				       "day \"%.*s\" is not a whole number of days", VALUE_SHOWN,
				       f->text);
		if (v->day < -DAY_LIMIT || v->day > DAY_LIMIT)
			return PROBLEM(K_DAY, PROMSTAT_REJECT_OUT_OF_RANGE,
				       "day %ld is more than %ld days (a century) from the index "
				       "treatment",
				       v->day, DAY_LIMIT);
	} else {
		long d, t;
		f = field(c, rec, K_DATE);
		if (ps_parse_date(f->text, f->len, &d))
			return PROBLEM(K_DATE, PROMSTAT_REJECT_NOT_NUMBER,
				       "date \"%.*s\" is not a real date written YYYY-MM-DD",
				       VALUE_SHOWN, f->text);
		f = field(c, rec, K_TREATMENT_DATE);
		if (ps_parse_date(f->text, f->len, &t))
			return PROBLEM(K_TREATMENT_DATE, PROMSTAT_REJECT_NOT_NUMBER,
				       "treatment_date \"%.*s\" is not a real date written "
				       "YYYY-MM-DD",
				       VALUE_SHOWN, f->text);
		v->day = d - t;
		if (v->day < -DAY_LIMIT || v->day > DAY_LIMIT)
			return PROBLEM(K_DATE, PROMSTAT_REJECT_OUT_OF_RANGE,
				       "date is %ld days from treatment_date, more than a century",
				       v->day);
	}

	f = field(c, rec, K_INSTRUMENT);
	v->instrument = find_instrument(c->cat, inst_cache, f);
	if (v->instrument < 0)
		return PROBLEM(K_INSTRUMENT, PROMSTAT_REJECT_UNKNOWN_INSTRUMENT,
			       "instrument \"%.*s\" is not in the instrument catalogue (codes "
			       "are case-sensitive, e.g. PAIN_NRS)",
			       VALUE_SHOWN, f->text);
	inst = promstat_catalogue_get(c->cat, (size_t)v->instrument);

	f = field(c, rec, K_SCORE);
	if (ps_parse_double(f->text, f->len, &v->score))
		return PROBLEM(K_SCORE, PROMSTAT_REJECT_NOT_NUMBER,
			       "score \"%.*s\" is not a number (write digits with a decimal "
			       "point, no spaces, units or decimal comma)",
			       VALUE_SHOWN, f->text);
	if (v->score < inst->min || v->score > inst->max)
		return PROBLEM(K_SCORE, PROMSTAT_REJECT_OUT_OF_RANGE,
			       "score \"%.*s\" is outside %s's range %g to %g", VALUE_SHOWN,
			       f->text, inst->code, inst->min, inst->max);

	f = field(c, rec, K_AGE);
	if (f && f->len) {
		if (ps_parse_double(f->text, f->len, &v->age))
			return PROBLEM(K_AGE, PROMSTAT_REJECT_NOT_NUMBER,
				       "age \"%.*s\" is not a number of years", VALUE_SHOWN,
				       f->text);
		if (v->age < 0 || v->age > AGE_MAX)
			return PROBLEM(K_AGE, PROMSTAT_REJECT_OUT_OF_RANGE,
				       "age %.*s is not between 0 and %g years", VALUE_SHOWN,
				       f->text, AGE_MAX);
	}
	f = field(c, rec, K_ANCHOR);
	if (f && f->len) {
		if (ps_parse_long(f->text, f->len, LONG_MIN, LONG_MAX, &v->anchor))
			return PROBLEM(K_ANCHOR, PROMSTAT_REJECT_NOT_NUMBER,
				       "anchor \"%.*s\" is not a whole number (a global rating "
				       "of change)",
				       VALUE_SHOWN, f->text);
		if (v->anchor < -ANCHOR_LIMIT || v->anchor > ANCHOR_LIMIT)
			return PROBLEM(K_ANCHOR, PROMSTAT_REJECT_OUT_OF_RANGE,
				       "anchor %ld is outside %ld to %ld", v->anchor, -ANCHOR_LIMIT,
				       ANCHOR_LIMIT);
	}
	f = field(c, rec, K_SATISFIED);
	if (f && f->len) {
		if (f->len != 1 || (f->text[0] != '0' && f->text[0] != '1'))
			return PROBLEM(K_SATISFIED, PROMSTAT_REJECT_OUT_OF_RANGE,
				       "satisfied \"%.*s\" must be 0 (no), 1 (yes) or empty",
				       VALUE_SHOWN, f->text);
		v->satisfied = f->text[0] - '0';
	}
	return 0;
}

/* A row checked ahead by the reading thread. */
typedef struct prepared_row {
	row_values v;
	int ok; /* the row passed check_row; otherwise it is checked again */
} prepared_row;

/* The reading thread's side of check_row (see ps_csv_prepare): a row
 * with a problem is left to data_row, which reports it. */
static void prepare_row(const ps_csv_record *rec, void *out, void *ctx)
{
	ingest *c = ctx;
	prepared_row *p = out;

	p->ok = rec->nfields == c->ncols &&
		check_row(c, rec, c->prep_inst_cache, &p->v, NULL) == 0;
}

static int data_row(ingest *c, const ps_csv_record *rec, promstat_error *err)
{
	promstat_registry *reg = c->reg;
	const ps_csv_field *f;
	const promstat_instrument *inst;
	const prepared_row *prep = rec->prepared;
	row_values val;
	long instrument, day, anchor, satisfied, uidx = -1;
	long patient, episode, therapy;
	double score, age;
	ps_unit *u;
	ps_obs *o;
	size_t j;

	reg->counts.rows_read++;
	if (rec->nfields != c->ncols) {
		/* Point at the first missing or the first surplus field. */
		size_t at = rec->nfields < c->ncols ? rec->nfields : c->ncols;
		unsigned long line = !rec->nfields	   ? rec->line
				     : at < rec->nfields ? rec->fields[at].line
							 : rec->fields[at - 1].line;
		return reject(c, rec, PROMSTAT_REJECT_FIELD_COUNT, line, (unsigned long)at + 1, err,
			      "this row has %zu field%s but the header has %zu", rec->nfields,
			      rec->nfields == 1 ? "" : "s", c->ncols);
	}
	if (prep && prep->ok) {
		val = prep->v;
	} else {
		row_problem pb;
		if (check_row(c, rec, c->inst_cache, &val, &pb))
			return REJECT_AT(pb.k, pb.reason, "%s", pb.message);
	}
	instrument = val.instrument;
	day = val.day;
	anchor = val.anchor;
	satisfied = val.satisfied;
	score = val.score;
	age = val.age;
	inst = promstat_catalogue_get(c->cat, (size_t)instrument);

	/* The unit: most often that of the row before; otherwise strings not
	 * yet in the pool belong to no unit so far. */
	if (c->last_unit >= 0 && same_text(reg, reg->units[c->last_unit].patient,
					    field(c, rec, K_PATIENT)) &&
	    same_text(reg, reg->units[c->last_unit].episode, field(c, rec, K_EPISODE))) {
		uidx = c->last_unit;
	} else {
		f = field(c, rec, K_PATIENT);
		patient = ps_strpool_find(reg->pool, f->text, f->len);
		f = field(c, rec, K_EPISODE);
		episode = intern_cached(c, K_EPISODE, f, 1);
		if (patient >= 0 && episode >= 0)
			uidx = unit_find(c, patient, episode);
	}
	if (uidx >= 0) {
		u = &reg->units[uidx];
		f = field(c, rec, K_THERAPY);
		if (!same_text(reg, u->therapy, f))
			return REJECT_AT(K_THERAPY, PROMSTAT_REJECT_INCONSISTENT_UNIT,
					 "therapy \"%.*s\" differs from \"%.*s\" given for this "
					 "patient and episode on line %lu",
					 VALUE_SHOWN, f->text, VALUE_SHOWN,
					 ps_strpool_get(reg->pool, u->therapy), c->side[uidx].line);
		/* An empty age agrees with any; the first stated age is the unit's. */
		if (!isnan(age) && !isnan(u->age) && age != u->age)
			return REJECT_AT(K_AGE, PROMSTAT_REJECT_INCONSISTENT_UNIT,
					 "age %.*s differs from %g given earlier for this patient "
					 "and episode (first row on line %lu)",
					 VALUE_SHOWN, field(c, rec, K_AGE)->text, u->age,
					 c->side[uidx].line);
		{
			unit_side *sd = &c->side[uidx];
			long dup;
			if (uidx != c->cur_unit && sd->count != UNIT_GLOBAL) {
				/* back after other units: its observations, still
				 * contiguous, move to the global table for good */
				size_t k;
				for (k = sd->first; k < (size_t)sd->first + sd->count; k++)
					if (table_put(&c->global, reg->obs, k, (uint32_t)uidx))
						return nomem(c, rec, err);
				sd->count = UNIT_GLOBAL;
			}
			if (sd->count != UNIT_GLOBAL)
				dup = local_duplicate(c, sd, instrument, day);
			else
				dup = table_find(&c->global, reg->obs, (uint32_t)uidx,
						 (uint32_t)instrument, (int32_t)day);
			if (dup == -2)
				return nomem(c, rec, err);
			if (dup >= 0)
				return REJECT_AT(K_INSTRUMENT, PROMSTAT_REJECT_DUPLICATE,
						 "%s on day %ld for this patient and episode was "
						 "already recorded on line %lu; the first is kept",
						 inst->code, day, (unsigned long)c->obs_line[dup]);
		}
	}

	/* Accepted: only now do its strings enter the pool. */
	if (uidx < 0) {
		int st;
		if ((patient = intern(c, field(c, rec, K_PATIENT))) < 0 ||
		    (episode = intern_cached(c, K_EPISODE, field(c, rec, K_EPISODE), 0)) < 0)
			return nomem(c, rec, err);
		if ((st = new_unit(c, rec, (int32_t)patient, (int32_t)episode, err)))
			return st;
		uidx = (long)reg->n_units - 1;
		if ((therapy = intern_cached(c, K_THERAPY, field(c, rec, K_THERAPY), 0)) < 0)
			return nomem(c, rec, err);
		reg->units[uidx].therapy = (int32_t)therapy;
	}
	u = &reg->units[uidx];
	if (isnan(u->age))
		u->age = age;
	if (fill_first(c, K_SEX, field(c, rec, K_SEX), &u->sex) ||
	    fill_first(c, K_PROVIDER, field(c, rec, K_PROVIDER), &u->provider) ||
	    fill_first(c, K_SITE, field(c, rec, K_SITE), &u->site))
		return nomem(c, rec, err);
	for (j = 0; j < reg->n_extra; j++)
		if (fill_first(c, -1, &rec->fields[c->extra_col[j]],
			       &reg->extra[(size_t)uidx * reg->n_extra + j]))
			return nomem(c, rec, err);
	f = field(c, rec, K_AE);
	if (f && f->len)
		u->ae = 1;
	if (satisfied >= 0)
		u->satisfied = (int8_t)satisfied;

	if (reg->n_obs >= UINT32_MAX - 1)
		return ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0,
				"too many observations for one registry");
	if (rec->line > UINT32_MAX)
		return ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0,
				"more than %lu lines: split the extract", (unsigned long)UINT32_MAX);
	if (ps_reserve((void **)&reg->obs, &reg->obs_cap, reg->n_obs + 1, sizeof *reg->obs) ||
	    ps_reserve((void **)&c->obs_line, &c->obs_line_cap, reg->n_obs + 1,
		       sizeof *c->obs_line))
		return nomem(c, rec, err);
	if (uidx != c->last_unit) {
		if (ps_reserve((void **)&c->runs, &c->runs_cap, c->n_runs + 1, sizeof *c->runs))
			return nomem(c, rec, err);
		c->runs[c->n_runs].start = (uint32_t)reg->n_obs;
		c->runs[c->n_runs++].unit = (uint32_t)uidx;
	}
	o = &reg->obs[reg->n_obs];
	o->instrument = (uint16_t)instrument;
	o->day = (int32_t)day;
	o->anchor = (int16_t)anchor;
	o->score = score;
	c->obs_line[reg->n_obs] = (uint32_t)rec->line;
	if (uidx != c->cur_unit) {
		/* A unit that is not global here is new (see the check above),
		 * so its observations start at this one. */
		table_reset(&c->local);
		c->cur_unit = c->side[uidx].count == UNIT_GLOBAL ? -1 : uidx;
		c->cur_ascending = 1;
	}
	if (c->side[uidx].count == UNIT_GLOBAL) {
		if (table_put(&c->global, reg->obs, reg->n_obs, (uint32_t)uidx))
			return nomem(c, rec, err);
	} else if (++c->side[uidx].count > LOCAL_SCAN && !c->cur_ascending) {
		/* past the few a scan handles: the unit's table */
		if (local_catch_up(c, &c->side[uidx]))
			return nomem(c, rec, err);
	}
	c->cur_day = (int32_t)day;
	c->last_unit = uidx;
	reg->n_obs++;
	reg->counts.rows_accepted++;
	return PROMSTAT_OK;
}

static int on_record(const ps_csv_record *rec, void *ctx, promstat_error *err)
{
	ingest *c = ctx;

	if (!c->have_header)
		return header(c, rec, err);
	return data_row(c, rec, err);
}

/* ---- after reading ---- */

static int obs_cmp(const void *a_, const void *b_)
{
	const ps_obs *a = a_, *b = b_;

	if (a->instrument != b->instrument)
		return a->instrument < b->instrument ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return 0;
}

/* Sorts one unit's observations by (instrument, day): insertion sort for
 * the usual handful, qsort for long runs. */
static void sort_unit(ps_obs *o, size_t n)
{
	size_t i, j;

	if (n > 32) {
		qsort(o, n, sizeof *o, obs_cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		ps_obs x = o[i];
		for (j = i; j > 0 && obs_cmp(&o[j - 1], &x) > 0; j--)
			o[j] = o[j - 1];
		o[j] = x;
	}
}

/*
 * Groups the observations by unit (unit_start) and sorts each unit's by
 * (instrument, day). When every unit was read in one run the observations
 * are grouped already; otherwise the runs are copied, once, into a new
 * array in unit order (a counting sort: linear, and the only time a
 * registry holds its observations twice).
 */
static int group_obs(ingest *c, promstat_error *err)
{
	promstat_registry *reg = c->reg;
	size_t *start, i, u;

	start = ps_calloc(reg->n_units + 1, sizeof *start);
	if (!start)
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	reg->unit_start = start;
	for (i = 0; i < c->n_runs; i++) {
		size_t end = i + 1 < c->n_runs ? c->runs[i + 1].start : reg->n_obs;
		start[c->runs[i].unit + 1] += end - c->runs[i].start;
	}
	for (u = 0; u < reg->n_units; u++)
		start[u + 1] += start[u];
	if (c->n_runs != reg->n_units) {
		ps_obs *to = ps_malloc((reg->n_obs ? reg->n_obs : 1) * sizeof *to);
		size_t *next = ps_malloc((reg->n_units ? reg->n_units : 1) * sizeof *next);
		if (!to || !next) {
			ps_free(to);
			ps_free(next);
			return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
		}
		memcpy(next, start, reg->n_units * sizeof *next);
		for (i = 0; i < c->n_runs; i++) {
			size_t from = c->runs[i].start;
			size_t end = i + 1 < c->n_runs ? c->runs[i + 1].start : reg->n_obs;
			memcpy(to + next[c->runs[i].unit], reg->obs + from, (end - from) * sizeof *to);
			next[c->runs[i].unit] += end - from;
		}
		ps_free(next);
		ps_free(reg->obs);
		reg->obs = to;
		reg->obs_cap = reg->n_obs;
	}
	for (u = 0; u < reg->n_units; u++)
		sort_unit(reg->obs + start[u], start[u + 1] - start[u]);
	return PROMSTAT_OK;
}

/* Groups observations by unit in (instrument, day) order and counts patients. */
static int finish(ingest *c, promstat_error *err)
{
	promstat_registry *reg = c->reg;
	size_t i, npool = ps_strpool_count(reg->pool);
	unsigned char *seen;
	int st;

	if ((st = group_obs(c, err)))
		return st;
	seen = ps_calloc(npool ? npool : 1, 1);
	if (!seen)
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	reg->n_patients = 0;
	for (i = 0; i < reg->n_units; i++) {
		long p = reg->units[i].patient;
		if (!seen[p]) {
			seen[p] = 1;
			reg->n_patients++;
		}
	}
	ps_free(seen);
	return PROMSTAT_OK;
}

int promstat_registry_read(FILE *in, const char *name, const promstat_catalogue *cat,
			   const promstat_ingest_options *opt, promstat_registry **out,
			   promstat_error *err)
{
	ingest c;
	int st;

	if (out)
		*out = NULL;
	if (!in || !cat || !out)
		return ps_error(err, PROMSTAT_EINVAL, name, 0, 0,
				"promstat_registry_read needs an input, a catalogue and a result");
	if (!name)
		name = "(input)";
	memset(&c, 0, sizeof c);
	c.name = name;
	c.cat = cat;
	c.opt = opt;
	c.last_unit = c.cur_unit = -1;
	if ((st = parse_map(&c, err)))
		return st;
	if (promstat_catalogue_count(cat) > UINT16_MAX)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"the instrument catalogue has more than %u instruments",
				(unsigned)UINT16_MAX);
	c.reg = ps_calloc(1, sizeof *c.reg);
	if (!c.reg || !(c.reg->pool = ps_strpool_new())) {
		ps_free(c.reg);
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	}
	c.reg->cat = cat;
	c.prep.fn = prepare_row;
	c.prep.ctx = &c;
	c.prep.size = sizeof(prepared_row);
	st = ps_csv_read_prepared(in, name, opt ? opt->chunk : 0, on_record, &c, c.reg->sha256,
				  &c.prep, err);
	if (!st && !c.have_header)
		st = ps_error(err, PROMSTAT_EDATA, name, 1, 0,
			      "the file is empty: a header line (patient_id,therapy,day,"
			      "instrument,score,...) is required");
	ps_free(c.uslots);
	ps_free(c.first_unit);
	ps_free(c.local.slots);
	ps_free(c.global.slots);
	ps_free(c.side);
	ps_free(c.obs_line);
	ps_free(c.extra_col);
	if (!st)
		st = finish(&c, err);
	ps_free(c.runs);
	if (st) {
		promstat_registry_free(c.reg);
		return st;
	}
	*out = c.reg;
	return PROMSTAT_OK;
}

void promstat_registry_free(promstat_registry *reg)
{
	size_t i;

	if (!reg)
		return;
	ps_strpool_free(reg->pool);
	ps_free(reg->units);
	ps_free(reg->obs);
	ps_free(reg->unit_start);
	if (reg->extra_names)
		for (i = 0; i < reg->n_extra; i++)
			ps_free(reg->extra_names[i]);
	ps_free(reg->extra_names);
	ps_free(reg->extra);
	ps_free(reg);
}

const promstat_ingest_counts *promstat_registry_counts(const promstat_registry *reg)
{
	return reg ? &reg->counts : NULL;
}
