/* SPDX-License-Identifier: GPL-3.0-or-later */
/* promstat mcid and the audit's durability block: what cmd_mcid.c,
 * cmd_audit.c, durability.c and plot_mcid.c share. */
#ifndef PROMSTAT_CLI_MCID_H
#define PROMSTAT_CLI_MCID_H

#include <stdio.h>

#include "promstat.h"
#include "plot_cli.h"

/* Said wherever durability is shown: why the curves step at visit days. */
#define CLI_DURABILITY_NOTE                                                             \
	"loss of response is only seen at visits (interval-censored): a curve steps at " \
	"the visit day when the loss was first seen, so durations are upper bounds of "  \
	"when it was lost"

/*
 * The MCID of code derived by method ("roc", "predictive", "adjusted")
 * from reg's anchor with the audit options ao (no bootstrap): the all-units
 * cell at the timepoint nearest 180 days. how receives a sentence saying
 * so. Returns PROMSTAT_OK, PROMSTAT_EINVAL (bad method or options) or
 * PROMSTAT_EDATA (nothing can be derived), with err filled.
 */
int cli_mcid_derive(const promstat_registry *reg, const promstat_audit_options *ao,
		    const char *code, const char *method, double *value, char *how, size_t size,
		    promstat_error *err);

/* mcid-roc-CODE-DAY and mcid-change-CODE-DAY for each timepoint (all units). */
int cli_mcid_plots(const cli_plot_opts *o, const promstat_mcid *m);
/* durability-CODE for each instrument with durability cells. */
int cli_durability_plots(const cli_plot_opts *o, const promstat_durability *d,
			 const promstat_audit *a);

/* The durability section of the audit's table, and its JSON block (written
 * as `"durability": {...}`, without a leading comma). */
void cli_durability_table(FILE *out, const promstat_durability *d, const promstat_audit *a);
void cli_durability_json(FILE *out, const promstat_durability *d, const promstat_audit *a);

#endif
