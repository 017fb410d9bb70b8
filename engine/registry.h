/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The ingested registry as the engine's modules see it (private). ingest.c
 * fills it; pairing, audit and validate read it. After ingest the
 * observations are grouped by unit and sorted by (instrument, day), so
 * a unit's observations of one instrument are contiguous and in time order.
 */
#ifndef PROMSTAT_REGISTRY_H
#define PROMSTAT_REGISTRY_H

#include <stdint.h>

#include "internal.h"

#define PS_NO_ANCHOR INT32_MIN

typedef struct ps_obs {
	uint32_t unit;	     /* index into units */
	uint32_t instrument; /* index into the catalogue */
	int32_t day;	     /* days since index treatment; baseline <= 0 */
	int32_t anchor;	     /* global rating of change, or PS_NO_ANCHOR */
	double score;
} ps_obs;

typedef struct ps_unit {
	long patient;	/* pool id of patient_id */
	long episode;	/* pool id of episode ("" when absent) */
	long therapy;	/* pool id */
	double age;	/* years, NaN when missing */
	long sex, provider, site; /* pool ids, -1 when missing */
	int ae;		/* 1 when any row of the unit names an adverse event */
	int satisfied;	/* -1 unknown, else the last non-empty 0/1 value */
} ps_unit;

struct promstat_registry {
	const promstat_catalogue *cat;
	ps_strpool *pool;	/* every string value */
	ps_unit *units;
	size_t n_units, units_cap;
	ps_obs *obs;
	size_t n_obs, obs_cap;
	size_t *unit_start;	/* n_units + 1 offsets into obs, after ingest */
	size_t n_extra;		/* user stratum columns */
	char **extra_names;	/* their header names */
	long *extra;		/* n_units * n_extra pool ids (-1 when empty) */
	size_t n_patients;	/* distinct patient_id values */
	promstat_ingest_counts counts;
	char sha256[65];	/* hex digest of the input bytes */
};

#endif
