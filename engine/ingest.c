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
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry.h"

enum {
	K_PATIENT, K_THERAPY, K_DAY, K_INSTRUMENT, K_SCORE, K_AGE, K_EPISODE, K_SEX,
	K_PROVIDER, K_SITE, K_ANCHOR, K_AE, K_SATISFIED, K_DATE, K_TREATMENT_DATE, K_DOB,
	K_NCOLS
};
static const char *const canon[K_NCOLS] = {
	"patient_id", "therapy", "day", "instrument", "score", "age", "episode", "sex",
	"provider", "site", "anchor", "ae", "satisfied", "date", "treatment_date", "date_of_birth"
};

/* Columns whose values are levels: trimmed, matched ignoring case, the
 * first spelling naming the level (ae is one too: its levels are the event
 * codes). Stratum columns follow them, from L_NFIXED on. */
enum { L_THERAPY, L_SEX, L_PROVIDER, L_SITE, L_AE, L_NFIXED };
static const int level_canon[L_NFIXED] = { K_THERAPY, K_SEX, K_PROVIDER, K_SITE, K_AE };

/* The optional values check_row may set missing, see row_values.ignored. */
enum { IG_AGE, IG_ANCHOR, IG_SATISFIED, IG_DOB, IG_N };
static const int ignored_canon[IG_N] = { K_AGE, K_ANCHOR, K_SATISFIED, K_DOB };

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
	"unknown_instrument", "inconsistent_unit", "duplicate", "not_a_date"
};

static const char *const ignore_names[PROMSTAT_IGNORE_NREASONS] = {
	"not_a_number", "out_of_range", "not_a_date", "not_yes_no", "inconsistent_unit",
	"disagrees_with_date_of_birth"
};

const char *promstat_ignore_reason_name(int reason)
{
	if (reason < 0 || reason >= PROMSTAT_IGNORE_NREASONS)
		return "unknown";
	return ignore_names[reason];
}

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
	long tdate;	    /* its index treatment_date (days), LONG_MIN when none */
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

/*
 * The spellings of one level column. A spelling (the bytes as written) is
 * looked up through a small cache, so a row costs one comparison; a new
 * one is trimmed, recoded, folded to lower case and so finds its level's
 * key, whose level (a pool id) is its first spelling, trimmed.
 */
typedef struct level_col {
	const char *name;	/* column name for reports */
	ps_strpool *spell;	/* spellings as written */
	int32_t *spell_key;	/* key id, -1: no level (blank, or an ae meaning none) */
	int32_t *spell_recode;	/* recode that applied, or -1 */
	size_t *spell_rows;	/* accepted rows that looked it up */
	size_t spell_cap;
	ps_strpool *keys;	/* trimmed, recoded, lower-cased forms */
	int32_t *key_level;	/* pool id of each key's level */
	size_t key_cap, n_keys_set;
	long cache[VALUE_CACHE]; /* spelling id + 1 */
} level_col;

/* The last value seen of sex, provider or site, when it was its unit's
 * own spelling. */
typedef struct echo_val {
	long unit; /* -1: none */
	size_t len;
	char b[16];
} echo_val;

/* A --recode COLUMN=FROM:TO, or a row of the --recode-file. */
typedef struct recode {
	char *text;	     /* as given, for reports */
	char *column, *from, *to; /* from and to trimmed */
	long lc;	     /* level column, -1 for instrument, -2 until the header is read */
	long inst;	     /* for instrument: the catalogue index of to */
	size_t used;	     /* accepted rows it changed */
} recode;

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

	level_col *lv;		      /* L_NFIXED + n_extra level columns */
	size_t n_lv;
	recode *recodes;
	size_t n_recodes, recodes_cap;
	int have_inst_recode;
	char **ae_none;		      /* lower-case values of ae meaning no event */
	size_t n_ae_none;
	char *tmp;		      /* scratch for folding a value */
	size_t tmp_cap;
	int date_format;
	size_t ignored[K_NCOLS][PROMSTAT_IGNORE_NREASONS];
	size_t conflicts_satisfied, conflicts_treatment_date;
	ps_strpool *rej_patients;     /* patient_ids of rejected rows */
	ps_strpool *rej_units;	      /* and patient_id "\x1f" episode */
	char **notes;
	size_t n_notes, notes_cap;
	ps_csv_encoding enc;	      /* what reading found of the text encoding */
	echo_val echo[3];	      /* sex, provider, site: see echo_same */
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
					"anchor, ae, satisfied, date, treatment_date, date_of_birth)",
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

/* Trims spaces and tabs from both ends of s[0..*len), moving s. */
static const char *trim(const char *s, size_t *len)
{
	while (*len && (*s == ' ' || *s == '\t')) {
		s++;
		(*len)--;
	}
	while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
		(*len)--;
	return s;
}

static char *dup_trimmed(const char *s, size_t len)
{
	s = trim(s, &len);
	return ps_strndup(s, len);
}

/* Adds the recode column=from:to (text: how the user wrote it). */
static int add_recode(ingest *c, const char *text, const char *col, size_t col_len,
		      const char *from, size_t from_len, const char *to, size_t to_len)
{
	recode *r;

	if (ps_reserve((void **)&c->recodes, &c->recodes_cap, c->n_recodes + 1,
		       sizeof *c->recodes))
		return -1;
	r = &c->recodes[c->n_recodes];
	memset(r, 0, sizeof *r);
	r->lc = -2;
	r->text = ps_strdup(text);
	r->column = dup_trimmed(col, col_len);
	r->from = dup_trimmed(from, from_len);
	r->to = dup_trimmed(to, to_len);
	c->n_recodes++;
	if (!r->text || !r->column || !r->from || !r->to)
		return -1;
	return 0;
}

/* Checks and records the --recode options ("column=from:to"). */
static int parse_recodes(ingest *c, promstat_error *err)
{
	size_t i;

	for (i = 0; c->opt && i < c->opt->nrecode; i++) {
		const char *m = c->opt->recode ? c->opt->recode[i] : NULL;
		const char *eq = m ? strchr(m, '=') : NULL;
		const char *colon = eq ? strrchr(eq, ':') : NULL;
		size_t fl, tl;
		if (!eq || eq == m || !colon) {
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"--recode \"%s\": write it as COLUMN=FROM:TO, e.g. "
					"therapy=Hyaluronic Acid:HA",
					m ? m : "");
		}
		fl = (size_t)(colon - eq - 1);
		tl = strlen(colon + 1);
		trim(eq + 1, &fl);
		trim(colon + 1, &tl);
		if (!fl || !tl)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"--recode \"%s\": FROM and TO must not be empty", m);
		if (add_recode(c, m, m, (size_t)(eq - m), eq + 1, (size_t)(colon - eq - 1),
			       colon + 1, strlen(colon + 1)))
			return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	}
	return PROMSTAT_OK;
}

/* Reading the --recode-file: a header column,from,to, then one recode a row. */
typedef struct recode_file {
	ingest *c;
	const char *name;
	long col[3];
	size_t ncols;
} recode_file;

static int recode_record(const ps_csv_record *rec, void *ctx, promstat_error *err)
{
	static const char *const names[3] = { "column", "from", "to" };
	recode_file *rf = ctx;
	const ps_csv_field *f[3];
	char *text;
	size_t i, len;
	int k, st;

	if (rec->number == 1) {
		for (k = 0; k < 3; k++)
			rf->col[k] = -1;
		for (i = 0; i < rec->nfields; i++)
			for (k = 0; k < 3; k++)
				if (!strcasecmp(rec->fields[i].text, names[k]))
					rf->col[k] = (long)i;
		rf->ncols = rec->nfields;
		for (k = 0; k < 3; k++)
			if (rf->col[k] < 0)
				return ps_error(err, PROMSTAT_EDATA, rf->name, rec->line, 0,
						"a recode file needs the header column,from,to "
						"(no \"%s\" column)",
						names[k]);
		return PROMSTAT_OK;
	}
	if (rec->nfields != rf->ncols)
		return ps_error(err, PROMSTAT_EDATA, rf->name, rec->line, 0,
				"this row has %zu fields but the header has %zu", rec->nfields,
				rf->ncols);
	for (k = 0; k < 3; k++) {
		f[k] = &rec->fields[rf->col[k]];
		len = f[k]->len;
		trim(f[k]->text, &len);
		if (!len)
			return ps_error(err, PROMSTAT_EDATA, rf->name, f[k]->line,
					(unsigned long)rf->col[k] + 1, "%s is empty", names[k]);
	}
	len = f[0]->len + f[1]->len + f[2]->len + 3;
	if (!(text = ps_malloc(len)))
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	snprintf(text, len, "%s=%s:%s", f[0]->text, f[1]->text, f[2]->text);
	st = add_recode(rf->c, text, f[0]->text, f[0]->len, f[1]->text, f[1]->len, f[2]->text,
			f[2]->len);
	ps_free(text);
	if (st)
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	return PROMSTAT_OK;
}

static int load_recode_file(ingest *c, promstat_error *err)
{
	recode_file rf;
	FILE *f;
	int st;

	if (!c->opt || !c->opt->recode_file)
		return PROMSTAT_OK;
	if (!(f = fopen(c->opt->recode_file, "rb")))
		return ps_error(err, PROMSTAT_EOPEN, c->opt->recode_file, 0, 0, "cannot open: %s",
				strerror(errno));
	memset(&rf, 0, sizeof rf);
	rf.c = c;
	rf.name = c->opt->recode_file;
	st = ps_csv_read(f, rf.name, 0, recode_record, &rf, err);
	fclose(f);
	return st;
}

/* Splits the ae "no event" list (comma-separated) into lower-case values. */
static int parse_ae_none(ingest *c, promstat_error *err)
{
	const char *list = c->opt && c->opt->ae_none ? c->opt->ae_none : PROMSTAT_AE_NONE_DEFAULT;
	const char *p = list;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p), j;
		const char *t = trim(p, &len);
		if (len) {
			char *v;
			v = ps_strndup(t, len);
			if (!v)
				goto nomem;
			for (j = 0; j < len; j++)
				v[j] = (char)tolower((unsigned char)v[j]);
			{
				char **n = ps_realloc(c->ae_none, (c->n_ae_none + 1) * sizeof *n);
				if (!n) {
					ps_free(v);
					goto nomem;
				}
				c->ae_none = n;
			}
			c->ae_none[c->n_ae_none++] = v;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return PROMSTAT_OK;
nomem:
	return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
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

static int nomem(ingest *c, const ps_csv_record *rec, promstat_error *err);

/* Adds a sentence about the whole file to the report. */
static int note(ingest *c, const char *fmt, ...) PS_PRINTF(2, 3);
static int note(ingest *c, const char *fmt, ...)
{
	char buf[PROMSTAT_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (ps_reserve((void **)&c->notes, &c->notes_cap, c->n_notes + 1, sizeof *c->notes) ||
	    !(c->notes[c->n_notes] = ps_strdup(buf)))
		return -1;
	c->n_notes++;
	return 0;
}

/* A header name reduced to lower-case letters and digits. */
static size_t squash(const char *s, size_t len, char *out, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < cap; i++)
		if (isalnum((unsigned char)s[i]))
			out[n++] = (char)tolower((unsigned char)s[i]);
	out[n] = '\0';
	return n;
}

/* Levenshtein distance of two short strings, capped at 9. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, row[64], prev, t;

	if (la > 62 || lb > 62)
		return 9;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			t = row[j];
			row[j] = a[i - 1] == b[j - 1] ? prev
						      : 1 + (prev < row[j] ? (prev < row[j - 1] ? prev
												: row[j - 1])
									   : (row[j] < row[j - 1] ? row[j]
												  : row[j - 1]));
			prev = t;
		}
	}
	return row[lb] > 9 ? 9 : row[lb];
}

/*
 * How near header name h (squashed) is to canonical column k: 0 for one of
 * its usual names in exports, 1 when it contains one, 2 + the edit distance
 * when that is small; -1 when it is not near at all.
 */
static int nearness(int k, const char *h)
{
	static const char *const names[K_NCOLS][10] = {
		[K_PATIENT] = { "patientid", "patient", "pid", "mrn", "subject", "subjectid",
				"patientnumber", "caseid", "id", NULL },
		[K_THERAPY] = { "therapy", "treatment", "intervention", "product", "injection",
				"procedure", "treatmenttype", NULL },
		[K_DAY] = { "day", "days", "visitday", "studyday", "followupday", "daysince",
			    "dayspost", NULL },
		[K_DATE] = { "date", "visitdate", "assessmentdate", "surveydate", "responsedate",
			     "completiondate", "completed", "visit", NULL },
		[K_TREATMENT_DATE] = { "treatmentdate", "injectiondate", "proceduredate",
				       "indexdate", "surgerydate", "therapydate", NULL },
		[K_INSTRUMENT] = { "instrument", "questionnaire", "measure", "prom", "scale",
				   "outcome", "form", "instrumentcode", NULL },
		[K_SCORE] = { "score", "value", "result", "totalscore", "total", "points", NULL },
	};
	int i, best = -1;

	/* a date is never a count of days, nor a count of days a date */
	if ((k == K_DAY) == (strstr(h, "date") != NULL) && k != K_PATIENT && k != K_THERAPY &&
	    k != K_INSTRUMENT && k != K_SCORE)
		return -1;
	for (i = 0; i < 10 && names[k][i]; i++) {
		const char *n = names[k][i];
		size_t d;
		if (!strcmp(h, n))
			return 0;
		if (strlen(n) >= 4 && strstr(h, n))
			best = best < 0 || best > 1 ? 1 : best;
		d = edit_distance(h, n);
		if (strlen(n) >= 5 && d <= strlen(n) / 4 && (best < 0 || (int)(2 + d) < best))
			best = (int)(2 + d);
	}
	return best;
}

/* Appends to buf what --map needs to name header column h in a shell. */
static void shell_word(char *buf, size_t cap, const char *h)
{
	size_t n = strlen(buf), i;
	int plain = *h != '\0';

	for (i = 0; h[i]; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr("_.-/+%@", h[i]))
			plain = 0;
	if (plain) {
		snprintf(buf + n, cap - n, "%s", h);
		return;
	}
	if (n + 1 < cap)
		buf[n++] = '\'';
	for (i = 0; h[i] && n + 5 < cap; i++) {
		if (h[i] == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			buf[n++] = h[i];
		}
	}
	if (n + 1 < cap)
		buf[n++] = '\'';
	buf[n < cap ? n : cap - 1] = '\0';
}

/*
 * Names every missing required column at once, each with the nearest
 * header name not already used and the --map that would read it.
 */
static int missing_columns(ingest *c, const ps_csv_record *rec, promstat_error *err)
{
	int want[6], nwant = 0, i, k;
	char what[256] = "", has[PROMSTAT_MESSAGE_MAX / 2] = "", maps[PROMSTAT_MESSAGE_MAX / 2] = "";
	const char *label[6];
	long pick[6];
	unsigned char *used;
	size_t f, nmiss = 0;

	if (c->col[K_PATIENT] < 0)
		want[nwant] = K_PATIENT, label[nwant++] = "patient_id";
	if (c->col[K_THERAPY] < 0)
		want[nwant] = K_THERAPY, label[nwant++] = "therapy";
	if (c->col[K_DAY] < 0 && c->col[K_DATE] < 0 && c->col[K_TREATMENT_DATE] < 0)
		want[nwant] = K_DAY, label[nwant++] = "day (or date and treatment_date)";
	else if (c->col[K_DAY] < 0 && c->col[K_DATE] < 0)
		want[nwant] = K_DATE, label[nwant++] = "date (or day)";
	else if (c->col[K_DAY] < 0 && c->col[K_TREATMENT_DATE] < 0)
		want[nwant] = K_TREATMENT_DATE, label[nwant++] = "treatment_date (or day)";
	if (c->col[K_INSTRUMENT] < 0)
		want[nwant] = K_INSTRUMENT, label[nwant++] = "instrument";
	if (c->col[K_SCORE] < 0)
		want[nwant] = K_SCORE, label[nwant++] = "score";
	if (!nwant)
		return PROMSTAT_OK;
	if (!(used = ps_calloc(rec->nfields + 1, 1)))
		return nomem(c, rec, err);
	for (i = 0; i < nwant; i++) {
		int kk[3] = { want[i], -1, -1 }, j;
		int best = -1;
		pick[i] = -1;
		/* a missing day can also be found as the two dates */
		if (want[i] == K_DAY)
			kk[1] = K_DATE, kk[2] = K_TREATMENT_DATE;
		for (j = 0; j < 3 && kk[j] >= 0; j++) {
			best = -1;
			for (f = 0; f < c->reg->n_extra; f++) {
				char sq[128];
				size_t col = c->extra_col[f];
				int d;
				if (used[col])
					continue;
				squash(rec->fields[col].text, rec->fields[col].len, sq, sizeof sq);
				d = nearness(kk[j], sq);
				if (d >= 0 && (best < 0 || d < best)) {
					best = d;
					pick[i] = (long)col;
				}
			}
			if (pick[i] >= 0) {
				used[pick[i]] = 1;
				k = kk[j];
				/* the day found as a date: say so in the --map */
				{
					size_t n = strlen(has);
					snprintf(has + n, sizeof has - n, "%s'%s'", *has ? ", " : "",
						 rec->fields[pick[i]].text);
					n = strlen(maps);
					snprintf(maps + n, sizeof maps - n, "%s--map %s=", *maps ? " " : "",
						 canon[k]);
					shell_word(maps, sizeof maps, rec->fields[pick[i]].text);
				}
				if (j > 0)
					pick[i] = -1; /* one date found: the other is still wanted */
				if (j == 0)
					break;
			}
		}
	}
	for (i = 0; i < nwant; i++) {
		size_t n = strlen(what);
		snprintf(what + n, sizeof what - n, "%s%s", i ? ", " : "", label[i]);
		nmiss++;
	}
	ps_free(used);
	if (*has)
		return ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0,
				"missing required column%s %s; the header has %s: e.g. %s",
				nmiss > 1 ? "s" : "", what, has, maps);
	return ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0,
			"missing required column%s %s (the header names none of them; use "
			"--map %s=COLUMN if it has another name)",
			nmiss > 1 ? "s" : "", what, canon[want[0]]);
}

/* Sets up the level columns and finds the column of each recode. */
static int level_columns(ingest *c, const ps_csv_record *rec, promstat_error *err)
{
	promstat_registry *reg = c->reg;
	size_t i, j;

	/* n_lv only once lv exists: free_reading walks n_lv entries */
	if (!(c->lv = ps_calloc(L_NFIXED + reg->n_extra, sizeof *c->lv)))
		return nomem(c, rec, err);
	c->n_lv = L_NFIXED + reg->n_extra;
	for (i = 0; i < c->n_lv; i++) {
		c->lv[i].name = i < L_NFIXED ? canon[level_canon[i]] : reg->extra_names[i - L_NFIXED];
		if (!(c->lv[i].spell = ps_strpool_new()) || !(c->lv[i].keys = ps_strpool_new()))
			return nomem(c, rec, err);
	}
	for (j = 0; j < c->n_recodes; j++) {
		recode *r = &c->recodes[j];
		r->lc = -2;
		if (!strcasecmp(r->column, "instrument")) {
			r->lc = -1;
			r->inst = promstat_catalogue_find(c->cat, r->to);
			if (r->inst < 0)
				r->inst = ps_catalogue_find_ci(c->cat, r->to, strlen(r->to));
			if (r->inst < 0)
				return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
						"recode %s: %s is not in the instrument catalogue",
						r->text, r->to);
			c->have_inst_recode = 1;
			continue;
		}
		for (i = 0; i < c->n_lv; i++)
			if (i != L_AE && !strcasecmp(r->column, c->lv[i].name))
				r->lc = (long)i;
		if (r->lc == -2)
			return ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0,
					"recode %s: the header has no column \"%s\" (recodes apply to "
					"therapy, sex, provider, site, instrument and stratum columns)",
					r->text, r->column);
	}
	return PROMSTAT_OK;
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
	if ((st = missing_columns(c, rec, err)))
		goto done;
	if ((st = level_columns(c, rec, err)))
		goto done;
	if (c->col[K_DAY] >= 0 && c->col[K_DATE] >= 0 &&
	    note(c, "the header has both day and date: day is used%s",
		 c->col[K_DOB] >= 0 ? ", and date only to find the index treatment for an age "
				      "from date_of_birth"
				    : "; date is not read")) {
		st = nomem(c, rec, err);
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

static void note_rejected(ingest *c, const ps_csv_record *rec);

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
	note_rejected(c, rec);
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
	c->side[idx].tdate = LONG_MIN;
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

/* What a row says once check_row has passed it. */
typedef struct row_values {
	double score, age; /* age NaN when empty or ignored */
	long day, instrument, anchor, satisfied;
	long date, tdate;  /* with date and treatment_date: both, in days; else LONG_MIN */
	long inst_recode;  /* the recode that gave the instrument, or -1 */
	double age_birth;  /* age from date_of_birth, NaN when none */
	/* the optional values set missing (IG_*): a promstat_ignore_reason + 1 */
	unsigned char ignored[IG_N];
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

/* Whether s[0..len), trimmed, is word ignoring case. */
static int word_is(const char *s, size_t len, const char *word)
{
	s = trim(s, &len);
	return strlen(word) == len && !strncasecmp(s, word, len);
}

/*
 * Index of the instrument code f names, or -1; *recoded is the recode
 * that gave it, or -1. Extracts list a few instruments over and over: a
 * small cache keyed by length and end characters saves hashing the code on
 * every row. A code written in another case or with spaces around is the
 * catalogue's code all the same.
 */
static long find_instrument(const ingest *c, long *cache, const ps_csv_field *f, long *recoded)
{
	size_t slot = cache_key(f) & (INSTRUMENT_CACHE - 1), r;
	long hit = cache[slot] - 1, found;

	*recoded = -1;
	if (c->have_inst_recode)
		for (r = 0; r < c->n_recodes; r++)
			if (c->recodes[r].lc == -1 && word_is(f->text, f->len, c->recodes[r].from)) {
				*recoded = (long)r;
				return c->recodes[r].inst;
			}
	if (hit >= 0 && ps_catalogue_code_is(c->cat, hit, f->text, f->len))
		return hit;
	found = ps_catalogue_find_n(c->cat, f->text, f->len);
	if (found >= 0)
		cache[slot] = found + 1;
	else
		found = ps_catalogue_find_ci(c->cat, f->text, f->len);
	return found;
}

/* satisfied as 1 or 0, or -1 when it is none of 1/0, yes/no, y/n, true/false. */
static long yes_no(const char *s, size_t len)
{
	static const char *const yes[] = { "1", "yes", "y", "true" };
	static const char *const no[] = { "0", "no", "n", "false" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (word_is(s, len, yes[i]))
			return 1;
		if (word_is(s, len, no[i]))
			return 0;
	}
	return -1;
}

/* The sentence for a date field that did not parse (code from
 * ps_parse_date_fmt). */
static int date_problem(row_problem *pb, int k, int code, const ps_csv_field *f, int format)
{
	static const char *const forms[] = { "YYYY-MM-DD", "D/M/YYYY (or YYYY-MM-DD)",
					     "M/D/YYYY (or YYYY-MM-DD)" };

	if (!pb)
		return -1;
	if (code == PS_DATE_IMPOSSIBLE)
		return problem(pb, k, PROMSTAT_REJECT_NOT_DATE,
			       "%s \"%.*s\" is not a real date (no such day)", canon[k],
			       VALUE_SHOWN, f->text);
	if (code == PS_DATE_NEEDS_FORMAT)
		return problem(pb, k, PROMSTAT_REJECT_NOT_DATE,
			       "%s \"%.*s\" is not written YYYY-MM-DD: give --date-format DMY "
			       "(day/month/year) or MDY (month/day/year) to read it",
			       canon[k], VALUE_SHOWN, f->text);
	return problem(pb, k, PROMSTAT_REJECT_NOT_DATE,
		       "%s \"%.*s\" is not a date written %s (a time after it is ignored)%s",
		       canon[k], VALUE_SHOWN, f->text, forms[format],
		       format == PS_DATE_ISO ? "; see --date-format for day/month/year" : "");
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
	long index_date = LONG_MIN;
	size_t j;
	int k, code;

	v->anchor = PS_NO_ANCHOR;
	v->satisfied = -1;
	v->age = v->age_birth = NAN;
	v->date = v->tdate = LONG_MIN;
	memset(v->ignored, 0, sizeof v->ignored);
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
		/* only to date an age from date_of_birth: not required */
		if (c->col[K_DOB] >= 0) {
			long d;
			f = field(c, rec, K_TREATMENT_DATE);
			if (f && !ps_parse_date_fmt(f->text, f->len, c->date_format, &d))
				index_date = d;
			else if ((f = field(c, rec, K_DATE)) &&
				 !ps_parse_date_fmt(f->text, f->len, c->date_format, &d))
				index_date = d - v->day;
		}
	} else {
		f = field(c, rec, K_DATE);
		if ((code = ps_parse_date_fmt(f->text, f->len, c->date_format, &v->date)))
			return date_problem(pb, K_DATE, code, f, c->date_format);
		f = field(c, rec, K_TREATMENT_DATE);
		if ((code = ps_parse_date_fmt(f->text, f->len, c->date_format, &v->tdate)))
			return date_problem(pb, K_TREATMENT_DATE, code, f, c->date_format);
		v->day = v->date - v->tdate;
		index_date = v->tdate;
		if (v->day < -DAY_LIMIT || v->day > DAY_LIMIT)
			return PROBLEM(K_DATE, PROMSTAT_REJECT_OUT_OF_RANGE,
				       "date is %ld days from treatment_date, more than a century",
				       v->day);
	}

	f = field(c, rec, K_INSTRUMENT);
	v->instrument = find_instrument(c, inst_cache, f, &v->inst_recode);
	if (v->instrument < 0)
		return PROBLEM(K_INSTRUMENT, PROMSTAT_REJECT_UNKNOWN_INSTRUMENT,
			       "instrument \"%.*s\" is not in the instrument catalogue (give "
			       "--recode instrument=%.*s:CODE if it is another name of one)",
			       VALUE_SHOWN, f->text, VALUE_SHOWN, f->text);
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

	/* Optional values: one that cannot be read is set missing, and the
	 * row kept; data_row reports it. */
	f = field(c, rec, K_AGE);
	if (f && f->len) {
		if (ps_parse_double(f->text, f->len, &v->age))
			v->ignored[IG_AGE] = PROMSTAT_IGNORE_NOT_NUMBER + 1;
		else if (v->age < 0 || v->age > AGE_MAX)
			v->ignored[IG_AGE] = PROMSTAT_IGNORE_OUT_OF_RANGE + 1;
		if (v->ignored[IG_AGE])
			v->age = NAN;
	}
	f = field(c, rec, K_DOB);
	if (f && f->len) {
		long born;
		if (ps_parse_date_fmt(f->text, f->len, c->date_format, &born)) {
			v->ignored[IG_DOB] = PROMSTAT_IGNORE_NOT_DATE + 1;
		} else if (index_date != LONG_MIN) {
			long y = ps_completed_years(born, index_date);
			if (y < 0 || y > AGE_MAX)
				v->ignored[IG_DOB] = PROMSTAT_IGNORE_OUT_OF_RANGE + 1;
			else
				v->age_birth = (double)y;
		}
		if (!isnan(v->age_birth)) {
			if (isnan(v->age) && !v->ignored[IG_AGE]) {
				v->age = v->age_birth;
			} else if (!isnan(v->age) && fabs(v->age - v->age_birth) > 1.0) {
				v->ignored[IG_AGE] = PROMSTAT_IGNORE_AGE_VS_BIRTH + 1;
				v->age = NAN;
			}
		}
	}
	f = field(c, rec, K_ANCHOR);
	if (f && f->len) {
		if (ps_parse_long(f->text, f->len, LONG_MIN, LONG_MAX, &v->anchor))
			v->ignored[IG_ANCHOR] = PROMSTAT_IGNORE_NOT_NUMBER + 1;
		else if (v->anchor < -ANCHOR_LIMIT || v->anchor > ANCHOR_LIMIT)
			v->ignored[IG_ANCHOR] = PROMSTAT_IGNORE_OUT_OF_RANGE + 1;
		if (v->ignored[IG_ANCHOR])
			v->anchor = PS_NO_ANCHOR;
	}
	f = field(c, rec, K_SATISFIED);
	if (f && f->len) {
		v->satisfied = f->len == 1 && (f->text[0] == '0' || f->text[0] == '1')
				       ? f->text[0] - '0'
				       : yes_no(f->text, f->len);
		if (v->satisfied < 0)
			v->ignored[IG_SATISFIED] = PROMSTAT_IGNORE_NOT_YES_NO + 1;
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

/* Reports a value of a kept row: counted under reason (unless -1, a
 * conflict only reported) and passed to opt->on_value. */
static void report_value(ingest *c, const ps_csv_record *rec, int k, int reason, const char *fmt,
			 ...) PS_PRINTF(5, 6);
static void report_value(ingest *c, const ps_csv_record *rec, int k, int reason, const char *fmt,
			 ...)
{
	promstat_error diag;
	va_list ap;

	if (reason >= 0)
		c->ignored[k][reason]++;
	if (!c->opt || !c->opt->on_value)
		return;
	promstat_error_clear(&diag);
	ps_error(&diag, PROMSTAT_EDATA, c->name, rec->fields[c->col[k]].line,
		 (unsigned long)c->col[k] + 1, "%s", "");
	va_start(ap, fmt);
	vsnprintf(diag.message, sizeof diag.message, fmt, ap);
	va_end(ap);
	c->opt->on_value(&diag, canon[k], reason, c->opt->on_value_ctx);
}

/* The messages of the optional values check_row set missing. */
static void report_ignored(ingest *c, const ps_csv_record *rec, const row_values *v)
{
	static const char *const why[PROMSTAT_IGNORE_NREASONS] = {
		[PROMSTAT_IGNORE_NOT_NUMBER] = "is not a number",
		[PROMSTAT_IGNORE_OUT_OF_RANGE] = "is out of range",
		[PROMSTAT_IGNORE_NOT_DATE] = "is not a real date",
		[PROMSTAT_IGNORE_NOT_YES_NO] = "is not 1/0, yes/no, y/n or true/false",
	};
	int i;

	for (i = 0; i < IG_N; i++) {
		int k = ignored_canon[i], r = v->ignored[i] - 1;
		const ps_csv_field *f;
		if (!v->ignored[i])
			continue;
		f = field(c, rec, k);
		if (r == PROMSTAT_IGNORE_AGE_VS_BIRTH)
			report_value(c, rec, k, r,
				     "age %.*s differs by more than a year from %g, the age at the "
				     "index treatment from date_of_birth; the row's age is set missing",
				     VALUE_SHOWN, f->text, v->age_birth);
		else if (k == K_AGE && r == PROMSTAT_IGNORE_OUT_OF_RANGE)
			report_value(c, rec, k, r,
				     "age %.*s is not between 0 and %g years; it is set missing and "
				     "the row kept",
				     VALUE_SHOWN, f->text, AGE_MAX);
		else if (k == K_ANCHOR && r == PROMSTAT_IGNORE_OUT_OF_RANGE)
			report_value(c, rec, k, r,
				     "anchor %.*s is outside %ld to %ld; it is set missing and the row "
				     "kept",
				     VALUE_SHOWN, f->text, -ANCHOR_LIMIT, ANCHOR_LIMIT);
		else if (k == K_DOB && r == PROMSTAT_IGNORE_OUT_OF_RANGE)
			report_value(c, rec, k, r,
				     "date_of_birth %.*s gives an age outside 0 to %g years at the "
				     "index treatment; it is set missing and the row kept",
				     VALUE_SHOWN, f->text, AGE_MAX);
		else if (k == K_ANCHOR)
			report_value(c, rec, k, r,
				     "anchor \"%.*s\" is not a whole number (a global rating of "
				     "change); it is set missing and the row kept",
				     VALUE_SHOWN, f->text);
		else
			report_value(c, rec, k, r,
				     "%s \"%.*s\" %s%s; it is set missing and the row kept", canon[k],
				     VALUE_SHOWN, f->text, why[r],
				     k == K_DOB ? " (see --date-format)"
				     : k == K_ANCHOR ? " (a whole number: a global rating of change)"
				     : k == K_AGE   ? " of years"
						    : "");
	}
}

/* Adds s to the pool of rejected ids (when it has room for one more). */
static void note_rejected(ingest *c, const ps_csv_record *rec)
{
	const ps_csv_field *p, *e;
	char *key;
	size_t n;

	if (c->col[K_PATIENT] < 0 || (size_t)c->col[K_PATIENT] >= rec->nfields)
		return;
	p = &rec->fields[c->col[K_PATIENT]];
	if (!p->len)
		return;
	e = c->col[K_EPISODE] >= 0 && (size_t)c->col[K_EPISODE] < rec->nfields
		    ? &rec->fields[c->col[K_EPISODE]]
		    : NULL;
	if ((!c->rej_patients && !(c->rej_patients = ps_strpool_new())) ||
	    (!c->rej_units && !(c->rej_units = ps_strpool_new())))
		return;
	/* out of memory here only loses a line of the report */
	ps_strpool_intern(c->rej_patients, p->text, p->len);
	n = p->len + 1 + (e ? e->len : 0);
	if (!(key = ps_malloc(n + 1)))
		return;
	memcpy(key, p->text, p->len);
	key[p->len] = '\x1f';
	if (e)
		memcpy(key + p->len + 1, e->text, e->len);
	ps_strpool_intern(c->rej_units, key, n);
	ps_free(key);
}

/* Whether f is what the last row of unit u held, which was the unit's own
 * spelling (see echo_val): a unit's rows repeat their sex, provider and
 * site, so this short compare saves a lookup in the pool on most rows. */
static int echo_same(const echo_val *e, long u, const ps_csv_field *f)
{
	size_t i;

	if (e->unit != u || e->len != f->len)
		return 0;
	for (i = 0; i < f->len; i++)
		if (e->b[i] != f->text[i])
			return 0;
	return 1;
}

static void echo_set(echo_val *e, long u, const ps_csv_field *f)
{
	if (f->len > sizeof e->b) {
		e->unit = -1;
		return;
	}
	e->unit = u;
	e->len = f->len;
	memcpy(e->b, f->text, f->len);
}

/*
 * The level of a row's value of level column lc: *level is its pool id
 * (-1 when blank, or an ae meaning none). Returns the spelling's id, -1
 * for an empty value, or -2 when out of memory.
 */
static long resolve(ingest *c, size_t lc, const ps_csv_field *f, int32_t *level);

/* The level column lc's spelling f (not yet known) is added: trimmed,
 * recoded, sex synonyms and ae's none list applied, then folded to lower
 * case to find or make its level. Returns its id, or -2 out of memory. */
static long new_spelling(ingest *c, size_t lc, const ps_csv_field *f)
{
	static const char *const female[] = { "f", "female", "w" };
	static const char *const male[] = { "m", "male" };
	level_col *L = &c->lv[lc];
	const char *t;
	size_t len = f->len, i;
	long id, key, recoded = -1, level = -1;

	if ((id = ps_strpool_intern(L->spell, f->text, f->len)) < 0)
		return -2;
	if ((size_t)id >= L->spell_cap) {
		size_t cap = L->spell_cap, c2 = cap;
		if (ps_reserve((void **)&L->spell_key, &c2, (size_t)id + 1, sizeof *L->spell_key))
			return -2;
		c2 = cap;
		if (ps_reserve((void **)&L->spell_recode, &c2, (size_t)id + 1,
			       sizeof *L->spell_recode))
			return -2;
		c2 = cap;
		if (ps_reserve((void **)&L->spell_rows, &c2, (size_t)id + 1, sizeof *L->spell_rows))
			return -2;
		L->spell_cap = c2;
	}
	L->spell_key[id] = -1;
	L->spell_recode[id] = -1;
	L->spell_rows[id] = 0;
	t = trim(f->text, &len);
	if (!len)
		return id;
	for (i = 0; i < c->n_recodes; i++)
		if (c->recodes[i].lc == (long)lc && word_is(t, len, c->recodes[i].from)) {
			recoded = (long)i;
			t = c->recodes[i].to;
			len = strlen(t);
			break;
		}
	if (lc == L_SEX && recoded < 0) {
		for (i = 0; i < 3; i++)
			if (word_is(t, len, female[i]))
				t = "F", len = 1;
		for (i = 0; i < 2; i++)
			if (word_is(t, len, male[i]))
				t = "M", len = 1;
	}
	if (ps_reserve((void **)&c->tmp, &c->tmp_cap, len + 1, 1))
		return -2;
	for (i = 0; i < len; i++)
		c->tmp[i] = (char)tolower((unsigned char)t[i]);
	if (lc == L_AE && recoded < 0)
		for (i = 0; i < c->n_ae_none; i++)
			if (strlen(c->ae_none[i]) == len && !memcmp(c->ae_none[i], c->tmp, len))
				return id; /* no event */
	if ((key = ps_strpool_intern(L->keys, c->tmp, len)) < 0)
		return -2;
	if ((size_t)key >= L->n_keys_set) {
		/* a new level (key ids are dense): named by this spelling, trimmed */
		if (ps_reserve((void **)&L->key_level, &L->key_cap, (size_t)key + 1,
			       sizeof *L->key_level) ||
		    (level = ps_strpool_intern(c->reg->pool, t, len)) < 0)
			return -2;
		L->key_level[key] = (int32_t)level;
		L->n_keys_set = (size_t)key + 1;
	}
	L->spell_key[id] = (int32_t)key;
	L->spell_recode[id] = (int32_t)recoded;
	return id;
}

static long resolve(ingest *c, size_t lc, const ps_csv_field *f, int32_t *level)
{
	level_col *L = &c->lv[lc];
	long *slot, id;

	*level = -1;
	if (!f || !f->len)
		return -1;
	slot = &L->cache[cache_key(f) & (VALUE_CACHE - 1)];
	if (*slot > 0 && ps_strpool_equal(L->spell, *slot - 1, f->text, f->len)) {
		id = *slot - 1;
	} else {
		id = ps_strpool_find(L->spell, f->text, f->len);
		if (id < 0 && (id = new_spelling(c, lc, f)) < 0)
			return -2;
		*slot = id + 1;
	}
	if (L->spell_key[id] >= 0)
		*level = L->key_level[L->spell_key[id]];
	return id;
}

/*
 * A kept row's value f of level column lc for unit uidx, whose level is
 * *d: fills *d when unknown, counts a merged spelling, reports a sex that
 * differs. The unit's own spelling, most rows, costs one compare (with the
 * unit's last row's through e, when given). Returns -1 out of memory.
 */
static inline int level_value(ingest *c, const ps_csv_record *rec, long uidx, size_t lc,
			      echo_val *e, const ps_csv_field *f, int32_t *d)
{
	promstat_registry *reg = c->reg;
	int32_t lev;
	long sp;

	if (!f || !f->len || (e && echo_same(e, uidx, f)))
		return 0;
	if (*d >= 0 && same_text(reg, *d, f)) {
		if (e)
			echo_set(e, uidx, f);
		return 0;
	}
	if ((sp = resolve(c, lc, f, &lev)) == -2)
		return -1;
	if (sp < 0 || lev < 0)
		return 0;
	c->lv[lc].spell_rows[sp]++;
	if (c->lv[lc].spell_recode[sp] >= 0)
		c->recodes[c->lv[lc].spell_recode[sp]].used++;
	if (*d < 0)
		*d = lev;
	else if (*d != lev && lc == L_SEX)
		report_value(c, rec, K_SEX, PROMSTAT_IGNORE_INCONSISTENT,
			     "sex \"%.*s\" differs from \"%s\" given earlier for this patient and "
			     "episode (first row on line %lu); the row's sex is ignored",
			     VALUE_SHOWN, f->text, ps_strpool_get(reg->pool, *d),
			     c->side[uidx].line);
	return 0;
}

static int data_row(ingest *c, const ps_csv_record *rec, promstat_error *err)
{
	promstat_registry *reg = c->reg;
	const ps_csv_field *f;
	const promstat_instrument *inst;
	const prepared_row *prep = rec->prepared;
	row_values val;
	long instrument, day, anchor, satisfied, uidx = -1, therapy_spell = -1;
	long patient, episode;
	int32_t therapy = -1;
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
	/* the therapy's level: the unit's own spelling needs no lookup */
	f = field(c, rec, K_THERAPY);
	if (uidx >= 0 && same_text(reg, reg->units[uidx].therapy, f)) {
		therapy = reg->units[uidx].therapy;
	} else {
		therapy_spell = resolve(c, L_THERAPY, f, &therapy);
		if (therapy_spell == -2)
			return nomem(c, rec, err);
		if (therapy < 0)
			return REJECT_AT(K_THERAPY, PROMSTAT_REJECT_MISSING,
					 "therapy \"%.*s\" is blank; every row needs one", VALUE_SHOWN,
					 f->text);
	}
	if (uidx >= 0) {
		unit_side *sd = &c->side[uidx];
		long dup;
		u = &reg->units[uidx];
		if (therapy != u->therapy)
			return REJECT_AT(K_THERAPY, PROMSTAT_REJECT_INCONSISTENT_UNIT,
					 "therapy \"%.*s\" differs from \"%.*s\" given for this "
					 "patient and episode on line %lu",
					 VALUE_SHOWN, f->text, VALUE_SHOWN,
					 ps_strpool_get(reg->pool, u->therapy), sd->line);
		/* a later treatment_date of the unit (a series of injections):
		 * days count from the unit's first, its index */
		if (val.tdate != LONG_MIN && sd->tdate != LONG_MIN && val.tdate != sd->tdate) {
			day = val.date - sd->tdate;
			if (day < -DAY_LIMIT || day > DAY_LIMIT)
				return REJECT_AT(K_DATE, PROMSTAT_REJECT_OUT_OF_RANGE,
						 "date is %ld days from this unit's index "
						 "treatment_date, more than a century",
						 day);
		}
		if (sd->count != UNIT_GLOBAL && uidx != c->cur_unit) {
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
			dup = table_find(&c->global, reg->obs, (uint32_t)uidx, (uint32_t)instrument,
					 (int32_t)day);
		if (dup == -2)
			return nomem(c, rec, err);
		if (dup >= 0)
			return REJECT_AT(K_INSTRUMENT, PROMSTAT_REJECT_DUPLICATE,
					 "%s on day %ld for this patient and episode was "
					 "already recorded on line %lu; the first is kept",
					 inst->code, day, (unsigned long)c->obs_line[dup]);
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
		reg->units[uidx].therapy = therapy;
		c->side[uidx].tdate = val.tdate;
	} else if (val.tdate != LONG_MIN && c->side[uidx].tdate != val.tdate) {
		c->conflicts_treatment_date++;
		report_value(c, rec, K_TREATMENT_DATE, -1,
			     "treatment_date %.*s is not this unit's index treatment_date (line "
			     "%lu): a later treatment; days are counted from the index",
			     VALUE_SHOWN, field(c, rec, K_TREATMENT_DATE)->text, c->side[uidx].line);
	}
	if (therapy_spell >= 0) {
		c->lv[L_THERAPY].spell_rows[therapy_spell]++;
		if (c->lv[L_THERAPY].spell_recode[therapy_spell] >= 0)
			c->recodes[c->lv[L_THERAPY].spell_recode[therapy_spell]].used++;
	}
	if (val.inst_recode >= 0)
		c->recodes[val.inst_recode].used++;
	u = &reg->units[uidx];
	if (val.ignored[IG_AGE] | val.ignored[IG_ANCHOR] | val.ignored[IG_SATISFIED] |
	    val.ignored[IG_DOB])
		report_ignored(c, rec, &val);
	/* An empty age agrees with any; the first stated age is the unit's. */
	if (!isnan(age) && !isnan(u->age) && age != u->age)
		report_value(c, rec, K_AGE, PROMSTAT_IGNORE_INCONSISTENT,
			     "age %g differs from %g given earlier for this patient and episode "
			     "(first row on line %lu); the row's age is ignored",
			     age, u->age, c->side[uidx].line);
	else if (isnan(u->age))
		u->age = age;
	if (level_value(c, rec, uidx, L_SEX, &c->echo[0], field(c, rec, K_SEX), &u->sex) ||
	    level_value(c, rec, uidx, L_PROVIDER, &c->echo[1], field(c, rec, K_PROVIDER),
			&u->provider) ||
	    level_value(c, rec, uidx, L_SITE, &c->echo[2], field(c, rec, K_SITE), &u->site))
		return nomem(c, rec, err);
	for (j = 0; j < reg->n_extra; j++)
		if (level_value(c, rec, uidx, L_NFIXED + j, NULL, &rec->fields[c->extra_col[j]],
				&reg->extra[(size_t)uidx * reg->n_extra + j]))
			return nomem(c, rec, err);
	f = field(c, rec, K_AE);
	if (f && f->len) {
		int32_t lev;
		long sp = resolve(c, L_AE, f, &lev);
		if (sp == -2)
			return nomem(c, rec, err);
		if (sp >= 0) {
			c->lv[L_AE].spell_rows[sp]++;
			if (lev >= 0)
				u->ae = 1;
		}
	}
	if (satisfied >= 0) {
		if (u->satisfied >= 0 && u->satisfied != satisfied) {
			c->conflicts_satisfied++;
			report_value(c, rec, K_SATISFIED, -1,
				     "satisfied %.*s differs from the value given earlier for this "
				     "patient and episode; the last one stated is the unit's",
				     VALUE_SHOWN, field(c, rec, K_SATISFIED)->text);
		}
		u->satisfied = (int8_t)satisfied;
	}

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

/* A string of the report, kept in the registry's report pool. */
static const char *keep(promstat_registry *reg, const char *s, size_t len)
{
	long id = ps_strpool_intern(reg->rpool, s, len);

	return id < 0 ? NULL : ps_strpool_get(reg->rpool, id);
}

/* Fills reg->report from what reading kept; -1 when out of memory. */
static int build_report(ingest *c)
{
	promstat_registry *reg = c->reg;
	promstat_ingest_report *rp = &reg->report;
	promstat_ignored_count *ig;
	promstat_merged_level *mg;
	promstat_value_count *ae, *sx;
	const char **ru, **pl, **nt;
	size_t i, j, k, n;
	int r;

	if (!(reg->rpool = ps_strpool_new()))
		return -1;
	/* values ignored, per column and reason */
	for (n = 0, k = 0; k < K_NCOLS; k++)
		for (r = 0; r < PROMSTAT_IGNORE_NREASONS; r++)
			n += c->ignored[k][r] != 0;
	if (!(ig = reg->rmem[0] = ps_calloc(n + 1, sizeof *ig)))
		return -1;
	for (k = 0; k < K_NCOLS; k++)
		for (r = 0; r < PROMSTAT_IGNORE_NREASONS; r++)
			if (c->ignored[k][r]) {
				ig[rp->n_ignored].column = canon[k];
				ig[rp->n_ignored].reason = r;
				ig[rp->n_ignored++].count = c->ignored[k][r];
				rp->values_ignored += c->ignored[k][r];
			}
	rp->ignored = ig;

	/* spellings merged into a level, and the ae codes */
	for (n = 0, i = 0; i < c->n_lv; i++)
		n += ps_strpool_count(c->lv[i].spell);
	mg = reg->rmem[1] = ps_calloc(n + 1, sizeof *mg);
	ae = reg->rmem[2] = ps_calloc(n + 1, sizeof *ae);
	sx = reg->rmem[3] = ps_calloc(n + 1, sizeof *sx);
	if (!mg || !ae || !sx)
		return -1;
	for (i = 0; i < c->n_lv; i++) {
		level_col *L = &c->lv[i];
		size_t ns = ps_strpool_count(L->spell), nk = ps_strpool_count(L->keys);
		for (j = 0; j < ns; j++) {
			const char *lev, *sp = ps_strpool_get(L->spell, (long)j);
			if (L->spell_key[j] < 0 || !L->spell_rows[j])
				continue;
			lev = ps_strpool_get(reg->pool, L->key_level[L->spell_key[j]]);
			if (!strcmp(lev, sp))
				continue;
			mg[rp->n_merged].column = L->name;
			mg[rp->n_merged].level = lev;
			if (!(mg[rp->n_merged].spelling = keep(reg, sp, strlen(sp))))
				return -1;
			mg[rp->n_merged++].rows = L->spell_rows[j];
		}
		if (i == L_AE) {
			for (k = 0; k < nk; k++) {
				size_t rows = 0;
				for (j = 0; j < ns; j++)
					if (L->spell_key[j] == (int32_t)k)
						rows += L->spell_rows[j];
				if (!rows)
					continue;
				ae[rp->n_ae_codes].value = ps_strpool_get(reg->pool, L->key_level[k]);
				ae[rp->n_ae_codes++].rows = rows;
			}
		}
		if (i == L_SEX) {
			/* sex values promstat does not read as F or M, with their units */
			for (k = 0; k < nk; k++) {
				const char *v = ps_strpool_get(reg->pool, L->key_level[k]);
				size_t units = 0, u;
				if (!strcmp(v, "F") || !strcmp(v, "M"))
					continue;
				for (u = 0; u < reg->n_units; u++)
					units += reg->units[u].sex == L->key_level[k];
				if (!units)
					continue;
				sx[rp->n_sex_other].value = v;
				sx[rp->n_sex_other++].rows = units;
			}
		}
	}
	/* within a column, a level's spellings together (levels in the order
	 * they were first seen, which their pool ids follow), each level's in
	 * the order they were first seen: an insertion sort, stable */
	for (i = 1; i < rp->n_merged; i++) {
		promstat_merged_level x = mg[i];
		long xl = ps_strpool_find(reg->pool, x.level, strlen(x.level));
		for (j = i; j > 0 && mg[j - 1].column == x.column &&
			    ps_strpool_find(reg->pool, mg[j - 1].level, strlen(mg[j - 1].level)) > xl;
		     j--)
			mg[j] = mg[j - 1];
		mg[j] = x;
	}
	rp->merged = mg;
	rp->ae_codes = ae;
	rp->sex_other = sx;

	/* recodes that changed no accepted row */
	if (!(ru = reg->rmem[4] = ps_calloc(c->n_recodes + 1, sizeof *ru)))
		return -1;
	for (i = 0; i < c->n_recodes; i++)
		if (!c->recodes[i].used &&
		    !(ru[rp->n_recodes_unused++] = keep(reg, c->recodes[i].text,
							 strlen(c->recodes[i].text))))
			return -1;
	rp->recodes_unused = ru;

	/* patients and units with rows, every one rejected */
	if (!(pl = reg->rmem[5] = ps_calloc(PROMSTAT_REPORT_IDS + 1, sizeof *pl)))
		return -1;
	n = c->rej_patients ? ps_strpool_count(c->rej_patients) : 0;
	for (i = 0; i < n; i++) {
		const char *id = ps_strpool_get(c->rej_patients, (long)i);
		long p = ps_strpool_find(reg->pool, id, strlen(id));
		if (p >= 0 && (size_t)p < c->first_unit_cap && c->first_unit[p] >= 0)
			continue;
		if (rp->n_patients_listed < PROMSTAT_REPORT_IDS &&
		    !(pl[rp->n_patients_listed++] = keep(reg, id, strlen(id))))
			return -1;
		rp->patients_all_rejected++;
	}
	rp->patients_listed = pl;
	n = c->rej_units ? ps_strpool_count(c->rej_units) : 0;
	for (i = 0; i < n; i++) {
		const char *key = ps_strpool_get(c->rej_units, (long)i);
		const char *sep = strchr(key, '\x1f');
		long p = ps_strpool_find(reg->pool, key, (size_t)(sep - key));
		long e = ps_strpool_find(reg->pool, sep + 1, strlen(sep + 1));
		if (p >= 0 && e >= 0 && unit_find(c, p, e) >= 0)
			continue;
		rp->units_all_rejected++;
	}
	rp->conflicts_satisfied = c->conflicts_satisfied;
	rp->conflicts_treatment_date = c->conflicts_treatment_date;
	rp->encoding = c->enc.windows1252 ? "windows-1252" : "utf-8";
	rp->encoding_guessed = c->enc.guessed;
	rp->bytes_replaced = c->enc.replaced;
	if (c->enc.guessed &&
	    note(c, "the file is not UTF-8 but reads as Windows-1252 (as Excel saves CSV): "
		    "it was converted to UTF-8; give --encoding to read it otherwise"))
		return -1;
	if (c->enc.replaced &&
	    note(c, "%zu byte%s not valid %s %s replaced with U+FFFD", c->enc.replaced,
		 c->enc.replaced == 1 ? "" : "s",
		 c->enc.windows1252 ? "Windows-1252" : "UTF-8",
		 c->enc.replaced == 1 ? "was" : "were"))
		return -1;

	if (!(nt = reg->rmem[6] = ps_calloc(c->n_notes + 1, sizeof *nt)))
		return -1;
	for (i = 0; i < c->n_notes; i++)
		if (!(nt[i] = keep(reg, c->notes[i], strlen(c->notes[i]))))
			return -1;
	rp->notes = nt;
	rp->n_notes = c->n_notes;
	return 0;
}

/* Frees what ingest kept only while reading. */
static void free_reading(ingest *c)
{
	size_t i;

	ps_free(c->uslots);
	ps_free(c->first_unit);
	ps_free(c->local.slots);
	ps_free(c->global.slots);
	ps_free(c->side);
	ps_free(c->obs_line);
	ps_free(c->extra_col);
	for (i = 0; i < c->n_lv; i++) {
		ps_strpool_free(c->lv[i].spell);
		ps_strpool_free(c->lv[i].keys);
		ps_free(c->lv[i].spell_key);
		ps_free(c->lv[i].spell_recode);
		ps_free(c->lv[i].spell_rows);
		ps_free(c->lv[i].key_level);
	}
	ps_free(c->lv);
	for (i = 0; i < c->n_recodes; i++) {
		ps_free(c->recodes[i].text);
		ps_free(c->recodes[i].column);
		ps_free(c->recodes[i].from);
		ps_free(c->recodes[i].to);
	}
	ps_free(c->recodes);
	for (i = 0; i < c->n_ae_none; i++)
		ps_free(c->ae_none[i]);
	ps_free(c->ae_none);
	ps_free(c->tmp);
	ps_strpool_free(c->rej_patients);
	ps_strpool_free(c->rej_units);
	for (i = 0; i < c->n_notes; i++)
		ps_free(c->notes[i]);
	ps_free(c->notes);
	memset(c, 0, sizeof *c);
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
	c.echo[0].unit = c.echo[1].unit = c.echo[2].unit = -1;
	c.date_format = opt ? opt->date_format : 0;
	if (opt && (opt->encoding < PROMSTAT_ENCODING_AUTO ||
		    opt->encoding > PROMSTAT_ENCODING_WINDOWS1252))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "unknown encoding %d",
				opt->encoding);
	if (c.date_format < PROMSTAT_DATE_ISO || c.date_format > PROMSTAT_DATE_MDY)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "unknown date format %d",
				c.date_format);
	if ((st = parse_map(&c, err)) || (st = parse_recodes(&c, err)) ||
	    (st = load_recode_file(&c, err)) || (st = parse_ae_none(&c, err))) {
		free_reading(&c);
		return st;
	}
	if (promstat_catalogue_count(cat) > UINT16_MAX)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"the instrument catalogue has more than %u instruments",
				(unsigned)UINT16_MAX);
	c.reg = ps_calloc(1, sizeof *c.reg);
	if (!c.reg || !(c.reg->pool = ps_strpool_new())) {
		ps_free(c.reg);
		free_reading(&c);
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	}
	c.reg->cat = cat;
	c.prep.fn = prepare_row;
	c.prep.ctx = &c;
	c.prep.size = sizeof(prepared_row);
	c.enc.mode = opt ? opt->encoding : PROMSTAT_ENCODING_AUTO;
	st = ps_csv_read_encoded(in, name, opt ? opt->chunk : 0, on_record, &c, c.reg->sha256,
				 &c.prep, &c.enc, err);
	if (!st && !c.have_header)
		st = ps_error(err, PROMSTAT_EDATA, name, 1, 0,
			      "the file is empty: a header line (patient_id,therapy,day,"
			      "instrument,score,...) is required");
	if (!st && build_report(&c))
		st = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	if (!st)
		st = finish(&c, err);
	ps_free(c.runs);
	{
		promstat_registry *reg = c.reg;
		free_reading(&c);
		if (st) {
			promstat_registry_free(reg);
			return st;
		}
		*out = reg;
	}
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
	ps_strpool_free(reg->rpool);
	for (i = 0; i < sizeof reg->rmem / sizeof *reg->rmem; i++)
		ps_free(reg->rmem[i]);
	ps_free(reg);
}

const promstat_ingest_report *promstat_registry_report(const promstat_registry *reg)
{
	return reg ? &reg->report : NULL;
}

const promstat_ingest_counts *promstat_registry_counts(const promstat_registry *reg)
{
	return reg ? &reg->counts : NULL;
}
