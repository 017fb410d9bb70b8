/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Study-level files: reading a CSV with one row per study (metafor's column
 * names) into the effect sizes a meta-analysis pools, with every row
 * accounted for, plus the moderator and subgroup columns that ride along.
 *
 * Columns (names matched case-insensitively; "--map canonical=column"
 * renames): study (the label; optional, the row number otherwise) and, by
 * measure,
 *   MD, SMD, ROM           m1i,sd1i,n1i,m2i,sd2i,n2i
 *   RR, OR, RD             ai,bi,ci,di  or  ai,n1i,ci,n2i
 *   PR, PLO, PFT, PAS      xi,ni
 *   GEN                    yi with vi or sei
 * Every other column is a moderator: numeric when every non-empty value of
 * an accepted row parses as a number, a string column otherwise.
 *
 * A row that cannot contribute (wrong field count, a missing or malformed
 * value, a study the effect size is undefined for: n <= 1, sd <= 0, ...) is
 * rejected with a positioned diagnostic and left out, so that k counts only
 * the studies that are pooled and rows_read = rows_accepted + rows_rejected.
 */
#ifndef PROMSTAT_STUDIES_H
#define PROMSTAT_STUDIES_H

#include <stddef.h>
#include <stdio.h>

#include "promstat.h"

#ifdef __cplusplus
extern "C" {
#endif

struct promstat_error;
struct promstat_ingest_options;
struct promstat_ingest_counts;

typedef struct promstat_studies promstat_studies;

/*
 * Reads a study-level CSV from in (name is used in messages) for measure
 * (promstat_meta_measure_parse() turns "RR" into one). Effect sizes are
 * computed by promstat_meta_es_*(), whose reason for turning a study down
 * becomes the reject's message. opt is the ingest's
 * options structure: chunk, map, strict, rejects and on_reject mean what
 * they mean for a registry; opt may be NULL for defaults.
 *
 * Fails with PROMSTAT_EINVAL for a measure outside the enum or a malformed
 * --map,
 * PROMSTAT_EDATA (positioned) when the file is structurally damaged, lacks
 * a column the measure needs (the message names the column and the
 * measure), has no usable study, or, under opt->strict, rejects a row;
 * PROMSTAT_EOPEN on a read error; PROMSTAT_ENOMEM. On success *out is a new
 * object the caller frees with promstat_studies_free().
 *
 * Memory grows with the number of studies and moderator columns only.
 */
int promstat_studies_read(FILE *in, const char *name, promstat_meta_measure measure,
			  const struct promstat_ingest_options *opt, promstat_studies **out,
			  struct promstat_error *err);

/* Frees s; NULL is a no-op. */
void promstat_studies_free(promstat_studies *s);

/* The measure s was read for. */
promstat_meta_measure promstat_studies_measure(const promstat_studies *s);

/* Row accounting of the read. */
const struct promstat_ingest_counts *promstat_studies_counts(const promstat_studies *s);

/* k: the number of accepted studies (those that are pooled). */
size_t promstat_studies_count(const promstat_studies *s);

/*
 * Effect sizes and sampling variances on the analysis scale, as metafor's
 * escalc() with its defaults computes them; arrays of
 * promstat_studies_count() elements, owned by s.
 */
const double *promstat_studies_yi(const promstat_studies *s);
const double *promstat_studies_vi(const promstat_studies *s);

/* Label of study i (the study column, or the data-row number), NULL when i
 * is out of range. */
const char *promstat_studies_label(const promstat_studies *s, size_t i);

/* Physical line where study i's row starts; 0 when i is out of range. */
unsigned long promstat_studies_line(const promstat_studies *s, size_t i);

/*
 * Value of the measure's input column canonical ("n1i", "xi", "sei", ...)
 * for study i, as read (or as derived: bi = n1i - ai, n1i = ai + bi for the
 * two 2x2 forms). NaN when the column is not part of the measure's input or
 * i is out of range.
 */
double promstat_studies_input(const promstat_studies *s, size_t i, const char *canonical);

/* ---- moderator and subgroup columns ---- */

/* Number of moderator columns (in file order). */
size_t promstat_studies_ncolumns(const promstat_studies *s);
/* Header name of moderator column j, NULL when out of range. */
const char *promstat_studies_column_name(const promstat_studies *s, size_t j);
/* Index of the moderator column named name (case-insensitive), or -1. */
long promstat_studies_column_find(const promstat_studies *s, const char *name);
/* Nonzero when moderator column j is numeric. */
int promstat_studies_column_numeric(const promstat_studies *s, size_t j);
/* Numeric value of column j for study i; NaN when empty, non-numeric column
 * or out of range. */
double promstat_studies_number(const promstat_studies *s, size_t i, size_t j);
/* Text of column j for study i as written; "" when empty, NULL when out of
 * range. */
const char *promstat_studies_text(const promstat_studies *s, size_t i, size_t j);

/*
 * A partition of the studies into subgroups by one column.
 * group[i] is the level index of study i, or -1 when its value is empty
 * (such studies are in no subgroup). Levels are sorted as R sorts a
 * factor's levels: numerically for a numeric column, by byte order of the
 * text otherwise (R's C-locale order).
 */
typedef struct promstat_studies_groups {
	size_t k;	/* studies */
	long *group;	/* k entries */
	size_t nlevels;
	char **levels;	/* nlevels labels */
} promstat_studies_groups;

/*
 * Groups the studies by moderator column col. When col is "age_band" and
 * there is no such column, the numeric column mean_age is binned at the
 * ascending cut points bands[0..nbands) (nbands 0: the default, 60) into
 * levels "<b0", "[b0,b1)", ..., ">=b_last". Fails with PROMSTAT_EINVAL when
 * the column does not exist (or mean_age is missing or not numeric for
 * age_band) or the bands are not ascending; PROMSTAT_ENOMEM. On success
 * *out is filled and must be released with promstat_studies_groups_free().
 */
int promstat_studies_group_by(const promstat_studies *s, const char *col, const double *bands,
			      size_t nbands, promstat_studies_groups *out,
			      struct promstat_error *err);
void promstat_studies_groups_free(promstat_studies_groups *g);

/*
 * Harmonic mean of the studies' ni, over the studies of subgroup level of
 * g (all studies when g is NULL or level < 0): the n at which Miller's
 * inverse back-transforms a pooled double arcsine (PFT), as metafor's
 * transf.ipft.hm. NaN when there is no such study or the measure has no ni.
 */
double promstat_studies_harmonic_n(const promstat_studies *s, const promstat_studies_groups *g,
				   long level);

/*
 * A meta-regression design matrix with an intercept.
 * x is row-major, nrows x p; rows[r] is the study index of row r (studies
 * with an empty value in any moderator are left out). names[0] is
 * "intrcpt"; a numeric column enters as it is under its own name; a string
 * column enters as treatment-coded dummies against its first level in
 * sorted (byte) order, named column name + level as R's model.matrix names
 * them ("allocrandom").
 */
typedef struct promstat_studies_design {
	size_t nrows, p;
	double *x;
	size_t *rows;
	char **names;
} promstat_studies_design;

/*
 * Builds the design for moderator columns cols[0..ncols). Fails with
 * PROMSTAT_EINVAL when a column does not exist or is named twice;
 * PROMSTAT_ENOMEM. A string column with a single level contributes no
 * dummy. On success *out must be released with
 * promstat_studies_design_free().
 */
int promstat_studies_design_build(const promstat_studies *s, const char *const *cols,
				  size_t ncols, promstat_studies_design *out,
				  struct promstat_error *err);
void promstat_studies_design_free(promstat_studies_design *d);

#ifdef __cplusplus
}
#endif
#endif
