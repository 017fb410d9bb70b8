/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Clinic audit: paired change, follow-up completeness, responder rates.
 * (Filled by the audit issue.) */
#ifndef PROMSTAT_AUDIT_H
#define PROMSTAT_AUDIT_H
#endif
