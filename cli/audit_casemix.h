/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * promstat audit's printers for the regression-based readings
 * (audit_casemix.c): IPW rates, case-mix-adjusted comparisons, the funnel.
 */
#ifndef PROMSTAT_CLI_AUDIT_CASEMIX_H
#define PROMSTAT_CLI_AUDIT_CASEMIX_H

#include <stdio.h>

#include "promstat.h"

/* The adjusted comparisons and funnel sections of the table (nothing when
 * the audit has neither). */
void cli_audit_table_casemix(FILE *out, const promstat_audit *a);
/* The members mcid_rate_ipw, mcid_ipw_ci_lb, mcid_ipw_ci_ub, ipw_note of a
 * result object, each preceded by ", ". */
void cli_audit_json_ipw(FILE *out, const promstat_audit_result *r);
/* ",\n  \"adjusted_comparisons\": [...]" with a reference and
 * ",\n  \"funnel\": {...}" with funnel_by; nothing otherwise. */
void cli_audit_json_casemix(FILE *out, const promstat_audit *a);

#endif
