/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The audit's regression-based readings (private to the engine): inverse
 * probability of follow-up weighted MCID rates (issue 13, section 1),
 * case-mix-adjusted comparisons against the reference (section 4) and the
 * provider funnel (section 5). audit.c hands over what it has built (the
 * therapy, sex and funnel columns, each unit's cells, the results array);
 * casemix.c pairs units again per instrument and fits the models of
 * promstat_glm.h.
 */
#ifndef PROMSTAT_CASEMIX_H
#define PROMSTAT_CASEMIX_H

#include <stdint.h>

#include "promstat_audit.h"
#include "registry.h"

/* A string column as audit.c built it: every unit's level and the labels. */
typedef struct ps_cm_column {
	const int *unit_level; /* per unit; NULL when there is no such column */
	size_t n_levels;
	const char *const *labels;
} ps_cm_column;

typedef struct ps_casemix_in {
	const promstat_registry *reg;
	const promstat_audit_options *opt; /* level, baseline_window, funnel_by... */
	const promstat_audit_timepoint *tps;
	size_t ntp;
	const size_t *inst_cat;	/* catalogue index of each audited instrument */
	const char *const *inst_codes;
	const double *mcid;	/* per audited instrument, NaN when unknown */
	size_t ni;
	size_t min_n;		/* smaller therapies and providers are left out */
	ps_cm_column therapy;
	long ref_level;		/* therapy level of the reference, -1 for none */
	ps_cm_column sex;	/* unit_level NULL: no sex covariate */
	ps_cm_column funnel;	/* unit_level NULL: no funnel */
	/* each unit's result cells: combo_cells[unit_combo[u] * nmask + m] */
	const uint32_t *unit_combo, *combo_cells;
	size_t nmask, n_cells;
	promstat_audit_result *res; /* [(i * ntp + t) * n_cells + c]: IPW filled in */
} ps_casemix_in;

typedef struct ps_casemix {
	promstat_audit_adjusted *adj;
	size_t n_adj;
	promstat_audit_funnel_group *fg;
	size_t n_fg;
	promstat_audit_funnel_point *fp;
	size_t n_fp;
	ps_strpool *strings; /* notes and covariate lists */
} ps_casemix;

/*
 * Fills the IPW fields of every result and, with a reference or a funnel
 * column, out's comparisons and funnel. A model that cannot be fitted is
 * reported in notes, never as an error. Returns PROMSTAT_OK,
 * PROMSTAT_ENOMEM, or PROMSTAT_EINTERNAL when the models reject what was
 * built for them (a bug).
 */
int ps_casemix_run(const ps_casemix_in *in, ps_casemix *out, promstat_error *err);
void ps_casemix_free(ps_casemix *cm);

/*
 * Spiegelhalter's (2005) additive overdispersion from n z-scores and
 * their standard errors s: phi = the mean of the squared z-scores after
 * Winsorising them at their 10th and 90th percentiles (R's quantile type
 * 7), tau^2 = max(0, (n phi - (n - 1)) / (sum w - sum w^2 / sum w)),
 * w = 1/s^2. Both NaN below two values. work holds n doubles. Exposed for
 * the tests.
 */
void ps_funnel_overdispersion(const double *z, const double *s, size_t n, double *work,
			      double *phi, double *tau2);

#endif
