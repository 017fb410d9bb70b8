/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Instrument catalogue and registry ingest: reading a long-format
 * observations CSV (one row per patient, visit and instrument) into memory,
 * accounting for every row.
 */
#ifndef PROMSTAT_INGEST_H
#define PROMSTAT_INGEST_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct promstat_error;

/* ---- instrument catalogue ---- */

typedef struct promstat_catalogue promstat_catalogue;

/* One instrument. mcid and pass are NaN when no published value is known. */
typedef struct promstat_instrument {
	const char *code;
	const char *label;
	double min, max;
	int higher_better; /* 1: higher scores are better; 0: lower are better */
	double mcid;
	const char *mcid_source; /* "" when mcid is NaN */
	double pass;
	const char *pass_source;
} promstat_instrument;

/*
 * Loads a catalogue CSV with columns code,label,min,max,direction,mcid,
 * mcid_source,pass,pass_source. Fails with PROMSTAT_EOPEN when the file
 * cannot be opened and PROMSTAT_EDATA (positioned) when a row is malformed.
 * On success *out is a new catalogue the caller frees.
 */
int promstat_catalogue_load(const char *path, promstat_catalogue **out,
			    struct promstat_error *err);
void promstat_catalogue_free(promstat_catalogue *cat);
size_t promstat_catalogue_count(const promstat_catalogue *cat);
/* The i-th instrument, or NULL when i is out of range. */
const promstat_instrument *promstat_catalogue_get(const promstat_catalogue *cat, size_t i);
/* Index of the instrument with code (case-sensitive), or -1. */
long promstat_catalogue_find(const promstat_catalogue *cat, const char *code);

/* ---- registry ingest ---- */

typedef struct promstat_registry promstat_registry;

/* Why a row was rejected. */
enum promstat_reject_reason {
	PROMSTAT_REJECT_FIELD_COUNT = 0, /* more or fewer fields than the header */
	PROMSTAT_REJECT_MISSING,	 /* a required value is empty */
	PROMSTAT_REJECT_NOT_NUMBER,	 /* a score or day that does not parse */
	PROMSTAT_REJECT_OUT_OF_RANGE,	 /* score outside the instrument's range; day (or
					    date - treatment_date) beyond +/-36525 */
	PROMSTAT_REJECT_UNKNOWN_INSTRUMENT,
	PROMSTAT_REJECT_INCONSISTENT_UNIT, /* therapy differs within a unit */
	PROMSTAT_REJECT_DUPLICATE,	 /* (unit, instrument, day) seen before */
	PROMSTAT_REJECT_NOT_DATE,	 /* a date or treatment_date that is not a real date */
	PROMSTAT_REJECT_NREASONS
};

/*
 * Why a value of an optional column (age, sex, anchor, satisfied,
 * date_of_birth) was set missing while its row was kept.
 */
enum promstat_ignore_reason {
	PROMSTAT_IGNORE_NOT_NUMBER = 0, /* age or anchor that is not a number */
	PROMSTAT_IGNORE_OUT_OF_RANGE,	/* age outside 0..130, anchor beyond +/-1000 */
	PROMSTAT_IGNORE_NOT_DATE,	/* date_of_birth that is not a real date */
	PROMSTAT_IGNORE_NOT_YES_NO,	/* satisfied not 1/0, yes/no, y/n, true/false */
	PROMSTAT_IGNORE_INCONSISTENT,	/* age or sex differing from the unit's earlier rows */
	PROMSTAT_IGNORE_AGE_VS_BIRTH,	/* age more than a year from the date of birth's */
	PROMSTAT_IGNORE_NREASONS
};

/* A stable snake_case name for an ignore reason ("not_a_number", ...). */
const char *promstat_ignore_reason_name(int reason);

/* How dates written D/M/YYYY or M/D/YYYY are read (ISO is always read). */
enum promstat_date_format { PROMSTAT_DATE_ISO = 0, PROMSTAT_DATE_DMY, PROMSTAT_DATE_MDY };

/* The text encoding of the input. AUTO: UTF-8, or Windows-1252 when the
 * file is not UTF-8 but is consistent with it (see promstat_registry_read). */
enum promstat_encoding {
	PROMSTAT_ENCODING_AUTO = 0,
	PROMSTAT_ENCODING_UTF8,
	PROMSTAT_ENCODING_WINDOWS1252
};

/* A stable snake_case name for a reason ("field_count", ...). */
const char *promstat_reject_reason_name(int reason);

/* Called for every rejected row, with a positioned diagnostic. */
typedef void (*promstat_reject_fn)(const struct promstat_error *diag, int reason, void *ctx);

/* Called for every value set missing in a kept row (reason a
 * promstat_ignore_reason), and for a within-unit conflict that is only
 * reported (reason -1), with a positioned diagnostic; column is the
 * canonical column name. */
typedef void (*promstat_value_fn)(const struct promstat_error *diag, const char *column,
				  int reason, void *ctx);

typedef struct promstat_ingest_options {
	size_t chunk;		 /* read size in bytes; 0 = default */
	const char *const *map;	 /* "canonical=column" renamings */
	size_t nmap;
	int strict;		 /* any rejected row is fatal (PROMSTAT_EDATA) */
	FILE *rejects;		 /* when not NULL: rejected rows as CSV line,reason,... */
	promstat_reject_fn on_reject; /* may be NULL */
	void *on_reject_ctx;
	/* "COLUMN=FROM:TO" synonyms (FROM matched trimmed and ignoring case;
	 * split at the last ':'); COLUMN is therapy, sex, provider, site,
	 * instrument or a stratum column of the header */
	const char *const *recode;
	size_t nrecode;
	const char *recode_file; /* CSV column,from,to with that header; NULL: none */
	/* comma-separated values of ae that mean "no event" (trimmed, ignoring
	 * case); NULL: PROMSTAT_AE_NONE_DEFAULT. An empty ae is always none. */
	const char *ae_none;
	int date_format;	/* enum promstat_date_format */
	int encoding;		/* enum promstat_encoding */
	promstat_value_fn on_value; /* may be NULL */
	void *on_value_ctx;
} promstat_ingest_options;

/* The default ae_none list. */
#define PROMSTAT_AE_NONE_DEFAULT "none,no,0,n/a,na,-,nil"


/* Counts of one ingest run: rows_read = rows_accepted + rows_rejected. */
typedef struct promstat_ingest_counts {
	size_t rows_read, rows_accepted, rows_rejected;
	size_t by_reason[PROMSTAT_REJECT_NREASONS];
} promstat_ingest_counts;

/*
 * Reads a registry from in (name is used in messages), checking every row
 * against cat (which must outlive the registry). opt may be NULL for
 * defaults. Structural damage stops the run with PROMSTAT_EDATA; a rejected
 * row does not, unless opt->strict. On success *out is a new registry.
 *
 * Columns are matched case-insensitively in any order; opt->map entries
 * "canonical=column" make the header's column stand for a canonical one
 * (a malformed entry fails with PROMSTAT_EINVAL). A unit is (patient_id,
 * episode); its therapy is that of its first accepted row, its age the
 * first non-empty age (an empty age agrees with any; a different one is
 * set missing and reported through opt->on_value). Level values are
 * trimmed and matched ignoring case, recoded, and reported with every
 * other value ingest changed in promstat_registry_report. Each rejected row is
 * counted, written to opt->rejects (a "line,reason,<header>" CSV) and passed
 * to opt->on_reject; under opt->strict the first one is instead returned in
 * err with PROMSTAT_EDATA. A failed write to opt->rejects gives
 * PROMSTAT_EWRITE. On failure *out is NULL and nothing is left allocated.
 *
 * When in is a regular file, a second thread reads it ahead (and hashes,
 * scans and, while this thread lags behind, pre-checks it); it ends before
 * this function returns, and callbacks (opt->on_reject) are always called
 * from the calling thread. Pipes are read on the calling thread only.
 */
int promstat_registry_read(FILE *in, const char *name, const promstat_catalogue *cat,
			   const promstat_ingest_options *opt, promstat_registry **out,
			   struct promstat_error *err);
void promstat_registry_free(promstat_registry *reg);
const promstat_ingest_counts *promstat_registry_counts(const promstat_registry *reg);

/* What ingest did to the extract, for the analyst to check. Strings
 * belong to the registry. */
typedef struct promstat_merged_level {
	const char *column;   /* canonical or stratum column name */
	const char *level;    /* the level's name (its first spelling, trimmed) */
	const char *spelling; /* another spelling merged into it, as written */
	size_t rows;	      /* accepted rows that wrote it so */
} promstat_merged_level;

typedef struct promstat_value_count {
	const char *value;
	size_t rows;
} promstat_value_count;

typedef struct promstat_ignored_count {
	const char *column;
	int reason; /* enum promstat_ignore_reason */
	size_t count;
} promstat_ignored_count;

#define PROMSTAT_REPORT_IDS 20 /* ids listed of each kind (all are counted) */

typedef struct promstat_ingest_report {
	size_t values_ignored; /* all of them */
	size_t n_ignored;      /* (column, reason) pairs with a count, column order */
	const promstat_ignored_count *ignored;
	size_t n_merged;
	const promstat_merged_level *merged;
	size_t n_recodes_unused; /* recodes that changed no accepted row, as given */
	const char *const *recodes_unused;
	size_t n_ae_codes;	/* event codes (merged like levels) with their rows */
	const promstat_value_count *ae_codes;
	size_t n_sex_other;	/* sex values other than F and M (rows: of the first spelling) */
	const promstat_value_count *sex_other;
	size_t patients_all_rejected; /* patient_ids with rows, none accepted */
	size_t units_all_rejected;    /* the same for (patient_id, episode) */
	size_t n_patients_listed;     /* at most PROMSTAT_REPORT_IDS, first seen first */
	const char *const *patients_listed;
	size_t conflicts_satisfied;   /* rows whose satisfied differs from the unit's before */
	size_t conflicts_treatment_date; /* rows whose treatment_date is not the unit's index */
	const char *encoding;	      /* "utf-8" or "windows-1252" */
	int encoding_guessed;	      /* windows-1252 was detected, not asked for */
	size_t bytes_replaced;	      /* invalid bytes read as U+FFFD */
	size_t n_notes;		      /* sentences about the whole file */
	const char *const *notes;
} promstat_ingest_report;

/* The report of reg's ingest, or NULL for NULL. */
const promstat_ingest_report *promstat_registry_report(const promstat_registry *reg);

/* ---- validate: what a clinic needs to trust its extract ---- */

/* The default follow-up windows (days after index treatment), target +/-
 * half width: 42+/-14, 90+/-30, 180+/-45, 365+/-60, 730+/-90. */
#define PROMSTAT_VALIDATE_NWINDOWS 5
extern const int promstat_validate_window_target[PROMSTAT_VALIDATE_NWINDOWS];
extern const int promstat_validate_window_half[PROMSTAT_VALIDATE_NWINDOWS];

/* Baseline: an observation with day in [-90, 0]. */
#define PROMSTAT_BASELINE_FIRST_DAY (-90)
#define PROMSTAT_BASELINE_LAST_DAY 0

typedef struct promstat_validate_therapy {
	const char *therapy;
	size_t units;
} promstat_validate_therapy;

typedef struct promstat_validate_instrument {
	const char *code;
	size_t observations;
	size_t units;		/* units with at least one observation */
	size_t baseline_units;	/* units with an observation on day -90..0 */
	size_t window_obs[PROMSTAT_VALIDATE_NWINDOWS]; /* observations per window */
} promstat_validate_instrument;

/*
 * Read-only result of promstat_validate_summarize. Strings point into the
 * registry and the catalogue, which must outlive the summary. Therapies are
 * in byte order of their names, instruments in catalogue order (only those
 * observed).
 */
typedef struct promstat_validate_summary {
	promstat_ingest_counts counts;
	char sha256[65];	/* of the input bytes */
	size_t units, patients, observations;
	size_t n_therapies;
	promstat_validate_therapy *therapies;
	size_t n_instruments;
	promstat_validate_instrument *instruments;
	size_t window_obs[PROMSTAT_VALIDATE_NWINDOWS]; /* all instruments */
	/* units with no observation on day -90..0, and units with one but no
	 * observation in any default window; the first PROMSTAT_REPORT_IDS of
	 * each as patient_id, episode pairs (episode "" when absent), in unit
	 * order */
	size_t units_without_baseline, units_without_followup;
	size_t n_no_baseline_listed, n_no_followup_listed;
	const char *no_baseline_listed[2 * PROMSTAT_REPORT_IDS];
	const char *no_followup_listed[2 * PROMSTAT_REPORT_IDS];
	const promstat_ingest_report *report; /* the registry's */
} promstat_validate_summary;

/* Computes the summary of reg into a new *out (free it with
 * promstat_validate_summary_free). Fails with PROMSTAT_EINVAL on NULL
 * arguments or PROMSTAT_ENOMEM. */
int promstat_validate_summarize(const promstat_registry *reg, promstat_validate_summary **out,
				struct promstat_error *err);
void promstat_validate_summary_free(promstat_validate_summary *s);

#ifdef __cplusplus
}
#endif
#endif
