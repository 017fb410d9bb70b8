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
	PROMSTAT_REJECT_NOT_NUMBER,	 /* a number or date that does not parse */
	PROMSTAT_REJECT_OUT_OF_RANGE,	 /* score outside the instrument's range; day beyond
					    +/-36525, age outside 0..130, anchor beyond
					    +/-1000, satisfied not 0/1 */
	PROMSTAT_REJECT_UNKNOWN_INSTRUMENT,
	PROMSTAT_REJECT_INCONSISTENT_UNIT, /* therapy or age differs within a unit */
	PROMSTAT_REJECT_DUPLICATE,	 /* (unit, instrument, day) seen before */
	PROMSTAT_REJECT_NREASONS
};

/* A stable snake_case name for a reason ("field_count", ...). */
const char *promstat_reject_reason_name(int reason);

/* Called for every rejected row, with a positioned diagnostic. */
typedef void (*promstat_reject_fn)(const struct promstat_error *diag, int reason, void *ctx);

typedef struct promstat_ingest_options {
	size_t chunk;		 /* read size in bytes; 0 = default */
	const char *const *map;	 /* "canonical=column" renamings */
	size_t nmap;
	int strict;		 /* any rejected row is fatal (PROMSTAT_EDATA) */
	FILE *rejects;		 /* when not NULL: rejected rows as CSV line,reason,... */
	promstat_reject_fn on_reject; /* may be NULL */
	void *on_reject_ctx;
} promstat_ingest_options;

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
 * first non-empty age (an empty age agrees with any). Each rejected row is
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
