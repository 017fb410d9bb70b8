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
	PROMSTAT_REJECT_OUT_OF_RANGE,	 /* score outside the instrument's range, bad 0/1 */
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
 */
int promstat_registry_read(FILE *in, const char *name, const promstat_catalogue *cat,
			   const promstat_ingest_options *opt, promstat_registry **out,
			   struct promstat_error *err);
void promstat_registry_free(promstat_registry *reg);
const promstat_ingest_counts *promstat_registry_counts(const promstat_registry *reg);

#ifdef __cplusplus
}
#endif
#endif
