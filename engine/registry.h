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

#define PS_NO_ANCHOR INT16_MIN

/* 16 bytes: a registry holds millions. The unit of an observation is
 * known from where it lies (unit_start), not stored. */
typedef struct ps_obs {
	double score;
	int32_t day;	     /* days since index treatment; baseline <= 0 */
	uint16_t instrument; /* index into the catalogue */
	int16_t anchor;	     /* global rating of change, or PS_NO_ANCHOR */
} ps_obs;

/* Pool ids are int32_t: -1 when a value is missing. */
typedef struct ps_unit {
	double age;	  /* years, NaN when missing */
	int32_t patient;  /* pool id of patient_id */
	int32_t episode;  /* pool id of episode ("" when absent) */
	int32_t therapy;  /* pool id */
	int32_t sex, provider, site;
	int8_t ae;	  /* 1 when any row of the unit names an adverse event */
	int8_t satisfied; /* -1 unknown, else the last non-empty 0/1 value */
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
	int32_t *extra;		/* n_units * n_extra pool ids (-1 when empty) */
	size_t n_patients;	/* distinct patient_id values */
	promstat_ingest_counts counts;
	char sha256[65];	/* hex digest of the input bytes */
	promstat_ingest_report report; /* what ingest did (ingest.c) */
	ps_strpool *rpool;	/* the report's own strings */
	void *rmem[8];		/* the report's arrays */
};

#endif
